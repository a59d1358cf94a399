// RUN: aegis-opt %s --aegis-nn-calibrate="random-inputs=0" | FileCheck %s

// The program's values come from constants, so the ranges are exact.
// CHECK: module attributes {nn.calibration_samples = 1 : i64}
// CHECK: nn.gelu %{{.*}} {nn.input_range = array<f64: -1.000000e+00, 3.000000e+00>}
// CHECK: nn.layer_norm %{{.*}} {epsilon = 0.000000e+00 : f64, nn.input_range = array<f64: -1.000000e+00, 3.000000e+00>, nn.variance_range = array<f64: 2.296875, 2.296875>}
// CHECK: nn.div %{{.*}}, %{{.*}} {nn.input_range = array<f64: 1.000000e+00, 8.000000e+00>}
// Masked-out scores (<= -1e4) are left out; per softmax row, the range of
// its log(sum(exp)) and of its scores (the lowering's per-row shifts).
// CHECK: nn.attention %{{.*}} {nn.logsumexp_range = array<f64: 1.000000e+00, 4.0067153{{[0-9]*}}>, nn.row_logsumexp_ranges = array<f64: 1.000000e+00, 1.000000e+00, 4.0067153{{[0-9]*}}, 4.0067153{{[0-9]*}}>, nn.row_max_range = array<f64: 1.000000e+00, 4.000000e+00>, nn.row_score_ranges = array<f64: 1.000000e+00, 1.000000e+00, -1.000000e+00, 4.000000e+00>, nn.score_range = array<f64: -1.000000e+00, 4.000000e+00>, scale = 1.000000e+00 : f64}
// A division by a constant needs no approximation: no range.
// CHECK: nn.div %{{.*}}, %{{.*}} : (tensor<4xf32>, tensor<f32>)
module {
  func.func @main() -> (tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<2x2xf32>, tensor<4xf32>) {
    %x = nn.constant dense<[-1.0, 2.0, 0.5, 3.0]> : tensor<4xf32>
    %d = nn.constant dense<[1.0, 4.0, 0.5, 2.0]> : tensor<4xf32>
    %g = nn.gelu %x : tensor<4xf32>
    %n = nn.layer_norm %x {epsilon = 0.0 : f64} : (tensor<4xf32>) -> tensor<4xf32>
    %dd = nn.add %d, %d : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
    %q = nn.div %x, %dd : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
    %qk = nn.constant dense<[[1.0, 0.0], [0.0, 2.0]]> : tensor<2x2xf32>
    %m = nn.constant dense<[[0.0, -1.0e9], [-1.0, 0.0]]> : tensor<2x2xf32>
    %a = nn.attention %qk, %qk, %qk, %m {scale = 1.0 : f64} : (tensor<2x2xf32>, tensor<2x2xf32>, tensor<2x2xf32>, tensor<2x2xf32>) -> tensor<2x2xf32>
    %two = nn.constant dense<2.0> : tensor<f32>
    %h = nn.div %x, %two : (tensor<4xf32>, tensor<f32>) -> tensor<4xf32>
    return %g, %n, %q, %a, %h : tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<2x2xf32>, tensor<4xf32>
  }
}
