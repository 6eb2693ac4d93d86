// The fabric simulator (fabric_sim.hpp).

#include "sim/fabric/fabric_sim.hpp"

#include <algorithm>
#include <chrono>
#include <map>
#include <memory>
#include <set>
#include <sys/resource.h>
#include <unordered_map>

#include "protocol/ta/oracle.hpp"
#include "protocol/ta/ta_endpoint.hpp"
#include "protocol/ta/ta_opcode.hpp"
#include "protocol/ta/ta_packet.hpp"
#include "protocol/ta/transport_ctp.hpp"
#include "protocol/ta/transport_rtp.hpp"
#include "protocol/ta/transport_utp.hpp"
#include "protocol/tp/rto.hpp"
#include "protocol/tp/rtph.hpp"
#include "sim/engine/fingerprint.hpp"
#include "sim/engine/rng_streams.hpp"

namespace ub::sim {

std::string_view to_string(SimStop s) noexcept {
  switch (s) {
  case SimStop::Completed:
    return "completed";
  case SimStop::EndTime:
    return "end_time";
  case SimStop::MaxEvents:
    return "max_events";
  case SimStop::Deadlock:
    return "deadlock";
  case SimStop::Idle:
    return "idle";
  }
  return "?";
}

namespace {

// The fabric's own event kinds (the network's are below 16).
enum SimEvent : std::uint16_t {
  kTimer = 16,     // target: endpoint; payload: the time it was set for
  kFlowStart = 17, // target: flow
  kFlowTick = 18,  // target: flow (open loop: the next operation is due)
  kFault = 19,     // target: index into the scenario's faults
  kSample = 20,    // time series and the stall watch
};

// MODEL: every endpoint exposes one memory segment and one receive Jetty to every other.
constexpr std::uint32_t kToken = 1;
constexpr std::uint32_t kTokenValue = 0x7E57;
constexpr std::uint32_t kJetty = 1;
constexpr std::uint32_t kJettyToken = 0x1E77;
constexpr std::uint64_t kPaBase = 0x4000'0000;
constexpr std::uint64_t kSegmentBytes = 1ULL << 20U;

ConfigError key_error(std::string key, std::string reason) {
  return ConfigError{"", 0, std::move(key), std::move(reason)};
}

// The process's peak resident set so far, in KiB (Linux reports ru_maxrss in KiB: the VmHWM of
// /proc/self/status, read with one system call instead of opening and parsing that file, which
// was a tenth of a small fuzzed scenario's run).
std::size_t peak_rss_kb() {
  rusage u{};
  if (getrusage(RUSAGE_SELF, &u) != 0 || u.ru_maxrss < 0) {
    return 0;
  }
  return static_cast<std::size_t>(u.ru_maxrss);
}

// The RTP retransmission algorithm a scenario asks for: with `auto`, go-back-N that
// recovers by RTO only when a flow's packets may overtake each other (per-packet RT, adaptive
// selection), so reordering is not taken for loss; otherwise go-back-N with fast retransmit.
tp::RetxAlgo rtp_retx(const Scenario& sc) {
  switch (sc.endpoint.retx) {
  case RetxChoice::GbnFast:
    return tp::RetxAlgo::GbnFast;
  case RetxChoice::GbnRto:
    return tp::RetxAlgo::GbnRto;
  case RetxChoice::SelectiveFast:
    return tp::RetxAlgo::SelectiveFast;
  case RetxChoice::SelectiveRto:
    return tp::RetxAlgo::SelectiveRto;
  case RetxChoice::Auto:
    break;
  }
  const bool reorders = (sc.switches.rt & 1U) != 0 || sc.switches.selector == Selector::Adaptive;
  return reorders ? tp::RetxAlgo::GbnRto : tp::RetxAlgo::GbnFast;
}

std::uint8_t opcode_of(OpKind k) {
  switch (k) {
  case OpKind::Write:
  case OpKind::Store:
    return static_cast<std::uint8_t>(ta::TaOpcode::Write);
  case OpKind::Read:
  case OpKind::Load:
    return static_cast<std::uint8_t>(ta::TaOpcode::Read);
  case OpKind::Send:
    return static_cast<std::uint8_t>(ta::TaOpcode::Send);
  case OpKind::FetchAdd:
    return static_cast<std::uint8_t>(ta::TaOpcode::AtomicFetchAdd);
  }
  return static_cast<std::uint8_t>(ta::TaOpcode::Write);
}

} // namespace

struct FabricSim::Impl final : NetworkClient {
  struct FlowState {
    Flow spec;
    FlowResult res;
    std::uint32_t deps_left = 0;
    std::vector<std::uint32_t> dependants;
    std::uint64_t posted = 0;
    std::uint32_t outstanding = 0;
    std::uint32_t window = 0;
    std::uint32_t queue = 0; // the initiator queue at its source
    Time next_due{0};        // open loop
    bool tick_pending = false;
    // Packet model: packets of the op being sent, and per op the packets still to arrive and
    // when it was posted.
    std::uint32_t cur_left = 0;
    std::uint64_t cur_bytes = 0;
    std::vector<std::uint32_t> op_left;
    std::vector<Time> op_posted;
  };

