//===- Approximate.cpp - aegis-nn-approximate -----------------------------===//
//
// Chooses the polynomial approximation of every non-linear op from its
// calibrated range and records it on the op (`ckks.approx`; attention:
// `ckks.approx_exp` and `ckks.approx_inverse`), for aegis-nn-to-ckks to
// evaluate. The rules are the kernels' own (Lowering::unaryFit,
// layerNormFit, attentionFits), so that a program lowered without this pass
// (the counting runs of aegis-nn-select-parameters) approximates alike.
//
//===----------------------------------------------------------------------===//

#include "aegis/Conversion/NNToCKKS/Passes.h"

#include "Driver.h"

#include "aegis/Dialect/NN/IR/NNOps.h"

namespace mlir::aegis {
#define GEN_PASS_DEF_APPROXIMATE
#include "aegis/Conversion/NNToCKKS/Passes.h.inc"
} // namespace mlir::aegis

using namespace mlir;
using namespace mlir::aegis;
namespace nnd = mlir::aegis::nn;
using namespace mlir::aegis::lowering;

namespace {

struct ApproximatePass
    : public mlir::aegis::impl::ApproximateBase<ApproximatePass> {
  using ApproximateBase::ApproximateBase;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    auto d = Decisions::read(module, "aegis-nn-approximate");
    if (failed(d))
      return signalPassFailure();
    func::FuncOp entry = findEntryFunction(module, "aegis-nn-approximate");
    if (!entry)
      return signalPassFailure();
    CountingSink sink;
    Report report;
    Lowering L(sink, d->slots, d->tile, d->scaleBits, d->margin,
               d->approxError, false, report);
    // ReLU's degree is capped so that it fits between two bootstraps.
    L.refreshLevels = d->bootLevels;
    int64_t count = 0, maxDegree = 0;
    auto note = [&](const Fit &f) {
      ++count;
      maxDegree = std::max<int64_t>(maxDegree, f.degree);
    };
    WalkResult walk = entry.walk([&](Operation *op) -> WalkResult {
      if (isa<nnd::GeluOp, nnd::ReluOp, nnd::TanhOp, nnd::ErfOp,
              nnd::SigmoidOp, nnd::SiluOp, nnd::ExpOp>(op)) {
        auto fit = L.unaryFit(op);
        if (failed(fit))
          return WalkResult::interrupt();
        writeFit(op, kApproxAttr, *fit);
        note(*fit);
      } else if (auto ln = dyn_cast<nnd::LayerNormOp>(op)) {
        auto fit = L.layerNormFit(ln);
        if (failed(fit))
          return WalkResult::interrupt();
        writeFit(op, kApproxAttr, *fit);
        note(*fit);
      } else if (auto att = dyn_cast<nnd::AttentionOp>(op)) {
        auto fits = L.attentionFits(att);
        if (failed(fits))
          return WalkResult::interrupt();
        writeFit(op, kApproxExpAttr, fits->first);
        writeFit(op, kApproxInverseAttr, fits->second);
        note(fits->first);
        note(fits->second);
      }
      return WalkResult::advance();
    });
    if (walk.wasInterrupted())
      return signalPassFailure();
    numApproximations = count;
    numMaxDegree = maxDegree;
  }
};

} // namespace
