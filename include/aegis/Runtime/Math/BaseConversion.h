//===- BaseConversion.h - Fast RNS base conversion tables -------*- C++ -*-===//
//
// Part of the runtime: no MLIR or LLVM. Fast base conversion of x given by its
// residues x_i modulo the source primes s_0..s_(k-1) (S their product) to a
// target prime m computes
//     sum_i [x_i * (S/s_i)^-1]_(s_i) * (S/s_i)   (mod m),
// which is x + u*S for an integer 0 <= u < k, the same u for every target:
// the approximate conversion of ModUp (Han-Ki 2020, Kim-Polyakov-Zucca
// 2021), whose u*S term key switching absorbs.
//
// The centered variant subtracts v*S with v = round(sum_i y_i / s_i),
// y_i = [x_i * (S/s_i)^-1]_(s_i), computed exactly in 64.64 fixed point from
// the Barrett constants: the result is the centered representative of x in
// (-S/2, S/2]. ModDown uses it so that its error is a centered rounding
// (a biased error, multiplied by s, would pile up in the slots near 1).
//
//===----------------------------------------------------------------------===//

#ifndef AEGIS_RUNTIME_MATH_BASECONVERSION_H
#define AEGIS_RUNTIME_MATH_BASECONVERSION_H

#include "aegis/Runtime/Math/Modular.h"

#include <cstddef>
#include <cstdint>
#include <vector>

namespace aegis {
namespace ckks {

/// Conversion constants from one source basis to every modulus of a context
/// (so one table serves any target set).
class BaseConverter {
public:
  /// Largest source basis: 64 products of two 61-bit residues still fit the
  /// 128-bit accumulator.
  static constexpr size_t kMaxSourceSize = 64;

  /// `sourceIndices` index into `moduli`, which lists every modulus that may
  /// be a target.
  BaseConverter(std::vector<uint32_t> sourceIndices,
                const std::vector<Modulus> &moduli);

  const std::vector<uint32_t> &sourceIndices() const { return source_; }
  size_t sourceSize() const { return source_.size(); }
  /// [(S/s_i)^-1]_(s_i) and its Shoup constant, one per source prime.
  const uint64_t *puncturedInverses() const { return inverses_.data(); }
  const uint64_t *puncturedInversesShoup() const {
    return inversesShoup_.data();
  }
  /// [(S/s_i)]_m for target modulus index t: sourceSize() values.
  const uint64_t *puncturedProducts(uint32_t target) const {
    return products_.data() + size_t(target) * source_.size();
  }

  /// [S]_m for target modulus index t.
  uint64_t productModTarget(uint32_t target) const {
    return sourceProduct_[target];
  }

private:
  std::vector<uint32_t> source_;
  std::vector<uint64_t> sourceProduct_;
  std::vector<uint64_t> inverses_, inversesShoup_;
  std::vector<uint64_t> products_; // [target][source]
};

} // namespace ckks
} // namespace aegis

#endif // AEGIS_RUNTIME_MATH_BASECONVERSION_H
