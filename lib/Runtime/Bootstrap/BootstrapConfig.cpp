//===- BootstrapConfig.cpp - Bootstrapping settings and presets -----------===//

#include "aegis/Runtime/Bootstrap/BootstrapConfig.h"

#include "aegis/Runtime/Bootstrap/EvalMod.h"
#include "aegis/Runtime/Support/Error.h"

#include <algorithm>
#include <cmath>
#include <sstream>

namespace aegis {
namespace ckks {

unsigned BootstrapConfig::evalModDepth() const {
  return chebyshevDepth(evalMod.degree, evalMod.babySteps) +
         evalMod.doubleAngle;
}

namespace {
std::vector<unsigned> repeat(unsigned bits, unsigned count) {
  return std::vector<unsigned>(count, bits);
}

std::vector<unsigned>
concat(std::initializer_list<std::vector<unsigned>> parts) {
  std::vector<unsigned> out;
  for (const auto &part : parts) {
    out.insert(out.end(), part.begin(), part.end());
  }
  return out;
}

// The chain shape shared by every preset (see docs/Bootstrapping.md):
// q_0 of 50 bits (2^8 above the 2^42 scale), `usable` application levels of
// 42 bits, 3 SlotToCoeff levels of 40 bits, 9 EvalMod levels of 60 bits and
// 3 CoeffToSlot levels of 58 bits. dnum = 3 digits; the special primes (59
// bits) cover the largest digit.
} // namespace

ParameterSpec bootstrapChainSpec(unsigned logN, unsigned usable, bool insecure,
                                 unsigned transformLevels) {
  ParameterSpec spec;
  spec.logDegree = logN;
  spec.chainBits =
      concat({{50}, repeat(42, usable), repeat(40, transformLevels),
              repeat(60, 9), repeat(58, transformLevels)});
  spec.dnum = 3;
  unsigned limbs = unsigned(spec.chainBits.size());
  unsigned digit = (limbs + spec.dnum - 1) / spec.dnum;
  unsigned largest = 0;
  for (unsigned begin = 0; begin < limbs; begin += digit) {
    unsigned bits = 0;
    for (unsigned i = begin; i < std::min(limbs, begin + digit); ++i) {
      bits += spec.chainBits[i];
    }
    largest = std::max(largest, bits);
  }
  spec.specialBits = repeat(59, (largest + 58) / 59);
  spec.secret = SecretDistribution::UniformTernary;
  spec.allowInsecure = insecure;
  return spec;
}

BootstrapConfig bootstrapConfigFor(unsigned logSlots, unsigned cts,
                                   unsigned stc) {
  BootstrapConfig config;
  config.logSlots = logSlots;
  config.ctsLevels = cts;
  config.stcLevels = stc;
  return config;
}

BootstrapConfig programBootstrapConfig(unsigned logN,
                                       unsigned nominalLogScale,
                                       unsigned logSlots,
                                       unsigned transformLevels) {
  BootstrapConfig config = bootstrapConfigFor(
      logSlots ? logSlots : logN - 1, transformLevels, transformLevels);
  config.inputScale = std::ldexp(1.0, 40);
  config.outputScale = std::ldexp(1.0, int(nominalLogScale));
  config.realSlots = true;
  config.evalMod.messageBound = 8.0;
  config.diagonalCacheBytes = logN >= 16 ? 0 : SIZE_MAX;
  return config;
}

namespace {
std::vector<BootstrapPreset> makePresets() {
  std::vector<BootstrapPreset> presets;
  {
    BootstrapConfig config = bootstrapConfigFor(15, 3, 3);
    // At N = 2^16 the encoded diagonals take about 4 GiB next to 3.9 GiB of
    // keys: by default they are encoded on use.
    config.diagonalCacheBytes = 0;
    presets.push_back({"n16-full",
                       "N=2^16, 2^15 complex slots, 128-bit, 9 levels left",
                       bootstrapChainSpec(16, 9, false), config});
  }
  {
    BootstrapConfig config = bootstrapConfigFor(12, 3, 3);
    config.diagonalCacheBytes = 0;
    presets.push_back({"n16-sparse",
                       "N=2^16, 2^12 complex slots, 128-bit, 9 levels left",
                       bootstrapChainSpec(16, 9, false), config});
  }
  // The toy sizes pack few slots, so their message coefficients are large
  // and the sine's cubic error dominates unless q_0 / scale grows: their
  // input scale leaves q_0 / scale = 2^10 (2^12 for 16 slots) instead of
  // 2^8 (docs/Bootstrapping.md, "Message ratio").
  auto toy = [&](const char *name, const char *summary, unsigned logN,
                 BootstrapConfig config, int inputScaleBits) {
    config.inputScale = std::ldexp(1.0, inputScaleBits);
    presets.push_back({name, summary, bootstrapChainSpec(logN, 2, true), config});
  };
  toy("toy-n10", "N=2^10, 2^9 slots, insecure test size", 10,
      bootstrapConfigFor(9, 3, 3), 40);
  toy("toy-n10-sparse", "N=2^10, 2^4 slots, insecure test size", 10,
      bootstrapConfigFor(4, 2, 2), 38);
  toy("toy-n12", "N=2^12, 2^11 slots, insecure test size", 12,
      bootstrapConfigFor(11, 3, 3), 40);
  toy("toy-n13", "N=2^13, 2^12 slots, insecure test size", 13,
      bootstrapConfigFor(12, 3, 3), 40);
  return presets;
}
} // namespace

const std::vector<BootstrapPreset> &bootstrapPresets() {
  static const std::vector<BootstrapPreset> presets = makePresets();
  return presets;
}

const BootstrapPreset &bootstrapPreset(const std::string &name) {
  for (const BootstrapPreset &preset : bootstrapPresets()) {
    if (preset.name == name) {
      return preset;
    }
  }
  std::ostringstream names;
  for (const BootstrapPreset &preset : bootstrapPresets()) {
    names << (names.tellp() > 0 ? ", " : "") << preset.name;
  }
  fail("unknown bootstrapping preset '", name, "': known presets are ",
       names.str());
}

} // namespace ckks
} // namespace aegis
