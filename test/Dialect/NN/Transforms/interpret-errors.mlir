// Misuse of the passes that run the program: one clear error each.
// RUN: not aegis-opt %s --aegis-nn-interpret 2>&1 | FileCheck %s --check-prefix=COUNT
// COUNT: error: aegis-nn-interpret: 1 inputs needed, 0 given (inputs=a.npy,b.npy,...)
// RUN: not aegis-opt %s --aegis-nn-interpret="inputs=%t.missing.npy" 2>&1 | FileCheck %s --check-prefix=MISSING
// MISSING: error: {{.*}}missing.npy: cannot open file
// RUN: not aegis-opt %s --aegis-nn-interpret="inputs=%s random-inputs=1" 2>&1 | FileCheck %s --check-prefix=BOTH
// BOTH: error: aegis-nn-interpret: give either inputs= or random-inputs=, not both
// RUN: not aegis-opt %s --aegis-nn-interpret="inputs=%s" 2>&1 | FileCheck %s --check-prefix=NOTNPY
// NOTNPY: error: {{.*}}interpret-errors.mlir: not a valid .npy file: bad magic
// RUN: aegis-opt %s --aegis-nn-interpret="random-inputs=3 outputs=%t.out.npy" -o /dev/null
// RUN: not aegis-opt %s --aegis-nn-interpret="random-inputs=4 reference=%t.out.npy tolerance=1e-3" -o /dev/null 2>&1 | FileCheck %s --check-prefix=DIFF
// DIFF: aegis-nn-interpret: output 0 [2x3]: max abs error {{.*}} (tolerance 1e-03)
// DIFF: error: aegis-nn-interpret: outputs differ from the references by more than the tolerance
// RUN: aegis-opt %s --aegis-nn-interpret="random-inputs=3 reference=%t.out.npy tolerance=0" -o /dev/null 2>&1 | FileCheck %s --check-prefix=SAME
// SAME: max abs error 0.00e+00
// RUN: not aegis-opt %s --aegis-nn-calibrate="random-inputs=1 samples=0" 2>&1 | FileCheck %s --check-prefix=SAMPLES
// SAMPLES: error: aegis-nn-calibrate: samples must be 1 with inputs=, and at least 1 with random-inputs=
// RUN: not aegis-opt %s --aegis-nn-interpret="random-inputs=3 outputs=%t.a.npy,%t.b.npy" -o /dev/null 2>&1 | FileCheck %s --check-prefix=NOUT
// NOUT: error: aegis-nn-interpret: 1 outputs produced, 2 output files given
func.func @main(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
  %y = nn.tanh %x : tensor<2x3xf32>
  return %y : tensor<2x3xf32>
}
