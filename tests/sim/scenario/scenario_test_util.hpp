#pragma once
// Helpers for the scenario reader's tests: parse text as "t.toml" and require success or
// return the error as printed ("file:line: key: reason").

#include <string>
#include <string_view>
#include <vector>

#include <catch2/catch.hpp>

#include "sim/scenario/scenario_toml.hpp"

namespace ub::sim::test {

inline Scenario parse_ok(std::string_view text, const std::vector<std::string>& overrides = {}) {
  auto s = parse_scenario(text, "t.toml", overrides);
  INFO((s ? std::string{} : to_string(s.error())));
  REQUIRE(s);
  return std::move(*s);
}

inline std::string parse_error(std::string_view text,
                               const std::vector<std::string>& overrides = {}) {
  auto s = parse_scenario(text, "t.toml", overrides);
  REQUIRE_FALSE(s);
  return to_string(s.error());
}

} // namespace ub::sim::test
