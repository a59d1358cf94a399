//===- RotationTest.cpp - Rotations, conjugation, key switching -----------===//

#include "CkksTestUtil.h"

#include "aegis/Runtime/CKKS/Serialization.h"
#include "aegis/Runtime/Support/Error.h"

#include <gtest/gtest.h>

using namespace aegis;
using namespace aegis::ckks;
using namespace aegis::ckks::test;

namespace {
std::vector<Complex> rotated(const std::vector<Complex> &v, long k) {
  long n = long(v.size());
  std::vector<Complex> r(v.size());
  for (long j = 0; j < n; ++j) {
    r[j] = v[((j + k) % n + n) % n];
  }
  return r;
}

std::vector<uint64_t> download(const Ciphertext &ct) {
  const Backend &be = ct.context()->backend();
  std::vector<uint64_t> host;
  for (unsigned i = 0; i < ct.size(); ++i) {
    std::vector<uint64_t> part(ct[i].numWords());
    const_cast<Backend &>(be).copyToHost(part.data(), ct[i].data(),
                                         part.size());
    host.insert(host.end(), part.begin(), part.end());
  }
  return host;
}

TestSetup &shared() {
  // N = 2^11 (1024 slots), 55 + 3 x 40 bits, special 2 x 60, dnum 2.
  static TestSetup setup(makeSpec(11, {55, 40, 40, 40}, {60, 60}, 2), 21);
  return setup;
}
} // namespace

TEST(Rotation, EveryPowerOfTwoBothWays) {
  TestSetup &s = shared();
  NoiseModel noise(*s.context);
  const long slots = long(s.context->degree() / 2);
  std::vector<long> steps;
  for (long k = 1; k < slots; k <<= 1) {
    steps.push_back(k);
    steps.push_back(-k);
  }
  GaloisKeys keys = s.keygen->createGaloisKeys(steps);
  auto x = randomValues(size_t(slots), 31);
  Ciphertext c = s.encrypt(x);
  double bound = noise.fresh(s.scale()) +
                 noise.keySwitch(*s.context, s.top(), s.scale());
  for (long k : steps) {
    Ciphertext r = s.evaluator->rotate(c, k, keys);
    EXPECT_LT(maxError(s.decrypt(r), rotated(x, k)), bound) << k;
  }
}

TEST(Rotation, RandomAmountsSparseSlotsAndLowerLevels) {
  TestSetup &s = shared();
  NoiseModel noise(*s.context);
  Prng prng(seedFromInteger(32), 0);
  std::vector<long> steps;
  for (int i = 0; i < 6; ++i) {
    steps.push_back(long(prng.uniformBelow(1024)) - 512);
  }
  GaloisKeys keys = s.keygen->createGaloisKeys(steps);
  for (size_t n : {size_t(1024), size_t(64)}) {
    auto x = randomValues(n, 33 + n);
    for (unsigned level : {s.top(), 1u}) {
      Ciphertext c = s.encrypt(x, level, s.scale());
      for (long k : steps) {
        if (n < 1024 && k % long(n) != k % 1024 % long(n)) {
          continue;
        }
        Ciphertext r = s.evaluator->rotate(c, k, keys);
        EXPECT_LT(maxError(s.decrypt(r), rotated(x, k)),
                  noise.fresh(s.scale()) +
                      noise.keySwitch(*s.context, level, s.scale()))
            << "n " << n << " level " << level << " step " << k;
      }
    }
  }
  // Rotating by 0 (or a multiple of N/2) is the identity and needs no key.
  Ciphertext c = s.encrypt(randomValues(8, 34));
  EXPECT_EQ(download(s.evaluator->rotate(c, 0, keys)), download(c));
  EXPECT_EQ(download(s.evaluator->rotate(c, 1024, keys)), download(c));
}

