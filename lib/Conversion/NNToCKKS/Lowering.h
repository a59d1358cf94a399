//===- Lowering.h - the nn -> ckks kernel library ----------------*- C++ -*-===//
//
// The kernels that turn one nn op on packed tensors into ciphertext
// operations, and the primitives they share: levels and scales (every
// ciphertext keeps the nominal scale; products are relinearized and
// rescaled at once; operands of additions are brought to the lower level),
// bootstrap placement inside an op (`ensure`), plaintext caching and
// Chebyshev evaluation. Each kernel family lives in a file of its own
// (Linear.cpp, Elementwise.cpp, LayerNorm.cpp, Attention.cpp); the driver
// (NNToCKKS.cpp) walks the nn function, picks the kernel and chooses the
// parameters. Kernels emit through a CtSink (CtSink.h), so the same code
// builds flat ckks IR or only measures levels.
//
// The layouts, algorithms and their costs are documented in
// docs/Lowering.md.
//
//===----------------------------------------------------------------------===//

#ifndef AEGIS_LIB_CONVERSION_NNTOCKKS_LOWERING_H
#define AEGIS_LIB_CONVERSION_NNTOCKKS_LOWERING_H

#include "BootstrapPlacement.h"
#include "CtSink.h"

#include "aegis/Dialect/NN/Interpreter/Interpreter.h"
#include "aegis/Dialect/NN/Interpreter/Kernels.h"
#include "aegis/Support/Chebyshev.h"

#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/SmallVector.h"

#include <cassert>
#include <cmath>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

namespace mlir::aegis::lowering {

using ::aegis::ChebyshevSeries;
using ::aegis::nn::Shape;
using ::aegis::nn::Tensor;

/// Virtual top level of the sizing runs.
constexpr int kTopLevel = 4000;
/// The fewest slots a sparse bootstrap packs (below it the message
/// coefficients grow and EvalMod loses precision).
constexpr int64_t kMinSparseSlots = 64;

inline int64_t nextPow2(int64_t x) {
  int64_t p = 1;
  while (p < x)
    p <<= 1;
  return p;
}

inline int ceilLog2(int64_t x) {
  int k = 0;
  while ((int64_t(1) << k) < x)
    ++k;
  return k;
}

/// An encrypted tensor: its ciphertexts and, per element (row-major), its
/// global slot (ciphertext * S + block * Tp + token).
struct Packed {
  llvm::SmallVector<Ct> cts;
  Shape shape;
  std::vector<int64_t> slot;
};

/// One polynomial approximation: f on [lo, hi] by its Chebyshev fit of
/// `degree` (0: the constant 2 / (lo + hi), a start for Newton's 1/x), then
/// `newton` Newton steps where the kernel takes them. aegis-nn-approximate
/// records it on the op (`ckks.approx`; attention: `ckks.approx_exp` and
/// `ckks.approx_inverse`) and the kernels read it back.
struct Fit {
  double lo = 0, hi = 0;
  int degree = 0, newton = 0;
  ChebyshevSeries series(const std::function<double(double)> &f) const;
};
/// The fit recorded on `op` under `name`, if any.
std::optional<Fit> readFit(Operation *op, StringRef name);
void writeFit(Operation *op, StringRef name, const Fit &fit);
constexpr const char *kApproxAttr = "ckks.approx";
constexpr const char *kApproxExpAttr = "ckks.approx_exp";
constexpr const char *kApproxInverseAttr = "ckks.approx_inverse";

/// Key switches and bootstraps of one kernel family (all its nn ops).
struct KernelCounts {
  int64_t ops = 0, rotations = 0, relinearizations = 0, bootstraps = 0;
  int64_t keySwitches() const { return rotations + relinearizations; }
};

/// What the lowering tells the user.
struct Report {
  /// Per kernel family ("matmul", "attention", "layer_norm", "gelu", ...),
  /// before the rotation-key budget rewrites rotations.
  std::map<std::string, KernelCounts> kernels;
  std::vector<std::string> approximations;
  /// Counts for the pass statistics and the per-kernel split (the compile
  /// report reads the rest from the program: aegis-ckks-report).
  int64_t rotations = 0, relinearizations = 0, mulPlain = 0;
  int64_t bootstraps = 0;
  /// Largest calibrated magnitude (see Lowering::magnitude).
  double magnitude = 1;
};

class Lowering {
public:
  Lowering(CtSink &sink, int64_t slots, int64_t tokensPadded,
           unsigned scaleBits, double margin, double approxError,
           bool materialize, Report &report)
      : sink(sink), S(slots), Tp(tokensPadded), F(slots / tokensPadded),
        bits(scaleBits), margin(margin), approxError(approxError),
        materialize(materialize && sink.wantsValues()), report(report) {}

