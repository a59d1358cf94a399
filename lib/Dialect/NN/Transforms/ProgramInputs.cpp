//===- ProgramInputs.cpp - inputs for passes that run the program ---------===//

#include "ProgramInputs.h"

#include "aegis/Support/Npy.h"

#include <random>

using namespace mlir;
using namespace mlir::aegis::nn;

func::FuncOp mlir::aegis::nn::findEntry(ModuleOp module, StringRef passName) {
  if (auto entry = module.lookupSymbol<func::FuncOp>("main"))
    return entry;
  auto funcs = module.getOps<func::FuncOp>();
  if (std::distance(funcs.begin(), funcs.end()) == 1)
    return *funcs.begin();
  emitError(module.getLoc()) << passName
                             << " needs a function named 'main' or a module "
                                "with exactly one function";
  return {};
}

FailureOr<SmallVector<Tensor>>
mlir::aegis::nn::loadProgramInputs(func::FuncOp entry,
                                   ArrayRef<std::string> files,
                                   int64_t randomSeed, StringRef passName) {
  SmallVector<Tensor> args;
  if (randomSeed >= 0) {
    if (!files.empty())
      return emitError(entry.getLoc())
             << passName << ": give either inputs= or random-inputs=, not both";
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
    return args;
  }
  if (files.size() != entry.getNumArguments())
    return emitError(entry.getLoc())
           << passName << ": " << entry.getNumArguments() << " inputs needed, "
           << files.size() << " given (inputs=a.npy,b.npy,...)";
  for (const std::string &path : files) {
    ::aegis::NpyArray array;
    std::string error;
    if (!::aegis::readNpy(path, array, error))
      return emitError(entry.getLoc()) << error;
    args.push_back(Tensor(array.shape, std::move(array.data)));
  }
  return args;
}
