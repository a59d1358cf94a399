//===- PlacedRun.cpp - running a placed artifact's device programs --------===//
//
// An artifact compiled with a token or head placement (aegis-dist-place)
// carries one instruction stream per device. Every device runs its own
// stream on whole ciphertexts (the single-device CkksEngine) and moves a
// register to another device where the stream says so (Send / Recv: a
// 4-word header, then the polynomials' words). The client is device 0: it
// encrypts, sends each input ciphertext to the device the artifact names,
// receives the outputs and decrypts. Each device keeps only the evaluation
// keys its own stream uses. Every operation is the single-device one, so the
// decrypted outputs equal the one-device run's bit for bit, and the bytes
// each device sends are those aegis-dist-place predicted.
//
//===----------------------------------------------------------------------===//

#include "CkksEngine.h"
#include "DistEngine.h"
#include "Dispatch.h"
#include "OneShot.h"

#include "aegis/Runtime/Artifact/Session.h"
#include "aegis/Runtime/Artifact/Trace.h"
#include "aegis/Runtime/Comm/CommStats.h"
#include "aegis/Runtime/Comm/ThreadCommunicator.h"
#include "aegis/Runtime/Support/Error.h"
#include "aegis/Runtime/Support/Prng.h"

#include <cstring>
#include <set>

namespace aegis {
namespace detail {

using namespace ckks;

namespace {

constexpr int kClient = 0;

/// What precedes a moved ciphertext or limb share: 4 words (level,
/// polynomials, slots, scale).
struct MoveHeader {
  unsigned level = 0, size = 2;
  size_t slots = 0;
  double scale = 0;
};

void sendHeader(comm::Communicator &comm, const MoveHeader &h, int dest) {
  uint64_t header[4] = {h.level, h.size, uint64_t(h.slots), 0};
  std::memcpy(&header[3], &h.scale, sizeof(h.scale));
  comm.send(header, 4, dest);
}

/// Receives and checks a header; `what` names the payload in the error.
MoveHeader recvHeader(comm::Communicator &comm, const ContextPtr &context,
                      int source, const char *what) {
  uint64_t header[4];
  comm.recv(header, 4, source);
  require(header[0] <= context->maxLevel() &&
              (header[1] == 2 || header[1] == 3) && header[2] >= 1 &&
              header[2] <= context->degree() / 2,
          "device ", source, " sent a malformed ", what, " header (level ",
          header[0], ", ", header[1], " polynomials, ", header[2], " slots)");
  MoveHeader h;
  h.level = unsigned(header[0]);
  h.size = unsigned(header[1]);
  h.slots = size_t(header[2]);
  std::memcpy(&h.scale, &header[3], sizeof(h.scale));
  return h;
}

void sendCiphertext(comm::Communicator &comm, const Ciphertext &c, int dest) {
  sendHeader(comm, {c.level(), c.size(), c.slots(), c.scale()}, dest);
  const size_t words = size_t(c.level() + 1) * c.context()->degree();
  for (unsigned i = 0; i < c.size(); ++i)
    comm.send(c[i].data(), words, dest);
}

Ciphertext recvCiphertext(comm::Communicator &comm, const ContextPtr &context,
                          int source) {
  MoveHeader h = recvHeader(comm, context, source, "ciphertext");
  Ciphertext c(context, h.size, h.level, h.scale, h.slots);
  const size_t words = size_t(h.level + 1) * context->degree();
  for (unsigned i = 0; i < c.size(); ++i)
    comm.recv(c[i].data(), words, source);
  return c;
}

/// A limb share: the header, then each polynomial's local limbs. The
/// receiver's share has the partition `partitionOf(level)` and the
/// sender's position in it.
void sendShare(comm::Communicator &comm, const DistributedCiphertext &c,
               int dest) {
  sendHeader(comm, {c.level(), c.size(), c.slots(), c.scale()}, dest);
  const size_t words = size_t(c.numLocalLimbs()) * c.context()->degree();
  for (unsigned i = 0; i < c.size(); ++i)
    comm.send(c.poly(i), words, dest);
}

DistributedCiphertext
recvShare(comm::Communicator &comm, const ContextPtr &context, int position,
          const std::function<LimbPartition(unsigned)> &partitionOf,
          int source) {
  MoveHeader h = recvHeader(comm, context, source, "limb share");
  DistributedCiphertext c(context, partitionOf(h.level), position, h.size,
                          h.level, h.scale, h.slots);
  const size_t words = size_t(c.numLocalLimbs()) * context->degree();
  for (unsigned i = 0; i < c.size(); ++i)
    comm.recv(c.poly(i), words, source);
  return c;
}

/// A whole ciphertext from the limb shares of every device of a group.
Ciphertext assemble(const ContextPtr &context,
                    const std::vector<DistributedCiphertext> &shares) {
  const DistributedCiphertext &first = shares.front();
  Ciphertext c(context, first.size(), first.level(), first.scale(),
               first.slots());
  const size_t n = context->degree();
  for (const DistributedCiphertext &s : shares)
    for (unsigned i = 0; i < c.size(); ++i)
      context->backend().copy(c[i].data() + size_t(s.range().begin) * n,
                              s.poly(i), size_t(s.numLocalLimbs()) * n);
  return c;
}

/// A joint placement's engine: a group's limb-split engine plus moves of
/// this device's share to the device at the same position of another
/// group (over the world communicator); memory is accounted on the world's
/// statistics.
class JointEngine : public DistEngine {
public:
  JointEngine(const Artifact &artifact, const ContextPtr &context,
              comm::Communicator &group, comm::Communicator &world,
              const DeviceKeys &keys, KeySwitchAlgorithm algorithm)
      : DistEngine(artifact, context, group, keys, algorithm),
        context_(context), group_(group), world_(world) {}

