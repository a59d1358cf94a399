//===- Distributed.h - CKKS ciphertexts split by RNS limbs ------*- C++ -*-===//
//
// Part of the runtime: no MLIR or LLVM. A limb-partitioned ciphertext keeps,
// on device d, the chain limbs [begin_d, end_d) of every polynomial (NTT
// form); the ranges are contiguous, in rank order, and may be empty. Every
// distributed operation, after gathering, equals the single-device
// ckks::Evaluator result bit for bit. docs/Distributed.md gives the
// algorithms and the bytes each operation moves per device.
//
//===----------------------------------------------------------------------===//

#ifndef AEGIS_RUNTIME_DIST_DISTRIBUTED_H
#define AEGIS_RUNTIME_DIST_DISTRIBUTED_H

#include "aegis/Runtime/CKKS/Ciphertext.h"
#include "aegis/Runtime/CKKS/Evaluator.h"
#include "aegis/Runtime/CKKS/KeySwitch.h"
#include "aegis/Runtime/CKKS/Keys.h"
#include "aegis/Runtime/Comm/Communicator.h"

#include <array>
#include <complex>
#include <vector>

namespace aegis {
namespace dist {

/// Contiguous chain-limb ranges, one per device, covering [0, numLimbs).
class LimbPartition {
public:
  LimbPartition() = default;
  /// Explicit bounds: bounds[0] = 0 <= bounds[1] <= ... <= bounds[P].
  explicit LimbPartition(std::vector<unsigned> bounds);
  /// Balanced: the first numLimbs mod P devices get one limb more.
  static LimbPartition balanced(unsigned numLimbs, int numDevices);
  /// Whole key-switching digits per device (balanced in digits) at `level`.
  static LimbPartition digitAligned(const ckks::Context &context,
                                    unsigned level, int numDevices);

  int numDevices() const { return int(bounds_.size()) - 1; }
  unsigned numLimbs() const { return bounds_.back(); }
  /// Throws aegis::Error for a device outside [0, numDevices()).
  ckks::LimbRange range(int device) const {
    if (device < 0 || device >= numDevices()) {
      throwBadDevice(device);
    }
    return {bounds_[device], bounds_[device + 1]};
  }
  /// The device holding `limb`.
  int owner(unsigned limb) const;
  /// The partition of the first `numLimbs` limbs (ranges clipped).
  LimbPartition truncated(unsigned numLimbs) const;
  /// Words per device for `degree`-coefficient limbs.
  std::vector<size_t> wordCounts(size_t degree) const;
  /// Whether every range starts on a digit boundary at `level`.
  bool isDigitAligned(const ckks::Context &context, unsigned level) const;
  bool operator==(const LimbPartition &other) const {
    return bounds_ == other.bounds_;
  }

private:
  [[noreturn]] void throwBadDevice(int device) const;

  std::vector<unsigned> bounds_{0};
};

/// This device's share of a ciphertext: its limb slice of each polynomial.
class DistributedCiphertext {
public:
  DistributedCiphertext() = default;
  DistributedCiphertext(ckks::ContextPtr context, LimbPartition partition,
                        int rank, unsigned size, unsigned level, double scale,
                        size_t slots);

  const ckks::ContextPtr &context() const { return context_; }
  const LimbPartition &partition() const { return partition_; }
  int rank() const { return rank_; }
  unsigned size() const { return size_; }
  unsigned level() const { return level_; }
  double scale() const { return scale_; }
  size_t slots() const { return slots_; }
  /// This device's limbs (extended indices of the chain at level()).
  ckks::LimbRange range() const { return partition_.range(rank_); }
  unsigned numLocalLimbs() const { return range().size(); }
  /// The local slice of polynomial i: numLocalLimbs() limbs.
  uint64_t *poly(unsigned i) { return polys_[i].data(); }
  const uint64_t *poly(unsigned i) const { return polys_[i].data(); }
  /// The moduli of the local limbs.
  ckks::ModuliSpan moduli() const;
  /// The local limbs as the view ckks::Evaluator's limb kernels compute on.
  ckks::LimbView limbs();
  ckks::ConstLimbView limbs() const;

