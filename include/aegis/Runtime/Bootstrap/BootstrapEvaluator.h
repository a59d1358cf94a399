//===- BootstrapEvaluator.h - Key switching with bootstrapping keys -*- C++
//-*-//
//
// Part of the runtime: no MLIR or LLVM. The operations of bootstrapping that
// need a key (rotations, conjugation, relinearization, the two key switches
// of sparse-secret encapsulation), written on the runtime's public pieces:
// KeySwitcher::decompose (ModUp), Backend::keyInnerProduct, KeySwitcher's
// ModDown steps and the Evaluator's arithmetic. Every kernel goes through the
// Backend interface, so a device backend runs bootstrapping unchanged.
//
// The extended-basis helpers (liftToExtended, innerProduct, modDown) are the
// building blocks of double hoisting: a rotated ciphertext can stay in the
// basis Q_l * P as (P*c0(X^g) + <d(X^g), b>, <d(X^g), a>) and be multiplied
// and summed there before a single ModDown.
//
//===----------------------------------------------------------------------===//

#ifndef AEGIS_RUNTIME_BOOTSTRAP_BOOTSTRAPEVALUATOR_H
#define AEGIS_RUNTIME_BOOTSTRAP_BOOTSTRAPEVALUATOR_H

#include "aegis/Runtime/Bootstrap/BootstrapKeys.h"
#include "aegis/Runtime/CKKS/Evaluator.h"

#include <memory>

namespace aegis {
namespace ckks {

class BootstrapEvaluator {
public:
  BootstrapEvaluator(ContextPtr context,
                     std::shared_ptr<const BootstrapKeys> keys);

  const ContextPtr &context() const { return context_; }
  const Evaluator &evaluator() const { return evaluator_; }
  const KeySwitcher &keySwitcher() const { return evaluator_.keySwitcher(); }
  const BootstrapKeys &keys() const { return *keys_; }

  //===--- Extended basis (Q_l * P) ---------------------------------------===//
  /// out (l + 1 + K limbs) = P * poly on the chain limbs, 0 on the special
  /// limbs (poly: l + 1 limbs, NTT form).
  void liftToExtended(const uint64_t *poly, unsigned level,
                      uint64_t *out) const;
  /// acc0/acc1 (l + 1 + K limbs) (+)= <digits(X^g), key> with g given by
  /// `permutation` (null: identity), l = decomposition.level.
  void innerProduct(const KeySwitchKey &key, const Decomposition &decomposition,
                    const uint32_t *permutation, uint64_t *acc0, uint64_t *acc1,
                    bool accumulate) const;
  /// out (l + 1 limbs) = ModDown(extended); the special limbs of `extended`
  /// are overwritten. out may alias extended.
  void modDown(uint64_t *extended, unsigned level, uint64_t *out) const;

  //===--- Ciphertext operations ------------------------------------------===//
  Ciphertext applyGalois(const Ciphertext &a, uint64_t galoisElement) const;
  Ciphertext rotate(const Ciphertext &a, long steps) const;
  Ciphertext conjugate(const Ciphertext &a) const;
  /// (c0, c1) under s' -> (c0 + u0, u1) under s with a key from s' to s.
  Ciphertext keySwitch(const Ciphertext &a, const KeySwitchKey &key) const;
  void relinearizeInPlace(Ciphertext &a) const;
  /// Product and relinearization (no rescale).
  Ciphertext multiplyRelin(const Ciphertext &a, const Ciphertext &b) const;
  Ciphertext squareRelin(const Ciphertext &a) const;
  /// Multiplies every slot by i (or -i) exactly: X^(N/2) is i in every slot,
  /// so no level or scale is spent.
  void multiplyByImaginaryUnitInPlace(Ciphertext &a, bool negative) const;
  /// Sparse-secret encapsulation: a level-0 ciphertext under s -> under the
  /// ephemeral s' (key switching modulo q_0 * p_0).
  Ciphertext encapsulate(const Ciphertext &a) const;

private:
  ContextPtr context_;
  std::shared_ptr<const BootstrapKeys> keys_;
  Evaluator evaluator_;
  /// X^(N/2) in NTT form over q_0..q_L.
  RnsPoly imaginaryUnit_;
};

} // namespace ckks
} // namespace aegis

#endif // AEGIS_RUNTIME_BOOTSTRAP_BOOTSTRAPEVALUATOR_H
