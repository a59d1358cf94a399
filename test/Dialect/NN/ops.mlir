// RUN: aegis-opt %s | FileCheck %s
// RUN: aegis-opt %s | aegis-opt | FileCheck %s
// RUN: aegis-opt %s --mlir-print-op-generic | aegis-opt | FileCheck %s

// CHECK-LABEL: func.func @all_ops
func.func @all_ops(%x: tensor<1x8x32xf32>, %w: tensor<32x96xf32>, %ids: tensor<1x8xi64>,
                   %table: tensor<100x32xf32>, %mask: tensor<8x8xi1>) -> tensor<1x8x32xf32> {
  // CHECK: nn.constant dense<1.000000e+00> : tensor<32xf32>
  %one = nn.constant dense<1.0> : tensor<32xf32>
  // CHECK: nn.constant dense<[1, 8, 4, 8]> : tensor<4xi64>
  %shape = nn.constant dense<[1, 8, 4, 8]> : tensor<4xi64>
  // CHECK: nn.matmul %{{.*}}, %{{.*}} : (tensor<1x8x32xf32>, tensor<32x96xf32>) -> tensor<1x8x96xf32>
  %qkv = nn.matmul %x, %w : (tensor<1x8x32xf32>, tensor<32x96xf32>) -> tensor<1x8x96xf32>
  // CHECK: nn.split %{{.*}} {axis = 2 : i64} : (tensor<1x8x96xf32>) -> (tensor<1x8x32xf32>, tensor<1x8x32xf32>, tensor<1x8x32xf32>)
  %q, %k, %v = nn.split %qkv {axis = 2 : i64} : (tensor<1x8x96xf32>) -> (tensor<1x8x32xf32>, tensor<1x8x32xf32>, tensor<1x8x32xf32>)
  // CHECK: nn.reshape %{{.*}} : tensor<1x8x32xf32> -> tensor<1x8x4x8xf32>
  %qr = nn.reshape %q : tensor<1x8x32xf32> -> tensor<1x8x4x8xf32>
  // CHECK: nn.transpose %{{.*}} {perm = array<i64: 0, 2, 1, 3>} : tensor<1x8x4x8xf32> -> tensor<1x4x8x8xf32>
  %qt = nn.transpose %qr {perm = array<i64: 0, 2, 1, 3>} : tensor<1x8x4x8xf32> -> tensor<1x4x8x8xf32>
  // CHECK: nn.attention %{{.*}}, %{{.*}}, %{{.*}} {scale = 0.35355339059327379 : f64} : (tensor<1x4x8x8xf32>, tensor<1x4x8x8xf32>, tensor<1x4x8x8xf32>) -> tensor<1x4x8x8xf32>
  %att = nn.attention %qt, %qt, %qt {scale = 0.35355339059327379 : f64} : (tensor<1x4x8x8xf32>, tensor<1x4x8x8xf32>, tensor<1x4x8x8xf32>) -> tensor<1x4x8x8xf32>
  %fill = nn.constant dense<-1.0e+04> : tensor<f32>
  // CHECK: nn.where %{{.*}}, %{{.*}}, %{{.*}} : (tensor<8x8xi1>, tensor<1x4x8x8xf32>, tensor<f32>) -> tensor<1x4x8x8xf32>
  %masked = nn.where %mask, %att, %fill : (tensor<8x8xi1>, tensor<1x4x8x8xf32>, tensor<f32>) -> tensor<1x4x8x8xf32>
  // CHECK: nn.softmax %{{.*}} {axis = -1 : i64} : tensor<1x4x8x8xf32>
  %p = nn.softmax %masked {axis = -1 : i64} : tensor<1x4x8x8xf32>
  // CHECK: nn.attention %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} {scale = 1.250000e-01 : f64} : (tensor<1x4x8x8xf32>, tensor<1x4x8x8xf32>, tensor<1x4x8x8xf32>, tensor<1x4x8x8xf32>) -> tensor<1x4x8x8xf32>
  %att2 = nn.attention %p, %p, %p, %p {scale = 0.125 : f64} : (tensor<1x4x8x8xf32>, tensor<1x4x8x8xf32>, tensor<1x4x8x8xf32>, tensor<1x4x8x8xf32>) -> tensor<1x4x8x8xf32>
  %back = nn.transpose %att2 {perm = array<i64: 0, 2, 1, 3>} : tensor<1x4x8x8xf32> -> tensor<1x8x4x8xf32>
  %merged = nn.reshape %back : tensor<1x8x4x8xf32> -> tensor<1x8x32xf32>
  // CHECK: nn.add {{.*}} : (tensor<1x8x32xf32>, tensor<32xf32>) -> tensor<1x8x32xf32>
  %a = nn.add %merged, %one : (tensor<1x8x32xf32>, tensor<32xf32>) -> tensor<1x8x32xf32>
  // CHECK: nn.sub
  %s = nn.sub %a, %k : (tensor<1x8x32xf32>, tensor<1x8x32xf32>) -> tensor<1x8x32xf32>
  // CHECK: nn.mul
  %m = nn.mul %s, %v : (tensor<1x8x32xf32>, tensor<1x8x32xf32>) -> tensor<1x8x32xf32>
  // CHECK: nn.div
  %d = nn.div %m, %one : (tensor<1x8x32xf32>, tensor<32xf32>) -> tensor<1x8x32xf32>
  // CHECK: nn.pow
  %pw = nn.pow %d, %one : (tensor<1x8x32xf32>, tensor<32xf32>) -> tensor<1x8x32xf32>
  // CHECK: nn.sqrt
  %e1 = nn.sqrt %pw : tensor<1x8x32xf32>
  // CHECK: nn.erf
  %e2 = nn.erf %e1 : tensor<1x8x32xf32>
  // CHECK: nn.tanh
  %e3 = nn.tanh %e2 : tensor<1x8x32xf32>
  // CHECK: nn.exp
  %e4 = nn.exp %e3 : tensor<1x8x32xf32>
  // CHECK: nn.relu
  %e5 = nn.relu %e4 : tensor<1x8x32xf32>
  // CHECK: nn.neg
  %e6 = nn.neg %e5 : tensor<1x8x32xf32>
  // CHECK: nn.reciprocal
  %e7 = nn.reciprocal %e6 : tensor<1x8x32xf32>
  // CHECK: nn.sigmoid
  %e8 = nn.sigmoid %e7 : tensor<1x8x32xf32>
  // CHECK: nn.gelu %{{.*}} {approximate = "tanh"} : tensor<1x8x32xf32>
  %g = nn.gelu %e8 {approximate = "tanh"} : tensor<1x8x32xf32>
  // CHECK: nn.gelu %{{.*}} : tensor<1x8x32xf32>
  %g2 = nn.gelu %g : tensor<1x8x32xf32>
  // CHECK: nn.reduce_mean %{{.*}} {axes = array<i64: -1>} : tensor<1x8x32xf32> -> tensor<1x8x1xf32>
  %rm = nn.reduce_mean %g2 {axes = array<i64: -1>} : tensor<1x8x32xf32> -> tensor<1x8x1xf32>
  // CHECK: nn.reduce_sum %{{.*}} {axes = array<i64: 1, 2>, keepdims = false} : tensor<1x8x32xf32> -> tensor<1xf32>
  %rs = nn.reduce_sum %g2 {axes = array<i64: 1, 2>, keepdims = false} : tensor<1x8x32xf32> -> tensor<1xf32>
  // CHECK: nn.layer_norm %{{.*}}, %{{.*}}, %{{.*}} {epsilon = 9.9999999999999995E-7 : f64} : (tensor<1x8x32xf32>, tensor<32xf32>, tensor<32xf32>) -> tensor<1x8x32xf32>
  %ln = nn.layer_norm %g2, %one, %one {epsilon = 1.0e-6 : f64} : (tensor<1x8x32xf32>, tensor<32xf32>, tensor<32xf32>) -> tensor<1x8x32xf32>
  // CHECK: nn.gemm %{{.*}}, %{{.*}}, %{{.*}} {transB = true} : (tensor<8x32xf32>, tensor<32x32xf32>, tensor<32xf32>) -> tensor<8x32xf32>
  %flat = nn.reshape %ln : tensor<1x8x32xf32> -> tensor<8x32xf32>
  %sq = nn.slice %w {axes = array<i64: 1>, starts = array<i64: 0>, ends = array<i64: 32>, steps = array<i64: 1>} : tensor<32x96xf32> -> tensor<32x32xf32>
  %gm = nn.gemm %flat, %sq, %one {transB = true} : (tensor<8x32xf32>, tensor<32x32xf32>, tensor<32xf32>) -> tensor<8x32xf32>
  // CHECK: nn.concat %{{.*}}, %{{.*}} {axis = 0 : i64} : (tensor<8x32xf32>, tensor<8x32xf32>) -> tensor<16x32xf32>
  %cat = nn.concat %gm, %gm {axis = 0 : i64} : (tensor<8x32xf32>, tensor<8x32xf32>) -> tensor<16x32xf32>
  // CHECK: nn.gather %{{.*}}, %{{.*}} {axis = 0 : i64} : (tensor<100x32xf32>, tensor<1x8xi64>) -> tensor<1x8x32xf32>
  %emb = nn.gather %table, %ids {axis = 0 : i64} : (tensor<100x32xf32>, tensor<1x8xi64>) -> tensor<1x8x32xf32>
  // CHECK: nn.cast %{{.*}} : tensor<1x8xi64> -> tensor<1x8xf32>
  %idsf = nn.cast %ids : tensor<1x8xi64> -> tensor<1x8xf32>
  // CHECK: nn.expand %{{.*}} : tensor<1x8xf32> -> tensor<4x8xf32>
  %ex = nn.expand %idsf : tensor<1x8xf32> -> tensor<4x8xf32>
  return %emb : tensor<1x8x32xf32>
}

