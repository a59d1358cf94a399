//===- CKKSTypes.h - CKKS types and attributes ------------------*- C++ -*-===//

#ifndef AEGIS_DIALECT_CKKS_IR_CKKSTYPES_H
#define AEGIS_DIALECT_CKKS_IR_CKKSTYPES_H

#include "aegis/Dialect/CKKS/IR/CKKSDialect.h"
#include "mlir/IR/Attributes.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/Types.h"

#define GET_TYPEDEF_CLASSES
#include "aegis/Dialect/CKKS/IR/CKKSTypes.h.inc"

#define GET_ATTRDEF_CLASSES
#include "aegis/Dialect/CKKS/IR/CKKSAttributes.h.inc"

namespace mlir::aegis::ckks {

/// Returns the `ckks.params` attribute of the closest enclosing operation
/// that carries one, or a null attribute.
ParamsAttr lookupParams(Operation *op);

} // namespace mlir::aegis::ckks

#endif // AEGIS_DIALECT_CKKS_IR_CKKSTYPES_H
