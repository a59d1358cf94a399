//===- DistOps.h - dist dialect ops, types, attributes ----------*- C++ -*-===//

#ifndef AEGIS_DIALECT_DIST_IR_DISTOPS_H
#define AEGIS_DIALECT_DIST_IR_DISTOPS_H

#include "aegis/Dialect/CKKS/IR/CKKSTypes.h"
#include "aegis/Dialect/Dist/IR/DistDialect.h"

#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/IR/Attributes.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

#define GET_ATTRDEF_CLASSES
#include "aegis/Dialect/Dist/IR/DistAttributes.h.inc"

#define GET_TYPEDEF_CLASSES
#include "aegis/Dialect/Dist/IR/DistTypes.h.inc"

#define GET_OP_CLASSES
#include "aegis/Dialect/Dist/IR/DistOps.h.inc"

#endif // AEGIS_DIALECT_DIST_IR_DISTOPS_H
