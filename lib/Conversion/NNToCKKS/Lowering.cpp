//===- Lowering.cpp - plaintexts, polynomials, scatter --------------------===//

#include "Lowering.h"

#include "llvm/Support/Format.h"
#include "llvm/Support/raw_ostream.h"

#include <cstring>

using namespace mlir;
using namespace mlir::aegis::lowering;

/// A hash of the values as numbers (-0 and 0 alike, as the comparison of
/// hits treats them): a cache key; hits are compared exactly.
static uint64_t hashValues(const std::vector<double> &v) {
  uint64_t h = 1469598103934665603ull;
  for (double x : v) {
    uint64_t bits;
    double y = x == 0 ? 0.0 : x;
    std::memcpy(&bits, &y, sizeof bits);
    h = (h ^ bits) * 1099511628211ull;
    h ^= h >> 29;
  }
  return h ^ v.size();
}

Pt Lowering::plaintext(const std::vector<double> &values, unsigned level,
                       unsigned logScale) {
  // Over the memory limit, the rest of the op gets placeholders and the
  // lowering stops after it (LowerNNToCKKS reports the numbers).
  if (!materialize || overMemoryLimit()) {
    auto key = std::make_tuple(level, logScale, uint64_t(0));
    auto it = ptCache.find(key);
    if (it != ptCache.end())
      return it->second.front();
    Pt pt{sink.plaintext(nullptr, level, logScale), level, logScale};
    ptCache[key].push_back(pt);
    return pt;
  }
  auto &bucket = ptCache[std::make_tuple(level, logScale, hashValues(values))];
  for (const Pt &pt : bucket) {
    // (Only sinks that keep values materialize: Lowering::materialize.)
    llvm::ArrayRef<double> held = sink.plaintextValues(pt.id);
    if (held.size() == values.size() &&
        std::equal(held.begin(), held.end(), values.begin()))
      return pt;
  }
  materializedBytes += uint64_t(S) * sizeof(double);
  ++materializedConstants;
  Pt pt{sink.plaintext(&values, level, logScale), level, logScale};
  bucket.push_back(pt);
  return pt;
}

std::vector<std::vector<double>>
Lowering::scatter(const Packed &x, const std::function<double(int64_t)> &value) {
  // Measuring only: one non-zero stand-in per ciphertext (only levels
  // matter, and a plaintext add or product keeps or spends them alike).
  if (sink.countsOnly())
    return std::vector<std::vector<double>>(x.cts.size(),
                                            std::vector<double>(1, 1.0));
  std::vector<std::vector<double>> v(x.cts.size(), std::vector<double>(S, 0.0));
  for (size_t i = 0; i < x.slot.size(); ++i)
    v[ctOf(x.slot[i])][x.slot[i] % S] = value(int64_t(i));
  return v;
}

Ct Lowering::chebyshev(Ct x, const ChebyshevSeries &p, bool mapped) {
  return chebyshevMany(x, {p}, mapped).front();
}

std::vector<Ct> Lowering::chebyshevMany(Ct x,
                                        llvm::ArrayRef<ChebyshevSeries> ps,
                                        bool mapped) {
  int d = 0;
  for (const ChebyshevSeries &p : ps)
    d = std::max(d, p.degree());
  const ChebyshevSeries &p = ps.front();
  // The whole evaluation on one refreshed input when it fits between
  // bootstraps: affine map, the powers, the leaf products.
  x = ensure(x, unsigned(ceilLog2(d + 1) + (mapped ? 1 : 2)));
  // t = (2x - a - b) / (b - a): one level (none when the producer folded
  // it in already).
  Ct t = mapped ? x : addConst(mulConst(x, p.unitScale()), p.unitShift());
  std::vector<Ct> out;
  if (d <= 1) {
    for (const ChebyshevSeries &q : ps)
      out.push_back(addConst(
          mulConst(t, q.degree() == 1 ? q.coeffs[1] : 0.0), q.coeffs[0]));
    return out;
  }
  int m = ceilLog2(d + 1);
  int babyMax = 1 << std::max(1, m / 2);
  std::vector<Ct> baby(babyMax);
  baby[1] = t;
  for (int i = 2; i < babyMax; ++i) {
    int hi = (i + 1) / 2, lo = i / 2;
    Ct prod = mulInt(mul(baby[hi], baby[lo]), 2);
    baby[i] = hi == lo ? addConst(prod, -1.0) : sub(prod, baby[hi - lo]);
  }
  std::vector<Ct> giant(m + 1);
  giant[0] = t;
  for (int j = 1; j <= m; ++j)
    giant[j] = addConst(mulInt(square(giant[j - 1]), 2), -1.0);
  for (const ChebyshevSeries &q : ps)
    out.push_back(evalSplit(q.coeffs, babyMax, baby, giant));
  return out;
}

