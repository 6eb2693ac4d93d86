#pragma once
// One UB port's data link layer, sans-I/O. UB-Base-2.0 §4.
//
// Shape (STYLE rule 4): the driver feeds received flits with on_receive(), drains flits to send
// with poll_transmit(), and calls on_timeout() at next_timeout(). The layer above hands packets
// down with send() and takes received ones with poll_deliver(). PHY events arrive through
// on_link_up(), on_link_down() and on_retrain_done(); the PHY commands the data link issues
// (retrain) are taken with take_retrain_request(). Nothing here reads a clock or prints.
//
// Modelled:
//   - the DLL state machine Disabled -> Param_Init -> Credit_Init -> Normal (§4.2), Param_Init
//     starting with a retry handshake (§4.3.4.1 note 3);
//   - negotiation of every Init block parameter (§4.4, negotiation.hpp);
//   - up to 16 VLs, credits in cells, exclusive and shared credit modes (§4.5, §4.6,
//     credit.hpp), credit return by LPH/LBH CRD bits, Crd_Ack blocks and a forced-return
//     threshold (§4.6.3), and the credit errors of §4.8.1;
//   - go-back-N link retry (§4.7): the retry buffer (retry_buffer.hpp), ACKs by LPH/LBH ACK bits
//     and Crd_Ack, RETRY_REQ_SM and RETRY_ACK_SM, Retry_Req_Set / Retry_Ack_Set, thresholds,
//     the retry-ack timer, the deadlock guard (§4.7.3.2.4), CRC and non-CRC mode;
//   - link down (§4.8.4), retry errors (§4.8.2), ERROR_FLAG passed up (§4.8.3);
//   - VL arbitration (strict priority or DWRR, vl_arbiter.hpp) and PACKET_MIN_INTERVAL (NOBs).
// Model choices where the spec is silent are marked MODEL and listed in docs/spec-coverage.md.

#include <array>
#include <cstdint>
#include <deque>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "protocol/common/error.hpp"
#include "protocol/common/trace.hpp"
#include "protocol/common/units.hpp"
#include "protocol/dl/block_mode.hpp"
#include "protocol/dl/control_blocks.hpp"
#include "protocol/dl/credit.hpp"
#include "protocol/dl/link_headers.hpp"
#include "protocol/dl/negotiation.hpp"
#include "protocol/dl/plength.hpp"
#include "protocol/dl/retry_buffer.hpp"
#include "protocol/dl/vl_arbiter.hpp"

