//===- SplitClient.cpp - the plaintext prefix of token-id models ----------===//
//
// Embedding lookups cannot run on encrypted token ids: models that start
// from integer inputs are split into `@client` (the lookups and the cheap
// ops combining them, run in plaintext by aegis-run before encryption) and
// `@main` (the rest, over the client's float results).
//
//===----------------------------------------------------------------------===//

#include "ProgramInputs.h"

#include "aegis/Dialect/NN/IR/NNOps.h"
#include "aegis/Dialect/NN/Transforms/Passes.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/IRMapping.h"
#include "llvm/ADT/BitVector.h"
#include "llvm/ADT/SetVector.h"
#include "llvm/ADT/StringSet.h"

namespace mlir::aegis::nn {
#define GEN_PASS_DEF_SPLITCLIENT
#include "aegis/Dialect/NN/Transforms/Passes.h.inc"
} // namespace mlir::aegis::nn

using namespace mlir;
using namespace mlir::aegis::nn;

bool mlir::aegis::nn::isClientOp(Operation *op) {
  return isa<GatherOp, AddOp, SubOp, MulOp, CastOp, ReshapeOp, ExpandOp,
             TransposeOp, ConcatOp, CompareOp, NotOp, CumSumOp>(op);
}

const char *mlir::aegis::nn::kClientOpList =
    "nn.gather, nn.add, nn.sub, nn.mul, nn.cast, nn.reshape, nn.expand, "
    "nn.transpose, nn.concat, nn.compare, nn.not, nn.cumsum";

