//===- SelectParameters.cpp - aegis-nn-select-parameters ------------------===//
//
// Chooses the packing (slots, token tile), the ring, the modulus chain and
// key-switching shape, and whether and how to bootstrap, from counting runs
// of the lowering (no IR is built), and records them on the module for the
// passes after it. Built with exceptions (the runtime's parameter code
// reports errors by throwing).
//
//===----------------------------------------------------------------------===//

#include "aegis/Conversion/NNToCKKS/Passes.h"

#include "Driver.h"

#include "aegis/Dialect/NN/IR/NNOps.h"
#include "aegis/Runtime/Bootstrap/BootstrapConfig.h"
#include "aegis/Runtime/CKKS/Parameters.h"

namespace mlir::aegis {
#define GEN_PASS_DEF_SELECTPARAMETERS
#include "aegis/Conversion/NNToCKKS/Passes.h.inc"
} // namespace mlir::aegis

using namespace mlir;
using namespace mlir::aegis;
namespace nnd = mlir::aegis::nn;
using namespace mlir::aegis::lowering;

namespace {

struct SelectParametersPass
    : public mlir::aegis::impl::SelectParametersBase<SelectParametersPass> {
  using SelectParametersBase::SelectParametersBase;
  void runOnOperation() override;
};

} // namespace

