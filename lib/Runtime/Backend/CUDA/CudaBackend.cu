//===- CudaBackend.cu - CUDA backend of the CKKS runtime ------------------===//
//
// Every kernel computes the same canonical residues as the CPU backend
// (lib/Runtime/Backend/CPU/CpuBackend.cpp) with the same exact arithmetic:
// Barrett reduction of 128-bit values with floor(2^128/q), Shoup products,
// and the same negacyclic NTT (output index i holds a(psi^(2 brv(i) + 1))).
// Since every output is a canonical residue of an exactly defined value,
// the bits agree whatever the thread layout.
//
// Per-call lists (moduli of each limb, per-limb scalars, digit pointers) are
// passed by value in kernel parameters, so calls allocate nothing; device
// memory comes from a size-bucketed pool; NTT tables are uploaded once.
//
//===----------------------------------------------------------------------===//

#include "aegis/Runtime/Backend/CudaBackend.h"
#include "aegis/Runtime/Math/Ntt.h"
#include "aegis/Runtime/Support/Error.h"

#include <cuda_runtime.h>

#include <cstring>
#include <mutex>
#include <unordered_map>
#include <vector>

namespace aegis {
namespace ckks {
namespace {

using u128 = unsigned __int128;

void check(cudaError_t err, const char *what) {
  if (err != cudaSuccess)
    fail("CUDA error in ", what, ": ", cudaGetErrorString(err));
}

/// Most limbs one call may touch (chain plus special primes).
constexpr unsigned kMaxLimbs = 192;
constexpr unsigned kMaxDigits = 64;
constexpr unsigned kThreads = 256;

struct LimbModuli {
  uint32_t count;
  uint16_t index[kMaxLimbs];
};

struct LimbScalars {
  uint64_t value[kMaxLimbs];
};

struct DigitPointers {
  const uint64_t *digit[kMaxDigits];
  const uint64_t *keyB[kMaxDigits];
  const uint64_t *keyA[kMaxDigits];
  uint32_t count;
};

/// Per-modulus constants in device memory.
struct DeviceModulus {
  uint64_t q, ratioHi, ratioLo;
  uint64_t invDegree, invDegreeShoup, invLastRoot, invLastRootShoup;
};

__device__ __forceinline__ uint64_t reduce128(u128 x, const DeviceModulus &m) {
  uint64_t x0 = uint64_t(x), x1 = uint64_t(x >> 64);
  uint64_t carry = __umul64hi(x0, m.ratioLo);
  u128 mid1 = u128(x0) * m.ratioHi;
  u128 mid2 = u128(x1) * m.ratioLo;
  u128 low = u128(uint64_t(mid1)) + uint64_t(mid2) + carry;
  uint64_t quotient = x1 * m.ratioHi + uint64_t(mid1 >> 64) +
                      uint64_t(mid2 >> 64) + uint64_t(low >> 64);
  uint64_t r = x0 - quotient * m.q;
  return r >= m.q ? r - m.q : r;
}

__device__ __forceinline__ uint64_t reduce64(uint64_t x,
                                             const DeviceModulus &m) {
  uint64_t r = x - __umul64hi(x, m.ratioHi) * m.q;
  r = r >= 2 * m.q ? r - 2 * m.q : r;
  return r >= m.q ? r - m.q : r;
}

__device__ __forceinline__ uint64_t mulShoupLazy(uint64_t a, uint64_t w,
                                                 uint64_t ws, uint64_t q) {
  return a * w - __umul64hi(a, ws) * q;
}

__device__ __forceinline__ uint64_t mulShoup(uint64_t a, uint64_t w,
                                             uint64_t ws, uint64_t q) {
  uint64_t r = mulShoupLazy(a, w, ws, q);
  return r >= q ? r - q : r;
}

__device__ __forceinline__ uint64_t addMod(uint64_t a, uint64_t b, uint64_t q) {
  uint64_t s = a + b;
  return s >= q ? s - q : s;
}

__device__ __forceinline__ uint64_t subMod(uint64_t a, uint64_t b, uint64_t q) {
  return a >= b ? a - b : a + q - b;
}

/// floor(w * 2^64 / q), computed on the host for per-call scalars.
uint64_t shoupOf(uint64_t w, uint64_t q) {
  return uint64_t((u128(w) << 64) / q);
}

//===----------------------------------------------------------------------===//
// Kernels: blockIdx.y is the limb, x-threads cover coefficients.
//===----------------------------------------------------------------------===//

enum class Op { Add, Sub, Negate, Mul, MulAcc, MulScalar, AddScalar, SubScale };

template <Op op>
__global__ void elementwiseKernel(uint64_t *out, const uint64_t *a,
                                  const uint64_t *b, const DeviceModulus *mods,
                                  LimbModuli limbs, LimbScalars scalars,
                                  LimbScalars shoups, uint32_t n) {
  uint32_t k = blockIdx.y;
  uint32_t i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i >= n)
    return;
  const DeviceModulus m = mods[limbs.index[k]];
  size_t at = size_t(k) * n + i;
  uint64_t x = a[at];
  uint64_t r;
  if constexpr (op == Op::Add)
    r = addMod(x, b[at], m.q);
  else if constexpr (op == Op::Sub)
    r = subMod(x, b[at], m.q);
  else if constexpr (op == Op::Negate)
    r = x == 0 ? 0 : m.q - x;
  else if constexpr (op == Op::Mul)
    r = reduce128(u128(x) * b[at], m);
  else if constexpr (op == Op::MulAcc)
    r = reduce128(u128(x) * b[at] + out[at], m);
  else if constexpr (op == Op::MulScalar)
    r = mulShoup(x, scalars.value[k], shoups.value[k], m.q);
  else if constexpr (op == Op::AddScalar)
    r = addMod(x, scalars.value[k], m.q);
  else
    r = mulShoup(x + m.q - b[at], scalars.value[k], shoups.value[k], m.q);
  out[at] = r;
}

/// One forward Cooley-Tukey stage with `m` groups (lazy values in [0, 4q)).
__global__ void forwardStageKernel(uint64_t *data, const DeviceModulus *mods,
                                   const uint64_t *roots,
                                   const uint64_t *rootsShoup,
                                   LimbModuli limbs, uint32_t n, uint32_t m,
                                   uint32_t logGap) {
  uint32_t k = blockIdx.y;
  uint32_t t = blockIdx.x * blockDim.x + threadIdx.x;
  if (t >= n / 2)
    return;
  uint32_t mod = limbs.index[k];
  uint64_t q = mods[mod].q, twoQ = 2 * q;
  uint32_t gap = 1u << logGap;
  uint32_t i = t >> logGap, j = t & (gap - 1);
  uint64_t w = roots[size_t(mod) * n + m + i];
  uint64_t ws = rootsShoup[size_t(mod) * n + m + i];
  uint64_t *x = data + size_t(k) * n + 2 * size_t(i) * gap + j;
  uint64_t *y = x + gap;
  uint64_t u = *x;
  u = u >= twoQ ? u - twoQ : u;
  uint64_t v = mulShoupLazy(*y, w, ws, q);
  *x = u + v;
  *y = u - v + twoQ;
}

__global__ void forwardFinishKernel(uint64_t *data, const DeviceModulus *mods,
                                    LimbModuli limbs, uint32_t n) {
  uint32_t k = blockIdx.y;
  uint32_t i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i >= n)
    return;
  uint64_t q = mods[limbs.index[k]].q, twoQ = 2 * q;
  uint64_t *p = data + size_t(k) * n + i;
  uint64_t u = *p;
  u = u >= twoQ ? u - twoQ : u;
  *p = u >= q ? u - q : u;
}

/// One inverse Gentleman-Sande stage with `m` groups (values in [0, 2q)).
__global__ void inverseStageKernel(uint64_t *data, const DeviceModulus *mods,
                                   const uint64_t *roots,
                                   const uint64_t *rootsShoup,
                                   LimbModuli limbs, uint32_t n, uint32_t m,
                                   uint32_t logGap) {
  uint32_t k = blockIdx.y;
  uint32_t t = blockIdx.x * blockDim.x + threadIdx.x;
  if (t >= n / 2)
    return;
  uint32_t mod = limbs.index[k];
  uint64_t q = mods[mod].q, twoQ = 2 * q;
  uint32_t gap = 1u << logGap;
  uint32_t i = t >> logGap, j = t & (gap - 1);
  uint64_t w = roots[size_t(mod) * n + m + i];
  uint64_t ws = rootsShoup[size_t(mod) * n + m + i];
  uint64_t *x = data + size_t(k) * n + 2 * size_t(i) * gap + j;
  uint64_t *y = x + gap;
  uint64_t u = *x, v = *y;
  uint64_t s = u + v;
  *x = s >= twoQ ? s - twoQ : s;
  *y = mulShoupLazy(u - v + twoQ, w, ws, q);
}

/// The last inverse stage with N^-1 merged in; canonical output.
__global__ void inverseLastKernel(uint64_t *data, const DeviceModulus *mods,
                                  LimbModuli limbs, uint32_t n) {
  uint32_t k = blockIdx.y;
  uint32_t j = blockIdx.x * blockDim.x + threadIdx.x;
  uint32_t gap = n / 2;
  if (j >= gap)
    return;
  const DeviceModulus m = mods[limbs.index[k]];
  uint64_t *x = data + size_t(k) * n + j;
  uint64_t *y = x + gap;
  uint64_t u = *x, v = *y;
  *x = mulShoup(u + v, m.invDegree, m.invDegreeShoup, m.q);
  *y = mulShoup(u - v + 2 * m.q, m.invLastRoot, m.invLastRootShoup, m.q);
}

__global__ void switchModulusKernel(uint64_t *out, const DeviceModulus *mods,
                                    LimbModuli limbs, const uint64_t *in,
                                    uint64_t qIn, uint64_t preAdd,
                                    LimbScalars postSub, uint32_t n) {
  uint32_t k = blockIdx.y;
  uint32_t i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i >= n)
    return;
  const DeviceModulus m = mods[limbs.index[k]];
  uint64_t v = reduce64(addMod(in[i], preAdd, qIn), m);
  out[size_t(k) * n + i] = subMod(v, postSub.value[k], m.q);
}

