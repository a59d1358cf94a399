//===- CkksObjectFuzzer.cpp - libFuzzer target for runtime objects --------===//
//
// The deserializers of CKKS/Serialization.h (and bootstrapping keys) on one
// runtime object, the records that session files hold: parameters, keys,
// plaintexts, ciphertexts, seeded ciphertexts. Objects other than
// parameters are read against one small context (N = 2^10, insecure:
// unittests/Runtime/ArtifactTestUtil.h), built once. A bad object throws
// aegis::Error with one line, never crashes. The custom mutator keeps the
// checksum valid (FuzzChecksums.h).
//
//===----------------------------------------------------------------------===//

#include "ArtifactTestUtil.h"
#include "FuzzChecksums.h"

#include "aegis/Runtime/Artifact/Session.h"
#include "aegis/Runtime/Bootstrap/BootstrapSerialization.h"
#include "aegis/Runtime/CKKS/Serialization.h"
#include "aegis/Runtime/Support/Error.h"
#include "aegis/Runtime/Support/ThreadPool.h"

#include <cstdint>
#include <vector>

using namespace aegis;
using namespace aegis::ckks;

namespace {
ContextPtr *context;
} // namespace

extern "C" int LLVMFuzzerInitialize(int *, char ***) {
  setNumThreads(1);
  context = new ContextPtr(
      createArtifactContext(test::makeTestArtifact(), ExecutionBackend::Cpu));
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  Bytes bytes(data, data + size);
  const ContextPtr &ctx = *context;
  try {
    switch (peekObjectKind(bytes)) {
    case ObjectKind::Parameters:
      (void)deserializeParameters(bytes);
      break;
    case ObjectKind::SecretKey:
      (void)deserializeSecretKey(bytes, ctx);
      break;
    case ObjectKind::PublicKey:
      (void)deserializePublicKey(bytes, ctx);
      break;
    case ObjectKind::RelinKey:
      (void)deserializeRelinKey(bytes, ctx);
      break;
    case ObjectKind::GaloisKeys:
      (void)deserializeGaloisKeys(bytes, ctx);
      break;
    case ObjectKind::Plaintext:
      (void)deserializePlaintext(bytes, ctx);
      break;
    case ObjectKind::Ciphertext:
      (void)deserializeCiphertext(bytes, ctx);
      break;
    case ObjectKind::SeededCiphertext:
      (void)deserializeSeededCiphertext(bytes, ctx);
      break;
    case ObjectKind::BootstrapKeys:
      (void)deserializeBootstrapKeys(bytes, ctx);
      break;
    }
  } catch (const Error &) {
  }
  return 0;
}

extern "C" size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size,
                                          size_t maxSize, unsigned int seed) {
  size = LLVMFuzzerMutate(data, size, maxSize);
  fuzz::fixTrailingCrc(data, size);
  return size;
}
