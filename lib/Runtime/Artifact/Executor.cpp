//===- Executor.cpp - running artifacts -----------------------------------===//

#include "aegis/Runtime/Artifact/Executor.h"

#include "CkksEngine.h"
#include "Dispatch.h"
#include "OneShot.h"
#include "PlaintextCache.h"

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

bool parseKeySwitchAlgorithm(const std::string &name,
                             dist::KeySwitchAlgorithm &out) {
  if (name == "broadcast")
    out = dist::KeySwitchAlgorithm::InputBroadcast;
  else if (name == "aggregate")
    out = dist::KeySwitchAlgorithm::OutputAggregation;
  else
    return false;
  return true;
}

const char *keySwitchAlgorithmName(dist::KeySwitchAlgorithm algorithm) {
  return algorithm == dist::KeySwitchAlgorithm::InputBroadcast ? "broadcast"
                                                                : "aggregate";
}

size_t peakResidentBytes() {
  struct rusage usage;
  if (getrusage(RUSAGE_SELF, &usage) != 0)
    return 0;
  return size_t(usage.ru_maxrss) * 1024; // Linux reports KiB.
}

namespace {

using detail::Clock;
using detail::runInstructions;
using detail::secondsSince;

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

//===----------------------------------------------------------------------===//
// Plain: exact slot arithmetic, no encryption
//===----------------------------------------------------------------------===//

/// Registers as slot vectors with exact arithmetic.
class PlainEngine {
public:
  using Value = std::vector<std::complex<double>>;

