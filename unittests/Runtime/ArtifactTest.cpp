//===- ArtifactTest.cpp - artifact format: round trip and rejection -------===//
//
// The loader (parseArtifact, readArtifact) must round-trip every field of an
// artifact built in C++ and reject every malformed file with one clear line
// naming the file: bad magic, old and new format versions, header, metadata
// and weight checksum mismatches, truncation, sections out of bounds, a
// malformed or foreign FlatBuffers table, and (in files written without
// validation, so that only the loader's checks can catch them) bad slot
// maps, registers read before definition, unknown opcodes and rotations
// without a listed key; the client program (token-id models) round-trips, is
// validated and runs with the nn kernels; mapped artifacts check their
// weights when first used.
//
//===----------------------------------------------------------------------===//

#include "ArtifactTestUtil.h"

#include "aegis/Runtime/Artifact/ClientProgram.h"
#include "aegis/Runtime/Support/Crc32c.h"
#include "aegis/Runtime/Support/Error.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <fstream>
#include <functional>
#include <iterator>

using namespace aegis;
using aegis::test::makeTestArtifact;

namespace {

std::string errorOf(const std::function<void()> &fn) {
  try {
    fn();
  } catch (const Error &e) {
    return e.what();
  }
  return "no error";
}

#define EXPECT_ERROR(statement, fragment)                                      \
  do {                                                                         \
    std::string m_ = errorOf([&] { statement; });                              \
    EXPECT_NE(m_.find(fragment), std::string::npos)                            \
        << "message: " << m_ << "\nexpected to contain: " << fragment;        \
  } while (0)

using Bytes = std::vector<uint8_t>;

/// Recomputes the header's and the metadata's CRC-32C (format 7 header:
/// ArtifactFormat.cpp) so that only the later checks see a change.
void reseal(Bytes &b) {
  uint64_t metaSize;
  std::memcpy(&metaSize, b.data() + 24, 8);
  if (64 + metaSize <= b.size()) {
    uint32_t crc = crc32c(b.data() + 64, size_t(metaSize));
    std::memcpy(b.data() + 48, &crc, 4);
  }
  std::memset(b.data() + 12, 0, 4);
  uint32_t crc = crc32c(b.data(), 64);
  std::memcpy(b.data() + 12, &crc, 4);
}

template <typename T> void poke(Bytes &b, size_t offset, T value) {
  ASSERT_LE(offset + sizeof(T), b.size());
  std::memcpy(b.data() + offset, &value, sizeof(T));
}

template <typename T> T peek(const Bytes &b, size_t offset) {
  T value;
  std::memcpy(&value, b.data() + offset, sizeof(T));
  return value;
}

const char *kName = "art.aegis";

Bytes readBytes(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  return Bytes(std::istreambuf_iterator<char>(in), {});
}

} // namespace

TEST(Artifact, RoundTripOfEveryField) {
  Artifact a = makeTestArtifact();
  a.compilerVersion = "1.2.3";
  a.compilerCommit = "abcdef";
  a.conjugation = true;
  a.program.push_back({Opcode::Conjugate, 7, 6, 0, 0, 0, 0});
  a.program.push_back({Opcode::MulConst, 8, 7, 0, 0, 0.25, 30.5});
  a.program.push_back({Opcode::AddPlain, 9, 8, 0, 0, 0, 0});
  a.numRegisters = 10;
  a.outputs[0].regs = {9};
  a.outputs[0].level = 1;
  a.inputs[0].hasRange = true;
  a.inputs[0].rangeLo = -3.5;
  a.inputs[0].rangeHi = 2.25;
  Bytes bytes = serializeArtifact(a);
  Artifact b = parseArtifact(bytes, kName);
  EXPECT_TRUE(b.inputs[0].hasRange);
  EXPECT_EQ(b.inputs[0].rangeLo, -3.5);
  EXPECT_EQ(b.inputs[0].rangeHi, 2.25);
  EXPECT_EQ(b.compilerVersion, "1.2.3");
  EXPECT_EQ(b.compilerCommit, "abcdef");
  EXPECT_EQ(b.params.logN, a.params.logN);
  EXPECT_EQ(b.params.chainBits, a.params.chainBits);
  EXPECT_EQ(b.params.specialBits, a.params.specialBits);
  EXPECT_EQ(b.params.dnum, a.params.dnum);
  EXPECT_EQ(b.params.insecure, a.params.insecure);
  EXPECT_EQ(b.rotations, a.rotations);
  EXPECT_TRUE(b.conjugation);
  ASSERT_EQ(b.inputs.size(), 2u);
  EXPECT_EQ(b.inputs[0].name, "x");
  EXPECT_EQ(b.inputs[0].shape, a.inputs[0].shape);
  EXPECT_EQ(b.inputs[0].slotMap, a.inputs[0].slotMap);
  EXPECT_EQ(b.inputs[1].regs, a.inputs[1].regs);
  EXPECT_EQ(b.inputs[1].logScale, a.inputs[1].logScale);
  EXPECT_FALSE(b.inputs[1].hasRange);
  ASSERT_EQ(b.constants.size(), 1u);
  EXPECT_EQ(b.constants[0].values, a.constants[0].values);
  EXPECT_EQ(b.numRegisters, 10u);
  ASSERT_EQ(b.program.size(), a.program.size());
  for (size_t i = 0; i < a.program.size(); ++i) {
    EXPECT_EQ(b.program[i].op, a.program[i].op) << i;
    EXPECT_EQ(b.program[i].result, a.program[i].result) << i;
    EXPECT_EQ(b.program[i].a, a.program[i].a) << i;
    EXPECT_EQ(b.program[i].b, a.program[i].b) << i;
    EXPECT_EQ(b.program[i].imm, a.program[i].imm) << i;
    EXPECT_EQ(b.program[i].value, a.program[i].value) << i;
    EXPECT_EQ(b.program[i].scale, a.program[i].scale) << i;
  }
  // Serialization is canonical.
  EXPECT_EQ(serializeArtifact(b), bytes);
}

