#pragma once
// One RTP TP Channel end (both halves: the sender of our PSN space, the receiver of the peer's),
// sans-I/O. UB-Base-2.0 §6.3.1 (RTP), §6.4 (reliability), §6.7 (packet flows).
//
// Shape (STYLE rule 4), as dl::DataLink: the driver hands received TP packets (RTPH onward) to
// on_receive(), drains packets to send with poll_transmit(), and calls on_timeout() at
// next_timeout(). The layer above hands messages down with send() and takes received ones with
// poll_deliver(); outcomes of sent messages (acknowledged, failed) come from poll_event().
//
// Modelled:
//   - 24-bit PSNs with wrap-around (psn.hpp), an in-flight limit (max_outstanding <= the receive
//     window, and < 2^23), the out-of-order receive window (128..2048);
//   - the four retransmission algorithms of §6.4.2: go-back-N with fast retransmit (TPNAK),
//   go-back-N
//     on timeout only (receiver buffers out-of-order packets, TPACK only), selective with fast
//     retransmit (TPSACK on every out-of-order arrival, HighRtxPSN) and selective on timeout only
//     (TPSACK after N out-of-order arrivals);
//   - TPACK, TPNAK and TPSACK (SAETPH bitmap, MaxRcvPSN), none of which take a PSN; cumulative
//     ACKs, optionally coalesced (ack_coalesce, ack_delay) except where an ACK must go at once;
//     TPMSN message counting, checked on both sides; the A bit (last packet of a message, and the
//     packet that fills the send window);
//   - MarkPSN (§6.4.2.3.1): selective with fast retransmit in alternating new-packet and
//     retransmission phases, so a retransmission lost again is resent without waiting for the RTO;
//   - TA status in TP ACKs (§6.1 Table 6-2, §6.8.2, §7.3.1.1): the receiver may withhold the ACK of
//     a message's last packet until its TA gives a verdict (ta_verdict), then sends it with RSPST
//     101 (TAACK: normal, abnormal retryable, abnormal unrecoverable), 001 (RNR, 2 us x 2^timer),
//     010 (page fault) or 011 (Unsupported Request, Remote Abort); the sender reports it as a
//     TaStatus event. Fake (F = 1) keep-alive packets while the peer TA is not ready;
//   - the RTO, static or dynamic with exponential backoff (rto.hpp), a retry limit, and the channel
//     failure reported upward when it is exhausted;
//   - congestion control through the CongestionControl / CcFeedback interface (congestion.hpp):
//     CCI stamping, -CC ACK forms with the CETPH, CNPs.
// Internally PSNs are mapped to 64-bit sequence numbers counted from the initial PSN, so that
// ordering and indexing never depend on the wrap.
// Choices where the spec is silent are marked MODEL and listed in docs/spec-coverage.md.

#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <set>
#include <span>
#include <variant>
#include <vector>

#include "protocol/common/bits.hpp"
#include "protocol/common/error.hpp"
#include "protocol/common/rng.hpp"
#include "protocol/common/shared_bytes.hpp"
#include "protocol/common/trace.hpp"
#include "protocol/common/units.hpp"
#include "protocol/nl/cci.hpp"
#include "protocol/tp/congestion.hpp"
#include "protocol/tp/psn.hpp"
#include "protocol/tp/rto.hpp"
#include "protocol/tp/rtph.hpp"
#include "protocol/tp/saetph.hpp"