  Value add(const Value &a, const Value &b) {
    return zip(a, b, "add", [](auto x, auto y) { return x + y; });
  }
  Value sub(const Value &a, const Value &b) {
    return zip(a, b, "sub", [](auto x, auto y) { return x - y; });
  }
  Value mul(const Value &a, const Value &b) {
    return zip(a, b, "mul", [](auto x, auto y) { return x * y; });
  }
  Value negate(const Value &a) {
    return map(a, [](auto x) { return -x; });
  }
  Value addPlain(const Value &a, const ArtifactConstant &c) {
    return zip(a, constant(c, a.size()), "add_plain",
               [](auto x, auto y) { return x + y; });
  }
  Value subPlain(const Value &a, const ArtifactConstant &c) {
    return zip(a, constant(c, a.size()), "sub_plain",
               [](auto x, auto y) { return x - y; });
  }
  Value mulPlain(const Value &a, const ArtifactConstant &c, double) {
    return zip(a, constant(c, a.size()), "mul_plain",
               [](auto x, auto y) { return x * y; });
  }
  Value addConst(const Value &a, double value) {
    return map(a, [&](auto x) { return x + value; });
  }
  Value mulConst(const Value &a, double value, double logScale) {
    double c = logScale == 0 ? std::round(value) : value;
    return map(a, [&](auto x) { return x * c; });
  }
  Value relinearize(const Value &a) { return a; }
  Value rescale(const Value &a, size_t) { return a; }
  Value levelDown(const Value &a, unsigned) { return a; }
  Value rotate(const Value &a, long steps) {
    int64_t n = int64_t(a.size());
    int64_t s = ((steps % n) + n) % n;
    Value r(a.size());
    for (int64_t j = 0; j < n; ++j)
      r[j] = a[(j + s) % n];
    return r;
  }
  Value conjugate(const Value &a) {
    return map(a, [](auto x) { return std::conj(x); });
  }
  Value rotateSum(const std::vector<const Value *> &inputs,
                  const std::vector<long> &steps, bool) {
    Value r(inputs[0]->size(), 0.0);
    for (size_t j = 0; j < inputs.size(); ++j) {
      require(inputs[j]->size() == r.size(),
              "rotate_sum terms of different slot counts");
      Value t = rotate(*inputs[j], steps[j]);
      for (size_t i = 0; i < r.size(); ++i)
        r[i] += t[i];
    }
    return r;
  }
  Value mulI(const Value &a, bool negative) {
    std::complex<double> i(0, negative ? -1 : 1);
    return map(a, [&](auto x) { return x * i; });
  }
  /// Exact on cleartext slots: bootstrapping's own error is CKKS noise. A
  /// real bootstrap keeps the real part, a complex one half the value.
  Value bootstrap(const Value &a, unsigned, bool complex) {
    if (complex)
      return map(a, [](auto x) { return x * 0.5; });
    return map(a, [](auto x) { return std::complex<double>(x.real(), 0); });
  }
  void stored(const Value *, const Value *) {}

private:
  /// A constant of fewer slots than the ciphertext repeats, as CKKS's
  /// sparse packing does.
  static Value constant(const ArtifactConstant &c, size_t slots) {
    Value v(slots, 0.0);
    for (size_t j = 0; j < slots; ++j)
      v[j] = j % c.slots < c.values.size() ? c.values[j % c.slots] : 0.0;
    return v;
  }
  template <typename F> static Value map(const Value &a, F f) {
    Value r(a.size());
    for (size_t j = 0; j < a.size(); ++j)
      r[j] = f(a[j]);
    return r;
  }
  template <typename F>
  static Value zip(const Value &a, const Value &b, const char *op, F f) {
    if (a.size() != b.size())
      fail(op, " combines values of ", a.size(), " and ", b.size(), " slots");
    Value r(a.size());
    for (size_t j = 0; j < a.size(); ++j)
      r[j] = f(a[j], b[j]);
    return r;
  }
};

std::vector<std::vector<double>>
runPlain(const Artifact &artifact,
         const std::vector<std::vector<double>> &inputs,
         const RunOptions &options, RunReport &report) {
  std::vector<std::optional<PlainEngine::Value>> regs(artifact.numRegisters);
  for (size_t i = 0; i < inputs.size(); ++i) {
    const TensorSlot &t = artifact.inputs[i];
    auto packed = packTensor(t, inputs[i]);
    for (size_t c = 0; c < t.regs.size(); ++c)
      regs[t.regs[c]] = PlainEngine::Value(packed[c].begin(), packed[c].end());
  }
  PlainEngine engine;
  auto start = Clock::now();
  runInstructions(engine, artifact, regs, options, report);
  report.stages.push_back({"evaluate (plain)", secondsSince(start)});
  std::vector<std::vector<double>> outputs;
  for (const TensorSlot &t : artifact.outputs) {
    std::vector<std::vector<double>> slotVectors;
    for (uint32_t reg : t.regs) {
      std::vector<double> v;
      for (const auto &z : *regs[reg])
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
  std::vector<std::optional<Ciphertext>> regs(artifact.numRegisters);
  size_t next = 0;
  for (const TensorSlot &t : artifact.inputs)
    for (uint32_t reg : t.regs)
      regs[reg] = std::move(inputs[next++]);

  auto start = Clock::now();
  detail::CkksEngine engine(artifact, context, keys);
  runInstructions(engine, artifact, regs, options, report);
  report.stages.push_back({"evaluate", secondsSince(start)});

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
  detail::OneShotClient client(artifact, options, report);
  report.stages.push_back({"key generation", secondsSince(start)});
  std::vector<Ciphertext> cts = client.encrypt(artifact, inputs, report);
  std::vector<Ciphertext> results = evaluateEncrypted(
      artifact, client.context, client.keys, std::move(cts), options, report);
  return client.decrypt(artifact, results, options, report);
}

} // namespace

std::vector<std::vector<double>>
runArtifact(const Artifact &artifact,
            const std::vector<std::vector<double>> &inputs,
            const RunOptions &options, RunReport &report) {
  checkInputs(artifact, inputs);
  // A placed artifact runs its device programs whenever it runs on several
  // devices (or is launched without a device count); the whole program
  // stays for one device (--devices=1) and the plain backend.
  const bool placed = !artifact.devicePrograms.empty() &&
                      options.backend != ExecutionBackend::Plain &&
                      options.devices != 1;
  // A limb-placed artifact runs on the device count it was placed for (the
  // compiler's byte figures hold there), or on one device; another count
  // is refused, by every rank alike, before any message.
  RunOptions limbOptions = options;
  if (artifact.devicePrograms.empty() && artifact.devices > 1 &&
      options.backend != ExecutionBackend::Plain) {
    const int launched = options.communicator ? options.communicator->size()
                                              : options.devices;
    require(launched == 0 || launched == 1 || launched == int(artifact.devices),
            "the artifact is placed on ", artifact.devices,
            " devices (limb placement) but ", launched,
            options.communicator ? " ranks were launched (mpirun -np "
                                 : " were requested (--devices=",
            launched, "); launch it on ", artifact.devices,
            " (or on 1 for the whole program on one device)");
    if (launched == 0 && options.comm == comm::BackendKind::Threads)
      limbOptions.devices = int(artifact.devices);
  }
  auto outputs =
      placed ? detail::runPlaced(artifact, inputs, options, report)
      : limbOptions.devices != 0 || options.communicator ||
              options.comm != comm::BackendKind::Threads
          ? detail::runDistributed(artifact, inputs, limbOptions, report)
      : options.backend == ExecutionBackend::Plain
          ? runPlain(artifact, inputs, options, report)
          : runEncrypted(artifact, inputs, options, report);
  report.peakMemoryBytes = peakResidentBytes();
  return outputs;
}

} // namespace aegis
