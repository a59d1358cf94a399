//===- Prng.cpp - Deterministic ChaCha20-based generator ------------------===//

#include "aegis/Runtime/Support/Prng.h"

#include <cstring>
#include <random>

namespace aegis {

namespace {
inline uint32_t rotl(uint32_t x, int n) { return (x << n) | (x >> (32 - n)); }

inline void quarterRound(uint32_t &a, uint32_t &b, uint32_t &c, uint32_t &d) {
  a += b;
  d = rotl(d ^ a, 16);
  c += d;
  b = rotl(b ^ c, 12);
  a += b;
  d = rotl(d ^ a, 8);
  c += d;
  b = rotl(b ^ c, 7);
}

inline uint32_t loadLe32(const uint8_t *p) {
  return uint32_t(p[0]) | uint32_t(p[1]) << 8 | uint32_t(p[2]) << 16 |
         uint32_t(p[3]) << 24;
}

void blockWords(const uint32_t key[8], uint32_t w12, uint32_t w13,
                uint32_t w14, uint32_t w15, uint32_t out[16]) {
  uint32_t in[16] = {0x61707865, 0x3320646e, 0x79622d32, 0x6b206574,
                     key[0],     key[1],     key[2],     key[3],
                     key[4],     key[5],     key[6],     key[7],
                     w12,        w13,        w14,        w15};
  uint32_t x[16];
  std::memcpy(x, in, sizeof(x));
  for (int round = 0; round < 10; ++round) {
    quarterRound(x[0], x[4], x[8], x[12]);
    quarterRound(x[1], x[5], x[9], x[13]);
    quarterRound(x[2], x[6], x[10], x[14]);
    quarterRound(x[3], x[7], x[11], x[15]);
    quarterRound(x[0], x[5], x[10], x[15]);
    quarterRound(x[1], x[6], x[11], x[12]);
    quarterRound(x[2], x[7], x[8], x[13]);
    quarterRound(x[3], x[4], x[9], x[14]);
  }
  for (int i = 0; i < 16; ++i) {
    out[i] = x[i] + in[i];
  }
}
} // namespace

void chacha20Block(const uint32_t key[8], uint32_t w12, uint32_t w13,
                   uint32_t w14, uint32_t w15, uint8_t out[64]) {
  uint32_t words[16];
  blockWords(key, w12, w13, w14, w15, words);
  for (int i = 0; i < 16; ++i) {
    out[4 * i] = uint8_t(words[i]);
    out[4 * i + 1] = uint8_t(words[i] >> 8);
    out[4 * i + 2] = uint8_t(words[i] >> 16);
    out[4 * i + 3] = uint8_t(words[i] >> 24);
  }
}

Prng::Prng(const Seed &seed, uint64_t stream) : stream_(stream) {
  for (int i = 0; i < 8; ++i) {
    key_[i] = loadLe32(seed.data() + 4 * i);
  }
}

void Prng::refill() {
  blockWords(key_, uint32_t(counter_), uint32_t(counter_ >> 32),
             uint32_t(stream_), uint32_t(stream_ >> 32), block_);
  ++counter_;
  position_ = 0;
}

uint32_t Prng::next32() {
  if (position_ == 16) {
    refill();
  }
  return block_[position_++];
}

uint64_t Prng::next64() {
  uint64_t lo = next32();
  uint64_t hi = next32();
  return lo | hi << 32;
}

uint64_t Prng::uniformBelow(uint64_t bound) {
  if (bound <= 1) {
    return 0;
  }
  // Mask to the bit length of bound - 1, then reject: at most 2 draws on
  // average.
  uint64_t mask = bound - 1;
  mask |= mask >> 1;
  mask |= mask >> 2;
  mask |= mask >> 4;
  mask |= mask >> 8;
  mask |= mask >> 16;
  mask |= mask >> 32;
  for (;;) {
    uint64_t v = next64() & mask;
    if (v < bound) {
      return v;
    }
  }
}

void Prng::fillBytes(uint8_t *out, size_t size) {
  for (size_t i = 0; i < size; ++i) {
    if (i % 4 == 0) {
      uint32_t w = next32();
      for (size_t k = 0; k < 4 && i + k < size; ++k) {
        out[i + k] = uint8_t(w >> (8 * k));
      }
    }
  }
}

Seed seedFromInteger(uint64_t value) {
  Seed seed{};
  for (int i = 0; i < 8; ++i) {
    seed[i] = uint8_t(value >> (8 * i));
  }
  return seed;
}

Seed randomSeed() {
  std::random_device device;
  Seed seed;
  for (size_t i = 0; i < seed.size(); i += 4) {
    uint32_t w = device();
    for (size_t k = 0; k < 4; ++k) {
      seed[i + k] = uint8_t(w >> (8 * k));
    }
  }
  return seed;
}

Seed deriveSeed(const Seed &parent, uint64_t label) {
  // Stream ids with the top bit set are reserved for derivation.
  Prng prng(parent, label | (uint64_t(1) << 63));
  Seed child;
  prng.fillBytes(child.data(), child.size());
  return child;
}

} // namespace aegis
