// A sum of rotations with one ModDown (ckks.rotate_sum) runs on every
// engine: its decrypted value is the sum of the rotations (plain slots and
// CKKS), and it is bit-identical on 1, 2 and 4 limb-split devices, where
// every device sends exactly the bytes aegis-dist-place predicted (one
// all-gather per rotated term under input broadcast).
//
// RUN: rm -rf %t && mkdir -p %t
// RUN: %python -c "import struct; a=[0.5,-1.0,0.25,2.0,-0.75,1.5,0.125,-0.5]; b=[1.0,0.5,-0.25,0.75,-1.5,0.3,0.2,-0.1]; y=[a[(j+1)%%8]+b[(j+3)%%8]+a[j] for j in range(8)]; w=lambda p,v,s: open(p,'wb').write(b'\x93NUMPY\x01\x00'+struct.pack('<H',118)+(\"{'descr': '<f8', 'fortran_order': False, 'shape': %%s, }\" %% s).ljust(117).encode()+b'\n'+struct.pack('<%%dd' %% len(v),*v)); w('%t/x.npy',a+b,'(2, 8)'); w('%t/y.npy',y,'(8,)')"
// RUN: aegis-opt %s --aegis-ckks-emit-artifact="output=%t/one.aegis security=toy" -o /dev/null 2>/dev/null
// RUN: aegis-run %t/one.aegis --backend=plain --input %t/x.npy --reference %t/y.npy | FileCheck %s --check-prefix=PLAIN
// RUN: aegis-run %t/one.aegis --input %t/x.npy --reference %t/y.npy --output %t/o.npy | FileCheck %s
// RUN: aegis-opt %s --aegis-dist-place="devices=2 placement=limb report-json=%t/plan2.json" --aegis-dist-insert-collectives --aegis-ckks-emit-artifact="output=%t/two.aegis security=toy" -o /dev/null 2>/dev/null
// RUN: aegis-run %t/two.aegis --input %t/x.npy --output %t/o2.npy --report %t/run2.json > /dev/null
// RUN: cmp %t/o.npy %t/o2.npy
// RUN: %python %S/compare_bytes.py %t/plan2.json %t/run2.json | FileCheck %s --check-prefix=BYTES2
// RUN: aegis-opt %s --aegis-dist-place="devices=4 placement=limb report-json=%t/plan4.json" --aegis-dist-insert-collectives --aegis-ckks-emit-artifact="output=%t/four.aegis security=toy" -o /dev/null 2>/dev/null
// RUN: aegis-run %t/four.aegis --input %t/x.npy --output %t/o4.npy --report %t/run4.json > /dev/null
// RUN: cmp %t/o.npy %t/o4.npy
// RUN: %python %S/compare_bytes.py %t/plan4.json %t/run4.json | FileCheck %s --check-prefix=BYTES4
// Output aggregation (keyswitch=aggregate): each term moves to whole-digit
// limb ranges (an all-to-all of the limbs whose owner changes), the
// rotate_sum's key switches are reduced once (a reduce-scatter and an
// all-reduce inside the op, no all-gather) and the result moves back; the
// same bits, and the predicted bytes again equal the measured ones, also
// on 4 devices where the 3 digits leave one device without limbs.
// RUN: aegis-opt %s --aegis-dist-place="devices=2 placement=limb keyswitch=aggregate report-json=%t/agg2.json" --aegis-dist-insert-collectives --aegis-ckks-emit-artifact="output=%t/agg2.aegis security=toy" -o /dev/null 2>/dev/null
// RUN: aegis-run %t/agg2.aegis --input %t/x.npy --output %t/a2.npy --report %t/runa2.json > /dev/null
// RUN: cmp %t/o.npy %t/a2.npy
// RUN: %python %S/compare_bytes.py %t/agg2.json %t/runa2.json | FileCheck %s --check-prefix=BYTES2
// RUN: aegis-opt %s --aegis-dist-place="devices=4 placement=limb keyswitch=aggregate report-json=%t/agg4.json" --aegis-dist-insert-collectives --aegis-ckks-emit-artifact="output=%t/agg4.aegis security=toy" -o /dev/null 2>/dev/null
// RUN: aegis-run %t/agg4.aegis --input %t/x.npy --output %t/a4.npy --report %t/runa4.json > /dev/null
// RUN: cmp %t/o.npy %t/a4.npy
// RUN: %python %S/compare_bytes.py %t/agg4.json %t/runa4.json | FileCheck %s --check-prefix=BYTES4
// RUN: %python -c "import json,sys; s=json.load(open(sys.argv[1]))['placement']['strategies'][0]; print(s['keyswitch'], s['aggregated_rotate_sums'], s['collectives']['reduce_scatter'], s['collectives']['all_reduce'], s['collectives']['all_gather'])" %t/agg2.json | FileCheck %s --check-prefix=AGGJSON
// AGGJSON: aggregate 1 1 1 0
// RUN: aegis-opt %s --aegis-dist-place="devices=2 placement=limb keyswitch=aggregate" --aegis-dist-insert-collectives | FileCheck %s --check-prefix=AGGIR
// AGGIR-NOT: dist.all_gather_start
// Only c1 of each rotated term moves to whole-digit ranges (one polynomial:
// device 1 sends its one limb of the five); the reduction inside the op
// scatters onto the balanced ranges, so the result does not move back.
// AGGIR: %[[A:.*]] = dist.all_to_all_start %{{.*}} {polys = 1 : i64, sent = array<i64: 0, 16384>, source = "keyswitch"}
// AGGIR: %[[B:.*]] = dist.all_to_all_start %{{.*}} {polys = 1 : i64, sent = array<i64: 0, 16384>, source = "keyswitch"}
// AGGIR: %[[WA:.*]] = dist.wait %[[A]]
// AGGIR: %[[WB:.*]] = dist.wait %[[B]]
// AGGIR: %[[S:.*]] = ckks.rotate_sum %[[WA]], %[[WB]], %[[WA]] by [1, 3, 0] {dist.keyswitch = "aggregate"
// AGGIR-NOT: source = "keyswitch"
// AGGIR: return
// By default (keyswitch=auto) the cost model keeps input broadcast here:
// two small gathers cost less than the reduction.
// RUN: aegis-opt %s --aegis-dist-place="devices=2 placement=limb" | FileCheck %s --check-prefix=AUTO
// AUTO-NOT: dist.keyswitch
// RUN: not aegis-opt %s --aegis-dist-place="devices=2 keyswitch=fast" 2>&1 | FileCheck %s --check-prefix=BADKS
// BADKS: error: aegis-dist-place: keyswitch='fast' is not one of auto, broadcast, aggregate

