#include "sim/transport_experiment.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <deque>
#include <map>
#include <memory>
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
      : cfg_(cfg), ends_(ends(cfg)), a_(ends_.a, tp::make_congestion_control(cfg.cc, cfg.cc_params),
                                        tp::make_cc_feedback(cfg.cc, cfg.cc_params)),
        b_(ends_.b, tp::make_congestion_control(cfg.cc, cfg.cc_params),
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

  static tp::TpChannelEnds ends(const TransportExperimentConfig& c) {
    if (c.random_initial_psns) {
      Rng setup(c.seed, 9);
      return tp::connect_channel(c.channel, 1, 2, setup);
    }
    tp::TpChannelEnds e{c.channel, c.channel};
    e.a.local_tpn = e.b.peer_tpn = 1;
    e.a.peer_tpn = e.b.local_tpn = 2;
    std::swap(e.b.tx_initial_psn, e.b.rx_initial_psn);
    return e;
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
      if (std::holds_alternative<tp::MsgAcked>(*e) || std::holds_alternative<tp::TaStatus>(*e)) {
        ++acked_;
      } else if (const auto* f = std::get_if<tp::ChannelFailed>(&*e)) {
        failed_ += f->failed.size();
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
    r.acks = cb.acks_sent;
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
  tp::TpChannelEnds ends_;
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

// Bottleneck mode: N sender/receiver pairs, one switch egress queue (see the header).
class IncastRun {
public:
  explicit IncastRun(const TransportExperimentConfig& cfg)
      : cfg_(cfg), rng_(cfg.seed, 5),
        bottleneck_bps_(cfg.bottleneck_bps != 0 ? cfg.bottleneck_bps : cfg.rate_bps),
        port_(caqm_params(cfg, bottleneck_bps_)) {
    tp::CcParams cc = cfg.cc_params;
    cc.line_rate_bps = cfg.rate_bps;
    Rng setup(cfg.seed, 9); // initial PSNs (§6.4.1), apart from the marking stream
    for (unsigned i = 0; i < cfg.senders; ++i) {
      tp::TpChannelConfig s = cfg.channel;
      s.local_tpn = 2 * i + 1;
      s.peer_tpn = 2 * i + 2;
      tp::TpChannelConfig r = cfg.channel;
      r.local_tpn = 2 * i + 2;
      r.peer_tpn = 2 * i + 1;
      std::swap(r.tx_initial_psn, r.rx_initial_psn);
      if (cfg.random_initial_psns) {
        const auto e = tp::connect_channel(cfg.channel, 2 * i + 1, 2 * i + 2, setup);
        s = e.a;
        r = e.b;
      }
      ch_.push_back(std::make_unique<tp::TpChannel>(s, tp::make_congestion_control(cfg.cc, cc),
                                                    tp::make_cc_feedback(cfg.cc, cc)));
      ch_.push_back(std::make_unique<tp::TpChannel>(r, tp::make_congestion_control(cfg.cc, cc),
                                                    tp::make_cc_feedback(cfg.cc, cc)));
      flows_.emplace_back();
      flows_.back().sent_at.reserve(cfg.messages);
    }
    tx_free_.assign(ch_.size(), Time{0});
  }

  TransportExperimentResult run() {
    while (now_ <= cfg_.time_limit) {
      step();
      if (done()) {
        break;
      }
      const Time next = next_event();
      if (next == kNever) {
        break; // nothing can happen any more
      }
      advance(std::max(next, now_ + Time{1}));
    }
    return result();
  }

private:
  struct Pkt {
    std::size_t from = 0; // channel index: 2i sender i, 2i + 1 its receiver
    tp::TpOut p;
    std::uint32_t wire = 0;
  };
  struct InFlight {
    bool to_switch = false;
    Pkt pkt;
  };
  struct Flow {
    std::uint64_t offered = 0, acked = 0, failed = 0, delivered = 0, next_expected = 0;
    std::uint64_t bytes = 0, bytes_at_first_finish = 0;
    std::vector<Time> sent_at;
    bool finished = false;
  };

  static tp::CaqmSwitchParams caqm_params(const TransportExperimentConfig& c, std::uint64_t bps) {
    tp::CaqmSwitchParams p = c.caqm;
    p.rate_bps = bps;
    p.mtu = c.cc_params.mtu;
    p.hint_unit = c.cc_params.caqm_hint_unit;
    return p;
  }

  [[nodiscard]] static Time ser(std::uint32_t bytes, std::uint64_t bps) {
    return BitRate{bps}.time_for_bits(std::uint64_t{bytes} * 8);
  }

  void advance(Time to) {
    queue_area_ += static_cast<double>(queued_) * static_cast<double>((to - now_).count());
    now_ = to;
  }

  void step() {
    offer();
    while (!wire_.empty() && wire_.begin()->first.first <= now_) {
      auto node = wire_.extract(wire_.begin());
      InFlight& f = node.mapped();
      if (f.to_switch) {
        enqueue(std::move(f.pkt));
      } else {
        ch_[f.pkt.from ^ 1U]->on_receive(f.pkt.p.tp, f.pkt.p.cci, now_);
      }
    }
    serve();
    if (cfg_.cc == tp::CcAlgo::Caqm && port_.next_timeout() <= now_) {
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
    for (std::size_t i = 0; i < flows_.size(); ++i) {
      Flow& f = flows_[i];
      tp::TpChannel& s = *ch_[2 * i];
      while (f.offered < cfg_.messages && s.queued_messages() < 16) {
        fill(buf_, static_cast<std::uint32_t>(f.offered), cfg_.size);
        if (s.send(buf_) != tp::TpChannel::SendStatus::Queued) {
          break;
        }
        f.sent_at.push_back(now_);
        ++f.offered;
      }
    }
  }

  void transmit(std::size_t c, tp::TpOut p) {
    const auto wire = static_cast<std::uint32_t>(p.tp.size() + 40);
    const Time s = ser(wire, cfg_.rate_bps);
    tx_free_[c] = now_ + s;
    const bool to_switch = c % 2 == 0 && !p.control;
    const Time at = now_ + s + (to_switch ? cfg_.latency / 2 : cfg_.latency);
    wire_.emplace(std::make_pair(at, seq_++), InFlight{to_switch, Pkt{c, std::move(p), wire}});
  }

  void enqueue(Pkt p) {
    if (queued_ + p.wire > cfg_.buffer_bytes) {
      ++drops_;
      return;
    }
    queued_ += p.wire;
    queue_peak_ = std::max(queue_peak_, queued_);
    queue_.push_back(std::move(p));
  }

  void serve() {
    while (!queue_.empty() && busy_until_ <= now_) {
      Pkt p = std::move(queue_.front());
      queue_.pop_front();
      queued_ -= p.wire;
      bool marked = false;
      if (cfg_.cc == tp::CcAlgo::Ldcp || cfg_.cc == tp::CcAlgo::Dcqcn) {
        marked = tp::fecn_on_dequeue(p.p.cci, queued_, true, cfg_.red, rng_);
      } else if (cfg_.cc == tp::CcAlgo::Caqm) {
        const tp::CaqmVerdict v = port_.on_forward(p.p.cci, p.wire, true, rng_);
        marked = v == tp::CaqmVerdict::Congested || v == tp::CaqmVerdict::DeniedMarked;
      }
      marks_ += marked ? 1 : 0;
      busy_until_ = now_ + ser(p.wire, bottleneck_bps_);
      const Time at = busy_until_ + cfg_.latency / 2;
      wire_.emplace(std::make_pair(at, seq_++), InFlight{false, std::move(p)});
    }
  }

  void collect() {
    const bool any_finished =
        std::any_of(flows_.begin(), flows_.end(), [](const Flow& f) { return f.finished; });
    for (std::size_t i = 0; i < flows_.size(); ++i) {
      Flow& f = flows_[i];
      while (auto m = ch_[2 * i + 1]->poll_deliver()) {
        ++delivered_;
        const auto& d = m->data;
        if (d.size() < 4) {
          ++corrupted_;
          continue;
        }
        const std::uint32_t k = (std::uint32_t{d[0]} << 24) | (std::uint32_t{d[1]} << 16) |
                                (std::uint32_t{d[2]} << 8) | d[3];
        fill(check_, k, d.size());
        if (check_ != d || d.size() != cfg_.size || k >= f.sent_at.size()) {
          ++corrupted_;
          continue;
        }
        if (k < f.next_expected) {
          ++dup_delivered_;
          continue;
        }
        if (k > f.next_expected) {
          ++out_of_order_;
        }
        f.next_expected = k + 1;
        f.bytes += d.size();
        bytes_ += d.size();
        last_delivery_ = now_;
        latencies_.push_back(to_us(now_ - f.sent_at[k]));
        fp_.add((std::uint64_t{i} << 32) | k);
      }
      while (auto e = ch_[2 * i]->poll_event()) {
        if (std::get_if<tp::MsgAcked>(&*e) != nullptr) {
          ++f.acked;
        } else if (const auto* failed = std::get_if<tp::ChannelFailed>(&*e)) {
          f.failed += failed->failed.size();
        }
      }
      f.finished = f.offered >= cfg_.messages && f.acked + f.failed >= cfg_.messages;
    }
    if (!any_finished &&
        std::any_of(flows_.begin(), flows_.end(), [](const Flow& f) { return f.finished; })) {
      for (auto& f : flows_) {
        f.bytes_at_first_finish = f.bytes;
      }
    }
  }

  [[nodiscard]] bool done() const {
    return std::all_of(flows_.begin(), flows_.end(), [](const Flow& f) { return f.finished; });
  }

  [[nodiscard]] Time next_event() const {
    Time t = kNever;
    if (!wire_.empty()) {
      t = wire_.begin()->first.first;
    }
    if (!queue_.empty()) {
      t = std::min(t, busy_until_);
    }
    if (cfg_.cc == tp::CcAlgo::Caqm) {
      t = std::min(t, port_.next_timeout());
    }
    for (std::size_t c = 0; c < ch_.size(); ++c) {
      t = std::min(t, ch_[c]->next_timeout());
      if (tx_free_[c] > now_) {
        t = std::min(t, tx_free_[c]);
      } else if (const tp::CongestionControl* cc = ch_[c]->congestion()) {
        const Time paced = cc->next_send_time(0, now_);
        if (paced > now_) {
          t = std::min(t, paced); // a rate-based sender's next slot
        }
      }
    }
    return t;
  }

  TransportExperimentResult result() {
    TransportExperimentResult r{};
    std::uint64_t offered = 0;
    double sum = 0, sq = 0;
    for (std::size_t i = 0; i < flows_.size(); ++i) {
      const Flow& f = flows_[i];
      const auto& cs = ch_[2 * i]->counters();
      const auto& cr = ch_[2 * i + 1]->counters();
      offered += f.offered;
      r.acked += f.acked;
      r.failed += f.failed;
      r.data_packets += cs.data_packets_sent;
      r.retransmissions += cs.retransmissions;
      r.spurious_retransmissions += cr.duplicates_received;
      r.timeouts += cs.timeouts;
      r.fast_retransmit_events += cs.fast_retransmit_events;
      r.acks += cr.acks_sent;
      r.naks += cr.naks_sent;
      r.sacks += cr.sacks_sent;
      const auto x = static_cast<double>(f.bytes_at_first_finish);
      sum += x;
      sq += x * x;
    }
    r.messages = offered;
    r.delivered = delivered_;
    r.duplicates_delivered = dup_delivered_;
    r.out_of_order = out_of_order_;
    r.corrupted = corrupted_;
    r.dropped = drops_;
    r.goodput_gbps = goodput_gbps(bytes_, last_delivery_);
    r.p50_latency_us = percentile(latencies_, 50);
    r.p99_latency_us = percentile(latencies_, 99);
    r.elapsed_us = to_us(now_);
    const std::uint64_t total = cfg_.messages * flows_.size();
    r.completed = r.acked == total && delivered_ == total && dup_delivered_ == 0 &&
                  out_of_order_ == 0 && corrupted_ == 0;
    r.queue_peak_bytes = queue_peak_;
    r.queue_avg_bytes = now_ > Time{0} ? queue_area_ / static_cast<double>(now_.count()) : 0.0;
    r.switch_drops = drops_;
    r.switch_marks = marks_;
    r.jain_fairness = sq > 0 ? sum * sum / (static_cast<double>(flows_.size()) * sq) : 0.0;
    Fnv f = fp_;
    for (const std::uint64_t v :
         {r.delivered, r.acked, r.failed, r.data_packets, r.retransmissions, r.timeouts, drops_,
          marks_, queue_peak_, static_cast<std::uint64_t>(now_.count())}) {
      f.add(v);
    }
    r.fingerprint = f.h;
    return r;
  }

  const TransportExperimentConfig& cfg_;
  Rng rng_;
  std::uint64_t bottleneck_bps_;
  tp::CaqmSwitchPort port_;
  std::vector<std::unique_ptr<tp::TpChannel>> ch_;
  std::vector<Time> tx_free_;
  std::vector<Flow> flows_;
  std::map<std::pair<Time, std::uint64_t>, InFlight> wire_;
  std::uint64_t seq_ = 0;
  std::deque<Pkt> queue_;
  std::uint64_t queued_ = 0, queue_peak_ = 0, drops_ = 0, marks_ = 0;
  double queue_area_ = 0;
  Time busy_until_{0};
  std::vector<Byte> buf_, check_;
  std::uint64_t delivered_ = 0, dup_delivered_ = 0, out_of_order_ = 0, corrupted_ = 0;
  std::uint64_t bytes_ = 0;
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
  if (senders == 0 || senders > 64) {
    return option_error("--senders", "must be 1..64", senders);
  }
  if (bottleneck_mode()) {
    const std::uint64_t packet = std::uint64_t{channel.mtu} + 100;
    if (buffer_bytes < packet || buffer_bytes > 1'000'000'000) {
      return option_error(
          "--buffer-kb",
          "must hold one packet (MTU + 100 bytes) and be at most 1 GB; the value shown is in bytes",
          buffer_bytes);
    }
    if (paths != 1 || per_packet) {
      return option_error("--paths", "the bottleneck mode has one path", paths);
    }
    if (loss != 0 || dup != 0 || reorder != 0) {
      return option_error(loss != 0 ? "--loss" : (dup != 0 ? "--dup" : "--reorder"),
                          "random loss, duplication and reordering are off in the bottleneck mode");
    }
  }
  return {};
}

TransportExperimentResult run_transport_experiment(const TransportExperimentConfig& cfg) {
  if (cfg.bottleneck_mode()) {
    IncastRun r(cfg);
    return r.run();
  }
  Run r(cfg);
  return r.run();
}

} // namespace ub::sim
