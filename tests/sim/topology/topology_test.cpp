// Fabric graphs (sim/topology/topology): generator counts against the analytic formulas,
// validation naming the field, CNA assignment, determinism.
#include <catch2/catch.hpp>

#include "sim/topology/topology.hpp"
#include "sim/topology/topology_test_util.hpp"

using namespace ub;
using namespace ub::literals;
using namespace ub::sim;
using ub::test::ok;

namespace {

// Every node's port count equals the link ends on it, and every connected port's peer points back.
void check_ports(const Topology& t) {
  std::vector<std::size_t> ends(t.node_count(), 0);
  for (const auto& l : t.links()) {
    ++ends[l.a.node];
    ++ends[l.b.node];
    CHECK(t.peer(l.a) == l.b);
    CHECK(t.peer(l.b) == l.a);
  }
  std::size_t total = 0;
  for (const auto& n : t.nodes()) {
    CHECK(n.port_count == ends[n.id]);
    total += n.port_count;
  }
  CHECK(total == 2 * t.link_count());
  CHECK(t.port_total() == total);
}

} // namespace

TEST_CASE("fat-tree counts match k^3/4 hosts, 5k^2/4 switches, 3k^3/4 links", "[sim][topology]") {
  for (const std::uint32_t k : {2U, 4U, 6U, 8U}) {
    const Topology t = ok(make_fat_tree({.k = k}));
    INFO("k=" << k);
    CHECK(t.count(NodeKind::Endpoint) == k * k * k / 4);
    CHECK(t.count(NodeKind::Switch) == 5 * k * k / 4);
    CHECK(t.count(NodeRole::Core) == k * k / 4);
    CHECK(t.count(NodeRole::Edge) == k * k / 2);
    CHECK(t.link_count() == 3 * k * k * k / 4);
    check_ports(t);
    for (const auto& n : t.nodes()) {
      CHECK(n.port_count == (n.kind == NodeKind::Endpoint ? 1 : k));
      CHECK(n.forwards == (n.kind == NodeKind::Switch));
    }
  }
  const Topology t = ok(make_fat_tree({}));
  CHECK(t.count(NodeKind::Endpoint) == 16);
  CHECK(t.count(NodeKind::Switch) == 20);
  CHECK(t.link_count() == 48);
  CHECK(t.node(0).name == "pod0.edge0.host0");
}

TEST_CASE("full mesh counts", "[sim][topology]") {
  const Topology m1 = ok(make_full_mesh_1d({}));
  CHECK(m1.node_count() == 8);
  CHECK(m1.link_count() == 28);
  check_ports(m1);
  for (const auto& n : m1.nodes()) {
    CHECK(n.port_count == 7);
    CHECK(n.forwards);
  }
  const Topology m1x2 = ok(make_full_mesh_1d({.n = 5, .links_per_pair = 2}));
  CHECK(m1x2.link_count() == 20);
  const Topology m2 = ok(make_full_mesh_2d({}));
  CHECK(m2.node_count() == 64);
  CHECK(m2.link_count() == 448); // 8*28 + 8*28
  check_ports(m2);
  const Topology m23 = ok(make_full_mesh_2d({.x = 3, .y = 5}));
  CHECK(m23.link_count() == 5 * 3 + 3 * 10);
  for (const auto& n : m23.nodes()) {
    CHECK(n.port_count == 2 + 4);
  }
}

TEST_CASE("UB-Mesh pod counts: 1,024 NPUs, 64+1 per rack, LRS planes", "[sim][topology]") {
  const Topology t = ok(make_ub_mesh({}));
  CHECK(t.count(NodeRole::Npu) == 1024);
  CHECK(t.count(NodeRole::SpareNpu) == 16);
  CHECK(t.count(NodeRole::Lrs) == 16 * 8);
  CHECK(t.count(NodeRole::Hrs) == 0);
  // Per rack: board meshes 8*28, slot meshes 8*28, NPU-LRS 64, spare-LRS 8; inter-rack: per
  // plane 4 rows * 6 + 4 columns * 6.
  CHECK(t.link_count() == 16 * (224 + 224 + 64 + 8) + 8 * 48);
  check_ports(t);
  for (const auto& n : t.nodes()) {
    if (n.role == NodeRole::Npu) {
      CHECK(n.port_count == 15); // 7 board + 7 rack + 1 LRS
      CHECK(n.forwards);
    } else if (n.role == NodeRole::SpareNpu) {
      CHECK(n.port_count == 8);
      CHECK_FALSE(n.forwards);
    } else {
      CHECK(n.port_count == 8 + 1 + 3 + 3); // NPUs of slot l, spare, row, column
    }
  }
  const Topology super = ok(make_ub_mesh(
      {.rack_rows = 2, .rack_cols = 2, .pods = 3, .lrs_per_rack = 4, .hrs_per_plane = 2}));
  CHECK(super.count(NodeRole::Npu) == 3 * 4 * 64);
  CHECK(super.count(NodeRole::Hrs) == 4 * 2);
  CHECK(super.count(NodeRole::Lrs) == 12 * 4);
  // NPU slot s goes to LRS s mod 4, so LRS l has 2 slots * 8 boards = 16 NPUs.
  const auto lrs = super.find("pod2.rack3.lrs1");
  REQUIRE(lrs);
  CHECK(super.node(*lrs).port_count == 16 + 1 + 1 + 1 + 2);
  CHECK(super.node(*lrs).coord == std::array<std::uint16_t, 4>{2, 3, 1, 0});
  check_ports(super);
}

