// Conversion of imported ns-3 UB cases (sim/import/ns3_convert): the eight shipped case folders
// keep their nodes, ports and links, their routes lead where they say, every setting lands in
// the scenario, faults map or warn, and inconsistent cases are refused with file and line.
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include "ns3_test_util.hpp"
#include "sim/import/ns3_convert.hpp"

using namespace ub;
using namespace ub::literals;
using namespace ub::sim;
using ub::test::assemble_ok;
using ub::test::read_folder;
using ub::test::shipped_cases_dir;

namespace {

constexpr std::string_view kHeaderNode = "nodeId,nodeType,portNum,forwardDelay\n";
constexpr std::string_view kHeaderTopo = "nodeId1,portId1,nodeId2,portId2,bandwidth,delay\n";
constexpr std::string_view kHeaderRoute = "nodeId,dstNodeId,dstPortId,outPorts,metrics\n";
constexpr std::string_view kHeaderTraffic =
    "taskId,sourceNode,destNode,dataSize(Byte),opType,priority,delay,phaseId,dependOnPhases\n";
constexpr std::string_view kHeaderFault =
    "taskId,faultType,dropRate(%),delay(ns),lowerDataRate(node port datrate(Mbps)),"
    "shutdownDropPackets(start end),OccasionalDropRate(%)\n";

// Two hosts behind one switch; the second link is slower and longer.
Ns3CaseFiles two_hosts(std::string attributes = {}) {
  return Ns3CaseFiles{
      {"network_attribute.txt", std::move(attributes)},
      {"node.csv", std::string(kHeaderNode) + "0..1,DEVICE,1,1ns\n2,SWITCH,2\n"},
      {"topology.csv", std::string(kHeaderTopo) + "0,0,2,0,400Gbps,20ns\n1,0,2,1,200Gbps,1.5us\n"},
      {"routing_table.csv",
       std::string(kHeaderRoute) + "0,1,0,0,2\n1,0,0,0,2\n2,0,0,0,1\n2,1,0,1,1\n"},
      {"traffic.csv", std::string(kHeaderTraffic) + "0,0,1,4096,URMA_WRITE,7,10ns,0,\n"
                                                    "1,1,0,8192,URMA_READ,7,0ns,0,\n"},
  };
}

Ns3Converted convert_ok(const Ns3CaseFiles& files) {
  const Ns3Case c = assemble_ok(files);
  auto conv = convert_ns3_case(c);
  INFO((conv ? std::string{} : to_string(conv.error())));
  REQUIRE(conv);
  return std::move(*conv);
}

ConfigError convert_error(const Ns3CaseFiles& files) {
  const Ns3Case c = assemble_ok(files);
  auto conv = convert_ns3_case(c);
  REQUIRE_FALSE(conv);
  return conv.error();
}

bool has_warning(const Ns3Converted& conv, std::string_view text) {
  return std::any_of(conv.warnings.begin(), conv.warnings.end(),
                     [&](const std::string& w) { return w.find(text) != std::string::npos; });
}

std::vector<std::filesystem::path> shipped_folders() {
  const auto dir = shipped_cases_dir();
  std::error_code ec;
  std::vector<std::filesystem::path> folders;
  if (dir.empty() || !std::filesystem::is_directory(dir, ec)) {
    return folders;
  }
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    if (e.is_directory()) {
      folders.push_back(e.path());
    }
  }
  std::sort(folders.begin(), folders.end());
  return folders;
}

const RouteEntry* find_route(const Ns3Converted& conv, NodeId at, NodeId dest,
                             std::optional<PortIndex> dest_port) {
  for (const RouteEntry& r : conv.scenario.routes) {
    if (r.at == at && r.dest == dest && r.dest_port == dest_port) {
      return &r;
    }
  }
  return nullptr;
}

// The lowest-metric ports of an entry other than `in_port` (ns-3's shortest group without the
// ingress port).
std::vector<PortIndex> shortest_ports(const RouteEntry& r, std::optional<PortIndex> in_port) {
  std::vector<PortIndex> out;
  const std::uint32_t best = *std::min_element(r.metrics.begin(), r.metrics.end());
  for (std::size_t i = 0; i < r.ports.size(); ++i) {
    if (r.metrics[i] == best && r.ports[i] != in_port) {
      out.push_back(r.ports[i]);
    }
  }
  return out;
}

