//===- CudaBackend.h - CUDA backend of the CKKS runtime ---------*- C++ -*-===//
//
// Part of the runtime: no MLIR or LLVM. Declared in every build; without
// CUDA support (or without a device) createCudaBackend throws aegis::Error
// with the reason, so callers need no #ifdefs.
//
//===----------------------------------------------------------------------===//

#ifndef AEGIS_RUNTIME_BACKEND_CUDABACKEND_H
#define AEGIS_RUNTIME_BACKEND_CUDABACKEND_H

#include "aegis/Runtime/Backend/Backend.h"

#include <memory>
#include <string>

namespace aegis {
namespace ckks {

/// True when aegis was built with CUDA and a device can be used; otherwise
/// false, with the reason in `why` if given.
bool cudaBackendAvailable(std::string *why = nullptr);

/// The CUDA backend on the current device: every kernel gives the same bits
/// as the CPU backend. Device memory comes from a pool (no cudaMalloc in
/// steady state); tables are uploaded once.
std::unique_ptr<Backend> createCudaBackend(const RnsTables &tables);

} // namespace ckks
} // namespace aegis

#endif // AEGIS_RUNTIME_BACKEND_CUDABACKEND_H