/// Step 1 of fast base conversion: y_i = x_i * (S/s_i)^-1 mod s_i.
__global__ void baseScaleKernel(uint64_t *scaled, const uint64_t *in,
                                const DeviceModulus *mods, LimbModuli source,
                                LimbScalars inverses, LimbScalars shoups,
                                uint32_t n) {
  uint32_t k = blockIdx.y;
  uint32_t i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i >= n)
    return;
  uint64_t q = mods[source.index[k]].q;
  size_t at = size_t(k) * n + i;
  scaled[at] = mulShoup(in[at], inverses.value[k], shoups.value[k], q);
}

/// Centered variant: v = round(sum_i y_i / s_i), the fractions in 64.64
/// fixed point from the Barrett constants (same integer steps as the CPU).
__global__ void baseRoundKernel(uint64_t *rounding, const uint64_t *scaled,
                                const DeviceModulus *mods, LimbModuli source,
                                uint32_t n) {
  uint32_t c = blockIdx.x * blockDim.x + threadIdx.x;
  if (c >= n)
    return;
  u128 sum = u128(1) << 63;
  for (uint32_t i = 0; i < source.count; ++i) {
    const DeviceModulus &m = mods[source.index[i]];
    uint64_t y = scaled[size_t(i) * n + c];
    sum += y * m.ratioHi + __umul64hi(y, m.ratioLo);
  }
  rounding[c] = uint64_t(sum >> 64);
}

