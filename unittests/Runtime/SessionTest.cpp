//===- SessionTest.cpp - client/server key and ciphertext files -----------===//
//
// keygen -> encrypt -> eval -> decrypt through session files gives exactly
// one-shot mode's outputs for the same seed; every session file rejects the
// wrong kind, corruption, truncation, another artifact or other parameters
// with one line naming the file.
//
//===----------------------------------------------------------------------===//

#include "ArtifactTestUtil.h"

#include "aegis/Runtime/Artifact/Executor.h"
#include "aegis/Runtime/Artifact/Session.h"
#include "aegis/Runtime/CKKS/Serialization.h"
#include "aegis/Runtime/Support/Crc32c.h"
#include "aegis/Runtime/Support/Error.h"

#include <gtest/gtest.h>

#include <sys/stat.h>

#include <cstdio>
#include <cstring>
#include <functional>

using namespace aegis;
using aegis::test::makeTestArtifact;

namespace {

std::string errorOf(const std::function<void()> &fn) {
  try {
    fn();
  } catch (const Error &e) {
    return e.what();
  }
  return "no error";
}

#define EXPECT_ERROR(statement, fragment)                                      \
  do {                                                                         \
    std::string m_ = errorOf([&] { statement; });                              \
    EXPECT_NE(m_.find(fragment), std::string::npos)                            \
        << "message: " << m_ << "\nexpected to contain: " << fragment;        \
  } while (0)

void reseal(SessionBytes &b) {
  uint32_t crc = crc32c(b.data(), b.size() - 4);
  std::memcpy(b.data() + b.size() - 4, &crc, 4);
}

std::vector<std::vector<double>> testInputs() {
  return {{0.5, -1.0, 0.25, 2.0, 1.5, -0.75, 0.125, 1.0},
          {1.0, 2.0, -3.0, 0.5, 0.25, 4.0, -1.0, 0.5}};
}

/// Everything one split run produces, from seed 5.
struct Split {
  Artifact artifact = makeTestArtifact();
  ckks::ContextPtr context =
      createArtifactContext(artifact, ExecutionBackend::Cpu);
  ClientKeys client;
  EvaluationKeys keys;
  SessionBytes sk, pk, ek, in, out;

  Split() {
    Seed master = seedFromInteger(5);
    generateKeys(artifact, context, deriveSeed(master, 1), client, keys);
    sk = serializeClientKeys(artifact, client);
    pk = serializePublicKey(artifact, client.publicKey);
    ek = serializeEvaluationKeys(artifact, keys);
    auto cts = encryptInputs(artifact, context, client.publicKey,
                             deriveSeed(master, 2), testInputs());
    in = serializeCiphertexts(artifact, SessionFileKind::InputCiphertexts,
                              cts, keys.keySet);
  }
};

Split &shared() {
  static Split s;
  return s;
}

} // namespace

TEST(Session, SplitRunEqualsOneShotBitForBit) {
  Split &s = shared();
  // Server side: a fresh context, only evaluation keys and ciphertexts.
  auto server = createArtifactContext(s.artifact, ExecutionBackend::Cpu);
  EvaluationKeys keys = parseEvaluationKeys(s.ek, s.artifact, server, "ek");
  EXPECT_TRUE(keys.relin.has_value());
  EXPECT_EQ(keys.galois.keys().size(), 1u);
  auto inputs = parseCiphertexts(s.in, s.artifact,
                                 SessionFileKind::InputCiphertexts, server,
                                 "in");
  ASSERT_EQ(inputs.size(), 2u);
  RunReport report;
  auto outputs = evaluateEncrypted(s.artifact, server, keys,
                                   std::move(inputs), RunOptions(), report);
  EXPECT_EQ(report.instructions, 5u);
  EXPECT_EQ(report.keySwitches, 2u);
  SessionBytes out = serializeCiphertexts(
      s.artifact, SessionFileKind::OutputCiphertexts, outputs, keys.keySet);

  // Client side again.
  auto client = createArtifactContext(s.artifact, ExecutionBackend::Cpu);
  ClientKeys ck = parseClientKeys(s.sk, s.artifact, client, "sk");
  auto cts = parseCiphertexts(out, s.artifact,
                              SessionFileKind::OutputCiphertexts, client,
                              "out");
  auto split = decryptOutputs(s.artifact, client, ck.secretKey, cts);

  RunOptions options;
  options.seed = 5;
  RunReport oneShotReport;
  auto oneShot = runArtifact(s.artifact, testInputs(), options, oneShotReport);
  ASSERT_EQ(split.size(), 1u);
  ASSERT_EQ(oneShot.size(), 1u);
  ASSERT_EQ(split[0].size(), 8u);
  for (size_t i = 0; i < 8; ++i)
    EXPECT_EQ(std::memcmp(&split[0][i], &oneShot[0][i], sizeof(double)), 0)
        << i << ": " << split[0][i] << " vs " << oneShot[0][i];
  // And it computes the program: out[i] = p[i] + p[i + 1], p = x' * y with
  // x' the slot-map-reversed x.
  auto in = testInputs();
  std::vector<double> p(8);
  for (size_t i = 0; i < 8; ++i)
    p[i] = in[0][7 - i] * in[1][i];
  for (size_t i = 0; i < 8; ++i)
    EXPECT_NEAR(split[0][i], p[i] + p[(i + 1) % 8], 1e-6) << i;
}

