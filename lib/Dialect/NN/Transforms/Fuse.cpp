//===- Fuse.cpp - recognise LayerNorm, GELU and attention -----------------===//

#include "aegis/Dialect/NN/IR/NNOps.h"
#include "aegis/Dialect/NN/Interpreter/Interpreter.h"
#include "aegis/Dialect/NN/Transforms/Passes.h"

#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

#include <cmath>
#include <optional>

namespace mlir::aegis::nn {
#define GEN_PASS_DEF_FUSE
#include "aegis/Dialect/NN/Transforms/Passes.h.inc"
} // namespace mlir::aegis::nn

using namespace mlir;
using namespace mlir::aegis::nn;

namespace {

/// The value of a constant whose elements are all equal (a scalar, [1], or
/// a splat), if `v` is one.
std::optional<double> constantScalar(Value v) {
  auto c = v.getDefiningOp<ConstantOp>();
  if (!c)
    return std::nullopt;
  auto t = tensorFromAttr(c.getValue(), c.getLoc());
  if (failed(t) || t->data.empty())
    return std::nullopt;
  for (double d : t->data)
    if (d != t->data[0])
      return std::nullopt;
  return t->data[0];
}

bool near(std::optional<double> v, double want, double rel = 1e-4) {
  return v && std::fabs(*v - want) <= rel * std::fabs(want);
}

/// For a commutative binary op, finds the operand that is a constant
/// scalar; returns it and the other operand.
template <typename OpTy>
bool splitConstant(OpTy op, double &c, Value &other) {
  if (auto v = constantScalar(op.getRhs())) {
    c = *v;
    other = op.getLhs();
    return true;
  }
  if (auto v = constantScalar(op.getLhs())) {
    c = *v;
    other = op.getRhs();
    return true;
  }
  return false;
}

bool sameShape(Value a, Value b) {
  return cast<RankedTensorType>(a.getType()).getShape() ==
         cast<RankedTensorType>(b.getType()).getShape();
}

/// The trailing axis from which `axes` reduce (they must be exactly
/// start..rank-1), or -1.
int64_t trailingAxes(ArrayRef<int64_t> axes, int64_t rank) {
  if (axes.empty())
    return -1;
  SmallVector<int64_t> norm;
  for (int64_t a : axes)
    norm.push_back(normalizeAxis(a, rank));
  llvm::sort(norm);
  for (size_t i = 0; i < norm.size(); ++i)
    if (norm[i] != rank - static_cast<int64_t>(norm.size()) + static_cast<int64_t>(i))
      return -1;
  return norm.front();
}

/// The operand of a binary `op` other than `v`.
Value otherOperand(Operation *op, Value v) {
  return op->getOperand(0) == v ? op->getOperand(1) : op->getOperand(0);
}

/// Whether `p` broadcasts to the normalised axes [axis..] of `x` without
/// growing them (a LayerNorm / RMSNorm scale or bias).
bool normParamFits(Value p, Value x, int64_t axis) {
  auto shape = cast<RankedTensorType>(p.getType()).getShape();
  auto xs = cast<RankedTensorType>(x.getType()).getShape();
  auto normalized = xs.drop_front(axis);
  auto bc = broadcastShapes(shape, normalized);
  return bc && ArrayRef<int64_t>(*bc) == normalized &&
         shape.size() <= normalized.size();
}

//===----------------------------------------------------------------------===//
// LayerNorm
//===----------------------------------------------------------------------===//

/// div(sub(x, mean(x)), sqrt(add(mean(pow(sub(x, mean(x)), 2)), eps)))
/// [* scale] [+ bias]  ->  nn.layer_norm(x, scale, bias)
struct FuseLayerNorm : OpRewritePattern<DivOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(DivOp div,
                                PatternRewriter &rewriter) const override {
    auto sub = div.getLhs().getDefiningOp<SubOp>();
    auto sqrt = div.getRhs().getDefiningOp<SqrtOp>();
    if (!sub || !sqrt)
      return failure();
    Value x = sub.getLhs();
    auto mean = sub.getRhs().getDefiningOp<ReduceMeanOp>();
    if (!mean || mean.getInput() != x || !mean.getKeepdims())
      return failure();
    int64_t rank = cast<RankedTensorType>(x.getType()).getRank();
    int64_t axis = trailingAxes(mean.getAxes(), rank);
    if (axis < 0 || !sameShape(sub, x))
      return failure();
    auto addEps = sqrt.getInput().getDefiningOp<AddOp>();
    if (!addEps)
      return failure();
    double eps;
    Value varV;
    if (!splitConstant(addEps, eps, varV) || eps < 0)
      return failure();
    auto var = varV.getDefiningOp<ReduceMeanOp>();
    if (!var || !var.getKeepdims() ||
        trailingAxes(var.getAxes(), rank) != axis)
      return failure();
    Value sq = var.getInput();
    bool squares = false;
    if (auto pow = sq.getDefiningOp<PowOp>())
      squares = pow.getLhs() == sub.getResult() &&
                near(constantScalar(pow.getRhs()), 2.0, 0);
    else if (auto mul = sq.getDefiningOp<MulOp>())
      squares = mul.getLhs() == sub.getResult() &&
                mul.getRhs() == sub.getResult();
    if (!squares)
      return failure();

    // Absorb an element-wise scale and bias over the normalised axes.
    Operation *root = div;
    Value scale, bias;
    auto paramFits = [&](Value p) { return normParamFits(p, x, axis); };
    if (root->hasOneUse())
      if (auto mul = dyn_cast<MulOp>(*root->user_begin())) {
        Value other = mul.getLhs() == root->getResult(0) ? mul.getRhs()
                                                          : mul.getLhs();
        if (paramFits(other) && sameShape(mul, x)) {
          scale = other;
          root = mul;
        }
      }
    if (scale && root->hasOneUse())
      if (auto add = dyn_cast<AddOp>(*root->user_begin())) {
        Value other = add.getLhs() == root->getResult(0) ? add.getRhs()
                                                          : add.getLhs();
        if (paramFits(other) && sameShape(add, x)) {
          bias = other;
          root = add;
        }
      }
    rewriter.setInsertionPoint(root);
    auto ln = LayerNormOp::create(
        rewriter, root->getLoc(), x.getType(), x, scale, bias,
        rewriter.getI64IntegerAttr(axis - rank), rewriter.getF64FloatAttr(eps),
        UnitAttr());
    rewriter.replaceOp(root, ln.getResult());
    return success();
  }
};

