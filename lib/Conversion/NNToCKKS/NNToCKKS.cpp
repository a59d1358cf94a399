//===- NNToCKKS.cpp - lowering nn programs to ckks ------------------------===//
//
// The layouts, algorithms and their costs are documented in
// docs/Lowering.md. Built with exceptions (the runtime's prime generator,
// used to bound the nominal-scale error, reports errors by throwing).
//
//===----------------------------------------------------------------------===//

#include "aegis/Conversion/NNToCKKS/Passes.h"

#include "aegis/Dialect/CKKS/IR/CKKSOps.h"
#include "aegis/Dialect/NN/IR/NNOps.h"
#include "aegis/Dialect/NN/Interpreter/Interpreter.h"
#include "aegis/Dialect/NN/Interpreter/Kernels.h"
#include "aegis/Runtime/Bootstrap/BootstrapConfig.h"
#include "aegis/Runtime/CKKS/Parameters.h"
#include "aegis/Support/Chebyshev.h"
#include "aegis/Support/RotationKeys.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/TypeSwitch.h"
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
using ::aegis::ChebyshevSeries;
using ::aegis::nn::Shape;
using ::aegis::nn::Tensor;

/// "12.3": bytes in GB to three digits, for diagnostics.
static std::string gigabytes(uint64_t bytes) {
  char text[32];
  std::snprintf(text, sizeof(text), "%.3g", double(bytes) / 1e9);
  return text;
}

namespace {

constexpr int kTopLevel = 4000; // virtual top level of the sizing pass
/// The fewest slots a sparse bootstrap packs (below it the message
/// coefficients grow and EvalMod loses precision).
constexpr int64_t kMinSparseSlots = 64;

int64_t nextPow2(int64_t x) {
  int64_t p = 1;
  while (p < x)
    p <<= 1;
  return p;
}

int ceilLog2(int64_t x) {
  int k = 0;
  while ((int64_t(1) << k) < x)
    ++k;
  return k;
}

/// An encrypted tensor: its ciphertexts and, per element (row-major), its
/// global slot (ciphertext * S + block * Tp + token).
struct Packed {
  SmallVector<Value> cts;
  Shape shape;
  std::vector<int64_t> slot;
};

/// What the lowering tells the user.
struct Report {
  std::vector<std::string> approximations;
  int64_t rotations = 0, relinearizations = 0, rescales = 0, mulPlain = 0;
  int64_t bootstraps = 0;
  /// Largest calibrated magnitude (see Lowering::magnitude).
  double magnitude = 1;
  /// Rotation offset -> the highest level it runs at (its key's level).
  std::map<int64_t, unsigned> rotationKeys;
  int64_t relinLevel = -1;
};

class Lowering {
public:
  Lowering(OpBuilder &b, Location loc, int64_t slots, int64_t tokensPadded,
           unsigned scaleBits, double margin, double approxError,
           bool materialize, Report &report)
      : b(b), loc(loc), S(slots), Tp(tokensPadded), F(slots / tokensPadded),
        bits(scaleBits), margin(margin), approxError(approxError),
        materialize(materialize), report(report) {}

  OpBuilder &b;
  Location loc;
  int64_t S, Tp, F;
  unsigned bits;
  double margin, approxError;
  /// false: plaintexts are placeholders (zeros), for counting only.
  bool materialize;
  /// What the materialized plaintexts hold so far (each slot vector twice:
  /// the constant's attribute and the cache key), against the compiler's
  /// memory limit; over it, the lowering stops before the machine runs out.
  uint64_t materializedBytes = 0;
  uint64_t materializedConstants = 0;
  uint64_t memoryLimit = ::mlir::aegis::nn::interpreterMemoryLimit();
  bool overMemoryLimit() const { return materializedBytes > memoryLimit; }
  /// With bootstrapping: the level bootstrapped ciphertexts come out at
  /// (0: no bootstrapping; the chain is sized to the program instead).
  unsigned bootLevel = 0;
  llvm::DenseMap<Value, Value> boots;
  /// Largest magnitude the calibrated ranges let a ciphertext slot reach
  /// (approximation domains and values, inverses); bounds what a bootstrap
  /// may see.
  double magnitude = 1;
  void noteMagnitude(double v) {
    if (std::isfinite(v))
      magnitude = std::max(magnitude, std::fabs(v));
  }
  Report &report;
  std::map<std::tuple<unsigned, unsigned, std::vector<double>>, Value> ptCache;
  std::string error;

  //===--- types and primitive ops ------------------------------------===//

  ck::CiphertextType ctType(unsigned level, unsigned logScale, unsigned size = 2) {
    return ck::CiphertextType::get(b.getContext(), S, level, logScale, size);
  }
  static unsigned levelOf(Value v) {
    return cast<ck::CiphertextType>(v.getType()).getLevel();
  }
  static unsigned logScaleOf(Value v) {
    return cast<ck::CiphertextType>(v.getType()).getLogScale();
  }

  /// Bootstrapping placement: a ciphertext about to lose a level is
  /// refreshed first when it is at level 1 or below (bootstrapping needs a
  /// level-1 input to keep the nominal scale); each value is refreshed at
  /// most once.
  Value ensure(Value v, unsigned levels = 1) {
    // Keep at least one level after spending `levels`; when the refreshed
    // level could not do that either, refresh lazily later instead.
    if (!bootLevel || levelOf(v) >= levels + 1 || levels + 1 > bootLevel)
      return v;
    auto it = boots.find(v);
    if (it != boots.end())
      return it->second;
    ++report.bootstraps;
    Value r = ck::BootstrapOp::create(b, loc, ctType(bootLevel, logScaleOf(v)), v);
    boots[v] = r;
    return r;
  }

  Value levelDown(Value v, unsigned level) {
    if (levelOf(v) == level)
      return v;
    assert(levelOf(v) > level);
    return ck::LevelDownOp::create(b, loc, ctType(level, logScaleOf(v)), v);
  }
  std::pair<Value, Value> align(Value x, Value y) {
    unsigned l = std::min(levelOf(x), levelOf(y));
    return {levelDown(x, l), levelDown(y, l)};
  }
  Value add(Value x, Value y) {
    if (!x)
      return y;
    auto [p, q] = align(x, y);
    return ck::AddOp::create(b, loc, p.getType(), p, q);
  }
  Value sub(Value x, Value y) {
    auto [p, q] = align(x, y);
    return ck::SubOp::create(b, loc, p.getType(), p, q);
  }
  Value rescale(Value v) {
    ++report.rescales;
    return ck::RescaleOp::create(b, 
        loc, ctType(levelOf(v) - 1, logScaleOf(v) - bits), v);
  }
  Value mul(Value x, Value y) {
    bool same = x == y;
    x = ensure(x);
    y = same ? x : ensure(y);
    auto [p, q] = align(x, y);
    auto t = cast<ck::CiphertextType>(p.getType());
    Value m = ck::MulOp::create(b, 
        loc, ctType(t.getLevel(), 2 * t.getLogScale(), 3), p, q);
    ++report.relinearizations;
    report.relinLevel = std::max<int64_t>(report.relinLevel, t.getLevel());
    Value r = ck::RelinearizeOp::create(b, 
        loc, ctType(t.getLevel(), 2 * t.getLogScale()), m);
    return rescale(r);
  }
  Value square(Value x) { return mul(x, x); }
  Value rotate(Value v, int64_t k) {
    k = ((k % S) + S) % S;
    if (k == 0)
      return v;
    ++report.rotations;
    unsigned &level = report.rotationKeys[k > S / 2 ? k - S : k];
    level = std::max(level, cast<ck::CiphertextType>(v.getType()).getLevel());
    return ck::RotateOp::create(b, loc, v.getType(), v, b.getI64IntegerAttr(k));
  }
  Value addConst(Value v, double c) {
    if (c == 0)
      return v;
    return ck::AddConstOp::create(b, loc, v.getType(), v, b.getF64FloatAttr(c));
  }
  /// v * c without rescaling (scale raised by `bits`).
  Value mulConstRaw(Value v, double c) {
    v = ensure(v);
    return ck::MulConstOp::create(b, loc, ctType(levelOf(v), logScaleOf(v) + bits),
                                    v, b.getF64FloatAttr(c));
  }
  Value mulConst(Value v, double c) { return rescale(mulConstRaw(v, c)); }
  /// v * n for a small integer n (no level).
  Value mulInt(Value v, int64_t n) {
    if (n == 1)
      return v;
    return ck::MulConstOp::create(b, loc, v.getType(), v,
                                    b.getF64FloatAttr(double(n)));
  }
  /// A plaintext of S slots at `level` and `logScale` (cached).
  Value plaintext(const std::vector<double> &values, unsigned level,
                  unsigned logScale) {
    // Over the memory limit, the rest of the op gets placeholders and the
    // lowering stops after it (LowerNNToCKKS reports the numbers).
    if (!materialize || overMemoryLimit()) {
      static const std::vector<double> none;
      auto key = std::make_tuple(level, logScale, none);
      auto it = ptCache.find(key);
      if (it != ptCache.end())
        return it->second;
      auto type = RankedTensorType::get({S}, b.getF64Type());
      auto c = nnd::ConstantOp::create(b, 
          loc, type, DenseElementsAttr::get(type, 0.0));
      c->setAttr("aegis.placeholder", b.getUnitAttr());
      Value pt = ck::EncodeOp::create(b, 
          loc, ck::PlaintextType::get(b.getContext(), S, level, logScale), c);
      return ptCache[key] = pt;
    }
    auto key = std::make_tuple(level, logScale, values);
    auto it = ptCache.find(key);
    if (it != ptCache.end())
      return it->second;
    materializedBytes += 2 * uint64_t(S) * sizeof(double);
    ++materializedConstants;
    auto type = RankedTensorType::get({S}, b.getF64Type());
    Value c = nnd::ConstantOp::create(b, 
        loc, type, DenseElementsAttr::get(type, ArrayRef<double>(values)));
    Value pt = ck::EncodeOp::create(b, 
        loc, ck::PlaintextType::get(b.getContext(), S, level, logScale), c);
    return ptCache[key] = pt;
  }
  static bool isZero(const std::vector<double> &v) {
    for (double x : v)
      if (x != 0)
        return false;
    return true;
  }
  /// v * values without rescaling.
  Value mulPlainRaw(Value v, const std::vector<double> &values) {
    v = ensure(v);
    ++report.mulPlain;
    Value pt = plaintext(values, levelOf(v), bits);
    return ck::MulPlainOp::create(b, loc, ctType(levelOf(v), logScaleOf(v) + bits),
                                    v, pt);
  }
  Value mulPlain(Value v, const std::vector<double> &values) {
    return rescale(mulPlainRaw(v, values));
  }
  Value addPlain(Value v, const std::vector<double> &values) {
    if (isZero(values))
      return v;
    Value pt = plaintext(values, levelOf(v), logScaleOf(v));
    return ck::AddPlainOp::create(b, loc, v.getType(), v, pt);
  }

