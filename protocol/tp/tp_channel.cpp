#include "protocol/tp/tp_channel.hpp"

#include <algorithm>
#include <array>

#include "protocol/tp/saetph.hpp"
#include "protocol/tp/tp_machines.hpp"

namespace ub::tp {

namespace {

// The sender's state as tp_machines.hpp names it (transition coverage only).
[[maybe_unused]] std::string_view rtp_sender_state(bool failed, bool outstanding, bool status_owed,
                                                   bool rtx_queued) noexcept {
  if (failed) {
    return "Failed";
  }
  if (!outstanding) {
    return status_owed ? "AwaitingStatus" : "Idle";
  }
  return rtx_queued ? "Recovering" : "Sending";
}
#define UB_RTP_SENDER_STATE                                                                        \
  rtp_sender_state(failed_, una_ != nxt_, !status_pending_.empty(),                                \
                   rtx_cursor_ < rtx_end_ || !rtx_set_.empty())

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

std::string_view to_string(TaStatusMode m) noexcept {
  switch (m) {
  case TaStatusMode::Never:
    return "never";
  case TaStatusMode::RolRequests:
    return "rol-requests";
  case TaStatusMode::All:
    return "all";
  }
  return "?";
}

bool expects_ta_status(TaStatusMode mode, std::span<const Byte> message) noexcept {
  switch (mode) {
  case TaStatusMode::Never:
    return false;
  case TaStatusMode::All:
    return true;
  case TaStatusMode::RolRequests:
    break;
  }
  if (message.empty()) {
    return false;
  }
  // TAOpcodes of requests answered by a TAACK (Table 7-1): Send 0x00, Send_with_immediate 0x01,
  // Write 0x03, Write_with_immediate 0x04, Write_with_notify 0x05, Write_with_be 0x14,
  // Writeback 0x17, Writeback_with_be 0x18. Read and Atomic requests are answered by data-carrying
  // responses (separate TP messages), responses by nothing.
  switch (message[0]) {
  case 0x00:
  case 0x01:
  case 0x03:
  case 0x04:
  case 0x05:
  case 0x14:
  case 0x17:
  case 0x18:
    return true;
  default:
    return false;
  }
}

std::string_view to_string(TaStatusKind k) noexcept {
  switch (k) {
  case TaStatusKind::Ok:
    return "ok";
  case TaStatusKind::AbnormalRetryable:
    return "abnormal-retryable";
  case TaStatusKind::AbnormalUnrecoverable:
    return "abnormal-unrecoverable";
  case TaStatusKind::ReceiverNotReady:
    return "rnr";
  case TaStatusKind::PageFault:
    return "page-fault";
  case TaStatusKind::UnsupportedRequest:
    return "unsupported-request";
  case TaStatusKind::RemoteAbort:
    return "remote-abort";
  }
  return "?";
}

RspCode rsp_code(const TaVerdict& v) noexcept {
  // Table 6-2, RSPST and RSPINFO of a TPACK.
  switch (v.kind) {
  case TaStatusKind::Ok:
    return {rspst::kTaAck, 0b00010};
  case TaStatusKind::AbnormalRetryable:
    return {rspst::kTaAck, 0b00000};
  case TaStatusKind::AbnormalUnrecoverable:
    return {rspst::kTaAck, 0b00001};
  case TaStatusKind::ReceiverNotReady:
    return {rspst::kRnr, static_cast<std::uint8_t>(v.rnr_timer & 0x1F)};
  case TaStatusKind::PageFault:
    return {rspst::kPageFault, static_cast<std::uint8_t>(v.rnr_timer & 0x1F)};
  case TaStatusKind::UnsupportedRequest:
    return {rspst::kError, 0b00001};
  case TaStatusKind::RemoteAbort:
    return {rspst::kError, 0b00010};
  }
  return {};
}

std::optional<TaVerdict> ta_verdict_of(std::uint8_t rspst_value, std::uint8_t rspinfo) noexcept {
  switch (rspst_value) {
  case rspst::kRnr:
    return TaVerdict{TaStatusKind::ReceiverNotReady, rspinfo};
  case rspst::kPageFault:
    return TaVerdict{TaStatusKind::PageFault, rspinfo};
  case rspst::kError:
    if (rspinfo == 0b00001) {
      return TaVerdict{TaStatusKind::UnsupportedRequest, 0};
    }
    if (rspinfo == 0b00010) {
      return TaVerdict{TaStatusKind::RemoteAbort, 0};
    }
    return std::nullopt; // 00000 is the TPNAK; the rest reserved
  case rspst::kTaAck:
    if (rspinfo == 0b00000) {
      return TaVerdict{TaStatusKind::AbnormalRetryable, 0};
    }
    if (rspinfo == 0b00001) {
      return TaVerdict{TaStatusKind::AbnormalUnrecoverable, 0};
    }
    if (rspinfo == 0b00010) {
      return TaVerdict{TaStatusKind::Ok, 0};
    }
    return std::nullopt;
  default:
    return std::nullopt;
  }
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
  if (c.mark_psn && c.retx != RetxAlgo::SelectiveFast) {
    return bad("mark_psn",
               "MarkPSN needs selective retransmission with fast retransmit (§6.4.2.3.1)",
               static_cast<std::uint64_t>(c.retx));
  }
  if (c.ack_coalesce == 0 || c.ack_coalesce > c.ooo_window) {
    return bad("ack_coalesce", "must be 1 .. the receive window", c.ack_coalesce);
  }
  if (c.ack_delay < Time{0}) {
    return bad("ack_delay", "must not be negative", 0);
  }
  if (c.fake_keepalive_interval < Time{0}) {
    return bad("fake_keepalive_interval", "must not be negative", 0);
  }
  if (c.status_memory == 0) {
    return bad("status_memory", "must be at least 1", 0);
  }
  return {};
}

TpChannelEnds connect_channel(const TpChannelConfig& common, std::uint32_t tpn_a,
                              std::uint32_t tpn_b, Rng& rng) noexcept {
  TpChannelEnds e{common, common};
  e.a.local_tpn = e.b.peer_tpn = tpn_a;
  e.a.peer_tpn = e.b.local_tpn = tpn_b;
  e.a.tx_initial_psn = e.b.rx_initial_psn = static_cast<std::uint32_t>(rng.below(kPsnModulus));
  e.b.tx_initial_psn = e.a.rx_initial_psn = static_cast<std::uint32_t>(rng.below(kPsnModulus));
  return e;
}

TpChannel::TpChannel(TpChannelConfig cfg, std::unique_ptr<CongestionControl> cc,
                     std::unique_ptr<CcFeedback> feedback, Tracer* tracer)
    : cfg_(cfg), cc_(std::move(cc)), feedback_(std::move(feedback)), tracer_(tracer),
      epsn_(cfg.rx_initial_psn), max_rcv_psn_((cfg.rx_initial_psn + kPsnMask) & kPsnMask) {
  last_ack_psn_ = max_rcv_psn_; // as if EPSN - 1 had been acknowledged
}

std::vector<std::optional<TpChannel::RxPkt>>& TpChannel::ooo_slots() {
  if (ooo_.empty()) {
    // 2W slots, a power of two dividing 2^24, so PSN mod slots stays consecutive across the PSN
    // wrap and the W + 1 PSNs [EPSN, EPSN + W] never share a slot.
    ooo_.resize(std::size_t{cfg_.ooo_window} * 2);
  }
  return ooo_;
}

std::uint32_t TpChannel::window() const noexcept {
  return cfg_.max_outstanding == 0 ? cfg_.ooo_window : cfg_.max_outstanding;
}

std::uint64_t TpChannel::send_limit() const noexcept {
  // In-flight limit: max_outstanding (<= W) and below 2^23 (§6.4.1).
  return std::min<std::uint64_t>(window(), kPsnHalf - 1);
}

bool TpChannel::cc_allows(std::uint32_t bytes, Time now) const noexcept {
  return !cc_ || (cc_->can_send(bytes) && cc_->next_send_time(bytes, now) <= now);
}

// ---------------------------------------------------------------------------------------------
// Upper layer

TpChannel::SendStatus TpChannel::send(std::span<const Byte> message, MsgId* id) {
  if (message.empty()) {
    return failed_ ? SendStatus::Failed : SendStatus::Empty;
  }
  TxMsg m{};
  m.data.assign(message.begin(), message.end());
  m.size = m.data.size();
  return enqueue(std::move(m), id);
}

TpChannel::SendStatus TpChannel::check_packets(std::span<const TpPacketUnit> units) const noexcept {
  if (units.empty()) {
    return failed_ ? SendStatus::Failed : SendStatus::Empty;
  }
  // §6.7.1.1.1: one MTU of TA payload per packet, the last 0..MTU, and above 0 when the
  // operation spans more than one MTU.
  for (std::size_t k = 0; k < units.size(); ++k) {
    const TpPacketUnit& u = units[k];
    if (u.ta_header_bytes > u.size() || !u.tail.valid()) {
      return SendStatus::BadPacketing;
    }
    const std::size_t payload = u.size() - u.ta_header_bytes;
    const bool last = k + 1 == units.size();
    if (payload > cfg_.mtu || (!last && payload != cfg_.mtu) ||
        (last && units.size() > 1 && payload == 0) || u.size() == 0) {
      return SendStatus::BadPacketing;
    }
  }
  if (failed_) {
    return SendStatus::Failed;
  }
  if (tx_queue_.size() >= cfg_.tx_queue_limit) {
    return SendStatus::QueueFull;
  }
  return SendStatus::Queued;
}

TpChannel::SendStatus TpChannel::send_packets(std::span<const TpPacketUnit> units, MsgId* id) {
  if (const SendStatus st = check_packets(units); st != SendStatus::Queued) {
    return st;
  }
  TxMsg m{};
  m.units.assign(units.begin(), units.end());
  return enqueue(std::move(m), id);
}

TpChannel::SendStatus TpChannel::submit_packets(std::span<TpPacketUnit> units, MsgId* id) {
  if (const SendStatus st = check_packets(units); st != SendStatus::Queued) {
    return st; // refused: the units stay with the caller
  }
  TxMsg m{};
  m.units.reserve(units.size());
  for (TpPacketUnit& u : units) {
    m.units.push_back(std::move(u));
  }
  return enqueue(std::move(m), id);
}

TpChannel::SendStatus TpChannel::enqueue(TxMsg m, MsgId* id) {
  if (failed_) {
    return SendStatus::Failed;
  }
  if (tx_queue_.size() >= cfg_.tx_queue_limit) {
    return SendStatus::QueueFull;
  }
  m.id = next_id_++;
  m.tpmsn = next_tpmsn_;
  next_tpmsn_ = (next_tpmsn_ + 1) & kPsnMask; // TPMSN is 24 bits (Table 6-2)
  if (m.units.empty()) {
    m.expects_status = expects_ta_status(cfg_.ta_status, m.data);
  } else {
    // The first byte of the first packet: its TAOpcode.
    const TpPacketUnit& u = m.units.front();
    m.expects_status =
        expects_ta_status(cfg_.ta_status, u.bytes.empty() ? u.tail.view() : std::span(u.bytes));
    m.size = 0;
    for (const TpPacketUnit& x : m.units) {
      m.size += x.size();
    }
  }
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

Status TpChannel::ta_verdict(std::uint32_t handle, const TaVerdict& v, Time now) {
  auto bad = [&](std::string_view why) -> Status {
    return make_unexpected(
        Error{Errc::NotAllowed, 0, "TpChannel", "ta_verdict", why, "§6.8.2"}.with_value(handle));
  };
  if ((v.kind == TaStatusKind::ReceiverNotReady || v.kind == TaStatusKind::PageFault) &&
      v.rnr_timer > 19) {
    return bad("RNR_Timer 20..31 are reserved (Table 6-2)");
  }
  auto it =
      std::find_if(held_.begin(), held_.end(), [&](const Held& h) { return h.last_psn == handle; });
  if (it == held_.end()) {
    return bad("no message waits for a verdict with this handle (its last PSN)");
  }
  if (it->verdict) {
    return bad("the message already has its verdict");
  }
  it->verdict = v;
  release_verdicts(now);
  return {};
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
      std::vector<Byte> p = control_packet(tp_opcode::kCnp, epsn_, 0, 0, frontier_msn(), c);
      ++counters_.cnps_sent;
      return TpOut{std::move(p), nl::Cci{}, true, {}};
    }
  }
  if (failed_) {
    return std::nullopt;
  }
  if (probe_due_) {
    if (auto p = send_probe(now)) {
      return p;
    }
  }
  if (auto r = send_retransmission(now)) {
    return r;
  }
  if (cfg_.mark_psn && mark_rtx_ && rtx_set_.empty()) {
    // Every recorded loss is resent: back to the new-packet phase; the next new packet's PSN
    // becomes MarkPSN (§6.4.2.3.1).
    mark_rtx_ = false;
    mark_seq_ = nxt_;
  }
  if (fake_due_) {
    if (auto f = send_fake(now)) {
      return f;
    }
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
  if (!cc_allows(static_cast<std::uint32_t>(pkt.tp->size() + 4), now)) {
    return std::nullopt;
  }
  UB_TRANSITION(kRtpSenderMachine, UB_RTP_SENDER_STATE, "retransmit");
  if (rtx_cursor_ < rtx_end_) {
    ++rtx_cursor_;
  } else {
    rtx_set_.erase(rtx_set_.begin());
  }
  high_rtx_ = std::max(high_rtx_, seq + 1);
  if (!pkt.retransmitted) {
    last_first_rtx_ = std::max(last_first_rtx_, seq + 1); // LastFirstRtx (§6.4.2.3.1)
  }
  return emit_data(seq, true, now);
}

std::optional<TpOut> TpChannel::send_new(Time now) {
  if (tx_queue_.empty()) {
    return std::nullopt;
  }
  if (nxt_ - una_ >= send_limit()) {
    return std::nullopt;
  }
  if (cfg_.mark_psn && mark_rtx_) {
    return std::nullopt; // MarkPSN retransmission phase: no new packets (§6.4.2.3.1)
  }
  TxMsg& m = tx_queue_.front();
  const std::size_t left = m.size - m.next_offset;
  std::size_t len = std::min<std::size_t>(left, cfg_.mtu);
  if (!m.units.empty()) {
    len = m.units[m.next_unit].size(); // the caller's packet, TA headers included
  }
  const bool last = len == left;
  // Build the packet: RTPH, payload, padding so that NTH..payload is 4-byte aligned.
  Rtph h{};
  h.tp_opcode = static_cast<std::uint8_t>(tp_opcode::kRtpData | (last ? tp_opcode::kLastFlag : 0));
  h.nlp = tph_nlp::kTah;
  h.src_tpn = cfg_.local_tpn;
  h.dst_tpn = cfg_.peer_tpn;
  // The A bit (Table 6-2): MODEL policy, see ABitPolicy.
  h.a = last || cfg_.a_bit == ABitPolicy::EveryPacket ||
        (cfg_.a_bit == ABitPolicy::LastOrWindowEdge && nxt_ + 1 - una_ >= send_limit());
  h.psn = psn_of(nxt_);
  h.tpmsn = m.tpmsn;
  const std::size_t unpadded = cfg_.nth_bytes + kRtphBytes + len;
  h.padding = static_cast<std::uint8_t>((4 - unpadded % 4) % 4);
  const std::size_t size = kRtphBytes + len + h.padding;
  const std::uint32_t bytes = static_cast<std::uint32_t>(size + 4); // + ICRC
  if (!cc_allows(bytes, now)) {
    return std::nullopt;
  }
  // RTPH, payload, zero padding: each byte written once.
  std::vector<Byte> tp;
  tp.reserve(size); // before the first byte: one allocation a packet, not two
  tp.resize(kRtphBytes, 0);
  (void)Codec<Rtph>::encode(h, tp);
  if (m.units.empty()) {
    const auto from = m.data.begin() + static_cast<std::ptrdiff_t>(m.next_offset);
    tp.insert(tp.end(), from, from + static_cast<std::ptrdiff_t>(len));
  } else {
    TpPacketUnit& u = m.units[m.next_unit];
    tp.insert(tp.end(), u.bytes.begin(), u.bytes.end());
    const std::span<const Byte> tail = u.tail.view();
    tp.insert(tp.end(), tail.begin(), tail.end());
    u = TpPacketUnit{}; // built: the packet keeps its own copy from here on
  }
  tp.resize(size, 0);
  m.next_offset += len;
  ++m.next_unit;
  if (last && m.expects_status) {
    m.last_pkt = tp;
  }
  UB_TRANSITION(kRtpSenderMachine, UB_RTP_SENDER_STATE, "send_new");
  TxPkt pkt{};
  pkt.tp = std::make_shared<const std::vector<Byte>>(std::move(tp));
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

std::optional<TpOut> TpChannel::send_fake(Time now) {
  // A Fake packet (F = 1) keeps the channel alive while the peer's TA is short of resources
  // (Table 6-2, §8.2.7.3). MODEL: it takes a new PSN, carries no TA bytes and the TPMSN of the
  // next message, asks for an ACK, and never goes between the packets of a message.
  if (!tx_queue_.empty() && tx_queue_.front().next_offset != 0) {
    return std::nullopt;
  }
  if (nxt_ - una_ >= send_limit() || (cfg_.mark_psn && mark_rtx_)) {
    return std::nullopt;
  }
  Rtph h{};
  h.tp_opcode = static_cast<std::uint8_t>(tp_opcode::kRtpData | tp_opcode::kLastFlag);
  h.nlp = tph_nlp::kTah;
  h.src_tpn = cfg_.local_tpn;
  h.dst_tpn = cfg_.peer_tpn;
  h.a = true;
  h.f = true;
  h.psn = psn_of(nxt_);
  h.tpmsn = tx_queue_.empty() ? next_tpmsn_ : tx_queue_.front().tpmsn;
  h.padding = static_cast<std::uint8_t>((4 - (cfg_.nth_bytes + kRtphBytes) % 4) % 4);
  std::vector<Byte> tp(kRtphBytes + h.padding, 0);
  if (!cc_allows(static_cast<std::uint32_t>(tp.size() + 4), now)) {
    return std::nullopt;
  }
  (void)Codec<Rtph>::encode(h, tp);
  fake_due_ = false;
  TxPkt pkt{};
  pkt.tp = std::make_shared<const std::vector<Byte>>(std::move(tp));
  pkt.first_sent = now;
  outstanding_.push_back(std::move(pkt));
  const std::uint64_t seq = nxt_++;
  if (rto_deadline_ == kNever) {
    restart_timer(now);
  }
  ++counters_.fake_sent;
  trace(now, "fake", psn_of(seq));
  return emit_data(seq, false, now);
}

std::optional<TpOut> TpChannel::send_probe(Time now) {
  // The RTO expired with every packet acknowledged but a TA status still missing (its status ACK
  // was lost): resend the last packet of the oldest such message; the receiver answers the
  // duplicate with the status again (MODEL, design note §6.3).
  if (status_pending_.empty()) {
    probe_due_ = false;
    return std::nullopt;
  }
  auto target = std::find_if(status_pending_.begin(), status_pending_.end(),
                             [&](const TxMsg& m) { return m.last_seq == probe_seq_; });
  if (target == status_pending_.end()) {
    target = status_pending_.begin();
  }
  const std::vector<Byte>& last = target->last_pkt;
  const auto bytes = static_cast<std::uint32_t>(last.size() + 4);
  if (!cc_allows(bytes, now)) {
    return std::nullopt;
  }
  UB_TRANSITION(kRtpSenderMachine, UB_RTP_SENDER_STATE, "probe");
  probe_due_ = false;
  TpOut o{};
  o.tp = last;
  const CcSent sent{psn_of(target->last_seq), bytes, true};
  if (cc_) {
    cc_->stamp(o.cci, sent, now);
    cc_->on_sent(sent, now);
  }
  ++counters_.data_packets_sent;
  ++counters_.retransmissions;
  ++counters_.probes_sent;
  return o;
}

TpOut TpChannel::emit_data(std::uint64_t seq, bool retransmission, Time now) {
  TxPkt& pkt = outstanding_[seq - una_];
  TpOut o{};
  if (cfg_.share_packets) {
    o.shared = SharedBytes{pkt.tp, 0, pkt.tp->size()};
  } else {
    o.tp = *pkt.tp;
  }
  const auto bytes = static_cast<std::uint32_t>(pkt.tp->size() + 4);
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
  // The timer runs while a packet is unacknowledged or a TA status is still owed (§6.4.2.1).
  rto_deadline_ = outstanding_.empty() && status_pending_.empty()
                      ? kNever
                      : now + rto_for(cfg_.rto, rto_times_);
}

bool TpChannel::waits_for_input() const noexcept {
  // Without congestion control no send is gated on the time (cc_allows), and no CNP can
  // become due; what is left in poll_transmit depends on state only inputs change.
  const bool untimed_cc = cc_ == nullptr || cc_->algo() == CcAlgo::None;
  return untimed_cc && feedback_ == nullptr && control_out_.empty() && !probe_due_ && !fake_due_;
}

Time TpChannel::next_timeout() const noexcept {
  Time t = ack_deadline_;
  if (!failed_) {
    t = std::min({t, rto_deadline_, fake_next_});
    for (const TxMsg& m : status_pending_) {
      t = std::min(t, m.probe_at);
    }
  }
  if (cc_) {
    t = std::min(t, cc_->next_timer());
  }
  return t;
}

void TpChannel::on_timeout(Time now) {
  if (cc_ && cc_->next_timer() <= now) {
    cc_->on_timer(now);
  }
  if (ack_deadline_ <= now) {
    queue_ack(now); // a coalesced ACK waited ack_delay
  }
  if (fake_next_ <= now) {
    fake_due_ = now < fake_until_;
    const Time next = now + cfg_.fake_keepalive_interval;
    fake_next_ = next < fake_until_ ? next : kNever;
  }
  if (!failed_) {
    // A TA status still missing while other packets keep the RTO restarting: probe for it on
    // its own timer (MODEL, A-157). With nothing outstanding, the RTO below probes instead.
    for (TxMsg& m : status_pending_) {
      if (m.probe_at > now) {
        continue;
      }
      if (outstanding_.empty()) {
        m.probe_at = now + rto_for(cfg_.rto, m.probes);
        continue;
      }
      if (rto_exhausted(cfg_.rto, m.probes)) {
        fail(now);
        return;
      }
      ++m.probes;
      m.probe_at = now + rto_for(cfg_.rto, m.probes);
      probe_seq_ = m.last_seq;
      probe_due_ = true;
      break;
    }
  }
  if (failed_ || rto_deadline_ > now) {
    return;
  }
  if (outstanding_.empty() && status_pending_.empty()) {
    rto_deadline_ = kNever;
    return;
  }
  UB_TRANSITION(kRtpSenderMachine, UB_RTP_SENDER_STATE, "rto");
  ++counters_.timeouts;
  trace(now, "rto", psn_of(una_), rto_times_);
  // §6.4.2.1: when the timeout retransmissions exceed the maximum, the path is unreachable.
  if (rto_exhausted(cfg_.rto, rto_times_)) {
    fail(now);
    return;
  }
  ++rto_times_;
  if (outstanding_.empty()) {
    probe_due_ = true; // only a TA status is missing
    probe_seq_ = status_pending_.front().last_seq;
  } else if (cfg_.retx == RetxAlgo::GbnFast || cfg_.retx == RetxAlgo::GbnRto) {
    // Go back N: everything from the lowest unacknowledged packet (§6.4.2.2).
    rtx_cursor_ = una_;
    rtx_end_ = nxt_;
  } else {
    // Selective: every outstanding packet not acknowledged and not SACKed (§6.4.2.3).
    bool all_sacked = true;
    for (std::uint64_t s = una_; s < nxt_; ++s) {
      if (!outstanding_[s - una_].sacked) {
        rtx_set_.insert(s);
        all_sacked = false;
      }
    }
    if (all_sacked) {
      // The receiver has every outstanding packet; only the TPACK that retires them was lost
      // (the tail TPACK loss of §6.4.2.3.1, p.184, which follows Fig 6-22): resend the oldest
      // anyway. The receiver drops it as a duplicate and answers with a TPACK for all it holds
      // in order (§6.4.2.3 (ii)), and a TA status owed on it comes again with that TPACK. With
      // nothing resent, nothing would ever answer, and the channel would fail at its RTO limit.
      rtx_cursor_ = una_;
      rtx_end_ = una_ + 1;
    }
    if (cfg_.mark_psn) {
      // MODEL: the timeout resends everything outstanding as one retransmission phase.
      mark_pending_.clear();
      if (!mark_rtx_) {
        mark_rtx_ = true;
        ++counters_.mark_rtx_phases;
      }
    }
  }
  if (cc_ && !outstanding_.empty()) {
    cc_->on_loss(CcLossKind::Timeout, 0, 0, now);
  }
  rto_deadline_ = now + rto_for(cfg_.rto, rto_times_);
}

void TpChannel::fail(Time now) {
  UB_TRANSITION(kRtpSenderMachine, UB_RTP_SENDER_STATE, "retry_exhausted");
  failed_ = true;
  rto_deadline_ = kNever;
  ChannelFailed f{};
  for (const auto& m : status_pending_) {
    f.failed.push_back(m.id);
  }
  for (const auto& m : tx_msgs_) {
    f.failed.push_back(m.id);
  }
  for (const auto& m : tx_queue_) {
    f.failed.push_back(m.id);
  }
  counters_.messages_failed += f.failed.size();
  status_pending_.clear();
  tx_msgs_.clear();
  tx_queue_.clear();
  outstanding_.clear();
  rtx_set_.clear();
  mark_pending_.clear();
  probe_due_ = fake_due_ = false;
  fake_next_ = fake_until_ = kNever;
  rtx_cursor_ = rtx_end_ = 0;
  trace(now, "channel_failed", f.failed.size());
  events_.emplace_back(std::move(f));
}

// ---------------------------------------------------------------------------------------------
// Receive

void TpChannel::on_receive(std::span<const Byte> tp, const nl::Cci& cci, Time now,
                           const SharedBytes* origin) {
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
    on_data(*h, rest.first(rest.size() - h->padding), cci, now, origin);
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
  // everything before it is acknowledged (§6.4.2.2.1). A TPACK with another RSPST carries a TA
  // status for the message whose last packet has the ACK's PSN (§6.8.2). A TPSACK's RSPST is 0.
  const bool nak = !sack && h.rspst == rspst::kError && h.rspinfo == 0;
  const bool status = !sack && !nak && h.rspst != rspst::kAck;
  if (sack) {
    UB_TRANSITION(kRtpSenderMachine, UB_RTP_SENDER_STATE, "sack");
    ++counters_.sacks_received;
  } else if (nak) {
    UB_TRANSITION(kRtpSenderMachine, UB_RTP_SENDER_STATE, "nak");
    ++counters_.naks_received;
  } else {
    UB_TRANSITION(kRtpSenderMachine, UB_RTP_SENDER_STATE, "ack");
    ++counters_.acks_received;
  }
  if (status) {
    UB_TRANSITION(kRtpSenderMachine, UB_RTP_SENDER_STATE, "ta_status");
    ++counters_.status_acks_received;
  }
  if (failed_) {
    return;
  }
  const std::uint32_t acked_psn = nak ? psn_add(h.psn, kPsnMask) : h.psn;
  const std::uint64_t in_flight = nxt_ - una_;
  // Packets the ACK newly covers: from snd_una through acked_psn (0 for a duplicate ACK).
  const std::uint64_t newly_cum = psn_dist(psn_next(acked_psn), psn_of(una_));
  if (newly_cum > in_flight) {
    ++counters_.stale_acks; // behind snd_una - 1 or beyond snd_nxt: old or bogus
    if (status) {
      on_status(h, now); // a re-sent status ACK: its PSN is already covered
    }
    return;
  }
  // Sequence number of the ACK's own PSN + 1 (bit 0 of a SACK bitmap is the ACK's PSN).
  const std::uint64_t base = una_ + newly_cum;
  std::uint64_t newly = newly_cum;
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
    acked_bytes += static_cast<std::uint32_t>(p.tp->size() + 4);
    if (!p.retransmitted) {
      rtt = now - p.first_sent; // RTT samples from packets sent once only
    }
  }
  if (newly_cum > 0) {
    retire_through(base - 1, now);
  }
  // TPMSN = messages complete up to the ACK's PSN (Table 6-2), checked before a SACK bitmap
  // extends the cumulative part.
  check_ack_tpmsn(h);
  if (newly > newly_cum) {
    retire_through(una_ + (newly - newly_cum) - 1, now);
  }
  if (status) {
    on_status(h, now);
  }
  // The receiver acknowledges past a held packet only once its verdict went out in a status ACK
  // (§6.8.2), so an ACK past a message still owed its status means that status ACK was lost:
  // probe for it now rather than after an RTO that continuous traffic keeps restarting (MODEL,
  //
  for (TxMsg& m : status_pending_) {
    if (m.probes == 0 && m.last_seq + 1 < una_) {
      m.probes = 1;
      m.probe_at = now + rto_for(cfg_.rto, 1);
      probe_seq_ = m.last_seq;
      probe_due_ = true;
      ++counters_.status_lost_detected;
      break;
    }
  }
  if (sa) {
    // Holes: bit 0 in (cumulative, hi], hi = MaxRcvPSN if the bitmap reaches it, else the last
    // bitmap bit (§6.4.2.3; the design note's NTT-A4 reading).
    const std::uint32_t n = sa->bitmap_bits();
    const std::uint32_t to_max = psn_dist(sa->max_rcv_psn, h.psn);
    const std::uint32_t hi_k = to_max < n ? to_max : n - 1;
    if (cfg_.mark_psn) {
      mark_psn_sack(*sa, base, hi_k, now);
    } else {
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
          lost_bytes += static_cast<std::uint32_t>(p.tp->size() + 4);
        }
      }
      if (lost) {
        ++counters_.fast_retransmit_events;
        if (cc_) {
          cc_->on_loss(CcLossKind::SelectiveResend, lost_bytes, 0, now);
        }
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
    if (outstanding_.empty()) {
      cc_->on_idle(now); // everything sent is acknowledged: the window's inflight is 0
    }
  }
}

void TpChannel::check_ack_tpmsn(const Rtph& h) {
  if ((covered_msgs_ & kPsnMask) != h.tpmsn) {
    ++counters_.tpmsn_mismatches;
  }
}

void TpChannel::on_status(const Rtph& h, Time now) {
  const auto verdict = ta_verdict_of(h.rspst, h.rspinfo);
  auto it = std::find_if(status_pending_.begin(), status_pending_.end(),
                         [&](const TxMsg& m) { return psn_of(m.last_seq) == h.psn; });
  if (!verdict || it == status_pending_.end()) {
    ++counters_.status_unmatched; // reserved code, a status we did not expect, or a repeat
    return;
  }
  TaStatus st{};
  st.id = it->id;
  st.verdict = *verdict;
  if (verdict->kind == TaStatusKind::ReceiverNotReady || verdict->kind == TaStatusKind::PageFault) {
    st.retry_after = rnr_timeout(verdict->rnr_timer);
    if (cfg_.fake_keepalive_interval > Time{0}) {
      fake_until_ = now + st.retry_after;
      const Time next = now + cfg_.fake_keepalive_interval;
      fake_next_ = next < fake_until_ ? next : kNever;
    }
  }
  status_pending_.erase(it);
  ++counters_.ta_statuses;
  trace(now, "ta_status", h.rspst, h.rspinfo);
  events_.emplace_back(st);
  // An owed status is progress, as an ACK that retires packets is (MODEL, as there: progress
  // resets the backoff). Each RTO probes one missing status (the first owed); if the answers did
  // not reset the backoff, a few statuses lost together would fail the channel at its RTO limit
  // while every probe was being answered (regression tp_pair/status-probes-keep-backoff).
  rto_times_ = 0;
  if (outstanding_.empty() && status_pending_.empty()) {
    rto_deadline_ = kNever;
  } else {
    restart_timer(now);
  }
}

void TpChannel::mark_psn_sack(const Saetph& sa, std::uint64_t base, std::uint32_t hi_k, Time now) {
  // MarkPSN (§6.4.2.3.1). Missing PSNs above LastFirstRtx are first losses: recorded at once.
  // Missing PSNs at or below it were resent already and may still be in flight: they count as
  // lost again only when the TPSACK shows a PSN >= MarkPSN received. That also ends the
  // new-packet phase: the retransmission phase resends every recorded loss, and no new packets.
  bool past_mark = una_ > mark_seq_;
  std::vector<std::uint64_t> again;
  for (std::uint32_t k = 1; k <= hi_k; ++k) {
    const std::uint64_t s = base - 1 + k;
    if (s < una_ || s >= nxt_) {
      continue;
    }
    TxPkt& p = outstanding_[s - una_];
    if (sa.bitmap_bit(k)) {
      p.sacked = true;
      past_mark = past_mark || s >= mark_seq_;
    } else if (!p.sacked) {
      if (s + 1 > last_first_rtx_) {
        mark_pending_.insert(s);
      } else {
        again.push_back(s);
      }
    }
  }
  if (mark_rtx_ || !past_mark) {
    return;
  }
  mark_rtx_ = true;
  ++counters_.mark_rtx_phases;
  std::uint32_t lost_bytes = 0;
  for (const std::uint64_t s : again) {
    mark_pending_.insert(s);
  }
  for (const std::uint64_t s : mark_pending_) {
    if (s >= una_ && !outstanding_[s - una_].sacked && rtx_set_.insert(s).second) {
      lost_bytes += static_cast<std::uint32_t>(outstanding_[s - una_].tp->size() + 4);
    }
  }
  mark_pending_.clear();
  trace(now, "mark_rtx_phase", psn_of(mark_seq_), rtx_set_.size());
  if (lost_bytes > 0) {
    ++counters_.fast_retransmit_events;
    if (cc_) {
      cc_->on_loss(CcLossKind::SelectiveResend, lost_bytes, 0, now);
    }
  }
}

void TpChannel::retire_through(std::uint64_t seq, Time now) {
  while (una_ <= seq && !outstanding_.empty()) {
    outstanding_.pop_front();
    ++una_;
  }
  rtx_cursor_ = std::max(rtx_cursor_, una_);
  rtx_set_.erase(rtx_set_.begin(), rtx_set_.lower_bound(una_));
  mark_pending_.erase(mark_pending_.begin(), mark_pending_.lower_bound(una_));
  while (!tx_msgs_.empty() && tx_msgs_.front().last_seq < una_) {
    TxMsg& m = tx_msgs_.front();
    ++covered_msgs_;
    if (m.expects_status) {
      // TP-acknowledged; its outcome comes with the TA status (§6.8.2).
      m.data.clear();
      m.data.shrink_to_fit();
      m.units.clear();
      m.units.shrink_to_fit();
      m.probe_at = now + rto_for(cfg_.rto, 0);
      status_pending_.push_back(std::move(m));
    } else {
      events_.emplace_back(MsgAcked{m.id});
      ++counters_.messages_acked;
    }
    tx_msgs_.pop_front();
  }
  // MODEL: progress resets the backoff (the spec does not say when `times` returns to 0).
  rto_times_ = 0;
  restart_timer(now);
}

void TpChannel::on_data(const Rtph& h, std::span<const Byte> payload, const nl::Cci& cci, Time now,
                        const SharedBytes* origin) {
  ++counters_.data_received;
  const bool buffers = cfg_.retx != RetxAlgo::GbnFast;
  const bool selective =
      cfg_.retx == RetxAlgo::SelectiveFast || cfg_.retx == RetxAlgo::SelectiveRto;
  // The out-of-order slots are made on the first packet to buffer (ooo_slots()); a channel
  // that only ever receives in order never pays for them.
  const std::size_t slots = ooo_.size();
  bool accepted = false;
  // Kept as a range of the network's buffer rather than copied, when it came as one and the TA
  // reads it packet by packet.
  const SharedBytes share =
      origin != nullptr && cfg_.deliver_packets ? origin->narrow(payload) : SharedBytes{};
  switch (classify_psn(h.psn, epsn_, cfg_.ooo_window)) {
  case PsnClass::InOrder: {
    UB_TRANSITION(kRtpReceiverMachine, ooo_count_ == 0 ? "InOrder" : "Reordering", "in_order");
    accepted = true;
    accept_packet(h.psn, h.last(), h.f, h.tpmsn, payload, share);
    epsn_ = psn_next(epsn_);
    nak_sent_ = false;
    // Packets buffered behind it follow in order (§6.4.2.2.2, §6.4.2.3).
    bool drained = false;
    while (ooo_count_ > 0) {
      auto& slot = ooo_[epsn_ % slots];
      if (!slot) {
        break;
      }
      accept_packet(epsn_, slot->last, slot->fake, slot->tpmsn, slot->bytes(), slot->share);
      slot.reset();
      --ooo_count_;
      epsn_ = psn_next(epsn_);
      drained = true;
    }
    const std::uint32_t last_in_order = psn_add(epsn_, kPsnMask);
    if (psn_before(max_rcv_psn_, last_in_order)) {
      max_rcv_psn_ = last_in_order;
    }
    if (selective && ooo_count_ > 0) {
      queue_sack(now);
    } else if (ack_frontier() == last_ack_psn_) {
      // Nothing new to acknowledge: the packet completed a message whose ACK is withheld.
    } else if (h.a || drained || ++ack_pending_ >= cfg_.ack_coalesce) {
      queue_ack(now);
    } else {
      // Coalesced (MODEL): answered by a later ACK, or when ack_delay has passed.
      ++counters_.acks_coalesced;
      if (cfg_.ack_delay > Time{0} && ack_deadline_ == kNever) {
        ack_deadline_ = now + cfg_.ack_delay;
      }
    }
    break;
  }
  case PsnClass::Duplicate: {
    UB_TRANSITION(kRtpReceiverMachine, ooo_count_ == 0 ? "InOrder" : "Reordering", "duplicate");
    ++counters_.duplicates_received;
    // A duplicate means our ACK was lost or late: answer at once. If it was the last packet of a
    // message whose status ACK went out, that status ACK is sent again.
    const auto st = std::find_if(status_sent_.begin(), status_sent_.end(),
                                 [&](const SentStatus& x) { return x.psn == h.psn; });
    if (st != status_sent_.end()) {
      control_out_.push_back(finish_control(tp_opcode::kAck, st->psn, st->code.rspst,
                                            st->code.rspinfo, st->tpmsn, nullptr));
      ++counters_.status_acks_resent;
    }
    if (selective && ooo_count_ > 0) {
      queue_sack(now);
    } else {
      queue_ack(now);
    }
    break;
  }
  case PsnClass::InWindow: {
    UB_TRANSITION(kRtpReceiverMachine, ooo_count_ == 0 ? "InOrder" : "Reordering", "out_of_order");
    if (!buffers) {
      // GBN with fast retransmit keeps nothing out of order: one TPNAK per EPSN (§6.4.2.2.1).
      ++counters_.ooo_dropped;
      if (!nak_sent_) {
        nak_sent_ = true;
        queue_nak(now);
      }
      break;
    }
    auto& slot = ooo_slots()[h.psn % (std::size_t{cfg_.ooo_window} * 2)];
    const bool fresh = !slot;
    if (fresh) {
      slot = RxPkt{share.empty() ? std::vector<Byte>(payload.begin(), payload.end())
                                 : std::vector<Byte>{},
                   h.last(), h.f, h.tpmsn, share};
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
    UB_TRANSITION(kRtpReceiverMachine, ooo_count_ == 0 ? "InOrder" : "Reordering", "beyond_window");
    ++counters_.invalid_received; // beyond the window: dropped without an ACK (§6.4.1)
    break;
  }
  if (feedback_) {
    feedback_->on_data(cci, static_cast<std::uint32_t>(kRtphBytes + payload.size() + h.padding + 4),
                       accepted, now);
  }
}

void TpChannel::accept_packet(std::uint32_t psn, bool last, bool fake, std::uint32_t tpmsn,
                              std::span<const Byte> payload, const SharedBytes& share) {
  // Every packet of message n carries TPMSN n; a Fake packet carries the next message's.
  if (tpmsn != rx_msn_done_) {
    ++counters_.tpmsn_mismatches;
  }
  if (fake) {
    ++counters_.fake_received; // a keep-alive: acknowledged, never delivered
    return;
  }
  if (!rx_in_msg_) {
    rx_in_msg_ = true;
    rx_msg_first_psn_ = psn;
    rx_msg_.clear();
    rx_msg_ends_.clear();
    rx_msg_packets_.clear();
    rx_msg_shared_.clear();
    rx_msg_held_ = expects_ta_status(cfg_.ta_status, payload);
  }
  if (cfg_.deliver_packets) {
    if (!share.empty() || !rx_msg_shared_.empty()) {
      // All of a message's packets go up one way: copies made before the first share become
      // shares of their own.
      auto own = [](std::vector<Byte> v) {
        const std::size_t n = v.size();
        return SharedBytes{std::make_shared<const std::vector<Byte>>(std::move(v)), 0, n};
      };
      for (std::vector<Byte>& v : rx_msg_packets_) {
        rx_msg_shared_.push_back(own(std::move(v)));
      }
      rx_msg_packets_.clear();
      rx_msg_shared_.push_back(
          share.empty() ? own(std::vector<Byte>(payload.begin(), payload.end())) : share);
    } else {
      rx_msg_packets_.emplace_back(payload.begin(), payload.end());
    }
  } else {
    rx_msg_.insert(rx_msg_.end(), payload.begin(), payload.end());
    rx_msg_ends_.push_back(static_cast<std::uint32_t>(rx_msg_.size()));
  }
  if (last) {
    RxMessage m{};
    m.tpmsn = rx_msn_done_;
    m.first_psn = rx_msg_first_psn_;
    m.last_psn = psn;
    m.data = std::move(rx_msg_);
    m.packet_ends = std::move(rx_msg_ends_);
    m.packets = std::move(rx_msg_packets_);
    m.shared = std::move(rx_msg_shared_);
    rx_msg_ends_ = {};
    rx_msg_packets_ = {};
    rx_msg_shared_ = {};
    m.needs_verdict = rx_msg_held_;
    if (rx_msg_held_) {
      // The ACK of this packet waits for the TA (§6.8.2): later ACKs stop below it.
      held_.push_back(Held{psn, rx_msn_done_, std::nullopt});
    }
    rx_msg_ = {};
    rx_in_msg_ = false;
    rx_msg_held_ = false;
    rx_msn_done_ = (rx_msn_done_ + 1) & kPsnMask;
    ++counters_.messages_delivered;
    rx_done_.push_back(std::move(m));
  }
}

std::uint32_t TpChannel::ack_frontier() const noexcept {
  // The highest PSN an ACK may acknowledge: EPSN - 1, or just below the first withheld packet.
  return held_.empty() ? psn_add(epsn_, kPsnMask) : psn_add(held_.front().last_psn, kPsnMask);
}

std::uint32_t TpChannel::frontier_msn() const noexcept {
  return held_.empty() ? rx_msn_done_ : held_.front().msn_before;
}

void TpChannel::release_verdicts(Time now) {
  // Status ACKs go out in PSN order: a verdict waits for those of earlier held messages.
  while (!held_.empty() && held_.front().verdict) {
    const Held h = held_.front();
    held_.pop_front();
    const RspCode code = rsp_code(*h.verdict);
    const std::uint32_t tpmsn = (h.msn_before + 1) & kPsnMask;
    control_out_.push_back(
        finish_control(tp_opcode::kAck, h.last_psn, code.rspst, code.rspinfo, tpmsn, nullptr));
    ++counters_.status_acks_sent;
    status_sent_.push_back(SentStatus{h.last_psn, tpmsn, code});
    while (status_sent_.size() > cfg_.status_memory) {
      status_sent_.pop_front();
    }
    last_ack_psn_ = h.last_psn;
    ack_pending_ = 0;
    ack_deadline_ = kNever;
    trace(now, "status_ack", h.last_psn, code.rspst);
  }
  // Packets behind the released ones were held back only by the frontier: acknowledge them.
  if (ack_frontier() != last_ack_psn_) {
    if (ooo_count_ > 0 &&
        (cfg_.retx == RetxAlgo::SelectiveFast || cfg_.retx == RetxAlgo::SelectiveRto)) {
      queue_sack(now);
    } else {
      queue_ack(now);
    }
  }
}

void TpChannel::queue_ack(Time /*now*/) {
  // TPACK: PSN = EPSN - 1, the last packet received in order (§6.4.2), or just below a withheld
  // one.
  const std::uint32_t psn = ack_frontier();
  control_out_.push_back(
      finish_control(tp_opcode::kAck, psn, rspst::kAck, 0, frontier_msn(), nullptr));
  ++counters_.acks_sent;
  last_ack_psn_ = psn;
  ack_pending_ = 0;
  ack_deadline_ = kNever;
}

void TpChannel::queue_nak(Time /*now*/) {
  // TPNAK: RSPST 011, RSPINFO 0, PSN = EPSN (Table 6-2, §6.4.2.2.1).
  // Its TPMSN counts every message complete below EPSN (a withheld ACK does not matter here).
  control_out_.push_back(
      finish_control(tp_opcode::kAck, epsn_, rspst::kError, 0, rx_msn_done_, nullptr));
  ++counters_.naks_sent;
  ack_pending_ = 0;
  ack_deadline_ = kNever;
}

void TpChannel::queue_sack(Time /*now*/) {
  // TPSACK: PSN = EPSN - 1 (bit 0), bit k = PSN EPSN - 1 + k is buffered (§6.4.2.3). Below a
  // withheld packet the bitmap starts at the frontier, and packets already received in order
  // beyond it are shown as received.
  Saetph sa{};
  const std::uint32_t base = ack_frontier();
  const std::size_t bits = sack_bits_for(psn_dist(max_rcv_psn_, base), cfg_.sack_max_bits);
  sa.bitmap_size = sack_code(bits);
  sa.max_rcv_psn = max_rcv_psn_;
  sa.set_bitmap_bit(0);
  for (std::uint32_t k = 1; k < bits; ++k) {
    const std::uint32_t psn = psn_add(base, k);
    if (psn_before(psn, epsn_) ||
        (psn_dist(psn, epsn_) <= cfg_.ooo_window && !ooo_.empty() && ooo_[psn % ooo_.size()])) {
      sa.set_bitmap_bit(k);
    }
  }
  ooo_since_sack_ = 0;
  control_out_.push_back(
      finish_control(tp_opcode::kSack, base, rspst::kAck, 0, frontier_msn(), &sa));
  ++counters_.sacks_sent;
  last_ack_psn_ = base;
  ack_pending_ = 0;
  ack_deadline_ = kNever;
}

TpOut TpChannel::finish_control(std::uint8_t opcode, std::uint32_t psn, std::uint8_t rspst_value,
                                std::uint8_t rspinfo, std::uint32_t tpmsn, const Saetph* sack) {
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
  return TpOut{control_packet(opcode, psn, rspst_value, rspinfo, tpmsn, ext), nl::Cci{}, true, {}};
}

std::vector<Byte> TpChannel::control_packet(std::uint8_t opcode, std::uint32_t psn,
                                            std::uint8_t rspst_value, std::uint8_t rspinfo,
                                            std::uint32_t tpmsn, std::span<const Byte> ext) {
  Rtph h{};
  h.tp_opcode = opcode;
  h.src_tpn = cfg_.local_tpn;
  h.dst_tpn = cfg_.peer_tpn;
  h.psn = psn;
  h.rspst = rspst_value;
  h.rspinfo = rspinfo;
  h.tpmsn = tpmsn & kPsnMask;
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
