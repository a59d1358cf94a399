//===- Communicator.h - Collectives between devices -------------*- C++ -*-===//
//
// Part of the runtime: no MLIR or LLVM. A Communicator connects the ranks
// (devices) of one distributed program. Data are buffers of 64-bit words:
// RNS limbs of N coefficients each, limb-major, so a range of limbs is one
// contiguous slice. Every collective has an asynchronous form (start* returns
// a Request, wait() completes it) and a blocking form.
//
// Rules every backend shares (docs/Communicators.md explains them):
// - One issue order: every rank starts the collectives of a communicator in
//   the same order; sends and receives between two ranks are matched in the
//   order they were started. Under that rule no interleaving of waits can
//   deadlock, because every wait keeps all of the rank's outstanding requests
//   moving.
// - Buffers stay valid and untouched (send buffers unmodified) from start to
//   the end of wait; a Communicator is used by one thread at a time.
// - Reductions are exact integer arithmetic in a fixed order, so results are
//   bit-identical for every rank count.
// - Failures never hang: a rank that throws, exits or stalls makes every
//   other rank's pending and later calls throw aegis::Error within the
//   timeout (CommOptions::timeoutSeconds, AEGIS_COMM_TIMEOUT_S); a rank that
//   stops (SIGSTOP, a frozen node) is found sooner, by its missing
//   heartbeats (CommOptions::livenessSeconds, AEGIS_COMM_LIVENESS_S).
//
//===----------------------------------------------------------------------===//

#ifndef AEGIS_RUNTIME_COMM_COMMUNICATOR_H
#define AEGIS_RUNTIME_COMM_COMMUNICATOR_H

#include "aegis/Runtime/Comm/CommStats.h"
#include "aegis/Runtime/Support/Error.h"

#include <cstddef>
#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

namespace aegis::comm {

/// Where the ranks live and how bytes move between them.
enum class BackendKind : uint8_t {
  Threads, ///< One std::thread per rank in this process (default).
  Mpi,     ///< One process per rank, any number of nodes (mpirun).
  Nccl,    ///< One process or thread per GPU; buffers in device memory.
};

/// "threads", "mpi" or "nccl".
const char *backendName(BackendKind kind);
/// Parses a backendName(); throws aegis::Error naming the accepted values.
BackendKind parseBackendKind(const std::string &name);

/// How a reduction combines the words that ranks contribute.
class Reduction {
public:
  /// Word-wise sum modulo 2^64 (plain, non-modular).
  static Reduction wrappingSum() { return Reduction(); }
  /// Word j of the full (unsharded) buffer belongs to limb j / limbLength and
  /// is summed modulo moduli[j / limbLength]. Inputs may be any 64-bit words;
  /// results are fully reduced. Every modulus is in [2, 2^62).
  static Reduction modularSum(std::vector<uint64_t> moduli, size_t limbLength);

  bool isModular() const { return !moduli_.empty(); }
  const std::vector<uint64_t> &moduli() const { return moduli_; }
  size_t limbLength() const { return limbLength_; }
  /// Number of words the full buffer must have (modular only).
  size_t totalWords() const { return moduli_.size() * limbLength_; }
  /// A hash of the moduli and limb length; 0 for the wrapping sum.
  uint64_t fingerprint() const;
  /// "wrapping sum" or "modular sum over 3 limbs of 4096 words".
  std::string describe() const;

private:
  Reduction() = default;
  std::vector<uint64_t> moduli_;
  size_t limbLength_ = 0;
};

/// Largest modulus a modular reduction accepts (exclusive).
constexpr uint64_t kMaxReductionModulus = uint64_t(1) << 62;

struct CommOptions {
  static constexpr double kDefaultTimeoutSeconds = 300;
  /// A wait fails once it has seen no progress for this long; 0 waits
  /// forever.
  double timeoutSeconds = kDefaultTimeoutSeconds;
  static constexpr double kDefaultLivenessSeconds = 10;
  /// A wait fails once a peer it waits for has sent no heartbeat for this
  /// long ("rank 1 stopped responding"). Heartbeats come from a thread of
  /// their own, so a rank that computes for minutes between collectives
  /// stays alive; only a stopped process (or thread group) falls silent.
  /// 0 turns the check off (e.g. while a rank sits in a debugger).
  double livenessSeconds = kDefaultLivenessSeconds;
  /// Whether this rank sends heartbeats. Off, its peers take it for stopped
  /// once their livenessSeconds have passed (tests use this to stand for a
  /// stopped rank without stopping a process).
  bool heartbeats = true;
  /// Exchange a small header before every collective so that ranks that
  /// called different collectives, counts, roots or reductions all fail with
  /// the same message instead of exchanging garbage or hanging. It must be
  /// the same on every rank. The NCCL backend ignores it (no host exchange).
  bool checkAgreement = true;
  /// Most requests one rank may have outstanding; bounds scratch memory and
  /// lets MPI message tags wrap safely. start* throws beyond it.
  size_t maxOutstanding = 1024;

