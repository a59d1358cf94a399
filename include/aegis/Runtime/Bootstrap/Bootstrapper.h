//===- Bootstrapper.h - CKKS bootstrapping ----------------------*- C++ -*-===//
//
// Part of the runtime: no MLIR or LLVM. Bootstrapping refreshes a ciphertext
// at any level to the highest level the configuration leaves usable:
//
//  0. normalize: above level 0 the ciphertext is first brought to exactly the
//     configured input scale (one constant multiplication and rescale), then
//     dropped to level 0;
//  1. encapsulate: key switch from the dense secret s to the ephemeral sparse
//     secret s' modulo q_0 * p_0 (Bossuat et al., ePrint 2022/024);
//  2. ModRaise: the centered residues modulo q_0 lifted to q_0..q_L, so the
//     plaintext becomes m + q_0 I with |I| <= (h + 1) / 2; key switch s' -> s
//     at the top level;
//  3. SubSum (n < N/2 slots only): the trace to the subring of X^(N/2n),
//     log2(N/2n) rotations;
//  4. CoeffToSlot: ctsLevels double-hoisted BSGS transforms of merged FFT
//     stages; the slots then hold x = t / (K + 1), t = coefficient / q_0;
//  5. EvalMod (EvalMod.h) on the real parts (full packing: the real and the
//     imaginary parts separately, split by one conjugation; sparse packing:
//     both in one ciphertext of 2n slots);
//  6. SlotToCoeff: stcLevels transforms back to the n slots, ending at
//     outputLevel() with the configured output scale.
//
// A BootstrapPlan holds everything that depends only on the parameters and
// the configuration (transforms, EvalMod polynomial, the rotation keys
// needed and at which levels); keys come from generateBootstrapKeys().
//
//===----------------------------------------------------------------------===//

#ifndef AEGIS_RUNTIME_BOOTSTRAP_BOOTSTRAPPER_H
#define AEGIS_RUNTIME_BOOTSTRAP_BOOTSTRAPPER_H

#include "aegis/Runtime/Bootstrap/BootstrapConfig.h"
#include "aegis/Runtime/Bootstrap/BootstrapEvaluator.h"
#include "aegis/Runtime/Bootstrap/DiagonalTransform.h"
#include "aegis/Runtime/Bootstrap/EvalMod.h"

#include <complex>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace aegis {
namespace ckks {

class BootstrapPlan {
public:
  /// Validates `config` against the context's chain (enough levels, slot
  /// count, EvalMod band) and precomputes the transforms.
  BootstrapPlan(ContextPtr context, const BootstrapConfig &config);

  const ContextPtr &context() const { return context_; }
  const BootstrapConfig &config() const { return config_; }
  size_t slots() const { return slots_; }
  bool fullPacking() const { return 2 * slots_ == context_->degree(); }
  /// The level bootstrapped ciphertexts come out at.
  unsigned outputLevel() const { return outputLevel_; }
  double inputScale() const { return inputScale_; }
  double outputScale() const { return outputScale_; }

  const std::vector<HoistedTransform> &coeffToSlot() const { return cts_; }
  const std::vector<HoistedTransform> &slotToCoeff() const { return stc_; }
  const EvalModPolynomial &evalModPolynomial() const { return evalMod_; }
  /// Levels: CoeffToSlot output / EvalMod output.
  unsigned evalModInputLevel() const { return evalModInputLevel_; }
  unsigned evalModOutputLevel() const { return evalModOutputLevel_; }

  /// Rotation steps with the highest level each is used at.
  const std::map<long, unsigned> &rotationLevels() const { return rotations_; }
  unsigned conjugationLevel() const { return evalModInputLevel_; }
  unsigned relinLevel() const { return evalModInputLevel_; }

