//===- CkksTest.cpp - Encryption and homomorphic evaluation ---------------===//
//
// Every test decrypts and compares with the plaintext result against a bound
// derived from the parameters (NoiseModel), with fixed seeds.
//
//===----------------------------------------------------------------------===//

#include "CkksTestUtil.h"

#include "aegis/Runtime/Support/Error.h"
#include "aegis/Runtime/Support/ThreadPool.h"

#include <gtest/gtest.h>

#include <iostream>

using namespace aegis;
using namespace aegis::ckks;
using namespace aegis::ckks::test;

namespace {
// N = 2^12, 60 + 4 x 40 bits, two 60-bit special primes, dnum 2.
ParameterSpec defaultSpec() {
  return makeSpec(12, {60, 40, 40, 40, 40}, {60, 60}, 2);
}

TestSetup &shared() {
  static TestSetup setup(defaultSpec());
  return setup;
}
} // namespace

TEST(Ckks, PublicKeyEncryptionIsWithinFreshBound) {
  TestSetup &s = shared();
  NoiseModel noise(*s.context);
  auto values = randomValues(s.context->degree() / 2, 1);
  for (unsigned level : {0u, 2u, s.top()}) {
    Ciphertext ct = s.encrypt(values, level, s.scale());
    EXPECT_EQ(ct.level(), level);
    double err = maxError(s.decrypt(ct), values);
    EXPECT_LT(err, noise.fresh(s.scale())) << "level " << level;
    EXPECT_GT(err, 0.0);
  }
}

TEST(Ckks, SymmetricEncryptionIsWithinFreshBound) {
  TestSetup &s = shared();
  NoiseModel noise(*s.context);
  Encryptor symmetric(s.context, s.keygen->secretKey(), seedFromInteger(77));
  auto values = randomValues(64, 2);
  Ciphertext ct =
      symmetric.encrypt(s.encoder->encode(values, s.top(), s.scale()));
  EXPECT_EQ(ct.slots(), 64u);
  EXPECT_LT(maxError(s.decrypt(ct), values), noise.fresh(s.scale()));
}

TEST(Ckks, EncryptionIsDeterministicForASeed) {
  TestSetup &s = shared();
  Plaintext pt = s.encoder->encode(randomValues(8, 3), 1, s.scale());
  Encryptor e1(s.context, s.publicKey, seedFromInteger(5));
  Encryptor e2(s.context, s.publicKey, seedFromInteger(5));
  Ciphertext a = e1.encrypt(pt), b = e2.encrypt(pt), c = e1.encrypt(pt);
  size_t words = a[0].numWords();
  std::vector<uint64_t> ha(words), hb(words), hc(words);
  Backend &be = s.context->backend();
  be.copyToHost(ha.data(), a[0].data(), words);
  be.copyToHost(hb.data(), b[0].data(), words);
  be.copyToHost(hc.data(), c[0].data(), words);
  EXPECT_EQ(ha, hb);
  EXPECT_NE(ha, hc); // the second encryption uses fresh randomness
}

TEST(Ckks, AdditionSubtractionNegation) {
  TestSetup &s = shared();
  NoiseModel noise(*s.context);
  const Evaluator &ev = *s.evaluator;
  size_t n = 256;
  auto x = randomValues(n, 4), y = randomValues(n, 5);
  Ciphertext cx = s.encrypt(x), cy = s.encrypt(y);
  double bound = 2 * noise.fresh(s.scale());
  std::vector<Complex> sum(n), diff(n), neg(n);
  for (size_t i = 0; i < n; ++i) {
    sum[i] = x[i] + y[i];
    diff[i] = x[i] - y[i];
    neg[i] = -x[i];
  }
  EXPECT_LT(maxError(s.decrypt(ev.add(cx, cy)), sum), bound);
  EXPECT_LT(maxError(s.decrypt(ev.sub(cx, cy)), diff), bound);
  EXPECT_LT(maxError(s.decrypt(ev.negate(cx)), neg), bound);
  Plaintext py = s.encoder->encode(y, s.top(), s.scale());
  EXPECT_LT(maxError(s.decrypt(ev.addPlain(cx, py)), sum), bound);
  EXPECT_LT(maxError(s.decrypt(ev.subPlain(cx, py)), diff), bound);
  // Constants: real (NTT scalar) and complex (X^(N/2) term).
  for (Complex c : {Complex(0.75, 0), Complex(-0.5, 0.25)}) {
    std::vector<Complex> shifted(n);
    for (size_t i = 0; i < n; ++i) {
      shifted[i] = x[i] + c;
    }
    EXPECT_LT(maxError(s.decrypt(ev.addConstant(cx, c)), shifted), bound)
        << c;
  }
}

