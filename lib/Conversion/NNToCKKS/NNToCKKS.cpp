//===- NNToCKKS.cpp - aegis-nn-to-ckks ------------------------------------===//
//
// The final lowering of a calibrated nn program to ckks under the decisions
// aegis-nn-select-parameters and aegis-nn-place-bootstraps recorded on the
// module, and the compile report. The layouts, algorithms and their costs
// are documented in docs/Lowering.md. Built with exceptions (the runtime's prime generator,
// used to bound the nominal-scale error, reports errors by throwing).
//
//===----------------------------------------------------------------------===//

#include "aegis/Conversion/NNToCKKS/Passes.h"

#include "Driver.h"

#include "aegis/Dialect/CKKS/IR/CKKSOps.h"
#include "aegis/Dialect/NN/IR/NNOps.h"
#include "aegis/Dialect/NN/Interpreter/Interpreter.h"
#include "aegis/Dialect/NN/Interpreter/Kernels.h"
#include "aegis/Runtime/Bootstrap/BootstrapConfig.h"
#include "aegis/Runtime/CKKS/Parameters.h"
#include "aegis/Support/RotationKeys.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/raw_ostream.h"

#include <cmath>
#include <map>
#include <set>

namespace mlir::aegis {
#define GEN_PASS_DEF_LOWERNNTOCKKS
#include "aegis/Conversion/NNToCKKS/Passes.h.inc"
} // namespace mlir::aegis

using namespace mlir;
using namespace mlir::aegis;
namespace ck = mlir::aegis::ckks;
namespace nnd = mlir::aegis::nn;
using namespace mlir::aegis::lowering;
using ::aegis::nn::Shape;
using ::aegis::nn::Tensor;

namespace {

//===----------------------------------------------------------------------===//
// The pass
//===----------------------------------------------------------------------===//

struct LowerNNToCKKSPass
    : public mlir::aegis::impl::LowerNNToCKKSBase<LowerNNToCKKSPass> {
  using LowerNNToCKKSBase::LowerNNToCKKSBase;
  void runOnOperation() override;
};

} // namespace

/// Bytes of the program's evaluation keys, each at the highest level it is
/// used (the runtime generates them so): its rotation keys and the
/// relinearization key.
double evaluationKeyBytes(unsigned logN, size_t chain, unsigned special,
                          unsigned dnum, const Report &rep) {
  double bytes = 0;
  for (auto [k, level] : rep.rotationKeys)
    bytes += ::aegis::keySwitchKeyBytes(logN, chain, special, dnum, level);
  if (rep.relinLevel >= 0)
    bytes += ::aegis::keySwitchKeyBytes(logN, chain, special, dnum,
                                        size_t(rep.relinLevel));
  return bytes;
}

