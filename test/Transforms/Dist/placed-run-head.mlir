// The head placement runs as device programs too: x[2, 4] in two feature
// blocks (one per device); bit-identical to one device, bytes as predicted.
//
// RUN: rm -rf %t && mkdir -p %t
// RUN: %python -c "import struct; d=[0.5, -1.0, 0.25, 2.0, -0.75, 1.5, 0.125, -0.5]; open('%t/x.npy','wb').write(b'\x93NUMPY\x01\x00' + struct.pack('<H', 118) + (\"{'descr': '<f8', 'fortran_order': False, 'shape': (2, 4), }\").ljust(117).encode() + b'\n' + struct.pack('<8d', *d))"
// RUN: aegis-opt %s --aegis-dist-place="devices=2 placement=head report-json=%t/plan.json" --aegis-dist-insert-collectives --aegis-ckks-emit-artifact="output=%t/placed.aegis security=toy" | FileCheck %s --check-prefix=IR
// RUN: aegis-opt %s --aegis-ckks-emit-artifact="output=%t/one.aegis security=toy" -o /dev/null 2>/dev/null
// RUN: aegis-run %t/placed.aegis --input %t/x.npy --output %t/p0.npy --output %t/p1.npy --report %t/run.json | FileCheck %s
// RUN: aegis-run %t/one.aegis --input %t/x.npy --output %t/o0.npy --output %t/o1.npy > /dev/null
// RUN: cmp %t/p0.npy %t/o0.npy
// RUN: cmp %t/p1.npy %t/o1.npy
// RUN: %python %S/compare_bytes.py %t/plan.json %t/run.json | FileCheck %s --check-prefix=BYTES

// IR: dist.strategy = "head"
// IR: shard.grid @devices(shape = 2x1)
// IR: dist.transfer_start
// CHECK: 2 devices (threads communicator), the artifact's own device programs
// BYTES: devices 2: predicted = measured = [{{[0-9]+}}, {{[0-9]+}}]

module attributes {ckks.params = #ckks.params<logN = 11, logQ = [40, 30, 30], logP = [40], dnum = 3>} {
  func.func @main(
      %a: !ckks.ct<slots = 8, level = 2, logScale = 30> {ckks.name = "x", ckks.shape = array<i64: 2, 4>, ckks.slot_map = array<i32: 0, 2, 8, 10, 1, 3, 9, 11>},
      %b: !ckks.ct<slots = 8, level = 2, logScale = 30> {ckks.name = "x", ckks.shape = array<i64: 2, 4>})
      -> (!ckks.ct<slots = 8, level = 1, logScale = 30>, !ckks.ct<slots = 8, level = 2, logScale = 30>) {
    %0 = ckks.rotate %a by 1 : !ckks.ct<slots = 8, level = 2, logScale = 30> -> !ckks.ct<slots = 8, level = 2, logScale = 30> loc("attention#1"(unknown))
    %1 = ckks.add %0, %b : (!ckks.ct<slots = 8, level = 2, logScale = 30>, !ckks.ct<slots = 8, level = 2, logScale = 30>) -> !ckks.ct<slots = 8, level = 2, logScale = 30> loc("attention#1"(unknown))
    %2 = ckks.mul %1, %1 : (!ckks.ct<slots = 8, level = 2, logScale = 30>, !ckks.ct<slots = 8, level = 2, logScale = 30>) -> !ckks.ct<slots = 8, level = 2, logScale = 60, size = 3> loc("matmul#1"(unknown))
    %3 = ckks.relinearize %2 : !ckks.ct<slots = 8, level = 2, logScale = 60, size = 3> -> !ckks.ct<slots = 8, level = 2, logScale = 60> loc("matmul#1"(unknown))
    %4 = ckks.rescale %3 : !ckks.ct<slots = 8, level = 2, logScale = 60> -> !ckks.ct<slots = 8, level = 1, logScale = 30> loc("matmul#1"(unknown))
    return %4, %b : !ckks.ct<slots = 8, level = 1, logScale = 30>, !ckks.ct<slots = 8, level = 2, logScale = 30>
  }
}

