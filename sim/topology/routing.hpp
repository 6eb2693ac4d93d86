#pragma once
// Routing tables for any topology (UB-Base-2.0 §5.2): for each node (switch or endpoint) and
// each destination endpoint, the set of out-ports that lead there, each with a cost in hops
// (links). Two path sets, matching the RT field of the LPH (§5.2 table):
//   RT 00 per-flow, all paths;     RT 01 per-packet, all paths;
//   RT 10 per-flow, shortest only; RT 11 per-packet, shortest only.
// Picking one port of the set (the multipath selector, a hash over SCNA, DCNA and LBF) is the
// switch model's job, not this file's.
//
// Rules (MODEL ):
// - Transit goes only through forwarding nodes (switches, and endpoints with `forwards`, such as
//   UB-Mesh NPUs). A port is usable toward destination d if its peer forwards or is d.
// - Shortest: ports whose peer is one hop closer to d.
// - All paths: ports whose peer is closer to d, or equally far and lower in a per-destination
//   rank (a fixed hash of the node id, flipped per destination). Every step lowers
//   (distance, rank) strictly, so following any allowed port of any node reaches d without a
//   loop and without per-packet state; every shortest port is included. Ports that lead away
//   from d are never included: without a hop limit in the packet they could loop.
// - APR-style detour (UB-Mesh §4, one intermediate hop, for full meshes): detour_ports() gives
//   the ports to forwarding neighbours adjacent to d. A packet sent on one must be marked so
//   that the intermediate node uses the shortest set (the APR source-routing header's job).
//
// Storage (MODEL A-176): destinations are grouped. An endpoint that does not forward and whose
// neighbours all forward is reached through those neighbours (its anchors), so all such
// endpoints with the same anchors (the hosts of one edge switch, the NPUs of one CloudMatrix
// node) share one table column: distances are computed to the anchor set, and the anchors hold
// the last hop (the direct links). Every other endpoint is a group of its own. Per (node, group)
// the tables hold one distance byte and, per path set, the port set: a port bitmask (1, 2 or 4
// bytes, by the node's port count) for nodes with at most 32 ports, else an index into a shared
// pool of interned port lists. Distances come from a bit-parallel BFS, 64 groups per pass.

#include <bit>
#include <cstdint>
#include <limits>
#include <span>
#include <vector>

#include "protocol/common/error.hpp"
#include "sim/topology/topology.hpp"

namespace ub::sim {

enum class PathSet : std::uint8_t { All, Shortest };
enum class LoadBalance : std::uint8_t { PerFlow, PerPacket };

// The RT field (2 bits, in the LPH) as a load-balancing mode and a path set (§5.2).
struct RtMode {
  LoadBalance balance = LoadBalance::PerFlow;
  PathSet paths = PathSet::All;
  friend constexpr bool operator==(RtMode, RtMode) = default;
};
[[nodiscard]] constexpr RtMode rt_mode(std::uint8_t rt) noexcept {
  return RtMode{(rt & 1U) != 0 ? LoadBalance::PerPacket : LoadBalance::PerFlow,
                (rt & 2U) != 0 ? PathSet::Shortest : PathSet::All};
}

// A set of out-ports of one node, ascending. A view: valid while its Routing lives.
class PortSet {
public:
  PortSet() = default;
  static PortSet from_mask(std::uint32_t mask) noexcept {
    PortSet s;
    s.mask_ = mask;
    return s;
  }
  static PortSet from_list(std::span<const PortIndex> list) noexcept {
    PortSet s;
    s.list_ = list.data();
    s.n_ = static_cast<std::uint32_t>(list.size());
    return s;
  }

