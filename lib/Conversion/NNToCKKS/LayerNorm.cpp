//===- LayerNorm.cpp - LayerNorm -------------------------------------------===//
//
// docs/Lowering.md describes the algorithm and its costs.
//
//===----------------------------------------------------------------------===//

#include "Lowering.h"

#include "llvm/Support/Format.h"
#include "llvm/Support/raw_ostream.h"

#include <set>

using namespace mlir;
using namespace mlir::aegis;
using namespace mlir::aegis::lowering;
namespace nnd = mlir::aegis::nn;

/// max |p(v) sqrt(v) - 1| on [lo, hi]: the relative error of p as 1/sqrt.
static double relativeInverseSqrtError(const ChebyshevSeries &p, double lo,
                                       double hi) {
  double r = 0;
  for (int i = 0; i <= 512; ++i) {
    double v = lo + (hi - lo) * i / 512.0;
    r = std::max(r, std::fabs(p.evaluate(v) * std::sqrt(v) - 1));
  }
  return r;
}

FailureOr<Fit> Lowering::layerNormFit(nnd::LayerNormOp op) {
  auto varRange = op->getAttrOfType<DenseF64ArrayAttr>("nn.variance_range");
  if (!varRange) {
    (void)fail(op, "has no nn.variance_range (run aegis-nn-calibrate)");
    return failure();
  }
  double lo = varRange[0], hi = varRange[1];
  double vlo = std::max(lo * (1 - margin), lo * 0.25), vhi = hi * (1 + margin);
  auto f = [](double v) { return 1.0 / std::sqrt(v); };
  // Chebyshev to a coarse error, then Newton steps y <- y (3 - v y^2) / 2.
  // Preferred: the best fit of degree 7 (3 levels) when one Newton step
  // from it meets the target; the step then takes 2 levels (see the
  // kernel), and the whole LayerNorm 8: it fits between two bootstraps.
  auto newtonSteps = [&](double e0) {
    int n = 0;
    double e = e0;
    while (e > approxError / 8 && n < 4)
      e = 1.5 * e * e + e * e * e / 2, ++n; // |e'| <= 3/2 e^2 + e^3/2
    return n;
  };
  ChebyshevSeries p = ::aegis::fitToError(f, vlo, vhi, 1e-6 / std::sqrt(vlo), 7);
  double relErr = relativeInverseSqrtError(p, vlo, vhi);
  int newton = newtonSteps(relErr);
  if (newton > 1 || relErr >= 0.5) {
    p = ::aegis::fitToError(f, vlo, vhi, 1e-2 / std::sqrt(vlo), 31);
    relErr = relativeInverseSqrtError(p, vlo, vhi);
    newton = newtonSteps(relErr);
  }
  Fit fit;
  fit.lo = vlo, fit.hi = vhi, fit.degree = p.degree(), fit.newton = newton;
  return fit;
}

