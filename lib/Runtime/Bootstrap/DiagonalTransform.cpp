//===- DiagonalTransform.cpp - Double-hoisted BSGS linear transforms ------===//

#include "aegis/Runtime/Bootstrap/DiagonalTransform.h"

#include "aegis/Runtime/Support/Error.h"
#include "aegis/Runtime/Support/ThreadPool.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <numeric>
#include <set>

namespace aegis {
namespace ckks {

//===----------------------------------------------------------------------===//
// DiagonalMatrix
//===----------------------------------------------------------------------===//

DiagonalMatrix::DiagonalMatrix(size_t dim) : dim_(dim) {
  require(dim >= 1 && (dim & (dim - 1)) == 0, "diagonal matrix dimension ", dim,
          " is not a power of two");
}

DiagonalMatrix DiagonalMatrix::identity(size_t dim) {
  DiagonalMatrix m(dim);
  m.diagonal(0).assign(dim, 1.0);
  return m;
}

DiagonalMatrix::Vector &DiagonalMatrix::diagonal(long offset) {
  long d = long(dim_);
  size_t k = size_t(((offset % d) + d) % d);
  auto it = diagonals_.find(k);
  if (it == diagonals_.end()) {
    it = diagonals_.emplace(k, Vector(dim_, 0.0)).first;
  }
  return it->second;
}

DiagonalMatrix DiagonalMatrix::compose(const DiagonalMatrix &other) const {
  require(dim_ == other.dim_, "composing diagonal matrices of dimensions ",
          dim_, " and ", other.dim_);
  // (A B x)[p] = sum_a A_a[p] sum_b B_b[p + a] x[p + a + b].
  DiagonalMatrix out(dim_);
  for (const auto &[a, da] : diagonals_) {
    for (const auto &[b, db] : other.diagonals_) {
      Vector &c = out.diagonal(long(a + b));
      for (size_t p = 0; p < dim_; ++p) {
        c[p] += da[p] * db[(p + a) % dim_];
      }
    }
  }
  return out;
}

DiagonalMatrix DiagonalMatrix::scaleRows(const Vector &rowScale) const {
  require(rowScale.size() == dim_, "row scaling has ", rowScale.size(),
          " entries: expected ", dim_);
  DiagonalMatrix out = *this;
  for (auto &[k, d] : out.diagonals_) {
    for (size_t p = 0; p < dim_; ++p) {
      d[p] *= rowScale[p];
    }
  }
  return out;
}

void DiagonalMatrix::scale(std::complex<double> c) {
  for (auto &[k, d] : diagonals_) {
    for (auto &v : d) {
      v *= c;
    }
  }
}

DiagonalMatrix DiagonalMatrix::extend(size_t newDim) const {
  require(newDim >= dim_ && newDim % dim_ == 0, "cannot extend a dimension-",
          dim_, " matrix to dimension ", newDim);
  DiagonalMatrix out(newDim);
  for (const auto &[k, d] : diagonals_) {
    Vector &e = out.diagonal(long(k));
    for (size_t p = 0; p < newDim; ++p) {
      e[p] = d[p % dim_];
    }
  }
  return out;
}

void DiagonalMatrix::prune(double tolerance) {
  for (auto it = diagonals_.begin(); it != diagonals_.end();) {
    bool zero = std::all_of(it->second.begin(), it->second.end(),
                            [&](auto v) { return std::abs(v) <= tolerance; });
    it = zero ? diagonals_.erase(it) : std::next(it);
  }
}

DiagonalMatrix::Vector DiagonalMatrix::apply(const Vector &x) const {
  require(x.size() == dim_, "applying a dimension-", dim_,
          " matrix to a vector of ", x.size(), " values");
  Vector y(dim_, 0.0);
  for (const auto &[k, d] : diagonals_) {
    for (size_t p = 0; p < dim_; ++p) {
      y[p] += d[p] * x[(p + k) % dim_];
    }
  }
  return y;
}

//===----------------------------------------------------------------------===//
// Baby-step/giant-step split
//===----------------------------------------------------------------------===//

BsgsSplit chooseBsgsSplit(const DiagonalMatrix &matrix) {
  require(!matrix.diagonals().empty(), "linear transform has no diagonal");
  const size_t dim = matrix.dim();
  size_t stride = dim;
  for (const auto &entry : matrix.diagonals()) {
    stride = std::gcd(stride, entry.first);
  }
  const size_t span = dim / stride;
  BsgsSplit best;
  size_t bestCost = SIZE_MAX, bestKeys = SIZE_MAX;
  for (size_t n1 = 1; n1 <= span; n1 *= 2) {
    std::set<size_t> babies, giants;
    for (const auto &entry : matrix.diagonals()) {
      size_t e = entry.first / stride;
      babies.insert((e % n1) * stride);
      giants.insert((e - e % n1) * stride);
    }
    size_t nb = babies.size() - babies.count(0);
    size_t ng = giants.size() - giants.count(0);
    std::set<size_t> keys(babies.begin(), babies.end());
    keys.insert(giants.begin(), giants.end());
    keys.erase(0);
    size_t cost = nb + 2 * ng;
    if (cost < bestCost || (cost == bestCost && keys.size() < bestKeys)) {
      bestCost = cost;
      bestKeys = keys.size();
      best.babies.assign(babies.begin(), babies.end());
      best.giants.assign(giants.begin(), giants.end());
      best.babyStep = n1 * stride;
    }
  }
  return best;
}

//===----------------------------------------------------------------------===//
// HoistedTransform
//===----------------------------------------------------------------------===//

HoistedTransform::HoistedTransform(ContextPtr context, const Encoder &encoder,
                                   const DiagonalMatrix &matrix, unsigned level,
                                   double diagonalScale)
    : context_(std::move(context)), level_(level), dim_(matrix.dim()),
      diagonalScale_(diagonalScale) {
  require(level_ <= context_->maxLevel(), "linear transform at level ", level_,
          " above the chain's top level ", context_->maxLevel());
  require(dim_ <= context_->degree() / 2, "linear transform of dimension ",
          dim_, " exceeds N/2 = ", context_->degree() / 2, " slots");
  split_ = chooseBsgsSplit(matrix);
  for (const auto &[k, d] : matrix.diagonals()) {
    Entry entry;
    entry.baby = k % split_.babyStep;
    entry.giant = k - entry.baby;
    DiagonalMatrix::Vector rotated(dim_);
    for (size_t p = 0; p < dim_; ++p) {
      rotated[p] = d[(p + dim_ - entry.giant) % dim_];
    }
    entry.coefficients =
        encoder.slotsToCoefficients(std::move(rotated), diagonalScale_);
    entries_.push_back(std::move(entry));
  }
  std::sort(entries_.begin(), entries_.end(),
            [](const Entry &a, const Entry &b) {
              return std::make_pair(a.giant, a.baby) <
                     std::make_pair(b.giant, b.baby);
            });
}

void HoistedTransform::cacheDiagonals() {
  for (Entry &entry : entries_) {
    if (entry.encoded.empty()) {
      entry.encoded = encode(entry.coefficients);
      entry.coefficients = std::vector<double>();
    }
  }
}

size_t HoistedTransform::encodedBytes() const {
  return entries_.size() * (level_ + 1 + context_->numSpecial()) *
         context_->degree() * sizeof(uint64_t);
}

std::vector<long> HoistedTransform::rotations() const {
  std::set<long> steps;
  for (size_t b : split_.babies) {
    if (b != 0) {
      steps.insert(long(b));
    }
  }
  for (size_t g : split_.giants) {
    if (g != 0) {
      steps.insert(long(g));
    }
  }
  return std::vector<long>(steps.begin(), steps.end());
}

size_t HoistedTransform::cachedBytes() const {
  size_t bytes = 0;
  for (const Entry &entry : entries_) {
    bytes += entry.encoded.numWords() * sizeof(uint64_t);
  }
  return bytes;
}

RnsPoly
HoistedTransform::encode(const std::vector<double> &coefficients) const {
  const Context &ctx = *context_;
  const size_t n = ctx.degree();
  const size_t gap = n / (2 * dim_);
  ModuliSpan moduli = ctx.extendedIndices(level_);
  // Round once; residues of values beyond 2^62 take the exact slow path.
  const size_t count = coefficients.size();
  std::vector<int64_t> rounded(count);
  std::vector<size_t> large;
  for (size_t i = 0; i < count; ++i) {
    double r = std::round(coefficients[i]);
    if (std::fabs(r) < 4.6e18) {
      rounded[i] = int64_t(r);
    } else {
      large.push_back(i);
    }
  }
  std::vector<uint64_t> host(moduli.size() * n, 0);
  parallelFor(0, moduli.size(), [&](size_t k) {
    const Modulus &m = ctx.modulus(moduli[k]);
    uint64_t *limb = host.data() + k * n;
    for (size_t i = 0; i < dim_; ++i) {
      limb[i * gap] = fromSigned(rounded[i], m);
      limb[n / 2 + i * gap] = fromSigned(rounded[dim_ + i], m);
    }
    for (size_t i : large) {
      size_t position = i < dim_ ? i * gap : n / 2 + (i - dim_) * gap;
      limb[position] = residueOfRounded(coefficients[i], m);
    }
  });
  RnsPoly poly(ctx.backend(), moduli.size());
  ctx.backend().copyFromHost(poly.data(), host.data(), host.size());
  ctx.backend().forwardNtt(poly.data(), moduli);
  return poly;
}

Ciphertext HoistedTransform::apply(const BootstrapEvaluator &evaluator,
                                   const Ciphertext &x) const {
  const Context &ctx = *context_;
  Backend &backend = ctx.backend();
  evaluator.evaluator().checkOperand(x, "linear transform input");
  require(x.context() == context_,
          "linear transform input belongs to another context");
  require(x.size() == 2, "linear transform input must be relinearized");
  require(x.level() == level_, "linear transform encoded for level ", level_,
          " applied to a ciphertext at level ", x.level());
  require(x.slots() <= dim_ && dim_ % x.slots() == 0, "linear transform of ",
          dim_, " slots applied to a ciphertext with ", x.slots(), " slots");
  const unsigned level = level_;
  const size_t limbs = level + 1 + ctx.numSpecial();
  ModuliSpan extended = ctx.extendedIndices(level);
  const KeySwitcher &ks = evaluator.keySwitcher();

  // Baby steps in the extended basis, sharing one ModUp of c1.
  Decomposition d = ks.decompose(x[1], level);
  RnsPoly liftedC0(backend, limbs);
  evaluator.liftToExtended(x[0].data(), level, liftedC0.data());
  std::map<size_t, std::array<RnsPoly, 2>> babies;
  for (size_t b : split_.babies) {
    std::array<RnsPoly, 2> r{RnsPoly(backend, limbs), RnsPoly(backend, limbs)};
    if (b == 0) {
      backend.copy(r[0].data(), liftedC0.data(), liftedC0.numWords());
      evaluator.liftToExtended(x[1].data(), level, r[1].data());
    } else {
      uint64_t g = ctx.galoisElementForRotation(long(b));
      const std::vector<uint32_t> &perm = ctx.galoisPermutation(g);
      evaluator.innerProduct(evaluator.keys().galoisKey(g), d, perm.data(),
                             r[0].data(), r[1].data(), false);
      RnsPoly permuted(backend, limbs);
      backend.permute(permuted.data(), liftedC0.data(), perm.data(), limbs);
      backend.add(r[0].data(), r[0].data(), permuted.data(), extended);
    }
    babies.emplace(b, std::move(r));
  }

  // Giant steps: inner sums in the extended basis, rotated and accumulated
  // there; one ModDown at the end.
  RnsPoly acc0(backend, limbs), acc1(backend, limbs);
  RnsPoly inner0(backend, limbs), inner1(backend, limbs);
  RnsPoly permuted(backend, limbs);
  bool haveAcc = false;
  size_t i = 0;
  while (i < entries_.size()) {
    const size_t giant = entries_[i].giant;
    bool first = true;
    for (; i < entries_.size() && entries_[i].giant == giant; ++i) {
      const Entry &entry = entries_[i];
      RnsPoly encodedNow;
      const RnsPoly *diagonal = &entry.encoded;
      if (entry.encoded.empty()) {
        encodedNow = encode(entry.coefficients);
        diagonal = &encodedNow;
      }
      const std::array<RnsPoly, 2> &r = babies.at(entry.baby);
      if (first) {
        backend.multiply(inner0.data(), r[0].data(), diagonal->data(),
                         extended);
        backend.multiply(inner1.data(), r[1].data(), diagonal->data(),
                         extended);
      } else {
        backend.multiplyAccumulate(inner0.data(), r[0].data(), diagonal->data(),
                                   extended);
        backend.multiplyAccumulate(inner1.data(), r[1].data(), diagonal->data(),
                                   extended);
      }
      first = false;
    }
    if (giant == 0) {
      if (haveAcc) {
        backend.add(acc0.data(), acc0.data(), inner0.data(), extended);
        backend.add(acc1.data(), acc1.data(), inner1.data(), extended);
      } else {
        backend.copy(acc0.data(), inner0.data(), inner0.numWords());
        backend.copy(acc1.data(), inner1.data(), inner1.numWords());
      }
      haveAcc = true;
      continue;
    }
    // rot_g of (inner0, inner1) ~ P * (c0, c1): c1 leaves the extended basis
    // to be decomposed; c0 is permuted in place.
    uint64_t g = ctx.galoisElementForRotation(long(giant));
    const std::vector<uint32_t> &perm = ctx.galoisPermutation(g);
    RnsPoly c1(backend, level + 1);
    evaluator.modDown(inner1.data(), level, c1.data());
    Decomposition dg = ks.decompose(c1, level);
    evaluator.innerProduct(evaluator.keys().galoisKey(g), dg, perm.data(),
                           acc0.data(), acc1.data(), haveAcc);
    backend.permute(permuted.data(), inner0.data(), perm.data(), limbs);
    backend.add(acc0.data(), acc0.data(), permuted.data(), extended);
    haveAcc = true;
  }
  Ciphertext result(context_, 2, level, x.scale() * diagonalScale_, dim_);
  evaluator.modDown(acc0.data(), level, result[0].data());
  evaluator.modDown(acc1.data(), level, result[1].data());
  return result;
}

} // namespace ckks
} // namespace aegis
