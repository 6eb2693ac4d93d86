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
//     ACKs; TPMSN message counting; the A bit on the last packet of each message;
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
};

// Ok, or an Error naming the field (header "TpChannelConfig").
[[nodiscard]] Status validate(const TpChannelConfig& c) noexcept;

using MsgId = std::uint64_t;

struct RxMessage {
  std::uint32_t tpmsn = 0;
  std::uint32_t first_psn = 0;
  std::uint32_t last_psn = 0;
  std::vector<Byte> data; // the payloads of its packets, in order
};

// What happened to a sent message.
struct MsgAcked {
  MsgId id = 0;
};
enum class TpError : std::uint8_t { RetryExceeded };
struct ChannelFailed {
  TpError error = TpError::RetryExceeded;
  std::vector<MsgId> failed; // every message not yet acknowledged, in send order
};
using TpEvent = std::variant<MsgAcked, ChannelFailed>;

// A packet for the network layer: the TP bytes (RTPH onward, padding included, no ICRC) and the
// CCI the NTH must carry.
struct TpOut {
  std::vector<Byte> tp;
  nl::Cci cci{};
  bool control = false; // ACK, NAK, SACK or CNP
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
};

class TpChannel {
public:
  // `cc` and `feedback` may be null: no congestion control, plain ACKs.
  explicit TpChannel(TpChannelConfig cfg, std::unique_ptr<CongestionControl> cc = nullptr,
                     std::unique_ptr<CcFeedback> feedback = nullptr, Tracer* tracer = nullptr);

  // ---- upper layer ----
  enum class SendStatus : std::uint8_t { Queued, Failed, QueueFull, Empty };
  // Queues a message; it goes out in MTU-sized packets. Returns its id through `id`.
  [[nodiscard]] SendStatus send(std::span<const Byte> message, MsgId* id = nullptr);
  [[nodiscard]] std::optional<RxMessage> poll_deliver();
  [[nodiscard]] std::optional<TpEvent> poll_event();

  // ---- network side ----
  void on_receive(std::span<const Byte> tp, const nl::Cci& cci, Time now);
  [[nodiscard]] std::optional<TpOut> poll_transmit(Time now);
  [[nodiscard]] Time next_timeout() const noexcept;
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

private:
  struct TxMsg {
    MsgId id = 0;
    std::uint32_t tpmsn = 0;
    std::vector<Byte> data;
    std::uint64_t last_seq = 0; // sequence number of its last packet, once assigned
    bool started = false;
    std::size_t next_offset = 0; // bytes of data already packetised
  };
  struct TxPkt {
    std::vector<Byte> tp; // RTPH onward, as first sent
    Time first_sent{};
    bool retransmitted = false;
    bool sacked = false;
  };

  [[nodiscard]] std::uint32_t psn_of(std::uint64_t seq) const noexcept {
    return static_cast<std::uint32_t>((cfg_.tx_initial_psn + seq) & kPsnMask);
  }
  [[nodiscard]] std::uint32_t window() const noexcept;

  // sender
  std::optional<TpOut> send_new(Time now);
  std::optional<TpOut> send_retransmission(Time now);
  TpOut emit_data(std::uint64_t seq, bool retransmission, Time now);
  void on_ack(const Rtph& h, bool sack, std::span<const Byte> ext,
              const std::optional<CetphLdcp>& ldcp, const std::optional<CetphCaqm>& caqm, Time now);
  void retire_through(std::uint64_t seq, Time now);
  void restart_timer(Time now);
  void fail(Time now);

  // receiver
  void on_data(const Rtph& h, std::span<const Byte> payload, const nl::Cci& cci, Time now);
  void accept_packet(std::uint32_t psn, bool last, std::span<const Byte> payload);
  void queue_ack(Time now);
  void queue_nak(Time now);
  void queue_sack(Time now);
  [[nodiscard]] TpOut finish_control(std::uint8_t opcode, std::uint32_t psn, std::uint8_t rspst,
                                     std::uint8_t rspinfo, const Saetph* sack);
  [[nodiscard]] std::vector<Byte> control_packet(std::uint8_t opcode, std::uint32_t psn,
                                                 std::uint8_t rspst, std::uint8_t rspinfo,
                                                 std::span<const Byte> ext);
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

  // receiver half
  std::uint32_t epsn_ = 0;
  std::uint32_t max_rcv_psn_ = 0;
  bool nak_sent_ = false;
  unsigned ooo_since_sack_ = 0;
  struct RxPkt {
    std::vector<Byte> payload;
    bool last = false;
  };
  std::vector<std::optional<RxPkt>> ooo_; // 2W slots, slot = PSN mod 2W
  std::uint32_t ooo_count_ = 0;
  std::vector<Byte> rx_msg_;
  std::uint32_t rx_msg_first_psn_ = 0;
  bool rx_in_msg_ = false;
  std::uint32_t rx_msn_done_ = 0;
  std::deque<RxMessage> rx_done_;
  std::deque<TpOut> control_out_;
};

} // namespace ub::tp