  CtSink &sink;
  int64_t S, Tp, F;
  unsigned bits;
  double margin, approxError;
  /// false: plaintexts are placeholders (zeros), for counting only.
  bool materialize;
  /// What the materialized plaintexts hold so far (each slot vector once,
  /// in the constant's resource blob; the cache keeps hashes), against the
  /// compiler's memory limit; over it, the lowering stops before the
  /// machine runs out.
  uint64_t materializedBytes = 0;
  uint64_t materializedConstants = 0;
  uint64_t memoryLimit = ::mlir::aegis::nn::interpreterMemoryLimit();
  bool overMemoryLimit() const { return materializedBytes > memoryLimit; }
  /// With bootstrapping: the level bootstrapped ciphertexts come out at
  /// (0: no bootstrapping; the chain is sized to the program instead).
  unsigned bootLevel = 0;
  /// The levels between bootstraps the program will have (set in the
  /// sizing runs too, where bootLevel is 0): kernels whose shape depends
  /// on it read this, so that every run lowers the same program.
  unsigned refreshLevels = 0;
  llvm::DenseMap<int32_t, Ct> boots;
  /// Largest magnitude the calibrated ranges let a ciphertext slot reach
  /// (approximation domains and values, inverses); bounds what a bootstrap
  /// may see.
  double magnitude = 1;
  void noteMagnitude(double v) {
    if (std::isfinite(v))
      magnitude = std::max(magnitude, std::fabs(v));
  }
  Report &report;
  /// Plaintexts made so far, by (level, scale, hash of the values); a hit
  /// is compared value by value with what the sink holds, so equal
  /// constants are encoded once and the cache holds no second copy.
  std::map<std::tuple<unsigned, unsigned, uint64_t>, llvm::SmallVector<Pt, 1>>
      ptCache;

  //===--- whole-program bootstrap placement (BootstrapPlacement.h) ------===//

  /// Recording (the unbootstrapped sizing run): every ciphertext value
  /// becomes a node of `dag`. Replaying (the final run): the values `plan`
  /// marks are refreshed as soon as they are computed, and `ensure` only
  /// refreshes on demand what the plan missed (`planMisses`, normally 0).
  /// Both runs number values alike: every op but level changes, bootstraps
  /// and plaintext additions (which keep the level, and which the final run
  /// skips when the plaintext is zero) makes a node.
  BootstrapDag *dag = nullptr;
  const BootstrapPlan *plan = nullptr;
  int64_t planMisses = 0;
  bool planBroken = false;
  int32_t nodes = 0;
  /// Sink id -> node (recording only).
  std::vector<int32_t> nodeOfId;
  void setNode(int32_t id, int32_t node) {
    if (size_t(id) >= nodeOfId.size())
      nodeOfId.resize(size_t(id) + 1, -1);
    nodeOfId[id] = node;
  }
  /// Whether a bootstrap may refresh `r` (nominal scale, two polynomials).
  bool refreshable(const Ct &r) const { return r.logScale == bits && r.size == 2; }
  /// Numbers a new value `r` computed from `operands` (spending `spends`
  /// levels) and, when replaying, refreshes it if the plan says so.
  Ct numbered(Ct r, llvm::ArrayRef<Ct> operands, unsigned spends) {
    int32_t node = nodes++;
    if (dag) {
      llvm::SmallVector<int32_t, 4> in;
      for (const Ct &c : operands)
        if (c)
          in.push_back(nodeOfId[c.id]);
      dag->add(in, spends, refreshable(r));
      setNode(r.id, node);
    }
    if (plan && (size_t(node) >= plan->refresh.size() ||
                 (plan->refresh[node] && !refreshable(r))))
      planBroken = true; // not the program the plan was made for
    else if (plan && plan->refresh[node]) {
      ++report.bootstraps;
      Ct b = at(bootLevel, r.logScale);
      b.id = sink.emit(CtOp::Bootstrap, b, r, Ct(), Pt(), 0, 0);
      return b;
    }
    return r;
  }
  /// An input ciphertext (a value with no operands).
  void argument(const Ct &c) { numbered(c, {}, 0); }

