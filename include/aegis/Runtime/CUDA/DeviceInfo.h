//===- DeviceInfo.h - CUDA device discovery ---------------------*- C++ -*-===//
//
// Available in every build: without CUDA support it reports that aegis was
// built without it, so callers need no #ifdefs.
//
//===----------------------------------------------------------------------===//

#ifndef AEGIS_RUNTIME_CUDA_DEVICEINFO_H
#define AEGIS_RUNTIME_CUDA_DEVICEINFO_H

#include <cstdint>
#include <string>
#include <vector>

namespace aegis::cuda {

struct DeviceInfo {
  int index = 0;
  std::string name;
  int computeMajor = 0;
  int computeMinor = 0;
  uint64_t globalMemoryBytes = 0;
  int multiprocessors = 0;
};

/// True when aegis was compiled with the CUDA backend.
bool isCompiledWithCuda();

/// The visible CUDA devices; empty with no GPU, no driver, or no CUDA build.
/// `error`, if given, receives the driver's message when discovery failed.
std::vector<DeviceInfo> listDevices(std::string *error = nullptr);

/// Runs a small modular-arithmetic kernel on `device` and compares it with
/// the same computation on the host. Returns an empty string on success and
/// a description of the first mismatch or CUDA error otherwise.
std::string selfTest(int device);

} // namespace aegis::cuda

#endif // AEGIS_RUNTIME_CUDA_DEVICEINFO_H
