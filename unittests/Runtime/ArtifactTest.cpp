//===- ArtifactTest.cpp - artifact format: round trip and rejection -------===//
//
// The loader (parseArtifact) must round-trip every field of an artifact
// built in C++ and reject every malformed file with one clear line naming
// the file: bad magic, unsupported version, checksum mismatch, truncation,
// and (in files whose checksum was recomputed, so that only validation can
// catch them) bad slot maps, registers read before definition, unknown
// opcodes and rotations without a listed key.
//
//===----------------------------------------------------------------------===//

#include "ArtifactTestUtil.h"

#include "aegis/Runtime/Support/Crc32c.h"
#include "aegis/Runtime/Support/Error.h"

#include <gtest/gtest.h>

#include <cstring>
#include <functional>

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

/// Recomputes the trailing CRC-32C so that only validation sees the change.
void reseal(Bytes &b) {
  uint32_t crc = crc32c(b.data(), b.size() - 4);
  std::memcpy(b.data() + b.size() - 4, &crc, 4);
}

template <typename T> void poke(Bytes &b, size_t offset, T value) {
  ASSERT_LE(offset + sizeof(T), b.size());
  std::memcpy(b.data() + offset, &value, sizeof(T));
}

/// Offset of instruction `i` (37 bytes each, last before the checksum).
size_t instructionOffset(const Artifact &a, const Bytes &b, size_t i) {
  return b.size() - 4 - 37 * (a.program.size() - i);
}

/// Offset of the first occurrence of the u32 sequence `values`.
size_t findU32s(const Bytes &b, const std::vector<uint32_t> &values) {
  std::vector<uint8_t> needle(values.size() * 4);
  std::memcpy(needle.data(), values.data(), needle.size());
  auto it = std::search(b.begin(), b.end(), needle.begin(), needle.end());
  return it == b.end() ? std::string::npos : size_t(it - b.begin());
}

const char *kName = "art.aegis";

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
  Bytes bytes = serializeArtifact(a);
  Artifact b = parseArtifact(bytes, kName);
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

TEST(Artifact, RejectsBadMagic) {
  Bytes b = serializeArtifact(makeTestArtifact());
  b[0] = 'X';
  EXPECT_ERROR(parseArtifact(b, kName),
               "art.aegis: not an aegis artifact (bad magic; expected "
               "\"AEGISART\")");
  EXPECT_ERROR(parseArtifact(Bytes{}, kName), "art.aegis: not an aegis "
                                              "artifact (bad magic");
}

TEST(Artifact, RejectsUnsupportedVersion) {
  Bytes b = serializeArtifact(makeTestArtifact());
  poke<uint32_t>(b, 8, 9);
  reseal(b);
  EXPECT_ERROR(parseArtifact(b, kName),
               "art.aegis: artifact format version 9 is not supported by this "
               "aegis-run (version " +
                   std::to_string(kArtifactFormatVersion) + ")");
}

TEST(Artifact, RejectsChecksumMismatch) {
  Bytes good = serializeArtifact(makeTestArtifact());
  for (size_t offset : {size_t(20), good.size() / 2, good.size() - 1}) {
    Bytes b = good;
    SCOPED_TRACE(offset);
    b[offset] ^= 0x40;
    EXPECT_ERROR(parseArtifact(b, kName),
                 "art.aegis: corrupt artifact: checksum mismatch (truncated "
                 "or modified)");
  }
}

TEST(Artifact, RejectsTruncationAtEveryOffset) {
  Bytes good = serializeArtifact(makeTestArtifact());
  for (size_t size = 0; size < good.size(); ++size) {
    Bytes b(good.begin(), good.begin() + size);
    std::string m = errorOf([&] { parseArtifact(b, kName); });
    EXPECT_EQ(m.rfind("art.aegis: ", 0), 0u) << "size " << size << ": " << m;
    EXPECT_TRUE(m.find("bad magic") != std::string::npos ||
                m.find("checksum mismatch") != std::string::npos)
        << "size " << size << ": " << m;
  }
}

