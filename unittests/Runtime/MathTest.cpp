//===- MathTest.cpp - Modular arithmetic, primes, NTT ---------------------===//

#include "aegis/Runtime/Math/Modular.h"
#include "aegis/Runtime/Math/Ntt.h"
#include "aegis/Runtime/Math/Primes.h"
#include "aegis/Runtime/Support/Error.h"
#include "aegis/Runtime/Support/Prng.h"

#include <gtest/gtest.h>

#include <set>

using namespace aegis;
using namespace aegis::ckks;

namespace {
const uint64_t kTestModuli[] = {
    (uint64_t(1) << 61) - 1,     // largest accepted size
    1152921504606584833ULL,      // a 60-bit NTT prime
    1099511480321ULL,            // 40 bits
    268369921ULL,                // 28 bits
    65537ULL, 3ULL};
} // namespace

TEST(Modular, BarrettMatchesDivision) {
  Prng prng(seedFromInteger(3), 0);
  for (uint64_t q : kTestModuli) {
    Modulus m(q);
    for (int i = 0; i < 20000; ++i) {
      uint128_t x = (uint128_t(prng.next64()) << 64) | prng.next64();
      if (i % 4 == 1) {
        x >>= (prng.next32() % 128);
      }
      ASSERT_EQ(reduce128(x, m), uint64_t(x % q)) << q;
      uint64_t y = prng.next64();
      ASSERT_EQ(reduce64(y, m), y % q) << q;
      uint64_t a = prng.uniformBelow(q), b = prng.uniformBelow(q);
      ASSERT_EQ(mulMod(a, b, m), uint64_t(uint128_t(a) * b % q));
    }
    // Extremes.
    EXPECT_EQ(reduce128(~uint128_t(0), m), uint64_t(~uint128_t(0) % q));
    EXPECT_EQ(mulMod(q - 1, q - 1, m), 1u);
  }
}

TEST(Modular, ShoupMatchesDivision) {
  Prng prng(seedFromInteger(4), 0);
  for (uint64_t q : kTestModuli) {
    for (int i = 0; i < 20000; ++i) {
      uint64_t w = prng.uniformBelow(q);
      uint64_t ws = shoupPrecompute(w, q);
      uint64_t a = prng.next64();
      uint64_t lazy = mulShoupLazy(a, w, ws, q);
      ASSERT_LT(lazy, 2 * q);
      ASSERT_EQ(lazy % q, uint64_t(uint128_t(a) * w % q));
      ASSERT_EQ(mulShoup(a, w, ws, q), uint64_t(uint128_t(a) * w % q));
    }
  }
}

TEST(Modular, InverseAndSigned) {
  for (uint64_t q : kTestModuli) {
    if (!isPrime(q)) {
      continue;
    }
    Modulus m(q);
    for (uint64_t a : {uint64_t(1), uint64_t(2), q - 1, q / 3 + 1}) {
      EXPECT_EQ(mulMod(a, invMod(a, m), m), 1u);
    }
    EXPECT_EQ(fromSigned(-1, m), q - 1);
    EXPECT_EQ(fromSigned(INT64_MIN, m),
              (q - uint64_t((uint128_t(1) << 63) % q)) % q);
    EXPECT_EQ(fromSigned(5, m), 5 % q);
  }
}

TEST(Primes, MillerRabin) {
  EXPECT_FALSE(isPrime(0));
  EXPECT_FALSE(isPrime(1));
  EXPECT_TRUE(isPrime(2));
  EXPECT_TRUE(isPrime(65537));
  EXPECT_TRUE(isPrime((uint64_t(1) << 61) - 1));
  EXPECT_FALSE(isPrime(uint64_t(4294967291ULL) * 4294967279ULL));
  EXPECT_FALSE(isPrime(3215031751ULL)); // strong pseudoprime to 2,3,5,7
  // Against trial division on a range.
  for (uint64_t n = 0; n < 5000; ++n) {
    bool prime = n >= 2;
    for (uint64_t d = 2; d * d <= n; ++d) {
      if (n % d == 0) {
        prime = false;
        break;
      }
    }
    ASSERT_EQ(isPrime(n), prime) << n;
  }
}

TEST(Primes, GeneratorIsDeterministicAndNttFriendly) {
  for (unsigned bits : {30u, 40u, 50u, 60u}) {
    for (size_t degree : {size_t(1024), size_t(1) << 16}) {
      NttPrimeGenerator g1(bits, degree), g2(bits, degree);
      std::set<uint64_t> seen;
      for (int i = 0; i < 12; ++i) {
        uint64_t p = g1.next();
        EXPECT_EQ(p, g2.next());
        EXPECT_TRUE(isPrime(p));
        EXPECT_EQ(p % (2 * degree), 1u);
        EXPECT_TRUE(seen.insert(p).second);
        // Within a factor 2^(+-1) of 2^bits, and alternating around it.
        EXPECT_GT(p, uint64_t(1) << (bits - 1));
        EXPECT_LT(p, uint64_t(1) << (bits + 1));
        EXPECT_EQ(p < (uint64_t(1) << bits), i % 2 == 0) << bits << " " << i;
      }
    }
  }
  EXPECT_THROW(NttPrimeGenerator(61, 1024), Error);
  EXPECT_THROW(NttPrimeGenerator(20, 1 << 18), Error);
}