namespace ub::tp {

enum class RetxAlgo : std::uint8_t { GbnFast, GbnRto, SelectiveFast, SelectiveRto };
[[nodiscard]] std::string_view to_string(RetxAlgo a) noexcept;

// Which messages get their TA result in the TP ACK of their last packet (§6.8.2, §7.3.1.1). The
// RTPH has no bit for it, so both ends of a channel are configured alike (MODEL).
//   Never:       TPACK and TAACK are separate (ROI/ROT): no ACK is ever withheld.
//   RolRequests: ROL over RTP: requests that get a TAACK (Send, Send_with_immediate, Write,
//                Write_with_immediate, Write_with_notify, Write_with_be, Writeback,
//                Writeback_with_be: first TA byte = TAOpcode, Table 7-1) are held until the TA's
//                verdict; Read/Atomic requests and responses are not (their answer is data).
//   All:         every message is held (a TA that may run short of resources and answer any
//                message through the TP ACK, §8.2.7.3).
enum class TaStatusMode : std::uint8_t { Never, RolRequests, All };
[[nodiscard]] std::string_view to_string(TaStatusMode m) noexcept;
// Whether a message (its TA bytes) expects its TA result in a TP ACK under `mode`.
[[nodiscard]] bool expects_ta_status(TaStatusMode mode, std::span<const Byte> message) noexcept;

// When the sender sets the A bit (Table 6-2: "this packet needs its own ACK").
//   LastOfMessage:         the last packet of every message.
//   LastOrWindowEdge:      also the packet that fills the send window, so a coalescing receiver
//                          can never leave a window-limited sender waiting (MODEL default).
//   EveryPacket:           every packet.
enum class ABitPolicy : std::uint8_t { LastOfMessage, LastOrWindowEdge, EveryPacket };

struct TpChannelConfig {
  std::uint32_t local_tpn = 1;      // our TPN: DstTPN of what we receive
  std::uint32_t peer_tpn = 2;       // the peer's TPN: DstTPN of what we send
  std::uint32_t tx_initial_psn = 0; // negotiated at setup (§6.4.1); random in practice
  std::uint32_t rx_initial_psn = 0;
  RetxAlgo retx = RetxAlgo::GbnFast;
  std::uint32_t ooo_window = 2048;   // W, 128..2048 (§6.4.1)
  std::uint32_t max_outstanding = 0; // MODEL: packets in flight; 0 = W
  RtoConfig rto{};
  std::uint32_t mtu = 4096;          // TP payload bytes per packet (MODEL default)
  std::uint8_t nth_bytes = 12;       // NTH size, for the RTPH Padding (NTH..payload 4-aligned)
  unsigned sack_ooo_threshold = 0;   // MODEL: 0 = 1 (SelectiveFast) or 8 (SelectiveRto)
  unsigned sack_max_bits = 1024;     // largest BitMap the receiver sends
  std::size_t tx_queue_limit = 1024; // messages waiting to start
  bool mark_psn = false;             // MarkPSN (§6.4.2.3.1); SelectiveFast only (per-flow LB)
  // ACK coalescing (MODEL; the spec allows aggregated TPACK/TPSACK, §6.4.2.2.1, §6.4.2.3.1, and
  // gives no count or timer): an in-order packet with A = 0 is answered after `ack_coalesce`
  // such packets, or when `ack_delay` has passed since the first unanswered one (0 = no timer).
  unsigned ack_coalesce = 1;
  Time ack_delay{0};
  ABitPolicy a_bit = ABitPolicy::LastOrWindowEdge;
  TaStatusMode ta_status = TaStatusMode::Never;
  // MODEL: after an RNR or page-fault status, send a Fake packet (F = 1) every interval until the
  // RNR timeout has passed (Table 6-2 F bit, §8.2.7.3). 0 = never.
  Time fake_keepalive_interval{0};
  std::size_t status_memory = 1024; // receiver: status ACKs remembered for re-sending (MODEL)
  // How a received message is handed up, not what is received: each packet's payload in
  // RxMessage::packets (for an upper layer that reads packet by packet, as the TA does) rather
  // than concatenated in RxMessage::data. Spares gathering a message into one growing buffer.
  bool deliver_packets = false;
  // How a data packet is handed down: as a share of the channel's own retransmission copy
  // (TpOut::shared) rather than a copy of it (TpOut::tp). Not what is sent: the bytes are the
  // same. For a network model that neither changes nor outlives them wrongly (they are const).
  bool share_packets = false;
};

// Ok, or an Error naming the field (header "TpChannelConfig").
[[nodiscard]] Status validate(const TpChannelConfig& c) noexcept;

// Channel setup, which the spec leaves to implementations (§6.3.1): the two ends' configurations
// from one template, with TPNs `tpn_a` / `tpn_b` and, per direction, an initial PSN drawn
// uniformly from [0, 2^24) (§6.4.1: negotiated at setup, random). a.tx = b.rx and b.tx = a.rx.
struct TpChannelEnds {
  TpChannelConfig a, b;
};
[[nodiscard]] TpChannelEnds connect_channel(const TpChannelConfig& common, std::uint32_t tpn_a,
                                            std::uint32_t tpn_b, Rng& rng) noexcept;

using MsgId = std::uint64_t;

// One TP packet's worth of TA bytes for TpChannel::send_packets: its TA headers (the first
// `ta_header_bytes` bytes) and its TA payload. The TP MTU bounds the payload only (§6.7.1.1.1).
// The unit's bytes are `bytes` followed by `tail`: a caller that keeps the payload in a shared
// buffer (the initiator's op data) passes the headers in `bytes` and the payload as a range of
// that buffer, which the channel reads when it builds the packet instead of copying it first.
struct TpPacketUnit {
  std::vector<Byte> bytes;
  std::uint32_t ta_header_bytes = 0;
  SharedBytes tail;