/// x / sqrt(mean(x^2) + eps) [* scale], with the division written as
/// div(x, s), mul(x, reciprocal(s)) or mul(x, div(1, s))  ->
/// nn.layer_norm {rms}(x, scale)  (RMSNorm: LLaMA, T5).
struct FuseRMSNorm : OpRewritePattern<SqrtOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(SqrtOp sqrt,
                                PatternRewriter &rewriter) const override {
    auto addEps = sqrt.getInput().getDefiningOp<AddOp>();
    double eps;
    Value varV;
    if (!addEps || !splitConstant(addEps, eps, varV) || eps < 0 ||
        !sqrt->hasOneUse())
      return failure();
    auto var = varV.getDefiningOp<ReduceMeanOp>();
    if (!var || !var.getKeepdims())
      return failure();
    Value sq = var.getInput();
    Value x;
    if (auto pow = sq.getDefiningOp<PowOp>()) {
      if (near(constantScalar(pow.getRhs()), 2.0, 0))
        x = pow.getLhs();
    } else if (auto mul = sq.getDefiningOp<MulOp>()) {
      if (mul.getLhs() == mul.getRhs())
        x = mul.getLhs();
    }
    if (!x)
      return failure();
    int64_t rank = cast<RankedTensorType>(x.getType()).getRank();
    int64_t axis = trailingAxes(var.getAxes(), rank);
    if (axis < 0)
      return failure();
    // The normalisation x * (1 / sqrt(...)).
    Operation *user = *sqrt->user_begin();
    Operation *root = nullptr;
    if (auto div = dyn_cast<DivOp>(user)) {
      if (div.getRhs() == sqrt.getResult() && div.getLhs() == x)
        root = div;
      else if (div.getRhs() == sqrt.getResult() &&
               near(constantScalar(div.getLhs()), 1.0, 0))
        user = div; // 1 / sqrt: the product with x follows
    }
    if (!root && (isa<ReciprocalOp>(user) || isa<DivOp>(user)) &&
        user->hasOneUse())
      if (auto mul = dyn_cast<MulOp>(*user->user_begin()))
        if (otherOperand(mul, user->getResult(0)) == x)
          root = mul;
    if (!root || !sameShape(root->getResult(0), x))
      return failure();
    Value scale;
    if (root->hasOneUse())
      if (auto mul = dyn_cast<MulOp>(*root->user_begin())) {
        Value other = otherOperand(mul, root->getResult(0));
        if (other.getDefiningOp<ConstantOp>() && normParamFits(other, x, axis) &&
            sameShape(mul, x)) {
          scale = other;
          root = mul;
        }
      }
    rewriter.setInsertionPoint(root);
    auto ln = LayerNormOp::create(
        rewriter, root->getLoc(), x.getType(), x, scale, Value(),
        rewriter.getI64IntegerAttr(axis - rank), rewriter.getF64FloatAttr(eps),
        rewriter.getUnitAttr());
    rewriter.replaceOp(root, ln.getResult());
    return success();
  }
};