TEST(Ckks, MultiplyPlainAndConstantThenRescale) {
  TestSetup &s = shared();
  NoiseModel noise(*s.context);
  const Evaluator &ev = *s.evaluator;
  size_t n = s.context->degree() / 2;
  auto x = randomValues(n, 6), w = randomValues(n, 7);
  Ciphertext cx = s.encrypt(x);
  unsigned level = s.top();
  Ciphertext prod =
      ev.multiplyPlain(cx, s.encoder->encode(w, level, s.scale()));
  EXPECT_DOUBLE_EQ(prod.scale(), s.scale() * s.scale());
  ev.rescaleInPlace(prod);
  EXPECT_EQ(prod.level(), level - 1);
  double ql = double(s.context->modulus(level).value);
  EXPECT_DOUBLE_EQ(prod.scale(), s.scale() * s.scale() / ql);
  std::vector<Complex> want(n);
  for (size_t i = 0; i < n; ++i) {
    want[i] = x[i] * w[i];
  }
  // |w| <= sqrt(2) scales the fresh error; plus encoding and rescale rounding.
  double bound = 1.5 * noise.fresh(s.scale()) + noise.rounding(prod.scale()) +
                 noise.rounding(s.scale());
  EXPECT_LT(maxError(s.decrypt(prod), want), bound);

  // Constants at scale q_l keep the scale through the rescale.
  for (Complex c : {Complex(-1.5, 0), Complex(0.5, -2.0)}) {
    Ciphertext cc = ev.multiplyConstant(cx, c, ql);
    ev.rescaleInPlace(cc);
    EXPECT_NEAR(cc.scale() / s.scale(), 1.0, 1e-12);
    std::vector<Complex> scaled(n);
    for (size_t i = 0; i < n; ++i) {
      scaled[i] = x[i] * c;
    }
    EXPECT_LT(maxError(s.decrypt(cc), scaled),
              std::abs(c) * noise.fresh(s.scale()) +
                  noise.rounding(cc.scale()))
        << c;
  }
  Ciphertext tripled = cx;
  ev.multiplyIntegerInPlace(tripled, -3);
  std::vector<Complex> t(n);
  for (size_t i = 0; i < n; ++i) {
    t[i] = -3.0 * x[i];
  }
  EXPECT_LT(maxError(s.decrypt(tripled), t), 3 * noise.fresh(s.scale()));
}

TEST(Ckks, MultiplyRelinearizeRescale) {
  TestSetup &s = shared();
  NoiseModel noise(*s.context);
  const Evaluator &ev = *s.evaluator;
  size_t n = s.context->degree() / 2;
  auto x = randomValues(n, 8), y = randomValues(n, 9);
  Ciphertext cx = s.encrypt(x), cy = s.encrypt(y);
  Ciphertext prod3 = ev.multiply(cx, cy);
  EXPECT_EQ(prod3.size(), 3u);
  std::vector<Complex> want(n);
  for (size_t i = 0; i < n; ++i) {
    want[i] = x[i] * y[i];
  }
  // Decrypting the size-3 product works too.
  double fresh = noise.fresh(s.scale());
  EXPECT_LT(maxError(s.decrypt(prod3), want), 2 * std::sqrt(2.0) * fresh);
  Ciphertext prod = ev.relinearize(prod3, s.relinKey);
  EXPECT_EQ(prod.size(), 2u);
  ev.rescaleInPlace(prod);
  double bound = 2 * std::sqrt(2.0) * fresh +
                 noise.keySwitch(*s.context, s.top(), s.scale() * s.scale()) +
                 noise.rounding(prod.scale());
  double err = maxError(s.decrypt(prod), want);
  EXPECT_LT(err, bound);
  // Square equals multiply by itself.
  Ciphertext sq = ev.square(cx);
  ev.relinearizeInPlace(sq, s.relinKey);
  ev.rescaleInPlace(sq);
  for (size_t i = 0; i < n; ++i) {
    want[i] = x[i] * x[i];
  }
  EXPECT_LT(maxError(s.decrypt(sq), want), bound);
}

