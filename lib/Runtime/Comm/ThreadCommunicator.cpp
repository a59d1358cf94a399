//===- ThreadCommunicator.cpp - Ranks as threads of one process -----------===//
//
// Every rank has a mailbox holding the sends addressed to it that no receive
// has matched yet and its own receives that no send has matched yet. Posting
// a transfer looks for its partner under the destination's lock; if found,
// the poster copies the bytes (outside the lock) and completes both sides,
// otherwise it queues itself. Matching is first-in first-out per (source,
// channel, tag), like MPI's non-overtaking rule.
//
//===----------------------------------------------------------------------===//

#include "aegis/Runtime/Comm/ThreadCommunicator.h"

#include "Heartbeat.h"
#include "HostCommunicator.h"

#include <atomic>
#include <condition_variable>
#include <cstring>
#include <mutex>
#include <thread>
#include <unordered_map>

namespace aegis::comm {

class ThreadGroup {
public:
  struct Posted {
    int src = 0;
    int dst = 0;
    bool isSend = false;
    Channel channel = Channel::Collective;
    uint64_t tag = 0;
    uint8_t *data = nullptr;
    size_t bytes = 0;
    /// 0 pending, 1 done, 2 failed; written once by the thread that matched.
    std::atomic<int> state{0};
    size_t moved = 0;
    std::string error;
  };

  struct Mailbox {
    std::mutex mutex;
    std::condition_variable wake;
    std::deque<std::shared_ptr<Posted>> sends; // addressed to this rank
    std::deque<std::shared_ptr<Posted>> recvs; // posted by this rank
    uint64_t activity = 0;
  };

  explicit ThreadGroup(int size)
      : size_(size), gone_(new std::atomic<bool>[size_t(size)]),
        attached_(new std::atomic<bool>[size_t(size)]),
        beats_(new std::atomic<int64_t>[size_t(size)]) {
    require(size >= 1, "a thread group needs at least 1 rank, got ", size);
    int64_t now = std::chrono::steady_clock::now().time_since_epoch().count();
    for (int r = 0; r < size; ++r) {
      mailboxes_.push_back(std::make_unique<Mailbox>());
      gone_[size_t(r)] = false;
      attached_[size_t(r)] = false;
      beats_[size_t(r)] = now;
    }
  }

  /// Heartbeats: each rank's heartbeat thread stamps its slot.
  void beat(int rank) {
    beats_[size_t(rank)].store(
        std::chrono::steady_clock::now().time_since_epoch().count(),
        std::memory_order_relaxed);
  }
  std::chrono::steady_clock::time_point lastBeat(int rank) const {
    return std::chrono::steady_clock::time_point(
        std::chrono::steady_clock::duration(
            beats_[size_t(rank)].load(std::memory_order_relaxed)));
  }

  int size() const { return size_; }
  Mailbox &mailbox(int rank) { return *mailboxes_[size_t(rank)]; }

  void attach(int rank) {
    require(rank >= 0 && rank < size_, "rank ", rank, " is outside [0, ", size_,
            ")");
    bool expected = false;
    require(attached_[size_t(rank)].compare_exchange_strong(expected, true),
            "rank ", rank,
            " of this thread group already has (or had) a communicator");
  }

  void post(const std::shared_ptr<Posted> &op) {
    // Sends and receives addressed to one rank both live in its mailbox, so
    // one lock orders every match of that rank.
    Mailbox &box = mailbox(op->dst);
    std::shared_ptr<Posted> partner;
    {
      std::lock_guard<std::mutex> lock(box.mutex);
      auto &queue = op->isSend ? box.recvs : box.sends;
      for (auto it = queue.begin(); it != queue.end(); ++it) {
        if ((*it)->src == op->src && (*it)->channel == op->channel &&
            (*it)->tag == op->tag) {
          partner = *it;
          queue.erase(it);
          break;
        }
      }
      if (!partner) {
        (op->isSend ? box.sends : box.recvs).push_back(op);
        return;
      }
    }
    if (op->isSend) {
      complete(*op, *partner);
    } else {
      complete(*partner, *op);
    }
  }

  /// Removes `op` from its mailbox if still unmatched; otherwise waits until
  /// the thread that matched it has finished copying.
  void withdraw(const std::shared_ptr<Posted> &op) {
    Mailbox &box = mailbox(op->dst);
    {
      std::lock_guard<std::mutex> lock(box.mutex);
      auto &queue = op->isSend ? box.sends : box.recvs;
      for (auto it = queue.begin(); it != queue.end(); ++it) {
        if (*it == op) {
          queue.erase(it);
          return;
        }
      }
    }
    while (op->state.load(std::memory_order_acquire) == 0) {
      std::this_thread::yield();
    }
  }

