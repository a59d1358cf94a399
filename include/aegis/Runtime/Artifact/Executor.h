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

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace aegis {

enum class ExecutionBackend { Cpu, Plain, Cuda };

/// Parses "cpu", "plain" or "cuda"; false for anything else.
bool parseExecutionBackend(const std::string &name, ExecutionBackend &out);
const char *executionBackendName(ExecutionBackend backend);

struct RunOptions {
  ExecutionBackend backend = ExecutionBackend::Cpu;
  /// Seed of key generation and encryption randomness.
  uint64_t seed = 1;
  /// Called after each instruction with (done, total), for progress output.
  std::function<void(size_t, size_t)> progress;
};

struct StageTime {
  std::string stage;
  double seconds = 0;
};

struct RunReport {
  std::vector<StageTime> stages;
  /// Time per opcode over the whole program, in program order of first use.
  std::vector<StageTime> perOpcode;
  size_t instructions = 0;
  size_t keySwitches = 0;
  size_t rotationKeys = 0;
  /// Peak resident memory of the process (from the OS), in bytes.
  size_t peakMemoryBytes = 0;
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
