//===- PartitionedKeysTest.cpp - Key-switching keys split by rows ---------===//
//
// The rows each device reads (docs/Distributed.md, "Keys"), slicing vs
// direct generation from the key's seed, and every key switch of the
// DistributedEvaluator with partitioned keys on 1, 2, 3, 4 and 8 thread
// ranks, gathered and compared word for word with the single-device
// Evaluator.
//
//===----------------------------------------------------------------------===//

#include "../CkksTestUtil.h"

#include "aegis/Runtime/Comm/Factory.h"
#include "aegis/Runtime/Dist/PartitionedKeys.h"
#include "aegis/Runtime/Support/Error.h"

#include <gtest/gtest.h>

#include <cstring>
#include <map>
#include <memory>

using namespace aegis;
using namespace aegis::ckks;
using namespace aegis::ckks::test;
using namespace aegis::dist;
using comm::Communicator;

namespace {

const int kDeviceCounts[] = {1, 2, 3, 4, 8};
const KeySwitchAlgorithm kAlgorithms[] = {KeySwitchAlgorithm::InputBroadcast,
                                          KeySwitchAlgorithm::OutputAggregation};

struct KeySetup {
  TestSetup s;
  GaloisKeys galois;
  Ciphertext x, y;
  explicit KeySetup(unsigned dnum)
      : s(makeSpec(10, {50, 40, 40, 40, 40, 40}, {60, 60}, dnum), 90 + dnum) {
    galois = s.keygen->createGaloisKeys({1, -3, 5, -2}, true);
    x = s.encrypt(randomValues(512, 1));
    y = s.encrypt(randomValues(512, 2));
  }
};

KeySetup &setup(unsigned dnum) {
  static std::map<unsigned, std::unique_ptr<KeySetup>> setups;
  auto &slot = setups[dnum];
  if (!slot) {
    slot = std::make_unique<KeySetup>(dnum);
  }
  return *slot;
}

bool sameBits(const Ciphertext &got, const Ciphertext &want) {
  if (got.size() != want.size() || got.level() != want.level() ||
      got.scale() != want.scale() || got.slots() != want.slots()) {
    return false;
  }
  for (unsigned i = 0; i < want.size(); ++i) {
    if (std::memcmp(got[i].data(), want[i].data(),
                    want[i].numWords() * sizeof(uint64_t)) != 0) {
      return false;
    }
  }
  return true;
}

bool sameKey(const PartitionedKey &got, const PartitionedKey &want) {
  const Context &ctx = *want.context();
  if (got.context() != want.context() ||
      got.galoisElement() != want.galoisElement() ||
      got.rows().count() != want.rows().count()) {
    return false;
  }
  for (unsigned j = 0; j < want.numDigits(); ++j) {
    if (got.rows().moduli(j) != want.rows().moduli(j)) {
      return false;
    }
    for (uint32_t m : want.rows().moduli(j)) {
      if (std::memcmp(got.b(j, m, 1), want.b(j, m, 1), ctx.degree() * 8) ||
          std::memcmp(got.a(j, m, 1), want.a(j, m, 1), ctx.degree() * 8)) {
        return false;
      }
    }
  }
  return true;
}

std::string label(unsigned dnum, int P, KeySwitchAlgorithm alg) {
  return "dnum=" + std::to_string(dnum) + " P=" + std::to_string(P) +
         (alg == KeySwitchAlgorithm::InputBroadcast ? " broadcast"
                                                     : " aggregation");
}

/// This rank's keys for the whole plan (every level's canonical partition).
struct RankKeys {
  PartitionedKey relin;
  PartitionedGaloisKeys galois;
};

RankKeys keysFor(const KeySetup &st, int P, int rank, KeySwitchAlgorithm alg) {
  KeyRows rows =
      KeyRows::forPlan(*st.s.context, P, rank, alg, st.s.top());
  return {partitionKey(st.s.relinKey.key(), rows),
          partitionKeys(st.galois, rows)};
}

} // namespace