TEST(Ckks, DepthFourPolynomialDownToLevelZero) {
  // x^16 by repeated squaring uses every level; values in the unit disk.
  TestSetup &s = shared();
  const Evaluator &ev = *s.evaluator;
  size_t n = 128;
  auto x = randomValues(n, 10);
  for (auto &v : x) {
    v /= std::abs(v) > 1 ? std::abs(v) : 1.0;
  }
  Ciphertext c = s.encrypt(x);
  std::vector<Complex> want = x;
  for (int d = 0; d < 4; ++d) {
    c = ev.multiplyRelin(c, c, s.relinKey);
    ev.rescaleInPlace(c);
    for (auto &v : want) {
      v *= v;
    }
  }
  EXPECT_EQ(c.level(), 0u);
  EXPECT_THROW(ev.rescaleInPlace(c), Error);
  double err = maxError(s.decrypt(c), want);
  // Each squaring doubles the relative error: 2^4 times the fresh error.
  NoiseModel noise(*s.context);
  EXPECT_LT(err, 16 * 3 * noise.fresh(s.scale()));
}

TEST(Ckks, LevelDropKeepsValueAndScale) {
  TestSetup &s = shared();
  NoiseModel noise(*s.context);
  const Evaluator &ev = *s.evaluator;
  auto x = randomValues(32, 11);
  Ciphertext c = s.encrypt(x);
  Ciphertext low = ev.dropToLevel(c, 1);
  EXPECT_EQ(low.level(), 1u);
  EXPECT_EQ(low.scale(), c.scale());
  EXPECT_LT(maxError(s.decrypt(low), x), noise.fresh(s.scale()));
  EXPECT_THROW(ev.dropToLevel(low, 2), Error);
}

TEST(Ckks, MismatchedOperandsAreRejected) {
  TestSetup &s = shared();
  const Evaluator &ev = *s.evaluator;
  auto x = randomValues(16, 12);
  Ciphertext a = s.encrypt(x);
  Ciphertext lower = ev.dropToLevel(a, 2);
  auto message = [](const std::function<void()> &fn) -> std::string {
    try {
      fn();
    } catch (const Error &e) {
      return e.what();
    }
    return "no error";
  };
  std::string m = message([&] { ev.add(a, lower); });
  EXPECT_NE(m.find("levels differ: 4 and 2"), std::string::npos) << m;
  Ciphertext scaled = a;
  scaled.setScale(a.scale() * 2);
  m = message([&] { ev.add(a, scaled); });
  EXPECT_NE(m.find("scales differ"), std::string::npos) << m;
  Ciphertext wide = s.encrypt(randomValues(32, 13));
  m = message([&] { ev.sub(a, wide); });
  EXPECT_NE(m.find("slot counts differ: 16 and 32"), std::string::npos) << m;
  Plaintext p = s.encoder->encode(x, 3, s.scale());
  m = message([&] { ev.multiplyPlain(a, p); });
  EXPECT_NE(m.find("levels differ"), std::string::npos) << m;
  Ciphertext product = ev.multiply(a, a);
  m = message([&] { ev.multiply(product, a); });
  EXPECT_NE(m.find("relinearized"), std::string::npos) << m;
  GaloisKeys none(s.context);
  m = message([&] { ev.rotate(a, 1, none); });
  EXPECT_NE(m.find("no Galois key for element 5"), std::string::npos) << m;
  // Another context with equal parameters is still another context.
  TestSetup other(defaultSpec(), 2);
  Ciphertext foreign = other.encrypt(x);
  m = message([&] { ev.add(a, foreign); });
  EXPECT_NE(m.find("another context"), std::string::npos) << m;
  EXPECT_THROW(s.decryptor->decrypt(foreign), Error);
  EXPECT_THROW(ev.add(a, Ciphertext()), Error);
}

