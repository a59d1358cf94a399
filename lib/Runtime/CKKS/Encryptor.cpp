//===- Encryptor.cpp - CKKS encryption and decryption ---------------------===//

#include "aegis/Runtime/CKKS/Encryptor.h"

#include "aegis/Runtime/CKKS/Sampling.h"
#include "aegis/Runtime/Support/Error.h"

namespace aegis {
namespace ckks {

Encryptor::Encryptor(ContextPtr context, const PublicKey &publicKey,
                     const Seed &seed)
    : context_(std::move(context)), publicKey_(publicKey), seed_(seed) {
  require(publicKey.context() == context_,
          "public key belongs to another context than the encryptor");
}

Encryptor::Encryptor(ContextPtr context, const SecretKey &secretKey,
                     const Seed &seed)
    : context_(std::move(context)), symmetric_(true), secretKey_(secretKey),
      seed_(seed) {
  require(secretKey.context() == context_,
          "secret key belongs to another context than the encryptor");
}

Ciphertext Encryptor::encryptZero(unsigned level, double scale,
                                  size_t slots) const {
  const Context &ctx = *context_;
  Backend &backend = ctx.backend();
  require(level <= ctx.maxLevel(), "cannot encrypt at level ", level,
          ": the chain has levels 0..", ctx.maxLevel());
  const size_t n = ctx.degree();
  ModuliSpan moduli = ctx.chainIndices(level);
  Seed seed = deriveSeed(seed_, counter_.fetch_add(1));
  Prng prng(seed, 0);
  std::vector<int8_t> small(n);
  Ciphertext ct(context_, 2, level, scale, slots);
  if (!symmetric_) {
    sampleUniformTernary(prng, small.data(), n);
    RnsPoly v = smallToNtt(ctx, small.data(), moduli);
    sampleGaussian(prng, small.data(), n);
    ct[0] = smallToNtt(ctx, small.data(), moduli);
    sampleGaussian(prng, small.data(), n);
    ct[1] = smallToNtt(ctx, small.data(), moduli);
    backend.multiplyAccumulate(ct[0].data(), v.data(),
                               publicKey_.b().data(), moduli);
    backend.multiplyAccumulate(ct[1].data(), v.data(),
                               publicKey_.a().data(), moduli);
  } else {
    ct[1] = uniformNtt(ctx, seed, uint64_t(1) << 32, moduli);
    sampleGaussian(prng, small.data(), n);
    ct[0] = smallToNtt(ctx, small.data(), moduli);
    RnsPoly as(backend, moduli.size());
    backend.multiply(as.data(), ct[1].data(), secretKey_.ntt().data(),
                     moduli);
    backend.sub(ct[0].data(), ct[0].data(), as.data(), moduli);
  }
  return ct;
}

Ciphertext Encryptor::encrypt(const Plaintext &plaintext) const {
  require(plaintext.context() == context_,
          "plaintext belongs to another context than the encryptor");
  Ciphertext ct =
      encryptZero(plaintext.level(), plaintext.scale(), plaintext.slots());
  context_->backend().add(ct[0].data(), ct[0].data(), plaintext.poly().data(),
                          context_->chainIndices(plaintext.level()));
  return ct;
}

Decryptor::Decryptor(ContextPtr context, const SecretKey &secretKey)
    : context_(std::move(context)), secretKey_(secretKey) {
  require(secretKey.context() == context_,
          "secret key belongs to another context than the decryptor");
}

Plaintext Decryptor::decrypt(const Ciphertext &ct) const {
  require(ct.context() == context_,
          "ciphertext belongs to another context than the decryptor");
  Backend &backend = context_->backend();
  const unsigned level = ct.level();
  ModuliSpan moduli = context_->chainIndices(level);
  Plaintext pt(context_, level, ct.scale(), ct.slots());
  uint64_t *m = pt.poly().data();
  const uint64_t *s = secretKey_.ntt().data();
  backend.copy(m, ct[0].data(), ct[0].numWords());
  backend.multiplyAccumulate(m, ct[1].data(), s, moduli);
  if (ct.size() == 3) {
    RnsPoly s2(backend, moduli.size());
    backend.multiply(s2.data(), s, s, moduli);
    backend.multiply(s2.data(), s2.data(), ct[2].data(), moduli);
    backend.add(m, m, s2.data(), moduli);
  }
  return pt;
}

} // namespace ckks
} // namespace aegis
