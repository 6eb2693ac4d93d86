#pragma once
// Scenario files: TOML into a Scenario (scenario.hpp). The schema, every key's type, unit and
// default, the unit grammar and the override syntax are in docs/scenario-format.md.
//
// Every key has a default (the member initialisers of scenario.hpp, the generators' parameter
// structs of sim/topology/topology.hpp, and a few per-pattern defaults the document lists), so
// an empty file is a valid scenario. Unknown keys and tables, wrong types, out-of-range values,
// bad enumeration values (the allowed ones are listed), bad unit strings, broken references
// (`after` names, custom link ends) and TOML syntax errors are refused with a ConfigError:
// file, line, dotted key ("traffic[2].fan_in"), reason. A value that came from an override is
// reported with file "--set" and no line. Nothing throws out of these functions.
//
// Checks here need only the scenario; build_topology.hpp checks what needs the topology (fault
// node names, link ids) and the generators' own limits; make_traffic checks endpoint indexes.

#include <filesystem>
#include <span>
#include <string>
#include <string_view>

#include "sim/config_error.hpp"
#include "sim/scenario/scenario.hpp"

namespace ub::sim {

// Reads `file` (at most 64 MiB); Scenario::file is set to its path as given.
[[nodiscard]] ConfigResult<Scenario> load_scenario(const std::filesystem::path& file,
                                                   std::span<const std::string> overrides = {});

// The same for text in memory; `file_name` is used in errors and becomes Scenario::file.
// `overrides` are the command line's `--set key=value` strings, applied in order to the parsed
// tree before it is read (scenario_overrides.hpp has the grammar).
[[nodiscard]] ConfigResult<Scenario> parse_scenario(std::string_view text,
                                                    std::string_view file_name,
                                                    std::span<const std::string> overrides = {});

} // namespace ub::sim
