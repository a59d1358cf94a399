//===- aegis-opt.cpp - the aegis compiler driver --------------------------===//
//
// MlirOptMain with exactly the dialects and passes aegis uses. Registering
// everything (registerAllDialects/registerAllPasses) would cost minutes of
// build time and GBs of memory per file for nothing.
//
// The input may be MLIR (text or bytecode) or an ONNX model, recognised by
// its content; ONNX models are imported into the nn dialect first.
//
//===----------------------------------------------------------------------===//

#include "aegis/Conversion/NNToCKKS/Passes.h"
#include "aegis/Conversion/OnnxToNN/OnnxImporter.h"
#include "aegis/Dialect/CKKS/IR/CKKSDialect.h"
#include "aegis/Dialect/CKKS/Transforms/Passes.h"
#include "aegis/Dialect/Dist/IR/DistDialect.h"
#include "aegis/Dialect/NN/IR/NNDialect.h"
#include "aegis/Dialect/NN/Transforms/Passes.h"
#include "aegis/Runtime/Support/Version.h"
#include "aegis/Transforms/Passes.h"

#include "mlir/Bytecode/BytecodeWriter.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Support/FileUtilities.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"

#include <vector>
#include "mlir/Transforms/Passes.h"
#include "llvm/Config/llvm-config.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/ToolOutputFile.h"
#include "llvm/Support/raw_ostream.h"

static llvm::cl::list<std::string> inputShapes(
    "aegis-input-shape",
    llvm::cl::desc("Fix an ONNX input's shape, NAME:D0xD1x... (repeatable, "
                   "or comma-separated), e.g. x:1x128x768"),
    llvm::cl::CommaSeparated);

static void printVersion(llvm::raw_ostream &os) {
  os << aegis::getVersionLine() << "\n"
     << "  built with MLIR/LLVM " << LLVM_VERSION_STRING << " (pinned major "
     << aegis::getPinnedLLVMMajor() << ")\n";
}

/// Imports an ONNX model into MLIR bytecode that MlirOptMain then parses.
static std::unique_ptr<llvm::MemoryBuffer>
importOnnx(llvm::StringRef bytes, llvm::StringRef inputFilename,
           mlir::DialectRegistry &registry) {
  mlir::aegis::OnnxImportOptions options;
  for (const std::string &flag : inputShapes) {
    std::string error = mlir::aegis::parseInputShapeFlag(flag, options);
    if (!error.empty()) {
      llvm::errs() << "aegis-opt: error: " << error << "\n";
      return nullptr;
    }
  }
  options.baseDirectory = llvm::sys::path::parent_path(inputFilename).str();
  mlir::MLIRContext context(registry);
  llvm::SourceMgr sourceMgr;
  mlir::SourceMgrDiagnosticHandler handler(sourceMgr, &context);
  auto module =
      mlir::aegis::importOnnxModel(&context, bytes, inputFilename, options);
  if (!module)
    return nullptr;
  std::string bytecode;
  llvm::raw_string_ostream os(bytecode);
  if (mlir::failed(mlir::writeBytecodeToFile(*module, os))) {
    llvm::errs() << "aegis-opt: error: cannot serialize the imported model\n";
    return nullptr;
  }
  return llvm::MemoryBuffer::getMemBufferCopy(bytecode, inputFilename);
}

int main(int argc, char **argv) {
  llvm::InitLLVM initLLVM(argc, argv);
  mlir::DialectRegistry registry;
  registry.insert<mlir::aegis::ckks::CKKSDialect, mlir::aegis::nn::NNDialect,
                  mlir::aegis::dist::DistDialect, mlir::shard::ShardDialect,
                  mlir::func::FuncDialect>();

  mlir::registerCanonicalizerPass();
  mlir::registerCSEPass();
  mlir::registerSymbolDCEPass();
  mlir::aegis::ckks::registerCKKSPasses();
  mlir::aegis::nn::registerNNPasses();
  mlir::aegis::registerNNToCKKSPasses();
  mlir::aegis::dist::registerDistPasses();
  mlir::aegis::registerCompilePipeline();

  // With --aegis-compile the product is the artifact, written to -o.
  bool compiling = false;
  for (int i = 1; i < argc; ++i)
    if (llvm::StringRef(argv[i]).starts_with("--aegis-compile") ||
        llvm::StringRef(argv[i]).starts_with("-aegis-compile"))
      compiling = true;

  // A diagnostic names its op by location; printing the op itself would
  // dump its attributes (a calibrated attention's per-row ranges, weights),
  // megabytes for a real model. --mlir-print-op-on-diagnostic=true restores
  // MLIR's default.
  std::vector<char *> args(argv, argv + argc);
  bool printOpChosen = false;
  for (int i = 1; i < argc; ++i)
    if (llvm::StringRef(argv[i]).contains("mlir-print-op-on-diagnostic"))
      printOpChosen = true;
  static char quietOps[] = "--mlir-print-op-on-diagnostic=false";
  if (!printOpChosen)
    args.insert(args.begin() + 1, quietOps);
  int argCount = int(args.size());

  llvm::cl::SetVersionPrinter(printVersion);
  auto [inputFilename, outputFilename] = mlir::registerAndParseCLIOptions(
      argCount, args.data(),
      "aegis compiler driver: ONNX Transformers to multi-device CKKS\n",
      registry);

  std::string errorMessage;
  auto file = mlir::openInputFile(inputFilename, &errorMessage);
  if (!file) {
    llvm::errs() << "aegis-opt: error: " << errorMessage << "\n";
    return 1;
  }
  std::unique_ptr<llvm::MemoryBuffer> buffer;
  if (mlir::aegis::looksLikeOnnx(file->getBuffer())) {
    buffer = importOnnx(file->getBuffer(), inputFilename, registry);
    if (!buffer)
      return 1;
  } else {
    if (llvm::StringRef(inputFilename).ends_with(".onnx")) {
      llvm::errs() << "aegis-opt: error: " << inputFilename
                   << ": not a valid ONNX model (truncated or corrupt?)\n";
      return 1;
    }
    if (!inputShapes.empty()) {
      llvm::errs() << "aegis-opt: error: --aegis-input-shape applies only to "
                      "ONNX models\n";
      return 1;
    }
    buffer = std::move(file);
  }
  if (compiling) {
    if (outputFilename == "-") {
      llvm::errs() << "aegis-opt: error: --aegis-compile writes an artifact: "
                      "give its path with -o MODEL.aegis\n";
      return 1;
    }
    mlir::aegis::setCompileOutput(outputFilename);
    outputFilename = "/dev/null";
  }
  auto output = mlir::openOutputFile(outputFilename, &errorMessage);
  if (!output) {
    llvm::errs() << "aegis-opt: error: " << errorMessage << "\n";
    return 1;
  }
  mlir::MlirOptMainConfig config = mlir::MlirOptMainConfig::createFromCLOptions();
  if (mlir::failed(mlir::MlirOptMain(output->os(), std::move(buffer), registry,
                                     config)))
    return 1;
  output->keep();
  return 0;
}