TEST(Rotation, Conjugation) {
  TestSetup &s = shared();
  NoiseModel noise(*s.context);
  GaloisKeys keys = s.keygen->createGaloisKeys({}, true);
  EXPECT_TRUE(keys.contains(s.context->conjugationElement()));
  auto x = randomValues(1024, 35);
  Ciphertext r = s.evaluator->conjugate(s.encrypt(x), keys);
  std::vector<Complex> want(x.size());
  for (size_t i = 0; i < x.size(); ++i) {
    want[i] = std::conj(x[i]);
  }
  EXPECT_LT(maxError(s.decrypt(r), want),
            noise.fresh(s.scale()) +
                noise.keySwitch(*s.context, s.top(), s.scale()));
  // Real part = (x + conj(x)) / 2.
  Ciphertext re = s.evaluator->add(s.encrypt(x), r);
  s.evaluator->multiplyConstantInPlace(re, 0.5, 1024.0);
  for (size_t i = 0; i < x.size(); ++i) {
    want[i] = x[i].real();
  }
  EXPECT_LT(maxError(s.decrypt(re), want),
            2 * noise.fresh(s.scale()) +
                noise.keySwitch(*s.context, s.top(), s.scale()));
}

TEST(Rotation, HoistedEqualsPlainBitForBit) {
  TestSetup &s = shared();
  std::vector<long> steps = {1, 2, 3, 5, 8, -1, -13, 100};
  GaloisKeys keys = s.keygen->createGaloisKeys(steps);
  Ciphertext c = s.encrypt(randomValues(1024, 36));
  std::vector<long> withIdentity = steps;
  withIdentity.push_back(0);
  std::vector<Ciphertext> hoisted =
      s.evaluator->rotateHoisted(c, withIdentity, keys);
  ASSERT_EQ(hoisted.size(), withIdentity.size());
  for (size_t i = 0; i < withIdentity.size(); ++i) {
    Ciphertext plain = s.evaluator->rotate(c, withIdentity[i], keys);
    EXPECT_EQ(download(hoisted[i]), download(plain)) << withIdentity[i];
  }
  // A missing key is reported before any work.
  EXPECT_THROW(s.evaluator->rotateHoisted(c, {1, 7}, keys), Error);
}

TEST(Rotation, RotateAndSumIsTheSumWithOneModDown) {
  TestSetup &s = shared();
  NoiseModel noise(*s.context);
  std::vector<long> steps = {1, 5, 0, -3, 100};
  GaloisKeys keys = s.keygen->createGaloisKeys({1, 5, -3, 100});
  std::vector<std::vector<Complex>> xs;
  std::vector<Ciphertext> cts;
  for (size_t i = 0; i < steps.size(); ++i) {
    xs.push_back(randomValues(1024, 40 + unsigned(i)));
    cts.push_back(s.encrypt(xs.back()));
  }
  std::vector<const Ciphertext *> in;
  for (const Ciphertext &c : cts)
    in.push_back(&c);
  Ciphertext sum = s.evaluator->rotateAndSum(in, steps, keys);
  std::vector<Complex> want(1024, Complex(0));
  for (size_t i = 0; i < steps.size(); ++i) {
    std::vector<Complex> r = rotated(xs[i], steps[i]);
    for (size_t j = 0; j < want.size(); ++j)
      want[j] += r[j];
  }
  // One key switch's noise, not four: the ModDown rounds once.
  EXPECT_LT(maxError(s.decrypt(sum), want),
            5 * noise.fresh(s.scale()) +
                noise.keySwitch(*s.context, s.top(), s.scale()));
  // The separate rotations decrypt to the same values but differ in bits.
  Ciphertext separate = s.evaluator->rotate(cts[0], steps[0], keys);
  for (size_t i = 1; i < steps.size(); ++i)
    s.evaluator->addInPlace(separate,
                            s.evaluator->rotate(cts[i], steps[i], keys));
  EXPECT_LT(maxError(s.decrypt(separate), s.decrypt(sum)), 1e-4);
  EXPECT_NE(download(separate), download(sum));
  // One input rotated alone is exactly rotate().
  EXPECT_EQ(download(s.evaluator->rotateAndSum({&cts[1]}, {5}, keys)),
            download(s.evaluator->rotate(cts[1], 5, keys)));
  // Only zero steps: a plain sum, no key.
  Ciphertext plainSum = s.evaluator->add(cts[0], cts[1]);
  EXPECT_EQ(download(s.evaluator->rotateAndSum({&cts[0], &cts[1]}, {0, 0},
                                               keys)),
            download(plainSum));
  // Bad operands: a missing key, mismatched counts or levels.
  EXPECT_THROW(s.evaluator->rotateAndSum({&cts[0], &cts[1]}, {1, 7}, keys),
               Error);
  EXPECT_THROW(s.evaluator->rotateAndSum({&cts[0], &cts[1]}, {1}, keys),
               Error);
  Ciphertext low = s.evaluator->dropToLevel(cts[1], s.top() - 1);
  EXPECT_THROW(s.evaluator->rotateAndSum({&cts[0], &low}, {1, 5}, keys),
               Error);
}

