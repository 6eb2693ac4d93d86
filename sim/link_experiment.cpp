#include "sim/link_experiment.hpp"

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <deque>
#include <queue>

#include "protocol/common/rng.hpp"
#include "sim/run_stats.hpp"

namespace ub::sim {

namespace {

constexpr std::size_t kPorts = 2;
constexpr std::size_t kFrameFlits = phy::kFecFrameFlits;
constexpr std::size_t kPayloadHeader = 8; // VL, sequence number, length, marker

Status option_error(std::string_view option, std::string_view why, std::uint64_t value = 0) {
  return sim::option_error("link", option, why, value);
}

// The test payload: VL, sequence number, length, then bytes the sink can re-derive.
void fill_payload(std::vector<Byte>& p, unsigned vl, std::uint32_t seq, std::size_t size) {
  p.resize(size);
  p[0] = static_cast<Byte>(vl);
  p[1] = static_cast<Byte>(seq >> 24);
  p[2] = static_cast<Byte>(seq >> 16);
  p[3] = static_cast<Byte>(seq >> 8);
  p[4] = static_cast<Byte>(seq);
  p[5] = static_cast<Byte>(size >> 8);
  p[6] = static_cast<Byte>(size);
  p[7] = 0xA5;
  for (std::size_t i = kPayloadHeader; i < size; ++i) {
    p[i] = static_cast<Byte>(seq * 131U + i * 7U + vl);
  }
}

// Tags the events of one port before passing them on.
class PortTracer final : public Tracer {
public:
  PortTracer(Tracer* out, std::string_view name) : out_(out), name_(name) {}
  void on_event(const TraceEvent& e) override {
    TraceEvent t = e;
    t.component = name_;
    out_->on_event(t);
  }

private:
  Tracer* out_;
  std::string_view name_;
};

phy::PhyConfig reverse_phy(const LinkExperimentConfig& c) {
  phy::PhyConfig p = c.phy;
  if (c.reverse_lanes != 0) {
    p.lanes = c.reverse_lanes;
  }
  return p;
}

using Fnv = RunFingerprint;

class LinkRun {
public:
  explicit LinkRun(const LinkExperimentConfig& cfg)
      : cfg_(cfg), tracers_{PortTracer(cfg.tracer, "dl.A"), PortTracer(cfg.tracer, "dl.B")},
        dl_{dl::DataLink(cfg.dl, cfg.tracer != nullptr ? &tracers_[0] : nullptr),
            dl::DataLink(cfg.dl, cfg.tracer != nullptr ? &tracers_[1] : nullptr)},
        phy_{*phy::PhyChannel::make(cfg.phy), *phy::PhyChannel::make(reverse_phy(cfg))},
        rng_{Rng(cfg.seed, 1), Rng(cfg.seed, 2)} {
    for (std::size_t p = 0; p < kPorts; ++p) {
      const bool sends = p == 0 || cfg.bidirectional;
      src_[p].quota = quotas(sends ? cfg.packets : 0);
      src_[p].queued_at.resize(cfg.vls);
      sink_[p].next.assign(cfg.vls, 0);
      sink_[p].delivered_per_vl.assign(cfg.vls, 0);
      expected_ += sends ? cfg.packets : 0;
    }
    payload_.reserve(cfg.size);
  }

