//===- NNOps.cpp - nn operation verifiers and shape rules -----------------===//

#include "aegis/Dialect/NN/IR/NNOps.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/TypeUtilities.h"
#include "mlir/IR/OpImplementation.h"
#include "llvm/ADT/STLExtras.h"

#include <algorithm>

using namespace mlir;
using namespace mlir::aegis::nn;

#define GET_OP_CLASSES
#include "aegis/Dialect/NN/IR/NNOps.cpp.inc"

//===----------------------------------------------------------------------===//
// Shape rules shared with the importer and the interpreter
//===----------------------------------------------------------------------===//

std::optional<SmallVector<int64_t>>
mlir::aegis::nn::broadcastShapes(ArrayRef<int64_t> a, ArrayRef<int64_t> b) {
  size_t rank = std::max(a.size(), b.size());
  SmallVector<int64_t> out(rank);
  for (size_t i = 0; i < rank; ++i) {
    int64_t da = i < rank - a.size() ? 1 : a[i - (rank - a.size())];
    int64_t db = i < rank - b.size() ? 1 : b[i - (rank - b.size())];
    if (da != db && da != 1 && db != 1)
      return std::nullopt;
    out[i] = da == 1 ? db : da;
  }
  return out;
}

std::optional<SmallVector<int64_t>>
mlir::aegis::nn::matmulShape(ArrayRef<int64_t> a, ArrayRef<int64_t> b) {
  if (a.empty() || b.empty())
    return std::nullopt;
  SmallVector<int64_t> sa(a), sb(b);
  bool promotedA = sa.size() == 1, promotedB = sb.size() == 1;
  if (promotedA)
    sa.insert(sa.begin(), 1);
  if (promotedB)
    sb.push_back(1);
  if (sa.back() != sb[sb.size() - 2])
    return std::nullopt;
  auto batch = broadcastShapes(ArrayRef<int64_t>(sa).drop_back(2),
                               ArrayRef<int64_t>(sb).drop_back(2));
  if (!batch)
    return std::nullopt;
  SmallVector<int64_t> out(*batch);
  if (!promotedA)
    out.push_back(sa[sa.size() - 2]);
  if (!promotedB)
    out.push_back(sb.back());
  return out;
}

int64_t mlir::aegis::nn::normalizeAxis(int64_t axis, int64_t rank) {
  if (axis < -rank || axis >= rank)
    return -1;
  return axis < 0 ? axis + rank : axis;
}

std::optional<SmallVector<int64_t>>
mlir::aegis::nn::sliceShape(ArrayRef<int64_t> shape, ArrayRef<int64_t> starts,
                            ArrayRef<int64_t> ends, ArrayRef<int64_t> axes,
                            ArrayRef<int64_t> steps) {
  if (starts.size() != ends.size() || starts.size() != axes.size() ||
      starts.size() != steps.size())
    return std::nullopt;
  SmallVector<int64_t> out(shape);
  for (size_t i = 0; i < axes.size(); ++i) {
    int64_t axis = normalizeAxis(axes[i], shape.size());
    if (axis < 0 || steps[i] == 0)
      return std::nullopt;
    int64_t dim = shape[axis];
    int64_t start = starts[i] < 0 ? starts[i] + dim : starts[i];
    int64_t end = ends[i] < 0 ? ends[i] + dim : ends[i];
    int64_t step = steps[i];
    int64_t count;
    if (step > 0) {
      start = std::clamp<int64_t>(start, 0, dim);
      end = std::clamp<int64_t>(end, 0, dim);
      count = end > start ? (end - start + step - 1) / step : 0;
    } else {
      start = std::clamp<int64_t>(start, 0, dim - 1);
      end = std::clamp<int64_t>(end, -1, dim - 1);
      count = start > end ? (start - end - step - 1) / -step : 0;
    }
    out[axis] = count;
  }
  return out;
}

//===----------------------------------------------------------------------===//
// Helpers
//===----------------------------------------------------------------------===//

