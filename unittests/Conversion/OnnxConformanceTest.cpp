// ONNX's own backend node tests (Debian's libonnx-testdata) run through the
// importer and the float64 interpreter against their expected outputs.
//
// In scope: every node test whose model uses only op types aegis supports.
// Each is reported as passed, or as an unsupported variant (the importer
// refuses it with a message, e.g. an element type aegis does not handle).
// The committed list onnx-node-unsupported.txt names the variants known to
// be unsupported; a test that is in scope and neither passes nor is on that
// list fails this suite, so regressions cannot hide.
#include "aegis/Conversion/OnnxToNN/OnnxImporter.h"
#include "aegis/Dialect/NN/Interpreter/Interpreter.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"

#include "onnx/onnx_pb.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

namespace fs = std::filesystem;
using ::aegis::nn::Tensor;

namespace {

std::string readFile(const fs::path &path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)),
                     std::istreambuf_iterator<char>());
}

std::set<std::string> readList(const std::string &path) {
  std::set<std::string> names;
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    auto hash = line.find('#');
    if (hash != std::string::npos)
      line = line.substr(0, hash);
    line.erase(line.find_last_not_of(" \t\r") + 1);
    if (!line.empty())
      names.insert(line);
  }
  return names;
}

enum class Outcome { Passed, Unsupported, Failed };

/// Runs one node test; `detail` explains anything but a pass.
Outcome runNodeTest(const fs::path &dir, const onnx::ModelProto &model,
                    std::string &detail) {
  std::string bytes = readFile(dir / "model.onnx");
  fs::path data = dir / "test_data_set_0";
  // Integer and boolean inputs (axes, shapes, indices, masks) are bound as
  // constants, as a compiled model would have them; float inputs stay
  // arguments of the program.
  std::vector<Tensor> inputs;
  mlir::aegis::OnnxImportOptions options;
  options.baseDirectory = dir.string();
  std::set<std::string> initializerNames;
  for (const auto &init : model.graph().initializer())
    initializerNames.insert(init.name());
  int index = 0;
  for (const auto &in : model.graph().input()) {
    if (initializerNames.count(in.name()))
      continue;
    fs::path p = data / ("input_" + std::to_string(index++) + ".pb");
    Tensor t;
    std::string err = mlir::aegis::readOnnxTensor(readFile(p), t);
    if (!err.empty()) {
      detail = p.filename().string() + ": " + err;
      return Outcome::Unsupported;
    }
    int32_t et = in.type().tensor_type().elem_type();
    if (et == onnx::TensorProto::FLOAT || et == onnx::TensorProto::DOUBLE)
      inputs.push_back(std::move(t));
    else
      options.inputValues[in.name()] = std::move(t);
  }
  mlir::MLIRContext context;
  std::string message;
  mlir::ScopedDiagnosticHandler handler(&context, [&](mlir::Diagnostic &d) {
    if (message.empty())
      message = d.str();
    return mlir::success();
  });
  auto module =
      mlir::aegis::importOnnxModel(&context, bytes, dir.string(), options);
  if (!module) {
    detail = message;
    return Outcome::Unsupported;
  }
  auto fn = module->lookupSymbol<mlir::func::FuncOp>("main");
  std::vector<Tensor> expected;
  for (int i = 0;; ++i) {
    fs::path p = data / ("output_" + std::to_string(i) + ".pb");
    if (!fs::exists(p))
      break;
    Tensor t;
    std::string err = mlir::aegis::readOnnxTensor(readFile(p), t);
    if (!err.empty()) {
      detail = p.filename().string() + ": " + err;
      return Outcome::Unsupported;
    }
    expected.push_back(std::move(t));
  }
  auto outs = mlir::aegis::nn::interpret(fn, inputs);
  if (mlir::failed(outs)) {
    detail = "interpreter: " + message;
    return Outcome::Failed;
  }
  if (outs->size() != expected.size()) {
    detail = "produced " + std::to_string(outs->size()) + " outputs, expected " +
             std::to_string(expected.size());
    return Outcome::Failed;
  }
  for (size_t o = 0; o < outs->size(); ++o) {
    const Tensor &got = (*outs)[o], &want = expected[o];
    if (got.data.size() != want.data.size()) {
      detail = "output " + std::to_string(o) + " has " +
               std::to_string(got.data.size()) + " elements, expected " +
               std::to_string(want.data.size());
      return Outcome::Failed;
    }
    for (size_t i = 0; i < got.data.size(); ++i) {
      double g = got.data[i], w = want.data[i];
      // ONNX's backend tests compare float32 results with rtol 1e-3 and
      // atol 1e-7; the interpreter computes in float64.
      bool ok = (std::isnan(g) && std::isnan(w)) || g == w ||
                std::fabs(g - w) <= 1e-5 + 1e-3 * std::fabs(w);
      if (!ok) {
        std::ostringstream os;
        os << "output " << o << "[" << i << "] = " << g << ", expected " << w;
        detail = os.str();
        return Outcome::Failed;
      }
    }
  }
  return Outcome::Passed;
}

