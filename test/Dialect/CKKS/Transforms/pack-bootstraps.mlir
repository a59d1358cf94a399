// RUN: aegis-opt %s --aegis-ckks-pack-bootstraps | FileCheck %s
// RUN: aegis-opt %s --aegis-ckks-pack-bootstraps="window=1" | FileCheck %s --check-prefix=WINDOW
// RUN: aegis-opt %s --aegis-ckks-pack-bootstraps="max-distance=2" | FileCheck %s --check-prefix=DISTANCE

// Two independent refreshes become one complex bootstrap: b's input
// (level 2) is brought to a's level (1), packed as a + i b; one
// conjugation unpacks both. The add_const reading the first result moves
// after the pair; the mul that does not read it stays where it was.

!c1 = !ckks.ct<slots = 8, level = 1, logScale = 40>
!c2 = !ckks.ct<slots = 8, level = 2, logScale = 40>
!c9 = !ckks.ct<slots = 8, level = 9, logScale = 40>
!c2s = !ckks.ct<slots = 8, level = 2, logScale = 80, size = 3>

// CHECK-LABEL: func.func @pair
// CHECK-SAME: (%[[A:.*]]: !ct_L1_S40, %[[X:.*]]: !ct_L3_S40)
// CHECK: %[[M:.*]] = ckks.mul %[[X]], %[[X]]
// CHECK: %[[R:.*]] = ckks.relinearize %[[M]]
// CHECK: %[[B:.*]] = ckks.rescale %[[R]]
// CHECK: %[[BD:.*]] = ckks.level_down %[[B]] : !ct_L2_S40 -> !ct_L1_S40
// CHECK: %[[IB:.*]] = ckks.mul_i %[[BD]] : !ct_L1_S40 -> !ct_L1_S40
// CHECK: %[[Z:.*]] = ckks.add %[[A]], %[[IB]]
// CHECK: %[[Y:.*]] = ckks.bootstrap %[[Z]] {complex} : !ct_L1_S40 -> !ct_L9_S40
// CHECK: %[[C:.*]] = ckks.conjugate %[[Y]]
// CHECK: %[[RA:.*]] = ckks.add %[[Y]], %[[C]]
// CHECK: %[[D:.*]] = ckks.sub %[[Y]], %[[C]]
// CHECK: %[[RB:.*]] = ckks.mul_i %[[D]] {negate}
// CHECK: %[[U:.*]] = ckks.add_const %[[RA]], 1.0
// CHECK-NOT: ckks.bootstrap
// CHECK: ckks.add %[[U]], %[[RB]]
// WINDOW-LABEL: func.func @pair
// WINDOW: ckks.bootstrap {{.*}} {complex}
// DISTANCE-LABEL: func.func @pair
// DISTANCE-NOT: complex
// DISTANCE: return
module attributes {ckks.params = #ckks.params<logN = 13, logQ = [60, 40, 40, 40, 40, 40, 40, 40, 40, 40, 40, 40, 40], logP = [60, 60], dnum = 7>} {
func.func @pair(%a: !c1, %x: !ckks.ct<slots = 8, level = 3, logScale = 40>) -> !c9 {
  %ra = ckks.bootstrap %a : !c1 -> !c9
  %u = ckks.add_const %ra, 1.0 : !c9 -> !c9
  %m = ckks.mul %x, %x : (!ckks.ct<slots = 8, level = 3, logScale = 40>, !ckks.ct<slots = 8, level = 3, logScale = 40>) -> !ckks.ct<slots = 8, level = 3, logScale = 80, size = 3>
  %r = ckks.relinearize %m : !ckks.ct<slots = 8, level = 3, logScale = 80, size = 3> -> !ckks.ct<slots = 8, level = 3, logScale = 80>
  %b = ckks.rescale %r : !ckks.ct<slots = 8, level = 3, logScale = 80> -> !c2
  %rb = ckks.bootstrap %b : !c2 -> !c9
  %s = ckks.add %u, %rb : (!c9, !c9) -> !c9
  return %s : !c9
}

// A refresh whose input depends on the other's result: no pair.
// CHECK-LABEL: func.func @chain
// CHECK-NOT: complex
// CHECK: return
func.func @chain(%a: !c1) -> !c9 {
  %ra = ckks.bootstrap %a : !c1 -> !c9
  %d = ckks.level_down %ra : !c9 -> !c1
  %rb = ckks.bootstrap %d : !c1 -> !c9
  return %rb : !c9
}

// Different input scales cannot share one ciphertext: no pair.
// CHECK-LABEL: func.func @scales
// CHECK-NOT: complex
// CHECK: return
func.func @scales(%a: !c1, %b: !ckks.ct<slots = 8, level = 1, logScale = 41>) -> (!c9, !c9) {
  %ra = ckks.bootstrap %a : !c1 -> !c9
  %rb = ckks.bootstrap %b : !ckks.ct<slots = 8, level = 1, logScale = 41> -> !c9
  return %ra, %rb : !c9, !c9
}

// Three refreshes: the first two pair, the third stays real.
// CHECK-LABEL: func.func @three
// CHECK-COUNT-1: {complex}
// CHECK: ckks.bootstrap %{{.*}} : !ct_L1_S40 -> !ct_L9_S40
// CHECK-NOT: complex
// CHECK: return
func.func @three(%a: !c1, %b: !c1, %c: !c1) -> (!c9, !c9, !c9) {
  %ra = ckks.bootstrap %a : !c1 -> !c9
  %rb = ckks.bootstrap %b : !c1 -> !c9
  %rc = ckks.bootstrap %c : !c1 -> !c9
  return %ra, %rb, %rc : !c9, !c9, !c9
}
}
