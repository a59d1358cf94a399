// A joint placement (grid 2x2: two token groups, each splitting its
// ciphertexts by limbs over two devices) runs as one program per group:
// every group's devices run the limb-split engine on the group's
// communicator, a ciphertext another group needs moves as each device's
// limb share to the device at the same position there (Send / Recv), the
// client sends every device of an input's group its share and gathers the
// outputs' shares. The decrypted outputs equal the one-device run's bit for
// bit and every device sends exactly the bytes aegis-dist-place predicted.
//
// RUN: rm -rf %t && mkdir -p %t
// RUN: %python -c "import struct; d=[0.5, -1.0, 0.25, 2.0, -0.75, 1.5, 0.125, -0.5]; open('%t/x.npy','wb').write(b'\x93NUMPY\x01\x00' + struct.pack('<H', 118) + (\"{'descr': '<f8', 'fortran_order': False, 'shape': (4, 2), }\").ljust(117).encode() + b'\n' + struct.pack('<8d', *d))"
// RUN: aegis-opt %s --aegis-dist-place="devices=4 placement=joint report-json=%t/plan.json" --aegis-dist-insert-collectives --aegis-ckks-emit-artifact="output=%t/joint.aegis security=toy" -o /dev/null 2>/dev/null
// RUN: aegis-opt %s --aegis-ckks-emit-artifact="output=%t/one.aegis security=toy" -o /dev/null 2>/dev/null
// RUN: aegis-run %t/joint.aegis --input %t/x.npy --output %t/p0.npy --output %t/p1.npy --report %t/run.json | FileCheck %s
// RUN: aegis-run %t/one.aegis --input %t/x.npy --output %t/o0.npy --output %t/o1.npy > /dev/null
// RUN: cmp %t/p0.npy %t/o0.npy
// RUN: cmp %t/p1.npy %t/o1.npy
// RUN: %python %S/compare_bytes.py %t/plan.json %t/run.json | FileCheck %s --check-prefix=BYTES
// Group 0 (devices 0 and 1) rotates, multiplies and relinearizes: all-gathers
// within the group; group 1 only moves its input's shares (Send) and its
// output's (to the client); the client sends every device its shares.
// RUN: %python -c "import json,sys; r=json.load(open(sys.argv[1]))['communication']['ranks']; print([(x['rank'], x['collectives']['all-gather']['count'] > 0, x['collectives']['send-recv']['bytes_sent'] > 0) for x in r])" %t/run.json | FileCheck %s --check-prefix=KINDS
// --devices=1 runs the whole program on one device; another count, or MPI,
// is refused with the numbers.
// RUN: aegis-run %t/joint.aegis --devices=1 --input %t/x.npy --output %t/w0.npy --output %t/w1.npy > /dev/null
// RUN: cmp %t/w0.npy %t/o0.npy
// RUN: not aegis-run %t/joint.aegis --devices=2 --input %t/x.npy 2>&1 | FileCheck %s --check-prefix=COUNT

// CHECK: 4 devices (threads communicator), the artifact's own device programs: 2 groups of 2 devices, each splitting its ciphertexts by limbs (limb shares moved between groups)
// BYTES: devices 4: predicted = measured = [{{[0-9]+}}, {{[0-9]+}}, {{[0-9]+}}, {{[0-9]+}}]
// KINDS: [(0, True, True), (1, True, True), (2, False, True), (3, False, True)]
// COUNT: the artifact is placed on 4 devices (2 groups of 2) but 2 were requested (--devices=2); launch it on 4

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
