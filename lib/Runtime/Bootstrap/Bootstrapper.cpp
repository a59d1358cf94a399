//===- Bootstrapper.cpp - CKKS bootstrapping ------------------------------===//

#include "aegis/Runtime/Bootstrap/Bootstrapper.h"

#include "aegis/Runtime/Bootstrap/HomomorphicDft.h"
#include "aegis/Runtime/Support/Error.h"

#include <chrono>
#include <cmath>
#include <iomanip>
#include <limits>
#include <sstream>

namespace aegis {
namespace ckks {

namespace {
constexpr double kPi = 3.14159265358979323846;

double seconds(std::chrono::steady_clock::time_point since) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - since)
      .count();
}
} // namespace

//===----------------------------------------------------------------------===//
// BootstrapPlan
//===----------------------------------------------------------------------===//

BootstrapPlan::BootstrapPlan(ContextPtr context, const BootstrapConfig &config)
    : context_(std::move(context)), config_(config) {
  const Context &ctx = *context_;
  const Parameters &params = ctx.params();
  const unsigned top = ctx.maxLevel();
  const size_t degree = ctx.degree();
  require(config_.logSlots + 1 <= ctx.logDegree(), "bootstrapping for 2^",
          config_.logSlots, " slots: N = 2^", ctx.logDegree(),
          " has at most 2^", ctx.logDegree() - 1);
  require(config_.ctsLevels >= 1 && config_.stcLevels >= 1,
          "CoeffToSlot and SlotToCoeff need at least one level each");
  slots_ = size_t(1) << config_.logSlots;
  const unsigned depth = config_.depth();
  require(depth + 1 <= top, "bootstrapping needs ", depth,
          " levels (CoeffToSlot ", config_.ctsLevels, ", EvalMod ",
          config_.evalModDepth(), ", SlotToCoeff ", config_.stcLevels,
          ") plus one usable level, but the chain has levels 0..", top,
          ": lengthen the chain or use a preset");
  if (config_.ephemeralWeight == 0) {
    require(params.secret() == SecretDistribution::SparseTernary,
            "bootstrapping without sparse-secret encapsulation needs a "
            "sparse main secret: set ephemeralWeight (e.g. 32)");
  }
  inputScale_ =
      config_.inputScale > 0 ? config_.inputScale : params.defaultScale();
  outputScale_ =
      config_.outputScale > 0 ? config_.outputScale : params.defaultScale();
  const double q0 = double(ctx.modulus(0).value);
  const double ratio = q0 / inputScale_;
  require(ratio >= 16 * config_.evalMod.messageBound, "input scale 2^",
          std::log2(inputScale_), " leaves q_0 / scale = 2^", std::log2(ratio),
          ": EvalMod needs at least 2^",
          std::log2(16 * config_.evalMod.messageBound),
          " (raise q_0 or lower the scale)");

  evalModInputLevel_ = top - config_.ctsLevels;
  evalModOutputLevel_ = evalModInputLevel_ - config_.evalModDepth();
  outputLevel_ = evalModOutputLevel_ - config_.stcLevels;
  raisedScale_ = double(ctx.modulus(evalModInputLevel_).value);
  evalModScale_ = double(ctx.modulus(evalModOutputLevel_ + 1).value);

  evalMod_ = fitEvalMod(config_.evalMod, config_.evalMod.messageBound / ratio);

  Encoder encoder(context_);
  const size_t gap = degree / (2 * slots_);
  const bool sparse = !fullPacking();
  const double k1 = double(config_.evalMod.k) + 1;

  // CoeffToSlot: x = t / (K + 1) in bit-reversed order, t = coefficient/q_0.
  std::vector<DiagonalMatrix> cts =
      coeffToSlotGroups(slots_, config_.ctsLevels);
  double base = raisedScale_ / (double(slots_) * q0 * double(gap) * k1);
  // The shrinking constant goes last: earlier groups then work on large
  // values, so their rescale noise stays small relative to the signal.
  cts.back().scale(sparse ? base : base / 2);
  if (sparse) {
    // Row mask D: v = y + conj(y) is Re(w) on [0, n) and Im(w) on [n, 2n).
    DiagonalMatrix::Vector mask(2 * slots_);
    for (size_t p = 0; p < 2 * slots_; ++p) {
      mask[p] = p < slots_ ? std::complex<double>(0.5, 0)
                           : std::complex<double>(0, -0.5);
    }
    cts.back() = cts.back().extend(2 * slots_).scaleRows(mask);
  }
  for (unsigned i = 0; i < cts.size(); ++i) {
    unsigned level = top - i;
    cts_.emplace_back(context_, encoder, cts[i], level,
                      double(ctx.modulus(level).value));
  }

  // SlotToCoeff: from sin(2 pi t) back to the message slots.
  std::vector<DiagonalMatrix> stc =
      slotToCoeffGroups(slots_, config_.stcLevels);
  // Real slots: the output is (y + conj(y)), so y carries half the value.
  stc.front().scale(q0 / (2 * kPi * inputScale_) *
                    (config_.realSlots ? 0.5 : 1.0));
  if (sparse) {
    // u_j = v_j + i v_(j+n) on all 2n rows (n-periodic).
    DiagonalMatrix combine(2 * slots_);
    DiagonalMatrix::Vector &same = combine.diagonal(0);
    DiagonalMatrix::Vector &shifted = combine.diagonal(long(slots_));
    for (size_t p = 0; p < 2 * slots_; ++p) {
      bool low = p < slots_;
      same[p] = low ? std::complex<double>(1, 0) : std::complex<double>(0, 1);
      shifted[p] =
          low ? std::complex<double>(0, 1) : std::complex<double>(1, 0);
    }
    stc.front() = stc.front().extend(2 * slots_).compose(combine);
  }
  const double perLevel =
      std::pow(outputScale_ / evalModScale_, 1.0 / config_.stcLevels);
  for (unsigned i = 0; i < stc.size(); ++i) {
    unsigned level = evalModOutputLevel_ - i;
    stc_.emplace_back(context_, encoder, stc[i], level,
                      double(ctx.modulus(level).value) * perLevel);
  }
  size_t budget = config_.diagonalCacheBytes;
  for (auto *group : {&cts_, &stc_}) {
    for (HoistedTransform &t : *group) {
      if (t.encodedBytes() <= budget) {
        t.cacheDiagonals();
        budget -= t.encodedBytes();
      }
    }
  }

  auto use = [&](long step, unsigned level) {
    auto [it, inserted] = rotations_.emplace(step, level);
    if (!inserted) {
      it->second = std::max(it->second, level);
    }
  };
  for (const HoistedTransform &t : cts_) {
    for (long step : t.rotations()) {
      use(step, t.level());
    }
  }
  for (const HoistedTransform &t : stc_) {
    for (long step : t.rotations()) {
      use(step, t.level());
    }
  }
  for (size_t step = slots_; step < degree / 2; step *= 2) {
    use(long(step), top);
  }
}

