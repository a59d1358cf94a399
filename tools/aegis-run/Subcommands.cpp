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

#include "Output.h"

#include "aegis/Runtime/Artifact/Artifact.h"
#include "aegis/Runtime/Artifact/ClientProgram.h"
#include "aegis/Runtime/Artifact/Executor.h"
#include "aegis/Runtime/Artifact/Session.h"
#include "aegis/Runtime/Comm/JsonWriter.h"
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

/// A usage error: printed as one line, exit code 2.
struct UsageError {
  std::string message;
};

struct Args {
  std::string command;
  std::string artifact;
  std::map<std::string, std::vector<std::string>> values;
  std::set<std::string> switches;

  bool has(const std::string &flag) const { return values.count(flag) != 0; }
  const std::vector<std::string> &all(const std::string &flag) const {
    static const std::vector<std::string> none;
    auto it = values.find(flag);
    return it == values.end() ? none : it->second;
  }
  std::string one(const std::string &flag) const {
    auto it = values.find(flag);
    return it == values.end() ? std::string() : it->second.back();
  }
  std::string required(const std::string &flag) const {
    if (!has(flag))
      throw UsageError{command + " needs " + flag + " (see --help)"};
    return one(flag);
  }
};

struct Spec {
  std::set<std::string> single;   // flags taking one value
  std::set<std::string> repeated; // flags taking a value, repeatable
  std::set<std::string> switches; // flags without a value
};

Spec specFor(const std::string &command) {
  if (command == "keygen")
    return {{"--secret-key", "--eval-keys", "--public-key", "--seed",
             "--threads"},
            {},
            {}};
  if (command == "encrypt")
    return {{"--secret-key", "--public-key", "--ciphertexts", "--seed",
             "--threads"},
            {"--input"},
            {"--compact", "--allow-out-of-range"}};
  if (command == "eval")
    return {{"--eval-keys", "--ciphertexts", "--output-ciphertexts",
             "--backend", "--report", "--threads"},
            {},
            {"--no-progress"}};
  return {{"--secret-key", "--ciphertexts", "--threads", "--flood-bits"},
          {"--output", "--reference"},
          {}};
}

Args parse(int argc, char **argv) {
  Args a;
  a.command = argv[1];
  Spec spec = specFor(a.command);
  for (int i = 2; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg.rfind("--", 0) == 0) {
      std::string flag = arg, value;
      size_t eq = arg.find('=');
      bool inlineValue = eq != std::string::npos;
      if (inlineValue) {
        flag = arg.substr(0, eq);
        value = arg.substr(eq + 1);
      }
      if (spec.switches.count(flag) && !inlineValue) {
        a.switches.insert(flag);
        continue;
      }
      bool single = spec.single.count(flag) != 0;
      if (!single && !spec.repeated.count(flag))
        throw UsageError{"unknown argument '" + arg + "' for " + a.command +
                         " (see --help)"};
      if (!inlineValue) {
        if (i + 1 >= argc)
          throw UsageError{flag + " needs a value"};
        value = argv[++i];
      }
      if (single && a.has(flag))
        throw UsageError{flag + " given twice"};
      a.values[flag].push_back(value);
    } else if (a.artifact.empty()) {
      a.artifact = arg;
    } else {
      throw UsageError{"unexpected argument '" + arg +
                       "' (one artifact only; see --help)"};
    }
  }
  if (a.artifact.empty())
    throw UsageError{"no artifact given to " + a.command + " (see --help)"};
  return a;
}

