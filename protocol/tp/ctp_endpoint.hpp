#pragma once
// The CTP end of an Entity (compact transport), sans-I/O. UB-Base-2.0 §6.3.2 (CTP), §6.7.2 (its
// packet flow), §6.5.2 (load balancing per Entity), §6.6.2 (congestion control per
// {destination Entity, VL}, CNP feedback only), App. B.2.4/B.2.5/B.2.7 (CFG 6 and CFG 7 packets).
//
// What CTP is: one TA operation per packet (its TA payload at most one TP MTU, §6.7.2.1), a
// 1-byte CTPH, no PSN, no TP ACK and no retransmission: reliability is the data link's retry
// (§6.3.2). The receiver hands each data packet straight to the TA (§6.7.2.2). The only transport
// control packet is the CNP (CTPH TPOpcode 1, then the 16-byte CNP CETPH, §6.2.1, §6.2.2).
//
// Shape (STYLE rule 4), as TpChannel: the TA hands operations down with send(); the driver feeds
// received CTP packets (CTPH onward, with the NTH fields it decoded) to on_receive(), drains
// packets with poll_transmit(now), calls on_timeout(now) at next_timeout(), and the TA takes
// received operations with poll_deliver(). The endpoint does not build the NTH: each CtpOut
// carries what the driver writes there (DCNA, SL, CCI, LBF) and the VL for the LPH.
//
// Modelled:
//   - send(): the TA bytes (UPIH/EIDH per CTPH.NLP, TAH and extension headers, payload) behind a
//     CTPH with the caller's NLP and the Padding that makes NTH..padding a multiple of 4 bytes;
//     an operation whose TA payload exceeds the MTU is refused (never cut);
//   - load balancing (§6.5.2.1): per-flow = one fixed LBF per destination Entity; per-packet = a
//     different LBF on each packet to that Entity;
//   - congestion control (§6.6.2): one DCQCN limiter (cc/dcqcn.hpp) per (destination CNA, VL),
//     created on first use; data packets wait in a queue per (destination CNA, VL) and leave when
//     that limiter's pacing allows, queues served round robin; DCQCN timers run in on_timeout;
//   - receiver: a data packet whose CCI says FECN mild or severe makes a CNP (ECN 1 or 3, Loc from
//     the CCI) to the packet's source, on the packet's SL and VL, at most one per
//     CcParams::dcqcn_cnp_interval per (source CNA, VL) (DcqcnFeedback); a received CNP feeds the
//     limiter of (its source CNA, its VL);
//   - malformed input (short, reserved CTPH values, bad CNP CETPH, padding that does not fit or
//     align) is counted and dropped.
// Readings where the spec is silent are marked MODEL and listed in docs/spec-coverage.md
// (A-90..A-99).

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "protocol/common/bits.hpp"
#include "protocol/common/error.hpp"
#include "protocol/common/units.hpp"
#include "protocol/nl/cci.hpp"
#include "protocol/tp/congestion.hpp"
#include "protocol/tp/ctph.hpp"

namespace ub::tp {

// Why a send (CTP or UTP) was refused. `error` names the field and the clause. For an operation
// too large for one packet (Errc::OutOfRange on the payload), `size` is its TA payload in bytes
// and `limit` the TP MTU; both are 0 otherwise.
struct TpSendError {
  Error error{};
  std::uint64_t size = 0;
  std::uint64_t limit = 0;
};

// One line, e.g. "CTP.TA payload: out of range: one TA operation per packet: 5000 bytes, MTU
// 4096 [UB-Base-2.0 §6.7.2]".
[[nodiscard]] std::string to_string(const TpSendError& e);

// Which NTH carries CTP: CNA16 (CFG 6, 8 bytes) or CNA24 (CFG 7, 10 bytes). Sets the CNA width
// and the NTH size the Padding counts (App. B.2.4, B.2.5).
enum class CtpNth : std::uint8_t { Cna16, Cna24 };

[[nodiscard]] constexpr std::uint32_t nth_bytes(CtpNth n) noexcept {
  return n == CtpNth::Cna16 ? 8 : 10;
}
[[nodiscard]] constexpr std::uint32_t cna_mask(CtpNth n) noexcept {
  return n == CtpNth::Cna16 ? 0xFFFFU : 0xFF'FFFFU;
}

// §6.5.2.1: per-flow (a fixed LBF per destination Entity) or per-packet (a different LBF per
// packet).
enum class CtpLb : std::uint8_t { PerFlow, PerPacket };
[[nodiscard]] std::string_view to_string(CtpLb lb) noexcept;

struct CtpConfig {
  std::uint32_t local_cna = 1; // our CNA (the SCNA the driver writes; used in traces only)
  CtpNth nth = CtpNth::Cna16;
  std::uint32_t mtu = 4096; // TP MTU: TA payload bytes per packet (power of two, 256..8192)
  CtpLb lb = CtpLb::PerFlow;
  // MODEL: the per-flow LBF of destination d is a hash of (lbf_seed, d), so it does not depend
  // on the order destinations are first used. Per-packet: that LBF plus the number of packets
  // already sent to d, modulo 256.
  std::uint64_t lbf_seed = 0;
  // §6.6.2 "when CTP enables congestion control". Off: no limiters, nothing paced, data packets
  // carry an all-clear CCI (no switch marks it) and received CNPs are counted and ignored.
  bool congestion_control = true;
  CcParams cc{}; // DCQCN parameters; dcqcn_cnp_interval is the receiver's CNP rate limit
  std::size_t tx_queue_limit = 4096; // data packets waiting, all destinations together
};

// Ok, or an Error naming the field (header "CtpConfig").
[[nodiscard]] Status validate(const CtpConfig& c) noexcept;

// One TA operation to send.
struct CtpSend {
  std::uint32_t dst_cna = 0; // the destination Entity, by CNA (MODEL: Entity = DCNA)
  std::uint8_t vl = 0;       // VL[3:0] for the LPH
  std::uint8_t sl = 0;       // SL[3:0] for the NTH
  std::uint8_t nlp = ctph_nlp::kTah;
  std::span<const Byte> ta; // UPIH/EIDH (per nlp), TAH and its extension headers, payload
  // How many leading bytes of `ta` are headers. The MTU bounds the rest, the TA payload
  // (§6.7.2.1, §5.3.8); 0 (the default) counts every TA byte against the MTU.
  std::size_t ta_header_bytes = 0;
};

// A packet for the network layer.
struct CtpOut {
  std::uint32_t dst_cna = 0;
  std::uint8_t vl = 0;
  std::uint8_t sl = 0;
  std::uint8_t lbf = 0; // NTH.LBF
  nl::Cci cci{};        // NTH.CCI
  std::vector<Byte> tp; // CTPH, TA bytes or CNP CETPH, zero padding; no ICRC
  bool control = false; // a CNP
};

// A packet from the network layer: the NTH fields the driver decoded, and the bytes from the
// CTPH to the end of the padding (ICRC removed).
struct CtpIn {
  std::uint32_t src_cna = 0;
  std::uint8_t vl = 0;
  std::uint8_t sl = 0;
  nl::Cci cci{};
  std::span<const Byte> tp;
};

// A received TA operation.
struct CtpDelivery {
  std::uint32_t src_cna = 0;
  std::uint8_t vl = 0;
  std::uint8_t sl = 0;
  std::uint8_t nlp = 0;
  std::vector<Byte> ta;
};

struct CtpCounters {
  std::uint64_t sends_refused = 0;
  std::uint64_t data_sent = 0, cnps_sent = 0;
  std::uint64_t data_received = 0, marked_received = 0;
  std::uint64_t cnps_suppressed = 0; // marked arrivals inside the CNP interval: no CNP
  std::uint64_t cnps_received = 0, cnps_ignored = 0; // ignored: congestion control is off
  std::uint64_t malformed = 0;
};

class CtpEndpoint {
public:
  // Precondition: validate(cfg) is Ok.
  explicit CtpEndpoint(CtpConfig cfg);

