//===- SerializationIO.h - framing of runtime files -------------*- C++ -*-===//
//
// The writer and reader behind Serialization.h (header, parameter hash,
// payload, CRC-32C), shared with the libraries that serialize their own
// objects in the same framing (bootstrapping keys). Not a public API.
//
//===----------------------------------------------------------------------===//

#ifndef AEGIS_RUNTIME_CKKS_SERIALIZATIONIO_H
#define AEGIS_RUNTIME_CKKS_SERIALIZATIONIO_H

#include "aegis/Runtime/CKKS/Context.h"
#include "aegis/Runtime/CKKS/Keys.h"
#include "aegis/Runtime/CKKS/Serialization.h"
#include "aegis/Runtime/Support/Crc32c.h"
#include "aegis/Runtime/Support/Error.h"

#include <cstring>
#include <sstream>
#include <string>
#include <vector>

namespace aegis {
namespace ckks {
namespace serialization {

constexpr char kMagic[8] = {'A', 'E', 'G', 'I', 'S', 'C', 'K', 'K'};
constexpr uint32_t kInsecureFlag = 1;

inline std::string hex(uint64_t v) {
  std::ostringstream os;
  os << "0x" << std::hex << v;
  return os.str();
}

class Writer {
public:
  Writer(ObjectKind kind, const Parameters &params) {
    bytes_.resize(8);
    std::memcpy(bytes_.data(), kMagic, 8);
    put<uint16_t>(kFormatVersion);
    put<uint16_t>(uint16_t(kind));
    put<uint32_t>(params.allowInsecure() ? kInsecureFlag : 0);
    put<uint64_t>(params.hash());
    put<uint64_t>(0); // payload size, patched by finish()
  }

  template <typename T>
  void put(T value) {
    size_t at = bytes_.size();
    bytes_.resize(at + sizeof(T));
    std::memcpy(bytes_.data() + at, &value, sizeof(T));
  }
  void putBytes(const void *data, size_t size) {
    const auto *p = static_cast<const uint8_t *>(data);
    bytes_.insert(bytes_.end(), p, p + size);
  }
  /// numLimbs limbs of backend memory.
  void putPoly(const Context &ctx, const uint64_t *data, size_t numLimbs) {
    size_t words = numLimbs * ctx.degree();
    size_t at = bytes_.size();
    bytes_.resize(at + words * 8);
    std::vector<uint64_t> host(words);
    ctx.backend().copyToHost(host.data(), data, words);
    std::memcpy(bytes_.data() + at, host.data(), words * 8);
  }

  Bytes finish() {
    uint64_t payload = bytes_.size() - kHeaderSize;
    std::memcpy(bytes_.data() + 24, &payload, 8);
    put<uint32_t>(crc32c(bytes_.data(), bytes_.size()));
    return std::move(bytes_);
  }

private:
  Bytes bytes_;
};

class Reader {
public:
  /// Checks the framing (size, magic, version, kind, payload size, CRC).
  Reader(const Bytes &bytes, ObjectKind expected)
      : bytes_(bytes), kind_(objectKindName(expected)) {
    checkFraming(bytes, expected);
    std::memcpy(&flags_, bytes.data() + 12, 4);
    std::memcpy(&hash_, bytes.data() + 16, 8);
    pos_ = kHeaderSize;
    end_ = bytes.size() - 4;
  }

  static void checkFraming(const Bytes &bytes, ObjectKind expected) {
    const char *kind = objectKindName(expected);
    require(bytes.size() >= kHeaderSize + 4, kind, " data is truncated: ",
            bytes.size(), " bytes, the header and checksum alone take ",
            kHeaderSize + 4);
    require(std::memcmp(bytes.data(), kMagic, 8) == 0, kind,
            " data does not start with the magic \"AEGISCKK\": not an aegis "
            "runtime file");
    uint16_t version, found;
    std::memcpy(&version, bytes.data() + 8, 2);
    require(version == kFormatVersion, kind, " data has format version ",
            version, ": this runtime reads version ", kFormatVersion);
    std::memcpy(&found, bytes.data() + 10, 2);
    require(found == uint16_t(expected), "expected ", kind, " data but found ",
            objectKindName(ObjectKind(found)), " data (kind ", found, ")");
    uint64_t payload;
    std::memcpy(&payload, bytes.data() + 24, 8);
    require(payload == bytes.size() - kHeaderSize - 4, kind,
            " data is truncated or has trailing bytes: the header announces a "
            "payload of ",
            payload, " bytes but ", bytes.size() - kHeaderSize - 4,
            " are present");
    uint32_t stored, computed = crc32c(bytes.data(), bytes.size() - 4);
    std::memcpy(&stored, bytes.data() + bytes.size() - 4, 4);
    require(stored == computed, kind, " data is corrupt: checksum ",
            hex(stored), " does not match the content (", hex(computed), ")");
  }

