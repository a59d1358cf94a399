//===- KeysTest.cpp - Level-limited keys and sparse-secret encapsulation --===//

#include "BootstrapTestUtil.h"

#include "aegis/Runtime/Bootstrap/BootstrapSerialization.h"
#include "aegis/Runtime/CKKS/Serialization.h"

#include <gtest/gtest.h>

#include <cmath>

using namespace aegis;
using namespace aegis::ckks;
using namespace aegis::ckks::test;

namespace {

/// The centered coefficients of a plaintext (any level).
std::vector<double> coefficients(const KeySetup &s, const Plaintext &pt) {
  const Context &ctx = *s.context;
  RnsPoly poly = pt.poly();
  ctx.backend().inverseNtt(poly.data(), ctx.chainIndices(pt.level()));
  std::vector<uint64_t> host(poly.numWords());
  ctx.backend().copyToHost(host.data(), poly.data(), host.size());
  std::vector<size_t> indices(ctx.degree());
  for (size_t i = 0; i < indices.size(); ++i) {
    indices[i] = i;
  }
  return s.encoder->composeCentered(host, pt.level(), indices);
}

TEST(BootstrapKeys, LevelKeysHoldOnlyTheirLevels) {
  KeySetup s(bootstrapPreset("toy-n10").spec);
  const Context &ctx = *s.context;
  BootstrapKeyGenerator generator(s.context, s.keygen->secretKey(),
                                  seedFromInteger(1));
  KeySwitchKey low = generator.createGaloisKey(ctx.galoisElementForRotation(1), 4);
  KeySwitchKey top = generator.createGaloisKey(ctx.galoisElementForRotation(1),
                                           ctx.maxLevel());
  const size_t words = ctx.degree() * 8;
  EXPECT_EQ(low.numDigits(), ctx.numDigits(4));
  EXPECT_EQ(low.memoryBytes(),
            ctx.numDigits(4) * 2 * (5 + ctx.numSpecial()) * words);
  EXPECT_EQ(top.memoryBytes(), ctx.numDigits(ctx.maxLevel()) * 2 *
                                   (ctx.maxLevel() + 1 + ctx.numSpecial()) *
                                   words);
  EXPECT_LT(low.memoryBytes(), top.memoryBytes() / 3);

  // A rotation with the small key is correct at its levels and refused
  // above them.
  auto keys = std::make_shared<BootstrapKeys>();
  keys->galois.emplace(low.galoisElement(), std::move(low));
  BootstrapEvaluator evaluator(s.context, keys);
  const size_t n = ctx.degree() / 2;
  std::vector<Complex> x = randomValues(n, 3);
  Ciphertext ct = s.encrypt(x, 4, std::ldexp(1.0, 40), n);
  std::vector<Complex> got = s.decrypt(evaluator.rotate(ct, 1));
  for (size_t i = 0; i < n; ++i) {
    EXPECT_LT(std::abs(got[i] - x[(i + 1) % n]), 1e-6);
  }
  Ciphertext high = s.encrypt(x, 6, std::ldexp(1.0, 40), n);
  EXPECT_THROW(evaluator.rotate(high, 1), Error);
  EXPECT_THROW(evaluator.rotate(ct, 2), Error); // no key for 2
}

// Encapsulation switches a level-0 ciphertext to the sparse secret (modulo
// q_0 * p_0), and ModRaise then yields m + q_0 * I with |I| <= (h + 1) / 2.
TEST(BootstrapKeys, EncapsulationAndModRaise) {
  BootSetup s(bootstrapPreset("toy-n10"));
  const Context &ctx = *s.context;
  const size_t n = ctx.degree() / 2;
  std::vector<Complex> x = randomValues(n, 4);
  Plaintext pt = s.encoder->encode(x, 0, s.plan->inputScale(), n);
  Ciphertext ct = s.encryptor->encrypt(pt);

  BootstrapKeyGenerator generator(s.context, s.keygen->secretKey(),
                                  seedFromInteger(5));
  BootstrapKeys keys;
  std::vector<int8_t> ephemeral =
      generator.createEncapsulationKeys(32, ctx.maxLevel(), keys);
  size_t weight = 0;
  for (int8_t c : ephemeral) {
    weight += c != 0;
  }
  EXPECT_EQ(weight, 32u);
  auto shared = std::make_shared<BootstrapKeys>(std::move(keys));
  BootstrapEvaluator evaluator(s.context, shared);
  Ciphertext sparse = evaluator.encapsulate(ct);
  Decryptor sparseDecryptor(s.context, SecretKey(s.context, ephemeral));
  std::vector<Complex> got = s.encoder->decode(sparseDecryptor.decrypt(sparse));
  PrecisionStats stats = measurePrecision(x, got);
  EXPECT_GT(stats.worstBits, 20.0);
  // The dense decryption of the encapsulated ciphertext is garbage.
  EXPECT_LT(measurePrecision(x, s.decrypt(sparse)).worstBits, 0.0);

  Ciphertext raised = s.bootstrapper->modRaise(ct);
  EXPECT_EQ(raised.level(), ctx.maxLevel());
  std::vector<double> message = coefficients(s, pt);
  std::vector<double> lifted = coefficients(s, s.decryptor->decrypt(raised));
  const double q0 = double(ctx.modulus(0).value);
  long largest = 0;
  for (size_t i = 0; i < message.size(); ++i) {
    double multiple = (lifted[i] - message[i]) / q0;
    long rounded = std::lround(multiple);
    EXPECT_NEAR(multiple, double(rounded), 1e-6) << "coefficient " << i;
    largest = std::max(largest, std::labs(rounded));
  }
  EXPECT_LE(largest, 16);
  EXPECT_GE(largest, 2); // I is not trivially zero
}

TEST(BootstrapKeys, MissingKeysAreNamed) {
  KeySetup s(bootstrapPreset("toy-n10").spec);
  auto keys = std::make_shared<BootstrapKeys>();
  BootstrapEvaluator evaluator(s.context, keys);
  Ciphertext ct = s.encrypt({1.0}, 0, std::ldexp(1.0, 40), 4);
  try {
    evaluator.conjugate(ct);
    FAIL() << "conjugation without a key did not throw";
  } catch (const Error &e) {
    EXPECT_NE(std::string(e.what()).find("element 2047"), std::string::npos)
        << e.what();
  }
  EXPECT_THROW(evaluator.encapsulate(ct), Error);
}

} // namespace

