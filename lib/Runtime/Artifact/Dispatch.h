//===- Dispatch.h - the one instruction loop of every executor --*- C++ -*-===//
//
// Part of the runtime: no MLIR or LLVM; private to lib/Runtime/Artifact.
// Every way of running an artifact (plain slot vectors, the single-device
// ckks::Evaluator, the limb-partitioned dist::DistributedEvaluator) is an
// *engine*: a type with a register value type and one member function per
// operation. `runInstructions` is the only switch over opcodes: a new opcode
// is one case here plus one member per engine (a missing member is a
// compile error, not a silent fallthrough).
//
//   struct Engine {
//     using Value = ...;                       // one register
//     Value add(const Value &a, const Value &b);
//     Value sub(const Value &a, const Value &b);
//     Value negate(const Value &a);
//     Value addPlain(const Value &a, const ArtifactConstant &c);
//     Value subPlain(const Value &a, const ArtifactConstant &c);
//     Value mulPlain(const Value &a, const ArtifactConstant &c,
//                    double logScale);
//     Value addConst(const Value &a, double value);
//     Value mulConst(const Value &a, double value, double logScale); // 0: integer
//     Value mul(const Value &a, const Value &b);
//     Value relinearize(const Value &a);
//     Value rescale(const Value &a, size_t instruction);
//     Value levelDown(const Value &a, unsigned level);
//     Value rotate(const Value &a, long steps);
//     Value conjugate(const Value &a);
//     // sum_j rotate(*inputs[j], steps[j]) with one ModDown; `aggregate`:
//     // the compiler chose output aggregation for it (limb-split engines)
//     Value rotateSum(const std::vector<const Value *> &inputs,
//                     const std::vector<long> &steps, bool aggregate);
//     Value bootstrap(const Value &a, unsigned headroom);  // optional
//     // Called when `fresh` replaces `old` in a register (either may be
//     // null: a first write, a register freed after its last read): memory
//     // accounting.
//     void stored(const Value *old, const Value *fresh);
//   };
//
//===----------------------------------------------------------------------===//

#ifndef AEGIS_LIB_RUNTIME_ARTIFACT_DISPATCH_H
#define AEGIS_LIB_RUNTIME_ARTIFACT_DISPATCH_H

#include "aegis/Runtime/Artifact/Artifact.h"
#include "aegis/Runtime/Artifact/Executor.h"
#include "aegis/Runtime/Artifact/Trace.h"
#include "aegis/Runtime/CKKS/Context.h"
#include "aegis/Runtime/Support/Error.h"

#include <chrono>
#include <cmath>
#include <map>
#include <optional>
#include <type_traits>
#include <utility>
#include <vector>