TEST_CASE("CloudMatrix384 Clos counts", "[sim][topology]") {
  const Topology t = ok(make_clos({}));
  CHECK(t.count(NodeRole::Npu) == 384);
  CHECK(t.count(NodeRole::L1) == 48 * 7);
  CHECK(t.count(NodeRole::L2) == 7 * 16);
  CHECK(t.link_count() == 384 * 7 * 2 + 336 * 16);
  check_ports(t);
  for (const auto& n : t.nodes()) {
    const std::size_t want = n.role == NodeRole::Npu ? 14 : n.role == NodeRole::L1 ? 32 : 48;
    CHECK(n.port_count == want);
  }
}

TEST_CASE("ring and torus counts", "[sim][topology]") {
  const Topology r = ok(make_ring({.n = 5}));
  CHECK(r.link_count() == 5);
  check_ports(r);
  const Topology t = ok(make_torus_2d({.x = 3, .y = 4}));
  CHECK(t.node_count() == 12);
  CHECK(t.link_count() == 24);
  for (const auto& n : t.nodes()) {
    CHECK(n.port_count == 4);
  }
  check_ports(t);
}

TEST_CASE("CNAs: endpoints first, then switches, unique and resolvable", "[sim][topology]") {
  const Topology t = ok(make_fat_tree({}));
  for (const auto& n : t.nodes()) {
    CHECK(n.cna == n.id + 1); // generators add endpoints first
    CHECK(t.node_by_cna(n.cna) == n.id);
  }
  CHECK_FALSE(t.node_by_cna(0));
  CHECK_FALSE(t.node_by_cna(37));
  // Above the largest CNA assigned, up to the last one the 16-bit field can hold.
  CHECK_FALSE(t.node_by_cna(static_cast<Cna>(t.node_count() + 1)));
  CHECK_FALSE(t.node_by_cna(kMaxCna));
  CHECK_FALSE(t.node_by_cna(0xFFFF));
  Topology mixed;
  mixed.add_node(NodeKind::Switch, NodeRole::Switch, "s", true);
  mixed.add_node(NodeKind::Endpoint, NodeRole::Host, "h", false);
  mixed.connect(0, 1, {});
  REQUIRE(mixed.assign_cnas());
  CHECK(mixed.node(1).cna == 1);
  CHECK(mixed.node(0).cna == 2);
}

TEST_CASE("generation is deterministic", "[sim][topology]") {
  const auto same = [](const Topology& a, const Topology& b) {
    REQUIRE(a.node_count() == b.node_count());
    REQUIRE(a.link_count() == b.link_count());
    for (std::size_t i = 0; i < a.node_count(); ++i) {
      const auto& x = a.node(static_cast<NodeId>(i));
      const auto& y = b.node(static_cast<NodeId>(i));
      CHECK((x.name == y.name && x.cna == y.cna && x.port_count == y.port_count &&
             x.coord == y.coord));
    }
    for (std::size_t i = 0; i < a.link_count(); ++i) {
      const auto& x = a.link(static_cast<LinkId>(i));
      const auto& y = b.link(static_cast<LinkId>(i));
      CHECK((x.a == y.a && x.b == y.b && x.spec.rate == y.spec.rate));
    }
  };
  same(ok(make_ub_mesh({.pods = 2})), ok(make_ub_mesh({.pods = 2})));
  same(ok(make_clos({.nodes = 4})), ok(make_clos({.nodes = 4})));
}