TEST(Ckks, SparseTernarySecret) {
  ParameterSpec spec = makeSpec(12, {60, 40, 40}, {60}, 1);
  spec.secret = SecretDistribution::SparseTernary;
  spec.hammingWeight = 64;
  TestSetup s(spec, 3);
  const auto &coeffs = s.keygen->secretKey().coefficients();
  size_t weight = 0;
  for (int8_t c : coeffs) {
    weight += c != 0;
  }
  EXPECT_EQ(weight, 64u);
  NoiseModel noise(*s.context);
  auto x = randomValues(512, 14), y = randomValues(512, 15);
  Ciphertext prod = s.evaluator->multiplyRelin(s.encrypt(x), s.encrypt(y),
                                               s.relinKey);
  s.evaluator->rescaleInPlace(prod);
  std::vector<Complex> want(512);
  for (size_t i = 0; i < 512; ++i) {
    want[i] = x[i] * y[i];
  }
  EXPECT_LT(maxError(s.decrypt(prod), want),
            3 * noise.fresh(s.scale()) + noise.rounding(prod.scale()) +
                noise.keySwitch(*s.context, 2, s.scale() * s.scale()));
  // A secret with the wrong weight is refused.
  std::vector<int8_t> bad(coeffs);
  bad[0] = bad[0] == 0 ? 1 : 0;
  EXPECT_THROW(SecretKey(s.context, bad), Error);
  std::vector<int8_t> notTernary(coeffs.size(), 0);
  notTernary[3] = 2;
  EXPECT_THROW(SecretKey(s.context, notTernary), Error);
}

TEST(Ckks, ResultsIdenticalForAnyThreadCount) {
  TestSetup &s = shared();
  const Evaluator &ev = *s.evaluator;
  GaloisKeys keys = s.keygen->createGaloisKeys({3});
  auto x = randomValues(2048, 16), y = randomValues(2048, 17);
  Ciphertext cx = s.encrypt(x), cy = s.encrypt(y);
  unsigned before = getNumThreads();
  std::vector<std::vector<uint64_t>> results;
  for (unsigned threads : {1u, 2u, 3u}) {
    setNumThreads(threads);
    Ciphertext r = ev.multiplyRelin(cx, cy, s.relinKey);
    ev.rescaleInPlace(r);
    r = ev.rotate(r, 3, keys);
    std::vector<uint64_t> host(2 * r[0].numWords());
    s.context->backend().copyToHost(host.data(), r[0].data(), r[0].numWords());
    s.context->backend().copyToHost(host.data() + r[0].numWords(), r[1].data(),
                                    r[1].numWords());
    results.push_back(std::move(host));
  }
  setNumThreads(before);
  EXPECT_EQ(results[0], results[1]);
  EXPECT_EQ(results[0], results[2]);
}

TEST(Ckks, PrecisionAtN14Scale40) {
  // The figure quoted in docs/Runtime.md: N = 2^14, scale 2^40,
  // 60 + 7 x 40 bits + one 60-bit special prime (log QP 400, 128-bit secure);
  // one limb per digit (dnum 8) so that P covers every digit.
  ParameterSpec spec =
      makeSpec(14, {60, 40, 40, 40, 40, 40, 40, 40}, {60}, 8, false);
  TestSetup s(spec, 4);
  NoiseModel noise(*s.context);
  size_t n = s.context->degree() / 2;
  auto x = randomValues(n, 18), y = randomValues(n, 19);
  Ciphertext cx = s.encrypt(x), cy = s.encrypt(y);
  double freshErr = maxError(s.decrypt(cx), x);
  Ciphertext prod = s.evaluator->multiplyRelin(cx, cy, s.relinKey);
  s.evaluator->rescaleInPlace(prod);
  std::vector<Complex> want(n);
  for (size_t i = 0; i < n; ++i) {
    want[i] = x[i] * y[i];
  }
  std::vector<Complex> got = s.decrypt(prod);
  double err = maxError(got, want);
  double meanErr = 0;
  for (size_t i = 0; i < n; ++i) {
    meanErr += std::abs(got[i] - want[i]) / double(n);
  }
  std::cout << "[ precision ] N=2^14 scale 2^40: fresh encryption "
            << bits(freshErr) << " bits, multiply+relinearize+rescale "
            << bits(err) << " bits (max error over " << n
            << " slots), mean error " << bits(meanErr) << " bits\n";
  EXPECT_GT(bits(meanErr), bits(err));
  EXPECT_LT(freshErr, noise.fresh(s.scale()));
  EXPECT_LT(err, 3 * noise.fresh(s.scale()) + noise.rounding(prod.scale()) +
                     noise.keySwitch(*s.context, s.top(),
                                     s.scale() * s.scale()));
  EXPECT_GT(bits(err), 20.0);
}

