// RUN: aegis-opt %s | FileCheck %s
// RUN: aegis-opt %s | aegis-opt | FileCheck %s
// RUN: aegis-opt %s --mlir-print-op-generic | aegis-opt | FileCheck %s

// Round trip of every ckks type, attribute and operation.

!ct = !ckks.ct<slots = 8, level = 3, logScale = 40>
!ct3 = !ckks.ct<slots = 8, level = 3, logScale = 80, size = 3>
!ct80 = !ckks.ct<slots = 8, level = 3, logScale = 80>
!ct2 = !ckks.ct<slots = 8, level = 2, logScale = 40>
!ct1 = !ckks.ct<slots = 8, level = 1, logScale = 40>
!pt = !ckks.pt<slots = 8, level = 3, logScale = 40>

// CHECK: module attributes {ckks.params = #ckks.params<logN = 13, logQ = [60, 40, 40, 40], logP = [60, 60], dnum = 2>}
module attributes {ckks.params = #ckks.params<logN = 13, logQ = [60, 40, 40, 40], logP = [60, 60], dnum = 2>} {

// CHECK-LABEL: func.func @encoding
// CHECK-SAME: (%[[V:.*]]: tensor<8xf64>, %[[C:.*]]: tensor<4xcomplex<f64>>)
func.func @encoding(%v: tensor<8xf64>, %c: tensor<4xcomplex<f64>>) -> (tensor<8xf64>, !pt) {
  // CHECK: %[[P:.*]] = ckks.encode %[[V]] : tensor<8xf64> -> !pt_L3_S40
  %p = ckks.encode %v : tensor<8xf64> -> !pt
  // CHECK: ckks.encode %[[C]] : tensor<4xcomplex<f64>> -> !pt_L3_S40
  %q = ckks.encode %c : tensor<4xcomplex<f64>> -> !pt
  // CHECK: ckks.decode %[[P]] : !pt_L3_S40 -> tensor<8xf64>
  %d = ckks.decode %p : !pt -> tensor<8xf64>
  return %d, %q : tensor<8xf64>, !pt
}

// CHECK-LABEL: func.func @ct_ct
// CHECK-SAME: (%[[A:.*]]: !ct_L3_S40, %[[B:.*]]: !ct_L3_S40)
func.func @ct_ct(%a: !ct, %b: !ct) -> !ct1 {
  // CHECK: %[[S:.*]] = ckks.add %[[A]], %[[B]] : (!ct_L3_S40, !ct_L3_S40) -> !ct_L3_S40
  %s = ckks.add %a, %b : (!ct, !ct) -> !ct
  // CHECK: %[[D:.*]] = ckks.sub %[[S]], %[[B]] : (!ct_L3_S40, !ct_L3_S40) -> !ct_L3_S40
  %d = ckks.sub %s, %b : (!ct, !ct) -> !ct
  // CHECK: %[[N:.*]] = ckks.negate %[[D]] : !ct_L3_S40 -> !ct_L3_S40
  %n = ckks.negate %d : !ct -> !ct
  // CHECK: %[[M:.*]] = ckks.mul %[[N]], %[[A]] : (!ct_L3_S40, !ct_L3_S40) -> !ct_L3_S80_D3
  %m = ckks.mul %n, %a : (!ct, !ct) -> !ct3
  // CHECK: %[[M2:.*]] = ckks.add %[[M]], %[[M]] : (!ct_L3_S80_D3, !ct_L3_S80_D3) -> !ct_L3_S80_D3
  %m2 = ckks.add %m, %m : (!ct3, !ct3) -> !ct3
  // CHECK: %[[R:.*]] = ckks.relinearize %[[M2]] : !ct_L3_S80_D3 -> !ct_L3_S80
  %r = ckks.relinearize %m2 : !ct3 -> !ct80
  // CHECK: %[[RS:.*]] = ckks.rescale %[[R]] : !ct_L3_S80 -> !ct_L2_S40
  %rs = ckks.rescale %r : !ct80 -> !ct2
  // CHECK: ckks.level_down %[[RS]] : !ct_L2_S40 -> !ct_L1_S40
  %l = ckks.level_down %rs : !ct2 -> !ct1
  return %l : !ct1
}

// CHECK-LABEL: func.func @ct_pt_const
func.func @ct_pt_const(%a: !ct, %p: !pt) -> !ckks.ct<slots = 8, level = 3, logScale = 120> {
  // CHECK: ckks.add_plain %{{.*}}, %{{.*}} : (!ct_L3_S40, !pt_L3_S40) -> !ct_L3_S40
  %0 = ckks.add_plain %a, %p : (!ct, !pt) -> !ct
  // CHECK: ckks.sub_plain %{{.*}}, %{{.*}} : (!ct_L3_S40, !pt_L3_S40) -> !ct_L3_S40
  %1 = ckks.sub_plain %0, %p : (!ct, !pt) -> !ct
  // CHECK: ckks.add_const %{{.*}}, 1.500000e+00 : !ct_L3_S40 -> !ct_L3_S40
  %2 = ckks.add_const %1, 1.5 : !ct -> !ct
  // CHECK: ckks.mul_const %{{.*}}, 3.000000e+00 : !ct_L3_S40 -> !ct_L3_S40
  %3 = ckks.mul_const %2, 3.0 : !ct -> !ct
  // CHECK: ckks.mul_plain %{{.*}}, %{{.*}} : (!ct_L3_S40, !pt_L3_S40) -> !ct_L3_S80
  %4 = ckks.mul_plain %3, %p : (!ct, !pt) -> !ct80
  // CHECK: ckks.mul_const %{{.*}}, -2.500000e-01 : !ct_L3_S80 -> !ct_L3_S120
  %5 = ckks.mul_const %4, -0.25 : !ct80 -> !ckks.ct<slots = 8, level = 3, logScale = 120>
  return %5 : !ckks.ct<slots = 8, level = 3, logScale = 120>
}

// CHECK-LABEL: func.func @dot_plain
func.func @dot_plain(%a: !ct, %b: !ct, %p: !pt, %q: !pt) -> !ct80 {
  // CHECK: ckks.dot_plain %{{.*}}, %{{.*}} by %{{.*}}, %{{.*}} : (!ct_L3_S40, !ct_L3_S40), (!pt_L3_S40, !pt_L3_S40) -> !ct_L3_S80
  %0 = ckks.dot_plain %a, %b by %p, %q : (!ct, !ct), (!pt, !pt) -> !ct80
  return %0 : !ct80
}

// CHECK-LABEL: func.func @galois_and_bootstrap
func.func @galois_and_bootstrap(%a: !ct, %z: !ckks.ct<slots = 8, level = 0, logScale = 40>) -> (!ct, !ct) {
  // CHECK: ckks.rotate %{{.*}} by 3 : !ct_L3_S40 -> !ct_L3_S40
  %0 = ckks.rotate %a by 3 : !ct -> !ct
  // CHECK: ckks.rotate %{{.*}} by -7 : !ct_L3_S40 -> !ct_L3_S40
  %1 = ckks.rotate %0 by -7 : !ct -> !ct
  // CHECK: ckks.rotate_sum %{{.*}}, %{{.*}} by [2, 0] : (!ct_L3_S40, !ct_L3_S40) -> !ct_L3_S40
  %s = ckks.rotate_sum %0, %a by [2, 0] : (!ct, !ct) -> !ct
  // CHECK: ckks.conjugate %{{.*}} : !ct_L3_S40 -> !ct_L3_S40
  %2 = ckks.conjugate %1 : !ct -> !ct
  // CHECK: ckks.bootstrap %{{.*}} : !ct_L0_S40 -> !ct_L3_S40
  %3 = ckks.bootstrap %z : !ckks.ct<slots = 8, level = 0, logScale = 40> -> !ct
  // CHECK: ckks.mul_i %{{.*}} : !ct_L0_S40 -> !ct_L0_S40
  %4 = ckks.mul_i %z : !ckks.ct<slots = 8, level = 0, logScale = 40> -> !ckks.ct<slots = 8, level = 0, logScale = 40>
  // CHECK: ckks.bootstrap %{{.*}} {complex} : !ct_L0_S40 -> !ct_L3_S40
  %5 = ckks.bootstrap %4 {complex} : !ckks.ct<slots = 8, level = 0, logScale = 40> -> !ct
  // CHECK: ckks.mul_i %{{.*}} {negate} : !ct_L3_S40 -> !ct_L3_S40
  %6 = ckks.mul_i %5 {negate} : !ct -> !ct
  %7 = ckks.add %3, %6 : (!ct, !ct) -> !ct
  return %2, %7 : !ct, !ct
}

}
