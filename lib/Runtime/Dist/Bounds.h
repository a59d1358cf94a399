//===- Bounds.h - contiguous ranges per device ------------------*- C++ -*-===//
//
// The bounds 0 = b_0 <= b_1 <= ... <= b_P behind LimbPartition (chain limbs)
// and TokenPartition (ciphertexts of a tensor): device d holds
// [b_d, b_(d+1)). Internal to AegisDist.
//
//===----------------------------------------------------------------------===//

#ifndef AEGIS_LIB_RUNTIME_DIST_BOUNDS_H
#define AEGIS_LIB_RUNTIME_DIST_BOUNDS_H

#include "aegis/Runtime/Support/Error.h"

#include <vector>

namespace aegis {
namespace dist {
namespace bounds {

/// Throws unless `b` is 0 = b_0 <= ... <= b_P with P >= 1; `what` names the
/// partition ("limb", "token").
inline void check(const std::vector<unsigned> &b, const char *what) {
  require(b.size() >= 2 && b[0] == 0, "a ", what,
          " partition needs bounds 0 = b_0 <= ... <= b_P for P >= 1");
  for (size_t i = 1; i < b.size(); ++i)
    require(b[i - 1] <= b[i], what, " partition bounds decrease at ", i, ": ",
            b[i - 1], " > ", b[i]);
}

/// `count` items over `numDevices`, the first count mod P devices one more.
inline std::vector<unsigned> balanced(unsigned count, int numDevices,
                                      const char *what) {
  require(numDevices >= 1, "a ", what,
          " partition needs at least one device, got ", numDevices);
  std::vector<unsigned> b{0};
  unsigned base = count / unsigned(numDevices);
  unsigned extra = count % unsigned(numDevices);
  for (int d = 0; d < numDevices; ++d)
    b.push_back(b.back() + base + (unsigned(d) < extra ? 1 : 0));
  return b;
}

/// The device holding `index` (< b_P).
inline int owner(const std::vector<unsigned> &b, unsigned index) {
  int d = 0;
  while (index >= b[d + 1])
    ++d;
  return d;
}

} // namespace bounds
} // namespace dist
} // namespace aegis

#endif // AEGIS_LIB_RUNTIME_DIST_BOUNDS_H
