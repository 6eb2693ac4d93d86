#pragma once
// The built-in scenario that `ubmodel sim` runs when given none: a 2D full mesh rack of 8x8
// NPUs with a ring AllReduce, load/store streams and random URMA Writes, and one link that
// fails and recovers (MODEL A-193). scenarios/default.toml holds the same text (a test checks
// that they are identical); parse it with parse_scenario(default_scenario_toml(), ...).

#include <string_view>

namespace ub::sim {

[[nodiscard]] std::string_view default_scenario_toml() noexcept;

} // namespace ub::sim
