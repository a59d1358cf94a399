// RUN: aegis-opt %s --aegis-nn-fuse --split-input-file | FileCheck %s

// LayerNorm with x*x instead of pow, no scale or bias, over two axes.
// CHECK-LABEL: func.func @layer_norm_two_axes
// CHECK: %[[Y:.*]] = nn.layer_norm %arg0 {axis = -2 : i64, epsilon = 1.000000e-03 : f64} : (tensor<2x4x8xf64>) -> tensor<2x4x8xf64>
// CHECK-NEXT: return %[[Y]]
func.func @layer_norm_two_axes(%x: tensor<2x4x8xf64>) -> tensor<2x4x8xf64> {
  %eps = nn.constant dense<1.0e-3> : tensor<f64>
  %m = nn.reduce_mean %x {axes = array<i64: 1, 2>} : tensor<2x4x8xf64> -> tensor<2x1x1xf64>
  %d = nn.sub %x, %m : (tensor<2x4x8xf64>, tensor<2x1x1xf64>) -> tensor<2x4x8xf64>
  %sq = nn.mul %d, %d : (tensor<2x4x8xf64>, tensor<2x4x8xf64>) -> tensor<2x4x8xf64>
  %v = nn.reduce_mean %sq {axes = array<i64: -1, -2>} : tensor<2x4x8xf64> -> tensor<2x1x1xf64>
  %ve = nn.add %eps, %v : (tensor<f64>, tensor<2x1x1xf64>) -> tensor<2x1x1xf64>
  %s = nn.sqrt %ve : tensor<2x1x1xf64>
  %y = nn.div %d, %s : (tensor<2x4x8xf64>, tensor<2x1x1xf64>) -> tensor<2x4x8xf64>
  return %y : tensor<2x4x8xf64>
}

// -----

// Statistics over different axes are not a LayerNorm of x (but the
// normalisation of d = x - mean by its root mean square is an RMSNorm).
// CHECK-LABEL: func.func @not_layer_norm
// CHECK-NOT: nn.layer_norm %arg0
// CHECK: nn.layer_norm %{{.*}} {axis = -2 : i64, epsilon = 1.000000e-03 : f64, rms}
func.func @not_layer_norm(%x: tensor<2x4x8xf64>) -> tensor<2x4x8xf64> {
  %eps = nn.constant dense<1.0e-3> : tensor<f64>
  %m = nn.reduce_mean %x {axes = array<i64: 2>} : tensor<2x4x8xf64> -> tensor<2x4x1xf64>
  %d = nn.sub %x, %m : (tensor<2x4x8xf64>, tensor<2x4x1xf64>) -> tensor<2x4x8xf64>
  %sq = nn.mul %d, %d : (tensor<2x4x8xf64>, tensor<2x4x8xf64>) -> tensor<2x4x8xf64>
  %v = nn.reduce_mean %sq {axes = array<i64: 1, 2>} : tensor<2x4x8xf64> -> tensor<2x1x1xf64>
  %ve = nn.add %v, %eps : (tensor<2x1x1xf64>, tensor<f64>) -> tensor<2x1x1xf64>
  %s = nn.sqrt %ve : tensor<2x1x1xf64>
  %y = nn.div %d, %s : (tensor<2x4x8xf64>, tensor<2x1x1xf64>) -> tensor<2x4x8xf64>
  return %y : tensor<2x4x8xf64>
}

// -----

