//===- RotationKeys.h - Choosing rotation keys under a budget ---*- C++ -*-===//
//
// Plain C++, no MLIR. A program rotates ciphertexts of S slots by a set of
// offsets R, each `uses` times. Generating a Galois key for every offset in R
// costs |R| keys (hundreds for a BERT layer, each tens of MiB to GiB); with a
// smaller set K every rotation by r becomes a composition of rotations by keys
// of K whose offsets sum to r modulo S, one key switch each.
//
// planRotationKeys chooses K under a budget and a shortest composition for
// every offset:
// 1. |R| <= budget: K = R, nothing changes.
// 2. Otherwise K starts from the powers of two below S (any offset is the sum
//    of its binary digits), keeping only those that some offset's shortest
//    composition uses.
// 3. Then, while the budget allows, the offset of R whose compositions cost
//    the most extra key switches (uses x (length - 1)) becomes a key itself
//    (BSGS baby and giant steps are the usual winners), and the shortest
//    compositions are recomputed (breadth-first search over Z_S with K as
//    generators).
//
// The compositions form one shortest-path tree rooted at 0: the composition
// of r is that of its parent plus one key, so rotations of one input by
// several offsets share their prefixes.
//
//===----------------------------------------------------------------------===//

#ifndef AEGIS_SUPPORT_ROTATIONKEYS_H
#define AEGIS_SUPPORT_ROTATIONKEYS_H

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace aegis {

/// Bytes of one key-switching key (a Galois or the relinearization key)
/// valid up to `level` (default: the top, chainPrimes - 1): the digits of
/// alpha = ceil(chainPrimes / dnum) primes that meet q_0..q_level, each two
/// polynomials over q_0..q_level and the special primes, one 64-bit word per
/// coefficient and prime (the runtime's KeySwitchKey).
inline double keySwitchKeyBytes(unsigned logN, size_t chainPrimes,
                                size_t specialPrimes, unsigned dnum,
                                size_t level = ~size_t(0)) {
  if (chainPrimes == 0 || dnum == 0)
    return 0;
  size_t limbs = std::min(level, chainPrimes - 1) + 1;
  size_t alpha = (chainPrimes + dnum - 1) / dnum;
  size_t digits = (limbs + alpha - 1) / alpha;
  return double(digits) * 2 * double(limbs + specialPrimes) *
         double(int64_t(1) << logN) * 8;
}

struct RotationKeyPlan {
  int64_t slots = 0;
  /// The chosen keys, as offsets in [0, slots), sorted.
  std::vector<int64_t> keys;
  /// Per offset in [0, slots): the previous offset on its composition's path
  /// from 0 (-1: unreachable, or 0 itself), and the number of key switches.
  std::vector<int32_t> parent;
  std::vector<int32_t> length;
  /// Key switches of the program before and after (sum of uses x length).
  int64_t rotationsBefore = 0;
  int64_t rotationsAfter = 0;

  bool isKey(int64_t offset) const;
  /// The offsets along the path from 0 to `offset` (in [0, slots)), first
  /// step first, `offset` last; empty for 0.
  std::vector<int64_t> path(int64_t offset) const;
};

/// `uses`: offset in [0, slots) -> number of rotations by it (offset 0 is
/// ignored). `maxKeys` 0: no limit. On failure returns false with `error`.
bool planRotationKeys(int64_t slots, const std::map<int64_t, int64_t> &uses,
                      size_t maxKeys, RotationKeyPlan &plan,
                      std::string &error);

} // namespace aegis

#endif // AEGIS_SUPPORT_ROTATIONKEYS_H
