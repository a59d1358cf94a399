//===- EmitArtifact.h - ckks programs to aegis-run artifacts ----*- C++ -*-===//
//
// The artifact emitter, shared by the pass `aegis-ckks-emit-artifact`
// (aegis-opt, the last step of --aegis-compile) and the translation
// `--aegis-to-artifact` (aegis-translate).
//
//===----------------------------------------------------------------------===//

#ifndef AEGIS_TARGET_ARTIFACT_EMITARTIFACT_H
#define AEGIS_TARGET_ARTIFACT_EMITARTIFACT_H

#include "aegis/Runtime/Artifact/Artifact.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/Support/LLVM.h"

namespace mlir::aegis {

/// The artifact of `module`'s entry function (`main`, or the only function)
/// and its `client` prefix. `security` is "128" (refuse parameters below
/// 128-bit security) or "toy" (allow them, mark the artifact insecure).
/// Emits a diagnostic and fails on anything an artifact cannot hold.
FailureOr<::aegis::Artifact> buildArtifact(ModuleOp module,
                                          llvm::StringRef security);

/// Registers `--aegis-to-artifact` (and its option
/// `--aegis-artifact-security=128|toy`) with mlir-translate's registry.
void registerToArtifactTranslation();

} // namespace mlir::aegis

#endif // AEGIS_TARGET_ARTIFACT_EMITARTIFACT_H
