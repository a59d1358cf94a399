//===- EvalMod.h - Homomorphic modular reduction ----------------*- C++ -*-===//
//
// Part of the runtime: no MLIR or LLVM. After CoeffToSlot every slot holds
// x = t / (K + 1) with t = I + m/q_0, I an integer in [-K, K] and m/q_0 in a
// narrow band around 0. EvalMod returns sin(2 pi t) ~ 2 pi m / q_0:
//
// 1. p(x) ~ cos(2 pi (t - 1/4 - j) / 2^r), j = 2^(r-2) an integer phase
//    shift that keeps noise amplification low near I = 0 (EvalMod.cpp),
//    a Chebyshev interpolant fitted in
//    the least-squares sense on the union of the bands [i - band, i + band],
//    i = -K..K, only (not the whole interval: the same precision needs a
//    lower degree, hence fewer levels);
// 2. r double-angle steps y <- 2 y^2 - 1 turn it into
//    cos(2 pi (t - 1/4 - j)) = sin(2 pi t). The factor 1/(2 pi) is folded into
//    SlotToCoeff.
//
// The polynomial is evaluated in the Chebyshev basis in exactly the split
// order of aegis::evaluateBabyGiant (split c = q T_(2^j) + r at the largest
// power of two 2^j <= deg c until the degree drops below the baby-step
// size), with T_(2k) = 2 T_k^2 - 1 and T_(a+b) = 2 T_a T_b - T_(a-b).
// Scales are managed exactly: every recursive call is asked for a result at
// an exact level and scale, and constants are encoded at whatever scale
// makes that happen, so additions never see mismatched scales.
//
//===----------------------------------------------------------------------===//

#ifndef AEGIS_RUNTIME_BOOTSTRAP_EVALMOD_H
#define AEGIS_RUNTIME_BOOTSTRAP_EVALMOD_H

#include "aegis/Runtime/Bootstrap/BootstrapConfig.h"
#include "aegis/Runtime/Bootstrap/BootstrapEvaluator.h"
#include "aegis/Support/Chebyshev.h"

#include <vector>

namespace aegis {
namespace ckks {

/// Levels evaluateChebyshev() consumes for a degree with a baby-step size
/// (a power of two >= 2): ceil(log2(degree + 1)) for babySteps = 2.
unsigned chebyshevDepth(unsigned degree, unsigned babySteps);

struct EvalModPolynomial {
  /// p on [-(K + 1), K + 1] in the variable t (so in x = t / (K + 1) it is
  /// the standard Chebyshev series on [-1, 1]).
  ChebyshevSeries series;
  /// Half-width of the bands around the integers.
  double band = 0;
  /// Max |p(t) - cos(2 pi (t - 1/4) / 2^r)| on the bands.
  double cosineError = 0;
  /// Max |double-angled p(t) / (2 pi) - sin(2 pi t) / (2 pi)| on the bands:
  /// the approximation error of EvalMod in units of t.
  double modError = 0;
  /// Max |sin(2 pi t) / (2 pi) - (t - round(t))| on the bands: the error of
  /// the sine itself (grows as band^3).
  double sineError = 0;
};

/// Fits the scaled cosine of `config` on the bands of half-width `band`.
EvalModPolynomial fitEvalMod(const EvalModConfig &config, double band);

/// The Chebyshev series (coefficients in T_k(x)) of the ciphertext x
/// (|x| <= 1), returned at exactly `targetLevel` and `targetScale`;
/// targetLevel <= x.level() - chebyshevDepth(degree, babySteps).
Ciphertext evaluateChebyshev(const BootstrapEvaluator &evaluator,
                             const Ciphertext &x,
                             const std::vector<double> &coefficients,
                             unsigned babySteps, unsigned targetLevel,
                             double targetScale);

/// The same evaluation order in double arithmetic.
double evaluateChebyshevPlain(const std::vector<double> &coefficients, double x,
                              unsigned babySteps);

/// EvalMod of x (the CoeffToSlot output, x = t / (K + 1)): returns
/// sin(2 pi t) at exactly (outputLevel, outputScale), outputLevel =
/// x.level() - config.evalModDepth-style depth.
Ciphertext evalMod(const BootstrapEvaluator &evaluator, const Ciphertext &x,
                   const EvalModPolynomial &polynomial,
                   const EvalModConfig &config, unsigned outputLevel,
                   double outputScale);

} // namespace ckks
} // namespace aegis

#endif // AEGIS_RUNTIME_BOOTSTRAP_EVALMOD_H
