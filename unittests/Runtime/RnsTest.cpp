//===- RnsTest.cpp - Parameters, context, base conversion, encoder --------===//

#include "aegis/Runtime/CKKS/Context.h"
#include "aegis/Runtime/CKKS/Encoder.h"
#include "aegis/Runtime/CKKS/Parameters.h"
#include "aegis/Runtime/Math/BigUInt.h"
#include "aegis/Runtime/Math/Primes.h"
#include "aegis/Runtime/Support/Error.h"
#include "aegis/Runtime/Support/Prng.h"

#include <gtest/gtest.h>

#include <cmath>
#include <complex>

using namespace aegis;
using namespace aegis::ckks;

namespace {
ParameterSpec smallSpec(unsigned logN, std::vector<unsigned> chain,
                        std::vector<unsigned> special, unsigned dnum,
                        bool insecure = true) {
  ParameterSpec spec;
  spec.logDegree = logN;
  spec.chainBits = std::move(chain);
  spec.specialBits = std::move(special);
  spec.dnum = dnum;
  spec.allowInsecure = insecure;
  return spec;
}

std::string errorOf(const std::function<void()> &fn) {
  try {
    fn();
  } catch (const Error &e) {
    return e.what();
  }
  return "";
}
} // namespace

TEST(Parameters, SecurityTable) {
  EXPECT_EQ(maxLogQP(10), 27u);
  EXPECT_EQ(maxLogQP(13), 218u);
  EXPECT_EQ(maxLogQP(14), 438u);
  EXPECT_EQ(maxLogQP(15), 881u);
  EXPECT_EQ(maxLogQP(16), 1747u);
  EXPECT_EQ(maxLogQP(17), 3464u);
  EXPECT_THROW(maxLogQP(9), Error);
  EXPECT_THROW(maxLogQP(18), Error);
}

TEST(Parameters, RefusesInsecureWithoutOptIn) {
  // N = 2^14, 60 + 10 x 40 + 2 x 60 bits = 580 > 438.
  ParameterSpec spec = smallSpec(14, {60, 40, 40, 40, 40, 40, 40, 40, 40, 40, 40},
                                 {60, 60}, 3, /*insecure=*/false);
  std::string message = errorOf([&] { Parameters::create(spec); });
  EXPECT_NE(message.find("not 128-bit secure"), std::string::npos) << message;
  EXPECT_NE(message.find("N = 2^14"), std::string::npos) << message;
  EXPECT_NE(message.find("log2(QP) = 580."), std::string::npos) << message;
  EXPECT_NE(message.find("bound 438"), std::string::npos) << message;
  spec.allowInsecure = true;
  Parameters params = Parameters::create(spec);
  EXPECT_FALSE(params.meetsSecurityBound());
  EXPECT_TRUE(params.allowInsecure());
  EXPECT_NE(params.describe().find("INSECURE TEST PARAMETERS"),
            std::string::npos);
}

TEST(Parameters, AcceptsSecureChainsNearTheBound) {
  // N = 2^14, 60 + 8 x 40 + 60 = 440 - just above; 60 + 7 x 40 + 60 = 400.
  Parameters p = Parameters::create(
      smallSpec(14, {60, 40, 40, 40, 40, 40, 40, 40}, {60}, 2, false));
  EXPECT_TRUE(p.meetsSecurityBound());
  EXPECT_LE(p.logQP(), 438.0);
  EXPECT_NE(p.describe().find("128-bit classical"), std::string::npos);
  EXPECT_EQ(p.describe().find("INSECURE"), std::string::npos);
  EXPECT_EQ(p.maxLevel(), 7u);
  EXPECT_EQ(p.digitSize(), 4u);
  EXPECT_EQ(p.numDigits(), 2u);
  EXPECT_DOUBLE_EQ(p.defaultScale(), std::ldexp(1.0, 40));
}

TEST(Parameters, DeterministicPrimesAndHash) {
  ParameterSpec spec = smallSpec(12, {50, 40, 40}, {50, 50}, 1);
  Parameters a = Parameters::create(spec), b = Parameters::create(spec);
  EXPECT_EQ(a.chainModuli(), b.chainModuli());
  EXPECT_EQ(a.specialModuli(), b.specialModuli());
  EXPECT_EQ(a.hash(), b.hash());
  // q_0 and the special primes share a size but never a prime.
  for (uint64_t p : a.specialModuli()) {
    for (uint64_t q : a.chainModuli()) {
      EXPECT_NE(p, q);
    }
  }
  spec.dnum = 3;
  EXPECT_NE(Parameters::create(spec).hash(), a.hash());
  spec.dnum = 1;
  spec.secret = SecretDistribution::SparseTernary;
  spec.hammingWeight = 64;
  EXPECT_NE(Parameters::create(spec).hash(), a.hash());
}

