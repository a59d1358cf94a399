//===- Attention.cpp - softmax attention -----------------------------------===//
//
// docs/Lowering.md describes the algorithm and its costs.
//
//===----------------------------------------------------------------------===//

#include "Lowering.h"

#include "llvm/Support/Format.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>
#include <set>
#include <tuple>

using namespace mlir;
using namespace mlir::aegis;
using namespace mlir::aegis::lowering;
namespace nnd = mlir::aegis::nn;

Lowering::SoftmaxShifts Lowering::softmaxShifts(nnd::AttentionOp op,
                                                int64_t H, int64_t T) {
  auto scoreRange = op->getAttrOfType<DenseF64ArrayAttr>("nn.score_range");
  auto lse = op->getAttrOfType<DenseF64ArrayAttr>("nn.logsumexp_range");
  // Each softmax row (head h, query t) is shifted by its own calibrated
  // centre c(h, t) of log(sum(exp)) (a plaintext added with the mask, no
  // level): its denominator exp(lse - c) stays near 1 whatever the row's
  // scale, so one inverse approximation serves every row (rows with one
  // key, as the first of a causal mask, included). Without per-row ranges
  // the shift is the global score maximum.
  auto rowLse = op->getAttrOfType<DenseF64ArrayAttr>("nn.row_logsumexp_ranges");
  auto rowScore = op->getAttrOfType<DenseF64ArrayAttr>("nn.row_score_ranges");
  SoftmaxShifts r;
  r.perRow = rowLse && rowScore && int64_t(rowLse.size()) == 2 * H * T &&
             int64_t(rowScore.size()) == 2 * H * T;
  r.shift.assign(H * T, scoreRange[1]);
  r.xlo = scoreRange[0] - scoreRange[1], r.xhi = 0;
  r.dlo = lse[0] - scoreRange[1], r.dhi = lse[1] - scoreRange[1];
  if (r.perRow) {
    r.xlo = INFINITY, r.xhi = -INFINITY, r.dlo = INFINITY, r.dhi = -INFINITY;
    for (int64_t row = 0; row < H * T; ++row) {
      double lo = rowLse[2 * row], hi = rowLse[2 * row + 1];
      if (!(lo <= hi))
        continue; // every entry of the row is masked
      r.shift[row] = 0.5 * (lo + hi);
      r.dlo = std::min(r.dlo, lo - r.shift[row]);
      r.dhi = std::max(r.dhi, hi - r.shift[row]);
      r.xlo = std::min(r.xlo, rowScore[2 * row] - r.shift[row]);
      r.xhi = std::max(r.xhi, rowScore[2 * row + 1] - r.shift[row]);
    }
  }
  return r;
}

