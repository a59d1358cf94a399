//===- CkksTestUtil.h - Shared helpers of the CKKS tests --------*- C++ -*-===//
//
// A test setup (context, keys, encoder, encryptor, decryptor, evaluator), a
// noise model that turns the parameters into error bounds, and helpers to
// measure the error of a decryption in bits.
//
//===----------------------------------------------------------------------===//

#ifndef AEGIS_UNITTESTS_RUNTIME_CKKSTESTUTIL_H
#define AEGIS_UNITTESTS_RUNTIME_CKKSTESTUTIL_H

#include "aegis/Runtime/CKKS/Context.h"
#include "aegis/Runtime/CKKS/Encoder.h"
#include "aegis/Runtime/CKKS/Encryptor.h"
#include "aegis/Runtime/CKKS/Evaluator.h"
#include "aegis/Runtime/CKKS/Keys.h"
#include "aegis/Runtime/CKKS/Sampling.h"
#include "aegis/Runtime/Support/Prng.h"

#include <cmath>
#include <complex>
#include <memory>
#include <vector>

namespace aegis {
namespace ckks {
namespace test {

using Complex = std::complex<double>;

inline ParameterSpec makeSpec(unsigned logN, std::vector<unsigned> chain,
                              std::vector<unsigned> special, unsigned dnum,
                              bool insecure = true) {
  ParameterSpec spec;
  spec.logDegree = logN;
  spec.chainBits = std::move(chain);
  spec.specialBits = std::move(special);
  spec.dnum = dnum;
  spec.allowInsecure = insecure;
  return spec;
}

/// Everything a test needs, from a fixed seed.
struct TestSetup {
  ContextPtr context;
  std::unique_ptr<KeyGenerator> keygen;
  PublicKey publicKey;
  RelinKey relinKey;
  std::unique_ptr<Encoder> encoder;
  std::unique_ptr<Encryptor> encryptor;
  std::unique_ptr<Decryptor> decryptor;
  std::unique_ptr<Evaluator> evaluator;

  explicit TestSetup(const ParameterSpec &spec, uint64_t seed = 1) {
    context = Context::create(Parameters::create(spec));
    keygen = std::make_unique<KeyGenerator>(context, seedFromInteger(seed));
    publicKey = keygen->createPublicKey();
    relinKey = keygen->createRelinKey();
    encoder = std::make_unique<Encoder>(context);
    encryptor = std::make_unique<Encryptor>(context, publicKey,
                                            seedFromInteger(seed + 1000));
    decryptor = std::make_unique<Decryptor>(context, keygen->secretKey());
    evaluator = std::make_unique<Evaluator>(context);
  }

  double scale() const { return context->params().defaultScale(); }
  unsigned top() const { return context->maxLevel(); }

  Ciphertext encrypt(const std::vector<Complex> &values, unsigned level,
                     double scale) const {
    return encryptor->encrypt(encoder->encode(values, level, scale));
  }
  Ciphertext encrypt(const std::vector<Complex> &values) const {
    return encrypt(values, top(), scale());
  }
  std::vector<Complex> decrypt(const Ciphertext &ct) const {
    return encoder->decode(decryptor->decrypt(ct));
  }
};

/// Uniform values in the unit square (real and imaginary parts in [-1, 1)).
inline std::vector<Complex> randomValues(size_t n, uint64_t seed) {
  Prng prng(seedFromInteger(seed), 99);
  std::vector<Complex> v(n);
  for (auto &x : v) {
    double re = double(prng.next32()) / 2147483648.0 - 1.0;
    double im = double(prng.next32()) / 2147483648.0 - 1.0;
    x = Complex(re, im);
  }
  return v;
}

inline double maxError(const std::vector<Complex> &got,
                       const std::vector<Complex> &want) {
  double worst = 0;
  for (size_t i = 0; i < want.size(); ++i) {
    worst = std::max(worst, std::abs(got[i] - want[i]));
  }
  return worst;
}

inline double bits(double error) { return -std::log2(error); }

/// Error bounds (in message units, max over slots) derived from the
/// parameters. A coefficient error of variance v per coefficient gives a
/// slot error of standard deviation sqrt(N * v); the bounds take 6 standard
/// deviations (the chance that any slot exceeds it is far below 1e-9).
struct NoiseModel {
  double n;         // ring degree
  double secretSq;  // E[||s||^2]
  double sigma = kNoiseStandardDeviation;
  double special;   // number of special primes K
  double logP;

  explicit NoiseModel(const Context &ctx) {
    const Parameters &p = ctx.params();
    n = double(ctx.degree());
    secretSq = p.secret() == SecretDistribution::SparseTernary
                   ? double(p.hammingWeight())
                   : 2.0 * n / 3.0;
    special = double(p.numSpecial());
    logP = p.logP();
  }

  static double slotBound(double n, double variance) {
    return 6.0 * std::sqrt(n * variance);
  }
  /// Public-key encryption plus encoding rounding, at `scale`.
  double fresh(double scale) const {
    double var = sigma * sigma * (1.0 + 2.0 * n / 3.0 + secretSq) + 1.0 / 12;
    return slotBound(n, var) / scale;
  }
  /// Rounding of a rescale (or encoding) tau0 + tau1 * s, at `scale` after.
  double rounding(double scale) const {
    return slotBound(n, (1.0 + secretSq) / 12.0) / scale;
  }
  /// One key switch at `scale`: the key noise times the digits (each below
  /// digitBits bits, times the fast-conversion overshoot), divided by P, plus
  /// the ModDown conversion error (below K per coefficient, times 1 + s).
  double keySwitch(const Context &ctx, unsigned level, double scale) const {
    double var = 0;
    for (unsigned j = 0; j < ctx.numDigits(level); ++j) {
      double logQj = 0;
      for (unsigned i = ctx.digitBegin(j); i < ctx.digitEnd(j, level); ++i) {
        logQj += std::log2(double(ctx.modulus(i).value));
      }
      double ratio = std::exp2(logQj - logP) *
                     double(ctx.digitEnd(j, level) - ctx.digitBegin(j));
      var += n * sigma * sigma * ratio * ratio / 3.0;
    }
    var += special * special * (1.0 + secretSq) / 3.0;
    return slotBound(n, var) / scale;
  }
};

} // namespace test
} // namespace ckks
} // namespace aegis

#endif // AEGIS_UNITTESTS_RUNTIME_CKKSTESTUTIL_H
