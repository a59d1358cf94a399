//===- RotationKeyBudget.cpp - Rotation keys under a budget ---------------===//
//
// Chooses the rotation keys with planRotationKeys and rewrites every
// ckks.rotate by an offset outside the chosen set into a chain of rotations
// by chosen keys, sharing the chains' prefixes per input value.
//
//===----------------------------------------------------------------------===//

#include "aegis/Dialect/CKKS/IR/CKKSOps.h"
#include "aegis/Dialect/CKKS/Transforms/Passes.h"
#include "aegis/Support/Rotation.h"
#include "aegis/Support/RotationKeys.h"

#include "mlir/IR/Builders.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/raw_ostream.h"

#include <cmath>
#include <cstdio>
#include <map>
#include <set>

namespace mlir::aegis::ckks {
#define GEN_PASS_DEF_ROTATIONKEYBUDGET
#include "aegis/Dialect/CKKS/Transforms/Passes.h.inc"
} // namespace mlir::aegis::ckks

using namespace mlir;
using namespace mlir::aegis::ckks;

namespace {

/// "3", "2.5", "0.12": MiB in three significant digits.
std::string mibText(double mib) {
  char text[32];
  std::snprintf(text, sizeof(text), "%.3g", mib);
  return text;
}

struct RotationKeyBudgetPass
    : public mlir::aegis::ckks::impl::RotationKeyBudgetBase<
          RotationKeyBudgetPass> {
  using RotationKeyBudgetBase::RotationKeyBudgetBase;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    SmallVector<RotateOp> rotations;
    std::set<int64_t> slotCounts;
    // The budget counts Galois keys: a program that conjugates (the
    // unpacking of complex bootstraps) spends one on the conjugation.
    bool conjugates = false;
    module.walk([&](Operation *op) {
      if (auto rot = dyn_cast<RotateOp>(op)) {
        rotations.push_back(rot);
        slotCounts.insert(rot.getInput().getType().getSlots());
      } else if (isa<ConjugateOp>(op)) {
        conjugates = true;
      }
    });
    if (slotCounts.size() > 1) {
      module.emitError() << "rotation-key budget: the module rotates "
                            "ciphertexts of "
                         << slotCounts.size()
                         << " different slot counts; one is supported";
      return signalPassFailure();
    }
    const int64_t slots = slotCounts.empty() ? 0 : *slotCounts.begin();
    std::map<int64_t, int64_t> uses;
    for (RotateOp op : rotations) {
      int64_t r = ::aegis::positiveRotation(op.getOffsetAttr().getInt(), slots);
      if (r != 0)
        ++uses[r];
    }

    // The per-key size at the top level (the budget in MiB counts keys so,
    // an upper bound), when the module has its parameters.
    double keyBytes = 0;
    auto params =
        module->getAttrOfType<ParamsAttr>(CKKSDialect::kParamsAttrName);
    if (params)
      keyBytes = ::aegis::keySwitchKeyBytes(params.getLogN(),
                                            params.getLogQ().size(),
                                            params.getLogP().size(),
                                            params.getDnum());
    // The bytes of the keys the rotations need, each key at the highest
    // level it is used (as the runtime generates them).
    auto keysAtLevels = [&]() {
      std::map<int64_t, unsigned> levels;
      module.walk([&](RotateOp op) {
        int64_t r =
            ::aegis::positiveRotation(op.getOffsetAttr().getInt(), slots);
        if (r != 0)
          levels[r] = std::max(levels[r], op.getInput().getType().getLevel());
      });
      double bytes = 0;
      for (auto [r, level] : levels)
        bytes += ::aegis::keySwitchKeyBytes(
            params.getLogN(), params.getLogQ().size(), params.getLogP().size(),
            params.getDnum(), level);
      return bytes;
    };
    double bytesBefore = params ? keysAtLevels() : 0;
    size_t budget = maxKeys;
    if (conjugates && budget > 0 && !uses.empty()) {
      if (budget == 1) {
        module.emitError() << "rotation-key budget: max-keys=1 is the "
                              "conjugation key the program needs, none is "
                              "left for its rotations; raise the budget "
                              "(--aegis-compile's max-rotation-keys)";
        return signalPassFailure();
      }
      --budget;
    }
    if (maxKeyMiB > 0) {
      if (keyBytes == 0) {
        module.emitError() << "rotation-key budget: max-key-mib needs the "
                              "module's ckks.params to size a key (use "
                              "max-keys instead)";
        return signalPassFailure();
      }
      size_t fit = size_t(std::floor(maxKeyMiB * 1048576.0 / keyBytes));
      if (fit == 0) {
        module.emitError() << "rotation-key budget: max-key-mib="
                           << mibText(maxKeyMiB)
                           << " is smaller than one key ("
                           << mibText(keyBytes / 1048576.0) << " MiB)";
        return signalPassFailure();
      }
      budget = budget == 0 ? fit : std::min(budget, fit);
    }

    ::aegis::RotationKeyPlan plan;
    if (slots > 0) {
      std::string error;
      if (!::aegis::planRotationKeys(slots, uses, budget, plan, error)) {
        module.emitError() << "rotation-key budget: " << error
                           << "; raise the budget (max-keys / max-key-mib; "
                              "--aegis-compile's max-rotation-keys / "
                              "max-rotation-key-mib)";
        return signalPassFailure();
      }
      rewrite(rotations, plan);
    }
    // What the program now does: the chains with their prefixes shared.
    int64_t after = 0;
    module.walk([&](RotateOp op) {
      if (::aegis::positiveRotation(op.getOffsetAttr().getInt(), slots) != 0)
        ++after;
    });

    keysBefore = uses.size();
    keysAfter = plan.keys.size();
    rotationsBefore = plan.rotationsBefore;
    rotationsAfter = after;
    if (module->hasAttr(CKKSDialect::kRotationKeysAttrName)) {
      SmallVector<int64_t> keys;
      for (int64_t k : plan.keys)
        keys.push_back(::aegis::canonicalRotation(k, slots));
      llvm::sort(keys);
      module->setAttr(CKKSDialect::kRotationKeysAttrName,
                      Builder(module.getContext()).getDenseI64ArrayAttr(keys));
    }
    if (report)
      printReport(uses.size(), plan, after, bytesBefore,
                  params ? keysAtLevels() : 0, budget, conjugates);
  }

