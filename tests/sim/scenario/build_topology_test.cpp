// build_topology (sim/scenario/build_topology): every kind from a scenario, the link spec
// applied to every generated link, the custom topology, generator refusals keyed by the
// scenario's names, and fault targets checked against the built fabric.
#include <set>

#include "scenario_test_util.hpp"
#include "sim/scenario/build_topology.hpp"

using namespace ub;
using namespace ub::literals;
using namespace ub::sim;
using ub::sim::test::parse_ok;

namespace {

Topology build_ok(const Scenario& s) {
  auto t = build_topology(s);
  INFO((t ? std::string{} : to_string(t.error())));
  REQUIRE(t);
  REQUIRE(t->finalized());
  return std::move(*t);
}

std::string build_error(const Scenario& s) {
  auto t = build_topology(s);
  REQUIRE_FALSE(t);
  return to_string(t.error());
}

} // namespace

TEST_CASE("build_topology: every generated kind from its sub-table", "[scenario]") {
  struct Row {
    std::string_view toml;
    std::size_t endpoints, switches, links;
  };
  for (const auto& row : std::to_array<Row>({
           {"kind = \"fat_tree\"\n[topology.fat_tree]\nk = 4", 16, 20, 48},
           {"kind = \"full_mesh_1d\"\n[topology.full_mesh_1d]\nn = 4\nlinks_per_pair = 2", 4, 0,
            12},
           {"kind = \"full_mesh_2d\"\n[topology.full_mesh_2d]\nx = 3\ny = 2", 6, 0, 9},
           // 2 x 2 racks of 2 boards of 2 NPUs, a spare each, 2 LRS per rack.
           {"kind = \"ub_mesh\"\n[topology.ub_mesh]\nboard_npus = 2\nboards_per_rack = "
            "2\nrack_rows = 2\nrack_cols = 2\nlrs_per_rack = 2",
            20, 8, 4 * (2 + 2 + 4 + 2) + 2 * 4},
           {"kind = \"clos\"\n[topology.clos]\nnodes = 2\nnpus_per_node = 2\nl1_per_node = "
            "2\nl2_per_plane = 3",
            4, 2 * 2 + 2 * 3, 2 * 2 * 2 * 2 + 2 * 2 * 3},
           {"kind = \"ring\"\n[topology.ring]\nn = 5", 5, 0, 5},
           {"kind = \"torus\"\n[topology.torus]\nx = 3\ny = 4", 12, 0, 24},
       })) {
    INFO(row.toml);
    const Topology t = build_ok(parse_ok("[topology]\n" + std::string{row.toml}));
    CHECK(t.count(NodeKind::Endpoint) == row.endpoints);
    CHECK(t.count(NodeKind::Switch) == row.switches);
    CHECK(t.link_count() == row.links);
  }
}

TEST_CASE("build_topology: the built-in defaults make an 8x8 rack", "[scenario]") {
  const Topology t = build_ok(Scenario{});
  CHECK(t.count(NodeKind::Endpoint) == 64);
  CHECK(t.link_count() == 8 * 28 * 2);
}