// Regression (ArtifactFuzzer, format 7): an empty constant made the reader
// memcpy from a null pointer (UBSan: nonnull argument). Under the sanitizer
// build this round trip fails without the fix.
TEST(Artifact, EmptyConstantsRoundTrip) {
  Artifact a = makeTestArtifact();
  a.constants.push_back(ArtifactConstant{8, {}});
  Bytes bytes = serializeArtifact(a);
  Artifact b = parseArtifact(bytes, kName);
  ASSERT_EQ(b.constants.size(), 2u);
  EXPECT_TRUE(b.constants[1].values.empty());
  EXPECT_EQ(b.constants[1].values, a.constants[1].values);
}

// The fuzzer's artifact regressions (fuzz/corpus/artifact/regression-*):
// each is a clean one-line error or a valid artifact. Under the sanitizer
// build these catch the UB they once triggered: a memcpy from a null
// pointer (empty constant) and loads of misaligned int64 elements (the
// FlatBuffers verifier checks only a vector's length alignment).
TEST(Artifact, FuzzerRegressionsAreCleanErrors) {
  for (const char *file : {"regression-empty-constant.aegis",
                           "regression-misaligned-vector.aegis"}) {
    SCOPED_TRACE(file);
    std::string path = std::string(AEGIS_FUZZ_CORPUS) + "/artifact/" + file;
    std::string m = errorOf([&] { parseArtifact(readBytes(path), kName); });
    EXPECT_TRUE(m == "no error" || m.rfind("art.aegis: ", 0) == 0) << m;
    m = errorOf([&] { readArtifact(path); });
    EXPECT_TRUE(m == "no error" || m.rfind(path + ": ", 0) == 0) << m;
  }
}

TEST(Artifact, RejectsBadMagic) {
  Bytes b = serializeArtifact(makeTestArtifact());
  b[0] = 'X';
  EXPECT_ERROR(parseArtifact(b, kName),
               "art.aegis: not an aegis artifact (bad magic; expected "
               "\"AEGISART\")");
  EXPECT_ERROR(parseArtifact(Bytes{}, kName), "art.aegis: not an aegis "
                                              "artifact (bad magic");
}

TEST(Artifact, RejectsOldAndNewFormats) {
  Bytes b = serializeArtifact(makeTestArtifact());
  poke<uint32_t>(b, 8, kArtifactFormatVersion + 2);
  reseal(b);
  EXPECT_ERROR(parseArtifact(b, kName),
               "art.aegis: artifact format " +
                   std::to_string(kArtifactFormatVersion + 2) +
                   " was written by a newer aegis; this aegis-run reads format " +
                   std::to_string(kArtifactFormatVersion));
  // Formats 1-6 (one checksummed record stream) are not read any more.
  Bytes old = {'A', 'E', 'G', 'I', 'S', 'A', 'R', 'T', 6, 0, 0, 0, 1, 2, 3};
  EXPECT_ERROR(parseArtifact(old, kName),
               "art.aegis: artifact format 6 was written by an older aegis; "
               "this aegis-run reads format " +
                   std::to_string(kArtifactFormatVersion) +
                   ": re-compile the model with this aegis-opt");
}

TEST(Artifact, RejectsChecksumMismatches) {
  Bytes good = serializeArtifact(makeTestArtifact());
  uint64_t weightsOffset = peek<uint64_t>(good, 32);
  struct Case {
    size_t offset;
    const char *message;
  };
  for (Case c : {Case{20, "art.aegis: corrupt artifact: header checksum "
                          "mismatch (modified)"},
                 Case{100, "art.aegis: corrupt artifact: metadata checksum "
                           "mismatch (modified)"},
                 Case{size_t(weightsOffset) + 3,
                      "art.aegis: corrupt artifact: constant 0 fails its "
                      "checksum (truncated or modified)"}}) {
    Bytes b = good;
    SCOPED_TRACE(c.offset);
    b[c.offset] ^= 0x40;
    EXPECT_ERROR(parseArtifact(b, kName), c.message);
  }
}

TEST(Artifact, RejectsTruncationAtEveryOffset) {
  Bytes good = serializeArtifact(makeTestArtifact());
  for (size_t size = 0; size < good.size(); ++size) {
    Bytes b(good.begin(), good.begin() + size);
    std::string m = errorOf([&] { parseArtifact(b, kName); });
    EXPECT_EQ(m.rfind("art.aegis: ", 0), 0u) << "size " << size << ": " << m;
    EXPECT_TRUE(m.find("bad magic") != std::string::npos ||
                m.find("truncated") != std::string::npos)
        << "size " << size << ": " << m;
  }
  Bytes longer = good;
  longer.push_back(0);
  EXPECT_ERROR(parseArtifact(longer, kName),
               "art.aegis: truncated or extended artifact: the file has " +
                   std::to_string(good.size() + 1) +
                   " bytes, its header describes " +
                   std::to_string(good.size()));
}

