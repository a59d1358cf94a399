//===- HomomorphicDft.h - CoeffToSlot and SlotToCoeff matrices --*- C++ -*-===//
//
// Part of the runtime: no MLIR or LLVM. The CKKS encoder maps n slot values z
// to the packed coefficients w (w_k = m_k + i m_(k+n)) by the special inverse
// FFT over the orbit of 5 modulo 4n (Encoder::slotsToCoefficients):
//     w = (1/n) BR G_2 G_4 ... G_n z,
// with G_len the butterfly stage of length len (applied first: len = n) and
// BR the bit-reversal permutation; decoding is z = F_n ... F_4 F_2 BR w.
// Each stage has three diagonals (offsets 0 and +-len/2).
//
// CoeffToSlot evaluates G_2 ... G_n (its output is w in bit-reversed order,
// times n) and SlotToCoeff evaluates F_n ... F_2 on bit-reversed input, so the
// permutation BR, which is not sparse in diagonal form, is never evaluated:
// EvalMod acts slot-wise and does not care about the order.
//
// Level collapsing: the log2(n) stages are merged into `levels` groups of
// consecutive stages; a group of s stages has up to 2^(s+1) - 1 diagonals
// and costs one level. The groups are returned in application order.
//
//===----------------------------------------------------------------------===//

#ifndef AEGIS_RUNTIME_BOOTSTRAP_HOMOMORPHICDFT_H
#define AEGIS_RUNTIME_BOOTSTRAP_HOMOMORPHICDFT_H

#include "aegis/Runtime/Bootstrap/DiagonalTransform.h"

#include <vector>

namespace aegis {
namespace ckks {

/// The stage of length len (2 <= len <= n, powers of two) of the special FFT
/// on n slots: F_len (decoding direction) or G_len (encoding direction).
DiagonalMatrix specialFftStage(size_t n, size_t len, bool inverse);

/// How `stages` butterfly stages split into `levels` groups (the first
/// groups take one more stage when the split is uneven).
std::vector<unsigned> groupSizes(unsigned stages, unsigned levels);

/// G_2 ... G_n merged into `levels` groups, in application order (the
/// first group holds the longest stages).
std::vector<DiagonalMatrix> coeffToSlotGroups(size_t n, unsigned levels);
/// F_n ... F_2 merged into `levels` groups, in application order.
std::vector<DiagonalMatrix> slotToCoeffGroups(size_t n, unsigned levels);

/// The bit-reversal permutation of n values (tests and plain references).
std::vector<std::complex<double>>
bitReversed(const std::vector<std::complex<double>> &values);

} // namespace ckks
} // namespace aegis

#endif // AEGIS_RUNTIME_BOOTSTRAP_HOMOMORPHICDFT_H
