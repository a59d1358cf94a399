//===- Evaluator.h - Homomorphic operations on ciphertexts ------*- C++ -*-===//
//
// Part of the runtime: no MLIR or LLVM. Every operation checks its operands:
// same context, same level, matching scales (relative difference below
// kScaleTolerance) and slot counts where the operation adds values; a
// mismatch throws aegis::Error naming both values. Scales are tracked exactly:
// a product has the product of the scales, a rescale divides by the dropped
// prime q_l.
//
// Every operation's arithmetic is written once, as a limb kernel on a
// LimbView (the section "Limb kernels" below): the whole-ciphertext functions
// check their operands, run the kernel on every limb and keep the scale; the
// distributed evaluator runs the same kernels on a device's own limbs and adds
// the collectives. That is what keeps 1 and N devices bit for bit equal.
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
#include "aegis/Runtime/CKKS/LimbView.h"

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
  /// sum_i rotate(inputs[i], steps[i]) with one ModDown: the key switches'
  /// inner products accumulate in the extended basis and are brought down
  /// once (a step of 0 adds its input as is). Inputs share level, scale and
  /// slots. Not bit-identical to adding separate rotations (ModDown rounds),
  /// but to dist::DistributedEvaluator::rotateAndSum on any device count.
  Ciphertext rotateAndSum(const std::vector<const Ciphertext *> &inputs,
                          const std::vector<long> &steps,
                          const GaloisKeys &keys) const;
  /// The Galois automorphism of an already decomposed c1 (see
  /// KeySwitcher::decompose): building block of hoisting.
  Ciphertext applyGaloisDecomposed(const Ciphertext &a,
                                   const Decomposition &c1Decomposition,
                                   uint64_t galoisElement,
                                   const GaloisKeys &keys) const;

  //===--- Limb kernels -----------------------------------------------------===//
  // The arithmetic of the operations above on the limbs of a LimbView, with
  // no operand checks (levels, scales and slots are the caller's) and no
  // scale bookkeeping. The views of one call share level and range; an empty
  // range does nothing.

  /// The view of every limb of `a`.
  static LimbView limbs(Ciphertext &a);
  static ConstLimbView limbs(const Ciphertext &a);

  /// a[i] += b[i] (a[i] -= b[i]) for i < b.size.
  void addLimbs(const LimbView &a, const ConstLimbView &b) const;
  void subLimbs(const LimbView &a, const ConstLimbView &b) const;
  void negateLimbs(const LimbView &a) const;
  /// a[0] += p (a[0] -= p); p: a plaintext's limbs a.range, contiguous.
  void addPlainLimbs(const LimbView &a, const uint64_t *p) const;
  void subPlainLimbs(const LimbView &a, const uint64_t *p) const;
  /// a[i] *= p for every polynomial.
  void multiplyPlainLimbs(const LimbView &a, const uint64_t *p) const;
  /// a[0] += the constant polynomial round(re) + round(im) X^(N/2) (the value
  /// is already scaled).
  void addConstantLimbs(const LimbView &a, std::complex<double> value) const;
  /// a[i] *= that constant polynomial for every polynomial.
  void multiplyConstantLimbs(const LimbView &a,
                             std::complex<double> value) const;
  void multiplyIntegerLimbs(const LimbView &a, int64_t k) const;
  /// out (3 polynomials) = the tensor product of a and b (2 each).
  void multiplyLimbs(const LimbView &out, const ConstLimbView &a,
                     const ConstLimbView &b) const;
  void squareLimbs(const LimbView &out, const ConstLimbView &a) const;
  /// Rescale, first half: `top` (a.size limbs of N words) = limb q_level of
  /// every polynomial in coefficient form; a.range must hold limb `level`.
  void rescaleTopLimbs(const ConstLimbView &a, uint64_t *top) const;
  /// Rescale, second half: the limbs of a.range below `level` become
  /// round(a / q_level), given `top` from rescaleTopLimbs. Limb `level`, if
  /// in the range, is left for the caller to drop.
  void rescaleLimbs(const LimbView &a, const uint64_t *top) const;
  /// a[0] += u0, a[1] += u1: a key switch's output (u0, u1 hold a.range's
  /// limbs) added to a relinearized ciphertext.
  void addKeySwitchedLimbs(const LimbView &a, const uint64_t *u0,
                           const uint64_t *u1) const;
  /// out += permutation(in) on limbs `range` at `level` (the c0 half of an
  /// automorphism; in and out hold the range's limbs). `scratch` holds
  /// range.size() limbs; callers that permute repeatedly pass one buffer.
  void addPermutedLimbs(uint64_t *out, const uint64_t *in,
                        const uint32_t *permutation, unsigned level,
                        LimbRange range, uint64_t *scratch) const;

  //===--- Checks ---------------------------------------------------------===//
  void checkOperand(const Ciphertext &a, const char *what) const;
  void checkSameLevel(unsigned a, unsigned b) const;
  void checkSameScale(double a, double b) const;
  void checkSameSlots(size_t a, size_t b) const;

private:
  ModuliSpan moduli(unsigned level, LimbRange range) const {
    return context_->chainIndices(level).slice(range.begin, range.size());
  }
  void checkPlain(const Ciphertext &a, const Plaintext &b) const;
  /// The constant polynomial re + im * X^(N/2) on limbs `range` at `level`,
  /// NTT form.
  RnsPoly constantPoly(std::complex<double> value, unsigned level,
                       LimbRange range) const;
  /// a[i] += (or *=, with `multiply`) the constant polynomial of `value`
  /// for i < count.
  void constantLimbs(const LimbView &a, std::complex<double> value,
                     unsigned count, bool multiply) const;
  /// round(value) modulo each limb of `range`.
  std::vector<uint64_t> roundedResidues(double value, LimbRange range) const;

  ContextPtr context_;
  KeySwitcher keySwitcher_;
};

} // namespace ckks
} // namespace aegis

#endif // AEGIS_RUNTIME_CKKS_EVALUATOR_H
