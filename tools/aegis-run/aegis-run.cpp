//===- aegis-run.cpp - runs compiled aegis artifacts ----------------------===//
//
// A thin command line over the runtime API; it links no MLIR or LLVM.
//
//===----------------------------------------------------------------------===//

#include "aegis/Runtime/Artifact/Artifact.h"
#include "aegis/Runtime/Artifact/ClientProgram.h"
#include "aegis/Runtime/Artifact/Executor.h"
#include "aegis/Runtime/Artifact/Trace.h"
#include "aegis/Runtime/CUDA/DeviceInfo.h"
#include "aegis/Runtime/Comm/CommStats.h"
#include "aegis/Runtime/Comm/Factory.h"
#include "aegis/Runtime/Comm/MpiCommunicator.h"
#include "aegis/Runtime/Support/Error.h"
#include "aegis/Runtime/Support/ThreadPool.h"
#include "aegis/Runtime/Support/Version.h"
#include "aegis/Support/Npy.h"

#include "CommandLine.h"
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
  std::string trace;
  aegis::RunOptions run;
  unsigned threads = 0;
  bool progress = true;
  /// --devices given (0: not given); --comm given explicitly.
  unsigned devices = 0;
  /// Encrypt inputs outside the calibrated ranges (with a warning).
  bool allowOutOfRange = false;
  bool commGiven = false;
};

/// Declares one-shot mode's options on `app` (the subcommands have theirs).
void addOneShotOptions(CLI::App &app) {
  using aegis::runtool::addSwitch;
  using aegis::runtool::addValue;
  aegis::runtool::addArtifact(app, "the compiled artifact (.aegis)");
  addValue(app, "--input", "X.npy",
           "an input, in the artifact's input order (repeat per input)",
           /*repeated=*/true);
  addValue(app, "--output", "Y.npy",
           "where to write an output (float64), in order", true);
  addValue(app, "--reference", "R.npy",
           "compare an output with this array: max abs and relative errors",
           true);
  addValue(app, "--backend", "cpu|plain|cuda",
           "cpu (default): encrypted on the CPU backend; plain: the same "
           "program on cleartext slots (approximation error only, no "
           "noise); cuda: encrypted on the GPU");
  addValue(app, "--threads", "N",
           "CPU threads (default: AEGIS_NUM_THREADS or all cores)");
  addValue(app, "--devices", "N",
           "run on N devices (limb-partitioned ciphertexts, "
           "docs/Distributed.md): one thread rank each, or one process each "
           "under mpirun (then N must be the job size); outputs equal the "
           "1-device run's");
  addValue(app, "--keyswitch", "broadcast|aggregate",
           "distributed key switching: input broadcast (default) or output "
           "aggregation");
  addValue(app, "--comm", "threads|mpi",
           "communicator (default: mpi under mpirun, else threads)");
  addValue(app, "--seed", "N",
           "seed of keys and encryption randomness (default 1)");
  addValue(app, "--report", "FILE.json",
           "write times, counts, memory and errors as JSON");
  addValue(app, "--trace", "FILE.json",
           "write a timeline of every device's instructions and transfers "
           "(Chrome trace format: chrome://tracing, ui.perfetto.dev; under "
           "mpirun rank N > 0 writes FILE.json.rankN)");
  addSwitch(app, "--no-progress", "no progress display on a terminal");
  addSwitch(app, "--compact-keys", aegis::runtool::kCompactKeysHelp);
  addValue(app, "--flood-bits", "B",
           "noise flooding at decryption (IND-CPA-D): Gaussian noise of std "
           "2^B per coefficient (docs/Artifacts.md: costs precision)");
  addSwitch(app, "--allow-out-of-range",
            "encrypt inputs outside the artifact's calibrated ranges (warns; "
            "by default refused)");
  addSwitch(app, "--list-devices", "list the CUDA devices and exit");
  addSwitch(app, "--gpu-self-test", "run each CUDA device's self test and exit");
}

