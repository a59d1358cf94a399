//===- Output.h - what aegis-run prints and writes ---------------*- C++ -*-===//
//
// Shared by one-shot mode and the subcommands: output files, the comparison
// with references, and the timing part of the JSON report.
//
//===----------------------------------------------------------------------===//

#ifndef AEGIS_TOOLS_AEGIS_RUN_OUTPUT_H
#define AEGIS_TOOLS_AEGIS_RUN_OUTPUT_H

#include "aegis/Runtime/Artifact/Artifact.h"
#include "aegis/Runtime/Artifact/Executor.h"

#include <nlohmann/json.hpp>

#include <ostream>
#include <string>
#include <vector>

namespace aegis {
namespace runtool {

/// "[1x8x32]".
std::string shapeString(const std::vector<int64_t> &shape);

struct Comparison {
  std::string name;
  std::string reference;
  double maxAbs = 0, maxRel = 0;
};

/// Writes every output to `outPaths` (if given, one per output, float64
/// .npy) and compares it with `refPaths` (if given), printing one line per
/// output; `comparisons` gets one entry per reference. Returns false when an
/// output compared is not finite. Throws aegis::Error on a bad file.
bool writeAndCompareOutputs(const Artifact &artifact,
                            const std::vector<std::vector<double>> &outputs,
                            const std::vector<std::string> &outPaths,
                            const std::vector<std::string> &refPaths,
                            std::vector<Comparison> &comparisons);

/// `,\n  "stages": {...},\n  "per_opcode_seconds": {...},\n
/// "per_layer_seconds": {...}` of a JSON report.
/// Adds "stages", "per_opcode_seconds" and "per_layer_seconds" to a report.
void addTimesJson(nlohmann::ordered_json &json, const RunReport &report);

/// Writes a JSON report (indented, one trailing newline).
void writeJsonFile(const std::string &path, const nlohmann::ordered_json &json);

/// Every mode that touches an insecure artifact says so on stderr (one
/// line, "aegis-run MODE: warning: INSECURE ..."), so that no key or
/// ciphertext of it is taken for a real one.
void warnIfInsecure(const Artifact &artifact, const char *mode);

/// The client's input guard: values far outside the artifact's calibrated
/// input ranges (checkInputRanges) are an error, or with `allow`
/// (--allow-out-of-range) a warning per input on stderr.
void guardInputRanges(const Artifact &artifact,
                      const std::vector<std::vector<double>> &inputs,
                      bool allow, const char *mode);

/// --flood-bits B: a number in [1, 60]; exits with a usage error otherwise.
double floodBits(const std::string &text);
/// One line on stdout: the flooding and the error it adds to each output.
void printFlooding(const Artifact &artifact, double floodBits);

/// ", B bootstraps (sparse, 2^k of N/2 slots)" for the run summary line, or
/// "" when the program never bootstraps.
std::string bootstrapSummary(const Artifact &artifact);

/// "  evaluation keys   X MiB (+ bootstrapping Y MiB)" on stdout.
void printKeyMemory(const RunReport &report);

/// The MPI job size when this process was started by mpirun (Open MPI,
/// MPICH/Hydra or Slurm's PMI), else 0.
int mpirunSize();

} // namespace runtool
} // namespace aegis

#endif // AEGIS_TOOLS_AEGIS_RUN_OUTPUT_H
