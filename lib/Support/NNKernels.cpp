//===- NNKernels.cpp - float64 reference kernels for nn ops ---------------===//

#include "aegis/Support/NNKernels.h"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <cstring>
#include <limits>
#include <thread>

namespace aegis::nn {

int64_t Tensor::numElements(const Shape &shape) {
  int64_t n = 1;
  for (int64_t d : shape)
    n *= d;
  return n;
}

int64_t Tensor::numElements() const { return numElements(shape); }

Shape strides(const Shape &shape) {
  Shape s(shape.size(), 1);
  for (int64_t i = static_cast<int64_t>(shape.size()) - 2; i >= 0; --i)
    s[i] = s[i + 1] * shape[i + 1];
  return s;
}

namespace {
/// Strides of `shape` right-aligned into `outShape`, 0 along broadcast axes.
Shape broadcastStrides(const Shape &shape, const Shape &outShape) {
  Shape s(outShape.size(), 0);
  Shape own = strides(shape);
  size_t offset = outShape.size() - shape.size();
  for (size_t i = 0; i < shape.size(); ++i)
    s[offset + i] = shape[i] == 1 ? 0 : own[i];
  return s;
}

/// Calls f(outIndex, offsets...) for every element of outShape, in order,
/// tracking the linear offsets into each broadcast input. The innermost axis
/// runs as a plain loop; the outer ones advance like an odometer.
template <size_t K, typename F>
void forEachBroadcast(const Shape &outShape, const Shape (&inStrides)[K], F f) {
  int64_t n = Tensor::numElements(outShape);
  size_t rank = outShape.size();
  int64_t inner = rank ? outShape[rank - 1] : 1;
  int64_t innerStride[K] = {};
  if (rank)
    for (size_t k = 0; k < K; ++k)
      innerStride[k] = inStrides[k][rank - 1];
  Shape idx(rank, 0);
  int64_t off[K] = {};
  for (int64_t linear = 0; linear < n; linear += inner) {
    int64_t at[K];
    std::copy_n(off, K, at);
    for (int64_t i = 0; i < inner; ++i) {
      f(linear + i, at);
      for (size_t k = 0; k < K; ++k)
        at[k] += innerStride[k];
    }
    for (int64_t d = static_cast<int64_t>(rank) - 2; d >= 0; --d) {
      if (++idx[d] < outShape[d]) {
        for (size_t k = 0; k < K; ++k)
          off[k] += inStrides[k][d];
        break;
      }
      for (size_t k = 0; k < K; ++k)
        off[k] -= inStrides[k][d] * (outShape[d] - 1);
      idx[d] = 0;
    }
  }
}

double applyBinary(BinaryKind kind, double x, double y, bool integer) {
  switch (kind) {
  case BinaryKind::Add:
    return x + y;
  case BinaryKind::Sub:
    return x - y;
  case BinaryKind::Mul:
    return x * y;
  case BinaryKind::Div:
    return integer ? std::trunc(x / y) : x / y;
  case BinaryKind::Pow:
    return std::pow(x, y);
  case BinaryKind::Equal:
    return x == y;
  case BinaryKind::Less:
    return x < y;
  case BinaryKind::Greater:
    return x > y;
  case BinaryKind::And:
    return (x != 0) && (y != 0);
  case BinaryKind::Or:
    return (x != 0) || (y != 0);
  case BinaryKind::Max:
    return std::max(x, y);
  case BinaryKind::Min:
    return std::min(x, y);
  }
  return 0;
}
} // namespace

Tensor binary(BinaryKind kind, const Tensor &a, const Tensor &b,
              const Shape &outShape, bool integer) {
  Tensor out(outShape);
  Shape s[2] = {broadcastStrides(a.shape, outShape),
                broadcastStrides(b.shape, outShape)};
  forEachBroadcast(outShape, s, [&](int64_t i, const int64_t *off) {
    out.data[i] = applyBinary(kind, a.data[off[0]], b.data[off[1]], integer);
  });
  return out;
}

Tensor where(const Tensor &cond, const Tensor &a, const Tensor &b,
             const Shape &outShape) {
  Tensor out(outShape);
  Shape s[3] = {broadcastStrides(cond.shape, outShape),
                broadcastStrides(a.shape, outShape),
                broadcastStrides(b.shape, outShape)};
  forEachBroadcast(outShape, s, [&](int64_t i, const int64_t *off) {
    out.data[i] = cond.data[off[0]] != 0 ? a.data[off[1]] : b.data[off[2]];
  });
  return out;
}

Tensor expand(const Tensor &a, const Shape &outShape) {
  Tensor out(outShape);
  Shape s[1] = {broadcastStrides(a.shape, outShape)};
  forEachBroadcast(outShape, s, [&](int64_t i, const int64_t *off) {
    out.data[i] = a.data[off[0]];
  });
  return out;
}

Tensor unary(UnaryKind kind, const Tensor &a) {
  Tensor out(a.shape);
  for (size_t i = 0; i < a.data.size(); ++i) {
    double x = a.data[i];
    double y = 0;
    switch (kind) {
    case UnaryKind::Sqrt:
      y = std::sqrt(x);
      break;
    case UnaryKind::Erf:
      y = std::erf(x);
      break;
    case UnaryKind::Tanh:
      y = std::tanh(x);
      break;
    case UnaryKind::Exp:
      y = std::exp(x);
      break;
    case UnaryKind::Relu:
      y = x > 0 ? x : 0;
      break;
    case UnaryKind::Neg:
      y = -x;
      break;
    case UnaryKind::Reciprocal:
      y = 1 / x;
      break;
    case UnaryKind::Sigmoid:
      y = 1 / (1 + std::exp(-x));
      break;
    case UnaryKind::Not:
      y = x == 0;
      break;
    case UnaryKind::Abs:
      y = std::fabs(x);
      break;
    case UnaryKind::Log:
      y = std::log(x);
      break;
    }
    out.data[i] = y;
  }
  return out;
}

Tensor gelu(const Tensor &a, bool tanhForm) {
  Tensor out(a.shape);
  const double k = std::sqrt(2.0 / M_PI);
  for (size_t i = 0; i < a.data.size(); ++i) {
    double x = a.data[i];
    out.data[i] = tanhForm ? 0.5 * x * (1 + std::tanh(k * (x + 0.044715 * x * x * x)))
                           : 0.5 * x * (1 + std::erf(x / std::sqrt(2.0)));
  }
  return out;
}

namespace {
// Matrix products, blocked for speed but bit-identical to the textbook loop
//
//   c[i][j] = 0.0; for (p = 0; p < k; ++p) c[i][j] += a[i][p] * b[p][j];
//
// whatever the blocking, vector width or thread count: every element is
// still accumulated in one register, from 0.0, over p ascending, each product
// rounded before its addition. No multiply-add is fused: the build enables no
// FMA (no -mfma or -march), and the AVX2 kernel's target attribute enables
// AVX2 only.

/// Rows of A (and C) one tile covers: 6 rows of 2 vectors keep 12
/// accumulators, two B vectors and a broadcast within 16 vector registers.
constexpr int64_t kTileRows = 6;

/// Products with at least this many multiply-adds split their rows across
/// threads; smaller ones are not worth a thread's start-up.
constexpr int64_t kParallelWork = int64_t(1) << 22;

/// At most this many threads share one product.
constexpr unsigned kMaxThreads = 8;

/// Element strides of a matrix operand: b[p][j] is at b + p * row + j * col.
struct Strides {
  int64_t row, col;
};

/// Kernels over vectors of type V (GCC/Clang vector extension of doubles).
template <typename V>
struct MatmulKernel {
  /// Columns of B (and C) one tile covers: two vectors.
  static constexpr int64_t kCols =
      2 * static_cast<int64_t>(sizeof(V) / sizeof(double));

