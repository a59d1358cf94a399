//===- DistributedLargeTest.cpp - distributed ops on a realistic ring -----===//
//
// The main distributed operations at N = 2^14 with a chain of 8 primes and
// 4 key-switching digits (128-bit secure: log2 QP = 430), on 2 and 4 ranks,
// compared word for word with the single-device Evaluator: multiply +
// relinearize + rescale, rotations and hoisted rotations with both
// key-switching algorithms. Built twice: on thread ranks (AegisDistTests)
// and under mpirun (AegisDistMpiTests, AEGIS_DIST_TEST_MPI, one process per
// rank; each process builds the same keys and ciphertexts from the seed).
//
//===----------------------------------------------------------------------===//

#include "../CkksTestUtil.h"

#include "aegis/Runtime/Comm/Factory.h"
#include "aegis/Runtime/Dist/Distributed.h"
#include "aegis/Runtime/Dist/PartitionedKeys.h"
#if AEGIS_DIST_TEST_MPI
#include "aegis/Runtime/Comm/MpiCommunicator.h"
#endif

#include <gtest/gtest.h>

#include <cstring>
#include <functional>
#include <memory>

using namespace aegis;
using namespace aegis::ckks;
using namespace aegis::ckks::test;
using namespace aegis::dist;
using comm::Communicator;

