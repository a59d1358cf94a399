//===- EmitArtifact.cpp - ckks programs to aegis-run artifacts ------------===//
//
// Built with exceptions (LLVM_REQUIRES_EH): the artifact writer is runtime
// code that reports errors by throwing aegis::Error; they are turned into
// diagnostics here.
//
//===----------------------------------------------------------------------===//

#include "aegis/Target/Artifact/EmitArtifact.h"

#include "aegis/Dialect/CKKS/IR/CKKSOps.h"
#include "aegis/Dialect/CKKS/Transforms/Passes.h"
#include "aegis/Dialect/NN/IR/NNOps.h"
#include "aegis/Support/Rotation.h"
#include "aegis/Dialect/NN/Interpreter/Interpreter.h"
#include "aegis/Runtime/Artifact/Artifact.h"
#include "aegis/Runtime/CKKS/Parameters.h"
#include "aegis/Runtime/Support/Version.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "llvm/ADT/DenseMap.h"
#include "aegis/Dialect/Dist/IR/DistOps.h"
#include "mlir/Dialect/Shard/IR/ShardOps.h"
#include "llvm/ADT/TypeSwitch.h"

#include <cmath>
#include <map>
#include <set>

namespace mlir::aegis::ckks {
#define GEN_PASS_DEF_EMITARTIFACT
#include "aegis/Dialect/CKKS/Transforms/Passes.h.inc"
} // namespace mlir::aegis::ckks

using namespace mlir;
using namespace mlir::aegis::ckks;