  LinkExperimentResult run() {
    for (auto& d : dl_) {
      d.on_link_up(now_);
    }
    for (std::size_t i = 0; i < cfg_.width_changes.size(); ++i) {
      schedule(cfg_.width_changes[i].at, Kind::WidthChange, static_cast<std::uint8_t>(i));
    }
    after_event();
    while (!events_.empty() && delivered_total() < expected_) {
      const Event ev = events_.top();
      events_.pop();
      if (ev.t > cfg_.time_limit) {
        now_ = cfg_.time_limit;
        break;
      }
      now_ = ev.t;
      handle(ev);
      after_event();
      if (dl_[0].failed() || dl_[1].failed()) {
        break; // RETRY_REQ_SM ERROR or a fatal credit error: the UBFM would step in
      }
    }
    return result();
  }

private:
  enum class Kind : std::uint8_t { TxReady, Arrive, Timer, RetrainDone, WidthChange };
  struct Event {
    Time t;
    std::uint64_t seq;
    Kind kind;
    std::uint8_t index; // direction or port
    std::uint64_t epoch;
    bool operator>(const Event& o) const { return t != o.t ? t > o.t : seq > o.seq; }
  };
  struct Frame {
    std::array<Byte, kFrameFlits * dl::kFlitBytes> bytes{};
    std::size_t size = 0;
    bool fec_failed = false;
  };
  struct Source {
    std::vector<std::uint32_t> quota; // packets still to send per VL
    std::vector<std::vector<Time>> queued_at;
    std::uint64_t sent = 0;
  };
  struct Sink {
    std::vector<std::int64_t> next;
    std::vector<std::uint64_t> delivered_per_vl;
    std::uint64_t delivered = 0, duplicates = 0, out_of_order = 0, corrupted = 0, flagged = 0;
    std::uint64_t bytes = 0;
  };

  [[nodiscard]] std::vector<std::uint32_t> quotas(std::uint64_t total) const {
    std::vector<std::uint32_t> q(cfg_.vls, 0);
    std::uint64_t rest = total;
    unsigned first = 0;
    if (cfg_.vl0_share >= 0.0 && cfg_.vls > 1) {
      q[0] = static_cast<std::uint32_t>(std::llround(static_cast<double>(total) * cfg_.vl0_share));
      rest -= q[0];
      first = 1;
    }
    const unsigned n = cfg_.vls - first;
    for (unsigned v = first; v < cfg_.vls; ++v) {
      q[v] = static_cast<std::uint32_t>(rest / n + ((v - first) < rest % n ? 1 : 0));
    }
    return q;
  }

  [[nodiscard]] std::uint64_t delivered_total() const {
    return sink_[0].delivered + sink_[1].delivered;
  }

  void schedule(Time t, Kind k, std::uint8_t index, std::uint64_t epoch = 0) {
    events_.push(Event{t, next_seq_++, k, index, epoch});
  }

  void handle(const Event& ev) {
    switch (ev.kind) {
    case Kind::TxReady:
      tx_event_pending_[ev.index] = false;
      transmit(ev.index);
      break;
    case Kind::Arrive: {
      if (ev.epoch != epoch_ || frames_[ev.index].empty()) {
        break; // lost to a retrain
      }
      const Frame f = frames_[ev.index].front();
      frames_[ev.index].pop_front();
      const std::size_t port = 1 - ev.index;
      dl_[port].on_receive(std::span<const Byte>(f.bytes.data(), f.size), now_, f.fec_failed);
      read(port);
      break;
    }
    case Kind::Timer:
      if (armed_[ev.index] == ev.t) {
        armed_[ev.index] = kNever;
        dl_[ev.index].on_timeout(now_);
      }
      break;
    case Kind::WidthChange:
      // Validated up front; a switch refused for the 1 us spacing rule is counted and skipped.
      if (!phy_[0].set_lanes(cfg_.width_changes[ev.index].lanes, now_)) {
        ++width_changes_refused_;
      }
      break;
    case Kind::RetrainDone:
      if (ev.epoch == epoch_) {
        retraining_ = false;
        for (auto& d : dl_) {
          d.on_retrain_done(now_);
        }
      }
      break;
    }
  }

  void after_event() {
    for (std::size_t p = 0; p < kPorts; ++p) {
      offer(p);
    }
    // Both ends' requests are taken (no short circuit): one retrain answers both.
    const bool asked = !retraining_ && (static_cast<int>(dl_[0].take_retrain_request()) |
                                        static_cast<int>(dl_[1].take_retrain_request())) != 0;
    if (asked) {
      // The PHY retrains the whole link: both directions stop, frames in flight are lost.
      retraining_ = true;
      ++epoch_;
      frames_[0].clear();
      frames_[1].clear();
      const Time back = std::max(phy_[0].retrain(now_), phy_[1].retrain(now_));
      for (auto& d : dl_) {
        d.on_retrain_start(now_);
      }
      schedule(back, Kind::RetrainDone, 0, epoch_);
    }
    for (std::uint8_t d = 0; d < kPorts; ++d) {
      transmit(d);
    }
    for (std::uint8_t p = 0; p < kPorts; ++p) {
      const Time t = dl_[p].next_timeout();
      if (t != kNever && t != armed_[p]) {
        armed_[p] = t;
        schedule(std::max(t, now_), Kind::Timer, p);
      }
    }
    peak_in_flight_ = std::max(peak_in_flight_, dl_[0].tx_credits().in_flight());
  }

