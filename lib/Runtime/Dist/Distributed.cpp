//===- Distributed.cpp - CKKS operations on limb-partitioned data ---------===//

#include "aegis/Runtime/Dist/Distributed.h"

#include "Bounds.h"
#include "aegis/Runtime/Dist/PartitionedKeys.h"

#include "aegis/Runtime/CKKS/Encoder.h"
#include "aegis/Runtime/Math/Modular.h"
#include "aegis/Runtime/Support/Error.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <map>

namespace aegis {
namespace dist {

using ckks::Backend;
using ckks::Ciphertext;
using ckks::Context;
using ckks::ContextPtr;
using ckks::KeySwitchKey;
using ckks::LimbRange;
using ckks::ModuliSpan;
using ckks::RnsPoly;

//===----------------------------------------------------------------------===//
// LimbPartition
//===----------------------------------------------------------------------===//

LimbPartition::LimbPartition(std::vector<unsigned> bounds)
    : bounds_(std::move(bounds)) {
  bounds::check(bounds_, "limb");
}

LimbPartition LimbPartition::balanced(unsigned numLimbs, int numDevices) {
  return LimbPartition(bounds::balanced(numLimbs, numDevices, "limb"));
}

LimbPartition LimbPartition::digitAligned(const Context &context,
                                          unsigned level, int numDevices) {
  require(level <= context.maxLevel(), "level ", level,
          " exceeds the maximum level ", context.maxLevel());
  LimbPartition digits = balanced(context.numDigits(level), numDevices);
  std::vector<unsigned> bounds{0};
  for (int d = 0; d < numDevices; ++d) {
    unsigned endDigit = digits.range(d).end;
    bounds.push_back(endDigit == 0 ? 0 : context.digitEnd(endDigit - 1, level));
  }
  return LimbPartition(std::move(bounds));
}

void LimbPartition::throwBadDevice(int device) const {
  fail("device ", device, " is outside the limb partition of ", numDevices(),
       " device(s)");
}

int LimbPartition::owner(unsigned limb) const {
  require(limb < numLimbs(), "limb ", limb, " is outside the partition of ",
          numLimbs(), " limbs");
  return bounds::owner(bounds_, limb);
}

LimbPartition LimbPartition::truncated(unsigned numLimbs) const {
  std::vector<unsigned> bounds = bounds_;
  for (unsigned &b : bounds) {
    b = std::min(b, numLimbs);
  }
  return LimbPartition(std::move(bounds));
}

std::vector<size_t> LimbPartition::wordCounts(size_t degree) const {
  std::vector<size_t> counts;
  for (int d = 0; d < numDevices(); ++d) {
    counts.push_back(size_t(range(d).size()) * degree);
  }
  return counts;
}

bool LimbPartition::isDigitAligned(const Context &context,
                                   unsigned level) const {
  if (numLimbs() != level + 1) {
    return false;
  }
  for (int d = 0; d < numDevices(); ++d) {
    unsigned b = bounds_[d];
    if (b <= level && b % context.digitSize() != 0) {
      return false;
    }
  }
  return true;
}

//===----------------------------------------------------------------------===//
// DistributedCiphertext
//===----------------------------------------------------------------------===//

DistributedCiphertext::DistributedCiphertext(ContextPtr context,
                                             LimbPartition partition, int rank,
                                             unsigned size, unsigned level,
                                             double scale, size_t slots)
    : context_(std::move(context)), partition_(std::move(partition)),
      rank_(rank), size_(size), level_(level), scale_(scale), slots_(slots) {
  require(context_ != nullptr, "a distributed ciphertext needs a context");
  require(size == 2 || size == 3, "a ciphertext has 2 or 3 polynomials, not ",
          size);
  require(partition_.numLimbs() == level + 1, "the partition covers ",
          partition_.numLimbs(), " limbs but level ", level, " has ",
          level + 1);
  require(rank >= 0 && rank < partition_.numDevices(), "rank ", rank,
          " is outside the partition of ", partition_.numDevices(), " devices");
  for (unsigned i = 0; i < size; ++i) {
    polys_[i] = RnsPoly(context_->backend(), range().size());
  }
}

ModuliSpan DistributedCiphertext::moduli() const {
  LimbRange r = range();
  return context_->chainIndices(level_).slice(r.begin, r.size());
}

ckks::LimbView DistributedCiphertext::limbs() {
  return ckks::makeLimbView<uint64_t>(
      level_, range(), size_, [&](unsigned i) { return polys_[i].data(); });
}

ckks::ConstLimbView DistributedCiphertext::limbs() const {
  return ckks::makeLimbView<const uint64_t>(
      level_, range(), size_, [&](unsigned i) { return polys_[i].data(); });
}

void DistributedCiphertext::shrinkToSize(unsigned size) {
  for (unsigned i = size; i < size_; ++i) {
    polys_[i] = RnsPoly();
  }
  size_ = size;
}

void DistributedCiphertext::dropToLevel(unsigned level, double newScale) {
  require(level <= level_, "cannot drop a ciphertext from level ", level_,
          " up to level ", level);
  partition_ = partition_.truncated(level + 1);
  level_ = level;
  for (unsigned i = 0; i < size_; ++i) {
    polys_[i].truncateLimbs(range().size());
  }
  scale_ = newScale;
}

DistributedCiphertext scatter(const Ciphertext &ct,
                              const LimbPartition &partition, int rank) {
  require(!ct.empty(), "cannot scatter an empty ciphertext");
  DistributedCiphertext r(ct.context(), partition, rank, ct.size(), ct.level(),
                          ct.scale(), ct.slots());
  LimbRange range = r.range();
  size_t n = ct.context()->degree();
  for (unsigned i = 0; i < ct.size(); ++i) {
    if (range.size() > 0) {
      ct.context()->backend().copy(r.poly(i), ct[i].limb(range.begin),
                                   range.size() * n);
    }
  }
  return r;
}

Ciphertext gather(const DistributedCiphertext &ct, comm::Communicator &comm) {
  require(ct.partition().numDevices() == comm.size(), "the partition has ",
          ct.partition().numDevices(), " devices but the communicator ",
          comm.size(), " ranks");
  Ciphertext full(ct.context(), ct.size(), ct.level(), ct.scale(), ct.slots());
  std::vector<size_t> counts =
      ct.partition().wordCounts(ct.context()->degree());
  for (unsigned i = 0; i < ct.size(); ++i) {
    comm.allGatherV(ct.poly(i), full[i].data(), counts);
  }
  return full;
}

namespace {
/// Words of one polynomial device `rank` sends to (receives from) each rank
/// when a ciphertext changes from `source` to `target`.
void repartitionCounts(const LimbPartition &source,
                       const LimbPartition &target, int rank, size_t n,
                       std::vector<size_t> &sendCounts,
                       std::vector<size_t> &recvCounts) {
  auto overlap = [](LimbRange a, LimbRange b) -> size_t {
    unsigned lo = std::max(a.begin, b.begin), hi = std::min(a.end, b.end);
    return lo < hi ? hi - lo : 0;
  };
  // Old range r meets new ranges 0..P-1 in increasing order, so the slices
  // sent are consecutive pieces of the local data; likewise received.
  sendCounts.clear();
  recvCounts.clear();
  for (int p = 0; p < source.numDevices(); ++p) {
    sendCounts.push_back(overlap(source.range(rank), target.range(p)) * n);
    recvCounts.push_back(overlap(source.range(p), target.range(rank)) * n);
  }
}

std::vector<const DistributedCiphertext *>
pointersTo(const std::vector<DistributedCiphertext> &values) {
  std::vector<const DistributedCiphertext *> r;
  r.reserve(values.size());
  for (const DistributedCiphertext &v : values) {
    r.push_back(&v);
  }
  return r;
}

void checkRepartition(const LimbPartition &source, const LimbPartition &target,
                      const comm::Communicator &comm) {
  require(source.numDevices() == comm.size() &&
              target.numDevices() == comm.size(),
          "repartition: the partitions have ", source.numDevices(), " and ",
          target.numDevices(), " devices but the communicator ", comm.size(),
          " ranks");
  require(source.numLimbs() == target.numLimbs(),
          "repartition: ", source.numLimbs(), " limbs cannot become ",
          target.numLimbs());
}
} // namespace

DistributedCiphertext repartition(const DistributedCiphertext &ct,
                                  const LimbPartition &target,
                                  comm::Communicator &comm) {
  checkRepartition(ct.partition(), target, comm);
  std::vector<size_t> sendCounts, recvCounts;
  repartitionCounts(ct.partition(), target, comm.rank(),
                    ct.context()->degree(), sendCounts, recvCounts);
  DistributedCiphertext r(ct.context(), target, comm.rank(), ct.size(),
                          ct.level(), ct.scale(), ct.slots());
  for (unsigned i = 0; i < ct.size(); ++i) {
    comm.allToAllV(ct.poly(i), sendCounts, r.poly(i), recvCounts);
  }
  return r;
}

DistributedCiphertext repartitionPoly(const DistributedCiphertext &ct,
                                      unsigned poly,
                                      const LimbPartition &target,
                                      comm::Communicator &comm) {
  checkRepartition(ct.partition(), target, comm);
  require(poly < ct.size(), "repartitionPoly: polynomial ", poly, " of a ",
          ct.size(), "-polynomial ciphertext");
  std::vector<size_t> sendCounts, recvCounts;
  repartitionCounts(ct.partition(), target, comm.rank(),
                    ct.context()->degree(), sendCounts, recvCounts);
  DistributedCiphertext r(ct.context(), target, comm.rank(), ct.size(),
                          ct.level(), ct.scale(), ct.slots());
  comm.allToAllV(ct.poly(poly), sendCounts, r.poly(poly), recvCounts);
  return r;
}

DistributedCiphertext scatterFromRoot(const ContextPtr &context,
                                      const Ciphertext &ct,
                                      const LimbPartition &partition, int root,
                                      comm::Communicator &comm) {
  const int rank = comm.rank();
  require(partition.numDevices() == comm.size(), "scatterFromRoot: the "
          "partition has ", partition.numDevices(),
          " devices but the communicator ", comm.size(), " ranks");
  require(root >= 0 && root < comm.size(), "scatterFromRoot: root ", root,
          " is not a rank of ", comm.size());
  // Metadata from the root: size, level, scale (bits), slots.
  uint64_t header[4] = {0, 0, 0, 0};
  if (rank == root) {
    require(!ct.empty() && ct.context() == context,
            "scatterFromRoot: the root's ciphertext is empty or belongs to "
            "another context");
    double scale = ct.scale();
    header[0] = ct.size();
    header[1] = ct.level();
    std::memcpy(&header[2], &scale, sizeof(scale));
    header[3] = ct.slots();
  }
  comm.broadcastBytes(header, sizeof(header), root);
  double scale = 0;
  std::memcpy(&scale, &header[2], sizeof(scale));
  const unsigned size = unsigned(header[0]), level = unsigned(header[1]);
  require(partition.numLimbs() == level + 1, "scatterFromRoot: the partition "
          "covers ", partition.numLimbs(), " limbs but level ", level, " has ",
          level + 1);
  DistributedCiphertext r(context, partition, rank, size, level, scale,
                          size_t(header[3]));
  const size_t n = context->degree();
  std::vector<size_t> sendCounts(comm.size(), 0), recvCounts(comm.size(), 0);
  if (rank == root) {
    sendCounts = partition.wordCounts(n);
  }
  recvCounts[root] = size_t(r.numLocalLimbs()) * n;
  uint64_t sendDummy = 0, recvDummy = 0; // for empty sides
  for (unsigned i = 0; i < size; ++i) {
    uint64_t *recv = r.numLocalLimbs() > 0 ? r.poly(i) : &recvDummy;
    comm.allToAllV(rank == root ? ct[i].data() : &sendDummy, sendCounts, recv,
                   recvCounts);
  }
  return r;
}

Ciphertext gatherToRoot(const DistributedCiphertext &ct, int root,
                        comm::Communicator &comm) {
  require(ct.partition().numDevices() == comm.size(), "gatherToRoot: the "
          "partition has ", ct.partition().numDevices(),
          " devices but the communicator ", comm.size(), " ranks");
  require(root >= 0 && root < comm.size(), "gatherToRoot: root ", root,
          " is not a rank of ", comm.size());
  const int rank = comm.rank();
  const size_t n = ct.context()->degree();
  std::vector<size_t> sendCounts(comm.size(), 0), recvCounts(comm.size(), 0);
  sendCounts[root] = size_t(ct.numLocalLimbs()) * n;
  if (rank == root) {
    recvCounts = ct.partition().wordCounts(n);
  }
  Ciphertext full;
  if (rank == root) {
    full = Ciphertext(ct.context(), ct.size(), ct.level(), ct.scale(),
                      ct.slots());
  }
  uint64_t sendDummy = 0, recvDummy = 0; // for empty sides
  for (unsigned i = 0; i < ct.size(); ++i) {
    const uint64_t *send = ct.numLocalLimbs() > 0 ? ct.poly(i) : &sendDummy;
    comm.allToAllV(send, sendCounts,
                   rank == root ? full[i].data() : &recvDummy, recvCounts);
  }
  return full;
}

//===----------------------------------------------------------------------===//
// DistributedEvaluator: local operations
//===----------------------------------------------------------------------===//

DistributedEvaluator::DistributedEvaluator(ContextPtr context,
                                           comm::Communicator &comm)
    : context_(std::move(context)), comm_(comm), local_(context_) {}

void DistributedEvaluator::checkOperand(const DistributedCiphertext &a,
                                        const char *what) const {
  require(a.context() == context_, what,
          " belongs to another context than the evaluator");
  require(a.partition().numDevices() == comm_.size(), what, " is split over ",
          a.partition().numDevices(), " devices but the communicator has ",
          comm_.size(), " ranks");
  require(a.rank() == comm_.rank(), what, " is the share of rank ", a.rank(),
          " but this is rank ", comm_.rank());
}

void DistributedEvaluator::checkPair(const DistributedCiphertext &a,
                                     const DistributedCiphertext &b) const {
  checkOperand(a, "first operand");
  checkOperand(b, "second operand");
  require(a.level() == b.level(), "operand levels differ: ", a.level(), " and ",
          b.level());
  require(a.partition() == b.partition(),
          "operands are partitioned differently");
  require(a.slots() == b.slots(), "operand slot counts differ: ", a.slots(),
          " and ", b.slots());
}

void DistributedEvaluator::checkPlain(const DistributedCiphertext &a,
                                      const ckks::Plaintext &plain) const {
  checkOperand(a, "ciphertext operand");
  require(!plain.empty() && plain.context() == context_,
          "plaintext operand is empty or belongs to another context");
  local_.checkSameLevel(a.level(), plain.level());
  local_.checkSameSlots(a.slots(), plain.slots());
}

void DistributedEvaluator::addInPlace(DistributedCiphertext &a,
                                      const DistributedCiphertext &b) const {
  checkPair(a, b);
  local_.checkSameScale(a.scale(), b.scale());
  require(a.size() >= b.size(), "add: the first operand has ", a.size(),
          " polynomials, fewer than the second's ", b.size());
  local_.addLimbs(a.limbs(), b.limbs());
}

void DistributedEvaluator::subInPlace(DistributedCiphertext &a,
                                      const DistributedCiphertext &b) const {
  checkPair(a, b);
  local_.checkSameScale(a.scale(), b.scale());
  require(a.size() >= b.size(), "sub: the first operand has ", a.size(),
          " polynomials, fewer than the second's ", b.size());
  local_.subLimbs(a.limbs(), b.limbs());
}

void DistributedEvaluator::negateInPlace(DistributedCiphertext &a) const {
  checkOperand(a, "operand");
  local_.negateLimbs(a.limbs());
}

void DistributedEvaluator::multiplyPlainInPlace(
    DistributedCiphertext &a, const ckks::Plaintext &plain) const {
  checkPlain(a, plain);
  local_.multiplyPlainLimbs(a.limbs(), plain.poly().limb(a.range().begin));
  a.setScale(a.scale() * plain.scale());
}

void DistributedEvaluator::addPlainInPlace(DistributedCiphertext &a,
                                           const ckks::Plaintext &plain) const {
  checkPlain(a, plain);
  local_.checkSameScale(a.scale(), plain.scale());
  local_.addPlainLimbs(a.limbs(), plain.poly().limb(a.range().begin));
}

void DistributedEvaluator::subPlainInPlace(DistributedCiphertext &a,
                                           const ckks::Plaintext &plain) const {
  checkPlain(a, plain);
  local_.checkSameScale(a.scale(), plain.scale());
  local_.subPlainLimbs(a.limbs(), plain.poly().limb(a.range().begin));
}

void DistributedEvaluator::addConstantInPlace(DistributedCiphertext &a,
                                              std::complex<double> c) const {
  checkOperand(a, "operand");
  local_.addConstantLimbs(a.limbs(), c * a.scale());
}

void DistributedEvaluator::multiplyConstantInPlace(DistributedCiphertext &a,
                                                   std::complex<double> c,
                                                   double constantScale) const {
  checkOperand(a, "operand");
  require(std::isfinite(constantScale) && constantScale > 0,
          "constant scale ", constantScale,
          " is not a positive finite number");
  local_.multiplyConstantLimbs(a.limbs(), c * constantScale);
  a.setScale(a.scale() * constantScale);
}

void DistributedEvaluator::multiplyIntegerInPlace(DistributedCiphertext &a,
                                                  int64_t k) const {
  checkOperand(a, "operand");
  local_.multiplyIntegerLimbs(a.limbs(), k);
}

void DistributedEvaluator::dropToLevelInPlace(DistributedCiphertext &a,
                                              unsigned level) const {
  checkOperand(a, "operand");
  a.dropToLevel(level, a.scale());
}

DistributedCiphertext
DistributedEvaluator::multiply(const DistributedCiphertext &a,
                               const DistributedCiphertext &b) const {
  checkPair(a, b);
  require(a.size() == 2 && b.size() == 2,
          "multiply expects relinearized operands (2 polynomials), found ",
          a.size(), " and ", b.size());
  DistributedCiphertext r(context_, a.partition(), a.rank(), 3, a.level(),
                          a.scale() * b.scale(), a.slots());
  local_.multiplyLimbs(r.limbs(), a.limbs(), b.limbs());
  return r;
}

DistributedCiphertext
DistributedEvaluator::square(const DistributedCiphertext &a) const {
  checkOperand(a, "operand");
  require(a.size() == 2, "square expects a relinearized operand, found ",
          a.size(), " polynomials");
  DistributedCiphertext r(context_, a.partition(), a.rank(), 3, a.level(),
                          a.scale() * a.scale(), a.slots());
  local_.squareLimbs(r.limbs(), a.limbs());
  return r;
}

void DistributedEvaluator::rescaleInPlace(DistributedCiphertext &a) const {
  checkOperand(a, "operand");
  const unsigned level = a.level();
  require(level >= 1, "cannot rescale a ciphertext at level 0");
  const Context &ctx = *context_;
  const int root = a.partition().owner(level);
  // The top limb of every polynomial, coefficient form, from its owner; then
  // every device rounds its own limbs below it.
  RnsPoly last(ctx.backend(), a.size());
  if (comm_.rank() == root) {
    local_.rescaleTopLimbs(a.limbs(), last.data());
  }
  comm_.broadcast(last.data(), size_t(a.size()) * ctx.degree(), root);
  local_.rescaleLimbs(a.limbs(), last.data());
  a.dropToLevel(level - 1, a.scale() / double(ctx.modulus(level).value));
}

//===----------------------------------------------------------------------===//
// Key switching
//===----------------------------------------------------------------------===//

comm::Request DistributedEvaluator::startGatherCoefficients(
    const DistributedCiphertext &a, unsigned poly, RnsPoly &full) const {
  const Context &ctx = *context_;
  const size_t n = ctx.degree();
  full = RnsPoly(ctx.backend(), a.level() + 1);
  LimbRange r = a.range();
  uint64_t *own = full.data() + size_t(r.begin) * n;
  if (r.size() > 0) {
    ctx.backend().copy(own, a.poly(poly), r.size() * n);
    ctx.backend().inverseNtt(own, a.moduli());
  }
  // In place: the own slice of `full` is the send buffer.
  return comm_.startAllGatherV(own, full.data(), a.partition().wordCounts(n));
}

RnsPoly DistributedEvaluator::gatherCoefficients(const DistributedCiphertext &a,
                                                 unsigned poly) const {
  RnsPoly full;
  comm::Request request = startGatherCoefficients(a, poly, full);
  comm_.wait(request);
  return full;
}

std::vector<RnsPoly>
DistributedEvaluator::modUpLocal(const DistributedCiphertext &a,
                                 const RnsPoly &coefficients) const {
  const Context &ctx = *context_;
  const unsigned level = a.level();
  const unsigned own = a.numLocalLimbs();
  const unsigned k = ctx.numSpecial();
  std::vector<RnsPoly> digits;
  if (own == 0) {
    return digits;
  }
  LimbRange special{level + 1, level + 1 + k};
  for (unsigned j = 0; j < ctx.numDigits(level); ++j) {
    RnsPoly digit(ctx.backend(), own + k);
    const uint64_t *source = coefficients.limb(ctx.digitBegin(j));
    keySwitcher().modUpDigit(level, j, source, nullptr, a.range(), digit.data());
    keySwitcher().modUpDigit(level, j, source, nullptr, special,
                            digit.limb(own));
    digits.push_back(std::move(digit));
  }
  return digits;
}

void DistributedEvaluator::innerLocal(const DistributedCiphertext &a,
                                      const std::vector<RnsPoly> &digits,
                                      const detail::KeySource &key,
                                      const uint32_t *permutation,
                                      RnsPoly &acc0, RnsPoly &acc1,
                                      bool accumulate) const {
  const unsigned level = a.level();
  const unsigned own = a.numLocalLimbs();
  const unsigned k = context_->numSpecial();
  if (own == 0) {
    return;
  }
  std::vector<const uint64_t *> chainParts, specialParts;
  for (const RnsPoly &d : digits) {
    chainParts.push_back(d.data());
    specialParts.push_back(d.limb(own));
  }
  innerProduct(level, key, 0,
                            Span<const uint64_t *const>(chainParts), a.range(),
                            acc0.data(), acc1.data(), permutation, accumulate);
  innerProduct(level, key, 0,
                            Span<const uint64_t *const>(specialParts),
                            LimbRange{level + 1, level + 1 + k}, acc0.limb(own),
                            acc1.limb(own), permutation, accumulate);
}

void DistributedEvaluator::modDownLocal(const DistributedCiphertext &a,
                                        RnsPoly &acc0, RnsPoly &acc1,
                                        uint64_t *out0, uint64_t *out1) const {
  const unsigned own = a.numLocalLimbs();
  if (own == 0) {
    return;
  }
  keySwitcher().modDownSpecialToCoefficients(acc0.limb(own));
  keySwitcher().modDownSpecialToCoefficients(acc1.limb(own));
  keySwitcher().modDownChain(a.level(), acc0.limb(own), acc0.data(), a.range(),
                            out0);
  keySwitcher().modDownChain(a.level(), acc1.limb(own), acc1.data(), a.range(),
                            out1);
}

void DistributedEvaluator::applyLocal(const DistributedCiphertext &a,
                                      const std::vector<RnsPoly> &digits,
                                      const detail::KeySource &key,
                                      const uint32_t *permutation,
                                      uint64_t *out0, uint64_t *out1) const {
  const unsigned own = a.numLocalLimbs();
  const unsigned k = context_->numSpecial();
  if (own == 0) {
    return;
  }
  RnsPoly acc0(context_->backend(), own + k),
      acc1(context_->backend(), own + k);
  innerLocal(a, digits, key, permutation, acc0, acc1, false);
  modDownLocal(a, acc0, acc1, out0, out1);
}

std::vector<RnsPoly>
DistributedEvaluator::modUpOwnDigits(const DistributedCiphertext &a,
                                     unsigned poly) const {
  const Context &ctx = *context_;
  Backend &backend = ctx.backend();
  const unsigned level = a.level();
  const size_t n = ctx.degree();
  require(a.partition().isDigitAligned(ctx, level),
          "output aggregation needs a digit-aligned partition (digits of ",
          ctx.digitSize(), " limbs)");
  const LimbRange r = a.range();
  const LimbRange all = keySwitcher().extendedRange(level);
  std::vector<RnsPoly> digits;
  if (r.size() == 0) {
    return digits;
  }
  RnsPoly coefficients(backend, r.size());
  backend.copy(coefficients.data(), a.poly(poly), r.size() * n);
  backend.inverseNtt(coefficients.data(), a.moduli());
  for (unsigned j = r.begin / ctx.digitSize();
       j < ctx.numDigits(level) && ctx.digitBegin(j) < r.end; ++j) {
    RnsPoly digit(backend, all.size());
    unsigned offset = ctx.digitBegin(j) - r.begin;
    keySwitcher().modUpDigit(level, j, coefficients.limb(offset),
                            a.poly(poly) + size_t(offset) * n, all,
                            digit.data());
    digits.push_back(std::move(digit));
  }
  return digits;
}

void DistributedEvaluator::innerAggregate(const DistributedCiphertext &a,
                                          const std::vector<RnsPoly> &digits,
                                          const detail::KeySource &key,
                                          const uint32_t *permutation,
                                          RnsPoly &acc0, RnsPoly &acc1,
                                          bool accumulate) const {
  Backend &backend = context_->backend();
  const LimbRange r = a.range();
  if (r.size() == 0) {
    if (!accumulate) {
      backend.fillZero(acc0.data(), acc0.numWords());
      backend.fillZero(acc1.data(), acc1.numWords());
    }
    return;
  }
  std::vector<const uint64_t *> pointers;
  for (const RnsPoly &d : digits) {
    pointers.push_back(d.data());
  }
  innerProduct(a.level(), key, r.begin / context_->digitSize(),
                            Span<const uint64_t *const>(pointers),
                            keySwitcher().extendedRange(a.level()), acc0.data(),
                            acc1.data(), permutation, accumulate);
}

void DistributedEvaluator::partialAggregate(const DistributedCiphertext &a,
                                            unsigned poly,
                                            const detail::KeySource &key,
                                            const uint32_t *permutation,
                                            RnsPoly &acc0, RnsPoly &acc1,
                                            bool accumulate) const {
  innerAggregate(a, modUpOwnDigits(a, poly), key, permutation, acc0, acc1,
                 accumulate);
}

void DistributedEvaluator::reduceModDown(const DistributedCiphertext &a,
                                         RnsPoly &acc0, RnsPoly &acc1,
                                         uint64_t *out0, uint64_t *out1) const {
  const Context &ctx = *context_;
  Backend &backend = ctx.backend();
  const unsigned level = a.level();
  const size_t n = ctx.degree();
  const unsigned k = ctx.numSpecial();
  const LimbPartition &partition = a.partition();
  const LimbRange r = a.range();
  // Reduce-scatter of the chain limbs of both accumulators: slice p holds
  // acc0 then acc1 on device p's limbs.
  // The buffers live in backend memory (device memory for a GPU backend).
  RnsPoly send(backend, size_t(2) * (level + 1));
  std::vector<uint64_t> chainModuli;
  size_t filled = 0;
  for (int p = 0; p < partition.numDevices(); ++p) {
    LimbRange rp = partition.range(p);
    for (const RnsPoly *acc : {&acc0, &acc1}) {
      if (rp.size() > 0) {
        backend.copy(send.limb(filled), acc->limb(rp.begin), rp.size() * n);
      }
      filled += rp.size();
      for (unsigned i = rp.begin; i < rp.end; ++i) {
        chainModuli.push_back(ctx.modulus(i).value);
      }
    }
  }
  std::vector<size_t> counts = partition.wordCounts(n);
  for (size_t &c : counts) {
    c *= 2;
  }
  RnsPoly chain(backend, size_t(2) * r.size());
  comm::Reduction chainSum = comm::Reduction::modularSum(chainModuli, n);
  comm::Request scatterRequest =
      comm_.startReduceScatterV(send.data(), chain.data(), counts, chainSum);
  // All-reduce of the special limbs of both accumulators.
  RnsPoly special(backend, size_t(2) * k);
  backend.copy(special.data(), acc0.limb(level + 1), size_t(k) * n);
  backend.copy(special.limb(k), acc1.limb(level + 1), size_t(k) * n);
  std::vector<uint64_t> specialModuli;
  for (unsigned copy = 0; copy < 2; ++copy) {
    for (unsigned i = 0; i < k; ++i) {
      specialModuli.push_back(ctx.modulus(ctx.specialIndex(i)).value);
    }
  }
  comm::Reduction specialSum = comm::Reduction::modularSum(specialModuli, n);
  comm::Request reduceRequest = comm_.startAllReduce(
      special.data(), special.data(), special.numWords(), specialSum);
  comm_.wait(scatterRequest);
  comm_.wait(reduceRequest);
  if (r.size() == 0) {
    return;
  }
  keySwitcher().modDownSpecialToCoefficients(special.data());
  keySwitcher().modDownSpecialToCoefficients(special.limb(k));
  keySwitcher().modDownChain(level, special.data(), chain.data(), r, out0);
  keySwitcher().modDownChain(level, special.limb(k), chain.limb(r.size()), r,
                            out1);
}

void DistributedEvaluator::keySwitchAggregate(
    const DistributedCiphertext &a, unsigned poly, const detail::KeySource &key,
    const uint32_t *permutation, uint64_t *out0, uint64_t *out1) const {
  Backend &backend = context_->backend();
  const unsigned all = keySwitcher().extendedRange(a.level()).size();
  RnsPoly acc0(backend, all), acc1(backend, all);
  partialAggregate(a, poly, key, permutation, acc0, acc1, false);
  reduceModDown(a, acc0, acc1, out0, out1);
}

void DistributedEvaluator::keySwitch(const DistributedCiphertext &a,
                                     unsigned poly, const detail::KeySource &key,
                                     const uint32_t *permutation,
                                     KeySwitchAlgorithm algorithm,
                                     uint64_t *out0, uint64_t *out1) const {
  if (algorithm == KeySwitchAlgorithm::OutputAggregation) {
    keySwitchAggregate(a, poly, key, permutation, out0, out1);
    return;
  }
  RnsPoly coefficients = gatherCoefficients(a, poly);
  std::vector<RnsPoly> digits = modUpLocal(a, coefficients);
  applyLocal(a, digits, key, permutation, out0, out1);
}

void DistributedEvaluator::relinearizeWith(
    DistributedCiphertext &a, const detail::KeySource &key,
    const ContextPtr &keyContext, KeySwitchAlgorithm algorithm) const {
  checkOperand(a, "operand");
  require(a.size() == 3, "relinearize expects 3 polynomials, found ", a.size());
  require(keyContext == context_,
          "relinearization key belongs to another context");
  Backend &backend = context_->backend();
  RnsPoly u0(backend, a.numLocalLimbs()), u1(backend, a.numLocalLimbs());
  keySwitch(a, 2, key, nullptr, algorithm, u0.data(), u1.data());
  local_.addKeySwitchedLimbs(a.limbs(), u0.data(), u1.data());
  a.shrinkToSize(2);
}

DistributedCiphertext
DistributedEvaluator::finishGalois(const DistributedCiphertext &a,
                                   const uint32_t *permutation, RnsPoly &out0,
                                   RnsPoly &out1) const {
  Backend &backend = context_->backend();
  DistributedCiphertext r(context_, a.partition(), a.rank(), 2, a.level(),
                          a.scale(), a.slots());
  if (a.numLocalLimbs() > 0) {
    // out0 += permuted a[0], permuting into r's first polynomial, which
    // then takes the sum.
    local_.addPermutedLimbs(out0.data(), a.poly(0), permutation, a.level(),
                            a.range(), r.poly(0));
    backend.copy(r.poly(0), out0.data(), out0.numWords());
    backend.copy(r.poly(1), out1.data(), out1.numWords());
  }
  return r;
}

DistributedCiphertext
DistributedEvaluator::rotate(const DistributedCiphertext &a, long steps,
                             const ckks::GaloisKeys &keys,
                             KeySwitchAlgorithm algorithm) const {
  return applyGalois(a, context_->galoisElementForRotation(steps), keys,
                     algorithm);
}

DistributedCiphertext
DistributedEvaluator::conjugate(const DistributedCiphertext &a,
                                const ckks::GaloisKeys &keys,
                                KeySwitchAlgorithm algorithm) const {
  return applyGalois(a, context_->conjugationElement(), keys, algorithm);
}

DistributedCiphertext
DistributedEvaluator::applyGaloisWith(const DistributedCiphertext &a,
                                      uint64_t g,
                                      const detail::GaloisSource &keys,
                                      KeySwitchAlgorithm algorithm) const {
  checkOperand(a, "operand");
  context_->checkGaloisElement(g);
  if (g == 1) {
    return a;
  }
  require(a.size() == 2,
          "automorphisms expect a relinearized ciphertext, "
          "found ",
          a.size(), " polynomials");
  require(keys.context() == context_, "Galois keys belong to another context");
  const detail::KeySource key = keys.at(g);
  const uint32_t *permutation = context_->galoisPermutation(g).data();
  Backend &backend = context_->backend();
  RnsPoly u0(backend, a.numLocalLimbs()), u1(backend, a.numLocalLimbs());
  keySwitch(a, 1, key, permutation, algorithm, u0.data(), u1.data());
  return finishGalois(a, permutation, u0, u1);
}

std::vector<DistributedCiphertext> DistributedEvaluator::rotateHoistedWith(
    const DistributedCiphertext &a, const std::vector<long> &steps,
    const detail::GaloisSource &keys, KeySwitchAlgorithm algorithm) const {
  checkOperand(a, "operand");
  require(a.size() == 2,
          "hoisted rotations expect a relinearized "
          "ciphertext, found ",
          a.size(), " polynomials");
  require(keys.context() == context_, "Galois keys belong to another context");
  bool anyKeySwitch = false;
  for (long step : steps) {
    uint64_t g = context_->galoisElementForRotation(step);
    if (g != 1) {
      (void)keys.at(g);
      anyKeySwitch = true;
    }
  }
  std::vector<DistributedCiphertext> results;
  if (!anyKeySwitch) {
    results.assign(steps.size(), a);
    return results;
  }
  const bool aggregate = algorithm == KeySwitchAlgorithm::OutputAggregation;
  // One ModUp for every rotation: of the own digits over the whole extended
  // basis (aggregation) or, after one gather, of every digit over the own and
  // special limbs (broadcast).
  std::vector<RnsPoly> digits = aggregate
                                    ? modUpOwnDigits(a, 1)
                                    : modUpLocal(a, gatherCoefficients(a, 1));
  const unsigned all = keySwitcher().extendedRange(a.level()).size();
  Backend &backend = context_->backend();
  for (long step : steps) {
    uint64_t g = context_->galoisElementForRotation(step);
    if (g == 1) {
      results.push_back(a);
      continue;
    }
    const uint32_t *permutation = context_->galoisPermutation(g).data();
    RnsPoly u0(backend, a.numLocalLimbs()), u1(backend, a.numLocalLimbs());
    if (aggregate) {
      RnsPoly acc0(backend, all), acc1(backend, all);
      innerAggregate(a, digits, keys.at(g), permutation, acc0, acc1, false);
      reduceModDown(a, acc0, acc1, u0.data(), u1.data());
    } else {
      applyLocal(a, digits, keys.at(g), permutation, u0.data(), u1.data());
    }
    results.push_back(finishGalois(a, permutation, u0, u1));
  }
  return results;
}

DistributedCiphertext DistributedEvaluator::rotateAndSumWith(
    const std::vector<const DistributedCiphertext *> &inputs,
    const std::vector<long> &steps, const detail::GaloisSource &keys,
    KeySwitchAlgorithm algorithm) const {
  require(!inputs.empty() && inputs.size() == steps.size(),
          "rotateAndSum needs one step per input and at least one input, got ",
          inputs.size(), " inputs and ", steps.size(), " steps");
  const DistributedCiphertext &first = *inputs[0];
  for (const DistributedCiphertext *a : inputs) {
    checkPair(first, *a);
    local_.checkSameScale(first.scale(), a->scale());
    require(a->size() == 2,
            "automorphisms expect a relinearized ciphertext, "
            "found ",
            a->size(), " polynomials");
  }
  require(keys.context() == context_, "Galois keys belong to another context");
  bool aggregate = algorithm == KeySwitchAlgorithm::OutputAggregation;
  std::vector<uint64_t> elements;
  bool anyKeySwitch = false;
  for (long step : steps) {
    elements.push_back(context_->galoisElementForRotation(step));
    if (elements.back() != 1) {
      (void)keys.at(elements.back());
      anyKeySwitch = true;
    }
  }
  // Output aggregation ModUps whole digits: off a digit-aligned partition,
  // each distinct rotated input's c1 moves to one (c0 stays).
  std::map<const DistributedCiphertext *, DistributedCiphertext> moved;
  if (aggregate &&
      !first.partition().isDigitAligned(*context_, first.level())) {
    LimbPartition digits = LimbPartition::digitAligned(
        *context_, first.level(), first.partition().numDevices());
    for (size_t i = 0; i < inputs.size(); ++i) {
      if (elements[i] != 1 && !moved.count(inputs[i])) {
        moved.emplace(inputs[i],
                      repartitionPoly(*inputs[i], 1, digits, comm_));
      }
    }
  }
  Backend &backend = context_->backend();
  const unsigned own = first.numLocalLimbs();
  const unsigned k = context_->numSpecial();
  const unsigned all = keySwitcher().extendedRange(first.level()).size();
  DistributedCiphertext r(context_, first.partition(), first.rank(), 2,
                          first.level(), first.scale(), first.slots());
  if (own > 0) {
    backend.fillZero(r.poly(0), size_t(own) * context_->degree());
    backend.fillZero(r.poly(1), size_t(own) * context_->degree());
  }
  RnsPoly acc0(backend, aggregate ? all : own + k);
  RnsPoly acc1(backend, aggregate ? all : own + k);
  RnsPoly permuted(backend, own);
  // Input broadcast: every gather is started at once; each is waited for
  // just before its ModUp.
  std::vector<RnsPoly> gathered(inputs.size());
  std::vector<comm::Request> requests(inputs.size());
  if (!aggregate) {
    for (size_t i = 0; i < inputs.size(); ++i) {
      if (elements[i] != 1) {
        requests[i] = startGatherCoefficients(*inputs[i], 1, gathered[i]);
      }
    }
  }
  bool accumulate = false;
  for (size_t i = 0; i < inputs.size(); ++i) {
    const DistributedCiphertext &a = *inputs[i];
    if (elements[i] == 1) {
      local_.addLimbs(r.limbs(), a.limbs());
      continue;
    }
    const uint32_t *permutation =
        context_->galoisPermutation(elements[i]).data();
    const detail::KeySource key = keys.at(elements[i]);
    if (aggregate) {
      auto m = moved.find(&a);
      partialAggregate(m == moved.end() ? a : m->second, 1, key, permutation,
                       acc0, acc1, accumulate);
    } else {
      comm_.wait(requests[i]);
      innerLocal(a, modUpLocal(a, gathered[i]), key, permutation, acc0, acc1,
                 accumulate);
      gathered[i] = RnsPoly();
    }
    accumulate = true;
    local_.addPermutedLimbs(r.poly(0), a.poly(0), permutation, a.level(),
                            a.range(), permuted.data());
  }
  if (!anyKeySwitch) {
    return r;
  }
  RnsPoly u0(backend, own), u1(backend, own);
  if (aggregate) {
    // Reduce-scattered onto the inputs' partition: the ModDown of a chain
    // limb needs only that limb's sum and the all-reduced special limbs.
    reduceModDown(first, acc0, acc1, u0.data(), u1.data());
  } else {
    modDownLocal(first, acc0, acc1, u0.data(), u1.data());
  }
  local_.addKeySwitchedLimbs(r.limbs(), u0.data(), u1.data());
  return r;
}

//===----------------------------------------------------------------------===//
// Key sources: full keys or this device's rows
//===----------------------------------------------------------------------===//

namespace detail {
const ContextPtr &GaloisSource::context() const {
  return full ? full->context() : part->context();
}

KeySource GaloisSource::at(uint64_t galoisElement) const {
  if (full) {
    return {&full->at(galoisElement), nullptr};
  }
  return {nullptr, &part->at(galoisElement)};
}
} // namespace detail

// KeySwitcher::innerProduct's loop (the same backend calls on the same
// digit groups), with the key rows read from a partitioned key when given.
void DistributedEvaluator::innerProduct(
    unsigned level, const detail::KeySource &key, unsigned firstDigit,
    Span<const uint64_t *const> digits, LimbRange range, uint64_t *out0,
    uint64_t *out1, const uint32_t *permutation, bool accumulate) const {
  if (key.full) {
    keySwitcher().innerProduct(level, *key.full, firstDigit, digits, range,
                              out0, out1, permutation, accumulate);
    return;
  }
  constexpr size_t kDigitsPerCall = 32; // as KeySwitch.cpp
  const Context &ctx = *context_;
  const PartitionedKey &part = *key.part;
  const size_t n = ctx.degree();
  require(part.context() == context_,
          "key-switching key belongs to another context");
  require(firstDigit + digits.size() <= part.numDigits() &&
              firstDigit + digits.size() <= ctx.numDigits(level),
          "inner product over digits [", firstDigit, ", ",
          firstDigit + digits.size(), ") at level ", level, ": the key has ",
          part.numDigits(), " digits and the level uses ",
          ctx.numDigits(level));
  const unsigned chainLimbs = level + 1;
  require(range.end <= chainLimbs + ctx.numSpecial(),
          "inner product range exceeds the extended basis");
  ModuliSpan extended = ctx.extendedIndices(level);
  unsigned split = std::clamp(chainLimbs, range.begin, range.end);
  std::vector<const uint64_t *> ds, bs, as;
  for (auto [from, to] : {std::pair<unsigned, unsigned>{range.begin, split},
                          std::pair<unsigned, unsigned>{split, range.end}}) {
    if (from >= to) {
      continue;
    }
    size_t offset = size_t(from - range.begin) * n;
    uint32_t modulus = ctx.extendedModulus(level, from);
    for (size_t start = 0; start < digits.size(); start += kDigitsPerCall) {
      size_t count = std::min(kDigitsPerCall, digits.size() - start);
      ds.clear();
      bs.clear();
      as.clear();
      for (size_t j = start; j < start + count; ++j) {
        unsigned d = firstDigit + unsigned(j);
        ds.push_back(digits[j] + offset);
        bs.push_back(part.b(d, modulus, to - from));
        as.push_back(part.a(d, modulus, to - from));
      }
      ctx.backend().keyInnerProduct(
          out0 + offset, out1 + offset, Span<const uint64_t *const>(ds),
          Span<const uint64_t *const>(bs), Span<const uint64_t *const>(as),
          extended.slice(from, to - from), permutation,
          accumulate || start > 0);
    }
  }
}

void DistributedEvaluator::relinearizeInPlace(
    DistributedCiphertext &a, const ckks::RelinKey &key,
    KeySwitchAlgorithm algorithm) const {
  relinearizeWith(a, {&key.key(), nullptr}, key.context(), algorithm);
}

void DistributedEvaluator::relinearizeInPlace(
    DistributedCiphertext &a, const PartitionedKey &key,
    KeySwitchAlgorithm algorithm) const {
  relinearizeWith(a, {nullptr, &key}, key.context(), algorithm);
}

DistributedCiphertext
DistributedEvaluator::applyGalois(const DistributedCiphertext &a, uint64_t g,
                                  const ckks::GaloisKeys &keys,
                                  KeySwitchAlgorithm algorithm) const {
  return applyGaloisWith(a, g, {&keys, nullptr}, algorithm);
}

DistributedCiphertext
DistributedEvaluator::applyGalois(const DistributedCiphertext &a, uint64_t g,
                                  const PartitionedGaloisKeys &keys,
                                  KeySwitchAlgorithm algorithm) const {
  return applyGaloisWith(a, g, {nullptr, &keys}, algorithm);
}

DistributedCiphertext
DistributedEvaluator::rotate(const DistributedCiphertext &a, long steps,
                             const PartitionedGaloisKeys &keys,
                             KeySwitchAlgorithm algorithm) const {
  return applyGalois(a, context_->galoisElementForRotation(steps), keys,
                     algorithm);
}

DistributedCiphertext
DistributedEvaluator::conjugate(const DistributedCiphertext &a,
                                const PartitionedGaloisKeys &keys,
                                KeySwitchAlgorithm algorithm) const {
  return applyGalois(a, context_->conjugationElement(), keys, algorithm);
}

std::vector<DistributedCiphertext> DistributedEvaluator::rotateHoisted(
    const DistributedCiphertext &a, const std::vector<long> &steps,
    const ckks::GaloisKeys &keys, KeySwitchAlgorithm algorithm) const {
  return rotateHoistedWith(a, steps, {&keys, nullptr}, algorithm);
}

std::vector<DistributedCiphertext> DistributedEvaluator::rotateHoisted(
    const DistributedCiphertext &a, const std::vector<long> &steps,
    const PartitionedGaloisKeys &keys, KeySwitchAlgorithm algorithm) const {
  return rotateHoistedWith(a, steps, {nullptr, &keys}, algorithm);
}

DistributedCiphertext DistributedEvaluator::rotateAndSum(
    const std::vector<DistributedCiphertext> &inputs,
    const std::vector<long> &steps, const ckks::GaloisKeys &keys,
    KeySwitchAlgorithm algorithm) const {
  return rotateAndSumWith(pointersTo(inputs), steps, {&keys, nullptr},
                          algorithm);
}

DistributedCiphertext DistributedEvaluator::rotateAndSum(
    const std::vector<const DistributedCiphertext *> &inputs,
    const std::vector<long> &steps, const ckks::GaloisKeys &keys,
    KeySwitchAlgorithm algorithm) const {
  return rotateAndSumWith(inputs, steps, {&keys, nullptr}, algorithm);
}

DistributedCiphertext DistributedEvaluator::rotateAndSum(
    const std::vector<DistributedCiphertext> &inputs,
    const std::vector<long> &steps, const PartitionedGaloisKeys &keys,
    KeySwitchAlgorithm algorithm) const {
  return rotateAndSumWith(pointersTo(inputs), steps, {nullptr, &keys},
                          algorithm);
}

DistributedCiphertext DistributedEvaluator::rotateAndSum(
    const std::vector<const DistributedCiphertext *> &inputs,
    const std::vector<long> &steps, const PartitionedGaloisKeys &keys,
    KeySwitchAlgorithm algorithm) const {
  return rotateAndSumWith(inputs, steps, {nullptr, &keys}, algorithm);
}

} // namespace dist
} // namespace aegis
