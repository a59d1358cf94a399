//===- Driver.cpp - one lowering of an nn function ------------------------===//
//
// The layouts, algorithms and their costs are documented in
// docs/Lowering.md.
//
//===----------------------------------------------------------------------===//

#include "Driver.h"

#include "aegis/Dialect/CKKS/IR/CKKSOps.h"
#include "aegis/Dialect/NN/IR/NNOps.h"
#include "aegis/Dialect/NN/Interpreter/Interpreter.h"
#include "aegis/Dialect/NN/Interpreter/Kernels.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/Support/raw_ostream.h"

#include <cmath>
#include <map>

using namespace mlir;
using namespace mlir::aegis;
namespace ck = mlir::aegis::ckks;
namespace nnd = mlir::aegis::nn;
using namespace mlir::aegis::lowering;
using ::aegis::nn::Shape;
using ::aegis::nn::Tensor;

/// "12.3": bytes in GB to three digits, for diagnostics.
/// Memory a compile spends per flat ckks op (the op, its types and
/// location, the passes' bookkeeping): BERT-base at 2048 tokens peaked at
/// 3.11 GB for 3.87 million ops (docs/BENCHMARKS.md).
static constexpr uint64_t kIRBytesPerOp = 800;

static std::string gigabytes(uint64_t bytes) {
  char text[32];
  std::snprintf(text, sizeof(text), "%.3g", double(bytes) / 1e9);
  return text;
}

namespace {

/// Constant value of an nn value (folded constants only).
FailureOr<Tensor> constantOf(Value v) {
  auto c = v.getDefiningOp<nnd::ConstantOp>();
  if (!c)
    return failure();
  return nnd::tensorFromAttr(c.getValue(), c.getLoc());
}

Shape shapeOf(Value v) {
  auto t = cast<RankedTensorType>(v.getType());
  return Shape(t.getShape().begin(), t.getShape().end());
}

/// Relabels slots as the layout op does to element indices.
FailureOr<std::vector<int64_t>> relabel(Operation *op,
                                        const std::vector<int64_t> &slot,
                                        const Shape &inShape) {
  Tensor idx(inShape);
  for (size_t i = 0; i < slot.size(); ++i)
    idx.data[i] = double(slot[i]);
  Shape outShape = shapeOf(op->getResult(0));
  Tensor out;
  if (isa<nnd::ReshapeOp>(op)) {
    out = idx;
    out.shape = outShape;
  } else if (auto t = dyn_cast<nnd::TransposeOp>(op)) {
    out = ::aegis::nn::transpose(
        idx, std::vector<int64_t>(t.getPerm().begin(), t.getPerm().end()));
  } else if (auto g = dyn_cast<nnd::GatherOp>(op)) {
    // A gather by constant indices (torch 2.x splits q, k and v this way)
    // picks elements: a relabelling too.
    auto indices = constantOf(g.getIndices());
    if (failed(indices))
      return failure();
    int64_t axis = g.getAxis();
    if (axis < 0)
      axis += int64_t(inShape.size());
    int64_t bad = 0;
    if (!::aegis::nn::gather(idx, *indices, axis, out, bad))
      return failure();
  } else if (isa<nnd::ExpandOp>(op)) {
    // Broadcast copies share the source's slot.
    out = ::aegis::nn::expand(idx, outShape);
  } else if (auto s = dyn_cast<nnd::SliceOp>(op)) {
    out = ::aegis::nn::slice(
        idx, std::vector<int64_t>(s.getStarts().begin(), s.getStarts().end()),
        std::vector<int64_t>(s.getAxes().begin(), s.getAxes().end()),
        std::vector<int64_t>(s.getSteps().begin(), s.getSteps().end()),
        outShape);
  } else {
    return failure();
  }
  std::vector<int64_t> r(out.data.size());
  for (size_t i = 0; i < r.size(); ++i)
    r[i] = int64_t(out.data[i]);
  return r;
}

} // namespace

