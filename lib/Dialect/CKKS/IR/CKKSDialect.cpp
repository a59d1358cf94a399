//===- CKKSDialect.cpp - CKKS dialect registration ------------------------===//

#include "aegis/Dialect/CKKS/IR/CKKSDialect.h"
#include "aegis/Dialect/CKKS/IR/CKKSOps.h"
#include "aegis/Dialect/CKKS/IR/CKKSTypes.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/DialectImplementation.h"
#include "mlir/IR/OpImplementation.h"
#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace mlir::aegis::ckks;

#include "aegis/Dialect/CKKS/IR/CKKSDialect.cpp.inc"

#define GET_TYPEDEF_CLASSES
#include "aegis/Dialect/CKKS/IR/CKKSTypes.cpp.inc"

#define GET_ATTRDEF_CLASSES
#include "aegis/Dialect/CKKS/IR/CKKSAttributes.cpp.inc"

namespace {
/// Short aliases keep printed IR readable: `!ct_L3_S40` instead of the
/// full ciphertext type at every use.
struct CKKSOpAsmInterface : public OpAsmDialectInterface {
  using OpAsmDialectInterface::OpAsmDialectInterface;

  AliasResult getAlias(Type type, raw_ostream &os) const override {
    if (auto ct = dyn_cast<CiphertextType>(type)) {
      os << "ct_L" << ct.getLevel() << "_S" << ct.getLogScale();
      if (ct.getSize() != 2)
        os << "_D" << ct.getSize();
      return AliasResult::FinalAlias;
    }
    if (auto pt = dyn_cast<PlaintextType>(type)) {
      os << "pt_L" << pt.getLevel() << "_S" << pt.getLogScale();
      return AliasResult::FinalAlias;
    }
    return AliasResult::NoAlias;
  }
};
} // namespace

void CKKSDialect::initialize() {
  addTypes<
#define GET_TYPEDEF_LIST
#include "aegis/Dialect/CKKS/IR/CKKSTypes.cpp.inc"
      >();
  addAttributes<
#define GET_ATTRDEF_LIST
#include "aegis/Dialect/CKKS/IR/CKKSAttributes.cpp.inc"
      >();
  addOperations<
#define GET_OP_LIST
#include "aegis/Dialect/CKKS/IR/CKKSOps.cpp.inc"
      >();
  addInterfaces<CKKSOpAsmInterface>();
}

