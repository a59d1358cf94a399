//===- Encoder.h - CKKS canonical-embedding encoder -------------*- C++ -*-===//
//
// Part of the runtime: no MLIR or LLVM. Encodes n complex (or real) values,
// n a power of two up to N/2, into a plaintext polynomial m with
//     m(zeta^(5^j)) ~ scale * z_j,   zeta = exp(i*pi/N), j < n,
// using the "special FFT" (an FFT over the orbit of 5 modulo 4n) on the host,
// rounding to integers, reducing modulo each prime of the level and moving to
// NTT form on the backend. With n < N/2 the polynomial lives in the subring
// of X^(N/(2n)) ("sparse packing"). Rotating by k (X -> X^(5^k)) maps slot
// j + k to slot j; conjugation (X -> X^-1) conjugates every slot.
//
//===----------------------------------------------------------------------===//

#ifndef AEGIS_RUNTIME_CKKS_ENCODER_H
#define AEGIS_RUNTIME_CKKS_ENCODER_H

#include "aegis/Runtime/CKKS/Ciphertext.h"

#include <complex>
#include <vector>

namespace aegis {
namespace ckks {

class Encoder {
public:
  explicit Encoder(ContextPtr context);

  const ContextPtr &context() const { return context_; }

  /// Encodes `values` padded with zeros to n slots, n the smallest power of
  /// two >= values.size() (at least `minSlots`, at most N/2).
  Plaintext encode(const std::vector<std::complex<double>> &values,
                   unsigned level, double scale, size_t minSlots = 1) const;
  Plaintext encode(const std::vector<double> &values, unsigned level,
                   double scale, size_t minSlots = 1) const;

  /// The n slot values of a plaintext (NTT form, any level).
  std::vector<std::complex<double>> decode(const Plaintext &plaintext) const;
  std::vector<double> decodeReal(const Plaintext &plaintext) const;

  //===--- Host-side pieces (also used by tests) --------------------------===//
  /// Slot values -> the 2n real coefficients (times `scale`, unrounded) of
  /// the polynomial in Y = X^(N/(2n)): entries 0..n-1 real parts, n..2n-1
  /// imaginary parts of the special inverse FFT.
  std::vector<double> slotsToCoefficients(
      std::vector<std::complex<double>> values, double scale) const;
  /// The inverse of slotsToCoefficients (coefficients divided by scale).
  std::vector<std::complex<double>>
  coefficientsToSlots(const std::vector<double> &coefficients,
                      double scale) const;
  /// The centered integer value, as a double, of each coefficient of the
  /// coefficient-form polynomial `residues` (level + 1 limbs), for the
  /// coefficient indices `indices` (exact CRT composition modulo q_0..q_l).
  std::vector<double> composeCentered(const std::vector<uint64_t> &residues,
                                      unsigned level,
                                      const std::vector<size_t> &indices) const;

private:
  void specialFft(std::complex<double> *values, size_t n) const;
  void specialInverseFft(std::complex<double> *values, size_t n) const;

  ContextPtr context_;
  std::vector<std::complex<double>> roots_; // zeta^k, k < 2N
  std::vector<uint64_t> rotationGroup_;     // 5^j mod 2N, j < N/2
};

/// The residue modulo m of round(value) for any finite double (exact even
/// beyond 2^63).
uint64_t residueOfRounded(double value, const Modulus &m);

} // namespace ckks
} // namespace aegis

#endif // AEGIS_RUNTIME_CKKS_ENCODER_H
