//===- HomomorphicDft.cpp - CoeffToSlot and SlotToCoeff matrices ----------===//

#include "aegis/Runtime/Bootstrap/HomomorphicDft.h"

#include "aegis/Runtime/Support/Error.h"

#include <cmath>

namespace aegis {
namespace ckks {

namespace {
constexpr long double kPi = 3.141592653589793238462643383279502884L;

unsigned log2Exact(size_t n) {
  unsigned l = 0;
  while ((size_t(1) << l) < n) {
    ++l;
  }
  require((size_t(1) << l) == n, "slot count ", n, " is not a power of two");
  return l;
}
} // namespace

DiagonalMatrix specialFftStage(size_t n, size_t len, bool inverse) {
  require(len >= 2 && len <= n && (len & (len - 1)) == 0, "FFT stage length ",
          len, " is not a power of two in [2, ", n, "]");
  DiagonalMatrix stage(n);
  const size_t half = len / 2;
  const size_t order = 4 * len;
  // r_j = exp(2 pi i 5^j / 4len); the encoding direction uses conj(r_j).
  std::vector<std::complex<double>> roots(half);
  size_t power = 1;
  for (size_t j = 0; j < half; ++j) {
    long double angle = 2 * kPi * (long double)power / (long double)order;
    if (inverse) {
      angle = -angle;
    }
    roots[j] =
        std::complex<double>(double(std::cos(angle)), double(std::sin(angle)));
    power = power * 5 % order;
  }
  DiagonalMatrix::Vector &same = stage.diagonal(0);
  DiagonalMatrix::Vector &up = stage.diagonal(long(half));
  DiagonalMatrix::Vector &down = stage.diagonal(-long(half));
  for (size_t p = 0; p < n; ++p) {
    size_t j = p % len;
    if (j < half) {
      // a = p, b = p + half.
      same[p] = 1.0;
      up[p] = inverse ? std::complex<double>(1.0) : roots[j];
    } else {
      const std::complex<double> r = roots[j - half];
      down[p] = inverse ? r : std::complex<double>(1.0);
      same[p] = -r;
    }
  }
  return stage;
}

std::vector<unsigned> groupSizes(unsigned stages, unsigned levels) {
  require(levels >= 1, "a linear transform needs at least one level");
  std::vector<unsigned> sizes(levels, stages / levels);
  for (unsigned i = 0; i < stages % levels; ++i) {
    ++sizes[i];
  }
  return sizes;
}

namespace {
std::vector<DiagonalMatrix> mergeGroups(size_t n, unsigned levels,
                                        const std::vector<size_t> &lengths,
                                        bool inverse) {
  std::vector<unsigned> sizes = groupSizes(unsigned(lengths.size()), levels);
  std::vector<DiagonalMatrix> groups;
  size_t next = 0;
  for (unsigned size : sizes) {
    DiagonalMatrix merged = DiagonalMatrix::identity(n);
    for (unsigned s = 0; s < size; ++s, ++next) {
      merged = specialFftStage(n, lengths[next], inverse).compose(merged);
    }
    merged.prune(0.0);
    groups.push_back(std::move(merged));
  }
  return groups;
}
} // namespace

std::vector<DiagonalMatrix> coeffToSlotGroups(size_t n, unsigned levels) {
  unsigned logN = log2Exact(n);
  std::vector<size_t> lengths;
  for (unsigned s = logN; s >= 1; --s) {
    lengths.push_back(size_t(1) << s);
  }
  return mergeGroups(n, levels, lengths, /*inverse=*/true);
}

std::vector<DiagonalMatrix> slotToCoeffGroups(size_t n, unsigned levels) {
  unsigned logN = log2Exact(n);
  std::vector<size_t> lengths;
  for (unsigned s = 1; s <= logN; ++s) {
    lengths.push_back(size_t(1) << s);
  }
  return mergeGroups(n, levels, lengths, /*inverse=*/false);
}

std::vector<std::complex<double>>
bitReversed(const std::vector<std::complex<double>> &values) {
  const size_t n = values.size();
  unsigned bits = log2Exact(n);
  std::vector<std::complex<double>> out(n);
  for (size_t i = 0; i < n; ++i) {
    size_t r = 0;
    for (unsigned b = 0; b < bits; ++b) {
      r |= ((i >> b) & 1) << (bits - 1 - b);
    }
    out[r] = values[i];
  }
  return out;
}

} // namespace ckks
} // namespace aegis