namespace ub::dl {

// Register codes of App. D Table D-133 (DL State Machine Status, 0xAC).
enum class DllState : std::uint8_t { Disabled = 0, ParamInit = 1, CreditInit = 2, Normal = 3 };
enum class RetryReqState : std::uint8_t { Normal = 0, Req = 1, Wait = 2, Retrain = 3, Error = 4 };
enum class RetryAckState : std::uint8_t { Normal = 0, Ack = 1 };

[[nodiscard]] std::string_view to_string(DllState s) noexcept;
[[nodiscard]] std::string_view to_string(RetryReqState s) noexcept;
[[nodiscard]] std::string_view to_string(RetryAckState s) noexcept;

// Data link errors (§4.8, C-class codes of §10.6.2.2.4).
enum class DlError : std::uint8_t {
  RetryAckTimeout,       // C.19, correctable: WAIT timer expired
  RetryRollover,         // C.20, correctable: NUM_RETRY reached its threshold (-> retrain)
  RetryError,            // C.22, uncorrectable: retrains exhausted, RETRY_REQ_SM in ERROR
  ProtocolError,         // C.21, uncorrectable: ACK overflow, credit-return timeout, bad RcvPtr
  ReceiveBufferOverflow, // C.29, uncorrectable
  FlowControlOverflow,   // C.30, uncorrectable
};
[[nodiscard]] std::string_view to_string(DlError e) noexcept;
// Uncorrectable errors stop the data link until a UBFM reset (§4.8.1, §4.8.2).
[[nodiscard]] constexpr bool is_fatal(DlError e) noexcept {
  return e != DlError::RetryAckTimeout && e != DlError::RetryRollover;
}

struct DataLinkConfig {
  LinkParams offer{}; // our Init block (Data Link Configuration registers)
  BlockMode mode = BlockMode::Crc30;
  // MODEL: receive buffer per VL in cells; it is what we grant as initial credits (§4.6.1.1).
  std::array<std::uint32_t, kMaxVls> rx_buffer_cells = filled(256);
  // How our sender uses the peer's credits; Shared needs the peer's RXBUF_VL_SHARE = 1.
  CreditMode tx_credit_mode = CreditMode::Exclusive;
  // MODEL: shared mode's per-VL reserve, in cells (§4.6.1.3 leaves it to policy).
  std::array<std::uint32_t, kMaxVls> shared_reserve_cells = filled(16);
  VlArbitration arbitration = VlArbitration::StrictPriority;
  std::array<std::uint32_t, kMaxVls> dwrr_weights = filled(1);
  std::uint32_t tx_queue_limit = 1024;       // MODEL: packets the upper layer may queue per VL
  Time retry_ack_timeout = Time{64'000'000}; // Retry Cfg register default, 64 us (p.441)
  unsigned num_retry_threshold = 15;         // recommended (p.133)
  unsigned num_phy_reinit_threshold = 4;     // recommended (p.133)
  bool retry_count_inclusive = false;        // DL-A4: false = 14 sets per round, true = 15
  // MODEL: pending credit (cells, per VL) that forces a Crd_Ack and holds back DLLDPs (Cfg Crd
  // Vn Llcrd, §4.6.3 rule 3); 0 = twice the VL's data credit grain.
  std::uint32_t credit_force_cells = 0;
  // MODEL: pending ACK flits that force a Crd_Ack (Cfg Ack Llcrd); 0 = twice the data grain.
  std::uint32_t ack_force_flits = 0;
  // MODEL: pending ACK flits above which an otherwise idle sender returns them in a Crd_Ack
  // (Cfg Ack Return). Must exceed a Crd_Ack's own 2 flits, or two idle ends would ACK each
  // other's Crd_Acks forever.
  std::uint32_t ack_return_flits = 8;
  // MODEL: below this many free retry-buffer flits only a Crd_Ack may be sent (§4.7.3.2.4).
  // At least 35: after a 32-flit block there must still be room for a 2-flit Crd_Ack with the
  // one slot the ring keeps free (DL-A17).
  std::uint32_t deadlock_guard_flits = 35;
  // §4.8.4 item 2: a receiver that passes packets up cut-through pads a partly received DLLDP
  // with zeros and flags it (ERROR_FLAG) at link down; otherwise the partial packet is dropped.
  bool cut_through_rx = false;
  // MODEL: a VL with data but no credit for this long is a DL Protocol Error (§4.8.1 gives no
  // value); zero disables the check.
  Time credit_timeout = Time{0};

  static constexpr std::array<std::uint32_t, kMaxVls> filled(std::uint32_t v) noexcept {
    std::array<std::uint32_t, kMaxVls> a{};
    a.fill(v);
    return a;
  }
};

// Checks a configuration before a DataLink is built from it: errors name the field (e.g.
// "offer.retry_buf_depth") and why. A DataLink built from an invalid configuration is not
// guaranteed to behave.
[[nodiscard]] Status validate(const DataLinkConfig& cfg) noexcept;

// A packet handed up: the LPH as received, and the bytes after it (NTH onward, ICRC included).
struct RxPacket {
  Lph lph{};
  bool error_flag = false; // ERROR_FLAG of the last block: the packet is bad (§4.8.3)
  std::vector<Byte> net;
};

struct DataLinkCounters {
  std::uint64_t packets_queued = 0;    // accepted by send()
  std::uint64_t packets_sent = 0;      // first transmission started
  std::uint64_t packets_delivered = 0; // handed to poll_deliver()
  std::uint64_t packets_dropped = 0;   // discarded: link down, not ready, partial on link down
  std::uint64_t flits_sent = 0;        // every flit out of poll_transmit
  std::uint64_t flits_received = 0;
  std::uint64_t flits_retransmitted = 0;
  std::uint64_t block_errors = 0;        // CRC or FEC failures that started a retry
  std::uint64_t retry_req_sets = 0;      // Retry_Req_Sets sent
  std::uint64_t retry_ack_sets = 0;      // Retry_Ack_Sets sent
  std::uint64_t retrains = 0;            // PHY retrains this end commanded
  std::uint64_t credit_stalls = 0;       // times a VL with data found no credit
  std::uint64_t retry_buffer_stalls = 0; // times the retry buffer was too full for a block
  std::uint64_t crd_acks_sent = 0;
  std::uint64_t nops_sent = 0;
  std::uint64_t error_flag_packets = 0; // delivered with ERROR_FLAG set
  std::uint64_t protocol_anomalies = 0; // unexpected blocks dropped (reserved types, wrong VL)
  std::uint64_t stale_retry_acks = 0;   // Retry_Acks answering a request we no longer need
  // Credit bookkeeping in cells, cumulative since the last credit initialisation; the tests
  // check them across both ends (nothing admitted that was not consumed, nothing returned twice).
  std::uint64_t cells_consumed = 0;      // sender: credits spent on DLLDPs sent
  std::uint64_t cells_given_back = 0;    // sender: credits returned by the peer
  std::uint64_t cells_admitted = 0;      // receiver: DLLDP cells taken into the buffer
  std::uint64_t cells_returned = 0;      // receiver: credits put in LPH/LBH or Crd_Ack
  std::array<std::uint64_t, 6> errors{}; // by DlError
};

class DataLink {
public:
  explicit DataLink(DataLinkConfig cfg, Tracer* tracer = nullptr);

