#include "protocol/packet/packet.hpp"

#include <cstring>
#include <optional>
#include <type_traits>

#include "protocol/nl/icrc.hpp"
#include "protocol/ta/ta_chain.hpp"

namespace ub::pkt {

namespace {

// What the grammar expects next. Some kinds admit two header types that the bytes tell apart
// (TPOpcode[6:0] = 0 is a UTPH; TAOpcode 0x11..0x13 is an ATAH).
enum class Kind : std::uint8_t {
  NthCna16,
  NthCna24,
  NthIp,
  NetMgmt,
  Upih16,
  Upih32,
  Eidh40,
  Eidh256,
  Scan,
  Tph, // RTPH or UTPH
  Ctph,
  Cetph, // LDCP or CAQM form
  Saetph,
  Cnp,
  Tah, // BTAH or ATAH
  TahCompact,
  Udetah,
  Mtetah,
  Maetah,
  MaetahCompact,
  Tvetah,
  Taidetah,
  Ofstetah,
  Immetah,
  Ntfetah,
  Beetah,
  Mgmtetah,
};

constexpr std::string_view kind_name(Kind k) noexcept {
  switch (k) {
  case Kind::NthCna16:
    return "NTH_CNA16";
  case Kind::NthCna24:
    return "NTH_CNA24";
  case Kind::NthIp:
    return "NTH_IP";
  case Kind::NetMgmt:
    return "NET_MGMT";
  case Kind::Upih16:
    return "UPIH16";
  case Kind::Upih32:
    return "UPIH32";
  case Kind::Eidh40:
    return "EIDH40";
  case Kind::Eidh256:
    return "EIDH256";
  case Kind::Scan:
    return "SCAN";
  case Kind::Tph:
    return "RTPH or UTPH";
  case Kind::Ctph:
    return "CTPH";
  case Kind::Cetph:
    return "CETPH";
  case Kind::Saetph:
    return "SAETPH";
  case Kind::Cnp:
    return "CNP";
  case Kind::Tah:
    return "BTAH or ATAH";
  case Kind::TahCompact:
    return "BTAH_COMPACT or ATAH_COMPACT";
  case Kind::Udetah:
    return "UDETAH";
  case Kind::Mtetah:
    return "MTETAH";
  case Kind::Maetah:
    return "MAETAH";
  case Kind::MaetahCompact:
    return "MAETAH_COMPACT";
  case Kind::Tvetah:
    return "TVETAH";
  case Kind::Taidetah:
    return "TAIDETAH";
  case Kind::Ofstetah:
    return "OFSTETAH";
  case Kind::Immetah:
    return "IMMETAH";
  case Kind::Ntfetah:
    return "NTFETAH";
  case Kind::Beetah:
    return "BEETAH";
  case Kind::Mgmtetah:
    return "MGMTETAH";
  }
  return "?";
}

struct KindOf {
  Kind operator()(const nl::NthCna16&) const { return Kind::NthCna16; }
  Kind operator()(const nl::NthCna24&) const { return Kind::NthCna24; }
  Kind operator()(const nl::NthIp&) const { return Kind::NthIp; }
  Kind operator()(const mgmt::NetMgmtHeader&) const { return Kind::NetMgmt; }
  Kind operator()(const nl::Upih16&) const { return Kind::Upih16; }
  Kind operator()(const nl::Upih32&) const { return Kind::Upih32; }
  Kind operator()(const nl::Eidh40&) const { return Kind::Eidh40; }
  Kind operator()(const nl::Eidh256&) const { return Kind::Eidh256; }
  Kind operator()(const mgmt::ScanHeader&) const { return Kind::Scan; }
  Kind operator()(const tp::Rtph&) const { return Kind::Tph; }
  Kind operator()(const tp::Utph&) const { return Kind::Tph; }
  Kind operator()(const tp::Ctph&) const { return Kind::Ctph; }
  Kind operator()(const tp::CetphLdcp&) const { return Kind::Cetph; }
  Kind operator()(const tp::CetphCaqm&) const { return Kind::Cetph; }
  Kind operator()(const tp::Saetph&) const { return Kind::Saetph; }
  Kind operator()(const tp::CnpCetph&) const { return Kind::Cnp; }
  Kind operator()(const ta::Btah&) const { return Kind::Tah; }
  Kind operator()(const ta::Atah&) const { return Kind::Tah; }
  Kind operator()(const ta::BtahCompact&) const { return Kind::TahCompact; }
  Kind operator()(const ta::AtahCompact&) const { return Kind::TahCompact; }
  Kind operator()(const ta::Udetah&) const { return Kind::Udetah; }
  Kind operator()(const ta::Mtetah&) const { return Kind::Mtetah; }
  Kind operator()(const ta::Maetah&) const { return Kind::Maetah; }
  Kind operator()(const ta::MaetahCompact&) const { return Kind::MaetahCompact; }
  Kind operator()(const ta::Tvetah&) const { return Kind::Tvetah; }
  Kind operator()(const ta::Taidetah&) const { return Kind::Taidetah; }
  Kind operator()(const ta::Ofstetah&) const { return Kind::Ofstetah; }
  Kind operator()(const ta::Immetah&) const { return Kind::Immetah; }
  Kind operator()(const ta::Ntfetah&) const { return Kind::Ntfetah; }
  Kind operator()(const ta::Beetah&) const { return Kind::Beetah; }
  Kind operator()(const ta::Mgmtetah&) const { return Kind::Mgmtetah; }
};

Error grammar_error(Errc code, std::size_t at, std::string_view header, std::string_view field,
                    std::string_view reason, std::string_view clause) {
  return Error{code, at, header, field, reason, clause};
}

// The App. B grammar: a queue of the header kinds that must come next, refilled as each header
// is absorbed, plus what the payload rules need to know. Decoder and encoder walk the same one.
class Grammar {
public:
  Grammar(std::uint8_t cfg, const DecodeOptions& opts) : cfg_(cfg), opts_(opts) {
    switch (cfg) {
    case dl::cfg::kIpv4:
    case dl::cfg::kIpv6:
      push(Kind::NthIp);
      icrc_ = true;
      break;
    case dl::cfg::kNetMgmt:
      push(Kind::NetMgmt);
      break;
    case dl::cfg::kCna16:
      push(Kind::NthCna16);
      icrc_ = true;
      break;
    case dl::cfg::kCna24:
      push(Kind::NthCna24);
      icrc_ = true;
      break;
    case dl::cfg::kLoadStore:
      push(Kind::NthCna16);
      break;
    default:
      break; // the LPH check has already refused other CFGs
    }
  }

