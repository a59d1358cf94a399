//===- OnnxImporterFuzzer.cpp - libFuzzer target for the ONNX importer ----===//
//
// mlir::aegis::importOnnxModel on arbitrary bytes, as aegis-opt calls it
// once looksLikeOnnx accepted them: binary ModelProto or ONNX's textual
// syntax. A bad model is reported through the diagnostic handler and
// yields no module, never a crash. One MLIRContext (single-threaded) serves
// 1000 inputs, then a fresh one (its resource blobs only grow). External data
// resolves against a directory that does not exist, so a model cannot make the
// fuzzer read files. AEGIS_FUZZ_VERBOSE=1 prints the importer's errors (to see
// why a seed is rejected).
//
//===----------------------------------------------------------------------===//

#include "aegis/Conversion/OnnxToNN/OnnxImporter.h"

#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"

#include "llvm/Support/raw_ostream.h"

#include <cstdint>
#include <cstdlib>

namespace {
mlir::MLIRContext *context;
unsigned importsInContext = 0;

/// A fresh single-threaded context that drops diagnostics (errors are the
/// expected outcome for most inputs) or, with AEGIS_FUZZ_VERBOSE, prints
/// them.
void resetContext() {
  delete context;
  context = new mlir::MLIRContext(mlir::MLIRContext::Threading::DISABLED);
  static bool verbose = std::getenv("AEGIS_FUZZ_VERBOSE") != nullptr;
  context->getDiagEngine().registerHandler([](mlir::Diagnostic &d) {
    if (verbose)
      llvm::errs() << d.str() << "\n";
    return mlir::success();
  });
  importsInContext = 0;
}
} // namespace

extern "C" int LLVMFuzzerInitialize(int *, char ***) {
  // Constants the importer folds are refused beyond 1 GB (the fuzzer's
  // -rss_limit_mb is 2048), as a user's machine limit would.
  setenv("AEGIS_MEMORY_LIMIT_GB", "1", /*overwrite=*/0);
  resetContext();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  // Weights become dense_resource blobs owned by the context until it dies:
  // a context kept for the whole run grows past -rss_limit_mb.
  if (++importsInContext > 1000)
    resetContext();
  llvm::StringRef bytes(reinterpret_cast<const char *>(data), size);
  mlir::aegis::OnnxImportOptions options;
  options.baseDirectory = "/nonexistent/aegis-fuzz";
  (void)mlir::aegis::looksLikeOnnx(bytes);
  (void)mlir::aegis::importOnnxModel(context, bytes, "fuzz.onnx", options);
  return 0;
}