  // ---- PHY side ----
  void on_link_up(Time now);       // LinkUp = 1: start DLL_Param_Init
  void on_link_down(Time now);     // LinkUp = 0 (§4.8.4)
  void on_retrain_start(Time now); // the PHY began a retrain (its "retrain" flag, §4.7.3.3)
  void on_retrain_done(Time now);
  // True once after RETRY_REQ_SM asked the PHY to retrain (the driver then retrains the PHY and
  // calls on_retrain_done()).
  [[nodiscard]] bool take_retrain_request() noexcept;
  // The UBFM's reset after an uncorrectable error: back to DLL_Disabled, then Param_Init if the
  // link is up.
  void ubfm_reset(Time now);

  // Flits from the PHY (a multiple of 20 bytes; a trailing partial flit is ignored and counted
  // as an anomaly). `fec_failed` marks all of them as one FEC frame that failed to decode: with
  // FEC on, call once per FEC frame.
  void on_receive(std::span<const Byte> flits, Time now, bool fec_failed = false);
  // Writes up to out.size() / 20 flits to send; returns the bytes written (0 = idle).
  [[nodiscard]] std::size_t poll_transmit(std::span<Byte> out, Time now);
  [[nodiscard]] Time next_timeout() const noexcept;
  // One Null block (§4.3.3.2) in this link's block mode: what a PHY pads an FEC frame with when
  // the data link has nothing more to send. Never retry-buffered; the peer drops it.
  [[nodiscard]] std::span<const Byte, kFlitBytes> null_flit() const noexcept { return null_flit_; }
  void on_timeout(Time now);

  // ---- upper layer ----
  // TooLarge: the packet needs more cells than the peer granted the VL in all (it could never
  // be sent; the receive buffer is smaller than the packet).
  enum class SendStatus : std::uint8_t { Queued, NotReady, QueueFull, BadVl, BadPacket, TooLarge };
  // Queues a packet: `net` is everything after the LPH (NTH onward); `cfg` and `rt` go in the
  // LPH. Refused unless the link is in DLL_Normal (§4.2 drops them otherwise).
  // `error_flag` marks the packet bad in its last flit (§4.8.3, a cut-through sender that found
  // the data corrupt after starting it): the peer passes it up flagged and does not retry.
  [[nodiscard]] SendStatus send(std::span<const Byte> net, std::uint8_t cfg, std::uint8_t vl,
                                std::uint8_t rt = 0, bool error_flag = false);
  // The next received packet; reading it out frees its cells for credit return (§4.6.2).
  [[nodiscard]] std::optional<RxPacket> poll_deliver();
  [[nodiscard]] std::size_t rx_queued() const noexcept { return rx_queue_.size(); }
  [[nodiscard]] std::size_t tx_queued(unsigned vl) const noexcept { return tx_queue_[vl].size(); }
  [[nodiscard]] std::size_t tx_queued_total() const noexcept;

