//===- NNDialect.h - nn dialect ---------------------------------*- C++ -*-===//

#ifndef AEGIS_DIALECT_NN_IR_NNDIALECT_H
#define AEGIS_DIALECT_NN_IR_NNDIALECT_H

#include "mlir/IR/Dialect.h"

#include "aegis/Dialect/NN/IR/NNDialect.h.inc"

#endif // AEGIS_DIALECT_NN_IR_NNDIALECT_H