  /// The defaults, with timeoutSeconds taken from AEGIS_COMM_TIMEOUT_S and
  /// livenessSeconds from AEGIS_COMM_LIVENESS_S when set (a non-negative
  /// number of seconds; anything else throws).
  static CommOptions fromEnvironment();
};

/// An outstanding asynchronous operation. Empty once completed.
class Request {
public:
  Request() = default;
  bool valid() const { return id_ != 0; }
  uint64_t id() const { return id_; }

private:
  friend class Communicator;
  explicit Request(uint64_t id) : id_(id) {}
  uint64_t id_ = 0;
};

/// Thrown on the ranks that did not fail themselves: another rank reported a
/// failure ("rank 2 failed: <reason>").
class PeerFailure : public Error {
public:
  using Error::Error;
};

/// Thrown on every rank when the agreement headers show that the ranks
/// started different collectives, counts, roots or reductions. Every rank
/// holds every header and reaches the same verdict, so each throws the same
/// message itself; the failure is not broadcast as an abort.
class CollectiveMismatch : public Error {
public:
  using Error::Error;
};

struct CollectiveCall;

class Communicator {
public:
  virtual ~Communicator();
  Communicator(const Communicator &) = delete;
  Communicator &operator=(const Communicator &) = delete;

  int rank() const { return rank_; }
  int size() const { return size_; }
  BackendKind backend() const { return backend_; }
  const CommOptions &options() const { return options_; }
  CommStats &stats() { return stats_; }
  const CommStats &stats() const { return stats_; }

  //===--------------------------------------------------------------------===//
  // Asynchronous collectives. Counts are in 64-bit words unless the name
  // says Bytes; per-rank count vectors have size() entries, may be uneven and
  // may contain zeros, and must be equal on every rank.
  //===--------------------------------------------------------------------===//

  /// Rank p contributes counts[p] words from `send`; every rank receives the
  /// concatenation in rank order in `recv`. In place when send points at
  /// this rank's own slice of recv.
  Request startAllGatherV(const uint64_t *send, uint64_t *recv,
                          const std::vector<size_t> &counts);
  Request startAllGather(const uint64_t *send, uint64_t *recv,
                         size_t countPerRank);
  /// recv[j] = sum over ranks of send[j] under `reduction`; in place when
  /// send == recv.
  Request startAllReduce(const uint64_t *send, uint64_t *recv, size_t count,
                         const Reduction &reduction);
  /// `send` holds the full buffer (sum of counts words) on every rank; rank
  /// p receives the reduced slice p (counts[p] words) in `recv`. In place
  /// when recv points at this rank's own slice of send.
  Request startReduceScatterV(const uint64_t *send, uint64_t *recv,
                              const std::vector<size_t> &counts,
                              const Reduction &reduction);
  /// Every rank receives root's `count` words in `buffer`.
  Request startBroadcast(uint64_t *buffer, size_t count, int root);
  /// Slice p of `send` (sendCounts[p] words) goes to rank p; slice p of
  /// `recv` (recvCounts[p] words) comes from rank p.
  Request startAllToAllV(const uint64_t *send,
                         const std::vector<size_t> &sendCounts, uint64_t *recv,
                         const std::vector<size_t> &recvCounts);
  /// Point to point: the k-th send from a to b matches the k-th receive on b
  /// from a.
  Request startSend(const uint64_t *send, size_t count, int dest);
  Request startRecv(uint64_t *recv, size_t count, int source);
  /// Completes once every rank has started the barrier.
  Request startBarrier();
  /// A send and a receive as one operation (exchanges, shifts).
  Request startSendRecv(const uint64_t *send, size_t sendCount, int dest,
                        uint64_t *recv, size_t recvCount, int source);

  // Raw-byte forms of the data-movement collectives.
  Request startAllGatherBytesV(const void *send, void *recv,
                               const std::vector<size_t> &byteCounts);
  Request startBroadcastBytes(void *buffer, size_t bytes, int root);
  Request startAllToAllBytesV(const void *send,
                              const std::vector<size_t> &sendBytes, void *recv,
                              const std::vector<size_t> &recvBytes);
  Request startSendBytes(const void *send, size_t bytes, int dest);
  Request startRecvBytes(void *recv, size_t bytes, int source);

