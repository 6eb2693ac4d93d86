#pragma once
// A multipath test network for two TpGroup ends (UB-Base-2.0 §6.5.1). K paths, path k with a
// fixed one-way delay of base + k x skew; a packet's path is its entropy mod K (per flow and sender
// spraying: an ideal ECMP hash), or a per-packet pick (round robin or seeded random) when RT[0] =
// 1 (switch spraying, Table 5-7). Seeded random loss (data and control apart) and duplication, and
// a script that may drop any packet. Each end sends at most `burst` packets per tick; time jumps
// to the next arrival or timer when nothing moves.
//
// Sources send messages built with make_message (test_net.hpp): index = flow << 20 | sequence,
// flow 0 unordered, flows 1.. ordered (SendOptions::ordered_flow). Sinks check exactly once,
// the pattern, and order within each ordered flow; an ordered flow must also arrive on one
// channel.

#include <array>
#include <cstdint>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "protocol/common/rng.hpp"
#include "protocol/tp/run_loop.hpp"
#include "protocol/tp/test_net.hpp"
#include "protocol/tp/tp_group.hpp"

namespace ub::tp::test {

inline constexpr std::uint32_t kFlowShift = 20;

struct MpSink {
  std::uint64_t delivered = 0, duplicates = 0, out_of_order = 0, corrupted = 0, wrong_channel = 0;
  std::set<std::uint32_t> seen;
  std::map<std::uint32_t, std::uint32_t> next_seq;   // ordered flow -> next sequence
  std::map<std::uint32_t, std::size_t> flow_channel; // ordered flow -> channel it arrived on
  std::vector<std::uint64_t> per_channel;
  std::string last_problem;

  void check(const GroupDelivery& g) {
    ++delivered;
    if (per_channel.size() <= g.channel) {
      per_channel.resize(g.channel + 1);
    }
    ++per_channel[g.channel];
    const auto& d = g.message.data;
    if (d.size() < 8) {
      ++corrupted;
      last_problem = "short message";
      return;
    }
    const std::uint32_t i = (std::uint32_t{d[0]} << 24) | (std::uint32_t{d[1]} << 16) |
                            (std::uint32_t{d[2]} << 8) | d[3];
    const std::size_t size =
        (std::size_t{d[4]} << 24) | (std::size_t{d[5]} << 16) | (std::size_t{d[6]} << 8) | d[7];
    if (size != d.size() || make_message(i, size) != d) {
      ++corrupted;
      last_problem = "message " + std::to_string(i) + " corrupted";
      return;
    }
    if (!seen.insert(i).second) {
      ++duplicates;
      last_problem = "message " + std::to_string(i) + " again";
      return;
    }
    const std::uint32_t flow = i >> kFlowShift;
    const std::uint32_t seq = i & ((1U << kFlowShift) - 1);
    if (flow == 0) {
      return;
    }
    auto [ch, fresh] = flow_channel.emplace(flow, g.channel);
    if (!fresh && ch->second != g.channel) {
      ++wrong_channel;
      last_problem = "flow " + std::to_string(flow) + " on two channels";
    }
    std::uint32_t& next = next_seq[flow];
    if (seq != next) {
      ++out_of_order;
      last_problem = "flow " + std::to_string(flow) + ": sequence " + std::to_string(seq) +
                     ", expected " + std::to_string(next);
    }
    next = seq + 1;
  }
  [[nodiscard]] bool clean() const {
    return duplicates + out_of_order + corrupted + wrong_channel == 0;
  }
};

struct MpSource {
  // What to send, in order: unordered messages and ordered flows are interleaved round robin.
  std::uint32_t unordered = 0;        // flow 0
  std::vector<std::uint32_t> ordered; // ordered[f - 1] messages of flow f
  bool allow_spray = true;
  std::size_t size = 1000;
  std::uint64_t window = 0; // at most this many messages queued and not yet resolved (0: no limit)
  // Progress and outcomes.
  std::vector<std::uint32_t> sent_seq; // per flow (0 = unordered)
  std::uint64_t queued = 0, acked = 0, failed = 0, refused = 0;
  std::map<std::pair<std::size_t, MsgId>, std::uint32_t> in_flight; // (channel, id) -> index
  std::set<std::uint32_t> failed_msgs;
  std::vector<std::uint64_t> per_channel; // messages queued per channel
  std::size_t turn = 0;

  [[nodiscard]] std::uint32_t total() const {
    std::uint32_t t = unordered;
    for (auto n : ordered) {
      t += n;
    }
    return t;
  }
  [[nodiscard]] bool all_offered() const { return queued + refused == total(); }
};

class MultipathNet : public RunLoop<MultipathNet> {
public:
  using DropFn = std::function<bool(std::size_t dir, const GroupOut& p, std::uint64_t nth)>;