// GELU with x * 1/sqrt(2) and the 0.5 applied to x first.
// CHECK-LABEL: func.func @gelu_mul_form
// CHECK: %[[G:.*]] = nn.gelu %arg0 : tensor<4xf32>
// CHECK-NEXT: return %[[G]]
func.func @gelu_mul_form(%x: tensor<4xf32>) -> tensor<4xf32> {
  %c = nn.constant dense<0.707106769> : tensor<f32>
  %one = nn.constant dense<1.0> : tensor<1xf32>
  %half = nn.constant dense<0.5> : tensor<f32>
  %s = nn.mul %x, %c : (tensor<4xf32>, tensor<f32>) -> tensor<4xf32>
  %e = nn.erf %s : tensor<4xf32>
  %a = nn.add %one, %e : (tensor<1xf32>, tensor<4xf32>) -> tensor<4xf32>
  %hx = nn.mul %half, %x : (tensor<f32>, tensor<4xf32>) -> tensor<4xf32>
  %y = nn.mul %hx, %a : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  return %y : tensor<4xf32>
}

// -----

// A different factor (0.4) is not GELU.
// CHECK-LABEL: func.func @not_gelu
// CHECK-NOT: nn.gelu
// CHECK: nn.erf
func.func @not_gelu(%x: tensor<4xf32>) -> tensor<4xf32> {
  %c = nn.constant dense<1.41421354> : tensor<f32>
  %one = nn.constant dense<1.0> : tensor<f32>
  %f = nn.constant dense<0.4> : tensor<f32>
  %s = nn.div %x, %c : (tensor<4xf32>, tensor<f32>) -> tensor<4xf32>
  %e = nn.erf %s : tensor<4xf32>
  %a = nn.add %e, %one : (tensor<4xf32>, tensor<f32>) -> tensor<4xf32>
  %m = nn.mul %x, %a : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  %y = nn.mul %m, %f : (tensor<4xf32>, tensor<f32>) -> tensor<4xf32>
  return %y : tensor<4xf32>
}

// -----

// tanh GELU with x*x*x.
// CHECK-LABEL: func.func @gelu_tanh_cube
// CHECK: %[[G:.*]] = nn.gelu %arg0 {approximate = "tanh"} : tensor<4xf32>
// CHECK-NEXT: return %[[G]]
func.func @gelu_tanh_cube(%x: tensor<4xf32>) -> tensor<4xf32> {
  %k = nn.constant dense<0.044715> : tensor<f32>
  %s2p = nn.constant dense<0.797884583> : tensor<f32>
  %one = nn.constant dense<1.0> : tensor<f32>
  %half = nn.constant dense<0.5> : tensor<f32>
  %x2 = nn.mul %x, %x : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  %x3 = nn.mul %x, %x2 : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  %kx3 = nn.mul %x3, %k : (tensor<4xf32>, tensor<f32>) -> tensor<4xf32>
  %in = nn.add %kx3, %x : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  %arg = nn.mul %in, %s2p : (tensor<4xf32>, tensor<f32>) -> tensor<4xf32>
  %t = nn.tanh %arg : tensor<4xf32>
  %a = nn.add %t, %one : (tensor<4xf32>, tensor<f32>) -> tensor<4xf32>
  %m = nn.mul %a, %half : (tensor<4xf32>, tensor<f32>) -> tensor<4xf32>
  %y = nn.mul %m, %x : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  return %y : tensor<4xf32>
}

// -----

// Attention where k^T is given directly (no transpose op): a transpose of
// it is inserted; scales on q and k multiply.
// CHECK-LABEL: func.func @attention_pre_transposed
// CHECK: %[[K:.*]] = nn.transpose %arg1 {perm = array<i64: 1, 0>} : tensor<4x8xf32> -> tensor<8x4xf32>
// CHECK: %[[A:.*]] = nn.attention %arg0, %[[K]], %arg2 {scale = 2.500000e-01 : f64} : (tensor<8x4xf32>, tensor<8x4xf32>, tensor<8x4xf32>) -> tensor<8x4xf32>
// CHECK-NEXT: return %[[A]]
func.func @attention_pre_transposed(%q: tensor<8x4xf32>, %kt: tensor<4x8xf32>, %v: tensor<8x4xf32>) -> tensor<8x4xf32> {
  %c = nn.constant dense<0.5> : tensor<f32>
  %qs = nn.mul %q, %c : (tensor<8x4xf32>, tensor<f32>) -> tensor<8x4xf32>
  %ks = nn.mul %kt, %c : (tensor<4x8xf32>, tensor<f32>) -> tensor<4x8xf32>
  %s = nn.matmul %qs, %ks : (tensor<8x4xf32>, tensor<4x8xf32>) -> tensor<8x8xf32>
  %p = nn.softmax %s {axis = 1 : i64} : tensor<8x8xf32>
  %o = nn.matmul %p, %v : (tensor<8x8xf32>, tensor<8x4xf32>) -> tensor<8x4xf32>
  return %o : tensor<8x4xf32>
}

