//===- Schedule.h - Collectives as point-to-point phases ---*- C++ -*-===//
//
// Internal to lib/Runtime/Comm. Every backend runs the same "direct"
// algorithms: a collective is a list of phases; a phase posts all its sends
// and receives at once, and once they have completed runs its local copies
// and reductions. The backends differ only in how a transfer moves (memcpy
// between threads, MPI_Isend/Irecv, grouped ncclSend/ncclRecv) and where a
// reduction runs (host loop or CUDA kernel). docs/Communicators.md derives
// the traffic of each schedule.
//
// The builder computes addresses only and never dereferences them, so the
// same schedule serves host and device memory.
//
//===----------------------------------------------------------------------===//

#ifndef AEGIS_LIB_RUNTIME_COMM_SCHEDULE_H
#define AEGIS_LIB_RUNTIME_COMM_SCHEDULE_H

#include "CollectiveCall.h"

#include <cstddef>
#include <cstdint>
#include <vector>

namespace aegis::comm {

struct ScheduleTransfer {
  bool isSend = false;
  int peer = -1;
  uint8_t *data = nullptr;
  size_t bytes = 0;
};

struct ScheduleCopy {
  uint8_t *dst = nullptr;
  const uint8_t *src = nullptr;
  size_t bytes = 0;
};

/// dst[j] = sum over k in [0, numSources) of source_k[j], in that order,
/// where source_ownPosition is `own` and the other sources are consecutive
/// slices of `others` (`words` words each, rank order). Word j is word
/// firstIndex + j of the full buffer, which selects its modulus. dst may
/// equal own.
struct ScheduleReduce {
  uint64_t *dst = nullptr;
  const uint64_t *own = nullptr;
  const uint64_t *others = nullptr;
  int numSources = 1;
  int ownPosition = 0;
  size_t words = 0;
  size_t firstIndex = 0;
};

struct SchedulePhase {
  std::vector<ScheduleTransfer> transfers;
  std::vector<ScheduleCopy> copies;
  std::vector<ScheduleReduce> reduces;
};

struct Schedule {
  std::vector<SchedulePhase> phases;
};

/// Most phases any schedule has (collective tags are seq * kMaxPhases +
/// phase).
constexpr size_t kMaxPhases = 4;

/// Exclusive prefix sums: offsets[p] = counts[0] + ... + counts[p-1].
std::vector<size_t> prefixOffsets(const std::vector<size_t> &counts);
/// `count` split over `size` ranks: the first count % size ranks get one
/// more element.
std::vector<size_t> balancedSplit(size_t count, int size);

/// Scratch bytes the schedule of `call` needs on `rank` (receive staging for
/// reductions).
size_t scheduleScratchBytes(const CollectiveCall &call, int rank, int size);
/// The schedule of `call` on `rank`; `scratch` has scheduleScratchBytes()
/// bytes. Transfers of zero bytes are left out (both sides agree on them).
Schedule buildSchedule(const CollectiveCall &call, int rank, int size,
                       uint8_t *scratch);

} // namespace aegis::comm

#endif // AEGIS_LIB_RUNTIME_COMM_SCHEDULE_H
