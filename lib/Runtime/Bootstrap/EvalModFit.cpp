//===- EvalModFit.cpp - EvalMod polynomials and Chebyshev depths ---------===//
//
// The plain half of EvalMod: fitting the polynomial, the depth of a
// Chebyshev evaluation, evaluating a series on doubles. No ciphertexts, so
// the compiler links it (through AegisBootstrapConfig) to plan levels.
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

namespace {
constexpr long double kPi = 3.141592653589793238462643383279502884L;

unsigned ceilLog2(unsigned v) {
  unsigned l = 0;
  while ((1u << l) < v) {
    ++l;
  }
  return l;
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

} // namespace ckks
} // namespace aegis
