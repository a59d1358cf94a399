//===- PackBootstraps.cpp - two real ciphertexts per bootstrap ------------===//
//
// Pairs independent bootstraps and refreshes each pair as one complex
// ciphertext (Passes.td, PackBootstraps).
//
//===----------------------------------------------------------------------===//

#include "aegis/Dialect/CKKS/IR/CKKSOps.h"
#include "aegis/Dialect/CKKS/Transforms/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/DenseSet.h"

#include <vector>

namespace mlir::aegis::ckks {
#define GEN_PASS_DEF_PACKBOOTSTRAPS
#include "aegis/Dialect/CKKS/Transforms/Passes.h.inc"
} // namespace mlir::aegis::ckks

using namespace mlir;
using namespace mlir::aegis::ckks;

namespace {

struct PackBootstrapsPass
    : public mlir::aegis::ckks::impl::PackBootstrapsBase<PackBootstrapsPass> {
  using PackBootstrapsBase::PackBootstrapsBase;

  void runOnOperation() override {
    getOperation().walk([&](func::FuncOp f) {
      for (Block &block : f.getBody())
        packBlock(block);
    });
    // Nothing paired: nothing changed (and millions of ops need no second
    // verification).
    if (pairs == 0)
      markAllAnalysesPreserved();
  }

  /// Whether two bootstraps can share one complex bootstrap (apart from
  /// their dependence).
  static bool compatible(BootstrapOp a, BootstrapOp b) {
    CiphertextType ia = a.getInput().getType(), ib = b.getInput().getType();
    return !a.getComplex() && !b.getComplex() &&
           a.getOutput().getType() == b.getOutput().getType() &&
           ia.getLogScale() == ib.getLogScale() &&
           ia.getSlots() == ib.getSlots() && ia.getSize() == 2 &&
           ib.getSize() == 2;
  }

  void packBlock(Block &block) {
    size_t count = 0;
    for (Operation &op : block)
      count += isa<BootstrapOp>(op);
    bootstrapsBefore += count;
    if (count < 2)
      return;
    // In program order. After a pair the scan resumes just before the
    // first bootstrap's old place: the ops that followed it and did not
    // depend on it are still there (a bootstrap among the moved dependents
    // is met again after the pair).
    Operation *op = &block.front();
    while (op) {
      auto first = dyn_cast<BootstrapOp>(op);
      // A complex bootstrap is a pair already.
      if (!first || first.getComplex()) {
        op = op->getNextNode();
        continue;
      }
      std::vector<Operation *> dependents;
      BootstrapOp later = partner(first, dependents);
      if (!later) {
        op = op->getNextNode();
        continue;
      }
      Operation *prev = op->getPrevNode();
      pack(first, later, dependents);
      ++pairs;
      op = prev ? prev->getNextNode() : &block.front();
    }
  }

  /// One scan forward from `first`: the first later bootstrap, among the
  /// next `window` compatible ones within max-distance ops, whose input
  /// does not depend on first's result. `dependents`: the ops between the
  /// two that do, in order.
  BootstrapOp partner(BootstrapOp first,
                      std::vector<Operation *> &dependents) {
    llvm::DenseSet<Value> tainted;
    tainted.insert(first.getOutput());
    unsigned distance = 0, tried = 0;
    for (Operation *op = first->getNextNode(); op; op = op->getNextNode()) {
      if (++distance > maxDistance || tried >= window)
        return {};
      // Nested regions (none in lowered programs): an op reading the result
      // inside one would not be seen, so do not look past it.
      if (op->getNumRegions() != 0)
        return {};
      bool uses = llvm::any_of(op->getOperands(),
                               [&](Value v) { return tainted.contains(v); });
      auto b = dyn_cast<BootstrapOp>(op);
      if (b && compatible(first, b)) {
        ++tried;
        if (!uses)
          return b;
      }
      if (!uses)
        continue;
      dependents.push_back(op);
      for (Value r : op->getResults())
        tainted.insert(r);
    }
    return {};
  }

  /// Replaces the two by one complex bootstrap where `later` was.
  void pack(BootstrapOp first, BootstrapOp later,
            const std::vector<Operation *> &dependents) {
    OpBuilder b(later);
    Location loc = later.getLoc();
    Value a = first.getInput(), c = later.getInput();
    CiphertextType ta = cast<CiphertextType>(a.getType()),
                   tc = cast<CiphertextType>(c.getType());
    unsigned level = std::min(ta.getLevel(), tc.getLevel());
    auto down = [&](Value v, CiphertextType t) -> Value {
      if (t.getLevel() == level)
        return v;
      auto to = CiphertextType::get(t.getContext(), t.getSlots(), level,
                                    t.getLogScale(), t.getSize());
      return LevelDownOp::create(b, v.getLoc(), to, v);
    };
    Value x = down(a, ta), w = down(c, tc);
    Type in = x.getType(), out = later.getOutput().getType();
    Value iw = MulIOp::create(b, loc, in, w, /*negate=*/false);
    Value z = AddOp::create(b, loc, in, x, iw);
    Value y = BootstrapOp::create(b, loc, out, z, /*complex=*/true);
    Value conj = ConjugateOp::create(b, loc, out, y);
    Value ra = AddOp::create(b, first.getLoc(), out, y, conj);
    Value d = SubOp::create(b, loc, out, y, conj);
    Value rb = MulIOp::create(b, loc, out, d, /*negate=*/true);
    first.getOutput().replaceAllUsesWith(ra);
    later.getOutput().replaceAllUsesWith(rb);
    // The ops that read the first result now follow the pair, in order.
    Operation *after = rb.getDefiningOp();
    for (Operation *op : dependents) {
      op->moveAfter(after);
      after = op;
    }
    first.erase();
    later.erase();
  }
};

} // namespace
