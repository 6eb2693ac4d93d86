#pragma once
// The fabric a scenario names: the generator of its topology kind called with that kind's
// parameters, or the custom topology built from its nodes and links; CNAs assigned and the
// graph finalized (sim/topology/topology.hpp). Then the scenario's faults are checked against
// it: node names exist, a-b pairs are linked, link ids exist, a lanes fault keeps at most the
// link's lanes, a failing switch is a node that forwards.
//
// Links: each generator uses the LinkSpecs of its parameter struct (ub_mesh has five classes,
// the others one). When TopologySpec::link_given is set (for scenarios built in code),
// TopologySpec::link replaces every one of them. The TOML reader leaves link_given false: it
// has already folded [topology.link] into the parameters field by field (MODEL A-191). A custom
// link without a spec of its own uses TopologySpec::link.
//
// Custom topologies (MODEL A-194): node ids in declaration order; a switch has role Switch and
// always forwards, an endpoint role Host and forwards only if asked; ports numbered per node in
// the order of the links; CNAs as every generator assigns them.
//
// Errors name the scenario's file, the key and, where the scenario has it (custom links,
// faults), the line: "topology.fat_tree.k: must be even (5)",
// "topology.custom.link[3].b: no node named \"s9\"", "fault[0].a: no node named \"npu9.9\"".

#include "sim/config_error.hpp"
#include "sim/scenario/scenario.hpp"
#include "sim/topology/topology.hpp"

namespace ub::sim {

[[nodiscard]] ConfigResult<Topology> build_topology(const Scenario& sc);

} // namespace ub::sim
