#include "protocol/tp/tp_channel.hpp"

#include <algorithm>
#include <array>

#include "protocol/tp/saetph.hpp"

namespace ub::tp {

namespace {

constexpr std::size_t kRtphBytes = 16;
constexpr std::size_t kCetphBytes = 8; // LDCP and CAQM forms are both 8 bytes

std::size_t sack_bits_for(std::uint32_t span, unsigned max_bits) {
  unsigned bits = 64;
  while (bits < max_bits && bits <= span) {
    bits *= 2;
  }
  return std::min<unsigned>(bits, max_bits);
}

std::uint8_t sack_code(std::size_t bits) {
  std::uint8_t code = 0;
  while ((64U << code) < bits) {
    ++code;
  }
  return code;
}

} // namespace

std::string_view to_string(RetxAlgo a) noexcept {
  switch (a) {
  case RetxAlgo::GbnFast:
    return "gbn-fast";
  case RetxAlgo::GbnRto:
    return "gbn-rto";
  case RetxAlgo::SelectiveFast:
    return "selective-fast";
  case RetxAlgo::SelectiveRto:
    return "selective-rto";
  }
  return "?";
}

Status validate(const TpChannelConfig& c) noexcept {
  auto bad = [](std::string_view field, std::string_view why, std::uint64_t v) -> Status {
    return make_unexpected(
        Error{Errc::OutOfRange, 0, "TpChannelConfig", field, why, "§6.4"}.with_value(v));
  };
  if (c.local_tpn > kPsnMask || c.peer_tpn > kPsnMask) {
    return bad("tpn", "TPNs are 24 bits", std::max(c.local_tpn, c.peer_tpn));
  }
  if (c.tx_initial_psn > kPsnMask || c.rx_initial_psn > kPsnMask) {
    return bad("initial_psn", "PSNs are 24 bits", std::max(c.tx_initial_psn, c.rx_initial_psn));
  }
  if (!is_ooo_window(c.ooo_window)) {
    return bad("ooo_window", "must be 128, 256, 512, 1024 or 2048 (§6.4.1)", c.ooo_window);
  }
  if (c.max_outstanding > c.ooo_window) {
    return bad("max_outstanding", "must not exceed the receive window (§6.5.1.4.1)",
               c.max_outstanding);
  }
  if (!c.rto.valid()) {
    return bad("rto", "dynamic RTO base must be 4 us .. 2,097,152 us (§6.4.2.1)", 0);
  }
  if (c.mtu < 256 || c.mtu > 8192 || (c.mtu & (c.mtu - 1)) != 0) {
    return bad("mtu", "must be a power of two, 256..8192", c.mtu);
  }
  if (c.sack_max_bits < 64 || c.sack_max_bits > 1024 ||
      (c.sack_max_bits & (c.sack_max_bits - 1)) != 0) {
    return bad("sack_max_bits", "must be 64, 128, 256, 512 or 1024 (§6.2.3)", c.sack_max_bits);
  }
  if (c.tx_queue_limit == 0) {
    return bad("tx_queue_limit", "must be at least 1", 0);
  }
  return {};
}

TpChannel::TpChannel(TpChannelConfig cfg, std::unique_ptr<CongestionControl> cc,
                     std::unique_ptr<CcFeedback> feedback, Tracer* tracer)
    : cfg_(cfg), cc_(std::move(cc)), feedback_(std::move(feedback)), tracer_(tracer),
      epsn_(cfg.rx_initial_psn), max_rcv_psn_((cfg.rx_initial_psn + kPsnMask) & kPsnMask),
      // 2W slots, a power of two dividing 2^24, so PSN mod slots stays consecutive across the PSN
      // wrap and the W + 1 PSNs [EPSN, EPSN + W] never share a slot.
      ooo_(std::size_t{cfg.ooo_window} * 2) {}

std::uint32_t TpChannel::window() const noexcept {
  return cfg_.max_outstanding == 0 ? cfg_.ooo_window : cfg_.max_outstanding;
}

// ---------------------------------------------------------------------------------------------
// Upper layer

TpChannel::SendStatus TpChannel::send(std::span<const Byte> message, MsgId* id) {
  if (failed_) {
    return SendStatus::Failed;
  }
  if (message.empty()) {
    return SendStatus::Empty;
  }
  if (tx_queue_.size() >= cfg_.tx_queue_limit) {
    return SendStatus::QueueFull;
  }
  TxMsg m{};
  m.id = next_id_++;
  m.tpmsn = next_tpmsn_;
  next_tpmsn_ = (next_tpmsn_ + 1) & kPsnMask; // TPMSN is 24 bits (Table 6-2)
  m.data.assign(message.begin(), message.end());
  if (id != nullptr) {
    *id = m.id;
  }
  tx_queue_.push_back(std::move(m));
  ++counters_.messages_sent;
  return SendStatus::Queued;
}

std::optional<RxMessage> TpChannel::poll_deliver() {
  if (rx_done_.empty()) {
    return std::nullopt;
  }
  RxMessage m = std::move(rx_done_.front());
  rx_done_.pop_front();
  return m;
}

std::optional<TpEvent> TpChannel::poll_event() {
  if (events_.empty()) {
    return std::nullopt;
  }
  TpEvent e = std::move(events_.front());
  events_.pop_front();
  return e;
}

// ---------------------------------------------------------------------------------------------
// Transmit

std::optional<TpOut> TpChannel::poll_transmit(Time now) {
  // Control packets first (MODEL: never held back by congestion control).
  if (!control_out_.empty()) {
    TpOut o = std::move(control_out_.front());
    control_out_.pop_front();
    return o;
  }
  if (feedback_) {
    if (auto cnp = feedback_->take_cnp(now)) {
      std::array<Byte, 16> c{};
      (void)Codec<CnpCetph>::encode(*cnp, c);
      std::vector<Byte> p = control_packet(tp_opcode::kCnp, epsn_, 0, 0, c);
      ++counters_.cnps_sent;
      return TpOut{std::move(p), nl::Cci{}, true};
    }
  }
  if (failed_) {
    return std::nullopt;
  }
  if (auto r = send_retransmission(now)) {
    return r;
  }
  return send_new(now);
}

std::optional<TpOut> TpChannel::send_retransmission(Time now) {
  std::uint64_t seq = 0;
  if (rtx_cursor_ < rtx_end_) {
    seq = rtx_cursor_;
    if (seq < una_) {
      rtx_cursor_ = una_;
      return send_retransmission(now);
    }
  } else if (!rtx_set_.empty()) {
    seq = *rtx_set_.begin();
    if (seq < una_ || outstanding_[seq - una_].sacked) {
      rtx_set_.erase(rtx_set_.begin());
      return send_retransmission(now);
    }
  } else {
    return std::nullopt;
  }
  const TxPkt& pkt = outstanding_[seq - una_];
  if (cc_ && (!cc_->can_send(static_cast<std::uint32_t>(pkt.tp.size() + 4)) ||
              cc_->next_send_time(static_cast<std::uint32_t>(pkt.tp.size() + 4), now) > now)) {
    return std::nullopt;
  }
  if (rtx_cursor_ < rtx_end_) {
    ++rtx_cursor_;
  } else {
    rtx_set_.erase(rtx_set_.begin());
  }
  high_rtx_ = std::max(high_rtx_, seq + 1);
  return emit_data(seq, true, now);
}

std::optional<TpOut> TpChannel::send_new(Time now) {
  if (tx_queue_.empty()) {
    return std::nullopt;
  }
  // In-flight limit: max_outstanding (<= W) and below 2^23 (§6.4.1).
  if (nxt_ - una_ >= std::min<std::uint64_t>(window(), kPsnHalf - 1)) {
    return std::nullopt;
  }
  TxMsg& m = tx_queue_.front();
  const std::size_t left = m.data.size() - m.next_offset;
  const std::size_t len = std::min<std::size_t>(left, cfg_.mtu);
  const bool last = len == left;
  // Build the packet: RTPH, payload, padding so that NTH..payload is 4-byte aligned.
  Rtph h{};
  h.tp_opcode = static_cast<std::uint8_t>(tp_opcode::kRtpData | (last ? tp_opcode::kLastFlag : 0));
  h.nlp = tph_nlp::kTah;
  h.src_tpn = cfg_.local_tpn;
  h.dst_tpn = cfg_.peer_tpn;
  h.a = last; // MODEL: ask for an ACK on each message's last packet
  h.psn = psn_of(nxt_);
  h.tpmsn = m.tpmsn;
  const std::size_t unpadded = cfg_.nth_bytes + kRtphBytes + len;
  h.padding = static_cast<std::uint8_t>((4 - unpadded % 4) % 4);
  std::vector<Byte> tp(kRtphBytes + len + h.padding, 0);
  const std::uint32_t bytes = static_cast<std::uint32_t>(tp.size() + 4); // + ICRC
  if (cc_ && (!cc_->can_send(bytes) || cc_->next_send_time(bytes, now) > now)) {
    return std::nullopt;
  }
  (void)Codec<Rtph>::encode(h, tp);
  std::copy_n(m.data.begin() + static_cast<std::ptrdiff_t>(m.next_offset), len,
              tp.begin() + kRtphBytes);
  m.next_offset += len;
  TxPkt pkt{};
  pkt.tp = std::move(tp);
  pkt.first_sent = now;
  outstanding_.push_back(std::move(pkt));
  const std::uint64_t seq = nxt_++;
  if (last) {
    m.last_seq = seq;
    tx_msgs_.push_back(std::move(m));
    tx_queue_.pop_front();
  }
  if (rto_deadline_ == kNever) {
    restart_timer(now);
  }
  return emit_data(seq, false, now);
}

TpOut TpChannel::emit_data(std::uint64_t seq, bool retransmission, Time now) {
  TxPkt& pkt = outstanding_[seq - una_];
  TpOut o{};
  o.tp = pkt.tp;
  const auto bytes = static_cast<std::uint32_t>(o.tp.size() + 4);
  const CcSent sent{psn_of(seq), bytes, retransmission};
  if (cc_) {
    cc_->stamp(o.cci, sent, now);
    cc_->on_sent(sent, now);
  }
  ++counters_.data_packets_sent;
  if (retransmission) {
    pkt.retransmitted = true;
    ++counters_.retransmissions;
  }
  return o;
}

void TpChannel::restart_timer(Time now) {
  rto_deadline_ = outstanding_.empty() ? kNever : now + rto_for(cfg_.rto, rto_times_);
}

Time TpChannel::next_timeout() const noexcept {
  Time t = failed_ ? kNever : rto_deadline_;
  if (cc_) {
    t = std::min(t, cc_->next_timer());
  }
  return t;
}

void TpChannel::on_timeout(Time now) {
  if (cc_ && cc_->next_timer() <= now) {
    cc_->on_timer(now);
  }
  if (failed_ || rto_deadline_ > now) {
    return;
  }
  if (outstanding_.empty()) {
    rto_deadline_ = kNever;
    return;
  }
  ++counters_.timeouts;
  trace(now, "rto", psn_of(una_), rto_times_);
  // §6.4.2.1: when the timeout retransmissions exceed the maximum, the path is unreachable.
  if (rto_exhausted(cfg_.rto, rto_times_)) {
    fail(now);
    return;
  }
  ++rto_times_;
  if (cfg_.retx == RetxAlgo::GbnFast || cfg_.retx == RetxAlgo::GbnRto) {
    // Go back N: everything from the lowest unacknowledged packet (§6.4.2.2).
    rtx_cursor_ = una_;
    rtx_end_ = nxt_;
  } else {
    // Selective: every outstanding packet not acknowledged and not SACKed (§6.4.2.3).
    for (std::uint64_t s = una_; s < nxt_; ++s) {
      if (!outstanding_[s - una_].sacked) {
        rtx_set_.insert(s);
      }
    }
  }
  if (cc_) {
    cc_->on_loss(CcLossKind::Timeout, 0, 0, now);
  }
  rto_deadline_ = now + rto_for(cfg_.rto, rto_times_);
}

void TpChannel::fail(Time now) {
  failed_ = true;
  rto_deadline_ = kNever;
  ChannelFailed f{};
  for (const auto& m : tx_msgs_) {
    f.failed.push_back(m.id);
  }
  for (const auto& m : tx_queue_) {
    f.failed.push_back(m.id);
  }
  counters_.messages_failed += f.failed.size();
  tx_msgs_.clear();
  tx_queue_.clear();
  outstanding_.clear();
  rtx_set_.clear();
  rtx_cursor_ = rtx_end_ = 0;
  trace(now, "channel_failed", f.failed.size());
  events_.emplace_back(std::move(f));
}

// ---------------------------------------------------------------------------------------------
// Receive

void TpChannel::on_receive(std::span<const Byte> tp, const nl::Cci& cci, Time now) {
  const auto h = Codec<Rtph>::decode(tp);
  if (!h) {
    ++counters_.malformed;
    return;
  }
  if (h->dst_tpn != cfg_.local_tpn) {
    ++counters_.wrong_tpn;
    return;
  }
  const std::uint8_t op = tp_opcode_base(h->tp_opcode);
  std::span<const Byte> rest = tp.subspan(kRtphBytes);
  switch (op) {
  case tp_opcode::kRtpData: {
    if (rest.size() < h->padding) {
      ++counters_.malformed;
      return;
    }
    on_data(*h, rest.first(rest.size() - h->padding), cci, now);
    return;
  }
  case tp_opcode::kAck:
  case tp_opcode::kSack:
    on_ack(*h, op == tp_opcode::kSack, rest, std::nullopt, std::nullopt, now);
    return;
  case tp_opcode::kAckCc:
  case tp_opcode::kSackCc: {
    if (rest.size() < kCetphBytes) {
      ++counters_.malformed;
      return;
    }
    std::optional<CetphLdcp> ldcp;
    std::optional<CetphCaqm> caqm;
    if (cc_ && cc_->algo() == CcAlgo::Caqm) {
      if (auto c = Codec<CetphCaqm>::decode(rest)) {
        caqm = *c;
      }
    } else if (auto l = Codec<CetphLdcp>::decode(rest)) {
      ldcp = *l;
    }
    on_ack(*h, op == tp_opcode::kSackCc, rest.subspan(kCetphBytes), ldcp, caqm, now);
    return;
  }
  case tp_opcode::kCnp: {
    ++counters_.cnps_received;
    if (auto cnp = Codec<CnpCetph>::decode(rest); cnp && cc_) {
      cc_->on_cnp(*cnp, now);
    }
    return;
  }
  default:
    ++counters_.malformed;
    return;
  }
}

void TpChannel::on_ack(const Rtph& h, bool sack, std::span<const Byte> ext,
                       const std::optional<CetphLdcp>& ldcp, const std::optional<CetphCaqm>& caqm,
                       Time now) {
  // A TPNAK is a TPACK with RSPST 011 and RSPINFO 0 (PSN error, Table 6-2): it carries EPSN, so
  // everything before it is acknowledged (§6.4.2.2.1).
  const bool nak = !sack && h.rspst == rspst::kError && h.rspinfo == 0;
  if (sack) {
    ++counters_.sacks_received;
  } else if (nak) {
    ++counters_.naks_received;
  } else {
    ++counters_.acks_received;
  }
  if (failed_) {
    return;
  }
  const std::uint32_t acked_psn = nak ? psn_add(h.psn, kPsnMask) : h.psn;
  const std::uint64_t in_flight = nxt_ - una_;
  // Packets the ACK newly covers: from snd_una through acked_psn (0 for a duplicate ACK).
  std::uint64_t newly = psn_dist(psn_next(acked_psn), psn_of(una_));
  if (newly > in_flight) {
    ++counters_.stale_acks; // behind snd_una - 1 or beyond snd_nxt: old or bogus
    return;
  }
  // Sequence number of the ACK's own PSN + 1 (bit 0 of a SACK bitmap is the ACK's PSN).
  const std::uint64_t base = una_ + newly;
  std::optional<Saetph> sa;
  if (sack) {
    auto d = Codec<Saetph>::decode(ext);
    if (!d) {
      ++counters_.malformed;
      return;
    }
    sa = *d;
    // The cumulative part reaches the PSN before the first 0 bit (§6.4.2.3).
    unsigned k = 1;
    while (k < sa->bitmap_bits() && sa->bitmap_bit(k) && newly < in_flight) {
      ++k;
      ++newly;
    }
  }
  std::uint32_t acked_bytes = 0;
  std::optional<Time> rtt;
  for (std::uint64_t i = 0; i < newly; ++i) {
    const TxPkt& p = outstanding_[i];
    acked_bytes += static_cast<std::uint32_t>(p.tp.size() + 4);
    if (!p.retransmitted) {
      rtt = now - p.first_sent; // RTT samples from packets sent once only
    }
  }
  if (newly > 0) {
    retire_through(una_ + newly - 1, now);
  }
  if (sa) {
    // Holes: bit 0 in (cumulative, hi], hi = MaxRcvPSN if the bitmap reaches it, else the last
    // bitmap bit (§6.4.2.3; the design note's NTT-A4 reading).
    const std::uint32_t n = sa->bitmap_bits();
    const std::uint32_t to_max = psn_dist(sa->max_rcv_psn, h.psn);
    const std::uint32_t hi_k = to_max < n ? to_max : n - 1;
    bool lost = false;
    std::uint32_t lost_bytes = 0;
    for (std::uint32_t k = 1; k <= hi_k; ++k) {
      const std::uint64_t s = base - 1 + k; // sequence number of PSN h.psn + k
      if (s < una_ || s >= nxt_) {
        continue;
      }
      TxPkt& p = outstanding_[s - una_];
      if (sa->bitmap_bit(k)) {
        p.sacked = true;
      } else if (!p.sacked && cfg_.retx == RetxAlgo::SelectiveFast && s >= high_rtx_ &&
                 rtx_set_.insert(s).second) {
        // Only PSNs above HighRtxPSN: a hole already resent is left to the RTO (§6.4.2.3.1).
        lost = true;
        lost_bytes += static_cast<std::uint32_t>(p.tp.size() + 4);
      }
    }
    if (lost) {
      ++counters_.fast_retransmit_events;
      if (cc_) {
        cc_->on_loss(CcLossKind::SelectiveResend, lost_bytes, 0, now);
      }
    }
  }
  if (nak && cfg_.retx == RetxAlgo::GbnFast && una_ < nxt_) {
    // Go back N at once from the NAKed PSN (§6.4.2.2.1); a later NAK restarts the replay.
    rtx_cursor_ = una_;
    rtx_end_ = nxt_;
    ++counters_.fast_retransmit_events;
    if (cc_) {
      cc_->on_loss(CcLossKind::GbnRollback, 0, ldcp ? ldcp->ack_seq : (caqm ? caqm->ack_seq : 0),
                   now);
    }
  }
  if (cc_) {
    CcAck a{};
    a.kind = sack ? CcAckKind::Sack : (nak ? CcAckKind::Nak : CcAckKind::Ack);
    a.psn = h.psn;
    a.newly_acked_bytes = acked_bytes;
    a.ldcp = ldcp;
    a.caqm = caqm;
    a.rtt_sample = rtt;
    cc_->on_ack(a, now);
  }
}

void TpChannel::retire_through(std::uint64_t seq, Time now) {
  while (una_ <= seq && !outstanding_.empty()) {
    outstanding_.pop_front();
    ++una_;
  }
  rtx_cursor_ = std::max(rtx_cursor_, una_);
  rtx_set_.erase(rtx_set_.begin(), rtx_set_.lower_bound(una_));
  while (!tx_msgs_.empty() && tx_msgs_.front().last_seq < una_) {
    events_.emplace_back(MsgAcked{tx_msgs_.front().id});
    ++counters_.messages_acked;
    tx_msgs_.pop_front();
  }
  // MODEL: progress resets the backoff (the spec does not say when `times` returns to 0).
  rto_times_ = 0;
  restart_timer(now);
}

void TpChannel::on_data(const Rtph& h, std::span<const Byte> payload, const nl::Cci& cci,
                        Time now) {
  ++counters_.data_received;
  const bool buffers = cfg_.retx != RetxAlgo::GbnFast;
  const bool selective =
      cfg_.retx == RetxAlgo::SelectiveFast || cfg_.retx == RetxAlgo::SelectiveRto;
  const std::size_t slots = ooo_.size();
  bool accepted = false;
  switch (classify_psn(h.psn, epsn_, cfg_.ooo_window)) {
  case PsnClass::InOrder: {
    accepted = true;
    accept_packet(h.psn, h.last(), payload);
    epsn_ = psn_next(epsn_);
    nak_sent_ = false;
    // Packets buffered behind it follow in order (§6.4.2.2.2, §6.4.2.3).
    while (ooo_count_ > 0) {
      auto& slot = ooo_[epsn_ % slots];
      if (!slot) {
        break;
      }
      accept_packet(epsn_, slot->last, slot->payload);
      slot.reset();
      --ooo_count_;
      epsn_ = psn_next(epsn_);
    }
    const std::uint32_t last_in_order = psn_add(epsn_, kPsnMask);
    if (psn_before(max_rcv_psn_, last_in_order)) {
      max_rcv_psn_ = last_in_order;
    }
    if (selective && ooo_count_ > 0) {
      queue_sack(now);
    } else {
      queue_ack(now);
    }
    break;
  }
  case PsnClass::Duplicate:
    ++counters_.duplicates_received;
    // A duplicate means our ACK was lost or late: answer at once.
    if (selective && ooo_count_ > 0) {
      queue_sack(now);
    } else {
      queue_ack(now);
    }
    break;
  case PsnClass::InWindow: {
    if (!buffers) {
      // GBN with fast retransmit keeps nothing out of order: one TPNAK per EPSN (§6.4.2.2.1).
      ++counters_.ooo_dropped;
      if (!nak_sent_) {
        nak_sent_ = true;
        queue_nak(now);
      }
      break;
    }
    auto& slot = ooo_[h.psn % slots];
    const bool fresh = !slot;
    if (fresh) {
      slot = RxPkt{std::vector<Byte>(payload.begin(), payload.end()), h.last()};
      ++ooo_count_;
      ++counters_.ooo_buffered;
      accepted = true;
      if (psn_before(max_rcv_psn_, h.psn)) {
        max_rcv_psn_ = h.psn;
      }
    } else {
      ++counters_.duplicates_received;
    }
    if (cfg_.retx == RetxAlgo::SelectiveFast || (!fresh && selective)) {
      queue_sack(now);
    } else if (cfg_.retx == RetxAlgo::SelectiveRto) {
      const unsigned thr = cfg_.sack_ooo_threshold == 0 ? 8 : cfg_.sack_ooo_threshold;
      if (++ooo_since_sack_ >= thr) {
        queue_sack(now);
      }
    }
    // GbnRto: buffered silently; the in-order arrival that fills the hole ACKs it all.
    break;
  }
  case PsnClass::Invalid:
    ++counters_.invalid_received; // beyond the window: dropped without an ACK (§6.4.1)
    break;
  }
  if (feedback_) {
    feedback_->on_data(cci, static_cast<std::uint32_t>(kRtphBytes + payload.size() + h.padding + 4),
                       accepted, now);
  }
}

void TpChannel::accept_packet(std::uint32_t psn, bool last, std::span<const Byte> payload) {
  if (!rx_in_msg_) {
    rx_in_msg_ = true;
    rx_msg_first_psn_ = psn;
    rx_msg_.clear();
  }
  rx_msg_.insert(rx_msg_.end(), payload.begin(), payload.end());
  if (last) {
    RxMessage m{};
    m.tpmsn = rx_msn_done_;
    m.first_psn = rx_msg_first_psn_;
    m.last_psn = psn;
    m.data = std::move(rx_msg_);
    rx_msg_ = {};
    rx_in_msg_ = false;
    rx_msn_done_ = (rx_msn_done_ + 1) & kPsnMask;
    ++counters_.messages_delivered;
    rx_done_.push_back(std::move(m));
  }
}

void TpChannel::queue_ack(Time /*now*/) {
  // TPACK: PSN = EPSN - 1, the last packet received in order (§6.4.2).
  control_out_.push_back(
      finish_control(tp_opcode::kAck, psn_add(epsn_, kPsnMask), rspst::kAck, 0, nullptr));
  ++counters_.acks_sent;
}

void TpChannel::queue_nak(Time /*now*/) {
  // TPNAK: RSPST 011, RSPINFO 0, PSN = EPSN (Table 6-2, §6.4.2.2.1).
  control_out_.push_back(finish_control(tp_opcode::kAck, epsn_, rspst::kError, 0, nullptr));
  ++counters_.naks_sent;
}

void TpChannel::queue_sack(Time /*now*/) {
  // TPSACK: PSN = EPSN - 1 (bit 0), bit k = PSN EPSN - 1 + k is buffered (§6.4.2.3).
  Saetph sa{};
  const std::uint32_t base = psn_add(epsn_, kPsnMask);
  const std::size_t bits = sack_bits_for(psn_dist(max_rcv_psn_, base), cfg_.sack_max_bits);
  sa.bitmap_size = sack_code(bits);
  sa.max_rcv_psn = max_rcv_psn_;
  sa.set_bitmap_bit(0);
  for (std::uint32_t k = 2; k < bits; ++k) {
    const std::uint32_t psn = psn_add(base, k);
    if (psn_dist(psn, epsn_) <= cfg_.ooo_window && ooo_[psn % ooo_.size()]) {
      sa.set_bitmap_bit(k);
    }
  }
  ooo_since_sack_ = 0;
  control_out_.push_back(finish_control(tp_opcode::kSack, base, rspst::kAck, 0, &sa));
  ++counters_.sacks_sent;
}

TpOut TpChannel::finish_control(std::uint8_t opcode, std::uint32_t psn, std::uint8_t rspst_value,
                                std::uint8_t rspinfo, const Saetph* sack) {
  std::optional<std::variant<CetphLdcp, CetphCaqm>> cetph;
  if (feedback_) {
    cetph = feedback_->make_cetph();
  }
  if (cetph) {
    opcode = opcode == tp_opcode::kSack ? tp_opcode::kSackCc : tp_opcode::kAckCc;
  }
  std::vector<Byte> ext;
  if (cetph) {
    std::array<Byte, kCetphBytes> c{};
    if (const auto* l = std::get_if<CetphLdcp>(&*cetph)) {
      (void)Codec<CetphLdcp>::encode(*l, c);
    } else {
      (void)Codec<CetphCaqm>::encode(std::get<CetphCaqm>(*cetph), c);
    }
    ext.insert(ext.end(), c.begin(), c.end());
  }
  if (sack != nullptr) {
    std::array<Byte, 4 + kMaxSackBitmapBytes> b{};
    const auto n = Codec<Saetph>::encode(*sack, b);
    ext.insert(ext.end(), b.begin(), b.begin() + static_cast<std::ptrdiff_t>(n ? *n : 0));
  }
  return TpOut{control_packet(opcode, psn, rspst_value, rspinfo, ext), nl::Cci{}, true};
}

std::vector<Byte> TpChannel::control_packet(std::uint8_t opcode, std::uint32_t psn,
                                            std::uint8_t rspst_value, std::uint8_t rspinfo,
                                            std::span<const Byte> ext) {
  Rtph h{};
  h.tp_opcode = opcode;
  h.src_tpn = cfg_.local_tpn;
  h.dst_tpn = cfg_.peer_tpn;
  h.psn = psn;
  h.rspst = rspst_value;
  h.rspinfo = rspinfo;
  h.tpmsn = rx_msn_done_ & kPsnMask;
  // Padding: zero bytes so that NTH..headers end 4-byte aligned (Table 6-2).
  h.padding = static_cast<std::uint8_t>((4 - (cfg_.nth_bytes + kRtphBytes + ext.size()) % 4) % 4);
  std::vector<Byte> p(kRtphBytes + ext.size() + h.padding, 0);
  (void)Codec<Rtph>::encode(h, p);
  std::copy(ext.begin(), ext.end(), p.begin() + kRtphBytes);
  return p;
}

void TpChannel::trace(Time now, std::string_view what, std::uint64_t a, std::uint64_t b) {
  if (tracer_ != nullptr) {
    tracer_->on_event(TraceEvent{now, "tp", what, a, b});
  }
}

} // namespace ub::tp