  //===--- primitive ops --------------------------------------------------===//

  /// A new ciphertext handle from the sink.
  Ct make(CtOp kind, Ct result, Ct a, Ct b = Ct(), Pt pt = Pt(),
          int64_t offset = 0, double constant = 0) {
    result.id = sink.emit(kind, result, a, b, pt, offset, constant);
    if (kind == CtOp::Bootstrap)
      return result;
    if (kind == CtOp::LevelDown || kind == CtOp::AddPlain) {
      if (dag)
        setNode(result.id, nodeOfId[a.id]);
      return result;
    }
    Ct operands[2] = {a, b};
    return numbered(result, operands, kind == CtOp::Rescale ? 1 : 0);
  }
  /// The type of a result: a handle without an id yet.
  static Ct at(unsigned level, unsigned logScale, unsigned size = 2) {
    Ct r;
    r.level = level, r.logScale = logScale, r.size = size;
    return r;
  }

  /// Bootstrapping placement: a ciphertext about to lose a level is
  /// refreshed first when it is at level 1 or below (bootstrapping needs a
  /// level-1 input to keep the nominal scale); each value is refreshed at
  /// most once.
  Ct ensure(Ct v, unsigned levels = 1) {
    // Keep at least one level after spending `levels`; when the refreshed
    // level could not do that either, refresh lazily later instead.
    if (!bootLevel || v.level >= levels + 1 || levels + 1 > bootLevel)
      return v;
    // Replaying a plan: requests ahead of need (levels > 1) are the plan's
    // business; one at the last level is a miss, refreshed on demand.
    if (plan) {
      if (levels > 1)
        return v;
      ++planMisses;
    }
    auto it = boots.find(v.id);
    if (it != boots.end())
      return it->second;
    ++report.bootstraps;
    Ct r = make(CtOp::Bootstrap, at(bootLevel, v.logScale), v);
    boots[v.id] = r;
    return r;
  }

