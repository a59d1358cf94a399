//===- CKKSOps.cpp - CKKS operation verifiers and folders -----------------===//

#include "aegis/Dialect/CKKS/IR/CKKSOps.h"
#include "aegis/Support/Rotation.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/OpImplementation.h"
#include "mlir/IR/PatternMatch.h"

#include <algorithm>
#include <cmath>

using namespace mlir;
using namespace mlir::aegis::ckks;

#define GET_OP_CLASSES
#include "aegis/Dialect/CKKS/IR/CKKSOps.cpp.inc"

//===----------------------------------------------------------------------===//
// Shared verification
//===----------------------------------------------------------------------===//

namespace {
struct SlotLevelScale {
  unsigned slots, level, logScale;
};

SlotLevelScale fields(Type type) {
  if (auto ct = dyn_cast<CiphertextType>(type))
    return {ct.getSlots(), ct.getLevel(), ct.getLogScale()};
  auto pt = cast<PlaintextType>(type);
  return {pt.getSlots(), pt.getLevel(), pt.getLogScale()};
}

/// Checks every ckks type the op touches against the module's parameters,
/// when the module has them.
LogicalResult verifyAgainstParams(Operation *op) {
  ParamsAttr params = lookupParams(op);
  if (!params)
    return success();
  auto check = [&](Type type, StringRef what) -> LogicalResult {
    if (!isa<CiphertextType, PlaintextType>(type))
      return success();
    SlotLevelScale f = fields(type);
    if (f.level > params.getMaxLevel())
      return op->emitOpError() << what << " level " << f.level
                               << " exceeds the maximum level "
                               << params.getMaxLevel()
                               << " of the module's ckks.params";
    if (f.slots > params.getMaxSlots())
      return op->emitOpError()
             << what << " slot count " << f.slots << " exceeds N/2 = "
             << params.getMaxSlots() << " of the module's ckks.params";
    return success();
  };
  for (Type t : op->getOperandTypes())
    if (failed(check(t, "operand")))
      return failure();
  for (Type t : op->getResultTypes())
    if (failed(check(t, "result")))
      return failure();
  return success();
}

/// Operands of element-wise ops must agree on level, scale and slots.
LogicalResult verifySameLevelScaleSlots(Operation *op, Type a, Type b,
                                        bool checkScale = true) {
  SlotLevelScale x = fields(a), y = fields(b);
  if (x.slots != y.slots)
    return op->emitOpError() << "expects operands with the same slot count, got "
                             << x.slots << " and " << y.slots;
  if (x.level != y.level)
    return op->emitOpError() << "expects operands at the same level, got "
                             << x.level << " and " << y.level;
  if (checkScale && x.logScale != y.logScale)
    return op->emitOpError()
           << "expects operands with the same logScale, got " << x.logScale
           << " and " << y.logScale;
  return success();
}

LogicalResult verifyResultType(Operation *op, Type expected) {
  Type actual = op->getResult(0).getType();
  if (actual != expected)
    return op->emitOpError() << "expects result type " << expected << ", got "
                             << actual;
  return success();
}

LogicalResult verifyCanonical(Operation *op, CiphertextType ct,
                              StringRef hint) {
  if (ct.getSize() != 2)
    return op->emitOpError() << "expects a size-2 ciphertext, got size "
                             << ct.getSize() << "; " << hint;
  return success();
}

LogicalResult verifySlotVector(Operation *op, TensorType tensor,
                               unsigned slots) {
  if (!tensor.hasStaticShape() || tensor.getRank() != 1)
    return op->emitOpError() << "expects a static 1-D tensor, got " << tensor;
  if (tensor.getDimSize(0) > static_cast<int64_t>(slots))
    return op->emitOpError() << "expects at most " << slots
                             << " values (the slot count), got "
                             << tensor.getDimSize(0);
  return success();
}
} // namespace

//===----------------------------------------------------------------------===//
// Encoding
//===----------------------------------------------------------------------===//

LogicalResult EncodeOp::verify() {
  if (failed(verifySlotVector(*this, getInput().getType(),
                              getOutput().getType().getSlots())))
    return failure();
  return verifyAgainstParams(*this);
}