class KeySwitchDigits : public ::testing::TestWithParam<unsigned> {};

TEST_P(KeySwitchDigits, RelinearizeAndRotateWithinBound) {
  // N = 2^11, 6 chain limbs (50 + 5 x 40 bits); the special primes cover the
  // largest digit: dnum 1 -> 6 limbs (250 bits), 2 -> 3 limbs (130 bits),
  // 3 -> 2 limbs (90 bits), 6 -> 1 limb (50 bits).
  unsigned dnum = GetParam();
  std::vector<unsigned> special;
  switch (dnum) {
  case 1:
    special = {52, 52, 52, 52, 52};
    break;
  case 2:
    special = {45, 45, 45};
    break;
  case 3:
    special = {50, 50};
    break;
  default:
    special = {55};
  }
  TestSetup s(makeSpec(11, {50, 40, 40, 40, 40, 40}, special, dnum), 40 + dnum);
  EXPECT_EQ(s.context->numDigits(s.top()), std::min(dnum, 6u));
  NoiseModel noise(*s.context);
  GaloisKeys keys = s.keygen->createGaloisKeys({1, -7});
  auto x = randomValues(1024, 41), y = randomValues(1024, 42);
  for (unsigned level : {s.top(), 3u, 1u}) {
    Ciphertext cx = s.encrypt(x, level, s.scale());
    Ciphertext cy = s.encrypt(y, level, s.scale());
    Ciphertext prod = s.evaluator->multiplyRelin(cx, cy, s.relinKey);
    s.evaluator->rescaleInPlace(prod);
    std::vector<Complex> want(x.size());
    for (size_t i = 0; i < x.size(); ++i) {
      want[i] = x[i] * y[i];
    }
    double ks = noise.keySwitch(*s.context, level, s.scale() * s.scale());
    EXPECT_LT(maxError(s.decrypt(prod), want),
              3 * noise.fresh(s.scale()) + ks + noise.rounding(prod.scale()))
        << "dnum " << dnum << " level " << level;
    Ciphertext r = s.evaluator->rotate(cx, -7, keys);
    EXPECT_LT(maxError(s.decrypt(r), rotated(x, -7)),
              noise.fresh(s.scale()) +
                  noise.keySwitch(*s.context, level, s.scale()))
        << "dnum " << dnum << " level " << level;
  }
}