namespace {
RankedTensorType tensorType(Value v) {
  return cast<RankedTensorType>(v.getType());
}

std::string shapeString(ArrayRef<int64_t> shape) {
  std::string s;
  llvm::raw_string_ostream os(s);
  os << "[";
  llvm::interleave(shape, os, "x");
  os << "]";
  return s;
}

LogicalResult expectShape(Operation *op, ArrayRef<int64_t> expected) {
  auto result = cast<RankedTensorType>(op->getResult(0).getType());
  if (result.getShape() != expected)
    return op->emitOpError() << "expects result shape " << shapeString(expected)
                             << ", got " << shapeString(result.getShape());
  return success();
}

LogicalResult expectSameElementType(Operation *op, Type a, Type b,
                                    StringRef what) {
  if (getElementTypeOrSelf(a) != getElementTypeOrSelf(b))
    return op->emitOpError() << "expects " << what
                             << " to have the same element type, got "
                             << getElementTypeOrSelf(a) << " and "
                             << getElementTypeOrSelf(b);
  return success();
}

LogicalResult verifyAxis(Operation *op, int64_t axis, int64_t rank) {
  if (normalizeAxis(axis, rank) < 0)
    return op->emitOpError() << "axis " << axis << " is out of range for rank "
                             << rank;
  return success();
}
} // namespace

//===----------------------------------------------------------------------===//
// Verifiers
//===----------------------------------------------------------------------===//

LogicalResult ConstantOp::verify() {
  auto type = cast<ShapedType>(getValue().getType());
  if (type != getOutput().getType())
    return emitOpError() << "expects the value type " << type
                         << " to match the result type "
                         << getOutput().getType();
  return success();
}

OpFoldResult ConstantOp::fold(FoldAdaptor) { return getValue(); }

LogicalResult ConstantOp::inferReturnTypes(
    MLIRContext *context, std::optional<Location> location, ValueRange operands,
    DictionaryAttr attributes, OpaqueProperties properties, RegionRange regions,
    SmallVectorImpl<Type> &inferred) {
  ConstantOp::Adaptor adaptor(operands, attributes, properties, regions);
  auto value = dyn_cast_or_null<ElementsAttr>(adaptor.getValueAttr());
  if (!value)
    return failure();
  inferred.push_back(value.getType());
  return success();
}

LogicalResult MatMulOp::verify() {
  auto shape = matmulShape(tensorType(getLhs()).getShape(),
                           tensorType(getRhs()).getShape());
  if (!shape)
    return emitOpError() << "cannot multiply shapes "
                         << shapeString(tensorType(getLhs()).getShape())
                         << " and "
                         << shapeString(tensorType(getRhs()).getShape());
  if (failed(expectSameElementType(*this, getLhs().getType(),
                                   getRhs().getType(), "operands")))
    return failure();
  return expectShape(*this, *shape);
}

LogicalResult GemmOp::verify() {
  auto a = tensorType(getA()).getShape(), b = tensorType(getB()).getShape();
  if (a.size() != 2 || b.size() != 2)
    return emitOpError() << "expects 2-D A and B, got ranks " << a.size()
                         << " and " << b.size();
  int64_t m = getTransA() ? a[1] : a[0], k = getTransA() ? a[0] : a[1];
  int64_t kb = getTransB() ? b[1] : b[0], n = getTransB() ? b[0] : b[1];
  if (k != kb)
    return emitOpError() << "inner dimensions differ: " << k << " and " << kb;
  if (getC()) {
    auto c = tensorType(getC()).getShape();
    auto bc = broadcastShapes(c, {m, n});
    if (!bc || *bc != ArrayRef<int64_t>{m, n})
      return emitOpError() << "bias of shape " << shapeString(c)
                           << " does not broadcast to " << shapeString({m, n});
  }
  return expectShape(*this, {m, n});
}

