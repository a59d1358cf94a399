//===- NttAvx2.cpp - AVX2 negacyclic NTT ----------------------------------===//
//
// The same transforms as Ntt.cpp (same butterflies, same lazy ranges, same
// canonical outputs) four 64-bit lanes at a time for every stage whose
// butterfly distance is at least 4; the last two forward (first two inverse)
// stages stay scalar. AVX2 has no 64x64-bit multiply: products are built
// from 32x32-bit ones. Compiled with a target attribute and chosen at run
// time, so the library still runs on CPUs without AVX2.
//
//===----------------------------------------------------------------------===//

#include "aegis/Runtime/Math/Ntt.h"

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>

#define AEGIS_AVX2 __attribute__((target("avx2")))

namespace aegis {
namespace ckks {

namespace {

struct Broadcast {
  __m256i lo, hi; // the value and its high 32 bits
};

AEGIS_AVX2 inline Broadcast broadcast(uint64_t v) {
  return {_mm256_set1_epi64x(int64_t(v)), _mm256_set1_epi64x(int64_t(v >> 32))};
}

/// y * w - floor(y * w' / 2^64) * q (mod 2^64), in [0, 2q): Shoup's lazy
/// product, exactly as mulShoupLazy.
AEGIS_AVX2 inline __m256i mulShoupLazy4(__m256i y, const Broadcast &w,
                                        const Broadcast &ws,
                                        const Broadcast &q) {
  const __m256i mask = _mm256_set1_epi64x(0xffffffff);
  __m256i yHi = _mm256_srli_epi64(y, 32);
  // High 64 bits of y * w'.
  __m256i p00 = _mm256_mul_epu32(y, ws.lo);
  __m256i p01 = _mm256_mul_epu32(y, ws.hi);
  __m256i p10 = _mm256_mul_epu32(yHi, ws.lo);
  __m256i p11 = _mm256_mul_epu32(yHi, ws.hi);
  __m256i mid = _mm256_add_epi64(_mm256_srli_epi64(p00, 32),
                                 _mm256_and_si256(p01, mask));
  mid = _mm256_add_epi64(mid, _mm256_and_si256(p10, mask));
  __m256i qhat = _mm256_add_epi64(p11, _mm256_srli_epi64(p01, 32));
  qhat = _mm256_add_epi64(qhat, _mm256_srli_epi64(p10, 32));
  qhat = _mm256_add_epi64(qhat, _mm256_srli_epi64(mid, 32));
  // Low 64 bits of y * w and of qhat * q.
  __m256i yw = _mm256_add_epi64(
      _mm256_mul_epu32(y, w.lo),
      _mm256_slli_epi64(_mm256_add_epi64(_mm256_mul_epu32(y, w.hi),
                                         _mm256_mul_epu32(yHi, w.lo)),
                        32));
  __m256i qhatHi = _mm256_srli_epi64(qhat, 32);
  __m256i qq = _mm256_add_epi64(
      _mm256_mul_epu32(qhat, q.lo),
      _mm256_slli_epi64(_mm256_add_epi64(_mm256_mul_epu32(qhat, q.hi),
                                         _mm256_mul_epu32(qhatHi, q.lo)),
                        32));
  return _mm256_sub_epi64(yw, qq);
}

/// v >= bound ? v - bound : v, for lanes below 2^63 (signed compares).
AEGIS_AVX2 inline __m256i subtractIfAtLeast(__m256i v, __m256i bound,
                                            __m256i boundMinusOne) {
  __m256i ge = _mm256_cmpgt_epi64(v, boundMinusOne);
  return _mm256_sub_epi64(v, _mm256_and_si256(ge, bound));
}

/// (w[0], w[0], w[1], w[1]) with the high halves.
AEGIS_AVX2 inline Broadcast pairTwiddles(const uint64_t *w) {
  __m256i v = _mm256_permute4x64_epi64(
      _mm256_castsi128_si256(
          _mm_loadu_si128(reinterpret_cast<const __m128i *>(w))),
      0x50);
  return {v, _mm256_srli_epi64(v, 32)};
}

/// (w[0], w[2], w[1], w[3]): the lane order of unpacklo/unpackhi.
AEGIS_AVX2 inline Broadcast interleavedTwiddles(const uint64_t *w) {
  __m256i v = _mm256_permute4x64_epi64(
      _mm256_loadu_si256(reinterpret_cast<const __m256i *>(w)), 0xd8);
  return {v, _mm256_srli_epi64(v, 32)};
}

/// The forward (Cooley-Tukey) lazy butterfly on vectors.
AEGIS_AVX2 inline void forwardButterfly(__m256i &x, __m256i &y,
                                        const Broadcast &w,
                                        const Broadcast &ws,
                                        const Broadcast &q, __m256i twoQ,
                                        __m256i twoQm1) {
  __m256i u = subtractIfAtLeast(x, twoQ, twoQm1);
  __m256i v = mulShoupLazy4(y, w, ws, q);
  x = _mm256_add_epi64(u, v);
  y = _mm256_add_epi64(_mm256_sub_epi64(u, v), twoQ);
}

/// The inverse (Gentleman-Sande) lazy butterfly on vectors.
AEGIS_AVX2 inline void inverseButterfly(__m256i &x, __m256i &y,
                                        const Broadcast &w,
                                        const Broadcast &ws,
                                        const Broadcast &q, __m256i twoQ,
                                        __m256i twoQm1) {
  __m256i s = subtractIfAtLeast(_mm256_add_epi64(x, y), twoQ, twoQm1);
  __m256i d = _mm256_add_epi64(_mm256_sub_epi64(x, y), twoQ);
  x = s;
  y = mulShoupLazy4(d, w, ws, q);
}

AEGIS_AVX2 inline __m256i load(const uint64_t *p) {
  return _mm256_loadu_si256(reinterpret_cast<const __m256i *>(p));
}

AEGIS_AVX2 inline void store(uint64_t *p, __m256i v) {
  _mm256_storeu_si256(reinterpret_cast<__m256i *>(p), v);
}

} // namespace

AEGIS_AVX2 void forwardNttAvx2(uint64_t *a, const NttTables &tables) {
  const size_t n = tables.degree();
  const uint64_t q = tables.modulus().value;
  const uint64_t twoQ = 2 * q;
  const uint64_t *roots = tables.rootPowers();
  const uint64_t *rootsShoup = tables.rootPowersShoup();
  const Broadcast qv = broadcast(q);
  const __m256i twoQv = _mm256_set1_epi64x(int64_t(twoQ));
  const __m256i twoQm1 = _mm256_set1_epi64x(int64_t(twoQ - 1));
  size_t gap = n;
  size_t m = 1;
  for (; m < n && (gap >> 1) >= 4; m <<= 1) {
    gap >>= 1;
    for (size_t i = 0; i < m; ++i) {
      const Broadcast w = broadcast(roots[m + i]);
      const Broadcast ws = broadcast(rootsShoup[m + i]);
      uint64_t *x = a + 2 * i * gap;
      uint64_t *y = x + gap;
      for (size_t j = 0; j < gap; j += 4) {
        __m256i u = _mm256_loadu_si256(reinterpret_cast<__m256i *>(x + j));
        __m256i yv = _mm256_loadu_si256(reinterpret_cast<__m256i *>(y + j));
        u = subtractIfAtLeast(u, twoQv, twoQm1);
        __m256i v = mulShoupLazy4(yv, w, ws, qv);
        _mm256_storeu_si256(reinterpret_cast<__m256i *>(x + j),
                            _mm256_add_epi64(u, v));
        _mm256_storeu_si256(
            reinterpret_cast<__m256i *>(y + j),
            _mm256_add_epi64(_mm256_sub_epi64(u, v), twoQv));
      }
    }
  }
  // Distance 2: two groups per pair of vectors.
  const __m256i qv1 = _mm256_set1_epi64x(int64_t(q));
  const __m256i qm1 = _mm256_set1_epi64x(int64_t(q - 1));
  m = n / 4;
  for (size_t i = 0; i < m; i += 2) {
    uint64_t *p = a + 4 * i;
    __m256i lo = load(p), hi = load(p + 4);
    __m256i x = _mm256_permute2x128_si256(lo, hi, 0x20);
    __m256i y = _mm256_permute2x128_si256(lo, hi, 0x31);
    forwardButterfly(x, y, pairTwiddles(roots + m + i),
                     pairTwiddles(rootsShoup + m + i), qv, twoQv, twoQm1);
    store(p, _mm256_permute2x128_si256(x, y, 0x20));
    store(p + 4, _mm256_permute2x128_si256(x, y, 0x31));
  }
  // Distance 1, with the final reduction to [0, q) merged in.
  m = n / 2;
  for (size_t i = 0; i < m; i += 4) {
    uint64_t *p = a + 2 * i;
    __m256i lo = load(p), hi = load(p + 4);
    __m256i x = _mm256_unpacklo_epi64(lo, hi);
    __m256i y = _mm256_unpackhi_epi64(lo, hi);
    forwardButterfly(x, y, interleavedTwiddles(roots + m + i),
                     interleavedTwiddles(rootsShoup + m + i), qv, twoQv,
                     twoQm1);
    x = subtractIfAtLeast(subtractIfAtLeast(x, twoQv, twoQm1), qv1, qm1);
    y = subtractIfAtLeast(subtractIfAtLeast(y, twoQv, twoQm1), qv1, qm1);
    store(p, _mm256_unpacklo_epi64(x, y));
    store(p + 4, _mm256_unpackhi_epi64(x, y));
  }
}

AEGIS_AVX2 void inverseNttAvx2(uint64_t *a, const NttTables &tables) {
  const size_t n = tables.degree();
  const uint64_t q = tables.modulus().value;
  const uint64_t twoQ = 2 * q;
  const uint64_t *roots = tables.invRootPowers();
  const uint64_t *rootsShoup = tables.invRootPowersShoup();
  const Broadcast qv = broadcast(q);
  const __m256i twoQv = _mm256_set1_epi64x(int64_t(twoQ));
  const __m256i twoQm1 = _mm256_set1_epi64x(int64_t(twoQ - 1));
  // Distance 1 (n/2 groups), then distance 2 (n/4 groups).
  size_t m = n >> 1;
  for (size_t i = 0; i < m; i += 4) {
    uint64_t *p = a + 2 * i;
    __m256i lo = load(p), hi = load(p + 4);
    __m256i x = _mm256_unpacklo_epi64(lo, hi);
    __m256i y = _mm256_unpackhi_epi64(lo, hi);
    inverseButterfly(x, y, interleavedTwiddles(roots + m + i),
                     interleavedTwiddles(rootsShoup + m + i), qv, twoQv,
                     twoQm1);
    store(p, _mm256_unpacklo_epi64(x, y));
    store(p + 4, _mm256_unpackhi_epi64(x, y));
  }
  m >>= 1;
  size_t gap = 2;
  if (m > 1) {
    for (size_t i = 0; i < m; i += 2) {
      uint64_t *p = a + 4 * i;
      __m256i lo = load(p), hi = load(p + 4);
      __m256i x = _mm256_permute2x128_si256(lo, hi, 0x20);
      __m256i y = _mm256_permute2x128_si256(lo, hi, 0x31);
      inverseButterfly(x, y, pairTwiddles(roots + m + i),
                       pairTwiddles(rootsShoup + m + i), qv, twoQv, twoQm1);
      store(p, _mm256_permute2x128_si256(x, y, 0x20));
      store(p + 4, _mm256_permute2x128_si256(x, y, 0x31));
    }
    m >>= 1;
    gap = 4;
  }
  for (; m > 1; m >>= 1) {
    for (size_t i = 0; i < m; ++i) {
      const Broadcast w = broadcast(roots[m + i]);
      const Broadcast ws = broadcast(rootsShoup[m + i]);
      uint64_t *x = a + 2 * i * gap;
      uint64_t *y = x + gap;
      for (size_t j = 0; j < gap; j += 4) {
        __m256i u = _mm256_loadu_si256(reinterpret_cast<__m256i *>(x + j));
        __m256i v = _mm256_loadu_si256(reinterpret_cast<__m256i *>(y + j));
        __m256i s = subtractIfAtLeast(_mm256_add_epi64(u, v), twoQv, twoQm1);
        __m256i d = _mm256_add_epi64(_mm256_sub_epi64(u, v), twoQv);
        _mm256_storeu_si256(reinterpret_cast<__m256i *>(x + j), s);
        _mm256_storeu_si256(reinterpret_cast<__m256i *>(y + j),
                            mulShoupLazy4(d, w, ws, qv));
      }
    }
    gap <<= 1;
  }
  // Last stage with N^-1 merged in, fully reduced.
  const Broadcast nInv = broadcast(tables.invDegree());
  const Broadcast nInvShoup = broadcast(tables.invDegreeShoup());
  const Broadcast w = broadcast(tables.invLastRoot());
  const Broadcast ws = broadcast(tables.invLastRootShoup());
  const __m256i qv1 = _mm256_set1_epi64x(int64_t(q));
  const __m256i qm1 = _mm256_set1_epi64x(int64_t(q - 1));
  uint64_t *x = a;
  uint64_t *y = a + gap;
  if (gap < 4) {
    for (size_t j = 0; j < gap; ++j) {
      uint64_t u = x[j];
      uint64_t v = y[j];
      x[j] = mulShoup(u + v, tables.invDegree(), tables.invDegreeShoup(), q);
      y[j] = mulShoup(u - v + twoQ, tables.invLastRoot(),
                      tables.invLastRootShoup(), q);
    }
    return;
  }
  for (size_t j = 0; j < gap; j += 4) {
    __m256i u = _mm256_loadu_si256(reinterpret_cast<__m256i *>(x + j));
    __m256i v = _mm256_loadu_si256(reinterpret_cast<__m256i *>(y + j));
    __m256i s = mulShoupLazy4(_mm256_add_epi64(u, v), nInv, nInvShoup, qv);
    __m256i d = mulShoupLazy4(_mm256_add_epi64(_mm256_sub_epi64(u, v), twoQv),
                              w, ws, qv);
    _mm256_storeu_si256(reinterpret_cast<__m256i *>(x + j),
                        subtractIfAtLeast(s, qv1, qm1));
    _mm256_storeu_si256(reinterpret_cast<__m256i *>(y + j),
                        subtractIfAtLeast(d, qv1, qm1));
  }
}

bool cpuHasAvx2() {
  static const bool has = __builtin_cpu_supports("avx2");
  return has;
}

} // namespace ckks
} // namespace aegis

#else

namespace aegis {
namespace ckks {
void forwardNttAvx2(uint64_t *, const NttTables &) {}
void inverseNttAvx2(uint64_t *, const NttTables &) {}
bool cpuHasAvx2() { return false; }
} // namespace ckks
} // namespace aegis

#endif
