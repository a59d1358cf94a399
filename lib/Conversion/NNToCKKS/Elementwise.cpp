//===- Elementwise.cpp - element-wise ops and polynomials --------------===//
//
// docs/Lowering.md describes the algorithm and its costs.
//
//===----------------------------------------------------------------------===//

#include "Lowering.h"

#include <algorithm>
#include <map>

using namespace mlir;
using namespace mlir::aegis;
using namespace mlir::aegis::lowering;
namespace nnd = mlir::aegis::nn;

/// Element-wise with a constant (broadcast).
std::vector<int64_t> Lowering::canonicalSlots(const Shape &s,
                                              int64_t &cts) const {
  int64_t K = s.empty() ? 1 : s.back();
  int64_t n = Tensor::numElements(s), rows = K ? n / K : 0;
  int64_t perTile = (K + F - 1) / F;
  int64_t tiles = (rows + Tp - 1) / Tp;
  cts = tiles * perTile;
  std::vector<int64_t> slot(n);
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t k = 0; k < K; ++k)
      slot[r * K + k] =
          ((r / Tp) * perTile + k / F) * S + (k % F) * Tp + r % Tp;
  return slot;
}

bool Lowering::hasSharedSlots(const Packed &x) {
  std::vector<int64_t> s = x.slot;
  std::sort(s.begin(), s.end());
  return std::adjacent_find(s.begin(), s.end()) != s.end();
}

Packed Lowering::relayout(const Packed &x, const std::vector<int64_t> &slots,
                          int64_t numCts) {
  // target ciphertext -> rotation -> source ciphertext -> source slots.
  std::map<int64_t, std::map<int64_t, std::map<int64_t, std::vector<int64_t>>>>
      moves;
  for (size_t i = 0; i < x.slot.size(); ++i) {
    if (x.slot[i] < 0)
      continue;
    int64_t sc = ctOf(x.slot[i]), ss = x.slot[i] % S;
    int64_t tc = slots[i] / S, ds = slots[i] % S;
    moves[tc][((ss - ds) % S + S) % S][sc].push_back(ss);
  }
  Packed r;
  r.shape = x.shape;
  r.slot = slots;
  r.cts.assign(numCts, Ct());
  bool values = !sink.countsOnly();
  for (int64_t tc = 0; tc < numCts; ++tc) {
    auto it = moves.find(tc);
    Ct acc;
    if (it != moves.end())
      for (auto &[rot, sources] : it->second) {
        SmallVector<Ct> terms;
        std::vector<std::vector<double>> masks;
        for (auto &[sc, from] : sources) {
          terms.push_back(x.cts[sc]);
          std::vector<double> m(values ? S : 1, values ? 0.0 : 1.0);
          if (values)
            for (int64_t s : from)
              m[s] = 1.0;
          masks.push_back(std::move(m));
        }
        acc = add(acc, rotate(dotPlainRaw(terms, masks), rot));
      }
    if (!acc) {
      // No element lands here (a ciphertext of padding): zero times any
      // source keeps the levels and scales consistent.
      std::vector<double> zero(values ? S : 1, 0.0);
      acc = mulPlainRaw(x.cts.front(), zero);
    }
    r.cts[tc] = rescale(acc);
  }
  return r;
}

Packed Lowering::canonical(const Packed &x) {
  int64_t cts = 0;
  std::vector<int64_t> slots = canonicalSlots(x.shape, cts);
  if (slots == x.slot && int64_t(x.cts.size()) == cts)
    return x;
  return relayout(x, slots, cts);
}

Packed Lowering::withConstant(const Packed &x, const Tensor &c, bool multiply,
                              bool subtractFrom, bool negateFirst) {
  // Elements sharing a slot would need two different constants there.
  if (hasSharedSlots(x))
    return withConstant(canonical(x), c, multiply, subtractFrom, negateFirst);
  Tensor cc = ::aegis::nn::expand(c, x.shape);
  auto vals = scatter(x, [&](int64_t i) { return cc.data[i]; });
  Packed y = x;
  for (size_t k = 0; k < x.cts.size(); ++k) {
    Ct v = x.cts[k];
    if (negateFirst)
      v = negate(v);
    if (multiply)
      v = mulPlain(v, vals[k]);
    else {
      if (subtractFrom) {
        for (double &e : vals[k])
          e = -e;
      }
      v = addPlain(v, vals[k]);
    }
    y.cts[k] = v;
  }
  return y;
}

