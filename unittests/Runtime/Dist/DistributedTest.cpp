//===- DistributedTest.cpp - Limb-partitioned CKKS operations -------------===//
//
// Every distributed operation runs on 1, 2, 3, 4 and 8 thread ranks, is
// gathered and compared word for word with the single-device Evaluator; the
// traffic each rank's communicator counts is compared with the formulas of
// docs/Distributed.md.
//
//===----------------------------------------------------------------------===//

#include "../CkksTestUtil.h"

#include "aegis/Runtime/Comm/Factory.h"
#include "aegis/Runtime/Dist/Distributed.h"

#include <gtest/gtest.h>

#include <cmath>
#include <complex>
#include <cstring>
#include <functional>
#include <map>
#include <memory>

using namespace aegis;
using namespace aegis::ckks;
using namespace aegis::ckks::test;
using namespace aegis::dist;
using comm::CollectiveKind;
using comm::CommStatsSnapshot;
using comm::Communicator;

namespace {

const int kDeviceCounts[] = {1, 2, 3, 4, 8};

struct DistSetup {
  TestSetup s;
  GaloisKeys galois;
  Ciphertext x, y;
  Plaintext plain;

  explicit DistSetup(unsigned dnum)
      : s(makeSpec(10, {50, 40, 40, 40, 40, 40}, {60, 60}, dnum), 70 + dnum) {
    galois = s.keygen->createGaloisKeys({1, -3, 5, -2}, true);
    x = s.encrypt(randomValues(512, 1));
    y = s.encrypt(randomValues(512, 2));
    plain = s.encoder->encode(randomValues(512, 3), s.top(), s.scale());
  }
  size_t n() const { return s.context->degree(); }
};

DistSetup &setup(unsigned dnum) {
  static std::map<unsigned, std::unique_ptr<DistSetup>> setups;
  auto &slot = setups[dnum];
  if (!slot) {
    slot = std::make_unique<DistSetup>(dnum);
  }
  return *slot;
}

void expectSameBits(const Ciphertext &got, const Ciphertext &want,
                    const std::string &what) {
  ASSERT_EQ(got.size(), want.size()) << what;
  ASSERT_EQ(got.level(), want.level()) << what;
  EXPECT_EQ(got.scale(), want.scale()) << what;
  EXPECT_EQ(got.slots(), want.slots()) << what;
  for (unsigned i = 0; i < want.size(); ++i) {
    ASSERT_EQ(got[i].numWords(), want[i].numWords()) << what;
    EXPECT_EQ(0, std::memcmp(got[i].data(), want[i].data(),
                             want[i].numWords() * sizeof(uint64_t)))
        << what << ": polynomial " << i << " differs";
  }
}

/// The result of one distributed run on each rank.
struct RankResult {
  std::vector<Ciphertext> gathered;
  CommStatsSnapshot traffic; // of the operation alone
  LimbPartition partition;   // of the first input
  std::vector<LimbPartition> outPartitions;
};

using DistOp = std::function<std::vector<DistributedCiphertext>(
    DistributedEvaluator &, const LimbPartition &, int rank)>;

/// Runs `op` on P thread ranks, then gathers every result.
std::vector<RankResult> runDistributed(const DistSetup &st, int P,
                                       const LimbPartition &partition,
                                       const DistOp &op) {
  std::vector<RankResult> results(P);
  comm::runOnThreads(P, [&](Communicator &comm) {
    DistributedEvaluator eval(st.s.context, comm);
    RankResult &mine = results[comm.rank()];
    mine.partition = partition;
    comm.stats().reset();
    std::vector<DistributedCiphertext> out = op(eval, partition, comm.rank());
    mine.traffic = comm.stats().snapshot();
    for (const DistributedCiphertext &d : out) {
      mine.outPartitions.push_back(d.partition());
      mine.gathered.push_back(gather(d, comm));
    }
  });
  return results;
}

uint64_t bytesOf(const CommStatsSnapshot &s, CollectiveKind kind, bool sent) {
  return sent ? s.of(kind).bytesSent : s.of(kind).bytesReceived;
}

/// Only `kind` moved bytes: `sent` and `received`.
void expectTraffic(const CommStatsSnapshot &s, CollectiveKind kind,
                   uint64_t sent, uint64_t received, const std::string &what) {
  EXPECT_EQ(bytesOf(s, kind, true), sent) << what;
  EXPECT_EQ(bytesOf(s, kind, false), received) << what;
  EXPECT_EQ(s.total().bytesSent, sent) << what << ": other collectives moved";
  EXPECT_EQ(s.total().bytesReceived, received)
      << what << ": other collectives moved";
}

/// docs/Distributed.md: input-broadcast key switch of level-l input on a
/// rank holding c limbs: all-gather-v of the coefficient limbs.
void expectInputBroadcastTraffic(const CommStatsSnapshot &s, int P, size_t n,
                                 unsigned limbs, unsigned own,
                                 const std::string &what) {
  expectTraffic(s, CollectiveKind::AllGather, uint64_t(P - 1) * own * n * 8,
                uint64_t(limbs - own) * n * 8, what);
}

} // namespace

//===----------------------------------------------------------------------===//
// Partitions
//===----------------------------------------------------------------------===//

