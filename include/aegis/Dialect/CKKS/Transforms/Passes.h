//===- Passes.h - CKKS dialect passes ---------------------------*- C++ -*-===//

#ifndef AEGIS_DIALECT_CKKS_TRANSFORMS_PASSES_H
#define AEGIS_DIALECT_CKKS_TRANSFORMS_PASSES_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/Pass.h"

namespace mlir::aegis::ckks {

#define GEN_PASS_DECL
#include "aegis/Dialect/CKKS/Transforms/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "aegis/Dialect/CKKS/Transforms/Passes.h.inc"

} // namespace mlir::aegis::ckks

#endif // AEGIS_DIALECT_CKKS_TRANSFORMS_PASSES_H
