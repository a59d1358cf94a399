//===- CudaEvaluatorTest.cpp - Whole CKKS operations, CUDA against CPU ----===//
//
// The same keys, encryptions and evaluator operations on a CPU context and a
// CUDA context built from the same parameters and seeds: every ciphertext,
// key and decrypted plaintext must agree word for word. Above the kernels
// this checks that nothing in the CKKS layer depends on where memory lives.
// Bootstrapping is compared at toy sizes and at N = 2^16 (the n16 presets).
// Labelled "gpu"; every test skips itself where no CUDA device is visible
// (AEGIS_GPU_TEST_STANDIN=cpu runs the harness with a CPU stand-in).
//
//===----------------------------------------------------------------------===//

#include "../CkksTestUtil.h"
#include "CudaTestUtil.h"

#include "aegis/Runtime/Backend/CudaBackend.h"
#include "aegis/Runtime/Bootstrap/BootstrapKeys.h"
#include "aegis/Runtime/Bootstrap/Bootstrapper.h"
#include "aegis/Runtime/CKKS/Context.h"
#include "aegis/Runtime/CKKS/Encoder.h"
#include "aegis/Runtime/CKKS/Encryptor.h"
#include "aegis/Runtime/CKKS/Evaluator.h"
#include "aegis/Runtime/CKKS/Keys.h"
#include "aegis/Runtime/Support/Error.h"

#include <gtest/gtest.h>

#include <cmath>
#include <complex>
#include <cstring>
#include <map>
#include <string>
#include <vector>

using namespace aegis;
using namespace aegis::ckks;

