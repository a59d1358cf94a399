//===- EvaluatorLimbs.cpp - The Evaluator's arithmetic on limb ranges -----===//
//
// Each kernel here is the only implementation of its operation: Evaluator's
// whole-ciphertext functions call it with every limb, the distributed
// evaluator with a device's own limbs.
//
//===----------------------------------------------------------------------===//

#include "aegis/Runtime/CKKS/Evaluator.h"

#include "aegis/Runtime/CKKS/Encoder.h"
#include "aegis/Runtime/Support/Error.h"

#include <algorithm>

namespace aegis {
namespace ckks {

LimbView Evaluator::limbs(Ciphertext &a) {
  return makeLimbView<uint64_t>(a.level(), {0, a.level() + 1}, a.size(),
                                [&](unsigned i) { return a[i].data(); });
}

ConstLimbView Evaluator::limbs(const Ciphertext &a) {
  return makeLimbView<const uint64_t>(a.level(), {0, a.level() + 1}, a.size(),
                                      [&](unsigned i) { return a[i].data(); });
}

RnsPoly Evaluator::constantPoly(std::complex<double> value, unsigned level,
                                LimbRange range) const {
  const size_t n = context_->degree();
  std::vector<uint64_t> host(size_t(range.size()) * n, 0);
  for (unsigned k = range.begin; k < range.end; ++k) {
    const Modulus &m = context_->modulus(k);
    host[(k - range.begin) * n] = residueOfRounded(value.real(), m);
    host[(k - range.begin) * n + n / 2] = residueOfRounded(value.imag(), m);
  }
  Backend &backend = context_->backend();
  RnsPoly poly(backend, range.size());
  backend.copyFromHost(poly.data(), host.data(), host.size());
  backend.forwardNtt(poly.data(), moduli(level, range));
  return poly;
}

std::vector<uint64_t> Evaluator::roundedResidues(double value,
                                                 LimbRange range) const {
  std::vector<uint64_t> residues;
  residues.reserve(range.size());
  for (unsigned k = range.begin; k < range.end; ++k) {
    residues.push_back(residueOfRounded(value, context_->modulus(k)));
  }
  return residues;
}

void Evaluator::addLimbs(const LimbView &a, const ConstLimbView &b) const {
  if (a.empty()) {
    return;
  }
  for (unsigned i = 0; i < b.size; ++i) {
    context_->backend().add(a[i], a[i], b[i], moduli(a.level, a.range));
  }
}

void Evaluator::subLimbs(const LimbView &a, const ConstLimbView &b) const {
  if (a.empty()) {
    return;
  }
  for (unsigned i = 0; i < b.size; ++i) {
    context_->backend().sub(a[i], a[i], b[i], moduli(a.level, a.range));
  }
}

void Evaluator::negateLimbs(const LimbView &a) const {
  if (a.empty()) {
    return;
  }
  for (unsigned i = 0; i < a.size; ++i) {
    context_->backend().negate(a[i], a[i], moduli(a.level, a.range));
  }
}

void Evaluator::addPlainLimbs(const LimbView &a, const uint64_t *p) const {
  if (!a.empty()) {
    context_->backend().add(a[0], a[0], p, moduli(a.level, a.range));
  }
}

void Evaluator::subPlainLimbs(const LimbView &a, const uint64_t *p) const {
  if (!a.empty()) {
    context_->backend().sub(a[0], a[0], p, moduli(a.level, a.range));
  }
}

void Evaluator::multiplyPlainLimbs(const LimbView &a, const uint64_t *p) const {
  if (a.empty()) {
    return;
  }
  for (unsigned i = 0; i < a.size; ++i) {
    context_->backend().multiply(a[i], a[i], p, moduli(a.level, a.range));
  }
}

void Evaluator::constantLimbs(const LimbView &a, std::complex<double> value,
                              unsigned count, bool multiply) const {
  if (a.empty()) {
    return;
  }
  Backend &backend = context_->backend();
  ModuliSpan mods = moduli(a.level, a.range);
  if (value.imag() == 0) {
    // A constant polynomial is the same constant in every NTT slot.
    std::vector<uint64_t> scalars = roundedResidues(value.real(), a.range);
    for (unsigned i = 0; i < count; ++i) {
      if (multiply) {
        backend.multiplyScalar(a[i], a[i], scalars.data(), mods);
      } else {
        backend.addScalar(a[i], a[i], scalars.data(), mods);
      }
    }
    return;
  }
  RnsPoly constant = constantPoly(value, a.level, a.range);
  for (unsigned i = 0; i < count; ++i) {
    if (multiply) {
      backend.multiply(a[i], a[i], constant.data(), mods);
    } else {
      backend.add(a[i], a[i], constant.data(), mods);
    }
  }
}

void Evaluator::addConstantLimbs(const LimbView &a,
                                 std::complex<double> value) const {
  constantLimbs(a, value, 1, /*multiply=*/false);
}

void Evaluator::multiplyConstantLimbs(const LimbView &a,
                                      std::complex<double> value) const {
  constantLimbs(a, value, a.size, /*multiply=*/true);
}

void Evaluator::multiplyIntegerLimbs(const LimbView &a, int64_t k) const {
  if (a.empty()) {
    return;
  }
  std::vector<uint64_t> scalars;
  for (unsigned i = a.range.begin; i < a.range.end; ++i) {
    scalars.push_back(fromSigned(k, context_->modulus(i)));
  }
  for (unsigned i = 0; i < a.size; ++i) {
    context_->backend().multiplyScalar(a[i], a[i], scalars.data(),
                                       moduli(a.level, a.range));
  }
}

void Evaluator::multiplyLimbs(const LimbView &out, const ConstLimbView &a,
                              const ConstLimbView &b) const {
  if (a.empty()) {
    return;
  }
  Backend &backend = context_->backend();
  ModuliSpan mods = moduli(a.level, a.range);
  backend.multiply(out[0], a[0], b[0], mods);
  backend.multiply(out[1], a[0], b[1], mods);
  backend.multiplyAccumulate(out[1], a[1], b[0], mods);
  backend.multiply(out[2], a[1], b[1], mods);
}

void Evaluator::squareLimbs(const LimbView &out, const ConstLimbView &a) const {
  if (a.empty()) {
    return;
  }
  Backend &backend = context_->backend();
  ModuliSpan mods = moduli(a.level, a.range);
  backend.multiply(out[0], a[0], a[0], mods);
  backend.multiply(out[1], a[0], a[1], mods);
  backend.add(out[1], out[1], out[1], mods);
  backend.multiply(out[2], a[1], a[1], mods);
}

void Evaluator::rescaleTopLimbs(const ConstLimbView &a, uint64_t *top) const {
  require(a.range.begin <= a.level && a.level < a.range.end,
          "rescale: limb ", a.level, " is not in the limbs [", a.range.begin,
          ", ", a.range.end, ")");
  Backend &backend = context_->backend();
  const size_t n = context_->degree();
  const uint32_t topIndex = a.level;
  const size_t offset = size_t(a.level - a.range.begin) * n;
  for (unsigned i = 0; i < a.size; ++i) {
    backend.copy(top + i * n, a[i] + offset, n);
    backend.inverseNtt(top + i * n, ModuliSpan(&topIndex, 1));
  }
}

void Evaluator::rescaleLimbs(const LimbView &a, const uint64_t *top) const {
  const unsigned end = std::min(a.range.end, a.level);
  if (a.range.begin >= end) {
    return;
  }
  // round(x / q_l) = (x - ((x_l + h) mod q_l - h)) / q_l, h = floor(q_l/2).
  const LimbRange lowerRange{a.range.begin, end};
  ModuliSpan lower = moduli(a.level, lowerRange);
  Backend &backend = context_->backend();
  const size_t n = context_->degree();
  const uint32_t topIndex = a.level;
  const uint64_t half = context_->modulus(topIndex).value / 2;
  RnsPoly lifted(backend, lowerRange.size());
  for (unsigned i = 0; i < a.size; ++i) {
    backend.switchModulus(lifted.data(), lower, top + i * n, topIndex, half,
                          context_->rescaleHalves(a.level) + a.range.begin);
    backend.forwardNtt(lifted.data(), lower);
    backend.subtractAndScale(a[i], a[i], lifted.data(),
                             context_->rescaleInverses(a.level) +
                                 a.range.begin,
                             lower);
  }
}

void Evaluator::addKeySwitchedLimbs(const LimbView &a, const uint64_t *u0,
                                    const uint64_t *u1) const {
  if (a.empty()) {
    return;
  }
  ModuliSpan mods = moduli(a.level, a.range);
  context_->backend().add(a[0], a[0], u0, mods);
  context_->backend().add(a[1], a[1], u1, mods);
}

void Evaluator::addPermutedLimbs(uint64_t *out, const uint64_t *in,
                                 const uint32_t *permutation, unsigned level,
                                 LimbRange range, uint64_t *scratch) const {
  if (range.size() == 0) {
    return;
  }
  Backend &backend = context_->backend();
  backend.permute(scratch, in, permutation, range.size());
  backend.add(out, out, scratch, moduli(level, range));
}

} // namespace ckks
} // namespace aegis