static LogicalResult verifyBroadcastBinary(Operation *op) {
  auto lhs = cast<RankedTensorType>(op->getOperand(0).getType());
  auto rhs = cast<RankedTensorType>(op->getOperand(1).getType());
  auto shape = broadcastShapes(lhs.getShape(), rhs.getShape());
  if (!shape)
    return op->emitOpError() << "cannot broadcast shapes "
                             << shapeString(lhs.getShape()) << " and "
                             << shapeString(rhs.getShape());
  if (failed(expectSameElementType(op, lhs, rhs, "operands")) ||
      failed(expectSameElementType(op, lhs, op->getResult(0).getType(),
                                   "operands and result")))
    return failure();
  return expectShape(op, *shape);
}

LogicalResult AddOp::verify() { return verifyBroadcastBinary(*this); }
LogicalResult SubOp::verify() { return verifyBroadcastBinary(*this); }
LogicalResult MulOp::verify() { return verifyBroadcastBinary(*this); }
LogicalResult DivOp::verify() { return verifyBroadcastBinary(*this); }
LogicalResult PowOp::verify() { return verifyBroadcastBinary(*this); }

LogicalResult GeluOp::verify() {
  if (getApproximate() != "none" && getApproximate() != "tanh")
    return emitOpError() << "approximate must be \"none\" or \"tanh\", got \""
                         << getApproximate() << "\"";
  return success();
}

LogicalResult CastOp::verify() {
  if (tensorType(getInput()).getShape() != tensorType(getOutput()).getShape())
    return emitOpError() << "cannot change the shape";
  return success();
}

LogicalResult CompareOp::verify() {
  StringRef p = getPredicate();
  if (p != "eq" && p != "lt" && p != "gt" && p != "and" && p != "or")
    return emitOpError() << "predicate must be eq, lt, gt, and or or, got '"
                         << p << "'";
  auto lhs = tensorType(getLhs()), rhs = tensorType(getRhs());
  auto shape = broadcastShapes(lhs.getShape(), rhs.getShape());
  if (!shape)
    return emitOpError() << "cannot broadcast shapes "
                         << shapeString(lhs.getShape()) << " and "
                         << shapeString(rhs.getShape());
  if (failed(expectSameElementType(*this, lhs, rhs, "operands")))
    return failure();
  if (!tensorType(getOutput()).getElementType().isInteger(1))
    return emitOpError() << "expects an i1 result";
  return expectShape(*this, *shape);
}

LogicalResult NotOp::verify() {
  if (!tensorType(getInput()).getElementType().isInteger(1))
    return emitOpError() << "expects an i1 operand";
  return success();
}

LogicalResult CumSumOp::verify() {
  int64_t rank = tensorType(getInput()).getRank();
  if (rank == 0 || normalizeAxis(getAxis(), rank) < 0)
    return emitOpError() << "axis " << getAxis() << " out of range for rank "
                         << rank;
  return success();
}

LogicalResult IsNanOp::verify() {
  auto out = tensorType(getOutput());
  if (tensorType(getInput()).getShape() != out.getShape())
    return emitOpError() << "cannot change the shape";
  if (!out.getElementType().isInteger(1))
    return emitOpError() << "expects an i1 result, got " << out.getElementType();
  return success();
}

LogicalResult WhereOp::verify() {
  auto cond = tensorType(getCondition());
  if (!cond.getElementType().isInteger(1))
    return emitOpError() << "expects an i1 condition, got "
                         << cond.getElementType();
  auto xy = broadcastShapes(tensorType(getLhs()).getShape(),
                            tensorType(getRhs()).getShape());
  auto all = xy ? broadcastShapes(cond.getShape(), *xy) : std::nullopt;
  if (!all)
    return emitOpError() << "condition and values do not broadcast together";
  if (failed(expectSameElementType(*this, getLhs().getType(),
                                   getRhs().getType(), "values")))
    return failure();
  return expectShape(*this, *all);
}

