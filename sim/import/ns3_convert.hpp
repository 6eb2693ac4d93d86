#pragma once
// An imported ns-3 UB simulator case (ns3_case.hpp) turned into what the fabric simulator runs:
// a finalized Topology, explicit routes, and the switch, link and endpoint settings of a Scenario.
// The mapping of every ns-3 setting is tabled in sim/README.md ("ns-3 case conversion"); the
// model choices are A-210..A-215 and A-218 in docs/spec-coverage.md (A-183: CNAs).
//
// - Nodes keep their ns-3 ids (ns-3 numbers nodes 0..N-1 in node.csv order; a case with a gap
//   is refused) and their ports keep their ns-3 indices, including ports without a link. DEVICE
//   nodes are endpoints, SWITCH nodes switches. A DEVICE forwards when some route sends transit
//   traffic through it (the 2D full mesh cases).
// - CNAs: Primary CNAs by Topology::assign_cnas (endpoints first, A-171); a Port CNA,
//   numbered on from there, for every (node, port) that routing_table.csv names as a destination.
// - Routes: each routing_table.csv line becomes a RouteEntry for its destination port, and each
//   (node, destination) gets one more entry without a port, the union of its lines: ns-3 files
//   every line under both addresses and falls back to the node's address. A DEVICE with no
//   line to a destination it has TPs with (transport_channel.csv) gets the ports of its
//   lowest-metric TPs there: ns-3 sends TP packets out of the TP's port without a lookup.
//   A task whose ends have no route to each other is refused (traffic.csv line).
// - Tasks are not converted here (sim/traffic/ns3_traffic.hpp does that); the endpoint index of
//   every ns-3 node joins the two.
//
// Refusals are ConfigErrors naming `file:line: column: reason` (the case's own file names,
// under `folder` when one is given); what converts only approximately, or not at all, is a
// warning in the same form.

#include <cstdint>
#include <filesystem>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "sim/config_error.hpp"
#include "sim/import/ns3_case.hpp"
#include "sim/scenario/scenario.hpp"
#include "sim/topology/topology.hpp"

namespace ub::sim {

inline constexpr std::uint32_t kNotEndpoint = std::numeric_limits<std::uint32_t>::max();

// A Port CNA (UB-Base-2.0 §5.3): the address of one port of a device.
struct PortCna {
  PortRef port;
  Cna cna = kNoCna;
};

struct Ns3Converted {
  // Settings, routes, per-node and per-port overrides. Its `topology` member is not used (kind
  // File with no nodes): the fabric is `topology` below. Its traffic is empty.
  Scenario scenario;
  Topology topology; // finalized
  // ns-3 node id <-> our node id (the identity today: kept so callers do not rely on it).
  std::vector<NodeId> node_of_ns3;
  std::vector<std::uint32_t> ns3_of_node;
  // ns-3 node id -> index into topology.endpoints() (Flow::src/dst), or kNotEndpoint (a SWITCH).
  std::vector<std::uint32_t> endpoint_index_of_ns3_node;
  std::vector<PortCna> port_cnas; // sorted by (node, port)
  // "file:line: field: reason" for each setting, link or fault converted approximately or not
  // at all.
  std::vector<std::string> warnings;

  // The Port CNA of `p`, if routes name it.
  [[nodiscard]] std::optional<Cna> port_cna(PortRef p) const;
};

// `folder` (optional) prefixes the file names in errors and warnings and names the scenario.
[[nodiscard]] ConfigResult<Ns3Converted> convert_ns3_case(const Ns3Case& c,
                                                          const std::filesystem::path& folder = {});

} // namespace ub::sim