  [[nodiscard]] std::size_t size() const noexcept;
  [[nodiscard]] bool empty() const noexcept { return size() == 0; }
  // The i-th port, ascending. Precondition: i < size().
  [[nodiscard]] PortIndex operator[](std::size_t i) const noexcept;
  [[nodiscard]] bool contains(PortIndex p) const noexcept;
  [[nodiscard]] std::vector<PortIndex> to_vector() const;
  // Calls f(PortIndex) for each port, ascending: one pass, where size() and operator[] in a loop
  // would count and walk the mask again for every port.
  template <class F>
  void for_each(F&& f) const {
    if (list_ != nullptr) {
      for (std::uint32_t i = 0; i < n_; ++i) {
        f(list_[i]);
      }
      return;
    }
    for (std::uint32_t m = mask_; m != 0; m &= m - 1) {
      f(static_cast<PortIndex>(std::countr_zero(m)));
    }
  }

private:
  std::uint32_t mask_ = 0;
  const PortIndex* list_ = nullptr;
  std::uint32_t n_ = 0;
};

inline constexpr std::uint32_t kUnreachable = std::numeric_limits<std::uint32_t>::max();

class Routing {
public:
  // Computes the tables of a finalized topology, which must outlive the Routing (it is read at
  // lookup time). Errors (header "routing"): topology not finalized (field "topology");
  // tables above max_entries node x group cells (field "size", value = cells); a distance above
  // 254 hops (field "diameter").
  [[nodiscard]] static Result<Routing> build(const Topology& topo,
                                             std::uint64_t max_entries = 1ULL << 31U);

  // The out-ports of `at` toward endpoint `dest` in path set `set`: empty when at == dest, when
  // `dest` is not an endpoint, or when it cannot be reached.
  [[nodiscard]] PortSet ports(NodeId at, NodeId dest, PathSet set) const noexcept;
  // The same, by the destination's primary CNA (§5.2); empty for an unknown CNA.
  [[nodiscard]] PortSet ports_to_cna(NodeId at, Cna dcna, PathSet set) const noexcept;
  // Hops (links) on a shortest path from `from` to endpoint `dest` through forwarding nodes;
  // kUnreachable if none (or `dest` is not an endpoint).
  [[nodiscard]] std::uint32_t distance(NodeId from, NodeId dest) const noexcept;
  // The cost of leaving `at` on `port` toward `dest`: 1 + the peer's distance; kUnreachable for an
  // unconnected port or a peer that can neither forward nor is `dest`.
  [[nodiscard]] std::uint32_t cost(NodeId at, PortIndex port, NodeId dest) const noexcept;
  // APR-style one-hop detours: ports of `at` to a forwarding neighbour (not `dest`) that is
  // adjacent to `dest`, ascending. Empty if `at` == `dest`.
  [[nodiscard]] std::vector<PortIndex> detour_ports(NodeId at, NodeId dest) const;

  [[nodiscard]] std::size_t destinations() const noexcept { return dest_nodes_.size(); }
  [[nodiscard]] std::size_t groups() const noexcept { return group_count_; }
  // Bytes held by the tables (distances, port sets, pools, indexes).
  [[nodiscard]] std::size_t memory_bytes() const noexcept;
  [[nodiscard]] const Topology& topology() const noexcept { return *topo_; }

private:
  static constexpr std::uint32_t kNone = std::numeric_limits<std::uint32_t>::max();
  static constexpr std::uint8_t kFar = 0xFF; // unreachable in dist_

  [[nodiscard]] std::size_t cell(NodeId v, std::uint32_t g) const noexcept {
    return static_cast<std::size_t>(v) * group_count_ + g;
  }
  [[nodiscard]] PortSet entry(NodeId v, std::uint32_t g, PathSet set) const noexcept;

  const Topology* topo_ = nullptr;
  std::uint32_t group_count_ = 0;
  std::vector<NodeId> dest_nodes_;        // endpoint ids
  std::vector<std::uint32_t> dest_index_; // per node: index into dest_nodes_, or kNone
  std::vector<std::uint32_t> group_of_;   // per destination
  std::vector<std::uint8_t> attached_;    // per group: 1 = reached through anchors
  std::vector<NodeId> peer_node_;         // per port (topology port table order), or kNone
  std::vector<std::uint8_t> dist_;        // node x group
  // Port sets: per node, `width_` bytes per group starting at row_[v] in each table.
  std::vector<std::uint8_t> width_;    // 1, 2, 4 = mask; 0 = list index (4 bytes)
  std::vector<std::uint64_t> row_;     // byte offset of node v's row
  std::vector<std::uint8_t> shortest_; // the tables
  std::vector<std::uint8_t> all_;
  std::vector<std::uint32_t> pool_off_; // interned lists: [pool_off_[i], pool_off_[i+1])
  std::vector<PortIndex> pool_;
  // Last hops to attached destinations: per destination, (anchor, anchor port) pairs sorted.
  std::vector<std::uint32_t> direct_off_;
  std::vector<NodeId> direct_anchor_;
  std::vector<PortIndex> direct_port_;
};

} // namespace ub::sim