/// Step 2: out_t = sum_i y_i * [S/s_i]_t (- v * [S]_t when `rounding` is
/// set), exact in 128 bits, reduced once. `factors` holds [target][source]
/// products for the targets of this call.
__global__ void baseSumKernel(uint64_t *out, const uint64_t *scaled,
                              const DeviceModulus *mods, LimbModuli targets,
                              const uint64_t *factors, uint32_t sourceSize,
                              const uint64_t *rounding, LimbScalars negProducts,
                              uint32_t n) {
  uint32_t t = blockIdx.y;
  uint32_t c = blockIdx.x * blockDim.x + threadIdx.x;
  if (c >= n)
    return;
  const uint64_t *f = factors + size_t(t) * sourceSize;
  u128 acc = 0;
  for (uint32_t i = 0; i < sourceSize; ++i)
    acc += u128(scaled[size_t(i) * n + c]) * f[i];
  if (rounding != nullptr)
    acc += u128(rounding[c]) * negProducts.value[t];
  out[size_t(t) * n + c] = reduce128(acc, mods[targets.index[t]]);
}

__global__ void permuteKernel(uint64_t *out, const uint64_t *in,
                              const uint32_t *perm, uint32_t n) {
  uint32_t k = blockIdx.y;
  uint32_t i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i >= n)
    return;
  out[size_t(k) * n + i] = in[size_t(k) * n + perm[i]];
}

