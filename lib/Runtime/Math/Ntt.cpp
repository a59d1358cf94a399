//===- Ntt.cpp - Negacyclic number-theoretic transform --------------------===//

#include "aegis/Runtime/Math/Ntt.h"

#include "aegis/Runtime/Math/Primes.h"
#include "aegis/Runtime/Support/Error.h"

#include <cstdlib>

namespace aegis {
namespace ckks {

NttTables::NttTables(const Modulus &modulus, unsigned logDegree)
    : modulus_(modulus), logDegree_(logDegree) {
  size_t n = degree();
  uint64_t q = modulus.value;
  require((q - 1) % (2 * n) == 0, "modulus ", q, " is not 1 mod 2N for N = ",
          n);
  psi_ = minimalPrimitiveRoot(q, 2 * n);
  uint64_t psiInv = invMod(psi_, modulus);
  roots_.resize(n);
  invRoots_.resize(n);
  rootsShoup_.resize(n);
  invRootsShoup_.resize(n);
  uint64_t power = 1, invPower = 1;
  for (size_t i = 0; i < n; ++i) {
    uint32_t r = bitReverse(uint32_t(i), logDegree);
    roots_[r] = power;
    invRoots_[r] = invPower;
    power = mulMod(power, psi_, modulus);
    invPower = mulMod(invPower, psiInv, modulus);
  }
  for (size_t i = 0; i < n; ++i) {
    rootsShoup_[i] = shoupPrecompute(roots_[i], q);
    invRootsShoup_[i] = shoupPrecompute(invRoots_[i], q);
  }
  invDegree_ = invMod(n % q, modulus);
  invDegreeShoup_ = shoupPrecompute(invDegree_, q);
  invLastRoot_ = mulMod(invRoots_[1], invDegree_, modulus);
  invLastRootShoup_ = shoupPrecompute(invLastRoot_, q);
}

// NttAvx2.cpp.
bool cpuHasAvx2();
void forwardNttAvx2(uint64_t *a, const NttTables &tables);
void inverseNttAvx2(uint64_t *a, const NttTables &tables);

namespace {
bool useAvx2(const NttTables &tables) {
  static const bool enabled = [] {
    const char *env = std::getenv("AEGIS_DISABLE_AVX2");
    return cpuHasAvx2() && (env == nullptr || env[0] == '\0' || env[0] == '0');
  }();
  return enabled && tables.degree() >= 8;
}
} // namespace

void forwardNttScalar(uint64_t *a, const NttTables &tables) {
  const size_t n = tables.degree();
  const uint64_t q = tables.modulus().value;
  const uint64_t twoQ = 2 * q;
  const uint64_t *roots = tables.rootPowers();
  const uint64_t *rootsShoup = tables.rootPowersShoup();
  size_t gap = n;
  for (size_t m = 1; m < n; m <<= 1) {
    gap >>= 1;
    for (size_t i = 0; i < m; ++i) {
      const uint64_t w = roots[m + i];
      const uint64_t ws = rootsShoup[m + i];
      uint64_t *x = a + 2 * i * gap;
      uint64_t *y = x + gap;
      for (size_t j = 0; j < gap; ++j) {
        uint64_t u = x[j];
        u = u >= twoQ ? u - twoQ : u;
        uint64_t v = mulShoupLazy(y[j], w, ws, q);
        x[j] = u + v;
        y[j] = u - v + twoQ;
      }
    }
  }
  for (size_t j = 0; j < n; ++j) {
    uint64_t u = a[j];
    u = u >= twoQ ? u - twoQ : u;
    a[j] = u >= q ? u - q : u;
  }
}

void inverseNttScalar(uint64_t *a, const NttTables &tables) {
  const size_t n = tables.degree();
  const uint64_t q = tables.modulus().value;
  const uint64_t twoQ = 2 * q;
  const uint64_t *roots = tables.invRootPowers();
  const uint64_t *rootsShoup = tables.invRootPowersShoup();
  size_t gap = 1;
  for (size_t m = n >> 1; m > 1; m >>= 1) {
    for (size_t i = 0; i < m; ++i) {
      const uint64_t w = roots[m + i];
      const uint64_t ws = rootsShoup[m + i];
      uint64_t *x = a + 2 * i * gap;
      uint64_t *y = x + gap;
      for (size_t j = 0; j < gap; ++j) {
        uint64_t u = x[j];
        uint64_t v = y[j];
        uint64_t s = u + v;
        x[j] = s >= twoQ ? s - twoQ : s;
        y[j] = mulShoupLazy(u - v + twoQ, w, ws, q);
      }
    }
    gap <<= 1;
  }
  // Last stage with N^-1 merged in.
  const uint64_t nInv = tables.invDegree();
  const uint64_t nInvShoup = tables.invDegreeShoup();
  const uint64_t w = tables.invLastRoot();
  const uint64_t ws = tables.invLastRootShoup();
  uint64_t *x = a;
  uint64_t *y = a + gap;
  for (size_t j = 0; j < gap; ++j) {
    uint64_t u = x[j];
    uint64_t v = y[j];
    x[j] = mulShoup(u + v, nInv, nInvShoup, q);
    y[j] = mulShoup(u - v + twoQ, w, ws, q);
  }
}

void forwardNtt(uint64_t *a, const NttTables &tables) {
  if (useAvx2(tables)) {
    forwardNttAvx2(a, tables);
  } else {
    forwardNttScalar(a, tables);
  }
}

void inverseNtt(uint64_t *a, const NttTables &tables) {
  if (useAvx2(tables)) {
    inverseNttAvx2(a, tables);
  } else {
    inverseNttScalar(a, tables);
  }
}

} // namespace ckks
} // namespace aegis