  [[nodiscard]] bool empty() const noexcept { return head_ == tail_; }
  [[nodiscard]] Kind front() const noexcept { return queue_[head_]; }
  [[nodiscard]] bool icrc() const noexcept { return icrc_; }
  [[nodiscard]] bool has_tph() const noexcept { return has_tph_; }
  [[nodiscard]] const DecodeOptions& opts() const noexcept { return opts_; }
  [[nodiscard]] unsigned beetah_width() const noexcept {
    return ta::be_width_for_length(ta_.mae_len);
  }
  [[nodiscard]] unsigned ip_version() const noexcept { return ip_version_; }
  [[nodiscard]] bool has_udp() const noexcept { return has_udp_; }

  // Takes header `h` (found at byte `at`) off the queue and queues what must follow it.
  Status absorb(const Header& h, std::size_t at) noexcept {
    return std::visit([&](const auto& x) { return take(x, at); }, h);
  }
  template <class H>
  Status take(const H& h, std::size_t at) noexcept {
    ++head_;
    return on(h, at);
  }

  // Payload rules, checked once every header is in. `payload_at` is the payload's offset.
  [[nodiscard]] Status check_payload(std::size_t payload_size,
                                     std::size_t payload_at) const noexcept {
    if (!payload_allowed_ && payload_size != 0) {
      return make_unexpected(grammar_error(Errc::LengthMismatch, payload_at, tph_name_, {},
                                           "this packet type carries no payload", "§6.2.1")
                                 .with_value(payload_size));
    }
    if (!shape_) {
      return {};
    }
    ta::TaPayloadContext c = ta_;
    c.shape = *shape_;
    c.tah_name = tah_name_;
    c.compact = compact_;
    return ta::check_ta_payload(c, payload_size, payload_at);
  }

private:
  void push(Kind k) noexcept {
    if (tail_ < queue_.size()) {
      queue_[tail_++] = k;
    }
  }

  Status not_allowed(std::size_t at, std::string_view header, std::string_view field,
                     std::string_view reason, std::string_view clause, std::uint64_t v) {
    return make_unexpected(
        grammar_error(Errc::NotAllowed, at, header, field, reason, clause).with_value(v));
  }

