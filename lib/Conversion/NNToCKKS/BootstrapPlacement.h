//===- BootstrapPlacement.h - whole-program bootstrap placement -*- C++ -*-===//
//
// With bootstrapping, every ciphertext must keep at least one level: a
// value may spend at most U - 1 levels (rescales) since the input or since
// its last refresh. Where to refresh is a whole-program decision: refreshing
// each value at the last moment (the lowering's on-demand rule) pays one
// bootstrap per branch that runs out (Q, K and V each, the operands of
// every Newton step), while one bootstrap of a common ancestor could serve
// them all.
//
// The lowering's unbootstrapped sizing run records the program as a DAG of
// ciphertext operations (`BootstrapDag`: operands, levels spent, whether the
// result may be bootstrapped); `placeBootstraps` chooses the values to
// refresh, stage by stage: the first nodes that would reach level 0 are
// separated from the fresh values by a minimum vertex cut over the paths
// that spend the most levels (max flow, the cut closest to those nodes so
// that the fewest levels are wasted); the cut's values are refreshed and
// the next stage starts from them. The final lowering replays the plan by
// node number (Lowering::plan).
//
//===----------------------------------------------------------------------===//

#ifndef AEGIS_LIB_CONVERSION_NNTOCKKS_BOOTSTRAPPLACEMENT_H
#define AEGIS_LIB_CONVERSION_NNTOCKKS_BOOTSTRAPPLACEMENT_H

#include "llvm/ADT/ArrayRef.h"

#include <cstdint>
#include <vector>

namespace mlir::aegis::lowering {

/// The program's ciphertext values in creation order (a topological
/// order): per node its operands, the levels it spends and whether its
/// result may be bootstrapped (nominal scale, two polynomials).
class BootstrapDag {
public:
  /// Appends a node; returns its number.
  int32_t add(llvm::ArrayRef<int32_t> operands, unsigned spends,
              bool eligible);
  size_t size() const { return spend.size(); }
  llvm::ArrayRef<int32_t> operands(int32_t n) const {
    return llvm::ArrayRef<int32_t>(preds).slice(start[n],
                                                start[n + 1] - start[n]);
  }
  unsigned spends(int32_t n) const { return spend[n]; }
  bool eligible(int32_t n) const { return canRefresh[n]; }

private:
  std::vector<uint32_t> start{0};
  std::vector<int32_t> preds;
  std::vector<uint8_t> spend, canRefresh;
};

struct BootstrapPlan {
  /// Per node: refresh its result.
  std::vector<uint8_t> refresh;
  unsigned count = 0;
  /// Stages (cuts) the placement took.
  unsigned stages = 0;
  /// false: some path cannot be cut (no eligible value on it); the caller
  /// falls back to on-demand refreshes.
  bool ok = true;
};

/// Chooses the values to refresh so that no value spends more than
/// `levels` - 1 levels since the input or its last refresh. Programs of at
/// most `lookaheadNodes` values choose each stage's tie-break by completing
/// the placement under each (a pilot search); larger ones take the cut
/// closest to the frontier.
BootstrapPlan placeBootstraps(const BootstrapDag &dag, unsigned levels,
                              size_t lookaheadNodes = 20000);

} // namespace mlir::aegis::lowering

#endif // AEGIS_LIB_CONVERSION_NNTOCKKS_BOOTSTRAPPLACEMENT_H
