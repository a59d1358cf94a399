// RUN: aegis-opt %s --aegis-ckks-fold-rotate-sum | FileCheck %s
// RUN: aegis-opt %s --aegis-ckks-fold-rotate-sum="min-rotations=4" | FileCheck %s --check-prefix=MIN4

!ct = !ckks.ct<slots = 8, level = 2, logScale = 30>

// A giant-step sum: three rotations of distinct inputs and one other term,
// added as a tree, become one rotate_sum over the leaves (the other term
// with offset 0) at the root; the adds and rotations are gone.
// CHECK-LABEL: func.func @giant_steps
// CHECK-SAME: (%[[A:.*]]: !ct_L2_S30, %[[B:.*]]: !ct_L2_S30, %[[C:.*]]: !ct_L2_S30, %[[D:.*]]: !ct_L2_S30)
// CHECK-NEXT: %[[S:.*]] = ckks.rotate_sum %[[A]], %[[B]], %[[D]], %[[C]] by [2, 4, 0, -3] : (!ct_L2_S30, !ct_L2_S30, !ct_L2_S30, !ct_L2_S30) -> !ct_L2_S30
// CHECK-NEXT: return %[[S]]
// MIN4-LABEL: func.func @giant_steps
// MIN4-NOT: rotate_sum
// MIN4: return
func.func @giant_steps(%a: !ct, %b: !ct, %c: !ct, %d: !ct) -> !ct {
  %ra = ckks.rotate %a by 2 : !ct -> !ct
  %rb = ckks.rotate %b by 4 : !ct -> !ct
  %rc = ckks.rotate %c by -3 : !ct -> !ct
  %s1 = ckks.add %ra, %rb : (!ct, !ct) -> !ct
  %s2 = ckks.add %s1, %d : (!ct, !ct) -> !ct
  %s3 = ckks.add %s2, %rc : (!ct, !ct) -> !ct
  return %s3 : !ct
}

// A rotation used elsewhere too stays a rotation (its result is needed
// alone); with one rotation left the sum is not folded.
// CHECK-LABEL: func.func @shared_rotation
// CHECK-NOT: rotate_sum
// CHECK: return
func.func @shared_rotation(%a: !ct, %b: !ct) -> (!ct, !ct) {
  %ra = ckks.rotate %a by 1 : !ct -> !ct
  %rb = ckks.rotate %b by 2 : !ct -> !ct
  %s = ckks.add %ra, %rb : (!ct, !ct) -> !ct
  return %s, %ra : !ct, !ct
}

// Rotations of one input are hoisted (one ModUp); only the first joins the
// sum, the other stays a rotation added with offset 0.
// CHECK-LABEL: func.func @same_input
// CHECK-SAME: (%[[A:.*]]: !ct_L2_S30, %[[B:.*]]: !ct_L2_S30)
// CHECK: %[[R2:.*]] = ckks.rotate %[[A]] by 2
// CHECK-NEXT: %[[S:.*]] = ckks.rotate_sum %[[A]], %[[R2]], %[[B]] by [1, 0, 5]
// CHECK-NEXT: return %[[S]]
func.func @same_input(%a: !ct, %b: !ct) -> !ct {
  %r1 = ckks.rotate %a by 1 : !ct -> !ct
  %r2 = ckks.rotate %a by 2 : !ct -> !ct
  %r3 = ckks.rotate %b by 5 : !ct -> !ct
  %s1 = ckks.add %r1, %r2 : (!ct, !ct) -> !ct
  %s2 = ckks.add %s1, %r3 : (!ct, !ct) -> !ct
  return %s2 : !ct
}

// An inner sum used twice is the root of its own tree.
// CHECK-LABEL: func.func @two_roots
// CHECK-SAME: (%[[A:.*]]: !ct_L2_S30, %[[B:.*]]: !ct_L2_S30, %[[C:.*]]: !ct_L2_S30)
// CHECK-NEXT: %[[S:.*]] = ckks.rotate_sum %[[A]], %[[B]] by [1, 2]
// CHECK-NEXT: %[[R:.*]] = ckks.rotate %[[C]] by 3
// CHECK-NEXT: %[[T:.*]] = ckks.add %[[S]], %[[R]]
// CHECK-NEXT: return %[[T]], %[[S]]
func.func @two_roots(%a: !ct, %b: !ct, %c: !ct) -> (!ct, !ct) {
  %ra = ckks.rotate %a by 1 : !ct -> !ct
  %rb = ckks.rotate %b by 2 : !ct -> !ct
  %s = ckks.add %ra, %rb : (!ct, !ct) -> !ct
  %rc = ckks.rotate %c by 3 : !ct -> !ct
  %t = ckks.add %s, %rc : (!ct, !ct) -> !ct
  return %t, %s : !ct, !ct
}
