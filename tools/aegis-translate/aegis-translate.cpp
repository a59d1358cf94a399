//===- aegis-translate.cpp - leaves MLIR: ckks modules to artifacts -------===//
//
// The mlir-translate convention: aegis-translate --aegis-to-artifact
// prog.mlir -o prog.aegis. aegis-opt's one-step --aegis-compile ends in the
// same emitter (the pass aegis-ckks-emit-artifact).
//
//===----------------------------------------------------------------------===//

#include "aegis/Runtime/Support/Version.h"
#include "aegis/Target/Artifact/EmitArtifact.h"

#include "mlir/Tools/mlir-translate/MlirTranslateMain.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/raw_ostream.h"

int main(int argc, char **argv) {
  mlir::aegis::registerToArtifactTranslation();
  llvm::cl::SetVersionPrinter([](llvm::raw_ostream &os) {
    os << aegis::getVersionLine() << "\n";
  });
  return mlir::failed(mlir::mlirTranslateMain(
             argc, argv, "aegis translation driver: ckks IR to artifacts\n"))
             ? 1
             : 0;
}
