//===- MpiCommunicator.h - Ranks as MPI processes ---------------*- C++ -*-===//
//
// Part of the runtime: no MLIR or LLVM. One rank per MPI process
// (`mpirun -np 4 aegis-run ...`), on one node or many. Collectives are built
// from nonblocking point-to-point messages (the same direct schedules as the
// threads backend), so reductions can be modular and every wait polls with
// a deadline. Failures are reported to peers with abort notices; the
// process-level entry point ends the job with MPI_Abort.
//
// Available when aegis was configured with MPI (AEGIS_ENABLE_MPI);
// isBackendAvailable(BackendKind::Mpi) says so at run time.
//
//===----------------------------------------------------------------------===//

#ifndef AEGIS_RUNTIME_COMM_MPICOMMUNICATOR_H
#define AEGIS_RUNTIME_COMM_MPICOMMUNICATOR_H

#include "aegis/Runtime/Comm/Communicator.h"

#include <functional>
#include <memory>

namespace aegis::comm {

/// A communicator over MPI_COMM_WORLD (duplicated, so it never mixes with
/// the application's own MPI traffic). Initializes MPI when nobody did.
std::unique_ptr<Communicator> createMpiWorldCommunicator(
    const CommOptions &options = CommOptions::fromEnvironment());

/// The entry point of an MPI program: initializes MPI, runs fn on this
/// process's rank and finalizes MPI; returns 0. If fn throws on any rank,
/// every rank that can be reached prints "aegis: [rank r] <message>" to
/// stderr (the failing rank's reason, "rank 2 failed: ..." on the others)
/// and the job ends through MPI_Abort with exit code 1.
int runOnMpiWorld(int *argc, char ***argv,
                  const std::function<void(Communicator &)> &fn,
                  const CommOptions &options = CommOptions::fromEnvironment());

} // namespace aegis::comm

#endif // AEGIS_RUNTIME_COMM_MPICOMMUNICATOR_H
