// Routing tables (sim/topology/routing, UB-Base-2.0 §5.2): distances against an independent BFS,
// reachability, shortest ⊆ all, loop freedom of every allowed port, RT modes, detours, scale.
#include <chrono>
#include <deque>

#include <catch2/catch.hpp>

#include "sim/topology/routing.hpp"
#include "sim/topology/topology_test_util.hpp"

using namespace ub;
using namespace ub::sim;
using ub::test::ok;

namespace {

Routing route(const Topology& t) {
  auto r = Routing::build(t);
  INFO((r ? std::string{} : to_string(r.error())));
  REQUIRE(r);
  return std::move(*r);
}

// Hop distances from `s` through forwarding nodes only, by a plain BFS (the test's oracle).
std::vector<std::uint32_t> bfs(const Topology& t, NodeId s) {
  std::vector<std::uint32_t> d(t.node_count(), kUnreachable);
  std::deque<NodeId> q{s};
  d[s] = 0;
  while (!q.empty()) {
    const NodeId u = q.front();
    q.pop_front();
    if (u != s && !t.node(u).forwards) {
      continue;
    }
    for (PortIndex p = 0; p < t.node(u).port_count; ++p) {
      if (t.port_link({u, p}) == kNoLink) {
        continue;
      }
      const NodeId w = t.peer({u, p}).node;
      if (d[w] == kUnreachable) {
        d[w] = d[u] + 1;
        q.push_back(w);
      }
    }
  }
  return d;
}

// For every destination endpoint: distances equal the oracle's, every endpoint reaches it, the
// shortest set is inside the all set, and following any allowed port of any node reaches the
// destination without a loop or a dead end, in at most as many hops as nodes; on the shortest
// set every walk is exactly the distance. Returns the largest endpoint-to-endpoint distance.
std::uint32_t check_routing(const Topology& t, const Routing& r) {
  std::uint32_t diameter = 0;
  const auto eps = t.endpoints();
  for (const NodeId d : eps) {
    const auto oracle = bfs(t, d);
    for (const NodeId s : eps) {
      INFO(t.node(s).name << " -> " << t.node(d).name);
      REQUIRE(oracle[s] != kUnreachable);
      REQUIRE(r.distance(s, d) == oracle[s]);
      diameter = std::max(diameter, oracle[s]);
    }
    for (const PathSet set : {PathSet::Shortest, PathSet::All}) {
      // Longest and shortest walk length from each node to d over allowed ports (memoised DFS;
      // 0 = not visited, 1 = on the stack).
      std::vector<std::uint8_t> state(t.node_count(), 0);
      std::vector<std::uint32_t> longest(t.node_count(), 0), shortest(t.node_count(), 0);
      const auto walk = [&](auto&& self, NodeId v) -> void {
        state[v] = 1;
        const PortSet ps = r.ports(v, d, set);
        REQUIRE((v == d || !ps.empty())); // no dead end
        std::uint32_t lo = kUnreachable, hi = 0;
        for (std::size_t i = 0; i < ps.size(); ++i) {
          const PortIndex p = ps[i];
          REQUIRE(t.port_link({v, p}) != kNoLink);
          const NodeId w = t.peer({v, p}).node;
          REQUIRE((w == d || t.node(w).forwards));
          REQUIRE(state[w] != 1); // a loop
          if (state[w] == 0) {
            self(self, w);
          }
          lo = std::min(lo, shortest[w] + 1);
          hi = std::max(hi, longest[w] + 1);
          CHECK(r.cost(v, p, d) == r.distance(w, d) + 1);
        }
        if (v == d) {
          lo = 0;
        }
        shortest[v] = lo;
        longest[v] = hi;
        state[v] = 2;
      };
      for (const NodeId s : eps) {
        if (state[s] == 0) {
          walk(walk, s);
        }
        CHECK(shortest[s] == oracle[s]);
        if (set == PathSet::Shortest) {
          CHECK(longest[s] == oracle[s]);
        } else {
          CHECK(longest[s] < t.node_count());
        }
      }
    }
    // Shortest ⊆ all, at every node.
    for (const auto& n : t.nodes()) {
      const PortSet all = r.ports(n.id, d, PathSet::All);
      const PortSet sh = r.ports(n.id, d, PathSet::Shortest);
      for (std::size_t i = 0; i < sh.size(); ++i) {
        CHECK(all.contains(sh[i]));
      }
    }
  }
  return diameter;
}

} // namespace

TEST_CASE("RT field modes follow the §5.2 table", "[sim][topology][spec:§5.2]") {
  CHECK(rt_mode(0b00) == RtMode{LoadBalance::PerFlow, PathSet::All});
  CHECK(rt_mode(0b01) == RtMode{LoadBalance::PerPacket, PathSet::All});
  CHECK(rt_mode(0b10) == RtMode{LoadBalance::PerFlow, PathSet::Shortest});
  CHECK(rt_mode(0b11) == RtMode{LoadBalance::PerPacket, PathSet::Shortest});
}