static LogicalResult verifyReduce(Operation *op, ArrayRef<int64_t> axes,
                                  bool keepdims) {
  auto in = cast<RankedTensorType>(op->getOperand(0).getType()).getShape();
  SmallVector<bool> reduced(in.size(), false);
  for (int64_t axis : axes) {
    int64_t a = normalizeAxis(axis, in.size());
    if (a < 0)
      return op->emitOpError() << "axis " << axis
                               << " is out of range for rank " << in.size();
    if (reduced[a])
      return op->emitOpError() << "axis " << axis << " is listed twice";
    reduced[a] = true;
  }
  SmallVector<int64_t> out;
  for (size_t i = 0; i < in.size(); ++i) {
    bool r = axes.empty() || reduced[i];
    if (!r)
      out.push_back(in[i]);
    else if (keepdims)
      out.push_back(1);
  }
  return expectShape(op, out);
}

LogicalResult ReduceMeanOp::verify() {
  return verifyReduce(*this, getAxes(), getKeepdims());
}
LogicalResult ReduceSumOp::verify() {
  return verifyReduce(*this, getAxes(), getKeepdims());
}

LogicalResult SoftmaxOp::verify() {
  return verifyAxis(*this, static_cast<int64_t>(getAxis()), tensorType(getInput()).getRank());
}

LogicalResult LayerNormOp::verify() {
  auto in = tensorType(getInput()).getShape();
  int64_t axis = normalizeAxis(getAxis(), in.size());
  if (axis < 0)
    return emitOpError() << "axis " << static_cast<int64_t>(getAxis())
                         << " is out of range for rank " << in.size();
  ArrayRef<int64_t> normalized = in.drop_front(axis);
  for (Value param : {getScale(), getBias()}) {
    if (!param)
      continue;
    auto shape = tensorType(param).getShape();
    auto bc = broadcastShapes(shape, normalized);
    if (!bc || *bc != normalized)
      return emitOpError() << "scale/bias of shape " << shapeString(shape)
                           << " does not broadcast to the normalised shape "
                           << shapeString(normalized);
  }
  if (getEpsilon().convertToDouble() < 0)
    return emitOpError() << "epsilon must be non-negative";
  return expectShape(*this, in);
}

LogicalResult AttentionOp::verify() {
  auto q = tensorType(getQuery()).getShape();
  auto k = tensorType(getKey()).getShape();
  auto v = tensorType(getValue()).getShape();
  if (q.size() < 2 || k.size() < 2 || v.size() < 2)
    return emitOpError() << "expects query, key and value of rank >= 2";
  if (q.back() != k.back())
    return emitOpError() << "query and key head sizes differ: " << q.back()
                         << " and " << k.back();
  if (k[k.size() - 2] != v[v.size() - 2])
    return emitOpError() << "key and value lengths differ: "
                         << k[k.size() - 2] << " and " << v[v.size() - 2];
  auto batch = broadcastShapes(q.drop_back(2), k.drop_back(2));
  if (batch)
    batch = broadcastShapes(*batch, v.drop_back(2));
  if (!batch)
    return emitOpError() << "batch dimensions of query, key and value do not "
                            "broadcast";
  SmallVector<int64_t> scores(*batch);
  scores.push_back(q[q.size() - 2]);
  scores.push_back(k[k.size() - 2]);
  if (getMask()) {
    auto m = tensorType(getMask()).getShape();
    auto bc = broadcastShapes(m, scores);
    if (!bc || *bc != ArrayRef<int64_t>(scores))
      return emitOpError() << "mask of shape " << shapeString(m)
                           << " does not broadcast to the scores "
                           << shapeString(scores);
  }
  SmallVector<int64_t> out(*batch);
  out.push_back(q[q.size() - 2]);
  out.push_back(v.back());
  return expectShape(*this, out);
}

LogicalResult ReshapeOp::verify() {
  auto in = tensorType(getInput()), out = tensorType(getOutput());
  if (in.getNumElements() != out.getNumElements())
    return emitOpError() << "cannot reshape " << in.getNumElements()
                         << " elements into " << out.getNumElements();
  return expectSameElementType(*this, in, out, "input and result");
}

