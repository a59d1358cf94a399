//===- ThreadCommunicator.h - Ranks as threads of one process ---*- C++ -*-===//
//
// Part of the runtime: no MLIR or LLVM. The default backend: every rank is a
// std::thread of this process and bytes move by one memcpy from the sender's
// buffer into the receiver's (whichever side arrives second copies, so
// start* never waits for a peer). A ThreadGroup is the shared state of one
// set of ranks: mailboxes, the abort flag and which ranks have left.
//
//===----------------------------------------------------------------------===//

#ifndef AEGIS_RUNTIME_COMM_THREADCOMMUNICATOR_H
#define AEGIS_RUNTIME_COMM_THREADCOMMUNICATOR_H

#include "aegis/Runtime/Comm/Communicator.h"

#include <functional>
#include <memory>

namespace aegis::comm {

class ThreadGroup;

/// Shared state for `size` thread ranks.
std::shared_ptr<ThreadGroup> createThreadGroup(int size);

/// Number of ranks of `group`.
int threadGroupSize(const ThreadGroup &group);

/// The communicator of `rank` in `group`. Each rank of a group may have at
/// most one live communicator; destroying it marks the rank as gone, so
/// peers still waiting for it fail at once instead of timing out.
std::unique_ptr<Communicator> createThreadCommunicator(
    const std::shared_ptr<ThreadGroup> &group, int rank,
    const CommOptions &options = CommOptions::fromEnvironment());

/// Runs fn(comm) on `size` threads, one per rank, and returns when all have
/// finished. If any rank throws, every other rank's communicator calls throw
/// PeerFailure, and runOnThreads then throws aegis::Error with the first
/// failure ("rank 2 failed: <reason>").
void runOnThreads(int size, const std::function<void(Communicator &)> &fn,
                  const CommOptions &options = CommOptions::fromEnvironment());

/// runOnThreads with sub-groups: fn(world, group) on `size` threads, where
/// `group` is the communicator of the `groupSize` consecutive ranks the
/// thread belongs to (world rank r is rank r % groupSize of group
/// r / groupSize; size a multiple of groupSize). A failure on any rank
/// aborts the world and every group, so no rank is left waiting.
void runOnThreadsGrouped(
    int size, int groupSize,
    const std::function<void(Communicator &world, Communicator &group)> &fn,
    const CommOptions &options = CommOptions::fromEnvironment());

} // namespace aegis::comm

#endif // AEGIS_RUNTIME_COMM_THREADCOMMUNICATOR_H