TEST(Artifact, RejectsSectionsOutOfBounds) {
  Bytes good = serializeArtifact(makeTestArtifact());
  uint64_t weightsOffset = peek<uint64_t>(good, 32);
  uint64_t weightsSize = peek<uint64_t>(good, 40);
  {
    // Weights cut short, the header and checksums made consistent with it:
    // the constant's run now lies outside the section.
    Bytes b(good.begin(), good.begin() + weightsOffset + weightsSize - 8);
    poke<uint64_t>(b, 40, weightsSize - 8);
    reseal(b);
    EXPECT_ERROR(parseArtifact(b, kName),
                 "art.aegis: corrupt artifact: constant 0 (3 values at byte 0) "
                 "lies outside the weights section of 16 bytes");
  }
  {
    // The metadata claimed to reach into the weights section.
    Bytes b = good;
    poke<uint64_t>(b, 24, weightsOffset);
    reseal(b);
    EXPECT_ERROR(parseArtifact(b, kName),
                 "are inconsistent");
  }
  {
    // A weights offset that is not 64-byte aligned.
    Bytes b = good;
    poke<uint64_t>(b, 32, weightsOffset + 8);
    reseal(b);
    EXPECT_ERROR(parseArtifact(b, kName), "are inconsistent");
  }
}

TEST(Artifact, RejectsMalformedOrForeignTables) {
  Bytes good = serializeArtifact(makeTestArtifact());
  uint64_t metaSize = peek<uint64_t>(good, 24);
  {
    // Another FlatBuffers file's identifier (bytes 4-7 of the table).
    Bytes b = good;
    std::memcpy(b.data() + 64 + 4, "XXXX", 4);
    reseal(b);
    EXPECT_ERROR(parseArtifact(b, kName),
                 "art.aegis: corrupt artifact: the metadata is not an aegis "
                 "artifact table (file identifier \"AEGA\" missing)");
  }
  {
    // The root offset pointing outside the table.
    Bytes b = good;
    poke<uint32_t>(b, 64, uint32_t(metaSize + 100));
    reseal(b);
    EXPECT_ERROR(parseArtifact(b, kName),
                 "art.aegis: corrupt artifact: the metadata table is "
                 "malformed");
  }
  // Every single-byte corruption of the table that the checksum would have
  // caught must still end in a clean error or a valid artifact (no crash,
  // no huge allocation) when the checksum is recomputed.
  for (size_t at = 64; at < 64 + metaSize; ++at) {
    Bytes b = good;
    b[at] ^= 0xff;
    reseal(b);
    std::string m = errorOf([&] { parseArtifact(b, kName); });
    EXPECT_TRUE(m == "no error" || m.rfind("art.aegis: ", 0) == 0)
        << "byte " << at << ": " << m;
  }
}

TEST(Artifact, RejectsBadInputRanges) {
  Artifact a = makeTestArtifact();
  a.inputs[0].hasRange = true;
  a.inputs[0].rangeLo = 7.0;
  a.inputs[0].rangeHi = 1.0;
  Bytes b = serializeArtifact(a);
  EXPECT_ERROR(parseArtifact(b, kName),
               "art.aegis: corrupt artifact: tensor 'x' has a bad calibrated "
               "range [7, 1]");
  a.inputs[0].rangeHi = std::nan("");
  b = serializeArtifact(a);
  EXPECT_ERROR(parseArtifact(b, kName), "has a bad calibrated range");
}

// The client's input guard (issue 19).
TEST(Artifact, InputRangesAreChecked) {
  Artifact a = makeTestArtifact();
  a.inputs[0].hasRange = true;
  a.inputs[0].rangeLo = -1.0;
  a.inputs[0].rangeHi = 1.0;
  std::vector<std::vector<double>> in = {std::vector<double>(8, 0.5),
                                         std::vector<double>(8, 100.0)};
  EXPECT_TRUE(checkInputRanges(a, in).empty()); // y has no range
  in[0][5] = 1.49; // inside [-1.5, 1.5], the range widened by 25%
  EXPECT_TRUE(checkInputRanges(a, in).empty());
  in[0][6] = -1.6;
  in[0][7] = std::nan("");
  std::vector<std::string> p = checkInputRanges(a, in);
  ASSERT_EQ(p.size(), 1u);
  EXPECT_EQ(p[0].rfind("input 'x': 2 of 8 values outside [-1.5, 1.5] (the "
                       "calibrated range [-1, 1] widened by 25%), first "
                       "element 6 = -1.6",
                       0),
            0u)
      << p[0];
}

TEST(Artifact, RejectsSlotMapOutOfRange) {
  Artifact a = makeTestArtifact();
  a.inputs[0].slotMap[3] = 8; // x has one ciphertext of 8 slots
  EXPECT_ERROR(parseArtifact(serializeArtifactUnvalidated(a), kName),
               "art.aegis: input 'x' maps an element to slot 8 beyond its "
               "ciphertexts");

  a.inputs[0].slotMap[3] = 100;
  EXPECT_ERROR(validateArtifact(a, kName), "maps an element to slot 100 "
                                           "beyond its ciphertexts");
}

TEST(Artifact, RejectsSlotMapDuplicates) {
  Artifact a = makeTestArtifact();
  a.inputs[0].slotMap[5] = a.inputs[0].slotMap[0];
  EXPECT_ERROR(parseArtifact(serializeArtifactUnvalidated(a), kName),
               "art.aegis: input 'x' maps an element to slot " +
                   std::to_string(a.inputs[0].slotMap[0]) + " twice");
}

TEST(Artifact, RejectsSlotMapOfTheWrongLength) {
  Artifact a = makeTestArtifact();
  a.inputs[0].slotMap.pop_back();
  EXPECT_ERROR(validateArtifact(a, kName),
               "art.aegis: input 'x' has a slot map of 7 entries for 8 "
               "elements");
}

TEST(Artifact, RejectsRegisterUsedBeforeDefinition) {
  Artifact a = makeTestArtifact();
  // Instruction 0 (mul r2 = r0 * r1) reads r5 instead of r1.
  a.program[0].b = 5;
  EXPECT_ERROR(parseArtifact(serializeArtifactUnvalidated(a), kName),
               "art.aegis: instruction 0 (mul) reads register 5 before it is "
               "defined");
  // A register beyond the register count.
  a = makeTestArtifact();
  a.program[1].a = 1000;
  EXPECT_ERROR(parseArtifact(serializeArtifactUnvalidated(a), kName),
               "art.aegis: instruction 1 (relinearize) reads register 1000 "
               "before it is defined");
}