  void setScale(double scale) { scale_ = scale; }
  void shrinkToSize(unsigned size);
  /// Keeps the limbs up to `level` (the partition truncated); sets the
  /// scale.
  void dropToLevel(unsigned level, double newScale);

private:
  ckks::ContextPtr context_;
  LimbPartition partition_;
  int rank_ = 0;
  unsigned size_ = 0;
  unsigned level_ = 0;
  double scale_ = 0;
  size_t slots_ = 0;
  std::array<ckks::RnsPoly, 3> polys_;
};

/// Replicated -> limb-partitioned: copies this rank's slice (no traffic).
DistributedCiphertext scatter(const ckks::Ciphertext &ct,
                              const LimbPartition &partition, int rank);
/// Limb-partitioned -> replicated: one all-gather-v per polynomial.
ckks::Ciphertext gather(const DistributedCiphertext &ct,
                        comm::Communicator &comm);
/// Limb-partitioned -> another partition of the same limbs: one all-to-all-v
/// per polynomial moving exactly the limbs that change owner.
DistributedCiphertext repartition(const DistributedCiphertext &ct,
                                  const LimbPartition &target,
                                  comm::Communicator &comm);
/// Polynomial `poly` of `ct` under `target` (one all-to-all-v of the limbs
/// that change owner); the result's other polynomials are left unset.
DistributedCiphertext repartitionPoly(const DistributedCiphertext &ct,
                                      unsigned poly,
                                      const LimbPartition &target,
                                      comm::Communicator &comm);

/// The root's full ciphertext -> every rank's limb share under `partition`:
/// a broadcast of the metadata (size, level, scale, slots: 4 words), then one
/// all-to-all-v per polynomial in which only the root sends (each rank's own
/// limbs). `ct` is read on the root only (others may pass an empty one).
DistributedCiphertext scatterFromRoot(const ckks::ContextPtr &context,
                                      const ckks::Ciphertext &ct,
                                      const LimbPartition &partition, int root,
                                      comm::Communicator &comm);
/// Limb shares -> the full ciphertext on `root` (one all-to-all-v per
/// polynomial in which every rank sends its limbs to the root only); the
/// other ranks get an empty ciphertext.
ckks::Ciphertext gatherToRoot(const DistributedCiphertext &ct, int root,
                              comm::Communicator &comm);

/// How a distributed key switch moves data.
enum class KeySwitchAlgorithm {
  /// All-gather the input's coefficient limbs; ModUp, inner product and
  /// ModDown of the own limbs (special limbs redundantly): no output traffic.
  InputBroadcast,
  /// Digits aligned to devices: local ModUp of the own digits and a partial
  /// inner product over the whole extended basis, then a modular
  /// reduce-scatter of the chain limbs and an all-reduce of the special
  /// limbs, then ModDown of the own limbs.
  OutputAggregation,
};

class PartitionedKey;
class PartitionedGaloisKeys;

namespace detail {
/// A key-switching key as the evaluator reads it: a full key or this
/// device's rows of it (exactly one is set).
struct KeySource {
  const ckks::KeySwitchKey *full = nullptr;
  const PartitionedKey *part = nullptr;
};
/// A Galois key set, full or this device's rows.
struct GaloisSource {
  const ckks::GaloisKeys *full = nullptr;
  const PartitionedGaloisKeys *part = nullptr;
  const ckks::ContextPtr &context() const;
  /// Throws aegis::Error naming the element when the key is missing.
  KeySource at(uint64_t galoisElement) const;
};
} // namespace detail

/// Operations on this rank's shares. Every operation that may communicate
/// (gather, repartition, rescale, key switches) is collective: all ranks call
/// it in the same order with the same metadata. Argument checks run before
/// any collective, so a bad call throws on every rank instead of hanging.
class DistributedEvaluator {
public:
  DistributedEvaluator(ckks::ContextPtr context, comm::Communicator &comm);

  const ckks::ContextPtr &context() const { return context_; }
  comm::Communicator &communicator() const { return comm_; }

