//===- LinearTransform.h - Plaintext matrix times encrypted vector -*- C++ -*-//
//
// Part of the runtime: no MLIR or LLVM. The diagonal method with baby-step /
// giant-step (BSGS) and hoisting. For an n x n matrix M over the n slots,
// diagonal k is d_k[j] = M[j][(j + k) mod n], and
//     M v = sum_k d_k (.) rot(v, k).
// Writing k = g*B + b (b < B baby steps, g giant steps):
//     M v = sum_g rot( sum_b rot(d_(gB+b), -gB) (.) rot(v, b), gB ).
// The pre-rotated diagonals are encoded once (NTT form, at the ciphertext's
// level). apply() computes the baby rotations with one shared ModUp
// (hoisting), and sums the giant-step rotations in the extended basis so that
// a single ModDown serves all of them. Only nonzero diagonals are stored and
// multiplied. The result has scale ct.scale() * plaintext scale at the same
// level (rescale afterwards).
//
//===----------------------------------------------------------------------===//

#ifndef AEGIS_RUNTIME_CKKS_LINEARTRANSFORM_H
#define AEGIS_RUNTIME_CKKS_LINEARTRANSFORM_H

#include "aegis/Runtime/CKKS/Encoder.h"
#include "aegis/Runtime/CKKS/Evaluator.h"

#include <complex>
#include <map>
#include <vector>

namespace aegis {
namespace ckks {

class LinearTransform {
public:
  using Diagonal = std::vector<std::complex<double>>;

  /// From a dense n x n matrix (rows), n a power of two <= N/2. Diagonals
  /// that are entirely zero are skipped. babySteps = 0 picks the power of
  /// two nearest to sqrt(n).
  static LinearTransform
  fromMatrix(const Encoder &encoder,
             const std::vector<std::vector<std::complex<double>>> &matrix,
             unsigned level, double scale, unsigned babySteps = 0);
  /// From the nonzero diagonals (index k in [0, n), each n values).
  static LinearTransform fromDiagonals(const Encoder &encoder,
                                       const std::map<long, Diagonal> &diagonals,
                                       size_t slots, unsigned level,
                                       double scale, unsigned babySteps = 0);

  size_t slots() const { return slots_; }
  unsigned level() const { return level_; }
  double scale() const { return scale_; }
  unsigned babySteps() const { return babySteps_; }
  size_t numDiagonals() const { return plaintexts_.size(); }
  /// The rotation steps apply() needs Galois keys for.
  std::vector<long> rotationSteps() const;

  /// M * v for the encrypted v (slot count slots(), level level()).
  Ciphertext apply(const Evaluator &evaluator, const Ciphertext &vector,
                   const GaloisKeys &keys) const;

private:
  LinearTransform() = default;

  size_t slots_ = 0;
  unsigned level_ = 0;
  double scale_ = 0;
  unsigned babySteps_ = 1;
  /// (giant g, baby b) -> encoded rot(d_(gB+b), -gB).
  std::map<std::pair<unsigned, unsigned>, Plaintext> plaintexts_;
};

} // namespace ckks
} // namespace aegis

#endif // AEGIS_RUNTIME_CKKS_LINEARTRANSFORM_H
