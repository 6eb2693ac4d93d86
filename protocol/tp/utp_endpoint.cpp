#include "protocol/tp/utp_endpoint.hpp"

#include <algorithm>

namespace ub::tp {

namespace {

constexpr std::size_t kUtphBytes = 16;

} // namespace

Status validate(const UtpConfig& c) noexcept {
  auto bad = [](std::string_view field, std::string_view why, std::uint64_t v) -> Status {
    return make_unexpected(
        Error{Errc::OutOfRange, 0, "UtpConfig", field, why, "§6.3.3"}.with_value(v));
  };
  if (c.mtu < 256 || c.mtu > 8192 || (c.mtu & (c.mtu - 1)) != 0) {
    return bad("mtu", "must be a power of two, 256..8192", c.mtu);
  }
  if (c.nth_bytes != 10 && c.nth_bytes != 34 && c.nth_bytes != 54) {
    return bad("nth_bytes", "must be 10 (CNA24), 34 (IPv4 + UDP) or 54 (IPv6 + UDP)", c.nth_bytes);
  }
  if (c.tx_queue_limit == 0) {
    return bad("tx_queue_limit", "must be at least 1", 0);
  }
  return {};
}

Expected<std::vector<Byte>, TpSendError> encode_utp(const UtpConfig& cfg, const UtpSend& s) {
  auto refuse = [](Errc code, std::string_view field, std::string_view why, std::string_view clause,
                   std::uint64_t v) {
    return make_unexpected(TpSendError{Error{code, 0, "UTP", field, why, clause}.with_value(v)});
  };
  if (s.nlp != tph_nlp::kTah && s.nlp != tph_nlp::kUpiEid && s.nlp != tph_nlp::kCiph) {
    return refuse(Errc::ReservedValue, "NLP", "UTPH NLP must be 0, 1 or 3", "§6.2.1", s.nlp);
  }
  if (s.ta_header_bytes > s.ta.size()) {
    return refuse(Errc::OutOfRange, "ta_header_bytes", "more header bytes than TA bytes", "§6.3.3",
                  s.ta_header_bytes);
  }
  const std::size_t payload = s.ta.size() - s.ta_header_bytes;
  if (payload > cfg.mtu) {
    // A UTP message is one packet: UNO data is at most one TP MTU (§7.3.3.5). Refused, not split.
    return make_unexpected(TpSendError{
        Error{Errc::OutOfRange, 0, "UTP", "TA payload",
              "a UTP message is one packet: the payload must not exceed the TP MTU", "§7.3.3.5"},
        payload, cfg.mtu});
  }
  Utph h{};
  h.tp_opcode = static_cast<std::uint8_t>(tp_opcode::kUtpData | tp_opcode::kLastFlag);
  h.nlp = s.nlp;
  // Padding: as RTP's (TpChannel::send_new), NTH..padding a multiple of 4 bytes (Table 6-2).
  h.padding = static_cast<std::uint8_t>((4 - (cfg.nth_bytes + kUtphBytes + s.ta.size()) % 4) % 4);
  std::vector<Byte> tp(kUtphBytes + s.ta.size() + h.padding, 0);
  (void)Codec<Utph>::encode(h, tp);
  std::copy(s.ta.begin(), s.ta.end(), tp.begin() + kUtphBytes);
  return tp;
}

Result<UtpMessage> decode_utp(const UtpConfig& cfg, std::span<const Byte> tp) {
  const auto h = Codec<Utph>::decode(tp);
  if (!h) {
    return make_unexpected(h.error());
  }
  if ((h->tp_opcode & tp_opcode::kLastFlag) == 0) {
    return make_unexpected(Error{Errc::NotAllowed, 0, "UTPH", "TPOpcode",
                                 "a UTP message is one packet: the last flag must be set", "§6.3.3"}
                               .with_value(h->tp_opcode));
  }
  if (h->tp_ver != 0) {
    return make_unexpected(
        Error{Errc::NotAllowed, 1, "UTPH", "TPVer", "only TPVer 0 is defined", "§6.2.1"}.with_value(
            h->tp_ver));
  }
  if (h->padding > tp.size() - kUtphBytes || (cfg.nth_bytes + tp.size()) % 4 != 0) {
    return make_unexpected(Error{Errc::LengthMismatch, 1, "UTPH", "Padding",
                                 "NTH through payload and padding is not a multiple of 4 bytes",
                                 "§6.2.1"}
                               .with_value(h->padding));
  }
  return UtpMessage{h->nlp, tp.subspan(kUtphBytes, tp.size() - kUtphBytes - h->padding)};
}

Expected<void, TpSendError> UtpEndpoint::send(const UtpSend& s) {
  if (tx_.size() >= cfg_.tx_queue_limit) {
    ++counters_.sends_refused;
    return make_unexpected(TpSendError{
        Error{Errc::NotAllowed, 0, "UTP", "tx_queue_limit", "send queue full", "§6.3.3"}.with_value(
            tx_.size())});
  }
  auto tp = encode_utp(cfg_, s);
  if (!tp) {
    ++counters_.sends_refused;
    return make_unexpected(tp.error());
  }
  tx_.push_back(UtpOut{s.dst, std::move(*tp)});
  return {};
}

std::optional<UtpDelivery> UtpEndpoint::poll_deliver() {
  if (rx_.empty()) {
    return std::nullopt;
  }
  UtpDelivery d = std::move(rx_.front());
  rx_.pop_front();
  return d;
}

void UtpEndpoint::on_receive(std::uint32_t src, std::span<const Byte> tp, Time /*now*/) {
  const auto m = decode_utp(cfg_, tp);
  if (!m) {
    ++counters_.malformed;
    return;
  }
  ++counters_.received;
  rx_.push_back(UtpDelivery{src, m->nlp, std::vector<Byte>(m->ta.begin(), m->ta.end())});
}

std::optional<UtpOut> UtpEndpoint::poll_transmit(Time /*now*/) {
  if (tx_.empty()) {
    return std::nullopt;
  }
  UtpOut o = std::move(tx_.front());
  tx_.pop_front();
  ++counters_.sent;
  return o;
}

} // namespace ub::tp