  void addInPlace(DistributedCiphertext &a,
                  const DistributedCiphertext &b) const;
  void subInPlace(DistributedCiphertext &a,
                  const DistributedCiphertext &b) const;
  void negateInPlace(DistributedCiphertext &a) const;
  /// `plain` is the full plaintext (every device holds it).
  void multiplyPlainInPlace(DistributedCiphertext &a,
                            const ckks::Plaintext &plain) const;
  /// Plaintext added to / subtracted from polynomial 0 (same scale).
  void addPlainInPlace(DistributedCiphertext &a,
                       const ckks::Plaintext &plain) const;
  void subPlainInPlace(DistributedCiphertext &a,
                       const ckks::Plaintext &plain) const;
  /// Adds c to every slot, encoded at the ciphertext's scale, as
  /// Evaluator::addConstantInPlace (local: each device its own limbs).
  void addConstantInPlace(DistributedCiphertext &a,
                          std::complex<double> c) const;
  /// Multiplies every slot by c encoded at `constantScale` (the scale
  /// multiplies), as Evaluator::multiplyConstantInPlace; local.
  void multiplyConstantInPlace(DistributedCiphertext &a, std::complex<double> c,
                               double constantScale) const;
  /// Multiplies by an integer (scale unchanged), as
  /// Evaluator::multiplyIntegerInPlace; local.
  void multiplyIntegerInPlace(DistributedCiphertext &a, int64_t k) const;
  /// Drops the limbs above `level` (local: their owners forget them).
  void dropToLevelInPlace(DistributedCiphertext &a, unsigned level) const;
  /// Tensor product of two size-2 ciphertexts: size 3, local.
  DistributedCiphertext multiply(const DistributedCiphertext &a,
                                 const DistributedCiphertext &b) const;
  /// a * a as Evaluator::square (size 3), local.
  DistributedCiphertext square(const DistributedCiphertext &a) const;
  /// Broadcasts the top limb (coefficient form) from its owner; every device
  /// then rounds its own limbs as Evaluator::rescaleInPlace.
  void rescaleInPlace(DistributedCiphertext &a) const;

  /// Key switch of polynomial 2 into 0 and 1.
  void relinearizeInPlace(DistributedCiphertext &a, const ckks::RelinKey &key,
                          KeySwitchAlgorithm algorithm) const;
  DistributedCiphertext rotate(const DistributedCiphertext &a, long steps,
                               const ckks::GaloisKeys &keys,
                               KeySwitchAlgorithm algorithm) const;
  DistributedCiphertext conjugate(const DistributedCiphertext &a,
                                  const ckks::GaloisKeys &keys,
                                  KeySwitchAlgorithm algorithm) const;
  DistributedCiphertext applyGalois(const DistributedCiphertext &a,
                                    uint64_t galoisElement,
                                    const ckks::GaloisKeys &keys,
                                    KeySwitchAlgorithm algorithm) const;
  /// Rotations by every step sharing one ModUp: input broadcast shares one
  /// all-gather as well; output aggregation ModUps the own digits once and
  /// reduces once per rotation.
  std::vector<DistributedCiphertext> rotateHoisted(
      const DistributedCiphertext &a, const std::vector<long> &steps,
      const ckks::GaloisKeys &keys,
      KeySwitchAlgorithm algorithm = KeySwitchAlgorithm::InputBroadcast) const;

  /// sum_i rotate(inputs[i], steps[i]) with the key switches accumulated in
  /// the extended basis and one ModDown at the end (one rounding instead of
  /// one per rotation). Bit-exact with the same single-device sequence
  /// (KeySwitcher::innerProduct with accumulation, then ModDown). With
  /// output aggregation it moves one reduction whatever the input count
  /// (and, off a digit-aligned partition, each rotated input's c1: below);
  /// input broadcast moves one all-gather per rotated input.
  DistributedCiphertext
  rotateAndSum(const std::vector<DistributedCiphertext> &inputs,
               const std::vector<long> &steps, const ckks::GaloisKeys &keys,
               KeySwitchAlgorithm algorithm) const;
  /// The same over inputs given by address (an input named twice moves
  /// once). Output aggregation works from any partition: off a
  /// digit-aligned one, each distinct rotated input's c1 (the only
  /// polynomial a key switch's basis conversion reads) moves to whole-digit
  /// ranges, c0 is rotated where it is, and the partial inner products are
  /// reduce-scattered straight onto the inputs' partition, where the result
  /// is (no move back). Same bits either way.
  DistributedCiphertext
  rotateAndSum(const std::vector<const DistributedCiphertext *> &inputs,
               const std::vector<long> &steps, const ckks::GaloisKeys &keys,
               KeySwitchAlgorithm algorithm) const;