TEST_CASE("fat-tree routing: 6 hops at most, ECMP over cores", "[sim][topology][spec:§5.2]") {
  const Topology t = ok(make_fat_tree({}));
  const Routing r = route(t);
  CHECK(check_routing(t, r) == 6);
  CHECK(r.groups() == 8); // one per edge switch
  const NodeId h0 = *t.find("pod0.edge0.host0");
  CHECK(r.distance(h0, *t.find("pod0.edge0.host1")) == 2);
  CHECK(r.distance(h0, *t.find("pod0.edge1.host0")) == 4);
  CHECK(r.distance(h0, *t.find("pod3.edge1.host1")) == 6);
  // An edge switch going to another pod may use both aggregation switches; an aggregation
  // switch both of its cores; a core the one port to the destination pod.
  const NodeId dst = *t.find("pod3.edge1.host1");
  CHECK(r.ports(*t.find("pod0.edge0"), dst, PathSet::Shortest).size() == 2);
  CHECK(r.ports(*t.find("pod0.agg1"), dst, PathSet::Shortest).size() == 2);
  CHECK(r.ports(*t.find("core1.0"), dst, PathSet::Shortest).size() == 1);
  // The last hop: the edge switch's own port to the host.
  const NodeId edge = *t.find("pod3.edge1");
  const PortSet last = r.ports(edge, dst, PathSet::All);
  REQUIRE(last.size() == 1);
  CHECK(t.peer({edge, last[0]}).node == dst);
  // Lookup by CNA; unknown CNAs and switches as destinations give nothing.
  CHECK(r.ports_to_cna(h0, t.node(dst).cna, PathSet::Shortest).to_vector() ==
        std::vector<PortIndex>{0});
  CHECK(r.ports_to_cna(h0, 0x7777, PathSet::Shortest).empty());
  CHECK(r.ports(h0, edge, PathSet::All).empty());
  CHECK(r.distance(h0, edge) == kUnreachable);
  CHECK(r.ports(dst, dst, PathSet::All).empty());
}

TEST_CASE("full mesh routing: 1 link, 2 links on a 2D mesh, APR detours", "[sim][topology]") {
  const Topology m1 = ok(make_full_mesh_1d({}));
  const Routing r1 = route(m1);
  CHECK(check_routing(m1, r1) == 1);
  // All paths adds equal-distance neighbours (one-hop detours) without loops; the APR detour set
  // offers every other NPU.
  std::size_t extra = 0;
  for (NodeId v = 1; v < 8; ++v) {
    extra += r1.ports(v, 0, PathSet::All).size() - 1;
    CHECK(r1.ports(v, 0, PathSet::Shortest).size() == 1);
    CHECK(r1.detour_ports(v, 0).size() == 6);
    for (const PortIndex p : r1.detour_ports(v, 0)) {
      CHECK(r1.cost(v, p, 0) == 2);
    }
  }
  CHECK(extra == 21); // the rank orders the 7 other NPUs: 0 + 1 + ... + 6 detours
  CHECK(r1.detour_ports(0, 0).empty());

  const Topology m2 = ok(make_full_mesh_2d({.x = 4, .y = 3}));
  const Routing r2 = route(m2);
  CHECK(check_routing(m2, r2) == 2);
  // From (0,0) to (2,1): via (2,0) or (0,1).
  const NodeId a = 0, b = 1 * 4 + 2;
  CHECK(r2.ports(a, b, PathSet::Shortest).size() == 2);
  CHECK(r2.detour_ports(a, b).size() == 2);
}

TEST_CASE("UB-Mesh routing: intra-rack 2 hops, inter-rack through LRS planes", "[sim][topology]") {
  const Topology t = ok(make_ub_mesh(
      {.board_npus = 4, .boards_per_rack = 3, .rack_rows = 2, .rack_cols = 3, .lrs_per_rack = 4}));
  const Routing r = route(t);
  // Farthest: other row and column (2 LRS hops) and another slot (1 mesh hop): 1 + 4 = 5.
  CHECK(check_routing(t, r) == 5);
  const auto id = [&](std::string_view n) { return *t.find(n); };
  CHECK(r.distance(id("pod0.rack0.board0.npu0"), id("pod0.rack0.board0.npu3")) == 1);
  CHECK(r.distance(id("pod0.rack0.board0.npu0"), id("pod0.rack0.board2.npu0")) == 1);
  CHECK(r.distance(id("pod0.rack0.board0.npu0"), id("pod0.rack0.board2.npu1")) == 2);
  CHECK(r.distance(id("pod0.rack0.board0.npu2"), id("pod0.rack1.board1.npu2")) == 3);
  CHECK(r.distance(id("pod0.rack0.board0.npu2"), id("pod0.rack4.board1.npu2")) == 4);
  CHECK(r.distance(id("pod0.rack0.board0.npu2"), id("pod0.rack4.board1.npu3")) == 5);
  // The 64+1 spare is reached through the LRS and never carries transit traffic.
  CHECK(r.distance(id("pod0.rack0.board1.npu2"), id("pod0.rack0.spare")) == 2);
  CHECK(r.distance(id("pod0.rack0.spare"), id("pod0.rack3.spare")) == 3);

  const Topology super = ok(make_ub_mesh({.board_npus = 2,
                                          .boards_per_rack = 2,
                                          .rack_rows = 2,
                                          .rack_cols = 2,
                                          .pods = 3,
                                          .lrs_per_rack = 2,
                                          .hrs_per_plane = 2}));
  const Routing rs = route(super);
  CHECK(check_routing(super, rs) == 5); // NPU, LRS, HRS, LRS, NPU, NPU
}

