// aegis-dist-place / aegis-dist-insert-collectives refusals: one line each,
// naming the numbers.
//
// RUN: not aegis-opt %s --aegis-dist-place="devices=2 placement=rows" 2>&1 | FileCheck %s --check-prefix=NAME
// RUN: not aegis-opt %s --aegis-dist-place="devices=2 link=infiniband" 2>&1 | FileCheck %s --check-prefix=LINK
// RUN: not aegis-opt %s --aegis-dist-place="devices=2 capacity-gib=0" 2>&1 | FileCheck %s --check-prefix=CAPZERO
// RUN: not aegis-opt %s --aegis-dist-place="devices=2 capacity-gib=0.0001" 2>&1 | FileCheck %s --check-prefix=CAP
// RUN: not aegis-opt %s --aegis-dist-place="devices=8 placement=head" 2>&1 | FileCheck %s --check-prefix=HEAD
// RUN: not aegis-opt %s --aegis-dist-place="devices=8 placement=token" 2>&1 | FileCheck %s --check-prefix=TOKEN
// RUN: not aegis-opt %s --aegis-dist-place="devices=3 placement=joint" 2>&1 | FileCheck %s --check-prefix=JOINT
// RUN: not aegis-opt %s --aegis-dist-place="devices=65" 2>&1 | FileCheck %s --check-prefix=MANY
// RUN: not aegis-opt %s --aegis-dist-place="devices=2 report-json=/nonexistent/dir/r.json" 2>&1 | FileCheck %s --check-prefix=JSON
// RUN: not aegis-opt %s --aegis-dist-place="devices=2" --aegis-dist-insert-collectives --aegis-dist-insert-collectives 2>&1 | FileCheck %s --check-prefix=TWICE

// NAME: error: aegis-dist-place: placement='rows' is not one of limb, token, head, joint, auto, compare
// LINK: error: aegis-dist-place: link='infiniband' is not one of nvlink, pcie
// CAPZERO: error: aegis-dist-place: capacity-gib must be positive, got 0
// CAP: error: aegis-dist-place: no placement fits 0.0001 GiB per device on 2 devices: the smallest (limb, grid 1x2) needs {{[0-9.]+}} MiB (raise capacity-gib or add devices)
// HEAD: error: aegis-dist-place: placement=head on 8 devices: the grid does not divide the model: 8 groups along the model axis but the input has 1 feature block(s) (heads)
// TOKEN: error: aegis-dist-place: placement=token on 8 devices: the grid does not divide the model: 8 groups along the model axis but the input has 2 token tile(s)
// JOINT: error: aegis-dist-place: placement=joint on 3 devices: 3 devices have no factorisation G x B with G, B > 1
// MANY: error: aegis-dist-place: 65 devices; at most 64 are modelled
// JSON: error: aegis-dist-place: cannot write report-json='/nonexistent/dir/r.json'
// TWICE: error: aegis-dist-insert-collectives: the program already has collectives

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