  //===--- polynomials --------------------------------------------------===//

  /// Evaluates a Chebyshev series at x (baby-step giant-step recursion).
  Value chebyshev(Value x, const ChebyshevSeries &p) {
    int d = p.degree();
    // The whole evaluation on one refreshed input when it fits between
    // bootstraps: affine map, the powers, the leaf products.
    x = ensure(x, unsigned(ceilLog2(d + 1) + 2));
    // t = (2x - a - b) / (b - a): one level.
    Value t = addConst(mulConst(x, 2.0 / (p.b - p.a)), -(p.a + p.b) / (p.b - p.a));
    if (d <= 1)
      return addConst(mulConst(t, d == 1 ? p.coeffs[1] : 0.0), p.coeffs[0]);
    int m = ceilLog2(d + 1);
    int babyMax = 1 << std::max(1, m / 2);
    std::vector<Value> baby(babyMax);
    baby[1] = t;
    for (int i = 2; i < babyMax; ++i) {
      int hi = (i + 1) / 2, lo = i / 2;
      Value prod = mulInt(mul(baby[hi], baby[lo]), 2);
      baby[i] = hi == lo ? addConst(prod, -1.0) : sub(prod, baby[hi - lo]);
    }
    std::vector<Value> giant(m + 1);
    giant[0] = t;
    for (int j = 1; j <= m; ++j)
      giant[j] = addConst(mulInt(square(giant[j - 1]), 2), -1.0);
    return evalSplit(p.coeffs, babyMax, baby, giant);
  }

  Value evalSplit(const std::vector<double> &c, int babyMax,
                  const std::vector<Value> &baby, const std::vector<Value> &giant) {
    int d = int(c.size()) - 1;
    if (d < babyMax) {
      // sum c_i T_i: every term at the lowest level among them.
      unsigned level = kTopLevel * 2;
      for (int i = 1; i <= d; ++i)
        if (c[i] != 0)
          level = std::min(level, levelOf(baby[i]));
      Value acc;
      for (int i = 1; i <= d; ++i)
        if (c[i] != 0)
          acc = add(acc, mulConstRaw(levelDown(baby[i], level), c[i]));
      if (!acc)
        acc = mulConstRaw(levelDown(baby[1], levelOf(baby[1])), 0.0);
      return addConst(rescale(acc), c[0]);
    }
    int j = 0;
    while ((2 << j) <= d)
      ++j;
    std::vector<double> q, r;
    ::aegis::splitChebyshev(c, 1 << j, q, r);
    Value hq = evalSplit(q, babyMax, baby, giant);
    Value hr = evalSplit(r, babyMax, baby, giant);
    return add(mul(hq, giant[j]), hr);
  }

  /// Fits f on [lo, hi] to the target error (degree capped) and evaluates it.
  FailureOr<Value> approximate(Value x, const std::function<double(double)> &f,
                               double lo, double hi, StringRef what,
                               int maxDegree = 127,
                               double target = -1) {
    if (target < 0)
      target = approxError;
    ChebyshevSeries p = ::aegis::fitToError(f, lo, hi, target, maxDegree);
    double err = ::aegis::maxError(p, f);
    for (int i = 0; i <= 64; ++i) {
      double x = lo + (hi - lo) * i / 64.0;
      noteMagnitude(x);
      noteMagnitude(f(x));
    }
    std::string line;
    llvm::raw_string_ostream os(line);
    os << what << " on [" << lo << ", " << hi << "]: degree " << p.degree()
       << ", max error " << llvm::format("%.2e", err);
    report.approximations.push_back(os.str());
    return chebyshev(x, p);
  }

  //===--- layout helpers -------------------------------------------------===//

  int64_t ctOf(int64_t g) const { return g / S; }
  int64_t blockOf(int64_t g) const { return (g % S) / Tp; }
  int64_t tokenOf(int64_t g) const { return g % Tp; }

  /// Per ciphertext, the slot vector with `value(i)` at every element's slot.
  std::vector<std::vector<double>>
  scatter(const Packed &x, const std::function<double(int64_t)> &value) {
    std::vector<std::vector<double>> v(x.cts.size(), std::vector<double>(S, 0.0));
    for (size_t i = 0; i < x.slot.size(); ++i)
      v[ctOf(x.slot[i])][x.slot[i] % S] = value(int64_t(i));
    return v;
  }

  //===--- ops ----------------------------------------------------------===//