__global__ void keyInnerProductKernel(uint64_t *out0, uint64_t *out1,
                                      DigitPointers ptrs,
                                      const DeviceModulus *mods,
                                      LimbModuli limbs, const uint32_t *perm,
                                      bool accumulate, uint32_t n) {
  uint32_t k = blockIdx.y;
  uint32_t c = blockIdx.x * blockDim.x + threadIdx.x;
  if (c >= n)
    return;
  size_t off = size_t(k) * n;
  uint32_t src = perm ? perm[c] : c;
  u128 acc0 = 0, acc1 = 0;
  for (uint32_t j = 0; j < ptrs.count; ++j) {
    uint64_t x = ptrs.digit[j][off + src];
    acc0 += u128(x) * ptrs.keyB[j][off + c];
    acc1 += u128(x) * ptrs.keyA[j][off + c];
  }
  const DeviceModulus m = mods[limbs.index[k]];
  if (accumulate) {
    acc0 += out0[off + c];
    acc1 += out1[off + c];
  }
  out0[off + c] = reduce128(acc0, m);
  out1[off + c] = reduce128(acc1, m);
}

//===----------------------------------------------------------------------===//
// Device memory pool
//===----------------------------------------------------------------------===//

class DevicePool {
public:
  ~DevicePool() {
    for (auto &entry : free_)
      for (uint64_t *p : entry.second)
        cudaFree(p);
  }
  uint64_t *allocate(size_t words) {
    if (words == 0)
      return nullptr;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      auto it = free_.find(words);
      if (it != free_.end() && !it->second.empty()) {
        uint64_t *p = it->second.back();
        it->second.pop_back();
        return p;
      }
    }
    void *p = nullptr;
    check(cudaMalloc(&p, words * 8), "cudaMalloc");
    return static_cast<uint64_t *>(p);
  }
  void deallocate(uint64_t *p, size_t words) {
    if (p == nullptr)
      return;
    std::lock_guard<std::mutex> lock(mutex_);
    free_[words].push_back(p);
  }

private:
  std::mutex mutex_;
  std::unordered_map<size_t, std::vector<uint64_t *>> free_;
};

//===----------------------------------------------------------------------===//
// The backend
//===----------------------------------------------------------------------===//