  // ---- observation ----
  [[nodiscard]] DllState state() const noexcept { return state_; }
  [[nodiscard]] RetryReqState retry_req_state() const noexcept { return req_state_; }
  [[nodiscard]] RetryAckState retry_ack_state() const noexcept { return ack_state_; }
  [[nodiscard]] bool failed() const noexcept { return failed_; }
  [[nodiscard]] bool link_up() const noexcept { return link_up_; }
  [[nodiscard]] const DataLinkCounters& counters() const noexcept { return counters_; }
  [[nodiscard]] const Negotiated& negotiated() const noexcept { return neg_; }
  [[nodiscard]] const CreditSender& tx_credits() const noexcept { return tx_credit_; }
  [[nodiscard]] const CreditReceiver& rx_credits() const noexcept { return rx_credit_; }
  [[nodiscard]] const RetryBuffer& retry_buffer() const noexcept { return retry_; }
  [[nodiscard]] std::uint32_t rcv_ptr() const noexcept { return rcv_ptr_; }
  // True while the receive parser, in NORMAL and in a CRC mode, holds part of a block. A real PHY
  // sends Null blocks whenever the data link is idle, so such a block always completes (and, if
  // its length was read from a damaged header, fails its CRC); a driver that sends nothing while
  // idle must send Null flits while the peer's receiver waits like this. Not in non-CRC mode:
  // there the FEC keeps lengths intact, and with no BCRC a Null flit inside a block would be
  // taken for data.
  [[nodiscard]] bool rx_mid_block() const noexcept {
    return rx_block_flits_ != 0 && req_state_ == RetryReqState::Normal && link_up_ && !failed_ &&
           cfg_.mode != BlockMode::NonCrc;
  }
  // True while part of a DLLDP has been received and the rest has not.
  [[nodiscard]] bool receiving_packet() const noexcept { return rx_in_packet_; }
  [[nodiscard]] std::uint32_t pending_ack_flits() const noexcept { return ack_pending_; }
  [[nodiscard]] const DataLinkConfig& config() const noexcept { return cfg_; }
  [[nodiscard]] std::optional<ParamExchg> last_param_exchg() const noexcept { return param_exchg_; }

private:
  struct TxPacket {
    Lph lph{};
    std::vector<Byte> net;
    std::uint32_t flits = 0;
    bool error_flag = false;
  };
  struct QueuedRx {
    RxPacket packet;
    std::uint32_t cells = 0;
    std::uint64_t epoch = 0; // credit session it was admitted in
  };
  enum class SideKind : std::uint8_t { None, ReqSet, AckSet };
  enum class BlockKind : std::uint8_t { Control, DataFirst, Data };

  // transmit
  bool schedule(Time now);
  void stage_retry_set(SideKind kind);
  void finish_side(Time now);
  void put_block(std::span<const Byte> flits, bool buffered_start = true);
  bool schedule_control(const ControlBlock& cb);
  bool schedule_crd_ack();
  bool schedule_initial_crd_ack();
  bool schedule_packet_block();
  bool start_packet(Time now);
  [[nodiscard]] bool credit_force_needed() const noexcept;
  [[nodiscard]] bool crd_ack_worthwhile() const noexcept;
  void fill_piggyback(bool& crd, bool& ack, std::uint8_t& crd_vl) noexcept;

  // receive
  void receive_flit(const Byte* flit, bool fec_bad, Time now);
  bool scan_retry_flit(const Byte* flit, Time now);
  void on_retry_block(const ControlBlock& cb, Time now);
  void start_block(const Byte* flit, Time now);
  void block_done(Time now);
  void accept_data_block(Time now);
  void on_control_block(const ControlBlock& cb, Time now);
  void on_retry_req(const RetryReq& r, Time now);
  void on_retry_ack(const RetryAck& a, Time now);
  void on_crd_ack(const CrdAck& c, Time now);
  void on_init(const InitBlock& b, Time now);
  void on_header_credit(Byte header0, Time now);
  void advance_rcv_ptr(std::uint32_t flits) noexcept;

  // state machines
  void enter_param_init(Time now);
  void enter_credit_init(Time now);
  void enter_req(Time now);
  void enter_retrain(Time now, bool command_phy);
  void block_error(Time now, std::uint64_t detail);
  void raise(DlError e, Time now, std::uint64_t detail = 0);
  void trace(Time now, std::string_view what, std::uint64_t a = 0, std::uint64_t b = 0);
  void set_state(DllState s, Time now);
  void set_req_state(RetryReqState s, Time now);
  void set_ack_state(RetryAckState s, Time now);
  void reset_link_state();
  void drop_tx_queues();

