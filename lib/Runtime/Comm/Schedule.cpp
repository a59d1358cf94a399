//===- Schedule.cpp - Direct schedules of the collectives -----------------===//

#include "Schedule.h"

#include "aegis/Runtime/Support/Error.h"

namespace aegis::comm {

std::vector<size_t> prefixOffsets(const std::vector<size_t> &counts) {
  std::vector<size_t> offsets(counts.size(), 0);
  size_t sum = 0;
  for (size_t p = 0; p < counts.size(); ++p) {
    offsets[p] = sum;
    sum += counts[p];
  }
  return offsets;
}

std::vector<size_t> balancedSplit(size_t count, int size) {
  std::vector<size_t> split(size_t(size), count / size_t(size));
  for (size_t p = 0; p < count % size_t(size); ++p) {
    ++split[p];
  }
  return split;
}

namespace {

/// The peers of `rank` in the order its transfers are posted: rank+1,
/// rank+2, ... cyclically, so that not every rank talks to rank 0 first.
std::vector<int> peerOrder(int rank, int size) {
  std::vector<int> peers;
  for (int k = 1; k < size; ++k) {
    peers.push_back((rank + k) % size);
  }
  return peers;
}

/// Position of `peer`'s slice among the P-1 staged contributions.
size_t stagingSlot(int peer, int rank) {
  return size_t(peer < rank ? peer : peer - 1);
}

void addTransfer(SchedulePhase &phase, bool isSend, int peer, const void *data,
                 size_t bytes) {
  if (bytes == 0) {
    return;
  }
  phase.transfers.push_back(
      {isSend, peer, static_cast<uint8_t *>(const_cast<void *>(data)), bytes});
}

/// Reduce-scatter of the full buffer `send` (sliced by `counts`) into
/// `dst` (this rank's slice), staging peers' contributions in `scratch`.
SchedulePhase reduceScatterPhase(const uint64_t *send, uint64_t *dst,
                                 const std::vector<size_t> &counts, int rank,
                                 int size, uint64_t *scratch) {
  SchedulePhase phase;
  std::vector<size_t> offsets = prefixOffsets(counts);
  size_t own = counts[size_t(rank)];
  for (int p : peerOrder(rank, size)) {
    addTransfer(phase, true, p, send + offsets[size_t(p)],
                counts[size_t(p)] * 8);
    addTransfer(phase, false, p, scratch + stagingSlot(p, rank) * own, own * 8);
  }
  if (own != 0) {
    ScheduleReduce reduce;
    reduce.dst = dst;
    reduce.own = send + offsets[size_t(rank)];
    reduce.others = scratch;
    reduce.numSources = size;
    reduce.ownPosition = rank;
    reduce.words = own;
    reduce.firstIndex = offsets[size_t(rank)];
    phase.reduces.push_back(reduce);
  }
  return phase;
}

/// All-gather of slices `counts` of `recvBase` (unit-byte elements) where
/// this rank's slice comes from `send`.
SchedulePhase allGatherPhase(const uint8_t *send, uint8_t *recvBase,
                             const std::vector<size_t> &counts, size_t unit,
                             int rank, int size) {
  SchedulePhase phase;
  std::vector<size_t> offsets = prefixOffsets(counts);
  size_t ownBytes = counts[size_t(rank)] * unit;
  for (int p : peerOrder(rank, size)) {
    addTransfer(phase, true, p, send, ownBytes);
    addTransfer(phase, false, p, recvBase + offsets[size_t(p)] * unit,
                counts[size_t(p)] * unit);
  }
  uint8_t *ownSlice = recvBase + offsets[size_t(rank)] * unit;
  if (ownBytes != 0 && ownSlice != send) {
    phase.copies.push_back({ownSlice, send, ownBytes});
  }
  return phase;
}

} // namespace

size_t scheduleScratchBytes(const CollectiveCall &call, int rank, int size) {
  switch (call.kind) {
  case CollectiveKind::ReduceScatter:
    return size_t(size - 1) * call.counts[size_t(rank)] * 8;
  case CollectiveKind::AllReduce:
    return size_t(size - 1) * balancedSplit(call.count, size)[size_t(rank)] * 8;
  default:
    return 0;
  }
}

Schedule buildSchedule(const CollectiveCall &call, int rank, int size,
                       uint8_t *scratch) {
  Schedule schedule;
  const auto *send = static_cast<const uint8_t *>(call.send);
  auto *recv = static_cast<uint8_t *>(call.recv);
  auto *staging = reinterpret_cast<uint64_t *>(scratch);
  switch (call.kind) {
  case CollectiveKind::AllGather:
    schedule.phases.push_back(
        allGatherPhase(send, recv, call.counts, call.unit, rank, size));
    break;
  case CollectiveKind::ReduceScatter:
    schedule.phases.push_back(reduceScatterPhase(
        static_cast<const uint64_t *>(call.send),
        static_cast<uint64_t *>(call.recv), call.counts, rank, size, staging));
    break;
  case CollectiveKind::AllReduce: {
    // Reduce-scatter over a balanced split, then all-gather of the reduced
    // slices inside recv: 2(P-1)/P of the buffer each way instead of the
    // (P-1) buffers of sending everything to everyone.
    std::vector<size_t> split = balancedSplit(call.count, size);
    std::vector<size_t> offsets = prefixOffsets(split);
    auto *words = static_cast<uint64_t *>(call.recv);
    schedule.phases.push_back(reduceScatterPhase(
        static_cast<const uint64_t *>(call.send), words + offsets[size_t(rank)],
        split, rank, size, staging));
    if (size > 1) {
      schedule.phases.push_back(allGatherPhase(
          reinterpret_cast<const uint8_t *>(words + offsets[size_t(rank)]),
          recv, split, 8, rank, size));
    }
    break;
  }
  case CollectiveKind::Broadcast: {
    SchedulePhase phase;
    size_t bytes = call.count * call.unit;
    if (rank == call.root) {
      for (int p : peerOrder(rank, size)) {
        addTransfer(phase, true, p, call.recv, bytes);
      }
    } else {
      addTransfer(phase, false, call.root, call.recv, bytes);
    }
    schedule.phases.push_back(phase);
    break;
  }
  case CollectiveKind::AllToAll: {
    SchedulePhase phase;
    std::vector<size_t> sendOffsets = prefixOffsets(call.counts);
    std::vector<size_t> recvOffsets = prefixOffsets(call.recvCounts);
    for (int p : peerOrder(rank, size)) {
      addTransfer(phase, true, p, send + sendOffsets[size_t(p)] * call.unit,
                  call.counts[size_t(p)] * call.unit);
      addTransfer(phase, false, p, recv + recvOffsets[size_t(p)] * call.unit,
                  call.recvCounts[size_t(p)] * call.unit);
    }
    size_t ownBytes = call.counts[size_t(rank)] * call.unit;
    if (ownBytes != 0) {
      phase.copies.push_back({recv + recvOffsets[size_t(rank)] * call.unit,
                              send + sendOffsets[size_t(rank)] * call.unit,
                              ownBytes});
    }
    schedule.phases.push_back(phase);
    break;
  }
  case CollectiveKind::SendRecv: {
    SchedulePhase phase;
    if (call.hasSend && call.hasRecv && call.dest == rank &&
        call.source == rank) {
      if (call.count != 0 && send != recv) {
        phase.copies.push_back({recv, send, call.count * call.unit});
      }
    } else {
      if (call.hasSend) {
        addTransfer(phase, true, call.dest, call.send, call.count * call.unit);
      }
      if (call.hasRecv) {
        addTransfer(phase, false, call.source, call.recv,
                    call.recvCount * call.unit);
      }
    }
    schedule.phases.push_back(phase);
    break;
  }
  case CollectiveKind::Barrier:
    // The agreement header exchange is the barrier.
    break;
  }
  return schedule;
}

} // namespace aegis::comm
