//===- ThreadsTest.cpp - The threads backend on 1 to 8 ranks --------------===//

#include "CollectiveChecks.h"

#include "aegis/Runtime/Comm/Factory.h"
#include "aegis/Runtime/Comm/ThreadCommunicator.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <thread>

using namespace aegis;
using namespace aegis::comm;

namespace {

CommOptions quickOptions(double timeout = 20) {
  CommOptions options;
  options.timeoutSeconds = timeout;
  return options;
}

class CommThreads : public ::testing::TestWithParam<int> {};

TEST_P(CommThreads, AllGather) {
  runOnThreads(GetParam(), test::checkAllGather, quickOptions());
}
TEST_P(CommThreads, AllGatherBytes) {
  runOnThreads(GetParam(), test::checkAllGatherBytes, quickOptions());
}
TEST_P(CommThreads, ReduceScatter) {
  runOnThreads(GetParam(), test::checkReduceScatter, quickOptions());
}
TEST_P(CommThreads, AllReduce) {
  runOnThreads(GetParam(), test::checkAllReduce, quickOptions());
}
TEST_P(CommThreads, Broadcast) {
  runOnThreads(GetParam(), test::checkBroadcast, quickOptions());
}
TEST_P(CommThreads, AllToAll) {
  runOnThreads(GetParam(), test::checkAllToAll, quickOptions());
}
TEST_P(CommThreads, SendRecv) {
  runOnThreads(GetParam(), test::checkSendRecv, quickOptions());
}
TEST_P(CommThreads, AsyncOverlap) {
  runOnThreads(GetParam(), test::checkAsyncOverlap, quickOptions());
}
TEST_P(CommThreads, BarrierAndControlBytes) {
  runOnThreads(GetParam(), test::checkBarrierAndControlBytes, quickOptions());
}
TEST_P(CommThreads, SumIsBitIdenticalForEveryRankCount) {
  runOnThreads(
      GetParam(),
      [](Communicator &comm) {
        EXPECT_EQ(test::distributedSumHash(comm), test::referenceSumHash());
      },
      quickOptions());
}
TEST_P(CommThreads, GatherStats) {
  runOnThreads(GetParam(), test::checkGatherStats, quickOptions());
}
TEST_P(CommThreads, WithoutAgreementHeaders) {
  CommOptions options = quickOptions();
  options.checkAgreement = false;
  runOnThreads(
      GetParam(),
      [](Communicator &comm) {
        CommStatsSnapshot before = comm.stats().snapshot();
        test::checkAllGather(comm);
        test::checkReduceScatter(comm);
        test::checkAllReduce(comm);
        test::checkAllToAll(comm);
        CommStatsSnapshot after = comm.stats().snapshot();
        EXPECT_EQ(after.controlBytesSent, before.controlBytesSent);
        // The barrier still exchanges headers: it has nothing else.
        comm.barrier();
      },
      options);
}

INSTANTIATE_TEST_SUITE_P(Ranks, CommThreads, ::testing::Values(1, 2, 3, 4, 8),
                         [](const auto &info) {
                           return std::to_string(info.param) + "ranks";
                         });

TEST(CommThreadsAsync, StartNeverWaitsForPeers) {
  runOnThreads(
      2,
      [](Communicator &comm) {
        std::vector<uint64_t> in = {uint64_t(comm.rank())};
        std::vector<uint64_t> out(2);
        if (comm.rank() == 1) {
          std::this_thread::sleep_for(std::chrono::milliseconds(500));
        }
        auto begin = std::chrono::steady_clock::now();
        Request r = comm.startAllGather(in.data(), out.data(), 1);
        double startSeconds = std::chrono::duration<double>(
                                  std::chrono::steady_clock::now() - begin)
                                  .count();
        if (comm.rank() == 0) {
          // Rank 1 has not started yet: the request cannot be complete.
          EXPECT_FALSE(comm.test(r));
          EXPECT_LT(startSeconds, 0.25);
        }
        comm.wait(r);
        EXPECT_EQ(out, (std::vector<uint64_t>{0, 1}));
        const KindStats &k = comm.stats().of(CollectiveKind::AllGather);
        if (comm.rank() == 0) {
          // Rank 0 was blocked until rank 1 arrived.
          EXPECT_GT(k.waitSeconds, 0.2);
        }
        EXPECT_EQ(k.count, 1u);
      },
      quickOptions());
}

TEST(CommThreadsAsync, WaitOnEmptyRequestIsALocalError) {
  runOnThreads(
      1,
      [](Communicator &comm) {
        Request empty;
        EXPECT_FALSE(empty.valid());
        try {
          comm.wait(empty);
          ADD_FAILURE() << "wait on an empty request returned";
        } catch (const Error &e) {
          EXPECT_NE(std::string(e.what()).find("empty"), std::string::npos)
              << e.what();
        }
        EXPECT_THROW(comm.test(empty), Error);
        // A misused handle does not break the communicator.
        EXPECT_FALSE(comm.failed());
        comm.barrier();
      },
      quickOptions());
}

TEST(CommThreadsAsync, OutstandingLimit) {
  CommOptions options = quickOptions();
  options.maxOutstanding = 3;
  std::vector<std::string> errors(2);
  EXPECT_THROW(runOnThreads(
                   2,
                   [&](Communicator &comm) {
                     std::vector<Request> requests;
                     try {
                       for (int i = 0; i < 4; ++i) {
                         requests.push_back(comm.startBarrier());
                       }
                     } catch (const Error &e) {
                       errors[size_t(comm.rank())] = e.what();
                       throw;
                     }
                   },
                   options),
               Error);
  EXPECT_NE(errors[0].find("3 requests outstanding"), std::string::npos)
      << errors[0];
}

} // namespace
