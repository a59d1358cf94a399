//===- RotationKeysTest.cpp - Rotation keys under a budget ----------------===//

#include "aegis/Support/RotationKeys.h"

#include <gtest/gtest.h>

#include <random>
#include <set>

using namespace aegis;

namespace {
/// Every offset's path starts at 0, steps only by chosen keys, ends at the
/// offset and is as long as `length` says.
void expectValidPaths(const RotationKeyPlan &plan,
                      const std::map<int64_t, int64_t> &uses) {
  for (auto [offset, count] : uses) {
    std::vector<int64_t> nodes = plan.path(offset);
    ASSERT_FALSE(nodes.empty()) << offset;
    EXPECT_EQ(nodes.back(), offset);
    EXPECT_EQ(int64_t(nodes.size()), plan.length[size_t(offset)]);
    int64_t previous = 0;
    for (int64_t v : nodes) {
      EXPECT_TRUE(plan.isKey((v - previous + plan.slots) % plan.slots))
          << "step " << previous << " -> " << v << " of " << offset;
      previous = v;
    }
  }
}
} // namespace

TEST(RotationKeys, WithinBudgetKeepsEveryOffset) {
  std::map<int64_t, int64_t> uses{{1, 3}, {5, 1}, {60, 2}};
  RotationKeyPlan plan;
  std::string error;
  ASSERT_TRUE(planRotationKeys(64, uses, 3, plan, error)) << error;
  EXPECT_EQ(plan.keys, (std::vector<int64_t>{1, 5, 60}));
  EXPECT_EQ(plan.rotationsBefore, 6);
  EXPECT_EQ(plan.rotationsAfter, 6);
  ASSERT_TRUE(planRotationKeys(64, uses, 0, plan, error)) << error;
  EXPECT_EQ(plan.keys.size(), 3u);
}

TEST(RotationKeys, BudgetComposesFromPowersOfTwoAndFrequentOffsets) {
  // BSGS-like: baby steps 1..15 used often, giant steps 16k used once each.
  const int64_t slots = 4096;
  std::map<int64_t, int64_t> uses;
  for (int64_t i = 1; i < 16; ++i)
    uses[i] = 40;
  for (int64_t k = 1; k < 64; ++k)
    uses[16 * k] = 1;
  RotationKeyPlan plan;
  std::string error;
  ASSERT_TRUE(planRotationKeys(slots, uses, 24, plan, error)) << error;
  EXPECT_LE(plan.keys.size(), 24u);
  expectValidPaths(plan, uses);
  // The often-used baby steps become keys: one key switch each.
  for (int64_t i = 1; i < 16; ++i)
    EXPECT_EQ(plan.length[size_t(i)], 1) << i;
  EXPECT_GT(plan.rotationsAfter, plan.rotationsBefore);
  EXPECT_LT(plan.rotationsAfter, plan.rotationsBefore + 2 * 63);
}

TEST(RotationKeys, RandomOffsetsAtModelScale) {
  const int64_t slots = 32768;
  std::mt19937_64 rng(7);
  std::map<int64_t, int64_t> uses;
  while (uses.size() < 600)
    uses[int64_t(rng() % slots)] += 1 + int64_t(rng() % 50);
  uses.erase(0);
  RotationKeyPlan plan;
  std::string error;
  ASSERT_TRUE(planRotationKeys(slots, uses, 48, plan, error)) << error;
  EXPECT_LE(plan.keys.size(), 48u);
  expectValidPaths(plan, uses);
  // No composition is longer than the binary expansion (15 bits).
  for (auto [offset, count] : uses)
    EXPECT_LE(plan.length[size_t(offset)], 15) << offset;
}

TEST(RotationKeys, BadInputsAreErrors) {
  RotationKeyPlan plan;
  std::string error;
  EXPECT_FALSE(planRotationKeys(48, {{1, 1}}, 4, plan, error));
  EXPECT_NE(error.find("not a positive power of two"), std::string::npos)
      << error;
  EXPECT_FALSE(planRotationKeys(8, {{9, 1}}, 4, plan, error));
  EXPECT_NE(error.find("not in [0, 8)"), std::string::npos) << error;
  // 7, 5, 3 need 1, 2 and 4.
  EXPECT_FALSE(planRotationKeys(8, {{7, 1}, {5, 1}, {3, 1}}, 2, plan, error));
  EXPECT_NE(error.find("needs 3 keys"), std::string::npos) << error;
}

TEST(RotationKeys, KeySwitchKeyBytes) {
  // N = 2^16, 20 chain and 4 special primes, dnum 5.
  EXPECT_DOUBLE_EQ(keySwitchKeyBytes(16, 20, 4, 5),
                   5.0 * 2 * 24 * 65536 * 8);
}
