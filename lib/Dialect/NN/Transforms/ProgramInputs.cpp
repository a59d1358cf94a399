//===- ProgramInputs.cpp - inputs for passes that run the program ---------===//

#include "ProgramInputs.h"

#include "aegis/Dialect/NN/IR/NNOps.h"
#include "aegis/Support/Npy.h"

#include <algorithm>

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
      if (isa<FloatType>(type.getElementType())) {
        for (double &d : t.data)
          d = normal(rng);
      } else {
        // Indices of gathers (token ids): uniform below the smallest
        // gathered dimension (the vocabulary size).
        int64_t bound = 0;
        for (Operation *user : arg.getUsers())
          if (auto g = dyn_cast<GatherOp>(user); g && g.getIndices() == arg) {
            auto table = cast<RankedTensorType>(g.getInput().getType());
            int64_t axis = g.getAxis() < 0 ? g.getAxis() + table.getRank()
                                           : g.getAxis();
            int64_t n = table.getDimSize(axis);
            bound = bound ? std::min(bound, n) : n;
          }
        if (bound > 0) {
          std::uniform_int_distribution<int64_t> ids(0, bound - 1);
          for (double &d : t.data)
            d = double(ids(rng));
        }
      }
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
