#pragma once
// Window-based congestion control of a TP Channel: the framework of UB-Base-2.0 §6.6.1.1
// (CcWindow) and LDCP on top of it (Ldcp, LdcpFeedback).
//
// The spec gives the framework's counters and when they move (§6.6.1.1.2, §6.6.1.1.4-5) and says
// LDCP shrinks cw when CETPH Ce_Seq reports marked data; it gives no window law and no constant.
// The law here is DCTCP-like (design note §10.2), every constant a MODEL parameter of CcParams:
//   - cw starts at ldcp_init_mtus x MTU, alpha at 1, ssthresh at infinity;
//   - an observation window ends when Ack_Seq reaches the data_size_sent recorded when it began;
//     at its end F = (marked units) / (acknowledged units) of the window and
//     alpha = (1 - g) alpha + g F;
//   - a window with marks ends with one cut cw = cw (1 - alpha/2) and ssthresh = cw; a window
//     without marks ends with cw += ldcp_ai_mtus x MTU once cw >= ssthresh; below ssthresh
//     (slow start) every ACK that reports no newly marked data adds the bytes it acknowledged;
//   - cw stays in [ldcp_min_mtus, ldcp_max_mtus] x MTU.
// MODEL: the cut is applied when the window closes, with the alpha just updated (DCTCP's "once
// per window of data"), not on the first marked ACK.
// MODEL: losses (rollback, selective resend, timeout) move the counters but not cw: the spec ties
// LDCP's cw to Ce_Seq only.

#include <cstdint>

#include "protocol/tp/congestion.hpp"

namespace ub::tp {

// Serial-number order of two 32-bit counters (RFC 1982 style): a is after b.
[[nodiscard]] constexpr bool seq_after(std::uint32_t a, std::uint32_t b) noexcept {
  return static_cast<std::int32_t>(a - b) > 0;
}

// The sender's counters of the window framework, §6.6.1.1.1 Table 6-10 and §6.6.1.1.2, in
// Sequence units (2 bytes, rounded up per packet) modulo 2^32:
//   data_size_sent  += the packet's units for every packet sent, new or retransmitted;
//   data_size_recvd := CETPH Ack_Seq of each -CC ACK;
//   inflight         = data_size_sent - data_size_recvd.
// On a go-back-N rollback data_size_sent falls back to the TPNAK-CC's Ack_Seq (inflight 0), on a
// selective resend it drops by the units being resent; on a timeout inflight is 0 until the next
// -CC ACK, done here as data_size_sent := data_size_recvd.
// MODEL (the spec does not say what happens when ACKs are reordered or outrun the sender's
// counter): Ack_Seq only moves data_size_recvd forward, and an Ack_Seq beyond data_size_sent
// (an ACK for data sent before a rollback or timeout) pulls data_size_sent up with it, so inflight
// never goes negative.
class CcWindow {
public:
  void on_sent(std::uint32_t bytes) noexcept { sent_ += seq_units(bytes); }

  // A -CC ACK's Ack_Seq. Returns the units it newly acknowledged (0 for a stale or repeated one).
  std::uint32_t on_ack_seq(std::uint32_t ack_seq) noexcept {
    if (!seq_after(ack_seq, recvd_)) {
      return 0;
    }
    const std::uint32_t delta = ack_seq - recvd_;
    recvd_ = ack_seq;
    if (seq_after(recvd_, sent_)) {
      sent_ = recvd_;
    }
    return delta;
  }

  // Resend bookkeeping (§6.6.1.1.2). `bytes` is used by SelectiveResend, `ack_seq` by
  // GbnRollback; Timeout uses neither.
  void on_loss(CcLossKind kind, std::uint32_t bytes, std::uint32_t ack_seq) noexcept {
    switch (kind) {
    case CcLossKind::GbnRollback:
      // The TPNAK-CC's Ack_Seq is also a data_size_recvd update; a stale one leaves it alone.
      on_ack_seq(ack_seq);
      sent_ = recvd_;
      return;
    case CcLossKind::SelectiveResend: {
      const std::uint32_t units = seq_units(bytes);
      // Never below data_size_recvd: a resend cannot take back data the receiver reported.
      sent_ = units >= inflight() ? recvd_ : sent_ - units;
      return;
    }
    case CcLossKind::Timeout:
      sent_ = recvd_;
      return;
    }
  }

  // aval_win = cw - inflight >= size (§6.6.1.1.2), with cw in bytes and the packet counted in
  // whole Sequence units like the counters.
  // MODEL: a packet may always go when nothing is in flight. cw_min is one MTU of payload and a
  // full packet is larger (headers, ICRC), so without this a channel at cw_min would stall for
  // good.
  [[nodiscard]] bool fits(std::uint64_t cw_bytes, std::uint32_t bytes) const noexcept {
    const std::uint64_t need = 2 * (std::uint64_t{inflight()} + seq_units(bytes));
    return inflight() == 0 || need <= cw_bytes;
  }

