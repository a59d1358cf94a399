// RUN: aegis-opt %s --split-input-file --verify-diagnostics --aegis-nn-select-parameters="security=toy" --aegis-nn-place-bootstraps --aegis-nn-to-ckks
// RUN: not aegis-opt %s --split-input-file --aegis-nn-select-parameters="security=64" --aegis-nn-place-bootstraps --aegis-nn-to-ckks 2>&1 | FileCheck %s --check-prefix=SECURITY
// SECURITY: error: aegis-nn-select-parameters: security must be 128 or toy, got '64'
// RUN: not aegis-opt %s --split-input-file --aegis-nn-select-parameters="bootstrap=maybe" --aegis-nn-place-bootstraps --aegis-nn-to-ckks 2>&1 | FileCheck %s --check-prefix=BOOTSTRAP
// BOOTSTRAP: error: aegis-nn-select-parameters: bootstrap must be auto, true or false, got 'maybe'
// RUN: not aegis-opt %s --split-input-file --aegis-nn-select-parameters="scale-bits=70" --aegis-nn-place-bootstraps --aegis-nn-to-ckks 2>&1 | FileCheck %s --check-prefix=SCALE
// SCALE: error: aegis-nn-select-parameters: scale-bits must be in 20..50
// Report-only compiles (materialize-constants=false) cannot become artifacts.
// RUN: not aegis-opt %S/lower.mlir --aegis-nn-select-parameters="security=toy" --aegis-nn-place-bootstraps --aegis-nn-to-ckks="materialize-constants=false" --aegis-ckks-emit-artifact="output=%t.aegis security=toy" 2>&1 | FileCheck %s --check-prefix=PLACEHOLDER
// PLACEHOLDER: uses a placeholder constant (compiled with materialize-constants=false, for reports only): no artifact can be emitted

// Non-linear ops need their calibrated range.
func.func @main(%x: tensor<1x4x8xf32>) -> tensor<1x4x8xf32> {
  // expected-error @+1 {{cannot lower to CKKS: has no nn.input_range (run aegis-nn-calibrate)}}
  %r = nn.relu %x : tensor<1x4x8xf32>
  return %r : tensor<1x4x8xf32>
}

// -----

// A non-finite calibrated range (NaN weights, or ranges written by hand) is
// refused before any polynomial is fitted to it.
func.func @main(%x: tensor<1x4x8xf32>) -> tensor<1x4x8xf32> {
  // expected-error @+1 {{cannot lower to CKKS: the calibrated nn.input_range of this op holds nan; the model's weights or the calibration inputs are not finite}}
  %r = nn.relu %x {nn.input_range = array<f64: 0x7FF8000000000000, 1.0>} : tensor<1x4x8xf32>
  return %r : tensor<1x4x8xf32>
}

// -----

// Token ids cannot be encrypted inputs.
// expected-error @+1 {{cannot lower to CKKS: argument #0 must be a float tensor}}
func.func @main(%ids: tensor<1x4xi64>) -> tensor<1x4xi64> {
  return %ids : tensor<1x4xi64>
}

// -----

// A product of two encrypted tensors through matmul is not a weight matmul.
func.func @main(%x: tensor<4x8xf32>) -> tensor<4x4xf32> {
  %t = nn.transpose %x {perm = array<i64: 1, 0>} : tensor<4x8xf32> -> tensor<8x4xf32>
  // expected-error @+1 {{cannot lower to CKKS: only encrypted x constant 2-D weight matmuls are supported}}
  %y = nn.matmul %x, %t : (tensor<4x8xf32>, tensor<8x4xf32>) -> tensor<4x4xf32>
  return %y : tensor<4x4xf32>
}

// -----

// Ops without a lowering say so.
func.func @main(%x: tensor<4x8xf32>) -> tensor<4x8xf32> {
  // expected-error @+1 {{cannot lower to CKKS: 'nn.softmax' on encrypted data is not supported}}
  %y = nn.softmax %x {axis = 1 : i64} : tensor<4x8xf32>
  return %y : tensor<4x8xf32>
}

// -----

// Element-wise ops between encrypted tensors do not broadcast.
func.func @main(%x: tensor<4x4xf32>) -> tensor<4x4xf32> {
  %t = nn.slice %x {axes = array<i64: 1>, starts = array<i64: 0>, ends = array<i64: 1>, steps = array<i64: 1>} : tensor<4x4xf32> -> tensor<4x1xf32>
  // expected-error @+1 {{cannot lower to CKKS: broadcasting between two encrypted tensors}}
  %y = nn.add %x, %t : (tensor<4x4xf32>, tensor<4x1xf32>) -> tensor<4x4xf32>
  return %y : tensor<4x4xf32>
}

// -----

// nn.pow of encrypted data: constant integer exponents only.
func.func @main(%x: tensor<4x4xf32>) -> tensor<4x4xf32> {
  %e = nn.constant dense<0.5> : tensor<f32>
  // expected-error @+1 {{cannot lower to CKKS: nn.pow of encrypted data needs a constant integer exponent 1..8}}
  %y = nn.pow %x, %e : (tensor<4x4xf32>, tensor<f32>) -> tensor<4x4xf32>
  return %y : tensor<4x4xf32>
}

// -----

// A result must come from the encrypted inputs.
func.func @main(%x: tensor<4x4xf32>) -> tensor<4xf32> {
  %c = nn.constant dense<1.0> : tensor<4xf32>
  // expected-error @+1 {{cannot lower to CKKS: result #0 is not computed from the encrypted inputs}}
  return %c : tensor<4xf32>
}

// -----

// An attention mask computed from an input (here: an input itself) is data,
// not structure: refused with what is expected instead.
func.func @main(%q: tensor<1x2x4x4xf32>, %m: tensor<4x4xf32>) -> tensor<1x2x4x4xf32> {
  // expected-error @+1 {{cannot lower to CKKS: the attention mask is not a constant (it depends on an input); masks must be known at compile time: causal, or padding and biases built from constants}}
  %o = nn.attention %q, %q, %q, %m {scale = 0.5 : f64} : (tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>, tensor<4x4xf32>) -> tensor<1x2x4x4xf32>
  return %o : tensor<1x2x4x4xf32>
}