void LowerNNToCKKSPass::runOnOperation() {
  ModuleOp module = getOperation();
  auto decided = Decisions::read(module, "aegis-nn-to-ckks");
  if (failed(decided))
    return signalPassFailure();
  const Decisions &d = *decided;
  func::FuncOp entry = findEntryFunction(module);
  if (!entry) {
    emitError(module.getLoc()) << "aegis-nn-to-ckks: need a function named "
                                  "'main' or exactly one function";
    return signalPassFailure();
  }
  // Tokens: the rows of the inputs (the product of all but the last
  // dimension).
  int64_t tokens = 1;
  for (Type t : entry.getArgumentTypes())
    if (auto r = dyn_cast<RankedTensorType>(t); r && r.getRank() >= 1)
      tokens = std::max(tokens, r.getNumElements() / r.getShape().back());
  const bool boot = d.bootLevels != 0;
  const unsigned ln = d.logN, scaleBits = d.scaleBits, dnum = d.dnum;
  const unsigned depth = d.topLevel(), topLevel = d.topLevel();
  const unsigned bootLevel = d.bootLevels, transformLevels = d.transformLevels;
  const std::vector<int64_t> &logQ = d.logQ, &logP = d.logP;
  const unsigned K = unsigned(logP.size());
  const int64_t q0 = logQ[0], slots = d.slots, tile = d.tile;
  int64_t logQP = 0;
  for (int64_t v : logQ)
    logQP += v;
  for (int64_t v : logP)
    logQP += v;
  const std::string &ringWhy = d.ringWhy, &why = d.bootWhy;

  // The bootstrap placement aegis-nn-place-bootstraps chose.
  PlacementRecord placed = PlacementRecord::read(module);
  if (boot && placed.placement == "none") {
    emitError(module.getLoc())
        << "aegis-nn-to-ckks: the parameters bootstrap but the module has no "
           "bootstrap placement (ckks.bootstrap_plan): run "
           "aegis-nn-place-bootstraps first, or --aegis-compile";
    return signalPassFailure();
  }
  Driver driver(module, scaleBits, d.margin, d.approxError, materialize);
  driver.bootLevel = driver.refreshLevels = bootLevel;
  std::string placementWhy = placed.why;
  if (placed.placement == "mincut") {
    driver.plan.refresh.assign(size_t(std::max<int64_t>(0, placed.values)), 0);
    for (int32_t n : placed.refresh) {
      if (n < 0 || n >= placed.values) {
        emitError(module.getLoc())
            << "aegis-nn-to-ckks: the bootstrap plan refreshes value " << n
            << " of a program of " << placed.values << " values";
        return signalPassFailure();
      }
      driver.plan.refresh[n] = 1;
    }
    driver.plan.count = unsigned(placed.refresh.size());
    driver.plan.stages = unsigned(placed.stages);
    driver.usePlan = true;
  } else if (placed.placement == "greedy") {
    entry.walk([&](Operation *op) {
      if (auto n = op->getAttrOfType<IntegerAttr>(
              ck::CKKSDialect::kRefreshDepthAttrName))
        driver.opDepth[op] = unsigned(n.getInt());
    });
  }
  const int64_t programDepth = placed.depth,
                bootstrapLowerBound = placed.lowerBound;
  Report rep;
  // The model's size in ops (constants aside), for the IR-size line.
  int64_t modelOps = 0;
  for (Operation &op : entry.getBody().front())
    if (!isa<nnd::ConstantOp, func::ReturnOp>(op))
      ++modelOps;
  auto func = driver.lower(entry, slots, tile, topLevel, rep);
  if (failed(func) && driver.planBroken) {
    // Not the program the plan was made for (a plan from another module, or
    // a kernel that decided differently): refresh on demand, and say so.
    driver.planBroken = driver.usePlan = false;
    placementWhy = "on demand (the placement's program differed from the "
                   "final lowering: was the module changed after "
                   "aegis-nn-place-bootstraps?)";
    rep = Report();
    func = driver.lower(entry, slots, tile, topLevel, rep);
  }
  if (failed(func))
    return signalPassFailure();
  int64_t irOps = 0, irPlaintexts = 0;
  func->walk([&](Operation *op) {
    if (isa<ck::EncodeOp>(op))
      ++irPlaintexts;
    else if (isa<ck::CKKSDialect>(op->getDialect()))
      ++irOps;
  });
  // Replace the nn function.
  StringRef name = entry.getName();
  std::string keep = name.str();
  entry.erase();
  func->setName(keep);
  // What only the nn program's passes read.
  module->removeAttr(ck::CKKSDialect::kBootstrapPlanAttrName);
  module->removeAttr(ck::CKKSDialect::kApproximationAttrName);
  module->removeAttr(ck::CKKSDialect::kChoicesAttrName);
  // Bootstrapping holds for messages up to 8: divide by 2^headroom around
  // every bootstrap so that twice the calibrated bound fits.
  unsigned headroom = 0;
  if (boot) {
    while (headroom < 30 && 2 * rep.magnitude > 8.0 * std::ldexp(1.0, int(headroom)))
      ++headroom;
    module->setAttr(ck::CKKSDialect::kBootstrapHeadroomAttrName,
                    IntegerAttr::get(IntegerType::get(module.getContext(), 32),
                                     headroom));
  }
  // Nominal-scale error: each product rescale scales by q_l / 2^bits.
  double scaleErr = 0;
  try {
    ::aegis::ckks::ParameterSpec spec;
    spec.logDegree = ln;
    spec.chainBits.assign(logQ.begin(), logQ.end());
    spec.specialBits.assign(logP.begin(), logP.end());
    spec.dnum = dnum;
    spec.allowInsecure = true;
    auto params = ::aegis::ckks::Parameters::create(spec);
    size_t appLevels = boot ? bootLevel + 1 : params.chainModuli().size();
    for (size_t i = 1; i < appLevels; ++i)
      scaleErr = std::max(scaleErr, std::fabs(double(params.chainModuli()[i]) /
                                                  std::exp2(double(unsigned(scaleBits))) - 1));
  } catch (const std::exception &e) {
    emitError(module.getLoc()) << "aegis-nn-to-ckks: " << e.what();
    return signalPassFailure();
  }
  // Peak number of live ciphertexts (program order; inputs live from the
  // start), an upper bound of the evaluator's working set at top level.
  int64_t peakLive = 0;
  {
    llvm::DenseMap<Value, Operation *> lastUse;
    func->walk([&](Operation *op) {
      for (Value v : op->getOperands())
        if (isa<ck::CiphertextType>(v.getType()))
          lastUse[v] = op;
    });
    int64_t live = 0;
    for (BlockArgument a : func->getArguments())
      live += lastUse.count(a) ? 1 : 0;
    peakLive = live;
    for (Operation &op : func->getBody().front()) {
      for (Value r : op.getResults())
        if (isa<ck::CiphertextType>(r.getType()) && lastUse.count(r))
          ++live;
      peakLive = std::max(peakLive, live);
      for (Value v : op.getOperands())
        if (isa<ck::CiphertextType>(v.getType()) && lastUse.lookup(v) == &op) {
          lastUse.erase(v);
          --live;
        }
    }
  }
  numRotations = rep.rotations;
  numRelinearizations = rep.relinearizations;
  numBootstraps = rep.bootstraps;
  numPlainProducts = rep.mulPlain;
  auto kernelKeySwitches = [&](const char *family) -> int64_t {
    auto it = rep.kernels.find(family);
    return it == rep.kernels.end() ? 0 : it->second.keySwitches();
  };
  numAttentionKeySwitches = kernelKeySwitches("attention");
  numMatmulKeySwitches = kernelKeySwitches("matmul");
  const int64_t tiles = (tokens + tile - 1) / tile;
  numTokenTiles = tiles;
  double ctBytes = 2.0 * double(logQ.size()) * double(int64_t(1) << ln) * 8;
  if (report) {
    llvm::errs() << "aegis compile report\n"
                 << "  ring N = 2^" << ln << ", " << slots
                 << (slots < (int64_t(1) << (ln - 1)) ? " (sparse) " : " ")
                 << "slots, token block " << tile << ", " << (slots / tile)
                 << " features per ciphertext"
                 << (tiles > 1 ? " (" + std::to_string(tokens) +
                                     " tokens in " + std::to_string(tiles) +
                                     " tiles)"
                               : std::string())
                 << "\n"
                 << (boot ? "  levels between bootstraps " : "  depth ")
                 << depth << ": chain " << logQ.size() << " primes (q0 " << q0
                 << " bits, " << depth << " x " << scaleBits << " bits"
                 << (boot ? ", " + std::to_string(logQ.size() - 1 - depth) +
                                     " bootstrapping levels"
                               : std::string())
                 << "), P = " << K << " x " << logP[0] << " bits, dnum "
                 << dnum << ", log2 QP = " << logQP << " ("
                 << (logQP <= ::aegis::ckks::maxLogQP(ln)
                         ? "128-bit secure"
                         : "INSECURE: toy parameters")
                 << ")\n"
                 << "  ring chosen: " << ringWhy << "\n"
                 << "  " << why << "\n"
                 << "  nominal scale 2^" << scaleBits
                 << ", per-product scale error <= "
                 << llvm::format("%.1e", scaleErr) << "\n"
                 << "  bootstraps " << rep.bootstraps
                 << (boot ? " (refresh to level " + std::to_string(bootLevel) +
                                     " of " + std::to_string(logQ.size() - 1) +
                                     ", messages divided by 2^" +
                                     std::to_string(headroom) +
                                     " around them; lower bound " +
                                     std::to_string(bootstrapLowerBound) +
                                     ": the longest path spends " +
                                     std::to_string(programDepth) +
                                     " levels, " +
                                     std::to_string(bootLevel - 1) +
                                     " per refresh; " + placementWhy +
                                     (driver.planMisses
                                          ? ", " + std::to_string(driver.planMisses) +
                                                " more on demand"
                                          : std::string()) +
                                     ")"
                               : std::string())
                 << "\n"
                 << "  key switches " << (rep.rotations + rep.relinearizations)
                 << " (" << rep.rotations << " rotations, "
                 << rep.relinearizations << " relinearizations), "
                 << rep.mulPlain << " plaintext products, " << rep.rescales
                 << " rescales\n"
                 << "  rotation keys " << rep.rotationKeys.size()
                 << " (before the key budget) + relinearization: "
                 << llvm::format("%.1f", evaluationKeyBytes(ln, logQ.size(), K,
                                                            dnum, rep) /
                                             1048576.0)
                 << " MiB of evaluation keys (each at the highest level it "
                    "is used)\n"
                 << "  ciphertexts: " << peakLive << " live at peak x "
                 << llvm::format("%.1f", ctBytes / 1048576.0)
                 << " MiB at the top level = "
                 << llvm::format("%.1f", peakLive * ctBytes / 1048576.0)
                 << " MiB (upper bound)\n";
    llvm::errs() << "  IR: " << irOps << " ckks ops and " << irPlaintexts
                 << " plaintexts for " << modelOps << " model ops ("
                 << llvm::format("%.0f", double(irOps) / std::max<int64_t>(1, modelOps))
                 << " per model op; flat: one op per ciphertext operation, "
                    "sums of plaintext products as one)\n";
    // What runs where: the client's plaintext prefix (token-id models:
    // embedding lookups, position ids) and the encrypted rest.
    if (auto client = module.lookupSymbol<func::FuncOp>("client")) {
      std::map<std::string, int> ops;
      int total = 0;
      client.walk([&](Operation *op) {
        if (!isa<nnd::ConstantOp, func::ReturnOp, func::FuncOp>(op))
          ++ops[op->getName().getStringRef().str()], ++total;
      });
      llvm::errs() << "  where: client (plaintext, before encryption) "
                   << total << " ops (";
      bool first = true;
      for (auto &[name, n] : ops) {
        llvm::errs() << (first ? "" : ", ") << name << " " << n;
        first = false;
      }
      llvm::errs() << "), server (encrypted) " << modelOps << " model ops\n";
    } else {
      llvm::errs() << "  where: server (encrypted) " << modelOps
                   << " model ops; the client only encrypts the inputs\n";
    }
    // Key switches per kernel family, largest first.
    std::vector<std::pair<std::string, KernelCounts>> kernels(
        rep.kernels.begin(), rep.kernels.end());
    std::stable_sort(kernels.begin(), kernels.end(),
                     [](const auto &x, const auto &y) {
                       return x.second.keySwitches() > y.second.keySwitches();
                     });
    llvm::errs() << "  key switches by kernel:";
    for (auto &[name, k] : kernels)
      llvm::errs() << " " << name << " " << k.keySwitches() << " ("
                   << k.ops << (k.ops == 1 ? " op" : " ops")
                   << (k.bootstraps ? ", " + std::to_string(k.bootstraps) +
                                          " bootstraps"
                                    : std::string())
                   << ")" << (&k == &kernels.back().second ? "" : ",");
    llvm::errs() << "\n";
    for (const std::string &a : rep.approximations)
      llvm::errs() << "  approx " << a << "\n";
  }
}

