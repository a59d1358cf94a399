//===- SessionFuzzer.cpp - libFuzzer target for key/ciphertext files ------===//
//
// The session-file readers of aegis-run keygen/encrypt/eval/decrypt
// (Session.h): secret-key, public-key, evaluation-key and ciphertext files,
// parsed against one small artifact and its CKKS context (N = 2^10,
// insecure: unittests/Runtime/ArtifactTestUtil.h), built once. A bad file
// throws aegis::Error with one line, never crashes. The custom mutator
// keeps the file's and its records' checksums valid (FuzzChecksums.h).
//
//===----------------------------------------------------------------------===//

#include "ArtifactTestUtil.h"
#include "FuzzChecksums.h"

#include "aegis/Runtime/Artifact/Session.h"
#include "aegis/Runtime/Support/Error.h"
#include "aegis/Runtime/Support/ThreadPool.h"

#include <cstdint>
#include <vector>

using namespace aegis;

namespace {
const Artifact *artifact;
ckks::ContextPtr *context;
} // namespace

extern "C" int LLVMFuzzerInitialize(int *, char ***) {
  setNumThreads(1);
  artifact = new Artifact(test::makeTestArtifact());
  context = new ckks::ContextPtr(
      createArtifactContext(*artifact, ExecutionBackend::Cpu));
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  SessionBytes bytes(data, data + size);
  const char *name = "fuzz.bin";
  try {
    SessionFileKind kind = peekSessionFileKind(bytes, name);
    switch (kind) {
    case SessionFileKind::SecretKey:
      (void)parseClientKeys(bytes, *artifact, *context, name);
      break;
    case SessionFileKind::PublicKey:
      (void)parsePublicKey(bytes, *artifact, *context, name);
      break;
    case SessionFileKind::EvaluationKeys:
      (void)parseEvaluationKeys(bytes, *artifact, *context, name);
      break;
    case SessionFileKind::InputCiphertexts:
    case SessionFileKind::OutputCiphertexts:
      (void)parseCiphertexts(bytes, *artifact, kind, *context, name);
      break;
    }
  } catch (const Error &) {
  }
  return 0;
}

extern "C" size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size,
                                          size_t maxSize, unsigned int seed) {
  size = LLVMFuzzerMutate(data, size, maxSize);
  fuzz::fixSessionCrcs(data, size);
  return size;
}
