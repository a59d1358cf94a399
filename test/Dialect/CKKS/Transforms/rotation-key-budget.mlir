// RUN: aegis-opt %s --split-input-file --verify-diagnostics \
// RUN:   --aegis-ckks-rotation-key-budget="max-keys=2" | FileCheck %s
// RUN: aegis-opt %s --split-input-file --verify-diagnostics \
// RUN:   --aegis-ckks-rotation-key-budget="max-keys=2 report=true" \
// RUN:   -o /dev/null 2>&1 | FileCheck %s --check-prefix=REPORT

!ct = !ckks.ct<slots = 8, level = 1, logScale = 40>

// Three offsets, two keys: 1 and 2 are kept (powers of two), 3 becomes a
// rotation by 2 then by 1, reusing the rotation by 2 of the same input.
// The key list follows the rewrite.
// CHECK: ckks.rotation_keys = array<i64: 1, 2>
// CHECK-LABEL: func.func @compose
// CHECK-SAME: (%[[X:[^:]*]]:
// CHECK-NEXT: %[[R1:.*]] = ckks.rotate %[[X]] by 1
// CHECK-NEXT: %[[R2:.*]] = ckks.rotate %[[X]] by 2
// CHECK-NEXT: %[[R3:.*]] = ckks.rotate %[[R2]] by 1
// CHECK-NEXT: %[[S:.*]] = ckks.add %[[R1]], %[[R2]]
// CHECK-NEXT: ckks.add %[[S]], %[[R3]]
// CHECK-NOT: ckks.rotate
// REPORT: rotation-key budget 2 keys: 3 keys -> 2 keys; rotations 3 -> 3 (+0 key switches)
module attributes {ckks.rotation_keys = array<i64: 1, 2, 3>} {
  func.func @compose(%x: !ct) -> !ct {
    %0 = ckks.rotate %x by 1 : !ct -> !ct
    %1 = ckks.rotate %x by 2 : !ct -> !ct
    %2 = ckks.rotate %x by 3 : !ct -> !ct
    %3 = ckks.add %0, %1 : (!ct, !ct) -> !ct
    %4 = ckks.add %3, %2 : (!ct, !ct) -> !ct
    return %4 : !ct
  }
}

// -----

!ct = !ckks.ct<slots = 8, level = 1, logScale = 40>

// A budget that covers every offset changes nothing.
// CHECK-LABEL: func.func @within
// CHECK-NEXT: ckks.rotate %{{.*}} by -1
// CHECK-NEXT: ckks.rotate %{{.*}} by 4
// CHECK-NEXT: ckks.add
// REPORT: rotation-key budget 2 keys: 2 keys -> 2 keys; rotations 2 -> 2 (+0 key switches)
module {
  func.func @within(%x: !ct) -> !ct {
    %0 = ckks.rotate %x by -1 : !ct -> !ct
    %1 = ckks.rotate %x by 4 : !ct -> !ct
    %2 = ckks.add %0, %1 : (!ct, !ct) -> !ct
    return %2 : !ct
  }
}

// -----

!ct = !ckks.ct<slots = 8, level = 1, logScale = 40>

// Two keys cannot reach 7, 5 and 3 from powers of two (1, 2 and 4 are all
// needed): a one-line error naming the budget and what it would take.
// expected-error @+1 {{rotation-key budget: a budget of 2 rotation keys cannot reach the 3 distinct rotations of this program: composing them from powers of two needs 3 keys; raise the budget (max-keys / max-key-mib; --aegis-compile's max-rotation-keys / max-rotation-key-mib)}}
module {
  func.func @over(%x: !ct) -> !ct {
    %0 = ckks.rotate %x by 7 : !ct -> !ct
    %1 = ckks.rotate %x by 5 : !ct -> !ct
    %2 = ckks.rotate %x by 3 : !ct -> !ct
    %3 = ckks.add %0, %1 : (!ct, !ct) -> !ct
    %4 = ckks.add %3, %2 : (!ct, !ct) -> !ct
    return %4 : !ct
  }
}

// -----

!ct = !ckks.ct<slots = 8, level = 1, logScale = 40>

// The budget counts Galois keys: a program that also conjugates spends one
// of the two on the conjugation, and the one left cannot reach 1 and 2
// (without the conjugation, @within above fits two offsets in two keys).
// expected-error @+1 {{rotation-key budget: a budget of 1 rotation keys cannot reach the 2 distinct rotations of this program}}
module {
  func.func @conjugates(%x: !ct) -> !ct {
    %0 = ckks.rotate %x by 1 : !ct -> !ct
    %1 = ckks.rotate %x by 2 : !ct -> !ct
    %2 = ckks.add %0, %1 : (!ct, !ct) -> !ct
    %3 = ckks.conjugate %2 : !ct -> !ct
    return %3 : !ct
  }
}
