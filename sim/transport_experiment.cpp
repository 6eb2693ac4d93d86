#include "sim/transport_experiment.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <map>
#include <vector>

#include "protocol/common/rng.hpp"
#include "sim/run_stats.hpp"

namespace ub::sim {

namespace {

Status option_error(std::string_view option, std::string_view why, std::uint64_t value = 0) {
  return sim::option_error("transport", option, why, value);
}

void fill(std::vector<Byte>& m, std::uint32_t i, std::size_t size) {
  m.resize(size);
  for (std::size_t k = 0; k < size; ++k) {
    m[k] = static_cast<Byte>(i * 131U + k * 7U);
  }
  m[0] = static_cast<Byte>(i >> 24);
  m[1] = static_cast<Byte>(i >> 16);
  m[2] = static_cast<Byte>(i >> 8);
  m[3] = static_cast<Byte>(i);
}

using Fnv = RunFingerprint;

class Run {
public:
  explicit Run(const TransportExperimentConfig& cfg)
      : cfg_(cfg), a_(side(cfg, true), tp::make_congestion_control(cfg.cc, cfg.cc_params),
                      tp::make_cc_feedback(cfg.cc, cfg.cc_params)),
        b_(side(cfg, false), tp::make_congestion_control(cfg.cc, cfg.cc_params),
           tp::make_cc_feedback(cfg.cc, cfg.cc_params)),
        rng_(cfg.seed, 3) {
    sent_at_.reserve(cfg.messages);
  }

