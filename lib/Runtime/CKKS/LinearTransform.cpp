//===- LinearTransform.cpp - Plaintext matrix times encrypted vector ------===//

#include "aegis/Runtime/CKKS/LinearTransform.h"

#include "aegis/Runtime/Support/Error.h"

#include <cmath>
#include <set>

namespace aegis {
namespace ckks {

namespace {
unsigned defaultBabySteps(size_t slots) {
  unsigned b = 1;
  while (size_t(b) * b < slots) {
    b <<= 1;
  }
  // b is the power of two with b^2 >= n; take the one nearer sqrt(n).
  if (b > 1 && double(b) / std::sqrt(double(slots)) > std::sqrt(2.0)) {
    b >>= 1;
  }
  return b;
}
} // namespace

LinearTransform LinearTransform::fromMatrix(
    const Encoder &encoder,
    const std::vector<std::vector<std::complex<double>>> &matrix,
    unsigned level, double scale, unsigned babySteps) {
  size_t n = matrix.size();
  for (size_t r = 0; r < n; ++r) {
    require(matrix[r].size() == n, "matrix row ", r, " has ",
            matrix[r].size(), " entries: expected ", n, " (square)");
  }
  std::map<long, Diagonal> diagonals;
  for (size_t k = 0; k < n; ++k) {
    Diagonal d(n);
    bool nonzero = false;
    for (size_t j = 0; j < n; ++j) {
      d[j] = matrix[j][(j + k) % n];
      nonzero = nonzero || d[j] != std::complex<double>(0);
    }
    if (nonzero) {
      diagonals.emplace(long(k), std::move(d));
    }
  }
  return fromDiagonals(encoder, diagonals, n, level, scale, babySteps);
}

LinearTransform
LinearTransform::fromDiagonals(const Encoder &encoder,
                               const std::map<long, Diagonal> &diagonals,
                               size_t slots, unsigned level, double scale,
                               unsigned babySteps) {
  const Context &ctx = *encoder.context();
  require(slots >= 1 && slots <= ctx.degree() / 2 &&
              (slots & (slots - 1)) == 0,
          "linear transform over ", slots,
          " slots: expected a power of two in [1, N/2]");
  if (babySteps == 0) {
    babySteps = defaultBabySteps(slots);
  }
  require(babySteps >= 1 && babySteps <= slots, "baby-step count ", babySteps,
          " is outside [1, ", slots, "]");
  LinearTransform t;
  t.slots_ = slots;
  t.level_ = level;
  t.scale_ = scale;
  t.babySteps_ = babySteps;
  for (const auto &[index, diagonal] : diagonals) {
    require(index >= 0 && size_t(index) < slots, "diagonal index ", index,
            " is outside [0, ", slots, ")");
    require(diagonal.size() == slots, "diagonal ", index, " has ",
            diagonal.size(), " values: expected ", slots);
    unsigned g = unsigned(index) / babySteps, b = unsigned(index) % babySteps;
    size_t shift = size_t(g) * babySteps; // rotate right by g*B
    Diagonal rotated(slots);
    for (size_t j = 0; j < slots; ++j) {
      rotated[j] = diagonal[(j + slots - shift % slots) % slots];
    }
    t.plaintexts_.emplace(std::make_pair(g, b),
                          encoder.encode(rotated, level, scale, slots));
  }
  return t;
}

std::vector<long> LinearTransform::rotationSteps() const {
  std::set<long> steps;
  for (const auto &entry : plaintexts_) {
    unsigned g = entry.first.first, b = entry.first.second;
    if (b != 0) {
      steps.insert(long(b));
    }
    if (g != 0) {
      steps.insert(long(g) * babySteps_);
    }
  }
  return std::vector<long>(steps.begin(), steps.end());
}

Ciphertext LinearTransform::apply(const Evaluator &evaluator,
                                  const Ciphertext &v,
                                  const GaloisKeys &keys) const {
  const ContextPtr &context = evaluator.context();
  const Context &ctx = *context;
  Backend &backend = ctx.backend();
  evaluator.checkOperand(v, "linear transform input");
  require(v.size() == 2, "linear transform input must be relinearized");
  evaluator.checkSameLevel(v.level(), level_);
  evaluator.checkSameSlots(v.slots(), slots_);
  require(!plaintexts_.empty(), "linear transform has no nonzero diagonal");
  const unsigned level = v.level();
  ModuliSpan moduli = ctx.chainIndices(level);

  // Baby steps: one ModUp of c1 for every rotation by b < B.
  std::vector<long> babyList;
  std::set<unsigned> babies;
  for (const auto &entry : plaintexts_) {
    babies.insert(entry.first.second);
  }
  for (unsigned b : babies) {
    babyList.push_back(long(b));
  }
  std::vector<Ciphertext> rotated = evaluator.rotateHoisted(v, babyList, keys);
  std::map<unsigned, const Ciphertext *> baby;
  for (size_t i = 0; i < babyList.size(); ++i) {
    baby[unsigned(babyList[i])] = &rotated[i];
  }

  // Giant steps: inner_g = sum_b pt_(g,b) * baby_b; the rotations of the
  // inner sums accumulate in the extended basis and share one ModDown.
  const KeySwitcher &ks = evaluator.keySwitcher();
  LimbRange all = ks.extendedRange(level);
  Ciphertext result(context, 2, level, v.scale() * scale_, slots_);
  backend.fillZero(result[0].data(), result[0].numWords());
  RnsPoly acc0(backend, all.size()), acc1(backend, all.size());
  bool haveRotated = false;
  Ciphertext inner(context, 2, level, v.scale() * scale_, slots_);
  RnsPoly product(backend, level + 1);
  RnsPoly permuted(backend, level + 1);
  auto it = plaintexts_.begin();
  while (it != plaintexts_.end()) {
    unsigned g = it->first.first;
    bool first = true;
    for (; it != plaintexts_.end() && it->first.first == g; ++it) {
      const Ciphertext &src = *baby.at(it->first.second);
      const uint64_t *pt = it->second.poly().data();
      for (unsigned i = 0; i < 2; ++i) {
        if (first) {
          backend.multiply(inner[i].data(), src[i].data(), pt, moduli);
        } else {
          backend.multiplyAccumulate(inner[i].data(), src[i].data(), pt,
                                     moduli);
        }
      }
      first = false;
    }
    if (g == 0) {
      backend.add(result[0].data(), result[0].data(), inner[0].data(),
                  moduli);
      if (haveRotated) {
        // result[1] is folded in after ModDown; keep c1 of g = 0 aside.
        backend.add(product.data(), product.data(), inner[1].data(), moduli);
      } else {
        backend.copy(product.data(), inner[1].data(), inner[1].numWords());
      }
      continue;
    }
    uint64_t element = ctx.galoisElementForRotation(long(g) * babySteps_);
    const KeySwitchKey &key = keys.at(element);
    const std::vector<uint32_t> &perm = ctx.galoisPermutation(element);
    Decomposition d = ks.decompose(inner[1], level);
    std::vector<const uint64_t *> digits;
    for (const RnsPoly &p : d.digits) {
      digits.push_back(p.data());
    }
    ks.innerProduct(level, key, 0, Span<const uint64_t *const>(digits), all,
                    acc0.data(), acc1.data(), perm.data(), haveRotated);
    backend.permute(permuted.data(), inner[0].data(), perm.data(), level + 1);
    backend.add(result[0].data(), result[0].data(), permuted.data(), moduli);
    haveRotated = true;
  }
  bool haveUnrotated = plaintexts_.begin()->first.first == 0;
  if (haveRotated) {
    for (RnsPoly *acc : {&acc0, &acc1}) {
      ks.modDownSpecialToCoefficients(acc->limb(level + 1));
    }
    LimbRange chain{0, level + 1};
    ks.modDownChain(level, acc0.limb(level + 1), acc0.data(), chain,
                    acc0.data());
    ks.modDownChain(level, acc1.limb(level + 1), acc1.data(), chain,
                    result[1].data());
    backend.add(result[0].data(), result[0].data(), acc0.data(), moduli);
    if (haveUnrotated) {
      backend.add(result[1].data(), result[1].data(), product.data(), moduli);
    }
  } else {
    backend.copy(result[1].data(), product.data(), product.numWords());
  }
  return result;
}

} // namespace ckks
} // namespace aegis
