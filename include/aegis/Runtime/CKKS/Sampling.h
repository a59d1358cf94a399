//===- Sampling.h - Secret, noise and uniform sampling ----------*- C++ -*-===//
//
// Part of the runtime: no MLIR or LLVM. All sampling runs on the host from a
// Prng, so every backend sees the same values. The error distribution is the
// discrete Gaussian of standard deviation 3.19 (HE standard) truncated at 6
// sigma, sampled by an integer cumulative-distribution table whose entries
// are computed with basic IEEE operations only (reproducible everywhere).
//
//===----------------------------------------------------------------------===//

#ifndef AEGIS_RUNTIME_CKKS_SAMPLING_H
#define AEGIS_RUNTIME_CKKS_SAMPLING_H

#include "aegis/Runtime/CKKS/Context.h"
#include "aegis/Runtime/CKKS/RnsPoly.h"
#include "aegis/Runtime/Support/Prng.h"

#include <cstdint>
#include <vector>

namespace aegis {
namespace ckks {

constexpr double kNoiseStandardDeviation = 3.19;
/// Largest magnitude the error sampler returns (about 6 sigma).
constexpr int kNoiseBound = 19;

/// Coefficients in {-1, 0, 1}, each with probability 1/3.
void sampleUniformTernary(Prng &prng, int8_t *out, size_t n);
/// Exactly `weight` coefficients in {-1, 1} at uniformly chosen positions.
void sampleSparseTernary(Prng &prng, int8_t *out, size_t n, unsigned weight);
/// Discrete Gaussian coefficients (kNoiseStandardDeviation, |e| <= 19).
void sampleGaussian(Prng &prng, int8_t *out, size_t n);

/// A polynomial with small integer coefficients `coefficients` (N values),
/// reduced modulo each modulus of `moduli`, in NTT form on the backend.
RnsPoly smallToNtt(const Context &context, const int8_t *coefficients,
                   ModuliSpan moduli);
/// A uniformly random polynomial, directly in NTT form: the limb for modulus
/// index m comes from Prng(seed, streamBase + m), so any subset of limbs can
/// be regenerated independently (compact keys, multi-device).
RnsPoly uniformNtt(const Context &context, const Seed &seed,
                   uint64_t streamBase, ModuliSpan moduli);

} // namespace ckks
} // namespace aegis

#endif // AEGIS_RUNTIME_CKKS_SAMPLING_H