/// Fills one-shot options from what `app` parsed; returns -1 to continue,
/// else an exit code (usage errors: 2).
int parseOneShot(const CLI::App &app, Options &o) {
  using aegis::runtool::UsageError;
  aegis::runtool::ParsedArgs a;
  try {
    a = aegis::runtool::collect(app, "");
    o.artifact = a.artifact;
    o.inputs = a.all("--input");
    o.outputs = a.all("--output");
    o.references = a.all("--reference");
    o.report = a.one("--report");
    if (a.has("--trace"))
      o.trace = a.one("--trace");
    o.progress = !a.on("--no-progress");
    o.allowOutOfRange = a.on("--allow-out-of-range");
    o.run.compactKeys = a.on("--compact-keys");
    if (a.has("--flood-bits"))
      o.run.floodBits = aegis::runtool::floodBits(a.one("--flood-bits"));
    if (a.has("--backend") &&
        !aegis::parseExecutionBackend(a.one("--backend"), o.run.backend))
      throw UsageError{"unknown backend '" + a.one("--backend") +
                       "' (expected cpu, plain or cuda)"};
    if (a.has("--seed"))
      o.run.seed = aegis::runtool::parseNumber(a.one("--seed"), "--seed");
    if (a.has("--threads")) {
      o.threads = unsigned(
          aegis::runtool::parseNumber(a.one("--threads"), "--threads", 4096));
      if (o.threads == 0)
        throw UsageError{"--threads must be at least 1"};
    }
    if (a.has("--devices")) {
      o.devices = unsigned(
          aegis::runtool::parseNumber(a.one("--devices"), "--devices", 4096));
      if (o.devices == 0)
        throw UsageError{"--devices must be at least 1"};
    }
    if (a.has("--keyswitch") &&
        !aegis::parseKeySwitchAlgorithm(a.one("--keyswitch"), o.run.keySwitch))
      throw UsageError{"unknown key-switch algorithm '" + a.one("--keyswitch") +
                       "' (expected broadcast or aggregate)"};
    if (a.has("--comm")) {
      std::string v = a.one("--comm");
      if (v == "threads")
        o.run.comm = aegis::comm::BackendKind::Threads;
      else if (v == "mpi")
        o.run.comm = aegis::comm::BackendKind::Mpi;
      else
        throw UsageError{"unknown communicator '" + v +
                         "' (expected threads or mpi)"};
      o.commGiven = true;
    }
  } catch (const UsageError &e) {
    std::fprintf(stderr, "aegis-run: error: %s\n", e.message.c_str());
    return 2;
  } catch (const std::exception &e) { // floodBits
    std::fprintf(stderr, "aegis-run: error: %s\n", e.what());
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
  aegis::Trace trace;
  std::ofstream traceFile;
  std::string tracePath = o.trace;
  if (!o.trace.empty()) {
    // Opened before the run: a path that cannot be written fails at once.
    if (o.run.communicator && o.run.communicator->rank() != 0)
      tracePath += ".rank" + std::to_string(o.run.communicator->rank());
    traceFile.open(tracePath, std::ios::binary);
    if (!traceFile)
      aegis::fail("cannot write the trace to '", tracePath, "'");
    o.run.trace = &trace;
  }
  auto outputs = aegis::runArtifact(artifact, inputs, o.run, report);
  if (!o.trace.empty()) {
    traceFile << trace.toJson() << "\n";
    traceFile.close();
    if (!traceFile)
      aegis::fail("cannot write the trace to '", tracePath, "'");
  }
  if (o.run.communicator && o.run.communicator->rank() != 0)
    return 0; // rank 0 decrypts, prints and writes the files

  std::printf("aegis-run: %s backend, %zu instructions, %zu key switches, "
              "%zu rotation keys%s%s\n",
              aegis::executionBackendName(o.run.backend), report.instructions,
              report.keySwitches, report.rotationKeys,
              aegis::runtool::bootstrapSummary(artifact).c_str(),
              artifact.params.insecure ? " (INSECURE test parameters)" : "");
  for (const auto &s : report.stages)
    std::printf("  %-18s %10.3f s\n", s.stage.c_str(), s.seconds);
  std::printf("  peak memory        %10.1f MiB\n",
              report.peakMemoryBytes / (1024.0 * 1024.0));
  aegis::runtool::printKeyMemory(report);
  aegis::runtool::printFlooding(artifact, o.run.floodBits);
  if (!report.perRegion.empty()) {
    std::printf("  time per layer:\n");
    for (const auto &r : report.perRegion)
      std::printf("    %-24s %10.3f s\n", r.stage.c_str(), r.seconds);
  }
  if (!report.deviceStats.empty()) {
    if (report.placed && artifact.groupSize > 1)
      std::printf("%d devices (%s communicator), the artifact's own device "
                  "programs: %zu groups of %u devices, each splitting its "
                  "ciphertexts by limbs (limb shares moved between groups)\n",
                  report.devices, report.commBackend.c_str(),
                  artifact.devicePrograms.size(), artifact.groupSize);
    else if (report.placed)
      std::printf("%d devices (%s communicator), the artifact's own device "
                  "programs (whole ciphertexts moved between devices)\n",
                  report.devices, report.commBackend.c_str());
    else
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
    nlohmann::ordered_json json = {
        {"aegis", aegis::getVersionLine()},
        {"artifact", o.artifact},
        {"backend", aegis::executionBackendName(o.run.backend)},
        {"insecure_parameters", bool(artifact.params.insecure)},
        {"instructions", report.instructions},
        {"key_switches", report.keySwitches},
        {"rotation_keys", report.rotationKeys},
        {"program_key_bytes", report.programKeyBytes},
        {"bootstrap_key_bytes", report.bootstrapKeyBytes},
        {"peak_memory_bytes", report.peakMemoryBytes},
        {"devices", report.devices}};
    if (!report.deviceStats.empty()) {
      json["communicator"] = report.commBackend;
      json["keyswitch"] = aegis::keySwitchAlgorithmName(report.keySwitch);
      json["placed"] = report.placed;
      json["communication"] =
          aegis::comm::statsJson(report.deviceStats, report.commBackend);
    }
    aegis::runtool::addTimesJson(json, report);
    nlohmann::ordered_json list = nlohmann::ordered_json::array();
    for (const Comparison &c : comparisons)
      list.push_back({{"name", c.name},
                      {"reference", c.reference},
                      {"max_abs_error", c.maxAbs},
                      {"max_rel_error", c.maxRel}});
    json["outputs"] = list;
    aegis::runtool::writeJsonFile(o.report, json);
  }
  if (!ok) {
    std::fprintf(stderr, "aegis-run: error: non-finite outputs\n");
    return 1;
  }
  return 0;
}

} // namespace

