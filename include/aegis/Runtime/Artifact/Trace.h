//===- Trace.h - a timeline of a run, per device ----------------*- C++ -*-===//
//
// Part of the runtime. `aegis-run --trace=FILE` records every instruction
// each device runs (compute, and the sends / receives of placed programs)
// and the run's stages, and writes them in the Chrome trace event format
// (chrome://tracing, ui.perfetto.dev): one row per device, so where a
// device waits for another, and where communication and compute overlap,
// is visible.
//
//===----------------------------------------------------------------------===//

#ifndef AEGIS_RUNTIME_ARTIFACT_TRACE_H
#define AEGIS_RUNTIME_ARTIFACT_TRACE_H

#include <chrono>
#include <mutex>
#include <string>
#include <vector>

namespace aegis {

class Trace {
public:
  using Clock = std::chrono::steady_clock;

  Trace() : origin_(Clock::now()) {}

  /// One span on `device`'s row. Thread-safe (thread ranks share a trace).
  void record(int device, std::string name, const char *category,
              Clock::time_point start, Clock::time_point end,
              std::string region = {});
  /// The Chrome trace JSON ({"traceEvents": [...]}); `devices` restricts it
  /// to those rows (empty: all).
  std::string toJson() const;
  size_t size() const;

private:
  struct Event {
    int device;
    std::string name, region;
    const char *category;
    double startUs, durationUs;
  };
  Clock::time_point origin_;
  mutable std::mutex mutex_;
  std::vector<Event> events_;
};

} // namespace aegis

#endif // AEGIS_RUNTIME_ARTIFACT_TRACE_H