TEST(DistKeys, RowsEachAlgorithmReads) {
  for (unsigned dnum : {1u, 2u, 3u}) {
    KeySetup &st = setup(dnum);
    const Context &ctx = *st.s.context;
    const unsigned L = ctx.maxLevel() + 1, K = ctx.numSpecial();
    const unsigned D = ctx.numDigits(ctx.maxLevel());
    const size_t n = ctx.degree();
    const uint64_t full = keyBytes(st.s.relinKey.key());
    EXPECT_EQ(full, uint64_t(2) * D * (L + K) * n * 8);
    EXPECT_EQ(keyBytes(st.galois), 5 * full); // 4 rotations + conjugation
    for (int P : kDeviceCounts) {
      for (KeySwitchAlgorithm alg : kAlgorithms) {
        LimbPartition part = canonicalPartition(ctx, ctx.maxLevel(), P, alg);
        KeyRows unionOfRanks(ctx);
        for (int r = 0; r < P; ++r) {
          KeyRows rows = KeyRows::needed(ctx, part, r, alg);
          unsigned c = part.range(r).size();
          size_t want = 0;
          if (c > 0) {
            if (alg == KeySwitchAlgorithm::InputBroadcast) {
              want = size_t(D) * (c + K); // every digit: own limbs + specials
            } else {
              unsigned digits = (c + ctx.digitSize() - 1) / ctx.digitSize();
              want = size_t(digits) * (L + K); // own digits: every modulus
            }
          }
          EXPECT_EQ(rows.count(), want) << label(dnum, P, alg) << " rank " << r;
          PartitionedKey key =
              partitionKey(st.s.relinKey.key(), part, r, alg);
          EXPECT_EQ(key.bytes(), uint64_t(2) * want * n * 8);
          unionOfRanks.merge(rows);
        }
        // The ranks together hold every row the single device reads.
        EXPECT_EQ(unionOfRanks.count(), size_t(D) * (L + K))
            << label(dnum, P, alg);
      }
    }
  }
}

TEST(DistKeys, DirectGenerationEqualsSlicing) {
  for (unsigned dnum : {1u, 2u, 3u}) {
    KeySetup &st = setup(dnum);
    const Context &ctx = *st.s.context;
    const SecretKey &secret = st.s.keygen->secretKey();
    for (int P : {1, 3, 4}) {
      for (KeySwitchAlgorithm alg : kAlgorithms) {
        for (int r = 0; r < P; ++r) {
          KeyRows rows = KeyRows::forPlan(ctx, P, r, alg, ctx.maxLevel());
          const KeySwitchKey &relin = st.s.relinKey.key();
          EXPECT_TRUE(sameKey(
              generatePartitionedRelinKey(secret, relin.seed(), rows),
              partitionKey(relin, rows)))
              << label(dnum, P, alg) << " rank " << r << " relinearization";
          for (const auto &[g, key] : st.galois.keys()) {
            EXPECT_TRUE(sameKey(
                generatePartitionedGaloisKey(secret, g, key.seed(), rows),
                partitionKey(key, rows)))
                << label(dnum, P, alg) << " rank " << r << " element " << g;
          }
        }
      }
    }
    // Every row: the whole key.
    KeyRows all = KeyRows::all(ctx);
    EXPECT_TRUE(sameKey(generatePartitionedRelinKey(
                            secret, st.s.relinKey.key().seed(), all),
                        partitionKey(st.s.relinKey.key(), all)));
  }
}

