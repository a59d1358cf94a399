//===- NcclCommunicator.h - Ranks as GPUs through NCCL ----------*- C++ -*-===//
//
// Part of the runtime: no MLIR or LLVM. One rank per GPU; every buffer passed
// to this communicator is device memory on the rank's GPU. Operations are
// enqueued on the communicator's own CUDA stream: start* returns at once,
// wait() polls the stream and NCCL's asynchronous error state with the
// deadline and aborts the NCCL communicator on timeout. Reductions are
// modular in a CUDA kernel (NCCL's native sum would overflow), built from
// grouped ncclSend/ncclRecv like the CPU backends, so traffic and results are
// identical. There is no agreement header (it would need a host round trip).
//
// Available when aegis was built with CUDA and NCCL was found;
// isBackendAvailable(BackendKind::Nccl) says so at run time.
//
//===----------------------------------------------------------------------===//

#ifndef AEGIS_RUNTIME_COMM_NCCLCOMMUNICATOR_H
#define AEGIS_RUNTIME_COMM_NCCLCOMMUNICATOR_H

#include "aegis/Runtime/Comm/Communicator.h"

#include <memory>
#include <string>

namespace aegis::comm {

/// How the ranks agree on NCCL's unique id.
struct NcclBootstrap {
  /// Rank 0 broadcasts the id over this communicator (threads or MPI)...
  Communicator *comm = nullptr;
  /// ...or writes it to this file, which the other ranks poll for. The path
  /// must not exist when the job starts; rank 0 removes it once every rank
  /// has joined.
  std::string idFile;
  /// Optional: a host communicator of the same ranks (usually `comm`) that
  /// outlives the NCCL communicator. NCCL has no side channel; with this, a
  /// wait names a peer whose heartbeats stopped (CommOptions::
  /// livenessSeconds) instead of running into the timeout.
  Communicator *liveness = nullptr;
};

/// The communicator of `rank` of `size` on CUDA device `device`.
std::unique_ptr<Communicator> createNcclCommunicator(
    int rank, int size, int device, const NcclBootstrap &bootstrap,
    const CommOptions &options = CommOptions::fromEnvironment());

/// Number of visible CUDA devices (0 without a driver, a GPU or CUDA).
int ncclVisibleDevices();

} // namespace aegis::comm

#endif // AEGIS_RUNTIME_COMM_NCCLCOMMUNICATOR_H
