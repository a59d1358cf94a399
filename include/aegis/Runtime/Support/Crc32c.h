//===- Crc32c.h - CRC-32C (Castagnoli) checksum ----------------*- C++ -*-===//
//
// Part of the runtime: no MLIR or LLVM. The checksum of serialized runtime
// objects (reflected polynomial 0x82F63B78, as in iSCSI and ext4).
//
//===----------------------------------------------------------------------===//

#ifndef AEGIS_RUNTIME_SUPPORT_CRC32C_H
#define AEGIS_RUNTIME_SUPPORT_CRC32C_H

#include <cstddef>
#include <cstdint>

namespace aegis {

/// Extends `crc` (0 to start) with `size` bytes; crc32c("123456789") is
/// 0xE3069283.
uint32_t crc32c(const void *data, size_t size, uint32_t crc = 0);

/// 64-bit FNV-1a, used to fingerprint parameter sets (not a security hash).
uint64_t fnv1a64(const void *data, size_t size,
                 uint64_t hash = 0xcbf29ce484222325ULL);

} // namespace aegis

#endif // AEGIS_RUNTIME_SUPPORT_CRC32C_H
