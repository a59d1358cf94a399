//===- Trace.cpp - a timeline of a run, per device ------------------------===//

#include "aegis/Runtime/Artifact/Trace.h"

#include <nlohmann/json.hpp>

namespace aegis {

void Trace::record(int device, std::string name, const char *category,
                   Clock::time_point start, Clock::time_point end,
                   std::string region) {
  auto us = [&](Clock::time_point t) {
    return std::chrono::duration<double, std::micro>(t - origin_).count();
  };
  std::lock_guard<std::mutex> lock(mutex_);
  events_.push_back({device, std::move(name), std::move(region), category,
                     us(start), us(end) - us(start)});
}

size_t Trace::size() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return events_.size();
}

std::string Trace::toJson() const {
  std::lock_guard<std::mutex> lock(mutex_);
  nlohmann::ordered_json events = nlohmann::ordered_json::array();
  int maxDevice = 0;
  for (const Event &e : events_)
    maxDevice = std::max(maxDevice, e.device);
  for (int d = 0; d <= maxDevice; ++d)
    events.push_back({{"name", "thread_name"},
                      {"ph", "M"},
                      {"pid", 0},
                      {"tid", d},
                      {"args", {{"name", "device " + std::to_string(d)}}}});
  for (const Event &e : events_) {
    nlohmann::ordered_json ev = {{"name", e.name},
                                 {"cat", e.category},
                                 {"ph", "X"},
                                 {"ts", e.startUs},
                                 {"dur", e.durationUs},
                                 {"pid", 0},
                                 {"tid", e.device}};
    if (!e.region.empty())
      ev["args"] = {{"layer", e.region}};
    events.push_back(std::move(ev));
  }
  return nlohmann::ordered_json{{"traceEvents", events},
                                {"displayTimeUnit", "ms"}}
      .dump();
}

} // namespace aegis
