//===- Ciphertext.h - CKKS plaintexts and ciphertexts -----------*- C++ -*-===//
//
// Part of the runtime: no MLIR or LLVM. Both live in NTT form (evaluation
// representation) at a level l (limbs q_0..q_l) with an exact scale (a
// double, tracked through every operation) and a slot count n (a power of
// two, at most N/2: the n values repeat N/(2n) times in the slot vector).
// Operations check level, scale, slot count and context of their operands.
//
//===----------------------------------------------------------------------===//

#ifndef AEGIS_RUNTIME_CKKS_CIPHERTEXT_H
#define AEGIS_RUNTIME_CKKS_CIPHERTEXT_H

#include "aegis/Runtime/CKKS/Context.h"
#include "aegis/Runtime/CKKS/RnsPoly.h"

#include <array>

namespace aegis {
namespace ckks {

class Plaintext {
public:
  Plaintext() = default;
  /// Uninitialized polynomial data at `level`.
  Plaintext(ContextPtr context, unsigned level, double scale, size_t slots)
      : context_(std::move(context)), poly_(context_->backend(), level + 1),
        level_(level), scale_(scale), slots_(slots) {}

  const ContextPtr &context() const { return context_; }
  bool empty() const { return context_ == nullptr; }
  unsigned level() const { return level_; }
  double scale() const { return scale_; }
  size_t slots() const { return slots_; }
  RnsPoly &poly() { return poly_; }
  const RnsPoly &poly() const { return poly_; }

  void setScale(double scale) { scale_ = scale; }
  /// Drops limbs above `level` (level <= level()).
  void dropToLevel(unsigned level) {
    poly_.truncateLimbs(level + 1);
    level_ = level;
  }

private:
  ContextPtr context_;
  RnsPoly poly_;
  unsigned level_ = 0;
  double scale_ = 0;
  size_t slots_ = 0;
};

class Ciphertext {
public:
  Ciphertext() = default;
  /// `size` (2 or 3) polynomials with unspecified data at `level`.
  Ciphertext(ContextPtr context, unsigned size, unsigned level, double scale,
             size_t slots)
      : context_(std::move(context)), size_(size), level_(level),
        scale_(scale), slots_(slots) {
    for (unsigned i = 0; i < size; ++i) {
      polys_[i] = RnsPoly(context_->backend(), level + 1);
    }
  }

  const ContextPtr &context() const { return context_; }
  bool empty() const { return context_ == nullptr; }
  /// 2 (c0 + c1*s) or 3 (c0 + c1*s + c2*s^2, before relinearization).
  unsigned size() const { return size_; }
  unsigned level() const { return level_; }
  double scale() const { return scale_; }
  size_t slots() const { return slots_; }
  RnsPoly &operator[](unsigned i) { return polys_[i]; }
  const RnsPoly &operator[](unsigned i) const { return polys_[i]; }

  /// Reinterprets the scale (no data change): the caller vouches for it.
  void setScale(double scale) { scale_ = scale; }
  void setSlots(size_t slots) { slots_ = slots; }
  /// Drops limbs above `level` (level <= level()); the scale is unchanged.
  void dropToLevel(unsigned level) {
    for (unsigned i = 0; i < size_; ++i) {
      polys_[i].truncateLimbs(level + 1);
    }
    level_ = level;
  }
  /// Forgets the third polynomial (after relinearization).
  void shrinkToSize(unsigned size) {
    for (unsigned i = size; i < size_; ++i) {
      polys_[i] = RnsPoly();
    }
    size_ = size;
  }

private:
  ContextPtr context_;
  std::array<RnsPoly, 3> polys_;
  unsigned size_ = 0;
  unsigned level_ = 0;
  double scale_ = 0;
  size_t slots_ = 0;
};

} // namespace ckks
} // namespace aegis

#endif // AEGIS_RUNTIME_CKKS_CIPHERTEXT_H