FailureOr<func::FuncOp> Driver::lower(func::FuncOp entry, int64_t slots,
                                      int64_t tokensPadded, unsigned top,
                                      Report &report, unsigned *lowest) {
  OpBuilder b(module.getContext());
  b.setInsertionPointToEnd(module.getBody());
  Location loc = entry.getLoc();
  unsigned bitsNow = scaleBits;
  // Sizing runs only measure levels; the final run builds the IR.
  CountingSink counter;
  MLIRSink builder(b, slots, materialize);
  CtSink &sink = lowest ? static_cast<CtSink &>(counter) : builder;
  Lowering L(sink, slots, tokensPadded, bitsNow, margin, approxError,
             materialize, report);
  L.bootLevel = bootLevel;
  L.refreshLevels = refreshLevels;
  if (recordDag)
    L.dag = &dag;
  if (usePlan)
    L.plan = &plan;

  // Arguments: one ciphertext per F features, canonical layout.
  SmallVector<Type> argTypes;
  SmallVector<DictionaryAttr> argAttrs;
  struct ArgInfo {
    Shape shape;
    int64_t cts;
    std::vector<int64_t> slot;
  };
  std::vector<ArgInfo> args;
  for (BlockArgument a : entry.getArguments()) {
    auto type = dyn_cast<RankedTensorType>(a.getType());
    if (!type || !isa<FloatType>(type.getElementType()) || type.getRank() < 1) {
      emitError(a.getLoc()) << "cannot lower to CKKS: argument #"
                            << a.getArgNumber()
                            << " must be a float tensor (integer inputs such "
                               "as token ids run on the client: split the "
                               "model after the embeddings)";
      return failure();
    }
    Shape s(type.getShape().begin(), type.getShape().end());
    int64_t K = s.back(), n = Tensor::numElements(s), rows = n / K;
    // Rows (tokens) in tiles of `tokensPadded`, each tile in its own
    // ciphertexts: row r, feature k is in ciphertext
    // (r / Tp) * ceil(K / F) + k / F, slot (k mod F) * Tp + r mod Tp.
    int64_t perTile = (K + L.F - 1) / L.F;
    int64_t tiles = (rows + tokensPadded - 1) / tokensPadded;
    ArgInfo info{s, tiles * perTile, {}};
    info.slot.resize(n);
    for (int64_t r = 0; r < rows; ++r)
      for (int64_t k = 0; k < K; ++k)
        info.slot[r * K + k] =
            ((r / tokensPadded) * perTile + k / L.F) * slots +
            (k % L.F) * tokensPadded + r % tokensPadded;
    StringRef name = "x";
    if (auto n = entry.getArgAttrOfType<StringAttr>(a.getArgNumber(), "nn.name"))
      name = n.getValue();
    for (int64_t c = 0; c < info.cts; ++c) {
      argTypes.push_back(builder.type(Lowering::at(top, bitsNow)));
      NamedAttrList attrs;
      attrs.append("ckks.name", b.getStringAttr(name));
      attrs.append("ckks.shape", b.getDenseI64ArrayAttr(s));
      std::vector<int32_t> map(info.slot.begin(), info.slot.end());
      if (c == 0) {
        attrs.append("ckks.slot_map", b.getDenseI32ArrayAttr(map));
        if (auto range = entry.getArgAttrOfType<DenseF64ArrayAttr>(
                a.getArgNumber(), "nn.input_range"))
          attrs.append("ckks.input_range", range);
      }
      argAttrs.push_back(attrs.getDictionary(b.getContext()));
    }
    args.push_back(std::move(info));
  }
  func::FuncOp func;
  Block *body = nullptr;
  if (!lowest) {
    func = func::FuncOp::create(b, loc, "main",
                                b.getFunctionType(argTypes, {}));
    body = func.addEntryBlock();
    for (size_t i = 0; i < argAttrs.size(); ++i)
      func.setArgAttrs(i, argAttrs[i]);
    b.setInsertionPointToStart(body);
  }

  llvm::DenseMap<Value, Packed> enc;
  {
    unsigned argIndex = 0;
    for (auto [i, info] : llvm::enumerate(args)) {
      Packed p;
      p.shape = info.shape;
      p.slot = info.slot;
      for (int64_t c = 0; c < info.cts; ++c) {
        Ct ct = Lowering::at(top, bitsNow);
        ct.id = lowest ? counter.argument()
                       : builder.argument(body->getArgument(argIndex++));
        L.argument(ct);
        p.cts.push_back(ct);
      }
      enc[entry.getArgument(i)] = std::move(p);
    }
  }
  auto cleanup = [&]() -> FailureOr<func::FuncOp> {
    if (func)
      func.erase();
    return failure();
  };

  std::map<std::string, int> opCounts;
  // The flat IR grows with the sequence (attention: quadratically); every
  // run, counting ones included, refuses before it outgrows the memory
  // limit: the first sizing run (aegis-nn-select-parameters) stops a
  // hopeless compile before the IR is built.
  const uint64_t irLimit = L.memoryLimit;
  Operation *largest = nullptr;
  int64_t largestOps = 0;
  for (Operation &opRef : entry.getBody().front()) {
    Operation *op = &opRef;
    if (isa<nnd::ConstantOp>(op))
      continue;
    const int64_t emitted0 = sink.opsEmitted();
    // Every ckks op implementing this nn op is located at "<op>#<n>": the
    // artifact's regions, aegis-run's time per layer.
    std::string kind = op->getName().stripDialect().str();
    if (!isa<func::ReturnOp>(op)) {
      std::string name = kind + "#" + std::to_string(++opCounts[kind]);
      builder.loc = NameLoc::get(b.getStringAttr(name), op->getLoc());
    }
    // Counters before the op: its kernel's share is the difference.
    const int64_t rotations0 = report.rotations,
                  relinearizations0 = report.relinearizations,
                  bootstraps0 = report.bootstraps;
    // Calibrated ranges feed polynomial fits: a NaN or Inf in them (NaN
    // weights, or calibration inputs that overflow) is refused here, naming
    // the op, instead of failing inside the fit (issue 19).
    for (NamedAttribute attr : op->getAttrs()) {
      auto range = dyn_cast<DenseF64ArrayAttr>(attr.getValue());
      if (!range || !attr.getName().getValue().starts_with("nn.") ||
          !attr.getName().getValue().contains("range"))
        continue;
      for (double v : range.asArrayRef()) {
        if (!std::isfinite(v)) {
          op->emitError() << "cannot lower to CKKS: the calibrated "
                          << attr.getName().getValue() << " of this op holds "
                          << v << "; the model's weights or the calibration "
                          << "inputs are not finite (check them, or pass "
                          << "calibration=FILE.npy with finite samples)";
          return failure();
        }
      }
    }
    if (auto ret = dyn_cast<func::ReturnOp>(op)) {
      if (lowest) {
        for (auto [i, v] : llvm::enumerate(ret.getOperands()))
          if (!enc.count(v)) {
            ret.emitError() << "cannot lower to CKKS: result #" << i
                            << " is not computed from the encrypted inputs";
            return failure();
          }
        break;
      }
      SmallVector<Value> results;
      SmallVector<DictionaryAttr> resAttrs;
      for (auto [i, v] : llvm::enumerate(ret.getOperands())) {
        auto it = enc.find(v);
        if (it == enc.end()) {
          ret.emitError() << "cannot lower to CKKS: result #" << i
                          << " is not computed from the encrypted inputs";
          return cleanup();
        }
        StringRef name = "y";
        if (auto n = entry.getResultAttrOfType<StringAttr>(i, "nn.name"))
          name = n.getValue();
        for (auto [c, ct] : llvm::enumerate(it->second.cts)) {
          results.push_back(builder.value(ct));
          NamedAttrList attrs;
          attrs.append("ckks.name", b.getStringAttr(name));
          attrs.append("ckks.shape", b.getDenseI64ArrayAttr(it->second.shape));
          std::vector<int32_t> map(it->second.slot.begin(), it->second.slot.end());
          if (c == 0)
            attrs.append("ckks.slot_map", b.getDenseI32ArrayAttr(map));
          resAttrs.push_back(attrs.getDictionary(b.getContext()));
        }
      }
      func::ReturnOp::create(b, builder.loc, results);
      SmallVector<Type> resTypes;
      for (Value r : results)
        resTypes.push_back(r.getType());
      func.setType(b.getFunctionType(argTypes, resTypes));
      for (size_t i = 0; i < resAttrs.size(); ++i)
        func.setResultAttrs(i, resAttrs[i]);
      break;
    }
    // Ops whose operands are all constants were folded by the importer;
    // anything left must take an encrypted operand.
    // Levels of the op's encrypted operands (for depth recording) and, with
    // bootstrapping, the up-front refresh of operands short of the op's depth.
    unsigned inLevel = ~0u;
    for (Value v : op->getOperands())
      if (auto it = enc.find(v); it != enc.end())
        for (const Ct &c : it->second.cts)
          inLevel = std::min(inLevel, c.level);
    if (bootLevel && !usePlan && opDepth.count(op)) {
      unsigned need = opDepth.lookup(op);
      if (need >= 1 && need + 1 <= bootLevel && inLevel < need + 1) {
        for (Value v : op->getOperands())
          if (auto it = enc.find(v); it != enc.end()) {
            Packed refreshed = it->second;
            for (Ct &c : refreshed.cts)
              c = L.ensure(c, need);
            it->second = std::move(refreshed);
          }
        inLevel = bootLevel;
      }
    }
    auto encOperand = [&](unsigned i) -> const Packed * {
      auto it = enc.find(op->getOperand(i));
      return it == enc.end() ? nullptr : &it->second;
    };
    FailureOr<Packed> result = failure();
    bool handled = true;
    if (auto split = dyn_cast<nnd::SplitOp>(op)) {
      const Packed *x = encOperand(0);
      if (x) {
        int64_t axis = int64_t(split.getAxis());
        if (axis < 0)
          axis += int64_t(x->shape.size());
        std::vector<int64_t> sizes;
        for (Value r : split.getOutputs())
          sizes.push_back(shapeOf(r)[axis]);
        Tensor idx(x->shape);
        for (size_t i = 0; i < x->slot.size(); ++i)
          idx.data[i] = double(x->slot[i]);
        auto parts = ::aegis::nn::split(idx, axis, sizes);
        for (auto [r, part] : llvm::zip(split.getOutputs(), parts)) {
          Packed p = *x;
          p.shape = part.shape;
          p.slot.assign(part.data.size(), 0);
          for (size_t i = 0; i < part.data.size(); ++i)
            p.slot[i] = int64_t(part.data[i]);
          enc[r] = std::move(p);
        }
        continue;
      }
      handled = false;
    } else if (auto cat = dyn_cast<nnd::ConcatOp>(op)) {
      // Encrypted parts keep their ciphertexts and slots (a relabelling);
      // with a constant part (a class token), the result is laid out
      // canonically and the constant added there.
      int64_t axis = int64_t(cat.getAxis());
      Shape outShape = shapeOf(op->getResult(0));
      if (axis < 0)
        axis += int64_t(outShape.size());
      Packed merged;
      merged.shape = outShape;
      llvm::DenseMap<int32_t, int64_t> ctIndex;
      // Per part: slot labels (-1: a constant element) and constant values.
      std::vector<Tensor> labels, values;
      bool anyEnc = false, anyConst = false, bad = false;
      for (auto [i, v] : llvm::enumerate(cat.getInputs())) {
        Shape s = shapeOf(v);
        Tensor lab(s), val(s);
        if (const Packed *x = encOperand(unsigned(i))) {
          anyEnc = true;
          for (size_t e = 0; e < x->slot.size(); ++e) {
            Ct c = x->cts[L.ctOf(x->slot[e])];
            auto [it, fresh] = ctIndex.try_emplace(c.id, merged.cts.size());
            if (fresh)
              merged.cts.push_back(c);
            lab.data[e] = double(it->second * slots + x->slot[e] % slots);
          }
        } else if (auto c = constantOf(v); succeeded(c)) {
          anyConst = true;
          std::fill(lab.data.begin(), lab.data.end(), -1.0);
          val = ::aegis::nn::expand(*c, s);
        } else {
          bad = true;
        }
        labels.push_back(std::move(lab));
        values.push_back(std::move(val));
      }
      if (!anyEnc) {
        handled = false;
      } else if (bad) {
        op->emitError() << "cannot lower to CKKS: nn.concat of encrypted and "
                           "computed plaintext values (constant parts only)";
        return cleanup();
      } else {
        auto concatOf = [&](const std::vector<Tensor> &parts) {
          std::vector<const Tensor *> ptrs;
          for (const Tensor &t : parts)
            ptrs.push_back(&t);
          return ::aegis::nn::concat(ptrs, axis);
        };
        Tensor all = concatOf(labels);
        merged.slot.resize(all.data.size());
        for (size_t e = 0; e < all.data.size(); ++e)
          merged.slot[e] = int64_t(all.data[e]);
        if (!anyConst) {
          result = merged;
        } else {
          Tensor cv = concatOf(values);
          int64_t n = 0;
          std::vector<int64_t> target = L.canonicalSlots(outShape, n);
          Packed r = L.relayout(merged, target, n);
          auto add = L.scatter(r, [&](int64_t e) {
            return merged.slot[e] < 0 ? cv.data[e] : 0.0;
          });
          for (size_t c = 0; c < r.cts.size(); ++c)
            r.cts[c] = L.addPlain(r.cts[c], add[c]);
          result = r;
        }
      }
    } else if (auto neg = dyn_cast<nnd::NegOp>(op)) {
      const Packed *x = encOperand(0);
      if (!x) {
        handled = false;
      } else {
        Packed p = *x;
        for (Ct &c : p.cts)
          c = L.negate(c);
        result = p;
      }
    } else if (auto pow = dyn_cast<nnd::PowOp>(op)) {
      // x^n for a small integer n: products (squares first).
      const Packed *x = encOperand(0);
      auto e = constantOf(pow.getRhs());
      if (!x || encOperand(1)) {
        handled = false;
      } else if (failed(e) || e->data.empty() ||
                 llvm::any_of(e->data, [&](double d) { return d != e->data[0]; }) ||
                 e->data[0] != std::floor(e->data[0]) || e->data[0] < 1 ||
                 e->data[0] > 8 || x->shape != shapeOf(op->getResult(0))) {
        op->emitError() << "cannot lower to CKKS: nn.pow of encrypted data "
                           "needs a constant integer exponent 1..8";
        return cleanup();
      } else {
        int64_t n = int64_t(e->data[0]);
        Packed p = *x;
        for (Ct &c : p.cts) {
          Ct base = c, acc;
          for (int64_t k = n; k; k >>= 1) {
            if (k & 1)
              acc = acc ? L.mul(acc, base) : base;
            if (k > 1)
              base = L.square(base);
          }
          c = acc;
        }
        result = p;
      }
    } else if (isa<nnd::ReshapeOp, nnd::TransposeOp, nnd::SliceOp,
                   nnd::GatherOp, nnd::ExpandOp>(op)) {
      const Packed *x = encOperand(0);
      if (!x)
        handled = false;
      else if (isa<nnd::GatherOp>(op) && encOperand(1)) {
        op->emitError() << "cannot lower to CKKS: a gather by encrypted "
                           "indices (indices must be constant)";
        return cleanup();
      } else {
        auto slots2 = relabel(op, x->slot, x->shape);
        if (failed(slots2)) {
          op->emitError() << "cannot lower to CKKS: " << op->getName()
                          << " with indices that are not constant or out of "
                             "range";
          return cleanup();
        }
        Packed p = *x;
        p.slot = *slots2;
        p.shape = shapeOf(op->getResult(0));
        result = p;
      }
    } else if (auto mm = dyn_cast<nnd::MatMulOp>(op)) {
      const Packed *x = encOperand(0);
      auto w = constantOf(mm.getRhs());
      if (!x || failed(w) || w->shape.size() != 2) {
        op->emitError() << "cannot lower to CKKS: only encrypted x constant "
                           "2-D weight matmuls are supported";
        return cleanup();
      }
      // Fuse a following bias add.
      result = L.linear(op, *x, *w, nullptr);
    } else if (auto g = dyn_cast<nnd::GemmOp>(op)) {
      const Packed *x = encOperand(0);
      auto w = constantOf(g.getB());
      if (!x || failed(w) || g.getTransA() ||
          g.getAlpha().convertToDouble() != 1.0) {
        op->emitError() << "cannot lower to CKKS: gemm needs an encrypted A "
                           "(not transposed), constant B and alpha = 1";
        return cleanup();
      }
      Tensor wt = *w;
      if (g.getTransB())
        wt = ::aegis::nn::transpose(wt, {1, 0});
      FailureOr<Tensor> c = failure();
      if (g.getC()) {
        c = constantOf(g.getC());
        if (failed(c)) {
          op->emitError() << "cannot lower to CKKS: gemm bias must be constant";
          return cleanup();
        }
        for (double &e : c->data)
          e *= g.getBeta().convertToDouble();
      }
      result = L.linear(op, *x, wt, g.getC() ? &*c : nullptr);
    } else if (isa<nnd::AddOp, nnd::SubOp, nnd::MulOp>(op)) {
      const Packed *x = encOperand(0), *y = encOperand(1);
      bool isSub = isa<nnd::SubOp>(op), isMul = isa<nnd::MulOp>(op);
      Shape outShape = shapeOf(op->getResult(0));
      if (x && y) {
        if (x->shape != outShape || y->shape != outShape) {
          op->emitError() << "cannot lower to CKKS: broadcasting between two "
                             "encrypted tensors";
          return cleanup();
        }
        result = L.binary(op, *x, *y, isSub, isMul);
      } else if (x || y) {
        auto c = constantOf(op->getOperand(x ? 1 : 0));
        const Packed *e = x ? x : y;
        if (failed(c) || e->shape != outShape) {
          op->emitError() << "cannot lower to CKKS: the plaintext operand must "
                             "be a constant broadcast to the encrypted one";
          return cleanup();
        }
        if (isMul)
          result = L.withConstant(*e, *c, true);
        else if (isSub && x) // x - c
          result = L.withConstant(*e, *c, false, /*subtractFrom=*/true);
        else if (isSub) // c - y
          result = L.withConstant(*e, *c, false, false, /*negate=*/true);
        else
          result = L.withConstant(*e, *c, false);
      } else {
        handled = false;
      }
    } else if (auto ln = dyn_cast<nnd::LayerNormOp>(op)) {
      const Packed *x = encOperand(0);
      FailureOr<Tensor> gamma = failure(), beta = failure();
      if (ln.getScale())
        gamma = constantOf(ln.getScale());
      if (ln.getBias())
        beta = constantOf(ln.getBias());
      if (!x || (ln.getScale() && failed(gamma)) || (ln.getBias() && failed(beta))) {
        op->emitError() << "cannot lower to CKKS: layer_norm needs an "
                           "encrypted input and constant scale and bias";
        return cleanup();
      }
      result = L.layerNorm(ln, *x, ln.getScale() ? &*gamma : nullptr,
                           ln.getBias() ? &*beta : nullptr);
    } else if (isa<nnd::GeluOp, nnd::ReluOp, nnd::TanhOp, nnd::ErfOp,
                   nnd::SigmoidOp, nnd::SiluOp, nnd::ExpOp>(op)) {
      const Packed *x = encOperand(0);
      if (!x)
        handled = false;
      else
        result = L.unaryPoly(op, *x);
    } else if (auto att = dyn_cast<nnd::AttentionOp>(op)) {
      const Packed *q = encOperand(0), *k = encOperand(1), *v = encOperand(2);
      FailureOr<Tensor> mask = failure();
      if (att.getMask())
        mask = constantOf(att.getMask());
      if (att.getMask() && failed(mask)) {
        op->emitError() << "cannot lower to CKKS: the attention mask is not a "
                           "constant (it depends on an input); masks must be "
                           "known at compile time: causal, or padding and "
                           "biases built from constants";
        return cleanup();
      }
      if (!q || !k || !v) {
        op->emitError() << "cannot lower to CKKS: attention needs encrypted "
                           "q, k and v";
        return cleanup();
      }
      result = L.attention(att, *q, *k, *v, att.getMask() ? &*mask : nullptr);
    } else {
      handled = false;
    }
    if (!handled) {
      op->emitError() << "cannot lower to CKKS: '" << op->getName()
                      << "' on encrypted data is not supported";
      return cleanup();
    }
    if (failed(result))
      return cleanup();
    if (sink.opsEmitted() - emitted0 > largestOps) {
      largestOps = sink.opsEmitted() - emitted0;
      largest = op;
    }
    if (uint64_t(sink.opsEmitted()) * kIRBytesPerOp > irLimit) {
      std::string shape;
      llvm::raw_string_ostream os(shape);
      if (!largest)
        largest = op;
      if (largest->getNumResults())
        os << largest->getResult(0).getType();
      op->emitError()
          << "cannot lower to CKKS: the flat ckks program would exceed the "
          << gigabytes(irLimit) << " GB memory limit ("
          << ::mlir::aegis::nn::kMemoryLimitEnv
          << ", default three quarters of this machine's memory): "
          << sink.opsEmitted() << " ciphertext ops and plaintexts so far, "
          << "about " << gigabytes(uint64_t(sink.opsEmitted()) * kIRBytesPerOp)
          << " GB at " << kIRBytesPerOp << " bytes each, while lowering "
          << op->getName() << "; the largest kernel is "
          << largest->getName() << " -> " << shape << " (" << largestOps
          << " ops: " << slots << " slots, token tile " << tokensPadded
          << "); compile a shorter sequence (--aegis-input-shape) or raise "
          << ::mlir::aegis::nn::kMemoryLimitEnv;
      return cleanup();
    }
    if (L.overMemoryLimit()) {
      op->emitError() << "cannot lower to CKKS: the encoded constants need "
                         "more than "
                      << gigabytes(L.materializedBytes)
                      << " GB (" << L.materializedConstants
                      << " plaintexts of " << L.S << " slots so far, while lowering "
                      << op->getName() << "), more than the "
                      << gigabytes(L.memoryLimit)
                      << " GB limit (" << ::mlir::aegis::nn::kMemoryLimitEnv
                      << ", default three quarters of this machine's memory): "
                         "compile with materialize-constants=false for the "
                         "report only, or lower the sequence length "
                         "(--aegis-input-shape)";
      return cleanup();
    }
    if (recordDepths && inLevel != ~0u) {
      unsigned outLevel = inLevel;
      for (const Ct &c : result->cts)
        outLevel = std::min(outLevel, c.level);
      opDepth[op] = std::max(opDepth.lookup(op), inLevel - outLevel);
    }
    if (report.rotations != rotations0 ||
        report.relinearizations != relinearizations0 ||
        report.bootstraps != bootstraps0) {
      KernelCounts &k =
          report.kernels[kind == "gemm" ? std::string("matmul") : kind];
      ++k.ops;
      k.rotations += report.rotations - rotations0;
      k.relinearizations += report.relinearizations - relinearizations0;
      k.bootstraps += report.bootstraps - bootstraps0;
    }
    enc[op->getResult(0)] = std::move(*result);
  }
  report.magnitude = L.magnitude;
  planMisses = L.planMisses;
  if (usePlan && !lowest &&
      (L.planBroken || size_t(L.nodes) != plan.refresh.size())) {
    // The final run did not lower the program the sizing run recorded (a
    // kernel decided differently): never replay a plan on another program.
    planBroken = true;
    return cleanup();
  }
  if (lowest)
    *lowest = sink.lowestLevel();
  return func;
}

