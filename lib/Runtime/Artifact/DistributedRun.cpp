//===- DistributedRun.cpp - running artifacts on several devices ----------===//
//
// The default plan (until placement passes exist): every register is a
// limb-partitioned ciphertext under its level's canonical partition (balanced
// for input-broadcast key switching, digit-aligned for output aggregation);
// a result whose partition differs (after a rescale or a level drop) is
// repartitioned. Every device holds only the rows of the evaluation keys its
// key switches read under that plan (dist::KeyRows::forPlan: the client's
// keys sliced per device, the full set dropped), counted in its memory
// accounting. Inputs are encrypted by the client (rank 0) and scattered
// from it; outputs are gathered to rank 0 and decrypted there. The
// instructions run through the same dispatch as the single-device executor
// (Dispatch.h); every distributed operation is bit-exact with the
// ckks::Evaluator, so the outputs equal the single-device run's bit for bit.
//
//===----------------------------------------------------------------------===//

#include "DistEngine.h"
#include "OneShot.h"

#include "aegis/Runtime/Artifact/Session.h"
#include "aegis/Runtime/Artifact/Trace.h"
#include "aegis/Runtime/CKKS/Encoder.h"
#include "aegis/Runtime/Comm/CommStats.h"
#include "aegis/Runtime/Comm/ThreadCommunicator.h"
#include "aegis/Runtime/Dist/Distributed.h"
#include "aegis/Runtime/Dist/PartitionedKeys.h"
#include "aegis/Runtime/Support/Error.h"
#include "aegis/Runtime/Support/Prng.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

