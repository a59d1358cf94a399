//===- KeySwitch.h - Hybrid key switching in separate steps -----*- C++ -*-===//
//
// Part of the runtime: no MLIR or LLVM. Key switching of a polynomial d at
// level l (NTT form, limbs q_0..q_l) with a key from s' to s returns (u0, u1)
// at level l with u0 + u1*s ~ d*s'. It runs in three steps, each a public
// function over a range of limbs so that a multi-device layer can split it:
//
// 1. ModUp (per digit j): the digit's limbs d mod Q_j (coefficient form) are
//    extended by fast base conversion to every other prime of Q_l and P and
//    moved to NTT form; the digit's own limbs are the input's NTT limbs.
// 2. Key inner product: acc0 = sum_j d_j * b_j, acc1 = sum_j d_j * a_j over
//    the extended basis (lazy 128-bit accumulation), optionally reading the
//    digits through a Galois permutation (hoisted rotations).
// 3. ModDown: acc -> (acc - Conv_(P->q_i)(acc mod P)) * P^-1 on each chain
//    limb, after moving the K special limbs to coefficient form once.
//
// Limb ranges use extended indices at level l: 0..l are q_0..q_l and
// l+1..l+K are p_0..p_(K-1). Buffers passed to the range functions hold
// exactly the limbs of their range, contiguous.
//
//===----------------------------------------------------------------------===//

#ifndef AEGIS_RUNTIME_CKKS_KEYSWITCH_H
#define AEGIS_RUNTIME_CKKS_KEYSWITCH_H

#include "aegis/Runtime/CKKS/Context.h"
#include "aegis/Runtime/CKKS/Keys.h"
#include "aegis/Runtime/CKKS/RnsPoly.h"

#include <vector>

namespace aegis {
namespace ckks {

/// Extended limb indices [begin, end) at some level.
struct LimbRange {
  unsigned begin = 0;
  unsigned end = 0;
  unsigned size() const { return end - begin; }
};

/// The ModUp output of one polynomial: one extended polynomial per digit.
struct Decomposition {
  unsigned level = 0;
  /// numDigits(level) polynomials of level + 1 + K limbs, NTT form.
  std::vector<RnsPoly> digits;
};

class KeySwitcher {
public:
  explicit KeySwitcher(ContextPtr context) : context_(std::move(context)) {}

  const ContextPtr &context() const { return context_; }

  /// All extended limbs at `level`: [0, level + 1 + K).
  LimbRange extendedRange(unsigned level) const {
    return {0, level + 1 + context_->numSpecial()};
  }

  //===--- Step 1: ModUp ----------------------------------------------------===//
  /// Writes limbs `range` of digit `digit`'s extension into `out`.
  /// `digitCoefficients`: the digit's limbs q_begin..q_(end-1) (begin/end from
  /// Context::digitBegin/digitEnd at `level`) in coefficient form.
  /// `digitNtt`: the same limbs in NTT form, or null to compute them.
  void modUpDigit(unsigned level, unsigned digit,
                  const uint64_t *digitCoefficients, const uint64_t *digitNtt,
                  LimbRange range, uint64_t *out) const;

  //===--- Step 2: key inner product ----------------------------------------===//
  /// out0/out1 (range.size() limbs) = sum over digits j in
  /// [firstDigit, firstDigit + digits.size()) of digits[j - firstDigit] *
  /// key.b(j) / key.a(j) on limbs `range`; digits[i] points at that digit's
  /// limbs `range`. `permutation` (nullable) reads digits at permuted
  /// indices; `accumulate` adds to out0/out1.
  void innerProduct(unsigned level, const KeySwitchKey &key,
                    unsigned firstDigit, Span<const uint64_t *const> digits,
                    LimbRange range, uint64_t *out0, uint64_t *out1,
                    const uint32_t *permutation, bool accumulate) const;

  //===--- Step 3: ModDown --------------------------------------------------===//
  /// In place: the K special limbs of an accumulator to coefficient form.
  void modDownSpecialToCoefficients(uint64_t *special) const;
  /// out (chain limbs `range`, range.end <= level + 1) =
  /// (accChain - Conv(specialCoefficients)) * P^-1; accChain holds the
  /// accumulator's limbs `range` (NTT form). out may alias accChain.
  void modDownChain(unsigned level, const uint64_t *specialCoefficients,
                    const uint64_t *accChain, LimbRange range,
                    uint64_t *out) const;

  //===--- Whole polynomials ------------------------------------------------===//
  /// ModUp of every digit of `input` (level + 1 limbs, NTT form).
  Decomposition decompose(const RnsPoly &input, unsigned level) const;
  /// Inner product with `key` (through `permutation` if non-null) and
  /// ModDown: out0/out1 get level + 1 limbs.
  void apply(const Decomposition &decomposition, const KeySwitchKey &key,
             RnsPoly &out0, RnsPoly &out1,
             const uint32_t *permutation = nullptr) const;
  /// decompose + apply.
  void keySwitch(const RnsPoly &input, unsigned level, const KeySwitchKey &key,
                 RnsPoly &out0, RnsPoly &out1) const;

private:
  ContextPtr context_;
};

} // namespace ckks
} // namespace aegis

#endif // AEGIS_RUNTIME_CKKS_KEYSWITCH_H
