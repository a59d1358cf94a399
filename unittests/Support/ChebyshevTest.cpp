#include "aegis/Support/Chebyshev.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>

using aegis::ChebyshevSeries;

namespace {

double gelu(double x) { return 0.5 * x * (1 + std::erf(x / std::sqrt(2.0))); }

TEST(Chebyshev, ReproducesAChebyshevPolynomial) {
  // T_3(x) = 4x^3 - 3x on [-1, 1] has coefficients (0, 0, 0, 1).
  auto p = aegis::fitChebyshev([](double x) { return 4 * x * x * x - 3 * x; },
                               -1, 1, 3);
  ASSERT_EQ(p.degree(), 3);
  EXPECT_NEAR(p.coeffs[0], 0, 1e-15);
  EXPECT_NEAR(p.coeffs[1], 0, 1e-15);
  EXPECT_NEAR(p.coeffs[2], 0, 1e-15);
  EXPECT_NEAR(p.coeffs[3], 1, 1e-15);
  auto m = p.monomialCoefficientsInT();
  EXPECT_NEAR(m[3], 4, 1e-14);
  EXPECT_NEAR(m[1], -3, 1e-14);
}

TEST(Chebyshev, ExponentialConvergesAsTheoryPredicts) {
  // For exp on [-1, 1] the interpolation error is about 2^-n / (n+1)!.
  for (int n : {4, 8, 12}) {
    auto p = aegis::fitChebyshev([](double x) { return std::exp(x); }, -1, 1, n);
    double err = aegis::maxError(p, [](double x) { return std::exp(x); });
    double bound = std::exp(1.0) / (std::pow(2.0, n) * std::tgamma(n + 2.0));
    EXPECT_LT(err, 2 * bound) << n;
    EXPECT_GT(err, bound / 100) << n;
  }
}

TEST(Chebyshev, IntervalMapping) {
  auto f = [](double x) { return std::sin(x); };
  auto p = aegis::fitChebyshev(f, 2, 9, 25);
  for (double x = 2; x <= 9; x += 0.37)
    EXPECT_NEAR(p.evaluate(x), f(x), 1e-12) << x;
}

TEST(Chebyshev, FitToErrorFindsTheLowestDegree) {
  auto p = aegis::fitToError(gelu, -8, 8, 1e-3, 64);
  double err = aegis::maxError(p, gelu);
  EXPECT_LE(err, 1e-3);
  auto lower = aegis::fitChebyshev(gelu, -8, 8, p.degree() - 1);
  EXPECT_GT(aegis::maxError(lower, gelu), 1e-3);
  // Unreachable: returns the max degree, with its (too large) error.
  auto capped = aegis::fitToError(gelu, -8, 8, 1e-12, 6);
  EXPECT_EQ(capped.degree(), 6);
  EXPECT_GT(aegis::maxError(capped, gelu), 1e-12);
}

TEST(Chebyshev, MaxErrorSeesEndPoints) {
  // A function the fit cannot follow at the end point.
  auto f = [](double x) { return x >= 0.999999 ? 10.0 : 0.0; };
  auto p = aegis::fitChebyshev([](double) { return 0.0; }, -1, 1, 3);
  EXPECT_GE(aegis::maxError(p, f), 10.0);
}

TEST(Chebyshev, SplitIsExact) {
  std::mt19937 rng(3);
  std::uniform_real_distribution<double> u(-1, 1);
  for (int d : {4, 5, 7}) {
    std::vector<double> c(d + 1);
    for (double &v : c)
      v = u(rng);
    std::vector<double> q, r;
    aegis::splitChebyshev(c, 4, q, r);
    ChebyshevSeries pc{-1, 1, c}, pq{-1, 1, q}, pr{-1, 1, r}, t4{-1, 1, {0, 0, 0, 0, 1}};
    for (double x = -1; x <= 1; x += 0.1)
      EXPECT_NEAR(pc.evaluate(x), pq.evaluate(x) * t4.evaluate(x) + pr.evaluate(x), 1e-13);
  }
}

TEST(Chebyshev, BabyGiantEvaluationMatchesClenshaw) {
  std::mt19937 rng(5);
  std::uniform_real_distribution<double> u(-1, 1);
  for (int d = 1; d <= 130; ++d) {
    ChebyshevSeries p{-3, 5, std::vector<double>(d + 1)};
    for (double &v : p.coeffs)
      v = u(rng) / (1 + 0.1 * d);
    for (double x = -3; x <= 5; x += 0.7)
      ASSERT_NEAR(aegis::evaluateBabyGiant(p, x), p.evaluate(x), 1e-10)
          << "degree " << d << " at " << x;
  }
}

TEST(Chebyshev, CostDepthIsNearOptimal) {
  for (int d = 1; d <= 2048; ++d) {
    auto c = aegis::patersonStockmeyerCost(d);
    int optimal = static_cast<int>(std::ceil(std::log2(d + 1.0)));
    ASSERT_GE(c.depth, optimal) << d;
    ASSERT_LE(c.depth, optimal + 1) << d;
    // O(sqrt(d)) + O(log d) non-scalar products, far below d.
    ASSERT_LE(c.nonScalarMultiplications, 3 * std::sqrt(2.0 * d) + 2 * optimal) << d;
  }
  auto c = aegis::patersonStockmeyerCost(1);
  EXPECT_EQ(c.nonScalarMultiplications, 0);
  EXPECT_EQ(c.depth, 1);
  c = aegis::patersonStockmeyerCost(3);
  EXPECT_EQ(c.nonScalarMultiplications, 2); // T_2 = 2 T_1^2 - 1, q * T_2.
  EXPECT_EQ(c.depth, 2);
}

TEST(Chebyshev, Describe) {
  auto p = aegis::fitChebyshev(gelu, -4, 4, 15);
  EXPECT_EQ(aegis::describe(p, 3.14e-5), "degree 15 on [-4, 4], max error 3.14e-05");
}

} // namespace