TEST(Session, FilesRoundTripByteForByte) {
  Split &s = shared();
  ClientKeys ck = parseClientKeys(s.sk, s.artifact, s.context, "sk");
  EXPECT_EQ(serializeClientKeys(s.artifact, ck), s.sk);
  EXPECT_EQ(serializePublicKey(
                s.artifact, parsePublicKey(s.pk, s.artifact, s.context, "pk")),
            s.pk);
  // A secret-key file also serves as the public key.
  EXPECT_EQ(serializePublicKey(
                s.artifact, parsePublicKey(s.sk, s.artifact, s.context, "sk")),
            s.pk);
  EXPECT_EQ(serializeEvaluationKeys(
                s.artifact,
                parseEvaluationKeys(s.ek, s.artifact, s.context, "ek")),
            s.ek);
  EXPECT_EQ(serializeCiphertexts(
                s.artifact, SessionFileKind::InputCiphertexts,
                parseCiphertexts(s.in, s.artifact,
                                 SessionFileKind::InputCiphertexts, s.context,
                                 "in"),
                s.keys.keySet),
            s.in);
  EXPECT_EQ(peekSessionFileKind(s.sk, "sk"), SessionFileKind::SecretKey);
  EXPECT_EQ(peekSessionFileKind(s.ek, "ek"), SessionFileKind::EvaluationKeys);
}

TEST(Session, NoSecretKeyInServerFiles) {
  // The secret key's record kind never appears in what the server gets.
  Split &s = shared();
  SessionBytes secretRecord = ckks::serialize(s.client.secretKey);
  std::vector<uint8_t> header(secretRecord.begin(), secretRecord.begin() + 16);
  for (const SessionBytes *b : {&s.ek, &s.in, &s.pk})
    EXPECT_EQ(std::search(b->begin(), b->end(), header.begin(), header.end()),
              b->end());
}

TEST(Session, RejectsTheWrongKind) {
  Split &s = shared();
  EXPECT_ERROR(parseEvaluationKeys(s.sk, s.artifact, s.context, "sk.bin"),
               "sk.bin: wrong file: it holds a secret key, this step needs "
               "evaluation keys");
  EXPECT_ERROR(parseClientKeys(s.ek, s.artifact, s.context, "ek.bin"),
               "ek.bin: wrong file: it holds evaluation keys, this step needs "
               "a secret key");
  EXPECT_ERROR(parseClientKeys(s.pk, s.artifact, s.context, "pk.bin"),
               "pk.bin: wrong file: it holds a public key, this step needs a "
               "secret key");
  EXPECT_ERROR(parseCiphertexts(s.in, s.artifact,
                                SessionFileKind::OutputCiphertexts, s.context,
                                "in.ct"),
               "in.ct: wrong file: it holds input ciphertexts, this step "
               "needs output ciphertexts");
  EXPECT_ERROR(parsePublicKey(s.in, s.artifact, s.context, "in.ct"),
               "in.ct: wrong file: it holds input ciphertexts, this step "
               "needs a public key");
}