FailureOr<std::pair<Fit, Fit>> Lowering::attentionFits(nnd::AttentionOp op) {
  auto scoreRange = op->getAttrOfType<DenseF64ArrayAttr>("nn.score_range");
  auto lse = op->getAttrOfType<DenseF64ArrayAttr>("nn.logsumexp_range");
  auto qt = cast<RankedTensorType>(op.getQuery().getType());
  if (!scoreRange || !lse || qt.getRank() < 2) {
    (void)fail(op, "has no nn.score_range / nn.logsumexp_range (run "
                   "aegis-nn-calibrate)");
    return failure();
  }
  int64_t dh = qt.getShape().back(), T = qt.getShape()[qt.getRank() - 2];
  int64_t H = qt.getNumElements() / std::max<int64_t>(1, T * dh);
  SoftmaxShifts sh = softmaxShifts(op, H, T);
  // Widen: the exponent by the margin of the score spread (at least 1),
  // the denominators by the same amount in the log domain.
  double widen = std::max(1.0, margin * (scoreRange[1] - scoreRange[0]));
  double slo = std::min(sh.xlo - widen, -1e-3),
         shi = std::max(sh.xhi + widen, 1e-3);
  auto fexp = [](double x) { return std::exp(x); };
  ChebyshevSeries pexp =
      ::aegis::fitToError(fexp, slo, shi, approxError / (4 * T), 63);
  double rlo = std::exp(sh.dlo - widen);
  double rhi = std::min(double(T) * std::exp(shi), std::exp(sh.dhi + widen));
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
  // Steps from a start with relative error e0, at most `cap`.
  auto steps = [&](double e0, int cap, double &e) {
    int n = 0;
    e = e0;
    while (e > approxError / 8 && n < cap)
      e = e * e, ++n;
    return n;
  };
  double e = 1;
  int newton = relInv < 0.9 ? steps(relInv, 6, e) : 0;
  int invDegree = pinv.degree();
  if (!(relInv < 0.9) || e > approxError) {
    // The fit is too coarse (or needs more than 6 steps): the constant
    // start always converges, in more steps.
    double eConst = 1;
    int nConst = steps(1 - 2 * rlo / (rlo + rhi), 40, eConst);
    if (eConst <= approxError || !(relInv < 0.9)) {
      invDegree = 0;
      newton = nConst, e = eConst;
    }
  }
  // A wider fit may reach the error in fewer levels: a degree of 2^k - 1
  // spends k levels, each Newton (Goldschmidt) step one. Keep the fit of
  // least depth (the lower degree on a tie: fewer products).
  if (invDegree > 0 && e <= approxError) {
    int depth = ceilLog2(invDegree + 1) + newton;
    for (int degree : {63, 127}) {
      if (degree <= invDegree)
        continue;
      ChebyshevSeries wide = ::aegis::fitChebyshev(finv, rlo, rhi, degree);
      double rel = 0;
      for (int i = 0; i <= 1024; ++i) {
        double x = rlo + (rhi - rlo) * i / 1024.0;
        rel = std::max(rel, std::fabs(wide.evaluate(x) * x - 1));
      }
      if (!(rel < 0.9))
        continue;
      double eWide = 1;
      int n = steps(rel, 6, eWide);
      if (eWide <= approxError && ceilLog2(degree + 1) + n < depth) {
        depth = ceilLog2(degree + 1) + n;
        invDegree = degree, newton = n, e = eWide;
      }
    }
  }
  if (e > approxError) {
    (void)fail(op, "softmax denominators span [" + std::to_string(rlo) + ", " +
                       std::to_string(rhi) +
                       "], too wide for the inverse approximation");
    return failure();
  }
  Fit fe, fi;
  fe.lo = slo, fe.hi = shi, fe.degree = pexp.degree();
  fi.lo = rlo, fi.hi = rhi, fi.degree = invDegree, fi.newton = newton;
  return std::make_pair(fe, fi);
}

