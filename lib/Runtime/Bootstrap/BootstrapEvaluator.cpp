//===- BootstrapEvaluator.cpp - Key switching with bootstrapping keys -----===//

#include "aegis/Runtime/Bootstrap/BootstrapEvaluator.h"

#include "aegis/Runtime/Support/Error.h"

#include <vector>

namespace aegis {
namespace ckks {

BootstrapEvaluator::BootstrapEvaluator(
    ContextPtr context, std::shared_ptr<const BootstrapKeys> keys)
    : context_(std::move(context)), keys_(std::move(keys)),
      evaluator_(context_) {
  require(keys_ != nullptr, "bootstrapping evaluator needs keys");
  const Context &ctx = *context_;
  const size_t n = ctx.degree();
  const unsigned top = ctx.maxLevel();
  std::vector<uint64_t> host((top + 1) * n, 0);
  for (unsigned k = 0; k <= top; ++k) {
    host[k * n + n / 2] = 1;
  }
  imaginaryUnit_ = RnsPoly(ctx.backend(), top + 1);
  ctx.backend().copyFromHost(imaginaryUnit_.data(), host.data(), host.size());
  ctx.backend().forwardNtt(imaginaryUnit_.data(), ctx.chainIndices(top));
}

void BootstrapEvaluator::liftToExtended(const uint64_t *poly, unsigned level,
                                        uint64_t *out) const {
  const Context &ctx = *context_;
  const size_t n = ctx.degree();
  ctx.backend().multiplyScalar(out, poly, ctx.specialProductModChain().data(),
                               ctx.chainIndices(level));
  ctx.backend().fillZero(out + (level + 1) * n, ctx.numSpecial() * n);
}

void BootstrapEvaluator::innerProduct(const KeySwitchKey &key,
                                      const Decomposition &decomposition,
                                      const uint32_t *permutation,
                                      uint64_t *acc0, uint64_t *acc1,
                                      bool accumulate) const {
  const unsigned level = decomposition.level;
  require(decomposition.digits.size() == context_->numDigits(level),
          "decomposition has ", decomposition.digits.size(),
          " digits: expected ", context_->numDigits(level));
  std::vector<const uint64_t *> digits;
  for (const RnsPoly &d : decomposition.digits) {
    digits.push_back(d.data());
  }
  const KeySwitcher &ks = keySwitcher();
  ks.innerProduct(level, key, 0, Span<const uint64_t *const>(digits),
                  ks.extendedRange(level), acc0, acc1, permutation,
                  accumulate);
}

void BootstrapEvaluator::modDown(uint64_t *extended, unsigned level,
                                 uint64_t *out) const {
  const size_t n = context_->degree();
  const KeySwitcher &ks = keySwitcher();
  uint64_t *special = extended + (level + 1) * n;
  ks.modDownSpecialToCoefficients(special);
  ks.modDownChain(level, special, extended, LimbRange{0, level + 1}, out);
}

Ciphertext BootstrapEvaluator::applyGalois(const Ciphertext &a,
                                           uint64_t galoisElement) const {
  const Context &ctx = *context_;
  evaluator_.checkOperand(a, "operand");
  require(a.size() == 2, "automorphisms expect a relinearized ciphertext");
  if (galoisElement == 1) {
    return a;
  }
  const KeySwitchKey &key = keys_->galoisKey(galoisElement);
  const unsigned level = a.level();
  const std::vector<uint32_t> &perm = ctx.galoisPermutation(galoisElement);
  Backend &backend = ctx.backend();
  Decomposition d = keySwitcher().decompose(a[1], level);
  size_t limbs = level + 1 + ctx.numSpecial();
  RnsPoly acc0(backend, limbs), acc1(backend, limbs);
  innerProduct(key, d, perm.data(), acc0.data(), acc1.data(), false);
  Ciphertext r(context_, 2, level, a.scale(), a.slots());
  modDown(acc0.data(), level, r[0].data());
  modDown(acc1.data(), level, r[1].data());
  RnsPoly permuted(backend, level + 1);
  backend.permute(permuted.data(), a[0].data(), perm.data(), level + 1);
  backend.add(r[0].data(), r[0].data(), permuted.data(),
              ctx.chainIndices(level));
  return r;
}

Ciphertext BootstrapEvaluator::rotate(const Ciphertext &a, long steps) const {
  return applyGalois(a, context_->galoisElementForRotation(steps));
}

Ciphertext BootstrapEvaluator::conjugate(const Ciphertext &a) const {
  return applyGalois(a, context_->conjugationElement());
}

Ciphertext BootstrapEvaluator::keySwitch(const Ciphertext &a,
                                         const KeySwitchKey &key) const {
  const Context &ctx = *context_;
  evaluator_.checkOperand(a, "operand");
  require(a.size() == 2, "key switching expects a relinearized ciphertext");
  require(!key.empty(), "key switching with an empty key");
  const unsigned level = a.level();
  Backend &backend = ctx.backend();
  Decomposition d = keySwitcher().decompose(a[1], level);
  size_t limbs = level + 1 + ctx.numSpecial();
  RnsPoly acc0(backend, limbs), acc1(backend, limbs);
  innerProduct(key, d, nullptr, acc0.data(), acc1.data(), false);
  Ciphertext r(context_, 2, level, a.scale(), a.slots());
  modDown(acc0.data(), level, r[0].data());
  modDown(acc1.data(), level, r[1].data());
  backend.add(r[0].data(), r[0].data(), a[0].data(), ctx.chainIndices(level));
  return r;
}

void BootstrapEvaluator::relinearizeInPlace(Ciphertext &a) const {
  const Context &ctx = *context_;
  evaluator_.checkOperand(a, "operand");
  require(a.size() == 3, "relinearize expects 3 polynomials, found ", a.size());
  const unsigned level = a.level();
  Backend &backend = ctx.backend();
  Decomposition d = keySwitcher().decompose(a[2], level);
  size_t limbs = level + 1 + ctx.numSpecial();
  RnsPoly acc0(backend, limbs), acc1(backend, limbs);
  innerProduct(keys_->relin, d, nullptr, acc0.data(), acc1.data(), false);
  modDown(acc0.data(), level, acc0.data());
  modDown(acc1.data(), level, acc1.data());
  ModuliSpan moduli = ctx.chainIndices(level);
  backend.add(a[0].data(), a[0].data(), acc0.data(), moduli);
  backend.add(a[1].data(), a[1].data(), acc1.data(), moduli);
  a.shrinkToSize(2);
}

Ciphertext BootstrapEvaluator::multiplyRelin(const Ciphertext &a,
                                             const Ciphertext &b) const {
  Ciphertext r = evaluator_.multiply(a, b);
  relinearizeInPlace(r);
  return r;
}

Ciphertext BootstrapEvaluator::squareRelin(const Ciphertext &a) const {
  Ciphertext r = evaluator_.square(a);
  relinearizeInPlace(r);
  return r;
}

void BootstrapEvaluator::multiplyByImaginaryUnitInPlace(Ciphertext &a,
                                                        bool negative) const {
  const Context &ctx = *context_;
  evaluator_.checkOperand(a, "operand");
  ModuliSpan moduli = ctx.chainIndices(a.level());
  for (unsigned i = 0; i < a.size(); ++i) {
    ctx.backend().multiply(a[i].data(), a[i].data(), imaginaryUnit_.data(),
                           moduli);
    if (negative) {
      ctx.backend().negate(a[i].data(), a[i].data(), moduli);
    }
  }
}

Ciphertext BootstrapEvaluator::encapsulate(const Ciphertext &a) const {
  const Context &ctx = *context_;
  evaluator_.checkOperand(a, "operand");
  require(a.size() == 2 && a.level() == 0,
          "encapsulation expects a relinearized ciphertext at level 0, found ",
          a.size(), " polynomials at level ", a.level());
  const EncapsulationKey &key = keys_->denseToSparse;
  require(!key.empty(), "bootstrapping keys have no encapsulation key");
  Backend &backend = ctx.backend();
  const size_t n = ctx.degree();
  ModuliSpan pair = key.moduli();
  ModuliSpan q0 = pair.slice(0, 1), p0 = pair.slice(1, 1);
  // ModUp of the single-prime digit c1 to {q_0, p_0}: exact.
  RnsPoly digit(backend, 2);
  backend.copy(digit.data(), a[1].data(), n);
  RnsPoly coefficients(backend, 1);
  backend.copy(coefficients.data(), a[1].data(), n);
  backend.inverseNtt(coefficients.data(), q0);
  backend.baseConvert(digit.limb(1), p0, coefficients.data(),
                      ctx.modUpConverter(0, 1), false);
  backend.forwardNtt(digit.limb(1), p0);
  // Inner product, then ModDown by p_0.
  Ciphertext r(context_, 2, 0, a.scale(), a.slots());
  RnsPoly acc(backend, 2), converted(backend, 1);
  const uint64_t inverse = key.specialInverse();
  for (int i = 0; i < 2; ++i) {
    const RnsPoly &k = i == 0 ? key.b() : key.a();
    backend.multiply(acc.data(), digit.data(), k.data(), pair);
    backend.inverseNtt(acc.limb(1), p0);
    backend.baseConvert(converted.data(), q0, acc.limb(1), key.fromSpecial(),
                        true);
    backend.forwardNtt(converted.data(), q0);
    backend.subtractAndScale(r[i].data(), acc.data(), converted.data(),
                             &inverse, q0);
  }
  backend.add(r[0].data(), r[0].data(), a[0].data(), q0);
  return r;
}

} // namespace ckks
} // namespace aegis
