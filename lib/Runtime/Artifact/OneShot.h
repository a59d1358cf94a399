//===- OneShot.h - the client's steps of a one-shot run ---------*- C++ -*-===//
//
// Part of the runtime: no MLIR or LLVM; private to lib/Runtime/Artifact.
// Every one-shot run (one device, limb-split devices, a placed artifact's
// device programs) plays the client around the server's evaluation in the
// same way: keys from the seed, inputs encrypted, outputs decrypted with
// the requested flooding, each a stage of the report.
//
//===----------------------------------------------------------------------===//

#ifndef AEGIS_LIB_RUNTIME_ARTIFACT_ONESHOT_H
#define AEGIS_LIB_RUNTIME_ARTIFACT_ONESHOT_H

#include "Dispatch.h"

#include "aegis/Runtime/Artifact/Session.h"
#include "aegis/Runtime/Support/Prng.h"

namespace aegis {
namespace detail {

/// The client's context, keys and seed.
struct OneShotClient {
  ckks::ContextPtr context;
  Seed master;
  ClientKeys client;
  EvaluationKeys keys;

  /// Specs of the program's keys (`wholeKeys` false: none of them is
  /// generated here).
  std::vector<ProgramKeySpec> specs;

  /// Key generation from options.seed (stage "key generation" is left to
  /// the caller). `wholeKeys` false: only the client's keys and the specs
  /// of the evaluation keys, from which each device generates its own
  /// share (the whole set never exists); the report still gives the whole
  /// set's size.
  OneShotClient(const Artifact &artifact, const RunOptions &options,
                RunReport &report, bool wholeKeys = true)
      : context(createArtifactContext(artifact, options.backend)),
        master(seedFromInteger(options.seed)) {
    report.rotationKeys =
        artifact.rotations.size() + (artifact.conjugation ? 1 : 0);
    if (wholeKeys) {
      generateKeys(artifact, context, keySeed(), client, keys,
                   options.compactKeys);
      report.programKeyBytes = keys.programKeyBytes();
      report.bootstrapKeyBytes = keys.bootstrapKeyBytes();
      return;
    }
    specs = generateClientKeys(artifact, context, keySeed(), client);
    keys.keySet = keySetFingerprint(client.publicKey);
    report.programKeyBytes = 0;
    for (const ProgramKeySpec &spec : specs)
      report.programKeyBytes +=
          programKeyBytes(*context, spec) / (options.compactKeys ? 2 : 1);
  }

  /// The seed every key of the run derives from.
  Seed keySeed() const { return deriveSeed(master, 1); }

  /// The bootstrapping keys (whole: a bootstrap runs on a whole ciphertext)
  /// into `keys`, when the artifact bootstraps.
  void bootstrapKeys(const Artifact &artifact, const RunOptions &options,
                     RunReport &report) {
    generateBootstrapKeys(artifact, context, keySeed(), client.secretKey, keys,
                          options.compactKeys);
    report.bootstrapKeyBytes = keys.bootstrapKeyBytes();
  }

  std::vector<ckks::Ciphertext>
  encrypt(const Artifact &artifact,
          const std::vector<std::vector<double>> &inputs,
          RunReport &report) const {
    auto start = Clock::now();
    std::vector<ckks::Ciphertext> cts = encryptInputs(
        artifact, context, client.publicKey, deriveSeed(master, 2), inputs);
    report.stages.push_back({"encrypt", secondsSince(start)});
    return cts;
  }

  std::vector<std::vector<double>>
  decrypt(const Artifact &artifact, const std::vector<ckks::Ciphertext> &results,
          const RunOptions &options, RunReport &report) const {
    auto start = Clock::now();
    DecryptionFlooding flooding{options.floodBits,
                                deriveSeed(seedFromInteger(options.seed), 3)};
    auto outputs =
        decryptOutputs(artifact, context, client.secretKey, results, flooding);
    report.stages.push_back({"decrypt", secondsSince(start)});
    return outputs;
  }
};

/// Rank 0's report of a run on several devices, merged into the run's
/// report (after the client's key-generation and encryption stages).
inline void adoptRootReport(RunReport &report, RunReport &&root) {
  for (StageTime &s : root.stages)
    report.stages.push_back(std::move(s));
  report.perOpcode = std::move(root.perOpcode);
  report.perRegion = std::move(root.perRegion);
  report.instructions = root.instructions;
  report.keySwitches = root.keySwitches;
  report.devices = root.devices;
  report.placed = root.placed;
  report.commBackend = std::move(root.commBackend);
  report.keySwitch = root.keySwitch;
  report.deviceStats = std::move(root.deviceStats);
}

} // namespace detail
} // namespace aegis

#endif // AEGIS_LIB_RUNTIME_ARTIFACT_ONESHOT_H
