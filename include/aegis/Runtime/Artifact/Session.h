//===- Session.h - keys and ciphertexts of a client/server run ---*- C++ -*-===//
//
// Part of the runtime: no MLIR or LLVM. The pieces of an encrypted run of an
// artifact, split so that the secret key never enters the server's path:
//
//   client  generateKeys   secret key (+ public key), evaluation keys
//           encryptInputs  tensors -> input ciphertexts (public key)
//   server  evaluateEncrypted (Executor.cpp): evaluation keys + input
//           ciphertexts -> output ciphertexts; no secret key anywhere
//   client  decryptOutputs output ciphertexts -> tensors (secret key)
//
// One-shot execution (runArtifact) calls exactly these functions in this
// order, so a split run with the same seed gives bit-identical outputs.
//
// Session files move the pieces between processes. Each is one self-checking
// little-endian bundle of runtime-serialized objects (CKKS/Serialization.h):
//
//   offset  size  field
//        0     8  magic "AEGISSES"
//        8     4  format version (kSessionFormatVersion)
//       12     4  kind (SessionFileKind)
//       16     8  parameter hash (ckks::Parameters::hash())
//       24     8  artifact fingerprint (artifactFingerprint())
//       32     8  key-set fingerprint (keySetFingerprint() of the public
//                 key of the keygen the file belongs to)
//       40     8  record count R
//       48        R records: u64 size S, then S bytes (one serialized object;
//                 input ciphertexts may be seeded: seed + c0)
//      end     4  CRC-32C of every byte before it
//
// Loaders check, in order: magic, version, checksum, kind, parameter hash,
// artifact fingerprint, record count and sizes, then every record with the
// runtime's deserializers (their own header, checksum and field checks) and
// what the artifact needs (key set, ciphertext count, level, scale, slots).
// Every failure throws aegis::Error with one line starting with the file's
// name.
//
//===----------------------------------------------------------------------===//

#ifndef AEGIS_RUNTIME_ARTIFACT_SESSION_H
#define AEGIS_RUNTIME_ARTIFACT_SESSION_H

#include "aegis/Runtime/Artifact/Artifact.h"
#include "aegis/Runtime/Artifact/Executor.h"
#include "aegis/Runtime/Bootstrap/Bootstrapper.h"
#include "aegis/Runtime/CKKS/Ciphertext.h"
#include "aegis/Runtime/CKKS/Context.h"
#include "aegis/Runtime/CKKS/Keys.h"
#include "aegis/Runtime/Support/Prng.h"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace aegis {

/// 2: the key-set fingerprint in the header; 3: key records carry their
/// level (keys limited to the levels the program uses them at). Older files
/// are refused: regenerate them.
constexpr uint32_t kSessionFormatVersion = 3;

enum class SessionFileKind : uint32_t {
  SecretKey = 1,      // client only: secret key and public key
  PublicKey = 2,      // public key alone (for an encrypting third party)
  EvaluationKeys = 3, // server: relinearization and Galois keys
  InputCiphertexts = 4,
  OutputCiphertexts = 5,
};

/// "secret key", "public key", "evaluation keys", "input ciphertexts",
/// "output ciphertexts".
const char *sessionFileKindName(SessionFileKind kind);

/// The parameter spec the artifact's parameters describe.
ckks::ParameterSpec artifactParameterSpec(const Artifact &artifact);

/// The CKKS context of the artifact's parameters on the CPU or CUDA backend.
ckks::ContextPtr createArtifactContext(const Artifact &artifact,
                                       ExecutionBackend backend);

/// Fingerprint of what keys and ciphertexts depend on: the parameters, the
/// rotation keys, inputs, outputs, constants (through their CRCs) and
/// program (not the compiler version or commit, so recompiling the same
/// program keeps it): artifactContentFingerprint (Artifact.h).
uint64_t artifactFingerprint(const Artifact &artifact);

/// Fingerprint of a key set (one keygen): a hash of its public key. Every
/// session file carries the one it was made under, so that ciphertexts and
/// keys of different key sets are never combined (never 0).
uint64_t keySetFingerprint(const ckks::PublicKey &publicKey);

/// Whether the program has relinearize instructions.
bool artifactRelinearizes(const Artifact &artifact);

/// The client's keys: the secret key and the public key made from it.
struct ClientKeys {
  ckks::SecretKey secretKey;
  ckks::PublicKey publicKey;
};

/// What the server needs: the relinearization key (when the program
/// relinearizes) and the Galois keys the artifact lists.
struct EvaluationKeys {
  std::optional<ckks::RelinKey> relin;
  ckks::GaloisKeys galois;
  /// Artifacts with bootstrap instructions: the plan and its keys (one-shot
  /// mode only: bootstrapping keys are not written to files yet).
  std::shared_ptr<const ckks::Bootstrapper> bootstrapper;
  /// What it was made of (immutable, shareable between devices, each of
  /// which builds its own Bootstrapper).
  std::shared_ptr<const ckks::BootstrapPlan> bootstrapPlan;
  std::shared_ptr<const ckks::BootstrapKeys> bootstrapKeys;
  /// keySetFingerprint() of the public key made with these keys.
  uint64_t keySet = 0;

