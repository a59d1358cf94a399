//===- Interpreter.cpp - float64 reference interpreter for nn -------------===//

#include "aegis/Dialect/NN/Interpreter/Interpreter.h"
#include "aegis/Dialect/NN/IR/NNOps.h"

#include "mlir/IR/DialectResourceBlobManager.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/TypeSwitch.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <unistd.h>

using namespace mlir;
using namespace mlir::aegis::nn;
using ::aegis::nn::BinaryKind;
using ::aegis::nn::Shape;
using ::aegis::nn::UnaryKind;

namespace {
Shape shapeOf(Value v) {
  auto t = cast<RankedTensorType>(v.getType());
  return Shape(t.getShape().begin(), t.getShape().end());
}

bool isInteger(Value v) {
  return isa<IntegerType>(cast<RankedTensorType>(v.getType()).getElementType());
}

std::vector<int64_t> toVec(ArrayRef<int64_t> a) { return {a.begin(), a.end()}; }

/// Rounds values to what the result element type can hold (the importer
/// folds constants through this, so folded constants equal what a real
/// evaluation in that type would give for integers and booleans).
void roundToType(Tensor &t, Type elementType) {
  if (auto it = dyn_cast<IntegerType>(elementType)) {
    for (double &v : t.data)
      v = it.getWidth() == 1 ? (v != 0) : std::trunc(v);
  }
}
} // namespace

FailureOr<Tensor> mlir::aegis::nn::tensorFromAttr(ElementsAttr attr,
                                                  Location loc) {
  auto type = cast<RankedTensorType>(attr.getType());
  Shape shape(type.getShape().begin(), type.getShape().end());
  Tensor t(shape);
  Type et = type.getElementType();
  if (auto dense = dyn_cast<DenseElementsAttr>(attr)) {
    int64_t i = 0;
    if (isa<FloatType>(et)) {
      for (APFloat v : dense.getValues<APFloat>())
        t.data[i++] = v.convertToDouble();
    } else if (et.isInteger(1)) {
      for (bool v : dense.getValues<bool>())
        t.data[i++] = v;
    } else {
      for (APInt v : dense.getValues<APInt>())
        t.data[i++] = static_cast<double>(v.getSExtValue());
    }
    return t;
  }
  auto resource = dyn_cast<DenseResourceElementsAttr>(attr);
  if (!resource)
    return emitError(loc) << "unsupported constant attribute " << attr;
  AsmResourceBlob *blob = resource.getRawHandle().getBlob();
  if (!blob)
    return emitError(loc) << "constant '" << resource.getRawHandle().getKey()
                          << "' has no data (elided resource?)";
  ArrayRef<char> bytes = blob->getData();
  int64_t n = t.numElements();
  auto read = [&](auto tag) -> LogicalResult {
    using T = decltype(tag);
    if (bytes.size() != static_cast<size_t>(n) * sizeof(T))
      return emitError(loc) << "constant '" << resource.getRawHandle().getKey()
                            << "' holds " << bytes.size() << " bytes, expected "
                            << n * sizeof(T);
    for (int64_t i = 0; i < n; ++i) {
      T v;
      std::memcpy(&v, bytes.data() + i * sizeof(T), sizeof(T));
      t.data[i] = static_cast<double>(v);
    }
    return success();
  };
  LogicalResult ok = failure();
  if (et.isF32())
    ok = read(float());
  else if (et.isF64())
    ok = read(double());
  else if (et.isInteger(64))
    ok = read(int64_t());
  else if (et.isInteger(32))
    ok = read(int32_t());
  else if (et.isInteger(1) || et.isInteger(8))
    ok = read(uint8_t());
  else
    return emitError(loc) << "unsupported constant element type " << et;
  if (failed(ok))
    return failure();
  return t;
}

