//===- Subcommands.cpp - aegis-run's client/server subcommands ------------===//
//
//   keygen  ARTIFACT --secret-key SK --eval-keys EK [--public-key PK] [--seed N]
//   encrypt ARTIFACT (--secret-key SK | --public-key PK) --input X.npy ...
//           --ciphertexts IN [--seed N] [--compact]
//   eval    ARTIFACT --eval-keys EK --ciphertexts IN --output-ciphertexts OUT
//           [--backend=cpu|cuda] [--report R.json] [--threads N]
//   decrypt ARTIFACT --secret-key SK --ciphertexts OUT [--output Y.npy ...]
//           [--reference R.npy ...]
//
// eval is the server's side: it opens only the artifact, the evaluation keys
// and the input ciphertexts.
//
//===----------------------------------------------------------------------===//

#include "Subcommands.h"

#include "CommandLine.h"
#include "Output.h"

#include "aegis/Runtime/Artifact/Artifact.h"
#include "aegis/Runtime/Artifact/ClientProgram.h"
#include "aegis/Runtime/Artifact/Executor.h"
#include "aegis/Runtime/Artifact/Session.h"
#include "aegis/Runtime/Support/Error.h"
#include "aegis/Runtime/Support/Prng.h"
#include "aegis/Runtime/Support/ThreadPool.h"
#include "aegis/Runtime/Support/Version.h"
#include "aegis/Support/Npy.h"

#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <set>
#include <string>
#include <vector>

