//===- CollectiveChecks.h - Rank-local collective tests ---*- C++ -*-===//
//
// Each check runs on every rank of a communicator (threads or MPI), checks
// results with gtest EXPECTs against a reference that every rank can compute
// alone (all inputs are pure functions of rank and index), and checks the
// traffic this rank measured against the formula in docs/Communicators.md.
//
//===----------------------------------------------------------------------===//

#ifndef AEGIS_UNITTESTS_RUNTIME_COMM_COLLECTIVECHECKS_H
#define AEGIS_UNITTESTS_RUNTIME_COMM_COLLECTIVECHECKS_H

#include "aegis/Runtime/Comm/Communicator.h"

#include <cstdint>
#include <vector>

namespace aegis::comm::test {

/// A fixed pseudo-random word for (salt, rank, index).
uint64_t wordAt(uint64_t salt, int rank, size_t index);

/// Traffic of one kind between two snapshots.
void expectTraffic(const CommStatsSnapshot &before,
                   const CommStatsSnapshot &after, CollectiveKind kind,
                   uint64_t count, uint64_t sent, uint64_t received);

/// Per-rank counts for the uneven and empty shard cases of `size` ranks.
std::vector<std::vector<size_t>> countCases(int size);

void checkAllGather(Communicator &comm);
void checkAllGatherBytes(Communicator &comm);
void checkReduceScatter(Communicator &comm);
void checkAllReduce(Communicator &comm);
void checkBroadcast(Communicator &comm);
void checkAllToAll(Communicator &comm);
void checkSendRecv(Communicator &comm);
void checkAsyncOverlap(Communicator &comm);
void checkBarrierAndControlBytes(Communicator &comm);
/// Sums 8 fixed contributions, rank r holding those with index % size == r,
/// and returns a hash of the all-reduced result (equal for every size).
uint64_t distributedSumHash(Communicator &comm);
/// The same sum computed on one device.
uint64_t referenceSumHash();
void checkGatherStats(Communicator &comm);

/// Every check above, in order.
void checkEverything(Communicator &comm);

} // namespace aegis::comm::test

#endif // AEGIS_UNITTESTS_RUNTIME_COMM_COLLECTIVECHECKS_H
