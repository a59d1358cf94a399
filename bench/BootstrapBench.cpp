//===- BootstrapBench.cpp - CKKS bootstrapping time, memory, precision ----===//
//
// Bootstrapping time per phase, key and diagonal memory, peak RSS and the
// precision over random inputs in [-1, 1] (complex), for bootstrapping
// presets on 1 and 2 threads. Each iteration bootstraps a fresh ciphertext
// that a computation left at level 0 (encrypted at level 1 and rescaled);
// encryption and decryption are not timed. Results: docs/BENCHMARKS.md.
//
//   bench/AegisBootstrapBench                       # toy presets
//   bench/AegisBootstrapBench --preset=n16-full --threads=2 \
//       --benchmark_repetitions=3 --benchmark_report_aggregates_only=true
//   bench/AegisBootstrapBench --preset=n16-full --repeat=10
//       # precision after each of 10 bootstraps in a row (no timing)
//
// Options (before the Google Benchmark flags): --preset=a,b,...
// --threads=1,2  --repeat=K  --diagonal-cache-mib=M (override the preset's
// budget for encoded diagonals).
//
//===----------------------------------------------------------------------===//

#include "aegis/Runtime/Bootstrap/Bootstrapper.h"
#include "aegis/Runtime/CKKS/Encoder.h"
#include "aegis/Runtime/CKKS/Encryptor.h"
#include "aegis/Runtime/CKKS/Keys.h"
#include "aegis/Runtime/Support/Prng.h"
#include "aegis/Runtime/Support/ThreadPool.h"

#include <benchmark/benchmark.h>

#include <chrono>
#include <cmath>
#include <complex>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

using namespace aegis;
using namespace aegis::ckks;

namespace {

using Complex = std::complex<double>;

/// Peak resident set size (VmHWM) in MiB.
double peakRssMiB() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmHWM:", 0) == 0) {
      return std::stod(line.substr(6)) / 1024.0;
    }
  }
  return 0;
}

std::vector<Complex> randomValues(size_t n, uint64_t seed) {
  Prng prng(seedFromInteger(seed), 21);
  std::vector<Complex> v(n);
  for (auto &x : v) {
    double re = double(prng.next32()) / 2147483648.0 - 1.0;
    double im = double(prng.next32()) / 2147483648.0 - 1.0;
    x = Complex(re, im);
  }
  return v;
}

/// Context, keys, plan and bootstrapper of one preset (built once).
struct Instance {
  ContextPtr context;
  std::unique_ptr<KeyGenerator> keygen;
  std::unique_ptr<Encoder> encoder;
  std::unique_ptr<Encryptor> encryptor;
  std::unique_ptr<Decryptor> decryptor;
  std::shared_ptr<BootstrapPlan> plan;
  std::shared_ptr<BootstrapKeys> keys;
  std::unique_ptr<Bootstrapper> bootstrapper;
  double keygenSeconds = 0;
  double planSeconds = 0;

  Instance(const BootstrapPreset &preset, int cacheMiB) {
    BootstrapConfig config = preset.config;
    if (cacheMiB >= 0) {
      config.diagonalCacheBytes = size_t(cacheMiB) << 20;
    }
    context = Context::create(Parameters::create(preset.spec));
    keygen = std::make_unique<KeyGenerator>(context, seedFromInteger(1));
    encoder = std::make_unique<Encoder>(context);
    encryptor = std::make_unique<Encryptor>(context, keygen->createPublicKey(),
                                            seedFromInteger(2));
    decryptor = std::make_unique<Decryptor>(context, keygen->secretKey());
    auto start = std::chrono::steady_clock::now();
    plan = std::make_shared<BootstrapPlan>(context, config);
    auto middle = std::chrono::steady_clock::now();
    keys =
        generateBootstrapKeys(*plan, keygen->secretKey(), seedFromInteger(3));
    auto end = std::chrono::steady_clock::now();
    planSeconds = std::chrono::duration<double>(middle - start).count();
    keygenSeconds = std::chrono::duration<double>(end - middle).count();
    bootstrapper = std::make_unique<Bootstrapper>(plan, keys);
  }

  /// `values` at level 0 and the input scale, as a computation leaves them.
  Ciphertext levelZero(const std::vector<Complex> &values) const {
    double scale = plan->inputScale() * double(context->modulus(1).value);
    Ciphertext ct =
        encryptor->encrypt(encoder->encode(values, 1, scale, values.size()));
    bootstrapper->evaluator().evaluator().rescaleInPlace(ct);
    ct.setScale(plan->inputScale());
    return ct;
  }
  std::vector<Complex> decrypt(const Ciphertext &ct) const {
    return encoder->decode(decryptor->decrypt(ct));
  }
};

int cacheOverride = -1;

Instance &instance(const std::string &name) {
  static std::map<std::string, std::unique_ptr<Instance>> instances;
  auto it = instances.find(name);
  if (it == instances.end()) {
    // One N = 2^16 instance at a time: keys take gigabytes.
    instances.clear();
    it = instances
             .emplace(name, std::make_unique<Instance>(bootstrapPreset(name),
                                                       cacheOverride))
             .first;
  }
  return *it->second;
}

