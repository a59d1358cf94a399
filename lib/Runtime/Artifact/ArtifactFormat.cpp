//===- ArtifactFormat.cpp - The artifact file (format 7) ------------------===//
//
// header (64 bytes) | metadata (FlatBuffers, Schema/Artifact.fbs) | padding |
// weights (64-byte-aligned runs of little-endian doubles)
//
//   offset size field
//        0    8 magic "AEGISART"
//        8    4 format version (7)
//       12    4 CRC-32C of the header with this field zero
//       16    8 metadata offset (64)
//       24    8 metadata size
//       32    8 weights offset (a multiple of 64, after the metadata)
//       40    8 weights size (the file ends there)
//       48    4 CRC-32C of the metadata
//       52    4 reserved, zero
//       56    8 content fingerprint (artifactContentFingerprint)
//
// Every run of weights carries its own CRC-32C in the metadata, so that a
// mapped artifact checks a run when it is first read instead of reading the
// whole file at open.
//
//===----------------------------------------------------------------------===//

#include "aegis/Runtime/Artifact/Artifact.h"

#include "Schema/Artifact_generated.h"

#include "aegis/Runtime/Support/Crc32c.h"
#include "aegis/Runtime/Support/Error.h"
#include "aegis/Support/ReadFile.h"

#include <cmath>
#include <cstring>
#include <fstream>
#include <mutex>

namespace aegis {

namespace {

constexpr char kMagic[8] = {'A', 'E', 'G', 'I', 'S', 'A', 'R', 'T'};
constexpr size_t kHeaderBytes = 64;
constexpr size_t kAlign = 64;
/// FlatBuffers offsets are 32-bit: the metadata must stay below 2 GiB.
constexpr uint64_t kMaxMetadataBytes = (uint64_t(1) << 31) - 1;
/// Bounds that keep a corrupt file from asking for absurd allocations.
constexpr uint64_t kMaxCount = uint64_t(1) << 28;

bool littleEndian() {
  uint16_t one = 1;
  uint8_t first;
  std::memcpy(&first, &one, 1);
  return first == 1;
}

void requireLittleEndian() {
  require(littleEndian(), "artifacts store little-endian doubles; this "
                          "machine is big-endian");
}

template <typename T> void put(uint8_t *at, T v) { std::memcpy(at, &v, sizeof(T)); }
template <typename T> T get(const uint8_t *at) {
  T v;
  std::memcpy(&v, at, sizeof(T));
  return v;
}

uint64_t alignUp(uint64_t x) { return (x + kAlign - 1) / kAlign * kAlign; }

//===----------------------------------------------------------------------===//
// Writing
//===----------------------------------------------------------------------===//

/// The weights section as it is laid out: every run starts on a multiple of
/// 64 bytes.
struct WeightsLayout {
  struct Run {
    const ConstantValues *values;
    uint64_t offset;
  };
  std::vector<Run> runs;
  uint64_t size = 0;