  TransportExperimentResult run() {
    Time now{0};
    std::uint64_t idle_guard = 0;
    while (now <= cfg_.time_limit) {
      offer(now);
      bool moved = false;
      for (std::size_t d = 0; d < 2; ++d) {
        tp::TpChannel& src = d == 0 ? a_ : b_;
        while (tx_free_[d] <= now) {
          auto p = src.poll_transmit(now);
          if (!p) {
            break;
          }
          moved = true;
          transmit(d, std::move(*p), now);
        }
      }
      while (!wire_.empty() && wire_.begin()->first.first <= now) {
        auto node = wire_.extract(wire_.begin());
        (node.mapped().dir == 0 ? b_ : a_).on_receive(node.mapped().p.tp, node.mapped().p.cci, now);
        moved = true;
      }
      for (tp::TpChannel* c : {&a_, &b_}) {
        if (c->next_timeout() <= now) {
          c->on_timeout(now);
          moved = true;
        }
      }
      collect(now);
      if (done()) {
        break;
      }
      // Next event: a free transmitter with something to send is polled again soon; otherwise
      // jump to the next arrival or timer.
      Time next = kNever;
      if (!wire_.empty()) {
        next = wire_.begin()->first.first;
      }
      next = std::min({next, a_.next_timeout(), b_.next_timeout()});
      for (std::size_t d = 0; d < 2; ++d) {
        if (moved || tx_free_[d] > now) {
          next = std::min(next, std::max(tx_free_[d], now + Time{1'000}));
        }
      }
      if (next == kNever) {
        if (++idle_guard > 2) {
          break; // nothing can happen any more
        }
        next = now + Time{1'000};
      } else {
        idle_guard = 0;
      }
      now = std::max(next, now + Time{1});
    }
    now_ = now;
    return result();
  }

private:
  struct InFlight {
    std::size_t dir = 0;
    tp::TpOut p;
  };

  static tp::TpChannelConfig side(const TransportExperimentConfig& c, bool a) {
    tp::TpChannelConfig s = c.channel;
    s.local_tpn = a ? 1 : 2;
    s.peer_tpn = a ? 2 : 1;
    s.tx_initial_psn = a ? c.channel.tx_initial_psn : c.channel.rx_initial_psn;
    s.rx_initial_psn = a ? c.channel.rx_initial_psn : c.channel.tx_initial_psn;
    return s;
  }

  void offer(Time now) {
    while (next_msg_ < cfg_.messages && a_.queued_messages() < 16) {
      fill(buf_, static_cast<std::uint32_t>(next_msg_), cfg_.size);
      if (a_.send(buf_) != tp::TpChannel::SendStatus::Queued) {
        break;
      }
      sent_at_.push_back(now);
      if (first_send_ == kNever) {
        first_send_ = now;
      }
      ++next_msg_;
    }
  }

  void transmit(std::size_t d, tp::TpOut p, Time now) {
    const Time wire = Time{static_cast<std::int64_t>(
        (static_cast<double>(p.tp.size() + 40) * 8.0 / static_cast<double>(cfg_.rate_bps)) * 1e12)};
    tx_free_[d] = now + wire;
    if (cfg_.loss > 0 && rng_.bernoulli(cfg_.loss)) {
      ++dropped_;
      return;
    }
    unsigned path = 0;
    if (cfg_.per_packet && cfg_.paths > 1 && !p.control) {
      const auto h = Codec<tp::Rtph>::decode(p.tp);
      path = h ? h->psn % cfg_.paths : 0;
    }
    Time at = now + wire + cfg_.latency + cfg_.path_skew * path;
    if (cfg_.reorder > 0 && rng_.bernoulli(cfg_.reorder)) {
      at += cfg_.reorder_delay;
      ++reordered_;
    }
    if (cfg_.dup > 0 && rng_.bernoulli(cfg_.dup)) {
      ++duplicated_;
      wire_.emplace(std::make_pair(at + Time{1'000}, seq_++), InFlight{d, p});
    }
    wire_.emplace(std::make_pair(at, seq_++), InFlight{d, std::move(p)});
  }

  void collect(Time now) {
    while (auto m = b_.poll_deliver()) {
      ++delivered_;
      const auto& d = m->data;
      if (d.size() < 4) {
        ++corrupted_;
        continue;
      }
      const std::uint32_t i = (std::uint32_t{d[0]} << 24) | (std::uint32_t{d[1]} << 16) |
                              (std::uint32_t{d[2]} << 8) | d[3];
      fill(check_, i, d.size());
      if (check_ != d || d.size() != cfg_.size || i >= sent_at_.size()) {
        ++corrupted_;
        continue;
      }
      if (i < next_expected_) {
        ++dup_delivered_;
        continue;
      }
      if (i > next_expected_) {
        ++out_of_order_;
      }
      next_expected_ = i + 1;
      bytes_ += d.size();
      last_delivery_ = now;
      latencies_.push_back(to_us(now - sent_at_[i]));
      fp_.add(i);
    }
    while (auto e = a_.poll_event()) {
      if (std::holds_alternative<tp::MsgAcked>(*e)) {
        ++acked_;
      } else {
        failed_ += std::get<tp::ChannelFailed>(*e).failed.size();
      }
    }
  }

  [[nodiscard]] bool done() const {
    return next_msg_ >= cfg_.messages && acked_ + failed_ >= cfg_.messages;
  }

  TransportExperimentResult result() {
    TransportExperimentResult r{};
    const auto& ca = a_.counters();
    const auto& cb = b_.counters();
    r.messages = next_msg_;
    r.delivered = delivered_;
    r.duplicates_delivered = dup_delivered_;
    r.out_of_order = out_of_order_;
    r.corrupted = corrupted_;
    r.acked = acked_;
    r.failed = failed_;
    r.data_packets = ca.data_packets_sent;
    r.retransmissions = ca.retransmissions;
    r.spurious_retransmissions = cb.duplicates_received;
    r.timeouts = ca.timeouts;
    r.fast_retransmit_events = ca.fast_retransmit_events;
    r.naks = cb.naks_sent;
    r.sacks = cb.sacks_sent;
    r.dropped = dropped_;
    r.duplicated = duplicated_;
    r.reordered = reordered_;
    const Time span = last_delivery_ > first_send_ && first_send_ != kNever
                          ? last_delivery_ - first_send_
                          : Time{0};
    r.goodput_gbps = goodput_gbps(bytes_, span);
    r.p50_latency_us = percentile(latencies_, 50);
    r.p99_latency_us = percentile(latencies_, 99);
    r.elapsed_us = to_us(now_);
    r.completed = acked_ == cfg_.messages && delivered_ == cfg_.messages;
    Fnv f = fp_;
    for (const std::uint64_t v :
         {r.delivered, r.acked, r.failed, r.data_packets, r.retransmissions, r.timeouts, r.dropped,
          static_cast<std::uint64_t>(now_.count())}) {
      f.add(v);
    }
    r.fingerprint = f.h;
    return r;
  }

  const TransportExperimentConfig& cfg_;
  tp::TpChannel a_;
  tp::TpChannel b_;
  Rng rng_;
  std::map<std::pair<Time, std::uint64_t>, InFlight> wire_;
  std::uint64_t seq_ = 0;
  std::array<Time, 2> tx_free_{};
  std::uint64_t next_msg_ = 0;
  std::vector<Time> sent_at_;
  std::vector<Byte> buf_, check_;
  std::uint64_t delivered_ = 0, dup_delivered_ = 0, out_of_order_ = 0, corrupted_ = 0;
  std::uint64_t acked_ = 0, failed_ = 0;
  std::uint64_t dropped_ = 0, duplicated_ = 0, reordered_ = 0;
  std::uint64_t next_expected_ = 0;
  std::uint64_t bytes_ = 0;
  Time first_send_ = kNever;
  Time last_delivery_{0};
  Time now_{0};
  std::vector<double> latencies_;
  Fnv fp_{};
};

} // namespace

Status TransportExperimentConfig::validate() const {
  if (messages == 0 || messages > 10'000'000) {
    return option_error("--messages", "must be 1..10000000", messages);
  }
  if (size < 4 || size > (1U << 20)) {
    return option_error("--size", "must be 4..1048576 bytes", size);
  }
  for (const auto& [name, p] : {std::pair<std::string_view, double>{"--loss", loss},
                                {"--dup", dup},
                                {"--reorder", reorder}}) {
    if (!(p >= 0.0 && p < 1.0)) {
      return option_error(name, "must be a probability in [0, 1)");
    }
  }
  if (paths == 0 || paths > 64) {
    return option_error("--paths", "must be 1..64", paths);
  }
  if (rate_bps == 0) {
    return option_error("--rate", "must be positive");
  }
  if (auto s = tp::validate(channel); !s) {
    return s;
  }
  return {};
}

TransportExperimentResult run_transport_experiment(const TransportExperimentConfig& cfg) {
  Run r(cfg);
  return r.run();
}

} // namespace ub::sim