LogicalResult DecodeOp::verify() {
  if (failed(verifySlotVector(*this, getOutput().getType(),
                              getInput().getType().getSlots())))
    return failure();
  return verifyAgainstParams(*this);
}

//===----------------------------------------------------------------------===//
// Ciphertext-ciphertext
//===----------------------------------------------------------------------===//

static LogicalResult verifyAddLike(Operation *op, CiphertextType lhs,
                                   CiphertextType rhs) {
  if (failed(verifySameLevelScaleSlots(op, lhs, rhs)))
    return failure();
  if (failed(verifyResultType(
          op, lhs.withSize(std::max(lhs.getSize(), rhs.getSize())))))
    return failure();
  return verifyAgainstParams(op);
}

LogicalResult AddOp::verify() {
  return verifyAddLike(*this, getLhs().getType(), getRhs().getType());
}

LogicalResult SubOp::verify() {
  return verifyAddLike(*this, getLhs().getType(), getRhs().getType());
}

LogicalResult MulOp::verify() {
  CiphertextType lhs = getLhs().getType(), rhs = getRhs().getType();
  const char *hint = "relinearize it before multiplying again";
  if (failed(verifyCanonical(*this, lhs, hint)) ||
      failed(verifyCanonical(*this, rhs, hint)))
    return failure();
  if (failed(verifySameLevelScaleSlots(*this, lhs, rhs, /*checkScale=*/false)))
    return failure();
  CiphertextType expected =
      lhs.withLogScale(lhs.getLogScale() + rhs.getLogScale()).withSize(3);
  if (failed(verifyResultType(*this, expected)))
    return failure();
  return verifyAgainstParams(*this);
}

LogicalResult NegateOp::verify() {
  if (failed(verifyResultType(*this, getInput().getType())))
    return failure();
  return verifyAgainstParams(*this);
}

OpFoldResult NegateOp::fold(FoldAdaptor) {
  if (auto inner = getInput().getDefiningOp<NegateOp>())
    return inner.getInput();
  return {};
}

//===----------------------------------------------------------------------===//
// Ciphertext-plaintext
//===----------------------------------------------------------------------===//

static LogicalResult verifyAddPlainLike(Operation *op, CiphertextType ct,
                                        PlaintextType pt) {
  if (failed(verifySameLevelScaleSlots(op, ct, pt)))
    return failure();
  if (failed(verifyResultType(op, ct)))
    return failure();
  return verifyAgainstParams(op);
}

LogicalResult AddPlainOp::verify() {
  return verifyAddPlainLike(*this, getCiphertext().getType(),
                            getPlaintext().getType());
}

LogicalResult SubPlainOp::verify() {
  return verifyAddPlainLike(*this, getCiphertext().getType(),
                            getPlaintext().getType());
}

LogicalResult MulPlainOp::verify() {
  CiphertextType ct = getCiphertext().getType();
  PlaintextType pt = getPlaintext().getType();
  if (failed(verifySameLevelScaleSlots(*this, ct, pt, /*checkScale=*/false)))
    return failure();
  if (failed(verifyResultType(
          *this, ct.withLogScale(ct.getLogScale() + pt.getLogScale()))))
    return failure();
  return verifyAgainstParams(*this);
}

LogicalResult DotPlainOp::verify() {
  if (getInputs().empty() || getInputs().size() != getPlaintexts().size())
    return emitOpError() << "expects as many plaintexts as inputs (at least "
                            "one), got "
                         << getInputs().size() << " inputs and "
                         << getPlaintexts().size() << " plaintexts";
  auto first = cast<CiphertextType>(getInputs().front().getType());
  auto firstPt = cast<PlaintextType>(getPlaintexts().front().getType());
  for (auto [x, p] : llvm::zip(getInputs(), getPlaintexts())) {
    auto ct = cast<CiphertextType>(x.getType());
    if (ct != first)
      return emitOpError() << "expects every input of one type, got " << first
                           << " and " << ct;
    if (p.getType() != firstPt)
      return emitOpError() << "expects every plaintext of one type, got "
                           << firstPt << " and " << p.getType();
  }
  if (failed(verifyCanonical(*this, first, "relinearize the inputs")))
    return failure();
  if (failed(verifySameLevelScaleSlots(*this, first, firstPt,
                                       /*checkScale=*/false)))
    return failure();
  if (failed(verifyResultType(*this, first.withLogScale(first.getLogScale() +
                                                        firstPt.getLogScale()))))
    return failure();
  return verifyAgainstParams(*this);
}

