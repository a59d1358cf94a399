//===- BootstrapPlacement.cpp - whole-program bootstrap placement ---------===//

#include "BootstrapPlacement.h"

#include <algorithm>
#include <limits>

using namespace mlir::aegis::lowering;

int32_t BootstrapDag::add(llvm::ArrayRef<int32_t> operands, unsigned spends,
                          bool eligible) {
  preds.insert(preds.end(), operands.begin(), operands.end());
  start.push_back(uint32_t(preds.size()));
  spend.push_back(uint8_t(std::min(spends, 255u)));
  canRefresh.push_back(eligible);
  return int32_t(spend.size() - 1);
}

namespace {

constexpr int64_t kInfinite = int64_t(1) << 60;
/// One refresh, in capacity units: cuts of equal size are told apart by
/// bonuses far below it.
constexpr int64_t kRefresh = int64_t(1) << 40;

/// Dinic's maximum flow with iterative searches (the program's chains can
/// be far longer than a recursion may go). Edges are collected first, then
/// laid out by tail (compressed rows): the graphs have millions of nodes
/// at long sequences, and the searches walk each node's edges in a row.
class MaxFlow {
public:
  /// Starts a new graph of `nodes` nodes. The buffers keep their memory
  /// from one graph to the next: each stage's graph has millions of nodes
  /// at long sequences, and fresh pages cost more than the searches.
  void reset(int32_t nodes) {
    n = nodes;
    tail.clear();
    head.clear();
    capacity.clear();
  }
  void edge(int32_t u, int32_t v, int64_t cap) {
    tail.push_back(u);
    head.push_back(v);
    capacity.push_back(cap);
  }

  /// The maximum flow from s to t, stopping once it reaches `limit`.
  int64_t run(int32_t s, int32_t t, int64_t limit) {
    layOut();
    int64_t total = 0;
    path.clear();
    while (levels(s, t)) {
      it.assign(first.begin(), first.end() - 1);
      for (;;) {
        // One augmenting path in the level graph (depth-first, pruning
        // dead ends), or none left in this phase.
        path.clear();
        int32_t u = s;
        bool found = false;
        for (;;) {
          if (u == t) {
            found = true;
            break;
          }
          int32_t &e = it[u];
          const int32_t end = first[u + 1];
          while (e < end && !(cap[e] > 0 && level[to[e]] == level[u] + 1))
            ++e;
          if (e < end) {
            path.push_back(e);
            u = to[e];
            continue;
          }
          if (u == s)
            break;
          level[u] = -1;
          int32_t back = path.back();
          path.pop_back();
          u = to[rev[back]];
          ++it[u];
        }
        if (!found)
          break;
        int64_t f = kInfinite;
        for (int32_t e : path)
          f = std::min(f, cap[e]);
        for (int32_t e : path)
          cap[e] -= f, cap[rev[e]] += f;
        total += f;
        if (total >= limit)
          return total;
      }
    }
    return total;
  }

  /// Per node: whether the residual graph leads from `from` to it
  /// (`forward`) or from it to `from` (backward); valid until the next call.
  const std::vector<uint8_t> &residualReach(int32_t from, bool forward) {
    std::vector<uint8_t> &mark = reach;
    mark.assign(n, 0);
    queue.assign(1, from);
    mark[from] = 1;
    for (size_t i = 0; i < queue.size(); ++i) {
      int32_t v = queue[i];
      for (int32_t e = first[v]; e < first[v + 1]; ++e) {
        // Edge e goes v -> to[e]; rev[e] goes back.
        int32_t u = to[e];
        if (!mark[u] && (forward ? cap[e] : cap[rev[e]]) > 0) {
          mark[u] = 1;
          queue.push_back(u);
        }
      }
    }
    return mark;
  }

private:
  /// Each collected edge and its residual twin, grouped by tail.
  void layOut() {
    first.assign(size_t(n) + 1, 0);
    for (size_t i = 0; i < tail.size(); ++i)
      ++first[tail[i] + 1], ++first[head[i] + 1];
    for (int32_t v = 0; v < n; ++v)
      first[v + 1] += first[v];
    const size_t m = size_t(first[n]);
    to.resize(m);
    rev.resize(m);
    cap.resize(m);
    std::vector<int32_t> fill(first.begin(), first.end() - 1);
    for (size_t i = 0; i < tail.size(); ++i) {
      int32_t a = fill[tail[i]]++, b = fill[head[i]]++;
      to[a] = head[i], cap[a] = capacity[i], rev[a] = b;
      to[b] = tail[i], cap[b] = 0, rev[b] = a;
    }
  }

