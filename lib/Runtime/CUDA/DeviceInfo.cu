//===- DeviceInfo.cu - CUDA device discovery and self test ----------------===//

#include "aegis/Runtime/CUDA/DeviceInfo.h"

#include <cuda_runtime.h>

#include <cstdint>
#include <sstream>
#include <vector>

namespace aegis::cuda {
namespace {

__global__ void mulModKernel(const uint64_t *a, const uint64_t *b,
                             uint64_t *out, uint64_t q, int n) {
  int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i < n) {
    // Full 128-bit product, then reduction by long division on the high
    // word: exact for any q < 2^63.
    uint64_t lo = a[i] * b[i];
    uint64_t hi = __umul64hi(a[i], b[i]);
    uint64_t r = hi % q;
    for (int bit = 63; bit >= 0; --bit) {
      r = (r << 1) | ((lo >> bit) & 1);
      if (r >= q)
        r -= q;
    }
    out[i] = r;
  }
}

uint64_t mulModHost(uint64_t a, uint64_t b, uint64_t q) {
  return static_cast<uint64_t>((static_cast<unsigned __int128>(a) * b) % q);
}

std::string describe(cudaError_t err, const char *what) {
  std::ostringstream os;
  os << what << ": " << cudaGetErrorString(err);
  return os.str();
}
} // namespace

bool isCompiledWithCuda() { return true; }

std::vector<DeviceInfo> listDevices(std::string *error) {
  std::vector<DeviceInfo> devices;
  int count = 0;
  cudaError_t err = cudaGetDeviceCount(&count);
  if (err != cudaSuccess) {
    if (error)
      *error = describe(err, "cudaGetDeviceCount");
    cudaGetLastError(); // Clear the sticky error for later calls.
    return devices;
  }
  for (int i = 0; i < count; ++i) {
    cudaDeviceProp prop;
    if (cudaGetDeviceProperties(&prop, i) != cudaSuccess)
      continue;
    DeviceInfo info;
    info.index = i;
    info.name = prop.name;
    info.computeMajor = prop.major;
    info.computeMinor = prop.minor;
    info.globalMemoryBytes = prop.totalGlobalMem;
    info.multiprocessors = prop.multiProcessorCount;
    devices.push_back(info);
  }
  return devices;
}

std::string selfTest(int device) {
  constexpr int n = 4096;
  // A 61-bit prime, so the 128-bit path is exercised.
  constexpr uint64_t q = 2305843009213693951ull;
  std::vector<uint64_t> a(n), b(n), got(n);
  uint64_t state = 0x9e3779b97f4a7c15ull;
  for (int i = 0; i < n; ++i) {
    state = state * 6364136223846793005ull + 1442695040888963407ull;
    a[i] = state % q;
    state = state * 6364136223846793005ull + 1442695040888963407ull;
    b[i] = state % q;
  }
  cudaError_t err = cudaSetDevice(device);
  if (err != cudaSuccess)
    return describe(err, "cudaSetDevice");
  uint64_t *da = nullptr, *db = nullptr, *dout = nullptr;
  size_t bytes = n * sizeof(uint64_t);
  std::string failure;
  auto check = [&](cudaError_t e, const char *what) {
    if (e != cudaSuccess && failure.empty())
      failure = describe(e, what);
    return failure.empty();
  };
  if (check(cudaMalloc(&da, bytes), "cudaMalloc") &&
      check(cudaMalloc(&db, bytes), "cudaMalloc") &&
      check(cudaMalloc(&dout, bytes), "cudaMalloc") &&
      check(cudaMemcpy(da, a.data(), bytes, cudaMemcpyHostToDevice),
            "cudaMemcpy") &&
      check(cudaMemcpy(db, b.data(), bytes, cudaMemcpyHostToDevice),
            "cudaMemcpy")) {
    mulModKernel<<<(n + 255) / 256, 256>>>(da, db, dout, q, n);
    if (check(cudaGetLastError(), "kernel launch") &&
        check(cudaMemcpy(got.data(), dout, bytes, cudaMemcpyDeviceToHost),
              "cudaMemcpy")) {
      for (int i = 0; i < n && failure.empty(); ++i) {
        uint64_t want = mulModHost(a[i], b[i], q);
        if (got[i] != want) {
          std::ostringstream os;
          os << "slot " << i << ": device computed " << got[i]
             << ", host computed " << want;
          failure = os.str();
        }
      }
    }
  }
  cudaFree(da);
  cudaFree(db);
  cudaFree(dout);
  return failure;
}

} // namespace aegis::cuda
