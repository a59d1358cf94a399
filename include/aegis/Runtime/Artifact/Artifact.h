//===- Artifact.h - compiled aegis programs ---------------------*- C++ -*-===//
//
// Part of the runtime: no MLIR or LLVM. An artifact is what aegis-opt emits
// and aegis-run executes. Format 7 (docs/Artifacts.md):
//
//   header   64 bytes: magic "AEGISART", format version, the sizes and
//            offsets of the two sections below, the metadata's CRC-32C, the
//            artifact's fingerprint, and the header's own CRC-32C
//   metadata a FlatBuffers table (lib/Runtime/Artifact/Schema/Artifact.fbs,
//            file identifier "AEGA"): compiler version and commit, the CKKS
//            parameters, the rotation keys the program needs, its inputs and
//            outputs (names, tensor shapes, slots, level, log2 scale,
//            calibrated ranges), its constants (slot counts and where their
//            values are), one program per device (instructions over
//            numbered ciphertext registers), layer names, and the client
//            program (plaintext embedding lookups run before encryption)
//   weights  64-byte-aligned runs of little-endian doubles: the constants'
//            and the client program's values, each with its own CRC-32C
//
// readArtifact maps the file and copies only the metadata: the weights stay
// in the page cache until used, and each run is checked against its CRC the
// first time it is read. parseArtifact (bytes in memory) checks everything
// at once. Every field is validated (header, checksums, the table's
// structure, counts, register numbers, opcodes, levels against the
// parameters, rotation offsets, constant sizes); failures throw aegis::Error
// with one line naming what mismatched.
//
//===----------------------------------------------------------------------===//

#ifndef AEGIS_RUNTIME_ARTIFACT_ARTIFACT_H
#define AEGIS_RUNTIME_ARTIFACT_ARTIFACT_H

#include <cstdint>
#include <initializer_list>
#include <memory>
#include <string>
#include <vector>

namespace aegis {

constexpr uint32_t kArtifactFormatVersion = 7;

/// The real values of a constant: owned (built by the compiler, parsed from
/// bytes) or a view of a mapped artifact's weights section, which the view
/// keeps mapped. A view is checked against its CRC-32C on first access
/// (data(), begin(), operator[]); a mismatch throws aegis::Error naming the
/// file and the constant. Copies share the view and its check.
class ConstantValues {
public:
  ConstantValues() = default;
  ConstantValues(std::vector<double> values) : owned_(std::move(values)) {}
  ConstantValues(std::initializer_list<double> values) : owned_(values) {}
  ConstantValues &operator=(std::vector<double> values) {
    *this = ConstantValues(std::move(values));
    return *this;
  }

  /// A view of `count` doubles at `data` inside a mapping that `keepAlive`
  /// owns; `what` names it in errors ("model.aegis: constant 3").
  static ConstantValues view(std::shared_ptr<const void> keepAlive,
                             const double *data, size_t count, uint32_t crc,
                             std::string what);

  size_t size() const { return view_ ? viewSize_ : owned_.size(); }
  bool empty() const { return size() == 0; }
  bool isView() const { return view_ != nullptr; }
  const double *data() const;
  const double *begin() const { return data(); }
  const double *end() const { return data() + size(); }
  double operator[](size_t i) const { return data()[i]; }
  std::vector<double> toVector() const { return {begin(), end()}; }
  /// CRC-32C of the values' bytes (a view's stored one, unchecked).
  uint32_t crc() const;
  /// The values as an owned vector to edit (copies a view first).
  std::vector<double> &mutableValues();

