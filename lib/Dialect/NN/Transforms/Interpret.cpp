//===- Interpret.cpp - run an nn program on .npy inputs -------------------===//

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
    func::FuncOp entry = module.lookupSymbol<func::FuncOp>("main");
    if (!entry) {
      auto funcs = module.getOps<func::FuncOp>();
      if (std::distance(funcs.begin(), funcs.end()) == 1)
        entry = *funcs.begin();
    }
    if (!entry) {
      module.emitError() << "aegis-nn-interpret needs a function named 'main' "
                            "or a module with exactly one function";
      return signalPassFailure();
    }
    if (inputs.size() != entry.getNumArguments()) {
      entry.emitError() << "aegis-nn-interpret: " << entry.getNumArguments()
                        << " inputs needed, " << inputs.size()
                        << " given (inputs=a.npy,b.npy,...)";
      return signalPassFailure();
    }
    SmallVector<Tensor> args;
    for (const std::string &path : inputs) {
      ::aegis::NpyArray array;
      std::string error;
      if (!::aegis::readNpy(path, array, error)) {
        module.emitError() << error;
        return signalPassFailure();
      }
      args.push_back(Tensor(array.shape, std::move(array.data)));
    }
    auto results = interpret(entry, args);
    if (failed(results))
      return signalPassFailure();
    if (!outputs.empty() && outputs.size() != results->size()) {
      module.emitError() << "aegis-nn-interpret: " << results->size()
                         << " outputs produced, " << outputs.size()
                         << " output files given";
      return signalPassFailure();
    }
    if (!references.empty() && references.size() != results->size()) {
      module.emitError() << "aegis-nn-interpret: " << results->size()
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
          module.emitError() << error;
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
        module.emitError() << error;
        return signalPassFailure();
      }
      if (ref.shape != out.shape) {
        module.emitError() << "aegis-nn-interpret: output " << i << " has shape "
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
      module.emitError() << "aegis-nn-interpret: outputs differ from the "
                            "references by more than the tolerance";
      signalPassFailure();
    }
    markAllAnalysesPreserved();
  }
};
} // namespace