  // MODEL: the channel has nothing unacknowledged, so nothing is in flight. A packet the
  // receiver already had (a go-back-N or RTO resend of data whose ACK was late) is counted in
  // data_size_sent when resent but never in Ack_Seq, which counts only packets that pass the PSN
  // check (§6.6.1.1.4); without this the difference held the window shut for good once it
  // exceeded cw, with nothing outstanding for an RTO to resend (the incast example stopped so).
  void on_idle() noexcept { sent_ = recvd_; }

  [[nodiscard]] std::uint32_t inflight() const noexcept { return sent_ - recvd_; }
  [[nodiscard]] std::uint32_t data_size_sent() const noexcept { return sent_; }
  [[nodiscard]] std::uint32_t data_size_recvd() const noexcept { return recvd_; }

private:
  std::uint32_t sent_ = 0;
  std::uint32_t recvd_ = 0;
};

// LDCP sender. Stamps every data packet FECN-markable (CCI Mode 100, FECN 10, design note T5) so
// switches can mark it; reads CETPH_LDCP (Ack_Seq, Ce_Seq) from every -CC ACK.
// window_bytes() is cw, rate_bps() 0 (not rate-based), inflight_units() the framework's inflight.
class Ldcp final : public CongestionControl {
public:
  explicit Ldcp(const CcParams& p) noexcept;

  [[nodiscard]] CcAlgo algo() const noexcept override { return CcAlgo::Ldcp; }
  void stamp(nl::Cci& cci, const CcSent& p, Time now) override;
  void on_sent(const CcSent& p, Time now) override;
  // Ignores ACKs without a CETPH_LDCP (plain forms carry no Ack_Seq).
  void on_ack(const CcAck& a, Time now) override;
  void on_cnp(const CnpCetph&, Time) override {}
  void on_loss(CcLossKind kind, std::uint32_t bytes, std::uint32_t ack_seq, Time now) override;
  void on_idle(Time /*now*/) override { win_.on_idle(); }
  [[nodiscard]] bool can_send(std::uint32_t bytes) const noexcept override;
  [[nodiscard]] Time next_send_time(std::uint32_t, Time now) const noexcept override { return now; }
  [[nodiscard]] Time next_timer() const noexcept override { return kNever; }
  void on_timer(Time) override {}
  [[nodiscard]] std::uint64_t window_bytes() const noexcept override;
  [[nodiscard]] std::uint64_t rate_bps() const noexcept override { return 0; }
  [[nodiscard]] std::uint64_t inflight_units() const noexcept override { return win_.inflight(); }

  // For traces and tests.
  [[nodiscard]] double alpha() const noexcept { return alpha_; }
  [[nodiscard]] double ssthresh_bytes() const noexcept { return ssthresh_; }
  [[nodiscard]] const CcWindow& counters() const noexcept { return win_; }

private:
  void clamp() noexcept;

  CcParams p_;
  CcWindow win_;
  double cw_;
  double alpha_ = 1.0;
  double ssthresh_;                 // +infinity until the first cut
  std::uint32_t last_ce_ = 0;       // Ce_Seq of the last ACK
  std::uint32_t window_end_ = 0;    // data_size_sent when the observation window began
  std::uint64_t window_acked_ = 0;  // units acknowledged in this window
  std::uint64_t window_marked_ = 0; // marked units reported in this window
};

// LDCP receiver, §6.6.1.1.4-5: data_size_recvd grows by the units of every accepted data packet
// (in order or buffered in the window; duplicates and drops do not count), Ce_Seq by the units of
// those that carry a congestion mark. Every ACK is a -CC form carrying both totals.
// MODEL (T5): a packet is marked when its CCI is FECN or FECN_RTT with FECN 01 or 11, or CAQM with
// Enable and C set (LDCP combined with CAQM switches).
class LdcpFeedback final : public CcFeedback {
public:
  void on_data(const nl::Cci& cci, std::uint32_t bytes, bool accepted, Time now) override;
  [[nodiscard]] std::optional<std::variant<CetphLdcp, CetphCaqm>> make_cetph() override;
  [[nodiscard]] std::optional<CnpCetph> take_cnp(Time) override { return std::nullopt; }

private:
  std::uint32_t recvd_ = 0;
  std::uint32_t ce_ = 0;
};

// Whether a data packet's CCI reports congestion on its path (FECN 01/11, or CAQM C = 1).
[[nodiscard]] bool cci_congestion_marked(const nl::Cci& cci) noexcept;

} // namespace ub::tp