FailureOr<Packed> Lowering::layerNorm(nnd::LayerNormOp op, const Packed &x,
                                      const Tensor *gamma, const Tensor *beta) {
  int64_t K = x.shape.back();
  int64_t axis = int64_t(op.getAxis());
  if (axis < 0)
    axis += int64_t(x.shape.size());
  if (axis != int64_t(x.shape.size()) - 1)
    return fail(op, "layer_norm over more than the last axis");
  // Token tiles: the ciphertexts holding the rows whose feature 0 is in
  // one ciphertext. Means and variances are per tile.
  int64_t rows = int64_t(x.slot.size()) / std::max<int64_t>(K, 1);
  std::map<int64_t, std::set<int64_t>> tileCts, tileTokens;
  std::map<int64_t, int64_t> ctTile;
  for (int64_t r = 0; r < rows; ++r) {
    int64_t key = ctOf(x.slot[r * K]);
    tileTokens[key].insert(tokenOf(x.slot[r * K]));
    for (int64_t k = 0; k < K; ++k) {
      int64_t c = ctOf(x.slot[r * K + k]);
      auto [it, inserted] = ctTile.emplace(c, key);
      if (it->second != key)
        return fail(op, "a ciphertext holds features of two token tiles "
                        "(unsupported layout for layer_norm)");
      tileCts[key].insert(c);
    }
  }
  bool rms = op.getRms();
  auto f = [](double v) { return 1.0 / std::sqrt(v); };
  std::optional<Fit> fit = readFit(op, kApproxAttr);
  if (!fit) {
    auto chosen = layerNormFit(op);
    if (failed(chosen))
      return failure();
    fit = *chosen;
  }
  if (!(fit->lo > 0 && fit->lo < fit->hi) || fit->degree < 1 ||
      fit->degree > 63 || fit->newton < 0 || fit->newton > 8)
    return fail(op, "has a ckks.approx that is not a positive interval, a "
                    "degree in 1..63 and at most 8 Newton steps");
  const double vlo = fit->lo, vhi = fit->hi;
  const int newton = fit->newton;
  ChebyshevSeries p = fit->series(f);
  double e = relativeInverseSqrtError(p, vlo, vhi);
  for (int i = 0; i < newton; ++i)
    e = 1.5 * e * e + e * e * e / 2;
  noteMagnitude(vhi);
  noteMagnitude(1.5 / std::sqrt(vlo));
  if (auto in = op->getAttrOfType<DenseF64ArrayAttr>("nn.input_range")) {
    // |x - mean| <= hi - lo (|x| for RMSNorm); the output is that over
    // sqrt(var) times gamma, plus beta.
    double g = 1, bmax = 0;
    if (gamma)
      for (double v : gamma->data)
        g = std::max(g, std::fabs(v));
    if (beta)
      for (double v : beta->data)
        bmax = std::max(bmax, std::fabs(v));
    noteMagnitude(std::max(std::fabs(in[0]), std::fabs(in[1])));
    double spread = rms ? std::max(std::fabs(in[0]), std::fabs(in[1]))
                        : in[1] - in[0];
    noteMagnitude(spread / std::sqrt(vlo) * g + bmax);
  }
  {
    std::string line;
    llvm::raw_string_ostream os(line);
    os << (rms ? "rms_norm 1/sqrt(mean(x^2)) on [" : "layer_norm 1/sqrt(var) on [") << vlo << ", " << vhi << "]: degree "
       << p.degree() << " + " << newton << " Newton steps, relative error "
       << llvm::format("%.2e", e);
    report.approximations.push_back(os.str());
  }
  // gamma per ciphertext.
  std::vector<std::vector<double>> gv;
  if (gamma) {
    Tensor g = ::aegis::nn::expand(*gamma, x.shape);
    gv = scatter(x, [&](int64_t i) { return g.data[i]; });
  }
  Packed r = x;
  double eps = op.getEpsilon().convertToDouble();
  // The polynomial's affine map t = alpha v + beta is folded into the
  // masks: alpha / K for the squares, sqrt(alpha) / K for the mean (whose
  // square then carries alpha), so t costs no level of its own; the mean
  // itself is sqrt(alpha) mean / sqrt(alpha), one level on a path with
  // levels to spare.
  const double alpha = p.unitScale(), betaT = p.unitShift();
  const double rootAlpha = std::sqrt(alpha);
  auto maskSq = scatter(x, [&](int64_t) { return alpha / double(K); });
  auto maskMean = scatter(x, [&](int64_t) { return rootAlpha / double(K); });
  for (auto &[key, cts] : tileCts) {
    Ct sum1, sum2;
    for (int64_t c : cts) {
      if (!rms)
        sum1 = add(sum1, mulPlain(x.cts[c], maskMean[c]));
      sum2 = add(sum2, mulPlain(square(x.cts[c]), maskSq[c]));
    }
    // RMSNorm: no centring, var = mean(x^2).
    Ct meanA = rms ? Ct() : sumBlocks(sum1); // sqrt(alpha) mean
    Ct meanSqA = sumBlocks(sum2);            // alpha E[x^2]
    Ct t = addConst(rms ? meanSqA : sub(meanSqA, square(meanA)),
                    alpha * eps + betaT);
    // Slots that hold no element get the middle of the range (t = 0);
    // every block of the tile's tokens holds the real variance.
    std::vector<double> fill(1, 1.0);
    if (!sink.countsOnly()) {
      fill.assign(S, 0.5 * alpha * (vlo + vhi));
      const std::set<int64_t> &toks = tileTokens[key];
      for (int64_t s = 0; s < S; ++s)
        if (toks.count(s % Tp))
          fill[s] = 0;
    }
    t = addPlain(t, fill);
    Ct y;
    if (newton >= 1) {
      // y (3 - v y^2) / 2 = 1.5 y + c (t - beta) y^3 with c = -1 / (2 alpha)
      // (v = (t - beta) / alpha): 1.5 y and c y are scaled copies of the
      // polynomial (no level), c y^2 and (t - beta) y one level, their
      // product the second.
      ChebyshevSeries pc = p, p15 = p;
      for (double &k : pc.coeffs)
        k *= -0.5 / alpha;
      for (double &k : p15.coeffs)
        k *= 1.5;
      std::vector<Ct> ys = chebyshevMany(t, {p, pc, p15}, /*mapped=*/true);
      Ct y2c = mul(ys[0], ys[1]);
      Ct tyy = mul(addConst(t, -betaT), ys[0]);
      y = add(ys[2], mul(tyy, y2c));
    } else {
      y = chebyshev(t, p, /*mapped=*/true);
    }
    if (newton > 1) {
      Ct var = mulConst(addConst(t, -betaT), 1.0 / alpha);
      for (int i = 1; i < newton; ++i) {
        Ct y2v = mul(square(y), var);
        y = mul(mulConst(y, 0.5), addConst(negate(y2v), 3.0));
      }
    }
    Ct mean = rms ? Ct() : mulConst(meanA, 1.0 / rootAlpha);
    for (int64_t c : cts) {
      Ct d = rms ? x.cts[c] : sub(x.cts[c], mean);
      if (gamma)
        d = mulPlain(d, gv[c]);
      r.cts[c] = mul(d, y);
    }
  }
  if (beta)
    r = withConstant(r, *beta, /*multiply=*/false);
  return r;
}