class CudaBackend final : public Backend {
public:
  explicit CudaBackend(const RnsTables &tables) : Backend(tables) {
    size_t n = tables.degree, numModuli = tables.moduli.size();
    require(numModuli <= 65535, "too many moduli for the CUDA backend");
    std::vector<DeviceModulus> mods(numModuli);
    std::vector<uint64_t> roots(numModuli * n), rootsShoup(numModuli * n),
        invRoots(numModuli * n), invRootsShoup(numModuli * n);
    for (size_t i = 0; i < numModuli; ++i) {
      const Modulus &m = tables.moduli[i];
      const NttTables &t = tables.ntt[i];
      mods[i] = {m.value,         m.ratioHi,           m.ratioLo,
                 t.invDegree(),   t.invDegreeShoup(),  t.invLastRoot(),
                 t.invLastRootShoup()};
      std::memcpy(&roots[i * n], t.rootPowers(), n * 8);
      std::memcpy(&rootsShoup[i * n], t.rootPowersShoup(), n * 8);
      std::memcpy(&invRoots[i * n], t.invRootPowers(), n * 8);
      std::memcpy(&invRootsShoup[i * n], t.invRootPowersShoup(), n * 8);
    }
    mods_ = upload(mods.data(), mods.size() * sizeof(DeviceModulus));
    roots_ = uploadWords(roots);
    rootsShoup_ = uploadWords(rootsShoup);
    invRoots_ = uploadWords(invRoots);
    invRootsShoup_ = uploadWords(invRootsShoup);
  }

  ~CudaBackend() override {
    cudaFree(mods_);
    for (uint64_t *p : {roots_, rootsShoup_, invRoots_, invRootsShoup_})
      cudaFree(p);
    for (auto &entry : permutations_)
      cudaFree(entry.second.device);
    for (auto &entry : converters_)
      cudaFree(entry.second);
  }

  const char *name() const override { return "cuda"; }

  uint64_t *allocate(size_t words) override { return pool_.allocate(words); }
  void deallocate(uint64_t *ptr, size_t words) override {
    pool_.deallocate(ptr, words);
  }
  void copyFromHost(uint64_t *dst, const uint64_t *src, size_t words) override {
    if (words)
      check(cudaMemcpy(dst, src, words * 8, cudaMemcpyHostToDevice),
            "copy to device");
  }
  void copyToHost(uint64_t *dst, const uint64_t *src, size_t words) override {
    if (words)
      check(cudaMemcpy(dst, src, words * 8, cudaMemcpyDeviceToHost),
            "copy to host");
  }
  void copy(uint64_t *dst, const uint64_t *src, size_t words) override {
    if (words && dst != src)
      check(cudaMemcpy(dst, src, words * 8, cudaMemcpyDeviceToDevice),
            "device copy");
  }
  void fillZero(uint64_t *dst, size_t words) override {
    if (words)
      check(cudaMemset(dst, 0, words * 8), "cudaMemset");
  }

  void forwardNtt(uint64_t *data, ModuliSpan moduli) override {
    if (moduli.size() == 0)
      return;
    LimbModuli limbs = limbList(moduli);
    uint32_t n = degree(), logN = tables().logDegree;
    dim3 half(blocks(n / 2), moduli.size());
    for (uint32_t m = 1, logGap = logN - 1; m < n; m <<= 1, --logGap)
      forwardStageKernel<<<half, kThreads>>>(data, mods(), roots_, rootsShoup_,
                                             limbs, n, m, logGap);
    forwardFinishKernel<<<dim3(blocks(n), moduli.size()), kThreads>>>(
        data, mods(), limbs, n);
    launched("forward NTT");
  }

  void inverseNtt(uint64_t *data, ModuliSpan moduli) override {
    if (moduli.size() == 0)
      return;
    LimbModuli limbs = limbList(moduli);
    uint32_t n = degree();
    dim3 half(blocks(n / 2), moduli.size());
    uint32_t logGap = 0;
    for (uint32_t m = n >> 1; m > 1; m >>= 1, ++logGap)
      inverseStageKernel<<<half, kThreads>>>(data, mods(), invRoots_,
                                             invRootsShoup_, limbs, n, m,
                                             logGap);
    inverseLastKernel<<<half, kThreads>>>(data, mods(), limbs, n);
    launched("inverse NTT");
  }