namespace aegis {
namespace runtool {

namespace {

using Clock = std::chrono::steady_clock;

double secondsSince(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

using Args = ParsedArgs;

/// CLI11 already insists on required flags; this keeps the functions below
/// honest if one is ever declared optional.
std::string required(const Args &a, const std::string &flag) {
  if (!a.has(flag))
    throw UsageError{a.command + " needs " + flag + " (see --help)"};
  return a.one(flag);
}

uint64_t number(const std::string &text, const char *flag,
                uint64_t max = ~uint64_t(0)) {
  return parseNumber(text, flag, max);
}

void applyThreads(const Args &a) {
  if (!a.has("--threads"))
    return;
  uint64_t n = number(a.one("--threads"), "--threads", 4096);
  if (n == 0)
    throw UsageError{"--threads must be at least 1"};
  setNumThreads(unsigned(n));
}

/// --seed N: the reproducible seed one-shot mode derives from N for `label`
/// (1: keys, 2: encryption); without --seed, fresh OS randomness.
Seed seedFor(const Args &a, uint64_t label) {
  if (!a.has("--seed"))
    return randomSeed();
  return deriveSeed(seedFromInteger(number(a.one("--seed"), "--seed")), label);
}

std::string mib(size_t bytes) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.2f MiB", bytes / (1024.0 * 1024.0));
  return buf;
}

void writeFile(const std::string &path, const SessionBytes &bytes) {
  writeSessionFile(path, bytes);
}

//===----------------------------------------------------------------------===//

int keygen(const Args &a) {
  applyThreads(a);
  std::string skPath = required(a, "--secret-key");
  std::string ekPath = required(a, "--eval-keys");
  Artifact artifact = readArtifact(a.artifact);
  warnIfInsecure(artifact, a.command.c_str());
  auto start = Clock::now();
  auto context = createArtifactContext(artifact, ExecutionBackend::Cpu);
  ClientKeys client;
  EvaluationKeys keys;
  generateKeys(artifact, context, seedFor(a, 1), client, keys);
  double seconds = secondsSince(start);
  SessionBytes sk = serializeClientKeys(artifact, client);
  SessionBytes ek = serializeEvaluationKeys(artifact, keys);
  writeFile(skPath, sk);
  writeFile(ekPath, ek);
  std::printf("aegis-run keygen: %.3f s%s\n", seconds,
              a.has("--seed") ? "" : " (fresh random seed)");
  std::printf("  secret key       %s: %zu bytes (%s; secret and public key, "
              "keep it on the client)\n",
              skPath.c_str(), sk.size(), mib(sk.size()).c_str());
  std::printf("  evaluation keys  %s: %zu bytes (%s; %s%zu Galois keys)\n",
              ekPath.c_str(), ek.size(), mib(ek.size()).c_str(),
              keys.relin ? "relinearization key, " : "",
              keys.galois.keys().size());
  if (a.has("--public-key")) {
    SessionBytes pk = serializePublicKey(artifact, client.publicKey);
    writeFile(a.one("--public-key"), pk);
    std::printf("  public key       %s: %zu bytes (%s)\n",
                a.one("--public-key").c_str(), pk.size(),
                mib(pk.size()).c_str());
  }
  return 0;
}

int encrypt(const Args &a) {
  applyThreads(a);
  if (a.has("--secret-key") == a.has("--public-key"))
    throw UsageError{"encrypt needs one of --secret-key or --public-key"};
  std::string keyPath =
      a.has("--secret-key") ? a.one("--secret-key") : a.one("--public-key");
  std::string ctPath = required(a, "--ciphertexts");
  bool compact = a.switches.count("--compact") != 0;
  if (compact && !a.has("--secret-key"))
    throw UsageError{"--compact needs --secret-key (it encrypts with the "
                     "secret key)"};
  Artifact artifact = readArtifact(a.artifact);
  warnIfInsecure(artifact, a.command.c_str());
  // The model's inputs, through the client program when there is one.
  std::vector<std::vector<double>> inputs =
      prepareInputs(artifact, a.all("--input"));
  guardInputRanges(artifact, inputs, a.switches.count("--allow-out-of-range"),
                   "encrypt");
  auto start = Clock::now();
  auto context = createArtifactContext(artifact, ExecutionBackend::Cpu);
  Seed seed = seedFor(a, 2);
  SessionBytes bytes;
  size_t count = 0;
  SessionBytes keyBytes = readSessionFile(keyPath);
  if (compact) {
    // Symmetric encryption: each ciphertext's c1 is stored as its seed.
    ClientKeys client = parseClientKeys(keyBytes, artifact, context, keyPath);
    auto cts = encryptInputsSymmetric(artifact, context, client.secretKey,
                                      seed, inputs);
    bytes = serializeSeededInputs(artifact, cts, seed,
                                  keySetFingerprint(client.publicKey));
    count = cts.size();
  } else {
    ckks::PublicKey pk = parsePublicKey(keyBytes, artifact, context, keyPath);
    auto cts = encryptInputs(artifact, context, pk, seed, inputs);
    bytes = serializeCiphertexts(artifact, SessionFileKind::InputCiphertexts,
                                 cts, keySetFingerprint(pk));
    count = cts.size();
  }
  double seconds = secondsSince(start);
  writeFile(ctPath, bytes);
  std::printf("aegis-run encrypt: %zu input(s) in %zu %sciphertext(s), "
              "%.3f s\n",
              inputs.size(), count, compact ? "seeded " : "", seconds);
  std::printf("  input ciphertexts %s: %zu bytes (%s)\n", ctPath.c_str(),
              bytes.size(), mib(bytes.size()).c_str());
  return 0;
}

int eval(const Args &a) {
  applyThreads(a);
  RunOptions options;
  if (a.has("--backend")) {
    std::string b = a.one("--backend");
    if (!parseExecutionBackend(b, options.backend) ||
        options.backend == ExecutionBackend::Plain)
      throw UsageError{"eval: unknown backend '" + b +
                       "' (expected cpu or cuda)"};
  }
  std::string ekPath = required(a, "--eval-keys");
  std::string inPath = required(a, "--ciphertexts");
  std::string outPath = required(a, "--output-ciphertexts");
  Artifact artifact = readArtifact(a.artifact);
  warnIfInsecure(artifact, a.command.c_str());
  RunReport report;
  auto start = Clock::now();
  auto context = createArtifactContext(artifact, options.backend);
  SessionBytes ekBytes = readSessionFile(ekPath);
  EvaluationKeys keys = parseEvaluationKeys(ekBytes, artifact, context, ekPath,
                                            a.switches.count("--compact-keys") != 0);
  report.rotationKeys = keys.galois.keys().size();
  report.programKeyBytes = keys.programKeyBytes();
  report.bootstrapKeyBytes = keys.bootstrapKeyBytes();
  report.stages.push_back({"load keys", secondsSince(start)});
  start = Clock::now();
  SessionBytes inBytes = readSessionFile(inPath);
  auto inputs = parseCiphertexts(inBytes, artifact,
                                 SessionFileKind::InputCiphertexts, context,
                                 inPath);
  // Ciphertexts made under another key pair would evaluate to garbage.
  requireSameKeySet(inBytes, inPath, ekBytes, ekPath);
  report.stages.push_back({"load ciphertexts", secondsSince(start)});
  if (!a.switches.count("--no-progress") && isatty(STDERR_FILENO))
    options.progress = [](size_t done, size_t total) {
      if (done == total || done % 64 == 0)
        std::fprintf(stderr, "\raegis-run: %zu/%zu instructions%s", done,
                     total, done == total ? "\n" : "");
    };
  auto outputs = evaluateEncrypted(artifact, context, keys, std::move(inputs),
                                   options, report);
  start = Clock::now();
  SessionBytes bytes = serializeCiphertexts(
      artifact, SessionFileKind::OutputCiphertexts, outputs, keys.keySet);
  writeFile(outPath, bytes);
  report.stages.push_back({"write ciphertexts", secondsSince(start)});
  report.peakMemoryBytes = peakResidentBytes();

  std::printf("aegis-run eval: %s backend, %zu instructions, %zu key "
              "switches, %zu rotation keys%s%s\n",
              executionBackendName(options.backend), report.instructions,
              report.keySwitches, report.rotationKeys,
              bootstrapSummary(artifact).c_str(),
              artifact.params.insecure ? " (INSECURE test parameters)" : "");
  for (const auto &s : report.stages)
    std::printf("  %-18s %10.3f s\n", s.stage.c_str(), s.seconds);
  std::printf("  peak memory        %10.1f MiB\n",
              report.peakMemoryBytes / (1024.0 * 1024.0));
  printKeyMemory(report);
  std::printf("  output ciphertexts %s: %zu bytes (%s)\n", outPath.c_str(),
              bytes.size(), mib(bytes.size()).c_str());
  if (a.has("--report")) {
    nlohmann::ordered_json json = {
        {"aegis", getVersionLine()},
        {"artifact", a.artifact},
        {"mode", "eval"},
        {"backend", executionBackendName(options.backend)},
        {"insecure_parameters", bool(artifact.params.insecure)},
        {"instructions", report.instructions},
        {"key_switches", report.keySwitches},
        {"rotation_keys", report.rotationKeys},
        {"program_key_bytes", report.programKeyBytes},
        {"bootstrap_key_bytes", report.bootstrapKeyBytes},
        {"peak_memory_bytes", report.peakMemoryBytes},
        {"output_ciphertext_bytes", bytes.size()}};
    addTimesJson(json, report);
    writeJsonFile(a.one("--report"), json);
  }
  return 0;
}

int decrypt(const Args &a) {
  applyThreads(a);
  std::string skPath = required(a, "--secret-key");
  std::string ctPath = required(a, "--ciphertexts");
  Artifact artifact = readArtifact(a.artifact);
  warnIfInsecure(artifact, a.command.c_str());
  const auto &outPaths = a.all("--output");
  const auto &refPaths = a.all("--reference");
  if (!outPaths.empty() && outPaths.size() != artifact.outputs.size())
    fail("the artifact has ", artifact.outputs.size(), " output(s), ",
         outPaths.size(), " --output given");
  if (!refPaths.empty() && refPaths.size() != artifact.outputs.size())
    fail("the artifact has ", artifact.outputs.size(), " output(s), ",
         refPaths.size(), " --reference given");
  auto start = Clock::now();
  auto context = createArtifactContext(artifact, ExecutionBackend::Cpu);
  SessionBytes skBytes = readSessionFile(skPath);
  SessionBytes ctBytes = readSessionFile(ctPath);
  ClientKeys client = parseClientKeys(skBytes, artifact, context, skPath);
  auto cts = parseCiphertexts(ctBytes, artifact,
                              SessionFileKind::OutputCiphertexts, context,
                              ctPath);
  requireSameKeySet(ctBytes, ctPath, skBytes, skPath);
  DecryptionFlooding flooding;
  if (a.has("--flood-bits")) {
    flooding.log2Sigma = floodBits(a.one("--flood-bits"));
    flooding.seed = randomSeed(); // fresh: flooding must not repeat
  }
  auto outputs =
      decryptOutputs(artifact, context, client.secretKey, cts, flooding);
  std::printf("aegis-run decrypt: %zu output(s) from %zu ciphertext(s), "
              "%.3f s\n",
              outputs.size(), cts.size(), secondsSince(start));
  printFlooding(artifact, flooding.log2Sigma);
  std::vector<Comparison> comparisons;
  bool ok = writeAndCompareOutputs(artifact, outputs, outPaths, refPaths,
                                   comparisons);
  if (!ok) {
    std::fprintf(stderr, "aegis-run: error: non-finite outputs\n");
    return 1;
  }
  return 0;
}

} // namespace

bool isSubcommand(const char *arg) {
  return !std::strcmp(arg, "keygen") || !std::strcmp(arg, "encrypt") ||
         !std::strcmp(arg, "eval") || !std::strcmp(arg, "decrypt");
}

void addSubcommands(CLI::App &app) {
  CLI::App *keygen = app.add_subcommand(
      "keygen", "Client: generate a key pair and the evaluation keys the "
                "artifact needs (relinearization, Galois, bootstrapping).");
  CLI::App *encrypt = app.add_subcommand(
      "encrypt", "Client: encrypt the model's inputs (checked against the "
                 "artifact's calibrated ranges).");
  CLI::App *eval = app.add_subcommand(
      "eval", "Server: evaluate the artifact on input ciphertexts with the "
              "evaluation keys; never reads a secret key.");
  CLI::App *decrypt = app.add_subcommand(
      "decrypt", "Client: decrypt output ciphertexts, write and compare the "
                 "outputs.");
  for (CLI::App *sub : {keygen, encrypt, eval, decrypt}) {
    sub->allow_extras();
    sub->footer("");
    // Not required() here: collect() names the subcommand in its message.
    addArtifact(*sub, "the compiled artifact (.aegis)");
    addValue(*sub, "--threads", "N",
             "CPU threads (default: AEGIS_NUM_THREADS or all cores)");
  }
  addValue(*keygen, "--secret-key", "SK",
           "where to write the secret (and public) key; keep it on the "
           "client")
      ->required();
  addValue(*keygen, "--eval-keys", "EK",
           "where to write the evaluation keys (for the server)")
      ->required();
  addValue(*keygen, "--public-key", "PK",
           "also write the public key alone (for encrypt --public-key)");
  addValue(*keygen, "--seed", "N",
           "reproducible keys (one-shot mode's with the same seed); default: "
           "fresh OS randomness");
  keygen->footer("The secret-key file holds the secret and the public key; "
                 "only the evaluation keys go to the server.");

  addValue(*encrypt, "--secret-key", "SK", "encrypt with the secret key");
  addValue(*encrypt, "--public-key", "PK", "encrypt with the public key");
  addValue(*encrypt, "--input", "X.npy",
           "an input, in the artifact's input order (repeat per input)",
           /*repeated=*/true);
  addValue(*encrypt, "--ciphertexts", "IN",
           "where to write the input ciphertexts")
      ->required();
  addValue(*encrypt, "--seed", "N",
           "reproducible encryption randomness; default: fresh OS randomness");
  addSwitch(*encrypt, "--compact",
            "symmetric encryption (needs --secret-key); each ciphertext's "
            "uniform half is stored as a seed: half the upload");
  addSwitch(*encrypt, "--allow-out-of-range",
            "encrypt inputs outside the calibrated ranges (warns; by default "
            "refused)");

  addValue(*eval, "--eval-keys", "EK", "the evaluation keys")->required();
  addValue(*eval, "--ciphertexts", "IN", "the input ciphertexts")->required();
  addValue(*eval, "--output-ciphertexts", "OUT",
           "where to write the output ciphertexts")
      ->required();
  addValue(*eval, "--backend", "cpu|cuda", "where to evaluate (default cpu)");
  addValue(*eval, "--report", "R.json",
           "write times, counts and memory as JSON");
  addSwitch(*eval, "--no-progress", "no progress display on a terminal");
  addSwitch(*eval, "--compact-keys", kCompactKeysHelp);

  addValue(*decrypt, "--secret-key", "SK", "the secret key")->required();
  addValue(*decrypt, "--ciphertexts", "OUT", "the output ciphertexts")
      ->required();
  addValue(*decrypt, "--output", "Y.npy",
           "where to write an output (float64), in order", true);
  addValue(*decrypt, "--reference", "R.npy",
           "compare an output with this array (max abs and relative error)",
           true);
  addValue(*decrypt, "--flood-bits", "B",
           "noise flooding (IND-CPA-D): Gaussian noise of std 2^B per "
           "coefficient before decoding (docs/Artifacts.md)");
}

int runParsedSubcommand(const CLI::App &app) {
  auto chosen = app.get_subcommands();
  if (chosen.empty())
    return -1;
  const CLI::App &sub = *chosen.front();
  std::string command = sub.get_name();
  // Each subcommand is one party's step, run by one process: under mpirun
  // every rank would repeat it and write the same files (issue 19).
  if (int size = mpirunSize(); size > 1) {
    std::fprintf(stderr,
                 "aegis-run %s: error: mpirun started %d processes, but %s "
                 "runs as one process; run it without mpirun (several "
                 "devices: one-shot mode under mpirun)\n",
                 command.c_str(), size, command.c_str());
    return 2;
  }
  try {
    Args a = collect(sub, command);
    if (command == "keygen")
      return keygen(a);
    if (command == "encrypt")
      return encrypt(a);
    if (command == "eval")
      return eval(a);
    return decrypt(a);
  } catch (const UsageError &e) {
    std::fprintf(stderr, "aegis-run %s: error: %s\n", command.c_str(),
                 e.message.c_str());
    return 2;
  } catch (const std::exception &e) {
    std::fprintf(stderr, "aegis-run %s: error: %s\n", command.c_str(),
                 e.what());
    return 1;
  }
}

} // namespace runtool
} // namespace aegis