  /// c[r][0..cols) = sum over p of a[r][p] * panel[p][0..kCols), for the
  /// `Rows` rows of a (row stride k) and c (row stride n); the panel holds k
  /// rows of kCols values of B, zero padded past its last column.
  template <int64_t Rows>
  __attribute__((always_inline)) static inline void
  tile(const double *a, int64_t k, const double *panel, double *c, int64_t n,
       int64_t cols) {
    V acc[Rows][2] = {};
    for (int64_t p = 0; p < k; ++p) {
      V b0, b1;
      std::memcpy(&b0, panel + p * kCols, sizeof(V));
      std::memcpy(&b1, panel + p * kCols + kCols / 2, sizeof(V));
      for (int64_t r = 0; r < Rows; ++r) {
        double x = a[r * k + p];
        acc[r][0] += x * b0;
        acc[r][1] += x * b1;
      }
    }
    for (int64_t r = 0; r < Rows; ++r) {
      double row[kCols];
      std::memcpy(row, &acc[r][0], sizeof(V));
      std::memcpy(row + kCols / 2, &acc[r][1], sizeof(V));
      std::memcpy(c + r * n, row, cols * sizeof(double));
    }
  }

  /// Rows [begin, end) of c = a * b (m x k times k x n, b[p][j] at
  /// b + p * b.row + j * b.col), copying each kCols-wide column panel of b
  /// into `panel` (k * kCols doubles) so that the tiles read it contiguously.
  __attribute__((always_inline)) static inline void
  rows(const double *a, const double *b, Strides bs, double *c, int64_t begin,
       int64_t end, int64_t k, int64_t n, double *panel) {
    for (int64_t j0 = 0; j0 < n; j0 += kCols) {
      int64_t cols = std::min(kCols, n - j0);
      for (int64_t p = 0; p < k; ++p)
        for (int64_t j = 0; j < kCols; ++j)
          panel[p * kCols + j] =
              j < cols ? b[p * bs.row + (j0 + j) * bs.col] : 0.0;
      int64_t i = begin;
      for (; i + kTileRows <= end; i += kTileRows)
        tile<kTileRows>(a + i * k, k, panel, c + i * n + j0, n, cols);
      for (; i < end; ++i)
        tile<1>(a + i * k, k, panel, c + i * n + j0, n, cols);
    }
  }
};

/// Rows [begin, end) of one m x k times k x n product (see rows()); the
/// panel buffer holds k * panelCols doubles.
using RowsFn = void (*)(const double *a, const double *b, Strides bs, double *c,
                        int64_t begin, int64_t end, int64_t k, int64_t n,
                        double *panel);
struct RowsKernel {
  RowsFn fn;
  int64_t panelCols;
};

typedef double Double2 __attribute__((vector_size(16)));
using NarrowKernel = MatmulKernel<Double2>;

void narrowRows(const double *a, const double *b, Strides bs, double *c,
                int64_t begin, int64_t end, int64_t k, int64_t n,
                double *panel) {
  NarrowKernel::rows(a, b, bs, c, begin, end, k, n, panel);
}

#if defined(__x86_64__) && defined(__GNUC__)
typedef double Double4 __attribute__((vector_size(32)));
using WideKernel = MatmulKernel<Double4>;

__attribute__((target("avx2"))) void
wideRows(const double *a, const double *b, Strides bs, double *c, int64_t begin,
         int64_t end, int64_t k, int64_t n, double *panel) {
  WideKernel::rows(a, b, bs, c, begin, end, k, n, panel);
}
#endif

/// The widest kernel this CPU runs.
RowsKernel selectRowsKernel() {
#if defined(__x86_64__) && defined(__GNUC__)
  static const bool hasAvx2 = __builtin_cpu_supports("avx2");
  if (hasAvx2)
    return {wideRows, WideKernel::kCols};
#endif
  return {narrowRows, NarrowKernel::kCols};
}

/// matmul(a, b), or matmul(a, bᵀ) (bᵀ swapping b's last two axes) when
/// `bTransposed`: b is then read in place, not transposed first.
Tensor product(const Tensor &a, const Tensor &b, bool bTransposed,
               const Shape &outShape) {
  // Promote rank-1 operands as numpy does.
  Shape sa = a.shape, sb = b.shape;
  if (sa.size() == 1)
    sa.insert(sa.begin(), 1);
  if (sb.size() == 1)
    sb.insert(bTransposed ? sb.begin() : sb.end(), 1);
  int64_t m = sa[sa.size() - 2], k = sa.back();
  int64_t n = bTransposed ? sb[sb.size() - 2] : sb.back();
  Strides bs = bTransposed ? Strides{1, k} : Strides{n, 1};
  Shape batchA(sa.begin(), sa.end() - 2), batchB(sb.begin(), sb.end() - 2);
  size_t rank = std::max(batchA.size(), batchB.size());
  Shape batch(rank);
  for (size_t i = 0; i < rank; ++i) {
    int64_t da = i < rank - batchA.size() ? 1 : batchA[i - (rank - batchA.size())];
    int64_t db = i < rank - batchB.size() ? 1 : batchB[i - (rank - batchB.size())];
    batch[i] = std::max(da, db);
  }
  Shape s[2] = {broadcastStrides(batchA, batch), broadcastStrides(batchB, batch)};
  // The products to compute, merging consecutive batch elements that share
  // their b matrix and read consecutive a matrices into one taller product
  // (a [batch..., m, k] times a plain [k, n] matrix is a single product).
  struct Product {
    int64_t aOffset, bOffset, cOffset, rows;
  };
  std::vector<Product> products;
  forEachBroadcast(batch, s, [&](int64_t bi, const int64_t *off) {
    int64_t aOffset = off[0] * m * k, bOffset = off[1] * k * n;
    if (!products.empty()) {
      Product &last = products.back();
      if (last.bOffset == bOffset && last.aOffset + last.rows * k == aOffset) {
        last.rows += m;
        return;
      }
    }
    products.push_back({aOffset, bOffset, bi * m * n, m});
  });
  Tensor out(outShape);
  RowsKernel kernel = selectRowsKernel();
  int64_t tallest = 0;
  for (const Product &prod : products)
    tallest = std::max(tallest, prod.rows);
  // Each thread owns whole rows (in whole tiles) of every product, so each
  // element is still computed by one thread in the order above.
  int64_t threads = 1;
  if (Tensor::numElements(outShape) * k >= kParallelWork) {
    unsigned hw = std::thread::hardware_concurrency();
    threads = std::min<int64_t>((tallest + kTileRows - 1) / kTileRows,
                                std::clamp(hw, 1u, kMaxThreads));
  }
  auto run = [&](int64_t t) {
    std::vector<double> panel(k * kernel.panelCols);
    for (const Product &prod : products) {
      int64_t tiles = (prod.rows + kTileRows - 1) / kTileRows;
      auto rowOf = [&](int64_t u) {
        return std::min(prod.rows, tiles * u / threads * kTileRows);
      };
      if (rowOf(t) < rowOf(t + 1))
        kernel.fn(a.data.data() + prod.aOffset, b.data.data() + prod.bOffset,
                  bs, out.data.data() + prod.cOffset, rowOf(t), rowOf(t + 1), k,
                  n, panel.data());
    }
  };
  std::vector<std::thread> workers;
  for (int64_t t = 1; t < threads; ++t)
    workers.emplace_back(run, t);
  run(0);
  for (std::thread &w : workers)
    w.join();
  return out;
}
} // namespace

Tensor matmul(const Tensor &a, const Tensor &b, const Shape &outShape) {
  return product(a, b, /*bTransposed=*/false, outShape);
}

Tensor gemm(const Tensor &a, const Tensor &b, const Tensor *c, bool transA,
            bool transB, double alpha, double beta) {
  Tensor at = transA ? transpose(a, {1, 0}) : Tensor();
  const Tensor &lhs = transA ? at : a;
  Shape outShape = {lhs.shape[0], b.shape[transB ? 0 : 1]};
  Tensor out = product(lhs, b, transB, outShape);
  for (double &v : out.data)
    v *= alpha;
  if (c) {
    Tensor bc = expand(*c, outShape);
    for (size_t i = 0; i < out.data.size(); ++i)
      out.data[i] += beta * bc.data[i];
  }
  return out;
}

Tensor reduce(const Tensor &a, const std::vector<int64_t> &axes, bool keepdims,
              bool mean) {
  size_t rank = a.shape.size();
  std::vector<bool> reduced(rank, axes.empty());
  for (int64_t ax : axes)
    reduced[ax] = true;
  Shape kept(rank);
  int64_t count = 1;
  for (size_t i = 0; i < rank; ++i) {
    kept[i] = reduced[i] ? 1 : a.shape[i];
    if (reduced[i])
      count *= a.shape[i];
  }
  Tensor out(kept);
  Shape s[1] = {broadcastStrides(kept, a.shape)};
  forEachBroadcast(a.shape, s, [&](int64_t i, const int64_t *off) {
    out.data[off[0]] += a.data[i];
  });
  if (mean)
    for (double &v : out.data)
      v /= static_cast<double>(count);
  if (!keepdims) {
    Shape squeezed;
    for (size_t i = 0; i < rank; ++i)
      if (!reduced[i])
        squeezed.push_back(a.shape[i]);
    out.shape = squeezed;
  }
  return out;
}

namespace {
/// Splits a shape at `axis` into (outer, length, inner) extents.
void splitAt(const Shape &shape, int64_t axis, int64_t &outer, int64_t &len,
             int64_t &inner) {
  outer = 1;
  inner = 1;
  for (int64_t i = 0; i < axis; ++i)
    outer *= shape[i];
  len = shape[axis];
  for (size_t i = axis + 1; i < shape.size(); ++i)
    inner *= shape[i];
}
} // namespace

Tensor softmax(const Tensor &a, int64_t axis, bool zeroEmptyRows) {
  Tensor out(a.shape);
  int64_t outer, len, inner;
  splitAt(a.shape, axis, outer, len, inner);
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t in = 0; in < inner; ++in) {
      const double *x = a.data.data() + o * len * inner + in;
      double *y = out.data.data() + o * len * inner + in;
      double mx = -std::numeric_limits<double>::infinity();
      for (int64_t i = 0; i < len; ++i)
        mx = std::max(mx, x[i * inner]);
      if (zeroEmptyRows && mx == -std::numeric_limits<double>::infinity()) {
        for (int64_t i = 0; i < len; ++i)
          y[i * inner] = 0;
        continue;
      }
      double sum = 0;
      for (int64_t i = 0; i < len; ++i) {
        y[i * inner] = std::exp(x[i * inner] - mx);
        sum += y[i * inner];
      }
      for (int64_t i = 0; i < len; ++i)
        y[i * inner] /= sum;
    }
  return out;
}

