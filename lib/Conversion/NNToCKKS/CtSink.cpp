//===- CtSink.cpp - flat ckks ops from the kernel library ------------------===//

#include "CtSink.h"

#include "mlir/IR/AsmState.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/DialectResourceBlobManager.h"

using namespace mlir;
using namespace mlir::aegis;
using namespace mlir::aegis::lowering;
namespace ck = mlir::aegis::ckks;
namespace nnd = mlir::aegis::nn;

int32_t MLIRSink::emit(CtOp kind, const Ct &r, const Ct &a, const Ct &c,
                       const Pt &pt, int64_t offset, double constant) {
  noteResult(r);
  Type t = type(r);
  Value x = value(a);
  Value out;
  switch (kind) {
  case CtOp::Add:
    out = ck::AddOp::create(b, loc, t, x, value(c));
    break;
  case CtOp::Sub:
    out = ck::SubOp::create(b, loc, t, x, value(c));
    break;
  case CtOp::Mul:
    out = ck::MulOp::create(b, loc, t, x, value(c));
    break;
  case CtOp::Negate:
    out = ck::NegateOp::create(b, loc, t, x);
    break;
  case CtOp::Relinearize:
    out = ck::RelinearizeOp::create(b, loc, t, x);
    break;
  case CtOp::Rescale:
    out = ck::RescaleOp::create(b, loc, t, x);
    break;
  case CtOp::Rotate:
    out = ck::RotateOp::create(b, loc, t, x, b.getI64IntegerAttr(offset));
    break;
  case CtOp::AddConst:
    out = ck::AddConstOp::create(b, loc, t, x, b.getF64FloatAttr(constant));
    break;
  case CtOp::MulConst:
    out = ck::MulConstOp::create(b, loc, t, x, b.getF64FloatAttr(constant));
    break;
  case CtOp::AddPlain:
    out = ck::AddPlainOp::create(b, loc, t, x, plaintexts[pt.id]);
    break;
  case CtOp::MulPlain:
    out = ck::MulPlainOp::create(b, loc, t, x, plaintexts[pt.id]);
    break;
  case CtOp::LevelDown:
    out = ck::LevelDownOp::create(b, loc, t, x);
    break;
  case CtOp::Bootstrap:
    out = ck::BootstrapOp::create(b, loc, t, x);
    break;
  }
  values.push_back(out);
  return int32_t(values.size() - 1);
}

int32_t MLIRSink::dotPlain(const Ct &r, llvm::ArrayRef<Ct> xs,
                           llvm::ArrayRef<Pt> pts) {
  noteResult(r);
  llvm::SmallVector<Value> inputs, plains;
  for (const Ct &x : xs)
    inputs.push_back(value(x));
  for (const Pt &p : pts)
    plains.push_back(plaintexts[p.id]);
  values.push_back(ck::DotPlainOp::create(b, loc, type(r), inputs, plains));
  return int32_t(values.size() - 1);
}

int32_t MLIRSink::plaintext(const std::vector<double> *values, unsigned level,
                            unsigned logScale) {
  ++emitted;
  auto type = RankedTensorType::get({slots}, b.getF64Type());
  Value c;
  llvm::ArrayRef<double> data;
  if (values) {
    // A blob, not an inline attribute: the IR prints and parses the slot
    // vectors as one resource section, and no op carries S doubles.
    auto attr = DenseResourceElementsAttr::get(
        type, "ckks_pt",
        HeapAsmResourceBlob::allocateAndCopyInferAlign<double>(*values));
    if (auto typed = dyn_cast<DenseF64ResourceElementsAttr>(attr))
      if (auto view = typed.tryGetAsArrayRef())
        data = *view;
    c = nnd::ConstantOp::create(b, loc, type, attr);
  } else {
    auto zero = nnd::ConstantOp::create(b, loc, type,
                                        DenseElementsAttr::get(type, 0.0));
    zero->setAttr("aegis.placeholder", b.getUnitAttr());
    c = zero;
  }
  Value pt = ck::EncodeOp::create(
      b, loc, ck::PlaintextType::get(b.getContext(), slots, level, logScale), c);
  plaintexts.push_back(pt);
  plaintextData.push_back(data);
  return int32_t(plaintexts.size() - 1);
}
