//===- FailureTest.cpp - Failing, leaving, stalling and mismatched ranks --===//
//
// With the threads backend: whatever goes wrong on one rank, every rank
// stops with a clear aegis::Error well within the timeout, and runOnThreads
// reports the root cause.
//
//===----------------------------------------------------------------------===//

#include "aegis/Runtime/Comm/Factory.h"
#include "aegis/Runtime/Comm/ThreadCommunicator.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <mutex>
#include <thread>

using namespace aegis;
using namespace aegis::comm;

namespace {

using Clock = std::chrono::steady_clock;

double secondsSince(Clock::time_point begin) {
  return std::chrono::duration<double>(Clock::now() - begin).count();
}

CommOptions withTimeout(double seconds) {
  CommOptions options;
  options.timeoutSeconds = seconds;
  return options;
}

/// Runs fn on `size` thread ranks; returns what runOnThreads threw and, per
/// rank, the message of the exception that left fn (empty if none).
struct Outcome {
  std::string overall;
  std::vector<std::string> perRank;
  double seconds = 0;
};

Outcome run(int size, const std::function<void(Communicator &)> &fn,
            const CommOptions &options) {
  Outcome outcome;
  outcome.perRank.resize(size_t(size));
  std::mutex mutex;
  auto begin = Clock::now();
  try {
    runOnThreads(
        size,
        [&](Communicator &comm) {
          try {
            fn(comm);
          } catch (const std::exception &e) {
            std::lock_guard<std::mutex> lock(mutex);
            outcome.perRank[size_t(comm.rank())] = e.what();
            throw;
          }
        },
        options);
  } catch (const Error &e) {
    outcome.overall = e.what();
  }
  outcome.seconds = secondsSince(begin);
  return outcome;
}

bool contains(const std::string &text, const std::string &part) {
  return text.find(part) != std::string::npos;
}

TEST(CommFailure, ThrowingRankStopsEveryRank) {
  Outcome o = run(
      4,
      [](Communicator &comm) {
        std::vector<uint64_t> in = {1};
        std::vector<uint64_t> out(4);
        comm.allGather(in.data(), out.data(), 1);
        if (comm.rank() == 2) {
          throw std::runtime_error("injected failure");
        }
        comm.allGather(in.data(), out.data(), 1);
      },
      withTimeout(30));
  EXPECT_EQ(o.overall, "rank 2 failed: injected failure");
  for (int r = 0; r < 4; ++r) {
    if (r == 2) {
      EXPECT_EQ(o.perRank[2], "injected failure");
    } else {
      EXPECT_EQ(o.perRank[size_t(r)], "rank 2 failed: injected failure")
          << "rank " << r;
    }
  }
  // Reported at once, not after the 30 s timeout.
  EXPECT_LT(o.seconds, 5);
}

TEST(CommFailure, RankThatLeavesEarlyStopsEveryRank) {
  Outcome o = run(
      3,
      [](Communicator &comm) {
        if (comm.rank() == 1) {
          return; // Leaves without taking part.
        }
        std::vector<uint64_t> in = {1};
        std::vector<uint64_t> out(3);
        comm.allGather(in.data(), out.data(), 1);
      },
      withTimeout(30));
  EXPECT_TRUE(contains(o.overall, "rank 1 left before completing all-gather "
                                  "(collective #1)"))
      << o.overall;
  EXPECT_TRUE(o.perRank[1].empty());
  for (int r : {0, 2}) {
    EXPECT_TRUE(contains(o.perRank[size_t(r)], "rank 1 left"))
        << o.perRank[size_t(r)];
  }
  EXPECT_LT(o.seconds, 5);
}

TEST(CommFailure, StalledRankTimesOut) {
  Outcome o = run(
      3,
      [](Communicator &comm) {
        std::vector<uint64_t> in = {1};
        std::vector<uint64_t> out(3);
        if (comm.rank() == 1) {
          std::this_thread::sleep_for(std::chrono::milliseconds(1500));
        }
        comm.allGather(in.data(), out.data(), 1);
      },
      withTimeout(0.3));
  EXPECT_TRUE(contains(o.overall, "timed out after 0.3 s waiting for rank 1 "
                                  "in all-gather (collective #1)"))
      << o.overall;
  // The stalled rank learns of it on its next call.
  EXPECT_TRUE(contains(o.perRank[1], "failed: timed out after 0.3 s"))
      << o.perRank[1];
  for (int r : {0, 2}) {
    EXPECT_TRUE(contains(o.perRank[size_t(r)], "timed out") ||
                contains(o.perRank[size_t(r)], "failed: timed out"))
        << o.perRank[size_t(r)];
  }
  EXPECT_GE(o.seconds, 0.3);
  EXPECT_LT(o.seconds, 5);
}

TEST(CommFailure, TimeoutFromEnvironment) {
  ASSERT_EQ(setenv("AEGIS_COMM_TIMEOUT_S", "0.25", 1), 0);
  CommOptions options = CommOptions::fromEnvironment();
  EXPECT_EQ(options.timeoutSeconds, 0.25);
  ASSERT_EQ(setenv("AEGIS_COMM_TIMEOUT_S", "soon", 1), 0);
  try {
    CommOptions::fromEnvironment();
    ADD_FAILURE() << "a bad AEGIS_COMM_TIMEOUT_S was accepted";
  } catch (const Error &e) {
    EXPECT_TRUE(contains(e.what(), "AEGIS_COMM_TIMEOUT_S must be a "
                                   "non-negative number of seconds"))
        << e.what();
  }
  ASSERT_EQ(setenv("AEGIS_COMM_TIMEOUT_S", "-1", 1), 0);
  EXPECT_THROW(CommOptions::fromEnvironment(), Error);
  ASSERT_EQ(unsetenv("AEGIS_COMM_TIMEOUT_S"), 0);
  EXPECT_EQ(CommOptions::fromEnvironment().timeoutSeconds,
            CommOptions::kDefaultTimeoutSeconds);
}

TEST(CommFailure, LivenessFromEnvironment) {
  ASSERT_EQ(setenv("AEGIS_COMM_LIVENESS_S", "2.5", 1), 0);
  EXPECT_EQ(CommOptions::fromEnvironment().livenessSeconds, 2.5);
  ASSERT_EQ(setenv("AEGIS_COMM_LIVENESS_S", "0", 1), 0);
  EXPECT_EQ(CommOptions::fromEnvironment().livenessSeconds, 0);
  ASSERT_EQ(setenv("AEGIS_COMM_LIVENESS_S", "nan", 1), 0);
  try {
    CommOptions::fromEnvironment();
    ADD_FAILURE() << "a bad AEGIS_COMM_LIVENESS_S was accepted";
  } catch (const Error &e) {
    EXPECT_TRUE(contains(e.what(), "AEGIS_COMM_LIVENESS_S must be a "
                                   "non-negative number of seconds (0 turns "
                                   "the heartbeat check off)"))
        << e.what();
  }
  ASSERT_EQ(unsetenv("AEGIS_COMM_LIVENESS_S"), 0);
  EXPECT_EQ(CommOptions::fromEnvironment().livenessSeconds,
            CommOptions::kDefaultLivenessSeconds);
}

/// Runs rank 0..size-1 of one thread group with per-rank options; returns
/// each rank's error message (empty if none) and the wall time.
Outcome runWithOptions(const std::vector<CommOptions> &options,
                       const std::function<void(Communicator &)> &fn) {
  int size = int(options.size());
  auto group = createThreadGroup(size);
  Outcome outcome;
  outcome.perRank.resize(options.size());
  auto begin = Clock::now();
  std::vector<std::thread> threads;
  for (int r = 0; r < size; ++r) {
    threads.emplace_back([&, r] {
      try {
        auto comm = createThreadCommunicator(group, r, options[size_t(r)]);
        try {
          fn(*comm);
        } catch (const PeerFailure &) {
          throw;
        } catch (const std::exception &e) {
          comm->abort(e.what());
          throw;
        }
      } catch (const std::exception &e) {
        outcome.perRank[size_t(r)] = e.what();
      }
    });
  }
  for (std::thread &t : threads) {
    t.join();
  }
  outcome.seconds = secondsSince(begin);
  return outcome;
}

// A rank that sends no heartbeats stands for a stopped one (a thread cannot
// be stopped alone): its peers give up after the liveness limit, long
// before the timeout, and name it.
TEST(CommFailure, SilentRankIsTakenForStopped) {
  CommOptions live = withTimeout(60);
  live.livenessSeconds = 0.5;
  CommOptions silent = live;
  silent.heartbeats = false;
  Outcome o = runWithOptions({live, silent, live}, [](Communicator &comm) {
    std::vector<uint64_t> in = {1};
    std::vector<uint64_t> out(3);
    if (comm.rank() == 1) {
      std::this_thread::sleep_for(std::chrono::milliseconds(2500));
    }
    comm.allGather(in.data(), out.data(), 1);
  });
  for (int r : {0, 2}) {
    EXPECT_TRUE(contains(o.perRank[size_t(r)],
                         "rank 1 stopped responding: no heartbeat for "))
        << "rank " << r << ": " << o.perRank[size_t(r)];
    EXPECT_TRUE(contains(o.perRank[size_t(r)],
                         "(limit 0.5 s, AEGIS_COMM_LIVENESS_S)"))
        << o.perRank[size_t(r)];
  }
  // The silent rank learns of it when it comes back.
  EXPECT_TRUE(contains(o.perRank[1], "stopped responding")) << o.perRank[1];
  EXPECT_LT(o.seconds, 10);
}

// Heartbeats come from their own thread: a rank that computes for several
// liveness limits between collectives is alive, and the run succeeds.
TEST(CommFailure, ComputingRankIsNotTakenForStopped) {
  CommOptions options = withTimeout(60);
  options.livenessSeconds = 0.5;
  Outcome o = run(
      3,
      [](Communicator &comm) {
        std::vector<uint64_t> in = {1};
        std::vector<uint64_t> out(3);
        if (comm.rank() == 1) {
          std::this_thread::sleep_for(std::chrono::milliseconds(2000));
        }
        comm.allGather(in.data(), out.data(), 1);
      },
      options);
  EXPECT_EQ(o.overall, "");
  EXPECT_GE(o.seconds, 2.0);
}

// Off (0), a silent rank is waited for as long as the timeout allows.
TEST(CommFailure, LivenessOffWaitsForASilentRank) {
  CommOptions live = withTimeout(60);
  live.livenessSeconds = 0;
  CommOptions silent = live;
  silent.heartbeats = false;
  Outcome o = runWithOptions({live, silent}, [](Communicator &comm) {
    std::vector<uint64_t> in = {1};
    std::vector<uint64_t> out(2);
    if (comm.rank() == 1) {
      std::this_thread::sleep_for(std::chrono::milliseconds(800));
    }
    comm.allGather(in.data(), out.data(), 1);
  });
  EXPECT_EQ(o.perRank[0], "");
  EXPECT_EQ(o.perRank[1], "");
}

/// Every rank must see exactly `message`.
void expectEveryRank(const Outcome &o, const std::string &message) {
  EXPECT_EQ(o.overall, message);
  for (size_t r = 0; r < o.perRank.size(); ++r) {
    EXPECT_EQ(o.perRank[r], message) << "rank " << r;
  }
  EXPECT_LT(o.seconds, 5);
}

TEST(CommMismatch, DifferentCollectives) {
  Outcome o = run(
      3,
      [](Communicator &comm) {
        std::vector<uint64_t> buffer(3);
        if (comm.rank() == 2) {
          comm.broadcast(buffer.data(), 1, 0);
        } else {
          comm.allGather(buffer.data() + comm.rank(), buffer.data(), 1);
        }
      },
      withTimeout(30));
  expectEveryRank(o, "collective mismatch: at collective #1 rank 0 started "
                     "all-gather but rank 2 started broadcast");
}

TEST(CommMismatch, DifferentCounts) {
  Outcome o = run(
      2,
      [](Communicator &comm) {
        std::vector<uint64_t> buffer(8);
        std::vector<size_t> counts = {2, comm.rank() == 0 ? 2u : 3u};
        comm.allGatherV(buffer.data() + (comm.rank() ? 2 : 0), buffer.data(),
                        counts);
      },
      withTimeout(30));
  expectEveryRank(o, "collective mismatch: in all-gather (collective #1) "
                     "rank 0 and rank 1 pass different counts");
}

TEST(CommMismatch, DifferentRoots) {
  Outcome o = run(
      2,
      [](Communicator &comm) {
        uint64_t word = 0;
        comm.broadcast(&word, 1, comm.rank());
      },
      withTimeout(30));
  expectEveryRank(o, "collective mismatch: in broadcast (collective #1) rank "
                     "0 names root 0 but rank 1 names root 1");
}

TEST(CommMismatch, DifferentReductions) {
  Outcome o = run(
      2,
      [](Communicator &comm) {
        std::vector<uint64_t> buffer(4, 1);
        Reduction reduction = comm.rank() == 0
                                  ? Reduction::modularSum({17, 19}, 2)
                                  : Reduction::modularSum({17, 23}, 2);
        comm.allReduce(buffer.data(), buffer.data(), 4, reduction);
      },
      withTimeout(30));
  expectEveryRank(o, "collective mismatch: in all-reduce (collective #1) rank "
                     "0 and rank 1 pass different reductions (moduli or limb "
                     "length)");
}

TEST(CommMismatch, WordsAgainstBytes) {
  Outcome o = run(
      2,
      [](Communicator &comm) {
        uint64_t word = 0;
        if (comm.rank() == 0) {
          comm.broadcast(&word, 1, 0);
        } else {
          comm.broadcastBytes(&word, 1, 0);
        }
      },
      withTimeout(30));
  expectEveryRank(o, "collective mismatch: in broadcast (collective #1) rank "
                     "0 passes 8-byte words but rank 1 passes bytes");
}

TEST(CommMismatch, AllToAllCounts) {
  Outcome o = run(
      2,
      [](Communicator &comm) {
        std::vector<uint64_t> send(4), recv(4);
        std::vector<size_t> sendCounts = {1, 1};
        std::vector<size_t> recvCounts = {1, comm.rank() == 0 ? 2u : 1u};
        comm.allToAllV(send.data(), sendCounts, recv.data(), recvCounts);
      },
      withTimeout(30));
  expectEveryRank(o, "collective mismatch: in all-to-all (collective #1) "
                     "rank 1 sends 1 elements to rank 0 but rank 0 expects 2");
}

TEST(CommMismatch, MixedAgreementSettings) {
  // Rank 0 skips the header of its all-gather, so its first header is the
  // barrier's (collective #2) while rank 1's first is the all-gather's.
  auto group = createThreadGroup(2);
  std::vector<std::string> errors(2);
  std::vector<std::thread> threads;
  for (int r = 0; r < 2; ++r) {
    threads.emplace_back([&, r] {
      CommOptions options = withTimeout(30);
      options.checkAgreement = r == 1;
      auto comm = createThreadCommunicator(group, r, options);
      std::vector<uint64_t> buffer(2);
      try {
        Request gather =
            comm->startAllGather(buffer.data() + r, buffer.data(), 1);
        if (r == 0) {
          comm->barrier();
        }
        comm->wait(gather);
      } catch (const Error &e) {
        errors[size_t(r)] = e.what();
      }
    });
  }
  for (std::thread &t : threads) {
    t.join();
  }
  for (int r = 0; r < 2; ++r) {
    EXPECT_EQ(errors[size_t(r)],
              "collective mismatch: rank 0 is at collective #2 but rank 1 is "
              "at collective #1; every rank must start the same collectives "
              "in the same order")
        << "rank " << r;
  }
}

TEST(CommMismatch, PointToPointSizes) {
  Outcome o = run(
      2,
      [](Communicator &comm) {
        std::vector<uint64_t> buffer(4);
        if (comm.rank() == 0) {
          comm.send(buffer.data(), 3, 1);
        } else {
          comm.recv(buffer.data(), 4, 0);
        }
      },
      withTimeout(30));
  EXPECT_EQ(o.perRank[0], "rank 0 sent 24 bytes but rank 1 expected 32 bytes");
  EXPECT_EQ(o.perRank[1], o.perRank[0]);
  EXPECT_TRUE(contains(o.overall, " failed: rank 0 sent 24 bytes but rank 1 "
                                  "expected 32 bytes"))
      << o.overall;
}

/// A call that is invalid on rank 0 while rank 1 makes the valid call:
/// rank 0 gets the validation message, rank 1 "rank 0 failed: <message>".
void expectInvalidCall(const std::function<void(Communicator &)> &bad,
                       const std::function<void(Communicator &)> &good,
                       const std::string &message) {
  Outcome o = run(
      2,
      [&](Communicator &comm) {
        if (comm.rank() == 0) {
          bad(comm);
        } else {
          good(comm);
        }
      },
      withTimeout(30));
  EXPECT_EQ(o.perRank[0], message);
  EXPECT_EQ(o.perRank[1], "rank 0 failed: " + message);
  EXPECT_EQ(o.overall, "rank 0 failed: " + message);
  EXPECT_LT(o.seconds, 5);
}

TEST(CommValidation, InvalidCallsStopEveryRank) {
  std::vector<uint64_t> a(16), b(16);
  auto gather = [&](Communicator &comm) {
    comm.allGather(a.data() + 8 * comm.rank(), b.data(), 1);
  };
  expectInvalidCall(
      [&](Communicator &comm) {
        comm.allGatherV(a.data(), b.data(), {1, 1, 1});
      },
      gather,
      "all-gather: counts has 3 entries but the communicator has 2 ranks");
  expectInvalidCall(
      [&](Communicator &comm) { comm.allGather(nullptr, b.data(), 1); }, gather,
      "all-gather: the send buffer is null but 8 bytes are to be "
      "transferred");
  expectInvalidCall(
      [&](Communicator &comm) { comm.allGather(a.data() + 1, a.data(), 2); },
      gather,
      "all-gather: the send buffer overlaps the receive buffer without being "
      "this rank's own slice of it");
  expectInvalidCall(
      [&](Communicator &comm) {
        comm.allReduce(a.data(), a.data(), 5,
                       Reduction::modularSum({17, 19}, 2));
      },
      [&](Communicator &comm) {
        comm.allReduce(b.data(), b.data(), 4,
                       Reduction::modularSum({17, 19}, 2));
      },
      "all-reduce: the buffer has 5 words but the modular sum over 2 limbs of "
      "2 words needs 4");
  expectInvalidCall(
      [&](Communicator &comm) {
        comm.allReduce(a.data(), a.data() + 1, 4, Reduction::wrappingSum());
      },
      [&](Communicator &comm) {
        comm.allReduce(b.data(), b.data(), 4, Reduction::wrappingSum());
      },
      "all-reduce: the send and receive buffers overlap without being the "
      "same buffer");
  expectInvalidCall(
      [&](Communicator &comm) {
        comm.reduceScatterV(a.data(), a.data() + 1, {2, 2},
                            Reduction::wrappingSum());
      },
      [&](Communicator &comm) {
        comm.reduceScatterV(b.data(), b.data() + 8, {2, 2},
                            Reduction::wrappingSum());
      },
      "reduce-scatter: the receive buffer overlaps the send buffer without "
      "being this rank's own slice of it");
  expectInvalidCall([&](Communicator &comm) { comm.broadcast(a.data(), 1, 2); },
                    [&](Communicator &comm) { comm.broadcast(b.data(), 1, 0); },
                    "broadcast: root 2 is outside [0, 2)");
  expectInvalidCall(
      [&](Communicator &comm) {
        comm.allToAllV(a.data(), {1, 1}, b.data(), {2, 1});
      },
      [&](Communicator &comm) {
        comm.allToAllV(b.data(), {1, 1}, a.data(), {1, 1});
      },
      "all-to-all: this rank sends 1 elements to itself but expects 2");
  expectInvalidCall(
      [&](Communicator &comm) {
        comm.allToAllV(a.data(), {1, 1}, a.data() + 1, {1, 1});
      },
      [&](Communicator &comm) {
        comm.allToAllV(b.data(), {1, 1}, a.data(), {1, 1});
      },
      "all-to-all: the send and receive buffers overlap");
  expectInvalidCall([&](Communicator &comm) { comm.send(a.data(), 1, 5); },
                    [&](Communicator &comm) { comm.recv(b.data(), 1, 0); },
                    "send-recv: destination 5 is outside [0, 2)");
  expectInvalidCall([&](Communicator &comm) { comm.recv(a.data(), 1, -1); },
                    [&](Communicator &comm) { comm.send(b.data(), 1, 0); },
                    "send-recv: source -1 is outside [0, 2)");
  expectInvalidCall(
      [&](Communicator &comm) {
        comm.sendRecv(a.data(), 1, 0, b.data(), 1, 1);
      },
      [&](Communicator &comm) { comm.send(b.data(), 1, 0); },
      "send-recv: a send-recv that sends to this rank must also receive from "
      "it (destination 0, source 1)");
  expectInvalidCall(
      [&](Communicator &comm) {
        comm.sendRecv(a.data(), 1, 0, b.data(), 2, 0);
      },
      [&](Communicator &comm) { comm.barrier(); },
      "send-recv: sends 1 elements to itself but expects 2");
  expectInvalidCall(
      [&](Communicator &comm) {
        comm.sendRecv(a.data(), 2, 0, a.data() + 1, 2, 0);
      },
      [&](Communicator &comm) { comm.barrier(); },
      "send-recv: the send and receive buffers overlap");
  expectInvalidCall(
      [&](Communicator &comm) {
        comm.sendRecv(a.data(), 2, 1, a.data() + 1, 2, 1);
      },
      [&](Communicator &comm) { comm.barrier(); },
      "send-recv: the send and receive buffers overlap");
}

TEST(CommValidation, FailureIsSticky) {
  Outcome o = run(
      2,
      [](Communicator &comm) {
        uint64_t word = 0;
        try {
          comm.broadcast(&word, 1, comm.rank()); // mismatched roots
        } catch (const Error &) {
        }
        EXPECT_TRUE(comm.failed());
        comm.barrier();
      },
      withTimeout(30));
  for (const std::string &message : o.perRank) {
    EXPECT_TRUE(contains(message, "communicator is unusable after an earlier "
                                  "failure: collective mismatch"))
        << message;
  }
}

TEST(CommValidation, Reductions) {
  EXPECT_THROW(Reduction::modularSum({}, 4), Error);
  EXPECT_THROW(Reduction::modularSum({17}, 0), Error);
  try {
    Reduction::modularSum({17, uint64_t(1) << 62}, 4);
    ADD_FAILURE() << "2^62 accepted as a modulus";
  } catch (const Error &e) {
    EXPECT_STREQ(e.what(), "modular sum: modulus 1 is 4611686018427387904; "
                           "every modulus must be in [2, 2^62)");
  }
  EXPECT_THROW(Reduction::modularSum({1}, 4), Error);
  EXPECT_THROW(Reduction::modularSum({17, 19}, SIZE_MAX), Error);
  Reduction r = Reduction::modularSum({17, 19}, 3);
  EXPECT_EQ(r.totalWords(), 6u);
  EXPECT_NE(r.fingerprint(), Reduction::modularSum({17, 19}, 2).fingerprint());
  EXPECT_NE(r.fingerprint(), Reduction::modularSum({19, 17}, 3).fingerprint());
  EXPECT_EQ(Reduction::wrappingSum().fingerprint(), 0u);
  EXPECT_EQ(r.describe(), "modular sum over 2 limbs of 3 words");
}

TEST(CommValidation, GroupsAndFactory) {
  EXPECT_THROW(createThreadGroup(0), Error);
  auto group = createThreadGroup(2);
  EXPECT_EQ(threadGroupSize(*group), 2);
  EXPECT_THROW(createThreadCommunicator(group, 2), Error);
  EXPECT_THROW(createThreadCommunicator(nullptr, 0), Error);
  {
    auto comm = createThreadCommunicator(group, 0);
    EXPECT_EQ(comm->rank(), 0);
    EXPECT_EQ(comm->size(), 2);
    EXPECT_EQ(comm->backend(), BackendKind::Threads);
    try {
      createThreadCommunicator(group, 0);
      ADD_FAILURE() << "two communicators for one rank";
    } catch (const Error &e) {
      EXPECT_STREQ(e.what(), "rank 0 of this thread group already has (or "
                             "had) a communicator");
    }
  }
  CommSetup setup;
  EXPECT_THROW(createCommunicator(BackendKind::Threads, 0, 2, setup), Error);
  setup.group = createThreadGroup(3);
  EXPECT_THROW(createCommunicator(BackendKind::Threads, 0, 2, setup), Error);
  auto comm = createCommunicator(BackendKind::Threads, 1, 3, setup);
  EXPECT_EQ(comm->rank(), 1);

  CommOptions bad;
  bad.timeoutSeconds = -1;
  EXPECT_THROW(createThreadCommunicator(createThreadGroup(1), 0, bad), Error);
  bad = CommOptions();
  bad.maxOutstanding = 0;
  EXPECT_THROW(createThreadCommunicator(createThreadGroup(1), 0, bad), Error);

  EXPECT_EQ(parseBackendKind("threads"), BackendKind::Threads);
  EXPECT_EQ(parseBackendKind("mpi"), BackendKind::Mpi);
  EXPECT_EQ(parseBackendKind("nccl"), BackendKind::Nccl);
  try {
    parseBackendKind("gloo");
    ADD_FAILURE() << "gloo accepted";
  } catch (const Error &e) {
    EXPECT_STREQ(e.what(), "unknown communicator backend 'gloo'; expected "
                           "threads, mpi or nccl");
  }
  EXPECT_TRUE(isBackendAvailable(BackendKind::Threads));
  EXPECT_EQ(isBackendAvailable(BackendKind::Mpi), AEGIS_COMM_HAVE_MPI != 0);
  EXPECT_EQ(isBackendAvailable(BackendKind::Nccl), AEGIS_COMM_HAVE_NCCL != 0);
  if (!isBackendAvailable(BackendKind::Mpi)) {
    EXPECT_THROW(createCommunicator(BackendKind::Mpi, 0, 1), Error);
  }
  if (!isBackendAvailable(BackendKind::Nccl)) {
    EXPECT_THROW(createCommunicator(BackendKind::Nccl, 0, 1), Error);
  }
}

TEST(CommValidation, NonStandardExceptionIsReported) {
  Outcome o = run(
      2,
      [](Communicator &comm) {
        if (comm.rank() == 0) {
          throw 42;
        }
        comm.barrier();
      },
      withTimeout(30));
  EXPECT_EQ(o.overall, "rank 0 failed: an exception that is not a "
                       "std::exception");
  EXPECT_EQ(o.perRank[1], o.overall);
}

} // namespace