// A key limited to level m, partitioned with the rows of a plan up to the
// top: its rows are the full key's rows at levels <= m (digits that meet
// q_0..q_m, moduli q_0..q_m and the special primes), bit for bit; the rows
// above it are left out, and asking for one is an error.
TEST(DistKeys, LevelLimitedKeysPartitionToTheirRows) {
  for (unsigned dnum : {1u, 2u, 3u}) {
    KeySetup &st = setup(dnum);
    const Context &ctx = *st.s.context;
    const unsigned m = 2, top = ctx.maxLevel();
    uint64_t g = ctx.galoisElementForRotation(5);
    KeyGenerator fullGen(st.s.context, st.s.keygen->secretKey(),
                         seedFromInteger(8));
    KeyGenerator lowGen(st.s.context, st.s.keygen->secretKey(),
                        seedFromInteger(8));
    KeySwitchKey full = fullGen.createGaloisKey(g);
    KeySwitchKey low = lowGen.createGaloisKey(g, m);
    for (int P : {1, 3}) {
      for (KeySwitchAlgorithm alg : kAlgorithms) {
        for (int r = 0; r < P; ++r) {
          KeyRows rows = KeyRows::forPlan(ctx, P, r, alg, top);
          PartitionedKey part = partitionKey(low, rows);
          KeyRows expected(ctx);
          for (unsigned j = 0; j < ctx.numDigits(m); ++j)
            for (uint32_t mod : rows.moduli(j))
              if (mod <= m || mod > top)
                expected.insert(j, mod);
          EXPECT_TRUE(sameKey(part, partitionKey(full, expected)))
              << label(dnum, P, alg) << " rank " << r;
          // Generated from the seed with the rows up to level m: the same
          // words, the whole key never made (what aegis-run does).
          EXPECT_EQ(rows.upToLevel(ctx, m).count(), expected.count());
          EXPECT_TRUE(sameKey(
              generatePartitionedGaloisKey(st.s.keygen->secretKey(), g,
                                           low.seed(), rows.upToLevel(ctx, m)),
              part))
              << label(dnum, P, alg) << " rank " << r << " generated";
          // A compact key (uniform halves dropped) partitions to the same
          // rows: the a rows come from the seed.
          KeySwitchKey compact = low;
          compact.dropUniform();
          EXPECT_TRUE(sameKey(partitionKey(compact, rows), part))
              << label(dnum, P, alg) << " rank " << r << " compact";
          for (unsigned j = 0; j < rows.numDigits(); ++j)
            for (uint32_t mod : rows.moduli(j))
              if (!expected.contains(j, mod))
                EXPECT_THROW(part.b(j, mod, 1), Error)
                    << label(dnum, P, alg) << " digit " << j << " modulus "
                    << mod;
        }
      }
    }
  }
}

class DistPartitionedKeySwitch : public ::testing::TestWithParam<unsigned> {};

