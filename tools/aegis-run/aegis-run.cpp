//===- aegis-run.cpp - runs compiled aegis artifacts ----------------------===//
//
// A thin command line over the runtime API; it links no MLIR or LLVM.
//
//===----------------------------------------------------------------------===//

#include "aegis/Runtime/Artifact/Artifact.h"
#include "aegis/Runtime/Artifact/ClientProgram.h"
#include "aegis/Runtime/Artifact/Executor.h"
#include "aegis/Runtime/CUDA/DeviceInfo.h"
#include "aegis/Runtime/Comm/CommStats.h"
#include "aegis/Runtime/Comm/Factory.h"
#include "aegis/Runtime/Comm/JsonWriter.h"
#include "aegis/Runtime/Comm/MpiCommunicator.h"
#include "aegis/Runtime/Support/Error.h"
#include "aegis/Runtime/Support/ThreadPool.h"
#include "aegis/Runtime/Support/Version.h"
#include "aegis/Support/Npy.h"

#include "Output.h"
#include "Subcommands.h"

#include <unistd.h>

#include <cmath>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

namespace {

using aegis::runtool::Comparison;
using aegis::runtool::shapeString;
using aegis::runtool::writeAndCompareOutputs;
using aegis::runtool::writeTimesJson;

void printUsage(std::FILE *out) {
  std::fprintf(
      out,
      "usage: aegis-run ARTIFACT --input X.npy [--input ...] [options]\n"
      "       aegis-run keygen|encrypt|eval|decrypt ARTIFACT ... (below)\n"
      "       aegis-run --version | --help | --list-devices | --gpu-self-test\n"
      "\n"
      "Runs a compiled aegis artifact in one shot: key generation,\n"
      "encryption of the inputs, encrypted evaluation, decryption.\n"
      "\n"
      "options:\n"
      "  --input FILE.npy       an input, in the artifact's input order\n"
      "  --output FILE.npy      where to write an output (float64), in order\n"
      "  --reference FILE.npy   compare an output with this array: max abs\n"
      "                         and relative errors\n"
      "  --backend=cpu|plain|cuda\n"
      "                         cpu (default): encrypted on the CPU backend;\n"
      "                         plain: the same program on cleartext slots\n"
      "                         (approximation error only, no noise);\n"
      "                         cuda: encrypted on the GPU\n"
      "  --threads N            CPU threads (default: AEGIS_NUM_THREADS or all)\n"
      "  --devices N            run on N devices (limb-partitioned ciphertexts,\n"
      "                         docs/Distributed.md); one thread rank each, or\n"
      "                         one process each under mpirun (then N must be\n"
      "                         the job size); outputs equal the 1-device run's\n"
      "  --keyswitch=broadcast|aggregate\n"
      "                         distributed key switching: input broadcast\n"
      "                         (default) or output aggregation\n"
      "  --comm=threads|mpi     communicator (default: mpi under mpirun,\n"
      "                         else threads)\n"
      "  --seed N               seed of keys and encryption randomness (1)\n"
      "  --report FILE.json     write times, counts, memory and errors\n"
      "  --no-progress          no progress display on a terminal\n"
      "  --flood-bits B         noise flooding at decryption (IND-CPA-D):\n"
      "                         Gaussian noise of std 2^B per coefficient\n"
      "                         (docs/Artifacts.md: costs precision)\n"
      "  --allow-out-of-range   encrypt inputs outside the artifact's\n"
      "                         calibrated ranges (warns; by default refused)\n"
      "  --help, --version, --list-devices, --gpu-self-test\n");
  aegis::runtool::printSubcommandUsage(out);
}

int listDevices() {
  std::printf("cuda backend: %s\n",
              aegis::cuda::isCompiledWithCuda() ? "compiled in" : "not built");
  std::string error;
  auto devices = aegis::cuda::listDevices(&error);
  if (devices.empty()) {
    std::printf("no CUDA device%s%s\n", error.empty() ? "" : ": ",
                error.c_str());
    return 1;
  }
  for (const auto &d : devices)
    std::printf("cuda device %d: %s, sm_%d%d, %.1f GiB, %d SMs\n", d.index,
                d.name.c_str(), d.computeMajor, d.computeMinor,
                d.globalMemoryBytes / (1024.0 * 1024.0 * 1024.0),
                d.multiprocessors);
  return 0;
}

int gpuSelfTest() {
  std::string error;
  auto devices = aegis::cuda::listDevices(&error);
  if (devices.empty()) {
    std::fprintf(stderr, "aegis-run: error: no CUDA device to test%s%s\n",
                 error.empty() ? "" : ": ", error.c_str());
    return 1;
  }
  int failures = 0;
  for (const auto &d : devices) {
    std::string result = aegis::cuda::selfTest(d.index);
    if (result.empty()) {
      std::printf("cuda device %d: self test passed\n", d.index);
    } else {
      std::printf("cuda device %d: self test FAILED: %s\n", d.index,
                  result.c_str());
      ++failures;
    }
  }
  return failures == 0 ? 0 : 1;
}

struct Options {
  std::string artifact;
  std::vector<std::string> inputs, outputs, references;
  std::string report;
  aegis::RunOptions run;
  unsigned threads = 0;
  bool progress = true;
  /// --devices given (0: not given); --comm given explicitly.
  unsigned devices = 0;
  /// Encrypt inputs outside the calibrated ranges (with a warning).
  bool allowOutOfRange = false;
  bool commGiven = false;
};

/// Parses the command line; returns -1 to continue, else an exit code.
int parseArgs(int argc, char **argv, Options &o) {
  auto value = [&](int &i, const char *flag, std::string &out) {
    std::string arg = argv[i];
    std::string prefix = std::string(flag) + "=";
    if (arg.rfind(prefix, 0) == 0) {
      out = arg.substr(prefix.size());
      return true;
    }
    if (arg == flag) {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "aegis-run: error: %s needs a value\n", flag);
        std::exit(2);
      }
      out = argv[++i];
      return true;
    }
    return false;
  };
  auto number = [&](const std::string &text, const char *flag,
                    unsigned long long max = ~0ull) {
    char *end = nullptr;
    errno = 0;
    unsigned long long v = std::strtoull(text.c_str(), &end, 10);
    if (text.empty() || *end != '\0' || text[0] == '-') {
      std::fprintf(stderr,
                   "aegis-run: error: %s expects a non-negative integer, "
                   "got '%s'\n",
                   flag, text.c_str());
      std::exit(2);
    }
    if (errno == ERANGE || v > max) {
      std::fprintf(stderr, "aegis-run: error: %s=%s is too large (at most %llu)\n",
                   flag, text.c_str(), max);
      std::exit(2);
    }
    return v;
  };
  if (argc < 2) {
    printUsage(stderr);
    return 2;
  }
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i], v;
    if (arg == "--help" || arg == "-h") {
      printUsage(stdout);
      return 0;
    }
    if (arg == "--version") {
      std::printf("%s\n", aegis::getVersionLine().c_str());
      return 0;
    }
    if (arg == "--list-devices")
      return listDevices();
    if (arg == "--gpu-self-test")
      return gpuSelfTest();
    if (arg == "--no-progress") {
      o.progress = false;
    } else if (arg == "--allow-out-of-range") {
      o.allowOutOfRange = true;
    } else if (value(i, "--flood-bits", v)) {
      o.run.floodBits = aegis::runtool::floodBits(v);
    } else if (value(i, "--input", v)) {
      o.inputs.push_back(v);
    } else if (value(i, "--output", v)) {
      o.outputs.push_back(v);
    } else if (value(i, "--reference", v)) {
      o.references.push_back(v);
    } else if (value(i, "--report", v)) {
      o.report = v;
    } else if (value(i, "--backend", v)) {
      if (!aegis::parseExecutionBackend(v, o.run.backend)) {
        std::fprintf(stderr,
                     "aegis-run: error: unknown backend '%s' (expected cpu, "
                     "plain or cuda)\n",
                     v.c_str());
        return 2;
      }
    } else if (value(i, "--seed", v)) {
      o.run.seed = number(v, "--seed");
    } else if (value(i, "--threads", v)) {
      o.threads = unsigned(number(v, "--threads", 4096));
      if (o.threads == 0) {
        std::fprintf(stderr, "aegis-run: error: --threads must be at least 1\n");
        return 2;
      }
    } else if (value(i, "--devices", v)) {
      o.devices = unsigned(number(v, "--devices", 4096));
      if (o.devices == 0) {
        std::fprintf(stderr, "aegis-run: error: --devices must be at least 1\n");
        return 2;
      }
    } else if (value(i, "--keyswitch", v)) {
      if (!aegis::parseKeySwitchAlgorithm(v, o.run.keySwitch)) {
        std::fprintf(stderr,
                     "aegis-run: error: unknown key-switch algorithm '%s' "
                     "(expected broadcast or aggregate)\n",
                     v.c_str());
        return 2;
      }
    } else if (value(i, "--comm", v)) {
      if (v == "threads") {
        o.run.comm = aegis::comm::BackendKind::Threads;
      } else if (v == "mpi") {
        o.run.comm = aegis::comm::BackendKind::Mpi;
      } else {
        std::fprintf(stderr,
                     "aegis-run: error: unknown communicator '%s' (expected "
                     "threads or mpi)\n",
                     v.c_str());
        return 2;
      }
      o.commGiven = true;
    } else if (arg.rfind("-", 0) == 0) {
      std::fprintf(stderr,
                   "aegis-run: error: unknown argument '%s' (see --help)\n",
                   arg.c_str());
      return 2;
    } else if (o.artifact.empty()) {
      o.artifact = arg;
    } else {
      std::fprintf(stderr,
                   "aegis-run: error: unexpected argument '%s' (one artifact "
                   "only; see --help)\n",
                   arg.c_str());
      return 2;
    }
  }
  if (o.artifact.empty()) {
    std::fprintf(stderr, "aegis-run: error: no artifact given (see --help)\n");
    return 2;
  }
  int jobSize = aegis::runtool::mpirunSize();
  if (!o.commGiven && jobSize > 0) {
    o.run.comm = aegis::comm::BackendKind::Mpi;
  }
  bool mpi = o.run.comm == aegis::comm::BackendKind::Mpi;
  if ((o.devices || mpi) && o.run.backend != aegis::ExecutionBackend::Cpu) {
    std::fprintf(stderr,
                 "aegis-run: error: --devices needs --backend=cpu (plain runs "
                 "on one device; cuda devices need the NCCL communicator, not "
                 "wired into aegis-run yet)\n");
    return 2;
  }
  if (mpi && !aegis::comm::isBackendAvailable(aegis::comm::BackendKind::Mpi)) {
    std::fprintf(stderr, "aegis-run: error: --comm=mpi: this aegis-run was "
                         "built without MPI\n");
    return 2;
  }
  if (mpi && o.devices && jobSize > 0 && int(o.devices) != jobSize) {
    std::fprintf(stderr,
                 "aegis-run: error: --devices=%u but mpirun started %d "
                 "processes (one device per process)\n",
                 o.devices, jobSize);
    return 2;
  }
  if (!mpi) {
    o.run.devices = int(o.devices);
  }
  return -1;
}

