// RUN: aegis-opt %s --split-input-file --verify-diagnostics --aegis-nn-split-client
// RUN: not aegis-opt %s --split-input-file --aegis-nn-split-client="split-after=nowhere" 2>&1 | FileCheck %s --check-prefix=MISSING
// MISSING: error: aegis-nn-split-client: split-after='nowhere' names no op of @main
// RUN: not aegis-opt %s --split-input-file --aegis-nn-split-client="split-after=after-relu" 2>&1 | FileCheck %s --check-prefix=PREFIXOP
// PREFIXOP: aegis-nn-split-client: 'nn.relu' (node 'relu') is in the client prefix (before split-after='after-relu') but cannot run on the client (supported: nn.gather, nn.add, nn.sub, nn.mul, nn.cast, nn.reshape, nn.expand, nn.transpose, nn.concat)

// Integer tensors cannot be encrypted: an integer value used by an op that
// stays in @main is an error.
func.func @main(%ids: tensor<1x4xi64>) -> (tensor<1x4x4xf32>, tensor<1x2x4xf32>) {
  %table = nn.constant dense<1.0> : tensor<10x4xf32>
  %e = nn.gather %table, %ids {axis = 0 : i64} : (tensor<10x4xf32>, tensor<1x4xi64>) -> tensor<1x4x4xf32> loc("gather")
  %r = nn.relu %e : tensor<1x4x4xf32> loc("relu")
  %s = nn.add %r, %e : (tensor<1x4x4xf32>, tensor<1x4x4xf32>) -> tensor<1x4x4xf32> loc("after-relu")
  // expected-error @+1 {{aegis-nn-split-client: 'nn.slice' uses an integer tensor of the client prefix but cannot run on the client}}
  %h = nn.slice %ids {axes = array<i64: 1>, starts = array<i64: 0>, ends = array<i64: 2>, steps = array<i64: 1>} : tensor<1x4xi64> -> tensor<1x2xi64>
  %g = nn.gather %table, %h {axis = 0 : i64} : (tensor<10x4xf32>, tensor<1x2xi64>) -> tensor<1x2x4xf32>
  return %s, %g : tensor<1x4x4xf32>, tensor<1x2x4xf32>
}
