//===- Keys.h - Secret, public and key-switching keys -----------*- C++ -*-===//
//
// Part of the runtime: no MLIR or LLVM.
//
// - SecretKey: ternary coefficients s (host) and s in NTT form over every
//   modulus (q_0..q_L, p_0..p_(K-1)). Serialized to its own file kind;
//   evaluation never needs it.
// - PublicKey: (b, a) = (-a*s + e, a) over q_0..q_L.
// - KeySwitchKey from s' to s, hybrid with digits D_0..D_(d-1): for digit j,
//     b_j = -a_j*s + e_j + P * [Q/Q_j * (Q/Q_j)^-1 mod Q_j] * s'   (mod QP)
//   over every modulus; the bracket is 1 modulo the primes of D_j and 0
//   modulo the others, so in RNS the s' term is [P]_(q_i) * s' on the limbs
//   of D_j only. A key is limited to levels 0..maxLevel: it keeps the
//   numDigits(maxLevel) digits that meet q_0..q_maxLevel, each over the
//   extended basis at maxLevel (q_0..q_maxLevel, p_0..p_(K-1)). Every limb
//   is computed on its own (its own uniform stream, the digit's error), so
//   a key limited to level l is exactly the full key with the limbs and
//   digits above l left out: key switching at level l gives the same bits.
//   A rotation used only at level 10 of 24 thus needs well under half the
//   memory of a full key.
// - RelinKey: s' = s^2. GaloisKeys: s' = s(X^g) for each Galois element g.
//
// Every uniform part a is generated from a 32-byte seed stored with the key
// (stream (digit << 32) + modulus index), so keys serialize compactly and any
// subset of limbs can be regenerated where it is needed.
//
//===----------------------------------------------------------------------===//

#ifndef AEGIS_RUNTIME_CKKS_KEYS_H
#define AEGIS_RUNTIME_CKKS_KEYS_H

#include "aegis/Runtime/CKKS/Context.h"
#include "aegis/Runtime/CKKS/RnsPoly.h"
#include "aegis/Runtime/Support/Prng.h"

#include <map>
#include <vector>

namespace aegis {
namespace ckks {

class SecretKey {
public:
  SecretKey() = default;
  /// Validates the coefficients (N values in {-1, 0, 1}; exactly the
  /// Hamming weight for a sparse secret) and builds the NTT form.
  SecretKey(ContextPtr context, std::vector<int8_t> coefficients);

  const ContextPtr &context() const { return context_; }
  const std::vector<int8_t> &coefficients() const { return coefficients_; }
  /// s over every modulus (L + 1 + K limbs), NTT form.
  const RnsPoly &ntt() const { return ntt_; }

private:
  ContextPtr context_;
  std::vector<int8_t> coefficients_;
  RnsPoly ntt_;
};

class PublicKey {
public:
  PublicKey() = default;
  PublicKey(ContextPtr context, Seed seed, RnsPoly b, RnsPoly a)
      : context_(std::move(context)), seed_(seed), b_(std::move(b)),
        a_(std::move(a)) {}

  const ContextPtr &context() const { return context_; }
  const Seed &seed() const { return seed_; }
  /// Over q_0..q_L, NTT form.
  const RnsPoly &b() const { return b_; }
  const RnsPoly &a() const { return a_; }

private:
  ContextPtr context_;
  Seed seed_{};
  RnsPoly b_, a_;
};

class KeySwitchKey {
public:
  KeySwitchKey() = default;
  /// b[j] / a[j]: digit j over the extended basis at maxLevel (maxLevel + 1
  /// + K limbs; maxLevel follows from the limb count), numDigits(maxLevel)
  /// digits. Throws aegis::Error on any other shape.
  KeySwitchKey(ContextPtr context, Seed seed, uint64_t galoisElement,
               std::vector<RnsPoly> b, std::vector<RnsPoly> a);

