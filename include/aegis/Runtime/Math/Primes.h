//===- Primes.h - NTT-friendly prime generation -----------------*- C++ -*-===//
//
// Part of the runtime: no MLIR or LLVM. Deterministic: the same request always
// yields the same primes, on every machine.
//
//===----------------------------------------------------------------------===//

#ifndef AEGIS_RUNTIME_MATH_PRIMES_H
#define AEGIS_RUNTIME_MATH_PRIMES_H

#include <cstddef>
#include <cstdint>

namespace aegis {
namespace ckks {

/// Deterministic Miller-Rabin, exact for all 64-bit n.
bool isPrime(uint64_t n);

/// Enumerates primes q = 1 (mod 2N) nearest to 2^bits, alternately just below
/// and just above 2^bits (so that a chain of such primes has a product close
/// to 2^(bits * count), which keeps CKKS scales close to 2^bits).
class NttPrimeGenerator {
public:
  /// bits in [17, 60]; ringDegree a power of two with 2N < 2^bits.
  NttPrimeGenerator(unsigned bits, size_t ringDegree);
  /// The next prime of the sequence; throws aegis::Error if exhausted.
  uint64_t next();

private:
  uint64_t center_;
  uint64_t step_;
  uint64_t below_ = 0; // candidates tried below: center - k*step, k <= below_
  uint64_t above_ = 0;
  bool nextIsBelow_ = true;
  unsigned bits_;
};

/// The smallest primitive `order`-th root of unity modulo the prime q
/// (order a power of two dividing q - 1).
uint64_t minimalPrimitiveRoot(uint64_t q, uint64_t order);

} // namespace ckks
} // namespace aegis

#endif // AEGIS_RUNTIME_MATH_PRIMES_H
