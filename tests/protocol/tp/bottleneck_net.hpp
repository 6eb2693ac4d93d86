#pragma once
// A congested bottleneck for end-to-end congestion-control tests: N sender TpChannels, each with
// its own receiver TpChannel, whose data packets all leave through one switch egress port.
//
//   sender i --host link--> [ switch: FIFO egress queue, finite bytes ] --bottleneck--> receiver i
//   sender i <-------------- reverse path, uncongested (ACKs, CNPs) --------------- receiver i
//
// Each sender's host link serializes its packets at `host_bps` and takes `hop_delay` to the
// switch. The egress queue holds up to `buffer_bytes` of waiting packets (tail drop beyond,
// counted) and is drained at `bottleneck_bps`; a packet leaves the queue when its serialization on
// the bottleneck starts, takes `hop_delay` more to its receiver, and is marked as it leaves the way
// the algorithm needs (UB-Base-2.0 §5.3.5):
//   - LDCP and DCQCN: fecn_on_dequeue() with RedParams, the queue depth being the bytes still
//     waiting behind it (FECN mark, CCI mode FECN, §5.3.5.2);
//   - CAQM: CaqmSwitchPort::on_forward() (§5.3.5.3), and on_timeout() at every period boundary
//     with the queue depth then;
//   - none: no marking.
// The egress port leads to the destination hosts (last hop), so every mark carries Loc = 1.
// Control packets (every packet a receiver sends, and anything a sender sends that is not data)
// take the reverse path: serialization at `host_bps` on their own link, then 2 x `hop_delay`.
// Bytes on the wire = TP bytes + `overhead_bytes` (NTH, ICRC and the link-layer framing).
//
// Discrete events: time jumps from one event to the next (arrivals, the bottleneck finishing a
// packet, host links going free, channel timers, the CAQM period, the pacing of rate-based
// senders). Deterministic: one seeded Rng stream for the switch. Each receiver checks that its
// sender's messages arrive exactly once, in order, byte for byte.

#include <algorithm>
#include <array>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "protocol/common/rng.hpp"
#include "protocol/tp/cc/switch_marking.hpp"
#include "protocol/tp/congestion.hpp"
#include "protocol/tp/tp_channel.hpp"

namespace ub::tp::test {

struct BottleneckConfig {
  unsigned senders = 4;
  CcAlgo algo = CcAlgo::None;
  CcParams cc{};                                     // line_rate_bps is set to host_bps
  TpChannelConfig channel{};                         // TPNs are set per pair
  std::uint64_t host_bps = 400'000'000'000ULL;       // each host link
  std::uint64_t bottleneck_bps = 400'000'000'000ULL; // the congested egress port
  std::uint64_t buffer_bytes = 1'000'000;            // waiting bytes the egress queue holds
  Time hop_delay = Time{1'000'000};                  // host-switch and switch-host, 1 us each
  std::uint32_t overhead_bytes = 40;                 // wire bytes beyond the TP bytes
  RedParams red{};                                   // FECN marking (LDCP, DCQCN)
  CaqmSwitchParams caqm{};                           // rate_bps and mtu are set from above
  std::uint32_t messages = 100;                      // per sender
  std::size_t size = 65'536;                         // bytes per message
  std::size_t queued_limit = 4;                      // messages a source keeps queued ahead
  std::uint64_t seed = 1;
};

// Message i of a source: its index in the first four bytes, then a pattern.
inline void bn_fill(std::vector<Byte>& m, std::uint32_t i, std::size_t size) {
  m.resize(size);
  for (std::size_t k = 0; k < size; ++k) {
    m[k] = static_cast<Byte>(i * 131U + k * 7U);
  }
  m[0] = static_cast<Byte>(i >> 24);
  m[1] = static_cast<Byte>(i >> 16);
  m[2] = static_cast<Byte>(i >> 8);
  m[3] = static_cast<Byte>(i);
}

// Per sender: what it offered, what came back and what its receiver delivered.
struct BnFlow {
  std::uint32_t offered = 0;
  std::uint64_t acked = 0, failed = 0;
  std::uint64_t delivered = 0, bad = 0; // bad: duplicate, out of order or corrupted
  std::uint64_t delivered_bytes = 0;
  std::uint64_t bytes_at_first_finish = 0; // delivered when the first sender finished
  std::vector<Time> offered_at;
  std::vector<double> latency_us; // offered to delivered, per message
  Time last_delivery{0};
  bool finished = false;
};

class BottleneckNet {
public:
  explicit BottleneckNet(const BottleneckConfig& cfg) : cfg_(cfg), rng_(cfg.seed, 11) {
    cfg_.cc.line_rate_bps = cfg.host_bps;
    cfg_.caqm.rate_bps = cfg.bottleneck_bps;
    cfg_.caqm.mtu = cfg.cc.mtu;
    cfg_.caqm.hint_unit = cfg.cc.caqm_hint_unit;
    port_ = CaqmSwitchPort(cfg_.caqm);
    for (unsigned i = 0; i < cfg.senders; ++i) {
      TpChannelConfig s = cfg.channel;
      s.local_tpn = 2 * i + 1;
      s.peer_tpn = 2 * i + 2;
      TpChannelConfig r = cfg.channel;
      r.local_tpn = 2 * i + 2;
      r.peer_tpn = 2 * i + 1;
      std::swap(r.tx_initial_psn, r.rx_initial_psn);
      ch_.emplace_back(std::make_unique<TpChannel>(s, make_congestion_control(cfg.algo, cfg_.cc),
                                                   make_cc_feedback(cfg.algo, cfg_.cc)));
      ch_.emplace_back(std::make_unique<TpChannel>(r, make_congestion_control(cfg.algo, cfg_.cc),
                                                   make_cc_feedback(cfg.algo, cfg_.cc)));
      flows_.emplace_back();
      next_expected_.push_back(0);
    }
    tx_free_.assign(ch_.size(), Time{0});
  }

