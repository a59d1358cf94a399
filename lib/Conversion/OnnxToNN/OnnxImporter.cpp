//===- OnnxImporter.cpp - ONNX models into the nn dialect -----------------===//
//
// Walks the (topologically sorted) ONNX graph once. Values whose content is
// known at import time (initializers, Constant nodes, and everything
// computed from them or from static shapes: Shape/Gather/Unsqueeze/Concat/
// Cast arithmetic) are kept as host tensors and folded; the rest becomes nn
// ops. Host tensors are materialised as nn.constant (dense_resource for
// weights) where a real op uses them.
//
//===----------------------------------------------------------------------===//

#include "aegis/Conversion/OnnxToNN/OnnxImporter.h"
#include "aegis/Dialect/NN/IR/NNOps.h"
#include "aegis/Dialect/NN/Interpreter/Interpreter.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/AsmState.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/Verifier.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"

#include "onnx/defs/parser.h"
#include "onnx/onnx_pb.h"

#include <cmath>
#include <limits>
#include <optional>
#include <set>

using namespace mlir;
using namespace mlir::aegis;
using ::aegis::nn::BinaryKind;
using ::aegis::nn::Shape;
using ::aegis::nn::Tensor;
using ::aegis::nn::UnaryKind;

namespace {


/// An imported value: an SSA value, a host-side constant, or both.
struct Val {
  Value value;
  std::optional<Tensor> constant;
  RankedTensorType type;
};

class Importer {
public:
  Importer(MLIRContext *ctx, StringRef fileName, const OnnxImportOptions &opts)
      : ctx(ctx), builder(ctx), fileName(fileName.str()), opts(opts) {}

  OwningOpRef<ModuleOp> run(const onnx::ModelProto &model);

private:
  // Diagnostics ---------------------------------------------------------
  InFlightDiagnostic error(const onnx::NodeProto *node = nullptr) {
    return emitError(loc(node));
  }
  Location loc(const onnx::NodeProto *node) {
    Location file = FileLineColLoc::get(ctx, fileName, 0, 0);
    if (!node)
      return file;
    std::string name = node->name().empty() ? node->op_type() : node->name();
    return NameLoc::get(StringAttr::get(ctx, name), file);
  }
  std::string describe(const onnx::NodeProto &node) {
    return "'" + node.op_type() + "' (node '" + node.name() + "', opset " +
           std::to_string(opset) + ")";
  }

  // Types and tensors ---------------------------------------------------
  FailureOr<Type> elementType(int32_t onnxType, const onnx::NodeProto *node);
  FailureOr<Tensor> readTensor(const onnx::TensorProto &t, RankedTensorType &type,
                               const onnx::NodeProto *node);
  Value materialize(Val &v, Type elementType = {});
  Val constantVal(Tensor t, RankedTensorType type) {
    return Val{Value(), std::move(t), type};
  }

  // Graph ---------------------------------------------------------------
  LogicalResult checkLegality(const onnx::GraphProto &graph);
  LogicalResult importInputs(const onnx::GraphProto &graph);
  LogicalResult importNode(const onnx::NodeProto &node);
  LogicalResult checkFoldedIntegers(const onnx::NodeProto &node);
  FailureOr<Val *> input(const onnx::NodeProto &node, int i);
  bool hasInput(const onnx::NodeProto &node, int i) {
    return node.input_size() > i && !node.input(i).empty();
  }
  FailureOr<Tensor> constInput(const onnx::NodeProto &node, int i,
                               StringRef what);
  FailureOr<std::vector<int64_t>> intsInput(const onnx::NodeProto &node, int i,
                                            StringRef what);
  /// Builds `OpTy` on values and folds it when all operands are constants.
  template <typename OpTy>
  FailureOr<Val> build(const onnx::NodeProto &node, ArrayRef<Val *> operands,
                       Type resultType, ArrayRef<NamedAttribute> attrs = {});
  NamedAttribute named(StringRef name, Attribute value) {
    return builder.getNamedAttr(name, value);
  }
  FailureOr<SmallVector<Val>> buildMulti(Operation *op);

  // Attributes ----------------------------------------------------------
  const onnx::AttributeProto *attr(const onnx::NodeProto &n, StringRef name) {
    for (const auto &a : n.attribute())
      if (a.name() == name)
        return &a;
    return nullptr;
  }
  int64_t intAttr(const onnx::NodeProto &n, StringRef name, int64_t dflt) {
    auto *a = attr(n, name);
    return a ? a->i() : dflt;
  }
  float floatAttr(const onnx::NodeProto &n, StringRef name, float dflt) {
    auto *a = attr(n, name);
    return a ? a->f() : dflt;
  }
  std::optional<std::vector<int64_t>> intsAttr(const onnx::NodeProto &n,
                                               StringRef name) {
    auto *a = attr(n, name);
    if (!a)
      return std::nullopt;
    return std::vector<int64_t>(a->ints().begin(), a->ints().end());
  }

  RankedTensorType tensorType(ArrayRef<int64_t> shape, Type et) {
    return RankedTensorType::get(shape, et);
  }

public:
  /// One handler per ONNX op (handlers()), run on the node being imported.
  using Handler = LogicalResult (Importer::*)(const onnx::NodeProto &);
  static const std::vector<std::pair<std::string, Handler>> &handlers();
  static Handler handler(StringRef opType);

private:
  // Node handlers and what they share; node_ is the node being imported.
  void bind(int i, Val v) { values[node_->output(i)] = std::move(v); }
  InFlightDiagnostic fail() { return error(node_); }
  template <typename OpTy> LogicalResult binaryNN(OpTy, BinaryKind kind);
  LogicalResult hostBinary(BinaryKind kind, bool boolResult);
  template <typename OpTy> LogicalResult unaryNN(OpTy, UnaryKind kind);
  LogicalResult reshapeTo(Val *x, ArrayRef<int64_t> shape);
  LogicalResult importAdd(const onnx::NodeProto &node);
  LogicalResult importSub(const onnx::NodeProto &node);
  LogicalResult importMul(const onnx::NodeProto &node);
  LogicalResult importDiv(const onnx::NodeProto &node);
  LogicalResult importPow(const onnx::NodeProto &node);
  LogicalResult importEqual(const onnx::NodeProto &node);
  LogicalResult importLess(const onnx::NodeProto &node);
  LogicalResult importGreater(const onnx::NodeProto &node);
  LogicalResult importAnd(const onnx::NodeProto &node);
  LogicalResult importOr(const onnx::NodeProto &node);
  LogicalResult importMaxMin(const onnx::NodeProto &node);
  LogicalResult importNot(const onnx::NodeProto &node);
  LogicalResult importSqrt(const onnx::NodeProto &node);
  LogicalResult importErf(const onnx::NodeProto &node);
  LogicalResult importTanh(const onnx::NodeProto &node);
  LogicalResult importExp(const onnx::NodeProto &node);
  LogicalResult importRelu(const onnx::NodeProto &node);
  LogicalResult importNeg(const onnx::NodeProto &node);
  LogicalResult importReciprocal(const onnx::NodeProto &node);
  LogicalResult importSigmoid(const onnx::NodeProto &node);
  LogicalResult importIdentityDropout(const onnx::NodeProto &node);
  LogicalResult importGelu(const onnx::NodeProto &node);
  LogicalResult importMatMul(const onnx::NodeProto &node);
  LogicalResult importGemm(const onnx::NodeProto &node);
  LogicalResult importSoftmax(const onnx::NodeProto &node);
  LogicalResult importReduceMeanReduceSum(const onnx::NodeProto &node);
  LogicalResult importLayerNormalization(const onnx::NodeProto &node);
  LogicalResult importReshapeFamily(const onnx::NodeProto &node);
  LogicalResult importTranspose(const onnx::NodeProto &node);
  LogicalResult importExpand(const onnx::NodeProto &node);
  LogicalResult importSlice(const onnx::NodeProto &node);
  LogicalResult importConcat(const onnx::NodeProto &node);
  LogicalResult importSplit(const onnx::NodeProto &node);
  LogicalResult importGather(const onnx::NodeProto &node);
  LogicalResult importWhere(const onnx::NodeProto &node);
  LogicalResult importCast(const onnx::NodeProto &node);
  LogicalResult importConstant(const onnx::NodeProto &node);
  LogicalResult importShape(const onnx::NodeProto &node);
  LogicalResult importConstantOfShape(const onnx::NodeProto &node);
  LogicalResult importRange(const onnx::NodeProto &node);
  LogicalResult importGatherElements(const onnx::NodeProto &node);
  LogicalResult importTrilu(const onnx::NodeProto &node);
  LogicalResult importIsNaN(const onnx::NodeProto &node);
  LogicalResult importOrEqual(const onnx::NodeProto &node);
  LogicalResult importCosSin(const onnx::NodeProto &node);
  LogicalResult importMod(const onnx::NodeProto &node);
  LogicalResult importCumSum(const onnx::NodeProto &node);
  LogicalResult importTile(const onnx::NodeProto &node);
  const onnx::NodeProto *node_ = nullptr;