OpFoldResult ReshapeOp::fold(FoldAdaptor) {
  if (getInput().getType() == getOutput().getType())
    return getInput();
  return {};
}

LogicalResult TransposeOp::verify() {
  auto in = tensorType(getInput()).getShape();
  ArrayRef<int64_t> perm = getPerm();
  if (perm.size() != in.size())
    return emitOpError() << "perm has " << perm.size()
                         << " entries for rank " << in.size();
  SmallVector<bool> seen(in.size(), false);
  SmallVector<int64_t> out;
  for (int64_t p : perm) {
    if (p < 0 || p >= static_cast<int64_t>(in.size()) || seen[p])
      return emitOpError() << "perm is not a permutation of 0.."
                           << in.size() - 1;
    seen[p] = true;
    out.push_back(in[p]);
  }
  return expectShape(*this, out);
}

LogicalResult ExpandOp::verify() {
  auto in = tensorType(getInput()).getShape();
  auto out = tensorType(getOutput()).getShape();
  auto bc = broadcastShapes(in, out);
  if (!bc || *bc != out)
    return emitOpError() << "cannot broadcast " << shapeString(in) << " to "
                         << shapeString(out);
  return success();
}

LogicalResult SliceOp::verify() {
  auto shape = sliceShape(tensorType(getInput()).getShape(), getStarts(),
                          getEnds(), getAxes(), getSteps());
  if (!shape)
    return emitOpError() << "expects starts, ends, axes and steps of equal "
                            "length, axes in range and non-zero steps";
  return expectShape(*this, *shape);
}

LogicalResult ConcatOp::verify() {
  if (getInputs().empty())
    return emitOpError() << "expects at least one input";
  auto first = tensorType(getInputs().front()).getShape();
  int64_t axis = normalizeAxis(getAxis(), first.size());
  if (axis < 0)
    return emitOpError() << "axis " << static_cast<int64_t>(getAxis())
                         << " is out of range for rank " << first.size();
  SmallVector<int64_t> out(first);
  out[axis] = 0;
  for (Value in : getInputs()) {
    auto s = tensorType(in).getShape();
    if (s.size() != first.size())
      return emitOpError() << "expects inputs of equal rank";
    for (size_t i = 0; i < s.size(); ++i)
      if (static_cast<int64_t>(i) != axis && s[i] != first[i])
        return emitOpError() << "inputs differ in dimension " << i
                             << " (not the concatenation axis)";
    out[axis] += s[axis];
  }
  return expectShape(*this, out);
}

LogicalResult SplitOp::verify() {
  auto in = tensorType(getInput()).getShape();
  int64_t axis = normalizeAxis(getAxis(), in.size());
  if (axis < 0)
    return emitOpError() << "axis " << static_cast<int64_t>(getAxis())
                         << " is out of range for rank " << in.size();
  int64_t total = 0;
  for (Value out : getOutputs()) {
    auto s = tensorType(out).getShape();
    if (s.size() != in.size())
      return emitOpError() << "expects results of the input's rank";
    for (size_t i = 0; i < s.size(); ++i)
      if (static_cast<int64_t>(i) != axis && s[i] != in[i])
        return emitOpError() << "result differs from the input in dimension "
                             << i;
    total += s[axis];
  }
  if (total != in[axis])
    return emitOpError() << "results cover " << total << " of the "
                         << in[axis] << " elements along axis " << axis;
  return success();
}

LogicalResult GatherOp::verify() {
  auto in = tensorType(getInput()).getShape();
  auto idx = tensorType(getIndices()).getShape();
  int64_t axis = normalizeAxis(getAxis(), in.size());
  if (axis < 0)
    return emitOpError() << "axis " << static_cast<int64_t>(getAxis())
                         << " is out of range for rank " << in.size();
  SmallVector<int64_t> out(in.begin(), in.begin() + axis);
  out.append(idx.begin(), idx.end());
  out.append(in.begin() + axis + 1, in.end());
  return expectShape(*this, out);
}
