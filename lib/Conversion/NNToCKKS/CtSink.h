//===- CtSink.h - where the kernel library's ciphertext ops go --*- C++ -*-===//
//
// The kernels of the nn -> ckks lowering (matmul, polynomials, LayerNorm,
// attention) are written once, against handles (`Ct`, `Pt`) that carry a
// ciphertext's level, scale and size, and a sink that receives every
// ciphertext operation they decide on. The sink decides what an operation
// becomes:
//
//  * `MLIRSink` builds flat `ckks` ops (the program the artifact emitter
//    and the rotation-key budget read, and what lit tests check);
//  * `CountingSink` builds nothing: it only tracks levels, which is all the
//    lowering's sizing runs (depth, per-op depths for bootstrap placement)
//    need, so they cost no IR and no plaintexts.
//
// Levels, scales, bootstraps and caching are the kernel library's
// decisions (Lowering.h); a sink never changes them.
//
//===----------------------------------------------------------------------===//

#ifndef AEGIS_LIB_CONVERSION_NNTOCKKS_CTSINK_H
#define AEGIS_LIB_CONVERSION_NNTOCKKS_CTSINK_H

#include "aegis/Dialect/CKKS/IR/CKKSOps.h"
#include "aegis/Dialect/NN/IR/NNOps.h"

#include "mlir/IR/Builders.h"

#include <algorithm>
#include <cstdint>
#include <vector>

namespace mlir::aegis::lowering {

/// A ciphertext the sink knows by `id`, at `level` with scale 2^logScale
/// and `size` polynomials. A default handle (id -1) is "none".
struct Ct {
  int32_t id = -1;
  unsigned level = 0, logScale = 0, size = 2;
  explicit operator bool() const { return id >= 0; }
  bool operator==(const Ct &o) const { return id == o.id; }
  bool operator!=(const Ct &o) const { return id != o.id; }
};

/// A plaintext the sink knows by `id`.
struct Pt {
  int32_t id = -1;
  unsigned level = 0, logScale = 0;
};

/// The ciphertext operations the kernels emit (one `ckks` op each).
enum class CtOp : uint8_t {
  Add,
  Sub,
  Mul,
  Negate,
  Relinearize,
  Rescale,
  Rotate,
  AddConst,
  MulConst,
  AddPlain,
  MulPlain,
  LevelDown,
  Bootstrap,
};

class CtSink {
public:
  virtual ~CtSink() = default;
  /// Records `kind` producing a ciphertext of `result`'s level, scale and
  /// size from `a` (and `b`, `pt`, the rotation `offset` or the `constant`,
  /// as the kind needs); returns the result's id.
  virtual int32_t emit(CtOp kind, const Ct &result, const Ct &a,
                       const Ct &b, const Pt &pt, int64_t offset,
                       double constant) = 0;
  /// sum_i xs[i] * pts[i], not rescaled (one kernel-level op).
  virtual int32_t dotPlain(const Ct &result, llvm::ArrayRef<Ct> xs,
                           llvm::ArrayRef<Pt> pts) = 0;
  /// A plaintext holding `values` (nullptr: a placeholder of zeros, for
  /// reports of models whose constants are not materialized).
  virtual int32_t plaintext(const std::vector<double> *values, unsigned level,
                            unsigned logScale) = 0;
  /// The values plaintext `id` holds, where the sink keeps them (empty:
  /// it does not).
  virtual llvm::ArrayRef<double> plaintextValues(int32_t id) const {
    return {};
  }
  /// Whether plaintext values are wanted (false: the kernels skip building
  /// them and pass placeholders).
  virtual bool wantsValues() const = 0;
  /// Whether the sink only measures (levels, counts): the kernels may then
  /// skip computing plaintext slot vectors altogether.
  virtual bool countsOnly() const { return false; }
  /// The lowest level of any ciphertext produced so far.
  unsigned lowestLevel() const { return minLevel; }
  /// Ops emitted so far (ciphertext operations and plaintexts): the flat
  /// IR the MLIR sink builds, which a counting run measures before it is.
  int64_t opsEmitted() const { return emitted; }

protected:
  void noteResult(const Ct &r) {
    minLevel = std::min(minLevel, r.level);
    ++emitted;
  }
  unsigned minLevel = ~0u;
  int64_t emitted = 0;
};

/// Counts and tracks levels; creates nothing.
class CountingSink final : public CtSink {
public:
  int32_t emit(CtOp, const Ct &result, const Ct &, const Ct &, const Pt &,
               int64_t, double) override {
    noteResult(result);
    return next++;
  }
  int32_t dotPlain(const Ct &result, llvm::ArrayRef<Ct>,
                   llvm::ArrayRef<Pt>) override {
    noteResult(result);
    return next++;
  }
  int32_t plaintext(const std::vector<double> *, unsigned, unsigned) override {
    ++emitted;
    return nextPt++;
  }
  bool wantsValues() const override { return false; }
  bool countsOnly() const override { return true; }
  /// A handle for an input ciphertext.
  int32_t argument() { return next++; }

private:
  int32_t next = 0, nextPt = 0;
};

/// Builds flat `ckks` ops at the builder's insertion point, located at
/// `loc` (the driver names it after the nn op being lowered).
class MLIRSink final : public CtSink {
public:
  MLIRSink(OpBuilder &b, int64_t slots, bool materialize)
      : b(b), loc(b.getUnknownLoc()), slots(slots), materialize(materialize) {}

  OpBuilder &b;
  Location loc;

  /// Registers an existing ciphertext value (a function argument).
  int32_t argument(Value v) {
    values.push_back(v);
    return int32_t(values.size() - 1);
  }
  Value value(const Ct &c) const { return values[c.id]; }

  ckks::CiphertextType type(const Ct &c) const {
    return ckks::CiphertextType::get(b.getContext(), slots, c.level,
                                     c.logScale, c.size);
  }

  int32_t emit(CtOp kind, const Ct &r, const Ct &a, const Ct &c,
               const Pt &pt, int64_t offset, double constant) override;
  int32_t dotPlain(const Ct &result, llvm::ArrayRef<Ct> xs,
                   llvm::ArrayRef<Pt> pts) override;
  int32_t plaintext(const std::vector<double> *values, unsigned level,
                    unsigned logScale) override;
  llvm::ArrayRef<double> plaintextValues(int32_t id) const override {
    return size_t(id) < plaintextData.size() ? plaintextData[id]
                                             : llvm::ArrayRef<double>();
  }
  bool wantsValues() const override { return materialize; }

private:
  int64_t slots;
  bool materialize;
  std::vector<Value> values;
  std::vector<Value> plaintexts;
  /// Per plaintext, its slot vector (in the constant's resource blob).
  std::vector<llvm::ArrayRef<double>> plaintextData;
};

} // namespace mlir::aegis::lowering

#endif // AEGIS_LIB_CONVERSION_NNTOCKKS_CTSINK_H
