//===- BootstrapKeys.cpp - Level-limited keys of bootstrapping ------------===//

#include "aegis/Runtime/Bootstrap/BootstrapKeys.h"

#include "aegis/Runtime/CKKS/Sampling.h"
#include "aegis/Runtime/Support/Error.h"

namespace aegis {
namespace ckks {

namespace {
// Children of a key's seed: the uniform part, the noise, the ephemeral secret.
constexpr uint64_t kUniformChild = 0;
constexpr uint64_t kNoiseChild = 1;
constexpr uint64_t kEphemeralChild = 2;

size_t polyBytes(const RnsPoly &p) { return p.numWords() * sizeof(uint64_t); }

} // namespace

EncapsulationKey::EncapsulationKey(ContextPtr context, RnsPoly b, RnsPoly a)
    : context_(std::move(context)), b_(std::move(b)), a_(std::move(a)) {
  require(b_.numLimbs() == 2 && a_.numLimbs() == 2,
          "encapsulation key must have 2 limbs (q_0 and p_0), found ",
          b_.numLimbs());
  const Context &ctx = *context_;
  moduli_ = {0, ctx.specialIndex(0)};
  fromSpecial_ = std::make_shared<BaseConverter>(
      std::vector<uint32_t>{ctx.specialIndex(0)}, ctx.tables().moduli);
  const Modulus &q0 = ctx.modulus(0);
  specialInverse_ =
      invMod(reduce64(ctx.modulus(ctx.specialIndex(0)).value, q0), q0);
}

size_t EncapsulationKey::memoryBytes() const {
  return empty() ? 0 : polyBytes(b_) + polyBytes(a_);
}

const KeySwitchKey &BootstrapKeys::galoisKey(uint64_t galoisElement) const {
  auto it = galois.find(galoisElement);
  if (it == galois.end()) {
    fail("bootstrapping keys have no Galois key for element ", galoisElement,
         ": generate the keys from the same bootstrapping plan");
  }
  return it->second;
}

size_t BootstrapKeys::memoryBytes() const {
  size_t bytes = relin.memoryBytes() + sparseToDense.memoryBytes() +
                 denseToSparse.memoryBytes();
  for (const auto &entry : galois) {
    bytes += entry.second.memoryBytes();
  }
  return bytes;
}

void BootstrapKeys::dropUniform() {
  for (auto &entry : galois)
    entry.second.dropUniform();
  relin.dropUniform();
  sparseToDense.dropUniform();
}

BootstrapKeyGenerator::BootstrapKeyGenerator(ContextPtr context,
                                             const SecretKey &secretKey,
                                             const Seed &seed)
    : context_(std::move(context)), keygen_(context_, secretKey, seed) {}

KeySwitchKey BootstrapKeyGenerator::createKey(const RnsPoly &newSecret,
                                              unsigned maxLevel,
                                              uint64_t galoisElement) {
  return keygen_.createKeySwitchKey(newSecret, galoisElement, maxLevel);
}

KeySwitchKey BootstrapKeyGenerator::createGaloisKey(uint64_t galoisElement,
                                                    unsigned maxLevel) {
  return keygen_.createGaloisKey(galoisElement, maxLevel);
}

KeySwitchKey BootstrapKeyGenerator::createRelinKey(unsigned maxLevel) {
  return keygen_.createRelinKey(maxLevel).key();
}

std::vector<int8_t> BootstrapKeyGenerator::createEncapsulationKeys(
    unsigned weight, unsigned maxLevel, BootstrapKeys &keys) {
  const Context &ctx = *context_;
  Backend &backend = ctx.backend();
  const size_t n = ctx.degree();
  require(weight >= 1 && weight <= n, "ephemeral secret weight ", weight,
          " is outside [1, N = ", n, "]");
  Seed seed = keygen_.nextSeed();
  std::vector<int8_t> ephemeral(n);
  Prng prng(deriveSeed(seed, kEphemeralChild), 0);
  sampleSparseTernary(prng, ephemeral.data(), n, weight);

  // s' -> s, a regular key under the dense secret.
  RnsPoly sparseAll =
      smallToNtt(ctx, ephemeral.data(), ctx.extendedIndices(ctx.maxLevel()));
  keys.sparseToDense = createKey(sparseAll, maxLevel);

  // s -> s' over q_0 * p_0: b = -a*s' + e + [p_0]_(q_0) * s on q_0.
  const uint32_t pair[2] = {0, ctx.specialIndex(0)};
  ModuliSpan moduli(pair, 2);
  Seed keySeed = keygen_.nextSeed();
  RnsPoly a = uniformNtt(ctx, deriveSeed(keySeed, kUniformChild), 0, moduli);
  Prng noise(deriveSeed(keySeed, kNoiseChild), 0);
  std::vector<int8_t> e(n);
  sampleGaussian(noise, e.data(), n);
  RnsPoly b = smallToNtt(ctx, e.data(), moduli);
  RnsPoly sparse = smallToNtt(ctx, ephemeral.data(), moduli);
  RnsPoly dense = smallToNtt(ctx, keygen_.secretKey().coefficients().data(), moduli);
  RnsPoly scratch(backend, 2);
  backend.multiply(scratch.data(), a.data(), sparse.data(), moduli);
  backend.sub(b.data(), b.data(), scratch.data(), moduli);
  const Modulus &q0 = ctx.modulus(0);
  uint64_t p0 = reduce64(ctx.modulus(ctx.specialIndex(0)).value, q0);
  backend.multiplyScalar(scratch.data(), dense.data(), &p0, moduli.slice(0, 1));
  backend.add(b.data(), b.data(), scratch.data(), moduli.slice(0, 1));
  keys.denseToSparse = EncapsulationKey(context_, std::move(b), std::move(a));
  return ephemeral;
}

} // namespace ckks
} // namespace aegis
