//===- NNToCKKS.cpp - aegis-nn-to-ckks ------------------------------------===//
//
// The final lowering of a calibrated nn program to ckks under the decisions
// aegis-nn-select-parameters and aegis-nn-place-bootstraps recorded on the
// module, and the notes the compile report (aegis-ckks-report) reads. The
// layouts, algorithms and their costs are documented in docs/Lowering.md.
//
//===----------------------------------------------------------------------===//

#include "aegis/Conversion/NNToCKKS/Passes.h"

#include "Driver.h"

#include "aegis/Dialect/CKKS/IR/CKKSOps.h"
#include "aegis/Dialect/NN/IR/NNOps.h"
#include "aegis/Dialect/NN/Interpreter/Interpreter.h"
#include "aegis/Dialect/NN/Interpreter/Kernels.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/Support/raw_ostream.h"

#include <cmath>
#include <map>

namespace mlir::aegis {
#define GEN_PASS_DEF_LOWERNNTOCKKS
#include "aegis/Conversion/NNToCKKS/Passes.h.inc"
} // namespace mlir::aegis

using namespace mlir;
using namespace mlir::aegis;
namespace ck = mlir::aegis::ckks;
namespace nnd = mlir::aegis::nn;
using namespace mlir::aegis::lowering;
using ::aegis::nn::Shape;
using ::aegis::nn::Tensor;

namespace {

//===----------------------------------------------------------------------===//
// The pass
//===----------------------------------------------------------------------===//

struct LowerNNToCKKSPass
    : public mlir::aegis::impl::LowerNNToCKKSBase<LowerNNToCKKSPass> {
  using LowerNNToCKKSBase::LowerNNToCKKSBase;
  void runOnOperation() override;
};

} // namespace

void LowerNNToCKKSPass::runOnOperation() {
  ModuleOp module = getOperation();
  auto decided = Decisions::read(module, "aegis-nn-to-ckks");
  if (failed(decided))
    return signalPassFailure();
  const Decisions &d = *decided;
  func::FuncOp entry = findEntryFunction(module, "aegis-nn-to-ckks");
  if (!entry)
    return signalPassFailure();
  const int64_t tokens = inputTokens(entry);
  const bool boot = d.bootLevels != 0;
  const unsigned scaleBits = d.scaleBits, topLevel = d.topLevel();
  const unsigned bootLevel = d.bootLevels;
  const int64_t slots = d.slots, tile = d.tile;

  // The bootstrap placement aegis-nn-place-bootstraps chose.
  PlacementRecord placed = PlacementRecord::read(module);
  if (boot && placed.placement == "none") {
    emitError(module.getLoc())
        << "aegis-nn-to-ckks: the parameters bootstrap but the module has no "
           "bootstrap placement (ckks.bootstrap_plan): run "
           "aegis-nn-place-bootstraps first, or --aegis-compile";
    return signalPassFailure();
  }
  Driver driver(module, scaleBits, d.margin, d.approxError, materialize);
  driver.bootLevel = driver.refreshLevels = bootLevel;
  std::string placementWhy = placed.why;
  if (placed.placement == "mincut") {
    driver.plan.refresh.assign(size_t(std::max<int64_t>(0, placed.values)), 0);
    for (int32_t n : placed.refresh) {
      if (n < 0 || n >= placed.values) {
        emitError(module.getLoc())
            << "aegis-nn-to-ckks: the bootstrap plan refreshes value " << n
            << " of a program of " << placed.values << " values";
        return signalPassFailure();
      }
      driver.plan.refresh[n] = 1;
    }
    driver.plan.count = unsigned(placed.refresh.size());
    driver.plan.stages = unsigned(placed.stages);
    driver.usePlan = true;
  } else if (placed.placement == "greedy") {
    entry.walk([&](Operation *op) {
      if (auto n = op->getAttrOfType<IntegerAttr>(
              ck::CKKSDialect::kRefreshDepthAttrName))
        driver.opDepth[op] = unsigned(n.getInt());
    });
  }
  const int64_t programDepth = placed.depth,
                bootstrapLowerBound = placed.lowerBound;
  Report rep;
  // The model's size in ops (constants aside), for the IR-size line.
  int64_t modelOps = 0;
  for (Operation &op : entry.getBody().front())
    if (!isa<nnd::ConstantOp, func::ReturnOp>(op))
      ++modelOps;
  auto func = driver.lower(entry, slots, tile, topLevel, rep);
  if (failed(func) && driver.planBroken) {
    // Not the program the plan was made for (a plan from another module, or
    // a kernel that decided differently): refresh on demand, and say so.
    driver.planBroken = driver.usePlan = false;
    placementWhy = "on demand (the placement's program differed from the "
                   "final lowering: was the module changed after "
                   "aegis-nn-place-bootstraps?)";
    rep = Report();
    func = driver.lower(entry, slots, tile, topLevel, rep);
  }
  if (failed(func))
    return signalPassFailure();
  // Replace the nn function.
  StringRef name = entry.getName();
  std::string keep = name.str();
  entry.erase();
  func->setName(keep);
  // What only the nn program's passes read.
  module->removeAttr(ck::CKKSDialect::kBootstrapPlanAttrName);
  module->removeAttr(ck::CKKSDialect::kApproximationAttrName);
  module->removeAttr(ck::CKKSDialect::kChoicesAttrName);
  // Bootstrapping holds for messages up to 8: divide by 2^headroom around
  // every bootstrap so that twice the calibrated bound fits.
  unsigned headroom = 0;
  if (boot) {
    while (headroom < 30 && 2 * rep.magnitude > 8.0 * std::ldexp(1.0, int(headroom)))
      ++headroom;
    module->setAttr(ck::CKKSDialect::kBootstrapHeadroomAttrName,
                    IntegerAttr::get(IntegerType::get(module.getContext(), 32),
                                     headroom));
  }
  numRotations = rep.rotations;
  numRelinearizations = rep.relinearizations;
  numBootstraps = rep.bootstraps;
  numPlainProducts = rep.mulPlain;
  auto kernelKeySwitches = [&](const char *family) -> int64_t {
    auto it = rep.kernels.find(family);
    return it == rep.kernels.end() ? 0 : it->second.keySwitches();
  };
  numAttentionKeySwitches = kernelKeySwitches("attention");
  numMatmulKeySwitches = kernelKeySwitches("matmul");
  numTokenTiles = (tokens + tile - 1) / tile;
  // What the report (aegis-ckks-report) cannot read from the ckks program.
  {
    Builder b(module.getContext());
    SmallVector<Attribute> approx;
    for (const std::string &a : rep.approximations)
      approx.push_back(b.getStringAttr(a));
    module->setAttr(
        ck::CKKSDialect::kCompileNotesAttrName,
        b.getDictionaryAttr(
            {b.getNamedAttr("ring", b.getStringAttr(d.ringWhy)),
             b.getNamedAttr("bootstrapping", b.getStringAttr(d.bootWhy)),
             b.getNamedAttr("placement", b.getStringAttr(placementWhy)),
             b.getNamedAttr("depth", b.getI64IntegerAttr(programDepth)),
             b.getNamedAttr("lower_bound",
                            b.getI64IntegerAttr(bootstrapLowerBound)),
             b.getNamedAttr("plan_misses",
                            b.getI64IntegerAttr(driver.planMisses)),
             b.getNamedAttr("tokens", b.getI64IntegerAttr(tokens)),
             b.getNamedAttr("model_ops", b.getI64IntegerAttr(modelOps)),
             b.getNamedAttr("approximations", b.getArrayAttr(approx))}));
  }
}

