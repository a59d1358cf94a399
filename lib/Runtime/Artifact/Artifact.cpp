//===- Artifact.cpp - compiled aegis programs -----------------------------===//
//
// What an artifact means: validation, tensor packing, names. The file format
// (reading, writing, checksums, mapping) is ArtifactFormat.cpp.
//
//===----------------------------------------------------------------------===//

#include "aegis/Runtime/Artifact/Artifact.h"

#include "aegis/Runtime/Support/Error.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <map>
#include <set>

namespace aegis {

namespace {
// Bounds that keep a corrupt file from asking for absurd allocations.
constexpr uint64_t kMaxCount = uint64_t(1) << 28;
constexpr uint32_t kMaxSlots = uint32_t(1) << 16;

bool isPowerOfTwo(uint64_t x) { return x && !(x & (x - 1)); }

std::string shapeText(const std::vector<int64_t> &shape) {
  std::string s;
  for (size_t i = 0; i < shape.size(); ++i)
    s += (i ? "x" : "") + std::to_string(shape[i]);
  return shape.empty() ? "scalar" : s;
}

/// numpy broadcasting of two shapes; false when incompatible.
bool broadcastShapes(const std::vector<int64_t> &a,
                     const std::vector<int64_t> &b, std::vector<int64_t> &out) {
  size_t rank = std::max(a.size(), b.size());
  out.assign(rank, 1);
  for (size_t i = 0; i < rank; ++i) {
    int64_t da = i < rank - a.size() ? 1 : a[i - (rank - a.size())];
    int64_t db = i < rank - b.size() ? 1 : b[i - (rank - b.size())];
    if (da != db && da != 1 && db != 1)
      return false;
    out[i] = da == 1 ? db : da;
  }
  return true;
}

bool isIntegerType(ClientType t) {
  return t == ClientType::Int64 || t == ClientType::Int32 ||
         t == ClientType::Bool;
}

/// Checks the client program: types, value numbers defined before use,
/// operand counts, attributes and every result shape.
void validateClientProgram(const Artifact &a, const std::string &name) {
  const ClientProgram &c = a.client;
  if (c.empty())
    return;
  std::string where = name + ": client program: ";
  std::vector<std::vector<int64_t>> shapes;
  std::vector<ClientType> types;
  auto checkTensor = [&](const ClientTensor &t, const char *what) {
    if (uint8_t(t.type) > uint8_t(ClientType::Bool))
      fail(where, what, " '", t.name, "' has unknown type ", unsigned(t.type));
    int64_t n = 1;
    for (int64_t d : t.shape) {
      if (d <= 0 || d > int64_t(kMaxCount))
        fail(where, what, " '", t.name, "' has a bad dimension ", d);
      n *= d;
      if (n > int64_t(kMaxCount))
        fail(where, what, " '", t.name, "' is too large");
    }
    shapes.push_back(t.shape);
    types.push_back(t.type);
    return n;
  };
  if (c.inputs.empty())
    fail(where, "no inputs");
  for (const ClientTensor &t : c.inputs) {
    checkTensor(t, "input");
    if (!t.values.empty())
      fail(where, "input '", t.name, "' holds values");
  }
  for (const ClientTensor &t : c.constants) {
    int64_t n = checkTensor(t, "constant");
    if (int64_t(t.values.size()) != n)
      fail(where, "constant '", t.name, "' has ", t.values.size(),
           " values for shape ", shapeText(t.shape));
    for (double v : t.values)
      if (!std::isfinite(v))
        fail(where, "constant '", t.name, "' holds a non-finite value");
  }
  for (size_t i = 0; i < c.ops.size(); ++i) {
    const ClientOp &op = c.ops[i];
    const char *kind = clientOpKindName(op.kind);
    if (!kind)
      fail(where, "op ", i, " has unknown kind ", unsigned(op.kind));
    if (uint8_t(op.type) > uint8_t(ClientType::Bool))
      fail(where, "op ", i, " (", kind, ") has unknown type ",
           unsigned(op.type));
    size_t arity = op.kind == ClientOpKind::Gather || op.kind == ClientOpKind::Add ||
                           op.kind == ClientOpKind::Sub || op.kind == ClientOpKind::Mul ||
                           op.kind == ClientOpKind::Compare
                       ? 2
                       : 1;
    if (op.kind == ClientOpKind::Concat ? op.operands.empty()
                                        : op.operands.size() != arity)
      fail(where, "op ", i, " (", kind, ") has ", op.operands.size(),
           " operands");
    for (uint32_t v : op.operands)
      if (v >= shapes.size())
        fail(where, "op ", i, " (", kind, ") reads value ", v,
             " before it is defined");
    int64_t n = 1;
    for (int64_t d : op.shape) {
      if (d <= 0 || d > int64_t(kMaxCount))
        fail(where, "op ", i, " (", kind, ") has a bad dimension ", d);
      n *= d;
      if (n > int64_t(kMaxCount))
        fail(where, "op ", i, " (", kind, ") is too large");
    }
    const std::vector<int64_t> &x = shapes[op.operands[0]];
    std::vector<int64_t> expected;
    auto attrCount = [&](size_t count) {
      if (op.ints.size() != count)
        fail(where, "op ", i, " (", kind, ") has ", op.ints.size(),
             " attributes, expected ", count);
    };
    auto axisIn = [&](size_t rank) {
      attrCount(1);
      if (op.ints[0] < 0 || op.ints[0] >= int64_t(rank))
        fail(where, "op ", i, " (", kind, ") has axis ", op.ints[0],
             " for rank ", rank);
      return size_t(op.ints[0]);
    };
    switch (op.kind) {
    case ClientOpKind::Gather: {
      size_t axis = axisIn(x.size());
      const std::vector<int64_t> &idx = shapes[op.operands[1]];
      if (!isIntegerType(types[op.operands[1]]))
        fail(where, "op ", i, " (gather) has non-integer indices");
      expected.assign(x.begin(), x.begin() + axis);
      expected.insert(expected.end(), idx.begin(), idx.end());
      expected.insert(expected.end(), x.begin() + axis + 1, x.end());
      break;
    }
    case ClientOpKind::Add:
    case ClientOpKind::Sub:
    case ClientOpKind::Mul:
      attrCount(0);
      if (!broadcastShapes(x, shapes[op.operands[1]], expected))
        fail(where, "op ", i, " (", kind, ") operands ", shapeText(x), " and ",
             shapeText(shapes[op.operands[1]]), " do not broadcast");
      break;
    case ClientOpKind::Cast:
      attrCount(0);
      expected = x;
      break;
    case ClientOpKind::Compare:
      attrCount(1);
      if (op.ints[0] < 0 || op.ints[0] > 4)
        fail(where, "op ", i, " (compare) has unknown predicate ", op.ints[0]);
      if (op.type != ClientType::Bool)
        fail(where, "op ", i, " (compare) must give booleans");
      if (!broadcastShapes(x, shapes[op.operands[1]], expected))
        fail(where, "op ", i, " (compare) operands ", shapeText(x), " and ",
             shapeText(shapes[op.operands[1]]), " do not broadcast");
      break;
    case ClientOpKind::Not:
      attrCount(0);
      if (op.type != ClientType::Bool || types[op.operands[0]] != ClientType::Bool)
        fail(where, "op ", i, " (not) must take and give booleans");
      expected = x;
      break;
    case ClientOpKind::CumSum:
      attrCount(3);
      if (op.ints[0] < 0 || op.ints[0] >= int64_t(x.size()))
        fail(where, "op ", i, " (cumsum) has axis ", op.ints[0], " for rank ",
             x.size());
      expected = x;
      break;
    case ClientOpKind::Reshape: {
      attrCount(0);
      int64_t m = 1;
      for (int64_t d : x)
        m *= d;
      if (m != n)
        fail(where, "op ", i, " (reshape) turns ", shapeText(x), " into ",
             shapeText(op.shape));
      expected = op.shape;
      break;
    }
    case ClientOpKind::Expand:
      attrCount(0);
      if (!broadcastShapes(x, op.shape, expected) || expected != op.shape)
        fail(where, "op ", i, " (expand) cannot broadcast ", shapeText(x),
             " to ", shapeText(op.shape));
      break;
    case ClientOpKind::Transpose: {
      attrCount(x.size());
      std::vector<bool> seen(x.size(), false);
      for (int64_t p : op.ints) {
        if (p < 0 || p >= int64_t(x.size()) || seen[p])
          fail(where, "op ", i, " (transpose) has a bad permutation");
        seen[p] = true;
        expected.push_back(x[p]);
      }
      break;
    }
    case ClientOpKind::Concat: {
      size_t axis = axisIn(x.size());
      expected = x;
      for (size_t k = 1; k < op.operands.size(); ++k) {
        const std::vector<int64_t> &y = shapes[op.operands[k]];
        bool ok = y.size() == x.size();
        for (size_t d = 0; ok && d < x.size(); ++d)
          ok = d == axis || y[d] == x[d];
        if (!ok)
          fail(where, "op ", i, " (concat) operand shapes ", shapeText(x),
               " and ", shapeText(y), " differ off axis ", axis);
        expected[axis] += y[axis];
      }
      break;
    }
    }
    if (expected != op.shape)
      fail(where, "op ", i, " (", kind, ") has shape ", shapeText(op.shape),
           ", its operands give ", shapeText(expected));
    shapes.push_back(op.shape);
    types.push_back(op.type);
  }
  if (c.outputs.size() != a.inputs.size())
    fail(where, c.outputs.size(), " outputs for ", a.inputs.size(),
         " encrypted input(s)");
  for (size_t i = 0; i < c.outputs.size(); ++i) {
    uint32_t v = c.outputs[i];
    if (v >= shapes.size())
      fail(where, "output ", i, " is value ", v, " of ", shapes.size());
    if (isIntegerType(types[v]))
      fail(where, "output ", i, " ('", a.inputs[i].name,
           "') is an integer tensor; only float tensors can be encrypted");
    if (shapes[v] != a.inputs[i].shape)
      fail(where, "output ", i, " has shape ", shapeText(shapes[v]),
           ", the encrypted input '", a.inputs[i].name, "' ",
           shapeText(a.inputs[i].shape));
  }
}
} // namespace

const char *clientOpKindName(ClientOpKind kind) {
  switch (kind) {
  case ClientOpKind::Gather: return "gather";
  case ClientOpKind::Add: return "add";
  case ClientOpKind::Sub: return "sub";
  case ClientOpKind::Mul: return "mul";
  case ClientOpKind::Cast: return "cast";
  case ClientOpKind::Reshape: return "reshape";
  case ClientOpKind::Expand: return "expand";
  case ClientOpKind::Transpose: return "transpose";
  case ClientOpKind::Concat: return "concat";
  case ClientOpKind::Compare: return "compare";
  case ClientOpKind::Not: return "not";
  case ClientOpKind::CumSum: return "cumsum";
  }
  return nullptr;
}

const char *clientTypeName(ClientType type) {
  switch (type) {
  case ClientType::Float32: return "float32";
  case ClientType::Float64: return "float64";
  case ClientType::Int64: return "int64";
  case ClientType::Int32: return "int32";
  case ClientType::Bool: return "bool";
  }
  return "unknown";
}

int64_t ClientTensor::numElements() const {
  int64_t n = 1;
  for (int64_t d : shape)
    n *= d;
  return n;
}

const char *opcodeName(Opcode op) {
  switch (op) {
  case Opcode::Add: return "add";
  case Opcode::Sub: return "sub";
  case Opcode::Negate: return "negate";
  case Opcode::AddPlain: return "add_plain";
  case Opcode::SubPlain: return "sub_plain";
  case Opcode::MulPlain: return "mul_plain";
  case Opcode::AddConst: return "add_const";
  case Opcode::MulConst: return "mul_const";
  case Opcode::Mul: return "mul";
  case Opcode::Relinearize: return "relinearize";
  case Opcode::Rescale: return "rescale";
  case Opcode::LevelDown: return "level_down";
  case Opcode::Rotate: return "rotate";
  case Opcode::Conjugate: return "conjugate";
  case Opcode::Bootstrap: return "bootstrap";
  case Opcode::Send: return "send";
  case Opcode::Recv: return "recv";
  case Opcode::MulI: return "mul_i";
  case Opcode::RotateSum: return "rotate_sum";
  }
  return nullptr;
}

int64_t TensorSlot::numElements() const {
  int64_t n = 1;
  for (int64_t d : shape)
    n *= d;
  return n;
}

std::vector<std::vector<double>> packTensor(const TensorSlot &t,
                                            const std::vector<double> &values) {
  if (int64_t(values.size()) != t.numElements())
    fail("tensor '", t.name, "' needs ", t.numElements(), " values, got ",
         values.size());
  std::vector<std::vector<double>> out(t.regs.size(),
                                       std::vector<double>(t.slots, 0.0));
  for (size_t i = 0; i < values.size(); ++i) {
    uint64_t g = t.globalSlot(int64_t(i));
    out[g / t.slots][g % t.slots] = values[i];
  }
  return out;
}

std::vector<double>
unpackTensor(const TensorSlot &t,
             const std::vector<std::vector<double>> &slotVectors) {
  if (slotVectors.size() != t.regs.size())
    fail("tensor '", t.name, "' is held in ", t.regs.size(),
         " ciphertext(s), got ", slotVectors.size());
  std::vector<double> out(t.numElements());
  for (size_t i = 0; i < out.size(); ++i) {
    uint64_t g = t.globalSlot(int64_t(i));
    const std::vector<double> &v = slotVectors[g / t.slots];
    if (g % t.slots >= v.size())
      fail("tensor '", t.name, "': ciphertext ", g / t.slots, " has ",
           v.size(), " slots, need ", t.slots);
    out[i] = v[g % t.slots];
  }
  return out;
}

namespace {
unsigned topLevel(const Artifact &a) {
  return a.params.chainBits.empty() ? 0 : unsigned(a.params.chainBits.size() - 1);
}
unsigned levelOr(int32_t level, const Artifact &a) {
  return level < 0 ? topLevel(a) : unsigned(level);
}
} // namespace

unsigned rotationKeyLevel(const Artifact &a, size_t i) {
  return a.rotationLevels.empty() ? topLevel(a) : a.rotationLevels.at(i);
}
unsigned relinKeyLevel(const Artifact &a) { return levelOr(a.relinLevel, a); }
unsigned conjugationKeyLevel(const Artifact &a) {
  return levelOr(a.conjugationLevel, a);
}

void validateArtifact(const Artifact &a, const std::string &name) {
  const ArtifactParameters &p = a.params;
  if (p.logN < 10 || p.logN > 17)
    fail(name, ": ring degree 2^", p.logN, " is outside 2^10..2^17");
  if (p.chainBits.empty() || p.specialBits.empty())
    fail(name, ": parameters need at least one chain and one special prime");
  if (p.dnum == 0 || p.dnum > p.chainBits.size())
    fail(name, ": dnum ", p.dnum, " is outside 1..", p.chainBits.size());
  unsigned maxLevel = p.chainBits.size() - 1;
  uint32_t maxSlots = uint32_t(1) << (p.logN - 1);
  if (p.bootstrapLevel && (!p.nominalLogScale || p.bootstrapLevel >= maxLevel))
    fail(name, ": bootstrap level ", p.bootstrapLevel,
         " needs a nominal scale and a level below the top ", maxLevel);
  if (p.bootstrapLogSlots && (!p.bootstrapLevel || p.bootstrapLogSlots < 2 ||
                              p.bootstrapLogSlots > p.logN - 1))
    fail(name, ": bootstrap slots 2^", p.bootstrapLogSlots,
         p.bootstrapLevel ? " outside 2^2..2^" + std::to_string(p.logN - 1)
                          : " given, but the artifact never bootstraps");
  if (p.bootstrapTransformLevels < 1 || p.bootstrapTransformLevels > 4)
    fail(name, ": bootstrap transform levels ", p.bootstrapTransformLevels,
         " outside 1..4");
  if (!a.rotationLevels.empty() && a.rotationLevels.size() != a.rotations.size())
    fail(name, ": ", a.rotationLevels.size(), " rotation key levels for ",
         a.rotations.size(), " rotations");
  for (size_t i = 0; i < a.rotationLevels.size(); ++i)
    if (a.rotationLevels[i] > maxLevel)
      fail(name, ": the key for rotation by ", a.rotations[i], " is at level ",
           a.rotationLevels[i], " beyond the top level ", maxLevel);
  for (auto [level, what] : {std::pair<int32_t, const char *>{a.relinLevel,
                                                              "relinearization"},
                             {a.conjugationLevel, "conjugation"}})
    if (level < -1 || level > int32_t(maxLevel))
      fail(name, ": the ", what, " key is at level ", level,
           " outside -1 (the top) .. ", maxLevel);
  for (const Instruction &in : a.program)
    if (in.op == Opcode::Bootstrap && !p.bootstrapLevel)
      fail(name, ": the program bootstraps but the artifact has no "
                 "bootstrapping parameters");
  if (a.numRegisters > kMaxCount)
    fail(name, ": corrupt artifact: ", a.numRegisters, " registers");
  auto checkTensor = [&](const TensorSlot &t, const char *what) {
    if (t.regs.empty())
      fail(name, ": ", what, " '", t.name, "' has no ciphertext");
    for (uint32_t reg : t.regs)
      if (reg >= a.numRegisters)
        fail(name, ": ", what, " '", t.name, "' uses register ", reg, " of ",
             a.numRegisters);
    if (!isPowerOfTwo(t.slots) || t.slots > maxSlots)
      fail(name, ": ", what, " '", t.name, "' has ", t.slots,
           " slots; expected a power of two up to N/2 = ", maxSlots);
    // Sparse bootstraps refresh n-periodic ciphertexts only: nothing may
    // pack more slots than they serve.
    if (p.bootstrapLogSlots && t.slots > (uint32_t(1) << p.bootstrapLogSlots))
      fail(name, ": ", what, " '", t.name, "' packs ", t.slots,
           " slots, more than the ", uint32_t(1) << p.bootstrapLogSlots,
           " its sparse bootstraps refresh");
    if (t.level > maxLevel)
      fail(name, ": ", what, " '", t.name, "' is at level ", t.level,
           " beyond the maximum level ", maxLevel);
    if (!(t.logScale > 0 && t.logScale < 4096))
      fail(name, ": ", what, " '", t.name, "' has scale 2^", t.logScale);
    int64_t n = 1;
    for (int64_t d : t.shape) {
      if (d <= 0 || d > kMaxSlots)
        fail(name, ": ", what, " '", t.name, "' has a bad dimension ", d);
      n *= d;
      if (n > int64_t(kMaxCount))
        fail(name, ": ", what, " '", t.name, "' is too large");
    }
    uint64_t capacity = uint64_t(t.slots) * t.regs.size();
    if (!t.slotMap.empty() && int64_t(t.slotMap.size()) != n)
      fail(name, ": ", what, " '", t.name, "' has a slot map of ",
           t.slotMap.size(), " entries for ", n, " elements");
    if (t.slotMap.empty() && uint64_t(n) > capacity)
      fail(name, ": ", what, " '", t.name, "' has ", n, " elements for ",
           capacity, " slots");
    std::set<uint32_t> used;
    for (uint32_t s : t.slotMap)
      if (s >= capacity || !used.insert(s).second)
        fail(name, ": ", what, " '", t.name, "' maps an element to slot ", s,
             s >= capacity ? " beyond its ciphertexts" : " twice");
  };
  std::vector<bool> defined(a.numRegisters, false);
  for (const TensorSlot &t : a.inputs) {
    checkTensor(t, "input");
    for (uint32_t reg : t.regs)
      defined[reg] = true;
  }
  for (const ArtifactConstant &c : a.constants)
    if (!isPowerOfTwo(c.slots) || c.slots > maxSlots || c.values.size() > c.slots)
      fail(name, ": a constant has ", c.values.size(), " values for ", c.slots,
           " slots");
    else if (p.bootstrapLogSlots && c.slots > (uint32_t(1) << p.bootstrapLogSlots))
      fail(name, ": a constant packs ", c.slots, " slots, more than the ",
           uint32_t(1) << p.bootstrapLogSlots, " its sparse bootstraps refresh");
  // One instruction of a program whose defined registers are `defined`;
  // `where` names the program in messages ("" for the whole one).
  auto checkInstruction = [&](const Instruction &in, size_t i,
                              std::vector<bool> &defined,
                              const std::string &where, bool placed) {
    const char *op = opcodeName(in.op);
    if (!op)
      fail(name, ": ", where, "instruction ", i, " has unknown opcode ",
           unsigned(in.op));
    auto use = [&](uint32_t reg) {
      if (reg >= a.numRegisters || !defined[reg])
        fail(name, ": ", where, "instruction ", i, " (", op,
             ") reads register ", reg, " before it is defined");
    };
    if (in.op == Opcode::Send || in.op == Opcode::Recv) {
      if (!placed)
        fail(name, ": instruction ", i, " (", op,
             ") moves a register outside a device program");
      if (in.imm < 0 || uint64_t(in.imm) >= a.devicePrograms.size())
        fail(name, ": ", where, "instruction ", i, " (", op, ") names device ",
             in.imm, " of ", a.devicePrograms.size());
    }
    if (in.op != Opcode::Recv)
      use(in.a);
    if (in.op == Opcode::Add || in.op == Opcode::Sub || in.op == Opcode::Mul)
      use(in.b);
    if ((in.op == Opcode::AddPlain || in.op == Opcode::SubPlain ||
         in.op == Opcode::MulPlain) &&
        (in.imm < 0 || uint64_t(in.imm) >= a.constants.size()))
      fail(name, ": ", where, "instruction ", i, " (", op, ") uses constant ",
           in.imm, " of ", a.constants.size());
    if (in.region > a.regions.size())
      fail(name, ": ", where, "instruction ", i, " (", op, ") names region ",
           in.region, " of ", a.regions.size());
    if (in.op == Opcode::Bootstrap && (in.imm < 0 || in.imm > 30))
      fail(name, ": ", where, "instruction ", i, " (bootstrap) has headroom 2^",
           in.imm);
    if (in.op == Opcode::Bootstrap && in.b > 1)
      fail(name, ": ", where, "instruction ", i,
           " (bootstrap) has mode ", in.b, " (0: real, 1: complex)");
    if (in.op == Opcode::MulI && in.imm != 0 && in.imm != 1)
      fail(name, ": ", where, "instruction ", i, " (mul_i) has sign ", in.imm,
           " (0: i, 1: -i)");
    if (in.op == Opcode::LevelDown && (in.imm < 0 || in.imm > int64_t(maxLevel)))
      fail(name, ": ", where, "instruction ", i, " (level_down) targets level ",
           in.imm);
    if (in.op == Opcode::MulConst && !(in.scale >= 0 && in.scale <= 120))
      fail(name, ": ", where, "instruction ", i, " (mul_const) has scale 2^",
           in.scale);
    if (in.op == Opcode::MulPlain && !(in.value > 0 && in.value <= 120))
      fail(name, ": ", where, "instruction ", i, " (mul_plain) has scale 2^",
           in.value);
    if (!std::isfinite(in.value) || !std::isfinite(in.scale))
      fail(name, ": ", where, "instruction ", i, " (", op,
           ") has a non-finite constant");
    if (in.op == Opcode::Send)
      return;
    if (in.result >= a.numRegisters)
      fail(name, ": ", where, "instruction ", i, " (", op, ") writes register ",
           in.result, " of ", a.numRegisters);
    defined[in.result] = true;
  };
  // Hoisted runs: a rotation whose b is n > 1 starts n consecutive
  // rotations of the same register (one ModUp, one all-gather limb-split).
  auto checkHoisted = [&](const std::vector<Instruction> &prog,
                          const std::string &where) {
    for (size_t i = 0; i < prog.size(); ++i) {
      const Instruction &in = prog[i];
      if (in.op != Opcode::Rotate || in.b <= 1)
        continue;
      if (in.b > prog.size() - i)
        fail(name, ": ", where, "instruction ", i, " (rotate) starts a run of ",
             in.b, " hoisted rotations past the program's end");
      for (size_t j = 1; j < in.b; ++j) {
        const Instruction &r = prog[i + j];
        if (r.op != Opcode::Rotate || r.a != in.a || r.b != 0)
          fail(name, ": ", where, "instruction ", i + j,
               " breaks the run of hoisted rotations of register ", in.a,
               " started at instruction ", i);
      }
      for (size_t j = 0; j < in.b; ++j)
        if (prog[i + j].result == in.a)
          fail(name, ": ", where, "instruction ", i + j,
               " overwrites the register its hoisted run rotates");
      i += in.b - 1;
    }
  };
  // rotate_sum runs: the first of n carries n in b and the algorithm in
  // value; the others b = 0 and the same result register.
  auto checkRotateSums = [&](const std::vector<Instruction> &prog,
                             const std::string &where) {
    for (size_t i = 0; i < prog.size(); ++i) {
      const Instruction &in = prog[i];
      if (in.op != Opcode::RotateSum)
        continue;
      if (in.b == 0 || in.b > prog.size() - i)
        fail(name, ": ", where, "instruction ", i, " (rotate_sum) ",
             in.b == 0 ? "is outside a run" : "starts a run past the "
                                              "program's end",
             " (run length ", in.b, ")");
      if (in.value != 0 && in.value != 1)
        fail(name, ": ", where, "instruction ", i,
             " (rotate_sum) has key-switch algorithm ", in.value,
             " (0: input broadcast, 1: output aggregation)");
      for (size_t j = 1; j < in.b; ++j) {
        const Instruction &r = prog[i + j];
        if (r.op != Opcode::RotateSum || r.b != 0 || r.result != in.result ||
            r.value != 0)
          fail(name, ": ", where, "instruction ", i + j,
               " breaks the rotate_sum run started at instruction ", i);
      }
      for (size_t j = 0; j < in.b; ++j)
        if (prog[i + j].a == in.result)
          fail(name, ": ", where, "instruction ", i + j,
               " (rotate_sum) reads the register its run writes");
      i += in.b - 1;
    }
  };
  checkHoisted(a.program, "");
  checkRotateSums(a.program, "");
  for (size_t d = 0; d < a.devicePrograms.size(); ++d)
    checkRotateSums(a.devicePrograms[d], "device " + std::to_string(d) + " ");
  for (size_t d = 0; d < a.devicePrograms.size(); ++d)
    checkHoisted(a.devicePrograms[d], "device " + std::to_string(d) + " ");
  for (size_t i = 0; i < a.program.size(); ++i)
    checkInstruction(a.program[i], i, defined, "", false);
  if (a.devices > 4096)
    fail(name, ": corrupt artifact: placed for ", a.devices, " devices");
  if (a.groupSize > 4096)
    fail(name, ": corrupt artifact: ", a.groupSize, " devices per program");
  if (a.groupSize > 1 && a.devicePrograms.empty())
    fail(name, ": the artifact has ", a.groupSize,
         " devices per program but no device programs");
  if (!a.devicePrograms.empty() &&
      a.devices != a.devicePrograms.size() * std::max(1u, a.groupSize))
    fail(name, ": the artifact is placed for ", a.devices, " devices but has ",
         a.devicePrograms.size(), " device programs",
         a.groupSize > 1 ? " of " + std::to_string(a.groupSize) + " devices"
                         : std::string());
  if (!a.devicePrograms.empty()) {
    const size_t P = a.devicePrograms.size();
    if (P < 2)
      fail(name, ": a placed artifact needs at least 2 device programs, found ",
           P);
    auto checkDevices = [&](const TensorSlot &t, const char *what) {
      if (t.devices.size() != t.regs.size())
        fail(name, ": ", what, " '", t.name, "' names devices for ",
             t.devices.size(), " of its ", t.regs.size(), " ciphertexts");
      for (uint32_t d : t.devices)
        if (d >= P)
          fail(name, ": ", what, " '", t.name, "' is on device ", d, " of ", P);
    };
    for (const TensorSlot &t : a.inputs)
      checkDevices(t, "input");
    for (const TensorSlot &t : a.outputs)
      checkDevices(t, "output");
    // Per channel (from, to): the registers sent, in order, must be those
    // received.
    std::map<std::pair<size_t, size_t>, std::vector<uint32_t>> sent, received;
    for (size_t d = 0; d < P; ++d) {
      std::vector<bool> mine(a.numRegisters, false);
      for (const TensorSlot &t : a.inputs)
        for (size_t i = 0; i < t.regs.size(); ++i)
          if (t.devices[i] == d)
            mine[t.regs[i]] = true;
      std::string where = "device " + std::to_string(d) + " ";
      const std::vector<Instruction> &prog = a.devicePrograms[d];
      for (size_t i = 0; i < prog.size(); ++i) {
        const Instruction &in = prog[i];
        checkInstruction(in, i, mine, where, true);
        if ((in.op == Opcode::Send || in.op == Opcode::Recv) &&
            size_t(in.imm) == d)
          fail(name, ": ", where, "instruction ", i, " (", opcodeName(in.op),
               ") names its own device");
        if (in.op == Opcode::Send)
          sent[{d, size_t(in.imm)}].push_back(in.a);
        if (in.op == Opcode::Recv)
          received[{size_t(in.imm), d}].push_back(in.result);
      }
      for (const TensorSlot &t : a.outputs)
        for (size_t i = 0; i < t.regs.size(); ++i)
          if (t.devices[i] == d && !mine[t.regs[i]])
            fail(name, ": output '", t.name, "' register ", t.regs[i],
                 " is never computed on device ", d);
    }
    if (sent != received)
      fail(name, ": the device programs' sends and receives do not pair up "
                 "(a device would wait for a ciphertext that never comes)");
  }
  for (const TensorSlot &t : a.outputs) {
    checkTensor(t, "output");
    for (uint32_t reg : t.regs)
      if (!defined[reg])
        fail(name, ": output '", t.name, "' register ", reg,
             " is never computed");
  }
  std::set<int64_t> seen;
  for (int64_t r : a.rotations)
    if (r == 0 || r <= -int64_t(maxSlots) || r >= int64_t(maxSlots) ||
        !seen.insert(r).second)
      fail(name, ": invalid or repeated rotation key offset ", r);
  auto rotatesWithoutKey = [&](const Instruction &in) {
    return (in.op == Opcode::Rotate && !seen.count(in.imm)) ||
           (in.op == Opcode::RotateSum && in.imm != 0 && !seen.count(in.imm));
  };
  for (const Instruction &in : a.program)
    if (rotatesWithoutKey(in))
      fail(name, ": the program rotates by ", in.imm,
           " but the artifact lists no key for it");
  for (const std::vector<Instruction> &prog : a.devicePrograms)
    for (const Instruction &in : prog)
      if (rotatesWithoutKey(in) ||
          (in.op == Opcode::Bootstrap && !p.bootstrapLevel))
        fail(name, ": a device program ", opcodeName(in.op),
             "s beyond the artifact's keys and parameters");
  validateClientProgram(a, name);
}

} // namespace aegis