//===----------------------------------------------------------------------===//
// The decisions on the module
//===----------------------------------------------------------------------===//

func::FuncOp mlir::aegis::lowering::findEntryFunction(ModuleOp module,
                                                      StringRef pass) {
  if (auto entry = module.lookupSymbol<func::FuncOp>("main"))
    return entry;
  auto funcs = module.getOps<func::FuncOp>();
  if (std::distance(funcs.begin(), funcs.end()) == 1)
    return *funcs.begin();
  if (!pass.empty())
    emitError(module.getLoc())
        << pass << ": need a function named 'main' or exactly one function";
  return {};
}

int64_t mlir::aegis::lowering::inputTokens(func::FuncOp entry) {
  int64_t tokens = 1;
  for (Type t : entry.getArgumentTypes())
    if (auto r = dyn_cast<RankedTensorType>(t); r && r.getRank() >= 1)
      tokens = std::max(tokens, r.getNumElements() / r.getShape().back());
  return tokens;
}

void Decisions::write(ModuleOp module) const {
  MLIRContext *ctx = module.getContext();
  Builder b(ctx);
  auto i32 = [&](int64_t v) {
    return IntegerAttr::get(IntegerType::get(ctx, 32), v);
  };
  module->setAttr(ck::CKKSDialect::kParamsAttrName,
                  ck::ParamsAttr::get(ctx, logN, logQ, logP, dnum));
  module->setAttr(ck::CKKSDialect::kNominalScaleAttrName, i32(scaleBits));
  module->setAttr(ck::CKKSDialect::kSecurityAttrName,
                  b.getStringAttr(toy ? "toy" : "128"));
  module->setAttr(ck::CKKSDialect::kPackingAttrName,
                  b.getDictionaryAttr(
                      {b.getNamedAttr("slots", b.getI64IntegerAttr(slots)),
                       b.getNamedAttr("token_tile", b.getI64IntegerAttr(tile))}));
  module->setAttr(ck::CKKSDialect::kApproximationAttrName,
                  b.getDictionaryAttr(
                      {b.getNamedAttr("margin", b.getF64FloatAttr(margin)),
                       b.getNamedAttr("max_error",
                                      b.getF64FloatAttr(approxError))}));
  module->setAttr(ck::CKKSDialect::kChoicesAttrName,
                  b.getDictionaryAttr(
                      {b.getNamedAttr("ring", b.getStringAttr(ringWhy)),
                       b.getNamedAttr("bootstrapping",
                                      b.getStringAttr(bootWhy))}));
  if (bootLevels) {
    module->setAttr(ck::CKKSDialect::kBootstrapLevelsAttrName,
                    i32(bootLevels));
    module->setAttr(ck::CKKSDialect::kBootstrapTransformLevelsAttrName,
                    i32(transformLevels));
  } else {
    module->removeAttr(ck::CKKSDialect::kBootstrapLevelsAttrName);
    module->removeAttr(ck::CKKSDialect::kBootstrapTransformLevelsAttrName);
  }
}

