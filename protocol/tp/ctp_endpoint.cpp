#include "protocol/tp/ctp_endpoint.hpp"

#include <algorithm>
#include <array>

#include <fmt/format.h>

#include "protocol/tp/cetph.hpp"

namespace ub::tp {

namespace {

constexpr std::size_t kCtphBytes = 1;
constexpr std::size_t kCnpBytes = 16;
constexpr std::size_t kIcrcBytes = 4;
constexpr std::uint8_t kMaxVl = 15; // VL[3:0] (§4.3.2.2.2), SL[3:0] (§5.2.1)

// splitmix64 finaliser: a fixed, portable mix.
constexpr std::uint64_t mix(std::uint64_t x) noexcept {
  x += 0x9E3779B97F4A7C15ULL;
  x = (x ^ (x >> 30U)) * 0xBF58476D1CE4E5B9ULL;
  x = (x ^ (x >> 27U)) * 0x94D049BB133111EBULL;
  return x ^ (x >> 31U);
}

// Zero bytes after the TP bytes so that NTH..padding is a multiple of 4 (Table 6-2 Padding).
constexpr std::uint8_t padding_for(std::size_t nth, std::size_t tp_bytes) noexcept {
  return static_cast<std::uint8_t>((4 - (nth + tp_bytes) % 4) % 4);
}

// Bytes a packet counts for congestion control: TP header through ICRC (§6.6.1.1.1).
std::uint32_t cc_bytes(const CtpOut& o) noexcept {
  return static_cast<std::uint32_t>(o.tp.size() + kIcrcBytes);
}

bool fecn_marked(const nl::Cci& c) noexcept {
  return (c.mode == nl::cci_mode::kFecn || c.mode == nl::cci_mode::kFecnRtt) &&
         (c.fecn == nl::fecn::kMild || c.fecn == nl::fecn::kSevere);
}

} // namespace

std::string to_string(const TpSendError& e) {
  std::string out{e.error.header};
  if (!e.error.field.empty()) {
    out += out.empty() ? "" : ".";
    out += e.error.field;
  }
  out += ": ";
  out += to_string(e.error.code);
  if (!e.error.reason.empty()) {
    out += ": ";
    out += e.error.reason;
  }
  if (e.size != 0 || e.limit != 0) {
    out += fmt::format(": {} bytes, MTU {}", e.size, e.limit);
  } else if (e.error.has_value) {
    out += fmt::format(" ({})", e.error.value);
  }
  if (!e.error.clause.empty()) {
    out += fmt::format(" [UB-Base-2.0 {}]", e.error.clause);
  }
  return out;
}

std::string_view to_string(CtpLb lb) noexcept {
  switch (lb) {
  case CtpLb::PerFlow:
    return "per-flow";
  case CtpLb::PerPacket:
    return "per-packet";
  }
  return "?";
}

Status validate(const CtpConfig& c) noexcept {
  auto bad = [](std::string_view field, std::string_view why, std::string_view clause,
                std::uint64_t v) -> Status {
    return make_unexpected(
        Error{Errc::OutOfRange, 0, "CtpConfig", field, why, clause}.with_value(v));
  };
  if (c.nth != CtpNth::Cna16 && c.nth != CtpNth::Cna24) {
    return bad("nth", "must be Cna16 (CFG 6) or Cna24 (CFG 7)", "App. B.2",
               static_cast<std::uint64_t>(c.nth));
  }
  if (c.local_cna > cna_mask(c.nth)) {
    return bad("local_cna", "does not fit the NTH's CNA (16 bits in CFG 6, 24 in CFG 7)", "§5.2",
               c.local_cna);
  }
  if (c.mtu < 256 || c.mtu > 8192 || (c.mtu & (c.mtu - 1)) != 0) {
    return bad("mtu", "must be a power of two, 256..8192", "§6.7.2", c.mtu);
  }
  if (c.lb != CtpLb::PerFlow && c.lb != CtpLb::PerPacket) {
    return bad("lb", "must be PerFlow or PerPacket", "§6.5.2", static_cast<std::uint64_t>(c.lb));
  }
  if (c.tx_queue_limit == 0) {
    return bad("tx_queue_limit", "must be at least 1", "§6.3.2", 0);
  }
  if (c.cc.line_rate_bps == 0) {
    return bad("cc.line_rate_bps", "must be positive", "§6.6.2", 0);
  }
  if (c.cc.dcqcn_k <= Time{0} || c.cc.dcqcn_t <= Time{0} || c.cc.dcqcn_b_bytes == 0) {
    return bad("cc.dcqcn_k/t/b_bytes", "DCQCN timers and byte counter must be positive", "§6.6.2",
               0);
  }
  if (c.cc.dcqcn_cnp_interval < Time{0}) {
    return bad("cc.dcqcn_cnp_interval", "must not be negative", "§6.6.2", 0);
  }
  return {};
}

CtpEndpoint::CtpEndpoint(CtpConfig cfg) : cfg_(cfg) {}

// ---------------------------------------------------------------------------------------------
// Transaction layer

Expected<void, TpSendError> CtpEndpoint::send(const CtpSend& s) {
  auto refuse = [&](Errc code, std::string_view field, std::string_view why,
                    std::string_view clause, std::uint64_t v) -> Expected<void, TpSendError> {
    ++counters_.sends_refused;
    return make_unexpected(TpSendError{Error{code, 0, "CTP", field, why, clause}.with_value(v)});
  };
  if (s.dst_cna > cna_mask(cfg_.nth)) {
    return refuse(Errc::OutOfRange, "dst_cna",
                  "does not fit the NTH's CNA (16 bits in CFG 6, 24 in CFG 7)", "§5.2", s.dst_cna);
  }
  if (s.vl > kMaxVl) {
    return refuse(Errc::OutOfRange, "vl", "VL is 4 bits", "§4.3.2.2.2", s.vl);
  }
  if (s.sl > kMaxVl) {
    return refuse(Errc::OutOfRange, "sl", "SL is 4 bits", "§5.2.1", s.sl);
  }
  if (s.nlp > ctph_nlp::kCiph) {
    return refuse(Errc::ReservedValue, "NLP", "CTPH NLP must be 0..3", "§6.2.1", s.nlp);
  }
  if (s.nlp == ctph_nlp::kUpi32Eid256 && cfg_.nth == CtpNth::Cna16) {
    return refuse(Errc::NotAllowed, "NLP", "CFG 6 carries UPIH16 + EIDH40 (NLP 2)", "App. B.2.4",
                  s.nlp);
  }
  if (s.nlp == ctph_nlp::kUpi16Eid40 && cfg_.nth == CtpNth::Cna24) {
    return refuse(Errc::NotAllowed, "NLP", "CFG 7 carries UPIH32 + EIDH256 (NLP 1)", "App. B.2.5",
                  s.nlp);
  }
  if (s.ta_header_bytes > s.ta.size()) {
    return refuse(Errc::OutOfRange, "ta_header_bytes", "more header bytes than TA bytes", "§6.7.2",
                  s.ta_header_bytes);
  }
  const std::size_t payload = s.ta.size() - s.ta_header_bytes;
  if (payload > cfg_.mtu) {
    // §6.7.2.1: one TA operation per packet, its payload 0..MTU. Refused, never cut.
    ++counters_.sends_refused;
    return make_unexpected(TpSendError{
        Error{Errc::OutOfRange, 0, "CTP", "TA payload",
              "one TA operation per packet: the payload must not exceed the TP MTU", "§6.7.2"},
        payload, cfg_.mtu});
  }
  if (queued_ >= cfg_.tx_queue_limit) {
    return refuse(Errc::NotAllowed, "tx_queue_limit", "send queue full", "§6.3.2", queued_);
  }

  CtpOut o{};
  o.dst_cna = s.dst_cna;
  o.vl = s.vl;
  o.sl = s.sl;
  o.lbf = next_lbf(s.dst_cna);
  const std::uint8_t pad = padding_for(nth_bytes(cfg_.nth), kCtphBytes + s.ta.size());
  o.tp.assign(kCtphBytes + s.ta.size() + pad, 0);
  (void)Codec<Ctph>::encode(Ctph{ctp_opcode::kData, pad, s.nlp}, o.tp);
  std::copy(s.ta.begin(), s.ta.end(), o.tp.begin() + kCtphBytes);
  Flow& f = flow(key_of(s.dst_cna, s.vl));
  (void)limiter_of(f); // created on first use
  f.queue.push_back(std::move(o));
  ++queued_;
  return {};
}

std::optional<CtpDelivery> CtpEndpoint::poll_deliver() {
  if (rx_.empty()) {
    return std::nullopt;
  }
  CtpDelivery d = std::move(rx_.front());
  rx_.pop_front();
  return d;
}

std::uint8_t CtpEndpoint::flow_lbf(std::uint32_t dst_cna) const noexcept {
  return static_cast<std::uint8_t>(mix(cfg_.lbf_seed ^ (std::uint64_t{dst_cna} << 8U)) & 0xFFU);
}

std::uint8_t CtpEndpoint::next_lbf(std::uint32_t dst_cna) {
  const std::uint8_t base = flow_lbf(dst_cna);
  if (cfg_.lb == CtpLb::PerFlow) {
    return base;
  }
  // §6.5.2.1 per-packet: a different LBF on each packet to this Entity.
  const std::uint64_t n = sprayed_[dst_cna]++;
  return static_cast<std::uint8_t>((base + n) & 0xFFU);
}

CtpEndpoint::Flow& CtpEndpoint::flow(Key k) {
  return flows_[k];
}

CongestionControl* CtpEndpoint::limiter_of(Flow& f) {
  if (!cfg_.congestion_control) {
    return nullptr;
  }
  if (!f.cc) {
    f.cc = make_congestion_control(CcAlgo::Dcqcn, cfg_.cc);
  }
  return f.cc.get();
}

const CongestionControl* CtpEndpoint::limiter(std::uint32_t dst_cna,
                                              std::uint8_t vl) const noexcept {
  const auto it = flows_.find(key_of(dst_cna, vl));
  return it == flows_.end() ? nullptr : it->second.cc.get();
}

std::size_t CtpEndpoint::limiter_count() const noexcept {
  return static_cast<std::size_t>(std::count_if(
      flows_.begin(), flows_.end(), [](const auto& kv) { return kv.second.cc != nullptr; }));
}

// ---------------------------------------------------------------------------------------------
// Transmit

std::optional<CtpOut> CtpEndpoint::poll_transmit(Time now) {
  if (!control_out_.empty()) {
    // MODEL: CNPs are not paced and go before data (as A-75 for RTP).
    CtpOut o = std::move(control_out_.front());
    control_out_.pop_front();
    ++counters_.cnps_sent;
    return o;
  }
  if (queued_ == 0) {
    return std::nullopt;
  }
  // Round robin over the (destination, VL) queues, starting after the last one served; a queue
  // whose limiter holds it back does not block the others.
  auto it = flows_.lower_bound(rr_next_);
  for (std::size_t i = 0; i < flows_.size(); ++i, ++it) {
    if (it == flows_.end()) {
      it = flows_.begin();
    }
    Flow& f = it->second;
    if (f.queue.empty()) {
      continue;
    }
    const std::uint32_t bytes = cc_bytes(f.queue.front());
    CongestionControl* cc = limiter_of(f);
    if (cc != nullptr && cc->next_send_time(bytes, now) > now) {
      continue;
    }
    CtpOut o = std::move(f.queue.front());
    f.queue.pop_front();
    --queued_;
    const CcSent sent{0, bytes, false};
    if (cc != nullptr) {
      cc->stamp(o.cci, sent, now); // FECN mode, FECN 10: markable (§5.3.5.1)
      cc->on_sent(sent, now);
    }
    ++counters_.data_sent;
    rr_next_ = it->first + 1;
    return o;
  }
  return std::nullopt;
}

Time CtpEndpoint::next_timeout() const noexcept {
  Time t = control_out_.empty() ? kNever : Time{0};
  for (const auto& [k, f] : flows_) {
    if (f.cc) {
      t = std::min(t, f.cc->next_timer());
    }
    if (!f.queue.empty()) {
      t = std::min(t, f.cc ? f.cc->next_send_time(cc_bytes(f.queue.front()), Time{0}) : Time{0});
    }
  }
  return t;
}

Time CtpEndpoint::next_timer() const noexcept {
  Time t = kNever;
  for (const auto& [k, f] : flows_) {
    if (f.cc) {
      t = std::min(t, f.cc->next_timer());
    }
  }
  return t;
}

void CtpEndpoint::on_timeout(Time now) {
  for (auto& [k, f] : flows_) {
    if (f.cc && f.cc->next_timer() <= now) {
      f.cc->on_timer(now);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Receive

void CtpEndpoint::on_receive(const CtpIn& in, Time now) {
  const auto h = Codec<Ctph>::decode(in.tp); // Truncated, or TPOpcode 2/3, or data NLP > 3
  if (!h) {
    ++counters_.malformed;
    return;
  }
  if ((nth_bytes(cfg_.nth) + in.tp.size()) % 4 != 0 || h->padding > in.tp.size() - kCtphBytes ||
      in.src_cna > cna_mask(cfg_.nth) || in.vl > kMaxVl || in.sl > kMaxVl) {
    ++counters_.malformed;
    return;
  }
  const std::span<const Byte> body =
      in.tp.subspan(kCtphBytes, in.tp.size() - kCtphBytes - h->padding);
  if (h->tp_opcode == ctp_opcode::kCnp) {
    on_cnp(in, body, now);
  } else {
    on_data(in, h->nlp, body, now);
  }
}

void CtpEndpoint::on_data(const CtpIn& in, std::uint8_t nlp, std::span<const Byte> ta, Time now) {
  ++counters_.data_received;
  // §6.7.2.2: each packet is a whole operation; it goes straight to the TA.
  rx_.push_back(
      CtpDelivery{in.src_cna, in.vl, in.sl, nlp, std::vector<Byte>(ta.begin(), ta.end())});
  if (!fecn_marked(in.cci)) {
    return;
  }
  ++counters_.marked_received;
  auto& fb = notify_[key_of(in.src_cna, in.vl)];
  if (!fb) {
    fb = make_cc_feedback(CcAlgo::Dcqcn, cfg_.cc);
  }
  fb->on_data(in.cci, static_cast<std::uint32_t>(in.tp.size() + kIcrcBytes), true, now);
  const auto cnp = fb->take_cnp(now);
  if (!cnp) {
    ++counters_.cnps_suppressed;
    return;
  }
  // §6.2 / §6.6.2: the CNP goes back to the data packet's source, with its SL (so the same VL).
  CtpOut o{};
  o.dst_cna = in.src_cna;
  o.vl = in.vl;
  o.sl = in.sl;
  o.lbf = flow_lbf(in.src_cna); // MODEL: the per-flow LBF of that destination, in both LB modes
  o.control = true;             // MODEL: all-clear CCI (CAQM form, Enable 0), as RTP's CNP
  const std::uint8_t pad = padding_for(nth_bytes(cfg_.nth), kCtphBytes + kCnpBytes);
  o.tp.assign(kCtphBytes + kCnpBytes + pad, 0);
  (void)Codec<Ctph>::encode(Ctph{ctp_opcode::kCnp, pad, 0}, o.tp);
  (void)Codec<CnpCetph>::encode(*cnp, std::span<Byte>(o.tp).subspan(kCtphBytes));
  control_out_.push_back(std::move(o));
}

void CtpEndpoint::on_cnp(const CtpIn& in, std::span<const Byte> body, Time now) {
  if (body.size() != kCnpBytes) {
    ++counters_.malformed;
    return;
  }
  const auto cnp = Codec<CnpCetph>::decode(body); // ECN 2 is reserved
  if (!cnp) {
    ++counters_.malformed;
    return;
  }
  ++counters_.cnps_received;
  if (!cfg_.congestion_control) {
    ++counters_.cnps_ignored;
    return;
  }
  // §6.6.2: the limiter of {destination Entity, VL}; the CNP's source is that destination.
  limiter_of(flow(key_of(in.src_cna, in.vl)))->on_cnp(*cnp, now);
}

} // namespace ub::tp
