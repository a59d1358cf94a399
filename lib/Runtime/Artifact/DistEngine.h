//===- DistEngine.h - limb-split execution of an instruction stream -*- C++ -*-===//
//
// Part of the runtime: no MLIR or LLVM; private to lib/Runtime/Artifact.
// The engine (Dispatch.h) whose registers are limb shares of one device of
// a group that splits every ciphertext by limbs: the default plan of
// DistributedRun.cpp (the group is every device) and the groups of a joint
// placement (PlacedRun.cpp, where Send / Recv move each device's share to
// the device at the same position of another group).
//
//===----------------------------------------------------------------------===//

#ifndef AEGIS_LIB_RUNTIME_ARTIFACT_DISTENGINE_H
#define AEGIS_LIB_RUNTIME_ARTIFACT_DISTENGINE_H

#include "Dispatch.h"
#include "PlaintextCache.h"

#include "aegis/Runtime/Artifact/Session.h"
#include "aegis/Runtime/Bootstrap/Bootstrapper.h"
#include "aegis/Runtime/Comm/CommStats.h"
#include "aegis/Runtime/Dist/Distributed.h"
#include "aegis/Runtime/Dist/PartitionedKeys.h"
#include "aegis/Runtime/Support/Error.h"

#include <cmath>
#include <map>
#include <memory>
#include <optional>

namespace aegis {
namespace detail {

// As in the files including this private header.
using namespace ckks;
using dist::DistributedCiphertext;
using dist::KeySwitchAlgorithm;
using dist::LimbPartition;

/// One device's part of the evaluation keys.
struct DeviceKeys {
  std::optional<dist::PartitionedKey> relin;
  dist::PartitionedGaloisKeys galois;
  /// Bootstrapping (whole keys: a bootstrap runs on a gathered ciphertext).
  std::shared_ptr<const BootstrapPlan> bootstrapPlan;
  std::shared_ptr<const BootstrapKeys> bootstrapKeys;
  uint64_t bytes() const {
    return (relin ? relin->bytes() : 0) + galois.bytes();
  }
};

/// Device `rank`'s rows of the program's keys under the default plan, for
/// ciphertexts at levels up to the highest input level (levels only go
/// down on several devices: no bootstrapping there), generated from each
/// key's seed: the same words as the rows of the whole key, which never
/// exists.
/// `program`: the instructions this device runs (the whole program, or its
/// group's program under a joint placement).
DeviceKeys generateForDevice(const Artifact &artifact,
                             const std::vector<Instruction> &program,
                             const ckks::ContextPtr &context,
                             const ckks::SecretKey &secret,
                             const std::vector<ProgramKeySpec> &specs,
                             int numDevices, int rank,
                             dist::KeySwitchAlgorithm algorithm);

/// Registers as limb shares; one per rank.

class DistEngine {
public:
  using Value = DistributedCiphertext;

  DistEngine(const Artifact &artifact, const ContextPtr &context,
             comm::Communicator &comm, const DeviceKeys &keys,
             KeySwitchAlgorithm algorithm)
      : context_(context), comm_(comm), keys_(keys), algorithm_(algorithm),
        evaluator_(context, comm), plaintexts_(artifact, context),
        rules_{artifact, *context} {
    if (keys.bootstrapPlan)
      bootstrapper_ = std::make_unique<Bootstrapper>(keys.bootstrapPlan,
                                                     keys.bootstrapKeys);
  }

  /// Bootstrapping couples every limb (ModRaise, the transforms): each
  /// device gathers the ciphertext, bootstraps it exactly as one device
  /// would (deterministic, so every device computes the same words) and
  /// keeps its limbs of the result. Traffic: one all-gather.
  Value bootstrap(const Value &a, unsigned headroom, bool complex) {
    if (!bootstrapper_)
      fail("the program bootstraps but no bootstrapping keys were generated");
    Ciphertext out = bootstrapWithHeadroom(
        *bootstrapper_, dist::gather(a, comm_), headroom, complex);
    return dist::scatter(out, canonical(out.level()), comm_.rank());
  }

  /// The partition every register at `level` has under the default plan.
  LimbPartition canonical(unsigned level) const {
    return dist::canonicalPartition(*context_, level, comm_.size(),
                                    algorithm_);
  }
  Value place(Value v) const {
    LimbPartition target = canonical(v.level());
    if (v.partition() == target) {
      return v;
    }
    return dist::repartition(v, target, comm_);
  }