TEST_CASE("build_topology: [topology.link] reaches every generated link", "[scenario]") {
  const Topology t = build_ok(parse_ok(R"(
[topology]
kind = "fat_tree"
[topology.fat_tree]
k = 4
[topology.link]
lanes = 2
rate = "25Gbps"
latency = "1us"
)"));
  for (const Link& l : t.links()) {
    CHECK(l.spec.lanes == 2);
    CHECK(l.spec.rate.bps == 25'000'000'000ULL);
    CHECK(l.spec.latency == 1_us);
  }
  // ub_mesh: a field given in [topology.link] changes every class, the others stay per class.
  const Topology m = build_ok(parse_ok(R"(
[topology]
kind = "ub_mesh"
[topology.ub_mesh]
board_npus = 2
boards_per_rack = 2
rack_rows = 1
rack_cols = 2
pods = 2
lrs_per_rack = 1
[topology.link]
latency = "250ns"
)"));
  std::set<std::uint16_t> lanes;
  for (const Link& l : m.links()) {
    CHECK(l.spec.latency == 250_ns);
    lanes.insert(l.spec.lanes);
  }
  CHECK(lanes == std::set<std::uint16_t>{4, 16, 32}); // mesh, LRS and HRS links keep theirs
}

TEST_CASE("build_topology: link_given replaces every link spec of a scenario built in code",
          "[scenario]") {
  Scenario s;
  s.topology.kind = TopologyKind::UbMesh;
  s.topology.ub_mesh = UbMeshParams{.board_npus = 2,
                                    .boards_per_rack = 1,
                                    .rack_rows = 1,
                                    .rack_cols = 2,
                                    .pods = 2,
                                    .lrs_per_rack = 1};
  s.topology.link = LinkSpec{1, BitRate{50'000'000'000ULL}, 300_ns};
  s.topology.link_given = true;
  const Topology t = build_ok(s);
  REQUIRE(t.link_count() > 0);
  for (const Link& l : t.links()) {
    CHECK(l.spec.lanes == 1);
    CHECK(l.spec.rate.bps == 50'000'000'000ULL);
    CHECK(l.spec.latency == 300_ns);
  }
  s.topology.link_given = false;
  const Topology u = build_ok(s);
  CHECK(u.link(0).spec.lanes == 4);
}

TEST_CASE("build_topology: a custom topology from its nodes and links", "[scenario]") {
  const Topology t = build_ok(parse_ok(R"(
[topology]
kind = "custom"
[topology.link]
rate = "200Gbps"
[[topology.custom.node]]
name = "h0"
[[topology.custom.node]]
name = "sw"
switch = true
[[topology.custom.node]]
name = "h1"
forwards = true
[[topology.custom.link]]
a = "h0"
b = "sw"
[[topology.custom.link]]
a = "sw"
b = "h1"
lanes = 8
[[topology.custom.link]]
a = "h1"
b = "h0"
)"));
  REQUIRE(t.node_count() == 3);
  CHECK(t.node(0).name == "h0");
  CHECK(t.node(0).kind == NodeKind::Endpoint);
  CHECK(t.node(0).role == NodeRole::Host);
  CHECK_FALSE(t.node(0).forwards);
  CHECK(t.node(1).kind == NodeKind::Switch);
  CHECK(t.node(1).role == NodeRole::Switch);
  CHECK(t.node(1).forwards);
  CHECK(t.node(2).forwards);
  // CNAs: endpoints first, then switches (A-171).
  CHECK(t.node(0).cna == 1);
  CHECK(t.node(2).cna == 2);
  CHECK(t.node(1).cna == 3);
  REQUIRE(t.link_count() == 3);
  CHECK(t.link(0).a == PortRef{0, 0});
  CHECK(t.link(0).b == PortRef{1, 0});
  CHECK(t.link(0).spec.rate.bps == 200'000'000'000ULL);
  CHECK(t.link(0).spec.lanes == 4);
  CHECK(t.link(1).spec.lanes == 8);
  CHECK(t.link(1).spec.rate.bps == 200'000'000'000ULL);
  CHECK(t.link(2).a == PortRef{2, 1});
  CHECK(t.link(2).b == PortRef{0, 1});
}

TEST_CASE("build_topology: errors name the scenario's keys and lines", "[scenario]") {
  Scenario s;
  s.file = "x.toml";
  s.topology.kind = TopologyKind::FatTree;
  s.topology.fat_tree.k = 5; // a scenario built in code skips the reader's checks
  CHECK(build_error(s) == "x.toml: topology.fat_tree.k: must be even (5)");
  s.topology.fat_tree.link.latency = Time{0};
  s.topology.fat_tree.k = 4;
  CHECK(build_error(s) == "x.toml: topology.fat_tree.link: latency must be positive (0)");
  s.topology.kind = TopologyKind::FullMesh2d;
  s.topology.full_mesh_2d.x = 256;
  s.topology.full_mesh_2d.y = 256;
  CHECK(build_error(s) == "x.toml: topology.full_mesh_2d: nodes: out of range (65536)");
  s.topology.kind = TopologyKind::UbMesh;
  s.topology.ub_mesh.pods = 64; // each parameter in range, the total not
  CHECK(build_error(s) ==
        "x.toml: topology.ub_mesh: nodes: more nodes than 16-bit primary CNAs (65,534) (74760)");

  s.topology.kind = TopologyKind::File;
  CHECK(build_error(s) == "x.toml: topology.custom.node: a custom topology needs nodes");
  s.topology.nodes = {{"a", false, false}, {"b", true, false}, {"a", false, false}};
  CHECK(build_error(s) == "x.toml: topology.custom.node[2].name: node \"a\" declared twice");
  s.topology.nodes.pop_back();
  s.topology.links = {{"a", "b", std::nullopt, 7}, {"b", "c", std::nullopt, 9}};
  CHECK(build_error(s) == "x.toml:9: topology.custom.link[1].b: no node named \"c\"");
  s.topology.links[1] = {"b", "b", std::nullopt, 9};
  CHECK(build_error(s) == "x.toml:9: topology.custom.link[1].b: a link joins \"b\" to itself");
  s.topology.links[1] = {"b", "a", LinkSpec{0, BitRate{1}, 1_ns}, 9};
  CHECK(build_error(s) == "x.toml:9: topology.custom.link[1].lanes: a link without lanes");
  s.topology.links.pop_back();
  s.topology.link.rate = BitRate{0};
  CHECK(build_error(s) == "x.toml:7: topology.custom.link[0].rate: a link with rate 0");
}

TEST_CASE("build_topology: fault targets are checked against the fabric", "[scenario]") {
  const std::string head = R"([topology]
kind = "fat_tree"
[topology.fat_tree]
k = 4
[[fault]]
at = "1us"
)";
  struct Row {
    std::string_view fault;
    std::string_view error; // empty: accepted
  };
  for (const auto& row : std::to_array<Row>({
           {"kind = \"link_down\"\na = \"pod0.edge0.host0\"\nb = \"pod0.edge0\"", ""},
           {"kind = \"link_down\"\na = \"pod0.edge0\"\nb = \"pod0.edge0.host0\"", ""},
           {"kind = \"ber\"\nlink = 47\nvalue = 1e-8", ""},
           {"kind = \"lanes\"\na = \"pod0.edge0\"\nb = \"pod0.agg1\"\nvalue = 4", ""},
           {"kind = \"switch_down\"\nnode = \"core1.1\"", ""},
           {"kind = \"link_down\"\na = \"pod9.edge0\"\nb = \"pod0.edge0\"",
            "s.toml:5: fault[0].a: no node named \"pod9.edge0\""},
           {"kind = \"link_up\"\na = \"pod0.edge0\"\nb = \"nowhere\"",
            "s.toml:5: fault[0].b: no node named \"nowhere\""},
           {"kind = \"link_down\"\na = \"pod0.edge0.host0\"\nb = \"pod1.edge0.host0\"",
            "s.toml:5: fault[0].b: no link between \"pod0.edge0.host0\" and \"pod1.edge0.host0\""},
           {"kind = \"link_down\"\nlink = 48",
            "s.toml:5: fault[0].link: no link 48 (the topology has 48 links, 0..47)"},
           {"kind = \"lanes\"\nlink = 0\nvalue = 5",
            "s.toml:5: fault[0].value: 5 lanes on a link of 4"},
           {"kind = \"switch_down\"\nnode = \"core9\"", "s.toml:5: fault[0].node: no node named "
                                                        "\"core9\""},
           {"kind = \"switch_up\"\nnode = \"pod0.edge0.host0\"",
            "s.toml:5: fault[0].node: \"pod0.edge0.host0\" is an endpoint that does not forward: "
            "only a switch or a forwarding endpoint fails as a switch"},
       })) {
    INFO(row.fault);
    auto s = parse_scenario(head + std::string{row.fault}, "s.toml");
    REQUIRE(s);
    auto t = build_topology(*s);
    if (row.error.empty()) {
      CHECK(t);
    } else {
      REQUIRE_FALSE(t);
      CHECK(to_string(t.error()) == row.error);
    }
  }
}
