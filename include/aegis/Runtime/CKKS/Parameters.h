//===- Parameters.h - RNS-CKKS parameter sets -------------------*- C++ -*-===//
//
// Part of the runtime: no MLIR or LLVM. A parameter set fixes the ring degree
// N = 2^logN (2^10..2^17), the modulus chain Q = q_0 * ... * q_L (q_0 the
// larger base prime that holds the final precision, q_1..q_L the rescaling
// primes), the special primes P = p_0 * ... * p_(K-1) of hybrid key
// switching, dnum (the number of key-switching digits), the default scale
// and the secret distribution.
//
// Security: log2(QP) must not exceed the 128-bit classical bound of the
// Homomorphic Encryption Standard for ternary secrets (see maxLogQP()). A
// parameter set above it is refused with an aegis::Error naming N, log2(QP)
// and the bound, unless the caller sets allowInsecure. The flag is part of
// the parameter set: it is hashed, serialized with every object and printed
// by describe().
//
//===----------------------------------------------------------------------===//

#ifndef AEGIS_RUNTIME_CKKS_PARAMETERS_H
#define AEGIS_RUNTIME_CKKS_PARAMETERS_H

#include <cstdint>
#include <string>
#include <vector>

namespace aegis {
namespace ckks {

enum class SecretDistribution : uint8_t {
  /// Each coefficient in {-1, 0, 1} with probability 1/3.
  UniformTernary = 0,
  /// Exactly `hammingWeight` coefficients in {-1, 1}, the others zero.
  SparseTernary = 1,
};

/// The smallest and largest supported log2 of the ring degree.
constexpr unsigned kMinLogDegree = 10;
constexpr unsigned kMaxLogDegree = 17;

/// The largest log2(QP) for 128-bit classical security with a ternary secret:
///   N = 2^10..2^15: 27, 54, 109, 218, 438, 881 (HE Standard, 2018, Table 1);
///   N = 2^16: 1747 (the lattice-estimator figure OpenFHE uses; the 2018
///             table's 1772 is less conservative);
///   N = 2^17: 3464, extrapolated as 1747 * (1747 / 881): the bound grows by
///             a factor slightly below 2 per doubling of N and that factor
///             shrinks with N, so repeating the last observed factor stays
///             below OpenFHE's 3523.
/// Throws aegis::Error for logN outside [10, 17].
unsigned maxLogQP(unsigned logDegree);

/// What a caller asks for; Parameters::create() generates the primes.
struct ParameterSpec {
  unsigned logDegree = 14;
  /// Bit sizes of q_0, q_1, ..., q_L (each in [18, 60]).
  std::vector<unsigned> chainBits;
  /// Bit sizes of p_0, ..., p_(K-1) (at least one).
  std::vector<unsigned> specialBits;
  /// Number of key-switching digits, in [1, L + 1].
  unsigned dnum = 1;
  /// Default encoding scale; 0 means 2^chainBits[1] (2^chainBits[0] if L = 0).
  double defaultScale = 0;
  SecretDistribution secret = SecretDistribution::UniformTernary;
  /// Number of nonzero secret coefficients (SparseTernary only).
  unsigned hammingWeight = 0;
  /// Explicit opt-in for parameters above the 128-bit bound (tests only).
  bool allowInsecure = false;
};

class Parameters {
public:
  /// Generates the primes deterministically (see NttPrimeGenerator: for each
  /// bit size, the primes = 1 mod 2N nearest to 2^bits, alternately below and
  /// above; chain primes first, then special primes, never reusing one) and
  /// validates the set.
  static Parameters create(const ParameterSpec &spec);

  /// A parameter set from explicit primes (deserialization); validates every
  /// field and the security bound.
  static Parameters fromModuli(unsigned logDegree,
                               std::vector<uint64_t> chainModuli,
                               std::vector<uint64_t> specialModuli,
                               unsigned dnum, double defaultScale,
                               SecretDistribution secret,
                               unsigned hammingWeight, bool allowInsecure);

  unsigned logDegree() const { return logDegree_; }
  size_t degree() const { return size_t(1) << logDegree_; }
  /// The number of complex slots of a fully packed plaintext, N/2.
  size_t maxSlots() const { return degree() / 2; }
  const std::vector<uint64_t> &chainModuli() const { return chain_; }
  const std::vector<uint64_t> &specialModuli() const { return special_; }
  /// L: ciphertexts have levels 0..L (level l has l + 1 limbs).
  unsigned maxLevel() const { return unsigned(chain_.size()) - 1; }
  unsigned numSpecial() const { return unsigned(special_.size()); }
  /// dnum as requested.
  unsigned dnum() const { return dnum_; }
  /// Limbs per key-switching digit: ceil((L + 1) / dnum).
  unsigned digitSize() const;
  /// Digits actually formed at the top level: ceil((L + 1) / digitSize()).
  unsigned numDigits() const;
  double defaultScale() const { return defaultScale_; }
  SecretDistribution secret() const { return secret_; }
  unsigned hammingWeight() const { return hammingWeight_; }
  /// The caller's explicit opt-in into insecure test parameters.
  bool allowInsecure() const { return allowInsecure_; }

  double logQ() const;
  double logP() const;
  double logQP() const { return logQ() + logP(); }
  /// log2(QP) <= maxLogQP(logN).
  bool meetsSecurityBound() const;

  /// A fingerprint of every field (moduli, dnum, scale, secret, insecure
  /// flag): serialized objects carry it so that objects made under other
  /// parameters are rejected.
  uint64_t hash() const;
  /// The canonical byte encoding hashed by hash() and serialized.
  std::vector<uint8_t> canonicalBytes() const;

  /// A multi-line human-readable report, security status included.
  std::string describe() const;

  friend bool operator==(const Parameters &a, const Parameters &b) {
    return a.canonicalBytes() == b.canonicalBytes();
  }

private:
  Parameters() = default;
  void validate() const;

  unsigned logDegree_ = 0;
  std::vector<uint64_t> chain_, special_;
  unsigned dnum_ = 1;
  double defaultScale_ = 0;
  SecretDistribution secret_ = SecretDistribution::UniformTernary;
  unsigned hammingWeight_ = 0;
  bool allowInsecure_ = false;
};

} // namespace ckks
} // namespace aegis

#endif // AEGIS_RUNTIME_CKKS_PARAMETERS_H
