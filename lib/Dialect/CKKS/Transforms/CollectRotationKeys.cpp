//===- CollectRotationKeys.cpp - Galois keys a module needs ---------------===//

#include "aegis/Dialect/CKKS/IR/CKKSOps.h"
#include "aegis/Dialect/CKKS/Transforms/Passes.h"
#include "aegis/Support/Rotation.h"

#include "mlir/IR/Builders.h"
#include "llvm/ADT/STLExtras.h"

#include <set>

namespace mlir::aegis::ckks {
#define GEN_PASS_DEF_COLLECTROTATIONKEYS
#include "aegis/Dialect/CKKS/Transforms/Passes.h.inc"
} // namespace mlir::aegis::ckks

using namespace mlir;
using namespace mlir::aegis::ckks;

namespace {
struct CollectRotationKeysPass
    : public mlir::aegis::ckks::impl::CollectRotationKeysBase<
          CollectRotationKeysPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    std::set<int64_t> offsets;
    bool conjugation = false;
    module.walk([&](Operation *op) {
      if (auto rotate = dyn_cast<RotateOp>(op)) {
        int64_t slots = rotate.getInput().getType().getSlots();
        int64_t r =
            ::aegis::canonicalRotation(rotate.getOffsetAttr().getInt(), slots);
        if (r != 0)
          offsets.insert(r);
      } else if (auto sum = dyn_cast<RotateSumOp>(op)) {
        int64_t slots = sum.getOutput().getType().getSlots();
        for (int64_t offset : sum.getOffsets())
          if (int64_t r = ::aegis::canonicalRotation(offset, slots))
            offsets.insert(r);
      } else if (isa<ConjugateOp>(op)) {
        conjugation = true;
      }
    });
    Builder b(module.getContext());
    SmallVector<int64_t> sorted(offsets.begin(), offsets.end());
    module->setAttr(CKKSDialect::kRotationKeysAttrName, b.getDenseI64ArrayAttr(sorted));
    if (conjugation)
      module->setAttr(CKKSDialect::kConjugationKeyAttrName, b.getUnitAttr());
    else
      module->removeAttr(CKKSDialect::kConjugationKeyAttrName);
  }
};
} // namespace