//===----------------------------------------------------------------------===//
// GELU
//===----------------------------------------------------------------------===//

/// Walks up the single-use product chain above `inner` (the `1 + erf` or
/// `1 + tanh` term) and checks that its other factors are exactly `x` and
/// 0.5, in any order or grouping. Returns the root of the chain.
Operation *matchHalfXTimes(Value inner, Value x) {
  bool haveX = false, haveHalf = false;
  Value cur = inner;
  Operation *root = nullptr;
  auto absorb = [&](Value factor) {
    if (factor == x && !haveX) {
      haveX = true;
      return true;
    }
    if (near(constantScalar(factor), 0.5, 0) && !haveHalf) {
      haveHalf = true;
      return true;
    }
    // A pre-computed 0.5 * x.
    if (auto m = factor.getDefiningOp<MulOp>()) {
      if (!m->hasOneUse() || haveX || haveHalf)
        return false;
      double c;
      Value other;
      if (splitConstant(m, c, other) && c == 0.5 && other == x) {
        haveX = haveHalf = true;
        return true;
      }
    }
    return false;
  };
  while (!(haveX && haveHalf)) {
    if (!cur.hasOneUse())
      return nullptr;
    auto mul = dyn_cast<MulOp>(*cur.user_begin());
    if (!mul)
      return nullptr;
    Value other = mul.getLhs() == cur ? mul.getRhs() : mul.getLhs();
    if (!absorb(other))
      return nullptr;
    cur = mul.getResult();
    root = mul;
  }
  return root && sameShape(root->getResult(0), x) ? root : nullptr;
}

/// `1 + f` where f is the single-use result of `op`; returns the add.
Value onePlus(Operation *op) {
  if (!op->hasOneUse())
    return {};
  auto add = dyn_cast<AddOp>(*op->user_begin());
  double c;
  Value other;
  if (!add || !splitConstant(add, c, other) || c != 1.0)
    return {};
  return add.getResult();
}

struct FuseGeluErf : OpRewritePattern<ErfOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(ErfOp erf,
                                PatternRewriter &rewriter) const override {
    Value x;
    Value in = erf.getInput();
    if (auto div = in.getDefiningOp<DivOp>()) {
      if (!near(constantScalar(div.getRhs()), std::sqrt(2.0)))
        return failure();
      x = div.getLhs();
    } else if (auto mul = in.getDefiningOp<MulOp>()) {
      double c;
      if (!splitConstant(mul, c, x) || !near(c, 1 / std::sqrt(2.0)))
        return failure();
    } else {
      return failure();
    }
    Value inner = onePlus(erf);
    if (!inner)
      return failure();
    Operation *root = matchHalfXTimes(inner, x);
    if (!root)
      return failure();
    rewriter.setInsertionPoint(root);
    rewriter.replaceOpWithNewOp<GeluOp>(root, x.getType(), x,
                                        rewriter.getStringAttr("none"));
    return success();
  }
};

