#pragma once
// `--set key=value` overrides, applied to a parsed scenario tree before it is read (MODEL A-195;
// docs/scenario-format.md, "Overrides"). Internal to sim/scenario (it brings in toml++).
//
// key   = segment ('.' segment)*, segment = name ('[' index ']')*, name = [A-Za-z0-9_-]+
//         e.g. seed, switch.forwarding_latency, traffic[0].bytes, switch.dwrr_weights[3]
// value = any TOML value (7, true, "x", [0, 1], 1e-12, {lanes = 8}); text that is not a TOML
//         value is taken as a string, so 1MB, 200ns and fat_tree need no quotes.
//
// Tables along the key are created when missing; an array index may be the array's length,
// which appends (an absent array has length 0): traffic[1].pattern=incast adds a second pattern.
// Overrides apply in order, later ones win. Every value they bring carries the source "--set",
// so an error in it names that instead of the file. A malformed override (no '=', a bad key, an
// index past the end, a path through a value that is not a table or array) is an error with file
// "--set", no line, the key, and the reason.

#include <span>
#include <string>

#include <toml++/toml.h>

#include "sim/config_error.hpp"

namespace ub::sim::scn {

[[nodiscard]] ConfigResult<void> apply_overrides(toml::table& root,
                                                 std::span<const std::string> overrides);

} // namespace ub::sim::scn