  void offer(std::size_t p) {
    auto& s = src_[p];
    dl::DataLink& d = dl_[p];
    if (d.state() != dl::DllState::Normal || d.failed()) {
      return;
    }
    for (unsigned vl = 0; vl < cfg_.vls; ++vl) {
      while (s.quota[vl] > 0 && d.tx_queued(vl) < cfg_.window) {
        const auto seq = static_cast<std::uint32_t>(s.queued_at[vl].size());
        fill_payload(payload_, vl, seq, cfg_.size);
        const auto st = d.send(payload_, dl::cfg::kCna16, static_cast<std::uint8_t>(vl));
        if (st != dl::DataLink::SendStatus::Queued) {
          if (st != dl::DataLink::SendStatus::QueueFull) {
            s.quota[vl] = 0; // refused for good (validate() keeps this from happening)
            refused_ = true;
          }
          break;
        }
        s.queued_at[vl].push_back(now_);
        --s.quota[vl];
        ++s.sent;
        if (first_send_ == kNever) {
          first_send_ = now_;
        }
      }
    }
  }

  void transmit(std::uint8_t dir) {
    if (tx_event_pending_[dir] || retraining_) {
      return;
    }
    phy::PhyChannel& ch = phy_[dir];
    if (ch.busy_until() > now_) {
      tx_event_pending_[dir] = true;
      schedule(ch.busy_until(), Kind::TxReady, dir);
      return;
    }
    Frame f{};
    std::size_t n = dl_[dir].poll_transmit(f.bytes, now_);
    if (n == 0) {
      // Idle. A PHY sends Null blocks all the time; the model sends them only while the peer's
      // receiver is inside a block (MODEL: idle Nulls elsewhere change nothing but their own
      // exposure to bit errors).
      if (dl_[dir].failed() || !dl_[1 - dir].rx_mid_block()) {
        return; // idle until something happens at this port
      }
      const auto null = dl_[dir].null_flit();
      std::copy(null.begin(), null.end(), f.bytes.begin());
      ++null_flits_;
      n = dl::kFlitBytes;
    }
    std::size_t flits = n / dl::kFlitBytes;
    if (cfg_.phy.fec != phy::FecMode::Off) {
      // An FEC frame is 6 flits: an idle data link fills it with Null blocks (§3.2.2.1, §4.3.3.2).
      const auto null = dl_[dir].null_flit();
      for (; flits < kFrameFlits; ++flits) {
        std::copy(null.begin(), null.end(), f.bytes.begin() + flits * dl::kFlitBytes);
        ++null_flits_;
      }
    }
    f.size = flits * dl::kFlitBytes;
    Frame out{};
    out.size = f.size;
    const auto r = ch.carry(now_, std::span<const Byte>(f.bytes.data(), f.size),
                            std::span<Byte>(out.bytes.data(), out.size), rng_[dir]);
    if (!r) {
      tx_event_pending_[dir] = true; // the channel is switching width or retraining
      schedule(std::max(ch.busy_until(), now_ + Time{1}), Kind::TxReady, dir);
      return;
    }
    out.fec_failed = r->fec_failed;
    const Time wire = ch.wire_time(flits);
    frames_[dir].push_back(out);
    schedule(now_ + wire + cfg_.latency + ch.latency(), Kind::Arrive, dir, epoch_);
    tx_event_pending_[dir] = true;
    schedule(now_ + wire, Kind::TxReady, dir);
  }

