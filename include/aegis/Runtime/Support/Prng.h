//===- Prng.h - Deterministic ChaCha20-based generator ----------*- C++ -*-===//
//
// Part of the runtime: no MLIR or LLVM. All randomness of the CKKS runtime
// (secret keys, key-switching keys, encryption noise) is drawn on the host from
// this generator, so every backend (CPU, CUDA) sees the same values, and a
// key's uniform part can be regenerated from a 32-byte seed ("compact" keys).
//
// The keystream is ChaCha20 (RFC 8439 block function) keyed with the seed;
// state words 12-13 hold a 64-bit block counter and words 14-15 a 64-bit
// stream id, so one seed gives 2^64 independent streams.
//
//===----------------------------------------------------------------------===//

#ifndef AEGIS_RUNTIME_SUPPORT_PRNG_H
#define AEGIS_RUNTIME_SUPPORT_PRNG_H

#include <array>
#include <cstddef>
#include <cstdint>

namespace aegis {

using Seed = std::array<uint8_t, 32>;

/// The ChaCha20 block function: 20 rounds over the state made of the RFC 8439
/// constants, `key` and the words w12..w15; writes 64 bytes.
void chacha20Block(const uint32_t key[8], uint32_t w12, uint32_t w13,
                   uint32_t w14, uint32_t w15, uint8_t out[64]);

class Prng {
public:
  Prng(const Seed &seed, uint64_t stream);

  uint32_t next32();
  uint64_t next64();
  /// Uniform in [0, bound) by rejection (bound > 0).
  uint64_t uniformBelow(uint64_t bound);
  void fillBytes(uint8_t *out, size_t size);

private:
  void refill();

  uint32_t key_[8];
  uint64_t stream_;
  uint64_t counter_ = 0;
  uint32_t block_[16];
  unsigned position_ = 16; // next unused word of block_
};

/// A seed whose bytes are `value` in little-endian order, then zeros (tests
/// and reproducible runs).
Seed seedFromInteger(uint64_t value);
/// A seed from the operating system's entropy source (std::random_device).
Seed randomSeed();
/// A child seed: the first 32 bytes of stream `label` of `parent`, so that
/// children with different labels are independent.
Seed deriveSeed(const Seed &parent, uint64_t label);

} // namespace aegis

#endif // AEGIS_RUNTIME_SUPPORT_PRNG_H