  /// y = x W (+ bias), W constant [K, M], x [..., K].
  FailureOr<Packed> linear(Operation *op, const Packed &x, const Tensor &w,
                           const Tensor *bias) {
    int64_t K = w.shape[0], M = w.shape[1];
    if (x.shape.empty() || x.shape.back() != K)
      return fail(op, "matmul operand shapes do not match the weights");
    int64_t rows = int64_t(x.slot.size()) / K;
    // Every row must be one token; every feature one (ciphertext, block).
    std::vector<int64_t> rowToken(rows), featCt(K), featBlock(K);
    for (int64_t r = 0; r < rows; ++r)
      for (int64_t k = 0; k < K; ++k) {
        int64_t g = x.slot[r * K + k];
        if (k == 0)
          rowToken[r] = tokenOf(g);
        if (r == 0)
          featCt[k] = ctOf(g), featBlock[k] = blockOf(g);
        if (tokenOf(g) != rowToken[r] || ctOf(g) != featCt[k] ||
            blockOf(g) != featBlock[k])
          return fail(op, "operand is not packed one token per block column "
                          "(unsupported layout for a weight matmul)");
      }
    std::set<int64_t> tokens(rowToken.begin(), rowToken.end());
    if (int64_t(tokens.size()) != rows)
      return fail(op, "two rows of the operand share a token");
    int64_t outCts = (M + F - 1) / F;
    // Non-zero block diagonals per (input ct, output ct): d = (j_in - j_out)
    // mod F for every non-zero weight.
    std::map<std::pair<int64_t, int64_t>, std::set<int64_t>> diags;
    for (int64_t k = 0; k < K; ++k)
      for (int64_t m = 0; m < M; ++m)
        if (w.data[k * M + m] != 0)
          diags[{featCt[k], m / F}].insert(
              ((featBlock[k] - m % F) % F + F) % F);
    // Inverse of the feature map: which input feature sits at (ct, block).
    std::map<std::pair<int64_t, int64_t>, int64_t> featureAt;
    for (int64_t k = 0; k < K; ++k)
      featureAt[{featCt[k], featBlock[k]}] = k;
    // Diagonal d of pair (ci, co), rotated right by `shift` slots.
    auto diagonal = [&](int64_t ci, int64_t co, int64_t d, int64_t shift) {
      std::vector<double> v(materialize ? S : 0, 0.0);
      if (!materialize)
        return v;
      for (int64_t jo = 0; jo < F && co * F + jo < M; ++jo) {
        auto it = featureAt.find({ci, (jo + d) % F});
        if (it == featureAt.end())
          continue;
        double wv = w.data[it->second * M + co * F + jo];
        if (wv == 0)
          continue;
        for (int64_t t : tokens)
          v[((jo * Tp + t + shift) % S + S) % S] = wv;
      }
      return v;
    };
    // Baby-step size: minimise babies + giants over the union of diagonals.
    std::set<int64_t> allD;
    for (auto &kv : diags)
      allD.insert(kv.second.begin(), kv.second.end());
    int64_t bestB = 1, bestCost = INT64_MAX;
    for (int64_t B = 1; B <= F; B <<= 1) {
      std::set<int64_t> babies, giants;
      for (int64_t d : allD)
        babies.insert(d % B), giants.insert(d / B);
      int64_t cost = int64_t(babies.size()) * int64_t(x.cts.size()) +
                     int64_t(giants.size()) * outCts;
      if (cost < bestCost)
        bestCost = cost, bestB = B;
    }
    int64_t B = bestB;
    // Baby rotations of every input ciphertext (shared by all outputs).
    // Inputs about to run out of levels are refreshed before they are
    // rotated (one bootstrap per input, not per rotation).
    SmallVector<Value> xin;
    for (Value c : x.cts)
      xin.push_back(ensure(c));
    std::map<std::pair<int64_t, int64_t>, Value> babyRot;
    auto baby = [&](int64_t ci, int64_t i) {
      auto key = std::make_pair(ci, i);
      auto it = babyRot.find(key);
      if (it != babyRot.end())
        return it->second;
      return babyRot[key] = rotate(xin[ci], i * Tp);
    };
    Packed y;
    y.shape = x.shape;
    y.shape.back() = M;
    for (int64_t co = 0; co < outCts; ++co) {
      // giant g -> sum_i rot(D_{gB+i}, -gB Tp) * rot(x, i Tp)
      std::map<int64_t, Value> giantSums;
      for (auto &kv : diags) {
        if (kv.first.second != co)
          continue;
        int64_t ci = kv.first.first;
        for (int64_t d : kv.second) {
          int64_t g = d / B, i = d % B;
          Value term = mulPlainRaw(baby(ci, i), diagonal(ci, co, d, g * B * Tp));
          giantSums[g] = add(giantSums[g], term);
        }
      }
      Value acc;
      for (auto &gs : giantSums)
        acc = add(acc, rotate(gs.second, gs.first * B * Tp));
      if (!acc)
        return fail(op, "the weight matrix is all zeros for some outputs");
      y.cts.push_back(rescale(acc));
    }
    y.slot.resize(rows * M);
    for (int64_t r = 0; r < rows; ++r)
      for (int64_t m = 0; m < M; ++m)
        y.slot[r * M + m] = (m / F) * S + (m % F) * Tp + rowToken[r];
    if (bias) {
      Tensor bb = ::aegis::nn::expand(*bias, y.shape);
      auto vals = scatter(y, [&](int64_t i) { return bb.data[i]; });
      for (size_t c = 0; c < y.cts.size(); ++c)
        y.cts[c] = addPlain(y.cts[c], vals[c]);
    }
    return y;
  }

  /// Element-wise with a constant (broadcast).
  Packed withConstant(const Packed &x, const Tensor &c, bool multiply,
                      bool subtractFrom = false, bool negate = false) {
    Tensor cc = ::aegis::nn::expand(c, x.shape);
    auto vals = scatter(x, [&](int64_t i) { return cc.data[i]; });
    Packed y = x;
    for (size_t k = 0; k < x.cts.size(); ++k) {
      Value v = x.cts[k];
      if (negate)
        v = ck::NegateOp::create(b, loc, v.getType(), v);
      if (multiply)
        v = mulPlain(v, vals[k]);
      else {
        if (subtractFrom) {
          for (double &e : vals[k])
            e = -e;
        }
        v = addPlain(v, vals[k]);
      }
      y.cts[k] = v;
    }
    return y;
  }

  FailureOr<Packed> binary(Operation *op, const Packed &x, const Packed &y,
                           bool subtract, bool multiply) {
    if (x.slot != y.slot || x.cts.size() != y.cts.size())
      return fail(op, "operands are packed differently (element-wise ops "
                      "need equal layouts; re-layout is not implemented)");
    Packed r = x;
    for (size_t k = 0; k < x.cts.size(); ++k)
      r.cts[k] = multiply ? mul(x.cts[k], y.cts[k])
                 : subtract ? sub(x.cts[k], y.cts[k])
                            : add(x.cts[k], y.cts[k]);
    return r;
  }

  /// Sum of every block of each ciphertext into every block (per token).
  Value sumBlocks(Value v) {
    for (int64_t s = 1; s < F; s <<= 1)
      v = add(v, rotate(v, s * Tp));
    return v;
  }

  FailureOr<Packed> layerNorm(nnd::LayerNormOp op, const Packed &x,
                              const Tensor *gamma, const Tensor *beta) {
    int64_t K = x.shape.back();
    int64_t axis = int64_t(op.getAxis());
    if (axis < 0)
      axis += int64_t(x.shape.size());
    if (axis != int64_t(x.shape.size()) - 1)
      return fail(op, "layer_norm over more than the last axis");
    auto varRange = op->getAttrOfType<DenseF64ArrayAttr>("nn.variance_range");
    if (!varRange)
      return fail(op, "has no nn.variance_range (run aegis-nn-calibrate)");
    // Valid-element masks scaled by 1/K.
    auto maskK = scatter(x, [&](int64_t) { return 1.0 / double(K); });
    Value sum1, sum2;
    for (size_t c = 0; c < x.cts.size(); ++c) {
      sum1 = add(sum1, mulPlain(x.cts[c], maskK[c]));
      sum2 = add(sum2, mulPlain(square(x.cts[c]), maskK[c]));
    }
    Value mean = sumBlocks(sum1);
    Value meanSq = sumBlocks(sum2);
    double eps = op.getEpsilon().convertToDouble();
    Value var = addConst(sub(meanSq, square(mean)), eps);
    double lo = varRange[0], hi = varRange[1];
    double vlo = std::max(lo * (1 - margin), lo * 0.25), vhi = hi * (1 + margin);
    // Slots that hold no element get a variance inside the range.
    std::vector<double> fill(S, 0.5 * (vlo + vhi));
    for (int64_t g : x.slot)
      fill[g % S] = 0;
    // Fill every block of the valid tokens too: they hold the real variance.
    std::set<int64_t> toks;
    for (int64_t g : x.slot)
      toks.insert(tokenOf(g));
    for (int64_t s = 0; s < S; ++s)
      if (toks.count(s % Tp))
        fill[s] = 0;
    var = addPlain(var, fill);
    auto f = [](double v) { return 1.0 / std::sqrt(v); };
    // Chebyshev to a coarse error, then Newton steps y <- y (3 - v y^2) / 2.
    ChebyshevSeries p = ::aegis::fitToError(f, vlo, vhi, 1e-2 / std::sqrt(vlo), 31);
    double relErr = 0;
    for (int i = 0; i <= 512; ++i) {
      double v = vlo + (vhi - vlo) * i / 512.0;
      relErr = std::max(relErr, std::fabs(p.evaluate(v) * std::sqrt(v) - 1));
    }
    int newton = 0;
    double e = relErr;
    while (e > approxError / 8 && newton < 4)
      e = 1.5 * e * e + e * e * e / 2, ++newton; // |e'| <= 3/2 e^2 + e^3/2
    noteMagnitude(vhi);
    noteMagnitude(1.5 / std::sqrt(vlo));
    if (auto in = op->getAttrOfType<DenseF64ArrayAttr>("nn.input_range")) {
      // |x - mean| <= hi - lo; the output is that over sqrt(var) times
      // gamma, plus beta.
      double g = 1, bmax = 0;
      if (gamma)
        for (double v : gamma->data)
          g = std::max(g, std::fabs(v));
      if (beta)
        for (double v : beta->data)
          bmax = std::max(bmax, std::fabs(v));
      noteMagnitude(std::max(std::fabs(in[0]), std::fabs(in[1])));
      noteMagnitude((in[1] - in[0]) / std::sqrt(vlo) * g + bmax);
    }
    Value y = chebyshev(var, p);
    for (int i = 0; i < newton; ++i) {
      Value y2v = mul(square(y), var);
      y = mul(mulConst(y, 0.5), addConst(mulInt(ck::NegateOp::create(b, loc, y2v.getType(), y2v), 1), 3.0));
    }
    {
      std::string line;
      llvm::raw_string_ostream os(line);
      os << "layer_norm 1/sqrt(var) on [" << vlo << ", " << vhi << "]: degree "
         << p.degree() << " + " << newton << " Newton steps, relative error "
         << llvm::format("%.2e", e);
      report.approximations.push_back(os.str());
    }
    Packed r = x;
    for (size_t c = 0; c < x.cts.size(); ++c) {
      Value d = sub(x.cts[c], mean);
      if (gamma) {
        Tensor g = ::aegis::nn::expand(*gamma, x.shape);
        auto gv = scatter(x, [&](int64_t i) { return g.data[i]; });
        d = mulPlain(d, gv[c]);
      }
      r.cts[c] = mul(d, y);
    }
    if (beta)
      r = withConstant(r, *beta, /*multiply=*/false);
    return r;
  }