FailureOr<Decisions> Decisions::read(ModuleOp module, StringRef pass) {
  auto params = module->getAttrOfType<ck::ParamsAttr>(
      ck::CKKSDialect::kParamsAttrName);
  auto scale = module->getAttrOfType<IntegerAttr>(
      ck::CKKSDialect::kNominalScaleAttrName);
  auto packing = module->getAttrOfType<DictionaryAttr>(
      ck::CKKSDialect::kPackingAttrName);
  auto approx = module->getAttrOfType<DictionaryAttr>(
      ck::CKKSDialect::kApproximationAttrName);
  if (!params || !scale || !packing || !approx) {
    emitError(module.getLoc())
        << pass << ": the module has no parameters and packing (ckks.params, "
        << "ckks.packing, ckks.approximation): run aegis-nn-select-parameters "
           "first, or --aegis-compile";
    return failure();
  }
  Decisions d;
  d.logN = params.getLogN();
  d.logQ.assign(params.getLogQ().begin(), params.getLogQ().end());
  d.logP.assign(params.getLogP().begin(), params.getLogP().end());
  d.dnum = params.getDnum();
  d.scaleBits = unsigned(scale.getInt());
  if (auto s = module->getAttrOfType<StringAttr>(
          ck::CKKSDialect::kSecurityAttrName))
    d.toy = s.getValue() == "toy";
  d.slots = cast<IntegerAttr>(packing.get("slots")).getInt();
  d.tile = cast<IntegerAttr>(packing.get("token_tile")).getInt();
  d.margin = cast<FloatAttr>(approx.get("margin")).getValueAsDouble();
  d.approxError = cast<FloatAttr>(approx.get("max_error")).getValueAsDouble();
  if (auto u = module->getAttrOfType<IntegerAttr>(
          ck::CKKSDialect::kBootstrapLevelsAttrName))
    d.bootLevels = unsigned(u.getInt());
  if (auto t = module->getAttrOfType<IntegerAttr>(
          ck::CKKSDialect::kBootstrapTransformLevelsAttrName))
    d.transformLevels = unsigned(t.getInt());
  if (auto why = module->getAttrOfType<DictionaryAttr>(
          ck::CKKSDialect::kChoicesAttrName)) {
    if (auto s = why.getAs<StringAttr>("ring"))
      d.ringWhy = s.getValue().str();
    if (auto s = why.getAs<StringAttr>("bootstrapping"))
      d.bootWhy = s.getValue().str();
  }
  if (d.logQ.size() < 2 || d.logP.empty() || d.slots < 1 || d.tile < 1 ||
      d.slots % d.tile != 0 || d.slots > (int64_t(1) << (d.logN - 1)) ||
      (d.bootLevels && d.bootLevels + 1 > d.logQ.size())) {
    emitError(module.getLoc())
        << pass << ": inconsistent parameters and packing on the module ("
        << d.logQ.size() << " primes, " << d.slots << " slots, token tile "
        << d.tile << ", " << d.bootLevels << " levels between bootstraps)";
    return failure();
  }
  return d;
}

