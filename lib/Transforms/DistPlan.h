//===- DistPlan.h - the placement cost model ---------------------*- C++ -*-===//
//
// One model of a ckks program on a device grid, shared by the placement pass
// (which evaluates strategies with it) and the collective insertion pass
// (which materialises exactly the collectives it enumerates): the bytes each
// device sends, the memory each holds and a list schedule of compute and
// communication. For the limb placement the collectives and bytes are those
// of aegis-run's limb-partitioned execution (docs/Distributed.md), which a
// test checks against a run.
//
//===----------------------------------------------------------------------===//

#ifndef AEGIS_LIB_TRANSFORMS_DISTPLAN_H
#define AEGIS_LIB_TRANSFORMS_DISTPLAN_H

#include "aegis/Dialect/CKKS/IR/CKKSTypes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "llvm/ADT/DenseMap.h"

#include <array>
#include <functional>
#include <string>
#include <vector>

namespace mlir::aegis::dist {

/// ReduceScatter and AllReduce: the reduction of an output-aggregation key
/// switch (a ckks.rotate_sum with dist.keyswitch = "aggregate"), inside the
/// op: its partial inner products are not ciphertexts, so no start / wait
/// pair stands for them in the IR.
enum class Kind { AllGather, Broadcast, AllToAll, Transfer, ReduceScatter,
                  AllReduce };
enum class Source { KeySwitch, Rescale, Bootstrap, Model, IO };
enum class Part { Ffn, Attention, Other };
constexpr int kNumKinds = 6, kNumSources = 5, kNumParts = 3;
const char *kindName(Kind k);
const char *sourceName(Source s);
const char *partName(Part p);

/// G groups along the model axis, B devices per group along the limb axis.
struct Grid {
  int64_t groups = 1, perGroup = 1;
  int64_t devices() const { return groups * perGroup; }
  int64_t device(int64_t group, int64_t b) const {
    return group * perGroup + b;
  }
};

/// One collective the program needs under a placement.
struct Collective {
  Kind kind;
  Source source;
  Part part;
  /// The ciphertext moved, and the op that needs it (null: the outputs).
  Value value;
  Operation *consumer = nullptr;
  /// Where the collective inserts: before `consumer` (true) or after the
  /// value's producer (false: a repartition following a rescale).
  bool beforeConsumer = true;
  int64_t group = 0, from = -1, to = -1;
  unsigned polys = 2;
  /// Bytes each device of the grid sends / receives (row-major).
  std::vector<int64_t> sent, received;
};

/// Link model: time = latency + bytes / bandwidth (per device, the larger
/// of what it sends and receives).
struct LinkModel {
  std::string name;
  double latency = 0, bandwidth = 1;
  static bool preset(StringRef name, LinkModel &out);
};

/// What one placement costs.
struct StrategyResult {
  std::string name;
  Grid grid;
  std::vector<int64_t> sent; // per device
  std::array<std::vector<int64_t>, kNumParts> sentByPart;
  std::array<std::vector<int64_t>, kNumSources> sentBySource;
  std::array<int64_t, kNumKinds> countByKind{};
  std::vector<int64_t> memory; // per device high-water
  std::vector<int64_t> keyBytes, plaintextBytes, ciphertextPeak;
  double time = 0;
  int64_t collectives = 0, transfers = 0;
  /// Key switching of the rotate_sums: "broadcast" or "aggregate" (with
  /// digit-aligned limb ranges), how many were aggregated, and the bytes
  /// the busiest device would send with input broadcast everywhere.
  std::string keySwitch = "broadcast";
  int64_t aggregated = 0, broadcastSent = 0;
  static int64_t maxOf(const std::vector<int64_t> &v) {
    int64_t m = 0;
    for (int64_t x : v)
      m = std::max(m, x);
    return m;
  }
};

/// How limb-split groups key-switch the sums of rotations
/// (ckks.rotate_sum). Ciphertexts are always split by balanced limb ranges;
/// an aggregated rotate_sum moves its terms to whole-digit ranges first
/// (only the limbs whose owner changes) and its result back.
enum class KeySwitchMode {
  /// Every key switch by input broadcast (one all-gather of the switched
  /// polynomial per rotated term).
  Broadcast,
  /// Each rotate_sum by output aggregation (one reduce-scatter + one
  /// all-reduce for all its terms) where that sends fewer bytes than its
  /// terms' all-gathers, every other key switch by input broadcast.
  Aggregate,
  /// Every rotate_sum by output aggregation.
  AggregateAll,
  /// As recorded by aegis-dist-place (dist.keyswitch on the ops).
  Recorded,
};

/// The ckks program of one function and its parameters.
class Planner {
public:
  Planner(func::FuncOp main, ckks::ParamsAttr params,
          KeySwitchMode mode = KeySwitchMode::Broadcast);

