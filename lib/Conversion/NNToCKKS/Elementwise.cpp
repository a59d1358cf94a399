//===- Elementwise.cpp - element-wise ops and polynomials --------------===//
//
// docs/Lowering.md describes the algorithm and its costs.
//
//===----------------------------------------------------------------------===//

#include "Lowering.h"

using namespace mlir;
using namespace mlir::aegis;
using namespace mlir::aegis::lowering;
namespace nnd = mlir::aegis::nn;

/// Element-wise with a constant (broadcast).
Packed Lowering::withConstant(const Packed &x, const Tensor &c, bool multiply,
                              bool subtractFrom, bool negateFirst) {
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
  if (x.slot != y.slot || x.cts.size() != y.cts.size())
    return fail(op, "operands are packed differently (element-wise ops "
                    "need equal layouts; re-layout is not implemented)");
  Packed r = x;
  for (size_t k = 0; k < x.cts.size(); ++k)
    r.cts[k] = multiply   ? mul(x.cts[k], y.cts[k])
               : subtract ? sub(x.cts[k], y.cts[k])
                          : add(x.cts[k], y.cts[k]);
  return r;
}

FailureOr<Packed> Lowering::unaryPoly(Operation *op, const Packed &x) {
  auto range = op->getAttrOfType<DenseF64ArrayAttr>("nn.input_range");
  if (!range)
    return fail(op, "has no nn.input_range (run aegis-nn-calibrate)");
  double lo = range[0], hi = range[1];
  double w = std::max(hi - lo, 1e-3);
  lo -= margin * w, hi += margin * w;
  // Empty slots hold values near 0: keep 0 inside the domain.
  lo = std::min(lo, -0.05 * w), hi = std::max(hi, 0.05 * w);
  std::function<double(double)> f;
  std::string name = op->getName().getStringRef().str();
  int maxDeg = 63;
  if (auto g = dyn_cast<nnd::GeluOp>(op)) {
    bool tanhForm = g.getApproximate() == "tanh";
    f = tanhForm ? [](double v) {
            return 0.5 * v * (1 + std::tanh(0.7978845608028654 * (v + 0.044715 * v * v * v)));
          }
                   : [](double v) { return 0.5 * v * (1 + std::erf(v / std::sqrt(2.0))); };
    name += tanhForm ? " (tanh)" : " (erf)";
  } else if (isa<nnd::ReluOp>(op)) {
    f = [](double v) { return v > 0 ? v : 0.0; };
    maxDeg = 127;
  } else if (isa<nnd::TanhOp>(op)) {
    f = [](double v) { return std::tanh(v); };
  } else if (isa<nnd::ErfOp>(op)) {
    f = [](double v) { return std::erf(v); };
  } else if (isa<nnd::SigmoidOp>(op)) {
    f = [](double v) { return 1 / (1 + std::exp(-v)); };
  } else if (isa<nnd::ExpOp>(op)) {
    f = [](double v) { return std::exp(v); };
  } else {
    return fail(op, "has no polynomial approximation");
  }
  Packed r = x;
  for (size_t c = 0; c < x.cts.size(); ++c) {
    auto v = approximate(x.cts[c], f, lo, hi, name, maxDeg);
    if (failed(v))
      return failure();
    r.cts[c] = *v;
    if (c + 1 < x.cts.size())
      report.approximations.pop_back();
  }
  return r;
}