void bootstrapBenchmark(benchmark::State &state, const std::string &name,
                        unsigned threads) {
  setNumThreads(threads);
  Instance &in = instance(name);
  const size_t n = in.plan->slots();
  BootstrapTimings sum;
  double errorSum = 0, worst = 0;
  size_t count = 0;
  uint64_t seed = 100;
  for (auto _ : state) {
    state.PauseTiming();
    std::vector<Complex> values = randomValues(n, seed++);
    Ciphertext ct = in.levelZero(values);
    state.ResumeTiming();
    BootstrapTimings t;
    Ciphertext out = in.bootstrapper->bootstrap(ct, &t);
    state.PauseTiming();
    PrecisionStats stats = measurePrecision(values, in.decrypt(out));
    errorSum += stats.meanError * double(n);
    worst = std::max(worst, stats.maxError);
    count += n;
    sum.modRaise += t.modRaise;
    sum.coeffToSlot += t.coeffToSlot;
    sum.evalMod += t.evalMod;
    sum.slotToCoeff += t.slotToCoeff;
    state.ResumeTiming();
  }
  double iterations = double(state.iterations());
  state.counters["meanBits"] = -std::log2(errorSum / double(count));
  state.counters["worstBits"] = -std::log2(worst);
  state.counters["modRaise_s"] = sum.modRaise / iterations;
  state.counters["cts_s"] = sum.coeffToSlot / iterations;
  state.counters["evalMod_s"] = sum.evalMod / iterations;
  state.counters["stc_s"] = sum.slotToCoeff / iterations;
  state.counters["keys_MiB"] = double(in.keys->memoryBytes()) / double(1 << 20);
  state.counters["diag_MiB"] =
      double(in.plan->cachedDiagonalBytes()) / double(1 << 20);
  state.counters["keygen_s"] = in.keygenSeconds;
  state.counters["peakRss_MiB"] = peakRssMiB();
  state.counters["outLevel"] = in.plan->outputLevel();
  state.SetLabel(name);
}

int repeatMode(const std::string &name, unsigned threads, int rounds) {
  setNumThreads(threads);
  Instance &in = instance(name);
  std::printf("%s", in.plan->describe().c_str());
  std::printf("keys %.0f MiB, key generation %.1f s, plan %.1f s\n",
              double(in.keys->memoryBytes()) / double(1 << 20),
              in.keygenSeconds, in.planSeconds);
  std::vector<Complex> values = randomValues(in.plan->slots(), 7);
  Ciphertext ct = in.levelZero(values);
  PrecisionStats input = measurePrecision(values, in.decrypt(ct));
  std::printf("input (level 0): mean %.2f bits, worst %.2f bits\n",
              input.meanBits, input.worstBits);
  for (int round = 1; round <= rounds; ++round) {
    BootstrapTimings t;
    ct = in.bootstrapper->bootstrap(ct, &t);
    PrecisionStats s = measurePrecision(values, in.decrypt(ct));
    std::printf("bootstrap %2d: level %u, mean %.2f bits, worst %.2f bits, "
                "%.2f s (ModRaise %.2f, CtS %.2f, EvalMod %.2f, StC %.2f)\n",
                round, ct.level(), s.meanBits, s.worstBits, t.total, t.modRaise,
                t.coeffToSlot, t.evalMod, t.slotToCoeff);
    std::fflush(stdout);
  }
  std::printf("peak RSS %.0f MiB\n", peakRssMiB());
  return 0;
}

std::vector<std::string> splitList(const std::string &text) {
  std::vector<std::string> out;
  std::stringstream ss(text);
  std::string item;
  while (std::getline(ss, item, ',')) {
    if (!item.empty()) {
      out.push_back(item);
    }
  }
  return out;
}

} // namespace

int main(int argc, char **argv) {
  std::vector<std::string> presets = {"toy-n10", "toy-n12", "toy-n13"};
  std::vector<unsigned> threads = {1, 2};
  int repeat = 0;
  std::vector<char *> rest = {argv[0]};
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg.rfind("--preset=", 0) == 0) {
      presets = splitList(arg.substr(9));
    } else if (arg.rfind("--threads=", 0) == 0) {
      threads.clear();
      for (const std::string &t : splitList(arg.substr(10))) {
        threads.push_back(unsigned(std::stoul(t)));
      }
    } else if (arg.rfind("--repeat=", 0) == 0) {
      repeat = std::stoi(arg.substr(9));
    } else if (arg.rfind("--diagonal-cache-mib=", 0) == 0) {
      cacheOverride = std::stoi(arg.substr(21));
    } else {
      rest.push_back(argv[i]);
    }
  }
  try {
    if (repeat > 0) {
      for (const std::string &name : presets) {
        repeatMode(name, threads.back(), repeat);
      }
      return 0;
    }
    for (const std::string &name : presets) {
      (void)bootstrapPreset(name); // unknown names fail here
      for (unsigned t : threads) {
        benchmark::RegisterBenchmark(
            ("Bootstrap/" + name + "/threads:" + std::to_string(t)).c_str(),
            [name, t](benchmark::State &state) {
              bootstrapBenchmark(state, name, t);
            })
            ->Unit(benchmark::kSecond)
            ->UseRealTime()
            ->Iterations(name.rfind("n16", 0) == 0 ? 1 : 3);
      }
    }
  } catch (const std::exception &e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
  }
  int count = int(rest.size());
  benchmark::Initialize(&count, rest.data());
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