  void send(const Value &a, int toGroup) {
    sendShare(world_, a, toGroup * group_.size() + group_.rank());
  }
  Value recv(int fromGroup) {
    return recvShare(
        world_, context_, group_.rank(),
        [&](unsigned level) { return canonical(level); },
        fromGroup * group_.size() + group_.rank());
  }
  /// Memory is counted on the world's statistics (the run's report).
  void stored(const Value *old, const Value *fresh) {
    if (old)
      world_.stats().recordFree(bytes(*old));
    if (fresh)
      world_.stats().recordAllocation(bytes(*fresh));
  }

private:
  ContextPtr context_;
  comm::Communicator &group_, &world_;
};

/// The single-device engine plus moves between devices.
class PlacedEngine : public CkksEngine {
public:
  PlacedEngine(const Artifact &artifact, const ContextPtr &context,
               const EvaluationKeys &keys, comm::Communicator &comm)
      : CkksEngine(artifact, context, keys), context_(context), comm_(comm) {}

  void send(const Value &a, int device) { sendCiphertext(comm_, a, device); }
  Value recv(int device) { return recvCiphertext(comm_, context_, device); }
  void stored(const Value *old, const Value *fresh) {
    if (old)
      comm_.stats().recordFree(bytes(*old));
    if (fresh)
      comm_.stats().recordAllocation(bytes(*fresh));
  }

private:
  uint64_t bytes(const Value &v) const {
    return uint64_t(v.size()) * (v.level() + 1) * context_->degree() * 8;
  }
  ContextPtr context_;
  comm::Communicator &comm_;
};

/// The keys device `d`'s stream uses, generated from their specs (each
/// the whole key generateKeys would make: same seed, same words); the
/// keys no instruction of the device reads are never made.
EvaluationKeys keysForDevice(const Artifact &artifact, const ContextPtr &context,
                             const OneShotClient &client, size_t d,
                             bool compactKeys) {
  EvaluationKeys mine;
  mine.galois = GaloisKeys(context);
  mine.keySet = client.keys.keySet;
  std::set<uint64_t> used;
  for (const Instruction &in : artifact.devicePrograms[d]) {
    if (in.op == Opcode::Relinearize)
      used.insert(0);
    else if (in.op == Opcode::Rotate ||
             (in.op == Opcode::RotateSum && in.imm != 0))
      used.insert(context->galoisElementForRotation(long(in.imm)));
    else if (in.op == Opcode::Conjugate)
      used.insert(context->conjugationElement());
    if (in.op == Opcode::Bootstrap) {
      mine.bootstrapper = client.keys.bootstrapper;
      mine.bootstrapPlan = client.keys.bootstrapPlan;
      mine.bootstrapKeys = client.keys.bootstrapKeys;
    }
  }
  for (const ProgramKeySpec &spec : client.specs) {
    if (!used.count(spec.galoisElement))
      continue;
    KeySwitchKey key =
        generateProgramKey(client.client.secretKey, spec, compactKeys);
    if (spec.relinearization())
      mine.relin = RelinKey(std::move(key));
    else
      mine.galois.insert(std::move(key));
  }
  return mine;
}

/// A placed artifact runs on exactly its P devices (`layout` says how they
/// group). Every rank checks the same numbers before any message: all
/// refuse together and none is left waiting.
void requireLaunch(const RunOptions &options, int P,
                   const std::string &layout) {
  comm::Communicator *given = options.communicator;
  const int launched =
      given ? given->size() : (options.devices ? options.devices : P);
  require(launched == P, "the artifact is placed on ", P, " devices (",
          layout, ") but ", launched,
          given ? " ranks were launched (mpirun -np "
                : " were requested (--devices=",
          launched, "); launch it on ", P);
  require(given || options.comm == comm::BackendKind::Threads, "the ",
          comm::backendName(options.comm),
          " communicator must be given in RunOptions::communicator");
}

/// The client's report of a placed run: the whole program's counts (the
/// client ran its share of it) and every device's traffic.
void adoptPlacedReport(const Artifact &artifact, const RunOptions &options,
                       const comm::Communicator &world,
                       std::vector<comm::CommStatsSnapshot> stats,
                       RunReport local, RunReport &report) {
  local.instructions = artifact.program.size();
  local.keySwitches = 0;
  for (const Instruction &in : artifact.program)
    local.keySwitches +=
        isKeySwitch(in.op) || (in.op == Opcode::RotateSum && in.imm != 0);
  local.devices = world.size();
  local.commBackend = comm::backendName(world.backend());
  local.keySwitch = options.keySwitch;
  local.placed = true;
  local.deviceStats = std::move(stats);
  adoptRootReport(report, std::move(local));
}

/// A joint placement (grid G x B): program g runs on devices g B .. g B +
/// B - 1, which split every ciphertext by limbs (the limb-split engine on
/// the group's communicator); Send / Recv move each device's share to the
/// device at the same position of the other group; the client (device 0)
/// sends every device of an input's group its share and gathers the
/// outputs' shares.
std::vector<std::vector<double>>
runJoint(const Artifact &artifact,
         const std::vector<std::vector<double>> &inputs,
         const RunOptions &options, RunReport &report) {
  const int G = int(artifact.devicePrograms.size());
  const int B = int(artifact.groupSize);
  const int P = G * B;
  comm::Communicator *given = options.communicator;
  requireLaunch(options, P,
                std::to_string(G) + " groups of " + std::to_string(B));

  auto start = Clock::now();
  OneShotClient oneShot(artifact, options, report, /*wholeKeys=*/false);
  const ContextPtr &context = oneShot.context;
  oneShot.bootstrapKeys(artifact, options, report);
  std::vector<DeviceKeys> deviceKeys(P);
  for (int d = 0; d < P; ++d) {
    if (given && given->rank() != d)
      continue;
    deviceKeys[d] = generateForDevice(
        artifact, artifact.devicePrograms[size_t(d / B)], context,
        oneShot.client.secretKey, oneShot.specs, B, d % B, options.keySwitch);
    deviceKeys[d].bootstrapPlan = oneShot.keys.bootstrapPlan;
    deviceKeys[d].bootstrapKeys = oneShot.keys.bootstrapKeys;
  }
  oneShot.keys = EvaluationKeys();
  report.stages.push_back({"key generation", secondsSince(start)});
  const bool client0 = !given || given->rank() == kClient;
  std::vector<Ciphertext> cts;
  if (client0)
    cts = oneShot.encrypt(artifact, inputs, report);

  std::vector<Ciphertext> results;
  auto body = [&](comm::Communicator &world, comm::Communicator &group) {
    world.stats().reset();
    group.stats().reset();
    const int me = world.rank(), g = me / B, b = me % B;
    const DeviceKeys &mine = deviceKeys[size_t(me)];
    world.stats().recordAllocation(mine.bytes());
    RunReport local;
    std::vector<std::optional<DistributedCiphertext>> regs(
        artifact.numRegisters);
    JointEngine engine(artifact, context, group, world, mine,
                       options.keySwitch);
    auto partitionOf = [&](unsigned level) { return engine.canonical(level); };
    auto t0 = Clock::now();
    size_t next = 0;
    for (const TensorSlot &t : artifact.inputs)
      for (size_t i = 0; i < t.regs.size(); ++i, ++next) {
        const int owner = int(t.deviceOf(i));
        if (me == kClient) {
          for (int bb = 0; bb < B; ++bb) {
            DistributedCiphertext share =
                dist::scatter(cts[next], partitionOf(t.level), bb);
            if (owner * B + bb == kClient)
              regs[t.regs[i]] = std::move(share);
            else
              sendShare(world, share, owner * B + bb);
          }
        } else if (g == owner) {
          regs[t.regs[i]] = recvShare(world, context, b, partitionOf, kClient);
        }
        if (regs[t.regs[i]])
          engine.stored(nullptr, &*regs[t.regs[i]]);
      }
    local.stages.push_back({"scatter inputs", secondsSince(t0)});
    if (options.trace)
      options.trace->record(me, "scatter inputs", "comm", t0, Clock::now());
    t0 = Clock::now();
    runProgram(engine, artifact, artifact.devicePrograms[size_t(g)], regs,
               options, local, me == kClient, me);
    local.stages.push_back({"evaluate", secondsSince(t0)});
    t0 = Clock::now();
    std::vector<Ciphertext> out;
    for (const TensorSlot &t : artifact.outputs)
      for (size_t i = 0; i < t.regs.size(); ++i) {
        const int owner = int(t.deviceOf(i));
        if (me == kClient) {
          std::vector<DistributedCiphertext> shares;
          for (int bb = 0; bb < B; ++bb)
            shares.push_back(owner * B + bb == kClient
                                 ? *regs[t.regs[i]]
                                 : recvShare(world, context, bb, partitionOf,
                                             owner * B + bb));
          out.push_back(assemble(context, shares));
        } else if (g == owner) {
          sendShare(world, *regs[t.regs[i]], kClient);
        }
      }
    local.stages.push_back({"gather outputs", secondsSince(t0)});
    if (options.trace)
      options.trace->record(me, "gather outputs", "comm", t0, Clock::now());
    // One device's traffic: its group's collectives and its moves.
    world.stats().absorb(group.stats().snapshot());
    std::vector<comm::CommStatsSnapshot> stats = comm::gatherStats(world);
    if (me == kClient) {
      results = std::move(out);
      adoptPlacedReport(artifact, options, world, std::move(stats),
                        std::move(local), report);
    }
  };
  if (given) {
    // MPI: the groups are a split of the world (collective on every rank).
    std::unique_ptr<comm::Communicator> group =
        given->split(given->rank() / B, given->rank() % B);
    body(*given, *group);
  } else {
    comm::runOnThreadsGrouped(P, B, body);
  }
  if (!client0)
    return {};
  return oneShot.decrypt(artifact, results, options, report);
}

} // namespace

std::vector<std::vector<double>>
runPlaced(const Artifact &artifact,
          const std::vector<std::vector<double>> &inputs,
          const RunOptions &options, RunReport &report) {
  if (artifact.groupSize > 1)
    return runJoint(artifact, inputs, options, report);
  const int P = int(artifact.devicePrograms.size());
  require(options.backend == ExecutionBackend::Cpu,
          "a placed artifact runs on the cpu backend (--backend=",
          executionBackendName(options.backend), ")");
  comm::Communicator *given = options.communicator;
  requireLaunch(options, P, "one program each");

  auto start = Clock::now();
  OneShotClient oneShot(artifact, options, report, /*wholeKeys=*/false);
  const ContextPtr &context = oneShot.context;
  oneShot.bootstrapKeys(artifact, options, report);
  std::vector<EvaluationKeys> deviceKeys(P);
  for (int d = 0; d < P; ++d)
    if (!given || given->rank() == d)
      deviceKeys[d] = keysForDevice(artifact, context, oneShot, size_t(d),
                                    options.compactKeys);
  oneShot.keys = EvaluationKeys();
  report.stages.push_back({"key generation", secondsSince(start)});

  const bool client0 = !given || given->rank() == kClient;
  std::vector<Ciphertext> cts;
  if (client0)
    cts = oneShot.encrypt(artifact, inputs, report);

  std::vector<Ciphertext> results;
  auto body = [&](comm::Communicator &comm) {
    comm.stats().reset();
    const int me = comm.rank();
    const EvaluationKeys &mine = deviceKeys[me];
    comm.stats().recordAllocation(mine.programKeyBytes());
    RunReport local;
    std::vector<std::optional<Ciphertext>> regs(artifact.numRegisters);
    PlacedEngine engine(artifact, context, mine, comm);
    auto t0 = Clock::now();
    size_t next = 0;
    for (const TensorSlot &t : artifact.inputs)
      for (size_t i = 0; i < t.regs.size(); ++i, ++next) {
        int owner = int(t.deviceOf(i));
        if (owner == kClient && me == kClient)
          regs[t.regs[i]] = cts[next];
        else if (me == kClient)
          sendCiphertext(comm, cts[next], owner);
        else if (me == owner)
          regs[t.regs[i]] = recvCiphertext(comm, context, kClient);
        if (regs[t.regs[i]])
          engine.stored(nullptr, &*regs[t.regs[i]]);
      }
    local.stages.push_back({"scatter inputs", secondsSince(t0)});
    if (options.trace)
      options.trace->record(me, "scatter inputs", "comm", t0, Clock::now());
    t0 = Clock::now();
    runProgram(engine, artifact, artifact.devicePrograms[me], regs, options,
               local, me == kClient, me);
    local.stages.push_back({"evaluate", secondsSince(t0)});
    t0 = Clock::now();
    std::vector<Ciphertext> out;
    for (const TensorSlot &t : artifact.outputs)
      for (size_t i = 0; i < t.regs.size(); ++i) {
        int owner = int(t.deviceOf(i));
        if (owner == kClient && me == kClient)
          out.push_back(*regs[t.regs[i]]);
        else if (me == owner)
          sendCiphertext(comm, *regs[t.regs[i]], kClient);
        else if (me == kClient)
          out.push_back(recvCiphertext(comm, context, owner));
      }
    local.stages.push_back({"gather outputs", secondsSince(t0)});
    if (options.trace)
      options.trace->record(me, "gather outputs", "comm", t0, Clock::now());
    std::vector<comm::CommStatsSnapshot> stats = comm::gatherStats(comm);
    if (me == kClient) {
      results = std::move(out);
      adoptPlacedReport(artifact, options, comm, std::move(stats),
                        std::move(local), report);
    }
  };
  if (given)
    body(*given);
  else
    comm::runOnThreads(P, body);
  if (!client0)
    return {};
  return oneShot.decrypt(artifact, results, options, report);
}

} // namespace detail
} // namespace aegis