TEST(OnnxConformance, NodeTestsOfSupportedOps) {
  const char *env = std::getenv("AEGIS_ONNX_NODE_TESTS");
  fs::path root = env ? env : "/usr/share/libonnx-testdata/data/node";
  if (!fs::is_directory(root))
    GTEST_SKIP() << root << " not found: install libonnx-testdata "
                 << "(scripts/setup.sh does)";
  const auto &supported = mlir::aegis::supportedOnnxOps();
  std::set<std::string> supportedSet(supported.begin(), supported.end());
  std::set<std::string> knownUnsupported = readList(AEGIS_CONFORMANCE_EXPECTED);

  std::vector<fs::path> dirs;
  for (const auto &entry : fs::directory_iterator(root))
    if (entry.is_directory() && fs::exists(entry.path() / "model.onnx"))
      dirs.push_back(entry.path());
  std::sort(dirs.begin(), dirs.end());

  std::vector<std::string> passed, unsupported, failed, newlyUnsupported;
  for (const fs::path &dir : dirs) {
    onnx::ModelProto model;
    std::string bytes = readFile(dir / "model.onnx");
    if (!model.ParseFromString(bytes))
      continue;
    bool inScope = model.graph().node_size() > 0;
    for (const auto &node : model.graph().node())
      inScope &= node.domain().empty() && supportedSet.count(node.op_type());
    if (!inScope)
      continue;
    std::string name = dir.filename().string(), detail;
    switch (runNodeTest(dir, model, detail)) {
    case Outcome::Passed:
      passed.push_back(name);
      break;
    case Outcome::Unsupported:
      unsupported.push_back(name + ": " + detail);
      if (!knownUnsupported.count(name))
        newlyUnsupported.push_back(name + ": " + detail);
      break;
    case Outcome::Failed:
      failed.push_back(name + ": " + detail);
      break;
    }
  }

  std::cout << "ONNX node tests in scope: "
            << passed.size() + unsupported.size() + failed.size() << "\n";
  std::cout << "passed (" << passed.size() << "):";
  for (const auto &n : passed)
    std::cout << " " << n;
  std::cout << "\nunsupported variants (" << unsupported.size() << "):\n";
  for (const auto &n : unsupported)
    std::cout << "  " << n << "\n";
  for (const auto &n : failed)
    ADD_FAILURE() << "wrong result: " << n;
  for (const auto &n : newlyUnsupported)
    ADD_FAILURE() << "refused, and not listed in onnx-node-unsupported.txt: "
                  << n;
  for (const auto &n : passed)
    if (knownUnsupported.count(n))
      std::cout << "note: " << n
                << " now passes; remove it from onnx-node-unsupported.txt\n";
  // Guard against a harness that silently runs nothing.
  EXPECT_GE(passed.size(), 100u);
}

} // namespace