  /// The same key switches with this device's rows of the keys
  /// (PartitionedKeys.h): same bits as with the full keys. The key must hold
  /// the rows KeyRows::needed gives for the operand's partition, this rank
  /// and `algorithm` (it throws otherwise).
  void relinearizeInPlace(DistributedCiphertext &a, const PartitionedKey &key,
                          KeySwitchAlgorithm algorithm) const;
  DistributedCiphertext rotate(const DistributedCiphertext &a, long steps,
                               const PartitionedGaloisKeys &keys,
                               KeySwitchAlgorithm algorithm) const;
  DistributedCiphertext conjugate(const DistributedCiphertext &a,
                                  const PartitionedGaloisKeys &keys,
                                  KeySwitchAlgorithm algorithm) const;
  DistributedCiphertext applyGalois(const DistributedCiphertext &a,
                                    uint64_t galoisElement,
                                    const PartitionedGaloisKeys &keys,
                                    KeySwitchAlgorithm algorithm) const;
  std::vector<DistributedCiphertext>
  rotateHoisted(const DistributedCiphertext &a, const std::vector<long> &steps,
                const PartitionedGaloisKeys &keys,
                KeySwitchAlgorithm algorithm) const;
  DistributedCiphertext
  rotateAndSum(const std::vector<DistributedCiphertext> &inputs,
               const std::vector<long> &steps,
               const PartitionedGaloisKeys &keys,
               KeySwitchAlgorithm algorithm) const;
  DistributedCiphertext
  rotateAndSum(const std::vector<const DistributedCiphertext *> &inputs,
               const std::vector<long> &steps,
               const PartitionedGaloisKeys &keys,
               KeySwitchAlgorithm algorithm) const;

private:
  void relinearizeWith(DistributedCiphertext &a, const detail::KeySource &key,
                       const ckks::ContextPtr &keyContext,
                       KeySwitchAlgorithm algorithm) const;
  DistributedCiphertext applyGaloisWith(const DistributedCiphertext &a,
                                        uint64_t galoisElement,
                                        const detail::GaloisSource &keys,
                                        KeySwitchAlgorithm algorithm) const;
  std::vector<DistributedCiphertext>
  rotateHoistedWith(const DistributedCiphertext &a,
                    const std::vector<long> &steps,
                    const detail::GaloisSource &keys,
                    KeySwitchAlgorithm algorithm) const;
  DistributedCiphertext
  rotateAndSumWith(const std::vector<const DistributedCiphertext *> &inputs,
                   const std::vector<long> &steps,
                   const detail::GaloisSource &keys,
                   KeySwitchAlgorithm algorithm) const;
  /// KeySwitcher::innerProduct reading the key through `key`.
  void innerProduct(unsigned level, const detail::KeySource &key,
                    unsigned firstDigit, Span<const uint64_t *const> digits,
                    ckks::LimbRange range, uint64_t *out0, uint64_t *out1,
                    const uint32_t *permutation, bool accumulate) const;
  void checkOperand(const DistributedCiphertext &a, const char *what) const;
  void checkPlain(const DistributedCiphertext &a,
                  const ckks::Plaintext &plain) const;
  void checkPair(const DistributedCiphertext &a,
                 const DistributedCiphertext &b) const;
  /// Coefficient form of the whole of `poly` (local slice in NTT form) on
  /// every device.
  /// Starts that all-gather into `full` (level() + 1 limbs).
  comm::Request startGatherCoefficients(const DistributedCiphertext &a,
                                        unsigned poly,
                                        ckks::RnsPoly &full) const;
  ckks::RnsPoly gatherCoefficients(const DistributedCiphertext &a,
                                   unsigned poly) const;
  /// The local ModUp of every digit over the own chain limbs and the special
  /// limbs: per digit, chain part then special part.
  std::vector<ckks::RnsPoly>
  modUpLocal(const DistributedCiphertext &a,
             const ckks::RnsPoly &coefficients) const;
  /// Inner product of a local decomposition on the own limbs and the special
  /// limbs into acc0/acc1 (own + K limbs).
  void innerLocal(const DistributedCiphertext &a,
                  const std::vector<ckks::RnsPoly> &digits,
                  const detail::KeySource &key, const uint32_t *permutation,
                  ckks::RnsPoly &acc0, ckks::RnsPoly &acc1,
                  bool accumulate) const;
  /// ModDown of own + K limb accumulators into the own limbs.
  void modDownLocal(const DistributedCiphertext &a, ckks::RnsPoly &acc0,
                    ckks::RnsPoly &acc1, uint64_t *out0, uint64_t *out1) const;
  /// Output aggregation: ModUp of the own digits of polynomial `poly` over
  /// the whole extended basis (none on an empty shard).
  std::vector<ckks::RnsPoly> modUpOwnDigits(const DistributedCiphertext &a,
                                            unsigned poly) const;
  /// Output aggregation: the partial inner product of the own digits into
  /// acc0/acc1 (L + K limbs; zero on an empty shard unless accumulating).
  void innerAggregate(const DistributedCiphertext &a,
                      const std::vector<ckks::RnsPoly> &digits,
                      const detail::KeySource &key,
                      const uint32_t *permutation, ckks::RnsPoly &acc0,
                      ckks::RnsPoly &acc1, bool accumulate) const;
  /// Output aggregation, local part: ModUp of the own digits of polynomial
  /// `poly` and the inner product over the whole extended basis.
  void partialAggregate(const DistributedCiphertext &a, unsigned poly,
                        const detail::KeySource &key,
                        const uint32_t *permutation, ckks::RnsPoly &acc0,
                        ckks::RnsPoly &acc1, bool accumulate) const;
  /// Output aggregation, collective part: reduce-scatter of the chain limbs,
  /// all-reduce of the special limbs, ModDown of the own limbs.
  void reduceModDown(const DistributedCiphertext &a, ckks::RnsPoly &acc0,
                     ckks::RnsPoly &acc1, uint64_t *out0, uint64_t *out1) const;
  /// Input-broadcast inner product and ModDown from a local decomposition.
  void applyLocal(const DistributedCiphertext &a,
                  const std::vector<ckks::RnsPoly> &digits,
                  const detail::KeySource &key, const uint32_t *permutation,
                  uint64_t *out0, uint64_t *out1) const;
  /// Key switch of polynomial `poly` of `a` into out0/out1 (local slices).
  void keySwitch(const DistributedCiphertext &a, unsigned poly,
                 const detail::KeySource &key, const uint32_t *permutation,
                 KeySwitchAlgorithm algorithm, uint64_t *out0,
                 uint64_t *out1) const;
  void keySwitchAggregate(const DistributedCiphertext &a, unsigned poly,
                          const detail::KeySource &key,
                          const uint32_t *permutation, uint64_t *out0,
                          uint64_t *out1) const;
  /// out0 + permuted a[0], out1: the rotated ciphertext.
  DistributedCiphertext finishGalois(const DistributedCiphertext &a,
                                     const uint32_t *permutation,
                                     ckks::RnsPoly &out0,
                                     ckks::RnsPoly &out1) const;

  ckks::ContextPtr context_;
  comm::Communicator &comm_;
  /// The one evaluator: its limb kernels do every operation's arithmetic on
  /// the local limbs; this class adds the collectives.
  ckks::Evaluator local_;
  const ckks::KeySwitcher &keySwitcher() const { return local_.keySwitcher(); }
};

} // namespace dist
} // namespace aegis

#endif // AEGIS_RUNTIME_DIST_DISTRIBUTED_H
