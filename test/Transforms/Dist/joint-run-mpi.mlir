// REQUIRES: mpirun
// A joint-placed artifact (grid 2x2) under mpirun, one process per device:
// the groups are a split of the MPI world (Communicator::split); the same
// outputs as one device, bit for bit, and the predicted bytes on every
// device; another process count is refused by every rank before any
// message.
//
// RUN: rm -rf %t && mkdir -p %t
// RUN: %python -c "import struct; d=[0.5, -1.0, 0.25, 2.0, -0.75, 1.5, 0.125, -0.5]; open('%t/x.npy','wb').write(b'\x93NUMPY\x01\x00' + struct.pack('<H', 118) + (\"{'descr': '<f8', 'fortran_order': False, 'shape': (4, 2), }\").ljust(117).encode() + b'\n' + struct.pack('<8d', *d))"
// RUN: aegis-opt %s --aegis-dist-place="devices=4 placement=joint report-json=%t/plan.json" --aegis-dist-insert-collectives --aegis-ckks-emit-artifact="output=%t/joint.aegis security=toy" -o /dev/null 2>/dev/null
// RUN: aegis-run %t/joint.aegis --devices=1 --input %t/x.npy --output %t/o0.npy --output %t/o1.npy > /dev/null
// RUN: %mpirun -np 4 aegis-run %t/joint.aegis --input %t/x.npy --output %t/m0.npy --output %t/m1.npy --report %t/run.json | FileCheck %s
// RUN: cmp %t/m0.npy %t/o0.npy
// RUN: cmp %t/m1.npy %t/o1.npy
// RUN: %python %S/compare_bytes.py %t/plan.json %t/run.json | FileCheck %s --check-prefix=BYTES
// RUN: not %mpirun -np 3 aegis-run %t/joint.aegis --input %t/x.npy > %t/np3.log 2>&1
// RUN: FileCheck %s --check-prefix=COUNT < %t/np3.log

// CHECK: 4 devices (mpi communicator), the artifact's own device programs: 2 groups of 2 devices
// BYTES: devices 4: predicted = measured
// COUNT-DAG: [rank 0] rank 0 failed: the artifact is placed on 4 devices (2 groups of 2) but 3 ranks were launched (mpirun -np 3); launch it on 4
// COUNT-DAG: [rank 1] rank 1 failed: the artifact is placed on 4 devices
// COUNT-DAG: [rank 2] rank 2 failed: the artifact is placed on 4 devices

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
