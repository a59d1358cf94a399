//===- ThreadPool.cpp - Persistent pool with parallel-for -----------------===//

#include "aegis/Runtime/Support/ThreadPool.h"

#include <cstdlib>
#include <string>

namespace aegis {

namespace {
// Set while a thread executes pool work: nested parallelFor runs serially.
thread_local bool insideParallelRegion = false;

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
  stopWorkers();
  numThreads_ = numThreads == 0 ? 1 : numThreads;
  startWorkers();
}

void ThreadPool::startWorkers() {
  stop_ = false;
  for (unsigned i = 1; i < numThreads_; ++i) {
    workers_.emplace_back([this] { workerLoop(); });
  }
}

void ThreadPool::stopWorkers() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_ = true;
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
      std::lock_guard<std::mutex> lock(mutex_);
      if (!error_) {
        error_ = std::current_exception();
      }
    }
  }
  insideParallelRegion = wasInside;
}

void ThreadPool::workerLoop() {
  unsigned long seen = 0;
  std::unique_lock<std::mutex> lock(mutex_);
  for (;;) {
    wake_.wait(lock, [&] { return stop_ || generation_ != seen; });
    if (stop_) {
      return;
    }
    seen = generation_;
    lock.unlock();
    drain();
    lock.lock();
    if (--active_ == 0) {
      done_.notify_one();
    }
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
  {
    std::lock_guard<std::mutex> lock(mutex_);
    call_ = call;
    ctx_ = ctx;
    end_ = end;
    next_.store(begin, std::memory_order_relaxed);
    error_ = nullptr;
    active_ = static_cast<unsigned>(workers_.size());
    ++generation_;
  }
  wake_.notify_all();
  drain();
  std::exception_ptr error;
  {
    std::unique_lock<std::mutex> lock(mutex_);
    done_.wait(lock, [&] { return active_ == 0; });
    error = error_;
    error_ = nullptr;
  }
  if (error) {
    std::rethrow_exception(error);
  }
}

void setNumThreads(unsigned numThreads) {
  ThreadPool::global().setNumThreads(numThreads);
}

unsigned getNumThreads() { return ThreadPool::global().numThreads(); }

} // namespace aegis
