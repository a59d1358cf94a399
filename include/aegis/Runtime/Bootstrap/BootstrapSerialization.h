//===- BootstrapSerialization.h - bootstrapping keys on disk ----*- C++ -*-===//
//
// Part of the runtime: no MLIR or LLVM. BootstrapKeys in the framing of
// Serialization.h (magic, version, kind "bootstrapping keys", parameter
// hash, CRC-32C): the level-limited Galois, relinearization and
// sparse-to-dense keys (maxLevel, Galois element, then b and a of every digit
// over the extended basis at maxLevel) and the dense-to-sparse encapsulation
// key (b and a over q_0 and p_0). Loading checks every count and level
// against the context and every residue against its modulus.
//
//===----------------------------------------------------------------------===//

#ifndef AEGIS_RUNTIME_BOOTSTRAP_BOOTSTRAPSERIALIZATION_H
#define AEGIS_RUNTIME_BOOTSTRAP_BOOTSTRAPSERIALIZATION_H

#include "aegis/Runtime/Bootstrap/BootstrapKeys.h"
#include "aegis/Runtime/CKKS/Serialization.h"

namespace aegis {
namespace ckks {

Bytes serialize(const BootstrapKeys &keys, const Context &context);
BootstrapKeys deserializeBootstrapKeys(const Bytes &bytes,
                                       const ContextPtr &context);

} // namespace ckks
} // namespace aegis

#endif // AEGIS_RUNTIME_BOOTSTRAP_BOOTSTRAPSERIALIZATION_H
