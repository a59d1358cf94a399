// Importer errors that the textual ONNX syntax cannot express.
#include "aegis/Conversion/OnnxToNN/OnnxImporter.h"

#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"

#include "onnx/onnx_pb.h"

#include <gtest/gtest.h>

#include <unistd.h>

#include <cmath>
#include <fstream>
#include <limits>

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

// Regression (issue 19): NaN/Inf weights compiled without a word and failed
// later (a debug assertion in the Chebyshev fit) with a message that named
// neither the file nor the initializer.
TEST(OnnxImporter, NonFiniteWeightsAreRefused) {
  auto w = weight();
  for (float v : {1.0f, 2.0f, std::nanf(""), 4.0f})
    w.add_float_data(v);
  EXPECT_EQ(importError(modelWith(w)),
            "tensor 'w' holds NaN at element 2 (of 4); weights and constants "
            "must be finite");
  w.clear_float_data();
  float raw[4] = {1, std::numeric_limits<float>::infinity(), 3, 4};
  w.set_raw_data(std::string(reinterpret_cast<const char *>(raw), sizeof(raw)));
  EXPECT_EQ(importError(modelWith(w)),
            "tensor 'w' holds +Inf at element 1 (of 4); weights and constants "
            "must be finite");
  // -Inf is the fill value of attention masks.
  raw[1] = -std::numeric_limits<float>::infinity();
  w.set_raw_data(std::string(reinterpret_cast<const char *>(raw), sizeof(raw)));
  EXPECT_EQ(importError(modelWith(w)), "");
}

TEST(OnnxImporter, UnsupportedElementType) {
  auto w = weight();
  w.set_data_type(onnx::TensorProto::UINT8);
  std::string msg = importError(modelWith(w));
  EXPECT_NE(msg.find("unsupported ONNX tensor element type UINT8 (supported: "
                     "FLOAT, FLOAT16 and BFLOAT16 (widened to FLOAT)"),
            std::string::npos) << msg;
}

/// The values of the first nn.constant of an imported model (float32).
std::vector<float> importedWeight(const std::string &bytes, std::string &error) {
  MLIRContext context;
  ScopedDiagnosticHandler handler(&context, [&](Diagnostic &d) {
    error = d.str();
    return success();
  });
  auto module = mlir::aegis::importOnnxModel(&context, bytes, "m.onnx", {});
  std::vector<float> values;
  if (!module)
    return values;
  module->walk([&](Operation *op) {
    if (op->getName().getStringRef() != "nn.constant" || !values.empty())
      return;
    auto attr = op->getAttrOfType<ElementsAttr>("value");
    if (!attr)
      return;
    for (float v : attr.getValues<float>())
      values.push_back(v);
  });
  return values;
}