TEST(Artifact, RejectsOutputNeverComputed) {
  Artifact a = makeTestArtifact();
  a.numRegisters += 1;
  a.outputs[0].regs = {a.numRegisters - 1};
  EXPECT_ERROR(validateArtifact(a, kName),
               "art.aegis: output 'out' register 7 is never computed");
}

TEST(Artifact, RejectsUnknownOpcode) {
  Artifact a = makeTestArtifact();
  a.program[2].op = Opcode(99);
  EXPECT_ERROR(parseArtifact(serializeArtifactUnvalidated(a), kName),
               "art.aegis: instruction 2 has unknown opcode 99");
  a = makeTestArtifact();
  a.program[0].op = Opcode(0);
  EXPECT_ERROR(parseArtifact(serializeArtifactUnvalidated(a), kName),
               "art.aegis: instruction 0 has unknown opcode 0");
}

// mul_i's sign (imm) is 0 or 1; a bootstrap's mode (b) is real (0) or
// complex (1); and the plain engine evaluates both (a valid mul_i runs).
TEST(Artifact, RejectsBadMulISignAndBootstrapMode) {
  Artifact a = makeTestArtifact();
  Instruction m;
  m.op = Opcode::MulI;
  m.a = a.program[0].result;
  m.result = a.program[0].result;
  m.imm = 2;
  a.program.insert(a.program.begin() + 1, m);
  EXPECT_ERROR(parseArtifact(serializeArtifactUnvalidated(a), kName),
               "art.aegis: instruction 1 (mul_i) has sign 2 (0: i, 1: -i)");
  a.program[1].imm = 1;
  EXPECT_NO_THROW(validateArtifact(a, kName));
  a = makeTestArtifact();
  a.params.bootstrapLevel = 1;
  a.params.nominalLogScale = 40;
  Instruction b;
  b.op = Opcode::Bootstrap;
  b.a = a.program[0].result;
  b.result = a.program[0].result;
  b.b = 2;
  a.program.insert(a.program.begin() + 1, b);
  EXPECT_ERROR(parseArtifact(serializeArtifactUnvalidated(a), kName),
               "art.aegis: instruction 1 (bootstrap) has mode 2 (0: real, 1: "
               "complex)");
}

TEST(Artifact, RejectsMalformedRotateSumRuns) {
  // Instructions 3-4 (rotate, add) become one run of two terms:
  // r6 = rotate(r4, 1) + r4.
  auto withRun = [] {
    Artifact a = makeTestArtifact();
    a.program[3] = {Opcode::RotateSum, 6, 4, 2, 1, 0, 0};
    a.program[4] = {Opcode::RotateSum, 6, 4, 0, 0, 0, 0};
    return a;
  };
  Artifact a = withRun();
  EXPECT_NO_THROW(validateArtifact(a, kName));
  EXPECT_NO_THROW(parseArtifact(serializeArtifactUnvalidated(a), kName));
  a = withRun();
  a.program[3].b = 3;
  EXPECT_ERROR(validateArtifact(a, kName),
               "art.aegis: instruction 3 (rotate_sum) starts a run past the "
               "program's end (run length 3)");
  a = withRun();
  a.program[3].b = 1;
  EXPECT_ERROR(validateArtifact(a, kName),
               "art.aegis: instruction 4 (rotate_sum) is outside a run (run "
               "length 0)");
  a = withRun();
  a.program[4].result = 5;
  EXPECT_ERROR(validateArtifact(a, kName),
               "art.aegis: instruction 4 breaks the rotate_sum run started at "
               "instruction 3");
  a = withRun();
  a.program[3].value = 2;
  EXPECT_ERROR(validateArtifact(a, kName),
               "art.aegis: instruction 3 (rotate_sum) has key-switch "
               "algorithm 2 (0: input broadcast, 1: output aggregation)");
  a = withRun();
  a.program[4].a = 6;
  EXPECT_ERROR(validateArtifact(a, kName),
               "art.aegis: instruction 4 (rotate_sum) reads the register its "
               "run writes");
  a = withRun();
  a.program[4].imm = 3;
  EXPECT_ERROR(validateArtifact(a, kName),
               "art.aegis: the program rotates by 3 but the artifact lists no "
               "key for it");
}

TEST(Artifact, RejectsRotationWithoutAListedKey) {
  Artifact a = makeTestArtifact();
  // Instruction 3 rotates by 1 (listed); make it rotate by 2.
  ASSERT_EQ(a.program[3].op, Opcode::Rotate);
  a.program[3].imm = 2;
  EXPECT_ERROR(parseArtifact(serializeArtifactUnvalidated(a), kName),
               "art.aegis: the program rotates by 2 but the artifact lists no "
               "key for it");
  a = makeTestArtifact();
  a.rotations = {1, 1};
  EXPECT_ERROR(validateArtifact(a, kName),
               "art.aegis: invalid or repeated rotation key offset 1");
}

TEST(Artifact, RejectsBadLevelsAndConstants) {
  Artifact a = makeTestArtifact();
  a.inputs[1].level = 7;
  EXPECT_ERROR(validateArtifact(a, kName),
               "art.aegis: input 'y' is at level 7 beyond the maximum level 2");
  a = makeTestArtifact();
  a.program.push_back({Opcode::AddPlain, 7, 6, 0, 3, 0, 0});
  a.numRegisters = 8;
  EXPECT_ERROR(validateArtifact(a, kName),
               "art.aegis: instruction 5 (add_plain) uses constant 3 of 1");
}

