//===- Error.h - Runtime errors ---------------------------------*- C++ -*-===//
//
// Part of the runtime: no MLIR or LLVM. Every runtime API failure (mismatched
// operands, invalid parameters, corrupt files) throws aegis::Error with a
// one-line message saying what was found and what was expected.
//
//===----------------------------------------------------------------------===//

#ifndef AEGIS_RUNTIME_SUPPORT_ERROR_H
#define AEGIS_RUNTIME_SUPPORT_ERROR_H

#include <sstream>
#include <stdexcept>
#include <string>

namespace aegis {

/// The one exception type of the runtime.
class Error : public std::runtime_error {
public:
  explicit Error(const std::string &message) : std::runtime_error(message) {}
};

/// Concatenates the streamable arguments into one string.
template <typename... Args>
std::string formatMessage(const Args &...args) {
  std::ostringstream os;
  (os << ... << args);
  return os.str();
}

/// Throws aegis::Error built from the streamable arguments.
template <typename... Args>
[[noreturn]] void fail(const Args &...args) {
  throw Error(formatMessage(args...));
}

/// Throws aegis::Error when `condition` is false.
template <typename... Args>
void require(bool condition, const Args &...args) {
  if (!condition) {
    fail(args...);
  }
}

} // namespace aegis

#endif // AEGIS_RUNTIME_SUPPORT_ERROR_H
