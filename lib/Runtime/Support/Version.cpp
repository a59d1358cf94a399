//===- Version.cpp - aegis version information ----------------------------===//

#include "aegis/Runtime/Support/Version.h"

#include "aegis/Version.inc"

namespace aegis {

const char *getVersion() { return AEGIS_VERSION_STRING; }
const char *getGitCommit() { return AEGIS_GIT_COMMIT; }
int getPinnedLLVMMajor() { return AEGIS_LLVM_MAJOR_PINNED; }

std::string getVersionLine() {
  return std::string("aegis ") + getVersion() + " (commit " + getGitCommit() +
         ")";
}

} // namespace aegis