void PlacementRecord::write(ModuleOp module) const {
  Builder b(module.getContext());
  SmallVector<NamedAttribute> fields = {
      b.getNamedAttr("placement", b.getStringAttr(placement)),
      b.getNamedAttr("depth", b.getI64IntegerAttr(depth)),
      b.getNamedAttr("lower_bound", b.getI64IntegerAttr(lowerBound)),
      b.getNamedAttr("why", b.getStringAttr(why))};
  if (placement == "mincut") {
    fields.push_back(b.getNamedAttr("refresh", b.getDenseI32ArrayAttr(refresh)));
    fields.push_back(b.getNamedAttr("values", b.getI64IntegerAttr(values)));
    fields.push_back(b.getNamedAttr("stages", b.getI64IntegerAttr(stages)));
  }
  module->setAttr(ck::CKKSDialect::kBootstrapPlanAttrName,
                  b.getDictionaryAttr(fields));
}

PlacementRecord PlacementRecord::read(ModuleOp module) {
  PlacementRecord r;
  auto d = module->getAttrOfType<DictionaryAttr>(
      ck::CKKSDialect::kBootstrapPlanAttrName);
  if (!d)
    return r;
  if (auto s = d.getAs<StringAttr>("placement"))
    r.placement = s.getValue().str();
  if (auto s = d.getAs<StringAttr>("why"))
    r.why = s.getValue().str();
  auto num = [&](StringRef name) -> int64_t {
    auto v = d.getAs<IntegerAttr>(name);
    return v ? v.getInt() : 0;
  };
  r.depth = num("depth");
  r.lowerBound = num("lower_bound");
  r.values = num("values");
  r.stages = num("stages");
  if (auto a = d.getAs<DenseI32ArrayAttr>("refresh"))
    r.refresh.assign(a.asArrayRef().begin(), a.asArrayRef().end());
  return r;
}