namespace {

namespace nnd = mlir::aegis::nn;

FailureOr<::aegis::ClientType> clientType(Value v, Operation *at) {
  auto t = dyn_cast<RankedTensorType>(v.getType());
  Type e = t ? t.getElementType() : Type();
  if (e && e.isF32())
    return ::aegis::ClientType::Float32;
  if (e && e.isF64())
    return ::aegis::ClientType::Float64;
  if (e && e.isInteger(64))
    return ::aegis::ClientType::Int64;
  if (e && e.isInteger(32))
    return ::aegis::ClientType::Int32;
  if (e && e.isInteger(1))
    return ::aegis::ClientType::Bool;
  return at->emitError() << "client program: unsupported type " << v.getType();
}

std::vector<int64_t> shapeOf(Value v) {
  auto t = cast<RankedTensorType>(v.getType());
  return {t.getShape().begin(), t.getShape().end()};
}

/// Serializes the plaintext prefix `@client` (aegis-nn-split-client) into
/// the artifact's client program.
LogicalResult emitClient(func::FuncOp client, ::aegis::ClientProgram &out) {
  if (!client.getBody().hasOneBlock())
    return client.emitError() << "client program: @client must have one block";
  llvm::DenseMap<Value, uint32_t> ids;
  for (BlockArgument a : client.getArguments()) {
    ::aegis::ClientTensor t;
    if (auto n = client.getArgAttrOfType<StringAttr>(a.getArgNumber(), "nn.name"))
      t.name = n.str();
    else
      t.name = "arg" + std::to_string(a.getArgNumber());
    auto type = clientType(a, client);
    if (failed(type))
      return failure();
    t.type = *type;
    t.shape = shapeOf(a);
    ids[a] = ids.size();
    out.inputs.push_back(std::move(t));
  }
  Block &body = client.getBody().front();
  for (Operation &op : body)
    if (auto c = dyn_cast<nnd::ConstantOp>(&op)) {
      auto tensor = nnd::tensorFromAttr(c.getValue(), c.getLoc());
      auto type = clientType(c.getResult(), c);
      if (failed(tensor) || failed(type))
        return failure();
      ::aegis::ClientTensor t;
      t.name = "constant" + std::to_string(out.constants.size());
      t.shape = shapeOf(c.getResult());
      t.type = *type;
      t.values = std::move(tensor->data);
      ids[c.getResult()] = out.inputs.size() + out.constants.size();
      out.constants.push_back(std::move(t));
    }
  for (Operation &opRef : body) {
    Operation *op = &opRef;
    if (isa<nnd::ConstantOp>(op))
      continue;
    if (auto ret = dyn_cast<func::ReturnOp>(op)) {
      for (Value v : ret.getOperands())
        out.outputs.push_back(ids.lookup(v));
      break;
    }
    ::aegis::ClientOp c;
    auto axis = [&](int64_t a, Value of) {
      int64_t rank = cast<RankedTensorType>(of.getType()).getRank();
      c.ints.push_back(a < 0 ? a + rank : a);
    };
    LogicalResult status =
        llvm::TypeSwitch<Operation *, LogicalResult>(op)
            .Case<nnd::GatherOp>([&](nnd::GatherOp g) {
              c.kind = ::aegis::ClientOpKind::Gather;
              axis(g.getAxis(), g.getInput());
              return success();
            })
            .Case<nnd::AddOp>([&](auto) {
              c.kind = ::aegis::ClientOpKind::Add;
              return success();
            })
            .Case<nnd::SubOp>([&](auto) {
              c.kind = ::aegis::ClientOpKind::Sub;
              return success();
            })
            .Case<nnd::MulOp>([&](auto) {
              c.kind = ::aegis::ClientOpKind::Mul;
              return success();
            })
            .Case<nnd::CastOp>([&](auto) {
              c.kind = ::aegis::ClientOpKind::Cast;
              return success();
            })
            .Case<nnd::ReshapeOp>([&](auto) {
              c.kind = ::aegis::ClientOpKind::Reshape;
              return success();
            })
            .Case<nnd::ExpandOp>([&](auto) {
              c.kind = ::aegis::ClientOpKind::Expand;
              return success();
            })
            .Case<nnd::TransposeOp>([&](nnd::TransposeOp t) {
              c.kind = ::aegis::ClientOpKind::Transpose;
              c.ints.assign(t.getPerm().begin(), t.getPerm().end());
              return success();
            })
            .Case<nnd::ConcatOp>([&](nnd::ConcatOp cc) {
              c.kind = ::aegis::ClientOpKind::Concat;
              axis(cc.getAxis(), cc.getInputs().front());
              return success();
            })
            .Case<nnd::CompareOp>([&](nnd::CompareOp cmp) {
              c.kind = ::aegis::ClientOpKind::Compare;
              StringRef p = cmp.getPredicate();
              c.ints.push_back(p == "eq"   ? 0
                               : p == "lt" ? 1
                               : p == "gt" ? 2
                               : p == "and" ? 3
                                            : 4);
              return success();
            })
            .Case<nnd::NotOp>([&](auto) {
              c.kind = ::aegis::ClientOpKind::Not;
              return success();
            })
            .Case<nnd::CumSumOp>([&](nnd::CumSumOp cs) {
              c.kind = ::aegis::ClientOpKind::CumSum;
              axis(cs.getAxis(), cs.getInput());
              c.ints.push_back(cs.getExclusive());
              c.ints.push_back(cs.getReverse());
              return success();
            })
            .Default([&](Operation *other) {
              return other->emitOpError()
                     << "cannot run in the client program (supported: "
                        "nn.gather, nn.add, nn.sub, nn.mul, nn.cast, "
                        "nn.reshape, nn.expand, nn.transpose, nn.concat, "
                        "nn.compare, nn.not, nn.cumsum)";
            });
    if (failed(status))
      return failure();
    if (op->getNumResults() != 1)
      return op->emitOpError() << "client program: expected one result";
    for (Value v : op->getOperands()) {
      auto it = ids.find(v);
      if (it == ids.end())
        return op->emitOpError() << "client program: uses a value defined "
                                    "outside @client";
      c.operands.push_back(it->second);
    }
    c.shape = shapeOf(op->getResult(0));
    auto type = clientType(op->getResult(0), op);
    if (failed(type))
      return failure();
    c.type = *type;
    ids[op->getResult(0)] =
        out.inputs.size() + out.constants.size() + out.ops.size();
    out.ops.push_back(std::move(c));
  }
  return success();
}

} // namespace

