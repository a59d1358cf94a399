//===- EvalMod.cpp - Homomorphic modular reduction ------------------------===//

#include "aegis/Runtime/Bootstrap/EvalMod.h"

#include "aegis/Runtime/Support/Error.h"

#include <cmath>
#include <functional>
#include <map>

namespace aegis {
namespace ckks {

namespace {
constexpr long double kPi = 3.141592653589793238462643383279502884L;

unsigned ceilLog2(unsigned v) {
  unsigned l = 0;
  while ((1u << l) < v) {
    ++l;
  }
  return l;
}

unsigned floorPowerOfTwo(unsigned v) {
  unsigned p = 1;
  while (2 * p <= v) {
    p *= 2;
  }
  return p;
}

void checkBabySteps(unsigned babySteps) {
  require(babySteps >= 2 && (babySteps & (babySteps - 1)) == 0,
          "Chebyshev baby-step size ", babySteps,
          " is not a power of two >= 2");
}

/// min ||A c - y|| by Householder QR in extended precision. A is rows x
/// cols, row-major.
std::vector<double> leastSquares(std::vector<long double> a,
                                 std::vector<long double> y, size_t rows,
                                 size_t cols) {
  auto at = [&](size_t i, size_t j) -> long double & {
    return a[i * cols + j];
  };
  for (size_t k = 0; k < cols; ++k) {
    long double norm = 0;
    for (size_t i = k; i < rows; ++i) {
      norm += at(i, k) * at(i, k);
    }
    norm = std::sqrt(norm);
    require(norm > 0, "EvalMod fit is rank deficient");
    long double alpha = at(k, k) > 0 ? -norm : norm;
    std::vector<long double> v(rows - k);
    for (size_t i = k; i < rows; ++i) {
      v[i - k] = at(i, k);
    }
    v[0] -= alpha;
    long double vv = 0;
    for (long double x : v) {
      vv += x * x;
    }
    auto reflect = [&](auto &&get) {
      long double dot = 0;
      for (size_t i = k; i < rows; ++i) {
        dot += v[i - k] * get(i);
      }
      long double f = 2 * dot / vv;
      for (size_t i = k; i < rows; ++i) {
        get(i) -= f * v[i - k];
      }
    };
    for (size_t j = k; j < cols; ++j) {
      reflect([&](size_t i) -> long double & { return at(i, j); });
    }
    reflect([&](size_t i) -> long double & { return y[i]; });
  }
  std::vector<double> c(cols);
  for (size_t k = cols; k-- > 0;) {
    long double s = y[k];
    for (size_t j = k + 1; j < cols; ++j) {
      s -= at(k, j) * (long double)c[j];
    }
    c[k] = double(s / at(k, k));
  }
  return c;
}

unsigned depthRec(unsigned degree, unsigned babySteps) {
  if (degree < babySteps) {
    return ceilLog2(std::max(degree, 1u)) + 1;
  }
  unsigned n = floorPowerOfTwo(degree);
  unsigned q = degree - n;
  unsigned qDepth = q == 0 ? 0 : depthRec(q, babySteps);
  return std::max(depthRec(n - 1, babySteps),
                  1 + std::max(qDepth, ceilLog2(n)));
}
} // namespace

unsigned chebyshevDepth(unsigned degree, unsigned babySteps) {
  checkBabySteps(babySteps);
  require(degree >= 1, "Chebyshev degree must be at least 1");
  return depthRec(degree, babySteps);
}

//===----------------------------------------------------------------------===//
// Fitting
//===----------------------------------------------------------------------===//

EvalModPolynomial fitEvalMod(const EvalModConfig &config, double band) {
  require(config.k >= 1 && config.degree >= 1,
          "EvalMod needs K >= 1 and a degree >= 1");
  require(band > 0 && band < 0.25, "EvalMod band ", band,
          " is outside (0, 1/4): the message does not fit below q_0");
  const long double range = (long double)config.k + 1;
  const long double period = std::ldexp(1.0L, int(config.doubleAngle));
  // Each double angle multiplies an error by 4 cos(a): an error of p at t
  // grows by up to 2^r / |sin(2 pi (t - 1/4 - j) / 2^r)|, largest where the
  // angle nears a multiple of pi. The integer shift j (which leaves the
  // final sine unchanged) moves those points from I = 0, the most likely
  // integer part, to |I| = 2^(r-2) (mod 2^(r-1)): the mean amplification
  // over I drops by about 2.5 for r = 4.
  const long double shift = config.doubleAngle >= 2
                                ? std::ldexp(1.0L, int(config.doubleAngle) - 2)
                                : 0.0L;
  auto target = [&](long double t) {
    return std::cos(2 * kPi * (t - 0.25L - shift) / period);
  };
  const size_t cols = config.degree + 1;
  const size_t perBand = std::max<size_t>(16, 2 * cols / (2 * config.k + 1));
  const size_t rows = (2 * config.k + 1) * perBand;
  std::vector<long double> a(rows * cols), y(rows);
  size_t row = 0;
  for (long i = -long(config.k); i <= long(config.k); ++i) {
    for (size_t j = 0; j < perBand; ++j, ++row) {
      long double t =
          i + band * std::cos(kPi * (j + 0.5L) / (long double)perBand);
      long double x = t / range;
      long double prev = 1, cur = x;
      a[row * cols] = 1;
      for (size_t k = 1; k < cols; ++k) {
        a[row * cols + k] = cur;
        long double next = 2 * x * cur - prev;
        prev = cur;
        cur = next;
      }
      y[row] = target(t);
    }
  }
  EvalModPolynomial poly;
  poly.band = band;
  poly.series.a = -double(range);
  poly.series.b = double(range);
  poly.series.coeffs = leastSquares(std::move(a), std::move(y), rows, cols);

  // Errors on a finer grid of each band.
  const int samples = 64;
  for (long i = -long(config.k); i <= long(config.k); ++i) {
    for (int j = 0; j <= samples; ++j) {
      double t = double(i) + band * (2.0 * j / samples - 1.0);
      double p = poly.series.evaluate(t);
      poly.cosineError =
          std::max(poly.cosineError, std::fabs(p - double(target(t))));
      double v = p;
      for (unsigned s = 0; s < config.doubleAngle; ++s) {
        v = 2 * v * v - 1;
      }
      double sine = std::sin(2 * double(kPi) * t);
      poly.modError =
          std::max(poly.modError, std::fabs(v - sine) / (2 * double(kPi)));
      poly.sineError =
          std::max(poly.sineError,
                   std::fabs(sine / (2 * double(kPi)) - (t - double(i))));
    }
  }
  return poly;
}

//===----------------------------------------------------------------------===//
// Evaluation in plain arithmetic (the reference order)
//===----------------------------------------------------------------------===//

namespace {
/// Whether a series of `degree` is summed directly over T_0..T_degree
/// (a leaf) rather than split, with `slack` levels available for it. Below
/// the baby-step size it always is; with baby steps of 2, a degree-3 block
/// that has 3 levels (T_3 = 2 T_2 T_1 - T_1 costs 2, the constants 1) is a
/// leaf too, as in the library's order with baby steps of 4: one shared
/// product T_2 T_1 replaces a product and two rescales per block.
bool isLeaf(unsigned degree, unsigned babySteps, unsigned slack) {
  return degree < babySteps || (babySteps == 2 && degree == 3 && slack >= 3);
}

double plainRec(const std::vector<double> &c, unsigned babySteps,
                unsigned slack, std::map<unsigned, double> &powers, double x) {
  std::function<double(unsigned)> power = [&](unsigned k) -> double {
    auto it = powers.find(k);
    if (it != powers.end()) {
      return it->second;
    }
    unsigned a = (k + 1) / 2, b = k / 2;
    double v = 2 * power(a) * power(b) - (a == b ? 1.0 : power(a - b));
    powers[k] = v;
    return v;
  };
  unsigned d = unsigned(c.size()) - 1;
  if (isLeaf(d, babySteps, slack)) {
    double sum = c[0];
    for (unsigned k = 1; k <= d; ++k) {
      sum += c[k] * power(k);
    }
    return sum;
  }
  unsigned n = floorPowerOfTwo(d);
  std::vector<double> q, r;
  splitChebyshev(c, int(n), q, r);
  return plainRec(q, babySteps, slack - 1, powers, x) * power(n) +
         plainRec(r, babySteps, slack, powers, x);
}
} // namespace

double evaluateChebyshevPlain(const std::vector<double> &coefficients, double x,
                              unsigned babySteps) {
  checkBabySteps(babySteps);
  require(!coefficients.empty(), "empty Chebyshev series");
  std::map<unsigned, double> powers{{1, x}};
  unsigned degree = unsigned(coefficients.size()) - 1;
  unsigned slack = degree == 0 ? 1 : chebyshevDepth(degree, babySteps);
  return plainRec(coefficients, babySteps, slack, powers, x);
}

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
