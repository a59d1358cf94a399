//===- NNToCKKS.cpp - lowering nn programs to ckks ------------------------===//
//
// The layouts, algorithms and their costs are documented in
// docs/Lowering.md. Built with exceptions (the runtime's prime generator,
// used to bound the nominal-scale error, reports errors by throwing).
//
//===----------------------------------------------------------------------===//

#include "aegis/Conversion/NNToCKKS/Passes.h"

#include "Lowering.h"

#include "aegis/Dialect/CKKS/IR/CKKSOps.h"
#include "aegis/Dialect/NN/IR/NNOps.h"
#include "aegis/Dialect/NN/Interpreter/Interpreter.h"
#include "aegis/Dialect/NN/Interpreter/Kernels.h"
#include "aegis/Runtime/Bootstrap/BootstrapConfig.h"
#include "aegis/Runtime/CKKS/Parameters.h"
#include "aegis/Support/RotationKeys.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/raw_ostream.h"

#include <cmath>
#include <map>
#include <set>

namespace mlir::aegis {
#define GEN_PASS_DEF_LOWERNNTOCKKS
#include "aegis/Conversion/NNToCKKS/Passes.h.inc"
} // namespace mlir::aegis

using namespace mlir;
using namespace mlir::aegis;
namespace ck = mlir::aegis::ckks;
namespace nnd = mlir::aegis::nn;
using namespace mlir::aegis::lowering;
using ::aegis::nn::Shape;
using ::aegis::nn::Tensor;

/// "12.3": bytes in GB to three digits, for diagnostics.
static std::string gigabytes(uint64_t bytes) {
  char text[32];
  std::snprintf(text, sizeof(text), "%.3g", double(bytes) / 1e9);
  return text;
}