int run(Options &o) {
  if (o.threads)
    aegis::setNumThreads(o.threads);
  aegis::Artifact artifact = aegis::readArtifact(o.artifact);
  aegis::runtool::warnIfInsecure(artifact, "");
  if (o.inputs.size() != aegis::modelInputCount(artifact))
    aegis::fail("the artifact takes ", aegis::modelInputCount(artifact),
                " input(s) (--input), ", o.inputs.size(), " given");
  if (!o.outputs.empty() && o.outputs.size() != artifact.outputs.size())
    aegis::fail("the artifact has ", artifact.outputs.size(),
                " output(s), ", o.outputs.size(), " --output given");
  if (!o.references.empty() && o.references.size() != artifact.outputs.size())
    aegis::fail("the artifact has ", artifact.outputs.size(),
                " output(s), ", o.references.size(), " --reference given");
  // The model's inputs, through the client program when there is one.
  std::vector<std::vector<double>> inputs =
      aegis::prepareInputs(artifact, o.inputs);
  aegis::runtool::guardInputRanges(artifact, inputs, o.allowOutOfRange, "");
  if (o.progress && isatty(STDERR_FILENO))
    o.run.progress = [](size_t done, size_t total) {
      if (done == total || done % 64 == 0)
        std::fprintf(stderr, "\raegis-run: %zu/%zu instructions%s", done,
                     total, done == total ? "\n" : "");
    };
  aegis::RunReport report;
  auto outputs = aegis::runArtifact(artifact, inputs, o.run, report);
  if (o.run.communicator && o.run.communicator->rank() != 0)
    return 0; // rank 0 decrypts, prints and writes the files

  std::printf("aegis-run: %s backend, %zu instructions, %zu key switches, "
              "%zu rotation keys%s\n",
              aegis::executionBackendName(o.run.backend), report.instructions,
              report.keySwitches, report.rotationKeys,
              artifact.params.insecure ? " (INSECURE test parameters)" : "");
  for (const auto &s : report.stages)
    std::printf("  %-18s %10.3f s\n", s.stage.c_str(), s.seconds);
  std::printf("  peak memory        %10.1f MiB\n",
              report.peakMemoryBytes / (1024.0 * 1024.0));
  aegis::runtool::printFlooding(artifact, o.run.floodBits);
  if (!report.perRegion.empty()) {
    std::printf("  time per layer:\n");
    for (const auto &r : report.perRegion)
      std::printf("    %-24s %10.3f s\n", r.stage.c_str(), r.seconds);
  }
  if (!report.deviceStats.empty()) {
    std::printf("%d device%s (%s communicator, %s key switching)\n",
                report.devices, report.devices == 1 ? "" : "s",
                report.commBackend.c_str(),
                aegis::keySwitchAlgorithmName(report.keySwitch));
    std::printf("%s", aegis::comm::formatStatsText(report.deviceStats,
                                                   report.commBackend)
                          .c_str());
  }

  std::vector<Comparison> comparisons;
  bool ok = writeAndCompareOutputs(artifact, outputs, o.outputs, o.references,
                                   comparisons);

  if (!o.report.empty()) {
    std::ofstream out(o.report);
    if (!out)
      aegis::fail(o.report, ": cannot open for writing");
    out << "{\n  \"aegis\": " << aegis::JsonWriter::quote(aegis::getVersionLine())
        << ",\n  \"artifact\": " << aegis::JsonWriter::quote(o.artifact)
        << ",\n  \"backend\": "
        << aegis::JsonWriter::quote(aegis::executionBackendName(o.run.backend))
        << ",\n  \"insecure_parameters\": "
        << (artifact.params.insecure ? "true" : "false")
        << ",\n  \"instructions\": " << report.instructions
        << ",\n  \"key_switches\": " << report.keySwitches
        << ",\n  \"rotation_keys\": " << report.rotationKeys
        << ",\n  \"peak_memory_bytes\": " << report.peakMemoryBytes
        << ",\n  \"devices\": " << report.devices;
    if (!report.deviceStats.empty())
      out << ",\n  \"communicator\": " << aegis::JsonWriter::quote(report.commBackend)
          << ",\n  \"keyswitch\": "
          << aegis::JsonWriter::quote(aegis::keySwitchAlgorithmName(report.keySwitch))
          << ",\n  \"communication\": "
          << aegis::comm::statsToJson(report.deviceStats, report.commBackend);
    writeTimesJson(out, report);
    out << ",\n  \"outputs\": [";
    for (size_t i = 0; i < comparisons.size(); ++i)
      out << (i ? ", " : "") << "{\"name\": " << aegis::JsonWriter::quote(comparisons[i].name)
          << ", \"reference\": " << aegis::JsonWriter::quote(comparisons[i].reference)
          << ", \"max_abs_error\": " << comparisons[i].maxAbs
          << ", \"max_rel_error\": " << comparisons[i].maxRel << "}";
    out << "]\n}\n";
  }
  if (!ok) {
    std::fprintf(stderr, "aegis-run: error: non-finite outputs\n");
    return 1;
  }
  return 0;
}

} // namespace

int main(int argc, char **argv) {
  if (argc >= 2 && aegis::runtool::isSubcommand(argv[1]))
    return aegis::runtool::runSubcommand(argc, argv);
  Options options;
  int code = parseArgs(argc, argv, options);
  if (code >= 0)
    return code;
  if (options.run.comm == aegis::comm::BackendKind::Mpi) {
#if AEGIS_COMM_HAVE_MPI
    // One device per process: every rank runs; a failing rank's message is
    // printed by every rank and the job ends (runOnMpiWorld).
    int result = 0;
    int status = aegis::comm::runOnMpiWorld(
        &argc, &argv, [&](aegis::comm::Communicator &comm) {
          if (options.devices && int(options.devices) != comm.size())
            aegis::fail("--devices=", options.devices, " but mpirun started ",
                        comm.size(), " processes (one device per process)");
          options.run.communicator = &comm;
          result = run(options);
        });
    return status != 0 ? status : result;
#endif
  }
  try {
    return run(options);
  } catch (const std::exception &e) {
    std::fprintf(stderr, "aegis-run: error: %s\n", e.what());
    return 1;
  }
}
