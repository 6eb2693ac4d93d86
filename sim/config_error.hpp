#pragma once
// Errors in a user's configuration (scenario files, --set overrides, traffic specs): where
// (file and line when known), which key (dotted, e.g. "traffic[2].fan_in") and why. Printed as
// "file:line: key: reason", the form every ubmodel front end reports and exits 2 on.

#include <cstddef>
#include <string>

#include "protocol/common/expected.hpp"

namespace ub::sim {

struct ConfigError {
  std::string file;     // empty when the value did not come from a file
  std::size_t line = 0; // 1-based; 0 = unknown
  std::string key;
  std::string reason;
};

[[nodiscard]] inline std::string to_string(const ConfigError& e) {
  std::string s;
  if (!e.file.empty()) {
    s += e.file;
    s += ':';
    if (e.line != 0) {
      s += std::to_string(e.line);
      s += ':';
    }
    s += ' ';
  }
  s += e.key;
  s += ": ";
  s += e.reason;
  return s;
}

template <class T>
using ConfigResult = Expected<T, ConfigError>;

} // namespace ub::sim
