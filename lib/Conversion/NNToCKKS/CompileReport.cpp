//===- CompileReport.cpp - aegis-ckks-report ------------------------------===//
//
// The compile report, from an analysis of the lowered ckks program (its
// parameters, and per kernel the ops the lowering located at "<op>#<n>")
// and the notes aegis-nn-to-ckks leaves on the module for what the program
// cannot say (why the parameters, the placement's bound, the
// approximations). Built with exceptions (the runtime's prime generator,
// which bounds the nominal-scale error, reports errors by throwing).
//
//===----------------------------------------------------------------------===//

#include "aegis/Conversion/NNToCKKS/Passes.h"

#include "Driver.h"

#include "aegis/Dialect/CKKS/IR/CKKSOps.h"
#include "aegis/Dialect/NN/IR/NNOps.h"
#include "aegis/Runtime/CKKS/Parameters.h"
#include "aegis/Support/RotationKeys.h"

#include "llvm/Support/Format.h"
#include "llvm/Support/raw_ostream.h"

#include "llvm/ADT/DenseSet.h"

#include <map>

namespace mlir::aegis {
#define GEN_PASS_DEF_COMPILEREPORT
#include "aegis/Conversion/NNToCKKS/Passes.h.inc"
} // namespace mlir::aegis

using namespace mlir;
using namespace mlir::aegis;
namespace ck = mlir::aegis::ckks;
namespace nnd = mlir::aegis::nn;
using namespace mlir::aegis::lowering;

namespace {

/// What the program itself says: counts per kernel family and in all, the
/// rotation keys each at its highest level, the live ciphertexts.
struct ProgramAnalysis {
  struct Family {
    /// The nn ops (their "<kind>#<n>" names) with key switches or bootstraps.
    llvm::DenseSet<Attribute> ops;
    int64_t rotations = 0, relinearizations = 0, conjugations = 0,
            bootstraps = 0;
    int64_t keySwitches() const {
      return rotations + relinearizations + conjugations;
    }
  };
  std::map<std::string, Family> kernels;
  int64_t rotations = 0, relinearizations = 0, conjugations = 0,
          bootstraps = 0, complexBootstraps = 0, rescales = 0,
          plainProducts = 0, ops = 0, plaintexts = 0, peakLive = 0;
  std::map<int64_t, unsigned> rotationKeys;
  int64_t relinLevel = -1;

