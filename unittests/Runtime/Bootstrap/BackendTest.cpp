//===- BackendTest.cpp - Bootstrapping touches memory only via Backend ----===//
//
// A backend whose buffers live at disguised addresses (host memory shifted
// by a constant far outside the address space) forwards every kernel to the
// CPU backend. Bootstrapping on it gives the CPU result bit for bit, so no
// code above the Backend interface reads or writes polynomial memory
// directly: a device backend runs the same bootstrapping.
//
//===----------------------------------------------------------------------===//

#include "BootstrapTestUtil.h"

#include <gtest/gtest.h>

#include <atomic>
#include <map>

using namespace aegis;
using namespace aegis::ckks;
using namespace aegis::ckks::test;

namespace {

class DisguisedBackend : public Backend {
public:
  static constexpr uintptr_t kShift = uintptr_t(1) << 62;

  explicit DisguisedBackend(const RnsTables &tables)
      : Backend(tables), inner_(createCpuBackend(tables)) {}

  const char *name() const override { return "disguised-cpu"; }
  size_t kernelCalls() const { return calls_; }

  uint64_t *allocate(size_t words) override {
    return hide(inner_->allocate(words));
  }
  void deallocate(uint64_t *ptr, size_t words) override {
    inner_->deallocate(show(ptr), words);
  }
  void copyFromHost(uint64_t *dst, const uint64_t *src, size_t words) override {
    inner_->copyFromHost(show(dst), src, words);
  }
  void copyToHost(uint64_t *dst, const uint64_t *src, size_t words) override {
    inner_->copyToHost(dst, show(src), words);
  }
  void copy(uint64_t *dst, const uint64_t *src, size_t words) override {
    inner_->copy(show(dst), show(src), words);
  }
  void fillZero(uint64_t *dst, size_t words) override {
    inner_->fillZero(show(dst), words);
  }
  void forwardNtt(uint64_t *data, ModuliSpan moduli) override {
    ++calls_;
    inner_->forwardNtt(show(data), moduli);
  }
  void inverseNtt(uint64_t *data, ModuliSpan moduli) override {
    ++calls_;
    inner_->inverseNtt(show(data), moduli);
  }
  void add(uint64_t *out, const uint64_t *a, const uint64_t *b,
           ModuliSpan moduli) override {
    ++calls_;
    inner_->add(show(out), show(a), show(b), moduli);
  }
  void sub(uint64_t *out, const uint64_t *a, const uint64_t *b,
           ModuliSpan moduli) override {
    ++calls_;
    inner_->sub(show(out), show(a), show(b), moduli);
  }
  void negate(uint64_t *out, const uint64_t *a, ModuliSpan moduli) override {
    ++calls_;
    inner_->negate(show(out), show(a), moduli);
  }
  void multiply(uint64_t *out, const uint64_t *a, const uint64_t *b,
                ModuliSpan moduli) override {
    ++calls_;
    inner_->multiply(show(out), show(a), show(b), moduli);
  }
  void multiplyAccumulate(uint64_t *out, const uint64_t *a, const uint64_t *b,
                          ModuliSpan moduli) override {
    ++calls_;
    inner_->multiplyAccumulate(show(out), show(a), show(b), moduli);
  }
  void multiplyScalar(uint64_t *out, const uint64_t *a, const uint64_t *scalars,
                      ModuliSpan moduli) override {
    ++calls_;
    inner_->multiplyScalar(show(out), show(a), scalars, moduli);
  }
  void addScalar(uint64_t *out, const uint64_t *a, const uint64_t *scalars,
                 ModuliSpan moduli) override {
    ++calls_;
    inner_->addScalar(show(out), show(a), scalars, moduli);
  }
  void subtractAndScale(uint64_t *out, const uint64_t *a, const uint64_t *b,
                        const uint64_t *scalars, ModuliSpan moduli) override {
    ++calls_;
    inner_->subtractAndScale(show(out), show(a), show(b), scalars, moduli);
  }
  void switchModulus(uint64_t *out, ModuliSpan outModuli, const uint64_t *in,
                     uint32_t inModulus, uint64_t preAdd,
                     const uint64_t *postSub) override {
    ++calls_;
    inner_->switchModulus(show(out), outModuli, show(in), inModulus, preAdd,
                          postSub);
  }
  void baseConvert(uint64_t *out, ModuliSpan outModuli, const uint64_t *in,
                   const BaseConverter &converter, bool centered) override {
    ++calls_;
    inner_->baseConvert(show(out), outModuli, show(in), converter, centered);
  }
  void permute(uint64_t *out, const uint64_t *in, const uint32_t *permutation,
               size_t numLimbs) override {
    ++calls_;
    inner_->permute(show(out), show(in), permutation, numLimbs);
  }
  void keyInnerProduct(uint64_t *out0, uint64_t *out1,
                       Span<const uint64_t *const> digits,
                       Span<const uint64_t *const> keyB,
                       Span<const uint64_t *const> keyA, ModuliSpan moduli,
                       const uint32_t *permutation, bool accumulate) override {
    ++calls_;
    auto reveal = [](Span<const uint64_t *const> ptrs) {
      std::vector<const uint64_t *> out;
      for (const uint64_t *p : ptrs) {
        out.push_back(show(p));
      }
      return out;
    };
    std::vector<const uint64_t *> d = reveal(digits), b = reveal(keyB),
                                  a = reveal(keyA);
    inner_->keyInnerProduct(
        show(out0), show(out1), Span<const uint64_t *const>(d),
        Span<const uint64_t *const>(b), Span<const uint64_t *const>(a), moduli,
        permutation, accumulate);
  }

private:
  template <typename T>
  static T *hide(T *p) {
    return p == nullptr
               ? p
               : reinterpret_cast<T *>(reinterpret_cast<uintptr_t>(p) + kShift);
  }
  template <typename T>
  static T *show(T *p) {
    return p == nullptr
               ? p
               : reinterpret_cast<T *>(reinterpret_cast<uintptr_t>(p) - kShift);
  }

  std::unique_ptr<Backend> inner_;
  std::atomic<size_t> calls_{0};
};

/// Bootstraps the same input on the CPU backend and on the disguised one.
std::vector<uint64_t> bootstrapOn(bool disguised, size_t *calls) {
  const BootstrapPreset &preset = bootstrapPreset("toy-n10-sparse");
  DisguisedBackend *backend = nullptr;
  BackendFactory factory = nullptr;
  if (disguised) {
    factory = [&backend](const RnsTables &tables) {
      auto b = std::make_unique<DisguisedBackend>(tables);
      backend = b.get();
      return std::unique_ptr<Backend>(std::move(b));
    };
  }
  ContextPtr context =
      Context::create(Parameters::create(preset.spec), factory);
  KeyGenerator keygen(context, seedFromInteger(1));
  Encoder encoder(context);
  Encryptor encryptor(context, keygen.secretKey(), seedFromInteger(2));
  auto plan = std::make_shared<BootstrapPlan>(context, preset.config);
  auto keys =
      generateBootstrapKeys(*plan, keygen.secretKey(), seedFromInteger(3));
  Bootstrapper bootstrapper(plan, keys);
  std::vector<Complex> values = randomValues(plan->slots(), 4);
  Ciphertext ct = encryptor.encrypt(
      encoder.encode(values, 3, std::ldexp(1.0, 40), plan->slots()));
  Ciphertext out = bootstrapper.bootstrap(ct);
  std::vector<uint64_t> host(out[0].numWords() + out[1].numWords());
  context->backend().copyToHost(host.data(), out[0].data(), out[0].numWords());
  context->backend().copyToHost(host.data() + out[0].numWords(), out[1].data(),
                                out[1].numWords());
  Decryptor decryptor(context, keygen.secretKey());
  EXPECT_GT(
      measurePrecision(values, encoder.decode(decryptor.decrypt(out))).meanBits,
      20.0);
  if (backend != nullptr) {
    *calls = backend->kernelCalls();
  }
  return host;
}

TEST(BootstrapBackend, RunsOnlyThroughTheBackendInterface) {
  size_t calls = 0;
  std::vector<uint64_t> reference = bootstrapOn(false, nullptr);
  std::vector<uint64_t> disguised = bootstrapOn(true, &calls);
  EXPECT_GT(calls, 1000u);
  EXPECT_EQ(reference, disguised);
}

} // namespace
