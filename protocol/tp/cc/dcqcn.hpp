#pragma once
// Rate-based congestion control driven by CNPs: DCQCN. UB-Base-2.0 §6.6.1.2 (rate-based: no
// window, no Sequence counters, plain ACKs), §6.2.2 Table 6-5 (the CNP and its ECN/Loc), §5.3.5.2
// (the FECN marks the CNP reports), §6.6.2 (CTP's {destination Entity, VL} granularity).
//
// The spec defines the CNP only; the generation rule, the rate law and every constant are MODEL,
// from the DCQCN literature (Zhu et al., SIGCOMM 2015; design note §10.4), all in CcParams:
//
// Notification point (DcqcnFeedback, receiver): an accepted data packet whose CCI (FECN or
// FECN_RTT mode) carries FECN 01 (mild) or 11 (severe) raises a CNP with ECN 1 or 3 and Loc
// copied from the CCI, at most one per dcqcn_cnp_interval. Never a CNP with ECN 0. The FECN_RTT
// timestamp is ignored (NTT-A9: the CNP has no field for it).
//
// Reaction point (Dcqcn, sender), current rate Rc (paced), target Rt, alpha; starts at
// Rc = Rt = line rate, alpha = 1:
//   - CNP with weight w (1 severe, dcqcn_mild_weight mild): Rt = Rc;
//     Rc = max(Rc (1 - w alpha / 2), R_min); alpha = (1 - g) alpha + g w; the increase counters
//     iT, iB and the byte counter restart, and both timers restart from now;
//   - every K without a CNP: alpha = (1 - g) alpha;
//   - increase events: the rate timer every T (iT += 1) or every B bytes sent (iB += 1); after
//     the counter moves: max(iT, iB) < F: fast recovery Rc = (Rt + Rc) / 2; else min(iT, iB) < F:
//     additive Rt += R_AI, then Rc = (Rt + Rc) / 2; else hyper
//     Rt += (min(iT, iB) - F + 1) R_HAI, then Rc = (Rt + Rc) / 2. Rt and Rc never exceed the
//     line rate. R_AI, R_HAI and R_min are dcqcn_rai, dcqcn_rhai, dcqcn_rmin x line rate.
// MODEL: the timers and the byte counter run from the first CNP until the rate is back at the
// line rate (Rt at line rate and Rc within 1 b/s of it); then they stop, so an uncongested
// channel raises no timer events. The alpha decay the stopped K timer would have applied is
// caught up at the next CNP.
// MODEL: when the timers fire together, alpha decays before the rate step.
// Precondition: dcqcn_k and dcqcn_t are positive, dcqcn_b_bytes non-zero.
// Pacing: after a packet of s bytes goes at t, the next may go at max(t, previous slot) + 8 s / Rc;
// at the line rate nothing is paced (the link itself is the limit).

#include <cstdint>
#include <optional>

#include "protocol/tp/congestion.hpp"

namespace ub::tp {

// DCQCN sender. can_send() is always true, window_bytes() 0, rate_bps() is Rc (rounded down),
// inflight_units() 0 (§6.6.1.2: no Sequence counters).
class Dcqcn final : public CongestionControl {
public:
  explicit Dcqcn(const CcParams& p) noexcept;

  [[nodiscard]] CcAlgo algo() const noexcept override { return CcAlgo::Dcqcn; }
  // Writes a whole FECN-form CCI with FECN 10 (markable, no congestion yet).
  void stamp(nl::Cci& cci, const CcSent& p, Time now) override;
  // Moves the pacing slot and, while recovering, the byte counter.
  void on_sent(const CcSent& p, Time now) override;
  void on_ack(const CcAck&, Time) override {}
  // ECN 1 or 3 cuts the rate; ECN 0 and the reserved 2 are ignored.
  void on_cnp(const CnpCetph& cnp, Time now) override;
  void on_loss(CcLossKind, std::uint32_t, std::uint32_t, Time) override {}
  [[nodiscard]] bool can_send(std::uint32_t) const noexcept override { return true; }
  [[nodiscard]] Time next_send_time(std::uint32_t bytes, Time now) const noexcept override;
  // The earlier of the K (alpha) and T (rate) timers while recovering; kNever otherwise.
  [[nodiscard]] Time next_timer() const noexcept override;
  // Runs every timer expiry up to `now`, in time order.
  void on_timer(Time now) override;
  [[nodiscard]] std::uint64_t window_bytes() const noexcept override { return 0; }
  [[nodiscard]] std::uint64_t rate_bps() const noexcept override;
  [[nodiscard]] std::uint64_t inflight_units() const noexcept override { return 0; }

  // For traces and tests.
  [[nodiscard]] double rc() const noexcept { return rc_; }
  [[nodiscard]] double rt() const noexcept { return rt_; }
  [[nodiscard]] double alpha() const noexcept { return alpha_; }
  [[nodiscard]] unsigned timer_count() const noexcept { return it_; }
  [[nodiscard]] unsigned byte_count() const noexcept { return ib_; }
  [[nodiscard]] bool recovering() const noexcept { return active_; }

private:
  void increase() noexcept;
  void catch_up_alpha(Time now) noexcept;

  CcParams p_;
  double line_;
  double rc_;
  double rt_;
  double alpha_ = 1.0;
  unsigned it_ = 0;
  unsigned ib_ = 0;
  std::uint64_t bytes_ = 0; // sent since the last byte-counter event
  bool active_ = false;
  Time alpha_next_ = kNever;
  Time rate_next_ = kNever;
  Time next_send_{};
};

// DCQCN receiver: CNP generation. make_cetph() gives nullopt (plain ACKs, §6.6.1.2).
class DcqcnFeedback final : public CcFeedback {
public:
  explicit DcqcnFeedback(const CcParams& p) noexcept : interval_(p.dcqcn_cnp_interval) {}

  void on_data(const nl::Cci& cci, std::uint32_t bytes, bool accepted, Time now) override;
  [[nodiscard]] std::optional<std::variant<CetphLdcp, CetphCaqm>> make_cetph() override {
    return std::nullopt;
  }
  // The CNP raised since the last call, if any.
  [[nodiscard]] std::optional<CnpCetph> take_cnp(Time now) override;

private:
  Time interval_;
  bool any_sent_ = false;
  Time last_cnp_{};
  std::optional<CnpCetph> pending_;
};

} // namespace ub::tp
