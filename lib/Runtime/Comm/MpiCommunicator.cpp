//===- MpiCommunicator.cpp - Ranks as MPI processes -----------------------===//
//
// The transport of the host engine over MPI: each transfer is one or more
// MPI_Isend/MPI_Irecv (split at 1 GiB so that counts fit an int), and every
// wait polls with MPI_Test and a deadline, never blocking inside MPI. Three
// duplicates of MPI_COMM_WORLD keep the matching spaces apart: agreement
// headers and failure notices, collective payload (tags from the sequence
// number), and point-to-point payload. A fourth, one per process, carries
// heartbeats: a thread sends ours to every peer and receives theirs
// (MPI_THREAD_MULTIPLE), so a stopped rank is found by its silence.
//
//===----------------------------------------------------------------------===//

#include "aegis/Runtime/Comm/MpiCommunicator.h"

#include "Heartbeat.h"
#include "HostCommunicator.h"

#include <mpi.h>

#include <algorithm>
#include <atomic>
#include <climits>
#include <cstdio>
#include <deque>
#include <mutex>
#include <thread>
#include <unordered_map>

namespace aegis::comm {
namespace {

constexpr int kPointToPointTag = 0;
constexpr int kHeaderTag = 1;
constexpr int kNoticeTag = 2;
constexpr int kAckTag = 3;
constexpr size_t kChunkBytes = size_t(1) << 30;

std::string mpiErrorString(int code) {
  char text[MPI_MAX_ERROR_STRING];
  int length = 0;
  if (MPI_Error_string(code, text, &length) != MPI_SUCCESS) {
    return formatMessage("MPI error ", code);
  }
  return std::string(text, size_t(length));
}

void check(int code, const char *what) {
  if (code != MPI_SUCCESS) {
    fail(what, " failed: ", mpiErrorString(code));
  }
}

/// Polls without burning a core that an oversubscribed peer needs: spin a
/// little, then yield, then sleep in short steps.
class Backoff {
public:
  void pause() {
    ++rounds_;
    if (rounds_ < 16) {
      return;
    }
    if (rounds_ < 256) {
      std::this_thread::yield();
      return;
    }
    std::this_thread::sleep_for(std::chrono::microseconds(50));
  }

private:
  unsigned rounds_ = 0;
};

/// The heartbeats of this process: one duplicate of MPI_COMM_WORLD that
/// carries only empty messages, and a thread that sends one to every peer
/// each interval and receives the peers' (MPI_THREAD_MULTIPLE; the thread is
/// the only user of its communicator). Created by the first world
/// communicator, stopped by MPI_Finalize (an attribute of MPI_COMM_SELF,
/// whose delete callback MPI_Finalize runs first). Never freed earlier: the
/// peers' beats keep arriving, and a freed context would be reused.
class MpiHeartbeats {
public:
  using Clock = std::chrono::steady_clock;

  /// The process's heartbeats, started on first use with beats every
  /// `interval` seconds (and at least that often afterwards); null when MPI
  /// runs without MPI_THREAD_MULTIPLE. `send` false: receive only.
  static MpiHeartbeats *get(double interval, bool send) {
    static std::mutex mutex;
    std::lock_guard<std::mutex> lock(mutex);
    static MpiHeartbeats *instance = nullptr;
    static bool unavailable = false;
    if (instance == nullptr && !unavailable) {
      int provided = MPI_THREAD_SINGLE;
      if (MPI_Query_thread(&provided) != MPI_SUCCESS ||
          provided < MPI_THREAD_MULTIPLE) {
        unavailable = true;
        return nullptr;
      }
      instance = new MpiHeartbeats(interval);
      int key = MPI_KEYVAL_INVALID;
      check(MPI_Comm_create_keyval(MPI_COMM_NULL_COPY_FN, &stopAtFinalize,
                                   &key, instance),
            "MPI_Comm_create_keyval");
      check(MPI_Comm_set_attr(MPI_COMM_SELF, key, instance),
            "MPI_Comm_set_attr");
      // Freed now, deleted by MPI once the attribute is gone (at finalize).
      check(MPI_Comm_free_keyval(&key), "MPI_Comm_free_keyval");
    }
    if (instance != nullptr) {
      instance->heartbeat_->tighten(interval);
      if (send) {
        instance->sending_ = true;
      }
    }
    return instance;
  }

