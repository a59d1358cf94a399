//===- BigUInt.h - Small multi-precision unsigned integers ------*- C++ -*-===//
//
// Part of the runtime: no MLIR or LLVM. Just enough arithmetic for CRT
// reconstruction of RNS values (decoding, tests): little-endian 64-bit words.
//
//===----------------------------------------------------------------------===//

#ifndef AEGIS_RUNTIME_MATH_BIGUINT_H
#define AEGIS_RUNTIME_MATH_BIGUINT_H

#include "aegis/Runtime/Math/Modular.h"

#include <cmath>
#include <cstdint>
#include <vector>

namespace aegis {
namespace ckks {

class BigUInt {
public:
  BigUInt() = default;
  explicit BigUInt(uint64_t v) {
    if (v != 0) {
      words_.push_back(v);
    }
  }

  const std::vector<uint64_t> &words() const { return words_; }
  bool isZero() const { return words_.empty(); }

  /// *this * v.
  BigUInt operator*(uint64_t v) const {
    BigUInt r;
    uint64_t carry = 0;
    for (uint64_t w : words_) {
      uint128_t p = uint128_t(w) * v + carry;
      r.words_.push_back(uint64_t(p));
      carry = uint64_t(p >> 64);
    }
    r.words_.push_back(carry);
    r.trim();
    return r;
  }

  BigUInt &operator+=(const BigUInt &o) {
    if (words_.size() < o.words_.size()) {
      words_.resize(o.words_.size(), 0);
    }
    uint64_t carry = 0;
    for (size_t i = 0; i < words_.size(); ++i) {
      uint128_t s = uint128_t(words_[i]) + carry +
                    (i < o.words_.size() ? o.words_[i] : 0);
      words_[i] = uint64_t(s);
      carry = uint64_t(s >> 64);
    }
    if (carry != 0) {
      words_.push_back(carry);
    }
    return *this;
  }

  /// *this - o, requires *this >= o.
  BigUInt &operator-=(const BigUInt &o) {
    uint64_t borrow = 0;
    for (size_t i = 0; i < words_.size(); ++i) {
      uint64_t b = (i < o.words_.size() ? o.words_[i] : 0);
      uint128_t d = uint128_t(words_[i]) - b - borrow;
      words_[i] = uint64_t(d);
      borrow = uint64_t(d >> 64) != 0 ? 1 : 0;
    }
    trim();
    return *this;
  }

  friend int compare(const BigUInt &a, const BigUInt &b) {
    if (a.words_.size() != b.words_.size()) {
      return a.words_.size() < b.words_.size() ? -1 : 1;
    }
    for (size_t i = a.words_.size(); i-- > 0;) {
      if (a.words_[i] != b.words_[i]) {
        return a.words_[i] < b.words_[i] ? -1 : 1;
      }
    }
    return 0;
  }
  friend bool operator==(const BigUInt &a, const BigUInt &b) {
    return compare(a, b) == 0;
  }
  friend bool operator<(const BigUInt &a, const BigUInt &b) {
    return compare(a, b) < 0;
  }

  /// *this mod m.
  uint64_t mod(const Modulus &m) const {
    uint64_t r = 0;
    for (size_t i = words_.size(); i-- > 0;) {
      r = reduce128((uint128_t(r) << 64) | words_[i], m);
    }
    return r;
  }

  /// *this / 2 (floor).
  BigUInt half() const {
    BigUInt r = *this;
    for (size_t i = 0; i < r.words_.size(); ++i) {
      r.words_[i] >>= 1;
      if (i + 1 < r.words_.size()) {
        r.words_[i] |= r.words_[i + 1] << 63;
      }
    }
    r.trim();
    return r;
  }

  /// Nearest double (to within one rounding of the top 128 bits).
  double toDouble() const {
    if (words_.empty()) {
      return 0.0;
    }
    size_t top = words_.size() - 1;
    double hi = double(words_[top]);
    double lo = top > 0 ? double(words_[top - 1]) : 0.0;
    return std::ldexp(hi, int(64 * top)) +
           (top > 0 ? std::ldexp(lo, int(64 * (top - 1))) : 0.0);
  }

  /// log2 of the value (0 for zero).
  double log2() const {
    if (words_.empty()) {
      return 0.0;
    }
    size_t top = words_.size() - 1;
    double mant = double(words_[top]) +
                  (top > 0 ? std::ldexp(double(words_[top - 1]), -64) : 0.0);
    return std::log2(mant) + 64.0 * double(top);
  }

private:
  void trim() {
    while (!words_.empty() && words_.back() == 0) {
      words_.pop_back();
    }
  }
  std::vector<uint64_t> words_;
};

} // namespace ckks
} // namespace aegis

#endif // AEGIS_RUNTIME_MATH_BIGUINT_H
