#include "protocol/tp/cc/caqm.hpp"

#include <algorithm>

namespace ub::tp {

Caqm::Caqm(const CcParams& p) noexcept
    : p_(p), cw_(std::max(p.caqm_init_mtus * p.mtu, static_cast<double>(p.mtu))) {}

std::uint8_t Caqm::request_units() noexcept {
  const double unit = p_.caqm_hint_unit;
  const double mtu = p_.mtu;
  if (slow_start_ || cw_ < mtu) {
    return static_cast<std::uint8_t>(std::min(mtu / unit, 255.0));
  }
  // About alpha MTU per window's worth of packets, i.e. per RTT (additive increase).
  request_carry_ += p_.caqm_alpha * mtu * mtu / cw_;
  const auto units = static_cast<std::uint8_t>(std::min(request_carry_ / unit, 255.0));
  request_carry_ -= units * unit;
  return units;
}

void Caqm::stamp(nl::Cci& cci, const CcSent& p, Time /*now*/) {
  // §5.3.5.3: the sender clears C; §6.6.1.3.2: I = 1 with the wanted increase in Hint, or I = 0.
  cci = nl::Cci{};
  cci.mode = nl::cci_mode::kCaqm;
  cci.enable = true;
  if (p.retransmission) {
    return; // MODEL: a resend asks for nothing, so a loss never buys window
  }
  const std::uint8_t units = request_units();
  cci.i = units > 0;
  cci.hint = units;
}

void Caqm::on_sent(const CcSent& p, Time /*now*/) {
  win_.on_sent(p.bytes);
}

void Caqm::on_ack(const CcAck& a, Time now) {
  if (!a.caqm) {
    return;
  }
  if (a.rtt_sample && *a.rtt_sample < min_rtt_) {
    min_rtt_ = *a.rtt_sample;
  }
  const CetphCaqm& h = *a.caqm;
  win_.on_ack_seq(h.ack_seq);

  // Table 6-11: the increase is Hint, the decrease grows with C; both apply when C > 0, I = 1.
  if (h.i) {
    cw_ += static_cast<double>(h.hint) * p_.caqm_hint_unit;
  }
  if (h.c > 0) {
    const double mtu = p_.mtu;
    cw_ = std::max(cw_ - static_cast<double>(h.c) * p_.caqm_beta * mtu, mtu);
  }
  if (h.c > 0 || !h.i) {
    slow_start_ = false;
    if (min_rtt_ != kNever) {
      theta_deadline_ = now + Time{static_cast<std::int64_t>(
                                  p_.caqm_theta_rtts * static_cast<double>(min_rtt_.count()))};
    }
  }
}

void Caqm::on_loss(CcLossKind kind, std::uint32_t bytes, std::uint32_t ack_seq, Time /*now*/) {
  win_.on_loss(kind, bytes, ack_seq);
}

bool Caqm::can_send(std::uint32_t bytes) const noexcept {
  return win_.fits(window_bytes(), bytes);
}

void Caqm::on_timer(Time now) {
  if (now >= theta_deadline_) {
    // No congestion and no refusal for theta RTTs: probe in slow start again.
    slow_start_ = true;
    theta_deadline_ = kNever;
  }
}

std::uint64_t Caqm::window_bytes() const noexcept {
  return static_cast<std::uint64_t>(cw_);
}

void CaqmFeedback::on_data(const nl::Cci& cci, std::uint32_t bytes, bool accepted, Time /*now*/) {
  if (accepted) {
    recvd_ += seq_units(bytes);
  }
  if (cci.mode != nl::cci_mode::kCaqm || !cci.enable) {
    return;
  }
  ++packets_;
  last_ = cci;
  // §6.6.1.3.4 aggregation: C = 1 counts; C = 0 with I = 1 adds its Hint and sets I.
  if (cci.c) {
    c_count_ = static_cast<std::uint8_t>(std::min(unsigned{c_count_} + 1, 255U));
    loc_ = loc_ || cci.loc;
  } else if (cci.i) {
    hint_sum_ = static_cast<std::uint16_t>(std::min(unsigned{hint_sum_} + cci.hint, 65535U));
    i_ = true;
  }
}

std::optional<std::variant<CetphLdcp, CetphCaqm>> CaqmFeedback::make_cetph() {
  CetphCaqm h{};
  h.ack_seq = recvd_;
  if (packets_ == 1) {
    // Not aggregated: the one packet's CCI goes back as it arrived.
    h.c = last_.c ? 1 : 0;
    h.i = last_.i;
    h.hint = last_.hint;
    h.loc = last_.loc;
  } else {
    h.c = c_count_;
    h.i = i_;
    h.hint = hint_sum_;
    h.loc = loc_;
  }
  packets_ = 0;
  c_count_ = 0;
  i_ = false;
  hint_sum_ = 0;
  loc_ = false;
  return h;
}

} // namespace ub::tp
