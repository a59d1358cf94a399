//===- DistDialect.h - dist dialect -----------------------------*- C++ -*-===//

#ifndef AEGIS_DIALECT_DIST_IR_DISTDIALECT_H
#define AEGIS_DIALECT_DIST_IR_DISTDIALECT_H

#include "mlir/Dialect/Shard/IR/ShardDialect.h"
#include "mlir/IR/Dialect.h"

#include "aegis/Dialect/Dist/IR/DistDialect.h.inc"

#endif // AEGIS_DIALECT_DIST_IR_DISTDIALECT_H
