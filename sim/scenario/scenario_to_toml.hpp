#pragma once
// A Scenario written back as a scenario file (docs/scenario-format.md) that parse_scenario reads
// to the same Scenario. The scenario fuzz target (fuzz/scenario.cpp) writes a failing input this
// way, so that `ubmodel sim FILE` replays it.
//
// Only what differs from the reader's defaults is written (a key the reader would take as its
// default is left out), in the document's order: top level, [run], [topology] (with the
// sub-table of every kind whose parameters are not the defaults, not only the kind in use),
// [link], [switch], [endpoint], [[traffic]], [[fault]]. Units are exact (units_parse.hpp's
// format_*), floats the shortest text that reads back to the same double.
//
// The round trip: parse_scenario(scenario_to_toml(s)) == s, except
//   - Scenario::file and the source lines (FaultEvent::line, CustomLink::line): the parser sets
//     them from the text it reads;
//   - TopologySpec::link_given, which the reader always leaves false (it folds [topology.link]
//     into every kind's parameters instead): a scenario with it set is written with its link in
//     the parameters of the kind in use, which build the same fabric;
//   - a traffic pattern's keys that its pattern kind or size distribution does not use (the
//     reader refuses them): they are left out and read back as their defaults.
// What a scenario file cannot say is refused with a ConfigError naming the member (key
// "link.credits", "run.stall_timeout", "routes", "node_overrides", "port_overrides", or a value
// outside the reader's range, e.g. "seed", "name").

#include <string>

#include "sim/config_error.hpp"
#include "sim/scenario/scenario.hpp"

namespace ub::sim {

[[nodiscard]] ConfigResult<std::string> scenario_to_toml(const Scenario& s);

// A TOML basic string: `text` quoted, with '"', '\' and control characters escaped.
[[nodiscard]] std::string toml_quote(std::string_view text);

} // namespace ub::sim