  [[nodiscard]] std::size_t size() const noexcept { return bytes.size() + tail.length; }
};

struct RxMessage {
  std::uint32_t tpmsn = 0;
  std::uint32_t first_psn = 0;
  std::uint32_t last_psn = 0;
  std::vector<Byte> data; // the payloads of its packets, in order
  // With TpChannelConfig::deliver_packets: each packet's payload, in order (data and
  // packet_ends are then empty).
  std::vector<std::vector<Byte>> packets;
  // Where each packet's bytes end in `data` (one entry per packet): with send_packets() every
  // packet carries its own TA headers, and the TA layer reads them packet by packet.
  std::vector<std::uint32_t> packet_ends;
  // The ACK of its last packet is withheld until ta_verdict(last_psn, ...) (TaStatusMode).
  bool needs_verdict = false;
  // With deliver_packets, when its packets came as shares of the network's buffers (on_receive's
  // `origin`): each packet's payload, in order, as a range of the buffer it arrived in, with no
  // copy (`packets` is then empty). A message is handed up all shared or all in `packets`.
  std::vector<SharedBytes> shared;
};

// The TA's answer to a message, carried back in the TP ACK (Table 6-2 RSPST/RSPINFO).
enum class TaStatusKind : std::uint8_t {
  Ok,                    // RSPST 101, RSPINFO 00010: TAACK, normal
  AbnormalRetryable,     // RSPST 101, RSPINFO 00000
  AbnormalUnrecoverable, // RSPST 101, RSPINFO 00001
  ReceiverNotReady,      // RSPST 001, RSPINFO = RNR_Timer
  PageFault,             // RSPST 010, RSPINFO = RNR_Timer
  UnsupportedRequest,    // RSPST 011, RSPINFO 00001
  RemoteAbort,           // RSPST 011, RSPINFO 00010
};
[[nodiscard]] std::string_view to_string(TaStatusKind k) noexcept;

struct TaVerdict {
  TaStatusKind kind = TaStatusKind::Ok;
  std::uint8_t rnr_timer = 0; // RNR and page fault: 0..19 (20..31 reserved)
};

// RNR_Timeout = 2 us x 2^RNR_Timer (Table 6-2); reserved codes 20..31 count as 19 (MODEL).
[[nodiscard]] constexpr Time rnr_timeout(std::uint8_t rnr_timer) noexcept {
  const unsigned t = rnr_timer > 19 ? 19U : rnr_timer;
  return Time{2'000'000LL << t};
}

// The RSPST/RSPINFO pair of a verdict, and back (nullopt: not a TA status).
struct RspCode {
  std::uint8_t rspst = 0, rspinfo = 0;
};
[[nodiscard]] RspCode rsp_code(const TaVerdict& v) noexcept;
[[nodiscard]] std::optional<TaVerdict> ta_verdict_of(std::uint8_t rspst,
                                                     std::uint8_t rspinfo) noexcept;

// What happened to a sent message.
struct MsgAcked {
  MsgId id = 0;
};
enum class TpError : std::uint8_t { RetryExceeded };
struct ChannelFailed {
  TpError error = TpError::RetryExceeded;
  std::vector<MsgId> failed; // every message not yet acknowledged, in send order
};
// The peer's TA answered a message through the TP ACK: the message's outcome (it replaces
// MsgAcked for messages that expect a TA status). `retry_after` is the RNR timeout for RNR and
// page fault (the TA retries, not the TP, §7.3.1.1), else 0.
struct TaStatus {
  MsgId id = 0;
  TaVerdict verdict{};
  Time retry_after{0};
};
using TpEvent = std::variant<MsgAcked, ChannelFailed, TaStatus>;

// A packet for the network layer: the TP bytes (RTPH onward, padding included, no ICRC) and the
// CCI the NTH must carry. The bytes are `tp`, or with TpChannelConfig::share_packets a data
// packet's are `shared` (and `tp` is empty): bytes() is either.
struct TpOut {
  std::vector<Byte> tp;
  nl::Cci cci{};
  bool control = false; // ACK, NAK, SACK or CNP
  SharedBytes shared;
  [[nodiscard]] std::span<const Byte> bytes() const noexcept {
    return shared.empty() ? std::span<const Byte>(tp) : shared.view();
  }
};

struct TpCounters {
  std::uint64_t messages_sent = 0, messages_acked = 0, messages_delivered = 0, messages_failed = 0;
  std::uint64_t data_packets_sent = 0, retransmissions = 0;
  std::uint64_t acks_sent = 0, naks_sent = 0, sacks_sent = 0, cnps_sent = 0;
  std::uint64_t acks_received = 0, naks_received = 0, sacks_received = 0, cnps_received = 0;
  std::uint64_t timeouts = 0, fast_retransmit_events = 0;
  std::uint64_t data_received = 0, duplicates_received = 0, invalid_received = 0, ooo_buffered = 0,
                ooo_dropped = 0;
  std::uint64_t stale_acks = 0, malformed = 0, wrong_tpn = 0;
  std::uint64_t tpmsn_mismatches = 0; // an ACK's or data packet's TPMSN not the expected count
  std::uint64_t acks_coalesced = 0;   // in-order packets answered by a later ACK
  std::uint64_t status_acks_sent = 0, status_acks_resent = 0, status_acks_received = 0,
                status_unmatched = 0, ta_statuses = 0, probes_sent = 0;
  std::uint64_t fake_sent = 0, fake_received = 0;
  std::uint64_t status_lost_detected = 0; // an ACK passed a message whose status never came
  std::uint64_t mark_rtx_phases = 0;      // MarkPSN: new-packet -> retransmission phase switches
};

class TpChannel {
public:
  // `cc` and `feedback` may be null: no congestion control, plain ACKs.
  explicit TpChannel(TpChannelConfig cfg, std::unique_ptr<CongestionControl> cc = nullptr,
                     std::unique_ptr<CcFeedback> feedback = nullptr, Tracer* tracer = nullptr);