  void add(uint64_t *out, const uint64_t *a, const uint64_t *b,
           ModuliSpan moduli) override {
    elementwise<Op::Add>(out, a, b, moduli, nullptr);
  }
  void sub(uint64_t *out, const uint64_t *a, const uint64_t *b,
           ModuliSpan moduli) override {
    elementwise<Op::Sub>(out, a, b, moduli, nullptr);
  }
  void negate(uint64_t *out, const uint64_t *a, ModuliSpan moduli) override {
    elementwise<Op::Negate>(out, a, a, moduli, nullptr);
  }
  void multiply(uint64_t *out, const uint64_t *a, const uint64_t *b,
                ModuliSpan moduli) override {
    elementwise<Op::Mul>(out, a, b, moduli, nullptr);
  }
  void multiplyAccumulate(uint64_t *out, const uint64_t *a, const uint64_t *b,
                          ModuliSpan moduli) override {
    elementwise<Op::MulAcc>(out, a, b, moduli, nullptr);
  }
  void multiplyScalar(uint64_t *out, const uint64_t *a, const uint64_t *scalars,
                      ModuliSpan moduli) override {
    elementwise<Op::MulScalar>(out, a, a, moduli, scalars);
  }
  void addScalar(uint64_t *out, const uint64_t *a, const uint64_t *scalars,
                 ModuliSpan moduli) override {
    elementwise<Op::AddScalar>(out, a, a, moduli, scalars);
  }
  void subtractAndScale(uint64_t *out, const uint64_t *a, const uint64_t *b,
                        const uint64_t *scalars, ModuliSpan moduli) override {
    elementwise<Op::SubScale>(out, a, b, moduli, scalars);
  }

  void switchModulus(uint64_t *out, ModuliSpan outModuli, const uint64_t *in,
                     uint32_t inModulus, uint64_t preAdd,
                     const uint64_t *postSub) override {
    if (outModuli.size() == 0)
      return;
    LimbScalars sub;
    for (size_t k = 0; k < outModuli.size(); ++k)
      sub.value[k] = postSub[k];
    uint32_t n = degree();
    switchModulusKernel<<<dim3(blocks(n), outModuli.size()), kThreads>>>(
        out, mods(), limbList(outModuli), in,
        tables().moduli[inModulus].value, preAdd, sub, n);
    launched("switch modulus");
  }

  void baseConvert(uint64_t *out, ModuliSpan outModuli, const uint64_t *in,
                   const BaseConverter &converter, bool centered) override {
    size_t k = converter.sourceSize();
    if (outModuli.size() == 0 || k == 0)
      return;
    require(k <= BaseConverter::kMaxSourceSize && k <= kMaxLimbs,
            "base conversion from ", k, " limbs exceeds the CUDA backend");
    uint32_t n = degree();
    LimbModuli source;
    source.count = k;
    LimbScalars inverses, shoups;
    for (size_t i = 0; i < k; ++i) {
      source.index[i] = converter.sourceIndices()[i];
      inverses.value[i] = converter.puncturedInverses()[i];
      shoups.value[i] = converter.puncturedInversesShoup()[i];
    }
    uint64_t *scaled = pool_.allocate((k + 1) * n);
    uint64_t *rounding = centered ? scaled + k * n : nullptr;
    baseScaleKernel<<<dim3(blocks(n), k), kThreads>>>(
        scaled, in, mods(), source, inverses, shoups, n);
    if (centered)
      baseRoundKernel<<<blocks(n), kThreads>>>(rounding, scaled, mods(),
                                               source, n);
    const uint64_t *factors = converterFactors(converter);
    // Factors are stored for every modulus of the context; gather the rows
    // of this call's targets by launching one kernel per contiguous run.
    LimbModuli targets = limbList(outModuli);
    for (size_t t = 0; t < outModuli.size();) {
      size_t run = 1;
      while (t + run < outModuli.size() &&
             outModuli[t + run] == outModuli[t] + run)
        ++run;
      LimbModuli sub;
      sub.count = run;
      LimbScalars negProducts;
      for (size_t r = 0; r < run; ++r) {
        sub.index[r] = targets.index[t + r];
        const uint64_t q = tables().moduli[outModuli[t + r]].value;
        uint64_t product = converter.productModTarget(outModuli[t + r]);
        negProducts.value[r] = product == 0 ? 0 : q - product;
      }
      baseSumKernel<<<dim3(blocks(n), run), kThreads>>>(
          out + t * n, scaled, mods(), sub, factors + size_t(outModuli[t]) * k,
          k, rounding, negProducts, n);
      t += run;
    }
    launched("base conversion");
    pool_.deallocate(scaled, (k + 1) * n);
  }