  MultipathNet(TpGroup a, TpGroup b, std::size_t paths, std::uint64_t seed = 1)
      : path_packets(paths, 0), end_{std::move(a), std::move(b)}, paths_(paths), rng_(seed, 13) {}

  TpGroup& end(std::size_t i) { return end_[i]; }
  TpGroup& a() { return end_[0]; }
  TpGroup& b() { return end_[1]; }
  MpSource& source(std::size_t i) { return src_[i]; }
  MpSink& sink(std::size_t i) { return sink_[i]; }
  [[nodiscard]] Time now() const { return now_; }
  [[nodiscard]] std::size_t paths() const { return paths_; }

  Time tick{10'000};         // 10 ns per packet per end
  Time base{1'000'000};      // path 0: 1 us
  Time skew{1'000'000};      // path k: base + k x skew
  unsigned burst = 1;        // packets each end may send per tick
  bool switch_random = true; // RT[0] = 1: random path (else round robin)
  double loss_data = 0, loss_ctrl = 0, dup = 0;
  DropFn drop;
  std::vector<std::uint64_t> path_packets; // data packets per path, both directions
  std::uint64_t dropped = 0, duplicated = 0;
  // Every packet handed to the net, in order (for header checks): direction and the GroupOut.
  std::function<void(std::size_t, const GroupOut&)> observe;

  [[nodiscard]] std::size_t path_of(const GroupOut& p) {
    if ((p.rt & 1U) != 0) {
      return switch_random ? static_cast<std::size_t>(rng_.below(paths_)) : rr_++ % paths_;
    }
    return p.entropy % paths_;
  }

  void step() {
    for (std::size_t e = 0; e < 2; ++e) {
      offer(e);
    }
    bool moved = false;
    for (std::size_t d = 0; d < 2; ++d) {
      for (unsigned k = 0; k < burst; ++k) {
        auto p = end_[d].poll_transmit(now_);
        if (!p) {
          break;
        }
        moved = true;
        transmit(d, std::move(*p));
      }
    }
    while (!wire_.empty() && wire_.begin()->first.first <= now_) {
      auto node = wire_.extract(wire_.begin());
      InFlight& f = node.mapped();
      end_[1 - f.dir].on_receive(f.p.port, f.p.out.tp, f.p.out.cci, now_);
      moved = true;
    }
    for (auto& e : end_) {
      if (e.next_timeout() <= now_) {
        e.on_timeout(now_);
      }
    }
    for (std::size_t e = 0; e < 2; ++e) {
      while (auto m = end_[e].poll_deliver()) {
        sink_[e].check(*m);
      }
      while (auto ev = end_[e].poll_event()) {
        outcome(e, *ev);
      }
    }
    Time next = now_ + tick;
    if (!moved) { // offer() ran first: only an arrival or a timer changes anything now
      Time t = wire_.empty() ? kNever : wire_.begin()->first.first;
      t = std::min({t, end_[0].next_timeout(), end_[1].next_timeout()});
      if (t != kNever && t > next) {
        next = t;
      }
    }
    now_ = next;
  }

  [[nodiscard]] bool done() const {
    for (const auto& s : src_) {
      if (!s.all_offered() || s.acked + s.failed != s.queued) {
        return false;
      }
    }
    return true;
  }

  // Invariants after every step; empty when they hold.
  [[nodiscard]] std::string check() const {
    for (std::size_t e = 0; e < 2; ++e) {
      const TpGroup& g = end_[e];
      for (std::size_t i = 0; i < g.size(); ++i) {
        const TpChannel& c = g.channel(i);
        if (c.outstanding() > c.config().ooo_window) {
          return "end " + std::to_string(e) + " channel " + std::to_string(i) +
                 ": more packets in flight than the window";
        }
      }
      if (!sink_[e].clean()) {
        return "sink " + std::to_string(e) + ": " + sink_[e].last_problem;
      }
      if (sink_[1 - e].delivered > src_[e].queued) {
        return "sink " + std::to_string(1 - e) + ": more deliveries than messages sent";
      }
    }
    return {};
  }

private:
  struct InFlight {
    std::size_t dir = 0;
    GroupOut p;
  };

  void offer(std::size_t e) {
    MpSource& s = src_[e];
    const std::size_t flows = s.ordered.size() + 1;
    if (s.sent_seq.size() < flows) {
      s.sent_seq.resize(flows, 0);
    }
    while (!s.all_offered()) {
      if (s.window != 0 && s.queued - s.acked - s.failed >= s.window) {
        return;
      }
      // Next flow with messages left, in turn.
      std::size_t f = s.turn % flows;
      for (std::size_t k = 0; k < flows; ++k) {
        const std::size_t c = (s.turn + k) % flows;
        const std::uint32_t want = c == 0 ? s.unordered : s.ordered[c - 1];
        if (s.sent_seq[c] < want) {
          f = c;
          break;
        }
      }
      const std::uint32_t index = (static_cast<std::uint32_t>(f) << kFlowShift) | s.sent_seq[f];
      SendOptions opt{};
      opt.allow_spray = s.allow_spray;
      if (f != 0) {
        opt.ordered_flow = f;
      }
      const auto r = end_[e].send(make_message(index, s.size), opt);
      if (!r) {
        if (r.error() == GroupSendError::QueueFull) {
          return; // try again next tick
        }
        ++s.refused; // the flow's channel or every channel has failed
      } else {
        ++s.queued;
        s.in_flight.emplace(std::make_pair(r->channel, r->id), index);
        if (s.per_channel.size() <= r->channel) {
          s.per_channel.resize(r->channel + 1);
        }
        ++s.per_channel[r->channel];
      }
      ++s.sent_seq[f];
      s.turn = f + 1;
    }
  }

  void outcome(std::size_t e, const GroupEvent& ev) {
    MpSource& s = src_[e];
    if (const auto* a = std::get_if<MsgAcked>(&ev.event)) {
      ++s.acked;
      s.in_flight.erase({ev.channel, a->id});
    } else if (const auto* f = std::get_if<ChannelFailed>(&ev.event)) {
      s.failed += f->failed.size();
      for (MsgId id : f->failed) {
        if (auto it = s.in_flight.find({ev.channel, id}); it != s.in_flight.end()) {
          s.failed_msgs.insert(it->second);
          s.in_flight.erase(it);
        }
      }
    }
  }

  void transmit(std::size_t d, GroupOut p) {
    if (observe) {
      observe(d, p);
    }
    const std::uint64_t nth = sent_++;
    if (drop && drop(d, p, nth)) {
      ++dropped;
      return;
    }
    const double loss = p.out.control ? loss_ctrl : loss_data;
    if (loss > 0 && rng_.bernoulli(loss)) {
      ++dropped;
      return;
    }
    const std::size_t path = path_of(p);
    if (!p.out.control) {
      ++path_packets[path];
    }
    const Time at = now_ + base + skew * static_cast<std::int64_t>(path);
    if (dup > 0 && rng_.bernoulli(dup)) {
      ++duplicated;
      wire_.emplace(std::make_pair(at + tick, seq_++), InFlight{d, p});
    }
    wire_.emplace(std::make_pair(at, seq_++), InFlight{d, std::move(p)});
  }

  std::array<TpGroup, 2> end_;
  std::size_t paths_;
  std::array<MpSource, 2> src_{};
  std::array<MpSink, 2> sink_{};
  std::map<std::pair<Time, std::uint64_t>, InFlight> wire_;
  std::uint64_t seq_ = 0, sent_ = 0;
  std::size_t rr_ = 0;
  Rng rng_;
  Time now_{0};
};

// Configurations of the two ends of an n-member group: member i has TPNs 100 + i (end a) and
// 200 + i (end b), port i, initial PSNs apart per member and direction.
inline std::pair<TpGroupConfig, TpGroupConfig> group_pair(std::size_t n, RetxAlgo algo,
                                                          const LoadBalance& lb) {
  TpGroupConfig a{}, b{};
  for (std::size_t i = 0; i < n; ++i) {
    TpgMemberConfig m{};
    m.channel.retx = algo;
    m.channel.ooo_window = 256;
    m.channel.mtu = 1024;
    m.port = static_cast<std::uint8_t>(i);
    m.lb = lb;
    if (auto* pf = std::get_if<PerFlow>(&m.lb)) {
      pf->entropy = static_cast<std::uint16_t>(pf->entropy + i); // one path per member
    }
    TpgMemberConfig ma = m, mb = m;
    const auto ui = static_cast<std::uint32_t>(i);
    ma.channel.local_tpn = mb.channel.peer_tpn = 100 + ui;
    mb.channel.local_tpn = ma.channel.peer_tpn = 200 + ui;
    ma.channel.tx_initial_psn = mb.channel.rx_initial_psn = 1000 + 7919 * ui;
    mb.channel.tx_initial_psn = ma.channel.rx_initial_psn = 50'000 + 104'729 * ui;
    a.members.push_back(ma);
    b.members.push_back(mb);
  }
  return {a, b};
}

} // namespace ub::tp::test
