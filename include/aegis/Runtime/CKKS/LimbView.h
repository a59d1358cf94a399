//===- LimbView.h - A range of limbs of a ciphertext's polynomials -*- C++ -*-===//
//
// Part of the runtime: no MLIR or LLVM. A LimbView names limbs `range`
// (chain indices at `level`, range.end <= level + 1) of the `size`
// polynomials of one ciphertext: polys[i] points at limb range.begin of
// polynomial i, and the range's limbs of one polynomial are contiguous.
//
// The view is the unit the Evaluator computes on. A whole ciphertext is the
// view of [0, level + 1); one device's share of a limb-partitioned ciphertext
// is the view of its own limbs. Every element-wise operation and the local
// half of a rescale are defined once, on views, so a distributed layer adds
// only its collectives.
//
//===----------------------------------------------------------------------===//

#ifndef AEGIS_RUNTIME_CKKS_LIMBVIEW_H
#define AEGIS_RUNTIME_CKKS_LIMBVIEW_H

#include "aegis/Runtime/CKKS/KeySwitch.h"

#include <array>
#include <cstdint>

namespace aegis {
namespace ckks {

/// Limbs of a ciphertext that the caller may read (ConstLimbView) or write
/// (LimbView).
template <typename Word>
struct BasicLimbView {
  unsigned level = 0;
  LimbRange range;
  unsigned size = 0;
  std::array<Word *, 3> polys{};

  bool empty() const { return range.size() == 0; }
  Word *operator[](unsigned i) const { return polys[i]; }
};

using LimbView = BasicLimbView<uint64_t>;

/// The view of limbs `range` at `level` of `size` polynomials; poly(i)
/// returns polynomial i's first limb of the range.
template <typename Word, typename PolyFn>
BasicLimbView<Word> makeLimbView(unsigned level, LimbRange range,
                                 unsigned size, PolyFn poly) {
  BasicLimbView<Word> view;
  view.level = level;
  view.range = range;
  view.size = size;
  for (unsigned i = 0; i < size; ++i) {
    view.polys[i] = poly(i);
  }
  return view;
}

struct ConstLimbView : BasicLimbView<const uint64_t> {
  ConstLimbView() = default;
  ConstLimbView(const BasicLimbView<const uint64_t> &view)
      : BasicLimbView<const uint64_t>(view) {}
  ConstLimbView(const LimbView &view) {
    level = view.level;
    range = view.range;
    size = view.size;
    for (unsigned i = 0; i < 3; ++i) {
      polys[i] = view.polys[i];
    }
  }
};

} // namespace ckks
} // namespace aegis

#endif // AEGIS_RUNTIME_CKKS_LIMBVIEW_H