  Status on(const nl::NthIp& h, std::size_t at) {
    ip_version_ = h.ip_version;
    has_udp_ = h.has_udp();
    if ((cfg_ == dl::cfg::kIpv4) != (h.ip_version == 4)) {
      return not_allowed(at + 6, "NTH_IP", "Version", "CFG 3 carries IPv4 and CFG 4 IPv6", "§5.2.3",
                         h.ip_version);
    }
    if (h.is_ub()) {
      push(Kind::Tph);
    }
    // Otherwise: an ordinary TCP/IP packet; the rest is opaque (Table B-1).
    return {};
  }
  Status on(const mgmt::NetMgmtHeader&, std::size_t) { return {}; }
  Status on(const nl::NthCna16& h, std::size_t at) {
    if (cfg_ == dl::cfg::kLoadStore) {
      if (h.nlp != nl::nlp::kTah) {
        return not_allowed(at + 7, "NTH_CNA16", "NLP", "CFG 9 allows NLP 0 (TAH) only", "§5.2.1",
                           h.nlp);
      }
      if (h.mgmt) {
        return not_allowed(at + 7, "NTH_CNA16", "Mgmt", "Mgmt must be 0 in CFG 9", "§5.2.1", 1);
      }
      compact_ = true;
      push(Kind::TahCompact);
      return {};
    }
    if (h.nlp == nl::nlp::kUpih16) {
      push(Kind::Upih16);
      push(Kind::Scan);
      icrc_ = opts_.enumeration_icrc;
      return {};
    }
    push(Kind::Ctph);
    return {};
  }
  Status on(const nl::NthCna24& h, std::size_t) {
    push(h.nlp == nl::nlp::kRtph ? Kind::Tph : Kind::Ctph);
    return {};
  }
  Status on(const nl::Upih16&, std::size_t) { return {}; }
  Status on(const nl::Upih32&, std::size_t) { return {}; }
  Status on(const nl::Eidh40&, std::size_t) { return {}; }
  Status on(const nl::Eidh256&, std::size_t) { return {}; }
  Status on(const mgmt::ScanHeader&, std::size_t) { return {}; }

  Status data_nlp(std::uint8_t nlp, std::string_view header, std::size_t at) {
    switch (nlp) {
    case tp::tph_nlp::kTah:
      push(Kind::Tah);
      return {};
    case tp::tph_nlp::kUpiEid:
      push(Kind::Upih32);
      push(Kind::Eidh256);
      push(Kind::Tah);
      return {};
    default:
      return make_unexpected(grammar_error(Errc::NotModelled, at, header, "NLP",
                                           "CIPH (§11.5.2.3) has no published layout", "§11.5.2.3")
                                 .with_value(nlp));
    }
  }
  Status on(const tp::Rtph& h, std::size_t at) {
    has_tph_ = true;
    tph_name_ = "RTPH";
    switch (tp::tp_opcode_base(h.tp_opcode)) {
    case tp::tp_opcode::kRtpData:
      return data_nlp(h.nlp, "RTPH", at + 1);
    case tp::tp_opcode::kAck:
      payload_allowed_ = false;
      return {};
    case tp::tp_opcode::kAckCc:
      push(Kind::Cetph);
      payload_allowed_ = false;
      return {};
    case tp::tp_opcode::kSack:
      push(Kind::Saetph);
      payload_allowed_ = false;
      return {};
    case tp::tp_opcode::kSackCc:
      push(Kind::Cetph);
      push(Kind::Saetph);
      payload_allowed_ = false;
      return {};
    case tp::tp_opcode::kCnp:
      push(Kind::Cnp);
      payload_allowed_ = false;
      return {};
    default:
      return {};
    }
  }
  Status on(const tp::Utph& h, std::size_t at) {
    has_tph_ = true;
    tph_name_ = "UTPH";
    return data_nlp(h.nlp, "UTPH", at + 1);
  }
  Status on(const tp::Ctph& h, std::size_t at) {
    has_tph_ = true;
    tph_name_ = "CTPH";
    if (h.tp_opcode == tp::ctp_opcode::kCnp) {
      push(Kind::Cnp);
      payload_allowed_ = false;
      return {};
    }
    switch (h.nlp) {
    case tp::ctph_nlp::kTah:
      push(Kind::Tah);
      return {};
    case tp::ctph_nlp::kUpi32Eid256:
      // App. B: CFG 7 carries the 32-bit UPI and 128-bit EIDs (Fig. B-7), CFG 6 the 16-bit UPI
      // and 20-bit EIDs (Fig. B-5).
      if (cfg_ == dl::cfg::kCna16) {
        return not_allowed(at, "CTPH", "NLP", "CFG 6 carries UPIH16 + EIDH40 (NLP 2)", "App. B",
                           h.nlp);
      }
      push(Kind::Upih32);
      push(Kind::Eidh256);
      push(Kind::Tah);
      return {};
    case tp::ctph_nlp::kUpi16Eid40:
      if (cfg_ == dl::cfg::kCna24) {
        return not_allowed(at, "CTPH", "NLP", "CFG 7 carries UPIH32 + EIDH256 (NLP 1)", "App. B",
                           h.nlp);
      }
      push(Kind::Upih16);
      push(Kind::Eidh40);
      push(Kind::Tah);
      return {};
    default:
      return make_unexpected(grammar_error(Errc::NotModelled, at, "CTPH", "NLP",
                                           "CIPH (§11.5.2.3) has no published layout", "§11.5.2.3")
                                 .with_value(h.nlp));
    }
  }
  Status on(const tp::CetphLdcp&, std::size_t) { return {}; }
  Status on(const tp::CetphCaqm&, std::size_t) { return {}; }
  Status on(const tp::Saetph&, std::size_t) { return {}; }
  Status on(const tp::CnpCetph&, std::size_t) { return {}; }