// Regression (issue 19, fuzz/ArtifactFuzzer): dimensions in range whose
// product overflows int64 (signed overflow; it wrapped to 0 elements and the
// artifact loaded).
TEST(Artifact, RejectsShapesWithTooManyElements) {
  Artifact a = makeTestArtifact();
  a.inputs[1].shape = {65536, 65536, 65536, 65536};
  EXPECT_ERROR(validateArtifact(a, kName), "art.aegis: input 'y' is too large");
}

TEST(Artifact, WriterRefusesInvalidArtifacts) {
  Artifact a = makeTestArtifact();
  a.program[0].a = 6;
  EXPECT_ERROR(serializeArtifact(a),
               "artifact: instruction 0 (mul) reads register 6 before it is "
               "defined");
}

TEST(Artifact, FileHelpersNameThePath) {
  EXPECT_ERROR(readArtifact("/nonexistent/dir/x.aegis"),
               "/nonexistent/dir/x.aegis: cannot open artifact");
}

namespace {

/// The test artifact with a client program in front of input 'x' (8
/// values): ids [1x4] -> gather from a 5x2 table -> + 0.5 -> reshape [8].
/// Its second input 'y' comes from a second client input, cast to float.
Artifact withClient() {
  Artifact a = makeTestArtifact();
  ClientProgram &c = a.client;
  c.inputs.push_back({"input_ids", {1, 4}, ClientType::Int64, {}});
  c.inputs.push_back({"mask", a.inputs[1].shape, ClientType::Int64, {}});
  std::vector<double> table;
  for (int i = 0; i < 10; ++i)
    table.push_back(i);
  c.constants.push_back({"table", {5, 2}, ClientType::Float32, table});
  c.constants.push_back({"half", {}, ClientType::Float32, {0.5}});
  // values: 0 ids, 1 mask, 2 table, 3 half
  c.ops.push_back({ClientOpKind::Gather, {2, 0}, {0}, {1, 4, 2}, ClientType::Float32});
  c.ops.push_back({ClientOpKind::Add, {4, 3}, {}, {1, 4, 2}, ClientType::Float32});
  c.ops.push_back({ClientOpKind::Reshape, {5}, {}, a.inputs[0].shape, ClientType::Float32});
  c.ops.push_back({ClientOpKind::Cast, {1}, {}, a.inputs[1].shape, ClientType::Float32});
  c.outputs = {6, 7};
  return a;
}

NpyArray ints(std::vector<int64_t> shape, std::vector<double> v) {
  return NpyArray{NpyType::Int64, std::move(shape), std::move(v)};
}

} // namespace

TEST(ArtifactClient, RoundTripsAndRuns) {
  Artifact a = withClient();
  ASSERT_EQ(a.inputs[0].shape, (std::vector<int64_t>{8}));
  Artifact b = parseArtifact(serializeArtifact(a), kName);
  ASSERT_EQ(b.client.inputs.size(), 2u);
  EXPECT_EQ(b.client.inputs[0].name, "input_ids");
  EXPECT_EQ(b.client.inputs[0].type, ClientType::Int64);
  EXPECT_EQ(b.client.constants[0].values, a.client.constants[0].values);
  ASSERT_EQ(b.client.ops.size(), 4u);
  EXPECT_EQ(b.client.ops[0].kind, ClientOpKind::Gather);
  EXPECT_EQ(b.client.ops[2].shape, a.inputs[0].shape);
  EXPECT_EQ(b.client.outputs, (std::vector<uint32_t>{6, 7}));
  EXPECT_EQ(modelInputCount(b), 2u);
  std::vector<double> mask(a.inputs[1].numElements(), 1.0);
  auto out = runClientProgram(
      b, {ints({1, 4}, {3, 0, 4, -1}), ints(a.inputs[1].shape, mask)},
      {"ids.npy", "mask.npy"});
  ASSERT_EQ(out.size(), 2u);
  // Rows 3, 0, 4 and 4 (-1 counts from the end) of the table, plus 0.5.
  EXPECT_EQ(out[0], (std::vector<double>{6.5, 7.5, 0.5, 1.5, 8.5, 9.5, 8.5,
                                         9.5}));
  EXPECT_EQ(out[1], mask);
  // Artifacts without one have an empty client program.
  EXPECT_TRUE(parseArtifact(serializeArtifact(makeTestArtifact()), kName)
                  .client.empty());
}

TEST(ArtifactClient, RejectsBadInputsAtRunTime) {
  Artifact a = withClient();
  std::vector<double> mask(a.inputs[1].numElements(), 1.0);
  EXPECT_ERROR(runClientProgram(a, {ints({1, 4}, {3, 0, 5, 1}),
                                    ints(a.inputs[1].shape, mask)},
                                {"ids.npy", "mask.npy"}),
               "client program: index 5 (input 'input_ids' from ids.npy) is "
               "out of range [0, 5) of the embedding table");
  EXPECT_ERROR(runClientProgram(a, {ints({1, 3}, {3, 0, 1}),
                                    ints(a.inputs[1].shape, mask)},
                                {"ids.npy", "mask.npy"}),
               "ids.npy: input 'input_ids' has shape [1x3], expected [1x4]");
  NpyArray floats{NpyType::Float64, {1, 4}, {0, 1, 2, 3}};
  EXPECT_ERROR(runClientProgram(a, {floats, ints(a.inputs[1].shape, mask)},
                                {"ids.npy", "mask.npy"}),
               "ids.npy: input 'input_ids' must hold integers (int64), got <f8");
}