TEST(DistPartition, BalancedDigitAlignedAndTruncated) {
  LimbPartition p = LimbPartition::balanced(6, 4);
  EXPECT_EQ(p.numDevices(), 4);
  EXPECT_EQ(p.range(0).size(), 2u);
  EXPECT_EQ(p.range(1).size(), 2u);
  EXPECT_EQ(p.range(2).size(), 1u);
  EXPECT_EQ(p.range(3).begin, 5u);
  EXPECT_EQ(p.owner(4), 2);
  EXPECT_EQ(p.owner(5), 3);
  LimbPartition t = p.truncated(5);
  EXPECT_EQ(t.numLimbs(), 5u);
  EXPECT_EQ(t.range(3).size(), 0u);
  LimbPartition e = LimbPartition::balanced(6, 8);
  EXPECT_EQ(e.range(5).size(), 1u);
  EXPECT_EQ(e.range(6).size(), 0u);
  EXPECT_EQ(e.range(7).size(), 0u);
  EXPECT_EQ(e.wordCounts(4)[0], 4u);
  EXPECT_EQ(e.wordCounts(4)[7], 0u);

  const Context &ctx = *setup(3).s.context; // digits of 2 limbs
  LimbPartition d = LimbPartition::digitAligned(ctx, 5, 2);
  EXPECT_EQ(d.range(0).end, 4u); // digits 0 and 1
  EXPECT_EQ(d.range(1).end, 6u);
  EXPECT_TRUE(d.isDigitAligned(ctx, 5));
  EXPECT_FALSE(LimbPartition::balanced(6, 4).isDigitAligned(ctx, 5));
  LimbPartition d8 = LimbPartition::digitAligned(ctx, 5, 8);
  EXPECT_EQ(d8.range(2).size(), 2u);
  EXPECT_EQ(d8.range(3).size(), 0u);
  EXPECT_TRUE(d8.isDigitAligned(ctx, 5));
  EXPECT_THROW(LimbPartition({0, 3, 2}), Error);
  EXPECT_THROW(LimbPartition::balanced(6, 0), Error);
}

// Regression (issue 19): a default partition has no devices; asking for a
// range read past its bounds (heap-buffer-overflow under ASan, reached
// from the register accounting of every multi-device run).
TEST(DistPartition, RangeOutsideThePartitionIsAnError) {
  EXPECT_THROW(LimbPartition().range(0), Error);
  EXPECT_THROW(LimbPartition::balanced(6, 2).range(2), Error);
  EXPECT_THROW(LimbPartition::balanced(6, 2).range(-1), Error);
  EXPECT_THROW(DistributedCiphertext().numLocalLimbs(), Error);
}

//===----------------------------------------------------------------------===//
// Conversions and local operations
//===----------------------------------------------------------------------===//

TEST(DistConversion, ScatterGatherRoundTrip) {
  DistSetup &st = setup(2);
  for (int P : kDeviceCounts) {
    LimbPartition part = LimbPartition::balanced(st.s.top() + 1, P);
    std::vector<RankResult> res = runDistributed(
        st, P, part,
        [&](DistributedEvaluator &, const LimbPartition &p, int rank) {
          return std::vector<DistributedCiphertext>{scatter(st.x, p, rank)};
        });
    for (int r = 0; r < P; ++r) {
      std::string what =
          "P=" + std::to_string(P) + " rank " + std::to_string(r);
      expectSameBits(res[r].gathered[0], st.x, what);
      EXPECT_EQ(res[r].traffic.total().bytesSent, 0u) << what;
    }
  }
}

TEST(DistConversion, GatherTrafficMatchesFormula) {
  DistSetup &st = setup(2);
  const unsigned limbs = st.s.top() + 1;
  for (int P : kDeviceCounts) {
    LimbPartition part = LimbPartition::balanced(limbs, P);
    std::vector<RankResult> res(P);
    comm::runOnThreads(P, [&](Communicator &comm) {
      DistributedCiphertext d = scatter(st.x, part, comm.rank());
      comm.stats().reset();
      Ciphertext full = gather(d, comm);
      res[comm.rank()].traffic = comm.stats().snapshot();
      res[comm.rank()].gathered.push_back(std::move(full));
    });
    for (int r = 0; r < P; ++r) {
      unsigned own = part.range(r).size();
      std::string what = "gather P=" + std::to_string(P);
      // Two polynomials, one all-gather-v each.
      expectTraffic(res[r].traffic, CollectiveKind::AllGather,
                    2 * uint64_t(P - 1) * own * st.n() * 8,
                    2 * uint64_t(limbs - own) * st.n() * 8, what);
      expectSameBits(res[r].gathered[0], st.x, what);
    }
  }
}

