//===- Factory.h - Creating communicators by backend name -------*- C++ -*-===//
//
// Part of the runtime: no MLIR or LLVM. The one entry point that aegis-run
// and the distributed CKKS operations use to obtain a communicator without
// knowing which backends this build has.
//
//===----------------------------------------------------------------------===//

#ifndef AEGIS_RUNTIME_COMM_FACTORY_H
#define AEGIS_RUNTIME_COMM_FACTORY_H

#include "aegis/Runtime/Comm/Communicator.h"
#include "aegis/Runtime/Comm/NcclCommunicator.h"
#include "aegis/Runtime/Comm/ThreadCommunicator.h"

#include <memory>

namespace aegis::comm {

/// Whether this build contains `kind` (threads: always).
bool isBackendAvailable(BackendKind kind);

/// What some backends need besides rank and size.
struct CommSetup {
  /// Threads: the group shared by all ranks (createThreadGroup).
  std::shared_ptr<ThreadGroup> group;
  /// NCCL: the CUDA device; -1 means rank % ncclVisibleDevices().
  int cudaDevice = -1;
  /// NCCL: how the unique id reaches every rank.
  NcclBootstrap nccl;
};

/// The communicator of `rank` of `size` ranks. For MPI, rank and size must
/// match MPI_COMM_WORLD (or be -1 to take them from it). Throws aegis::Error
/// when the backend is not in this build or the setup is incomplete.
std::unique_ptr<Communicator>
createCommunicator(BackendKind kind, int rank, int size,
                   const CommSetup &setup = CommSetup(),
                   const CommOptions &options = CommOptions::fromEnvironment());

} // namespace aegis::comm

#endif // AEGIS_RUNTIME_COMM_FACTORY_H