  FailureOr<Packed> unaryPoly(Operation *op, const Packed &x) {
    auto range = op->getAttrOfType<DenseF64ArrayAttr>("nn.input_range");
    if (!range)
      return fail(op, "has no nn.input_range (run aegis-nn-calibrate)");
    double lo = range[0], hi = range[1];
    double w = std::max(hi - lo, 1e-3);
    lo -= margin * w, hi += margin * w;
    // Empty slots hold values near 0: keep 0 inside the domain.
    lo = std::min(lo, -0.05 * w), hi = std::max(hi, 0.05 * w);
    std::function<double(double)> f;
    std::string name = op->getName().getStringRef().str();
    int maxDeg = 63;
    if (auto g = dyn_cast<nnd::GeluOp>(op)) {
      bool tanhForm = g.getApproximate() == "tanh";
      f = tanhForm ? [](double v) {
            return 0.5 * v * (1 + std::tanh(0.7978845608028654 * (v + 0.044715 * v * v * v)));
          }
                   : [](double v) { return 0.5 * v * (1 + std::erf(v / std::sqrt(2.0))); };
      name += tanhForm ? " (tanh)" : " (erf)";
    } else if (isa<nnd::ReluOp>(op)) {
      f = [](double v) { return v > 0 ? v : 0.0; };
      maxDeg = 127;
    } else if (isa<nnd::TanhOp>(op)) {
      f = [](double v) { return std::tanh(v); };
    } else if (isa<nnd::ErfOp>(op)) {
      f = [](double v) { return std::erf(v); };
    } else if (isa<nnd::SigmoidOp>(op)) {
      f = [](double v) { return 1 / (1 + std::exp(-v)); };
    } else if (isa<nnd::ExpOp>(op)) {
      f = [](double v) { return std::exp(v); };
    } else {
      return fail(op, "has no polynomial approximation");
    }
    Packed r = x;
    for (size_t c = 0; c < x.cts.size(); ++c) {
      auto v = approximate(x.cts[c], f, lo, hi, name, maxDeg);
      if (failed(v))
        return failure();
      r.cts[c] = *v;
      if (c + 1 < x.cts.size())
        report.approximations.pop_back();
    }
    return r;
  }