// Follows every shortest-path choice from `at` toward (dest, dest_port) as ns-3 looks routes up
// (the port's entry, else the node's); counts the paths and fails on a dead end or a loop.
void walk(const Ns3Converted& conv, NodeId at, std::optional<PortIndex> in_port, NodeId dest,
          PortIndex dest_port, std::size_t hops, std::size_t& arrived) {
  const Topology& t = conv.topology;
  REQUIRE(hops <= t.node_count());
  if (at == dest) {
    ++arrived;
    return;
  }
  std::vector<PortIndex> ports;
  if (const RouteEntry* r = find_route(conv, at, dest, dest_port)) {
    ports = shortest_ports(*r, in_port);
  }
  if (ports.empty()) {
    const RouteEntry* r = find_route(conv, at, dest, std::nullopt);
    INFO("no route at node " << at << " to node " << dest);
    REQUIRE(r != nullptr);
    ports = shortest_ports(*r, in_port);
  }
  INFO("only the ingress port at node " << at << " to node " << dest);
  REQUIRE_FALSE(ports.empty());
  for (const PortIndex p : ports) {
    const PortRef next = t.peer(PortRef{at, p});
    walk(conv, next.node, next.port, dest, dest_port, hops + 1, arrived);
  }
}

} // namespace

TEST_CASE("ns3 convert: shipped cases keep their nodes, ports and links", "[sim][ns3convert]") {
  const auto folders = shipped_folders();
  if (folders.empty()) {
    WARN("neither UB_NS3_CASES nor UB_SOURCE_DIR/scenarios/ns3ub is a folder: skipped");
    return;
  }
  CHECK(folders.size() == 8);
  for (const auto& folder : folders) {
    INFO(folder.string());
    auto c = load_ns3_case(folder);
    REQUIRE(c);
    auto conv = convert_ns3_case(*c, folder);
    INFO((conv ? std::string{} : to_string(conv.error())));
    REQUIRE(conv);
    const Topology& t = conv->topology;
    REQUIRE(t.finalized());
    REQUIRE(t.node_count() == c->nodes.size());
    CHECK(t.link_count() == c->links.size());
    std::size_t ports = 0;
    std::size_t devices = 0;
    for (const Ns3Node& n : c->nodes) {
      const Node& ours = t.node(conv->node_of_ns3.at(n.id));
      CHECK(conv->ns3_of_node.at(ours.id) == n.id);
      CHECK(ours.port_count == n.ports);
      CHECK(ours.max_ports == n.ports);
      CHECK(ours.kind == (n.kind == Ns3NodeKind::Device ? NodeKind::Endpoint : NodeKind::Switch));
      ports += n.ports;
      if (n.kind == Ns3NodeKind::Device) {
        // the endpoint index is the position in topology.endpoints(), the Flow::src/dst space
        REQUIRE(conv->endpoint_index_of_ns3_node.at(n.id) == devices);
        CHECK(t.endpoints().at(devices) == ours.id);
        ++devices;
      } else {
        CHECK(conv->endpoint_index_of_ns3_node.at(n.id) == kNotEndpoint);
      }
    }
    CHECK(t.port_total() == ports);
    CHECK(t.endpoints().size() == devices);
    for (std::size_t i = 0; i < c->links.size(); ++i) {
      const Ns3Link& l = c->links[i];
      const Link& ours = t.link(static_cast<LinkId>(i));
      CHECK(ours.a == PortRef{l.node1, static_cast<PortIndex>(l.port1)});
      CHECK(ours.b == PortRef{l.node2, static_cast<PortIndex>(l.port2)});
      CHECK(t.port_link(ours.a) == ours.id);
      CHECK(t.peer(ours.a) == ours.b);
      CHECK(ours.spec.rate == l.bandwidth);
      CHECK(ours.spec.latency == l.delay);
    }
    // the shipped cases convert without surprises: one warning, for the multi-TP case
    const std::string name = folder.filename().string();
    CHECK(conv->warnings.size() == (name == "2nodes_multiple-tp" ? 1U : 0U));
    CHECK(conv->scenario.name == name);
    CHECK(conv->scenario.traffic.patterns.empty());
  }
}

