//===- Executor.cpp - running artifacts -----------------------------------===//

#include "aegis/Runtime/Artifact/Executor.h"

#include "aegis/Runtime/Artifact/Session.h"

#include "aegis/Runtime/Backend/CudaBackend.h"
#include "aegis/Runtime/CKKS/Context.h"
#include "aegis/Runtime/CKKS/Encoder.h"
#include "aegis/Runtime/CKKS/Encryptor.h"
#include "aegis/Runtime/CKKS/Evaluator.h"
#include "aegis/Runtime/CKKS/Keys.h"
#include "aegis/Runtime/Support/Error.h"
#include "aegis/Runtime/Support/Prng.h"

#include <sys/resource.h>

#include <chrono>
#include <cmath>
#include <complex>
#include <map>
#include <optional>

namespace aegis {

bool parseExecutionBackend(const std::string &name, ExecutionBackend &out) {
  if (name == "cpu")
    out = ExecutionBackend::Cpu;
  else if (name == "plain")
    out = ExecutionBackend::Plain;
  else if (name == "cuda")
    out = ExecutionBackend::Cuda;
  else
    return false;
  return true;
}

const char *executionBackendName(ExecutionBackend backend) {
  switch (backend) {
  case ExecutionBackend::Cpu:
    return "cpu";
  case ExecutionBackend::Plain:
    return "plain";
  case ExecutionBackend::Cuda:
    return "cuda";
  }
  return "?";
}

size_t peakResidentBytes() {
  struct rusage usage;
  if (getrusage(RUSAGE_SELF, &usage) != 0)
    return 0;
  return size_t(usage.ru_maxrss) * 1024; // Linux reports KiB.
}

namespace {

using Clock = std::chrono::steady_clock;

double secondsSince(Clock::time_point start) {
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

void checkInputs(const Artifact &artifact,
                 const std::vector<std::vector<double>> &inputs) {
  if (inputs.size() != artifact.inputs.size())
    fail("the artifact takes ", artifact.inputs.size(), " input(s), ",
         inputs.size(), " given");
  for (size_t i = 0; i < inputs.size(); ++i)
    if (int64_t(inputs[i].size()) != artifact.inputs[i].numElements())
      fail("input '", artifact.inputs[i].name, "' needs ",
           artifact.inputs[i].numElements(), " values, got ",
           inputs[i].size());
}

bool isKeySwitch(Opcode op) {
  return op == Opcode::Relinearize || op == Opcode::Rotate ||
         op == Opcode::Conjugate;
}

//===----------------------------------------------------------------------===//
// Plain: exact slot arithmetic, no encryption
//===----------------------------------------------------------------------===//

struct PlainValue {
  std::vector<std::complex<double>> slots;
};

std::vector<std::vector<double>>
runPlain(const Artifact &artifact,
         const std::vector<std::vector<double>> &inputs,
         const RunOptions &options, RunReport &report) {
  std::vector<PlainValue> regs(artifact.numRegisters);
  for (size_t i = 0; i < inputs.size(); ++i) {
    const TensorSlot &t = artifact.inputs[i];
    auto packed = packTensor(t, inputs[i]);
    for (size_t c = 0; c < t.regs.size(); ++c)
      regs[t.regs[c]].slots.assign(packed[c].begin(), packed[c].end());
  }
  auto constant = [&](int64_t index, size_t slots) {
    const ArtifactConstant &c = artifact.constants[index];
    std::vector<std::complex<double>> v(slots, 0.0);
    // A constant of fewer slots than the ciphertext repeats, as CKKS's
    // sparse packing does.
    for (size_t j = 0; j < slots; ++j)
      v[j] = j % c.slots < c.values.size() ? c.values[j % c.slots] : 0.0;
    return v;
  };
  OpTimer timer;
  auto start = Clock::now();
  for (size_t k = 0; k < artifact.program.size(); ++k) {
    const Instruction &in = artifact.program[k];
    auto t0 = Clock::now();
    const auto &a = regs[in.a].slots;
    std::vector<std::complex<double>> r(a.size());
    size_t n = a.size();
    switch (in.op) {
    case Opcode::Add:
    case Opcode::Sub:
    case Opcode::Mul: {
      const auto &b = regs[in.b].slots;
      if (b.size() != n)
        fail("instruction ", k, " (", opcodeName(in.op),
             ") combines values of ", n, " and ", b.size(), " slots");
      for (size_t j = 0; j < n; ++j)
        r[j] = in.op == Opcode::Add   ? a[j] + b[j]
               : in.op == Opcode::Sub ? a[j] - b[j]
                                      : a[j] * b[j];
      break;
    }
    case Opcode::Negate:
      for (size_t j = 0; j < n; ++j)
        r[j] = -a[j];
      break;
    case Opcode::AddPlain:
    case Opcode::SubPlain:
    case Opcode::MulPlain: {
      auto c = constant(in.imm, n);
      for (size_t j = 0; j < n; ++j)
        r[j] = in.op == Opcode::AddPlain   ? a[j] + c[j]
               : in.op == Opcode::SubPlain ? a[j] - c[j]
                                           : a[j] * c[j];
      break;
    }
    case Opcode::AddConst:
      for (size_t j = 0; j < n; ++j)
        r[j] = a[j] + in.value;
      break;
    case Opcode::MulConst: {
      double c = in.scale == 0 ? std::round(in.value) : in.value;
      for (size_t j = 0; j < n; ++j)
        r[j] = a[j] * c;
      break;
    }
    case Opcode::Relinearize:
    case Opcode::Rescale:
    case Opcode::LevelDown:
      r = a;
      break;
    case Opcode::Rotate: {
      int64_t s = ((in.imm % int64_t(n)) + int64_t(n)) % int64_t(n);
      for (size_t j = 0; j < n; ++j)
        r[j] = a[(j + s) % n];
      break;
    }
    case Opcode::Conjugate:
      for (size_t j = 0; j < n; ++j)
        r[j] = std::conj(a[j]);
      break;
    }
    regs[in.result].slots = std::move(r);
    timer.add(in.op, secondsSince(t0));
    if (isKeySwitch(in.op))
      ++report.keySwitches;
    if (options.progress)
      options.progress(k + 1, artifact.program.size());
  }
  report.stages.push_back({"evaluate (plain)", secondsSince(start)});
  report.perOpcode = timer.take();
  report.instructions = artifact.program.size();
  std::vector<std::vector<double>> outputs;
  for (const TensorSlot &t : artifact.outputs) {
    std::vector<std::vector<double>> slotVectors;
    for (uint32_t reg : t.regs) {
      std::vector<double> v;
      for (const auto &z : regs[reg].slots)
        v.push_back(z.real());
      slotVectors.push_back(std::move(v));
    }
    outputs.push_back(unpackTensor(t, slotVectors));
  }
  return outputs;
}

//===----------------------------------------------------------------------===//
// Encrypted
//===----------------------------------------------------------------------===//

using namespace ckks;

} // namespace

std::vector<Ciphertext>
evaluateEncrypted(const Artifact &artifact, const ContextPtr &context,
                  const EvaluationKeys &keys, std::vector<Ciphertext> inputs,
                  const RunOptions &options, RunReport &report) {
  checkCiphertexts(artifact, *context, /*outputs=*/false, inputs,
                   "input ciphertexts");
  const std::optional<RelinKey> &relinKey = keys.relin;
  const GaloisKeys &galoisKeys = keys.galois;
  Encoder encoder(context);
  std::vector<std::optional<Ciphertext>> regs(artifact.numRegisters);
  size_t next = 0;
  for (const TensorSlot &t : artifact.inputs)
    for (uint32_t reg : t.regs)
      regs[reg] = std::move(inputs[next++]);

  auto start = Clock::now();
  Evaluator evaluator(context);
  OpTimer timer;
  auto constantValues = [&](int64_t index) {
    const ArtifactConstant &c = artifact.constants[index];
    std::vector<double> v(c.slots, 0.0);
    std::copy(c.values.begin(), c.values.end(), v.begin());
    return v;
  };
  for (size_t k = 0; k < artifact.program.size(); ++k) {
    const Instruction &in = artifact.program[k];
    auto t0 = Clock::now();
    const Ciphertext &a = *regs[in.a];
    Ciphertext r = [&]() -> Ciphertext {
      switch (in.op) {
      case Opcode::Add:
        return evaluator.add(a, *regs[in.b]);
      case Opcode::Sub:
        return evaluator.sub(a, *regs[in.b]);
      case Opcode::Negate:
        return evaluator.negate(a);
      case Opcode::AddPlain:
      case Opcode::SubPlain: {
        Plaintext p = encoder.encode(constantValues(in.imm), a.level(),
                                     a.scale(), a.slots());
        return in.op == Opcode::AddPlain ? evaluator.addPlain(a, p)
                                         : evaluator.subPlain(a, p);
      }
      case Opcode::MulPlain: {
        Plaintext p = encoder.encode(constantValues(in.imm), a.level(),
                                     std::exp2(in.value), a.slots());
        return evaluator.multiplyPlain(a, p);
      }
      case Opcode::AddConst:
        return evaluator.addConstant(a, in.value);
      case Opcode::MulConst: {
        if (in.scale == 0) {
          Ciphertext c = a;
          evaluator.multiplyIntegerInPlace(c, int64_t(std::llround(in.value)));
          return c;
        }
        return evaluator.multiplyConstant(a, in.value, std::exp2(in.scale));
      }
      case Opcode::Mul:
        return evaluator.multiply(a, *regs[in.b]);
      case Opcode::Relinearize:
        return evaluator.relinearize(a, *relinKey);
      case Opcode::Rescale:
        return evaluator.rescale(a);
      case Opcode::LevelDown:
        return evaluator.dropToLevel(a, unsigned(in.imm));
      case Opcode::Rotate:
        return evaluator.rotate(a, long(in.imm), galoisKeys);
      case Opcode::Conjugate:
        return evaluator.conjugate(a, galoisKeys);
      }
      fail("instruction ", k, " has an unknown opcode");
    }();
    regs[in.result] = std::move(r);
    timer.add(in.op, secondsSince(t0));
    if (isKeySwitch(in.op))
      ++report.keySwitches;
    if (options.progress)
      options.progress(k + 1, artifact.program.size());
  }
  report.stages.push_back({"evaluate", secondsSince(start)});
  report.perOpcode = timer.take();
  report.instructions = artifact.program.size();

  std::vector<Ciphertext> outputs;
  for (const TensorSlot &t : artifact.outputs)
    for (uint32_t reg : t.regs)
      outputs.push_back(*regs[reg]);
  return outputs;
}

namespace {

/// One shot: the client's and the server's steps in one process, through
/// the same functions the split subcommands call.
std::vector<std::vector<double>>
runEncrypted(const Artifact &artifact,
             const std::vector<std::vector<double>> &inputs,
             const RunOptions &options, RunReport &report) {
  auto start = Clock::now();
  ContextPtr context = createArtifactContext(artifact, options.backend);
  Seed master = seedFromInteger(options.seed);
  ClientKeys client;
  EvaluationKeys keys;
  generateKeys(artifact, context, deriveSeed(master, 1), client, keys);
  report.rotationKeys =
      artifact.rotations.size() + (artifact.conjugation ? 1 : 0);
  report.stages.push_back({"key generation", secondsSince(start)});

  start = Clock::now();
  std::vector<Ciphertext> cts = encryptInputs(
      artifact, context, client.publicKey, deriveSeed(master, 2), inputs);
  report.stages.push_back({"encrypt", secondsSince(start)});

  std::vector<Ciphertext> results = evaluateEncrypted(
      artifact, context, keys, std::move(cts), options, report);

  start = Clock::now();
  auto outputs =
      decryptOutputs(artifact, context, client.secretKey, results);
  report.stages.push_back({"decrypt", secondsSince(start)});
  return outputs;
}

} // namespace

std::vector<std::vector<double>>
runArtifact(const Artifact &artifact,
            const std::vector<std::vector<double>> &inputs,
            const RunOptions &options, RunReport &report) {
  checkInputs(artifact, inputs);
  auto outputs = options.backend == ExecutionBackend::Plain
                     ? runPlain(artifact, inputs, options, report)
                     : runEncrypted(artifact, inputs, options, report);
  report.peakMemoryBytes = peakResidentBytes();
  return outputs;
}

} // namespace aegis
