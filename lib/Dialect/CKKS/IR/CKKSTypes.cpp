//===- CKKSTypes.cpp - CKKS type and attribute verifiers ------------------===//

#include "aegis/Dialect/CKKS/IR/CKKSTypes.h"

#include "mlir/IR/Operation.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/Support/MathExtras.h"

#include <algorithm>

using namespace mlir;
using namespace mlir::aegis::ckks;

namespace {
// Bounds of the runtime: ring degrees 2^10..2^17, primes of 18 to 60 bits.
constexpr unsigned kMinLogN = 10;
constexpr unsigned kMaxLogN = 17;
constexpr int64_t kMinPrimeBits = 18;
constexpr int64_t kMaxPrimeBits = 60;
// A product of two scales must stay representable in the type.
constexpr unsigned kMaxLogScale = 256;

LogicalResult verifySlotsAndScale(function_ref<InFlightDiagnostic()> emitError,
                                  unsigned slots, unsigned logScale) {
  if (slots == 0 || !llvm::isPowerOf2_32(slots))
    return emitError() << "slot count must be a power of two, got " << slots;
  if (logScale == 0 || logScale > kMaxLogScale)
    return emitError() << "logScale must be in [1, " << kMaxLogScale
                       << "], got " << logScale;
  return success();
}
} // namespace

LogicalResult
CiphertextType::verify(function_ref<InFlightDiagnostic()> emitError,
                       unsigned slots, unsigned level, unsigned logScale,
                       unsigned size) {
  if (failed(verifySlotsAndScale(emitError, slots, logScale)))
    return failure();
  if (size != 2 && size != 3)
    return emitError() << "ciphertext size must be 2 or 3 polynomials, got "
                       << size;
  return success();
}

LogicalResult
PlaintextType::verify(function_ref<InFlightDiagnostic()> emitError,
                      unsigned slots, unsigned level, unsigned logScale) {
  return verifySlotsAndScale(emitError, slots, logScale);
}

LogicalResult ParamsAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                                 unsigned logN, ArrayRef<int64_t> logQ,
                                 ArrayRef<int64_t> logP, unsigned dnum) {
  if (logN < kMinLogN || logN > kMaxLogN)
    return emitError() << "logN must be in [" << kMinLogN << ", " << kMaxLogN
                       << "], got " << logN;
  if (logQ.empty())
    return emitError() << "logQ must list at least one prime";
  if (logP.empty())
    return emitError() << "logP must list at least one special prime";
  auto badPrime = [](int64_t bits) {
    return bits < kMinPrimeBits || bits > kMaxPrimeBits;
  };
  for (int64_t bits : llvm::concat<const int64_t>(logQ, logP))
    if (badPrime(bits))
      return emitError() << "prime sizes must be in [" << kMinPrimeBits << ", "
                         << kMaxPrimeBits << "] bits, got " << bits;
  if (dnum == 0 || dnum > logQ.size())
    return emitError() << "dnum must be in [1, " << logQ.size()
                       << "] (the number of Q primes), got " << dnum;
  // Hybrid key switching divides by P: its noise stays small only when P is
  // at least as large as every digit (ceil((L+1)/dnum) consecutive primes).
  size_t digitSize = (logQ.size() + dnum - 1) / dnum;
  int64_t largestDigit = 0;
  for (size_t begin = 0; begin < logQ.size(); begin += digitSize) {
    int64_t bits = 0;
    for (size_t i = begin; i < std::min(logQ.size(), begin + digitSize); ++i)
      bits += logQ[i];
    largestDigit = std::max(largestDigit, bits);
  }
  int64_t pBits = 0;
  for (int64_t bits : logP)
    pBits += bits;
  if (pBits < largestDigit)
    return emitError() << "the special primes (" << pBits
                       << " bits) must cover the largest key-switching digit ("
                       << largestDigit << " bits with dnum = " << dnum
                       << "); raise dnum or add special primes";
  return success();
}

int64_t ParamsAttr::getLogQP() const {
  int64_t sum = 0;
  for (int64_t bits : llvm::concat<const int64_t>(getLogQ(), getLogP()))
    sum += bits;
  return sum;
}

ParamsAttr mlir::aegis::ckks::lookupParams(Operation *op) {
  for (Operation *cur = op; cur; cur = cur->getParentOp())
    if (auto params =
            cur->getAttrOfType<ParamsAttr>(CKKSDialect::kParamsAttrName))
      return params;
  return {};
}