TEST_CASE("ns3 convert: every route entry's ports exist and lead to the right neighbour",
          "[sim][ns3convert]") {
  const auto folders = shipped_folders();
  if (folders.empty()) {
    WARN("neither UB_NS3_CASES nor UB_SOURCE_DIR/scenarios/ns3ub is a folder: skipped");
    return;
  }
  for (const auto& folder : folders) {
    INFO(folder.string());
    auto c = load_ns3_case(folder);
    REQUIRE(c);
    auto conv = convert_ns3_case(*c, folder);
    REQUIRE(conv);
    const Topology& t = conv->topology;
    // one entry per routing_table.csv line, plus one per (node, destination)
    std::set<std::pair<std::uint32_t, std::uint32_t>> pairs;
    for (const Ns3Route& r : c->routes) {
      pairs.emplace(r.node, r.dst_node);
      const RouteEntry* e = find_route(*conv, r.node, r.dst_node, PortIndex(r.dst_port));
      REQUIRE(e != nullptr);
      std::set<std::pair<std::uint32_t, std::uint32_t>> want;
      for (std::size_t i = 0; i < r.out_ports.size(); ++i) {
        want.emplace(r.metrics[i], r.out_ports[i]);
      }
      std::set<std::pair<std::uint32_t, std::uint32_t>> got;
      for (std::size_t i = 0; i < e->ports.size(); ++i) {
        got.emplace(e->metrics[i], e->ports[i]);
      }
      CHECK(got == want);
      // the destination port has a Port CNA, distinct from every Primary CNA
      const auto cna = conv->port_cna(PortRef{r.dst_node, PortIndex(r.dst_port)});
      REQUIRE(cna);
      CHECK_FALSE(t.node_by_cna(*cna));
    }
    // devices without a line to a TP peer route by their TPs' ports
    std::set<std::pair<std::uint32_t, std::uint32_t>> tp_pairs;
    for (const Ns3Channel& ch : c->channels) {
      for (const auto& pr : {std::pair{ch.node1, ch.node2}, std::pair{ch.node2, ch.node1}}) {
        if (!pairs.contains(pr)) {
          tp_pairs.insert(pr);
        }
      }
    }
    CHECK(conv->scenario.routes.size() == c->routes.size() + pairs.size() + tp_pairs.size());
    CHECK(tp_pairs.size() == (folder.filename() == "clos_fault_injection" ? 56U : 0U));
    std::set<Cna> cnas;
    for (const PortCna& p : conv->port_cnas) {
      CHECK(cnas.insert(p.cna).second);
    }
    for (const RouteEntry& e : conv->scenario.routes) {
      REQUIRE(e.ports.size() == e.metrics.size());
      REQUIRE_FALSE(e.ports.empty());
      CHECK(t.node(e.dest).kind == NodeKind::Endpoint);
      for (const PortIndex p : e.ports) {
        REQUIRE(p < t.node(e.at).port_count);
        REQUIRE(t.port_link(PortRef{e.at, p}) != kNoLink);
        const NodeId next = t.peer(PortRef{e.at, p}).node;
        // the neighbour is the destination, or has a route onward (so it forwards)
        if (next != e.dest) {
          CHECK(find_route(*conv, next, e.dest, std::nullopt) != nullptr);
          CHECK(t.node(next).forwards);
        }
      }
    }
    // every shortest path from every host to every destination port arrives
    for (const RouteEntry& e : conv->scenario.routes) {
      if (!e.dest_port || t.node(e.at).kind != NodeKind::Endpoint) {
        continue;
      }
      std::size_t arrived = 0;
      walk(*conv, e.at, std::nullopt, e.dest, *e.dest_port, 0, arrived);
      CHECK(arrived > 0);
    }
  }
}