TEST(ArtifactClient, ValidationRejectsCorruptPrograms) {
  Artifact a = withClient();
  a.client.ops[1].kind = ClientOpKind(42);
  EXPECT_ERROR(validateArtifact(a, kName),
               "art.aegis: client program: op 1 has unknown kind 42");
  a = withClient();
  a.client.ops[1].operands = {4, 9};
  EXPECT_ERROR(validateArtifact(a, kName),
               "art.aegis: client program: op 1 (add) reads value 9 before it "
               "is defined");
  a = withClient();
  a.client.ops[0].shape = {1, 4, 3};
  EXPECT_ERROR(validateArtifact(a, kName),
               "art.aegis: client program: op 0 (gather) has shape 1x4x3, its "
               "operands give 1x4x2");
  a = withClient();
  a.client.ops[0].operands = {2, 3};
  EXPECT_ERROR(validateArtifact(a, kName),
               "art.aegis: client program: op 0 (gather) has non-integer "
               "indices");
  a = withClient();
  a.client.constants[0].values.mutableValues().pop_back();
  EXPECT_ERROR(validateArtifact(a, kName),
               "art.aegis: client program: constant 'table' has 9 values for "
               "shape 5x2");
  a = withClient();
  a.client.outputs = {6};
  EXPECT_ERROR(validateArtifact(a, kName),
               "art.aegis: client program: 1 outputs for 2 encrypted input(s)");
  a = withClient();
  a.client.outputs = {6, 0};
  EXPECT_ERROR(validateArtifact(a, kName),
               "art.aegis: client program: output 1 ('y') is an integer "
               "tensor");

  // A corrupt op kind in a file is caught on load.
  a = withClient();
  a.client.ops[0].kind = ClientOpKind(77);
  EXPECT_ERROR(parseArtifact(serializeArtifactUnvalidated(a), kName),
               "art.aegis: client program: op 0 has unknown kind 77");
}

TEST(ArtifactClient, PositionIdsFromTokenIds) {
  // RoBERTa's position ids: padding_idx + cumsum(ids != pad) * (ids != pad),
  // then a lookup; the second input's mask as before.
  Artifact a = withClient();
  ClientProgram &c = a.client;
  c.constants.push_back({"pad", {}, ClientType::Int64, {1}});
  c.ops.clear();
  // values: 0 ids, 1 mask, 2 table, 3 half, 4 pad
  c.ops.push_back({ClientOpKind::Compare, {0, 4}, {0}, {1, 4}, ClientType::Bool});  // 5
  c.ops.push_back({ClientOpKind::Not, {5}, {}, {1, 4}, ClientType::Bool});          // 6
  c.ops.push_back({ClientOpKind::Cast, {6}, {}, {1, 4}, ClientType::Int32});        // 7
  c.ops.push_back({ClientOpKind::CumSum, {7}, {1, 0, 0}, {1, 4}, ClientType::Int32}); // 8
  c.ops.push_back({ClientOpKind::Mul, {8, 7}, {}, {1, 4}, ClientType::Int32});      // 9
  c.ops.push_back({ClientOpKind::Cast, {9}, {}, {1, 4}, ClientType::Int64});        // 10
  c.ops.push_back({ClientOpKind::Add, {10, 4}, {}, {1, 4}, ClientType::Int64});     // 11
  c.ops.push_back({ClientOpKind::Gather, {2, 11}, {0}, {1, 4, 2}, ClientType::Float32}); // 12
  c.ops.push_back({ClientOpKind::Reshape, {12}, {}, a.inputs[0].shape, ClientType::Float32}); // 13
  c.ops.push_back({ClientOpKind::Cast, {1}, {}, a.inputs[1].shape, ClientType::Float32}); // 14
  c.outputs = {13, 14};
  Artifact b = parseArtifact(serializeArtifact(a), kName);
  std::vector<double> mask(a.inputs[1].numElements(), 1.0);
  // Tokens 7, 8, pad, 9: positions 2, 3, 1 (the pad), 4.
  auto out = runClientProgram(
      b, {ints({1, 4}, {7, 8, 1, 9}), ints(a.inputs[1].shape, mask)},
      {"ids.npy", "mask.npy"});
  EXPECT_EQ(out[0], (std::vector<double>{4, 5, 6, 7, 2, 3, 8, 9}));

  a.client.ops[0].ints = {9};
  EXPECT_ERROR(validateArtifact(a, kName),
               "art.aegis: client program: op 0 (compare) has unknown "
               "predicate 9");
  a.client.ops[0].ints = {0};
  a.client.ops[1].type = ClientType::Int32;
  EXPECT_ERROR(validateArtifact(a, kName),
               "art.aegis: client program: op 1 (not) must take and give "
               "booleans");
  a.client.ops[1].type = ClientType::Bool;
  a.client.ops[3].ints = {2, 0, 0};
  EXPECT_ERROR(validateArtifact(a, kName),
               "art.aegis: client program: op 3 (cumsum) has axis 2 for rank 2");
}

TEST(Artifact, BootstrapNeedsItsParameters) {
  Artifact a = makeTestArtifact();
  a.program.push_back({Opcode::Bootstrap, 7, 6, 0, 0, 0, 0});
  a.numRegisters = 8;
  EXPECT_ERROR(validateArtifact(a, kName),
               "art.aegis: the program bootstraps but the artifact has no "
               "bootstrapping parameters");
  a.params.bootstrapLevel = 1;
  EXPECT_ERROR(validateArtifact(a, kName),
               "art.aegis: bootstrap level 1 needs a nominal scale and a level "
               "below the top 2");
  a.params.nominalLogScale = 30;
  Artifact b = parseArtifact(serializeArtifact(a), kName);
  EXPECT_EQ(b.params.bootstrapLevel, 1u);
  EXPECT_EQ(b.params.nominalLogScale, 30u);
  EXPECT_EQ(b.program.back().op, Opcode::Bootstrap);
  EXPECT_EQ(b.params.bootstrapLogSlots, 0u);
  EXPECT_STREQ(opcodeName(Opcode::Bootstrap), "bootstrap");
}

