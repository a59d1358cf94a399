//===- Npy.cpp - NumPy .npy files -----------------------------------------===//

#include "aegis/Support/Npy.h"
#include "aegis/Support/ReadFile.h"

#include <cstring>
#include <fstream>
#include <limits>
#include <sstream>

namespace aegis {

int64_t NpyArray::numElements() const {
  // Saturates instead of overflowing (a crafted or mistaken shape); the
  // reader refuses shapes beyond kMaxNpyElements before any use.
  int64_t n = 1;
  for (int64_t d : shape) {
    if (d < 0 || __builtin_mul_overflow(n, d, &n))
      return std::numeric_limits<int64_t>::max();
  }
  return n;
}

const char *npyDescr(NpyType type) {
  switch (type) {
  case NpyType::Float32:
    return "<f4";
  case NpyType::Float64:
    return "<f8";
  case NpyType::Int64:
    return "<i8";
  case NpyType::Int32:
    return "<i4";
  case NpyType::Bool:
    return "|b1";
  }
  return "?";
}

static size_t elementSize(NpyType type) {
  switch (type) {
  case NpyType::Float32:
  case NpyType::Int32:
    return 4;
  case NpyType::Float64:
  case NpyType::Int64:
    return 8;
  case NpyType::Bool:
    return 1;
  }
  return 0;
}

namespace {
constexpr char kMagic[] = "\x93NUMPY";
constexpr size_t kMagicLen = 6;

/// Finds `'key':` in the header dict and returns the text after it.
bool findKey(const std::string &header, const std::string &key,
             std::string::size_type &pos) {
  for (const char *quote : {"'", "\""}) {
    std::string needle = quote + key + quote;
    auto at = header.find(needle);
    if (at == std::string::npos)
      continue;
    at = header.find(':', at + needle.size());
    if (at == std::string::npos)
      return false;
    pos = at + 1;
    while (pos < header.size() && header[pos] == ' ')
      ++pos;
    return true;
  }
  return false;
}

bool parseHeader(const std::string &header, NpyArray &out, std::string &why) {
  std::string::size_type pos;
  if (!findKey(header, "descr", pos) || pos >= header.size() ||
      (header[pos] != '\'' && header[pos] != '"')) {
    why = "header has no 'descr'";
    return false;
  }
  char q = header[pos];
  auto end = header.find(q, pos + 1);
  if (end == std::string::npos) {
    why = "unterminated 'descr'";
    return false;
  }
  std::string descr = header.substr(pos + 1, end - pos - 1);
  if (descr == "<f4")
    out.type = NpyType::Float32;
  else if (descr == "<f8")
    out.type = NpyType::Float64;
  else if (descr == "<i8")
    out.type = NpyType::Int64;
  else if (descr == "<i4")
    out.type = NpyType::Int32;
  else if (descr == "|b1")
    out.type = NpyType::Bool;
  else {
    why = "unsupported dtype '" + descr +
          "' (expected <f4, <f8, <i8, <i4 or |b1, little-endian)";
    return false;
  }

  if (!findKey(header, "fortran_order", pos)) {
    why = "header has no 'fortran_order'";
    return false;
  }
  if (header.compare(pos, 4, "True") == 0) {
    why = "Fortran-order arrays are not supported; save with "
          "numpy.ascontiguousarray";
    return false;
  }
  if (header.compare(pos, 5, "False") != 0) {
    why = "malformed 'fortran_order'";
    return false;
  }

  if (!findKey(header, "shape", pos) || pos >= header.size() ||
      header[pos] != '(') {
    why = "header has no 'shape' tuple";
    return false;
  }
  end = header.find(')', pos);
  if (end == std::string::npos) {
    why = "unterminated 'shape'";
    return false;
  }
  out.shape.clear();
  std::string dims = header.substr(pos + 1, end - pos - 1);
  std::stringstream ss(dims);
  std::string item;
  while (std::getline(ss, item, ',')) {
    size_t b = item.find_first_not_of(" ");
    if (b == std::string::npos)
      continue;
    size_t e = item.find_last_not_of(" ");
    std::string digits = item.substr(b, e - b + 1);
    if (digits.empty() || digits.size() > 15 ||
        digits.find_first_not_of("0123456789") != std::string::npos) {
      why = "malformed shape '(" + dims + ")'";
      return false;
    }
    out.shape.push_back(std::stoll(digits));
  }
  if (out.numElements() > kMaxNpyElements) {
    why = "shape '(" + dims + ")' has more than 2^40 elements";
    return false;
  }
  return true;
}

template <typename T>
void widen(const char *raw, int64_t n, std::vector<double> &data) {
  data.resize(n);
  for (int64_t i = 0; i < n; ++i) {
    T v;
    std::memcpy(&v, raw + i * sizeof(T), sizeof(T));
    data[i] = static_cast<double>(v);
  }
}
} // namespace

bool parseNpy(const std::string &bytes, const std::string &name, NpyArray &out,
              std::string &error) {
  auto fail = [&](const std::string &why) {
    error = name + ": not a valid .npy file: " + why;
    return false;
  };
  if (bytes.size() < kMagicLen + 4 ||
      std::memcmp(bytes.data(), kMagic, kMagicLen) != 0)
    return fail("bad magic (expected \\x93NUMPY)");
  unsigned major = static_cast<unsigned char>(bytes[6]);
  size_t headerLen, headerStart;
  if (major == 1) {
    headerLen = static_cast<unsigned char>(bytes[8]) |
                (static_cast<unsigned char>(bytes[9]) << 8);
    headerStart = 10;
  } else if (major == 2 || major == 3) {
    if (bytes.size() < 12)
      return fail("truncated header");
    headerLen = 0;
    for (int i = 3; i >= 0; --i)
      headerLen = (headerLen << 8) | static_cast<unsigned char>(bytes[8 + i]);
    headerStart = 12;
  } else {
    return fail("unsupported format version " + std::to_string(major));
  }
  if (bytes.size() < headerStart + headerLen)
    return fail("truncated header");
  std::string header = bytes.substr(headerStart, headerLen);
  std::string why;
  if (!parseHeader(header, out, why))
    return fail(why);
  int64_t n = out.numElements();
  size_t need = static_cast<size_t>(n) * elementSize(out.type);
  size_t have = bytes.size() - headerStart - headerLen;
  if (have < need)
    return fail("truncated data: " + std::to_string(have) + " bytes for " +
                std::to_string(n) + " elements of " + npyDescr(out.type));
  if (have > need)
    return fail("trailing data: " + std::to_string(have - need) +
                " bytes beyond the " + std::to_string(n) + " elements");
  const char *raw = bytes.data() + headerStart + headerLen;
  switch (out.type) {
  case NpyType::Float32:
    widen<float>(raw, n, out.data);
    break;
  case NpyType::Float64:
    widen<double>(raw, n, out.data);
    break;
  case NpyType::Int64:
    widen<int64_t>(raw, n, out.data);
    break;
  case NpyType::Int32:
    widen<int32_t>(raw, n, out.data);
    break;
  case NpyType::Bool:
    widen<uint8_t>(raw, n, out.data);
    break;
  }
  return true;
}

bool readNpy(const std::string &path, NpyArray &out, std::string &error) {
  std::string bytes;
  if (!readFileBytes(path, bytes, error))
    return false;
  return parseNpy(bytes, path, out, error);
}

bool writeNpy(const std::string &path, const NpyArray &array,
              std::string &error) {
  if (static_cast<int64_t>(array.data.size()) != array.numElements()) {
    error = path + ": array has " + std::to_string(array.data.size()) +
            " values for its shape";
    return false;
  }
  std::string header = std::string("{'descr': '") + npyDescr(array.type) +
                       "', 'fortran_order': False, 'shape': (";
  for (size_t i = 0; i < array.shape.size(); ++i)
    header += (i ? ", " : "") + std::to_string(array.shape[i]);
  if (array.shape.size() == 1)
    header += ",";
  header += "), }";
  // Pad with spaces so that the data starts on a 64-byte boundary.
  size_t total = kMagicLen + 4 + header.size() + 1;
  header.append((64 - total % 64) % 64, ' ');
  header += '\n';
  std::ofstream out(path, std::ios::binary);
  if (!out) {
    error = path + ": cannot open for writing";
    return false;
  }
  out.write(kMagic, kMagicLen);
  char version[2] = {1, 0};
  out.write(version, 2);
  uint16_t len = static_cast<uint16_t>(header.size());
  char lenBytes[2] = {static_cast<char>(len & 0xff),
                      static_cast<char>(len >> 8)};
  out.write(lenBytes, 2);
  out.write(header.data(), header.size());
  for (double v : array.data) {
    switch (array.type) {
    case NpyType::Float32: {
      float f = static_cast<float>(v);
      out.write(reinterpret_cast<const char *>(&f), 4);
      break;
    }
    case NpyType::Float64:
      out.write(reinterpret_cast<const char *>(&v), 8);
      break;
    case NpyType::Int64: {
      int64_t x = static_cast<int64_t>(v);
      out.write(reinterpret_cast<const char *>(&x), 8);
      break;
    }
    case NpyType::Int32: {
      int32_t x = static_cast<int32_t>(v);
      out.write(reinterpret_cast<const char *>(&x), 4);
      break;
    }
    case NpyType::Bool: {
      char b = v != 0;
      out.write(&b, 1);
      break;
    }
    }
  }
  if (!out) {
    error = path + ": write failed";
    return false;
  }
  return true;
}

} // namespace aegis