  /// `v`, one level below the refresh level when it is there: a value about
  /// to be rotated by many offsets whose keys (at the level they are used)
  /// would otherwise span one more key-switching digit at that level (at
  /// 128-bit, 10 limbs at level 9 against digits of 9). The placement plans
  /// for the level as spent; below the top nothing is dropped.
  Ct belowTop(Ct v) {
    if (!refreshLevels)
      return v;
    Ct r = v;
    if (dag || (bootLevel && v.level >= bootLevel)) {
      v = ensure(v);
      r = at(v.level - 1, v.logScale, v.size);
      r.id = sink.emit(CtOp::LevelDown, r, v, Ct(), Pt(), 0, 0);
    }
    Ct operands[1] = {v};
    return numbered(r, operands, 1);
  }
  Ct levelDown(Ct v, unsigned level) {
    if (v.level == level)
      return v;
    assert(v.level > level);
    return make(CtOp::LevelDown, at(level, v.logScale, v.size), v);
  }
  std::pair<Ct, Ct> align(Ct x, Ct y) {
    unsigned l = std::min(x.level, y.level);
    return {levelDown(x, l), levelDown(y, l)};
  }
  Ct add(Ct x, Ct y) {
    if (!x)
      return y;
    auto [p, q] = align(x, y);
    return make(CtOp::Add, at(p.level, p.logScale, std::max(p.size, q.size)),
                p, q);
  }
  Ct sub(Ct x, Ct y) {
    auto [p, q] = align(x, y);
    return make(CtOp::Sub, at(p.level, p.logScale, std::max(p.size, q.size)),
                p, q);
  }
  Ct negate(Ct x) { return make(CtOp::Negate, x, x); }
  Ct rescale(Ct v) {
    return make(CtOp::Rescale, at(v.level - 1, v.logScale - bits), v);
  }
  /// x * y, not yet relinearized or rescaled (3 polynomials): sums of such
  /// products take one relinearization.
  Ct mulLazy(Ct x, Ct y) {
    bool same = x == y;
    x = ensure(x);
    y = same ? x : ensure(y);
    auto [p, q] = align(x, y);
    return make(CtOp::Mul, at(p.level, 2 * p.logScale, 3), p, q);
  }
  /// Relinearizes and rescales a product (or a sum of them).
  Ct relinRescale(Ct m) {
    ++report.relinearizations;
    Ct r = make(CtOp::Relinearize, at(m.level, m.logScale), m);
    return rescale(r);
  }
  Ct mul(Ct x, Ct y) { return relinRescale(mulLazy(x, y)); }
  Ct square(Ct x) { return mul(x, x); }
  Ct rotate(Ct v, int64_t k) {
    k = ((k % S) + S) % S;
    if (k == 0)
      return v;
    ++report.rotations;
    return make(CtOp::Rotate, v, v, Ct(), Pt(), k);
  }
  Ct addConst(Ct v, double c) {
    if (c == 0)
      return v;
    return make(CtOp::AddConst, v, v, Ct(), Pt(), 0, c);
  }
  /// v * c without rescaling (scale raised by `bits`).
  Ct mulConstRaw(Ct v, double c) {
    v = ensure(v);
    return make(CtOp::MulConst, at(v.level, v.logScale + bits), v, Ct(),
                Pt(), 0, c);
  }
  Ct mulConst(Ct v, double c) { return rescale(mulConstRaw(v, c)); }
  /// v * n for a small integer n (no level).
  Ct mulInt(Ct v, int64_t n) {
    if (n == 1)
      return v;
    return make(CtOp::MulConst, v, v, Ct(), Pt(), 0, double(n));
  }
  /// A plaintext of S slots at `level` and `logScale` (cached).
  Pt plaintext(const std::vector<double> &values, unsigned level,
               unsigned logScale);
  static bool isZero(const std::vector<double> &v) {
    for (double x : v)
      if (x != 0)
        return false;
    return true;
  }
  /// v * values without rescaling.
  Ct mulPlainRaw(Ct v, const std::vector<double> &values) {
    v = ensure(v);
    ++report.mulPlain;
    Pt pt = plaintext(values, v.level, bits);
    return make(CtOp::MulPlain, at(v.level, v.logScale + bits), v, Ct(),
                pt);
  }
  Ct mulPlain(Ct v, const std::vector<double> &values) {
    return rescale(mulPlainRaw(v, values));
  }
  /// sum_i xs[i] * values[i] without rescaling: one kernel-level op (a
  /// plain product for one term). The terms are brought to their lowest
  /// level.
  Ct dotPlainRaw(llvm::ArrayRef<Ct> xs,
                 llvm::ArrayRef<std::vector<double>> values) {
    assert(!xs.empty() && xs.size() == values.size());
    if (xs.size() == 1)
      return mulPlainRaw(xs.front(), values.front());
    llvm::SmallVector<Ct> in;
    unsigned level = ~0u;
    for (Ct x : xs) {
      in.push_back(ensure(x));
      level = std::min(level, in.back().level);
    }
    llvm::SmallVector<Pt> pts;
    for (size_t i = 0; i < in.size(); ++i) {
      in[i] = levelDown(in[i], level);
      pts.push_back(plaintext(values[i], level, bits));
    }
    report.mulPlain += int64_t(xs.size());
    Ct r = at(level, in.front().logScale + bits);
    r.id = sink.dotPlain(r, in, pts);
    return numbered(r, in, 0);
  }
  Ct addPlain(Ct v, const std::vector<double> &values) {
    if (isZero(values))
      return v;
    Pt pt = plaintext(values, v.level, v.logScale);
    return make(CtOp::AddPlain, v, v, Ct(), pt);
  }

  //===--- polynomials (Lowering.cpp) ------------------------------------===//

  /// Evaluates a Chebyshev series at x (baby-step giant-step recursion).
  /// With `mapped`, x already holds t = (2x - a - b) / (b - a) (its
  /// producer folded the affine map into a plaintext product: one level
  /// less).
  Ct chebyshev(Ct x, const ChebyshevSeries &p, bool mapped = false);
  /// Several series on one interval at x, sharing the powers (e.g. p and
  /// c p for a constant c: a scaled copy without a level).
  std::vector<Ct> chebyshevMany(Ct x, llvm::ArrayRef<ChebyshevSeries> ps,
                                bool mapped = false);
  Ct evalSplit(const std::vector<double> &c, int babyMax,
               const std::vector<Ct> &baby, const std::vector<Ct> &giant);
  /// Evaluates the fit of f on x, and reports it.
  Ct approximate(Ct x, const std::function<double(double)> &f, const Fit &fit,
                 StringRef what);

  //===--- approximations (the rule aegis-nn-approximate records) ---------===//

