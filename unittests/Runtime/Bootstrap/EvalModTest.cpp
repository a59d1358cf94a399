//===- EvalModTest.cpp - EvalMod approximation and evaluation -------------===//

#include "BootstrapTestUtil.h"

#include "aegis/Runtime/Bootstrap/EvalMod.h"

#include <gtest/gtest.h>

#include <cmath>

using namespace aegis;
using namespace aegis::ckks;
using namespace aegis::ckks::test;

namespace {
constexpr double kPi = 3.14159265358979323846;

TEST(BootstrapEvalMod, DepthIsMinimalWithTwoBabySteps) {
  EXPECT_EQ(chebyshevDepth(31, 2), 5u);
  EXPECT_EQ(chebyshevDepth(63, 2), 6u);
  EXPECT_EQ(chebyshevDepth(1, 2), 1u);
  EXPECT_EQ(chebyshevDepth(2, 2), 2u);
  // Larger baby steps spend one more level on the scalar products.
  EXPECT_EQ(chebyshevDepth(31, 4), 6u);
  BootstrapConfig config;
  EXPECT_EQ(config.evalModDepth(), 5u + 4u);
  EXPECT_THROW(chebyshevDepth(31, 3), Error);
}

// The default fit (K = 16, 4 double angles, degree 31) reaches 2^-44 in t
// units on bands of 2^-6, far below a full-interval fit of the same degree.
TEST(BootstrapEvalMod, FitOnBandsBeatsTheFullInterval) {
  EvalModConfig config;
  EvalModPolynomial p = fitEvalMod(config, std::ldexp(1.0, -6));
  EXPECT_EQ(p.series.degree(), 31);
  EXPECT_LT(p.modError, std::ldexp(1.0, -44));
  EXPECT_LT(p.cosineError, std::ldexp(1.0, -48));
  // sin(2 pi t) / (2 pi) departs from t - round(t) by (2 pi)^2 band^3 / 6.
  EXPECT_NEAR(p.sineError, std::pow(2 * kPi, 2) * std::pow(p.band, 3) / 6,
              0.01 * p.sineError);
  double range = config.k + 1;
  auto cosine = [&](double t) {
    return std::cos(2 * kPi * (t - 0.25 - 4) / 16);
  };
  // The fit is the shifted cosine on every band.
  for (double t : {-16.01, -3.0, 0.004, 7.0, 15.99}) {
    EXPECT_NEAR(p.series.evaluate(t), cosine(t), 1e-13);
  }
  // With 3 double angles the cosine oscillates twice as fast: a degree-31
  // interpolant on the whole interval stops near 2^-32, the fit on the
  // bands reaches 2^-36 and better.
  EvalModConfig three = config;
  three.doubleAngle = 3;
  EvalModPolynomial q = fitEvalMod(three, std::ldexp(1.0, -6));
  auto faster = [&](double t) {
    return std::cos(2 * kPi * (t - 0.25 - 2) / 8);
  };
  ChebyshevSeries full = fitChebyshev(faster, -range, range, 31);
  EXPECT_LT(q.cosineError, std::ldexp(1.0, -36));
  EXPECT_GT(maxError(full, faster), 16 * q.cosineError);
  EXPECT_THROW(fitEvalMod(config, 0.3), Error);
}

// The plain mirror of the homomorphic order equals the library's
// baby-step/giant-step evaluation (same split order) and Clenshaw.
TEST(BootstrapEvalMod, PlainOrderMatchesTheLibrary) {
  EvalModPolynomial p = fitEvalMod(EvalModConfig(), std::ldexp(1.0, -6));
  for (double x : {-0.97, -0.5, -0.013, 0.0, 0.21, 0.66, 1.0}) {
    double t = x * p.series.b;
    double reference = p.series.evaluate(t);
    // babyMax of aegis::evaluateBabyGiant for degree 31: 2^(5/2) = 4.
    EXPECT_NEAR(evaluateChebyshevPlain(p.series.coeffs, x, 4),
                evaluateBabyGiant(p.series, t), 1e-12);
    EXPECT_NEAR(evaluateChebyshevPlain(p.series.coeffs, x, 2), reference,
                1e-12);
  }
}

// Homomorphic EvalMod: slots t = I + small with |I| <= K come back as
// sin(2 pi t) with an error near the fit error, at the requested level and
// scale.
TEST(BootstrapEvalMod, HomomorphicMatchesSine) {
  ParameterSpec spec;
  spec.logDegree = 11;
  spec.chainBits = {54, 60, 60, 60, 60, 60, 60, 60, 60, 60};
  spec.specialBits = {60, 60, 60, 60};
  spec.dnum = 3;
  spec.allowInsecure = true;
  KeySetup s(spec);
  const Context &ctx = *s.context;
  EvalModConfig config;
  EvalModPolynomial p = fitEvalMod(config, std::ldexp(1.0, -6));
  BootstrapKeyGenerator generator(s.context, s.keygen->secretKey(),
                                  seedFromInteger(4));
  auto keys = std::make_shared<BootstrapKeys>();
  keys->relin = generator.createRelinKey(ctx.maxLevel());
  BootstrapEvaluator evaluator(s.context, keys);

  const size_t n = 1 << 10;
  std::vector<Complex> small = randomValues(n, 5, true);
  std::vector<Complex> x(n), want(n);
  for (size_t i = 0; i < n; ++i) {
    long integer = long(i % (2 * config.k + 1)) - long(config.k);
    double t = double(integer) + small[i].real() * std::ldexp(1.0, -6);
    x[i] = t / (config.k + 1);
    want[i] = std::sin(2 * kPi * t);
  }
  const unsigned top = ctx.maxLevel();
  const double scale = double(ctx.modulus(top).value);
  Ciphertext ct = s.encrypt(x, top, scale, n);
  const double outScale = std::ldexp(1.0, 50);
  const unsigned depth = BootstrapConfig().evalModDepth();
  Ciphertext y = evalMod(evaluator, ct, p, config, top - depth, outScale);
  EXPECT_EQ(y.level(), top - depth);
  EXPECT_EQ(y.scale(), outScale);
  std::vector<Complex> got = s.decrypt(y);
  PrecisionStats stats = measurePrecision(want, got);
  // Errors in t units are (sin error) / (2 pi).
  EXPECT_GT(stats.worstBits + std::log2(2 * kPi), 30.0);
}

} // namespace
