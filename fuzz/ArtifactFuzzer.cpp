//===- ArtifactFuzzer.cpp - libFuzzer target for the artifact loader ------===//
//
// aegis::parseArtifact on arbitrary bytes (what readArtifact does after
// reading the file): a bad artifact throws aegis::Error with one line,
// never crashes. An accepted artifact must serialize again (validation on
// load and on write agree), and its CKKS parameters are generated and
// validated as aegis-run does before it builds a context. The custom
// mutator keeps the header's and the metadata's checksums valid
// (FuzzChecksums.h).
//
//===----------------------------------------------------------------------===//

#include "FuzzChecksums.h"

#include "aegis/Runtime/Artifact/Artifact.h"
#include "aegis/Runtime/Artifact/Session.h"
#include "aegis/Runtime/CKKS/Parameters.h"
#include "aegis/Runtime/Support/Error.h"

#include <cstdint>
#include <cstdlib>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  std::vector<uint8_t> bytes(data, data + size);
  aegis::Artifact artifact;
  try {
    artifact = aegis::parseArtifact(bytes, "fuzz.aegis");
  } catch (const aegis::Error &) {
    return 0;
  }
  // Fingerprints (Session.cpp) re-serialize: it must not throw.
  (void)aegis::serializeArtifact(artifact);
  // What createArtifactContext does first (without the NTT tables).
  try {
    (void)aegis::ckks::Parameters::create(
        aegis::artifactParameterSpec(artifact));
  } catch (const aegis::Error &) {
  }
  return 0;
}

extern "C" size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size,
                                          size_t maxSize, unsigned int seed) {
  size = LLVMFuzzerMutate(data, size, maxSize);
  aegis::fuzz::fixArtifactChecksums(data, size);
  return size;
}