TEST(DistConversion, ScatterFromRootAndGatherToRoot) {
  DistSetup &st = setup(2);
  const unsigned limbs = st.s.top() + 1;
  const uint64_t polyLimb = 2 * st.n() * 8; // both polynomials
  for (int P : kDeviceCounts) {
    LimbPartition part = LimbPartition::balanced(limbs, P);
    const int root = P - 1;
    std::vector<RankResult> res(P);
    std::vector<CommStatsSnapshot> back(P);
    comm::runOnThreads(P, [&](Communicator &comm) {
      RankResult &mine = res[comm.rank()];
      comm.stats().reset();
      DistributedCiphertext d = scatterFromRoot(
          st.s.context, comm.rank() == root ? st.x : Ciphertext(), part, root,
          comm);
      mine.traffic = comm.stats().snapshot();
      mine.gathered.push_back(gather(d, comm));
      comm.stats().reset();
      mine.gathered.push_back(gatherToRoot(d, root, comm));
      back[comm.rank()] = comm.stats().snapshot();
    });
    for (int r = 0; r < P; ++r) {
      std::string what =
          "P=" + std::to_string(P) + " rank " + std::to_string(r);
      expectSameBits(res[r].gathered[0], st.x, what + " scatterFromRoot");
      if (r == root) {
        expectSameBits(res[r].gathered[1], st.x, what + " gatherToRoot");
      } else {
        EXPECT_TRUE(res[r].gathered[1].empty()) << what;
      }
      uint64_t own = part.range(r).size();
      uint64_t others = limbs - part.range(root).size();
      // 4 metadata words broadcast, then the root's limb sends.
      EXPECT_EQ(res[r].traffic.of(CollectiveKind::Broadcast).bytesSent,
                r == root ? uint64_t(P - 1) * 32 : 0) << what;
      EXPECT_EQ(res[r].traffic.of(CollectiveKind::AllToAll).bytesSent,
                r == root ? others * polyLimb : 0) << what;
      EXPECT_EQ(res[r].traffic.of(CollectiveKind::AllToAll).bytesReceived,
                r == root ? 0 : own * polyLimb) << what;
      expectTraffic(back[r], CollectiveKind::AllToAll,
                    r == root ? 0 : own * polyLimb,
                    r == root ? others * polyLimb : 0, what + " gatherToRoot");
    }
  }
}

TEST(DistLocalOps, AddSubNegatePlainAndTensorAreBitExact) {
  DistSetup &st = setup(2);
  const Evaluator &ev = *st.s.evaluator;
  Ciphertext wantAdd = ev.add(st.x, st.y);
  Ciphertext wantSub = ev.sub(st.x, st.y);
  Ciphertext wantNeg = ev.negate(st.x);
  Ciphertext wantPlain = ev.multiplyPlain(st.x, st.plain);
  Ciphertext wantTensor = ev.multiply(st.x, st.y);
  Ciphertext wantSquare = ev.square(st.x);
  for (int P : kDeviceCounts) {
    LimbPartition part = LimbPartition::balanced(st.s.top() + 1, P);
    std::vector<RankResult> res = runDistributed(
        st, P, part,
        [&](DistributedEvaluator &eval, const LimbPartition &p, int rank) {
          DistributedCiphertext x = scatter(st.x, p, rank);
          DistributedCiphertext y = scatter(st.y, p, rank);
          DistributedCiphertext add = x, sub = x, neg = x, pl = x;
          eval.addInPlace(add, y);
          eval.subInPlace(sub, y);
          eval.negateInPlace(neg);
          eval.multiplyPlainInPlace(pl, st.plain);
          return std::vector<DistributedCiphertext>{
              add, sub, neg, pl, eval.multiply(x, y), eval.square(x)};
        });
    for (int r = 0; r < P; ++r) {
      std::string what =
          "P=" + std::to_string(P) + " rank " + std::to_string(r);
      expectSameBits(res[r].gathered[0], wantAdd, what + " add");
      expectSameBits(res[r].gathered[1], wantSub, what + " sub");
      expectSameBits(res[r].gathered[2], wantNeg, what + " negate");
      expectSameBits(res[r].gathered[3], wantPlain, what + " plain");
      expectSameBits(res[r].gathered[4], wantTensor, what + " tensor");
      expectSameBits(res[r].gathered[5], wantSquare, what + " square");
      EXPECT_EQ(res[r].traffic.total().bytesSent, 0u) << what;
      EXPECT_EQ(res[r].traffic.total().bytesReceived, 0u) << what;
    }
  }
}

TEST(DistConversion, RepartitionMovesOnlyTheLimbsThatChangeOwner) {
  DistSetup &st = setup(3); // digits of 2 limbs
  const Context &ctx = *st.s.context;
  const unsigned limbs = st.s.top() + 1;
  for (int P : kDeviceCounts) {
    LimbPartition from = LimbPartition::balanced(limbs, P);
    LimbPartition to = LimbPartition::digitAligned(ctx, st.s.top(), P);
    std::vector<RankResult> res = runDistributed(
        st, P, from,
        [&](DistributedEvaluator &eval, const LimbPartition &p, int rank) {
          return std::vector<DistributedCiphertext>{
              repartition(scatter(st.x, p, rank), to, eval.communicator())};
        });
    for (int r = 0; r < P; ++r) {
      std::string what =
          "P=" + std::to_string(P) + " rank " + std::to_string(r);
      expectSameBits(res[r].gathered[0], st.x, what);
      EXPECT_EQ(res[r].outPartitions[0], to) << what;
      // Limb i moves from from.owner(i) to to.owner(i), both polynomials.
      uint64_t sent = 0, received = 0;
      for (unsigned i = 0; i < limbs; ++i) {
        if (from.owner(i) != to.owner(i)) {
          sent += from.owner(i) == r ? 2 * st.n() * 8 : 0;
          received += to.owner(i) == r ? 2 * st.n() * 8 : 0;
        }
      }
      expectTraffic(res[r].traffic, CollectiveKind::AllToAll, sent, received,
                    what);
    }
  }
}

