//===- HostMemoryPoolTest.cpp - the CPU backend's block pool --------------===//

#include "HostMemoryPool.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <string>

using aegis::ckks::HostMemoryPool;

namespace {
constexpr size_t kWords = size_t(1) << 16; // 512 KiB
constexpr size_t kBytes = kWords * 8;
} // namespace

// Freed blocks are kept up to the budget; beyond it the block idle longest
// goes back first, and a reuse takes the most recently freed block.
TEST(HostMemoryPool, KeepsTheBudgetReleasingTheOldestFirst) {
  HostMemoryPool pool(2 * kBytes);
  uint64_t *a = pool.allocate(kWords);
  uint64_t *b = pool.allocate(kWords);
  uint64_t *c = pool.allocate(kWords);
  pool.deallocate(a, kWords);
  pool.deallocate(b, kWords);
  EXPECT_EQ(pool.cachedBytes(), 2 * kBytes);
  pool.deallocate(c, kWords); // a, idle longest, is released
  EXPECT_EQ(pool.cachedBytes(), 2 * kBytes);
  EXPECT_EQ(pool.allocate(kWords), c);
  EXPECT_EQ(pool.allocate(kWords), b);
  EXPECT_EQ(pool.cachedBytes(), 0u);
  pool.deallocate(b, kWords);
  pool.deallocate(c, kWords);
}

// A size the program has left ages out while the recent size stays.
TEST(HostMemoryPool, OldSizesAgeOut) {
  HostMemoryPool pool(2 * kBytes);
  uint64_t *big = pool.allocate(kWords + 8);
  uint64_t *x = pool.allocate(kWords);
  uint64_t *y = pool.allocate(kWords);
  pool.deallocate(big, kWords + 8);
  pool.deallocate(x, kWords); // over budget: the big block goes
  EXPECT_EQ(pool.cachedBytes(), kBytes);
  pool.deallocate(y, kWords);
  EXPECT_EQ(pool.cachedBytes(), 2 * kBytes);
  EXPECT_EQ(pool.allocate(kWords), y);
  EXPECT_EQ(pool.allocate(kWords), x);
  pool.deallocate(x, kWords);
  pool.deallocate(y, kWords);
}

TEST(HostMemoryPool, BlocksBeyondTheBudgetAndAZeroBudgetKeepNothing) {
  HostMemoryPool small(kBytes / 2);
  small.deallocate(small.allocate(kWords), kWords);
  EXPECT_EQ(small.cachedBytes(), 0u);
  HostMemoryPool none(0);
  none.deallocate(none.allocate(8), 8);
  EXPECT_EQ(none.cachedBytes(), 0u);
  EXPECT_EQ(none.allocate(0), nullptr);
}

TEST(HostMemoryPool, BudgetFromTheEnvironment) {
  ::setenv("AEGIS_HOST_POOL_MIB", "3", 1);
  EXPECT_EQ(HostMemoryPool::defaultBudget(), size_t(3) << 20);
  for (const char *bad : {"3x", "", "-5", "lots"}) {
    ::setenv("AEGIS_HOST_POOL_MIB", bad, 1);
    testing::internal::CaptureStderr();
    EXPECT_EQ(HostMemoryPool::defaultBudget(), size_t(256) << 20) << bad;
    EXPECT_NE(testing::internal::GetCapturedStderr().find(
                  "is not a number of MiB"),
              std::string::npos)
        << bad;
  }
  ::unsetenv("AEGIS_HOST_POOL_MIB");
  EXPECT_EQ(HostMemoryPool::defaultBudget(), size_t(256) << 20);
}
