//===- PartitionedKeys.cpp - Key-switching keys split by rows -------------===//

#include "aegis/Runtime/Dist/PartitionedKeys.h"

#include "aegis/Runtime/CKKS/Sampling.h"
#include "aegis/Runtime/Support/Error.h"

#include <algorithm>

namespace aegis {
namespace dist {

using ckks::Backend;
using ckks::Context;
using ckks::KeySwitchKey;
using ckks::LimbRange;
using ckks::ModuliSpan;
using ckks::RnsPoly;

LimbPartition canonicalPartition(const Context &context, unsigned level,
                                 int numDevices, KeySwitchAlgorithm algorithm) {
  return algorithm == KeySwitchAlgorithm::InputBroadcast
             ? LimbPartition::balanced(level + 1, numDevices)
             : LimbPartition::digitAligned(context, level, numDevices);
}

//===----------------------------------------------------------------------===//
// KeyRows
//===----------------------------------------------------------------------===//

KeyRows::KeyRows(const Context &context)
    : numModuli_(context.maxLevel() + 1 + context.numSpecial()),
      rows_(context.numDigits(context.maxLevel()),
            std::vector<bool>(numModuli_, false)) {}

KeyRows KeyRows::all(const Context &context) {
  KeyRows r(context);
  for (auto &digit : r.rows_) {
    digit.assign(r.numModuli_, true);
  }
  return r;
}

KeyRows KeyRows::needed(const Context &context, const LimbPartition &partition,
                        int rank, KeySwitchAlgorithm algorithm) {
  require(partition.numLimbs() >= 1 &&
              partition.numLimbs() <= context.maxLevel() + 1,
          "a key-switching partition covers 1 to ", context.maxLevel() + 1,
          " limbs, not ", partition.numLimbs());
  require(rank >= 0 && rank < partition.numDevices(), "rank ", rank,
          " is outside the partition of ", partition.numDevices(), " devices");
  KeyRows r(context);
  const unsigned level = partition.numLimbs() - 1;
  const LimbRange own = partition.range(rank);
  if (own.size() == 0) {
    return r;
  }
  const unsigned k = context.numSpecial();
  auto addSpecial = [&](unsigned j) {
    for (unsigned i = 0; i < k; ++i) {
      r.insert(j, context.specialIndex(i));
    }
  };
  if (algorithm == KeySwitchAlgorithm::InputBroadcast) {
    for (unsigned j = 0; j < context.numDigits(level); ++j) {
      for (unsigned m = own.begin; m < own.end; ++m) {
        r.insert(j, m);
      }
      addSpecial(j);
    }
    return r;
  }
  require(partition.isDigitAligned(context, level),
          "output aggregation needs a digit-aligned partition (digits of ",
          context.digitSize(), " limbs)");
  for (unsigned j = own.begin / context.digitSize();
       j < context.numDigits(level) && context.digitBegin(j) < own.end; ++j) {
    for (unsigned m = 0; m <= level; ++m) {
      r.insert(j, m);
    }
    addSpecial(j);
  }
  return r;
}

KeyRows KeyRows::forPlan(const Context &context, int numDevices, int rank,
                         KeySwitchAlgorithm algorithm, unsigned maxLevel) {
  require(maxLevel <= context.maxLevel(), "level ", maxLevel,
          " exceeds the maximum level ", context.maxLevel());
  KeyRows r(context);
  for (unsigned level = 0; level <= maxLevel; ++level) {
    r.merge(needed(context,
                   canonicalPartition(context, level, numDevices, algorithm),
                   rank, algorithm));
  }
  return r;
}

KeyRows KeyRows::upToLevel(const Context &context, unsigned level) const {
  const unsigned top = context.maxLevel();
  KeyRows held(context);
  for (unsigned j = 0; j < context.numDigits(level); ++j)
    for (uint32_t mod : moduli(j))
      if (mod <= level || mod > top)
        held.insert(j, mod);
  return held;
}

void KeyRows::merge(const KeyRows &other) {
  require(other.numModuli_ == numModuli_ && other.rows_.size() == rows_.size(),
          "key row sets of different key shapes");
  for (size_t j = 0; j < rows_.size(); ++j) {
    for (unsigned m = 0; m < numModuli_; ++m) {
      if (other.rows_[j][m]) {
        rows_[j][m] = true;
      }
    }
  }
}

size_t KeyRows::count(unsigned digit) const {
  return size_t(std::count(rows_[digit].begin(), rows_[digit].end(), true));
}

size_t KeyRows::count() const {
  size_t total = 0;
  for (unsigned j = 0; j < numDigits(); ++j) {
    total += count(j);
  }
  return total;
}

std::vector<uint32_t> KeyRows::moduli(unsigned digit) const {
  std::vector<uint32_t> r;
  for (unsigned m = 0; m < numModuli_; ++m) {
    if (rows_[digit][m]) {
      r.push_back(m);
    }
  }
  return r;
}

//===----------------------------------------------------------------------===//
// PartitionedKey
//===----------------------------------------------------------------------===//

PartitionedKey::PartitionedKey(ckks::ContextPtr context, Seed seed,
                               uint64_t galoisElement, KeyRows rows,
                               std::vector<RnsPoly> b, std::vector<RnsPoly> a)
    : context_(std::move(context)), seed_(seed), galoisElement_(galoisElement),
      rows_(std::move(rows)), b_(std::move(b)), a_(std::move(a)) {
  require(context_ != nullptr, "a partitioned key needs a context");
  const Context &ctx = *context_;
  require(rows_.numDigits() == ctx.numDigits(ctx.maxLevel()) &&
              rows_.numModuli() == ctx.maxLevel() + 1 + ctx.numSpecial(),
          "partitioned key rows do not match the context's key shape");
  require(b_.size() == rows_.numDigits() && a_.size() == rows_.numDigits(),
          "a partitioned key needs b and a for each of its ",
          rows_.numDigits(), " digits");
  for (unsigned j = 0; j < rows_.numDigits(); ++j) {
    require(b_[j].numLimbs() == rows_.count(j) &&
                a_[j].numLimbs() == rows_.count(j),
            "partitioned key digit ", j, " holds ", b_[j].numLimbs(), " and ",
            a_[j].numLimbs(), " rows, expected ", rows_.count(j));
    std::vector<int> slots(rows_.numModuli(), -1);
    int next = 0;
    for (unsigned m = 0; m < rows_.numModuli(); ++m) {
      if (rows_.contains(j, m)) {
        slots[m] = next++;
      }
    }
    slots_.push_back(std::move(slots));
  }
}

unsigned PartitionedKey::slot(unsigned digit, unsigned modulus,
                              unsigned count) const {
  require(!empty(), "the partitioned key is empty");
  require(digit < numDigits() && count > 0 &&
              modulus + count <= rows_.numModuli(),
          "key rows [", modulus, ", ", modulus + count, ") of digit ", digit,
          " are outside the key");
  const std::vector<int> &s = slots_[digit];
  int first = s[modulus], last = s[modulus + count - 1];
  // Rows held are stored in modulus order: the range is one block exactly
  // when both ends are held and count - 1 rows apart.
  require(first >= 0 && last >= 0 && unsigned(last - first) == count - 1,
          "this device's part of the key-switching key lacks rows [", modulus,
          ", ", modulus + count, ") of digit ", digit,
          " (partitioned for another partition or algorithm)");
  return unsigned(first);
}

const uint64_t *PartitionedKey::b(unsigned digit, unsigned modulus,
                                  unsigned count) const {
  return b_[digit].limb(slot(digit, modulus, count));
}

const uint64_t *PartitionedKey::a(unsigned digit, unsigned modulus,
                                  unsigned count) const {
  return a_[digit].limb(slot(digit, modulus, count));
}

uint64_t PartitionedKey::bytes() const {
  if (empty()) {
    return 0;
  }
  return uint64_t(2) * rows_.count() * context_->degree() * 8;
}

void PartitionedGaloisKeys::insert(PartitionedKey key) {
  require(key.context() == context_,
          "Galois key belongs to another context than its key set");
  require(key.galoisElement() != 0, "a Galois key set only takes Galois keys");
  uint64_t g = key.galoisElement();
  keys_[g] = std::move(key);
}

const PartitionedKey &PartitionedGaloisKeys::at(uint64_t galoisElement) const {
  auto it = keys_.find(galoisElement);
  if (it == keys_.end()) {
    fail("no Galois key for element ", galoisElement, " (",
         galoisElement == 2 * context_->degree() - 1 ? "conjugation"
                                                     : "a rotation",
         "): generate it with KeyGenerator::createGaloisKeys");
  }
  return it->second;
}

uint64_t PartitionedGaloisKeys::bytes() const {
  uint64_t total = 0;
  for (const auto &[g, key] : keys_) {
    total += key.bytes();
  }
  return total;
}

uint64_t keyBytes(const KeySwitchKey &key) { return key.memoryBytes(); }

uint64_t keyBytes(const ckks::GaloisKeys &keys) {
  uint64_t total = 0;
  for (const auto &[g, key] : keys.keys()) {
    total += keyBytes(key);
  }
  return total;
}

//===----------------------------------------------------------------------===//
// Slicing and direct generation
//===----------------------------------------------------------------------===//

namespace {
/// The rows `moduli` of `full` (every modulus), contiguous.
RnsPoly selectRows(Backend &backend, const RnsPoly &full,
                   const std::vector<uint32_t> &moduli, size_t n) {
  if (moduli.empty()) {
    return RnsPoly();
  }
  RnsPoly r(backend, moduli.size());
  for (size_t i = 0; i < moduli.size(); ++i) {
    backend.copy(r.limb(unsigned(i)), full.limb(moduli[i]), n);
  }
  return r;
}

void checkRows(const Context &context, const KeyRows &rows) {
  require(rows.numDigits() == context.numDigits(context.maxLevel()) &&
              rows.numModuli() == context.maxLevel() + 1 + context.numSpecial(),
          "key rows do not match the context's key shape");
}
} // namespace

PartitionedKey partitionKey(const KeySwitchKey &key, const KeyRows &rows) {
  require(!key.empty(), "cannot partition an empty key");
  const Context &ctx = *key.context();
  checkRows(ctx, rows);
  // A key limited to level m has the rows of digits < numDigits(m) over
  // q_0..q_m and the special primes: the requested rows beyond it are the
  // ones no key switch at levels <= m reads, and are left out.
  const unsigned top = ctx.maxLevel(), m = key.maxLevel();
  KeyRows held = rows.upToLevel(ctx, m);
  Backend &backend = ctx.backend();
  std::vector<RnsPoly> bs, as;
  for (unsigned j = 0; j < held.numDigits(); ++j) {
    std::vector<uint32_t> moduli = held.moduli(j);
    if (moduli.empty()) { // also every digit beyond the key's
      bs.emplace_back();
      as.emplace_back();
      continue;
    }
    std::vector<uint32_t> limbs;
    for (uint32_t mod : moduli)
      limbs.push_back(mod <= m ? mod : mod - (top + 1) + m + 1);
    bs.push_back(selectRows(backend, key.b(j), limbs, ctx.degree()));
    if (key.holdsUniform())
      as.push_back(selectRows(backend, key.a(j), limbs, ctx.degree()));
    else // a compact key: the rows from the seed
      as.push_back(regenerateKeyUniform(
          ctx, key.seed(), j, ModuliSpan(moduli.data(), moduli.size())));
  }
  return PartitionedKey(key.context(), key.seed(), key.galoisElement(),
                        std::move(held), std::move(bs), std::move(as));
}

PartitionedKey partitionKey(const KeySwitchKey &full,
                            const LimbPartition &partition, int rank,
                            KeySwitchAlgorithm algorithm) {
  require(!full.empty(), "cannot partition an empty key");
  return partitionKey(
      full, KeyRows::needed(*full.context(), partition, rank, algorithm));
}

PartitionedGaloisKeys partitionKeys(const ckks::GaloisKeys &full,
                                    const KeyRows &rows) {
  PartitionedGaloisKeys r(full.context());
  for (const auto &[g, key] : full.keys()) {
    r.insert(partitionKey(key, rows));
  }
  return r;
}

// Mirrors KeyGenerator::createKeySwitchKey (lib/Runtime/CKKS/Keys.cpp): the
// uniform part of digit j from regenerateKeyUniform (one stream per modulus),
// the errors from Prng(deriveSeed(seed, 1), 0) in digit order, then
// b_j = e_j - a_j * s + [P]_(q_i) * s' on the limbs of digit j. Every step is
// per limb, so computing it on the held limbs only gives the same words.
PartitionedKey generatePartitionedKey(const ckks::SecretKey &secret,
                                      const RnsPoly &newSecret,
                                      const Seed &keySeed,
                                      uint64_t galoisElement,
                                      const KeyRows &rows) {
  constexpr uint64_t kNoiseChild = 1; // Keys.cpp's child seed of the errors
  const ckks::ContextPtr &context = secret.context();
  require(context != nullptr, "generatePartitionedKey needs a secret key");
  const Context &ctx = *context;
  checkRows(ctx, rows);
  require(newSecret.numLimbs() == rows.numModuli(), "key-switching source "
          "secret has ", newSecret.numLimbs(), " limbs: expected ",
          rows.numModuli());
  Backend &backend = ctx.backend();
  const size_t n = ctx.degree();
  const unsigned top = ctx.maxLevel();
  Prng noise(deriveSeed(keySeed, kNoiseChild), 0);
  std::vector<int8_t> e(n);
  std::vector<RnsPoly> bs, as;
  for (unsigned j = 0; j < rows.numDigits(); ++j) {
    ckks::sampleGaussian(noise, e.data(), n); // drawn even when no row is held
    std::vector<uint32_t> moduli = rows.moduli(j);
    if (moduli.empty()) {
      bs.emplace_back();
      as.emplace_back();
      continue;
    }
    ModuliSpan span(moduli);
    RnsPoly a = ckks::regenerateKeyUniform(ctx, keySeed, j, span);
    RnsPoly b = ckks::smallToNtt(ctx, e.data(), span);
    RnsPoly s = selectRows(backend, secret.ntt(), moduli, n);
    RnsPoly scratch(backend, moduli.size());
    backend.multiply(scratch.data(), a.data(), s.data(), span);
    backend.sub(b.data(), b.data(), scratch.data(), span);
    // + [P]_(q_i) * s' on the held limbs of digit j.
    unsigned begin = ctx.digitBegin(j), end = ctx.digitEnd(j, top);
    for (size_t i = 0; i < moduli.size(); ++i) {
      uint32_t m = moduli[i];
      if (m < begin || m >= end) {
        continue;
      }
      ModuliSpan one(&moduli[i], 1);
      backend.multiplyScalar(scratch.limb(unsigned(i)), newSecret.limb(m),
                             ctx.specialProductModChain().data() + m, one);
      backend.add(b.limb(unsigned(i)), b.limb(unsigned(i)),
                  scratch.limb(unsigned(i)), one);
    }
    bs.push_back(std::move(b));
    as.push_back(std::move(a));
  }
  return PartitionedKey(context, keySeed, galoisElement, rows, std::move(bs),
                        std::move(as));
}

PartitionedKey generatePartitionedRelinKey(const ckks::SecretKey &secret,
                                           const Seed &keySeed,
                                           const KeyRows &rows) {
  return generatePartitionedKey(secret, ckks::keySwitchSource(secret, 0),
                                keySeed, 0, rows);
}

PartitionedKey generatePartitionedGaloisKey(const ckks::SecretKey &secret,
                                            uint64_t galoisElement,
                                            const Seed &keySeed,
                                            const KeyRows &rows) {
  return generatePartitionedKey(
      secret, ckks::keySwitchSource(secret, galoisElement), keySeed,
      galoisElement, rows);
}

} // namespace dist
} // namespace aegis