TEST(BootstrapKeys, SerializationRoundTripsAndChecks) {
  BootSetup s(bootstrapPreset("toy-n10"));
  Bytes bytes = serialize(*s.keys, *s.context);
  BootstrapKeys back = deserializeBootstrapKeys(bytes, s.context);
  // Same words: serializing the loaded keys gives the same bytes.
  EXPECT_EQ(serialize(back, *s.context), bytes);
  EXPECT_EQ(back.galois.size(), s.keys->galois.size());
  // A bootstrap with the loaded keys gives the same ciphertext.
  auto loaded = std::make_shared<const BootstrapKeys>(std::move(back));
  Bootstrapper again(s.plan, loaded);
  std::vector<Complex> values(s.plan->slots(), Complex(0.25, -0.5));
  Ciphertext ct = s.encrypt(values, 0, s.plan->inputScale(), s.plan->slots());
  Ciphertext a = s.bootstrapper->bootstrap(ct), b = again.bootstrap(ct);
  EXPECT_EQ(serialize(a), serialize(b));
  // Corruption and the wrong kind are refused with a message.
  Bytes flipped = bytes;
  flipped[flipped.size() / 2] ^= 1;
  EXPECT_THROW(deserializeBootstrapKeys(flipped, s.context), Error);
  EXPECT_THROW(
      deserializeBootstrapKeys(serialize(s.keygen->createRelinKey()), s.context),
      Error);
}
