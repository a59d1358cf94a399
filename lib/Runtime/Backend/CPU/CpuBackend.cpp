//===- CpuBackend.cpp - CPU reference backend -----------------------------===//
//
// Every kernel splits its work over limbs with the global thread pool; each
// limb is written by one thread only, so results do not depend on the thread
// count. Memory comes from a size-bucketed pool of 64-byte aligned blocks, so
// steady-state evaluation makes no system allocation.
//
//===----------------------------------------------------------------------===//

#include "aegis/Runtime/Backend/Backend.h"

#include "HostMemoryPool.h"

#include "aegis/Runtime/Math/Ntt.h"
#include "aegis/Runtime/Support/Error.h"
#include "aegis/Runtime/Support/ThreadPool.h"

#include <cstdlib>
#include <cstring>
#include <mutex>
#include <vector>

namespace aegis {
namespace ckks {

Backend::~Backend() = default;

namespace {

/// out[c] = sum_i y[i][c] * factors[i] (+ v[c] * negProduct) mod m; K > 0
/// fixes the source count at compile time (fully unrolled), 0 loops over k.
template <unsigned K>
void sumProducts(uint64_t *out, const uint64_t *y, const uint64_t *factors,
                 const uint64_t *v, uint64_t negProduct, const Modulus &m,
                 size_t n, size_t k) {
  const size_t count = K != 0 ? K : k;
  for (size_t c = 0; c < n; ++c) {
    uint128_t acc = 0;
    for (size_t i = 0; i < count; ++i) {
      acc += uint128_t(y[i * n + c]) * factors[i];
    }
    if (v != nullptr) {
      acc += uint128_t(v[c]) * negProduct;
    }
    out[c] = reduce128(acc, m);
  }
}

/// The key inner product on one limb, D digits fixed at compile time (0:
/// loop over numDigits). Accumulates in registers.
template <unsigned D, bool Permuted>
void innerProductLimb(uint64_t *out0, uint64_t *out1,
                      const uint64_t *const *digits,
                      const uint64_t *const *keyB, const uint64_t *const *keyA,
                      size_t offset, const uint32_t *perm, bool accumulate,
                      const Modulus &m, size_t n, size_t numDigits) {
  if (D == 0) {
    // Any digit count: accumulate digit by digit through memory.
    for (size_t c = 0; c < n; ++c) {
      uint128_t acc0 = accumulate ? out0[c] : 0;
      uint128_t acc1 = accumulate ? out1[c] : 0;
      const size_t src = Permuted ? perm[c] : c;
      for (size_t j = 0; j < numDigits; ++j) {
        uint64_t x = digits[j][offset + src];
        acc0 += uint128_t(x) * keyB[j][offset + c];
        acc1 += uint128_t(x) * keyA[j][offset + c];
      }
      out0[c] = reduce128(acc0, m);
      out1[c] = reduce128(acc1, m);
    }
    return;
  }
  constexpr size_t Count = D == 0 ? 1 : D;
  const uint64_t *__restrict d[Count];
  const uint64_t *__restrict b[Count];
  const uint64_t *__restrict a[Count];
  for (size_t j = 0; j < Count; ++j) {
    d[j] = digits[j] + offset;
    b[j] = keyB[j] + offset;
    a[j] = keyA[j] + offset;
  }
  uint64_t *__restrict o0 = out0;
  uint64_t *__restrict o1 = out1;
  const uint128_t init = 0;
  for (size_t c = 0; c < n; ++c) {
    uint128_t acc0 = accumulate ? uint128_t(o0[c]) : init;
    uint128_t acc1 = accumulate ? uint128_t(o1[c]) : init;
    const size_t src = Permuted ? perm[c] : c;
    for (size_t j = 0; j < Count; ++j) {
      uint64_t x = d[j][src];
      acc0 += uint128_t(x) * b[j][c];
      acc1 += uint128_t(x) * a[j][c];
    }
    o0[c] = reduce128(acc0, m);
    o1[c] = reduce128(acc1, m);
  }
}

template <bool Permuted>
void innerProductDispatch(uint64_t *out0, uint64_t *out1,
                          const uint64_t *const *digits,
                          const uint64_t *const *keyB,
                          const uint64_t *const *keyA, size_t offset,
                          const uint32_t *perm, bool accumulate,
                          const Modulus &m, size_t n, size_t numDigits) {
  switch (numDigits) {
  case 1:
    return innerProductLimb<1, Permuted>(out0, out1, digits, keyB, keyA, offset,
                                         perm, accumulate, m, n, numDigits);
  case 2:
    return innerProductLimb<2, Permuted>(out0, out1, digits, keyB, keyA, offset,
                                         perm, accumulate, m, n, numDigits);
  case 3:
    return innerProductLimb<3, Permuted>(out0, out1, digits, keyB, keyA, offset,
                                         perm, accumulate, m, n, numDigits);
  case 4:
    return innerProductLimb<4, Permuted>(out0, out1, digits, keyB, keyA, offset,
                                         perm, accumulate, m, n, numDigits);
  default:
    return innerProductLimb<0, Permuted>(out0, out1, digits, keyB, keyA, offset,
                                         perm, accumulate, m, n, numDigits);
  }
}

class CpuBackend final : public Backend {
public:
  explicit CpuBackend(const RnsTables &tables) : Backend(tables) {}