  TpChannel& sender(unsigned i) { return *ch_[2 * i]; }
  TpChannel& receiver(unsigned i) { return *ch_[2 * i + 1]; }
  [[nodiscard]] const BnFlow& flow(unsigned i) const { return flows_[i]; }
  [[nodiscard]] Time now() const { return now_; }

  // Observations of the egress queue (waiting bytes, not the packet being serialized).
  std::uint64_t queue_peak = 0;
  std::uint64_t drops = 0;     // tail drops at the egress queue
  std::uint64_t marked = 0;    // packets whose CCI the switch changed (FECN or CAQM C)
  std::uint64_t forwarded = 0; // data packets through the bottleneck
  std::uint64_t busy_ps = 0;   // bottleneck serialization time
  std::array<std::uint64_t, 7> caqm_verdicts{}; // by CaqmVerdict
  [[nodiscard]] std::uint64_t queue_now() const { return queued_; }
  [[nodiscard]] double queue_avg() const {
    return now_ > Time{0} ? queue_area_ / static_cast<double>(now_.count()) : 0.0;
  }

  // Optional hook after every event time (for traces and invariant checks).
  std::function<void(BottleneckNet&)> after_step;

  // Runs until every sender has an outcome for every message, or `limit`. True when done.
  bool run(Time limit) {
    while (now_ <= limit) {
      step();
      if (after_step) {
        after_step(*this);
      }
      if (done()) {
        return true;
      }
      const Time next = next_event();
      if (next == kNever) {
        return false; // nothing can happen any more
      }
      advance(std::max(next, now_ + Time{1}));
    }
    return false;
  }

  [[nodiscard]] bool done() const {
    return std::all_of(flows_.begin(), flows_.end(), [&](const BnFlow& f) {
      return f.offered == cfg_.messages && f.acked + f.failed == cfg_.messages;
    });
  }

  // Payload goodput of all senders in Gbit/s, from time 0 to the last delivery.
  [[nodiscard]] double goodput_gbps() const {
    std::uint64_t bytes = 0;
    Time last{0};
    for (const auto& f : flows_) {
      bytes += f.delivered_bytes;
      last = std::max(last, f.last_delivery);
    }
    return last > Time{0} ? static_cast<double>(bytes) * 8.0 /
                                (static_cast<double>(last.count()) * 1e-12) / 1e9
                          : 0.0;
  }

  // Jain's index over the bytes each sender had delivered when the first one finished (all
  // senders compete until then): 1 = equal shares, 1/N = one sender took everything.
  [[nodiscard]] double jain() const {
    double sum = 0, sq = 0;
    for (const auto& f : flows_) {
      const auto x = static_cast<double>(f.bytes_at_first_finish);
      sum += x;
      sq += x * x;
    }
    return sq > 0 ? sum * sum / (static_cast<double>(flows_.size()) * sq) : 0.0;
  }

