//===- HostCommunicator.h - Progress engine of the CPU backends -*- C++ -*-===//
//
// Internal to lib/Runtime/Comm. Runs schedules over a transport that moves
// tagged point-to-point messages (threads: memcpy between mailboxes; MPI:
// MPI_Isend/MPI_Irecv). It owns the agreement headers, the phase machine of
// every outstanding request, traffic accounting, the timeout and the
// detection of peers that left.
//
// Progress rule: every wait advances all outstanding requests of this rank
// in issue order (posting the next phase of any request whose current phase
// completed), so a rank blocked on one request never starves a peer that
// waits for another.
//
//===----------------------------------------------------------------------===//

#ifndef AEGIS_LIB_RUNTIME_COMM_HOSTCOMMUNICATOR_H
#define AEGIS_LIB_RUNTIME_COMM_HOSTCOMMUNICATOR_H

#include "CollectiveCall.h"
#include "Schedule.h"

#include <chrono>
#include <deque>
#include <memory>
#include <set>

namespace aegis::comm {

/// Separate matching spaces for messages.
enum class Channel : uint8_t {
  Header,       ///< Agreement headers, matched in order per pair.
  Collective,   ///< Collective payload, tag = sequence * kMaxPhases + phase.
  PointToPoint, ///< send/recv payload, matched in order per pair.
};

struct TransferRequest {
  bool isSend = false;
  int peer = -1;
  Channel channel = Channel::Collective;
  uint64_t tag = 0;
  void *data = nullptr;
  size_t bytes = 0;
};

/// Words in an agreement header for `size` ranks.
size_t headerWords(int size);

class HostCommunicator : public Communicator {
protected:
  using Clock = std::chrono::steady_clock;
  using TransferHandle = uint64_t;

  HostCommunicator(int rank, int size, BackendKind backend,
                   const CommOptions &options);
  ~HostCommunicator() override;

  /// Posts a transfer; it may complete at once.
  virtual TransferHandle postTransfer(const TransferRequest &request) = 0;
  /// Whether the transfer completed; then `moved` holds the bytes it moved
  /// and the handle is released. Throws aegis::Error if it failed.
  virtual bool pollTransfer(TransferHandle handle, size_t &moved) = 0;
  /// Returns when a transfer of this rank may have completed, a failure
  /// was reported, or at `until`.
  virtual void waitForActivity(Clock::time_point until) = 0;
  /// Throws PeerFailure if another rank reported a failure.
  virtual void checkPeerFailure() = 0;
  /// Whether `peer` has left (its communicator was destroyed).
  virtual bool peerGone(int peer) const { return false; }
  /// When this rank last received a heartbeat from `peer`; time_point::max()
  /// for a transport without heartbeats (never silent).
  virtual Clock::time_point lastHeard(int peer) const {
    return Clock::time_point::max();
  }

public:
  std::vector<SilentPeer> silentPeers() const override;

private:
  struct Active {
    TransferHandle handle = 0;
    int peer = -1;
    bool isSend = false;
    bool control = false;
    bool done = false;
  };
  struct Op;

  uint64_t issue(const CollectiveCall &call) final;
  bool progress(uint64_t id, bool block) final;

  bool advanceAll();
  bool advance(Op &op);
  void post(Op &op);
  void finishStage(Op &op);
  void checkHeaders(const Op &op) const;
  std::set<int> leftPeers(const Op &op) const;
  void checkLeftPeers(const Op &op, const std::set<int> &gone) const;
  void checkLiveness(const Op &op, Clock::time_point now) const;
  /// Seconds `peer` has been silent at `now` beyond the liveness limit
  /// (0: alive, itself, liveness off, or no heartbeats on this transport).
  double silence(int peer, Clock::time_point now) const;
  std::string describeWait(const Op &op) const;
  std::string describeOp(const Op &op) const;

  std::deque<std::unique_ptr<Op>> ops_;
  uint64_t nextId_ = 1;
  uint64_t nextSeq_ = 0;
};

} // namespace aegis::comm

#endif // AEGIS_LIB_RUNTIME_COMM_HOSTCOMMUNICATOR_H