namespace {

bool isIntegerTensor(Value v) {
  auto t = dyn_cast<RankedTensorType>(v.getType());
  return t && isa<IntegerType>(t.getElementType());
}

/// The ONNX node name an op was imported from (its NameLoc), or "".
std::string nodeName(Operation *op) {
  std::string found;
  op->getLoc()->walk([&](Location l) {
    if (auto n = dyn_cast<NameLoc>(l)) {
      found = n.getName().str();
      return WalkResult::interrupt();
    }
    return WalkResult::advance();
  });
  return found;
}

std::string describe(Operation *op) {
  std::string name = nodeName(op);
  return "'" + op->getName().getStringRef().str() + "'" +
         (name.empty() ? "" : " (node '" + name + "')");
}

struct SplitClientPass
    : public mlir::aegis::nn::impl::SplitClientBase<SplitClientPass> {
  using SplitClientBase::SplitClientBase;

  void runOnOperation() override {
    if (failed(split(getOperation())))
      signalPassFailure();
  }

  LogicalResult split(ModuleOp module) {
    func::FuncOp entry = findEntry(module, "aegis-nn-split-client");
    if (!entry)
      return failure();
    if (module.lookupSymbol("client"))
      return emitError(module.getLoc())
             << "aegis-nn-split-client: the module already has a symbol "
                "named 'client'";
    bool hasInteger = llvm::any_of(entry.getArguments(), isIntegerTensor);
    if (!hasInteger && splitAfter.empty())
      return success(); // float models run encrypted whole
    Block &body = entry.getBody().front();

    // The prefix, in program order.
    llvm::SetVector<Operation *> prefix;
    if (!splitAfter.empty()) {
      Operation *cut = nullptr;
      for (Operation &op : body)
        if (nodeName(&op) == splitAfter) {
          cut = &op;
          break;
        }
      if (!cut)
        return emitError(entry.getLoc())
               << "aegis-nn-split-client: split-after='" << splitAfter
               << "' names no op of @" << entry.getName()
               << " (give the ONNX node name of an op, e.g. the last "
                  "embedding Add)";
      // The op and everything it depends on.
      llvm::SmallVector<Operation *> work{cut};
      llvm::DenseSet<Operation *> seen;
      while (!work.empty()) {
        Operation *op = work.pop_back_val();
        if (!seen.insert(op).second || isa<ConstantOp>(op))
          continue;
        for (Value v : op->getOperands())
          if (Operation *def = v.getDefiningOp())
            work.push_back(def);
      }
      for (Operation &op : body)
        if (seen.count(&op) && !isa<ConstantOp>(&op)) {
          if (!isClientOp(&op))
            return op.emitError()
                   << "aegis-nn-split-client: " << describe(&op)
                   << " is in the client prefix (before split-after='"
                   << splitAfter << "') but cannot run on the client "
                   << "(supported: " << kClientOpList << ")";
          prefix.insert(&op);
        }
    } else {
      // Every cheap op on prefix values (arguments, constants, earlier
      // prefix ops), wherever it is: embedding lookups, position ids, and
      // what is computed from the integer inputs further down (a padding
      // mask from an attention_mask input, which then reaches the server as
      // data and is refused there as such).
      for (Operation &op : body) {
        if (isa<ConstantOp>(&op) || isa<func::ReturnOp>(&op) ||
            !isClientOp(&op))
          continue;
        bool onPrefix = llvm::all_of(op.getOperands(), [&](Value v) {
          Operation *def = v.getDefiningOp();
          return !def || isa<ConstantOp>(def) || prefix.contains(def);
        });
        if (onPrefix)
          prefix.insert(&op);
      }
    }

    // Cut values: arguments and prefix results used outside the prefix.
    llvm::SetVector<Value> cuts;
    auto usedOutside = [&](Value v) {
      return llvm::any_of(v.getUsers(), [&](Operation *u) {
        return !prefix.contains(u);
      });
    };
    for (BlockArgument a : entry.getArguments())
      if (usedOutside(a))
        cuts.insert(a);
    for (Operation *op : prefix)
      for (Value r : op->getResults())
        if (usedOutside(r))
          cuts.insert(r);
    for (Value v : cuts) {
      if (!isIntegerTensor(v))
        continue;
      Operation *user = *llvm::find_if(v.getUsers(), [&](Operation *u) {
        return !prefix.contains(u);
      });
      // The integer inputs it comes from, for the message.
      std::string from;
      {
        llvm::SmallVector<Value> work{v};
        llvm::DenseSet<Value> seen;
        llvm::SetVector<unsigned> args;
        while (!work.empty()) {
          Value x = work.pop_back_val();
          if (!seen.insert(x).second)
            continue;
          if (auto a = dyn_cast<BlockArgument>(x))
            args.insert(a.getArgNumber());
          else if (Operation *def = x.getDefiningOp())
            for (Value o : def->getOperands())
              work.push_back(o);
        }
        for (unsigned a : args) {
          auto n = entry.getArgAttrOfType<StringAttr>(a, "nn.name");
          from += (from.empty() ? "'" : ", '") +
                  (n ? n.getValue().str() : "#" + std::to_string(a)) + "'";
        }
      }
      return user->emitError()
             << "aegis-nn-split-client: " << describe(user)
             << " uses an integer tensor computed from the input "
             << (from.empty() ? std::string("?") : from)
             << " but cannot run on the client (supported: " << kClientOpList
             << "); only float tensors can be encrypted, and an attention "
                "mask computed from an input is data, not structure: export "
                "the model without that input (masks must be known at compile "
                "time)";
    }
    if (cuts.empty())
      return emitError(entry.getLoc())
             << "aegis-nn-split-client: nothing of @" << entry.getName()
             << " is left to run encrypted";

    // Names of the cut tensors: the argument's nn.name or the ONNX node
    // name of the op computing it, made unique.
    SmallVector<std::string> names;
    llvm::StringSet<> used;
    for (auto [i, v] : llvm::enumerate(cuts)) {
      std::string name;
      if (auto a = dyn_cast<BlockArgument>(v)) {
        if (auto n = entry.getArgAttrOfType<StringAttr>(a.getArgNumber(),
                                                        "nn.name"))
          name = n.str();
      } else {
        name = nodeName(v.getDefiningOp());
      }
      if (name.empty())
        name = "client_out" + std::to_string(i);
      std::string unique = name;
      for (int k = 1; !used.insert(unique).second; ++k)
        unique = name + "#" + std::to_string(k);
      names.push_back(unique);
    }

    // @client: the original arguments, constants and prefix ops.
    OpBuilder b(module.getContext());
    b.setInsertionPoint(entry);
    SmallVector<Type> cutTypes;
    for (Value v : cuts)
      cutTypes.push_back(v.getType());
    auto client = func::FuncOp::create(
        b, entry.getLoc(), "client",
        b.getFunctionType(entry.getArgumentTypes(), cutTypes));
    if (ArrayAttr args = entry.getAllArgAttrs())
      client.setAllArgAttrs(args);
    for (auto [i, name] : llvm::enumerate(names))
      client.setResultAttr(i, "nn.name", b.getStringAttr(name));
    Block *cbody = client.addEntryBlock();
    IRMapping map;
    for (auto [from, to] :
         llvm::zip(entry.getArguments(), cbody->getArguments()))
      map.map(from, to);
    b.setInsertionPointToStart(cbody);
    for (Operation *op : prefix)
      for (Value v : op->getOperands())
        if (auto c = v.getDefiningOp<ConstantOp>(); c && !map.contains(v))
          b.clone(*c, map);
    for (Operation *op : prefix)
      b.clone(*op, map);
    SmallVector<Value> results;
    for (Value v : cuts)
      results.push_back(map.lookup(v));
    func::ReturnOp::create(b, entry.getLoc(), results);

    // @main: the cut tensors become its arguments.
    unsigned oldArgs = entry.getNumArguments();
    for (auto [i, v] : llvm::enumerate(cuts)) {
      Location loc = isa<BlockArgument>(v) ? entry.getArgument(
                                                 cast<BlockArgument>(v)
                                                     .getArgNumber())
                                                 .getLoc()
                                           : v.getDefiningOp()->getLoc();
      NamedAttrList attrs;
      attrs.append("nn.name", b.getStringAttr(names[i]));
      if (failed(entry.insertArgument(entry.getNumArguments(), v.getType(),
                                      attrs.getDictionary(b.getContext()),
                                      loc)))
        return failure();
      Value arg = entry.getArgument(entry.getNumArguments() - 1);
      Value from = v;
      from.replaceUsesWithIf(arg, [&](OpOperand &use) {
        return !prefix.contains(use.getOwner());
      });
    }
    for (Operation *op : llvm::reverse(prefix)) {
      SmallVector<Operation *> consts;
      for (Value v : op->getOperands())
        if (auto c = v.getDefiningOp<ConstantOp>())
          consts.push_back(c);
      op->erase();
      for (Operation *c : consts)
        if (c->use_empty())
          c->erase();
    }
    llvm::BitVector erase(entry.getNumArguments());
    erase.set(0, oldArgs);
    if (failed(entry.eraseArguments(erase)))
      return failure();
    return success();
  }
};

} // namespace
