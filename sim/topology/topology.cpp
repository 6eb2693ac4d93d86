#include "sim/topology/topology.hpp"

#include <algorithm>
#include <string>
#include <unordered_set>

namespace ub::sim {

std::string_view to_string(NodeKind k) noexcept {
  switch (k) {
  case NodeKind::Endpoint:
    return "endpoint";
  case NodeKind::Switch:
    return "switch";
  }
  return "?";
}

std::string_view to_string(NodeRole r) noexcept {
  switch (r) {
  case NodeRole::Host:
    return "host";
  case NodeRole::Npu:
    return "npu";
  case NodeRole::SpareNpu:
    return "spare_npu";
  case NodeRole::Switch:
    return "switch";
  case NodeRole::Edge:
    return "edge";
  case NodeRole::Aggregate:
    return "aggregate";
  case NodeRole::Core:
    return "core";
  case NodeRole::L1:
    return "l1";
  case NodeRole::L2:
    return "l2";
  case NodeRole::Lrs:
    return "lrs";
  case NodeRole::Hrs:
    return "hrs";
  }
  return "?";
}

namespace {

Status topo_error(std::string_view field, std::string_view why, std::uint64_t value) {
  return make_unexpected(Error{Errc::OutOfRange, 0, "topology", field, why, "", value, true});
}

} // namespace

NodeId Topology::add_node(NodeKind kind, NodeRole role, std::string name, bool forwards,
                          std::uint16_t max_ports, std::array<std::uint16_t, 4> coord) {
  finalized_ = false;
  Node n;
  n.id = static_cast<NodeId>(nodes_.size());
  n.kind = kind;
  n.role = role;
  n.forwards = kind == NodeKind::Switch ? true : forwards;
  n.name = std::move(name);
  n.coord = coord;
  n.max_ports = max_ports;
  nodes_.push_back(std::move(n));
  return nodes_.back().id;
}

LinkId Topology::connect(NodeId a, NodeId b, const LinkSpec& spec) {
  const auto pa = a < nodes_.size() ? nodes_[a].port_count : PortIndex{0};
  const auto pb = b < nodes_.size() ? nodes_[b].port_count : PortIndex{0};
  // Self-links take two ports of the same node; validate() refuses them anyway.
  return connect_ports(PortRef{a, pa}, PortRef{b, static_cast<PortIndex>(a == b ? pb + 1 : pb)},
                       spec);
}

LinkId Topology::connect_ports(PortRef a, PortRef b, const LinkSpec& spec) {
  finalized_ = false;
  const auto id = static_cast<LinkId>(links_.size());
  links_.push_back(Link{id, a, b, spec});
  for (const PortRef p : {a, b}) {
    if (p.node < nodes_.size() && nodes_[p.node].port_count <= p.port) {
      nodes_[p.node].port_count = static_cast<std::uint16_t>(p.port + 1U);
    }
  }
  return id;
}

void Topology::reserve_ports(NodeId n, std::uint16_t count) {
  finalized_ = false;
  Node& node = nodes_.at(n);
  node.port_count = std::max(node.port_count, count);
}

Status Topology::assign_cnas() {
  if (nodes_.size() > kMaxNodes) {
    return topo_error("nodes", "more nodes than 16-bit primary CNAs (65,534)", nodes_.size());
  }
  std::uint32_t next = 1;
  for (auto& n : nodes_) {
    if (n.kind == NodeKind::Endpoint) {
      n.cna = static_cast<Cna>(next++);
    }
  }
  for (auto& n : nodes_) {
    if (n.kind == NodeKind::Switch) {
      n.cna = static_cast<Cna>(next++);
    }
  }
  finalized_ = false;
  return {};
}

Status Topology::validate() const {
  if (nodes_.size() > kMaxNodes) {
    return topo_error("nodes", "more nodes than 16-bit primary CNAs (65,534)", nodes_.size());
  }
  std::unordered_set<std::string_view> names;
  std::vector<bool> cna_used(std::size_t{1} << 16U, false);
  for (const auto& n : nodes_) {
    if (n.name.empty()) {
      return topo_error("name", "empty node name", n.id);
    }
    if (!names.insert(n.name).second) {
      return topo_error("name", "node name used twice", n.id);
    }
    if (n.cna == kNoCna || n.cna > kMaxCna) {
      return topo_error("cna", "node without a primary CNA (0 and 0xFFFF are reserved)", n.id);
    }
    if (cna_used[n.cna]) {
      return topo_error("cna", "primary CNA used by two nodes", n.id);
    }
    cna_used[n.cna] = true;
    if (n.kind == NodeKind::Switch && !n.forwards) {
      return topo_error("forwards", "a switch must forward", n.id);
    }
    if (n.max_ports != 0 && n.port_count > n.max_ports) {
      return topo_error("port", "more ports than the node's max_ports", n.id);
    }
  }
  std::vector<std::uint32_t> first(nodes_.size() + 1, 0);
  for (std::size_t i = 0; i < nodes_.size(); ++i) {
    first[i + 1] = first[i] + nodes_[i].port_count;
  }
  std::vector<bool> port_used(first.back(), false);
  for (const auto& l : links_) {
    for (const PortRef p : {l.a, l.b}) {
      if (p.node >= nodes_.size()) {
        return topo_error("link", "a link end names no node", l.id);
      }
      const auto slot = first[p.node] + p.port;
      if (port_used[slot]) {
        return topo_error("port", "a port used by two links", l.id);
      }
      port_used[slot] = true;
    }
    if (l.a.node == l.b.node) {
      return topo_error("link", "a link joins a node to itself", l.id);
    }
    if (l.spec.lanes == 0) {
      return topo_error("lanes", "a link without lanes", l.id);
    }
    if (l.spec.rate.bps == 0) {
      return topo_error("rate", "a link with rate 0", l.id);
    }
    if (l.spec.latency <= Time{0}) {
      return topo_error("latency",
                        "a link latency must be positive (components never act in the same tick)",
                        l.id);
    }
  }
  return {};
}

Status Topology::finalize() {
  finalized_ = false;
  if (auto s = validate(); !s) {
    return s;
  }
  std::uint32_t next = 0;
  for (auto& n : nodes_) {
    n.first_port = next;
    next += n.port_count;
  }
  port_links_.assign(next, kNoLink);
  for (const auto& l : links_) {
    port_links_[nodes_[l.a.node].first_port + l.a.port] = l.id;
    port_links_[nodes_[l.b.node].first_port + l.b.port] = l.id;
  }
  // Indexed by CNA up to the largest one in use (not all 65,536): a small fabric builds its
  // table in a few hundred bytes, which the scenario fuzz target does thousands of times.
  Cna max_cna = 0;
  for (const auto& n : nodes_) {
    max_cna = std::max(max_cna, n.cna);
  }
  by_cna_.assign(std::size_t{max_cna} + 1, std::numeric_limits<NodeId>::max());
  for (const auto& n : nodes_) {
    by_cna_[n.cna] = n.id;
  }
  finalized_ = true;
  return {};
}

std::size_t Topology::count(NodeKind k) const noexcept {
  return static_cast<std::size_t>(
      std::count_if(nodes_.begin(), nodes_.end(), [k](const Node& n) { return n.kind == k; }));
}

std::size_t Topology::count(NodeRole r) const noexcept {
  return static_cast<std::size_t>(
      std::count_if(nodes_.begin(), nodes_.end(), [r](const Node& n) { return n.role == r; }));
}

std::vector<NodeId> Topology::endpoints() const {
  std::vector<NodeId> out;
  for (const auto& n : nodes_) {
    if (n.kind == NodeKind::Endpoint) {
      out.push_back(n.id);
    }
  }
  return out;
}

std::optional<NodeId> Topology::node_by_cna(Cna cna) const noexcept {
  if (cna >= by_cna_.size() || by_cna_[cna] == std::numeric_limits<NodeId>::max()) {
    return std::nullopt;
  }
  return by_cna_[cna];
}

std::optional<NodeId> Topology::find(std::string_view name) const noexcept {
  for (const auto& n : nodes_) {
    if (n.name == name) {
      return n.id;
    }
  }
  return std::nullopt;
}

// ---- Generators ------------------------------------------------------------------------------

namespace {

Status param_error(std::string_view generator, std::string_view field, std::string_view why,
                   std::uint64_t value) {
  return make_unexpected(Error{Errc::OutOfRange, 0, generator, field, why, "", value, true});
}

Status check_range(std::string_view gen, std::string_view field, std::uint64_t v, std::uint64_t lo,
                   std::uint64_t hi) {
  if (v < lo || v > hi) {
    return param_error(gen, field, "out of range", v);
  }
  return {};
}

Status check_link(std::string_view gen, std::string_view field, const LinkSpec& s) {
  if (s.lanes == 0) {
    return param_error(gen, field, "lanes must be at least 1", 0);
  }
  if (s.rate.bps == 0) {
    return param_error(gen, field, "rate must be positive", 0);
  }
  if (s.latency <= Time{0}) {
    return param_error(gen, field, "latency must be positive",
                       static_cast<std::uint64_t>(s.latency.count()));
  }
  return {};
}

Result<Topology> done(Topology t) {
  if (auto s = t.assign_cnas(); !s) {
    return make_unexpected(s.error());
  }
  if (auto s = t.finalize(); !s) {
    return make_unexpected(s.error());
  }
  return t;
}

std::uint16_t u16(std::uint32_t v) {
  return static_cast<std::uint16_t>(v);
}

std::string cat(std::string_view a, std::uint32_t i) {
  std::string s{a};
  s += std::to_string(i);
  return s;
}

// An x by y grid of forwarding NPUs named npuX.Y, numbered row by row (the 2D full mesh and the
// torus differ only in their links).
Topology npu_grid(std::uint32_t nx, std::uint32_t ny) {
  Topology t;
  for (std::uint32_t y = 0; y < ny; ++y) {
    for (std::uint32_t x = 0; x < nx; ++x) {
      t.add_node(NodeKind::Endpoint, NodeRole::Npu, cat("npu", x) + cat(".", y), true, 0,
                 {u16(x), u16(y), 0, 0});
    }
  }
  return t;
}

} // namespace

#define UB_TRY(expr)                                                                               \
  do {                                                                                             \
    if (auto ub_try_s = (expr); !ub_try_s) {                                                       \
      return make_unexpected(ub_try_s.error());                                                    \
    }                                                                                              \
  } while (false)

Result<Topology> make_fat_tree(const FatTreeParams& p) {
  constexpr std::string_view g = "fat_tree";
  UB_TRY(check_range(g, "k", p.k, 2, 62));
  if (p.k % 2 != 0) {
    return make_unexpected(param_error(g, "k", "must be even", p.k).error());
  }
  UB_TRY(check_link(g, "link", p.link));
  const std::uint32_t k = p.k;
  const std::uint32_t h = k / 2;
  Topology t;
  // Hosts: pod, edge, index.
  for (std::uint32_t pod = 0; pod < k; ++pod) {
    for (std::uint32_t e = 0; e < h; ++e) {
      for (std::uint32_t i = 0; i < h; ++i) {
        t.add_node(NodeKind::Endpoint, NodeRole::Host,
                   cat("pod", pod) + cat(".edge", e) + cat(".host", i), false, 1,
                   {u16(pod), u16(e), u16(i), 0});
      }
    }
  }
  const NodeId edge0 = static_cast<NodeId>(t.node_count());
  for (std::uint32_t pod = 0; pod < k; ++pod) {
    for (std::uint32_t e = 0; e < h; ++e) {
      t.add_node(NodeKind::Switch, NodeRole::Edge, cat("pod", pod) + cat(".edge", e), true, u16(k),
                 {u16(pod), u16(e), 0, 0});
    }
  }
  const NodeId agg0 = static_cast<NodeId>(t.node_count());
  for (std::uint32_t pod = 0; pod < k; ++pod) {
    for (std::uint32_t a = 0; a < h; ++a) {
      t.add_node(NodeKind::Switch, NodeRole::Aggregate, cat("pod", pod) + cat(".agg", a), true,
                 u16(k), {u16(pod), u16(a), 0, 0});
    }
  }
  const NodeId core0 = static_cast<NodeId>(t.node_count());
  for (std::uint32_t i = 0; i < h; ++i) {
    for (std::uint32_t j = 0; j < h; ++j) {
      t.add_node(NodeKind::Switch, NodeRole::Core, cat("core", i) + cat(".", j), true, u16(k),
                 {u16(i), u16(j), 0, 0});
    }
  }
  for (std::uint32_t pod = 0; pod < k; ++pod) {
    for (std::uint32_t e = 0; e < h; ++e) {
      const NodeId edge = edge0 + pod * h + e;
      for (std::uint32_t i = 0; i < h; ++i) {
        t.connect((pod * h + e) * h + i, edge, p.link);
      }
      for (std::uint32_t a = 0; a < h; ++a) {
        t.connect(edge, agg0 + pod * h + a, p.link);
      }
    }
  }
  for (std::uint32_t pod = 0; pod < k; ++pod) {
    for (std::uint32_t a = 0; a < h; ++a) {
      for (std::uint32_t j = 0; j < h; ++j) {
        t.connect(agg0 + pod * h + a, core0 + a * h + j, p.link);
      }
    }
  }
  return done(std::move(t));
}

Result<Topology> make_full_mesh_1d(const FullMesh1dParams& p) {
  constexpr std::string_view g = "full_mesh_1d";
  UB_TRY(check_range(g, "n", p.n, 2, 4096));
  UB_TRY(check_range(g, "links_per_pair", p.links_per_pair, 1, 16));
  UB_TRY(check_link(g, "link", p.link));
  Topology t;
  for (std::uint32_t i = 0; i < p.n; ++i) {
    t.add_node(NodeKind::Endpoint, NodeRole::Npu, cat("npu", i), true, 0, {u16(i), 0, 0, 0});
  }
  for (std::uint32_t i = 0; i < p.n; ++i) {
    for (std::uint32_t j = i + 1; j < p.n; ++j) {
      for (std::uint32_t m = 0; m < p.links_per_pair; ++m) {
        t.connect(i, j, p.link);
      }
    }
  }
  return done(std::move(t));
}

Result<Topology> make_full_mesh_2d(const FullMesh2dParams& p) {
  constexpr std::string_view g = "full_mesh_2d";
  UB_TRY(check_range(g, "x", p.x, 2, 256));
  UB_TRY(check_range(g, "y", p.y, 2, 256));
  UB_TRY(check_range(g, "nodes", std::uint64_t{p.x} * p.y, 1, kMaxNodes));
  UB_TRY(check_link(g, "link", p.link));
  Topology t = npu_grid(p.x, p.y);
  const auto id = [&](std::uint32_t x, std::uint32_t y) { return y * p.x + x; };
  for (std::uint32_t y = 0; y < p.y; ++y) { // rows (dimension x)
    for (std::uint32_t a = 0; a < p.x; ++a) {
      for (std::uint32_t b = a + 1; b < p.x; ++b) {
        t.connect(id(a, y), id(b, y), p.link);
      }
    }
  }
  for (std::uint32_t x = 0; x < p.x; ++x) { // columns (dimension y)
    for (std::uint32_t a = 0; a < p.y; ++a) {
      for (std::uint32_t b = a + 1; b < p.y; ++b) {
        t.connect(id(x, a), id(x, b), p.link);
      }
    }
  }
  return done(std::move(t));
}

Result<Topology> make_ub_mesh(const UbMeshParams& p) {
  constexpr std::string_view g = "ub_mesh";
  UB_TRY(check_range(g, "board_npus", p.board_npus, 2, 64));
  UB_TRY(check_range(g, "boards_per_rack", p.boards_per_rack, 1, 64));
  UB_TRY(check_range(g, "rack_rows", p.rack_rows, 1, 64));
  UB_TRY(check_range(g, "rack_cols", p.rack_cols, 1, 64));
  UB_TRY(check_range(g, "pods", p.pods, 1, 64));
  UB_TRY(check_range(g, "lrs_per_rack", p.lrs_per_rack, 1, 256));
  UB_TRY(check_range(g, "hrs_per_plane", p.hrs_per_plane, 1, 64));
  UB_TRY(check_link(g, "board_link", p.board_link));
  UB_TRY(check_link(g, "rack_link", p.rack_link));
  UB_TRY(check_link(g, "npu_lrs_link", p.npu_lrs_link));
  UB_TRY(check_link(g, "inter_rack_link", p.inter_rack_link));
  UB_TRY(check_link(g, "lrs_hrs_link", p.lrs_hrs_link));
  const std::uint64_t racks_per_pod = std::uint64_t{p.rack_rows} * p.rack_cols;
  const std::uint64_t racks = racks_per_pod * p.pods;
  const std::uint64_t per_rack = std::uint64_t{p.board_npus} * p.boards_per_rack;
  const std::uint64_t total = racks * (per_rack + (p.spare_npu ? 1 : 0) + p.lrs_per_rack) +
                              (p.pods > 1 ? std::uint64_t{p.lrs_per_rack} * p.hrs_per_plane : 0);
  if (total > kMaxNodes) {
    return make_unexpected(
        param_error(g, "nodes", "more nodes than 16-bit primary CNAs (65,534)", total).error());
  }
  Topology t;
  const auto npu = [&](std::uint64_t rack, std::uint32_t board, std::uint32_t slot) {
    return static_cast<NodeId>((rack * p.boards_per_rack + board) * p.board_npus + slot);
  };
  for (std::uint64_t r = 0; r < racks; ++r) {
    const auto pod = static_cast<std::uint32_t>(r / racks_per_pod);
    const auto rack = static_cast<std::uint32_t>(r % racks_per_pod);
    for (std::uint32_t b = 0; b < p.boards_per_rack; ++b) {
      for (std::uint32_t s = 0; s < p.board_npus; ++s) {
        t.add_node(NodeKind::Endpoint, NodeRole::Npu,
                   cat("pod", pod) + cat(".rack", rack) + cat(".board", b) + cat(".npu", s), true,
                   0, {u16(pod), u16(rack), u16(b), u16(s)});
      }
    }
  }
  const auto spare0 = static_cast<NodeId>(t.node_count());
  if (p.spare_npu) {
    for (std::uint64_t r = 0; r < racks; ++r) {
      const auto pod = static_cast<std::uint32_t>(r / racks_per_pod);
      const auto rack = static_cast<std::uint32_t>(r % racks_per_pod);
      t.add_node(NodeKind::Endpoint, NodeRole::SpareNpu,
                 cat("pod", pod) + cat(".rack", rack) + ".spare", false, 0,
                 {u16(pod), u16(rack), u16(p.boards_per_rack), 0});
    }
  }
  const auto lrs0 = static_cast<NodeId>(t.node_count());
  const auto lrs = [&](std::uint64_t rack, std::uint32_t l) {
    return static_cast<NodeId>(lrs0 + rack * p.lrs_per_rack + l);
  };
  for (std::uint64_t r = 0; r < racks; ++r) {
    const auto pod = static_cast<std::uint32_t>(r / racks_per_pod);
    const auto rack = static_cast<std::uint32_t>(r % racks_per_pod);
    for (std::uint32_t l = 0; l < p.lrs_per_rack; ++l) {
      t.add_node(NodeKind::Switch, NodeRole::Lrs,
                 cat("pod", pod) + cat(".rack", rack) + cat(".lrs", l), true, 0,
                 {u16(pod), u16(rack), u16(l), 0});
    }
  }
  const auto hrs0 = static_cast<NodeId>(t.node_count());
  if (p.pods > 1) {
    for (std::uint32_t l = 0; l < p.lrs_per_rack; ++l) {
      for (std::uint32_t i = 0; i < p.hrs_per_plane; ++i) {
        t.add_node(NodeKind::Switch, NodeRole::Hrs, cat("hrs", l) + cat(".", i), true, 0,
                   {u16(l), u16(i), 0, 0});
      }
    }
  }
  for (std::uint64_t r = 0; r < racks; ++r) {
    // Dimension 1: the NPUs of a board.
    for (std::uint32_t b = 0; b < p.boards_per_rack; ++b) {
      for (std::uint32_t s = 0; s < p.board_npus; ++s) {
        for (std::uint32_t s2 = s + 1; s2 < p.board_npus; ++s2) {
          t.connect(npu(r, b, s), npu(r, b, s2), p.board_link);
        }
      }
    }
    // Dimension 2: slot s across the boards of the rack.
    for (std::uint32_t s = 0; s < p.board_npus; ++s) {
      for (std::uint32_t b = 0; b < p.boards_per_rack; ++b) {
        for (std::uint32_t b2 = b + 1; b2 < p.boards_per_rack; ++b2) {
          t.connect(npu(r, b, s), npu(r, b2, s), p.rack_link);
        }
      }
    }
    // NPUs to the rack's LRS, and the spare to every LRS.
    for (std::uint32_t b = 0; b < p.boards_per_rack; ++b) {
      for (std::uint32_t s = 0; s < p.board_npus; ++s) {
        t.connect(npu(r, b, s), lrs(r, s % p.lrs_per_rack), p.npu_lrs_link);
      }
    }
    if (p.spare_npu) {
      for (std::uint32_t l = 0; l < p.lrs_per_rack; ++l) {
        t.connect(static_cast<NodeId>(spare0 + r), lrs(r, l), p.npu_lrs_link);
      }
    }
  }
  // Dimensions 3 and 4: LRS plane l joins racks in the same row, and in the same column.
  for (std::uint32_t pod = 0; pod < p.pods; ++pod) {
    const auto rack_at = [&](std::uint32_t row, std::uint32_t col) {
      return std::uint64_t{pod} * racks_per_pod + std::uint64_t{row} * p.rack_cols + col;
    };
    for (std::uint32_t l = 0; l < p.lrs_per_rack; ++l) {
      for (std::uint32_t row = 0; row < p.rack_rows; ++row) {
        for (std::uint32_t c = 0; c < p.rack_cols; ++c) {
          for (std::uint32_t c2 = c + 1; c2 < p.rack_cols; ++c2) {
            t.connect(lrs(rack_at(row, c), l), lrs(rack_at(row, c2), l), p.inter_rack_link);
          }
        }
      }
      for (std::uint32_t col = 0; col < p.rack_cols; ++col) {
        for (std::uint32_t r = 0; r < p.rack_rows; ++r) {
          for (std::uint32_t r2 = r + 1; r2 < p.rack_rows; ++r2) {
            t.connect(lrs(rack_at(r, col), l), lrs(rack_at(r2, col), l), p.inter_rack_link);
          }
        }
      }
    }
  }
  if (p.pods > 1) {
    for (std::uint64_t r = 0; r < racks; ++r) {
      for (std::uint32_t l = 0; l < p.lrs_per_rack; ++l) {
        for (std::uint32_t i = 0; i < p.hrs_per_plane; ++i) {
          t.connect(lrs(r, l), hrs0 + l * p.hrs_per_plane + i, p.lrs_hrs_link);
        }
      }
    }
  }
  return done(std::move(t));
}

Result<Topology> make_clos(const ClosParams& p) {
  constexpr std::string_view g = "clos";
  UB_TRY(check_range(g, "nodes", p.nodes, 1, 4096));
  UB_TRY(check_range(g, "npus_per_node", p.npus_per_node, 1, 64));
  UB_TRY(check_range(g, "l1_per_node", p.l1_per_node, 1, 64));
  UB_TRY(check_range(g, "l2_per_plane", p.l2_per_plane, 1, 1024));
  UB_TRY(check_range(g, "npu_l1_links", p.npu_l1_links, 1, 16));
  UB_TRY(check_range(g, "l1_l2_links", p.l1_l2_links, 1, 16));
  UB_TRY(check_link(g, "link", p.link));
  const std::uint64_t total = std::uint64_t{p.nodes} * (p.npus_per_node + p.l1_per_node) +
                              std::uint64_t{p.l1_per_node} * p.l2_per_plane;
  if (total > kMaxNodes) {
    return make_unexpected(
        param_error(g, "nodes", "more nodes than 16-bit primary CNAs (65,534)", total).error());
  }
  Topology t;
  for (std::uint32_t n = 0; n < p.nodes; ++n) {
    for (std::uint32_t i = 0; i < p.npus_per_node; ++i) {
      t.add_node(NodeKind::Endpoint, NodeRole::Npu, cat("node", n) + cat(".npu", i), false, 0,
                 {u16(n), u16(i), 0, 0});
    }
  }
  const auto l10 = static_cast<NodeId>(t.node_count());
  for (std::uint32_t n = 0; n < p.nodes; ++n) {
    for (std::uint32_t i = 0; i < p.l1_per_node; ++i) {
      t.add_node(NodeKind::Switch, NodeRole::L1, cat("node", n) + cat(".l1_", i), true, 0,
                 {u16(n), u16(i), 0, 0});
    }
  }
  const auto l20 = static_cast<NodeId>(t.node_count());
  for (std::uint32_t pl = 0; pl < p.l1_per_node; ++pl) {
    for (std::uint32_t i = 0; i < p.l2_per_plane; ++i) {
      t.add_node(NodeKind::Switch, NodeRole::L2, cat("plane", pl) + cat(".l2_", i), true, 0,
                 {u16(pl), u16(i), 0, 0});
    }
  }
  for (std::uint32_t n = 0; n < p.nodes; ++n) {
    for (std::uint32_t i = 0; i < p.npus_per_node; ++i) {
      for (std::uint32_t pl = 0; pl < p.l1_per_node; ++pl) {
        for (std::uint32_t m = 0; m < p.npu_l1_links; ++m) {
          t.connect(n * p.npus_per_node + i, l10 + n * p.l1_per_node + pl, p.link);
        }
      }
    }
  }
  for (std::uint32_t n = 0; n < p.nodes; ++n) {
    for (std::uint32_t pl = 0; pl < p.l1_per_node; ++pl) {
      for (std::uint32_t i = 0; i < p.l2_per_plane; ++i) {
        for (std::uint32_t m = 0; m < p.l1_l2_links; ++m) {
          t.connect(l10 + n * p.l1_per_node + pl, l20 + pl * p.l2_per_plane + i, p.link);
        }
      }
    }
  }
  return done(std::move(t));
}

Result<Topology> make_ring(const RingParams& p) {
  constexpr std::string_view g = "ring";
  UB_TRY(check_range(g, "n", p.n, 3, kMaxNodes));
  UB_TRY(check_link(g, "link", p.link));
  Topology t;
  for (std::uint32_t i = 0; i < p.n; ++i) {
    t.add_node(NodeKind::Endpoint, NodeRole::Npu, cat("npu", i), true, 0, {u16(i), 0, 0, 0});
  }
  for (std::uint32_t i = 0; i < p.n; ++i) {
    t.connect(i, (i + 1) % p.n, p.link);
  }
  return done(std::move(t));
}

Result<Topology> make_torus_2d(const TorusParams& p) {
  constexpr std::string_view g = "torus_2d";
  UB_TRY(check_range(g, "x", p.x, 3, 256));
  UB_TRY(check_range(g, "y", p.y, 3, 256));
  UB_TRY(check_range(g, "nodes", std::uint64_t{p.x} * p.y, 1, kMaxNodes));
  UB_TRY(check_link(g, "link", p.link));
  Topology t = npu_grid(p.x, p.y);
  for (std::uint32_t y = 0; y < p.y; ++y) {
    for (std::uint32_t x = 0; x < p.x; ++x) {
      t.connect(y * p.x + x, y * p.x + (x + 1) % p.x, p.link);
      t.connect(y * p.x + x, ((y + 1) % p.y) * p.x + x, p.link);
    }
  }
  return done(std::move(t));
}

#undef UB_TRY

} // namespace ub::sim
