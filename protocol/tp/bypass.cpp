#include "protocol/tp/bypass.hpp"

#include <array>

namespace ub::tp {

namespace {

constexpr std::uint8_t kRtPerPacket = 0b01;
constexpr std::uint8_t kRtShortest = 0b10;

} // namespace

std::string_view to_string(TaOrder o) noexcept {
  switch (o) {
  case TaOrder::Roi:
    return "ROI";
  case TaOrder::Rot:
    return "ROT";
  case TaOrder::Rol:
    return "ROL";
  case TaOrder::Uno:
    return "UNO";
  }
  return "?";
}

Result<std::uint8_t> ctp_bypass_rt(TaOrder order, RoutePref pref, bool shortest_only) noexcept {
  bool per_packet = false;
  switch (order) {
  case TaOrder::Rol:
    if (pref == RoutePref::PerPacket) {
      return make_unexpected(Error{Errc::NotAllowed, 2, "LPH", "RT",
                                   "ROL over CTP or TP bypass needs per-flow routing (RT[0] = 0)",
                                   "§7.3.3 Table 7-14"}
                                 .with_value(kRtPerPacket));
    }
    per_packet = false;
    break;
  case TaOrder::Roi:
  case TaOrder::Rot:
  case TaOrder::Uno:
    per_packet = pref != RoutePref::PerFlow;
    break;
  default:
    return make_unexpected(
        Error{Errc::OutOfRange, 0, "TaOrder", {}, "not a transaction service mode", "§7.3.3"}
            .with_value(static_cast<std::uint64_t>(order)));
  }
  return static_cast<std::uint8_t>((per_packet ? kRtPerPacket : 0) |
                                   (shortest_only ? kRtShortest : 0));
}

Result<BypassHeaders> make_bypass_headers(const BypassRoute& r) noexcept {
  const auto rt = ctp_bypass_rt(r.order, r.route, r.shortest_only);
  if (!rt) {
    return make_unexpected(rt.error());
  }
  if (r.vl > 15) {
    return make_unexpected(
        Error{Errc::OutOfRange, 0, "LPH", "VL", "VL is 4 bits", "§4.3.2.2.2"}.with_value(r.vl));
  }
  if (r.sl > 15) {
    return make_unexpected(
        Error{Errc::OutOfRange, 7, "NTH_CNA16", "SL", "SL is 4 bits", "§5.2.1"}.with_value(r.sl));
  }
  if (auto st = Codec<nl::Cci>::validate(r.cci); !st) {
    return make_unexpected(st.error());
  }
  BypassHeaders h{};
  h.lph.cfg = dl::cfg::kLoadStore;
  h.lph.vl = r.vl;
  h.lph.rt = *rt;
  h.nth.scna = r.scna;
  h.nth.dcna = r.dcna;
  h.nth.cci = nl::pack_cci(r.cci);
  h.nth.lbf = r.lbf;
  h.nth.sl = r.sl;
  h.nth.mgmt = false;        // must be 0 in CFG 9 (Table 5-1)
  h.nth.nlp = nl::nlp::kTah; // the compact TAH follows directly (App. B.2.6)
  return h;
}

Result<BypassInfo> parse_bypass_headers(const dl::Lph& lph, std::span<const Byte> net) noexcept {
  if (lph.cfg != dl::cfg::kLoadStore) {
    return make_unexpected(
        Error{Errc::NotAllowed, 0, "LPH", "CFG", "TP bypass is CFG 9", "App. B.2.6"}.with_value(
            lph.cfg));
  }
  const auto nth = Codec<nl::NthCna16>::decode(net);
  if (!nth) {
    return make_unexpected(nth.error());
  }
  if (nth->nlp != nl::nlp::kTah) {
    return make_unexpected(
        Error{Errc::NotAllowed, 7, "NTH_CNA16", "NLP", "CFG 9 allows NLP 0 (TAH) only", "§5.2.1"}
            .with_value(nth->nlp));
  }
  if (nth->mgmt) {
    return make_unexpected(
        Error{Errc::NotAllowed, 7, "NTH_CNA16", "Mgmt", "Mgmt must be 0 in CFG 9", "§5.2.1"}
            .with_value(1));
  }
  const std::array<Byte, 2> raw{static_cast<Byte>(nth->cci >> 8U),
                                static_cast<Byte>(nth->cci & 0xFFU)};
  const auto cci = Codec<nl::Cci>::decode(raw);
  if (!cci) {
    return make_unexpected(cci.error().shifted(4));
  }
  BypassInfo info{};
  info.scna = nth->scna;
  info.dcna = nth->dcna;
  info.vl = lph.vl;
  info.sl = nth->sl;
  info.lbf = nth->lbf;
  info.cci = *cci;
  info.rt = lph.rt;
  return info;
}

} // namespace ub::tp
