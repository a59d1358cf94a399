//===- ClientProgram.cpp - the plaintext prefix run before encryption -----===//

#include "aegis/Runtime/Artifact/ClientProgram.h"

#include "aegis/Runtime/Support/Error.h"
#include "aegis/Support/NNKernels.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace aegis {

namespace {

std::string shapeText(const std::vector<int64_t> &shape) {
  std::string s;
  for (int64_t d : shape)
    s += (s.empty() ? "" : "x") + std::to_string(d);
  return "[" + s + "]";
}

bool isInteger(ClientType t) {
  return t == ClientType::Int64 || t == ClientType::Int32 ||
         t == ClientType::Bool;
}

bool isInteger(NpyType t) {
  return t == NpyType::Int64 || t == NpyType::Int32 || t == NpyType::Bool;
}

} // namespace

size_t modelInputCount(const Artifact &artifact) {
  return artifact.client.empty() ? artifact.inputs.size()
                                 : artifact.client.inputs.size();
}

std::vector<std::vector<double>>
runClientProgram(const Artifact &artifact, const std::vector<NpyArray> &inputs,
                 const std::vector<std::string> &names) {
  using nn::Tensor;
  const ClientProgram &c = artifact.client;
  if (inputs.size() != c.inputs.size())
    fail("the client program takes ", c.inputs.size(), " input(s), ",
         inputs.size(), " given");
  std::vector<Tensor> values;
  values.reserve(c.inputs.size() + c.constants.size() + c.ops.size());
  for (size_t i = 0; i < inputs.size(); ++i) {
    const ClientTensor &t = c.inputs[i];
    const NpyArray &x = inputs[i];
    const std::string &label = i < names.size() ? names[i] : t.name;
    if (x.shape != t.shape)
      fail(label, ": input '", t.name, "' has shape ", shapeText(x.shape),
           ", expected ", shapeText(t.shape));
    if (isInteger(t.type) && !isInteger(x.type))
      fail(label, ": input '", t.name, "' must hold integers (",
           clientTypeName(t.type), "), got ", npyDescr(x.type));
    values.emplace_back(t.shape, x.data);
  }
  for (const ClientTensor &t : c.constants)
    values.emplace_back(t.shape, t.values.toVector());
  // The input (if any) an index tensor comes straight from, for messages.
  auto inputName = [&](uint32_t v) -> std::string {
    if (v < c.inputs.size())
      return " (input '" + c.inputs[v].name + "'" +
             (v < names.size() ? " from " + names[v] : std::string()) + ")";
    return "";
  };
  for (size_t i = 0; i < c.ops.size(); ++i) {
    const ClientOp &op = c.ops[i];
    auto in = [&](size_t k) -> const Tensor & {
      return values[op.operands[k]];
    };
    Tensor out;
    switch (op.kind) {
    case ClientOpKind::Gather: {
      int64_t bad = 0;
      if (!nn::gather(in(0), in(1), op.ints[0], out, bad))
        fail("client program: index ", bad, inputName(op.operands[1]),
             " is out of range [0, ", in(0).shape[op.ints[0]],
             ") of the embedding table");
      break;
    }
    case ClientOpKind::Add:
    case ClientOpKind::Sub:
    case ClientOpKind::Mul: {
      nn::BinaryKind kind = op.kind == ClientOpKind::Add   ? nn::BinaryKind::Add
                            : op.kind == ClientOpKind::Sub ? nn::BinaryKind::Sub
                                                           : nn::BinaryKind::Mul;
      out = nn::binary(kind, in(0), in(1), op.shape, isInteger(op.type));
      break;
    }
    case ClientOpKind::Cast:
      out = in(0);
      break;
    case ClientOpKind::Reshape:
      out = Tensor(op.shape, in(0).data);
      break;
    case ClientOpKind::Expand:
      out = nn::expand(in(0), op.shape);
      break;
    case ClientOpKind::Transpose:
      out = nn::transpose(in(0), op.ints);
      break;
    case ClientOpKind::Compare: {
      static const nn::BinaryKind kinds[] = {
          nn::BinaryKind::Equal, nn::BinaryKind::Less, nn::BinaryKind::Greater,
          nn::BinaryKind::And, nn::BinaryKind::Or};
      out = nn::binary(kinds[op.ints[0]], in(0), in(1), op.shape, false);
      break;
    }
    case ClientOpKind::Not:
      out = nn::unary(nn::UnaryKind::Not, in(0));
      break;
    case ClientOpKind::CumSum:
      out = nn::cumsum(in(0), op.ints[0], op.ints[1] != 0, op.ints[2] != 0);
      break;
    case ClientOpKind::Concat: {
      std::vector<const Tensor *> ins;
      for (uint32_t v : op.operands)
        ins.push_back(&values[v]);
      out = nn::concat(ins, op.ints[0]);
      break;
    }
    }
    if (isInteger(op.type))
      for (double &v : out.data)
        v = op.type == ClientType::Bool ? double(v != 0) : std::trunc(v);
    else if (op.type == ClientType::Float32)
      for (double &v : out.data)
        v = double(float(v));
    values.push_back(std::move(out));
  }
  std::vector<std::vector<double>> result;
  for (uint32_t v : c.outputs)
    result.push_back(values[v].data);
  return result;
}

