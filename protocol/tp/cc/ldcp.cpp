#include "protocol/tp/cc/ldcp.hpp"

#include <algorithm>
#include <limits>

namespace ub::tp {

bool cci_congestion_marked(const nl::Cci& cci) noexcept {
  switch (cci.mode) {
  case nl::cci_mode::kFecn:
  case nl::cci_mode::kFecnRtt:
    // §5.3.5.1: 01 mild and 11 severe are congestion; 10 is "markable, none", 00 "not markable".
    return cci.fecn == nl::fecn::kMild || cci.fecn == nl::fecn::kSevere;
  case nl::cci_mode::kCaqm:
    return cci.enable && cci.c;
  default:
    return false; // reserved modes carry nothing we can read
  }
}

Ldcp::Ldcp(const CcParams& p) noexcept
    : p_(p), cw_(p.ldcp_init_mtus * p.mtu), ssthresh_(std::numeric_limits<double>::infinity()) {
  clamp();
}

void Ldcp::stamp(nl::Cci& cci, const CcSent& /*p*/, Time /*now*/) {
  // Retransmissions are stamped too: they cross the same queues and their marks count the same.
  cci = nl::Cci{};
  cci.mode = nl::cci_mode::kFecn;
  cci.fecn = nl::fecn::kNone;
}

void Ldcp::on_sent(const CcSent& p, Time /*now*/) {
  win_.on_sent(p.bytes);
}

void Ldcp::on_ack(const CcAck& a, Time /*now*/) {
  if (!a.ldcp) {
    return;
  }
  const std::uint32_t acked = win_.on_ack_seq(a.ldcp->ack_seq);
  std::uint32_t marked = 0;
  if (seq_after(a.ldcp->ce_seq, last_ce_)) {
    marked = a.ldcp->ce_seq - last_ce_;
    last_ce_ = a.ldcp->ce_seq;
  }
  window_acked_ += acked;
  window_marked_ += marked;

  // Slow start: grow by what this ACK acknowledged, unless it reports congestion.
  if (cw_ < ssthresh_ && marked == 0) {
    cw_ += 2.0 * acked;
  }

  // The observation window closes once Ack_Seq reaches the data_size_sent it began with.
  if (window_acked_ > 0 && !seq_after(window_end_, win_.data_size_recvd())) {
    const double f =
        std::min(1.0, static_cast<double>(window_marked_) / static_cast<double>(window_acked_));
    alpha_ = (1.0 - p_.ldcp_g) * alpha_ + p_.ldcp_g * f;
    if (window_marked_ > 0) {
      cw_ *= 1.0 - alpha_ / 2.0;
      clamp();
      ssthresh_ = cw_;
    } else if (cw_ >= ssthresh_) {
      cw_ += p_.ldcp_ai_mtus * p_.mtu;
    }
    window_end_ = win_.data_size_sent();
    window_acked_ = 0;
    window_marked_ = 0;
  }
  clamp();
}

void Ldcp::on_loss(CcLossKind kind, std::uint32_t bytes, std::uint32_t ack_seq, Time /*now*/) {
  win_.on_loss(kind, bytes, ack_seq);
}

bool Ldcp::can_send(std::uint32_t bytes) const noexcept {
  return win_.fits(window_bytes(), bytes);
}

std::uint64_t Ldcp::window_bytes() const noexcept {
  return static_cast<std::uint64_t>(cw_);
}

void Ldcp::clamp() noexcept {
  cw_ = std::clamp(cw_, p_.ldcp_min_mtus * p_.mtu, p_.ldcp_max_mtus * p_.mtu);
}

void LdcpFeedback::on_data(const nl::Cci& cci, std::uint32_t bytes, bool accepted, Time /*now*/) {
  // §6.6.1.1.4: only packets that pass the PSN check count; a duplicate or a GBN out-of-order
  // drop leaves both totals (and a TPNAK-CC echoes them unchanged, §6.6.1.1.5).
  if (!accepted) {
    return;
  }
  const std::uint32_t units = seq_units(bytes);
  recvd_ += units;
  if (cci_congestion_marked(cci)) {
    ce_ += units;
  }
}

std::optional<std::variant<CetphLdcp, CetphCaqm>> LdcpFeedback::make_cetph() {
  return CetphLdcp{recvd_, ce_};
}

} // namespace ub::tp
