//===- ThreadPool.h - Persistent pool with parallel-for ---------*- C++ -*-===//
//
// Part of the runtime: no MLIR or LLVM. The CKKS kernels split their work over
// limbs (or other independent indices) with parallelFor. Each index is
// computed by exactly one thread and writes only its own outputs, so results
// are bit-identical for every thread count.
//
// The thread count comes from setNumThreads(), else from the environment
// variable AEGIS_NUM_THREADS, else from std::thread::hardware_concurrency().
//
//===----------------------------------------------------------------------===//

#ifndef AEGIS_RUNTIME_SUPPORT_THREADPOOL_H
#define AEGIS_RUNTIME_SUPPORT_THREADPOOL_H

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

namespace aegis {

class ThreadPool {
public:
  /// A pool running work on `numThreads` threads, the caller included.
  explicit ThreadPool(unsigned numThreads);
  ~ThreadPool();
  ThreadPool(const ThreadPool &) = delete;
  ThreadPool &operator=(const ThreadPool &) = delete;

  /// The process-wide pool used by the runtime.
  static ThreadPool &global();

  unsigned numThreads() const { return numThreads_; }
  /// Restarts the workers with a new count (at least 1). Must not be called
  /// while a parallelFor of this pool is running.
  void setNumThreads(unsigned numThreads);

  /// Calls fn(i) for every i in [begin, end), spread over the threads. Nested
  /// calls (from inside fn) and calls while another thread uses the pool run
  /// serially on the calling thread. The first exception thrown by fn is
  /// rethrown here after all indices finished.
  template <typename Fn>
  void parallelFor(size_t begin, size_t end, Fn &&fn) {
    if (end <= begin) {
      return;
    }
    auto call = [](void *ctx, size_t i) { (*static_cast<Fn *>(ctx))(i); };
    run(begin, end, call, const_cast<void *>(static_cast<const void *>(&fn)));
  }

private:
  using Callback = void (*)(void *, size_t);
  void run(size_t begin, size_t end, Callback call, void *ctx);
  void startWorkers();
  void stopWorkers();
  void workerLoop(unsigned long seen);
  void drain();

  unsigned numThreads_ = 1;
  std::vector<std::thread> workers_;
  std::mutex runMutex_; // one job at a time
  // Job hand-off: the caller publishes a job by bumping generation_; workers
  // spin on it for a while after each job (wake-ups through the kernel cost
  // tens of microseconds on virtual machines) and then sleep on wake_.
  std::mutex mutex_;
  std::condition_variable wake_;
  std::atomic<bool> stop_{false};
  std::atomic<unsigned long> generation_{0};
  std::atomic<unsigned> sleepers_{0};
  std::atomic<unsigned> active_{0};
  // The current job.
  Callback call_ = nullptr;
  void *ctx_ = nullptr;
  size_t end_ = 0;
  std::atomic_size_t next_{0};
  std::mutex errorMutex_;
  std::exception_ptr error_;
};

/// Sets the runtime's thread count (at least 1).
void setNumThreads(unsigned numThreads);
/// The runtime's thread count.
unsigned getNumThreads();

/// parallelFor on the global pool.
template <typename Fn>
void parallelFor(size_t begin, size_t end, Fn &&fn) {
  ThreadPool::global().parallelFor(begin, end, std::forward<Fn>(fn));
}

} // namespace aegis

#endif // AEGIS_RUNTIME_SUPPORT_THREADPOOL_H
