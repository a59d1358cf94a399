//===- Calibrate.cpp - value ranges entering non-linear ops ---------------===//

#include "ProgramInputs.h"

#include "aegis/Dialect/NN/IR/NNOps.h"
#include "aegis/Dialect/NN/Interpreter/Interpreter.h"
#include "aegis/Dialect/NN/Transforms/Passes.h"

#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/TypeSwitch.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <thread>

namespace mlir::aegis::nn {
#define GEN_PASS_DEF_CALIBRATE
#include "aegis/Dialect/NN/Transforms/Passes.h.inc"
} // namespace mlir::aegis::nn

using namespace mlir;
using namespace mlir::aegis::nn;

namespace {

/// Removed keys score -inf (attentionScores); every other score is kept.
constexpr double kMaskedScore = -std::numeric_limits<double>::infinity();

struct Range {
  double lo = std::numeric_limits<double>::infinity();
  double hi = -std::numeric_limits<double>::infinity();
  /// NaN or Inf values seen (they would poison every approximation).
  size_t nonFinite = 0;
  void add(double v) {
    if (!std::isfinite(v)) {
      ++nonFinite;
      return;
    }
    lo = std::min(lo, v);
    hi = std::max(hi, v);
  }
  void add(const std::vector<double> &values) {
    for (double v : values)
      add(v);
  }
  void merge(const Range &o) {
    lo = std::min(lo, o.lo);
    hi = std::max(hi, o.hi);
    nonFinite += o.nonFinite;
  }
};

/// Collects, per op and attribute name, the range of the relevant values.
class RangeObserver : public InterpreterObserver {
public:
  llvm::DenseMap<Operation *, llvm::StringMap<Range>> ranges;
  /// Per-row ranges (softmax rows of an attention), in row order.
  llvm::DenseMap<Operation *, llvm::StringMap<std::vector<Range>>> rowRanges;

  /// Adds what `other` observed (on other samples).
  void merge(const RangeObserver &other) {
    for (auto &[op, byName] : other.ranges)
      for (auto &entry : byName)
        ranges[op][entry.getKey()].merge(entry.getValue());
    for (auto &[op, byName] : other.rowRanges)
      for (auto &entry : byName) {
        std::vector<Range> &mine = rowRanges[op][entry.getKey()];
        if (mine.size() < entry.getValue().size())
          mine.resize(entry.getValue().size());
        for (size_t i = 0; i < entry.getValue().size(); ++i)
          mine[i].merge(entry.getValue()[i]);
      }
  }