  Scenario sc;
  const Topology& topo;
  Routing routing;
  EventQueue events;
  std::unique_ptr<FabricNetwork> net;
  std::unique_ptr<ta::Oracle> oracle;
  std::vector<std::unique_ptr<ta::TaEndpoint>> eps;
  std::vector<FlowState> flows;
  // A Write's data is one byte value repeated (op_of): the ops with the same value and length
  // share one buffer while any of them is alive (the initiator, the oracle and the RTP send
  // buffer hold it) instead of one copy each. Only memory changes, not a byte of any run.
  struct PayloadCache {
    std::map<std::pair<Byte, std::uint32_t>, std::weak_ptr<const std::vector<Byte>>> live;
    std::shared_ptr<const std::vector<Byte>> get(Byte value, std::uint32_t len) {
      auto& w = live[{value, len}];
      auto buf = w.lock();
      if (!buf) {
        buf = std::make_shared<const std::vector<Byte>>(len, value);
        w = buf;
      }
      return buf;
    }
  };
  PayloadCache payloads;
  struct Phase {
    std::uint32_t left = 0;             // flows of the phase not yet complete
    std::vector<std::uint32_t> waiting; // flows that wait for the whole phase
  };
  std::vector<Phase> phases;
  std::vector<std::vector<std::uint32_t>> flows_of_ep; // active flows by source endpoint
  // By flow id, 1 unless the flow's last look found its window full (or everything posted):
  // post_ops passes such a flow by without reading its state (a cold line per flow, up to 31
  // per endpoint in the Clos case, on every service) until a completion opens its window.
  std::vector<std::uint8_t> may_post;
  // By source endpoint, its active flows with may_post set: none, and post_ops returns at once.
  std::vector<std::uint32_t> postable;
  std::vector<std::uint32_t> recv_bytes; // by endpoint: its receive buffers' size
  std::unordered_map<std::uint64_t, std::uint8_t> pair_vl; // flows' priorities, by pair
  static std::uint64_t pair_key(std::uint32_t a, std::uint32_t b) noexcept {
    return (std::uint64_t{std::min(a, b)} << 32U) | std::max(a, b);
  }
  std::vector<Time> timer_at;
  std::vector<Time> fired_at; // when each endpoint's on_timeout last ran
  std::vector<std::uint8_t> in_service;
  std::vector<LinkId> fault_links;
  Fingerprint fp;
  SimResult res;
  std::uint64_t flows_done = 0;
  std::vector<std::uint64_t> last_tx; // per port, for the series
  std::uint64_t last_hops = 0;
  Time last_move{0};
  bool stop_deadlock = false;

  Impl(const Scenario& s, const Topology& t, Routing r) : sc(s), topo(t), routing(std::move(r)) {}

  // ---- NetworkClient ----
  void on_deliver(std::uint32_t ep, const ta::NetPacket& p, std::uint64_t tag, Time now) override {
    fp.add(DeliveryEvent{now, ep, p.src, res.net.delivered++, p.view().size()});
    if (packet_model) {
      packet_delivered(p, tag, now);
      return;
    }
    eps[ep]->on_receive(p, now);
    service(ep, now);
  }

  // ---- the packet endpoint model (A-196) ----
  // The bytes every packet of a flow carries above the network header: a UTPH and the TA
  // header of a Write, from the codecs, then the payload (zeros).
  std::vector<Byte> packet_header;
  ta::NetPacket packet_buf;
  bool packet_model = false;

  void packet_delivered(const ta::NetPacket& p, std::uint64_t tag, Time now) {
    // The receiving controller parses the transport header (the codec runs per packet).
    const auto h =
        Codec<tp::Utph>::decode(p.view().first(std::min(p.view().size(), Layout<tp::Utph>::kSize)));
    if (!h) {
      ++res.net.dropped_bad_packet;
      return;
    }
    const auto id = static_cast<std::uint32_t>(tag >> 32U);
    const std::uint64_t k = tag & 0xFFFF'FFFFULL;
    FlowState& f = flows[id];
    if (--f.op_left[k] != 0) {
      return;
    }
    ta::Completion c;
    c.id = tag;
    c.posted = f.op_posted[k];
    c.done = now;
    complete(c, now);
    service(f.spec.src, now);
  }

  // Sends what the source's active flows may send now, a packet per flow in turn.
  bool pump_packets(std::uint32_t ep, Time now) {
    auto& active = flows_of_ep[ep];
    bool any = false;
    bool progress = true;
    while (progress && net->can_send(ep)) {
      progress = false;
      for (std::size_t i = 0; i < active.size() && net->can_send(ep); ++i) {
        FlowState& f = flows[active[i]];
        if (f.cur_left == 0) {
          if (f.posted == f.res.ops || f.outstanding >= f.window) {
            continue;
          }
          if (f.spec.rate_bps != 0 && f.next_due > now) {
            if (!f.tick_pending) {
              f.tick_pending = true;
              schedule(f.next_due, kFlowTick, f.spec.id);
            }
            continue;
          }
          const std::uint64_t k = f.posted++;
          const std::uint64_t len = op_len(f, k);
          f.cur_left = static_cast<std::uint32_t>((len + sc.endpoint.mtu - 1) / sc.endpoint.mtu);
          f.cur_bytes = len;
          f.op_left[k] = f.cur_left;
          f.op_posted[k] = now;
          ++f.outstanding;
          if (f.spec.rate_bps != 0) {
            f.next_due =
                std::max(f.next_due, now) + BitRate{f.spec.rate_bps}.time_for_bits(len * 8);
          }
        }
        const std::uint64_t k = f.posted - 1;
        const auto payload =
            static_cast<std::size_t>(std::min<std::uint64_t>(f.cur_bytes, sc.endpoint.mtu));
        f.cur_bytes -= payload;
        --f.cur_left;
        // One buffer for every packet: past the header it only ever holds zeros (resize fills
        // what it adds with zeros), so only the header is written.
        ta::NetPacket& pk = packet_buf;
        pk.src = ep;
        pk.dst = f.spec.dst;
        pk.bytes.resize(packet_header.size() + payload);
        std::copy(packet_header.begin(), packet_header.end(), pk.bytes.begin());
        pk.entropy = static_cast<std::uint16_t>(f.spec.id);
        pk.vl = f.spec.priority;
        pk.sl = f.spec.priority;
        net->send(ep, pk, now, (std::uint64_t{f.spec.id} << 32U) | k);
        any = true;
        progress = true;
      }
    }
    std::erase_if(active, [&](std::uint32_t id) {
      return flows[id].posted == flows[id].res.ops && flows[id].cur_left == 0;
    });
    return any;
  }

