//===- CommandLine.h - aegis-run's command-line grammar ---------*- C++ -*-===//
//
// CLI11 parses aegis-run's command line (one-shot mode and the keygen,
// encrypt, eval and decrypt subcommands): flags, values, repetition, help
// per subcommand and required options. What a value means (a backend name,
// a number in range) is checked by the caller, with aegis's own messages.
//
//===----------------------------------------------------------------------===//

#ifndef AEGIS_TOOLS_AEGIS_RUN_COMMANDLINE_H
#define AEGIS_TOOLS_AEGIS_RUN_COMMANDLINE_H

#include <CLI/CLI.hpp>

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

namespace aegis {
namespace runtool {

/// --compact-keys (one-shot mode and eval).
inline constexpr const char *kCompactKeysHelp =
    "keep only the b halves of the evaluation keys in memory and regenerate "
    "the uniform halves from their seeds at each key switch: half the key "
    "memory, same outputs, slower key switching";

/// A usage error: printed as one line, exit code 2.
struct UsageError {
  std::string message;
};

/// What one (sub)command was given, by flag name ("--input").
struct ParsedArgs {
  std::string command; ///< "keygen", ...; empty in one-shot mode
  std::string artifact;
  std::map<std::string, std::vector<std::string>> values;
  std::set<std::string> switches;

  bool has(const std::string &flag) const { return values.count(flag) != 0; }
  const std::vector<std::string> &all(const std::string &flag) const;
  std::string one(const std::string &flag) const;
  bool on(const std::string &flag) const { return switches.count(flag) != 0; }
};

/// Declares `flag` taking one value (at most once) or, with `repeated`, one
/// value per occurrence.
CLI::Option *addValue(CLI::App &app, const std::string &flag,
                      const std::string &typeName, const std::string &help,
                      bool repeated = false);
/// Declares a flag without a value.
CLI::Option *addSwitch(CLI::App &app, const std::string &flag,
                       const std::string &help);
/// Declares the ARTIFACT positional.
CLI::Option *addArtifact(CLI::App &app, const std::string &help);

/// After parsing: what `app` was given. Throws UsageError for arguments
/// nobody declared ("unknown argument '--inpt' for encrypt (did you mean
/// --input? see --help)"), a second positional, or no artifact.
ParsedArgs collect(const CLI::App &app, const std::string &command);

/// One line for a CLI11 parse error, in aegis-run's words where CLI11's are
/// unclear ("--input needs a value", "--seed given twice").
std::string describeParseError(const CLI::ParseError &error);

/// A non-negative decimal integer no larger than `max`.
uint64_t parseNumber(const std::string &text, const std::string &flag,
                     uint64_t max = ~uint64_t(0));

/// The declared long option of `app` closest to `arg`, if it is a likely
/// typo of it; empty otherwise.
std::string suggestOption(const CLI::App &app, const std::string &arg);

} // namespace runtool
} // namespace aegis

#endif // AEGIS_TOOLS_AEGIS_RUN_COMMANDLINE_H
