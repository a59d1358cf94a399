//===- BootstrapTestUtil.h - Shared setup of the bootstrapping tests -*- C++
//-*-//

#ifndef AEGIS_UNITTESTS_RUNTIME_BOOTSTRAP_BOOTSTRAPTESTUTIL_H
#define AEGIS_UNITTESTS_RUNTIME_BOOTSTRAP_BOOTSTRAPTESTUTIL_H

#include "aegis/Runtime/Bootstrap/Bootstrapper.h"
#include "aegis/Runtime/CKKS/Encoder.h"
#include "aegis/Runtime/CKKS/Encryptor.h"
#include "aegis/Runtime/CKKS/Keys.h"
#include "aegis/Runtime/Support/Error.h"

#include <complex>
#include <memory>
#include <vector>

namespace aegis {
namespace ckks {
namespace test {

using Complex = std::complex<double>;

/// Context, secret/public keys, encoder, encryptor and decryptor for a
/// parameter spec, all from fixed seeds.
struct KeySetup {
  ContextPtr context;
  std::unique_ptr<KeyGenerator> keygen;
  std::unique_ptr<Encoder> encoder;
  std::unique_ptr<Encryptor> encryptor;
  std::unique_ptr<Decryptor> decryptor;

  explicit KeySetup(const ParameterSpec &spec, uint64_t seed = 7);

  Ciphertext encrypt(const std::vector<Complex> &values, unsigned level,
                     double scale, size_t slots) const;
  std::vector<Complex> decrypt(const Ciphertext &ct) const;
};

/// A setup with a bootstrapping plan and its keys.
struct BootSetup : KeySetup {
  std::shared_ptr<const BootstrapPlan> plan;
  std::shared_ptr<const BootstrapKeys> keys;
  std::unique_ptr<Bootstrapper> bootstrapper;

  BootSetup(const ParameterSpec &spec, const BootstrapConfig &config,
            uint64_t seed = 7);
  explicit BootSetup(const BootstrapPreset &preset, uint64_t seed = 7)
      : BootSetup(preset.spec, preset.config, seed) {}
};

/// Values with real and imaginary parts uniform in [-1, 1) (imaginary parts
/// zero when `real`).
std::vector<Complex> randomValues(size_t n, uint64_t seed, bool real = false);

} // namespace test
} // namespace ckks
} // namespace aegis

#endif // AEGIS_UNITTESTS_RUNTIME_BOOTSTRAP_BOOTSTRAPTESTUTIL_H
