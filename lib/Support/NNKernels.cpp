//===- NNKernels.cpp - float64 reference kernels for nn ops ---------------===//

#include "aegis/Support/NNKernels.h"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <limits>

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

/// Calls f(outIndex, offsets...) for every element of outShape, tracking the
/// linear offsets into each broadcast input.
template <size_t K, typename F>
void forEachBroadcast(const Shape &outShape, const Shape (&inStrides)[K], F f) {
  int64_t n = Tensor::numElements(outShape);
  size_t rank = outShape.size();
  Shape idx(rank, 0);
  int64_t off[K] = {};
  for (int64_t linear = 0; linear < n; ++linear) {
    f(linear, off);
    for (int64_t d = static_cast<int64_t>(rank) - 1; d >= 0; --d) {
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

Tensor matmul(const Tensor &a, const Tensor &b, const Shape &outShape) {
  // Promote rank-1 operands as numpy does.
  Shape sa = a.shape, sb = b.shape;
  if (sa.size() == 1)
    sa.insert(sa.begin(), 1);
  if (sb.size() == 1)
    sb.push_back(1);
  int64_t m = sa[sa.size() - 2], k = sa.back(), n = sb.back();
  Shape batchA(sa.begin(), sa.end() - 2), batchB(sb.begin(), sb.end() - 2);
  size_t rank = std::max(batchA.size(), batchB.size());
  Shape batch(rank);
  for (size_t i = 0; i < rank; ++i) {
    int64_t da = i < rank - batchA.size() ? 1 : batchA[i - (rank - batchA.size())];
    int64_t db = i < rank - batchB.size() ? 1 : batchB[i - (rank - batchB.size())];
    batch[i] = std::max(da, db);
  }
  Shape s[2] = {broadcastStrides(batchA, batch), broadcastStrides(batchB, batch)};
  Tensor out(outShape);
  int64_t outMat = m * n;
  forEachBroadcast(batch, s, [&](int64_t bi, const int64_t *off) {
    const double *pa = a.data.data() + off[0] * m * k;
    const double *pb = b.data.data() + off[1] * k * n;
    double *po = out.data.data() + bi * outMat;
    for (int64_t i = 0; i < m; ++i) {
      double *row = po + i * n;
      std::fill(row, row + n, 0.0);
      for (int64_t p = 0; p < k; ++p) {
        double x = pa[i * k + p];
        const double *brow = pb + p * n;
        for (int64_t j = 0; j < n; ++j)
          row[j] += x * brow[j];
      }
    }
  });
  return out;
}

Tensor gemm(const Tensor &a, const Tensor &b, const Tensor *c, bool transA,
            bool transB, double alpha, double beta) {
  Tensor at = transA ? transpose(a, {1, 0}) : a;
  Tensor bt = transB ? transpose(b, {1, 0}) : b;
  Shape outShape = {at.shape[0], bt.shape[1]};
  Tensor out = matmul(at, bt, outShape);
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

Tensor softmax(const Tensor &a, int64_t axis) {
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
                 int64_t axis, double epsilon) {
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

Tensor attention(const Tensor &q, const Tensor &k, const Tensor &v,
                 const Tensor *mask, double scale, const Shape &outShape) {
  size_t rk = k.shape.size();
  std::vector<int64_t> perm(rk);
  for (size_t i = 0; i < rk; ++i)
    perm[i] = static_cast<int64_t>(i);
  std::swap(perm[rk - 1], perm[rk - 2]);
  Tensor kt = transpose(k, perm);
  Shape scoresShape(outShape.begin(), outShape.end() - 1);
  scoresShape.push_back(k.shape[rk - 2]);
  Tensor scores = matmul(q, kt, scoresShape);
  for (double &s : scores.data)
    s *= scale;
  if (mask)
    scores = binary(BinaryKind::Add, scores, *mask, scoresShape);
  Tensor p = softmax(scores, static_cast<int64_t>(scoresShape.size()) - 1);
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

} // namespace aegis::nn