TEST_P(KeySwitchDigits, PiecewiseStepsEqualWholeKeySwitch) {
  // The multi-device layer calls ModUp, the inner product and ModDown on
  // ranges of limbs and subsets of digits: any split gives the same bits.
  unsigned dnum = GetParam();
  TestSetup s(makeSpec(10, {50, 40, 40, 40, 40, 40}, {60, 60}, dnum), 50);
  const Context &ctx = *s.context;
  Backend &be = ctx.backend();
  const KeySwitcher &ks = s.evaluator->keySwitcher();
  const KeySwitchKey &key = s.relinKey.key();
  const size_t n = ctx.degree();
  for (unsigned level : {s.top(), 2u}) {
    Ciphertext c = s.encrypt(randomValues(16, 51), level, s.scale());
    RnsPoly whole0, whole1;
    ks.keySwitch(c[1], level, key, whole0, whole1);

    LimbRange all = ks.extendedRange(level);
    unsigned cut = all.size() / 2; // an arbitrary split point
    RnsPoly coefficients = c[1];
    be.inverseNtt(coefficients.data(), ctx.chainIndices(level));
    unsigned digits = ctx.numDigits(level);
    std::vector<RnsPoly> up;
    for (unsigned j = 0; j < digits; ++j) {
      RnsPoly d(be, all.size());
      unsigned b = ctx.digitBegin(j);
      // Two ranges; the first without the NTT limbs (recomputed).
      ks.modUpDigit(level, j, coefficients.limb(b), nullptr, {0, cut},
                    d.data());
      ks.modUpDigit(level, j, coefficients.limb(b), c[1].limb(b),
                    {cut, all.end}, d.limb(cut));
      up.push_back(std::move(d));
    }
    RnsPoly acc0(be, all.size()), acc1(be, all.size());
    // Digits one at a time (output aggregation) and limbs in two ranges.
    for (unsigned j = 0; j < digits; ++j) {
      for (LimbRange r : {LimbRange{0, cut}, LimbRange{cut, all.end}}) {
        const uint64_t *d = up[j].limb(r.begin);
        ks.innerProduct(level, key, j, Span<const uint64_t *const>(&d, 1), r,
                        acc0.limb(r.begin), acc1.limb(r.begin), nullptr,
                        j > 0);
      }
    }
    RnsPoly out0(be, level + 1), out1(be, level + 1);
    for (RnsPoly *acc : {&acc0, &acc1}) {
      ks.modDownSpecialToCoefficients(acc->limb(level + 1));
    }
    for (LimbRange r : {LimbRange{0, 1}, LimbRange{1, level + 1}}) {
      ks.modDownChain(level, acc0.limb(level + 1), acc0.limb(r.begin), r,
                      out0.limb(r.begin));
      ks.modDownChain(level, acc1.limb(level + 1), acc1.limb(r.begin), r,
                      out1.limb(r.begin));
    }
    std::vector<uint64_t> a(whole0.numWords()), b(whole0.numWords());
    be.copyToHost(a.data(), whole0.data(), a.size());
    be.copyToHost(b.data(), out0.data(), b.size());
    EXPECT_EQ(a, b) << "dnum " << dnum << " level " << level;
    be.copyToHost(a.data(), whole1.data(), a.size());
    be.copyToHost(b.data(), out1.data(), b.size());
    EXPECT_EQ(a, b) << "dnum " << dnum << " level " << level;
    (void)n;
  }
}

INSTANTIATE_TEST_SUITE_P(Dnum, KeySwitchDigits,
                         ::testing::Values(1u, 2u, 3u, 6u));

