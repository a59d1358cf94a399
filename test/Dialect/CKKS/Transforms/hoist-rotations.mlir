// RUN: aegis-opt %s --split-input-file --aegis-ckks-hoist-rotations | FileCheck %s
// RUN: aegis-opt %s --split-input-file --aegis-ckks-hoist-rotations="max-run=2" | FileCheck %s --check-prefix=MAX2
// RUN: aegis-opt %s --split-input-file --aegis-ckks-hoist-rotations="window=2" | FileCheck %s --check-prefix=WIN2
// RUN: aegis-opt %s --split-input-file --aegis-ckks-hoist-rotations --aegis-ckks-hoist-rotations | FileCheck %s
// RUN: not aegis-opt %s --split-input-file --aegis-ckks-hoist-rotations="max-run=1" 2>&1 | FileCheck %s --check-prefix=BADMAX

!ct = !ckks.ct<slots = 8, level = 2, logScale = 30>

// Three rotations of %a, with other work between them, become one run
// right after the first (which carries its length); the rotation of %b
// stays where it is, alone.
// CHECK-LABEL: func.func @three_of_one
// CHECK-SAME: (%[[A:.*]]: !ct_L2_S30, %[[B:.*]]: !ct_L2_S30)
// CHECK-NEXT: %[[R1:.*]] = ckks.rotate %[[A]] by 1 {ckks.hoisted = 3 : i64}
// CHECK-NEXT: %[[R2:.*]] = ckks.rotate %[[A]] by 2 :
// CHECK-NEXT: %[[R3:.*]] = ckks.rotate %[[A]] by 4 :
// CHECK-NEXT: ckks.add %[[R1]], %[[B]]
// CHECK-NEXT: %[[RB:.*]] = ckks.rotate %[[B]] by 1 :
// CHECK-NEXT: ckks.add %[[R2]], %[[RB]]
// CHECK-NOT: ckks.hoisted
// CHECK: return
// With runs of at most two, the third rotation begins a run of its own
// (of one: no mark).
// MAX2-LABEL: func.func @three_of_one
// MAX2-NEXT: ckks.rotate %{{.*}} by 1 {ckks.hoisted = 2 : i64}
// MAX2-NEXT: ckks.rotate %{{.*}} by 2 :
// MAX2-NOT: ckks.hoisted
// MAX2: return
// Within a window of two ops only the second rotation joins the first.
// WIN2-LABEL: func.func @three_of_one
// WIN2-NEXT: ckks.rotate %{{.*}} by 1 {ckks.hoisted = 2 : i64}
// WIN2-NEXT: ckks.rotate %{{.*}} by 2 :
// WIN2-NEXT: ckks.add
// WIN2-NOT: ckks.hoisted
// WIN2: return
func.func @three_of_one(%a: !ct, %b: !ct) -> (!ct, !ct) {
  %r1 = ckks.rotate %a by 1 : !ct -> !ct
  %s1 = ckks.add %r1, %b : (!ct, !ct) -> !ct
  %r2 = ckks.rotate %a by 2 : !ct -> !ct
  %rb = ckks.rotate %b by 1 : !ct -> !ct
  %s2 = ckks.add %r2, %rb : (!ct, !ct) -> !ct
  %r3 = ckks.rotate %a by 4 : !ct -> !ct
  %s3 = ckks.add %s1, %r3 : (!ct, !ct) -> !ct
  return %s2, %s3 : !ct, !ct
}

// -----

!ct = !ckks.ct<slots = 8, level = 2, logScale = 30>

// A rotation of a rotation reads another ciphertext: no run.
// CHECK-LABEL: func.func @chain
// CHECK-NOT: ckks.hoisted
// CHECK: return
func.func @chain(%a: !ct) -> !ct {
  %r1 = ckks.rotate %a by 1 : !ct -> !ct
  %r2 = ckks.rotate %r1 by 2 : !ct -> !ct
  return %r2 : !ct
}

// BADMAX: error: aegis-ckks-hoist-rotations: max-run must be at least 2, got 1
