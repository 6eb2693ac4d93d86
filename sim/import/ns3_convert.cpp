// An imported ns-3 UB case turned into a fabric and its settings: see ns3_convert.hpp, the
// mapping table in sim/README.md and A-210..A-215 in docs/spec-coverage.md.

#include "sim/import/ns3_convert.hpp"

#include <algorithm>
#include <array>
#include <map>
#include <set>
#include <string_view>
#include <tuple>
#include <utility>

#include <fmt/format.h>

namespace ub::sim {

std::optional<Cna> Ns3Converted::port_cna(PortRef p) const {
  const auto it =
      std::lower_bound(port_cnas.begin(), port_cnas.end(), p, [](const PortCna& a, PortRef b) {
        return std::pair{a.port.node, a.port.port} < std::pair{b.node, b.port};
      });
  if (it != port_cnas.end() && it->port == p) {
    return it->cna;
  }
  return std::nullopt;
}

namespace {

// MODEL: ubmodel's links need a positive latency (STYLE 7); a 0 ns ns-3 link gets the
// smallest one, 1 ps.
constexpr Time kMinLinkLatency{1};

// The ns-3 attribute keys the conversion reads, for warnings and errors that point at them.
constexpr std::string_view kKeyIfg = "ns3::UbPort::UbInterframeGap";
constexpr std::string_view kKeyFlowControl = "ns3::UbSwitch::FlowControl";
constexpr std::string_view kKeyInitCredit = "ns3::UbPort::CbfcInitCreditCell";
constexpr std::string_view kKeySharedCredit = "ns3::UbPort::CbfcSharedInitCreditCell";
constexpr std::string_view kKeyReserve = "ns3::UbQueueManager::ReservePerQueueBytes";
constexpr std::string_view kKeyDefaultQuantum = "ns3::UbDwrrAllocator::DefaultQuantum";
constexpr std::string_view kKeyVlQuantums = "ns3::UbDwrrAllocator::VlQuantums";
constexpr std::string_view kKeyMultiPath = "ns3::UbApp::EnableMultiPath";
constexpr std::string_view kKeyLdstSpray = "ns3::UbLdstApi::UsePacketSpray";
constexpr std::string_view kKeyCcEnabled = "UB_CC_ENABLED";
constexpr std::string_view kKeyCaqmQt = "ns3::UbCaqm::UbCaqmQt";

class Converter {
public:
  Converter(const Ns3Case& c, const std::filesystem::path& folder) : c_(c), folder_(folder) {}

  ConfigResult<Ns3Converted> run();

private:
  [[nodiscard]] std::string file(std::string_view name) const {
    return folder_.empty() ? std::string(name) : (folder_ / std::string(name)).string();
  }
  [[nodiscard]] ConfigError error(std::string_view name, std::size_t line, std::string_view key,
                                  std::string reason) const {
    return ConfigError{file(name), line, std::string(key), std::move(reason)};
  }
  void warn(std::string_view name, std::size_t line, std::string_view key, std::string reason) {
    out_.warnings.push_back(to_string(error(name, line, key, std::move(reason))));
  }
  [[nodiscard]] std::size_t attr_line(std::string_view key) const {
    const Ns3Attribute* a = c_.attributes.find(key);
    return a == nullptr ? 0 : a->line;
  }
  [[nodiscard]] ConfigError attr_error(std::string_view key, std::string reason) const {
    return error(kNs3AttributeFile, attr_line(key), key, std::move(reason));
  }
  void attr_warn(std::string_view key, std::string reason) {
    warn(kNs3AttributeFile, attr_line(key), key, std::move(reason));
  }

  std::optional<ConfigError> check_nodes();
  std::optional<ConfigError> check_routes();
  std::optional<ConfigError> add_channel_routes();
  std::optional<ConfigError> check_next_hop(std::string_view file, std::size_t line,
                                            std::string_view column, std::uint32_t node,
                                            std::uint32_t port, std::uint32_t dst);
  std::optional<ConfigError> check_task_routes();
  std::optional<ConfigError> build_topology();
  std::optional<ConfigError> build_routes();
  std::optional<ConfigError> map_settings();
  void map_faults();