// A key limited to level l is the full key without the limbs and digits
// above l (same seed, same draws): key switching at levels <= l gives the
// same bits, above l it is refused, and the compact file shrinks with it.
TEST(Rotation, LevelLimitedKeysAreTruncatedFullKeys) {
  TestSetup &s = shared(); // levels 0..3, dnum 2: digits {q0, q1}, {q2, q3}
  const Context &ctx = *s.context;
  const uint64_t g = ctx.galoisElementForRotation(5);
  KeyGenerator fullGen(s.context, s.keygen->secretKey(), seedFromInteger(4));
  KeyGenerator lowGen(s.context, s.keygen->secretKey(), seedFromInteger(4));
  KeySwitchKey full = fullGen.createGaloisKey(g);
  KeySwitchKey low = lowGen.createGaloisKey(g, 1);
  EXPECT_EQ(full.maxLevel(), 3u);
  EXPECT_EQ(low.maxLevel(), 1u);
  ASSERT_EQ(full.numDigits(), 2u);
  ASSERT_EQ(low.numDigits(), 1u);
  const size_t n = ctx.degree();
  EXPECT_EQ(low.memoryBytes(), 2 * (2 + ctx.numSpecial()) * n * 8);
  EXPECT_EQ(full.memoryBytes(), 2 * 2 * (4 + ctx.numSpecial()) * n * 8);
  Backend &be = ctx.backend();
  auto limb = [&](const RnsPoly &p, unsigned i) {
    std::vector<uint64_t> host(n);
    be.copyToHost(host.data(), p.limb(i), n);
    return host;
  };
  for (unsigned e = 0; e < 2 + ctx.numSpecial(); ++e) {
    EXPECT_EQ(limb(low.b(0), low.limbOf(1, e)), limb(full.b(0), full.limbOf(1, e)))
        << e;
    EXPECT_EQ(limb(low.a(0), low.limbOf(1, e)), limb(full.a(0), full.limbOf(1, e)))
        << e;
  }

  GaloisKeys fullKeys(s.context), lowKeys(s.context);
  fullKeys.insert(full);
  lowKeys.insert(low);
  auto x = randomValues(n / 2, 77);
  Ciphertext c1 = s.encrypt(x, 1, s.scale());
  Ciphertext r = s.evaluator->rotate(c1, 5, lowKeys);
  EXPECT_EQ(download(r), download(s.evaluator->rotate(c1, 5, fullKeys)));
  EXPECT_LT(maxError(s.decrypt(r), rotated(x, 5)), 1e-6);
  Ciphertext c0 = s.encrypt(x, 0, s.scale());
  EXPECT_EQ(download(s.evaluator->rotate(c0, 5, lowKeys)),
            download(s.evaluator->rotate(c0, 5, fullKeys)));
  Ciphertext c2 = s.encrypt(x, 2, s.scale());
  try {
    s.evaluator->rotate(c2, 5, lowKeys);
    ADD_FAILURE() << "a level-1 key switched at level 2";
  } catch (const Error &e) {
    EXPECT_NE(std::string(e.what()).find(
                  "key switching at level 2 with a key valid up to level 1"),
              std::string::npos)
        << e.what();
  }

  // The compact record keeps the level; the file is smaller in proportion.
  Bytes lowBytes = serialize(lowKeys), fullBytes = serialize(fullKeys);
  GaloisKeys back = deserializeGaloisKeys(lowBytes, s.context);
  EXPECT_EQ(back.at(g).maxLevel(), 1u);
  EXPECT_EQ(serialize(back), lowBytes);
  EXPECT_LT(lowBytes.size() * 2, fullBytes.size()); // 4 limbs of b vs 12
  EXPECT_EQ(download(s.evaluator->rotate(c1, 5, back)), download(r));

  // A relinearization key limited the same way.
  KeyGenerator relinGen(s.context, s.keygen->secretKey(), seedFromInteger(5));
  RelinKey rk = relinGen.createRelinKey(2);
  EXPECT_EQ(rk.key().maxLevel(), 2u);
  Ciphertext sq = s.evaluator->multiplyRelin(c2, c2, rk);
  s.evaluator->rescaleInPlace(sq);
  std::vector<Complex> want(x.size());
  for (size_t i = 0; i < x.size(); ++i)
    want[i] = x[i] * x[i];
  EXPECT_LT(maxError(s.decrypt(sq), want), 1e-5);
  Ciphertext top = s.encrypt(x, 3, s.scale());
  EXPECT_THROW(s.evaluator->multiplyRelin(top, top, rk), Error);
}

// Compact keys: with the uniform halves dropped, key switching regenerates
// them from the seed where it reads them: the same bits for half the memory.
TEST(Rotation, CompactKeysSwitchToTheSameBits) {
  TestSetup &s = shared();
  GaloisKeys keys = s.keygen->createGaloisKeys({3, -7}, true);
  GaloisKeys compact = keys;
  size_t before = 0, after = 0;
  for (const auto &[g, key] : keys.keys())
    before += key.memoryBytes();
  compact.dropUniform();
  for (const auto &[g, key] : compact.keys()) {
    after += key.memoryBytes();
    EXPECT_FALSE(key.holdsUniform());
    EXPECT_THROW(key.a(0), Error);
  }
  EXPECT_EQ(2 * after, before);
  auto x = randomValues(s.context->degree() / 2, 5);
  for (unsigned level : {0u, 2u, 3u}) {
    Ciphertext c = s.encrypt(x, level, s.scale());
    for (long k : {3L, -7L})
      EXPECT_EQ(download(s.evaluator->rotate(c, k, compact)),
                download(s.evaluator->rotate(c, k, keys)))
          << "level " << level << " step " << k;
    EXPECT_EQ(download(s.evaluator->conjugate(c, compact)),
              download(s.evaluator->conjugate(c, keys)));
  }
  RelinKey rk = s.relinKey;
  rk.dropUniform();
  Ciphertext c = s.encrypt(x);
  EXPECT_EQ(download(s.evaluator->multiplyRelin(c, c, rk)),
            download(s.evaluator->multiplyRelin(c, c, s.relinKey)));
}
