// RUN: aegis-opt %s --aegis-ckks-rotation-key-budget="max-keys=5 report=true" 2>&1 | FileCheck %s

!ct = !ckks.ct<slots = 16, level = 1, logScale = 40>

// Seven offsets, five keys. The powers of two 1, 2, 4, 8 reach every
// offset; the fifth key goes to the offset whose compositions cost the most
// extra key switches: -1 (15 = 8 + 4 + 2 + 1, used three times). 7 and 3
// then take two steps from the rotation by -1 (15 + 8, 15 + 4), 5 and 6 two
// from the rotation by 4, and the three rotations of %x by -1 are one.
// CHECK: rotation-key budget 5 keys: 7 keys -> 5 keys; rotations 9 -> 8 (-1 key switches)
// CHECK: ckks.rotation_keys = array<i64: -1, 1, 2, 4, 8>
// CHECK-LABEL: func.func @greedy
// CHECK-SAME: (%[[X:[^:]*]]:
// CHECK-NEXT: %[[M1:.*]] = ckks.rotate %[[X]] by -1
// CHECK-NEXT: ckks.rotate %[[M1]] by 8
// CHECK-NEXT: ckks.rotate %[[X]] by 1
// CHECK-NEXT: ckks.rotate %[[M1]] by 4
// CHECK-NEXT: %[[R4:.*]] = ckks.rotate %[[X]] by 4
// CHECK-NEXT: ckks.rotate %[[R4]] by 1
// CHECK-NEXT: ckks.rotate %[[R4]] by 2
// CHECK-NEXT: ckks.rotate %[[X]] by 2
// CHECK-NEXT: ckks.add %[[M1]], %[[M1]]
// CHECK-NOT: ckks.rotate
module attributes {ckks.rotation_keys = array<i64>} {
  func.func @greedy(%x: !ct) -> !ct {
    %0 = ckks.rotate %x by -1 : !ct -> !ct
    %1 = ckks.rotate %x by 15 : !ct -> !ct
    %2 = ckks.rotate %x by -1 : !ct -> !ct
    %3 = ckks.rotate %x by 7 : !ct -> !ct
    %4 = ckks.rotate %x by 1 : !ct -> !ct
    %5 = ckks.rotate %x by 3 : !ct -> !ct
    %6 = ckks.rotate %x by 5 : !ct -> !ct
    %7 = ckks.rotate %x by 6 : !ct -> !ct
    %8 = ckks.rotate %x by 2 : !ct -> !ct
    %a = ckks.add %0, %1 : (!ct, !ct) -> !ct
    %b = ckks.add %a, %2 : (!ct, !ct) -> !ct
    %c = ckks.add %b, %3 : (!ct, !ct) -> !ct
    %d = ckks.add %c, %4 : (!ct, !ct) -> !ct
    %e = ckks.add %d, %5 : (!ct, !ct) -> !ct
    %f = ckks.add %e, %6 : (!ct, !ct) -> !ct
    %g = ckks.add %f, %7 : (!ct, !ct) -> !ct
    %h = ckks.add %g, %8 : (!ct, !ct) -> !ct
    return %h : !ct
  }
}