TEST_P(DistPartitionedKeySwitch, EveryKeySwitchIsBitExact) {
  const unsigned dnum = GetParam();
  KeySetup &st = setup(dnum);
  const Evaluator &ev = *st.s.evaluator;
  const Context &ctx = *st.s.context;
  const unsigned top = st.s.top();
  Ciphertext tensor = ev.multiply(st.x, st.y);
  Ciphertext wantRelin = ev.relinearize(tensor, st.s.relinKey);
  // One level down: relinearize after a rescale.
  Ciphertext low = ev.rescale(wantRelin);
  Ciphertext lowTensor = ev.multiply(low, low);
  Ciphertext wantLow = ev.relinearize(lowTensor, st.s.relinKey);
  std::vector<long> steps = {1, -3};
  std::vector<Ciphertext> wantRot;
  for (long step : steps) {
    wantRot.push_back(ev.rotate(st.x, step, st.galois));
  }
  Ciphertext wantConj = ev.conjugate(st.x, st.galois);
  std::vector<long> hoisted = {0, 1, 5, -2, -3};
  std::vector<Ciphertext> wantHoisted =
      ev.rotateHoisted(st.x, hoisted, st.galois);
  for (int P : kDeviceCounts) {
    for (KeySwitchAlgorithm alg : kAlgorithms) {
      LimbPartition part = canonicalPartition(ctx, top, P, alg);
      LimbPartition lowPart = canonicalPartition(ctx, top - 1, P, alg);
      std::vector<RankKeys> keys;
      for (int r = 0; r < P; ++r) {
        keys.push_back(keysFor(st, P, r, alg));
      }
      std::string what = label(dnum, P, alg);
      comm::runOnThreads(P, [&](Communicator &comm) {
        const int rank = comm.rank();
        const RankKeys &mine = keys[rank];
        DistributedEvaluator eval(st.s.context, comm);
        DistributedCiphertext a = scatter(tensor, part, rank);
        eval.relinearizeInPlace(a, mine.relin, alg);
        EXPECT_TRUE(sameBits(gather(a, comm), wantRelin))
            << what << " relinearize rank " << rank;
        // The minimal rows of this one partition suffice as well.
        DistributedCiphertext m = scatter(tensor, part, rank);
        eval.relinearizeInPlace(
            m, partitionKey(st.s.relinKey.key(), part, rank, alg), alg);
        EXPECT_TRUE(sameBits(gather(m, comm), wantRelin))
            << what << " relinearize (minimal rows) rank " << rank;
        // Rescale, back to the canonical partition, relinearize.
        eval.rescaleInPlace(a);
        a = repartition(a, lowPart, comm);
        DistributedCiphertext t = eval.multiply(a, a);
        eval.relinearizeInPlace(t, mine.relin, alg);
        EXPECT_TRUE(sameBits(gather(t, comm), wantLow))
            << what << " relinearize one level down rank " << rank;
        DistributedCiphertext x = scatter(st.x, part, rank);
        for (size_t i = 0; i < steps.size(); ++i) {
          EXPECT_TRUE(sameBits(
              gather(eval.rotate(x, steps[i], mine.galois, alg), comm),
              wantRot[i]))
              << what << " rotate " << steps[i] << " rank " << rank;
        }
        EXPECT_TRUE(
            sameBits(gather(eval.conjugate(x, mine.galois, alg), comm),
                     wantConj))
            << what << " conjugate rank " << rank;
        std::vector<DistributedCiphertext> h =
            eval.rotateHoisted(x, hoisted, mine.galois, alg);
        ASSERT_EQ(h.size(), hoisted.size());
        for (size_t i = 0; i < hoisted.size(); ++i) {
          EXPECT_TRUE(sameBits(gather(h[i], comm), wantHoisted[i]))
              << what << " hoisted " << hoisted[i] << " rank " << rank;
        }
        // rotate-and-sum: same bits as with the full keys.
        std::vector<DistributedCiphertext> ins = {
            x, scatter(st.y, part, rank), x};
        std::vector<long> sumSteps = {1, 5, 0};
        EXPECT_TRUE(sameBits(
            gather(eval.rotateAndSum(ins, sumSteps, mine.galois, alg), comm),
            gather(eval.rotateAndSum(ins, sumSteps, st.galois, alg), comm)))
            << what << " rotate-and-sum rank " << rank;
      });
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Digits, DistPartitionedKeySwitch,
                         ::testing::Values(1u, 2u, 3u));

TEST(DistKeys, KeyOfAnotherAlgorithmThrowsOnEveryRank) {
  KeySetup &st = setup(2); // two digits of 3 limbs: one per rank on 2 ranks
  const Context &ctx = *st.s.context;
  Ciphertext tensor = st.s.evaluator->multiply(st.x, st.y);
  LimbPartition part = LimbPartition::digitAligned(ctx, st.s.top(), 2);
  ASSERT_EQ(part, LimbPartition::balanced(6, 2));
  for (KeySwitchAlgorithm alg : kAlgorithms) {
    KeySwitchAlgorithm other = alg == KeySwitchAlgorithm::InputBroadcast
                                   ? KeySwitchAlgorithm::OutputAggregation
                                   : KeySwitchAlgorithm::InputBroadcast;
    EXPECT_THROW(comm::runOnThreads(2,
                                    [&](Communicator &comm) {
                                      DistributedEvaluator eval(st.s.context,
                                                                comm);
                                      DistributedCiphertext a = scatter(
                                          tensor, part, comm.rank());
                                      eval.relinearizeInPlace(
                                          a,
                                          partitionKey(st.s.relinKey.key(),
                                                       part, comm.rank(),
                                                       other),
                                          alg);
                                    }),
                 Error)
        << (alg == KeySwitchAlgorithm::InputBroadcast ? "broadcast"
                                                      : "aggregation");
  }
}