  Clock::time_point lastHeard(int peer) const {
    return Clock::time_point(
        Clock::duration(heard_[size_t(peer)].load(std::memory_order_relaxed)));
  }

private:
  explicit MpiHeartbeats(double interval) {
    check(MPI_Comm_size(MPI_COMM_WORLD, &size_), "MPI_Comm_size");
    check(MPI_Comm_rank(MPI_COMM_WORLD, &rank_), "MPI_Comm_rank");
    check(MPI_Comm_dup(MPI_COMM_WORLD, &comm_), "MPI_Comm_dup");
    check(MPI_Comm_set_errhandler(comm_, MPI_ERRORS_RETURN),
          "MPI_Comm_set_errhandler");
    heard_.reset(new std::atomic<int64_t>[size_t(size_)]);
    int64_t now = Clock::now().time_since_epoch().count();
    for (int p = 0; p < size_; ++p) {
      heard_[size_t(p)] = now;
    }
    heartbeat_ = std::make_unique<Heartbeat>(interval, [this] { beat(); });
  }

  static int stopAtFinalize(MPI_Comm, int, void *value, void *) {
    auto *self = static_cast<MpiHeartbeats *>(value);
    self->heartbeat_.reset(); // joins the thread; MPI is still usable
    return MPI_SUCCESS;
  }

  void beat() {
    if (sending_) {
      for (int p = 0; p < size_; ++p) {
        if (p == rank_) {
          continue;
        }
        MPI_Request request = MPI_REQUEST_NULL;
        if (MPI_Isend(nullptr, 0, MPI_CHAR, p, 0, comm_, &request) ==
            MPI_SUCCESS) {
          MPI_Request_free(&request);
        }
      }
    }
    for (;;) {
      int flag = 0;
      MPI_Message message = MPI_MESSAGE_NULL;
      MPI_Status status;
      if (MPI_Improbe(MPI_ANY_SOURCE, 0, comm_, &flag, &message, &status) !=
              MPI_SUCCESS ||
          !flag) {
        break;
      }
      char none = 0;
      MPI_Mrecv(&none, 0, MPI_CHAR, &message, MPI_STATUS_IGNORE);
      int source = status.MPI_SOURCE;
      if (source >= 0 && source < size_) {
        heard_[size_t(source)].store(Clock::now().time_since_epoch().count(),
                                     std::memory_order_relaxed);
      }
    }
  }

  int size_ = 0;
  int rank_ = 0;
  MPI_Comm comm_ = MPI_COMM_NULL;
  std::unique_ptr<std::atomic<int64_t>[]> heard_;
  std::atomic<bool> sending_{false};
  std::unique_ptr<Heartbeat> heartbeat_; // last: its thread uses the above
};

class MpiCommunicator final : public HostCommunicator {
public:
  static std::unique_ptr<MpiCommunicator>
  createWorld(const CommOptions &options);

  MpiCommunicator(int rank, int size, MPI_Comm headers, MPI_Comm data,
                  MPI_Comm pointToPoint, uint64_t window,
                  const CommOptions &options)
      : HostCommunicator(rank, size, BackendKind::Mpi, options),
        headers_(headers), data_(data), pointToPoint_(pointToPoint),
        window_(window) {
    double liveness = options.livenessSeconds;
    heartbeats_ = MpiHeartbeats::get(
        liveness > 0 ? Heartbeat::intervalFor(liveness) : 1.0,
        options.heartbeats);
  }

  /// MPI_Comm_split of this communicator, duplicated three times like the
  /// world's (headers, data, point to point).
  std::unique_ptr<Communicator> split(int color, int key) override {
    MPI_Comm sub;
    check(MPI_Comm_split(headers_, color, key, &sub), "MPI_Comm_split");
    int rank = 0, size = 0;
    check(MPI_Comm_rank(sub, &rank), "MPI_Comm_rank");
    check(MPI_Comm_size(sub, &size), "MPI_Comm_size");
    MPI_Comm comms[3];
    for (MPI_Comm &comm : comms) {
      check(MPI_Comm_dup(sub, &comm), "MPI_Comm_dup");
      check(MPI_Comm_set_errhandler(comm, MPI_ERRORS_RETURN),
            "MPI_Comm_set_errhandler");
    }
    check(MPI_Comm_free(&sub), "MPI_Comm_free");
    return std::make_unique<MpiCommunicator>(rank, size, comms[0], comms[1],
                                             comms[2], window_, options());
  }