  bool operator==(const ConstantValues &other) const;
  bool operator!=(const ConstantValues &other) const {
    return !(*this == other);
  }

private:
  struct Check;
  std::vector<double> owned_;
  std::shared_ptr<const void> keepAlive_;
  std::shared_ptr<Check> check_;
  const double *view_ = nullptr;
  size_t viewSize_ = 0;
  uint32_t crc_ = 0;
};

enum class Opcode : uint8_t {
  Add = 1,        // r = a + b
  Sub = 2,        // r = a - b
  Negate = 3,     // r = -a
  AddPlain = 4,   // r = a + constant[imm] (encoded at a's level and scale)
  SubPlain = 5,   // r = a - constant[imm]
  MulPlain = 6,   // r = a * constant[imm] (encoded at 2^value)
  AddConst = 7,   // r = a + value
  MulConst = 8,   // r = a * value (encoded at 2^scale; scale = 0: integer)
  Mul = 9,        // r = a * b (size 3)
  Relinearize = 10,
  Rescale = 11,
  LevelDown = 12, // r = a at level imm
  Rotate = 13,    // r = a rotated left by imm slots
  Conjugate = 14,
  Bootstrap = 15,  // r = a refreshed to level params.bootstrapLevel (nominal
                   // scale); the message is divided by 2^imm around it;
                   // b = 1: complex (r holds half of a's complex message,
                   // see bootstrapWithHeadroom), b = 0: its real part
  // Device programs only (Artifact::devicePrograms): moving a register
  // between devices.
  Send = 16, // register a goes to device imm (the register stays)
  Recv = 17, // r = the register device imm sends (the same number there)
  MulI = 18, // r = i a (imm = 1: -i a), the monomial X^(N/2): no level, no
             // scale change
  // r = sum_j rotate(a_j, imm_j) with one ModDown (ckks.rotate_sum): a run
  // of n consecutive rotate_sum instructions, one per term (a_j, imm_j; an
  // imm of 0 adds a_j as is), all writing the same r; the first carries n
  // in b (the others 0) and in `value` how limb-split devices key-switch
  // the run: 0 as the run's plan (input broadcast: one all-gather per
  // rotated term), 1 output aggregation, the compiler's choice (the terms
  // move to whole-digit limb ranges, one reduce-scatter and one all-reduce
  // for all of them, the result moves back).
  RotateSum = 19,
};

const char *opcodeName(Opcode op);

struct Instruction {
  Opcode op = Opcode::Add;
  uint32_t result = 0;
  uint32_t a = 0;
  uint32_t b = 0;
  int64_t imm = 0;
  double value = 0;
  /// log2 of the scale a MulConst encodes its constant at (0: integer).
  double scale = 0;
  /// Index into Artifact::regions + 1 (0: none): the model op (layer) the
  /// instruction implements, for time per layer.
  uint32_t region = 0;
};

/// A program input or output: a tensor held in one or more ciphertexts
/// (registers `regs`, all at the same level and scale). Element i (row-major)
/// sits in slot `slotMap[i] % slots` of ciphertext `slotMap[i] / slots`;
/// an empty map means element i is at global slot i. Slots no element maps
/// to hold zeros on input and are ignored on output.
struct TensorSlot {
  std::string name;
  std::vector<int64_t> shape;
  std::vector<uint32_t> regs;
  uint32_t slots = 0;
  uint32_t level = 0;
  double logScale = 0;
  std::vector<uint32_t> slotMap;
  /// Inputs (format 6): the range calibration saw, [rangeLo, rangeHi]; the
  /// client refuses values far outside it (checkInputRanges). Absent when
  /// the compiler had no calibration (hand-written ckks programs).
  bool hasRange = false;
  double rangeLo = 0, rangeHi = 0;
  /// With device programs: the device each register is delivered to (an
  /// input) or held by (an output), parallel to `regs`; empty otherwise.
  std::vector<uint32_t> devices;

