#pragma once
// From what a user names to what FabricSim runs: a scenario (TOML file, the built-in default, or
// an ns-3 UB case folder) becomes a Scenario, a finalized Topology and its flows.

#include <filesystem>
#include <span>
#include <string>
#include <vector>

#include "sim/config_error.hpp"
#include "sim/scenario/scenario.hpp"
#include "sim/topology/topology.hpp"
#include "sim/traffic/flow.hpp"

namespace ub::sim {

struct SimInput {
  Scenario scenario;
  Topology topology; // finalized
  std::vector<Flow> flows;
  std::vector<std::string> warnings; // e.g. ns-3 settings or faults that do not map
  bool ns3 = false;                  // imported from an ns-3 UB case folder
};

// The scenario's topology and traffic (errors from the traffic generators name the file).
[[nodiscard]] ConfigResult<SimInput> prepare(Scenario sc);
// `path`: a TOML file, or a folder holding an ns-3 UB case (node.csv ...); empty = the built-in
// default. `overrides` are `--set key=value` strings (every scenario key for a TOML scenario;
// for an ns-3 case the keys that do not contradict its files: seed, run.*, endpoint.model,
// endpoint.retx, switch.selector, switch.caqm, link.ber and link.retry).
[[nodiscard]] ConfigResult<SimInput> prepare(const std::filesystem::path& path,
                                             std::span<const std::string> overrides);

} // namespace ub::sim