  /// Every rotation by a non-key offset becomes the chain of its path; the
  /// values along the chains of one input are shared.
  void rewrite(ArrayRef<RotateOp> rotations,
               const ::aegis::RotationKeyPlan &plan) {
    const int64_t slots = plan.slots;
    // (input, offset in [0, slots)) -> the rotated value, computed before
    // the rotation being rewritten (rotations are visited in program order
    // and the chains are built just before the first that needs them).
    // With a reuse window, a value is reused only by rotations at most that
    // many ops after the one that made it: reuse keeps a ciphertext alive
    // until its last use, and program-wide reuse at long sequences keeps
    // tens of thousands alive (BERT-base at 2048 tokens).
    llvm::DenseMap<std::pair<Value, int64_t>, Value> rotated;
    llvm::DenseMap<Value, int64_t> madeAt;
    llvm::DenseMap<Operation *, int64_t> position;
    if (reuseWindow != 0) {
      int64_t i = 0;
      getOperation().walk([&](Operation *o) { position[o] = i++; });
    }
    auto nearEnough = [&](Value v, Operation *user) {
      if (reuseWindow == 0)
        return true;
      auto it = madeAt.find(v);
      int64_t made = it != madeAt.end() ? it->second
                     : v.getDefiningOp() ? position.lookup(v.getDefiningOp())
                                         : 0;
      return position.lookup(user) - made <= int64_t(reuseWindow);
    };
    OpBuilder b(&getContext());
    for (RotateOp op : rotations) {
      Value input = op.getInput();
      int64_t r = ::aegis::positiveRotation(op.getOffsetAttr().getInt(), slots);
      if (r == 0)
        continue;
      auto key = std::make_pair(input, r);
      if (plan.isKey(r)) {
        // A second rotation of the same input by the same key is the first.
        auto [it, inserted] = rotated.try_emplace(key, op.getOutput());
        if (!inserted && it->second.getParentBlock() == op->getBlock() &&
            nearEnough(it->second, op)) {
          op.getOutput().replaceAllUsesWith(it->second);
          op.erase();
        } else if (!inserted) {
          it->second = op.getOutput();
        }
        continue;
      }
      b.setInsertionPoint(op);
      Value current = input;
      int64_t previous = 0;
      for (int64_t node : plan.path(r)) {
        auto it = rotated.find({input, node});
        if (it != rotated.end() &&
            it->second.getParentBlock() == op->getBlock() &&
            nearEnough(it->second, op)) {
          current = it->second;
        } else {
          int64_t step = ::aegis::canonicalRotation(node - previous, slots);
          current = RotateOp::create(b, op.getLoc(), op.getOutput().getType(),
                                     current, b.getI64IntegerAttr(step));
          rotated[{input, node}] = current;
          if (reuseWindow != 0)
            madeAt[current] = position.lookup(op);
        }
        previous = node;
      }
      op.getOutput().replaceAllUsesWith(current);
      op.erase();
    }
  }

  /// Key bytes are at the levels the keys are used, before and after.
  void printReport(size_t keysNeeded, const ::aegis::RotationKeyPlan &plan,
                   int64_t after, double bytesBefore, double bytesAfter,
                   size_t budget, bool conjugates) {
    auto mib = [&](double bytes) {
      return llvm::format("%.1f", bytes / 1048576.0);
    };
    const bool haveBytes = bytesBefore > 0;
    llvm::errs() << "  rotation-key budget ";
    if (budget == 0)
      llvm::errs() << "none";
    else if (conjugates && budget != maxKeys)
      llvm::errs() << maxKeys << " keys (" << budget
                   << " for rotations, 1 for the conjugation)";
    else
      llvm::errs() << budget << " keys";
    llvm::errs() << ": " << keysNeeded << " keys";
    if (haveBytes)
      llvm::errs() << " (" << mib(bytesBefore) << " MiB)";
    llvm::errs() << " -> " << plan.keys.size() << " keys";
    if (haveBytes)
      llvm::errs() << " (" << mib(bytesAfter) << " MiB)";
    llvm::errs() << "; rotations " << plan.rotationsBefore << " -> " << after
                 << " (" << (after >= plan.rotationsBefore ? "+" : "")
                 << (after - plan.rotationsBefore) << " key switches)\n";
  }
};

} // namespace