namespace aegis {
namespace detail {

namespace {

/// Devices that may run even when they hold no limbs (see runDistributed).
constexpr int kMaxIdleDeviceCount = 8;

constexpr int kRoot = 0;

} // namespace

/// Device `rank`'s rows of the program's keys under the default plan, for
/// ciphertexts at levels up to the highest input level (levels only go
/// down on several devices: no bootstrapping there), generated from each
/// key's seed: the same words as the rows of the whole key, which never
/// exists.
DeviceKeys generateForDevice(const Artifact &artifact,
                             const std::vector<Instruction> &program,
                             const ContextPtr &context,
                             const ckks::SecretKey &secret,
                             const std::vector<ProgramKeySpec> &specs,
                             int numDevices, int rank,
                             KeySwitchAlgorithm algorithm) {
  unsigned top = 0;
  for (const TensorSlot &t : artifact.inputs) {
    top = std::max(top, unsigned(t.level));
  }
  top = artifact.inputs.empty() ? context->maxLevel()
                                : std::min(top, context->maxLevel());
  // Keys the rotate_sums the compiler aggregated read (their own digits'
  // rows under the whole-digit split of each level they are used at), and
  // keys every other key switch reads (their own limbs' rows). Register
  // levels follow the instructions (the artifact is validated).
  std::vector<unsigned> level(artifact.numRegisters, 0);
  for (const TensorSlot &t : artifact.inputs)
    for (uint32_t reg : t.regs)
      level[reg] = t.level;
  std::set<uint64_t> broadcast;
  std::map<uint64_t, std::set<unsigned>> aggregated; // key -> levels
  for (size_t k = 0; k < program.size(); ++k) {
    const Instruction &in = program[k];
    unsigned l = level[in.a];
    if (in.op == Opcode::Rescale)
      l = l == 0 ? 0 : l - 1;
    else if (in.op == Opcode::LevelDown)
      l = unsigned(in.imm);
    else if (in.op == Opcode::Bootstrap)
      l = artifact.params.bootstrapLevel;
    else if (in.op == Opcode::Add || in.op == Opcode::Sub ||
             in.op == Opcode::Mul)
      l = std::min(l, level[in.b]);
    if (in.op != Opcode::Send)
      level[in.result] = l;
    if (in.op == Opcode::Relinearize)
      broadcast.insert(0);
    else if (in.op == Opcode::Conjugate)
      broadcast.insert(context->conjugationElement());
    else if (in.op == Opcode::Rotate)
      broadcast.insert(context->galoisElementForRotation(long(in.imm)));
    else if (in.op == Opcode::RotateSum && in.b > 0)
      for (size_t j = 0; j < in.b && k + j < program.size(); ++j) {
        const Instruction &term = program[k + j];
        if (term.imm == 0)
          continue;
        uint64_t g = context->galoisElementForRotation(long(term.imm));
        if (in.value == 1)
          aggregated[g].insert(level[term.a]);
        else
          broadcast.insert(g);
      }
  }
  dist::KeyRows rows =
      dist::KeyRows::forPlan(*context, numDevices, rank, algorithm, top);
  DeviceKeys r;
  r.galois = dist::PartitionedGaloisKeys(context);
  for (const ProgramKeySpec &spec : specs) {
    const uint64_t g = spec.galoisElement;
    // A key only aggregated rotate_sums read needs no broadcast rows.
    dist::KeyRows wanted(*context);
    auto agg = aggregated.find(g);
    if (broadcast.count(g) || agg == aggregated.end())
      wanted.merge(rows);
    if (agg != aggregated.end())
      for (unsigned l : agg->second)
        wanted.merge(dist::KeyRows::needed(
            *context,
            LimbPartition::digitAligned(*context, std::min(l, top), numDevices),
            rank, KeySwitchAlgorithm::OutputAggregation));
    dist::KeyRows held = wanted.upToLevel(*context, spec.level);
    if (spec.relinearization())
      r.relin = dist::generatePartitionedRelinKey(secret, spec.seed, held);
    else
      r.galois.insert(dist::generatePartitionedGaloisKey(
          secret, spec.galoisElement, spec.seed, held));
  }
  return r;
}


std::vector<Ciphertext>
evaluateDistributed(const Artifact &artifact, const ContextPtr &context,
                    const DeviceKeys &keys,
                    const std::vector<Ciphertext> &inputs,
                    comm::Communicator &comm, const RunOptions &options,
                    RunReport &report) {
  const bool root = comm.rank() == kRoot;
  if (root) {
    checkCiphertexts(artifact, *context, /*outputs=*/false, inputs,
                     "input ciphertexts");
  }
  DistEngine engine(artifact, context, comm, keys, options.keySwitch);
  // This device's rows of the evaluation keys, held for the whole run.
  comm.stats().recordAllocation(keys.bytes());
  RunReport local; // this rank's report; rank 0's is returned
  auto start = Clock::now();
  std::vector<std::optional<DistributedCiphertext>> regs(
      artifact.numRegisters);
  size_t next = 0;
  static const Ciphertext kNone;
  for (const TensorSlot &t : artifact.inputs) {
    for (uint32_t reg : t.regs) {
      DistributedCiphertext share = dist::scatterFromRoot(
          context, root ? inputs[next] : kNone, engine.canonical(t.level),
          kRoot, comm);
      ++next;
      engine.stored(regs[reg] ? &*regs[reg] : nullptr, &share);
      regs[reg] = std::move(share);
    }
  }
  local.stages.push_back({"scatter inputs", secondsSince(start)});
  if (options.trace)
    options.trace->record(comm.rank(), "scatter inputs", "comm", start,
                          Clock::now());

  start = Clock::now();
  runProgram(engine, artifact, artifact.program, regs, options, local, root,
             comm.rank());
  local.stages.push_back({"evaluate", secondsSince(start)});

  start = Clock::now();
  std::vector<Ciphertext> outputs;
  for (const TensorSlot &t : artifact.outputs) {
    for (uint32_t reg : t.regs) {
      Ciphertext full = dist::gatherToRoot(*regs[reg], kRoot, comm);
      if (root) {
        outputs.push_back(std::move(full));
      }
    }
  }
  local.stages.push_back({"gather outputs", secondsSince(start)});
  if (options.trace)
    options.trace->record(comm.rank(), "gather outputs", "comm", start,
                          Clock::now());
  std::vector<comm::CommStatsSnapshot> stats = comm::gatherStats(comm);
  if (root) {
    local.keySwitches += report.keySwitches;
    local.devices = comm.size();
    local.commBackend = comm::backendName(comm.backend());
    local.keySwitch = options.keySwitch;
    local.deviceStats = std::move(stats);
    adoptRootReport(report, std::move(local));
  }
  return outputs;
}

std::vector<std::vector<double>>
runDistributed(const Artifact &artifact,
               const std::vector<std::vector<double>> &inputs,
               const RunOptions &options, RunReport &report) {
  require(options.backend == ExecutionBackend::Cpu,
          "several devices run on the cpu backend only (--backend=",
          executionBackendName(options.backend),
          " runs on one device; cuda devices need the NCCL communicator, "
          "not wired into aegis-run yet)");
  comm::Communicator *given = options.communicator;
  if (given) {
    require(options.devices == 0 || options.devices == given->size(),
            options.devices, " devices requested but the ",
            comm::backendName(given->backend()), " communicator has ",
            given->size(), " ranks");
  } else {
    require(options.comm == comm::BackendKind::Threads, "the ",
            comm::backendName(options.comm),
            " communicator must be given in RunOptions::communicator (for "
            "MPI, the world communicator: aegis-run creates it under mpirun)");
    require(options.devices >= 1, "the device count must be at least 1, got ",
            options.devices);
  }
  // Limb partitioning gives each device a share of every ciphertext's RNS
  // limbs: beyond the chain's length a device holds nothing. Up to
  // kMaxIdleDeviceCount devices run anyway (the same result on 1, 2, 4 and
  // 8 devices for every program); more would only cost minutes and
  // gigabytes of idle ranks (issue 19: 1000 devices, 169 s, 17 GB).
  const int requested = given ? given->size() : options.devices;
  const int limbs = int(artifact.params.chainBits.size());
  require(requested <= std::max(limbs, kMaxIdleDeviceCount), requested,
          " devices requested, but the program's ciphertexts have ", limbs,
          " RNS limbs: at most ", limbs, " devices hold a share under limb "
          "partitioning (up to ", std::max(limbs, kMaxIdleDeviceCount),
          " may run, the others idle); use --devices=", limbs, " or fewer");
  // Key generation is deterministic in the seed: every process of an MPI
  // job plays the client; each device gets only the rows its key switches
  // read, generated from each key's seed (as if the client had generated
  // and sent each device its part): no process ever holds the whole set.
  auto start = Clock::now();
  OneShotClient oneShot(artifact, options, report, /*wholeKeys=*/false);
  const ContextPtr &context = oneShot.context;
  oneShot.bootstrapKeys(artifact, options, report);
  const int numDevices = given ? given->size() : options.devices;
  std::vector<DeviceKeys> deviceKeys(numDevices);
  for (int r = 0; r < numDevices; ++r) {
    if (!given || given->rank() == r) {
      deviceKeys[r] = generateForDevice(artifact, artifact.program, context,
                                        oneShot.client.secretKey, oneShot.specs,
                                        numDevices, r, options.keySwitch);
      deviceKeys[r].bootstrapPlan = oneShot.keys.bootstrapPlan;
      deviceKeys[r].bootstrapKeys = oneShot.keys.bootstrapKeys;
    }
  }
  oneShot.keys = EvaluationKeys();
  report.stages.push_back({"key generation", secondsSince(start)});

  const bool root = !given || given->rank() == kRoot;
  std::vector<Ciphertext> cts;
  if (root)
    cts = oneShot.encrypt(artifact, inputs, report);
  std::vector<Ciphertext> results;
  static const std::vector<Ciphertext> kNoInputs;
  auto body = [&](comm::Communicator &comm) {
    comm.stats().reset();
    RunReport mine;
    std::vector<Ciphertext> out = evaluateDistributed(
        artifact, context, deviceKeys[comm.rank()],
        comm.rank() == kRoot ? cts : kNoInputs,
        comm, options, mine);
    if (comm.rank() == kRoot) {
      results = std::move(out);
      adoptRootReport(report, std::move(mine));
    }
  };
  if (given) {
    body(*given);
  } else {
    comm::runOnThreads(options.devices, body);
  }
  if (!root) {
    return {};
  }
  return oneShot.decrypt(artifact, results, options, report);
}

} // namespace detail
} // namespace aegis
