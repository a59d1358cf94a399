//===- CKKSDialect.h - CKKS dialect -----------------------------*- C++ -*-===//

#ifndef AEGIS_DIALECT_CKKS_IR_CKKSDIALECT_H
#define AEGIS_DIALECT_CKKS_IR_CKKSDIALECT_H

#include "mlir/IR/Dialect.h"

#include "aegis/Dialect/CKKS/IR/CKKSDialect.h.inc"

#endif // AEGIS_DIALECT_CKKS_IR_CKKSDIALECT_H