// -----

// The probabilities are used twice (e.g. returned): not fused.
// CHECK-LABEL: func.func @attention_probs_escape
// CHECK-NOT: nn.attention
func.func @attention_probs_escape(%q: tensor<8x4xf32>, %kt: tensor<4x8xf32>, %v: tensor<8x4xf32>) -> (tensor<8x4xf32>, tensor<8x8xf32>) {
  %s = nn.matmul %q, %kt : (tensor<8x4xf32>, tensor<4x8xf32>) -> tensor<8x8xf32>
  %p = nn.softmax %s {axis = -1 : i64} : tensor<8x8xf32>
  %o = nn.matmul %p, %v : (tensor<8x8xf32>, tensor<8x4xf32>) -> tensor<8x4xf32>
  return %o, %p : tensor<8x4xf32>, tensor<8x8xf32>
}

// -----

// Softmax over a non-last axis is not attention.
// CHECK-LABEL: func.func @softmax_other_axis
// CHECK-NOT: nn.attention
func.func @softmax_other_axis(%q: tensor<8x4xf32>, %kt: tensor<4x8xf32>, %v: tensor<8x4xf32>) -> tensor<8x4xf32> {
  %s = nn.matmul %q, %kt : (tensor<8x4xf32>, tensor<4x8xf32>) -> tensor<8x8xf32>
  %p = nn.softmax %s {axis = 0 : i64} : tensor<8x8xf32>
  %o = nn.matmul %p, %v : (tensor<8x8xf32>, tensor<8x4xf32>) -> tensor<8x4xf32>
  return %o : tensor<8x4xf32>
}

// -----

// SiLU (swish): x * sigmoid(x), either order.
// CHECK-LABEL: func.func @silu
// CHECK: %[[A:.*]] = nn.silu %arg0 : tensor<4x8xf32>
// CHECK: %[[B:.*]] = nn.silu %arg0 : tensor<4x8xf32>
// CHECK-NOT: nn.sigmoid
func.func @silu(%x: tensor<4x8xf32>) -> (tensor<4x8xf32>, tensor<4x8xf32>) {
  %s = nn.sigmoid %x : tensor<4x8xf32>
  %y = nn.mul %x, %s : (tensor<4x8xf32>, tensor<4x8xf32>) -> tensor<4x8xf32>
  %t = nn.sigmoid %x : tensor<4x8xf32>
  %z = nn.mul %t, %x : (tensor<4x8xf32>, tensor<4x8xf32>) -> tensor<4x8xf32>
  return %y, %z : tensor<4x8xf32>, tensor<4x8xf32>
}

// -----

// A sigmoid used elsewhere too stays (and so does the product).
// CHECK-LABEL: func.func @not_silu
// CHECK: nn.sigmoid
// CHECK-NOT: nn.silu
func.func @not_silu(%x: tensor<4x8xf32>) -> (tensor<4x8xf32>, tensor<4x8xf32>) {
  %s = nn.sigmoid %x : tensor<4x8xf32>
  %y = nn.mul %x, %s : (tensor<4x8xf32>, tensor<4x8xf32>) -> tensor<4x8xf32>
  return %y, %s : tensor<4x8xf32>, tensor<4x8xf32>
}
