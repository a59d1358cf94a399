//===- PlaintextCache.h - encoded constants kept for reuse -----*- C++ -*-===//
//
// Part of the runtime: no MLIR or LLVM; private to lib/Runtime/Artifact.
// Constants are stored as slot values and encoded when an instruction uses
// them, at its ciphertext's level. Most are used once (weight diagonals),
// but some are used thousands of times: attention multiplies by one block
// mask per head dimension for every diagonal of K and V it builds. At
// N = 2^16 an encoding costs several times the product, so the encoded
// plaintexts of constants the program uses more than once are kept, up to
// a byte budget (the least recently used goes first).
//
//===----------------------------------------------------------------------===//

#ifndef AEGIS_LIB_RUNTIME_ARTIFACT_PLAINTEXTCACHE_H
#define AEGIS_LIB_RUNTIME_ARTIFACT_PLAINTEXTCACHE_H

#include "aegis/Runtime/Artifact/Artifact.h"
#include "aegis/Runtime/CKKS/Ciphertext.h"
#include "aegis/Runtime/CKKS/Encoder.h"

#include <cstring>
#include <list>
#include <map>
#include <tuple>
#include <vector>

namespace aegis::detail {

class PlaintextCache {
public:
  /// Default budget of encoded plaintexts held.
  static constexpr uint64_t kDefaultBudgetBytes = uint64_t(1) << 30;

  PlaintextCache(const Artifact &artifact, const ckks::ContextPtr &context,
                 uint64_t budgetBytes = kDefaultBudgetBytes)
      : encoder_(context), budget_(budgetBytes),
        uses_(artifact.constants.size(), 0), constants_(&artifact.constants) {
    for (const Instruction &in : artifact.program)
      if (in.op == Opcode::AddPlain || in.op == Opcode::SubPlain ||
          in.op == Opcode::MulPlain)
        if (in.imm >= 0 && size_t(in.imm) < uses_.size())
          ++uses_[in.imm];
  }

  /// Constant `c` encoded at `level`, `scale` and `slots`; valid until the
  /// next call.
  const ckks::Plaintext &encode(const ArtifactConstant &c, unsigned level,
                                double scale, size_t slots) {
    size_t index = size_t(&c - constants_->data());
    bool reused = index < uses_.size() && uses_[index] > 1;
    if (!reused) {
      scratch_ = encodeValues(c, level, scale, slots);
      return scratch_;
    }
    uint64_t scaleBits;
    std::memcpy(&scaleBits, &scale, sizeof scaleBits);
    Key key{index, level, scaleBits, slots};
    auto it = index_.find(key);
    if (it != index_.end()) {
      ++hits_;
      entries_.splice(entries_.begin(), entries_, it->second);
      return it->second->second;
    }
    ++misses_;
    ckks::Plaintext pt = encodeValues(c, level, scale, slots);
    uint64_t size = bytes(pt);
    while (!entries_.empty() && held_ + size > budget_) {
      held_ -= bytes(entries_.back().second);
      index_.erase(entries_.back().first);
      entries_.pop_back();
    }
    if (size > budget_) {
      scratch_ = std::move(pt);
      return scratch_;
    }
    held_ += size;
    entries_.emplace_front(key, std::move(pt));
    index_[key] = entries_.begin();
    return entries_.front().second;
  }

  uint64_t hits() const { return hits_; }
  uint64_t misses() const { return misses_; }

private:
  using Key = std::tuple<size_t, unsigned, uint64_t, size_t>;

  ckks::Plaintext encodeValues(const ArtifactConstant &c, unsigned level,
                               double scale, size_t slots) {
    std::vector<double> v(c.slots, 0.0);
    std::copy(c.values.begin(), c.values.end(), v.begin());
    return encoder_.encode(v, level, scale, slots);
  }
  static uint64_t bytes(const ckks::Plaintext &p) {
    return uint64_t(p.level() + 1) * p.context()->degree() * 8;
  }

  ckks::Encoder encoder_;
  uint64_t budget_, held_ = 0, hits_ = 0, misses_ = 0;
  std::vector<uint32_t> uses_;
  const std::vector<ArtifactConstant> *constants_;
  std::list<std::pair<Key, ckks::Plaintext>> entries_;
  std::map<Key, std::list<std::pair<Key, ckks::Plaintext>>::iterator> index_;
  ckks::Plaintext scratch_;
};

} // namespace aegis::detail

#endif // AEGIS_LIB_RUNTIME_ARTIFACT_PLAINTEXTCACHE_H
