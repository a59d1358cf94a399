//===- Evaluator.h - Homomorphic operations on ciphertexts ------*- C++ -*-===//
//
// Part of the runtime: no MLIR or LLVM. Every operation checks its operands:
// same context, same level, matching scales (relative difference below
// kScaleTolerance) and slot counts where the operation adds values; a
// mismatch throws aegis::Error naming both values. Scales are tracked exactly:
// a product has the product of the scales, a rescale divides by the dropped
// prime q_l.
//
// Rotations: rotate(ct, k) moves slot j + k to slot j (k < 0 rotates right).
// Every rotation, hoisted or not, runs ModUp on c1 first and then reads the
// decomposition through the Galois permutation, so rotateHoisted(ct, {k})[0]
// and rotate(ct, k) are bit-identical.
//
//===----------------------------------------------------------------------===//

#ifndef AEGIS_RUNTIME_CKKS_EVALUATOR_H
#define AEGIS_RUNTIME_CKKS_EVALUATOR_H

#include "aegis/Runtime/CKKS/Ciphertext.h"
#include "aegis/Runtime/CKKS/KeySwitch.h"
#include "aegis/Runtime/CKKS/Keys.h"

#include <complex>
#include <vector>

namespace aegis {
namespace ckks {

class Evaluator {
public:
  /// Largest relative difference of two scales treated as equal.
  static constexpr double kScaleTolerance = 1e-9;

  explicit Evaluator(ContextPtr context);

  const ContextPtr &context() const { return context_; }
  const KeySwitcher &keySwitcher() const { return keySwitcher_; }

  //===--- Addition -------------------------------------------------------===//
  Ciphertext add(const Ciphertext &a, const Ciphertext &b) const;
  void addInPlace(Ciphertext &a, const Ciphertext &b) const;
  Ciphertext sub(const Ciphertext &a, const Ciphertext &b) const;
  void subInPlace(Ciphertext &a, const Ciphertext &b) const;
  Ciphertext negate(const Ciphertext &a) const;
  void negateInPlace(Ciphertext &a) const;
  Ciphertext addPlain(const Ciphertext &a, const Plaintext &b) const;
  void addPlainInPlace(Ciphertext &a, const Plaintext &b) const;
  Ciphertext subPlain(const Ciphertext &a, const Plaintext &b) const;
  void subPlainInPlace(Ciphertext &a, const Plaintext &b) const;
  /// Adds c to every slot (encoded at the ciphertext's scale).
  Ciphertext addConstant(const Ciphertext &a, std::complex<double> c) const;
  void addConstantInPlace(Ciphertext &a, std::complex<double> c) const;

  //===--- Multiplication -------------------------------------------------===//
  /// Slot-wise product with a plaintext; scale multiplies.
  Ciphertext multiplyPlain(const Ciphertext &a, const Plaintext &b) const;
  void multiplyPlainInPlace(Ciphertext &a, const Plaintext &b) const;
  /// Multiplies every slot by c encoded at `constantScale` (the result's
  /// scale is a.scale() * constantScale; pass q_level to keep the scale
  /// after the next rescale).
  Ciphertext multiplyConstant(const Ciphertext &a, std::complex<double> c,
                              double constantScale) const;
  void multiplyConstantInPlace(Ciphertext &a, std::complex<double> c,
                               double constantScale) const;
  /// Multiplies by an integer; the scale is unchanged.
  void multiplyIntegerInPlace(Ciphertext &a, int64_t k) const;
  /// The size-3 tensor product (c0, c1, c2); scale multiplies.
  Ciphertext multiply(const Ciphertext &a, const Ciphertext &b) const;
  Ciphertext square(const Ciphertext &a) const;
  /// Size 3 -> size 2 with the relinearization key.
  void relinearizeInPlace(Ciphertext &a, const RelinKey &key) const;
  Ciphertext relinearize(const Ciphertext &a, const RelinKey &key) const;
  /// multiply + relinearize.
  Ciphertext multiplyRelin(const Ciphertext &a, const Ciphertext &b,
                           const RelinKey &key) const;

  //===--- Levels and scales ----------------------------------------------===//
  /// Divides by the top prime q_l (rounding): level - 1, scale / q_l.
  void rescaleInPlace(Ciphertext &a) const;
  Ciphertext rescale(const Ciphertext &a) const;
  /// Drops limbs down to `level` without changing the value or the scale.
  void dropToLevelInPlace(Ciphertext &a, unsigned level) const;
  Ciphertext dropToLevel(const Ciphertext &a, unsigned level) const;

  //===--- Automorphisms --------------------------------------------------===//
  Ciphertext rotate(const Ciphertext &a, long steps,
                    const GaloisKeys &keys) const;
  Ciphertext conjugate(const Ciphertext &a, const GaloisKeys &keys) const;
  /// X -> X^g for any Galois element with a key.
  Ciphertext applyGalois(const Ciphertext &a, uint64_t galoisElement,
                         const GaloisKeys &keys) const;
  /// Rotations of one ciphertext sharing one ModUp of c1 (Halevi-Shoup).
  std::vector<Ciphertext> rotateHoisted(const Ciphertext &a,
                                        const std::vector<long> &steps,
                                        const GaloisKeys &keys) const;
  /// The Galois automorphism of an already decomposed c1 (see
  /// KeySwitcher::decompose): building block of hoisting.
  Ciphertext applyGaloisDecomposed(const Ciphertext &a,
                                   const Decomposition &c1Decomposition,
                                   uint64_t galoisElement,
                                   const GaloisKeys &keys) const;

  //===--- Checks ---------------------------------------------------------===//
  void checkOperand(const Ciphertext &a, const char *what) const;
  void checkSameLevel(unsigned a, unsigned b) const;
  void checkSameScale(double a, double b) const;
  void checkSameSlots(size_t a, size_t b) const;

private:
  ModuliSpan moduli(unsigned level) const {
    return context_->chainIndices(level);
  }
  void checkPlain(const Ciphertext &a, const Plaintext &b) const;
  /// The constant polynomial re + im * X^(N/2), in NTT form, at `level`.
  RnsPoly constantPoly(std::complex<double> value, unsigned level) const;

  ContextPtr context_;
  KeySwitcher keySwitcher_;
};

} // namespace ckks
} // namespace aegis

#endif // AEGIS_RUNTIME_CKKS_EVALUATOR_H
