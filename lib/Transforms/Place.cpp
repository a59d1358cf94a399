//===- Place.cpp - aegis-dist-place: placement from a cost model ----------===//

#include "DistPlan.h"

#include "aegis/Dialect/CKKS/IR/CKKSDialect.h"
#include "aegis/Dialect/CKKS/IR/CKKSOps.h"
#include "aegis/Dialect/Dist/IR/DistOps.h"
#include "aegis/Transforms/Passes.h"

#include "mlir/Dialect/Shard/IR/ShardOps.h"
#include "mlir/IR/Builders.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/raw_ostream.h"

#include <nlohmann/json.hpp>

#include <cmath>
#include <optional>

namespace mlir::aegis::dist {

#define GEN_PASS_DEF_PLACE
#include "aegis/Transforms/Passes.h.inc"

namespace ck = mlir::aegis::ckks;

namespace {

std::string mib(int64_t bytes) {
  std::string s;
  llvm::raw_string_ostream os(s);
  os << llvm::format("%.1f", double(bytes) / (1024.0 * 1024.0)) << " MiB";
  return s;
}

struct PlacePass : impl::PlaceBase<PlacePass> {
  using PlaceBase::PlaceBase;

  void runOnOperation() override;
  /// Evaluates `name` on its grids (joint: every factorisation G x B with
  /// G, B > 1) and returns the best, or nullopt with `why` when the model
  /// cannot use the grid.
  std::optional<StrategyResult> evaluate(const Planner &planner,
                                         StringRef name, const LinkModel &link,
                                         std::string &why);
  /// `evaluate` with the key-switching choice of `keyswitch` on limb-split
  /// groups: `aggregating` models output aggregation of the rotate_sums
  /// (their terms moved to whole-digit ranges; null: the program has none).
  std::optional<StrategyResult> evaluateKeySwitching(
      const Planner &broadcasting, const Planner *aggregating, StringRef name,
      const LinkModel &link, std::string &why);
};

/// Modelled times this close (relative) are the same time to auto.
constexpr double kSameTime = 1e-3;

std::optional<StrategyResult> PlacePass::evaluateKeySwitching(
    const Planner &broadcasting, const Planner *aggregating, StringRef name,
    const LinkModel &link, std::string &why) {
  const bool limbSplit = name == "limb" || name == "joint";
  StringRef choice = keySwitch;
  if (!limbSplit || !aggregating || choice == "broadcast")
    return evaluate(broadcasting, name, link, why);
  std::optional<StrategyResult> agg = evaluate(*aggregating, name, link, why);
  if (!agg)
    return agg;
  for (Operation &op : aggregating->function().getBody().front())
    agg->aggregated += aggregating->aggregates(&op, agg->grid.perGroup);
  std::optional<StrategyResult> bc = evaluate(broadcasting, name, link, why);
  agg->broadcastSent = bc ? StrategyResult::maxOf(bc->sent) : 0;
  if (agg->aggregated == 0)
    return bc;
  agg->keySwitch = "aggregate";
  if (choice == "aggregate" || !bc)
    return agg;
  // auto: one that fits the capacity (aggregation holds more key rows),
  // then the faster, then the one sending less. Times within 0.1% count as
  // equal: the model is not that precise, and a reduction inside the op
  // that the gathers would have overlapped can cost microseconds of a
  // multi-second program.
  const int64_t capacity = int64_t(capacityGiB * 1024 * 1024 * 1024);
  const bool aggFits = StrategyResult::maxOf(agg->memory) <= capacity,
             bcFits = StrategyResult::maxOf(bc->memory) <= capacity;
  const int64_t aggSent = StrategyResult::maxOf(agg->sent);
  const bool sameTime =
      std::abs(agg->time - bc->time) <= kSameTime * std::max(agg->time, bc->time);
  if (aggFits != bcFits ? aggFits
                        : (sameTime ? aggSent < agg->broadcastSent
                                    : agg->time < bc->time))
    return agg;
  bc->broadcastSent = StrategyResult::maxOf(bc->sent);
  return bc;
}

std::optional<StrategyResult> PlacePass::evaluate(const Planner &planner,
                                                  StringRef name,
                                                  const LinkModel &link,
                                                  std::string &why) {
  const int64_t P = devices;
  std::vector<Grid> grids;
  if (name == "limb") {
    grids.push_back({1, P});
  } else if (name == "token" || name == "head") {
    int64_t parts = name == "token" ? planner.tokenTiles()
                                    : planner.featureBlocks();
    if (parts < P) {
      why = "the grid does not divide the model: " + std::to_string(P) +
            " groups along the model axis but the input has " +
            std::to_string(parts) +
            (name == "token" ? " token tile(s)" : " feature block(s) (heads)");
      return std::nullopt;
    }
    grids.push_back({P, 1});
  } else { // joint
    int64_t parts = planner.tokenTiles();
    bool factors = false;
    for (int64_t g = 2; g < P; ++g) {
      if (P % g != 0)
        continue;
      factors = true;
      if (g <= parts)
        grids.push_back({g, P / g});
    }
    if (grids.empty()) {
      why = !factors ? std::to_string(P) + " devices have no factorisation "
                                           "G x B with G, B > 1"
                     : "the grid does not divide the model: the input has " +
                           std::to_string(parts) +
                           " token tile(s), fewer than 2 groups of a joint "
                           "grid";
      return std::nullopt;
    }
  }
  std::optional<StrategyResult> best;
  for (const Grid &grid : grids) {
    StrategyResult r = planner.evaluate(
        name, grid, planner.assign(name, grid), link, hoistRotations);
    if (!best || r.time < best->time)
      best = std::move(r);
  }
  return best;
}

void PlacePass::runOnOperation() {
  ModuleOp module = getOperation();
  if (devices <= 1)
    return;
  StringRef mode = placement;
  if (mode != "limb" && mode != "token" && mode != "head" && mode != "joint" &&
      mode != "auto" && mode != "compare") {
    module.emitError() << "aegis-dist-place: placement='" << mode
                       << "' is not one of limb, token, head, joint, auto, "
                          "compare";
    return signalPassFailure();
  }
  // One-device hoisted runs (aegis-ckks-hoist-rotations) give way to the
  // runs aegis-dist-insert-collectives co-schedules with their gathers.
  module.walk([](ck::RotateOp rot) {
    rot->removeAttr(ck::CKKSDialect::kHoistedAttrName);
  });
  LinkModel link;
  if (!LinkModel::preset(this->link, link)) {
    module.emitError() << "aegis-dist-place: link='" << this->link
                       << "' is not one of nvlink, pcie";
    return signalPassFailure();
  }
  if (!(capacityGiB > 0)) {
    module.emitError() << "aegis-dist-place: capacity-gib must be positive, "
                          "got "
                       << double(capacityGiB);
    return signalPassFailure();
  }
  auto params = module->getAttrOfType<ck::ParamsAttr>(
      ck::CKKSDialect::kParamsAttrName);
  auto main = module.lookupSymbol<func::FuncOp>("main");
  if (!params || !main || main.isExternal()) {
    module.emitError() << "aegis-dist-place: needs a ckks program "
                          "(func.func @main and ckks.params; run "
                          "aegis-nn-to-ckks first)";
    return signalPassFailure();
  }
  if (devices > 64) {
    module.emitError() << "aegis-dist-place: " << unsigned(devices)
                       << " devices; at most 64 are modelled";
    return signalPassFailure();
  }

  StringRef ksChoice = keySwitch;
  if (ksChoice != "auto" && ksChoice != "broadcast" &&
      ksChoice != "aggregate") {
    module.emitError() << "aegis-dist-place: keyswitch='" << ksChoice
                       << "' is not one of auto, broadcast, aggregate";
    return signalPassFailure();
  }
  Planner planner(main, params);
  // Output aggregation of the sums of rotations, for programs with some.
  std::optional<Planner> aggregating;
  if (ksChoice != "broadcast" && planner.numRotateSums() > 0)
    aggregating.emplace(main, params, ksChoice == "aggregate"
                                          ? KeySwitchMode::AggregateAll
                                          : KeySwitchMode::Aggregate);
  StrategyResult single =
      planner.evaluate("single", Grid{1, 1}, planner.assign("limb", {1, 1}),
                       link);
  // aegis-run's fixed plan before placement existed: every ciphertext
  // limb-split, one all-gather per key switch (no co-scheduling).
  StrategyResult fixedPlan =
      planner.evaluate("fixed", Grid{1, int64_t(devices)},
                       planner.assign("limb", {1, int64_t(devices)}), link,
                       /*hoist=*/false);
  std::vector<StringRef> names;
  if (mode == "auto" || mode == "compare")
    names = {"limb", "token", "head", "joint"};
  else
    names = {mode};
  std::vector<StrategyResult> results;
  std::vector<std::pair<std::string, std::string>> skipped;
  for (StringRef name : names) {
    std::string why;
    if (auto r = evaluateKeySwitching(
            planner, aggregating ? &*aggregating : nullptr, name, link, why))
      results.push_back(std::move(*r));
    else
      skipped.push_back({name.str(), why});
  }
  if (results.empty()) {
    module.emitError() << "aegis-dist-place: placement=" << mode << " on "
                       << unsigned(devices) << " devices: " << skipped.front().second;
    return signalPassFailure();
  }
  const int64_t capacity = int64_t(capacityGiB * 1024 * 1024 * 1024);
  const StrategyResult *chosen = nullptr;
  for (const StrategyResult &r : results) {
    if (StrategyResult::maxOf(r.memory) > capacity)
      continue;
    if (!chosen || r.time < chosen->time)
      chosen = &r;
  }
  auto efficiency = [&](const StrategyResult &r) {
    return r.time > 0 ? single.time / (double(devices) * r.time) : 0.0;
  };
  if (report) {
    llvm::errs() << "aegis placement on " << unsigned(devices) << " devices (link "
                 << link.name << "; bytes and memory: the busiest device)\n";
    llvm::errs() << llvm::format("  %-8s %-6s %12s %12s %12s %12s %12s %10s %6s\n",
                                 "strategy", "grid", "sent", "ffn",
                                 "attention", "keyswitch", "model", "memory",
                                 "eff");
    for (const StrategyResult &r : results) {
      std::string grid =
          std::to_string(r.grid.groups) + "x" + std::to_string(r.grid.perGroup);
      llvm::errs() << llvm::format(
          "  %-8s %-6s %12s %12s %12s %12s %12s %10s %5.1f%%%s\n",
          r.name.c_str(), grid.c_str(), mib(StrategyResult::maxOf(r.sent)).c_str(),
          mib(StrategyResult::maxOf(r.sentByPart[int(Part::Ffn)])).c_str(),
          mib(StrategyResult::maxOf(r.sentByPart[int(Part::Attention)])).c_str(),
          mib(StrategyResult::maxOf(r.sentBySource[int(Source::KeySwitch)])).c_str(),
          mib(StrategyResult::maxOf(r.sentBySource[int(Source::Model)])).c_str(),
          mib(StrategyResult::maxOf(r.memory)).c_str(), 100 * efficiency(r),
          &r == chosen ? "  <- chosen" : "");
    }
    for (auto &[name, why] : skipped)
      llvm::errs() << "  " << name << ": not applicable (" << why << ")\n";
    for (const StrategyResult &r : results)
      if (r.keySwitch == "aggregate")
        llvm::errs() << "  " << r.name << ": output aggregation for "
                     << r.aggregated << " rotate-and-sums: "
                     << mib(r.broadcastSent)
                     << " sent with input broadcast -> "
                     << mib(StrategyResult::maxOf(r.sent)) << " ("
                     << llvm::format("%+.1f",
                                     r.broadcastSent
                                         ? 100.0 *
                                               double(StrategyResult::maxOf(
                                                          r.sent) -
                                                      r.broadcastSent) /
                                               double(r.broadcastSent)
                                         : 0.0)
                     << "%)\n";
    llvm::errs() << "  one device: " << mib(StrategyResult::maxOf(single.memory))
                 << ", modelled " << llvm::format("%.3f", single.time)
                 << " s; chosen: "
                 << llvm::format("%.3f", chosen ? chosen->time : 0.0)
                 << " s (modelled: measured operation costs, "
                 << link.name << " links)\n";
    if (chosen) {
      int64_t before = StrategyResult::maxOf(fixedPlan.sent),
              after = StrategyResult::maxOf(chosen->sent);
      llvm::errs() << "  against aegis-run's fixed plan (limb, one all-gather "
                      "per key switch): "
                   << mib(before) << " -> " << mib(after) << " sent ("
                   << llvm::format("%+.1f", before ? 100.0 * double(after - before) /
                                                         double(before)
                                                   : 0.0)
                   << "%)\n";
    }
  }
  if (!reportJson.empty()) {
    nlohmann::ordered_json list = nlohmann::ordered_json::array();
    for (const StrategyResult &r : results) {
      auto m = [](const std::vector<int64_t> &v) {
        return StrategyResult::maxOf(v);
      };
      nlohmann::ordered_json bySource = nlohmann::ordered_json::object();
      for (int s = 0; s < kNumSources; ++s)
        bySource[sourceName(Source(s))] = m(r.sentBySource[s]);
      nlohmann::ordered_json kinds = nlohmann::ordered_json::object();
      for (int k = 0; k < kNumKinds; ++k)
        kinds[kindName(Kind(k))] = r.countByKind[k];
      list.push_back(
          {{"name", r.name},
           {"grid", {r.grid.groups, r.grid.perGroup}},
           {"bytes_sent_per_device",
            {{"ffn", m(r.sentByPart[int(Part::Ffn)])},
             {"attention", m(r.sentByPart[int(Part::Attention)])},
             {"other", m(r.sentByPart[int(Part::Other)])},
             {"total", m(r.sent)}}},
           {"bytes_by_source", bySource},
           {"memory_per_device_bytes", m(r.memory)},
           {"modelled_time_s", r.time},
           {"scaling_efficiency", efficiency(r)},
           {"bytes_sent_by_device", r.sent},
           {"memory_by_device",
            {{"keys", r.keyBytes},
             {"plaintexts", r.plaintextBytes},
             {"ciphertexts_peak", r.ciphertextPeak},
             {"total", r.memory}}},
           {"collectives", kinds},
           {"keyswitch", r.keySwitch},
           {"aggregated_rotate_sums", r.aggregated},
           {"fits_capacity", m(r.memory) <= capacity}});
    }
    nlohmann::ordered_json notApplicable = nlohmann::ordered_json::object();
    for (auto &[name, why] : skipped)
      notApplicable[name] = why;
    nlohmann::ordered_json doc = {
        {"placement",
         {{"chosen", chosen ? nlohmann::ordered_json(chosen->name)
                            : nlohmann::ordered_json(nullptr)},
          {"devices", int64_t(devices)},
          {"single_device_memory_bytes", StrategyResult::maxOf(single.memory)},
          {"single_device_modelled_time_s", single.time},
          {"fixed_plan",
           {{"bytes_sent_per_device", StrategyResult::maxOf(fixedPlan.sent)},
            {"bytes_sent_by_device", fixedPlan.sent},
            {"modelled_time_s", fixedPlan.time}}},
          {"link", {{"name", link.name},
                    {"latency_s", link.latency},
                    {"bandwidth_bytes_per_s", link.bandwidth}}},
          {"capacity_bytes", capacity},
          {"modelled", "bytes from the program's collectives (exact for limb "
                       "placement: what aegis-run measures); time from "
                       "measured operation costs and the link model"},
          {"strategies", list},
          {"not_applicable", notApplicable}}}};
    std::error_code ec;
    llvm::raw_fd_ostream os(reportJson, ec, llvm::sys::fs::OF_Text);
    if (ec) {
      module.emitError() << "aegis-dist-place: cannot write report-json='"
                         << reportJson << "': " << ec.message();
      return signalPassFailure();
    }
    os << doc.dump(2) << "\n";
  }

  // Nothing fits: the table and the JSON above say by how much.
  if (!chosen) {
    const StrategyResult *least = &results.front();
    for (const StrategyResult &r : results)
      if (StrategyResult::maxOf(r.memory) < StrategyResult::maxOf(least->memory))
        least = &r;
    std::string cap;
    llvm::raw_string_ostream(cap) << llvm::format("%g", double(capacityGiB));
    module.emitError() << "aegis-dist-place: no placement fits " << cap
                       << " GiB per device on " << unsigned(devices)
                       << " devices: the smallest (" << least->name << ", grid "
                       << least->grid.groups << "x" << least->grid.perGroup
                       << ") needs "
                       << mib(StrategyResult::maxOf(least->memory))
                       << " (raise capacity-gib or add devices)";
    return signalPassFailure();
  }

  // Record the choice: the grid, the strategy and every placement.
  OpBuilder b(module.getContext());
  if (auto old = module.lookupSymbol<shard::GridOp>("devices"))
    old.erase();
  b.setInsertionPointToStart(module.getBody());
  shard::GridOp::create(b, module.getLoc(), "devices",
                        ArrayRef<int64_t>{chosen->grid.groups,
                                          chosen->grid.perGroup});
  module->setAttr(DistDialect::kStrategyAttrName,
                  b.getStringAttr(chosen->name));
  module->setAttr(DistDialect::kGridAttrName,
                  FlatSymbolRefAttr::get(b.getContext(), "devices"));
  if (hoistRotations)
    module->setAttr(DistDialect::kHoistAttrName, b.getUnitAttr());
  else
    module->removeAttr(DistDialect::kHoistAttrName);
  // The key switching of the rotate_sums.
  const bool aggregate = chosen->keySwitch == "aggregate";
  numAggregated = 0;
  main.walk([&](ck::RotateSumOp sum) {
    if (aggregate && aggregating->aggregates(sum, chosen->grid.perGroup)) {
      sum->setAttr(DistDialect::kKeySwitchAttrName,
                   b.getStringAttr("aggregate"));
      ++numAggregated;
    } else {
      sum->removeAttr(DistDialect::kKeySwitchAttrName);
    }
  });
  Planner::Placement groups = planner.assign(chosen->name, chosen->grid);
  llvm::DenseMap<int64_t, Attribute> attrs;
  auto attrFor = [&](int64_t g) {
    Attribute &a = attrs[g];
    if (!a)
      a = PlacementAttr::get(b.getContext(), g);
    return a;
  };
  for (BlockArgument a : main.getArguments())
    if (isa<ck::CiphertextType>(a.getType()))
      main.setArgAttr(a.getArgNumber(), DistDialect::kPlacementAttrName,
                      attrFor(groups.lookup(a)));
  main.walk([&](Operation *op) {
    if (op->getNumResults() == 1 &&
        isa<ck::CiphertextType>(op->getResult(0).getType()))
      op->setAttr(DistDialect::kPlacementAttrName,
                  attrFor(groups.lookup(op->getResult(0))));
  });
  numCollectives = chosen->collectives;
  numTransfers = chosen->transfers;
  maxBytesSent = StrategyResult::maxOf(chosen->sent);
}

} // namespace

} // namespace mlir::aegis::dist
