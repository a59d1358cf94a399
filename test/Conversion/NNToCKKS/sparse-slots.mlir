// Sparse-slot bootstrapping: with bootstrapping on, every ciphertext packs
// the fewest slots (a power of two, at least 64) that hold the widest tensor,
// so each bootstrap is a sparse one; sparse-slots=false keeps N/2 slots.
// RUN: rm -rf %t && mkdir %t
// RUN: aegis-opt %s --aegis-nn-select-parameters="security=toy bootstrap=true bootstrap-levels=4" --aegis-nn-place-bootstraps --aegis-nn-to-ckks --aegis-ckks-report 2>&1 | FileCheck %s --check-prefix=TOY
// TOY: ring N = 2^10, 64 (sparse) slots, token block 4, 16 features per ciphertext
// TOY: bootstrapping on (bootstrap=true); sparse slots: 64 of 512 hold 4 token slots x 8 features, so every bootstrap is a sparse one
// TOY: func.func @main(%{{.*}}: !ct_L4_S42
// TOY: ckks.bootstrap %{{.*}} : !ct_L1_S42 -> !ct_L4_S42
// TOY-NOT: slots = 512
// RUN: aegis-opt %s --aegis-nn-select-parameters="security=toy bootstrap=true bootstrap-levels=4 sparse-slots=false" --aegis-nn-place-bootstraps --aegis-nn-to-ckks --aegis-ckks-report 2>&1 | FileCheck %s --check-prefix=FULL
// FULL: ring N = 2^10, 512 slots, token block 4, 128 features per ciphertext
// FULL-NOT: sparse
// FULL: !ckks.ct<slots = 512
// Without bootstrapping the ring is the smallest that holds the tensors:
// nothing is sparse.
// RUN: aegis-opt %s --aegis-nn-select-parameters="security=toy" --aegis-nn-place-bootstraps --aegis-nn-to-ckks --aegis-ckks-report 2>&1 | FileCheck %s --check-prefix=NOBOOT
// NOBOOT: ring N = 2^{{[0-9]+}}, {{[0-9]+}} slots,
// NOBOOT-NOT: sparse
// At 128-bit the bootstrapping ring is 2^16: 64 of its 32768 slots.
// RUN: aegis-opt %s --aegis-nn-select-parameters="bootstrap=true" --aegis-nn-place-bootstraps --aegis-nn-to-ckks --aegis-ckks-report -o /dev/null 2>&1 | FileCheck %s --check-prefix=SECURE
// SECURE: ring N = 2^16, 64 (sparse) slots, token block 4, 16 features per ciphertext
// SECURE: sparse slots: 64 of 32768 hold 4 token slots x 8 features
// End to end (toy): the artifact records the bootstraps' slots, the run says
// so, and the sparse and full programs both match the cleartext reference.
// RUN: aegis-opt %S/Inputs/relu-input.mlir --aegis-nn-interpret="outputs=%t/x.npy" -o /dev/null
// RUN: aegis-opt %s --aegis-nn-interpret="inputs=%t/x.npy outputs=%t/ref.npy" -o /dev/null
// RUN: aegis-opt %s --aegis-nn-select-parameters="security=toy bootstrap=true bootstrap-levels=8" --aegis-nn-place-bootstraps --aegis-nn-to-ckks --aegis-ckks-emit-artifact="output=%t/sparse.aegis security=toy" -o /dev/null 2>/dev/null
// RUN: aegis-opt %s --aegis-nn-select-parameters="security=toy bootstrap=true bootstrap-levels=8 sparse-slots=false" --aegis-nn-place-bootstraps --aegis-nn-to-ckks --aegis-ckks-emit-artifact="output=%t/full.aegis security=toy" -o /dev/null 2>/dev/null
// RUN: aegis-run %t/sparse.aegis --input %t/x.npy --reference %t/ref.npy --no-progress 2>&1 | FileCheck %s --check-prefix=RUN-SPARSE
// RUN-SPARSE: rotation keys, {{[1-9][0-9]*}} bootstraps (sparse: 2^6 of 2^9 slots) (INSECURE test parameters)
// RUN-SPARSE: output 'y' [1x4x8]: max abs error {{[0-9]\.[0-9]+}}e-0{{[3-9]}}
// Transforms of 2 levels each (bootstrap-transform-levels=2): the artifact
// records them and the run matches too; at 128-bit they leave 11 levels
// between bootstraps instead of 9 in the same key shape (25 primes, dnum 3).
// RUN: aegis-opt %s --aegis-nn-select-parameters="security=toy bootstrap=true bootstrap-levels=8 bootstrap-transform-levels=2" --aegis-nn-place-bootstraps --aegis-nn-to-ckks --aegis-ckks-emit-artifact="output=%t/t2.aegis security=toy" -o /dev/null 2>/dev/null
// RUN: aegis-run %t/t2.aegis --input %t/x.npy --reference %t/ref.npy --no-progress 2>&1 | FileCheck %s --check-prefix=RUN-SPARSE
// RUN: aegis-opt %s --aegis-nn-select-parameters="bootstrap=true bootstrap-transform-levels=2" --aegis-nn-place-bootstraps --aegis-nn-to-ckks --aegis-ckks-report -o /dev/null 2>&1 | FileCheck %s --check-prefix=T2
// T2: levels between bootstraps 11: chain 25 primes (q0 50 bits, 11 x 42 bits, 13 bootstrapping levels), P = 8 x 59 bits, dnum 3, log2 QP = 1720 (128-bit secure)
// T2: 11 levels between bootstraps, the most the 128-bit bound allows with 2 levels per transform
// RUN: not aegis-opt %s --aegis-nn-select-parameters="bootstrap=true bootstrap-transform-levels=4" --aegis-nn-place-bootstraps --aegis-nn-to-ckks -o /dev/null 2>&1 | FileCheck %s --check-prefix=T4
// T4: error: aegis-nn-select-parameters: bootstrap-transform-levels must be 2 or 3, got 4
// RUN: aegis-run %t/full.aegis --input %t/x.npy --reference %t/ref.npy --no-progress 2>&1 | FileCheck %s --check-prefix=RUN-FULL
// RUN-FULL: rotation keys, {{[1-9][0-9]*}} bootstraps (full: 2^9 slots) (INSECURE test parameters)
// RUN-FULL: output 'y' [1x4x8]: max abs error {{[0-9]\.[0-9]+}}e-0{{[3-9]}}
module {
  func.func @main(%x: tensor<1x4x8xf32> {nn.name = "x"}) -> (tensor<1x4x8xf32> {nn.name = "y"}) {
    %r = nn.relu %x {nn.input_range = array<f64: -2.0, 2.0>} : tensor<1x4x8xf32>
    return %r : tensor<1x4x8xf32>
  }
}
