//===- DeviceInfoNoCuda.cpp - device discovery in builds without CUDA -----===//

#include "aegis/Runtime/CUDA/DeviceInfo.h"

namespace aegis::cuda {

bool isCompiledWithCuda() { return false; }

std::vector<DeviceInfo> listDevices(std::string *error) {
  if (error)
    *error = "aegis was built without CUDA (-DAEGIS_ENABLE_CUDA=OFF)";
  return {};
}

std::string selfTest(int) {
  return "aegis was built without CUDA (-DAEGIS_ENABLE_CUDA=OFF)";
}

} // namespace aegis::cuda
