// keyswitch=auto chooses output aggregation where it sends fewer bytes:
// 12 limbs in 6 digits of 2 on 2 devices, so the balanced and whole-digit
// limb ranges coincide (no limb moves) and the three rotated terms' key
// switches are reduced once (2 x 6 chain limbs + the special limbs per
// device) instead of three all-gathers of 6 limbs. The run is bit-identical
// to one device and sends exactly the predicted bytes.
//
// RUN: rm -rf %t && mkdir -p %t
// RUN: %python -c "import struct; v=[0.1*i-0.7 for i in range(24)]; open('%t/x.npy','wb').write(b'\x93NUMPY\x01\x00'+struct.pack('<H',118)+(\"{'descr': '<f8', 'fortran_order': False, 'shape': (3, 8), }\").ljust(117).encode()+b'\n'+struct.pack('<24d',*v))"
// RUN: aegis-opt %s --aegis-dist-place="devices=2 placement=limb report=true report-json=%t/plan.json" --aegis-dist-insert-collectives -o %t/placed.mlir 2>&1 | FileCheck %s --check-prefix=REPORT
// RUN: FileCheck %s --check-prefix=IR < %t/placed.mlir
// RUN: aegis-opt %t/placed.mlir --aegis-ckks-emit-artifact="output=%t/two.aegis security=toy" -o /dev/null 2>/dev/null
// RUN: aegis-opt %s --aegis-ckks-emit-artifact="output=%t/one.aegis security=toy" -o /dev/null 2>/dev/null
// RUN: aegis-run %t/one.aegis --input %t/x.npy --output %t/o1.npy > /dev/null
// RUN: aegis-run %t/two.aegis --input %t/x.npy --output %t/o2.npy --report %t/run.json > /dev/null
// RUN: cmp %t/o1.npy %t/o2.npy
// RUN: %python %S/compare_bytes.py %t/plan.json %t/run.json | FileCheck %s --check-prefix=BYTES
// keyswitch=broadcast keeps the three all-gathers.
// RUN: aegis-opt %s --aegis-dist-place="devices=2 placement=limb keyswitch=broadcast" --aegis-dist-insert-collectives | FileCheck %s --check-prefix=BCAST

// REPORT: limb: output aggregation for 1 rotate-and-sums: {{.*}} MiB sent with input broadcast -> {{.*}} MiB (-{{[0-9.]+}}%)
// IR-NOT: dist.all_gather_start
// IR-NOT: source = "keyswitch"
// IR: ckks.rotate_sum {{.*}} by [1, 2, 3] {dist.keyswitch = "aggregate"
// BYTES: devices 2: predicted = measured
// BCAST-COUNT-3: dist.all_gather_start
// BCAST-NOT: dist.keyswitch

!ct = !ckks.ct<slots = 8, level = 11, logScale = 30>
module attributes {ckks.params = #ckks.params<logN = 11, logQ = [40, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30], logP = [40, 40], dnum = 6>} {
  func.func @main(
      %a: !ct {ckks.name = "x", ckks.shape = array<i64: 3, 8>, ckks.slot_map = array<i32: 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23>},
      %b: !ct {ckks.name = "x", ckks.shape = array<i64: 3, 8>},
      %c: !ct {ckks.name = "x", ckks.shape = array<i64: 3, 8>})
      -> (!ct {ckks.name = "y", ckks.shape = array<i64: 8>}) {
    %s = ckks.rotate_sum %a, %b, %c by [1, 2, 3] : (!ct, !ct, !ct) -> !ct loc("matmul#1"(unknown))
    return %s : !ct
  }
}
