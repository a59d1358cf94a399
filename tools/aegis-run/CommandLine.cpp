//===- CommandLine.cpp - aegis-run's command-line grammar -----------------===//

#include "CommandLine.h"

#include <algorithm>
#include <cerrno>
#include <cstdlib>

namespace aegis {
namespace runtool {

const std::vector<std::string> &ParsedArgs::all(const std::string &flag) const {
  static const std::vector<std::string> none;
  auto it = values.find(flag);
  return it == values.end() ? none : it->second;
}

std::string ParsedArgs::one(const std::string &flag) const {
  auto it = values.find(flag);
  return it == values.end() ? std::string() : it->second.back();
}

CLI::Option *addValue(CLI::App &app, const std::string &flag,
                      const std::string &typeName, const std::string &help,
                      bool repeated) {
  CLI::Option *option = app.add_option(flag, help)->type_name(typeName);
  if (repeated) {
    option->expected(1)
        ->allow_extra_args(false)
        ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  }
  return option;
}

CLI::Option *addSwitch(CLI::App &app, const std::string &flag,
                       const std::string &help) {
  return app.add_flag(flag, help);
}

CLI::Option *addArtifact(CLI::App &app, const std::string &help) {
  return app.add_option("artifact", help)->type_name("ARTIFACT");
}

namespace {

size_t editDistance(const std::string &a, const std::string &b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) {
    row[j] = j;
  }
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1,
                         diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

} // namespace

std::string suggestOption(const CLI::App &app, const std::string &arg) {
  std::string name = arg.substr(0, arg.find('='));
  if (name.rfind("--", 0) != 0) {
    return "";
  }
  std::string body = name.substr(2);
  std::string best;
  size_t bestDistance = std::max<size_t>(2, body.size() / 3) + 1;
  for (const CLI::Option *option : app.get_options()) {
    for (const std::string &candidate : option->get_lnames()) {
      size_t d = editDistance(body, candidate);
      if (d < bestDistance) {
        bestDistance = d;
        best = "--" + candidate;
      }
    }
  }
  return best;
}

ParsedArgs collect(const CLI::App &app, const std::string &command) {
  ParsedArgs args;
  args.command = command;
  std::string forCommand = command.empty() ? "" : " for " + command;
  std::vector<std::string> extras = app.remaining();
  // An unknown flag first: it may have swallowed the next word as a value.
  for (const std::string &extra : extras) {
    if (extra.size() > 1 && extra[0] == '-') {
      std::string suggestion = suggestOption(app, extra);
      throw UsageError{"unknown argument '" + extra + "'" + forCommand +
                       (suggestion.empty() ? " (see --help)"
                                           : " (did you mean " + suggestion +
                                                 "? see --help)")};
    }
  }
  if (!extras.empty()) {
    throw UsageError{"unexpected argument '" + extras.front() +
                     "' (one artifact only; see --help)"};
  }
  for (const CLI::Option *option : app.get_options()) {
    if (option->count() == 0 || option->get_lnames().empty()) {
      if (option->get_name() == "artifact" && option->count() != 0) {
        args.artifact = option->results().front();
      }
      continue;
    }
    std::string flag = "--" + option->get_lnames().front();
    if (option->get_expected_max() == 0) {
      args.switches.insert(flag);
    } else {
      args.values[flag] = option->results();
    }
  }
  if (args.artifact.empty()) {
    throw UsageError{command.empty() ? "no artifact given (see --help)"
                                     : "no artifact given to " + command +
                                           " (see --help)"};
  }
  return args;
}

std::string describeParseError(const CLI::ParseError &error) {
  std::string what = error.what();
  if (error.get_name() == "ArgumentMismatch") {
    size_t colon = what.find(':');
    std::string flag = colon == std::string::npos ? "" : what.substr(0, colon);
    if (!flag.empty() && what.find("missing") != std::string::npos)
      return flag + " needs a value";
    if (!flag.empty() && what.find("At Most") != std::string::npos)
      return flag + " given twice";
  }
  return what + " (see --help)";
}

uint64_t parseNumber(const std::string &text, const std::string &flag,
                     uint64_t max) {
  char *end = nullptr;
  errno = 0;
  unsigned long long v = std::strtoull(text.c_str(), &end, 10);
  if (text.empty() || *end != '\0' || text[0] == '-' || text[0] == '+' ||
      text[0] == ' ') {
    throw UsageError{flag + " expects a non-negative integer, got '" + text +
                     "'"};
  }
  if (errno == ERANGE || v > max) {
    throw UsageError{flag + "=" + text + " is too large (at most " +
                     std::to_string(max) + ")"};
  }
  return v;
}

} // namespace runtool
} // namespace aegis