void SelectParametersPass::runOnOperation() {
  ModuleOp module = getOperation();
  unsigned scaleBits = this->scaleBits;
  if (bootstrapTransformLevels != 2 && bootstrapTransformLevels != 3) {
    emitError(module.getLoc())
        << "aegis-nn-select-parameters: bootstrap-transform-levels must be 2 or 3, got "
        << unsigned(bootstrapTransformLevels);
    return signalPassFailure();
  }
  if (!(margin >= 0 && margin <= 10) || !(approxError > 0 && approxError < 1)) {
    emitError(module.getLoc())
        << "aegis-nn-select-parameters: margin must be in 0..10 and "
           "approx-error in (0, 1), got "
        << double(margin) << " and " << double(approxError);
    return signalPassFailure();
  }
  if (security != "128" && security != "toy") {
    emitError(module.getLoc()) << "aegis-nn-select-parameters: security must be 128 or "
                                  "toy, got '" << security << "'";
    return signalPassFailure();
  }
  bool toy = security == "toy";
  if (scaleBits == 0)
    scaleBits = toy ? 36 : 40;
  if (scaleBits < 20 || scaleBits > 50) {
    emitError(module.getLoc()) << "aegis-nn-select-parameters: scale-bits must be in 20..50";
    return signalPassFailure();
  }
  func::FuncOp entry = findEntryFunction(module, "aegis-nn-select-parameters");
  if (!entry)
    return signalPassFailure();
  // Token count: the rows of the inputs (the product of all but the last
  // dimension); the widest feature count decides the slots.
  const int64_t tokens = inputTokens(entry);
  int64_t features = 1;
  for (Type t : entry.getArgumentTypes())
    if (auto r = dyn_cast<RankedTensorType>(t); r && r.getRank() >= 1)
      features = std::max<int64_t>(features, r.getShape().back());
  entry.walk([&](Operation *op) {
    if (isa<nnd::MatMulOp, nnd::GemmOp>(op))
      if (auto r = dyn_cast<RankedTensorType>(op->getResult(0).getType()))
        features = std::max<int64_t>(features, r.getShape().back());
  });
  int64_t Tp = nextPow2(tokens);
  if (tokenTile != 0 && (tokenTile & (tokenTile - 1)) != 0) {
    emitError(module.getLoc()) << "aegis-nn-select-parameters: token-tile must be a "
                                  "power of two, got "
                               << unsigned(tokenTile);
    return signalPassFailure();
  }
  // Tokens are tiled: a ciphertext of S slots holds a tile of Tt tokens by
  // S / Tt features. One tile holds every token unless token-tile is set
  // or a head (the widest attention's dimension) would not fit the feature
  // blocks of a ciphertext; then the tile halves until it does.
  int64_t maxHead = 1;
  entry.walk([&](nnd::AttentionOp a) {
    auto t = cast<RankedTensorType>(a.getQuery().getType());
    maxHead = std::max(maxHead, nextPow2(t.getShape().back()));
  });
  auto tileFor = [&](int64_t slots) {
    int64_t t = Tp;
    if (tokenTile)
      t = std::min<int64_t>(t, tokenTile);
    else
      while (t > 1 && slots / t < maxHead)
        t /= 2;
    return std::min(t, slots);
  };
  unsigned ln = logN;
  // Why the ring is what it is, for the report.
  std::string ringWhy = "log-n fixed";
  if (ln == 0) {
    // Smallest ring whose slots hold every feature of a tensor in one
    // ciphertext, at least 2^10; at 128-bit, the depth decides too (below).
    ln = 10;
    while ((int64_t(1) << (ln - 1)) < Tp * nextPow2(features) && ln < 16)
      ++ln;
    ringWhy = "the smallest (at least 2^10) whose slots hold " +
              std::to_string(Tp) + " token slots x " +
              std::to_string(nextPow2(features)) + " features" +
              (ln == 16 && (int64_t(1) << 15) < Tp * nextPow2(features)
                   ? " (capped at 2^16: wider tensors take several "
                     "ciphertexts)"
                   : "");
  }
  if (ln < 10 || ln > 17) {
    emitError(module.getLoc()) << "aegis-nn-select-parameters: log-n " << ln
                               << " is outside 10..17";
    return signalPassFailure();
  }
  // bootstrap=auto: on at 128-bit when the depth does not fit N = 2^16 (or
  // the fixed log-n) unbootstrapped; toy chains have no bound, so off.
  if (bootstrap != "auto" && bootstrap != "true" && bootstrap != "false") {
    emitError(module.getLoc()) << "aegis-nn-select-parameters: bootstrap must be auto, "
                                  "true or false, got '"
                               << bootstrap << "'";
    return signalPassFailure();
  }
  bool boot = bootstrap == "true";
  const bool autoBoot = bootstrap == "auto" && !toy;
  // Why bootstrapping is on or off, for the report: set here when forced,
  // by the sizing below under auto.
  std::string why;
  Decisions d;
  if (boot)
    why = "bootstrapping on (bootstrap=true)";
  else if (toy)
    why = "bootstrapping off (toy parameters)";
  else if (bootstrap == "false")
    why = "bootstrapping off (bootstrap=false)";
  unsigned depth = 0, q0 = std::min(60u, unsigned(scaleBits) + 20), K = 0,
           dnum = 0;
  std::vector<int64_t> logQ, logP;
  int64_t logQP = 0;
  // The slots every ciphertext packs: N/2, fewer when bootstrapping.
  int64_t slots = int64_t(1) << (ln - 1);
  // Sizing: lower at a virtual top level to measure the depth, derive the
  // chain, and at 128-bit grow the ring until the chain fits the bound
  // (which changes the slots, so size again).
  for (; !boot;) {
    Report sizing;
    unsigned minLevel = kTopLevel;
    Driver driver(module, scaleBits, margin, approxError, false);
    if (failed(driver.lower(entry, int64_t(1) << (ln - 1),
                     tileFor(int64_t(1) << (ln - 1)), kTopLevel, sizing,
                     &minLevel)))
      return signalPassFailure();
    depth = kTopLevel - minLevel;
    // Chain: q_0 (scale + 20 bits of headroom, at most 60) and `depth`
    // primes of the scale's size.
    logQ.assign(1, q0);
    for (unsigned i = 0; i < depth; ++i)
      logQ.push_back(scaleBits);
    // Key switching: at 128-bit, three 60-bit special primes (P eats into
    // the security budget) and as many digits as that allows; for toy
    // parameters three digits and enough special primes to cover one
    // (smaller keys and cheaper key switches; no bound applies).
    unsigned perDigit;
    if (toy) {
      perDigit = (unsigned(logQ.size()) + 2) / 3;
      K = (q0 + (perDigit - 1) * unsigned(scaleBits) + 59) / 60;
    } else {
      K = 3;
      perDigit = std::max(1u, (60 * K) / unsigned(scaleBits));
      // q_0 may be in the first digit: keep that digit within P.
      while (perDigit > 1 && q0 + (perDigit - 1) * scaleBits > 60 * K)
        --perDigit;
    }
    dnum = (logQ.size() + perDigit - 1) / perDigit;
    logP.assign(K, 60);
    logQP = 60 * int64_t(K);
    for (int64_t v : logQ)
      logQP += v;
    if (toy || logQP <= ::aegis::ckks::maxLogQP(ln)) {
      if (autoBoot)
        why = "bootstrapping off (auto): depth " + std::to_string(depth) +
              " fits the 128-bit bound at N = 2^" + std::to_string(ln);
      break;
    }
    // Automatic bootstrapping: rather than a ring beyond 2^16, refresh.
    if (autoBoot && (ln >= 16 || logN != 0)) {
      why = "bootstrapping on (auto): depth " + std::to_string(depth) +
            " needs log2 QP = " + std::to_string(logQP) +
            ", beyond the 128-bit bound " +
            std::to_string(::aegis::ckks::maxLogQP(ln)) + " of N = 2^" +
            std::to_string(ln) + "; bootstrap=false grows the ring instead";
      boot = true;
      ringWhy = logN != 0 ? "log-n fixed"
                          : "2^16, the ring of the 128-bit bootstrapping "
                            "chain (no ring up to 2^16 holds the depth)";
      break;
    }
    if (ln == 17 || logN != 0) {
      emitError(module.getLoc())
          << "aegis-nn-select-parameters: the program needs multiplicative depth "
          << depth << " (log2 QP = " << logQP
          << "), beyond the 128-bit bound of N = 2^" << ln << " ("
          << ::aegis::ckks::maxLogQP(ln)
          << (logN != 0 ? "; log-n is fixed"
                        : "; the largest ring supported is 2^17")
          << "); compile with bootstrap=true to refresh ciphertexts instead";
      return signalPassFailure();
    }
    ++ln;
    ringWhy = "grown to meet the 128-bit bound for depth " +
              std::to_string(depth);
  }
  if (boot) {
    // The bootstrapping chain: nominal scale 2^42, `U` application levels
    // between bootstraps, the transforms' levels above them.
    if (scaleBits != (toy ? 36u : 40u) && scaleBits != 42u) {
      emitError(module.getLoc()) << "aegis-nn-select-parameters: with bootstrap the "
                                    "nominal scale is 2^42; leave scale-bits "
                                    "unset"
                                 << (why.empty() ? "" : " (" + why + ")");
      return signalPassFailure();
    }
    scaleBits = 42;
    if (!toy && logN == 0) {
      if (ln < 16)
        ringWhy = "2^16, the ring of the 128-bit bootstrapping chain";
      ln = std::max(ln, 16u);
    }
    slots = int64_t(1) << (ln - 1);
    // Sparse-slot bootstrapping: the ring is the chain's (2^16 at
    // 128-bit), usually far more slots than the tensors need. Packing into
    // the n slots that hold the widest tensor (n-periodic ciphertexts: CKKS
    // encodes n values in the subring of X^(N/2n), and rotations act modulo
    // n) makes every bootstrap sparse: one EvalMod instead of two, and
    // transforms over 2n slots instead of N.
    int64_t need = std::max<int64_t>(kMinSparseSlots, Tp * nextPow2(features));
    if (sparseSlots && need < slots) {
      slots = need;
      why += "; sparse slots: " + std::to_string(slots) + " of " +
             std::to_string(int64_t(1) << (ln - 1)) + " hold " +
             std::to_string(Tp) + " token slots x " +
             std::to_string(nextPow2(features)) +
             " features, so every bootstrap is a sparse one";
    }
    // Transforms of 2 levels each (bootstrap-transform-levels=2) leave the
    // chain 98 bits for two more application levels: fewer bootstraps, each
    // with more rotations (and keys) in its transforms.
    unsigned transformLevels = unsigned(bootstrapTransformLevels);
    auto chainQP = [&](unsigned levels) {
      ::aegis::ckks::ParameterSpec spec =
          ::aegis::ckks::bootstrapChainSpec(ln, levels, toy, transformLevels);
      int64_t bits = 0;
      for (unsigned v : spec.chainBits)
        bits += v;
      for (unsigned v : spec.specialBits)
        bits += v;
      return bits;
    };
    // Levels between bootstraps: the most the 128-bit bound allows (12 for
    // toy parameters), unless bootstrap-levels says.
    unsigned U = unsigned(bootstrapLevels);
    if (!U && toy)
      U = 12;
    if (!U) {
      // (Not monotone: the special primes cover the largest digit, whose
      // grouping moves with the chain's length.)
      U = 3;
      for (unsigned u = 4; u <= 30; ++u)
        if (chainQP(u) <= ::aegis::ckks::maxLogQP(ln))
          U = u;
      why += "; " + std::to_string(U) +
             " levels between bootstraps, the most the 128-bit bound allows "
             "with " +
             std::to_string(transformLevels) + " levels per transform";
    }
    if (U < 3) {
      emitError(module.getLoc()) << "aegis-nn-select-parameters: bootstrap-levels must "
                                    "be at least 3";
      return signalPassFailure();
    }
    ::aegis::ckks::ParameterSpec spec =
        ::aegis::ckks::bootstrapChainSpec(ln, U, toy, transformLevels);
    logQ.assign(spec.chainBits.begin(), spec.chainBits.end());
    logP.assign(spec.specialBits.begin(), spec.specialBits.end());
    dnum = spec.dnum;
    K = logP.size();
    q0 = logQ[0];
    logQP = 0;
    for (int64_t v : logQ)
      logQP += v;
    for (int64_t v : logP)
      logQP += v;
    if (!toy && logQP > ::aegis::ckks::maxLogQP(ln)) {
      emitError(module.getLoc())
          << "aegis-nn-select-parameters: " << U << " levels between bootstraps at N = 2^"
          << ln << " give log2 QP = " << logQP << ", beyond the 128-bit bound "
          << ::aegis::ckks::maxLogQP(ln) << "; use fewer bootstrap-levels";
      return signalPassFailure();
    }
    d.bootLevels = U;
    d.transformLevels = transformLevels;
    depth = U;
  }
  if (!boot)
    slots = int64_t(1) << (ln - 1);
  d.toy = toy;
  d.logN = ln;
  d.scaleBits = scaleBits;
  d.logQ = logQ;
  d.logP = logP;
  d.dnum = dnum;
  d.slots = slots;
  d.tile = tileFor(slots);
  d.margin = margin;
  d.approxError = approxError;
  d.ringWhy = ringWhy;
  d.bootWhy = why;
  d.write(module);
  numLogN = ln;
  numPrimes = logQ.size();
  numLevels = depth;
  numSlots = slots;
  numTokenTile = d.tile;
}
