//===- Context.h - Parameters, tables and backend ---------------*- C++ -*-===//
//
// Part of the runtime: no MLIR or LLVM. A Context binds a parameter set to the
// precomputed tables (NTT, base conversion, rescale and ModDown constants,
// Galois permutations) and to the backend that runs the limb-level kernels.
// Every runtime object (plaintext, ciphertext, key) holds the Context it was
// made in; operands from different contexts are rejected.
//
// Modulus indices: 0..L are the chain primes q_0..q_L, L+1..L+K the special
// primes p_0..p_(K-1). At level l a ciphertext polynomial has limbs for
// q_0..q_l; the extended basis used inside key switching has limbs for
// q_0..q_l followed by p_0..p_(K-1) ("extended index" 0..l+K).
//
// Key-switching digits: the chain limbs are cut into consecutive digits of
// digitSize() = ceil((L+1)/dnum) limbs; digit j holds q_(j*alpha) ..
// q_(min((j+1)*alpha, L+1)-1). At level l only the digits that meet limbs
// 0..l take part, the last one possibly truncated.
//
//===----------------------------------------------------------------------===//

#ifndef AEGIS_RUNTIME_CKKS_CONTEXT_H
#define AEGIS_RUNTIME_CKKS_CONTEXT_H

#include "aegis/Runtime/Backend/Backend.h"
#include "aegis/Runtime/CKKS/Parameters.h"
#include "aegis/Runtime/Math/BaseConversion.h"
#include "aegis/Runtime/Math/RnsTables.h"

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <vector>

namespace aegis {
namespace ckks {

using BackendFactory =
    std::function<std::unique_ptr<Backend>(const RnsTables &)>;

class Context {
public:
  /// A context on the CPU backend, or on the backend `factory` makes.
  static std::shared_ptr<const Context>
  create(const Parameters &params, const BackendFactory &factory = nullptr);

  const Parameters &params() const { return params_; }
  Backend &backend() const { return *backend_; }
  const RnsTables &tables() const { return tables_; }

  size_t degree() const { return tables_.degree; }
  unsigned logDegree() const { return tables_.logDegree; }
  unsigned maxLevel() const { return params_.maxLevel(); }
  unsigned numSpecial() const { return params_.numSpecial(); }
  const Modulus &modulus(uint32_t index) const {
    return tables_.moduli[index];
  }
  /// Modulus index of special prime p_k.
  uint32_t specialIndex(unsigned k) const { return maxLevel() + 1 + k; }

  /// Modulus indices {0..level}.
  ModuliSpan chainIndices(unsigned level) const {
    return ModuliSpan(allIndices_.data(), level + 1);
  }
  /// Modulus indices of the extended basis at `level`: {0..level, L+1..L+K}.
  ModuliSpan extendedIndices(unsigned level) const {
    return ModuliSpan(extended_[level]);
  }
  /// Modulus indices {L+1..L+K}.
  ModuliSpan specialIndices() const {
    return ModuliSpan(allIndices_.data() + maxLevel() + 1, numSpecial());
  }
  /// Modulus index of extended index e at `level`.
  uint32_t extendedModulus(unsigned level, unsigned e) const {
    return e <= level ? e : e - (level + 1) + maxLevel() + 1;
  }

  //===--- Key-switching digits -------------------------------------------===//
  unsigned digitSize() const { return params_.digitSize(); }
  /// Digits taking part at `level`.
  unsigned numDigits(unsigned level) const {
    return (level + digitSize()) / digitSize();
  }
  /// First chain limb of digit j.
  unsigned digitBegin(unsigned j) const { return j * digitSize(); }
  /// One past the last chain limb of digit j at `level`.
  unsigned digitEnd(unsigned j, unsigned level) const;
  /// Converter from the first `count` limbs of digit j to any modulus.
  const BaseConverter &modUpConverter(unsigned digit, unsigned count) const;
  /// Converter from the special primes to any modulus.
  const BaseConverter &modDownConverter() const { return *modDown_; }
  /// [P^-1]_(q_i) and [P]_(q_i) for chain prime i.
  const std::vector<uint64_t> &specialInverseModChain() const {
    return pInvModQ_;
  }
  const std::vector<uint64_t> &specialProductModChain() const {
    return pModQ_;
  }

  //===--- Rescale ----------------------------------------------------------===//
  /// [q_level^-1]_(q_i) for i < level.
  const uint64_t *rescaleInverses(unsigned level) const {
    return rescaleInv_[level].data();
  }
  /// [floor(q_level / 2)]_(q_i) for i < level.
  const uint64_t *rescaleHalves(unsigned level) const {
    return rescaleHalf_[level].data();
  }

  //===--- Galois automorphisms -------------------------------------------===//
  /// 5^steps mod 2N (steps taken modulo N/2; negative rotates right).
  uint64_t galoisElementForRotation(long steps) const;
  /// 2N - 1: complex conjugation of the slots.
  uint64_t conjugationElement() const { return 2 * degree() - 1; }
  /// Throws unless g is odd and in (0, 2N).
  void checkGaloisElement(uint64_t g) const;
  /// The NTT-domain permutation of X -> X^g: out[i] = in[perm[i]] (cached).
  const std::vector<uint32_t> &galoisPermutation(uint64_t g) const;

  Context(const Parameters &params, const BackendFactory &factory);
  ~Context();

private:
  Parameters params_;
  RnsTables tables_;
  std::vector<uint32_t> allIndices_;
  std::vector<std::vector<uint32_t>> extended_;
  std::vector<std::vector<std::unique_ptr<BaseConverter>>> modUp_;
  std::unique_ptr<BaseConverter> modDown_;
  std::vector<uint64_t> pInvModQ_, pModQ_;
  std::vector<std::vector<uint64_t>> rescaleInv_, rescaleHalf_;
  mutable std::mutex galoisMutex_;
  mutable std::map<uint64_t, std::unique_ptr<std::vector<uint32_t>>>
      galoisCache_;
  std::unique_ptr<Backend> backend_; // destroyed first
};

using ContextPtr = std::shared_ptr<const Context>;

} // namespace ckks
} // namespace aegis

#endif // AEGIS_RUNTIME_CKKS_CONTEXT_H