LogicalResult CKKSDialect::verifyOperationAttribute(Operation *op,
                                                    NamedAttribute attr) {
  StringRef name = attr.getName().getValue();
  static constexpr StringLiteral known[] = {
      kParamsAttrName,         kRotationKeysAttrName,
      kConjugationKeyAttrName, kNominalScaleAttrName,
      kBootstrapHeadroomAttrName, kBootstrapTransformLevelsAttrName,
      kSecurityAttrName,       kPackingAttrName,
      kApproximationAttrName,  kChoicesAttrName,
      kBootstrapLevelsAttrName, kBootstrapPlanAttrName,
      kRefreshDepthAttrName,   kApproxAttrName,
      kApproxExpAttrName,      kApproxInverseAttrName,
      kCompileNotesAttrName,   kHoistedAttrName};
  if (!llvm::is_contained(known, name)) {
    InFlightDiagnostic d = op->emitError()
                           << "unknown ckks attribute '" << name
                           << "'; expected one of ";
    for (auto [i, k] : llvm::enumerate(known))
      d << (i ? ", '" : "'") << k << "'";
    return d;
  }
  // A hoisted run: this rotation and the n - 1 ops after it rotate one
  // ciphertext.
  if (name == kHoistedAttrName) {
    auto v = dyn_cast<IntegerAttr>(attr.getValue());
    auto first = dyn_cast<RotateOp>(op);
    if (!first || !v || v.getInt() < 2)
      return op->emitError() << "'" << name
                             << "' must be an integer >= 2 on a ckks.rotate";
    Operation *next = op;
    for (int64_t i = 1; i < v.getInt(); ++i) {
      next = next->getNextNode();
      auto rot = dyn_cast_or_null<RotateOp>(next);
      if (!rot || rot.getInput() != first.getInput())
        return op->emitError()
               << "'" << name << "' = " << v.getInt()
               << ": op " << i
               << " after it is not a rotation of the same ciphertext";
    }
    return success();
  }
  // The greedy bootstrap placement's per-op depth sits on nn ops.
  if (name == kRefreshDepthAttrName) {
    auto v = dyn_cast<IntegerAttr>(attr.getValue());
    if (!v || v.getInt() < 0)
      return op->emitError() << "'" << name
                             << "' must be a non-negative integer";
    return success();
  }
  // An approximation on an nn op: {lo, hi, degree[, newton]}.
  if (name == kApproxAttrName || name == kApproxExpAttrName ||
      name == kApproxInverseAttrName) {
    auto d = dyn_cast<DictionaryAttr>(attr.getValue());
    auto lo = d ? d.getAs<FloatAttr>("lo") : FloatAttr();
    auto hi = d ? d.getAs<FloatAttr>("hi") : FloatAttr();
    auto degree = d ? d.getAs<IntegerAttr>("degree") : IntegerAttr();
    Attribute newton = d ? d.get("newton") : Attribute();
    if (!lo || !hi || !degree || (newton && !isa<IntegerAttr>(newton)) ||
        !(lo.getValueAsDouble() < hi.getValueAsDouble()) ||
        degree.getInt() < 0 ||
        (newton && cast<IntegerAttr>(newton).getInt() < 0))
      return op->emitError()
             << "'" << name
             << "' must be {lo, hi, degree[, newton]} with lo < hi and "
                "non-negative integers";
    return success();
  }
  if (!isa<ModuleOp>(op))
    return op->emitError() << "'" << name
                           << "' may only be attached to a builtin.module";
  auto intIn = [&](int64_t lo, int64_t hi, StringRef what) -> LogicalResult {
    auto v = dyn_cast<IntegerAttr>(attr.getValue());
    if (!v || v.getInt() < lo || v.getInt() > hi)
      return op->emitError() << "'" << name << "' must be an integer " << what
                             << " in " << lo << ".." << hi;
    return success();
  };
  // A dictionary with these fields, each of the attribute kind given.
  auto dictWith = [&](auto isField,
                      ArrayRef<StringRef> fields) -> LogicalResult {
    auto d = dyn_cast<DictionaryAttr>(attr.getValue());
    if (!d)
      return op->emitError() << "'" << name << "' must be a dictionary";
    for (StringRef f : fields)
      if (!d.get(f) || !isField(d.get(f)))
        return op->emitError() << "'" << name << "' needs a field '" << f
                               << "' of the right kind";
    return success();
  };
  if (name == kParamsAttrName && !isa<ParamsAttr>(attr.getValue()))
    return op->emitError() << "'" << name
                           << "' must be a #ckks.params attribute";
  if (name == kRotationKeysAttrName &&
      !isa<DenseI64ArrayAttr>(attr.getValue()))
    return op->emitError() << "'" << name << "' must be an array<i64: ...>";
  if (name == kNominalScaleAttrName)
    return intIn(20, 60, "log2 scale");
  if (name == kBootstrapHeadroomAttrName)
    return intIn(0, 30, "log2 factor");
  if (name == kBootstrapTransformLevelsAttrName)
    return intIn(1, 4, "level count");
  if (name == kBootstrapLevelsAttrName)
    return intIn(3, 60, "level count");
  if (name == kConjugationKeyAttrName && !isa<UnitAttr>(attr.getValue()))
    return op->emitError() << "'" << name << "' must be a unit attribute";
  if (name == kSecurityAttrName) {
    auto s = dyn_cast<StringAttr>(attr.getValue());
    if (!s || (s.getValue() != "128" && s.getValue() != "toy"))
      return op->emitError() << "'" << name << "' must be \"128\" or \"toy\"";
  }
  auto isInt = [](Attribute a) { return isa<IntegerAttr>(a); };
  auto isFloat = [](Attribute a) { return isa<FloatAttr>(a); };
  auto isString = [](Attribute a) { return isa<StringAttr>(a); };
  if (name == kPackingAttrName)
    return dictWith(isInt, {"slots", "token_tile"});
  if (name == kApproximationAttrName)
    return dictWith(isFloat, {"margin", "max_error"});
  if (name == kCompileNotesAttrName) {
    if (failed(dictWith(isString, {"ring", "bootstrapping", "placement"})) ||
        failed(dictWith(isInt, {"depth", "lower_bound", "plan_misses",
                                "tokens", "model_ops"})))
      return failure();
    if (!cast<DictionaryAttr>(attr.getValue()).getAs<ArrayAttr>("approximations"))
      return op->emitError() << "'" << name
                             << "' needs approximations (an array of strings)";
  }
  if (name == kChoicesAttrName)
    return dictWith(isString, {"ring", "bootstrapping"});
  if (name == kBootstrapPlanAttrName) {
    if (failed(dictWith(isString, {"placement", "why"})) ||
        failed(dictWith(isInt, {"depth", "lower_bound"})))
      return failure();
    auto d = cast<DictionaryAttr>(attr.getValue());
    if (d.getAs<StringAttr>("placement").getValue() == "mincut" &&
        (failed(dictWith(isInt, {"values", "stages"})) ||
         !d.getAs<DenseI32ArrayAttr>("refresh")))
      return op->emitError() << "'" << name
                             << "' with placement \"mincut\" needs "
                                "refresh (array<i32>), values and stages";
  }
  return success();
}
