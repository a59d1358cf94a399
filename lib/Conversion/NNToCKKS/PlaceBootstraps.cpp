//===- PlaceBootstraps.cpp - aegis-nn-place-bootstraps --------------------===//
//
// Where a bootstrapped program refreshes its ciphertexts: an unbootstrapped
// counting run of the lowering records the program as a DAG of ciphertext
// values (BootstrapPlacement.h) and minimum cuts choose the values to
// refresh (mincut), or it measures the levels each nn op spends (greedy:
// aegis-nn-to-ckks refreshes on demand, an op's inputs up front when the op
// fits between two bootstraps). The decision goes on the module
// (`ckks.bootstrap_plan`) and, for greedy, on the nn ops
// (`ckks.refresh_depth`); aegis-nn-to-ckks replays it.
//
//===----------------------------------------------------------------------===//

#include "aegis/Conversion/NNToCKKS/Passes.h"

#include "Driver.h"

namespace mlir::aegis {
#define GEN_PASS_DEF_PLACEBOOTSTRAPS
#include "aegis/Conversion/NNToCKKS/Passes.h.inc"
} // namespace mlir::aegis

using namespace mlir;
using namespace mlir::aegis;
namespace ck = mlir::aegis::ckks;
using namespace mlir::aegis::lowering;

namespace {

struct PlaceBootstrapsPass
    : public mlir::aegis::impl::PlaceBootstrapsBase<PlaceBootstrapsPass> {
  using PlaceBootstrapsBase::PlaceBootstrapsBase;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    if (placement != "mincut" && placement != "greedy") {
      emitError(module.getLoc())
          << "aegis-nn-place-bootstraps: placement must be mincut or greedy, "
             "got '"
          << placement << "'";
      return signalPassFailure();
    }
    auto d = Decisions::read(module, "aegis-nn-place-bootstraps");
    if (failed(d))
      return signalPassFailure();
    func::FuncOp entry = findEntryFunction(module, "aegis-nn-place-bootstraps");
    if (!entry)
      return signalPassFailure();
    entry.walk([&](Operation *op) {
      op->removeAttr(ck::CKKSDialect::kRefreshDepthAttrName);
    });
    PlacementRecord record;
    if (!d->bootLevels) {
      record.why = "no bootstrapping";
      record.write(module);
      return;
    }
    const unsigned U = d->bootLevels;
    const bool minCut = placement == "mincut";
    // Per-op depths (greedy placement) or the program's DAG (minimum-cut
    // placement) from an unbootstrapped sizing run.
    Driver driver(module, d->scaleBits, d->margin, d->approxError, false);
    driver.recordDepths = !minCut;
    driver.recordDag = minCut;
    driver.refreshLevels = U;
    Report sizing;
    unsigned minLevel = kTopLevel;
    if (failed(driver.lower(entry, d->slots, d->tile, kTopLevel, sizing,
                            &minLevel)))
      return signalPassFailure();
    // A lower bound on the bootstraps: the longest path spends `depth`
    // levels; a fresh input or a bootstrap is at level U and every value
    // keeps level 1, so each spends at most U - 1 of them.
    record.depth = kTopLevel - minLevel;
    record.lowerBound = record.depth > U - 1
                            ? (record.depth + U - 2) / (U - 1) - 1
                            : 0;
    if (minCut) {
      BootstrapPlan plan = placeBootstraps(driver.dag, U);
      if (!plan.ok) {
        record.placement = "greedy";
        record.why = "on demand (the minimum-cut placement found a path "
                     "with no value it may refresh)";
      } else {
        record.placement = "mincut";
        record.values = int64_t(plan.refresh.size());
        record.stages = plan.stages;
        for (size_t i = 0; i < plan.refresh.size(); ++i)
          if (plan.refresh[i])
            record.refresh.push_back(int32_t(i));
        record.why = "placed over the whole program by minimum cuts in " +
                     std::to_string(plan.stages) + " stages";
      }
      numStages = plan.stages;
    } else {
      record.placement = "greedy";
      record.why = "on demand (bootstrap-placement=greedy)";
      Builder b(module.getContext());
      for (auto [op, depth] : driver.opDepth)
        op->setAttr(ck::CKKSDialect::kRefreshDepthAttrName,
                    b.getI64IntegerAttr(depth));
    }
    numPlanned = int64_t(record.refresh.size());
    numLowerBound = record.lowerBound;
    record.write(module);
  }
};

} // namespace
