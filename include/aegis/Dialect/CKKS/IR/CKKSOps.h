//===- CKKSOps.h - CKKS operations ------------------------------*- C++ -*-===//

#ifndef AEGIS_DIALECT_CKKS_IR_CKKSOPS_H
#define AEGIS_DIALECT_CKKS_IR_CKKSOPS_H

#include "aegis/Dialect/CKKS/IR/CKKSDialect.h"
#include "aegis/Dialect/CKKS/IR/CKKSTypes.h"
#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

#define GET_OP_CLASSES
#include "aegis/Dialect/CKKS/IR/CKKSOps.h.inc"

#endif // AEGIS_DIALECT_CKKS_IR_CKKSOPS_H
