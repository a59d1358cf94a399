//===- Executor.h - running artifacts ---------------------------*- C++ -*-===//
//
// Part of the runtime: no MLIR or LLVM. Runs an artifact's program either
// encrypted (CKKS on the CPU backend, or the CUDA backend where built) or on
// cleartext slot vectors ("plain": the same program with exact arithmetic
// and no encryption noise, separating approximation error from noise).
//
//===----------------------------------------------------------------------===//

#ifndef AEGIS_RUNTIME_ARTIFACT_EXECUTOR_H
#define AEGIS_RUNTIME_ARTIFACT_EXECUTOR_H

#include "aegis/Runtime/Artifact/Artifact.h"
#include "aegis/Runtime/Comm/CommStats.h"
#include "aegis/Runtime/Comm/Communicator.h"
#include "aegis/Runtime/Dist/Distributed.h"

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace aegis {

enum class ExecutionBackend { Cpu, Plain, Cuda };

/// Parses "cpu", "plain" or "cuda"; false for anything else.
bool parseExecutionBackend(const std::string &name, ExecutionBackend &out);
const char *executionBackendName(ExecutionBackend backend);

/// Parses "broadcast" (input broadcast) or "aggregate" (output
/// aggregation); false for anything else.
bool parseKeySwitchAlgorithm(const std::string &name,
                             dist::KeySwitchAlgorithm &out);
/// "broadcast" or "aggregate".
const char *keySwitchAlgorithmName(dist::KeySwitchAlgorithm algorithm);

class Trace;

struct RunOptions {
  ExecutionBackend backend = ExecutionBackend::Cpu;
  /// Seed of key generation and encryption randomness.
  uint64_t seed = 1;
  /// Noise flooding at decryption (IND-CPA-D; Session.h
  /// DecryptionFlooding): Gaussian noise of standard deviation 2^floodBits
  /// per plaintext coefficient, drawn from the seed. 0: none.
  double floodBits = 0;
  /// Called after each instruction with (done, total), for progress output.
  std::function<void(size_t, size_t)> progress;

  /// Devices under the default plan (docs/Distributed.md: every ciphertext
  /// limb-partitioned, inputs encrypted and scattered by rank 0, outputs
  /// gathered and decrypted there). 0 (default): the single-device
  /// evaluator; N >= 1: N devices, one thread rank each (`comm` Threads),
  /// or the ranks of `communicator`. The outputs are bit-identical to the
  /// single-device run with the same seed.
  int devices = 0;
  /// Threads, or Mpi (then `communicator` must be the MPI world: aegis-run
  /// creates it with runOnMpiWorld under mpirun).
  comm::BackendKind comm = comm::BackendKind::Threads;
  /// When set, every rank calls runArtifact with its communicator (one
  /// device per rank; `devices` must be 0 or its size); rank 0 returns the
  /// outputs and the report, the other ranks return no outputs.
  comm::Communicator *communicator = nullptr;
  /// How distributed key switches move data (input broadcast: one
  /// all-gather per key switch, any partition; output aggregation:
  /// digit-aligned partitions, one reduce-scatter + all-reduce).
  dist::KeySwitchAlgorithm keySwitch = dist::KeySwitchAlgorithm::InputBroadcast;
  /// Compact evaluation keys in memory (generateKeys' compactKeys): half
  /// the key memory, the uniform halves regenerated at each key switch.
  bool compactKeys = false;
  /// When set, every device records its instructions and stages here
  /// (aegis-run --trace; Trace.h).
  Trace *trace = nullptr;
};

struct StageTime {
  std::string stage;
  double seconds = 0;
};

struct RunReport {
  std::vector<StageTime> stages;
  /// Time per opcode over the whole program, in program order of first use.
  std::vector<StageTime> perOpcode;
  /// Time per model op (layer) the compiler tagged, in program order.
  std::vector<StageTime> perRegion;
  size_t instructions = 0;
  size_t keySwitches = 0;
  size_t rotationKeys = 0;
  /// Memory of the program's evaluation keys (relinearization and rotation
  /// keys, each at the highest level it is used) and of the bootstrapping
  /// keys (EvaluationKeys::programKeyBytes / bootstrapKeyBytes).
  size_t programKeyBytes = 0;
  size_t bootstrapKeyBytes = 0;
  /// Peak resident memory of the process (from the OS), in bytes.
  size_t peakMemoryBytes = 0;

  /// Distributed runs (RunOptions::devices or communicator): the device
  /// count, the communicator backend ("threads", "mpi"; empty on the
  /// single-device evaluator), the key-switch algorithm and every device's
  /// communicator accounting over scatter, evaluation and gather: bytes
  /// sent/received and wait time per collective kind, collective counts,
  /// and the memory high-water mark (register shares plus communicator
  /// scratch).
  int devices = 1;
  /// The artifact's own device programs ran (a token or head placement),
  /// not the limb-partitioned plan.
  bool placed = false;
  std::string commBackend;
  dist::KeySwitchAlgorithm keySwitch = dist::KeySwitchAlgorithm::InputBroadcast;
  std::vector<comm::CommStatsSnapshot> deviceStats;
};

/// One-shot execution: key generation, encryption of `inputs` (one vector
/// per artifact input, row-major, as many values as the input has
/// elements), evaluation, decryption. Returns one vector per output.
std::vector<std::vector<double>>
runArtifact(const Artifact &artifact,
            const std::vector<std::vector<double>> &inputs,
            const RunOptions &options, RunReport &report);

/// The process's peak resident set size in bytes (0 if unknown).
size_t peakResidentBytes();

} // namespace aegis

#endif // AEGIS_RUNTIME_ARTIFACT_EXECUTOR_H
