//===- BackendBench.cpp - CKKS operations per backend, against memory bounds -===//
//
// Times NTT, multiply + relinearize, rotate, rescale, 8 hoisted rotations and
// bootstrapping (n16-full, n16-sparse) on one backend (cpu or cuda), and sets
// each against the bytes it must move: its inputs, outputs and the key limbs
// it reads, each once. The bandwidth behind the bound is measured here, by
// timing the backend's own device-to-device copy, not quoted. Each kernel
// call is also timed through a forwarding backend, so the report says where
// the time goes. Needs no Google Benchmark (the GPU machine has none).
//
//   bench/AegisBackendBench --backend=cuda --log-n=16 --json=gpu-bench.json
//
// Results: docs/BENCHMARKS.md.
//
//===----------------------------------------------------------------------===//

#include "aegis/Runtime/Backend/Backend.h"
#include "aegis/Runtime/Backend/CudaBackend.h"
#include "aegis/Runtime/Bootstrap/BootstrapKeys.h"
#include "aegis/Runtime/Bootstrap/Bootstrapper.h"
#include "aegis/Runtime/CKKS/Context.h"
#include "aegis/Runtime/CKKS/Encoder.h"
#include "aegis/Runtime/CKKS/Encryptor.h"
#include "aegis/Runtime/CKKS/Evaluator.h"
#include "aegis/Runtime/CKKS/Keys.h"
#include "aegis/Runtime/Support/Error.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <complex>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

using namespace aegis;
using namespace aegis::ckks;

