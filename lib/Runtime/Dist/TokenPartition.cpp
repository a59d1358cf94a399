//===- TokenPartition.cpp - a tensor's ciphertexts split by token ---------===//

#include "aegis/Runtime/Dist/TokenPartition.h"

#include "Bounds.h"

#include "aegis/Runtime/Support/Error.h"

#include <algorithm>
#include <cmath>

namespace aegis {
namespace dist {

using ckks::Backend;
using ckks::Ciphertext;
using ckks::LimbRange;
using ckks::RnsPoly;

TokenPartition::TokenPartition(std::vector<unsigned> bounds)
    : bounds_(std::move(bounds)) {
  bounds::check(bounds_, "token");
}

TokenPartition TokenPartition::balanced(unsigned count, int numDevices) {
  return TokenPartition(bounds::balanced(count, numDevices, "token"));
}

int TokenPartition::owner(unsigned index) const {
  require(index < count(), "ciphertext ", index,
          " is outside the token partition of ", count());
  return bounds::owner(bounds_, index);
}

namespace {

void checkComm(int devices, const comm::Communicator &comm, const char *what) {
  require(devices == comm.size(), what, ": the partition has ", devices,
          " devices but the communicator ", comm.size(), " ranks");
}

void checkSameScale(double a, double b) {
  require(std::fabs(a - b) <= 1e-9 * std::max(std::fabs(a), std::fabs(b)),
          "the ciphertexts of a tensor have different scales: ", a, " and ",
          b);
}

/// A buffer of `words` words in backend memory (at least one limb, so that
/// empty shares still have an address).
RnsPoly buffer(Backend &backend, size_t words) {
  size_t n = backend.degree();
  return RnsPoly(backend, std::max<size_t>(1, (words + n - 1) / n));
}

} // namespace

TokenPartitionedTensor toTokenPartition(const std::vector<Ciphertext> &all,
                                        const TokenPartition &partition,
                                        int rank) {
  require(!all.empty(), "a token-partitioned tensor needs a ciphertext");
  require(partition.count() == all.size(), "the token partition covers ",
          partition.count(), " ciphertexts but the tensor has ", all.size());
  require(rank >= 0 && rank < partition.numDevices(), "rank ", rank,
          " is outside the token partition of ", partition.numDevices(),
          " devices");
  TokenPartitionedTensor t;
  t.context = all[0].context();
  t.partition = partition;
  t.rank = rank;
  t.size = all[0].size();
  t.level = all[0].level();
  t.scale = all[0].scale();
  t.slots = all[0].slots();
  for (const Ciphertext &ct : all) {
    require(!ct.empty() && ct.context() == t.context,
            "the ciphertexts of a tensor must share one context");
    require(ct.size() == t.size && ct.level() == t.level &&
                ct.slots() == t.slots,
            "the ciphertexts of a tensor must share size, level and slots");
    checkSameScale(ct.scale(), t.scale);
  }
  for (unsigned j = partition.begin(rank); j < partition.end(rank); ++j) {
    t.local.push_back(all[j]);
  }
  return t;
}

std::vector<Ciphertext> fromTokenPartition(const TokenPartitionedTensor &t,
                                           comm::Communicator &comm) {
  checkComm(t.partition.numDevices(), comm, "fromTokenPartition");
  const TokenPartition &part = t.partition;
  Backend &backend = t.context->backend();
  const size_t n = t.context->degree();
  const size_t perCt = size_t(t.size) * (t.level + 1) * n;
  std::vector<size_t> counts;
  for (int p = 0; p < part.numDevices(); ++p) {
    counts.push_back(part.size(p) * perCt);
  }
  // Layout: ciphertext j, polynomial i: one slab of (level + 1) * N words.
  RnsPoly send = buffer(backend, counts[comm.rank()]);
  for (size_t j = 0; j < t.local.size(); ++j) {
    for (unsigned i = 0; i < t.size; ++i) {
      backend.copy(send.data() + j * perCt + i * (t.level + 1) * n,
                   t.local[j][i].data(), (t.level + 1) * n);
    }
  }
  RnsPoly recv = buffer(backend, part.count() * perCt);
  comm.allGatherV(send.data(), recv.data(), counts);
  std::vector<Ciphertext> all;
  for (unsigned j = 0; j < part.count(); ++j) {
    Ciphertext ct(t.context, t.size, t.level, t.scale, t.slots);
    for (unsigned i = 0; i < t.size; ++i) {
      backend.copy(ct[i].data(), recv.data() + j * perCt + i * (t.level + 1) * n,
                   (t.level + 1) * n);
    }
    all.push_back(std::move(ct));
  }
  return all;
}

TokenPartitionedTensor
limbToToken(const std::vector<DistributedCiphertext> &shares,
            const TokenPartition &part, comm::Communicator &comm) {
  checkComm(part.numDevices(), comm, "limbToToken");
  require(!shares.empty(), "a token-partitioned tensor needs a ciphertext");
  require(part.count() == shares.size(), "the token partition covers ",
          part.count(), " ciphertexts but the tensor has ", shares.size());
  const DistributedCiphertext &first = shares[0];
  const LimbPartition &limbs = first.partition();
  checkComm(limbs.numDevices(), comm, "limbToToken");
  for (const DistributedCiphertext &s : shares) {
    require(s.context() == first.context() && s.partition() == limbs &&
                s.size() == first.size() && s.level() == first.level() &&
                s.slots() == first.slots() && s.rank() == comm.rank(),
            "the limb shares of a tensor must share context, partition, "
            "size, level, slots and rank");
    checkSameScale(s.scale(), first.scale());
  }
  const int rank = comm.rank();
  const int P = comm.size();
  const unsigned size = first.size();
  Backend &backend = first.context()->backend();
  const size_t n = first.context()->degree();
  const size_t own = size_t(limbs.range(rank).size()) * n;
  // To p: for each ciphertext of p's token range, each polynomial, my limbs.
  std::vector<size_t> sendCounts, recvCounts;
  for (int p = 0; p < P; ++p) {
    sendCounts.push_back(part.size(p) * size * own);
    recvCounts.push_back(part.size(rank) * size *
                         limbs.range(p).size() * n);
  }
  RnsPoly send = buffer(backend, part.count() * size * own);
  for (unsigned j = 0; j < part.count(); ++j) {
    for (unsigned i = 0; i < size; ++i) {
      if (own > 0) {
        backend.copy(send.data() + (size_t(j) * size + i) * own,
                     shares[j].poly(i), own);
      }
    }
  }
  size_t recvTotal = 0;
  for (size_t c : recvCounts) {
    recvTotal += c;
  }
  RnsPoly recv = buffer(backend, recvTotal);
  comm.allToAllV(send.data(), sendCounts, recv.data(), recvCounts);
  TokenPartitionedTensor t;
  t.context = first.context();
  t.partition = part;
  t.rank = rank;
  t.size = size;
  t.level = first.level();
  t.scale = first.scale();
  t.slots = first.slots();
  for (unsigned j = 0; j < part.size(rank); ++j) {
    t.local.emplace_back(t.context, size, t.level, t.scale, t.slots);
  }
  size_t offset = 0;
  for (int p = 0; p < P; ++p) {
    LimbRange r = limbs.range(p);
    size_t words = size_t(r.size()) * n;
    for (unsigned j = 0; j < part.size(rank); ++j) {
      for (unsigned i = 0; i < size; ++i) {
        if (words > 0) {
          backend.copy(t.local[j][i].limb(r.begin), recv.data() + offset,
                       words);
        }
        offset += words;
      }
    }
  }
  return t;
}

std::vector<DistributedCiphertext>
tokenToLimb(const TokenPartitionedTensor &t, const LimbPartition &limbs,
            comm::Communicator &comm) {
  checkComm(t.partition.numDevices(), comm, "tokenToLimb");
  checkComm(limbs.numDevices(), comm, "tokenToLimb");
  require(limbs.numLimbs() == t.level + 1, "the limb partition covers ",
          limbs.numLimbs(), " limbs but level ", t.level, " has ",
          t.level + 1);
  require(t.rank == comm.rank(), "the tensor is the share of rank ", t.rank,
          " but this is rank ", comm.rank());
  const TokenPartition &part = t.partition;
  const int rank = comm.rank();
  const int P = comm.size();
  Backend &backend = t.context->backend();
  const size_t n = t.context->degree();
  const size_t own = size_t(limbs.range(rank).size()) * n;
  // To p: for each of my ciphertexts, each polynomial, p's limbs.
  std::vector<size_t> sendCounts, recvCounts;
  size_t sendTotal = 0;
  for (int p = 0; p < P; ++p) {
    sendCounts.push_back(part.size(rank) * t.size * limbs.range(p).size() * n);
    recvCounts.push_back(part.size(p) * t.size * own);
    sendTotal += sendCounts.back();
  }
  RnsPoly send = buffer(backend, sendTotal);
  size_t offset = 0;
  for (int p = 0; p < P; ++p) {
    LimbRange r = limbs.range(p);
    size_t words = size_t(r.size()) * n;
    for (size_t j = 0; j < t.local.size(); ++j) {
      for (unsigned i = 0; i < t.size; ++i) {
        if (words > 0) {
          backend.copy(send.data() + offset, t.local[j][i].limb(r.begin),
                       words);
        }
        offset += words;
      }
    }
  }
  RnsPoly recv = buffer(backend, part.count() * t.size * own);
  comm.allToAllV(send.data(), sendCounts, recv.data(), recvCounts);
  std::vector<DistributedCiphertext> shares;
  for (unsigned j = 0; j < part.count(); ++j) {
    DistributedCiphertext d(t.context, limbs, rank, t.size, t.level, t.scale,
                            t.slots);
    for (unsigned i = 0; i < t.size; ++i) {
      if (own > 0) {
        backend.copy(d.poly(i), recv.data() + (size_t(j) * t.size + i) * own,
                     own);
      }
    }
    shares.push_back(std::move(d));
  }
  return shares;
}

} // namespace dist
} // namespace aegis
