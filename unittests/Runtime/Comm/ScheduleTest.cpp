//===- ScheduleTest.cpp - Schedule traffic against the formulas ---------===//
//
// Sums the bytes that the schedules post for every rank of up to 64 ranks and
// compares them with the formulas of docs/Communicators.md, far beyond the
// rank counts the threads and MPI tests run. Also checks that sends and
// receives pair up exactly (same bytes between every ordered pair).
//
//===----------------------------------------------------------------------===//

#include "Schedule.h"

#include <gtest/gtest.h>

#include <map>

using namespace aegis;
using namespace aegis::comm;

namespace {

struct Traffic {
  uint64_t sent = 0;
  uint64_t received = 0;
};

/// Bytes each rank posts, and the pairwise byte matrix as seen by senders and
/// by receivers.
std::vector<Traffic> trafficOf(const std::vector<CollectiveCall> &calls,
                               int size) {
  std::vector<Traffic> traffic(static_cast<size_t>(size));
  std::map<std::pair<int, int>, uint64_t> bySender, byReceiver;
  for (int r = 0; r < size; ++r) {
    const CollectiveCall &call = calls[size_t(r)];
    std::vector<uint8_t> scratch(scheduleScratchBytes(call, r, size) + 8);
    Schedule s = buildSchedule(call, r, size, scratch.data());
    for (const SchedulePhase &phase : s.phases) {
      for (const ScheduleTransfer &t : phase.transfers) {
        EXPECT_NE(t.peer, r) << "a collective sends to itself";
        EXPECT_NE(t.bytes, 0u) << "zero-byte transfers are left out";
        if (t.isSend) {
          traffic[size_t(r)].sent += t.bytes;
          bySender[{r, t.peer}] += t.bytes;
        } else {
          traffic[size_t(r)].received += t.bytes;
          byReceiver[{t.peer, r}] += t.bytes;
        }
      }
    }
  }
  EXPECT_EQ(bySender, byReceiver) << "sends and receives do not pair up";
  return traffic;
}

std::vector<CollectiveCall> sameCall(const CollectiveCall &call, int size) {
  return std::vector<CollectiveCall>(size_t(size), call);
}

std::vector<size_t> unevenCounts(int size, uint64_t seed) {
  std::vector<size_t> counts;
  for (int p = 0; p < size; ++p) {
    seed = seed * 6364136223846793005ull + 1442695040888963407ull;
    counts.push_back(size_t(seed >> 60)); // 0..15, zeros included
  }
  return counts;
}

uint64_t sum(const std::vector<size_t> &v) {
  uint64_t s = 0;
  for (size_t x : v) {
    s += x;
  }
  return s;
}

class CommSchedule : public ::testing::TestWithParam<int> {};

TEST_P(CommSchedule, AllGatherAndReduceScatter) {
  int size = GetParam();
  for (uint64_t seed : {1, 2, 3}) {
    std::vector<size_t> counts = unevenCounts(size, seed);
    uint64_t total = sum(counts);
    static uint64_t dummy[1];
    CollectiveCall call;
    call.kind = CollectiveKind::AllGather;
    call.send = dummy;
    call.recv = dummy;
    call.counts = counts;
    std::vector<Traffic> gather = trafficOf(sameCall(call, size), size);
    call.kind = CollectiveKind::ReduceScatter;
    std::vector<Traffic> scatter = trafficOf(sameCall(call, size), size);
    for (int r = 0; r < size; ++r) {
      uint64_t own = counts[size_t(r)];
      EXPECT_EQ(gather[size_t(r)].sent, uint64_t(size - 1) * own * 8);
      EXPECT_EQ(gather[size_t(r)].received, (total - own) * 8);
      EXPECT_EQ(scatter[size_t(r)].sent, (total - own) * 8);
      EXPECT_EQ(scatter[size_t(r)].received, uint64_t(size - 1) * own * 8);
    }
  }
}

TEST_P(CommSchedule, AllReduce) {
  int size = GetParam();
  for (size_t n :
       {size_t(0), size_t(1), size_t(size - 1), size_t(1000), size_t(65536)}) {
    static uint64_t dummy[1];
    CollectiveCall call;
    call.kind = CollectiveKind::AllReduce;
    call.send = dummy;
    call.recv = dummy;
    call.count = n;
    std::vector<Traffic> traffic = trafficOf(sameCall(call, size), size);
    for (int r = 0; r < size; ++r) {
      uint64_t share = n / size_t(size) + (size_t(r) < n % size_t(size));
      uint64_t expected = (n + uint64_t(size - 2) * share) * 8;
      EXPECT_EQ(traffic[size_t(r)].sent, expected);
      EXPECT_EQ(traffic[size_t(r)].received, expected);
      if (n % size_t(size) == 0) {
        // The familiar 2(P-1)/P * n words each way.
        EXPECT_EQ(traffic[size_t(r)].sent * size_t(size),
                  2 * uint64_t(size - 1) * n * 8);
      }
    }
  }
}

TEST_P(CommSchedule, BroadcastAndAllToAll) {
  int size = GetParam();
  static uint64_t dummy[1];
  CollectiveCall call;
  call.kind = CollectiveKind::Broadcast;
  call.recv = dummy;
  call.count = 10;
  call.root = size / 2;
  std::vector<Traffic> traffic = trafficOf(sameCall(call, size), size);
  for (int r = 0; r < size; ++r) {
    bool root = r == size / 2;
    EXPECT_EQ(traffic[size_t(r)].sent, root ? uint64_t(size - 1) * 80 : 0u);
    EXPECT_EQ(traffic[size_t(r)].received, root ? 0u : 80u);
  }

  // All-to-all: rank s sends (s * 7 + d * 3) % 5 elements to rank d.
  auto elements = [](int s, int d) { return size_t((s * 7 + d * 3) % 5); };
  std::vector<CollectiveCall> calls;
  for (int r = 0; r < size; ++r) {
    CollectiveCall c;
    c.kind = CollectiveKind::AllToAll;
    c.unit = 1;
    c.send = dummy;
    c.recv = dummy;
    for (int p = 0; p < size; ++p) {
      c.counts.push_back(elements(r, p));
      c.recvCounts.push_back(elements(p, r));
    }
    calls.push_back(c);
  }
  traffic = trafficOf(calls, size);
  for (int r = 0; r < size; ++r) {
    uint64_t sent = 0, received = 0;
    for (int p = 0; p < size; ++p) {
      if (p != r) {
        sent += elements(r, p);
        received += elements(p, r);
      }
    }
    EXPECT_EQ(traffic[size_t(r)].sent, sent);
    EXPECT_EQ(traffic[size_t(r)].received, received);
  }
}

TEST_P(CommSchedule, ReduceStepsCoverOwnSliceInRankOrder) {
  int size = GetParam();
  std::vector<size_t> counts = unevenCounts(size, 9);
  std::vector<uint64_t> send(sum(counts) + 1);
  std::vector<uint64_t> recv(64);
  for (int r = 0; r < size; ++r) {
    CollectiveCall call;
    call.kind = CollectiveKind::ReduceScatter;
    call.send = send.data();
    call.recv = recv.data();
    call.counts = counts;
    std::vector<uint8_t> scratch(scheduleScratchBytes(call, r, size) + 8);
    Schedule s = buildSchedule(call, r, size, scratch.data());
    ASSERT_EQ(s.phases.size(), 1u);
    size_t own = counts[size_t(r)];
    EXPECT_EQ(scheduleScratchBytes(call, r, size), size_t(size - 1) * own * 8);
    if (own == 0) {
      EXPECT_TRUE(s.phases[0].reduces.empty());
      continue;
    }
    ASSERT_EQ(s.phases[0].reduces.size(), 1u);
    const ScheduleReduce &step = s.phases[0].reduces[0];
    size_t offset =
        sum(std::vector<size_t>(counts.begin(), counts.begin() + r));
    EXPECT_EQ(step.numSources, size);
    EXPECT_EQ(step.ownPosition, r);
    EXPECT_EQ(step.words, own);
    EXPECT_EQ(step.firstIndex, offset);
    EXPECT_EQ(step.own, send.data() + offset);
    EXPECT_EQ(step.dst, recv.data());
    EXPECT_EQ(reinterpret_cast<const uint8_t *>(step.others), scratch.data());
  }
}

INSTANTIATE_TEST_SUITE_P(Ranks, CommSchedule,
                         ::testing::Values(1, 2, 3, 5, 8, 16, 64),
                         [](const auto &info) {
                           return std::to_string(info.param) + "ranks";
                         });

TEST(CommSchedule, BalancedSplit) {
  EXPECT_EQ(balancedSplit(7, 4), (std::vector<size_t>{2, 2, 2, 1}));
  EXPECT_EQ(balancedSplit(3, 8), (std::vector<size_t>{1, 1, 1, 0, 0, 0, 0, 0}));
  EXPECT_EQ(prefixOffsets({2, 0, 3}), (std::vector<size_t>{0, 2, 2}));
}

} // namespace