DenseElementsAttr mlir::aegis::nn::tensorToAttr(const Tensor &tensor,
                                                RankedTensorType type) {
  Type et = type.getElementType();
  if (et.isF32()) {
    SmallVector<float> v(tensor.data.begin(), tensor.data.end());
    return DenseElementsAttr::get(type, ArrayRef<float>(v));
  }
  if (et.isF64())
    return DenseElementsAttr::get(type, ArrayRef<double>(tensor.data));
  if (et.isInteger(1)) {
    SmallVector<bool> v;
    for (double d : tensor.data)
      v.push_back(d != 0);
    return DenseElementsAttr::get(type, ArrayRef<bool>(v));
  }
  unsigned width = cast<IntegerType>(et).getWidth();
  SmallVector<APInt> v;
  for (double d : tensor.data) {
    // 2^63, the double nearest INT64_MAX, does not convert to int64_t.
    int64_t i = d >= 0x1p63 ? std::numeric_limits<int64_t>::max()
                            : static_cast<int64_t>(d);
    v.push_back(APInt(width, i, /*isSigned=*/true));
  }
  return DenseElementsAttr::get(type, v);
}

LogicalResult
mlir::aegis::nn::evaluateOperation(Operation *op,
                                   ArrayRef<const Tensor *> in,
                                   SmallVectorImpl<Tensor> &results) {
  auto out0 = [&]() { return shapeOf(op->getResult(0)); };
  auto binaryOp = [&](BinaryKind kind) {
    results.push_back(::aegis::nn::binary(kind, *in[0], *in[1], out0(),
                                          isInteger(op->getResult(0))));
    return success();
  };
  auto unaryOp = [&](UnaryKind kind) {
    results.push_back(::aegis::nn::unary(kind, *in[0]));
    return success();
  };
  LogicalResult status =
      llvm::TypeSwitch<Operation *, LogicalResult>(op)
          .Case<ConstantOp>([&](ConstantOp c) -> LogicalResult {
            auto t = tensorFromAttr(c.getValue(), c.getLoc());
            if (failed(t))
              return failure();
            results.push_back(std::move(*t));
            return success();
          })
          .Case<AddOp>([&](auto) { return binaryOp(BinaryKind::Add); })
          .Case<SubOp>([&](auto) { return binaryOp(BinaryKind::Sub); })
          .Case<MulOp>([&](auto) { return binaryOp(BinaryKind::Mul); })
          .Case<DivOp>([&](auto) { return binaryOp(BinaryKind::Div); })
          .Case<PowOp>([&](auto) { return binaryOp(BinaryKind::Pow); })
          .Case<SqrtOp>([&](auto) { return unaryOp(UnaryKind::Sqrt); })
          .Case<ErfOp>([&](auto) { return unaryOp(UnaryKind::Erf); })
          .Case<TanhOp>([&](auto) { return unaryOp(UnaryKind::Tanh); })
          .Case<ExpOp>([&](auto) { return unaryOp(UnaryKind::Exp); })
          .Case<ReluOp>([&](auto) { return unaryOp(UnaryKind::Relu); })
          .Case<NegOp>([&](auto) { return unaryOp(UnaryKind::Neg); })
          .Case<ReciprocalOp>(
              [&](auto) { return unaryOp(UnaryKind::Reciprocal); })
          .Case<SigmoidOp>([&](auto) { return unaryOp(UnaryKind::Sigmoid); })
          .Case<SiluOp>([&](auto) {
            Tensor r = ::aegis::nn::unary(UnaryKind::Sigmoid, *in[0]);
            for (size_t i = 0; i < r.data.size(); ++i)
              r.data[i] *= in[0]->data[i];
            results.push_back(std::move(r));
            return success();
          })
          .Case<GeluOp>([&](GeluOp g) {
            results.push_back(
                ::aegis::nn::gelu(*in[0], g.getApproximate() == "tanh"));
            return success();
          })
          .Case<CastOp>([&](CastOp c) {
            Tensor r = *in[0];
            Type et = c.getType().getElementType();
            if (et.isInteger(1))
              for (double &v : r.data)
                v = v != 0;
            else if (isa<IntegerType>(et))
              for (double &v : r.data)
                v = std::trunc(v);
            results.push_back(std::move(r));
            return success();
          })
          .Case<CompareOp>([&](CompareOp c) {
            StringRef p = c.getPredicate();
            BinaryKind kind = p == "eq"    ? BinaryKind::Equal
                              : p == "lt"  ? BinaryKind::Less
                              : p == "gt"  ? BinaryKind::Greater
                              : p == "and" ? BinaryKind::And
                                           : BinaryKind::Or;
            results.push_back(
                ::aegis::nn::binary(kind, *in[0], *in[1], out0(), false));
            return success();
          })
          .Case<NotOp>([&](NotOp) { return unaryOp(UnaryKind::Not); })
          .Case<CumSumOp>([&](CumSumOp c) {
            results.push_back(::aegis::nn::cumsum(
                *in[0], normalizeAxis(c.getAxis(), in[0]->shape.size()),
                c.getExclusive(), c.getReverse()));
            return success();
          })
          .Case<IsNanOp>([&](IsNanOp) {
            Tensor r = *in[0];
            for (double &v : r.data)
              v = std::isnan(v) ? 1.0 : 0.0;
            results.push_back(std::move(r));
            return success();
          })
          .Case<WhereOp>([&](WhereOp) {
            results.push_back(::aegis::nn::where(*in[0], *in[1], *in[2], out0()));
            return success();
          })
          .Case<MatMulOp>([&](MatMulOp) {
            results.push_back(::aegis::nn::matmul(*in[0], *in[1], out0()));
            return success();
          })
          .Case<GemmOp>([&](GemmOp g) {
            results.push_back(::aegis::nn::gemm(
                *in[0], *in[1], g.getC() ? in[2] : nullptr, g.getTransA(),
                g.getTransB(), g.getAlpha().convertToDouble(),
                g.getBeta().convertToDouble()));
            return success();
          })
          .Case<ReduceMeanOp, ReduceSumOp>([&](auto r) {
            int64_t rank = shapeOf(r.getInput()).size();
            std::vector<int64_t> axes;
            for (int64_t a : r.getAxes())
              axes.push_back(normalizeAxis(a, rank));
            results.push_back(::aegis::nn::reduce(
                *in[0], axes, r.getKeepdims(), isa<ReduceMeanOp>(op)));
            return success();
          })
          .Case<SoftmaxOp>([&](SoftmaxOp s) {
            results.push_back(::aegis::nn::softmax(
                *in[0], normalizeAxis(s.getAxis(), in[0]->shape.size())));
            return success();
          })
          .Case<LayerNormOp>([&](LayerNormOp l) {
            const Tensor *scale = l.getScale() ? in[1] : nullptr;
            const Tensor *bias =
                l.getBias() ? in[l.getScale() ? 2 : 1] : nullptr;
            results.push_back(::aegis::nn::layerNorm(
                *in[0], scale, bias,
                normalizeAxis(l.getAxis(), in[0]->shape.size()),
                l.getEpsilon().convertToDouble(), l.getRms()));
            return success();
          })
          .Case<AttentionOp>([&](AttentionOp a) {
            results.push_back(::aegis::nn::attention(
                *in[0], *in[1], *in[2], a.getMask() ? in[3] : nullptr,
                a.getScale().convertToDouble(), out0(), a.getCausal()));
            return success();
          })
          .Case<ReshapeOp>([&](ReshapeOp) {
            results.push_back(Tensor(out0(), in[0]->data));
            return success();
          })
          .Case<TransposeOp>([&](TransposeOp t) {
            results.push_back(
                ::aegis::nn::transpose(*in[0], toVec(t.getPerm())));
            return success();
          })
          .Case<ExpandOp>([&](ExpandOp) {
            results.push_back(::aegis::nn::expand(*in[0], out0()));
            return success();
          })
          .Case<SliceOp>([&](SliceOp s) {
            results.push_back(::aegis::nn::slice(*in[0], toVec(s.getStarts()),
                                                 toVec(s.getAxes()),
                                                 toVec(s.getSteps()), out0()));
            return success();
          })
          .Case<ConcatOp>([&](ConcatOp c) {
            std::vector<const Tensor *> ins(in.begin(), in.end());
            results.push_back(::aegis::nn::concat(
                ins, normalizeAxis(c.getAxis(), in[0]->shape.size())));
            return success();
          })
          .Case<SplitOp>([&](SplitOp s) {
            int64_t axis = normalizeAxis(s.getAxis(), in[0]->shape.size());
            std::vector<int64_t> sizes;
            for (Value r : s.getOutputs())
              sizes.push_back(shapeOf(r)[axis]);
            for (Tensor &t : ::aegis::nn::split(*in[0], axis, sizes))
              results.push_back(std::move(t));
            return success();
          })
          .Case<GatherOp>([&](GatherOp g) -> LogicalResult {
            Tensor out;
            int64_t bad = 0;
            if (!::aegis::nn::gather(
                    *in[0], *in[1],
                    normalizeAxis(g.getAxis(), in[0]->shape.size()), out, bad))
              return g.emitOpError()
                     << "index " << bad << " is out of range for dimension "
                     << in[0]->shape[normalizeAxis(g.getAxis(),
                                                   in[0]->shape.size())];
            results.push_back(std::move(out));
            return success();
          })
          .Default([&](Operation *other) {
            return other->emitOpError()
                   << "is not supported by the nn reference interpreter";
          });
  if (failed(status))
    return failure();
  for (auto [value, tensor] : llvm::zip(op->getResults(), results))
    roundToType(tensor,
                cast<RankedTensorType>(value.getType()).getElementType());
  return success();
}

