// A budget of token rows: a sample of 8 rows, 20 rows wanted -> 3 samples
// (ceil(20 / 8)); at least 2 however few rows are wanted; never more than
// `samples`; without the budget, exactly `samples`.
// RUN: aegis-opt %s --aegis-nn-calibrate="random-inputs=1 samples=16 token-rows=20" | FileCheck %s --check-prefix=THREE
// RUN: aegis-opt %s --aegis-nn-calibrate="random-inputs=1 samples=16 token-rows=1" | FileCheck %s --check-prefix=TWO
// RUN: aegis-opt %s --aegis-nn-calibrate="random-inputs=1 samples=4 token-rows=4096" | FileCheck %s --check-prefix=CAP
// RUN: aegis-opt %s --aegis-nn-calibrate="random-inputs=1 samples=5" | FileCheck %s --check-prefix=ALL
// RUN: not aegis-opt %s --aegis-nn-calibrate="random-inputs=1 token-rows=-1" 2>&1 | FileCheck %s --check-prefix=BAD
// The same as drawing those samples outright (seeds 1, 2, 3):
// RUN: aegis-opt %s --aegis-nn-calibrate="random-inputs=1 samples=3" | grep nn.input_range > %t.three
// RUN: aegis-opt %s --aegis-nn-calibrate="random-inputs=1 samples=16 token-rows=20" | grep nn.input_range > %t.budget
// RUN: diff %t.three %t.budget

// THREE: nn.calibration_samples = 3
// TWO: nn.calibration_samples = 2
// CAP: nn.calibration_samples = 4
// ALL: nn.calibration_samples = 5
// BAD: error: aegis-nn-calibrate: token-rows must be at least 0, got -1
module {
  func.func @main(%x: tensor<1x8x4xf32>) -> tensor<1x8x4xf32> {
    %g = nn.gelu %x : tensor<1x8x4xf32>
    return %g : tensor<1x8x4xf32>
  }
}
