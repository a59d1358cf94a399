//===- HostReduce.cpp - Reductions on the host ----------------------------===//

#include "HostReduce.h"

#include "aegis/Runtime/Math/Modular.h"

#include <algorithm>
#include <vector>

namespace aegis::comm {

void reduceOnHost(const ScheduleReduce &step, const Reduction &reduction) {
  std::vector<const uint64_t *> sources(size_t(step.numSources));
  for (int k = 0; k < step.numSources; ++k) {
    if (k == step.ownPosition) {
      sources[size_t(k)] = step.own;
    } else {
      size_t slot = size_t(k < step.ownPosition ? k : k - 1);
      sources[size_t(k)] = step.others + slot * step.words;
    }
  }
  uint64_t *dst = step.dst;
  if (!reduction.isModular()) {
    for (size_t j = 0; j < step.words; ++j) {
      uint64_t sum = 0;
      for (const uint64_t *source : sources) {
        sum += source[j];
      }
      dst[j] = sum;
    }
    return;
  }
  // Walk limb by limb so that each limb's Barrett constant is computed once.
  size_t limbLength = reduction.limbLength();
  size_t j = 0;
  while (j < step.words) {
    size_t limb = (step.firstIndex + j) / limbLength;
    size_t end =
        std::min(step.words, (limb + 1) * limbLength - step.firstIndex);
    ckks::Modulus modulus(reduction.moduli()[limb]);
    for (; j < end; ++j) {
      ckks::uint128_t sum = 0;
      for (const uint64_t *source : sources) {
        sum += source[j];
      }
      dst[j] = ckks::reduce128(sum, modulus);
    }
  }
}

} // namespace aegis::comm
