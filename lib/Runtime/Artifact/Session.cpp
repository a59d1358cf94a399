//===- Session.cpp - keys and ciphertexts of a client/server run ----------===//

#include "aegis/Runtime/Artifact/Session.h"

#include "aegis/Runtime/Bootstrap/BootstrapSerialization.h"

#include "aegis/Runtime/Backend/CudaBackend.h"
#include "aegis/Runtime/CKKS/Encoder.h"
#include "aegis/Runtime/CKKS/Encryptor.h"
#include "aegis/Runtime/CKKS/Evaluator.h"
#include "aegis/Runtime/CKKS/Parameters.h"
#include "aegis/Runtime/CKKS/Serialization.h"
#include "aegis/Runtime/Support/Crc32c.h"
#include "aegis/Runtime/Support/Error.h"
#include "aegis/Support/ReadFile.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstring>
#include <fstream>
#include <iterator>
#include <map>

namespace aegis {

using namespace ckks;

namespace {

/// The bootstrapping an artifact's program does (BootstrapConfig.h).
BootstrapConfig bootstrapConfigOf(const Artifact &artifact) {
  const ArtifactParameters &p = artifact.params;
  return ckks::programBootstrapConfig(p.logN, p.nominalLogScale,
                                      p.bootstrapLogSlots,
                                      p.bootstrapTransformLevels);
}
constexpr char kMagic[8] = {'A', 'E', 'G', 'I', 'S', 'S', 'E', 'S'};
constexpr size_t kHeaderBytes = 48;
constexpr uint64_t kMaxRecords = uint64_t(1) << 24;

std::string hex(uint64_t v) {
  char buf[24];
  std::snprintf(buf, sizeof(buf), "0x%016llx", (unsigned long long)v);
  return buf;
}

template <typename T> void put(SessionBytes &b, T v) {
  const uint8_t *p = reinterpret_cast<const uint8_t *>(&v);
  b.insert(b.end(), p, p + sizeof(T));
}

template <typename T> T get(const SessionBytes &b, size_t offset) {
  T v;
  std::memcpy(&v, b.data() + offset, sizeof(T));
  return v;
}

uint64_t parameterHash(const Artifact &artifact) {
  // The same parameters the context is made from (primes regenerated
  // deterministically), without building the context's tables.
  return Parameters::create(artifactParameterSpec(artifact)).hash();
}

SessionBytes bundle(const Artifact &artifact, SessionFileKind kind,
                    uint64_t keySet, const std::vector<Bytes> &records) {
  require(keySet != 0, "a ", sessionFileKindName(kind),
          " file needs the fingerprint of its key set");
  SessionBytes b(kMagic, kMagic + 8);
  put<uint32_t>(b, kSessionFormatVersion);
  put<uint32_t>(b, uint32_t(kind));
  put<uint64_t>(b, parameterHash(artifact));
  put<uint64_t>(b, artifactFingerprint(artifact));
  put<uint64_t>(b, keySet);
  put<uint64_t>(b, records.size());
  for (const Bytes &r : records) {
    put<uint64_t>(b, r.size());
    b.insert(b.end(), r.begin(), r.end());
  }
  put<uint32_t>(b, crc32c(b.data(), b.size()));
  return b;
}

std::string withArticle(SessionFileKind kind) {
  bool single = kind == SessionFileKind::SecretKey ||
                kind == SessionFileKind::PublicKey;
  return std::string(single ? "a " : "") + sessionFileKindName(kind);
}

/// Checks the envelope of a session file of kind `expected` and returns its
/// records.
std::vector<Bytes> unbundle(const SessionBytes &b, const Artifact &artifact,
                            SessionFileKind expected,
                            const std::string &name) {
  SessionFileKind kind = peekSessionFileKind(b, name);
  if (kind != expected)
    fail(name, ": wrong file: it holds ", withArticle(kind),
         ", this step needs ", withArticle(expected));
  uint64_t params = get<uint64_t>(b, 16), wantParams = parameterHash(artifact);
  if (params != wantParams)
    fail(name, ": ", sessionFileKindName(kind),
         " made for other CKKS parameters (hash ", hex(params),
         ") than the artifact's (hash ", hex(wantParams), ")");
  uint64_t fp = get<uint64_t>(b, 24), wantFp = artifactFingerprint(artifact);
  if (fp != wantFp)
    fail(name, ": ", sessionFileKindName(kind),
         " made for another artifact (fingerprint ", hex(fp),
         "; this artifact's is ", hex(wantFp), ")");
  size_t end = b.size() - 4, pos = kHeaderBytes;
  uint64_t count = get<uint64_t>(b, 40);
  if (count > kMaxRecords || count > (end - pos) / 8)
    fail(name, ": corrupt ", sessionFileKindName(kind), " file: ", count,
         " records");
  std::vector<Bytes> records;
  for (uint64_t i = 0; i < count; ++i) {
    if (end - pos < 8)
      fail(name, ": corrupt ", sessionFileKindName(kind), " file: record ", i,
           " is truncated");
    uint64_t size = get<uint64_t>(b, pos);
    pos += 8;
    if (size > end - pos)
      fail(name, ": corrupt ", sessionFileKindName(kind), " file: record ", i,
           " of ", size, " bytes exceeds the file");
    records.emplace_back(b.begin() + pos, b.begin() + pos + size);
    pos += size;
  }
  if (pos != end)
    fail(name, ": corrupt ", sessionFileKindName(kind), " file: ", end - pos,
         " unexpected bytes after the records");
  return records;
}

/// Runs a deserializer, prefixing its errors with the file name.
template <typename F> auto named(const std::string &name, F &&f) {
  try {
    return f();
  } catch (const Error &e) {
    fail(name, ": ", e.what());
  }
}

ObjectKind recordKind(const Bytes &record, const std::string &name) {
  return named(name, [&] { return peekObjectKind(record); });
}

void requireRecordKind(const Bytes &record, ObjectKind want,
                       const std::string &name) {
  ObjectKind kind = recordKind(record, name);
  if (kind != want)
    fail(name, ": holds a ", objectKindName(kind), " where a ",
         objectKindName(want), " belongs");
}
/// The header checks of every session file: magic, size, version, the
/// checksum when `checksum`, kind.
SessionFileKind checkHeader(const SessionBytes &b, const std::string &name,
                            bool checksum) {
  if (b.size() < 8 || std::memcmp(b.data(), kMagic, 8) != 0)
    fail(name, ": not an aegis key or ciphertext file (bad magic; expected "
               "\"AEGISSES\")");
  if (b.size() < kHeaderBytes + 4)
    fail(name, ": truncated aegis key or ciphertext file (", b.size(),
         " bytes)");
  uint32_t version = get<uint32_t>(b, 8);
  if (version != kSessionFormatVersion)
    fail(name, ": key/ciphertext file format version ", version,
         " is not supported by this aegis-run (version ",
         kSessionFormatVersion, "); regenerate the keys and ciphertexts "
         "with this aegis-run");
  if (checksum &&
      crc32c(b.data(), b.size() - 4) != get<uint32_t>(b, b.size() - 4))
    fail(name, ": corrupt key or ciphertext file: checksum mismatch "
               "(truncated or modified)");
  uint32_t kind = get<uint32_t>(b, 12);
  if (kind < 1 || kind > 5)
    fail(name, ": corrupt key or ciphertext file: unknown kind ", kind);
  return SessionFileKind(kind);
}

} // namespace

const char *sessionFileKindName(SessionFileKind kind) {
  switch (kind) {
  case SessionFileKind::SecretKey:
    return "secret key";
  case SessionFileKind::PublicKey:
    return "public key";
  case SessionFileKind::EvaluationKeys:
    return "evaluation keys";
  case SessionFileKind::InputCiphertexts:
    return "input ciphertexts";
  case SessionFileKind::OutputCiphertexts:
    return "output ciphertexts";
  }
  return nullptr;
}

ParameterSpec artifactParameterSpec(const Artifact &artifact) {
  ParameterSpec spec;
  spec.logDegree = artifact.params.logN;
  spec.chainBits.assign(artifact.params.chainBits.begin(),
                        artifact.params.chainBits.end());
  spec.specialBits.assign(artifact.params.specialBits.begin(),
                          artifact.params.specialBits.end());
  spec.dnum = artifact.params.dnum;
  spec.allowInsecure = artifact.params.insecure;
  return spec;
}

ContextPtr createArtifactContext(const Artifact &artifact,
                                 ExecutionBackend backend) {
  ParameterSpec spec = artifactParameterSpec(artifact);
  BackendFactory factory;
  if (backend == ExecutionBackend::Cuda)
    factory = createCudaBackend;
  return Context::create(Parameters::create(spec), factory);
}

uint64_t artifactFingerprint(const Artifact &artifact) {
  return artifactContentFingerprint(artifact);
}

uint64_t keySetFingerprint(const PublicKey &publicKey) {
  Bytes bytes = serialize(publicKey);
  uint64_t fp = fnv1a64(bytes.data(), bytes.size());
  return fp != 0 ? fp : 1; // 0 means "none"
}

uint64_t sessionKeySet(const SessionBytes &bytes, const std::string &name) {
  peekSessionFileKind(bytes, name);
  return get<uint64_t>(bytes, 32);
}

void requireSameKeySet(const SessionBytes &a, const std::string &nameA,
                       const SessionBytes &b, const std::string &nameB) {
  // The checksums are the parse functions' job (a CRC pass over a key file
  // of gigabytes is not free): only the header is read here.
  SessionFileKind kindA = checkHeader(a, nameA, /*checksum=*/false);
  SessionFileKind kindB = checkHeader(b, nameB, /*checksum=*/false);
  uint64_t fa = get<uint64_t>(a, 32), fb = get<uint64_t>(b, 32);
  if (fa != fb)
    fail(nameA, ": ", sessionFileKindName(kindA),
         " made under another key set (key fingerprint ", hex(fa), ") than ",
         nameB, "'s ", sessionFileKindName(kindB), " (key fingerprint ",
         hex(fb), "); keys and ciphertexts of one session come from one "
         "keygen");
}

bool artifactRelinearizes(const Artifact &artifact) {
  for (const Instruction &in : artifact.program)
    if (in.op == Opcode::Relinearize)
      return true;
  return false;
}

std::vector<ProgramKeySpec> generateClientKeys(const Artifact &artifact,
                                               const ContextPtr &context,
                                               const Seed &seed,
                                               ClientKeys &client) {
  KeyGenerator keygen(context, seed);
  client.secretKey = keygen.secretKey();
  client.publicKey = keygen.createPublicKey();
  // Every key at the highest level the program uses it; the seeds in the
  // order KeyGenerator::createRelinKey / createGaloisKey would draw them.
  std::vector<ProgramKeySpec> specs;
  if (artifactRelinearizes(artifact))
    specs.push_back({0, relinKeyLevel(artifact), keygen.nextSeed()});
  std::map<uint64_t, unsigned> galoisLevels;
  for (size_t i = 0; i < artifact.rotations.size(); ++i) {
    uint64_t g = context->galoisElementForRotation(long(artifact.rotations[i]));
    if (g != 1)
      galoisLevels[g] = std::max(galoisLevels[g], rotationKeyLevel(artifact, i));
  }
  if (artifact.conjugation) {
    uint64_t g = context->conjugationElement();
    galoisLevels[g] = std::max(galoisLevels[g], conjugationKeyLevel(artifact));
  }
  for (auto [g, level] : galoisLevels)
    specs.push_back({g, level, keygen.nextSeed()});
  return specs;
}

KeySwitchKey generateProgramKey(const SecretKey &secret,
                                const ProgramKeySpec &spec, bool compactKeys) {
  KeySwitchKey key = generateKeySwitchKey(
      secret, keySwitchSource(secret, spec.galoisElement), spec.seed,
      spec.galoisElement, spec.level);
  if (compactKeys)
    key.dropUniform();
  return key;
}

size_t programKeyBytes(const Context &context, const ProgramKeySpec &spec) {
  return size_t(2) * context.numDigits(spec.level) *
         (spec.level + 1 + context.numSpecial()) * context.degree() *
         sizeof(uint64_t);
}

void generateBootstrapKeys(const Artifact &artifact, const ContextPtr &context,
                           const Seed &seed, const SecretKey &secret,
                           EvaluationKeys &keys, bool compactKeys) {
  keys.bootstrapper.reset();
  keys.bootstrapPlan.reset();
  keys.bootstrapKeys.reset();
  if (!artifact.params.bootstrapLevel)
    return;
  auto plan = std::make_shared<const BootstrapPlan>(
      context, bootstrapConfigOf(artifact));
  if (plan->outputLevel() != artifact.params.bootstrapLevel)
    fail("the artifact bootstraps to level ", artifact.params.bootstrapLevel,
         " but its parameters give level ", plan->outputLevel());
  keys.bootstrapPlan = plan;
  keys.bootstrapKeys = ckks::generateBootstrapKeys(
      *plan, secret, deriveSeed(seed, 77), compactKeys);
  keys.bootstrapper =
      std::make_shared<const Bootstrapper>(plan, keys.bootstrapKeys);
}

void generateKeys(const Artifact &artifact, const ContextPtr &context,
                  const Seed &seed, ClientKeys &client, EvaluationKeys &keys,
                  bool compactKeys) {
  std::vector<ProgramKeySpec> specs =
      generateClientKeys(artifact, context, seed, client);
  keys.keySet = keySetFingerprint(client.publicKey);
  keys.relin.reset();
  keys.galois = GaloisKeys(context);
  for (const ProgramKeySpec &spec : specs) {
    KeySwitchKey key = generateProgramKey(client.secretKey, spec, compactKeys);
    if (spec.relinearization())
      keys.relin = RelinKey(std::move(key));
    else
      keys.galois.insert(std::move(key));
  }
  generateBootstrapKeys(artifact, context, seed, client.secretKey, keys,
                        compactKeys);
}

size_t EvaluationKeys::programKeyBytes() const {
  size_t bytes = relin ? relin->key().memoryBytes() : 0;
  for (const auto &[g, key] : galois.keys())
    bytes += key.memoryBytes();
  return bytes;
}

size_t EvaluationKeys::bootstrapKeyBytes() const {
  return bootstrapKeys ? bootstrapKeys->memoryBytes() : 0;
}

Ciphertext bootstrapWithHeadroom(const Bootstrapper &bootstrapper,
                                 const Ciphertext &a, unsigned headroom,
                                 bool complex) {
  // Complex: in at 2^(h+1), out of the bootstrapper z / 2^(h+2), times
  // 2^(h+1): z / 2.
  const unsigned h = headroom + (complex ? 1 : 0);
  Ciphertext in = a;
  in.setScale(std::ldexp(a.scale(), int(h)));
  Ciphertext out = bootstrapper.bootstrap(in, nullptr, complex);
  if (h)
    Evaluator(bootstrapper.plan().context())
        .multiplyIntegerInPlace(out, int64_t(1) << h);
  return out;
}

void checkEvaluationKeys(const Artifact &artifact, const Context &context,
                         const EvaluationKeys &keys, const std::string &name) {
  if (artifactRelinearizes(artifact) && !keys.relin)
    fail(name, ": the program relinearizes but the evaluation keys have no "
               "relinearization key");
  auto checkLevel = [&](const KeySwitchKey &key, unsigned level,
                        const std::string &what) {
    if (key.maxLevel() < level)
      fail(name, ": the evaluation keys' ", what, " key is valid up to level ",
           key.maxLevel(), ", the program uses it at level ", level);
  };
  if (keys.relin)
    checkLevel(keys.relin->key(), relinKeyLevel(artifact), "relinearization");
  for (size_t i = 0; i < artifact.rotations.size(); ++i) {
    int64_t r = artifact.rotations[i];
    uint64_t g = context.galoisElementForRotation(long(r));
    if (g == 1)
      continue;
    if (!keys.galois.contains(g))
      fail(name, ": the evaluation keys have no key for rotation by ", r);
    checkLevel(keys.galois.at(g), rotationKeyLevel(artifact, i),
               "rotation-by-" + std::to_string(r));
  }
  if (artifact.conjugation) {
    if (!keys.galois.contains(context.conjugationElement()))
      fail(name, ": the evaluation keys have no conjugation key");
    checkLevel(keys.galois.at(context.conjugationElement()),
               conjugationKeyLevel(artifact), "conjugation");
  }
}

double inputScale(const Artifact &, const Context &, const TensorSlot &t) {
  return std::exp2(t.logScale);
}

void checkCiphertexts(const Artifact &artifact, const Context &context,
                      bool outputs, const std::vector<Ciphertext> &cts,
                      const std::string &name) {
  const std::vector<TensorSlot> &tensors =
      outputs ? artifact.outputs : artifact.inputs;
  const char *what = outputs ? "output" : "input";
  size_t expected = 0;
  for (const TensorSlot &t : tensors)
    expected += t.regs.size();
  if (cts.size() != expected)
    fail(name, ": ", cts.size(), " ", what, " ciphertexts, the artifact's ",
         what, "s take ", expected);
  size_t k = 0;
  for (const TensorSlot &t : tensors)
    for (size_t c = 0; c < t.regs.size(); ++c, ++k) {
      const Ciphertext &ct = cts[k];
      if (ct.slots() != t.slots)
        fail(name, ": ciphertext ", c, " of ", what, " '", t.name, "' has ",
             ct.slots(), " slots, expected ", t.slots);
      if (outputs)
        continue;
      if (ct.size() != 2)
        fail(name, ": ciphertext ", c, " of input '", t.name, "' has size ",
             ct.size(), ", expected 2");
      if (ct.level() != t.level)
        fail(name, ": ciphertext ", c, " of input '", t.name, "' is at level ",
             ct.level(), ", expected ", t.level);
      double want = inputScale(artifact, context, t);
      if (!(std::fabs(ct.scale() / want - 1) <= 1e-9))
        fail(name, ": ciphertext ", c, " of input '", t.name,
             "' has scale 2^", std::log2(ct.scale()), ", expected 2^",
             std::log2(want));
    }
}

namespace {
std::vector<Ciphertext>
encryptWith(const Artifact &artifact, const ContextPtr &context,
            const Encryptor &encryptor,
            const std::vector<std::vector<double>> &inputs) {
  if (inputs.size() != artifact.inputs.size())
    fail("the artifact takes ", artifact.inputs.size(), " input(s), ",
         inputs.size(), " given");
  Encoder encoder(context);
  std::vector<Ciphertext> cts;
  for (size_t i = 0; i < inputs.size(); ++i) {
    const TensorSlot &t = artifact.inputs[i];
    if (int64_t(inputs[i].size()) != t.numElements())
      fail("input '", t.name, "' needs ", t.numElements(), " values, got ",
           inputs[i].size());
    auto packed = packTensor(t, inputs[i]);
    double scale = inputScale(artifact, *context, t);
    for (size_t c = 0; c < t.regs.size(); ++c)
      cts.push_back(encryptor.encrypt(
          encoder.encode(packed[c], t.level, scale, t.slots)));
  }
  return cts;
}
} // namespace

std::vector<Ciphertext>
encryptInputs(const Artifact &artifact, const ContextPtr &context,
              const PublicKey &publicKey, const Seed &seed,
              const std::vector<std::vector<double>> &inputs) {
  return encryptWith(artifact, context, Encryptor(context, publicKey, seed),
                     inputs);
}

std::vector<Ciphertext>
encryptInputsSymmetric(const Artifact &artifact, const ContextPtr &context,
                       const SecretKey &secretKey, const Seed &seed,
                       const std::vector<std::vector<double>> &inputs) {
  return encryptWith(artifact, context, Encryptor(context, secretKey, seed),
                     inputs);
}

std::vector<std::vector<double>>
decryptOutputs(const Artifact &artifact, const ContextPtr &context,
               const SecretKey &secretKey,
               const std::vector<Ciphertext> &outputs,
               const DecryptionFlooding &flooding) {
  checkCiphertexts(artifact, *context, /*outputs=*/true, outputs,
                   "output ciphertexts");
  require(flooding.log2Sigma >= 0 && flooding.log2Sigma <= 60,
          "the flooding noise must be 2^0 to 2^60, got 2^",
          flooding.log2Sigma);
  Encoder encoder(context);
  Decryptor decryptor(context, secretKey);
  Prng prng(flooding.seed, 0xF100D);
  std::vector<std::vector<double>> values;
  size_t k = 0;
  for (const TensorSlot &t : artifact.outputs) {
    std::vector<std::vector<double>> slotVectors;
    for (size_t c = 0; c < t.regs.size(); ++c) {
      Plaintext pt = decryptor.decrypt(outputs[k++]);
      if (flooding.log2Sigma > 0)
        floodPlaintext(*context, pt, flooding.log2Sigma, prng);
      slotVectors.push_back(encoder.decodeReal(pt));
    }
    values.push_back(unpackTensor(t, slotVectors));
  }
  return values;
}

void floodPlaintext(const Context &context, Plaintext &plaintext,
                    double log2Sigma, Prng &prng) {
  RnsPoly &poly = plaintext.poly();
  Backend &backend = *poly.backend();
  const size_t n = context.degree();
  const size_t limbs = poly.numLimbs();
  ModuliSpan moduli = context.chainIndices(unsigned(limbs - 1));
  backend.inverseNtt(poly.data(), moduli);
  std::vector<uint64_t> words(limbs * n);
  backend.copyToHost(words.data(), poly.data(), words.size());
  const double sigma = std::exp2(log2Sigma);
  auto uniform = [&] { // (0, 1], 53 bits
    return (double(prng.next64() >> 11) + 1.0) * 0x1.0p-53;
  };
  for (size_t i = 0; i < n; i += 2) {
    // Box-Muller: two independent Gaussians per pair of uniforms.
    double r = sigma * std::sqrt(-2.0 * std::log(uniform()));
    double theta = 2.0 * M_PI * uniform();
    int64_t e[2] = {std::llround(r * std::cos(theta)),
                    std::llround(r * std::sin(theta))};
    for (size_t j = 0; j < 2 && i + j < n; ++j) {
      for (size_t l = 0; l < limbs; ++l) {
        uint64_t q = context.modulus(moduli[l]).value;
        uint64_t add = e[j] >= 0 ? uint64_t(e[j]) % q
                                 : (q - uint64_t(-e[j]) % q) % q;
        uint64_t &w = words[l * n + i + j];
        w += add;
        if (w >= q)
          w -= q;
      }
    }
  }
  backend.copyFromHost(poly.data(), words.data(), words.size());
  backend.forwardNtt(poly.data(), moduli);
}

double floodedSlotError(unsigned logN, double log2Sigma, double logScale) {
  // A slot is a sum over the N coefficients with unit-modulus weights: its
  // real part has variance sigma^2 N / 2.
  return std::exp2(log2Sigma + 0.5 * (double(logN) - 1.0) - logScale);
}

//===----------------------------------------------------------------------===//
// Session files
//===----------------------------------------------------------------------===//

SessionBytes serializeClientKeys(const Artifact &artifact,
                                 const ClientKeys &keys) {
  return bundle(artifact, SessionFileKind::SecretKey,
                keySetFingerprint(keys.publicKey),
                {serialize(keys.secretKey), serialize(keys.publicKey)});
}

SessionBytes serializePublicKey(const Artifact &artifact,
                                const PublicKey &key) {
  return bundle(artifact, SessionFileKind::PublicKey, keySetFingerprint(key),
                {serialize(key)});
}

SessionBytes serializeEvaluationKeys(const Artifact &artifact,
                                     const EvaluationKeys &keys) {
  std::vector<Bytes> records;
  if (keys.relin)
    records.push_back(serialize(*keys.relin));
  records.push_back(serialize(keys.galois));
  if (keys.bootstrapKeys)
    records.push_back(
        serialize(*keys.bootstrapKeys, *keys.bootstrapPlan->context()));
  return bundle(artifact, SessionFileKind::EvaluationKeys, keys.keySet,
                records);
}

SessionBytes serializeCiphertexts(const Artifact &artifact,
                                  SessionFileKind kind,
                                  const std::vector<Ciphertext> &cts,
                                  uint64_t keySet) {
  require(kind == SessionFileKind::InputCiphertexts ||
              kind == SessionFileKind::OutputCiphertexts,
          "serializeCiphertexts: not a ciphertext file kind");
  std::vector<Bytes> records;
  records.reserve(cts.size());
  for (const Ciphertext &ct : cts)
    records.push_back(serialize(ct));
  return bundle(artifact, kind, keySet, records);
}

SessionBytes serializeSeededInputs(const Artifact &artifact,
                                   const std::vector<Ciphertext> &cts,
                                   const Seed &seed, uint64_t keySet) {
  std::vector<Bytes> records;
  records.reserve(cts.size());
  for (size_t k = 0; k < cts.size(); ++k)
    records.push_back(serializeSeeded(cts[k], deriveSeed(seed, k)));
  return bundle(artifact, SessionFileKind::InputCiphertexts, keySet, records);
}

SessionFileKind peekSessionFileKind(const SessionBytes &b,
                                    const std::string &name) {
  return checkHeader(b, name, /*checksum=*/true);
}


ClientKeys parseClientKeys(const SessionBytes &bytes, const Artifact &artifact,
                           const ContextPtr &context,
                           const std::string &name) {
  auto records = unbundle(bytes, artifact, SessionFileKind::SecretKey, name);
  if (records.size() != 2)
    fail(name, ": corrupt secret key file: ", records.size(),
         " records, expected 2");
  requireRecordKind(records[0], ObjectKind::SecretKey, name);
  requireRecordKind(records[1], ObjectKind::PublicKey, name);
  ClientKeys keys;
  keys.secretKey =
      named(name, [&] { return deserializeSecretKey(records[0], context); });
  keys.publicKey =
      named(name, [&] { return deserializePublicKey(records[1], context); });
  return keys;
}

PublicKey parsePublicKey(const SessionBytes &bytes, const Artifact &artifact,
                         const ContextPtr &context, const std::string &name) {
  SessionFileKind kind = peekSessionFileKind(bytes, name);
  if (kind == SessionFileKind::SecretKey)
    return parseClientKeys(bytes, artifact, context, name).publicKey;
  auto records = unbundle(bytes, artifact, SessionFileKind::PublicKey, name);
  if (records.size() != 1)
    fail(name, ": corrupt public key file: ", records.size(),
         " records, expected 1");
  requireRecordKind(records[0], ObjectKind::PublicKey, name);
  return named(name,
               [&] { return deserializePublicKey(records[0], context); });
}

EvaluationKeys parseEvaluationKeys(const SessionBytes &bytes,
                                   const Artifact &artifact,
                                   const ContextPtr &context,
                                   const std::string &name,
                                   bool compactKeys) {
  auto records =
      unbundle(bytes, artifact, SessionFileKind::EvaluationKeys, name);
  EvaluationKeys keys;
  keys.keySet = get<uint64_t>(bytes, 32);
  bool haveGalois = false;
  for (const Bytes &r : records) {
    ObjectKind kind = recordKind(r, name);
    if (kind == ObjectKind::RelinKey && !keys.relin && !haveGalois) {
      keys.relin =
          named(name, [&] { return deserializeRelinKey(r, context); });
      if (compactKeys)
        keys.relin->dropUniform();
    } else if (kind == ObjectKind::GaloisKeys && !haveGalois) {
      keys.galois =
          named(name, [&] { return deserializeGaloisKeys(r, context); });
      if (compactKeys)
        keys.galois.dropUniform();
      haveGalois = true;
    } else if (kind == ObjectKind::BootstrapKeys && haveGalois &&
               !keys.bootstrapKeys) {
      BootstrapKeys boot =
          named(name, [&] { return deserializeBootstrapKeys(r, context); });
      if (compactKeys)
        boot.dropUniform();
      keys.bootstrapKeys = std::make_shared<const BootstrapKeys>(std::move(boot));
    } else {
      fail(name, ": corrupt evaluation keys file: unexpected ",
           objectKindName(kind), " record");
    }
  }
  if (!haveGalois)
    fail(name, ": corrupt evaluation keys file: no Galois keys record");
  if (artifact.params.bootstrapLevel) {
    if (!keys.bootstrapKeys)
      fail(name, ": the program bootstraps but the evaluation keys have no "
                 "bootstrapping keys");
    keys.bootstrapPlan = std::make_shared<const BootstrapPlan>(
        context, bootstrapConfigOf(artifact));
    keys.bootstrapper = std::make_shared<const Bootstrapper>(
        keys.bootstrapPlan, keys.bootstrapKeys);
  }
  checkEvaluationKeys(artifact, *context, keys, name);
  return keys;
}

std::vector<Ciphertext> parseCiphertexts(const SessionBytes &bytes,
                                         const Artifact &artifact,
                                         SessionFileKind kind,
                                         const ContextPtr &context,
                                         const std::string &name) {
  auto records = unbundle(bytes, artifact, kind, name);
  std::vector<Ciphertext> cts;
  cts.reserve(records.size());
  for (const Bytes &r : records) {
    if (kind == SessionFileKind::InputCiphertexts &&
        recordKind(r, name) == ObjectKind::SeededCiphertext) {
      cts.push_back(
          named(name, [&] { return deserializeSeededCiphertext(r, context); }));
      continue;
    }
    requireRecordKind(r, ObjectKind::Ciphertext, name);
    cts.push_back(named(name, [&] { return deserializeCiphertext(r, context); }));
  }
  checkCiphertexts(artifact, *context,
                   kind == SessionFileKind::OutputCiphertexts, cts, name);
  return cts;
}

void writeSessionFile(const std::string &path, const SessionBytes &bytes) {
  // A secret key file is readable by its owner only (also when it replaces
  // an existing file).
  bool secret = bytes.size() >= 16 &&
                get<uint32_t>(bytes, 12) == uint32_t(SessionFileKind::SecretKey);
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
                  secret ? 0600 : 0666);
  if (fd < 0)
    fail(path, ": cannot open for writing: ", std::strerror(errno));
  if (secret && ::fchmod(fd, 0600) != 0) {
    ::close(fd);
    fail(path, ": cannot restrict the secret key file's permissions: ",
         std::strerror(errno));
  }
  size_t done = 0;
  while (done < bytes.size()) {
    ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0) {
      ::close(fd);
      fail(path, ": write failed: ", std::strerror(errno));
    }
    done += size_t(n);
  }
  if (::close(fd) != 0)
    fail(path, ": write failed: ", std::strerror(errno));
}

SessionBytes readSessionFile(const std::string &path) {
  SessionBytes bytes;
  std::string error;
  if (!readFileBytes(path, bytes, error))
    fail(error);
  return bytes;
}

} // namespace aegis
