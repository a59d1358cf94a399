// RUN: aegis-opt %s --aegis-nn-to-ckks="security=toy bootstrap=true bootstrap-levels=4 report=true" 2>&1 | FileCheck %s

// With 4 levels between bootstraps the ReLU polynomial (degree 127: 9
// levels) cannot be evaluated on one refresh: its input is refreshed lazily
// whenever a ciphertext about to lose a level sits at level 1.
// CHECK: levels between bootstraps 4: chain 20 primes (q0 50 bits, 4 x 42 bits, 15 bootstrapping levels)
// The critical-path lower bound: the ReLU's 9 levels at 4
// per refresh.
// CHECK: bootstraps {{[1-9][0-9]*}} (refresh to level 4 of 19, messages divided by 2^{{[0-9]+}} around them; lower bound 2: the longest path spends 11 levels, 4 per refresh)
// CHECK: module attributes {ckks.bootstrap_headroom = 0 : i32, ckks.nominal_scale = 42 : i32
// CHECK: func.func @main(%{{.*}}: !ct_L4_S42
// CHECK: ckks.bootstrap %{{.*}} : !ct_L1_S42 -> !ct_L4_S42
// CHECK-NOT: !ct_L0_S42 -> !ct_L4_S42
module {
  func.func @main(%x: tensor<1x4x8xf32> {nn.name = "x"}) -> (tensor<1x4x8xf32> {nn.name = "y"}) {
    %r = nn.relu %x {nn.input_range = array<f64: -2.0, 2.0>} : tensor<1x4x8xf32>
    return %r : tensor<1x4x8xf32>
  }
}
