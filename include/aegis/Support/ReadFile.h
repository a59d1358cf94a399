//===- ReadFile.h - Whole-file reads with one-line errors -------*- C++ -*-===//
//
// Plain C++, no MLIR. Every reader of user-given files (artifacts, keys,
// ciphertexts, .npy) goes through this, so that a directory, a missing
// file, an unreadable one or one beyond a size limit all get the same clear
// message instead of a stream exception.
//
//===----------------------------------------------------------------------===//

#ifndef AEGIS_SUPPORT_READFILE_H
#define AEGIS_SUPPORT_READFILE_H

#include <cstdint>
#include <string>
#include <vector>

namespace aegis {

/// Reads all of `path` into `bytes`. On failure returns false with `error`
/// = "PATH: why" ("is a directory, not a file", "cannot open WHAT: No such
/// file or directory", "is N bytes, more than the limit of M", ...), WHAT
/// being `what` ("file", "artifact", ...).
bool readFileBytes(const std::string &path, std::string &bytes,
                   std::string &error, const char *what = "file",
                   uint64_t maxBytes = uint64_t(1) << 40);
bool readFileBytes(const std::string &path, std::vector<uint8_t> &bytes,
                   std::string &error, const char *what = "file",
                   uint64_t maxBytes = uint64_t(1) << 40);

} // namespace aegis

#endif // AEGIS_SUPPORT_READFILE_H
