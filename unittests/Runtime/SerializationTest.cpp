//===- SerializationTest.cpp - Round trips and corrupt-input rejection ----===//

#include "CkksTestUtil.h"

#include "aegis/Runtime/CKKS/Serialization.h"
#include "aegis/Runtime/Support/Crc32c.h"
#include "aegis/Runtime/Support/Error.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <cstring>
#include <functional>

using namespace aegis;
using namespace aegis::ckks;
using namespace aegis::ckks::test;

namespace {
TestSetup &shared() {
  static TestSetup setup(makeSpec(10, {50, 40, 40}, {50, 50}, 2), 61);
  return setup;
}

std::string errorOf(const std::function<void()> &fn) {
  try {
    fn();
  } catch (const Error &e) {
    return e.what();
  }
  return "no error";
}

void fixCrc(Bytes &b) {
  uint32_t crc = crc32c(b.data(), b.size() - 4);
  std::memcpy(b.data() + b.size() - 4, &crc, 4);
}

template <typename T>
void poke(Bytes &b, size_t offset, T value) {
  std::memcpy(b.data() + offset, &value, sizeof(T));
  fixCrc(b);
}

std::vector<uint64_t> download(const RnsPoly &p) {
  std::vector<uint64_t> h(p.numWords());
  p.backend()->copyToHost(h.data(), p.data(), h.size());
  return h;
}

#define EXPECT_ERROR(statement, fragment)                                      \
  do {                                                                         \
    std::string m_ = errorOf([&] { statement; });                              \
    EXPECT_NE(m_.find(fragment), std::string::npos)                            \
        << "message: " << m_ << "\nexpected to contain: " << fragment;        \
  } while (0)
} // namespace

TEST(Serialization, ParametersRoundTripAndInsecureFlag) {
  TestSetup &s = shared();
  const Parameters &p = s.context->params();
  Bytes bytes = serialize(p);
  EXPECT_EQ(std::memcmp(bytes.data(), "AEGISCKK", 8), 0);
  EXPECT_EQ(peekObjectKind(bytes), ObjectKind::Parameters);
  uint32_t flags;
  std::memcpy(&flags, bytes.data() + 12, 4);
  EXPECT_EQ(flags & 1u, 1u); // these test parameters are insecure (opt-in)
  Parameters back = deserializeParameters(bytes);
  EXPECT_TRUE(back == p);
  EXPECT_EQ(back.hash(), p.hash());
  EXPECT_TRUE(back.allowInsecure());
  EXPECT_EQ(serialize(back), bytes);

  // A secure set records no flag.
  ParameterSpec secure = makeSpec(13, {60, 40, 40}, {60}, 1, false);
  secure.secret = SecretDistribution::SparseTernary;
  secure.hammingWeight = 192;
  Parameters sp = Parameters::create(secure);
  Bytes sb = serialize(sp);
  std::memcpy(&flags, sb.data() + 12, 4);
  EXPECT_EQ(flags, 0u);
  EXPECT_TRUE(deserializeParameters(sb) == sp);
}

TEST(Serialization, InsecureParametersRefusedWithoutTheStoredOptIn) {
  TestSetup &s = shared();
  Bytes bytes = serialize(s.context->params());
  // Clear the opt-in in both places (header flag and payload byte), fix the
  // hash and checksum: the loader must now refuse the insecure chain.
  Bytes cleared = bytes;
  size_t insecureByte = kHeaderSize + 4 * 4 + 8 + 1 + 4;
  cleared[insecureByte] = 0;
  uint32_t noFlags = 0;
  std::memcpy(cleared.data() + 12, &noFlags, 4);
  fixCrc(cleared);
  EXPECT_ERROR(deserializeParameters(cleared), "not 128-bit secure");
  // Header and payload disagreeing is rejected as such.
  Bytes mixed = bytes;
  std::memcpy(mixed.data() + 12, &noFlags, 4);
  fixCrc(mixed);
  EXPECT_ERROR(deserializeParameters(mixed), "insecure flag");
}

