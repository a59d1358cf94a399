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
  if (name != kParamsAttrName && name != kRotationKeysAttrName &&
      name != kConjugationKeyAttrName && name != kNominalScaleAttrName &&
      name != kBootstrapHeadroomAttrName &&
      name != kBootstrapTransformLevelsAttrName)
    return op->emitError() << "unknown ckks attribute '" << name
                           << "'; expected one of '" << kParamsAttrName
                           << "', '" << kRotationKeysAttrName << "', '"
                           << kConjugationKeyAttrName << "', '"
                           << kNominalScaleAttrName << "', '"
                           << kBootstrapHeadroomAttrName << "', '"
                           << kBootstrapTransformLevelsAttrName << "'";
  if (!isa<ModuleOp>(op))
    return op->emitError() << "'" << name
                           << "' may only be attached to a builtin.module";
  if (name == kParamsAttrName && !isa<ParamsAttr>(attr.getValue()))
    return op->emitError() << "'" << name
                           << "' must be a #ckks.params attribute";
  if (name == kRotationKeysAttrName &&
      !isa<DenseI64ArrayAttr>(attr.getValue()))
    return op->emitError() << "'" << name << "' must be an array<i64: ...>";
  if (name == kNominalScaleAttrName) {
    auto v = dyn_cast<IntegerAttr>(attr.getValue());
    if (!v || v.getInt() < 20 || v.getInt() > 60)
      return op->emitError() << "'" << name
                             << "' must be an integer log2 scale in 20..60";
  }
  if (name == kBootstrapHeadroomAttrName) {
    auto v = dyn_cast<IntegerAttr>(attr.getValue());
    if (!v || v.getInt() < 0 || v.getInt() > 30)
      return op->emitError() << "'" << name
                             << "' must be an integer log2 factor in 0..30";
  }
  if (name == kBootstrapTransformLevelsAttrName) {
    auto v = dyn_cast<IntegerAttr>(attr.getValue());
    if (!v || v.getInt() < 1 || v.getInt() > 4)
      return op->emitError() << "'" << name
                             << "' must be an integer level count in 1..4";
  }
  if (name == kConjugationKeyAttrName && !isa<UnitAttr>(attr.getValue()))
    return op->emitError() << "'" << name << "' must be a unit attribute";
  return success();
}
