// Round trip of the dist dialect.
// RUN: aegis-opt %s | aegis-opt | FileCheck %s

!ct = !ckks.ct<slots = 8, level = 2, logScale = 30>
// CHECK: shard.grid @devices(shape = 2x2)
shard.grid @devices(shape = 2x2)
// CHECK-LABEL: func.func @f
// CHECK-SAME: dist.placement = #dist.placement<group = 1>
func.func @f(%x: !ct {dist.placement = #dist.placement<group = 1>}) -> !ct {
  // CHECK: %[[R:.*]] = dist.all_gather_start %arg0 on @devices {polys = 1 : i64, sent = array<i64: 0, 0, 32768, 16384>, source = "keyswitch"}
  %r = dist.all_gather_start %x on @devices {polys = 1, sent = array<i64: 0, 0, 32768, 16384>, source = "keyswitch"} : !ct
  // CHECK: dist.wait %[[R]]
  %g = dist.wait %r : !ct
  %y = ckks.rotate %g by 1 {dist.placement = #dist.placement<group = 1>} : !ct -> !ct
  %b = dist.broadcast_start %y on @devices {sent = array<i64: 0, 0, 0, 32768>, source = "rescale"} : !ct
  %bw = dist.wait %b : !ct
  %a = dist.all_to_all_start %bw on @devices {sent = array<i64: 0, 0, 32768, 0>, source = "rescale"} : !ct
  %aw = dist.wait %a : !ct
  // CHECK: dist.transfer_start %{{.*}} on @devices {from = 1 : i64, sent = array<i64: 0, 0, 49152, 32768>, source = "model", to = 0 : i64}
  %t = dist.transfer_start %aw on @devices {from = 1, to = 0, sent = array<i64: 0, 0, 49152, 32768>, source = "model"} : !ct
  %tw = dist.wait %t : !ct
  return %tw : !ct
}
