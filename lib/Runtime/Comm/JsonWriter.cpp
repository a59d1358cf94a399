//===- JsonWriter.cpp - Minimal streaming JSON writer ---------------------===//

#include "aegis/Runtime/Comm/JsonWriter.h"

#include "aegis/Runtime/Support/Error.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace aegis {

std::string JsonWriter::quote(const std::string &text) {
  std::string out = "\"";
  for (unsigned char c : text) {
    switch (c) {
    case '"':
      out += "\\\"";
      break;
    case '\\':
      out += "\\\\";
      break;
    case '\n':
      out += "\\n";
      break;
    case '\r':
      out += "\\r";
      break;
    case '\t':
      out += "\\t";
      break;
    case '\b':
      out += "\\b";
      break;
    case '\f':
      out += "\\f";
      break;
    default:
      if (c < 0x20) {
        char buf[8];
        std::snprintf(buf, sizeof(buf), "\\u%04x", c);
        out += buf;
      } else {
        out += char(c);
      }
    }
  }
  out += '"';
  return out;
}

void JsonWriter::newline() {
  out_ += '\n';
  out_.append(2 * scopes_.size(), ' ');
}

void JsonWriter::beforeValue() {
  require(!done_, "JSON writer: a second top-level value");
  if (scopes_.empty()) {
    return;
  }
  if (scopes_.back() == Scope::Object) {
    require(keyPending_, "JSON writer: a value inside an object needs a key");
    keyPending_ = false;
    return;
  }
  if (hasMembers_.back()) {
    out_ += ',';
  }
  hasMembers_.back() = true;
  newline();
}

JsonWriter &JsonWriter::key(const std::string &name) {
  require(!scopes_.empty() && scopes_.back() == Scope::Object && !keyPending_,
          "JSON writer: key '", name, "' outside an object or after a key");
  if (hasMembers_.back()) {
    out_ += ',';
  }
  hasMembers_.back() = true;
  newline();
  out_ += quote(name);
  out_ += ": ";
  keyPending_ = true;
  return *this;
}

JsonWriter &JsonWriter::beginObject() {
  beforeValue();
  out_ += '{';
  scopes_.push_back(Scope::Object);
  hasMembers_.push_back(false);
  return *this;
}

JsonWriter &JsonWriter::beginArray() {
  beforeValue();
  out_ += '[';
  scopes_.push_back(Scope::Array);
  hasMembers_.push_back(false);
  return *this;
}

JsonWriter &JsonWriter::endObject() {
  require(!scopes_.empty() && scopes_.back() == Scope::Object && !keyPending_,
          "JSON writer: endObject() without an open object (or after a key)");
  bool members = hasMembers_.back();
  scopes_.pop_back();
  hasMembers_.pop_back();
  if (members) {
    newline();
  }
  out_ += '}';
  done_ = scopes_.empty();
  return *this;
}

JsonWriter &JsonWriter::endArray() {
  require(!scopes_.empty() && scopes_.back() == Scope::Array,
          "JSON writer: endArray() without an open array");
  bool members = hasMembers_.back();
  scopes_.pop_back();
  hasMembers_.pop_back();
  if (members) {
    newline();
  }
  out_ += ']';
  done_ = scopes_.empty();
  return *this;
}

JsonWriter &JsonWriter::value(const std::string &text) {
  beforeValue();
  out_ += quote(text);
  done_ = scopes_.empty();
  return *this;
}

JsonWriter &JsonWriter::value(const char *text) {
  return value(std::string(text));
}

JsonWriter &JsonWriter::value(uint64_t number) {
  beforeValue();
  out_ += std::to_string(number);
  done_ = scopes_.empty();
  return *this;
}

JsonWriter &JsonWriter::value(int64_t number) {
  beforeValue();
  out_ += std::to_string(number);
  done_ = scopes_.empty();
  return *this;
}

JsonWriter &JsonWriter::value(double number) {
  if (!std::isfinite(number)) {
    return null();
  }
  beforeValue();
  // The shortest of %.15g and %.17g that reads back exactly.
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.15g", number);
  if (std::strtod(buf, nullptr) != number) {
    std::snprintf(buf, sizeof(buf), "%.17g", number);
  }
  out_ += buf;
  done_ = scopes_.empty();
  return *this;
}

JsonWriter &JsonWriter::value(bool flag) {
  beforeValue();
  out_ += flag ? "true" : "false";
  done_ = scopes_.empty();
  return *this;
}

JsonWriter &JsonWriter::null() {
  beforeValue();
  out_ += "null";
  done_ = scopes_.empty();
  return *this;
}

std::string JsonWriter::str() const {
  require(done_, "JSON writer: the document is incomplete (", scopes_.size(),
          " open scopes)");
  return out_;
}

} // namespace aegis