//===----------------------------------------------------------------------===//
// Ciphertext-constant
//===----------------------------------------------------------------------===//

LogicalResult AddConstOp::verify() {
  if (failed(verifyResultType(*this, getInput().getType())))
    return failure();
  return verifyAgainstParams(*this);
}

OpFoldResult AddConstOp::fold(FoldAdaptor) {
  if (getValue().isZero())
    return getInput();
  return {};
}

LogicalResult MulConstOp::verify() {
  CiphertextType in = getInput().getType();
  auto out = cast<CiphertextType>(getOutput().getType());
  if (out.getLogScale() < in.getLogScale())
    return emitOpError() << "expects the result logScale (" << out.getLogScale()
                         << ") to be at least the input logScale ("
                         << in.getLogScale() << ")";
  if (failed(verifyResultType(*this, in.withLogScale(out.getLogScale()))))
    return failure();
  double value = getValue().convertToDouble();
  if (out.getLogScale() == in.getLogScale() && value != std::round(value))
    return emitOpError() << "multiplies by an integer when the scale is "
                            "unchanged, but "
                         << value
                         << " is not an integer; raise the result logScale "
                            "to encode it";
  return verifyAgainstParams(*this);
}

OpFoldResult MulConstOp::fold(FoldAdaptor) {
  // Multiplying by exactly 1 without raising the scale is the identity.
  if (getValue().isExactlyValue(1.0) &&
      getInput().getType() == getOutput().getType())
    return getInput();
  return {};
}

//===----------------------------------------------------------------------===//
// Key switching, levels and scales
//===----------------------------------------------------------------------===//

LogicalResult RelinearizeOp::verify() {
  CiphertextType in = getInput().getType();
  if (in.getSize() != 3)
    return emitOpError() << "expects a size-3 ciphertext (the output of "
                            "ckks.mul), got size "
                         << in.getSize();
  if (failed(verifyResultType(*this, in.withSize(2))))
    return failure();
  return verifyAgainstParams(*this);
}

LogicalResult RescaleOp::verify() {
  CiphertextType in = getInput().getType();
  auto out = cast<CiphertextType>(getOutput().getType());
  if (in.getLevel() == 0)
    return emitOpError()
           << "cannot rescale a ciphertext at level 0; bootstrap it first";
  if (out.getLevel() != in.getLevel() - 1)
    return emitOpError() << "expects the result level to be "
                         << in.getLevel() - 1 << " (one below the input), got "
                         << out.getLevel();
  if (out.getSlots() != in.getSlots() || out.getSize() != in.getSize())
    return emitOpError()
           << "expects the result to keep the input's slots and size";
  if (ParamsAttr params = lookupParams(*this)) {
    if (in.getLevel() <= params.getMaxLevel()) {
      int64_t dropped = params.getLogQ()[in.getLevel()];
      int64_t expected = static_cast<int64_t>(in.getLogScale()) - dropped;
      if (expected < 1)
        return emitOpError() << "rescaling logScale " << in.getLogScale()
                             << " by the " << dropped
                             << "-bit prime q_" << in.getLevel()
                             << " leaves no scale";
      if (out.getLogScale() != expected)
        return emitOpError()
               << "expects the result logScale to be " << expected
               << " (input " << in.getLogScale() << " minus " << dropped
               << " bits of q_" << in.getLevel() << "), got "
               << out.getLogScale();
    }
  } else if (out.getLogScale() >= in.getLogScale()) {
    return emitOpError() << "expects the result logScale ("
                         << out.getLogScale()
                         << ") to be below the input logScale ("
                         << in.getLogScale() << ")";
  }
  return verifyAgainstParams(*this);
}

