//===- InsertCollectives.cpp - aegis-dist-insert-collectives --------------===//

#include "DistPlan.h"

#include "aegis/Dialect/CKKS/IR/CKKSDialect.h"
#include "aegis/Dialect/CKKS/IR/CKKSOps.h"
#include "aegis/Dialect/Dist/IR/DistOps.h"
#include "aegis/Transforms/Passes.h"

#include "mlir/Dialect/Shard/IR/ShardOps.h"
#include "mlir/IR/Builders.h"
#include "llvm/ADT/MapVector.h"

namespace mlir::aegis::dist {

#define GEN_PASS_DEF_INSERTCOLLECTIVES
#include "aegis/Transforms/Passes.h.inc"

namespace ck = mlir::aegis::ckks;

namespace {

struct InsertCollectivesPass
    : impl::InsertCollectivesBase<InsertCollectivesPass> {
  using InsertCollectivesBase::InsertCollectivesBase;
  void runOnOperation() override;
};

void InsertCollectivesPass::runOnOperation() {
  ModuleOp module = getOperation();
  auto gridRef =
      module->getAttrOfType<FlatSymbolRefAttr>(DistDialect::kGridAttrName);
  if (!gridRef)
    return; // one device: nothing to insert
  auto grid = module.lookupSymbol<shard::GridOp>(gridRef.getValue());
  auto params = module->getAttrOfType<ck::ParamsAttr>(
      ck::CKKSDialect::kParamsAttrName);
  auto main = module.lookupSymbol<func::FuncOp>("main");
  if (!grid || grid.getShape().size() != 2 || !params || !main) {
    module.emitError() << "aegis-dist-insert-collectives: needs the 2-D "
                          "shard.grid, ckks.params and func.func @main that "
                          "aegis-dist-place records";
    return signalPassFailure();
  }
  for (Operation &op : main.getBody().front())
    if (isa<WaitOp>(op)) {
      module.emitError() << "aegis-dist-insert-collectives: the program "
                            "already has collectives";
      return signalPassFailure();
    }
  Grid g{grid.getShape()[0], grid.getShape()[1]};
  if (g.groups <= 0 || g.perGroup <= 0) {
    module.emitError() << "aegis-dist-insert-collectives: the grid needs "
                          "static positive axes";
    return signalPassFailure();
  }
  Planner planner(main, params, KeySwitchMode::Recorded);
  FailureOr<Planner::Placement> placement = planner.recorded(g);
  if (failed(placement))
    return signalPassFailure();

  const bool hoist = module->hasAttr(DistDialect::kHoistAttrName);
  std::vector<Collective> list;
  planner.collectives(
      g, *placement, [&](const Collective &c) { list.push_back(c); }, hoist);
  // Hoisted runs (limb-split groups only: there the gather is shared): the
  // rotations of one ciphertext on one group, in program order.
  llvm::MapVector<std::pair<Value, int64_t>, SmallVector<Operation *, 4>> runs;
  if (hoist && g.perGroup > 1)
    for (Operation &op : main.getBody().front())
      if (auto rot = dyn_cast<ck::RotateOp>(op))
        runs[{rot.getInput(), placement->lookup(rot.getResult())}].push_back(
            &op);

  OpBuilder b(module.getContext());
  Block &body = main.getBody().front();
  // The version of a ciphertext each group holds now (after the
  // collectives inserted so far).
  llvm::DenseMap<std::pair<Value, int64_t>, Value> current;
  auto now = [&](Value v, int64_t group) {
    auto it = current.find({v, group});
    return it == current.end() ? v : it->second;
  };
  auto groupOfUser = [&](Operation *u) -> int64_t {
    if (u->getNumResults() == 1)
      if (auto it = placement->find(u->getResult(0)); it != placement->end())
        return it->second;
    return -1;
  };
  auto startAfterDef = [&](Value v) {
    if (Operation *def = v.getDefiningOp())
      b.setInsertionPointAfter(def);
    else
      b.setInsertionPointToStart(&body);
  };
  auto createStart = [&](const Collective &c, Value in) -> Value {
    Location loc = c.consumer ? c.consumer->getLoc() : main.getLoc();
    StringAttr source = b.getStringAttr(sourceName(c.source));
    auto sent = b.getDenseI64ArrayAttr(c.sent);
    IntegerAttr polys = b.getI64IntegerAttr(c.polys);
    Type requestType = RequestType::get(b.getContext());
    Operation *start = nullptr;
    switch (c.kind) {
    case Kind::AllGather:
      start = AllGatherStartOp::create(b, loc, requestType, in, gridRef, source, polys, sent,
                                       IntegerAttr(), IntegerAttr());
      break;
    case Kind::Broadcast:
      start = BroadcastStartOp::create(b, loc, requestType, in, gridRef, source, polys, sent,
                                       IntegerAttr(), IntegerAttr());
      break;
    case Kind::AllToAll:
      start = AllToAllStartOp::create(b, loc, requestType, in, gridRef, source, polys, sent,
                                      IntegerAttr(), IntegerAttr());
      break;
    case Kind::Transfer:
      start = TransferStartOp::create(b, loc, requestType, in, gridRef, source, polys, sent,
                                      b.getI64IntegerAttr(c.from),
                                      b.getI64IntegerAttr(c.to));
      break;
    case Kind::ReduceScatter:
    case Kind::AllReduce:
      llvm_unreachable("the reduction of an aggregated key switch is inside "
                       "its op");
    }
    ++numStarts;
    for (int64_t s : c.sent)
      bytesSent += uint64_t(s);
    return start->getResult(0);
  };

  for (const Collective &c : list) {
    // Output aggregation reduces partial products inside the rotate_sum
    // (dist.keyswitch = "aggregate"): nothing to insert, bytes counted.
    if (c.kind == Kind::ReduceScatter || c.kind == Kind::AllReduce) {
      for (int64_t s : c.sent)
        bytesSent += uint64_t(s);
      continue;
    }
    // Ciphertext versions live on the group that uses them; a transfer's
    // source is the sender's version.
    int64_t group = c.kind == Kind::Transfer ? c.from : c.group;
    Value in = now(c.value, group);
    startAfterDef(in);
    Value request = createStart(c, in);
    Operation *consumer = c.consumer;
    if (!c.beforeConsumer) {
      // A repartition after its producer: waited before the first user.
      Operation *first = nullptr;
      for (Operation *u : in.getUsers())
        if (u != request.getDefiningOp() &&
            (!first || u->isBeforeInBlock(first)))
          first = u;
      if (first)
        b.setInsertionPoint(first);
      else
        b.setInsertionPointAfter(request.getDefiningOp());
    } else if (consumer) {
      b.setInsertionPoint(consumer);
    } else {
      b.setInsertionPoint(body.getTerminator());
    }
    Value out =
        WaitOp::create(b, request.getLoc(), in.getType(), request).getResult();
    const int64_t to = c.kind == Kind::Transfer ? c.to : c.group;
    current[{c.value, to}] = out;
    // Uses that now read the moved version: for a transfer, every later op
    // of the destination group; for a collective feeding one op (a key
    // switch, a bootstrap, a rescale), that op; for a repartition or an
    // input, every user in the group; for an output, the return.
    Operation *waitOp = out.getDefiningOp();
    auto shouldUse = [&](OpOperand &use) {
      Operation *u = use.getOwner();
      if (u == request.getDefiningOp() || u == waitOp)
        return false;
      if (isa<AllGatherStartOp, BroadcastStartOp, AllToAllStartOp,
              TransferStartOp>(u))
        return false;
      if (!c.consumer && c.source == Source::IO && c.beforeConsumer)
        return isa<func::ReturnOp>(u);
      if (c.kind == Kind::Transfer)
        return groupOfUser(u) == to && !u->isBeforeInBlock(waitOp);
      if (c.source == Source::IO || !c.beforeConsumer)
        return groupOfUser(u) == to || isa<func::ReturnOp>(u);
      return u == consumer;
    };
    // Users may hold the version `in` or, on another group, the original.
    in.replaceUsesWithIf(out, shouldUse);
    if (c.value != in)
      Value(c.value).replaceUsesWithIf(out, shouldUse);
  }
  // Co-schedule each hoisted run: the later rotations move right after the
  // first and read its gathered input (their results are used later only,
  // and their input is the same ciphertext), and the first records the
  // run's length for the emitter.
  for (auto &[key, ops] : runs) {
    if (ops.size() < 2)
      continue;
    Value gathered = ops.front()->getOperand(0);
    for (size_t j = 1; j < ops.size(); ++j) {
      ops[j]->moveAfter(ops[j - 1]);
      ops[j]->setOperand(0, gathered);
    }
    ops.front()->setAttr(DistDialect::kHoistedAttrName,
                         b.getI64IntegerAttr(int64_t(ops.size())));
    ++numHoisted;
  }
}

} // namespace

} // namespace mlir::aegis::dist
