// LayerNorm fits between two bootstraps: 8 levels (t = a var + b from masks
// that fold the fit's affine map in: 2; the degree-7 fit of 1/sqrt: 3; one
// Newton step as 1.5 y + c (t - b) y^3: 2; the product with the centred
// input: 1), so a value refreshed at level 9 comes out at level 1 with no
// refresh inside. Encrypted (toy, unbootstrapped) it matches the cleartext
// interpreter.
// RUN: rm -rf %t && mkdir %t
// RUN: aegis-opt %s --aegis-nn-select-parameters="security=toy" --aegis-nn-place-bootstraps --aegis-nn-to-ckks --aegis-ckks-report -o %t/ln.mlir 2>&1 | FileCheck %s
// CHECK: depth 8: chain 9 primes
// CHECK: approx layer_norm 1/sqrt(var) on [{{.*}}]: degree 7 + 1 Newton steps
// RUN: FileCheck %s --check-prefix=IR < %t/ln.mlir
// IR: func.func @main(%{{.*}}: !ct_L8_S36
// IR: return %{{.*}} : !ct_L0_S36
// RUN: aegis-opt %s --aegis-nn-select-parameters="security=toy bootstrap=true bootstrap-levels=9" --aegis-nn-place-bootstraps --aegis-nn-to-ckks --aegis-ckks-report -o /dev/null 2>&1 | FileCheck %s --check-prefix=BOOT
// BOOT: bootstraps 0 (refresh to level 9 of 24, messages divided by 2^{{[0-9]+}} around them; lower bound 0: the longest path spends 8 levels, 8 per refresh
// RUN: aegis-opt %S/Inputs/placement-input.mlir --aegis-nn-interpret="outputs=%t/x.npy" -o /dev/null
// RUN: aegis-opt %s --aegis-nn-interpret="inputs=%t/x.npy outputs=%t/ref.npy" -o /dev/null
// RUN: aegis-opt %s --aegis-nn-select-parameters="security=toy" --aegis-nn-place-bootstraps --aegis-nn-to-ckks --aegis-ckks-emit-artifact="output=%t/ln.aegis security=toy" -o /dev/null 2>/dev/null
// RUN: aegis-run %t/ln.aegis --input %t/x.npy --reference %t/ref.npy --no-progress 2>&1 | FileCheck %s --check-prefix=ENC
// ENC: output 'y' [1x4x8]: max abs error {{[0-9]\.[0-9]+}}e-0{{[4-9]}}
module {
  func.func @main(%x: tensor<1x4x8xf32> {nn.name = "x"}) -> (tensor<1x4x8xf32> {nn.name = "y"}) {
    %g = nn.constant dense<[1.0, 0.5, 2.0, 1.5, 0.75, 1.25, 1.0, 0.9]> : tensor<8xf32>
    %b = nn.constant dense<[0.1, -0.2, 0.0, 0.3, -0.1, 0.2, 0.05, 0.0]> : tensor<8xf32>
    %y = nn.layer_norm %x, %g, %b {axis = -1 : i64, epsilon = 1.000000e-05 : f64, nn.input_range = array<f64: -1.0, 1.0>, nn.variance_range = array<f64: 0.1, 0.5>} : (tensor<1x4x8xf32>, tensor<8xf32>, tensor<8xf32>) -> tensor<1x4x8xf32>
    return %y : tensor<1x4x8xf32>
  }
}