  fb::WeightRef add(const ConstantValues &values) {
    uint64_t offset = alignUp(size);
    runs.push_back({&values, offset});
    size = offset + 8 * uint64_t(values.size());
    return fb::WeightRef(offset, values.size(), values.crc());
  }
};

template <typename T>
flatbuffers::Offset<flatbuffers::Vector<T>>
vec(flatbuffers::FlatBufferBuilder &b, const std::vector<T> &v) {
  return b.CreateVector(v);
}

flatbuffers::Offset<fb::TensorSlot> writeTensor(flatbuffers::FlatBufferBuilder &b,
                                                const TensorSlot &t) {
  return fb::CreateTensorSlot(b, b.CreateString(t.name), vec(b, t.shape),
                              vec(b, t.regs), t.slots, t.level, t.logScale,
                              vec(b, t.slotMap), t.hasRange, t.rangeLo,
                              t.rangeHi, vec(b, t.devices));
}

flatbuffers::Offset<fb::ClientTensor>
writeClientTensor(flatbuffers::FlatBufferBuilder &b, const ClientTensor &t,
                  WeightsLayout *weights) {
  fb::WeightRef ref(0, 0, 0);
  if (weights != nullptr) {
    ref = weights->add(t.values);
  }
  return fb::CreateClientTensor(b, b.CreateString(t.name), vec(b, t.shape),
                                uint8_t(t.type), weights ? &ref : nullptr);
}

/// The metadata table of `a`; `withVersion` false leaves the compiler's
/// version out (the fingerprint's input).
std::vector<uint8_t> buildMetadata(const Artifact &a, bool withVersion,
                                   WeightsLayout &weights) {
  flatbuffers::FlatBufferBuilder b(1 << 16);
  auto version = b.CreateString(withVersion ? a.compilerVersion : "");
  auto commit = b.CreateString(withVersion ? a.compilerCommit : "");
  auto params = fb::CreateParameters(
      b, a.params.logN, vec(b, a.params.chainBits), vec(b, a.params.specialBits),
      a.params.dnum, a.params.insecure, a.params.nominalLogScale,
      a.params.bootstrapLevel, a.params.bootstrapLogSlots,
      a.params.bootstrapTransformLevels);
  std::vector<flatbuffers::Offset<fb::TensorSlot>> inputs, outputs;
  for (const TensorSlot &t : a.inputs)
    inputs.push_back(writeTensor(b, t));
  for (const TensorSlot &t : a.outputs)
    outputs.push_back(writeTensor(b, t));
  std::vector<flatbuffers::Offset<fb::Constant>> constants;
  for (const ArtifactConstant &c : a.constants) {
    fb::WeightRef ref = weights.add(c.values);
    constants.push_back(fb::CreateConstant(b, c.slots, &ref));
  }
  auto writeProgram = [&](uint32_t device,
                          const std::vector<Instruction> &list) {
    std::vector<fb::Instruction> instructions;
    instructions.reserve(list.size());
    for (const Instruction &in : list)
      instructions.emplace_back(uint8_t(in.op), in.result, in.a, in.b, in.imm,
                                in.value, in.scale, in.region);
    return fb::CreateDeviceProgram(b, device,
                                   b.CreateVectorOfStructs(instructions));
  };
  auto program = writeProgram(0, a.program);
  std::vector<flatbuffers::Offset<fb::DeviceProgram>> devicePrograms;
  for (size_t d = 0; d < a.devicePrograms.size(); ++d)
    devicePrograms.push_back(writeProgram(uint32_t(d), a.devicePrograms[d]));
  std::vector<flatbuffers::Offset<flatbuffers::String>> regions;
  for (const std::string &r : a.regions)
    regions.push_back(b.CreateString(r));
  std::vector<flatbuffers::Offset<fb::ClientTensor>> clientInputs, clientConstants;
  for (const ClientTensor &t : a.client.inputs)
    clientInputs.push_back(writeClientTensor(b, t, nullptr));
  for (const ClientTensor &t : a.client.constants)
    clientConstants.push_back(writeClientTensor(b, t, &weights));
  std::vector<flatbuffers::Offset<fb::ClientOp>> clientOps;
  for (const ClientOp &op : a.client.ops)
    clientOps.push_back(fb::CreateClientOp(b, uint8_t(op.kind), vec(b, op.operands),
                                           vec(b, op.ints), vec(b, op.shape),
                                           uint8_t(op.type)));
  auto client = fb::CreateClientProgram(
      b, b.CreateVector(clientInputs), b.CreateVector(clientConstants),
      b.CreateVector(clientOps), vec(b, a.client.outputs));
  auto root = fb::CreateArtifact(
      b, version, commit, params, vec(b, a.rotations), a.conjugation,
      b.CreateVector(inputs), b.CreateVector(outputs), b.CreateVector(constants),
      a.numRegisters, b.CreateVector(std::vector<flatbuffers::Offset<fb::DeviceProgram>>{program}),
      b.CreateVector(regions), client, vec(b, a.rotationLevels), a.relinLevel,
      a.conjugationLevel,
      devicePrograms.empty() ? 0 : b.CreateVector(devicePrograms), a.devices,
      a.groupSize);
  fb::FinishArtifactBuffer(b, root);
  require(b.GetSize() <= kMaxMetadataBytes, "the artifact's metadata is ",
          b.GetSize(), " bytes, beyond FlatBuffers' 2 GiB");
  return std::vector<uint8_t>(b.GetBufferPointer(),
                              b.GetBufferPointer() + b.GetSize());
}

//===----------------------------------------------------------------------===//
// Reading
//===----------------------------------------------------------------------===//

/// Where the weights of a file being read live.
struct WeightsSource {
  const uint8_t *base = nullptr; // start of the weights section
  uint64_t size = 0;
  /// Mapped: views keep this alive and check lazily; null: copy and check.
  std::shared_ptr<const void> mapping;
  const std::string *name = nullptr;
};

class MetadataReader {
public:
  MetadataReader(const std::string &name, const WeightsSource &weights)
      : name_(name), weights_(weights) {}

