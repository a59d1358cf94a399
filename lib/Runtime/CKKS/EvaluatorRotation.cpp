//===- EvaluatorRotation.cpp - Rotations, conjugation, hoisting -----------===//

#include "aegis/Runtime/CKKS/Evaluator.h"

#include "aegis/Runtime/Support/Error.h"

namespace aegis {
namespace ckks {

Ciphertext Evaluator::applyGaloisDecomposed(const Ciphertext &a,
                                            const Decomposition &c1,
                                            uint64_t galoisElement,
                                            const GaloisKeys &keys) const {
  checkOperand(a, "operand");
  require(a.size() == 2, "automorphisms expect a relinearized ciphertext, "
                         "found ",
          a.size(), " polynomials");
  require(c1.level == a.level(), "decomposition at level ", c1.level,
          " does not match the ciphertext level ", a.level());
  require(keys.context() == context_, "Galois keys belong to another context");
  const KeySwitchKey &key = keys.at(galoisElement);
  const std::vector<uint32_t> &permutation =
      context_->galoisPermutation(galoisElement);
  Ciphertext r(context_, 2, a.level(), a.scale(), a.slots());
  keySwitcher_.apply(c1, key, r[0], r[1], permutation.data());
  RnsPoly permuted(context_->backend(), a.level() + 1);
  addPermutedLimbs(r[0].data(), a[0].data(), permutation.data(), a.level(),
                   {0, a.level() + 1}, permuted.data());
  return r;
}

Ciphertext Evaluator::applyGalois(const Ciphertext &a, uint64_t galoisElement,
                                  const GaloisKeys &keys) const {
  checkOperand(a, "operand");
  context_->checkGaloisElement(galoisElement);
  if (galoisElement == 1) {
    return a;
  }
  require(a.size() == 2, "automorphisms expect a relinearized ciphertext, "
                         "found ",
          a.size(), " polynomials");
  Decomposition c1 = keySwitcher_.decompose(a[1], a.level());
  return applyGaloisDecomposed(a, c1, galoisElement, keys);
}

Ciphertext Evaluator::rotate(const Ciphertext &a, long steps,
                             const GaloisKeys &keys) const {
  return applyGalois(a, context_->galoisElementForRotation(steps), keys);
}

Ciphertext Evaluator::conjugate(const Ciphertext &a,
                                const GaloisKeys &keys) const {
  return applyGalois(a, context_->conjugationElement(), keys);
}

std::vector<Ciphertext>
Evaluator::rotateHoisted(const Ciphertext &a, const std::vector<long> &steps,
                         const GaloisKeys &keys) const {
  checkOperand(a, "operand");
  require(a.size() == 2, "hoisted rotations expect a relinearized "
                         "ciphertext, found ",
          a.size(), " polynomials");
  // Check every key before the expensive ModUp.
  for (long step : steps) {
    uint64_t g = context_->galoisElementForRotation(step);
    if (g != 1) {
      (void)keys.at(g);
    }
  }
  std::vector<Ciphertext> results;
  results.reserve(steps.size());
  Decomposition c1;
  bool decomposed = false;
  for (long step : steps) {
    uint64_t g = context_->galoisElementForRotation(step);
    if (g == 1) {
      results.push_back(a);
      continue;
    }
    if (!decomposed) {
      c1 = keySwitcher_.decompose(a[1], a.level());
      decomposed = true;
    }
    results.push_back(applyGaloisDecomposed(a, c1, g, keys));
  }
  return results;
}

} // namespace ckks
} // namespace aegis