/// x^3 as pow(x, 3), x*x*x or x*(x*x); returns x.
Value cubeBase(Value v) {
  if (auto pow = v.getDefiningOp<PowOp>())
    return near(constantScalar(pow.getRhs()), 3.0, 0) ? pow.getLhs() : Value();
  auto mul = v.getDefiningOp<MulOp>();
  if (!mul)
    return {};
  for (auto [a, b] : {std::pair(mul.getLhs(), mul.getRhs()),
                      std::pair(mul.getRhs(), mul.getLhs())})
    if (auto sq = b.getDefiningOp<MulOp>())
      if (sq.getLhs() == a && sq.getRhs() == a)
        return a;
  return {};
}

struct FuseGeluTanh : OpRewritePattern<TanhOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(TanhOp tanh,
                                PatternRewriter &rewriter) const override {
    // sqrt(2/pi) * (x + 0.044715 * x^3)
    auto outer = tanh.getInput().getDefiningOp<MulOp>();
    double c;
    Value sum;
    if (!outer || !splitConstant(outer, c, sum) ||
        !near(c, std::sqrt(2.0 / M_PI)))
      return failure();
    auto add = sum.getDefiningOp<AddOp>();
    if (!add)
      return failure();
    Value x;
    for (auto [a, b] : {std::pair(add.getLhs(), add.getRhs()),
                        std::pair(add.getRhs(), add.getLhs())}) {
      auto cubic = b.getDefiningOp<MulOp>();
      double k;
      Value cube;
      if (cubic && splitConstant(cubic, k, cube) && near(k, 0.044715) &&
          cubeBase(cube) == a) {
        x = a;
        break;
      }
    }
    if (!x)
      return failure();
    Value inner = onePlus(tanh);
    if (!inner)
      return failure();
    Operation *root = matchHalfXTimes(inner, x);
    if (!root)
      return failure();
    rewriter.setInsertionPoint(root);
    rewriter.replaceOpWithNewOp<GeluOp>(root, x.getType(), x,
                                        rewriter.getStringAttr("tanh"));
    return success();
  }
};

/// x * sigmoid(x) (either order)  ->  nn.silu(x): one approximation
/// instead of an approximation and a product.
struct FuseSilu : OpRewritePattern<MulOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(MulOp mul,
                                PatternRewriter &rewriter) const override {
    for (auto [a, b] : {std::pair(mul.getLhs(), mul.getRhs()),
                        std::pair(mul.getRhs(), mul.getLhs())}) {
      auto sig = b.getDefiningOp<SigmoidOp>();
      if (!sig || sig.getInput() != a || !sig->hasOneUse() ||
          !sameShape(mul, a))
        continue;
      rewriter.replaceOpWithNewOp<SiluOp>(mul, a.getType(), a);
      return success();
    }
    return failure();
  }
};

//===----------------------------------------------------------------------===//
// Attention
//===----------------------------------------------------------------------===//

/// Peels a constant scalar factor (mul by c, or div by c) off `v`.
Value peelScale(Value v, double &scale) {
  while (true) {
    if (auto mul = v.getDefiningOp<MulOp>()) {
      double c;
      Value other;
      if (mul->hasOneUse() && splitConstant(mul, c, other) && sameShape(mul, other)) {
        scale *= c;
        v = other;
        continue;
      }
    }
    if (auto div = v.getDefiningOp<DivOp>()) {
      auto c = constantScalar(div.getRhs());
      if (div->hasOneUse() && c && *c != 0 && sameShape(div, div.getLhs())) {
        scale /= *c;
        v = div.getLhs();
        continue;
      }
    }
    return v;
  }
}