TEST_CASE("CloudMatrix384 Clos routing: 2 hops in a node, 4 across", "[sim][topology]") {
  const Topology t = ok(make_clos({.nodes = 6}));
  const Routing r = route(t);
  CHECK(check_routing(t, r) == 4);
  CHECK(r.groups() == 6); // one per node: the 8 NPUs share the node's 7 L1 switches
  const NodeId a = *t.find("node0.npu0");
  const NodeId b = *t.find("node0.npu5");
  const NodeId c = *t.find("node4.npu7");
  CHECK(r.distance(a, b) == 2);
  CHECK(r.distance(a, c) == 4);
  CHECK(r.ports(a, c, PathSet::Shortest).size() == 14);                     // every port of the NPU
  CHECK(r.ports(*t.find("node0.l1_3"), c, PathSet::Shortest).size() == 16); // every uplink
  CHECK(r.ports(*t.find("plane3.l2_9"), c, PathSet::Shortest).size() == 1);
  CHECK(r.ports(*t.find("node4.l1_3"), c, PathSet::Shortest).size() == 2); // two links down
}

TEST_CASE("ring and torus routing", "[sim][topology]") {
  const Topology ring = ok(make_ring({.n = 7}));
  const Routing rr = route(ring);
  CHECK(check_routing(ring, rr) == 3);
  CHECK(rr.distance(0, 4) == 3);
  const Topology even = ok(make_ring({.n = 6}));
  const Routing re = route(even);
  CHECK(check_routing(even, re) == 3);
  CHECK(re.ports(0, 3, PathSet::Shortest).size() == 2); // both ways round
  const Topology torus = ok(make_torus_2d({.x = 4, .y = 5}));
  const Routing rt = route(torus);
  CHECK(check_routing(torus, rt) == 2 + 2);
}

TEST_CASE("routing refuses an unfinalized topology and oversized tables", "[sim][topology]") {
  Topology t;
  t.add_node(NodeKind::Endpoint, NodeRole::Host, "a", false);
  const auto r = Routing::build(t);
  REQUIRE_FALSE(r);
  CHECK(r.error().field == "topology");
  const Topology f = ok(make_fat_tree({}));
  const auto big = Routing::build(f, 100);
  REQUIRE_FALSE(big);
  CHECK(big.error().field == "size");
  const Topology long_ring = ok(make_ring({.n = 600}));
  const auto deep = Routing::build(long_ring);
  REQUIRE_FALSE(deep);
  CHECK(deep.error().field == "diameter");
}

TEST_CASE("routing is deterministic", "[sim][topology]") {
  const Topology t = ok(make_full_mesh_2d({.x = 3, .y = 3}));
  const Routing a = route(t);
  const Routing b = route(t);
  for (const auto& v : t.nodes()) {
    for (const NodeId d : t.endpoints()) {
      CHECK(a.ports(v.id, d, PathSet::All).to_vector() ==
            b.ports(v.id, d, PathSet::All).to_vector());
    }
  }
}

TEST_CASE("an 8,192-NPU Clos builds with its routing tables", "[sim][topology][scale]") {
  const auto start = std::chrono::steady_clock::now();
  const Topology t = ok(make_clos({.nodes = 1024}));
  const Routing r = route(t);
  const double secs =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  CHECK(t.count(NodeRole::Npu) == 8192);
  CHECK(r.destinations() == 8192);
  CHECK(r.groups() == 1024);
  const NodeId a = *t.find("node0.npu0");
  const NodeId c = *t.find("node1023.npu7");
  CHECK(r.distance(a, c) == 4);
  CHECK(r.ports(a, c, PathSet::Shortest).size() == 14);
  CHECK(r.ports(*t.find("plane6.l2_15"), c, PathSet::Shortest).size() == 1);
  WARN("8,192-NPU Clos: " << t.node_count() << " nodes, " << t.link_count() << " links, "
                          << r.memory_bytes() / (1024 * 1024) << " MiB of tables, " << secs
                          << " s (debug build)");
  CHECK(secs < 120.0);
}

TEST_CASE("UB-Mesh default pod: every NPU pair reachable within 5 hops", "[sim][topology]") {
  const Topology t = ok(make_ub_mesh({}));
  const Routing r = route(t);
  const auto eps = t.endpoints();
  std::uint32_t worst = 0;
  std::size_t unreachable = 0;
  for (const NodeId s : eps) {
    for (const NodeId d : eps) {
      const std::uint32_t h = r.distance(s, d);
      unreachable += h == kUnreachable ? 1 : 0;
      worst = h == kUnreachable ? worst : std::max(worst, h);
    }
  }
  CHECK(unreachable == 0);
  CHECK(worst == 5);
  CHECK(r.groups() == 1040); // every NPU forwards, so each is its own group; plus 16 spares
}