FailureOr<Packed> Lowering::binary(Operation *op, const Packed &x,
                                   const Packed &y, bool subtract,
                                   bool multiply) {
  if (x.slot != y.slot || x.cts.size() != y.cts.size()) {
    // Different layouts (a rotary embedding's rotate_half, a concat):
    // bring y to x's layout, or both to the canonical one when x's
    // elements share slots.
    if (hasSharedSlots(x))
      return binary(op, canonical(x), canonical(y), subtract, multiply);
    return binary(op, x, relayout(y, x.slot, int64_t(x.cts.size())), subtract,
                  multiply);
  }
  Packed r = x;
  for (size_t k = 0; k < x.cts.size(); ++k)
    r.cts[k] = multiply   ? mul(x.cts[k], y.cts[k])
               : subtract ? sub(x.cts[k], y.cts[k])
                          : add(x.cts[k], y.cts[k]);
  return r;
}

FailureOr<std::function<double(double)>>
Lowering::unaryFunction(Operation *op, std::string &name) {
  name = op->getName().getStringRef().str();
  if (auto g = dyn_cast<nnd::GeluOp>(op)) {
    bool tanhForm = g.getApproximate() == "tanh";
    name += tanhForm ? " (tanh)" : " (erf)";
    if (tanhForm)
      return std::function<double(double)>([](double v) {
        return 0.5 * v *
               (1 + std::tanh(0.7978845608028654 * (v + 0.044715 * v * v * v)));
      });
    return std::function<double(double)>(
        [](double v) { return 0.5 * v * (1 + std::erf(v / std::sqrt(2.0))); });
  }
  if (isa<nnd::ReluOp>(op))
    return std::function<double(double)>(
        [](double v) { return v > 0 ? v : 0.0; });
  if (isa<nnd::TanhOp>(op))
    return std::function<double(double)>([](double v) { return std::tanh(v); });
  if (isa<nnd::ErfOp>(op))
    return std::function<double(double)>([](double v) { return std::erf(v); });
  if (isa<nnd::SigmoidOp>(op))
    return std::function<double(double)>(
        [](double v) { return 1 / (1 + std::exp(-v)); });
  if (isa<nnd::SiluOp>(op))
    return std::function<double(double)>(
        [](double v) { return v / (1 + std::exp(-v)); });
  if (isa<nnd::ExpOp>(op))
    return std::function<double(double)>([](double v) { return std::exp(v); });
  return failure();
}

FailureOr<Fit> Lowering::unaryFit(Operation *op) {
  auto range = op->getAttrOfType<DenseF64ArrayAttr>("nn.input_range");
  if (!range) {
    (void)fail(op, "has no nn.input_range (run aegis-nn-calibrate)");
    return failure();
  }
  std::string name;
  auto f = unaryFunction(op, name);
  if (failed(f)) {
    (void)fail(op, "has no polynomial approximation");
    return failure();
  }
  double lo = range[0], hi = range[1];
  double w = std::max(hi - lo, 1e-3);
  lo -= margin * w, hi += margin * w;
  // Empty slots hold values near 0: keep 0 inside the domain.
  lo = std::min(lo, -0.05 * w), hi = std::max(hi, 0.05 * w);
  int maxDeg = 63;
  if (isa<nnd::ReluOp>(op)) {
    // |x|'s Chebyshev error falls only as 1/degree (about 9e-3 at degree
    // 127 on [-5, 5]), so ReLU may go to 511 (2.3e-3), but never deeper
    // than one refresh holds: the evaluation spends ceil(log2(d + 1)) + 2
    // levels and keeps one, and a polynomial that does not fit between two
    // bootstraps refreshes its powers one by one (degree 1023 at 12 levels
    // between bootstraps: 23 -> 519 bootstraps for nn.Transformer).
    maxDeg = 511;
    while (refreshLevels && maxDeg > 127 &&
           ceilLog2(maxDeg + 1) + 3 > int(refreshLevels))
      maxDeg = maxDeg / 2;
  }
  Fit fit;
  fit.lo = lo, fit.hi = hi;
  fit.degree = ::aegis::fitToError(*f, lo, hi, approxError, maxDeg).degree();
  return fit;
}

FailureOr<Packed> Lowering::unaryPoly(Operation *op, const Packed &x) {
  std::string name;
  auto f = unaryFunction(op, name);
  if (failed(f))
    return fail(op, "has no polynomial approximation");
  std::optional<Fit> fit = readFit(op, kApproxAttr);
  if (!fit) {
    auto chosen = unaryFit(op);
    if (failed(chosen))
      return failure();
    fit = *chosen;
  }
  if (!(fit->lo < fit->hi) || fit->degree < 1 || fit->degree > 1023)
    return fail(op, "has a ckks.approx that is not an interval and a degree "
                    "in 1..1023");
  Packed r = x;
  for (size_t c = 0; c < x.cts.size(); ++c) {
    r.cts[c] = approximate(x.cts[c], *f, *fit, name);
    if (c + 1 < x.cts.size())
      report.approximations.pop_back();
  }
  return r;
}