  explicit ProgramAnalysis(func::FuncOp func) {
    // Family of each location name, looked up once per name.
    llvm::DenseMap<Attribute, Family *> familyOf;
    func.walk([&](Operation *op) {
      if (isa<ck::EncodeOp>(op)) {
        ++plaintexts;
        return;
      }
      if (!isa<ck::CKKSDialect>(op->getDialect()))
        return;
      ++ops;
      int64_t rot = 0, relin = 0, conj = 0, boot = 0;
      if (auto r = dyn_cast<ck::RotateOp>(op)) {
        auto t = cast<ck::CiphertextType>(r.getInput().getType());
        int64_t S = t.getSlots(), k = r.getOffset();
        k = ((k % S) + S) % S;
        unsigned &level = rotationKeys[k > S / 2 ? k - S : k];
        level = std::max(level, unsigned(t.getLevel()));
        rot = 1;
      } else if (auto r = dyn_cast<ck::RelinearizeOp>(op)) {
        auto t = cast<ck::CiphertextType>(r.getInput().getType());
        relinLevel = std::max<int64_t>(relinLevel, t.getLevel());
        relin = 1;
      } else if (isa<ck::ConjugateOp>(op)) {
        conj = 1;
      } else if (auto b = dyn_cast<ck::BootstrapOp>(op)) {
        boot = 1;
        complexBootstraps += b.getComplex() ? 1 : 0;
      } else if (isa<ck::RescaleOp>(op)) {
        ++rescales;
      } else if (isa<ck::MulPlainOp>(op)) {
        ++plainProducts;
      } else if (auto d = dyn_cast<ck::DotPlainOp>(op)) {
        plainProducts += int64_t(d.getInputs().size());
      }
      rotations += rot, relinearizations += relin, bootstraps += boot;
      conjugations += conj;
      if (!rot && !relin && !conj && !boot)
        return;
      // The lowering locates every op of an nn op at "<kind>#<n>".
      auto name = dyn_cast<NameLoc>(op->getLoc());
      if (!name)
        return;
      Family *&f = familyOf[name.getName()];
      if (!f) {
        std::string kind = name.getName().getValue().split('#').first.str();
        f = &kernels[kind == "gemm" ? std::string("matmul") : kind];
      }
      f->ops.insert(name.getName());
      f->rotations += rot, f->relinearizations += relin, f->bootstraps += boot;
      f->conjugations += conj;
    });
    // Peak number of live ciphertexts (program order; inputs live from the
    // start), an upper bound of the evaluator's working set at top level.
    llvm::DenseMap<Value, Operation *> lastUse;
    func.walk([&](Operation *op) {
      for (Value v : op->getOperands())
        if (isa<ck::CiphertextType>(v.getType()))
          lastUse[v] = op;
    });
    int64_t live = 0;
    for (BlockArgument a : func.getArguments())
      live += lastUse.count(a) ? 1 : 0;
    peakLive = live;
    for (Operation &op : func.getBody().front()) {
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
};

struct CompileReportPass
    : public mlir::aegis::impl::CompileReportBase<CompileReportPass> {
  using CompileReportBase::CompileReportBase;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    auto params = module->getAttrOfType<ck::ParamsAttr>(
        ck::CKKSDialect::kParamsAttrName);
    auto packing = module->getAttrOfType<DictionaryAttr>(
        ck::CKKSDialect::kPackingAttrName);
    auto scaleAttr = module->getAttrOfType<IntegerAttr>(
        ck::CKKSDialect::kNominalScaleAttrName);
    func::FuncOp func = findEntryFunction(module);
    if (!params || !packing || !scaleAttr || !func ||
        llvm::none_of(func.getArgumentTypes(), [](Type t) {
          return isa<ck::CiphertextType>(t);
        })) {
      emitError(module.getLoc())
          << "aegis-ckks-report: no lowered ckks program (ckks.params, "
             "ckks.packing and a function over ciphertexts): run "
             "aegis-nn-to-ckks first";
      return signalPassFailure();
    }
    auto notes = module->getAttrOfType<DictionaryAttr>(
        ck::CKKSDialect::kCompileNotesAttrName);
    auto note = [&](StringRef key) -> std::string {
      auto s = notes ? notes.getAs<StringAttr>(key) : StringAttr();
      return s ? s.getValue().str() : std::string("(not recorded)");
    };
    auto number = [&](StringRef key) -> int64_t {
      auto v = notes ? notes.getAs<IntegerAttr>(key) : IntegerAttr();
      return v ? v.getInt() : 0;
    };
    const unsigned ln = params.getLogN(), dnum = params.getDnum(),
                   scaleBits = unsigned(scaleAttr.getInt());
    std::vector<int64_t> logQ(params.getLogQ().begin(), params.getLogQ().end());
    std::vector<int64_t> logP(params.getLogP().begin(), params.getLogP().end());
    const unsigned K = unsigned(logP.size());
    const int64_t q0 = logQ.front();
    int64_t logQP = 0;
    for (int64_t v : logQ)
      logQP += v;
    for (int64_t v : logP)
      logQP += v;
    const int64_t slots = cast<IntegerAttr>(packing.get("slots")).getInt(),
                  tile = cast<IntegerAttr>(packing.get("token_tile")).getInt();
    unsigned bootLevel = 0, headroom = 0;
    if (auto u = module->getAttrOfType<IntegerAttr>(
            ck::CKKSDialect::kBootstrapLevelsAttrName))
      bootLevel = unsigned(u.getInt());
    if (auto h = module->getAttrOfType<IntegerAttr>(
            ck::CKKSDialect::kBootstrapHeadroomAttrName))
      headroom = unsigned(h.getInt());
    const bool boot = bootLevel != 0;
    const unsigned depth = boot ? bootLevel : unsigned(logQ.size()) - 1;
    const int64_t tokens = std::max<int64_t>(1, number("tokens")),
                  tiles = (tokens + tile - 1) / tile,
                  modelOps = number("model_ops");

    // Nominal-scale error: each product rescale scales by q_l / 2^bits.
    double scaleErr = 0;
    try {
      ::aegis::ckks::ParameterSpec spec;
      spec.logDegree = ln;
      spec.chainBits.assign(logQ.begin(), logQ.end());
      spec.specialBits.assign(logP.begin(), logP.end());
      spec.dnum = dnum;
      spec.allowInsecure = true;
      auto p = ::aegis::ckks::Parameters::create(spec);
      size_t appLevels = boot ? bootLevel + 1 : p.chainModuli().size();
      for (size_t i = 1; i < appLevels; ++i)
        scaleErr = std::max(
            scaleErr, std::fabs(double(p.chainModuli()[i]) /
                                    std::exp2(double(scaleBits)) -
                                1));
    } catch (const std::exception &e) {
      emitError(module.getLoc()) << "aegis-ckks-report: " << e.what();
      return signalPassFailure();
    }

    ProgramAnalysis a(func);
    // Bytes of the program's evaluation keys, each at the highest level it
    // is used (the runtime generates them so).
    double keyBytes = 0;
    for (auto [k, level] : a.rotationKeys)
      keyBytes += ::aegis::keySwitchKeyBytes(ln, logQ.size(), K, dnum, level);
    if (a.relinLevel >= 0)
      keyBytes += ::aegis::keySwitchKeyBytes(ln, logQ.size(), K, dnum,
                                             size_t(a.relinLevel));
    double ctBytes = 2.0 * double(logQ.size()) * double(int64_t(1) << ln) * 8;
    int64_t misses = number("plan_misses");

    llvm::raw_ostream &os = llvm::errs();
    os << "aegis compile report\n"
       << "  ring N = 2^" << ln << ", " << slots
       << (slots < (int64_t(1) << (ln - 1)) ? " (sparse) " : " ")
       << "slots, token block " << tile << ", " << (slots / tile)
       << " features per ciphertext"
       << (tiles > 1 ? " (" + std::to_string(tokens) + " tokens in " +
                           std::to_string(tiles) + " tiles)"
                     : std::string())
       << "\n"
       << (boot ? "  levels between bootstraps " : "  depth ") << depth
       << ": chain " << logQ.size() << " primes (q0 " << q0 << " bits, "
       << depth << " x " << scaleBits << " bits"
       << (boot ? ", " + std::to_string(logQ.size() - 1 - depth) +
                      " bootstrapping levels"
                : std::string())
       << "), P = " << K << " x " << logP[0] << " bits, dnum " << dnum
       << ", log2 QP = " << logQP << " ("
       << (logQP <= ::aegis::ckks::maxLogQP(ln) ? "128-bit secure"
                                                : "INSECURE: toy parameters")
       << ")\n"
       << "  ring chosen: " << note("ring") << "\n"
       << "  " << note("bootstrapping") << "\n"
       << "  nominal scale 2^" << scaleBits << ", per-product scale error <= "
       << llvm::format("%.1e", scaleErr) << "\n"
       << "  bootstraps " << a.bootstraps;
    std::string packed =
        a.complexBootstraps
            ? std::to_string(a.complexBootstraps) +
                  " of them complex, each refreshing two ciphertexts: " +
                  std::to_string(a.bootstraps + a.complexBootstraps) +
                  " refreshes"
            : std::string();
    if (boot)
      os << " (refresh to level " << bootLevel << " of " << logQ.size() - 1
         << ", messages divided by 2^" << headroom
         << " around them; lower bound " << number("lower_bound")
         << ": the longest path spends " << number("depth")
         << " levels, " << bootLevel - 1 << " per refresh; "
         << note("placement")
         << (misses ? ", " + std::to_string(misses) + " more on demand"
                    : std::string())
         << (packed.empty() ? "" : "; " + packed) << ")";
    else if (!packed.empty())
      os << " (" << packed << ")";
    os << "\n"
       << "  key switches "
       << (a.rotations + a.relinearizations + a.conjugations) << " ("
       << a.rotations << " rotations, " << a.relinearizations
       << " relinearizations"
       << (a.conjugations
               ? ", " + std::to_string(a.conjugations) + " conjugations"
               : std::string())
       << "), " << a.plainProducts << " plaintext products, "
       << a.rescales << " rescales\n"
       << "  rotation keys " << a.rotationKeys.size()
       << " (before the key budget) + relinearization: "
       << llvm::format("%.1f", keyBytes / 1048576.0)
       << " MiB of evaluation keys (each at the highest level it is used)\n"
       << "  ciphertexts: " << a.peakLive << " live at peak x "
       << llvm::format("%.1f", ctBytes / 1048576.0)
       << " MiB at the top level = "
       << llvm::format("%.1f", a.peakLive * ctBytes / 1048576.0)
       << " MiB (upper bound)\n"
       << "  IR: " << a.ops << " ckks ops and " << a.plaintexts
       << " plaintexts for " << modelOps << " model ops ("
       << llvm::format("%.0f", double(a.ops) / std::max<int64_t>(1, modelOps))
       << " per model op; flat: one op per ciphertext operation, sums of "
          "plaintext products as one)\n";
    // What runs where: the client's plaintext prefix (token-id models:
    // embedding lookups, position ids) and the encrypted rest.
    if (auto client = module.lookupSymbol<func::FuncOp>("client")) {
      std::map<std::string, int> ops;
      int total = 0;
      client.walk([&](Operation *op) {
        if (!isa<nnd::ConstantOp, func::ReturnOp, func::FuncOp>(op))
          ++ops[op->getName().getStringRef().str()], ++total;
      });
      os << "  where: client (plaintext, before encryption) " << total
         << " ops (";
      bool first = true;
      for (auto &[name, n] : ops) {
        os << (first ? "" : ", ") << name << " " << n;
        first = false;
      }
      os << "), server (encrypted) " << modelOps << " model ops\n";
    } else {
      os << "  where: server (encrypted) " << modelOps
         << " model ops; the client only encrypts the inputs\n";
    }
    // Key switches per kernel family, largest first.
    std::vector<std::pair<std::string, ProgramAnalysis::Family>> kernels(
        a.kernels.begin(), a.kernels.end());
    std::stable_sort(kernels.begin(), kernels.end(),
                     [](const auto &x, const auto &y) {
                       return x.second.keySwitches() > y.second.keySwitches();
                     });
    os << "  key switches by kernel:";
    for (auto &[name, k] : kernels) {
      size_t n = k.ops.size();
      os << " " << name << " " << k.keySwitches() << " (" << n
         << (n == 1 ? " op" : " ops")
         << (k.bootstraps ? ", " + std::to_string(k.bootstraps) + " bootstraps"
                          : std::string())
         << ")" << (&k == &kernels.back().second ? "" : ",");
    }
    os << "\n";
    if (notes)
      if (auto approx = notes.getAs<ArrayAttr>("approximations"))
        for (Attribute line : approx)
          if (auto s = dyn_cast<StringAttr>(line))
            os << "  approx " << s.getValue() << "\n";
    numKeySwitches = a.rotations + a.relinearizations + a.conjugations;
    numBootstraps = a.bootstraps;
    // Nothing changed: the pass manager need not verify the program again
    // (seconds for the millions of ops of a long sequence).
    markAllAnalysesPreserved();
  }
};

} // namespace