TEST(Artifact, SparseBootstrapSlotsRoundTripAndAreChecked) {
  Artifact a = makeTestArtifact(); // N = 2^10, tensors of 8 slots
  a.program.push_back({Opcode::Bootstrap, 7, 6, 0, 0, 0, 0});
  a.numRegisters = 8;
  a.params.bootstrapLevel = 1;
  a.params.nominalLogScale = 30;
  a.params.bootstrapLogSlots = 3;
  Artifact b = parseArtifact(serializeArtifact(a), kName);
  EXPECT_EQ(b.params.bootstrapLogSlots, 3u);
  a.params.bootstrapLogSlots = 10;
  EXPECT_ERROR(validateArtifact(a, kName),
               "art.aegis: bootstrap slots 2^10 outside 2^2..2^9");
  a.params.bootstrapLogSlots = 1;
  EXPECT_ERROR(validateArtifact(a, kName),
               "art.aegis: bootstrap slots 2^1 outside 2^2..2^9");
  a.params.bootstrapLogSlots = 2;
  EXPECT_ERROR(validateArtifact(a, kName),
               "art.aegis: input 'x' packs 8 slots, more than the 4 its "
               "sparse bootstraps refresh");
  a.params.bootstrapLogSlots = 3;
  a.constants[0].slots = 16;
  EXPECT_ERROR(validateArtifact(a, kName),
               "art.aegis: a constant packs 16 slots, more than the 8 its "
               "sparse bootstraps refresh");
  a = makeTestArtifact();
  a.params.bootstrapLogSlots = 3;
  EXPECT_ERROR(validateArtifact(a, kName),
               "art.aegis: bootstrap slots 2^3 given, but the artifact never "
               "bootstraps");
}

TEST(Artifact, BootstrapTransformLevelsRoundTripAndAreChecked) {
  Artifact a = makeTestArtifact();
  a.program.push_back({Opcode::Bootstrap, 7, 6, 0, 0, 0, 0});
  a.numRegisters = 8;
  a.params.bootstrapLevel = 1;
  a.params.nominalLogScale = 30;
  // Artifacts that do not say (older ones) bootstrap with 3 levels each.
  EXPECT_EQ(parseArtifact(serializeArtifact(a), kName)
                .params.bootstrapTransformLevels,
            3u);
  a.params.bootstrapTransformLevels = 2;
  EXPECT_EQ(parseArtifact(serializeArtifact(a), kName)
                .params.bootstrapTransformLevels,
            2u);
  a.params.bootstrapTransformLevels = 0;
  EXPECT_ERROR(validateArtifact(a, kName),
               "art.aegis: bootstrap transform levels 0 outside 1..4");
  a.params.bootstrapTransformLevels = 5;
  EXPECT_ERROR(validateArtifact(a, kName),
               "art.aegis: bootstrap transform levels 5 outside 1..4");
}

TEST(Artifact, RegionsRoundTripAndAreChecked) {
  Artifact a = makeTestArtifact();
  a.regions = {"matmul#1", "gelu#1"};
  a.program[0].region = 2;
  Artifact b = parseArtifact(serializeArtifact(a), kName);
  EXPECT_EQ(b.regions, a.regions);
  EXPECT_EQ(b.program[0].region, 2u);
  a.program[0].region = 3;
  EXPECT_ERROR(validateArtifact(a, kName),
               "art.aegis: instruction 0 (mul) names region 3 of 2");
}

TEST(Artifact, KeyLevelsRoundTripAndAreChecked) {
  Artifact a = makeTestArtifact(); // levels 0..2, rotations {1}
  EXPECT_EQ(rotationKeyLevel(a, 0), 2u);
  EXPECT_EQ(relinKeyLevel(a), 2u);
  EXPECT_EQ(conjugationKeyLevel(a), 2u);
  a.rotationLevels = {1};
  a.relinLevel = 2;
  a.conjugationLevel = 0;
  Artifact b = parseArtifact(serializeArtifact(a), kName);
  EXPECT_EQ(b.rotationLevels, a.rotationLevels);
  EXPECT_EQ(rotationKeyLevel(b, 0), 1u);
  EXPECT_EQ(b.relinLevel, 2);
  EXPECT_EQ(conjugationKeyLevel(b), 0u);
  a.rotationLevels = {1, 2};
  EXPECT_ERROR(validateArtifact(a, kName),
               "art.aegis: 2 rotation key levels for 1 rotations");
  a.rotationLevels = {3};
  EXPECT_ERROR(validateArtifact(a, kName),
               "art.aegis: the key for rotation by 1 is at level 3 beyond the "
               "top level 2");
  a.rotationLevels = {1};
  a.relinLevel = 3;
  EXPECT_ERROR(validateArtifact(a, kName),
               "art.aegis: the relinearization key is at level 3 outside -1 "
               "(the top) .. 2");
  a.relinLevel = -1;
  a.conjugationLevel = -2;
  EXPECT_ERROR(validateArtifact(a, kName),
               "art.aegis: the conjugation key is at level -2 outside -1 (the "
               "top) .. 2");
}

namespace {

/// The test artifact placed on 2 devices: y is delivered to device 1,
/// which sends it to device 0; device 0 computes everything.
Artifact placedArtifact() {
  Artifact a = makeTestArtifact();
  a.devices = 2;
  a.inputs[0].devices = {0};
  a.inputs[1].devices = {1};
  a.outputs[0].devices = {0};
  Instruction send{Opcode::Send, 1, 1, 0, 0, 0, 0};
  Instruction recv{Opcode::Recv, 1, 0, 0, 1, 0, 0};
  a.devicePrograms.assign(2, {});
  a.devicePrograms[1] = {send};
  a.devicePrograms[0] = {recv};
  for (const Instruction &in : a.program)
    a.devicePrograms[0].push_back(in);
  return a;
}

} // namespace