TEST(Serialization, KeysRoundTrip) {
  TestSetup &s = shared();
  NoiseModel noise(*s.context);
  // Secret key: same coefficients and NTT form.
  SecretKey sk = deserializeSecretKey(serialize(s.keygen->secretKey()),
                                      s.context);
  EXPECT_EQ(sk.coefficients(), s.keygen->secretKey().coefficients());
  EXPECT_EQ(download(sk.ntt()), download(s.keygen->secretKey().ntt()));
  // Public key: regenerated a equals the original.
  Bytes pkBytes = serialize(s.publicKey);
  PublicKey pk = deserializePublicKey(pkBytes, s.context);
  EXPECT_EQ(download(pk.a()), download(s.publicKey.a()));
  EXPECT_EQ(download(pk.b()), download(s.publicKey.b()));
  EXPECT_EQ(serialize(pk), pkBytes);
  // Compact: the public key file holds b only (plus framing and the seed).
  EXPECT_EQ(pkBytes.size(), kHeaderSize + 4 + 32 +
                                8 * s.context->degree() *
                                    (s.context->maxLevel() + 1));
  // Relinearization and Galois keys are usable after loading.
  Bytes rkBytes = serialize(s.relinKey);
  RelinKey rk = deserializeRelinKey(rkBytes, s.context);
  EXPECT_EQ(serialize(rk), rkBytes);
  GaloisKeys gk = s.keygen->createGaloisKeys({1, -3}, true);
  Bytes gkBytes = serialize(gk);
  GaloisKeys gk2 = deserializeGaloisKeys(gkBytes, s.context);
  EXPECT_EQ(gk2.keys().size(), 3u);
  EXPECT_EQ(serialize(gk2), gkBytes);

  auto x = randomValues(512, 62);
  Encryptor enc(s.context, pk, seedFromInteger(9));
  Decryptor dec(s.context, sk);
  Ciphertext c = enc.encrypt(s.encoder->encode(x, s.top(), s.scale()));
  Ciphertext sq = s.evaluator->multiplyRelin(c, c, rk);
  s.evaluator->rescaleInPlace(sq);
  Ciphertext rot = s.evaluator->rotate(c, -3, gk2);
  auto got = s.encoder->decode(dec.decrypt(sq));
  std::vector<Complex> want(x.size());
  for (size_t i = 0; i < x.size(); ++i) {
    want[i] = x[i] * x[i];
  }
  EXPECT_LT(maxError(got, want),
            4 * noise.fresh(s.scale()) + noise.rounding(sq.scale()) +
                noise.keySwitch(*s.context, s.top(), s.scale() * s.scale()));
  got = s.encoder->decode(dec.decrypt(rot));
  for (size_t i = 0; i < x.size(); ++i) {
    want[i] = x[(i + x.size() - 3) % x.size()];
  }
  EXPECT_LT(maxError(got, want),
            noise.fresh(s.scale()) +
                noise.keySwitch(*s.context, s.top(), s.scale()));
}

TEST(Serialization, PlaintextAndCiphertextRoundTrip) {
  TestSetup &s = shared();
  auto x = randomValues(64, 63);
  Plaintext pt = s.encoder->encode(x, 1, s.scale());
  Bytes ptBytes = serialize(pt);
  Plaintext pt2 = deserializePlaintext(ptBytes, s.context);
  EXPECT_EQ(pt2.level(), 1u);
  EXPECT_EQ(pt2.slots(), 64u);
  EXPECT_EQ(pt2.scale(), pt.scale());
  EXPECT_EQ(download(pt2.poly()), download(pt.poly()));
  Ciphertext c = s.encrypt(x);
  Ciphertext c3 = s.evaluator->multiply(c, c);
  for (const Ciphertext *ct : {&c, &c3}) {
    Bytes bytes = serialize(*ct);
    Ciphertext back = deserializeCiphertext(bytes, s.context);
    EXPECT_EQ(back.size(), ct->size());
    EXPECT_EQ(back.level(), ct->level());
    EXPECT_EQ(back.scale(), ct->scale());
    EXPECT_EQ(back.slots(), ct->slots());
    EXPECT_EQ(serialize(back), bytes);
  }
  // Through a file.
  std::string path = ::testing::TempDir() + "aegis_ct.bin";
  writeFile(path, serialize(c));
  Ciphertext fromFile = deserializeCiphertext(readFile(path), s.context);
  EXPECT_LT(maxError(s.decrypt(fromFile), x), 1e-6);
  std::remove(path.c_str());
  EXPECT_ERROR(readFile(path), "cannot open");
}

