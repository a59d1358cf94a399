// RUN: aegis-opt %s --aegis-nn-split-client | FileCheck %s

// Models with float inputs are unchanged.
// CHECK-LABEL: func.func @main(
// CHECK-SAME: %{{.*}}: tensor<1x4x8xf32>)
// CHECK-NOT: @client
func.func @main(%x: tensor<1x4x8xf32>) -> tensor<1x4x8xf32> {
  %r = nn.relu %x : tensor<1x4x8xf32>
  return %r : tensor<1x4x8xf32>
}
