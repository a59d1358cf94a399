//===- NcclKernels.h - Device reductions for NCCL ---------*- C++ -*-===//
//
// Internal to lib/Runtime/Comm. NCCL's native sum of uint64 words overflows
// for residues near 2^62 once more than four ranks add up, and it has no
// per-limb modulus. The NCCL backend therefore stages the peers'
// contributions with ncclSend/ncclRecv (the schedules of Schedule.h) and
// sums them here: exact 128-bit accumulation in rank order and one Barrett
// reduction per word, the same arithmetic as HostReduce.cpp.
//
//===----------------------------------------------------------------------===//

#ifndef AEGIS_LIB_RUNTIME_COMM_NCCLKERNELS_H
#define AEGIS_LIB_RUNTIME_COMM_NCCLKERNELS_H

#include <cstddef>
#include <cstdint>

#include <cuda_runtime.h>

namespace aegis::comm {

/// One ScheduleReduce in device memory terms.
struct DeviceReduce {
  uint64_t *dst = nullptr;
  const uint64_t *own = nullptr;
  const uint64_t *others = nullptr;
  int numSources = 1;
  int ownPosition = 0;
  size_t words = 0;
  size_t firstIndex = 0;
  /// Modular: limbs of limbLength words; `moduli` holds (q, floor(2^128/q)
  /// high word, low word) per limb in device memory. Null for the wrapping
  /// sum.
  size_t limbLength = 1;
  const uint64_t *moduli = nullptr;
};

/// Enqueues the reduction on `stream`.
cudaError_t launchDeviceReduce(const DeviceReduce &reduce, cudaStream_t stream);

} // namespace aegis::comm

#endif // AEGIS_LIB_RUNTIME_COMM_NCCLKERNELS_H