LogicalResult LevelDownOp::verify() {
  CiphertextType in = getInput().getType();
  auto out = cast<CiphertextType>(getOutput().getType());
  if (out.getLevel() > in.getLevel())
    return emitOpError() << "cannot raise the level from " << in.getLevel()
                         << " to " << out.getLevel()
                         << "; use ckks.bootstrap";
  if (failed(verifyResultType(*this, in.withLevel(out.getLevel()))))
    return failure();
  return verifyAgainstParams(*this);
}

OpFoldResult LevelDownOp::fold(FoldAdaptor) {
  if (getInput().getType() == getOutput().getType())
    return getInput();
  return {};
}

LogicalResult RotateOp::verify() {
  CiphertextType in = getInput().getType();
  if (failed(verifyCanonical(*this, in, "relinearize it before rotating")))
    return failure();
  int64_t slots = in.getSlots();
  int64_t offset = getOffsetAttr().getInt();
  if (offset <= -slots || offset >= slots)
    return emitOpError() << "expects |offset| < " << slots
                         << " (the slot count), got " << offset;
  if (failed(verifyResultType(*this, in)))
    return failure();
  return verifyAgainstParams(*this);
}

static int64_t normalizeOffset(int64_t offset, int64_t slots) {
  return ::aegis::canonicalRotation(offset, slots);
}

LogicalResult RotateSumOp::verify() {
  if (getInputs().empty() ||
      int64_t(getInputs().size()) != int64_t(getOffsets().size()))
    return emitOpError() << "expects one offset per input (at least one), got "
                         << getInputs().size() << " inputs and "
                         << getOffsets().size() << " offsets";
  auto type = getOutput().getType();
  for (Value x : getInputs())
    if (x.getType() != type)
      return emitOpError() << "expects every input of the result's type "
                           << type << ", got " << x.getType();
  if (failed(verifyCanonical(*this, type, "relinearize it before rotating")))
    return failure();
  int64_t slots = type.getSlots();
  for (int64_t offset : getOffsets())
    if (offset <= -slots || offset >= slots)
      return emitOpError() << "expects |offset| < " << slots
                           << " (the slot count), got " << offset;
  return verifyAgainstParams(*this);
}

int64_t RotateSumOp::numKeySwitches() {
  int64_t slots = getOutput().getType().getSlots(), n = 0;
  for (int64_t offset : getOffsets())
    n += normalizeOffset(offset, slots) != 0;
  return n;
}

OpFoldResult RotateOp::fold(FoldAdaptor) {
  int64_t slots = getInput().getType().getSlots();
  if (normalizeOffset(getOffsetAttr().getInt(), slots) == 0)
    return getInput();
  // rotate(rotate(x, a), b) == rotate(x, a + b): one key switch, not two.
  if (auto inner = getInput().getDefiningOp<RotateOp>()) {
    int64_t combined = normalizeOffset(
        inner.getOffsetAttr().getInt() + getOffsetAttr().getInt(), slots);
    if (combined == 0)
      return inner.getInput();
    getInputMutable().assign(inner.getInput());
    setOffset(combined);
    return getResult();
  }
  return {};
}

LogicalResult MulIOp::verify() {
  if (failed(verifyResultType(*this, getInput().getType())))
    return failure();
  return verifyAgainstParams(*this);
}

LogicalResult ConjugateOp::verify() {
  CiphertextType in = getInput().getType();
  if (failed(verifyCanonical(*this, in, "relinearize it before conjugating")))
    return failure();
  if (failed(verifyResultType(*this, in)))
    return failure();
  return verifyAgainstParams(*this);
}

OpFoldResult ConjugateOp::fold(FoldAdaptor) {
  if (auto inner = getInput().getDefiningOp<ConjugateOp>())
    return inner.getInput();
  return {};
}

LogicalResult BootstrapOp::verify() {
  CiphertextType in = getInput().getType();
  auto out = cast<CiphertextType>(getOutput().getType());
  if (failed(verifyCanonical(*this, in, "relinearize it before bootstrapping")))
    return failure();
  if (out.getLevel() <= in.getLevel())
    return emitOpError() << "expects the result level (" << out.getLevel()
                         << ") to exceed the input level (" << in.getLevel()
                         << ")";
  if (out.getSlots() != in.getSlots() || out.getSize() != 2)
    return emitOpError()
           << "expects a size-2 result with the input's slot count";
  return verifyAgainstParams(*this);
}