double BootstrapPlan::approximationError() const {
  const double ratio = double(context_->modulus(0).value) / inputScale_;
  double sine = std::pow(2 * kPi / ratio, 2) / 6;
  return evalMod_.modError * ratio + sine;
}

double BootstrapPlan::failureProbabilityLog2() const {
  const Parameters &params = context_->params();
  double weight = config_.ephemeralWeight > 0 ? config_.ephemeralWeight
                  : params.secret() == SecretDistribution::SparseTernary
                      ? params.hammingWeight()
                      : double(context_->degree());
  // I = round(U), U a sum of h + 1 uniforms on [-1/2, 1/2]: |I| > K needs
  // |U| >= K + 1/2, impossible beyond (h + 1) / 2.
  double a = double(config_.evalMod.k) + 0.5;
  double terms = weight + 1;
  if (a >= terms / 2) {
    return -std::numeric_limits<double>::infinity();
  }
  double best = 0;
  for (double t = 0.01; t < 400; t *= 1.01) {
    double h = t / 2;
    double logMgf = h + std::log1p(-std::exp(-2 * h)) - std::log(2 * h);
    best = std::min(best, -t * a + terms * logMgf);
  }
  return (best + std::log(2.0) + std::log(double(context_->degree()))) /
         std::log(2.0);
}