TEST(Primes, MinimalPrimitiveRoot) {
  uint64_t q = 7681; // 7681 = 1 + 15 * 512
  Modulus m(q);
  uint64_t psi = minimalPrimitiveRoot(q, 512);
  EXPECT_EQ(powMod(psi, 256, m), q - 1);
  for (uint64_t x = 1; x < psi; ++x) {
    bool primitive = powMod(x, 512, m) == 1 && powMod(x, 256, m) == q - 1;
    EXPECT_FALSE(primitive) << x;
  }
}

namespace {
std::vector<uint64_t> schoolbookNegacyclic(const std::vector<uint64_t> &a,
                                           const std::vector<uint64_t> &b,
                                           const Modulus &m) {
  size_t n = a.size();
  std::vector<uint64_t> c(n, 0);
  for (size_t i = 0; i < n; ++i) {
    for (size_t j = 0; j < n; ++j) {
      uint64_t p = mulMod(a[i], b[j], m);
      size_t k = i + j;
      if (k < n) {
        c[k] = addMod(c[k], p, m.value);
      } else {
        c[k - n] = subMod(c[k - n], p, m.value);
      }
    }
  }
  return c;
}
} // namespace

class NttTest : public ::testing::TestWithParam<std::tuple<unsigned, unsigned>> {
};

TEST_P(NttTest, MatchesSchoolbookNegacyclicProduct) {
  auto [logN, bits] = GetParam();
  size_t n = size_t(1) << logN;
  NttPrimeGenerator gen(bits, n);
  Modulus m(gen.next());
  NttTables tables(m, logN);
  Prng prng(seedFromInteger(logN * 100 + bits), 0);
  std::vector<uint64_t> a(n), b(n);
  for (size_t i = 0; i < n; ++i) {
    a[i] = prng.uniformBelow(m.value);
    b[i] = prng.uniformBelow(m.value);
  }
  // Extreme values exercise the lazy ranges.
  a[0] = m.value - 1;
  b[n - 1] = m.value - 1;
  std::vector<uint64_t> expected = schoolbookNegacyclic(a, b, m);
  std::vector<uint64_t> fa = a, fb = b;
  forwardNtt(fa.data(), tables);
  forwardNtt(fb.data(), tables);
  std::vector<uint64_t> fc(n);
  for (size_t i = 0; i < n; ++i) {
    ASSERT_LT(fa[i], m.value);
    fc[i] = mulMod(fa[i], fb[i], m);
  }
  inverseNtt(fc.data(), tables);
  EXPECT_EQ(fc, expected);
  // Round trip.
  inverseNtt(fa.data(), tables);
  EXPECT_EQ(fa, a);
}

TEST_P(NttTest, OutputIsEvaluationAtOddPsiPowers) {
  auto [logN, bits] = GetParam();
  size_t n = size_t(1) << logN;
  NttPrimeGenerator gen(bits, n);
  Modulus m(gen.next());
  NttTables tables(m, logN);
  Prng prng(seedFromInteger(7), 1);
  std::vector<uint64_t> a(n);
  for (auto &x : a) {
    x = prng.uniformBelow(m.value);
  }
  std::vector<uint64_t> fa = a;
  forwardNtt(fa.data(), tables);
  for (uint32_t i = 0; i < n; i += (n > 64 ? 37 : 1)) {
    uint64_t point = powMod(tables.psi(), nttEvaluationExponent(i, logN), m);
    uint64_t value = 0;
    for (size_t k = n; k-- > 0;) { // Horner
      value = addMod(mulMod(value, point, m), a[k], m.value);
    }
    ASSERT_EQ(fa[i], value) << i;
  }
}

INSTANTIATE_TEST_SUITE_P(
    Sizes, NttTest,
    ::testing::Values(std::make_tuple(1u, 20u), std::make_tuple(2u, 30u),
                      std::make_tuple(3u, 30u), std::make_tuple(4u, 40u),
                      std::make_tuple(6u, 60u), std::make_tuple(8u, 50u),
                      std::make_tuple(10u, 60u), std::make_tuple(10u, 36u)));

TEST(Ntt, DispatchedEqualsScalarForEveryStageShape) {
  // forwardNtt/inverseNtt may use AVX2; outputs must equal the scalar code
  // bit for bit, for inputs anywhere in [0, q) and for the largest moduli.
  Prng prng(seedFromInteger(12), 0);
  for (unsigned logN : {3u, 4u, 5u, 10u, 13u}) {
    size_t n = size_t(1) << logN;
    for (unsigned bits : {30u, 50u, 60u}) {
      NttPrimeGenerator gen(bits, n);
      gen.next();
      Modulus m(gen.next()); // above 2^bits: up to 61 bits
      NttTables tables(m, logN);
      std::vector<uint64_t> a(n);
      for (auto &x : a) {
        x = prng.uniformBelow(m.value);
      }
      a[0] = m.value - 1;
      std::vector<uint64_t> s = a, v = a;
      forwardNttScalar(s.data(), tables);
      forwardNtt(v.data(), tables);
      ASSERT_EQ(s, v) << logN << " " << bits;
      inverseNttScalar(s.data(), tables);
      inverseNtt(v.data(), tables);
      ASSERT_EQ(s, v) << logN << " " << bits;
      EXPECT_EQ(v, a);
    }
  }
}