  /// The function a unary op computes, and its name for the report.
  FailureOr<std::function<double(double)>> unaryFunction(Operation *op,
                                                         std::string &name);
  /// Domain (calibrated range widened by `margin`, 0 inside) and the
  /// lowest degree within `approxError` (ReLU capped so that it fits
  /// between two bootstraps).
  FailureOr<Fit> unaryFit(Operation *op);
  /// 1/sqrt of the variance: a degree-7 fit and one Newton step when that
  /// meets the target, else up to degree 31 and more steps.
  FailureOr<Fit> layerNormFit(nn::LayerNormOp op);
  /// exp(s - c) of the shifted scores and 1/sum of the row sums (fit or the
  /// constant start, then Newton steps).
  FailureOr<std::pair<Fit, Fit>> attentionFits(nn::AttentionOp op);
  /// Each softmax row's shift c and the ranges it leaves: of the shifted
  /// scores [xlo, xhi] and of log(sum(exp)) - c [dlo, dhi].
  struct SoftmaxShifts {
    std::vector<double> shift;
    double xlo, xhi, dlo, dhi;
    bool perRow;
  };
  SoftmaxShifts softmaxShifts(nn::AttentionOp op, int64_t H, int64_t T);

  //===--- layout helpers -------------------------------------------------===//

  int64_t ctOf(int64_t g) const { return g / S; }
  int64_t blockOf(int64_t g) const { return (g % S) / Tp; }
  int64_t tokenOf(int64_t g) const { return g % Tp; }

  /// The canonical layout of a tensor of shape `s` (the inputs' layout):
  /// row r, feature k in ciphertext (r / Tp) * ceil(K / F) + k / F, slot
  /// (k mod F) Tp + r mod Tp; `cts` is set to the ciphertext count.
  std::vector<int64_t> canonicalSlots(const Shape &s, int64_t &cts) const;
  /// Whether two elements of `x` share a slot (after a Tile or Expand).
  static bool hasSharedSlots(const Packed &x);
  /// Moves every element i of `x` with x.slot[i] >= 0 to `slots[i]` of
  /// `numCts` fresh ciphertexts: per target ciphertext and rotation, one
  /// masked dot product of the sources, rotated, summed; one level. Slots
  /// that receive no element hold zero.
  Packed relayout(const Packed &x, const std::vector<int64_t> &slots,
                  int64_t numCts);
  /// `x` in the canonical layout of its shape (relaid out if it is not).
  Packed canonical(const Packed &x);

  /// Per ciphertext, the slot vector with `value(i)` at every element's slot
  /// (empty vectors when the sink wants no values).
  std::vector<std::vector<double>>
  scatter(const Packed &x, const std::function<double(int64_t)> &value);

  //===--- kernels, one file per family -----------------------------------===//

  /// y = x W (+ bias), W constant [K, M], x [..., K] (Linear.cpp).
  FailureOr<Packed> linear(Operation *op, const Packed &x, const Tensor &w,
                           const Tensor *bias);
  /// Element-wise with a constant, broadcast (Elementwise.cpp).
  Packed withConstant(const Packed &x, const Tensor &c, bool multiply,
                      bool subtractFrom = false, bool negateFirst = false);
  /// Element-wise on two encrypted tensors; y is relaid out to x's layout
  /// when they differ (Elementwise.cpp).
  FailureOr<Packed> binary(Operation *op, const Packed &x, const Packed &y,
                           bool subtract, bool multiply);
  /// GELU, ReLU, tanh, erf, sigmoid, exp by Chebyshev (Elementwise.cpp).
  FailureOr<Packed> unaryPoly(Operation *op, const Packed &x);
  /// Sum of every block of each ciphertext into every block (per token).
  Ct sumBlocks(Ct v) {
    for (int64_t s = 1; s < F; s <<= 1)
      v = add(v, rotate(v, s * Tp));
    return v;
  }
  /// LayerNorm over the last axis (LayerNorm.cpp).
  FailureOr<Packed> layerNorm(nn::LayerNormOp op, const Packed &x,
                              const Tensor *gamma, const Tensor *beta);
  /// Softmax attention over one token block (Attention.cpp).
  FailureOr<Packed> attention(nn::AttentionOp op, const Packed &q,
                              const Packed &k, const Packed &v,
                              const Tensor *mask);

  FailureOr<Packed> fail(Operation *op, const std::string &msg) {
    op->emitError() << "cannot lower to CKKS: " << msg << " ("
                    << op->getName() << ")";
    return failure();
  }
};

} // namespace mlir::aegis::lowering

#endif // AEGIS_LIB_CONVERSION_NNTOCKKS_LOWERING_H