  MLIRContext *ctx;
  OpBuilder builder;
  std::string fileName;
  const OnnxImportOptions &opts;
  int64_t opset = 0;
  llvm::StringMap<Val> values;
  llvm::StringMap<const onnx::TensorProto *> initializers;
  SmallVector<Value> arguments;
  func::FuncOp function;
};

FailureOr<Type> Importer::elementType(int32_t t, const onnx::NodeProto *node) {
  switch (t) {
  case onnx::TensorProto::FLOAT:
  // Half-precision weights, inputs and casts are widened to float32 on
  // import: CKKS computes in fixed point at the scale the compiler picks,
  // and the interpreter in float64, so nothing downstream keeps 16 bits.
  case onnx::TensorProto::FLOAT16:
  case onnx::TensorProto::BFLOAT16:
    return Type(builder.getF32Type());
  case onnx::TensorProto::DOUBLE:
    return Type(builder.getF64Type());
  case onnx::TensorProto::INT64:
    return Type(builder.getI64Type());
  case onnx::TensorProto::INT32:
    return Type(builder.getI32Type());
  case onnx::TensorProto::BOOL:
    return Type(builder.getI1Type());
  default:
    return error(node) << "unsupported ONNX tensor element type "
                       << onnx::TensorProto::DataType_Name(
                              static_cast<onnx::TensorProto::DataType>(t))
                       << " (supported: FLOAT, FLOAT16 and BFLOAT16 (widened "
                          "to FLOAT), DOUBLE, INT64, INT32, BOOL)";
  }
}

/// The most elements an imported tensor may have (initializers, constants,
/// graph inputs): a corrupt or hostile file must not make us allocate
/// unbounded memory or overflow element counts.
constexpr int64_t kMaxElements = int64_t(1) << 36;

/// Whether `shape` has no negative dimension and at most kMaxElements
/// elements.
/// Whether `elements` doubles fit the memory the compiler may use for one
/// tensor (the interpreter's limit, AEGIS_MEMORY_LIMIT_GB): constants the
/// importer builds itself (Range, ConstantOfShape, Tile indices) are
/// refused beyond it instead of exhausting the machine.
static bool fitsMemory(int64_t elements) {
  return elements >= 0 &&
         uint64_t(elements) <= ::mlir::aegis::nn::interpreterMemoryLimit() / 8;
}

static bool isAllocatableShape(ArrayRef<int64_t> shape) {
  int64_t n = 1;
  for (int64_t d : shape) {
    if (d < 0 || (d > 0 && n > kMaxElements / d))
      return false;
    n *= d;
  }
  return true;
}

/// IEEE 754 binary16 to float (exact: every half is a float).
static float halfToFloat(uint16_t h) {
  uint32_t sign = uint32_t(h >> 15) << 31;
  uint32_t exponent = (h >> 10) & 0x1f, mantissa = h & 0x3ff;
  uint32_t bits;
  if (exponent == 0x1f) {
    bits = sign | 0x7f800000u | (mantissa << 13); // Inf or NaN
  } else if (exponent != 0) {
    bits = sign | ((exponent + 112) << 23) | (mantissa << 13);
  } else if (mantissa == 0) {
    bits = sign; // +-0
  } else {
    // Subnormal: normalize the mantissa.
    int shift = 0;
    while (!(mantissa & 0x400)) {
      mantissa <<= 1;
      ++shift;
    }
    bits = sign | (uint32_t(113 - shift) << 23) | ((mantissa & 0x3ff) << 13);
  }
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}

/// bfloat16 (the top half of a float) to float.
static float bfloat16ToFloat(uint16_t b) {
  uint32_t bits = uint32_t(b) << 16;
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}

/// Decodes a TensorProto's data (inline fields, raw bytes or an external
/// file under `baseDir`) into doubles. Returns "" or an error message.
static std::string decodeTensor(const onnx::TensorProto &t,
                                const std::string &baseDir, Tensor &out) {
  Shape shape(t.dims().begin(), t.dims().end());
  // Validate the element count before allocating anything: a corrupt or
  // hostile file must not make us allocate unbounded memory.
  int64_t n = 1;
  for (int64_t d : shape) {
    if (d < 0)
      return "tensor '" + t.name() + "' has a negative dimension";
    if (d > 0 && n > kMaxElements / d)
      return "tensor '" + t.name() + "' is too large";
    n *= d;
  }

  std::string raw;
  bool haveRaw = t.has_raw_data();
  if (t.data_location() == onnx::TensorProto::EXTERNAL) {
    std::string location;
    int64_t offset = 0, length = -1;
    for (const auto &kv : t.external_data()) {
      if (kv.key() == "location")
        location = kv.value();
      else if (kv.key() == "offset")
        offset = std::atoll(kv.value().c_str());
      else if (kv.key() == "length")
        length = std::atoll(kv.value().c_str());
    }
    // As onnx.checker requires: a relative path below the model's directory
    // (a model must not read /etc/... or ../..), and a regular file
    // (/dev/zero would be read until memory runs out).
    bool escapes = llvm::sys::path::is_absolute(location);
    for (StringRef c : llvm::make_range(llvm::sys::path::begin(location),
                                        llvm::sys::path::end(location)))
      escapes |= c == "..";
    if (escapes)
      return "tensor '" + t.name() + "': external data location '" + location +
             "' must be a relative path inside the model's directory";
    SmallString<256> path(baseDir);
    llvm::sys::path::append(path, location);
    if (llvm::sys::fs::exists(path) && !llvm::sys::fs::is_regular_file(path))
      return "tensor '" + t.name() + "': external data file '" +
             path.str().str() + "' is not a regular file";
    auto file = llvm::MemoryBuffer::getFile(path, /*IsText=*/false);
    if (!file)
      return "tensor '" + t.name() + "' refers to external data file '" +
             path.str().str() + "', which cannot be read: " +
             file.getError().message();
    StringRef all = (*file)->getBuffer();
    if (offset < 0 || static_cast<size_t>(offset) > all.size() ||
        (length >= 0 && static_cast<size_t>(length) > all.size() - offset))
      return "tensor '" + t.name() + "': external data range " +
             std::to_string(offset) + "+" + std::to_string(length) +
             " exceeds the " + std::to_string(all.size()) + " bytes of '" +
             path.str().str() + "'";
    raw = all.substr(offset, length < 0 ? StringRef::npos : length).str();
    haveRaw = true;
  } else if (haveRaw) {
    raw = t.raw_data();
  }

  auto fromRaw = [&](auto tag) -> std::string {
    using T = decltype(tag);
    if (raw.size() != static_cast<size_t>(n) * sizeof(T))
      return "tensor '" + t.name() + "' holds " + std::to_string(raw.size()) +
             " bytes of data, expected " + std::to_string(n * sizeof(T));
    out = Tensor(shape);
    for (int64_t i = 0; i < n; ++i) {
      T v;
      std::memcpy(&v, raw.data() + i * sizeof(T), sizeof(T));
      out.data[i] = static_cast<double>(v);
    }
    return "";
  };
  auto fromField = [&](const auto &field) -> std::string {
    if (field.size() != n)
      return "tensor '" + t.name() + "' holds " + std::to_string(field.size()) +
             " values, expected " + std::to_string(n);
    out = Tensor(shape);
    for (int64_t i = 0; i < n; ++i)
      out.data[i] = static_cast<double>(field.Get(i));
    return "";
  };
  // NaN or +Inf weights would poison calibration and every approximation
  // fitted from it; -Inf stays allowed (the fill value of attention masks).
  auto finite = [&](std::string why) -> std::string {
    if (!why.empty())
      return why;
    for (size_t i = 0; i < out.data.size(); ++i) {
      double v = out.data[i];
      if (std::isnan(v) || v == std::numeric_limits<double>::infinity())
        return "tensor '" + t.name() + "' holds " +
               (std::isnan(v) ? "NaN" : "+Inf") + " at element " +
               std::to_string(i) + " (of " + std::to_string(out.data.size()) +
               "); weights and constants must be finite";
    }
    return "";
  };
  switch (t.data_type()) {
  case onnx::TensorProto::FLOAT:
    return finite(haveRaw ? fromRaw(float()) : fromField(t.float_data()));
  case onnx::TensorProto::DOUBLE:
    return finite(haveRaw ? fromRaw(double()) : fromField(t.double_data()));
  case onnx::TensorProto::FLOAT16:
  case onnx::TensorProto::BFLOAT16: {
    // 16-bit patterns: raw little-endian, or one per int32_data entry.
    float (*widen)(uint16_t) = t.data_type() == onnx::TensorProto::FLOAT16
                                   ? halfToFloat
                                   : bfloat16ToFloat;
    std::string why = haveRaw ? fromRaw(uint16_t()) : fromField(t.int32_data());
    if (why.empty())
      for (double &v : out.data)
        v = widen(uint16_t(int64_t(v)));
    return finite(why);
  }
  case onnx::TensorProto::INT64:
    return haveRaw ? fromRaw(int64_t()) : fromField(t.int64_data());
  case onnx::TensorProto::INT32:
    return haveRaw ? fromRaw(int32_t()) : fromField(t.int32_data());
  case onnx::TensorProto::BOOL:
    return haveRaw ? fromRaw(uint8_t()) : fromField(t.int32_data());
  default:
    return "unsupported ONNX tensor element type " +
           onnx::TensorProto::DataType_Name(
               static_cast<onnx::TensorProto::DataType>(t.data_type())) +
           " (supported: FLOAT, FLOAT16 and BFLOAT16 (widened to FLOAT), "
           "DOUBLE, INT64, INT32, BOOL)";
  }
}

FailureOr<Tensor> Importer::readTensor(const onnx::TensorProto &t,
                                       RankedTensorType &type,
                                       const onnx::NodeProto *node) {
  auto et = elementType(t.data_type(), node);
  if (failed(et))
    return failure();
  Tensor out;
  std::string why = decodeTensor(t, opts.baseDirectory, out);
  if (!why.empty())
    return error(node) << why;
  type = tensorType(out.shape, *et);
  return out;
}

Value Importer::materialize(Val &v, Type et) {
  if (!et)
    et = v.type.getElementType();
  if (v.value && v.type.getElementType() == et)
    return v.value;
  auto type = tensorType(v.type.getShape(), et);
  if (!v.constant) {
    // A non-constant value of another element type: an explicit cast.
    return nn::CastOp::create(builder, v.value.getLoc(), type, v.value);
  }
  ElementsAttr attr;
  if (isa<FloatType>(et) && v.constant->numElements() >= opts.resourceThreshold) {
    static int counter = 0;
    std::string key = "w" + std::to_string(counter++);
    if (et.isF32()) {
      SmallVector<float> data(v.constant->data.begin(), v.constant->data.end());
      attr = DenseResourceElementsAttr::get(
          type, key, HeapAsmResourceBlob::allocateAndCopyInferAlign<float>(data));
    } else {
      attr = DenseResourceElementsAttr::get(
          type, key,
          HeapAsmResourceBlob::allocateAndCopyInferAlign<double>(
              v.constant->data));
    }
  } else {
    attr = nn::tensorToAttr(*v.constant, type);
  }
  Value c = nn::ConstantOp::create(builder, builder.getUnknownLoc(), attr);
  if (v.type.getElementType() == et)
    v.value = c;
  return c;
}

LogicalResult Importer::checkLegality(const onnx::GraphProto &graph) {
  std::vector<std::string> bad;
  for (const auto &node : graph.node()) {
    if (!node.domain().empty() && node.domain() != "ai.onnx")
      bad.push_back(describe(node) + " in domain '" + node.domain() + "'");
    else if (!handler(node.op_type()))
      bad.push_back(describe(node));
  }
  if (bad.empty())
    return success();
  auto diag = error() << bad.size() << " unsupported ONNX node"
                      << (bad.size() > 1 ? "s" : "") << ": ";
  for (size_t i = 0; i < bad.size(); ++i)
    diag << (i ? ", " : "") << bad[i];
  diag << "; supported ops:";
  for (const std::string &op : supportedOnnxOps())
    diag << " " << op;
  return failure();
}

LogicalResult Importer::importInputs(const onnx::GraphProto &graph) {
  SmallVector<Type> argTypes;
  SmallVector<std::string> names;
  std::set<std::string> inputNames;
  for (const auto &in : graph.input())
    if (!initializers.count(in.name()))
      inputNames.insert(in.name());
  for (const auto &[name, shape] : opts.inputShapes)
    if (!inputNames.count(name))
      return error() << "--aegis-input-shape names '" << name
                     << "', which is not an input of the model";
  for (const auto &[name, value] : opts.inputValues)
    if (!inputNames.count(name))
      return error() << "a bound input value names '" << name
                     << "', which is not an input of the model";
  for (const auto &in : graph.input()) {
    if (initializers.count(in.name()))
      continue; // Older exporters list initializers as inputs.
    const auto &tt = in.type().tensor_type();
    if (!in.type().has_tensor_type())
      return error() << "input '" << in.name() << "' is not a tensor";
    auto et = elementType(tt.elem_type(), nullptr);
    if (failed(et))
      return failure();
    auto bound = opts.inputValues.find(in.name());
    if (bound != opts.inputValues.end()) {
      const Tensor &value = bound->second;
      if (tt.has_shape() &&
          static_cast<size_t>(tt.shape().dim_size()) != value.shape.size())
        return error() << "the value bound to input '" << in.name()
                       << "' has rank " << value.shape.size()
                       << " but the model has rank " << tt.shape().dim_size();
      values[in.name()] = constantVal(value, tensorType(value.shape, *et));
      continue;
    }
    Shape shape;
    auto fixed = opts.inputShapes.find(in.name());
    if (fixed != opts.inputShapes.end()) {
      shape = fixed->second;
      if (tt.has_shape() &&
          static_cast<size_t>(tt.shape().dim_size()) != shape.size())
        return error() << "--aegis-input-shape gives input '" << in.name()
                       << "' rank " << shape.size() << " but the model has rank "
                       << tt.shape().dim_size();
      for (int i = 0; tt.has_shape() && i < tt.shape().dim_size(); ++i) {
        const auto &dim = tt.shape().dim(i);
        if (dim.has_dim_value() && dim.dim_value() != shape[i])
          return error() << "--aegis-input-shape gives input '" << in.name()
                         << "' dimension " << i << " = " << shape[i]
                         << " but the model fixes it to " << dim.dim_value();
      }
    } else {
      if (!tt.has_shape())
        return error() << "input '" << in.name()
                       << "' has no shape; fix it with --aegis-input-shape="
                       << in.name() << ":D0xD1x...";
      for (int i = 0; i < tt.shape().dim_size(); ++i) {
        const auto &dim = tt.shape().dim(i);
        if (!dim.has_dim_value() || dim.dim_value() <= 0) {
          std::string example;
          for (int j = 0; j < tt.shape().dim_size(); ++j) {
            const auto &d = tt.shape().dim(j);
            example += (j ? "x" : "") +
                       (d.has_dim_value() && d.dim_value() > 0
                            ? std::to_string(d.dim_value())
                            : std::string("N"));
          }
          return error() << "input '" << in.name() << "' has dynamic dimension "
                         << i
                         << (dim.has_dim_param()
                                 ? " ('" + dim.dim_param() + "')"
                                 : std::string())
                         << "; fix it with --aegis-input-shape=" << in.name()
                         << ":" << example;
        }
        shape.push_back(dim.dim_value());
      }
    }
    if (!isAllocatableShape(shape))
      return error() << "input '" << in.name() << "' has more than 2^36 "
                     << "elements";
    argTypes.push_back(tensorType(shape, *et));
    names.push_back(in.name());
  }

  // Output types are filled in at the end, once known.
  function = func::FuncOp::create(builder, loc(nullptr), "main",
                                  builder.getFunctionType(argTypes, {}));
  Block *entry = function.addEntryBlock();
  builder.setInsertionPointToStart(entry);
  for (auto [i, name] : llvm::enumerate(names)) {
    function.setArgAttr(i, "nn.name", builder.getStringAttr(name));
    values[name] = Val{entry->getArgument(i), std::nullopt,
                       cast<RankedTensorType>(argTypes[i])};
  }
  return success();
}

FailureOr<Val *> Importer::input(const onnx::NodeProto &node, int i) {
  if (node.input_size() <= i || node.input(i).empty())
    return error(&node) << describe(node) << " is missing input #" << i;
  auto it = values.find(node.input(i));
  if (it != values.end())
    return &it->second;
  auto init = initializers.find(node.input(i));
  if (init == initializers.end())
    return error(&node) << describe(node) << " uses '" << node.input(i)
                        << "', which is neither a graph input, an initializer "
                           "nor an earlier node's output";
  RankedTensorType type;
  auto t = readTensor(*init->second, type, &node);
  if (failed(t))
    return failure();
  return &(values[node.input(i)] = constantVal(std::move(*t), type));
}

FailureOr<Tensor> Importer::constInput(const onnx::NodeProto &node, int i,
                                       StringRef what) {
  auto v = input(node, i);
  if (failed(v))
    return failure();
  if (!(*v)->constant)
    return error(&node) << describe(node) << ": its " << what
                        << " (input #" << i
                        << ") must be known at compile time; data-dependent "
                           "shapes are not supported";
  return *(*v)->constant;
}

FailureOr<std::vector<int64_t>>
Importer::intsInput(const onnx::NodeProto &node, int i, StringRef what) {
  auto t = constInput(node, i, what);
  if (failed(t))
    return failure();
  // Converting a double outside the int64 range (or NaN) is undefined;
  // 2^63 is INT64_MAX ("to the end" in Slice) rounded to a double.
  std::vector<int64_t> ints;
  for (double v : t->data) {
    if (!(v >= -0x1p63 && v <= 0x1p63))
      return error(&node) << describe(node) << ": its " << what << " (input #"
                          << i << ") holds " << v << ", not a 64-bit integer";
    ints.push_back(v == 0x1p63 ? std::numeric_limits<int64_t>::max()
                               : static_cast<int64_t>(v));
  }
  return ints;
}

template <typename OpTy>
FailureOr<Val> Importer::build(const onnx::NodeProto &node,
                               ArrayRef<Val *> operands, Type resultType,
                               ArrayRef<NamedAttribute> attrs) {
  bool allConst = llvm::all_of(operands, [](Val *v) { return v->constant.has_value(); });
  SmallVector<Value> vals;
  for (Val *v : operands)
    vals.push_back(materialize(*v));
  auto op = OpTy::create(builder, loc(&node), TypeRange{resultType}, vals,
                         attrs);
  if (failed(verify(op)))
    return failure();
  auto type = cast<RankedTensorType>(op->getResult(0).getType());
  if (!allConst)
    return Val{op->getResult(0), std::nullopt, type};
  SmallVector<const Tensor *> ins;
  for (Val *v : operands)
    ins.push_back(&*v->constant);
  SmallVector<Tensor> results;
  if (failed(nn::evaluateOperation(op, ins, results)))
    return failure();
  op->erase();
  return constantVal(std::move(results[0]), type);
}

template <typename OpTy>
LogicalResult Importer::binaryNN(OpTy, BinaryKind kind) {
  const onnx::NodeProto &node = *node_;
  auto a = input(node, 0), b = input(node, 1);
  if (failed(a) || failed(b))
    return failure();
  auto shape = nn::broadcastShapes((*a)->type.getShape(), (*b)->type.getShape());
  if (!shape)
    return fail() << describe(node) << ": cannot broadcast operand shapes";
  Type et = (*a)->type.getElementType();
  // Constants of another float type (e.g. Pow's exponent) follow the
  // other operand.
  Val *lhs = *a, *rhs = *b;
  Val convB = *rhs;
  if (rhs->type.getElementType() != et) {
    if (!rhs->constant)
      return fail() << describe(node) << ": operands have different element types";
    convB.type = tensorType(rhs->type.getShape(), et);
    convB.value = Value();
    rhs = &convB;
  }
  if (lhs->constant && rhs->constant) {
    Tensor r = ::aegis::nn::binary(kind, *lhs->constant, *rhs->constant,
                                   Shape(shape->begin(), shape->end()),
                                   isa<IntegerType>(et));
    bind(0, constantVal(std::move(r), tensorType(*shape, et)));
    return success();
  }
  auto r = build<OpTy>(node, {lhs, rhs}, tensorType(*shape, et));
  if (failed(r))
    return failure();
  bind(0, *r);
  return success();
}

LogicalResult Importer::hostBinary(BinaryKind kind, bool boolResult) {
  const onnx::NodeProto &node = *node_;
  // Comparisons of integer data (token ids) build nn.compare, which only a
  // client prefix can run.
  StringRef predicate = kind == BinaryKind::Equal     ? "eq"
                        : kind == BinaryKind::Less    ? "lt"
                        : kind == BinaryKind::Greater ? "gt"
                        : kind == BinaryKind::And     ? "and"
                        : kind == BinaryKind::Or      ? "or"
                                                      : "";
  if (boolResult && !predicate.empty()) {
    auto va = input(node, 0), vb = input(node, 1);
    if (failed(va) || failed(vb))
      return failure();
    if ((!(*va)->constant || !(*vb)->constant) &&
        isa<IntegerType>((*va)->type.getElementType()) &&
        (*va)->type.getElementType() == (*vb)->type.getElementType()) {
      auto shape = nn::broadcastShapes((*va)->type.getShape(),
                                       (*vb)->type.getShape());
      if (!shape)
        return fail() << describe(node) << ": cannot broadcast operand shapes";
      auto r = build<nn::CompareOp>(
          node, {*va, *vb}, tensorType(*shape, builder.getI1Type()),
          {named("predicate", builder.getStringAttr(predicate))});
      if (failed(r))
        return failure();
      bind(0, *r);
      return success();
    }
  }
  auto a = constInput(node, 0, "first operand"),
       b = constInput(node, 1, "second operand");
  if (failed(a) || failed(b))
    return failure();
  auto shape = nn::broadcastShapes(a->shape, b->shape);
  if (!shape)
    return fail() << describe(node) << ": cannot broadcast operand shapes";
  Type et = boolResult ? builder.getI1Type()
                       : (*input(node, 0))->type.getElementType();
  bind(0, constantVal(::aegis::nn::binary(kind, *a, *b,
                                          Shape(shape->begin(), shape->end()),
                                          isa<IntegerType>(et)),
                      tensorType(*shape, et)));
  return success();
}

template <typename OpTy>
LogicalResult Importer::unaryNN(OpTy, UnaryKind kind) {
  const onnx::NodeProto &node = *node_;
  auto a = input(node, 0);
  if (failed(a))
    return failure();
  if ((*a)->constant) {
    bind(0, constantVal(::aegis::nn::unary(kind, *(*a)->constant), (*a)->type));
    return success();
  }
  auto r = build<OpTy>(node, {*a}, (*a)->type);
  if (failed(r))
    return failure();
  bind(0, *r);
  return success();
}

LogicalResult Importer::reshapeTo(Val *x, ArrayRef<int64_t> shape) {
  const onnx::NodeProto &node = *node_;
  auto type = tensorType(shape, x->type.getElementType());
  if (x->constant) {
    // Folded without an nn.reshape, so without its verifier.
    int64_t n = x->constant->numElements();
    if (!isAllocatableShape(shape) ||
        Tensor::numElements(Shape(shape.begin(), shape.end())) != n)
      return fail() << describe(node) << ": cannot reshape " << n
                    << " elements into " << type;
    bind(0, constantVal(Tensor(Shape(shape.begin(), shape.end()),
                               x->constant->data),
                        type));
    return success();
  }
  auto r = build<nn::ReshapeOp>(node, {x}, type);
  if (failed(r))
    return failure();
  bind(0, *r);
  return success();
}

LogicalResult Importer::importAdd(const onnx::NodeProto &node) {
  return binaryNN(nn::AddOp(), BinaryKind::Add);
}

LogicalResult Importer::importSub(const onnx::NodeProto &node) {
  return binaryNN(nn::SubOp(), BinaryKind::Sub);
}

LogicalResult Importer::importMul(const onnx::NodeProto &node) {
  return binaryNN(nn::MulOp(), BinaryKind::Mul);
}

LogicalResult Importer::importDiv(const onnx::NodeProto &node) {
  return binaryNN(nn::DivOp(), BinaryKind::Div);
}

LogicalResult Importer::importPow(const onnx::NodeProto &node) {
  return binaryNN(nn::PowOp(), BinaryKind::Pow);
}

LogicalResult Importer::importEqual(const onnx::NodeProto &node) {
  return hostBinary(BinaryKind::Equal, true);
}

LogicalResult Importer::importLess(const onnx::NodeProto &node) {
  return hostBinary(BinaryKind::Less, true);
}

LogicalResult Importer::importGreater(const onnx::NodeProto &node) {
  return hostBinary(BinaryKind::Greater, true);
}

LogicalResult Importer::importCosSin(const onnx::NodeProto &node) {
  // On constants: rotary tables (cos/sin of position x frequency).
  auto x = constInput(node, 0, "input");
  if (failed(x))
    return failure();
  Tensor r = *x;
  bool cos = node.op_type() == "Cos";
  for (double &v : r.data)
    v = cos ? std::cos(v) : std::sin(v);
  bind(0, constantVal(std::move(r), (*input(node, 0))->type));
  return success();
}

LogicalResult Importer::importOrEqual(const onnx::NodeProto &node) {
  // a >= b is not (a < b), a <= b not (a > b) (no NaN in what aegis folds
  // or in integer data).
  bool ge = node.op_type() == "GreaterOrEqual";
  if (failed(hostBinary(ge ? BinaryKind::Less : BinaryKind::Greater, true)))
    return failure();
  Val *strict = &values[node.output(0)];
  if (strict->constant) {
    bind(0, constantVal(::aegis::nn::unary(UnaryKind::Not, *strict->constant),
                        strict->type));
    return success();
  }
  auto r = build<nn::NotOp>(node, {strict}, strict->type);
  if (failed(r))
    return failure();
  bind(0, *r);
  return success();
}

LogicalResult Importer::importAnd(const onnx::NodeProto &node) {
  return hostBinary(BinaryKind::And, true);
}

LogicalResult Importer::importOr(const onnx::NodeProto &node) {
  return hostBinary(BinaryKind::Or, true);
}

LogicalResult Importer::importMaxMin(const onnx::NodeProto &node) {
  const std::string &t = node.op_type();
  if (node.input_size() != 2)
    return fail() << describe(node) << ": only two operands are supported";
  return hostBinary(t == "Max" ? BinaryKind::Max : BinaryKind::Min, false);
}

LogicalResult Importer::importNot(const onnx::NodeProto &node) {
  auto x = input(node, 0);
  if (failed(x))
    return failure();
  if (!(*x)->constant && (*x)->type.getElementType().isInteger(1)) {
    auto r = build<nn::NotOp>(node, {*x}, (*x)->type);
    if (failed(r))
      return failure();
    bind(0, *r);
    return success();
  }
  auto a = constInput(node, 0, "operand");
  if (failed(a))
    return failure();
  bind(0, constantVal(::aegis::nn::unary(UnaryKind::Not, *a),
                      (*input(node, 0))->type));
  return success();
}

LogicalResult Importer::importSqrt(const onnx::NodeProto &node) {
  return unaryNN(nn::SqrtOp(), UnaryKind::Sqrt);
}

LogicalResult Importer::importErf(const onnx::NodeProto &node) {
  return unaryNN(nn::ErfOp(), UnaryKind::Erf);
}

LogicalResult Importer::importTanh(const onnx::NodeProto &node) {
  return unaryNN(nn::TanhOp(), UnaryKind::Tanh);
}

LogicalResult Importer::importExp(const onnx::NodeProto &node) {
  return unaryNN(nn::ExpOp(), UnaryKind::Exp);
}

LogicalResult Importer::importRelu(const onnx::NodeProto &node) {
  return unaryNN(nn::ReluOp(), UnaryKind::Relu);
}

LogicalResult Importer::importNeg(const onnx::NodeProto &node) {
  return unaryNN(nn::NegOp(), UnaryKind::Neg);
}

LogicalResult Importer::importReciprocal(const onnx::NodeProto &node) {
  return unaryNN(nn::ReciprocalOp(), UnaryKind::Reciprocal);
}

LogicalResult Importer::importSigmoid(const onnx::NodeProto &node) {
  return unaryNN(nn::SigmoidOp(), UnaryKind::Sigmoid);
}

LogicalResult Importer::importIdentityDropout(const onnx::NodeProto &node) {
  const std::string &t = node.op_type();
  if (t == "Dropout" && node.output_size() > 1 && !node.output(1).empty())
    return fail() << describe(node) << ": the mask output is not supported";
  if (t == "Dropout" && hasInput(node, 2)) {
    auto training = constInput(node, 2, "training_mode");
    if (failed(training))
      return failure();
    if (training->data.size() != 1)
      return fail() << describe(node) << ": training_mode must be a scalar";
    if (training->data[0] != 0)
      return fail() << describe(node)
                    << ": training mode is not supported (inference only)";
  }
  auto a = input(node, 0);
  if (failed(a))
    return failure();
  bind(0, **a);
  return success();
}

LogicalResult Importer::importGelu(const onnx::NodeProto &node) {
  auto a = input(node, 0);
  if (failed(a))
    return failure();
  auto *ap = attr(node, "approximate");
  std::string approx = ap ? ap->s() : "none";
  auto r = build<nn::GeluOp>(
      node, {*a}, (*a)->type,
      {named("approximate", builder.getStringAttr(approx))});
  if (failed(r))
    return failure();
  bind(0, *r);
  return success();
}

LogicalResult Importer::importMatMul(const onnx::NodeProto &node) {
  auto a = input(node, 0), b = input(node, 1);
  if (failed(a) || failed(b))
    return failure();
  auto shape = nn::matmulShape((*a)->type.getShape(), (*b)->type.getShape());
  if (!shape)
    return fail() << describe(node) << ": incompatible matmul shapes";
  auto r = build<nn::MatMulOp>(node, {*a, *b},
                               tensorType(*shape, (*a)->type.getElementType()));
  if (failed(r))
    return failure();
  bind(0, *r);
  return success();
}

LogicalResult Importer::importGemm(const onnx::NodeProto &node) {
  auto a = input(node, 0), b = input(node, 1);
  if (failed(a) || failed(b))
    return failure();
  SmallVector<Val *> ops = {*a, *b};
  if (hasInput(node, 2)) {
    auto c = input(node, 2);
    if (failed(c))
      return failure();
    ops.push_back(*c);
  }
  bool ta = intAttr(node, "transA", 0), tb = intAttr(node, "transB", 0);
  auto sa = (*a)->type.getShape(), sb = (*b)->type.getShape();
  if (sa.size() != 2 || sb.size() != 2)
    return fail() << describe(node) << ": expects 2-D operands";
  Shape shape = {ta ? sa[1] : sa[0], tb ? sb[0] : sb[1]};
  SmallVector<Value> vals;
  for (Val *v : ops)
    vals.push_back(materialize(*v));
  auto op = nn::GemmOp::create(
      builder, loc(&node), tensorType(shape, (*a)->type.getElementType()),
      vals[0], vals[1], ops.size() > 2 ? vals[2] : Value(),
      builder.getBoolAttr(ta), builder.getBoolAttr(tb),
      builder.getF64FloatAttr(floatAttr(node, "alpha", 1.0f)),
      builder.getF64FloatAttr(floatAttr(node, "beta", 1.0f)));
  if (failed(verify(op)))
    return failure();
  bind(0, Val{op, std::nullopt, cast<RankedTensorType>(op.getType())});
  return success();
}

LogicalResult Importer::importSoftmax(const onnx::NodeProto &node) {
  auto a = input(node, 0);
  if (failed(a))
    return failure();
  int64_t rank = (*a)->type.getRank();
  int64_t axis = intAttr(node, "axis", opset < 13 ? 1 : -1);
  if (opset < 13 && nn::normalizeAxis(axis, rank) != rank - 1)
    return fail() << describe(node)
                  << ": before opset 13 Softmax flattens from its axis; only "
                     "the last axis is supported";
  auto r = build<nn::SoftmaxOp>(
      node, {*a}, (*a)->type,
      {named("axis", builder.getI64IntegerAttr(axis))});
  if (failed(r))
    return failure();
  bind(0, *r);
  return success();
}

LogicalResult Importer::importReduceMeanReduceSum(const onnx::NodeProto &node) {
  const std::string &t = node.op_type();
  auto a = input(node, 0);
  if (failed(a))
    return failure();
  std::vector<int64_t> axes;
  bool axesAsInput = (t == "ReduceSum" && opset >= 13) ||
                     (t == "ReduceMean" && opset >= 18);
  if (axesAsInput) {
    if (hasInput(node, 1)) {
      auto ax = intsInput(node, 1, "axes");
      if (failed(ax))
        return failure();
      axes = *ax;
    }
  } else if (auto ax = intsAttr(node, "axes")) {
    axes = *ax;
  }
  if (axes.empty() && intAttr(node, "noop_with_empty_axes", 0)) {
    bind(0, **a);
    return success();
  }
  bool keep = intAttr(node, "keepdims", 1);
  int64_t rank = (*a)->type.getRank();
  SmallVector<bool> red(rank, axes.empty());
  for (int64_t ax : axes) {
    int64_t n = nn::normalizeAxis(ax, rank);
    if (n < 0)
      return fail() << describe(node) << ": axis " << ax << " out of range";
    red[n] = true;
  }
  Shape shape;
  for (int64_t i = 0; i < rank; ++i)
    if (!red[i])
      shape.push_back((*a)->type.getShape()[i]);
    else if (keep)
      shape.push_back(1);
  auto type = tensorType(shape, (*a)->type.getElementType());
  NamedAttribute attrs[] = {named("axes", builder.getDenseI64ArrayAttr(axes)),
                            named("keepdims", builder.getBoolAttr(keep))};
  auto r = t == "ReduceMean"
               ? build<nn::ReduceMeanOp>(node, {*a}, type, attrs)
               : build<nn::ReduceSumOp>(node, {*a}, type, attrs);
  if (failed(r))
    return failure();
  bind(0, *r);
  return success();
}

LogicalResult Importer::importLayerNormalization(const onnx::NodeProto &node) {
  auto x = input(node, 0);
  if (failed(x))
    return failure();
  Value scale, bias;
  if (hasInput(node, 1)) {
    auto s = input(node, 1);
    if (failed(s))
      return failure();
    scale = materialize(**s, (*x)->type.getElementType());
  }
  if (hasInput(node, 2)) {
    auto b = input(node, 2);
    if (failed(b))
      return failure();
    bias = materialize(**b, (*x)->type.getElementType());
  }
  Value xv = materialize(**x);
  auto op = nn::LayerNormOp::create(
      builder, loc(&node), (*x)->type, xv, scale, bias,
      builder.getI64IntegerAttr(intAttr(node, "axis", -1)),
      builder.getF64FloatAttr(floatAttr(node, "epsilon", 1e-5f)), UnitAttr());
  if (failed(verify(op)))
    return failure();
  bind(0, Val{op, std::nullopt, (*x)->type});
  bool wantMean = node.output_size() > 1 && !node.output(1).empty();
  bool wantInvStd = node.output_size() > 2 && !node.output(2).empty();
  if (wantMean || wantInvStd) {
    // The optional statistics outputs, spelled out in nn ops: mean and
    // 1/sqrt(var + epsilon) over the normalised axes, kept as size 1.
    int64_t rank = (*x)->type.getRank();
    int64_t axis = nn::normalizeAxis(intAttr(node, "axis", -1), rank);
    SmallVector<int64_t> axes, statShape((*x)->type.getShape());
    for (int64_t i = axis; i < rank; ++i) {
      axes.push_back(i);
      statShape[i] = 1;
    }
    Location l = loc(&node);
    Type et = (*x)->type.getElementType();
    auto statType = tensorType(statShape, et);
    auto axesAttr = builder.getDenseI64ArrayAttr(axes);
    Value mean = nn::ReduceMeanOp::create(builder, l, statType, xv, axesAttr,
                                          builder.getBoolAttr(true));
    Value centered = nn::SubOp::create(builder, l, (*x)->type, xv, mean);
    Value squared = nn::MulOp::create(builder, l, (*x)->type, centered, centered);
    Value var = nn::ReduceMeanOp::create(builder, l, statType, squared,
                                         axesAttr, builder.getBoolAttr(true));
    auto scalar = tensorType({}, et);
    Value eps = nn::ConstantOp::create(
        builder, l,
        nn::tensorToAttr(Tensor({}, {floatAttr(node, "epsilon", 1e-5f)}), scalar));
    Value shifted = nn::AddOp::create(builder, l, statType, var, eps);
    Value stddev = nn::SqrtOp::create(builder, l, statType, shifted);
    Value invStd = nn::ReciprocalOp::create(builder, l, statType, stddev);
    if (wantMean)
      bind(1, Val{mean, std::nullopt, statType});
    if (wantInvStd)
      bind(2, Val{invStd, std::nullopt, statType});
  }
  return success();
}

LogicalResult Importer::importReshapeFamily(const onnx::NodeProto &node) {
  const std::string &t = node.op_type();
  auto x = input(node, 0);
  if (failed(x))
    return failure();
  auto in = (*x)->type.getShape();
  int64_t rank = in.size();
  Shape out;
  if (t == "Reshape") {
    auto target = intsInput(node, 1, "shape");
    if (failed(target))
      return failure();
    bool allowZero = intAttr(node, "allowzero", 0);
    int64_t known = 1, infer = -1;
    for (size_t i = 0; i < target->size(); ++i) {
      int64_t d = (*target)[i];
      if (d == 0 && !allowZero) {
        if (static_cast<int64_t>(i) >= rank)
          return fail() << describe(node) << ": 0 copies a missing dimension";
        d = in[i];
      }
      if (d == -1) {
        if (infer >= 0)
          return fail() << describe(node) << ": more than one -1 in the shape";
        infer = i;
        out.push_back(1);
        continue;
      }
      if (d < 0)
        return fail() << describe(node) << ": invalid dimension " << d;
      out.push_back(d);
      if (__builtin_mul_overflow(known, d, &known))
        return fail() << describe(node) << ": the target shape has too "
                                           "many elements";
    }
    int64_t total = Tensor::numElements(Shape(in.begin(), in.end()));
    if (infer >= 0) {
      if (known == 0 || total % known)
        return fail() << describe(node) << ": cannot infer the -1 dimension";
      out[infer] = total / known;
    }
  } else if (t == "Flatten") {
    int64_t axis = intAttr(node, "axis", 1);
    if (axis < 0)
      axis += rank;
    int64_t a = 1, b = 1;
    for (int64_t i = 0; i < rank; ++i)
      (i < axis ? a : b) *= in[i];
    out = {a, b};
  } else {
    std::vector<int64_t> axes;
    if (opset >= 13) {
      if (hasInput(node, 1)) {
        auto ax = intsInput(node, 1, "axes");
        if (failed(ax))
          return failure();
        axes = *ax;
      }
    } else if (auto ax = intsAttr(node, "axes")) {
      axes = *ax;
    }
    if (t == "Unsqueeze") {
      int64_t outRank = rank + axes.size();
      std::vector<bool> isNew(outRank, false);
      for (int64_t ax : axes) {
        int64_t n = nn::normalizeAxis(ax, outRank);
        if (n < 0)
          return fail() << describe(node) << ": axis " << ax << " out of range";
        if (isNew[n])
          return fail() << describe(node) << ": axis " << ax << " repeats";
        isNew[n] = true;
      }
      for (int64_t i = 0, j = 0; i < outRank; ++i)
        out.push_back(isNew[i] ? 1 : in[j++]);
    } else {
      std::vector<bool> drop(rank, false);
      for (int64_t ax : axes) {
        int64_t n = nn::normalizeAxis(ax, rank);
        if (n < 0 || in[n] != 1)
          return fail() << describe(node) << ": cannot squeeze axis " << ax;
        drop[n] = true;
      }
      for (int64_t i = 0; i < rank; ++i)
        if (!(axes.empty() ? in[i] == 1 : drop[i]))
          out.push_back(in[i]);
    }
  }
  return reshapeTo(*x, out);
}

LogicalResult Importer::importTranspose(const onnx::NodeProto &node) {
  auto x = input(node, 0);
  if (failed(x))
    return failure();
  int64_t rank = (*x)->type.getRank();
  std::vector<int64_t> perm;
  if (auto p = intsAttr(node, "perm"))
    perm = *p;
  else
    for (int64_t i = rank - 1; i >= 0; --i)
      perm.push_back(i);
  if (static_cast<int64_t>(perm.size()) != rank)
    return fail() << describe(node) << ": perm does not match the rank";
  Shape shape;
  for (int64_t p : perm) {
    if (p < 0 || p >= rank)
      return fail() << describe(node) << ": invalid perm";
    shape.push_back((*x)->type.getShape()[p]);
  }
  auto r = build<nn::TransposeOp>(node, {*x},
                                  tensorType(shape, (*x)->type.getElementType()),
                                  {named("perm", builder.getDenseI64ArrayAttr(perm))});
  if (failed(r))
    return failure();
  bind(0, *r);
  return success();
}

LogicalResult Importer::importExpand(const onnx::NodeProto &node) {
  auto x = input(node, 0);
  auto shapeIn = intsInput(node, 1, "shape");
  if (failed(x) || failed(shapeIn))
    return failure();
  auto shape = nn::broadcastShapes((*x)->type.getShape(), *shapeIn);
  if (!shape)
    return fail() << describe(node) << ": cannot broadcast to the shape";
  if (!isAllocatableShape(*shape))
    return fail() << describe(node) << ": the shape has a negative "
                  << "dimension or more than 2^36 elements";
  auto type = tensorType(*shape, (*x)->type.getElementType());
  if ((*x)->constant) {
    bind(0, constantVal(::aegis::nn::expand(*(*x)->constant, Shape(shape->begin(), shape->end())), type));
    return success();
  }
  auto r = build<nn::ExpandOp>(node, {*x}, type);
  if (failed(r))
    return failure();
  bind(0, *r);
  return success();
}

LogicalResult Importer::importSlice(const onnx::NodeProto &node) {
  auto x = input(node, 0);
  if (failed(x))
    return failure();
  int64_t rank = (*x)->type.getRank();
  std::vector<int64_t> starts, ends, axes, steps;
  if (opset < 10) {
    starts = intsAttr(node, "starts").value_or(std::vector<int64_t>{});
    ends = intsAttr(node, "ends").value_or(std::vector<int64_t>{});
    axes = intsAttr(node, "axes").value_or(std::vector<int64_t>{});
  } else {
    auto s = intsInput(node, 1, "starts"), e = intsInput(node, 2, "ends");
    if (failed(s) || failed(e))
      return failure();
    starts = *s;
    ends = *e;
    if (hasInput(node, 3)) {
      auto a = intsInput(node, 3, "axes");
      if (failed(a))
        return failure();
      axes = *a;
    }
    if (hasInput(node, 4)) {
      auto st = intsInput(node, 4, "steps");
      if (failed(st))
        return failure();
      steps = *st;
    }
  }
  if (axes.empty())
    for (size_t i = 0; i < starts.size(); ++i)
      axes.push_back(i);
  if (steps.empty())
    steps.assign(starts.size(), 1);
  // ONNX uses INT64_MAX/MIN for "to the end"; clamp keeps them finite.
  auto clampBig = [&](std::vector<int64_t> &v) {
    for (int64_t &x : v)
      x = std::clamp<int64_t>(x, -(int64_t(1) << 40), int64_t(1) << 40);
  };
  clampBig(starts);
  clampBig(ends);
  auto shape = nn::sliceShape((*x)->type.getShape(), starts, ends, axes, steps);
  if (!shape || rank == 0)
    return fail() << describe(node) << ": invalid slice parameters";
  auto r = build<nn::SliceOp>(
      node, {*x}, tensorType(*shape, (*x)->type.getElementType()),
      {named("starts", builder.getDenseI64ArrayAttr(starts)),
       named("ends", builder.getDenseI64ArrayAttr(ends)),
       named("axes", builder.getDenseI64ArrayAttr(axes)),
       named("steps", builder.getDenseI64ArrayAttr(steps))});
  if (failed(r))
    return failure();
  bind(0, *r);
  return success();
}

LogicalResult Importer::importConcat(const onnx::NodeProto &node) {
  SmallVector<Val *> ins;
  for (int i = 0; i < node.input_size(); ++i) {
    auto v = input(node, i);
    if (failed(v))
      return failure();
    ins.push_back(*v);
  }
  if (ins.empty())
    return fail() << describe(node) << " needs at least one input";
  int64_t rank = ins[0]->type.getRank();
  int64_t axis = nn::normalizeAxis(intAttr(node, "axis", 0), rank);
  if (axis < 0)
    return fail() << describe(node) << ": axis out of range";
  Shape shape(ins[0]->type.getShape());
  shape[axis] = 0;
  for (Val *v : ins) {
    if (v->type.getRank() != rank)
      return fail() << describe(node) << ": inputs differ in rank";
    shape[axis] += v->type.getShape()[axis];
  }
  auto type = tensorType(shape, ins[0]->type.getElementType());
  auto r = build<nn::ConcatOp>(node, ins, type,
                               {named("axis", builder.getI64IntegerAttr(axis))});
  if (failed(r))
    return failure();
  bind(0, *r);
  return success();
}

LogicalResult Importer::importSplit(const onnx::NodeProto &node) {
  auto x = input(node, 0);
  if (failed(x))
    return failure();
  int64_t rank = (*x)->type.getRank();
  int64_t axis = nn::normalizeAxis(intAttr(node, "axis", 0), rank);
  if (axis < 0)
    return fail() << describe(node) << ": axis out of range";
  int64_t dim = (*x)->type.getShape()[axis];
  std::vector<int64_t> sizes;
  if (opset >= 13 && hasInput(node, 1)) {
    auto s = intsInput(node, 1, "split");
    if (failed(s))
      return failure();
    sizes = *s;
  } else if (auto s = intsAttr(node, "split")) {
    sizes = *s;
  } else {
    int64_t n = intAttr(node, "num_outputs", node.output_size());
    if (n <= 0)
      return fail() << describe(node) << ": needs at least one output";
    if (n != node.output_size())
      return fail() << describe(node) << ": " << n << " split sizes for "
                    << node.output_size() << " outputs";
    int64_t chunk = (dim + n - 1) / n;
    for (int64_t i = 0; i < n; ++i)
      sizes.push_back(std::min(chunk, dim - i * chunk));
  }
  if (static_cast<int>(sizes.size()) != node.output_size())
    return fail() << describe(node) << ": " << sizes.size()
                  << " split sizes for " << node.output_size() << " outputs";
  int64_t covered = 0;
  for (int64_t s : sizes) {
    if (s < 0 || s > dim - covered)
      return fail() << describe(node) << ": split sizes do not add up to "
                    << "dimension " << dim;
    covered += s;
  }
  if (covered != dim)
    return fail() << describe(node) << ": split sizes do not add up to "
                  << "dimension " << dim;
  SmallVector<Type> types;
  for (int64_t s : sizes) {
    Shape shape((*x)->type.getShape());
    shape[axis] = s;
    types.push_back(tensorType(shape, (*x)->type.getElementType()));
  }
  Value xv = materialize(**x);
  auto op = nn::SplitOp::create(builder, loc(&node), types, xv, axis);
  if (failed(verify(op)))
    return failure();
  if ((*x)->constant) {
    auto parts = ::aegis::nn::split(*(*x)->constant, axis, sizes);
    for (int i = 0; i < node.output_size(); ++i)
      bind(i, constantVal(std::move(parts[i]), cast<RankedTensorType>(types[i])));
    op->erase();
    return success();
  }
  for (int i = 0; i < node.output_size(); ++i)
    bind(i, Val{op->getResult(i), std::nullopt, cast<RankedTensorType>(types[i])});
  return success();
}

LogicalResult Importer::importGather(const onnx::NodeProto &node) {
  auto x = input(node, 0), idx = input(node, 1);
  if (failed(x) || failed(idx))
    return failure();
  int64_t rank = (*x)->type.getRank();
  int64_t axis = nn::normalizeAxis(intAttr(node, "axis", 0), rank);
  if (axis < 0)
    return fail() << describe(node) << ": axis out of range";
  auto in = (*x)->type.getShape();
  Shape shape(in.begin(), in.begin() + axis);
  for (int64_t d : (*idx)->type.getShape())
    shape.push_back(d);
  shape.insert(shape.end(), in.begin() + axis + 1, in.end());
  auto r = build<nn::GatherOp>(node, {*x, *idx},
                               tensorType(shape, (*x)->type.getElementType()),
                               {named("axis", builder.getI64IntegerAttr(axis))});
  if (failed(r))
    return failure();
  bind(0, *r);
  return success();
}

LogicalResult Importer::importWhere(const onnx::NodeProto &node) {
  auto c = input(node, 0), a = input(node, 1), b = input(node, 2);
  if (failed(c) || failed(a) || failed(b))
    return failure();
  auto ab = nn::broadcastShapes((*a)->type.getShape(), (*b)->type.getShape());
  auto shape = ab ? nn::broadcastShapes((*c)->type.getShape(), *ab) : std::nullopt;
  if (!shape)
    return fail() << describe(node) << ": cannot broadcast the operands";
  Val *lhs = *a, *rhs = *b;
  Val conv = *rhs;
  if (rhs->type.getElementType() != lhs->type.getElementType() && rhs->constant) {
    conv.type = tensorType(rhs->type.getShape(), lhs->type.getElementType());
    conv.value = Value();
    rhs = &conv;
  }
  auto r = build<nn::WhereOp>(node, {*c, lhs, rhs},
                              tensorType(*shape, lhs->type.getElementType()));
  if (failed(r))
    return failure();
  bind(0, *r);
  return success();
}

LogicalResult Importer::importCast(const onnx::NodeProto &node) {
  auto x = input(node, 0);
  if (failed(x))
    return failure();
  auto et = elementType(intAttr(node, "to", 1), &node);
  if (failed(et))
    return failure();
  auto type = tensorType((*x)->type.getShape(), *et);
  if ((*x)->constant) {
    Tensor c = *(*x)->constant;
    if (isa<IntegerType>(*et))
      for (double &v : c.data)
        v = et->isInteger(1) ? (v != 0) : std::trunc(v);
    bind(0, constantVal(std::move(c), type));
    return success();
  }
  if (*et == (*x)->type.getElementType()) {
    bind(0, **x);
    return success();
  }
  auto r = build<nn::CastOp>(node, {*x}, type);
  if (failed(r))
    return failure();
  bind(0, *r);
  return success();
}

LogicalResult Importer::importConstant(const onnx::NodeProto &node) {
  const std::string &t = node.op_type();
  if (auto *a = attr(node, "value")) {
    RankedTensorType type;
    auto c = readTensor(a->t(), type, &node);
    if (failed(c))
      return failure();
    bind(0, constantVal(std::move(*c), type));
    return success();
  }
  if (auto *a = attr(node, "value_float")) {
    bind(0, constantVal(Tensor({}, {a->f()}), tensorType({}, builder.getF32Type())));
    return success();
  }
  if (auto *a = attr(node, "value_int")) {
    bind(0, constantVal(Tensor({}, {double(a->i())}), tensorType({}, builder.getI64Type())));
    return success();
  }
  if (auto *a = attr(node, "value_floats")) {
    std::vector<double> d(a->floats().begin(), a->floats().end());
    int64_t n = d.size();
    bind(0, constantVal(Tensor({n}, d), tensorType({n}, builder.getF32Type())));
    return success();
  }
  if (auto *a = attr(node, "value_ints")) {
    std::vector<double> d(a->ints().begin(), a->ints().end());
    int64_t n = d.size();
    bind(0, constantVal(Tensor({n}, d), tensorType({n}, builder.getI64Type())));
    return success();
  }
  return fail() << describe(node)
                << ": only value, value_float(s) and value_int(s) are supported";
}

LogicalResult Importer::importShape(const onnx::NodeProto &node) {
  auto x = input(node, 0);
  if (failed(x))
    return failure();
  auto in = (*x)->type.getShape();
  int64_t rank = in.size();
  int64_t start = intAttr(node, "start", 0), end = intAttr(node, "end", rank);
  if (start < 0)
    start += rank;
  if (end < 0)
    end += rank;
  start = std::clamp<int64_t>(start, 0, rank);
  end = std::clamp<int64_t>(end, start, rank);
  std::vector<double> d(in.begin() + start, in.begin() + end);
  int64_t n = d.size();
  bind(0, constantVal(Tensor({n}, d), tensorType({n}, builder.getI64Type())));
  return success();
}

LogicalResult Importer::importConstantOfShape(const onnx::NodeProto &node) {
  const std::string &t = node.op_type();
  auto shape = intsInput(node, 0, "shape");
  if (failed(shape))
    return failure();
  double fill = 0;
  Type et = builder.getF32Type();
  if (auto *a = attr(node, "value")) {
    RankedTensorType vt;
    auto v = readTensor(a->t(), vt, &node);
    if (failed(v) || v->numElements() != 1)
      return fail() << describe(node) << ": value must hold one element";
    fill = v->data[0];
    et = vt.getElementType();
  }
  Shape s(shape->begin(), shape->end());
  if (!isAllocatableShape(s))
    return fail() << describe(node) << ": the shape has a negative "
                  << "dimension or more than 2^36 elements";
  if (!fitsMemory(Tensor::numElements(s)))
    return fail() << describe(node) << ": the constant of "
                  << Tensor::numElements(s)
                  << " elements exceeds the memory limit ("
                  << ::mlir::aegis::nn::kMemoryLimitEnv << ")";
  Tensor c(s);
  std::fill(c.data.begin(), c.data.end(), fill);
  bind(0, constantVal(std::move(c), tensorType(s, et)));
  return success();
}

LogicalResult Importer::importRange(const onnx::NodeProto &node) {
  auto s = constInput(node, 0, "start"), l = constInput(node, 1, "limit"),
       d = constInput(node, 2, "delta");
  if (failed(s) || failed(l) || failed(d))
    return failure();
  if (s->data.size() != 1 || l->data.size() != 1 || d->data.size() != 1)
    return fail() << describe(node) << ": start, limit and delta must be "
                  << "scalars";
  double start = s->data[0], limit = l->data[0], delta = d->data[0];
  if (delta == 0)
    return fail() << describe(node) << ": delta is zero";
  double count = std::ceil((limit - start) / delta);
  if (!(count <= double(kMaxElements)))
    return fail() << describe(node) << ": ceil((limit - start) / delta) = "
                  << count << " is not a valid element count (at most "
                  << "2^36)";
  int64_t n = std::max<int64_t>(0, count);
  if (!fitsMemory(n))
    return fail() << describe(node) << ": a range of " << n
                  << " elements exceeds the memory limit ("
                  << ::mlir::aegis::nn::kMemoryLimitEnv << ")";
  Tensor r({n});
  for (int64_t i = 0; i < n; ++i)
    r.data[i] = start + i * delta;
  bind(0, constantVal(std::move(r),
                      tensorType({n}, (*input(node, 0))->type.getElementType())));
  return success();
}

LogicalResult Importer::importGatherElements(const onnx::NodeProto &node) {
  // Only on values known at import time (e.g. BERT's token-type buffer).
  // A constant splat gathered by run-time indices (RoBERTa's all-zero
  // token types picked by position ids computed from the token ids) is
  // that splat, whatever the indices.
  {
    auto data = input(node, 0), indices = input(node, 1);
    if (failed(data) || failed(indices))
      return failure();
    const auto &dc = (*data)->constant;
    if (dc && !(*indices)->constant && !dc->data.empty() &&
        (*indices)->type.getRank() == (*data)->type.getRank() &&
        std::all_of(dc->data.begin(), dc->data.end(),
                    [&](double v) { return v == dc->data[0]; })) {
      auto shape = (*indices)->type.getShape();
      Shape out(shape.begin(), shape.end());
      Tensor splat(out, std::vector<double>(Tensor::numElements(out),
                                            dc->data[0]));
      bind(0, constantVal(std::move(splat),
                          tensorType(shape, (*data)->type.getElementType())));
      return success();
    }
  }
  auto x = constInput(node, 0, "data"), idx = constInput(node, 1, "indices");
  if (failed(x) || failed(idx))
    return failure();
  int64_t rank = x->shape.size();
  int64_t axis = nn::normalizeAxis(intAttr(node, "axis", 0), rank);
  if (axis < 0 || static_cast<int64_t>(idx->shape.size()) != rank)
    return fail() << describe(node) << ": invalid axis or index rank";
  Shape xStrides = ::aegis::nn::strides(x->shape);
  Tensor out(idx->shape);
  Shape pos(rank, 0);
  for (int64_t i = 0; i < out.numElements(); ++i) {
    int64_t rem = i, offset = 0;
    for (int64_t d = rank - 1; d >= 0; --d) {
      pos[d] = rem % idx->shape[d];
      rem /= idx->shape[d];
    }
    for (int64_t d = 0; d < rank; ++d) {
      int64_t p = pos[d];
      if (d == axis) {
        // Range-check before converting: the indices may be any double.
        if (!(std::fabs(idx->data[i]) <= double(x->shape[d])))
          return fail() << describe(node) << ": index " << idx->data[i]
                        << " out of range";
        p = static_cast<int64_t>(idx->data[i]);
        if (p < 0)
          p += x->shape[d];
        if (p < 0 || p >= x->shape[d])
          return fail() << describe(node) << ": index " << idx->data[i]
                        << " out of range";
      } else if (p >= x->shape[d]) {
        return fail() << describe(node) << ": indices exceed the data shape";
      }
      offset += p * xStrides[d];
    }
    out.data[i] = x->data[offset];
  }
  bind(0, constantVal(std::move(out),
                      tensorType(idx->shape,
                                 (*input(node, 0))->type.getElementType())));
  return success();
}

LogicalResult Importer::importTrilu(const onnx::NodeProto &node) {
  auto x = constInput(node, 0, "input");
  if (failed(x))
    return failure();
  int64_t k = 0;
  if (hasInput(node, 1)) {
    auto kk = intsInput(node, 1, "k");
    if (failed(kk))
      return failure();
    if (kk->size() != 1)
      return fail() << describe(node) << ": k must be a scalar";
    k = (*kk)[0];
  }
  bool upper = intAttr(node, "upper", 1);
  Tensor r = *x;
  if (r.shape.size() < 2)
    return fail() << describe(node) << ": expects a tensor of rank >= 2";
  int64_t rows = r.shape[r.shape.size() - 2], cols = r.shape.back();
  int64_t batches = rows * cols == 0 ? 0 : r.numElements() / (rows * cols);
  for (int64_t b = 0; b < batches; ++b)
    for (int64_t i = 0; i < rows; ++i)
      for (int64_t j = 0; j < cols; ++j) {
        bool keep = upper ? j - i >= k : j - i <= k;
        if (!keep)
          r.data[(b * rows + i) * cols + j] = 0;
      }
  bind(0, constantVal(std::move(r), (*input(node, 0))->type));
  return success();
}

LogicalResult Importer::importIsNaN(const onnx::NodeProto &node) {
  auto x = input(node, 0);
  if (failed(x))
    return failure();
  auto type = tensorType((*x)->type.getShape(), builder.getI1Type());
  if ((*x)->constant) {
    Tensor r = *(*x)->constant;
    for (double &v : r.data)
      v = std::isnan(v) ? 1.0 : 0.0;
    bind(0, constantVal(std::move(r), type));
    return success();
  }
  // On data: scaled_dot_product_attention's guard on its probabilities,
  // which aegis-nn-fuse folds into nn.attention.
  auto r = build<nn::IsNanOp>(node, {*x}, type);
  if (failed(r))
    return failure();
  bind(0, *r);
  return success();
}

LogicalResult Importer::importMod(const onnx::NodeProto &node) {
  // On shapes (torch 2.x's unflatten normalises its axis with Mod).
  auto a = constInput(node, 0, "dividend"), b = constInput(node, 1, "divisor");
  if (failed(a) || failed(b))
    return failure();
  auto shape = nn::broadcastShapes(a->shape, b->shape);
  if (!shape)
    return fail() << describe(node) << ": cannot broadcast operand shapes";
  Type et = (*input(node, 0))->type.getElementType();
  bool fmod = intAttr(node, "fmod", 0) != 0;
  if (!fmod && !isa<IntegerType>(et))
    return fail() << describe(node) << ": fmod=0 needs integer operands";
  Shape out(shape->begin(), shape->end());
  Tensor q = ::aegis::nn::binary(BinaryKind::Div, *a, *b, out, false);
  Tensor r = ::aegis::nn::expand(*a, out), d = ::aegis::nn::expand(*b, out);
  for (size_t i = 0; i < r.data.size(); ++i) {
    if (d.data[i] == 0)
      return fail() << describe(node) << ": division by zero";
    // fmod: the sign of the dividend; otherwise that of the divisor.
    double k = fmod ? std::trunc(q.data[i]) : std::floor(q.data[i]);
    r.data[i] -= k * d.data[i];
  }
  bind(0, constantVal(std::move(r), tensorType(*shape, et)));
  return success();
}

LogicalResult Importer::importCumSum(const onnx::NodeProto &node) {
  // Folded on constants; on data (RoBERTa's position ids from the token
  // ids) an nn.cumsum that the client prefix runs.
  auto x = input(node, 0);
  auto axisV = intsInput(node, 1, "axis");
  if (failed(x) || failed(axisV))
    return failure();
  if (axisV->size() != 1)
    return fail() << describe(node) << ": axis must be a scalar";
  int64_t rank = (*x)->type.getRank();
  int64_t axis = nn::normalizeAxis((*axisV)[0], rank);
  if (axis < 0 || rank == 0)
    return fail() << describe(node) << ": axis " << (*axisV)[0]
                  << " out of range for rank " << rank;
  bool exclusive = intAttr(node, "exclusive", 0) != 0,
       reverse = intAttr(node, "reverse", 0) != 0;
  if ((*x)->constant) {
    bind(0, constantVal(::aegis::nn::cumsum(*(*x)->constant, axis, exclusive,
                                            reverse),
                        (*x)->type));
    return success();
  }
  SmallVector<NamedAttribute> attrs = {
      named("axis", builder.getI64IntegerAttr(axis))};
  if (exclusive)
    attrs.push_back(named("exclusive", builder.getUnitAttr()));
  if (reverse)
    attrs.push_back(named("reverse", builder.getUnitAttr()));
  auto r = build<nn::CumSumOp>(node, {*x}, (*x)->type, attrs);
  if (failed(r))
    return failure();
  bind(0, *r);
  return success();
}

LogicalResult Importer::importTile(const onnx::NodeProto &node) {
  // Repeats a tensor along each axis: a gather of indices i mod n per
  // repeated axis (on data, a relabelling of the encrypted slots).
  auto x = input(node, 0);
  auto reps = intsInput(node, 1, "repeats");
  if (failed(x) || failed(reps))
    return failure();
  auto in = (*x)->type.getShape();
  if (reps->size() != in.size())
    return fail() << describe(node) << ": " << reps->size()
                  << " repeats for a tensor of rank " << in.size();
  Val cur = **x;
  for (size_t axis = 0; axis < in.size(); ++axis) {
    int64_t n = (*reps)[axis];
    if (n < 0)
      return fail() << describe(node) << ": negative repeat " << n;
    if (n == 1)
      continue;
    Shape shape(cur.type.getShape().begin(), cur.type.getShape().end());
    int64_t len = shape[axis];
    if (!isAllocatableShape(shape) || len * n > kMaxElements ||
        !fitsMemory(len * n))
      return fail() << describe(node) << ": the result is too large";
    Tensor idx({len * n});
    for (int64_t i = 0; i < len * n; ++i)
      idx.data[i] = len ? double(i % len) : 0;
    shape[axis] = len * n;
    Val iv = constantVal(std::move(idx), tensorType({len * n}, builder.getI64Type()));
    auto r = build<nn::GatherOp>(
        node, {&cur, &iv}, tensorType(shape, cur.type.getElementType()),
        {named("axis", builder.getI64IntegerAttr(int64_t(axis)))});
    if (failed(r))
      return failure();
    cur = *r;
  }
  bind(0, cur);
  return success();
}

/// The ONNX ops the importer handles, one handler each (several spellings
/// of one op share one): the single list legality checks, diagnostics and
/// supportedOnnxOps() read.
const std::vector<std::pair<std::string, Importer::Handler>> &
Importer::handlers() {
  static const std::vector<std::pair<std::string, Handler>> table = {
      {"Add", &Importer::importAdd},
      {"And", &Importer::importAnd},
      {"Cast", &Importer::importCast},
      {"Concat", &Importer::importConcat},
      {"Constant", &Importer::importConstant},
      {"ConstantOfShape", &Importer::importConstantOfShape},
      {"Cos", &Importer::importCosSin},
      {"CumSum", &Importer::importCumSum},
      {"Div", &Importer::importDiv},
      {"Dropout", &Importer::importIdentityDropout},
      {"Equal", &Importer::importEqual},
      {"Erf", &Importer::importErf},
      {"Exp", &Importer::importExp},
      {"Expand", &Importer::importExpand},
      {"Flatten", &Importer::importReshapeFamily},
      {"Gather", &Importer::importGather},
      {"GatherElements", &Importer::importGatherElements},
      {"Gelu", &Importer::importGelu},
      {"Gemm", &Importer::importGemm},
      {"Greater", &Importer::importGreater},
      {"GreaterOrEqual", &Importer::importOrEqual},
      {"Identity", &Importer::importIdentityDropout},
      {"IsNaN", &Importer::importIsNaN},
      {"LayerNormalization", &Importer::importLayerNormalization},
      {"Less", &Importer::importLess},
      {"LessOrEqual", &Importer::importOrEqual},
      {"MatMul", &Importer::importMatMul},
      {"Max", &Importer::importMaxMin},
      {"Min", &Importer::importMaxMin},
      {"Mod", &Importer::importMod},
      {"Mul", &Importer::importMul},
      {"Neg", &Importer::importNeg},
      {"Not", &Importer::importNot},
      {"Or", &Importer::importOr},
      {"Pow", &Importer::importPow},
      {"Range", &Importer::importRange},
      {"Reciprocal", &Importer::importReciprocal},
      {"ReduceMean", &Importer::importReduceMeanReduceSum},
      {"ReduceSum", &Importer::importReduceMeanReduceSum},
      {"Relu", &Importer::importRelu},
      {"Reshape", &Importer::importReshapeFamily},
      {"Shape", &Importer::importShape},
      {"Sigmoid", &Importer::importSigmoid},
      {"Sin", &Importer::importCosSin},
      {"Slice", &Importer::importSlice},
      {"Softmax", &Importer::importSoftmax},
      {"Split", &Importer::importSplit},
      {"Sqrt", &Importer::importSqrt},
      {"Squeeze", &Importer::importReshapeFamily},
      {"Sub", &Importer::importSub},
      {"Tanh", &Importer::importTanh},
      {"Tile", &Importer::importTile},
      {"Transpose", &Importer::importTranspose},
      {"Trilu", &Importer::importTrilu},
      {"Unsqueeze", &Importer::importReshapeFamily},
      {"Where", &Importer::importWhere},
  };
  return table;
}

Importer::Handler Importer::handler(StringRef opType) {
  static const llvm::StringMap<Handler> byName = [] {
    llvm::StringMap<Handler> map;
    for (const auto &[name, h] : handlers())
      map[name] = h;
    return map;
  }();
  auto it = byName.find(opType);
  return it == byName.end() ? nullptr : it->second;
}

/// The attributes each handler reads (or may ignore without changing the
/// result: Dropout's seed, Cast's float8 saturate, LayerNormalization's
/// stash_type as the interpreter computes in float64). Anything else is
/// refused rather than silently ignored.
static const llvm::StringMap<std::vector<std::string>> &knownAttributes() {
  static const llvm::StringMap<std::vector<std::string>> table = [] {
    llvm::StringMap<std::vector<std::string>> t;
    t["Cast"] = {"to", "saturate"};
    t["Concat"] = {"axis"};
    t["Constant"] = {"value", "value_float", "value_floats", "value_int",
                     "value_ints", "sparse_value", "value_string",
                     "value_strings"};
    t["ConstantOfShape"] = {"value"};
    t["CumSum"] = {"exclusive", "reverse"};
    t["Dropout"] = {"seed", "ratio"};
    t["Flatten"] = {"axis"};
    t["Gather"] = {"axis"};
    t["GatherElements"] = {"axis"};
    t["Gelu"] = {"approximate"};
    t["Gemm"] = {"alpha", "beta", "transA", "transB"};
    t["LayerNormalization"] = {"axis", "epsilon", "stash_type"};
    t["Mod"] = {"fmod"};
    t["ReduceMean"] = {"axes", "keepdims", "noop_with_empty_axes"};
    t["ReduceSum"] = {"axes", "keepdims", "noop_with_empty_axes"};
    t["Reshape"] = {"allowzero"};
    t["Shape"] = {"start", "end"};
    t["Slice"] = {"starts", "ends", "axes"};
    t["Softmax"] = {"axis"};
    t["Split"] = {"axis", "split", "num_outputs"};
    t["Squeeze"] = {"axes"};
    t["Transpose"] = {"perm"};
    t["Trilu"] = {"upper"};
    t["Unsqueeze"] = {"axes"};
    return t;
  }();
  return table;
}

LogicalResult Importer::importNode(const onnx::NodeProto &node) {
  if (node.output_size() == 0)
    return error(&node) << describe(node) << " has no outputs";
  Handler h = handler(node.op_type());
  if (!h)
    return error(&node) << "unsupported ONNX op " << describe(node);
  auto known = knownAttributes().find(node.op_type());
  for (const auto &a : node.attribute()) {
    if (known != knownAttributes().end() &&
        llvm::is_contained(known->second, a.name()))
      continue;
    auto diag = error(&node) << describe(node) << ": attribute '" << a.name()
                             << "' is not supported (supported: ";
    if (known == knownAttributes().end())
      diag << "none";
    else
      for (size_t i = 0; i < known->second.size(); ++i)
        diag << (i ? ", " : "") << known->second[i];
    return diag << ")";
  }
  node_ = &node;
  return (this->*h)(node);
}


/// Integer constants folded at import time (Cast, arithmetic on shapes) must
/// fit their type: materializing them converts each value to it, which is
/// undefined outside its range (or for NaN).
LogicalResult Importer::checkFoldedIntegers(const onnx::NodeProto &node) {
  for (const std::string &name : node.output()) {
    auto it = values.find(name);
    if (it == values.end() || !it->second.constant)
      continue;
    Type et = it->second.type.getElementType();
    if (!isa<IntegerType>(et) || et.isInteger(1))
      continue;
    // 2^63 is INT64_MAX rounded to a double (tensorToAttr saturates it).
    unsigned width = et.getIntOrFloatBitWidth();
    double limit = std::ldexp(1.0, width - 1);
    double high = width == 64 ? limit : limit - 1;
    for (double v : it->second.constant->data)
      if (!(v >= -limit && v <= high))
        return error(&node) << describe(node) << ": its result holds " << v
                            << ", which does not fit in " << et;
  }
  return success();
}

OwningOpRef<ModuleOp> Importer::run(const onnx::ModelProto &model) {
  for (const auto &imp : model.opset_import())
    if (imp.domain().empty() || imp.domain() == "ai.onnx")
      opset = imp.version();
  if (opset == 0)
    opset = 1;
  if (opset < kMinOnnxOpset || opset > kMaxOnnxOpset) {
    error() << "ONNX opset " << opset << " is outside the supported range "
            << kMinOnnxOpset << ".." << kMaxOnnxOpset
            << "; re-export the model with opset_version in that range";
    return {};
  }
  const onnx::GraphProto &graph = model.graph();
  OwningOpRef<ModuleOp> module = ModuleOp::create(loc(nullptr));
  module->getOperation()->setAttr("nn.opset", builder.getI64IntegerAttr(opset));
  if (!model.producer_name().empty())
    module->getOperation()->setAttr(
        "nn.producer",
        builder.getStringAttr(model.producer_name() + " " +
                              model.producer_version()));
  builder.setInsertionPointToEnd(module->getBody());

  for (const auto &init : graph.initializer())
    initializers[init.name()] = &init;
  if (failed(checkLegality(graph)) || failed(importInputs(graph)))
    return {};
  for (const auto &node : graph.node())
    if (failed(importNode(node)) || failed(checkFoldedIntegers(node)))
      return {};

  SmallVector<Value> results;
  SmallVector<Type> resultTypes;
  for (const auto &out : graph.output()) {
    auto it = values.find(out.name());
    if (it == values.end()) {
      error() << "graph output '" << out.name() << "' is never computed";
      return {};
    }
    Value v = materialize(it->second);
    results.push_back(v);
    resultTypes.push_back(v.getType());
  }
  func::ReturnOp::create(builder, loc(nullptr), results);
  // Constants materialised only to fold an op at import time are now dead.
  for (Operation &op : llvm::make_early_inc_range(
           llvm::reverse(function.getBody().front())))
    if (isa<nn::ConstantOp>(op) && op.use_empty())
      op.erase();
  function.setType(builder.getFunctionType(function.getArgumentTypes(), resultTypes));
  for (auto [i, out] : llvm::enumerate(graph.output()))
    function.setResultAttr(i, "nn.name", builder.getStringAttr(out.name()));
  if (failed(verify(*module)))
    return {};
  return module;
}

} // namespace