  template <typename T>
  std::vector<T> vec(const flatbuffers::Vector<T> *v) const {
    if (v == nullptr)
      return {};
    if (v->size() > kMaxCount)
      fail(name_, ": corrupt artifact: a list of ", v->size(),
           " entries exceeds the limit ", kMaxCount);
    // Copied as bytes (the host is little-endian): FlatBuffers' verifier
    // checks only the alignment of a vector's length, so the elements of a
    // crafted file may be misaligned for T (ArtifactFuzzer, UBSan).
    std::vector<T> out(v->size());
    if (!out.empty())
      std::memcpy(out.data(), v->Data(), out.size() * sizeof(T));
    return out;
  }

  static std::string str(const flatbuffers::String *s) {
    return s == nullptr ? std::string() : s->str();
  }

  ConstantValues values(const fb::WeightRef *ref, const std::string &what) const {
    if (ref == nullptr)
      return {};
    uint64_t offset = ref->offset(), count = ref->count();
    if (offset % kAlign != 0 || offset > weights_.size ||
        count > (weights_.size - offset) / 8)
      fail(name_, ": corrupt artifact: ", what, " (", count,
           " values at byte ", offset, ") lies outside the weights section of ",
           weights_.size, " bytes");
    const uint8_t *at = weights_.base + offset;
    if (weights_.mapping)
      return ConstantValues::view(weights_.mapping,
                                  reinterpret_cast<const double *>(at),
                                  size_t(count), ref->crc(), name_ + ": " + what);
    if (crc32c(at, size_t(count) * 8) != ref->crc())
      fail(name_, ": corrupt artifact: ", what,
           " fails its checksum (truncated or modified)");
    std::vector<double> v(static_cast<size_t>(count));
    if (count != 0) // memcpy's pointers must not be null, even for 0 bytes
      std::memcpy(v.data(), at, size_t(count) * 8);
    return ConstantValues(std::move(v));
  }

  TensorSlot tensor(const fb::TensorSlot *t) const {
    TensorSlot out;
    if (t == nullptr)
      fail(name_, ": corrupt artifact: a tensor entry is missing");
    out.name = str(t->name());
    out.shape = vec(t->shape());
    out.regs = vec(t->regs());
    out.slots = t->slots();
    out.level = t->level();
    out.logScale = t->log_scale();
    out.slotMap = vec(t->slot_map());
    out.hasRange = t->has_range();
    out.rangeLo = t->range_lo();
    out.rangeHi = t->range_hi();
    out.devices = vec(t->devices());
    if (out.hasRange && !(std::isfinite(out.rangeLo) &&
                          std::isfinite(out.rangeHi) &&
                          out.rangeLo <= out.rangeHi))
      fail(name_, ": corrupt artifact: tensor '", out.name,
           "' has a bad calibrated range [", out.rangeLo, ", ", out.rangeHi,
           "]");
    return out;
  }

  ClientTensor clientTensor(const fb::ClientTensor *t, const std::string &what) const {
    if (t == nullptr)
      fail(name_, ": corrupt artifact: a client tensor entry is missing");
    ClientTensor out;
    out.name = str(t->name());
    out.shape = vec(t->shape());
    out.type = ClientType(t->type());
    out.values = values(t->weights(), what + " '" + out.name + "'");
    return out;
  }

