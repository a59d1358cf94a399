// Importer errors that the textual ONNX syntax cannot express.
#include "aegis/Conversion/OnnxToNN/OnnxImporter.h"

#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"

#include "onnx/onnx_pb.h"

#include <gtest/gtest.h>

#include <fstream>

using namespace mlir;

namespace {

/// A model y = x + w with w a FLOAT[4] initializer described by `init`.
std::string modelWith(const onnx::TensorProto &init) {
  onnx::ModelProto model;
  model.set_ir_version(8);
  model.add_opset_import()->set_version(17);
  auto *graph = model.mutable_graph();
  auto *x = graph->add_input();
  x->set_name("x");
  x->mutable_type()->mutable_tensor_type()->set_elem_type(onnx::TensorProto::FLOAT);
  x->mutable_type()->mutable_tensor_type()->mutable_shape()->add_dim()->set_dim_value(4);
  auto *y = graph->add_output();
  y->set_name("y");
  *graph->add_initializer() = init;
  auto *node = graph->add_node();
  node->set_op_type("Add");
  node->set_name("add");
  node->add_input("x");
  node->add_input("w");
  node->add_output("y");
  return model.SerializeAsString();
}

onnx::TensorProto weight() {
  onnx::TensorProto w;
  w.set_name("w");
  w.set_data_type(onnx::TensorProto::FLOAT);
  w.add_dims(4);
  return w;
}

std::string importError(const std::string &bytes, const std::string &dir = "") {
  MLIRContext context;
  std::string message;
  ScopedDiagnosticHandler handler(&context, [&](Diagnostic &d) {
    message = d.str();
    return success();
  });
  mlir::aegis::OnnxImportOptions options;
  options.baseDirectory = dir;
  auto module = mlir::aegis::importOnnxModel(&context, bytes, "m.onnx", options);
  return module ? "" : message;
}

TEST(OnnxImporter, ExternalDataFileMissing) {
  auto w = weight();
  w.set_data_location(onnx::TensorProto::EXTERNAL);
  auto *kv = w.add_external_data();
  kv->set_key("location");
  kv->set_value("weights.bin");
  std::string msg = importError(modelWith(w), ::testing::TempDir() + "/no-such-dir");
  EXPECT_NE(msg.find("refers to external data file"), std::string::npos) << msg;
  EXPECT_NE(msg.find("weights.bin', which cannot be read"), std::string::npos) << msg;
}

TEST(OnnxImporter, ExternalDataRead) {
  std::string dir = ::testing::TempDir();
  {
    std::ofstream out(dir + "/aegis-weights.bin", std::ios::binary);
    float v[5] = {9, 1, 2, 3, 4};
    out.write(reinterpret_cast<const char *>(v), sizeof(v));
  }
  auto w = weight();
  w.set_data_location(onnx::TensorProto::EXTERNAL);
  auto *kv = w.add_external_data();
  kv->set_key("location");
  kv->set_value("aegis-weights.bin");
  kv = w.add_external_data();
  kv->set_key("offset");
  kv->set_value("4");
  EXPECT_EQ(importError(modelWith(w), dir), "");
  kv = w.add_external_data();
  kv->set_key("length");
  kv->set_value("400");
  std::string msg = importError(modelWith(w), dir);
  EXPECT_NE(msg.find("external data range 4+400 exceeds the 20 bytes"),
            std::string::npos) << msg;
}

TEST(OnnxImporter, InitializerWithWrongSize) {
  auto w = weight();
  w.add_float_data(1.0f);
  std::string msg = importError(modelWith(w));
  EXPECT_EQ(msg, "tensor 'w' holds 1 values, expected 4");
  w.clear_float_data();
  w.set_raw_data(std::string(10, '\0'));
  msg = importError(modelWith(w));
  EXPECT_EQ(msg, "tensor 'w' holds 10 bytes of data, expected 16");
}

TEST(OnnxImporter, UnsupportedElementType) {
  auto w = weight();
  w.set_data_type(onnx::TensorProto::FLOAT16);
  std::string msg = importError(modelWith(w));
  EXPECT_NE(msg.find("unsupported ONNX tensor element type FLOAT16"),
            std::string::npos) << msg;
}

TEST(OnnxImporter, NoGraph) {
  onnx::ModelProto model;
  model.set_ir_version(8);
  EXPECT_EQ(importError(model.SerializeAsString()), "ONNX model has no graph");
}

TEST(OnnxImporter, ContentDetection) {
  auto w = weight();
  for (int i = 0; i < 4; ++i)
    w.add_float_data(i);
  std::string bytes = modelWith(w);
  EXPECT_TRUE(mlir::aegis::looksLikeOnnx(bytes));
  EXPECT_TRUE(mlir::aegis::looksLikeOnnx("# comment\n<ir_version: 8>"));
  EXPECT_FALSE(mlir::aegis::looksLikeOnnx("func.func @f() { return }"));
  EXPECT_FALSE(mlir::aegis::looksLikeOnnx("ML\xefR\x00"));
  EXPECT_FALSE(mlir::aegis::looksLikeOnnx(bytes.substr(0, bytes.size() / 2)));
  EXPECT_EQ(importError(bytes), "");
}

} // namespace
