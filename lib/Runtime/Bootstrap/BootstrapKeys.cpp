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

/// The limbs of `all` (every modulus: chain then special) that form the
/// extended basis at `level`.
RnsPoly restrictToExtended(const Context &ctx, const RnsPoly &all,
                           unsigned level) {
  const size_t n = ctx.degree();
  const unsigned k = ctx.numSpecial();
  RnsPoly out(ctx.backend(), level + 1 + k);
  ctx.backend().copy(out.data(), all.data(), (level + 1) * n);
  ctx.backend().copy(out.limb(level + 1), all.limb(ctx.maxLevel() + 1), k * n);
  return out;
}
} // namespace

LevelKey::LevelKey(ContextPtr context, unsigned maxLevel,
                   uint64_t galoisElement, std::vector<RnsPoly> b,
                   std::vector<RnsPoly> a)
    : context_(std::move(context)), maxLevel_(maxLevel),
      galoisElement_(galoisElement), b_(std::move(b)), a_(std::move(a)) {
  require(maxLevel_ <= context_->maxLevel(), "level-limited key up to level ",
          maxLevel_, " exceeds the chain's top level ", context_->maxLevel());
  require(b_.size() == a_.size() && b_.size() == context_->numDigits(maxLevel_),
          "level-limited key up to level ", maxLevel_, " has ", b_.size(),
          " digits: expected ", context_->numDigits(maxLevel_));
  for (unsigned j = 0; j < b_.size(); ++j) {
    size_t limbs = maxLevel_ + 1 + context_->numSpecial();
    require(b_[j].numLimbs() == limbs && a_[j].numLimbs() == limbs,
            "level-limited key digit ", j, " has ", b_[j].numLimbs(),
            " limbs: expected ", limbs);
  }
}

size_t LevelKey::memoryBytes() const {
  size_t bytes = 0;
  for (unsigned j = 0; j < b_.size(); ++j) {
    bytes += polyBytes(b_[j]) + polyBytes(a_[j]);
  }
  return bytes;
}

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

const LevelKey &BootstrapKeys::galoisKey(uint64_t galoisElement) const {
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

BootstrapKeyGenerator::BootstrapKeyGenerator(ContextPtr context,
                                             const SecretKey &secretKey,
                                             const Seed &seed)
    : context_(std::move(context)), secret_(secretKey), master_(seed) {
  require(secret_.context() == context_,
          "secret key belongs to another context than the bootstrapping key "
          "generator");
}

LevelKey BootstrapKeyGenerator::createKey(const RnsPoly &newSecret,
                                          unsigned maxLevel,
                                          uint64_t galoisElement) {
  const Context &ctx = *context_;
  Backend &backend = ctx.backend();
  require(maxLevel <= ctx.maxLevel(), "key level ", maxLevel,
          " exceeds the chain's top level ", ctx.maxLevel());
  require(newSecret.numLimbs() == ctx.maxLevel() + 1 + ctx.numSpecial(),
          "key-switching source secret has ", newSecret.numLimbs(),
          " limbs: expected every modulus");
  ModuliSpan moduli = ctx.extendedIndices(maxLevel);
  RnsPoly s = restrictToExtended(ctx, secret_.ntt(), maxLevel);
  RnsPoly source = restrictToExtended(ctx, newSecret, maxLevel);
  const size_t n = ctx.degree();
  Seed seed = nextSeed();
  Prng noise(deriveSeed(seed, kNoiseChild), 0);
  std::vector<int8_t> e(n);
  RnsPoly scratch(backend, moduli.size());
  std::vector<RnsPoly> bs, as;
  for (unsigned j = 0; j < ctx.numDigits(maxLevel); ++j) {
    RnsPoly a = uniformNtt(ctx, deriveSeed(seed, kUniformChild),
                           keyDigitStream(j), moduli);
    sampleGaussian(noise, e.data(), n);
    RnsPoly b = smallToNtt(ctx, e.data(), moduli);
    backend.multiply(scratch.data(), a.data(), s.data(), moduli);
    backend.sub(b.data(), b.data(), scratch.data(), moduli);
    unsigned begin = ctx.digitBegin(j), end = ctx.digitEnd(j, maxLevel);
    ModuliSpan digit = moduli.slice(begin, end - begin);
    backend.multiplyScalar(scratch.limb(begin), source.limb(begin),
                           ctx.specialProductModChain().data() + begin, digit);
    backend.add(b.limb(begin), b.limb(begin), scratch.limb(begin), digit);
    bs.push_back(std::move(b));
    as.push_back(std::move(a));
  }
  return LevelKey(context_, maxLevel, galoisElement, std::move(bs),
                  std::move(as));
}

LevelKey BootstrapKeyGenerator::createGaloisKey(uint64_t galoisElement,
                                                unsigned maxLevel) {
  const Context &ctx = *context_;
  ctx.checkGaloisElement(galoisElement);
  require(galoisElement != 1, "Galois element 1 is the identity: no key "
                              "needed");
  const RnsPoly &s = secret_.ntt();
  RnsPoly permuted(ctx.backend(), s.numLimbs());
  ctx.backend().permute(permuted.data(), s.data(),
                        ctx.galoisPermutation(galoisElement).data(),
                        s.numLimbs());
  return createKey(permuted, maxLevel, galoisElement);
}

LevelKey BootstrapKeyGenerator::createRelinKey(unsigned maxLevel) {
  const Context &ctx = *context_;
  const RnsPoly &s = secret_.ntt();
  RnsPoly square(ctx.backend(), s.numLimbs());
  ctx.backend().multiply(square.data(), s.data(), s.data(),
                         ctx.extendedIndices(ctx.maxLevel()));
  return createKey(square, maxLevel);
}

std::vector<int8_t> BootstrapKeyGenerator::createEncapsulationKeys(
    unsigned weight, unsigned maxLevel, BootstrapKeys &keys) {
  const Context &ctx = *context_;
  Backend &backend = ctx.backend();
  const size_t n = ctx.degree();
  require(weight >= 1 && weight <= n, "ephemeral secret weight ", weight,
          " is outside [1, N = ", n, "]");
  Seed seed = nextSeed();
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
  Seed keySeed = nextSeed();
  RnsPoly a = uniformNtt(ctx, deriveSeed(keySeed, kUniformChild), 0, moduli);
  Prng noise(deriveSeed(keySeed, kNoiseChild), 0);
  std::vector<int8_t> e(n);
  sampleGaussian(noise, e.data(), n);
  RnsPoly b = smallToNtt(ctx, e.data(), moduli);
  RnsPoly sparse = smallToNtt(ctx, ephemeral.data(), moduli);
  RnsPoly dense = smallToNtt(ctx, secret_.coefficients().data(), moduli);
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
