//===- ClientProgram.h - the plaintext prefix run before encryption -*- C++ -*-===//
//
// Part of the runtime: no MLIR or LLVM. Models that start from token ids
// carry a client program (Artifact::client): the embedding lookups and the
// cheap ops combining them, run in plaintext on the client with the float64
// nn kernels (aegis/Support/NNKernels.h); its outputs are what the client
// encrypts.
//
//===----------------------------------------------------------------------===//

#ifndef AEGIS_RUNTIME_ARTIFACT_CLIENTPROGRAM_H
#define AEGIS_RUNTIME_ARTIFACT_CLIENTPROGRAM_H

#include "aegis/Runtime/Artifact/Artifact.h"
#include "aegis/Support/Npy.h"

#include <string>
#include <vector>

namespace aegis {

/// Runs the artifact's client program on the model's inputs (client input
/// order; `names` label errors, e.g. the .npy paths). Returns one row-major
/// tensor per artifact input. Throws aegis::Error with one line on a bad
/// input type or shape, or an index (token id) out of range.
std::vector<std::vector<double>>
runClientProgram(const Artifact &artifact, const std::vector<NpyArray> &inputs,
                 const std::vector<std::string> &names);

/// What every client path encrypts: reads the model's inputs from `paths`
/// (one per model input: the client program's inputs when the artifact has
/// one, else the artifact's inputs), checks their shapes, runs the client
/// program when there is one, and returns one row-major tensor per artifact
/// input.
std::vector<std::vector<double>>
prepareInputs(const Artifact &artifact, const std::vector<std::string> &paths);

/// How far outside its calibrated range [lo, hi] an input may go, as a
/// fraction of hi - lo: the approximations were fitted on ranges widened by
/// the same 25%.
constexpr double kInputRangeMargin = 0.25;

/// Checks what the client is about to encrypt (prepareInputs's result)
/// against the calibrated range of each artifact input that has one,
/// widened by kInputRangeMargin. Returns one line per input with values
/// outside, naming the input, the first such element, its value and the
/// ranges (empty: every value inside). Far outside, the polynomial
/// approximations diverge and the decrypted result is wrong without any
/// other sign.
std::vector<std::string>
checkInputRanges(const Artifact &artifact,
                 const std::vector<std::vector<double>> &inputs);

/// The model's input names and shapes as the user supplies them.
size_t modelInputCount(const Artifact &artifact);

} // namespace aegis

#endif // AEGIS_RUNTIME_ARTIFACT_CLIENTPROGRAM_H