namespace {
std::string gb(uint64_t bytes) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.1f", double(bytes) / 1e9);
  return buf;
}

uint64_t elementsOf(Type type) {
  auto shaped = dyn_cast<ShapedType>(type);
  if (!shaped || !shaped.hasStaticShape())
    return 0;
  uint64_t n = 1;
  for (int64_t d : shaped.getShape())
    if (d < 0 || __builtin_mul_overflow(n, uint64_t(d), &n))
      return ~uint64_t(0) / 16;
  return n;
}
} // namespace

uint64_t mlir::aegis::nn::interpreterMemoryLimit() {
  if (const char *v = std::getenv(kMemoryLimitEnv)) {
    char *end = nullptr;
    double gb = std::strtod(v, &end);
    if (end != v && *end == '\0' && gb > 0)
      return uint64_t(gb * 1e9);
  }
  long pages = sysconf(_SC_PHYS_PAGES), pageSize = sysconf(_SC_PAGE_SIZE);
  if (pages <= 0 || pageSize <= 0)
    return ~uint64_t(0);
  return uint64_t(pages) * uint64_t(pageSize) / 4 * 3;
}

InterpreterMemoryEstimate
mlir::aegis::nn::estimateInterpreterMemory(func::FuncOp fn) {
  // Every value alive until the end (float64 each; interpret() frees each
  // after its last use, so this is an upper bound), plus an attention's
  // score matrix [..., s, t] while it is evaluated.
  InterpreterMemoryEstimate e;
  auto note = [&](Operation *op, Type type, uint64_t elements) {
    uint64_t bytes = elements > ~uint64_t(0) / 16 ? ~uint64_t(0) / 2 : elements * 8;
    e.totalBytes = std::min(e.totalBytes + bytes, ~uint64_t(0) / 2);
    if (bytes > e.largestBytes) {
      e.largestBytes = bytes;
      e.largestOp = op;
      std::string shape;
      llvm::raw_string_ostream os(shape);
      os << type;
      e.largestShape = shape;
    }
  };
  for (BlockArgument arg : fn.getArguments())
    note(nullptr, arg.getType(), elementsOf(arg.getType()));
  fn.walk([&](Operation *op) {
    for (Value r : op->getResults())
      note(op, r.getType(), elementsOf(r.getType()));
    if (auto att = dyn_cast<AttentionOp>(op)) {
      auto q = dyn_cast<ShapedType>(att.getQuery().getType());
      auto k = dyn_cast<ShapedType>(att.getKey().getType());
      if (q && k && q.hasStaticShape() && k.hasStaticShape() && q.getRank() >= 2 &&
          k.getRank() >= 2) {
        uint64_t rows = elementsOf(q) / uint64_t(std::max<int64_t>(1, q.getShape().back()));
        uint64_t t = uint64_t(k.getShape()[k.getRank() - 2]);
        uint64_t scores = 0;
        if (__builtin_mul_overflow(rows, t, &scores))
          scores = ~uint64_t(0) / 16;
        SmallVector<int64_t> shape(q.getShape().drop_back());
        shape.push_back(int64_t(t));
        note(op, RankedTensorType::get(shape, q.getElementType()), scores);
      }
    }
  });
  return e;
}

