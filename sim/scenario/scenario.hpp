#pragma once
// A fabric-simulator scenario as plain data: what `ubmodel sim` runs. Read from TOML by
// scenario_toml.hpp (schema and defaults: docs/scenario-format.md); every member has the default
// the schema documents, so a default-constructed Scenario is a valid (small) run.

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "protocol/common/units.hpp"
#include "sim/topology/topology.hpp"
#include "sim/traffic/traffic.hpp"

namespace ub::sim {

enum class TopologyKind : std::uint8_t {
  FatTree,
  FullMesh1d,
  FullMesh2d,
  UbMesh,
  Clos,
  Ring,
  Torus2d,
  File, // a custom topology: nodes and links listed in the scenario ([[topology.node]], ...)
};

// A custom topology's node and link (TopologyKind::File).
struct CustomNode {
  std::string name;
  bool is_switch = false;
  bool forwards = false; // endpoints only; switches always forward
  friend bool operator==(const CustomNode&, const CustomNode&) = default;
};
struct CustomLink {
  std::string a, b;             // node names
  std::optional<LinkSpec> spec; // default: TopologySpec::link
  std::size_t line = 0;         // where it was declared, for errors found later
  friend bool operator==(const CustomLink&, const CustomLink&) = default;
};

struct TopologySpec {
  TopologyKind kind = TopologyKind::FullMesh2d;
  LinkSpec link{}; // applied to every link of the generator (its own defaults when not given)
  bool link_given = false;
  FatTreeParams fat_tree{};
  FullMesh1dParams full_mesh_1d{};
  FullMesh2dParams full_mesh_2d{};
  UbMeshParams ub_mesh{};
  ClosParams clos{};
  RingParams ring{};
  TorusParams torus{};
  std::vector<CustomNode> nodes; // File
  std::vector<CustomLink> links; // File
  friend bool operator==(const TopologySpec&, const TopologySpec&) = default;
};

// The PHY and data link of every link (issue 2's model), unless a fault changes it.
struct LinkLayerSpec {
  double ber = 0;        // bit error rate after FEC, per bit
  bool fec = true;       // RS(128,120) on (§3): adds its latency and overhead
  bool retry = true;     // data link retry (§4.7) on: errored packets are replayed, not lost
  Time retry_delay{};    // 0 = derived: the link's round trip plus the retry handshake (A-1xx)
  std::uint32_t vls = 2; // VLs in use, 1..16
  std::uint32_t vl_buffer_bytes = 65536; // receive buffer per VL per port (credits), bytes
  std::uint32_t cell_bytes = 32;         // credit cell (§4.6)
  // Credit-based flow control (§4.6) on: a sender holds a packet until the receiver's VL buffer
  // has room. Off: no link-level flow control (an imported ns-3 case with FlowControl NONE).
  bool credits = true;
  friend bool operator==(const LinkLayerSpec&, const LinkLayerSpec&) = default;
};

enum class Selector : std::uint8_t { Hash, Adaptive, Pinned };
enum class Arbitration : std::uint8_t { StrictPriority, Dwrr };

struct SwitchSpec {
  Time forwarding_latency{150'000};   // MODEL: 150 ns, like ns-3 UB's allocation time
  std::uint8_t rt = 0b00;             // RT field: bit0 per-packet, bit1 shortest (§5.2)
  Selector selector = Selector::Hash; // multipath choice among the RT set
  Arbitration arbitration = Arbitration::StrictPriority;
  std::array<std::uint32_t, 16> dwrr_weights = [] {
    std::array<std::uint32_t, 16> w{};
    w.fill(1);
    return w;
  }();
  std::uint32_t ecn_threshold_bytes = 0; // FECN mark when the out-queue exceeds it; 0 = off
  bool caqm = false;                     // C-AQM approval (§6.5) on marked ports
  std::uint32_t vl_cycle_break = 0;      // 0 = off; 1 = UB-Mesh two-VL scheme (A-1xx)
  friend bool operator==(const SwitchSpec&, const SwitchSpec&) = default;
};

enum class TransportKind : std::uint8_t { Rtp, Ctp, Utp, Bypass };

// How much of a UB controller an endpoint runs.
enum class EndpointModel : std::uint8_t {
  Full,   // function, transaction (initiator, target, oracle) and transport layers
  Packet, // packets only: UTPH + TA header built by the codecs, no transport state, ideal
          // completion feedback; for studies of the network alone and for speed
};

// RTP's retransmission algorithm (§6.4.2): auto = go-back-N with RTO-only recovery when packets
// of a flow may overtake each other (per-packet RT or adaptive selection), else go-back-N with
// fast retransmit.
enum class RetxChoice : std::uint8_t { Auto, GbnFast, GbnRto, SelectiveFast, SelectiveRto };

struct EndpointSpec {
  EndpointModel model = EndpointModel::Full;
  RetxChoice retx = RetxChoice::Auto;
  TransportKind transport = TransportKind::Rtp;
  std::uint32_t mtu = 4096;           // TA payload per packet, bytes
  Time processing{50'000};            // MODEL: per-packet controller latency, each way
  std::uint32_t max_outstanding = 64; // ops in flight per flow unless the flow sets a window
  bool congestion_control = false;    // the transport's CC (LDCP for RTP, §6.5)
  friend bool operator==(const EndpointSpec&, const EndpointSpec&) = default;
};

enum class FaultKind : std::uint8_t { LinkDown, LinkUp, Ber, Lanes, SwitchDown, SwitchUp };

struct FaultEvent {
  Time at{};
  FaultKind kind = FaultKind::LinkDown;
  // Which link: two node names ("a", "b"; the first link between them) or a link id.
  std::string a, b;
  std::optional<std::uint32_t> link_id;
  std::string node; // SwitchDown / SwitchUp
  double value = 0; // Ber: the new BER; Lanes: the new lane count
  std::size_t line = 0;
  friend bool operator==(const FaultEvent&, const FaultEvent&) = default;
};

struct RunSpec {
  Time end_time{1'000'000'000'000}; // 1 s of model time at most
  std::uint64_t max_events = 2'000'000'000ULL;
  Time series_interval{10'000'000}; // CSV time series: one row per 10 us
  bool oracle = true;               // memory results checked (transaction oracle)
  // MODEL: packets queued and none moved for this long = deadlock; the run stops.
  Time stall_timeout{1'000'000'000}; // 1 ms
  friend bool operator==(const RunSpec&, const RunSpec&) = default;
};

// An explicit route (imported ns-3 cases): at node `at`, packets for endpoint `dest` leave on
// one of `ports` (same length as `metrics`, lower metric preferred). With `dest_port`, the entry
// is for packets addressed to that port of `dest` (its Port CNA, §5.3); a lookup that finds no
// such entry falls back to the entry without `dest_port` (the Primary CNA).
struct RouteEntry {
  NodeId at = 0;
  NodeId dest = 0;
  std::vector<PortIndex> ports;
  std::vector<std::uint32_t> metrics;
  std::optional<PortIndex> dest_port;
  friend bool operator==(const RouteEntry&, const RouteEntry&) = default;
};

// Per-node settings that differ from Scenario::switches (imported ns-3 cases: node.csv's
// forwardDelay). Unset members keep the scenario-wide value.
struct NodeOverride {
  NodeId node = 0;
  std::optional<Time> forwarding_latency;
  friend bool operator==(const NodeOverride&, const NodeOverride&) = default;
};

// Per-port settings: `rate` is the transmit rate of that port only, i.e. one direction of its
// link (an ns-3 fault of type 2 or 4 sets one port's rate at load).
struct PortOverride {
  PortRef port;
  std::optional<BitRate> rate;
  friend bool operator==(const PortOverride&, const PortOverride&) = default;
};

struct Scenario {
  std::string name = "default"; // output folder name
  std::string file;             // where it came from ("" = built-in)
  std::uint64_t seed = 1;
  RunSpec run{};
  TopologySpec topology{};
  LinkLayerSpec link{};
  SwitchSpec switches{};
  EndpointSpec endpoint{};
  TrafficSpec traffic{};
  std::vector<FaultEvent> faults;
  std::vector<RouteEntry> routes;           // empty = computed by sim/topology/routing (§5.2)
  std::vector<NodeOverride> node_overrides; // at most one per node
  std::vector<PortOverride> port_overrides; // at most one per port
  friend bool operator==(const Scenario&, const Scenario&) = default;
};

// The forwarding latency of node `n`: its override, else the scenario-wide value.
[[nodiscard]] inline Time forwarding_latency(const Scenario& s, NodeId n) {
  for (const NodeOverride& o : s.node_overrides) {
    if (o.node == n && o.forwarding_latency) {
      return *o.forwarding_latency;
    }
  }
  return s.switches.forwarding_latency;
}

} // namespace ub::sim
