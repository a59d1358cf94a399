//===- TokenPartition.h - a tensor's ciphertexts split by token -*- C++ -*-===//
//
// Part of the runtime: no MLIR or LLVM. The third way of placing data (next
// to replicated and limb-partitioned): a tensor held as T ciphertexts (its
// tokens or heads) is split by ciphertext, device d holding the whole
// ciphertexts [begin_d, end_d) (contiguous, rank order, possibly empty).
// Conversions to and from the replicated and limb-partitioned layouts move
// the words unchanged; docs/Distributed.md gives the bytes each moves.
//
//===----------------------------------------------------------------------===//

#ifndef AEGIS_RUNTIME_DIST_TOKENPARTITION_H
#define AEGIS_RUNTIME_DIST_TOKENPARTITION_H

#include "aegis/Runtime/Dist/Distributed.h"

#include <vector>

namespace aegis {
namespace dist {

/// Contiguous ranges of ciphertext indices, one per device.
class TokenPartition {
public:
  TokenPartition() = default;
  /// Explicit bounds: bounds[0] = 0 <= bounds[1] <= ... <= bounds[P].
  explicit TokenPartition(std::vector<unsigned> bounds);
  /// Balanced: the first count mod P devices get one ciphertext more.
  static TokenPartition balanced(unsigned count, int numDevices);

  int numDevices() const { return int(bounds_.size()) - 1; }
  unsigned count() const { return bounds_.back(); }
  unsigned begin(int device) const { return bounds_[device]; }
  unsigned end(int device) const { return bounds_[device + 1]; }
  unsigned size(int device) const { return end(device) - begin(device); }
  int owner(unsigned index) const;
  bool operator==(const TokenPartition &other) const {
    return bounds_ == other.bounds_;
  }

private:
  std::vector<unsigned> bounds_{0};
};

/// This device's share of a token-partitioned tensor: its whole
/// ciphertexts. The metadata (size, level, scale, slots, shared by every
/// ciphertext of the tensor) is the same on every device, including those
/// holding none.
struct TokenPartitionedTensor {
  ckks::ContextPtr context;
  TokenPartition partition;
  int rank = 0;
  unsigned size = 2;
  unsigned level = 0;
  double scale = 0;
  size_t slots = 0;
  /// Ciphertexts partition.begin(rank) .. partition.end(rank) - 1.
  std::vector<ckks::Ciphertext> local;
};

/// Replicated -> token: keeps this rank's ciphertexts (a local copy, no
/// traffic). Every ciphertext must share size, level, scale and slots.
TokenPartitionedTensor toTokenPartition(
    const std::vector<ckks::Ciphertext> &replicated,
    const TokenPartition &partition, int rank);
/// Token -> replicated: one all-gather-v of the whole ciphertexts.
std::vector<ckks::Ciphertext>
fromTokenPartition(const TokenPartitionedTensor &tensor,
                   comm::Communicator &comm);
/// Limb -> token: `shares` are this rank's limb shares of the T ciphertexts
/// (same partition, size, level, scale, slots); one all-to-all-v.
TokenPartitionedTensor
limbToToken(const std::vector<DistributedCiphertext> &shares,
            const TokenPartition &partition, comm::Communicator &comm);
/// Token -> limb: this rank's limb shares of all T ciphertexts under
/// `limbs` (which covers level + 1 limbs); one all-to-all-v.
std::vector<DistributedCiphertext>
tokenToLimb(const TokenPartitionedTensor &tensor, const LimbPartition &limbs,
            comm::Communicator &comm);

} // namespace dist
} // namespace aegis

#endif // AEGIS_RUNTIME_DIST_TOKENPARTITION_H