bool swapsLastTwo(ArrayRef<int64_t> perm) {
  size_t n = perm.size();
  if (n < 2)
    return false;
  for (size_t i = 0; i + 2 < n; ++i)
    if (perm[i] != static_cast<int64_t>(i))
      return false;
  return perm[n - 2] == static_cast<int64_t>(n - 1) &&
         perm[n - 1] == static_cast<int64_t>(n - 2);
}

/// What a constant additive mask means to nn.attention: nothing (all
/// zero), exactly the causal mask (keys after each query removed, nothing
/// added), or a general mask.
enum class MaskMeaning { None, Causal, General };

MaskMeaning classifyMask(const Tensor &m, int64_t queries, int64_t keys) {
  int64_t rank = int64_t(m.shape.size());
  int64_t mq = rank >= 2 ? m.shape[rank - 2] : 1;
  int64_t mk = rank >= 1 ? m.shape[rank - 1] : 1;
  bool zero = true, causal = mq == queries && mk == keys;
  for (size_t i = 0; i < m.data.size(); ++i) {
    double v = m.data[i];
    bool removed = ::aegis::nn::maskRemoves(v);
    if (v != 0)
      zero = false;
    if (!causal)
      continue;
    int64_t t2 = int64_t(i) % mk, t = (int64_t(i) / mk) % mq;
    bool want = t2 > t + keys - queries;
    if (removed != want || (!removed && v != 0))
      causal = false;
  }
  return zero ? MaskMeaning::None
              : causal ? MaskMeaning::Causal : MaskMeaning::General;
}

/// The probabilities `softmax` feeds to the value product: the softmax
/// itself, or scaled_dot_product_attention's guard where(is_nan(p), 0, p)
/// around it (nn.attention gives zeros for fully masked rows, which is
/// what the guard computes).
Value probabilities(SoftmaxOp softmax) {
  Value p = softmax.getResult();
  if (p.hasOneUse())
    return p;
  if (!llvm::hasNItems(p.getUses(), 2))
    return {};
  IsNanOp isNan;
  WhereOp guard;
  for (Operation *user : p.getUsers()) {
    if (auto n = dyn_cast<IsNanOp>(user))
      isNan = n;
    else if (auto w = dyn_cast<WhereOp>(user))
      guard = w;
  }
  if (!isNan || !guard || !isNan->hasOneUse() ||
      guard.getCondition() != isNan.getResult() || guard.getRhs() != p ||
      guard.getLhs() == p || !near(constantScalar(guard.getLhs()), 0.0, 0) ||
      !sameShape(guard, softmax) || !guard->hasOneUse())
    return {};
  return guard.getResult();
}

