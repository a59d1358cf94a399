//===- Serialization.cpp - Versioned binary files of runtime objects ------===//
//
// Payloads (little-endian; u = unsigned, f64 = IEEE double):
//   Parameters: Parameters::canonicalBytes().
//   SecretKey:  N x i8 coefficients in {-1, 0, 1}.
//   PublicKey:  32-byte seed, b over q_0..q_L (u64 residues, limb-major).
//   RelinKey:   one key-switching record.
//   GaloisKeys: u32 count, then count key-switching records with strictly
//               increasing Galois elements.
//   key-switching record: u64 Galois element (0 for relinearization),
//               u32 digits, 32-byte seed, digits x b over every modulus.
//   Plaintext:  u32 level, u64 slots, f64 scale, (level + 1) limbs.
//   Ciphertext: u32 size, u32 level, u64 slots, f64 scale, size x
//               (level + 1) limbs.
//   SeededCiphertext: u32 level, u64 slots, f64 scale, 32-byte seed,
//               (level + 1) limbs of c0; c1 is the uniform polynomial of the
//               seed (a fresh symmetric encryption), regenerated on load.
//
//===----------------------------------------------------------------------===//

#include "aegis/Runtime/CKKS/Serialization.h"
#include "aegis/Runtime/CKKS/SerializationIO.h"

#include "aegis/Runtime/CKKS/Sampling.h"
#include "aegis/Runtime/Support/Crc32c.h"
#include "aegis/Runtime/Support/Error.h"

#include <cmath>
#include <cstring>
#include <fstream>
#include <iomanip>
#include <sstream>
#include <sys/stat.h>

static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__,
              "the serialization code assumes a little-endian host");

