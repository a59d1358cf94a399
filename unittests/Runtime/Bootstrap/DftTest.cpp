//===- DftTest.cpp - CoeffToSlot/SlotToCoeff matrices and BSGS transforms -===//

#include "BootstrapTestUtil.h"

#include "aegis/Runtime/Bootstrap/HomomorphicDft.h"

#include <gtest/gtest.h>

#include <cmath>

using namespace aegis;
using namespace aegis::ckks;
using namespace aegis::ckks::test;

namespace {

ParameterSpec toySpec(unsigned logN) {
  ParameterSpec spec;
  spec.logDegree = logN;
  spec.chainBits = {50, 40, 40, 40};
  spec.specialBits = {60, 60};
  spec.dnum = 2;
  spec.allowInsecure = true;
  return spec;
}

double maxDistance(const std::vector<Complex> &a,
                   const std::vector<Complex> &b) {
  double worst = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    worst = std::max(worst, std::abs(a[i] - b[i]));
  }
  return worst;
}

std::vector<Complex> applyAll(const std::vector<DiagonalMatrix> &groups,
                              std::vector<Complex> x) {
  for (const DiagonalMatrix &m : groups) {
    x = m.apply(x);
  }
  return x;
}

// The merged CoeffToSlot groups are n * BR * (the encoder's special inverse
// FFT), and SlotToCoeff inverts them, for every split of the stages.
TEST(BootstrapDft, GroupsMatchTheEncoder) {
  auto context = Context::create(Parameters::create(toySpec(10)));
  Encoder encoder(context);
  for (size_t n : {2u, 8u, 64u, 512u}) {
    std::vector<Complex> z = randomValues(n, n);
    std::vector<double> coefficients = encoder.slotsToCoefficients(z, 1.0);
    std::vector<Complex> w(n);
    for (size_t k = 0; k < n; ++k) {
      w[k] = Complex(coefficients[k], coefficients[n + k]) * double(n);
    }
    std::vector<Complex> expected = bitReversed(w);
    for (unsigned levels : {1u, 2u, 3u, 4u}) {
      std::vector<Complex> got = applyAll(coeffToSlotGroups(n, levels), z);
      EXPECT_LT(maxDistance(got, expected), 1e-12 * double(n))
          << "n = " << n << ", levels = " << levels;
      std::vector<Complex> back =
          applyAll(slotToCoeffGroups(n, levels), expected);
      for (auto &v : back) {
        v /= double(n);
      }
      EXPECT_LT(maxDistance(back, z), 1e-12) << "n = " << n;
    }
  }
}

// Merging s consecutive radix-2 stages leaves at most 2^(s+1) - 1 diagonals;
// the longest stage (offsets +-n/2 coincide modulo n) has only 2.
TEST(BootstrapDft, MergedGroupsAreSparse) {
  const size_t n = 1 << 9;
  std::vector<unsigned> sizes = groupSizes(9, 3);
  ASSERT_EQ(sizes, (std::vector<unsigned>{3, 3, 3}));
  std::vector<DiagonalMatrix> groups = coeffToSlotGroups(n, 3);
  ASSERT_EQ(groups.size(), 3u);
  for (const DiagonalMatrix &g : groups) {
    EXPECT_LE(g.diagonals().size(), 15u);
  }
  EXPECT_EQ(specialFftStage(n, n, true).diagonals().size(), 2u);
  EXPECT_EQ(specialFftStage(n, 8, false).diagonals().size(), 3u);
  EXPECT_EQ(groupSizes(11, 3), (std::vector<unsigned>{4, 4, 3}));
}

TEST(BootstrapDft, BsgsSplitCoversEveryDiagonal) {
  std::vector<DiagonalMatrix> groups = coeffToSlotGroups(1 << 9, 3);
  for (const DiagonalMatrix &g : groups) {
    BsgsSplit split = chooseBsgsSplit(g);
    for (const auto &entry : g.diagonals()) {
      size_t k = entry.first;
      size_t baby = k % split.babyStep;
      EXPECT_TRUE(std::count(split.babies.begin(), split.babies.end(), baby));
      EXPECT_TRUE(
          std::count(split.giants.begin(), split.giants.end(), k - baby));
    }
    // Far fewer rotations than diagonals.
    EXPECT_LT(split.babies.size() + split.giants.size(), g.diagonals().size());
  }
}

// A random sparse matrix evaluated homomorphically with double hoisting
// equals the plain product.
TEST(BootstrapTransform, HoistedMatchesPlain) {
  ParameterSpec spec = toySpec(11);
  spec.chainBits = {50, 45, 45, 45};
  spec.specialBits = {60, 60};
  KeySetup s(spec);
  const Context &ctx = *s.context;
  for (size_t dim : {size_t(1) << 10, size_t(64)}) {
    DiagonalMatrix m(dim);
    std::vector<Complex> values = randomValues(dim * 9, dim);
    size_t next = 0;
    for (long offset : {0L, 1L, 2L, 5L, 9L, -1L, -7L, 33L, long(dim / 2)}) {
      DiagonalMatrix::Vector &d = m.diagonal(offset);
      for (size_t p = 0; p < dim; ++p) {
        d[p] = values[next++ % values.size()];
      }
    }
    const unsigned level = 3;
    const double scale = std::ldexp(1.0, 40);
    HoistedTransform transform(s.context, *s.encoder, m, level,
                               double(ctx.modulus(level).value));
    if (dim == 64) {
      transform.cacheDiagonals();
      EXPECT_EQ(transform.cachedBytes(), transform.encodedBytes());
    } else {
      EXPECT_EQ(transform.cachedBytes(), 0u);
    }
    BootstrapKeyGenerator generator(s.context, s.keygen->secretKey(),
                                    seedFromInteger(3));
    auto keys = std::make_shared<BootstrapKeys>();
    for (long step : transform.rotations()) {
      uint64_t g = ctx.galoisElementForRotation(step);
      keys->galois.emplace(g, generator.createGaloisKey(g, level));
    }
    BootstrapEvaluator evaluator(s.context, keys);
    std::vector<Complex> x = randomValues(dim, 77);
    Ciphertext ct = s.encrypt(x, level, scale, dim);
    Ciphertext y = transform.apply(evaluator, ct);
    evaluator.evaluator().rescaleInPlace(y);
    EXPECT_EQ(y.level(), level - 1);
    std::vector<Complex> got = s.decrypt(y);
    std::vector<Complex> want = m.apply(x);
    EXPECT_LT(maxDistance(got, want), 1e-6) << "dim = " << dim;
  }
}

} // namespace
