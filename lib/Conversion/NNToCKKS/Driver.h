//===- Driver.h - one lowering of an nn function ----------------*- C++ -*-===//
//
// The walk over a calibrated nn function that picks each op's kernel
// (Lowering.h) and emits it through a sink: the counting runs of
// aegis-nn-select-parameters and aegis-nn-place-bootstraps and the final
// run of aegis-nn-to-ckks are the same code, so every run lowers the same
// program. The decisions those passes record on the module (docs/Lowering.md,
// "The pipeline") are read and written here too (`Decisions`).
//
//===----------------------------------------------------------------------===//

#ifndef AEGIS_LIB_CONVERSION_NNTOCKKS_DRIVER_H
#define AEGIS_LIB_CONVERSION_NNTOCKKS_DRIVER_H

#include "BootstrapPlacement.h"
#include "Lowering.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "llvm/ADT/DenseMap.h"

#include <string>
#include <vector>

namespace mlir::aegis::lowering {

/// What aegis-nn-select-parameters decided (module attributes `ckks.params`,
/// `ckks.nominal_scale`, `ckks.security`, `ckks.packing`,
/// `ckks.approximation`, `ckks.choices` and, with bootstrapping,
/// `ckks.bootstrap_levels` and `ckks.bootstrap_transform_levels`).
struct Decisions {
  bool toy = false;
  unsigned logN = 0, scaleBits = 0, dnum = 0;
  std::vector<int64_t> logQ, logP;
  /// Slots every ciphertext packs and tokens per ciphertext tile.
  int64_t slots = 0, tile = 0;
  /// Levels between bootstraps (0: no bootstrapping; the chain holds the
  /// whole depth) and levels of each bootstrap transform.
  unsigned bootLevels = 0, transformLevels = 3;
  /// Approximations: calibrated ranges widened by `margin` on each side,
  /// polynomials fitted within `approxError`.
  double margin = 0.25, approxError = 1e-3;
  /// Why the ring and the bootstrapping are what they are (the report).
  std::string ringWhy, bootWhy;

  /// The application's top level: U with bootstrapping, else the chain's.
  unsigned topLevel() const {
    return bootLevels ? bootLevels : unsigned(logQ.size()) - 1;
  }
  void write(ModuleOp module) const;
  /// Reads them back; fails (naming `pass`) when the module has none.
  static FailureOr<Decisions> read(ModuleOp module, StringRef pass);
};

/// The placement aegis-nn-place-bootstraps recorded (`ckks.bootstrap_plan`;
/// with greedy placement, `ckks.refresh_depth` on the nn ops).
struct PlacementRecord {
  /// "mincut", "greedy" or "none" (no bootstrapping).
  std::string placement = "none";
  /// Minimum cut: the refreshed value numbers and how many values the
  /// program has (a plan is only replayed on the program it was made for).
  std::vector<int32_t> refresh;
  int64_t values = 0, stages = 0;
  /// Levels the longest path spends and the lower bound on bootstraps.
  int64_t depth = 0, lowerBound = 0;
  std::string why;

  void write(ModuleOp module) const;
  static PlacementRecord read(ModuleOp module);
};

/// The entry function: `main`, or the module's only function. With `pass`,
/// a missing one is an error naming it.
func::FuncOp findEntryFunction(ModuleOp module, StringRef pass = "");

/// Tokens: the most rows (elements over the last dimension) of any input.
int64_t inputTokens(func::FuncOp entry);

/// Lowers an nn function with a kernel library over a sink.
class Driver {
public:
  Driver(ModuleOp module, unsigned scaleBits, double margin,
         double approxError, bool materialize)
      : module(module), scaleBits(scaleBits), margin(margin),
        approxError(approxError), materialize(materialize) {}

  ModuleOp module;
  unsigned scaleBits;
  double margin, approxError;
  bool materialize;

  /// Level bootstrapped ciphertexts come out at (0: no bootstrapping).
  unsigned bootLevel = 0;
  /// Levels between bootstraps, known before the sizing run (0: none).
  unsigned refreshLevels = 0;
  /// Levels each nn op consumes (measured by an unbootstrapped sizing run):
  /// with greedy placement, an op whose depth fits between two bootstraps
  /// gets its inputs refreshed once up front when they lack the levels.
  llvm::DenseMap<Operation *, unsigned> opDepth;
  bool recordDepths = false;
  /// Whole-program bootstrap placement: a sizing run records `dag`; the
  /// final run replays `plan` (when `usePlan`).
  BootstrapDag dag;
  BootstrapPlan plan;
  bool recordDag = false, usePlan = false;
  int64_t planMisses = 0;
  bool planBroken = false;

  /// Lowers `entry` into a new function at the top level `top`; returns
  /// it. With `lowest`, only measures: no IR is built (the returned function
  /// is null) and `*lowest` is the lowest level any ciphertext reaches.
  FailureOr<func::FuncOp> lower(func::FuncOp entry, int64_t slots,
                                int64_t tokensPadded, unsigned top,
                                Report &report, unsigned *lowest = nullptr);
};

} // namespace mlir::aegis::lowering

#endif // AEGIS_LIB_CONVERSION_NNTOCKKS_DRIVER_H
