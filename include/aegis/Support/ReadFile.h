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
#include <memory>
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

/// A read-only, private mapping of a whole regular file (pages load on first
/// touch and cost no resident memory until then). Non-regular files (pipes)
/// are read into memory instead, so every path works.
class MappedFile {
public:
  /// Null on failure, with `error` as readFileBytes gives it.
  static std::shared_ptr<const MappedFile>
  open(const std::string &path, std::string &error, const char *what = "file");
  ~MappedFile();
  MappedFile(const MappedFile &) = delete;
  MappedFile &operator=(const MappedFile &) = delete;

  const uint8_t *data() const { return data_; }
  size_t size() const { return size_; }
  /// Whether the bytes are a mapping (false: read into memory).
  bool mapped() const { return mapped_; }

private:
  MappedFile() = default;
  const uint8_t *data_ = nullptr;
  size_t size_ = 0;
  bool mapped_ = false;
  std::vector<uint8_t> fallback_;
};

} // namespace aegis

#endif // AEGIS_SUPPORT_READFILE_H
