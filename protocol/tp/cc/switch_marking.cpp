#include "protocol/tp/cc/switch_marking.hpp"

namespace ub::tp {

namespace {

// Severity rank of a markable FECN code: 10 none < 01 mild < 11 severe.
[[nodiscard]] constexpr unsigned fecn_rank(std::uint8_t code) noexcept {
  switch (code) {
  case nl::fecn::kMild:
    return 1;
  case nl::fecn::kSevere:
    return 2;
  default:
    return 0;
  }
}

[[nodiscard]] constexpr unsigned level_rank(CongestionLevel l) noexcept {
  return static_cast<unsigned>(l);
}

} // namespace

std::string_view to_string(CongestionLevel l) noexcept {
  switch (l) {
  case CongestionLevel::None:
    return "none";
  case CongestionLevel::Mild:
    return "mild";
  case CongestionLevel::Severe:
    return "severe";
  }
  return "?";
}

bool fecn_markable(const nl::Cci& cci) noexcept {
  return (cci.mode == nl::cci_mode::kFecn || cci.mode == nl::cci_mode::kFecnRtt) &&
         cci.fecn != nl::fecn::kNotMarkable;
}

bool fecn_mark(nl::Cci& cci, CongestionLevel level, bool egress_to_dst_host) noexcept {
  // §5.3.5.2 (1): FECN 00 is never marked, whatever the congestion.
  if (!fecn_markable(cci)) {
    return false;
  }
  // (2): only a worse congestion than the packet already reports rewrites FECN and Loc.
  if (level_rank(level) <= fecn_rank(cci.fecn)) {
    return false;
  }
  cci.fecn = fecn_code(level);
  cci.loc = egress_to_dst_host;
  return true;
}

CongestionLevel red_level(std::uint64_t queue_bytes, const RedParams& p, Rng& rng) noexcept {
  if (queue_bytes < p.kmin_bytes) {
    return CongestionLevel::None;
  }
  if (queue_bytes >= p.kmax_bytes) {
    return CongestionLevel::Severe;
  }
  const double prob = p.pmax * static_cast<double>(queue_bytes - p.kmin_bytes) /
                      static_cast<double>(p.kmax_bytes - p.kmin_bytes);
  return rng.bernoulli(prob) ? CongestionLevel::Mild : CongestionLevel::None;
}

bool fecn_on_dequeue(nl::Cci& cci, std::uint64_t queue_bytes, bool egress_to_dst_host,
                     const RedParams& p, Rng& rng) noexcept {
  if (!fecn_markable(cci)) {
    return false;
  }
  return fecn_mark(cci, red_level(queue_bytes, p, rng), egress_to_dst_host);
}

std::string_view to_string(CaqmVerdict v) noexcept {
  switch (v) {
  case CaqmVerdict::Ignored:
    return "ignored";
  case CaqmVerdict::AlreadyCongested:
    return "already_congested";
  case CaqmVerdict::Granted:
    return "granted";
  case CaqmVerdict::Passed:
    return "passed";
  case CaqmVerdict::Denied:
    return "denied";
  case CaqmVerdict::DeniedMarked:
    return "denied_marked";
  case CaqmVerdict::Congested:
    return "congested";
  }
  return "?";
}

CaqmSwitchPort::CaqmSwitchPort(const CaqmSwitchParams& p, Time start) noexcept
    : p_(p), capacity_(static_cast<std::int64_t>(static_cast<double>(p.period.count()) *
                                                 static_cast<double>(p.rate_bps) / 8e12)),
      beta_bytes_(static_cast<std::int64_t>(p.beta * p.mtu + 0.5)),
      credit_(scaled(capacity_ + static_cast<std::int64_t>(p.qt_bytes))),
      next_period_(start + p.period) {}

std::int64_t CaqmSwitchPort::scaled(std::int64_t bytes) const noexcept {
  // MODEL: lambda x bytes rounded toward zero.
  return static_cast<std::int64_t>(p_.lambda * static_cast<double>(bytes));
}

CaqmVerdict CaqmSwitchPort::on_forward(nl::Cci& cci, std::uint32_t bytes, bool egress_to_dst_host,
                                       Rng& rng) noexcept {
  sent_ += bytes;
  if (cci.mode != nl::cci_mode::kCaqm || !cci.enable) {
    return CaqmVerdict::Ignored;
  }
  if (cci.c) {
    // Marked upstream: that sender will shrink by about beta MTU, which frees credit here.
    credit_ += beta_bytes_;
    return CaqmVerdict::AlreadyCongested;
  }
  const std::int64_t want = cci.i ? std::int64_t{cci.hint} * p_.hint_unit : 0;
  if (credit_ >= want) {
    if (!cci.i) {
      return CaqmVerdict::Passed;
    }
    credit_ -= want;
    granted_ += static_cast<std::uint64_t>(want);
    return CaqmVerdict::Granted;
  }
  if (credit_ >= 0) {
    // §5.3.5.3: the increase might cause congestion, so it is refused.
    cci.i = false;
    if (rng.bernoulli(p_.p_mark)) {
      cci.c = true;
      cci.loc = egress_to_dst_host;
      return CaqmVerdict::DeniedMarked;
    }
    return CaqmVerdict::Denied;
  }
  // Credit exhausted: the port is congested (§5.3.5.3: set C when congested).
  cci.c = true;
  cci.i = false;
  cci.loc = egress_to_dst_host;
  credit_ += beta_bytes_;
  return CaqmVerdict::Congested;
}

void CaqmSwitchPort::on_timeout(std::uint64_t queue_bytes, Time now) noexcept {
  if (now < next_period_) {
    return;
  }
  const std::int64_t sum =
      capacity_ - static_cast<std::int64_t>(sent_) + static_cast<std::int64_t>(p_.qt_bytes) -
      static_cast<std::int64_t>(queue_bytes) - static_cast<std::int64_t>(granted_);
  credit_ = scaled(sum);
  sent_ = 0;
  granted_ = 0;
  while (next_period_ <= now) {
    next_period_ += p_.period;
  }
}

} // namespace ub::tp
