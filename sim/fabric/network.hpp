#pragma once
// The fabric's network: UB switches, the forwarding part of endpoints, and the links between
// them, carrying wire bytes (issue 6, "Components").
//
// Model (packet granularity; A-185..A-189 in docs/spec-coverage.md):
//   - A packet is its wire bytes: LPH | NTH | what the transport built | ICRC (UB-Base-2.0
//     App. B). The source encodes the NTH (CNA24 for RTP/UTP in CFG 7, CNA16 for CTP in CFG 6,
//     §5.2) and the ICRC (§5.3.4); every hop's receiver decodes the LPH and the NTH to route,
//     and re-encodes the LPH (and the NTH's CCI when it marks) as it sends the packet on. The
//     destination checks the ICRC and hands the bytes after the NTH to the transport.
//   - Serialisation: the packet's DLLDP geometry (flits, LBHs, BCRCs, §4.3.2) in the link's
//     block mode, at the link's rate; then the link's latency. Store and forward.
//   - Credits (§4.6): per link direction and VL, the receiver's VL input buffer in cells; a
//     packet leaves only with credit for all its cells; the cells come back (after the link's
//     latency) when the packet leaves that buffer (sent on, or taken by the endpoint).
//   - Routing (§5.2): the receiving node looks up the DCNA; the LPH RT picks the path set (all
//     or shortest) and per-flow or per-packet choice; the selector picks among the ports (a hash
//     over SCNA, DCNA and LBF; per-packet adds the packet's sequence; or adaptive: least queued
//     bytes, ties by hash; or pinned: the first port). Ports whose link is down are skipped.
//   - Output ports: a FIFO per VL, VL arbitration by the data link's own VlArbiter (strict
//     priority or DWRR, §4.5.3), FECN marking on dequeue by the transport's switch_marking
//     (RED over the port's queued bytes, §6.6), forwarding latency per switch.
//   - Link faults: down (queued and in-flight packets on it are lost, §4.8.4; routes avoid it),
//     up (credits re-initialised), BER (each packet errs with 1 - (1 - BER)^bits: with link retry
//     on it is resent after the retry delay and the link stays busy (§4.7); with retry off it is
//     dropped), lane loss (the rate scales with the lanes left).

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "protocol/common/rng.hpp"
#include "protocol/common/units.hpp"
#include "protocol/dl/block_mode.hpp"
#include "protocol/dl/vl_arbiter.hpp"
#include "protocol/ta/transport.hpp"
#include "protocol/tp/cc/switch_marking.hpp"
#include "sim/config_error.hpp"
#include "sim/engine/event_queue.hpp"
#include "sim/scenario/scenario.hpp"
#include "sim/topology/routing.hpp"
#include "sim/topology/topology.hpp"

