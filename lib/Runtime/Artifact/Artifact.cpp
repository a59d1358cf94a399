//===- Artifact.cpp - compiled aegis programs -----------------------------===//

#include "aegis/Runtime/Artifact/Artifact.h"

#include "aegis/Runtime/Support/Crc32c.h"
#include "aegis/Support/ReadFile.h"
#include "aegis/Runtime/Support/Error.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <fstream>
#include <set>

namespace aegis {

namespace {
constexpr char kMagic[8] = {'A', 'E', 'G', 'I', 'S', 'A', 'R', 'T'};
// Bounds that keep a corrupt file from asking for absurd allocations.
constexpr uint64_t kMaxCount = uint64_t(1) << 28;
constexpr uint32_t kMaxSlots = uint32_t(1) << 16;

class Writer {
public:
  std::vector<uint8_t> bytes;
  template <typename T> void pod(T v) {
    const uint8_t *p = reinterpret_cast<const uint8_t *>(&v);
    bytes.insert(bytes.end(), p, p + sizeof(T));
  }
  void str(const std::string &s) {
    pod<uint64_t>(s.size());
    bytes.insert(bytes.end(), s.begin(), s.end());
  }
  template <typename T> void vec(const std::vector<T> &v) {
    pod<uint64_t>(v.size());
    for (const T &x : v)
      pod<T>(x);
  }
};

class Reader {
public:
  Reader(const uint8_t *data, size_t size, const std::string &name)
      : data(data), size(size), name(name) {}
  template <typename T> T pod(const char *what) {
    if (size - pos < sizeof(T))
      fail(name, ": truncated artifact while reading ", what);
    T v;
    std::memcpy(&v, data + pos, sizeof(T));
    pos += sizeof(T);
    return v;
  }
  uint64_t count(const char *what, uint64_t max = kMaxCount) {
    uint64_t n = pod<uint64_t>(what);
    if (n > max)
      fail(name, ": corrupt artifact: ", what, " count ", n,
           " exceeds the limit ", max);
    return n;
  }
  std::string str(const char *what) {
    uint64_t n = count(what, 1 << 20);
    if (size - pos < n)
      fail(name, ": truncated artifact while reading ", what);
    std::string s(reinterpret_cast<const char *>(data + pos), n);
    pos += n;
    return s;
  }
  template <typename T> std::vector<T> vec(const char *what) {
    uint64_t n = count(what);
    if ((size - pos) / sizeof(T) < n)
      fail(name, ": truncated artifact while reading ", what);
    std::vector<T> v(n);
    for (T &x : v)
      x = pod<T>(what);
    return v;
  }
  const uint8_t *data;
  size_t size;
  size_t pos = 0;
  const std::string &name;
};

void writeTensor(Writer &w, const TensorSlot &t) {
  w.str(t.name);
  w.vec(t.shape);
  w.vec(t.regs);
  w.pod(t.slots);
  w.pod(t.level);
  w.pod(t.logScale);
  w.vec(t.slotMap);
  w.pod(uint8_t(t.hasRange));
  w.pod(t.rangeLo);
  w.pod(t.rangeHi);
}

TensorSlot readTensor(Reader &r) {
  TensorSlot t;
  t.name = r.str("tensor name");
  t.shape = r.vec<int64_t>("tensor shape");
  t.regs = r.vec<uint32_t>("tensor registers");
  t.slots = r.pod<uint32_t>("tensor slots");
  t.level = r.pod<uint32_t>("tensor level");
  t.logScale = r.pod<double>("tensor scale");
  t.slotMap = r.vec<uint32_t>("tensor slot map");
  uint8_t hasRange = r.pod<uint8_t>("tensor range flag");
  if (hasRange > 1)
    fail(r.name, ": corrupt artifact: tensor '", t.name,
         "' has a bad range flag ", unsigned(hasRange));
  t.hasRange = hasRange != 0;
  t.rangeLo = r.pod<double>("tensor range");
  t.rangeHi = r.pod<double>("tensor range");
  if (t.hasRange &&
      !(std::isfinite(t.rangeLo) && std::isfinite(t.rangeHi) &&
        t.rangeLo <= t.rangeHi))
    fail(r.name, ": corrupt artifact: tensor '", t.name,
         "' has a bad calibrated range [", t.rangeLo, ", ", t.rangeHi, "]");
  return t;
}

bool isPowerOfTwo(uint64_t x) { return x && !(x & (x - 1)); }

void writeClientTensor(Writer &w, const ClientTensor &t, bool constant) {
  w.str(t.name);
  w.vec(t.shape);
  w.pod(uint8_t(t.type));
  if (constant)
    w.vec(t.values);
}

ClientTensor readClientTensor(Reader &r, bool constant) {
  ClientTensor t;
  t.name = r.str("client tensor name");
  t.shape = r.vec<int64_t>("client tensor shape");
  t.type = ClientType(r.pod<uint8_t>("client tensor type"));
  if (constant)
    t.values = r.vec<double>("client constant values");
  return t;
}

void writeClientProgram(Writer &w, const ClientProgram &c) {
  w.pod<uint64_t>(c.inputs.size());
  for (const ClientTensor &t : c.inputs)
    writeClientTensor(w, t, false);
  w.pod<uint64_t>(c.constants.size());
  for (const ClientTensor &t : c.constants)
    writeClientTensor(w, t, true);
  w.pod<uint64_t>(c.ops.size());
  for (const ClientOp &op : c.ops) {
    w.pod(uint8_t(op.kind));
    w.vec(op.operands);
    w.vec(op.ints);
    w.vec(op.shape);
    w.pod(uint8_t(op.type));
  }
  w.vec(c.outputs);
}

ClientProgram readClientProgram(Reader &r) {
  ClientProgram c;
  uint64_t n = r.count("client inputs");
  for (uint64_t i = 0; i < n; ++i)
    c.inputs.push_back(readClientTensor(r, false));
  n = r.count("client constants");
  for (uint64_t i = 0; i < n; ++i)
    c.constants.push_back(readClientTensor(r, true));
  n = r.count("client ops");
  for (uint64_t i = 0; i < n; ++i) {
    ClientOp op;
    op.kind = ClientOpKind(r.pod<uint8_t>("client op kind"));
    op.operands = r.vec<uint32_t>("client op operands");
    op.ints = r.vec<int64_t>("client op attributes");
    op.shape = r.vec<int64_t>("client op shape");
    op.type = ClientType(r.pod<uint8_t>("client op type"));
    c.ops.push_back(std::move(op));
  }
  c.outputs = r.vec<uint32_t>("client outputs");
  return c;
}

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
                           op.kind == ClientOpKind::Sub || op.kind == ClientOpKind::Mul
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
  for (size_t i = 0; i < a.program.size(); ++i) {
    const Instruction &in = a.program[i];
    const char *op = opcodeName(in.op);
    if (!op)
      fail(name, ": instruction ", i, " has unknown opcode ", unsigned(in.op));
    auto use = [&](uint32_t reg) {
      if (reg >= a.numRegisters || !defined[reg])
        fail(name, ": instruction ", i, " (", op, ") reads register ", reg,
             " before it is defined");
    };
    use(in.a);
    if (in.op == Opcode::Add || in.op == Opcode::Sub || in.op == Opcode::Mul)
      use(in.b);
    if ((in.op == Opcode::AddPlain || in.op == Opcode::SubPlain ||
         in.op == Opcode::MulPlain) &&
        (in.imm < 0 || uint64_t(in.imm) >= a.constants.size()))
      fail(name, ": instruction ", i, " (", op, ") uses constant ", in.imm,
           " of ", a.constants.size());
    if (in.region > a.regions.size())
      fail(name, ": instruction ", i, " (", op, ") names region ", in.region,
           " of ", a.regions.size());
    if (in.op == Opcode::Bootstrap && (in.imm < 0 || in.imm > 30))
      fail(name, ": instruction ", i, " (bootstrap) has headroom 2^", in.imm);
    if (in.op == Opcode::LevelDown && (in.imm < 0 || in.imm > int64_t(maxLevel)))
      fail(name, ": instruction ", i, " (level_down) targets level ", in.imm);
    if (in.op == Opcode::MulConst && !(in.scale >= 0 && in.scale <= 120))
      fail(name, ": instruction ", i, " (mul_const) has scale 2^", in.scale);
    if (in.op == Opcode::MulPlain && !(in.value > 0 && in.value <= 120))
      fail(name, ": instruction ", i, " (mul_plain) has scale 2^", in.value);
    if (!std::isfinite(in.value) || !std::isfinite(in.scale))
      fail(name, ": instruction ", i, " (", op, ") has a non-finite constant");
    if (in.result >= a.numRegisters)
      fail(name, ": instruction ", i, " (", op, ") writes register ",
           in.result, " of ", a.numRegisters);
    defined[in.result] = true;
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
  for (const Instruction &in : a.program)
    if (in.op == Opcode::Rotate && !seen.count(in.imm))
      fail(name, ": the program rotates by ", in.imm,
           " but the artifact lists no key for it");
  validateClientProgram(a, name);
}

std::vector<uint8_t> serializeArtifact(const Artifact &a) {
  validateArtifact(a, "artifact");
  Writer w;
  w.bytes.insert(w.bytes.end(), kMagic, kMagic + 8);
  w.pod(kArtifactFormatVersion);
  w.str(a.compilerVersion);
  w.str(a.compilerCommit);
  w.pod<uint32_t>((a.params.insecure ? 1 : 0) |
                  (a.params.nominalLogScale ? 2 : 0) |
                  (a.params.bootstrapLevel ? 4 : 0));
  if (a.params.nominalLogScale)
    w.pod(a.params.nominalLogScale);
  if (a.params.bootstrapLevel)
    w.pod(a.params.bootstrapLevel);
  w.pod(a.params.logN);
  w.vec(a.params.chainBits);
  w.vec(a.params.specialBits);
  w.pod(a.params.dnum);
  w.vec(a.rotations);
  w.pod<uint8_t>(a.conjugation ? 1 : 0);
  w.pod<uint64_t>(a.inputs.size());
  for (const TensorSlot &t : a.inputs)
    writeTensor(w, t);
  w.pod<uint64_t>(a.outputs.size());
  for (const TensorSlot &t : a.outputs)
    writeTensor(w, t);
  w.pod<uint64_t>(a.constants.size());
  for (const ArtifactConstant &c : a.constants) {
    w.pod(c.slots);
    w.vec(c.values);
  }
  w.pod(a.numRegisters);
  w.pod<uint64_t>(a.program.size());
  for (const Instruction &in : a.program) {
    w.pod(uint8_t(in.op));
    w.pod(in.result);
    w.pod(in.a);
    w.pod(in.b);
    w.pod(in.imm);
    w.pod(in.value);
    w.pod(in.scale);
    w.pod(in.region);
  }
  w.pod<uint64_t>(a.regions.size());
  for (const std::string &r : a.regions)
    w.str(r);
  writeClientProgram(w, a.client);
  w.pod(crc32c(w.bytes.data(), w.bytes.size()));
  return w.bytes;
}

Artifact parseArtifact(const std::vector<uint8_t> &bytes,
                       const std::string &name) {
  if (bytes.size() < 16 || std::memcmp(bytes.data(), kMagic, 8) != 0)
    fail(name, ": not an aegis artifact (bad magic; expected \"AEGISART\")");
  uint32_t stored;
  std::memcpy(&stored, bytes.data() + bytes.size() - 4, 4);
  uint32_t version;
  std::memcpy(&version, bytes.data() + 8, 4);
  if (version != kArtifactFormatVersion)
    fail(name, ": artifact format version ", version,
         " is not supported by this aegis-run (version ",
         kArtifactFormatVersion, "); recompile it with this aegis");
  if (crc32c(bytes.data(), bytes.size() - 4) != stored)
    fail(name, ": corrupt artifact: checksum mismatch (truncated or modified)");
  Reader r(bytes.data(), bytes.size() - 4, name);
  r.pos = 12;
  Artifact a;
  a.compilerVersion = r.str("compiler version");
  a.compilerCommit = r.str("compiler commit");
  uint32_t flags = r.pod<uint32_t>("flags");
  if (flags > 7)
    fail(name, ": corrupt artifact: unknown flags ", flags);
  a.params.insecure = flags & 1;
  if (flags & 2) {
    a.params.nominalLogScale = r.pod<uint32_t>("nominal scale");
    if (a.params.nominalLogScale == 0 || a.params.nominalLogScale > 60)
      fail(name, ": corrupt artifact: nominal scale 2^",
           a.params.nominalLogScale);
  }
  if (flags & 4) {
    a.params.bootstrapLevel = r.pod<uint32_t>("bootstrap level");
    if (a.params.bootstrapLevel == 0)
      fail(name, ": corrupt artifact: bootstrap level 0");
  }
  a.params.logN = r.pod<uint32_t>("ring degree");
  a.params.chainBits = r.vec<uint32_t>("chain primes");
  a.params.specialBits = r.vec<uint32_t>("special primes");
  a.params.dnum = r.pod<uint32_t>("dnum");
  a.rotations = r.vec<int64_t>("rotations");
  a.conjugation = r.pod<uint8_t>("conjugation flag") != 0;
  uint64_t n = r.count("inputs");
  for (uint64_t i = 0; i < n; ++i)
    a.inputs.push_back(readTensor(r));
  n = r.count("outputs");
  for (uint64_t i = 0; i < n; ++i)
    a.outputs.push_back(readTensor(r));
  n = r.count("constants");
  for (uint64_t i = 0; i < n; ++i) {
    ArtifactConstant c;
    c.slots = r.pod<uint32_t>("constant slots");
    c.values = r.vec<double>("constant values");
    a.constants.push_back(std::move(c));
  }
  a.numRegisters = r.pod<uint32_t>("register count");
  n = r.count("instructions");
  if ((r.size - r.pos) / 41 < n)
    fail(name, ": truncated artifact while reading instructions");
  a.program.resize(n);
  for (Instruction &in : a.program) {
    in.op = Opcode(r.pod<uint8_t>("opcode"));
    in.result = r.pod<uint32_t>("result register");
    in.a = r.pod<uint32_t>("operand register");
    in.b = r.pod<uint32_t>("operand register");
    in.imm = r.pod<int64_t>("immediate");
    in.value = r.pod<double>("constant");
    in.scale = r.pod<double>("constant scale");
    in.region = r.pod<uint32_t>("instruction region");
  }
  n = r.count("regions");
  for (uint64_t i = 0; i < n; ++i)
    a.regions.push_back(r.str("region name"));
  a.client = readClientProgram(r);
  if (r.pos != r.size)
    fail(name, ": corrupt artifact: ", r.size - r.pos,
         " unexpected bytes after the client program");
  validateArtifact(a, name);
  return a;
}

void writeArtifact(const std::string &path, const Artifact &artifact) {
  std::vector<uint8_t> bytes = serializeArtifact(artifact);
  std::ofstream out(path, std::ios::binary);
  if (!out)
    fail(path, ": cannot open for writing");
  out.write(reinterpret_cast<const char *>(bytes.data()), bytes.size());
  if (!out)
    fail(path, ": write failed");
}

Artifact readArtifact(const std::string &path) {
  std::vector<uint8_t> bytes;
  std::string error;
  if (!readFileBytes(path, bytes, error, "artifact"))
    fail(error);
  return parseArtifact(bytes, path);
}

} // namespace aegis
