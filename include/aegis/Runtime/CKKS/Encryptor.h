//===- Encryptor.h - CKKS encryption and decryption -------------*- C++ -*-===//
//
// Part of the runtime: no MLIR or LLVM. Randomness comes from a Prng keyed by
// the encryptor's seed; encryption number k uses stream k, so a seeded
// encryptor reproduces its ciphertexts exactly (and any backend produces the
// same ones).
//
// Public-key encryption of m at level l: with v ternary and e0, e1 Gaussian,
//   (c0, c1) = (v*b + e0 + m, v*a + e1) on limbs q_0..q_l.
// Symmetric encryption: (c0, c1) = (-a*s + e + m, a), a uniform.
// Decryption: m ~ c0 + c1*s (+ c2*s^2 for an unrelinearized product).
//
//===----------------------------------------------------------------------===//

#ifndef AEGIS_RUNTIME_CKKS_ENCRYPTOR_H
#define AEGIS_RUNTIME_CKKS_ENCRYPTOR_H

#include "aegis/Runtime/CKKS/Ciphertext.h"
#include "aegis/Runtime/CKKS/Keys.h"

#include <atomic>

namespace aegis {
namespace ckks {

class Encryptor {
public:
  /// Public-key encryption.
  Encryptor(ContextPtr context, const PublicKey &publicKey, const Seed &seed);
  /// Symmetric (secret-key) encryption.
  Encryptor(ContextPtr context, const SecretKey &secretKey, const Seed &seed);

  /// Encrypts `plaintext` at its level, scale and slot count.
  Ciphertext encrypt(const Plaintext &plaintext) const;
  /// An encryption of zero at `level`.
  Ciphertext encryptZero(unsigned level, double scale, size_t slots) const;

private:
  ContextPtr context_;
  bool symmetric_ = false;
  PublicKey publicKey_;
  SecretKey secretKey_;
  Seed seed_;
  mutable std::atomic<uint64_t> counter_{0};
};

class Decryptor {
public:
  Decryptor(ContextPtr context, const SecretKey &secretKey);
  /// The plaintext (NTT form) at the ciphertext's level, scale and slots.
  Plaintext decrypt(const Ciphertext &ciphertext) const;

private:
  ContextPtr context_;
  SecretKey secretKey_;
};

} // namespace ckks
} // namespace aegis

#endif // AEGIS_RUNTIME_CKKS_ENCRYPTOR_H
