//===- Primes.cpp - NTT-friendly prime generation -------------------------===//

#include "aegis/Runtime/Math/Primes.h"

#include "aegis/Runtime/Math/Modular.h"
#include "aegis/Runtime/Support/Error.h"

#include <algorithm>

namespace aegis {
namespace ckks {

namespace {
uint64_t mulModSlow(uint64_t a, uint64_t b, uint64_t n) {
  return uint64_t(uint128_t(a) * b % n);
}

uint64_t powModSlow(uint64_t base, uint64_t exponent, uint64_t n) {
  uint64_t result = 1 % n;
  base %= n;
  while (exponent != 0) {
    if (exponent & 1) {
      result = mulModSlow(result, base, n);
    }
    base = mulModSlow(base, base, n);
    exponent >>= 1;
  }
  return result;
}
} // namespace

bool isPrime(uint64_t n) {
  if (n < 2) {
    return false;
  }
  static const uint64_t smallPrimes[] = {2,  3,  5,  7,  11, 13,
                                         17, 19, 23, 29, 31, 37};
  for (uint64_t p : smallPrimes) {
    if (n % p == 0) {
      return n == p;
    }
  }
  uint64_t d = n - 1;
  unsigned s = 0;
  while ((d & 1) == 0) {
    d >>= 1;
    ++s;
  }
  // These twelve bases decide primality for every n < 3.3e24.
  for (uint64_t a : smallPrimes) {
    uint64_t x = powModSlow(a, d, n);
    if (x == 1 || x == n - 1) {
      continue;
    }
    bool composite = true;
    for (unsigned r = 1; r < s; ++r) {
      x = mulModSlow(x, x, n);
      if (x == n - 1) {
        composite = false;
        break;
      }
    }
    if (composite) {
      return false;
    }
  }
  return true;
}

NttPrimeGenerator::NttPrimeGenerator(unsigned bits, size_t ringDegree)
    : bits_(bits) {
  require(bits >= 18 && bits <= 60, "prime size ", bits,
          " bits is outside the supported range [18, 60]");
  require(ringDegree >= 2 && (ringDegree & (ringDegree - 1)) == 0,
          "ring degree ", ringDegree, " is not a power of two");
  require(uint64_t(8) * ringDegree <= (uint64_t(1) << bits), "prime size ",
          bits, " bits is too small for ring degree ", ringDegree,
          ": need 2^bits >= 8N");
  center_ = (uint64_t(1) << bits) + 1;
  step_ = 2 * uint64_t(ringDegree);
}

uint64_t NttPrimeGenerator::next() {
  uint64_t low = uint64_t(1) << (bits_ - 1);
  uint64_t high = std::min<uint64_t>(uint64_t(1) << (bits_ + 1), kMaxModulus);
  for (int attempt = 0; attempt < 2; ++attempt) {
    bool below = nextIsBelow_;
    nextIsBelow_ = !nextIsBelow_;
    if (below) {
      for (;;) {
        ++below_;
        if (below_ * step_ >= center_ - low) {
          break;
        }
        uint64_t candidate = center_ - below_ * step_;
        if (isPrime(candidate)) {
          return candidate;
        }
      }
    } else {
      for (;;) {
        if (above_ * step_ >= high - center_) {
          break;
        }
        uint64_t candidate = center_ + above_ * step_;
        ++above_;
        if (isPrime(candidate)) {
          return candidate;
        }
      }
    }
  }
  fail("ran out of ", bits_, "-bit NTT-friendly primes for step ", step_);
}

uint64_t minimalPrimitiveRoot(uint64_t q, uint64_t order) {
  require(order >= 2 && (q - 1) % order == 0, "no primitive ", order,
          "-th root of unity modulo ", q);
  Modulus m(q);
  uint64_t generator = 0;
  for (uint64_t x = 2; x < q; ++x) {
    uint64_t g = powMod(x, (q - 1) / order, m);
    if (powMod(g, order / 2, m) == q - 1) {
      generator = g;
      break;
    }
  }
  require(generator != 0, "no primitive ", order, "-th root of unity modulo ",
          q);
  // The primitive roots are the odd powers of any one of them.
  uint64_t square = mulMod(generator, generator, m);
  uint64_t current = generator;
  uint64_t best = generator;
  for (uint64_t k = 1; k < order; k += 2) {
    if (current < best) {
      best = current;
    }
    current = mulMod(current, square, m);
  }
  return best;
}

} // namespace ckks
} // namespace aegis
