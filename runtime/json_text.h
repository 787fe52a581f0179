// JSON string literals for the reports the library and its tools print
// (fidelity report, edgert-bench --json): the text in double quotes, with
// quote and backslash escaped and control characters written as \u00XX.
#pragma once

#include <cstdio>
#include <string>

namespace edgert {

inline std::string JsonQuoted(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof(buf), "\\u%04x", static_cast<unsigned>(static_cast<unsigned char>(c)));
      out += buf;
    } else {
      out += c;
    }
  }
  return out + "\"";
}

}  // namespace edgert