  bool levels(int32_t s, int32_t t) {
    level.assign(n, -1);
    queue.assign(1, s);
    level[s] = 0;
    for (size_t i = 0; i < queue.size(); ++i) {
      int32_t u = queue[i];
      for (int32_t e = first[u]; e < first[u + 1]; ++e)
        if (cap[e] > 0 && level[to[e]] < 0) {
          level[to[e]] = level[u] + 1;
          queue.push_back(to[e]);
        }
    }
    return level[t] >= 0;
  }

  int32_t n = 0;
  std::vector<int32_t> tail, head;
  std::vector<int64_t> capacity;
  std::vector<int32_t> first, to, rev, level, it, queue, path;
  std::vector<int64_t> cap;
  std::vector<uint8_t> reach;
};

/// How a stage breaks ties between cuts of the same size.
enum class Prefer {
  /// Values that have spent the most levels (the fewest levels wasted).
  Spent,
  /// Values that stay live beyond the stage (refreshed once for all their
  /// later consumers), then the most spent.
  LongLived,
  /// The cut closest to the fresh values.
  Early,
  /// Most spent, ties broken by a seeded random bonus (restarts).
  Random,
};

/// The stage-by-stage placement; see BootstrapPlacement.h.
class Placer {
public:
  Placer(const BootstrapDag &dag, int32_t U)
      : dag(dag), U(U), n(int32_t(dag.size())), spent(n, 0), index(n, -1),
        cstart(n + 1, 0) {
    for (int32_t v = 0; v < n; ++v)
      for (int32_t p : dag.operands(v))
        ++cstart[p + 1];
    for (int32_t v = 0; v < n; ++v)
      cstart[v + 1] += cstart[v];
    consumers.resize(cstart[n]);
    std::vector<uint32_t> fill(cstart.begin(), cstart.end() - 1);
    for (int32_t v = 0; v < n; ++v)
      for (int32_t p : dag.operands(v))
        consumers[fill[p]++] = v;
  }

  /// Runs one stage on `plan`: false when no value runs out of levels any
  /// more (or the stage cannot cut: plan.ok is then false).
  bool stage(BootstrapPlan &plan, Prefer prefer);

  /// Sets spent[v], the levels v's result has spent since the input or the
  /// last refresh on its most expensive path under `plan` (before v's own
  /// refresh, if any); true when every value keeps a level.
  bool spends(const BootstrapPlan &plan) {
    bool fits = true;
    for (int32_t v = 0; v < n; ++v) {
      int32_t m = 0;
      for (int32_t p : dag.operands(v))
        m = std::max(m, plan.refresh[p] ? 0 : spent[p]);
      spent[v] = m + int32_t(dag.spends(v));
      fits &= spent[v] < U;
    }
    return fits;
  }

  /// Drops the refreshes `plan` does not need: those of values that spent
  /// no level (a later stage refreshed an ancestor), and with `tryEach`,
  /// every refresh whose removal keeps all values within their levels.
  void prune(BootstrapPlan &plan, bool tryEach) {
    if (!plan.ok || !spends(plan))
      return;
    for (int32_t v = 0; v < n; ++v)
      if (plan.refresh[v] && spent[v] == 0)
        plan.refresh[v] = 0, --plan.count;
    if (!tryEach)
      return;
    for (int32_t v = 0; v < n; ++v) {
      if (!plan.refresh[v])
        continue;
      plan.refresh[v] = 0;
      if (spends(plan))
        --plan.count;
      else
        plan.refresh[v] = 1;
    }
  }

