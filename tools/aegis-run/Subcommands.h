//===- Subcommands.h - aegis-run's client/server subcommands ----*- C++ -*-===//
//
// keygen, encrypt (client), eval (server: never reads a secret key) and
// decrypt (client), moving keys and ciphertexts through session files
// (aegis/Runtime/Artifact/Session.h).
//
//===----------------------------------------------------------------------===//

#ifndef AEGIS_TOOLS_AEGIS_RUN_SUBCOMMANDS_H
#define AEGIS_TOOLS_AEGIS_RUN_SUBCOMMANDS_H

#include <cstdio>

namespace aegis {
namespace runtool {

/// Whether `arg` names a subcommand (keygen, encrypt, eval, decrypt).
bool isSubcommand(const char *arg);

/// Runs the subcommand argv[1] with its arguments argv[2..]; returns the
/// process exit code.
int runSubcommand(int argc, char **argv);

/// The subcommands' lines of aegis-run --help.
void printSubcommandUsage(std::FILE *out);

} // namespace runtool
} // namespace aegis

#endif // AEGIS_TOOLS_AEGIS_RUN_SUBCOMMANDS_H