TEST(DistLocalOps, AddSubPlainAndDropToLevel) {
  DistSetup &st = setup(2);
  const Evaluator &ev = *st.s.evaluator;
  Ciphertext wantAdd = ev.addPlain(st.x, st.plain);
  Ciphertext wantSub = ev.subPlain(st.x, st.plain);
  Ciphertext wantDrop = ev.dropToLevel(st.x, 2);
  for (int P : kDeviceCounts) {
    LimbPartition part = LimbPartition::balanced(st.s.top() + 1, P);
    std::vector<RankResult> res = runDistributed(
        st, P, part,
        [&](DistributedEvaluator &eval, const LimbPartition &p, int rank) {
          DistributedCiphertext add = scatter(st.x, p, rank), sub = add,
                                drop = add;
          eval.addPlainInPlace(add, st.plain);
          eval.subPlainInPlace(sub, st.plain);
          eval.dropToLevelInPlace(drop, 2);
          return std::vector<DistributedCiphertext>{add, sub, drop};
        });
    for (int r = 0; r < P; ++r) {
      std::string what =
          "P=" + std::to_string(P) + " rank " + std::to_string(r);
      expectSameBits(res[r].gathered[0], wantAdd, what + " addPlain");
      expectSameBits(res[r].gathered[1], wantSub, what + " subPlain");
      expectSameBits(res[r].gathered[2], wantDrop, what + " dropToLevel");
      EXPECT_EQ(res[r].outPartitions[2], part.truncated(3)) << what;
      EXPECT_EQ(res[r].traffic.total().bytesSent, 0u) << what;
    }
  }
}

TEST(DistLocalOps, ConstantsAndIntegersAreBitExact) {
  DistSetup &st = setup(2);
  const Evaluator &ev = *st.s.evaluator;
  const double q = double(st.s.context->modulus(st.s.top()).value);
  const std::complex<double> complexC(0.25, -1.5);
  Ciphertext wantAdd = ev.addConstant(st.x, 0.375);
  Ciphertext wantAddC = ev.addConstant(st.x, complexC);
  Ciphertext wantMul = ev.multiplyConstant(st.x, -0.8125, q);
  Ciphertext wantMulC = ev.multiplyConstant(st.x, complexC, std::exp2(30));
  Ciphertext wantInt = st.x;
  ev.multiplyIntegerInPlace(wantInt, -7);
  Ciphertext wantTensorInt = ev.multiply(st.x, st.y);
  ev.multiplyIntegerInPlace(wantTensorInt, 3);
  for (int P : kDeviceCounts) {
    LimbPartition part = LimbPartition::balanced(st.s.top() + 1, P);
    std::vector<RankResult> res = runDistributed(
        st, P, part,
        [&](DistributedEvaluator &eval, const LimbPartition &p, int rank) {
          DistributedCiphertext x = scatter(st.x, p, rank);
          DistributedCiphertext add = x, addC = x, mul = x, mulC = x, k = x;
          eval.addConstantInPlace(add, 0.375);
          eval.addConstantInPlace(addC, complexC);
          eval.multiplyConstantInPlace(mul, -0.8125, q);
          eval.multiplyConstantInPlace(mulC, complexC, std::exp2(30));
          eval.multiplyIntegerInPlace(k, -7);
          DistributedCiphertext t =
              eval.multiply(x, scatter(st.y, p, rank));
          eval.multiplyIntegerInPlace(t, 3);
          return std::vector<DistributedCiphertext>{add, addC, mul,
                                                    mulC, k, t};
        });
    for (int r = 0; r < P; ++r) {
      std::string what =
          "P=" + std::to_string(P) + " rank " + std::to_string(r);
      expectSameBits(res[r].gathered[0], wantAdd, what + " addConstant");
      expectSameBits(res[r].gathered[1], wantAddC,
                     what + " addConstant complex");
      expectSameBits(res[r].gathered[2], wantMul, what + " multiplyConstant");
      expectSameBits(res[r].gathered[3], wantMulC,
                     what + " multiplyConstant complex");
      expectSameBits(res[r].gathered[4], wantInt, what + " multiplyInteger");
      expectSameBits(res[r].gathered[5], wantTensorInt,
                     what + " multiplyInteger size 3");
      EXPECT_EQ(res[r].traffic.total().bytesSent, 0u) << what;
      EXPECT_EQ(res[r].traffic.total().bytesReceived, 0u) << what;
    }
  }
}

TEST(DistLocalOps, MismatchedOperandsThrow) {
  DistSetup &st = setup(2);
  EXPECT_THROW(comm::runOnThreads(
                   2,
                   [&](Communicator &comm) {
                     DistributedEvaluator eval(st.s.context, comm);
                     DistributedCiphertext x = scatter(
                         st.x, LimbPartition::balanced(6, 2), comm.rank());
                     DistributedCiphertext y =
                         scatter(st.y, LimbPartition({0, 1, 6}), comm.rank());
                     eval.addInPlace(x, y);
                   }),
               Error);
}

//===----------------------------------------------------------------------===//
// Rescale
//===----------------------------------------------------------------------===//

