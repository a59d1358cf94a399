//===- Sampling.cpp - Secret, noise and uniform sampling ------------------===//

#include "aegis/Runtime/CKKS/Sampling.h"

#include "aegis/Runtime/Support/Error.h"
#include "aegis/Runtime/Support/ThreadPool.h"

#include <array>
#include <numeric>

namespace aegis {
namespace ckks {

namespace {
// exp(x) for x <= 0 from +, *, / only: halve until tiny, Taylor, square back.
double basicExp(double x) {
  int halvings = 0;
  while (x < -1.0 / 1024) {
    x /= 2;
    ++halvings;
  }
  double term = 1, sum = 1;
  for (int k = 1; k <= 12; ++k) {
    term = term * x / k;
    sum += term;
  }
  for (int i = 0; i < halvings; ++i) {
    sum *= sum;
  }
  return sum;
}

// cdf[k] = 2^63 * P(|e| <= k), k = 0..kNoiseBound-1 (the last is implied).
struct GaussianTable {
  std::array<uint64_t, kNoiseBound> cdf;
  GaussianTable() {
    double weights[kNoiseBound + 1];
    double total = 0;
    double twoSigmaSq = 2 * kNoiseStandardDeviation * kNoiseStandardDeviation;
    for (int k = 0; k <= kNoiseBound; ++k) {
      weights[k] = (k == 0 ? 1.0 : 2.0) * basicExp(-double(k * k) / twoSigmaSq);
      total += weights[k];
    }
    double running = 0;
    for (int k = 0; k < kNoiseBound; ++k) {
      running += weights[k];
      cdf[k] = uint64_t(running / total * 9223372036854775808.0);
    }
  }
};

const GaussianTable &gaussianTable() {
  static const GaussianTable table;
  return table;
}
} // namespace

void sampleUniformTernary(Prng &prng, int8_t *out, size_t n) {
  size_t i = 0;
  while (i < n) {
    uint32_t word = prng.next32();
    for (int b = 0; b < 4 && i < n; ++b) {
      uint32_t byte = (word >> (8 * b)) & 0xff;
      if (byte < 255) { // 255 = 3 * 85: unbiased
        out[i++] = int8_t(int(byte % 3) - 1);
      }
    }
  }
}

void sampleSparseTernary(Prng &prng, int8_t *out, size_t n, unsigned weight) {
  require(weight <= n, "Hamming weight ", weight, " exceeds N = ", n);
  std::vector<uint32_t> positions(n);
  std::iota(positions.begin(), positions.end(), 0u);
  std::fill(out, out + n, int8_t(0));
  for (unsigned i = 0; i < weight; ++i) {
    size_t j = i + size_t(prng.uniformBelow(n - i));
    std::swap(positions[i], positions[j]);
    out[positions[i]] = (prng.next32() & 1) ? int8_t(1) : int8_t(-1);
  }
}

void sampleGaussian(Prng &prng, int8_t *out, size_t n) {
  const auto &cdf = gaussianTable().cdf;
  for (size_t i = 0; i < n; ++i) {
    uint64_t word = prng.next64();
    uint64_t r = word >> 1;
    int magnitude = 0;
    for (int k = 0; k < kNoiseBound; ++k) { // full scan: no early exit
      magnitude += r >= cdf[k] ? 1 : 0;
    }
    out[i] = int8_t((word & 1) ? -magnitude : magnitude);
  }
}

RnsPoly smallToNtt(const Context &context, const int8_t *coefficients,
                   ModuliSpan moduli) {
  const size_t n = context.degree();
  std::vector<uint64_t> host(moduli.size() * n);
  parallelFor(0, moduli.size(), [&](size_t k) {
    const uint64_t q = context.modulus(moduli[k]).value;
    uint64_t *limb = host.data() + k * n;
    for (size_t i = 0; i < n; ++i) {
      int v = coefficients[i];
      limb[i] = v >= 0 ? uint64_t(v) : q - uint64_t(-v);
    }
  });
  Backend &backend = context.backend();
  RnsPoly poly(backend, moduli.size());
  backend.copyFromHost(poly.data(), host.data(), host.size());
  backend.forwardNtt(poly.data(), moduli);
  return poly;
}

RnsPoly uniformNtt(const Context &context, const Seed &seed,
                   uint64_t streamBase, ModuliSpan moduli) {
  const size_t n = context.degree();
  std::vector<uint64_t> host(moduli.size() * n);
  parallelFor(0, moduli.size(), [&](size_t k) {
    const uint64_t q = context.modulus(moduli[k]).value;
    Prng prng(seed, streamBase + moduli[k]);
    uint64_t *limb = host.data() + k * n;
    for (size_t i = 0; i < n; ++i) {
      limb[i] = prng.uniformBelow(q);
    }
  });
  Backend &backend = context.backend();
  RnsPoly poly(backend, moduli.size());
  backend.copyFromHost(poly.data(), host.data(), host.size());
  return poly;
}

} // namespace ckks
} // namespace aegis
