// Regression (issue 19): a sequence of 100000 tokens made calibration abort
// with "LLVM ERROR: out of memory"; the interpreter now refuses up front,
// with the estimate, the largest value and what to change.
// RUN: env AEGIS_MEMORY_LIMIT_GB=16 not aegis-opt %s --aegis-nn-calibrate="random-inputs=0" 2>&1 | FileCheck %s
// RUN: env AEGIS_MEMORY_LIMIT_GB=16 not aegis-opt %s --aegis-nn-interpret="random-inputs=0" -o /dev/null 2>&1 | FileCheck %s
// CHECK: error: interpreting 'main' in float64 needs about 80.0 GB, more than the 16.0 GB limit (AEGIS_MEMORY_LIMIT_GB, default three quarters of this machine's memory); the largest value, tensor<1x100000x100000xf32>, is 80.0 GB: lower the sequence length (--aegis-input-shape)
// CHECK-NOT: LLVM ERROR
func.func @main(%q: tensor<1x100000x8xf32>, %k: tensor<1x100000x8xf32>, %v: tensor<1x100000x8xf32>) -> tensor<1x100000x8xf32> {
  %a = nn.attention %q, %k, %v {scale = 0.25 : f64} : (tensor<1x100000x8xf32>, tensor<1x100000x8xf32>, tensor<1x100000x8xf32>) -> tensor<1x100000x8xf32>
  return %a : tensor<1x100000x8xf32>
}
