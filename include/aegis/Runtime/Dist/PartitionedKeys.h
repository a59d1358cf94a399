//===- PartitionedKeys.h - Key-switching keys split by rows -----*- C++ -*-===//
//
// Part of the runtime: no MLIR or LLVM. A key-switching key holds, for each
// digit j, the polynomials b_j and a_j over every modulus (q_0..q_L and
// p_0..p_(K-1)): rows (j, m). A distributed key switch reads on device d only
// some of them (docs/Distributed.md, "Keys"):
//
// - input broadcast at level l, d holding chain limbs [b, e) (non-empty):
//   rows (j, m) for every digit j < numDigits(l) and m in [b, e) or a special
//   prime (the K special limbs are computed redundantly on every device);
// - output aggregation at level l, d holding digits [j0, j1): rows (j, m) for
//   j in [j0, j1) and m in 0..l or a special prime;
// - a device without limbs reads nothing.
//
// `KeyRows` is such a set; `PartitionedKey` holds one device's rows of one
// key (built by slicing a full key, or generated directly from the key's
// seed without the full key ever existing), and DistributedEvaluator's
// overloads taking partitioned keys give the same bits as with the full key.
//
//===----------------------------------------------------------------------===//

#ifndef AEGIS_RUNTIME_DIST_PARTITIONEDKEYS_H
#define AEGIS_RUNTIME_DIST_PARTITIONEDKEYS_H

#include "aegis/Runtime/Dist/Distributed.h"

#include <map>
#include <vector>

namespace aegis {
namespace dist {

/// The partition every ciphertext at `level` has under the default plan:
/// balanced(level + 1, P) for input broadcast, digitAligned(context, level,
/// P) for output aggregation.
LimbPartition canonicalPartition(const ckks::Context &context, unsigned level,
                                 int numDevices, KeySwitchAlgorithm algorithm);

/// A set of rows (digit, modulus index) of a key-switching key of a context:
/// digits 0..numDigits(maxLevel) - 1, moduli 0..maxLevel + K.
class KeyRows {
public:
  KeyRows() = default;
  /// No rows.
  explicit KeyRows(const ckks::Context &context);
  /// Every row (the full key).
  static KeyRows all(const ckks::Context &context);
  /// The rows device `rank` reads when key-switching a ciphertext at level
  /// partition.numLimbs() - 1 partitioned by `partition` with `algorithm`.
  static KeyRows needed(const ckks::Context &context,
                        const LimbPartition &partition, int rank,
                        KeySwitchAlgorithm algorithm);
  /// The union of needed() over the canonical partitions of levels
  /// 0..maxLevel (every level a ciphertext of the plan may key-switch at).
  static KeyRows forPlan(const ckks::Context &context, int numDevices,
                         int rank, KeySwitchAlgorithm algorithm,
                         unsigned maxLevel);

  unsigned numDigits() const { return unsigned(rows_.size()); }
  unsigned numModuli() const { return numModuli_; }
  bool contains(unsigned digit, unsigned modulus) const {
    return rows_[digit][modulus];
  }
  void insert(unsigned digit, unsigned modulus) {
    rows_[digit][modulus] = true;
  }
  /// Adds every row of `other` (same context shape).
  void merge(const KeyRows &other);
  /// The rows a key limited to `level` has among these: digits that meet
  /// q_0..q_level, moduli q_0..q_level and the special primes (the rows no
  /// key switch at levels <= `level` reads are left out).
  KeyRows upToLevel(const ckks::Context &context, unsigned level) const;
  /// Rows held in digit j, and in all.
  size_t count(unsigned digit) const;
  size_t count() const;
  /// The modulus indices held in digit j, increasing.
  std::vector<uint32_t> moduli(unsigned digit) const;

private:
  unsigned numModuli_ = 0;
  std::vector<std::vector<bool>> rows_;
};

/// One device's rows of a key-switching key. The rows of each digit are
/// stored in increasing modulus order, contiguously (b and a apart), so that
/// a range of moduli held entirely is one contiguous block.
class PartitionedKey {
public:
  PartitionedKey() = default;
  /// b[j] / a[j]: rows.count(j) limbs, the rows of digit j in modulus order.
  PartitionedKey(ckks::ContextPtr context, Seed seed, uint64_t galoisElement,
                 KeyRows rows, std::vector<ckks::RnsPoly> b,
                 std::vector<ckks::RnsPoly> a);

