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

FailureOr<Packed> Lowering::layerNorm(nnd::LayerNormOp op, const Packed &x,
                                      const Tensor *gamma, const Tensor *beta) {
  int64_t K = x.shape.back();
  int64_t axis = int64_t(op.getAxis());
  if (axis < 0)
    axis += int64_t(x.shape.size());
  if (axis != int64_t(x.shape.size()) - 1)
    return fail(op, "layer_norm over more than the last axis");
  auto varRange = op->getAttrOfType<DenseF64ArrayAttr>("nn.variance_range");
  if (!varRange)
    return fail(op, "has no nn.variance_range (run aegis-nn-calibrate)");
  // Valid-element masks scaled by 1/K.
  auto maskK = scatter(x, [&](int64_t) { return 1.0 / double(K); });
  Ct sum1, sum2;
  for (size_t c = 0; c < x.cts.size(); ++c) {
    sum1 = add(sum1, mulPlain(x.cts[c], maskK[c]));
    sum2 = add(sum2, mulPlain(square(x.cts[c]), maskK[c]));
  }
  Ct mean = sumBlocks(sum1);
  Ct meanSq = sumBlocks(sum2);
  double eps = op.getEpsilon().convertToDouble();
  Ct var = addConst(sub(meanSq, square(mean)), eps);
  double lo = varRange[0], hi = varRange[1];
  double vlo = std::max(lo * (1 - margin), lo * 0.25), vhi = hi * (1 + margin);
  // Slots that hold no element get a variance inside the range.
  std::vector<double> fill(S, 0.5 * (vlo + vhi));
  for (int64_t g : x.slot)
    fill[g % S] = 0;
  // Fill every block of the valid tokens too: they hold the real variance.
  std::set<int64_t> toks;
  for (int64_t g : x.slot)
    toks.insert(tokenOf(g));
  for (int64_t s = 0; s < S; ++s)
    if (toks.count(s % Tp))
      fill[s] = 0;
  var = addPlain(var, fill);
  auto f = [](double v) { return 1.0 / std::sqrt(v); };
  // Chebyshev to a coarse error, then Newton steps y <- y (3 - v y^2) / 2.
  ChebyshevSeries p =
      ::aegis::fitToError(f, vlo, vhi, 1e-2 / std::sqrt(vlo), 31);
  double relErr = 0;
  for (int i = 0; i <= 512; ++i) {
    double v = vlo + (vhi - vlo) * i / 512.0;
    relErr = std::max(relErr, std::fabs(p.evaluate(v) * std::sqrt(v) - 1));
  }
  int newton = 0;
  double e = relErr;
  while (e > approxError / 8 && newton < 4)
    e = 1.5 * e * e + e * e * e / 2, ++newton; // |e'| <= 3/2 e^2 + e^3/2
  noteMagnitude(vhi);
  noteMagnitude(1.5 / std::sqrt(vlo));
  if (auto in = op->getAttrOfType<DenseF64ArrayAttr>("nn.input_range")) {
    // |x - mean| <= hi - lo; the output is that over sqrt(var) times
    // gamma, plus beta.
    double g = 1, bmax = 0;
    if (gamma)
      for (double v : gamma->data)
        g = std::max(g, std::fabs(v));
    if (beta)
      for (double v : beta->data)
        bmax = std::max(bmax, std::fabs(v));
    noteMagnitude(std::max(std::fabs(in[0]), std::fabs(in[1])));
    noteMagnitude((in[1] - in[0]) / std::sqrt(vlo) * g + bmax);
  }
  Ct y = chebyshev(var, p);
  for (int i = 0; i < newton; ++i) {
    Ct y2v = mul(square(y), var);
    y = mul(mulConst(y, 0.5), addConst(negate(y2v), 3.0));
  }
  {
    std::string line;
    llvm::raw_string_ostream os(line);
    os << "layer_norm 1/sqrt(var) on [" << vlo << ", " << vhi << "]: degree "
       << p.degree() << " + " << newton << " Newton steps, relative error "
       << llvm::format("%.2e", e);
    report.approximations.push_back(os.str());
  }
  Packed r = x;
  for (size_t c = 0; c < x.cts.size(); ++c) {
    Ct d = sub(x.cts[c], mean);
    if (gamma) {
      Tensor g = ::aegis::nn::expand(*gamma, x.shape);
      auto gv = scatter(x, [&](int64_t i) { return g.data[i]; });
      d = mulPlain(d, gv[c]);
    }
    r.cts[c] = mul(d, y);
  }
  if (beta)
    r = withConstant(r, *beta, /*multiply=*/false);
  return r;
}
