//===- Communicator.cpp - Validation and the public call forms ------------===//

#include "CollectiveCall.h"

#include "aegis/Runtime/Comm/Communicator.h"

#include <chrono>
#include <cmath>
#include <cstdlib>
#include <limits>

namespace aegis::comm {

const char *backendName(BackendKind kind) {
  switch (kind) {
  case BackendKind::Threads:
    return "threads";
  case BackendKind::Mpi:
    return "mpi";
  case BackendKind::Nccl:
    return "nccl";
  }
  return "unknown";
}

BackendKind parseBackendKind(const std::string &name) {
  for (BackendKind kind :
       {BackendKind::Threads, BackendKind::Mpi, BackendKind::Nccl}) {
    if (name == backendName(kind)) {
      return kind;
    }
  }
  fail("unknown communicator backend '", name,
       "'; expected threads, mpi or nccl");
}

const char *collectiveKindName(CollectiveKind kind) {
  switch (kind) {
  case CollectiveKind::AllGather:
    return "all-gather";
  case CollectiveKind::AllReduce:
    return "all-reduce";
  case CollectiveKind::ReduceScatter:
    return "reduce-scatter";
  case CollectiveKind::Broadcast:
    return "broadcast";
  case CollectiveKind::AllToAll:
    return "all-to-all";
  case CollectiveKind::SendRecv:
    return "send-recv";
  case CollectiveKind::Barrier:
    return "barrier";
  }
  return "unknown";
}

//===----------------------------------------------------------------------===//
// Reduction and options
//===----------------------------------------------------------------------===//

Reduction Reduction::modularSum(std::vector<uint64_t> moduli,
                                size_t limbLength) {
  require(!moduli.empty(), "modular sum: the list of moduli is empty");
  require(limbLength != 0, "modular sum: the limb length is 0");
  for (size_t i = 0; i < moduli.size(); ++i) {
    require(moduli[i] >= 2 && moduli[i] < kMaxReductionModulus,
            "modular sum: modulus ", i, " is ", moduli[i],
            "; every modulus must be in [2, 2^62)");
  }
  require(moduli.size() <= std::numeric_limits<size_t>::max() / limbLength,
          "modular sum: ", moduli.size(), " limbs of ", limbLength,
          " words overflow the address space");
  Reduction reduction;
  reduction.moduli_ = std::move(moduli);
  reduction.limbLength_ = limbLength;
  return reduction;
}

uint64_t Reduction::fingerprint() const {
  if (!isModular()) {
    return 0;
  }
  // FNV-1a over the limb length and the moduli.
  uint64_t hash = 0xcbf29ce484222325ull;
  auto mix = [&](uint64_t word) {
    for (int b = 0; b < 8; ++b) {
      hash ^= (word >> (8 * b)) & 0xff;
      hash *= 0x100000001b3ull;
    }
  };
  mix(limbLength_);
  for (uint64_t q : moduli_) {
    mix(q);
  }
  return hash == 0 ? 1 : hash;
}

std::string Reduction::describe() const {
  if (!isModular()) {
    return "wrapping sum";
  }
  return formatMessage("modular sum over ", moduli_.size(), " limbs of ",
                       limbLength_, " words");
}

namespace {

double secondsFromEnvironment(const char *name, double fallback,
                              const char *zeroMeans) {
  const char *text = std::getenv(name);
  if (text == nullptr) {
    return fallback;
  }
  char *end = nullptr;
  double seconds = std::strtod(text, &end);
  require(end != text && *end == '\0' && std::isfinite(seconds) &&
              seconds >= 0,
          name, " must be a non-negative number of seconds (0 ", zeroMeans,
          "), found '", text, "'");
  return seconds;
}

} // namespace

CommOptions CommOptions::fromEnvironment() {
  CommOptions options;
  options.timeoutSeconds = secondsFromEnvironment(
      "AEGIS_COMM_TIMEOUT_S", options.timeoutSeconds, "waits forever");
  options.livenessSeconds =
      secondsFromEnvironment("AEGIS_COMM_LIVENESS_S", options.livenessSeconds,
                             "turns the heartbeat check off");
  return options;
}

size_t sumCounts(const std::vector<size_t> &counts) {
  size_t sum = 0;
  for (size_t c : counts) {
    require(c <= std::numeric_limits<size_t>::max() - sum,
            "the counts overflow the address space");
    sum += c;
  }
  return sum;
}

//===----------------------------------------------------------------------===//
// Validation shared by all backends
//===----------------------------------------------------------------------===//

namespace {

bool overlaps(const void *a, size_t aBytes, const void *b, size_t bBytes) {
  auto x = reinterpret_cast<uintptr_t>(a);
  auto y = reinterpret_cast<uintptr_t>(b);
  return aBytes != 0 && bBytes != 0 && x < y + bBytes && y < x + aBytes;
}

size_t bytesOf(size_t elements, size_t unit, const char *what) {
  require(elements <= std::numeric_limits<size_t>::max() / unit, what, ": ",
          elements, " elements overflow the address space");
  return elements * unit;
}

} // namespace

Communicator::Communicator(int rank, int size, BackendKind backend,
                           CommOptions options)
    : rank_(rank), size_(size), backend_(backend), options_(options),
      stats_(rank) {
  require(size >= 1, "a communicator needs at least 1 rank, got ", size);
  require(rank >= 0 && rank < size, "rank ", rank, " is outside [0, ", size,
          ")");
  require(std::isfinite(options.timeoutSeconds) && options.timeoutSeconds >= 0,
          "the communicator timeout must be a non-negative number of seconds, "
          "got ",
          options.timeoutSeconds);
  require(options.maxOutstanding >= 1,
          "CommOptions::maxOutstanding must be at least 1");
}

Communicator::~Communicator() = default;

std::unique_ptr<Communicator> Communicator::split(int, int) {
  fail("the ", backendName(backend()),
       " communicator cannot split into groups (threads: "
       "runOnThreadsGrouped; MPI: split)");
}

std::string Communicator::self() const { return formatMessage("rank ", rank_); }

void Communicator::validate(const CollectiveCall &call) const {
  const char *name = collectiveKindName(call.kind);
  auto requireRank = [&](int r, const char *role) {
    require(r >= 0 && r < size_, name, ": ", role, " ", r, " is outside [0, ",
            size_, ")");
  };
  auto requireCounts = [&](const std::vector<size_t> &counts,
                           const char *what) {
    require(counts.size() == size_t(size_), name, ": ", what, " has ",
            counts.size(), " entries but the communicator has ", size_,
            " ranks");
  };
  auto requirePointer = [&](const void *p, size_t bytes, const char *what) {
    require(p != nullptr || bytes == 0, name, ": the ", what,
            " buffer is null but ", bytes, " bytes are to be transferred");
  };
  auto requireModularLength = [&](size_t words) {
    if (call.reduction.isModular()) {
      require(words == call.reduction.totalWords(), name, ": the buffer has ",
              words, " words but the ", call.reduction.describe(), " needs ",
              call.reduction.totalWords());
    }
  };
  size_t unit = call.unit;
  switch (call.kind) {
  case CollectiveKind::AllGather: {
    requireCounts(call.counts, "counts");
    size_t total = bytesOf(sumCounts(call.counts), unit, name);
    size_t own = call.counts[size_t(rank_)] * unit;
    requirePointer(call.send, own, "send");
    requirePointer(call.recv, total, "receive");
    size_t ownOffset = sumCounts(std::vector<size_t>(
                           call.counts.begin(), call.counts.begin() + rank_)) *
                       unit;
    const void *ownSlice = static_cast<uint8_t *>(call.recv) + ownOffset;
    require(!overlaps(call.send, own, call.recv, total) ||
                call.send == ownSlice,
            name,
            ": the send buffer overlaps the receive buffer without "
            "being this rank's own slice of it");
    break;
  }
  case CollectiveKind::ReduceScatter: {
    requireCounts(call.counts, "counts");
    size_t words = sumCounts(call.counts);
    size_t total = bytesOf(words, 8, name);
    requireModularLength(words);
    size_t own = call.counts[size_t(rank_)] * 8;
    requirePointer(call.send, total, "send");
    requirePointer(call.recv, own, "receive");
    size_t ownOffset = sumCounts(std::vector<size_t>(
                           call.counts.begin(), call.counts.begin() + rank_)) *
                       8;
    const void *ownSlice = static_cast<const uint8_t *>(call.send) + ownOffset;
    require(!overlaps(call.send, total, call.recv, own) ||
                call.recv == ownSlice,
            name,
            ": the receive buffer overlaps the send buffer without "
            "being this rank's own slice of it");
    break;
  }
  case CollectiveKind::AllReduce: {
    size_t bytes = bytesOf(call.count, 8, name);
    requireModularLength(call.count);
    requirePointer(call.send, bytes, "send");
    requirePointer(call.recv, bytes, "receive");
    require(!overlaps(call.send, bytes, call.recv, bytes) ||
                call.send == call.recv,
            name,
            ": the send and receive buffers overlap without being the "
            "same buffer");
    break;
  }
  case CollectiveKind::Broadcast:
    requireRank(call.root, "root");
    requirePointer(call.recv, bytesOf(call.count, unit, name), "");
    break;
  case CollectiveKind::AllToAll: {
    requireCounts(call.counts, "send counts");
    requireCounts(call.recvCounts, "receive counts");
    size_t sendBytes = bytesOf(sumCounts(call.counts), unit, name);
    size_t recvBytes = bytesOf(sumCounts(call.recvCounts), unit, name);
    requirePointer(call.send, sendBytes, "send");
    requirePointer(call.recv, recvBytes, "receive");
    require(call.counts[size_t(rank_)] == call.recvCounts[size_t(rank_)], name,
            ": this rank sends ", call.counts[size_t(rank_)],
            " elements to itself but expects ", call.recvCounts[size_t(rank_)]);
    require(!overlaps(call.send, sendBytes, call.recv, recvBytes), name,
            ": the send and receive buffers overlap");
    break;
  }
  case CollectiveKind::SendRecv: {
    if (call.hasSend) {
      requireRank(call.dest, "destination");
      requirePointer(call.send, bytesOf(call.count, unit, name), "send");
    }
    if (call.hasRecv) {
      requireRank(call.source, "source");
      requirePointer(call.recv, bytesOf(call.recvCount, unit, name), "receive");
    }
    if (call.hasSend && call.hasRecv) {
      require((call.dest == rank_) == (call.source == rank_), name,
              ": a send-recv that sends to this rank must also receive from "
              "it (destination ",
              call.dest, ", source ", call.source, ")");
      size_t sendBytes = call.count * unit;
      size_t recvBytes = call.recvCount * unit;
      if (call.dest == rank_) {
        require(call.count == call.recvCount, name, ": sends ", call.count,
                " elements to itself but expects ", call.recvCount);
        require(!overlaps(call.send, sendBytes, call.recv, recvBytes) ||
                    call.send == call.recv,
                name, ": the send and receive buffers overlap");
      } else {
        require(!overlaps(call.send, sendBytes, call.recv, recvBytes), name,
                ": the send and receive buffers overlap");
      }
    }
    break;
  }
  case CollectiveKind::Barrier:
    break;
  }
}

//===----------------------------------------------------------------------===//
// Starting, waiting, failing
//===----------------------------------------------------------------------===//

void Communicator::requireUsable() const {
  if (!failure_.empty()) {
    fail(self(),
         "'s communicator is unusable after an earlier failure: ", failure_);
  }
}

void Communicator::abort(const std::string &reason) noexcept {
  try {
    if (failure_.empty()) {
      failure_ = reason;
    }
    if (!peersNotified_) {
      peersNotified_ = true;
      notifyPeers(formatMessage(self(), " failed: ", reason));
    }
  } catch (...) {
    // abort() runs on error paths: it must not throw (bad_alloc at worst).
  }
}

void Communicator::failWith(const std::exception &error) {
  // The caller rethrows; here the failure is recorded and, unless it came
  // from a peer, broadcast so that nobody waits for this rank any longer.
  if (dynamic_cast<const PeerFailure *>(&error)) {
    if (failure_.empty()) {
      failure_ = error.what();
    }
    peersNotified_ = true;
    throw;
  }
  if (dynamic_cast<const CollectiveMismatch *>(&error)) {
    // Every rank detects it from the same headers; an abort would only race
    // with the slower ranks' own (identical) verdict.
    if (failure_.empty()) {
      failure_ = error.what();
    }
    throw;
  }
  abort(error.what());
  throw;
}

Request Communicator::start(const CollectiveCall &call) {
  requireUsable();
  uint64_t id = 0;
  try {
    require(kinds_.size() < options_.maxOutstanding, self(), " has ",
            kinds_.size(),
            " requests outstanding, the limit set by "
            "CommOptions::maxOutstanding; wait for some before starting more");
    validate(call);
    id = issue(call);
  } catch (const std::exception &e) {
    failWith(e);
  }
  stats_.recordStart(call.kind);
  kinds_.emplace(id, call.kind);
  return Request(id);
}

void Communicator::wait(Request &request) {
  requireUsable();
  auto it = kinds_.find(request.id());
  require(it != kinds_.end(), self(), ": wait() on a request that is empty, ",
          "already completed or from another communicator");
  CollectiveKind kind = it->second;
  auto begin = std::chrono::steady_clock::now();
  try {
    progress(request.id(), true);
  } catch (const std::exception &e) {
    stats_.recordWait(kind, std::chrono::duration<double>(
                                std::chrono::steady_clock::now() - begin)
                                .count());
    failWith(e);
  }
  stats_.recordWait(kind, std::chrono::duration<double>(
                              std::chrono::steady_clock::now() - begin)
                              .count());
  kinds_.erase(it);
  request = Request();
}

bool Communicator::test(Request &request) {
  requireUsable();
  auto it = kinds_.find(request.id());
  require(it != kinds_.end(), self(), ": test() on a request that is empty, ",
          "already completed or from another communicator");
  bool done = false;
  try {
    done = progress(request.id(), false);
  } catch (const std::exception &e) {
    failWith(e);
  }
  if (done) {
    kinds_.erase(it);
    request = Request();
  }
  return done;
}

void Communicator::waitAll(std::vector<Request> &requests) {
  for (Request &request : requests) {
    if (request.valid()) {
      wait(request);
    }
  }
}

//===----------------------------------------------------------------------===//
// Call forms
//===----------------------------------------------------------------------===//

Request Communicator::startAllGatherV(const uint64_t *send, uint64_t *recv,
                                      const std::vector<size_t> &counts) {
  CollectiveCall call;
  call.kind = CollectiveKind::AllGather;
  call.send = send;
  call.recv = recv;
  call.counts = counts;
  return start(call);
}

Request Communicator::startAllGather(const uint64_t *send, uint64_t *recv,
                                     size_t countPerRank) {
  return startAllGatherV(send, recv,
                         std::vector<size_t>(size_t(size_), countPerRank));
}

Request Communicator::startAllReduce(const uint64_t *send, uint64_t *recv,
                                     size_t count, const Reduction &reduction) {
  CollectiveCall call;
  call.kind = CollectiveKind::AllReduce;
  call.send = send;
  call.recv = recv;
  call.count = count;
  call.reduction = reduction;
  return start(call);
}

Request Communicator::startReduceScatterV(const uint64_t *send, uint64_t *recv,
                                          const std::vector<size_t> &counts,
                                          const Reduction &reduction) {
  CollectiveCall call;
  call.kind = CollectiveKind::ReduceScatter;
  call.send = send;
  call.recv = recv;
  call.counts = counts;
  call.reduction = reduction;
  return start(call);
}

Request Communicator::startBroadcast(uint64_t *buffer, size_t count, int root) {
  CollectiveCall call;
  call.kind = CollectiveKind::Broadcast;
  call.recv = buffer;
  call.count = count;
  call.root = root;
  return start(call);
}

namespace {

CollectiveCall allToAllCall(const void *send,
                            const std::vector<size_t> &sendCounts, void *recv,
                            const std::vector<size_t> &recvCounts,
                            size_t unit) {
  CollectiveCall call;
  call.kind = CollectiveKind::AllToAll;
  call.unit = unit;
  call.send = send;
  call.recv = recv;
  call.counts = sendCounts;
  call.recvCounts = recvCounts;
  return call;
}

CollectiveCall sendRecvCall(bool hasSend, const void *send, size_t sendCount,
                            int dest, bool hasRecv, void *recv,
                            size_t recvCount, int source, size_t unit) {
  CollectiveCall call;
  call.hasSend = hasSend;
  call.hasRecv = hasRecv;
  call.kind = CollectiveKind::SendRecv;
  call.unit = unit;
  call.send = send;
  call.count = sendCount;
  call.dest = dest;
  call.recv = recv;
  call.recvCount = recvCount;
  call.source = source;
  return call;
}

} // namespace

Request Communicator::startAllToAllV(const uint64_t *send,
                                     const std::vector<size_t> &sendCounts,
                                     uint64_t *recv,
                                     const std::vector<size_t> &recvCounts) {
  return start(allToAllCall(send, sendCounts, recv, recvCounts, 8));
}

Request Communicator::startSend(const uint64_t *send, size_t count, int dest) {
  return start(sendRecvCall(true, send, count, dest, false, nullptr, 0, 0, 8));
}

Request Communicator::startRecv(uint64_t *recv, size_t count, int source) {
  return start(
      sendRecvCall(false, nullptr, 0, 0, true, recv, count, source, 8));
}

Request Communicator::startSendRecv(const uint64_t *send, size_t sendCount,
                                    int dest, uint64_t *recv, size_t recvCount,
                                    int source) {
  return start(sendRecvCall(true, send, sendCount, dest, true, recv, recvCount,
                            source, 8));
}

Request
Communicator::startAllGatherBytesV(const void *send, void *recv,
                                   const std::vector<size_t> &byteCounts) {
  CollectiveCall call;
  call.kind = CollectiveKind::AllGather;
  call.unit = 1;
  call.send = send;
  call.recv = recv;
  call.counts = byteCounts;
  return start(call);
}

Request Communicator::startBroadcastBytes(void *buffer, size_t bytes,
                                          int root) {
  CollectiveCall call;
  call.kind = CollectiveKind::Broadcast;
  call.unit = 1;
  call.recv = buffer;
  call.count = bytes;
  call.root = root;
  return start(call);
}

Request Communicator::startAllToAllBytesV(
    const void *send, const std::vector<size_t> &sendBytes, void *recv,
    const std::vector<size_t> &recvBytes) {
  return start(allToAllCall(send, sendBytes, recv, recvBytes, 1));
}

Request Communicator::startSendBytes(const void *send, size_t bytes, int dest) {
  return start(sendRecvCall(true, send, bytes, dest, false, nullptr, 0, 0, 1));
}

Request Communicator::startRecvBytes(void *recv, size_t bytes, int source) {
  return start(
      sendRecvCall(false, nullptr, 0, 0, true, recv, bytes, source, 1));
}

//===----------------------------------------------------------------------===//
// Blocking forms
//===----------------------------------------------------------------------===//

void Communicator::allGatherV(const uint64_t *send, uint64_t *recv,
                              const std::vector<size_t> &counts) {
  Request r = startAllGatherV(send, recv, counts);
  wait(r);
}

void Communicator::allGather(const uint64_t *send, uint64_t *recv,
                             size_t countPerRank) {
  Request r = startAllGather(send, recv, countPerRank);
  wait(r);
}

void Communicator::allReduce(const uint64_t *send, uint64_t *recv, size_t count,
                             const Reduction &reduction) {
  Request r = startAllReduce(send, recv, count, reduction);
  wait(r);
}

void Communicator::reduceScatterV(const uint64_t *send, uint64_t *recv,
                                  const std::vector<size_t> &counts,
                                  const Reduction &reduction) {
  Request r = startReduceScatterV(send, recv, counts, reduction);
  wait(r);
}

void Communicator::broadcast(uint64_t *buffer, size_t count, int root) {
  Request r = startBroadcast(buffer, count, root);
  wait(r);
}

void Communicator::allToAllV(const uint64_t *send,
                             const std::vector<size_t> &sendCounts,
                             uint64_t *recv,
                             const std::vector<size_t> &recvCounts) {
  Request r = startAllToAllV(send, sendCounts, recv, recvCounts);
  wait(r);
}

void Communicator::send(const uint64_t *data, size_t count, int dest) {
  Request r = startSend(data, count, dest);
  wait(r);
}

void Communicator::recv(uint64_t *data, size_t count, int source) {
  Request r = startRecv(data, count, source);
  wait(r);
}

void Communicator::sendRecv(const uint64_t *sendData, size_t sendCount,
                            int dest, uint64_t *recvData, size_t recvCount,
                            int source) {
  Request r =
      startSendRecv(sendData, sendCount, dest, recvData, recvCount, source);
  wait(r);
}

void Communicator::allGatherBytesV(const void *send, void *recv,
                                   const std::vector<size_t> &byteCounts) {
  Request r = startAllGatherBytesV(send, recv, byteCounts);
  wait(r);
}

void Communicator::broadcastBytes(void *buffer, size_t bytes, int root) {
  Request r = startBroadcastBytes(buffer, bytes, root);
  wait(r);
}

Request Communicator::startBarrier() {
  CollectiveCall call;
  call.kind = CollectiveKind::Barrier;
  return start(call);
}

void Communicator::barrier() {
  Request r = startBarrier();
  wait(r);
}

} // namespace aegis::comm
