#include "aegis/Support/NNKernels.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <random>

using aegis::nn::Shape;
using aegis::nn::Tensor;

namespace {

/// Values of widely varying magnitude (and some signed zeros), so that any
/// change in the order or rounding of a sum shows in the result's bits.
Tensor randomTensor(Shape shape, std::mt19937_64 &rng) {
  Tensor t(std::move(shape));
  std::normal_distribution<double> normal;
  std::uniform_int_distribution<int> pick(0, 15);
  for (double &v : t.data) {
    int p = pick(rng);
    v = p == 0 ? 0.0 : p == 1 ? -0.0 : normal(rng) * std::exp(4 * normal(rng));
  }
  return t;
}

/// The textbook product of one m x k and one k x n matrix: the order every
/// matmul must reproduce bit for bit.
std::vector<double> reference(const double *a, const double *b, int64_t m,
                              int64_t k, int64_t n) {
  std::vector<double> c(m * n, 0.0);
  for (int64_t i = 0; i < m; ++i)
    for (int64_t p = 0; p < k; ++p)
      for (int64_t j = 0; j < n; ++j)
        c[i * n + j] += a[i * k + p] * b[p * n + j];
  return c;
}

bool sameBits(const std::vector<double> &x, const std::vector<double> &y) {
  return x.size() == y.size() &&
         std::memcmp(x.data(), y.data(), x.size() * sizeof(double)) == 0;
}

TEST(NNKernels, MatmulMatchesTheTextbookLoopBitForBit) {
  std::mt19937_64 rng(1);
  // Edge sizes around the kernels' tiles (6 rows, 4 or 8 columns), plus one
  // product large enough to be split across threads.
  std::vector<int64_t> sizes = {1, 2, 5, 6, 7, 8, 9, 13, 17, 31};
  for (int64_t m : sizes)
    for (int64_t k : sizes)
      for (int64_t n : sizes) {
        Tensor a = randomTensor({m, k}, rng), b = randomTensor({k, n}, rng);
        Tensor c = aegis::nn::matmul(a, b, {m, n});
        EXPECT_TRUE(
            sameBits(c.data, reference(a.data.data(), b.data.data(), m, k, n)))
            << m << "x" << k << "x" << n;
      }
  Tensor a = randomTensor({131, 257}, rng), b = randomTensor({257, 129}, rng);
  Tensor c = aegis::nn::matmul(a, b, {131, 129});
  EXPECT_TRUE(
      sameBits(c.data, reference(a.data.data(), b.data.data(), 131, 257, 129)));
}

TEST(NNKernels, BatchedMatmulBroadcastsLikeNumpy) {
  std::mt19937_64 rng(2);
  // a [2, 1, m, k] times b [3, k, n]: batch [2, 3]; and a [s, 1, k] times a
  // plain [k, n], which folds the batch into the rows of one product.
  int64_t m = 7, k = 11, n = 10;
  Tensor a = randomTensor({2, 1, m, k}, rng), b = randomTensor({3, k, n}, rng);
  Tensor c = aegis::nn::matmul(a, b, {2, 3, m, n});
  for (int64_t i = 0; i < 2; ++i)
    for (int64_t j = 0; j < 3; ++j) {
      std::vector<double> want = reference(a.data.data() + i * m * k,
                                           b.data.data() + j * k * n, m, k, n);
      std::vector<double> got(c.data.begin() + (i * 3 + j) * m * n,
                              c.data.begin() + (i * 3 + j + 1) * m * n);
      EXPECT_TRUE(sameBits(got, want)) << i << ", " << j;
    }
  Tensor x = randomTensor({40, 1, 64}, rng), w = randomTensor({64, 96}, rng);
  Tensor y = aegis::nn::matmul(x, w, {40, 1, 96});
  EXPECT_TRUE(
      sameBits(y.data, reference(x.data.data(), w.data.data(), 40, 64, 96)));
}

TEST(NNKernels, MatmulPromotesVectors) {
  std::mt19937_64 rng(3);
  Tensor v = randomTensor({9}, rng), m = randomTensor({9, 5}, rng);
  Tensor vm = aegis::nn::matmul(v, m, {5});
  EXPECT_TRUE(
      sameBits(vm.data, reference(v.data.data(), m.data.data(), 1, 9, 5)));
  Tensor mt = randomTensor({4, 9}, rng);
  Tensor mv = aegis::nn::matmul(mt, v, {4});
  EXPECT_TRUE(
      sameBits(mv.data, reference(mt.data.data(), v.data.data(), 4, 9, 1)));
}

TEST(NNKernels, TransposedOperandsMatchTransposingFirst) {
  std::mt19937_64 rng(4);
  Tensor a = randomTensor({13, 20}, rng), b = randomTensor({17, 20}, rng);
  Tensor bt = aegis::nn::transpose(b, {1, 0});
  Tensor viaGemm =
      aegis::nn::gemm(a, b, nullptr, false, true, /*alpha=*/1, /*beta=*/0);
  EXPECT_TRUE(sameBits(viaGemm.data, aegis::nn::matmul(a, bt, {13, 17}).data));
  // attention(q, k, v) = softmax(q kᵀ * scale + mask) v.
  Tensor q = randomTensor({3, 10, 8}, rng), k = randomTensor({3, 12, 8}, rng),
         v = randomTensor({3, 12, 8}, rng), mask = randomTensor({10, 12}, rng);
  Tensor scores =
      aegis::nn::matmul(q, aegis::nn::transpose(k, {0, 2, 1}), {3, 10, 12});
  for (double &s : scores.data)
    s *= 0.25;
  scores =
      aegis::nn::binary(aegis::nn::BinaryKind::Add, scores, mask, {3, 10, 12});
  Tensor want = aegis::nn::matmul(aegis::nn::softmax(scores, 2), v, {3, 10, 8});
  Tensor got = aegis::nn::attention(q, k, v, &mask, 0.25, {3, 10, 8});
  EXPECT_TRUE(sameBits(got.data, want.data));
}

} // namespace