TEST_CASE("ns3 convert: details of the shipped cases", "[sim][ns3convert]") {
  const auto dir = shipped_cases_dir();
  std::error_code ec;
  if (dir.empty() || !std::filesystem::is_directory(dir, ec)) {
    WARN("neither UB_NS3_CASES nor UB_SOURCE_DIR/scenarios/ns3ub is a folder: skipped");
    return;
  }
  const auto convert_folder = [&](std::string_view name) {
    auto c = load_ns3_case(dir / std::string(name));
    REQUIRE(c);
    auto conv = convert_ns3_case(*c, dir / std::string(name));
    REQUIRE(conv);
    return std::move(*conv);
  };
  {
    const Ns3Converted conv = convert_folder("2nodes_multiple-tp");
    // three paths to host 1, one per destination port; the node's entry is their union
    for (PortIndex p = 0; p < 3; ++p) {
      const RouteEntry* e = find_route(conv, 0, 1, p);
      REQUIRE(e != nullptr);
      CHECK(e->ports == std::vector<PortIndex>{p});
      CHECK(e->metrics == std::vector<std::uint32_t>{2});
    }
    const RouteEntry* all = find_route(conv, 0, 1, std::nullopt);
    REQUIRE(all != nullptr);
    CHECK(all->ports == std::vector<PortIndex>{0, 1, 2});
    CHECK(has_warning(conv, "network_attribute.txt:1: ns3::UbApp::EnableMultiPath"));
  }
  {
    const Ns3Converted conv = convert_folder("2nodes_dwrr");
    CHECK(conv.scenario.switches.arbitration == Arbitration::Dwrr);
    for (std::size_t vl = 0; vl < 16; ++vl) {
      CHECK(conv.scenario.switches.dwrr_weights.at(vl) == 6000);
    }
    // AllocationTime 10 ns, node.csv forwardDelay 1 ns on every node
    CHECK(conv.scenario.switches.forwarding_latency == 10_ns);
    CHECK(conv.scenario.node_overrides.size() == 3);
    for (NodeId n = 0; n < 3; ++n) {
      CHECK(forwarding_latency(conv.scenario, n) == 1_ns);
    }
  }
  {
    const Ns3Converted conv = convert_folder("2nodes_packet-spray");
    CHECK(conv.scenario.switches.rt == 0b11); // per-packet, shortest
    CHECK(conv.topology.link(0).spec.rate == BitRate{1'200'000'000'000});
  }
  {
    const Ns3Converted conv = convert_folder("clos_32hosts-4leafs-8spines_pod2pod");
    CHECK(conv.scenario.switches.rt == 0b10); // per-flow, shortest
    CHECK(conv.scenario.switches.selector == Selector::Hash);
    CHECK(conv.scenario.switches.arbitration == Arbitration::StrictPriority);
    for (const Node& n : conv.topology.nodes()) {
      CHECK_FALSE((n.kind == NodeKind::Endpoint && n.forwards)); // hosts do not forward
    }
    // a leaf reaches a remote host over its 8 spine ports at metric 3
    const RouteEntry* e = find_route(conv, 32, 20, std::nullopt);
    REQUIRE(e != nullptr);
    CHECK(e->ports == std::vector<PortIndex>{8, 9, 10, 11, 12, 13, 14, 15});
    CHECK(e->metrics == std::vector<std::uint32_t>(8, 3));
    // common settings of the shipped cases
    const Scenario& s = conv.scenario;
    CHECK(s.link.credits);
    CHECK(s.link.vl_buffer_bytes == 6553U * 160U);
    CHECK(s.link.vls == 16);
    CHECK_FALSE(s.link.fec);
    CHECK_FALSE(s.link.retry);
    CHECK(s.endpoint.mtu == 4096);
    CHECK(s.endpoint.transport == TransportKind::Rtp);
    CHECK(s.endpoint.max_outstanding == 62); // 1000 packets of 4 KiB, in 64 KiB segments
    CHECK_FALSE(s.endpoint.congestion_control);
    CHECK_FALSE(s.switches.caqm);
    CHECK(s.port_overrides.empty());
  }
  {
    // devices of the 2D full mesh forward; MEM_STORE tasks take the load/store API's spray
    const Ns3Converted conv = convert_folder("2dfm4x4-multipath_a2a");
    CHECK(conv.topology.count(NodeKind::Switch) == 0);
    std::size_t forwarding = 0;
    for (const Node& n : conv.topology.nodes()) {
      forwarding += n.forwards ? 1U : 0U;
    }
    CHECK(forwarding == 16);
    CHECK(conv.scenario.switches.rt == 0b11);
    CHECK(conv.port_cnas.size() == 96); // 16 devices x 6 ports, all named by routes
  }
  {
    // fault.csv is there but UB_FAULT_ENABLE is false: nothing applied, as in ns-3
    const Ns3Converted conv = convert_folder("clos_fault_injection");
    CHECK(conv.scenario.port_overrides.empty());
    CHECK(conv.scenario.faults.empty());
    // its hosts have no routing_table.csv lines: they send on their TPs' port 0
    for (NodeId h = 0; h < 8; ++h) {
      for (NodeId d = 0; d < 8; ++d) {
        const RouteEntry* e = find_route(conv, h, d, std::nullopt);
        if (h == d) {
          CHECK(e == nullptr);
          continue;
        }
        REQUIRE(e != nullptr);
        CHECK(e->ports == std::vector<PortIndex>{0});
        CHECK(e->metrics == std::vector<std::uint32_t>{0}); // no metric column
      }
    }
    CHECK_FALSE(conv.topology.node(0).forwards);
  }
}