int main(int argc, char **argv) {
  CLI::App app{"Runs a compiled aegis artifact. One-shot mode (no "
               "subcommand): key generation, encryption of the inputs, "
               "encrypted evaluation, decryption, in one process. The "
               "subcommands split these between a client (keygen, encrypt, "
               "decrypt) and a server (eval), moving keys and ciphertexts "
               "through files; eval never reads a secret key.",
               "aegis-run"};
  app.allow_extras();
  app.set_version_flag("--version", aegis::getVersionLine(),
                       "print aegis's version and commit, then exit");
  app.require_subcommand(0, 1);
  app.footer("Without --seed, keygen and encrypt draw fresh OS randomness; "
             "with the same --seed they reproduce one-shot mode exactly.\n"
             "'aegis-run SUBCOMMAND --help' shows each subcommand's options.");
  addOneShotOptions(app);
  aegis::runtool::addSubcommands(app);
  if (argc < 2) {
    std::fprintf(stderr, "%s", app.help().c_str());
    return 2;
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError &e) {
    if (e.get_exit_code() == 0)
      return app.exit(e); // --help, --version
    std::string prefix = aegis::runtool::isSubcommand(argv[1])
                             ? std::string("aegis-run ") + argv[1]
                             : std::string("aegis-run");
    std::fprintf(stderr, "%s: error: %s\n", prefix.c_str(),
                 aegis::runtool::describeParseError(e).c_str());
    return 2;
  }
  int code = aegis::runtool::runParsedSubcommand(app);
  if (code >= 0)
    return code;
  if (app.count("--list-devices"))
    return listDevices();
  if (app.count("--gpu-self-test"))
    return gpuSelfTest();
  Options options;
  code = parseOneShot(app, options);
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
