// Co-scheduled hoisted rotations: on a limb-split group the rotations of
// one ciphertext share one all-gather; the later ones move right after the
// first, all read the gathered value, the first carries the run's length.
//
// RUN: aegis-opt %s --aegis-dist-place="devices=2 placement=limb" --aegis-dist-insert-collectives | FileCheck %s
// RUN: aegis-opt %s --aegis-dist-place="devices=2 placement=limb hoist-rotations=false" --aegis-dist-insert-collectives | FileCheck %s --check-prefix=APART

// CHECK: dist.hoist_rotations
// CHECK: %[[G:.*]] = dist.all_gather_start %{{.*}} {polys = 1 : i64, sent = array<i64: 32768, 16384>, source = "keyswitch"}
// CHECK-NEXT: %[[W:.*]] = dist.wait %[[G]]
// CHECK-NEXT: %[[R1:.*]] = ckks.rotate %[[W]] by 1 {dist.hoisted = 2 : i64, dist.placement = #dist.placement<group = 0>}
// CHECK-NEXT: %[[R2:.*]] = ckks.rotate %[[W]] by 2 {dist.placement = #dist.placement<group = 0>}
// CHECK-NOT: dist.all_gather_start
// CHECK: ckks.add %[[R1]], %{{.*}}
// CHECK: ckks.add %{{.*}}, %[[R2]]

// Without co-scheduling each rotation gathers its own input.
// APART-NOT: dist.hoist_rotations
// APART-COUNT-2: dist.all_gather_start
// APART-NOT: dist.hoisted

module attributes {ckks.params = #ckks.params<logN = 11, logQ = [40, 30, 30], logP = [40], dnum = 3>} {
  func.func @main(%a: !ckks.ct<slots = 8, level = 2, logScale = 30>, %b: !ckks.ct<slots = 8, level = 2, logScale = 30>) -> !ckks.ct<slots = 8, level = 2, logScale = 30> {
    %0 = ckks.rotate %a by 1 : !ckks.ct<slots = 8, level = 2, logScale = 30> -> !ckks.ct<slots = 8, level = 2, logScale = 30>
    %1 = ckks.add %0, %b : (!ckks.ct<slots = 8, level = 2, logScale = 30>, !ckks.ct<slots = 8, level = 2, logScale = 30>) -> !ckks.ct<slots = 8, level = 2, logScale = 30>
    %2 = ckks.rotate %a by 2 : !ckks.ct<slots = 8, level = 2, logScale = 30> -> !ckks.ct<slots = 8, level = 2, logScale = 30>
    %3 = ckks.add %1, %2 : (!ckks.ct<slots = 8, level = 2, logScale = 30>, !ckks.ct<slots = 8, level = 2, logScale = 30>) -> !ckks.ct<slots = 8, level = 2, logScale = 30>
    return %3 : !ckks.ct<slots = 8, level = 2, logScale = 30>
  }
}
