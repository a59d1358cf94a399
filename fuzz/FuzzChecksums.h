//===- FuzzChecksums.h - keep mutated runtime files checksummed -*- C++ -*-===//
//
// Artifacts, runtime objects and session files end in a CRC-32C that
// rejects nearly every random mutation before any field is parsed. The
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