  void onOperation(Operation *op, ArrayRef<const Tensor *> operands,
                   ArrayRef<const Tensor *> results) override {
    auto record = [&](StringRef name, const std::vector<double> &values) {
      ranges[op][name].add(values);
    };
    llvm::TypeSwitch<Operation *>(op)
        .Case<GeluOp, ReluOp, SigmoidOp, SiluOp, TanhOp, ErfOp, ExpOp, SqrtOp,
              ReciprocalOp, SoftmaxOp>(
            [&](Operation *) { record("nn.input_range", operands[0]->data); })
        .Case<DivOp>([&](DivOp div) {
          if (!div.getRhs().getDefiningOp<ConstantOp>())
            record("nn.input_range", operands[1]->data);
        })
        .Case<LayerNormOp>([&](LayerNormOp ln) {
          const Tensor &x = *operands[0];
          record("nn.input_range", x.data);
          int64_t axis = normalizeAxis(ln.getAxis(), x.shape.size());
          int64_t inner = 1;
          for (size_t i = axis; i < x.shape.size(); ++i)
            inner *= x.shape[i];
          double eps = ln.getEpsilon().convertToDouble();
          std::vector<double> variances;
          for (int64_t o = 0; o * inner < x.numElements(); ++o) {
            double mean = 0, var = 0;
            for (int64_t i = 0; i < inner; ++i)
              mean += x.data[o * inner + i];
            mean = ln.getRms() ? 0.0 : mean / inner;
            for (int64_t i = 0; i < inner; ++i) {
              double d = x.data[o * inner + i] - mean;
              var += d * d;
            }
            variances.push_back(var / inner + eps);
          }
          record("nn.variance_range", variances);
        })
        .Case<AttentionOp>([&](AttentionOp att) {
          Tensor scores = ::aegis::nn::attentionScores(
              *operands[0], *operands[1], att.getMask() ? operands[3] : nullptr,
              att.getScale().convertToDouble(), results[0]->shape,
              att.getCausal());
          // Entries a mask removes score -inf: they never reach the
          // softmax's exponential and are left out of the ranges.
          std::vector<double> kept, rowMax, logSumExp;
          kept.reserve(scores.data.size());
          int64_t keys = scores.shape.back();
          size_t rows = scores.data.size() / keys;
          auto &rowLse = rowRanges[op]["nn.row_logsumexp_ranges"];
          auto &rowScore = rowRanges[op]["nn.row_score_ranges"];
          rowLse.resize(rows);
          rowScore.resize(rows);
          for (size_t r = 0; r * keys < scores.data.size(); ++r) {
            double m = -std::numeric_limits<double>::infinity();
            for (int64_t j = 0; j < keys; ++j) {
              double s = scores.data[r * keys + j];
              if (s > kMaskedScore) {
                kept.push_back(s);
                m = std::max(m, s);
              }
            }
            if (!(m > kMaskedScore))
              continue;
            rowMax.push_back(m);
            double sum = 0;
            for (int64_t j = 0; j < keys; ++j) {
              double s = scores.data[r * keys + j];
              if (s > kMaskedScore) {
                sum += std::exp(s - m);
                rowScore[r].add(s);
              }
            }
            logSumExp.push_back(m + std::log(sum));
            rowLse[r].add(logSumExp.back());
          }
          record("nn.score_range", kept);
          record("nn.row_max_range", rowMax);
          record("nn.logsumexp_range", logSumExp);
        });
  }
};

struct CalibratePass
    : public mlir::aegis::nn::impl::CalibrateBase<CalibratePass> {
  using CalibrateBase::CalibrateBase;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    func::FuncOp entry = findEntry(module, "aegis-nn-calibrate");
    if (!entry)
      return signalPassFailure();
    if (samples < 1 || (randomSeed < 0 && samples != 1)) {
      emitError(module.getLoc())
          << "aegis-nn-calibrate: samples must be 1 with inputs=, and at "
             "least 1 with random-inputs=";
      return signalPassFailure();
    }
    if (tokenRows < 0) {
      emitError(module.getLoc())
          << "aegis-nn-calibrate: token-rows must be at least 0, got "
          << int64_t(tokenRows);
      return signalPassFailure();
    }
    // A budget of token rows: a long sequence brings as many rows (tokens)
    // per sample as many samples of a short one, and each sample costs in
    // proportion to its rows (quadratically in attention), so draw only as
    // many samples as cover the budget, at least 2 (per-row ranges need
    // more than one observation), at most `samples`.
    int64_t numSamples = samples;
    if (tokenRows > 0 && randomSeed >= 0) {
      int64_t rows = 1;
      for (Type t : entry.getArgumentTypes())
        if (auto r = dyn_cast<RankedTensorType>(t);
            r && r.hasStaticShape() && r.getRank() >= 1 && r.getShape().back())
          rows = std::max(rows, r.getNumElements() / r.getShape().back());
      numSamples = std::min<int64_t>(
          samples, std::max<int64_t>(2, (tokenRows + rows - 1) / rows));
    }
    // After aegis-nn-split-client, the inputs are the model's (token ids):
    // @client turns them into @main's.
    func::FuncOp client =
        entry.getName() == "main" ? module.lookupSymbol<func::FuncOp>("client")
                                  : func::FuncOp();
    InterpreterConstants constants;
    // One sample: inputs (through @client), their ranges, the observed run.
    auto runSample = [&](int64_t s, RangeObserver &observer,
                         std::vector<Range> &argRanges) -> LogicalResult {
      auto args = loadProgramInputs(client ? client : entry, inputs,
                                    randomSeed < 0 ? -1 : randomSeed + s,
                                    "aegis-nn-calibrate");
      if (failed(args))
        return failure();
      if (client) {
        auto cut = interpret(client, *args, nullptr, &constants);
        if (failed(cut))
          return failure();
        *args = std::move(*cut);
      }
      for (size_t i = 0; i < args->size() && i < argRanges.size(); ++i)
        argRanges[i].add((*args)[i].data);
      return interpret(entry, *args, &observer, &constants);
    };
    // The range of each of @main's inputs: the client checks what it
    // encrypts against it (issue 19).
    RangeObserver observer;
    std::vector<Range> argRanges(entry.getNumArguments());
    // Sample 0 first (it reads the constants once, for every later run),
    // then the others on up to 4 threads, as many as the cores and the
    // interpreter's memory limit allow. Ranges are minima and maxima, so
    // merging the threads' observers gives the same bits in any order.
    if (failed(runSample(0, observer, argRanges)))
      return signalPassFailure();
    uint64_t perRun =
        std::max<uint64_t>(1, estimateInterpreterMemory(entry).totalBytes);
    int64_t workers = std::min<int64_t>(
        {numSamples - 1, 4,
         int64_t(std::max(1u, std::thread::hardware_concurrency())),
         int64_t(std::max<uint64_t>(1, interpreterMemoryLimit() / perRun))});
    if (workers > 0) {
      std::vector<RangeObserver> observers(workers);
      std::vector<std::vector<Range>> args(
          workers, std::vector<Range>(entry.getNumArguments()));
      std::vector<char> stopped(workers, 0);
      std::vector<std::thread> threads;
      for (int64_t w = 0; w < workers; ++w)
        threads.emplace_back([&, w] {
          for (int64_t s = 1 + w; s < numSamples && !stopped[w]; s += workers)
            if (failed(runSample(s, observers[w], args[w])))
              stopped[w] = 1;
        });
      for (std::thread &t : threads)
        t.join();
      for (int64_t w = 0; w < workers; ++w) {
        if (stopped[w])
          return signalPassFailure();
        observer.merge(observers[w]);
        for (size_t i = 0; i < argRanges.size(); ++i)
          argRanges[i].merge(args[w][i]);
      }
    }
    Builder b(&getContext());
    bool poisoned = false;
    auto checkFinite = [&](Operation *op, StringRef name, const Range &r) {
      if (r.nonFinite == 0 || poisoned)
        return;
      op->emitError() << "aegis-nn-calibrate: " << r.nonFinite
                      << " of the values recorded for " << name
                      << " are NaN or Inf on the calibration samples; the "
                         "model's weights or the calibration inputs are not "
                         "finite";
      poisoned = true;
    };
    for (auto &[op, byName] : observer.ranges)
      for (auto &entry : byName)
        checkFinite(op, entry.getKey(), entry.getValue());
    for (auto &[op, byName] : observer.rowRanges)
      for (auto &entry : byName)
        for (const Range &r : entry.getValue())
          checkFinite(op, entry.getKey(), r);
    if (poisoned)
      return signalPassFailure();
    for (size_t i = 0; i < argRanges.size(); ++i) {
      if (argRanges[i].nonFinite) {
        emitError(entry.getArgument(i).getLoc())
            << "aegis-nn-calibrate: input #" << i << " holds "
            << argRanges[i].nonFinite << " NaN or Inf values";
        return signalPassFailure();
      }
      if (argRanges[i].lo <= argRanges[i].hi)
        entry.setArgAttr(i, "nn.input_range",
                         b.getDenseF64ArrayAttr(
                             {argRanges[i].lo, argRanges[i].hi}));
    }
    for (auto &[op, byName] : observer.ranges)
      for (auto &entry : byName)
        op->setAttr(entry.getKey(), b.getDenseF64ArrayAttr(
                                        {entry.getValue().lo, entry.getValue().hi}));
    for (auto &[op, byName] : observer.rowRanges)
      for (auto &entry : byName) {
        std::vector<double> flat;
        for (const Range &r : entry.getValue()) {
          flat.push_back(r.lo);
          flat.push_back(r.hi);
        }
        op->setAttr(entry.getKey(), b.getDenseF64ArrayAttr(flat));
      }
    module->setAttr("nn.calibration_samples", b.getI64IntegerAttr(numSamples));
  }
};

} // namespace