  // ---- upper layer ----
  // BadPacketing: send_packets() units that break the §6.7.1.1.1 rule (a payload above the MTU,
  // a payload below it before the last unit, an empty last payload after a full one, or
  // ta_header_bytes above the unit's size).
  enum class SendStatus : std::uint8_t { Queued, Failed, QueueFull, Empty, BadPacketing };
  // Queues a message; it goes out in MTU-sized packets. Returns its id through `id`.
  [[nodiscard]] SendStatus send(std::span<const Byte> message, MsgId* id = nullptr);
  // Queues a message whose packets the caller has cut (§6.7.1.1.1): one packet per unit, each
  // with its own TA headers and a payload of exactly one MTU, except the last (0..MTU, above 0
  // when the operation spans more than one MTU). The receiver gets the bytes concatenated with
  // RxMessage::packet_ends marking the packets.
  [[nodiscard]] SendStatus send_packets(std::span<const TpPacketUnit> units, MsgId* id = nullptr);
  // send_packets() that takes the units' contents (moves them out) when it queues the message
  // and leaves them as they were when it refuses it, so a caller can offer them elsewhere.
  [[nodiscard]] SendStatus submit_packets(std::span<TpPacketUnit> units, MsgId* id = nullptr);
  [[nodiscard]] std::optional<RxMessage> poll_deliver();
  [[nodiscard]] std::optional<TpEvent> poll_event();
  // The TA's verdict on a delivered message with needs_verdict (handle = its last_psn). Status
  // ACKs go out in PSN order. An unknown handle or a second verdict is an Error.
  [[nodiscard]] Status ta_verdict(std::uint32_t handle, const TaVerdict& v, Time now);

