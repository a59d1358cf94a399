//===- Passes.h - nn to ckks lowering ---------------------------*- C++ -*-===//

#ifndef AEGIS_CONVERSION_NNTOCKKS_PASSES_H
#define AEGIS_CONVERSION_NNTOCKKS_PASSES_H

#include "aegis/Dialect/CKKS/IR/CKKSDialect.h"
#include "aegis/Dialect/NN/IR/NNDialect.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/Pass.h"

#include <string>

namespace mlir::aegis {

#define GEN_PASS_DECL
#include "aegis/Conversion/NNToCKKS/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "aegis/Conversion/NNToCKKS/Passes.h.inc"

/// Registers the `aegis-compile` pipeline (fuse, calibrate, lower, emit).
/// Its artifact goes to `output=` or, when omitted, to the path set here
/// (aegis-opt passes its -o).
void setCompileOutput(const std::string &path);
void registerCompilePipeline();

} // namespace mlir::aegis

#endif // AEGIS_CONVERSION_NNTOCKKS_PASSES_H