TEST(Session, RejectsBadMagicVersionAndCorruption) {
  Split &s = shared();
  SessionBytes b = s.ek;
  b[1] = 'X';
  EXPECT_ERROR(parseEvaluationKeys(b, s.artifact, s.context, "ek.bin"),
               "ek.bin: not an aegis key or ciphertext file (bad magic; "
               "expected \"AEGISSES\")");
  b = s.ek;
  b[8] = 7;
  reseal(b);
  EXPECT_ERROR(parseEvaluationKeys(b, s.artifact, s.context, "ek.bin"),
               "ek.bin: key/ciphertext file format version 7 is not supported "
               "by this aegis-run (version 3); regenerate");
  for (size_t offset : {size_t(13), size_t(30), s.ek.size() / 2,
                        s.ek.size() - 2}) {
    b = s.ek;
    SCOPED_TRACE(offset);
    b[offset] ^= 1;
    EXPECT_ERROR(parseEvaluationKeys(b, s.artifact, s.context, "ek.bin"),
                 "ek.bin: corrupt key or ciphertext file: checksum mismatch "
                 "(truncated or modified)");
  }
  b = s.in;
  b[12] = 9;
  reseal(b);
  EXPECT_ERROR(parseCiphertexts(b, s.artifact,
                                SessionFileKind::InputCiphertexts, s.context,
                                "in.ct"),
               "in.ct: corrupt key or ciphertext file: unknown kind 9");
}

TEST(Session, RejectsTruncation) {
  Split &s = shared();
  for (size_t size : {size_t(0), size_t(5), size_t(8), size_t(30),
                      size_t(43), size_t(100), s.in.size() / 2,
                      s.in.size() - 1}) {
    SessionBytes b(s.in.begin(), s.in.begin() + size);
    std::string m = errorOf([&] {
      parseCiphertexts(b, s.artifact, SessionFileKind::InputCiphertexts,
                       s.context, "in.ct");
    });
    EXPECT_EQ(m.rfind("in.ct: ", 0), 0u) << size << ": " << m;
    EXPECT_TRUE(m.find("bad magic") != std::string::npos ||
                m.find("truncated") != std::string::npos)
        << size << ": " << m;
  }
  // Truncated with a recomputed checksum: the record sizes catch it.
  SessionBytes b(s.in.begin(), s.in.end() - 100);
  reseal(b);
  EXPECT_ERROR(parseCiphertexts(b, s.artifact,
                                SessionFileKind::InputCiphertexts, s.context,
                                "in.ct"),
               "in.ct: corrupt input ciphertexts file: record 1 of");
}

TEST(Session, RejectsCorruptRecordsInsideAValidEnvelope) {
  Split &s = shared();
  SessionBytes b = s.in;
  b[48 + 8 + 200] ^= 1; // inside the first ciphertext's record
  reseal(b);
  EXPECT_ERROR(parseCiphertexts(b, s.artifact,
                                SessionFileKind::InputCiphertexts, s.context,
                                "in.ct"),
               "in.ct: ciphertext");
}

TEST(Session, RejectsAnotherArtifactOrOtherParameters) {
  Split &s = shared();
  Artifact other = makeTestArtifact();
  other.rotations = {1, 2};
  other.program[3].imm = 2;
  auto context = createArtifactContext(other, ExecutionBackend::Cpu);
  EXPECT_ERROR(parseEvaluationKeys(s.ek, other, context, "ek.bin"),
               "ek.bin: evaluation keys made for another artifact "
               "(fingerprint 0x");
  EXPECT_ERROR(parseClientKeys(s.sk, other, context, "sk.bin"),
               "sk.bin: secret key made for another artifact");
  // The compiler version and commit are not part of the fingerprint.
  Artifact rebuilt = makeTestArtifact();
  rebuilt.compilerVersion = "9.9";
  rebuilt.compilerCommit = "feed";
  EXPECT_EQ(artifactFingerprint(rebuilt), artifactFingerprint(s.artifact));

  Artifact params = makeTestArtifact();
  params.params.chainBits = {50, 40, 41};
  auto context2 = createArtifactContext(params, ExecutionBackend::Cpu);
  EXPECT_ERROR(parseCiphertexts(s.in, params,
                                SessionFileKind::InputCiphertexts, context2,
                                "in.ct"),
               "in.ct: input ciphertexts made for other CKKS parameters "
               "(hash 0x");
}

