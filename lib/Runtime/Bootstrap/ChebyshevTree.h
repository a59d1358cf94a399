//===- ChebyshevTree.h - Shape of the Chebyshev evaluation tree -*- C++ -*-===//
//
// Internal to lib/Runtime/Bootstrap: the choices that the plain evaluation
// (EvalModFit.cpp, also linked by the compiler) and the homomorphic one
// (EvalMod.cpp) must make alike, so that chebyshevDepth() is the depth the
// homomorphic evaluation really consumes.
//
//===----------------------------------------------------------------------===//

#ifndef AEGIS_LIB_RUNTIME_BOOTSTRAP_CHEBYSHEVTREE_H
#define AEGIS_LIB_RUNTIME_BOOTSTRAP_CHEBYSHEVTREE_H

#include "aegis/Runtime/Support/Error.h"

namespace aegis {
namespace ckks {
namespace detail {

inline unsigned floorPowerOfTwo(unsigned v) {
  unsigned p = 1;
  while (2 * p <= v) {
    p *= 2;
  }
  return p;
}

inline void checkBabySteps(unsigned babySteps) {
  require(babySteps >= 2 && (babySteps & (babySteps - 1)) == 0,
          "Chebyshev baby-step size ", babySteps,
          " is not a power of two >= 2");
}

/// Whether a series of `degree` is summed directly over T_0..T_degree
/// (a leaf) rather than split, with `slack` levels available for it. Below
/// the baby-step size it always is; with baby steps of 2, a degree-3 block
/// that has 3 levels (T_3 = 2 T_2 T_1 - T_1 costs 2, the constants 1) is a
/// leaf too, as in the library's order with baby steps of 4: one shared
/// product T_2 T_1 replaces a product and two rescales per block.
inline bool isLeaf(unsigned degree, unsigned babySteps, unsigned slack) {
  return degree < babySteps || (babySteps == 2 && degree == 3 && slack >= 3);
}

} // namespace detail
} // namespace ckks
} // namespace aegis

#endif // AEGIS_LIB_RUNTIME_BOOTSTRAP_CHEBYSHEVTREE_H
