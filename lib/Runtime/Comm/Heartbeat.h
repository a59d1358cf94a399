//===- Heartbeat.h - A thread that beats at a fixed interval ----*- C++ -*-===//
//
// Internal to lib/Runtime/Comm. Calls `beat` every `interval` seconds on a
// thread of its own until destroyed, so that a rank busy computing between
// collectives still tells its peers it is alive; only a stopped process
// falls silent. The destructor wakes the thread and joins it at once.
//
//===----------------------------------------------------------------------===//

#ifndef AEGIS_LIB_RUNTIME_COMM_HEARTBEAT_H
#define AEGIS_LIB_RUNTIME_COMM_HEARTBEAT_H

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>

namespace aegis::comm {

class Heartbeat {
public:
  Heartbeat(double intervalSeconds, std::function<void()> beat)
      : interval_(std::chrono::duration_cast<std::chrono::steady_clock::duration>(
            std::chrono::duration<double>(intervalSeconds))),
        beat_(std::move(beat)), thread_([this] { run(); }) {}

  ~Heartbeat() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stop_ = true;
    }
    wake_.notify_all();
    thread_.join();
  }

  /// Beats at least every `intervalSeconds` from now on.
  void tighten(double intervalSeconds) {
    auto interval =
        std::chrono::duration_cast<std::chrono::steady_clock::duration>(
            std::chrono::duration<double>(intervalSeconds));
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (interval >= interval_) {
        return;
      }
      interval_ = interval;
    }
    wake_.notify_all();
  }

  Heartbeat(const Heartbeat &) = delete;
  Heartbeat &operator=(const Heartbeat &) = delete;

  /// The interval between beats for a liveness limit: several beats fit in
  /// one limit, so one late beat (an oversubscribed core) is not a death.
  static double intervalFor(double livenessSeconds) {
    return std::min(1.0, livenessSeconds / 5);
  }

private:
  void run() {
    std::unique_lock<std::mutex> lock(mutex_);
    while (!stop_) {
      lock.unlock();
      beat_();
      lock.lock();
      wake_.wait_for(lock, interval_, [this] { return stop_; });
    }
  }

  std::chrono::steady_clock::duration interval_;
  std::function<void()> beat_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stop_ = false;
  std::thread thread_; // last: started once everything above exists
};

} // namespace aegis::comm

#endif // AEGIS_LIB_RUNTIME_COMM_HEARTBEAT_H
