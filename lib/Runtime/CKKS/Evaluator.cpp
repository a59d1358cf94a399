//===- Evaluator.cpp - Homomorphic arithmetic -----------------------------===//

#include "aegis/Runtime/CKKS/Evaluator.h"

#include "aegis/Runtime/CKKS/Encoder.h"
#include "aegis/Runtime/Support/Error.h"

#include <cmath>

namespace aegis {
namespace ckks {

Evaluator::Evaluator(ContextPtr context)
    : context_(std::move(context)), keySwitcher_(context_) {}

//===----------------------------------------------------------------------===//
// Checks
//===----------------------------------------------------------------------===//

void Evaluator::checkOperand(const Ciphertext &a, const char *what) const {
  require(!a.empty(), what, " is an empty ciphertext");
  require(a.context() == context_, what,
          " belongs to another context than the evaluator");
  require(a.size() == 2 || a.size() == 3, what, " has ", a.size(),
          " polynomials: expected 2 or 3");
}

void Evaluator::checkSameLevel(unsigned a, unsigned b) const {
  require(a == b, "operand levels differ: ", a, " and ", b,
          "; drop the higher one with dropToLevel or rescale first");
}

void Evaluator::checkSameScale(double a, double b) const {
  double tolerance = kScaleTolerance * std::max(std::fabs(a), std::fabs(b));
  if (!(std::fabs(a - b) <= tolerance)) {
    fail("operand scales differ: 2^", std::log2(a), " (", a, ") and 2^",
         std::log2(b), " (", b,
         "); rescale, multiply by a constant or setScale explicitly");
  }
}

void Evaluator::checkSameSlots(size_t a, size_t b) const {
  require(a == b, "operand slot counts differ: ", a, " and ", b);
}

void Evaluator::checkPlain(const Ciphertext &a, const Plaintext &b) const {
  checkOperand(a, "ciphertext operand");
  require(!b.empty() && b.context() == context_,
          "plaintext operand is empty or belongs to another context");
  checkSameLevel(a.level(), b.level());
  checkSameSlots(a.slots(), b.slots());
}

//===----------------------------------------------------------------------===//
// Addition
//===----------------------------------------------------------------------===//

void Evaluator::addInPlace(Ciphertext &a, const Ciphertext &b) const {
  checkOperand(a, "first operand");
  checkOperand(b, "second operand");
  checkSameLevel(a.level(), b.level());
  checkSameScale(a.scale(), b.scale());
  checkSameSlots(a.slots(), b.slots());
  if (a.size() < b.size()) {
    Ciphertext sum = b;
    addInPlace(sum, a);
    a = std::move(sum);
    return;
  }
  Backend &backend = context_->backend();
  for (unsigned i = 0; i < b.size(); ++i) {
    backend.add(a[i].data(), a[i].data(), b[i].data(), moduli(a.level()));
  }
}

Ciphertext Evaluator::add(const Ciphertext &a, const Ciphertext &b) const {
  Ciphertext r = a;
  addInPlace(r, b);
  return r;
}

void Evaluator::subInPlace(Ciphertext &a, const Ciphertext &b) const {
  checkOperand(a, "first operand");
  checkOperand(b, "second operand");
  checkSameLevel(a.level(), b.level());
  checkSameScale(a.scale(), b.scale());
  checkSameSlots(a.slots(), b.slots());
  if (a.size() < b.size()) {
    Ciphertext difference = negate(b);
    addInPlace(difference, a);
    a = std::move(difference);
    return;
  }
  Backend &backend = context_->backend();
  for (unsigned i = 0; i < b.size(); ++i) {
    backend.sub(a[i].data(), a[i].data(), b[i].data(), moduli(a.level()));
  }
}

Ciphertext Evaluator::sub(const Ciphertext &a, const Ciphertext &b) const {
  Ciphertext r = a;
  subInPlace(r, b);
  return r;
}

void Evaluator::negateInPlace(Ciphertext &a) const {
  checkOperand(a, "operand");
  for (unsigned i = 0; i < a.size(); ++i) {
    context_->backend().negate(a[i].data(), a[i].data(), moduli(a.level()));
  }
}

Ciphertext Evaluator::negate(const Ciphertext &a) const {
  Ciphertext r = a;
  negateInPlace(r);
  return r;
}

void Evaluator::addPlainInPlace(Ciphertext &a, const Plaintext &b) const {
  checkPlain(a, b);
  checkSameScale(a.scale(), b.scale());
  context_->backend().add(a[0].data(), a[0].data(), b.poly().data(),
                          moduli(a.level()));
}

Ciphertext Evaluator::addPlain(const Ciphertext &a, const Plaintext &b) const {
  Ciphertext r = a;
  addPlainInPlace(r, b);
  return r;
}

void Evaluator::subPlainInPlace(Ciphertext &a, const Plaintext &b) const {
  checkPlain(a, b);
  checkSameScale(a.scale(), b.scale());
  context_->backend().sub(a[0].data(), a[0].data(), b.poly().data(),
                          moduli(a.level()));
}

Ciphertext Evaluator::subPlain(const Ciphertext &a, const Plaintext &b) const {
  Ciphertext r = a;
  subPlainInPlace(r, b);
  return r;
}

RnsPoly Evaluator::constantPoly(std::complex<double> value,
                                unsigned level) const {
  const size_t n = context_->degree();
  std::vector<uint64_t> host((level + 1) * n, 0);
  for (unsigned k = 0; k <= level; ++k) {
    const Modulus &m = context_->modulus(k);
    host[k * n] = residueOfRounded(value.real(), m);
    host[k * n + n / 2] = residueOfRounded(value.imag(), m);
  }
  Backend &backend = context_->backend();
  RnsPoly poly(backend, level + 1);
  backend.copyFromHost(poly.data(), host.data(), host.size());
  backend.forwardNtt(poly.data(), moduli(level));
  return poly;
}

void Evaluator::addConstantInPlace(Ciphertext &a,
                                   std::complex<double> c) const {
  checkOperand(a, "operand");
  Backend &backend = context_->backend();
  std::complex<double> scaled = c * a.scale();
  if (scaled.imag() == 0) {
    // A constant polynomial is the same constant in every NTT slot.
    std::vector<uint64_t> scalars(a.level() + 1);
    for (unsigned k = 0; k <= a.level(); ++k) {
      scalars[k] = residueOfRounded(scaled.real(), context_->modulus(k));
    }
    backend.addScalar(a[0].data(), a[0].data(), scalars.data(),
                      moduli(a.level()));
    return;
  }
  RnsPoly constant = constantPoly(scaled, a.level());
  backend.add(a[0].data(), a[0].data(), constant.data(), moduli(a.level()));
}

Ciphertext Evaluator::addConstant(const Ciphertext &a,
                                  std::complex<double> c) const {
  Ciphertext r = a;
  addConstantInPlace(r, c);
  return r;
}

//===----------------------------------------------------------------------===//
// Multiplication
//===----------------------------------------------------------------------===//

void Evaluator::multiplyPlainInPlace(Ciphertext &a, const Plaintext &b) const {
  checkPlain(a, b);
  for (unsigned i = 0; i < a.size(); ++i) {
    context_->backend().multiply(a[i].data(), a[i].data(), b.poly().data(),
                                 moduli(a.level()));
  }
  a.setScale(a.scale() * b.scale());
}

Ciphertext Evaluator::multiplyPlain(const Ciphertext &a,
                                    const Plaintext &b) const {
  Ciphertext r = a;
  multiplyPlainInPlace(r, b);
  return r;
}

void Evaluator::multiplyConstantInPlace(Ciphertext &a, std::complex<double> c,
                                        double constantScale) const {
  checkOperand(a, "operand");
  require(std::isfinite(constantScale) && constantScale > 0,
          "constant scale ", constantScale,
          " is not a positive finite number");
  Backend &backend = context_->backend();
  std::complex<double> scaled = c * constantScale;
  if (scaled.imag() == 0) {
    std::vector<uint64_t> scalars(a.level() + 1);
    for (unsigned k = 0; k <= a.level(); ++k) {
      scalars[k] = residueOfRounded(scaled.real(), context_->modulus(k));
    }
    for (unsigned i = 0; i < a.size(); ++i) {
      backend.multiplyScalar(a[i].data(), a[i].data(), scalars.data(),
                             moduli(a.level()));
    }
  } else {
    RnsPoly constant = constantPoly(scaled, a.level());
    for (unsigned i = 0; i < a.size(); ++i) {
      backend.multiply(a[i].data(), a[i].data(), constant.data(),
                       moduli(a.level()));
    }
  }
  a.setScale(a.scale() * constantScale);
}

Ciphertext Evaluator::multiplyConstant(const Ciphertext &a,
                                       std::complex<double> c,
                                       double constantScale) const {
  Ciphertext r = a;
  multiplyConstantInPlace(r, c, constantScale);
  return r;
}

void Evaluator::multiplyIntegerInPlace(Ciphertext &a, int64_t k) const {
  checkOperand(a, "operand");
  std::vector<uint64_t> scalars(a.level() + 1);
  for (unsigned i = 0; i <= a.level(); ++i) {
    scalars[i] = fromSigned(k, context_->modulus(i));
  }
  for (unsigned i = 0; i < a.size(); ++i) {
    context_->backend().multiplyScalar(a[i].data(), a[i].data(),
                                       scalars.data(), moduli(a.level()));
  }
}

Ciphertext Evaluator::multiply(const Ciphertext &a,
                               const Ciphertext &b) const {
  checkOperand(a, "first operand");
  checkOperand(b, "second operand");
  require(a.size() == 2 && b.size() == 2,
          "multiply expects relinearized operands (2 polynomials), found ",
          a.size(), " and ", b.size());
  checkSameLevel(a.level(), b.level());
  checkSameSlots(a.slots(), b.slots());
  Backend &backend = context_->backend();
  ModuliSpan mods = moduli(a.level());
  Ciphertext r(context_, 3, a.level(), a.scale() * b.scale(), a.slots());
  backend.multiply(r[0].data(), a[0].data(), b[0].data(), mods);
  backend.multiply(r[1].data(), a[0].data(), b[1].data(), mods);
  backend.multiplyAccumulate(r[1].data(), a[1].data(), b[0].data(), mods);
  backend.multiply(r[2].data(), a[1].data(), b[1].data(), mods);
  return r;
}

Ciphertext Evaluator::square(const Ciphertext &a) const {
  checkOperand(a, "operand");
  require(a.size() == 2, "square expects a relinearized operand, found ",
          a.size(), " polynomials");
  Backend &backend = context_->backend();
  ModuliSpan mods = moduli(a.level());
  Ciphertext r(context_, 3, a.level(), a.scale() * a.scale(), a.slots());
  backend.multiply(r[0].data(), a[0].data(), a[0].data(), mods);
  backend.multiply(r[1].data(), a[0].data(), a[1].data(), mods);
  backend.add(r[1].data(), r[1].data(), r[1].data(), mods);
  backend.multiply(r[2].data(), a[1].data(), a[1].data(), mods);
  return r;
}

void Evaluator::relinearizeInPlace(Ciphertext &a, const RelinKey &key) const {
  checkOperand(a, "operand");
  require(a.size() == 3, "relinearize expects 3 polynomials, found ",
          a.size());
  require(key.context() == context_,
          "relinearization key belongs to another context");
  RnsPoly u0, u1;
  keySwitcher_.keySwitch(a[2], a.level(), key.key(), u0, u1);
  Backend &backend = context_->backend();
  backend.add(a[0].data(), a[0].data(), u0.data(), moduli(a.level()));
  backend.add(a[1].data(), a[1].data(), u1.data(), moduli(a.level()));
  a.shrinkToSize(2);
}

Ciphertext Evaluator::relinearize(const Ciphertext &a,
                                  const RelinKey &key) const {
  Ciphertext r = a;
  relinearizeInPlace(r, key);
  return r;
}

Ciphertext Evaluator::multiplyRelin(const Ciphertext &a, const Ciphertext &b,
                                    const RelinKey &key) const {
  Ciphertext r = multiply(a, b);
  relinearizeInPlace(r, key);
  return r;
}

//===----------------------------------------------------------------------===//
// Levels
//===----------------------------------------------------------------------===//

void Evaluator::rescaleInPlace(Ciphertext &a) const {
  checkOperand(a, "operand");
  const unsigned level = a.level();
  require(level >= 1, "cannot rescale a ciphertext at level 0");
  Backend &backend = context_->backend();
  const uint32_t top = level;
  ModuliSpan lower = moduli(level - 1);
  RnsPoly last(backend, 1);
  RnsPoly lifted(backend, level);
  const uint64_t half = context_->modulus(top).value / 2;
  for (unsigned i = 0; i < a.size(); ++i) {
    // round(x / q_l) = (x - ((x_l + h) mod q_l - h)) / q_l, h = floor(q_l/2).
    backend.copy(last.data(), a[i].limb(level), context_->degree());
    backend.inverseNtt(last.data(), ModuliSpan(&top, 1));
    backend.switchModulus(lifted.data(), lower, last.data(), top, half,
                          context_->rescaleHalves(level));
    backend.forwardNtt(lifted.data(), lower);
    backend.subtractAndScale(a[i].data(), a[i].data(), lifted.data(),
                             context_->rescaleInverses(level), lower);
  }
  a.dropToLevel(level - 1);
  a.setScale(a.scale() / double(context_->modulus(top).value));
}

Ciphertext Evaluator::rescale(const Ciphertext &a) const {
  Ciphertext r = a;
  rescaleInPlace(r);
  return r;
}

void Evaluator::dropToLevelInPlace(Ciphertext &a, unsigned level) const {
  checkOperand(a, "operand");
  require(level <= a.level(), "cannot drop a ciphertext from level ",
          a.level(), " up to level ", level);
  a.dropToLevel(level);
}

Ciphertext Evaluator::dropToLevel(const Ciphertext &a, unsigned level) const {
  Ciphertext r = a;
  dropToLevelInPlace(r, level);
  return r;
}

} // namespace ckks
} // namespace aegis