  // ---- network side ----
  // `origin`, when given, holds the same bytes as `tp` (its view() or a range around it), kept
  // alive by its owner: with deliver_packets the channel keeps ranges of it instead of copies.
  void on_receive(std::span<const Byte> tp, const nl::Cci& cci, Time now,
                  const SharedBytes* origin = nullptr);
  [[nodiscard]] std::optional<TpOut> poll_transmit(Time now);
  [[nodiscard]] Time next_timeout() const noexcept;
  // After a poll_transmit() that gave nothing: whether only an input (send, on_receive,
  // on_timeout, ta_verdict) can change that, so a caller may skip polling until one comes.
  // False when the time alone might (paced congestion control, a CNP, a due probe or
  // keep-alive); then the caller polls as before.
  [[nodiscard]] bool waits_for_input() const noexcept;
  void on_timeout(Time now);

  // ---- observation ----
  [[nodiscard]] bool failed() const noexcept { return failed_; }
  [[nodiscard]] const TpCounters& counters() const noexcept { return counters_; }
  [[nodiscard]] const TpChannelConfig& config() const noexcept { return cfg_; }
  [[nodiscard]] std::uint32_t snd_una() const noexcept { return psn_of(una_); }
  [[nodiscard]] std::uint32_t snd_nxt() const noexcept { return psn_of(nxt_); }
  [[nodiscard]] std::uint32_t epsn() const noexcept { return epsn_; }
  [[nodiscard]] std::uint64_t outstanding() const noexcept { return nxt_ - una_; }
  [[nodiscard]] std::size_t queued_messages() const noexcept { return tx_queue_.size(); }
  [[nodiscard]] std::size_t unacked_messages() const noexcept { return tx_msgs_.size(); }
  [[nodiscard]] unsigned rto_times() const noexcept { return rto_times_; }
  [[nodiscard]] const CongestionControl* congestion() const noexcept { return cc_.get(); }
  [[nodiscard]] std::size_t held_messages() const noexcept { return held_.size(); }
  [[nodiscard]] std::size_t status_pending() const noexcept { return status_pending_.size(); }
  [[nodiscard]] bool in_mark_rtx_phase() const noexcept { return mark_rtx_; }

private:
  struct TxMsg {
    MsgId id = 0;
    std::uint32_t tpmsn = 0;
    std::vector<Byte> data;     // send(): the message, cut into MTU-sized packets
    std::size_t size = 0;       // its bytes in all (data, or the units)
    std::uint64_t last_seq = 0; // sequence number of its last packet, once assigned
    bool started = false;
    std::size_t next_offset = 0; // bytes already packetised
    bool expects_status = false; // its outcome is a TaStatus from the peer's TP ACK
    // send_packets(): the caller's packets, one per unit; each is released once built.
    std::vector<TpPacketUnit> units;
    std::size_t next_unit = 0;
    std::vector<Byte> last_pkt; // expects_status: its last packet, kept for RTO probes
    // expects_status, once TP-acknowledged: when to probe for a status still missing while
    // other packets keep the channel busy (the RTO keeps restarting then), and how often it was.
    Time probe_at = kNever;
    unsigned probes = 0;
  };
  struct TxPkt {
    // RTPH onward, as first sent; shared with the packets handed down (share_packets).
    std::shared_ptr<const std::vector<Byte>> tp;
    Time first_sent{};
    bool retransmitted = false;
    bool sacked = false;
  };

