//===- Npy.h - NumPy .npy files ---------------------------------*- C++ -*-===//
//
// Reading and writing NumPy arrays (format versions 1.0-3.0, C order). Used
// by the compiler (model inputs, calibration data) and by aegis-run (inputs
// and outputs), so it depends on neither MLIR nor the CKKS runtime.
//
//===----------------------------------------------------------------------===//

#ifndef AEGIS_SUPPORT_NPY_H
#define AEGIS_SUPPORT_NPY_H

#include <cstdint>
#include <string>
#include <vector>

namespace aegis {

/// Element types aegis reads from and writes to .npy files.
enum class NpyType { Float32, Float64, Int64, Int32, Bool };

/// An array read from a .npy file; values are widened to double (exact for
/// every supported type within +-2^53).
/// The most elements a .npy file may hold (8 TiB of float64): larger shapes
/// are refused by the reader.
constexpr int64_t kMaxNpyElements = int64_t(1) << 40;

struct NpyArray {
  NpyType type = NpyType::Float64;
  std::vector<int64_t> shape;
  std::vector<double> data;

  int64_t numElements() const;
};

/// Reads `path`. On failure returns false and sets `error` to a one-line
/// message naming the file and the problem (bad magic, unsupported dtype,
/// Fortran order, truncated data, ...).
bool readNpy(const std::string &path, NpyArray &out, std::string &error);

/// Parses a whole .npy file held in memory; `name` is used in messages.
bool parseNpy(const std::string &bytes, const std::string &name, NpyArray &out,
              std::string &error);

/// Writes `array` as a version 1.0 .npy file (little-endian, C order) with
/// element type `array.type`.
bool writeNpy(const std::string &path, const NpyArray &array,
              std::string &error);

/// The numpy descr string of a type, e.g. "<f4".
const char *npyDescr(NpyType type);

} // namespace aegis

#endif // AEGIS_SUPPORT_NPY_H