  [[nodiscard]] static std::uint64_t op_len(const FlowState& f, std::uint64_t k) noexcept {
    return std::min<std::uint64_t>(f.spec.op_bytes, f.spec.bytes - k * f.spec.op_bytes);
  }
  void on_ready(std::uint32_t ep, Time now) override { service(ep, now); }

  void schedule(Time at, std::uint16_t kind, std::uint32_t target, std::uint64_t payload = 0) {
    (void)events.schedule(std::max(at, events.now()), EventBody{kind, target, payload});
  }

  // Everything an endpoint may do after an input: completions, new posts, transmissions, and
  // its next timer.
  void service(std::uint32_t ep, Time now) {
    if (in_service[ep] != 0) {
      return; // re-entered through the network's on_ready: the outer loop carries on
    }
    if (packet_model) {
      in_service[ep] = 1;
      pump_packets(ep, now);
      in_service[ep] = 0;
      return;
    }
    in_service[ep] = 1;
    ta::TaEndpoint& e = *eps[ep];
    bool blocked = false; // the last round stopped at a full port queue
    for (int round = 0; round < 1'000'000; ++round) {
      bool any = false;
      blocked = false;
      while (auto c = e.poll_completion()) {
        complete(*c, now);
        any = true;
      }
      if (post_ops(ep, now)) {
        any = true;
      }
      while (true) {
        if (!net->can_send(ep)) {
          blocked = true;
          break;
        }
        auto p = e.poll_transmit(now);
        if (!p) {
          break;
        }
        if (p->dst >= eps.size() || p->dst == ep) {
          continue; // misaddressed: nothing can carry it
        }
        if (!pair_vl.empty()) {
          // MODEL: the pair's traffic class, both ways (TP channels are per pair).
          const auto it = pair_vl.find(pair_key(ep, p->dst));
          if (it != pair_vl.end()) {
            p->vl = it->second;
            p->sl = it->second;
          }
        }
        net->send(ep, std::move(*p), now); // its bytes become the packet's body
        any = true;
      }
      if (!any) {
        break;
      }
    }
    // With the port's queue full, what only poll_transmit does (the target's due answers) waits
    // for the network's on_ready, which comes as soon as a packet leaves the queue; only the
    // timers need an event. (Polled as a timer, a full queue cost an event every nanosecond of
    // model time: 44% of a fat-tree all-to-all's events.)
    Time t = blocked ? e.next_timer() : e.next_timeout();
    if (t <= now && fired_at[ep] == now) {
      // Still due after firing at this very time (as TaNetwork, a timer whose work waits on
      // something else): try again 1 ns later rather than spin.
      t = now + Time{1'000};
      ++res.stalled_timers;
    }
    if (t != kNever && (timer_at[ep] == kNever || t < timer_at[ep] || timer_at[ep] < now)) {
      timer_at[ep] = std::max(t, now);
      schedule(timer_at[ep], kTimer, ep, static_cast<std::uint64_t>(timer_at[ep].count()));
    }
    in_service[ep] = 0;
  }

  // Posts what the source's active flows may post now; true if any was posted.
  bool post_ops(std::uint32_t ep, Time now) {
    bool any = false;
    if (postable[ep] == 0) {
      return false;
    }
    auto& active = flows_of_ep[ep];
    bool finished = false;
    for (std::size_t i = 0; i < active.size(); ++i) {
      if (may_post[active[i]] == 0) {
        continue; // its window was full at its last look and nothing completed since
      }
      FlowState& f = flows[active[i]];
      while (f.posted < f.res.ops && f.outstanding < f.window) {
        if (f.spec.rate_bps != 0 && f.next_due > now) {
          if (!f.tick_pending) {
            f.tick_pending = true;
            schedule(f.next_due, kFlowTick, f.spec.id);
          }
          break;
        }
        if (!post_one(f, now)) {
          break;
        }
        any = true;
      }
      if (f.posted == f.res.ops || f.outstanding >= f.window) {
        may_post[active[i]] = 0;
        --postable[ep];
        finished = finished || f.posted == f.res.ops;
      }
    }
    // Flows with everything posted leave the active list.
    if (finished) {
      std::erase_if(active,
                    [&](std::uint32_t id) { return flows[id].posted == flows[id].res.ops; });
    }
    return any;
  }

  bool post_one(FlowState& f, Time now) {
    const Flow& s = f.spec;
    ta::TxnOp op = op_of(s, f.posted, &payloads);
    const std::uint32_t length = op.length;
    if (!eps[s.src]->post(f.queue, std::move(op), now)) {
      return false;
    }
    if (s.op == OpKind::Send) {
      // One receive buffer per Send, posted before it can arrive, of the largest Send any flow
      // aims at this endpoint: the target consumes its one Jetty's buffers in arrival order
      // (§7.4.3), whoever posted them, and Sends may arrive out of order (per-packet routing
      // without RTP), so a buffer sized for one particular Send could meet a longer one.
      (void)eps[s.dst]->target().post_receive(kJetty, recv_bytes[s.dst]);
    }
    ++f.posted;
    ++f.outstanding;
    if (s.rate_bps != 0) {
      f.next_due =
          std::max(f.next_due, now) + BitRate{s.rate_bps}.time_for_bits(std::uint64_t{length} * 8);
    }
    return true;
  }

  // Operation k of flow s (its data from `cache` when given).
  [[nodiscard]] static ta::TxnOp op_of(const Flow& s, std::uint64_t k,
                                       PayloadCache* cache = nullptr) {
    const std::uint64_t off = k * s.op_bytes;
    const auto len = static_cast<std::uint32_t>(std::min<std::uint64_t>(s.op_bytes, s.bytes - off));
    ta::TxnOp op;
    op.id = (std::uint64_t{s.id} << 32U) | k;
    op.opcode = opcode_of(s.op);
    op.target = s.dst;
    op.token_id = kToken;
    op.token_value = kTokenValue;
    // MODEL: a flow walks its target's segment, wrapping, 64-byte aligned.
    const std::uint64_t span = kSegmentBytes - ((len + 63U) & ~63U);
    op.uba = span == 0 ? 0 : (((std::uint64_t{s.id} * 4096U) + off) % span) & ~63ULL;
    op.length = len;
    if (s.op == OpKind::Write || s.op == OpKind::Store || s.op == OpKind::Send) {
      const auto value = static_cast<Byte>(s.id * 31U + k);
      if (cache != nullptr) {
        op.shared_data = cache->get(value, len);
      } else {
        op.data.assign(len, value);
      }
    }
    if (s.op == OpKind::Send) {
      op.target_jetty = kJetty;
      op.token_value = kJettyToken;
    }
    if (s.op == OpKind::FetchAdd) {
      op.length = 8;
      op.uba = (std::uint64_t{s.id} % 512U) * 64U;
      op.data.assign(16, 0);
      op.data[0] = 1;
    }
    return op;
  }

  void complete(const ta::Completion& c, Time now) {
    const auto id = static_cast<std::uint32_t>(c.id >> 32U);
    if (id >= flows.size()) {
      return;
    }
    FlowState& f = flows[id];
    --f.outstanding;
    if (may_post[id] == 0 && f.posted < f.res.ops) {
      may_post[id] = 1; // still active (a flow leaves the list once everything is posted)
      ++postable[f.spec.src];
    }
    ++f.res.ops_done;
    f.res.last_op = now;
    OpClassStats& cls = res.classes[static_cast<std::size_t>(f.spec.op)];
    ++cls.ops;
    const std::uint64_t k = c.id & 0xFFFF'FFFFULL;
    const std::uint64_t len =
        std::min<std::uint64_t>(f.spec.op_bytes, f.spec.bytes - k * f.spec.op_bytes);
    if (c.status == fn::CqeStatus::Success) {
      cls.bytes += f.spec.op == OpKind::FetchAdd ? 8 : len;
    } else {
      ++cls.failed;
      ++f.res.ops_failed;
    }
    cls.latency_us.push_back(static_cast<double>((c.done - c.posted).count()) / 1e6);
    fp.add(DeliveryEvent{now, f.spec.src, id, k, len});
    if (f.res.ops_done == f.res.ops) {
      f.op_left = {};
      f.op_posted = {};
      f.res.done = true;
      f.res.end = now;
      ++flows_done;
      for (const std::uint32_t d : f.dependants) {
        release_dependant(d, now);
      }
      Phase& ph = phases[f.spec.phase];
      if (--ph.left == 0) {
        for (const std::uint32_t d : ph.waiting) {
          release_dependant(d, now);
        }
      }
    }
  }

  void release_dependant(std::uint32_t d, Time now) {
    FlowState& g = flows[d];
    if (--g.deps_left == 0) {
      schedule(now + g.spec.start, kFlowStart, d);
    }
  }

  void start_flow(std::uint32_t id, Time now) {
    FlowState& f = flows[id];
    if (packet_model) {
      f.op_left.assign(f.res.ops, 0);
      f.op_posted.assign(f.res.ops, Time{0});
    }
    f.res.started = true;
    f.res.start = now;
    f.next_due = now;
    flows_of_ep[f.spec.src].push_back(id);
    postable[f.spec.src] += may_post[id];
    service(f.spec.src, now);
  }

  void fault(std::size_t i, Time now) {
    const FaultEvent& fe = sc.faults[i];
    const LinkId l = fault_links[i];
    switch (fe.kind) {
    case FaultKind::LinkDown:
      net->set_link_up(l, false, now);
      break;
    case FaultKind::LinkUp:
      net->set_link_up(l, true, now);
      break;
    case FaultKind::Ber:
      net->set_link_ber(l, fe.value);
      break;
    case FaultKind::Lanes:
      net->set_link_lanes(l, static_cast<std::uint16_t>(fe.value));
      break;
    case FaultKind::SwitchDown:
    case FaultKind::SwitchUp:
      if (auto n = topo.find(fe.node)) {
        net->set_node_up(*n, fe.kind == FaultKind::SwitchUp, now);
      }
      break;
    }
  }

  void sample(Time now) {
    for (std::size_t p = 0; p < net->ports(); ++p) {
      const std::uint64_t tx = net->port_stats(p).tx_bytes;
      const std::uint64_t q = net->queued_bytes(p);
      if (tx != last_tx[p] || q != 0) {
        res.series.push_back(SeriesRow{now, static_cast<std::uint32_t>(p), tx - last_tx[p], q});
        last_tx[p] = tx;
      }
    }
    const std::uint64_t hops = net->counters().packet_hops;
    if (hops != last_hops || net->in_flight() == 0) {
      last_hops = hops;
      last_move = now;
    } else if (now - last_move >= sc.run.stall_timeout) {
      stop_deadlock = true;
      events.stop();
      return;
    }
    if (flows_done < flows.size() || net->in_flight() != 0) {
      schedule(now + sc.run.series_interval, kSample, 0);
    }
  }

  void dispatch(const Event& e) {
    if (e.body.kind < 16) {
      net->handle(e);
      return;
    }
    switch (e.body.kind) {
    case kTimer: {
      const std::uint32_t ep = e.body.target;
      if (static_cast<std::uint64_t>(timer_at[ep].count()) != e.body.payload) {
        return; // superseded by an earlier timer
      }
      timer_at[ep] = kNever;
      if (eps[ep]->next_timeout() <= e.time) {
        eps[ep]->on_timeout(e.time);
        fired_at[ep] = e.time;
      }
      service(ep, e.time);
      return;
    }
    case kFlowStart:
      start_flow(e.body.target, e.time);
      return;
    case kFlowTick: {
      FlowState& f = flows[e.body.target];
      f.tick_pending = false;
      service(f.spec.src, e.time);
      return;
    }
    case kFault:
      fault(e.body.target, e.time);
      return;
    case kSample:
      sample(e.time);
      return;
    default:
      return;
    }
  }
};

FabricSim::FabricSim(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
FabricSim::~FabricSim() = default;

const Routing& FabricSim::routing() const noexcept {
  return impl_->routing;
}
FabricNetwork& FabricSim::network() noexcept {
  return *impl_->net;
}

ConfigResult<std::unique_ptr<FabricSim>> FabricSim::make(const Scenario& sc, const Topology& topo,
                                                         std::vector<Flow> flows) {
  auto routing = Routing::build(topo);
  if (!routing) {
    return make_unexpected(key_error("topology", to_string(routing.error())));
  }
  auto impl = std::make_unique<Impl>(sc, topo, std::move(*routing));
  Impl& m = *impl;
  const std::size_t n_eps = topo.endpoints().size();
  if (n_eps < 2) {
    return make_unexpected(key_error("topology", "needs at least 2 endpoints"));
  }
  NetworkParams np;
  np.link = sc.link;
  np.sw = sc.switches;
  np.transport = sc.endpoint.transport;
  np.seed = sc.seed;
  np.endpoint_processing = sc.endpoint.processing;
  np.mtu = sc.endpoint.mtu;
  np.caqm_hint_unit = tp::CcParams{}.caqm_hint_unit;
  // C-AQM is a pair: the switches' approval and the senders' CAQM window (§6.6.1.3), which
  // the model has for RTP.
  if (sc.switches.caqm &&
      (sc.endpoint.transport != TransportKind::Rtp || sc.endpoint.model == EndpointModel::Packet)) {
    return make_unexpected(key_error(
        "switch.caqm", "C-AQM needs full RTP endpoints (their congestion control is its host "
                       "half, §6.6.1.3)"));
  }
  auto net = FabricNetwork::make(topo, m.routing, np, sc.routes, m.events, m);
  if (!net) {
    return make_unexpected(net.error());
  }
  m.net = std::move(*net);
  for (const NodeOverride& o : sc.node_overrides) {
    if (o.node < topo.node_count() && o.forwarding_latency) {
      m.net->set_forwarding_latency(o.node, *o.forwarding_latency);
    }
  }
  for (const PortOverride& o : sc.port_overrides) {
    if (o.port.node < topo.node_count() && o.port.port < topo.node(o.port.node).port_count &&
        o.rate) {
      m.net->set_port_rate(o.port, *o.rate);
    }
  }
  if (sc.endpoint.mtu < 256 || sc.endpoint.mtu > 8192 || sc.endpoint.mtu % 4 != 0) {
    return make_unexpected(key_error("endpoint.mtu", "must be 256..8192 and a multiple of 4"));
  }
  // MODEL: the transport's MTU must leave room for its own headers and the TA headers.
  constexpr std::uint32_t kHeaders = 96;
  if (sc.endpoint.mtu + kHeaders > m.net->max_net_bytes()) {
    return make_unexpected(key_error("endpoint.mtu",
                                     "a packet of this MTU does not fit one VL buffer (raise "
                                     "link.vl_buffer_bytes or lower the MTU)"));
  }

  m.packet_model = sc.endpoint.model == EndpointModel::Packet;
  if (m.packet_model) {
    if (sc.endpoint.mtu + 64 > m.net->max_net_bytes()) {
      return make_unexpected(key_error("endpoint.mtu", "a packet of this MTU does not fit one VL "
                                                       "buffer (raise link.vl_buffer_bytes)"));
    }
    // UTPH (§6.2.2) and a Write's TA header (BTAH + MAETAH, §7.2), encoded once.
    m.packet_header.resize(Layout<tp::Utph>::kSize);
    (void)Codec<tp::Utph>::encode(tp::Utph{}, m.packet_header);
    ta::TaPacket w;
    ta::Btah b;
    b.ta_opcode = static_cast<std::uint8_t>(ta::TaOpcode::Write);
    w.base = b;
    w.ma = ta::Maetah{};
    auto bytes = ta::encode_ta(w, ta::TaWire::Cna16);
    if (!bytes) {
      return make_unexpected(key_error("endpoint.model", to_string(bytes.error())));
    }
    m.packet_header.insert(m.packet_header.end(), bytes->begin(), bytes->end());
  }
  // Transports: channels only between endpoints that have flows (either direction).
  std::vector<std::pair<ta::PeerId, ta::PeerId>> pairs;
  for (const Flow& f : flows) {
    if (f.src >= n_eps || f.dst >= n_eps || f.src == f.dst) {
      return make_unexpected(
          key_error("traffic", "flow " + std::to_string(f.id) + " names an endpoint outside 0.." +
                                   std::to_string(n_eps - 1) + " or sends to itself"));
    }
    // UTP carries UNO only (Table 7-15), and of the ops a flow posts only Send may use UNO
    // (Table 7-1), with its data in one TP MTU (§7.3.3.5): anything else could only fail.
    if (!m.packet_model && sc.endpoint.transport == TransportKind::Utp) {
      if (f.op != OpKind::Send) {
        return make_unexpected(key_error(
            "traffic", "flow " + std::to_string(f.id) + " posts " + std::string(to_string(f.op)) +
                           ": over UTP (UNO only, Table 7-15) a flow may only send (Table 7-1)"));
      }
      if (std::min<std::uint64_t>(f.op_bytes, f.bytes) > sc.endpoint.mtu) {
        return make_unexpected(key_error(
            "traffic", "flow " + std::to_string(f.id) + " sends " + std::to_string(f.op_bytes) +
                           " B per operation: over UTP a Send "
                           "fits one TP MTU (" +
                           std::to_string(sc.endpoint.mtu) + " B, §7.3.3.5)"));
      }
    }
    pairs.emplace_back(f.src, f.dst);
    if (f.priority != 0) {
      auto& v = m.pair_vl[Impl::pair_key(f.src, f.dst)];
      v = std::max(v, f.priority);
    }
  }
  std::sort(pairs.begin(), pairs.end());
  if (m.packet_model) {
    pairs.clear();
  }
  pairs.erase(std::unique(pairs.begin(), pairs.end()), pairs.end());
  Rng setup_rng = component_rng(sc.seed, ComponentKind::Scenario, 1);
  Result<std::vector<std::unique_ptr<ta::TaTransport>>> transports =
      make_unexpected(Error{Errc::NotModelled, 0, "fabric", "transport", "unset", ""});
  ta::EndpointConfig ec;
  switch (m.packet_model ? TransportKind::Bypass : sc.endpoint.transport) {
  case TransportKind::Rtp: {
    ta::RtpTransportConfig c;
    c.channel.mtu = sc.endpoint.mtu;
    c.channel.retx = rtp_retx(sc);
    // The network takes each data packet as a share of the channel's retransmission copy
    // (FabricNetwork keeps the bytes const and hands them to the receiver as they are).
    c.channel.share_packets = true;
    c.cc = sc.switches.caqm                 ? tp::CcAlgo::Caqm
           : sc.endpoint.congestion_control ? tp::CcAlgo::Ldcp
                                            : tp::CcAlgo::None;
    // MODEL: the TA's ACK timeout outlasts the transport's give-up (every timeout
    // retransmission's RTO, backed off), as the oracle presumes: otherwise a slice the transport
    // is still recovering fails at the TA and then executes, which the oracle rightly calls a
    // W1 violation. With the Table 6-8 example RTO (20 us, N = 3, 7 retries) a lossy link
    // backed off twice already waits 1.28 ms, past the 1 ms default.
    Time give_up{0};
    for (unsigned t = 0; t <= c.channel.rto.max_retx; ++t) {
      give_up += tp::rto_for(c.channel.rto, t);
    }
    ec.initiator.ack_timeout = std::max(ec.initiator.ack_timeout, give_up + Time{1'000'000'000});
    transports = ta::make_rtp_transports(n_eps, pairs, c, setup_rng);
    break;
  }
  case TransportKind::Ctp: {
    ta::CtpTransportConfig c;
    c.ctp.mtu = sc.endpoint.mtu;
    c.ctp.congestion_control = sc.endpoint.congestion_control;
    transports = ta::make_ctp_mesh(n_eps, c);
    break;
  }
  case TransportKind::Utp: {
    ta::UtpTransportConfig c;
    c.utp.mtu = sc.endpoint.mtu;
    transports = ta::make_utp_mesh(n_eps, c);
    break;
  }
  case TransportKind::Bypass:
    transports = std::vector<std::unique_ptr<ta::TaTransport>>{};
    break;
  }
  if (!transports) {
    return make_unexpected(key_error("endpoint.transport", to_string(transports.error())));
  }
  if (sc.run.oracle && !m.packet_model) {
    // MODEL: a fault can hold a request past the initiator's ack timeout (a link
    // retry resends it, a queue behind an outage holds it), so the op fails and the request may
    // still run later: the oracle allows that late execution when the scenario has faults or
    // bit errors. Over RTP the ack timeout outlasts the transport's give-up, so a
    // request cannot outlive its op there and RTP runs are judged strictly, as fault-free runs.
    ta::OracleConfig oc;
    oc.late_execution =
        sc.endpoint.transport != TransportKind::Rtp && (!sc.faults.empty() || sc.link.ber > 0);
    m.oracle = std::make_unique<ta::Oracle>(oc);
  }
  for (auto& t : *transports) {
    m.eps.push_back(std::make_unique<ta::TaEndpoint>(std::move(t), ec, m.oracle.get()));
  }
  // Every endpoint is a target: one segment, one receive Jetty.
  for (std::size_t i = 0; i < m.eps.size(); ++i) {
    ta::TaTarget& t = m.eps[i]->target();
    auto& u = t.ummu();
    const auto eid = static_cast<std::uint32_t>(i);
    (void)u.add_entity(eid);
    (void)u.add_token_context(eid, kToken);
    (void)u.map(eid, kToken, 0, kSegmentBytes, kPaBase);
    ta::PermissionEntry pe;
    pe.base = 0;
    pe.limit = kSegmentBytes - 1;
    pe.token_val0 = kTokenValue;
    (void)u.add_permission(eid, kToken, pe);
    (void)t.add_receive_queue(kJetty, ta::ReceiveQueueConfig{kJettyToken});
  }

  // Flows: state, dependencies, one initiator queue each (ROI, no ordering: A-187).
  m.flows.resize(flows.size());
  m.flows_of_ep.resize(n_eps);
  m.may_post.assign(m.flows.size(), 1);
  m.postable.assign(n_eps, 0);
  m.recv_bytes.assign(n_eps, 0);
  std::vector<std::uint32_t> queues(n_eps, 0);
  for (std::size_t i = 0; i < flows.size(); ++i) {
    Flow& f = flows[i];
    if (f.id != i) {
      return make_unexpected(
          key_error("traffic", "flow ids must be dense (" + std::to_string(i) + ")"));
    }
    if (f.bytes == 0 || f.op_bytes == 0) {
      return make_unexpected(key_error("traffic", "flow " + std::to_string(i) + " has no bytes"));
    }
    if (f.op == OpKind::Send && f.dst < n_eps) {
      m.recv_bytes[f.dst] = std::max(m.recv_bytes[f.dst], f.op_bytes);
    }
    auto& st = m.flows[i];
    st.spec = f;
    st.res.id = f.id;
    st.res.task = f.task;
    st.res.src = f.src;
    st.res.dst = f.dst;
    st.res.op = f.op;
    st.res.bytes = f.bytes;
    st.res.ops = (f.bytes + f.op_bytes - 1) / f.op_bytes;
    st.window = f.window != 0 ? f.window : sc.endpoint.max_outstanding;
    st.queue = queues[f.src]++;
    if (!m.packet_model) {
      // An op the initiator would refuse at post would leave the flow waiting for ever: refuse
      // the flow here instead (the first op is the flow's largest).
      ta::PostRules rules;
      const ta::TaTransport& tr = m.eps[f.src]->transport();
      rules.mode = sc.endpoint.transport == TransportKind::Utp ? ta::TaMode::Uno : ta::TaMode::Roi;
      rules.wire = tr.wire();
      rules.multi_packet = tr.multi_packet();
      rules.mtu = tr.max_payload();
      if (const auto e = ta::check_post(Impl::op_of(f, 0, &m.payloads), rules)) {
        return make_unexpected(key_error(
            "traffic",
            "flow " + std::to_string(i) + " (" + std::string(to_string(f.op)) + " of " +
                std::to_string(std::min<std::uint64_t>(f.op_bytes, f.bytes)) +
                " B per operation over " + std::string(ta::to_string(tr.kind())) + ", MTU " +
                std::to_string(rules.mtu) +
                "): the initiator refuses its operations: " + std::string(ta::to_string(*e))));
      }
      ta::QueueConfig qc;
      // ROI, or UNO over UTP, the only mode it carries (Table 7-15).
      qc.mode = sc.endpoint.transport == TransportKind::Utp ? ta::TaMode::Uno : ta::TaMode::Roi;
      qc.on_error = ta::ExceptionMode::Continue;
      if (auto s = m.eps[f.src]->initiator().add_queue(st.queue, qc); !s) {
        return make_unexpected(key_error("traffic", to_string(s.error())));
      }
    }
    if (f.phase >= m.phases.size()) {
      m.phases.resize(std::size_t{f.phase} + 1);
    }
    ++m.phases[f.phase].left;
    for (const std::uint32_t ph : f.after_phases) {
      if (ph >= f.phase) {
        return make_unexpected(key_error("traffic", "flow " + std::to_string(i) +
                                                        " waits for its own or a later phase"));
      }
      m.phases[ph].waiting.push_back(static_cast<std::uint32_t>(i));
      ++st.deps_left;
    }
    for (const std::uint32_t a : f.after) {
      if (a >= i) {
        return make_unexpected(
            key_error("traffic", "flow " + std::to_string(i) + " depends on a later flow"));
      }
      m.flows[a].dependants.push_back(static_cast<std::uint32_t>(i));
      ++st.deps_left;
    }
  }
  m.timer_at.assign(n_eps, kNever);
  m.fired_at.assign(n_eps, Time{-1});
  m.in_service.assign(n_eps, 0);
  m.last_tx.assign(m.net->ports(), 0);
  // Faults: resolve the links now, so a bad name is a setup error.
  for (std::size_t i = 0; i < sc.faults.size(); ++i) {
    const FaultEvent& fe = sc.faults[i];
    const std::string key = "fault[" + std::to_string(i) + "]";
    LinkId l = kNoLink;
    if (fe.kind == FaultKind::SwitchDown || fe.kind == FaultKind::SwitchUp) {
      if (!topo.find(fe.node)) {
        return make_unexpected(
            ConfigError{sc.file, fe.line, key + ".node", "no node named '" + fe.node + "'"});
      }
    } else if (fe.link_id) {
      if (*fe.link_id >= topo.link_count()) {
        return make_unexpected(ConfigError{sc.file, fe.line, key + ".link", "no such link id"});
      }
      l = *fe.link_id;
    } else {
      const auto a = topo.find(fe.a);
      const auto b = topo.find(fe.b);
      if (!a || !b) {
        return make_unexpected(ConfigError{sc.file, fe.line, key + (a ? ".b" : ".a"),
                                           "no node named '" + (a ? fe.b : fe.a) + "'"});
      }
      for (const Link& lk : topo.links()) {
        if ((lk.a.node == *a && lk.b.node == *b) || (lk.a.node == *b && lk.b.node == *a)) {
          l = lk.id;
          break;
        }
      }
      if (l == kNoLink) {
        return make_unexpected(
            ConfigError{sc.file, fe.line, key, "no link joins '" + fe.a + "' and '" + fe.b + "'"});
      }
    }
    m.fault_links.push_back(l);
  }
  return std::unique_ptr<FabricSim>(new FabricSim(std::move(impl)));
}

SimResult FabricSim::run(const ProgressFn& progress) {
  Impl& m = *impl_;
  using Clock = std::chrono::steady_clock;
  const auto t0 = Clock::now();
  for (std::size_t i = 0; i < m.flows.size(); ++i) {
    if (m.flows[i].deps_left == 0) {
      m.schedule(m.flows[i].spec.start, kFlowStart, static_cast<std::uint32_t>(i));
    }
  }
  for (std::size_t i = 0; i < m.sc.faults.size(); ++i) {
    m.schedule(m.sc.faults[i].at, kFault, static_cast<std::uint32_t>(i));
  }
  m.schedule(Time{0}, kSample, 0);
  // Run in slices so the progress line and the guards are checked between them.
  constexpr std::uint64_t kSlice = 1U << 16U;
  std::uint64_t total = 0;
  auto last_report = t0;
  RunOutcome out;
  while (true) {
    const std::uint64_t left = m.sc.run.max_events - total;
    Guards g{m.sc.run.end_time, std::min<std::uint64_t>(kSlice, left)};
    out = m.events.run([&](const Event& e) { m.dispatch(e); }, g);
    total += out.events;
    if (out.reason != StopReason::MaxEvents || total >= m.sc.run.max_events) {
      break;
    }
    if (m.flows_done == m.flows.size() && m.net->in_flight() == 0) {
      // Only timers left (transports' idle timers): the run is over.
      break;
    }
    const auto now = Clock::now();
    if (progress && now - last_report >= std::chrono::seconds(1)) {
      last_report = now;
      progress(SimProgress{m.events.now(),
                           m.flows.empty() ? 1.0
                                           : static_cast<double>(m.flows_done) /
                                                 static_cast<double>(m.flows.size()),
                           total, std::chrono::duration<double>(now - t0).count()});
    }
  }
  SimResult& r = m.res;
  r.wall_s = std::chrono::duration<double>(Clock::now() - t0).count();
  r.events = total;
  Time end{0};
  for (const auto& f : m.flows) {
    if (f.res.done) {
      end = std::max(end, f.res.end);
    }
  }
  r.sim_time = m.flows_done == m.flows.size() ? end : m.events.now();
  if (m.stop_deadlock) {
    r.stop = SimStop::Deadlock;
  } else if (m.flows_done == m.flows.size()) {
    r.stop = SimStop::Completed;
  } else if (out.reason == StopReason::EndTime) {
    r.stop = SimStop::EndTime;
  } else if (total >= m.sc.run.max_events) {
    r.stop = SimStop::MaxEvents;
  } else {
    r.stop = SimStop::Idle;
  }
  r.net = m.net->counters();
  r.stuck_packets = m.net->in_flight();
  r.flows.reserve(m.flows.size());
  for (const auto& f : m.flows) {
    r.flows.push_back(f.res);
  }
  r.ports.reserve(m.net->ports());
  for (std::size_t p = 0; p < m.net->ports(); ++p) {
    r.ports.push_back(m.net->port_stats(p));
  }
  for (const auto& e : m.eps) {
    r.ta_timeouts += e->initiator().counters().timeouts;
  }
  r.oracle_checked = m.oracle != nullptr;
  if (m.oracle) {
    r.oracle_violations = m.oracle->counters().violations;
    r.oracle_summary = m.oracle->summary();
  }
  r.endpoints = m.net->endpoints();
  m.fp.add_value(m.net->fingerprint());
  m.fp.add_value(r.oracle_violations);
  r.fingerprint = m.fp.value();
  r.peak_rss_kb = peak_rss_kb();
  return std::move(r);
}

} // namespace ub::sim
