//===- DistPlan.cpp - the placement cost model ----------------------------===//

#include "DistPlan.h"

#include "aegis/Dialect/CKKS/IR/CKKSOps.h"
#include "aegis/Dialect/Dist/IR/DistOps.h"
#include "aegis/Support/Rotation.h"

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/Location.h"

#include <algorithm>
#include <cmath>
#include <map>

namespace mlir::aegis::dist {

namespace ck = mlir::aegis::ckks;

const char *kindName(Kind k) {
  switch (k) {
  case Kind::AllGather:
    return "all_gather";
  case Kind::Broadcast:
    return "broadcast";
  case Kind::AllToAll:
    return "all_to_all";
  case Kind::Transfer:
    return "transfer";
  case Kind::ReduceScatter:
    return "reduce_scatter";
  case Kind::AllReduce:
    return "all_reduce";
  }
  return "?";
}
const char *sourceName(Source s) {
  switch (s) {
  case Source::KeySwitch:
    return "keyswitch";
  case Source::Rescale:
    return "rescale";
  case Source::Bootstrap:
    return "bootstrap";
  case Source::Model:
    return "model";
  case Source::IO:
    return "io";
  }
  return "?";
}
const char *partName(Part p) {
  switch (p) {
  case Part::Ffn:
    return "ffn";
  case Part::Attention:
    return "attention";
  case Part::Other:
    return "other";
  }
  return "?";
}

bool LinkModel::preset(StringRef name, LinkModel &out) {
  // NVLink 4 (H100 SXM): ~300 GB/s per direction reached by collectives
  // (450 GB/s nominal); PCIe 4.0 x16: ~25 GB/s. Latencies per collective.
  if (name == "nvlink") {
    out = {"nvlink", 3e-6, 300e9};
    return true;
  }
  if (name == "pcie") {
    out = {"pcie", 10e-6, 25e9};
    return true;
  }
  return false;
}

Part partOf(Operation *op) {
  auto loc = dyn_cast<NameLoc>(op->getLoc());
  if (!loc)
    return Part::Other;
  StringRef name = loc.getName().getValue();
  StringRef kind = name.split('#').first;
  if (kind == "attention")
    return Part::Attention;
  if (kind == "matmul" || kind == "gemm" || kind == "gelu" || kind == "relu" ||
      kind == "silu" || kind == "tanh" || kind == "erf" || kind == "sigmoid" ||
      kind == "exp")
    return Part::Ffn;
  return Part::Other;
}

Planner::Planner(func::FuncOp main, ck::ParamsAttr params, KeySwitchMode mode)
    : main(main), params(params), mode_(mode) {
  n = int64_t(1) << params.getLogN();
  special = unsigned(params.getLogP().size());
  dnum = std::max(1u, params.getDnum());
  unsigned chain = unsigned(params.getLogQ().size());
  alpha = (chain + dnum - 1) / dnum;
  // Token rows and features of every argument and result ciphertext, from
  // the slot map of its tensor (on the tensor's first ciphertext).
  auto describe = [](unsigned count,
                     const std::function<DictionaryAttr(unsigned)> &attrsOf,
                     const std::function<Type(unsigned)> &typeOf) {
    std::vector<ArgInfo> out(count);
    for (unsigned i = 0; i < count;) {
      DictionaryAttr attrs = attrsOf(i);
      auto map = attrs ? attrs.getAs<DenseI32ArrayAttr>("ckks.slot_map")
                       : DenseI32ArrayAttr();
      auto shape = attrs ? attrs.getAs<DenseI64ArrayAttr>("ckks.shape")
                         : DenseI64ArrayAttr();
      auto ct = dyn_cast<ck::CiphertextType>(typeOf(i));
      if (!map || !shape || !ct || shape.empty()) {
        ++i;
        continue;
      }
      int64_t slots = ct.getSlots(), features = shape.asArrayRef().back();
      int64_t rows = 1;
      for (int64_t d : shape.asArrayRef())
        rows *= d;
      rows = features ? rows / features : 1;
      int64_t cts = 0;
      for (int32_t g : map.asArrayRef())
        cts = std::max<int64_t>(cts, g / slots + 1);
      std::vector<ArgInfo> info(cts,
                                ArgInfo{INT64_MAX, INT64_MAX, rows, features});
      for (auto [e, g] : llvm::enumerate(map.asArrayRef())) {
        if (g < 0)
          continue;
        ArgInfo &a = info[g / slots];
        a.row = std::min<int64_t>(a.row,
                                  int64_t(e) / std::max<int64_t>(1, features));
        a.feature = std::min<int64_t>(
            a.feature, int64_t(e) % std::max<int64_t>(1, features));
      }
      for (int64_t c = 0; c < cts && i + c < count; ++c) {
        ArgInfo a = info[c];
        if (a.row == INT64_MAX)
          a.row = a.feature = 0;
        out[i + c] = a;
      }
      i += unsigned(std::max<int64_t>(cts, 1));
    }
    return out;
  };
  args = describe(
      main.getNumArguments(),
      [&](unsigned i) { return main.getArgAttrDict(i); },
      [&](unsigned i) { return main.getArgument(i).getType(); });
  results = describe(
      main.getNumResults(),
      [&](unsigned i) { return main.getResultAttrDict(i); },
      [&](unsigned i) { return main.getResultTypes()[i]; });
}

int64_t Planner::distinctArgs(int64_t ArgInfo::*field) const {
  llvm::DenseSet<int64_t> seen;
  for (auto [i, a] : llvm::enumerate(args))
    if (isa<ck::CiphertextType>(main.getArgument(i).getType()))
      seen.insert(a.*field);
  return int64_t(seen.size());
}

int64_t Planner::digitEnd(int64_t L, int64_t B, int64_t b) const {
  // Whole digits of alpha limbs, the digits balanced over the devices
  // (aegis-run's LimbPartition::digitAligned).
  const int64_t digits = (L + alpha - 1) / alpha;
  int64_t e = (b + 1) * (digits / B) + std::min<int64_t>(b + 1, digits % B);
  return std::min<int64_t>(e * alpha, L);
}

int64_t Planner::digitShare(int64_t L, int64_t B, int64_t b) const {
  return digitEnd(L, B, b) - (b == 0 ? 0 : digitEnd(L, B, b - 1));
}

int64_t Planner::toDigitAligned(int64_t L, int64_t B, int64_t b,
                                bool back) const {
  // Limbs device b holds under one split and not under the other: what it
  // sends (per polynomial) when a ciphertext changes split.
  int64_t bBegin = 0;
  for (int64_t d = 0; d < b; ++d)
    bBegin += share(L, B, d);
  const int64_t bEnd = bBegin + share(L, B, b);
  const int64_t dBegin = b == 0 ? 0 : digitEnd(L, B, b - 1),
                dEnd = digitEnd(L, B, b);
  const int64_t overlap = std::max<int64_t>(
      0, std::min(bEnd, dEnd) - std::max(bBegin, dBegin));
  return (back ? dEnd - dBegin : bEnd - bBegin) - overlap;
}

int64_t Planner::maxShare(int64_t L, int64_t B) const {
  int64_t most = 0;
  for (int64_t b = 0; b < B; ++b)
    most = std::max(most, share(L, B, b));
  return most;
}

int64_t Planner::numRotateSums() const {
  int64_t count = 0;
  main.walk([&](ck::RotateSumOp) { ++count; });
  return count;
}

int64_t Planner::aggregationBytes(unsigned level, int64_t B, int64_t b,
                                  bool allReduce) const {
  const int64_t L = limbsOf(level);
  if (!allReduce) // the other devices' chain limbs of acc0 and acc1, scattered
    return 2 * (L - share(L, B, b)) * n * 8; // onto the balanced ranges
  // All-reduce of 2K special limbs: reduce-scatter over a balanced split of
  // the words, then all-gather of the reduced slices.
  const int64_t words = 2 * int64_t(special) * n;
  const int64_t mine = words / B + (b < words % B ? 1 : 0);
  return (words + (B - 2) * mine) * 8;
}

int64_t Planner::broadcastBytes(Operation *op, int64_t B, int64_t b) const {
  auto sum = cast<ck::RotateSumOp>(op);
  const int64_t L = limbsOf(sum.getOutput().getType().getLevel());
  return sum.numKeySwitches() * (B - 1) * share(L, B, b) * n * 8;
}

int64_t Planner::aggregateBytes(Operation *op, int64_t B, int64_t b) const {
  auto sum = cast<ck::RotateSumOp>(op);
  const unsigned level = sum.getOutput().getType().getLevel();
  const int64_t L = limbsOf(level);
  // The c1 of every distinct rotated term to whole-digit ranges, and the
  // reduction (onto the balanced ranges: nothing moves back).
  return int64_t(rotatedTerms(sum).size()) * toDigitAligned(L, B, b, false) *
             n * 8 +
         aggregationBytes(level, B, b, false) +
         aggregationBytes(level, B, b, true);
}

SmallVector<Value, 4> Planner::rotatedTerms(Operation *op) {
  auto sum = cast<ck::RotateSumOp>(op);
  SmallVector<Value, 4> terms;
  const int64_t slots = sum.getOutput().getType().getSlots();
  for (auto [x, offset] : llvm::zip(sum.getInputs(), sum.getOffsets()))
    if (::aegis::canonicalRotation(offset, slots) != 0 &&
        !llvm::is_contained(terms, x))
      terms.push_back(x);
  return terms;
}

bool Planner::aggregates(Operation *op, int64_t B) const {
  if (B <= 1 || !isa<ck::RotateSumOp>(op))
    return false;
  if (mode_ == KeySwitchMode::Recorded) {
    auto a = op->getAttrOfType<StringAttr>(DistDialect::kKeySwitchAttrName);
    return a && a.getValue() == "aggregate";
  }
  if (mode_ == KeySwitchMode::AggregateAll)
    return true;
  if (mode_ != KeySwitchMode::Aggregate)
    return false;
  // The busiest device's bytes either way.
  int64_t gathers = 0, reduction = 0;
  for (int64_t b = 0; b < B; ++b) {
    gathers = std::max(gathers, broadcastBytes(op, B, b));
    reduction = std::max(reduction, aggregateBytes(op, B, b));
  }
  return reduction < gathers;
}

int64_t Planner::share(int64_t L, int64_t B, int64_t b) {
  return L / B + (b < L % B ? 1 : 0);
}

int64_t Planner::ownerOf(int64_t limb, int64_t L, int64_t B) {
  int64_t start = 0;
  for (int64_t b = 0; b < B; ++b) {
    int64_t c = share(L, B, b);
    if (limb < start + c)
      return b;
    start += c;
  }
  return B - 1;
}

int64_t Planner::keyRowBytes(unsigned level, int64_t B, int64_t b,
                             bool broadcast, bool aggregate) const {
  // Input-broadcast rows: every digit meeting q_0..q_level, over the
  // device's own chain limbs and the special primes; output-aggregation
  // rows: the device's own digits over every chain limb and the special
  // primes (docs/Distributed.md, "Keys partitioned with the ciphertexts").
  const int64_t L = limbsOf(level), K = int64_t(special);
  const int64_t digits = (L + alpha - 1) / alpha;
  const int64_t own = share(L, B, b);
  // Own digits of the whole-digit split.
  const int64_t ownDigits =
      aggregate ? (digitShare(L, B, b) + alpha - 1) / alpha : 0;
  int64_t rows = 0;
  if (broadcast)
    rows += digits * (own + K);
  if (aggregate) // rows of both sets counted once: the union's bound
    rows += ownDigits * (L + K) - (broadcast ? ownDigits * K : 0);
  return rows * 2 * n * 8;
}

static bool isKeySwitch(Operation *op) {
  return isa<ck::RotateOp, ck::RelinearizeOp, ck::ConjugateOp>(op);
}

/// The ciphertext operands of an op.
static SmallVector<Value, 4> ctOperands(Operation *op) {
  SmallVector<Value, 4> r;
  for (Value v : op->getOperands())
    if (isa<ck::CiphertextType>(v.getType()))
      r.push_back(v);
  return r;
}

Planner::Placement Planner::assign(StringRef strategy,
                                   const Grid &grid) const {
  Placement p;
  const int64_t G = grid.groups;
  // The group of an input or output ciphertext: by token tile, or by
  // feature block for the head strategy.
  auto homeOf = [&](const ArgInfo &info) {
    if (G <= 1)
      return int64_t(0);
    if (strategy == "head")
      return std::min(G - 1,
                      info.feature * G / std::max<int64_t>(1, info.features));
    return std::min(G - 1, info.row * G / std::max<int64_t>(1, info.rows));
  };
  for (BlockArgument a : main.getArguments())
    if (isa<ck::CiphertextType>(a.getType()))
      p[a] = homeOf(args[a.getArgNumber()]);
  // Owner computes: an op whose result only one group needs (its users',
  // down to the outputs, each output on the group of its token tile or
  // feature block) runs on that group, so each query tile's attention runs
  // where its output lives and fetches the K and V it reads; an op several
  // groups need runs on the group holding most of its ciphertext operands
  // (ties: the first operand's) and its result travels.
  constexpr int64_t kNone = -2, kMany = -1;
  llvm::DenseMap<Operation *, int64_t> demand;
  Block &body = main.getBody().front();
  auto merge = [](int64_t a, int64_t b) {
    if (a == kNone)
      return b;
    if (b == kNone || a == b)
      return a;
    return kMany;
  };
  if (G > 1) {
    for (Operation &opRef : llvm::reverse(body)) {
      Operation *op = &opRef;
      if (isa<func::ReturnOp>(op))
        continue;
      int64_t d = kNone;
      for (OpOperand &use : op->getUses()) {
        Operation *u = use.getOwner();
        auto it = demand.find(u);
        d = merge(d, isa<func::ReturnOp>(u)
                         ? homeOf(results[use.getOperandNumber()])
                     : it != demand.end() ? it->second
                                          : kNone);
      }
      demand[op] = d;
    }
  }
  // Ties between groups holding as many operands go to the least loaded
  // (modelled compute so far), so that ops mixing every group (a matmul's
  // output blocks, sums over heads) spread over the devices.
  std::vector<int64_t> count(G, 0);
  std::vector<double> load(G, 0.0);
  main.walk([&](Operation *op) {
    if (op->getNumResults() != 1 ||
        !isa<ck::CiphertextType>(op->getResult(0).getType()))
      return;
    int64_t best = 0;
    if (G > 1) {
      int64_t d = demand.lookup(op);
      if (d >= 0) {
        best = d;
      } else {
        std::fill(count.begin(), count.end(), 0);
        SmallVector<Value, 4> in = ctOperands(op);
        for (Value v : in)
          ++count[p.lookup(v)];
        best = in.empty() ? 0 : p.lookup(in.front());
        for (int64_t g = 0; g < G; ++g)
          if (count[g] > count[best] ||
              (count[g] == count[best] && load[g] < load[best]))
            best = g;
      }
      unsigned level =
          cast<ck::CiphertextType>(op->getResult(0).getType()).getLevel();
      load[best] += opSeconds(op, limbsOf(level));
    }
    p[op->getResult(0)] = best;
  });
  return p;
}

FailureOr<Planner::Placement> Planner::recorded(const Grid &grid) const {
  Placement p;
  auto groupOf = [&](Attribute a) -> FailureOr<int64_t> {
    auto pl = dyn_cast_or_null<PlacementAttr>(a);
    if (!pl || pl.getGroup() < 0 || pl.getGroup() >= grid.groups)
      return failure();
    return pl.getGroup();
  };
  for (BlockArgument a : main.getArguments()) {
    if (!isa<ck::CiphertextType>(a.getType()))
      continue;
    auto g = groupOf(main.getArgAttr(a.getArgNumber(),
                                     DistDialect::kPlacementAttrName));
    if (failed(g)) {
      main.emitError() << "argument #" << a.getArgNumber()
                       << " has no dist.placement within the grid (run "
                          "aegis-dist-place first)";
      return failure();
    }
    p[a] = *g;
  }
  WalkResult r = main.walk([&](Operation *op) {
    if (op->getNumResults() != 1 ||
        !isa<ck::CiphertextType>(op->getResult(0).getType()) ||
        isa<WaitOp>(op))
      return WalkResult::advance();
    auto g = groupOf(op->getAttr(DistDialect::kPlacementAttrName));
    if (failed(g)) {
      op->emitError() << "has no dist.placement within the grid (run "
                         "aegis-dist-place first)";
      return WalkResult::interrupt();
    }
    p[op->getResult(0)] = *g;
    return WalkResult::advance();
  });
  if (r.wasInterrupted())
    return failure();
  return p;
}

void Planner::collectives(
    const Grid &grid, const Placement &placement,
    const std::function<void(const Collective &)> &fn, bool hoist) const {
  const int64_t B = grid.perGroup, P = grid.devices();
  const int64_t word = 8, poly = n * word;
  auto make = [&](Kind k, Source s, Part part, Value v, Operation *consumer,
                  int64_t group, unsigned polys) {
    Collective c{k, s, part, v, consumer};
    c.group = group;
    c.polys = polys;
    c.sent.assign(P, 0);
    c.received.assign(P, 0);
    return c;
  };
  auto levelOf = [](Value v) {
    return cast<ck::CiphertextType>(v.getType()).getLevel();
  };
  auto sizeOf = [](Value v) {
    return cast<ck::CiphertextType>(v.getType()).getSize();
  };
  // Limbs whose owner changes from the balanced partition of L limbs cut to
  // L2 to the balanced partition of L2 (aegis-run's repartition).
  auto repartition = [&](Collective &c, int64_t group, int64_t L, int64_t L2,
                         unsigned polys) {
    bool any = false;
    for (int64_t i = 0; i < L2; ++i) {
      int64_t from = ownerOf(i, L, B), to = ownerOf(i, L2, B);
      if (from == to)
        continue;
      c.sent[grid.device(group, from)] += polys * poly;
      c.received[grid.device(group, to)] += polys * poly;
      any = true;
    }
    return any;
  };
  auto gather = [&](Collective &c, int64_t group, int64_t L, unsigned polys) {
    for (int64_t b = 0; b < B; ++b) {
      int64_t mine = share(L, B, b);
      c.sent[grid.device(group, b)] += (B - 1) * mine * polys * poly;
      c.received[grid.device(group, b)] += (L - mine) * polys * poly;
    }
  };

  // Inputs: with one group (limb placement) the client (device 0)
  // announces each ciphertext (a 32-byte header broadcast to every device)
  // and sends each device its limbs (aegis-run's scatterFromRoot); with
  // several groups it sends each device of the owning group a 32-byte
  // header and its limbs (a whole ciphertext for one device per group).
  const int64_t header = grid.groups > 1 ? 32 : 0;
  for (BlockArgument a : main.getArguments()) {
    if (!isa<ck::CiphertextType>(a.getType()))
      continue;
    int64_t g = placement.lookup(a);
    Operation *first = nullptr;
    for (Operation *u : a.getUsers())
      if (!first || u->isBeforeInBlock(first))
        first = u;
    if (P > 1 && grid.groups == 1) {
      Collective h = make(Kind::Broadcast, Source::IO, Part::Other, a, first,
                          g, 1);
      h.sent[0] = (P - 1) * 32;
      for (int64_t d = 1; d < P; ++d)
        h.received[d] = 32;
      fn(h);
    }
    Collective c = make(Kind::AllToAll, Source::IO, Part::Other, a, first, g,
                        sizeOf(a));
    int64_t L = limbsOf(levelOf(a));
    for (int64_t b = 0; b < B; ++b) {
      int64_t d = grid.device(g, b);
      if (d == 0)
        continue;
      int64_t bytes = share(L, B, b) * sizeOf(a) * poly + header;
      c.sent[0] += bytes;
      c.received[d] += bytes;
    }
    if (c.sent[0])
      fn(c);
  }

  // (value, group) pairs already transferred, and already gathered for a
  // hoisted rotation.
  llvm::DenseSet<std::pair<Value, int64_t>> moved, gathered;
  Block &body = main.getBody().front();
  for (Operation &opRef : body) {
    Operation *op = &opRef;
    if (auto ret = dyn_cast<func::ReturnOp>(op)) {
      // Outputs: every device of the owning group sends its limbs to the
      // client (device 0).
      for (Value v : ret.getOperands()) {
        if (!isa<ck::CiphertextType>(v.getType()))
          continue;
        int64_t g = placement.lookup(v);
        Collective c = make(Kind::AllToAll, Source::IO, Part::Other, v,
                            nullptr, g, sizeOf(v));
        int64_t L = limbsOf(levelOf(v));
        for (int64_t b = 0; b < B; ++b) {
          int64_t d = grid.device(g, b);
          if (d == 0)
            continue;
          int64_t bytes = share(L, B, b) * sizeOf(v) * poly + header;
          c.sent[d] += bytes;
          c.received[0] += bytes;
        }
        if (P > 1 && c.received[0])
          fn(c);
      }
      continue;
    }
    if (op->getNumResults() != 1 ||
        !isa<ck::CiphertextType>(op->getResult(0).getType()))
      continue;
    const int64_t g = placement.lookup(op->getResult(0));
    const Part part = partOf(op);
    // Operands held by another group travel once to this one.
    for (Value v : ctOperands(op)) {
      int64_t h = placement.lookup(v);
      if (h == g || !moved.insert({v, g}).second)
        continue;
      Collective c = make(Kind::Transfer, Source::Model, part, v, op, g,
                          sizeOf(v));
      c.from = h, c.to = g;
      int64_t L = limbsOf(levelOf(v));
      for (int64_t b = 0; b < B; ++b) {
        // A 32-byte header (level, size, slots, scale), then the limbs.
        int64_t bytes = share(L, B, b) * sizeOf(v) * poly + 32;
        c.sent[grid.device(h, b)] += bytes;
        c.received[grid.device(g, b)] += bytes;
      }
      fn(c);
    }
    if (B == 1)
      continue;
    Value in = op->getNumOperands() ? op->getOperand(0) : Value();
    if (auto sum = dyn_cast<ck::RotateSumOp>(op); sum && aggregates(op, B)) {
      // Output aggregation: the c1 of each distinct rotated term moves to
      // whole-digit ranges (the limbs whose owner changes; c0 is rotated
      // where it is), and every device's partial inner products of all
      // terms are reduced once, scattered onto the balanced ranges the
      // result keeps (the reduction fused with the move back).
      const unsigned level = sum.getOutput().getType().getLevel();
      const int64_t L = limbsOf(level);
      for (Value x : rotatedTerms(sum)) {
        Collective c = make(Kind::AllToAll, Source::KeySwitch, part, x, op, g,
                            1);
        bool any = false;
        for (int64_t b = 0; b < B; ++b) {
          c.sent[grid.device(g, b)] = toDigitAligned(L, B, b, false) * poly;
          // What each device receives: the limbs it gains.
          c.received[grid.device(g, b)] = toDigitAligned(L, B, b, true) * poly;
          any |= c.sent[grid.device(g, b)] != 0;
        }
        if (any)
          fn(c);
      }
      for (Kind k : {Kind::ReduceScatter, Kind::AllReduce}) {
        Collective c = make(k, Source::KeySwitch, part, sum.getOutput(), op,
                            g, 2);
        c.beforeConsumer = false;
        for (int64_t b = 0; b < B; ++b) {
          int64_t bytes = aggregationBytes(level, B, b, k == Kind::AllReduce);
          c.sent[grid.device(g, b)] = bytes;
          c.received[grid.device(g, b)] = bytes;
        }
        fn(c);
      }
    } else if (auto sum = dyn_cast<ck::RotateSumOp>(op)) {
      // Input broadcast: each rotated term gathers its c1 (aegis-run's
      // rotateAndSum starts them all at once; no gather is shared).
      const int64_t slots = sum.getOutput().getType().getSlots();
      for (auto [x, offset] : llvm::zip(sum.getInputs(), sum.getOffsets())) {
        if (::aegis::canonicalRotation(offset, slots) == 0)
          continue;
        Collective c = make(Kind::AllGather, Source::KeySwitch, part, x, op,
                            g, 1);
        gather(c, g, limbsOf(levelOf(x)), 1);
        fn(c);
      }
    } else if (isKeySwitch(op)) {
      if (hoist && isa<ck::RotateOp>(op) && !gathered.insert({in, g}).second)
        continue;
      Collective c = make(Kind::AllGather, Source::KeySwitch, part, in, op, g,
                          1);
      gather(c, g, limbsOf(levelOf(in)), 1);
      fn(c);
    } else if (isa<ck::BootstrapOp>(op)) {
      Collective c = make(Kind::AllGather, Source::Bootstrap, part, in, op, g,
                          sizeOf(in));
      gather(c, g, limbsOf(levelOf(in)), sizeOf(in));
      fn(c);
    } else if (isa<ck::RescaleOp>(op)) {
      int64_t L = limbsOf(levelOf(in));
      unsigned s = sizeOf(in);
      Collective top = make(Kind::Broadcast, Source::Rescale, part, in, op, g,
                            s);
      int64_t owner = ownerOf(L - 1, L, B);
      top.sent[grid.device(g, owner)] = (B - 1) * s * poly;
      for (int64_t b = 0; b < B; ++b)
        if (b != owner)
          top.received[grid.device(g, b)] = s * poly;
      fn(top);
      Collective re = make(Kind::AllToAll, Source::Rescale, part,
                           op->getResult(0), op, g, s);
      re.beforeConsumer = false;
      if (repartition(re, g, L, L - 1, s))
        fn(re);
    } else if (isa<ck::LevelDownOp>(op)) {
      int64_t L = limbsOf(levelOf(in)), L2 = limbsOf(levelOf(op->getResult(0)));
      Collective re = make(Kind::AllToAll, Source::Rescale, part,
                           op->getResult(0), op, g, sizeOf(in));
      re.beforeConsumer = false;
      if (repartition(re, g, L, L2, sizeOf(in)))
        fn(re);
    }
  }
}

double Planner::opSeconds(Operation *op, int64_t limbs) const {
  // Seconds per chain limb at N = 2^16 on one thread of the development
  // machine. Measured (docs/BENCHMARKS.md, bench/CkksBench.cpp, set n16:
  // 31 chain + 8 special limbs): rotate 294 ms -> 7.5 ms per limb of the
  // extended basis; multiply + relinearize 341 ms (tensor product 47 ms ->
  // 1.5 ms per limb); rescale 74.8 ms -> 2.4 ms per limb; a sparse
  // bootstrap 19.7 s (bench/BootstrapBench.cpp, n16-sparse). Element-wise
  // operations are estimated from their memory traffic (0.1-0.25 ms per
  // limb). Encoding is left out: aegis-run caches encoded constants.
  const double scale = double(n) / 65536.0;
  double perLimb = 0;
  if (isKeySwitch(op))
    return 7.5e-3 * double(limbs + int64_t(special)) * scale;
  if (auto sum = dyn_cast<ck::RotateSumOp>(op))
    return 7.5e-3 * double(limbs + int64_t(special)) * scale *
           double(std::max<int64_t>(1, sum.numKeySwitches()));
  if (isa<ck::BootstrapOp>(op))
    return 19.7 * scale;
  if (isa<ck::MulOp>(op))
    perLimb = 1.5e-3;
  else if (isa<ck::RescaleOp>(op))
    perLimb = 2.4e-3;
  else if (isa<ck::MulPlainOp, ck::MulConstOp>(op))
    perLimb = 0.25e-3;
  else if (auto dot = dyn_cast<ck::DotPlainOp>(op))
    perLimb = 0.35e-3 * double(ctOperands(op).size());
  else if (isa<ck::LevelDownOp, ck::EncodeOp>(op))
    perLimb = 0;
  else
    perLimb = 0.1e-3;
  return perLimb * double(limbs) * scale;
}

StrategyResult Planner::evaluate(StringRef name, const Grid &grid,
                                 const Placement &placement,
                                 const LinkModel &link, bool hoist) const {
  StrategyResult r;
  r.name = name.str();
  r.grid = grid;
  const int64_t P = grid.devices(), G = grid.groups, B = grid.perGroup;
  r.sent.assign(P, 0);
  for (auto &v : r.sentByPart)
    v.assign(P, 0);
  for (auto &v : r.sentBySource)
    v.assign(P, 0);
  r.keyBytes.assign(P, 0);
  r.plaintextBytes.assign(P, 0);
  r.ciphertextPeak.assign(P, 0);

  // Collectives: bytes, and their link time per (value, group) readiness.
  // delay[(value, group)]: seconds the value takes to arrive after its
  // producer ends; the rest of the schedule below.
  struct Timed {
    Collective c;
    double seconds;
  };
  llvm::DenseMap<Operation *, SmallVector<Timed, 2>> before;
  llvm::DenseMap<Operation *, SmallVector<Timed, 1>> after;
  std::vector<Timed> io;
  collectives(grid, placement, [&](const Collective &c) {
    ++r.collectives;
    ++r.countByKind[int(c.kind)];
    if (c.kind == Kind::Transfer)
      ++r.transfers;
    int64_t most = 0;
    for (int64_t d = 0; d < P; ++d) {
      r.sent[d] += c.sent[d];
      r.sentByPart[int(c.part)][d] += c.sent[d];
      r.sentBySource[int(c.source)][d] += c.sent[d];
      most = std::max({most, c.sent[d], c.received[d]});
    }
    double t = link.latency + double(most) / link.bandwidth;
    if (c.source == Source::IO)
      io.push_back({c, t});
    else if (c.beforeConsumer && c.consumer)
      before[c.consumer].push_back({c, t});
    else if (Operation *def = c.value.getDefiningOp())
      after[def].push_back({c, t});
  }, hoist);

  // Memory: key rows per group (each key at the highest level its group
  // uses it), encoded plaintexts per group, live ciphertexts.
  struct KeyUse {
    unsigned level = 0;
    bool broadcast = false, aggregate = false;
  };
  std::vector<std::map<int64_t, KeyUse>> keys(G); // key id -> use
  std::vector<llvm::DenseMap<Value, unsigned>> plaintexts(G);
  main.walk([&](Operation *op) {
    if (op->getNumResults() != 1 ||
        !isa<ck::CiphertextType>(op->getResult(0).getType()))
      return;
    int64_t g = placement.lookup(op->getResult(0));
    if (auto sum = dyn_cast<ck::RotateSumOp>(op)) {
      unsigned level = sum.getOutput().getType().getLevel();
      const int64_t slots = sum.getOutput().getType().getSlots();
      const bool aggregate = aggregates(op, B);
      for (int64_t offset : sum.getOffsets()) {
        int64_t k = ::aegis::canonicalRotation(offset, slots);
        if (k == 0)
          continue;
        KeyUse &u = keys[g][k];
        u.level = std::max(u.level, level);
        (aggregate ? u.aggregate : u.broadcast) = true;
      }
    } else if (isKeySwitch(op)) {
      unsigned level =
          cast<ck::CiphertextType>(op->getOperand(0).getType()).getLevel();
      int64_t id = INT64_MIN;
      if (auto rot = dyn_cast<ck::RotateOp>(op))
        id = ::aegis::canonicalRotation(rot.getOffset(),
                                        rot.getInput().getType().getSlots());
      else if (isa<ck::ConjugateOp>(op))
        id = INT64_MIN + 1;
      KeyUse &u = keys[g][id];
      u.level = std::max(u.level, level);
      u.broadcast = true;
    }
    for (Value v : op->getOperands())
      if (auto pt = dyn_cast<ck::PlaintextType>(v.getType()))
        plaintexts[g][v] = pt.getLevel();
  });
  for (int64_t g = 0; g < G; ++g)
    for (int64_t b = 0; b < B; ++b) {
      int64_t d = grid.device(g, b);
      for (auto [id, use] : keys[g])
        r.keyBytes[d] +=
            keyRowBytes(use.level, B, b, use.broadcast, use.aggregate);
      for (auto [v, level] : plaintexts[g])
        r.plaintextBytes[d] += share(limbsOf(level), B, b) * n * 8;
    }
  // Live ciphertexts: allocated at their definition on their group (and on
  // every group they are transferred to), freed after their last use.
  {
    std::vector<int64_t> live(P, 0);
    llvm::DenseMap<Operation *, SmallVector<std::pair<Value, int64_t>, 2>>
        freeAfter;
    llvm::DenseMap<Operation *, int64_t> index;
    int64_t i = 0;
    for (Operation &op : main.getBody().front())
      index[&op] = i++;
    auto bytesOn = [&](Value v, int64_t b) {
      auto t = cast<ck::CiphertextType>(v.getType());
      return share(limbsOf(t.getLevel()), B, b) * int64_t(t.getSize()) * n * 8;
    };
    auto alloc = [&](Value v, int64_t g, int sign) {
      for (int64_t b = 0; b < B; ++b) {
        int64_t d = grid.device(g, b);
        live[d] += sign * bytesOn(v, b);
        r.ciphertextPeak[d] = std::max(r.ciphertextPeak[d], live[d]);
      }
    };
    auto lastUse = [&](Value v, int64_t g) -> Operation * {
      Operation *last = nullptr;
      for (Operation *u : v.getUsers()) {
        int64_t ug = u->getNumResults() == 1
                         ? placement.lookup(u->getResult(0))
                         : placement.lookup(v);
        if (ug != g && !isa<func::ReturnOp>(u))
          continue;
        if (!last || index[u] > index[last])
          last = u;
      }
      return last;
    };
    auto track = [&](Value v, int64_t g) {
      alloc(v, g, +1);
      if (Operation *last = lastUse(v, g))
        freeAfter[last].push_back({v, g});
      else
        alloc(v, g, -1);
    };
    for (BlockArgument a : main.getArguments())
      if (isa<ck::CiphertextType>(a.getType()))
        track(a, placement.lookup(a));
    llvm::DenseSet<std::pair<Value, int64_t>> copies;
    for (Operation &opRef : main.getBody().front()) {
      Operation *op = &opRef;
      if (op->getNumResults() == 1 &&
          isa<ck::CiphertextType>(op->getResult(0).getType())) {
        int64_t g = placement.lookup(op->getResult(0));
        for (Value v : ctOperands(op))
          if (placement.lookup(v) != g && copies.insert({v, g}).second)
            track(v, g);
        track(op->getResult(0), g);
      }
      for (auto [v, g] : freeAfter.lookup(op))
        alloc(v, g, -1);
    }
  }
  r.memory.assign(P, 0);
  for (int64_t d = 0; d < P; ++d)
    r.memory[d] = r.keyBytes[d] + r.plaintextBytes[d] + r.ciphertextPeak[d];

  // List schedule: every group runs its ops in program order (its devices
  // in lock step, timed by the device holding the most limbs); a
  // collective occupies its group's link (a transfer the sender's) from
  // the moment its value is ready and delays the consumer until it ends.
  std::vector<double> clock(G, 0), linkFree(G, 0);
  llvm::DenseMap<std::pair<Value, int64_t>, double> ready;
  auto readyAt = [&](Value v, int64_t g) {
    auto it = ready.find({v, g});
    return it == ready.end() ? 0.0 : it->second;
  };
  for (const Timed &t : io) {
    int64_t g = t.c.group;
    double s = std::max(readyAt(t.c.value, g), linkFree[0]);
    linkFree[0] = s + t.seconds;
    if (t.c.consumer)
      ready[{t.c.value, g}] = s + t.seconds;
  }
  double outputs = 0;
  for (Operation &opRef : main.getBody().front()) {
    Operation *op = &opRef;
    if (isa<func::ReturnOp>(op))
      continue;
    if (op->getNumResults() != 1 ||
        !isa<ck::CiphertextType>(op->getResult(0).getType()))
      continue;
    int64_t g = placement.lookup(op->getResult(0));
    double start = clock[g];
    for (Value v : ctOperands(op))
      start = std::max(start, readyAt(v, placement.lookup(v)));
    for (const Timed &t : before.lookup(op)) {
      int64_t sender = t.c.kind == Kind::Transfer ? t.c.from : g;
      double s = std::max(readyAt(t.c.value, placement.lookup(t.c.value)),
                          linkFree[sender]);
      linkFree[sender] = s + t.seconds;
      if (t.c.kind == Kind::Transfer)
        ready[{t.c.value, g}] = s + t.seconds;
      start = std::max(start, s + t.seconds);
    }
    for (Value v : ctOperands(op))
      start = std::max(start, readyAt(v, g));
    int64_t limbs = 0;
    unsigned level =
        cast<ck::CiphertextType>(op->getResult(0).getType()).getLevel();
    if (!op->getOperands().empty())
      if (auto t = dyn_cast<ck::CiphertextType>(op->getOperand(0).getType()))
        level = std::max(level, t.getLevel());
    limbs = maxShare(limbsOf(level), B);
    double end = start + opSeconds(op, isa<ck::BootstrapOp>(op)
                                           ? limbsOf(level)
                                           : limbs);
    clock[g] = end;
    double done = end;
    for (const Timed &t : after.lookup(op)) {
      double s = std::max(end, linkFree[g]);
      linkFree[g] = s + t.seconds;
      done = std::max(done, s + t.seconds);
    }
    ready[{op->getResult(0), g}] = done;
  }
  for (Operation &opRef : main.getBody().front())
    if (auto ret = dyn_cast<func::ReturnOp>(&opRef))
      for (Value v : ret.getOperands())
        if (isa<ck::CiphertextType>(v.getType()))
          outputs = std::max(outputs, readyAt(v, placement.lookup(v)));
  r.time = outputs;
  for (double c : clock)
    r.time = std::max(r.time, c);
  for (const Timed &t : io)
    if (!t.c.consumer)
      r.time += t.seconds / double(std::max<int64_t>(1, P - 1));
  return r;
}

} // namespace mlir::aegis::dist
