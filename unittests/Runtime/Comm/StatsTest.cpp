//===- StatsTest.cpp - Accounting and reports -----------------------------===//

#include "aegis/Runtime/Comm/CommStats.h"
#include "aegis/Runtime/Comm/ThreadCommunicator.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <thread>

using namespace aegis;
using namespace aegis::comm;

namespace {

TEST(CommStats, MemoryHighWater) {
  CommStats stats(3);
  stats.recordAllocation(100);
  stats.recordAllocation(50);
  stats.recordFree(120);
  stats.recordAllocation(10);
  EXPECT_EQ(stats.memoryInUse(), 40u);
  EXPECT_EQ(stats.memoryHighWater(), 150u);
  try {
    stats.recordFree(41);
    ADD_FAILURE() << "freed more than in use";
  } catch (const Error &e) {
    EXPECT_STREQ(e.what(), "memory accounting of rank 3: freeing 41 bytes "
                           "but only 40 are recorded in use");
  }
  stats.reset();
  EXPECT_EQ(stats.memoryHighWater(), 40u);
  EXPECT_EQ(stats.memoryInUse(), 40u);
}

TEST(CommStats, MemoryCountersAreThreadSafe) {
  CommStats stats;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 10000; ++i) {
        stats.recordAllocation(8);
        stats.recordFree(8);
      }
    });
  }
  for (auto &t : threads) {
    t.join();
  }
  EXPECT_EQ(stats.memoryInUse(), 0u);
  EXPECT_GE(stats.memoryHighWater(), 8u);
  EXPECT_LE(stats.memoryHighWater(), 32u);
}

TEST(CommStats, TextAndJsonReports) {
  CommStats stats(1);
  stats.recordStart(CollectiveKind::AllGather);
  stats.recordTraffic(CollectiveKind::AllGather, 1536, 512);
  stats.recordWait(CollectiveKind::AllGather, 0.25);
  stats.recordStart(CollectiveKind::Broadcast);
  stats.recordTraffic(CollectiveKind::Broadcast, 0, 64);
  stats.recordControl(80, 80);
  stats.recordAllocation(4096);
  CommStatsSnapshot s = stats.snapshot();
  EXPECT_EQ(s.total().count, 2u);
  EXPECT_EQ(s.total().bytesSent, 1536u);
  EXPECT_EQ(s.total().bytesReceived, 576u);

  std::string text = formatStatsText({s}, "threads");
  EXPECT_NE(text.find("communication (threads backend, 1 rank)"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("1     all-gather             1            1536"),
            std::string::npos)
      << text;
  EXPECT_EQ(text.find("all-reduce"), std::string::npos) << text;
  EXPECT_NE(text.find("high-water 4096 bytes"), std::string::npos) << text;

  // The JSON report, read back: every counter where scripts look for it.
  nlohmann::json json = nlohmann::json::parse(statsToJson({s}, "threads"));
  EXPECT_EQ(json["backend"], "threads");
  ASSERT_EQ(json["ranks"].size(), 1u);
  const nlohmann::json &rank = json["ranks"][0];
  EXPECT_EQ(rank["rank"], 1);
  const nlohmann::json &gather = rank["collectives"]["all-gather"];
  EXPECT_EQ(gather["count"], 1);
  EXPECT_EQ(gather["bytes_sent"], 1536);
  EXPECT_EQ(gather["bytes_received"], 512);
  EXPECT_EQ(gather["wait_seconds"], 0.25);
  EXPECT_EQ(rank["collectives"]["broadcast"]["bytes_received"], 64);
  EXPECT_EQ(rank["total"]["bytes_received"], 576);
  EXPECT_EQ(rank["memory_high_water_bytes"], 4096);
  EXPECT_EQ(rank["control_bytes_sent"], 80);
  EXPECT_EQ(rank["control_bytes_received"], 80);
  // Keys keep the order they were written in (ordered_json).
  EXPECT_EQ(statsJson({s}, "threads").begin().key(), "backend");
}

TEST(CommStats, KindNames) {
  std::vector<std::string> names;
  for (size_t k = 0; k < kNumCollectiveKinds; ++k) {
    names.push_back(collectiveKindName(CollectiveKind(k)));
  }
  EXPECT_EQ(names, (std::vector<std::string>{
                       "all-gather", "all-reduce", "reduce-scatter",
                       "broadcast", "all-to-all", "send-recv", "barrier"}));
}

} // namespace