  [[nodiscard]] double p99_latency_us() const {
    std::vector<double> all;
    for (const auto& f : flows_) {
      all.insert(all.end(), f.latency_us.begin(), f.latency_us.end());
    }
    if (all.empty()) {
      return 0.0;
    }
    const std::size_t k = (all.size() * 99 + 99) / 100 - 1;
    std::nth_element(all.begin(), all.begin() + static_cast<std::ptrdiff_t>(k), all.end());
    return all[k];
  }

private:
  struct Pkt {
    std::size_t from = 0; // channel index
    TpOut p;
    std::uint32_t wire = 0;
  };
  enum class Hop : std::uint8_t { ToSwitch, ToHost };
  struct InFlight {
    Hop hop = Hop::ToHost;
    Pkt pkt;
  };

  [[nodiscard]] Time ser(std::uint32_t bytes, std::uint64_t bps) const {
    return BitRate{bps}.time_for_bits(std::uint64_t{bytes} * 8);
  }

  void advance(Time to) {
    queue_area_ += static_cast<double>(queued_) * static_cast<double>((to - now_).count());
    now_ = to;
  }

  void step() {
    offer();
    // Arrivals due now, in time order.
    while (!wire_.empty() && wire_.begin()->first.first <= now_) {
      auto node = wire_.extract(wire_.begin());
      InFlight& f = node.mapped();
      if (f.hop == Hop::ToSwitch) {
        enqueue(std::move(f.pkt));
      } else {
        const std::size_t to = f.pkt.from ^ 1U; // sender 2i <-> receiver 2i + 1
        ch_[to]->on_receive(f.pkt.p.tp, f.pkt.p.cci, now_);
      }
    }
    serve();
    if (cfg_.algo == CcAlgo::Caqm && port_.next_timeout() <= now_) {
      port_.on_timeout(queued_, now_);
    }
    for (auto& c : ch_) {
      if (c->next_timeout() <= now_) {
        c->on_timeout(now_);
      }
    }
    for (std::size_t c = 0; c < ch_.size(); ++c) {
      while (tx_free_[c] <= now_) {
        auto p = ch_[c]->poll_transmit(now_);
        if (!p) {
          break;
        }
        transmit(c, std::move(*p));
      }
    }
    collect();
  }

  void offer() {
    for (unsigned i = 0; i < cfg_.senders; ++i) {
      BnFlow& f = flows_[i];
      while (f.offered < cfg_.messages && sender(i).queued_messages() < cfg_.queued_limit) {
        bn_fill(buf_, f.offered, cfg_.size);
        if (sender(i).send(buf_) != TpChannel::SendStatus::Queued) {
          break;
        }
        f.offered_at.push_back(now_);
        ++f.offered;
      }
    }
  }

  void transmit(std::size_t c, TpOut p) {
    const auto wire = static_cast<std::uint32_t>(p.tp.size() + cfg_.overhead_bytes);
    const Time s = ser(wire, cfg_.host_bps);
    tx_free_[c] = now_ + s;
    const bool data_to_switch = (c % 2 == 0) && !p.control;
    if (data_to_switch) {
      wire_.emplace(std::make_pair(now_ + s + cfg_.hop_delay, seq_++),
                    InFlight{Hop::ToSwitch, Pkt{c, std::move(p), wire}});
    } else {
      wire_.emplace(std::make_pair(now_ + s + 2 * cfg_.hop_delay, seq_++),
                    InFlight{Hop::ToHost, Pkt{c, std::move(p), wire}});
    }
  }

  void enqueue(Pkt p) {
    if (queued_ + p.wire > cfg_.buffer_bytes) {
      ++drops;
      return;
    }
    queued_ += p.wire;
    queue_.push_back(std::move(p));
    queue_peak = std::max(queue_peak, queued_);
  }