TEST(DistRescale, TwoRescalesAreBitExactAndBroadcastTheTopLimb) {
  DistSetup &st = setup(2);
  const Evaluator &ev = *st.s.evaluator;
  Ciphertext tensor = ev.multiply(st.x, st.y);
  Ciphertext want1 = ev.rescale(tensor);
  Ciphertext want2 = ev.rescale(want1);
  const unsigned limbs = st.s.top() + 1;
  for (int P : kDeviceCounts) {
    LimbPartition part = LimbPartition::balanced(limbs, P);
    std::vector<RankResult> res = runDistributed(
        st, P, part,
        [&](DistributedEvaluator &eval, const LimbPartition &p, int rank) {
          DistributedCiphertext a = scatter(tensor, p, rank);
          eval.rescaleInPlace(a);
          DistributedCiphertext once = a;
          eval.rescaleInPlace(a);
          return std::vector<DistributedCiphertext>{once, a};
        });
    for (int r = 0; r < P; ++r) {
      std::string what =
          "P=" + std::to_string(P) + " rank " + std::to_string(r);
      expectSameBits(res[r].gathered[0], want1, what + " first rescale");
      expectSameBits(res[r].gathered[1], want2, what + " second rescale");
      EXPECT_EQ(res[r].outPartitions[1], part.truncated(limbs - 2)) << what;
      // Two broadcasts of the top limb of 3 polynomials from its owner.
      uint64_t sent = 0, received = 0;
      for (unsigned top : {limbs - 1, limbs - 2}) {
        if (part.owner(top) == r) {
          sent += uint64_t(P - 1) * 3 * st.n() * 8;
        } else {
          received += 3 * st.n() * 8;
        }
      }
      expectTraffic(res[r].traffic, CollectiveKind::Broadcast, sent, received,
                    what);
    }
  }
}

//===----------------------------------------------------------------------===//
// Key switching
//===----------------------------------------------------------------------===//

class DistKeySwitch : public ::testing::TestWithParam<unsigned> {};

TEST_P(DistKeySwitch, RelinearizeInputBroadcast) {
  DistSetup &st = setup(GetParam());
  Ciphertext tensor = st.s.evaluator->multiply(st.x, st.y);
  Ciphertext want = st.s.evaluator->relinearize(tensor, st.s.relinKey);
  const unsigned limbs = st.s.top() + 1;
  for (int P : kDeviceCounts) {
    LimbPartition part = LimbPartition::balanced(limbs, P);
    std::vector<RankResult> res = runDistributed(
        st, P, part,
        [&](DistributedEvaluator &eval, const LimbPartition &p, int rank) {
          DistributedCiphertext a = scatter(tensor, p, rank);
          eval.relinearizeInPlace(a, st.s.relinKey,
                                  KeySwitchAlgorithm::InputBroadcast);
          return std::vector<DistributedCiphertext>{a};
        });
    for (int r = 0; r < P; ++r) {
      std::string what =
          "P=" + std::to_string(P) + " rank " + std::to_string(r);
      expectSameBits(res[r].gathered[0], want, what);
      expectInputBroadcastTraffic(res[r].traffic, P, st.n(), limbs,
                                  part.range(r).size(), what);
    }
  }
}

/// docs/Distributed.md: output aggregation moves a reduce-scatter-v of both
/// accumulators' chain limbs and an all-reduce of their 2K special limbs.
void expectAggregationTraffic(const CommStatsSnapshot &s, int P, size_t n,
                              unsigned limbs, unsigned own, unsigned K,
                              int rank, const std::string &what,
                              uint64_t times = 1) {
  uint64_t total = uint64_t(2) * limbs * n, mine = uint64_t(2) * own * n;
  EXPECT_EQ(s.of(CollectiveKind::ReduceScatter).bytesSent,
            times * (total - mine) * 8)
      << what;
  EXPECT_EQ(s.of(CollectiveKind::ReduceScatter).bytesReceived,
            times * uint64_t(P - 1) * mine * 8)
      << what;
  int64_t words = int64_t(2) * K * n;
  int64_t share = words / P + (rank < words % P ? 1 : 0);
  uint64_t allReduce = times * uint64_t(words + (P - 2) * share) * 8;
  EXPECT_EQ(s.of(CollectiveKind::AllReduce).bytesSent, allReduce) << what;
  EXPECT_EQ(s.of(CollectiveKind::AllReduce).bytesReceived, allReduce) << what;
  EXPECT_EQ(s.total().bytesSent, times * (total - mine) * 8 + allReduce)
      << what;
}

TEST_P(DistKeySwitch, RelinearizeOutputAggregation) {
  DistSetup &st = setup(GetParam());
  const Context &ctx = *st.s.context;
  Ciphertext tensor = st.s.evaluator->multiply(st.x, st.y);
  Ciphertext want = st.s.evaluator->relinearize(tensor, st.s.relinKey);
  const unsigned limbs = st.s.top() + 1;
  for (int P : kDeviceCounts) {
    LimbPartition part = LimbPartition::digitAligned(ctx, st.s.top(), P);
    std::vector<RankResult> res = runDistributed(
        st, P, part,
        [&](DistributedEvaluator &eval, const LimbPartition &p, int rank) {
          DistributedCiphertext a = scatter(tensor, p, rank);
          eval.relinearizeInPlace(a, st.s.relinKey,
                                  KeySwitchAlgorithm::OutputAggregation);
          return std::vector<DistributedCiphertext>{a};
        });
    for (int r = 0; r < P; ++r) {
      std::string what =
          "P=" + std::to_string(P) + " rank " + std::to_string(r);
      expectSameBits(res[r].gathered[0], want, what);
      expectAggregationTraffic(res[r].traffic, P, st.n(), limbs,
                               part.range(r).size(), ctx.numSpecial(), r, what);
    }
  }
}

