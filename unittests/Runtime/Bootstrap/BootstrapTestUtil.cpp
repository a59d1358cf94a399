//===- BootstrapTestUtil.cpp - Shared setup of the bootstrapping tests ----===//

#include "BootstrapTestUtil.h"

#include "aegis/Runtime/Support/Prng.h"

namespace aegis {
namespace ckks {
namespace test {

KeySetup::KeySetup(const ParameterSpec &spec, uint64_t seed) {
  context = Context::create(Parameters::create(spec));
  keygen = std::make_unique<KeyGenerator>(context, seedFromInteger(seed));
  encoder = std::make_unique<Encoder>(context);
  encryptor = std::make_unique<Encryptor>(context, keygen->createPublicKey(),
                                          seedFromInteger(seed + 100));
  decryptor = std::make_unique<Decryptor>(context, keygen->secretKey());
}

Ciphertext KeySetup::encrypt(const std::vector<Complex> &values, unsigned level,
                             double scale, size_t slots) const {
  return encryptor->encrypt(encoder->encode(values, level, scale, slots));
}

std::vector<Complex> KeySetup::decrypt(const Ciphertext &ct) const {
  return encoder->decode(decryptor->decrypt(ct));
}

BootSetup::BootSetup(const ParameterSpec &spec, const BootstrapConfig &config,
                     uint64_t seed)
    : KeySetup(spec, seed) {
  plan = std::make_shared<BootstrapPlan>(context, config);
  keys = generateBootstrapKeys(*plan, keygen->secretKey(),
                               seedFromInteger(seed + 200));
  bootstrapper = std::make_unique<Bootstrapper>(plan, keys);
}

std::vector<Complex> randomValues(size_t n, uint64_t seed, bool real) {
  Prng prng(seedFromInteger(seed), 5);
  std::vector<Complex> v(n);
  for (auto &x : v) {
    double re = double(prng.next32()) / 2147483648.0 - 1.0;
    double im = double(prng.next32()) / 2147483648.0 - 1.0;
    x = Complex(re, real ? 0.0 : im);
  }
  return v;
}

} // namespace test
} // namespace ckks
} // namespace aegis