  ~MpiCommunicator() override {
    // Normal runs have nothing pending here. After a failure, receives are
    // cancelled (they would write into freed buffers); sends are released.
    bool clean = !failed() && slots_.empty();
    for (auto &entry : slots_) {
      for (MPI_Request &request : entry.second.requests) {
        if (request == MPI_REQUEST_NULL) {
          continue;
        }
        if (!entry.second.isSend) {
          MPI_Cancel(&request);
          MPI_Wait(&request, MPI_STATUS_IGNORE);
        } else {
          MPI_Request_free(&request);
        }
      }
    }
    // Messages of a failed exchange may still arrive. MPI reuses the
    // context of a freed communicator, and a later communicator would match
    // them (measured with Open MPI 4.1), so a communicator that failed
    // keeps its three contexts reserved until MPI_Finalize.
    if (clean) {
      MPI_Comm_free(&headers_);
      MPI_Comm_free(&data_);
      MPI_Comm_free(&pointToPoint_);
    }
  }

  /// Called by runOnMpiWorld after this rank failed. A primary (the rank
  /// where the failure started) waits until every peer acknowledged its
  /// notice or reported a failure of its own; a secondary acknowledges the
  /// notice it got and waits to be ended by the primary's MPI_Abort. Both
  /// give up after `seconds`.
  void drainAfterFailure(bool primary, double seconds) {
    if (!primary && noticeSource_ >= 0) {
      sendEmpty(noticeSource_, kAckTag);
    }
    std::vector<bool> heard(size_t(size()), false);
    heard[size_t(rank())] = true;
    // A stopped rank will not answer: do not wait for it.
    for (const SilentPeer &peer : silentPeers()) {
      heard[size_t(peer.rank)] = true;
    }
    auto until = Clock::now() + std::chrono::duration_cast<Clock::duration>(
                                    std::chrono::duration<double>(seconds));
    while (Clock::now() < until) {
      for (int tag : {kAckTag, kNoticeTag}) {
        int flag = 0;
        MPI_Status status;
        if (MPI_Iprobe(MPI_ANY_SOURCE, tag, headers_, &flag, &status) !=
                MPI_SUCCESS ||
            !flag) {
          continue;
        }
        int count = 0;
        MPI_Get_count(&status, MPI_CHAR, &count);
        std::string discard(size_t(std::max(count, 1)), '\0');
        MPI_Recv(discard.data(), count, MPI_CHAR, status.MPI_SOURCE, tag,
                 headers_, MPI_STATUS_IGNORE);
        heard[size_t(status.MPI_SOURCE)] = true;
        if (tag == kNoticeTag) {
          sendEmpty(status.MPI_SOURCE, kAckTag);
        }
      }
      if (primary &&
          std::all_of(heard.begin(), heard.end(), [](bool h) { return h; })) {
        return;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  }

private:
  struct Slot {
    std::vector<MPI_Request> requests;
    bool isSend = false;
    int peer = -1;
    size_t bytes = 0;
    size_t moved = 0;
    bool done = false;
    std::string error;
  };

  MPI_Comm commOf(Channel channel) const {
    switch (channel) {
    case Channel::Header:
      return headers_;
    case Channel::Collective:
      return data_;
    case Channel::PointToPoint:
      return pointToPoint_;
    }
    return data_;
  }

  int tagOf(const TransferRequest &request) const {
    switch (request.channel) {
    case Channel::Header:
      return kHeaderTag;
    case Channel::PointToPoint:
      return kPointToPointTag;
    case Channel::Collective:
      break;
    }
    // tag = seq * kMaxPhases + phase, so this is (seq mod window) *
    // kMaxPhases + phase: at most MPI_TAG_UB, and unique among the
    // collectives that can be in flight (CommOptions::maxOutstanding).
    return int(request.tag % (window_ * kMaxPhases));
  }

  TransferHandle postTransfer(const TransferRequest &request) override {
    Slot slot;
    slot.isSend = request.isSend;
    slot.peer = request.peer;
    slot.bytes = request.bytes;
    MPI_Comm comm = commOf(request.channel);
    int tag = tagOf(request);
    auto *data = static_cast<char *>(request.data);
    size_t offset = 0;
    do {
      size_t length = std::min(kChunkBytes, request.bytes - offset);
      MPI_Request handle = MPI_REQUEST_NULL;
      int code = request.isSend
                     ? MPI_Isend(data + offset, int(length), MPI_BYTE,
                                 request.peer, tag, comm, &handle)
                     : MPI_Irecv(data + offset, int(length), MPI_BYTE,
                                 request.peer, tag, comm, &handle);
      check(code, request.isSend ? "MPI_Isend" : "MPI_Irecv");
      slot.requests.push_back(handle);
      offset += length;
    } while (offset < request.bytes);
    TransferHandle id = nextHandle_++;
    slots_.emplace(id, std::move(slot));
    return id;
  }

  /// Tests the slot's requests; returns true if it completed just now.
  bool pollSlot(Slot &slot) {
    if (slot.done) {
      return false;
    }
    for (MPI_Request &request : slot.requests) {
      if (request == MPI_REQUEST_NULL) {
        continue;
      }
      int flag = 0;
      MPI_Status status;
      int code = MPI_Test(&request, &flag, &status);
      if (code != MPI_SUCCESS) {
        request = MPI_REQUEST_NULL;
        slot.error =
            formatMessage(slot.isSend ? "sending " : "receiving ", slot.bytes,
                          " bytes ", slot.isSend ? "to" : "from", " rank ",
                          slot.peer, " failed: ", mpiErrorString(code));
        slot.done = true;
        return true;
      }
      if (!flag) {
        return false;
      }
      if (!slot.isSend) {
        int count = 0;
        MPI_Get_count(&status, MPI_BYTE, &count);
        slot.moved += size_t(count);
      }
    }
    if (slot.isSend) {
      slot.moved = slot.bytes;
    } else if (slot.moved != slot.bytes) {
      slot.error =
          formatMessage("rank ", slot.peer, " sent ", slot.moved, " bytes but ",
                        self(), " expected ", slot.bytes, " bytes");
    }
    slot.done = true;
    return true;
  }

  bool pollTransfer(TransferHandle handle, size_t &moved) override {
    auto it = slots_.find(handle);
    pollSlot(it->second);
    if (!it->second.done) {
      return false;
    }
    Slot slot = std::move(it->second);
    slots_.erase(it);
    if (!slot.error.empty()) {
      fail(slot.error);
    }
    moved = slot.moved;
    return true;
  }

  Clock::time_point lastHeard(int peer) const override {
    return heartbeats_ != nullptr ? heartbeats_->lastHeard(peer)
                                  : Clock::time_point::max();
  }

  bool noticePending() {
    int flag = 0;
    MPI_Status status;
    check(MPI_Iprobe(MPI_ANY_SOURCE, kNoticeTag, headers_, &flag, &status),
          "MPI_Iprobe");
    return flag != 0;
  }

  void waitForActivity(Clock::time_point until) override {
    Backoff backoff;
    for (;;) {
      bool any = false;
      for (auto &entry : slots_) {
        any |= pollSlot(entry.second);
      }
      if (any || noticePending() || Clock::now() >= until) {
        return;
      }
      backoff.pause();
    }
  }

  void checkPeerFailure() override {
    int flag = 0;
    MPI_Status status;
    check(MPI_Iprobe(MPI_ANY_SOURCE, kNoticeTag, headers_, &flag, &status),
          "MPI_Iprobe");
    if (!flag) {
      return;
    }
    int count = 0;
    MPI_Get_count(&status, MPI_CHAR, &count);
    std::string message(size_t(count), '\0');
    check(MPI_Recv(message.data(), count, MPI_CHAR, status.MPI_SOURCE,
                   kNoticeTag, headers_, MPI_STATUS_IGNORE),
          "MPI_Recv");
    noticeSource_ = status.MPI_SOURCE;
    throw PeerFailure(message);
  }

  void notifyPeers(const std::string &message) noexcept override {
    try {
      notices_.push_back(message);
      const std::string &text = notices_.back();
      for (int p = 0; p < size(); ++p) {
        if (p == rank()) {
          continue;
        }
        MPI_Request request = MPI_REQUEST_NULL;
        if (MPI_Isend(text.data(), int(text.size()), MPI_CHAR, p, kNoticeTag,
                      headers_, &request) == MPI_SUCCESS) {
          MPI_Request_free(&request);
        }
      }
    } catch (...) {
      // Best effort: the peers still time out.
    }
  }

  void sendEmpty(int peer, int tag) {
    MPI_Request request = MPI_REQUEST_NULL;
    if (MPI_Isend(nullptr, 0, MPI_CHAR, peer, tag, headers_, &request) ==
        MPI_SUCCESS) {
      MPI_Request_free(&request);
    }
  }

  MPI_Comm headers_;
  MPI_Comm data_;
  MPI_Comm pointToPoint_;
  uint64_t window_;
  std::unordered_map<TransferHandle, Slot> slots_;
  TransferHandle nextHandle_ = 1;
  std::deque<std::string> notices_; // kept alive for their MPI_Isend
  int noticeSource_ = -1;
  MpiHeartbeats *heartbeats_ = nullptr; // null without MPI_THREAD_MULTIPLE
};

std::unique_ptr<MpiCommunicator>
MpiCommunicator::createWorld(const CommOptions &options) {
  int finalized = 0;
  check(MPI_Finalized(&finalized), "MPI_Finalized");
  require(!finalized, "MPI was already finalized; create MPI communicators "
                      "before MPI_Finalize");
  int initialized = 0;
  check(MPI_Initialized(&initialized), "MPI_Initialized");
  if (!initialized) {
    int provided = 0;
    check(MPI_Init_thread(nullptr, nullptr, MPI_THREAD_MULTIPLE, &provided),
          "MPI_Init_thread");
  }
  int rank = 0;
  int size = 0;
  check(MPI_Comm_rank(MPI_COMM_WORLD, &rank), "MPI_Comm_rank");
  check(MPI_Comm_size(MPI_COMM_WORLD, &size), "MPI_Comm_size");
  void *value = nullptr;
  int flag = 0;
  check(MPI_Comm_get_attr(MPI_COMM_WORLD, MPI_TAG_UB, &value, &flag),
        "MPI_Comm_get_attr(MPI_TAG_UB)");
  uint64_t tagBound = flag ? uint64_t(*static_cast<int *>(value)) : 32767;
  uint64_t window = (tagBound + 1) / kMaxPhases;
  // A rank can be up to 2 * maxOutstanding collectives ahead of a peer's
  // oldest unfinished one; the tags of all of them must differ.
  require(window > 2 * uint64_t(options.maxOutstanding),
          "this MPI's MPI_TAG_UB (", tagBound, ") tells apart only ", window,
          " collectives; lower CommOptions::maxOutstanding below ", window / 2);

  MPI_Comm comms[3];
  for (MPI_Comm &comm : comms) {
    check(MPI_Comm_dup(MPI_COMM_WORLD, &comm), "MPI_Comm_dup");
    check(MPI_Comm_set_errhandler(comm, MPI_ERRORS_RETURN),
          "MPI_Comm_set_errhandler");
  }
  return std::make_unique<MpiCommunicator>(rank, size, comms[0], comms[1],
                                           comms[2], window, options);
}

} // namespace

std::unique_ptr<Communicator>
createMpiWorldCommunicator(const CommOptions &options) {
  return MpiCommunicator::createWorld(options);
}

int runOnMpiWorld(int *argc, char ***argv,
                  const std::function<void(Communicator &)> &fn,
                  const CommOptions &options) {
  int initialized = 0;
  MPI_Initialized(&initialized);
  int provided = 0;
  // Heartbeats run on a thread of their own: ask for MPI_THREAD_MULTIPLE
  // (without it, only the timeout finds a stopped rank).
  if (!initialized &&
      MPI_Init_thread(argc, argv, MPI_THREAD_MULTIPLE, &provided) !=
          MPI_SUCCESS) {
    std::fprintf(stderr, "aegis: MPI_Init_thread failed\n");
    return 1;
  }
  int rank = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  std::unique_ptr<MpiCommunicator> comm;
  std::string message;
  bool primary = true;
  try {
    comm = MpiCommunicator::createWorld(options);
    fn(*comm);
  } catch (const PeerFailure &e) {
    message = e.what();
    primary = false;
  } catch (const std::exception &e) {
    message = formatMessage("rank ", rank, " failed: ", e.what());
    if (comm) {
      comm->abort(e.what());
    }
  } catch (...) {
    message = formatMessage("rank ", rank,
                            " failed: an exception that is not a "
                            "std::exception");
    if (comm) {
      comm->abort("an exception that is not a std::exception");
    }
  }
  if (!message.empty()) {
    std::fprintf(stderr, "aegis: [rank %d] %s\n", rank, message.c_str());
    std::fflush(stderr);
    double timeout = options.timeoutSeconds;
    if (comm) {
      comm->drainAfterFailure(primary,
                              timeout > 0 ? std::min(timeout, 5.0) : 5.0);
    }
    MPI_Abort(MPI_COMM_WORLD, 1);
    return 1;
  }
  comm.reset();
  MPI_Finalize();
  return 0;
}

} // namespace aegis::comm