TEST_P(DistKeySwitch, RotateBothAlgorithms) {
  DistSetup &st = setup(GetParam());
  const Context &ctx = *st.s.context;
  const unsigned limbs = st.s.top() + 1;
  for (long step : {1L, -3L, 0L}) {
    Ciphertext want = st.s.evaluator->rotate(st.x, step, st.galois);
    for (int P : kDeviceCounts) {
      for (KeySwitchAlgorithm alg : {KeySwitchAlgorithm::InputBroadcast,
                                     KeySwitchAlgorithm::OutputAggregation}) {
        bool broadcast = alg == KeySwitchAlgorithm::InputBroadcast;
        LimbPartition part =
            broadcast ? LimbPartition::balanced(limbs, P)
                      : LimbPartition::digitAligned(ctx, st.s.top(), P);
        std::vector<RankResult> res = runDistributed(
            st, P, part,
            [&](DistributedEvaluator &eval, const LimbPartition &p, int rank) {
              return std::vector<DistributedCiphertext>{
                  eval.rotate(scatter(st.x, p, rank), step, st.galois, alg)};
            });
        for (int r = 0; r < P; ++r) {
          std::string what = "step " + std::to_string(step) +
                             " P=" + std::to_string(P) + " rank " +
                             std::to_string(r) +
                             (broadcast ? " broadcast" : " aggregation");
          expectSameBits(res[r].gathered[0], want, what);
          unsigned own = part.range(r).size();
          if (step == 0) {
            EXPECT_EQ(res[r].traffic.total().bytesSent, 0u) << what;
          } else if (broadcast) {
            expectInputBroadcastTraffic(res[r].traffic, P, st.n(), limbs, own,
                                        what);
          } else {
            expectAggregationTraffic(res[r].traffic, P, st.n(), limbs, own,
                                     ctx.numSpecial(), r, what);
          }
        }
      }
    }
  }
}

TEST_P(DistKeySwitch, HoistedRotationsShareOneModUp) {
  DistSetup &st = setup(GetParam());
  const Context &ctx = *st.s.context;
  std::vector<long> steps = {0, 1, 5, -2, -3};
  std::vector<Ciphertext> want =
      st.s.evaluator->rotateHoisted(st.x, steps, st.galois);
  const unsigned limbs = st.s.top() + 1;
  for (int P : kDeviceCounts) {
    for (KeySwitchAlgorithm alg : {KeySwitchAlgorithm::InputBroadcast,
                                   KeySwitchAlgorithm::OutputAggregation}) {
      bool broadcast = alg == KeySwitchAlgorithm::InputBroadcast;
      LimbPartition part =
          broadcast ? LimbPartition::balanced(limbs, P)
                    : LimbPartition::digitAligned(ctx, st.s.top(), P);
      std::vector<RankResult> res = runDistributed(
          st, P, part,
          [&](DistributedEvaluator &eval, const LimbPartition &p, int rank) {
            return eval.rotateHoisted(scatter(st.x, p, rank), steps, st.galois,
                                      alg);
          });
      for (int r = 0; r < P; ++r) {
        std::string what = "P=" + std::to_string(P) + " rank " +
                           std::to_string(r) +
                           (broadcast ? " broadcast" : " aggregation");
        ASSERT_EQ(res[r].gathered.size(), steps.size()) << what;
        for (size_t i = 0; i < steps.size(); ++i) {
          expectSameBits(res[r].gathered[i], want[i],
                         what + " step " + std::to_string(steps[i]));
        }
        unsigned own = part.range(r).size();
        if (broadcast) {
          // One all-gather for all the rotations.
          expectInputBroadcastTraffic(res[r].traffic, P, st.n(), limbs, own,
                                      what);
          EXPECT_EQ(res[r].traffic.of(CollectiveKind::AllGather).count, 1u)
              << what;
        } else {
          // One reduction per nonzero rotation (4 of them).
          expectAggregationTraffic(res[r].traffic, P, st.n(), limbs, own,
                                   ctx.numSpecial(), r, what, 4);
          EXPECT_EQ(res[r].traffic.of(CollectiveKind::ReduceScatter).count, 4u)
              << what;
        }
      }
    }
  }
}

TEST_P(DistKeySwitch, MultiplyRelinearizeRescaleRotateChain) {
  // A lower level after a rescale: the partition is the truncated one (the
  // top device loses its limb; with many devices some shards are empty).
  DistSetup &st = setup(GetParam());
  const Evaluator &ev = *st.s.evaluator;
  Plaintext lower = st.plain;
  lower.dropToLevel(st.s.top() - 1);
  Ciphertext want = ev.multiplyRelin(st.x, st.y, st.s.relinKey);
  ev.rescaleInPlace(want);
  ev.multiplyPlainInPlace(want, lower);
  want = ev.rotate(want, 5, st.galois);
  for (int P : kDeviceCounts) {
    LimbPartition part = LimbPartition::balanced(st.s.top() + 1, P);
    std::vector<RankResult> res = runDistributed(
        st, P, part,
        [&](DistributedEvaluator &eval, const LimbPartition &p, int rank) {
          DistributedCiphertext a =
              eval.multiply(scatter(st.x, p, rank), scatter(st.y, p, rank));
          eval.relinearizeInPlace(a, st.s.relinKey,
                                  KeySwitchAlgorithm::InputBroadcast);
          eval.rescaleInPlace(a);
          eval.multiplyPlainInPlace(a, lower);
          return std::vector<DistributedCiphertext>{
              eval.rotate(a, 5, st.galois, KeySwitchAlgorithm::InputBroadcast)};
        });
    for (int r = 0; r < P; ++r) {
      expectSameBits(res[r].gathered[0], want,
                     "P=" + std::to_string(P) + " rank " + std::to_string(r));
    }
  }
}