  [[nodiscard]] std::uint32_t psn_of(std::uint64_t seq) const noexcept {
    return static_cast<std::uint32_t>((cfg_.tx_initial_psn + seq) & kPsnMask);
  }
  [[nodiscard]] std::uint32_t window() const noexcept;
  [[nodiscard]] std::uint64_t send_limit() const noexcept;

  // sender
  [[nodiscard]] SendStatus enqueue(TxMsg m, MsgId* id);
  [[nodiscard]] SendStatus check_packets(std::span<const TpPacketUnit> units) const noexcept;
  std::optional<TpOut> send_new(Time now);
  std::optional<TpOut> send_retransmission(Time now);
  std::optional<TpOut> send_fake(Time now);
  std::optional<TpOut> send_probe(Time now);
  [[nodiscard]] bool cc_allows(std::uint32_t bytes, Time now) const noexcept;
  TpOut emit_data(std::uint64_t seq, bool retransmission, Time now);
  void on_ack(const Rtph& h, bool sack, std::span<const Byte> ext,
              const std::optional<CetphLdcp>& ldcp, const std::optional<CetphCaqm>& caqm, Time now);
  void on_status(const Rtph& h, Time now);
  void check_ack_tpmsn(const Rtph& h);
  void mark_psn_sack(const Saetph& sa, std::uint64_t base, std::uint32_t hi_k, Time now);
  void retire_through(std::uint64_t seq, Time now);
  void restart_timer(Time now);
  void fail(Time now);

  // receiver
  void on_data(const Rtph& h, std::span<const Byte> payload, const nl::Cci& cci, Time now,
               const SharedBytes* origin);
  // `share`, when not empty, holds `payload`'s bytes (kept instead of a copy).
  void accept_packet(std::uint32_t psn, bool last, bool fake, std::uint32_t tpmsn,
                     std::span<const Byte> payload, const SharedBytes& share);
  [[nodiscard]] std::uint32_t ack_frontier() const noexcept;
  [[nodiscard]] std::uint32_t frontier_msn() const noexcept;
  void release_verdicts(Time now);
  void queue_ack(Time now);
  void queue_nak(Time now);
  void queue_sack(Time now);
  [[nodiscard]] TpOut finish_control(std::uint8_t opcode, std::uint32_t psn, std::uint8_t rspst,
                                     std::uint8_t rspinfo, std::uint32_t tpmsn, const Saetph* sack);
  [[nodiscard]] std::vector<Byte> control_packet(std::uint8_t opcode, std::uint32_t psn,
                                                 std::uint8_t rspst, std::uint8_t rspinfo,
                                                 std::uint32_t tpmsn, std::span<const Byte> ext);
  void trace(Time now, std::string_view what, std::uint64_t a = 0, std::uint64_t b = 0);

  TpChannelConfig cfg_;
  std::unique_ptr<CongestionControl> cc_;
  std::unique_ptr<CcFeedback> feedback_;
  Tracer* tracer_;
  TpCounters counters_{};
  bool failed_ = false;