  void read(std::size_t port) {
    Sink& s = sink_[port];
    const Source& from = src_[1 - port];
    while (auto p = dl_[port].poll_deliver()) {
      ++s.delivered;
      last_delivery_ = now_;
      const auto& n = p->net;
      if (p->error_flag) {
        ++s.flagged;
        continue;
      }
      if (n.size() < kPayloadHeader || n[0] >= cfg_.vls) {
        ++s.corrupted;
        continue;
      }
      const unsigned vl = n[0];
      const std::uint32_t seq = (std::uint32_t{n[1]} << 24) | (std::uint32_t{n[2]} << 16) |
                                (std::uint32_t{n[3]} << 8) | n[4];
      fill_payload(check_, vl, seq, n.size());
      if (check_ != n || n.size() != cfg_.size || p->lph.vl != vl ||
          seq >= from.queued_at[vl].size()) {
        ++s.corrupted;
        continue;
      }
      fp_.add((std::uint64_t{port} << 56) | (std::uint64_t{vl} << 40) | seq);
      const auto expect = s.next[vl];
      if (static_cast<std::int64_t>(seq) < expect) {
        ++s.duplicates;
        continue;
      }
      if (static_cast<std::int64_t>(seq) > expect) {
        ++s.out_of_order;
      }
      s.next[vl] = static_cast<std::int64_t>(seq) + 1;
      ++s.delivered_per_vl[vl];
      s.bytes += n.size();
      latencies_.push_back(to_ns(now_ - from.queued_at[vl][seq]));
    }
  }

  LinkExperimentResult result() {
    LinkExperimentResult r{};
    for (std::size_t p = 0; p < kPorts; ++p) {
      const auto& c = dl_[p].counters();
      const auto& s = sink_[p];
      r.sent += src_[p].sent;
      r.delivered += s.delivered;
      r.duplicates += s.duplicates;
      r.out_of_order += s.out_of_order;
      r.corrupted += s.corrupted;
      r.error_flagged += s.flagged;
      r.retries += c.retry_req_sets;
      r.block_errors += c.block_errors;
      r.retransmitted_flits += c.flits_retransmitted;
      r.retrains += c.retrains;
      r.credit_stalls += c.credit_stalls;
      r.retry_ack_timeouts += c.errors[static_cast<std::size_t>(dl::DlError::RetryAckTimeout)];
      r.flits_sent += c.flits_sent;
      const auto& pc = phy_[p].counters();
      r.bits_flipped += pc.bits_flipped;
      r.fec_frames_corrected += pc.frames_corrected;
      r.fec_frames_uncorrectable += pc.frames_uncorrectable;
      r.phy_silent_corruptions += pc.silent_corruptions;
    }
    r.null_flits = null_flits_;
    r.width_changes = phy_[0].counters().width_changes;
    r.width_changes_refused = width_changes_refused_;
    r.delivered_per_vl = sink_[1].delivered_per_vl;
    r.credits_in_flight_peak = peak_in_flight_;
    const std::uint64_t bytes = sink_[0].bytes + sink_[1].bytes;
    const Time span = last_delivery_ > first_send_ && first_send_ != kNever
                          ? last_delivery_ - first_send_
                          : Time{0};
    r.goodput_gbps = goodput_gbps(bytes, span);
    r.line_rate_gbps = static_cast<double>(cfg_.phy.lane_rate.bps) * cfg_.phy.lanes / 1e9;
    if (!latencies_.empty()) {
      double sum = 0;
      for (const double l : latencies_) {
        sum += l;
      }
      r.latency_mean_ns = sum / static_cast<double>(latencies_.size());
      r.latency_p99_ns = percentile(latencies_, 99);
    }
    r.elapsed_us = to_us(now_);
    r.completed = delivered_total() >= expected_ && !refused_;
    for (const auto& d : dl_) {
      if (d.failed()) {
        r.link_state = d.retry_req_state() == dl::RetryReqState::Error
                           ? "ERROR (DL Retry Error)"
                           : "FAILED (uncorrectable data link error)";
        break;
      }
    }
    if (r.link_state.empty()) {
      r.link_state = std::string(to_string(dl_[0].state()));
    }
    Fnv f = fp_;
    for (const std::uint64_t v :
         {r.sent, r.delivered, r.duplicates, r.out_of_order, r.corrupted, r.retries, r.block_errors,
          r.retransmitted_flits, r.retrains, r.credit_stalls, r.flits_sent, r.bits_flipped,
          static_cast<std::uint64_t>(now_.count())}) {
      f.add(v);
    }
    r.fingerprint = f.h;
    return r;
  }