TEST(Session, RejectsMissingKeys) {
  Split &s = shared();
  EvaluationKeys noRotation;
  noRotation.relin = s.keys.relin;
  noRotation.galois = ckks::GaloisKeys(s.context);
  noRotation.keySet = s.keys.keySet;
  SessionBytes b = serializeEvaluationKeys(s.artifact, noRotation);
  EXPECT_ERROR(parseEvaluationKeys(b, s.artifact, s.context, "ek.bin"),
               "ek.bin: the evaluation keys have no key for rotation by 1");
  EvaluationKeys noRelin;
  noRelin.galois = s.keys.galois;
  noRelin.keySet = s.keys.keySet;
  b = serializeEvaluationKeys(s.artifact, noRelin);
  EXPECT_ERROR(parseEvaluationKeys(b, s.artifact, s.context, "ek.bin"),
               "ek.bin: the program relinearizes but the evaluation keys have "
               "no relinearization key");
}

TEST(Session, RejectsCiphertextsThatDoNotFitTheArtifact) {
  Split &s = shared();
  auto cts = parseCiphertexts(s.in, s.artifact,
                              SessionFileKind::InputCiphertexts, s.context,
                              "in");
  std::vector<ckks::Ciphertext> one = {cts[0]};
  SessionBytes b =
      serializeCiphertexts(s.artifact, SessionFileKind::InputCiphertexts, one,
                           s.keys.keySet);
  EXPECT_ERROR(parseCiphertexts(b, s.artifact,
                                SessionFileKind::InputCiphertexts, s.context,
                                "in.ct"),
               "in.ct: 1 input ciphertexts, the artifact's inputs take 2");
  Artifact lower = makeTestArtifact();
  lower.inputs[1].level = 1;
  lower.program[0].op = Opcode::Add; // x (level 2) + y (level 1) is fine here
  lower.program.erase(lower.program.begin() + 1, lower.program.begin() + 3);
  lower.program[0].result = 4;
  EXPECT_ERROR(checkCiphertexts(lower, *s.context, false, cts, "in.ct"),
               "in.ct: ciphertext 0 of input 'y' is at level 2, expected 1");
  RunReport report;
  EXPECT_ERROR(evaluateEncrypted(lower, s.context, s.keys, cts, RunOptions(),
                                 report),
               "input ciphertexts: ciphertext 0 of input 'y' is at level 2, "
               "expected 1");
}

// Regression (issue 19): ciphertexts of another key pair were evaluated and
// decrypted to values around 1e16 with exit code 0.
TEST(Session, FilesAreBoundToTheirKeySet) {
  Split &s = shared();
  EXPECT_EQ(sessionKeySet(s.sk, "sk"), keySetFingerprint(s.client.publicKey));
  EXPECT_EQ(sessionKeySet(s.pk, "pk"), sessionKeySet(s.sk, "sk"));
  EXPECT_EQ(sessionKeySet(s.ek, "ek"), sessionKeySet(s.sk, "sk"));
  EXPECT_EQ(sessionKeySet(s.in, "in"), sessionKeySet(s.sk, "sk"));
  requireSameKeySet(s.in, "in.ct", s.ek, "ek.bin");
  requireSameKeySet(s.in, "in.ct", s.sk, "sk.bin");

  // A second keygen (another seed): another fingerprint everywhere.
  ClientKeys otherClient;
  EvaluationKeys otherKeys;
  generateKeys(s.artifact, s.context, seedFromInteger(99), otherClient,
               otherKeys);
  EXPECT_NE(otherKeys.keySet, s.keys.keySet);
  SessionBytes otherEk = serializeEvaluationKeys(s.artifact, otherKeys);
  SessionBytes otherSk = serializeClientKeys(s.artifact, otherClient);
  std::string m = errorOf([&] {
    requireSameKeySet(s.in, "in.ct", otherEk, "other-ek.bin");
  });
  EXPECT_EQ(m.rfind("in.ct: input ciphertexts made under another key set "
                    "(key fingerprint 0x",
                    0),
            0u)
      << m;
  EXPECT_NE(m.find("than other-ek.bin's evaluation keys (key fingerprint 0x"),
            std::string::npos)
      << m;
  EXPECT_ERROR(requireSameKeySet(s.in, "out.ct", otherSk, "other-sk.bin"),
               "than other-sk.bin's secret key");
  // The fingerprint is covered by the checksum.
  SessionBytes b = s.in;
  b[33] ^= 1;
  EXPECT_ERROR(sessionKeySet(b, "in.ct"), "checksum mismatch");
}

