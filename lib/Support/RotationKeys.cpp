//===- RotationKeys.cpp - Choosing rotation keys under a budget -----------===//

#include "aegis/Support/RotationKeys.h"

#include <algorithm>
#include <deque>
#include <set>

namespace aegis {

bool RotationKeyPlan::isKey(int64_t offset) const {
  return std::binary_search(keys.begin(), keys.end(), offset);
}

std::vector<int64_t> RotationKeyPlan::path(int64_t offset) const {
  std::vector<int64_t> nodes;
  for (int64_t v = offset; v != 0; v = parent[size_t(v)])
    nodes.push_back(v);
  std::reverse(nodes.begin(), nodes.end());
  return nodes;
}

namespace {

/// Shortest compositions from 0 with `keys` as generators (breadth-first;
/// keys tried in the given order, so ties go to the earlier key).
void shortestPaths(int64_t slots, const std::vector<int64_t> &keys,
                   RotationKeyPlan &plan) {
  plan.parent.assign(size_t(slots), -1);
  plan.length.assign(size_t(slots), -1);
  plan.length[0] = 0;
  std::deque<int64_t> queue{0};
  while (!queue.empty()) {
    int64_t u = queue.front();
    queue.pop_front();
    for (int64_t k : keys) {
      int64_t v = (u + k) % slots;
      if (plan.length[size_t(v)] >= 0)
        continue;
      plan.length[size_t(v)] = plan.length[size_t(u)] + 1;
      plan.parent[size_t(v)] = int32_t(u);
      queue.push_back(v);
    }
  }
}

int64_t totalRotations(const std::map<int64_t, int64_t> &uses,
                       const RotationKeyPlan &plan) {
  int64_t total = 0;
  for (auto [offset, count] : uses)
    total += count * plan.length[size_t(offset)];
  return total;
}

/// Keys in the order the search tries them: larger steps first, so that a
/// tie between compositions of equal length prefers fewer small steps.
std::vector<int64_t> searchOrder(const std::set<int64_t> &keys) {
  std::vector<int64_t> order(keys.begin(), keys.end());
  std::reverse(order.begin(), order.end());
  return order;
}

/// The keys that the compositions of the offsets in `uses` step by.
std::set<int64_t> usedKeys(const std::map<int64_t, int64_t> &uses,
                           const RotationKeyPlan &plan) {
  std::set<int64_t> used;
  for (const auto &entry : uses) {
    int64_t previous = 0;
    for (int64_t v : plan.path(entry.first)) {
      used.insert((v - previous + plan.slots) % plan.slots);
      previous = v;
    }
  }
  return used;
}

} // namespace

bool planRotationKeys(int64_t slots, const std::map<int64_t, int64_t> &given,
                      size_t maxKeys, RotationKeyPlan &plan,
                      std::string &error) {
  if (slots <= 0 || (slots & (slots - 1)) != 0) {
    error = "the slot count " + std::to_string(slots) +
            " is not a positive power of two";
    return false;
  }
  std::map<int64_t, int64_t> uses;
  for (auto [offset, count] : given) {
    if (offset < 0 || offset >= slots) {
      error = "rotation offset " + std::to_string(offset) + " is not in [0, " +
              std::to_string(slots) + ")";
      return false;
    }
    if (offset != 0 && count > 0)
      uses[offset] += count;
  }
  plan = RotationKeyPlan();
  plan.slots = slots;
  for (auto [offset, count] : uses)
    plan.rotationsBefore += count;

  std::set<int64_t> keys;
  if (maxKeys == 0 || uses.size() <= maxKeys) {
    // Every offset is a key: one step each, no search.
    plan.parent.assign(size_t(slots), -1);
    plan.length.assign(size_t(slots), -1);
    plan.length[0] = 0;
    for (auto [offset, count] : uses) {
      plan.keys.push_back(offset);
      plan.parent[size_t(offset)] = 0;
      plan.length[size_t(offset)] = 1;
    }
    plan.rotationsAfter = plan.rotationsBefore;
    return true;
  }

  // 2. Powers of two, then only those some shortest composition uses.
  for (int64_t p = 1; p < slots; p <<= 1)
    keys.insert(p);
  shortestPaths(slots, searchOrder(keys), plan);
  keys = usedKeys(uses, plan);
  if (keys.size() > maxKeys) {
    error = "a budget of " + std::to_string(maxKeys) +
            " rotation keys cannot reach the " + std::to_string(uses.size()) +
            " distinct rotations of this program: composing them from powers "
            "of two needs " +
            std::to_string(keys.size()) + " keys";
    return false;
  }
  shortestPaths(slots, searchOrder(keys), plan);

  // 3. Greedy: the offset costing the most extra key switches becomes a key.
  // A key that no composition uses any more is dropped and its place refilled
  // (a few rounds: each round only removes keys).
  for (int round = 0; round < 8; ++round) {
    while (keys.size() < maxKeys) {
      int64_t best = -1, bestGain = 0;
      for (auto [offset, count] : uses) {
        int64_t gain = count * (plan.length[size_t(offset)] - 1);
        if (gain > bestGain) {
          best = offset;
          bestGain = gain;
        }
      }
      if (best < 0)
        break;
      keys.insert(best);
      shortestPaths(slots, searchOrder(keys), plan);
    }
    std::set<int64_t> used = usedKeys(uses, plan);
    if (used.size() == keys.size())
      break;
    keys = used;
    shortestPaths(slots, searchOrder(keys), plan);
  }
  plan.keys.assign(keys.begin(), keys.end());
  plan.rotationsAfter = totalRotations(uses, plan);
  return true;
}

} // namespace aegis