  void permute(uint64_t *out, const uint64_t *in, const uint32_t *permutation,
               size_t numLimbs) override {
    if (numLimbs == 0)
      return;
    uint32_t n = degree();
    permuteKernel<<<dim3(blocks(n), numLimbs), kThreads>>>(
        out, in, devicePermutation(permutation), n);
    launched("permute");
  }

  void keyInnerProduct(uint64_t *out0, uint64_t *out1,
                       Span<const uint64_t *const> digits,
                       Span<const uint64_t *const> keyB,
                       Span<const uint64_t *const> keyA, ModuliSpan moduli,
                       const uint32_t *permutation, bool accumulate) override {
    size_t numDigits = digits.size();
    require(numDigits >= 1 && numDigits <= kMaxDigits &&
                keyB.size() == numDigits && keyA.size() == numDigits,
            "key inner product over ", numDigits, " digits with ",
            keyB.size(), " key parts: expected 1 to 64");
    if (moduli.size() == 0)
      return;
    DigitPointers ptrs;
    ptrs.count = numDigits;
    for (size_t j = 0; j < numDigits; ++j) {
      ptrs.digit[j] = digits[j];
      ptrs.keyB[j] = keyB[j];
      ptrs.keyA[j] = keyA[j];
    }
    uint32_t n = degree();
    const uint32_t *perm =
        permutation ? devicePermutation(permutation) : nullptr;
    keyInnerProductKernel<<<dim3(blocks(n), moduli.size()), kThreads>>>(
        out0, out1, ptrs, mods(), limbList(moduli), perm, accumulate, n);
    launched("key inner product");
  }

private:
  template <Op op>
  void elementwise(uint64_t *out, const uint64_t *a, const uint64_t *b,
                   ModuliSpan moduli, const uint64_t *scalars) {
    if (moduli.size() == 0)
      return;
    LimbModuli limbs = limbList(moduli);
    LimbScalars values{}, shoups{};
    if (scalars)
      for (size_t k = 0; k < moduli.size(); ++k) {
        uint64_t q = tables().moduli[moduli[k]].value;
        values.value[k] = scalars[k];
        shoups.value[k] = shoupOf(scalars[k], q);
      }
    uint32_t n = degree();
    elementwiseKernel<op><<<dim3(blocks(n), moduli.size()), kThreads>>>(
        out, a, b, mods(), limbs, values, shoups, n);
    launched("element-wise kernel");
  }

  static uint32_t blocks(uint32_t work) {
    return (work + kThreads - 1) / kThreads;
  }

  LimbModuli limbList(ModuliSpan moduli) const {
    require(moduli.size() <= kMaxLimbs, "a CUDA kernel over ", moduli.size(),
            " limbs exceeds the limit of ", kMaxLimbs);
    LimbModuli l;
    l.count = moduli.size();
    for (size_t k = 0; k < moduli.size(); ++k)
      l.index[k] = uint16_t(moduli[k]);
    return l;
  }