  const ContextPtr &context() const { return context_; }
  bool empty() const { return context_ == nullptr; }
  const Seed &seed() const { return seed_; }
  /// The Galois element g of a rotation key (s' = s(X^g)); 0 for a
  /// relinearization or generic key.
  uint64_t galoisElement() const { return galoisElement_; }
  /// The highest level the key switches at.
  unsigned maxLevel() const { return maxLevel_; }
  unsigned numDigits() const { return unsigned(b_.size()); }
  /// Digit j over the extended basis at maxLevel(), NTT form. a(j) throws
  /// aegis::Error once the uniform halves are dropped.
  const RnsPoly &b(unsigned j) const { return b_[j]; }
  const RnsPoly &a(unsigned j) const;
  /// Compact keys in memory: frees the uniform halves a_j, which
  /// KeySwitcher then regenerates from the seed, limb by limb, where it
  /// reads them (same bits; half the memory, a PRNG pass per use).
  void dropUniform();
  bool holdsUniform() const { return !a_.empty(); }
  /// The key limb of extended index e at `level` (<= maxLevel()): chain
  /// limb i is limb i, special limb k is limb maxLevel() + 1 + k.
  unsigned limbOf(unsigned level, unsigned e) const {
    return e <= level ? e : e - (level + 1) + maxLevel_ + 1;
  }
  /// Backend memory of b and, unless dropped, a.
  size_t memoryBytes() const;

private:
  ContextPtr context_;
  Seed seed_{};
  uint64_t galoisElement_ = 0;
  unsigned maxLevel_ = 0;
  std::vector<RnsPoly> b_, a_;
};

class RelinKey {
public:
  RelinKey() = default;
  explicit RelinKey(KeySwitchKey key) : key_(std::move(key)) {}
  const KeySwitchKey &key() const & { return key_; }
  /// From a temporary: the key itself, moved out (no copy).
  KeySwitchKey key() && { return std::move(key_); }
  const ContextPtr &context() const { return key_.context(); }
  /// KeySwitchKey::dropUniform.
  void dropUniform() { key_.dropUniform(); }

private:
  KeySwitchKey key_;
};

class GaloisKeys {
public:
  GaloisKeys() = default;
  explicit GaloisKeys(ContextPtr context) : context_(std::move(context)) {}

  const ContextPtr &context() const { return context_; }
  void insert(KeySwitchKey key);
  bool contains(uint64_t galoisElement) const {
    return keys_.count(galoisElement) != 0;
  }
  /// Throws aegis::Error naming the element when the key is missing.
  const KeySwitchKey &at(uint64_t galoisElement) const;
  const std::map<uint64_t, KeySwitchKey> &keys() const { return keys_; }
  /// KeySwitchKey::dropUniform on every key.
  void dropUniform() {
    for (auto &entry : keys_)
      entry.second.dropUniform();
  }

private:
  ContextPtr context_;
  std::map<uint64_t, KeySwitchKey> keys_;
};

/// Stream base of digit j of a key's uniform part.
inline uint64_t keyDigitStream(unsigned digit) { return uint64_t(digit) << 32; }

class KeyGenerator {
public:
  /// A fresh secret key from the context's distribution; every later key
  /// draws its randomness from `seed` in call order.
  KeyGenerator(ContextPtr context, const Seed &seed);
  /// Keys for an existing secret.
  KeyGenerator(ContextPtr context, SecretKey secretKey, const Seed &seed);

  const SecretKey &secretKey() const { return secret_; }
  PublicKey createPublicKey();
  /// Keys valid at levels 0..maxLevel (the default kTopLevel: every level).
  static constexpr unsigned kTopLevel = ~0u;
  RelinKey createRelinKey(unsigned maxLevel = kTopLevel);
  /// A key switching from `newSecret` (NTT form over every modulus) to s.
  KeySwitchKey createKeySwitchKey(const RnsPoly &newSecret,
                                  uint64_t galoisElement = 0,
                                  unsigned maxLevel = kTopLevel);
  KeySwitchKey createGaloisKey(uint64_t galoisElement,
                               unsigned maxLevel = kTopLevel);
  /// Keys for rotations by each of `steps` (left, negative = right) and,
  /// optionally, conjugation.
  GaloisKeys createGaloisKeys(const std::vector<long> &steps,
                              bool conjugation = false);

  /// The seed the next key draws from (keys made outside this class, such
  /// as bootstrapping's encapsulation keys, take theirs here too).
  Seed nextSeed() { return deriveSeed(master_, ++counter_); }

private:
  ContextPtr context_;
  Seed master_;
  uint64_t counter_ = 0;
  SecretKey secret_;
};

/// The uniform part `a` of digit j of a key with `seed`, over `moduli`.
RnsPoly regenerateKeyUniform(const Context &context, const Seed &seed,
                             unsigned digit, ModuliSpan moduli);

/// The key switching from `newSecret` (NTT form over every modulus) to
/// `secret`, valid up to `maxLevel`, drawn from `seed` (uniform parts from
/// its child 0, errors from child 1, digit after digit). KeyGenerator and
/// the bootstrapping key generator both make their keys with it.
KeySwitchKey generateKeySwitchKey(const SecretKey &secret,
                                  const RnsPoly &newSecret, const Seed &seed,
                                  uint64_t galoisElement, unsigned maxLevel);

/// The secret a key switches from, in NTT form over every modulus: s^2 for
/// `galoisElement` 0 (relinearization), s(X^g) for a Galois element g.
RnsPoly keySwitchSource(const SecretKey &secret, uint64_t galoisElement);

} // namespace ckks
} // namespace aegis

#endif // AEGIS_RUNTIME_CKKS_KEYS_H