  /// Completes `request` (and keeps every other outstanding request of this
  /// rank moving); `request` becomes empty. Throws aegis::Error on failure
  /// or timeout, PeerFailure when another rank failed.
  void wait(Request &request);
  /// Whether `request` has completed (then it becomes empty); never blocks.
  bool test(Request &request);
  void waitAll(std::vector<Request> &requests);
  /// Number of started, not yet completed requests.
  size_t outstanding() const { return kinds_.size(); }

  //===--------------------------------------------------------------------===//
  // Blocking forms.
  //===--------------------------------------------------------------------===//

  void allGatherV(const uint64_t *send, uint64_t *recv,
                  const std::vector<size_t> &counts);
  void allGather(const uint64_t *send, uint64_t *recv, size_t countPerRank);
  void allReduce(const uint64_t *send, uint64_t *recv, size_t count,
                 const Reduction &reduction);
  void reduceScatterV(const uint64_t *send, uint64_t *recv,
                      const std::vector<size_t> &counts,
                      const Reduction &reduction);
  void broadcast(uint64_t *buffer, size_t count, int root);
  void allToAllV(const uint64_t *send, const std::vector<size_t> &sendCounts,
                 uint64_t *recv, const std::vector<size_t> &recvCounts);
  void send(const uint64_t *data, size_t count, int dest);
  void recv(uint64_t *data, size_t count, int source);
  void sendRecv(const uint64_t *sendData, size_t sendCount, int dest,
                uint64_t *recvData, size_t recvCount, int source);
  void allGatherBytesV(const void *send, void *recv,
                       const std::vector<size_t> &byteCounts);
  void broadcastBytes(void *buffer, size_t bytes, int root);
  /// Returns once every rank has entered the barrier.
  void barrier();

  //===--------------------------------------------------------------------===//
  // Failure handling.
  //===--------------------------------------------------------------------===//

  /// Reports that this rank failed: every other rank's pending and later
  /// calls throw PeerFailure("rank <r> failed: <reason>"), and this
  /// communicator becomes unusable. Never blocks, never throws.
  void abort(const std::string &reason) noexcept;
  /// Whether an earlier call failed (every later call throws).
  bool failed() const { return !failure_.empty(); }
  const std::string &failureMessage() const { return failure_; }

  /// The peers this rank has heard no heartbeat from for longer than
  /// options().livenessSeconds, with how long each has been silent; empty
  /// when every peer is alive, when liveness is off, and on backends without
  /// heartbeats (NCCL asks its host bootstrap communicator).
  struct SilentPeer {
    int rank = -1;
    double seconds = 0;
  };
  virtual std::vector<SilentPeer> silentPeers() const { return {}; }

  /// A communicator of the ranks that pass the same `color` (collective:
  /// every rank calls it), ordered by `key`: a joint placement's groups.
  /// MPI splits its communicator; the threads backend makes groups with
  /// runOnThreadsGrouped instead, and other backends refuse.
  virtual std::unique_ptr<Communicator> split(int color, int key);

protected:
  Communicator(int rank, int size, BackendKind backend, CommOptions options);

  /// Starts a validated call; returns its id (> 0).
  virtual uint64_t issue(const CollectiveCall &call) = 0;
  /// Advances outstanding work. Returns true once request `id` completed
  /// (the backend then forgets it). With `block`, returns only on
  /// completion or by throwing.
  virtual bool progress(uint64_t id, bool block) = 0;
  /// Tells the other ranks that this rank failed with `message` (already
  /// formatted "rank <r> failed: ..."). Never blocks.
  virtual void notifyPeers(const std::string &message) noexcept = 0;

  /// Prefix used in messages: "rank 2".
  std::string self() const;

private:
  Request start(const CollectiveCall &call);
  void validate(const CollectiveCall &call) const;
  [[noreturn]] void failWith(const std::exception &error);
  void requireUsable() const;

  int rank_;
  int size_;
  BackendKind backend_;
  CommOptions options_;
  CommStats stats_;
  std::unordered_map<uint64_t, CollectiveKind> kinds_;
  std::string failure_;
  bool peersNotified_ = false;
};

} // namespace aegis::comm

#endif // AEGIS_RUNTIME_COMM_COMMUNICATOR_H
