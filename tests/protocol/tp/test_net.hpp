#pragma once
// A test network for two TpChannel ends: fixed delay, per-packet serialization time, seeded
// random loss (data and control apart), duplication and reordering (an extra delay), and a
// script that may drop any packet. Time advances in ticks while packets move and jumps to the
// next event when the network is idle. Sources and sinks check exactly-once, in-order delivery.

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <tuple>
#include <vector>

#include "protocol/common/rng.hpp"
#include "protocol/tp/run_loop.hpp"
#include "protocol/tp/tp_channel.hpp"

namespace ub::tp::test {

inline std::uint32_t packet_psn(const TpOut& p);

// Message i of a source: its index and length, then a pattern.
inline std::vector<Byte> make_message(std::uint32_t i, std::size_t size) {
  std::vector<Byte> m(size < 8 ? 8 : size);
  m[0] = static_cast<Byte>(i >> 24);
  m[1] = static_cast<Byte>(i >> 16);
  m[2] = static_cast<Byte>(i >> 8);
  m[3] = static_cast<Byte>(i);
  m[4] = static_cast<Byte>(m.size() >> 24);
  m[5] = static_cast<Byte>(m.size() >> 16);
  m[6] = static_cast<Byte>(m.size() >> 8);
  m[7] = static_cast<Byte>(m.size());
  for (std::size_t k = 8; k < m.size(); ++k) {
    m[k] = static_cast<Byte>(i * 29U + k * 13U);
  }
  return m;
}

struct Sink {
  std::uint64_t delivered = 0, duplicates = 0, gaps = 0, corrupted = 0;
  std::uint32_t next = 0;
  std::string last_problem;
  void check(const RxMessage& m) {
    ++delivered;
    const auto& d = m.data;
    if (d.size() < 8) {
      ++corrupted;
      last_problem = "short message";
      return;
    }
    // Byte 0 may have been replaced by a TAOpcode (Source::first_byte): the index is 24 bits.
    const std::uint32_t i = (std::uint32_t{d[1]} << 16) | (std::uint32_t{d[2]} << 8) | d[3];
    const std::size_t size =
        (std::size_t{d[4]} << 24) | (std::size_t{d[5]} << 16) | (std::size_t{d[6]} << 8) | d[7];
    auto expected = make_message(i, size);
    expected[0] = d[0];
    if (size != d.size() || expected != d) {
      ++corrupted;
      last_problem = "message " + std::to_string(i) + " corrupted";
      return;
    }
    if (i < next) {
      ++duplicates;
      last_problem = "message " + std::to_string(i) + " again";
    } else if (i > next) {
      ++gaps;
      last_problem = "message " + std::to_string(i) + ", expected " + std::to_string(next);
      next = i + 1;
    } else {
      ++next;
    }
  }
};

struct Source {
  std::uint32_t to_send = 0;
  std::uint32_t next = 0;
  std::size_t size = 1000;
  std::uint64_t acked = 0; // MsgAcked, or a TaStatus (the outcome of a held message)
  std::uint64_t failed = 0;
  std::uint64_t ta_statuses = 0;
  std::vector<TaStatus> statuses; // the TaStatus events, in arrival order
  Byte first_byte = 0;            // the first byte of every message (TAOpcode, for TaStatusMode)
};

class TestNet : public RunLoop<TestNet> {
public:
  using DropFn = std::function<bool(std::size_t dir, const TpOut& p, std::uint64_t nth)>;

  TestNet(const TpChannelConfig& a, const TpChannelConfig& b, std::uint64_t seed = 1,
          std::unique_ptr<CongestionControl> cca = nullptr,
          std::unique_ptr<CcFeedback> fba = nullptr,
          std::unique_ptr<CongestionControl> ccb = nullptr,
          std::unique_ptr<CcFeedback> fbb = nullptr)
      : end_{TpChannel(a, std::move(cca), std::move(fba)),
             TpChannel(b, std::move(ccb), std::move(fbb))},
        rng_(seed, 7) {}

  TpChannel& a() { return end_[0]; }
  TpChannel& b() { return end_[1]; }
  TpChannel& end(std::size_t i) { return end_[i]; }
  Source& source(std::size_t i) { return src_[i]; }
  Sink& sink(std::size_t i) { return sink_[i]; }
  [[nodiscard]] Time now() const { return now_; }

