//===- BootstrapKeys.h - Level-limited keys of bootstrapping ----*- C++ -*-===//
//
// Part of the runtime: no MLIR or LLVM. Bootstrapping at N = 2^16 needs a few
// dozen rotation keys, the memory bottleneck; each is a KeySwitchKey limited
// to the levels where it is used (a rotation key used by SlotToCoeff near
// the bottom of the chain is several times smaller than one used by
// CoeffToSlot at the top), made by the runtime's key generator.
//
// - EncapsulationKey: the dense-to-sparse key of sparse-secret
//   encapsulation, from s to the ephemeral sparse secret s', over q_0 and the
//   first special prime p_0 only (one digit). Its LWE samples live modulo
//   q_0 * p_0 (about 2^114), where a Hamming weight of 32 is far beyond
//   128-bit security (docs/Bootstrapping.md).
//
//===----------------------------------------------------------------------===//

#ifndef AEGIS_RUNTIME_BOOTSTRAP_BOOTSTRAPKEYS_H
#define AEGIS_RUNTIME_BOOTSTRAP_BOOTSTRAPKEYS_H

#include "aegis/Runtime/CKKS/Keys.h"

#include <map>
#include <memory>
#include <vector>

namespace aegis {
namespace ckks {

class EncapsulationKey {
public:
  EncapsulationKey() = default;
  /// b and a over {q_0, p_0} (2 limbs, NTT form).
  EncapsulationKey(ContextPtr context, RnsPoly b, RnsPoly a);

  const ContextPtr &context() const { return context_; }
  bool empty() const { return context_ == nullptr; }
  const RnsPoly &b() const { return b_; }
  const RnsPoly &a() const { return a_; }
  /// Modulus indices {0, index of p_0}.
  ModuliSpan moduli() const { return ModuliSpan(moduli_.data(), 2); }
  /// Conversion from p_0 alone (ModDown of this key's single-prime P).
  const BaseConverter &fromSpecial() const { return *fromSpecial_; }
  /// [p_0^-1]_(q_0).
  uint64_t specialInverse() const { return specialInverse_; }
  size_t memoryBytes() const;

private:
  ContextPtr context_;
  RnsPoly b_, a_;
  std::vector<uint32_t> moduli_;
  std::shared_ptr<BaseConverter> fromSpecial_;
  uint64_t specialInverse_ = 0;
};

/// Every key bootstrapping uses.
struct BootstrapKeys {
  /// Rotation and conjugation keys by Galois element.
  std::map<uint64_t, KeySwitchKey> galois;
  KeySwitchKey relin;
  /// s' -> s at the top level (after ModRaise); empty without encapsulation.
  KeySwitchKey sparseToDense;
  /// s -> s' at level 0 (before ModRaise); empty without encapsulation.
  EncapsulationKey denseToSparse;

  /// Throws aegis::Error naming the element when the key is missing.
  const KeySwitchKey &galoisKey(uint64_t galoisElement) const;
  /// Backend memory held by all keys.
  size_t memoryBytes() const;
  /// KeySwitchKey::dropUniform on every key-switching key.
  void dropUniform();
};

class BootstrapKeyGenerator {
public:
  /// Keys for `secretKey`; randomness comes from `seed` in call order.
  BootstrapKeyGenerator(ContextPtr context, const SecretKey &secretKey,
                        const Seed &seed);

  /// A key from `newSecret` (NTT form over every modulus, L + 1 + K limbs)
  /// to the secret key, valid up to `maxLevel`.
  KeySwitchKey createKey(const RnsPoly &newSecret, unsigned maxLevel,
                     uint64_t galoisElement = 0);
  KeySwitchKey createGaloisKey(uint64_t galoisElement, unsigned maxLevel);
  KeySwitchKey createRelinKey(unsigned maxLevel);
  /// Samples an ephemeral secret of Hamming weight `weight` and stores the
  /// two encapsulation keys in `keys` (sparseToDense valid up to
  /// `maxLevel`). Returns the ephemeral secret's coefficients (for tests;
  /// evaluation never needs it).
  std::vector<int8_t> createEncapsulationKeys(unsigned weight,
                                              unsigned maxLevel,
                                              BootstrapKeys &keys);

private:
  ContextPtr context_;
  KeyGenerator keygen_;
};

} // namespace ckks
} // namespace aegis

#endif // AEGIS_RUNTIME_BOOTSTRAP_BOOTSTRAPKEYS_H
