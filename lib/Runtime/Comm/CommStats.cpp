//===- CommStats.cpp - Traffic, wait-time and memory accounting -----------===//

#include "aegis/Runtime/Comm/CommStats.h"

#include "aegis/Runtime/Comm/Communicator.h"

#include <cstring>
#include <iomanip>
#include <sstream>

namespace aegis::comm {

KindStats CommStatsSnapshot::total() const {
  KindStats sum;
  for (const KindStats &k : kinds) {
    sum.count += k.count;
    sum.bytesSent += k.bytesSent;
    sum.bytesReceived += k.bytesReceived;
    sum.waitSeconds += k.waitSeconds;
  }
  return sum;
}

void CommStats::recordStart(CollectiveKind kind) {
  ++kinds_[size_t(kind)].count;
}

void CommStats::recordTraffic(CollectiveKind kind, uint64_t sent,
                              uint64_t received) {
  kinds_[size_t(kind)].bytesSent += sent;
  kinds_[size_t(kind)].bytesReceived += received;
}

void CommStats::recordControl(uint64_t sent, uint64_t received) {
  controlBytesSent_ += sent;
  controlBytesReceived_ += received;
}

void CommStats::recordWait(CollectiveKind kind, double seconds) {
  kinds_[size_t(kind)].waitSeconds += seconds;
}

void CommStats::recordAllocation(uint64_t bytes) {
  uint64_t now = memoryInUse_.fetch_add(bytes) + bytes;
  uint64_t peak = memoryHighWater_.load();
  while (now > peak && !memoryHighWater_.compare_exchange_weak(peak, now)) {
  }
}

void CommStats::recordFree(uint64_t bytes) {
  uint64_t current = memoryInUse_.load();
  do {
    require(bytes <= current, "memory accounting of rank ", rank_, ": freeing ",
            bytes, " bytes but only ", current, " are recorded in use");
  } while (!memoryInUse_.compare_exchange_weak(current, current - bytes));
}

void CommStats::absorb(const CommStatsSnapshot &other) {
  for (size_t k = 0; k < kNumCollectiveKinds; ++k) {
    kinds_[k].count += other.kinds[k].count;
    kinds_[k].bytesSent += other.kinds[k].bytesSent;
    kinds_[k].bytesReceived += other.kinds[k].bytesReceived;
    kinds_[k].waitSeconds += other.kinds[k].waitSeconds;
  }
  controlBytesSent_ += other.controlBytesSent;
  controlBytesReceived_ += other.controlBytesReceived;
}

CommStatsSnapshot CommStats::snapshot() const {
  CommStatsSnapshot s;
  s.rank = rank_;
  s.kinds = kinds_;
  s.controlBytesSent = controlBytesSent_;
  s.controlBytesReceived = controlBytesReceived_;
  s.memoryInUse = memoryInUse_.load();
  s.memoryHighWater = memoryHighWater_.load();
  return s;
}

void CommStats::reset() {
  kinds_ = {};
  controlBytesSent_ = 0;
  controlBytesReceived_ = 0;
  memoryHighWater_ = memoryInUse_.load();
}

std::string formatStatsText(const std::vector<CommStatsSnapshot> &ranks,
                            const std::string &backend) {
  std::ostringstream os;
  os << "communication (" << backend << " backend, " << ranks.size()
     << (ranks.size() == 1 ? " rank" : " ranks") << ")\n";
  os << std::left << std::setw(6) << "rank" << std::setw(16) << "collective"
     << std::right << std::setw(8) << "count" << std::setw(16) << "bytes sent"
     << std::setw(16) << "bytes recv" << std::setw(12) << "wait s" << '\n';
  auto row = [&](int rank, const char *name, const KindStats &k) {
    os << std::left << std::setw(6) << rank << std::setw(16) << name
       << std::right << std::setw(8) << k.count << std::setw(16) << k.bytesSent
       << std::setw(16) << k.bytesReceived << std::setw(12) << std::fixed
       << std::setprecision(6) << k.waitSeconds << '\n';
  };
  for (const CommStatsSnapshot &s : ranks) {
    for (size_t k = 0; k < kNumCollectiveKinds; ++k) {
      if (s.kinds[k].count != 0) {
        row(s.rank, collectiveKindName(CollectiveKind(k)), s.kinds[k]);
      }
    }
    row(s.rank, "total", s.total());
    os << std::left << std::setw(6) << s.rank << "control bytes sent "
       << s.controlBytesSent << ", received " << s.controlBytesReceived
       << "; memory in use " << s.memoryInUse << " bytes, high-water "
       << s.memoryHighWater << " bytes\n";
  }
  return os.str();
}

namespace {

nlohmann::ordered_json kindJson(const KindStats &k) {
  return {{"count", k.count},
          {"bytes_sent", k.bytesSent},
          {"bytes_received", k.bytesReceived},
          {"wait_seconds", k.waitSeconds}};
}

} // namespace

nlohmann::ordered_json statsJson(const std::vector<CommStatsSnapshot> &ranks,
                                 const std::string &backend) {
  nlohmann::ordered_json list = nlohmann::ordered_json::array();
  for (const CommStatsSnapshot &s : ranks) {
    nlohmann::ordered_json collectives = nlohmann::ordered_json::object();
    for (size_t k = 0; k < kNumCollectiveKinds; ++k) {
      collectives[collectiveKindName(CollectiveKind(k))] = kindJson(s.kinds[k]);
    }
    list.push_back({{"rank", s.rank},
                    {"collectives", collectives},
                    {"total", kindJson(s.total())},
                    {"control_bytes_sent", s.controlBytesSent},
                    {"control_bytes_received", s.controlBytesReceived},
                    {"memory_in_use_bytes", s.memoryInUse},
                    {"memory_high_water_bytes", s.memoryHighWater}});
  }
  return {{"backend", backend}, {"ranks", list}};
}

std::string statsToJson(const std::vector<CommStatsSnapshot> &ranks,
                        const std::string &backend) {
  return statsJson(ranks, backend).dump(2);
}

namespace {

// A snapshot as words: rank, then per kind (count, sent, received, wait as
// IEEE bits), then control sent/received and memory in use/high-water.
constexpr size_t kSnapshotWords = 1 + 4 * kNumCollectiveKinds + 4;

void encode(const CommStatsSnapshot &s, uint64_t *words) {
  size_t i = 0;
  words[i++] = uint64_t(s.rank);
  for (const KindStats &k : s.kinds) {
    words[i++] = k.count;
    words[i++] = k.bytesSent;
    words[i++] = k.bytesReceived;
    std::memcpy(&words[i++], &k.waitSeconds, 8);
  }
  words[i++] = s.controlBytesSent;
  words[i++] = s.controlBytesReceived;
  words[i++] = s.memoryInUse;
  words[i++] = s.memoryHighWater;
}

CommStatsSnapshot decode(const uint64_t *words) {
  CommStatsSnapshot s;
  size_t i = 0;
  s.rank = int(words[i++]);
  for (KindStats &k : s.kinds) {
    k.count = words[i++];
    k.bytesSent = words[i++];
    k.bytesReceived = words[i++];
    std::memcpy(&k.waitSeconds, &words[i++], 8);
  }
  s.controlBytesSent = words[i++];
  s.controlBytesReceived = words[i++];
  s.memoryInUse = words[i++];
  s.memoryHighWater = words[i++];
  return s;
}

} // namespace

std::vector<CommStatsSnapshot> gatherStats(Communicator &comm) {
  require(comm.backend() != BackendKind::Nccl,
          "gatherStats needs host buffers; gather NCCL statistics over the "
          "bootstrap communicator instead");
  std::vector<uint64_t> mine(kSnapshotWords);
  encode(comm.stats().snapshot(), mine.data());
  std::vector<uint64_t> all(kSnapshotWords * size_t(comm.size()));
  comm.allGather(mine.data(), all.data(), kSnapshotWords);
  std::vector<CommStatsSnapshot> result;
  for (int r = 0; r < comm.size(); ++r) {
    result.push_back(decode(all.data() + kSnapshotWords * size_t(r)));
  }
  return result;
}

} // namespace aegis::comm
