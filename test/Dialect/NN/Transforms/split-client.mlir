// RUN: aegis-opt %s --aegis-nn-split-client | FileCheck %s
// RUN: aegis-opt %s --aegis-nn-split-client="split-after=emb/Gather" | FileCheck %s --check-prefix=AFTER
// Calibration after the split draws valid token ids, runs @client, then
// @main on its results.
// RUN: aegis-opt %s --aegis-nn-split-client --aegis-nn-calibrate="random-inputs=1 samples=2" | FileCheck %s --check-prefix=CAL

// The embedding lookup and the adds combining it run on the client; the
// LayerNorm starts the encrypted part.
// CHECK-LABEL: func.func @client(
// CHECK-SAME: %[[IDS:.*]]: tensor<1x4xi64> {nn.name = "input_ids"}) -> (tensor<1x4x8xf32> {nn.name = "emb/Add"})
// CHECK-DAG: %[[TABLE:.*]] = nn.constant dense<{{.*}}> : tensor<10x8xf32>
// CHECK-DAG: %[[POS:.*]] = nn.constant dense<5.000000e-01> : tensor<1x4x8xf32>
// CHECK: %[[G:.*]] = nn.gather %[[TABLE]], %[[IDS]] {axis = 0 : i64}
// CHECK: %[[A:.*]] = nn.add %[[G]], %[[POS]]
// CHECK: return %[[A]] : tensor<1x4x8xf32>
// CHECK-LABEL: func.func @main(
// CHECK-SAME: %[[X:.*]]: tensor<1x4x8xf32> {nn.name = "emb/Add"}) -> (tensor<1x4x8xf32> {nn.name = "y"})
// CHECK-NOT: nn.gather
// CHECK: %[[N:.*]] = nn.layer_norm %[[X]]
// CHECK: %[[R:.*]] = nn.add %[[N]], %[[X]]
// CHECK: return %[[R]]

// AFTER-LABEL: func.func @client(
// AFTER-SAME: -> (tensor<1x4x8xf32> {nn.name = "emb/Gather"})
// AFTER: nn.gather
// AFTER-NEXT: return
// AFTER-LABEL: func.func @main(
// AFTER-SAME: %[[X:.*]]: tensor<1x4x8xf32> {nn.name = "emb/Gather"})
// AFTER: nn.add %[[X]], %{{.*}} : (tensor<1x4x8xf32>, tensor<1x4x8xf32>)
// AFTER: nn.layer_norm

// CAL: func.func @main(
// CAL: nn.layer_norm {{.*}}nn.input_range = array<f64:
func.func @main(%ids: tensor<1x4xi64> {nn.name = "input_ids"}) -> (tensor<1x4x8xf32> {nn.name = "y"}) {
  %table = nn.constant dense<[[0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0], [1.0, 0.0, 1.0, 0.0, 1.0, 0.0, 1.0, 0.0], [2.0, 2.0, 2.0, 2.0, 2.0, 2.0, 2.0, 2.5], [3.0, 1.0, 4.0, 1.0, 5.0, 9.0, 2.0, 6.0], [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1.0], [1.0, 2.0, 1.0, 2.0, 1.0, 2.0, 1.0, 2.0], [5.0, 4.0, 3.0, 2.0, 1.0, 0.0, 1.0, 2.0], [7.0, 1.0, 7.0, 1.0, 7.0, 1.0, 7.0, 1.0], [0.5, 0.5, 0.5, 0.5, 1.5, 1.5, 1.5, 1.5], [9.0, 8.0, 7.0, 6.0, 5.0, 4.0, 3.0, 2.0]]> : tensor<10x8xf32>
  %pos = nn.constant dense<0.5> : tensor<1x4x8xf32>
  %e = nn.gather %table, %ids {axis = 0 : i64} : (tensor<10x8xf32>, tensor<1x4xi64>) -> tensor<1x4x8xf32> loc("emb/Gather")
  %x = nn.add %e, %pos : (tensor<1x4x8xf32>, tensor<1x4x8xf32>) -> tensor<1x4x8xf32> loc("emb/Add")
  %n = nn.layer_norm %x {epsilon = 1.0e-5 : f64} : (tensor<1x4x8xf32>) -> tensor<1x4x8xf32> loc("ln")
  %r = nn.add %n, %x : (tensor<1x4x8xf32>, tensor<1x4x8xf32>) -> tensor<1x4x8xf32> loc("residual")
  return %r : tensor<1x4x8xf32>
}