  const char *name() const override { return "cpu"; }

  uint64_t *allocate(size_t words) override { return pool_.allocate(words); }
  void deallocate(uint64_t *ptr, size_t words) override {
    pool_.deallocate(ptr, words);
  }
  void copyFromHost(uint64_t *dst, const uint64_t *src, size_t words) override {
    copy(dst, src, words);
  }
  void copyToHost(uint64_t *dst, const uint64_t *src, size_t words) override {
    copy(dst, src, words);
  }
  void copy(uint64_t *dst, const uint64_t *src, size_t words) override {
    if (dst != src && words != 0) {
      std::memmove(dst, src, words * 8);
    }
  }
  void fillZero(uint64_t *dst, size_t words) override {
    if (words != 0) {
      std::memset(dst, 0, words * 8);
    }
  }

  void forwardNtt(uint64_t *data, ModuliSpan moduli) override {
    size_t n = degree();
    parallelFor(0, moduli.size(), [&](size_t k) {
      ckks::forwardNtt(data + k * n, tables().ntt[moduli[k]]);
    });
  }

  void inverseNtt(uint64_t *data, ModuliSpan moduli) override {
    size_t n = degree();
    parallelFor(0, moduli.size(), [&](size_t k) {
      ckks::inverseNtt(data + k * n, tables().ntt[moduli[k]]);
    });
  }

  template <typename Op>
  void elementwise(ModuliSpan moduli, Op op) {
    size_t n = degree();
    parallelFor(0, moduli.size(), [&](size_t k) {
      op(k * n, n, tables().moduli[moduli[k]], k);
    });
  }

  void add(uint64_t *out, const uint64_t *a, const uint64_t *b,
           ModuliSpan moduli) override {
    elementwise(moduli, [&](size_t off, size_t n, const Modulus &m, size_t) {
      const uint64_t q = m.value;
      for (size_t i = off; i < off + n; ++i) {
        out[i] = addMod(a[i], b[i], q);
      }
    });
  }

  void sub(uint64_t *out, const uint64_t *a, const uint64_t *b,
           ModuliSpan moduli) override {
    elementwise(moduli, [&](size_t off, size_t n, const Modulus &m, size_t) {
      const uint64_t q = m.value;
      for (size_t i = off; i < off + n; ++i) {
        out[i] = subMod(a[i], b[i], q);
      }
    });
  }

  void negate(uint64_t *out, const uint64_t *a, ModuliSpan moduli) override {
    elementwise(moduli, [&](size_t off, size_t n, const Modulus &m, size_t) {
      const uint64_t q = m.value;
      for (size_t i = off; i < off + n; ++i) {
        out[i] = negateMod(a[i], q);
      }
    });
  }

