//===- Modular.h - Word-size modular arithmetic -----------------*- C++ -*-===//
//
// Part of the runtime: no MLIR or LLVM. Moduli are odd primes below 2^61, so
// lazy values in [0, 4q) fit a 64-bit word with room to spare.
//
// - Barrett reduction of 128-bit values with the precomputed floor(2^128/q):
//   products of two residues and lazily accumulated sums of products.
// - Shoup multiplication by a fixed operand w with w' = floor(w * 2^64 / q):
//   one high and two low multiplications, result in [0, 2q) (lazy).
//
//===----------------------------------------------------------------------===//

#ifndef AEGIS_RUNTIME_MATH_MODULAR_H
#define AEGIS_RUNTIME_MATH_MODULAR_H

#include <cstddef>
#include <cstdint>

namespace aegis {
namespace ckks {

using uint128_t = unsigned __int128;

/// Largest modulus the runtime accepts (exclusive).
constexpr uint64_t kMaxModulus = uint64_t(1) << 61;

/// A modulus with its Barrett constant.
struct Modulus {
  uint64_t value = 0;
  uint64_t ratioHi = 0; // floor(2^128 / value) >> 64
  uint64_t ratioLo = 0; // floor(2^128 / value) & (2^64 - 1)
  unsigned bits = 0;

  Modulus() = default;
  explicit Modulus(uint64_t q) : value(q) {
    uint128_t ratio = ~uint128_t(0) / q; // == floor(2^128/q) for odd q > 1
    ratioHi = uint64_t(ratio >> 64);
    ratioLo = uint64_t(ratio);
    bits = 64 - __builtin_clzll(q);
  }
};

inline uint64_t mulHi(uint64_t a, uint64_t b) {
  return uint64_t((uint128_t(a) * b) >> 64);
}

/// x mod q for any 128-bit x. The quotient estimate drops the low product
/// x0 * ratioLo (worth less than 1) and the carries below 2^128, so it is at
/// most 2 below floor(x / q): r < 3q < 2^63, then two conditional
/// subtractions.
inline uint64_t reduce128(uint128_t x, const Modulus &m) {
  uint64_t x0 = uint64_t(x);
  uint64_t x1 = uint64_t(x >> 64);
  uint128_t mid1 = uint128_t(x0) * m.ratioHi;
  uint128_t mid2 = uint128_t(x1) * m.ratioLo;
  uint128_t low = uint128_t(uint64_t(mid1)) + uint64_t(mid2);
  uint64_t quotient = x1 * m.ratioHi + uint64_t(mid1 >> 64) +
                      uint64_t(mid2 >> 64) + uint64_t(low >> 64);
  uint64_t r = x0 - quotient * m.value;
  r = r >= 2 * m.value ? r - 2 * m.value : r;
  return r >= m.value ? r - m.value : r;
}

/// x mod q for a 64-bit x.
inline uint64_t reduce64(uint64_t x, const Modulus &m) {
  uint64_t r = x - mulHi(x, m.ratioHi) * m.value; // in [0, 3q)
  r = r >= 2 * m.value ? r - 2 * m.value : r;
  return r >= m.value ? r - m.value : r;
}

inline uint64_t mulMod(uint64_t a, uint64_t b, const Modulus &m) {
  return reduce128(uint128_t(a) * b, m);
}

inline uint64_t addMod(uint64_t a, uint64_t b, uint64_t q) {
  uint64_t s = a + b;
  return s >= q ? s - q : s;
}

inline uint64_t subMod(uint64_t a, uint64_t b, uint64_t q) {
  return a >= b ? a - b : a + q - b;
}

inline uint64_t negateMod(uint64_t a, uint64_t q) { return a == 0 ? 0 : q - a; }

/// floor(w * 2^64 / q) for w < q.
inline uint64_t shoupPrecompute(uint64_t w, uint64_t q) {
  return uint64_t((uint128_t(w) << 64) / q);
}

/// a * w mod q in [0, 2q) for any 64-bit a.
inline uint64_t mulShoupLazy(uint64_t a, uint64_t w, uint64_t wShoup,
                             uint64_t q) {
  return a * w - mulHi(a, wShoup) * q;
}

/// a * w mod q in [0, q) for any 64-bit a.
inline uint64_t mulShoup(uint64_t a, uint64_t w, uint64_t wShoup, uint64_t q) {
  uint64_t r = mulShoupLazy(a, w, wShoup, q);
  return r >= q ? r - q : r;
}

inline uint64_t powMod(uint64_t base, uint64_t exponent, const Modulus &m) {
  uint64_t result = 1 % m.value;
  base = reduce64(base, m);
  while (exponent != 0) {
    if (exponent & 1) {
      result = mulMod(result, base, m);
    }
    base = mulMod(base, base, m);
    exponent >>= 1;
  }
  return result;
}

/// The inverse of a modulo the prime q (a not divisible by q).
inline uint64_t invMod(uint64_t a, const Modulus &m) {
  return powMod(a, m.value - 2, m);
}

/// A residue of the signed integer v.
inline uint64_t fromSigned(int64_t v, const Modulus &m) {
  if (v >= 0) {
    return reduce64(uint64_t(v), m);
  }
  uint64_t r = reduce64(uint64_t(-(v + 1)) + 1, m);
  return negateMod(r, m.value);
}

} // namespace ckks
} // namespace aegis

#endif // AEGIS_RUNTIME_MATH_MODULAR_H
