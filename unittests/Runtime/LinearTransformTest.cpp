//===- LinearTransformTest.cpp - BSGS matrix-vector product ---------------===//

#include "CkksTestUtil.h"

#include "aegis/Runtime/CKKS/LinearTransform.h"
#include "aegis/Runtime/Support/Error.h"

#include <gtest/gtest.h>

using namespace aegis;
using namespace aegis::ckks;
using namespace aegis::ckks::test;

namespace {
TestSetup &shared() {
  static TestSetup setup(makeSpec(11, {55, 40, 40}, {60, 60}, 2), 71);
  return setup;
}

using Matrix = std::vector<std::vector<Complex>>;

Matrix randomMatrix(size_t n, uint64_t seed, double density = 1.0) {
  auto values = randomValues(n * n, seed);
  Prng prng(seedFromInteger(seed), 1);
  Matrix m(n, std::vector<Complex>(n));
  for (size_t r = 0; r < n; ++r) {
    for (size_t c = 0; c < n; ++c) {
      bool keep = double(prng.next32()) / 4294967296.0 < density;
      m[r][c] = keep ? values[r * n + c] : Complex(0);
    }
  }
  return m;
}

std::vector<Complex> product(const Matrix &m, const std::vector<Complex> &v) {
  std::vector<Complex> r(v.size());
  for (size_t i = 0; i < v.size(); ++i) {
    for (size_t j = 0; j < v.size(); ++j) {
      r[i] += m[i][j] * v[j];
    }
  }
  return r;
}

double checkProduct(TestSetup &s, const Matrix &m, unsigned babySteps) {
  size_t n = m.size();
  LinearTransform t =
      LinearTransform::fromMatrix(*s.encoder, m, s.top(), s.scale(), babySteps);
  GaloisKeys keys = s.keygen->createGaloisKeys(t.rotationSteps());
  auto v = randomValues(n, 72);
  Ciphertext out = t.apply(*s.evaluator, s.encrypt(v), keys);
  EXPECT_EQ(out.level(), s.top());
  EXPECT_DOUBLE_EQ(out.scale(), s.scale() * s.scale());
  s.evaluator->rescaleInPlace(out);
  NoiseModel noise(*s.context);
  // Each output slot sums n products |m| |v + e| <= sqrt(2) (|v| + e):
  // the fresh and key-switching errors times sum_j |m_ij| <= n sqrt(2), plus
  // encoding and rescale rounding.
  double perTerm = noise.fresh(s.scale()) +
                   noise.keySwitch(*s.context, s.top(), s.scale());
  double bound = double(n) * std::sqrt(2.0) * perTerm +
                 double(n) * std::sqrt(2.0) * noise.rounding(s.scale()) +
                 noise.rounding(out.scale());
  double err = maxError(s.decrypt(out), product(m, v));
  EXPECT_LT(err, bound) << "n " << n << " baby steps " << babySteps;
  return err;
}
} // namespace

TEST(LinearTransform, DenseMatrixMatchesPlaintextProduct) {
  TestSetup &s = shared();
  Matrix m = randomMatrix(64, 73);
  double err = checkProduct(s, m, 0);
  EXPECT_LT(err, 1e-5);
  // Other BSGS splits give the same product.
  checkProduct(s, m, 1);
  checkProduct(s, m, 64);
  checkProduct(s, m, 4);
}

TEST(LinearTransform, SparseDiagonalsAndFullSlots) {
  TestSetup &s = shared();
  // A banded matrix (diagonals 0, 1 and n-1) over all 1024 slots.
  size_t n = s.context->degree() / 2;
  std::map<long, LinearTransform::Diagonal> diagonals;
  for (long k : {0L, 1L, long(n) - 1}) {
    diagonals[k] = randomValues(n, 74 + size_t(k));
  }
  LinearTransform t = LinearTransform::fromDiagonals(*s.encoder, diagonals, n,
                                                     s.top(), s.scale());
  EXPECT_EQ(t.numDiagonals(), 3u);
  EXPECT_EQ(t.babySteps(), 32u);
  // k = n-1 = 31*32 + 31: baby 31, giant 31*32.
  EXPECT_EQ(t.rotationSteps(), (std::vector<long>{1, 31, 992}));
  GaloisKeys keys = s.keygen->createGaloisKeys(t.rotationSteps());
  auto v = randomValues(n, 75);
  Ciphertext out = t.apply(*s.evaluator, s.encrypt(v), keys);
  s.evaluator->rescaleInPlace(out);
  std::vector<Complex> want(n);
  for (size_t j = 0; j < n; ++j) {
    for (const auto &[k, d] : diagonals) {
      want[j] += d[j] * v[(j + size_t(k)) % n];
    }
  }
  NoiseModel noise(*s.context);
  EXPECT_LT(maxError(s.decrypt(out), want),
            3 * std::sqrt(2.0) *
                    (noise.fresh(s.scale()) + noise.rounding(s.scale()) +
                     noise.keySwitch(*s.context, s.top(), s.scale())) +
                noise.rounding(out.scale()));
}

TEST(LinearTransform, RejectsBadInput) {
  TestSetup &s = shared();
  Matrix m = randomMatrix(16, 76, 0.5);
  LinearTransform t =
      LinearTransform::fromMatrix(*s.encoder, m, s.top(), s.scale());
  GaloisKeys none(s.context);
  Ciphertext v = s.encrypt(randomValues(16, 77));
  EXPECT_THROW(t.apply(*s.evaluator, v, none), Error); // missing keys
  GaloisKeys keys = s.keygen->createGaloisKeys(t.rotationSteps());
  Ciphertext wrongSlots = s.encrypt(randomValues(32, 78));
  EXPECT_THROW(t.apply(*s.evaluator, wrongSlots, keys), Error);
  Ciphertext wrongLevel = s.evaluator->dropToLevel(v, 1);
  EXPECT_THROW(t.apply(*s.evaluator, wrongLevel, keys), Error);
  Matrix ragged = m;
  ragged[3].pop_back();
  EXPECT_THROW(
      LinearTransform::fromMatrix(*s.encoder, ragged, s.top(), s.scale()),
      Error);
  Matrix notPowerOfTwo(12, std::vector<Complex>(12, 1.0));
  EXPECT_THROW(LinearTransform::fromMatrix(*s.encoder, notPowerOfTwo, s.top(),
                                           s.scale()),
               Error);
}