  // Table 7-2 / 7-4, App. B.2.6: the extension headers of each base header, in wire order
  // (protocol/ta/ta_chain.hpp, shared with the per-packet TA codec).
  static Kind kind_of(ta::TaExt e) noexcept {
    switch (e) {
    case ta::TaExt::Udetah:
      return Kind::Udetah;
    case ta::TaExt::Mtetah:
      return Kind::Mtetah;
    case ta::TaExt::Taidetah:
      return Kind::Taidetah;
    case ta::TaExt::Ofstetah:
      return Kind::Ofstetah;
    case ta::TaExt::Maetah:
      return Kind::Maetah;
    case ta::TaExt::MaetahCompact:
      return Kind::MaetahCompact;
    case ta::TaExt::Immetah:
      return Kind::Immetah;
    case ta::TaExt::Ntfetah:
      return Kind::Ntfetah;
    case ta::TaExt::Tvetah:
      return Kind::Tvetah;
    case ta::TaExt::Beetah:
      return Kind::Beetah;
    case ta::TaExt::Mgmtetah:
      return Kind::Mgmtetah;
    }
    return Kind::Udetah;
  }
  void push_chain(ta::TaChain c) noexcept {
    for (const ta::TaExt e : ta::kTaExtOrder) {
      if (c.has(e)) {
        push(kind_of(e));
      }
    }
  }
  [[nodiscard]] bool taid_form() const noexcept {
    return cfg_ == dl::cfg::kIpv4 || cfg_ == dl::cfg::kIpv6 || cfg_ == dl::cfg::kCna24;
  }
  template <class H>
  Status on_tah(const H& h, std::size_t at) {
    tah_name_ = Codec<H>::kName;
    const auto info = ta::ta_opcode_info(h.ta_opcode);
    if (!info) {
      return {}; // the header's own check has refused it already
    }
    shape_ = info->shape;
    if constexpr (std::is_same_v<H, ta::Btah> || std::is_same_v<H, ta::BtahCompact>) {
      if (auto st = ta::check_ta_flags(h); !st) {
        return make_unexpected(st.error().shifted(at));
      }
    }
    if constexpr (std::is_same_v<H, ta::Btah> || std::is_same_v<H, ta::Atah>) {
      push_chain(ta::ta_chain(h, taid_form()));
    } else {
      push_chain(ta::ta_chain(h));
    }
    return {};
  }
  Status on(const ta::Btah& h, std::size_t at) { return on_tah(h, at); }
  Status on(const ta::Atah& h, std::size_t at) { return on_tah(h, at); }
  Status on(const ta::BtahCompact& h, std::size_t at) { return on_tah(h, at); }
  Status on(const ta::AtahCompact& h, std::size_t at) { return on_tah(h, at); }
  Status on(const ta::Udetah&, std::size_t) { return {}; }
  Status on(const ta::Mtetah&, std::size_t) { return {}; }
  Status on(const ta::Maetah& h, std::size_t at) {
    ta_.mae_len = h.length;
    ta_.mae_addr = h.address;
    ta_.mae_at = at;
    return {};
  }
  Status on(const ta::MaetahCompact& h, std::size_t at) {
    ta_.mae_len = h.length_bytes();
    ta_.mae_addr = h.address();
    ta_.mae_at = at;
    return {};
  }
  Status on(const ta::Tvetah&, std::size_t) { return {}; }
  Status on(const ta::Taidetah&, std::size_t) { return {}; }
  Status on(const ta::Ofstetah&, std::size_t) { return {}; }
  Status on(const ta::Immetah&, std::size_t) { return {}; }
  Status on(const ta::Ntfetah&, std::size_t) { return {}; }
  Status on(const ta::Beetah& h, std::size_t at) {
    return ta::check_beetah_width(h, ta_.mae_len, at);
  }
  Status on(const ta::Mgmtetah& h, std::size_t) {
    ta_.mgmt_pdu_len = h.pdu_length;
    return {};
  }