TEST(Parameters, RejectsInvalidFields) {
  EXPECT_THROW(Parameters::create(smallSpec(9, {40}, {40}, 1)), Error);
  EXPECT_THROW(Parameters::create(smallSpec(18, {40}, {40}, 1)), Error);
  EXPECT_THROW(Parameters::create(smallSpec(12, {}, {40}, 1)), Error);
  EXPECT_THROW(Parameters::create(smallSpec(12, {40}, {}, 1)), Error);
  EXPECT_THROW(Parameters::create(smallSpec(12, {40, 40}, {40}, 3)), Error);
  EXPECT_THROW(Parameters::create(smallSpec(12, {40, 40}, {40}, 0)), Error);
  EXPECT_THROW(Parameters::create(smallSpec(12, {61}, {40}, 1)), Error);
  ParameterSpec sparse = smallSpec(12, {40}, {40}, 1);
  sparse.secret = SecretDistribution::SparseTernary;
  EXPECT_THROW(Parameters::create(sparse), Error); // weight 0
  sparse.hammingWeight = 5000;
  EXPECT_THROW(Parameters::create(sparse), Error); // weight > N
  Parameters good = Parameters::create(smallSpec(12, {40, 40}, {40}, 1));
  auto chain = good.chainModuli();
  // Not 1 mod 2N, not prime, duplicated.
  EXPECT_THROW(Parameters::fromModuli(12, {chain[0] + 2, chain[1]},
                                      good.specialModuli(), 1, 1e12,
                                      good.secret(), 0, true),
               Error);
  EXPECT_THROW(Parameters::fromModuli(12, {chain[0] + 2 * 4096, chain[1]},
                                      good.specialModuli(), 1, 1e12,
                                      good.secret(), 0, true),
               Error);
  EXPECT_THROW(Parameters::fromModuli(12, {chain[0], chain[0]},
                                      good.specialModuli(), 1, 1e12,
                                      good.secret(), 0, true),
               Error);
  EXPECT_THROW(Parameters::fromModuli(12, chain, good.specialModuli(), 1,
                                      std::nan(""), good.secret(), 0, true),
               Error);
}

TEST(Context, DigitsAndIndices) {
  auto ctx = Context::create(Parameters::create(
      smallSpec(10, {40, 30, 30, 30, 30, 30, 30}, {40, 40}, 3)));
  EXPECT_EQ(ctx->digitSize(), 3u);
  EXPECT_EQ(ctx->numDigits(6), 3u);
  EXPECT_EQ(ctx->numDigits(5), 2u);
  EXPECT_EQ(ctx->numDigits(2), 1u);
  EXPECT_EQ(ctx->digitEnd(2, 6), 7u);
  EXPECT_EQ(ctx->digitEnd(1, 4), 5u);
  auto ext = ctx->extendedIndices(2);
  ASSERT_EQ(ext.size(), 5u);
  EXPECT_EQ(ext[2], 2u);
  EXPECT_EQ(ext[3], 7u);
  EXPECT_EQ(ext[4], 8u);
  EXPECT_EQ(ctx->extendedModulus(2, 4), 8u);
  EXPECT_EQ(ctx->galoisElementForRotation(1), 5u);
  EXPECT_EQ(ctx->galoisElementForRotation(0), 1u);
  uint64_t g = ctx->galoisElementForRotation(-1);
  EXPECT_EQ(g * 5 % (2 * ctx->degree()), 1u);
  EXPECT_THROW(ctx->galoisPermutation(4), Error);
}

TEST(Context, GaloisPermutationIsTheAutomorphism) {
  auto ctx = Context::create(
      Parameters::create(smallSpec(10, {40, 40}, {40}, 1)));
  const size_t n = ctx->degree();
  const Modulus &m = ctx->modulus(0);
  Prng prng(seedFromInteger(5), 0);
  std::vector<uint64_t> a(n);
  for (auto &x : a) {
    x = prng.uniformBelow(m.value);
  }
  for (uint64_t g : {uint64_t(5), uint64_t(25), ctx->conjugationElement()}) {
    // Coefficient-domain automorphism: X^i -> X^(g*i mod 2N) with sign.
    std::vector<uint64_t> expected(n, 0);
    for (size_t i = 0; i < n; ++i) {
      uint64_t j = g * i % (2 * n);
      if (j < n) {
        expected[j] = a[i];
      } else {
        expected[j - n] = negateMod(a[i], m.value);
      }
    }
    std::vector<uint64_t> fa = a, fe = expected;
    forwardNtt(fa.data(), ctx->tables().ntt[0]);
    forwardNtt(fe.data(), ctx->tables().ntt[0]);
    const auto &perm = ctx->galoisPermutation(g);
    std::vector<uint64_t> permuted(n);
    for (size_t i = 0; i < n; ++i) {
      permuted[i] = fa[perm[i]];
    }
    EXPECT_EQ(permuted, fe) << g;
  }
}