namespace {

const int kLargeDeviceCounts[] = {2, 4};

struct LargeSetup {
  TestSetup s;
  GaloisKeys galois;
  Ciphertext x, y;
  LargeSetup()
      : s(makeSpec(14, {50, 40, 40, 40, 40, 40, 40, 40}, {50, 50}, 4,
                   /*insecure=*/false),
          141) {
    galois = s.keygen->createGaloisKeys({1, -5, 5, -3}, false);
    x = s.encrypt(randomValues(1024, 1));
    y = s.encrypt(randomValues(1024, 2));
  }
};

LargeSetup &large() {
  static LargeSetup st;
  return st;
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

/// Runs fn on P ranks: P threads, or the MPI world when it has P ranks
/// (other counts are skipped under MPI). Returns whether it ran.
bool onRanks(int P, const std::function<void(Communicator &)> &fn) {
#if AEGIS_DIST_TEST_MPI
  comm::CommOptions options = comm::CommOptions::fromEnvironment();
  options.timeoutSeconds = 60;
  std::unique_ptr<Communicator> world =
      comm::createMpiWorldCommunicator(options);
  if (world->size() != P) {
    return false;
  }
  fn(*world);
  return true;
#else
  comm::runOnThreads(P, fn);
  return true;
#endif
}

LimbPartition partitionFor(const Context &ctx, unsigned level, int P,
                           KeySwitchAlgorithm alg) {
  return alg == KeySwitchAlgorithm::InputBroadcast
             ? LimbPartition::balanced(level + 1, P)
             : LimbPartition::digitAligned(ctx, level, P);
}

const KeySwitchAlgorithm kAlgorithms[] = {KeySwitchAlgorithm::InputBroadcast,
                                          KeySwitchAlgorithm::OutputAggregation};

std::string label(int P, KeySwitchAlgorithm alg) {
  return "P=" + std::to_string(P) +
         (alg == KeySwitchAlgorithm::InputBroadcast ? " broadcast"
                                                     : " aggregation");
}

} // namespace

TEST(DistLarge, MultiplyRelinearizeRescale) {
  LargeSetup &st = large();
  const Evaluator &ev = *st.s.evaluator;
  Ciphertext want = ev.rescale(ev.relinearize(ev.multiply(st.x, st.y),
                                              st.s.relinKey));
  for (int P : kLargeDeviceCounts) {
    for (KeySwitchAlgorithm alg : kAlgorithms) {
      LimbPartition part = partitionFor(*st.s.context, st.s.top(), P, alg);
      onRanks(P, [&](Communicator &comm) {
        DistributedEvaluator eval(st.s.context, comm);
        DistributedCiphertext x = scatter(st.x, part, comm.rank());
        DistributedCiphertext y = scatter(st.y, part, comm.rank());
        DistributedCiphertext z = eval.multiply(x, y);
        eval.relinearizeInPlace(z, st.s.relinKey, alg);
        eval.rescaleInPlace(z);
        EXPECT_TRUE(sameBits(gather(z, comm), want))
            << label(P, alg) << " rank " << comm.rank();
      });
    }
  }
}

TEST(DistLarge, Rotations) {
  LargeSetup &st = large();
  const Evaluator &ev = *st.s.evaluator;
  Ciphertext want1 = ev.rotate(st.x, 1, st.galois);
  Ciphertext wantM5 = ev.rotate(st.x, -5, st.galois);
  for (int P : kLargeDeviceCounts) {
    for (KeySwitchAlgorithm alg : kAlgorithms) {
      LimbPartition part = partitionFor(*st.s.context, st.s.top(), P, alg);
      onRanks(P, [&](Communicator &comm) {
        DistributedEvaluator eval(st.s.context, comm);
        DistributedCiphertext x = scatter(st.x, part, comm.rank());
        EXPECT_TRUE(sameBits(gather(eval.rotate(x, 1, st.galois, alg), comm),
                             want1))
            << label(P, alg) << " step 1 rank " << comm.rank();
        EXPECT_TRUE(sameBits(gather(eval.rotate(x, -5, st.galois, alg), comm),
                             wantM5))
            << label(P, alg) << " step -5 rank " << comm.rank();
      });
    }
  }
}

TEST(DistLarge, HoistedRotations) {
  LargeSetup &st = large();
  std::vector<long> steps = {0, 1, 5, -3};
  std::vector<Ciphertext> want =
      st.s.evaluator->rotateHoisted(st.x, steps, st.galois);
  for (int P : kLargeDeviceCounts) {
    for (KeySwitchAlgorithm alg : kAlgorithms) {
      LimbPartition part = partitionFor(*st.s.context, st.s.top(), P, alg);
      onRanks(P, [&](Communicator &comm) {
        DistributedEvaluator eval(st.s.context, comm);
        std::vector<DistributedCiphertext> got = eval.rotateHoisted(
            scatter(st.x, part, comm.rank()), steps, st.galois, alg);
        ASSERT_EQ(got.size(), steps.size());
        for (size_t i = 0; i < steps.size(); ++i) {
          EXPECT_TRUE(sameBits(gather(got[i], comm), want[i]))
              << label(P, alg) << " step " << steps[i] << " rank "
              << comm.rank();
        }
      });
    }
  }
}

// Each rank generates only its rows of the keys (from the keys' seeds, as a
// client would for that device) and runs relinearization, rotations and
// hoisted rotations with them: same bits as the single device.
TEST(DistLarge, PartitionedKeys) {
  LargeSetup &st = large();
  const Evaluator &ev = *st.s.evaluator;
  const Context &ctx = *st.s.context;
  Ciphertext want = ev.relinearize(ev.multiply(st.x, st.y), st.s.relinKey);
  Ciphertext wantRot = ev.rotate(st.x, -5, st.galois);
  std::vector<long> steps = {0, 1, 5, -3};
  std::vector<Ciphertext> wantHoisted =
      ev.rotateHoisted(st.x, steps, st.galois);
  for (int P : kLargeDeviceCounts) {
    for (KeySwitchAlgorithm alg : kAlgorithms) {
      LimbPartition part = partitionFor(ctx, st.s.top(), P, alg);
      onRanks(P, [&](Communicator &comm) {
        const int rank = comm.rank();
        const SecretKey &secret = st.s.keygen->secretKey();
        KeyRows rows = KeyRows::forPlan(ctx, P, rank, alg, st.s.top());
        PartitionedKey relin = generatePartitionedRelinKey(
            secret, st.s.relinKey.key().seed(), rows);
        PartitionedGaloisKeys galois(st.s.context);
        for (const auto &[g, key] : st.galois.keys()) {
          galois.insert(
              generatePartitionedGaloisKey(secret, g, key.seed(), rows));
        }
        // This rank's rows only: fewer bytes than the full key.
        EXPECT_EQ(relin.bytes(), uint64_t(2) * rows.count() * ctx.degree() * 8);
        if (P > 1) {
          EXPECT_LT(relin.bytes(), keyBytes(st.s.relinKey.key()))
              << label(P, alg);
        }
        DistributedEvaluator eval(st.s.context, comm);
        DistributedCiphertext z =
            eval.multiply(scatter(st.x, part, rank), scatter(st.y, part, rank));
        eval.relinearizeInPlace(z, relin, alg);
        EXPECT_TRUE(sameBits(gather(z, comm), want))
            << label(P, alg) << " relinearize rank " << rank;
        DistributedCiphertext x = scatter(st.x, part, rank);
        EXPECT_TRUE(sameBits(gather(eval.rotate(x, -5, galois, alg), comm),
                             wantRot))
            << label(P, alg) << " rotate -5 rank " << rank;
        std::vector<DistributedCiphertext> got =
            eval.rotateHoisted(x, steps, galois, alg);
        for (size_t i = 0; i < steps.size(); ++i) {
          EXPECT_TRUE(sameBits(gather(got[i], comm), wantHoisted[i]))
              << label(P, alg) << " hoisted " << steps[i] << " rank " << rank;
        }
      });
    }
  }
}