namespace aegis {
namespace detail {

using Clock = std::chrono::steady_clock;

inline double secondsSince(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

/// Accumulates time per opcode in first-use order.
class OpTimer {
public:
  void add(Opcode op, double seconds) {
    auto it = index_.find(op);
    if (it == index_.end()) {
      index_[op] = times_.size();
      times_.push_back({opcodeName(op), seconds});
    } else {
      times_[it->second].seconds += seconds;
    }
  }
  std::vector<StageTime> take() { return std::move(times_); }

private:
  std::map<Opcode, size_t> index_;
  std::vector<StageTime> times_;
};

inline bool isKeySwitch(Opcode op) {
  return op == Opcode::Relinearize || op == Opcode::Rotate ||
         op == Opcode::Conjugate;
}

/// The registers a rotate_sum run starting at `k` reads and its steps.
inline void rotateSumTerms(const std::vector<Instruction> &program, size_t k,
                           std::vector<uint32_t> &regs,
                           std::vector<long> &steps) {
  regs.clear();
  steps.clear();
  for (size_t j = 0; j < program[k].b; ++j) {
    regs.push_back(program[k + j].a);
    steps.push_back(long(program[k + j].imm));
  }
}

/// The artifact's scale rules, shared by the encrypted engines (see
/// ArtifactParameters::nominalLogScale).
struct ScaleRules {
  const Artifact &artifact;
  const ckks::Context &context;

  /// The scale a mul_plain / mul_const constant is encoded at.
  double constantScale(unsigned level, double logScale) const {
    if (!artifact.params.nominalLogScale) {
      return std::exp2(logScale);
    }
    return double(context.params().chainModuli()[level]);
  }
  /// The scale a rescale result carries (snapped to the nominal scale when
  /// the artifact has one).
  double afterRescale(double scale, size_t instruction) const {
    if (!artifact.params.nominalLogScale) {
      return scale;
    }
    const double nominal = std::exp2(double(artifact.params.nominalLogScale));
    if (std::fabs(scale / nominal - 1) > 1e-3) {
      fail("instruction ", instruction, " (rescale) leaves scale 2^",
           std::log2(scale), ", not the nominal 2^",
           artifact.params.nominalLogScale);
    }
    return nominal;
  }
};

/// One instruction on `engine`: the only switch over opcodes.
/// Whether an engine bootstraps (the distributed one does not yet).
/// Engines of placed runs move registers between devices:
///   void send(const Value &a, int device);
///   Value recv(int device);
template <typename E, typename = void> struct HasTransfer : std::false_type {};
template <typename E>
struct HasTransfer<E, std::void_t<decltype(std::declval<E &>().recv(0))>>
    : std::true_type {};

/// Engines that rotate one register by several steps sharing one ModUp
/// (and, limb-split, one all-gather):
///   std::vector<Value> rotateHoisted(const Value &a,
///                                    const std::vector<long> &steps);
template <typename E, typename = void> struct HasHoisted : std::false_type {};
template <typename E>
struct HasHoisted<E, std::void_t<decltype(std::declval<E &>().rotateHoisted(
                         std::declval<const typename E::Value &>(),
                         std::declval<const std::vector<long> &>()))>>
    : std::true_type {};

template <typename E, typename = void> struct HasBootstrap : std::false_type {};
template <typename E>
struct HasBootstrap<E, std::void_t<decltype(std::declval<E &>().bootstrap(
                           std::declval<const typename E::Value &>(), 0u,
                           false))>>
    : std::true_type {};

template <typename Engine>
typename Engine::Value
evaluateInstruction(Engine &engine, const Artifact &artifact,
                    const Instruction &in, size_t k,
                    const std::vector<std::optional<typename Engine::Value>>
                        &regs) {
  const auto &a = *regs[in.a];
  switch (in.op) {
  case Opcode::Add:
    return engine.add(a, *regs[in.b]);
  case Opcode::Sub:
    return engine.sub(a, *regs[in.b]);
  case Opcode::Negate:
    return engine.negate(a);
  case Opcode::AddPlain:
    return engine.addPlain(a, artifact.constants[in.imm]);
  case Opcode::SubPlain:
    return engine.subPlain(a, artifact.constants[in.imm]);
  case Opcode::MulPlain:
    return engine.mulPlain(a, artifact.constants[in.imm], in.value);
  case Opcode::AddConst:
    return engine.addConst(a, in.value);
  case Opcode::MulConst:
    return engine.mulConst(a, in.value, in.scale);
  case Opcode::Mul:
    return engine.mul(a, *regs[in.b]);
  case Opcode::Relinearize:
    return engine.relinearize(a);
  case Opcode::Rescale:
    return engine.rescale(a, k);
  case Opcode::LevelDown:
    return engine.levelDown(a, unsigned(in.imm));
  case Opcode::Rotate:
    return engine.rotate(a, long(in.imm));
  case Opcode::Conjugate:
    return engine.conjugate(a);
  case Opcode::MulI:
    return engine.mulI(a, in.imm == 1);
  case Opcode::Bootstrap:
    if constexpr (HasBootstrap<Engine>::value)
      return engine.bootstrap(a, unsigned(in.imm), in.b == 1);
    else
      fail("bootstrapping on several devices is not implemented yet; run "
           "this artifact on one device");
  case Opcode::Send:
  case Opcode::Recv:
  case Opcode::RotateSum:
    break; // runProgram handles them (a rotate_sum is a run)
  }
  fail("instruction ", k, " has an unknown opcode ", int(in.op));
}

/// Runs the whole program on `engine` over `regs` (inputs already stored);
/// fills the per-opcode times and the instruction and key-switch counts of
/// `report` and calls options.progress when `progress` is set.
template <typename Engine>
void runProgram(Engine &engine, const Artifact &artifact,
                const std::vector<Instruction> &program,
                std::vector<std::optional<typename Engine::Value>> &regs,
                const RunOptions &options, RunReport &report,
                bool progress = true, int device = 0) {
  OpTimer timer;
  // A register is freed after the instruction that reads it last (outputs
  // are kept): the working set is the program's live values, not all of
  // them.
  std::vector<double> regionSeconds(artifact.regions.size(), 0.0);
  std::vector<bool> regionUsed(artifact.regions.size(), false);
  constexpr size_t kKeep = ~size_t(0);
  std::vector<size_t> lastRead(regs.size(), 0);
  auto readsB = [](Opcode op) {
    return op == Opcode::Add || op == Opcode::Sub || op == Opcode::Mul;
  };
  for (size_t k = 0; k < program.size(); ++k) {
    const Instruction &in = program[k];
    if (in.op == Opcode::Recv)
      continue;
    lastRead[in.a] = k;
    if (readsB(in.op))
      lastRead[in.b] = k;
  }
  for (const TensorSlot &t : artifact.outputs)
    for (uint32_t reg : t.regs)
      lastRead[reg] = kKeep;
  auto release = [&](uint32_t reg, size_t k, uint32_t result) {
    if (lastRead[reg] == k && reg != result && regs[reg]) {
      engine.stored(&*regs[reg], nullptr);
      regs[reg].reset();
    }
  };
  // One span per instruction (or hoisted run) on this device's row of the
  // trace, with the layer it implements.
  auto traceCompute = [&](std::string name, const Instruction &in,
                          Clock::time_point t0, Clock::time_point t1) {
    if (options.trace)
      options.trace->record(device, std::move(name), "compute", t0, t1,
                            in.region ? artifact.regions[in.region - 1]
                                      : std::string());
  };
  for (size_t k = 0; k < program.size(); ++k) {
    const Instruction &in = program[k];
    auto t0 = Clock::now();
    if (in.op == Opcode::Send || in.op == Opcode::Recv) {
      if constexpr (HasTransfer<Engine>::value) {
        if (in.op == Opcode::Send) {
          engine.send(*regs[in.a], int(in.imm));
          release(in.a, k, ~0u);
        } else {
          typename Engine::Value r = engine.recv(int(in.imm));
          engine.stored(regs[in.result] ? &*regs[in.result] : nullptr, &r);
          regs[in.result] = std::move(r);
        }
      } else {
        fail("instruction ", k, " (", opcodeName(in.op),
             ") moves a register between devices outside a placed run");
      }
      timer.add(in.op, secondsSince(t0));
      if (options.trace)
        options.trace->record(device, opcodeName(in.op), "comm", t0,
                              Clock::now());
      continue;
    }
    // A hoisted run: rotations of one register by several steps, the
    // first carrying the run's length in b (validateArtifact checks it).
    if (in.op == Opcode::Rotate && in.b > 1) {
      const size_t n = in.b;
      if constexpr (HasHoisted<Engine>::value) {
        std::vector<long> steps;
        for (size_t j = 0; j < n; ++j)
          steps.push_back(long(program[k + j].imm));
        std::vector<typename Engine::Value> rs =
            engine.rotateHoisted(*regs[in.a], steps);
        for (size_t j = 0; j < n; ++j) {
          uint32_t res = program[k + j].result;
          engine.stored(regs[res] ? &*regs[res] : nullptr, &rs[j]);
          regs[res] = std::move(rs[j]);
        }
      } else {
        for (size_t j = 0; j < n; ++j) {
          const Instruction &r = program[k + j];
          typename Engine::Value v =
              evaluateInstruction(engine, artifact, r, k + j, regs);
          engine.stored(regs[r.result] ? &*regs[r.result] : nullptr, &v);
          regs[r.result] = std::move(v);
        }
      }
      auto t1 = Clock::now();
      timer.add(in.op, std::chrono::duration<double>(t1 - t0).count());
      traceCompute("rotate x" + std::to_string(n), in, t0, t1);
      report.keySwitches += n;
      release(in.a, k + n - 1, ~0u);
      k += n - 1;
      if (progress && options.progress)
        options.progress(k + 1, program.size());
      continue;
    }
    // A rotate_sum run: n terms, one result (validateArtifact checks it).
    if (in.op == Opcode::RotateSum) {
      const size_t n = in.b;
      std::vector<uint32_t> inputs;
      std::vector<long> steps;
      rotateSumTerms(program, k, inputs, steps);
      std::vector<const typename Engine::Value *> values;
      size_t keySwitches = 0;
      for (size_t j = 0; j < n; ++j) {
        values.push_back(&*regs[inputs[j]]);
        keySwitches += steps[j] != 0;
      }
      typename Engine::Value r =
          engine.rotateSum(values, steps, in.value == 1);
      engine.stored(regs[in.result] ? &*regs[in.result] : nullptr, &r);
      regs[in.result] = std::move(r);
      for (size_t j = 0; j < n; ++j)
        release(inputs[j], k + j, in.result);
      auto t1 = Clock::now();
      timer.add(in.op, std::chrono::duration<double>(t1 - t0).count());
      traceCompute("rotate_sum x" + std::to_string(n), in, t0, t1);
      if (in.region) {
        regionSeconds[in.region - 1] +=
            std::chrono::duration<double>(t1 - t0).count();
        regionUsed[in.region - 1] = true;
      }
      report.keySwitches += keySwitches;
      k += n - 1;
      if (progress && options.progress)
        options.progress(k + 1, program.size());
      continue;
    }
    typename Engine::Value r =
        evaluateInstruction(engine, artifact, in, k, regs);
    engine.stored(regs[in.result] ? &*regs[in.result] : nullptr, &r);
    regs[in.result] = std::move(r);
    release(in.a, k, in.result);
    if (readsB(in.op))
      release(in.b, k, in.result);
    auto t1 = Clock::now();
    double dt = std::chrono::duration<double>(t1 - t0).count();
    timer.add(in.op, dt);
    traceCompute(opcodeName(in.op), in, t0, t1);
    if (in.region) {
      regionSeconds[in.region - 1] += dt;
      regionUsed[in.region - 1] = true;
    }
    if (isKeySwitch(in.op)) {
      ++report.keySwitches;
    }
    if (progress && options.progress) {
      options.progress(k + 1, program.size());
    }
  }
  report.perOpcode = timer.take();
  report.perRegion.clear();
  for (size_t i = 0; i < regionSeconds.size(); ++i)
    if (regionSeconds[i] > 0 || regionUsed[i])
      report.perRegion.push_back({artifact.regions[i], regionSeconds[i]});
  report.instructions = program.size();
}

/// The whole program (`artifact.program`).
template <typename Engine>
void runInstructions(Engine &engine, const Artifact &artifact,
                     std::vector<std::optional<typename Engine::Value>> &regs,
                     const RunOptions &options, RunReport &report,
                     bool progress = true) {
  runProgram(engine, artifact, artifact.program, regs, options, report,
             progress);
}

/// RunOptions::devices / communicator: the default plan on several devices
/// (DistributedRun.cpp).
std::vector<std::vector<double>>
runDistributed(const Artifact &artifact,
               const std::vector<std::vector<double>> &inputs,
               const RunOptions &options, RunReport &report);

/// An artifact with device programs on as many devices (PlacedRun.cpp).
std::vector<std::vector<double>>
runPlaced(const Artifact &artifact,
          const std::vector<std::vector<double>> &inputs,
          const RunOptions &options, RunReport &report);

} // namespace detail
} // namespace aegis

#endif // AEGIS_LIB_RUNTIME_ARTIFACT_DISPATCH_H
