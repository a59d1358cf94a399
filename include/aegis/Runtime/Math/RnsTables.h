//===- RnsTables.h - Moduli and per-modulus tables of a context -*- C++ -*-===//
//
// Part of the runtime: no MLIR or LLVM. What the limb-level kernels of a
// backend need to know about the moduli: every prime of the context (chain
// primes q_0..q_L first, then special primes p_0..p_(K-1)), indexed by a
// "modulus index", with its NTT tables.
//
//===----------------------------------------------------------------------===//

#ifndef AEGIS_RUNTIME_MATH_RNSTABLES_H
#define AEGIS_RUNTIME_MATH_RNSTABLES_H

#include "aegis/Runtime/Math/Modular.h"
#include "aegis/Runtime/Math/Ntt.h"

#include <vector>

namespace aegis {
namespace ckks {

struct RnsTables {
  unsigned logDegree = 0;
  size_t degree = 0;
  std::vector<Modulus> moduli;
  std::vector<NttTables> ntt; // ntt[i] belongs to moduli[i]
};

} // namespace ckks
} // namespace aegis

#endif // AEGIS_RUNTIME_MATH_RNSTABLES_H