  void multiply(uint64_t *out, const uint64_t *a, const uint64_t *b,
                ModuliSpan moduli) override {
    elementwise(moduli, [&](size_t off, size_t n, const Modulus &m, size_t) {
      for (size_t i = off; i < off + n; ++i) {
        out[i] = mulMod(a[i], b[i], m);
      }
    });
  }

  void multiplyAccumulate(uint64_t *out, const uint64_t *a, const uint64_t *b,
                          ModuliSpan moduli) override {
    elementwise(moduli, [&](size_t off, size_t n, const Modulus &m, size_t) {
      for (size_t i = off; i < off + n; ++i) {
        out[i] = reduce128(uint128_t(a[i]) * b[i] + out[i], m);
      }
    });
  }

  void multiplyScalar(uint64_t *out, const uint64_t *a, const uint64_t *scalars,
                      ModuliSpan moduli) override {
    elementwise(moduli, [&](size_t off, size_t n, const Modulus &m, size_t k) {
      const uint64_t q = m.value;
      const uint64_t w = scalars[k];
      const uint64_t ws = shoupPrecompute(w, q);
      for (size_t i = off; i < off + n; ++i) {
        out[i] = mulShoup(a[i], w, ws, q);
      }
    });
  }

  void addScalar(uint64_t *out, const uint64_t *a, const uint64_t *scalars,
                 ModuliSpan moduli) override {
    elementwise(moduli, [&](size_t off, size_t n, const Modulus &m, size_t k) {
      const uint64_t q = m.value;
      const uint64_t s = scalars[k];
      for (size_t i = off; i < off + n; ++i) {
        out[i] = addMod(a[i], s, q);
      }
    });
  }

  void subtractAndScale(uint64_t *out, const uint64_t *a, const uint64_t *b,
                        const uint64_t *scalars, ModuliSpan moduli) override {
    elementwise(moduli, [&](size_t off, size_t n, const Modulus &m, size_t k) {
      const uint64_t q = m.value;
      const uint64_t w = scalars[k];
      const uint64_t ws = shoupPrecompute(w, q);
      for (size_t i = off; i < off + n; ++i) {
        out[i] = mulShoup(a[i] + q - b[i], w, ws, q);
      }
    });
  }

  void switchModulus(uint64_t *out, ModuliSpan outModuli, const uint64_t *in,
                     uint32_t inModulus, uint64_t preAdd,
                     const uint64_t *postSub) override {
    const uint64_t qIn = tables().moduli[inModulus].value;
    elementwise(outModuli,
                [&](size_t off, size_t n, const Modulus &m, size_t k) {
                  const uint64_t q = m.value;
                  const uint64_t s = postSub[k];
                  uint64_t *o = out + off;
                  for (size_t i = 0; i < n; ++i) {
                    uint64_t v = reduce64(addMod(in[i], preAdd, qIn), m);
                    o[i] = subMod(v, s, q);
                  }
                });
  }