  DataLinkConfig cfg_;
  Tracer* tracer_;
  DataLinkCounters counters_{};
  VlArbiter arbiter_;
  std::array<Byte, kFlitBytes> null_flit_{};

  bool link_up_ = false;
  bool failed_ = false;
  DllState state_ = DllState::Disabled;
  RetryReqState req_state_ = RetryReqState::Normal;
  RetryAckState ack_state_ = RetryAckState::Normal;
  Negotiated neg_{};
  bool have_peer_init_ = false;
  bool init_sent_ = false;
  bool handshake_done_ = false;
  bool initial_credits_sent_ = false;
  bool peer_initial_done_ = false;
  std::array<std::uint32_t, kMaxVls> initial_to_send_{}; // grains still to grant (Credit_Init)
  std::uint64_t epoch_ = 0;

  // retry, receiver side (RETRY_REQ_SM)
  std::uint32_t rcv_ptr_ = 0;
  unsigned num_retry_ = 0;
  unsigned num_phy_reinit_ = 0;
  Time wait_deadline_ = kNever;
  bool retrain_requested_ = false;
  bool req_set_pending_ = false;
  // retry, sender side (RETRY_ACK_SM)
  RetryBuffer retry_;
  std::vector<std::uint8_t> block_start_; // per retry-buffer slot: a block starts here
  std::uint32_t tx_cursor_ = 0;           // next retry-buffer flit to put on the wire
  std::uint32_t rd_ptr_ = 0;
  std::uint32_t replay_left_ = 0; // flits of the current replay still to send
  std::uint32_t tx_pending_ = 0;  // flits from tx_cursor_ on still to send (up to WrPtr)
  bool ack_set_pending_ = false;
  std::uint8_t last_req_num_retry_ = 0;

  // transmit staging
  std::array<Byte, 33 * kFlitBytes> side_{}; // Retry_Req_Set / Retry_Ack_Set (not buffered)
  std::size_t side_len_ = 0;
  std::size_t side_pos_ = 0;
  SideKind side_kind_ = SideKind::None;
  std::array<std::deque<TxPacket>, kMaxVls> tx_queue_;
  std::vector<Byte> tx_frame_; // the DLLDP being moved into the retry buffer, framed
  std::uint32_t tx_frame_flits_ = 0;
  std::uint32_t tx_frame_next_ = 0; // next flit of tx_frame_ to move to the retry buffer
  bool tx_in_packet_ = false;
  std::uint32_t flits_since_packet_start_ = 1U << 20;
  std::array<Time, kMaxVls> stalled_since_{};
  std::array<bool, kMaxVls> stalled_{};
  unsigned crd_rr_ = 0; // round-robin start for credit piggyback

  // credits and ACKs
  CreditSender tx_credit_{};
  CreditReceiver rx_credit_{};
  std::uint32_t ack_pending_ = 0; // flits received correctly and not yet ACKed to the peer

  // receive parsing
  // The run of retry blocks being received: Idle after a Retry_Idle, Req/Ack after the copy
  // that acted, None after any other flit.
  enum class RetryRun : std::uint8_t { None, Idle, Req, Ack };
  RetryRun retry_run_ = RetryRun::None;
  bool rx_skip_set_ = false; // after a Retry_Ack_Set: drop the rest of the set
  std::vector<Byte> rx_block_;
  std::uint32_t rx_block_flits_ = 0; // flits in the block being collected (0 = at a block start)
  BlockKind rx_block_kind_ = BlockKind::Control;
  bool rx_block_buffered_ = false; // the peer keeps this block in its retry buffer
  bool rx_in_packet_ = false;
  bool rx_drop_packet_ = false; // the DLLDP being received is discarded (wrong state or VL)
  Lph rx_lph_{};
  PacketGeometry rx_geom_{};
  std::uint32_t rx_flit_index_ = 0; // flits of the current DLLDP accepted so far
  std::uint32_t rx_cells_ = 0;
  std::vector<Byte> rx_packet_;
  std::deque<QueuedRx> rx_queue_;
  std::optional<ParamExchg> param_exchg_;
};

} // namespace ub::dl