  // The bottleneck starts the next packet whenever it is free.
  void serve() {
    while (!queue_.empty() && busy_until_ <= now_) {
      Pkt p = std::move(queue_.front());
      queue_.pop_front();
      queued_ -= p.wire;
      bool changed = false;
      if (cfg_.algo == CcAlgo::Ldcp || cfg_.algo == CcAlgo::Dcqcn) {
        changed = fecn_on_dequeue(p.p.cci, queued_, true, cfg_.red, rng_);
      } else if (cfg_.algo == CcAlgo::Caqm) {
        const CaqmVerdict v = port_.on_forward(p.p.cci, p.wire, true, rng_);
        ++caqm_verdicts[static_cast<std::size_t>(v)];
        changed = v == CaqmVerdict::Congested || v == CaqmVerdict::DeniedMarked;
      }
      marked += changed ? 1 : 0;
      ++forwarded;
      const Time s = ser(p.wire, cfg_.bottleneck_bps);
      busy_until_ = now_ + s;
      busy_ps += static_cast<std::uint64_t>(s.count());
      wire_.emplace(std::make_pair(busy_until_ + cfg_.hop_delay, seq_++),
                    InFlight{Hop::ToHost, std::move(p)});
    }
  }

  void collect() {
    bool any_finished =
        std::any_of(flows_.begin(), flows_.end(), [](const BnFlow& f) { return f.finished; });
    for (unsigned i = 0; i < cfg_.senders; ++i) {
      BnFlow& f = flows_[i];
      while (auto m = receiver(i).poll_deliver()) {
        ++f.delivered;
        const auto& d = m->data;
        const std::uint32_t k = d.size() >= 4
                                    ? (std::uint32_t{d[0]} << 24) | (std::uint32_t{d[1]} << 16) |
                                          (std::uint32_t{d[2]} << 8) | d[3]
                                    : 0xFFFFFFFFU;
        bn_fill(check_, k, cfg_.size);
        if (k != next_expected_[i] || k >= f.offered || check_ != d) {
          ++f.bad;
          continue;
        }
        ++next_expected_[i];
        f.delivered_bytes += d.size();
        f.last_delivery = now_;
        f.latency_us.push_back(to_us(now_ - f.offered_at[k]));
      }
      while (auto e = sender(i).poll_event()) {
        if (std::get_if<MsgAcked>(&*e) != nullptr) {
          ++f.acked;
        } else if (const auto* failed = std::get_if<ChannelFailed>(&*e)) {
          f.failed += failed->failed.size();
        }
      }
      if (!f.finished && f.offered == cfg_.messages && f.acked + f.failed == cfg_.messages) {
        f.finished = true;
      }
    }
    if (!any_finished &&
        std::any_of(flows_.begin(), flows_.end(), [](const BnFlow& f) { return f.finished; })) {
      for (auto& f : flows_) {
        f.bytes_at_first_finish = f.delivered_bytes;
      }
    }
  }

  [[nodiscard]] Time next_event() const {
    Time t = kNever;
    if (!wire_.empty()) {
      t = wire_.begin()->first.first;
    }
    if (!queue_.empty()) {
      t = std::min(t, busy_until_);
    }
    if (cfg_.algo == CcAlgo::Caqm) {
      t = std::min(t, port_.next_timeout());
    }
    for (std::size_t c = 0; c < ch_.size(); ++c) {
      t = std::min(t, ch_[c]->next_timeout());
      if (tx_free_[c] > now_) {
        t = std::min(t, tx_free_[c]); // the link frees: poll again
      } else if (const CongestionControl* cc = ch_[c]->congestion()) {
        const Time paced = cc->next_send_time(0, now_);
        if (paced > now_) {
          t = std::min(t, paced); // a rate-based sender's next slot
        }
      }
    }
    return t;
  }

  BottleneckConfig cfg_;
  Rng rng_;
  CaqmSwitchPort port_{CaqmSwitchParams{}};
  std::vector<std::unique_ptr<TpChannel>> ch_; // 2i sender i, 2i + 1 its receiver
  std::vector<Time> tx_free_;
  std::vector<BnFlow> flows_;
  std::vector<std::uint32_t> next_expected_;
  std::map<std::pair<Time, std::uint64_t>, InFlight> wire_;
  std::uint64_t seq_ = 0;
  std::deque<Pkt> queue_;
  std::uint64_t queued_ = 0;
  Time busy_until_{0};
  double queue_area_ = 0;
  std::vector<Byte> buf_, check_;
  Time now_{0};
};

} // namespace ub::tp::test