TEST(Serialization, SeededCiphertextRoundTripAtHalfTheSize) {
  TestSetup &s = shared();
  auto x = randomValues(64, 64);
  Seed seed = seedFromInteger(77);
  Encryptor symmetric(s.context, s.keygen->secretKey(), seed);
  Ciphertext c0 = symmetric.encrypt(s.encoder->encode(x, 2, s.scale()));
  Ciphertext c1 = symmetric.encrypt(s.encoder->encode(x, 1, s.scale()));
  // Encryption k of an Encryptor seeded with S uses deriveSeed(S, k).
  Bytes b0 = serializeSeeded(c0, deriveSeed(seed, 0));
  Bytes b1 = serializeSeeded(c1, deriveSeed(seed, 1));
  EXPECT_EQ(peekObjectKind(b0), ObjectKind::SeededCiphertext);
  Bytes full = serialize(c0);
  EXPECT_LT(b0.size(), full.size() / 2 + 100);
  Ciphertext back0 = deserializeSeededCiphertext(b0, s.context);
  Ciphertext back1 = deserializeSeededCiphertext(b1, s.context);
  EXPECT_EQ(serialize(back0), full);
  EXPECT_EQ(serialize(back1), serialize(c1));
  EXPECT_LT(maxError(s.decrypt(back1), x), 1e-6);

  // Only fresh symmetric encryptions with that very seed can be seeded.
  EXPECT_ERROR(serializeSeeded(c0, deriveSeed(seed, 1)),
               "not a fresh symmetric encryption with this seed");
  EXPECT_ERROR(serializeSeeded(s.encrypt(x), deriveSeed(seed, 0)),
               "not a fresh symmetric encryption with this seed");
  EXPECT_ERROR(serializeSeeded(s.evaluator->multiply(c0, c0), seed),
               "a seeded ciphertext needs 2 polynomials, not 3");
  // Kinds do not mix; corruption is caught.
  EXPECT_ERROR(deserializeCiphertext(b0, s.context),
               "expected ciphertext data but found seeded ciphertext data "
               "(kind 8)");
  EXPECT_ERROR(deserializeSeededCiphertext(full, s.context),
               "expected seeded ciphertext data but found ciphertext data");
  Bytes bad = b0;
  bad[kHeaderSize + 30] ^= 1; // inside the seed
  EXPECT_ERROR(deserializeSeededCiphertext(bad, s.context),
               "seeded ciphertext data is corrupt: checksum");
  poke<uint32_t>(bad, kHeaderSize, 9); // level
  EXPECT_ERROR(deserializeSeededCiphertext(bad, s.context),
               "seeded ciphertext has level 9");
}

TEST(Serialization, FramingCorruptionRejected) {
  TestSetup &s = shared();
  Bytes good = serialize(s.encrypt(randomValues(16, 64)));
  auto load = [&](const Bytes &b) { deserializeCiphertext(b, s.context); };
  // Truncation anywhere.
  for (size_t size : {size_t(0), size_t(7), size_t(31), size_t(36),
                      good.size() / 2, good.size() - 1}) {
    Bytes cut(good.begin(), good.begin() + long(size));
    EXPECT_ERROR(load(cut), "truncated");
  }
  // Trailing bytes.
  Bytes longer = good;
  longer.push_back(0);
  EXPECT_ERROR(load(longer), "trailing bytes");
  // Magic, version, kind.
  Bytes bad = good;
  bad[0] = 'X';
  EXPECT_ERROR(load(bad), "magic");
  bad = good;
  poke<uint16_t>(bad, 8, 9);
  EXPECT_ERROR(load(bad), "format version 9");
  EXPECT_ERROR(deserializePlaintext(good, s.context),
               "expected plaintext data but found ciphertext data");
  EXPECT_ERROR(deserializeSecretKey(good, s.context), "expected secret key");
  // Any single flipped bit fails the checksum (sampled positions).
  for (size_t pos = 0; pos < good.size(); pos += 97) {
    if (pos < 12) {
      continue; // magic, version and kind have their own messages
    }
    Bytes flipped = good;
    flipped[pos] ^= 0x10;
    std::string m = errorOf([&] { load(flipped); });
    EXPECT_NE(m, "no error") << pos;
  }
  bad = good;
  bad[good.size() / 2] ^= 1;
  EXPECT_ERROR(load(bad), "checksum");
  // Objects of other parameters.
  TestSetup other(makeSpec(10, {50, 40, 40}, {50, 50}, 1), 61);
  EXPECT_ERROR(deserializeCiphertext(good, other.context),
               "made with other parameters");
  EXPECT_ERROR(deserializeRelinKey(serialize(other.relinKey), s.context),
               "made with other parameters");
}

