//===- Ntt.h - Negacyclic number-theoretic transform ------------*- C++ -*-===//
//
// Part of the runtime: no MLIR or LLVM. The transform over Z_q[X]/(X^N + 1)
// evaluates a polynomial at the odd powers of psi, a primitive 2N-th root of
// unity: output index i holds a(psi^(2*bitReverse(i) + 1)). The forward
// transform is Cooley-Tukey with the psi powers merged in (no pre-twist pass),
// the inverse is Gentleman-Sande with N^-1 merged into its last stage; both use
// Harvey's lazy butterflies with Shoup twiddles (values stay in [0, 4q) inside
// and are canonical, in [0, q), at both ends).
//
//===----------------------------------------------------------------------===//

#ifndef AEGIS_RUNTIME_MATH_NTT_H
#define AEGIS_RUNTIME_MATH_NTT_H

#include "aegis/Runtime/Math/Modular.h"

#include <cstddef>
#include <cstdint>
#include <vector>

namespace aegis {
namespace ckks {

/// Reverses the low `bits` bits of x.
inline uint32_t bitReverse(uint32_t x, unsigned bits) {
  uint32_t r = 0;
  for (unsigned i = 0; i < bits; ++i) {
    r = (r << 1) | ((x >> i) & 1);
  }
  return r;
}

class NttTables {
public:
  /// Tables for the prime q = 1 (mod 2N), N = 2^logDegree; psi is the
  /// smallest primitive 2N-th root of unity.
  NttTables(const Modulus &modulus, unsigned logDegree);

  const Modulus &modulus() const { return modulus_; }
  size_t degree() const { return size_t(1) << logDegree_; }
  unsigned logDegree() const { return logDegree_; }
  uint64_t psi() const { return psi_; }

  /// psi^bitReverse(i) and its Shoup constant.
  const uint64_t *rootPowers() const { return roots_.data(); }
  const uint64_t *rootPowersShoup() const { return rootsShoup_.data(); }
  /// psi^-bitReverse(i) and its Shoup constant.
  const uint64_t *invRootPowers() const { return invRoots_.data(); }
  const uint64_t *invRootPowersShoup() const { return invRootsShoup_.data(); }
  uint64_t invDegree() const { return invDegree_; }
  uint64_t invDegreeShoup() const { return invDegreeShoup_; }
  /// psi^-bitReverse(1) * N^-1, the twiddle of the merged last inverse stage.
  uint64_t invLastRoot() const { return invLastRoot_; }
  uint64_t invLastRootShoup() const { return invLastRootShoup_; }

private:
  Modulus modulus_;
  unsigned logDegree_;
  uint64_t psi_;
  std::vector<uint64_t> roots_, rootsShoup_, invRoots_, invRootsShoup_;
  uint64_t invDegree_, invDegreeShoup_, invLastRoot_, invLastRootShoup_;
};

/// In-place forward transform; input and output in [0, q). Uses AVX2 where
/// the CPU has it (set AEGIS_DISABLE_AVX2=1 to force the scalar code); both
/// give the same output.
void forwardNtt(uint64_t *values, const NttTables &tables);
/// In-place inverse transform; input and output in [0, q).
void inverseNtt(uint64_t *values, const NttTables &tables);
/// The portable scalar transforms.
void forwardNttScalar(uint64_t *values, const NttTables &tables);
void inverseNttScalar(uint64_t *values, const NttTables &tables);

/// The exponent e such that forward-transform output index i is a(psi^e).
inline uint32_t nttEvaluationExponent(uint32_t index, unsigned logDegree) {
  return 2 * bitReverse(index, logDegree) + 1;
}

} // namespace ckks
} // namespace aegis

#endif // AEGIS_RUNTIME_MATH_NTT_H
