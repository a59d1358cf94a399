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

Ciphertext
Evaluator::rotateAndSum(const std::vector<const Ciphertext *> &inputs,
                        const std::vector<long> &steps,
                        const GaloisKeys &keys) const {
  require(!inputs.empty() && inputs.size() == steps.size(),
          "rotateAndSum needs one step per input and at least one input, got ",
          inputs.size(), " inputs and ", steps.size(), " steps");
  require(keys.context() == context_, "Galois keys belong to another context");
  const Ciphertext &first = *inputs[0];
  std::vector<uint64_t> elements;
  bool anyKeySwitch = false;
  for (size_t i = 0; i < inputs.size(); ++i) {
    const Ciphertext &a = *inputs[i];
    checkOperand(a, "operand");
    require(a.size() == 2, "automorphisms expect a relinearized ciphertext, "
                           "found ",
            a.size(), " polynomials");
    require(a.level() == first.level(), "rotateAndSum inputs at levels ",
            first.level(), " and ", a.level());
    require(a.slots() == first.slots(), "rotateAndSum inputs of ",
            first.slots(), " and ", a.slots(), " slots");
    checkSameScale(first.scale(), a.scale());
    elements.push_back(context_->galoisElementForRotation(steps[i]));
    if (elements.back() != 1) {
      (void)keys.at(elements.back()); // every key checked before any work
      anyKeySwitch = true;
    }
  }
  const unsigned level = first.level();
  const LimbRange chain{0, level + 1};
  Backend &backend = context_->backend();
  Ciphertext r(context_, 2, level, first.scale(), first.slots());
  backend.fillZero(r[0].data(), r[0].numWords());
  backend.fillZero(r[1].data(), r[1].numWords());
  const LimbRange all = keySwitcher_.extendedRange(level);
  RnsPoly acc0(backend, anyKeySwitch ? all.size() : 0);
  RnsPoly acc1(backend, anyKeySwitch ? all.size() : 0);
  RnsPoly permuted(backend, level + 1);
  bool accumulate = false;
  for (size_t i = 0; i < inputs.size(); ++i) {
    const Ciphertext &a = *inputs[i];
    if (elements[i] == 1) {
      addLimbs(limbs(r), limbs(a));
      continue;
    }
    const uint32_t *permutation =
        context_->galoisPermutation(elements[i]).data();
    Decomposition d = keySwitcher_.decompose(a[1], level);
    std::vector<const uint64_t *> digits;
    for (const RnsPoly &digit : d.digits)
      digits.push_back(digit.data());
    keySwitcher_.innerProduct(level, keys.at(elements[i]), 0,
                              Span<const uint64_t *const>(digits), all,
                              acc0.data(), acc1.data(), permutation,
                              accumulate);
    accumulate = true;
    addPermutedLimbs(r[0].data(), a[0].data(), permutation, level, chain,
                     permuted.data());
  }
  if (!anyKeySwitch)
    return r;
  RnsPoly u0(backend, level + 1), u1(backend, level + 1);
  keySwitcher_.modDownSpecialToCoefficients(acc0.limb(level + 1));
  keySwitcher_.modDownSpecialToCoefficients(acc1.limb(level + 1));
  keySwitcher_.modDownChain(level, acc0.limb(level + 1), acc0.data(), chain,
                            u0.data());
  keySwitcher_.modDownChain(level, acc1.limb(level + 1), acc1.data(), chain,
                            u1.data());
  addKeySwitchedLimbs(limbs(r), u0.data(), u1.data());
  return r;
}

} // namespace ckks
} // namespace aegis