FailureOr<SmallVector<Tensor>>
mlir::aegis::nn::interpret(func::FuncOp fn, ArrayRef<Tensor> inputs,
                           InterpreterObserver *observer,
                           InterpreterConstants *constants) {
  if (fn.getNumArguments() != inputs.size())
    return fn.emitError() << "expects " << fn.getNumArguments()
                          << " inputs, got " << inputs.size();
  // Refuse up front what cannot fit (issue 19: a long sequence made the
  // attention scores outgrow memory and LLVM abort with "out of memory").
  InterpreterMemoryEstimate estimate = estimateInterpreterMemory(fn);
  uint64_t limit = interpreterMemoryLimit();
  if (estimate.totalBytes > limit) {
    InFlightDiagnostic diag =
        (estimate.largestOp ? estimate.largestOp->emitError()
                            : fn.emitError())
        << "interpreting '" << fn.getName() << "' in float64 needs about "
        << gb(estimate.totalBytes)
        << " GB, more than the " << gb(limit)
        << " GB limit (" << kMemoryLimitEnv
        << ", default three quarters of this machine's memory)";
    if (estimate.largestOp)
      diag << "; the largest value, " << estimate.largestShape << ", is "
           << gb(estimate.largestBytes)
           << " GB: lower the sequence length (--aegis-input-shape)";
    return failure();
  }
  // The values computed so far, each freed after its last use, and the
  // constants read through `constants`.
  llvm::DenseMap<Value, Tensor> values;
  llvm::DenseMap<Value, const Tensor *> shared;
  for (auto [arg, input] : llvm::zip(fn.getArguments(), inputs)) {
    Shape expected = shapeOf(arg);
    if (expected != input.shape) {
      std::string got, want;
      for (int64_t d : input.shape)
        got += (got.empty() ? "" : "x") + std::to_string(d);
      for (int64_t d : expected)
        want += (want.empty() ? "" : "x") + std::to_string(d);
      return fn.emitError() << "input #" << arg.getArgNumber() << " has shape ["
                            << got << "], expected [" << want << "]";
    }
    values[arg] = input;
  }
  Block &body = fn.getBody().front();
  llvm::DenseMap<Value, Operation *> lastUse;
  for (Operation &op : body)
    for (Value v : op.getOperands())
      lastUse[v] = &op;
  auto lookup = [&](Value v) -> const Tensor * {
    auto it = values.find(v);
    if (it != values.end())
      return &it->second;
    return shared.lookup(v);
  };
  for (Operation &op : body) {
    if (auto ret = dyn_cast<func::ReturnOp>(op)) {
      SmallVector<Tensor> outs;
      for (Value v : ret.getOperands()) {
        const Tensor *t = lookup(v);
        outs.push_back(t ? *t : Tensor());
      }
      return outs;
    }
    SmallVector<const Tensor *> operands;
    for (Value v : op.getOperands()) {
      const Tensor *t = lookup(v);
      if (!t)
        return op.emitOpError() << "uses a value the interpreter has not computed";
      operands.push_back(t);
    }
    if (constants && isa<ConstantOp>(op)) {
      auto t = constants->get(&op);
      if (failed(t))
        return failure();
      if (observer)
        observer->onOperation(&op, operands, ArrayRef<const Tensor *>(*t));
      shared[op.getResult(0)] = *t;
      continue;
    }
    SmallVector<Tensor> results;
    if (failed(evaluateOperation(&op, operands, results)))
      return failure();
    if (observer) {
      SmallVector<const Tensor *> resultPtrs;
      for (Tensor &t : results)
        resultPtrs.push_back(&t);
      observer->onOperation(&op, operands, resultPtrs);
    }
    for (Value v : op.getOperands())
      if (lastUse.lookup(v) == &op)
        values.erase(v);
    for (auto [value, tensor] : llvm::zip(op.getResults(), results))
      if (!value.use_empty())
        values[value] = std::move(tensor);
  }
  return fn.emitError() << "has no return";
}

FailureOr<const Tensor *> InterpreterConstants::get(Operation *op) {
  std::unique_ptr<Tensor> &tensor = tensors[op];
  if (!tensor) {
    SmallVector<Tensor> results;
    if (failed(evaluateOperation(op, {}, results))) {
      tensors.erase(op);
      return failure();
    }
    tensor = std::make_unique<Tensor>(std::move(results.front()));
  }
  return tensor.get();
}
