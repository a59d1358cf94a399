//===- EvalMod.cpp - Homomorphic modular reduction ------------------------===//
//
// The homomorphic half of EvalMod: Chebyshev series on ciphertexts
// (EvalModFit.cpp has the plain half).
//
//===----------------------------------------------------------------------===//

#include "aegis/Runtime/Bootstrap/EvalMod.h"

#include "ChebyshevTree.h"

#include "aegis/Runtime/Support/Error.h"

#include <cmath>
#include <functional>
#include <map>

namespace aegis {
namespace ckks {

using detail::checkBabySteps;
using detail::floorPowerOfTwo;
using detail::isLeaf;

//===----------------------------------------------------------------------===//
// Homomorphic evaluation
//===----------------------------------------------------------------------===//

namespace {
class ChebyshevRun {
public:
  ChebyshevRun(const BootstrapEvaluator &evaluator, const Ciphertext &x,
               unsigned babySteps)
      : bev_(evaluator), ev_(evaluator.evaluator()), ctx_(*evaluator.context()),
        babySteps_(babySteps), inputLevel_(x.level()) {
    powers_.emplace(1, x);
  }

  Ciphertext run(const std::vector<double> &c, unsigned level, double scale) {
    unsigned d = unsigned(c.size()) - 1;
    if (isLeaf(d, babySteps_, inputLevel_ - level)) {
      return leaf(c, level, scale);
    }
    unsigned n = floorPowerOfTwo(d);
    std::vector<double> q, r;
    splitChebyshev(c, int(n), q, r);
    const Ciphertext &tn = power(n);
    require(tn.level() >= level + 1,
            "Chebyshev evaluation ran out of "
            "levels: T_",
            n, " is at level ", tn.level(), ", needed above ", level);
    double prime = primeAt(level + 1);
    Ciphertext product;
    if (q.size() == 1) {
      product = ev_.dropToLevel(tn, level + 1);
      ev_.multiplyConstantInPlace(product, q[0],
                                  scale * prime / product.scale());
    } else {
      Ciphertext qc = run(q, level + 1, scale * prime / tn.scale());
      product = bev_.multiplyRelin(qc, ev_.dropToLevel(tn, level + 1));
    }
    ev_.rescaleInPlace(product);
    product.setScale(scale);
    ev_.addInPlace(product, run(r, level, scale));
    return product;
  }

private:
  double primeAt(unsigned level) const {
    return double(ctx_.modulus(level).value);
  }

  /// c at exactly (level, scale), c at a level above `level`.
  Ciphertext adjust(const Ciphertext &c, unsigned level, double scale) {
    Ciphertext r = ev_.dropToLevel(c, level + 1);
    ev_.multiplyConstantInPlace(r, 1.0, scale * primeAt(level + 1) / r.scale());
    ev_.rescaleInPlace(r);
    r.setScale(scale);
    return r;
  }

  const Ciphertext &power(unsigned k) {
    auto it = powers_.find(k);
    if (it != powers_.end()) {
      return it->second;
    }
    unsigned a = (k + 1) / 2, b = k / 2;
    Ciphertext ta = power(a);
    Ciphertext tb = power(b);
    unsigned level = std::min(ta.level(), tb.level());
    require(level >= 1, "Chebyshev evaluation ran out of levels computing T_",
            k);
    Ciphertext product = a == b
                             ? bev_.squareRelin(ev_.dropToLevel(ta, level))
                             : bev_.multiplyRelin(ev_.dropToLevel(ta, level),
                                                  ev_.dropToLevel(tb, level));
    ev_.rescaleInPlace(product);
    ev_.multiplyIntegerInPlace(product, 2);
    if (a == b) {
      ev_.addConstantInPlace(product, -1.0);
    } else {
      ev_.subInPlace(product,
                     adjust(power(a - b), product.level(), product.scale()));
    }
    return powers_.emplace(k, std::move(product)).first->second;
  }

  Ciphertext leaf(const std::vector<double> &c, unsigned level, double scale) {
    const unsigned upper = level + 1;
    const double productScale = scale * primeAt(upper);
    unsigned d = unsigned(c.size()) - 1;
    Ciphertext acc;
    auto addTerm = [&](unsigned k, double coefficient) {
      const Ciphertext &tk = power(k);
      require(tk.level() >= upper,
              "Chebyshev evaluation ran out of levels: "
              "T_",
              k, " is at level ", tk.level(), ", needed above ", level);
      Ciphertext term = ev_.dropToLevel(tk, upper);
      ev_.multiplyConstantInPlace(term, coefficient,
                                  productScale / term.scale());
      term.setScale(productScale);
      if (acc.empty()) {
        acc = std::move(term);
      } else {
        ev_.addInPlace(acc, term);
      }
    };
    for (unsigned k = 1; k <= d; ++k) {
      if (c[k] != 0) {
        addTerm(k, c[k]);
      }
    }
    if (acc.empty()) {
      // A constant: an encryption of 0 * T_1 carries it.
      addTerm(1, 0.0);
    }
    ev_.rescaleInPlace(acc);
    acc.setScale(scale);
    ev_.addConstantInPlace(acc, c[0]);
    return acc;
  }

  const BootstrapEvaluator &bev_;
  const Evaluator &ev_;
  const Context &ctx_;
  unsigned babySteps_;
  unsigned inputLevel_;
  std::map<unsigned, Ciphertext> powers_;
};
} // namespace

Ciphertext evaluateChebyshev(const BootstrapEvaluator &evaluator,
                             const Ciphertext &x,
                             const std::vector<double> &coefficients,
                             unsigned babySteps, unsigned targetLevel,
                             double targetScale) {
  checkBabySteps(babySteps);
  require(coefficients.size() >= 2, "Chebyshev series of degree ",
          int(coefficients.size()) - 1, ": expected at least 1");
  unsigned depth = chebyshevDepth(unsigned(coefficients.size()) - 1, babySteps);
  require(targetLevel + depth <= x.level(), "Chebyshev series of degree ",
          coefficients.size() - 1, " needs ", depth,
          " levels: cannot go from level ", x.level(), " to level ",
          targetLevel);
  ChebyshevRun run(evaluator, x, babySteps);
  return run.run(coefficients, targetLevel, targetScale);
}

Ciphertext evalMod(const BootstrapEvaluator &evaluator, const Ciphertext &x,
                   const EvalModPolynomial &polynomial,
                   const EvalModConfig &config, unsigned outputLevel,
                   double outputScale) {
  const Context &ctx = *evaluator.context();
  const Evaluator &ev = evaluator.evaluator();
  const unsigned r = config.doubleAngle;
  const unsigned polyLevel = outputLevel + r;
  // Scales before each double-angle step so that step k lands on S[k].
  std::vector<double> scales(r + 1);
  scales[r] = outputScale;
  for (unsigned k = r; k >= 1; --k) {
    double prime = double(ctx.modulus(polyLevel - k + 1).value);
    scales[k - 1] = std::sqrt(scales[k] * prime);
  }
  Ciphertext y = evaluateChebyshev(evaluator, x, polynomial.series.coeffs,
                                   config.babySteps, polyLevel, scales[0]);
  for (unsigned k = 1; k <= r; ++k) {
    y = evaluator.squareRelin(y);
    ev.rescaleInPlace(y);
    y.setScale(scales[k]);
    ev.multiplyIntegerInPlace(y, 2);
    ev.addConstantInPlace(y, -1.0);
  }
  return y;
}

} // namespace ckks
} // namespace aegis