Ct Lowering::evalSplit(const std::vector<double> &c, int babyMax,
                       const std::vector<Ct> &baby,
                       const std::vector<Ct> &giant) {
  int d = int(c.size()) - 1;
  if (d < babyMax) {
    // sum c_i T_i: every term at the lowest level among them.
    unsigned level = kTopLevel * 2;
    for (int i = 1; i <= d; ++i)
      if (c[i] != 0)
        level = std::min(level, baby[i].level);
    Ct acc;
    for (int i = 1; i <= d; ++i)
      if (c[i] != 0)
        acc = add(acc, mulConstRaw(levelDown(baby[i], level), c[i]));
    if (!acc)
      acc = mulConstRaw(baby[1], 0.0);
    return addConst(rescale(acc), c[0]);
  }
  int j = 0;
  while ((2 << j) <= d)
    ++j;
  std::vector<double> q, r;
  ::aegis::splitChebyshev(c, 1 << j, q, r);
  Ct hq = evalSplit(q, babyMax, baby, giant);
  Ct hr = evalSplit(r, babyMax, baby, giant);
  return add(mul(hq, giant[j]), hr);
}

Ct Lowering::approximate(Ct x, const std::function<double(double)> &f,
                         const Fit &fit, StringRef what) {
  ChebyshevSeries p = fit.series(f);
  double err = ::aegis::maxError(p, f);
  for (int i = 0; i <= 64; ++i) {
    double v = fit.lo + (fit.hi - fit.lo) * i / 64.0;
    noteMagnitude(v);
    noteMagnitude(f(v));
  }
  std::string line;
  llvm::raw_string_ostream os(line);
  os << what << " on [" << fit.lo << ", " << fit.hi << "]: degree "
     << p.degree() << ", max error " << llvm::format("%.2e", err);
  report.approximations.push_back(os.str());
  return chebyshev(x, p);
}

ChebyshevSeries
Fit::series(const std::function<double(double)> &f) const {
  if (degree == 0) {
    ChebyshevSeries c = ::aegis::fitChebyshev(f, lo, hi, 1);
    c.coeffs.assign(1, 2.0 / (lo + hi));
    return c;
  }
  return ::aegis::fitChebyshev(f, lo, hi, degree);
}

std::optional<Fit> mlir::aegis::lowering::readFit(Operation *op,
                                                  StringRef name) {
  auto d = op->getAttrOfType<DictionaryAttr>(name);
  if (!d)
    return std::nullopt;
  auto lo = d.getAs<FloatAttr>("lo"), hi = d.getAs<FloatAttr>("hi");
  auto degree = d.getAs<IntegerAttr>("degree");
  auto newton = d.getAs<IntegerAttr>("newton");
  if (!lo || !hi || !degree)
    return std::nullopt;
  Fit f;
  f.lo = lo.getValueAsDouble();
  f.hi = hi.getValueAsDouble();
  f.degree = int(degree.getInt());
  f.newton = newton ? int(newton.getInt()) : 0;
  return f;
}

void mlir::aegis::lowering::writeFit(Operation *op, StringRef name,
                                     const Fit &fit) {
  Builder b(op->getContext());
  SmallVector<NamedAttribute> fields = {
      b.getNamedAttr("lo", b.getF64FloatAttr(fit.lo)),
      b.getNamedAttr("hi", b.getF64FloatAttr(fit.hi)),
      b.getNamedAttr("degree", b.getI64IntegerAttr(fit.degree))};
  if (fit.newton)
    fields.push_back(b.getNamedAttr("newton", b.getI64IntegerAttr(fit.newton)));
  op->setAttr(name, b.getDictionaryAttr(fields));
}
