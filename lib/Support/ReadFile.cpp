//===- ReadFile.cpp - Whole-file reads with one-line errors ---------------===//

#include "aegis/Support/ReadFile.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <sys/stat.h>

namespace aegis {

namespace {

template <typename Buffer>
bool readInto(const std::string &path, Buffer &bytes, std::string &error,
              const char *what, uint64_t maxBytes) {
  auto fail = [&](const std::string &why) {
    error = path + ": " + why;
    return false;
  };
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) {
    return fail(std::string("cannot open ") + what + ": " +
                std::strerror(errno));
  }
  if (S_ISDIR(st.st_mode)) {
    return fail("is a directory, not a file");
  }
  if (S_ISREG(st.st_mode) && uint64_t(st.st_size) > maxBytes) {
    return fail("is " + std::to_string(uint64_t(st.st_size)) +
                " bytes, more than the limit of " + std::to_string(maxBytes));
  }
  std::FILE *f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) {
    return fail(std::string("cannot open ") + what + ": " +
                std::strerror(errno));
  }
  bytes.clear();
  if (S_ISREG(st.st_mode)) {
    bytes.reserve(size_t(st.st_size));
  }
  char chunk[1 << 16];
  for (;;) {
    size_t n = std::fread(chunk, 1, sizeof(chunk), f);
    if (n > 0) {
      if (uint64_t(bytes.size()) + n > maxBytes) {
        std::fclose(f);
        return fail("holds more than the limit of " +
                    std::to_string(maxBytes) + " bytes");
      }
      bytes.insert(bytes.end(), chunk, chunk + n);
    }
    if (n < sizeof(chunk)) {
      break;
    }
  }
  bool bad = std::ferror(f) != 0;
  int savedErrno = errno;
  std::fclose(f);
  if (bad) {
    return fail(std::string("read failed: ") + std::strerror(savedErrno));
  }
  return true;
}

} // namespace

bool readFileBytes(const std::string &path, std::string &bytes,
                   std::string &error, const char *what, uint64_t maxBytes) {
  return readInto(path, bytes, error, what, maxBytes);
}

bool readFileBytes(const std::string &path, std::vector<uint8_t> &bytes,
                   std::string &error, const char *what, uint64_t maxBytes) {
  return readInto(path, bytes, error, what, maxBytes);
}

} // namespace aegis
