//===- BootstrapConfig.cpp - Bootstrapping settings and presets -----------===//

#include "aegis/Runtime/Bootstrap/BootstrapConfig.h"

#include "aegis/Runtime/Bootstrap/EvalMod.h"
#include "aegis/Runtime/Support/Error.h"

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

std::vector<unsigned> concat(std::initializer_list<std::vector<unsigned>> parts) {
  std::vector<unsigned> out;
  for (const auto &part : parts) {
    out.insert(out.end(), part.begin(), part.end());
  }
  return out;
}

// The chain shape shared by every preset (see docs/Bootstrapping.md):
// q_0 (54 bits: 2^12 above the 2^42 scale), `usable` application levels of
// 42 bits, 3 SlotToCoeff levels of 42 bits, 8 EvalMod levels and 3
// CoeffToSlot levels of 60 bits. 8 special primes of 60 bits cover the
// largest of the 3 key-switching digits.
ParameterSpec chainSpec(unsigned logN, unsigned usable, bool insecure) {
  ParameterSpec spec;
  spec.logDegree = logN;
  spec.chainBits = concat({{54}, repeat(42, usable), repeat(42, 3),
                           repeat(60, 8), repeat(60, 3)});
  unsigned limbs = unsigned(spec.chainBits.size());
  spec.dnum = 3;
  unsigned digit = (limbs + spec.dnum - 1) / spec.dnum;
  // P must hold the largest digit (the top one: 60-bit primes only).
  spec.specialBits = repeat(60, digit);
  spec.secret = SecretDistribution::UniformTernary;
  spec.allowInsecure = insecure;
  return spec;
}

BootstrapConfig configFor(unsigned logSlots, unsigned cts, unsigned stc) {
  BootstrapConfig config;
  config.logSlots = logSlots;
  config.ctsLevels = cts;
  config.stcLevels = stc;
  return config;
}

std::vector<BootstrapPreset> makePresets() {
  std::vector<BootstrapPreset> presets;
  {
    BootstrapConfig config = configFor(15, 3, 3);
    // At N = 2^16 the encoded diagonals of the three CoeffToSlot levels alone
    // take about 3 GB: encode them on use.
    config.cacheDiagonals = false;
    presets.push_back({"n16-full",
                       "N=2^16, 2^15 complex slots, 128-bit, 9 levels left",
                       chainSpec(16, 9, false), config});
  }
  {
    BootstrapConfig config = configFor(12, 3, 3);
    config.cacheDiagonals = false;
    presets.push_back({"n16-sparse",
                       "N=2^16, 2^12 complex slots, 128-bit, 9 levels left",
                       chainSpec(16, 9, false), config});
  }
  presets.push_back({"toy-n10", "N=2^10, 2^9 slots, insecure test size",
                     chainSpec(10, 2, true), configFor(9, 3, 3)});
  presets.push_back({"toy-n10-sparse",
                     "N=2^10, 2^4 slots, insecure test size",
                     chainSpec(10, 2, true), configFor(4, 2, 2)});
  presets.push_back({"toy-n12", "N=2^12, 2^11 slots, insecure test size",
                     chainSpec(12, 2, true), configFor(11, 3, 3)});
  presets.push_back({"toy-n13", "N=2^13, 2^12 slots, insecure test size",
                     chainSpec(13, 2, true), configFor(12, 3, 3)});
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
