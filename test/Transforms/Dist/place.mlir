// aegis-dist-place: the strategies' decisions and their bytes.
//
// RUN: aegis-opt %s --aegis-dist-place="devices=2 placement=limb report-json=%t.limb.json" | FileCheck %s --check-prefix=LIMB
// RUN: FileCheck %s --check-prefix=LIMBJSON < %t.limb.json
// RUN: aegis-opt %s --aegis-dist-place="devices=2 placement=token" | FileCheck %s --check-prefix=TOKEN
// RUN: aegis-opt %s --aegis-dist-place="devices=2 placement=compare report=true report-json=%t.cmp.json" -o /dev/null 2>&1 | FileCheck %s --check-prefix=COMPARE
// RUN: FileCheck %s --check-prefix=CMPJSON < %t.cmp.json
// RUN: aegis-opt %s --aegis-dist-place="devices=1" | FileCheck %s --check-prefix=ONE

// Two token tiles of x[4, 2] (rows 0-1 and 2-3), N = 2^11: a limb of one
// polynomial is 2048 x 8 = 16384 bytes; at level 2 the balanced partition of
// 3 limbs over 2 devices is [2, 1].
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

// LIMB: module attributes {{{.*}}dist.grid = @devices, dist.hoist_rotations, dist.strategy = "limb"
// LIMB: shard.grid @devices(shape = 1x2)
// LIMB: func.func @main(%arg0: {{.*}}dist.placement = #dist.placement<group = 0>}, %arg1: {{.*}}dist.placement = #dist.placement<group = 0>}
// LIMB: ckks.rotate {{.*}}dist.placement = #dist.placement<group = 0>
// LIMB: ckks.rescale {{.*}}dist.placement = #dist.placement<group = 0>

// Device 0: headers 2 x 32, inputs' limbs for device 1 2 x 32768, the
// rotation's and the relinearization's gathers 2 x 32768 (2 limbs x 1
// polynomial to 1 peer), the rescale's repartition of limb 1 32768;
// device 1: gathers 2 x 16384, the rescale's top limb 32768, outputs 2 x
// 32768.
// LIMBJSON: "chosen": "limb",
// LIMBJSON: "devices": 2,
// LIMBJSON: "name": "limb",
// LIMBJSON: "grid": [
// LIMBJSON-NEXT: 1,
// LIMBJSON-NEXT: 2
// LIMBJSON: "bytes_sent_per_device": {
// LIMBJSON-NEXT: "ffn": 65536,
// LIMBJSON-NEXT: "attention": 32768,
// LIMBJSON-NEXT: "other": 65600,
// LIMBJSON-NEXT: "total": 163904
// LIMBJSON: "bytes_by_source": {
// LIMBJSON-NEXT: "keyswitch": 65536,
// LIMBJSON-NEXT: "rescale": 32768,
// LIMBJSON-NEXT: "bootstrap": 0,
// LIMBJSON-NEXT: "model": 0,
// LIMBJSON-NEXT: "io": 65600
// LIMBJSON: "memory_per_device_bytes":
// LIMBJSON: "modelled_time_s":
// LIMBJSON: "scaling_efficiency":
// LIMBJSON: "bytes_sent_by_device": [
// LIMBJSON-NEXT: 163904,
// LIMBJSON-NEXT: 131072

// Token: tile 0 on group 0, tile 1 on group 1; the add takes the first
// operand's group (a tie) and %b travels there.
// TOKEN: shard.grid @devices(shape = 2x1)
// TOKEN: func.func @main(%arg0: {{.*}}dist.placement = #dist.placement<group = 0>}, %arg1: {{.*}}dist.placement = #dist.placement<group = 1>}
// TOKEN: ckks.rotate {{.*}}dist.placement = #dist.placement<group = 0>
// TOKEN: ckks.add {{.*}}dist.placement = #dist.placement<group = 0>

// COMPARE: aegis placement on 2 devices (link nvlink
// COMPARE: limb 1x2
// COMPARE: token 2x1
// COMPARE: head: not applicable (the grid does not divide the model: 2 groups along the model axis but the input has 1 feature block(s) (heads))
// COMPARE: joint: not applicable (2 devices have no factorisation G x B with G, B > 1)
// COMPARE: one device:

// CMPJSON: "single_device_memory_bytes":
// CMPJSON: "name": "limb",
// CMPJSON: "name": "token",
// CMPJSON: "bytes_by_source": {
// CMPJSON-NEXT: "keyswitch": 0,
// CMPJSON-NEXT: "rescale": 0,
// CMPJSON-NEXT: "bootstrap": 0,
// Token: %b (3 limbs x 2 polynomials and a 32-byte header) moves from
// device 1 to device 0.
// CMPJSON-NEXT: "model": 98336,
// CMPJSON: "not_applicable": {
// CMPJSON-NEXT: "head":

// ONE-NOT: dist.
// ONE-NOT: shard.grid