  const LinkExperimentConfig& cfg_;
  std::array<PortTracer, kPorts> tracers_;
  std::array<dl::DataLink, kPorts> dl_;
  std::array<phy::PhyChannel, kPorts> phy_;
  std::array<Rng, kPorts> rng_;
  std::array<Source, kPorts> src_{};
  std::array<Sink, kPorts> sink_{};
  std::array<std::deque<Frame>, kPorts> frames_{};
  std::array<bool, kPorts> tx_event_pending_{};
  std::array<Time, kPorts> armed_{kNever, kNever};
  std::priority_queue<Event, std::vector<Event>, std::greater<>> events_;
  std::uint64_t next_seq_ = 0;
  std::uint64_t epoch_ = 0;
  bool retraining_ = false;
  bool refused_ = false;
  Time now_{0};
  Time first_send_ = kNever;
  Time last_delivery_{0};
  std::uint64_t expected_ = 0;
  std::uint64_t null_flits_ = 0;
  std::uint64_t width_changes_refused_ = 0;
  std::uint32_t peak_in_flight_ = 0;
  std::vector<Byte> payload_;
  std::vector<Byte> check_;
  std::vector<double> latencies_;
  Fnv fp_{};
};

} // namespace

Status LinkExperimentConfig::validate() const {
  if (packets == 0 || packets > 100'000'000) {
    return option_error("--packets", "must be 1..100000000", packets);
  }
  const std::size_t max = dl::max_payload(dl.mode);
  if (size < kPayloadHeader || size > max) {
    return option_error("--size", "must be 8..the largest DLLDP payload of the block mode", size);
  }
  const unsigned enabled = static_cast<unsigned>(std::countr_one(dl.offer.vl_enable));
  if (vls == 0 || vls > dl::kMaxVls || vls > enabled) {
    return option_error("--vls", "must be 1..16 and within the enabled VLs", vls);
  }
  if (!(vl0_share < 0.0 || (vl0_share >= 0.0 && vl0_share <= 1.0)) || std::isnan(vl0_share)) {
    return option_error("--vl0-share", "must be a fraction 0..1");
  }
  if (window == 0) {
    return option_error("--window", "must be at least 1");
  }
  if (latency < Time{0}) {
    return option_error("--latency", "must not be negative");
  }
  if (dl.mode == dl::BlockMode::NonCrc && phy.fec == phy::FecMode::Off) {
    // §4.3.2.3: without a BCRC only the FEC can find errors.
    return option_error("--crc-mode", "non-CRC mode needs FEC (--fec t2 or t4)");
  }
  if (auto s = phy.validate(); !s) {
    return s;
  }
  if (reverse_lanes != 0 && !phy::is_standard_width(reverse_lanes)) {
    return option_error("--reverse-lanes", "must be 1, 2, 4 or 8", reverse_lanes);
  }
  if (width_changes.size() > 200) {
    return option_error("--lanes-at", "at most 200 width changes", width_changes.size());
  }
  for (const auto& w : width_changes) {
    if (!phy::is_standard_width(w.lanes) || w.lanes > phy.lanes) {
      return option_error("--lanes-at", "width must be 1, 2, 4 or 8 and at most --lanes", w.lanes);
    }
    if (w.at < Time{0}) {
      return option_error("--lanes-at", "time must not be negative");
    }
  }
  if (auto s = dl::validate(dl); !s) {
    return s;
  }
  return {};
}

LinkExperimentResult run_link_experiment(const LinkExperimentConfig& cfg) {
  LinkRun run(cfg);
  return run.run();
}

} // namespace ub::sim