  int64_t numElements() const;
  uint32_t deviceOf(size_t i) const {
    return devices.empty() ? 0 : devices[i];
  }
  /// Global slot index (ciphertext * slots + slot) of element i.
  uint64_t globalSlot(int64_t i) const {
    return slotMap.empty() ? uint64_t(i) : slotMap[i];
  }
};

/// The slot vectors (one per register of `t`) holding `values`.
std::vector<std::vector<double>> packTensor(const TensorSlot &t,
                                            const std::vector<double> &values);
/// The tensor's elements read from its ciphertexts' decoded slot vectors.
std::vector<double>
unpackTensor(const TensorSlot &t,
             const std::vector<std::vector<double>> &slotVectors);

struct ArtifactConstant {
  uint32_t slots = 0;
  ConstantValues values; // at most `slots`, zero-padded when encoded
};

/// The CKKS parameters as the compiler chose them (the runtime generates the
/// primes deterministically from the bit sizes).
struct ArtifactParameters {
  uint32_t logN = 0;
  std::vector<uint32_t> chainBits;
  std::vector<uint32_t> specialBits;
  uint32_t dnum = 1;
  bool insecure = false;
  /// Nominal scale (flags bit 1, log2 in `nominalLogScale`): how the
  /// nn -> ckks lowering manages scales. Every ciphertext carries the
  /// nominal scale D at every level; mul_plain and mul_const encode their
  /// constant at q_l (the prime the following rescale divides by), so their
  /// rescale returns exactly to D; after the rescale of a ciphertext product
  /// (scale D^2 / q_l) the tracked scale is snapped to D, which scales the
  /// message by q_l / D (within 1e-3; the compiler reports the bound).
  /// Without it, scales are the explicit ones of the instructions.
  uint32_t nominalLogScale = 0;
  /// Bootstrapping (flags bit 2, needs a nominal scale): bootstrap
  /// instructions refresh a ciphertext of level >= 1 to this level with
  /// programBootstrapConfig(logN, nominalLogScale) (BootstrapConfig.h); the
  /// chain must be bootstrapChainSpec's. 0: the program never bootstraps.
  uint32_t bootstrapLevel = 0;
  /// log2 of the slots a bootstrap serves (programBootstrapConfig's
  /// logSlots): below logN - 1 the program packs n-periodic ciphertexts and
  /// every bootstrap is a sparse one. 0: N/2 (full packing).
  uint32_t bootstrapLogSlots = 0;
  /// Levels CoeffToSlot and SlotToCoeff each spend in those bootstraps
  /// (programBootstrapConfig's transformLevels; 1..4).
  uint32_t bootstrapTransformLevels = 3;
};


/// Plaintext operations a client program may hold (the cheap ops that
/// combine embedding lookups: docs/Artifacts.md).
enum class ClientOpKind : uint8_t {
  Gather = 1,    // operands (table, indices), ints {axis}
  Add = 2,       // numpy broadcasting
  Sub = 3,
  Mul = 4,
  Cast = 5,      // to `type` (integer types truncate toward zero)
  Reshape = 6,
  Expand = 7,    // broadcast to the result shape
  Transpose = 8, // ints: the permutation
  Concat = 9,    // ints {axis}; any number of operands
  Compare = 10,  // ints {predicate: 0 eq, 1 lt, 2 gt, 3 and, 4 or}; bool
  Not = 11,      // bool
  CumSum = 12,   // ints {axis, exclusive, reverse}
};

const char *clientOpKindName(ClientOpKind kind);

/// Element types of client program values (as in .npy files).
enum class ClientType : uint8_t { Float32 = 0, Float64 = 1, Int64 = 2, Int32 = 3, Bool = 4 };

const char *clientTypeName(ClientType type);

/// A value of a client program: an original model input or a constant.
struct ClientTensor {
  std::string name;
  std::vector<int64_t> shape;
  ClientType type = ClientType::Float32;
  ConstantValues values; // constants only

  int64_t numElements() const;
};

struct ClientOp {
  ClientOpKind kind = ClientOpKind::Add;
  std::vector<uint32_t> operands; // value numbers (see ClientProgram)
  std::vector<int64_t> ints;      // attributes (axis, permutation)
  std::vector<int64_t> shape;     // result shape
  ClientType type = ClientType::Float32;
};

/// The plaintext prefix of a model that starts from integer inputs (token
/// ids): it runs on the client before encryption. Values are numbered
/// inputs first, then constants, then op results in order; `outputs` (one
/// per artifact input, in order) name the values that are encrypted.
struct ClientProgram {
  std::vector<ClientTensor> inputs;
  std::vector<ClientTensor> constants;
  std::vector<ClientOp> ops;
  std::vector<uint32_t> outputs;