  /// The EvalMod approximation error (sine, polynomial, double angle) in
  /// units of the message at the input scale.
  double approximationError() const;
  /// log2 of an upper bound on the probability that some |I| exceeds K
  /// (Chernoff bound on a sum of h + 1 uniform variables, union over N
  /// coefficients); -infinity when K >= (h + 1) / 2 makes it impossible.
  double failureProbabilityLog2() const;
  /// Backend bytes of the cached transform diagonals.
  size_t cachedDiagonalBytes() const;
  /// A multi-line summary: levels per phase, keys, errors.
  std::string describe() const;

private:
  ContextPtr context_;
  BootstrapConfig config_;
  size_t slots_ = 0;
  unsigned outputLevel_ = 0;
  unsigned evalModInputLevel_ = 0, evalModOutputLevel_ = 0;
  double inputScale_ = 0, outputScale_ = 0;
  double raisedScale_ = 0, evalModScale_ = 0;
  std::vector<HoistedTransform> cts_, stc_;
  EvalModPolynomial evalMod_;
  std::map<long, unsigned> rotations_;

  friend class Bootstrapper;
};

/// Every key `plan` needs, each limited to the highest level it is used at;
/// `compact`: each key's uniform halves dropped as soon as it is made
/// (KeySwitchKey::dropUniform).
std::shared_ptr<BootstrapKeys> generateBootstrapKeys(const BootstrapPlan &plan,
                                                     const SecretKey &secretKey,
                                                     const Seed &seed,
                                                     bool compact = false);

/// Wall-clock seconds of each phase of the last bootstrap() call.
struct BootstrapTimings {
  double modRaise = 0, coeffToSlot = 0, evalMod = 0, slotToCoeff = 0, total = 0;
};

class Bootstrapper {
public:
  Bootstrapper(std::shared_ptr<const BootstrapPlan> plan,
               std::shared_ptr<const BootstrapKeys> keys);

  const BootstrapPlan &plan() const { return *plan_; }
  const BootstrapEvaluator &evaluator() const { return evaluator_; }
  unsigned outputLevel() const { return plan_->outputLevel(); }

  /// Refreshes `ct` (any level, at most plan().slots() slots) to
  /// outputLevel(). Above level 0 the output scale is exactly the
  /// configured output scale; a level-0 input of scale s comes out at
  /// outputScale() * s / inputScale(). Throws aegis::Error for a foreign
  /// context, an unrelinearized input, too many slots, or a level-0 scale
  /// above twice the input scale (the message would leave EvalMod's bands).
  /// `complex`: the message may be complex, and with a real-slots plan
  /// the result holds half of it, z / 2, not its real part: the final
  /// conjugation the real projection spends is left out, so that one
  /// conjugation of the result gives both parts, Re z = y + conj(y) and
  /// Im z = -i (y - conj(y)) (two real ciphertexts refreshed by one
  /// bootstrap, packed as a + i b). Needs config().realSlots.
  Ciphertext bootstrap(const Ciphertext &ct,
                       BootstrapTimings *timings = nullptr,
                       bool complex = false) const;

  //===--- The phases (public for tests) ----------------------------------===//
  /// Level 0 under s -> level L under s (encapsulation, ModRaise, switch
  /// back, SubSum); the plaintext is m + q_0 I (times N/2n after SubSum).
  Ciphertext modRaise(const Ciphertext &levelZero) const;
  Ciphertext coeffToSlot(const Ciphertext &raised) const;
  /// Full packing: two outputs (real and imaginary parts), otherwise one.
  std::vector<Ciphertext> evalMod(const Ciphertext &slots) const;
  /// `complex`: without the real projection (see bootstrap()).
  Ciphertext slotToCoeff(const std::vector<Ciphertext> &reduced,
                         bool complex = false) const;

private:
  std::shared_ptr<const BootstrapPlan> plan_;
  std::shared_ptr<const BootstrapKeys> keys_;
  BootstrapEvaluator evaluator_;
};

/// Precision of `got` against `want`, in bits: -log2 of the mean and of the
/// largest absolute error over the slots (complex difference).
struct PrecisionStats {
  double meanBits = 0, worstBits = 0;
  double meanError = 0, maxError = 0;
  size_t count = 0;
};
PrecisionStats measurePrecision(const std::vector<std::complex<double>> &want,
                                const std::vector<std::complex<double>> &got);

} // namespace ckks
} // namespace aegis

#endif // AEGIS_RUNTIME_BOOTSTRAP_BOOTSTRAPPER_H
