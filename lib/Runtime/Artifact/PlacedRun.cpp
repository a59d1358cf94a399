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

void sendCiphertext(comm::Communicator &comm, const Ciphertext &c, int dest) {
  uint64_t header[4] = {c.level(), c.size(), uint64_t(c.slots()), 0};
  double scale = c.scale();
  std::memcpy(&header[3], &scale, sizeof(scale));
  comm.send(header, 4, dest);
  const size_t words = size_t(c.level() + 1) * c.context()->degree();
  for (unsigned i = 0; i < c.size(); ++i)
    comm.send(c[i].data(), words, dest);
}

Ciphertext recvCiphertext(comm::Communicator &comm, const ContextPtr &context,
                          int source) {
  uint64_t header[4];
  comm.recv(header, 4, source);
  double scale;
  std::memcpy(&scale, &header[3], sizeof(scale));
  require(header[0] <= context->maxLevel() && (header[1] == 2 || header[1] == 3) &&
              header[2] >= 1 && header[2] <= context->degree() / 2,
          "device ", source, " sent a malformed ciphertext header (level ",
          header[0], ", ", header[1], " polynomials, ", header[2], " slots)");
  Ciphertext c(context, unsigned(header[1]), unsigned(header[0]), scale,
               size_t(header[2]));
  const size_t words = size_t(header[0] + 1) * context->degree();
  for (unsigned i = 0; i < c.size(); ++i)
    comm.recv(c[i].data(), words, source);
  return c;
}

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

} // namespace

std::vector<std::vector<double>>
runPlaced(const Artifact &artifact,
          const std::vector<std::vector<double>> &inputs,
          const RunOptions &options, RunReport &report) {
  const int P = int(artifact.devicePrograms.size());
  require(options.backend == ExecutionBackend::Cpu,
          "a placed artifact runs on the cpu backend (--backend=",
          executionBackendName(options.backend), ")");
  comm::Communicator *given = options.communicator;
  const int launched = given ? given->size()
                             : (options.devices ? options.devices : P);
  // Every rank checks the same numbers before any message: all refuse
  // together and none is left waiting.
  require(launched == P, "the artifact is placed on ", P,
          " devices (one program each) but ", launched,
          given ? " ranks were launched (mpirun -np " : " were requested (--devices=",
          launched, "); launch it on ", P);
  require(given || options.comm == comm::BackendKind::Threads, "the ",
          comm::backendName(options.comm),
          " communicator must be given in RunOptions::communicator");

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
      // The whole program's counts (this device ran its share of it).
      local.instructions = artifact.program.size();
      local.keySwitches = 0;
      for (const Instruction &in : artifact.program)
        local.keySwitches += isKeySwitch(in.op);
      local.devices = comm.size();
      local.commBackend = comm::backendName(comm.backend());
      local.keySwitch = options.keySwitch;
      local.placed = true;
      local.deviceStats = std::move(stats);
      adoptRootReport(report, std::move(local));
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