TEST(BaseConversion, MatchesExactCrtUpToMultipleOfSource) {
  auto ctx = Context::create(Parameters::create(
      smallSpec(10, {50, 30, 31, 32, 33, 34}, {60, 59}, 2)));
  const size_t n = ctx->degree();
  Backend &backend = ctx->backend();
  // Source: digit 1 = chain limbs 3..5; targets: everything else.
  const BaseConverter &conv = ctx->modUpConverter(1, 3);
  ASSERT_EQ(conv.sourceIndices(), (std::vector<uint32_t>{3, 4, 5}));
  std::vector<uint32_t> targets = {0, 1, 2, 6, 7};
  Prng prng(seedFromInteger(11), 0);
  std::vector<uint64_t> in(3 * n);
  for (size_t k = 0; k < 3; ++k) {
    for (size_t c = 0; c < n; ++c) {
      in[k * n + c] = prng.uniformBelow(ctx->modulus(3 + k).value);
    }
  }
  // Extreme values.
  for (size_t k = 0; k < 3; ++k) {
    in[k * n] = ctx->modulus(3 + k).value - 1;
    in[k * n + 1] = 0;
  }
  RnsPoly src(backend, 3), dst(backend, targets.size());
  backend.copyFromHost(src.data(), in.data(), in.size());
  backend.baseConvert(dst.data(), ModuliSpan(targets), src.data(), conv, false);
  std::vector<uint64_t> out(targets.size() * n);
  backend.copyToHost(out.data(), dst.data(), out.size());

  BigUInt s(1);
  for (uint32_t i : conv.sourceIndices()) {
    s = s * ctx->modulus(i).value;
  }
  std::vector<BigUInt> punctured;
  std::vector<uint64_t> inverses;
  for (size_t i = 0; i < 3; ++i) {
    BigUInt p(1);
    for (size_t j = 0; j < 3; ++j) {
      if (j != i) {
        p = p * ctx->modulus(3 + j).value;
      }
    }
    const Modulus &m = ctx->modulus(3 + i);
    inverses.push_back(invMod(p.mod(m), m));
    punctured.push_back(p);
  }
  std::vector<int> uCounts(3, 0);
  for (size_t c = 0; c < n; ++c) {
    BigUInt x; // exact CRT value in [0, S)
    for (size_t i = 0; i < 3; ++i) {
      x += punctured[i] * mulMod(in[i * n + c], inverses[i],
                                 ctx->modulus(3 + i));
    }
    while (!(x < s)) {
      x -= s;
    }
    // Find u from the first target, then every target must agree.
    int u = -1;
    BigUInt candidate = x;
    for (int k = 0; k < 3; ++k) {
      if (candidate.mod(ctx->modulus(targets[0])) == out[c]) {
        u = k;
        break;
      }
      candidate += s;
    }
    ASSERT_GE(u, 0) << "coefficient " << c;
    ++uCounts[u];
    for (size_t t = 0; t < targets.size(); ++t) {
      ASSERT_EQ(candidate.mod(ctx->modulus(targets[t])), out[t * n + c])
          << "coefficient " << c << " target " << t;
    }
  }
  // The fast conversion overshoots for a sizeable share of inputs.
  EXPECT_GT(uCounts[0], 0);
  EXPECT_GT(uCounts[1] + uCounts[2], 0);

  // The centered variant returns exactly the representative in (-S/2, S/2].
  backend.baseConvert(dst.data(), ModuliSpan(targets), src.data(), conv, true);
  backend.copyToHost(out.data(), dst.data(), out.size());
  BigUInt halfS = s.half();
  size_t negatives = 0;
  for (size_t c = 0; c < n; ++c) {
    BigUInt x;
    for (size_t i = 0; i < 3; ++i) {
      x += punctured[i] * mulMod(in[i * n + c], inverses[i],
                                 ctx->modulus(3 + i));
    }
    while (!(x < s)) {
      x -= s;
    }
    bool negative = halfS < x;
    BigUInt magnitude = x;
    if (negative) {
      magnitude = s;
      magnitude -= x;
      ++negatives;
    }
    for (size_t t = 0; t < targets.size(); ++t) {
      const Modulus &m = ctx->modulus(targets[t]);
      uint64_t want = magnitude.mod(m);
      if (negative) {
        want = negateMod(want, m.value);
      }
      ASSERT_EQ(out[t * n + c], want) << "coefficient " << c;
    }
  }
  EXPECT_GT(negatives, n / 4);
  EXPECT_LT(negatives, 3 * n / 4);
}

