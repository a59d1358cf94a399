//===- ProgramInputs.h - inputs for passes that run the program -*- C++ -*-===//

#ifndef AEGIS_LIB_DIALECT_NN_TRANSFORMS_PROGRAMINPUTS_H
#define AEGIS_LIB_DIALECT_NN_TRANSFORMS_PROGRAMINPUTS_H

#include "aegis/Dialect/NN/Interpreter/Interpreter.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"

#include <string>

namespace mlir::aegis::nn {

/// The function a pass runs: `main`, or the module's only function. Emits an
/// error naming `passName` and returns null otherwise.
func::FuncOp findEntry(ModuleOp module, StringRef passName);

/// Inputs for `entry`: read from .npy `files` (one per argument), or, when
/// `randomSeed >= 0`, drawn from a standard normal distribution (integer
/// inputs used as gather indices are uniform valid indices, i.e. token ids
/// below the vocabulary size; other integer inputs are zero). Emits an error and fails on bad files or counts.
FailureOr<SmallVector<Tensor>> loadProgramInputs(func::FuncOp entry,
                                                 ArrayRef<std::string> files,
                                                 int64_t randomSeed,
                                                 StringRef passName);

/// Whether `op` may run in a client program (plaintext, before
/// encryption): the ops that combine embedding lookups.
bool isClientOp(Operation *op);
/// The client ops, for messages.
extern const char *kClientOpList;

} // namespace mlir::aegis::nn

#endif // AEGIS_LIB_DIALECT_NN_TRANSFORMS_PROGRAMINPUTS_H
