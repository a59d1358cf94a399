//===- JsonWriter.h - Minimal streaming JSON writer -------------*- C++ -*-===//
//
// Part of the runtime: no MLIR or LLVM. Writes one JSON value (objects,
// arrays, strings, numbers, booleans, null) with two-space indentation.
// Misuse (a value where a key is expected, unbalanced ends, a second
// top-level value) throws aegis::Error, so reports are always well formed.
//
//===----------------------------------------------------------------------===//

#ifndef AEGIS_RUNTIME_COMM_JSONWRITER_H
#define AEGIS_RUNTIME_COMM_JSONWRITER_H

#include <cstdint>
#include <string>
#include <vector>

namespace aegis {

class JsonWriter {
public:
  JsonWriter() = default;

  JsonWriter &beginObject();
  JsonWriter &endObject();
  JsonWriter &beginArray();
  JsonWriter &endArray();
  /// The key of the next member; only inside an object.
  JsonWriter &key(const std::string &name);
  JsonWriter &value(const std::string &text);
  JsonWriter &value(const char *text);
  JsonWriter &value(uint64_t number);
  JsonWriter &value(int64_t number);
  JsonWriter &value(int number) { return value(int64_t(number)); }
  /// Shortest round-trip form; NaN and infinities become null.
  JsonWriter &value(double number);
  JsonWriter &value(bool flag);
  JsonWriter &null();

  /// The document; throws unless exactly one complete value was written.
  std::string str() const;

  /// `text` as a quoted JSON string with escapes.
  static std::string quote(const std::string &text);

private:
  enum class Scope : uint8_t { Object, Array };
  void beforeValue();
  void newline();

  std::string out_;
  std::vector<Scope> scopes_;
  std::vector<bool> hasMembers_;
  bool keyPending_ = false;
  bool done_ = false;
};

} // namespace aegis

#endif // AEGIS_RUNTIME_COMM_JSONWRITER_H
