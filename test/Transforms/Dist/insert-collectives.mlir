// aegis-dist-insert-collectives: the collective pairs of a placed program,
// with the bytes each device sends.
//
// RUN: aegis-opt %s --aegis-dist-place="devices=2 placement=limb" --aegis-dist-insert-collectives | FileCheck %s --check-prefix=LIMB
// RUN: aegis-opt %s --aegis-dist-place="devices=2 placement=token" --aegis-dist-insert-collectives | FileCheck %s --check-prefix=TOKEN
// RUN: aegis-opt %s --aegis-dist-insert-collectives | FileCheck %s --check-prefix=NONE

module attributes {ckks.params = #ckks.params<logN = 11, logQ = [40, 30, 30], logP = [40], dnum = 3>} {
  func.func @main(
      %a: !ckks.ct<slots = 8, level = 2, logScale = 30> {ckks.name = "x", ckks.shape = array<i64: 4, 2>, ckks.slot_map = array<i32: 0, 2, 1, 3, 8, 10, 9, 11>},
      %b: !ckks.ct<slots = 8, level = 2, logScale = 30> {ckks.name = "x", ckks.shape = array<i64: 4, 2>})
      -> (!ckks.ct<slots = 8, level = 1, logScale = 30>, !ckks.ct<slots = 8, level = 2, logScale = 30>) {
    %0 = ckks.rotate %a by 1 : !ckks.ct<slots = 8, level = 2, logScale = 30> -> !ckks.ct<slots = 8, level = 2, logScale = 30> loc("attention#1"(unknown))
    %1 = ckks.add %0, %b : (!ckks.ct<slots = 8, level = 2, logScale = 30>, !ckks.ct<slots = 8, level = 2, logScale = 30>) -> !ckks.ct<slots = 8, level = 2, logScale = 30> loc("attention#1"(unknown))
    %2 = ckks.mul %1, %1 : (!ckks.ct<slots = 8, level = 2, logScale = 30>, !ckks.ct<slots = 8, level = 2, logScale = 30>) -> !ckks.ct<slots = 8, level = 2, logScale = 60, size = 3> loc("matmul#1"(unknown))
    %3 = ckks.relinearize %2 : !ckks.ct<slots = 8, level = 2, logScale = 60, size = 3> -> !ckks.ct<slots = 8, level = 2, logScale = 60> loc("matmul#1"(unknown))
    %4 = ckks.rescale %3 : !ckks.ct<slots = 8, level = 2, logScale = 60> -> !ckks.ct<slots = 8, level = 1, logScale = 30> loc("matmul#1"(unknown))
    return %4, %b : !ckks.ct<slots = 8, level = 1, logScale = 30>, !ckks.ct<slots = 8, level = 2, logScale = 30>
  }
}


// Inputs: a header broadcast and the client's limbs, waited before the
// first use; every collective starts right after its producer and is
// waited right before its consumer.
// LIMB: %[[H:.*]] = dist.broadcast_start %arg0 on @devices {polys = 1 : i64, sent = array<i64: 32, 0>, source = "io"}
// LIMB: %[[HA:.*]] = dist.wait %[[H]]
// LIMB: %[[S:.*]] = dist.all_to_all_start %[[HA]] on @devices {sent = array<i64: 32768, 0>, source = "io"}
// LIMB: %[[A:.*]] = dist.wait %[[S]]
// The rotation's input-broadcast gather: 2 limbs x 1 polynomial from device
// 0, 1 limb from device 1.
// LIMB: %[[G:.*]] = dist.all_gather_start %[[A]] on @devices {polys = 1 : i64, sent = array<i64: 32768, 16384>, source = "keyswitch"}
// LIMB: %[[GA:.*]] = dist.wait %[[G]]
// LIMB: ckks.rotate %[[GA]] by 1
// %b goes back to the client as soon as it has arrived (started as early
// as its dependency allows, waited at the return).
// LIMB: %[[OB:.*]] = dist.all_to_all_start %{{.*}} on @devices {sent = array<i64: 0, 32768>, source = "io"}
// LIMB: ckks.mul
// LIMB: dist.all_gather_start %{{.*}} {polys = 1 : i64, sent = array<i64: 32768, 16384>, source = "keyswitch"}
// LIMB: dist.wait
// LIMB: ckks.relinearize
// The rescale: device 1 holds the top limb and broadcasts it; afterwards
// limb 1 moves from device 0 to device 1.
// LIMB: dist.broadcast_start %{{.*}} {sent = array<i64: 0, 32768>, source = "rescale"}
// LIMB: dist.wait
// LIMB: %[[R:.*]] = ckks.rescale
// LIMB: %[[P:.*]] = dist.all_to_all_start %[[R]] on @devices {sent = array<i64: 32768, 0>, source = "rescale"}
// LIMB: %[[RP:.*]] = dist.wait %[[P]]
// Outputs go back to the client.
// LIMB: dist.all_to_all_start %[[RP]] on @devices {sent = array<i64: 0, 32768>, source = "io"}
// LIMB: %[[O1:.*]] = dist.wait
// LIMB: %[[O2:.*]] = dist.wait %[[OB]]
// LIMB: return %[[O1]], %[[O2]]

// Token: no limb collectives; %b (tile 1) reaches device 1 from the client
// and travels once to device 0 for the add; the result is on device 0 (the
// client's), so nothing goes back for it.
// TOKEN-NOT: all_gather
// TOKEN: %[[T:.*]] = dist.transfer_start %{{.*}} on @devices {from = 1 : i64, sent = array<i64: 0, 98336>, source = "model", to = 0 : i64}
// TOKEN: %[[TB:.*]] = dist.wait %[[T]]
// TOKEN: ckks.add %{{.*}}, %[[TB]]
// TOKEN-NOT: all_gather
// TOKEN: return

// Without a placement there is nothing to insert.
// NONE-NOT: dist.
