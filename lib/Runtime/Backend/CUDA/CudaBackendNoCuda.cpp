//===- CudaBackendNoCuda.cpp - the CUDA backend in builds without CUDA ----===//

#include "aegis/Runtime/Backend/CudaBackend.h"
#include "aegis/Runtime/Support/Error.h"

namespace aegis {
namespace ckks {

bool cudaBackendAvailable(std::string *why) {
  if (why)
    *why = "aegis was built without CUDA (-DAEGIS_ENABLE_CUDA=OFF)";
  return false;
}

std::unique_ptr<Backend> createCudaBackend(const RnsTables &) {
  fail("the CUDA backend is not available: aegis was built without CUDA "
       "(-DAEGIS_ENABLE_CUDA=OFF)");
}

} // namespace ckks
} // namespace aegis
