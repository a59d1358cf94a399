// RUN: aegis-opt %s --aegis-nn-calibrate="random-inputs=0" --split-input-file --verify-diagnostics

// Regression (issue 19): a NaN reaching a non-linear op (NaN weights, or
// calibration inputs) gave a NaN range that failed later inside the
// polynomial fit; calibration now refuses it, naming the op.
func.func @main() -> tensor<4xf64> {
  %x = nn.constant dense<[-1.0, 2.0, 0.5, 3.0]> : tensor<4xf64>
  %w = nn.constant dense<[1.0, 0x7FF8000000000000, 1.0, 1.0]> : tensor<4xf64>
  %y = nn.mul %x, %w : (tensor<4xf64>, tensor<4xf64>) -> tensor<4xf64>
  // expected-error @+1 {{aegis-nn-calibrate: 1 of the values recorded for nn.input_range are NaN or Inf on the calibration samples; the model's weights or the calibration inputs are not finite}}
  %g = nn.gelu %y : tensor<4xf64>
  return %g : tensor<4xf64>
}

// -----

func.func @main() -> tensor<4xf64> {
  %x = nn.constant dense<[-1.0, 2.0, 0.5, 3.0]> : tensor<4xf64>
  %w = nn.constant dense<[1.0, 0x7FF0000000000000, 0x7FF0000000000000, 1.0]> : tensor<4xf64>
  %y = nn.mul %x, %w : (tensor<4xf64>, tensor<4xf64>) -> tensor<4xf64>
  // expected-error @+1 {{2 of the values recorded for nn.input_range are NaN or Inf}}
  %g = nn.tanh %y : tensor<4xf64>
  return %g : tensor<4xf64>
}