Tensor layerNorm(const Tensor &x, const Tensor *scale, const Tensor *bias,
                 int64_t axis, double epsilon, bool rms) {
  Tensor out(x.shape);
  int64_t outer = 1, inner = 1;
  for (int64_t i = 0; i < axis; ++i)
    outer *= x.shape[i];
  Shape normShape(x.shape.begin() + axis, x.shape.end());
  inner = Tensor::numElements(normShape);
  Tensor g = scale ? expand(*scale, normShape) : Tensor();
  Tensor b = bias ? expand(*bias, normShape) : Tensor();
  for (int64_t o = 0; o < outer; ++o) {
    const double *px = x.data.data() + o * inner;
    double *py = out.data.data() + o * inner;
    double mean = 0;
    for (int64_t i = 0; i < inner; ++i)
      mean += px[i];
    mean /= static_cast<double>(inner);
    if (rms)
      mean = 0;
    double var = 0;
    for (int64_t i = 0; i < inner; ++i)
      var += (px[i] - mean) * (px[i] - mean);
    var /= static_cast<double>(inner);
    double inv = 1 / std::sqrt(var + epsilon);
    for (int64_t i = 0; i < inner; ++i) {
      double y = (px[i] - mean) * inv;
      if (scale)
        y *= g.data[i];
      if (bias)
        y += b.data[i];
      py[i] = y;
    }
  }
  return out;
}