  // The far end of (node, port) by topology.csv, if linked.
  [[nodiscard]] std::optional<std::pair<std::uint32_t, std::uint32_t>>
  peer(std::uint32_t node, std::uint32_t port) const {
    const auto it = peers_.find({node, port});
    if (it == peers_.end()) {
      return std::nullopt;
    }
    return it->second;
  }

  const Ns3Case& c_;
  std::filesystem::path folder_;
  Ns3Converted out_;
  std::map<std::pair<std::uint32_t, std::uint32_t>, std::pair<std::uint32_t, std::uint32_t>> peers_;
  // (node, destination) -> the out-ports of all its lines (ns-3's node-address entry)
  std::map<std::pair<std::uint32_t, std::uint32_t>, std::set<std::uint32_t>> node_routes_;
  std::vector<const Ns3Route*> kept_; // the lines that become routes
  // (device, destination) -> the lowest-metric ports of its TPs to that destination, with the
  // transport_channel.csv line of each: for devices routing_table.csv gives no line
  struct ChannelRoute {
    std::uint32_t metric = 0;
    std::map<std::uint32_t, std::pair<std::size_t, std::string_view>> ports; // -> line, column
  };
  std::map<std::pair<std::uint32_t, std::uint32_t>, ChannelRoute> channel_routes_;
  std::vector<bool> forwards_; // per node: a DEVICE that carries transit traffic
};

// Node ids must be 0..N-1: ns-3 creates nodes in id order and then addresses them by position
// (NodeList::GetNode), so a gap makes every later reference name another node.
std::optional<ConfigError> Converter::check_nodes() {
  if (c_.nodes.size() > kMaxNodes) {
    return error(kNs3NodeFile, 0, "nodeId",
                 fmt::format("{} nodes, more than the {} primary CNAs of the 16-bit CNA space",
                             c_.nodes.size(), kMaxNodes));
  }
  for (std::size_t i = 0; i < c_.nodes.size(); ++i) {
    if (c_.nodes[i].id != i) {
      return error(kNs3NodeFile, c_.nodes[i].line, "nodeId",
                   fmt::format("node ids must run 0..N-1 without a gap (ns-3 numbers nodes by "
                               "position): node {} follows node {}",
                               c_.nodes[i].id,
                               i == 0 ? std::string("none") : std::to_string(i - 1)));
    }
  }
  for (const Ns3Link& l : c_.links) {
    peers_[{l.node1, l.port1}] = {l.node2, l.port2};
    peers_[{l.node2, l.port2}] = {l.node1, l.port1};
  }
  return std::nullopt;
}

// Every route's ports are linked, and each out-port leads to the destination or to a node that
// has a route onward other than straight back (ns-3 asserts "No available output port found").
std::optional<ConfigError> Converter::check_routes() {
  const std::string_view f = kNs3RoutingFile;
  forwards_.assign(c_.nodes.size(), false);
  for (const Ns3Route& r : c_.routes) {
    if (r.node == r.dst_node) {
      warn(f, r.line, "dstNodeId",
           fmt::format("a route at node {} to itself is never used: skipped", r.node));
      continue;
    }
    if (c_.nodes[r.dst_node].kind != Ns3NodeKind::Device) {
      warn(f, r.line, "dstNodeId",
           fmt::format("node {} is a SWITCH; routes lead to endpoints (no task ends at a "
                       "switch): skipped",
                       r.dst_node));
      continue;
    }
    if (!peer(r.dst_node, r.dst_port)) {
      return error(
          f, r.line, "dstPortId",
          fmt::format("node {} port {} has no link: nothing can reach it", r.dst_node, r.dst_port));
    }
    for (const std::uint32_t p : r.out_ports) {
      if (!peer(r.node, p)) {
        return error(f, r.line, "outPorts", fmt::format("node {} port {} has no link", r.node, p));
      }
    }
    kept_.push_back(&r);
    auto& ports = node_routes_[{r.node, r.dst_node}];
    ports.insert(r.out_ports.begin(), r.out_ports.end());
  }
  for (const Ns3Route* r : kept_) {
    for (const std::uint32_t p : r->out_ports) {
      if (auto e = check_next_hop(f, r->line, "outPorts", r->node, p, r->dst_node)) {
        return e;
      }
    }
  }
  return std::nullopt;
}

// The node `port` of `node` leads to is `dst`, or has a route to `dst` other than straight back;
// a DEVICE reached that way forwards.
std::optional<ConfigError> Converter::check_next_hop(std::string_view file, std::size_t line,
                                                     std::string_view column, std::uint32_t node,
                                                     std::uint32_t port, std::uint32_t dst) {
  const bool tp = file == kNs3ChannelFile;
  const auto [next, back] = *peer(node, port);
  if (next == dst) {
    return std::nullopt;
  }
  const auto it = node_routes_.find({next, dst});
  if (it == node_routes_.end()) {
    return error(file, line, column,
                 fmt::format("{}port {} leads to node {}, which has no route to node {}",
                             tp ? fmt::format("node {} ", node) : std::string(), port, next, dst));
  }
  if (it->second.size() == 1 && *it->second.begin() == back) {
    return error(file, line, column,
                 fmt::format("{}port {} leads to node {}, whose only route to node {} is back "
                             "on port {} (ns-3 never forwards to the ingress port)",
                             tp ? fmt::format("node {} ", node) : std::string(), port, next, dst,
                             back));
  }
  if (c_.nodes[next].kind == Ns3NodeKind::Device) {
    forwards_[next] = true;
  }
  return std::nullopt;
}

// ns-3 sends a TP's packets out of the TP's own port (transport_channel.csv portId1 / portId2)
// without a routing lookup at the source, so a device needs no routing_table.csv line to a TP
// peer (clos_fault_injection has none for its hosts). Where routing_table.csv gives a device no
// line to a destination, the ports of its lowest-metric TPs to that destination become its
// route. Devices with lines keep them (in the shipped cases the two agree).
std::optional<ConfigError> Converter::add_channel_routes() {
  for (const Ns3Channel& ch : c_.channels) {
    const std::array<std::array<std::uint32_t, 3>, 2> ends{
        {{ch.node1, ch.port1, ch.node2}, {ch.node2, ch.port2, ch.node1}}};
    for (std::size_t k = 0; k < ends.size(); ++k) {
      const auto [node, port, dst] = ends[k];
      if (node_routes_.contains({node, dst})) {
        continue; // routing_table.csv speaks for this device
      }
      const std::string_view column = k == 0 ? "portId1" : "portId2";
      if (!peer(node, port)) {
        return error(kNs3ChannelFile, ch.line, column,
                     fmt::format("node {} port {} has no link", node, port));
      }
      const std::uint32_t metric = ch.metric.value_or(0);
      auto [it, fresh] = channel_routes_.try_emplace({node, dst});
      ChannelRoute& r = it->second;
      if (fresh || metric < r.metric) {
        r.metric = metric;
        r.ports.clear();
      }
      if (metric == r.metric) {
        r.ports.emplace(port, std::pair{ch.line, column}); // the first line naming the port
      }
    }
  }
  for (const auto& [key, r] : channel_routes_) {
    auto& ports = node_routes_[key];
    for (const auto& [port, where] : r.ports) {
      ports.insert(port);
    }
  }
  for (const auto& [key, r] : channel_routes_) {
    for (const auto& [port, where] : r.ports) {
      if (auto e = check_next_hop(kNs3ChannelFile, where.first, where.second, key.first, port,
                                  key.second)) {
        return e;
      }
    }
  }
  return std::nullopt;
}

// Every task needs a way there and back (requests out, ACKs and responses home): ns-3 asserts
// on a packet with no output port, ubmodel would drop it as unroutable.
std::optional<ConfigError> Converter::check_task_routes() {
  for (const Ns3Task& t : c_.tasks) {
    for (const bool out : {true, false}) {
      const std::uint32_t from = out ? t.src : t.dst;
      const std::uint32_t to = out ? t.dst : t.src;
      if (from == to || from >= c_.nodes.size() || to >= c_.nodes.size() ||
          node_routes_.contains({from, to})) {
        continue; // the traffic conversion refuses the first two itself
      }
      return error(kNs3TrafficFile, t.line, out ? "sourceNode" : "destNode",
                   fmt::format("task {}: node {} has no route to node {} (no routing_table.csv "
                               "line and no transport_channel.csv TP between them)",
                               t.id, from, to));
    }
  }
  return std::nullopt;
}

std::optional<ConfigError> Converter::build_topology() {
  Topology& t = out_.topology;
  for (const Ns3Node& n : c_.nodes) {
    const bool is_switch = n.kind == Ns3NodeKind::Switch;
    const auto ports = static_cast<std::uint16_t>(n.ports); // at most kNs3MaxPorts (4096)
    const NodeId id = t.add_node(is_switch ? NodeKind::Switch : NodeKind::Endpoint,
                                 is_switch ? NodeRole::Switch : NodeRole::Host,
                                 fmt::format("{}{}", is_switch ? "switch" : "device", n.id),
                                 forwards_[n.id], ports);
    t.reserve_ports(id, ports);
  }
  for (const Ns3Link& l : c_.links) {
    LinkSpec spec;
    spec.rate = l.bandwidth;
    spec.latency = l.delay;
    if (spec.latency < kMinLinkLatency) {
      spec.latency = kMinLinkLatency;
      warn(kNs3TopologyFile, l.line, "delay",
           "a link delay of 0 becomes 1 ps (ubmodel links need a positive latency)");
    }
    t.connect_ports(PortRef{l.node1, static_cast<PortIndex>(l.port1)},
                    PortRef{l.node2, static_cast<PortIndex>(l.port2)}, spec);
  }
  if (auto s = t.assign_cnas(); !s) {
    return error(kNs3NodeFile, 0, "nodeId", to_string(s.error()));
  }
  if (auto s = t.finalize(); !s) {
    // The import's checks leave nothing for validate() to find; say where it came from anyway.
    return error(kNs3TopologyFile, 0, "topology", to_string(s.error()));
  }
  const std::size_t n = c_.nodes.size();
  out_.node_of_ns3.resize(n);
  out_.ns3_of_node.resize(n);
  out_.endpoint_index_of_ns3_node.assign(n, kNotEndpoint);
  std::uint32_t next_endpoint = 0;
  for (std::uint32_t i = 0; i < n; ++i) {
    out_.node_of_ns3[i] = i;
    out_.ns3_of_node[i] = i;
    if (t.node(i).kind == NodeKind::Endpoint) {
      out_.endpoint_index_of_ns3_node[i] = next_endpoint++;
    }
  }
  return std::nullopt;
}

// Out-ports with their metrics, sorted by (metric, port), each pair once (ns-3 sorts and merges
// the ports of each metric group the same way).
RouteEntry make_entry(NodeId at, NodeId dest, std::optional<PortIndex> dest_port,
                      std::set<std::pair<std::uint32_t, std::uint32_t>> metric_ports) {
  RouteEntry e;
  e.at = at;
  e.dest = dest;
  e.dest_port = dest_port;
  for (const auto& [metric, port] : metric_ports) {
    e.ports.push_back(static_cast<PortIndex>(port));
    e.metrics.push_back(metric);
  }
  return e;
}

std::optional<ConfigError> Converter::build_routes() {
  // Port CNAs for every destination port a route names, numbered on after the Primary CNAs.
  std::map<std::pair<std::uint32_t, std::uint32_t>, std::size_t> dest_ports; // -> first line
  for (const Ns3Route* r : kept_) {
    dest_ports.emplace(std::pair{r->dst_node, r->dst_port}, r->line);
  }
  std::uint32_t next = 0;
  for (const Node& n : out_.topology.nodes()) {
    next = std::max<std::uint32_t>(next, n.cna);
  }
  for (const auto& [port, line] : dest_ports) {
    if (++next > kMaxCna) {
      return error(kNs3RoutingFile, line, "dstPortId",
                   fmt::format("no 16-bit CNA left for the Port CNA of node {} port {}", port.first,
                               port.second));
    }
    out_.port_cnas.push_back(
        PortCna{PortRef{port.first, static_cast<PortIndex>(port.second)}, static_cast<Cna>(next)});
  }

  using MetricPorts = std::set<std::pair<std::uint32_t, std::uint32_t>>;
  std::map<std::pair<std::uint32_t, std::uint32_t>, MetricPorts> by_node; // (at, dest)
  std::vector<RouteEntry>& routes = out_.scenario.routes;
  for (const Ns3Route* r : kept_) {
    MetricPorts mp;
    for (std::size_t i = 0; i < r->out_ports.size(); ++i) {
      mp.emplace(r->metrics[i], r->out_ports[i]);
    }
    by_node[{r->node, r->dst_node}].insert(mp.begin(), mp.end());
    routes.push_back(make_entry(r->node, r->dst_node, static_cast<PortIndex>(r->dst_port), mp));
  }
  for (const auto& [key, r] : channel_routes_) {
    auto& mp = by_node[key];
    for (const auto& [port, where] : r.ports) {
      mp.emplace(r.metric, port);
    }
  }
  for (auto& [key, mp] : by_node) {
    routes.push_back(make_entry(key.first, key.second, std::nullopt, std::move(mp)));
  }
  // (at, dest), the node-address entry first, then by destination port
  std::sort(routes.begin(), routes.end(), [](const RouteEntry& a, const RouteEntry& b) {
    const auto key = [](const RouteEntry& e) {
      return std::tuple{e.at, e.dest, e.dest_port.has_value(), e.dest_port.value_or(0)};
    };
    return key(a) < key(b);
  });
  return std::nullopt;
}

std::optional<ConfigError> Converter::map_settings() {
  const Ns3Settings& s = c_.settings();
  Scenario& sc = out_.scenario;
  if (!folder_.empty()) {
    const auto leaf =
        folder_.filename().empty() ? folder_.parent_path().filename() : folder_.filename();
    sc.name = leaf.string();
    sc.file = folder_.string();
  } else {
    sc.name = "ns3-case";
  }
  sc.topology.kind = TopologyKind::File;
  sc.topology.link.rate = s.data_rate;
  sc.topology.link.latency = std::max(s.link_delay, kMinLinkLatency);
  sc.topology.link_given = true;

  // ---- link layer (A-211, A-212) ----
  LinkLayerSpec& ll = sc.link;
  ll.ber = 0;       // ns-3 has no PHY and no bit errors
  ll.fec = false;   // nor FEC latency or overhead
  ll.retry = false; // nor data link retry
  ll.vls = s.vls;   // UB_VL_NUM, 1..16
  const auto to_u32 = [&](std::uint64_t v, std::string_view key,
                          std::string_view what) -> ConfigResult<std::uint32_t> {
    if (v > std::numeric_limits<std::uint32_t>::max()) {
      return make_unexpected(
          attr_error(key, fmt::format("{} of {} bytes does not fit 32 bits", what, v)));
    }
    return static_cast<std::uint32_t>(v);
  };
  const std::uint64_t cell = s.cbfc_flit_bytes * s.cbfc_flits_per_cell;
  const auto credit_bytes = [&](std::uint64_t cells,
                                std::string_view key) -> ConfigResult<std::uint32_t> {
    std::uint64_t bytes = 0;
    if (__builtin_mul_overflow(cells, cell, &bytes)) {
      return make_unexpected(attr_error(key, "credit cells times cell size overflow 64 bits"));
    }
    return to_u32(bytes, key, "a VL's credit");
  };
  switch (s.flow_control) {
  case Ns3FlowControl::Cbfc:
  case Ns3FlowControl::CbfcShared: {
    ll.credits = true;
    auto bytes = credit_bytes(s.cbfc_init_credit_cells, kKeyInitCredit);
    if (!bytes) {
      return bytes.error();
    }
    ll.vl_buffer_bytes = *bytes;
    if (s.flow_control == Ns3FlowControl::CbfcShared) {
      attr_warn(kKeyFlowControl,
                fmt::format("CBFC_SHARED: each VL keeps its {} exclusive credit cells; the shared "
                            "pool of {} cells ({}) is not modelled",
                            s.cbfc_init_credit_cells, s.cbfc_shared_init_credit_cells,
                            kKeySharedCredit));
    }
    break;
  }
  case Ns3FlowControl::PfcFixed:
  case Ns3FlowControl::PfcDynamic:
  case Ns3FlowControl::None: {
    ll.credits = false;
    auto bytes = to_u32(s.reserve_per_queue_bytes, kKeyReserve, "the reserve per queue");
    if (!bytes) {
      return bytes.error();
    }
    ll.vl_buffer_bytes = *bytes;
    if (s.flow_control != Ns3FlowControl::None) {
      attr_warn(kKeyFlowControl,
                "PFC is not modelled (UB's link flow control is credit-based, §4.6): converted "
                "to no link-level flow control");
    }
    break;
  }
  }
  if (s.interframe_gap != Time{0}) {
    attr_warn(kKeyIfg, fmt::format("an interframe gap of {} ps is not modelled: ignored",
                                   s.interframe_gap.count()));
  }

  // ---- switches (A-213) ----
  SwitchSpec& sw = sc.switches;
  sw.forwarding_latency = s.allocation_time;
  for (const Ns3Node& n : c_.nodes) {
    if (n.forward_delay && *n.forward_delay != s.allocation_time) {
      sc.node_overrides.push_back(NodeOverride{n.id, *n.forward_delay});
    }
  }
  sw.selector = s.routing == Ns3RoutingAlgorithm::Adaptive ? Selector::Adaptive : Selector::Hash;
  // RT (§5.2): bit 0 per-packet, bit 1 shortest paths only. URMA tasks take the TP's flags,
  // MEM_STORE / MEM_LOAD the load/store API's; one scenario has one RT, so a case that mixes
  // both with different flags keeps the URMA ones.
  bool urma = false;
  bool ldst = false;
  for (const Ns3Task& t : c_.tasks) {
    (t.op == Ns3OpType::MemStore || t.op == Ns3OpType::MemLoad ? ldst : urma) = true;
  }
  const bool use_ldst = ldst && !urma;
  const bool spray = use_ldst ? s.ldst_use_packet_spray : s.use_packet_spray;
  const bool shortest = use_ldst ? s.ldst_use_shortest_paths : s.use_shortest_paths;
  sw.rt = static_cast<std::uint8_t>((spray ? 1U : 0U) | (shortest ? 2U : 0U));
  if (urma && ldst &&
      (s.use_packet_spray != s.ldst_use_packet_spray ||
       s.use_shortest_paths != s.ldst_use_shortest_paths)) {
    attr_warn(kKeyLdstSpray,
              "URMA and MEM tasks use different packet-spray or shortest-path flags; one RT "
              "per scenario: the URMA (UbTransportChannel) flags are used");
  }
  if (s.vl_scheduler == Ns3VlScheduler::Dwrr) {
    sw.arbitration = Arbitration::Dwrr;
    if (s.dwrr_default_quantum == 0) {
      return attr_error(kKeyDefaultQuantum, "a DWRR quantum of 0 never serves its VL");
    }
    auto q = to_u32(s.dwrr_default_quantum, kKeyDefaultQuantum, "a DWRR quantum");
    if (!q) {
      return q.error();
    }
    sw.dwrr_weights.fill(*q);
    for (const auto& [vl, bytes] : s.dwrr_vl_quantums) {
      if (bytes == 0) {
        return attr_error(kKeyVlQuantums,
                          fmt::format("a DWRR quantum of 0 never serves VL {}", vl));
      }
      auto w = to_u32(bytes, kKeyVlQuantums, "a DWRR quantum");
      if (!w) {
        return w.error();
      }
      sw.dwrr_weights.at(vl) = *w; // the importer keeps VLs below 16
    }
  } else {
    sw.arbitration = Arbitration::StrictPriority;
  }
  if (s.cc_enabled) {
    sw.caqm = true;
    auto qt = to_u32(s.caqm_qt_bytes, kKeyCaqmQt, "the C-AQM queue threshold");
    if (!qt) {
      return qt.error();
    }
    sw.ecn_threshold_bytes = *qt;
    attr_warn(kKeyCcEnabled,
              "C-AQM on: switches mark above UbCaqmQt; the other C-AQM parameters (alpha, beta, "
              "gamma, lambda, theta, CC unit, mark probability, initial window, update period) "
              "are ubmodel's own (§6.5)");
  }

  // ---- endpoints (A-214) ----
  EndpointSpec& ep = sc.endpoint;
  ep.transport = TransportKind::Rtp;
  auto mtu = to_u32(s.mtu_bytes, "UB_MTU_BYTE", "the MTU");
  if (!mtu) {
    return mtu.error();
  }
  ep.mtu = *mtu;
  ep.processing = Time{0}; // ns-3 has no controller latency beyond the node's allocator
  // An operation is one TA segment (ta_segment_bytes): at most max_wqe_segments of them in
  // flight, and at most max_inflight_packets packets of mtu bytes, counted in segments.
  const std::uint64_t seg = std::max<std::uint64_t>(s.ta_segment_bytes, 1);
  std::uint64_t by_packets = 0;
  if (__builtin_mul_overflow(s.max_inflight_packets, s.mtu_bytes, &by_packets)) {
    by_packets = std::numeric_limits<std::uint64_t>::max();
  }
  const std::uint64_t outstanding =
      std::max<std::uint64_t>(1, std::min(s.max_wqe_segments, by_packets / seg));
  ep.max_outstanding =
      static_cast<std::uint32_t>(std::min<std::uint64_t>(outstanding, 0xFFFF'FFFFULL));
  ep.congestion_control = s.cc_enabled;
  if (s.enable_multipath) {
    attr_warn(kKeyMultiPath, "multi-TP jetties (one task striped over several TPs) are the "
                             "traffic conversion's to express, not the fabric's");
  }
  return std::nullopt;
}

std::string_view fault_what(Ns3FaultType t) {
  switch (t) {
  case Ns3FaultType::Drop:
    return "drops a share of one task's packets";
  case Ns3FaultType::Delay:
    return "delays one task's packets";
  case Ns3FaultType::Shutdown:
    return "drops a range of one task's packet numbers (inert in ns-3 too)";
  case Ns3FaultType::ErrorDrop:
    return "drops one task's packets at random";
  case Ns3FaultType::Congestion:
  case Ns3FaultType::LowerRate:
    return "sets a port's rate";
  }
  return "?";
}

// ns-3 applies fault.csv only with UB_FAULT_ENABLE (the import warns when it is off). Types 2
// and 4 set one port's transmit rate at load: a PortOverride. The per-task types act on one
// task's packets at the first switch port they cross, which no FaultKind can say.
void Converter::map_faults() {
  if (!c_.settings().fault_enable) {
    return;
  }
  std::map<std::pair<std::uint32_t, std::uint32_t>, std::size_t> set_on; // port -> line
  for (const Ns3Fault& f : c_.faults) {
    const auto type = static_cast<unsigned>(f.type);
    if (f.port_rate && (f.type == Ns3FaultType::Congestion || f.type == Ns3FaultType::LowerRate)) {
      const Ns3PortRate& pr = *f.port_rate;
      const PortRef port{pr.node, static_cast<PortIndex>(pr.port)};
      if (!peer(pr.node, pr.port)) {
        warn(
            kNs3FaultFile, f.line, "lowerDataRate",
            fmt::format("type {}: node {} port {} has no link: no effect", type, pr.node, pr.port));
        continue;
      }
      auto& overrides = out_.scenario.port_overrides;
      const auto it = std::find_if(overrides.begin(), overrides.end(),
                                   [&](const PortOverride& o) { return o.port == port; });
      if (it != overrides.end()) {
        warn(kNs3FaultFile, f.line, "lowerDataRate",
             fmt::format("node {} port {} was set on line {}: this line's rate wins, as in ns-3",
                         pr.node, pr.port, set_on[{pr.node, pr.port}]));
        it->rate = pr.rate;
      } else {
        overrides.push_back(PortOverride{port, pr.rate});
      }
      set_on[{pr.node, pr.port}] = f.line;
      continue;
    }
    warn(kNs3FaultFile, f.line, "faultType",
         fmt::format("type {} {} (task {}); ubmodel faults act on links and switches, not on one "
                     "flow: not applied",
                     type, fault_what(f.type), f.task_id));
  }
  std::sort(out_.scenario.port_overrides.begin(), out_.scenario.port_overrides.end(),
            [](const PortOverride& a, const PortOverride& b) {
              return std::pair{a.port.node, a.port.port} < std::pair{b.port.node, b.port.port};
            });
}

ConfigResult<Ns3Converted> Converter::run() {
  if (auto e = check_nodes()) {
    return make_unexpected(std::move(*e));
  }
  if (auto e = check_routes()) {
    return make_unexpected(std::move(*e));
  }
  if (auto e = add_channel_routes()) {
    return make_unexpected(std::move(*e));
  }
  if (auto e = check_task_routes()) {
    return make_unexpected(std::move(*e));
  }
  if (auto e = build_topology()) {
    return make_unexpected(std::move(*e));
  }
  if (auto e = build_routes()) {
    return make_unexpected(std::move(*e));
  }
  if (auto e = map_settings()) {
    return make_unexpected(std::move(*e));
  }
  map_faults();
  return std::move(out_);
}

} // namespace

ConfigResult<Ns3Converted> convert_ns3_case(const Ns3Case& c, const std::filesystem::path& folder) {
  Converter conv(c, folder);
  return conv.run();
}

} // namespace ub::sim