namespace {

using Clock = std::chrono::steady_clock;

double secondsSince(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

/// Time and calls per kernel of every backend it wraps (the CUDA backend
/// synchronises after each launch, so host time is kernel time plus the
/// launch).
struct KernelProfile {
  struct Entry {
    double seconds = 0;
    size_t calls = 0;
  };
  std::map<std::string, Entry> kernels;
  bool enabled = false;

  void reset() { kernels.clear(); }
};

KernelProfile &profile() {
  static KernelProfile p;
  return p;
}

/// Forwards every kernel to `inner`, timing each call when profiling is on.
class ProfilingBackend : public Backend {
public:
  ProfilingBackend(const RnsTables &tables, std::unique_ptr<Backend> inner)
      : Backend(tables), inner_(std::move(inner)) {}

  const char *name() const override { return inner_->name(); }
  uint64_t *allocate(size_t words) override { return inner_->allocate(words); }
  void deallocate(uint64_t *p, size_t words) override {
    inner_->deallocate(p, words);
  }
  void copyFromHost(uint64_t *d, const uint64_t *s, size_t w) override {
    timed("copyFromHost", [&] { inner_->copyFromHost(d, s, w); });
  }
  void copyToHost(uint64_t *d, const uint64_t *s, size_t w) override {
    timed("copyToHost", [&] { inner_->copyToHost(d, s, w); });
  }
  void copy(uint64_t *d, const uint64_t *s, size_t w) override {
    timed("copy", [&] { inner_->copy(d, s, w); });
  }
  void fillZero(uint64_t *d, size_t w) override {
    timed("fillZero", [&] { inner_->fillZero(d, w); });
  }
  void forwardNtt(uint64_t *d, ModuliSpan m) override {
    timed("forwardNtt", [&] { inner_->forwardNtt(d, m); });
  }
  void inverseNtt(uint64_t *d, ModuliSpan m) override {
    timed("inverseNtt", [&] { inner_->inverseNtt(d, m); });
  }
  void add(uint64_t *o, const uint64_t *a, const uint64_t *b,
           ModuliSpan m) override {
    timed("add", [&] { inner_->add(o, a, b, m); });
  }
  void sub(uint64_t *o, const uint64_t *a, const uint64_t *b,
           ModuliSpan m) override {
    timed("sub", [&] { inner_->sub(o, a, b, m); });
  }
  void negate(uint64_t *o, const uint64_t *a, ModuliSpan m) override {
    timed("negate", [&] { inner_->negate(o, a, m); });
  }
  void multiply(uint64_t *o, const uint64_t *a, const uint64_t *b,
                ModuliSpan m) override {
    timed("multiply", [&] { inner_->multiply(o, a, b, m); });
  }
  void multiplyAccumulate(uint64_t *o, const uint64_t *a, const uint64_t *b,
                          ModuliSpan m) override {
    timed("multiplyAccumulate", [&] { inner_->multiplyAccumulate(o, a, b, m); });
  }
  void multiplyScalar(uint64_t *o, const uint64_t *a, const uint64_t *s,
                      ModuliSpan m) override {
    timed("multiplyScalar", [&] { inner_->multiplyScalar(o, a, s, m); });
  }
  void addScalar(uint64_t *o, const uint64_t *a, const uint64_t *s,
                 ModuliSpan m) override {
    timed("addScalar", [&] { inner_->addScalar(o, a, s, m); });
  }
  void subtractAndScale(uint64_t *o, const uint64_t *a, const uint64_t *b,
                        const uint64_t *s, ModuliSpan m) override {
    timed("subtractAndScale",
          [&] { inner_->subtractAndScale(o, a, b, s, m); });
  }
  void switchModulus(uint64_t *o, ModuliSpan om, const uint64_t *in,
                     uint32_t im, uint64_t pre, const uint64_t *post) override {
    timed("switchModulus",
          [&] { inner_->switchModulus(o, om, in, im, pre, post); });
  }
  void baseConvert(uint64_t *o, ModuliSpan om, const uint64_t *in,
                   const BaseConverter &c, bool centered) override {
    timed("baseConvert", [&] { inner_->baseConvert(o, om, in, c, centered); });
  }
  void permute(uint64_t *o, const uint64_t *in, const uint32_t *p,
               size_t n) override {
    timed("permute", [&] { inner_->permute(o, in, p, n); });
  }
  void keyInnerProduct(uint64_t *o0, uint64_t *o1,
                       Span<const uint64_t *const> d,
                       Span<const uint64_t *const> b,
                       Span<const uint64_t *const> a, ModuliSpan m,
                       const uint32_t *p, bool acc) override {
    timed("keyInnerProduct",
          [&] { inner_->keyInnerProduct(o0, o1, d, b, a, m, p, acc); });
  }

private:
  template <typename F>
  void timed(const char *kernel, F &&f) {
    KernelProfile &prof = profile();
    if (!prof.enabled) {
      f();
      return;
    }
    Clock::time_point t0 = Clock::now();
    f();
    KernelProfile::Entry &e = prof.kernels[kernel];
    e.seconds += secondsSince(t0);
    ++e.calls;
  }

  std::unique_ptr<Backend> inner_;
};

struct Options {
  std::string backend = "cpu";
  unsigned logN = 16;
  unsigned reps = 5;
  std::string bootstrap = "all";
  std::string json;
  size_t bandwidthMiB = 1024;
};

[[noreturn]] void usage(const std::string &error) {
  std::fprintf(stderr, "AegisBackendBench: error: %s\n", error.c_str());
  std::fprintf(stderr,
               "usage: AegisBackendBench [--backend=cpu|cuda] [--log-n=12|14|16]"
               " [--reps=N] [--bootstrap=all|full|sparse|none]"
               " [--bandwidth-mib=M] [--json=FILE]\n");
  std::exit(2);
}

Options parse(int argc, char **argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&](const char *flag, std::string &out) {
      std::string prefix = std::string(flag) + "=";
      if (a.rfind(prefix, 0) != 0) {
        return false;
      }
      out = a.substr(prefix.size());
      return true;
    };
    auto number = [&](const std::string &v, const char *flag) {
      char *end = nullptr;
      unsigned long n = std::strtoul(v.c_str(), &end, 10);
      if (v.empty() || *end != '\0' || n == 0 || n > 1000000) {
        usage(std::string(flag) + " expects a positive integer, got '" + v +
              "'");
      }
      return size_t(n);
    };
    std::string v;
    if (value("--backend", v)) {
      if (v != "cpu" && v != "cuda") {
        usage("--backend expects cpu or cuda, got '" + v + "'");
      }
      o.backend = v;
    } else if (value("--log-n", v)) {
      o.logN = unsigned(number(v, "--log-n"));
      if (o.logN != 12 && o.logN != 14 && o.logN != 16) {
        usage("--log-n expects 12, 14 or 16, got '" + v + "'");
      }
    } else if (value("--reps", v)) {
      o.reps = unsigned(number(v, "--reps"));
    } else if (value("--bootstrap", v)) {
      if (v != "all" && v != "full" && v != "sparse" && v != "none") {
        usage("--bootstrap expects all, full, sparse or none, got '" + v + "'");
      }
      o.bootstrap = v;
    } else if (value("--bandwidth-mib", v)) {
      o.bandwidthMiB = number(v, "--bandwidth-mib");
    } else if (value("--json", v)) {
      o.json = v;
    } else {
      usage("unknown argument '" + a + "'");
    }
  }
  return o;
}