  Value add(const Value &a, const Value &b) {
    Value r = a;
    evaluator_.addInPlace(r, b);
    return r;
  }
  Value sub(const Value &a, const Value &b) {
    Value r = a;
    evaluator_.subInPlace(r, b);
    return r;
  }
  Value negate(const Value &a) {
    Value r = a;
    evaluator_.negateInPlace(r);
    return r;
  }
  Value addPlain(const Value &a, const ArtifactConstant &c) {
    Value r = a;
    evaluator_.addPlainInPlace(r, encode(c, a, a.scale()));
    return r;
  }
  Value subPlain(const Value &a, const ArtifactConstant &c) {
    Value r = a;
    evaluator_.subPlainInPlace(r, encode(c, a, a.scale()));
    return r;
  }
  Value mulPlain(const Value &a, const ArtifactConstant &c, double logScale) {
    Value r = a;
    evaluator_.multiplyPlainInPlace(
        r, encode(c, a, rules_.constantScale(a.level(), logScale)));
    return r;
  }
  Value addConst(const Value &a, double value) {
    Value r = a;
    evaluator_.addConstantInPlace(r, value);
    return r;
  }
  Value mulConst(const Value &a, double value, double logScale) {
    Value r = a;
    if (logScale == 0) {
      evaluator_.multiplyIntegerInPlace(r, int64_t(std::llround(value)));
    } else {
      evaluator_.multiplyConstantInPlace(
          r, value, rules_.constantScale(a.level(), logScale));
    }
    return r;
  }
  Value mul(const Value &a, const Value &b) {
    return evaluator_.multiply(a, b);
  }
  Value relinearize(const Value &a) {
    require(keys_.relin.has_value(),
            "relinearize needs a relinearization key");
    Value r = a;
    evaluator_.relinearizeInPlace(r, *keys_.relin, algorithm_);
    return r;
  }
  Value rescale(const Value &a, size_t k) {
    Value r = a;
    evaluator_.rescaleInPlace(r);
    r.setScale(rules_.afterRescale(r.scale(), k));
    return place(std::move(r));
  }
  Value levelDown(const Value &a, unsigned level) {
    Value r = a;
    evaluator_.dropToLevelInPlace(r, level);
    return place(std::move(r));
  }
  Value rotate(const Value &a, long steps) {
    return evaluator_.rotate(a, steps, keys_.galois, algorithm_);
  }
  Value conjugate(const Value &a) {
    return evaluator_.conjugate(a, keys_.galois, algorithm_);
  }
  /// The compiler's choice: the plan's algorithm, or output aggregation
  /// (one reduction for every term): each distinct term's c1 moves to
  /// whole-digit ranges (only the limbs whose owner changes), the partial
  /// inner products are reduce-scattered onto the plan's ranges, where the
  /// result is.
  Value rotateSum(const std::vector<const Value *> &inputs,
                  const std::vector<long> &steps, bool aggregate) {
    return evaluator_.rotateAndSum(
        inputs, steps, keys_.galois,
        aggregate ? KeySwitchAlgorithm::OutputAggregation : algorithm_);
  }
  /// +-X^(N/2) on the own limbs.
  Value mulI(const Value &a, bool negative) {
    Value r = a;
    evaluator_.multiplyConstantInPlace(r, {0.0, negative ? -1.0 : 1.0}, 1.0);
    return r;
  }
  /// One all-gather (input broadcast) shared by every step.
  std::vector<Value> rotateHoisted(const Value &a,
                                   const std::vector<long> &steps) {
    return evaluator_.rotateHoisted(a, steps, keys_.galois, algorithm_);
  }
  void stored(const Value *old, const Value *fresh) {
    if (old != nullptr) {
      comm_.stats().recordFree(bytes(*old));
    }
    if (fresh != nullptr) {
      comm_.stats().recordAllocation(bytes(*fresh));
    }
  }
  uint64_t bytes(const Value &v) const {
    return uint64_t(v.size()) * v.numLocalLimbs() * context_->degree() * 8;
  }

private:
  /// The full plaintext of constant `c` (each device uses its own limbs).
  const Plaintext &encode(const ArtifactConstant &c, const Value &a,
                          double scale) {
    return plaintexts_.encode(c, a.level(), scale, a.slots());
  }

  ContextPtr context_;
  comm::Communicator &comm_;
  const DeviceKeys &keys_;
  KeySwitchAlgorithm algorithm_;
  dist::DistributedEvaluator evaluator_;
  detail::PlaintextCache plaintexts_;
  ScaleRules rules_;
  std::unique_ptr<Bootstrapper> bootstrapper_;
};


} // namespace detail
} // namespace aegis

#endif // AEGIS_LIB_RUNTIME_ARTIFACT_DISTENGINE_H
