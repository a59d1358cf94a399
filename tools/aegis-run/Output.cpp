//===- Output.cpp - what aegis-run prints and writes ----------------------===//

#include "Output.h"

#include "aegis/Runtime/Comm/JsonWriter.h"
#include "aegis/Runtime/Support/Error.h"
#include "aegis/Support/Npy.h"

#include <cmath>
#include <cstdio>

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

void writeTimesJson(std::ostream &out, const RunReport &report) {
  auto section = [&](const char *name, const std::vector<StageTime> &times) {
    out << ",\n  \"" << name << "\": {";
    for (size_t i = 0; i < times.size(); ++i)
      out << (i ? ", " : "") << JsonWriter::quote(times[i].stage) << ": "
          << times[i].seconds;
    out << "}";
  };
  section("stages", report.stages);
  section("per_opcode_seconds", report.perOpcode);
  section("per_layer_seconds", report.perRegion);
}

} // namespace runtool
} // namespace aegis