  void leave(int rank) {
    gone_[size_t(rank)] = true;
    pokeAll();
  }
  bool gone(int rank) const { return gone_[size_t(rank)]; }

  void setAbort(const std::string &message) {
    {
      std::lock_guard<std::mutex> lock(abortMutex_);
      if (aborted_) {
        return;
      }
      abortMessage_ = message;
      aborted_ = true;
    }
    pokeAll();
  }
  bool aborted() const { return aborted_; }
  std::string abortMessage() const {
    std::lock_guard<std::mutex> lock(abortMutex_);
    return abortMessage_;
  }

private:
  void complete(Posted &send, Posted &recv) {
    if (send.bytes != recv.bytes) {
      std::string error = formatMessage("rank ", send.src, " sent ", send.bytes,
                                        " bytes but rank ", recv.dst,
                                        " expected ", recv.bytes, " bytes");
      send.error = error;
      recv.error = error;
      send.state.store(2, std::memory_order_release);
      recv.state.store(2, std::memory_order_release);
    } else {
      if (send.bytes != 0 && send.data != recv.data) {
        std::memcpy(recv.data, send.data, send.bytes);
      }
      send.moved = send.bytes;
      recv.moved = recv.bytes;
      send.state.store(1, std::memory_order_release);
      recv.state.store(1, std::memory_order_release);
    }
    poke(send.src);
    if (recv.dst != send.src) {
      poke(recv.dst);
    }
  }

  void poke(int rank) {
    Mailbox &box = mailbox(rank);
    {
      std::lock_guard<std::mutex> lock(box.mutex);
      ++box.activity;
    }
    box.wake.notify_all();
  }

  void pokeAll() {
    for (int r = 0; r < size_; ++r) {
      poke(r);
    }
  }

  int size_;
  std::vector<std::unique_ptr<Mailbox>> mailboxes_;
  std::unique_ptr<std::atomic<bool>[]> gone_;
  std::unique_ptr<std::atomic<bool>[]> attached_;
  std::unique_ptr<std::atomic<int64_t>[]> beats_;
  std::atomic<bool> aborted_{false};
  mutable std::mutex abortMutex_;
  std::string abortMessage_;
};

namespace {

class ThreadCommunicator final : public HostCommunicator {
public:
  ThreadCommunicator(std::shared_ptr<ThreadGroup> group, int rank,
                     const CommOptions &options)
      : HostCommunicator(rank, group->size(), BackendKind::Threads, options),
        group_(std::move(group)) {
    group_->attach(rank);
    if (options.heartbeats) {
      group_->beat(rank);
      double liveness = options.livenessSeconds;
      heartbeat_ = std::make_unique<Heartbeat>(
          liveness > 0 ? Heartbeat::intervalFor(liveness) : 1.0,
          [group = group_.get(), rank] { group->beat(rank); });
    }
  }

  ~ThreadCommunicator() override {
    heartbeat_.reset();
    for (auto &entry : posted_) {
      group_->withdraw(entry.second);
    }
    group_->leave(rank());
  }

private:
  using Posted = ThreadGroup::Posted;

  TransferHandle postTransfer(const TransferRequest &request) override {
    auto op = std::make_shared<Posted>();
    op->isSend = request.isSend;
    op->src = request.isSend ? rank() : request.peer;
    op->dst = request.isSend ? request.peer : rank();
    op->channel = request.channel;
    op->tag = request.tag;
    op->data = static_cast<uint8_t *>(request.data);
    op->bytes = request.bytes;
    TransferHandle handle = nextHandle_++;
    posted_.emplace(handle, op);
    group_->post(op);
    return handle;
  }

  bool pollTransfer(TransferHandle handle, size_t &moved) override {
    auto it = posted_.find(handle);
    int state = it->second->state.load(std::memory_order_acquire);
    if (state == 0) {
      return false;
    }
    std::shared_ptr<Posted> op = it->second;
    posted_.erase(it);
    if (state == 2) {
      fail(op->error);
    }
    moved = op->moved;
    return true;
  }

  void waitForActivity(Clock::time_point until) override {
    ThreadGroup::Mailbox &box = group_->mailbox(rank());
    std::unique_lock<std::mutex> lock(box.mutex);
    box.wake.wait_until(lock, until, [&] {
      return box.activity != seenActivity_ || group_->aborted();
    });
    seenActivity_ = box.activity;
  }

  void checkPeerFailure() override {
    if (group_->aborted()) {
      throw PeerFailure(group_->abortMessage());
    }
  }

  bool peerGone(int peer) const override { return group_->gone(peer); }

