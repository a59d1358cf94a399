//===- Serialization.h - Versioned binary files of runtime objects -*- C++ -*-//
//
// Part of the runtime: no MLIR or LLVM. Every object is one self-contained
// little-endian record:
//
//   offset  size  field
//        0     8  magic "AEGISCKK"
//        8     2  format version (kFormatVersion)
//       10     2  kind (ObjectKind)
//       12     4  flags: bit 0 = insecure-parameters opt-in
//       16     8  parameter hash (Parameters::hash())
//       24     8  payload size P
//       32     P  payload (per kind, see Serialization.cpp)
//     32+P     4  CRC-32C of bytes [0, 32 + P)
//
// Loaders check, in order: size, magic, version, kind, payload size,
// checksum, then the parameter hash and insecure flag against the context,
// then every payload field (counts, levels, slot counts, scales, Galois
// elements, seeds, every coefficient below its modulus) and that the payload
// is consumed exactly. Any failure throws aegis::Error with one line naming
// the object kind and the problem. Key-switching and public keys store the
// seed of their uniform part instead of the part itself (regenerated on
// load). The secret key has its own kind, never mixed with evaluation keys.
//
//===----------------------------------------------------------------------===//

#ifndef AEGIS_RUNTIME_CKKS_SERIALIZATION_H
#define AEGIS_RUNTIME_CKKS_SERIALIZATION_H

#include "aegis/Runtime/CKKS/Ciphertext.h"
#include "aegis/Runtime/CKKS/Keys.h"
#include "aegis/Runtime/CKKS/Parameters.h"

#include <cstdint>
#include <string>
#include <vector>

namespace aegis {
namespace ckks {

constexpr uint16_t kFormatVersion = 2;
constexpr size_t kHeaderSize = 32;

enum class ObjectKind : uint16_t {
  Parameters = 1,
  SecretKey = 2,
  PublicKey = 3,
  RelinKey = 4,
  GaloisKeys = 5,
  Plaintext = 6,
  Ciphertext = 7,
  /// A fresh symmetric encryption stored as its seed and c0 (half size).
  SeededCiphertext = 8,
  /// Bootstrapping's keys (BootstrapSerialization.h, AegisBootstrap).
  BootstrapKeys = 9,
};

/// "parameters", "secret key", ...
const char *objectKindName(ObjectKind kind);

using Bytes = std::vector<uint8_t>;

Bytes serialize(const Parameters &params);
Bytes serialize(const SecretKey &key);
Bytes serialize(const PublicKey &key);
Bytes serialize(const RelinKey &key);
Bytes serialize(const GaloisKeys &keys);
Bytes serialize(const Plaintext &plaintext);
Bytes serialize(const Ciphertext &ciphertext);
/// A fresh symmetric encryption (Encryptor with a secret key) as its seed
/// and c0: about half the size. `seed` is the seed of that encryption
/// (encryption number k of an Encryptor seeded with S uses deriveSeed(S, k));
/// throws unless c1 is exactly the uniform polynomial of `seed`.
Bytes serializeSeeded(const Ciphertext &ciphertext, const Seed &seed);

/// Validates the parameters (security bound included, honouring the stored
/// insecure opt-in).
Parameters deserializeParameters(const Bytes &bytes);
SecretKey deserializeSecretKey(const Bytes &bytes, const ContextPtr &context);
PublicKey deserializePublicKey(const Bytes &bytes, const ContextPtr &context);
RelinKey deserializeRelinKey(const Bytes &bytes, const ContextPtr &context);
GaloisKeys deserializeGaloisKeys(const Bytes &bytes,
                                 const ContextPtr &context);
Plaintext deserializePlaintext(const Bytes &bytes, const ContextPtr &context);
Ciphertext deserializeCiphertext(const Bytes &bytes,
                                 const ContextPtr &context);
/// Regenerates c1 from the stored seed.
Ciphertext deserializeSeededCiphertext(const Bytes &bytes,
                                       const ContextPtr &context);

/// The kind recorded in a header (after checking size, magic and version).
ObjectKind peekObjectKind(const Bytes &bytes);

/// Whole-file helpers; errors name the path.
void writeFile(const std::string &path, const Bytes &bytes);
Bytes readFile(const std::string &path);

} // namespace ckks
} // namespace aegis

#endif // AEGIS_RUNTIME_CKKS_SERIALIZATION_H