TEST_P(DistKeySwitch, ConjugateAndRelinearizeAfterRepartition) {
  // Output aggregation at a lower level: the truncated partition after a
  // rescale is repartitioned to a digit-aligned one first.
  DistSetup &st = setup(GetParam());
  const Context &ctx = *st.s.context;
  const Evaluator &ev = *st.s.evaluator;
  Ciphertext wantConj = ev.conjugate(st.x, st.galois);
  Ciphertext low = ev.rescale(ev.multiplyRelin(st.x, st.y, st.s.relinKey));
  Ciphertext tensor =
      ev.multiply(low, ev.rescale(ev.multiplyPlain(st.y, st.plain)));
  Ciphertext wantRelin = ev.relinearize(tensor, st.s.relinKey);
  const unsigned level = st.s.top() - 1;
  for (int P : kDeviceCounts) {
    for (KeySwitchAlgorithm alg : {KeySwitchAlgorithm::InputBroadcast,
                                   KeySwitchAlgorithm::OutputAggregation}) {
      bool broadcast = alg == KeySwitchAlgorithm::InputBroadcast;
      LimbPartition part = LimbPartition::balanced(st.s.top() + 1, P);
      std::vector<RankResult> res = runDistributed(
          st, P, part,
          [&](DistributedEvaluator &eval, const LimbPartition &p, int rank) {
            LimbPartition aligned =
                LimbPartition::digitAligned(ctx, st.s.top(), P);
            DistributedCiphertext x =
                scatter(st.x, broadcast ? p : aligned, rank);
            DistributedCiphertext conj = eval.conjugate(x, st.galois, alg);
            DistributedCiphertext t =
                scatter(tensor, p.truncated(level + 1), rank);
            if (!broadcast) {
              t = repartition(t, LimbPartition::digitAligned(ctx, level, P),
                              eval.communicator());
            }
            eval.relinearizeInPlace(t, st.s.relinKey, alg);
            return std::vector<DistributedCiphertext>{conj, t};
          });
      for (int r = 0; r < P; ++r) {
        std::string what = "P=" + std::to_string(P) + " rank " +
                           std::to_string(r) +
                           (broadcast ? " broadcast" : " aggregation");
        expectSameBits(res[r].gathered[0], wantConj, what + " conjugate");
        expectSameBits(res[r].gathered[1], wantRelin, what + " relinearize");
      }
    }
  }
}

/// The sum of rotations both rotate-and-sum tests distribute: x, y, x, y by
/// `kSumSteps`, on one device (inner products of every rotated input
/// accumulated in the extended basis, one ModDown).
static const std::vector<long> kSumSteps = {1, 5, 0, -3};
static Ciphertext singleDeviceRotateAndSum(const DistSetup &st) {
  const Ciphertext *inputs[] = {&st.x, &st.y, &st.x, &st.y};
  return st.s.evaluator->rotateAndSum(
      std::vector<const Ciphertext *>(std::begin(inputs), std::end(inputs)),
      kSumSteps, st.galois);
}

TEST_P(DistKeySwitch, RotateAndSumOneReduction) {
  DistSetup &st = setup(GetParam());
  const Context &ctx = *st.s.context;
  const Evaluator &ev = *st.s.evaluator;
  std::vector<Ciphertext> inputs = {st.x, st.y, st.x, st.y};
  const std::vector<long> &steps = kSumSteps;
  Ciphertext want = singleDeviceRotateAndSum(st);
  // It decrypts to the sum of the rotations.
  Ciphertext sum = ev.rotate(inputs[0], steps[0], st.galois);
  for (size_t i = 1; i < inputs.size(); ++i) {
    ev.addInPlace(sum, ev.rotate(inputs[i], steps[i], st.galois));
  }
  EXPECT_LT(maxError(st.s.decrypt(want), st.s.decrypt(sum)), 1e-4);
  const unsigned limbs = st.s.top() + 1;
  for (int P : kDeviceCounts) {
    for (KeySwitchAlgorithm alg : {KeySwitchAlgorithm::InputBroadcast,
                                   KeySwitchAlgorithm::OutputAggregation}) {
      bool broadcast = alg == KeySwitchAlgorithm::InputBroadcast;
      LimbPartition part =
          broadcast ? LimbPartition::balanced(limbs, P)
                    : LimbPartition::digitAligned(ctx, st.s.top(), P);
      std::vector<RankResult> res = runDistributed(
          st, P, part,
          [&](DistributedEvaluator &eval, const LimbPartition &p, int rank) {
            std::vector<DistributedCiphertext> in;
            for (const Ciphertext &c : inputs) {
              in.push_back(scatter(c, p, rank));
            }
            return std::vector<DistributedCiphertext>{
                eval.rotateAndSum(in, steps, st.galois, alg)};
          });
      for (int r = 0; r < P; ++r) {
        std::string what = "P=" + std::to_string(P) + " rank " +
                           std::to_string(r) +
                           (broadcast ? " broadcast" : " aggregation");
        expectSameBits(res[r].gathered[0], want, what);
        unsigned own = part.range(r).size();
        if (broadcast) {
          // One all-gather per key-switched input (3 of the 4).
          expectTraffic(res[r].traffic, CollectiveKind::AllGather,
                        3 * uint64_t(P - 1) * own * st.n() * 8,
                        3 * uint64_t(limbs - own) * st.n() * 8, what);
        } else {
          // One reduction for all inputs.
          expectAggregationTraffic(res[r].traffic, P, st.n(), limbs, own,
                                   ctx.numSpecial(), r, what);
          EXPECT_EQ(res[r].traffic.of(CollectiveKind::ReduceScatter).count, 1u)
              << what;
        }
      }
    }
  }
}

