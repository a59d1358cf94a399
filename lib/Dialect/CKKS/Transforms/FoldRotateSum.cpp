//===- FoldRotateSum.cpp - sums of rotations as one rotate_sum ------------===//
//
// Replaces trees of ckks.add over single-use rotations by ckks.rotate_sum
// (Passes.td, FoldRotateSum).
//
//===----------------------------------------------------------------------===//

#include "aegis/Dialect/CKKS/IR/CKKSOps.h"
#include "aegis/Dialect/CKKS/Transforms/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "llvm/ADT/DenseSet.h"
#include "llvm/Support/raw_ostream.h"

#include <vector>

namespace mlir::aegis::ckks {
#define GEN_PASS_DEF_FOLDROTATESUM
#include "aegis/Dialect/CKKS/Transforms/Passes.h.inc"
} // namespace mlir::aegis::ckks

using namespace mlir;
using namespace mlir::aegis::ckks;

namespace {

struct FoldRotateSumPass
    : public mlir::aegis::ckks::impl::FoldRotateSumBase<FoldRotateSumPass> {
  using FoldRotateSumBase::FoldRotateSumBase;

  /// An add whose only user is an add of the same block (an inner node of
  /// a larger tree).
  static bool isInner(AddOp add) {
    if (!add->hasOneUse())
      return false;
    Operation *user = *add->getUsers().begin();
    return isa<AddOp>(user) && user->getBlock() == add->getBlock();
  }

  void runOnOperation() override {
    unsigned folded = 0;
    int64_t rotationsFolded = 0;
    getOperation().walk([&](func::FuncOp f) {
      for (Block &block : f.getBody()) {
        // Roots first collected: the rewrite erases ops of the block.
        std::vector<AddOp> roots;
        for (Operation &op : block)
          if (auto add = dyn_cast<AddOp>(op); add && !isInner(add))
            roots.push_back(add);
        for (AddOp root : roots)
          if (int64_t n = fold(root)) {
            ++folded;
            rotationsFolded += n;
          }
      }
    });
    if (report) {
      llvm::errs() << "  rotate-and-sum: " << folded << " sums of "
                   << rotationsFolded
                   << " rotations, one ModDown each ("
                   << (rotationsFolded - int64_t(folded))
                   << " ModDowns saved; aegis-ckks-fold-rotate-sum)\n";
    }
    if (folded == 0)
      markAllAnalysesPreserved();
  }

  /// Folds the tree rooted at `root`; returns the rotations folded (0:
  /// the tree stays).
  int64_t fold(AddOp root) {
    // Leaves in left-to-right order; the tree's inner adds.
    SmallVector<Value> leaves;
    SmallVector<Operation *> adds;
    SmallVector<Value> stack{root.getResult()};
    while (!stack.empty()) {
      Value v = stack.pop_back_val();
      auto add = v.getDefiningOp<AddOp>();
      if (add && (add == root || isInner(add))) {
        adds.push_back(add);
        stack.push_back(add.getRhs());
        stack.push_back(add.getLhs());
        continue;
      }
      leaves.push_back(v);
    }
    CiphertextType type = root.getOutput().getType();
    if (type.getSize() != 2)
      return 0;
    // Rotations used only by the tree, of distinct inputs.
    llvm::DenseSet<Value> rotatedInputs;
    SmallVector<Value> inputs;
    SmallVector<int64_t> offsets;
    SmallVector<Operation *> rotations;
    for (Value leaf : leaves) {
      auto rot = leaf.getDefiningOp<RotateOp>();
      if (rot && rot->hasOneUse() && rot->getBlock() == root->getBlock() &&
          rotatedInputs.insert(rot.getInput()).second) {
        inputs.push_back(rot.getInput());
        offsets.push_back(rot.getOffsetAttr().getInt());
        rotations.push_back(rot);
        continue;
      }
      inputs.push_back(leaf);
      offsets.push_back(0);
    }
    if (rotations.size() < minRotations || rotations.size() < 2)
      return 0;
    OpBuilder b(root);
    auto sum = b.create<RotateSumOp>(root.getLoc(), type, inputs,
                                     b.getDenseI64ArrayAttr(offsets));
    root.getOutput().replaceAllUsesWith(sum.getOutput());
    // Inner adds were pushed parents first: erase children after parents.
    for (Operation *add : adds)
      add->erase();
    for (Operation *rot : rotations)
      rot->erase();
    ++sums;
    foldedRotations += rotations.size();
    return int64_t(rotations.size());
  }
};

} // namespace
