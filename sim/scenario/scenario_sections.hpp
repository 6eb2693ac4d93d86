#pragma once
// The scenario reader's sections, one function each (scenario_toml*.cpp). Internal to
// sim/scenario. Each reads what is present over the defaults already in `out` and records the
// first error in the Reader; the caller checks reader.ok() once at the end.

#include <toml++/toml.h>

#include "sim/scenario/scenario.hpp"
#include "sim/scenario/toml_reader.hpp"

namespace ub::sim::scn {

// [topology] with its per-kind sub-tables and the custom topology.
void read_topology(Reader& r, const toml::node& n, TopologySpec& out);
// [[traffic]]
void read_traffic(Reader& r, const toml::node& n, TrafficSpec& out);
// [[fault]]
void read_faults(Reader& r, const toml::node& n, std::vector<FaultEvent>& out);

// The elements of an array of tables at `key` ("traffic"), each checked to be a table.
// Returns false (with an error) when `n` is not an array or an element is not a table.
bool tables_of(Reader& r, const toml::node& n, const std::string& key,
               std::vector<const toml::table*>& out);

// The source line of a node (0 for one that came from --set).
[[nodiscard]] std::size_t line_of(const toml::node& n) noexcept;

} // namespace ub::sim::scn
