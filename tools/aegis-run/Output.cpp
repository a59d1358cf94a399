//===- Output.cpp - what aegis-run prints and writes ----------------------===//

#include "Output.h"

#include "aegis/Runtime/Artifact/ClientProgram.h"
#include "aegis/Runtime/Artifact/Session.h"
#include "aegis/Runtime/Support/Error.h"
#include "aegis/Support/Npy.h"

#include <algorithm>
#include <fstream>
#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace aegis {
namespace runtool {

std::string shapeString(const std::vector<int64_t> &shape) {
  std::string s;
  for (int64_t d : shape)
    s += (s.empty() ? "" : "x") + std::to_string(d);
  return "[" + s + "]";
}

bool writeAndCompareOutputs(const Artifact &artifact,
                            const std::vector<std::vector<double>> &outputs,
                            const std::vector<std::string> &outPaths,
                            const std::vector<std::string> &refPaths,
                            std::vector<Comparison> &comparisons) {
  bool ok = true;
  for (size_t i = 0; i < outputs.size(); ++i) {
    const TensorSlot &t = artifact.outputs[i];
    if (!outPaths.empty()) {
      NpyArray y{NpyType::Float64, t.shape, outputs[i]};
      std::string error;
      if (!writeNpy(outPaths[i], y, error))
        fail(error);
    }
    if (refPaths.empty())
      continue;
    NpyArray ref;
    std::string error;
    if (!readNpy(refPaths[i], ref, error))
      fail(error);
    if (ref.numElements() != int64_t(outputs[i].size()))
      fail(refPaths[i], ": reference has ", ref.numElements(),
           " values, output '", t.name, "' has ", outputs[i].size());
    Comparison c{t.name, refPaths[i]};
    double refMax = 0;
    for (size_t j = 0; j < outputs[i].size(); ++j) {
      double err = std::fabs(outputs[i][j] - ref.data[j]);
      if (!(err <= c.maxAbs))
        c.maxAbs = std::isnan(err) ? INFINITY : std::max(c.maxAbs, err);
      refMax = std::max(refMax, std::fabs(ref.data[j]));
    }
    c.maxRel = refMax > 0 ? c.maxAbs / refMax : c.maxAbs;
    std::printf("output '%s' %s: max abs error %.3e, relative %.3e (vs %s)\n",
                t.name.c_str(), shapeString(t.shape).c_str(), c.maxAbs,
                c.maxRel, c.reference.c_str());
    ok &= std::isfinite(c.maxAbs);
    comparisons.push_back(c);
  }
  return ok;
}

void addTimesJson(nlohmann::ordered_json &json, const RunReport &report) {
  auto section = [](const std::vector<StageTime> &times) {
    nlohmann::ordered_json out = nlohmann::ordered_json::object();
    for (const StageTime &t : times)
      out[t.stage] = t.seconds;
    return out;
  };
  json["stages"] = section(report.stages);
  json["per_opcode_seconds"] = section(report.perOpcode);
  json["per_layer_seconds"] = section(report.perRegion);
}

void writeJsonFile(const std::string &path, const nlohmann::ordered_json &json) {
  std::ofstream out(path);
  if (!out)
    fail(path, ": cannot open for writing");
  out << json.dump(2) << "\n";
  if (!out)
    fail(path, ": write failed");
}

void warnIfInsecure(const Artifact &artifact, const char *mode) {
  if (!artifact.params.insecure) {
    return;
  }
  std::fprintf(stderr,
               "aegis-run%s%s: warning: INSECURE test parameters (the artifact "
               "was compiled with security=toy): never use it, its keys or its "
               "ciphertexts for real data\n",
               *mode ? " " : "", mode);
}

void guardInputRanges(const Artifact &artifact,
                      const std::vector<std::vector<double>> &inputs,
                      bool allow, const char *mode) {
  std::vector<std::string> problems = checkInputRanges(artifact, inputs);
  if (problems.empty()) {
    return;
  }
  if (!allow) {
    fail(problems.front(),
         " (pass --allow-out-of-range to go on anyway, or recompile with "
         "calibration=FILE.npy covering such inputs)");
  }
  for (const std::string &p : problems) {
    std::fprintf(stderr, "aegis-run%s%s: warning: %s (--allow-out-of-range: "
                 "going on)\n",
                 *mode ? " " : "", mode, p.c_str());
  }
}

double floodBits(const std::string &text) {
  char *end = nullptr;
  double b = std::strtod(text.c_str(), &end);
  if (text.empty() || *end != '\0' || !(b >= 1 && b <= 60)) {
    std::fprintf(stderr,
                 "aegis-run: error: --flood-bits expects a number of bits in "
                 "[1, 60], got '%s'\n",
                 text.c_str());
    std::exit(2);
  }
  return b;
}

void printFlooding(const Artifact &artifact, double floodBits) {
  if (floodBits <= 0) {
    return;
  }
  double worst = 0;
  for (const TensorSlot &t : artifact.outputs) {
    worst = std::max(worst, floodedSlotError(artifact.params.logN, floodBits,
                                             t.logScale));
  }
  std::printf("noise flooding (IND-CPA-D): Gaussian of std 2^%g per "
              "plaintext coefficient; adds an error of std %.2e per output "
              "value\n",
              floodBits, worst);
}

void printKeyMemory(const RunReport &report) {
  std::printf("  evaluation keys    %10.1f MiB", report.programKeyBytes / 1048576.0);
  if (report.bootstrapKeyBytes)
    std::printf(" (+ bootstrapping %.1f MiB)",
                report.bootstrapKeyBytes / 1048576.0);
  std::printf("\n");
}

std::string bootstrapSummary(const Artifact &artifact) {
  size_t count = 0;
  for (const Instruction &in : artifact.program) {
    count += in.op == Opcode::Bootstrap;
  }
  if (count == 0) {
    return "";
  }
  const ArtifactParameters &p = artifact.params;
  std::string s = ", " + std::to_string(count) + " bootstrap" +
                  (count == 1 ? "" : "s");
  if (p.bootstrapLogSlots) {
    s += " (sparse: 2^" + std::to_string(p.bootstrapLogSlots) + " of 2^" +
         std::to_string(p.logN - 1) + " slots)";
  } else {
    s += " (full: 2^" + std::to_string(p.logN - 1) + " slots)";
  }
  return s;
}

int mpirunSize() {
  for (const char *name : {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE"}) {
    if (const char *v = std::getenv(name)) {
      return std::atoi(v);
    }
  }
  return 0;
}

} // namespace runtool
} // namespace aegis