TEST(Session, SecretKeyFilesAreOwnerOnly) {
  Split &s = shared();
  std::string dir = ::testing::TempDir();
  std::string sk = dir + "/aegis-session-test-sk.bin";
  std::string ek = dir + "/aegis-session-test-ek.bin";
  writeSessionFile(sk, s.sk);
  writeSessionFile(ek, s.ek);
  struct stat st;
  ASSERT_EQ(::stat(sk.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_EQ(readSessionFile(sk), s.sk);
  EXPECT_EQ(readSessionFile(ek), s.ek);
  std::remove(sk.c_str());
  std::remove(ek.c_str());
  EXPECT_ERROR(readSessionFile(sk), "aegis-session-test-sk.bin: cannot open "
                                    "file");
  EXPECT_ERROR(writeSessionFile("/nonexistent/dir/x.bin", s.ek),
               "/nonexistent/dir/x.bin: cannot open for writing");
}

TEST(Session, SeededInputsAreHalfTheSizeAndEvaluate) {
  Split &s = shared();
  Seed seed = seedFromInteger(11);
  auto cts = encryptInputsSymmetric(s.artifact, s.context,
                                    s.client.secretKey, seed, testInputs());
  SessionBytes seeded = serializeSeededInputs(s.artifact, cts, seed, s.keys.keySet);
  EXPECT_LT(seeded.size(), s.in.size() / 2 + 400);
  // A wrong seed cannot describe these ciphertexts.
  EXPECT_ERROR(serializeSeededInputs(s.artifact, cts, seedFromInteger(12),
                                     s.keys.keySet),
               "not a fresh symmetric encryption with this seed");
  auto server = createArtifactContext(s.artifact, ExecutionBackend::Cpu);
  auto inputs = parseCiphertexts(seeded, s.artifact,
                                 SessionFileKind::InputCiphertexts, server,
                                 "in.ct");
  EXPECT_EQ(serializeCiphertexts(s.artifact,
                                 SessionFileKind::InputCiphertexts, inputs,
                                 s.keys.keySet),
            serializeCiphertexts(s.artifact,
                                 SessionFileKind::InputCiphertexts, cts,
                                 s.keys.keySet));
  RunReport report;
  EvaluationKeys keys = parseEvaluationKeys(s.ek, s.artifact, server, "ek");
  auto outputs = evaluateEncrypted(s.artifact, server, keys, std::move(inputs),
                                   RunOptions(), report);
  // Output files never hold seeded ciphertexts.
  SessionBytes out = serializeSeededInputs(s.artifact, cts, seed, s.keys.keySet);
  std::memcpy(out.data() + 12, "\x05\0\0\0", 4); // kind: output
  reseal(out);
  EXPECT_ERROR(parseCiphertexts(out, s.artifact,
                                SessionFileKind::OutputCiphertexts, s.context,
                                "out.ct"),
               "out.ct: holds a seeded ciphertext where a ciphertext belongs");
  auto values = decryptOutputs(
      s.artifact, s.context, s.client.secretKey,
      parseCiphertexts(serializeCiphertexts(s.artifact,
                                            SessionFileKind::OutputCiphertexts,
                                            outputs, s.keys.keySet),
                       s.artifact, SessionFileKind::OutputCiphertexts,
                       s.context, "out.ct"));
  auto in = testInputs();
  std::vector<double> p(8);
  for (size_t i = 0; i < 8; ++i)
    p[i] = in[0][7 - i] * in[1][i];
  for (size_t i = 0; i < 8; ++i)
    EXPECT_NEAR(values[0][i], p[i] + p[(i + 1) % 8], 1e-6) << i;
}

// Keys are generated at the levels the artifact records (the test program
// relinearizes at level 2 and rotates at level 1), run bit-identically to
// full keys, and keys below the level a program uses them at are refused.
TEST(Session, KeysAtTheLevelsTheProgramUsesThem) {
  Artifact full = makeTestArtifact();
  Artifact limited = full;
  limited.rotationLevels = {1};
  limited.relinLevel = 2;
  ckks::ContextPtr context =
      createArtifactContext(limited, ExecutionBackend::Cpu);
  ClientKeys client;
  EvaluationKeys keys, fullKeys;
  generateKeys(limited, context, seedFromInteger(3), client, keys);
  generateKeys(full, context, seedFromInteger(3), client, fullKeys);
  uint64_t g = context->galoisElementForRotation(1);
  EXPECT_EQ(keys.galois.at(g).maxLevel(), 1u);
  EXPECT_EQ(keys.relin->key().maxLevel(), 2u);
  EXPECT_EQ(fullKeys.galois.at(g).maxLevel(), 2u);
  EXPECT_LT(keys.programKeyBytes(), fullKeys.programKeyBytes());

  RunOptions options;
  RunReport r1, r2;
  auto a = runArtifact(limited, testInputs(), options, r1);
  auto b = runArtifact(full, testInputs(), options, r2);
  EXPECT_EQ(a, b);
  EXPECT_EQ(r1.programKeyBytes, keys.programKeyBytes());

  // Keys made for the limited artifact, presented for one that rotates at
  // level 2 (fingerprint patched so that only the level check remains).
  Artifact higher = limited;
  higher.rotationLevels = {2};
  SessionBytes ek = serializeEvaluationKeys(limited, keys);
  uint64_t fp = artifactContentFingerprint(higher);
  std::memcpy(ek.data() + 24, &fp, 8);
  reseal(ek);
  EXPECT_ERROR(parseEvaluationKeys(ek, higher, context, "ek.bin"),
               "ek.bin: the evaluation keys' rotation-by-1 key is valid up to "
               "level 1, the program uses it at level 2");
}

// The specs of generateClientKeys rebuild generateKeys' keys bit for bit
// (same seeds, same levels, same order), and programKeyBytes gives their
// size without making them: what lets each device generate its own share.
TEST(Session, KeySpecsRebuildTheKeysBitForBit) {
  Artifact artifact = makeTestArtifact();
  artifact.rotationLevels = {1};
  ckks::ContextPtr context =
      createArtifactContext(artifact, ExecutionBackend::Cpu);
  ClientKeys client, specClient;
  EvaluationKeys keys;
  generateKeys(artifact, context, seedFromInteger(5), client, keys);
  std::vector<ProgramKeySpec> specs =
      generateClientKeys(artifact, context, seedFromInteger(5), specClient);
  EXPECT_EQ(keySetFingerprint(specClient.publicKey), keys.keySet);
  ASSERT_EQ(specs.size(), 1 + keys.galois.keys().size());
  size_t bytes = 0;
  for (const ProgramKeySpec &spec : specs) {
    ckks::KeySwitchKey key = generateProgramKey(specClient.secretKey, spec);
    const ckks::KeySwitchKey &want = spec.relinearization()
                                         ? keys.relin->key()
                                         : keys.galois.at(spec.galoisElement);
    EXPECT_EQ(key.maxLevel(), spec.level);
    EXPECT_EQ(ckks::serialize(ckks::RelinKey(key)),
              ckks::serialize(ckks::RelinKey(want)))
        << "element " << spec.galoisElement;
    EXPECT_EQ(programKeyBytes(*context, spec), want.memoryBytes());
    bytes += programKeyBytes(*context, spec);
  }
  EXPECT_EQ(bytes, keys.programKeyBytes());
}