// Sub-groups (a joint placement's groups): each group's collectives run
// among its ranks only, beside the world's; a rank failing inside its group
// stops the other group too, though it waits on a collective of its own.
TEST(CommGroups, GroupsCollectApartAndFailTogether) {
  std::mutex mutex;
  std::vector<uint64_t> groupSums(4), worldSums(4);
  runOnThreadsGrouped(4, 2, [&](Communicator &world, Communicator &group) {
    EXPECT_EQ(world.size(), 4);
    EXPECT_EQ(group.size(), 2);
    EXPECT_EQ(group.rank(), world.rank() % 2);
    std::vector<uint64_t> mine = {uint64_t(world.rank() + 1)};
    std::vector<uint64_t> g(2), w(4);
    group.allGather(mine.data(), g.data(), 1);
    world.allGather(mine.data(), w.data(), 1);
    std::lock_guard<std::mutex> lock(mutex);
    groupSums[size_t(world.rank())] = g[0] + g[1];
    worldSums[size_t(world.rank())] = w[0] + w[1] + w[2] + w[3];
  });
  EXPECT_EQ(groupSums, (std::vector<uint64_t>{3, 3, 7, 7}));
  EXPECT_EQ(worldSums, (std::vector<uint64_t>{10, 10, 10, 10}));
  EXPECT_THROW(runOnThreadsGrouped(4, 3, [](Communicator &, Communicator &) {}),
               Error);

  auto begin = Clock::now();
  std::string overall;
  try {
    runOnThreadsGrouped(
        4, 2,
        [](Communicator &world, Communicator &group) {
          if (world.rank() == 0)
            throw Error("rank 0 gives up");
          // Ranks 2 and 3 wait on their own group's collective; rank 1 on
          // rank 0's group.
          std::vector<uint64_t> in = {1}, out(2);
          group.allGather(in.data(), out.data(), 1);
          group.allGather(in.data(), out.data(), 1);
          group.barrier();
          world.barrier();
        },
        withTimeout(60));
  } catch (const Error &e) {
    overall = e.what();
  }
  EXPECT_TRUE(contains(overall, "rank 0 gives up")) << overall;
  EXPECT_LT(secondsSince(begin), 30.0);
}