BackendFactory factoryFor(const std::string &backend) {
  return [backend](const RnsTables &tables) {
    std::unique_ptr<Backend> inner = backend == "cuda"
                                         ? createCudaBackend(tables)
                                         : createCpuBackend(tables);
    return std::unique_ptr<Backend>(
        new ProfilingBackend(tables, std::move(inner)));
  };
}

ParameterSpec opsSpec(unsigned logN) {
  ParameterSpec spec;
  spec.logDegree = logN;
  if (logN == 16) {
    // OpenFHE's 31-limb set, as in CkksBench: 60 + 30 x 40 + 8 x 60 = 1740.
    spec.chainBits = {60};
    spec.chainBits.insert(spec.chainBits.end(), 30, 40);
    spec.specialBits.assign(8, 60);
    spec.dnum = 3;
  } else if (logN == 14) {
    spec.chainBits = {54, 40, 40, 40, 40, 40, 40};
    spec.specialBits = {45, 45, 45};
    spec.dnum = 3;
  } else {
    spec.chainBits = {60, 40, 40, 40};
    spec.specialBits = {60};
    spec.dnum = 4;
    spec.allowInsecure = true;
  }
  return spec;
}

struct Result {
  std::string name;
  double medianSeconds = 0;
  double minSeconds = 0;
  double bytes = 0; // compulsory traffic
  std::map<std::string, KernelProfile::Entry> kernels; // one profiled run
};

/// One device word read back: forces completion on asynchronous backends.
void fence(const Context &context, const RnsPoly &p) {
  uint64_t w;
  context.backend().copyToHost(&w, p.data(), 1);
}

Result measure(const std::string &name, double bytes, unsigned reps,
               const std::function<void()> &body) {
  Result r;
  r.name = name;
  r.bytes = bytes;
  body(); // warm-up: pools, tables, caches
  std::vector<double> times;
  for (unsigned i = 0; i < reps; ++i) {
    Clock::time_point t0 = Clock::now();
    body();
    times.push_back(secondsSince(t0));
  }
  std::sort(times.begin(), times.end());
  r.medianSeconds = times[times.size() / 2];
  r.minSeconds = times.front();
  profile().reset();
  profile().enabled = true;
  body();
  profile().enabled = false;
  r.kernels = profile().kernels;
  std::fprintf(stderr, "  %-26s %10.3f ms\n", name.c_str(),
               r.medianSeconds * 1e3);
  return r;
}

/// Bytes per second of the backend's device-to-device copy (read + write).
double measureBandwidth(const ContextPtr &context, size_t mib) {
  Backend &b = context->backend();
  size_t words = mib * (size_t(1) << 20) / 8;
  uint64_t *src = b.allocate(words);
  uint64_t *dst = b.allocate(words);
  b.fillZero(src, words);
  b.copy(dst, src, words);
  std::vector<double> times;
  for (int i = 0; i < 10; ++i) {
    Clock::time_point t0 = Clock::now();
    b.copy(dst, src, words);
    uint64_t w;
    b.copyToHost(&w, dst, 1);
    times.push_back(secondsSince(t0));
  }
  b.deallocate(src, words);
  b.deallocate(dst, words);
  std::sort(times.begin(), times.end());
  return 2.0 * double(words) * 8.0 / times[times.size() / 2];
}

} // namespace