TEST(Serialization, EveryFieldIsValidated) {
  TestSetup &s = shared();
  const size_t n = s.context->degree();
  Bytes ct = serialize(s.encrypt(randomValues(16, 65)));
  auto load = [&](const Bytes &b) { deserializeCiphertext(b, s.context); };
  const size_t p = kHeaderSize; // payload start
  Bytes bad = ct;
  poke<uint32_t>(bad, p, 4);
  EXPECT_ERROR(load(bad), "4 polynomials");
  bad = ct;
  poke<uint32_t>(bad, p + 4, 7);
  EXPECT_ERROR(load(bad), "level 7");
  bad = ct;
  poke<uint32_t>(bad, p + 4, 1); // a valid level with too much data
  EXPECT_NE(errorOf([&] { load(bad); }), "no error");
  bad = ct;
  poke<uint64_t>(bad, p + 8, 24);
  EXPECT_ERROR(load(bad), "24 slots");
  bad = ct;
  poke<uint64_t>(bad, p + 8, n);
  EXPECT_ERROR(load(bad), "slots");
  bad = ct;
  poke<double>(bad, p + 16, std::nan(""));
  EXPECT_ERROR(load(bad), "scale");
  bad = ct;
  poke<double>(bad, p + 16, -1.0);
  EXPECT_ERROR(load(bad), "scale");
  bad = ct;
  uint64_t q1 = s.context->modulus(1).value;
  poke<uint64_t>(bad, p + 24 + 8 * (n + 5), q1); // limb 1, coefficient 5
  EXPECT_ERROR(load(bad), "coefficient 5 of limb 1");
  bad = ct;
  poke<uint64_t>(bad, p + 24 + 8 * 3, ~uint64_t(0));
  EXPECT_ERROR(load(bad), "not below its modulus");

  // Plaintext fields.
  Bytes pt = serialize(s.encoder->encode(randomValues(8, 66), 0, s.scale()));
  bad = pt;
  poke<uint32_t>(bad, p, 9);
  EXPECT_ERROR(deserializePlaintext(bad, s.context), "level 9");
  bad = pt;
  poke<uint64_t>(bad, p + 4, 0);
  EXPECT_ERROR(deserializePlaintext(bad, s.context), "0 slots");

  // Secret key coefficients.
  Bytes sk = serialize(s.keygen->secretKey());
  bad = sk;
  bad[p + 10] = 2;
  fixCrc(bad);
  EXPECT_ERROR(deserializeSecretKey(bad, s.context), "coefficient 10 is 2");

  // Key-switching records: Galois element, level, digit count, key
  // coefficients.
  GaloisKeys gk = s.keygen->createGaloisKeys({1});
  Bytes g = serialize(gk);
  bad = g;
  poke<uint64_t>(bad, p + 4, 4);
  EXPECT_ERROR(deserializeGaloisKeys(bad, s.context), "Galois element 4");
  bad = g;
  poke<uint32_t>(bad, p + 4 + 8, 5);
  EXPECT_ERROR(deserializeGaloisKeys(bad, s.context),
               "a key up to level 5 beyond the chain's top level 2");
  bad = g;
  poke<uint32_t>(bad, p + 4 + 8 + 4, 5);
  EXPECT_ERROR(deserializeGaloisKeys(bad, s.context),
               "5 key-switching digits at level 2");
  bad = g;
  poke<uint32_t>(bad, p, 2);
  EXPECT_ERROR(deserializeGaloisKeys(bad, s.context), "truncated");
  Bytes rk = serialize(s.relinKey);
  bad = rk;
  poke<uint64_t>(bad, p, 5);
  EXPECT_ERROR(deserializeRelinKey(bad, s.context), "Galois element 5");
  bad = rk;
  uint64_t q0 = s.context->modulus(0).value;
  poke<uint64_t>(bad, p + 8 + 4 + 4 + 32, q0 + 1);
  EXPECT_ERROR(deserializeRelinKey(bad, s.context), "not below its modulus");

  // Parameters: a modulus that is not 1 mod 2N, unknown secret distribution.
  Bytes params = serialize(s.context->params());
  size_t firstPrime = p + 4 * 4 + 8 + 1 + 4 + 1;
  bad = params;
  poke<uint64_t>(bad, firstPrime, s.context->modulus(0).value + 2);
  EXPECT_ERROR(deserializeParameters(bad), "not 1 mod 2N");
  bad = params;
  bad[p + 4 * 4 + 8] = 7;
  fixCrc(bad);
  EXPECT_ERROR(deserializeParameters(bad), "unknown secret distribution 7");
  bad = params;
  poke<uint32_t>(bad, p, 20);
  EXPECT_ERROR(deserializeParameters(bad), "2^20");
}
