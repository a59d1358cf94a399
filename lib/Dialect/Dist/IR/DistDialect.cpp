//===- DistDialect.cpp - dist dialect: registration and verifiers ---------===//

#include "aegis/Dialect/Dist/IR/DistOps.h"

#include "mlir/Dialect/Shard/IR/ShardOps.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/DialectImplementation.h"
#include "mlir/IR/OpImplementation.h"
#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace mlir::aegis::dist;

#include "aegis/Dialect/Dist/IR/DistDialect.cpp.inc"

#define GET_TYPEDEF_CLASSES
#include "aegis/Dialect/Dist/IR/DistTypes.cpp.inc"

#define GET_ATTRDEF_CLASSES
#include "aegis/Dialect/Dist/IR/DistAttributes.cpp.inc"

#define GET_OP_CLASSES
#include "aegis/Dialect/Dist/IR/DistOps.cpp.inc"

void DistDialect::initialize() {
  addTypes<
#define GET_TYPEDEF_LIST
#include "aegis/Dialect/Dist/IR/DistTypes.cpp.inc"
      >();
  addAttributes<
#define GET_ATTRDEF_LIST
#include "aegis/Dialect/Dist/IR/DistAttributes.cpp.inc"
      >();
  addOperations<
#define GET_OP_LIST
#include "aegis/Dialect/Dist/IR/DistOps.cpp.inc"
      >();
}

namespace {

/// Shared checks of the *_start ops.
template <typename Op> LogicalResult verifyStart(Op op) {
  int64_t polys = op.getPolys();
  if (polys < 1 || polys > 3)
    return op.emitOpError() << "moves " << polys
                            << " polynomials; a ciphertext has 1 to 3";
  if (polys > int64_t(op.getInput().getType().getSize()))
    return op.emitOpError() << "moves " << polys
                            << " polynomials of a ciphertext of "
                            << op.getInput().getType().getSize();
  for (int64_t b : op.getSent())
    if (b < 0)
      return op.emitOpError() << "sends a negative byte count (" << b << ")";
  StringRef s = op.getSource();
  if (s != "keyswitch" && s != "rescale" && s != "model" && s != "bootstrap" &&
      s != "io")
    return op.emitOpError()
           << "source '" << s
           << "' is not one of keyswitch, rescale, model, bootstrap, io";
  return success();
}

template <typename Op>
LogicalResult verifyGrid(Op op, SymbolTableCollection &symbols) {
  auto grid = symbols.lookupNearestSymbolFrom<shard::GridOp>(op, op.getGridAttr());
  if (!grid)
    return op.emitOpError() << "refers to " << op.getGridAttr()
                            << ", which is not a shard.grid";
  int64_t devices = 1;
  for (int64_t d : grid.getShape()) {
    if (d <= 0)
      return op.emitOpError() << "needs a static grid; " << op.getGridAttr()
                              << " has a dynamic or empty axis";
    devices *= d;
  }
  if (int64_t(op.getSent().size()) != devices)
    return op.emitOpError() << "lists bytes for " << op.getSent().size()
                            << " devices; the grid " << op.getGridAttr()
                            << " has " << devices;
  if (op.getFrom() || op.getTo()) {
    int64_t groups = grid.getShape().front();
    for (std::optional<int64_t> g : {op.getFrom(), op.getTo()})
      if (g && (*g < 0 || *g >= groups))
        return op.emitOpError() << "names group " << *g << "; the grid has "
                                << groups << " along its model axis";
  }
  return success();
}

} // namespace

#define AEGIS_DIST_START_OP(Name)                                              \
  LogicalResult Name::verify() { return verifyStart(*this); }                  \
  LogicalResult Name::verifySymbolUses(SymbolTableCollection &symbols) {       \
    return verifyGrid(*this, symbols);                                         \
  }
AEGIS_DIST_START_OP(AllGatherStartOp)
AEGIS_DIST_START_OP(BroadcastStartOp)
AEGIS_DIST_START_OP(AllToAllStartOp)
#undef AEGIS_DIST_START_OP

LogicalResult TransferStartOp::verify() {
  if (!getFrom() || !getTo())
    return emitOpError() << "needs the groups it moves between (from, to)";
  if (*getFrom() == *getTo())
    return emitOpError() << "moves a ciphertext from group " << *getFrom()
                         << " to itself";
  return verifyStart(*this);
}
LogicalResult
TransferStartOp::verifySymbolUses(SymbolTableCollection &symbols) {
  return verifyGrid(*this, symbols);
}

LogicalResult WaitOp::verify() {
  Operation *start = getRequest().getDefiningOp();
  if (!start || !isa<AllGatherStartOp, BroadcastStartOp, AllToAllStartOp,
                     TransferStartOp>(start))
    return emitOpError() << "waits on a request that no dist.*_start op made";
  if (!getRequest().hasOneUse())
    return emitOpError() << "waits on a request that is waited on more than "
                            "once";
  Type in = start->getOperand(0).getType();
  if (in != getOutput().getType())
    return emitOpError() << "yields " << getOutput().getType()
                         << " but the collective moves " << in;
  return success();
}
