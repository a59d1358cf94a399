//===- MpiTest.cpp - The MPI backend, run by mpirun on 2 and 4 ranks ------===//

#include "CollectiveChecks.h"

#include "aegis/Runtime/Comm/Factory.h"
#include "aegis/Runtime/Comm/MpiCommunicator.h"

#include <gtest/gtest.h>

#include <chrono>
#include <thread>

using namespace aegis;
using namespace aegis::comm;

namespace {

std::unique_ptr<Communicator> world(double timeout = 30) {
  CommOptions options;
  options.timeoutSeconds = timeout;
  return createMpiWorldCommunicator(options);
}

TEST(CommMpi, AllGather) { test::checkAllGather(*world()); }
TEST(CommMpi, AllGatherBytes) { test::checkAllGatherBytes(*world()); }
TEST(CommMpi, ReduceScatter) { test::checkReduceScatter(*world()); }
TEST(CommMpi, AllReduce) { test::checkAllReduce(*world()); }
TEST(CommMpi, Broadcast) { test::checkBroadcast(*world()); }
TEST(CommMpi, AllToAll) { test::checkAllToAll(*world()); }
TEST(CommMpi, SendRecv) { test::checkSendRecv(*world()); }
TEST(CommMpi, AsyncOverlap) { test::checkAsyncOverlap(*world()); }
TEST(CommMpi, BarrierAndControlBytes) {
  test::checkBarrierAndControlBytes(*world());
}
TEST(CommMpi, SumIsBitIdenticalForEveryRankCount) {
  EXPECT_EQ(test::distributedSumHash(*world()), test::referenceSumHash());
}
TEST(CommMpi, GatherStats) { test::checkGatherStats(*world()); }

TEST(CommMpi, WithoutAgreementHeaders) {
  CommOptions options;
  options.timeoutSeconds = 30;
  options.checkAgreement = false;
  auto comm = createMpiWorldCommunicator(options);
  test::checkAllGather(*comm);
  test::checkAllReduce(*comm);
  test::checkAllToAll(*comm);
  EXPECT_EQ(comm->stats().snapshot().controlBytesSent, 0u);
}

TEST(CommMpi, LargeMessage) {
  // 48 MiB all-gather: well past the eager limit, exercises rendezvous.
  auto comm = world();
  size_t words = size_t(6) << 20;
  size_t per = words / size_t(comm->size());
  std::vector<uint64_t> in(per, uint64_t(comm->rank()) * 1000003);
  std::vector<uint64_t> out(per * size_t(comm->size()));
  comm->allGather(in.data(), out.data(), per);
  for (int p = 0; p < comm->size(); ++p) {
    EXPECT_EQ(out[size_t(p) * per], uint64_t(p) * 1000003);
    EXPECT_EQ(out[size_t(p) * per + per - 1], uint64_t(p) * 1000003);
  }
}

TEST(CommMpi, Factory) {
  auto comm = createCommunicator(BackendKind::Mpi, -1, -1);
  EXPECT_EQ(comm->backend(), BackendKind::Mpi);
  int rank = comm->rank();
  int size = comm->size();
  auto same = createCommunicator(BackendKind::Mpi, rank, size);
  EXPECT_EQ(same->rank(), rank);
  try {
    createCommunicator(BackendKind::Mpi, (rank + 1) % size, size + 1);
    ADD_FAILURE() << "a wrong MPI size was accepted";
  } catch (const Error &e) {
    EXPECT_NE(std::string(e.what()).find("in MPI_COMM_WORLD"),
              std::string::npos)
        << e.what();
  }
  CommOptions tooMany;
  tooMany.maxOutstanding = size_t(1) << 40;
  EXPECT_THROW(createMpiWorldCommunicator(tooMany), Error);
}

TEST(CommMpi, MismatchIsReportedAlikeOnEveryRank) {
  auto comm = world();
  std::vector<uint64_t> buffer(size_t(comm->size()));
  try {
    if (comm->rank() == comm->size() - 1) {
      comm->broadcast(buffer.data(), 1, 0);
    } else {
      comm->allGather(buffer.data() + comm->rank(), buffer.data(), 1);
    }
    ADD_FAILURE() << "mismatched collectives completed";
  } catch (const CollectiveMismatch &e) {
    EXPECT_EQ(std::string(e.what()),
              "collective mismatch: at collective #1 rank 0 started "
              "all-gather but rank " +
                  std::to_string(comm->size() - 1) + " started broadcast");
  }
}

TEST(CommMpi, PointToPointSizes) {
  auto comm = world();
  std::vector<uint64_t> buffer(4);
  if (comm->rank() == 0) {
    comm->send(buffer.data(), 3, 1);
    // The receiver fails and reports it; this rank hears on its next call.
    try {
      comm->barrier();
      ADD_FAILURE() << "the barrier completed after a failed receive";
    } catch (const PeerFailure &e) {
      EXPECT_STREQ(e.what(), "rank 1 failed: rank 0 sent 24 bytes but rank 1 "
                             "expected 32 bytes");
    }
  } else if (comm->rank() == 1) {
    try {
      comm->recv(buffer.data(), 4, 0);
      ADD_FAILURE() << "a short message was accepted";
    } catch (const Error &e) {
      EXPECT_STREQ(e.what(), "rank 0 sent 24 bytes but rank 1 expected 32 "
                             "bytes");
    }
  } else {
    EXPECT_THROW(comm->barrier(), PeerFailure);
  }
}

TEST(CommMpi, AbortingRankStopsEveryRank) {
  auto comm = world();
  std::vector<uint64_t> buffer(size_t(comm->size()));
  if (comm->rank() == 1) {
    comm->allGather(buffer.data() + 1, buffer.data(), 1);
    comm->abort("injected failure");
    EXPECT_TRUE(comm->failed());
    return;
  }
  auto begin = std::chrono::steady_clock::now();
  try {
    // The first all-gather may still be in flight here when rank 1's
    // notice arrives (rank 1 completed it first); the second never
    // completes.
    comm->allGather(buffer.data() + comm->rank(), buffer.data(), 1);
    comm->allGather(buffer.data() + comm->rank(), buffer.data(), 1);
    ADD_FAILURE() << "an all-gather without rank 1 completed";
  } catch (const PeerFailure &e) {
    EXPECT_STREQ(e.what(), "rank 1 failed: injected failure");
  }
  EXPECT_LT(
      std::chrono::duration<double>(std::chrono::steady_clock::now() - begin)
          .count(),
      10);
}

TEST(CommMpi, StalledRankTimesOut) {
  auto comm = world(0.5);
  std::vector<uint64_t> buffer(size_t(comm->size()));
  if (comm->rank() == 1) {
    std::this_thread::sleep_for(std::chrono::milliseconds(2500));
    // By now the others timed out and said so.
    EXPECT_THROW(comm->allGather(buffer.data() + 1, buffer.data(), 1),
                 PeerFailure);
    return;
  }
  auto begin = std::chrono::steady_clock::now();
  try {
    comm->allGather(buffer.data() + comm->rank(), buffer.data(), 1);
    ADD_FAILURE() << "an all-gather without rank 1 completed";
  } catch (const Error &e) {
    // Either this rank's own timeout, or a peer's report of it.
    EXPECT_NE(std::string(e.what()).find(
                  "timed out after 0.5 s waiting for rank 1 in all-gather "
                  "(collective #1)"),
              std::string::npos)
        << e.what();
  }
  double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - begin)
          .count();
  // Nobody can fail before the first timeout (ranks start together: the
  // communicator was just created collectively).
  EXPECT_GE(seconds, 0.25);
  EXPECT_LT(seconds, 2.4);
}

} // namespace
