//===- Keys.cpp - Secret, public and key-switching keys -------------------===//

#include "aegis/Runtime/CKKS/Keys.h"

#include "aegis/Runtime/CKKS/Sampling.h"
#include "aegis/Runtime/Support/Error.h"

namespace aegis {
namespace ckks {

namespace {
ModuliSpan allModuli(const Context &context) {
  return context.extendedIndices(context.maxLevel());
}

// Seeds of a key: child 0 gives the public uniform part, child 1 the noise.
constexpr uint64_t kUniformChild = 0;
constexpr uint64_t kNoiseChild = 1;
} // namespace

SecretKey::SecretKey(ContextPtr context, std::vector<int8_t> coefficients)
    : context_(std::move(context)), coefficients_(std::move(coefficients)) {
  const Parameters &params = context_->params();
  require(coefficients_.size() == context_->degree(), "secret key has ",
          coefficients_.size(), " coefficients: expected N = ",
          context_->degree());
  size_t weight = 0;
  for (size_t i = 0; i < coefficients_.size(); ++i) {
    int8_t c = coefficients_[i];
    require(c >= -1 && c <= 1, "secret key coefficient ", i, " is ", int(c),
            ": expected -1, 0 or 1");
    weight += c != 0 ? 1 : 0;
  }
  if (params.secret() == SecretDistribution::SparseTernary) {
    require(weight == params.hammingWeight(), "sparse secret key has ",
            weight, " nonzero coefficients: expected Hamming weight ",
            params.hammingWeight());
  }
  ntt_ = smallToNtt(*context_, coefficients_.data(), allModuli(*context_));
}

void GaloisKeys::insert(KeySwitchKey key) {
  require(key.context() == context_,
          "Galois key belongs to another context than its key set");
  require(key.galoisElement() != 0, "a Galois key set only takes Galois keys");
  uint64_t g = key.galoisElement();
  keys_[g] = std::move(key);
}

const KeySwitchKey &GaloisKeys::at(uint64_t galoisElement) const {
  auto it = keys_.find(galoisElement);
  if (it == keys_.end()) {
    fail("no Galois key for element ", galoisElement,
         " (", galoisElement == 2 * context_->degree() - 1 ? "conjugation"
                                                          : "a rotation",
         "): generate it with KeyGenerator::createGaloisKeys");
  }
  return it->second;
}

RnsPoly regenerateKeyUniform(const Context &context, const Seed &seed,
                             unsigned digit, ModuliSpan moduli) {
  return uniformNtt(context, deriveSeed(seed, kUniformChild),
                    keyDigitStream(digit), moduli);
}

KeyGenerator::KeyGenerator(ContextPtr context, const Seed &seed)
    : context_(std::move(context)), master_(seed) {
  Prng prng(deriveSeed(master_, 0), 0);
  const Parameters &params = context_->params();
  std::vector<int8_t> s(context_->degree());
  if (params.secret() == SecretDistribution::SparseTernary) {
    sampleSparseTernary(prng, s.data(), s.size(), params.hammingWeight());
  } else {
    sampleUniformTernary(prng, s.data(), s.size());
  }
  secret_ = SecretKey(context_, std::move(s));
}

KeyGenerator::KeyGenerator(ContextPtr context, SecretKey secretKey,
                           const Seed &seed)
    : context_(std::move(context)), master_(seed),
      secret_(std::move(secretKey)) {
  require(secret_.context() == context_,
          "secret key belongs to another context than the key generator");
}

PublicKey KeyGenerator::createPublicKey() {
  const Context &ctx = *context_;
  Backend &backend = ctx.backend();
  ModuliSpan moduli = ctx.chainIndices(ctx.maxLevel());
  Seed seed = nextSeed();
  RnsPoly a = uniformNtt(ctx, deriveSeed(seed, kUniformChild), 0, moduli);
  Prng noise(deriveSeed(seed, kNoiseChild), 0);
  std::vector<int8_t> e(ctx.degree());
  sampleGaussian(noise, e.data(), e.size());
  RnsPoly b = smallToNtt(ctx, e.data(), moduli);
  RnsPoly as(backend, moduli.size());
  backend.multiply(as.data(), a.data(), secret_.ntt().data(), moduli);
  backend.sub(b.data(), b.data(), as.data(), moduli);
  return PublicKey(context_, seed, std::move(b), std::move(a));
}

KeySwitchKey::KeySwitchKey(ContextPtr context, Seed seed,
                           uint64_t galoisElement, std::vector<RnsPoly> b,
                           std::vector<RnsPoly> a)
    : context_(std::move(context)), seed_(seed),
      galoisElement_(galoisElement), b_(std::move(b)), a_(std::move(a)) {
  require(context_ != nullptr, "key-switching key without a context");
  const Context &ctx = *context_;
  const unsigned k = ctx.numSpecial();
  require(!b_.empty() && b_[0].numLimbs() > k &&
              b_[0].numLimbs() <= ctx.maxLevel() + 1 + k,
          "key-switching key has ", b_.empty() ? 0 : b_[0].numLimbs(),
          " limbs per digit: expected 1 + K = ", 1 + k, " to L + 1 + K = ",
          ctx.maxLevel() + 1 + k);
  maxLevel_ = unsigned(b_[0].numLimbs() - 1 - k);
  require(b_.size() == ctx.numDigits(maxLevel_) && a_.size() == b_.size(),
          "key-switching key up to level ", maxLevel_, " has ", b_.size(),
          " digits: expected ", ctx.numDigits(maxLevel_));
  for (size_t j = 0; j < b_.size(); ++j) {
    require(b_[j].numLimbs() == b_[0].numLimbs() &&
                a_[j].numLimbs() == b_[0].numLimbs(),
            "key-switching key digit ", j, " has ", b_[j].numLimbs(), " and ",
            a_[j].numLimbs(), " limbs: expected ", b_[0].numLimbs());
  }
}

size_t KeySwitchKey::memoryBytes() const {
  size_t words = 0;
  for (size_t j = 0; j < b_.size(); ++j) {
    words += b_[j].numWords() + (holdsUniform() ? a_[j].numWords() : 0);
  }
  return words * sizeof(uint64_t);
}

const RnsPoly &KeySwitchKey::a(unsigned j) const {
  require(holdsUniform(), "the key's uniform halves were dropped "
                          "(compact keys): regenerate them from its seed");
  return a_[j];
}

void KeySwitchKey::dropUniform() { a_.clear(); }

namespace {
/// The limbs of `all` (every modulus: chain then special) that form the
/// extended basis at `level`: `all` itself at the top level, else a copy
/// of those limbs in `storage`.
const RnsPoly &restrictToExtended(const Context &ctx, const RnsPoly &all,
                                  unsigned level, RnsPoly &storage) {
  if (level == ctx.maxLevel()) {
    return all;
  }
  const size_t n = ctx.degree();
  const unsigned k = ctx.numSpecial();
  storage = RnsPoly(ctx.backend(), level + 1 + k);
  ctx.backend().copy(storage.data(), all.data(), (level + 1) * n);
  ctx.backend().copy(storage.limb(level + 1), all.limb(ctx.maxLevel() + 1),
                     k * n);
  return storage;
}
} // namespace

KeySwitchKey generateKeySwitchKey(const SecretKey &secret,
                                  const RnsPoly &newSecret, const Seed &seed,
                                  uint64_t galoisElement, unsigned maxLevel) {
  const ContextPtr &context = secret.context();
  const Context &ctx = *context;
  Backend &backend = ctx.backend();
  require(maxLevel <= ctx.maxLevel(), "key level ", maxLevel,
          " exceeds the chain's top level ", ctx.maxLevel());
  require(newSecret.numLimbs() == ctx.maxLevel() + 1 + ctx.numSpecial(),
          "key-switching source secret has ", newSecret.numLimbs(),
          " limbs: expected every modulus (", ctx.maxLevel() + 1 +
          ctx.numSpecial(), ")");
  ModuliSpan moduli = ctx.extendedIndices(maxLevel);
  RnsPoly sStorage, sourceStorage;
  const RnsPoly &s = restrictToExtended(ctx, secret.ntt(), maxLevel, sStorage);
  const RnsPoly &source =
      restrictToExtended(ctx, newSecret, maxLevel, sourceStorage);
  const size_t n = ctx.degree();
  Prng noise(deriveSeed(seed, kNoiseChild), 0);
  std::vector<int8_t> e(n);
  std::vector<RnsPoly> bs, as;
  RnsPoly scratch(backend, moduli.size());
  for (unsigned j = 0; j < ctx.numDigits(maxLevel); ++j) {
    RnsPoly a = regenerateKeyUniform(ctx, seed, j, moduli);
    sampleGaussian(noise, e.data(), n);
    RnsPoly b = smallToNtt(ctx, e.data(), moduli);
    backend.multiply(scratch.data(), a.data(), s.data(), moduli);
    backend.sub(b.data(), b.data(), scratch.data(), moduli);
    // + [P]_(q_i) * s' on the limbs of digit j.
    unsigned begin = ctx.digitBegin(j), end = ctx.digitEnd(j, maxLevel);
    ModuliSpan digitModuli = moduli.slice(begin, end - begin);
    backend.multiplyScalar(scratch.limb(begin), source.limb(begin),
                           ctx.specialProductModChain().data() + begin,
                           digitModuli);
    backend.add(b.limb(begin), b.limb(begin), scratch.limb(begin),
                digitModuli);
    bs.push_back(std::move(b));
    as.push_back(std::move(a));
  }
  return KeySwitchKey(context, seed, galoisElement, std::move(bs),
                      std::move(as));
}

KeySwitchKey KeyGenerator::createKeySwitchKey(const RnsPoly &newSecret,
                                              uint64_t galoisElement,
                                              unsigned maxLevel) {
  return generateKeySwitchKey(
      secret_, newSecret, nextSeed(), galoisElement,
      maxLevel == kTopLevel ? context_->maxLevel() : maxLevel);
}

RnsPoly keySwitchSource(const SecretKey &secret, uint64_t galoisElement) {
  const Context &ctx = *secret.context();
  ModuliSpan moduli = allModuli(ctx);
  RnsPoly source(ctx.backend(), moduli.size());
  if (galoisElement == 0) {
    ctx.backend().multiply(source.data(), secret.ntt().data(),
                           secret.ntt().data(), moduli);
    return source;
  }
  ctx.checkGaloisElement(galoisElement);
  require(galoisElement != 1, "Galois element 1 is the identity: no key "
                              "needed");
  ctx.backend().permute(source.data(), secret.ntt().data(),
                        ctx.galoisPermutation(galoisElement).data(),
                        moduli.size());
  return source;
}

RelinKey KeyGenerator::createRelinKey(unsigned maxLevel) {
  return RelinKey(createKeySwitchKey(keySwitchSource(secret_, 0), 0, maxLevel));
}

KeySwitchKey KeyGenerator::createGaloisKey(uint64_t galoisElement,
                                           unsigned maxLevel) {
  RnsPoly permuted = keySwitchSource(secret_, galoisElement);
  return createKeySwitchKey(permuted, galoisElement, maxLevel);
}

GaloisKeys KeyGenerator::createGaloisKeys(const std::vector<long> &steps,
                                          bool conjugation) {
  GaloisKeys keys(context_);
  for (long step : steps) {
    uint64_t g = context_->galoisElementForRotation(step);
    if (g != 1 && !keys.contains(g)) {
      keys.insert(createGaloisKey(g));
    }
  }
  if (conjugation) {
    keys.insert(createGaloisKey(context_->conjugationElement()));
  }
  return keys;
}

} // namespace ckks
} // namespace aegis
