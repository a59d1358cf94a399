//===- ThreadPool.cpp - Persistent pool with parallel-for -----------------===//

#include "aegis/Runtime/Support/ThreadPool.h"

#include <chrono>
#include <cstdlib>
#include <string>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define AEGIS_CPU_RELAX() _mm_pause()
#else
#define AEGIS_CPU_RELAX() std::this_thread::yield()
#endif

namespace aegis {

namespace {
// Set while a thread executes pool work: nested parallelFor runs serially.
thread_local bool insideParallelRegion = false;

// How long an idle worker keeps polling for the next job before sleeping.
constexpr auto kSpinTime = std::chrono::microseconds(500);

unsigned defaultThreadCount() {
  if (const char *env = std::getenv("AEGIS_NUM_THREADS")) {
    char *endPtr = nullptr;
    long value = std::strtol(env, &endPtr, 10);
    if (endPtr != env && *endPtr == '\0' && value > 0 && value <= 4096) {
      return static_cast<unsigned>(value);
    }
  }
  unsigned hw = std::thread::hardware_concurrency();
  return hw == 0 ? 1 : hw;
}
} // namespace

ThreadPool::ThreadPool(unsigned numThreads)
    : numThreads_(numThreads == 0 ? 1 : numThreads) {
  startWorkers();
}

ThreadPool::~ThreadPool() { stopWorkers(); }

ThreadPool &ThreadPool::global() {
  static ThreadPool pool(defaultThreadCount());
  return pool;
}

void ThreadPool::setNumThreads(unsigned numThreads) {
  std::lock_guard<std::mutex> runLock(runMutex_);
  numThreads = numThreads == 0 ? 1 : numThreads;
  if (numThreads == numThreads_) {
    return;
  }
  stopWorkers();
  numThreads_ = numThreads;
  startWorkers();
}

void ThreadPool::startWorkers() {
  stop_.store(false);
  // Workers start from the current generation: a job published before a
  // new thread first runs is still seen as new.
  unsigned long start = generation_.load();
  for (unsigned i = 1; i < numThreads_; ++i) {
    workers_.emplace_back([this, start] { workerLoop(start); });
  }
}

void ThreadPool::stopWorkers() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_.store(true);
  }
  wake_.notify_all();
  for (std::thread &t : workers_) {
    t.join();
  }
  workers_.clear();
}

void ThreadPool::drain() {
  bool wasInside = insideParallelRegion;
  insideParallelRegion = true;
  for (;;) {
    size_t i = next_.fetch_add(1, std::memory_order_relaxed);
    if (i >= end_) {
      break;
    }
    try {
      call_(ctx_, i);
    } catch (...) {
      std::lock_guard<std::mutex> lock(errorMutex_);
      if (!error_) {
        error_ = std::current_exception();
      }
    }
  }
  insideParallelRegion = wasInside;
}

void ThreadPool::workerLoop(unsigned long seen) {
  for (;;) {
    // Poll for a new job, then sleep.
    auto spinUntil = std::chrono::steady_clock::now() + kSpinTime;
    unsigned polls = 0;
    while (generation_.load(std::memory_order_acquire) == seen &&
           !stop_.load(std::memory_order_relaxed)) {
      // Pause-spin briefly, then yield between polls so that an oversubscribed
      // machine still runs the threads that have work.
      if (++polls < 256) {
        AEGIS_CPU_RELAX();
        continue;
      }
      std::this_thread::yield();
      if (polls % 16 == 0 && std::chrono::steady_clock::now() > spinUntil) {
        std::unique_lock<std::mutex> lock(mutex_);
        sleepers_.fetch_add(1);
        while (generation_.load() == seen && !stop_.load()) {
          wake_.wait(lock);
        }
        sleepers_.fetch_sub(1);
        break;
      }
    }
    if (stop_.load()) {
      return;
    }
    seen = generation_.load(std::memory_order_acquire);
    drain();
    active_.fetch_sub(1, std::memory_order_release);
  }
}

void ThreadPool::run(size_t begin, size_t end, Callback call, void *ctx) {
  std::unique_lock<std::mutex> runLock(runMutex_, std::defer_lock);
  if (numThreads_ == 1 || end - begin == 1 || insideParallelRegion ||
      !runLock.try_lock()) {
    for (size_t i = begin; i < end; ++i) {
      call(ctx, i);
    }
    return;
  }
  call_ = call;
  ctx_ = ctx;
  end_ = end;
  next_.store(begin, std::memory_order_relaxed);
  error_ = nullptr;
  active_.store(unsigned(workers_.size()), std::memory_order_relaxed);
  generation_.fetch_add(1); // publishes the job (sequentially consistent)
  if (sleepers_.load() > 0) {
    std::lock_guard<std::mutex> lock(mutex_);
    wake_.notify_all();
  }
  drain();
  // Wait for workers still finishing their last index.
  unsigned polls = 0;
  while (active_.load(std::memory_order_acquire) != 0) {
    if (++polls < 256) {
      AEGIS_CPU_RELAX();
    } else {
      std::this_thread::yield();
    }
  }
  std::exception_ptr error = error_;
  error_ = nullptr;
  if (error) {
    std::rethrow_exception(error);
  }
}

void setNumThreads(unsigned numThreads) {
  ThreadPool::global().setNumThreads(numThreads);
}

unsigned getNumThreads() { return ThreadPool::global().numThreads(); }

} // namespace aegis