size_t BootstrapPlan::cachedDiagonalBytes() const {
  size_t bytes = 0;
  for (const auto *group : {&cts_, &stc_}) {
    for (const HoistedTransform &t : *group) {
      bytes += t.cachedBytes();
    }
  }
  return bytes;
}

std::string BootstrapPlan::describe() const {
  const Context &ctx = *context_;
  std::ostringstream os;
  os << std::fixed << std::setprecision(1);
  os << "CKKS bootstrapping plan\n";
  os << "  N = 2^" << ctx.logDegree() << ", " << slots_ << " slots ("
     << (fullPacking() ? "full" : "sparse") << " packing), chain levels 0.."
     << ctx.maxLevel() << "\n";
  os << "  levels: CoeffToSlot " << config_.ctsLevels << ", EvalMod "
     << config_.evalModDepth() << " (degree " << config_.evalMod.degree
     << ", K = " << config_.evalMod.k << ", " << config_.evalMod.doubleAngle
     << " double angles), SlotToCoeff " << config_.stcLevels
     << "; output level " << outputLevel_ << "\n";
  os << "  encapsulation: ephemeral Hamming weight " << config_.ephemeralWeight
     << ", failure probability <= 2^" << failureProbabilityLog2() << "\n";
  os << "  EvalMod: band 2^" << std::log2(evalMod_.band) << ", error 2^"
     << std::log2(evalMod_.modError) << " (t units), approximation error 2^"
     << std::log2(approximationError()) << " (message units)\n";
  size_t diagonals = 0;
  for (const auto *group : {&cts_, &stc_}) {
    for (const HoistedTransform &t : *group) {
      diagonals += t.numDiagonals();
    }
  }
  os << "  transforms: " << diagonals << " diagonals, " << rotations_.size()
     << " rotation keys + conjugation + relinearization";
  os << ", cached diagonals " << double(cachedDiagonalBytes()) / (1 << 20)
     << " MiB";
  os << "\n";
  return os.str();
}

std::shared_ptr<BootstrapKeys> generateBootstrapKeys(const BootstrapPlan &plan,
                                                     const SecretKey &secretKey,
                                                     const Seed &seed,
                                                     bool compact) {
  const Context &ctx = *plan.context();
  BootstrapKeyGenerator generator(plan.context(), secretKey, seed);
  auto keys = std::make_shared<BootstrapKeys>();
  auto made = [&](KeySwitchKey key) {
    if (compact)
      key.dropUniform();
    return key;
  };
  for (const auto &[step, level] : plan.rotationLevels()) {
    uint64_t g = ctx.galoisElementForRotation(step);
    keys->galois.emplace(g, made(generator.createGaloisKey(g, level)));
  }
  uint64_t conjugation = ctx.conjugationElement();
  keys->galois.emplace(conjugation,
                       made(generator.createGaloisKey(
                           conjugation, plan.conjugationLevel())));
  keys->relin = made(generator.createRelinKey(plan.relinLevel()));
  if (plan.config().ephemeralWeight > 0) {
    generator.createEncapsulationKeys(plan.config().ephemeralWeight,
                                      ctx.maxLevel(), *keys);
    if (compact)
      keys->sparseToDense.dropUniform();
  }
  return keys;
}

//===----------------------------------------------------------------------===//
// Bootstrapper
//===----------------------------------------------------------------------===//

Bootstrapper::Bootstrapper(std::shared_ptr<const BootstrapPlan> plan,
                           std::shared_ptr<const BootstrapKeys> keys)
    : plan_(std::move(plan)), keys_(keys),
      evaluator_(plan_->context(), std::move(keys)) {
  if (plan_->config().ephemeralWeight > 0) {
    require(!keys_->denseToSparse.empty() && !keys_->sparseToDense.empty(),
            "bootstrapping keys lack the encapsulation keys the plan needs");
  }
}

