//===- ArtifactRunTest.cpp - artifacts on several devices -----------------===//
//
// runArtifact and aegis-run with RunOptions::devices / --devices: the
// decrypted outputs of the default plan (limb-partitioned registers,
// scatter from and gather to rank 0) are bit-identical to the single-device
// run with the same seed, on 1, 2, 3, 4 and 8 thread ranks with both
// key-switching algorithms, and under mpirun -np 2 and 4 (DistRunMpi.*,
// run by the ctest entry DistRunMpi with label mpi; skipped elsewhere).
// The artifact is built here in C++ (no compiler needed): a tensor over two
// ciphertexts, every opcode, outputs over one and two ciphertexts.
//
//===----------------------------------------------------------------------===//

#include "aegis/Runtime/Artifact/Artifact.h"
#include "aegis/Runtime/Artifact/Executor.h"
#include "aegis/Runtime/Artifact/Session.h"
#include "aegis/Runtime/Dist/PartitionedKeys.h"
#include "aegis/Runtime/Support/Error.h"
#include "aegis/Support/Npy.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>
#include <unistd.h>

using namespace aegis;
using dist::KeySwitchAlgorithm;

namespace {

Instruction inst(Opcode op, uint32_t result, uint32_t a, uint32_t b = 0,
                 int64_t imm = 0, double value = 0, double scale = 0) {
  Instruction in;
  in.op = op;
  in.result = result;
  in.a = a;
  in.b = b;
  in.imm = imm;
  in.value = value;
  in.scale = scale;
  return in;
}

TensorSlot tensor(const std::string &name, std::vector<int64_t> shape,
                  std::vector<uint32_t> regs, uint32_t level,
                  double logScale) {
  TensorSlot t;
  t.name = name;
  t.shape = std::move(shape);
  t.regs = std::move(regs);
  t.slots = 8;
  t.level = level;
  t.logScale = logScale;
  return t;
}

/// Every opcode; 4 chain limbs (8 devices leave empty shards), 2 digits.
Artifact makeArtifact() {
  Artifact a;
  a.compilerVersion = "test";
  a.compilerCommit = "none";
  a.params.logN = 10;
  a.params.chainBits = {50, 40, 40, 40};
  a.params.specialBits = {60, 60};
  a.params.dnum = 2;
  a.params.insecure = true;
  a.rotations = {-3, 1};
  a.conjugation = true;
  a.inputs = {tensor("x", {16}, {0, 1}, 3, 40), tensor("y", {8}, {2}, 3, 40)};
  a.constants = {{8, {0.5, -1, 0.25, 2, -0.75, 1, 0.125, -2}}};
  a.numRegisters = 20;
  a.program = {
      inst(Opcode::Mul, 3, 0, 2),          inst(Opcode::Relinearize, 4, 3),
      inst(Opcode::Rescale, 5, 4),         inst(Opcode::Rotate, 6, 5, 0, 1),
      inst(Opcode::Conjugate, 7, 1),       inst(Opcode::AddPlain, 8, 7, 0, 0),
      inst(Opcode::MulPlain, 9, 8, 0, 0, 40),
      inst(Opcode::Rescale, 10, 9),        inst(Opcode::Add, 11, 10, 5),
      inst(Opcode::Rotate, 12, 11, 0, -3),
      inst(Opcode::MulConst, 13, 12, 0, 0, 3, 0),
      inst(Opcode::MulConst, 14, 13, 0, 0, 0.5, 30),
      inst(Opcode::Rescale, 15, 14),       inst(Opcode::AddConst, 16, 15, 0, 0, 0.25),
      inst(Opcode::Negate, 17, 16),        inst(Opcode::Sub, 18, 17, 16),
      inst(Opcode::LevelDown, 19, 2, 0, 1),
      inst(Opcode::SubPlain, 1, 19, 0, 0), // overwrites an input register
  };
  a.outputs = {tensor("out0", {8}, {18}, 1, 30),
               tensor("out1", {16}, {5, 6}, 2, 40),
               tensor("out2", {8}, {1}, 1, 40)};
  return a;
}

std::vector<std::vector<double>> makeInputs() {
  std::vector<double> x(16), y(8);
  for (size_t i = 0; i < x.size(); ++i) {
    x[i] = std::sin(0.7 * double(i) + 0.1);
  }
  for (size_t i = 0; i < y.size(); ++i) {
    y[i] = std::cos(1.3 * double(i));
  }
  return {x, y};
}

bool sameBits(const std::vector<std::vector<double>> &a,
              const std::vector<std::vector<double>> &b) {
  if (a.size() != b.size()) {
    return false;
  }
  for (size_t i = 0; i < a.size(); ++i) {
    if (a[i].size() != b[i].size() ||
        std::memcmp(a[i].data(), b[i].data(), a[i].size() * 8) != 0) {
      return false;
    }
  }
  return true;
}

std::vector<std::vector<double>> singleDevice(const Artifact &art,
                                              uint64_t seed = 5) {
  RunOptions options;
  options.seed = seed;
  RunReport report;
  return runArtifact(art, makeInputs(), options, report);
}

/// Rows of one full key-switching key: every digit over every modulus.
uint64_t keyRowsFull(const ckks::Context &ctx) {
  return dist::KeyRows::all(ctx).count();
}

} // namespace

