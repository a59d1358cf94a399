//===- Interpreter.h - float64 reference interpreter for nn -----*- C++ -*-===//
//
// Runs an nn function on concrete inputs in float64. Used to check the
// importer against reference outputs, to fold constant subgraphs during
// import, and (later) to calibrate the value range entering every
// non-linear op.
//
//===----------------------------------------------------------------------===//

#ifndef AEGIS_DIALECT_NN_INTERPRETER_INTERPRETER_H
#define AEGIS_DIALECT_NN_INTERPRETER_INTERPRETER_H

#include "aegis/Dialect/NN/Interpreter/Kernels.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/Support/LLVM.h"
#include "llvm/ADT/DenseMap.h"

#include <memory>

namespace mlir::aegis::nn {

using ::aegis::nn::Tensor;

/// Sees every op the interpreter executes, with its operand and result
/// values (for calibration of value ranges).
class InterpreterObserver {
public:
  virtual ~InterpreterObserver() = default;
  virtual void onOperation(Operation *op, ArrayRef<const Tensor *> operands,
                           ArrayRef<const Tensor *> results) = 0;
};

/// Evaluates one nn op on the given operand values. Emits an error at the
/// op and fails for unsupported ops and data-dependent errors (e.g. a gather
/// index out of range).
LogicalResult evaluateOperation(Operation *op,
                                ArrayRef<const Tensor *> operands,
                                SmallVectorImpl<Tensor> &results);

/// What interpreting a function holds in memory at most (every value in
/// float64, plus attention score matrices), and its largest value.
struct InterpreterMemoryEstimate {
  uint64_t totalBytes = 0;
  uint64_t largestBytes = 0;
  Operation *largestOp = nullptr;
  std::string largestShape;
};
InterpreterMemoryEstimate estimateInterpreterMemory(func::FuncOp fn);

/// The environment variable that sets the interpreter's memory limit in GB.
constexpr const char *kMemoryLimitEnv = "AEGIS_MEMORY_LIMIT_GB";
/// That limit: AEGIS_MEMORY_LIMIT_GB, else 3/4 of the physical memory.
uint64_t interpreterMemoryLimit();

/// The constants of the functions interpret() runs, read once and kept for
/// later runs (calibration interprets the same function on many samples).
/// Keyed by op: valid while the IR stays unchanged.
class InterpreterConstants {
public:
  /// The value of `op`, an nn.constant, read on first use.
  FailureOr<const Tensor *> get(Operation *op);

private:
  llvm::DenseMap<Operation *, std::unique_ptr<Tensor>> tensors;
};

/// Runs `fn` on `inputs` (one per argument, shapes must match). Refuses,
/// before any work, a function whose estimated memory exceeds
/// interpreterMemoryLimit(). Constants come from `constants` when given,
/// else are read on every run.
FailureOr<SmallVector<Tensor>>
interpret(func::FuncOp fn, ArrayRef<Tensor> inputs,
          InterpreterObserver *observer = nullptr,
          InterpreterConstants *constants = nullptr);

/// Reads a dense or dense_resource constant into a tensor.
FailureOr<Tensor> tensorFromAttr(ElementsAttr attr, Location loc);

/// Builds a dense attribute of `type` holding `tensor`'s values (converted
/// to the element type: f32/f64 rounded, integers truncated, i1 != 0).
DenseElementsAttr tensorToAttr(const Tensor &tensor, RankedTensorType type);

} // namespace mlir::aegis::nn

#endif // AEGIS_DIALECT_NN_INTERPRETER_INTERPRETER_H
