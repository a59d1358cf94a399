//===- Interpret.cpp - run an nn program on .npy inputs -------------------===//

#include "ProgramInputs.h"

#include "aegis/Dialect/NN/Interpreter/Interpreter.h"
#include "aegis/Dialect/NN/Transforms/Passes.h"
#include "aegis/Support/Npy.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/raw_ostream.h"

#include <cmath>

namespace mlir::aegis::nn {
#define GEN_PASS_DEF_INTERPRET
#include "aegis/Dialect/NN/Transforms/Passes.h.inc"
} // namespace mlir::aegis::nn

using namespace mlir;
using namespace mlir::aegis::nn;

namespace {
std::string shapeString(const ::aegis::nn::Shape &shape) {
  std::string s;
  for (int64_t d : shape)
    s += (s.empty() ? "" : "x") + std::to_string(d);
  return "[" + s + "]";
}

struct InterpretPass
    : public mlir::aegis::nn::impl::InterpretBase<InterpretPass> {
  using InterpretBase::InterpretBase;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    func::FuncOp entry = findEntry(module, "aegis-nn-interpret");
    if (!entry)
      return signalPassFailure();
    auto loaded =
        loadProgramInputs(entry, inputs, randomSeed, "aegis-nn-interpret");
    if (failed(loaded))
      return signalPassFailure();
    SmallVector<Tensor> args = std::move(*loaded);
    auto results = interpret(entry, args);
    if (failed(results))
      return signalPassFailure();
    if (!outputs.empty() && outputs.size() != results->size()) {
      emitError(module.getLoc()) << "aegis-nn-interpret: " << results->size()
                         << " outputs produced, " << outputs.size()
                         << " output files given";
      return signalPassFailure();
    }
    if (!references.empty() && references.size() != results->size()) {
      emitError(module.getLoc()) << "aegis-nn-interpret: " << results->size()
                         << " outputs produced, " << references.size()
                         << " reference files given";
      return signalPassFailure();
    }
    bool ok = true;
    for (size_t i = 0; i < results->size(); ++i) {
      const Tensor &out = (*results)[i];
      if (!outputs.empty()) {
        ::aegis::NpyArray array{::aegis::NpyType::Float64, out.shape, out.data};
        std::string error;
        if (!::aegis::writeNpy(outputs[i], array, error)) {
          emitError(module.getLoc()) << error;
          return signalPassFailure();
        }
      }
      if (references.empty()) {
        llvm::errs() << "aegis-nn-interpret: output " << i << " "
                     << shapeString(out.shape) << "\n";
        continue;
      }
      ::aegis::NpyArray ref;
      std::string error;
      if (!::aegis::readNpy(references[i], ref, error)) {
        emitError(module.getLoc()) << error;
        return signalPassFailure();
      }
      if (ref.shape != out.shape) {
        emitError(module.getLoc()) << "aegis-nn-interpret: output " << i << " has shape "
                           << shapeString(out.shape) << " but the reference "
                           << references[i] << " has "
                           << shapeString(ref.shape);
        return signalPassFailure();
      }
      double maxErr = 0;
      for (size_t j = 0; j < out.data.size(); ++j) {
        double err = std::fabs(out.data[j] - ref.data[j]);
        if (std::isnan(err) || err > maxErr)
          maxErr = std::isnan(err) ? INFINITY : err;
      }
      llvm::errs() << "aegis-nn-interpret: output " << i << " "
                   << shapeString(out.shape) << ": max abs error "
                   << llvm::format("%.2e", maxErr) << " (tolerance "
                   << llvm::format("%.0e", tolerance.getValue()) << ") vs "
                   << references[i] << "\n";
      if (!(maxErr <= tolerance))
        ok = false;
    }
    if (!ok) {
      emitError(module.getLoc()) << "aegis-nn-interpret: outputs differ from the "
                            "references by more than the tolerance";
      signalPassFailure();
    }
    markAllAnalysesPreserved();
  }
};
} // namespace
