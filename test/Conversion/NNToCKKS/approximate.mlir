// aegis-nn-approximate: the polynomial of every non-linear op, chosen from
// its calibrated range and recorded on the op; aegis-nn-to-ckks evaluates
// what is recorded.
// RUN: aegis-opt %s --aegis-nn-calibrate="random-inputs=1 samples=2" --aegis-nn-select-parameters="security=toy" --aegis-nn-approximate | FileCheck %s
// GELU: the calibrated range widened by a quarter of its width on each side,
// degree 11 within 1e-3.
// CHECK: nn.gelu %{{.*}} {ckks.approx = {degree = 11 : i64, hi = 3.07461{{[0-9]*}} : f64, lo = -3.52212{{[0-9]*}} : f64}, nn.input_range = array<f64: -2.42267{{[0-9]*}}, 1.97515{{[0-9]*}}>}
// ReLU: |x| converges slowly, up to degree 511 without bootstrapping.
// CHECK: nn.relu %{{.*}} {ckks.approx = {degree = 331 : i64,
// LayerNorm: 1/sqrt on the widened variance range, a fit and Newton steps.
// CHECK: nn.layer_norm %{{.*}} {ckks.approx = {degree = 28 : i64, hi = {{.*}}, lo = {{.*}}, newton = 2 : i64}
// Attention: exp of the row-shifted scores and 1/x of the row sums.
// CHECK: nn.attention %{{.*}} {ckks.approx_exp = {degree = 9 : i64, hi = {{.*}}, lo = {{.*}}}, ckks.approx_inverse = {degree = 4 : i64, hi = {{.*}}, lo = {{.*}}, newton = 3 : i64}
//
// Between bootstraps of 9 levels ReLU is capped at degree 127 (a degree-255
// evaluation would not fit between two refreshes).
// RUN: aegis-opt %s --aegis-nn-calibrate="random-inputs=1 samples=2" --aegis-nn-select-parameters="security=toy bootstrap=true bootstrap-levels=9" --aegis-nn-approximate | FileCheck %s --check-prefix=CAP
// CAP: nn.relu %{{.*}} {ckks.approx = {degree = 127 : i64,
//
// What is recorded is what gets evaluated: an edited degree shows in the
// lowering's report (and its error).
// RUN: aegis-opt %s --aegis-nn-calibrate="random-inputs=1 samples=2" --aegis-nn-select-parameters="security=toy" --aegis-nn-approximate | sed 's/degree = 331/degree = 15/' | aegis-opt --aegis-nn-place-bootstraps --aegis-nn-to-ckks --aegis-ckks-report -o /dev/null 2>&1 | FileCheck %s --check-prefix=EDITED
// EDITED: approx nn.gelu (erf) on [-3.522128e+00, 3.074615e+00]: degree 11, max error 8.76e-04
// EDITED: approx nn.relu on [-6.941780e-01, 2.451844e+00]: degree 15, max error 4.09e-02
// EDITED: approx layer_norm 1/sqrt(var) on {{.*}}: degree 28 + 2 Newton steps
// EDITED: approx attention exp(s - c) (c: per-row shift) on [-5.713, 0.911]: degree 9, max error {{.*}}; 1/sum on [0.266, 3.76]: degree 4 + 3 Newton steps
//
// Without the pass, aegis-nn-to-ckks applies the same rules: the same
// program either way.
// RUN: aegis-opt %s --aegis-nn-calibrate="random-inputs=1 samples=2" --aegis-nn-select-parameters="security=toy" --aegis-nn-approximate --aegis-nn-place-bootstraps --aegis-nn-to-ckks -o %t.with
// RUN: aegis-opt %s --aegis-nn-calibrate="random-inputs=1 samples=2" --aegis-nn-select-parameters="security=toy" --aegis-nn-place-bootstraps --aegis-nn-to-ckks -o %t.without
// RUN: diff %t.with %t.without
//
// Bad input: an uncalibrated op, a recorded approximation out of range, no
// parameters.
// RUN: not aegis-opt %s --aegis-nn-select-parameters="security=toy" --aegis-nn-approximate 2>&1 | FileCheck %s --check-prefix=UNCAL
// UNCAL: error: cannot lower to CKKS: has no nn.input_range (run aegis-nn-calibrate) (nn.gelu)
// RUN: aegis-opt %s --aegis-nn-calibrate="random-inputs=1 samples=2" --aegis-nn-select-parameters="security=toy" --aegis-nn-approximate | sed 's/degree = 331/degree = 5000/' | not aegis-opt --aegis-nn-place-bootstraps --aegis-nn-to-ckks 2>&1 | FileCheck %s --check-prefix=DEGREE
// DEGREE: error: cannot lower to CKKS: has a ckks.approx that is not an interval and a degree in 1..1023 (nn.relu)
// RUN: aegis-opt %s --aegis-nn-calibrate="random-inputs=1 samples=2" --aegis-nn-select-parameters="security=toy" --aegis-nn-approximate | sed 's/newton = 3 : i64/newton = 99 : i64/' | not aegis-opt --aegis-nn-place-bootstraps --aegis-nn-to-ckks 2>&1 | FileCheck %s --check-prefix=NEWTON
// NEWTON: error: cannot lower to CKKS: has a ckks.approx_exp or ckks.approx_inverse out of range
// RUN: aegis-opt %s --aegis-nn-calibrate="random-inputs=1 samples=2" --aegis-nn-select-parameters="security=toy" --aegis-nn-approximate | sed 's/lo = -3.52212/lo = 9.52212/' | not aegis-opt 2>&1 | FileCheck %s --check-prefix=VERIFY
// VERIFY: error: 'ckks.approx' must be {lo, hi, degree[, newton]} with lo < hi and non-negative integers
// RUN: not aegis-opt %s --aegis-nn-approximate 2>&1 | FileCheck %s --check-prefix=NOPARAMS
// NOPARAMS: error: aegis-nn-approximate: the module has no parameters and packing
module {
  func.func @main(%x: tensor<1x4x8xf32> {nn.name = "x"}) -> (tensor<1x4x8xf32> {nn.name = "y"}) {
    %g = nn.gelu %x : tensor<1x4x8xf32>
    %r = nn.relu %g : tensor<1x4x8xf32>
    %n = nn.layer_norm %r {epsilon = 1.0e-5 : f64} : (tensor<1x4x8xf32>) -> tensor<1x4x8xf32>
    %q = nn.reshape %n : tensor<1x4x8xf32> -> tensor<1x1x4x8xf32>
    %a = nn.attention %q, %q, %q {scale = 0.35355339 : f64} : (tensor<1x1x4x8xf32>, tensor<1x1x4x8xf32>, tensor<1x1x4x8xf32>) -> tensor<1x1x4x8xf32>
    %y = nn.reshape %a : tensor<1x1x4x8xf32> -> tensor<1x4x8xf32>
    return %y : tensor<1x4x8xf32>
  }
}
