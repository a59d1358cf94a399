//===- Chebyshev.cpp - polynomial approximation in the Chebyshev basis ----===//

#include "aegis/Support/Chebyshev.h"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <cstdio>

namespace aegis {

double ChebyshevSeries::evaluate(double x) const {
  double t = (2 * x - a - b) / (b - a);
  double b1 = 0, b2 = 0;
  for (int k = degree(); k >= 1; --k) {
    double b0 = 2 * t * b1 - b2 + coeffs[k];
    b2 = b1;
    b1 = b0;
  }
  return t * b1 - b2 + (coeffs.empty() ? 0 : coeffs[0]);
}

std::vector<double> ChebyshevSeries::monomialCoefficientsInT() const {
  int n = degree();
  std::vector<double> out(n + 1, 0.0);
  // T_0 = 1, T_1 = t, T_{k+1} = 2 t T_k - T_{k-1}, kept as monomial vectors.
  std::vector<double> prev(n + 1, 0.0), cur(n + 1, 0.0);
  prev[0] = 1;
  if (n >= 0)
    out[0] += coeffs[0];
  if (n >= 1) {
    cur[1] = 1;
    out[1] += coeffs[1];
  }
  for (int k = 1; k < n; ++k) {
    std::vector<double> next(n + 1, 0.0);
    for (int i = 0; i < n; ++i)
      next[i + 1] += 2 * cur[i];
    for (int i = 0; i <= n; ++i)
      next[i] -= prev[i];
    for (int i = 0; i <= n; ++i)
      out[i] += coeffs[k + 1] * next[i];
    prev = std::move(cur);
    cur = std::move(next);
  }
  return out;
}

ChebyshevSeries fitChebyshev(const std::function<double(double)> &f, double a,
                             double b, int degree) {
  assert(a < b && degree >= 0);
  int n = degree + 1;
  std::vector<double> values(n);
  for (int j = 0; j < n; ++j) {
    double t = std::cos(M_PI * (j + 0.5) / n);
    values[j] = f(0.5 * (b - a) * t + 0.5 * (a + b));
  }
  ChebyshevSeries s;
  s.a = a;
  s.b = b;
  s.coeffs.resize(n);
  for (int k = 0; k < n; ++k) {
    double sum = 0;
    for (int j = 0; j < n; ++j)
      sum += values[j] * std::cos(M_PI * k * (j + 0.5) / n);
    s.coeffs[k] = (k == 0 ? 1.0 : 2.0) * sum / n;
  }
  return s;
}

double maxError(const ChebyshevSeries &p,
                const std::function<double(double)> &f, int samples) {
  double worst = 0;
  auto probe = [&](double x) {
    double e = std::fabs(f(x) - p.evaluate(x));
    if (std::isnan(e))
      e = INFINITY;
    worst = std::max(worst, e);
  };
  for (int i = 0; i <= samples; ++i) {
    probe(p.a + (p.b - p.a) * i / samples);
    double t = std::cos(M_PI * i / samples);
    probe(0.5 * (p.b - p.a) * t + 0.5 * (p.a + p.b));
  }
  return worst;
}

ChebyshevSeries fitToError(const std::function<double(double)> &f, double a,
                           double b, double targetError, int maxDegree) {
  // Every degree up to 64 (cheap), then the error's decrease is found by
  // doubling and the degree by bisection: a degree-511 ReLU took seconds of
  // compile time when every degree was fitted and measured in turn.
  ChebyshevSeries best;
  int linear = std::min(maxDegree, 64);
  for (int d = 1; d <= linear; ++d) {
    best = fitChebyshev(f, a, b, d);
    if (maxError(best, f) <= targetError)
      return best;
  }
  if (maxDegree <= linear)
    return best;
  int lo = linear, hi = linear; // lo fails; hi: first doubling that meets
  ChebyshevSeries atHi;
  while (true) {
    hi = std::min(maxDegree, 2 * hi);
    atHi = fitChebyshev(f, a, b, hi);
    if (maxError(atHi, f) <= targetError || hi == maxDegree)
      break;
    lo = hi;
  }
  if (maxError(atHi, f) > targetError)
    return atHi; // the cap: the best there is
  while (hi - lo > 1) {
    int mid = lo + (hi - lo) / 2;
    ChebyshevSeries p = fitChebyshev(f, a, b, mid);
    if (maxError(p, f) <= targetError)
      hi = mid, atHi = std::move(p);
    else
      lo = mid;
  }
  return atHi;
}

namespace {
int ceilLog2(int x) {
  int l = 0;
  while ((1 << l) < x)
    ++l;
  return l;
}

/// Simulates the recursive split p = q T_{2^j} + r and returns the depth of
/// the result; counts multiplications into `cost`.
int evaluateSplit(int degree, int babyMax, const std::vector<int> &powerDepth,
                  PolynomialCost &cost) {
  if (degree < babyMax) {
    // Leaf: sum_i c_i T_i over the baby steps; one level for the scalars.
    cost.scalarMultiplications += degree;
    return degree == 0 ? 0 : ceilLog2(degree) + 1;
  }
  int j = 0;
  while ((2 << j) <= degree)
    ++j;
  // degree in [2^j, 2^(j+1)): p = q * T_{2^j} + r, deg q = degree - 2^j.
  int dq = degree - (1 << j);
  int dr = (1 << j) - 1;
  int depthR = evaluateSplit(dr, babyMax, powerDepth, cost);
  if (dq == 0) {
    // A constant quotient: a scalar multiple of the giant step.
    cost.scalarMultiplications += 1;
    return std::max(powerDepth[j] + 1, depthR);
  }
  int depthQ = evaluateSplit(dq, babyMax, powerDepth, cost);
  cost.nonScalarMultiplications += 1;
  return std::max(std::max(depthQ, powerDepth[j]) + 1, depthR);
}
} // namespace

PolynomialCost patersonStockmeyerCost(int degree) {
  assert(degree >= 1);
  PolynomialCost cost;
  cost.degree = degree;
  int m = ceilLog2(degree + 1);
  int l = std::max(1, m / 2);
  int babyMax = 1 << l;
  // Baby steps T_2 .. T_{min(2^l - 1, degree)}: one product each
  // (T_{a+b} = 2 T_a T_b - T_{a-b}).
  int lastBaby = std::min(babyMax - 1, degree);
  cost.babySteps = lastBaby;
  cost.nonScalarMultiplications += std::max(0, lastBaby - 1);
  // Giant steps T_{2^j} for l <= j and 2^j <= degree, each by squaring
  // (T_{2k} = 2 T_k^2 - 1).
  std::vector<int> powerDepth(m + 1);
  for (int j = 0; j <= m; ++j)
    powerDepth[j] = j;
  for (int j = l; (1 << j) <= degree; ++j) {
    ++cost.giantSteps;
    ++cost.nonScalarMultiplications;
  }
  cost.depth = evaluateSplit(degree, babyMax, powerDepth, cost);
  return cost;
}

void splitChebyshev(const std::vector<double> &c, int n, std::vector<double> &q,
                    std::vector<double> &r) {
  int d = static_cast<int>(c.size()) - 1;
  assert(d >= n && d < 2 * n);
  q.assign(d - n + 1, 0.0);
  r.assign(c.begin(), c.begin() + n);
  q[0] = c[n];
  for (int k = n + 1; k <= d; ++k) {
    // c_k T_k = 2 c_k T_n T_{k-n} - c_k T_{2n-k}
    q[k - n] = 2 * c[k];
    r[2 * n - k] -= c[k];
  }
}

namespace {
double evalSplit(const std::vector<double> &c, int babyMax,
                 const std::vector<double> &t, const std::vector<double> &giant) {
  int d = static_cast<int>(c.size()) - 1;
  if (d < babyMax) {
    double sum = 0;
    for (int i = 0; i <= d; ++i)
      sum += c[i] * t[i];
    return sum;
  }
  int j = 0;
  while ((2 << j) <= d)
    ++j;
  std::vector<double> q, r;
  splitChebyshev(c, 1 << j, q, r);
  return evalSplit(q, babyMax, t, giant) * giant[j] +
         evalSplit(r, babyMax, t, giant);
}
} // namespace

double evaluateBabyGiant(const ChebyshevSeries &p, double x) {
  int d = p.degree();
  if (d < 1)
    return p.coeffs.empty() ? 0 : p.coeffs[0];
  double tx = (2 * x - p.a - p.b) / (p.b - p.a);
  int m = ceilLog2(d + 1);
  int babyMax = 1 << std::max(1, m / 2);
  // Baby steps T_0 .. T_{babyMax - 1} with T_{a+b} = 2 T_a T_b - T_{a-b}.
  std::vector<double> t(babyMax, 0.0);
  t[0] = 1;
  if (babyMax > 1)
    t[1] = tx;
  for (int i = 2; i < babyMax; ++i) {
    int a = (i + 1) / 2, b = i / 2;
    t[i] = 2 * t[a] * t[b] - t[a - b];
  }
  // Giant steps T_{2^j} by squaring.
  std::vector<double> giant(m + 1);
  giant[0] = tx;
  for (int j = 1; j <= m; ++j)
    giant[j] = 2 * giant[j - 1] * giant[j - 1] - 1;
  return evalSplit(p.coeffs, babyMax, t, giant);
}

std::string describe(const ChebyshevSeries &p, double error) {
  char buf[160];
  std::snprintf(buf, sizeof(buf), "degree %d on [%g, %g], max error %.2e",
                p.degree(), p.a, p.b, error);
  return buf;
}

} // namespace aegis