Ciphertext Bootstrapper::modRaise(const Ciphertext &levelZero) const {
  const Context &ctx = *plan_->context();
  Backend &backend = ctx.backend();
  const unsigned top = ctx.maxLevel();
  const size_t n = ctx.degree();
  Ciphertext c = plan_->config().ephemeralWeight > 0
                     ? evaluator_.encapsulate(levelZero)
                     : levelZero;
  // Centered lift: ((x + h) mod q_0) - h with h = floor(q_0 / 2).
  const uint64_t half = ctx.modulus(0).value / 2;
  std::vector<uint64_t> halves(top + 1);
  for (unsigned k = 0; k <= top; ++k) {
    halves[k] = reduce64(half, ctx.modulus(k));
  }
  Ciphertext raised(plan_->context(), 2, top, plan_->raisedScale_,
                    plan_->slots());
  const uint32_t q0 = 0;
  RnsPoly coefficients(backend, 1);
  for (unsigned i = 0; i < 2; ++i) {
    backend.copy(coefficients.data(), c[i].data(), n);
    backend.inverseNtt(coefficients.data(), ModuliSpan(&q0, 1));
    backend.switchModulus(raised[i].data(), ctx.chainIndices(top),
                          coefficients.data(), 0, half, halves.data());
    backend.forwardNtt(raised[i].data(), ctx.chainIndices(top));
  }
  if (plan_->config().ephemeralWeight > 0) {
    raised = evaluator_.keySwitch(raised, keys_->sparseToDense);
  }
  // SubSum: the trace to the subring of X^(N/2n) (times N/2n, which
  // CoeffToSlot divides out).
  for (size_t step = plan_->slots(); step < n / 2; step *= 2) {
    evaluator_.evaluator().addInPlace(raised,
                                      evaluator_.rotate(raised, long(step)));
  }
  return raised;
}

Ciphertext Bootstrapper::coeffToSlot(const Ciphertext &raised) const {
  Ciphertext x = raised;
  for (const HoistedTransform &t : plan_->coeffToSlot()) {
    x = t.apply(evaluator_, x);
    evaluator_.evaluator().rescaleInPlace(x);
  }
  return x;
}

std::vector<Ciphertext> Bootstrapper::evalMod(const Ciphertext &slots) const {
  const Evaluator &ev = evaluator_.evaluator();
  const BootstrapPlan &plan = *plan_;
  Ciphertext conjugate = evaluator_.conjugate(slots);
  auto reduce = [&](const Ciphertext &x) {
    return ckks::evalMod(evaluator_, x, plan.evalModPolynomial(),
                         plan.config().evalMod, plan.evalModOutputLevel(),
                         plan.evalModScale_);
  };
  if (!plan.fullPacking()) {
    return {reduce(ev.add(slots, conjugate))};
  }
  Ciphertext real = ev.add(slots, conjugate);
  Ciphertext imaginary = ev.sub(slots, conjugate);
  evaluator_.multiplyByImaginaryUnitInPlace(imaginary, /*negative=*/true);
  std::vector<Ciphertext> out;
  out.push_back(reduce(real));
  out.push_back(reduce(imaginary));
  return out;
}

Ciphertext
Bootstrapper::slotToCoeff(const std::vector<Ciphertext> &reduced,
                          bool complex) const {
  const Evaluator &ev = evaluator_.evaluator();
  require(reduced.size() == (plan_->fullPacking() ? 2u : 1u),
          "SlotToCoeff expects ", plan_->fullPacking() ? 2 : 1,
          " EvalMod outputs, found ", reduced.size());
  Ciphertext u = reduced[0];
  if (reduced.size() == 2) {
    Ciphertext imaginary = reduced[1];
    evaluator_.multiplyByImaginaryUnitInPlace(imaginary, /*negative=*/false);
    ev.addInPlace(u, imaginary);
  }
  for (const HoistedTransform &t : plan_->slotToCoeff()) {
    u = t.apply(evaluator_, u);
    ev.rescaleInPlace(u);
    if (u.slots() > plan_->slots()) {
      u.setSlots(plan_->slots()); // n-periodic after the combining step
    }
  }
  if (plan_->config().realSlots && !complex) {
    ev.addInPlace(u, evaluator_.conjugate(u));
  }
  return u;
}

