//===- TokenPartitionTest.cpp - ciphertexts split by token ----------------===//
//
// A tensor of 5 ciphertexts on 1, 2, 3, 4 and 8 thread ranks (8 leaves
// devices without a ciphertext and, with 6 limbs, without a limb): every
// conversion between the replicated, limb-partitioned and token-partitioned
// layouts round-trips word for word, and each rank's measured bytes equal
// the formulas of docs/Distributed.md.
//
//===----------------------------------------------------------------------===//

#include "../CkksTestUtil.h"

#include "aegis/Runtime/Comm/Factory.h"
#include "aegis/Runtime/Dist/TokenPartition.h"

#include <gtest/gtest.h>

#include <cstring>

using namespace aegis;
using namespace aegis::ckks;
using namespace aegis::ckks::test;
using namespace aegis::dist;
using comm::CollectiveKind;
using comm::CommStatsSnapshot;
using comm::Communicator;

namespace {

const int kDeviceCounts[] = {1, 2, 3, 4, 8};
constexpr unsigned kTokens = 5;

struct TokenSetup {
  TestSetup s;
  std::vector<Ciphertext> tensor;
  TokenSetup() : s(makeSpec(10, {50, 40, 40, 40, 40, 40}, {60, 60}, 2), 91) {
    for (unsigned j = 0; j < kTokens; ++j) {
      tensor.push_back(s.encrypt(randomValues(512, 10 + j)));
    }
  }
  size_t n() const { return s.context->degree(); }
};

TokenSetup &setup() {
  static TokenSetup st;
  return st;
}

bool sameBits(const Ciphertext &a, const Ciphertext &b) {
  if (a.size() != b.size() || a.level() != b.level() ||
      a.scale() != b.scale() || a.slots() != b.slots()) {
    return false;
  }
  for (unsigned i = 0; i < a.size(); ++i) {
    if (std::memcmp(a[i].data(), b[i].data(),
                    a[i].numWords() * sizeof(uint64_t)) != 0) {
      return false;
    }
  }
  return true;
}

void expectOnly(const CommStatsSnapshot &s, CollectiveKind kind,
                uint64_t sent, uint64_t received, const std::string &what) {
  EXPECT_EQ(s.of(kind).bytesSent, sent) << what;
  EXPECT_EQ(s.of(kind).bytesReceived, received) << what;
  EXPECT_EQ(s.total().bytesSent, sent) << what << ": other collectives moved";
  EXPECT_EQ(s.total().bytesReceived, received)
      << what << ": other collectives moved";
  EXPECT_EQ(s.of(kind).count, 1u) << what;
}

} // namespace

TEST(DistToken, BalancedPartition) {
  TokenPartition p = TokenPartition::balanced(5, 3);
  EXPECT_EQ(p.size(0), 2u);
  EXPECT_EQ(p.size(1), 2u);
  EXPECT_EQ(p.size(2), 1u);
  EXPECT_EQ(p.owner(4), 2);
  TokenPartition e = TokenPartition::balanced(5, 8);
  EXPECT_EQ(e.size(4), 1u);
  EXPECT_EQ(e.size(5), 0u);
  EXPECT_EQ(e.count(), 5u);
  EXPECT_THROW(TokenPartition({0, 3, 2}), Error);
  EXPECT_THROW(TokenPartition::balanced(5, 0), Error);
}

TEST(DistToken, ReplicatedTokenRoundTripAndTraffic) {
  TokenSetup &st = setup();
  const uint64_t ctBytes = 2 * uint64_t(st.s.top() + 1) * st.n() * 8;
  for (int P : kDeviceCounts) {
    TokenPartition part = TokenPartition::balanced(kTokens, P);
    std::vector<CommStatsSnapshot> toStats(P), fromStats(P);
    std::vector<std::vector<Ciphertext>> back(P);
    std::vector<std::vector<Ciphertext>> local(P);
    comm::runOnThreads(P, [&](Communicator &comm) {
      int r = comm.rank();
      comm.stats().reset();
      TokenPartitionedTensor t = toTokenPartition(st.tensor, part, r);
      toStats[r] = comm.stats().snapshot();
      local[r] = t.local;
      comm.stats().reset();
      back[r] = fromTokenPartition(t, comm);
      fromStats[r] = comm.stats().snapshot();
    });
    for (int r = 0; r < P; ++r) {
      std::string what = "P=" + std::to_string(P) + " rank " +
                         std::to_string(r);
      ASSERT_EQ(local[r].size(), part.size(r)) << what;
      for (unsigned j = 0; j < part.size(r); ++j) {
        EXPECT_TRUE(sameBits(local[r][j], st.tensor[part.begin(r) + j]))
            << what << " local ciphertext " << j;
      }
      ASSERT_EQ(back[r].size(), kTokens) << what;
      for (unsigned j = 0; j < kTokens; ++j) {
        EXPECT_TRUE(sameBits(back[r][j], st.tensor[j]))
            << what << " ciphertext " << j;
      }
      EXPECT_EQ(toStats[r].total().bytesSent, 0u) << what;
      expectOnly(fromStats[r], CollectiveKind::AllGather,
                 uint64_t(P - 1) * part.size(r) * ctBytes,
                 uint64_t(kTokens - part.size(r)) * ctBytes, what);
    }
  }
}

