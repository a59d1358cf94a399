//===- aegis-opt.cpp - the aegis compiler driver --------------------------===//
//
// MlirOptMain with exactly the dialects and passes aegis uses. Registering
// everything (registerAllDialects/registerAllPasses) would cost minutes of
// build time and GBs of memory per file for nothing.
//
//===----------------------------------------------------------------------===//

#include "aegis/Dialect/CKKS/IR/CKKSDialect.h"
#include "aegis/Dialect/CKKS/Transforms/Passes.h"
#include "aegis/Runtime/Support/Version.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"
#include "mlir/Transforms/Passes.h"
#include "llvm/Config/llvm-config.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/raw_ostream.h"

static void printVersion(llvm::raw_ostream &os) {
  os << aegis::getVersionLine() << "\n"
     << "  built with MLIR/LLVM " << LLVM_VERSION_STRING << " (pinned major "
     << aegis::getPinnedLLVMMajor() << ")\n";
}

int main(int argc, char **argv) {
  mlir::DialectRegistry registry;
  registry.insert<mlir::aegis::ckks::CKKSDialect, mlir::func::FuncDialect>();

  mlir::registerCanonicalizerPass();
  mlir::registerCSEPass();
  mlir::registerSymbolDCEPass();
  mlir::aegis::ckks::registerCKKSPasses();

  llvm::cl::SetVersionPrinter(printVersion);
  return mlir::asMainReturnCode(mlir::MlirOptMain(
      argc, argv, "aegis compiler driver: ONNX Transformers to multi-device CKKS\n",
      registry));
}