// Output aggregation from balanced ranges: each distinct rotated input's c1
// moves to whole-digit ranges (c0 stays), the reduction scatters onto the
// balanced ranges, where the result is: the same bits, the moves' bytes, and
// the reduction's over the balanced shares.
TEST_P(DistKeySwitch, RotateAndSumAggregatesFromBalancedRanges) {
  DistSetup &st = setup(GetParam());
  const Context &ctx = *st.s.context;
  const std::vector<long> &steps = kSumSteps;
  Ciphertext want = singleDeviceRotateAndSum(st);
  const unsigned limbs = st.s.top() + 1;
  for (int P : kDeviceCounts) {
    LimbPartition part = LimbPartition::balanced(limbs, P);
    LimbPartition digits = LimbPartition::digitAligned(ctx, st.s.top(), P);
    std::vector<RankResult> res = runDistributed(
        st, P, part,
        [&](DistributedEvaluator &eval, const LimbPartition &p, int rank) {
          // x and y once each, as registers are (the same objects twice).
          DistributedCiphertext x = scatter(st.x, p, rank),
                                y = scatter(st.y, p, rank);
          DistributedCiphertext r = eval.rotateAndSum(
              {&x, &y, &x, &y}, steps, st.galois,
              KeySwitchAlgorithm::OutputAggregation);
          EXPECT_TRUE(r.partition() == p);
          return std::vector<DistributedCiphertext>{r};
        });
    for (int r = 0; r < P; ++r) {
      std::string what = "P=" + std::to_string(P) + " rank " +
                         std::to_string(r);
      expectSameBits(res[r].gathered[0], want, what);
      LimbRange mine = part.range(r), aligned = digits.range(r);
      unsigned overlap =
          std::max(mine.begin, aligned.begin) <
                  std::min(mine.end, aligned.end)
              ? std::min(mine.end, aligned.end) -
                    std::max(mine.begin, aligned.begin)
              : 0;
      // Two distinct inputs, one polynomial each.
      EXPECT_EQ(res[r].traffic.of(CollectiveKind::AllToAll).bytesSent,
                2 * uint64_t(mine.size() - overlap) * st.n() * 8)
          << what;
      EXPECT_EQ(res[r].traffic.of(CollectiveKind::AllToAll).bytesReceived,
                2 * uint64_t(aligned.size() - overlap) * st.n() * 8)
          << what;
      EXPECT_EQ(res[r].traffic.of(CollectiveKind::ReduceScatter).count, 1u)
          << what;
      EXPECT_EQ(res[r].traffic.of(CollectiveKind::ReduceScatter).bytesSent,
                uint64_t(2) * (limbs - mine.size()) * st.n() * 8)
          << what;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Digits, DistKeySwitch, ::testing::Values(1u, 2u, 3u));

TEST(DistKeySwitchErrors, MissingGaloisKeyThrowsOnEveryRank) {
  DistSetup &st = setup(2);
  for (KeySwitchAlgorithm alg : {KeySwitchAlgorithm::InputBroadcast,
                                 KeySwitchAlgorithm::OutputAggregation}) {
    EXPECT_THROW(
        comm::runOnThreads(3,
                           [&](Communicator &comm) {
                             DistributedEvaluator eval(st.s.context, comm);
                             DistributedCiphertext a =
                                 scatter(st.x,
                                         LimbPartition::digitAligned(
                                             *st.s.context, st.s.top(), 3),
                                         comm.rank());
                             eval.rotate(a, 7, st.galois, alg); // no key for 7
                           }),
        Error);
  }
}

TEST(DistKeySwitchErrors, AggregationNeedsDigitAlignedPartition) {
  DistSetup &st = setup(2); // digits of 3 limbs
  Ciphertext tensor = st.s.evaluator->multiply(st.x, st.y);
  EXPECT_THROW(
      comm::runOnThreads(
          4,
          [&](Communicator &comm) {
            DistributedEvaluator eval(st.s.context, comm);
            DistributedCiphertext a =
                scatter(tensor, LimbPartition::balanced(6, 4), comm.rank());
            eval.relinearizeInPlace(a, st.s.relinKey,
                                    KeySwitchAlgorithm::OutputAggregation);
          }),
      Error);
}