TEST(DistToken, LimbTokenRoundTripAndTraffic) {
  TokenSetup &st = setup();
  const unsigned L = st.s.top() + 1;
  const uint64_t limbBytes = 2 * st.n() * 8; // both polynomials
  for (int P : kDeviceCounts) {
    TokenPartition part = TokenPartition::balanced(kTokens, P);
    LimbPartition limbs = LimbPartition::balanced(L, P);
    std::vector<CommStatsSnapshot> toStats(P), fromStats(P);
    std::vector<std::vector<Ciphertext>> local(P), back(P);
    comm::runOnThreads(P, [&](Communicator &comm) {
      int r = comm.rank();
      std::vector<DistributedCiphertext> shares;
      for (const Ciphertext &ct : st.tensor) {
        shares.push_back(scatter(ct, limbs, r));
      }
      comm.stats().reset();
      TokenPartitionedTensor t = limbToToken(shares, part, comm);
      toStats[r] = comm.stats().snapshot();
      local[r] = t.local;
      comm.stats().reset();
      std::vector<DistributedCiphertext> again = tokenToLimb(t, limbs, comm);
      fromStats[r] = comm.stats().snapshot();
      for (const DistributedCiphertext &d : again) {
        back[r].push_back(gather(d, comm));
      }
    });
    for (int r = 0; r < P; ++r) {
      std::string what = "P=" + std::to_string(P) + " rank " +
                         std::to_string(r);
      ASSERT_EQ(local[r].size(), part.size(r)) << what;
      for (unsigned j = 0; j < part.size(r); ++j) {
        EXPECT_TRUE(sameBits(local[r][j], st.tensor[part.begin(r) + j]))
            << what << " token ciphertext " << j;
      }
      ASSERT_EQ(back[r].size(), kTokens) << what;
      for (unsigned j = 0; j < kTokens; ++j) {
        EXPECT_TRUE(sameBits(back[r][j], st.tensor[j]))
            << what << " ciphertext " << j;
      }
      // docs/Distributed.md: t_r own ciphertexts, c_r own limbs.
      uint64_t t = part.size(r), c = limbs.range(r).size();
      expectOnly(toStats[r], CollectiveKind::AllToAll,
                 (kTokens - t) * c * limbBytes, t * (L - c) * limbBytes,
                 what + " limb->token");
      expectOnly(fromStats[r], CollectiveKind::AllToAll,
                 t * (L - c) * limbBytes, (kTokens - t) * c * limbBytes,
                 what + " token->limb");
    }
  }
}

TEST(DistToken, MismatchedTensorsThrow) {
  TokenSetup &st = setup();
  std::vector<Ciphertext> mixed = st.tensor;
  mixed[1] = st.s.evaluator->dropToLevel(mixed[1], 3);
  EXPECT_THROW(toTokenPartition(mixed, TokenPartition::balanced(kTokens, 2), 0),
               Error);
  EXPECT_THROW(
      toTokenPartition(st.tensor, TokenPartition::balanced(kTokens + 1, 2), 0),
      Error);
  EXPECT_THROW(comm::runOnThreads(2,
                                  [&](Communicator &comm) {
                                    TokenPartitionedTensor t =
                                        toTokenPartition(
                                            st.tensor,
                                            TokenPartition::balanced(kTokens,
                                                                     3),
                                            comm.rank());
                                    fromTokenPartition(t, comm);
                                  }),
               Error);
}