std::vector<std::vector<double>>
prepareInputs(const Artifact &artifact, const std::vector<std::string> &paths) {
  size_t expected = modelInputCount(artifact);
  if (paths.size() != expected)
    fail("the artifact takes ", expected, " input(s) (--input), ",
         paths.size(), " given");
  std::vector<NpyArray> arrays(paths.size());
  for (size_t i = 0; i < paths.size(); ++i) {
    std::string error;
    if (!readNpy(paths[i], arrays[i], error))
      fail(error);
  }
  if (!artifact.client.empty())
    return runClientProgram(artifact, arrays, paths);
  std::vector<std::vector<double>> inputs;
  for (size_t i = 0; i < paths.size(); ++i) {
    const TensorSlot &t = artifact.inputs[i];
    if (arrays[i].shape != t.shape)
      fail(paths[i], ": input '", t.name, "' has shape ",
           shapeText(arrays[i].shape), ", expected ", shapeText(t.shape));
    inputs.push_back(std::move(arrays[i].data));
  }
  return inputs;
}

std::vector<std::string>
checkInputRanges(const Artifact &artifact,
                 const std::vector<std::vector<double>> &inputs) {
  std::vector<std::string> problems;
  for (size_t i = 0; i < inputs.size() && i < artifact.inputs.size(); ++i) {
    const TensorSlot &t = artifact.inputs[i];
    if (!t.hasRange)
      continue;
    double width = t.rangeHi - t.rangeLo;
    if (width <= 0)
      width = std::max(1.0, std::fabs(t.rangeHi));
    double lo = t.rangeLo - kInputRangeMargin * width;
    double hi = t.rangeHi + kInputRangeMargin * width;
    size_t outside = 0, first = 0;
    for (size_t k = 0; k < inputs[i].size(); ++k) {
      double v = inputs[i][k];
      if (!(v >= lo && v <= hi)) {
        if (outside++ == 0)
          first = k;
      }
    }
    if (outside == 0)
      continue;
    char line[512];
    std::snprintf(line, sizeof(line),
                  "input '%s': %zu of %zu values outside [%.4g, %.4g] (the "
                  "calibrated range [%.4g, %.4g] widened by %.0f%%), first "
                  "element %zu = %.6g; the approximations were fitted for "
                  "that range and the encrypted result would be wrong",
                  t.name.c_str(), outside, inputs[i].size(), lo, hi,
                  t.rangeLo, t.rangeHi, 100 * kInputRangeMargin, first,
                  inputs[i][first]);
    problems.push_back(line);
  }
  return problems;
}

} // namespace aegis
