// The lowering's encoded constants (weights, masks) are dense_resource
// blobs, not inline attributes: no op carries a slot vector, the blobs sit
// in the file's resource section, and a program printed and read back
// emits the same artifact, byte for byte (locations printed: they name the
// artifact's regions).
// RUN: aegis-opt %s --aegis-nn-select-parameters="security=toy" --aegis-nn-place-bootstraps --aegis-nn-to-ckks --mlir-print-debuginfo -o %t.mlir
// RUN: FileCheck %s < %t.mlir
// CHECK: nn.constant dense_resource<ckks_pt> : tensor<512xf64>
// CHECK-NOT: nn.constant dense<[
// CHECK: dialect_resources: {
// CHECK-NEXT: builtin: {
// CHECK-NEXT: ckks_pt: "0x
// RUN: aegis-opt %s --aegis-nn-select-parameters="security=toy" --aegis-nn-place-bootstraps --aegis-nn-to-ckks --aegis-ckks-emit-artifact="output=%t.direct.aegis security=toy" -o /dev/null 2>/dev/null
// RUN: aegis-opt %t.mlir --aegis-ckks-emit-artifact="output=%t.reparsed.aegis security=toy" -o /dev/null 2>/dev/null
// RUN: cmp %t.direct.aegis %t.reparsed.aegis
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
    return %z : tensor<1x4x8xf32>
  }
}
