//===- NNDialect.cpp - nn dialect registration ----------------------------===//

#include "aegis/Dialect/NN/IR/NNDialect.h"
#include "aegis/Dialect/NN/IR/NNOps.h"

using namespace mlir;
using namespace mlir::aegis::nn;

#include "aegis/Dialect/NN/IR/NNDialect.cpp.inc"

void NNDialect::initialize() {
  addOperations<
#define GET_OP_LIST
#include "aegis/Dialect/NN/IR/NNOps.cpp.inc"
      >();
}