namespace ub::sim {

// The event kinds the network schedules (EventBody::kind); the fabric's own kinds start at 16.
enum NetEvent : std::uint16_t {
  kNetTxDone = 1, // a look at a port (its packet is out, or credits are back): target: global
                  // port; payload: the port's epoch (stale after a link down)
  kNetArrive = 2, // target: global port (the receiving end); payload: packet slot, or all ones
                  // for the first of the port's inbound queue
  kNetCredit = 3, // target: global port (the sender); payload: vl << 32 | cells
  kNetRetry = 4,  // target: global port; payload: packet slot (resent after a link retry)
};

// What the network tells the layer above (the controllers).
class NetworkClient {
public:
  virtual ~NetworkClient() = default;
  // A packet for endpoint `ep` arrived intact: `p.bytes` is what its transport built; `tag` is
  // what the sender passed to send() (simulator bookkeeping, not on the wire). `p` is the
  // network's own buffer, valid during the call only (reused, so delivering allocates nothing).
  virtual void on_deliver(std::uint32_t ep, const ta::NetPacket& p, std::uint64_t tag,
                          Time now) = 0;
  // Endpoint `ep` may send again (its port queues fell below the limit).
  virtual void on_ready(std::uint32_t ep, Time now) = 0;
};

struct NetworkParams {
  LinkLayerSpec link{};
  SwitchSpec sw{};
  TransportKind transport = TransportKind::Rtp;
  dl::BlockMode block_mode = dl::BlockMode::Crc30;
  // MODEL: packets an endpoint may have queued on its ports before the transport is held back.
  std::uint32_t endpoint_queue_packets = 8;
  // MODEL: a controller's receive pipeline, from the packet's tail to its transport.
  Time endpoint_processing{0};
  std::uint64_t seed = 1;
  // C-AQM (sw.caqm): the hosts' MTU and Hint unit, which the switches' credit counts in.
  std::uint32_t mtu = 4096;
  std::uint32_t caqm_hint_unit = 32;
};

// One link transmission, for observers (tests, traces).
struct TxRecord {
  Time start{0};            // serialisation starts
  Time arrive{0};           // the tail reaches the next node's forwarding logic or transport
  std::uint32_t port = 0;   // global port sending
  std::uint64_t packet = 0; // injection sequence number
  std::uint32_t flits = 0;
  std::uint8_t vl = 0;
  bool retried = false;
};

struct PortStats {
  std::uint64_t tx_packets = 0, tx_bytes = 0; // wire bytes (flits x 20)
  Time busy{0};                               // time spent serialising
  std::uint64_t max_queue_bytes = 0;
  std::uint64_t credit_stalls = 0; // a VL had a packet and no credit when the port was free
  std::uint64_t marks = 0;         // FECN marks made on dequeue
  std::uint64_t drops = 0;         // lost on this port (link down, BER without retry)
  std::uint64_t retries = 0;       // link retries (BER with retry)
};

struct NetworkCounters {
  std::uint64_t injected = 0, delivered = 0;
  std::uint64_t packet_hops = 0; // link transmissions
  std::uint64_t dropped_link_down = 0, dropped_ber = 0, dropped_no_route = 0;
  std::uint64_t dropped_bad_packet = 0; // a receiver's decode or ICRC check failed
  std::uint64_t link_retries = 0, marks = 0, credit_stalls = 0;
  // C-AQM verdicts of the switches (§5.3.5.3): a request kept, a request cleared (with or
  // without C), C set for a negative credit.
  std::uint64_t caqm_granted = 0, caqm_denied = 0, caqm_congested = 0;
};

class FabricNetwork {
public:
  // `topo` and `routing` must outlive the network. Errors name the scenario key (e.g. a VL
  // buffer smaller than the largest packet: "link.vl_buffer_bytes").
  [[nodiscard]] static ConfigResult<std::unique_ptr<FabricNetwork>>
  make(const Topology& topo, const Routing& routing, const NetworkParams& p,
       std::span<const RouteEntry> routes, EventQueue& events, NetworkClient& client);

  // The largest transport payload (NetPacket::bytes) a packet may carry.
  [[nodiscard]] std::uint32_t max_net_bytes() const noexcept { return max_net_bytes_; }
  [[nodiscard]] std::uint32_t endpoints() const noexcept {
    return static_cast<std::uint32_t>(ep_nodes_.size());
  }
  [[nodiscard]] NodeId endpoint_node(std::uint32_t ep) const noexcept { return ep_nodes_[ep]; }

  // True while endpoint `ep` may hand over another packet.
  [[nodiscard]] bool can_send(std::uint32_t ep) const noexcept {
    return ep_queued_[ep] < p_.endpoint_queue_packets;
  }
  // Encodes `pk` (its dst is an endpoint index) and queues it on the right port of `ep` (its
  // bytes are copied onto the wire: the caller keeps `pk`).
  void send(std::uint32_t ep, const ta::NetPacket& pk, Time now, std::uint64_t tag = 0);
  // The same, taking the packet's bytes (its buffer, or its share of the sender's copy): the
  // packet is not copied.
  void send(std::uint32_t ep, ta::NetPacket&& pk, Time now, std::uint64_t tag = 0);

  // Runs one of the network's events (kind < 16).
  void handle(const Event& e);

  // Faults. `link` is a topology link id.
  void set_link_up(LinkId link, bool up, Time now);
  void set_link_ber(LinkId link, double ber);
  void set_link_lanes(LinkId link, std::uint16_t lanes);
  void set_node_up(NodeId node, bool up, Time now); // every link of the node
  // Settings of one node or port that differ from the scenario's (imported ns-3 cases).
  void set_forwarding_latency(NodeId node, Time t) { fwd_latency_[node] = t; }
  void set_port_rate(PortRef port, BitRate rate) {
    Port& pt = ports_[global_port(port)];
    pt.rate = rate;
    update_flit_time(pt);
  }

