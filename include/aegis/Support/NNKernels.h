//===- NNKernels.h - float64 reference kernels for nn ops -------*- C++ -*-===//
//
// Plain C++ (no MLIR): the arithmetic behind the nn reference interpreter
// and aegis-run's client programs (embedding lookups before encryption).
// Every value is a double, whatever the tensor's element type, so the
// interpreter is a float64 reference. Callers pass shapes that the nn
// verifiers accepted.
//
//===----------------------------------------------------------------------===//

#ifndef AEGIS_SUPPORT_NNKERNELS_H
#define AEGIS_SUPPORT_NNKERNELS_H

#include <cstdint>
#include <functional>
#include <vector>

namespace aegis::nn {

using Shape = std::vector<int64_t>;

struct Tensor {
  Shape shape;
  std::vector<double> data;

  Tensor() = default;
  Tensor(Shape s, std::vector<double> d) : shape(std::move(s)), data(std::move(d)) {}
  explicit Tensor(Shape s) : shape(std::move(s)), data(numElements(), 0.0) {}
  int64_t numElements() const;
  static int64_t numElements(const Shape &shape);
};

/// Row-major strides of a shape.
Shape strides(const Shape &shape);

enum class BinaryKind { Add, Sub, Mul, Div, Pow, Equal, Less, Greater, And, Or, Max, Min };
enum class UnaryKind { Sqrt, Erf, Tanh, Exp, Relu, Neg, Reciprocal, Sigmoid, Not, Abs, Log };

/// Element-wise with numpy broadcasting to `outShape`. Integer division
/// truncates toward zero when `integer` is set.
Tensor binary(BinaryKind kind, const Tensor &a, const Tensor &b,
              const Shape &outShape, bool integer = false);
Tensor unary(UnaryKind kind, const Tensor &a);
Tensor gelu(const Tensor &a, bool tanhForm);
Tensor where(const Tensor &cond, const Tensor &a, const Tensor &b,
             const Shape &outShape);
/// Broadcasts `a` to `outShape`.
Tensor expand(const Tensor &a, const Shape &outShape);

Tensor matmul(const Tensor &a, const Tensor &b, const Shape &outShape);
Tensor gemm(const Tensor &a, const Tensor &b, const Tensor *c, bool transA,
            bool transB, double alpha, double beta);

/// Mean or sum over `axes` (normalised, sorted); all axes when empty.
Tensor reduce(const Tensor &a, const std::vector<int64_t> &axes, bool keepdims,
              bool mean);
/// With `zeroEmptyRows`, a row whose entries are all -inf (every key
/// removed) gives zeros instead of NaN.
Tensor softmax(const Tensor &a, int64_t axis, bool zeroEmptyRows = false);
/// LayerNorm; with `rms`, RMSNorm (no centring: the root mean square).
Tensor layerNorm(const Tensor &x, const Tensor *scale, const Tensor *bias,
                 int64_t axis, double epsilon, bool rms = false);
/// An additive attention-mask entry at or below this removes its key
/// (-1e4, -1e9, -inf and float32's lowest are all spellings of "removed").
constexpr double kMaskRemoved = -1e4;
/// Whether additive mask entry `m` removes its key.
inline bool maskRemoves(double m) { return !(m > kMaskRemoved); }
/// The scores attention() normalizes: q kᵀ * scale (+ mask), of shape
/// outShape[..., :-1] + [keys]. Removed keys (mask entries at or below
/// kMaskRemoved; with `causal`, keys after the query: t2 > t + keys -
/// queries) score -inf.
Tensor attentionScores(const Tensor &q, const Tensor &k, const Tensor *mask,
                       double scale, const Shape &outShape,
                       bool causal = false);
/// softmax(scores) v; a query whose keys are all removed gives zeros.
Tensor attention(const Tensor &q, const Tensor &k, const Tensor &v,
                 const Tensor *mask, double scale, const Shape &outShape,
                 bool causal = false);

Tensor transpose(const Tensor &a, const std::vector<int64_t> &perm);
Tensor slice(const Tensor &a, const std::vector<int64_t> &starts,
             const std::vector<int64_t> &axes, const std::vector<int64_t> &steps,
             const Shape &outShape);
Tensor concat(const std::vector<const Tensor *> &inputs, int64_t axis);
/// ONNX CumSum along `axis` (normalised), optionally exclusive / reversed.
Tensor cumsum(const Tensor &a, int64_t axis, bool exclusive, bool reverse);
std::vector<Tensor> split(const Tensor &a, int64_t axis,
                          const std::vector<int64_t> &sizes);
/// ONNX Gather; negative indices count from the end. Returns false (and
/// leaves `out` untouched) when an index is out of range.
bool gather(const Tensor &a, const Tensor &indices, int64_t axis, Tensor &out,
            int64_t &badIndex);

} // namespace aegis::nn

#endif // AEGIS_SUPPORT_NNKERNELS_H