Tensor attentionScores(const Tensor &q, const Tensor &k, const Tensor *mask,
                       double scale, const Shape &outShape, bool causal) {
  Shape scoresShape(outShape.begin(), outShape.end() - 1);
  int64_t keys = k.shape[k.shape.size() - 2];
  scoresShape.push_back(keys);
  Tensor scores = product(q, k, /*bTransposed=*/true, scoresShape);
  for (double &s : scores.data)
    s *= scale;
  constexpr double removed = -std::numeric_limits<double>::infinity();
  if (mask) {
    Shape s[2] = {broadcastStrides(scores.shape, scoresShape),
                  broadcastStrides(mask->shape, scoresShape)};
    forEachBroadcast(scoresShape, s, [&](int64_t i, const int64_t *off) {
      double m = mask->data[off[1]];
      scores.data[i] = maskRemoves(m) ? removed : scores.data[i] + m;
    });
  }
  if (causal) {
    int64_t queries = scoresShape[scoresShape.size() - 2];
    for (size_t i = 0; i < scores.data.size(); ++i) {
      int64_t t2 = int64_t(i) % keys, t = (int64_t(i) / keys) % queries;
      if (t2 > t + keys - queries)
        scores.data[i] = removed;
    }
  }
  return scores;
}

Tensor attention(const Tensor &q, const Tensor &k, const Tensor &v,
                 const Tensor *mask, double scale, const Shape &outShape,
                 bool causal) {
  Tensor scores = attentionScores(q, k, mask, scale, outShape, causal);
  Tensor p = softmax(scores, static_cast<int64_t>(scores.shape.size()) - 1,
                     /*zeroEmptyRows=*/true);
  return matmul(p, v, outShape);
}

