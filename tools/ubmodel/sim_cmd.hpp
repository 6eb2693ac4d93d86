#pragma once
// `ubmodel sim`: the fabric simulator (sim/fabric) on a scenario, an ns-3 UB case folder, or the
// built-in default.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

namespace ub::tool {

struct SimOptions {
  std::string scenario; // TOML file or ns-3 case folder; empty = built-in
  std::optional<std::uint64_t> seed;
  std::vector<std::string> set;
  std::string out;
  bool no_out = false;
  bool quiet = false; // no progress line
};

void add_sim_options(CLI::App* cmd, SimOptions& o);
[[nodiscard]] int run_sim(const SimOptions& o);

} // namespace ub::tool