namespace {
/// The view of limbs `range` of `ct`.
LimbView subView(Ciphertext &ct, LimbRange range) {
  return makeLimbView<uint64_t>(ct.level(), range, ct.size(), [&](unsigned i) {
    return ct[i].limb(range.begin);
  });
}

ConstLimbView subView(const Ciphertext &ct, LimbRange range) {
  return makeLimbView<const uint64_t>(
      ct.level(), range, ct.size(),
      [&](unsigned i) { return ct[i].limb(range.begin); });
}

std::vector<uint64_t> words(const Ciphertext &ct) {
  Backend &backend = ct.context()->backend();
  std::vector<uint64_t> all;
  for (unsigned i = 0; i < ct.size(); ++i) {
    std::vector<uint64_t> host(ct[i].numWords());
    backend.copyToHost(host.data(), ct[i].data(), host.size());
    all.insert(all.end(), host.begin(), host.end());
  }
  return all;
}
} // namespace

// The property the distributed evaluator stands on: each limb kernel run on
// the pieces of a split of the limbs gives, bit for bit, the whole-ciphertext
// operation.
TEST(Ckks, LimbKernelsOnSplitRangesEqualTheWholeOperation) {
  TestSetup &s = shared();
  const Evaluator &ev = *s.evaluator;
  auto x = randomValues(256, 41), y = randomValues(256, 42);
  const Ciphertext cx = s.encrypt(x), cy = s.encrypt(y);
  const unsigned level = cx.level();
  const std::vector<LimbRange> split = {{0, 2}, {2, 3}, {3, level + 1}};
  Plaintext plain = s.encoder->encode(y, level, s.scale());
  const Complex c(0.75, -0.25);

  auto expectSplitEqual = [&](const char *what, const Ciphertext &whole,
                              auto &&kernel) {
    Ciphertext pieces = cx;
    for (LimbRange range : split) {
      kernel(subView(pieces, range), range);
    }
    EXPECT_EQ(words(pieces), words(whole)) << what;
  };
  expectSplitEqual("add", ev.add(cx, cy), [&](LimbView v, LimbRange r) {
    ev.addLimbs(v, subView(cy, r));
  });
  expectSplitEqual("sub", ev.sub(cx, cy), [&](LimbView v, LimbRange r) {
    ev.subLimbs(v, subView(cy, r));
  });
  expectSplitEqual("negate", ev.negate(cx),
                   [&](LimbView v, LimbRange) { ev.negateLimbs(v); });
  expectSplitEqual("addPlain", ev.addPlain(cx, plain),
                   [&](LimbView v, LimbRange r) {
                     ev.addPlainLimbs(v, plain.poly().limb(r.begin));
                   });
  expectSplitEqual("multiplyPlain", ev.multiplyPlain(cx, plain),
                   [&](LimbView v, LimbRange r) {
                     ev.multiplyPlainLimbs(v, plain.poly().limb(r.begin));
                   });
  expectSplitEqual("addConstant", ev.addConstant(cx, c),
                   [&](LimbView v, LimbRange) {
                     ev.addConstantLimbs(v, c * cx.scale());
                   });
  expectSplitEqual("multiplyConstant", ev.multiplyConstant(cx, c, 1 << 20),
                   [&](LimbView v, LimbRange) {
                     ev.multiplyConstantLimbs(v, c * double(1 << 20));
                   });
  Ciphertext tripled = cx;
  ev.multiplyIntegerInPlace(tripled, -3);
  expectSplitEqual("multiplyInteger", tripled, [&](LimbView v, LimbRange) {
    ev.multiplyIntegerLimbs(v, -3);
  });

  // Rescale: the owner of the top limb reads it, every piece rounds.
  Ciphertext rescaled = ev.rescale(cx);
  Ciphertext pieces = cx;
  RnsPoly top(s.context->backend(), cx.size());
  ev.rescaleTopLimbs(subView(pieces, split.back()), top.data());
  for (LimbRange range : split) {
    ev.rescaleLimbs(subView(pieces, range), top.data());
  }
  pieces.dropToLevel(level - 1);
  EXPECT_EQ(words(pieces), words(rescaled));
  // The top limb must be in the view that reads it.
  EXPECT_THROW(ev.rescaleTopLimbs(subView(pieces, {0, 2}), top.data()), Error);

  // The tensor product, into a 3-polynomial result.
  Ciphertext product = ev.multiply(cx, cy);
  Ciphertext out = ev.multiply(cy, cy); // overwritten piece by piece
  ASSERT_NE(words(out), words(product));
  for (LimbRange range : split) {
    ev.multiplyLimbs(subView(out, range),
                     subView(cx, range), subView(cy, range));
  }
  EXPECT_EQ(words(out), words(product));
}
