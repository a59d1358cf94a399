//===- NNOps.h - nn operations ----------------------------------*- C++ -*-===//

#ifndef AEGIS_DIALECT_NN_IR_NNOPS_H
#define AEGIS_DIALECT_NN_IR_NNOPS_H

#include "aegis/Dialect/NN/IR/NNDialect.h"
#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/Interfaces/InferTypeOpInterface.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

#include <optional>

#define GET_OP_CLASSES
#include "aegis/Dialect/NN/IR/NNOps.h.inc"

namespace mlir::aegis::nn {

/// numpy broadcasting of two static shapes; std::nullopt if incompatible.
std::optional<SmallVector<int64_t>> broadcastShapes(ArrayRef<int64_t> a,
                                                    ArrayRef<int64_t> b);

/// Shape of a numpy matmul; std::nullopt if incompatible.
std::optional<SmallVector<int64_t>> matmulShape(ArrayRef<int64_t> a,
                                                ArrayRef<int64_t> b);

/// Normalises a possibly negative axis against a rank; -1 if out of range.
int64_t normalizeAxis(int64_t axis, int64_t rank);

/// Shape of an ONNX/numpy slice after clamping; empty optional if invalid.
std::optional<SmallVector<int64_t>>
sliceShape(ArrayRef<int64_t> shape, ArrayRef<int64_t> starts,
           ArrayRef<int64_t> ends, ArrayRef<int64_t> axes,
           ArrayRef<int64_t> steps);

} // namespace mlir::aegis::nn

#endif // AEGIS_DIALECT_NN_IR_NNOPS_H
