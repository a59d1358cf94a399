//===- CkksBench.cpp - CKKS runtime benchmarks (CPU backend) --------------===//
//
// NTT (one limb), encode, multiply + relinearize, rescale, rotate and 8
// hoisted rotations, at N = 2^13..2^16 with chains close to the 128-bit
// bound, on 1 and 2 threads; plus OpenFHE's N = 2^14 / 11-limb set (insecure,
// explicit opt-in) for a side-by-side comparison. Results: docs/BENCHMARKS.md.
//
//   bench/AegisCkksBench --benchmark_repetitions=5 \
//       --benchmark_report_aggregates_only=true
//
//===----------------------------------------------------------------------===//

#include "aegis/Runtime/CKKS/Context.h"
#include "aegis/Runtime/CKKS/Encoder.h"
#include "aegis/Runtime/CKKS/Encryptor.h"
#include "aegis/Runtime/CKKS/Evaluator.h"
#include "aegis/Runtime/CKKS/Keys.h"
#include "aegis/Runtime/Math/Ntt.h"
#include "aegis/Runtime/Support/ThreadPool.h"

#include <benchmark/benchmark.h>

#include <complex>
#include <map>
#include <memory>
#include <string>

using namespace aegis;
using namespace aegis::ckks;

namespace {

struct Config {
  const char *name;
  unsigned logN;
  std::vector<unsigned> chain;
  std::vector<unsigned> special;
  unsigned dnum;
  bool insecure;
  /// Only the rotation-by-1 key (for rings whose keys are huge).
  bool oneRotationKey = false;
};

std::vector<unsigned> chainOf(unsigned first, unsigned count, unsigned bits) {
  std::vector<unsigned> c = {first};
  c.insert(c.end(), count, bits);
  return c;
}

// log2(QP) is printed in the benchmark label; all but "openfhe14" meet the
// HE-standard bound of their N.
const std::vector<Config> &configs() {
  static const std::vector<Config> list = {
      // 2^13: 60 + 2 x 40 + 60 = 200 <= 218, one limb per digit.
      {"n13", 13, chainOf(60, 2, 40), {60}, 3, false},
      // 2^14: 54 + 6 x 40 + 3 x 45 = 429 <= 438, dnum 3.
      {"n14", 14, chainOf(54, 6, 40), {45, 45, 45}, 3, false},
      // 2^14 as OpenFHE's reference run: 60 + 10 x 40, dnum 3, P = 3 x 60
      // (log QP 640 > 438: insecure, opt-in).
      {"openfhe14", 14, chainOf(60, 10, 40), {60, 60, 60}, 3, true},
      // 2^15: 60 + 16 x 40 + 2 x 55 = 810 <= 881, dnum 9 (2 limbs a digit).
      {"n15", 15, chainOf(60, 16, 40), {55, 55}, 9, false},
      // 2^16: OpenFHE's 31-limb set: 60 + 30 x 40 + 8 x 60 = 1740 <= 1747,
      // dnum 3.
      {"n16", 16, chainOf(60, 30, 40), {60, 60, 60, 60, 60, 60, 60, 60}, 3,
       false},
      // 2^17: the parameters aegis-nn-to-ckks chooses at 128-bit for the
      // BERT-base layer (docs/Lowering.md): 60 + 48 x 40, P = 3 x 60,
      // dnum 13, log2 QP 2160 (bound 3464, extrapolated). Each key takes
      // 1.4 GB, so only the relinearization key and one rotation key.
      {"bert17", 17, chainOf(60, 48, 40), {60, 60, 60}, 13, false, true},
  };
  return list;
}

constexpr long kHoisted[8] = {1, 2, 3, 4, 5, 6, 7, 8};

struct State {
  ContextPtr context;
  std::unique_ptr<KeyGenerator> keygen;
  RelinKey relinKey;
  GaloisKeys galoisKeys;
  std::unique_ptr<Encoder> encoder;
  std::unique_ptr<Evaluator> evaluator;
  Ciphertext x, y;
  std::vector<std::complex<double>> values;
};

State &state(const Config &config) {
  static std::map<std::string, std::unique_ptr<State>> cache;
  auto it = cache.find(config.name);
  if (it != cache.end()) {
    return *it->second;
  }
  // Only one parameter set in memory at a time (2^16 keys take ~1 GB).
  cache.clear();
  auto s = std::make_unique<State>();
  ParameterSpec spec;
  spec.logDegree = config.logN;
  spec.chainBits = config.chain;
  spec.specialBits = config.special;
  spec.dnum = config.dnum;
  spec.allowInsecure = config.insecure;
  s->context = Context::create(Parameters::create(spec));
  s->keygen = std::make_unique<KeyGenerator>(s->context, seedFromInteger(1));
  s->relinKey = s->keygen->createRelinKey();
  s->galoisKeys = s->keygen->createGaloisKeys(
      config.oneRotationKey
          ? std::vector<long>{1}
          : std::vector<long>(std::begin(kHoisted), std::end(kHoisted)));
  s->encoder = std::make_unique<Encoder>(s->context);
  s->evaluator = std::make_unique<Evaluator>(s->context);
  size_t slots = s->context->degree() / 2;
  s->values.resize(slots);
  for (size_t i = 0; i < slots; ++i) {
    s->values[i] = {std::sin(double(i)), std::cos(double(i))};
  }
  Encryptor encryptor(s->context, s->keygen->secretKey(), seedFromInteger(2));
  double scale = s->context->params().defaultScale();
  unsigned top = s->context->maxLevel();
  s->x = encryptor.encrypt(s->encoder->encode(s->values, top, scale));
  s->y = encryptor.encrypt(s->encoder->encode(s->values, top, scale));
  State &ref = *s;
  cache.emplace(config.name, std::move(s));
  return ref;
}

void label(benchmark::State &st, const Config &config, const State &s) {
  const Parameters &p = s.context->params();
  st.SetLabel(std::string(config.name) + " N=2^" + std::to_string(config.logN) +
              " L+1=" + std::to_string(p.maxLevel() + 1) + " K=" +
              std::to_string(p.numSpecial()) + " dnum=" +
              std::to_string(p.dnum()) + " logQP=" +
              std::to_string(int(p.logQP() + 0.5)) +
              (p.meetsSecurityBound() ? "" : " INSECURE"));
}

template <typename Body>
void run(benchmark::State &st, const Config &config, Body body) {
  setNumThreads(unsigned(st.range(0)));
  State &s = state(config);
  label(st, config, s);
  for (auto _ : st) {
    body(s);
  }
}

void registerAll() {
  for (const Config &config : configs()) {
    const Config *c = &config;
    std::string suffix = std::string("/") + config.name;
    auto add = [&](const char *what, auto body) {
      benchmark::RegisterBenchmark((std::string(what) + suffix).c_str(),
                                   [c, body](benchmark::State &st) {
                                     run(st, *c, body);
                                   })
          ->Arg(1)
          ->Arg(2)
          ->ArgName("threads")
          ->Unit(benchmark::kMillisecond)
          ->UseRealTime();
    };
    add("NttForwardOneLimb", [](State &s) {
      static thread_local std::vector<uint64_t> limb;
      const NttTables &t = s.context->tables().ntt[0];
      limb.assign(t.degree(), 12345);
      forwardNtt(limb.data(), t);
      benchmark::DoNotOptimize(limb.data());
    });
    add("NttInverseOneLimb", [](State &s) {
      static thread_local std::vector<uint64_t> limb;
      const NttTables &t = s.context->tables().ntt[0];
      limb.assign(t.degree(), 12345);
      inverseNtt(limb.data(), t);
      benchmark::DoNotOptimize(limb.data());
    });
    add("Encode", [](State &s) {
      Plaintext p = s.encoder->encode(s.values, s.context->maxLevel(),
                                      s.context->params().defaultScale());
      benchmark::DoNotOptimize(p.poly().data());
    });
    add("MultiplyRelinearize", [](State &s) {
      Ciphertext r = s.evaluator->multiplyRelin(s.x, s.y, s.relinKey);
      benchmark::DoNotOptimize(r[0].data());
    });
    add("Rescale", [](State &s) {
      Ciphertext r = s.evaluator->rescale(s.x);
      benchmark::DoNotOptimize(r[0].data());
    });
    add("Rotate", [](State &s) {
      Ciphertext r = s.evaluator->rotate(s.x, 1, s.galoisKeys);
      benchmark::DoNotOptimize(r[0].data());
    });
    add("EncodeMultiplyPlainRescale", [](State &s) {
      Plaintext p = s.encoder->encode(
          s.values, s.context->maxLevel(),
          double(s.context->params().chainModuli()[s.context->maxLevel()]));
      Ciphertext r = s.evaluator->rescale(s.evaluator->multiplyPlain(s.x, p));
      benchmark::DoNotOptimize(r[0].data());
    });
    if (config.oneRotationKey)
      continue;
    add("Hoisted8Rotations", [](State &s) {
      std::vector<Ciphertext> r = s.evaluator->rotateHoisted(
          s.x, std::vector<long>(std::begin(kHoisted), std::end(kHoisted)),
          s.galoisKeys);
      benchmark::DoNotOptimize(r[0][0].data());
    });
  }
}

} // namespace

int main(int argc, char **argv) {
  registerAll();
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) {
    return 1;
  }
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
