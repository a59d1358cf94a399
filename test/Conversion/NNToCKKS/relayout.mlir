// Element-wise ops between differently packed encrypted tensors, and concats
// with constants: the lowering moves elements (masked products, rotations)
// instead of refusing. Here a rotary embedding's rotate_half (slices, neg,
// concat along features; the sum with x needs the halves swapped back), a
// class-token concat along tokens (a constant row, the encrypted rows shifted
// one token), and a square of the result (nn.pow by 2).
// RUN: aegis-opt %S/Inputs/relu-input.mlir --aegis-nn-interpret="outputs=%t.in.npy" -o /dev/null
// RUN: aegis-opt %s --aegis-nn-interpret="inputs=%t.in.npy outputs=%t.ref.npy" -o /dev/null
// RUN: aegis-opt %s --aegis-compile="security=toy" -o %t.aegis 2>&1 | FileCheck %s --check-prefix=COMPILE
// COMPILE: rotations {{[1-9][0-9]*}}
// RUN: aegis-run %t.aegis --input %t.in.npy --reference %t.ref.npy --backend=plain | FileCheck %s
// RUN: aegis-run %t.aegis --input %t.in.npy --reference %t.ref.npy --no-progress | FileCheck %s
// CHECK: output {{.*}} [1x5x8]: max abs error {{(0\.000e\+00|[0-9]\.[0-9]+e-(0[4-9]|[1-9][0-9]))}},
func.func @main(%x: tensor<1x4x8xf64>) -> tensor<1x5x8xf64> {
  %lo = nn.slice %x {axes = array<i64: 2>, starts = array<i64: 0>, ends = array<i64: 4>, steps = array<i64: 1>} : tensor<1x4x8xf64> -> tensor<1x4x4xf64>
  %hi = nn.slice %x {axes = array<i64: 2>, starts = array<i64: 4>, ends = array<i64: 8>, steps = array<i64: 1>} : tensor<1x4x8xf64> -> tensor<1x4x4xf64>
  %nhi = nn.neg %hi : tensor<1x4x4xf64>
  %rh = nn.concat %nhi, %lo {axis = 2 : i64} : (tensor<1x4x4xf64>, tensor<1x4x4xf64>) -> tensor<1x4x8xf64>
  %cos = nn.constant dense<[0.9, 0.8, 0.7, 0.6, 0.9, 0.8, 0.7, 0.6]> : tensor<8xf64>
  %sin = nn.constant dense<[0.4, 0.6, 0.7, 0.8, 0.4, 0.6, 0.7, 0.8]> : tensor<8xf64>
  %a = nn.mul %x, %cos : (tensor<1x4x8xf64>, tensor<8xf64>) -> tensor<1x4x8xf64>
  %b = nn.mul %rh, %sin : (tensor<1x4x8xf64>, tensor<8xf64>) -> tensor<1x4x8xf64>
  %y = nn.add %a, %b : (tensor<1x4x8xf64>, tensor<1x4x8xf64>) -> tensor<1x4x8xf64>
  %cls = nn.constant dense<[[[0.5, -0.5, 0.25, -0.25, 1.0, -1.0, 0.125, 0.0]]]> : tensor<1x1x8xf64>
  %c = nn.concat %cls, %y {axis = 1 : i64} : (tensor<1x1x8xf64>, tensor<1x4x8xf64>) -> tensor<1x5x8xf64>
  %two = nn.constant dense<2.0> : tensor<f64>
  %p = nn.pow %c, %two : (tensor<1x5x8xf64>, tensor<f64>) -> tensor<1x5x8xf64>
  return %p : tensor<1x5x8xf64>
}
