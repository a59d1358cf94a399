//===- DiagonalTransform.h - Double-hoisted BSGS linear transforms -*- C++ -*-//
//
// Part of the runtime: no MLIR or LLVM.
//
// DiagonalMatrix: a linear map on vectors of `dim` slots (dim a power of two
// up to N/2) in diagonal form,
//     y = sum_k d_k (.) rot_k(x),   rot_k(x)[p] = x[(p + k) mod dim],
// with exact host arithmetic to compose maps (merging FFT stages) and to
// apply them to plain vectors (tests). A ciphertext with n slots is
// n-periodic in its N/2 slots, so a matrix of dimension dim >= n acts on it
// as on a dim-periodic vector.
//
// HoistedTransform: the matrix evaluated homomorphically with the
// baby-step/giant-step split k = g + b (b a baby offset, g a giant offset):
//     M x = sum_g rot_g( sum_b rot_-g(d_(g+b)) (.) rot_b(x) ),
// double hoisted (Bossuat et al., Eurocrypt 2021): one ModUp of x serves
// every baby rotation; baby rotations stay in the extended basis Q_l * P
// (no ModDown) where the pre-rotated diagonals (encoded over Q_l * P)
// multiply them; each giant step needs one ModDown of its inner sum's c1
// and one key switch, accumulated in Q_l * P; one final ModDown. The output
// is at the input's level with scale input * diagonalScale (rescale next).
//
//===----------------------------------------------------------------------===//

#ifndef AEGIS_RUNTIME_BOOTSTRAP_DIAGONALTRANSFORM_H
#define AEGIS_RUNTIME_BOOTSTRAP_DIAGONALTRANSFORM_H

#include "aegis/Runtime/Bootstrap/BootstrapEvaluator.h"
#include "aegis/Runtime/CKKS/Encoder.h"

#include <complex>
#include <map>
#include <vector>

namespace aegis {
namespace ckks {

class DiagonalMatrix {
public:
  using Vector = std::vector<std::complex<double>>;

  DiagonalMatrix() = default;
  explicit DiagonalMatrix(size_t dim);
  static DiagonalMatrix identity(size_t dim);

  size_t dim() const { return dim_; }
  const std::map<size_t, Vector> &diagonals() const { return diagonals_; }
  /// Diagonal `offset` (mod dim), created as zeros when absent.
  Vector &diagonal(long offset);

  /// this * other: `other` is applied first. Same dimension.
  DiagonalMatrix compose(const DiagonalMatrix &other) const;
  /// Multiplies row p by rowScale[p] (diagonal matrix on the left).
  DiagonalMatrix scaleRows(const Vector &rowScale) const;
  /// Multiplies every entry by c.
  void scale(std::complex<double> c);
  /// The same map on `newDim`-slot vectors (newDim a multiple of dim):
  /// diagonals repeat periodically, valid for dim-periodic inputs.
  DiagonalMatrix extend(size_t newDim) const;
  /// Drops diagonals whose entries are all below `tolerance` in magnitude.
  void prune(double tolerance);

  /// y = M x in double arithmetic (x has dim() values).
  Vector apply(const Vector &x) const;

private:
  size_t dim_ = 0;
  std::map<size_t, Vector> diagonals_;
};

/// The baby/giant split chosen for a set of diagonal offsets.
struct BsgsSplit {
  /// Baby offsets (0 included when used) and giant offsets.
  std::vector<size_t> babies, giants;
  /// Baby-step size in slots (a power of two times the offsets' stride).
  size_t babyStep = 1;
};

/// Picks the baby-step size minimizing babies + 2 * giants (a giant step
/// costs a ModUp, a key switch and a ModDown; a baby step only a key inner
/// product), ties broken by fewer rotation keys.
BsgsSplit chooseBsgsSplit(const DiagonalMatrix &matrix);

class HoistedTransform {
public:
  HoistedTransform() = default;
  /// `matrix` evaluated at `level` with its diagonals encoded at
  /// `diagonalScale`. Only the diagonals' scaled coefficients are kept (host
  /// memory); each is encoded (one NTT per limb of Q_level * P) when used,
  /// unless cacheDiagonals() stored them encoded.
  HoistedTransform(ContextPtr context, const Encoder &encoder,
                   const DiagonalMatrix &matrix, unsigned level,
                   double diagonalScale);

  unsigned level() const { return level_; }
  size_t dim() const { return dim_; }
  double diagonalScale() const { return diagonalScale_; }
  const BsgsSplit &split() const { return split_; }
  size_t numDiagonals() const { return entries_.size(); }
  /// Rotation steps (left, in [1, dim)) the transform needs keys for.
  std::vector<long> rotations() const;
  /// Encodes every diagonal once and keeps it in backend memory.
  void cacheDiagonals();
  /// Backend bytes the encoded diagonals take (cached or not).
  size_t encodedBytes() const;
  /// Backend bytes of the cached diagonals (0 without caching).
  size_t cachedBytes() const;

  /// M x at x's level (= level()); scale x.scale() * diagonalScale(); the
  /// result has dim() slots.
  Ciphertext apply(const BootstrapEvaluator &evaluator,
                   const Ciphertext &x) const;

private:
  struct Entry {
    size_t giant = 0, baby = 0;
    /// 2 * dim scaled coefficients of rot_-giant(d_(giant + baby)).
    std::vector<double> coefficients;
    /// The encoded diagonal over Q_level * P (when cached).
    RnsPoly encoded;
  };
  RnsPoly encode(const std::vector<double> &coefficients) const;

  ContextPtr context_;
  unsigned level_ = 0;
  size_t dim_ = 0;
  double diagonalScale_ = 0;
  BsgsSplit split_;
  /// Sorted by (giant, baby).
  std::vector<Entry> entries_;
};

} // namespace ckks
} // namespace aegis

#endif // AEGIS_RUNTIME_BOOTSTRAP_DIAGONALTRANSFORM_H
