#pragma once
// The fabric graph: plain data that the simulator instantiates (UB-Base-2.0 §1.5, §2: UB
// controllers and UB switches joined by links; §5.2: each device has a primary CNA).
//
// Nodes are endpoints (a UB controller: an NPU, CPU or host) or switches. An endpoint may also
// forward (UB-Mesh NPUs route traffic between their own ports; a fat-tree host does not), and
// routing (routing.hpp) sends transit traffic only through forwarding nodes. Ports are numbered
// per node from 0 in the order the node's links were added; a link joins two (node, port) ends
// and carries its rate, lanes and one-way latency.
//
// Primary CNA assignment (assign_cnas, MODEL A-171): the 16-bit CNA space with 0 and 0xFFFF
// reserved; endpoints get 1, 2, ... in node-id order, then switches continue in node-id order
// (a switch's CNA is its management CNA, §5.2). Every generator calls it, so a generator's CNAs
// are a pure function of its parameters. A topology read from a file may set CNAs itself.

#include <array>
#include <cstdint>
#include <limits>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/common/error.hpp"
#include "protocol/common/units.hpp"

namespace ub::sim {

using NodeId = std::uint32_t;
using LinkId = std::uint32_t;
using PortIndex = std::uint16_t;
using Cna = std::uint16_t;

inline constexpr LinkId kNoLink = std::numeric_limits<LinkId>::max();
inline constexpr Cna kNoCna = 0;                  // MODEL: CNA 0 is never assigned
inline constexpr Cna kMaxCna = 0xFFFE;            // 0xFFFF is kept back as well
inline constexpr std::size_t kMaxNodes = kMaxCna; // every node needs a primary CNA

enum class NodeKind : std::uint8_t { Endpoint, Switch };

// What a node stands for, for traffic generators and reports; routing looks only at kind and
// `forwards`.
enum class NodeRole : std::uint8_t {
  Host,      // a generic endpoint (fat-tree host)
  Npu,       // an NPU (full meshes, UB-Mesh, CloudMatrix384)
  SpareNpu,  // the UB-Mesh 64+1 backup NPU of a rack
  Switch,    // a generic switch
  Edge,      // fat-tree edge (ToR)
  Aggregate, // fat-tree aggregation
  Core,      // fat-tree core
  L1,        // CloudMatrix384 L1 UB switch (in a node)
  L2,        // CloudMatrix384 L2 UB switch (in a sub-plane)
  Lrs,       // UB-Mesh low-radix switch
  Hrs,       // UB-Mesh high-radix switch
};
[[nodiscard]] std::string_view to_string(NodeRole r) noexcept;
[[nodiscard]] std::string_view to_string(NodeKind k) noexcept;

struct PortRef {
  NodeId node = 0;
  PortIndex port = 0;
  friend constexpr bool operator==(PortRef, PortRef) = default;
};

struct Node {
  NodeId id = 0;
  NodeKind kind = NodeKind::Endpoint;
  NodeRole role = NodeRole::Host;
  bool forwards = false; // carries transit traffic (always true for switches)
  Cna cna = kNoCna;      // primary CNA (§5.2)
  std::string name;      // unique, e.g. "pod0.edge1"
  // Generator-specific coordinates (documented by each generator), e.g. UB-Mesh
  // (pod, rack, board, slot); zero where unused.
  std::array<std::uint16_t, 4> coord{};
  std::uint16_t max_ports = 0;  // the device's radix; 0 = no limit
  std::uint16_t port_count = 0; // ports numbered 0..port_count-1
  std::uint32_t first_port = 0; // index of port 0 in the topology's port table
};

// A link's physical parameters (the PHY model of the data link issue uses lanes and rate).
struct LinkSpec {
  std::uint16_t lanes = 4;
  BitRate rate{100'000'000'000ULL}; // total over the lanes, bit/s
  Time latency{100'000};            // one way, propagation and PHY; must be positive (STYLE 7)
  friend bool operator==(const LinkSpec&, const LinkSpec&) = default;
};

struct Link {
  LinkId id = 0;
  PortRef a, b;
  LinkSpec spec;
};

// A fabric graph under construction, then frozen by finalize(). Building is cheap and unchecked;
// validate() (called by finalize()) reports the first problem with the field named.
class Topology {
public:
  // Adds a node; returns its id (ids are dense, in creation order). Switches always forward.
  NodeId add_node(NodeKind kind, NodeRole role, std::string name, bool forwards,
                  std::uint16_t max_ports = 0, std::array<std::uint16_t, 4> coord = {});
  // Joins the next free port of `a` to the next free port of `b`; returns the link id.
  LinkId connect(NodeId a, NodeId b, const LinkSpec& spec);
  // Joins two given ports (for topologies read from files); port counts grow to fit.
  LinkId connect_ports(PortRef a, PortRef b, const LinkSpec& spec);
  // Gives node n at least `count` ports (for topologies read from files, whose devices may have
  // ports without a link: those stay unconnected, and port_link() gives kNoLink for them).
  void reserve_ports(NodeId n, std::uint16_t count);
  void set_cna(NodeId n, Cna cna) { nodes_.at(n).cna = cna; }
  // Primary CNAs as documented above. Error: more than kMaxNodes nodes (field "nodes").
  [[nodiscard]] Status assign_cnas();

  // Builds the port table and checks everything (validate()). Must succeed before the lookups
  // below (port_link, peer, node_by_cna) are used.
  [[nodiscard]] Status finalize();
  // The checks, each error naming the field (header "topology", value = the node or link id):
  // nodes: too many for the CNA space; name: empty or repeated; cna: 0/0xFFFF (unassigned) or
  // repeated; link: an end names no node, or joins a node to itself; port: a port used by two
  // links, or beyond max_ports; lanes: zero; rate: zero; latency: not positive; forwards: a
  // switch that does not forward.
  [[nodiscard]] Status validate() const;
  [[nodiscard]] bool finalized() const noexcept { return finalized_; }

  [[nodiscard]] std::span<const Node> nodes() const noexcept { return nodes_; }
  [[nodiscard]] std::span<const Link> links() const noexcept { return links_; }
  [[nodiscard]] const Node& node(NodeId n) const { return nodes_.at(n); }
  [[nodiscard]] const Link& link(LinkId l) const { return links_.at(l); }
  [[nodiscard]] std::size_t node_count() const noexcept { return nodes_.size(); }
  [[nodiscard]] std::size_t link_count() const noexcept { return links_.size(); }
  [[nodiscard]] std::size_t port_total() const noexcept { return port_links_.size(); }
  [[nodiscard]] std::size_t count(NodeKind k) const noexcept;
  [[nodiscard]] std::size_t count(NodeRole r) const noexcept;
  // Endpoint ids in id order.
  [[nodiscard]] std::vector<NodeId> endpoints() const;

  // The link on a port, or kNoLink for an unconnected port. Requires finalize().
  [[nodiscard]] LinkId port_link(PortRef p) const noexcept {
    return port_links_[nodes_[p.node].first_port + p.port];
  }
  // The far end of the link on `p`. Precondition: the port is connected.
  [[nodiscard]] PortRef peer(PortRef p) const noexcept {
    const Link& l = links_[port_link(p)];
    return l.a == p ? l.b : l.a;
  }
  // The node owning primary CNA `cna`, if any. Requires finalize().
  [[nodiscard]] std::optional<NodeId> node_by_cna(Cna cna) const noexcept;
  // Finds a node by name (linear; for tests and tools).
  [[nodiscard]] std::optional<NodeId> find(std::string_view name) const noexcept;

private:
  std::vector<Node> nodes_;
  std::vector<Link> links_;
  std::vector<LinkId> port_links_; // per node, from first_port, port_count entries
  std::vector<NodeId> by_cna_;     // largest CNA + 1 entries after finalize()
  bool finalized_ = false;
};

// ---- Generators ------------------------------------------------------------------------------
// Each takes a parameter struct with defaults, refuses bad parameters naming the field (header =
// the generator's name), and returns a finalized topology with CNAs assigned. Node ids: endpoints
// first, then switches, each in the order given in the generator's comment.

// k-ary fat-tree (Al-Fares et al.): k pods of k/2 edge and k/2 aggregation switches, (k/2)^2
// cores, k^3/4 hosts (k/2 per edge). Hosts do not forward. Links: 3k^3/4.
// coord: host (pod, edge, index); edge/aggregate (pod, index); core (group, index) where core
// (i, j) joins aggregation switch i of every pod.
struct FatTreeParams {
  std::uint32_t k = 4; // even, 2..64 (k=64: 65,536 hosts would not fit the CNA space; max 62)
  LinkSpec link{};
  friend bool operator==(const FatTreeParams&, const FatTreeParams&) = default;
};
[[nodiscard]] Result<Topology> make_fat_tree(const FatTreeParams& p);

// 1D full mesh: a board of n NPUs, every pair joined by `links_per_pair` links (UB-Mesh §3,
// board level). NPUs forward. Links: links_per_pair * n(n-1)/2. coord: (index).
struct FullMesh1dParams {
  std::uint32_t n = 8; // 2..4096
  std::uint32_t links_per_pair = 1;
  LinkSpec link{};
  friend bool operator==(const FullMesh1dParams&, const FullMesh1dParams&) = default;
};
[[nodiscard]] Result<Topology> make_full_mesh_1d(const FullMesh1dParams& p);

// 2D full mesh: an x-by-y grid of NPUs (a rack of 8x8 in UB-Mesh); every NPU is joined to every
// other NPU in its row and in its column. Links: y*x(x-1)/2 + x*y(y-1)/2. coord: (col x, row y).
struct FullMesh2dParams {
  std::uint32_t x = 8; // 2..256
  std::uint32_t y = 8; // 2..256
  LinkSpec link{};
  friend bool operator==(const FullMesh2dParams&, const FullMesh2dParams&) = default;
};
[[nodiscard]] Result<Topology> make_full_mesh_2d(const FullMesh2dParams& p);

// The UB-Mesh nD-FullMesh (ub-doc-facts §13.1; MODEL A-172): a pod is a 4D full mesh:
// dimension 1 the NPUs of a board (board_npus), dimension 2 the boards of a rack
// (boards_per_rack; NPU slot s of every board of a rack forms a full mesh), dimensions 3 and 4
// the racks of the pod (rack_rows x rack_cols; racks in one row, or in one column, form a full
// mesh). Intra-rack dimensions are direct NPU-NPU links. Inter-rack dimensions go through each
// rack's LRS (low-radix switches): NPU slot s of every board links to LRS (s mod lrs_per_rack)
// of its rack, and LRS l of a rack links to LRS l of every other rack in its row and in its
// column. With `spare_npu`, each rack has a 65th NPU (the 64+1 backup) linked to every LRS of
// its rack; it does not forward. With pods > 1 the pods join through a Clos of HRS: LRS l of
// every rack of every pod links to each of the hrs_per_plane HRS of plane l (so a SuperPod of 8
// pods has 8,192 NPUs).
// Node ids: NPUs (pod, rack, board, slot order), spares (per rack), LRS (per rack), HRS (per
// plane). coord: NPU/spare (pod, rack, board, slot) with the spare's board = boards_per_rack;
// LRS (pod, rack, l); HRS (plane, index).
struct UbMeshParams {
  std::uint32_t board_npus = 8;      // dimension 1, 2..64
  std::uint32_t boards_per_rack = 8; // dimension 2, 1..64
  std::uint32_t rack_rows = 4;       // dimension 3, 1..64
  std::uint32_t rack_cols = 4;       // dimension 4, 1..64
  std::uint32_t pods = 1;            // 1..64
  std::uint32_t lrs_per_rack = 8;    // 1..256 (MODEL: the facts' 48 LRS per rack are not wired
                                     // in any source; 8 gives one LRS per board slot)
  std::uint32_t hrs_per_plane = 1;   // 1..64, used when pods > 1
  bool spare_npu = true;             // the 64+1 backup NPU per rack
  // Lanes from ub-doc-facts §13.1 (A-172): an NPU has UB x72: x16 toward the LRS ("x16 per
  // NPU" inter-rack) and x4 on each of its 14 mesh links ((72 - 16) / 14). A rack's backplane
  // exports 4 x UB x256 = x1024, read as one x128 link to each of the 6 neighbour racks of a 4x4
  // pod (x768) plus x256 toward the HRS; both are split evenly over the 8 default LRS planes
  // (x16 and x32 per plane). Lanes run at 112 Gbit/s ([BOOK]); 100 ns per hop ([BOOK] S1's L).
  LinkSpec board_link{4, BitRate{448'000'000'000ULL}, Time{100'000}};
  LinkSpec rack_link{4, BitRate{448'000'000'000ULL}, Time{100'000}};
  LinkSpec npu_lrs_link{16, BitRate{1'792'000'000'000ULL}, Time{100'000}};
  LinkSpec inter_rack_link{16, BitRate{1'792'000'000'000ULL}, Time{100'000}};
  LinkSpec lrs_hrs_link{32, BitRate{3'584'000'000'000ULL}, Time{100'000}};
  friend bool operator==(const UbMeshParams&, const UbMeshParams&) = default;
};
[[nodiscard]] Result<Topology> make_ub_mesh(const UbMeshParams& p);

// The two-tier UB Clos of CloudMatrix384 (ub-doc-facts §13.2; MODEL A-173): `nodes` compute
// nodes of npus_per_node NPUs and l1_per_node L1 switches; every NPU links to every L1 switch of
// its node with npu_l1_links links (14 UB ports per NPU over 7 L1 = 2); L1 switch i of every node
// is in sub-plane i, whose l2_per_plane L2 switches it links to with l1_l2_links links each. The
// defaults make 384 NPUs, 336 L1 and 112 L2, non-blocking (16 ports down, 16 up per L1). NPUs do
// not forward. Node ids: NPUs (node, index), L1 (node, plane), L2 (plane, index). coord: NPU
// (node, index); L1 (node, plane); L2 (plane, index).
struct ClosParams {
  std::uint32_t nodes = 48;                                     // 1..4096
  std::uint32_t npus_per_node = 8;                              // 1..64
  std::uint32_t l1_per_node = 7;                                // 1..64 (the sub-planes)
  std::uint32_t l2_per_plane = 16;                              // 1..1024
  std::uint32_t npu_l1_links = 2;                               // 1..16
  std::uint32_t l1_l2_links = 1;                                // 1..16
  LinkSpec link{4, BitRate{400'000'000'000ULL}, Time{100'000}}; // 400G-equivalent ports
  friend bool operator==(const ClosParams&, const ClosParams&) = default;
};
[[nodiscard]] Result<Topology> make_clos(const ClosParams& p);

// A ring of n NPUs, each linked to the next; NPUs forward. Links: n. coord: (index).
struct RingParams {
  std::uint32_t n = 8; // 3..65534
  LinkSpec link{};
  friend bool operator==(const RingParams&, const RingParams&) = default;
};
[[nodiscard]] Result<Topology> make_ring(const RingParams& p);

// An x-by-y 2D torus of NPUs with wrap-around links; NPUs forward. Links: 2xy.
// coord: (col x, row y).
struct TorusParams {
  std::uint32_t x = 4; // 3..256
  std::uint32_t y = 4; // 3..256
  LinkSpec link{};
  friend bool operator==(const TorusParams&, const TorusParams&) = default;
};
[[nodiscard]] Result<Topology> make_torus_2d(const TorusParams& p);

} // namespace ub::sim