TEST(DistRun, OutputsAreBitIdenticalToOneDevice) {
  Artifact art = makeArtifact();
  std::vector<std::vector<double>> want = singleDevice(art);
  // Sanity: the encrypted result is close to the plain one.
  RunOptions plainOptions;
  plainOptions.backend = ExecutionBackend::Plain;
  RunReport plainReport;
  auto plain = runArtifact(art, makeInputs(), plainOptions, plainReport);
  for (size_t i = 0; i < want.size(); ++i) {
    for (size_t j = 0; j < want[i].size(); ++j) {
      EXPECT_NEAR(want[i][j], plain[i][j], 1e-3) << "output " << i;
    }
  }
  for (int P : {1, 2, 3, 4, 8}) {
    for (KeySwitchAlgorithm alg : {KeySwitchAlgorithm::InputBroadcast,
                                   KeySwitchAlgorithm::OutputAggregation}) {
      std::string what = "P=" + std::to_string(P) + " " +
                         keySwitchAlgorithmName(alg);
      RunOptions options;
      options.seed = 5;
      options.devices = P;
      options.keySwitch = alg;
      RunReport report;
      auto got = runArtifact(art, makeInputs(), options, report);
      EXPECT_TRUE(sameBits(got, want)) << what;
      EXPECT_EQ(report.devices, P) << what;
      EXPECT_EQ(report.commBackend, "threads") << what;
      EXPECT_EQ(report.instructions, art.program.size()) << what;
      EXPECT_EQ(report.keySwitches, 4u) << what;
      ASSERT_EQ(report.deviceStats.size(), size_t(P)) << what;
      uint64_t sent = 0, received = 0;
      for (const comm::CommStatsSnapshot &s : report.deviceStats) {
        sent += s.total().bytesSent;
        received += s.total().bytesReceived;
        EXPECT_GT(s.of(comm::CollectiveKind::AllToAll).count, 0u) << what;
      }
      // Rank 0 holds limbs of every register (8 ranks leave others empty).
      EXPECT_GT(report.deviceStats[0].memoryHighWater, 0u) << what;
      // Every byte sent is received by another device.
      EXPECT_EQ(sent, received) << what;
      EXPECT_EQ(sent > 0, P > 1) << what;
    }
  }
}

