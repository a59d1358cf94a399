//===- TranslateToArtifact.cpp - --aegis-to-artifact ----------------------===//
//
// The mlir-translate convention for leaving MLIR: a ckks module in, the
// artifact's bytes out (aegis-translate --aegis-to-artifact prog.mlir -o
// prog.aegis). Built with exceptions, like EmitArtifact.cpp: serialization
// is runtime code that throws aegis::Error.
//
//===----------------------------------------------------------------------===//

#include "aegis/Target/Artifact/EmitArtifact.h"

#include "aegis/Dialect/CKKS/IR/CKKSDialect.h"
#include "aegis/Dialect/NN/IR/NNDialect.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/Tools/mlir-translate/Translation.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/raw_ostream.h"

namespace mlir::aegis {

void registerToArtifactTranslation() {
  static llvm::cl::opt<std::string> security(
      "aegis-artifact-security",
      llvm::cl::desc("With --aegis-to-artifact: 128 (default; refuse "
                     "parameters below 128-bit security) or toy (allow them "
                     "and mark the artifact insecure)"),
      llvm::cl::init("128"));
  TranslateFromMLIRRegistration registration(
      "aegis-to-artifact", "ckks module to an aegis-run artifact",
      [](Operation *op, llvm::raw_ostream &os) -> LogicalResult {
        auto module = dyn_cast<ModuleOp>(op);
        if (!module)
          return op->emitError("--aegis-to-artifact needs a module");
        FailureOr<::aegis::Artifact> art = buildArtifact(module, security);
        if (failed(art))
          return failure();
        std::vector<uint8_t> bytes;
        try {
          bytes = ::aegis::serializeArtifact(*art);
        } catch (const std::exception &e) {
          return module.emitError("cannot serialize the artifact: ")
                 << e.what();
        }
        os.write(reinterpret_cast<const char *>(bytes.data()), bytes.size());
        return success();
      },
      [](DialectRegistry &registry) {
        registry.insert<ckks::CKKSDialect, nn::NNDialect, func::FuncDialect>();
      });
}

} // namespace mlir::aegis