int main(int argc, char **argv) {
  Options opt = parse(argc, argv);
  try {
    if (opt.backend == "cuda") {
      std::string why;
      if (!cudaBackendAvailable(&why)) {
        std::fprintf(stderr, "AegisBackendBench: error: %s\n", why.c_str());
        return 1;
      }
    }
    std::vector<Result> results;
    ContextPtr context =
        Context::create(Parameters::create(opsSpec(opt.logN)),
                        factoryFor(opt.backend));
    const Parameters &params = context->params();
    const size_t n = context->degree();
    const double limb = double(n) * 8.0;
    const unsigned top = context->maxLevel();
    const double L = top + 1, K = params.numSpecial(), D = params.dnum();
    std::fprintf(stderr,
                 "AegisBackendBench: backend %s, N=2^%u, L+1=%u, K=%u, dnum=%u, "
                 "log QP %.0f%s\n",
                 context->backend().name(), opt.logN, unsigned(L), unsigned(K),
                 unsigned(D), params.logQP(),
                 params.meetsSecurityBound() ? "" : " (INSECURE)");
    double bandwidth = measureBandwidth(context, opt.bandwidthMiB);
    std::fprintf(stderr, "  device copy bandwidth      %10.1f GB/s\n",
                 bandwidth / 1e9);

    KeyGenerator keygen(context, seedFromInteger(1));
    RelinKey relin = keygen.createRelinKey();
    std::vector<long> steps = {1, 2, 3, 4, 5, 6, 7, 8};
    GaloisKeys galois = keygen.createGaloisKeys(steps);
    Encoder encoder(context);
    Encryptor encryptor(context, keygen.secretKey(), seedFromInteger(2));
    Evaluator ev(context);
    std::vector<std::complex<double>> values(n / 2);
    for (size_t i = 0; i < values.size(); ++i) {
      values[i] = {std::sin(double(i)), std::cos(double(i))};
    }
    double scale = params.defaultScale();
    Ciphertext x = encryptor.encrypt(encoder.encode(values, top, scale));
    Ciphertext y = encryptor.encrypt(encoder.encode(values, top, scale));
    std::vector<uint32_t> moduli(top + 1);
    for (unsigned k = 0; k <= top; ++k) {
      moduli[k] = k;
    }
    ModuliSpan all(moduli.data(), moduli.size());
    const double ct = 2 * L * limb;         // a ciphertext at the top level
    const double key = 2 * D * (L + K) * limb; // a key switching key at top

    RnsPoly scratch = x[0];
    results.push_back(measure("ntt_forward", 2 * L * limb, opt.reps, [&] {
      context->backend().forwardNtt(scratch.data(), all);
      fence(*context, scratch);
    }));
    results.push_back(measure("ntt_inverse", 2 * L * limb, opt.reps, [&] {
      context->backend().inverseNtt(scratch.data(), all);
      fence(*context, scratch);
    }));
    results.push_back(
        measure("multiply_relinearize", 2 * ct + key + ct, opt.reps, [&] {
          Ciphertext r = ev.multiplyRelin(x, y, relin);
          fence(*context, r[0]);
        }));
    results.push_back(measure("rotate", ct + key + ct, opt.reps, [&] {
      Ciphertext r = ev.rotate(x, 1, galois);
      fence(*context, r[0]);
    }));
    results.push_back(
        measure("rescale", ct + 2 * (L - 1) * limb, opt.reps, [&] {
          Ciphertext r = ev.rescale(x);
          fence(*context, r[0]);
        }));
    results.push_back(
        measure("hoisted_8_rotations", ct + 8 * key + 8 * ct, opt.reps, [&] {
          std::vector<Ciphertext> r = ev.rotateHoisted(x, steps, galois);
          fence(*context, r.back()[0]);
        }));

    std::vector<std::pair<std::string, std::string>> boots;
    bool big = opt.logN == 16;
    if (opt.bootstrap == "all" || opt.bootstrap == "full") {
      boots.push_back({"bootstrap_full", big ? "n16-full" : "toy-n12"});
    }
    if (opt.bootstrap == "all" || opt.bootstrap == "sparse") {
      boots.push_back({"bootstrap_sparse", big ? "n16-sparse" : "toy-n10-sparse"});
    }
    for (const auto &[label, presetName] : boots) {
      const BootstrapPreset &preset = bootstrapPreset(presetName);
      ContextPtr bctx = Context::create(Parameters::create(preset.spec),
                                        factoryFor(opt.backend));
      KeyGenerator bkeygen(bctx, seedFromInteger(3));
      Encoder benc(bctx);
      Encryptor bencryptor(bctx, bkeygen.secretKey(), seedFromInteger(4));
      auto plan = std::make_shared<BootstrapPlan>(bctx, preset.config);
      Clock::time_point k0 = Clock::now();
      auto keys =
          generateBootstrapKeys(*plan, bkeygen.secretKey(), seedFromInteger(5));
      std::fprintf(stderr, "  %s keys: %.1f MB in %.1f s\n", presetName.c_str(),
                   double(keys->memoryBytes()) / 1e6, secondsSince(k0));
      Bootstrapper bootstrapper(plan, keys);
      std::vector<std::complex<double>> bv(plan->slots());
      for (size_t i = 0; i < bv.size(); ++i) {
        bv[i] = {0.5 * std::sin(double(i)), 0.25 * std::cos(double(i))};
      }
      Ciphertext in = bencryptor.encrypt(benc.encode(
          bv, 1, plan->inputScale() * double(bctx->modulus(1).value),
          plan->slots()));
      bootstrapper.evaluator().evaluator().rescaleInPlace(in);
      in.setScale(plan->inputScale());
      double inBytes = 2.0 * double(bctx->degree()) * 8.0;
      double outBytes = 2.0 * double(plan->outputLevel() + 1) *
                        double(bctx->degree()) * 8.0;
      // Every key and cached diagonal read once, input and output once.
      double bytes = double(keys->memoryBytes()) +
                     double(plan->cachedDiagonalBytes()) + inBytes + outBytes;
      std::string name = label + "_" + presetName;
      results.push_back(measure(name, bytes, opt.reps, [&] {
        Ciphertext out = bootstrapper.bootstrap(in);
        fence(*bctx, out[0]);
      }));
    }

    std::printf("backend %s, N=2^%u, L+1=%u, K=%u, dnum=%u; measured copy "
                "bandwidth %.1f GB/s\n",
                context->backend().name(), opt.logN, unsigned(L), unsigned(K),
                unsigned(D), bandwidth / 1e9);
    std::printf("%-34s %12s %12s %12s %8s\n", "operation", "median ms",
                "bytes (MB)", "bound ms", "ratio");
    for (const Result &r : results) {
      double bound = r.bytes / bandwidth;
      std::printf("%-34s %12.3f %12.1f %12.4f %8.1f\n", r.name.c_str(),
                  r.medianSeconds * 1e3, r.bytes / 1e6, bound * 1e3,
                  r.medianSeconds / bound);
    }
    std::printf("\nper kernel (one run each):\n");
    for (const Result &r : results) {
      std::printf("%s:", r.name.c_str());
      std::vector<std::pair<double, std::string>> order;
      for (const auto &[k, e] : r.kernels) {
        order.push_back({e.seconds, k});
      }
      std::sort(order.rbegin(), order.rend());
      for (const auto &[s, k] : order) {
        std::printf(" %s %.3f ms/%zu", k.c_str(), s * 1e3, r.kernels.at(k).calls);
      }
      std::printf("\n");
    }

    if (!opt.json.empty()) {
      std::ofstream out(opt.json);
      if (!out) {
        std::fprintf(stderr, "AegisBackendBench: error: cannot write '%s'\n",
                     opt.json.c_str());
        return 1;
      }
      nlohmann::ordered_json operations = nlohmann::ordered_json::array();
      for (const Result &r : results) {
        nlohmann::ordered_json kernels = nlohmann::ordered_json::object();
        for (const auto &[k, e] : r.kernels) {
          kernels[k] = {{"s", e.seconds}, {"calls", e.calls}};
        }
        operations.push_back({{"name", r.name},
                              {"median_s", r.medianSeconds},
                              {"min_s", r.minSeconds},
                              {"bytes", r.bytes},
                              {"bound_s", r.bytes / bandwidth},
                              {"kernels", kernels}});
      }
      nlohmann::ordered_json json = {
          {"backend", context->backend().name()},
          {"log_n", opt.logN},
          {"limbs", unsigned(L)},
          {"special", unsigned(K)},
          {"dnum", unsigned(D)},
          {"copy_bandwidth_bytes_per_s", bandwidth},
          {"operations", operations}};
      out << json.dump(2) << "\n";
    }
  } catch (const std::exception &e) {
    std::fprintf(stderr, "AegisBackendBench: error: %s\n", e.what());
    return 1;
  }
  return 0;
}
