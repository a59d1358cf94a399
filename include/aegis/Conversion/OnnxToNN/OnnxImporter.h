//===- OnnxImporter.h - ONNX models into the nn dialect ---------*- C++ -*-===//

#ifndef AEGIS_CONVERSION_ONNXTONN_ONNXIMPORTER_H
#define AEGIS_CONVERSION_ONNXTONN_ONNXIMPORTER_H

#include "aegis/Dialect/NN/Interpreter/Kernels.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OwningOpRef.h"
#include "llvm/ADT/StringRef.h"

#include <map>
#include <string>
#include <vector>

namespace mlir::aegis {

struct OnnxImportOptions {
  /// Static shapes for inputs with dynamic axes, by input name.
  std::map<std::string, std::vector<int64_t>> inputShapes;
  /// Inputs bound to known values (e.g. a fixed attention mask): they are
  /// folded into the program as constants instead of becoming arguments.
  std::map<std::string, ::aegis::nn::Tensor> inputValues;
  /// Directory against which external-data locations are resolved
  /// (the model file's directory).
  std::string baseDirectory;
  /// Float initializers with at least this many elements become
  /// dense_resource blobs; smaller ones stay inline.
  int64_t resourceThreshold = 16;
};

/// True if `bytes` look like an ONNX model, decided by content: ONNX's
/// textual syntax (starting with the `<ir_version: ...>` header), or a
/// serialized ModelProto with a graph and an IR version.
bool looksLikeOnnx(llvm::StringRef bytes);

/// Parses "name:1x8x32" into `options.inputShapes`. Returns an error message
/// or "" on success.
std::string parseInputShapeFlag(llvm::StringRef flag, OnnxImportOptions &options);

/// Imports an ONNX model into a module holding one `func.func @main` in the
/// nn dialect. Reports errors through the context's diagnostic handler and
/// returns null on failure. `fileName` names the model in locations.
OwningOpRef<ModuleOp> importOnnxModel(MLIRContext *context,
                                      llvm::StringRef bytes,
                                      llvm::StringRef fileName,
                                      const OnnxImportOptions &options);

/// Decodes a serialized ONNX TensorProto (e.g. the input_0.pb files of
/// ONNX's backend tests). Returns "" or an error message.
std::string readOnnxTensor(llvm::StringRef bytes, ::aegis::nn::Tensor &out);

/// The ONNX op types the importer supports (sorted), and the opset range.
const std::vector<std::string> &supportedOnnxOps();
constexpr int64_t kMinOnnxOpset = 11;
constexpr int64_t kMaxOnnxOpset = 21;

} // namespace mlir::aegis

#endif // AEGIS_CONVERSION_ONNXTONN_ONNXIMPORTER_H
