// The fabric's network (network.hpp).

#include "sim/fabric/network.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <optional>

#include "protocol/dl/link_headers.hpp"
#include "protocol/dl/plength.hpp"
#include "protocol/nl/cci.hpp"
#include "protocol/nl/icrc.hpp"
#include "protocol/nl/nth_cna.hpp"
#include "sim/engine/rng_streams.hpp"

namespace ub::sim {

namespace {

constexpr std::size_t kLph = 4;
constexpr std::size_t kIcrc = 4;
// A kNetArrive payload: the first packet of the port's inbound queue (else a packet slot).
constexpr std::uint64_t kInbound = ~std::uint64_t{0};

ConfigError key_error(std::string key, std::string reason) {
  return ConfigError{"", 0, std::move(key), std::move(reason)};
}

// The routing fields every hop reads from the NTH.
struct NthView {
  std::uint32_t scna = 0, dcna = 0;
  std::uint16_t cci = 0;
  std::uint8_t lbf = 0, sl = 0;
};

// Writes an NTH of either CNA form (§5.2.1, §5.2.2) from the fields the fabric sets.
template <class Nth>
void encode_nth(const NthView& v, std::uint8_t nlp, std::span<Byte> out) noexcept {
  Nth h;
  h.scna = static_cast<decltype(h.scna)>(v.scna);
  h.dcna = static_cast<decltype(h.dcna)>(v.dcna);
  h.cci = v.cci;
  h.lbf = v.lbf;
  h.sl = v.sl;
  h.nlp = nlp;
  (void)Codec<Nth>::encode(h, out);
}

// Reads the routing fields of either NTH form; nullopt if it does not decode.
template <class Nth>
std::optional<NthView> decode_nth(std::span<const Byte> in) noexcept {
  const auto h = Codec<Nth>::decode(in);
  if (!h) {
    return std::nullopt;
  }
  return NthView{h->scna, h->dcna, h->cci, h->lbf, h->sl};
}

} // namespace

FabricNetwork::FabricNetwork(const Topology& topo, const Routing& routing, const NetworkParams& p,
                             EventQueue& events, NetworkClient& client)
    : topo_(topo), routing_(routing), p_(p), events_(events), client_(client),
      rng_(component_rng(p.seed, ComponentKind::Switch, 0)) {}

ConfigResult<std::unique_ptr<FabricNetwork>>
FabricNetwork::make(const Topology& topo, const Routing& routing, const NetworkParams& p,
                    std::span<const RouteEntry> routes, EventQueue& events, NetworkClient& client) {
  if (!topo.finalized()) {
    return make_unexpected(key_error("topology", "not finalized"));
  }
  if (p.link.vls < 1 || p.link.vls > dl::kMaxVls) {
    return make_unexpected(key_error("link.vls", "must be 1..16"));
  }
  if (p.link.cell_bytes < 4 || p.link.cell_bytes > 4096) {
    return make_unexpected(key_error("link.cell_bytes", "must be 4..4096"));
  }
  if (p.transport == TransportKind::Bypass) {
    return make_unexpected(key_error(
        "endpoint.transport", "bypass is not carried by the fabric yet (use rtp, ctp or utp)"));
  }
  if (!(p.link.ber >= 0 && p.link.ber < 1)) {
    return make_unexpected(key_error("link.ber", "must be in [0, 1)"));
  }
  std::unique_ptr<FabricNetwork> n(new FabricNetwork(topo, routing, p, events, client));
  n->vls_ = p.link.vls;
  n->buffer_cells_ = p.link.vl_buffer_bytes / p.link.cell_bytes;
  const bool cna16 = p.transport == TransportKind::Ctp;
  n->cfg_ = cna16 ? 6 : 7;
  n->nth_bytes_ = cna16 ? Layout<nl::NthCna16>::kSize : Layout<nl::NthCna24>::kSize;
  static_assert(kLph == kLphBytes && kLph + Layout<nl::NthCna24>::kSize <= kHeadMax &&
                Layout<nl::NthCna16>::kSize <= Layout<nl::NthCna24>::kSize);
  // The largest DLLDP is 512 flits (§4.3.2), carrying max_payload bytes after its LPH; every
  // size from 1 up to that has a geometry. A network packet is a whole number of 4-byte words
  // here. The packet must also fit one VL buffer.
  const std::size_t max_net = dl::max_payload(p.block_mode) / 4 * 4;
  const std::size_t buffer_bytes = std::size_t{n->buffer_cells_} * p.link.cell_bytes;
  const std::size_t fit = std::min(max_net, buffer_bytes / dl::kFlitBytes * dl::kFlitBytes / 2);
  if (fit <= n->nth_bytes_ + kIcrc + 64) {
    return make_unexpected(
        key_error("link.vl_buffer_bytes", "too small to hold one packet per VL"));
  }
  n->max_net_bytes_ = static_cast<std::uint32_t>(fit - n->nth_bytes_ - kIcrc);
  if (p.sw.ecn_threshold_bytes != 0) {
    n->red_.kmin_bytes = p.sw.ecn_threshold_bytes;
    n->red_.kmax_bytes = 4ULL * p.sw.ecn_threshold_bytes;
  }

  // Endpoints and ports.
  n->ep_of_node_.assign(topo.node_count(), kNone);
  for (const NodeId e : topo.endpoints()) {
    n->ep_of_node_[e] = static_cast<std::uint32_t>(n->ep_nodes_.size());
    n->ep_nodes_.push_back(e);
  }
  n->ep_queued_.assign(n->ep_nodes_.size(), 0);
  n->ports_.resize(topo.port_total());
  n->stats_.resize(topo.port_total());
  n->vlq_.resize(topo.port_total() * n->vls_);
  n->inbound_.resize(topo.port_total());
  std::array<std::uint32_t, dl::kMaxVls> weights{};
  std::copy(p.sw.dwrr_weights.begin(), p.sw.dwrr_weights.end(), weights.begin());
  const auto arb = p.sw.arbitration == Arbitration::Dwrr ? dl::VlArbitration::Dwrr
                                                         : dl::VlArbitration::StrictPriority;
  for (const Node& node : topo.nodes()) {
    for (PortIndex k = 0; k < node.port_count; ++k) {
      const std::uint32_t g = node.first_port + k;
      Port& port = n->ports_[g];
      port.node = node.id;
      port.is_endpoint = node.kind == NodeKind::Endpoint;
      port.arbiter = dl::VlArbiter(arb, weights);
      const LinkId l = topo.port_link(PortRef{node.id, k});
      port.link = l;
      if (l == kNoLink) {
        port.up = false;
        continue;
      }
      const Link& link = topo.link(l);
      const PortRef far = link.a == PortRef{node.id, k} ? link.b : link.a;
      port.peer = static_cast<std::uint32_t>(n->global_port(far));
      port.latency = link.spec.latency;
      port.rate = link.spec.rate;
      port.lanes = port.lanes_up = link.spec.lanes;
      update_flit_time(port);
      port.ber = p.link.ber;
      for (std::uint32_t v = 0; v < n->vls_; ++v) {
        n->vlq_[std::size_t{g} * n->vls_ + v].credits = n->buffer_cells_;
      }
    }
  }
  if (p.sw.caqm) {
    n->caqm_.reserve(n->ports_.size());
    for (const Port& port : n->ports_) {
      tp::CaqmSwitchParams cp;
      cp.rate_bps = std::max<std::uint64_t>(port.rate.bps, 1);
      cp.mtu = p.mtu;
      cp.hint_unit = p.caqm_hint_unit;
      cp.qt_bytes = 10ULL * p.mtu; // MODEL: Qt = 10 MTU, as the ns-3 peer
      n->caqm_.emplace_back(cp, Time{0});
    }
  }
  n->salt_.resize(topo.node_count());
  n->fwd_latency_.assign(topo.node_count(), p.sw.forwarding_latency);
  for (const Node& node : topo.nodes()) {
    n->salt_[node.id] = component_rng(p.seed, ComponentKind::Switch, node.id).next();
  }
  for (const RouteEntry& r : routes) {
    if (r.dest_port) {
      continue; // the fabric addresses endpoints by their Primary CNA
    }
    n->routes_[(std::uint64_t{r.at} << 32U) | r.dest] = r.ports;
  }
  const std::size_t nodes = topo.node_count();
  if (!n->routes_.empty() && nodes * nodes <= kDenseRouteSlots) {
    n->route_slots_.assign(nodes * nodes, RouteSlot{});
    for (const auto& [key, ports] : n->routes_) {
      const auto at = static_cast<std::size_t>(key >> 32U);
      const auto dest = static_cast<std::size_t>(key & 0xFFFF'FFFFU);
      if (at >= nodes || dest >= nodes) {
        continue; // names no node of this fabric: no packet is routed with it
      }
      RouteSlot& slot = n->route_slots_[at * nodes + dest];
      slot.first = static_cast<std::uint32_t>(n->route_ports_.size());
      slot.count = static_cast<std::uint32_t>(ports.size());
      n->route_ports_.insert(n->route_ports_.end(), ports.begin(), ports.end());
    }
    n->routes_.clear();
  }
  return n;
}

void FabricNetwork::schedule(Time at, NetEvent kind, std::uint32_t target, std::uint64_t payload) {
  // Times here are never in the past (now + a non-negative delay), so this cannot fail.
  (void)events_.schedule(at, EventBody{kind, target, payload});
}

std::uint32_t FabricNetwork::alloc_packet() {
  ++live_packets_;
  if (!free_.empty()) {
    const std::uint32_t id = free_.back();
    free_.pop_back();
    return id;
  }
  packets_.emplace_back();
  bodies_.emplace_back();
  return static_cast<std::uint32_t>(packets_.size() - 1);
}

void FabricNetwork::free_packet(std::uint32_t id) {
  --live_packets_;
  // The body keeps its capacity and bytes: send() zeroes the head before encoding the LPH and
  // NTH into it (the codecs set fields into zeroed bytes) and overwrites the body, so the
  // payload is not zero-filled first.
  packets_[id].next = kNone;
  free_.push_back(id);
}

void FabricNetwork::send(std::uint32_t ep, const ta::NetPacket& pk, Time now, std::uint64_t tag) {
  send_taking(ep, pk, nullptr, now, tag);
}

void FabricNetwork::send(std::uint32_t ep, ta::NetPacket&& pk, Time now, std::uint64_t tag) {
  send_taking(ep, pk, &pk, now, tag);
}

// `take`, when given, is the caller's pk, whose bytes (or share) the packet takes instead of a
// copy; pk.bytes then holds the slot's old buffer, so pk is read only before that.
void FabricNetwork::send_taking(std::uint32_t ep, const ta::NetPacket& pk, ta::NetPacket* take,
                                Time now, std::uint64_t tag) {
  const std::uint32_t id = alloc_packet();
  Packet& pkt = packets_[id];
  const NodeId src_node = ep_nodes_[ep];
  const NodeId dst_node = ep_nodes_[pk.dst];
  const Cna scna = topo_.node(src_node).cna;
  const Cna dcna = topo_.node(dst_node).cna;
  // The network header (§5.2): the transport's entropy is the LBF; its CCI rides in the NTH.
  const std::size_t tp_len = pk.view().size();
  const std::size_t net_len = nth_bytes_ + tp_len + kIcrc;
  pkt.head.fill(Byte{0});
  const std::span<Byte> nth(pkt.head.data() + kLph, nth_bytes_);
  const std::uint16_t cci = nl::pack_cci(pk.cci);
  const auto lbf = static_cast<std::uint8_t>(pk.entropy ^ (pk.entropy >> 8U));
  const NthView v{scna, dcna, cci, lbf, static_cast<std::uint8_t>(pk.sl & 0xFU)};
  if (cfg_ == 6) {
    encode_nth<nl::NthCna16>(v, nl::nlp::kCtph, nth);
  } else {
    encode_nth<nl::NthCna24>(v, nl::nlp::kRtph, nth);
  }
  PacketBody& cold = bodies_[id];
  if (!pk.shared.empty()) {
    cold.body.clear();
    cold.shared = take != nullptr ? std::move(take->shared) : pk.shared;
  } else {
    cold.shared = {};
    if (take != nullptr) {
      cold.body.swap(take->bytes);
    } else {
      cold.body.assign(pk.bytes.begin(), pk.bytes.end());
    }
  }
  nl::store_icrc(cold.icrc.data(), nl::compute_icrc(cfg_, nth, cold.transport()));
  pkt.bytes = static_cast<std::uint32_t>(kLph + net_len);
  const auto geom = dl::geometry_for_payload(net_len, p_.block_mode);
  pkt.flits = static_cast<std::uint16_t>(geom ? geom->flits : dl::kMaxPacketFlits);
  pkt.cells = static_cast<std::uint16_t>(
      (std::uint64_t{pkt.flits} * dl::kFlitBytes + p_.link.cell_bytes - 1) / p_.link.cell_bytes);
  pkt.vl = static_cast<std::uint8_t>(std::min<std::uint32_t>(pk.vl, vls_ - 1));
  pkt.lph_vl = pkt.vl;
  cold.control = pk.control;
  pkt.held_port = kNone;
  pkt.dst_node = dst_node;
  pkt.seq = seq_++;
  cold.tag = tag;
  pkt.detoured = false;
  // The LPH (§4.3.2.2.2): VL, CFG and the RT the source asks for (per-packet when the
  // transport sprays, else the scenario's RT).
  dl::Lph lph;
  lph.vl = pkt.vl;
  lph.cfg = cfg_;
  lph.rt = static_cast<std::uint8_t>((p_.sw.rt & 3U) | (pk.rt & 1U));
  lph.plength = geom ? geom->plength : 0;
  (void)Codec<dl::Lph>::encode(lph, std::span<Byte>(pkt.head).first(kLph));
  ++counters_.injected;
  ++ep_queued_[ep];
  const std::uint32_t out = route(src_node, id, scna, dcna, lbf, lph.rt);
  if (out == kNone) {
    --ep_queued_[ep];
    ++counters_.dropped_no_route;
    free_packet(id);
    return;
  }
  enqueue(out, id, now);
}

std::uint32_t FabricNetwork::route(NodeId at, std::uint32_t pkt, std::uint16_t scna,
                                   std::uint16_t dcna, std::uint8_t lbf, std::uint8_t rt) {
  const Node& node = topo_.node(at);
  const NodeId dest = packets_[pkt].dst_node;
  const bool per_packet = (rt & 1U) != 0;
  std::uint64_t h =
      mix64(salt_[at] ^ ((std::uint64_t{scna} << 32U) | (std::uint64_t{dcna} << 8U) | lbf));
  if (per_packet) {
    h = mix64(h ^ packets_[pkt].seq);
  }
  std::array<PortIndex, 64> cand; // only [0, n) is read
  std::size_t n = 0;
  if (!route_slots_.empty()) {
    const RouteSlot slot = route_slots_[std::size_t{at} * topo_.node_count() + dest];
    for (std::uint32_t i = 0; i < slot.count; ++i) {
      const PortIndex k = route_ports_[slot.first + i];
      if (n < cand.size() && k < node.port_count && ports_[node.first_port + k].up) {
        cand[n++] = k;
      }
    }
  } else if (!routes_.empty()) {
    const auto it = routes_.find((std::uint64_t{at} << 32U) | dest);
    if (it != routes_.end()) {
      for (const PortIndex k : it->second) {
        if (n < cand.size() && k < node.port_count && ports_[node.first_port + k].up) {
          cand[n++] = k;
        }
      }
    }
  } else {
    // A packet on a detour takes the shortest set from there on: the all-paths set of the
    // intermediate node may lead back to where it came from, and around a link that stays down
    // the packet would circle for ever (no hop limit in the NTH).
    const bool detoured = packets_[pkt].detoured;
    const PortSet set =
        routing_.ports(at, dest, detoured || (rt & 2U) != 0 ? PathSet::Shortest : PathSet::All);
    set.for_each([&](PortIndex k) {
      if (n < cand.size() && ports_[node.first_port + k].up) {
        cand[n++] = k;
      }
    });
    if (n == 0 && !detoured) {
      // APR-style detour around a failed link (§5.2; A-175): one intermediate hop at most.
      for (const PortIndex k : routing_.detour_ports(at, dest)) {
        if (n < cand.size() && ports_[node.first_port + k].up) {
          cand[n++] = k;
        }
      }
      packets_[pkt].detoured = n != 0;
    }
  }
  if (n == 0) {
    return kNone;
  }
  std::size_t pick = 0;
  switch (p_.sw.selector) {
  case Selector::Pinned:
    pick = 0;
    break;
  case Selector::Hash:
    pick = static_cast<std::size_t>(h % n);
    break;
  case Selector::Adaptive: {
    std::uint64_t best = UINT64_MAX;
    const std::size_t start = static_cast<std::size_t>(h % n);
    for (std::size_t i = 0; i < n; ++i) {
      const std::size_t c = (start + i) % n;
      const std::uint64_t q = ports_[node.first_port + cand[c]].queued_bytes;
      if (q < best) {
        best = q;
        pick = c;
      }
    }
    break;
  }
  }
  return node.first_port + cand[pick];
}

void FabricNetwork::enqueue(std::uint32_t port, std::uint32_t pkt, Time now) {
  Port& pt = ports_[port];
  Packet& p = packets_[pkt];
  VlQueue& q = vlq_[std::size_t{port} * vls_ + p.vl];
  p.next = kNone;
  if (q.tail == kNone) {
    q.head = pkt;
  } else {
    packets_[q.tail].next = pkt;
  }
  q.tail = pkt;
  pt.queued_vls = static_cast<std::uint16_t>(pt.queued_vls | (1U << p.vl));
  pt.queued_bytes += p.bytes;
  ++pt.queued_packets;
  PortStats& s = stats_[port];
  s.max_queue_bytes = std::max(s.max_queue_bytes, pt.queued_bytes);
  if (pt.free_at <= now) {
    try_send(port, now);
  } else {
    arm(port, pt.free_at);
  }
}

void FabricNetwork::arm(std::uint32_t port, Time at) {
  Port& pt = ports_[port];
  if (pt.armed_at <= at) {
    return; // an earlier look at this port is due anyway; it re-arms if it must
  }
  pt.armed_at = at;
  schedule(at, kNetTxDone, port, pt.epoch);
}

static_assert(dl::kMaxVls <= 16, "a port's VL bit sets are 16 bits wide");

void FabricNetwork::absorb_credits(std::uint32_t port, Time now) noexcept {
  Port& pt = ports_[port];
  for (unsigned bits = pt.returning_vls; bits != 0; bits &= bits - 1) {
    const auto v = static_cast<unsigned>(std::countr_zero(bits));
    VlQueue& q = vlq_[std::size_t{port} * vls_ + v];
    while (q.returning_head < q.returning.size() && q.returning[q.returning_head].at <= now) {
      q.credits = std::min(buffer_cells_, q.credits + q.returning[q.returning_head].cells);
      ++q.returning_head;
    }
    if (q.returning_head == q.returning.size()) {
      q.returning.clear();
      q.returning_head = 0;
      pt.returning_vls = static_cast<std::uint16_t>(pt.returning_vls & ~(1U << v));
    }
  }
}

void FabricNetwork::try_send(std::uint32_t port, Time now) {
  Port& pt = ports_[port];
  if (pt.queued_packets == 0 || !pt.up) {
    return;
  }
  if (pt.free_at > now) {
    arm(port, pt.free_at);
    return;
  }
  absorb_credits(port, now);
  std::uint16_t eligible = 0;
  std::array<std::uint32_t, dl::kMaxVls> head_flits{};
  bool stalled = false;
  for (unsigned bits = pt.queued_vls; bits != 0; bits &= bits - 1) {
    const auto v = static_cast<unsigned>(std::countr_zero(bits));
    const VlQueue& q = vlq_[std::size_t{port} * vls_ + v];
    const Packet& h = packets_[q.head];
    if (!p_.link.credits || q.credits >= h.cells) {
      eligible = static_cast<std::uint16_t>(eligible | (1U << v));
      head_flits[v] = h.flits;
    } else {
      stalled = true;
    }
  }
  if (eligible == 0) {
    if (stalled) {
      ++stats_[port].credit_stalls;
      ++counters_.credit_stalls;
      // Look again when the first credits on their way back arrive (release() arms the port
      // when none are on their way yet).
      Time next = kNever;
      for (unsigned bits = pt.queued_vls & pt.returning_vls; bits != 0; bits &= bits - 1) {
        const auto v = static_cast<unsigned>(std::countr_zero(bits));
        const VlQueue& q = vlq_[std::size_t{port} * vls_ + v];
        if (q.returning_head < q.returning.size()) {
          next = std::min(next, q.returning[q.returning_head].at);
        }
      }
      if (next != kNever) {
        arm(port, next);
      }
    }
    return;
  }
  const unsigned v = pt.arbiter.pick(eligible, head_flits);
  VlQueue& q = vlq_[std::size_t{port} * vls_ + v];
  const std::uint32_t id = q.head;
  Packet& p = packets_[id];
  q.head = p.next;
  if (q.head == kNone) {
    q.tail = kNone;
    pt.queued_vls = static_cast<std::uint16_t>(pt.queued_vls & ~(1U << v));
  }
  q.credits -= std::min<std::uint32_t>(q.credits, p.cells);
  pt.queued_bytes -= p.bytes;
  --pt.queued_packets;
  const NodeId from = pt.node;
  // The packet leaves this node's input buffer (or its source queue): credits go back.
  std::uint32_t ready_ep = kNone; // told after this port is busy (it may send at once)
  if (p.held_port == kNone) {
    const std::uint32_t ep = ep_of_node_[from];
    if (ep != kNone && ep_queued_[ep]-- == p_.endpoint_queue_packets) {
      ready_ep = ep;
    }
  } else {
    release(id, now);
  }
  // C-AQM approval on dequeue (§5.3.5.3, switch_marking.hpp): switches only. MODEL: a
  // port's credit period is closed at the first packet after its boundary, with the queue then
  // (exact for a busy port, which is where the credit matters; an idle one gets an idle
  // port's credit either way).
  if (!caqm_.empty() && !pt.is_endpoint) {
    tp::CaqmSwitchPort& cq = caqm_[port];
    if (cq.next_timeout() <= now) {
      cq.on_timeout(pt.queued_bytes, now);
    }
    Byte* nth = p.head.data() + kLph;
    const std::size_t at = cfg_ == 6 ? 4 : 6; // CCI, as for FECN below
    nl::Cci cci =
        nl::unpack_cci(static_cast<std::uint16_t>((unsigned{nth[at]} << 8U) | nth[at + 1]));
    const bool last = ep_of_node_[ports_[pt.peer].node] != kNone;
    const tp::CaqmVerdict verdict =
        cq.on_forward(cci, static_cast<std::uint32_t>(p.bytes - kLph), last, rng_);
    bool changed = false;
    switch (verdict) {
    case tp::CaqmVerdict::Granted:
      ++counters_.caqm_granted;
      break;
    case tp::CaqmVerdict::Denied:
    case tp::CaqmVerdict::DeniedMarked:
      ++counters_.caqm_denied;
      changed = true;
      break;
    case tp::CaqmVerdict::Congested:
      ++counters_.caqm_congested;
      changed = true;
      break;
    case tp::CaqmVerdict::Ignored:
    case tp::CaqmVerdict::AlreadyCongested:
    case tp::CaqmVerdict::Passed:
      break;
    }
    if (changed) {
      const std::uint16_t raw = nl::pack_cci(cci);
      nth[at] = static_cast<Byte>(raw >> 8U);
      nth[at + 1] = static_cast<Byte>(raw & 0xFFU);
    }
  }
  // FECN marking on dequeue (§6.6, switch_marking.hpp): switches only.
  if (p_.sw.ecn_threshold_bytes != 0 && !pt.is_endpoint) {
    Byte* nth = p.head.data() + kLph;
    // CCI sits in bytes 4..5 of both NTH forms (Tables 5-2, 5-3), big-endian.
    const std::size_t at = cfg_ == 6 ? 4 : 6;
    nl::Cci cci =
        nl::unpack_cci(static_cast<std::uint16_t>((unsigned{nth[at]} << 8U) | nth[at + 1]));
    const bool last = ep_of_node_[ports_[pt.peer].node] != kNone;
    if (tp::fecn_on_dequeue(cci, pt.queued_bytes, last, red_, rng_)) {
      const std::uint16_t raw = nl::pack_cci(cci);
      nth[at] = static_cast<Byte>(raw >> 8U);
      nth[at + 1] = static_cast<Byte>(raw & 0xFFU);
      ++stats_[port].marks;
      ++counters_.marks;
    }
  }
  // This hop's LPH (§4.3.2.2.2): the sender writes it, with the packet's VL on this link. Only
  // the VL can differ from what the wire holds (a dateline raised it), so the LPH is rewritten
  // only then: the bytes are the same either way, and the untouched packet stays out of cache.
  if (p.lph_vl != p.vl) {
    auto lph = Codec<dl::Lph>::decode(std::span<const Byte>(p.head).first(kLph));
    if (lph) {
      lph->vl = p.vl;
      (void)Codec<dl::Lph>::encode(*lph, std::span<Byte>(p.head).first(kLph));
    }
    p.lph_vl = p.vl;
  }
  const Time ser = serialisation(pt, p.flits);
  PortStats& s = stats_[port];
  ++s.tx_packets;
  s.tx_bytes += std::uint64_t{p.flits} * dl::kFlitBytes;
  s.busy += ser;
  ++counters_.packet_hops;
  Time done = now + ser;
  // Bit errors on this hop (§4.7): a retry resends it and keeps the link busy; without retry
  // the receiver drops it.
  bool lost = false;
  if (pt.ber > 0) {
    const double bits = static_cast<double>(p.flits) * dl::kFlitBytes * 8;
    const double perr = -std::expm1(bits * std::log1p(-pt.ber));
    if (rng_.uniform() < perr) {
      if (p_.link.retry) {
        const Time retry =
            p_.link.retry_delay.count() > 0 ? p_.link.retry_delay : pt.latency + pt.latency + ser;
        done += retry;
        s.busy += retry;
        ++s.retries;
        ++counters_.link_retries;
      } else {
        lost = true;
      }
    }
  }
  // The port is free again at `done`; it is looked at then only if it has more to send (an
  // enqueue in the meantime arms it), so an idle port costs no event per packet.
  pt.free_at = done;
  if (pt.queued_packets != 0) {
    arm(port, done);
  }
  if (lost) {
    ++s.drops;
    ++counters_.dropped_ber;
    // The receiver drops it; the sender's credit comes back as if it had been taken.
    schedule(done + pt.latency, kNetCredit, port, (std::uint64_t{v} << 32U) | p.cells);
    drop(id, now);
  } else {
    send_on(port, id, now, done, done != now + ser);
  }
  if (ready_ep != kNone) {
    client_.on_ready(ready_ep, now);
  }
}

void FabricNetwork::update_flit_time(Port& pt) noexcept {
  const std::uint64_t bps =
      pt.rate.bps / std::max<std::uint16_t>(pt.lanes, 1) * std::max<std::uint16_t>(pt.lanes_up, 1);
  constexpr std::uint64_t kFlitBitPs = std::uint64_t{dl::kFlitBytes} * 8 * 1'000'000'000'000ULL;
  pt.flit_time = bps != 0 && kFlitBitPs % bps == 0
                     ? Time{static_cast<std::int64_t>(kFlitBitPs / bps)}
                     : Time{0};
}

Time FabricNetwork::serialisation(const Port& pt, std::uint32_t flits) noexcept {
  if (pt.flit_time.count() != 0) {
    return pt.flit_time * flits; // exact: what time_for_bits gives, without its divisions
  }
  return BitRate{pt.rate.bps / std::max<std::uint16_t>(pt.lanes, 1) *
                 std::max<std::uint16_t>(pt.lanes_up, 1)}
      .time_for_bits(std::uint64_t{flits} * dl::kFlitBytes * 8);
}

void FabricNetwork::send_on(std::uint32_t port, std::uint32_t id, Time start, Time done,
                            bool retried) {
  const Port& pt = ports_[port];
  Packet& p = packets_[id];
  // Arrives after the link latency and the receiver's forwarding latency (a switch) or receive
  // pipeline (a controller), A-186.
  const Time fwd =
      ports_[pt.peer].is_endpoint ? p_.endpoint_processing : fwd_latency_[ports_[pt.peer].node];
  p.held_port = pt.peer;
  p.held_vl = p.vl;
  const Time at = done + pt.latency + fwd;
  Inbound& in = inbound_[pt.peer];
  if (in.head == in.q.size()) {
    in.q.clear();
    in.head = 0;
  } else if (in.head >= 64 && 2 * std::size_t{in.head} >= in.q.size()) {
    // A link that never drains: drop the arrived prefix (amortised, the queue stays small).
    in.q.erase(in.q.begin(), in.q.begin() + in.head);
    in.head = 0;
  }
  if (in.q.empty()) {
    in.q.push_back(Arrival{at, id});
    schedule(at, kNetArrive, pt.peer, kInbound);
  } else if (at >= in.q.back().at) {
    in.q.push_back(Arrival{at, id}); // scheduled when the ones before it have arrived
  } else {
    schedule(at, kNetArrive, pt.peer, id); // out of order (not expected): an event of its own
  }
  if (tx_observer_) {
    tx_observer_(TxRecord{start, at, port, p.seq, p.flits, p.vl, retried});
  }
  hash_ = mix64(hash_ ^
                ((std::uint64_t{port} << 32U) ^ p.seq ^ static_cast<std::uint64_t>(done.count())));
}

void FabricNetwork::release(std::uint32_t pkt, Time now) {
  Packet& p = packets_[pkt];
  const std::uint32_t in = p.held_port;
  if (in == kNone) {
    return;
  }
  p.held_port = kNone;
  const Port& ip = ports_[in];
  if (ip.peer == kNone) {
    return;
  }
  const std::uint32_t up = ip.peer;
  const Time at = now + ip.latency;
  vlq_[std::size_t{up} * vls_ + p.held_vl].returning.push_back(CreditReturn{at, p.cells});
  Port& upstream = ports_[up];
  upstream.returning_vls = static_cast<std::uint16_t>(upstream.returning_vls | (1U << p.held_vl));
  if (upstream.queued_packets != 0) {
    // It may be waiting for exactly these cells: look when they arrive (or when its current
    // packet is out, if later). A no-op when a look at or before then is due anyway.
    arm(up, std::max(at, upstream.free_at));
  }
}

void FabricNetwork::drop(std::uint32_t pkt, Time now) {
  release(pkt, now);
  free_packet(pkt);
}

void FabricNetwork::arrive(std::uint32_t port, std::uint32_t id, Time now) {
  Packet& p = packets_[id];
  const NodeId at = ports_[port].node;
  // Decode what a receiver reads: the LPH, then the NTH it names.
  const auto lph = Codec<dl::Lph>::decode(std::span<const Byte>(p.head).first(kLph));
  const std::span<const Byte> nth_bytes(p.head.data() + kLph, nth_bytes_);
  NthView nth;
  bool ok = lph.has_value() && lph->cfg == cfg_ && p.bytes >= kLph + nth_bytes_ + kIcrc;
  if (ok) {
    const auto view =
        cfg_ == 6 ? decode_nth<nl::NthCna16>(nth_bytes) : decode_nth<nl::NthCna24>(nth_bytes);
    ok = view.has_value();
    if (ok) {
      nth = *view;
    }
  }
  if (!ok) {
    ++counters_.dropped_bad_packet;
    drop(id, now);
    return;
  }
  if (nth.dcna == topo_.node(at).cna) {
    // The destination (§5.3.4): check the ICRC, hand the rest to the transport.
    PacketBody& cold = bodies_[id]; // where the packet ends: its body is read here only
    const std::uint32_t icrc = nl::compute_icrc(cfg_, nth_bytes, cold.transport());
    const std::uint32_t ep = ep_of_node_[at];
    const auto src_node = topo_.node_by_cna(static_cast<Cna>(nth.scna));
    if (icrc != nl::load_icrc(cold.icrc.data()) || ep == kNone || !src_node ||
        ep_of_node_[*src_node] == kNone) {
      ++counters_.dropped_bad_packet;
      drop(id, now);
      return;
    }
    ta::NetPacket& out = delivery_;
    out.src = ep_of_node_[*src_node];
    out.dst = ep;
    // The body becomes the delivery's bytes (the slot keeps the delivery's old buffer, which
    // send() overwrites), or the delivery takes the share: no copy of the packet.
    out.bytes.swap(cold.body);
    out.shared = std::move(cold.shared);
    cold.shared = {};
    out.control = cold.control;
    out.entropy = nth.lbf;
    out.rt = lph->rt;
    out.cci = nl::unpack_cci(nth.cci);
    out.vl = lph->vl;
    out.sl = nth.sl;
    ++counters_.delivered;
    const std::uint64_t tag = cold.tag;
    drop(id, now); // the controller took it: its cells go back
    client_.on_deliver(ep, out, tag, now);
    out.shared = {}; // the sender's copy is not kept alive by the last delivery
    return;
  }
  if (!topo_.node(at).forwards) {
    ++counters_.dropped_no_route;
    drop(id, now);
    return;
  }
  const std::uint32_t out = route(at, id, static_cast<std::uint16_t>(nth.scna),
                                  static_cast<std::uint16_t>(nth.dcna), nth.lbf, lph->rt);
  if (out == kNone) {
    ++counters_.dropped_no_route;
    drop(id, now);
    return;
  }
  // MODEL: with vl_cycle_break on, a packet moves up one VL each time it goes from a
  // node to one with a lower id (a dateline), which breaks the credit cycle of a ring.
  if (p_.sw.vl_cycle_break != 0 && ports_[out].peer != kNone &&
      ports_[ports_[out].peer].node < at && p.vl + 1U < vls_) {
    ++p.vl;
  }
  enqueue(out, id, now);
}

void FabricNetwork::handle(const Event& e) {
  const Time now = e.time;
  switch (e.body.kind) {
  case kNetTxDone: {
    Port& pt = ports_[e.body.target];
    if (e.body.payload != pt.epoch || now != pt.armed_at) {
      return; // the link went down meanwhile, or an earlier look replaced this one
    }
    pt.armed_at = kNever;
    try_send(e.body.target, now);
    return;
  }
  case kNetArrive: {
    std::uint32_t id = static_cast<std::uint32_t>(e.body.payload);
    if (e.body.payload == kInbound) {
      Inbound& in = inbound_[e.body.target];
      id = in.q[in.head].id;
      ++in.head;
      if (in.head < in.q.size()) {
        schedule(in.q[in.head].at, kNetArrive, e.body.target, kInbound);
      }
    }
    const Port& pt = ports_[e.body.target];
    if (!pt.up || packets_[id].held_port != e.body.target) {
      // Lost with its link (§4.8.4).
      ++counters_.dropped_link_down;
      ++stats_[e.body.target].drops;
      packets_[id].held_port = kNone;
      free_packet(id);
      return;
    }
    arrive(e.body.target, id, now);
    return;
  }
  case kNetCredit: {
    const auto vl = static_cast<std::uint32_t>(e.body.payload >> 32U);
    VlQueue& q = vlq_[std::size_t{e.body.target} * vls_ + vl];
    q.credits = std::min(buffer_cells_, q.credits + static_cast<std::uint32_t>(e.body.payload));
    try_send(e.body.target, now);
    return;
  }
  default:
    return;
  }
}

void FabricNetwork::link_down_port(std::uint32_t port, Time now) {
  Port& pt = ports_[port];
  pt.up = false;
  pt.free_at = std::min(pt.free_at, now);
  pt.armed_at = kNever;
  ++pt.epoch;
  // Everything queued here is lost (§4.8.4 drops the data link's queues).
  for (std::uint32_t v = 0; v < vls_; ++v) {
    VlQueue& q = vlq_[std::size_t{port} * vls_ + v];
    std::uint32_t id = q.head;
    while (id != kNone) {
      const std::uint32_t next = packets_[id].next;
      ++counters_.dropped_link_down;
      ++stats_[port].drops;
      if (packets_[id].held_port == kNone) {
        const std::uint32_t ep = ep_of_node_[pt.node];
        if (ep != kNone && ep_queued_[ep]-- == p_.endpoint_queue_packets) {
          client_.on_ready(ep, now);
        }
      }
      drop(id, now);
      id = next;
    }
    q.head = q.tail = kNone;
    q.credits = buffer_cells_;
    q.returning.clear();
    q.returning_head = 0;
  }
  pt.queued_vls = 0;
  pt.returning_vls = 0;
  pt.queued_bytes = 0;
  pt.queued_packets = 0;
}

void FabricNetwork::set_link_up(LinkId link, bool up, Time now) {
  const Link& l = topo_.link(link);
  const auto a = static_cast<std::uint32_t>(global_port(l.a));
  const auto b = static_cast<std::uint32_t>(global_port(l.b));
  if (!up) {
    link_down_port(a, now);
    link_down_port(b, now);
    return;
  }
  for (const std::uint32_t g : {a, b}) {
    Port& pt = ports_[g];
    if (!pt.up) {
      pt.up = true;
      ++pt.epoch;
      for (std::uint32_t v = 0; v < vls_; ++v) {
        vlq_[std::size_t{g} * vls_ + v].credits = buffer_cells_;
      }
    }
  }
}

void FabricNetwork::set_link_ber(LinkId link, double ber) {
  const Link& l = topo_.link(link);
  ports_[global_port(l.a)].ber = ber;
  ports_[global_port(l.b)].ber = ber;
}

void FabricNetwork::set_link_lanes(LinkId link, std::uint16_t lanes) {
  const Link& l = topo_.link(link);
  for (const PortRef r : {l.a, l.b}) {
    Port& pt = ports_[global_port(r)];
    pt.lanes_up = std::min(lanes, pt.lanes);
    update_flit_time(pt);
  }
}

void FabricNetwork::set_node_up(NodeId node, bool up, Time now) {
  const Node& n = topo_.node(node);
  for (PortIndex k = 0; k < n.port_count; ++k) {
    const LinkId l = topo_.port_link(PortRef{node, k});
    if (l != kNoLink) {
      set_link_up(l, up, now);
    }
  }
}

} // namespace ub::sim