namespace {

//===----------------------------------------------------------------------===//
// The pass
//===----------------------------------------------------------------------===//

struct LowerNNToCKKSPass
    : public mlir::aegis::impl::LowerNNToCKKSBase<LowerNNToCKKSPass> {
  using LowerNNToCKKSBase::LowerNNToCKKSBase;

  void runOnOperation() override;

  /// Level bootstrapped ciphertexts come out at (0: no bootstrapping).
  unsigned bootLevel = 0;
  /// Levels between bootstraps, known before the sizing run (0: none).
  unsigned refreshLevels = 0;
  /// Levels of each bootstrap transform (bootstrap-transform-levels).
  unsigned transformLevels = 3;
  /// Levels each nn op consumes (measured by an unbootstrapped sizing run):
  /// with bootstrapping, an op whose depth fits between two bootstraps gets
  /// its inputs refreshed once up front when they lack the levels, instead
  /// of its intermediate values being refreshed piecemeal.
  llvm::DenseMap<Operation *, unsigned> opDepth;
  bool recordDepths = false;
  /// Whole-program bootstrap placement: the sizing run records `dag`; the
  /// final run replays `plan` (when `usePlan`).
  BootstrapDag dag;
  BootstrapPlan plan;
  bool recordDag = false, usePlan = false;
  int64_t planMisses = 0;
  bool planBroken = false;
  std::string placementWhy;

  /// Lowers `entry` into a new function at the top level `top`; returns
  /// it. With `lowest`, only measures: no IR is built (the returned function
  /// is null) and `*lowest` is the lowest level any ciphertext reaches.
  FailureOr<func::FuncOp> lower(func::FuncOp entry, int64_t slots,
                                int64_t tokensPadded, unsigned top,
                                Report &report, unsigned *lowest = nullptr);
};

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

FailureOr<func::FuncOp> LowerNNToCKKSPass::lower(func::FuncOp entry,
                                                 int64_t slots,
                                                 int64_t tokensPadded,
                                                 unsigned top, Report &report,
                                                 unsigned *lowest) {
  ModuleOp module = getOperation();
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
  for (Operation &opRef : entry.getBody().front()) {
    Operation *op = &opRef;
    if (isa<nnd::ConstantOp>(op))
      continue;
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

/// Bytes of the program's evaluation keys, each at the highest level it is
/// used (the runtime generates them so): its rotation keys and the
/// relinearization key.
double evaluationKeyBytes(unsigned logN, size_t chain, unsigned special,
                          unsigned dnum, const Report &rep) {
  double bytes = 0;
  for (auto [k, level] : rep.rotationKeys)
    bytes += ::aegis::keySwitchKeyBytes(logN, chain, special, dnum, level);
  if (rep.relinLevel >= 0)
    bytes += ::aegis::keySwitchKeyBytes(logN, chain, special, dnum,
                                        size_t(rep.relinLevel));
  return bytes;
}

void LowerNNToCKKSPass::runOnOperation() {
  ModuleOp module = getOperation();
  // The pass instance may run on several modules (--split-input-file).
  bootLevel = refreshLevels = 0;
  opDepth.clear();
  usePlan = recordDag = planBroken = false;
  planMisses = 0;
  placementWhy.clear();
  if (bootstrapTransformLevels != 2 && bootstrapTransformLevels != 3) {
    emitError(module.getLoc())
        << "aegis-nn-to-ckks: bootstrap-transform-levels must be 2 or 3, got "
        << unsigned(bootstrapTransformLevels);
    return signalPassFailure();
  }
  if (bootstrapPlacement != "mincut" && bootstrapPlacement != "greedy") {
    emitError(module.getLoc())
        << "aegis-nn-to-ckks: bootstrap-placement must be mincut or greedy, "
           "got '"
        << bootstrapPlacement << "'";
    return signalPassFailure();
  }
  if (security != "128" && security != "toy") {
    emitError(module.getLoc()) << "aegis-nn-to-ckks: security must be 128 or "
                                  "toy, got '" << security << "'";
    return signalPassFailure();
  }
  bool toy = security == "toy";
  if (scaleBits == 0)
    scaleBits = toy ? 36 : 40;
  if (scaleBits < 20 || scaleBits > 50) {
    emitError(module.getLoc()) << "aegis-nn-to-ckks: scale-bits must be in 20..50";
    return signalPassFailure();
  }
  func::FuncOp entry = module.lookupSymbol<func::FuncOp>("main");
  if (!entry) {
    auto funcs = module.getOps<func::FuncOp>();
    if (std::distance(funcs.begin(), funcs.end()) == 1)
      entry = *funcs.begin();
  }
  if (!entry) {
    emitError(module.getLoc()) << "aegis-nn-to-ckks: need a function named "
                                  "'main' or exactly one function";
    return signalPassFailure();
  }
  // Token count: the rows of the inputs (the product of all but the last
  // dimension); the widest feature count decides the slots.
  int64_t tokens = 1, features = 1;
  for (Type t : entry.getArgumentTypes())
    if (auto r = dyn_cast<RankedTensorType>(t); r && r.getRank() >= 1) {
      tokens = std::max(tokens, r.getNumElements() / r.getShape().back());
      features = std::max<int64_t>(features, r.getShape().back());
    }
  entry.walk([&](Operation *op) {
    if (isa<nnd::MatMulOp, nnd::GemmOp>(op))
      if (auto r = dyn_cast<RankedTensorType>(op->getResult(0).getType()))
        features = std::max<int64_t>(features, r.getShape().back());
  });
  int64_t Tp = nextPow2(tokens);
  if (tokenTile != 0 && (tokenTile & (tokenTile - 1)) != 0) {
    emitError(module.getLoc()) << "aegis-nn-to-ckks: token-tile must be a "
                                  "power of two, got "
                               << unsigned(tokenTile);
    return signalPassFailure();
  }
  // Tokens are tiled: a ciphertext of S slots holds a tile of Tt tokens by
  // S / Tt features. One tile holds every token unless token-tile is set
  // or a head (the widest attention's dimension) would not fit the feature
  // blocks of a ciphertext; then the tile halves until it does.
  int64_t maxHead = 1;
  entry.walk([&](nnd::AttentionOp a) {
    auto t = cast<RankedTensorType>(a.getQuery().getType());
    maxHead = std::max(maxHead, nextPow2(t.getShape().back()));
  });
  auto tileFor = [&](int64_t slots) {
    int64_t t = Tp;
    if (tokenTile)
      t = std::min<int64_t>(t, tokenTile);
    else
      while (t > 1 && slots / t < maxHead)
        t /= 2;
    return std::min(t, slots);
  };
  unsigned ln = logN;
  // Why the ring is what it is, for the report.
  std::string ringWhy = "log-n fixed";
  if (ln == 0) {
    // Smallest ring whose slots hold every feature of a tensor in one
    // ciphertext, at least 2^10; at 128-bit, the depth decides too (below).
    ln = 10;
    while ((int64_t(1) << (ln - 1)) < Tp * nextPow2(features) && ln < 16)
      ++ln;
    ringWhy = "the smallest (at least 2^10) whose slots hold " +
              std::to_string(Tp) + " token slots x " +
              std::to_string(nextPow2(features)) + " features" +
              (ln == 16 && (int64_t(1) << 15) < Tp * nextPow2(features)
                   ? " (capped at 2^16: wider tensors take several "
                     "ciphertexts)"
                   : "");
  }
  if (ln < 10 || ln > 17) {
    emitError(module.getLoc()) << "aegis-nn-to-ckks: log-n " << ln
                               << " is outside 10..17";
    return signalPassFailure();
  }
  // bootstrap=auto: on at 128-bit when the depth does not fit N = 2^16 (or
  // the fixed log-n) unbootstrapped; toy chains have no bound, so off.
  if (bootstrap != "auto" && bootstrap != "true" && bootstrap != "false") {
    emitError(module.getLoc()) << "aegis-nn-to-ckks: bootstrap must be auto, "
                                  "true or false, got '"
                               << bootstrap << "'";
    return signalPassFailure();
  }
  bool boot = bootstrap == "true";
  const bool autoBoot = bootstrap == "auto" && !toy;
  // Why bootstrapping is on or off, for the report: set here when forced,
  // by the sizing below under auto.
  std::string why;
  if (boot)
    why = "bootstrapping on (bootstrap=true)";
  else if (toy)
    why = "bootstrapping off (toy parameters)";
  else if (bootstrap == "false")
    why = "bootstrapping off (bootstrap=false)";
  unsigned bootstrapLowerBound = 0, programDepth = 0;
  unsigned depth = 0, q0 = std::min(60u, unsigned(scaleBits) + 20), K = 0,
           dnum = 0;
  std::vector<int64_t> logQ, logP;
  int64_t logQP = 0;
  unsigned topLevel = 0;
  // The slots every ciphertext packs: N/2, fewer when bootstrapping.
  int64_t slots = int64_t(1) << (ln - 1);
  // Sizing: lower at a virtual top level to measure the depth, derive the
  // chain, and at 128-bit grow the ring until the chain fits the bound
  // (which changes the slots, so size again).
  for (; !boot;) {
    Report sizing;
    unsigned minLevel = kTopLevel;
    if (failed(lower(entry, int64_t(1) << (ln - 1),
                     tileFor(int64_t(1) << (ln - 1)), kTopLevel, sizing,
                     &minLevel)))
      return signalPassFailure();
    depth = kTopLevel - minLevel;
    // Chain: q_0 (scale + 20 bits of headroom, at most 60) and `depth`
    // primes of the scale's size.
    logQ.assign(1, q0);
    for (unsigned i = 0; i < depth; ++i)
      logQ.push_back(scaleBits);
    // Key switching: at 128-bit, three 60-bit special primes (P eats into
    // the security budget) and as many digits as that allows; for toy
    // parameters three digits and enough special primes to cover one
    // (smaller keys and cheaper key switches; no bound applies).
    unsigned perDigit;
    if (toy) {
      perDigit = (unsigned(logQ.size()) + 2) / 3;
      K = (q0 + (perDigit - 1) * unsigned(scaleBits) + 59) / 60;
    } else {
      K = 3;
      perDigit = std::max(1u, (60 * K) / unsigned(scaleBits));
      // q_0 may be in the first digit: keep that digit within P.
      while (perDigit > 1 && q0 + (perDigit - 1) * scaleBits > 60 * K)
        --perDigit;
    }
    dnum = (logQ.size() + perDigit - 1) / perDigit;
    logP.assign(K, 60);
    logQP = 60 * int64_t(K);
    for (int64_t v : logQ)
      logQP += v;
    if (toy || logQP <= ::aegis::ckks::maxLogQP(ln)) {
      if (autoBoot)
        why = "bootstrapping off (auto): depth " + std::to_string(depth) +
              " fits the 128-bit bound at N = 2^" + std::to_string(ln);
      break;
    }
    // Automatic bootstrapping: rather than a ring beyond 2^16, refresh.
    if (autoBoot && (ln >= 16 || logN != 0)) {
      why = "bootstrapping on (auto): depth " + std::to_string(depth) +
            " needs log2 QP = " + std::to_string(logQP) +
            ", beyond the 128-bit bound " +
            std::to_string(::aegis::ckks::maxLogQP(ln)) + " of N = 2^" +
            std::to_string(ln) + "; bootstrap=false grows the ring instead";
      boot = true;
      ringWhy = logN != 0 ? "log-n fixed"
                          : "2^16, the ring of the 128-bit bootstrapping "
                            "chain (no ring up to 2^16 holds the depth)";
      break;
    }
    if (ln == 17 || logN != 0) {
      emitError(module.getLoc())
          << "aegis-nn-to-ckks: the program needs multiplicative depth "
          << depth << " (log2 QP = " << logQP
          << "), beyond the 128-bit bound of N = 2^" << ln << " ("
          << ::aegis::ckks::maxLogQP(ln)
          << (logN != 0 ? "; log-n is fixed"
                        : "; the largest ring supported is 2^17")
          << "); compile with bootstrap=true to refresh ciphertexts instead";
      return signalPassFailure();
    }
    ++ln;
    ringWhy = "grown to meet the 128-bit bound for depth " +
              std::to_string(depth);
  }
  if (boot) {
    // The bootstrapping chain: nominal scale 2^42, `U` application levels
    // between bootstraps, the transforms' levels above them.
    if (scaleBits != (toy ? 36u : 40u) && scaleBits != 42u) {
      emitError(module.getLoc()) << "aegis-nn-to-ckks: with bootstrap the "
                                    "nominal scale is 2^42; leave scale-bits "
                                    "unset"
                                 << (why.empty() ? "" : " (" + why + ")");
      return signalPassFailure();
    }
    scaleBits = 42;
    if (!toy && logN == 0) {
      if (ln < 16)
        ringWhy = "2^16, the ring of the 128-bit bootstrapping chain";
      ln = std::max(ln, 16u);
    }
    slots = int64_t(1) << (ln - 1);
    // Sparse-slot bootstrapping: the ring is the chain's (2^16 at
    // 128-bit), usually far more slots than the tensors need. Packing into
    // the n slots that hold the widest tensor (n-periodic ciphertexts: CKKS
    // encodes n values in the subring of X^(N/2n), and rotations act modulo
    // n) makes every bootstrap sparse: one EvalMod instead of two, and
    // transforms over 2n slots instead of N.
    int64_t need = std::max<int64_t>(kMinSparseSlots, Tp * nextPow2(features));
    if (sparseSlots && need < slots) {
      slots = need;
      why += "; sparse slots: " + std::to_string(slots) + " of " +
             std::to_string(int64_t(1) << (ln - 1)) + " hold " +
             std::to_string(Tp) + " token slots x " +
             std::to_string(nextPow2(features)) +
             " features, so every bootstrap is a sparse one";
    }
    // Transforms of 2 levels each (bootstrap-transform-levels=2) leave the
    // chain 98 bits for two more application levels: fewer bootstraps, each
    // with more rotations (and keys) in its transforms.
    transformLevels = unsigned(bootstrapTransformLevels);
    auto chainQP = [&](unsigned levels) {
      ::aegis::ckks::ParameterSpec spec =
          ::aegis::ckks::bootstrapChainSpec(ln, levels, toy, transformLevels);
      int64_t bits = 0;
      for (unsigned v : spec.chainBits)
        bits += v;
      for (unsigned v : spec.specialBits)
        bits += v;
      return bits;
    };
    // Levels between bootstraps: the most the 128-bit bound allows (12 for
    // toy parameters), unless bootstrap-levels says.
    unsigned U = unsigned(bootstrapLevels);
    if (!U && toy)
      U = 12;
    if (!U) {
      // (Not monotone: the special primes cover the largest digit, whose
      // grouping moves with the chain's length.)
      U = 3;
      for (unsigned u = 4; u <= 30; ++u)
        if (chainQP(u) <= ::aegis::ckks::maxLogQP(ln))
          U = u;
      why += "; " + std::to_string(U) +
             " levels between bootstraps, the most the 128-bit bound allows "
             "with " +
             std::to_string(transformLevels) + " levels per transform";
    }
    if (U < 3) {
      emitError(module.getLoc()) << "aegis-nn-to-ckks: bootstrap-levels must "
                                    "be at least 3";
      return signalPassFailure();
    }
    ::aegis::ckks::ParameterSpec spec =
        ::aegis::ckks::bootstrapChainSpec(ln, U, toy, transformLevels);
    logQ.assign(spec.chainBits.begin(), spec.chainBits.end());
    logP.assign(spec.specialBits.begin(), spec.specialBits.end());
    dnum = spec.dnum;
    K = logP.size();
    q0 = logQ[0];
    logQP = 0;
    for (int64_t v : logQ)
      logQP += v;
    for (int64_t v : logP)
      logQP += v;
    if (!toy && logQP > ::aegis::ckks::maxLogQP(ln)) {
      emitError(module.getLoc())
          << "aegis-nn-to-ckks: " << U << " levels between bootstraps at N = 2^"
          << ln << " give log2 QP = " << logQP << ", beyond the 128-bit bound "
          << ::aegis::ckks::maxLogQP(ln) << "; use fewer bootstrap-levels";
      return signalPassFailure();
    }
    // Per-op depths (greedy placement) or the program's DAG (minimum-cut
    // placement) from an unbootstrapped sizing run.
    Report sizing;
    const bool minCut = bootstrapPlacement == "mincut";
    recordDepths = !minCut;
    recordDag = minCut;
    refreshLevels = U;
    dag = BootstrapDag();
    unsigned minLevel = kTopLevel;
    auto trial =
        lower(entry, slots, tileFor(slots), kTopLevel, sizing, &minLevel);
    recordDepths = recordDag = false;
    if (failed(trial))
      return signalPassFailure();
    // A lower bound on the bootstraps: the longest path spends
    // `programDepth` levels; a fresh input or a bootstrap is at level U and
    // every value keeps level 1, so each spends at most U - 1 of them.
    programDepth = kTopLevel - minLevel;
    bootstrapLowerBound =
        programDepth > U - 1 ? (programDepth + U - 2) / (U - 1) - 1 : 0;
    if (minCut) {
      plan = placeBootstraps(dag, U);
      usePlan = plan.ok;
      if (!plan.ok)
        placementWhy = "on demand (the minimum-cut placement found a path "
                       "with no value it may refresh)";
      else
        placementWhy = "placed over the whole program by minimum cuts in " +
                       std::to_string(plan.stages) + " stages";
      numBootstrapStages = plan.stages;
      dag = BootstrapDag();
    } else {
      placementWhy = "on demand (bootstrap-placement=greedy)";
    }
    bootLevel = U;
    topLevel = U;
    depth = U;
  }
  Report rep;
  if (!boot) {
    topLevel = depth;
    slots = int64_t(1) << (ln - 1);
  }
  int64_t tile = tileFor(slots);
  // The model's size in ops (constants aside), for the IR-size line.
  int64_t modelOps = 0;
  for (Operation &op : entry.getBody().front())
    if (!isa<nnd::ConstantOp, func::ReturnOp>(op))
      ++modelOps;
  auto func = lower(entry, slots, tile, topLevel, rep);
  if (failed(func) && planBroken) {
    // Internal inconsistency: fall back to on-demand refreshes, and say so.
    planBroken = usePlan = false;
    placementWhy = "on demand (the placement's program differed from the "
                   "final lowering: please report this model)";
    rep = Report();
    func = lower(entry, slots, tile, topLevel, rep);
  }
  if (failed(func))
    return signalPassFailure();
  int64_t irOps = 0, irPlaintexts = 0;
  func->walk([&](Operation *op) {
    if (isa<ck::EncodeOp>(op))
      ++irPlaintexts;
    else if (isa<ck::CKKSDialect>(op->getDialect()))
      ++irOps;
  });
  // Replace the nn function.
  StringRef name = entry.getName();
  std::string keep = name.str();
  entry.erase();
  func->setName(keep);
  module->setAttr(ck::CKKSDialect::kParamsAttrName,
                  ck::ParamsAttr::get(module.getContext(), ln, logQ, logP, dnum));
  // Bootstrapping holds for messages up to 8: divide by 2^headroom around
  // every bootstrap so that twice the calibrated bound fits.
  unsigned headroom = 0;
  if (boot) {
    while (headroom < 30 && 2 * rep.magnitude > 8.0 * std::ldexp(1.0, int(headroom)))
      ++headroom;
    module->setAttr(ck::CKKSDialect::kBootstrapHeadroomAttrName,
                    IntegerAttr::get(IntegerType::get(module.getContext(), 32),
                                     headroom));
    module->setAttr(ck::CKKSDialect::kBootstrapTransformLevelsAttrName,
                    IntegerAttr::get(IntegerType::get(module.getContext(), 32),
                                     transformLevels));
  }
  module->setAttr("ckks.nominal_scale",
                  IntegerAttr::get(IntegerType::get(module.getContext(), 32),
                                   scaleBits));
  // Nominal-scale error: each product rescale scales by q_l / 2^bits.
  double scaleErr = 0;
  try {
    ::aegis::ckks::ParameterSpec spec;
    spec.logDegree = ln;
    spec.chainBits.assign(logQ.begin(), logQ.end());
    spec.specialBits.assign(logP.begin(), logP.end());
    spec.dnum = dnum;
    spec.allowInsecure = true;
    auto params = ::aegis::ckks::Parameters::create(spec);
    size_t appLevels = boot ? bootLevel + 1 : params.chainModuli().size();
    for (size_t i = 1; i < appLevels; ++i)
      scaleErr = std::max(scaleErr, std::fabs(double(params.chainModuli()[i]) /
                                                  std::exp2(double(unsigned(scaleBits))) - 1));
  } catch (const std::exception &e) {
    emitError(module.getLoc()) << "aegis-nn-to-ckks: " << e.what();
    return signalPassFailure();
  }
  // Peak number of live ciphertexts (program order; inputs live from the
  // start), an upper bound of the evaluator's working set at top level.
  int64_t peakLive = 0;
  {
    llvm::DenseMap<Value, Operation *> lastUse;
    func->walk([&](Operation *op) {
      for (Value v : op->getOperands())
        if (isa<ck::CiphertextType>(v.getType()))
          lastUse[v] = op;
    });
    int64_t live = 0;
    for (BlockArgument a : func->getArguments())
      live += lastUse.count(a) ? 1 : 0;
    peakLive = live;
    for (Operation &op : func->getBody().front()) {
      for (Value r : op.getResults())
        if (isa<ck::CiphertextType>(r.getType()) && lastUse.count(r))
          ++live;
      peakLive = std::max(peakLive, live);
      for (Value v : op.getOperands())
        if (isa<ck::CiphertextType>(v.getType()) && lastUse.lookup(v) == &op) {
          lastUse.erase(v);
          --live;
        }
    }
  }
  numRotations = rep.rotations;
  numRelinearizations = rep.relinearizations;
  numBootstraps = rep.bootstraps;
  numPlainProducts = rep.mulPlain;
  auto kernelKeySwitches = [&](const char *family) -> int64_t {
    auto it = rep.kernels.find(family);
    return it == rep.kernels.end() ? 0 : it->second.keySwitches();
  };
  numAttentionKeySwitches = kernelKeySwitches("attention");
  numMatmulKeySwitches = kernelKeySwitches("matmul");
  const int64_t tiles = (tokens + tile - 1) / tile;
  numTokenTiles = tiles;
  double ctBytes = 2.0 * double(logQ.size()) * double(int64_t(1) << ln) * 8;
  if (report) {
    llvm::errs() << "aegis compile report\n"
                 << "  ring N = 2^" << ln << ", " << slots
                 << (slots < (int64_t(1) << (ln - 1)) ? " (sparse) " : " ")
                 << "slots, token block " << tile << ", " << (slots / tile)
                 << " features per ciphertext"
                 << (tiles > 1 ? " (" + std::to_string(tokens) +
                                     " tokens in " + std::to_string(tiles) +
                                     " tiles)"
                               : std::string())
                 << "\n"
                 << (boot ? "  levels between bootstraps " : "  depth ")
                 << depth << ": chain " << logQ.size() << " primes (q0 " << q0
                 << " bits, " << depth << " x " << scaleBits << " bits"
                 << (boot ? ", " + std::to_string(logQ.size() - 1 - depth) +
                                     " bootstrapping levels"
                               : std::string())
                 << "), P = " << K << " x " << logP[0] << " bits, dnum "
                 << dnum << ", log2 QP = " << logQP << " ("
                 << (logQP <= ::aegis::ckks::maxLogQP(ln)
                         ? "128-bit secure"
                         : "INSECURE: toy parameters")
                 << ")\n"
                 << "  ring chosen: " << ringWhy << "\n"
                 << "  " << why << "\n"
                 << "  nominal scale 2^" << scaleBits
                 << ", per-product scale error <= "
                 << llvm::format("%.1e", scaleErr) << "\n"
                 << "  bootstraps " << rep.bootstraps
                 << (boot ? " (refresh to level " + std::to_string(bootLevel) +
                                     " of " + std::to_string(logQ.size() - 1) +
                                     ", messages divided by 2^" +
                                     std::to_string(headroom) +
                                     " around them; lower bound " +
                                     std::to_string(bootstrapLowerBound) +
                                     ": the longest path spends " +
                                     std::to_string(programDepth) +
                                     " levels, " +
                                     std::to_string(bootLevel - 1) +
                                     " per refresh; " + placementWhy +
                                     (planMisses
                                          ? ", " + std::to_string(planMisses) +
                                                " more on demand"
                                          : std::string()) +
                                     ")"
                               : std::string())
                 << "\n"
                 << "  key switches " << (rep.rotations + rep.relinearizations)
                 << " (" << rep.rotations << " rotations, "
                 << rep.relinearizations << " relinearizations), "
                 << rep.mulPlain << " plaintext products, " << rep.rescales
                 << " rescales\n"
                 << "  rotation keys " << rep.rotationKeys.size()
                 << " (before the key budget) + relinearization: "
                 << llvm::format("%.1f", evaluationKeyBytes(ln, logQ.size(), K,
                                                            dnum, rep) /
                                             1048576.0)
                 << " MiB of evaluation keys (each at the highest level it "
                    "is used)\n"
                 << "  ciphertexts: " << peakLive << " live at peak x "
                 << llvm::format("%.1f", ctBytes / 1048576.0)
                 << " MiB at the top level = "
                 << llvm::format("%.1f", peakLive * ctBytes / 1048576.0)
                 << " MiB (upper bound)\n";
    llvm::errs() << "  IR: " << irOps << " ckks ops and " << irPlaintexts
                 << " plaintexts for " << modelOps << " model ops ("
                 << llvm::format("%.0f", double(irOps) / std::max<int64_t>(1, modelOps))
                 << " per model op; flat: one op per ciphertext operation, "
                    "sums of plaintext products as one)\n";
    // What runs where: the client's plaintext prefix (token-id models:
    // embedding lookups, position ids) and the encrypted rest.
    if (auto client = module.lookupSymbol<func::FuncOp>("client")) {
      std::map<std::string, int> ops;
      int total = 0;
      client.walk([&](Operation *op) {
        if (!isa<nnd::ConstantOp, func::ReturnOp, func::FuncOp>(op))
          ++ops[op->getName().getStringRef().str()], ++total;
      });
      llvm::errs() << "  where: client (plaintext, before encryption) "
                   << total << " ops (";
      bool first = true;
      for (auto &[name, n] : ops) {
        llvm::errs() << (first ? "" : ", ") << name << " " << n;
        first = false;
      }
      llvm::errs() << "), server (encrypted) " << modelOps << " model ops\n";
    } else {
      llvm::errs() << "  where: server (encrypted) " << modelOps
                   << " model ops; the client only encrypts the inputs\n";
    }
    // Key switches per kernel family, largest first.
    std::vector<std::pair<std::string, KernelCounts>> kernels(
        rep.kernels.begin(), rep.kernels.end());
    std::stable_sort(kernels.begin(), kernels.end(),
                     [](const auto &x, const auto &y) {
                       return x.second.keySwitches() > y.second.keySwitches();
                     });
    llvm::errs() << "  key switches by kernel:";
    for (auto &[name, k] : kernels)
      llvm::errs() << " " << name << " " << k.keySwitches() << " ("
                   << k.ops << (k.ops == 1 ? " op" : " ops")
                   << (k.bootstraps ? ", " + std::to_string(k.bootstraps) +
                                          " bootstraps"
                                    : std::string())
                   << ")" << (&k == &kernels.back().second ? "" : ",");
    llvm::errs() << "\n";
    for (const std::string &a : rep.approximations)
      llvm::errs() << "  approx " << a << "\n";
  }
}

} // namespace