// Two gathers (the two rotated terms), none for the offset-0 term.
// RUN: aegis-opt %s --aegis-dist-place="devices=2 placement=limb" --aegis-dist-insert-collectives | FileCheck %s --check-prefix=IR

// PLAIN: output 'y' [8]: max abs error 0.000e+00
// CHECK: 2 key switches
// CHECK: output 'y' [8]: max abs error {{[0-9]\.[0-9]+e-(0[5-9]|[1-9][0-9])}}
// BYTES2: devices 2: predicted = measured
// BYTES4: devices 4: predicted = measured
// IR-COUNT-2: dist.all_gather_start {{.*}} {polys = 1 : i64
// IR-NOT: dist.all_gather_start
// IR: ckks.rotate_sum %{{.*}}, %{{.*}}, %{{.*}} by [1, 3, 0]

module attributes {ckks.params = #ckks.params<logN = 11, logQ = [50, 40, 40, 40, 40, 40], logP = [50, 50], dnum = 3>} {
  func.func @main(
      %a: !ckks.ct<slots = 8, level = 5, logScale = 40> {ckks.name = "x", ckks.shape = array<i64: 2, 8>, ckks.slot_map = array<i32: 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15>},
      %b: !ckks.ct<slots = 8, level = 5, logScale = 40> {ckks.name = "x", ckks.shape = array<i64: 2, 8>})
      -> (!ckks.ct<slots = 8, level = 5, logScale = 40> {ckks.name = "y", ckks.shape = array<i64: 8>}) {
    %s = ckks.rotate_sum %a, %b, %a by [1, 3, 0] : (!ckks.ct<slots = 8, level = 5, logScale = 40>, !ckks.ct<slots = 8, level = 5, logScale = 40>, !ckks.ct<slots = 8, level = 5, logScale = 40>) -> !ckks.ct<slots = 8, level = 5, logScale = 40> loc("matmul#1"(unknown))
    return %s : !ckks.ct<slots = 8, level = 5, logScale = 40>
  }
}