  Artifact artifact(const fb::Artifact &m) const {
    Artifact a;
    a.compilerVersion = str(m.compiler_version());
    a.compilerCommit = str(m.compiler_commit());
    const fb::Parameters *p = m.params();
    if (p == nullptr)
      fail(name_, ": corrupt artifact: no CKKS parameters");
    a.params.logN = p->log_n();
    a.params.chainBits = vec(p->chain_bits());
    a.params.specialBits = vec(p->special_bits());
    a.params.dnum = p->dnum();
    a.params.insecure = p->insecure();
    a.params.nominalLogScale = p->nominal_log_scale();
    a.params.bootstrapLevel = p->bootstrap_level();
    a.params.bootstrapLogSlots = p->bootstrap_log_slots();
    a.params.bootstrapTransformLevels = p->bootstrap_transform_levels();
    if (a.params.nominalLogScale > 60)
      fail(name_, ": corrupt artifact: nominal scale 2^",
           a.params.nominalLogScale);
    a.rotations = vec(m.rotations());
    a.conjugation = m.conjugation();
    a.rotationLevels = vec(m.rotation_levels());
    a.relinLevel = m.relin_level();
    a.conjugationLevel = m.conjugation_level();
    if (m.inputs())
      for (const fb::TensorSlot *t : *m.inputs())
        a.inputs.push_back(tensor(t));
    if (m.outputs())
      for (const fb::TensorSlot *t : *m.outputs())
        a.outputs.push_back(tensor(t));
    if (m.constants()) {
      if (m.constants()->size() > kMaxCount)
        fail(name_, ": corrupt artifact: ", m.constants()->size(),
             " constants exceed the limit ", kMaxCount);
      a.constants.reserve(m.constants()->size());
      for (const fb::Constant *c : *m.constants()) {
        if (c == nullptr)
          fail(name_, ": corrupt artifact: a constant entry is missing");
        ArtifactConstant k;
        k.slots = c->slots();
        k.values = values(c->weights(),
                          "constant " + std::to_string(a.constants.size()));
        a.constants.push_back(std::move(k));
      }
    }
    a.numRegisters = m.num_registers();
    const auto *programs = m.programs();
    if (programs == nullptr || programs->size() != 1 ||
        programs->Get(0)->device() != 0)
      fail(name_, ": the artifact holds ", programs ? programs->size() : 0,
           " device programs; this aegis-run executes artifacts with exactly "
           "one (device 0): re-compile with this aegis-opt");
    auto readProgram = [&](const fb::DeviceProgram *p,
                           std::vector<Instruction> &into) {
      if (p == nullptr)
        fail(name_, ": corrupt artifact: a device program is missing");
      const auto *instructions = p->instructions();
      if (instructions == nullptr)
        return;
      if (instructions->size() > kMaxCount)
        fail(name_, ": corrupt artifact: ", instructions->size(),
             " instructions exceed the limit ", kMaxCount);
      into.reserve(instructions->size());
      const uint8_t *raw = instructions->Data();
      for (size_t i = 0; i < instructions->size(); ++i) {
        // An aligned copy: the structs of a crafted file may be misaligned.
        fb::Instruction in;
        std::memcpy(&in, raw + i * sizeof(fb::Instruction), sizeof(in));
        Instruction out;
        out.op = Opcode(in.op());
        out.result = in.result();
        out.a = in.a();
        out.b = in.b();
        out.imm = in.imm();
        out.value = in.value();
        out.scale = in.scale();
        out.region = in.region();
        into.push_back(out);
      }
    };
    readProgram(programs->Get(0), a.program);
    a.devices = m.devices();
    a.groupSize = m.group_size();
    if (const auto *placed = m.device_programs()) {
      if (placed->size() > 4096)
        fail(name_, ": corrupt artifact: ", placed->size(),
             " device programs");
      a.devicePrograms.resize(placed->size());
      for (size_t d = 0; d < placed->size(); ++d) {
        if (placed->Get(d) && placed->Get(d)->device() != d)
          fail(name_, ": corrupt artifact: device program ", d,
               " is labelled device ", placed->Get(d)->device());
        readProgram(placed->Get(d), a.devicePrograms[d]);
      }
    }
    if (m.regions())
      for (const flatbuffers::String *r : *m.regions())
        a.regions.push_back(str(r));
    if (const fb::ClientProgram *c = m.client()) {
      if (c->inputs())
        for (const fb::ClientTensor *t : *c->inputs())
          a.client.inputs.push_back(clientTensor(t, "client input"));
      if (c->constants())
        for (const fb::ClientTensor *t : *c->constants())
          a.client.constants.push_back(clientTensor(t, "client constant"));
      if (c->ops())
        for (const fb::ClientOp *op : *c->ops()) {
          if (op == nullptr)
            fail(name_, ": corrupt artifact: a client op entry is missing");
          ClientOp out;
          out.kind = ClientOpKind(op->kind());
          out.operands = vec(op->operands());
          out.ints = vec(op->ints());
          out.shape = vec(op->shape());
          out.type = ClientType(op->type());
          a.client.ops.push_back(std::move(out));
        }
      a.client.outputs = vec(c->outputs());
    }
    return a;
  }

private:
  const std::string &name_;
  const WeightsSource &weights_;
};

/// Checks the header and the metadata of a file of `size` bytes; returns
/// the metadata table and where the weights are.
const fb::Artifact &checkFile(const uint8_t *data, size_t size,
                              const std::string &name, WeightsSource &weights) {
  requireLittleEndian();
  if (size < 12 || std::memcmp(data, kMagic, 8) != 0)
    fail(name, ": not an aegis artifact (bad magic; expected \"AEGISART\")");
  uint32_t version = get<uint32_t>(data + 8);
  if (version < kArtifactFormatVersion)
    fail(name, ": artifact format ", version,
         " was written by an older aegis; this aegis-run reads format ",
         kArtifactFormatVersion, ": re-compile the model with this aegis-opt");
  if (version > kArtifactFormatVersion)
    fail(name, ": artifact format ", version,
         " was written by a newer aegis; this aegis-run reads format ",
         kArtifactFormatVersion, ": use the aegis that compiled it");
  if (size < kHeaderBytes)
    fail(name, ": truncated artifact: ", size, " bytes, less than the ",
         kHeaderBytes, "-byte header");
  uint8_t header[kHeaderBytes];
  std::memcpy(header, data, kHeaderBytes);
  uint32_t headerCrc = get<uint32_t>(header + 12);
  put<uint32_t>(header + 12, 0);
  if (crc32c(header, kHeaderBytes) != headerCrc)
    fail(name, ": corrupt artifact: header checksum mismatch (modified)");
  uint64_t metaOffset = get<uint64_t>(data + 16), metaSize = get<uint64_t>(data + 24);
  uint64_t weightsOffset = get<uint64_t>(data + 32), weightsSize = get<uint64_t>(data + 40);
  if (metaOffset != kHeaderBytes || metaSize > kMaxMetadataBytes ||
      weightsOffset % kAlign != 0 || weightsOffset < metaOffset + metaSize ||
      weightsSize > UINT64_MAX - weightsOffset)
    fail(name, ": corrupt artifact: the header's sections (metadata ",
         metaSize, " bytes at ", metaOffset, ", weights ", weightsSize,
         " bytes at ", weightsOffset, ") are inconsistent");
  if (weightsOffset + weightsSize != size)
    fail(name, ": truncated or extended artifact: the file has ", size,
         " bytes, its header describes ", weightsOffset + weightsSize);
  const uint8_t *meta = data + metaOffset;
  if (crc32c(meta, size_t(metaSize)) != get<uint32_t>(data + 48))
    fail(name, ": corrupt artifact: metadata checksum mismatch (modified)");
  if (!fb::ArtifactBufferHasIdentifier(meta))
    fail(name, ": corrupt artifact: the metadata is not an aegis artifact "
               "table (file identifier \"",
         fb::ArtifactIdentifier(), "\" missing)");
  flatbuffers::Verifier verifier(meta, size_t(metaSize), /*max_depth=*/16,
                                 /*max_tables=*/size_t(kMaxCount));
  if (!fb::VerifyArtifactBuffer(verifier))
    fail(name, ": corrupt artifact: the metadata table is malformed");
  weights.base = data + weightsOffset;
  weights.size = weightsSize;
  return *fb::GetArtifact(meta);
}

} // namespace

//===----------------------------------------------------------------------===//
// ConstantValues
//===----------------------------------------------------------------------===//

struct ConstantValues::Check {
  std::once_flag once;
  bool ok = false;
  std::string what;
};

ConstantValues ConstantValues::view(std::shared_ptr<const void> keepAlive,
                                    const double *data, size_t count,
                                    uint32_t crc, std::string what) {
  ConstantValues v;
  v.keepAlive_ = std::move(keepAlive);
  v.view_ = data;
  v.viewSize_ = count;
  v.crc_ = crc;
  v.check_ = std::make_shared<Check>();
  v.check_->what = std::move(what);
  return v;
}

const double *ConstantValues::data() const {
  if (view_ == nullptr)
    return owned_.data();
  std::call_once(check_->once, [&] {
    check_->ok = crc32c(reinterpret_cast<const uint8_t *>(view_),
                        viewSize_ * 8) == crc_;
  });
  if (!check_->ok)
    fail(check_->what, " fails its checksum: the artifact is corrupt "
                       "(truncated or modified)");
  return view_;
}

uint32_t ConstantValues::crc() const {
  if (view_ != nullptr)
    return crc_;
  return crc32c(reinterpret_cast<const uint8_t *>(owned_.data()),
                owned_.size() * 8);
}

std::vector<double> &ConstantValues::mutableValues() {
  if (view_ != nullptr) {
    owned_ = toVector();
    view_ = nullptr;
    viewSize_ = 0;
    keepAlive_.reset();
    check_.reset();
  }
  return owned_;
}

bool ConstantValues::operator==(const ConstantValues &other) const {
  return size() == other.size() &&
         (empty() || std::memcmp(data(), other.data(), size() * 8) == 0);
}

//===----------------------------------------------------------------------===//
// Files
//===----------------------------------------------------------------------===//

uint64_t artifactContentFingerprint(const Artifact &artifact) {
  WeightsLayout weights;
  std::vector<uint8_t> meta = buildMetadata(artifact, false, weights);
  return fnv1a64(meta.data(), meta.size());
}

std::vector<uint8_t> serializeArtifact(const Artifact &a) {
  validateArtifact(a, "artifact");
  return serializeArtifactUnvalidated(a);
}

std::vector<uint8_t> serializeArtifactUnvalidated(const Artifact &a) {
  requireLittleEndian();
  WeightsLayout weights;
  std::vector<uint8_t> meta = buildMetadata(a, true, weights);
  uint64_t weightsOffset = alignUp(kHeaderBytes + meta.size());
  std::vector<uint8_t> out(size_t(weightsOffset + weights.size), 0);
  std::memcpy(out.data(), kMagic, 8);
  put<uint32_t>(out.data() + 8, kArtifactFormatVersion);
  put<uint64_t>(out.data() + 16, kHeaderBytes);
  put<uint64_t>(out.data() + 24, meta.size());
  put<uint64_t>(out.data() + 32, weightsOffset);
  put<uint64_t>(out.data() + 40, weights.size);
  put<uint32_t>(out.data() + 48, crc32c(meta.data(), meta.size()));
  put<uint64_t>(out.data() + 56, artifactContentFingerprint(a));
  put<uint32_t>(out.data() + 12, crc32c(out.data(), kHeaderBytes));
  std::memcpy(out.data() + kHeaderBytes, meta.data(), meta.size());
  for (const WeightsLayout::Run &run : weights.runs)
    if (!run.values->empty())
      std::memcpy(out.data() + weightsOffset + run.offset, run.values->data(),
                  run.values->size() * 8);
  return out;
}

Artifact parseArtifact(const std::vector<uint8_t> &bytes,
                       const std::string &name) {
  WeightsSource weights;
  const fb::Artifact &meta = checkFile(bytes.data(), bytes.size(), name, weights);
  Artifact a = MetadataReader(name, weights).artifact(meta);
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
  std::string error;
  std::shared_ptr<const MappedFile> file = MappedFile::open(path, error, "artifact");
  if (!file)
    fail(error);
  WeightsSource weights;
  const fb::Artifact &meta = checkFile(file->data(), file->size(), path, weights);
  weights.mapping = file;
  Artifact a = MetadataReader(path, weights).artifact(meta);
  validateArtifact(a, path);
  return a;
}

} // namespace aegis
