//===- FuzzChecksums.h - keep mutated runtime files checksummed -*- C++ -*-===//
//
// Artifacts (a header and metadata with CRC-32Cs), runtime objects and
// session files (a trailing CRC-32C) carry checksums that reject nearly
// every random mutation before any field is parsed. The
// fuzzers' custom mutators call LLVMFuzzerMutate and then recompute these
// checksums, so mutations reach the field checks while every input in the
// corpus (and every crash file) stays a file the real loaders accept as far
// as the checksum goes: a crash reproduces with aegis-run itself.
//
//===----------------------------------------------------------------------===//

#ifndef AEGIS_FUZZ_FUZZCHECKSUMS_H
#define AEGIS_FUZZ_FUZZCHECKSUMS_H

#include "aegis/Runtime/Support/Crc32c.h"

#include <cstddef>
#include <cstdint>
#include <cstring>

extern "C" size_t LLVMFuzzerMutate(uint8_t *data, size_t size, size_t maxSize);

namespace aegis {
namespace fuzz {

/// Rewrites the trailing CRC-32C of `data[0, size)` (over every byte before
/// it), when there is room for one.
inline void fixTrailingCrc(uint8_t *data, size_t size) {
  if (size < 4)
    return;
  uint32_t crc = crc32c(data, size - 4);
  std::memcpy(data + size - 4, &crc, 4);
}

/// An artifact (format 7, ArtifactFormat.cpp): makes the header's weights
/// size match the file's, then recomputes the metadata's CRC-32C (bytes
/// 48-51) and the header's (12-15), so mutations reach the FlatBuffers
/// verifier and the field checks. Runs of weights keep their own CRCs.
inline void fixArtifactChecksums(uint8_t *data, size_t size) {
  if (size < 64 || std::memcmp(data, "AEGISART", 8) != 0)
    return;
  uint64_t metaOffset, metaSize, weightsOffset;
  std::memcpy(&metaOffset, data + 16, 8);
  std::memcpy(&metaSize, data + 24, 8);
  std::memcpy(&weightsOffset, data + 32, 8);
  if (weightsOffset <= size) {
    uint64_t weightsSize = size - weightsOffset;
    std::memcpy(data + 40, &weightsSize, 8);
  }
  if (metaOffset <= size && metaSize <= size - metaOffset) {
    uint32_t crc = crc32c(data + metaOffset, size_t(metaSize));
    std::memcpy(data + 48, &crc, 4);
  }
  std::memset(data + 12, 0, 4);
  uint32_t crc = crc32c(data, 64);
  std::memcpy(data + 12, &crc, 4);
}

/// A session file (Session.h): a header, records of u64 size + bytes, CRC.
/// Fixes the CRC of every record that is a runtime object (magic
/// "AEGISCKK", Serialization.h, after a size that fits the file), then the
/// file's own. Finding records by their magic keeps this independent of
/// the header's layout.
inline void fixSessionCrcs(uint8_t *data, size_t size) {
  if (size < 4)
    return;
  size_t end = size - 4;
  for (size_t pos = 8; pos + 36 <= end; ++pos) {
    if (std::memcmp(data + pos, "AEGISCKK", 8) != 0)
      continue;
    uint64_t recordSize;
    std::memcpy(&recordSize, data + pos - 8, 8);
    if (recordSize < 36 || recordSize > end - pos)
      continue;
    fixTrailingCrc(data + pos, recordSize);
    pos += recordSize - 1;
  }
  fixTrailingCrc(data, size);
}

} // namespace fuzz
} // namespace aegis

#endif // AEGIS_FUZZ_FUZZCHECKSUMS_H