  bool empty() const { return inputs.empty() && ops.empty(); }
};

struct Artifact {
  std::string compilerVersion;
  std::string compilerCommit;
  ArtifactParameters params;
  std::vector<int64_t> rotations;
  bool conjugation = false;
  /// The highest level each key switch of the program runs at; key
  /// generation limits every key to it (a key used at level 9 of 24 holds
  /// well under half the limbs of a full one). rotationLevels is parallel to
  /// `rotations`; empty, or -1 for relinLevel / conjugationLevel, means the
  /// top level (hand-written programs). Read them through keyLevel*().
  std::vector<uint32_t> rotationLevels;
  int32_t relinLevel = -1;
  int32_t conjugationLevel = -1;
  std::vector<TensorSlot> inputs;
  std::vector<TensorSlot> outputs;
  std::vector<ArtifactConstant> constants;
  uint32_t numRegisters = 0;
  std::vector<Instruction> program;
  /// A placed program (aegis-dist-place with a token or head placement):
  /// one instruction stream per device, each the instructions of `program`
  /// its device owns plus Send / Recv where a ciphertext moves between
  /// devices, in `program`'s order (so every Recv's Send comes first on
  /// its device and no device waits in a cycle). Registers keep their
  /// numbers on every device. Empty: `program` runs on one device, or limb-
  /// split on several. `program` stays the whole computation either way.
  std::vector<std::vector<Instruction>> devicePrograms;
  /// The device count aegis-dist-place placed the program for (0: not
  /// placed, any count runs it limb-split). aegis-run runs a placed
  /// artifact on this many devices (or on one: the whole program) and
  /// refuses any other count.
  uint32_t devices = 0;
  /// Devices per device program: 0 or 1, each program is one device's
  /// (token, head placements); B > 1, a joint placement: program g runs on
  /// devices g B .. g B + B - 1, which split every ciphertext by limbs
  /// (devices = programs x B). Inputs and outputs then name programs.
  uint32_t groupSize = 0;
  /// Names of the model ops the program implements ("attention#1", ...).
  std::vector<std::string> regions;
  /// Empty unless the model starts from integer inputs: then the model's
  /// own inputs are the client program's, and `inputs` are its outputs.
  ClientProgram client;
};

/// The level the key for rotation `rotations[i]`, the relinearization key
/// and the conjugation key are generated at.
unsigned rotationKeyLevel(const Artifact &artifact, size_t i);
unsigned relinKeyLevel(const Artifact &artifact);
unsigned conjugationKeyLevel(const Artifact &artifact);

/// A digest of everything the artifact computes (parameters, program,
/// constants through their CRCs; not the compiler's version): session files
/// record it so that keys and ciphertexts are used with the artifact they
/// were made for.
uint64_t artifactContentFingerprint(const Artifact &artifact);

/// Serializes (format 7; header, metadata and weights with their checksums).
std::vector<uint8_t> serializeArtifact(const Artifact &artifact);
/// serializeArtifact without validateArtifact, for tests that need files
/// only the loader's own checks can catch; never for real artifacts.
std::vector<uint8_t> serializeArtifactUnvalidated(const Artifact &artifact);
/// Parses and validates bytes in memory, every weight checked and copied;
/// `name` labels error messages (e.g. the path).
Artifact parseArtifact(const std::vector<uint8_t> &bytes,
                       const std::string &name);
void writeArtifact(const std::string &path, const Artifact &artifact);
/// Maps `path`: the header and metadata are checked and copied at once, the
/// weights are views of the mapping, checked when first used.
Artifact readArtifact(const std::string &path);

/// Structural checks shared by the writer and the loader (register use
/// before definition, opcode operands, levels within the chain, the client
/// program's op kinds, operands and shapes).
void validateArtifact(const Artifact &artifact, const std::string &name);

} // namespace aegis

#endif // AEGIS_RUNTIME_ARTIFACT_ARTIFACT_H