namespace mlir::aegis {

FailureOr<::aegis::Artifact> buildArtifact(ModuleOp module,
                                          llvm::StringRef security) {
    if (security != "128" && security != "toy")
      return emitError(module.getLoc())
             << "security must be 128 or toy, got '" << security << "'";
    // A placed program: limb (one stream, aegis-run splits every
    // ciphertext by limbs), token or head (one stream per device, whole
    // ciphertexts moved by Send / Recv), joint (one stream per group of
    // devices, each splitting its ciphertexts by limbs; Send / Recv move
    // every device's limb share to the same position of the other group).
    int64_t placedDevices = 0, placedGrid = 0, groupSize = 0;
    if (auto strategy = module->getAttrOfType<StringAttr>(
            mlir::aegis::dist::DistDialect::kStrategyAttrName)) {
      auto grid = module.lookupSymbol<shard::GridOp>("devices");
      if (!grid || grid.getShape().size() != 2)
        return emitError(module.getLoc())
               << "the program is placed ('" << strategy.getValue()
               << "') but has no 2-D shard.grid @devices";
      int64_t groups = grid.getShape()[0], perGroup = grid.getShape()[1];
      if (groups > 1) {
        placedDevices = groups;
        if (perGroup > 1)
          groupSize = perGroup;
      }
      placedGrid = groups * perGroup;
    }
    auto params = module->getAttrOfType<ParamsAttr>(CKKSDialect::kParamsAttrName);
    if (!params)
      return emitError(module.getLoc())
             << "the module has no ckks.params; the artifact needs its "
                "encryption parameters";
    func::FuncOp entry = module.lookupSymbol<func::FuncOp>("main");
    if (!entry) {
      auto funcs = module.getOps<func::FuncOp>();
      if (std::distance(funcs.begin(), funcs.end()) == 1)
        entry = *funcs.begin();
    }
    if (!entry)
      return emitError(module.getLoc())
             << "need a function named 'main' or exactly one function";

    ::aegis::Artifact art;
    art.compilerVersion = ::aegis::getVersion();
    art.compilerCommit = ::aegis::getGitCommit();
    art.params.logN = params.getLogN();
    for (int64_t b : params.getLogQ())
      art.params.chainBits.push_back(b);
    for (int64_t b : params.getLogP())
      art.params.specialBits.push_back(b);
    art.params.dnum = params.getDnum();
    if (auto nominal = module->getAttrOfType<IntegerAttr>("ckks.nominal_scale"))
      art.params.nominalLogScale = nominal.getInt();
    // Bootstrap instructions: every one refreshes to the same level.
    // The slots bootstraps serve: the widest input of any.
    unsigned bootstrapSlots = 0;
    for (Operation &op : entry.getBody().front())
      if (auto boot = dyn_cast<BootstrapOp>(op)) {
        unsigned level = boot.getOutput().getType().getLevel();
        if (art.params.bootstrapLevel && art.params.bootstrapLevel != level)
          return boot.emitOpError()
                 << "refreshes to level " << level
                 << "; every bootstrap of a program must refresh to one level ("
                 << art.params.bootstrapLevel << ")";
        art.params.bootstrapLevel = level;
        bootstrapSlots =
            std::max(bootstrapSlots, boot.getInput().getType().getSlots());
      }
    // 0: full packing (N/2 slots).
    if (bootstrapSlots && llvm::Log2_32(bootstrapSlots) + 1 != params.getLogN())
      art.params.bootstrapLogSlots = llvm::Log2_32(bootstrapSlots);
    if (auto t = module->getAttrOfType<IntegerAttr>(
            CKKSDialect::kBootstrapTransformLevelsAttrName))
      art.params.bootstrapTransformLevels = uint32_t(t.getInt());
    if (art.params.bootstrapLevel && !art.params.nominalLogScale)
      return emitError(module.getLoc())
             << "bootstrapping needs the nominal-scale mode "
                "(ckks.nominal_scale, set by aegis-nn-to-ckks)";
    int64_t logQP = params.getLogQP();
    int64_t bound = ::aegis::ckks::maxLogQP(params.getLogN());
    if (logQP > bound) {
      if (security != "toy")
        return emitError(module.getLoc())
               << "parameters N = 2^" << params.getLogN() << " with log2(QP) = "
               << logQP << " exceed the 128-bit security bound " << bound
               << "; use fewer or smaller primes, a larger ring, or "
                  "security=toy for tests";
      art.params.insecure = true;
      emitWarning(module.getLoc())
          << "INSECURE: toy parameters (log2(QP) = " << logQP << " > " << bound
          << " for N = 2^" << params.getLogN()
          << "); the artifact is marked insecure; never use it for real data";
    }

    llvm::DenseMap<Value, uint32_t> regs;
    llvm::DenseMap<Value, int64_t> constants;
    // Registers: one per SSA value, plus the temporaries of expanded
    // kernel-level ops.
    uint32_t nextReg = 0;
    auto regOf = [&](Value v) {
      auto [it, inserted] = regs.try_emplace(v, nextReg);
      if (inserted)
        ++nextReg;
      return it->second;
    };
    auto tensorSlot = [&](Type type, DictionaryAttr attrs, StringRef fallback,
                          uint32_t reg) -> FailureOr<::aegis::TensorSlot> {
      auto ct = dyn_cast<CiphertextType>(type);
      if (!ct || ct.getSize() != 2)
        return failure();
      ::aegis::TensorSlot t;
      t.name = fallback.str();
      t.regs = {reg};
      t.slots = ct.getSlots();
      t.level = ct.getLevel();
      t.logScale = ct.getLogScale();
      t.shape = {int64_t(ct.getSlots())};
      if (attrs) {
        if (auto n = attrs.getAs<StringAttr>("ckks.name"))
          t.name = n.str();
        if (auto s = attrs.getAs<DenseI64ArrayAttr>("ckks.shape"))
          t.shape.assign(s.asArrayRef().begin(), s.asArrayRef().end());
        auto r = attrs.getAs<DenseF64ArrayAttr>("ckks.input_range");
        if (r && r.size() == 2) {
          double lo = r.asArrayRef()[0], hi = r.asArrayRef()[1];
          if (std::isfinite(lo) && std::isfinite(hi) && lo <= hi) {
            t.hasRange = true;
            t.rangeLo = lo;
            t.rangeHi = hi;
          }
        }
      }
      return t;
    };
    // A value with `ckks.slot_map` starts a tensor; the values after it with
    // the same `ckks.name` and no map are its further ciphertexts.
    auto group = [&](std::vector<::aegis::TensorSlot> &list,
                     const ::aegis::TensorSlot &t, DictionaryAttr attrs) {
      auto map = attrs ? attrs.getAs<DenseI32ArrayAttr>("ckks.slot_map")
                       : DenseI32ArrayAttr();
      if (!map && !list.empty() && !list.back().slotMap.empty() &&
          list.back().name == t.name && attrs && attrs.get("ckks.name")) {
        list.back().regs.push_back(t.regs.front());
        return;
      }
      list.push_back(t);
      if (map)
        list.back().slotMap.assign(map.asArrayRef().begin(), map.asArrayRef().end());
    };
    for (BlockArgument arg : entry.getArguments()) {
      DictionaryAttr attrs = entry.getArgAttrDict(arg.getArgNumber());
      auto t = tensorSlot(arg.getType(), attrs,
                          "arg" + std::to_string(arg.getArgNumber()), regOf(arg));
      if (failed(t))
        return emitError(arg.getLoc())
               << "argument #" << arg.getArgNumber()
               << " must be a size-2 ciphertext, got " << arg.getType();
      group(art.inputs, *t, attrs);
    }

    auto constantIndex = [&](Value pt, Operation *user) -> FailureOr<int64_t> {
      auto it = constants.find(pt);
      if (it != constants.end())
        return it->second;
      auto encode = pt.getDefiningOp<EncodeOp>();
      auto c = encode ? encode.getInput().getDefiningOp<mlir::aegis::nn::ConstantOp>()
                      : nullptr;
      if (!c)
        return user->emitOpError()
               << "needs a plaintext that is a ckks.encode of an nn.constant";
      if (c->hasAttr("aegis.placeholder"))
        return user->emitOpError()
               << "uses a placeholder constant (compiled with "
                  "materialize-constants=false, for reports only): no "
                  "artifact can be emitted";
      auto tensor = mlir::aegis::nn::tensorFromAttr(c.getValue(), c.getLoc());
      if (failed(tensor))
        return failure();
      ::aegis::ArtifactConstant k;
      k.slots = encode.getOutput().getType().getSlots();
      k.values = tensor->data;
      art.constants.push_back(std::move(k));
      return constants[pt] = int64_t(art.constants.size() - 1);
    };

    // Rotation offset -> the highest level it runs at (its key's level).
    std::map<int64_t, uint32_t> rotations;
    auto atLevel = [](int32_t &level, Value input) {
      level = std::max<int32_t>(
          level, int32_t(cast<CiphertextType>(input.getType()).getLevel()));
    };
    std::map<std::string, uint32_t> regionIndex;
    // The region (model op, + 1; 0: none) of the instructions `o` becomes.
    auto regionOf = [&](Operation &o) -> uint32_t {
      auto named = dyn_cast<NameLoc>(o.getLoc());
      if (!named)
        return 0;
      std::string region = named.getName().str();
      auto it = regionIndex.find(region);
      if (it == regionIndex.end()) {
        art.regions.push_back(region);
        it = regionIndex.emplace(region, art.regions.size()).first;
      }
      return it->second;
    };
    // Placed programs: the group (device) of every instruction, and where
    // ciphertexts move between devices.
    auto groupOf = [](Attribute a) -> uint32_t {
      auto p = dyn_cast_or_null<mlir::aegis::dist::PlacementAttr>(a);
      return p && p.getGroup() > 0 ? uint32_t(p.getGroup()) : 0u;
    };
    std::vector<uint32_t> instrGroup;
    uint32_t currentGroup = 0;
    auto tagInstructions = [&] {
      while (instrGroup.size() < art.program.size())
        instrGroup.push_back(currentGroup);
    };
    struct Move {
      size_t position;
      uint32_t reg, from, to;
    };
    std::vector<Move> moves;
    for (Operation &op : entry.getBody().front()) {
      tagInstructions();
      currentGroup = groupOf(op.getAttr(
          mlir::aegis::dist::DistDialect::kPlacementAttrName));
      // Plaintext plumbing (encodes and the nn ops computing their values)
      // is read through the constants of the ops that use it.
      if (isa<func::ReturnOp, EncodeOp>(op) ||
          isa<mlir::aegis::nn::NNDialect>(op.getDialect()))
        continue;
      // Collectives of the limb placement (aegis-dist-insert-collectives)
      // are what aegis-run's limb-partitioned execution does for every
      // instruction: the single instruction stream carries the plan, a
      // waited ciphertext is its input's register.
      if (op.getDialect() && op.getDialect()->getNamespace() == "dist") {
        if (auto wait = dyn_cast<mlir::aegis::dist::WaitOp>(op)) {
          Operation *start = wait.getRequest().getDefiningOp();
          uint32_t reg = regOf(start->getOperand(0));
          regs[wait.getOutput()] = reg;
          // A ciphertext moved between whole-ciphertext devices: the
          // sender's Send and the receiver's Recv, here in program order.
          if (auto t = dyn_cast<mlir::aegis::dist::TransferStartOp>(start);
              t && placedDevices)
            moves.push_back({art.program.size(), reg, uint32_t(*t.getFrom()),
                             uint32_t(*t.getTo())});
        }
        continue;
      }
      // A sum of plaintext products: one mul_plain per term, added up.
      if (auto dot = dyn_cast<DotPlainOp>(op)) {
        uint32_t acc = 0, region = regionOf(op);
        for (auto [i, x, p] :
             llvm::enumerate(dot.getInputs(), dot.getPlaintexts())) {
          auto input = regs.find(x);
          if (input == regs.end())
            return dot.emitOpError()
                   << "uses a value that is not a ciphertext of the program";
          auto index = constantIndex(p, &op);
          if (failed(index))
            return failure();
          ::aegis::Instruction m;
          m.op = ::aegis::Opcode::MulPlain;
          m.a = input->second;
          m.imm = *index;
          m.value = cast<PlaintextType>(p.getType()).getLogScale();
          m.region = region;
          bool last = i + 1 == dot.getInputs().size();
          m.result = i == 0 && last ? regOf(dot.getOutput()) : nextReg++;
          art.program.push_back(m);
          if (i == 0) {
            acc = m.result;
            continue;
          }
          ::aegis::Instruction a;
          a.op = ::aegis::Opcode::Add;
          a.a = acc;
          a.b = m.result;
          a.region = region;
          a.result = last ? regOf(dot.getOutput()) : nextReg++;
          art.program.push_back(a);
          acc = a.result;
        }
        continue;
      }
      // A sum of rotations with one ModDown: a run of one instruction per
      // term (Artifact.h, RotateSum).
      if (auto sum = dyn_cast<RotateSumOp>(op)) {
        const int64_t slots = sum.getOutput().getType().getSlots();
        const unsigned level = sum.getOutput().getType().getLevel();
        const uint32_t result = regOf(sum.getOutput());
        const uint32_t n = uint32_t(sum.getInputs().size());
        auto algorithm = op.getAttrOfType<StringAttr>(
            mlir::aegis::dist::DistDialect::kKeySwitchAttrName);
        for (auto [j, x] : llvm::enumerate(sum.getInputs())) {
          auto input = regs.find(x);
          if (input == regs.end())
            return sum.emitOpError()
                   << "uses a value that is not a ciphertext of the program";
          ::aegis::Instruction t;
          t.op = ::aegis::Opcode::RotateSum;
          t.a = input->second;
          t.imm = ::aegis::canonicalRotation(sum.getOffsets()[j], slots);
          t.result = result;
          t.region = regionOf(op);
          if (j == 0) {
            t.b = n;
            t.value = algorithm && algorithm.getValue() == "aggregate" ? 1 : 0;
          }
          if (t.imm != 0) {
            uint32_t &keyLevel = rotations[t.imm];
            keyLevel = std::max(keyLevel, level);
          }
          art.program.push_back(t);
        }
        continue;
      }
      ::aegis::Instruction in;
      bool ok = true;
      auto operand = [&](unsigned i) {
        auto it = regs.find(op.getOperand(i));
        if (it == regs.end()) {
          ok = false;
          return uint32_t(0);
        }
        return it->second;
      };
      auto resultType = [&]() { return cast<CiphertextType>(op.getResult(0).getType()); };
      LogicalResult status = llvm::TypeSwitch<Operation *, LogicalResult>(&op)
          .Case<AddOp>([&](auto) { in.op = ::aegis::Opcode::Add; in.a = operand(0); in.b = operand(1); return success(); })
          .Case<SubOp>([&](auto) { in.op = ::aegis::Opcode::Sub; in.a = operand(0); in.b = operand(1); return success(); })
          .Case<MulOp>([&](auto) { in.op = ::aegis::Opcode::Mul; in.a = operand(0); in.b = operand(1); return success(); })
          .Case<NegateOp>([&](auto) { in.op = ::aegis::Opcode::Negate; in.a = operand(0); return success(); })
          .Case<RelinearizeOp>([&](RelinearizeOp r) { in.op = ::aegis::Opcode::Relinearize; in.a = operand(0); atLevel(art.relinLevel, r.getInput()); return success(); })
          .Case<RescaleOp>([&](auto) { in.op = ::aegis::Opcode::Rescale; in.a = operand(0); return success(); })
          .Case<ConjugateOp>([&](ConjugateOp c) { in.op = ::aegis::Opcode::Conjugate; in.a = operand(0); art.conjugation = true; atLevel(art.conjugationLevel, c.getInput()); return success(); })
          .Case<MulIOp>([&](MulIOp m) {
            in.op = ::aegis::Opcode::MulI; in.a = operand(0);
            in.imm = m.getNegate() ? 1 : 0; return success(); })
          .Case<BootstrapOp>([&](BootstrapOp b) {
            in.op = ::aegis::Opcode::Bootstrap; in.a = operand(0);
            in.b = b.getComplex() ? 1 : 0;
            if (auto h = module->getAttrOfType<IntegerAttr>(
                    CKKSDialect::kBootstrapHeadroomAttrName))
              in.imm = h.getInt();
            return success(); })
          .Case<LevelDownOp>([&](auto) {
            in.op = ::aegis::Opcode::LevelDown; in.a = operand(0);
            in.imm = resultType().getLevel(); return success(); })
          .Case<RotateOp>([&](RotateOp r) {
            in.op = ::aegis::Opcode::Rotate; in.a = operand(0);
            int64_t slots = r.getInput().getType().getSlots();
            int64_t k =
                ::aegis::canonicalRotation(r.getOffsetAttr().getInt(), slots);
            in.imm = k;
            if (k == 0)
              in.op = ::aegis::Opcode::LevelDown, in.imm = resultType().getLevel();
            else {
              uint32_t &level = rotations[k];
              level = std::max(level, r.getInput().getType().getLevel());
            }
            return success(); })
          .Case<AddConstOp>([&](AddConstOp c) {
            in.op = ::aegis::Opcode::AddConst; in.a = operand(0);
            in.value = c.getValue().convertToDouble(); return success(); })
          .Case<MulConstOp>([&](MulConstOp c) {
            in.op = ::aegis::Opcode::MulConst; in.a = operand(0);
            in.value = c.getValue().convertToDouble();
            in.scale = resultType().getLogScale() -
                       c.getInput().getType().getLogScale();
            return success(); })
          .Case<AddPlainOp, SubPlainOp, MulPlainOp>([&](auto p) -> LogicalResult {
            in.op = isa<AddPlainOp>(op)   ? ::aegis::Opcode::AddPlain
                    : isa<SubPlainOp>(op) ? ::aegis::Opcode::SubPlain
                                          : ::aegis::Opcode::MulPlain;
            in.a = operand(0);
            auto index = constantIndex(p.getPlaintext(), &op);
            if (failed(index))
              return failure();
            in.imm = *index;
            in.value = p.getPlaintext().getType().getLogScale();
            return success(); })
          .Default([&](Operation *other) {
            return other->emitOpError()
                   << "cannot be emitted into an artifact (supported: ckks "
                      "arithmetic, key switching, rescale and level ops)";
          });
      if (failed(status))
        return failure();
      if (!ok)
        return op.emitOpError() << "uses a value that is not a ciphertext of the program";
      in.result = regOf(op.getResult(0));
      in.region = regionOf(op);
      // The first rotation of a hoisted run carries its length: one
      // co-scheduled by aegis-dist-insert-collectives (one all-gather) on
      // placed programs, one of aegis-ckks-hoist-rotations (one ModUp) on
      // one device.
      if (auto n = op.getAttrOfType<IntegerAttr>(
              mlir::aegis::dist::DistDialect::kHoistedAttrName))
        in.b = uint32_t(n.getInt());
      else if (auto n = op.getAttrOfType<IntegerAttr>(
                   CKKSDialect::kHoistedAttrName);
               n && placedGrid <= 1)
        in.b = uint32_t(n.getInt());
      art.program.push_back(in);
    }
    auto ret = cast<func::ReturnOp>(entry.getBody().front().getTerminator());
    for (auto [i, v] : llvm::enumerate(ret.getOperands())) {
      auto it = regs.find(v);
      auto t = tensorSlot(v.getType(), entry.getResultAttrDict(i),
                          "out" + std::to_string(i), it == regs.end() ? 0 : it->second);
      if (it == regs.end() || failed(t))
        return emitError(ret.getLoc()) << "result #" << i
                                       << " must be a size-2 ciphertext computed by the program";
      group(art.outputs, *t, entry.getResultAttrDict(i));
    }
    tagInstructions();
    for (auto [k, level] : rotations) {
      art.rotations.push_back(k);
      art.rotationLevels.push_back(level);
    }
    art.numRegisters = nextReg;
    if (placedGrid > 1)
      art.devices = uint32_t(placedGrid);
    art.groupSize = uint32_t(groupSize);
    if (placedDevices) {
      // Device of every register: arguments by their placement, results by
      // the instruction writing them.
      std::vector<uint32_t> regDevice(nextReg, 0);
      for (BlockArgument arg : entry.getArguments())
        regDevice[regOf(arg)] = groupOf(entry.getArgAttr(
            arg.getArgNumber(),
            mlir::aegis::dist::DistDialect::kPlacementAttrName));
      art.devicePrograms.assign(size_t(placedDevices), {});
      size_t m = 0;
      auto flushMoves = [&](size_t position) {
        for (; m < moves.size() && moves[m].position == position; ++m) {
          const Move &mv = moves[m];
          ::aegis::Instruction send, recv;
          send.op = ::aegis::Opcode::Send;
          send.a = send.result = mv.reg;
          send.imm = mv.to;
          recv.op = ::aegis::Opcode::Recv;
          recv.result = mv.reg;
          recv.imm = mv.from;
          art.devicePrograms[mv.from].push_back(send);
          art.devicePrograms[mv.to].push_back(recv);
        }
      };
      for (size_t k = 0; k < art.program.size(); ++k) {
        flushMoves(k);
        uint32_t d = instrGroup[k];
        if (d >= uint32_t(placedDevices))
          return emitError(module.getLoc())
                 << "instruction " << k << " is placed on group " << d
                 << " of a " << placedDevices << "-device grid";
        art.devicePrograms[d].push_back(art.program[k]);
        regDevice[art.program[k].result] = d;
      }
      flushMoves(art.program.size());
      for (::aegis::TensorSlot &t : art.inputs)
        for (uint32_t reg : t.regs)
          t.devices.push_back(regDevice[reg]);
      for (::aegis::TensorSlot &t : art.outputs)
        for (uint32_t reg : t.regs)
          t.devices.push_back(regDevice[reg]);
    }
    if (auto client = module.lookupSymbol<func::FuncOp>("client"))
      if (failed(emitClient(client, art.client)))
        return failure();
    return art;
}

} // namespace mlir::aegis

namespace {

struct EmitArtifactPass
    : public mlir::aegis::ckks::impl::EmitArtifactBase<EmitArtifactPass> {
  using EmitArtifactBase::EmitArtifactBase;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    if (output.empty()) {
      emitError(module.getLoc()) << "aegis-ckks-emit-artifact needs output=FILE";
      return signalPassFailure();
    }
    FailureOr<::aegis::Artifact> art = mlir::aegis::buildArtifact(module, security);
    if (failed(art))
      return signalPassFailure();
    try {
      ::aegis::writeArtifact(output, *art);
    } catch (const std::exception &e) {
      emitError(module.getLoc()) << "cannot write the artifact: " << e.what();
      return signalPassFailure();
    }
    // The program is only read: no need to verify it again.
    markAllAnalysesPreserved();
  }
};

} // namespace