  /// Memory of the program's keys (relinearization and Galois, each at its
  /// level) and of the bootstrapping keys.
  size_t programKeyBytes() const;
  size_t bootstrapKeyBytes() const;
};

/// Key generation from `seed` in one-shot mode's order (secret, public,
/// relinearization if needed, Galois keys of the artifact's rotations and
/// conjugation).
/// `compactKeys`: every evaluation key keeps only its b halves in memory
/// (the uniform halves are regenerated from the seeds at each key switch:
/// half the key memory, same bits, slower key switching).
void generateKeys(const Artifact &artifact, const ckks::ContextPtr &context,
                  const Seed &seed, ClientKeys &client, EvaluationKeys &keys,
                  bool compactKeys = false);

/// One key-switching key of a program, before it is generated: its Galois
/// element (0: relinearization), the highest level the program uses it at
/// and its seed. Every row of the key is a function of these and the secret
/// key, so a device's share can be generated without the whole key.
struct ProgramKeySpec {
  uint64_t galoisElement = 0;
  unsigned level = 0;
  Seed seed{};
  bool relinearization() const { return galoisElement == 0; }
};

/// The client's part of generateKeys: the secret and public keys, and the
/// specs of the program's keys with the seeds generateKeys draws for them
/// (same order, so the keys built from the specs are generateKeys' keys bit
/// for bit). No evaluation key is generated.
std::vector<ProgramKeySpec> generateClientKeys(const Artifact &artifact,
                                               const ckks::ContextPtr &context,
                                               const Seed &seed,
                                               ClientKeys &client);

/// The whole key of `spec` (what generateKeys holds for it).
ckks::KeySwitchKey generateProgramKey(const ckks::SecretKey &secret,
                                      const ProgramKeySpec &spec,
                                      bool compactKeys = false);

/// Memory of the whole key of `spec` (uniform halves included).
size_t programKeyBytes(const ckks::Context &context,
                       const ProgramKeySpec &spec);

/// The bootstrapping plan and keys of an artifact with bootstrap
/// instructions (generateKeys' seed for them; nothing otherwise).
void generateBootstrapKeys(const Artifact &artifact,
                           const ckks::ContextPtr &context, const Seed &seed,
                           const ckks::SecretKey &secret, EvaluationKeys &keys,
                           bool compactKeys = false);

/// A bootstrap instruction: bootstrapping holds for messages up to 8, so the
/// message is divided by 2^headroom on the way in (by declaring a 2^headroom
/// larger scale, which the bootstrapper's scale adjustment absorbs) and
/// multiplied back by the integer 2^headroom on the way out (no level).
/// `complex` (instruction field b = 1): the message may be complex (two
/// real ciphertexts packed as a + i b); one more bit of headroom covers its
/// larger coefficients, and the result holds half the message, z / 2
/// (Bootstrapper::bootstrap), from which one conjugation gives a and b.
ckks::Ciphertext bootstrapWithHeadroom(const ckks::Bootstrapper &bootstrapper,
                                       const ckks::Ciphertext &a,
                                       unsigned headroom,
                                       bool complex = false);

/// Throws (naming `name`) unless `keys` hold every key the program uses.
void checkEvaluationKeys(const Artifact &artifact, const ckks::Context &context,
                         const EvaluationKeys &keys, const std::string &name);

/// Packs every input tensor (artifact order, row-major values) into its
/// registers' slot vectors and encrypts them with the public key; returns
/// the ciphertexts input by input, register by register.
std::vector<ckks::Ciphertext>
encryptInputs(const Artifact &artifact, const ckks::ContextPtr &context,
              const ckks::PublicKey &publicKey, const Seed &seed,
              const std::vector<std::vector<double>> &inputs);

/// The same with symmetric (secret-key) encryption: ciphertext k's c1 is
/// the uniform polynomial of deriveSeed(seed, k), so serializeSeededInputs
/// stores it as that seed (input files half the size).
std::vector<ckks::Ciphertext>
encryptInputsSymmetric(const Artifact &artifact,
                       const ckks::ContextPtr &context,
                       const ckks::SecretKey &secretKey, const Seed &seed,
                       const std::vector<std::vector<double>> &inputs);

/// Noise flooding at decryption (IND-CPA-D, Li and Micciancio 2021): a
/// decrypted CKKS plaintext carries the ciphertext's noise, which reveals
/// information about the secret key to whoever sees results of chosen
/// computations. Adding to every coefficient of the plaintext an
/// independent Gaussian of standard deviation 2^log2Sigma (far above the
/// noise) hides it; each decoded slot then carries an extra error of about
/// 2^log2Sigma * sqrt(N / 2) / scale (floodedSlotError).
struct DecryptionFlooding {
  double log2Sigma = 0; // 0: none
  Seed seed{};
};

/// Adds Gaussian noise of standard deviation 2^log2Sigma, drawn from
/// `prng`, to every coefficient of `plaintext` (NTT form, any level).
void floodPlaintext(const ckks::Context &context, ckks::Plaintext &plaintext,
                    double log2Sigma, Prng &prng);