  Clock::time_point lastHeard(int peer) const override {
    // A rank that left stopped beating on purpose; peerGone reports it.
    return group_->gone(peer) ? Clock::time_point::max()
                              : group_->lastBeat(peer);
  }

  void notifyPeers(const std::string &message) noexcept override {
    group_->setAbort(message);
  }

  std::shared_ptr<ThreadGroup> group_;
  std::unique_ptr<Heartbeat> heartbeat_;
  std::unordered_map<TransferHandle, std::shared_ptr<Posted>> posted_;
  TransferHandle nextHandle_ = 1;
  uint64_t seenActivity_ = 0;
};

} // namespace

std::shared_ptr<ThreadGroup> createThreadGroup(int size) {
  return std::make_shared<ThreadGroup>(size);
}

int threadGroupSize(const ThreadGroup &group) { return group.size(); }

std::unique_ptr<Communicator>
createThreadCommunicator(const std::shared_ptr<ThreadGroup> &group, int rank,
                         const CommOptions &options) {
  require(group != nullptr, "the threads backend needs the ThreadGroup shared "
                            "by all ranks (createThreadGroup or runOnThreads)");
  return std::make_unique<ThreadCommunicator>(group, rank, options);
}

void runOnThreads(int size, const std::function<void(Communicator &)> &fn,
                  const CommOptions &options) {
  std::shared_ptr<ThreadGroup> group = createThreadGroup(size);
  std::vector<std::string> errors(static_cast<size_t>(size));
  std::vector<std::thread> threads;
  threads.reserve(size_t(size));
  for (int r = 0; r < size; ++r) {
    threads.emplace_back([&, r] {
      std::unique_ptr<Communicator> comm;
      std::string &error = errors[size_t(r)];
      try {
        comm = createThreadCommunicator(group, r, options);
        fn(*comm);
      } catch (const PeerFailure &e) {
        error = e.what(); // Another rank failed first.
      } catch (const CollectiveMismatch &e) {
        error = e.what(); // Every rank reports it alike.
      } catch (const std::exception &e) {
        error = formatMessage("rank ", r, " failed: ", e.what());
        if (comm) {
          comm->abort(e.what());
        } else {
          group->setAbort(error);
        }
      } catch (...) {
        std::string reason = "an exception that is not a std::exception";
        error = formatMessage("rank ", r, " failed: ", reason);
        if (comm) {
          comm->abort(reason);
        } else {
          group->setAbort(error);
        }
      }
      comm.reset();
    });
  }
  for (std::thread &t : threads) {
    t.join();
  }
  // The root cause: the first abort, else the first rank's error.
  if (group->aborted()) {
    fail(group->abortMessage());
  }
  for (const std::string &error : errors) {
    if (!error.empty()) {
      fail(error);
    }
  }
}

void runOnThreadsGrouped(
    int size, int groupSize,
    const std::function<void(Communicator &, Communicator &)> &fn,
    const CommOptions &options) {
  require(groupSize >= 1 && size >= groupSize && size % groupSize == 0,
          "runOnThreadsGrouped: ", size, " ranks do not split into groups of ",
          groupSize);
  std::shared_ptr<ThreadGroup> world = createThreadGroup(size);
  std::vector<std::shared_ptr<ThreadGroup>> groups;
  for (int g = 0; g < size / groupSize; ++g)
    groups.push_back(createThreadGroup(groupSize));
  auto abortAll = [&](const std::string &error) {
    world->setAbort(error);
    for (auto &g : groups)
      g->setAbort(error);
  };
  std::vector<std::string> errors(static_cast<size_t>(size));
  std::vector<std::thread> threads;
  threads.reserve(size_t(size));
  for (int r = 0; r < size; ++r) {
    threads.emplace_back([&, r] {
      std::unique_ptr<Communicator> comm, group;
      std::string &error = errors[size_t(r)];
      try {
        comm = createThreadCommunicator(world, r, options);
        group = createThreadCommunicator(groups[size_t(r / groupSize)],
                                         r % groupSize, options);
        fn(*comm, *group);
      } catch (const PeerFailure &e) {
        error = e.what();
      } catch (const CollectiveMismatch &e) {
        error = e.what();
        abortAll(error);
      } catch (const std::exception &e) {
        error = formatMessage("rank ", r, " failed: ", e.what());
        abortAll(error);
      } catch (...) {
        error = formatMessage("rank ", r,
                              " failed: an exception that is not a "
                              "std::exception");
        abortAll(error);
      }
      group.reset();
      comm.reset();
    });
  }
  for (std::thread &t : threads)
    t.join();
  if (world->aborted())
    fail(world->abortMessage());
  for (const std::string &error : errors)
    if (!error.empty())
      fail(error);
}

} // namespace aegis::comm