  /// The seed of Prefer::Random.
  uint64_t seed = 0;

  /// Completes `plan` with stages that prefer `prefer`.
  void finish(BootstrapPlan &plan, Prefer prefer) {
    while (plan.ok && stage(plan, prefer))
      ;
  }

private:
  const BootstrapDag &dag;
  const int32_t U, n;
  std::vector<int32_t> spent, index;
  std::vector<uint32_t> cstart;
  std::vector<int32_t> consumers;
  /// Each stage's frontier values and flow graph (buffers reused).
  std::vector<int32_t> marked;
  MaxFlow flow;
};

bool Placer::stage(BootstrapPlan &plan, Prefer prefer) {
  if (spends(plan))
    return false;
  auto out = [&](int32_t v) { return plan.refresh[v] ? 0 : spent[v]; };
  // The frontier: values that would reach level 0 first. Only paths that
  // spend the most levels reach it (an operand is "tight" when the value's
  // spend comes through it); collect the values on them.
  std::fill(index.begin(), index.end(), -1);
  marked.clear();
  for (int32_t v = 0; v < n; ++v)
    if (spent[v] == U) {
      index[v] = int32_t(marked.size());
      marked.push_back(v);
    }
  auto tight = [&](int32_t p, int32_t v) {
    return out(p) + int32_t(dag.spends(v)) == spent[v];
  };
  for (size_t i = 0; i < marked.size(); ++i) {
    int32_t v = marked[i];
    // A refreshed value starts its paths afresh; a value that has spent no
    // level cannot be cut, nor can anything before it on a tight path: it
    // hangs off the source directly (below), its ancestors stay out of the
    // graph (after a refresh, the rotations that spend no level are many).
    if (plan.refresh[v] || spent[v] == 0)
      continue;
    for (int32_t p : dag.operands(v))
      if (index[p] < 0 && tight(p, v)) {
        index[p] = int32_t(marked.size());
        marked.push_back(p);
      }
  }
  // Node-split flow graph: value i is 2i -> 2i + 1, one refresh when it may
  // be refreshed (nominal scale, at least one level spent and one left,
  // less a tie-breaking bonus), unbounded otherwise.
  const int32_t k = int32_t(marked.size());
  const int32_t source = 2 * k, sink = 2 * k + 1;
  flow.reset(2 * k + 2);
  for (int32_t i = 0; i < k; ++i) {
    int32_t v = marked[i];
    if (plan.refresh[v]) {
      flow.edge(source, 2 * i + 1, kInfinite);
      continue;
    }
    bool cuttable = dag.eligible(v) && spent[v] >= 1 && spent[v] <= U - 1;
    int64_t bonus = spent[v];
    if (prefer == Prefer::Random) {
      // A deterministic hash of (seed, value): the same plan every run.
      uint64_t h = (uint64_t(v) + 1) * 0x9E3779B97F4A7C15ull ^ seed;
      h ^= h >> 29, h *= 0xBF58476D1CE4E5B9ull, h ^= h >> 32;
      bonus = bonus * 64 + int64_t(h % 64);
    }
    if (prefer == Prefer::LongLived) {
      int64_t outside = 0;
      for (uint32_t e = cstart[v]; e < cstart[v + 1]; ++e)
        outside += index[consumers[e]] < 0;
      bonus += 256 * std::min<int64_t>(outside, 255);
    }
    flow.edge(2 * i, 2 * i + 1, cuttable ? kRefresh - bonus : kInfinite);
    if (dag.operands(v).empty() || spent[v] == 0)
      flow.edge(source, 2 * i, kInfinite);
    if (spent[v] == U)
      flow.edge(2 * i + 1, sink, kInfinite);
    for (int32_t p : dag.operands(v))
      if (index[p] >= 0 && tight(p, v))
        flow.edge(2 * index[p] + 1, 2 * i, kInfinite);
  }
  if (flow.run(source, sink, kInfinite) >= kInfinite) {
    plan.ok = false;
    return false;
  }
  // The minimum cut: values whose split edge crosses from the source's
  // side to the side that still reaches the frontier (the cut closest to
  // the frontier), or the side the source still reaches (closest to the
  // fresh values).
  // far: on the frontier's side of the cut.
  const bool early = prefer == Prefer::Early;
  const std::vector<uint8_t> &reach =
      early ? flow.residualReach(source, /*forward=*/true)
            : flow.residualReach(sink, /*forward=*/false);
  auto far = [&](int32_t node) { return early ? !reach[node] : bool(reach[node]); };
  unsigned cut = 0;
  for (int32_t i = 0; i < k; ++i)
    if (!plan.refresh[marked[i]] && far(2 * i + 1) && !far(2 * i)) {
      plan.refresh[marked[i]] = 1;
      ++cut;
    }
  if (cut == 0) {
    plan.ok = false;
    return false;
  }
  plan.count += cut;
  ++plan.stages;
  return true;
}

} // namespace