/// Drops leading blank lines and `#` comment lines (lit RUN lines, notes).
static StringRef skipLeadingComments(StringRef bytes) {
  while (true) {
    bytes = bytes.ltrim();
    if (!bytes.starts_with("#"))
      return bytes;
    bytes = bytes.drop_until([](char c) { return c == '\n'; });
  }
}

/// ONNX's textual syntax starts with the model header `<ir_version: ...`.
static bool isOnnxText(StringRef bytes) {
  return skipLeadingComments(bytes).starts_with("<ir_version");
}

/// Parses binary or textual ONNX into `model`; `why` receives the parser's
/// message on failure.
static bool parseModel(StringRef bytes, onnx::ModelProto &model,
                       std::string &why) {
  if (isOnnxText(bytes)) {
    std::string text = skipLeadingComments(bytes).str();
    onnx::OnnxParser parser(text.c_str());
    // ONNX's parser reads numbers with std::stoll/std::stod, which throw on
    // malformed or out-of-range literals instead of returning a status.
    try {
      auto status = parser.Parse(model);
      if (!status.IsOK()) {
        why = status.ErrorMessage();
        return false;
      }
    } catch (const std::exception &e) {
      why = std::string("malformed number in the textual model (") +
            e.what() + ")";
      return false;
    }
    return true;
  }
  if (!model.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    why = "the protobuf does not parse; truncated or not an .onnx file?";
    return false;
  }
  return true;
}

