// keyswitch=auto weighs memory: keys that both single rotations and an
// aggregated sum use hold both row sets. Here aggregation sends fewer
// bytes (auto takes it) but needs 8.8 MiB per device against 5.4 MiB; with
// an 8 MiB capacity auto keeps input broadcast, which fits.
// RUN: aegis-opt %s --aegis-dist-place="devices=2 placement=limb" | FileCheck %s --check-prefix=ROOM
// RUN: aegis-opt %s --aegis-dist-place="devices=2 placement=limb capacity-gib=0.0078125" | FileCheck %s --check-prefix=TIGHT
// Forced, it does not fit: refused with the numbers.
// RUN: not aegis-opt %s --aegis-dist-place="devices=2 placement=limb keyswitch=aggregate capacity-gib=0.0078125" 2>&1 | FileCheck %s --check-prefix=FORCED
// ROOM: ckks.rotate_sum {{.*}} {dist.keyswitch = "aggregate"
// TIGHT-NOT: dist.keyswitch
// TIGHT: ckks.rotate_sum
// TIGHT-NOT: dist.keyswitch
// FORCED: error: aegis-dist-place: no placement fits 0.0078125 GiB per device on 2 devices: the smallest (limb, grid 1x2) needs 8.8 MiB (raise capacity-gib or add devices)

!ct = !ckks.ct<slots = 8, level = 11, logScale = 30>
module attributes {ckks.params = #ckks.params<logN = 11, logQ = [40, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30], logP = [40, 40], dnum = 6>} {
  func.func @main(%a: !ct, %b: !ct, %c: !ct) -> (!ct, !ct, !ct, !ct) {
    %s = ckks.rotate_sum %a, %b, %c by [1, 2, 3] : (!ct, !ct, !ct) -> !ct loc("matmul#1"(unknown))
    %r1 = ckks.rotate %b by 1 : !ct -> !ct
    %r2 = ckks.rotate %c by 2 : !ct -> !ct
    %r3 = ckks.rotate %a by 3 : !ct -> !ct
    return %s, %r1, %r2, %r3 : !ct, !ct, !ct, !ct
  }
}
