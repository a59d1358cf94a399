//===- BaseConversion.cpp - Fast RNS base conversion tables ---------------===//

#include "aegis/Runtime/Math/BaseConversion.h"

#include "aegis/Runtime/Support/Error.h"

namespace aegis {
namespace ckks {

BaseConverter::BaseConverter(std::vector<uint32_t> sourceIndices,
                             const std::vector<Modulus> &moduli)
    : source_(std::move(sourceIndices)) {
  size_t k = source_.size();
  require(k >= 1 && k <= kMaxSourceSize, "base conversion source of ", k,
          " primes is outside [1, ", kMaxSourceSize, "]");
  for (uint32_t s : source_) {
    require(s < moduli.size(), "base conversion source index ", s,
            " out of range");
  }
  inverses_.resize(k);
  inversesShoup_.resize(k);
  for (size_t i = 0; i < k; ++i) {
    const Modulus &si = moduli[source_[i]];
    uint64_t punctured = 1;
    for (size_t j = 0; j < k; ++j) {
      if (j != i) {
        punctured = mulMod(punctured, reduce64(moduli[source_[j]].value, si), si);
      }
    }
    inverses_[i] = invMod(punctured, si);
    inversesShoup_[i] = shoupPrecompute(inverses_[i], si.value);
  }
  products_.resize(moduli.size() * k);
  sourceProduct_.resize(moduli.size());
  for (size_t t = 0; t < moduli.size(); ++t) {
    uint64_t product = 1 % moduli[t].value;
    for (uint32_t s : source_) {
      product = mulMod(product, reduce64(moduli[s].value, moduli[t]),
                       moduli[t]);
    }
    sourceProduct_[t] = product;
  }
  for (size_t t = 0; t < moduli.size(); ++t) {
    const Modulus &m = moduli[t];
    for (size_t i = 0; i < k; ++i) {
      uint64_t punctured = 1 % m.value;
      for (size_t j = 0; j < k; ++j) {
        if (j != i) {
          punctured = mulMod(punctured, reduce64(moduli[source_[j]].value, m), m);
        }
      }
      products_[t * k + i] = punctured;
    }
  }
}

} // namespace ckks
} // namespace aegis
