#pragma once
// UTP: unreliable transport, sans-I/O. UB-Base-2.0 §6.3.3 (UTP), §6.2.1 Fig. 6-9 and Table 6-2
// (UTPH), §7.3.3.5 (UNO data at most one TP MTU).
//
// No TP Channel, no PSN, no ACK, no retransmission, no congestion control (§6.3.3). A message is
// one packet: UTPH (TPOpcode[6:0] = 0 with the last flag, bit 7, set; TPVer 0; the caller's NLP;
// Padding so that NTH..padding is a multiple of 4 bytes, as for RTP; 14 reserved bytes), then the
// caller's TA bytes, then the padding. A message whose TA payload exceeds the MTU is refused, not
// split. The receiver checks the UTPH and hands the TA bytes up; the TA, not the TP, tells
// receivers apart (by its headers, or UPIH/EIDH).
//
// Addresses are the driver's business: `dst` / `src` are opaque numbers carried beside the
// packet (a CNA24 for CFG 7, an index of IP addresses for CFG 3/4).

#include <cstdint>
#include <deque>
#include <optional>
#include <span>
#include <vector>

#include "protocol/common/bits.hpp"
#include "protocol/common/error.hpp"
#include "protocol/common/units.hpp"
#include "protocol/tp/ctp_endpoint.hpp" // TpSendError
#include "protocol/tp/rtph.hpp"

namespace ub::tp {

struct UtpConfig {
  std::uint32_t mtu = 4096;    // TP MTU (power of two, 256..8192)
  std::uint8_t nth_bytes = 10; // NTH before the UTPH, for the Padding: 10 (CNA24, CFG 7),
                               // 34 (UB prefix + IPv4 + UDP), 54 (UB prefix + IPv6 + UDP)
  std::size_t tx_queue_limit = 1024;
};

// Ok, or an Error naming the field (header "UtpConfig").
[[nodiscard]] Status validate(const UtpConfig& c) noexcept;

struct UtpSend {
  std::uint32_t dst = 0;
  std::uint8_t nlp = tph_nlp::kTah; // 0 TAH, 1 UPIH32 + EIDH256, 3 CIPH
  std::span<const Byte> ta;
  std::size_t ta_header_bytes = 0; // leading header bytes the MTU does not bound (as CtpSend)
};

struct UtpOut {
  std::uint32_t dst = 0;
  std::vector<Byte> tp; // UTPH, TA bytes, zero padding; no ICRC
};

struct UtpDelivery {
  std::uint32_t src = 0;
  std::uint8_t nlp = 0;
  std::vector<Byte> ta;
};

struct UtpCounters {
  std::uint64_t sends_refused = 0, sent = 0, received = 0, malformed = 0;
};

// Stateless halves, for drivers that need no queue.
// The packet for one message. Errors as UtpEndpoint::send (without the queue).
[[nodiscard]] Expected<std::vector<Byte>, TpSendError> encode_utp(const UtpConfig& cfg,
                                                                  const UtpSend& s);
// The NLP and TA bytes of a UTP packet (UTPH to the end of the padding). Errors: the UTPH's
// (Truncated, ReservedValue on TPOpcode / NLP), NotAllowed on TPOpcode (last flag clear: a UTP
// message is one packet) or TPVer (not 0), LengthMismatch on Padding (more than the bytes, or
// NTH..padding not a multiple of 4).
struct UtpMessage {
  std::uint8_t nlp = 0;
  std::span<const Byte> ta;
};
[[nodiscard]] Result<UtpMessage> decode_utp(const UtpConfig& cfg, std::span<const Byte> tp);

class UtpEndpoint {
public:
  // Precondition: validate(cfg) is Ok.
  explicit UtpEndpoint(UtpConfig cfg) : cfg_(cfg) {}

  // Queues one message as one packet. Errors (TpSendError): OutOfRange on the TA payload (with
  // size and MTU) or "ta_header_bytes", ReservedValue on "NLP", NotAllowed on "tx_queue_limit".
  [[nodiscard]] Expected<void, TpSendError> send(const UtpSend& s);
  [[nodiscard]] std::optional<UtpDelivery> poll_deliver();

  void on_receive(std::uint32_t src, std::span<const Byte> tp, Time now);
  [[nodiscard]] std::optional<UtpOut> poll_transmit(Time now);
  // UTP has no timers: kNever, and on_timeout does nothing (kept for the common shape).
  [[nodiscard]] Time next_timeout() const noexcept { return kNever; }
  void on_timeout(Time /*now*/) {}

  [[nodiscard]] const UtpCounters& counters() const noexcept { return counters_; }
  [[nodiscard]] std::size_t queued() const noexcept { return tx_.size(); }

private:
  UtpConfig cfg_;
  UtpCounters counters_{};
  std::deque<UtpOut> tx_;
  std::deque<UtpDelivery> rx_;
};

} // namespace ub::tp
