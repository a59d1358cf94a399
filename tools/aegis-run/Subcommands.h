//===- Subcommands.h - aegis-run's client/server subcommands ----*- C++ -*-===//
//
// keygen, encrypt (client), eval (server: never reads a secret key) and
// decrypt (client), moving keys and ciphertexts through session files
// (aegis/Runtime/Artifact/Session.h).
//
//===----------------------------------------------------------------------===//

#ifndef AEGIS_TOOLS_AEGIS_RUN_SUBCOMMANDS_H
#define AEGIS_TOOLS_AEGIS_RUN_SUBCOMMANDS_H

#include <CLI/CLI.hpp>

namespace aegis {
namespace runtool {

/// Whether `arg` names a subcommand (keygen, encrypt, eval, decrypt).
bool isSubcommand(const char *arg);

/// Declares keygen, encrypt, eval and decrypt (each with --help) on `app`.
void addSubcommands(CLI::App &app);

/// Runs the subcommand that `app` parsed; -1 when it parsed none (one-shot
/// mode). Usage errors exit 2, failures 1, each with one line on stderr.
int runParsedSubcommand(const CLI::App &app);

} // namespace runtool
} // namespace aegis

#endif // AEGIS_TOOLS_AEGIS_RUN_SUBCOMMANDS_H
