//===- ReadFile.cpp - Whole-file reads with one-line errors ---------------===//

#include "aegis/Support/ReadFile.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

namespace aegis {

namespace {

/// stat()s `path` as a file to open: "" or why not ("cannot open WHAT:
/// ...", "is a directory, not a file").
std::string statFile(const std::string &path, const char *what,
                     struct stat &st) {
  if (::stat(path.c_str(), &st) != 0) {
    return std::string("cannot open ") + what + ": " + std::strerror(errno);
  }
  if (S_ISDIR(st.st_mode)) {
    return "is a directory, not a file";
  }
  return "";
}

template <typename Buffer>
bool readInto(const std::string &path, Buffer &bytes, std::string &error,
              const char *what, uint64_t maxBytes) {
  auto fail = [&](const std::string &why) {
    error = path + ": " + why;
    return false;
  };
  struct stat st;
  if (std::string why = statFile(path, what, st); !why.empty()) {
    return fail(why);
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

std::shared_ptr<const MappedFile>
MappedFile::open(const std::string &path, std::string &error,
                 const char *what) {
  auto fail = [&](const std::string &why) {
    error = path + ": " + why;
    return nullptr;
  };
  struct stat st;
  if (std::string why = statFile(path, what, st); !why.empty()) {
    return fail(why);
  }
  std::shared_ptr<MappedFile> file(new MappedFile());
  if (!S_ISREG(st.st_mode) || st.st_size == 0) {
    if (!readFileBytes(path, file->fallback_, error, what)) {
      return nullptr;
    }
    file->data_ = file->fallback_.data();
    file->size_ = file->fallback_.size();
    return file;
  }
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    return fail(std::string("cannot open ") + what + ": " +
                std::strerror(errno));
  }
  void *p = ::mmap(nullptr, size_t(st.st_size), PROT_READ, MAP_PRIVATE, fd, 0);
  int savedErrno = errno;
  ::close(fd);
  if (p == MAP_FAILED) {
    return fail(std::string("cannot map ") + what + ": " +
                std::strerror(savedErrno));
  }
  file->data_ = static_cast<const uint8_t *>(p);
  file->size_ = size_t(st.st_size);
  file->mapped_ = true;
  return file;
}

MappedFile::~MappedFile() {
  if (mapped_) {
    ::munmap(const_cast<uint8_t *>(data_), size_);
  }
}

} // namespace aegis
