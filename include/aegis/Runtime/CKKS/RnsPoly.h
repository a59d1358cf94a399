//===- RnsPoly.h - A polynomial in RNS form in backend memory ---*- C++ -*-===//
//
// Part of the runtime: no MLIR or LLVM. numLimbs() limbs of N words,
// limb-major and contiguous (limb k at data() + k * N), so any range of limbs
// is one contiguous slice: the unit a multi-device layer moves. Which modulus
// each limb uses is known by the owner (a ciphertext at level l holds
// q_0..q_l). Dropping top limbs never reallocates.
//
//===----------------------------------------------------------------------===//

#ifndef AEGIS_RUNTIME_CKKS_RNSPOLY_H
#define AEGIS_RUNTIME_CKKS_RNSPOLY_H

#include "aegis/Runtime/Backend/Backend.h"

#include <cstddef>
#include <cstdint>
#include <utility>

namespace aegis {
namespace ckks {

class RnsPoly {
public:
  RnsPoly() = default;
  /// numLimbs limbs of backend memory with unspecified contents.
  RnsPoly(Backend &backend, size_t numLimbs)
      : backend_(&backend), degree_(backend.degree()), numLimbs_(numLimbs),
        capacity_(numLimbs) {
    data_ = backend.allocate(capacity_ * degree_);
  }
  ~RnsPoly() { release(); }

  RnsPoly(RnsPoly &&other) noexcept { *this = std::move(other); }
  RnsPoly &operator=(RnsPoly &&other) noexcept {
    if (this != &other) {
      release();
      backend_ = std::exchange(other.backend_, nullptr);
      data_ = std::exchange(other.data_, nullptr);
      degree_ = std::exchange(other.degree_, 0);
      numLimbs_ = std::exchange(other.numLimbs_, 0);
      capacity_ = std::exchange(other.capacity_, 0);
    }
    return *this;
  }
  /// Deep copy (backend to backend).
  RnsPoly(const RnsPoly &other) { *this = other; }
  RnsPoly &operator=(const RnsPoly &other) {
    if (this != &other) {
      if (other.backend_ == nullptr) {
        release();
        return *this;
      }
      if (backend_ != other.backend_ || capacity_ < other.numLimbs_) {
        release();
        backend_ = other.backend_;
        degree_ = other.degree_;
        capacity_ = other.numLimbs_;
        data_ = backend_->allocate(capacity_ * degree_);
      }
      numLimbs_ = other.numLimbs_;
      backend_->copy(data_, other.data_, numLimbs_ * degree_);
    }
    return *this;
  }

  bool empty() const { return data_ == nullptr; }
  Backend *backend() const { return backend_; }
  size_t degree() const { return degree_; }
  size_t numLimbs() const { return numLimbs_; }
  size_t numWords() const { return numLimbs_ * degree_; }
  uint64_t *data() { return data_; }
  const uint64_t *data() const { return data_; }
  uint64_t *limb(size_t k) { return data_ + k * degree_; }
  const uint64_t *limb(size_t k) const { return data_ + k * degree_; }

  /// Keeps the first `numLimbs` limbs (at most the allocated count).
  void truncateLimbs(size_t numLimbs) {
    if (numLimbs <= capacity_) {
      numLimbs_ = numLimbs;
    }
  }

private:
  void release() {
    if (backend_ != nullptr && data_ != nullptr) {
      backend_->deallocate(data_, capacity_ * degree_);
    }
    data_ = nullptr;
    numLimbs_ = capacity_ = 0;
  }

  Backend *backend_ = nullptr;
  uint64_t *data_ = nullptr;
  size_t degree_ = 0;
  size_t numLimbs_ = 0;
  size_t capacity_ = 0;
};

} // namespace ckks
} // namespace aegis

#endif // AEGIS_RUNTIME_CKKS_RNSPOLY_H