namespace {

using Words = std::vector<uint64_t>;
using Results = std::map<std::string, Words>;

Words wordsOf(const RnsPoly &p) {
  Words w(p.numLimbs() * p.degree());
  p.backend()->copyToHost(w.data(), p.data(), w.size());
  return w;
}

Words wordsOf(const Ciphertext &ct) {
  Words all;
  for (unsigned i = 0; i < ct.size(); ++i) {
    Words w = wordsOf(ct[i]);
    all.insert(all.end(), w.begin(), w.end());
  }
  return all;
}

Words wordsOf(const KeySwitchKey &key) {
  Words all;
  for (unsigned j = 0; j < key.numDigits(); ++j) {
    for (const RnsPoly *p : {&key.b(j), &key.a(j)}) {
      Words w = wordsOf(*p);
      all.insert(all.end(), w.begin(), w.end());
    }
  }
  return all;
}

std::vector<std::complex<double>> values(size_t n, double phase) {
  std::vector<std::complex<double>> v(n);
  for (size_t i = 0; i < n; ++i) {
    v[i] = {std::sin(double(i) + phase), std::cos(0.5 * double(i) - phase)};
  }
  return v;
}

BackendFactory factoryFor(bool cuda) {
  if (!cuda) {
    return nullptr;
  }
  return [](const RnsTables &tables) {
    return test::createDeviceSideBackend(tables);
  };
}

/// Every evaluator operation once, on the backend `cuda` selects; the words
/// of each result by name.
Results runOperations(const ParameterSpec &spec, bool cuda) {
  ContextPtr context = Context::create(Parameters::create(spec), factoryFor(cuda));
  Results r;
  KeyGenerator keygen(context, seedFromInteger(11));
  RelinKey relin = keygen.createRelinKey();
  GaloisKeys galois = keygen.createGaloisKeys({1, 2, 5, -3}, true);
  r["key.relin"] = wordsOf(relin.key());
  r["key.galois.1"] = wordsOf(galois.keys().begin()->second);
  Encoder encoder(context);
  Encryptor secretEnc(context, keygen.secretKey(), seedFromInteger(12));
  Encryptor publicEnc(context, keygen.createPublicKey(), seedFromInteger(13));
  Decryptor decryptor(context, keygen.secretKey());
  Evaluator ev(context);

  size_t slots = context->degree() / 2;
  unsigned top = context->maxLevel();
  double scale = context->params().defaultScale();
  Plaintext px = encoder.encode(values(slots, 0.1), top, scale);
  Plaintext py = encoder.encode(values(slots, 0.7), top, scale);
  r["encode"] = wordsOf(px.poly());
  Ciphertext x = secretEnc.encrypt(px);
  Ciphertext y = publicEnc.encrypt(py);
  r["encrypt.secret"] = wordsOf(x);
  r["encrypt.public"] = wordsOf(y);

  r["add"] = wordsOf(ev.add(x, y));
  r["sub"] = wordsOf(ev.sub(x, y));
  r["negate"] = wordsOf(ev.negate(x));
  r["add_plain"] = wordsOf(ev.addPlain(x, py));
  r["mul_plain"] = wordsOf(ev.multiplyPlain(x, py));
  r["add_const"] = wordsOf(ev.addConstant(x, {0.25, -1.5}));
  r["mul_int"] = [&] {
    Ciphertext c = x;
    ev.multiplyIntegerInPlace(c, -7);
    return wordsOf(c);
  }();
  Ciphertext prod = ev.multiply(x, y);
  r["multiply"] = wordsOf(prod);
  Ciphertext relinearized = ev.relinearize(prod, relin);
  r["relinearize"] = wordsOf(relinearized);
  Ciphertext rescaled = ev.rescale(relinearized);
  r["rescale"] = wordsOf(rescaled);
  r["square_relin_rescale"] =
      wordsOf(ev.rescale(ev.relinearize(ev.square(y), relin)));
  r["drop_level"] = wordsOf(ev.dropToLevel(x, top - 2));
  r["rotate.1"] = wordsOf(ev.rotate(x, 1, galois));
  r["rotate.-3"] = wordsOf(ev.rotate(rescaled, -3, galois));
  r["conjugate"] = wordsOf(ev.conjugate(x, galois));
  std::vector<Ciphertext> hoisted = ev.rotateHoisted(y, {1, 2, 5}, galois);
  for (size_t i = 0; i < hoisted.size(); ++i) {
    r["hoisted." + std::to_string(i)] = wordsOf(hoisted[i]);
  }
  r["rotate_sum"] = wordsOf(ev.rotateAndSum({&x, &y, &x}, {1, 2, 0}, galois));
  Plaintext dec = decryptor.decrypt(rescaled);
  r["decrypt"] = wordsOf(dec.poly());
  // The decoded values too (decoding is host code fed by backend memory).
  std::vector<std::complex<double>> decoded = encoder.decode(dec);
  Words bits(2 * decoded.size());
  for (size_t i = 0; i < decoded.size(); ++i) {
    double re = decoded[i].real(), im = decoded[i].imag();
    std::memcpy(&bits[2 * i], &re, 8);
    std::memcpy(&bits[2 * i + 1], &im, 8);
  }
  r["decode"] = bits;
  return r;
}

void expectSame(const Results &cpu, const Results &gpu) {
  ASSERT_EQ(cpu.size(), gpu.size());
  for (const auto &[name, words] : cpu) {
    auto it = gpu.find(name);
    ASSERT_NE(it, gpu.end()) << name;
    ASSERT_EQ(words.size(), it->second.size()) << name;
    size_t differing = 0, first = words.size();
    for (size_t i = 0; i < words.size(); ++i) {
      if (words[i] != it->second[i]) {
        ++differing;
        first = std::min(first, i);
      }
    }
    EXPECT_EQ(differing, 0u) << name << ": " << differing << " of "
                             << words.size() << " words differ, first at "
                             << first;
  }
}

struct OpsCase {
  const char *name;
  ParameterSpec spec;
};

void PrintTo(const OpsCase &c, std::ostream *os) { *os << c.name; }

class CudaEvaluatorTest : public ::testing::TestWithParam<OpsCase> {
protected:
  void SetUp() override {
    std::string why;
    if (!test::deviceSideAvailable(&why)) {
      GTEST_SKIP() << why;
    }
  }
};

TEST_P(CudaEvaluatorTest, EveryOperationBitExact) {
  Results cpu = runOperations(GetParam().spec, false);
  Results gpu = runOperations(GetParam().spec, true);
  expectSame(cpu, gpu);
}

INSTANTIATE_TEST_SUITE_P(
    Params, CudaEvaluatorTest,
    ::testing::Values(
        // Toy: one limb per digit.
        OpsCase{"toy12", test::makeSpec(12, {60, 40, 40, 40}, {60}, 4, true)},
        // 128-bit at 2^14: 54 + 6 x 40 + 3 x 45 = 429 <= 438, dnum 3.
        OpsCase{"n14", test::makeSpec(14, {54, 40, 40, 40, 40, 40, 40},
                              {45, 45, 45}, 3, false)},
        // 128-bit at 2^16, the bench's full chain: 60 + 30 x 40 + 8 x 60.
        OpsCase{"n16", test::makeSpec(16, [] {
                                std::vector<unsigned> c = {60};
                                c.insert(c.end(), 30, 40);
                                return c;
                              }(),
                              std::vector<unsigned>(8, 60), 3, false)}),
    [](const ::testing::TestParamInfo<OpsCase> &info) {
      return std::string(info.param.name);
    });

/// Bootstraps one ciphertext with the preset on the selected backend; the
/// output words, and its precision checked on the way.
Words bootstrapOn(const BootstrapPreset &preset, bool cuda) {
  ContextPtr context =
      Context::create(Parameters::create(preset.spec), factoryFor(cuda));
  KeyGenerator keygen(context, seedFromInteger(21));
  Encoder encoder(context);
  Encryptor encryptor(context, keygen.secretKey(), seedFromInteger(22));
  auto plan = std::make_shared<BootstrapPlan>(context, preset.config);
  auto keys =
      generateBootstrapKeys(*plan, keygen.secretKey(), seedFromInteger(23));
  Bootstrapper bootstrapper(plan, keys);
  std::vector<std::complex<double>> in = values(plan->slots(), 0.3);
  for (auto &v : in) {
    v *= 0.5;
  }
  // Level 0 at the plan's input scale, as a computation leaves it:
  // encrypted at level 1 and rescaled.
  Ciphertext ct = encryptor.encrypt(encoder.encode(
      in, 1, plan->inputScale() * double(context->modulus(1).value),
      plan->slots()));
  bootstrapper.evaluator().evaluator().rescaleInPlace(ct);
  ct.setScale(plan->inputScale());
  Ciphertext out = bootstrapper.bootstrap(ct);
  Decryptor decryptor(context, keygen.secretKey());
  std::vector<std::complex<double>> got =
      encoder.decode(decryptor.decrypt(out));
  double worst = 0;
  for (size_t i = 0; i < in.size(); ++i) {
    worst = std::max(worst, std::abs(got[i] - in[i]));
  }
  EXPECT_LT(worst, 1e-2) << preset.name << " on "
                         << context->backend().name();
  return wordsOf(out);
}

class CudaBootstrapTest : public ::testing::TestWithParam<const char *> {
protected:
  void SetUp() override {
    std::string why;
    if (!test::deviceSideAvailable(&why)) {
      GTEST_SKIP() << why;
    }
  }
};

TEST_P(CudaBootstrapTest, BitExact) {
  const BootstrapPreset &preset = bootstrapPreset(GetParam());
  Words cpu = bootstrapOn(preset, false);
  Words gpu = bootstrapOn(preset, true);
  ASSERT_EQ(cpu.size(), gpu.size());
  size_t differing = 0;
  for (size_t i = 0; i < cpu.size(); ++i) {
    differing += cpu[i] != gpu[i];
  }
  EXPECT_EQ(differing, 0u) << GetParam() << ": " << differing << " of "
                           << cpu.size() << " words differ";
}

INSTANTIATE_TEST_SUITE_P(Presets, CudaBootstrapTest,
                         ::testing::Values("toy-n10-sparse", "toy-n12",
                                           "n16-sparse", "n16-full"),
                         [](const ::testing::TestParamInfo<const char *> &i) {
                           std::string s = i.param;
                           for (char &c : s) {
                             if (c == '-') {
                               c = '_';
                             }
                           }
                           return s;
                         });

} // namespace