// Each device keeps only the rows of the evaluation keys its key switches
// read (docs/Distributed.md, "Keys"); its memory accounting counts them.
// AEGIS_DISTRUN_SHOW=1 prints the key bytes per device.
TEST(DistRun, EachDeviceHoldsOnlyItsKeyRows) {
  Artifact art = makeArtifact();
  ckks::ContextPtr context = createArtifactContext(art, ExecutionBackend::Cpu);
  const ckks::Context &ctx = *context;
  const uint64_t numKeys = 1 + 3; // relinearization, rotations -3 and 1, conjugation
  const uint64_t rowBytes = uint64_t(2) * ctx.degree() * 8; // b and a
  const uint64_t full = numKeys * keyRowsFull(ctx) * rowBytes;
  const bool show = std::getenv("AEGIS_DISTRUN_SHOW") != nullptr;
  if (show) {
    std::printf("full key set: %llu bytes\n", (unsigned long long)full);
  }
  for (int P : {1, 2, 3, 4, 8}) {
    for (KeySwitchAlgorithm alg : {KeySwitchAlgorithm::InputBroadcast,
                                   KeySwitchAlgorithm::OutputAggregation}) {
      std::string what = "P=" + std::to_string(P) + " " +
                         keySwitchAlgorithmName(alg);
      RunOptions options;
      options.seed = 5;
      options.devices = P;
      options.keySwitch = alg;
      RunReport report;
      runArtifact(art, makeInputs(), options, report);
      ASSERT_EQ(report.deviceStats.size(), size_t(P)) << what;
      uint64_t total = 0;
      for (int r = 0; r < P; ++r) {
        dist::KeyRows rows =
            dist::KeyRows::forPlan(ctx, P, r, alg, /*inputs' level*/ 3);
        uint64_t mine = numKeys * rows.count() * rowBytes;
        total += mine;
        const comm::CommStatsSnapshot &s = report.deviceStats[r];
        // The keys are held from the start to the end of the run.
        EXPECT_GE(s.memoryInUse, mine) << what << " rank " << r;
        EXPECT_GE(s.memoryHighWater, mine) << what << " rank " << r;
        if (P > 1) {
          EXPECT_LT(mine, full) << what << " rank " << r;
        } else {
          EXPECT_EQ(mine, full) << what;
        }
        if (show) {
          std::printf("%s rank %d: key bytes %llu (%.1f%% of the full set), "
                      "high-water %llu\n",
                      what.c_str(), r, (unsigned long long)mine,
                      100.0 * double(mine) / double(full),
                      (unsigned long long)s.memoryHighWater);
        }
      }
      // Together the devices hold every row at least once.
      EXPECT_GE(total, full) << what;
    }
  }
}

TEST(DistRun, ClearErrors) {
  Artifact art = makeArtifact();
  RunOptions options;
  options.devices = 2;
  options.backend = ExecutionBackend::Plain;
  RunReport report;
  try {
    runArtifact(art, makeInputs(), options, report);
    FAIL() << "plain with devices ran";
  } catch (const Error &e) {
    EXPECT_NE(std::string(e.what()).find("cpu backend only"),
              std::string::npos)
        << e.what();
  }
  options.backend = ExecutionBackend::Cpu;
  options.devices = -1;
  EXPECT_THROW(runArtifact(art, makeInputs(), options, report), Error);
  options.devices = 2;
  options.comm = comm::BackendKind::Mpi;
  EXPECT_THROW(runArtifact(art, makeInputs(), options, report), Error);
}

//===----------------------------------------------------------------------===//
// aegis-run
//===----------------------------------------------------------------------===//