  void baseConvert(uint64_t *out, ModuliSpan outModuli, const uint64_t *in,
                   const BaseConverter &converter, bool centered) override {
    const size_t n = degree();
    const size_t k = converter.sourceSize();
    // Step 1: y_i = x_i * (S/s_i)^-1 mod s_i, per source limb.
    uint64_t *scaled = pool_.allocate((k + 1) * n);
    uint64_t *rounding = scaled + k * n; // v = round(sum_i y_i / s_i)
    const auto &source = converter.sourceIndices();
    parallelFor(0, k, [&](size_t i) {
      const uint64_t q = tables().moduli[source[i]].value;
      const uint64_t w = converter.puncturedInverses()[i];
      const uint64_t ws = converter.puncturedInversesShoup()[i];
      const uint64_t *x = in + i * n;
      uint64_t *y = scaled + i * n;
      for (size_t c = 0; c < n; ++c) {
        y[c] = mulShoup(x[c], w, ws, q);
      }
    });
    if (centered) {
      // y_i / s_i in 64.64 fixed point: y * floor(2^128 / s_i) / 2^64.
      constexpr size_t kChunk = 1024;
      parallelFor(0, (n + kChunk - 1) / kChunk, [&](size_t chunk) {
        size_t begin = chunk * kChunk, end = std::min(n, begin + kChunk);
        for (size_t c = begin; c < end; ++c) {
          uint128_t sum = uint128_t(1) << 63; // + 1/2: round to nearest
          for (size_t i = 0; i < k; ++i) {
            const Modulus &m = tables().moduli[source[i]];
            uint64_t y = scaled[i * n + c];
            sum += y * m.ratioHi + mulHi(y, m.ratioLo);
          }
          rounding[c] = uint64_t(sum >> 64);
        }
      });
    }
    // Step 2: out_t = sum_i y_i * (S/s_i) (- v * S) mod t, accumulated in a
    // 128-bit register per coefficient and reduced once.
    parallelFor(0, outModuli.size(), [&](size_t t) {
      const Modulus &m = tables().moduli[outModuli[t]];
      const uint64_t *factors = converter.puncturedProducts(outModuli[t]);
      const uint64_t negProduct =
          negateMod(converter.productModTarget(outModuli[t]), m.value);
      uint64_t *o = out + t * n;
      const uint64_t *v = centered ? rounding : nullptr;
      switch (k) {
      case 1:
        sumProducts<1>(o, scaled, factors, v, negProduct, m, n, k);
        break;
      case 2:
        sumProducts<2>(o, scaled, factors, v, negProduct, m, n, k);
        break;
      case 3:
        sumProducts<3>(o, scaled, factors, v, negProduct, m, n, k);
        break;
      case 4:
        sumProducts<4>(o, scaled, factors, v, negProduct, m, n, k);
        break;
      default:
        sumProducts<0>(o, scaled, factors, v, negProduct, m, n, k);
      }
    });
    pool_.deallocate(scaled, (k + 1) * n);
  }

  void permute(uint64_t *out, const uint64_t *in, const uint32_t *permutation,
               size_t numLimbs) override {
    const size_t n = degree();
    parallelFor(0, numLimbs, [&](size_t k) {
      const uint64_t *src = in + k * n;
      uint64_t *dst = out + k * n;
      for (size_t i = 0; i < n; ++i) {
        dst[i] = src[permutation[i]];
      }
    });
  }

  void keyInnerProduct(uint64_t *out0, uint64_t *out1,
                       Span<const uint64_t *const> digits,
                       Span<const uint64_t *const> keyB,
                       Span<const uint64_t *const> keyA, ModuliSpan moduli,
                       const uint32_t *permutation, bool accumulate) override {
    const size_t n = degree();
    const size_t numDigits = digits.size();
    require(numDigits >= 1 && numDigits <= 63 && keyB.size() == numDigits &&
                keyA.size() == numDigits,
            "key inner product over ", numDigits,
            " digits with ", keyB.size(), " key parts: expected 1 to 63");
    parallelFor(0, moduli.size(), [&](size_t k) {
      const Modulus &m = tables().moduli[moduli[k]];
      const size_t off = k * n;
      if (permutation != nullptr) {
        innerProductDispatch<true>(out0 + off, out1 + off, digits.data(),
                                   keyB.data(), keyA.data(), off, permutation,
                                   accumulate, m, n, numDigits);
      } else {
        innerProductDispatch<false>(out0 + off, out1 + off, digits.data(),
                                    keyB.data(), keyA.data(), off, nullptr,
                                    accumulate, m, n, numDigits);
      }
    });
  }

private:
  HostMemoryPool pool_;
};

} // namespace

std::unique_ptr<Backend> createCpuBackend(const RnsTables &tables) {
  return std::make_unique<CpuBackend>(tables);
}

} // namespace ckks
} // namespace aegis
