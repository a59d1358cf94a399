// RUN: aegis-opt %s --verify-diagnostics --aegis-ckks-rotation-key-budget="max-keys=1"

// The budget counts Galois keys: with one key in all and a conjugation
// (the unpacking of aegis-ckks-pack-bootstraps), none is left for the
// rotations: a one-line error naming the option.
!c = !ckks.ct<slots = 8, level = 1, logScale = 40>
// expected-error @+1 {{rotation-key budget: max-keys=1 is the conjugation key the program needs, none is left for its rotations; raise the budget (--aegis-compile's max-rotation-keys)}}
module {
  func.func @conj(%x: !c) -> !c {
    %0 = ckks.rotate %x by 3 : !c -> !c
    %1 = ckks.conjugate %0 : !c -> !c
    return %1 : !c
  }
}

// With two keys, one rotation key and the conjugation (the report says so).
// RUN: aegis-opt %s --split-input-file --aegis-ckks-rotation-key-budget="max-keys=2 report=true" -o /dev/null 2>&1 | FileCheck %s
// CHECK: rotation-key budget 2 keys (1 for rotations, 1 for the conjugation): 1 keys -> 1 keys; rotations 1 -> 1 (+0 key switches)
