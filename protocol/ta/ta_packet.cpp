#include "protocol/ta/ta_packet.hpp"

#include <cstring>
#include <type_traits>

#include "protocol/ta/ta_chain.hpp"

namespace ub::ta {

std::string_view to_string(TaWire w) noexcept {
  switch (w) {
  case TaWire::Cna16:
    return "cna16";
  case TaWire::Taid:
    return "taid";
  case TaWire::Compact:
    return "compact";
  }
  return "?";
}

std::uint8_t TaPacket::opcode() const noexcept {
  return std::visit([](const auto& h) { return h.ta_opcode; }, base);
}

bool TaPacket::is_response() const noexcept {
  return std::holds_alternative<Atah>(base) || std::holds_alternative<AtahCompact>(base);
}

std::uint16_t TaPacket::ini_tassn() const noexcept {
  return std::visit([](const auto& h) { return h.ini_tassn; }, base);
}

namespace {

// The TaPacket's slot for extension header `e`: calls fn with the std::optional member.
template <class P, class Fn>
decltype(auto) with_ext(P& p, TaExt e, Fn&& fn) {
  switch (e) {
  case TaExt::Udetah:
    return fn(p.ud);
  case TaExt::Mtetah:
    return fn(p.mt);
  case TaExt::Taidetah:
    return fn(p.taid);
  case TaExt::Ofstetah:
    return fn(p.ofst);
  case TaExt::Maetah:
    return fn(p.ma);
  case TaExt::MaetahCompact:
    return fn(p.ma_compact);
  case TaExt::Immetah:
    return fn(p.imm);
  case TaExt::Ntfetah:
    return fn(p.ntf);
  case TaExt::Tvetah:
    return fn(p.tv);
  case TaExt::Beetah:
    return fn(p.be);
  case TaExt::Mgmtetah:
    return fn(p.mgmt);
  }
  return fn(p.ud); // not reached: every enumerator is handled above
}

template <class Opt>
using HeaderOf = typename std::decay_t<Opt>::value_type;

bool is_compact(const TaBase& b) noexcept {
  return std::holds_alternative<BtahCompact>(b) || std::holds_alternative<AtahCompact>(b);
}

std::string_view base_name(const TaBase& b) noexcept {
  return std::visit([](const auto& h) { return Codec<std::decay_t<decltype(h)>>::kName; }, b);
}

std::size_t base_size(const TaBase& b) noexcept {
  return std::visit([](const auto& h) { return Codec<std::decay_t<decltype(h)>>::size(h); }, b);
}

// The extension headers the base header calls for in form `w`.
TaChain chain_for(const TaBase& b, TaWire w) noexcept {
  const bool taid = w == TaWire::Taid;
  return std::visit(
      [&](const auto& h) {
        using H = std::decay_t<decltype(h)>;
        if constexpr (std::is_same_v<H, Btah> || std::is_same_v<H, Atah>) {
          return ta_chain(h, taid);
        } else {
          return ta_chain(h);
        }
      },
      b);
}

Status check_flags(const TaBase& b) noexcept {
  return std::visit(
      [](const auto& h) -> Status {
        using H = std::decay_t<decltype(h)>;
        if constexpr (std::is_same_v<H, Btah> || std::is_same_v<H, BtahCompact>) {
          return check_ta_flags(h);
        } else {
          return {};
        }
      },
      b);
}

// The payload context, before the extension headers fill in MAETAH and MGMTETAH.
TaPayloadContext payload_context(const TaBase& b) noexcept {
  TaPayloadContext c;
  c.tah_name = base_name(b);
  c.compact = is_compact(b);
  // A reserved opcode never gets here: the base header's check refuses it first.
  if (const auto info = ta_opcode_info(std::visit([](const auto& h) { return h.ta_opcode; }, b))) {
    c.shape = info->shape;
  }
  return c;
}

// What the payload rules need from the extension headers.
template <class H>
void note(TaPayloadContext& c, const H& h, std::size_t at) noexcept {
  if constexpr (std::is_same_v<H, Maetah>) {
    c.mae_len = h.length;
    c.mae_addr = h.address;
    c.mae_at = at;
  } else if constexpr (std::is_same_v<H, MaetahCompact>) {
    c.mae_len = h.length_bytes();
    c.mae_addr = h.address();
    c.mae_at = at;
  } else if constexpr (std::is_same_v<H, Mgmtetah>) {
    c.mgmt_pdu_len = h.pdu_length;
  }
}

Error presence_error(std::size_t at, TaExt e, bool missing) {
  return Error{Errc::NotAllowed,
               at,
               "TaPacket",
               ta_ext_name(e),
               missing ? "missing: the opcode, flags and wire form call for this header"
                       : "present, but the opcode, flags and wire form carry no such header",
               "§7.2.1"};
}

// Every check encode_ta makes, before it writes anything, for a payload of `payload_size` bytes.
// Returns the header bytes.
Result<std::size_t> check_for_encode(const TaPacket& p, TaWire w,
                                     std::size_t payload_size) noexcept {
  const bool compact = w == TaWire::Compact;
  if (is_compact(p.base) != compact) {
    return make_unexpected(Error{Errc::NotAllowed, 0, "TaPacket", base_name(p.base),
                                 compact ? "the compact form (CFG 9) carries BTAH_COMPACT or "
                                           "ATAH_COMPACT"
                                         : "the full forms carry a full BTAH or ATAH",
                                 "App. B.2.6"});
  }
  if (auto st = std::visit(
          [](const auto& h) { return Codec<std::decay_t<decltype(h)>>::validate(h); }, p.base);
      !st) {
    return make_unexpected(st.error());
  }
  if (auto st = check_flags(p.base); !st) {
    return make_unexpected(st.error());
  }
  const TaChain chain = chain_for(p.base, w);
  TaPayloadContext ctx = payload_context(p.base);
  std::size_t pos = base_size(p.base);
  for (const TaExt e : kTaExtOrder) {
    auto step = with_ext(p, e, [&](const auto& slot) -> Status {
      using H = HeaderOf<decltype(slot)>;
      if (chain.has(e) != slot.has_value()) {
        return make_unexpected(presence_error(pos, e, !slot.has_value()));
      }
      if (!slot) {
        return {};
      }
      if (auto st = Codec<H>::validate(*slot); !st) {
        return make_unexpected(st.error().shifted(pos));
      }
      if constexpr (std::is_same_v<H, Beetah>) {
        if (auto st = check_beetah_width(*slot, ctx.mae_len, pos); !st) {
          return st;
        }
      }
      note(ctx, *slot, pos);
      pos += Codec<H>::size(*slot);
      return {};
    });
    if (!step) {
      return make_unexpected(step.error());
    }
  }
  if (auto st = check_ta_payload(ctx, payload_size, pos); !st) {
    return make_unexpected(st.error());
  }
  return pos;
}

// Decodes extension header `H` at in[pos..) into `slot`; returns its size.
template <class H>
Result<std::size_t> decode_ext(std::span<const Byte> in, std::size_t pos, std::optional<H>& slot,
                               std::uint64_t mae_len) noexcept {
  const auto rest = in.subspan(pos);
  Result<H> h = [&] {
    if constexpr (std::is_same_v<H, Beetah>) {
      return Codec<Beetah>::decode(rest, be_width_for_length(mae_len));
    } else {
      (void)mae_len;
      return Codec<H>::decode(rest);
    }
  }();
  if (!h) {
    return make_unexpected(h.error().shifted(pos));
  }
  slot = *h;
  return Codec<H>::size(*slot);
}

} // namespace

std::size_t ta_header_size(const TaPacket& p, TaWire /*w*/) noexcept {
  // The base header's variant already tells full from compact; the form is a parameter so
  // callers state it as they do for encode_ta.
  std::size_t n = base_size(p.base);
  for (const TaExt e : kTaExtOrder) {
    n += with_ext(p, e, [](const auto& slot) -> std::size_t {
      using H = HeaderOf<decltype(slot)>;
      return slot ? Codec<H>::size(*slot) : 0;
    });
  }
  return n;
}

namespace {

// Appends the headers, then `payload` (which may be empty while the checks judge a payload of
// `payload_size` bytes: encode_ta_headers).
Status encode_with(const TaPacket& p, TaWire w, std::size_t payload_size,
                   std::span<const Byte> payload, std::vector<Byte>& out) {
  auto headers = check_for_encode(p, w, payload_size);
  if (!headers) {
    return make_unexpected(headers.error());
  }
  const std::size_t start = out.size();
  out.resize(start + *headers + payload.size());
  const std::span<Byte> dst(out.data() + start, *headers + payload.size());
  auto fail = [&](const Error& e) {
    out.resize(start);
    return make_unexpected(e);
  };
  auto n = std::visit(
      [&](const auto& h) { return Codec<std::decay_t<decltype(h)>>::encode(h, dst); }, p.base);
  if (!n) {
    return fail(n.error());
  }
  std::size_t pos = *n;
  for (const TaExt e : kTaExtOrder) {
    auto m = with_ext(p, e, [&](const auto& slot) -> Result<std::size_t> {
      using H = HeaderOf<decltype(slot)>;
      if (!slot) {
        return std::size_t{0};
      }
      return Codec<H>::encode(*slot, dst.subspan(pos));
    });
    if (!m) {
      return fail(m.error().shifted(pos));
    }
    pos += *m;
  }
  if (!payload.empty()) {
    std::memcpy(dst.data() + pos, payload.data(), payload.size());
  }
  return {};
}

} // namespace

Status encode_ta(const TaPacket& p, TaWire w, std::vector<Byte>& out) {
  const std::span<const Byte> payload = p.payload_view();
  return encode_with(p, w, payload.size(), payload, out);
}

Status encode_ta_headers(const TaPacket& p, std::size_t payload_size, TaWire w,
                         std::vector<Byte>& out) {
  return encode_with(p, w, payload_size, {}, out);
}

Result<std::vector<Byte>> encode_ta(const TaPacket& p, TaWire w) {
  std::vector<Byte> out;
  if (auto st = encode_ta(p, w, out); !st) {
    return make_unexpected(st.error());
  }
  return out;
}

namespace {

// decode_ta's headers into `p`, and the payload's checks: where the payload starts.
Result<std::size_t> decode_headers(std::span<const Byte> bytes, TaWire w, TaPacket& p) {
  const bool compact = w == TaWire::Compact;
  if (bytes.empty()) {
    return make_unexpected(Error{Errc::Truncated,
                                 0,
                                 compact ? "BTAH_COMPACT" : "BTAH",
                                 {},
                                 "input ends before the TAH",
                                 "§7.2.1"});
  }
  // The opcode picks the base header: 0x11..0x13 go in an ATAH, everything else in a BTAH (whose
  // check refuses reserved codes).
  const auto info = ta_opcode_info(bytes[0]);
  const bool response = info && info->response;
  auto base = [&]() -> Result<TaBase> {
    auto lift = [](auto r) -> Result<TaBase> {
      if (!r) {
        return make_unexpected(r.error());
      }
      return TaBase{*r};
    };
    if (compact) {
      return response ? lift(Codec<AtahCompact>::decode(bytes))
                      : lift(Codec<BtahCompact>::decode(bytes));
    }
    return response ? lift(Codec<Atah>::decode(bytes)) : lift(Codec<Btah>::decode(bytes));
  }();
  if (!base) {
    return make_unexpected(base.error());
  }
  p.base = *base;
  if (auto st = check_flags(p.base); !st) {
    return make_unexpected(st.error());
  }
  const TaChain chain = chain_for(p.base, w);
  TaPayloadContext ctx = payload_context(p.base);
  std::size_t pos = base_size(p.base);
  for (const TaExt e : kTaExtOrder) {
    if (!chain.has(e)) {
      continue;
    }
    auto n = with_ext(p, e, [&](auto& slot) -> Result<std::size_t> {
      auto r = decode_ext(bytes, pos, slot, ctx.mae_len);
      if (r) {
        note(ctx, *slot, pos);
      }
      return r;
    });
    if (!n) {
      return make_unexpected(n.error());
    }
    pos += *n;
  }
  if (auto st = check_ta_payload(ctx, bytes.size() - pos, pos); !st) {
    return make_unexpected(st.error());
  }
  return pos;
}

} // namespace

Result<TaPacket> decode_ta(std::span<const Byte> bytes, TaWire w) {
  TaPacket p;
  const auto pos = decode_headers(bytes, w, p);
  if (!pos) {
    return make_unexpected(pos.error());
  }
  p.payload.assign(bytes.begin() + static_cast<std::ptrdiff_t>(*pos), bytes.end());
  return p;
}

Result<TaPacket> decode_ta_owned(std::vector<Byte>&& bytes, TaWire w) {
  TaPacket p;
  const auto pos = decode_headers(bytes, w, p);
  if (!pos) {
    return make_unexpected(pos.error());
  }
  bytes.erase(bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(*pos));
  p.payload = std::move(bytes);
  return p;
}

Result<TaPacket> decode_ta_shared(const SharedBytes& bytes, TaWire w) {
  TaPacket p;
  const std::span<const Byte> all = bytes.view();
  const auto pos = decode_headers(all, w, p);
  if (!pos) {
    return make_unexpected(pos.error());
  }
  p.payload_share = bytes.narrow(all.subspan(*pos));
  return p;
}

} // namespace ub::ta