TEST(Artifact, JointGroupsRoundTripAndAreChecked) {
  // The placed test artifact as a joint placement: 2 programs of 2 devices.
  Artifact a = placedArtifact();
  a.devices = 4;
  a.groupSize = 2;
  Artifact back = parseArtifact(serializeArtifact(a), kName);
  EXPECT_EQ(back.groupSize, 2u);
  EXPECT_EQ(back.devices, 4u);
  EXPECT_NE(artifactContentFingerprint(a),
            artifactContentFingerprint(placedArtifact()));
  a.groupSize = 0;
  EXPECT_ERROR(validateArtifact(a, kName),
               "art.aegis: the artifact is placed for 4 devices but has 2 "
               "device programs");
  a = placedArtifact();
  a.groupSize = 2;
  EXPECT_ERROR(validateArtifact(a, kName),
               "art.aegis: the artifact is placed for 2 devices but has 2 "
               "device programs of 2 devices");
  a = makeTestArtifact();
  a.groupSize = 2;
  EXPECT_ERROR(validateArtifact(a, kName),
               "art.aegis: the artifact has 2 devices per program but no "
               "device programs");
  a.groupSize = 5000;
  EXPECT_ERROR(validateArtifact(a, kName),
               "art.aegis: corrupt artifact: 5000 devices per program");
}

TEST(Artifact, DeviceProgramsRoundTripAndAreChecked) {
  Artifact a = placedArtifact();
  Artifact back = parseArtifact(serializeArtifact(a), kName);
  ASSERT_EQ(back.devicePrograms.size(), 2u);
  EXPECT_EQ(back.devicePrograms[0].size(), a.program.size() + 1);
  EXPECT_EQ(back.devicePrograms[1][0].op, Opcode::Send);
  EXPECT_EQ(back.devicePrograms[1][0].imm, 0);
  EXPECT_EQ(back.inputs[1].devices, std::vector<uint32_t>{1});
  EXPECT_EQ(back.outputs[0].devices, std::vector<uint32_t>{0});
  EXPECT_NE(artifactContentFingerprint(a),
            artifactContentFingerprint(makeTestArtifact()));

  a = placedArtifact();
  a.program.insert(a.program.begin(), a.devicePrograms[1][0]);
  EXPECT_ERROR(validateArtifact(a, kName),
               "instruction 0 (send) moves a register outside a device "
               "program");
  a = placedArtifact();
  a.devicePrograms[1][0].imm = 5;
  EXPECT_ERROR(validateArtifact(a, kName),
               "device 1 instruction 0 (send) names device 5 of 2");
  a = placedArtifact();
  a.devicePrograms[1][0].imm = 1;
  EXPECT_ERROR(validateArtifact(a, kName),
               "device 1 instruction 0 (send) names its own device");
  a = placedArtifact();
  a.devicePrograms[1].clear();
  EXPECT_ERROR(validateArtifact(a, kName),
               "the device programs' sends and receives do not pair up");
  a = placedArtifact();
  a.inputs[1].devices = {0, 1};
  EXPECT_ERROR(validateArtifact(a, kName),
               "input 'y' names devices for 2 of its 1 ciphertexts");
  a = placedArtifact();
  a.inputs[1].devices = {7};
  EXPECT_ERROR(validateArtifact(a, kName), "input 'y' is on device 7 of 2");
  a = placedArtifact();
  a.outputs[0].devices = {1};
  EXPECT_ERROR(validateArtifact(a, kName),
               "output 'out' register 6 is never computed on device 1");
  a = placedArtifact();
  a.devicePrograms[1].push_back(a.program[0]);
  EXPECT_ERROR(validateArtifact(a, kName),
               "device 1 instruction 1 (mul) reads register 0 before it is "
               "defined");
  a = placedArtifact();
  a.devicePrograms.resize(1);
  a.devices = 1;
  EXPECT_ERROR(validateArtifact(a, kName),
               "a placed artifact needs at least 2 device programs, found 1");
  a = placedArtifact();
  a.devices = 3;
  EXPECT_ERROR(validateArtifact(a, kName),
               "the artifact is placed for 3 devices but has 2 device programs");
  a = makeTestArtifact();
  a.devices = 4;
  EXPECT_EQ(parseArtifact(serializeArtifact(a), kName).devices, 4u);
}

TEST(Artifact, HoistedRunsAreChecked) {
  // r5 = rotate(r4, 1) and r7 = rotate(r4, 1) as one hoisted run.
  auto hoisted = [] {
    Artifact a = makeTestArtifact();
    a.program[3].b = 2;
    a.program.insert(a.program.begin() + 4, {Opcode::Rotate, 7, 4, 0, 1, 0, 0});
    a.numRegisters = 8;
    return a;
  };
  Artifact a = hoisted();
  EXPECT_NO_THROW(validateArtifact(a, kName));
  EXPECT_EQ(parseArtifact(serializeArtifact(a), kName).program[3].b, 2u);
  a = hoisted();
  a.program[3].b = 9;
  EXPECT_ERROR(validateArtifact(a, kName),
               "instruction 3 (rotate) starts a run of 9 hoisted rotations "
               "past the program's end");
  a = hoisted();
  a.program[4].a = 3;
  EXPECT_ERROR(validateArtifact(a, kName),
               "instruction 4 breaks the run of hoisted rotations of register "
               "4 started at instruction 3");
  a = hoisted();
  a.program[4].result = 4;
  EXPECT_ERROR(validateArtifact(a, kName),
               "instruction 4 overwrites the register its hoisted run rotates");
}