  /// Checks the parameter hash and the insecure flag against `params`.
  void checkParameters(const Parameters &params) const {
    require(hash_ == params.hash(), kind_, " was made with other parameters "
                                           "(hash ",
            hex(hash_), ") than the context (hash ", hex(params.hash()), ")");
    require(insecureFlag() == params.allowInsecure(), kind_,
            " insecure-parameters flag (", insecureFlag(),
            ") differs from the context's (", params.allowInsecure(), ")");
  }

  bool insecureFlag() const { return (flags_ & kInsecureFlag) != 0; }
  uint32_t flags() const { return flags_; }
  uint64_t hash() const { return hash_; }
  const char *kind() const { return kind_; }

  template <typename T>
  T get(const char *what) {
    need(sizeof(T), what);
    T value;
    std::memcpy(&value, bytes_.data() + pos_, sizeof(T));
    pos_ += sizeof(T);
    return value;
  }
  void getBytes(void *out, size_t size, const char *what) {
    need(size, what);
    std::memcpy(out, bytes_.data() + pos_, size);
    pos_ += size;
  }
  /// Reads numLimbs limbs for `moduli` into backend memory, checking that
  /// every residue is below its modulus.
  RnsPoly getPoly(const Context &ctx, ModuliSpan moduli, const char *what) {
    const size_t n = ctx.degree();
    size_t words = moduli.size() * n;
    need(words * 8, what);
    std::vector<uint64_t> host(words);
    std::memcpy(host.data(), bytes_.data() + pos_, words * 8);
    pos_ += words * 8;
    for (size_t k = 0; k < moduli.size(); ++k) {
      const uint64_t q = ctx.modulus(moduli[k]).value;
      const uint64_t *limb = host.data() + k * n;
      for (size_t i = 0; i < n; ++i) {
        if (limb[i] >= q) {
          fail(kind_, " ", what, ": coefficient ", i, " of limb ", k, " is ",
               limb[i], ", not below its modulus ", q);
        }
      }
    }
    RnsPoly poly(ctx.backend(), moduli.size());
    ctx.backend().copyFromHost(poly.data(), host.data(), words);
    return poly;
  }

  void finish() const {
    require(pos_ == end_, kind_, " payload has ", end_ - pos_,
            " unexpected trailing bytes");
  }

private:
  void need(size_t size, const char *what) const {
    require(end_ - pos_ >= size, kind_, " payload is truncated: ", what,
            " needs ", size, " bytes at offset ", pos_, " but only ",
            end_ - pos_, " remain");
  }

  const Bytes &bytes_;
  const char *kind_;
  size_t pos_ = 0, end_ = 0;
  uint32_t flags_ = 0;
  uint64_t hash_ = 0;
};


/// A key-switching key record: Galois element (u64), top level (u32), digit
/// count (u32), 32-byte seed, then b of each digit over the extended basis
/// at the top level; the uniform halves are regenerated from the seed.
void writeKeySwitchKey(Writer &w, const Context &ctx, const KeySwitchKey &key);
/// Checks every field against the context (level, digits, Galois element)
/// and throws aegis::Error naming r.kind() otherwise.
KeySwitchKey readKeySwitchKey(Reader &r, const ContextPtr &context);

} // namespace serialization
} // namespace ckks
} // namespace aegis

#endif // AEGIS_RUNTIME_CKKS_SERIALIZATIONIO_H