Tensor transpose(const Tensor &a, const std::vector<int64_t> &perm) {
  Shape outShape(perm.size());
  for (size_t i = 0; i < perm.size(); ++i)
    outShape[i] = a.shape[perm[i]];
  Shape own = strides(a.shape);
  Shape s[1];
  s[0].resize(perm.size());
  for (size_t i = 0; i < perm.size(); ++i)
    s[0][i] = own[perm[i]];
  Tensor out(outShape);
  forEachBroadcast(outShape, s, [&](int64_t i, const int64_t *off) {
    out.data[i] = a.data[off[0]];
  });
  return out;
}

Tensor slice(const Tensor &a, const std::vector<int64_t> &starts,
             const std::vector<int64_t> &axes, const std::vector<int64_t> &steps,
             const Shape &outShape) {
  size_t rank = a.shape.size();
  Shape own = strides(a.shape);
  Shape start(rank, 0), step(rank, 1);
  for (size_t i = 0; i < axes.size(); ++i) {
    int64_t ax = axes[i] < 0 ? axes[i] + static_cast<int64_t>(rank) : axes[i];
    int64_t dim = a.shape[ax];
    int64_t st = starts[i] < 0 ? starts[i] + dim : starts[i];
    st = steps[i] > 0 ? std::clamp<int64_t>(st, 0, dim)
                      : std::clamp<int64_t>(st, 0, dim - 1);
    start[ax] = st;
    step[ax] = steps[i];
  }
  int64_t base = 0;
  Shape s[1];
  s[0].resize(rank);
  for (size_t i = 0; i < rank; ++i) {
    base += start[i] * own[i];
    s[0][i] = step[i] * own[i];
  }
  Tensor out(outShape);
  forEachBroadcast(outShape, s, [&](int64_t i, const int64_t *off) {
    out.data[i] = a.data[base + off[0]];
  });
  return out;
}