// The client-prefix ops, SiLU, the SDPA guard, RMSNorm and causal attention
// round-trip.
// CHECK-LABEL: func.func @structure_ops
// CHECK: nn.compare %{{.*}}, %{{.*}} {predicate = "eq"} : (tensor<1x8xi64>, tensor<i64>) -> tensor<1x8xi1>
// CHECK: nn.not %{{.*}} : tensor<1x8xi1>
// CHECK: nn.cumsum %{{.*}} {axis = 1 : i64, exclusive, reverse} : tensor<1x8xi32>
// CHECK: nn.silu %{{.*}} : tensor<1x8x4xf32>
// CHECK: nn.is_nan %{{.*}} : tensor<1x8x4xf32> -> tensor<1x8x4xi1>
// CHECK: nn.layer_norm %{{.*}} {epsilon = {{.*}} : f64, rms}
// CHECK: nn.attention %{{.*}}, %{{.*}}, %{{.*}} {causal, scale = 5.000000e-01 : f64}
func.func @structure_ops(%ids: tensor<1x8xi64>, %pad: tensor<i64>, %c: tensor<1x8xi32>, %x: tensor<1x8x4xf32>, %q: tensor<1x2x8x4xf32>) -> (tensor<1x8xi1>, tensor<1x8xi32>, tensor<1x8x4xi1>, tensor<1x8x4xf32>, tensor<1x2x8x4xf32>) {
  %e = nn.compare %ids, %pad {predicate = "eq"} : (tensor<1x8xi64>, tensor<i64>) -> tensor<1x8xi1>
  %n = nn.not %e : tensor<1x8xi1>
  %s = nn.cumsum %c {axis = 1 : i64, exclusive, reverse} : tensor<1x8xi32>
  %si = nn.silu %x : tensor<1x8x4xf32>
  %nan = nn.is_nan %si : tensor<1x8x4xf32> -> tensor<1x8x4xi1>
  %r = nn.layer_norm %x {axis = -1 : i64, epsilon = 1.0e-6 : f64, rms} : (tensor<1x8x4xf32>) -> tensor<1x8x4xf32>
  %a = nn.attention %q, %q, %q {causal, scale = 0.5 : f64} : (tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32>) -> tensor<1x2x8x4xf32>
  return %n, %s, %nan, %r, %a : tensor<1x8xi1>, tensor<1x8xi32>, tensor<1x8x4xi1>, tensor<1x8x4xf32>, tensor<1x2x8x4xf32>
}
