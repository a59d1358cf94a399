//===- Span.h - Non-owning view of a contiguous array -----------*- C++ -*-===//
//
// Part of the runtime: no MLIR or LLVM. A minimal C++17 stand-in for
// std::span, used to pass lists of modulus indices and limb pointers.
//
//===----------------------------------------------------------------------===//

#ifndef AEGIS_RUNTIME_SUPPORT_SPAN_H
#define AEGIS_RUNTIME_SUPPORT_SPAN_H

#include <cassert>
#include <cstddef>
#include <vector>

namespace aegis {

template <typename T>
class Span {
public:
  Span() = default;
  Span(T *data, size_t size) : data_(data), size_(size) {}
  template <typename U>
  Span(const std::vector<U> &v) : data_(v.data()), size_(v.size()) {}
  template <typename U>
  Span(std::vector<U> &v) : data_(v.data()), size_(v.size()) {}

  T *data() const { return data_; }
  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  T &operator[](size_t i) const {
    assert(i < size_);
    return data_[i];
  }
  T *begin() const { return data_; }
  T *end() const { return data_ + size_; }
  /// Elements [begin, begin + count).
  Span slice(size_t begin, size_t count) const {
    assert(begin + count <= size_);
    return Span(data_ + begin, count);
  }

private:
  T *data_ = nullptr;
  size_t size_ = 0;
};

} // namespace aegis

#endif // AEGIS_RUNTIME_SUPPORT_SPAN_H
