//===- BootstrapConfig.h - CKKS bootstrapping settings and presets -*- C++ -*-//
//
// Part of the runtime: no MLIR or LLVM. A bootstrapping configuration fixes
// the slot count it serves, how many levels CoeffToSlot and SlotToCoeff may
// spend (each level is one group of merged FFT butterfly stages), the EvalMod
// approximation (interval K, double-angle steps, Chebyshev degree) and the
// sparse-secret encapsulation weight. A preset couples a configuration with
// the parameter set (ParameterSpec) it was sized for; docs/Bootstrapping.md
// derives each preset's modulus chain.
//
// Levels, from the top of the chain down:
//   L .. L-c+1        CoeffToSlot (c = ctsLevels primes)
//   L-c .. L-c-e+1    EvalMod (e = evalModDepth() primes)
//   next s primes     SlotToCoeff (s = stcLevels)
//   the rest          left to the application: the output level is
//                     L - c - e - s.
//
//===----------------------------------------------------------------------===//

#ifndef AEGIS_RUNTIME_BOOTSTRAP_BOOTSTRAPCONFIG_H
#define AEGIS_RUNTIME_BOOTSTRAP_BOOTSTRAPCONFIG_H

#include "aegis/Runtime/CKKS/Parameters.h"

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace aegis {
namespace ckks {

/// EvalMod computes t - round(t) ~ sin(2 pi t) / (2 pi) for the slots t of
/// the CoeffToSlot output, by a Chebyshev interpolant of the scaled cosine
/// cos(2 pi (t - 1/4) / 2^r) followed by r double-angle steps
/// cos(2a) = 2 cos(a)^2 - 1.
struct EvalModConfig {
  /// The approximation holds for t within `band` of an integer in [-K, K].
  /// With sparse-secret encapsulation of Hamming weight h the integer part
  /// satisfies |I| <= (h + 1) / 2, so K = 16 never fails for h = 32; a
  /// smaller K trades a failure probability (see
  /// BootstrapPlan::failureProbabilityLog2()) for precision or depth.
  unsigned k = 16;
  /// Double-angle steps r.
  unsigned doubleAngle = 4;
  /// Degree of the Chebyshev interpolant (2^m - 1 uses exactly m levels).
  unsigned degree = 31;
  /// Baby-step size of the polynomial evaluation (a power of two >= 2). 2
  /// gives the minimal depth ceil(log2(degree + 1)).
  unsigned babySteps = 2;
  /// Largest |message coefficient| (in units of the input scale) the
  /// approximation is fitted for: band = messageBound * scale / q_0.
  double messageBound = 4.0;
};

struct BootstrapConfig {
  /// log2 of the slot count n served (n <= N/2; n < N/2 is sparse packing).
  unsigned logSlots = 0;
  /// Levels of CoeffToSlot and SlotToCoeff: the log2(n) butterfly stages are
  /// merged into this many groups (fewer levels, more diagonals per level).
  unsigned ctsLevels = 3;
  unsigned stcLevels = 3;
  EvalModConfig evalMod;
  /// Hamming weight h of the ephemeral sparse secret ModRaise runs under
  /// (sparse-secret encapsulation). 0 raises under the main secret, which is
  /// only sound for a sparse main secret of small weight.
  unsigned ephemeralWeight = 32;
  /// The scale bootstrapping expects at level 0 (0: the default scale).
  /// Inputs above level 0 are brought to exactly this scale first.
  double inputScale = 0;
  /// The scale of the output (0: the default scale).
  double outputScale = 0;
  /// The messages are real: the output's imaginary parts (pure noise) are
  /// removed by one conjugation at the output level (no level spent).
  bool realSlots = false;
  /// Backend memory for encoded CoeffToSlot/SlotToCoeff diagonals: whole
  /// transforms are cached, CoeffToSlot first (its diagonals have the most
  /// limbs), while they fit; the others are encoded on use (one NTT per
  /// limb each). All of them take about 4 GiB at N = 2^16.
  size_t diagonalCacheBytes = SIZE_MAX;

  /// Levels EvalMod consumes: ceil(log2(degree + 1)) (or one more for a
  /// baby-step size above 2) plus the double-angle steps.
  unsigned evalModDepth() const;
  /// Levels the whole bootstrapping consumes.
  unsigned depth() const { return ctsLevels + evalModDepth() + stcLevels; }
};

/// A named parameter set with the bootstrapping configuration sized for it.
struct BootstrapPreset {
  std::string name;
  std::string summary;
  ParameterSpec spec;
  BootstrapConfig config;
};

/// The presets documented in docs/Bootstrapping.md:
///   n16-full    N = 2^16, 2^15 complex slots, 128-bit (log QP 1734),
///               9 levels left after bootstrapping (production);
///   n16-sparse  the same parameters, 2^12 slots;
///   toy-n10, toy-n10-sparse, toy-n12, toy-n13
///               insecure test sizes with the production chain shape.
/// The chain the presets use: q_0 of 50 bits, `usable` application levels
/// of 42 bits (scale 2^42), then SlotToCoeff 3 x 40, EvalMod 9 x 60 and
/// CoeffToSlot 3 x 58 bits (`transformLevels` of each instead of 3); dnum 3
/// and 59-bit special primes covering a digit; uniform ternary secret. log2
/// QP for N = 2^16 and 9 usable levels is 1734 (128-bit; with 2 transform
/// levels, 11 usable levels give 1720); `insecure` allows the small rings
/// of tests.
ParameterSpec bootstrapChainSpec(unsigned logN, unsigned usable, bool insecure,
                                 unsigned transformLevels = 3);
/// Levels of bootstrapChainSpec() bootstrapping itself consumes with
/// bootstrapConfigFor(): 3 + 9 + 3.
BootstrapConfig bootstrapConfigFor(unsigned logSlots, unsigned ctsLevels,
                                   unsigned stcLevels);

/// The bootstrapping compiled programs use (artifacts' bootstrapLevel):
/// 2^logSlots slots (0: full packing of N/2; fewer: sparse packing), 3 + 3
/// transform levels, real slots, input scale 2^40 (q_0 / scale = 2^10 on
/// bootstrapChainSpec's 50-bit q_0), messages up to 8 in magnitude, output
/// at the nominal scale 2^nominal.
/// `transformLevels` levels each for CoeffToSlot and SlotToCoeff (3 for
/// artifacts that do not say).
BootstrapConfig programBootstrapConfig(unsigned logN, unsigned nominalLogScale,
                                       unsigned logSlots = 0,
                                       unsigned transformLevels = 3);

const std::vector<BootstrapPreset> &bootstrapPresets();
/// Throws aegis::Error listing the known names when `name` is unknown.
const BootstrapPreset &bootstrapPreset(const std::string &name);

} // namespace ckks
} // namespace aegis

#endif // AEGIS_RUNTIME_BOOTSTRAP_BOOTSTRAPCONFIG_H
