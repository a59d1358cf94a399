// reuse-window: a rotated value is reused only by rotations at most that
// many ops later, so reuse cannot keep a ciphertext alive across the
// program. Window 0 (default) reuses anywhere.
// RUN: aegis-opt %s --aegis-ckks-rotation-key-budget="max-keys=2" | FileCheck %s --check-prefix=ANY
// RUN: aegis-opt %s --aegis-ckks-rotation-key-budget="max-keys=2 reuse-window=3" | FileCheck %s --check-prefix=NEAR

!ct = !ckks.ct<slots = 8, level = 1, logScale = 40>

// The second rotation by 2 is 7 ops after the first: replaced by it when
// reuse reaches anywhere, computed again with a window of 3.
// ANY-LABEL: func.func @far
// ANY-COUNT-1: ckks.rotate %arg0 by 2
// ANY-NOT: ckks.rotate %arg0 by 2
// NEAR-LABEL: func.func @far
// NEAR-COUNT-2: ckks.rotate %arg0 by 2
// NEAR-NOT: ckks.rotate %arg0 by 2
module {
  func.func @far(%x: !ct, %y: !ct) -> !ct {
    %0 = ckks.rotate %x by 2 : !ct -> !ct
    %1 = ckks.rotate %x by 3 : !ct -> !ct
    %2 = ckks.add %0, %1 : (!ct, !ct) -> !ct
    %3 = ckks.add %2, %y : (!ct, !ct) -> !ct
    %4 = ckks.add %3, %y : (!ct, !ct) -> !ct
    %5 = ckks.add %4, %y : (!ct, !ct) -> !ct
    %6 = ckks.add %5, %y : (!ct, !ct) -> !ct
    %7 = ckks.rotate %x by 2 : !ct -> !ct
    %8 = ckks.add %6, %7 : (!ct, !ct) -> !ct
    return %8 : !ct
  }
}