  FailureOr<Packed> attention(nnd::AttentionOp op, const Packed &q,
                              const Packed &k, const Packed &v,
                              const Tensor *mask) {
    // q, k, v: [..., H, T, dh] with leading unit dims.
    int64_t rank = q.shape.size();
    if (rank < 2 || k.shape != q.shape || v.shape != q.shape)
      return fail(op, "needs q, k and v of one shape [..., heads, tokens, dim]");
    int64_t dh = q.shape[rank - 1], T = q.shape[rank - 2];
    int64_t H = int64_t(q.slot.size()) / (T * dh);
    if (T > Tp)
      return fail(op, "more tokens than the packing's token block");
    auto scoreRange = op->getAttrOfType<DenseF64ArrayAttr>("nn.score_range");
    auto lse = op->getAttrOfType<DenseF64ArrayAttr>("nn.logsumexp_range");
    if (!scoreRange || !lse)
      return fail(op, "has no nn.score_range / nn.logsumexp_range (run "
                      "aegis-nn-calibrate)");
    struct HeadLayout {
      int64_t ct, base;
    };
    auto headLayout = [&](const Packed &x, int64_t h, HeadLayout &out) {
      for (int64_t t = 0; t < T; ++t)
        for (int64_t d = 0; d < dh; ++d) {
          int64_t g = x.slot[(h * T + t) * dh + d];
          if (t == 0 && d == 0)
            out = {ctOf(g), blockOf(g)};
          if (tokenOf(g) != t || ctOf(g) != out.ct || blockOf(g) != out.base + d)
            return false;
        }
      return out.base + dh <= F;
    };
    // Group heads by ciphertexts and the K/V block offsets.
    std::map<std::array<int64_t, 5>, std::vector<int64_t>> groups;
    std::vector<int64_t> qBase(H);
    for (int64_t h = 0; h < H; ++h) {
      HeadLayout lq, lk, lv;
      if (!headLayout(q, h, lq) || !headLayout(k, h, lk) || !headLayout(v, h, lv))
        return fail(op, "q, k or v is not packed one head per run of blocks "
                        "(unsupported layout)");
      qBase[h] = lq.base;
      groups[{lq.ct, lk.ct, lv.ct, lk.base - lq.base, lv.base - lq.base}].push_back(h);
    }
    double scale = op.getScale().convertToDouble();
    // Q and K feed a product and the packing mask, V one product per offset:
    // refresh them once here rather than each rotation of them later.
    Packed qb = q, kb = k, vb = v;
    for (Value &c : qb.cts)
      c = ensure(c, 2);
    for (Value &c : kb.cts)
      c = ensure(c, 2);
    for (Value &c : vb.cts)
      c = ensure(c, 1);
    // Mask (additive, broadcast to [H, T, T]); <= -1e4 means removed.
    Tensor m;
    if (mask) {
      Shape ms = {H, T, T};
      Tensor mk = *mask;
      // Drop leading unit dims so it broadcasts against [H, T, T].
      while (mk.shape.size() > 3 && mk.shape.front() == 1)
        mk.shape.erase(mk.shape.begin());
      m = ::aegis::nn::expand(mk, ms);
    } else {
      m = Tensor(Shape{H, T, T});
    }
    auto maskAt = [&](int64_t h, int64_t t, int64_t t2) {
      return m.data[(h * T + t) * T + t2];
    };
    // Each softmax row (head h, query t) is shifted by its own calibrated
    // centre c(h, t) of log(sum(exp)) (a plaintext added with the mask, no
    // level): its denominator exp(lse - c) stays near 1 whatever the row's
    // scale, so one inverse approximation serves every row (rows with one
    // key, as the first of a causal mask, included). Without per-row ranges
    // the shift is the global score maximum.
    auto rowLse = op->getAttrOfType<DenseF64ArrayAttr>("nn.row_logsumexp_ranges");
    auto rowScore = op->getAttrOfType<DenseF64ArrayAttr>("nn.row_score_ranges");
    bool perRow = rowLse && rowScore && int64_t(rowLse.size()) == 2 * H * T &&
                  int64_t(rowScore.size()) == 2 * H * T;
    std::vector<double> shift(H * T, scoreRange[1]);
    double xlo = scoreRange[0] - scoreRange[1], xhi = 0;
    double dlo = lse[0] - scoreRange[1], dhi = lse[1] - scoreRange[1];
    if (perRow) {
      xlo = INFINITY, xhi = -INFINITY, dlo = INFINITY, dhi = -INFINITY;
      for (int64_t row = 0; row < H * T; ++row) {
        double lo = rowLse[2 * row], hi = rowLse[2 * row + 1];
        if (!(lo <= hi))
          continue; // every entry of the row is masked
        shift[row] = 0.5 * (lo + hi);
        dlo = std::min(dlo, lo - shift[row]);
        dhi = std::max(dhi, hi - shift[row]);
        xlo = std::min(xlo, rowScore[2 * row] - shift[row]);
        xhi = std::max(xhi, rowScore[2 * row + 1] - shift[row]);
      }
    }
    // Widen: the exponent by the margin of the score spread (at least 1),
    // the denominators by the same amount in the log domain.
    double widen = std::max(1.0, margin * (scoreRange[1] - scoreRange[0]));
    double slo = std::min(xlo - widen, -1e-3), shi = std::max(xhi + widen, 1e-3);
    auto fexp = [](double x) { return std::exp(x); };
    ChebyshevSeries pexp = ::aegis::fitToError(fexp, slo, shi, approxError / (4 * T), 63);
    double p0 = pexp.evaluate(0.0);
    double rlo = std::exp(dlo - widen);
    double rhi = std::min(double(T) * std::exp(shi), std::exp(dhi + widen));
    noteMagnitude(slo);
    noteMagnitude(std::exp(shi));
    noteMagnitude(rhi);
    noteMagnitude(1.0 / rlo);
    auto finv = [](double x) { return 1.0 / x; };
    ChebyshevSeries pinv = ::aegis::fitToError(finv, rlo, rhi, 0.2 / rlo, 31);
    double relInv = 0;
    for (int i = 0; i <= 1024; ++i) {
      double x = rlo + (rhi - rlo) * i / 1024.0;
      relInv = std::max(relInv, std::fabs(pinv.evaluate(x) * x - 1));
    }
    // Newton's y <- y (2 - x y) squares the relative error 1 - x y; it
    // converges from any start with |1 - x y0| < 1. When the Chebyshev fit
    // is not that good over a wide range, start from the constant
    // 2 / (a + b) (|1 - x y0| <= 1 - 2a / (a + b)) and iterate longer.
    int maxNewton = 6;
    if (!(relInv < 0.9)) {
      pinv.coeffs.assign(1, 2.0 / (rlo + rhi));
      relInv = 1 - 2 * rlo / (rlo + rhi);
      maxNewton = 40;
    }
    int newton = 0;
    double e = relInv;
    while (e > approxError / 8 && newton < maxNewton)
      e = e * e, ++newton;
    if (e > approxError)
      return fail(op, "softmax denominators span [" + std::to_string(rlo) + ", " +
                          std::to_string(rhi) +
                          "], too wide for the inverse approximation");
    {
      std::string line;
      llvm::raw_string_ostream os(line);
      os << "attention exp(s - c) (c: " << (perRow ? "per-row" : "global")
         << " shift) on ["
         << llvm::format("%.3f", slo) << ", " << llvm::format("%.3f", shi)
         << "]: degree " << pexp.degree() << ", max error "
         << llvm::format("%.2e", ::aegis::maxError(pexp, fexp))
         << "; 1/sum on [" << llvm::format("%.3g", rlo) << ", "
         << llvm::format("%.3g", rhi) << "]: degree " << pinv.degree() << " + "
         << newton << " Newton steps, relative error " << llvm::format("%.2e", e);
      report.approximations.push_back(os.str());
    }
    Packed out = q;
    SmallVector<Value> outCts(q.cts.size());
    for (auto &[key, heads] : groups) {
      int64_t cq = key[0], ckt = key[1], cv = key[2];
      int64_t shiftK = key[3] * Tp, shiftV = key[4] * Tp;
      // Offsets r = t2 - t with at least one kept entry.
      std::vector<int64_t> offsets;
      for (int64_t r = -(T - 1); r <= T - 1; ++r) {
        bool any = false;
        for (int64_t h : heads)
          for (int64_t t = 0; t < T && !any; ++t)
            if (t + r >= 0 && t + r < T && maskAt(h, t, t + r) > -1e4)
              any = true;
        if (any)
          offsets.push_back(r);
      }
      int64_t R = offsets.size();
      int64_t G = (R + dh - 1) / dh;
      std::vector<Value> packedRaw(G);
      std::vector<std::vector<double>> addMask(G, std::vector<double>(S, 0.0));
      std::vector<std::vector<double>> invalid(G, std::vector<double>(S, 1.0));
      for (int64_t j = 0; j < R; ++j) {
        int64_t r = offsets[j], gi = j / dh, p = j % dh;
        Value kr = rotate(kb.cts[ckt], shiftK + r);
        Value prod = mul(qb.cts[cq], kr);
        // Sum over the head's dh blocks (valid at the head's first block).
        Value s = prod;
        if ((dh & (dh - 1)) == 0) {
          for (int64_t st = 1; st < dh; st <<= 1)
            s = add(s, rotate(s, st * Tp));
        } else {
          Value acc = prod;
          for (int64_t d = 1; d < dh; ++d)
            acc = add(acc, rotate(prod, d * Tp));
          s = acc;
        }
        // Keep the valid entries (times the scale) and move them to block
        // base + p.
        std::vector<double> keep(S, 0.0);
        for (int64_t h : heads)
          for (int64_t t = 0; t < T; ++t) {
            int64_t t2 = t + r;
            if (t2 < 0 || t2 >= T || maskAt(h, t, t2) <= -1e4)
              continue;
            keep[qBase[h] * Tp + t] = scale;
            int64_t dst = (qBase[h] + p) * Tp + t;
            addMask[gi][dst] = maskAt(h, t, t2) - shift[h * T + t];
            invalid[gi][dst] = 0.0;
          }
        Value kept = rotate(mulPlainRaw(s, keep), -p * Tp);
        packedRaw[gi] = add(packedRaw[gi], kept);
      }
      std::vector<Value> ex(G);
      Value sum;
      for (int64_t gi = 0; gi < G; ++gi) {
        Value sc = addPlain(rescale(packedRaw[gi]), addMask[gi]);
        Value ev = chebyshev(sc, pexp);
        // Empty slots evaluated p(0): remove it exactly.
        std::vector<double> sub0(S);
        for (int64_t s = 0; s < S; ++s)
          sub0[s] = -p0 * invalid[gi][s];
        ex[gi] = addPlain(ev, sub0);
        sum = add(sum, ex[gi]);
      }
      for (int64_t st = 1; st < dh; st <<= 1)
        sum = add(sum, rotate(sum, st * Tp));
      if ((dh & (dh - 1)) != 0)
        return fail(op, "head dimension must be a power of two");
      // Slots other than (head base, token) get a harmless denominator.
      std::vector<double> fill(S, 0.5 * (rlo + rhi));
      std::vector<double> baseMask(S, 0.0);
      for (int64_t h : heads)
        for (int64_t t = 0; t < T; ++t)
          fill[qBase[h] * Tp + t] = 0, baseMask[qBase[h] * Tp + t] = 1;
      sum = addPlain(sum, fill);
      Value inv = chebyshev(sum, pinv);
      for (int i = 0; i < newton; ++i) {
        Value xy = mul(sum, inv);
        inv = mul(inv, addConst(ck::NegateOp::create(b, loc, xy.getType(), xy), 2.0));
      }
      // Broadcast 1/sum over the head's blocks.
      Value invB = mulPlain(inv, baseMask);
      for (int64_t st = 1; st < dh; st <<= 1)
        invB = add(invB, rotate(invB, -st * Tp));
      // Attention weights, still packed: one product per packed ciphertext.
      std::vector<Value> weights(G);
      for (int64_t gi = 0; gi < G; ++gi)
        weights[gi] = mul(ex[gi], invB);
      Value acc;
      for (int64_t j = 0; j < R; ++j) {
        int64_t r = offsets[j], gi = j / dh, p = j % dh;
        Value a = weights[gi];
        std::vector<double> pick(S, 0.0);
        for (int64_t h : heads)
          for (int64_t t = 0; t < T; ++t)
            pick[(qBase[h] + p) * Tp + t] = 1.0;
        Value col = rotate(mulPlain(a, pick), p * Tp);
        for (int64_t st = 1; st < dh; st <<= 1)
          col = add(col, rotate(col, -st * Tp));
        Value vr = rotate(vb.cts[cv], shiftV + r);
        acc = add(acc, mul(col, vr));
      }
      outCts[cq] = add(outCts[cq], acc);
    }
    // Ciphertexts of q that hold no head of the output stay empty: drop.
    Packed result;
    result.shape = q.shape;
    std::map<int64_t, int64_t> renumber;
    for (size_t c = 0; c < outCts.size(); ++c)
      if (outCts[c]) {
        renumber[c] = result.cts.size();
        result.cts.push_back(outCts[c]);
      }
    result.slot = q.slot;
    for (int64_t &g : result.slot)
      g = renumber.at(ctOf(g)) * S + g % S;
    return result;
  }