bool mlir::aegis::looksLikeOnnx(StringRef bytes) {
  if (isOnnxText(bytes))
    return true;
  // MLIR text starts with printable characters, MLIR bytecode with "ML\xefR";
  // a ModelProto starts with a field tag (ir_version is field 1, varint).
  if (bytes.empty() || bytes.starts_with("ML\xef" "R"))
    return false;
  unsigned char first = bytes[0];
  if (first != 0x08 && first != 0x12 && first != 0x1a && first != 0x22 &&
      first != 0x2a && first != 0x3a && first != 0x42)
    return false;
  onnx::ModelProto model;
  return model.ParseFromArray(bytes.data(), static_cast<int>(bytes.size())) &&
         model.has_graph() && model.ir_version() > 0;
}

std::string mlir::aegis::parseInputShapeFlag(StringRef flag,
                                             OnnxImportOptions &options) {
  auto [name, dims] = flag.rsplit(':');
  if (name.empty() || dims.empty() || flag.find(':') == StringRef::npos)
    return "--aegis-input-shape expects NAME:D0xD1x... (for example "
           "x:1x128x768), got '" + flag.str() + "'";
  std::vector<int64_t> shape;
  SmallVector<StringRef> parts;
  dims.split(parts, 'x');
  for (StringRef p : parts) {
    int64_t d;
    if (p.getAsInteger(10, d) || d <= 0)
      return "--aegis-input-shape: '" + p.str() + "' in '" + flag.str() +
             "' is not a positive dimension";
    shape.push_back(d);
  }
  options.inputShapes[name.str()] = shape;
  return "";
}