  // sender half (sequence numbers count from tx_initial_psn)
  std::deque<TxMsg> tx_queue_;    // messages not yet fully packetised
  std::deque<TxMsg> tx_msgs_;     // packetised, not yet acknowledged (front = oldest)
  std::deque<TxPkt> outstanding_; // index = seq - una_
  std::uint64_t una_ = 0;         // lowest unacknowledged
  std::uint64_t nxt_ = 0;         // next new
  std::uint64_t rtx_cursor_ = 0;  // go-back-N replay: next to resend (replay while < rtx_end_)
  std::uint64_t rtx_end_ = 0;
  std::set<std::uint64_t> rtx_set_; // selective: queued for resending
  std::uint64_t high_rtx_ = 0;      // HighRtxPSN + 1 as a sequence number (0 = none)
  Time rto_deadline_ = kNever;
  unsigned rto_times_ = 0;
  MsgId next_id_ = 1;
  std::uint32_t next_tpmsn_ = 0;
  std::deque<TpEvent> events_;
  std::uint64_t covered_msgs_ = 0;   // messages whose last packet is cumulatively acknowledged
  std::deque<TxMsg> status_pending_; // acknowledged by the TP, waiting for the TA status
  std::uint64_t probe_seq_ = 0;      // last_seq of the message the next probe is for
  bool probe_due_ = false;           // RTO with only status-pending messages: resend a last packet
  // MarkPSN (§6.4.2.3.1): phase, MarkPSN and LastFirstRtx as sequence numbers (+1; 0 = none),
  // and the losses recorded during the new-packet phase.
  bool mark_rtx_ = false;
  std::uint64_t mark_seq_ = 0;
  std::uint64_t last_first_rtx_ = 0;
  std::set<std::uint64_t> mark_pending_;
  // Fake keep-alive after an RNR / page-fault status.
  Time fake_next_ = kNever;
  Time fake_until_ = kNever;
  bool fake_due_ = false;

  // receiver half
  std::uint32_t epsn_ = 0;
  std::uint32_t max_rcv_psn_ = 0;
  bool nak_sent_ = false;
  unsigned ooo_since_sack_ = 0;
  struct RxPkt {
    std::vector<Byte> payload; // a copy, or empty when `share` holds the bytes
    bool last = false;
    bool fake = false;
    std::uint32_t tpmsn = 0;
    SharedBytes share;
    [[nodiscard]] std::span<const Byte> bytes() const noexcept {
      return share.empty() ? std::span<const Byte>(payload) : share.view();
    }
  };
  std::vector<std::optional<RxPkt>> ooo_;         // 2W slots, slot = PSN mod 2W; empty until needed
  std::vector<std::optional<RxPkt>>& ooo_slots(); // ooo_, made on first use
  std::uint32_t ooo_count_ = 0;
  std::vector<Byte> rx_msg_;
  std::vector<std::uint32_t> rx_msg_ends_;
  std::vector<std::vector<Byte>> rx_msg_packets_; // deliver_packets
  std::vector<SharedBytes> rx_msg_shared_;        // deliver_packets, packets received shared
  std::uint32_t rx_msg_first_psn_ = 0;
  bool rx_in_msg_ = false;
  std::uint32_t rx_msn_done_ = 0;
  std::deque<RxMessage> rx_done_;
  std::deque<TpOut> control_out_;
  unsigned ack_pending_ = 0;       // in-order packets not yet answered (coalescing)
  std::uint32_t last_ack_psn_ = 0; // PSN of the last TPACK/TPSACK sent (initially EPSN - 1)
  Time ack_deadline_ = kNever;
  // Messages whose last-packet ACK is withheld for the TA's verdict, in PSN order.
  struct Held {
    std::uint32_t last_psn = 0;
    std::uint32_t msn_before = 0; // messages complete before it (the TPMSN of ACKs below it)
    std::optional<TaVerdict> verdict;
  };
  std::deque<Held> held_;
  bool rx_msg_held_ = false; // the message being assembled expects a verdict
  struct SentStatus {
    std::uint32_t psn = 0;
    std::uint32_t tpmsn = 0;
    RspCode code{};
  };
  std::deque<SentStatus> status_sent_; // recent status ACKs, re-sent when their packet returns
};

} // namespace ub::tp