  [[nodiscard]] const NetworkCounters& counters() const noexcept { return counters_; }
  [[nodiscard]] const PortStats& port_stats(std::size_t global_port) const noexcept {
    return stats_[global_port];
  }
  [[nodiscard]] std::size_t ports() const noexcept { return ports_.size(); }
  // Packets queued or on the wire anywhere.
  [[nodiscard]] std::uint64_t in_flight() const noexcept { return live_packets_; }
  [[nodiscard]] std::uint64_t queued_bytes(std::size_t global_port) const noexcept {
    return ports_[global_port].queued_bytes;
  }
  [[nodiscard]] std::size_t global_port(PortRef p) const noexcept {
    return topo_.node(p.node).first_port + p.port;
  }
  [[nodiscard]] std::uint64_t fingerprint() const noexcept { return hash_; }
  // Called on every link transmission (none by default).
  void set_tx_observer(std::function<void(const TxRecord&)> f) { tx_observer_ = std::move(f); }

private:
  static constexpr std::uint32_t kNone = 0xFFFF'FFFFU;

  static constexpr std::size_t kLphBytes = 4; // the LPH (§4.3.2.2.2)
  // The LPH and the largest NTH (NTH_CNA24, 10 bytes) fit here.
  static constexpr std::size_t kHeadMax = 16;
  // A packet in flight, in two parts, as a switch keeps a packet's header apart from its
  // payload. `Packet` is what every hop reads: `head` holds the LPH and the NTH (kLph +
  // nth_bytes_ bytes), which every hop decodes and a switch may rewrite. `PacketBody` (in
  // bodies_, at the same index) is read only where the packet starts and ends: the transport
  // bytes and the ICRC, and the sender's bookkeeping. A hop then touches one cache line of the
  // packet (the payload was a cache miss on every hop, a tenth of a large run).
  struct alignas(64) Packet {
    std::array<Byte, kHeadMax> head{};
    std::uint64_t seq = 0; // injection order (per-packet path choice)
    std::uint32_t next = kNone;
    std::uint32_t held_port = kNone; // global port whose input buffer holds it (kNone: source)
    std::uint32_t dst_node = 0;
    std::uint32_t bytes = 0; // on the wire: LPH, NTH, body
    std::uint16_t flits = 0;
    std::uint16_t cells = 0;
    std::uint8_t vl = 0;
    std::uint8_t held_vl = 0; // the VL whose input buffer holds it (vl may rise at a dateline)
    std::uint8_t lph_vl = 0;  // the VL its wire LPH carries (rewritten when vl changed)
    // Sent on an APR detour port: every later hop takes the shortest set, as APR's source
    // routing header would have it. Simulator bookkeeping, not on the wire.
    bool detoured = false;
  };
  static_assert(sizeof(Packet) == 64);
  struct PacketBody {
    // The transport bytes: `body`, or the sender's shared copy (`shared`, then body is empty);
    // then the ICRC.
    std::vector<Byte> body;
    SharedBytes shared;
    std::array<Byte, 4> icrc{};
    std::uint64_t tag = 0; // the sender's bookkeeping (not on the wire)
    bool control = false;
    [[nodiscard]] std::span<const Byte> transport() const noexcept {
      return shared.empty() ? std::span<const Byte>(body) : shared.view();
    }
  };
  struct Port {
    NodeId node = 0;
    std::uint32_t peer = kNone; // global port at the other end of the link
    LinkId link = kNoLink;
    Time latency{0};
    BitRate rate{};
    std::uint16_t lanes = 0, lanes_up = 0;
    // One flit's serialisation time at the current rate and lanes when that is a whole number
    // of picoseconds (then a packet's is flits x this, exactly); 0: computed per packet.
    Time flit_time{0};
    bool up = true;
    Time free_at{0};        // when its current transmission ends (free when <= now)
    Time armed_at = kNever; // when its pending kNetTxDone look is due (kNever: none)
    bool is_endpoint = false;
    double ber = 0;
    std::uint64_t queued_bytes = 0;
    std::uint32_t queued_packets = 0;
    // Bit v: VL v's queue holds a packet / VL v's `returning` list holds a credit return. The
    // sending path visits only those VLs (in ascending order, as a scan of all would) rather
    // than every VL's queue: with 16 VLs that scan was a tenth of the fabric's instructions.
    std::uint16_t queued_vls = 0;
    std::uint16_t returning_vls = 0;
    std::uint64_t epoch = 0; // bumped at link down: stale events of the old link are ignored
    dl::VlArbiter arbiter{dl::VlArbitration::StrictPriority, {}};
  };
  struct CreditReturn {
    Time at{0};
    std::uint32_t cells = 0;
  };
  struct VlQueue {
    std::uint32_t head = kNone, tail = kNone;
    std::uint32_t credits = 0; // cells the peer's input buffer has free for us
    // Credits on their way back (in time order), taken when the port next looks: an event is
    // scheduled only for a port that waits for them (most returns then cost no event).
    std::vector<CreditReturn> returning;
    std::uint32_t returning_head = 0;
  };

