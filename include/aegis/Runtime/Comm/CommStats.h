//===- CommStats.h - Traffic, wait-time and memory accounting ---*- C++ -*-===//
//
// Part of the runtime: no MLIR or LLVM. Every Communicator counts, per
// collective kind, how many operations this rank started, the payload bytes
// it sent to and received from other ranks (measured where the bytes are
// handed to the transport, never derived from a formula), and the time it
// spent blocked in wait(). Agreement headers are counted apart as control
// bytes. The memory counters are fed by the runtime's allocator
// (recordAllocation/recordFree) and by the communicator's own scratch
// buffers; they give the per-device high-water mark.
//
//===----------------------------------------------------------------------===//

#ifndef AEGIS_RUNTIME_COMM_COMMSTATS_H
#define AEGIS_RUNTIME_COMM_COMMSTATS_H

#include <nlohmann/json.hpp>

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace aegis::comm {

class Communicator;

enum class CollectiveKind : uint8_t {
  AllGather,
  AllReduce,
  ReduceScatter,
  Broadcast,
  AllToAll,
  SendRecv,
  Barrier,
};
constexpr size_t kNumCollectiveKinds = 7;

/// "all-gather", "all-reduce", "reduce-scatter", "broadcast", "all-to-all",
/// "send-recv", "barrier".
const char *collectiveKindName(CollectiveKind kind);

struct KindStats {
  uint64_t count = 0;
  uint64_t bytesSent = 0;
  uint64_t bytesReceived = 0;
  double waitSeconds = 0;
};

/// A copy of one rank's counters.
struct CommStatsSnapshot {
  int rank = 0;
  std::array<KindStats, kNumCollectiveKinds> kinds{};
  uint64_t controlBytesSent = 0;
  uint64_t controlBytesReceived = 0;
  uint64_t memoryInUse = 0;
  uint64_t memoryHighWater = 0;

  const KindStats &of(CollectiveKind kind) const {
    return kinds[static_cast<size_t>(kind)];
  }
  /// Sum over the kinds.
  KindStats total() const;
};

class CommStats {
public:
  explicit CommStats(int rank = 0) : rank_(rank) {}
  CommStats(const CommStats &) = delete;
  CommStats &operator=(const CommStats &) = delete;

  void recordStart(CollectiveKind kind);
  void recordTraffic(CollectiveKind kind, uint64_t sent, uint64_t received);
  void recordControl(uint64_t sent, uint64_t received);
  void recordWait(CollectiveKind kind, double seconds);

  /// Memory accounting for this rank's device; safe from any thread.
  void recordAllocation(uint64_t bytes);
  /// Throws aegis::Error when more is freed than is recorded in use.
  void recordFree(uint64_t bytes);
  uint64_t memoryInUse() const { return memoryInUse_.load(); }
  uint64_t memoryHighWater() const { return memoryHighWater_.load(); }

  const KindStats &of(CollectiveKind kind) const {
    return kinds_[static_cast<size_t>(kind)];
  }
  CommStatsSnapshot snapshot() const;
  /// Adds another communicator's traffic, wait and control counters of the
  /// same rank (memory is each communicator's own): one device's figures
  /// when it talks over several communicators (a joint placement's group
  /// and world).
  void absorb(const CommStatsSnapshot &other);
  /// Clears the traffic and wait counters; the high-water mark restarts at
  /// the memory now in use.
  void reset();

private:
  int rank_;
  std::array<KindStats, kNumCollectiveKinds> kinds_{};
  uint64_t controlBytesSent_ = 0;
  uint64_t controlBytesReceived_ = 0;
  std::atomic<uint64_t> memoryInUse_{0};
  std::atomic<uint64_t> memoryHighWater_{0};
};

/// A table with one block per rank (kinds with no operations are left out).
std::string formatStatsText(const std::vector<CommStatsSnapshot> &ranks,
                            const std::string &backend);
/// {"backend": ..., "ranks": [{"rank": 0, "collectives": {...}, ...}]}.
nlohmann::ordered_json statsJson(const std::vector<CommStatsSnapshot> &ranks,
                                 const std::string &backend);
/// statsJson as indented text.
std::string statsToJson(const std::vector<CommStatsSnapshot> &ranks,
                        const std::string &backend);

/// Every rank's snapshot, on every rank. The snapshots are taken before the
/// exchange, so they do not include the all-gather that carries them.
std::vector<CommStatsSnapshot> gatherStats(Communicator &comm);

} // namespace aegis::comm

#endif // AEGIS_RUNTIME_COMM_COMMSTATS_H
