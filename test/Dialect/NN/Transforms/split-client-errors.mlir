// RUN: aegis-opt %s --split-input-file --verify-diagnostics --aegis-nn-split-client
// RUN: not aegis-opt %s --split-input-file --aegis-nn-split-client="split-after=nowhere" 2>&1 | FileCheck %s --check-prefix=MISSING
// MISSING: error: aegis-nn-split-client: split-after='nowhere' names no op of @main
// RUN: not aegis-opt %s --split-input-file --aegis-nn-split-client="split-after=after-relu" 2>&1 | FileCheck %s --check-prefix=PREFIXOP
// PREFIXOP: aegis-nn-split-client: 'nn.relu' (node 'relu') is in the client prefix (before split-after='after-relu') but cannot run on the client (supported: nn.gather, nn.add, nn.sub, nn.mul, nn.cast, nn.reshape, nn.expand, nn.transpose, nn.concat, nn.compare, nn.not, nn.cumsum)

// Integer tensors cannot be encrypted: an integer value used by an op that
// stays in @main is an error.
func.func @main(%ids: tensor<1x4xi64>) -> (tensor<1x4x4xf32>, tensor<1x2x4xf32>) {
  %table = nn.constant dense<1.0> : tensor<10x4xf32>
  %e = nn.gather %table, %ids {axis = 0 : i64} : (tensor<10x4xf32>, tensor<1x4xi64>) -> tensor<1x4x4xf32> loc("gather")
  %r = nn.relu %e : tensor<1x4x4xf32> loc("relu")
  %s = nn.add %r, %e : (tensor<1x4x4xf32>, tensor<1x4x4xf32>) -> tensor<1x4x4xf32> loc("after-relu")
  // expected-error @+1 {{aegis-nn-split-client: 'nn.slice' uses an integer tensor computed from the input '#0' but cannot run on the client}}
  %h = nn.slice %ids {axes = array<i64: 1>, starts = array<i64: 0>, ends = array<i64: 2>, steps = array<i64: 1>} : tensor<1x4xi64> -> tensor<1x2xi64>
  %g = nn.gather %table, %h {axis = 0 : i64} : (tensor<10x4xf32>, tensor<1x2xi64>) -> tensor<1x2x4xf32>
  return %s, %g : tensor<1x4x4xf32>, tensor<1x2x4xf32>
}

// -----

// A padding mask computed from an attention_mask input (Hugging Face
// exports with attention_mask): data, not structure; the error names the input.
func.func @main(%ids: tensor<1x4xi64> {nn.name = "input_ids"}, %mask: tensor<1x4xi64> {nn.name = "attention_mask"}) -> (tensor<1x4x4xf32>, tensor<1x1x1x4xf32>) {
  %table = nn.constant dense<1.0> : tensor<10x4xf32>
  %zero = nn.constant dense<0> : tensor<i64>
  %fill = nn.constant dense<-3.4e38> : tensor<f32>
  %none = nn.constant dense<0.0> : tensor<f32>
  %e = nn.gather %table, %ids {axis = 0 : i64} : (tensor<10x4xf32>, tensor<1x4xi64>) -> tensor<1x4x4xf32>
  %m = nn.reshape %mask : tensor<1x4xi64> -> tensor<1x1x1x4xi64>
  %pad = nn.compare %m, %zero {predicate = "eq"} : (tensor<1x1x1x4xi64>, tensor<i64>) -> tensor<1x1x1x4xi1>
  // expected-error @+1 {{aegis-nn-split-client: 'nn.where' uses an integer tensor computed from the input 'attention_mask' but cannot run on the client (supported: nn.gather, nn.add, nn.sub, nn.mul, nn.cast, nn.reshape, nn.expand, nn.transpose, nn.concat, nn.compare, nn.not, nn.cumsum); only float tensors can be encrypted, and an attention mask computed from an input is data, not structure: export the model without that input (masks must be known at compile time)}}
  %add = nn.where %pad, %fill, %none : (tensor<1x1x1x4xi1>, tensor<f32>, tensor<f32>) -> tensor<1x1x1x4xf32>
  %r = nn.relu %e : tensor<1x4x4xf32>
  return %r, %add : tensor<1x4x4xf32>, tensor<1x1x1x4xf32>
}