  FabricNetwork(const Topology& topo, const Routing& routing, const NetworkParams& p,
                EventQueue& events, NetworkClient& client);

  std::uint32_t alloc_packet();
  void free_packet(std::uint32_t id);
  void enqueue(std::uint32_t port, std::uint32_t pkt, Time now);
  void try_send(std::uint32_t port, Time now);
  static void update_flit_time(Port& pt) noexcept;
  [[nodiscard]] static Time serialisation(const Port& pt, std::uint32_t flits) noexcept;
  // Schedules a look at `port` (try_send) at `at` unless one at or before `at` is pending.
  void arm(std::uint32_t port, Time at);
  void send_on(std::uint32_t port, std::uint32_t pkt, Time start, Time done, bool retried);
  void arrive(std::uint32_t port, std::uint32_t pkt, Time now);
  void release(std::uint32_t pkt, Time now); // its input-buffer cells go back upstream
  void absorb_credits(std::uint32_t port, Time now) noexcept;
  void drop(std::uint32_t pkt, Time now);
  [[nodiscard]] std::uint32_t route(NodeId at, std::uint32_t pkt, std::uint16_t scna,
                                    std::uint16_t dcna, std::uint8_t lbf, std::uint8_t rt);
  void schedule(Time at, NetEvent kind, std::uint32_t target, std::uint64_t payload);
  void link_down_port(std::uint32_t port, Time now);

  const Topology& topo_;
  const Routing& routing_;
  NetworkParams p_;
  EventQueue& events_;
  NetworkClient& client_;
  Rng rng_;
  std::vector<NodeId> ep_nodes_;          // endpoint index -> node
  std::vector<std::uint32_t> ep_of_node_; // node -> endpoint index, or kNone
  std::vector<std::uint32_t> ep_queued_;
  std::vector<Port> ports_;
  std::vector<VlQueue> vlq_; // port x vls
  // Packets on their way to a port, in arrival order (a link delivers in order): only the first
  // has an event queued, so the event queue holds one arrival per busy link, not one per packet.
  struct Arrival {
    Time at{0};
    std::uint32_t id = 0;
  };
  struct Inbound {
    std::vector<Arrival> q;
    std::uint32_t head = 0;
  };
  std::vector<Inbound> inbound_; // per receiving port
  std::vector<PortStats> stats_;
  // Per port, the C-AQM credit of a switch's egress (sw.caqm; empty otherwise; endpoint ports
  // hold one that is never used).
  std::vector<tp::CaqmSwitchPort> caqm_;
  std::vector<Packet> packets_;
  std::vector<PacketBody> bodies_; // packets_'s bodies, at the same index
  std::vector<std::uint32_t> free_;
  std::unordered_map<std::uint64_t, std::vector<PortIndex>> routes_; // (at << 32 | dest)
  // routes_ flattened into a table indexed by at * node count + dest, for fabrics of up to
  // kDenseRouteSlots (node, destination) pairs (then routes_ is emptied): a hop's lookup is one
  // read instead of a hash probe and a walk to the entry's own vector. `count` 0: no entry.
  static constexpr std::size_t kDenseRouteSlots = std::size_t{1} << 20U;
  struct RouteSlot {
    std::uint32_t first = 0;
    std::uint32_t count = 0;
  };
  std::vector<RouteSlot> route_slots_;
  std::vector<PortIndex> route_ports_;
  std::uint32_t vls_ = 1;
  std::uint32_t buffer_cells_ = 0;
  std::uint32_t max_net_bytes_ = 0;
  std::uint8_t cfg_ = 7;
  std::size_t nth_bytes_ = 10;
  void send_taking(std::uint32_t ep, const ta::NetPacket& pk, ta::NetPacket* take, Time now,
                   std::uint64_t tag);
  std::uint64_t live_packets_ = 0;
  std::uint64_t seq_ = 0;
  std::uint64_t hash_ = 0xcbf29ce484222325ULL;
  ta::NetPacket delivery_; // handed to on_deliver; its bytes keep their capacity
  tp::RedParams red_{};
  NetworkCounters counters_{};
  std::vector<std::uint64_t> salt_; // per node: its multipath hash seed
  std::vector<Time> fwd_latency_;   // per node: its forwarding latency (switches)
  std::function<void(const TxRecord&)> tx_observer_;
};

} // namespace ub::sim
