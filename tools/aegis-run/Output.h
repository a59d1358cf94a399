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
void writeTimesJson(std::ostream &out, const RunReport &report);

} // namespace runtool
} // namespace aegis

#endif // AEGIS_TOOLS_AEGIS_RUN_OUTPUT_H
