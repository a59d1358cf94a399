//===- HostMemoryPool.h - the CPU backend's block pool -----------*- C++ -*-===//
//
// Part of the runtime: no MLIR or LLVM; private to lib/Runtime/Backend/CPU
// (and its unit test).
//
//===----------------------------------------------------------------------===//

#ifndef AEGIS_LIB_RUNTIME_BACKEND_CPU_HOSTMEMORYPOOL_H
#define AEGIS_LIB_RUNTIME_BACKEND_CPU_HOSTMEMORYPOOL_H

#include "aegis/Runtime/Support/Error.h"

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <iterator>
#include <list>
#include <mutex>
#include <unordered_map>
#include <vector>

namespace aegis {
namespace ckks {

/// Keeps freed blocks by size for reuse (a fresh block of megabytes costs
/// its page faults again), up to a budget of idle bytes. Beyond it the
/// blocks idle longest go back to the system first: sizes of levels the
/// program has left (polynomials shrink by a limb per rescale) age out
/// instead of pinning memory while recent sizes stay. Budget: 256 MiB, or
/// AEGIS_HOST_POOL_MIB (0: no pool).
class HostMemoryPool {
public:
  explicit HostMemoryPool(size_t budgetBytes = defaultBudget())
      : maxCachedBytes_(budgetBytes) {}
  HostMemoryPool(const HostMemoryPool &) = delete;
  HostMemoryPool &operator=(const HostMemoryPool &) = delete;

  ~HostMemoryPool() {
    for (const Block &b : idle_)
      std::free(b.p);
  }

  uint64_t *allocate(size_t words) {
    if (words == 0) {
      return nullptr;
    }
    {
      std::lock_guard<std::mutex> lock(mutex_);
      auto it = bySize_.find(words);
      if (it != bySize_.end() && !it->second.empty()) {
        auto block = it->second.back(); // the most recently freed
        it->second.pop_back();
        uint64_t *p = block->p;
        idle_.erase(block);
        cachedBytes_ -= words * 8;
        return p;
      }
    }
    size_t bytes = (words * 8 + 63) / 64 * 64;
    void *p = std::aligned_alloc(64, bytes);
    if (p == nullptr) {
      fail("out of host memory allocating ", bytes, " bytes");
    }
    return static_cast<uint64_t *>(p);
  }

  void deallocate(uint64_t *p, size_t words) {
    if (p == nullptr) {
      return;
    }
    std::lock_guard<std::mutex> lock(mutex_);
    if (words * 8 > maxCachedBytes_) {
      std::free(p);
      return;
    }
    idle_.push_back({p, words});
    bySize_[words].push_back(std::prev(idle_.end()));
    cachedBytes_ += words * 8;
    while (cachedBytes_ > maxCachedBytes_) {
      Block oldest = idle_.front();
      std::vector<std::list<Block>::iterator> &same = bySize_[oldest.words];
      // Blocks of one size are freed in order: the oldest is first.
      same.erase(same.begin());
      idle_.pop_front();
      cachedBytes_ -= oldest.words * 8;
      std::free(oldest.p);
    }
  }

  /// Bytes of the idle blocks kept.
  size_t cachedBytes() {
    std::lock_guard<std::mutex> lock(mutex_);
    return cachedBytes_;
  }

  /// 256 MiB, or AEGIS_HOST_POOL_MIB (a whole number of MiB; anything else
  /// is reported on stderr and the default kept).
  static size_t defaultBudget() {
    constexpr size_t kDefault = size_t(256) << 20;
    const char *env = std::getenv("AEGIS_HOST_POOL_MIB");
    if (!env)
      return kDefault;
    char *end = nullptr;
    unsigned long long mib = std::strtoull(env, &end, 10);
    if (end != env && *end == '\0' && env[0] != '-' && mib < (1ull << 40))
      return size_t(mib) << 20;
    std::fprintf(stderr,
                 "aegis: warning: AEGIS_HOST_POOL_MIB='%s' is not a number of "
                 "MiB; the memory pool keeps its default of 256 MiB\n",
                 env);
    return kDefault;
  }

private:
  struct Block {
    uint64_t *p;
    size_t words;
  };
  std::mutex mutex_;
  /// Idle blocks, least recently freed first; per size, its blocks in the
  /// same order.
  std::list<Block> idle_;
  std::unordered_map<size_t, std::vector<std::list<Block>::iterator>> bySize_;
  size_t cachedBytes_ = 0;
  const size_t maxCachedBytes_;
};

} // namespace ckks
} // namespace aegis

#endif // AEGIS_LIB_RUNTIME_BACKEND_CPU_HOSTMEMORYPOOL_H