namespace {

struct CliDir {
  std::string dir;
  CliDir() {
    char templ[] = "/tmp/aegis-distrun-XXXXXX";
    dir = mkdtemp(templ);
    writeArtifact(dir + "/art.aegis", makeArtifact());
    auto inputs = makeInputs();
    std::string error;
    EXPECT_TRUE(writeNpy(dir + "/x.npy", {NpyType::Float64, {16}, inputs[0]},
                         error))
        << error;
    EXPECT_TRUE(writeNpy(dir + "/y.npy", {NpyType::Float64, {8}, inputs[1]},
                         error))
        << error;
  }
  ~CliDir() { std::system(("rm -rf " + dir).c_str()); }
  /// aegis-run on the artifact with `flags`; stdout+stderr in `out`.
  int run(const std::string &flags, std::string &out,
          const std::string &launcher = "") const {
    std::string cmd = "cd " + dir + " && " + launcher + " " AEGIS_RUN_PATH
                      " art.aegis --input x.npy --input y.npy --seed 9 " +
                      flags + " > log.txt 2>&1";
    int status = std::system(cmd.c_str());
    out = read("log.txt");
    if (std::getenv("AEGIS_DISTRUN_SHOW")) { // to see the accounting
      std::printf("$ aegis-run %s\n%s", flags.c_str(), out.c_str());
    }
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }
  std::string read(const std::string &name) const {
    std::ifstream in(dir + "/" + name, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
  }
  std::string outputs(const std::string &prefix) const {
    return "--output " + prefix + "0.npy --output " + prefix +
           "1.npy --output " + prefix + "2.npy";
  }
  void expectSameFiles(const std::string &a, const std::string &b,
                       const std::string &what) const {
    for (int i = 0; i < 3; ++i) {
      std::string fa = read(a + std::to_string(i) + ".npy");
      EXPECT_FALSE(fa.empty()) << what;
      EXPECT_EQ(fa, read(b + std::to_string(i) + ".npy"))
          << what << ": output " << i << " differs";
    }
  }
};

} // namespace

TEST(DistRunCli, DevicesGiveTheSameNpyBytes) {
  CliDir d;
  std::string log;
  ASSERT_EQ(d.run(d.outputs("one"), log), 0) << log;
  for (int P : {1, 2, 3, 4, 8}) {
    for (const char *ks : {"broadcast", "aggregate"}) {
      std::string what = "--devices=" + std::to_string(P) + " " + ks;
      std::string prefix = "p" + std::to_string(P) + ks;
      ASSERT_EQ(d.run("--devices=" + std::to_string(P) + " --keyswitch=" + ks +
                          " --report r.json " + d.outputs(prefix),
                      log),
                0)
          << what << "\n"
          << log;
      d.expectSameFiles("one", prefix, what);
      EXPECT_NE(log.find(std::to_string(P) + " device"), std::string::npos)
          << log;
      EXPECT_NE(log.find("bytes sent"), std::string::npos) << log;
      std::string json = d.read("r.json");
      EXPECT_NE(json.find("\"devices\": " + std::to_string(P)),
                std::string::npos)
          << json;
      EXPECT_NE(json.find("\"memory_high_water_bytes\""), std::string::npos)
          << json;
      EXPECT_NE(json.find(std::string("\"keyswitch\": \"") + ks + "\""),
                std::string::npos)
          << json;
    }
  }
}

TEST(DistRunCli, DeviceErrors) {
  CliDir d;
  std::string log;
  EXPECT_NE(d.run("--devices=0", log), 0);
  EXPECT_NE(log.find("aegis-run: error: --devices must be at least 1"),
            std::string::npos)
      << log;
  EXPECT_NE(d.run("--devices=abc", log), 0);
  EXPECT_NE(log.find("aegis-run: error: --devices expects a non-negative "
                     "integer, got 'abc'"),
            std::string::npos)
      << log;
  EXPECT_NE(d.run("--devices=2 --backend=plain", log), 0);
  EXPECT_NE(log.find("aegis-run: error: --devices needs --backend=cpu"),
            std::string::npos)
      << log;
  EXPECT_NE(d.run("--devices=2 --keyswitch=magic", log), 0);
  EXPECT_NE(log.find("aegis-run: error: unknown key-switch algorithm 'magic' "
                     "(expected broadcast or aggregate)"),
            std::string::npos)
      << log;
  EXPECT_NE(d.run("--devices=2 --comm=smoke", log), 0);
  EXPECT_NE(log.find("aegis-run: error: unknown communicator 'smoke' "
                     "(expected threads or mpi)"),
            std::string::npos)
      << log;
}

#ifdef AEGIS_MPIEXEC
TEST(DistRunMpi, MpirunGivesTheSameNpyBytes) {
  if (!std::getenv("AEGIS_TEST_MPI")) {
    GTEST_SKIP() << "run by the DistRunMpi ctest entry (label mpi)";
  }
  CliDir d;
  std::string log;
  ASSERT_EQ(d.run(d.outputs("one"), log), 0) << log;
  const std::string mpirun =
      std::string(AEGIS_MPIEXEC) + " --allow-run-as-root --oversubscribe -np ";
  for (int np : {2, 4}) {
    for (const char *ks : {"broadcast", "aggregate"}) {
      std::string what = "mpirun -np " + std::to_string(np) + " " + ks;
      std::string prefix = "mpi" + std::to_string(np) + ks;
      ASSERT_EQ(d.run(std::string("--keyswitch=") + ks + " --report r.json " +
                          d.outputs(prefix),
                      log, mpirun + std::to_string(np)),
                0)
          << what << "\n"
          << log;
      d.expectSameFiles("one", prefix, what);
      EXPECT_NE(log.find("mpi communicator"), std::string::npos) << log;
      std::string json = d.read("r.json");
      EXPECT_NE(json.find("\"devices\": " + std::to_string(np)),
                std::string::npos)
          << json;
    }
  }
  // --devices must match the job size.
  EXPECT_NE(d.run("--devices=4", log, mpirun + "2"), 0);
  EXPECT_NE(log.find("--devices=4 but mpirun started 2 processes"),
            std::string::npos)
      << log;
}
#endif
