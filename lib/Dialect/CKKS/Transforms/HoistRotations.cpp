//===- HoistRotations.cpp - runs of rotations sharing one ModUp -----------===//
//
// Groups the rotations of one ciphertext into hoisted runs (Passes.td,
// HoistRotations).
//
//===----------------------------------------------------------------------===//

#include "aegis/Dialect/CKKS/IR/CKKSDialect.h"
#include "aegis/Dialect/CKKS/IR/CKKSOps.h"
#include "aegis/Dialect/CKKS/Transforms/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/Support/raw_ostream.h"

#include <vector>

namespace mlir::aegis::ckks {
#define GEN_PASS_DEF_HOISTROTATIONS
#include "aegis/Dialect/CKKS/Transforms/Passes.h.inc"
} // namespace mlir::aegis::ckks

using namespace mlir;
using namespace mlir::aegis::ckks;

namespace {

struct HoistRotationsPass
    : public mlir::aegis::ckks::impl::HoistRotationsBase<HoistRotationsPass> {
  using HoistRotationsBase::HoistRotationsBase;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    if (maxRun < 2) {
      emitError(module.getLoc())
          << "aegis-ckks-hoist-rotations: max-run must be at least 2, got "
          << unsigned(maxRun);
      return signalPassFailure();
    }
    int64_t numRuns = 0, numHoisted = 0;
    // Runs already formed (the pass ran before): nothing to do.
    if (module
            .walk([](RotateOp rot) {
              return rot->hasAttr(CKKSDialect::kHoistedAttrName)
                         ? WalkResult::interrupt()
                         : WalkResult::advance();
            })
            .wasInterrupted())
      return;
    Builder b(module.getContext());
    module.walk([&](func::FuncOp f) {
      for (Block &block : f.getBody()) {
        // Runs in program order; the open run of each input.
        std::vector<std::vector<RotateOp>> runs;
        llvm::DenseMap<Value, std::pair<size_t, int64_t>> open;
        int64_t position = 0;
        for (Operation &op : block) {
          ++position;
          auto rot = dyn_cast<RotateOp>(op);
          if (!rot)
            continue;
          auto it = open.find(rot.getInput());
          if (it != open.end() &&
              position - it->second.second <= int64_t(window) &&
              runs[it->second.first].size() < maxRun) {
            runs[it->second.first].push_back(rot);
            continue;
          }
          open[rot.getInput()] = {runs.size(), position};
          runs.push_back({rot});
        }
        for (std::vector<RotateOp> &run : runs) {
          if (run.size() < 2)
            continue;
          for (size_t j = 1; j < run.size(); ++j)
            run[j]->moveAfter(run[j - 1]);
          run.front()->setAttr(CKKSDialect::kHoistedAttrName,
                               b.getI64IntegerAttr(int64_t(run.size())));
          ++numRuns;
          numHoisted += int64_t(run.size());
        }
      }
    });
    runs = numRuns;
    hoisted = numHoisted;
    modUpsSaved = numHoisted - numRuns;
    if (report)
      llvm::errs() << "  hoisted rotations: " << numHoisted << " rotations in "
                   << numRuns << " runs, one ModUp each ("
                   << (numHoisted - numRuns)
                   << " ModUps saved; aegis-ckks-hoist-rotations)\n";
  }
};

} // namespace
