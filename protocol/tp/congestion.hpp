#pragma once
// Congestion control of a TP Channel, behind one interface. UB-Base-2.0 §6.6 (framework §6.6.1.1,
// LDCP, CAQM §6.6.1.3, CNP-driven rate control), §5.3.5 (the CCI marks switches write).
//
// The sender half of a channel owns one CongestionControl; the receiver half owns the matching
// CcFeedback, which builds what goes back to the sender (the CETPH of a -CC ACK, or a CNP). The
// switch side of CAQM and FECN marking are plain functions/classes a simulated switch calls
// (protocol/tp/cc/*.hpp). Everything is sans-I/O and deterministic: time comes in as arguments,
// nothing reads a clock.
//
// Units: the spec's window framework counts data in Sequence units of 2 bytes, rounded up per
// packet (§6.2.2 p.159, §6.6.1.1.1), over the TP header, TP payload and ICRC; `seq_units()` does
// that. Counters wrap modulo 2^32.

#include <cstdint>
#include <memory>
#include <optional>
#include <string_view>
#include <variant>

#include "protocol/common/units.hpp"
#include "protocol/nl/cci.hpp"
#include "protocol/tp/cetph.hpp"

namespace ub::tp {

// Sequence units of a packet of `tp_bytes` (TP header through ICRC): ceil(bytes / 2).
[[nodiscard]] constexpr std::uint32_t seq_units(std::uint32_t tp_bytes) noexcept {
  return (tp_bytes + 1) / 2;
}

enum class CcAlgo : std::uint8_t { None, Ldcp, Caqm, Dcqcn };
[[nodiscard]] std::string_view to_string(CcAlgo a) noexcept;

// A data packet the sender is about to put on the wire.
struct CcSent {
  std::uint32_t psn = 0;
  std::uint32_t bytes = 0; // TP header through ICRC
  bool retransmission = false;
};

enum class CcAckKind : std::uint8_t { Ack, Nak, Sack };

// What an ACK told the sender. The CETPH is present for the -CC forms (TPOpcode 0x03/0x06).
struct CcAck {
  CcAckKind kind = CcAckKind::Ack;
  std::uint32_t psn = 0;
  std::uint32_t newly_acked_bytes = 0; // bytes retired by this ACK (0 for a duplicate)
  std::optional<CetphLdcp> ldcp;
  std::optional<CetphCaqm> caqm;
  std::optional<Time> rtt_sample; // from a packet never retransmitted
};

// Why the sender resends (§6.6.1.1.2): a go-back-N rollback after a TPNAK (the TPNAK-CC's Ack_Seq
// becomes data_size_sent), a selective resend (the resent sizes leave data_size_sent), or a timeout
// (inflight restarts from the last Ack_Seq).
enum class CcLossKind : std::uint8_t { GbnRollback, SelectiveResend, Timeout };

class CongestionControl {
public:
  virtual ~CongestionControl() = default;
  [[nodiscard]] virtual CcAlgo algo() const noexcept = 0;
  // Writes the CCI marks of an outgoing data packet (CAQM enable/i/hint, or FECN 10).
  virtual void stamp(nl::Cci& cci, const CcSent& p, Time now) = 0;
  // The packet went out: data_size_sent grows.
  virtual void on_sent(const CcSent& p, Time now) = 0;
  // An ACK, NAK or SACK arrived.
  virtual void on_ack(const CcAck& a, Time now) = 0;
  // A CNP arrived (rate algorithms).
  virtual void on_cnp(const CnpCetph& cnp, Time now) = 0;
  // Resend bookkeeping: `bytes` resent (selective) and `ack_seq` of the NAK (rollback).
  virtual void on_loss(CcLossKind kind, std::uint32_t bytes, std::uint32_t ack_seq, Time now) = 0;
  // Every data packet the channel sent is acknowledged at the TP level: nothing is in flight.
  // A window framework's counters agree again (CcWindow::on_idle); by default nothing to do.
  virtual void on_idle(Time /*now*/) {}
  // Window test: may a packet of `bytes` go now (aval_win = cw - inflight >= size, §6.6.1.1.2)?
  [[nodiscard]] virtual bool can_send(std::uint32_t bytes) const noexcept = 0;
  // Pacing: the earliest time a packet of `bytes` may go (now when not rate-limited).
  [[nodiscard]] virtual Time next_send_time(std::uint32_t bytes, Time now) const noexcept = 0;
  // The algorithm's own timers (DCQCN alpha/rate timers, CAQM theta timer); kNever if none.
  [[nodiscard]] virtual Time next_timer() const noexcept = 0;
  virtual void on_timer(Time now) = 0;
  // For traces and tests: the congestion window in bytes (0 when rate-based) and the rate.
  [[nodiscard]] virtual std::uint64_t window_bytes() const noexcept = 0;
  [[nodiscard]] virtual std::uint64_t rate_bps() const noexcept = 0;
  [[nodiscard]] virtual std::uint64_t inflight_units() const noexcept = 0;
};

// Receiver side of the same algorithm: sees every arriving data packet's CCI, fills the CETPH of
// the next -CC ACK, and decides when a CNP goes back.
class CcFeedback {
public:
  virtual ~CcFeedback() = default;
  // A data packet arrived; `accepted` = in order or buffered (duplicates and drops: false).
  virtual void on_data(const nl::Cci& cci, std::uint32_t bytes, bool accepted, Time now) = 0;
  // The CETPH for the ACK about to be sent (LDCP or CAQM form), or nullopt for plain ACKs.
  [[nodiscard]] virtual std::optional<std::variant<CetphLdcp, CetphCaqm>> make_cetph() = 0;
  // A CNP to send now, if the algorithm wants one (DCQCN).
  [[nodiscard]] virtual std::optional<CnpCetph> take_cnp(Time now) = 0;
};

// Parameters of every algorithm (the spec gives no laws or constants: all MODEL, see
// docs/spec-coverage.md). Byte quantities scale with the MTU where noted.
struct CcParams {
  std::uint32_t mtu = 4096;
  std::uint64_t line_rate_bps = 400'000'000'000ULL;
  // LDCP (DCTCP-like): initial / min / max window in MTUs, EWMA gain, additive increase.
  double ldcp_init_mtus = 10, ldcp_min_mtus = 1, ldcp_max_mtus = 64, ldcp_g = 1.0 / 16,
         ldcp_ai_mtus = 1;
  // CAQM: alpha, beta, theta (RTTs), hint unit (bytes), initial window (MTUs).
  double caqm_alpha = 0.5, caqm_beta = 0.5, caqm_theta_rtts = 10;
  std::uint32_t caqm_hint_unit = 32;
  double caqm_init_mtus = 10;
  // DCQCN: g, K, T, B, F, rate steps as fractions of the line rate, CNP interval, mild weight.
  double dcqcn_g = 1.0 / 256;
  Time dcqcn_k = Time{55'000'000}, dcqcn_t = Time{55'000'000};
  std::uint64_t dcqcn_b_bytes = 10'000'000;
  unsigned dcqcn_f = 5;
  double dcqcn_rai = 1.0 / 1000, dcqcn_rhai = 1.0 / 100, dcqcn_rmin = 1.0 / 10000;
  Time dcqcn_cnp_interval = Time{50'000'000};
  double dcqcn_mild_weight = 0.5;
};

// No congestion control (protocol/tp/cc/no_cc.cpp): the window is unlimited, nothing is paced,
// data packets carry an all-clear CCI (CAQM form, Enable 0: no switch touches it) and ACKs are
// the plain forms (make_cetph() gives nullopt). window_bytes() is UINT64_MAX, rate_bps() 0.
class NoCc final : public CongestionControl {
public:
  [[nodiscard]] CcAlgo algo() const noexcept override { return CcAlgo::None; }
  void stamp(nl::Cci& cci, const CcSent& p, Time now) override;
  void on_sent(const CcSent&, Time) override {}
  void on_ack(const CcAck&, Time) override {}
  void on_cnp(const CnpCetph&, Time) override {}
  void on_loss(CcLossKind, std::uint32_t, std::uint32_t, Time) override {}
  [[nodiscard]] bool can_send(std::uint32_t) const noexcept override { return true; }
  [[nodiscard]] Time next_send_time(std::uint32_t, Time now) const noexcept override { return now; }
  [[nodiscard]] Time next_timer() const noexcept override { return kNever; }
  void on_timer(Time) override {}
  [[nodiscard]] std::uint64_t window_bytes() const noexcept override;
  [[nodiscard]] std::uint64_t rate_bps() const noexcept override { return 0; }
  [[nodiscard]] std::uint64_t inflight_units() const noexcept override { return 0; }
};

class NoCcFeedback final : public CcFeedback {
public:
  void on_data(const nl::Cci&, std::uint32_t, bool, Time) override {}
  [[nodiscard]] std::optional<std::variant<CetphLdcp, CetphCaqm>> make_cetph() override {
    return std::nullopt;
  }
  [[nodiscard]] std::optional<CnpCetph> take_cnp(Time) override { return std::nullopt; }
};

// Factories (protocol/tp/cc/*.cpp).
[[nodiscard]] std::unique_ptr<CongestionControl> make_congestion_control(CcAlgo a,
                                                                         const CcParams& p);
[[nodiscard]] std::unique_ptr<CcFeedback> make_cc_feedback(CcAlgo a, const CcParams& p);

} // namespace ub::tp
