//===- CollectiveChecks.cpp - Rank-local bodies of collective tests -------===//
//
// The traffic formulas here are written from docs/Communicators.md, not
// from the library's schedules, so a schedule that moves more (or less) than
// documented fails these checks.
//
//===----------------------------------------------------------------------===//

#include "CollectiveChecks.h"


#include <gtest/gtest.h>

#include <cstring>

namespace aegis::comm::test {

using uint128 = unsigned __int128;

uint64_t wordAt(uint64_t salt, int rank, size_t index) {
  // splitmix64 of a mix of the three inputs.
  uint64_t z = salt * 0x9e3779b97f4a7c15ull +
               uint64_t(rank) * 0xbf58476d1ce4e5b9ull +
               uint64_t(index) * 0x94d049bb133111ebull + 0x632be59bd9b4e019ull;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

void expectTraffic(const CommStatsSnapshot &before,
                   const CommStatsSnapshot &after, CollectiveKind kind,
                   uint64_t count, uint64_t sent, uint64_t received) {
  const KindStats &a = before.of(kind);
  const KindStats &b = after.of(kind);
  EXPECT_EQ(b.count - a.count, count)
      << collectiveKindName(kind) << " on rank " << after.rank;
  EXPECT_EQ(b.bytesSent - a.bytesSent, sent)
      << collectiveKindName(kind) << " bytes sent on rank " << after.rank;
  EXPECT_EQ(b.bytesReceived - a.bytesReceived, received)
      << collectiveKindName(kind) << " bytes received on rank " << after.rank;
}

namespace {

constexpr size_t kLimbLength = 16;
constexpr size_t kLimbs = 7;

/// Moduli of every shape the reduction must handle: Mersenne 2^61-1, the
/// largest allowed range, small, even and a power of two.
const std::vector<uint64_t> &testModuli() {
  static const std::vector<uint64_t> moduli = {(uint64_t(1) << 61) - 1,
                                               (uint64_t(1) << 62) - 57,
                                               1099511627791ull,
                                               3,
                                               1000000000000ull,
                                               uint64_t(1) << 40,
                                               65537};
  return moduli;
}

std::vector<size_t> offsetsOf(const std::vector<size_t> &counts) {
  std::vector<size_t> offsets;
  size_t sum = 0;
  for (size_t c : counts) {
    offsets.push_back(sum);
    sum += c;
  }
  return offsets;
}

size_t total(const std::vector<size_t> &counts) {
  size_t sum = 0;
  for (size_t c : counts) {
    sum += c;
  }
  return sum;
}

/// One modulus per word, cycling through testModuli().
std::vector<uint64_t> perWordModuli(size_t words) {
  std::vector<uint64_t> moduli;
  for (size_t i = 0; i < words; ++i) {
    moduli.push_back(testModuli()[i % testModuli().size()]);
  }
  return moduli;
}

/// The reduction of word `index` of the full buffer over all ranks, with
/// rank p contributing wordAt(salt, p, index).
uint64_t expectedSum(uint64_t salt, int size, size_t index, uint64_t modulus) {
  uint128 sum = 0;
  for (int p = 0; p < size; ++p) {
    sum += wordAt(salt, p, index);
  }
  return modulus == 0 ? uint64_t(sum) : uint64_t(sum % modulus);
}

} // namespace

std::vector<std::vector<size_t>> countCases(int size) {
  std::vector<std::vector<size_t>> cases;
  size_t p = size_t(size);
  cases.push_back(std::vector<size_t>(p, 3)); // even
  // 7 limbs of kLimbLength words, balanced: uneven, and empty on 8 ranks.
  std::vector<size_t> limbs(p, kLimbs / p);
  for (size_t r = 0; r < kLimbs % p; ++r) {
    ++limbs[r];
  }
  for (size_t &c : limbs) {
    c *= kLimbLength;
  }
  cases.push_back(limbs);
  std::vector<size_t> ramp(p); // rank 0 empty, the others growing
  for (size_t r = 0; r < p; ++r) {
    ramp[r] = r == 0 ? 0 : r + 1;
  }
  cases.push_back(ramp);
  std::vector<size_t> lastOnly(p, 0);
  lastOnly[p - 1] = 5;
  cases.push_back(lastOnly);
  cases.push_back(std::vector<size_t>(p, 0)); // nothing at all
  return cases;
}

void checkAllGather(Communicator &comm) {
  int size = comm.size();
  int rank = comm.rank();
  uint64_t salt = 11;
  for (const std::vector<size_t> &counts : countCases(size)) {
    size_t all = total(counts);
    std::vector<size_t> offsets = offsetsOf(counts);
    size_t own = counts[size_t(rank)];
    std::vector<uint64_t> send(own);
    for (size_t i = 0; i < own; ++i) {
      send[i] = wordAt(salt, rank, i);
    }
    std::vector<uint64_t> recv(all, 0xdeadbeef);
    CommStatsSnapshot before = comm.stats().snapshot();
    comm.allGatherV(send.data(), recv.data(), counts);
    CommStatsSnapshot after = comm.stats().snapshot();
    for (int p = 0; p < size; ++p) {
      for (size_t i = 0; i < counts[size_t(p)]; ++i) {
        ASSERT_EQ(recv[offsets[size_t(p)] + i], wordAt(salt, p, i))
            << "rank " << rank << " slot of rank " << p << " word " << i;
      }
    }
    // Direct all-gather: this rank's slice goes to each of the P-1 others;
    // every other slice arrives once.
    expectTraffic(before, after, CollectiveKind::AllGather, 1,
                  uint64_t(size - 1) * own * 8, (all - own) * 8);

    // In place: this rank's slice already sits in the receive buffer.
    std::vector<uint64_t> inPlace(all, 0x5555);
    std::copy(send.begin(), send.end(),
              inPlace.begin() + ptrdiff_t(offsets[size_t(rank)]));
    comm.allGatherV(inPlace.data() + offsets[size_t(rank)], inPlace.data(),
                    counts);
    EXPECT_EQ(inPlace, recv) << "in-place all-gather on rank " << rank;
    ++salt;
  }
  // The even form.
  std::vector<uint64_t> send = {wordAt(1, rank, 0), wordAt(1, rank, 1)};
  std::vector<uint64_t> recv(2 * size_t(size));
  comm.allGather(send.data(), recv.data(), 2);
  for (int p = 0; p < size; ++p) {
    EXPECT_EQ(recv[2 * size_t(p)], wordAt(1, p, 0));
    EXPECT_EQ(recv[2 * size_t(p) + 1], wordAt(1, p, 1));
  }
}

void checkAllGatherBytes(Communicator &comm) {
  int size = comm.size();
  int rank = comm.rank();
  // Odd byte counts: rank p contributes p % 3 + 1 bytes, rank 1 none.
  std::vector<size_t> counts;
  for (int p = 0; p < size; ++p) {
    counts.push_back(p == 1 ? 0 : size_t(p % 3 + 1));
  }
  std::vector<uint8_t> send(counts[size_t(rank)]);
  for (size_t i = 0; i < send.size(); ++i) {
    send[i] = uint8_t(wordAt(3, rank, i));
  }
  std::vector<uint8_t> recv(total(counts), 0xee);
  CommStatsSnapshot before = comm.stats().snapshot();
  comm.allGatherBytesV(send.data(), recv.data(), counts);
  CommStatsSnapshot after = comm.stats().snapshot();
  std::vector<size_t> offsets = offsetsOf(counts);
  for (int p = 0; p < size; ++p) {
    for (size_t i = 0; i < counts[size_t(p)]; ++i) {
      EXPECT_EQ(recv[offsets[size_t(p)] + i], uint8_t(wordAt(3, p, i)));
    }
  }
  expectTraffic(before, after, CollectiveKind::AllGather, 1,
                uint64_t(size - 1) * send.size(), total(counts) - send.size());
}

void checkReduceScatter(Communicator &comm) {
  int size = comm.size();
  int rank = comm.rank();
  uint64_t salt = 100;
  for (const std::vector<size_t> &counts : countCases(size)) {
    size_t all = total(counts);
    if (all == 0) {
      continue; // A modular reduction needs at least one limb.
    }
    std::vector<size_t> offsets = offsetsOf(counts);
    size_t own = counts[size_t(rank)];
    size_t offset = offsets[size_t(rank)];
    std::vector<uint64_t> send(all);
    for (size_t i = 0; i < all; ++i) {
      send[i] = wordAt(salt, rank, i);
    }
    // Limb-aligned counts use 16-word limbs; the others one word per limb.
    bool limbAligned = all % kLimbLength == 0;
    size_t limbLength = limbAligned ? kLimbLength : 1;
    std::vector<uint64_t> moduli = perWordModuli(all / limbLength);
    Reduction modular = Reduction::modularSum(moduli, limbLength);

    std::vector<uint64_t> recv(own, 0xdeadbeef);
    uint64_t memoryBefore = comm.stats().memoryInUse();
    CommStatsSnapshot before = comm.stats().snapshot();
    comm.reduceScatterV(send.data(), recv.data(), counts, modular);
    CommStatsSnapshot after = comm.stats().snapshot();
    for (size_t i = 0; i < own; ++i) {
      uint64_t q = moduli[(offset + i) / limbLength];
      ASSERT_EQ(recv[i], expectedSum(salt, size, offset + i, q))
          << "rank " << rank << " word " << i;
    }
    // Direct reduce-scatter: every other rank's slice leaves once; P-1
    // contributions to this rank's slice arrive.
    expectTraffic(before, after, CollectiveKind::ReduceScatter, 1,
                  (all - own) * 8, uint64_t(size - 1) * own * 8);
    // The contributions were staged in scratch that was freed again.
    EXPECT_EQ(comm.stats().memoryInUse(), memoryBefore);
    EXPECT_GE(comm.stats().memoryHighWater(),
              memoryBefore + uint64_t(size - 1) * own * 8);

    // Wrapping sum, in place in this rank's slice of the send buffer.
    std::vector<uint64_t> inPlace = send;
    comm.reduceScatterV(inPlace.data(), inPlace.data() + offset, counts,
                        Reduction::wrappingSum());
    for (size_t i = 0; i < own; ++i) {
      ASSERT_EQ(inPlace[offset + i], expectedSum(salt, size, offset + i, 0));
    }
    ++salt;
  }
}

void checkAllReduce(Communicator &comm) {
  int size = comm.size();
  int rank = comm.rank();
  uint64_t salt = 200;
  for (size_t n :
       {size_t(0), size_t(1), size_t(5), size_t(13), kLimbs * kLimbLength}) {
    std::vector<uint64_t> send(n);
    for (size_t i = 0; i < n; ++i) {
      send[i] = wordAt(salt, rank, i);
    }
    // This rank's part of the balanced split of n words.
    size_t share = n / size_t(size) + (size_t(rank) < n % size_t(size));
    uint64_t traffic = (n + uint64_t(size - 2) * share) * 8;

    std::vector<uint64_t> recv(n, 1);
    CommStatsSnapshot before = comm.stats().snapshot();
    comm.allReduce(send.data(), recv.data(), n, Reduction::wrappingSum());
    CommStatsSnapshot after = comm.stats().snapshot();
    for (size_t i = 0; i < n; ++i) {
      ASSERT_EQ(recv[i], expectedSum(salt, size, i, 0)) << "word " << i;
    }
    // Reduce-scatter then all-gather: (n - s_r) + (P-1) s_r words each way.
    expectTraffic(before, after, CollectiveKind::AllReduce, 1, traffic,
                  traffic);

    if (n != 0) {
      bool limbs = n % kLimbLength == 0;
      size_t limbLength = limbs ? kLimbLength : 1;
      std::vector<uint64_t> moduli = perWordModuli(n / limbLength);
      std::vector<uint64_t> inPlace = send;
      comm.allReduce(inPlace.data(), inPlace.data(), n,
                     Reduction::modularSum(moduli, limbLength));
      for (size_t i = 0; i < n; ++i) {
        ASSERT_EQ(inPlace[i],
                  expectedSum(salt, size, i, moduli[i / limbLength]))
            << "word " << i;
      }
    }
    ++salt;
  }
}

void checkBroadcast(Communicator &comm) {
  int size = comm.size();
  int rank = comm.rank();
  for (int root = 0; root < size; ++root) {
    for (size_t n : {size_t(0), size_t(9)}) {
      std::vector<uint64_t> buffer(n, 7);
      if (rank == root) {
        for (size_t i = 0; i < n; ++i) {
          buffer[i] = wordAt(300, root, i);
        }
      }
      CommStatsSnapshot before = comm.stats().snapshot();
      comm.broadcast(buffer.data(), n, root);
      CommStatsSnapshot after = comm.stats().snapshot();
      for (size_t i = 0; i < n; ++i) {
        ASSERT_EQ(buffer[i], wordAt(300, root, i));
      }
      // Direct broadcast: the root sends P-1 copies, everyone else
      // receives one.
      expectTraffic(before, after, CollectiveKind::Broadcast, 1,
                    rank == root ? uint64_t(size - 1) * n * 8 : 0,
                    rank == root ? 0 : n * 8);
    }
  }
  char text[6] = "-----";
  if (rank == size - 1) {
    std::memcpy(text, "hello", 5);
  }
  comm.broadcastBytes(text, 5, size - 1);
  EXPECT_STREQ(text, "hello");
}

void checkAllToAll(Communicator &comm) {
  int size = comm.size();
  int rank = comm.rank();
  // Rank s sends (s + 2d) % 3 elements to rank d: zeros included.
  auto sends = [](int s, int d) { return size_t((s + 2 * d) % 3); };
  std::vector<size_t> sendCounts;
  std::vector<size_t> recvCounts;
  for (int p = 0; p < size; ++p) {
    sendCounts.push_back(sends(rank, p));
    recvCounts.push_back(sends(p, rank));
  }
  std::vector<uint64_t> send;
  for (int p = 0; p < size; ++p) {
    for (size_t i = 0; i < sendCounts[size_t(p)]; ++i) {
      send.push_back(wordAt(400, rank, size_t(p) * 100 + i));
    }
  }
  std::vector<uint64_t> recv(total(recvCounts), 3);
  CommStatsSnapshot before = comm.stats().snapshot();
  comm.allToAllV(send.data(), sendCounts, recv.data(), recvCounts);
  CommStatsSnapshot after = comm.stats().snapshot();
  std::vector<size_t> offsets = offsetsOf(recvCounts);
  for (int p = 0; p < size; ++p) {
    for (size_t i = 0; i < recvCounts[size_t(p)]; ++i) {
      ASSERT_EQ(recv[offsets[size_t(p)] + i],
                wordAt(400, p, size_t(rank) * 100 + i));
    }
  }
  uint64_t sent = 0;
  uint64_t received = 0;
  for (int p = 0; p < size; ++p) {
    if (p != rank) {
      sent += sendCounts[size_t(p)] * 8;
      received += recvCounts[size_t(p)] * 8;
    }
  }
  expectTraffic(before, after, CollectiveKind::AllToAll, 1, sent, received);

  // Byte form: rank s sends s + 1 bytes to everyone.
  std::vector<size_t> sendBytes(size_t(size), size_t(rank) + 1);
  std::vector<size_t> recvBytes;
  std::vector<uint8_t> bytes;
  for (int p = 0; p < size; ++p) {
    recvBytes.push_back(size_t(p) + 1);
    for (int i = 0; i <= rank; ++i) {
      bytes.push_back(uint8_t(rank * 16 + p));
    }
  }
  std::vector<uint8_t> got(total(recvBytes));
  Request r =
      comm.startAllToAllBytesV(bytes.data(), sendBytes, got.data(), recvBytes);
  comm.wait(r);
  size_t at = 0;
  for (int p = 0; p < size; ++p) {
    for (int i = 0; i <= p; ++i) {
      EXPECT_EQ(got[at++], uint8_t(p * 16 + rank));
    }
  }
}

void checkSendRecv(Communicator &comm) {
  int size = comm.size();
  int rank = comm.rank();
  int next = (rank + 1) % size;
  int prev = (rank + size - 1) % size;
  // A ring shift as one send-recv per rank.
  std::vector<uint64_t> mine(6);
  for (size_t i = 0; i < mine.size(); ++i) {
    mine[i] = wordAt(500, rank, i);
  }
  std::vector<uint64_t> got(6);
  CommStatsSnapshot before = comm.stats().snapshot();
  comm.sendRecv(mine.data(), 6, next, got.data(), 6, prev);
  CommStatsSnapshot after = comm.stats().snapshot();
  for (size_t i = 0; i < got.size(); ++i) {
    EXPECT_EQ(got[i], wordAt(500, prev, i));
  }
  // A rank exchanging with itself moves nothing between devices.
  uint64_t bytes = size > 1 ? 48 : 0;
  expectTraffic(before, after, CollectiveKind::SendRecv, 1, bytes, bytes);

  // Separate sends and receives, matched in order: two messages 0 -> 1,
  // then one back.
  if (size >= 2 && rank <= 1) {
    std::vector<uint64_t> a = {1, 2, 3};
    std::vector<uint64_t> b = {4, 5};
    if (rank == 0) {
      Request ra = comm.startSend(a.data(), a.size(), 1);
      Request rb = comm.startSend(b.data(), b.size(), 1);
      std::vector<uint64_t> back(1);
      comm.recv(back.data(), 1, 1);
      comm.wait(rb);
      comm.wait(ra);
      EXPECT_EQ(back[0], 99u);
    } else {
      std::vector<uint64_t> x(3), y(2);
      comm.recv(x.data(), 3, 0);
      comm.recv(y.data(), 2, 0);
      EXPECT_EQ(x, a);
      EXPECT_EQ(y, b);
      uint64_t reply = 99;
      comm.send(&reply, 1, 0);
    }
  }
  // To itself, as two operations.
  uint64_t out = wordAt(501, rank, 0);
  uint64_t in = 0;
  before = comm.stats().snapshot();
  Request s = comm.startSend(&out, 1, rank);
  Request r = comm.startRecv(&in, 1, rank);
  comm.wait(r);
  comm.wait(s);
  after = comm.stats().snapshot();
  EXPECT_EQ(in, out);
  expectTraffic(before, after, CollectiveKind::SendRecv, 2, 0, 0);
  char word[4] = "abc";
  char echo[4] = "";
  Request sb = comm.startSendBytes(word, 4, rank);
  Request rb = comm.startRecvBytes(echo, 4, rank);
  comm.wait(rb);
  comm.wait(sb);
  EXPECT_STREQ(echo, "abc");
}

void checkAsyncOverlap(Communicator &comm) {
  int size = comm.size();
  int rank = comm.rank();
  std::vector<uint64_t> gatherIn = {wordAt(600, rank, 0), wordAt(600, rank, 1)};
  std::vector<uint64_t> gatherOut(2 * size_t(size));
  size_t n = kLimbs * kLimbLength;
  std::vector<uint64_t> sum(n);
  for (size_t i = 0; i < n; ++i) {
    sum[i] = wordAt(601, rank, i);
  }
  std::vector<uint64_t> moduli = perWordModuli(kLimbs);
  std::vector<uint64_t> bcast(4, 0);
  if (rank == size - 1) {
    bcast = {5, 6, 7, 8};
  }
  uint64_t out = wordAt(602, rank, 0);
  uint64_t in = 0;

  Request a = comm.startAllGather(gatherIn.data(), gatherOut.data(), 2);
  Request b = comm.startAllReduce(sum.data(), sum.data(), n,
                                  Reduction::modularSum(moduli, kLimbLength));
  Request c = comm.startBroadcast(bcast.data(), 4, size - 1);
  Request d = comm.startSendRecv(&out, 1, (rank + 1) % size, &in, 1,
                                 (rank + size - 1) % size);
  EXPECT_EQ(comm.outstanding(), 4u);
  // Completed in reverse order of issue: every wait keeps the others moving.
  comm.wait(d);
  comm.wait(c);
  comm.wait(b);
  EXPECT_FALSE(b.valid());
  while (!comm.test(a)) {
  }
  EXPECT_EQ(comm.outstanding(), 0u);
  for (int p = 0; p < size; ++p) {
    EXPECT_EQ(gatherOut[2 * size_t(p)], wordAt(600, p, 0));
  }
  for (size_t i = 0; i < n; ++i) {
    ASSERT_EQ(sum[i], expectedSum(601, size, i, moduli[i / kLimbLength]));
  }
  EXPECT_EQ(bcast, (std::vector<uint64_t>{5, 6, 7, 8}));
  EXPECT_EQ(in, wordAt(602, (rank + size - 1) % size, 0));

  std::vector<Request> all;
  all.push_back(comm.startAllGather(gatherIn.data(), gatherOut.data(), 2));
  all.push_back(comm.startBroadcast(bcast.data(), 4, 0));
  comm.waitAll(all);
  EXPECT_FALSE(all[0].valid());
  EXPECT_FALSE(all[1].valid());
}

void checkBarrierAndControlBytes(Communicator &comm) {
  int size = comm.size();
  CommStatsSnapshot before = comm.stats().snapshot();
  comm.barrier();
  CommStatsSnapshot after = comm.stats().snapshot();
  expectTraffic(before, after, CollectiveKind::Barrier, 1, 0, 0);
  // One agreement header of 8 + 2P words to and from each other rank.
  uint64_t header = (8 + 2 * uint64_t(size)) * 8 * uint64_t(size - 1);
  EXPECT_EQ(after.controlBytesSent - before.controlBytesSent, header);
  EXPECT_EQ(after.controlBytesReceived - before.controlBytesReceived, header);
}

namespace {

uint64_t hashWords(const std::vector<uint64_t> &words) {
  uint64_t hash = 0xcbf29ce484222325ull;
  for (uint64_t w : words) {
    hash = (hash ^ w) * 0x100000001b3ull;
  }
  return hash;
}

constexpr int kContributions = 8;

} // namespace

uint64_t distributedSumHash(Communicator &comm) {
  size_t n = kLimbs * kLimbLength;
  std::vector<uint64_t> moduli(testModuli().begin(),
                               testModuli().begin() + kLimbs);
  std::vector<uint64_t> local(n, 0);
  for (int c = comm.rank(); c < kContributions; c += comm.size()) {
    for (size_t i = 0; i < n; ++i) {
      uint64_t q = moduli[i / kLimbLength];
      local[i] = uint64_t((uint128(local[i]) + wordAt(700, c, i) % q) % q);
    }
  }
  comm.allReduce(local.data(), local.data(), n,
                 Reduction::modularSum(moduli, kLimbLength));
  return hashWords(local);
}

uint64_t referenceSumHash() {
  size_t n = kLimbs * kLimbLength;
  std::vector<uint64_t> sum(n);
  for (size_t i = 0; i < n; ++i) {
    uint64_t q = testModuli()[i / kLimbLength];
    uint128 s = 0;
    for (int c = 0; c < kContributions; ++c) {
      s += wordAt(700, c, i);
    }
    sum[i] = uint64_t(s % q);
  }
  return hashWords(sum);
}

void checkGatherStats(Communicator &comm) {
  CommStatsSnapshot mine = comm.stats().snapshot();
  std::vector<CommStatsSnapshot> all = gatherStats(comm);
  ASSERT_EQ(all.size(), size_t(comm.size()));
  for (int r = 0; r < comm.size(); ++r) {
    EXPECT_EQ(all[size_t(r)].rank, r);
  }
  const CommStatsSnapshot &echo = all[size_t(comm.rank())];
  for (size_t k = 0; k < kNumCollectiveKinds; ++k) {
    EXPECT_EQ(echo.kinds[k].count, mine.kinds[k].count);
    EXPECT_EQ(echo.kinds[k].bytesSent, mine.kinds[k].bytesSent);
    EXPECT_EQ(echo.kinds[k].bytesReceived, mine.kinds[k].bytesReceived);
    EXPECT_EQ(echo.kinds[k].waitSeconds, mine.kinds[k].waitSeconds);
  }
  EXPECT_EQ(echo.memoryHighWater, mine.memoryHighWater);
  std::string json = statsToJson(all, backendName(comm.backend()));
  EXPECT_NE(json.find("\"memory_high_water_bytes\""), std::string::npos);
  std::string text = formatStatsText(all, backendName(comm.backend()));
  EXPECT_NE(text.find("total"), std::string::npos) << text;
  // The snapshots predate the all-gather that carried them; the live
  // counters include it.
  EXPECT_EQ(comm.stats().of(CollectiveKind::AllGather).count,
            mine.of(CollectiveKind::AllGather).count + 1);
}

void checkEverything(Communicator &comm) {
  checkAllGather(comm);
  checkAllGatherBytes(comm);
  checkReduceScatter(comm);
  checkAllReduce(comm);
  checkBroadcast(comm);
  checkAllToAll(comm);
  checkSendRecv(comm);
  checkAsyncOverlap(comm);
  checkBarrierAndControlBytes(comm);
  EXPECT_EQ(distributedSumHash(comm), referenceSumHash());
  checkGatherStats(comm);
}

} // namespace aegis::comm::test
