//===- Chebyshev.h - polynomial approximation in the Chebyshev basis -*- C++ -*-===//
//
// Plain C++ shared by the compiler (non-linear ops of a model) and the
// runtime (bootstrapping's EvalMod): fitting a function on [a, b] with a
// Chebyshev series, evaluating it, bounding its error, choosing the degree
// for a target error, and the cost of evaluating it homomorphically with the
// baby-step/giant-step Paterson-Stockmeyer method.
//
//===----------------------------------------------------------------------===//

#ifndef AEGIS_SUPPORT_CHEBYSHEV_H
#define AEGIS_SUPPORT_CHEBYSHEV_H

#include <functional>
#include <string>
#include <vector>

namespace aegis {

/// p(x) = sum_k coeffs[k] T_k(t), t = (2x - a - b) / (b - a), on [a, b].
struct ChebyshevSeries {
  double a = -1, b = 1;
  std::vector<double> coeffs;

  int degree() const { return static_cast<int>(coeffs.size()) - 1; }
  /// t = unitScale() x + unitShift(): the affine map of [a, b] onto
  /// [-1, 1] (a lowering may fold it into a product that precedes it).
  double unitScale() const { return 2 / (b - a); }
  double unitShift() const { return -(a + b) / (b - a); }
  /// Clenshaw's recurrence; exact to rounding, for x anywhere (outside
  /// [a, b] the series extrapolates and its error bound does not hold).
  double evaluate(double x) const;
  /// Coefficients of the same polynomial in the monomial basis of t (not x):
  /// sum_k m[k] t^k. Ill-conditioned for high degrees; for tests and small
  /// degrees only.
  std::vector<double> monomialCoefficientsInT() const;
};

/// Interpolates `f` at the `degree + 1` Chebyshev nodes of the first kind on
/// [a, b] (a near-minimax approximation). Requires a < b and degree >= 0.
ChebyshevSeries fitChebyshev(const std::function<double(double)> &f, double a,
                             double b, int degree);

/// Max |f(x) - p(x)| over `samples` points spread on [a, b] (Chebyshev and
/// uniform points, including the end points): a measured error bound.
double maxError(const ChebyshevSeries &p, const std::function<double(double)> &f,
                int samples = 4096);

/// The lowest degree in [1, maxDegree] whose fit meets `targetError` on
/// [a, b]; on failure returns the fit of degree maxDegree (check its error).
ChebyshevSeries fitToError(const std::function<double(double)> &f, double a,
                           double b, double targetError, int maxDegree);

/// Cost of evaluating a degree-d polynomial on a ciphertext with the
/// baby-step/giant-step Paterson-Stockmeyer algorithm in the Chebyshev basis:
/// baby steps T_1..T_{2^l}, giant steps T_{2^l}, T_{2^(l+1)}, ..., and a
/// recursive split of the series.
struct PolynomialCost {
  int degree = 0;
  /// Multiplicative depth (levels consumed, one rescale per level).
  int depth = 0;
  /// Ciphertext-ciphertext multiplications (each needs a relinearization).
  int nonScalarMultiplications = 0;
  /// Multiplications by plaintext constants.
  int scalarMultiplications = 0;
  int babySteps = 0;
  int giantSteps = 0;
};

/// The cost of the evaluation order described above for `degree` (>= 1),
/// computed by simulating it: T_i of depth ceil(log2 i), a scalar
/// multiplication costs one level, a product one level more than its
/// deeper operand. The depth is at least ceil(log2(degree + 1)) (the minimum
/// for any method) and at most one more.
PolynomialCost patersonStockmeyerCost(int degree);

/// Splits a Chebyshev series c (degree < 2n) as c = q * T_n + r, with
/// deg q = deg c - n and deg r < n, using T_n T_k = (T_{n+k} + T_{n-k}) / 2.
/// This is the step of the giant-step recursion.
void splitChebyshev(const std::vector<double> &c, int n, std::vector<double> &q,
                    std::vector<double> &r);

/// Evaluates `p` at x in plain arithmetic following exactly the
/// baby-step/giant-step order whose cost patersonStockmeyerCost() counts
/// (the order a homomorphic evaluator uses); equal to evaluate() up to
/// rounding. Checks the decomposition.
double evaluateBabyGiant(const ChebyshevSeries &p, double x);

/// A one-line description, e.g. "degree 15 on [-4, 4], max error 3.1e-05".
std::string describe(const ChebyshevSeries &p, double error);

} // namespace aegis

#endif // AEGIS_SUPPORT_CHEBYSHEV_H