  // ---- transaction layer ----
  // Queues one TA operation as one packet. Errors (TpSendError): OutOfRange on "dst_cna", "vl",
  // "sl", "ta_header_bytes" or the TA payload (with size and MTU), ReservedValue / NotAllowed on
  // "NLP" (reserved, or the UPIH/EIDH form the other CFG carries), NotAllowed on
  // "tx_queue_limit" (queue full).
  [[nodiscard]] Expected<void, TpSendError> send(const CtpSend& s);
  [[nodiscard]] std::optional<CtpDelivery> poll_deliver();

  // ---- network side ----
  void on_receive(const CtpIn& in, Time now);
  // CNPs first (never paced), then data packets whose limiter allows them now.
  [[nodiscard]] std::optional<CtpOut> poll_transmit(Time now);
  // The earliest of: a queued packet's pacing time (at or before any `now` when one may go
  // already), a DCQCN timer; kNever when idle.
  [[nodiscard]] Time next_timeout() const noexcept;
  // The DCQCN timers alone, the part of next_timeout() that on_timeout() acts on; the rest is
  // packets for poll_transmit(), which a driver with no room for a packet need not wake for.
  [[nodiscard]] Time next_timer() const noexcept;
  void on_timeout(Time now);

  // ---- observation ----
  [[nodiscard]] const CtpCounters& counters() const noexcept { return counters_; }
  [[nodiscard]] const CtpConfig& config() const noexcept { return cfg_; }
  // The limiter of (dst, vl), or null if none was needed yet (or congestion control is off).
  [[nodiscard]] const CongestionControl* limiter(std::uint32_t dst_cna,
                                                 std::uint8_t vl) const noexcept;
  [[nodiscard]] std::size_t limiter_count() const noexcept;
  [[nodiscard]] std::size_t queued() const noexcept { return queued_; }
  // The per-flow LBF of a destination (§6.5.2.1).
  [[nodiscard]] std::uint8_t flow_lbf(std::uint32_t dst_cna) const noexcept;

private:
  struct Flow {
    std::unique_ptr<CongestionControl> cc; // null until needed, or when CC is off
    std::deque<CtpOut> queue;
  };
  using Key = std::uint64_t; // (CNA << 4) | VL
  [[nodiscard]] static Key key_of(std::uint32_t cna, std::uint8_t vl) noexcept {
    return (Key{cna} << 4U) | (vl & 0xFU);
  }
  [[nodiscard]] std::uint8_t next_lbf(std::uint32_t dst_cna);
  Flow& flow(Key k);
  CongestionControl* limiter_of(Flow& f);
  void on_data(const CtpIn& in, std::uint8_t nlp, std::span<const Byte> ta, Time now);
  void on_cnp(const CtpIn& in, std::span<const Byte> body, Time now);

  CtpConfig cfg_;
  CtpCounters counters_{};
  std::map<Key, Flow> flows_;                         // sender: per (destination, VL)
  std::map<Key, std::unique_ptr<CcFeedback>> notify_; // receiver: per (source, VL)
  std::map<std::uint32_t, std::uint64_t> sprayed_;    // per-packet LB: packets per destination
  Key rr_next_ = 0;                                   // round robin: first key to try
  std::size_t queued_ = 0;
  std::deque<CtpOut> control_out_;
  std::deque<CtpDelivery> rx_;
};

} // namespace ub::tp