  FailureOr<Packed> fail(Operation *op, const std::string &msg) {
    op->emitError() << "cannot lower to CKKS: " << msg;
    return failure();
  }
};

//===----------------------------------------------------------------------===//
// The pass
//===----------------------------------------------------------------------===//

struct LowerNNToCKKSPass
    : public mlir::aegis::impl::LowerNNToCKKSBase<LowerNNToCKKSPass> {
  using LowerNNToCKKSBase::LowerNNToCKKSBase;

  void runOnOperation() override;

  /// Level bootstrapped ciphertexts come out at (0: no bootstrapping).
  unsigned bootLevel = 0;
  /// Levels each nn op consumes (measured by an unbootstrapped sizing run):
  /// with bootstrapping, an op whose depth fits between two bootstraps gets
  /// its inputs refreshed once up front when they lack the levels, instead
  /// of its intermediate values being refreshed piecemeal.
  llvm::DenseMap<Operation *, unsigned> opDepth;
  bool recordDepths = false;

  /// Lowers `entry` into a new function at the top level `top`; returns it.
  FailureOr<func::FuncOp> lower(func::FuncOp entry, int64_t slots,
                                int64_t tokensPadded, unsigned top,
                                Report &report);
};

/// Constant value of an nn value (folded constants only).
FailureOr<Tensor> constantOf(Value v) {
  auto c = v.getDefiningOp<nnd::ConstantOp>();
  if (!c)
    return failure();
  return nnd::tensorFromAttr(c.getValue(), c.getLoc());
}

Shape shapeOf(Value v) {
  auto t = cast<RankedTensorType>(v.getType());
  return Shape(t.getShape().begin(), t.getShape().end());
}

/// Relabels slots as the layout op does to element indices.
FailureOr<std::vector<int64_t>> relabel(Operation *op,
                                        const std::vector<int64_t> &slot,
                                        const Shape &inShape) {
  Tensor idx(inShape);
  for (size_t i = 0; i < slot.size(); ++i)
    idx.data[i] = double(slot[i]);
  Shape outShape = shapeOf(op->getResult(0));
  Tensor out;
  if (isa<nnd::ReshapeOp>(op)) {
    out = idx;
    out.shape = outShape;
  } else if (auto t = dyn_cast<nnd::TransposeOp>(op)) {
    out = ::aegis::nn::transpose(
        idx, std::vector<int64_t>(t.getPerm().begin(), t.getPerm().end()));
  } else if (auto s = dyn_cast<nnd::SliceOp>(op)) {
    out = ::aegis::nn::slice(
        idx, std::vector<int64_t>(s.getStarts().begin(), s.getStarts().end()),
        std::vector<int64_t>(s.getAxes().begin(), s.getAxes().end()),
        std::vector<int64_t>(s.getSteps().begin(), s.getSteps().end()),
        outShape);
  } else {
    return failure();
  }
  std::vector<int64_t> r(out.data.size());
  for (size_t i = 0; i < r.size(); ++i)
    r[i] = int64_t(out.data[i]);
  return r;
}

FailureOr<func::FuncOp> LowerNNToCKKSPass::lower(func::FuncOp entry,
                                                 int64_t slots,
                                                 int64_t tokensPadded,
                                                 unsigned top, Report &report) {
  ModuleOp module = getOperation();
  OpBuilder b(module.getContext());
  b.setInsertionPointToEnd(module.getBody());
  Location loc = entry.getLoc();
  unsigned bitsNow = scaleBits;
  Lowering L(b, loc, slots, tokensPadded, bitsNow, margin, approxError,
             materialize, report);
  L.bootLevel = bootLevel;

  // Arguments: one ciphertext per F features, canonical layout.
  SmallVector<Type> argTypes;
  SmallVector<DictionaryAttr> argAttrs;
  struct ArgInfo {
    Shape shape;
    int64_t cts;
    std::vector<int64_t> slot;
  };
  std::vector<ArgInfo> args;
  for (BlockArgument a : entry.getArguments()) {
    auto type = dyn_cast<RankedTensorType>(a.getType());
    if (!type || !isa<FloatType>(type.getElementType()) || type.getRank() < 1) {
      emitError(a.getLoc()) << "cannot lower to CKKS: argument #"
                            << a.getArgNumber()
                            << " must be a float tensor (integer inputs such "
                               "as token ids run on the client: split the "
                               "model after the embeddings)";
      return failure();
    }
    Shape s(type.getShape().begin(), type.getShape().end());
    int64_t K = s.back(), n = Tensor::numElements(s), rows = n / K;
    if (rows > tokensPadded) {
      emitError(a.getLoc()) << "cannot lower to CKKS: " << rows
                            << " rows exceed the token block";
      return failure();
    }
    ArgInfo info{s, (K + L.F - 1) / L.F, {}};
    info.slot.resize(n);
    for (int64_t r = 0; r < rows; ++r)
      for (int64_t k = 0; k < K; ++k)
        info.slot[r * K + k] = (k / L.F) * slots + (k % L.F) * tokensPadded + r;
    StringRef name = "x";
    if (auto n = entry.getArgAttrOfType<StringAttr>(a.getArgNumber(), "nn.name"))
      name = n.getValue();
    for (int64_t c = 0; c < info.cts; ++c) {
      argTypes.push_back(L.ctType(top, bitsNow));
      NamedAttrList attrs;
      attrs.append("ckks.name", b.getStringAttr(name));
      attrs.append("ckks.shape", b.getDenseI64ArrayAttr(s));
      std::vector<int32_t> map(info.slot.begin(), info.slot.end());
      if (c == 0) {
        attrs.append("ckks.slot_map", b.getDenseI32ArrayAttr(map));
        if (auto range = entry.getArgAttrOfType<DenseF64ArrayAttr>(
                a.getArgNumber(), "nn.input_range"))
          attrs.append("ckks.input_range", range);
      }
      argAttrs.push_back(attrs.getDictionary(b.getContext()));
    }
    args.push_back(std::move(info));
  }
  auto func = func::FuncOp::create(b, 
      loc, "main", b.getFunctionType(argTypes, {}));
  Block *body = func.addEntryBlock();
  for (size_t i = 0; i < argAttrs.size(); ++i)
    func.setArgAttrs(i, argAttrs[i]);
  b.setInsertionPointToStart(body);

  llvm::DenseMap<Value, Packed> enc;
  {
    unsigned argIndex = 0;
    for (auto [i, info] : llvm::enumerate(args)) {
      Packed p;
      p.shape = info.shape;
      p.slot = info.slot;
      for (int64_t c = 0; c < info.cts; ++c)
        p.cts.push_back(body->getArgument(argIndex++));
      enc[entry.getArgument(i)] = std::move(p);
    }
  }
  auto cleanup = [&]() -> FailureOr<func::FuncOp> {
    func.erase();
    return failure();
  };

  std::map<std::string, int> opCounts;
  for (Operation &opRef : entry.getBody().front()) {
    Operation *op = &opRef;
    if (isa<nnd::ConstantOp>(op))
      continue;
    // Every ckks op implementing this nn op is located at "<op>#<n>": the
    // artifact's regions, aegis-run's time per layer.
    if (!isa<func::ReturnOp>(op)) {
      std::string kind = op->getName().stripDialect().str();
      std::string name = kind + "#" + std::to_string(++opCounts[kind]);
      L.loc = NameLoc::get(b.getStringAttr(name), op->getLoc());
    }
    // Calibrated ranges feed polynomial fits: a NaN or Inf in them (NaN
    // weights, or calibration inputs that overflow) is refused here, naming
    // the op, instead of failing inside the fit (issue 19).
    for (NamedAttribute attr : op->getAttrs()) {
      auto range = dyn_cast<DenseF64ArrayAttr>(attr.getValue());
      if (!range || !attr.getName().getValue().starts_with("nn.") ||
          !attr.getName().getValue().contains("range"))
        continue;
      for (double v : range.asArrayRef()) {
        if (!std::isfinite(v)) {
          op->emitError() << "cannot lower to CKKS: the calibrated "
                          << attr.getName().getValue() << " of this op holds "
                          << v << "; the model's weights or the calibration "
                          << "inputs are not finite (check them, or pass "
                          << "calibration=FILE.npy with finite samples)";
          return failure();
        }
      }
    }
    if (auto ret = dyn_cast<func::ReturnOp>(op)) {
      SmallVector<Value> results;
      SmallVector<DictionaryAttr> resAttrs;
      for (auto [i, v] : llvm::enumerate(ret.getOperands())) {
        auto it = enc.find(v);
        if (it == enc.end()) {
          ret.emitError() << "cannot lower to CKKS: result #" << i
                          << " is not computed from the encrypted inputs";
          return cleanup();
        }
        StringRef name = "y";
        if (auto n = entry.getResultAttrOfType<StringAttr>(i, "nn.name"))
          name = n.getValue();
        for (auto [c, ct] : llvm::enumerate(it->second.cts)) {
          results.push_back(ct);
          NamedAttrList attrs;
          attrs.append("ckks.name", b.getStringAttr(name));
          attrs.append("ckks.shape", b.getDenseI64ArrayAttr(it->second.shape));
          std::vector<int32_t> map(it->second.slot.begin(), it->second.slot.end());
          if (c == 0)
            attrs.append("ckks.slot_map", b.getDenseI32ArrayAttr(map));
          resAttrs.push_back(attrs.getDictionary(b.getContext()));
        }
      }
      func::ReturnOp::create(b, loc, results);
      SmallVector<Type> resTypes;
      for (Value r : results)
        resTypes.push_back(r.getType());
      func.setType(b.getFunctionType(argTypes, resTypes));
      for (size_t i = 0; i < resAttrs.size(); ++i)
        func.setResultAttrs(i, resAttrs[i]);
      break;
    }
    // Ops whose operands are all constants were folded by the importer;
    // anything left must take an encrypted operand.
    // Levels of the op's encrypted operands (for depth recording) and, with
    // bootstrapping, the up-front refresh of operands short of the op's depth.
    unsigned inLevel = ~0u;
    for (Value v : op->getOperands())
      if (auto it = enc.find(v); it != enc.end())
        for (Value c : it->second.cts)
          inLevel = std::min(inLevel, Lowering::levelOf(c));
    if (bootLevel && opDepth.count(op)) {
      unsigned need = opDepth.lookup(op);
      if (need >= 1 && need + 1 <= bootLevel && inLevel < need + 1) {
        for (Value v : op->getOperands())
          if (auto it = enc.find(v); it != enc.end()) {
            Packed refreshed = it->second;
            for (Value &c : refreshed.cts)
              c = L.ensure(c, need);
            it->second = std::move(refreshed);
          }
        inLevel = bootLevel;
      }
    }
    auto encOperand = [&](unsigned i) -> const Packed * {
      auto it = enc.find(op->getOperand(i));
      return it == enc.end() ? nullptr : &it->second;
    };
    FailureOr<Packed> result = failure();
    bool handled = true;
    if (auto split = dyn_cast<nnd::SplitOp>(op)) {
      const Packed *x = encOperand(0);
      if (x) {
        int64_t axis = int64_t(split.getAxis());
        if (axis < 0)
          axis += int64_t(x->shape.size());
        std::vector<int64_t> sizes;
        for (Value r : split.getOutputs())
          sizes.push_back(shapeOf(r)[axis]);
        Tensor idx(x->shape);
        for (size_t i = 0; i < x->slot.size(); ++i)
          idx.data[i] = double(x->slot[i]);
        auto parts = ::aegis::nn::split(idx, axis, sizes);
        for (auto [r, part] : llvm::zip(split.getOutputs(), parts)) {
          Packed p = *x;
          p.shape = part.shape;
          p.slot.assign(part.data.size(), 0);
          for (size_t i = 0; i < part.data.size(); ++i)
            p.slot[i] = int64_t(part.data[i]);
          enc[r] = std::move(p);
        }
        continue;
      }
      handled = false;
    } else if (isa<nnd::ReshapeOp, nnd::TransposeOp, nnd::SliceOp>(op)) {
      const Packed *x = encOperand(0);
      if (!x)
        handled = false;
      else {
        auto slots2 = relabel(op, x->slot, x->shape);
        Packed p = *x;
        p.slot = *slots2;
        p.shape = shapeOf(op->getResult(0));
        result = p;
      }
    } else if (auto mm = dyn_cast<nnd::MatMulOp>(op)) {
      const Packed *x = encOperand(0);
      auto w = constantOf(mm.getRhs());
      if (!x || failed(w) || w->shape.size() != 2) {
        op->emitError() << "cannot lower to CKKS: only encrypted x constant "
                           "2-D weight matmuls are supported";
        return cleanup();
      }
      // Fuse a following bias add.
      result = L.linear(op, *x, *w, nullptr);
    } else if (auto g = dyn_cast<nnd::GemmOp>(op)) {
      const Packed *x = encOperand(0);
      auto w = constantOf(g.getB());
      if (!x || failed(w) || g.getTransA() ||
          g.getAlpha().convertToDouble() != 1.0) {
        op->emitError() << "cannot lower to CKKS: gemm needs an encrypted A "
                           "(not transposed), constant B and alpha = 1";
        return cleanup();
      }
      Tensor wt = *w;
      if (g.getTransB())
        wt = ::aegis::nn::transpose(wt, {1, 0});
      FailureOr<Tensor> c = failure();
      if (g.getC()) {
        c = constantOf(g.getC());
        if (failed(c)) {
          op->emitError() << "cannot lower to CKKS: gemm bias must be constant";
          return cleanup();
        }
        for (double &e : c->data)
          e *= g.getBeta().convertToDouble();
      }
      result = L.linear(op, *x, wt, g.getC() ? &*c : nullptr);
    } else if (isa<nnd::AddOp, nnd::SubOp, nnd::MulOp>(op)) {
      const Packed *x = encOperand(0), *y = encOperand(1);
      bool isSub = isa<nnd::SubOp>(op), isMul = isa<nnd::MulOp>(op);
      Shape outShape = shapeOf(op->getResult(0));
      if (x && y) {
        if (x->shape != outShape || y->shape != outShape) {
          op->emitError() << "cannot lower to CKKS: broadcasting between two "
                             "encrypted tensors";
          return cleanup();
        }
        result = L.binary(op, *x, *y, isSub, isMul);
      } else if (x || y) {
        auto c = constantOf(op->getOperand(x ? 1 : 0));
        const Packed *e = x ? x : y;
        if (failed(c) || e->shape != outShape) {
          op->emitError() << "cannot lower to CKKS: the plaintext operand must "
                             "be a constant broadcast to the encrypted one";
          return cleanup();
        }
        if (isMul)
          result = L.withConstant(*e, *c, true);
        else if (isSub && x) // x - c
          result = L.withConstant(*e, *c, false, /*subtractFrom=*/true);
        else if (isSub) // c - y
          result = L.withConstant(*e, *c, false, false, /*negate=*/true);
        else
          result = L.withConstant(*e, *c, false);
      } else {
        handled = false;
      }
    } else if (auto ln = dyn_cast<nnd::LayerNormOp>(op)) {
      const Packed *x = encOperand(0);
      FailureOr<Tensor> gamma = failure(), beta = failure();
      if (ln.getScale())
        gamma = constantOf(ln.getScale());
      if (ln.getBias())
        beta = constantOf(ln.getBias());
      if (!x || (ln.getScale() && failed(gamma)) || (ln.getBias() && failed(beta))) {
        op->emitError() << "cannot lower to CKKS: layer_norm needs an "
                           "encrypted input and constant scale and bias";
        return cleanup();
      }
      result = L.layerNorm(ln, *x, ln.getScale() ? &*gamma : nullptr,
                           ln.getBias() ? &*beta : nullptr);
    } else if (isa<nnd::GeluOp, nnd::ReluOp, nnd::TanhOp, nnd::ErfOp,
                   nnd::SigmoidOp, nnd::ExpOp>(op)) {
      const Packed *x = encOperand(0);
      if (!x)
        handled = false;
      else
        result = L.unaryPoly(op, *x);
    } else if (auto att = dyn_cast<nnd::AttentionOp>(op)) {
      const Packed *q = encOperand(0), *k = encOperand(1), *v = encOperand(2);
      FailureOr<Tensor> mask = failure();
      if (att.getMask())
        mask = constantOf(att.getMask());
      if (!q || !k || !v || (att.getMask() && failed(mask))) {
        op->emitError() << "cannot lower to CKKS: attention needs encrypted "
                           "q, k, v and a constant mask";
        return cleanup();
      }
      result = L.attention(att, *q, *k, *v, att.getMask() ? &*mask : nullptr);
    } else {
      handled = false;
    }
    if (!handled) {
      op->emitError() << "cannot lower to CKKS: '" << op->getName()
                      << "' on encrypted data is not supported";
      return cleanup();
    }
    if (failed(result))
      return cleanup();
    if (L.overMemoryLimit()) {
      op->emitError() << "cannot lower to CKKS: the encoded constants need "
                         "more than "
                      << gigabytes(L.materializedBytes)
                      << " GB (" << L.materializedConstants
                      << " plaintexts of " << L.S << " slots so far, while lowering "
                      << op->getName() << "), more than the "
                      << gigabytes(L.memoryLimit)
                      << " GB limit (" << ::mlir::aegis::nn::kMemoryLimitEnv
                      << ", default three quarters of this machine's memory): "
                         "compile with materialize-constants=false for the "
                         "report only, or lower the sequence length "
                         "(--aegis-input-shape)";
      return cleanup();
    }
    if (recordDepths && inLevel != ~0u) {
      unsigned outLevel = inLevel;
      for (Value c : result->cts)
        outLevel = std::min(outLevel, Lowering::levelOf(c));
      opDepth[op] = std::max(opDepth.lookup(op), inLevel - outLevel);
    }
    enc[op->getResult(0)] = std::move(*result);
  }
  report.magnitude = L.magnitude;
  return func;
}

/// The lowest level of any ciphertext in `func` (a sizing run's depth is
/// kTopLevel minus it).
unsigned lowestLevel(Operation *func) {
  unsigned minLevel = kTopLevel;
  func->walk([&](Operation *op) {
    for (Value r : op->getResults())
      if (auto t = dyn_cast<ck::CiphertextType>(r.getType()))
        minLevel = std::min(minLevel, t.getLevel());
  });
  return minLevel;
}

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
  // The pass instance may run on several modules (--split-input-file).
  bootLevel = 0;
  opDepth.clear();
  if (security != "128" && security != "toy") {
    emitError(module.getLoc()) << "aegis-nn-to-ckks: security must be 128 or "
                                  "toy, got '" << security << "'";
    return signalPassFailure();
  }
  bool toy = security == "toy";
  if (scaleBits == 0)
    scaleBits = toy ? 36 : 40;
  if (scaleBits < 20 || scaleBits > 50) {
    emitError(module.getLoc()) << "aegis-nn-to-ckks: scale-bits must be in 20..50";
    return signalPassFailure();
  }
  if (devices != 1) {
    emitError(module.getLoc())
        << "aegis-nn-to-ckks: devices=" << unsigned(devices)
        << " is not supported by the compiler yet (compile for 1 device and "
           "run with aegis-run --devices=N, which splits every ciphertext by "
           "RNS limbs)";
    return signalPassFailure();
  }
  func::FuncOp entry = module.lookupSymbol<func::FuncOp>("main");
  if (!entry) {
    auto funcs = module.getOps<func::FuncOp>();
    if (std::distance(funcs.begin(), funcs.end()) == 1)
      entry = *funcs.begin();
  }
  if (!entry) {
    emitError(module.getLoc()) << "aegis-nn-to-ckks: need a function named "
                                  "'main' or exactly one function";
    return signalPassFailure();
  }
  // Token count: the rows of the inputs (the product of all but the last
  // dimension); the widest feature count decides the slots.
  int64_t tokens = 1, features = 1;
  for (Type t : entry.getArgumentTypes())
    if (auto r = dyn_cast<RankedTensorType>(t); r && r.getRank() >= 1) {
      tokens = std::max(tokens, r.getNumElements() / r.getShape().back());
      features = std::max<int64_t>(features, r.getShape().back());
    }
  entry.walk([&](Operation *op) {
    if (isa<nnd::MatMulOp, nnd::GemmOp>(op))
      if (auto r = dyn_cast<RankedTensorType>(op->getResult(0).getType()))
        features = std::max<int64_t>(features, r.getShape().back());
  });
  int64_t Tp = nextPow2(tokens);
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
  if (ln < 10 || ln > 17 || (int64_t(1) << (ln - 1)) < Tp) {
    emitError(module.getLoc()) << "aegis-nn-to-ckks: log-n " << ln
                               << " cannot hold " << Tp << " tokens";
    return signalPassFailure();
  }
  // bootstrap=auto: on at 128-bit when the depth does not fit N = 2^16 (or
  // the fixed log-n) unbootstrapped; toy chains have no bound, so off.
  if (bootstrap != "auto" && bootstrap != "true" && bootstrap != "false") {
    emitError(module.getLoc()) << "aegis-nn-to-ckks: bootstrap must be auto, "
                                  "true or false, got '"
                               << bootstrap << "'";
    return signalPassFailure();
  }
  bool boot = bootstrap == "true";
  const bool autoBoot = bootstrap == "auto" && !toy;
  // Why bootstrapping is on or off, for the report: set here when forced,
  // by the sizing below under auto.
  std::string why;
  if (boot)
    why = "bootstrapping on (bootstrap=true)";
  else if (toy)
    why = "bootstrapping off (toy parameters)";
  else if (bootstrap == "false")
    why = "bootstrapping off (bootstrap=false)";
  unsigned bootstrapLowerBound = 0, programDepth = 0;
  unsigned depth = 0, q0 = std::min(60u, unsigned(scaleBits) + 20), K = 0,
           dnum = 0;
  std::vector<int64_t> logQ, logP;
  int64_t logQP = 0;
  unsigned topLevel = 0;
  // The slots every ciphertext packs: N/2, fewer when bootstrapping.
  int64_t slots = int64_t(1) << (ln - 1);
  // Sizing: lower at a virtual top level to measure the depth, derive the
  // chain, and at 128-bit grow the ring until the chain fits the bound
  // (which changes the slots, so size again).
  for (; !boot;) {
    Report sizing;
    auto trial = lower(entry, int64_t(1) << (ln - 1), Tp, kTopLevel, sizing);
    if (failed(trial))
      return signalPassFailure();
    unsigned minLevel = lowestLevel(*trial);
    trial->erase();
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
          << "aegis-nn-to-ckks: the program needs multiplicative depth "
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
      emitError(module.getLoc()) << "aegis-nn-to-ckks: with bootstrap the "
                                    "nominal scale is 2^42; leave scale-bits "
                                    "unset"
                                 << (why.empty() ? "" : " (" + why + ")");
      return signalPassFailure();
    }
    scaleBits = 42;
    unsigned U = bootstrapLevels ? unsigned(bootstrapLevels) : (toy ? 12u : 9u);
    if (!toy && logN == 0) {
      if (ln < 16)
        ringWhy = "2^16, the ring of the 128-bit bootstrapping chain";
      ln = std::max(ln, 16u);
    }
    if (U < 3) {
      emitError(module.getLoc()) << "aegis-nn-to-ckks: bootstrap-levels must "
                                    "be at least 3";
      return signalPassFailure();
    }
    slots = int64_t(1) << (ln - 1);
    ::aegis::ckks::ParameterSpec spec =
        ::aegis::ckks::bootstrapChainSpec(ln, U, toy);
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
          << "aegis-nn-to-ckks: " << U << " levels between bootstraps at N = 2^"
          << ln << " give log2 QP = " << logQP << ", beyond the 128-bit bound "
          << ::aegis::ckks::maxLogQP(ln) << "; use fewer bootstrap-levels";
      return signalPassFailure();
    }
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
    // Per-op depths from an unbootstrapped sizing run.
    Report sizing;
    recordDepths = true;
    auto trial = lower(entry, slots, Tp, kTopLevel, sizing);
    recordDepths = false;
    if (failed(trial))
      return signalPassFailure();
    // A lower bound on the bootstraps: the longest path spends
    // `programDepth` levels, a fresh input brings U and every bootstrap
    // restores at most U.
    unsigned minLevel = lowestLevel(*trial);
    trial->erase();
    programDepth = kTopLevel - minLevel;
    bootstrapLowerBound =
        programDepth > U ? (programDepth + U - 1) / U - 1 : 0;
    bootLevel = U;
    topLevel = U;
    depth = U;
  }
  Report rep;
  if (!boot) {
    topLevel = depth;
    slots = int64_t(1) << (ln - 1);
  }
  auto func = lower(entry, slots, Tp, topLevel, rep);
  if (failed(func))
    return signalPassFailure();
  // Replace the nn function.
  StringRef name = entry.getName();
  std::string keep = name.str();
  entry.erase();
  func->setName(keep);
  module->setAttr(ck::CKKSDialect::kParamsAttrName,
                  ck::ParamsAttr::get(module.getContext(), ln, logQ, logP, dnum));
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
  module->setAttr("ckks.nominal_scale",
                  IntegerAttr::get(IntegerType::get(module.getContext(), 32),
                                   scaleBits));
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
  double ctBytes = 2.0 * double(logQ.size()) * double(int64_t(1) << ln) * 8;
  if (report) {
    llvm::errs() << "aegis compile report\n"
                 << "  ring N = 2^" << ln << ", " << slots
                 << (slots < (int64_t(1) << (ln - 1)) ? " (sparse) " : " ")
                 << "slots, token block " << Tp << ", " << (slots / Tp)
                 << " features per ciphertext\n"
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
                                     " levels, " + std::to_string(bootLevel) +
                                     " per refresh)"
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
    for (const std::string &a : rep.approximations)
      llvm::errs() << "  approx " << a << "\n";
  }
}

} // namespace
