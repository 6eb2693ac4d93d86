// The scenario reader on good input (sim/scenario/scenario_toml): the defaults of an empty file,
// every key of every section, the topology kinds with [topology.link] folded in, the custom
// topology, traffic and faults. Errors: scenario_toml_errors_test.cpp; overrides:
// scenario_overrides_test.cpp.
#include "scenario_test_util.hpp"
#include "sim/scenario/scenario_names.hpp"

using namespace ub;
using namespace ub::literals;
using namespace ub::sim;
using ub::sim::test::parse_ok;

TEST_CASE("scenario: an empty file gives the documented defaults", "[scenario]") {
  const Scenario s = parse_ok("");
  CHECK(s.name == "default");
  CHECK(s.file == "t.toml");
  CHECK(s.seed == 1);
  CHECK(s.run.end_time == 1'000_ms);
  CHECK(s.run.max_events == 2'000'000'000ULL);
  CHECK(s.run.series_interval == 10_us);
  CHECK(s.run.oracle);
  CHECK(s.topology.kind == TopologyKind::FullMesh2d);
  CHECK(s.topology.full_mesh_2d.x == 8);
  CHECK(s.topology.full_mesh_2d.y == 8);
  CHECK(s.topology.link.lanes == 4);
  CHECK(s.topology.link.rate.bps == 100'000'000'000ULL);
  CHECK(s.topology.link.latency == 100_ns);
  CHECK_FALSE(s.topology.link_given);
  CHECK(s.link.ber == 0.0);
  CHECK(s.link.fec);
  CHECK(s.link.retry);
  CHECK(s.link.vls == 2);
  CHECK(s.link.vl_buffer_bytes == 65536);
  CHECK(s.switches.forwarding_latency == 150_ns);
  CHECK(s.switches.rt == 0);
  CHECK(s.switches.selector == Selector::Hash);
  CHECK(s.switches.dwrr_weights[15] == 1);
  CHECK(s.endpoint.transport == TransportKind::Rtp);
  CHECK(s.endpoint.mtu == 4096);
  CHECK(s.endpoint.processing == 50_ns);
  CHECK(s.traffic.patterns.empty());
  CHECK(s.faults.empty());
  CHECK(s.routes.empty());
}

TEST_CASE("scenario: every key of the top level, run, link, switch and endpoint", "[scenario]") {
  const Scenario s = parse_ok(R"(
name = "my-run_1.b"
seed = 42
[run]
end_time = "3ms"
max_events = 1000
series_interval = "1.5us"
oracle = false
[link]
ber = 1e-9
fec = false
retry = false
retry_delay = "2us"
vls = 4
vl_buffer_bytes = "16KiB"
cell_bytes = 64
[switch]
forwarding_latency = "200ns"
rt = "per_packet_shortest"
selector = "adaptive"
arbitration = "dwrr"
dwrr_weights = [4, 2, 1]
ecn_threshold = "32KiB"
caqm = true
vl_cycle_break = 1
[endpoint]
transport = "ctp"
mtu = 1000
processing = "25ns"
max_outstanding = 8
congestion_control = true
)");
  CHECK(s.name == "my-run_1.b");
  CHECK(s.seed == 42);
  CHECK(s.run.end_time == 3_ms);
  CHECK(s.run.max_events == 1000);
  CHECK(s.run.series_interval == Time{1'500'000});
  CHECK_FALSE(s.run.oracle);
  CHECK(s.link.ber == 1e-9);
  CHECK_FALSE(s.link.fec);
  CHECK_FALSE(s.link.retry);
  CHECK(s.link.retry_delay == 2_us);
  CHECK(s.link.vls == 4);
  CHECK(s.link.vl_buffer_bytes == 16384);
  CHECK(s.link.cell_bytes == 64);
  CHECK(s.switches.forwarding_latency == 200_ns);
  CHECK(s.switches.rt == 0b11);
  CHECK(s.switches.selector == Selector::Adaptive);
  CHECK(s.switches.arbitration == Arbitration::Dwrr);
  CHECK(s.switches.dwrr_weights[0] == 4);
  CHECK(s.switches.dwrr_weights[1] == 2);
  CHECK(s.switches.dwrr_weights[2] == 1);
  CHECK(s.switches.dwrr_weights[3] == 1); // not given: the default
  CHECK(s.switches.ecn_threshold_bytes == 32768);
  CHECK(s.switches.caqm);
  CHECK(s.switches.vl_cycle_break == 1);
  CHECK(s.endpoint.transport == TransportKind::Ctp);
  CHECK(s.endpoint.mtu == 1000);
  CHECK(s.endpoint.processing == 25_ns);
  CHECK(s.endpoint.max_outstanding == 8);
  CHECK(s.endpoint.congestion_control);
}

TEST_CASE("scenario: rt by name or as the 2-bit RT field", "[scenario]") {
  struct Row {
    std::string_view text;
    std::uint8_t rt;
  };
  for (const auto& row : std::to_array<Row>({{"\"per_flow_all\"", 0},
                                             {"\"per_packet_all\"", 1},
                                             {"\"per_flow_shortest\"", 2},
                                             {"\"per_packet_shortest\"", 3},
                                             {"0", 0},
                                             {"3", 3},
                                             {"2", 2}})) {
    INFO(row.text);
    CHECK(parse_ok("[switch]\nrt = " + std::string{row.text}).switches.rt == row.rt);
  }
}

TEST_CASE("scenario: each topology kind reads its own sub-table", "[scenario]") {
  const Scenario s = parse_ok(R"(
[topology]
kind = "ub_mesh"
[topology.fat_tree]
k = 8
[topology.full_mesh_1d]
n = 4
links_per_pair = 2
[topology.full_mesh_2d]
x = 4
y = 2
[topology.ub_mesh]
board_npus = 4
boards_per_rack = 2
rack_rows = 2
rack_cols = 3
pods = 2
lrs_per_rack = 4
hrs_per_plane = 2
spare_npu = false
npu_lrs_link = { lanes = 8 }
[topology.clos]
nodes = 4
npus_per_node = 2
l1_per_node = 3
l2_per_plane = 5
npu_l1_links = 1
l1_l2_links = 2
[topology.ring]
n = 5
[topology.torus]
x = 3
y = 5
)");
  const TopologySpec& t = s.topology;
  CHECK(t.kind == TopologyKind::UbMesh);
  CHECK(t.fat_tree.k == 8);
  CHECK(t.full_mesh_1d.n == 4);
  CHECK(t.full_mesh_1d.links_per_pair == 2);
  CHECK(t.full_mesh_2d.x == 4);
  CHECK(t.full_mesh_2d.y == 2);
  CHECK(t.ub_mesh.board_npus == 4);
  CHECK(t.ub_mesh.boards_per_rack == 2);
  CHECK(t.ub_mesh.rack_rows == 2);
  CHECK(t.ub_mesh.rack_cols == 3);
  CHECK(t.ub_mesh.pods == 2);
  CHECK(t.ub_mesh.lrs_per_rack == 4);
  CHECK(t.ub_mesh.hrs_per_plane == 2);
  CHECK_FALSE(t.ub_mesh.spare_npu);
  CHECK(t.ub_mesh.npu_lrs_link.lanes == 8);
  CHECK(t.ub_mesh.npu_lrs_link.rate == UbMeshParams{}.npu_lrs_link.rate); // only lanes given
  CHECK(t.clos.nodes == 4);
  CHECK(t.clos.npus_per_node == 2);
  CHECK(t.clos.l1_per_node == 3);
  CHECK(t.clos.l2_per_plane == 5);
  CHECK(t.clos.npu_l1_links == 1);
  CHECK(t.clos.l1_l2_links == 2);
  CHECK(t.ring.n == 5);
  CHECK(t.torus.x == 3);
  CHECK(t.torus.y == 5);
  for (const auto& [text, kind] : std::to_array<std::pair<std::string_view, TopologyKind>>(
           {{"fat_tree", TopologyKind::FatTree},
            {"full_mesh_1d", TopologyKind::FullMesh1d},
            {"full_mesh_2d", TopologyKind::FullMesh2d},
            {"clos", TopologyKind::Clos},
            {"ring", TopologyKind::Ring},
            {"torus", TopologyKind::Torus2d}})) {
    CHECK(parse_ok("[topology]\nkind = \"" + std::string{text} + "\"").topology.kind == kind);
  }
}

TEST_CASE("scenario: [topology.link] is folded into every link field by field", "[scenario]") {
  const Scenario s = parse_ok(R"(
[topology]
kind = "ub_mesh"
[topology.link]
latency = "250ns"
[topology.ub_mesh]
rack_link = { latency = "300ns", rate = "200Gbps" }
[topology.fat_tree.link]
lanes = 8
)");
  const TopologySpec& t = s.topology;
  CHECK_FALSE(t.link_given);
  // Only the latency was given: each ub_mesh class keeps its own lanes and rate.
  const UbMeshParams d{};
  CHECK(t.ub_mesh.board_link.latency == 250_ns);
  CHECK(t.ub_mesh.board_link.lanes == d.board_link.lanes);
  CHECK(t.ub_mesh.npu_lrs_link.latency == 250_ns);
  CHECK(t.ub_mesh.npu_lrs_link.lanes == 16);
  CHECK(t.ub_mesh.npu_lrs_link.rate == d.npu_lrs_link.rate);
  CHECK(t.ub_mesh.inter_rack_link.latency == 250_ns);
  CHECK(t.ub_mesh.lrs_hrs_link.latency == 250_ns);
  CHECK(t.ub_mesh.lrs_hrs_link.lanes == 32);
  // The kind's own table wins over [topology.link].
  CHECK(t.ub_mesh.rack_link.latency == 300_ns);
  CHECK(t.ub_mesh.rack_link.rate.bps == 200'000'000'000ULL);
  CHECK(t.ub_mesh.rack_link.lanes == d.rack_link.lanes);
  // Other kinds and the custom default get the field too.
  CHECK(t.link.latency == 250_ns);
  CHECK(t.link.lanes == 4);
  CHECK(t.clos.link.latency == 250_ns);
  CHECK(t.clos.link.rate == ClosParams{}.link.rate);
  CHECK(t.fat_tree.link.latency == 250_ns);
  CHECK(t.fat_tree.link.lanes == 8);
  CHECK(t.ring.link.latency == 250_ns);
  CHECK(t.torus.link.latency == 250_ns);
  CHECK(t.full_mesh_1d.link.latency == 250_ns);
  CHECK(t.full_mesh_2d.link.latency == 250_ns);
}

TEST_CASE("scenario: a custom topology keeps its nodes, links and lines", "[scenario]") {
  const Scenario s = parse_ok(R"(
[topology]
kind = "custom"
[topology.link]
rate = "200Gbps"
[[topology.custom.node]]
name = "sw"
switch = true
[[topology.custom.node]]
name = "a"
forwards = true
[[topology.custom.node]]
name = "b"

[[topology.custom.link]]
a = "a"
b = "sw"
[[topology.custom.link]]
a = "sw"
b = "b"
lanes = 2
latency = "1us"
)");
  const TopologySpec& t = s.topology;
  CHECK(t.kind == TopologyKind::File);
  REQUIRE(t.nodes.size() == 3);
  CHECK(t.nodes[0].name == "sw");
  CHECK(t.nodes[0].is_switch);
  CHECK(t.nodes[1].name == "a");
  CHECK_FALSE(t.nodes[1].is_switch);
  CHECK(t.nodes[1].forwards);
  CHECK_FALSE(t.nodes[2].forwards);
  REQUIRE(t.links.size() == 2);
  CHECK(t.links[0].a == "a");
  CHECK(t.links[0].b == "sw");
  CHECK_FALSE(t.links[0].spec.has_value()); // TopologySpec::link at build time
  CHECK(t.links[0].line == 15);
  CHECK(t.links[1].line == 18);
  REQUIRE(t.links[1].spec.has_value());
  CHECK(t.links[1].spec->lanes == 2);
  CHECK(t.links[1].spec->latency == 1_us);
  CHECK(t.links[1].spec->rate.bps == 200'000'000'000ULL); // from [topology.link]
  CHECK(t.link.rate.bps == 200'000'000'000ULL);
}

TEST_CASE("scenario: traffic keys and their defaults", "[scenario]") {
  const Scenario s = parse_ok(R"(
[[traffic]]
[[traffic]]
name = "ls"
pattern = "load_store"
endpoints = [3, 1, 2]
window = 16
[[traffic]]
name = "atom"
pattern = "uniform"
op = "fetch_add"
count = 3
interarrival = "2us"
[[traffic]]
name = "mix"
pattern = "incast"
op = "read"
size = "uniform"
min_bytes = "1KiB"
max_bytes = "1MB"
op_bytes = "8KiB"
fan_in = 4
target = 7
start = "10us"
rate = "10Gbps"
priority = 3
after = ["ls", "traffic0"]
repeat = 2
endpoints = "4..7"
)");
  const auto& p = s.traffic.patterns;
  REQUIRE(p.size() == 4);
  CHECK(p[0].name == "traffic0");
  CHECK(p[0].kind == PatternKind::Uniform);
  CHECK(p[0].op == OpKind::Write);
  CHECK(p[0].endpoints.empty());
  CHECK(p[0].size == SizeDist::Fixed);
  CHECK(p[0].bytes == 65536);
  CHECK(p[0].op_bytes == 4096);
  CHECK(p[0].count == 1);
  CHECK(p[0].repeat == 1);
  CHECK(p[1].kind == PatternKind::LoadStore);
  CHECK(p[1].op == OpKind::Load); // load_store's default op
  CHECK(p[1].op_bytes == 64);     // and the op's default size
  CHECK(p[1].endpoints == std::vector<std::uint32_t>{3, 1, 2});
  CHECK(p[1].window == 16);
  CHECK(p[2].op == OpKind::FetchAdd);
  CHECK(p[2].op_bytes == 8);
  CHECK(p[2].count == 3);
  CHECK(p[2].interarrival == 2_us);
  CHECK(p[3].kind == PatternKind::Incast);
  CHECK(p[3].op == OpKind::Read);
  CHECK(p[3].size == SizeDist::Uniform);
  CHECK(p[3].min_bytes == 1024);
  CHECK(p[3].max_bytes == 1'000'000);
  CHECK(p[3].op_bytes == 8192);
  CHECK(p[3].fan_in == 4);
  CHECK(p[3].target == 7);
  CHECK(p[3].start == 10_us);
  CHECK(p[3].rate_bps == 10'000'000'000ULL);
  CHECK(p[3].priority == 3);
  CHECK(p[3].after == std::vector<std::string>{"ls", "traffic0"});
  CHECK(p[3].repeat == 2);
  CHECK(p[3].endpoints == std::vector<std::uint32_t>{4, 5, 6, 7});
}

TEST_CASE("scenario: traffic cdf, pairs, experts and endpoints all", "[scenario]") {
  const Scenario s = parse_ok(R"(
[[traffic]]
pattern = "all_to_all"
size = "cdf"
cdf = [[100, 0.5], ["1KiB", 0.9], [65536, 1.0]]
endpoints = "all"
rate = 0
[[traffic]]
pattern = "explicit"
op = "send"
pairs = [[0, 1], [1, 0], [5, 2]]
size = "exponential"
bytes = "1MiB"
[[traffic]]
pattern = "moe_combine"
experts = 16
top_k = 4
[[traffic]]
pattern = "load_store"
op = "store"
op_bytes = 128
)");
  const auto& p = s.traffic.patterns;
  REQUIRE(p.size() == 4);
  REQUIRE(p[0].cdf.size() == 3);
  CHECK(p[0].cdf[0].bytes == 100);
  CHECK(p[0].cdf[0].p == 0.5);
  CHECK(p[0].cdf[1].bytes == 1024);
  CHECK(p[0].cdf[2].p == 1.0);
  CHECK(p[0].endpoints.empty());
  CHECK(p[0].rate_bps == 0);
  CHECK(p[1].kind == PatternKind::Explicit);
  CHECK(p[1].op == OpKind::Send);
  CHECK(p[1].size == SizeDist::Exponential);
  CHECK(p[1].bytes == 1'048'576);
  REQUIRE(p[1].pairs.size() == 3);
  CHECK(p[1].pairs[2] == std::pair<std::uint32_t, std::uint32_t>{5, 2});
  CHECK(p[2].kind == PatternKind::MoeCombine);
  CHECK(p[2].experts == 16);
  CHECK(p[2].top_k == 4);
  CHECK(p[3].op == OpKind::Store);
  CHECK(p[3].op_bytes == 128);
}

TEST_CASE("scenario: faults keep their kind, target and line", "[scenario]") {
  const Scenario s = parse_ok(R"(
[[fault]]
at = "5us"
kind = "link_down"
a = "npu0.0"
b = "npu1.0"
[[fault]]
at = "6us"
kind = "ber"
link = 3
value = 1e-6
[[fault]]
at = "7us"
kind = "lanes"
a = "x"
b = "y"
value = 2
[[fault]]
at = 0
kind = "switch_down"
node = "pod0.rack0.lrs0"
[[fault]]
at = "1ms"
kind = "switch_up"
node = "pod0.rack0.lrs0"
[[fault]]
at = "9us"
kind = "link_up"
link = 0
)");
  const auto& f = s.faults;
  REQUIRE(f.size() == 6);
  CHECK(f[0].at == 5_us);
  CHECK(f[0].kind == FaultKind::LinkDown);
  CHECK(f[0].a == "npu0.0");
  CHECK(f[0].b == "npu1.0");
  CHECK_FALSE(f[0].link_id.has_value());
  CHECK(f[0].line == 2);
  CHECK(f[1].kind == FaultKind::Ber);
  CHECK(f[1].link_id == 3U);
  CHECK(f[1].value == 1e-6);
  CHECK(f[1].line == 7);
  CHECK(f[2].kind == FaultKind::Lanes);
  CHECK(f[2].value == 2.0);
  CHECK(f[3].at == Time{0});
  CHECK(f[3].kind == FaultKind::SwitchDown);
  CHECK(f[3].node == "pod0.rack0.lrs0");
  CHECK(f[4].kind == FaultKind::SwitchUp);
  CHECK(f[5].kind == FaultKind::LinkUp);
  CHECK(f[5].link_id == 0U);
}

TEST_CASE("scenario: enumeration names print back as the schema writes them", "[scenario]") {
  for (const auto& n : topology_kind_names()) {
    CHECK(to_string(n.value) == n.name);
  }
  for (const auto& n : pattern_names()) {
    CHECK(to_string(n.value) == n.name);
  }
  for (const auto& n : fault_kind_names()) {
    CHECK(to_string(n.value) == n.name);
  }
  for (const auto& n : op_names()) {
    CHECK(to_string(n.value) == n.name); // the same spelling as flow.hpp's to_string(OpKind)
  }
  CHECK(to_string(Selector::Pinned) == "pinned");
  CHECK(to_string(Arbitration::StrictPriority) == "strict_priority");
  CHECK(to_string(TransportKind::Bypass) == "bypass");
  CHECK(to_string(SizeDist::Cdf) == "cdf");
}
