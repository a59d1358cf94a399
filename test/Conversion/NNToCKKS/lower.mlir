// RUN: aegis-opt %s --aegis-nn-select-parameters="security=toy" --aegis-nn-place-bootstraps --aegis-nn-to-ckks --aegis-ckks-report 2>&1 | FileCheck %s

// Four tokens of eight features: token block Tp = 4, the smallest ring
// (N = 2^10, 512 slots, 128 feature blocks per ciphertext). Element (t, k)
// is slot k * 4 + t.
// CHECK: aegis compile report
// CHECK-NEXT: ring N = 2^10, 512 slots, token block 4, 128 features per ciphertext
// CHECK: bootstraps 0
// Key switches per kernel family, only the families the model has.
// CHECK: key switches by kernel: relu {{[0-9]+}} (1 op), matmul 2 (1 op){{$}}
// CHECK: approx nn.relu on [-3.000000e+00, 3.000000e+00]: degree {{[0-9]+}}, max error
// CHECK: module attributes {ckks.compile_notes = {{{.*}}}, ckks.nominal_scale = 36 : i32, ckks.packing = {slots = 512 : i64, token_tile = 4 : i64}, ckks.params = #ckks.params<logN = 10, logQ = [56, 36, 36, 36, 36, 36, 36, 36, 36, 36, 36, 36, 36], logP = [60, 60, 60, 60], dnum = 3>, ckks.security = "toy"}
// CHECK: func.func @main(%[[X:.*]]: !ct_L12_S36 {ckks.name = "x", ckks.shape = array<i64: 1, 4, 8>, ckks.slot_map = array<i32: 0, 4, 8, 12, 16, 20, 24, 28, 1, 5, 9, 13, 17, 21, 25, 29, 2, 6, 10, 14, 18, 22, 26, 30, 3, 7, 11, 15, 19, 23, 27, 31>}) -> (!ct_L0_S36 {ckks.name = "y", ckks.shape = array<i64: 1, 4, 8>, ckks.slot_map = array<i32: 0, 4, 8, 12,
// The matmul: three non-zero block diagonals (0, +1 and -1 feature), one
// plaintext product each at scale 2^72, giant-step rotations by multiples
// of the token block (7 * 4 = 28 and -4 = 508), one rescale.
// CHECK-COUNT-3: ckks.mul_plain %[[X]]
// CHECK: ckks.rotate %{{.*}} by 28
// CHECK: ckks.rotate %{{.*}} by 508
// CHECK: %[[Y:.*]] = ckks.rescale %{{.*}} : !ct_L12_S72 -> !ct_L11_S36
// The bias is a plaintext addition at the product's level.
// CHECK-NEXT: nn.constant
// CHECK-NEXT: ckks.encode
// CHECK-NEXT: %[[Z:.*]] = ckks.add_plain %[[Y]]
// ReLU: the Chebyshev argument t = (2x - a - b)/(b - a) = x / 3 costs a level.
// CHECK-NEXT: ckks.mul_const %[[Z]], 0.33333333333333331 : !ct_L11_S36 -> !ct_L11_S72
// CHECK: return %{{.*}} : !ct_L0_S36
module {
  func.func @main(%x: tensor<1x4x8xf32> {nn.name = "x"}) -> (tensor<1x4x8xf32> {nn.name = "y"}) {
    %w = nn.constant dense<[[1.0, 2.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0],
                            [0.0, 1.0, 2.0, 0.0, 0.0, 0.0, 0.0, 0.0],
                            [0.0, 0.0, 1.0, 2.0, 0.0, 0.0, 0.0, 0.0],
                            [0.0, 0.0, 0.0, 1.0, 2.0, 0.0, 0.0, 0.0],
                            [0.0, 0.0, 0.0, 0.0, 1.0, 2.0, 0.0, 0.0],
                            [0.0, 0.0, 0.0, 0.0, 0.0, 1.0, 2.0, 0.0],
                            [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1.0, 2.0],
                            [2.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1.0]]> : tensor<8x8xf32>
    %b = nn.constant dense<0.5> : tensor<8xf32>
    %y = nn.matmul %x, %w : (tensor<1x4x8xf32>, tensor<8x8xf32>) -> tensor<1x4x8xf32>
    %z = nn.add %y, %b : (tensor<1x4x8xf32>, tensor<8xf32>) -> tensor<1x4x8xf32>
    %r = nn.relu %z {nn.input_range = array<f64: -2.0, 2.0>} : tensor<1x4x8xf32>
    return %r : tensor<1x4x8xf32>
  }
}
