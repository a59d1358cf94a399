// RUN: aegis-opt %s --split-input-file --aegis-ckks-collect-rotation-keys | FileCheck %s

!ct = !ckks.ct<slots = 8, level = 1, logScale = 40>

// Offsets are normalised into (-slots/2, slots/2], de-duplicated and sorted;
// a rotation by a multiple of the slot count needs no key.
// CHECK: module attributes {ckks.needs_conjugation_key, ckks.rotation_keys = array<i64: -1, 2, 4>}
module {
  func.func @f(%x: !ct) -> !ct {
    %0 = ckks.rotate %x by 7 : !ct -> !ct
    %1 = ckks.rotate %0 by 2 : !ct -> !ct
    %2 = ckks.rotate %1 by -1 : !ct -> !ct
    %3 = ckks.rotate %2 by 4 : !ct -> !ct
    %4 = ckks.rotate %3 by -4 : !ct -> !ct
    %5 = ckks.conjugate %4 : !ct -> !ct
    %6 = ckks.rotate %5 by -6 : !ct -> !ct
    return %6 : !ct
  }
}

// -----

!ct = !ckks.ct<slots = 8, level = 1, logScale = 40>

// No rotation: an empty key list, and a stale conjugation flag is removed.
// CHECK: module attributes {ckks.rotation_keys = array<i64>}
// CHECK-NOT: needs_conjugation_key
module attributes {ckks.needs_conjugation_key} {
  func.func @g(%x: !ct) -> !ct {
    %0 = ckks.add %x, %x : (!ct, !ct) -> !ct
    return %0 : !ct
  }
}
