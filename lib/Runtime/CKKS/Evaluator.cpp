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
  addLimbs(limbs(a), limbs(b));
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
  subLimbs(limbs(a), limbs(b));
}

Ciphertext Evaluator::sub(const Ciphertext &a, const Ciphertext &b) const {
  Ciphertext r = a;
  subInPlace(r, b);
  return r;
}

void Evaluator::negateInPlace(Ciphertext &a) const {
  checkOperand(a, "operand");
  negateLimbs(limbs(a));
}

Ciphertext Evaluator::negate(const Ciphertext &a) const {
  Ciphertext r = a;
  negateInPlace(r);
  return r;
}

void Evaluator::addPlainInPlace(Ciphertext &a, const Plaintext &b) const {
  checkPlain(a, b);
  checkSameScale(a.scale(), b.scale());
  addPlainLimbs(limbs(a), b.poly().data());
}

Ciphertext Evaluator::addPlain(const Ciphertext &a, const Plaintext &b) const {
  Ciphertext r = a;
  addPlainInPlace(r, b);
  return r;
}

void Evaluator::subPlainInPlace(Ciphertext &a, const Plaintext &b) const {
  checkPlain(a, b);
  checkSameScale(a.scale(), b.scale());
  subPlainLimbs(limbs(a), b.poly().data());
}

Ciphertext Evaluator::subPlain(const Ciphertext &a, const Plaintext &b) const {
  Ciphertext r = a;
  subPlainInPlace(r, b);
  return r;
}

void Evaluator::addConstantInPlace(Ciphertext &a,
                                   std::complex<double> c) const {
  checkOperand(a, "operand");
  addConstantLimbs(limbs(a), c * a.scale());
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
  multiplyPlainLimbs(limbs(a), b.poly().data());
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
  multiplyConstantLimbs(limbs(a), c * constantScale);
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
  multiplyIntegerLimbs(limbs(a), k);
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
  Ciphertext r(context_, 3, a.level(), a.scale() * b.scale(), a.slots());
  multiplyLimbs(limbs(r), limbs(a), limbs(b));
  return r;
}

Ciphertext Evaluator::square(const Ciphertext &a) const {
  checkOperand(a, "operand");
  require(a.size() == 2, "square expects a relinearized operand, found ",
          a.size(), " polynomials");
  Ciphertext r(context_, 3, a.level(), a.scale() * a.scale(), a.slots());
  squareLimbs(limbs(r), limbs(a));
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
  addKeySwitchedLimbs(limbs(a), u0.data(), u1.data());
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
  const uint32_t top = level;
  RnsPoly last(context_->backend(), a.size());
  rescaleTopLimbs(limbs(a), last.data());
  rescaleLimbs(limbs(a), last.data());
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
