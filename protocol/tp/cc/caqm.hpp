#pragma once
// CAQM, Confined Active Queue Management, end-host side. UB-Base-2.0 §6.6.1.3 with the CCI CAQM
// form of §5.3.5.1 and the switch rule of §5.3.5.3 (switch side: switch_marking.hpp).
//
// The sender asks for window growth in every data packet (CCI Enable 1, C 0, I 1 and Hint = the
// increase wanted, or I 0 for none, §6.6.1.3.2); each switch on the path grants it (keeps I),
// denies it (clears I) or marks congestion (sets C); the receiver returns the verdicts in the
// CETPH_CAQM of its -CC ACKs (§6.6.1.3.4) and the sender moves cw by Table 6-11. CAQM is used here
// with the window framework of §6.6.1.1 (CcWindow), as §6.6.1.3 describes it.
//
// Laws and constants are MODEL (the spec gives the fields and Table 6-11 only), after the ns-3
// peer (design note §10.3), all in CcParams:
//   - Hint unit caqm_hint_unit bytes (vendor-defined, must match the switches);
//   - request: in slow start (or cw < MTU) one MTU per packet; in congestion avoidance
//     caqm_alpha x MTU x MTU / cw bytes per packet (about alpha MTU per RTT), the fraction below
//     one Hint unit carried to the next packet; retransmissions request nothing (I 0). Hint is 8
//     bits: larger requests saturate at 255 units (T22);
//   - reaction (Table 6-11): I = 1: cw += Hint x unit; C > 0: cw -= C x caqm_beta x MTU, floored
//     at cw_min = 1 MTU (both when C > 0 and I = 1: increase, then decrease; C = 0, I = 0: no
//     change);
//   - an ACK with C > 0 or I = 0 switches to congestion avoidance and (re)arms a timer of
//     caqm_theta_rtts x RTT whose expiry returns to slow start. RTT is the smallest sample seen
//     (the ns-3 peer's choice). MODEL: before the first RTT sample the timer is not armed.
// MODEL: no upper bound on cw: the switches' credit bounds the grants.

#include <cstdint>

#include "protocol/tp/cc/ldcp.hpp"
#include "protocol/tp/congestion.hpp"

namespace ub::tp {

// CAQM sender. window_bytes() is cw, rate_bps() 0, inflight_units() the framework's inflight.
class Caqm final : public CongestionControl {
public:
  explicit Caqm(const CcParams& p) noexcept;

  [[nodiscard]] CcAlgo algo() const noexcept override { return CcAlgo::Caqm; }
  // Writes a whole CAQM-form CCI: Enable 1, C 0, Loc 0, and I/Hint = this packet's request.
  void stamp(nl::Cci& cci, const CcSent& p, Time now) override;
  void on_sent(const CcSent& p, Time now) override;
  // Ignores ACKs without a CETPH_CAQM.
  void on_ack(const CcAck& a, Time now) override;
  void on_cnp(const CnpCetph&, Time) override {}
  void on_loss(CcLossKind kind, std::uint32_t bytes, std::uint32_t ack_seq, Time now) override;
  void on_idle(Time /*now*/) override { win_.on_idle(); }
  [[nodiscard]] bool can_send(std::uint32_t bytes) const noexcept override;
  [[nodiscard]] Time next_send_time(std::uint32_t, Time now) const noexcept override { return now; }
  // The theta timer, kNever when not armed.
  [[nodiscard]] Time next_timer() const noexcept override { return theta_deadline_; }
  // Returns to slow start when the theta timer has expired (no effect before it).
  void on_timer(Time now) override;
  [[nodiscard]] std::uint64_t window_bytes() const noexcept override;
  [[nodiscard]] std::uint64_t rate_bps() const noexcept override { return 0; }
  [[nodiscard]] std::uint64_t inflight_units() const noexcept override { return win_.inflight(); }

  // For traces and tests.
  [[nodiscard]] bool slow_start() const noexcept { return slow_start_; }
  [[nodiscard]] double cw() const noexcept { return cw_; }
  [[nodiscard]] const CcWindow& counters() const noexcept { return win_; }

private:
  [[nodiscard]] std::uint8_t request_units() noexcept;

  CcParams p_;
  CcWindow win_;
  double cw_;
  bool slow_start_ = true;
  double request_carry_ = 0; // bytes requested but below one Hint unit, carried forward
  Time min_rtt_ = kNever;
  Time theta_deadline_ = kNever;
};

// CAQM receiver, §6.6.1.3.4. Ack_Seq counts accepted data as in §6.6.1.1.4. For C, I and Hint:
//   - one data packet since the previous ACK (no aggregation): its CCI C, I, Hint and Loc are
//     copied into the CETPH;
//   - several (an aggregated ACK): per packet, C = 0 and I = 1 adds Hint to the Hint sum and sets
//     I; C = 1 adds one to the C count. The ACK carries the count, I and the sum, and all three
//     restart from zero.
//   - none (e.g. the ACK answering a duplicate): C 0, I 0, Hint 0, which Table 6-11 reads as
//     "no change".
// MODEL: every arriving CAQM data packet (Enable 1) counts, accepted or not: its marks describe
// the path it crossed, not its data. C and Hint sums saturate at 255 and 65535 (T22). Loc of an
// aggregated ACK is 1 if any C-marked packet had Loc 1.
class CaqmFeedback final : public CcFeedback {
public:
  void on_data(const nl::Cci& cci, std::uint32_t bytes, bool accepted, Time now) override;
  [[nodiscard]] std::optional<std::variant<CetphLdcp, CetphCaqm>> make_cetph() override;
  [[nodiscard]] std::optional<CnpCetph> take_cnp(Time) override { return std::nullopt; }

  // Packets aggregated since the last make_cetph() (for tests).
  [[nodiscard]] std::uint32_t pending_packets() const noexcept { return packets_; }

private:
  std::uint32_t recvd_ = 0;
  std::uint32_t packets_ = 0;
  nl::Cci last_{};
  std::uint8_t c_count_ = 0;
  bool i_ = false;
  std::uint16_t hint_sum_ = 0;
  bool loc_ = false;
};

} // namespace ub::tp