  KeySwitchMode mode() const { return mode_; }
  func::FuncOp function() const { return main; }
  /// Whether `op` (a ckks.rotate_sum on a group of B > 1 devices) is
  /// key-switched by output aggregation.
  bool aggregates(Operation *op, int64_t B) const;
  /// The program's sums of rotations (ckks.rotate_sum).
  int64_t numRotateSums() const;

  /// Group of every ciphertext value (arguments and op results) under a
  /// strategy (limb, token, head, joint) on `grid`.
  using Placement = llvm::DenseMap<Value, int64_t>;
  Placement assign(StringRef strategy, const Grid &grid) const;
  /// The placement recorded by aegis-dist-place (dist.placement attrs).
  FailureOr<Placement> recorded(const Grid &grid) const;

  /// Every collective under `placement`, in program order.
  /// `hoist`: rotations of one ciphertext on one group share the first
  /// one's all-gather (they run as one hoisted rotation).
  void collectives(const Grid &grid, const Placement &placement,
                   const std::function<void(const Collective &)> &fn,
                   bool hoist = false) const;

  /// Bytes, memory and modelled time of a placement.
  StrategyResult evaluate(StringRef name, const Grid &grid,
                          const Placement &placement, const LinkModel &link,
                          bool hoist = false) const;

  /// Distinct token tiles / feature blocks among the argument ciphertexts
  /// (how many groups a token / head placement can keep busy).
  int64_t tokenTiles() const { return distinctArgs(&ArgInfo::row); }
  int64_t featureBlocks() const { return distinctArgs(&ArgInfo::feature); }

private:
  int64_t limbsOf(unsigned level) const { return int64_t(level) + 1; }
  /// Limbs device b of a group of B holds of a ciphertext with L limbs
  /// (aegis-run's LimbPartition::balanced).
  static int64_t share(int64_t L, int64_t B, int64_t b);
  /// The most limbs any device of the group holds.
  int64_t maxShare(int64_t L, int64_t B) const;
  static int64_t ownerOf(int64_t limb, int64_t L, int64_t B);
  /// Whole-digit split (LimbPartition::digitAligned): one past device b's
  /// last limb, and its limbs.
  int64_t digitEnd(int64_t L, int64_t B, int64_t b) const;
  int64_t digitShare(int64_t L, int64_t B, int64_t b) const;
  /// Limbs device b sends (per polynomial) when a ciphertext moves from
  /// balanced to whole-digit ranges (`back`: the other way).
  int64_t toDigitAligned(int64_t L, int64_t B, int64_t b, bool back) const;
  /// Bytes device b sends for an aggregated rotate_sum: the c1 of its
  /// rotated terms to whole-digit ranges and the reduction (scattered onto
  /// the balanced ranges the result keeps).
  int64_t aggregateBytes(Operation *sum, int64_t B, int64_t b) const;
  /// The distinct inputs of `sum` it key-switches (offset not 0 mod slots).
  static SmallVector<Value, 4> rotatedTerms(Operation *sum);
  /// Key rows device b holds of a key used at `level`: for input-broadcast
  /// key switches (`broadcast`), for output aggregation (`aggregate`), or
  /// both (the union).
  int64_t keyRowBytes(unsigned level, int64_t B, int64_t b,
                      bool broadcast = true, bool aggregate = false) const;
  /// Bytes each device of a group sends (= receives) in the reduction of an
  /// output aggregation at `level` (reduce-scatter of the chain limbs of
  /// both accumulators onto the balanced ranges, all-reduce of their special
  /// limbs).
  int64_t aggregationBytes(unsigned level, int64_t B, int64_t b,
                           bool allReduce) const;
  /// Bytes device b sends for the all-gathers of a rotate_sum's terms.
  int64_t broadcastBytes(Operation *sum, int64_t B, int64_t b) const;
  double opSeconds(Operation *op, int64_t limbs) const;

  mutable func::FuncOp main;
  ckks::ParamsAttr params;
  KeySwitchMode mode_ = KeySwitchMode::Broadcast;
  int64_t n = 0;
  unsigned special = 0, dnum = 1, alpha = 1;
  /// Per ciphertext argument: the first row and feature of its elements and
  /// the tensor's rows and features (for token / head placement).
  struct ArgInfo {
    int64_t row = 0, feature = 0, rows = 1, features = 1;
  };
  std::vector<ArgInfo> args, results;
  int64_t distinctArgs(int64_t ArgInfo::*field) const;
};

/// The model part an op belongs to (from its "kind#n" location).
Part partOf(Operation *op);

} // namespace mlir::aegis::dist

#endif // AEGIS_LIB_TRANSFORMS_DISTPLAN_H
