#pragma once
// The scenario schema's names for its enumerations (docs/scenario-format.md): what a TOML file
// writes for a topology kind, a pattern, an op, ... Shared by the reader (scenario_toml.cpp) and
// by anything that prints a scenario back (to_string).

#include <cstdint>
#include <span>
#include <string_view>

#include "sim/scenario/scenario.hpp"
#include "sim/traffic/flow.hpp"
#include "sim/traffic/traffic.hpp"

namespace ub::sim {

template <class E>
struct Named {
  std::string_view name;
  E value;
};

[[nodiscard]] std::span<const Named<TopologyKind>> topology_kind_names() noexcept;
[[nodiscard]] std::span<const Named<Selector>> selector_names() noexcept;
[[nodiscard]] std::span<const Named<Arbitration>> arbitration_names() noexcept;
[[nodiscard]] std::span<const Named<TransportKind>> transport_names() noexcept;
[[nodiscard]] std::span<const Named<EndpointModel>> endpoint_model_names() noexcept;
[[nodiscard]] std::span<const Named<RetxChoice>> retx_names() noexcept;
[[nodiscard]] std::span<const Named<FaultKind>> fault_kind_names() noexcept;
[[nodiscard]] std::span<const Named<PatternKind>> pattern_names() noexcept;
[[nodiscard]] std::span<const Named<SizeDist>> size_dist_names() noexcept;
[[nodiscard]] std::span<const Named<OpKind>> op_names() noexcept;
// The RT field (§5.2; bit 0 per-packet, bit 1 shortest): per_flow_all = 0, per_packet_all = 1,
// per_flow_shortest = 2, per_packet_shortest = 3.
[[nodiscard]] std::span<const Named<std::uint8_t>> rt_names() noexcept;

[[nodiscard]] std::string_view to_string(TopologyKind k) noexcept;
[[nodiscard]] std::string_view to_string(Selector s) noexcept;
[[nodiscard]] std::string_view to_string(Arbitration a) noexcept;
[[nodiscard]] std::string_view to_string(TransportKind t) noexcept;
[[nodiscard]] std::string_view to_string(EndpointModel m) noexcept;
[[nodiscard]] std::string_view to_string(FaultKind k) noexcept;
[[nodiscard]] std::string_view to_string(PatternKind k) noexcept;
[[nodiscard]] std::string_view to_string(SizeDist d) noexcept;

} // namespace ub::sim
