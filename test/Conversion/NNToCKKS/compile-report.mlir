// aegis-ckks-report: the report is an analysis of the lowered program (the
// counts) and of the notes aegis-nn-to-ckks leaves (the reasons).
// RUN: aegis-opt %s --aegis-nn-select-parameters="security=toy" --aegis-nn-place-bootstraps --aegis-nn-to-ckks --aegis-ckks-report -o /dev/null 2>&1 | FileCheck %s
// CHECK: aegis compile report
// CHECK-NEXT: ring N = 2^10, 512 slots, token block 4, 128 features per ciphertext
// CHECK-NEXT: depth 3: chain 4 primes (q0 56 bits, 3 x 36 bits), P = 2 x 60 bits, dnum 2, log2 QP = 284 (INSECURE: toy parameters)
// CHECK-NEXT: ring chosen: the smallest (at least 2^10) whose slots hold 4 token slots x 8 features
// CHECK-NEXT: bootstrapping off (toy parameters)
// CHECK-NEXT: nominal scale 2^36, per-product scale error <=
// CHECK-NEXT: bootstraps 0
// Two squarings and a product: three relinearizations, no rotation.
// CHECK-NEXT: key switches 3 (0 rotations, 3 relinearizations), 0 plaintext products, 3 rescales
// CHECK-NEXT: rotation keys 0 (before the key budget) + relinearization:
// CHECK-NEXT: ciphertexts: {{[0-9]+}} live at peak
// CHECK-NEXT: IR: {{[0-9]+}} ckks ops and 0 plaintexts for 4 model ops
// CHECK-NEXT: where: server (encrypted) 4 model ops; the client only encrypts the inputs
// Per kernel family, from the ops' locations (mul#1 .. mul#3).
// CHECK-NEXT: key switches by kernel: mul 3 (3 ops){{$}}
//
// The counts are the program's: the same report from a program printed and
// read back (locations kept), the reasons gone with the notes.
// RUN: aegis-opt %s --aegis-nn-select-parameters="security=toy" --aegis-nn-place-bootstraps --aegis-nn-to-ckks --mlir-print-debuginfo | sed 's/ckks.compile_notes = {[^}]*}, //' | aegis-opt --aegis-ckks-report -o /dev/null 2>&1 | FileCheck %s --check-prefix=NONOTES
// NONOTES: ring chosen: (not recorded)
// NONOTES: key switches 3 (0 rotations, 3 relinearizations)
// NONOTES: key switches by kernel: mul 3 (3 ops){{$}}
//
// Before the lowering there is nothing to report on.
// RUN: not aegis-opt %s --aegis-ckks-report 2>&1 | FileCheck %s --check-prefix=NOPROGRAM
// NOPROGRAM: error: aegis-ckks-report: no lowered ckks program (ckks.params, ckks.packing and a function over ciphertexts): run aegis-nn-to-ckks first
module {
  func.func @main(%x: tensor<1x4x8xf32> {nn.name = "x"}) -> (tensor<1x4x8xf32> {nn.name = "y"}) {
    %s = nn.mul %x, %x : (tensor<1x4x8xf32>, tensor<1x4x8xf32>) -> tensor<1x4x8xf32>
    %a = nn.mul %s, %s : (tensor<1x4x8xf32>, tensor<1x4x8xf32>) -> tensor<1x4x8xf32>
    %p = nn.mul %a, %x : (tensor<1x4x8xf32>, tensor<1x4x8xf32>) -> tensor<1x4x8xf32>
    %u = nn.add %p, %x : (tensor<1x4x8xf32>, tensor<1x4x8xf32>) -> tensor<1x4x8xf32>
    return %u : tensor<1x4x8xf32>
  }
}
