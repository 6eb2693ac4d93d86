#include "protocol/tp/cc/dcqcn.hpp"

#include <algorithm>

namespace ub::tp {

namespace {

// base^n by squaring: multiplications only, so the result is the same on every platform.
[[nodiscard]] double pow_uint(double base, std::uint64_t n) noexcept {
  double r = 1.0;
  while (n > 0) {
    if ((n & 1U) != 0) {
      r *= base;
    }
    base *= base;
    n >>= 1U;
  }
  return r;
}

} // namespace

Dcqcn::Dcqcn(const CcParams& p) noexcept
    : p_(p), line_(static_cast<double>(p.line_rate_bps)), rc_(line_), rt_(line_) {}

void Dcqcn::stamp(nl::Cci& cci, const CcSent& /*p*/, Time /*now*/) {
  cci = nl::Cci{};
  cci.mode = nl::cci_mode::kFecn;
  cci.fecn = nl::fecn::kNone;
}

void Dcqcn::on_sent(const CcSent& p, Time now) {
  if (rc_ < line_) {
    const BitRate r{std::max<std::uint64_t>(rate_bps(), 1)};
    next_send_ = std::max(now, next_send_) + r.time_for_bits(std::uint64_t{p.bytes} * 8);
  } else {
    next_send_ = now;
  }
  if (!active_) {
    return;
  }
  bytes_ += p.bytes;
  while (active_ && bytes_ >= p_.dcqcn_b_bytes) {
    bytes_ -= p_.dcqcn_b_bytes;
    ++ib_;
    increase();
  }
}

Time Dcqcn::next_send_time(std::uint32_t /*bytes*/, Time now) const noexcept {
  return std::max(now, next_send_);
}

void Dcqcn::on_cnp(const CnpCetph& cnp, Time now) {
  // Table 6-5: ECN 1 mild, 3 severe; 0 means no congestion and 2 is reserved.
  double w = 0;
  if (cnp.ecn == 3) {
    w = 1.0;
  } else if (cnp.ecn == 1) {
    w = p_.dcqcn_mild_weight;
  } else {
    return;
  }
  if (active_) {
    on_timer(now); // a late driver: apply what was due before this CNP
  }
  if (!active_) {
    catch_up_alpha(now);
  }
  rt_ = rc_;
  rc_ = std::max(rc_ * (1.0 - w * alpha_ / 2.0), p_.dcqcn_rmin * line_);
  alpha_ = (1.0 - p_.dcqcn_g) * alpha_ + p_.dcqcn_g * w;
  it_ = 0;
  ib_ = 0;
  bytes_ = 0;
  active_ = true;
  alpha_next_ = now + p_.dcqcn_k;
  rate_next_ = now + p_.dcqcn_t;
}

Time Dcqcn::next_timer() const noexcept {
  return active_ ? std::min(alpha_next_, rate_next_) : kNever;
}

void Dcqcn::on_timer(Time now) {
  while (active_ && std::min(alpha_next_, rate_next_) <= now) {
    if (alpha_next_ <= rate_next_) {
      alpha_ *= 1.0 - p_.dcqcn_g;
      alpha_next_ += p_.dcqcn_k;
    } else {
      ++it_;
      rate_next_ += p_.dcqcn_t;
      increase();
    }
  }
}

void Dcqcn::increase() noexcept {
  const unsigned hi = std::max(it_, ib_);
  const unsigned lo = std::min(it_, ib_);
  const unsigned f = p_.dcqcn_f;
  if (hi < f) {
    // fast recovery: back toward the rate before the cut, Rt unchanged
  } else if (lo < f) {
    rt_ += p_.dcqcn_rai * line_; // additive increase
  } else {
    rt_ += static_cast<double>(lo - f + 1) * p_.dcqcn_rhai * line_; // hyper increase
  }
  rt_ = std::min(rt_, line_);
  rc_ = std::min((rt_ + rc_) / 2.0, line_);
  if (rt_ >= line_ && line_ - rc_ < 1.0) {
    // Recovered: nothing left to increase, so the timers and the byte counter stop.
    rc_ = line_;
    active_ = false;
    rate_next_ = kNever;
    it_ = 0;
    ib_ = 0;
    bytes_ = 0;
  }
}

void Dcqcn::catch_up_alpha(Time now) noexcept {
  if (alpha_next_ == kNever || alpha_next_ > now || p_.dcqcn_k <= Time{0}) {
    return;
  }
  const auto periods = static_cast<std::uint64_t>((now - alpha_next_) / p_.dcqcn_k) + 1;
  alpha_ *= pow_uint(1.0 - p_.dcqcn_g, periods);
  alpha_next_ = kNever;
}

std::uint64_t Dcqcn::rate_bps() const noexcept {
  return static_cast<std::uint64_t>(rc_);
}

void DcqcnFeedback::on_data(const nl::Cci& cci, std::uint32_t /*bytes*/, bool accepted, Time now) {
  if (!accepted) {
    return;
  }
  if (cci.mode != nl::cci_mode::kFecn && cci.mode != nl::cci_mode::kFecnRtt) {
    return;
  }
  if (cci.fecn != nl::fecn::kMild && cci.fecn != nl::fecn::kSevere) {
    return;
  }
  // Table 6-5 ECN from the FECN the packet carries (§6.2.2: the CNP reports the data's mark).
  const std::uint8_t ecn = cci.fecn == nl::fecn::kSevere ? 3 : 1;
  if (pending_) {
    // MODEL: a CNP raised but not yet taken is upgraded by a severe mark, never downgraded.
    if (ecn > pending_->ecn) {
      pending_->ecn = ecn;
      pending_->loc = cci.loc;
    }
    return;
  }
  if (any_sent_ && now - last_cnp_ < interval_) {
    return;
  }
  CnpCetph cnp{};
  cnp.ecn = ecn;
  cnp.loc = cci.loc;
  pending_ = cnp;
  any_sent_ = true;
  last_cnp_ = now;
}

std::optional<CnpCetph> DcqcnFeedback::take_cnp(Time /*now*/) {
  auto c = pending_;
  pending_.reset();
  return c;
}

} // namespace ub::tp
