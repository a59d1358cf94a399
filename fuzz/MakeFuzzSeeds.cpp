//===- MakeFuzzSeeds.cpp - writes the runtime fuzzers' seed files ---------===//
//
//   aegis-fuzz-seeds CORPUS_DIR
//
// Writes valid files for the runtime fuzzers into CORPUS_DIR/<fuzzer>/ with
// the runtime API that aegis-run keygen/encrypt/eval call: the artifact of
// unittests/Runtime/ArtifactTestUtil.h (the one SessionFuzzer and
// CkksObjectFuzzer read against), its session files (keys, input and
// output ciphertexts), the runtime objects they hold, and small .npy
// arrays. Fixed seeds: the same bytes on every run. fuzz/make-seeds.sh adds
// artifacts compiled by aegis-opt and ONNX models.
//
//===----------------------------------------------------------------------===//

#include "ArtifactTestUtil.h"

#include "aegis/Runtime/Artifact/Executor.h"
#include "aegis/Runtime/Artifact/Session.h"
#include "aegis/Runtime/CKKS/Encoder.h"
#include "aegis/Runtime/CKKS/Encryptor.h"
#include "aegis/Runtime/CKKS/Evaluator.h"
#include "aegis/Runtime/CKKS/Serialization.h"
#include "aegis/Runtime/Support/Error.h"
#include "aegis/Runtime/Support/ThreadPool.h"
#include "aegis/Support/Npy.h"

#include <sys/stat.h>

#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

using namespace aegis;
using namespace aegis::ckks;

namespace {
std::string root;

std::string dir(const std::string &name) {
  std::string path = root + "/" + name;
  ::mkdir(path.c_str(), 0755);
  return path + "/";
}

void write(const std::string &path, const std::vector<uint8_t> &bytes) {
  writeFile(path, bytes);
  std::printf("%8zu %s\n", bytes.size(), path.c_str());
}

void writeNpyArray(const std::string &path, NpyType type,
                   std::vector<int64_t> shape, std::vector<double> data) {
  NpyArray array;
  array.type = type;
  array.shape = std::move(shape);
  array.data = std::move(data);
  std::string error;
  if (!writeNpy(path, array, error))
    fail(error);
  std::printf("%8s %s\n", "", path.c_str());
}

void writeSeeds() {
  setNumThreads(1);
  Artifact artifact = test::makeTestArtifact();
  std::string art = dir("artifact");
  write(art + "test-artifact.aegis", serializeArtifact(artifact));

  ContextPtr context = createArtifactContext(artifact, ExecutionBackend::Cpu);
  ClientKeys client;
  EvaluationKeys keys;
  generateKeys(artifact, context, seedFromInteger(1), client, keys);
  std::vector<std::vector<double>> inputs = {{1, 2, 3, 4, 5, 6, 7, 8},
                                             {8, 7, 6, 5, 4, 3, 2, 1}};
  auto cts = encryptInputs(artifact, context, client.publicKey,
                           seedFromInteger(2), inputs);
  auto seeded = encryptInputsSymmetric(artifact, context, client.secretKey,
                                       seedFromInteger(3), inputs);
  RunReport report;
  auto outputs =
      evaluateEncrypted(artifact, context, keys, cts, RunOptions(), report);

  std::string ses = dir("session");
  write(ses + "secret-key.bin", serializeClientKeys(artifact, client));
  write(ses + "public-key.bin", serializePublicKey(artifact, client.publicKey));
  write(ses + "eval-keys.bin", serializeEvaluationKeys(artifact, keys));
  uint64_t keySet = keySetFingerprint(client.publicKey);
  write(ses + "inputs.bin",
        serializeCiphertexts(artifact, SessionFileKind::InputCiphertexts, cts,
                             keySet));
  write(ses + "inputs-seeded.bin",
        serializeSeededInputs(artifact, seeded, seedFromInteger(3), keySet));
  write(ses + "outputs.bin",
        serializeCiphertexts(artifact, SessionFileKind::OutputCiphertexts,
                             outputs, keySet));

  std::string obj = dir("ckks-object");
  Encoder encoder(context);
  Plaintext pt = encoder.encode(inputs[0], 1, std::exp2(40), 8);
  Evaluator evaluator(context);
  Ciphertext ct3 = evaluator.multiply(outputs[0], outputs[0]);
  write(obj + "parameters.bin", serialize(context->params()));
  write(obj + "secret-key.bin", serialize(client.secretKey));
  write(obj + "public-key.bin", serialize(client.publicKey));
  write(obj + "relin-key.bin", serialize(*keys.relin));
  write(obj + "galois-keys.bin", serialize(keys.galois));
  write(obj + "plaintext.bin", serialize(pt));
  write(obj + "ciphertext.bin", serialize(outputs[0]));
  write(obj + "ciphertext-size3.bin", serialize(ct3));
  write(obj + "seeded-ciphertext.bin",
        serializeSeeded(seeded[0], deriveSeed(seedFromInteger(3), 0)));

  std::string npy = dir("npy");
  writeNpyArray(npy + "f4-vector.npy", NpyType::Float32, {3}, {1.5, -2, 3});
  writeNpyArray(npy + "f8-matrix.npy", NpyType::Float64, {2, 3},
                {1, 2, 3, 4, 5, 6});
  writeNpyArray(npy + "i8-scalar.npy", NpyType::Int64, {}, {42});
  writeNpyArray(npy + "i4-empty.npy", NpyType::Int32, {0}, {});
  writeNpyArray(npy + "b1-2x2.npy", NpyType::Bool, {2, 2}, {1, 0, 0, 1});
}
} // namespace

int main(int argc, char **argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: aegis-fuzz-seeds CORPUS_DIR\n");
    return 2;
  }
  root = argv[1];
  try {
    writeSeeds();
  } catch (const Error &e) {
    std::fprintf(stderr, "aegis-fuzz-seeds: error: %s\n", e.what());
    return 1;
  }
  return 0;
}