FailureOr<Packed> Lowering::attention(nnd::AttentionOp op, const Packed &q,
                                      const Packed &k, const Packed &v,
                                      const Tensor *mask) {
  // q, k, v: [..., H, T, dh] with leading unit dims.
  int64_t rank = q.shape.size();
  if (rank < 2 || k.shape != q.shape || v.shape != q.shape)
    return fail(op, "needs q, k and v of one shape [..., heads, tokens, dim]");
  int64_t dh = q.shape[rank - 1], T = q.shape[rank - 2];
  int64_t H = int64_t(q.slot.size()) / (T * dh);
  auto scoreRange = op->getAttrOfType<DenseF64ArrayAttr>("nn.score_range");
  auto lse = op->getAttrOfType<DenseF64ArrayAttr>("nn.logsumexp_range");
  if (!scoreRange || !lse)
    return fail(op, "has no nn.score_range / nn.logsumexp_range (run "
                    "aegis-nn-calibrate)");
  if ((dh & (dh - 1)) != 0) {
    // A head dimension that is not a power of two (e.g. 12) is padded with
    // zero features to the next one, laid out as the projection [tokens,
    // heads x padded dim] would be: zeros change no score and no output;
    // the padding is dropped again afterwards.
    int64_t dhp = nextPow2(dh);
    Shape padded = q.shape;
    padded.back() = dhp;
    int64_t n = 0;
    std::vector<int64_t> canon = canonicalSlots(Shape{T, H * dhp}, n);
    std::vector<int64_t> target(H * T * dhp);
    for (int64_t h = 0; h < H; ++h)
      for (int64_t t = 0; t < T; ++t)
        for (int64_t d = 0; d < dhp; ++d)
          target[(h * T + t) * dhp + d] = canon[t * H * dhp + h * dhp + d];
    auto pad = [&](const Packed &x) {
      Packed xp;
      xp.cts = x.cts;
      xp.shape = padded;
      xp.slot.assign(target.size(), -1);
      for (int64_t r = 0; r < H * T; ++r)
        for (int64_t d = 0; d < dh; ++d)
          xp.slot[r * dhp + d] = x.slot[r * dh + d];
      return relayout(xp, target, n);
    };
    auto out = attention(op, pad(q), pad(k), pad(v), mask);
    if (failed(out))
      return failure();
    std::vector<int64_t> slots(H * T * dh);
    for (int64_t r = 0; r < H * T; ++r)
      for (int64_t d = 0; d < dh; ++d)
        slots[r * dh + d] = out->slot[r * dhp + d];
    out->shape = q.shape;
    out->slot = std::move(slots);
    return out;
  }
  if (dh > F) {
    std::string shape;
    for (int64_t d : q.shape)
      shape += (shape.empty() ? "" : "x") + std::to_string(d);
    return fail(op, "q, k, v [" + shape + "]: a head of dimension " +
                        std::to_string(dh) + " does not fit the " +
                        std::to_string(F) +
                        " feature blocks of a ciphertext (token tile " +
                        std::to_string(Tp) + " x " + std::to_string(F) +
                        " features = " + std::to_string(S) +
                        " slots); use token-tile=" +
                        std::to_string(std::max<int64_t>(1, S / dh)) +
                        " or smaller");
  }
  // Every (head, token) row of q, k and v must lie in one ciphertext, its
  // dh dimensions in consecutive blocks starting at a block that is the
  // same for every token of the head, at the token's slot in the block.
  struct Pos {
    int64_t ct, tok;
  };
  std::vector<Pos> qpos(H * T), kpos(H * T), vpos(H * T);
  std::vector<int64_t> qBase(H), kBase(H), vBase(H);
  auto rowLayout = [&](const Packed &x, std::vector<Pos> &pos,
                       std::vector<int64_t> &base) {
    for (int64_t h = 0; h < H; ++h)
      for (int64_t t = 0; t < T; ++t) {
        int64_t g0 = x.slot[(h * T + t) * dh];
        if (t == 0)
          base[h] = blockOf(g0);
        if (blockOf(g0) != base[h] || base[h] + dh > F)
          return false;
        pos[h * T + t] = {ctOf(g0), tokenOf(g0)};
        for (int64_t d = 1; d < dh; ++d) {
          int64_t g = x.slot[(h * T + t) * dh + d];
          if (ctOf(g) != ctOf(g0) || tokenOf(g) != tokenOf(g0) ||
              blockOf(g) != base[h] + d)
            return false;
        }
      }
    return true;
  };
  if (!rowLayout(q, qpos, qBase) || !rowLayout(k, kpos, kBase) ||
      !rowLayout(v, vpos, vBase))
    return fail(op, "q, k or v is not packed one head per run of blocks "
                    "(unsupported layout)");
  // Key tiles of each head: a key's K and V rows share their slot, and
  // K's ciphertext decides V's.
  std::vector<std::map<int64_t, int64_t>> vOfK(H);
  for (int64_t i = 0; i < H * T; ++i) {
    auto [it, inserted] = vOfK[i / T].emplace(kpos[i].ct, vpos[i].ct);
    if (kpos[i].tok != vpos[i].tok || it->second != vpos[i].ct)
      return fail(op, "k and v are not packed alike (unsupported layout)");
  }
  // Groups: heads whose query tokens share a ciphertext, with the same K/V
  // block offsets and key tiles; one softmax per group, whose rows span
  // every key tile.
  struct Group {
    std::vector<int64_t> heads;
    /// Per head of `heads`: its query tokens in this tile.
    std::vector<std::vector<int64_t>> tokens;
  };
  using GroupKey = std::tuple<int64_t, int64_t, int64_t, std::vector<int64_t>>;
  std::map<GroupKey, Group> groups;
  for (int64_t h = 0; h < H; ++h) {
    // (K ciphertext, V ciphertext) of each key tile, flattened.
    std::vector<int64_t> keyCts;
    for (auto [kc, vc] : vOfK[h])
      keyCts.push_back(kc), keyCts.push_back(vc);
    std::map<int64_t, std::vector<int64_t>> byCt;
    for (int64_t t = 0; t < T; ++t)
      byCt[qpos[h * T + t].ct].push_back(t);
    for (auto &[cq, toks] : byCt) {
      Group &g = groups[{cq, kBase[h] - qBase[h], vBase[h] - qBase[h],
                         keyCts}];
      g.heads.push_back(h);
      g.tokens.push_back(toks);
    }
  }
  double scale = op.getScale().convertToDouble();
  // Refresh Q, K and V once here (with bootstrapping) rather than each
  // rotation of them later. Q spends the product and the score mask; K a
  // diagonal mask, the product and the score mask; V a diagonal mask and
  // the product.
  Packed qb = q, kb = k, vb = v;
  for (Ct &c : qb.cts)
    c = ensure(c, 2);
  for (Ct &c : kb.cts)
    c = ensure(c, 3);
  for (Ct &c : vb.cts)
    c = ensure(c, 2);
  // Mask (additive, broadcast to [H, T, T]); <= -1e4 means removed. Read
  // through broadcast strides: [H, T, T] itself would take H T^2 doubles.
  Tensor m;
  int64_t mStride[3] = {0, 0, 0};
  if (mask) {
    m = *mask;
    // Drop leading unit dims, then pad to rank 3.
    while (m.shape.size() > 3 && m.shape.front() == 1)
      m.shape.erase(m.shape.begin());
    while (m.shape.size() < 3)
      m.shape.insert(m.shape.begin(), 1);
    const int64_t full[3] = {H, T, T};
    int64_t stride = 1;
    for (int i = 2; i >= 0; --i) {
      if (m.shape[i] != 1 && m.shape[i] != full[i])
        return fail(op, "the mask does not broadcast to [heads, tokens, "
                        "tokens]");
      mStride[i] = m.shape[i] == 1 ? 0 : stride;
      stride *= m.shape[i];
    }
  }
  bool causal = op.getCausal();
  auto maskAt = [&](int64_t h, int64_t t, int64_t t2) {
    if (causal && t2 > t)
      return -std::numeric_limits<double>::infinity();
    return mask ? m.data[h * mStride[0] + t * mStride[1] + t2 * mStride[2]]
                : 0.0;
  };
  SoftmaxShifts shifts = softmaxShifts(op, H, T);
  const std::vector<double> &shift = shifts.shift;
  const bool perRow = shifts.perRow;
  std::optional<Fit> fitExp = readFit(op, kApproxExpAttr),
                     fitInv = readFit(op, kApproxInverseAttr);
  if (!fitExp || !fitInv) {
    auto chosen = attentionFits(op);
    if (failed(chosen))
      return failure();
    fitExp = chosen->first, fitInv = chosen->second;
  }
  if (!(fitExp->lo < fitExp->hi) || fitExp->degree < 1 ||
      fitExp->degree > 255 || !(fitInv->lo > 0 && fitInv->lo < fitInv->hi) ||
      fitInv->degree < 0 || fitInv->degree > 127 || fitInv->newton < 0 ||
      fitInv->newton > 40)
    return fail(op, "has a ckks.approx_exp or ckks.approx_inverse out of "
                    "range (intervals; degrees 1..255 and 0..127; at most 40 "
                    "Newton steps)");
  auto fexp = [](double x) { return std::exp(x); };
  auto finv = [](double x) { return 1.0 / x; };
  const double slo = fitExp->lo, shi = fitExp->hi;
  const double rlo = fitInv->lo, rhi = fitInv->hi;
  const int newton = fitInv->newton;
  ChebyshevSeries pexp = fitExp->series(fexp);
  ChebyshevSeries pinv = fitInv->series(finv);
  double p0 = pexp.evaluate(0.0);
  noteMagnitude(slo);
  noteMagnitude(std::exp(shi));
  noteMagnitude(rhi);
  noteMagnitude(1.0 / rlo);
  // Newton's y <- y (2 - x y) squares the relative error 1 - x y.
  double e = 0;
  for (int i = 0; i <= 1024; ++i) {
    double x = rlo + (rhi - rlo) * i / 1024.0;
    e = std::max(e, std::fabs(pinv.evaluate(x) * x - 1));
  }
  for (int i = 0; i < newton; ++i)
    e = e * e;
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
  llvm::SmallVector<Ct> outCts(q.cts.size());
  // Skip building slot vectors when they are not materialized (non-zero
  // stand-ins: a plaintext add or product is emitted either way).
  const bool values = materialize;
  auto slotVector = [&](double init) {
    return std::vector<double>(values ? S : 1, values ? init : 1.0);
  };
  // One head per ciphertext (F = dh): rotating by whole blocks is cyclic
  // within the head, so the two halves of every shift below share one
  // rotation and one relinearization.
  const bool headPerCt = F == dh;
  for (auto &[key, group] : groups) {
    int64_t cq = std::get<0>(key);
    int64_t shiftK = std::get<1>(key) * Tp, shiftV = std::get<2>(key) * Tp;
    // Key tile j is K ciphertext keyCts[j] and V ciphertext valueCts[j].
    std::vector<int64_t> keyCts, valueCts;
    for (size_t i = 0; i < std::get<3>(key).size(); i += 2)
      keyCts.push_back(std::get<3>(key)[i]),
          valueCts.push_back(std::get<3>(key)[i + 1]);
    const std::vector<int64_t> &heads = group.heads;
    // Per key tile and head: the key token at each slot (-1: none).
    std::vector<std::vector<std::vector<int64_t>>> keyAt(
        keyCts.size(), std::vector<std::vector<int64_t>>(
                           heads.size(), std::vector<int64_t>(Tp, -1)));
    for (size_t hi = 0; hi < heads.size(); ++hi)
      for (int64_t t2 = 0; t2 < T; ++t2) {
        const Pos &p = kpos[heads[hi] * T + t2];
        size_t j = std::lower_bound(keyCts.begin(), keyCts.end(), p.ct) -
                   keyCts.begin();
        keyAt[j][hi][p.tok] = t2;
      }
    // Whether the score (head hi, query token t, key tile j, offset r) is
    // kept, and its key token.
    auto keyOf = [&](size_t j, size_t hi, int64_t t, int64_t r) -> int64_t {
      int64_t tk = qpos[heads[hi] * T + t].tok + r;
      if (tk < 0 || tk >= Tp)
        return -1;
      int64_t t2 = keyAt[j][hi][tk];
      return t2 >= 0 && !::aegis::nn::maskRemoves(maskAt(heads[hi], t, t2))
                 ? t2
                 : -1;
    };
    // Block masks in the group's head frame: block base + d of every head,
    // all token slots; `lo` of shift k: d < dh - k, `hi`: d >= dh - k.
    auto blockMask = [&](const std::vector<int64_t> &base, int64_t from,
                         int64_t to) {
      std::vector<double> m = slotVector(0.0);
      if (values)
        for (int64_t h : heads)
          for (int64_t d = from; d < to; ++d)
            std::fill(m.begin() + (base[h] + d) * Tp,
                      m.begin() + (base[h] + d + 1) * Tp, 1.0);
      return m;
    };
    // Diagonals of the (dh x dh) blocks of K and V a run needs: block d
    // of diagonal(x, j, u0, k) holds token t + u0 + ((d + k) mod dh) of key
    // tile j (at the query's slot t), so that one product with Q (or with
    // the weights rotated k blocks) pairs dimension d with offset
    // u0 + ((d + k) mod dh). Built from whole-ciphertext rotations of x by
    // u (shared by every diagonal that needs them) and block masks, split
    // into the blocks d < dh - k (`lo`) and the others (`hi`), which move
    // to different blocks afterwards unless a head fills its ciphertext.
    std::map<std::tuple<int, size_t, int64_t>, Ct> rotations;
    // K and V are rotated by many offsets: below the refresh level
    // (Lowering::belowTop), each key needs one key-switching digit fewer.
    std::map<std::pair<int, size_t>, Ct> sources;
    auto rotated = [&](int which, size_t j, int64_t u) {
      auto key = std::make_tuple(which, j, u);
      auto it = rotations.find(key);
      if (it != rotations.end())
        return it->second;
      auto [src, fresh] = sources.try_emplace({which, j});
      if (fresh)
        src->second =
            belowTop(which == 0 ? kb.cts[keyCts[j]] : vb.cts[valueCts[j]]);
      return rotations[key] =
                 rotate(src->second, (which == 0 ? shiftK : shiftV) + u);
    };
    std::vector<std::vector<double>> dimMask(dh);
    for (int64_t d = 0; d < dh; ++d)
      dimMask[d] = blockMask(qBase, d, d + 1);
    auto diagonal = [&](int which, size_t j, int64_t u0, int64_t k,
                        int64_t from, int64_t to) {
      llvm::SmallVector<Ct> terms;
      std::vector<std::vector<double>> masks;
      for (int64_t d = from; d < to; ++d) {
        terms.push_back(rotated(which, j, u0 + (d + k) % dh));
        masks.push_back(dimMask[d]);
      }
      return rescale(dotPlainRaw(terms, masks));
    };
    // Packed groups: dh consecutive offsets r0 .. r0 + dh - 1 of one key
    // tile, offset r0 + p scored at block base + p; a group whose scores
    // are all masked (a later tile under a causal mask) is skipped.
    struct Run {
      size_t tile;
      int64_t r0;
    };
    std::vector<Run> runs;
    for (size_t j = 0; j < keyCts.size(); ++j)
      for (int64_t r0 = -(Tp - 1); r0 <= Tp - 1; r0 += dh) {
        bool any = false;
        for (int64_t p = 0; p < dh && !any; ++p)
          for (size_t hi = 0; hi < heads.size() && !any; ++hi)
            for (int64_t t : group.tokens[hi])
              if (keyOf(j, hi, t, r0 + p) >= 0) {
                any = true;
                break;
              }
        if (any)
          runs.push_back({j, r0});
      }
    int64_t G = runs.size();
    std::vector<Ct> packedRaw(G);
    // The exponential's affine map t = alphaE s + betaE is folded into the
    // keep mask and the additive mask (no level of its own); slots that
    // hold no score get t = betaE, i.e. s = 0, as before.
    const double alphaE = pexp.unitScale(), betaE = pexp.unitShift();
    std::vector<std::vector<double>> addMask(G, slotVector(betaE));
    std::vector<std::vector<double>> invalid(G, slotVector(1.0));
    for (int64_t gi = 0; gi < G; ++gi) {
      auto [j, r0] = runs[gi];
      // Block base + p gets sum_d q[t, d] k[t + r0 + p, d]: the term of
      // dimension d comes from block d and shift k = p - d (mod dh), the
      // key rotated by r0 + k (or r0 + k - dh past the head's end), then
      // moved k blocks up.
      Ct scores;
      for (int64_t k = 0; k < dh; ++k) {
        if (headPerCt) {
          Ct prod = mul(qb.cts[cq], diagonal(0, j, r0, k, 0, dh));
          scores = add(scores, rotate(prod, -k * Tp));
          continue;
        }
        Ct lo = mul(qb.cts[cq], diagonal(0, j, r0, k, 0, dh - k));
        scores = add(scores, rotate(lo, -k * Tp));
        if (k > 0) {
          Ct hi = mul(qb.cts[cq], diagonal(0, j, r0, k, dh - k, dh));
          scores = add(scores, rotate(hi, (dh - k) * Tp));
        }
      }
      // Keep the valid scores (times the scale).
      std::vector<double> keep = slotVector(0.0);
      if (values)
        for (size_t hi = 0; hi < heads.size(); ++hi) {
          int64_t h = heads[hi];
          for (int64_t t : group.tokens[hi])
            for (int64_t p = 0; p < dh; ++p) {
              int64_t t2 = keyOf(j, hi, t, r0 + p);
              if (t2 < 0)
                continue;
              int64_t at = (qBase[h] + p) * Tp + qpos[h * T + t].tok;
              keep[at] = scale * alphaE;
              addMask[gi][at] =
                  alphaE * (maskAt(h, t, t2) - shift[h * T + t]) + betaE;
              invalid[gi][at] = 0.0;
            }
        }
      packedRaw[gi] = mulPlainRaw(scores, keep);
    }
    std::vector<Ct> ex(G);
    Ct sum;
    for (int64_t gi = 0; gi < G; ++gi) {
      Ct sc = addPlain(rescale(packedRaw[gi]), addMask[gi]);
      Ct ev = chebyshev(sc, pexp, /*mapped=*/true);
      // Empty slots evaluated p(0): remove it exactly.
      std::vector<double> sub0 = slotVector(0.0);
      if (values)
        for (int64_t s = 0; s < S; ++s)
          sub0[s] = -p0 * invalid[gi][s];
      ex[gi] = addPlain(ev, sub0);
      sum = add(sum, ex[gi]);
    }
    for (int64_t st = 1; st < dh; st <<= 1)
      sum = add(sum, rotate(sum, st * Tp));
    // Slots other than (head base, token) get a harmless denominator.
    std::vector<double> fill = slotVector(0.5 * (rlo + rhi));
    std::vector<double> baseMask = slotVector(0.0);
    if (values)
      for (size_t hi = 0; hi < heads.size(); ++hi)
        for (int64_t t : group.tokens[hi]) {
          int64_t at = qBase[heads[hi]] * Tp + qpos[heads[hi] * T + t].tok;
          fill[at] = 0, baseMask[at] = 1;
        }
    sum = addPlain(sum, fill);
    // t = alpha x + beta on the fit's interval; x is read back from t (one
    // constant product, beside the polynomial's levels), so that everything
    // after it depends on t alone (one value to refresh, not two).
    const double alphaI = pinv.unitScale(), betaI = pinv.unitShift();
    Ct tInv = addConst(mulConst(sum, alphaI), betaI);
    Ct inv = chebyshev(tInv, pinv, /*mapped=*/true);
    // Goldschmidt's form of Newton's iteration: with e = 1 - x y0,
    // y0 (1 + e)(1 + e^2)...(1 + e^(2^(n-1))) = (1 - e^(2^n)) / x, the same
    // error as n Newton steps, but each step spends one level instead of
    // two (y and e advance side by side) and x is read once.
    if (newton > 0) {
      Ct x = mulConst(addConst(tInv, -betaI), 1.0 / alphaI);
      Ct e = addConst(negate(mul(x, inv)), 1.0);
      for (int i = 0; i < newton; ++i) {
        inv = mul(inv, addConst(e, 1.0));
        if (i + 1 < newton)
          e = square(e);
      }
    }
    // Broadcast 1/sum over the head's blocks.
    Ct invB = mulPlain(inv, baseMask);
    for (int64_t st = 1; st < dh; st <<= 1)
      invB = add(invB, rotate(invB, -st * Tp));
    // Attention weights, still packed: one product per packed ciphertext,
    // refreshed here once (with bootstrapping) if it lacks the level of
    // the products with V.
    std::vector<Ct> weights(G);
    for (int64_t gi = 0; gi < G; ++gi)
      weights[gi] = ensure(mul(ex[gi], invB), 1);
    // Block d of the output gets sum_p w[t, p] v[t + r0 + p, d]: weight p
    // is at block p, so shift k = p - d brings weights (rotated k blocks
    // down) and the value rotated by r0 + k (r0 + k - dh past the head's
    // end) together at block d. No product is rotated afterwards, so all
    // G x dh of them are summed unrelinearized (3 polynomials each) and the
    // sum is relinearized and rescaled once: one key switch per group
    // instead of one per product.
    Ct acc;
    for (int64_t gi = 0; gi < G; ++gi) {
      auto [j, r0] = runs[gi];
      for (int64_t k = 0; k < dh; ++k) {
        Ct w = rotate(weights[gi], k * Tp);
        if (headPerCt) {
          acc = add(acc, mulLazy(w, diagonal(1, j, r0, k, 0, dh)));
          continue;
        }
        acc = add(acc, mulLazy(w, diagonal(1, j, r0, k, 0, dh - k)));
        if (k > 0)
          acc = add(acc, mulLazy(rotate(weights[gi], (k - dh) * Tp),
                                 diagonal(1, j, r0, k, dh - k, dh)));
      }
    }
    if (acc)
      outCts[cq] = add(outCts[cq], relinRescale(acc));
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
