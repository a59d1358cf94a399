//===- NcclKernels.cu - Device-side reductions for the NCCL backend -------===//

#include "NcclKernels.h"

namespace aegis::comm {
namespace {

/// (x1 * 2^64 + x0) mod q from the Barrett constant floor(2^128 / q) =
/// (ratioHi, ratioLo): the quotient estimate is at most one too small, so
/// one conditional subtraction finishes (q < 2^62).
__device__ uint64_t reduce128(uint64_t x0, uint64_t x1, uint64_t q,
                              uint64_t ratioHi, uint64_t ratioLo) {
  uint64_t carry = __umul64hi(x0, ratioLo);
  uint64_t mid1Lo = x0 * ratioHi;
  uint64_t mid1Hi = __umul64hi(x0, ratioHi);
  uint64_t mid2Lo = x1 * ratioLo;
  uint64_t mid2Hi = __umul64hi(x1, ratioLo);
  uint64_t low = mid1Lo + mid2Lo;
  uint64_t lowCarry = low < mid1Lo ? 1 : 0;
  uint64_t low2 = low + carry;
  lowCarry += low2 < low ? 1 : 0;
  uint64_t quotient = x1 * ratioHi + mid1Hi + mid2Hi + lowCarry;
  uint64_t r = x0 - quotient * q;
  return r >= q ? r - q : r;
}

__global__ void reduceKernel(DeviceReduce r) {
  size_t j = size_t(blockIdx.x) * blockDim.x + threadIdx.x;
  if (j >= r.words) {
    return;
  }
  uint64_t lo = 0;
  uint64_t hi = 0;
  for (int k = 0; k < r.numSources; ++k) {
    const uint64_t *source =
        k == r.ownPosition
            ? r.own
            : r.others + size_t(k < r.ownPosition ? k : k - 1) * r.words;
    uint64_t x = source[j];
    lo += x;
    hi += lo < x ? 1 : 0;
  }
  if (r.moduli == nullptr) {
    r.dst[j] = lo;
    return;
  }
  const uint64_t *m = r.moduli + 3 * ((r.firstIndex + j) / r.limbLength);
  r.dst[j] = reduce128(lo, hi, m[0], m[1], m[2]);
}

} // namespace

cudaError_t launchDeviceReduce(const DeviceReduce &reduce,
                               cudaStream_t stream) {
  if (reduce.words == 0) {
    return cudaSuccess;
  }
  constexpr unsigned kThreads = 256;
  size_t blocks = (reduce.words + kThreads - 1) / kThreads;
  reduceKernel<<<unsigned(blocks), kThreads, 0, stream>>>(reduce);
  return cudaGetLastError();
}

} // namespace aegis::comm