  std::uint8_t cfg_;
  DecodeOptions opts_;
  std::array<Kind, 16> queue_{};
  std::size_t head_ = 0;
  std::size_t tail_ = 0;
  bool icrc_ = false;
  bool has_tph_ = false;
  std::string_view tph_name_ = "TPH";
  std::string_view tah_name_ = "BTAH";
  bool payload_allowed_ = true;
  bool compact_ = false;
  std::optional<ta::TaShape> shape_;
  ta::TaPayloadContext ta_{}; // MAETAH and MGMTETAH values for the payload rules
  unsigned ip_version_ = 4;
  bool has_udp_ = false;
};

// Decodes header H at `in` (byte `pos` of the network packet) straight into `slot`, and hands it
// to the grammar. Errors carry offsets relative to the network packet.
template <class H>
Result<std::size_t> decode_into(std::span<const Byte> in, Header& slot, Grammar& g,
                                std::size_t pos) noexcept {
  if constexpr (FixedLayout<H>) {
    using C = FixedCodec<H>;
    if (in.size() < C::kSize) {
      return make_unexpected(C::decode(in).error().shifted(pos));
    }
    const H& h = slot.template emplace<H>(C::unpack(in.data()));
    if (auto st = C::check(h); !st) {
      return make_unexpected(st.error().shifted(pos));
    }
    if (auto st = g.take(h, pos); !st) {
      return make_unexpected(st.error());
    }
    return C::kSize;
  } else {
    auto h = Codec<H>::decode(in);
    if (!h) {
      return make_unexpected(h.error().shifted(pos));
    }
    const H& ref = slot.template emplace<H>(*h);
    if (auto st = g.take(ref, pos); !st) {
      return make_unexpected(st.error());
    }
    return Codec<H>::size(ref);
  }
}

// Decodes the header the grammar expects at `in` and absorbs it.
Result<std::size_t> decode_kind(Kind k, std::span<const Byte> in, Grammar& g, Header& slot,
                                std::size_t pos) noexcept {
  switch (k) {
  case Kind::NthCna16:
    return decode_into<nl::NthCna16>(in, slot, g, pos);
  case Kind::NthCna24:
    return decode_into<nl::NthCna24>(in, slot, g, pos);
  case Kind::NthIp:
    return decode_into<nl::NthIp>(in, slot, g, pos);
  case Kind::NetMgmt:
    return decode_into<mgmt::NetMgmtHeader>(in, slot, g, pos);
  case Kind::Upih16:
    return decode_into<nl::Upih16>(in, slot, g, pos);
  case Kind::Upih32:
    return decode_into<nl::Upih32>(in, slot, g, pos);
  case Kind::Eidh40:
    return decode_into<nl::Eidh40>(in, slot, g, pos);
  case Kind::Eidh256:
    return decode_into<nl::Eidh256>(in, slot, g, pos);
  case Kind::Scan:
    return decode_into<mgmt::ScanHeader>(in, slot, g, pos);
  case Kind::Tph:
    if (in.empty()) {
      return make_unexpected(
          Error{Errc::Truncated, pos, "RTPH", {}, "input ends before the TPH", "§6.2.1"});
    }
    if (tp::tp_opcode_base(in[0]) == tp::tp_opcode::kUtpData) {
      return decode_into<tp::Utph>(in, slot, g, pos);
    }
    return decode_into<tp::Rtph>(in, slot, g, pos);
  case Kind::Ctph:
    return decode_into<tp::Ctph>(in, slot, g, pos);
  case Kind::Cetph:
    if (g.opts().cetph == tp::CetphForm::Caqm) {
      return decode_into<tp::CetphCaqm>(in, slot, g, pos);
    }
    return decode_into<tp::CetphLdcp>(in, slot, g, pos);
  case Kind::Saetph:
    return decode_into<tp::Saetph>(in, slot, g, pos);
  case Kind::Cnp:
    return decode_into<tp::CnpCetph>(in, slot, g, pos);
  case Kind::Tah:
  case Kind::TahCompact: {
    if (in.empty()) {
      return make_unexpected(
          Error{Errc::Truncated, pos, "BTAH", {}, "input ends before the TAH", "§7.2.1"});
    }
    const auto info = ta::ta_opcode_info(in[0]);
    const bool response = info && info->response;
    if (k == Kind::Tah) {
      return response ? decode_into<ta::Atah>(in, slot, g, pos)
                      : decode_into<ta::Btah>(in, slot, g, pos);
    }
    return response ? decode_into<ta::AtahCompact>(in, slot, g, pos)
                    : decode_into<ta::BtahCompact>(in, slot, g, pos);
  }
  case Kind::Udetah:
    return decode_into<ta::Udetah>(in, slot, g, pos);
  case Kind::Mtetah:
    return decode_into<ta::Mtetah>(in, slot, g, pos);
  case Kind::Maetah:
    return decode_into<ta::Maetah>(in, slot, g, pos);
  case Kind::MaetahCompact:
    return decode_into<ta::MaetahCompact>(in, slot, g, pos);
  case Kind::Tvetah:
    return decode_into<ta::Tvetah>(in, slot, g, pos);
  case Kind::Taidetah:
    return decode_into<ta::Taidetah>(in, slot, g, pos);
  case Kind::Ofstetah:
    return decode_into<ta::Ofstetah>(in, slot, g, pos);
  case Kind::Immetah:
    return decode_into<ta::Immetah>(in, slot, g, pos);
  case Kind::Ntfetah:
    return decode_into<ta::Ntfetah>(in, slot, g, pos);
  case Kind::Beetah: {
    auto h = Codec<ta::Beetah>::decode(in, g.beetah_width());
    if (!h) {
      return make_unexpected(h.error().shifted(pos));
    }
    const ta::Beetah& ref = slot.emplace<ta::Beetah>(*h);
    if (auto st = g.take(ref, pos); !st) {
      return make_unexpected(st.error());
    }
    return ref.size();
  }
  case Kind::Mgmtetah:
    return decode_into<ta::Mgmtetah>(in, slot, g, pos);
  }
  return std::size_t{0};
}

std::size_t header_size(const Header& h) noexcept {
  return std::visit([](const auto& x) { return Codec<std::decay_t<decltype(x)>>::size(x); }, h);
}

Result<std::size_t> encode_header(const Header& h, std::span<Byte> out) noexcept {
  return std::visit([&](const auto& x) { return Codec<std::decay_t<decltype(x)>>::encode(x, out); },
                    h);
}

} // namespace

bool is_enumeration(const Packet& p) noexcept {
  if (p.lph.cfg != dl::cfg::kCna16 || p.header_count == 0) {
    return false;
  }
  const auto* n = std::get_if<nl::NthCna16>(&p.headers[0]);
  return n != nullptr && n->nlp == nl::nlp::kUpih16;
}

Header without_derived(Header h) noexcept {
  if (auto* r = std::get_if<tp::Rtph>(&h)) {
    r->padding = 0;
  } else if (auto* u = std::get_if<tp::Utph>(&h)) {
    u->padding = 0;
  } else if (auto* c = std::get_if<tp::Ctph>(&h)) {
    c->padding = 0;
  } else if (auto* ip = std::get_if<nl::NthIp>(&h)) {
    ip->v4.total_length = 0;
    ip->v6.payload_length = 0;
    ip->udp.length = 0;
  } else if (auto* m = std::get_if<ta::Mgmtetah>(&h)) {
    m->pdu_length = 0;
  }
  return h;
}

std::string_view header_name(const Header& h) noexcept {
  return std::visit([](const auto& x) { return Codec<std::decay_t<decltype(x)>>::kName; }, h);
}

Status decode_network(const dl::Lph& lph, std::span<const Byte> net, const DecodeOptions& opts,
                      Packet& out) noexcept {
  Grammar g(lph.cfg, opts);
  out.lph = lph;
  out.header_count = 0;
  std::size_t pos = 0;
  while (!g.empty()) {
    if (out.header_count >= kMaxHeaders) {
      return make_unexpected(Error{Errc::NotAllowed,
                                   pos,
                                   kind_name(g.front()),
                                   {},
                                   "more headers than any packet format has",
                                   "App. B"});
    }
    auto n = decode_kind(g.front(), net.subspan(pos), g, out.headers[out.header_count], pos);
    if (!n) {
      return make_unexpected(n.error());
    }
    ++out.header_count;
    pos += *n;
  }
  const std::size_t icrc_len = g.icrc() ? 4 : 0;
  if (net.size() < pos + icrc_len) {
    return make_unexpected(
        Error{Errc::Truncated, net.size(), "ICRC", {}, "packet ends before its ICRC", "§5.3.7"}
            .with_value(pos + icrc_len));
  }
  const std::size_t tail_end = net.size() - icrc_len;
  std::size_t pad = 0;
  if (g.has_tph()) {
    if (const auto* r = out.find<tp::Rtph>()) {
      pad = r->padding;
    } else if (const auto* u = out.find<tp::Utph>()) {
      pad = u->padding;
    } else if (const auto* c = out.find<tp::Ctph>()) {
      pad = c->padding;
    }
    if (tail_end % 4 != 0 || tail_end < pos + pad) {
      return make_unexpected(Error{Errc::LengthMismatch, tail_end, "TPH", "Padding",
                                   "NTH through payload and padding is not a multiple of 4 bytes",
                                   "§6.2.1"}
                                 .with_value(pad));
    }
    for (std::size_t i = tail_end - pad; i < tail_end; ++i) {
      if (net[i] != 0) {
        out.canonical = false;
      }
    }
  }
  out.payload = net.subspan(pos, tail_end - pad - pos);
  out.pad_bytes = static_cast<std::uint8_t>(pad);
  out.has_icrc = icrc_len != 0;
  out.omit_icrc = !out.has_icrc && is_enumeration(out);
  out.icrc = 0;
  if (const auto* ip = out.find<nl::NthIp>()) {
    const std::size_t ip_len = net.size() - 6;
    if (ip->ip_version == 4 && ip->v4.total_length != ip_len) {
      return make_unexpected(Error{Errc::LengthMismatch, 8, "NTH_IP", "Total_Length",
                                   "IPv4 Total Length must count the IP header through the ICRC",
                                   "§5.2.3"}
                                 .with_value(ip->v4.total_length));
    }
    if (ip->ip_version == 6 && ip->v6.payload_length != ip_len - 40) {
      return make_unexpected(
          Error{Errc::LengthMismatch, 10, "NTH_IP", "Payload_Length",
                "IPv6 Payload Length must count the bytes after it through the ICRC", "§5.2.3"}
              .with_value(ip->v6.payload_length));
    }
    if (ip->has_udp() && ip->udp.length != ip_len - ip->ip_header_size()) {
      return make_unexpected(
          Error{Errc::LengthMismatch, 6 + ip->ip_header_size() + 4, "NTH_IP", "UDP_Length",
                "UDP Length must count the UDP header through the ICRC", "§5.2.3"}
              .with_value(ip->udp.length));
    }
  }
  if (auto st = g.check_payload(out.payload.size(), pos); !st) {
    return st;
  }
  if (icrc_len != 0) {
    out.icrc = nl::load_icrc(net.data() + tail_end);
  }
  if (icrc_len != 0 && opts.verify_icrc) {
    const std::uint32_t want =
        nl::compute_icrc(lph.cfg, net.first(tail_end), g.ip_version(), g.has_udp());
    if (want != out.icrc) {
      return make_unexpected(Error{
          Errc::IcrcMismatch, tail_end, "ICRC", {}, "ICRC does not match the packet", "§5.3.7"}
                                 .with_value(out.icrc));
    }
  }
  return {};
}

Status decode_packet(std::span<const Byte> wire, const DecodeOptions& opts, std::span<Byte> scratch,
                     Packet& out) noexcept {
  auto f = dl::decode_frame(wire, opts.mode, scratch);
  if (!f) {
    return make_unexpected(f.error());
  }
  out.mode = opts.mode;
  out.lph = f->lph;
  out.lbh = f->lbh;
  out.lbh_count = f->lbh_count;
  out.error_flag = f->error_flag;
  out.canonical = f->canonical;
  if (auto st = decode_network(f->lph, f->payload, opts, out); !st) {
    Error e = st.error();
    // Report the wire offset of the byte the error names.
    auto g = dl::geometry_from_plength(f->lph.plength, opts.mode);
    e.offset = g ? dl::wire_offset(e.offset, g->flits, opts.mode) : e.offset + 4;
    return make_unexpected(e);
  }
  return {};
}

Result<std::size_t> encode_network(const Packet& p, std::span<Byte> out) noexcept {
  DecodeOptions opts{};
  opts.mode = p.mode;
  opts.enumeration_icrc = !p.omit_icrc;
  if (p.omit_icrc && !is_enumeration(p)) {
    return make_unexpected(Error{Errc::NotAllowed,
                                 0,
                                 "ICRC",
                                 {},
                                 "only enumeration packets may omit the ICRC",
                                 "§10.4.3.1"});
  }
  Grammar g(p.lph.cfg, opts);
  if (!dl::is_data_cfg(p.lph.cfg)) {
    return make_unexpected(Error{Errc::ReservedValue, 1, "LPH", "CFG",
                                 "not a DLLDP CFG (3, 4, 5, 6, 7 or 9)", "§4.3.2.2.2"}
                               .with_value(p.lph.cfg));
  }
  // Pass 1: the grammar, and the size of the headers.
  std::size_t hdr_bytes = 0;
  for (std::size_t i = 0; i < p.header_count; ++i) {
    const Header& h = p.headers[i];
    const std::string_view name = header_name(h);
    // Derived fields take their computed values (padding and lengths are set in pass 2; zero
    // stands in for them here), then a header's own fields are checked first, so that encode
    // reports what decode would report.
    Header derived = without_derived(h);
    if (auto* m = std::get_if<ta::Mgmtetah>(&derived)) {
      m->pdu_length = static_cast<std::uint16_t>(std::min<std::size_t>(p.payload.size(), 0xFFF));
    }
    if (auto st = std::visit(
            [](const auto& x) { return Codec<std::decay_t<decltype(x)>>::validate(x); }, derived);
        !st) {
      return make_unexpected(st.error().shifted(hdr_bytes));
    }
    if (g.empty()) {
      return make_unexpected(Error{Errc::NotAllowed,
                                   hdr_bytes,
                                   name,
                                   {},
                                   "no further header may follow here (App. B packet format)",
                                   "App. B"});
    }
    if (std::visit(KindOf{}, h) != g.front()) {
      return make_unexpected(Error{Errc::NotAllowed,
                                   hdr_bytes,
                                   name,
                                   {},
                                   "the packet format expects another header here",
                                   "App. B"});
    }
    if (auto st = g.absorb(derived, hdr_bytes); !st) {
      return make_unexpected(st.error());
    }
    hdr_bytes += header_size(h);
  }
  if (!g.empty()) {
    return make_unexpected(Error{Errc::NotAllowed,
                                 hdr_bytes,
                                 kind_name(g.front()),
                                 {},
                                 "the packet format needs this header next; the list ends",
                                 "App. B"});
  }
  if (auto st = g.check_payload(p.payload.size(), hdr_bytes); !st) {
    return make_unexpected(st.error());
  }
  const std::size_t body = hdr_bytes + p.payload.size();
  const std::size_t pad = g.has_tph() ? (4 - body % 4) % 4 : 0;
  const std::size_t icrc_len = g.icrc() ? 4 : 0;
  const std::size_t total = body + pad + icrc_len;
  if (out.size() < total) {
    return make_unexpected(
        Error{Errc::BufferTooSmall, 0, "packet", {}, "output buffer too small", "App. B"}
            .with_value(total));
  }
  // Pass 2: headers with their derived fields.
  std::size_t pos = 0;
  for (std::size_t i = 0; i < p.header_count; ++i) {
    Header h = p.headers[i];
    if (auto* r = std::get_if<tp::Rtph>(&h)) {
      r->padding = static_cast<std::uint8_t>(pad);
    } else if (auto* u = std::get_if<tp::Utph>(&h)) {
      u->padding = static_cast<std::uint8_t>(pad);
    } else if (auto* c = std::get_if<tp::Ctph>(&h)) {
      c->padding = static_cast<std::uint8_t>(pad);
    } else if (auto* ip = std::get_if<nl::NthIp>(&h)) {
      const std::size_t ip_len = total - 6;
      if (ip_len > 0xFFFF) {
        return make_unexpected(
            Error{Errc::OutOfRange, 8, "NTH_IP", "Total_Length", "IP length over 65535", "§5.2.3"});
      }
      ip->v4.total_length = static_cast<std::uint16_t>(ip_len);
      ip->v6.payload_length = static_cast<std::uint16_t>(ip_len - 40U * (ip->ip_version == 6));
      if (ip->has_udp()) {
        ip->udp.length = static_cast<std::uint16_t>(ip_len - ip->ip_header_size());
      }
    } else if (auto* m = std::get_if<ta::Mgmtetah>(&h)) {
      m->pdu_length = static_cast<std::uint16_t>(std::min<std::size_t>(p.payload.size(), 0xFFF));
    }
    auto n = encode_header(h, out.subspan(pos));
    if (!n) {
      return make_unexpected(n.error().shifted(pos));
    }
    pos += *n;
  }
  if (!p.payload.empty()) {
    std::memcpy(out.data() + pos, p.payload.data(), p.payload.size());
  }
  pos += p.payload.size();
  std::memset(out.data() + pos, 0, pad);
  pos += pad;
  if (icrc_len != 0) {
    nl::store_icrc(out.data() + pos,
                   nl::compute_icrc(p.lph.cfg, out.first(pos), g.ip_version(), g.has_udp()));
    pos += 4;
  }
  return pos;
}

Result<std::size_t> encode_packet(const Packet& p, std::span<Byte> out,
                                  std::span<Byte> scratch) noexcept {
  auto n = encode_network(p, scratch);
  if (!n) {
    return make_unexpected(n.error());
  }
  return dl::encode_frame(p.lph, std::span<const dl::Lbh>(p.lbh.data(), p.lbh_count), p.error_flag,
                          scratch.first(*n), p.mode, out);
}

} // namespace ub::pkt