TEST(Encoder, SpecialFftRoundTrip) {
  auto ctx = Context::create(
      Parameters::create(smallSpec(11, {50, 40}, {50}, 1)));
  Encoder encoder(ctx);
  Prng prng(seedFromInteger(2), 0);
  for (size_t n : {1u, 2u, 8u, 64u, 1024u}) {
    std::vector<std::complex<double>> z(n);
    for (auto &v : z) {
      v = {double(prng.next32()) / 4294967296.0 - 0.5,
           double(prng.next32()) / 4294967296.0 - 0.5};
    }
    auto back = encoder.coefficientsToSlots(encoder.slotsToCoefficients(z, 1.0),
                                            1.0);
    ASSERT_EQ(back.size(), n);
    for (size_t i = 0; i < n; ++i) {
      EXPECT_LT(std::abs(back[i] - z[i]), 1e-12) << n << " " << i;
    }
  }
}

TEST(Encoder, CoefficientsEvaluateToSlots) {
  // m(zeta^(5^j)) = scale * z_j for the full slot count.
  auto ctx = Context::create(
      Parameters::create(smallSpec(10, {50, 40}, {50}, 1)));
  Encoder encoder(ctx);
  const size_t N = ctx->degree(), n = N / 2;
  std::vector<std::complex<double>> z(n);
  for (size_t i = 0; i < n; ++i) {
    z[i] = {std::sin(0.1 * double(i)), std::cos(0.3 * double(i))};
  }
  std::vector<double> c = encoder.slotsToCoefficients(z, 1.0);
  // c holds p_0..p_(N-1) directly when n = N/2.
  const double pi = 3.14159265358979323846;
  uint64_t g = 1;
  for (size_t j = 0; j < n; j += 37) {
    std::complex<double> value = 0;
    for (size_t k = 0; k < N; ++k) {
      double angle = pi * double((g * k) % (2 * N)) / double(N);
      value += c[k] * std::complex<double>(std::cos(angle), std::sin(angle));
    }
    EXPECT_LT(std::abs(value - z[j]), 1e-9) << j;
    for (size_t s = 0; s < 37; ++s) {
      g = g * 5 % (2 * N);
    }
  }
}

TEST(Encoder, EncodeDecodePrecision) {
  auto ctx = Context::create(Parameters::create(
      smallSpec(12, {60, 40, 40}, {60}, 1)));
  Encoder encoder(ctx);
  Prng prng(seedFromInteger(9), 0);
  for (unsigned level : {0u, 2u}) {
    for (size_t n : {4u, 512u, 2048u}) {
      std::vector<std::complex<double>> z(n);
      for (auto &v : z) {
        v = {double(prng.next32()) / 4294967296.0 * 2 - 1,
             double(prng.next32()) / 4294967296.0 * 2 - 1};
      }
      double scale = std::ldexp(1.0, 40);
      Plaintext pt = encoder.encode(z, level, scale);
      EXPECT_EQ(pt.slots(), n);
      auto back = encoder.decode(pt);
      double maxErr = 0;
      for (size_t i = 0; i < n; ++i) {
        maxErr = std::max(maxErr, std::abs(back[i] - z[i]));
      }
      // Rounding N coefficients by at most 1/2 moves a slot by at most
      // N/2 / scale; in practice sqrt(N) / scale.
      EXPECT_LT(maxErr, double(ctx->degree()) / 2 / scale) << n;
      EXPECT_LT(maxErr, 1e-9);
    }
  }
  // Values whose scaled coefficients exceed 2^64 take the multi-word CRT path.
  std::vector<double> big = {3.5e6, -1.25e6, 7.0, -2.0};
  Plaintext pt = encoder.encode(big, 2, std::ldexp(1.0, 50));
  auto back = encoder.decodeReal(pt);
  for (size_t i = 0; i < big.size(); ++i) {
    EXPECT_NEAR(back[i], big[i], 1e-6);
  }
  EXPECT_THROW(encoder.encode(std::vector<double>(4096, 1.0), 0, 1e10),
               Error);
  EXPECT_THROW(encoder.encode(std::vector<double>(4, 1.0), 3, 1e10), Error);
  EXPECT_THROW(encoder.encode(std::vector<double>{std::nan("")}, 0, 1e10),
               Error);
}