TEST(Artifact, RejectsTruncationWithARecomputedChecksum) {
  // A prefix followed by a valid checksum: the counts and the bytes left
  // must catch it (no crash, no huge allocation).
  Bytes good = serializeArtifact(makeTestArtifact());
  for (size_t size : {size_t(16), size_t(20), size_t(33), size_t(60),
                      good.size() / 2, good.size() - 40, good.size() - 5}) {
    Bytes b(good.begin(), good.begin() + size);
    b.resize(size + 4);
    reseal(b);
    std::string m = errorOf([&] { parseArtifact(b, kName); });
    EXPECT_EQ(m.rfind("art.aegis: ", 0), 0u) << "size " << size << ": " << m;
    EXPECT_TRUE(m.find("truncated artifact while reading") !=
                    std::string::npos ||
                m.find("corrupt artifact") != std::string::npos)
        << "size " << size << ": " << m;
  }
}

TEST(Artifact, RejectsHugeCounts) {
  Artifact a = makeTestArtifact();
  Bytes b = serializeArtifact(a);
  // The instruction count sits just before the instructions.
  size_t countOffset = instructionOffset(a, b, 0) - 8;
  poke<uint64_t>(b, countOffset, uint64_t(1) << 40);
  reseal(b);
  EXPECT_ERROR(parseArtifact(b, kName),
               "art.aegis: corrupt artifact: instructions count 1099511627776 "
               "exceeds the limit");
}

TEST(Artifact, RejectsSlotMapOutOfRange) {
  Artifact a = makeTestArtifact();
  Bytes b = serializeArtifact(a);
  size_t at = findU32s(b, a.inputs[0].slotMap);
  ASSERT_NE(at, std::string::npos);
  poke<uint32_t>(b, at + 4 * 3, 8); // x has one ciphertext of 8 slots
  reseal(b);
  EXPECT_ERROR(parseArtifact(b, kName),
               "art.aegis: input 'x' maps an element to slot 8 beyond its "
               "ciphertexts");

  a.inputs[0].slotMap[3] = 100;
  EXPECT_ERROR(validateArtifact(a, kName), "maps an element to slot 100 "
                                           "beyond its ciphertexts");
}

TEST(Artifact, RejectsSlotMapDuplicates) {
  Artifact a = makeTestArtifact();
  Bytes b = serializeArtifact(a);
  size_t at = findU32s(b, a.inputs[0].slotMap);
  ASSERT_NE(at, std::string::npos);
  poke<uint32_t>(b, at + 4 * 5, a.inputs[0].slotMap[0]);
  reseal(b);
  EXPECT_ERROR(parseArtifact(b, kName),
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
  Bytes b = serializeArtifact(a);
  // Instruction 0 (mul r2 = r0 * r1) reads r5 instead of r1.
  poke<uint32_t>(b, instructionOffset(a, b, 0) + 9, 5);
  reseal(b);
  EXPECT_ERROR(parseArtifact(b, kName),
               "art.aegis: instruction 0 (mul) reads register 5 before it is "
               "defined");
  // A register beyond the register count.
  b = serializeArtifact(a);
  poke<uint32_t>(b, instructionOffset(a, b, 1) + 5, 1000);
  reseal(b);
  EXPECT_ERROR(parseArtifact(b, kName),
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
  Bytes b = serializeArtifact(a);
  poke<uint8_t>(b, instructionOffset(a, b, 2), 99);
  reseal(b);
  EXPECT_ERROR(parseArtifact(b, kName),
               "art.aegis: instruction 2 has unknown opcode 99");
  b = serializeArtifact(a);
  poke<uint8_t>(b, instructionOffset(a, b, 0), 0);
  reseal(b);
  EXPECT_ERROR(parseArtifact(b, kName),
               "art.aegis: instruction 0 has unknown opcode 0");
}

TEST(Artifact, RejectsRotationWithoutAListedKey) {
  Artifact a = makeTestArtifact();
  Bytes b = serializeArtifact(a);
  // Instruction 3 rotates by 1 (listed); make it rotate by 2.
  ASSERT_EQ(a.program[3].op, Opcode::Rotate);
  poke<int64_t>(b, instructionOffset(a, b, 3) + 13, 2);
  reseal(b);
  EXPECT_ERROR(parseArtifact(b, kName),
               "art.aegis: the program rotates by 2 but the artifact lists no "
               "key for it");
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
