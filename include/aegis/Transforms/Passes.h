//===- Passes.h - passes that span dialects (distribution) ------*- C++ -*-===//

#ifndef AEGIS_TRANSFORMS_PASSES_H
#define AEGIS_TRANSFORMS_PASSES_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/Pass.h"

namespace mlir::aegis::dist {

#define GEN_PASS_DECL
#include "aegis/Transforms/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "aegis/Transforms/Passes.h.inc"

} // namespace mlir::aegis::dist

#endif // AEGIS_TRANSFORMS_PASSES_H
