//===- StatsTest.cpp - Accounting, reports and the JSON writer ------------===//

#include "aegis/Runtime/Comm/CommStats.h"
#include "aegis/Runtime/Comm/JsonWriter.h"
#include "aegis/Runtime/Comm/ThreadCommunicator.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <thread>

using namespace aegis;
using namespace aegis::comm;

namespace {

TEST(CommJson, WritesNestedDocument) {
  JsonWriter json;
  json.beginObject();
  json.key("name").value("a \"quoted\"\\ line\n\tend\x01");
  json.key("count").value(uint64_t(18446744073709551615ull));
  json.key("delta").value(int64_t(-3));
  json.key("ratio").value(0.1);
  json.key("nan").value(std::nan(""));
  json.key("flags").beginArray().value(true).value(false).null().endArray();
  json.key("empty").beginObject().endObject();
  json.key("none").beginArray().endArray();
  json.endObject();
  EXPECT_EQ(json.str(),
            "{\n"
            "  \"name\": \"a \\\"quoted\\\"\\\\ line\\n\\tend\\u0001\",\n"
            "  \"count\": 18446744073709551615,\n"
            "  \"delta\": -3,\n"
            "  \"ratio\": 0.1,\n"
            "  \"nan\": null,\n"
            "  \"flags\": [\n"
            "    true,\n"
            "    false,\n"
            "    null\n"
            "  ],\n"
            "  \"empty\": {},\n"
            "  \"none\": []\n"
            "}");
}

TEST(CommJson, DoublesRoundTrip) {
  for (double x : {1.0 / 3.0, 1e-300, 123456789.125, 2.5e10}) {
    JsonWriter json;
    json.value(x);
    EXPECT_EQ(std::strtod(json.str().c_str(), nullptr), x) << json.str();
  }
}

TEST(CommJson, RejectsMisuse) {
  {
    JsonWriter json;
    json.beginObject();
    EXPECT_THROW(json.value(1), Error); // value without a key
  }
  {
    JsonWriter json;
    EXPECT_THROW(json.key("x"), Error); // key outside an object
  }
  {
    JsonWriter json;
    json.beginArray();
    EXPECT_THROW(json.key("x"), Error);
    EXPECT_THROW(json.endObject(), Error);
    EXPECT_THROW(json.str(), Error); // incomplete
    json.endArray();
    EXPECT_EQ(json.str(), "[]");
    EXPECT_THROW(json.value(2), Error); // a second top-level value
  }
  {
    JsonWriter json;
    json.beginObject().key("a");
    EXPECT_THROW(json.key("b"), Error); // two keys in a row
    EXPECT_THROW(json.endObject(), Error);
  }
  {
    JsonWriter json;
    EXPECT_THROW(json.endArray(), Error);
  }
}

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

  std::string json = statsToJson({s}, "threads");
  EXPECT_NE(json.find("\"backend\": \"threads\""), std::string::npos);
  EXPECT_NE(json.find("\"all-gather\": {\n          \"count\": 1,\n"
                      "          \"bytes_sent\": 1536,\n"
                      "          \"bytes_received\": 512,\n"
                      "          \"wait_seconds\": 0.25\n"),
            std::string::npos)
      << json;
  EXPECT_NE(json.find("\"memory_high_water_bytes\": 4096"), std::string::npos);
  EXPECT_NE(json.find("\"control_bytes_sent\": 80"), std::string::npos);
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