TEST_CASE("ns3 convert: settings map to switch, link and endpoint specs", "[sim][ns3convert]") {
  SECTION("defaults") {
    const Ns3Converted conv = convert_ok(two_hosts());
    const Scenario& s = conv.scenario;
    CHECK(conv.warnings.empty());
    CHECK(s.name == "ns3-case");
    CHECK(s.topology.kind == TopologyKind::File);
    CHECK(s.topology.link.rate == BitRate{400'000'000'000});
    CHECK(s.switches.forwarding_latency == 10_ns);
    CHECK(forwarding_latency(s, 0) == 1_ns); // node.csv forwardDelay
    CHECK(forwarding_latency(s, 1) == 1_ns);
    CHECK(forwarding_latency(s, 2) == 10_ns); // none given: AllocationTime
    CHECK(s.node_overrides.size() == 2);
    CHECK(s.switches.selector == Selector::Hash);
    CHECK(s.switches.arbitration == Arbitration::StrictPriority);
    CHECK(s.switches.rt == 0b10);
    CHECK(s.link.credits);
    CHECK(s.link.vl_buffer_bytes == 6553U * 160U);
    CHECK(s.endpoint.processing == Time{0});
    // per-link rate and delay
    CHECK(conv.topology.link(0).spec.rate == BitRate{400'000'000'000});
    CHECK(conv.topology.link(0).spec.latency == 20_ns);
    CHECK(conv.topology.link(1).spec.rate == BitRate{200'000'000'000});
    CHECK(conv.topology.link(1).spec.latency == 1500_ns);
    // CNAs: endpoints 1, 2, switch 3, then the Port CNAs of the two destination ports
    CHECK(conv.topology.node(0).cna == 1);
    CHECK(conv.topology.node(2).cna == 3);
    CHECK(conv.port_cna(PortRef{0, 0}) == Cna{4});
    CHECK(conv.port_cna(PortRef{1, 0}) == Cna{5});
    CHECK_FALSE(conv.port_cna(PortRef{2, 0}));
  }
  SECTION("flow control NONE and PFC: no credits") {
    const Ns3Converted none =
        convert_ok(two_hosts("default ns3::UbSwitch::FlowControl \"NONE\"\n"));
    CHECK_FALSE(none.scenario.link.credits);
    CHECK(none.scenario.link.vl_buffer_bytes == 1'048'576);
    CHECK(none.warnings.empty());
    const Ns3Converted pfc =
        convert_ok(two_hosts("\ndefault ns3::UbSwitch::FlowControl \"PFC_DYNAMIC\"\n"));
    CHECK_FALSE(pfc.scenario.link.credits);
    CHECK(has_warning(pfc, "network_attribute.txt:2: ns3::UbSwitch::FlowControl: PFC"));
    const Ns3Converted shared =
        convert_ok(two_hosts("default ns3::UbSwitch::FlowControl \"CBFC_SHARED\"\n"
                             "default ns3::UbPort::CbfcInitCreditCell \"128\"\n"));
    CHECK(shared.scenario.link.credits);
    CHECK(shared.scenario.link.vl_buffer_bytes == 128U * 160U);
    CHECK(has_warning(shared, "network_attribute.txt:1: ns3::UbSwitch::FlowControl: "
                              "CBFC_SHARED"));
  }
  SECTION("DWRR quanta become weights") {
    const Ns3Converted conv =
        convert_ok(two_hosts("default ns3::UbSwitch::VlScheduler \"DWRR\"\n"
                             "default ns3::UbDwrrAllocator::VlQuantums \"7:6000,8:3000\"\n"));
    const auto& w = conv.scenario.switches.dwrr_weights;
    CHECK(conv.scenario.switches.arbitration == Arbitration::Dwrr);
    CHECK(w[7] == 6000);
    CHECK(w[8] == 3000);
    CHECK(w[0] == 1500); // DefaultQuantum
    CHECK(w[15] == 1500);
  }
  SECTION("adaptive routing, packet spray, all paths") {
    const Ns3Converted conv =
        convert_ok(two_hosts("default ns3::UbRoutingProcess::RoutingAlgorithm \"ADAPTIVE\"\n"
                             "default ns3::UbTransportChannel::UsePacketSpray \"true\"\n"
                             "default ns3::UbTransportChannel::UseShortestPaths \"false\"\n"));
    CHECK(conv.scenario.switches.selector == Selector::Adaptive);
    CHECK(conv.scenario.switches.rt == 0b01);
  }
  SECTION("C-AQM, VLs, allocation time, MTU window and interframe gap") {
    const Ns3Converted conv =
        convert_ok(two_hosts("global UB_CC_ENABLED \"true\"\n"
                             "global UB_VL_NUM \"4\"\n"
                             "default ns3::UbSwitchAllocator::AllocationTime \"1ns\"\n"
                             "default ns3::UbTransportChannel::DefaultMaxWqeSegNum \"8\"\n"
                             "default ns3::UbPort::UbInterframeGap \"2ns\"\n"));
    const Scenario& s = conv.scenario;
    CHECK(s.switches.caqm);
    CHECK(s.switches.ecn_threshold_bytes == 40960);
    CHECK(s.endpoint.congestion_control);
    CHECK(has_warning(conv, "network_attribute.txt:1: UB_CC_ENABLED: C-AQM on"));
    CHECK(s.link.vls == 4);
    CHECK(s.switches.forwarding_latency == 1_ns);
    CHECK(s.node_overrides.empty()); // the devices' 1 ns is the allocation time now
    CHECK(s.endpoint.max_outstanding == 8);
    CHECK(has_warning(conv, "network_attribute.txt:5: ns3::UbPort::UbInterframeGap"));
  }
  SECTION("mixed URMA and MEM tasks with different flags keep the URMA ones") {
    Ns3CaseFiles files = two_hosts();
    files["traffic.csv"] += "2,0,1,512,MEM_STORE,7,0ns,0,\n";
    const Ns3Converted conv = convert_ok(files);
    CHECK(conv.scenario.switches.rt == 0b10);
    CHECK(has_warning(conv, "network_attribute.txt: ns3::UbLdstApi::UsePacketSpray"));
    files["traffic.csv"] = std::string(kHeaderTraffic) + "0,0,1,512,MEM_STORE,7,0ns,0,\n";
    CHECK(convert_ok(files).scenario.switches.rt == 0b11);
  }
  SECTION("a 0 ns link becomes 1 ps, with a warning") {
    Ns3CaseFiles files = two_hosts();
    files["topology.csv"] = std::string(kHeaderTopo) + "0,0,2,0,400Gbps,0ns\n1,0,2,1,400Gbps,1ns\n";
    const Ns3Converted conv = convert_ok(files);
    CHECK(conv.topology.link(0).spec.latency == Time{1});
    CHECK(conv.topology.link(1).spec.latency == 1_ns);
    REQUIRE(conv.warnings.size() == 1);
    CHECK(conv.warnings[0].rfind("topology.csv:2: delay:", 0) == 0);
  }
  SECTION("routes to a switch or to the node itself are skipped with a warning") {
    Ns3CaseFiles files = two_hosts();
    files["routing_table.csv"] += "0,2,0,0,1\n2,2,0,0,1\n";
    const Ns3Converted conv = convert_ok(files);
    CHECK(has_warning(conv, "routing_table.csv:6: dstNodeId: node 2 is a SWITCH"));
    CHECK(has_warning(conv, "routing_table.csv:7: dstNodeId: a route at node 2 to itself"));
    CHECK(find_route(conv, 0, 2, std::nullopt) == nullptr);
    CHECK(conv.scenario.routes.size() == 8);
  }
  SECTION("a port without a link is kept, and a device reached in transit forwards") {
    Ns3CaseFiles files = two_hosts();
    files["node.csv"] = std::string(kHeaderNode) + "0..1,DEVICE,3\n2,SWITCH,4\n";
    const Ns3Converted conv = convert_ok(files);
    CHECK(conv.topology.node(0).port_count == 3);
    CHECK(conv.topology.port_link(PortRef{0, 2}) == kNoLink);
    CHECK(conv.topology.port_total() == 10);
    CHECK_FALSE(conv.topology.node(0).forwards);
    // a line: 0 - 1 - 2 (devices), 1 carries 0's traffic to 2
    files["node.csv"] = std::string(kHeaderNode) + "0..2,DEVICE,2\n";
    files["topology.csv"] = std::string(kHeaderTopo) + "0,0,1,0,400Gbps,1ns\n1,1,2,0,400Gbps,1ns\n";
    files["routing_table.csv"] =
        std::string(kHeaderRoute) +
        "0,1,0,0,1\n0,2,0,0,2\n1,0,0,0,1\n1,2,0,1,1\n2,1,1,0,1\n2,0,0,0,2\n";
    files["traffic.csv"] = std::string(kHeaderTraffic) + "0,0,2,4096,URMA_WRITE,7,0ns,0,\n";
    const Ns3Converted line = convert_ok(files);
    CHECK_FALSE(line.topology.node(0).forwards);
    CHECK(line.topology.node(1).forwards);
    CHECK_FALSE(line.topology.node(2).forwards);
    CHECK(line.endpoint_index_of_ns3_node == std::vector<std::uint32_t>{0, 1, 2});
  }
  SECTION("the folder names the scenario and prefixes file names") {
    Ns3CaseFiles files = two_hosts();
    files["topology.csv"] = std::string(kHeaderTopo) + "0,0,2,0,400Gbps,0ns\n1,0,2,1,400Gbps,1ns\n";
    const Ns3Case c = assemble_ok(files);
    auto conv = convert_ns3_case(c, std::filesystem::path("cases") / "mine");
    REQUIRE(conv);
    CHECK(conv->scenario.name == "mine");
    REQUIRE(conv->warnings.size() == 1);
    CHECK(conv->warnings[0].rfind(
              (std::filesystem::path("cases") / "mine" / "topology.csv").string() + ":2:", 0) == 0);
  }
}

TEST_CASE("ns3 convert: port rate faults become port overrides, the others warnings",
          "[sim][ns3convert]") {
  Ns3CaseFiles files = two_hosts("global UB_FAULT_ENABLE \"true\"\n");
  files["fault.csv"] = std::string(kHeaderFault) + "0,0,5,0,0,0,0\n"         // 2: drop
                                                   "0,1,0,250,0,0,0\n"       // 3: delay
                                                   "1,2,0,0,2 1 1000,0,0\n"  // 4: congestion
                                                   "0,3,0,0,0,10 20,0\n"     // 5: shutdown
                                                   "1,4,0,0,2 0 500,0,0\n"   // 6: lower rate
                                                   "1,5,0,0,0,0,1\n"         // 7: error drop
                                                   "1,4,0,0,2 1 2000,0,0\n"; // 8: port 1 again
  const Ns3Converted conv = convert_ok(files);
  const auto& po = conv.scenario.port_overrides;
  REQUIRE(po.size() == 2);
  CHECK(po[0].port == PortRef{2, 0});
  CHECK(po[0].rate == BitRate{500'000'000});
  CHECK(po[1].port == PortRef{2, 1});
  CHECK(po[1].rate == BitRate{2'000'000'000}); // the later line wins, as in ns-3
  CHECK(has_warning(conv, "fault.csv:8: lowerDataRate: node 2 port 1 was set on line 4"));
  for (const int line : {2, 3, 5, 7}) {
    CHECK(has_warning(conv, fmt::format("fault.csv:{}: faultType: type", line)));
  }
  CHECK(has_warning(conv, "fault.csv:2: faultType: type 0 drops a share of one task's packets"));
  CHECK(conv.scenario.faults.empty());
  CHECK(conv.warnings.size() == 5);

  SECTION("off unless UB_FAULT_ENABLE") {
    files["network_attribute.txt"] = "";
    const Ns3Converted off = convert_ok(files);
    CHECK(off.scenario.port_overrides.empty());
    CHECK(off.warnings.empty()); // the import already says ns-3 ignores the file
  }
  SECTION("a rate change on a port without a link has no effect") {
    files["node.csv"] = std::string(kHeaderNode) + "0..1,DEVICE,1\n2,SWITCH,3\n";
    files["fault.csv"] = std::string(kHeaderFault) + "0,2,0,0,2 2 1000,0,0\n";
    const Ns3Converted conv2 = convert_ok(files);
    CHECK(conv2.scenario.port_overrides.empty());
    CHECK(has_warning(conv2, "fault.csv:2: lowerDataRate: type 2: node 2 port 2 has no link"));
  }
  SECTION("the shipped fault case, enabled") {
    const auto dir = shipped_cases_dir();
    std::error_code ec;
    if (dir.empty() || !std::filesystem::is_directory(dir / "clos_fault_injection", ec)) {
      WARN("shipped cases not found: skipped");
      return;
    }
    Ns3CaseFiles shipped = read_folder(dir / "clos_fault_injection");
    shipped["network_attribute.txt"] += "\nglobal UB_FAULT_ENABLE \"true\"\n";
    const Ns3Converted on = convert_ok(shipped);
    REQUIRE(on.scenario.port_overrides.size() == 1);
    CHECK(on.scenario.port_overrides[0].port == PortRef{8, 0});
    CHECK(on.scenario.port_overrides[0].rate == BitRate{1'000'000'000});
  }
}

TEST_CASE("ns3 convert: devices without routing lines send on their TPs' ports",
          "[sim][ns3convert]") {
  // Hosts of two ports each, both to the switch; only the switch has routing_table.csv lines.
  constexpr std::string_view kHeaderTp =
      "nodeId1,portId1,tpn1,nodeId2,portId2,tpn2,priority,metric\n";
  Ns3CaseFiles files = two_hosts();
  files["node.csv"] = std::string(kHeaderNode) + "0..1,DEVICE,2\n2,SWITCH,4\n";
  files["topology.csv"] = std::string(kHeaderTopo) + "0,0,2,0,400Gbps,20ns\n1,0,2,1,400Gbps,20ns\n"
                                                     "0,1,2,2,400Gbps,20ns\n1,1,2,3,400Gbps,20ns\n";
  files["routing_table.csv"] = std::string(kHeaderRoute) + "2,0,0,0 2,1 1\n2,1,0,1 3,1 1\n";
  // host 0: TPs on port 1 (metric 2, twice) and port 0 (metric 4); host 1: port 0 and 1 (metric 2)
  files["transport_channel.csv"] = std::string(kHeaderTp) + "0,1,0,1,0,0,7,2\n"
                                                            "0,0,1,1,1,1,8,4\n"
                                                            "0,1,2,1,1,2,8,2\n";
  const Ns3Converted conv = convert_ok(files);
  const RouteEntry* to1 = find_route(conv, 0, 1, std::nullopt);
  REQUIRE(to1 != nullptr);
  CHECK(to1->ports == std::vector<PortIndex>{1}); // the lowest-metric TPs only
  CHECK(to1->metrics == std::vector<std::uint32_t>{2});
  const RouteEntry* to0 = find_route(conv, 1, 0, std::nullopt);
  REQUIRE(to0 != nullptr);
  CHECK(to0->ports == std::vector<PortIndex>{0, 1});
  CHECK(to0->metrics == std::vector<std::uint32_t>{2, 2});
  CHECK(find_route(conv, 0, 1, PortIndex{0}) == nullptr); // no Port CNA route from a TP
  CHECK(conv.warnings.empty());

  SECTION("a device's routing_table.csv lines win over its TPs") {
    files["routing_table.csv"] += "0,1,0,0,3\n";
    const Ns3Converted with_line = convert_ok(files);
    const RouteEntry* e = find_route(with_line, 0, 1, std::nullopt);
    REQUIRE(e != nullptr);
    CHECK(e->ports == std::vector<PortIndex>{0});
    CHECK(e->metrics == std::vector<std::uint32_t>{3});
    REQUIRE(find_route(with_line, 1, 0, std::nullopt) != nullptr); // host 1 still by its TPs
  }
  SECTION("a TP on a port without a link") {
    files["node.csv"] = std::string(kHeaderNode) + "0..1,DEVICE,3\n2,SWITCH,4\n";
    files["transport_channel.csv"] += "0,2,3,1,0,3,9,1\n";
    const ConfigError e = convert_error(files);
    CHECK(to_string(e) == "transport_channel.csv:5: portId1: node 0 port 2 has no link");
  }
  SECTION("a TP whose next hop has no route onward") {
    files["routing_table.csv"] = std::string(kHeaderRoute) + "2,0,0,0 2,1 1\n";
    const ConfigError e = convert_error(files);
    CHECK(to_string(e) == "transport_channel.csv:2: portId1: node 0 port 1 leads to node 2, "
                          "which has no route to node 1");
  }
}

TEST_CASE("ns3 convert: a task between nodes with no route is refused", "[sim][ns3convert]") {
  Ns3CaseFiles files = two_hosts();
  files["routing_table.csv"] = std::string(kHeaderRoute) + "0,1,0,0,2\n2,0,0,0,1\n2,1,0,1,1\n";
  // task 0 goes 0 -> 1 but its ACKs could not come back; task 1 (1 -> 0) cannot leave
  ConfigError e = convert_error(files);
  CHECK(to_string(e) == "traffic.csv:2: destNode: task 0: node 1 has no route to node 0 (no "
                        "routing_table.csv line and no transport_channel.csv TP between them)");
  files["traffic.csv"] = std::string(kHeaderTraffic) + "5,1,0,4096,URMA_WRITE,7,10ns,0,\n";
  e = convert_error(files);
  CHECK(e.line == 2);
  CHECK(e.key == "sourceNode");
  // without tasks, the missing route is no error
  files["traffic.csv"] = std::string(kHeaderTraffic);
  CHECK(convert_ns3_case(assemble_ok(files)));
}

TEST_CASE("ns3 convert: inconsistent cases are refused with file, line and column",
          "[sim][ns3convert]") {
  SECTION("an out-port with no link") {
    Ns3CaseFiles files = two_hosts();
    files["node.csv"] = std::string(kHeaderNode) + "0..1,DEVICE,1\n2,SWITCH,3\n";
    files["routing_table.csv"] =
        std::string(kHeaderRoute) + "0,1,0,0,2\n1,0,0,0,2\n2,0,0,0,1\n2,1,0,1 2,1 1\n";
    const ConfigError e = convert_error(files);
    CHECK(to_string(e) == "routing_table.csv:5: outPorts: node 2 port 2 has no link");
  }
  SECTION("a destination port with no link") {
    Ns3CaseFiles files = two_hosts();
    files["node.csv"] = std::string(kHeaderNode) + "0..1,DEVICE,2\n2,SWITCH,2\n";
    files["routing_table.csv"] += "0,1,1,0,2\n";
    const ConfigError e = convert_error(files);
    CHECK(e.file == "routing_table.csv");
    CHECK(e.line == 6);
    CHECK(e.key == "dstPortId");
    CHECK(e.reason == "node 1 port 1 has no link: nothing can reach it");
  }
  SECTION("a next hop with no route onward") {
    Ns3CaseFiles files = two_hosts();
    files["routing_table.csv"] = std::string(kHeaderRoute) + "0,1,0,0,2\n1,0,0,0,2\n2,0,0,0,1\n";
    const ConfigError e = convert_error(files);
    CHECK(to_string(e) ==
          "routing_table.csv:2: outPorts: port 0 leads to node 2, which has no route to node 1");
  }
  SECTION("a next hop whose only route goes back") {
    Ns3CaseFiles files = two_hosts();
    files["routing_table.csv"] =
        std::string(kHeaderRoute) + "0,1,0,0,2\n1,0,0,0,2\n2,0,0,0,1\n2,1,0,0,1\n";
    const ConfigError e = convert_error(files);
    CHECK(e.line == 2);
    CHECK(e.key == "outPorts");
    CHECK(e.reason.find("whose only route to node 1 is back on port 0") != std::string::npos);
  }
  SECTION("a gap in the node ids") {
    Ns3CaseFiles files = two_hosts();
    files["node.csv"] = std::string(kHeaderNode) + "0..1,DEVICE,1\n3,SWITCH,2\n";
    files["topology.csv"] =
        std::string(kHeaderTopo) + "0,0,3,0,400Gbps,20ns\n1,0,3,1,400Gbps,20ns\n";
    files["routing_table.csv"] =
        std::string(kHeaderRoute) + "0,1,0,0,2\n1,0,0,0,2\n3,0,0,0,1\n3,1,0,1,1\n";
    const ConfigError e = convert_error(files);
    CHECK(e.file == "node.csv");
    CHECK(e.line == 3);
    CHECK(e.key == "nodeId");
    CHECK(e.reason.find("node 3 follows node 1") != std::string::npos);
  }
  SECTION("errors name the folder's files") {
    Ns3CaseFiles files = two_hosts();
    files["routing_table.csv"] = std::string(kHeaderRoute) + "0,1,0,0,2\n1,0,0,0,2\n2,0,0,0,1\n";
    const Ns3Case c = assemble_ok(files);
    auto conv = convert_ns3_case(c, std::filesystem::path("cases") / "bad");
    REQUIRE_FALSE(conv);
    CHECK(conv.error().file ==
          (std::filesystem::path("cases") / "bad" / "routing_table.csv").string());
    CHECK(conv.error().line == 2);
  }
}
