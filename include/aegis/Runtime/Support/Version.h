//===- Version.h - aegis version information --------------------*- C++ -*-===//
//
// Part of the runtime: no MLIR or LLVM. The compiler and the runtime report
// the same version, and artifacts embed it.
//
//===----------------------------------------------------------------------===//

#ifndef AEGIS_RUNTIME_SUPPORT_VERSION_H
#define AEGIS_RUNTIME_SUPPORT_VERSION_H

#include <string>

namespace aegis {

/// The aegis release, e.g. "0.1.0".
const char *getVersion();
/// The git commit aegis was built from (12 hex digits, "-dirty" if the tree
/// had uncommitted changes, "unknown" outside a git checkout).
const char *getGitCommit();
/// The LLVM/MLIR major version aegis is pinned to.
int getPinnedLLVMMajor();
/// One line: "aegis 0.1.0 (commit 0123456789ab)".
std::string getVersionLine();

} // namespace aegis

#endif // AEGIS_RUNTIME_SUPPORT_VERSION_H