TEST_CASE("bad generator parameters are refused by name", "[sim][topology]") {
  const auto field = [](const Result<Topology>& r) {
    REQUIRE_FALSE(r);
    return std::string{r.error().field};
  };
  CHECK(field(make_fat_tree({.k = 3})) == "k");
  CHECK(field(make_fat_tree({.k = 0})) == "k");
  CHECK(field(make_fat_tree({.k = 64})) == "k");
  CHECK(field(make_fat_tree({.k = 4, .link = {.lanes = 0}})) == "link");
  CHECK(field(make_full_mesh_1d({.n = 1})) == "n");
  CHECK(field(make_full_mesh_1d({.links_per_pair = 0})) == "links_per_pair");
  CHECK(field(make_full_mesh_2d({.x = 1})) == "x");
  CHECK(field(make_full_mesh_2d({.y = 300})) == "y");
  CHECK(field(make_ub_mesh({.board_npus = 1})) == "board_npus");
  CHECK(field(make_ub_mesh({.rack_rows = 0})) == "rack_rows");
  CHECK(field(make_ub_mesh({.lrs_per_rack = 0})) == "lrs_per_rack");
  CHECK(field(make_ub_mesh({.inter_rack_link = {.latency = Time{0}}})) == "inter_rack_link");
  CHECK(field(make_ub_mesh({.pods = 64})) == "nodes");
  CHECK(field(make_clos({.nodes = 0})) == "nodes");
  CHECK(field(make_clos({.l2_per_plane = 2000})) == "l2_per_plane");
  CHECK(field(make_clos({.link = {.rate = BitRate{0}}})) == "link");
  CHECK(field(make_ring({.n = 2})) == "n");
  CHECK(field(make_torus_2d({.x = 2})) == "x");
  const auto e = make_fat_tree({.k = 5});
  REQUIRE_FALSE(e);
  CHECK(e.error().header == "fat_tree");
  CHECK(e.error().value == 5);
  CHECK(e.error().reason == "must be even");
}

TEST_CASE("topology validation names the field", "[sim][topology]") {
  const auto field = [](Topology t) {
    const auto s = t.finalize();
    REQUIRE_FALSE(s);
    CHECK_FALSE(t.finalized());
    return std::string{s.error().field};
  };
  const auto two = [] {
    Topology t;
    t.add_node(NodeKind::Endpoint, NodeRole::Host, "a", false);
    t.add_node(NodeKind::Endpoint, NodeRole::Host, "b", false);
    return t;
  };
  {
    Topology t = two();
    t.connect(0, 1, {});
    CHECK(field(t) == "cna"); // not assigned
    REQUIRE(t.assign_cnas());
    CHECK(t.finalize());
    t.set_cna(1, 1);
    CHECK(field(t) == "cna"); // repeated
  }
  {
    Topology t = two();
    t.connect(0, 0, {});
    REQUIRE(t.assign_cnas());
    CHECK(field(t) == "link");
  }
  {
    Topology t = two();
    t.connect_ports({0, 0}, {1, 0}, {});
    t.connect_ports({0, 0}, {1, 1}, {});
    REQUIRE(t.assign_cnas());
    CHECK(field(t) == "port");
  }
  {
    Topology t = two();
    t.connect(0, 1, {.latency = Time{0}});
    REQUIRE(t.assign_cnas());
    CHECK(field(t) == "latency");
  }
  {
    Topology t = two();
    t.connect(0, 1, {.rate = BitRate{0}});
    REQUIRE(t.assign_cnas());
    CHECK(field(t) == "rate");
  }
  {
    Topology t = two();
    t.connect(0, 1, {.lanes = 0});
    REQUIRE(t.assign_cnas());
    CHECK(field(t) == "lanes");
  }
  {
    Topology t = two();
    t.connect_ports({0, 0}, {7, 0}, {});
    REQUIRE(t.assign_cnas());
    CHECK(field(t) == "link");
  }
  {
    Topology t;
    t.add_node(NodeKind::Endpoint, NodeRole::Host, "a", false, 1);
    t.add_node(NodeKind::Endpoint, NodeRole::Host, "a", false);
    REQUIRE(t.assign_cnas());
    CHECK(field(t) == "name");
  }
  {
    Topology t;
    const auto s = t.add_node(NodeKind::Switch, NodeRole::Switch, "s", true, 1);
    t.add_node(NodeKind::Endpoint, NodeRole::Host, "a", false);
    t.add_node(NodeKind::Endpoint, NodeRole::Host, "b", false);
    t.connect(s, 1, {});
    t.connect(s, 2, {});
    REQUIRE(t.assign_cnas());
    CHECK(field(t) == "port"); // beyond max_ports
  }
}