  Time tick{10'000};     // 10 ns per packet on the wire
  Time delay{1'000'000}; // 1 us each way
  double loss_data = 0, loss_ctrl = 0, dup = 0, reorder = 0;
  Time reorder_extra{3'000'000};
  DropFn drop;
  // The receiving TA: its verdict on a message that needs one, given `verdict_delay` after
  // delivery (default: TAACK normal at once).
  std::function<TaVerdict(std::size_t end, const RxMessage&)> verdict_fn;
  Time verdict_delay{0};
  std::array<std::uint64_t, 2> sent_packets{};
  std::uint64_t dropped = 0, duplicated = 0, reordered = 0, verdict_errors = 0;

  // One tick: sources offer, each end sends at most one packet, arrivals, timers, sinks read.
  void step() {
    for (std::size_t e = 0; e < 2; ++e) {
      offer(e);
    }
    bool moved = false;
    for (std::size_t d = 0; d < 2; ++d) {
      if (auto p = end_[d].poll_transmit(now_)) {
        moved = true;
        transmit(d, std::move(*p));
      }
    }
    while (!wire_.empty() && wire_.begin()->first.first <= now_) {
      auto node = wire_.extract(wire_.begin());
      InFlight& f = node.mapped();
      end_[1 - f.dir].on_receive(f.p.tp, f.p.cci, now_);
      moved = true;
    }
    for (auto& e : end_) {
      if (e.next_timeout() <= now_) {
        e.on_timeout(now_);
        moved = true; // a timer may have made a packet ready: no idle jump past it
      }
    }
    while (!verdicts_.empty() && verdicts_.begin()->first.first <= now_) {
      const auto [e, handle, v] = verdicts_.begin()->second;
      verdicts_.erase(verdicts_.begin());
      if (!end_[e].ta_verdict(handle, v, now_)) {
        ++verdict_errors;
      }
      moved = true;
    }
    for (std::size_t e = 0; e < 2; ++e) {
      while (auto m = end_[e].poll_deliver()) {
        if (m->needs_verdict) {
          const TaVerdict v = verdict_fn ? verdict_fn(e, *m) : TaVerdict{};
          verdicts_.emplace(std::make_pair(now_ + verdict_delay, seq_++),
                            std::make_tuple(e, m->last_psn, v));
        }
        sink_[e].check(*m);
      }
      while (auto ev = end_[e].poll_event()) {
        if (std::holds_alternative<MsgAcked>(*ev)) {
          ++src_[e].acked;
        } else if (const auto* f = std::get_if<ChannelFailed>(&*ev)) {
          src_[e].failed += f->failed.size();
        } else if (const auto* t = std::get_if<TaStatus>(&*ev)) {
          ++src_[e].acked;
          ++src_[e].ta_statuses;
          src_[e].statuses.push_back(*t);
        }
      }
    }
    // Idle: jump to the next arrival or timer.
    Time next = now_ + tick;
    if (!moved) {
      Time t = kNever;
      if (!wire_.empty()) {
        t = wire_.begin()->first.first;
      }
      t = std::min({t, end_[0].next_timeout(), end_[1].next_timeout()});
      if (!verdicts_.empty()) {
        t = std::min(t, verdicts_.begin()->first.first);
      }
      if (t != kNever && t > next && idle_sources()) {
        next = t;
      }
    }
    now_ = next;
  }

  [[nodiscard]] bool done() const {
    for (std::size_t e = 0; e < 2; ++e) {
      if (src_[e].to_send != 0 || src_[e].acked + src_[e].failed != src_[e].next) {
        return false;
      }
    }
    return true;
  }

  // Invariants after every step; empty when they hold.
  [[nodiscard]] std::string check() const {
    for (std::size_t e = 0; e < 2; ++e) {
      const TpChannel& c = end_[e];
      if (c.outstanding() > c.config().ooo_window || c.outstanding() >= kPsnHalf) {
        return "end " + std::to_string(e) + ": more packets in flight than the window";
      }
      if (c.counters().tpmsn_mismatches != 0) {
        return "end " + std::to_string(e) + ": a TPMSN disagrees with the message count";
      }
      if (verdict_errors != 0) {
        return "a TA verdict was refused";
      }
      const Sink& s = sink_[e];
      if (s.duplicates + s.gaps + s.corrupted != 0) {
        return "sink " + std::to_string(e) + ": " + s.last_problem;
      }
      if (src_[e].acked + src_[e].failed > src_[e].next) {
        return "end " + std::to_string(e) + ": more outcomes than messages";
      }
      if (sink_[1 - e].delivered > src_[e].next) {
        return "sink " + std::to_string(1 - e) + ": more deliveries than messages sent";
      }
    }
    return {};
  }

private:
  struct InFlight {
    std::size_t dir = 0;
    TpOut p;
  };

  [[nodiscard]] bool idle_sources() const {
    for (const auto& s : src_) {
      if (s.to_send != 0) {
        return false;
      }
    }
    return true;
  }

  void offer(std::size_t e) {
    Source& s = src_[e];
    while (s.to_send > 0) {
      auto msg = make_message(s.next, s.size);
      if (s.first_byte != 0) {
        msg[0] = s.first_byte; // a TAOpcode (the sink then cannot read the index)
      }
      const auto st = end_[e].send(msg);
      if (st != TpChannel::SendStatus::Queued) {
        if (st == TpChannel::SendStatus::Failed) {
          s.failed += s.to_send;
          s.next += s.to_send;
          s.to_send = 0;
        }
        break;
      }
      ++s.next;
      --s.to_send;
    }
  }

  void transmit(std::size_t d, TpOut p) {
    const std::uint64_t nth = sent_packets[d]++;
    if (drop && drop(d, p, nth)) {
      ++dropped;
      return;
    }
    const double loss = p.control ? loss_ctrl : loss_data;
    if (loss > 0 && rng_.bernoulli(loss)) {
      ++dropped;
      return;
    }
    Time at = now_ + delay;
    if (reorder > 0 && rng_.bernoulli(reorder)) {
      at += reorder_extra;
      ++reordered;
    }
    if (dup > 0 && rng_.bernoulli(dup)) {
      ++duplicated;
      wire_.emplace(std::make_pair(at + tick, seq_++), InFlight{d, p});
    }
    wire_.emplace(std::make_pair(at, seq_++), InFlight{d, std::move(p)});
  }

  std::array<TpChannel, 2> end_;
  std::array<Source, 2> src_{};
  std::array<Sink, 2> sink_{};
  std::map<std::pair<Time, std::uint64_t>, InFlight> wire_;
  std::map<std::pair<Time, std::uint64_t>, std::tuple<std::size_t, std::uint32_t, TaVerdict>>
      verdicts_;
  std::uint64_t seq_ = 0;
  Rng rng_;
  Time now_{0};
};

// The PSN of a data packet (RTPH bytes 8-10 hold the PSN after A/F/RSVD: bit offset 72).
inline std::uint32_t packet_psn(const TpOut& p) {
  const auto h = Codec<Rtph>::decode(p.tp);
  return h ? h->psn : 0;
}
inline bool is_data(const TpOut& p) {
  return !p.control;
}

} // namespace ub::tp::test
