// RUN: aegis-opt %s --aegis-nn-select-parameters="security=toy bootstrap=true bootstrap-levels=4" --aegis-nn-place-bootstraps --aegis-nn-to-ckks --aegis-ckks-report 2>&1 | FileCheck %s

// With 4 levels between bootstraps (a value may spend 3 and keep level 1)
// the ReLU polynomial (degree 127: 9 levels) cannot be evaluated on one
// refresh: the whole-program placement refreshes powers of the input where
// minimum cuts say (12; on demand it takes 72, see bootstrap-placement.mlir
// for a smaller case).
// CHECK: levels between bootstraps 4: chain 20 primes (q0 50 bits, 4 x 42 bits, 15 bootstrapping levels)
// The critical-path lower bound: the ReLU's 9 levels at 3 per refresh.
// CHECK: bootstraps {{[1-9][0-9]*}} (refresh to level 4 of 19, messages divided by 2^{{[0-9]+}} around them; lower bound 2: the longest path spends 9 levels, 3 per refresh; placed over the whole program by minimum cuts in {{[0-9]+}} stages)
// CHECK: module attributes {ckks.bootstrap_headroom = 0 : i32, ckks.bootstrap_levels = 4 : i32, ckks.bootstrap_transform_levels = 3 : i32, ckks.compile_notes = {{{.*}}}, ckks.nominal_scale = 42 : i32
// CHECK: func.func @main(%{{.*}}: !ct_L4_S42
// CHECK: ckks.bootstrap %{{.*}} : !ct_L1_S42 -> !ct_L4_S42
// CHECK-NOT: !ct_L0_S42 -> !ct_L4_S42
module {
  func.func @main(%x: tensor<1x4x8xf32> {nn.name = "x"}) -> (tensor<1x4x8xf32> {nn.name = "y"}) {
    %r = nn.relu %x {nn.input_range = array<f64: -2.0, 2.0>} : tensor<1x4x8xf32>
    return %r : tensor<1x4x8xf32>
  }
}