struct FuseAttention : OpRewritePattern<SoftmaxOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(SoftmaxOp softmax,
                                PatternRewriter &rewriter) const override {
    auto type = cast<RankedTensorType>(softmax.getType());
    if (type.getRank() < 2 ||
        normalizeAxis(softmax.getAxis(), type.getRank()) != type.getRank() - 1)
      return failure();
    Value probs = probabilities(softmax);
    if (!probs || !probs.hasOneUse())
      return failure();
    auto pv = dyn_cast<MatMulOp>(*probs.user_begin());
    if (!pv || pv.getLhs() != probs)
      return failure();
    Value v = pv.getRhs();

    double scale = 1.0;
    Value scores = softmax.getInput();
    Value mask;
    std::optional<Tensor> maskConst;
    RankedTensorType maskType;
    // A constant-condition Where with a constant fill is the additive mask
    // where(c, 0, fill); an Add of a mask is one already. Nothing is created
    // until the whole pattern has matched.
    if (auto where = scores.getDefiningOp<WhereOp>()) {
      // where(c, scores, fill) keeps the scores where c holds; the masked
      // fill form where(c, fill, scores) replaces them there.
      auto cond = where.getCondition().getDefiningOp<ConstantOp>();
      auto fillRhs = constantScalar(where.getRhs());
      auto fillLhs = constantScalar(where.getLhs());
      if (!cond || (!fillRhs && !fillLhs) || !where->hasOneUse())
        return failure();
      bool fillWhereTrue = !fillRhs;
      double fill = fillWhereTrue ? *fillLhs : *fillRhs;
      auto condT = tensorFromAttr(cond.getValue(), cond.getLoc());
      if (failed(condT))
        return failure();
      maskConst = *condT;
      for (double &d : maskConst->data)
        d = (d != 0) == fillWhereTrue ? fill : 0.0;
      maskType = RankedTensorType::get(
          cast<RankedTensorType>(cond.getType()).getShape(),
          type.getElementType());
      scores = fillWhereTrue ? where.getRhs() : where.getLhs();
    } else if (auto add = scores.getDefiningOp<AddOp>()) {
      if (!add->hasOneUse())
        return failure();
      // The scores are the operand that is a (scaled) q.k^T product.
      auto isScores = [&](Value s) {
        double dummy = 1;
        return static_cast<bool>(peelScale(s, dummy).getDefiningOp<MatMulOp>());
      };
      if (isScores(add.getLhs())) {
        scores = add.getLhs();
        mask = add.getRhs();
      } else if (isScores(add.getRhs())) {
        scores = add.getRhs();
        mask = add.getLhs();
      } else {
        return failure();
      }
      if (auto c = mask.getDefiningOp<ConstantOp>()) {
        auto t = tensorFromAttr(c.getValue(), c.getLoc());
        if (failed(t))
          return failure();
        maskConst = *t;
        maskType = cast<RankedTensorType>(mask.getType());
      }
    }
    // A constant mask is structure: none, causal, or a general constant.
    bool causal = false;
    if (maskConst) {
      int64_t queries = type.getShape()[type.getRank() - 2],
              keys = type.getShape().back();
      MaskMeaning meaning = classifyMask(*maskConst, queries, keys);
      causal = meaning == MaskMeaning::Causal;
      if (meaning != MaskMeaning::General)
        maskConst.reset();
      mask = Value();
    }
    scores = peelScale(scores, scale);
    auto qk = scores.getDefiningOp<MatMulOp>();
    // The mask must not broadcast the scores to a larger shape.
    if (!qk || !qk->hasOneUse() || !sameShape(qk, softmax))
      return failure();
    Value q = peelScale(qk.getLhs(), scale);
    Value kt = qk.getRhs();
    Value k;
    if (auto t = kt.getDefiningOp<TransposeOp>();
        t && swapsLastTwo(t.getPerm())) {
      k = peelScale(t.getInput(), scale);
    } else {
      kt = peelScale(kt, scale);
    }
    auto rank2 = [](Value x) {
      return cast<RankedTensorType>(x.getType()).getRank() >= 2;
    };
    if (!rank2(q) || !rank2(kt) || !rank2(v))
      return failure();

    Location loc = softmax.getLoc();
    rewriter.setInsertionPoint(pv);
    if (maskConst)
      mask = ConstantOp::create(rewriter, loc,
                                tensorToAttr(*maskConst, maskType));
    if (!k) {
      auto ktType = cast<RankedTensorType>(kt.getType());
      SmallVector<int64_t> perm, shape(ktType.getShape());
      for (int64_t i = 0; i < ktType.getRank(); ++i)
        perm.push_back(i);
      std::swap(perm[perm.size() - 1], perm[perm.size() - 2]);
      std::swap(shape[shape.size() - 1], shape[shape.size() - 2]);
      k = TransposeOp::create(
          rewriter, loc, RankedTensorType::get(shape, ktType.getElementType()),
          kt, rewriter.getDenseI64ArrayAttr(perm));
    }
    auto att = AttentionOp::create(rewriter, pv.getLoc(), pv.getType(), q, k, v,
                                   mask, rewriter.getF64FloatAttr(scale),
                                   causal ? rewriter.getUnitAttr() : UnitAttr());
    rewriter.replaceOp(pv, att.getResult());
    return success();
  }
};

struct FusePass : public mlir::aegis::nn::impl::FuseBase<FusePass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<FuseLayerNorm, FuseRMSNorm, FuseSilu, FuseGeluErf, FuseGeluTanh, FuseAttention>(
        &getContext());
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace
