// Every kernel of the CUDA backend against the CPU backend on the same
// inputs: the bits must agree. Labelled "gpu"; skipped without a device.
#include "CudaTestUtil.h"

#include "aegis/Runtime/Backend/CudaBackend.h"
#include "aegis/Runtime/CKKS/Context.h"
#include "aegis/Runtime/Support/Error.h"

#include <gtest/gtest.h>

#include <random>
#include <vector>

using namespace aegis;
using namespace aegis::ckks;

namespace {

class CudaBackendTest : public ::testing::TestWithParam<unsigned> {
protected:
  void SetUp() override {
    std::string why;
    if (!test::deviceSideAvailable(&why))
      GTEST_SKIP() << why;
    ParameterSpec spec;
    spec.logDegree = GetParam();
    spec.chainBits = {60, 50, 50, 50, 50};
    spec.specialBits = {60, 60};
    spec.dnum = 3;
    spec.allowInsecure = true;
    context = Context::create(Parameters::create(spec));
    cpu = &context->backend();
    gpu = test::createDeviceSideBackend(context->tables());
    n = context->degree();
  }

  /// Random canonical residues for the limbs `moduli`.
  std::vector<uint64_t> random(ModuliSpan moduli, uint64_t seed) {
    std::mt19937_64 rng(seed);
    std::vector<uint64_t> v(moduli.size() * n);
    for (size_t k = 0; k < moduli.size(); ++k)
      for (size_t i = 0; i < n; ++i)
        v[k * n + i] = rng() % context->modulus(moduli[k]).value;
    return v;
  }

  /// Runs `op` on both backends on copies of `inputs` and compares the
  /// `outputIndex`-th buffer.
  void same(const std::vector<std::vector<uint64_t>> &inputs,
            const std::function<void(Backend &, std::vector<uint64_t *> &)> &op,
            const std::vector<size_t> &outputs, const char *what) {
    std::vector<uint64_t *> c, g;
    for (const auto &in : inputs) {
      uint64_t *pc = cpu->allocate(in.size());
      cpu->copyFromHost(pc, in.data(), in.size());
      c.push_back(pc);
      uint64_t *pg = gpu->allocate(in.size());
      gpu->copyFromHost(pg, in.data(), in.size());
      g.push_back(pg);
    }
    op(*cpu, c);
    op(*gpu, g);
    for (size_t o : outputs) {
      std::vector<uint64_t> a(inputs[o].size()), b(inputs[o].size());
      cpu->copyToHost(a.data(), c[o], a.size());
      gpu->copyToHost(b.data(), g[o], b.size());
      for (size_t i = 0; i < a.size(); ++i)
        ASSERT_EQ(a[i], b[i]) << what << ": word " << i;
    }
    for (size_t i = 0; i < inputs.size(); ++i) {
      cpu->deallocate(c[i], inputs[i].size());
      gpu->deallocate(g[i], inputs[i].size());
    }
  }

  ContextPtr context;
  Backend *cpu = nullptr;
  std::unique_ptr<Backend> gpu;
  size_t n = 0;
};

TEST_P(CudaBackendTest, NttBothWays) {
  ModuliSpan all = context->extendedIndices(context->maxLevel());
  auto x = random(all, 1);
  same({x}, [&](Backend &b, auto &p) { b.forwardNtt(p[0], all); }, {0},
       "forward NTT");
  same({x}, [&](Backend &b, auto &p) { b.inverseNtt(p[0], all); }, {0},
       "inverse NTT");
}

TEST_P(CudaBackendTest, ElementWise) {
  ModuliSpan chain = context->chainIndices(context->maxLevel());
  auto a = random(chain, 2), b = random(chain, 3), o = random(chain, 4);
  std::vector<uint64_t> scalars;
  for (size_t k = 0; k < chain.size(); ++k)
    scalars.push_back((k * 7919 + 13) % context->modulus(chain[k]).value);
  const uint64_t *s = scalars.data();
  same({a, b, o}, [&](Backend &be, auto &p) { be.add(p[2], p[0], p[1], chain); }, {2}, "add");
  same({a, b, o}, [&](Backend &be, auto &p) { be.sub(p[2], p[0], p[1], chain); }, {2}, "sub");
  same({a, o}, [&](Backend &be, auto &p) { be.negate(p[1], p[0], chain); }, {1}, "negate");
  same({a, b, o}, [&](Backend &be, auto &p) { be.multiply(p[2], p[0], p[1], chain); }, {2}, "multiply");
  same({a, b, o}, [&](Backend &be, auto &p) { be.multiplyAccumulate(p[2], p[0], p[1], chain); }, {2}, "multiply-accumulate");
  same({a, o}, [&](Backend &be, auto &p) { be.multiplyScalar(p[1], p[0], s, chain); }, {1}, "multiply scalar");
  same({a, o}, [&](Backend &be, auto &p) { be.addScalar(p[1], p[0], s, chain); }, {1}, "add scalar");
  same({a, b, o}, [&](Backend &be, auto &p) { be.subtractAndScale(p[2], p[0], p[1], s, chain); }, {2}, "subtract and scale");
  // In place (out aliases an input).
  same({a, b}, [&](Backend &be, auto &p) { be.multiply(p[0], p[0], p[1], chain); }, {0}, "multiply in place");
}

TEST_P(CudaBackendTest, RnsKernels) {
  unsigned level = context->maxLevel();
  ModuliSpan chain = context->chainIndices(level - 1);
  ModuliSpan ext = context->extendedIndices(level);
  auto top = random(context->chainIndices(0), 5);
  auto out = random(chain, 6);
  std::vector<uint64_t> post(chain.size());
  for (size_t k = 0; k < post.size(); ++k)
    post[k] = (k * 31 + 7) % context->modulus(chain[k]).value;
  same({top, out}, [&](Backend &b, auto &p) {
    b.switchModulus(p[1], chain, p[0], level, 12345, post.data());
  }, {1}, "switch modulus");

  const BaseConverter &conv = context->modUpConverter(0, context->digitSize());
  std::vector<uint32_t> src(conv.sourceIndices());
  auto in = random(ModuliSpan(src), 7);
  auto res = random(ext, 8);
  same({in, res}, [&](Backend &b, auto &p) { b.baseConvert(p[1], ext, p[0], conv, false); },
       {1}, "base conversion");
  same({in, res}, [&](Backend &b, auto &p) { b.baseConvert(p[1], ext, p[0], conv, true); },
       {1}, "centered base conversion");

  const auto &perm = context->galoisPermutation(context->galoisElementForRotation(3));
  auto x = random(ext, 9), y = random(ext, 10);
  same({x, y}, [&](Backend &b, auto &p) { b.permute(p[1], p[0], perm.data(), ext.size()); },
       {1}, "permute");
}

TEST_P(CudaBackendTest, KeyInnerProduct) {
  unsigned level = context->maxLevel();
  ModuliSpan ext = context->extendedIndices(level);
  unsigned digits = context->numDigits(level);
  std::vector<std::vector<uint64_t>> bufs;
  for (unsigned j = 0; j < 3 * digits; ++j)
    bufs.push_back(random(ext, 20 + j));
  bufs.push_back(random(ext, 90));
  bufs.push_back(random(ext, 91));
  const auto &perm = context->galoisPermutation(context->conjugationElement());
  for (bool accumulate : {false, true})
    for (const uint32_t *p : {(const uint32_t *)nullptr, perm.data()})
      same(bufs, [&](Backend &b, std::vector<uint64_t *> &ptr) {
        std::vector<const uint64_t *> d, kb, ka;
        for (unsigned j = 0; j < digits; ++j) {
          d.push_back(ptr[j]);
          kb.push_back(ptr[digits + j]);
          ka.push_back(ptr[2 * digits + j]);
        }
        b.keyInnerProduct(ptr[3 * digits], ptr[3 * digits + 1],
                          Span<const uint64_t *const>(d.data(), d.size()),
                          Span<const uint64_t *const>(kb.data(), kb.size()),
                          Span<const uint64_t *const>(ka.data(), ka.size()),
                          ext, p, accumulate);
      }, {3 * digits, 3 * digits + 1}, "key inner product");
}

INSTANTIATE_TEST_SUITE_P(Degrees, CudaBackendTest, ::testing::Values(10u, 12u, 14u));

TEST(CudaBackendAvailability, ClearErrorWithoutDevice) {
  std::string why;
  if (cudaBackendAvailable(&why))
    GTEST_SKIP() << "a CUDA device is available";
  EXPECT_FALSE(why.empty());
  RnsTables tables;
  try {
    createCudaBackend(tables);
    FAIL() << "createCudaBackend succeeded without a device";
  } catch (const Error &e) {
    EXPECT_NE(std::string(e.what()).find("the CUDA backend is not available"),
              std::string::npos)
        << e.what();
  }
}

} // namespace