std::string mlir::aegis::readOnnxTensor(StringRef bytes, ::aegis::nn::Tensor &out) {
  onnx::TensorProto t;
  if (!t.ParseFromArray(bytes.data(), static_cast<int>(bytes.size())))
    return "not a valid ONNX TensorProto";
  return decodeTensor(t, "", out);
}

const std::vector<std::string> &mlir::aegis::supportedOnnxOps() {
  static const std::vector<std::string> ops = [] {
    std::vector<std::string> names;
    for (const auto &entry : Importer::handlers())
      names.push_back(entry.first);
    return names;
  }();
  return ops;
}

OwningOpRef<ModuleOp> mlir::aegis::importOnnxModel(
    MLIRContext *context, StringRef bytes, StringRef fileName,
    const OnnxImportOptions &options) {
  context->loadDialect<nn::NNDialect, func::FuncDialect>();
  onnx::ModelProto model;
  std::string why;
  if (!parseModel(bytes, model, why)) {
    emitError(FileLineColLoc::get(context, fileName, 0, 0))
        << "not a valid ONNX model: " << why;
    return {};
  }
  if (!model.has_graph()) {
    emitError(FileLineColLoc::get(context, fileName, 0, 0))
        << "ONNX model has no graph";
    return {};
  }
  // Unnamed nodes get "<op>#<index>" so that every message can name them.
  for (int i = 0; i < model.graph().node_size(); ++i) {
    auto *node = model.mutable_graph()->mutable_node(i);
    if (node->name().empty())
      node->set_name(node->op_type() + "#" + std::to_string(i));
  }
  Importer importer(context, fileName, options);
  return importer.run(model);
}