// fp16 and bf16 weights (issue 17) are widened to float32 exactly, whether
// stored raw or as 16-bit patterns in int32_data.
TEST(OnnxImporter, HalfPrecisionWeightsAreWidened) {
  // 1.5, -2, 65504 (largest half), 2^-24 (smallest subnormal).
  const uint16_t half[4] = {0x3e00, 0xc000, 0x7bff, 0x0001};
  const float expectHalf[4] = {1.5f, -2.0f, 65504.0f, std::ldexp(1.0f, -24)};
  auto w = weight();
  w.set_data_type(onnx::TensorProto::FLOAT16);
  w.set_raw_data(std::string(reinterpret_cast<const char *>(half), sizeof(half)));
  std::string error;
  std::vector<float> got = importedWeight(modelWith(w), error);
  ASSERT_EQ(got.size(), 4u) << error;
  for (int i = 0; i < 4; ++i)
    EXPECT_EQ(got[i], expectHalf[i]) << i;
  w.clear_raw_data();
  for (uint16_t h : half)
    w.add_int32_data(h);
  got = importedWeight(modelWith(w), error);
  ASSERT_EQ(got.size(), 4u) << error;
  for (int i = 0; i < 4; ++i)
    EXPECT_EQ(got[i], expectHalf[i]) << i;

  // bfloat16: the top 16 bits of a float.
  const uint16_t bf[4] = {0x3fc0, 0xc000, 0x4049, 0x0000};
  const float expectBf[4] = {1.5f, -2.0f, 3.140625f, 0.0f};
  w = weight();
  w.set_data_type(onnx::TensorProto::BFLOAT16);
  w.set_raw_data(std::string(reinterpret_cast<const char *>(bf), sizeof(bf)));
  got = importedWeight(modelWith(w), error);
  ASSERT_EQ(got.size(), 4u) << error;
  for (int i = 0; i < 4; ++i)
    EXPECT_EQ(got[i], expectBf[i]) << i;

  // A half NaN is refused like a float one.
  const uint16_t nan[4] = {0x3c00, 0x7e00, 0x3c00, 0x3c00};
  w = weight();
  w.set_data_type(onnx::TensorProto::FLOAT16);
  w.set_raw_data(std::string(reinterpret_cast<const char *>(nan), sizeof(nan)));
  EXPECT_EQ(importError(modelWith(w)),
            "tensor 'w' holds NaN at element 1 (of 4); weights and constants "
            "must be finite");
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

// Regressions found by fuzz/OnnxImporterFuzzer (issue 19).

/// A textual model y = x + x with one extra node line.
std::string textModelWith(const std::string &node) {
  return "<ir_version: 8, opset_import: [\"\" : 17]>\n"
         "agraph (float[2] x) => (float[2] y) {\n  " +
         node + "\n  y = Add(x, x)\n}\n";
}

// ONNX's text parser throws std::invalid_argument/std::out_of_range from
// std::stoll on a bad literal: aegis-opt died in std::terminate.
TEST(OnnxImporter, TextWithMalformedNumber) {
  // Out of range, and "8, <byte 0xe0>4" (what the fuzzer found).
  for (const char *literal : {"{99999999999999999999}", "{8,\xe0\x34}"}) {
    std::string msg = importError(textModelWith(
        std::string("c = Constant <value = int64[2] ") + literal + "> ()"));
    EXPECT_EQ(msg.rfind("not a valid ONNX model: malformed number in the "
                        "textual model (stoll)",
                        0),
              0u)
        << msg;
  }
}

// A node without outputs read node.output(0) out of bounds.
TEST(OnnxImporter, NodeWithoutOutputs) {
  EXPECT_EQ(importError(textModelWith("= Constant <value = int64[1] {1}> ()")),
            "'Constant' (node 'Constant#0', opset 17) has no outputs");
}

// A Reshape target whose element count overflows int64 (signed overflow).
TEST(OnnxImporter, ReshapeTargetOverflows) {
  EXPECT_EQ(importError(textModelWith(
                "s = Constant <value = int64[2] {4611686018427387904, 4}> ()\n"
                "  r = Reshape(x, s)")),
            "'Reshape' (node 'Reshape#1', opset 17): the target shape has too "
            "many elements");
}

// Each of these crashed, hung or ran into undefined behaviour before.
TEST(OnnxImporter, MalformedNodesFailCleanly) {
  struct Case {
    const char *nodes, *error;
  } cases[] = {
      // ins[0] of an empty list.
      {"c = Concat <axis = 0> ()",
       "'Concat' (node 'Concat#0', opset 17) needs at least one input"},
      // std::length_error (negative) or a 2^53-byte allocation.
      {"s = Constant <value = int64[2] {-2, 3}> ()\n  c = ConstantOfShape(s)",
       "'ConstantOfShape' (node 'ConstantOfShape#1', opset 17): the shape has "
       "a negative dimension or more than 2^36 elements"},
      {"s = Constant <value = int64[2] {100000000, 100000000}> ()\n"
       "  c = ConstantOfShape(s)",
       "'ConstantOfShape' (node 'ConstantOfShape#1', opset 17): the shape has "
       "a negative dimension or more than 2^36 elements"},
      {"a = Constant <value = float[1] {1}> ()\n"
       "  s = Constant <value = int64[2] {-3, 2}> ()\n  e = Expand(a, s)",
       "'Expand' (node 'Expand#2', opset 17): the shape has a negative "
       "dimension or more than 2^36 elements"},
      // std::out_of_range from data.at(0): std::terminate.
      {"t = Constant <value = bool[0] {}> ()\n  r = Dropout(x, , t)",
       "'Dropout' (node 'Dropout#1', opset 17): training_mode must be a "
       "scalar"},
      // data[0] of empty tensors.
      {"s = Constant <value = float[0] {}> ()\n"
       "  l = Constant <value = float {3}> ()\n"
       "  d = Constant <value = float {1}> ()\n  r = Range(s, l, d)",
       "'Range' (node 'Range#3', opset 17): start, limit and delta must be "
       "scalars"},
      {"s = Constant <value = float {0}> ()\n"
       "  l = Constant <value = float {1e15}> ()\n"
       "  d = Constant <value = float {1}> ()\n  r = Range(s, l, d)",
       "'Range' (node 'Range#3', opset 17): ceil((limit - start) / delta) = "
       "1.000000e+15 is not a valid element count (at most 2^36)"},
      {"a = Constant <value = float[2, 2] {1, 2, 3, 4}> ()\n"
       "  k = Constant <value = int64[0] {}> ()\n  t = Trilu(a, k)",
       "'Trilu' (node 'Trilu#2', opset 17): k must be a scalar"},
      // A folded Reshape kept 2 values for 12 elements (heap overflow in
      // the Transpose that folded next).
      {"a = Constant <value = float[2] {1, 2}> ()\n"
       "  s = Constant <value = int64[2] {3, 4}> ()\n  r = Reshape(a, s)",
       "'Reshape' (node 'Reshape#2', opset 17): cannot reshape 2 elements "
       "into 'tensor<3x4xf32>'"},
      // Read past the input's shape.
      {"a = Constant <value = int64[2] {0, 0}> ()\n  u = Unsqueeze(x, a)",
       "'Unsqueeze' (node 'Unsqueeze#1', opset 17): axis 0 repeats"},
      // Heap overflow in the split kernel; 10^12 iterations.
      {"a = Constant <value = float[2] {1, 2}> ()\n"
       "  s = Constant <value = int64[2] {3, -1}> ()\n  p, q = Split(a, s)",
       "'Split' (node 'Split#2', opset 17): split sizes do not add up to "
       "dimension 2"},
      {"a = Constant <value = float[5] {1, 2, 3, 4, 5}> ()\n"
       "  p, q, r, s = Split <num_outputs = 4> (a)",
       "'Split' (node 'Split#1', opset 17): split sizes do not add up to "
       "dimension 5"},
      {"p = Split <num_outputs = 1000000000000> (x)",
       "'Split' (node 'Split#0', opset 17): 1000000000000 split sizes for 1 "
       "outputs"},
      // double -> int64 conversions out of range.
      {"s = Constant <value = float[1] {1e30}> ()\n  r = Reshape(x, s)",
       "'Reshape' (node 'Reshape#1', opset 17): its shape (input #1) holds "
       "1.000000e+30, not a 64-bit integer"},
      {"a = Constant <value = float[2, 2] {1, 2, 3, 4}> ()\n"
       "  i = Constant <value = float[2, 1] {0, 1e30}> ()\n"
       "  g = GatherElements <axis = 1> (a, i)",
       "'GatherElements' (node 'GatherElements#2', opset 17): index "
       "1.000000e+30 out of range"},
      {"a = Constant <value = float[1] {1e30}> ()\n  c = Cast <to = 7> (a)",
       "'Cast' (node 'Cast#1', opset 17): its result holds 1.000000e+30, "
       "which does not fit in 'i64'"},
      {"a = Constant <value = int64[1] {1099511627776}> ()\n  b = Mul(a, a)",
       "'Mul' (node 'Mul#1', opset 17): its result holds 1.208926e+24, which "
       "does not fit in 'i64'"},
  };
  for (const Case &c : cases)
    EXPECT_EQ(importError(textModelWith(c.nodes)), c.error) << c.nodes;
}

// Found while fuzzing (issue 19): a model read any file it named (an
// absolute path, ../..), /dev/zero until memory ran out, and offset +
// length overflowed int64.
TEST(OnnxImporter, ExternalDataStaysInTheModelDirectory) {
  std::string dir = ::testing::TempDir();
  auto w = weight();
  w.set_data_location(onnx::TensorProto::EXTERNAL);
  auto *kv = w.add_external_data();
  kv->set_key("location");
  for (std::string location : {"/dev/zero", "../../etc/hostname", "a/../../b"}) {
    kv->set_value(location);
    EXPECT_EQ(importError(modelWith(w), dir),
              "tensor 'w': external data location '" + location +
                  "' must be a relative path inside the model's directory");
  }
  std::string link = dir + "/aegis-zero.bin";
  ::unlink(link.c_str());
  ASSERT_EQ(::symlink("/dev/zero", link.c_str()), 0);
  kv->set_value("aegis-zero.bin");
  std::string msg = importError(modelWith(w), dir);
  EXPECT_NE(msg.find("aegis-zero.bin' is not a regular file"),
            std::string::npos)
      << msg;
  {
    std::ofstream out(dir + "/aegis-weights4.bin", std::ios::binary);
    float v[4] = {1, 2, 3, 4};
    out.write(reinterpret_cast<const char *>(v), sizeof(v));
  }
  kv->set_value("aegis-weights4.bin");
  for (const char *key : {"offset", "length"}) {
    kv = w.add_external_data();
    kv->set_key(key);
    kv->set_value(key[0] == 'o' ? "4" : "9223372036854775807");
  }
  msg = importError(modelWith(w), dir);
  EXPECT_NE(msg.find("range 4+9223372036854775807 exceeds the 16 bytes"),
            std::string::npos)
      << msg;
}

// INT64_MAX (Slice's "to the end") is 2^63 as a double: still accepted by
// the range checks above, and materialized as INT64_MAX.
TEST(OnnxImporter, Int64MaxStillImports) {
  EXPECT_EQ(importError(textModelWith(
                "s = Constant <value = int64[1] {0}> ()\n"
                "  e = Constant <value = int64[1] {9223372036854775807}> ()\n"
                "  z = Slice(x, s, e)")),
            "");
  EXPECT_EQ(importError("<ir_version: 8, opset_import: [\"\" : 17]>\n"
                        "agraph (float[2] x) => (int64[1] c) {\n  c = "
                        "Constant <value = int64[1] {9223372036854775807}> "
                        "()\n}\n"),
            "");
}

// Element counts of inputs overflowed int64 in later shape arithmetic.
TEST(OnnxImporter, HugeInputIsRefused) {
  EXPECT_EQ(importError("<ir_version: 8, opset_import: [\"\" : 17]>\n"
                        "agraph (float[4611686018427387904, 4] x) => "
                        "(float[4611686018427387904, 4] y) {\n"
                        "  y = Identity(x)\n}\n"),
            "input 'x' has more than 2^36 elements");
}

} // namespace
