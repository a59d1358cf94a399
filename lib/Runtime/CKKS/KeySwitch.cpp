//===- KeySwitch.cpp - Hybrid key switching in separate steps -------------===//

#include "aegis/Runtime/CKKS/KeySwitch.h"

#include "aegis/Runtime/Support/Error.h"

#include <algorithm>

namespace aegis {
namespace ckks {

namespace {
// Inner products sum at most this many digits per backend call.
constexpr size_t kDigitsPerCall = 32;
} // namespace

void KeySwitcher::modUpDigit(unsigned level, unsigned digit,
                             const uint64_t *digitCoefficients,
                             const uint64_t *digitNtt, LimbRange range,
                             uint64_t *out) const {
  const Context &ctx = *context_;
  Backend &backend = ctx.backend();
  const size_t n = ctx.degree();
  require(level <= ctx.maxLevel() && digit < ctx.numDigits(level),
          "ModUp of digit ", digit, " at level ", level, ": only ",
          ctx.numDigits(std::min(level, ctx.maxLevel())),
          " digits take part there");
  require(range.begin <= range.end && range.end <= level + 1 + ctx.numSpecial(),
          "ModUp limb range [", range.begin, ", ", range.end,
          ") exceeds the extended basis of ", level + 1 + ctx.numSpecial(),
          " limbs");
  const unsigned begin = ctx.digitBegin(digit);
  const unsigned end = ctx.digitEnd(digit, level);
  const BaseConverter &converter = ctx.modUpConverter(digit, end - begin);
  ModuliSpan extended = ctx.extendedIndices(level);
  // Segments of the range outside the digit are converted; the overlap is
  // the digit's own NTT limbs.
  auto convert = [&](unsigned from, unsigned to) {
    if (from >= to) {
      return;
    }
    uint64_t *dst = out + size_t(from - range.begin) * n;
    ModuliSpan moduli = extended.slice(from, to - from);
    backend.baseConvert(dst, moduli, digitCoefficients, converter, false);
    backend.forwardNtt(dst, moduli);
  };
  convert(range.begin, std::min(range.end, begin));
  convert(std::max(range.begin, end), range.end);
  unsigned ownFrom = std::max(range.begin, begin);
  unsigned ownTo = std::min(range.end, end);
  if (ownFrom < ownTo) {
    uint64_t *dst = out + size_t(ownFrom - range.begin) * n;
    if (digitNtt != nullptr) {
      backend.copy(dst, digitNtt + size_t(ownFrom - begin) * n,
                   size_t(ownTo - ownFrom) * n);
    } else {
      backend.copy(dst, digitCoefficients + size_t(ownFrom - begin) * n,
                   size_t(ownTo - ownFrom) * n);
      backend.forwardNtt(dst, extended.slice(ownFrom, ownTo - ownFrom));
    }
  }
}

void KeySwitcher::innerProduct(unsigned level, const KeySwitchKey &key,
                               unsigned firstDigit,
                               Span<const uint64_t *const> digits,
                               LimbRange range, uint64_t *out0, uint64_t *out1,
                               const uint32_t *permutation,
                               bool accumulate) const {
  const Context &ctx = *context_;
  const size_t n = ctx.degree();
  require(key.context() == context_,
          "key-switching key belongs to another context");
  require(level <= key.maxLevel(), "key switching at level ", level,
          " with a key valid up to level ", key.maxLevel());
  require(firstDigit + digits.size() <= key.numDigits() &&
              firstDigit + digits.size() <= ctx.numDigits(level),
          "inner product over digits [", firstDigit, ", ",
          firstDigit + digits.size(), ") at level ", level, ": the key has ",
          key.numDigits(), " digits and the level uses ",
          ctx.numDigits(level));
  const unsigned chainLimbs = level + 1;
  require(range.end <= chainLimbs + ctx.numSpecial(), "inner product range "
                                                      "exceeds the extended "
                                                      "basis");
  ModuliSpan extended = ctx.extendedIndices(level);
  // Chain limb i of the key at i, special limb k at maxLevel + 1 + k.
  auto keyLimb = [&](unsigned e) { return key.limbOf(level, e); };
  // Two contiguous pieces: chain part and special part of the range.
  unsigned split = std::clamp(chainLimbs, range.begin, range.end);
  std::vector<const uint64_t *> ds, bs, as;
  std::vector<RnsPoly> regenerated;
  for (auto [from, to] : {std::pair<unsigned, unsigned>{range.begin, split},
                          std::pair<unsigned, unsigned>{split, range.end}}) {
    if (from >= to) {
      continue;
    }
    size_t offset = size_t(from - range.begin) * n;
    for (size_t start = 0; start < digits.size(); start += kDigitsPerCall) {
      size_t count = std::min(kDigitsPerCall, digits.size() - start);
      ds.clear();
      bs.clear();
      as.clear();
      regenerated.clear();
      for (size_t j = start; j < start + count; ++j) {
        unsigned d = firstDigit + unsigned(j);
        ds.push_back(digits[j] + offset);
        bs.push_back(key.b(d).limb(keyLimb(from)));
        if (key.holdsUniform()) {
          as.push_back(key.a(d).limb(keyLimb(from)));
        } else {
          // Compact key: the uniform limbs this call reads, from the seed.
          regenerated.push_back(regenerateKeyUniform(
              ctx, key.seed(), d, extended.slice(from, to - from)));
          as.push_back(regenerated.back().data());
        }
      }
      ctx.backend().keyInnerProduct(
          out0 + offset, out1 + offset, Span<const uint64_t *const>(ds),
          Span<const uint64_t *const>(bs), Span<const uint64_t *const>(as),
          extended.slice(from, to - from), permutation,
          accumulate || start > 0);
    }
  }
}

void KeySwitcher::modDownSpecialToCoefficients(uint64_t *special) const {
  context_->backend().inverseNtt(special, context_->specialIndices());
}

void KeySwitcher::modDownChain(unsigned level,
                               const uint64_t *specialCoefficients,
                               const uint64_t *accChain, LimbRange range,
                               uint64_t *out) const {
  const Context &ctx = *context_;
  Backend &backend = ctx.backend();
  require(range.begin <= range.end && range.end <= level + 1,
          "ModDown range [", range.begin, ", ", range.end,
          ") exceeds the chain limbs of level ", level);
  if (range.size() == 0) {
    return;
  }
  ModuliSpan moduli = ctx.chainIndices(level).slice(range.begin, range.size());
  RnsPoly converted(backend, range.size());
  backend.baseConvert(converted.data(), moduli, specialCoefficients,
                      ctx.modDownConverter(), /*centered=*/true);
  backend.forwardNtt(converted.data(), moduli);
  backend.subtractAndScale(out, accChain, converted.data(),
                           ctx.specialInverseModChain().data() + range.begin,
                           moduli);
}

Decomposition KeySwitcher::decompose(const RnsPoly &input,
                                     unsigned level) const {
  const Context &ctx = *context_;
  Backend &backend = ctx.backend();
  require(input.numLimbs() == level + 1, "key-switching input has ",
          input.numLimbs(), " limbs: expected ", level + 1, " at level ",
          level);
  RnsPoly coefficients = input;
  backend.inverseNtt(coefficients.data(), ctx.chainIndices(level));
  Decomposition result;
  result.level = level;
  LimbRange all = extendedRange(level);
  for (unsigned j = 0; j < ctx.numDigits(level); ++j) {
    RnsPoly digit(backend, all.size());
    unsigned begin = ctx.digitBegin(j);
    modUpDigit(level, j, coefficients.limb(begin), input.limb(begin), all,
               digit.data());
    result.digits.push_back(std::move(digit));
  }
  return result;
}

void KeySwitcher::apply(const Decomposition &decomposition,
                        const KeySwitchKey &key, RnsPoly &out0, RnsPoly &out1,
                        const uint32_t *permutation) const {
  const Context &ctx = *context_;
  Backend &backend = ctx.backend();
  const unsigned level = decomposition.level;
  LimbRange all = extendedRange(level);
  std::vector<const uint64_t *> digits;
  for (const RnsPoly &d : decomposition.digits) {
    digits.push_back(d.data());
  }
  RnsPoly acc0(backend, all.size()), acc1(backend, all.size());
  innerProduct(level, key, 0, Span<const uint64_t *const>(digits), all,
               acc0.data(), acc1.data(), permutation, false);
  LimbRange chain{0, level + 1};
  for (RnsPoly *acc : {&acc0, &acc1}) {
    modDownSpecialToCoefficients(acc->limb(level + 1));
  }
  if (out0.numLimbs() != level + 1 || out0.backend() != &backend) {
    out0 = RnsPoly(backend, level + 1);
  }
  if (out1.numLimbs() != level + 1 || out1.backend() != &backend) {
    out1 = RnsPoly(backend, level + 1);
  }
  modDownChain(level, acc0.limb(level + 1), acc0.data(), chain, out0.data());
  modDownChain(level, acc1.limb(level + 1), acc1.data(), chain, out1.data());
}

void KeySwitcher::keySwitch(const RnsPoly &input, unsigned level,
                            const KeySwitchKey &key, RnsPoly &out0,
                            RnsPoly &out1) const {
  apply(decompose(input, level), key, out0, out1);
}

} // namespace ckks
} // namespace aegis
