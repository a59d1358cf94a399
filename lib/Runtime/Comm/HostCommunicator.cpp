//===- HostCommunicator.cpp - Progress engine of the CPU backends ---------===//

#include "HostCommunicator.h"

#include "HostReduce.h"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <set>

namespace aegis::comm {
namespace {

/// "AEGISCM" and format version 1.
constexpr uint64_t kHeaderMagic = 0x4145474953434d01ull;
constexpr size_t kHeaderFixedWords = 8;

enum HeaderField : size_t {
  kMagic,
  kSeq,
  kKind,
  kUnit,
  kRoot,
  kCounts,
  kReduction,
  kSize,
};

uint64_t hashWords(const std::vector<size_t> &words) {
  uint64_t hash = 0xcbf29ce484222325ull;
  for (size_t w : words) {
    for (int b = 0; b < 8; ++b) {
      hash ^= (uint64_t(w) >> (8 * b)) & 0xff;
      hash *= 0x100000001b3ull;
    }
  }
  return hash;
}

bool isCollective(CollectiveKind kind) {
  return kind != CollectiveKind::SendRecv;
}

template <typename... Args>
[[noreturn]] void mismatch(const Args &...args) {
  throw CollectiveMismatch(formatMessage(args...));
}

/// Seconds with one decimal: "10.3".
std::string formatSeconds(double seconds) {
  char text[32];
  std::snprintf(text, sizeof(text), "%.1f", seconds);
  return text;
}

const char *unitName(uint64_t unit) {
  return unit == 1 ? "bytes" : "8-byte words";
}

} // namespace

size_t headerWords(int size) { return kHeaderFixedWords + 2 * size_t(size); }

struct HostCommunicator::Op {
  uint64_t id = 0;
  CollectiveKind kind = CollectiveKind::Barrier;
  uint64_t seq = 0;
  Reduction reduction = Reduction::wrappingSum();
  Schedule schedule;
  std::vector<uint64_t> scratch;
  size_t scratchBytes = 0;
  std::vector<uint64_t> header;
  std::vector<uint64_t> headers; // size() headers, rank order
  bool inHeaderStage = false;
  size_t phase = 0;
  bool complete = false;
  std::vector<Active> active;
  uint64_t sent = 0;
  uint64_t received = 0;
};

HostCommunicator::HostCommunicator(int rank, int size, BackendKind backend,
                                   const CommOptions &options)
    : Communicator(rank, size, backend, options) {}

HostCommunicator::~HostCommunicator() {
  for (const auto &op : ops_) {
    if (op->scratchBytes != 0 && !op->complete) {
      stats().recordFree(op->scratchBytes);
    }
  }
}

uint64_t HostCommunicator::issue(const CollectiveCall &call) {
  checkPeerFailure();
  auto op = std::make_unique<Op>();
  op->id = nextId_++;
  op->kind = call.kind;
  op->reduction = call.reduction;
  bool collective = isCollective(call.kind);
  if (collective) {
    op->seq = nextSeq_++;
  }
  op->scratchBytes = scheduleScratchBytes(call, rank(), size());
  op->scratch.resize((op->scratchBytes + 7) / 8);
  if (op->scratchBytes != 0) {
    stats().recordAllocation(op->scratchBytes);
  }
  op->schedule = buildSchedule(call, rank(), size(),
                               reinterpret_cast<uint8_t *>(op->scratch.data()));

  bool withHeader = call.kind == CollectiveKind::Barrier ||
                    (collective && options().checkAgreement);
  if (withHeader) {
    size_t words = headerWords(size());
    op->header.assign(words, 0);
    op->header[kMagic] = kHeaderMagic;
    op->header[kSeq] = op->seq;
    op->header[kKind] = uint64_t(call.kind);
    op->header[kUnit] = call.unit;
    op->header[kSize] = uint64_t(size());
    switch (call.kind) {
    case CollectiveKind::AllGather:
    case CollectiveKind::ReduceScatter:
      op->header[kCounts] = hashWords(call.counts);
      break;
    case CollectiveKind::AllReduce:
    case CollectiveKind::Broadcast:
      op->header[kCounts] = hashWords({call.count});
      break;
    case CollectiveKind::AllToAll:
      for (int p = 0; p < size(); ++p) {
        op->header[kHeaderFixedWords + size_t(p)] = call.counts[size_t(p)];
        op->header[kHeaderFixedWords + size_t(size() + p)] =
            call.recvCounts[size_t(p)];
      }
      break;
    default:
      break;
    }
    if (call.kind == CollectiveKind::Broadcast) {
      op->header[kRoot] = uint64_t(call.root) + 1;
    }
    if (call.kind == CollectiveKind::AllReduce ||
        call.kind == CollectiveKind::ReduceScatter) {
      op->header[kReduction] = call.reduction.fingerprint();
    }
    op->headers.assign(words * size_t(size()), 0);
    std::copy(op->header.begin(), op->header.end(),
              op->headers.begin() + ptrdiff_t(words * size_t(rank())));
    op->inHeaderStage = true;
  }
  Op &ref = *op;
  ops_.push_back(std::move(op));
  post(ref);
  return ref.id;
}

void HostCommunicator::post(Op &op) {
  if (op.inHeaderStage) {
    size_t words = headerWords(size());
    for (int k = 1; k < size(); ++k) {
      int peer = (rank() + k) % size();
      TransferRequest send;
      send.isSend = true;
      send.peer = peer;
      send.channel = Channel::Header;
      send.data = op.header.data();
      send.bytes = words * 8;
      op.active.push_back({postTransfer(send), peer, true, true, false});
      TransferRequest recv = send;
      recv.isSend = false;
      recv.data = op.headers.data() + words * size_t(peer);
      op.active.push_back({postTransfer(recv), peer, false, true, false});
    }
    return;
  }
  if (op.phase >= op.schedule.phases.size()) {
    return;
  }
  bool collective = isCollective(op.kind);
  for (const ScheduleTransfer &t : op.schedule.phases[op.phase].transfers) {
    TransferRequest request;
    request.isSend = t.isSend;
    request.peer = t.peer;
    request.channel = collective ? Channel::Collective : Channel::PointToPoint;
    request.tag = collective ? op.seq * kMaxPhases + op.phase : 0;
    request.data = t.data;
    request.bytes = t.bytes;
    op.active.push_back(
        {postTransfer(request), t.peer, t.isSend, false, false});
  }
}

void HostCommunicator::finishStage(Op &op) {
  if (op.inHeaderStage) {
    checkHeaders(op);
    op.inHeaderStage = false;
    return;
  }
  const SchedulePhase &phase = op.schedule.phases[op.phase];
  for (const ScheduleCopy &copy : phase.copies) {
    std::memmove(copy.dst, copy.src, copy.bytes);
  }
  for (const ScheduleReduce &reduce : phase.reduces) {
    reduceOnHost(reduce, op.reduction);
  }
  ++op.phase;
}

bool HostCommunicator::advance(Op &op) {
  bool changed = false;
  while (!op.complete) {
    bool allDone = true;
    for (Active &a : op.active) {
      if (a.done) {
        continue;
      }
      size_t moved = 0;
      if (!pollTransfer(a.handle, moved)) {
        allDone = false;
        continue;
      }
      a.done = true;
      changed = true;
      if (a.peer == rank()) {
        continue; // A rank talking to itself moves nothing between devices.
      }
      if (a.control) {
        stats().recordControl(a.isSend ? moved : 0, a.isSend ? 0 : moved);
      } else if (a.isSend) {
        op.sent += moved;
      } else {
        op.received += moved;
      }
    }
    if (!allDone) {
      break;
    }
    op.active.clear();
    finishStage(op);
    changed = true;
    if (op.phase >= op.schedule.phases.size()) {
      op.complete = true;
      stats().recordTraffic(op.kind, op.sent, op.received);
      if (op.scratchBytes != 0) {
        stats().recordFree(op.scratchBytes);
      }
      op.scratch = std::vector<uint64_t>();
      break;
    }
    post(op);
  }
  return changed;
}

bool HostCommunicator::advanceAll() {
  bool changed = false;
  for (auto &op : ops_) {
    if (!op->complete) {
      changed |= advance(*op);
    }
  }
  return changed;
}

bool HostCommunicator::progress(uint64_t id, bool block) {
  auto it = std::find_if(ops_.begin(), ops_.end(),
                         [&](const auto &op) { return op->id == id; });
  require(it != ops_.end(), self(), ": request ", id, " is not outstanding");
  Op &op = **it;
  double timeout = options().timeoutSeconds;
  auto lastMove = Clock::now();
  for (;;) {
    // A peer seen gone before this poll has finished everything it will
    // ever do, so whatever still waits for it after the poll is orphaned.
    std::set<int> gone = leftPeers(op);
    // Own progress first: a mismatch that every rank detects from the
    // headers it already holds is then reported identically everywhere,
    // instead of as "rank r failed: ..." on the ranks that were slower.
    bool moved = advanceAll();
    if (op.complete) {
      ops_.erase(std::find_if(ops_.begin(), ops_.end(),
                              [&](const auto &o) { return o->id == id; }));
      return true;
    }
    checkPeerFailure();
    if (!block) {
      return false;
    }
    auto now = Clock::now();
    if (moved) {
      lastMove = now;
    }
    checkLeftPeers(op, gone);
    checkLiveness(op, now);
    auto limit = std::chrono::duration_cast<Clock::duration>(
        std::chrono::duration<double>(timeout));
    if (timeout > 0 && now - lastMove >= limit) {
      fail("timed out after ", timeout, " s ", describeWait(op));
    }
    // Wake at least a few times per liveness limit to look at heartbeats.
    Clock::time_point until = timeout > 0 ? lastMove + limit
                                          : now + std::chrono::seconds(1);
    double liveness = options().livenessSeconds;
    if (liveness > 0) {
      until = std::min(until, now + std::chrono::duration_cast<Clock::duration>(
                                        std::chrono::duration<double>(
                                            std::min(0.5, liveness / 4))));
    }
    waitForActivity(until);
  }
}

double HostCommunicator::silence(int peer, Clock::time_point now) const {
  double liveness = options().livenessSeconds;
  Clock::time_point heard = lastHeard(peer);
  if (liveness <= 0 || peer == rank() || heard >= now) {
    return 0;
  }
  double seconds = std::chrono::duration<double>(now - heard).count();
  return seconds > liveness ? seconds : 0;
}

std::vector<Communicator::SilentPeer> HostCommunicator::silentPeers() const {
  std::vector<SilentPeer> silent;
  auto now = Clock::now();
  for (int p = 0; p < size(); ++p) {
    if (double seconds = silence(p, now); seconds > 0) {
      silent.push_back({p, seconds});
    }
  }
  return silent;
}

void HostCommunicator::checkLiveness(const Op &op, Clock::time_point now) const {
  for (const Active &a : op.active) {
    if (a.done) {
      continue;
    }
    if (double seconds = silence(a.peer, now); seconds > 0) {
      fail("rank ", a.peer, " stopped responding: no heartbeat for ",
           formatSeconds(seconds), " s (limit ", options().livenessSeconds,
           " s, AEGIS_COMM_LIVENESS_S) while ", self(), " was ",
           describeWait(op));
    }
  }
}

std::string HostCommunicator::describeOp(const Op &op) const {
  if (!isCollective(op.kind)) {
    return collectiveKindName(op.kind);
  }
  return formatMessage(collectiveKindName(op.kind), " (collective #",
                       op.seq + 1, ")");
}

std::string HostCommunicator::describeWait(const Op &op) const {
  std::set<int> peers;
  for (const Active &a : op.active) {
    if (!a.done) {
      peers.insert(a.peer);
    }
  }
  std::string list;
  for (int p : peers) {
    list += (list.empty() ? "" : ", ") + std::to_string(p);
  }
  return formatMessage("waiting for ", peers.size() == 1 ? "rank " : "ranks ",
                       list, " in ", describeOp(op),
                       op.inHeaderStage ? " (agreement header)" : "");
}

std::set<int> HostCommunicator::leftPeers(const Op &op) const {
  std::set<int> gone;
  for (const Active &a : op.active) {
    if (!a.done && peerGone(a.peer)) {
      gone.insert(a.peer);
    }
  }
  return gone;
}

void HostCommunicator::checkLeftPeers(const Op &op,
                                      const std::set<int> &gone) const {
  for (const Active &a : op.active) {
    if (!a.done && gone.count(a.peer) != 0) {
      fail("rank ", a.peer, " left before completing ", describeOp(op),
           " with ", self(),
           " (its communicator was destroyed: its function returned or "
           "threw)");
    }
  }
}

void HostCommunicator::checkHeaders(const Op &op) const {
  size_t words = headerWords(size());
  auto field = [&](int p, size_t f) {
    return op.headers[words * size_t(p) + f];
  };
  std::string what = describeOp(op);
  for (int p = 1; p < size(); ++p) {
    if (field(p, kMagic) != kHeaderMagic ||
        field(p, kSize) != field(0, kSize)) {
      mismatch("collective mismatch: rank ", p,
               " sent a malformed agreement header in ", what,
               "; are all ranks running the same aegis build?");
    }
    if (field(p, kSeq) != field(0, kSeq)) {
      mismatch(
          "collective mismatch: rank 0 is at collective #", field(0, kSeq) + 1,
          " but rank ", p, " is at collective #", field(p, kSeq) + 1,
          "; every rank must start the same collectives in the same order");
    }
    if (field(p, kKind) != field(0, kKind)) {
      mismatch("collective mismatch: at collective #", field(0, kSeq) + 1,
               " rank 0 started ",
               collectiveKindName(CollectiveKind(field(0, kKind))),
               " but rank ", p, " started ",
               collectiveKindName(CollectiveKind(field(p, kKind))));
    }
    if (field(p, kUnit) != field(0, kUnit)) {
      mismatch("collective mismatch: in ", what, " rank 0 passes ",
               unitName(field(0, kUnit)), " but rank ", p, " passes ",
               unitName(field(p, kUnit)));
    }
    if (field(p, kRoot) != field(0, kRoot)) {
      mismatch("collective mismatch: in ", what, " rank 0 names root ",
               int64_t(field(0, kRoot)) - 1, " but rank ", p, " names root ",
               int64_t(field(p, kRoot)) - 1);
    }
    if (field(p, kCounts) != field(0, kCounts)) {
      mismatch("collective mismatch: in ", what, " rank 0 and rank ", p,
               " pass different counts");
    }
    if (field(p, kReduction) != field(0, kReduction)) {
      mismatch("collective mismatch: in ", what, " rank 0 and rank ", p,
               " pass different reductions (moduli or limb length)");
    }
  }
  if (op.kind == CollectiveKind::AllToAll) {
    for (int s = 0; s < size(); ++s) {
      for (int d = 0; d < size(); ++d) {
        uint64_t sends = field(s, kHeaderFixedWords + size_t(d));
        uint64_t expects =
            field(d, kHeaderFixedWords + size_t(size()) + size_t(s));
        if (sends != expects) {
          mismatch("collective mismatch: in ", what, " rank ", s, " sends ",
                   sends, " elements to rank ", d, " but rank ", d, " expects ",
                   expects);
        }
      }
    }
  }
}

} // namespace aegis::comm
