// RUN: aegis-opt %s --canonicalize --split-input-file | FileCheck %s

!ct = !ckks.ct<slots = 8, level = 3, logScale = 40>

// CHECK-LABEL: func.func @double_negate
// CHECK-SAME: (%[[A:.*]]: !ct_L3_S40)
// CHECK-NOT: ckks.negate
// CHECK: return %[[A]]
func.func @double_negate(%a: !ct) -> !ct {
  %0 = ckks.negate %a : !ct -> !ct
  %1 = ckks.negate %0 : !ct -> !ct
  return %1 : !ct
}

// CHECK-LABEL: func.func @double_conjugate
// CHECK-SAME: (%[[A:.*]]: !ct_L3_S40)
// CHECK-NOT: ckks.conjugate
// CHECK: return %[[A]]
func.func @double_conjugate(%a: !ct) -> !ct {
  %0 = ckks.conjugate %a : !ct -> !ct
  %1 = ckks.conjugate %0 : !ct -> !ct
  return %1 : !ct
}

// CHECK-LABEL: func.func @rotate_zero
// CHECK-SAME: (%[[A:.*]]: !ct_L3_S40)
// CHECK-NOT: ckks.rotate
// CHECK: return %[[A]]
func.func @rotate_zero(%a: !ct) -> !ct {
  %0 = ckks.rotate %a by 0 : !ct -> !ct
  return %0 : !ct
}

// Two rotations become one (one key switch instead of two); the offset is
// normalised to the representative of smallest magnitude.
// CHECK-LABEL: func.func @rotate_combine
// CHECK-SAME: (%[[A:.*]]: !ct_L3_S40)
// CHECK: %[[R:.*]] = ckks.rotate %[[A]] by -2
// CHECK-NOT: ckks.rotate
// CHECK: return %[[R]]
func.func @rotate_combine(%a: !ct) -> !ct {
  %0 = ckks.rotate %a by 3 : !ct -> !ct
  %1 = ckks.rotate %0 by 3 : !ct -> !ct
  return %1 : !ct
}

// CHECK-LABEL: func.func @rotate_cancel
// CHECK-SAME: (%[[A:.*]]: !ct_L3_S40)
// CHECK-NOT: ckks.rotate
// CHECK: return %[[A]]
func.func @rotate_cancel(%a: !ct) -> !ct {
  %0 = ckks.rotate %a by 5 : !ct -> !ct
  %1 = ckks.rotate %0 by -5 : !ct -> !ct
  return %1 : !ct
}

// CHECK-LABEL: func.func @add_zero
// CHECK-SAME: (%[[A:.*]]: !ct_L3_S40)
// CHECK-NOT: ckks.add_const
// CHECK: return %[[A]]
func.func @add_zero(%a: !ct) -> !ct {
  %0 = ckks.add_const %a, 0.0 : !ct -> !ct
  return %0 : !ct
}

// CHECK-LABEL: func.func @mul_one
// CHECK-SAME: (%[[A:.*]]: !ct_L3_S40)
// CHECK-NOT: ckks.mul_const
// CHECK: return %[[A]]
func.func @mul_one(%a: !ct) -> !ct {
  %0 = ckks.mul_const %a, 1.0 : !ct -> !ct
  return %0 : !ct
}

// Multiplying by 1 at a higher scale still changes the scale: kept.
// CHECK-LABEL: func.func @mul_one_rescaled
// CHECK: ckks.mul_const
func.func @mul_one_rescaled(%a: !ct) -> !ckks.ct<slots = 8, level = 3, logScale = 80> {
  %0 = ckks.mul_const %a, 1.0 : !ct -> !ckks.ct<slots = 8, level = 3, logScale = 80>
  return %0 : !ckks.ct<slots = 8, level = 3, logScale = 80>
}

// CHECK-LABEL: func.func @level_down_same
// CHECK-SAME: (%[[A:.*]]: !ct_L3_S40)
// CHECK-NOT: ckks.level_down
// CHECK: return %[[A]]
func.func @level_down_same(%a: !ct) -> !ct {
  %0 = ckks.level_down %a : !ct -> !ct
  return %0 : !ct
}

// Dead ciphertext arithmetic is removed (ops are Pure).
// CHECK-LABEL: func.func @dead
// CHECK-NOT: ckks.
// CHECK: return
func.func @dead(%a: !ct) -> !ct {
  %0 = ckks.mul %a, %a : (!ct, !ct) -> !ckks.ct<slots = 8, level = 3, logScale = 80, size = 3>
  return %a : !ct
}