namespace aegis {
namespace ckks {

namespace {
using namespace serialization;

void requireContext(const ContextPtr &context, const char *kind) {
  require(context != nullptr, "loading ", kind, " needs a context");
}

void checkSlots(const Reader &r, uint64_t slots, const Context &ctx) {
  require(slots >= 1 && slots <= ctx.degree() / 2 && (slots & (slots - 1)) == 0,
          r.kind(), " has ", slots,
          " slots: expected a power of two in [1, N/2 = ", ctx.degree() / 2,
          "]");
}

void checkScale(const Reader &r, double scale) {
  require(std::isfinite(scale) && scale > 0, r.kind(), " has scale ", scale,
          ": expected a positive finite number");
}
} // namespace

namespace serialization {
void writeKeySwitchKey(Writer &w, const Context &ctx, const KeySwitchKey &key) {
  w.put<uint64_t>(key.galoisElement());
  w.put<uint32_t>(key.maxLevel());
  w.put<uint32_t>(key.numDigits());
  w.putBytes(key.seed().data(), key.seed().size());
  for (unsigned j = 0; j < key.numDigits(); ++j) {
    w.putPoly(ctx, key.b(j).data(), key.b(j).numLimbs());
  }
}

KeySwitchKey readKeySwitchKey(Reader &r, const ContextPtr &context) {
  const Context &ctx = *context;
  uint64_t g = r.get<uint64_t>("Galois element");
  if (g != 0) {
    require(g % 2 == 1 && g > 1 && g < 2 * ctx.degree(), r.kind(),
            " has Galois element ", g, ": expected an odd number in (1, 2N = ",
            2 * ctx.degree(), ")");
  }
  uint32_t level = r.get<uint32_t>("key level");
  require(level <= ctx.maxLevel(), r.kind(), " has a key up to level ", level,
          " beyond the chain's top level ", ctx.maxLevel());
  uint32_t digits = r.get<uint32_t>("digit count");
  require(digits == ctx.numDigits(level), r.kind(), " has ", digits,
          " key-switching digits at level ", level, ": the parameters give ",
          ctx.numDigits(level));
  Seed seed;
  r.getBytes(seed.data(), seed.size(), "seed");
  ModuliSpan moduli = ctx.extendedIndices(level);
  std::vector<RnsPoly> bs, as;
  for (uint32_t j = 0; j < digits; ++j) {
    bs.push_back(r.getPoly(ctx, moduli, "key polynomial"));
    as.push_back(regenerateKeyUniform(ctx, seed, j, moduli));
  }
  return KeySwitchKey(context, seed, g, std::move(bs), std::move(as));
}
} // namespace serialization

const char *objectKindName(ObjectKind kind) {
  switch (kind) {
  case ObjectKind::Parameters:
    return "parameters";
  case ObjectKind::SecretKey:
    return "secret key";
  case ObjectKind::PublicKey:
    return "public key";
  case ObjectKind::RelinKey:
    return "relinearization key";
  case ObjectKind::GaloisKeys:
    return "Galois keys";
  case ObjectKind::Plaintext:
    return "plaintext";
  case ObjectKind::Ciphertext:
    return "ciphertext";
  case ObjectKind::SeededCiphertext:
    return "seeded ciphertext";
  case ObjectKind::BootstrapKeys:
    return "bootstrapping keys";
  }
  return "unknown object";
}

ObjectKind peekObjectKind(const Bytes &bytes) {
  require(bytes.size() >= kHeaderSize, "data is truncated: ", bytes.size(),
          " bytes, the header alone takes ", kHeaderSize);
  require(std::memcmp(bytes.data(), kMagic, 8) == 0,
          "data does not start with the magic \"AEGISCKK\"");
  uint16_t version, kind;
  std::memcpy(&version, bytes.data() + 8, 2);
  require(version == kFormatVersion, "data has format version ", version,
          ": this runtime reads version ", kFormatVersion);
  std::memcpy(&kind, bytes.data() + 10, 2);
  require(kind >= 1 && kind <= uint16_t(ObjectKind::BootstrapKeys),
          "data has unknown object kind ", kind);
  return ObjectKind(kind);
}

//===----------------------------------------------------------------------===//
// Writers
//===----------------------------------------------------------------------===//

Bytes serialize(const Parameters &params) {
  Writer w(ObjectKind::Parameters, params);
  Bytes canonical = params.canonicalBytes();
  w.putBytes(canonical.data(), canonical.size());
  return w.finish();
}

Bytes serialize(const SecretKey &key) {
  requireContext(key.context(), "a secret key");
  Writer w(ObjectKind::SecretKey, key.context()->params());
  w.putBytes(key.coefficients().data(), key.coefficients().size());
  return w.finish();
}

Bytes serialize(const PublicKey &key) {
  requireContext(key.context(), "a public key");
  const Context &ctx = *key.context();
  Writer w(ObjectKind::PublicKey, ctx.params());
  w.putBytes(key.seed().data(), key.seed().size());
  w.putPoly(ctx, key.b().data(), key.b().numLimbs());
  return w.finish();
}

Bytes serialize(const RelinKey &key) {
  requireContext(key.context(), "a relinearization key");
  const Context &ctx = *key.context();
  Writer w(ObjectKind::RelinKey, ctx.params());
  writeKeySwitchKey(w, ctx, key.key());
  return w.finish();
}

Bytes serialize(const GaloisKeys &keys) {
  requireContext(keys.context(), "Galois keys");
  const Context &ctx = *keys.context();
  Writer w(ObjectKind::GaloisKeys, ctx.params());
  w.put<uint32_t>(uint32_t(keys.keys().size()));
  for (const auto &entry : keys.keys()) {
    writeKeySwitchKey(w, ctx, entry.second);
  }
  return w.finish();
}

Bytes serialize(const Plaintext &pt) {
  requireContext(pt.context(), "a plaintext");
  const Context &ctx = *pt.context();
  Writer w(ObjectKind::Plaintext, ctx.params());
  w.put<uint32_t>(pt.level());
  w.put<uint64_t>(pt.slots());
  w.put<double>(pt.scale());
  w.putPoly(ctx, pt.poly().data(), pt.level() + 1);
  return w.finish();
}

Bytes serialize(const Ciphertext &ct) {
  requireContext(ct.context(), "a ciphertext");
  const Context &ctx = *ct.context();
  Writer w(ObjectKind::Ciphertext, ctx.params());
  w.put<uint32_t>(ct.size());
  w.put<uint32_t>(ct.level());
  w.put<uint64_t>(ct.slots());
  w.put<double>(ct.scale());
  for (unsigned i = 0; i < ct.size(); ++i) {
    w.putPoly(ctx, ct[i].data(), ct.level() + 1);
  }
  return w.finish();
}

//===----------------------------------------------------------------------===//
// Readers
//===----------------------------------------------------------------------===//

Parameters deserializeParameters(const Bytes &bytes) {
  Reader r(bytes, ObjectKind::Parameters);
  uint32_t logN = r.get<uint32_t>("ring degree");
  uint32_t chainCount = r.get<uint32_t>("chain length");
  uint32_t specialCount = r.get<uint32_t>("special prime count");
  uint32_t dnum = r.get<uint32_t>("dnum");
  double scale = r.get<double>("default scale");
  uint8_t secret = r.get<uint8_t>("secret distribution");
  uint32_t weight = r.get<uint32_t>("Hamming weight");
  uint8_t insecure = r.get<uint8_t>("insecure flag");
  require(chainCount >= 1 && chainCount <= 256, "parameters have a chain of ",
          chainCount, " primes: expected 1 to 256");
  require(specialCount >= 1 && specialCount <= 64, "parameters have ",
          specialCount, " special primes: expected 1 to 64");
  require(secret <= 1, "parameters have unknown secret distribution ",
          unsigned(secret));
  require(insecure <= 1, "parameters have an insecure flag of ",
          unsigned(insecure), ": expected 0 or 1");
  require(bool(insecure) == r.insecureFlag(),
          "parameters: the header's insecure flag (", r.insecureFlag(),
          ") differs from the payload's (", unsigned(insecure), ")");
  std::vector<uint64_t> chain(chainCount), special(specialCount);
  for (auto &q : chain) {
    q = r.get<uint64_t>("chain prime");
  }
  for (auto &p : special) {
    p = r.get<uint64_t>("special prime");
  }
  r.finish();
  Parameters params = Parameters::fromModuli(
      logN, std::move(chain), std::move(special), dnum, scale,
      SecretDistribution(secret), weight, insecure != 0);
  require(params.hash() == r.hash(), "parameters: header hash ", hex(r.hash()),
          " does not match the content (", hex(params.hash()), ")");
  return params;
}

SecretKey deserializeSecretKey(const Bytes &bytes, const ContextPtr &context) {
  requireContext(context, "a secret key");
  Reader r(bytes, ObjectKind::SecretKey);
  r.checkParameters(context->params());
  std::vector<int8_t> coefficients(context->degree());
  r.getBytes(coefficients.data(), coefficients.size(), "coefficients");
  r.finish();
  return SecretKey(context, std::move(coefficients));
}

PublicKey deserializePublicKey(const Bytes &bytes, const ContextPtr &context) {
  requireContext(context, "a public key");
  const Context &ctx = *context;
  Reader r(bytes, ObjectKind::PublicKey);
  r.checkParameters(ctx.params());
  Seed seed;
  r.getBytes(seed.data(), seed.size(), "seed");
  ModuliSpan moduli = ctx.chainIndices(ctx.maxLevel());
  RnsPoly b = r.getPoly(ctx, moduli, "polynomial b");
  r.finish();
  RnsPoly a = regenerateKeyUniform(ctx, seed, 0, moduli);
  return PublicKey(context, seed, std::move(b), std::move(a));
}

RelinKey deserializeRelinKey(const Bytes &bytes, const ContextPtr &context) {
  requireContext(context, "a relinearization key");
  Reader r(bytes, ObjectKind::RelinKey);
  r.checkParameters(context->params());
  KeySwitchKey key = readKeySwitchKey(r, context);
  require(key.galoisElement() == 0, "relinearization key carries Galois "
                                    "element ",
          key.galoisElement(), ": expected 0");
  r.finish();
  return RelinKey(std::move(key));
}

GaloisKeys deserializeGaloisKeys(const Bytes &bytes,
                                 const ContextPtr &context) {
  requireContext(context, "Galois keys");
  Reader r(bytes, ObjectKind::GaloisKeys);
  r.checkParameters(context->params());
  uint32_t count = r.get<uint32_t>("key count");
  require(count <= context->degree(), "Galois keys announce ", count,
          " keys: at most N = ", context->degree(), " exist");
  GaloisKeys keys(context);
  uint64_t previous = 0;
  for (uint32_t i = 0; i < count; ++i) {
    KeySwitchKey key = readKeySwitchKey(r, context);
    require(key.galoisElement() > previous, "Galois keys: element ",
            key.galoisElement(), " of key ", i,
            " is zero or out of order (previous ", previous, ")");
    previous = key.galoisElement();
    keys.insert(std::move(key));
  }
  r.finish();
  return keys;
}

Plaintext deserializePlaintext(const Bytes &bytes, const ContextPtr &context) {
  requireContext(context, "a plaintext");
  const Context &ctx = *context;
  Reader r(bytes, ObjectKind::Plaintext);
  r.checkParameters(ctx.params());
  uint32_t level = r.get<uint32_t>("level");
  require(level <= ctx.maxLevel(), "plaintext has level ", level,
          ": the parameters allow 0..", ctx.maxLevel());
  uint64_t slots = r.get<uint64_t>("slot count");
  checkSlots(r, slots, ctx);
  double scale = r.get<double>("scale");
  checkScale(r, scale);
  Plaintext pt(context, level, scale, slots);
  pt.poly() = r.getPoly(ctx, ctx.chainIndices(level), "polynomial");
  r.finish();
  return pt;
}

namespace {
/// The uniform polynomial c1 of a symmetric encryption with `seed`, as
/// Encryptor::encryptZero draws it (stream base 2^32).
RnsPoly symmetricUniform(const Context &ctx, const Seed &seed,
                         unsigned level) {
  return uniformNtt(ctx, seed, uint64_t(1) << 32, ctx.chainIndices(level));
}
} // namespace

Bytes serializeSeeded(const Ciphertext &ct, const Seed &seed) {
  requireContext(ct.context(), "a seeded ciphertext");
  const Context &ctx = *ct.context();
  require(ct.size() == 2, "a seeded ciphertext needs 2 polynomials, not ",
          ct.size());
  size_t words = (ct.level() + 1) * ctx.degree();
  std::vector<uint64_t> want(words), have(words);
  RnsPoly a = symmetricUniform(ctx, seed, ct.level());
  ctx.backend().copyToHost(want.data(), a.data(), words);
  ctx.backend().copyToHost(have.data(), ct[1].data(), words);
  require(want == have, "the ciphertext is not a fresh symmetric encryption "
                        "with this seed: it cannot be stored seeded");
  Writer w(ObjectKind::SeededCiphertext, ctx.params());
  w.put<uint32_t>(ct.level());
  w.put<uint64_t>(ct.slots());
  w.put<double>(ct.scale());
  w.putBytes(seed.data(), seed.size());
  w.putPoly(ctx, ct[0].data(), ct.level() + 1);
  return w.finish();
}

Ciphertext deserializeSeededCiphertext(const Bytes &bytes,
                                       const ContextPtr &context) {
  requireContext(context, "a seeded ciphertext");
  const Context &ctx = *context;
  Reader r(bytes, ObjectKind::SeededCiphertext);
  r.checkParameters(ctx.params());
  uint32_t level = r.get<uint32_t>("level");
  require(level <= ctx.maxLevel(), "seeded ciphertext has level ", level,
          ": the parameters allow 0..", ctx.maxLevel());
  uint64_t slots = r.get<uint64_t>("slot count");
  checkSlots(r, slots, ctx);
  double scale = r.get<double>("scale");
  checkScale(r, scale);
  Seed seed;
  r.getBytes(seed.data(), seed.size(), "seed");
  Ciphertext ct(context, 2, level, scale, slots);
  ct[0] = r.getPoly(ctx, ctx.chainIndices(level), "polynomial");
  r.finish();
  ct[1] = symmetricUniform(ctx, seed, level);
  return ct;
}

Ciphertext deserializeCiphertext(const Bytes &bytes,
                                 const ContextPtr &context) {
  requireContext(context, "a ciphertext");
  const Context &ctx = *context;
  Reader r(bytes, ObjectKind::Ciphertext);
  r.checkParameters(ctx.params());
  uint32_t size = r.get<uint32_t>("polynomial count");
  require(size == 2 || size == 3, "ciphertext has ", size,
          " polynomials: expected 2 or 3");
  uint32_t level = r.get<uint32_t>("level");
  require(level <= ctx.maxLevel(), "ciphertext has level ", level,
          ": the parameters allow 0..", ctx.maxLevel());
  uint64_t slots = r.get<uint64_t>("slot count");
  checkSlots(r, slots, ctx);
  double scale = r.get<double>("scale");
  checkScale(r, scale);
  Ciphertext ct(context, size, level, scale, slots);
  for (uint32_t i = 0; i < size; ++i) {
    ct[i] = r.getPoly(ctx, ctx.chainIndices(level), "polynomial");
  }
  r.finish();
  return ct;
}

void writeFile(const std::string &path, const Bytes &bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  require(bool(out), "cannot open '", path, "' for writing");
  out.write(reinterpret_cast<const char *>(bytes.data()),
            std::streamsize(bytes.size()));
  require(bool(out), "cannot write ", bytes.size(), " bytes to '", path, "'");
}

Bytes readFile(const std::string &path) {
  struct stat st;
  require(::stat(path.c_str(), &st) != 0 || !S_ISDIR(st.st_mode), "'", path,
          "' is a directory, not a file");
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  require(bool(in), "cannot open '", path, "' for reading");
  std::streamsize size = in.tellg();
  require(size >= 0, "cannot determine the size of '", path, "'");
  in.seekg(0);
  Bytes bytes(size_t(size), 0);
  in.read(reinterpret_cast<char *>(bytes.data()), size);
  require(bool(in), "cannot read ", size, " bytes from '", path, "'");
  return bytes;
}

} // namespace ckks
} // namespace aegis
