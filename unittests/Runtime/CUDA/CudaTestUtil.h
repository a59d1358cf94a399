//===- CudaTestUtil.h - The device side of the GPU tests ---------*- C++ -*-===//
//
// The GPU tests compare a CPU context with a device context. Where no CUDA
// device is visible they skip, unless AEGIS_GPU_TEST_STANDIN=cpu puts a
// second CPU backend in the device's place: then the whole test harness
// (parameters, seeds, comparisons) runs on a machine without a GPU, so that
// on the GPU machine nothing but the device itself can fail
// (scripts/gpu-check.sh --dry-run).
//
//===----------------------------------------------------------------------===//

#ifndef AEGIS_UNITTESTS_RUNTIME_CUDA_CUDATESTUTIL_H
#define AEGIS_UNITTESTS_RUNTIME_CUDA_CUDATESTUTIL_H

#include "aegis/Runtime/Backend/Backend.h"
#include "aegis/Runtime/Backend/CudaBackend.h"

#include <cstdlib>
#include <memory>
#include <string>

namespace aegis {
namespace ckks {
namespace test {

inline bool gpuStandIn() {
  const char *v = std::getenv("AEGIS_GPU_TEST_STANDIN");
  return v != nullptr && std::string(v) == "cpu";
}

/// True when the device side can run: a CUDA device, or the CPU stand-in.
inline bool deviceSideAvailable(std::string *why) {
  return gpuStandIn() || cudaBackendAvailable(why);
}

inline std::unique_ptr<Backend> createDeviceSideBackend(const RnsTables &t) {
  return gpuStandIn() ? createCpuBackend(t) : createCudaBackend(t);
}

} // namespace test
} // namespace ckks
} // namespace aegis

#endif // AEGIS_UNITTESTS_RUNTIME_CUDA_CUDATESTUTIL_H
