//===- Passes.h - nn dialect passes -----------------------------*- C++ -*-===//

#ifndef AEGIS_DIALECT_NN_TRANSFORMS_PASSES_H
#define AEGIS_DIALECT_NN_TRANSFORMS_PASSES_H

#include "aegis/Dialect/NN/IR/NNDialect.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/Pass.h"

namespace mlir::aegis::nn {

#define GEN_PASS_DECL
#include "aegis/Dialect/NN/Transforms/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "aegis/Dialect/NN/Transforms/Passes.h.inc"

} // namespace mlir::aegis::nn

#endif // AEGIS_DIALECT_NN_TRANSFORMS_PASSES_H
