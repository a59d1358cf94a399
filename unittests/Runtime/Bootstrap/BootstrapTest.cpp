//===- BootstrapTest.cpp - End-to-end bootstrapping at toy sizes ----------===//

#include "BootstrapTestUtil.h"

#include <gtest/gtest.h>

#include <cmath>

using namespace aegis;
using namespace aegis::ckks;
using namespace aegis::ckks::test;

namespace {

/// A ciphertext of `values` at level 0 and the plan's input scale, as a
/// computation leaves it: encrypted at level 1 and rescaled.
Ciphertext levelZero(const BootSetup &s, const std::vector<Complex> &values) {
  const Context &ctx = *s.context;
  double scale = s.plan->inputScale() * double(ctx.modulus(1).value);
  Ciphertext ct = s.encrypt(values, 1, scale, values.size());
  s.bootstrapper->evaluator().evaluator().rescaleInPlace(ct);
  ct.setScale(s.plan->inputScale());
  return ct;
}

TEST(Bootstrap, FullSlotsComplexAndReal) {
  BootSetup s(bootstrapPreset("toy-n10"));
  const size_t n = s.plan->slots();
  ASSERT_EQ(n, 512u);
  ASSERT_TRUE(s.plan->fullPacking());
  for (bool real : {false, true}) {
    std::vector<Complex> values = randomValues(n, 11, real);
    BootstrapTimings timings;
    Ciphertext out = s.bootstrapper->bootstrap(levelZero(s, values), &timings);
    EXPECT_EQ(out.level(), s.plan->outputLevel());
    EXPECT_EQ(out.level(), 2u);
    EXPECT_EQ(out.scale(), s.plan->outputScale());
    EXPECT_EQ(out.slots(), n);
    EXPECT_GT(timings.total, 0.0);
    PrecisionStats stats = measurePrecision(values, s.decrypt(out));
    EXPECT_GT(stats.meanBits, 21.0) << (real ? "real" : "complex");
    EXPECT_GT(stats.worstBits, 19.0) << (real ? "real" : "complex");
  }
}

// Real slots: the imaginary noise of the output is removed by one
// conjugation, which also halves the error's variance.
TEST(Bootstrap, RealSlotsDropTheImaginaryNoise) {
  BootstrapConfig config = bootstrapPreset("toy-n10").config;
  BootstrapConfig realConfig = config;
  realConfig.realSlots = true;
  BootSetup complexSetup(bootstrapPreset("toy-n10").spec, config);
  BootSetup realSetup(bootstrapPreset("toy-n10").spec, realConfig);
  std::vector<Complex> values = randomValues(512, 21, /*real=*/true);
  std::vector<Complex> viaComplex = complexSetup.decrypt(
      complexSetup.bootstrapper->bootstrap(levelZero(complexSetup, values)));
  std::vector<Complex> viaReal = realSetup.decrypt(
      realSetup.bootstrapper->bootstrap(levelZero(realSetup, values)));
  double imagComplex = 0, imagReal = 0;
  for (size_t i = 0; i < values.size(); ++i) {
    imagComplex = std::max(imagComplex, std::fabs(viaComplex[i].imag()));
    imagReal = std::max(imagReal, std::fabs(viaReal[i].imag()));
  }
  EXPECT_GT(imagComplex, std::ldexp(1.0, -40));
  EXPECT_LT(imagReal, imagComplex / 4);
  EXPECT_GT(measurePrecision(values, viaReal).meanBits,
            measurePrecision(values, viaComplex).meanBits);
}

// Two real ciphertexts refreshed by one bootstrap: packed as z = a + i b
// (the monomial X^(N/2) is i, exact), bootstrapped in complex mode (the
// result holds z / 2, the real projection's conjugation left out), then one
// conjugation gives both: a = y + conj(y), b = -i (y - conj(y)). The same
// key switches as one real bootstrap, about its precision.
TEST(Bootstrap, ComplexModeRefreshesTwoRealCiphertexts) {
  for (const char *preset : {"toy-n10", "toy-n10-sparse"}) {
    BootstrapConfig config = bootstrapPreset(preset).config;
    config.realSlots = true;
    BootSetup s(bootstrapPreset(preset).spec, config);
    const size_t n = s.plan->slots();
    std::vector<Complex> a = randomValues(n, 31, /*real=*/true);
    std::vector<Complex> b = randomValues(n, 32, /*real=*/true);
    // Each alone must stay within the bound once packed (|a + i b| <= sqrt 2).
    for (size_t i = 0; i < n; ++i)
      a[i] *= 0.7, b[i] *= 0.7;
    const Evaluator &ev = s.bootstrapper->evaluator().evaluator();
    Ciphertext z = levelZero(s, a);
    ev.addInPlace(z, ev.multiplyConstant(levelZero(s, b), {0, 1}, 1.0));
    Ciphertext y = s.bootstrapper->bootstrap(z, nullptr, /*complex=*/true);
    Ciphertext c = s.bootstrapper->evaluator().conjugate(y);
    Ciphertext ra = ev.add(y, c);
    Ciphertext rb = ev.multiplyConstant(ev.sub(y, c), {0, -1}, 1.0);
    PrecisionStats pa = measurePrecision(a, s.decrypt(ra));
    PrecisionStats pb = measurePrecision(b, s.decrypt(rb));
    // One real bootstrap of a alone, for comparison.
    PrecisionStats one = measurePrecision(
        a, s.decrypt(s.bootstrapper->bootstrap(levelZero(s, a))));
    EXPECT_GT(pa.meanBits, one.meanBits - 2) << preset;
    EXPECT_GT(pb.meanBits, one.meanBits - 2) << preset;
    EXPECT_GT(pa.worstBits, 15.0) << preset;
    EXPECT_GT(pb.worstBits, 15.0) << preset;
    // Half the message, not its real part: y alone decrypts to z / 2.
    std::vector<Complex> half = s.decrypt(y), want(n);
    for (size_t i = 0; i < n; ++i)
      want[i] = Complex(a[i].real(), b[i].real()) * 0.5;
    EXPECT_GT(measurePrecision(want, half).meanBits, 15.0) << preset;
  }
  // A plan without the real projection has no half to give.
  BootstrapConfig complexConfig = bootstrapPreset("toy-n10").config;
  complexConfig.realSlots = false;
  BootSetup plain(bootstrapPreset("toy-n10").spec, complexConfig);
  std::vector<Complex> v = randomValues(plain.plan->slots(), 33, true);
  EXPECT_THROW(plain.bootstrapper->bootstrap(levelZero(plain, v), nullptr,
                                             /*complex=*/true),
               Error);
}

TEST(Bootstrap, SparseSlots) {
  BootSetup s(bootstrapPreset("toy-n10-sparse"));
  const size_t n = s.plan->slots();
  ASSERT_EQ(n, 16u);
  ASSERT_FALSE(s.plan->fullPacking());
  std::vector<Complex> values = randomValues(n, 12);
  Ciphertext out = s.bootstrapper->bootstrap(levelZero(s, values));
  EXPECT_EQ(out.level(), 4u);
  EXPECT_EQ(out.slots(), n);
  PrecisionStats stats = measurePrecision(values, s.decrypt(out));
  EXPECT_GT(stats.meanBits, 20.0);
  EXPECT_GT(stats.worstBits, 18.0);
  // Fewer slots than the plan: the values repeat and survive.
  std::vector<Complex> four = randomValues(4, 13);
  Ciphertext small = s.encrypt(four, 3, std::ldexp(1.0, 45), 4);
  Ciphertext refreshed = s.bootstrapper->bootstrap(small);
  EXPECT_EQ(refreshed.slots(), 4u);
  EXPECT_GT(measurePrecision(four, s.decrypt(refreshed)).worstBits, 18.0);
}

// Ten bootstraps in a row, each from the previous output's level: the error
// stays within k times the error of one bootstrap (deterministic parts of it,
// such as the sine's cubic term, add up linearly; nothing compounds).
TEST(Bootstrap, TenInARowStayWithinTheBound) {
  BootSetup s(bootstrapPreset("toy-n10"));
  std::vector<Complex> values = randomValues(s.plan->slots(), 14);
  Ciphertext ct = levelZero(s, values);
  double first = 0;
  for (int round = 1; round <= 10; ++round) {
    ct = s.bootstrapper->bootstrap(ct);
    ASSERT_EQ(ct.level(), s.plan->outputLevel());
    PrecisionStats stats = measurePrecision(values, s.decrypt(ct));
    if (round == 1) {
      first = stats.meanError;
    }
    EXPECT_LT(stats.meanError, 1.25 * round * first) << "round " << round;
    EXPECT_GT(stats.meanBits, 20.0) << "round " << round;
    EXPECT_GT(stats.worstBits, 18.0) << "round " << round;
  }
}

// Any level in, the highest usable level out, at exactly the output scale
// when the input was above level 0.
TEST(Bootstrap, AnyLevelToTheMaximumUsableLevel) {
  BootSetup s(bootstrapPreset("toy-n10"));
  const size_t n = s.plan->slots();
  std::vector<Complex> values = randomValues(n, 15);
  for (unsigned level : {1u, 3u, 9u, s.context->maxLevel()}) {
    Ciphertext ct = s.encrypt(values, level, std::ldexp(1.0, 47), n);
    Ciphertext out = s.bootstrapper->bootstrap(ct);
    EXPECT_EQ(out.level(), s.plan->outputLevel()) << "from level " << level;
    EXPECT_EQ(out.scale(), s.plan->outputScale());
    EXPECT_GT(measurePrecision(values, s.decrypt(out)).meanBits, 21.0)
        << "from level " << level;
  }
  // A level-0 input keeps its scale ratio.
  Ciphertext half = s.encrypt(values, 0, s.plan->inputScale() / 2, n);
  Ciphertext out = s.bootstrapper->bootstrap(half);
  EXPECT_DOUBLE_EQ(out.scale(), s.plan->outputScale() / 2);
  EXPECT_GT(measurePrecision(values, s.decrypt(out)).meanBits, 19.0);
}

TEST(Bootstrap, RejectsWhatItCannotRefresh) {
  BootSetup s(bootstrapPreset("toy-n10-sparse"));
  std::vector<Complex> many = randomValues(64, 16);
  EXPECT_THROW(s.bootstrapper->bootstrap(s.encrypt(many, 0, 1e12, 64)), Error);
  std::vector<Complex> few = randomValues(16, 17);
  // Level 0 with a scale far above the input scale: the message would
  // leave EvalMod's bands.
  EXPECT_THROW(s.bootstrapper->bootstrap(
                   s.encrypt(few, 0, 4 * s.plan->inputScale(), 16)),
               Error);
  Ciphertext ct = s.encrypt(few, 2, std::ldexp(1.0, 40), 16);
  Ciphertext product = s.bootstrapper->evaluator().evaluator().multiply(ct, ct);
  EXPECT_THROW(s.bootstrapper->bootstrap(product), Error);
  KeySetup other(bootstrapPreset("toy-n10").spec, 99);
  EXPECT_THROW(s.bootstrapper->bootstrap(other.encrypt(few, 0, 1e12, 16)),
               Error);
  // A plan that does not fit its chain.
  BootstrapConfig config = bootstrapPreset("toy-n10").config;
  config.stcLevels = 6;
  EXPECT_THROW(BootstrapPlan(s.context, config), Error);
  config = bootstrapPreset("toy-n10").config;
  config.logSlots = 10;
  EXPECT_THROW(BootstrapPlan(s.context, config), Error);
}

TEST(BootstrapPresets, ProductionMeetsTheSecurityBudget) {
  for (const char *name : {"n16-full", "n16-sparse"}) {
    const BootstrapPreset &preset = bootstrapPreset(name);
    Parameters params = Parameters::create(preset.spec);
    EXPECT_TRUE(params.meetsSecurityBound()) << name;
    EXPECT_LE(params.logQP(), 1747.0) << name;
    EXPECT_FALSE(params.allowInsecure()) << name;
    EXPECT_EQ(params.logDegree(), 16u);
    EXPECT_GE(int(params.maxLevel()) - int(preset.config.depth()), 9) << name;
    EXPECT_EQ(preset.config.ephemeralWeight, 32u);
  }
  for (const BootstrapPreset &preset : bootstrapPresets()) {
    if (preset.name.rfind("toy", 0) == 0) {
      EXPECT_TRUE(preset.spec.allowInsecure) << preset.name;
    }
  }
  EXPECT_THROW(bootstrapPreset("n17-full"), Error);
}

// The production plan (no keys: about 0.5 GB and a second): 9 levels left,
// 38 rotation keys, diagonals encoded on use, failure-free.
TEST(BootstrapPlan, ProductionPlan) {
  const BootstrapPreset &preset = bootstrapPreset("n16-full");
  ContextPtr context = Context::create(Parameters::create(preset.spec));
  BootstrapPlan plan(context, preset.config);
  EXPECT_TRUE(plan.fullPacking());
  EXPECT_EQ(plan.outputLevel(), 9u);
  EXPECT_EQ(plan.evalModInputLevel(), 21u);
  EXPECT_EQ(plan.evalModOutputLevel(), 12u);
  EXPECT_EQ(plan.rotationLevels().size(), 38u);
  EXPECT_EQ(plan.cachedDiagonalBytes(), 0u);
  ASSERT_EQ(plan.coeffToSlot().size(), 3u);
  size_t diagonals = 0;
  for (const HoistedTransform &t : plan.coeffToSlot()) {
    EXPECT_LE(t.numDiagonals(), 63u);
    diagonals += t.numDiagonals();
  }
  EXPECT_EQ(diagonals, 32u + 63u + 63u);
  EXPECT_TRUE(std::isinf(plan.failureProbabilityLog2()));
  EXPECT_LT(plan.evalModPolynomial().modError, std::ldexp(1.0, -44));
}

TEST(BootstrapPlan, FailureProbability) {
  BootSetup s(bootstrapPreset("toy-n10-sparse"));
  // K = 16 covers |I| <= (32 + 1) / 2: bootstrapping cannot fail.
  EXPECT_TRUE(std::isinf(s.plan->failureProbabilityLog2()));
  BootstrapConfig config = bootstrapPreset("toy-n10-sparse").config;
  config.evalMod.k = 12;
  BootstrapPlan smallK(s.context, config);
  EXPECT_LT(smallK.failureProbabilityLog2(), -40.0);
  EXPECT_GT(smallK.failureProbabilityLog2(), -80.0);
  EXPECT_NE(s.plan->describe().find("output level 4"), std::string::npos);
}

} // namespace
