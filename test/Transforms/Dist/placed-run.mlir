// A token-placed program runs as the artifact's device programs: every
// device its own instructions on whole ciphertexts, Send / Recv where one
// moves; the decrypted outputs equal the one-device run's bit for bit and
// every device sends exactly the bytes aegis-dist-place predicted.
//
// RUN: rm -rf %t && mkdir -p %t
// RUN: %python -c "import struct; d=[0.5, -1.0, 0.25, 2.0, -0.75, 1.5, 0.125, -0.5]; open('%t/x.npy','wb').write(b'\x93NUMPY\x01\x00' + struct.pack('<H', 118) + (\"{'descr': '<f8', 'fortran_order': False, 'shape': (4, 2), }\").ljust(117).encode() + b'\n' + struct.pack('<8d', *d))"
// RUN: aegis-opt %s --aegis-dist-place="devices=2 placement=token report-json=%t/plan.json" --aegis-dist-insert-collectives --aegis-ckks-emit-artifact="output=%t/placed.aegis security=toy" -o /dev/null 2>/dev/null
// RUN: aegis-opt %s --aegis-ckks-emit-artifact="output=%t/one.aegis security=toy" -o /dev/null 2>/dev/null
// RUN: aegis-run %t/placed.aegis --devices=2 --input %t/x.npy --output %t/p0.npy --output %t/p1.npy --report %t/run.json | FileCheck %s
// RUN: aegis-run %t/one.aegis --input %t/x.npy --output %t/o0.npy --output %t/o1.npy > /dev/null
// RUN: cmp %t/p0.npy %t/o0.npy
// RUN: cmp %t/p1.npy %t/o1.npy
// RUN: %python %S/compare_bytes.py %t/plan.json %t/run.json | FileCheck %s --check-prefix=BYTES
// Without a device count the placed artifact runs on its own 2 devices.
// RUN: aegis-run %t/placed.aegis --input %t/x.npy --output %t/q0.npy --output %t/q1.npy | FileCheck %s
// RUN: cmp %t/q0.npy %t/o0.npy
// A timeline per device: device 1 sends %b, device 0 receives it and
// computes.
// RUN: aegis-run %t/placed.aegis --input %t/x.npy --trace %t/trace.json > /dev/null
// RUN: %python -c "import json,sys; e=[x for x in json.load(open(sys.argv[1]))['traceEvents'] if x['ph']=='X']; print(sorted({(x['tid'], x['cat'], x['name']) for x in e if x['name'] in ('send','recv','mul','rotate')}))" %t/trace.json | FileCheck %s --check-prefix=TRACE
// RUN: not aegis-run %t/placed.aegis --input %t/x.npy --trace %t/no/such/dir/trace.json 2>&1 | FileCheck %s --check-prefix=NOTRACE
// --devices=1 runs the whole program on one device.
// RUN: aegis-run %t/placed.aegis --devices=1 --input %t/x.npy --output %t/w0.npy --output %t/w1.npy | FileCheck %s --check-prefix=WHOLE
// RUN: cmp %t/w0.npy %t/o0.npy
// A launch on another device count is refused on every rank.
// RUN: not aegis-run %t/placed.aegis --devices=3 --input %t/x.npy 2>&1 | FileCheck %s --check-prefix=COUNT

// CHECK: 2 devices (threads communicator), the artifact's own device programs
// BYTES: devices 2: predicted = measured = [{{[0-9]+}}, {{[0-9]+}}]
// TRACE: [(0, 'comm', 'recv'), (0, 'compute', 'mul'), (0, 'compute', 'rotate'), (1, 'comm', 'send')]
// NOTRACE: cannot write the trace to '{{.*}}no/such/dir/trace.json'
// WHOLE-NOT: the artifact's own device programs
// COUNT: the artifact is placed on 2 devices (one program each) but 3 were requested (--devices=3); launch it on 2

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