Tensor concat(const std::vector<const Tensor *> &inputs, int64_t axis) {
  Shape outShape = inputs.front()->shape;
  outShape[axis] = 0;
  for (const Tensor *t : inputs)
    outShape[axis] += t->shape[axis];
  Tensor out(outShape);
  int64_t outer, len, inner;
  splitAt(outShape, axis, outer, len, inner);
  int64_t pos = 0;
  for (const Tensor *t : inputs) {
    int64_t tl = t->shape[axis];
    for (int64_t o = 0; o < outer; ++o)
      std::copy_n(t->data.data() + o * tl * inner, tl * inner,
                  out.data.data() + (o * len + pos) * inner);
    pos += tl;
  }
  return out;
}

std::vector<Tensor> split(const Tensor &a, int64_t axis,
                          const std::vector<int64_t> &sizes) {
  std::vector<Tensor> outs;
  int64_t pos = 0;
  for (int64_t size : sizes) {
    Shape outShape = a.shape;
    outShape[axis] = size;
    outs.push_back(slice(a, {pos}, {axis}, {1}, outShape));
    pos += size;
  }
  return outs;
}

bool gather(const Tensor &a, const Tensor &indices, int64_t axis, Tensor &out,
            int64_t &badIndex) {
  int64_t outer, len, inner;
  splitAt(a.shape, axis, outer, len, inner);
  Shape outShape(a.shape.begin(), a.shape.begin() + axis);
  outShape.insert(outShape.end(), indices.shape.begin(), indices.shape.end());
  outShape.insert(outShape.end(), a.shape.begin() + axis + 1, a.shape.end());
  Tensor result(outShape);
  int64_t nIdx = indices.numElements();
  for (int64_t j = 0; j < nIdx; ++j) {
    int64_t idx = static_cast<int64_t>(indices.data[j]);
    if (idx < -len || idx >= len) {
      badIndex = idx;
      return false;
    }
  }
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t j = 0; j < nIdx; ++j) {
      int64_t idx = static_cast<int64_t>(indices.data[j]);
      if (idx < 0)
        idx += len;
      std::copy_n(a.data.data() + (o * len + idx) * inner, inner,
                  result.data.data() + (o * nIdx + j) * inner);
    }
  out = std::move(result);
  return true;
}

Tensor cumsum(const Tensor &a, int64_t axis, bool exclusive, bool reverse) {
  int64_t rank = int64_t(a.shape.size());
  int64_t len = a.shape[axis], inner = 1;
  for (int64_t d = axis + 1; d < rank; ++d)
    inner *= a.shape[d];
  int64_t outer = len * inner == 0 ? 0 : a.numElements() / (len * inner);
  Tensor r = a;
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t in = 0; in < inner; ++in) {
      double sum = 0;
      for (int64_t j = 0; j < len; ++j) {
        int64_t at = o * len * inner + (reverse ? len - 1 - j : j) * inner + in;
        double v = a.data[at];
        r.data[at] = exclusive ? sum : sum + v;
        sum += v;
      }
    }
  return r;
}

} // namespace aegis::nn
