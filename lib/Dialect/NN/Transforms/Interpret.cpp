//===- Interpret.cpp - run an nn program on .npy inputs -------------------===//

#include "aegis/Dialect/NN/Interpreter/Interpreter.h"
#include "aegis/Dialect/NN/Transforms/Passes.h"
#include "aegis/Support/Npy.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/raw_ostream.h"

#include <cmath>
#include <random>

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
      emitError(module.getLoc()) << "aegis-nn-interpret needs a function named 'main' "
                            "or a module with exactly one function";
      return signalPassFailure();
    }
    SmallVector<Tensor> args;
    if (randomSeed >= 0) {
      if (!inputs.empty()) {
        emitError(module.getLoc()) << "aegis-nn-interpret: give either inputs= or "
                              "random-inputs=, not both";
        return signalPassFailure();
      }
      std::mt19937_64 rng(randomSeed);
      std::normal_distribution<double> normal;
      for (BlockArgument arg : entry.getArguments()) {
        auto type = cast<RankedTensorType>(arg.getType());
        Tensor t(::aegis::nn::Shape(type.getShape().begin(),
                                    type.getShape().end()));
        if (isa<FloatType>(type.getElementType()))
          for (double &d : t.data)
            d = normal(rng);
        args.push_back(std::move(t));
      }
    } else if (inputs.size() != entry.getNumArguments()) {
      emitError(entry.getLoc()) << "aegis-nn-interpret: " << entry.getNumArguments()
                        << " inputs needed, " << inputs.size()
                        << " given (inputs=a.npy,b.npy,...)";
      return signalPassFailure();
    }
    for (const std::string &path : inputs) {
      ::aegis::NpyArray array;
      std::string error;
      if (!::aegis::readNpy(path, array, error)) {
        emitError(module.getLoc()) << error;
        return signalPassFailure();
      }
      args.push_back(Tensor(array.shape, std::move(array.data)));
    }
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