/// The expected standard deviation of the error flooding adds to a decoded
/// slot (ring degree 2^logN, plaintext scale 2^logScale).
double floodedSlotError(unsigned logN, double log2Sigma, double logScale);

/// Decrypts the output ciphertexts (output by output, register by register)
/// and unpacks one vector per output tensor; with `flooding`, every
/// plaintext is flooded before decoding.
std::vector<std::vector<double>>
decryptOutputs(const Artifact &artifact, const ckks::ContextPtr &context,
               const ckks::SecretKey &secretKey,
               const std::vector<ckks::Ciphertext> &outputs,
               const DecryptionFlooding &flooding = {});

/// The server's evaluation (implemented in Executor.cpp, next to the
/// instruction loop): runs the program on `inputs` (as encryptInputs orders
/// them, checked against the artifact's levels, scales and slots) with
/// `keys` only, and returns the output ciphertexts as decryptOutputs takes
/// them. Adds the "evaluate" stage, per-opcode times and counts to `report`.
std::vector<ckks::Ciphertext>
evaluateEncrypted(const Artifact &artifact, const ckks::ContextPtr &context,
                  const EvaluationKeys &keys,
                  std::vector<ckks::Ciphertext> inputs,
                  const RunOptions &options, RunReport &report);

/// The scale inputs are encrypted at: 2^logScale of the tensor.
double inputScale(const Artifact &artifact, const ckks::Context &context,
                  const TensorSlot &tensor);

/// Checks ciphertexts against the artifact's inputs (count, level, scale,
/// slots) or outputs (count, slots); `name` labels errors.
void checkCiphertexts(const Artifact &artifact, const ckks::Context &context,
                      bool outputs, const std::vector<ckks::Ciphertext> &cts,
                      const std::string &name);

//===----------------------------------------------------------------------===//
// Session files
//===----------------------------------------------------------------------===//

using SessionBytes = std::vector<uint8_t>;

SessionBytes serializeClientKeys(const Artifact &artifact,
                                 const ClientKeys &keys);
SessionBytes serializePublicKey(const Artifact &artifact,
                                const ckks::PublicKey &key);
SessionBytes serializeEvaluationKeys(const Artifact &artifact,
                                     const EvaluationKeys &keys);
/// `kind` is InputCiphertexts or OutputCiphertexts; `keySet` the key set
/// they were encrypted under (keySetFingerprint, sessionKeySet).
SessionBytes serializeCiphertexts(const Artifact &artifact,
                                  SessionFileKind kind,
                                  const std::vector<ckks::Ciphertext> &cts,
                                  uint64_t keySet);

/// An input ciphertexts file of encryptInputsSymmetric's ciphertexts made
/// with `seed`, each stored as its seed and c0 (ckks::serializeSeeded).
SessionBytes serializeSeededInputs(const Artifact &artifact,
                                   const std::vector<ckks::Ciphertext> &cts,
                                   const Seed &seed, uint64_t keySet);

/// The key-set fingerprint in a session file's header (after the checks of
/// peekSessionFileKind).
uint64_t sessionKeySet(const SessionBytes &bytes, const std::string &name);
/// Throws, naming both files and fingerprints, unless `a` and `b` were made
/// under the same key set. Reads only the headers: call it on files that
/// the parse functions (which check the checksums) have accepted.
void requireSameKeySet(const SessionBytes &a, const std::string &nameA,
                       const SessionBytes &b, const std::string &nameB);

/// The kind in a session file's header after checking magic, version and
/// checksum.
SessionFileKind peekSessionFileKind(const SessionBytes &bytes,
                                    const std::string &name);

ClientKeys parseClientKeys(const SessionBytes &bytes, const Artifact &artifact,
                           const ckks::ContextPtr &context,
                           const std::string &name);
/// Accepts a public-key file or a secret-key file (its public key).
ckks::PublicKey parsePublicKey(const SessionBytes &bytes,
                               const Artifact &artifact,
                               const ckks::ContextPtr &context,
                               const std::string &name);
/// Also checks that the keys cover the program (checkEvaluationKeys).
EvaluationKeys parseEvaluationKeys(const SessionBytes &bytes,
                                   const Artifact &artifact,
                                   const ckks::ContextPtr &context,
                                   const std::string &name,
                                   bool compactKeys = false);
/// Also checks count, level, scale (inputs) and slots against the artifact.
/// Input files may hold seeded ciphertexts.
std::vector<ckks::Ciphertext>
parseCiphertexts(const SessionBytes &bytes, const Artifact &artifact,
                 SessionFileKind kind, const ckks::ContextPtr &context,
                 const std::string &name);

/// Whole-file helpers; errors name the path. A secret key file is written
/// with mode 0600.
void writeSessionFile(const std::string &path, const SessionBytes &bytes);
SessionBytes readSessionFile(const std::string &path);

} // namespace aegis

#endif // AEGIS_RUNTIME_ARTIFACT_SESSION_H
