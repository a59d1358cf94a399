//===- Rotation.h - Cyclic rotation offsets ---------------------*- C++ -*-===//
//
// Shared by the compiler and the runtime: plain C++, header only. A rotation
// by k slots of a ciphertext with `slots` slots is the same as one by
// k + m * slots for any m; these pick one representative, so that rotation
// keys, folds and emitted instructions all agree on it.
//
//===----------------------------------------------------------------------===//

#ifndef AEGIS_SUPPORT_ROTATION_H
#define AEGIS_SUPPORT_ROTATION_H

#include <cstdint>

namespace aegis {

/// The representative of `offset` modulo `slots` in [0, slots). slots > 0.
inline int64_t positiveRotation(int64_t offset, int64_t slots) {
  int64_t r = offset % slots;
  return r < 0 ? r + slots : r;
}

/// The representative of `offset` modulo `slots` in (-slots/2, slots/2]:
/// the one with the smallest magnitude (a left rotation by slots - 1 is a
/// right rotation by 1). 0 means no rotation. slots > 0.
inline int64_t canonicalRotation(int64_t offset, int64_t slots) {
  int64_t r = positiveRotation(offset, slots);
  return r > slots / 2 ? r - slots : r;
}

} // namespace aegis

#endif // AEGIS_SUPPORT_ROTATION_H