uint64_t number(const std::string &text, const char *flag,
                uint64_t max = ~uint64_t(0)) {
  char *end = nullptr;
  errno = 0;
  unsigned long long v = std::strtoull(text.c_str(), &end, 10);
  if (text.empty() || *end != '\0' || text[0] == '-')
    throw UsageError{std::string(flag) +
                     " expects a non-negative integer, got '" + text + "'"};
  if (errno == ERANGE || v > max)
    throw UsageError{std::string(flag) + "=" + text + " is too large (at most " +
                     std::to_string(max) + ")"};
  return v;
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
  std::string skPath = a.required("--secret-key");
  std::string ekPath = a.required("--eval-keys");
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
  std::string ctPath = a.required("--ciphertexts");
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
  std::string ekPath = a.required("--eval-keys");
  std::string inPath = a.required("--ciphertexts");
  std::string outPath = a.required("--output-ciphertexts");
  Artifact artifact = readArtifact(a.artifact);
  warnIfInsecure(artifact, a.command.c_str());
  RunReport report;
  auto start = Clock::now();
  auto context = createArtifactContext(artifact, options.backend);
  SessionBytes ekBytes = readSessionFile(ekPath);
  EvaluationKeys keys = parseEvaluationKeys(ekBytes, artifact, context, ekPath);
  report.rotationKeys = keys.galois.keys().size();
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
              "switches, %zu rotation keys%s\n",
              executionBackendName(options.backend), report.instructions,
              report.keySwitches, report.rotationKeys,
              artifact.params.insecure ? " (INSECURE test parameters)" : "");
  for (const auto &s : report.stages)
    std::printf("  %-18s %10.3f s\n", s.stage.c_str(), s.seconds);
  std::printf("  peak memory        %10.1f MiB\n",
              report.peakMemoryBytes / (1024.0 * 1024.0));
  std::printf("  output ciphertexts %s: %zu bytes (%s)\n", outPath.c_str(),
              bytes.size(), mib(bytes.size()).c_str());
  if (a.has("--report")) {
    std::string path = a.one("--report");
    std::ofstream out(path);
    if (!out)
      fail(path, ": cannot open for writing");
    out << "{\n  \"aegis\": " << JsonWriter::quote(getVersionLine())
        << ",\n  \"artifact\": " << JsonWriter::quote(a.artifact)
        << ",\n  \"mode\": \"eval\""
        << ",\n  \"backend\": "
        << JsonWriter::quote(executionBackendName(options.backend))
        << ",\n  \"insecure_parameters\": "
        << (artifact.params.insecure ? "true" : "false")
        << ",\n  \"instructions\": " << report.instructions
        << ",\n  \"key_switches\": " << report.keySwitches
        << ",\n  \"rotation_keys\": " << report.rotationKeys
        << ",\n  \"peak_memory_bytes\": " << report.peakMemoryBytes
        << ",\n  \"output_ciphertext_bytes\": " << bytes.size();
    writeTimesJson(out, report);
    out << "\n}\n";
  }
  return 0;
}

int decrypt(const Args &a) {
  applyThreads(a);
  std::string skPath = a.required("--secret-key");
  std::string ctPath = a.required("--ciphertexts");
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

void printSubcommandUsage(std::FILE *out) {
  std::fprintf(
      out,
      "\n"
      "client/server (keys and ciphertexts move through files; eval never\n"
      "reads a secret key):\n"
      "  aegis-run keygen  ARTIFACT --secret-key SK --eval-keys EK\n"
      "                    [--public-key PK] [--seed N]\n"
      "  aegis-run encrypt ARTIFACT (--secret-key SK | --public-key PK)\n"
      "                    --input X.npy [--input ...] --ciphertexts IN\n"
      "                    [--seed N] [--compact] [--allow-out-of-range]\n"
      "  aegis-run eval    ARTIFACT --eval-keys EK --ciphertexts IN\n"
      "                    --output-ciphertexts OUT [--backend=cpu|cuda]\n"
      "                    [--report R.json] [--threads N]\n"
      "  aegis-run decrypt ARTIFACT --secret-key SK --ciphertexts OUT\n"
      "                    [--output Y.npy ...] [--reference R.npy ...]\n"
      "                    [--flood-bits B]\n"
      "  Without --seed, keygen and encrypt draw fresh OS randomness; with\n"
      "  the same --seed they reproduce one-shot mode exactly. encrypt\n"
      "  --compact (with --secret-key) encrypts symmetrically and stores each\n"
      "  ciphertext's uniform half as a seed: half the upload.\n");
}

int runSubcommand(int argc, char **argv) {
  std::string command = argv[1];
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
    Args a = parse(argc, argv);
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
