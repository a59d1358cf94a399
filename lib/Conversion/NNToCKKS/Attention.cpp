//===- Attention.cpp - softmax attention -----------------------------------===//
//
// docs/Lowering.md describes the algorithm and its costs.
//
//===----------------------------------------------------------------------===//

#include "Lowering.h"

#include "llvm/Support/Format.h"
#include "llvm/Support/raw_ostream.h"

#include <array>

using namespace mlir;
using namespace mlir::aegis;
using namespace mlir::aegis::lowering;
namespace nnd = mlir::aegis::nn;

FailureOr<Packed> Lowering::attention(nnd::AttentionOp op, const Packed &q,
                                      const Packed &k, const Packed &v,
                                      const Tensor *mask) {
  // q, k, v: [..., H, T, dh] with leading unit dims.
  int64_t rank = q.shape.size();
  if (rank < 2 || k.shape != q.shape || v.shape != q.shape)
    return fail(op, "needs q, k and v of one shape [..., heads, tokens, dim]");
  int64_t dh = q.shape[rank - 1], T = q.shape[rank - 2];
  int64_t H = int64_t(q.slot.size()) / (T * dh);
  if (T > Tp)
    return fail(op, "more tokens than the packing's token block");
  auto scoreRange = op->getAttrOfType<DenseF64ArrayAttr>("nn.score_range");
  auto lse = op->getAttrOfType<DenseF64ArrayAttr>("nn.logsumexp_range");
  if (!scoreRange || !lse)
    return fail(op, "has no nn.score_range / nn.logsumexp_range (run "
                    "aegis-nn-calibrate)");
  struct HeadLayout {
    int64_t ct, base;
  };
  auto headLayout = [&](const Packed &x, int64_t h, HeadLayout &out) {
    for (int64_t t = 0; t < T; ++t)
      for (int64_t d = 0; d < dh; ++d) {
        int64_t g = x.slot[(h * T + t) * dh + d];
        if (t == 0 && d == 0)
          out = {ctOf(g), blockOf(g)};
        if (tokenOf(g) != t || ctOf(g) != out.ct || blockOf(g) != out.base + d)
          return false;
      }
    return out.base + dh <= F;
  };
  // Group heads by ciphertexts and the K/V block offsets.
  std::map<std::array<int64_t, 5>, std::vector<int64_t>> groups;
  std::vector<int64_t> qBase(H);
  for (int64_t h = 0; h < H; ++h) {
    HeadLayout lq, lk, lv;
    if (!headLayout(q, h, lq) || !headLayout(k, h, lk) || !headLayout(v, h, lv))
      return fail(op, "q, k or v is not packed one head per run of blocks "
                      "(unsupported layout)");
    qBase[h] = lq.base;
    groups[{lq.ct, lk.ct, lv.ct, lk.base - lq.base, lv.base - lq.base}]
        .push_back(h);
  }
  double scale = op.getScale().convertToDouble();
  // Q and K feed a product and the packing mask, V one product per offset:
  // refresh them once here rather than each rotation of them later.
  Packed qb = q, kb = k, vb = v;
  for (Ct &c : qb.cts)
    c = ensure(c, 2);
  for (Ct &c : kb.cts)
    c = ensure(c, 2);
  for (Ct &c : vb.cts)
    c = ensure(c, 1);
  // Mask (additive, broadcast to [H, T, T]); <= -1e4 means removed.
  Tensor m;
  if (mask) {
    Shape ms = {H, T, T};
    Tensor mk = *mask;
    // Drop leading unit dims so it broadcasts against [H, T, T].
    while (mk.shape.size() > 3 && mk.shape.front() == 1)
      mk.shape.erase(mk.shape.begin());
    m = ::aegis::nn::expand(mk, ms);
  } else {
    m = Tensor(Shape{H, T, T});
  }
  auto maskAt = [&](int64_t h, int64_t t, int64_t t2) {
    return m.data[(h * T + t) * T + t2];
  };
  // Each softmax row (head h, query t) is shifted by its own calibrated
  // centre c(h, t) of log(sum(exp)) (a plaintext added with the mask, no
  // level): its denominator exp(lse - c) stays near 1 whatever the row's
  // scale, so one inverse approximation serves every row (rows with one
  // key, as the first of a causal mask, included). Without per-row ranges
  // the shift is the global score maximum.
  auto rowLse = op->getAttrOfType<DenseF64ArrayAttr>("nn.row_logsumexp_ranges");
  auto rowScore = op->getAttrOfType<DenseF64ArrayAttr>("nn.row_score_ranges");
  bool perRow = rowLse && rowScore && int64_t(rowLse.size()) == 2 * H * T &&
                int64_t(rowScore.size()) == 2 * H * T;
  std::vector<double> shift(H * T, scoreRange[1]);
  double xlo = scoreRange[0] - scoreRange[1], xhi = 0;
  double dlo = lse[0] - scoreRange[1], dhi = lse[1] - scoreRange[1];
  if (perRow) {
    xlo = INFINITY, xhi = -INFINITY, dlo = INFINITY, dhi = -INFINITY;
    for (int64_t row = 0; row < H * T; ++row) {
      double lo = rowLse[2 * row], hi = rowLse[2 * row + 1];
      if (!(lo <= hi))
        continue; // every entry of the row is masked
      shift[row] = 0.5 * (lo + hi);
      dlo = std::min(dlo, lo - shift[row]);
      dhi = std::max(dhi, hi - shift[row]);
      xlo = std::min(xlo, rowScore[2 * row] - shift[row]);
      xhi = std::max(xhi, rowScore[2 * row + 1] - shift[row]);
    }
  }
  // Widen: the exponent by the margin of the score spread (at least 1),
  // the denominators by the same amount in the log domain.
  double widen = std::max(1.0, margin * (scoreRange[1] - scoreRange[0]));
  double slo = std::min(xlo - widen, -1e-3), shi = std::max(xhi + widen, 1e-3);
  auto fexp = [](double x) { return std::exp(x); };
  ChebyshevSeries pexp =
      ::aegis::fitToError(fexp, slo, shi, approxError / (4 * T), 63);
  double p0 = pexp.evaluate(0.0);
  double rlo = std::exp(dlo - widen);
  double rhi = std::min(double(T) * std::exp(shi), std::exp(dhi + widen));
  noteMagnitude(slo);
  noteMagnitude(std::exp(shi));
  noteMagnitude(rhi);
  noteMagnitude(1.0 / rlo);
  auto finv = [](double x) { return 1.0 / x; };
  ChebyshevSeries pinv = ::aegis::fitToError(finv, rlo, rhi, 0.2 / rlo, 31);
  double relInv = 0;
  for (int i = 0; i <= 1024; ++i) {
    double x = rlo + (rhi - rlo) * i / 1024.0;
    relInv = std::max(relInv, std::fabs(pinv.evaluate(x) * x - 1));
  }
  // Newton's y <- y (2 - x y) squares the relative error 1 - x y; it
  // converges from any start with |1 - x y0| < 1. When the Chebyshev fit
  // is not that good over a wide range, start from the constant
  // 2 / (a + b) (|1 - x y0| <= 1 - 2a / (a + b)) and iterate longer.
  int maxNewton = 6;
  if (!(relInv < 0.9)) {
    pinv.coeffs.assign(1, 2.0 / (rlo + rhi));
    relInv = 1 - 2 * rlo / (rlo + rhi);
    maxNewton = 40;
  }
  int newton = 0;
  double e = relInv;
  while (e > approxError / 8 && newton < maxNewton)
    e = e * e, ++newton;
  if (e > approxError)
    return fail(op, "softmax denominators span [" + std::to_string(rlo) + ", " +
                        std::to_string(rhi) +
                        "], too wide for the inverse approximation");
  {
    std::string line;
    llvm::raw_string_ostream os(line);
    os << "attention exp(s - c) (c: " << (perRow ? "per-row" : "global")
       << " shift) on [" << llvm::format("%.3f", slo) << ", "
       << llvm::format("%.3f", shi) << "]: degree " << pexp.degree()
       << ", max error " << llvm::format("%.2e", ::aegis::maxError(pexp, fexp))
       << "; 1/sum on [" << llvm::format("%.3g", rlo) << ", "
       << llvm::format("%.3g", rhi) << "]: degree " << pinv.degree() << " + "
       << newton << " Newton steps, relative error " << llvm::format("%.2e", e);
    report.approximations.push_back(os.str());
  }
  Packed out = q;
  llvm::SmallVector<Ct> outCts(q.cts.size());
  for (auto &[key, heads] : groups) {
    int64_t cq = key[0], ckt = key[1], cv = key[2];
    int64_t shiftK = key[3] * Tp, shiftV = key[4] * Tp;
    // Offsets r = t2 - t with at least one kept entry.
    std::vector<int64_t> offsets;
    for (int64_t r = -(T - 1); r <= T - 1; ++r) {
      bool any = false;
      for (int64_t h : heads)
        for (int64_t t = 0; t < T && !any; ++t)
          if (t + r >= 0 && t + r < T && maskAt(h, t, t + r) > -1e4)
            any = true;
      if (any)
        offsets.push_back(r);
    }
    int64_t R = offsets.size();
    int64_t G = (R + dh - 1) / dh;
    std::vector<Ct> packedRaw(G);
    std::vector<std::vector<double>> addMask(G, std::vector<double>(S, 0.0));
    std::vector<std::vector<double>> invalid(G, std::vector<double>(S, 1.0));
    for (int64_t j = 0; j < R; ++j) {
      int64_t r = offsets[j], gi = j / dh, p = j % dh;
      Ct kr = rotate(kb.cts[ckt], shiftK + r);
      Ct prod = mul(qb.cts[cq], kr);
      // Sum over the head's dh blocks (valid at the head's first block).
      Ct s = prod;
      if ((dh & (dh - 1)) == 0) {
        for (int64_t st = 1; st < dh; st <<= 1)
          s = add(s, rotate(s, st * Tp));
      } else {
        Ct acc = prod;
        for (int64_t d = 1; d < dh; ++d)
          acc = add(acc, rotate(prod, d * Tp));
        s = acc;
      }
      // Keep the valid entries (times the scale) and move them to block
      // base + p.
      std::vector<double> keep(S, 0.0);
      for (int64_t h : heads)
        for (int64_t t = 0; t < T; ++t) {
          int64_t t2 = t + r;
          if (t2 < 0 || t2 >= T || maskAt(h, t, t2) <= -1e4)
            continue;
          keep[qBase[h] * Tp + t] = scale;
          int64_t dst = (qBase[h] + p) * Tp + t;
          addMask[gi][dst] = maskAt(h, t, t2) - shift[h * T + t];
          invalid[gi][dst] = 0.0;
        }
      Ct kept = rotate(mulPlainRaw(s, keep), -p * Tp);
      packedRaw[gi] = add(packedRaw[gi], kept);
    }
    std::vector<Ct> ex(G);
    Ct sum;
    for (int64_t gi = 0; gi < G; ++gi) {
      Ct sc = addPlain(rescale(packedRaw[gi]), addMask[gi]);
      Ct ev = chebyshev(sc, pexp);
      // Empty slots evaluated p(0): remove it exactly.
      std::vector<double> sub0(S);
      for (int64_t s = 0; s < S; ++s)
        sub0[s] = -p0 * invalid[gi][s];
      ex[gi] = addPlain(ev, sub0);
      sum = add(sum, ex[gi]);
    }
    for (int64_t st = 1; st < dh; st <<= 1)
      sum = add(sum, rotate(sum, st * Tp));
    if ((dh & (dh - 1)) != 0)
      return fail(op, "head dimension must be a power of two");
    // Slots other than (head base, token) get a harmless denominator.
    std::vector<double> fill(S, 0.5 * (rlo + rhi));
    std::vector<double> baseMask(S, 0.0);
    for (int64_t h : heads)
      for (int64_t t = 0; t < T; ++t)
        fill[qBase[h] * Tp + t] = 0, baseMask[qBase[h] * Tp + t] = 1;
    sum = addPlain(sum, fill);
    Ct inv = chebyshev(sum, pinv);
    for (int i = 0; i < newton; ++i) {
      Ct xy = mul(sum, inv);
      inv = mul(inv, addConst(negate(xy), 2.0));
    }
    // Broadcast 1/sum over the head's blocks.
    Ct invB = mulPlain(inv, baseMask);
    for (int64_t st = 1; st < dh; st <<= 1)
      invB = add(invB, rotate(invB, -st * Tp));
    // Attention weights, still packed: one product per packed ciphertext.
    std::vector<Ct> weights(G);
    for (int64_t gi = 0; gi < G; ++gi)
      weights[gi] = mul(ex[gi], invB);
    Ct acc;
    for (int64_t j = 0; j < R; ++j) {
      int64_t r = offsets[j], gi = j / dh, p = j % dh;
      Ct a = weights[gi];
      std::vector<double> pick(S, 0.0);
      for (int64_t h : heads)
        for (int64_t t = 0; t < T; ++t)
          pick[(qBase[h] + p) * Tp + t] = 1.0;
      Ct col = rotate(mulPlain(a, pick), p * Tp);
      for (int64_t st = 1; st < dh; st <<= 1)
        col = add(col, rotate(col, -st * Tp));
      Ct vr = rotate(vb.cts[cv], shiftV + r);
      acc = add(acc, mul(col, vr));
    }
    outCts[cq] = add(outCts[cq], acc);
  }
  // Ciphertexts of q that hold no head of the output stay empty: drop.
  Packed result;
  result.shape = q.shape;
  std::map<int64_t, int64_t> renumber;
  for (size_t c = 0; c < outCts.size(); ++c)
    if (outCts[c]) {
      renumber[c] = result.cts.size();
      result.cts.push_back(outCts[c]);
    }
  result.slot = q.slot;
  for (int64_t &g : result.slot)
    g = renumber.at(ctOf(g)) * S + g % S;
  return result;
}
