#include "sim/topology/routing.hpp"

#include <algorithm>
#include <bit>
#include <cstring>
#include <map>
#include <unordered_map>

#include "sim/engine/rng_streams.hpp"

namespace ub::sim {

std::size_t PortSet::size() const noexcept {
  return list_ != nullptr ? n_ : static_cast<std::size_t>(std::popcount(mask_));
}

PortIndex PortSet::operator[](std::size_t i) const noexcept {
  if (list_ != nullptr) {
    return list_[i];
  }
  std::uint32_t m = mask_;
  for (std::size_t k = 0; k < i; ++k) {
    m &= m - 1; // drop the lowest set bit
  }
  return static_cast<PortIndex>(std::countr_zero(m));
}

bool PortSet::contains(PortIndex p) const noexcept {
  if (list_ != nullptr) {
    return std::binary_search(list_, list_ + n_, p);
  }
  return p < 32 && ((mask_ >> p) & 1U) != 0;
}

std::vector<PortIndex> PortSet::to_vector() const {
  std::vector<PortIndex> v;
  v.reserve(size());
  for (std::size_t i = 0; i < size(); ++i) {
    v.push_back((*this)[i]);
  }
  return v;
}

namespace {

Error routing_error(std::string_view field, std::string_view why, std::uint64_t value) {
  return Error{Errc::OutOfRange, 0, "routing", field, why, "", value, true};
}

struct ListHash {
  std::size_t operator()(const std::vector<PortIndex>& v) const noexcept {
    std::uint64_t h = 0xcbf29ce484222325ULL;
    for (const PortIndex p : v) {
      h = (h ^ p) * 0x100000001b3ULL;
    }
    return static_cast<std::size_t>(h);
  }
};

void store(std::vector<std::uint8_t>& table, std::size_t at, std::uint32_t value,
           std::uint8_t width) {
  switch (width) {
  case 1:
    table[at] = static_cast<std::uint8_t>(value);
    break;
  case 2: {
    const auto v = static_cast<std::uint16_t>(value);
    std::memcpy(&table[at], &v, 2);
    break;
  }
  default:
    std::memcpy(&table[at], &value, 4);
    break;
  }
}

std::uint32_t load(const std::vector<std::uint8_t>& table, std::size_t at, std::uint8_t width) {
  switch (width) {
  case 1:
    return table[at];
  case 2: {
    std::uint16_t v = 0;
    std::memcpy(&v, &table[at], 2);
    return v;
  }
  default: {
    std::uint32_t v = 0;
    std::memcpy(&v, &table[at], 4);
    return v;
  }
  }
}

} // namespace

Result<Routing> Routing::build(const Topology& topo, std::uint64_t max_entries) {
  if (!topo.finalized()) {
    return make_unexpected(routing_error("topology", "topology not finalized", 0));
  }
  Routing r;
  r.topo_ = &topo;
  const auto nodes = topo.nodes();
  const std::size_t n = nodes.size();

  r.peer_node_.assign(topo.port_total(), kNone);
  for (const Node& v : nodes) {
    for (PortIndex p = 0; p < v.port_count; ++p) {
      const LinkId l = topo.port_link(PortRef{v.id, p});
      if (l != kNoLink) {
        r.peer_node_[v.first_port + p] = topo.peer(PortRef{v.id, p}).node;
      }
    }
  }

  // Destinations and their groups.
  r.dest_index_.assign(n, kNone);
  std::vector<std::vector<NodeId>> sources; // per group: BFS sources
  std::map<std::vector<NodeId>, std::uint32_t> by_anchors;
  for (const Node& v : nodes) {
    if (v.kind != NodeKind::Endpoint) {
      continue;
    }
    r.dest_index_[v.id] = static_cast<std::uint32_t>(r.dest_nodes_.size());
    r.dest_nodes_.push_back(v.id);
    std::vector<NodeId> anchors;
    bool all_forward = v.port_count > 0;
    for (PortIndex p = 0; p < v.port_count; ++p) {
      const NodeId w = r.peer_node_[v.first_port + p];
      if (w == kNone) {
        continue;
      }
      all_forward = all_forward && nodes[w].forwards;
      anchors.push_back(w);
    }
    std::sort(anchors.begin(), anchors.end());
    anchors.erase(std::unique(anchors.begin(), anchors.end()), anchors.end());
    if (!v.forwards && all_forward && !anchors.empty()) {
      const auto [it, fresh] =
          by_anchors.try_emplace(anchors, static_cast<std::uint32_t>(sources.size()));
      if (fresh) {
        sources.push_back(anchors);
        r.attached_.push_back(1);
      }
      r.group_of_.push_back(it->second);
    } else {
      r.group_of_.push_back(static_cast<std::uint32_t>(sources.size()));
      sources.push_back({v.id});
      r.attached_.push_back(0);
    }
  }
  const auto groups = static_cast<std::uint32_t>(sources.size());
  r.group_count_ = groups;
  const std::uint64_t cells = std::uint64_t{n} * groups;
  if (cells > max_entries) {
    return make_unexpected(routing_error("size", "routing tables too large", cells));
  }

  // Singleton group of a non-forwarding endpoint (its own group): it may be a next hop only
  // toward itself.
  std::vector<std::uint32_t> own_group(n, kNone);
  for (std::size_t d = 0; d < r.dest_nodes_.size(); ++d) {
    if (r.attached_[r.group_of_[d]] == 0) {
      own_group[r.dest_nodes_[d]] = r.group_of_[d];
    }
  }

  // Distances: bit-parallel BFS from each group's sources, 64 groups per pass. A node reached
  // passes the frontier on only if it forwards (sources always do).
  r.dist_.assign(cells, kFar);
  {
    std::vector<std::uint64_t> visited(n), frontier(n), next(n);
    std::vector<NodeId> active, touched;
    for (std::uint32_t base = 0; base < groups; base += 64) {
      const std::uint32_t batch = std::min<std::uint32_t>(64, groups - base);
      std::fill(visited.begin(), visited.end(), 0);
      active.clear();
      for (std::uint32_t i = 0; i < batch; ++i) {
        for (const NodeId s : sources[base + i]) {
          if (frontier[s] == 0) {
            active.push_back(s);
          }
          visited[s] |= std::uint64_t{1} << i;
          frontier[s] |= std::uint64_t{1} << i;
          r.dist_[r.cell(s, base + i)] = 0;
        }
      }
      std::uint32_t level = 0;
      while (!active.empty()) {
        ++level;
        if (level >= kFar) {
          return make_unexpected(routing_error("diameter", "a path longer than 254 hops", level));
        }
        touched.clear();
        for (const NodeId u : active) {
          const std::uint64_t f = frontier[u];
          frontier[u] = 0;
          const Node& nu = nodes[u];
          for (std::uint32_t k = 0; k < nu.port_count; ++k) {
            const NodeId w = r.peer_node_[nu.first_port + k];
            if (w == kNone) {
              continue;
            }
            if (next[w] == 0) {
              touched.push_back(w);
            }
            next[w] |= f;
          }
        }
        active.clear();
        for (const NodeId w : touched) {
          const std::uint64_t fresh = next[w] & ~visited[w];
          next[w] = 0;
          if (fresh == 0) {
            continue;
          }
          visited[w] |= fresh;
          for (std::uint64_t b = fresh; b != 0; b &= b - 1) {
            r.dist_[r.cell(w, base + static_cast<std::uint32_t>(std::countr_zero(b)))] =
                static_cast<std::uint8_t>(level);
          }
          if (nodes[w].forwards) {
            frontier[w] = fresh;
            active.push_back(w);
          }
        }
      }
    }
  }

  // Port sets.
  r.width_.assign(n, 0);
  r.row_.assign(n + 1, 0);
  for (const Node& v : nodes) {
    const std::uint8_t w = v.port_count <= 8    ? 1
                           : v.port_count <= 16 ? 2
                           : v.port_count <= 32 ? 4
                                                : 0;
    r.width_[v.id] = w;
    r.row_[v.id + 1] = r.row_[v.id] + std::uint64_t{w == 0 ? 4U : w} * groups;
  }
  r.shortest_.assign(r.row_[n], 0);
  r.all_.assign(r.row_[n], 0);
  r.pool_off_ = {0, 0}; // list 0: empty
  std::unordered_map<std::vector<PortIndex>, std::uint32_t, ListHash> interned;
  interned.emplace(std::vector<PortIndex>{}, 0);
  const auto intern = [&](const std::vector<PortIndex>& list) {
    const auto [it, fresh] =
        interned.try_emplace(list, static_cast<std::uint32_t>(r.pool_off_.size() - 1));
    if (fresh) {
      r.pool_.insert(r.pool_.end(), list.begin(), list.end());
      r.pool_off_.push_back(static_cast<std::uint32_t>(r.pool_.size()));
    }
    return it->second;
  };
  // Per-destination rank for equal-distance steps: node hash XOR group hash (a strict total
  // order for each group, different across groups).
  std::vector<std::uint64_t> node_hash(n), group_hash(groups);
  for (std::size_t v = 0; v < n; ++v) {
    node_hash[v] = mix64(0x6e6f6465ULL + v);
  }
  for (std::uint32_t g = 0; g < groups; ++g) {
    group_hash[g] = mix64(0x67726f7570ULL + g);
  }
  std::vector<std::uint8_t> group_bits(std::size_t{64} * groups); // bit k of each group's hash
  for (std::uint32_t k = 0; k < 64; ++k) {
    for (std::uint32_t g = 0; g < groups; ++g) {
      group_bits[std::size_t{k} * groups + g] =
          static_cast<std::uint8_t>((group_hash[g] >> k) & 1U);
    }
  }
  std::vector<std::uint32_t> mask_s(groups), mask_a(groups);
  std::vector<std::vector<PortIndex>> list_s, list_a;
  for (const Node& v : nodes) {
    const std::uint8_t* dv = &r.dist_[r.cell(v.id, 0)];
    const bool as_mask = r.width_[v.id] != 0;
    if (as_mask) {
      std::fill(mask_s.begin(), mask_s.end(), 0);
      std::fill(mask_a.begin(), mask_a.end(), 0);
    } else {
      list_s.assign(groups, {});
      list_a.assign(groups, {});
    }
    const std::uint64_t hv = node_hash[v.id];
    for (PortIndex p = 0; p < v.port_count; ++p) {
      const NodeId w = r.peer_node_[v.first_port + p];
      if (w == kNone) {
        continue;
      }
      const std::uint8_t* dw = &r.dist_[r.cell(w, 0)];
      const std::uint64_t hw = node_hash[w];
      const auto add = [&](std::uint32_t g, bool s) {
        if (as_mask) {
          mask_a[g] |= std::uint32_t{1} << p;
          mask_s[g] |= static_cast<std::uint32_t>(s) << p;
        } else {
          list_a[g].push_back(p);
          if (s) {
            list_s[g].push_back(p);
          }
        }
      };
      if (!nodes[w].forwards) {
        // Only toward itself, as the last hop.
        const std::uint32_t g = own_group[w];
        if (g != kNone && dv[g] == 1) {
          add(g, true);
        }
        continue;
      }
      // Equal-distance tie-break: (hw ^ gh) < (hv ^ gh) is decided by the highest bit where hw
      // and hv differ, so it is that bit of hv ^ gh (gh = the group's hash).
      const auto top = static_cast<std::uint32_t>(63 - std::countl_zero(hv ^ hw));
      const std::uint8_t* gbit = &group_bits[std::size_t{top} * groups];
      const auto hv_bit = static_cast<std::uint8_t>((hv >> top) & 1U);
      if (as_mask) {
        // The hot loop (node ports x groups), branch-free so that it vectorises. w forwards, so
        // dist(v) <= dist(w) + 1: "closer" is exactly one hop closer.
        const std::uint32_t bit = std::uint32_t{1} << p;
        for (std::uint32_t g = 0; g < groups; ++g) {
          const std::uint32_t a = dv[g];
          const std::uint32_t b = dw[g];
          const auto closer =
              static_cast<std::uint32_t>(b + 1 == a) & static_cast<std::uint32_t>(a != kFar);
          const auto level = static_cast<std::uint32_t>(b == a) &
                             static_cast<std::uint32_t>(a - 1U < kFar - 1U) &
                             static_cast<std::uint32_t>(gbit[g] ^ hv_bit);
          mask_s[g] |= closer * bit;
          mask_a[g] |= (closer | level) * bit;
        }
        continue;
      }
      for (std::uint32_t g = 0; g < groups; ++g) {
        const std::uint8_t a = dv[g];
        const std::uint8_t b = dw[g];
        if (a == 0 || a == kFar || b > a) {
          continue;
        }
        if (b + 1 == a) {
          add(g, true);
        } else if ((gbit[g] ^ hv_bit) != 0) {
          add(g, false);
        }
      }
    }
    const std::size_t row = r.row_[v.id];
    const std::uint8_t width = as_mask ? r.width_[v.id] : 4;
    for (std::uint32_t g = 0; g < groups; ++g) {
      const std::size_t at = row + std::size_t{g} * width;
      if (as_mask) {
        store(r.shortest_, at, mask_s[g], width);
        store(r.all_, at, mask_a[g], width);
      } else {
        store(r.shortest_, at, intern(list_s[g]), 4);
        store(r.all_, at, intern(list_a[g]), 4);
      }
    }
  }

  // Last hops to attached destinations: the anchor's ports whose peer is the destination.
  r.direct_off_.assign(r.dest_nodes_.size() + 1, 0);
  for (std::size_t d = 0; d < r.dest_nodes_.size(); ++d) {
    const Node& dn = nodes[r.dest_nodes_[d]];
    std::vector<std::pair<NodeId, PortIndex>> hops;
    if (r.attached_[r.group_of_[d]] != 0) {
      for (PortIndex p = 0; p < dn.port_count; ++p) {
        if (topo.port_link(PortRef{dn.id, p}) != kNoLink) {
          const PortRef far = topo.peer(PortRef{dn.id, p});
          hops.emplace_back(far.node, far.port);
        }
      }
      std::sort(hops.begin(), hops.end());
    }
    for (const auto& [a, p] : hops) {
      r.direct_anchor_.push_back(a);
      r.direct_port_.push_back(p);
    }
    r.direct_off_[d + 1] = static_cast<std::uint32_t>(r.direct_anchor_.size());
  }
  return r;
}

PortSet Routing::entry(NodeId v, std::uint32_t g, PathSet set) const noexcept {
  const std::uint8_t w = width_[v];
  const auto& table = set == PathSet::Shortest ? shortest_ : all_;
  const std::size_t at = row_[v] + std::size_t{g} * (w == 0 ? 4U : w);
  const std::uint32_t value = load(table, at, w == 0 ? 4 : w);
  if (w != 0) {
    return PortSet::from_mask(value);
  }
  return PortSet::from_list(std::span<const PortIndex>{pool_.data() + pool_off_[value],
                                                       pool_off_[value + 1] - pool_off_[value]});
}

PortSet Routing::ports(NodeId at, NodeId dest, PathSet set) const noexcept {
  if (at >= dest_index_.size() || dest >= dest_index_.size() || at == dest) {
    return {};
  }
  const std::uint32_t d = dest_index_[dest];
  if (d == kNone) {
    return {};
  }
  const std::uint32_t g = group_of_[d];
  if (attached_[g] != 0 && dist_[cell(at, g)] == 0) {
    // `at` is an anchor of the destination: the direct links, whatever the path set.
    const auto* first = direct_anchor_.data() + direct_off_[d];
    const auto* last = direct_anchor_.data() + direct_off_[d + 1];
    const auto range = std::equal_range(first, last, at);
    return PortSet::from_list(
        std::span<const PortIndex>{direct_port_.data() + (range.first - direct_anchor_.data()),
                                   static_cast<std::size_t>(range.second - range.first)});
  }
  return entry(at, g, set);
}

PortSet Routing::ports_to_cna(NodeId at, Cna dcna, PathSet set) const noexcept {
  const auto dest = topo_->node_by_cna(dcna);
  return dest ? ports(at, *dest, set) : PortSet{};
}

std::uint32_t Routing::distance(NodeId from, NodeId dest) const noexcept {
  if (from >= dest_index_.size() || dest >= dest_index_.size()) {
    return kUnreachable;
  }
  const std::uint32_t d = dest_index_[dest];
  if (d == kNone) {
    return kUnreachable;
  }
  if (from == dest) {
    return 0;
  }
  const std::uint32_t g = group_of_[d];
  const std::uint8_t h = dist_[cell(from, g)];
  if (h == kFar) {
    return kUnreachable;
  }
  return attached_[g] != 0 ? std::uint32_t{h} + 1 : h;
}

std::uint32_t Routing::cost(NodeId at, PortIndex port, NodeId dest) const noexcept {
  const Node& v = topo_->node(at);
  if (port >= v.port_count) {
    return kUnreachable;
  }
  const NodeId w = peer_node_[v.first_port + port];
  if (w == kNone || (w != dest && !topo_->node(w).forwards)) {
    return kUnreachable;
  }
  const std::uint32_t d = distance(w, dest);
  return d == kUnreachable ? kUnreachable : d + 1;
}

std::vector<PortIndex> Routing::detour_ports(NodeId at, NodeId dest) const {
  std::vector<PortIndex> out;
  if (at == dest || at >= dest_index_.size()) {
    return out;
  }
  const Node& v = topo_->node(at);
  for (PortIndex p = 0; p < v.port_count; ++p) {
    const NodeId w = peer_node_[v.first_port + p];
    if (w == kNone || w == dest || w == at || !topo_->node(w).forwards) {
      continue;
    }
    if (distance(w, dest) == 1) {
      out.push_back(p);
    }
  }
  return out;
}

std::size_t Routing::memory_bytes() const noexcept {
  return dist_.size() + shortest_.size() + all_.size() + pool_.size() * sizeof(PortIndex) +
         pool_off_.size() * 4 + row_.size() * 8 + width_.size() + peer_node_.size() * 4 +
         dest_nodes_.size() * 4 + dest_index_.size() * 4 + group_of_.size() * 4 + attached_.size() +
         direct_off_.size() * 4 + direct_anchor_.size() * 4 +
         direct_port_.size() * sizeof(PortIndex);
}

} // namespace ub::sim
