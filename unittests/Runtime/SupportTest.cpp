//===- SupportTest.cpp - Error, thread pool, PRNG, CRC --------------------===//

#include "aegis/Runtime/Support/Crc32c.h"
#include "aegis/Runtime/Support/Error.h"
#include "aegis/Runtime/Support/Prng.h"
#include "aegis/Runtime/Support/ThreadPool.h"

#include <gtest/gtest.h>

#include <atomic>
#include <cstring>
#include <set>
#include <vector>

using namespace aegis;

TEST(Error, FormatsOneLine) {
  try {
    fail("expected level ", 3, " but found ", 5);
    FAIL() << "fail() returned";
  } catch (const Error &e) {
    EXPECT_STREQ(e.what(), "expected level 3 but found 5");
  }
  EXPECT_NO_THROW(require(true, "never"));
  EXPECT_THROW(require(false, "always"), Error);
}

TEST(Crc32c, KnownAnswers) {
  const char *check = "123456789";
  EXPECT_EQ(crc32c(check, 9), 0xE3069283u);
  EXPECT_EQ(crc32c("", 0), 0u);
  // 32 zero bytes (RFC 3720 B.4).
  std::vector<uint8_t> zeros(32, 0);
  EXPECT_EQ(crc32c(zeros.data(), zeros.size()), 0x8A9136AAu);
  std::vector<uint8_t> ones(32, 0xff);
  EXPECT_EQ(crc32c(ones.data(), ones.size()), 0x62A8AB43u);
  // Incremental equals one shot, for every split point.
  std::vector<uint8_t> data(100);
  for (size_t i = 0; i < data.size(); ++i) {
    data[i] = uint8_t(i * 37 + 11);
  }
  uint32_t whole = crc32c(data.data(), data.size());
  for (size_t split = 0; split <= data.size(); ++split) {
    uint32_t part = crc32c(data.data(), split);
    EXPECT_EQ(crc32c(data.data() + split, data.size() - split, part), whole);
  }
}

TEST(Crc32c, DetectsEverySingleBitFlip) {
  std::vector<uint8_t> data(64, 0x5a);
  uint32_t reference = crc32c(data.data(), data.size());
  for (size_t bit = 0; bit < data.size() * 8; ++bit) {
    data[bit / 8] ^= uint8_t(1u << (bit % 8));
    EXPECT_NE(crc32c(data.data(), data.size()), reference) << bit;
    data[bit / 8] ^= uint8_t(1u << (bit % 8));
  }
}

TEST(Prng, ChaCha20Rfc8439BlockVector) {
  // RFC 8439 section 2.3.2: key 00..1f, counter 1, nonce 000000090000004a00000000.
  uint32_t key[8];
  uint8_t keyBytes[32];
  for (int i = 0; i < 32; ++i) {
    keyBytes[i] = uint8_t(i);
  }
  std::memcpy(key, keyBytes, 32); // little-endian host
  uint8_t out[64];
  chacha20Block(key, 1, 0x09000000, 0x4a000000, 0, out);
  const uint8_t expected[64] = {
      0x10, 0xf1, 0xe7, 0xe4, 0xd1, 0x3b, 0x59, 0x15, 0x50, 0x0f, 0xdd,
      0x1f, 0xa3, 0x20, 0x71, 0xc4, 0xc7, 0xd1, 0xf4, 0xc7, 0x33, 0xc0,
      0x68, 0x03, 0x04, 0x22, 0xaa, 0x9a, 0xc3, 0xd4, 0x6c, 0x4e, 0xd2,
      0x82, 0x64, 0x46, 0x07, 0x9f, 0xaa, 0x09, 0x14, 0xc2, 0xd7, 0x05,
      0xd9, 0x8b, 0x02, 0xa2, 0xb5, 0x12, 0x9c, 0xd1, 0xde, 0x16, 0x4e,
      0xb9, 0xcb, 0xd0, 0x83, 0xe8, 0xa2, 0x50, 0x3c, 0x4e};
  EXPECT_EQ(std::memcmp(out, expected, 64), 0);
}

TEST(Prng, DeterministicAndStreamSeparated) {
  Seed seed = seedFromInteger(42);
  Prng a(seed, 7), b(seed, 7), c(seed, 8), d(seedFromInteger(43), 7);
  std::vector<uint64_t> va, vb, vc, vd;
  for (int i = 0; i < 100; ++i) {
    va.push_back(a.next64());
    vb.push_back(b.next64());
    vc.push_back(c.next64());
    vd.push_back(d.next64());
  }
  EXPECT_EQ(va, vb);
  EXPECT_NE(va, vc);
  EXPECT_NE(va, vd);
  EXPECT_NE(deriveSeed(seed, 1), deriveSeed(seed, 2));
  EXPECT_EQ(deriveSeed(seed, 1), deriveSeed(seed, 1));
  EXPECT_NE(randomSeed(), randomSeed());
}

TEST(Prng, UniformBelowIsInRangeAndBalanced) {
  Prng prng(seedFromInteger(1), 0);
  const uint64_t bound = 3;
  std::vector<int> counts(bound, 0);
  for (int i = 0; i < 30000; ++i) {
    uint64_t v = prng.uniformBelow(bound);
    ASSERT_LT(v, bound);
    ++counts[v];
  }
  for (int c : counts) {
    EXPECT_NEAR(c, 10000, 500);
  }
  uint64_t big = (uint64_t(1) << 60) + 12345;
  for (int i = 0; i < 1000; ++i) {
    EXPECT_LT(prng.uniformBelow(big), big);
  }
}

TEST(ThreadPool, CoversEveryIndexOnceForAnyCount) {
  for (unsigned threads : {1u, 2u, 3u, 5u}) {
    ThreadPool pool(threads);
    std::vector<std::atomic<int>> hits(1000);
    pool.parallelFor(0, hits.size(), [&](size_t i) { hits[i]++; });
    for (auto &h : hits) {
      EXPECT_EQ(h.load(), 1) << threads;
    }
    // Nested loops run serially and still cover everything.
    std::atomic<int> total{0};
    pool.parallelFor(0, 10, [&](size_t) {
      pool.parallelFor(0, 10, [&](size_t) { total++; });
    });
    EXPECT_EQ(total.load(), 100);
  }
}

TEST(ThreadPool, RethrowsWorkerErrors) {
  ThreadPool pool(3);
  EXPECT_THROW(pool.parallelFor(0, 50,
                                [](size_t i) {
                                  if (i == 17) {
                                    fail("index ", i);
                                  }
                                }),
               Error);
  // The pool stays usable.
  std::atomic<int> count{0};
  pool.parallelFor(0, 20, [&](size_t) { count++; });
  EXPECT_EQ(count.load(), 20);
}

TEST(ThreadPool, GlobalCountIsSettable) {
  unsigned before = getNumThreads();
  setNumThreads(3);
  EXPECT_EQ(getNumThreads(), 3u);
  setNumThreads(0);
  EXPECT_EQ(getNumThreads(), 1u);
  setNumThreads(before);
  EXPECT_EQ(getNumThreads(), before);
}