  /// Synchronous error check after launches: the evaluator reads results
  /// right after most calls, and errors must surface at their cause.
  void launched(const char *what) {
    check(cudaGetLastError(), what);
    check(cudaDeviceSynchronize(), what);
  }

  const DeviceModulus *mods() const {
    return static_cast<const DeviceModulus *>(mods_);
  }

  static uint64_t *uploadWords(const std::vector<uint64_t> &host) {
    return static_cast<uint64_t *>(upload(host.data(), host.size() * 8));
  }

  static void *upload(const void *host, size_t bytes) {
    void *p = nullptr;
    check(cudaMalloc(&p, bytes), "cudaMalloc (tables)");
    check(cudaMemcpy(p, host, bytes, cudaMemcpyHostToDevice), "table upload");
    return p;
  }

  /// Device copies of Galois permutations, keyed by host pointer and checked
  /// against the host contents (so a reused host buffer is re-uploaded).
  const uint32_t *devicePermutation(const uint32_t *host) {
    std::lock_guard<std::mutex> lock(cacheMutex_);
    size_t n = degree();
    auto it = permutations_.find(host);
    if (it != permutations_.end() &&
        std::memcmp(it->second.host.data(), host, n * 4) == 0)
      return it->second.device;
    if (it == permutations_.end())
      it = permutations_.emplace(host, CachedPermutation{}).first;
    if (!it->second.device)
      it->second.device = static_cast<uint32_t *>(upload(host, n * 4));
    else
      check(cudaMemcpy(it->second.device, host, n * 4,
                       cudaMemcpyHostToDevice),
            "permutation upload");
    it->second.host.assign(host, host + n);
    return it->second.device;
  }

  /// [S/s_i]_m for every modulus m of the context, [m][i], uploaded once per
  /// converter.
  const uint64_t *converterFactors(const BaseConverter &converter) {
    std::lock_guard<std::mutex> lock(cacheMutex_);
    auto it = converters_.find(&converter);
    if (it != converters_.end())
      return static_cast<const uint64_t *>(it->second);
    size_t k = converter.sourceSize(), numModuli = tables().moduli.size();
    std::vector<uint64_t> all(numModuli * k);
    for (size_t m = 0; m < numModuli; ++m)
      std::memcpy(&all[m * k], converter.puncturedProducts(m), k * 8);
    void *device = upload(all.data(), all.size() * 8);
    converters_[&converter] = device;
    return static_cast<const uint64_t *>(device);
  }

  struct CachedPermutation {
    uint32_t *device = nullptr;
    std::vector<uint32_t> host;
  };

  DevicePool pool_;
  void *mods_ = nullptr;
  uint64_t *roots_ = nullptr, *rootsShoup_ = nullptr, *invRoots_ = nullptr,
           *invRootsShoup_ = nullptr;
  std::mutex cacheMutex_;
  std::unordered_map<const uint32_t *, CachedPermutation> permutations_;
  std::unordered_map<const BaseConverter *, void *> converters_;
};

} // namespace

bool cudaBackendAvailable(std::string *why) {
  int count = 0;
  cudaError_t err = cudaGetDeviceCount(&count);
  if (err != cudaSuccess || count == 0) {
    if (why)
      *why = err != cudaSuccess ? std::string("no usable CUDA device: ") +
                                      cudaGetErrorString(err)
                                : "no CUDA device";
    cudaGetLastError();
    return false;
  }
  return true;
}

std::unique_ptr<Backend> createCudaBackend(const RnsTables &tables) {
  std::string why;
  if (!cudaBackendAvailable(&why))
    fail("the CUDA backend is not available: ", why);
  return std::make_unique<CudaBackend>(tables);
}

} // namespace ckks
} // namespace aegis