  const ckks::ContextPtr &context() const { return context_; }
  bool empty() const { return context_ == nullptr; }
  const Seed &seed() const { return seed_; }
  uint64_t galoisElement() const { return galoisElement_; }
  const KeyRows &rows() const { return rows_; }
  /// Digits of the full key (numDigits(maxLevel)), held or not.
  unsigned numDigits() const { return rows_.numDigits(); }
  /// Rows [modulus, modulus + count) of digit j (count consecutive limbs);
  /// throws aegis::Error unless every one of them is held.
  const uint64_t *b(unsigned digit, unsigned modulus, unsigned count) const;
  const uint64_t *a(unsigned digit, unsigned modulus, unsigned count) const;
  /// Bytes of the rows held (b and a).
  uint64_t bytes() const;

private:
  unsigned slot(unsigned digit, unsigned modulus, unsigned count) const;

  ckks::ContextPtr context_;
  Seed seed_{};
  uint64_t galoisElement_ = 0;
  KeyRows rows_;
  /// Per digit: the position of each modulus' row, or -1.
  std::vector<std::vector<int>> slots_;
  std::vector<ckks::RnsPoly> b_, a_;
};

/// One device's Galois keys.
class PartitionedGaloisKeys {
public:
  PartitionedGaloisKeys() = default;
  explicit PartitionedGaloisKeys(ckks::ContextPtr context)
      : context_(std::move(context)) {}

  const ckks::ContextPtr &context() const { return context_; }
  void insert(PartitionedKey key);
  bool contains(uint64_t galoisElement) const {
    return keys_.count(galoisElement) != 0;
  }
  /// Throws aegis::Error naming the element when the key is missing.
  const PartitionedKey &at(uint64_t galoisElement) const;
  const std::map<uint64_t, PartitionedKey> &keys() const { return keys_; }
  uint64_t bytes() const;

private:
  ckks::ContextPtr context_;
  std::map<uint64_t, PartitionedKey> keys_;
};

/// Bytes a key holds (b, and a unless dropped: KeySwitchKey::memoryBytes)
/// and a key set.
uint64_t keyBytes(const ckks::KeySwitchKey &key);
uint64_t keyBytes(const ckks::GaloisKeys &keys);

/// The rows `rows` of a full key (copied).
PartitionedKey partitionKey(const ckks::KeySwitchKey &full,
                            const KeyRows &rows);
/// The rows device `rank` reads under `partition` with `algorithm`.
PartitionedKey partitionKey(const ckks::KeySwitchKey &full,
                            const LimbPartition &partition, int rank,
                            KeySwitchAlgorithm algorithm);
PartitionedGaloisKeys partitionKeys(const ckks::GaloisKeys &full,
                                    const KeyRows &rows);

/// Generates the rows `rows` of the key-switching key from `newSecret` to
/// `secret` that KeyGenerator::createKeySwitchKey draws from `keySeed` (the
/// key's seed, KeySwitchKey::seed()), without building the full key: the
/// uniform part of each row is regenerated from its own stream, the error of
/// digit j is sampled after those of digits 0..j-1 (N small integers each)
/// and moved to NTT form only on the held moduli. `newSecret` is read on the
/// held moduli only (s^2 for relinearization, s(X^g) for a Galois key: see
/// the helpers below). Same bits as partitionKey of the full key.
PartitionedKey generatePartitionedKey(const ckks::SecretKey &secret,
                                      const ckks::RnsPoly &newSecret,
                                      const Seed &keySeed,
                                      uint64_t galoisElement,
                                      const KeyRows &rows);
/// The relinearization key's rows (s' = s^2).
PartitionedKey generatePartitionedRelinKey(const ckks::SecretKey &secret,
                                           const Seed &keySeed,
                                           const KeyRows &rows);
/// The rows of the Galois key for element g (s' = s(X^g)).
PartitionedKey generatePartitionedGaloisKey(const ckks::SecretKey &secret,
                                            uint64_t galoisElement,
                                            const Seed &keySeed,
                                            const KeyRows &rows);

} // namespace dist
} // namespace aegis

#endif // AEGIS_RUNTIME_DIST_PARTITIONEDKEYS_H