/// Stage by stage, the tie-break whose completed placement refreshes least.
static BootstrapPlan pilotSearch(Placer &placer, BootstrapPlan plan);
/// Seeded random tie-breaks tried after the pilot search (small programs).
constexpr uint64_t kRestarts = 32;
/// Largest estimated number of value visits the searches may take (about a
/// second here).
constexpr double kSearchWork = 3e8;

BootstrapPlan mlir::aegis::lowering::placeBootstraps(const BootstrapDag &dag,
                                                     unsigned levels,
                                                     size_t lookaheadNodes) {
  BootstrapPlan plan;
  plan.refresh.assign(dag.size(), 0);
  Placer placer(dag, int32_t(levels));
  BootstrapPlan plain = plan;
  placer.finish(plain, Prefer::Spent);
  placer.prune(plain, /*tryEach=*/false);
  // The searches below cost about (stages + refreshes) passes over the
  // program per stage and tie-break: only where that stays small.
  const double work = double(dag.size()) * 3.0 * plain.stages *
                      (plain.stages + plain.count);
  if (dag.size() > lookaheadNodes || !plain.ok || work > kSearchWork)
    return plain;
  // Small programs: each stage takes the tie-break whose completed
  // placement (every later stage preferring spent levels) refreshes least;
  // then seeded random tie-breaks, completed the same way, may still find
  // fewer.
  BootstrapPlan pilot = pilotSearch(placer, plan);
  if (!pilot.ok || plain.count < pilot.count)
    pilot = plain;
  for (uint64_t seed = 1; seed <= kRestarts && pilot.ok; ++seed) {
    placer.seed = seed;
    BootstrapPlan restart = plan;
    placer.finish(restart, Prefer::Random);
    placer.prune(restart, /*tryEach=*/true);
    if (restart.ok && restart.count < pilot.count)
      pilot = std::move(restart);
  }
  return pilot;
}

static BootstrapPlan pilotSearch(Placer &placer, BootstrapPlan plan) {
  const Prefer kinds[] = {Prefer::Spent, Prefer::LongLived, Prefer::Early};
  for (;;) {
    BootstrapPlan bestNext;
    unsigned bestTotal = ~0u;
    for (Prefer prefer : kinds) {
      BootstrapPlan next = plan;
      if (!placer.stage(next, prefer)) {
        if (!next.ok)
          continue;
        placer.prune(plan, /*tryEach=*/true);
        return plan; // nothing runs out of levels
      }
      BootstrapPlan rollout = next;
      placer.finish(rollout, Prefer::Spent);
      placer.prune(rollout, /*tryEach=*/true);
      if (rollout.ok && rollout.count < bestTotal) {
        bestTotal = rollout.count;
        bestNext = std::move(next);
      }
    }
    if (bestTotal == ~0u) {
      plan.ok = false;
      return plan;
    }
    plan = std::move(bestNext);
  }
}