Ciphertext Bootstrapper::bootstrap(const Ciphertext &ct,
                                   BootstrapTimings *timings,
                                   bool complex) const {
  const BootstrapPlan &plan = *plan_;
  const Context &ctx = *plan.context();
  const Evaluator &ev = evaluator_.evaluator();
  ev.checkOperand(ct, "bootstrapping input");
  require(!complex || plan.config().realSlots,
          "complex bootstrapping (half the message out) needs a real-slots "
          "plan");
  require(ct.size() == 2,
          "bootstrapping expects a relinearized ciphertext, "
          "found ",
          ct.size(), " polynomials");
  require(ct.slots() <= plan.slots() && plan.slots() % ct.slots() == 0,
          "ciphertext with ", ct.slots(),
          " slots cannot be bootstrapped by a plan for ", plan.slots(),
          " slots");
  auto start = std::chrono::steady_clock::now();
  Ciphertext c = ct;
  if (c.level() > 0) {
    double scale = plan.inputScale();
    if (std::fabs(c.scale() - scale) > Evaluator::kScaleTolerance * scale) {
      double prime = double(ctx.modulus(c.level()).value);
      ev.multiplyConstantInPlace(c, 1.0, scale * prime / c.scale());
      ev.rescaleInPlace(c);
      c.setScale(scale);
    }
    ev.dropToLevelInPlace(c, 0);
  }
  require(c.scale() <= 2 * plan.inputScale(), "level-0 scale 2^",
          std::log2(c.scale()),
          " exceeds twice the bootstrapping input scale "
          "2^",
          std::log2(plan.inputScale()),
          ": the message would leave EvalMod's approximation bands; bootstrap "
          "from level 1 or above, or rescale first");
  const double inputScale = c.scale();
  c.setSlots(plan.slots());

  BootstrapTimings t;
  auto phase = std::chrono::steady_clock::now();
  Ciphertext raised = modRaise(c);
  t.modRaise = seconds(phase);
  phase = std::chrono::steady_clock::now();
  Ciphertext slotValues = coeffToSlot(raised);
  t.coeffToSlot = seconds(phase);
  phase = std::chrono::steady_clock::now();
  std::vector<Ciphertext> reduced = evalMod(slotValues);
  t.evalMod = seconds(phase);
  phase = std::chrono::steady_clock::now();
  Ciphertext out = slotToCoeff(reduced, complex);
  t.slotToCoeff = seconds(phase);
  t.total = seconds(start);
  if (timings != nullptr) {
    *timings = t;
  }
  out.setScale(plan.outputScale() * inputScale / plan.inputScale());
  out.setSlots(ct.slots());
  return out;
}

//===----------------------------------------------------------------------===//
// Precision
//===----------------------------------------------------------------------===//

PrecisionStats measurePrecision(const std::vector<std::complex<double>> &want,
                                const std::vector<std::complex<double>> &got) {
  require(!want.empty() && got.size() >= want.size(), "precision of ",
          got.size(), " values against ", want.size(), " expected");
  PrecisionStats s;
  s.count = want.size();
  double sum = 0;
  for (size_t i = 0; i < want.size(); ++i) {
    double e = std::abs(got[i] - want[i]);
    sum += e;
    s.maxError = std::max(s.maxError, e);
  }
  s.meanError = sum / double(want.size());
  s.meanBits = -std::log2(s.meanError);
  s.worstBits = -std::log2(s.maxError);
  return s;
}

} // namespace ckks
} // namespace aegis
