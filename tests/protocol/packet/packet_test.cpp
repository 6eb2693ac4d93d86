// Whole-packet codec: App. B grammar, derived fields, ICRC, wire offsets, round trips.
#include <algorithm>
#include <array>
#include <cstdint>
#include <iterator>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <catch2/catch.hpp>

#include "protocol/dl/frame.hpp"
#include "protocol/nl/codec_test_support.hpp"
#include "protocol/nl/icrc.hpp"
#include "protocol/packet/packet.hpp"
#include "protocol/packet/samples.hpp"

using namespace ub;
using namespace ub::pkt;
using ub::test::Xorshift64;

// UB_CHECK_ERROR plus the header name the error reports.
#define UB_CHECK_PKT_ERROR(result, errc, header_name, field_name, byte_offset)                     \
  do {                                                                                             \
    const auto& ub_p_ = (result);                                                                  \
    UB_CHECK_ERROR(ub_p_, errc, field_name, byte_offset);                                          \
    CHECK(ub_p_.error().header == std::string_view{header_name});                                  \
  } while (false)

namespace {

// Offsets inside the network packet (the bytes after the LPH) of the samples' CFG 7 RTP data
// packets: NTH_CNA24 (10 bytes), RTPH (16), then the TAH.
constexpr std::size_t kNth24 = 10;
constexpr std::size_t kRtph = 16;
constexpr std::size_t kTah7 = kNth24 + kRtph; // 26

constexpr std::array<dl::BlockMode, 3> kModes{dl::BlockMode::Crc30, dl::BlockMode::Crc62,
                                              dl::BlockMode::NonCrc};

Packet sample(std::string_view name) {
  for (const auto& s : packet_samples()) {
    if (s.name == name) {
      return s.packet;
    }
  }
  FAIL("no packet sample named " << name);
  return {};
}

std::string describe(const Status& st) {
  return st ? std::string("ok") : to_string(st.error());
}

template <class T>
std::string describe(const Result<T>& r) {
  return r ? std::string("ok") : to_string(r.error());
}

std::vector<Byte> encode_net(const Packet& p) {
  std::vector<Byte> out(kMaxNetBytes);
  auto n = encode_network(p, out);
  INFO(describe(n));
  REQUIRE(n);
  out.resize(*n);
  return out;
}

Result<std::size_t> try_encode(const Packet& p) {
  std::vector<Byte> out(kMaxNetBytes);
  return encode_network(p, out);
}

// decode_network of the bytes after an LPH with CFG `cfg`.
Status decode_net(std::uint8_t cfg, std::span<const Byte> net, Packet& out,
                  const DecodeOptions& opts = {}) {
  dl::Lph l{};
  l.cfg = cfg;
  return decode_network(l, net, opts, out);
}

std::size_t size_of(const Header& h) {
  return std::visit([](const auto& x) { return Codec<std::decay_t<decltype(x)>>::size(x); }, h);
}

// Byte offset of header i in the network packet.
std::size_t offset_of(const Packet& p, std::size_t i) {
  std::size_t at = 0;
  for (std::size_t k = 0; k < i; ++k) {
    at += size_of(p.headers[k]);
  }
  return at;
}

template <class H>
std::optional<std::size_t> index_of(const Packet& p) {
  for (std::size_t i = 0; i < p.header_count; ++i) {
    if (std::holds_alternative<H>(p.headers[i])) {
      return i;
    }
  }
  return std::nullopt;
}

// Where the TPH of `p` is and the Padding value it holds, if it has one.
struct TphInfo {
  std::size_t at = 0;
  std::size_t padding_byte = 0; // the byte holding Padding in bits 5:4
  unsigned padding = 0;
};
std::optional<TphInfo> tph_of(const Packet& p) {
  for (std::size_t i = 0; i < p.header_count; ++i) {
    const Header& h = p.headers[i];
    const std::size_t at = offset_of(p, i);
    if (const auto* r = std::get_if<tp::Rtph>(&h)) {
      return TphInfo{at, at + 1, r->padding};
    }
    if (const auto* u = std::get_if<tp::Utph>(&h)) {
      return TphInfo{at, at + 1, u->padding};
    }
    if (const auto* c = std::get_if<tp::Ctph>(&h)) {
      return TphInfo{at, at, c->padding};
    }
  }
  return std::nullopt;
}

std::span<const Byte> pool() {
  static const std::vector<Byte> kPool = Xorshift64(0x5EED).bytes(kMaxNetBytes);
  return kPool;
}

// The network bytes of `p` (CFG 6, 7 or 9) with `payload` in place of its payload, laid out
// without asking the grammar: headers as encode_network writes them, the payload, Padding
// recomputed (and patched into the TPH), and a fresh ICRC. For decode-side payload rule tests.
std::vector<Byte> raw_with_payload(Packet p, std::span<const Byte> payload) {
  REQUIRE(p.lph.cfg != dl::cfg::kIpv4);
  REQUIRE(p.lph.cfg != dl::cfg::kIpv6);
  p.payload = {};
  const auto net = encode_net(p);
  Packet d{};
  REQUIRE(decode_net(p.lph.cfg, net, d));
  const std::size_t icrc = d.has_icrc ? 4 : 0;
  std::vector<Byte> out(net.begin(),
                        net.begin() + static_cast<std::ptrdiff_t>(net.size() - icrc - d.pad_bytes));
  out.insert(out.end(), payload.begin(), payload.end());
  if (const auto t = tph_of(d)) {
    const std::size_t pad = (4 - out.size() % 4) % 4;
    out.resize(out.size() + pad, 0);
    out[t->padding_byte] = static_cast<Byte>((out[t->padding_byte] & 0xCF) | (pad << 4));
  }
  if (icrc != 0) {
    const std::uint32_t c = nl::compute_icrc(p.lph.cfg, out);
    out.resize(out.size() + 4);
    nl::store_icrc(out.data() + out.size() - 4, c);
  }
  return out;
}

std::vector<Byte> vec(std::span<const Byte> s) {
  return {s.begin(), s.end()};
}

std::uint16_t be16_at(const std::vector<Byte>& b, std::size_t at) {
  return load_be16(b.data() + at);
}

} // namespace

// ---------------------------------------------------------------------------------------------
// Known answers, laid out by hand from the field tables.
// ---------------------------------------------------------------------------------------------

TEST_CASE("CFG 7 TPACK laid out by hand", "[packet][spec:App.B][spec:§6.2.1][spec:§5.3.7]") {
  Packet p{};
  p.lph.cfg = dl::cfg::kCna24;
  nl::NthCna24 n{};
  n.scna = 0x000102;
  n.dcna = 0x000203;
  n.cci = 0x8002; // Mode 100 (FECN), Loc 0, FECN 10 (markable, not congested)
  n.lbf = 0x5A;
  n.sl = 1;
  n.nlp = nl::nlp::kRtph;
  tp::Rtph r{};
  r.tp_opcode = tp::tp_opcode::kAck;
  r.src_tpn = 0x000A01;
  r.dst_tpn = 0x000B02;
  r.a = true;
  r.psn = 0x000123;
  r.tpmsn = 7;
  REQUIRE(p.push(n));
  REQUIRE(p.push(r));

  const std::array<Byte, 32> want{
      // NTH_CNA24 (Table 5-2): SCNA 0x000102, DCNA 0x000203, CCI 0x8002, LBF 0x5A,
      // byte 9 = SL 0001 | RSVD 0 | NLP 010 = 0x12.
      0x00, 0x01, 0x02, 0x00, 0x02, 0x03, 0x80, 0x02, 0x5A, 0x12,
      // RTPH (Table 6-2): TPOpcode 0x02 (TPACK); byte 1 = TPVer 00 | Padding 10 | NLP 0000 = 0x20
      // (NTH 10 + RTPH 16 = 26 bytes; 2 zero bytes make it a multiple of 4).
      0x02, 0x20,
      // SrcTPN 0x000A01, DstTPN 0x000B02.
      0x00, 0x0A, 0x01, 0x00, 0x0B, 0x02,
      // Byte 8 = A 1 | F 0 | RSVD 000000 = 0x80; PSN 0x000123.
      0x80, 0x00, 0x01, 0x23,
      // RSPST 000 | RSPINFO 00000 (plain TPACK); TPMSN 7.
      0x00, 0x00, 0x00, 0x07,
      // Padding.
      0x00, 0x00,
      // ICRC: zlib crc32 over bytes 0..27 with CCI (6-7) and LBF (8) replaced by ones, stored
      // least significant byte first. Computed with
      //   python3 -c "import zlib; print(hex(zlib.crc32(bytes.fromhex('000102000203ffffff12'
      //   '0220000a01000b028000012300000007' '0000'))))"  -> 0xec34aa74
      0x74, 0xAA, 0x34, 0xEC};

  CHECK(encode_net(p) == vec(want));

  Packet d{};
  const auto st = decode_net(dl::cfg::kCna24, want, d);
  INFO(describe(st));
  REQUIRE(st);
  REQUIRE(d.header_count == 2);
  REQUIRE(std::holds_alternative<nl::NthCna24>(d.headers[0]));
  REQUIRE(std::holds_alternative<tp::Rtph>(d.headers[1]));
  CHECK(std::get<nl::NthCna24>(d.headers[0]) == n);
  tp::Rtph want_r = r;
  want_r.padding = 2;
  CHECK(std::get<tp::Rtph>(d.headers[1]) == want_r);
  CHECK(d.payload.empty());
  CHECK(d.pad_bytes == 2);
  CHECK(d.has_icrc);
  CHECK(d.icrc == 0xEC34AA74U);
  CHECK(d.canonical);

  SECTION("framed: LPH, then the same bytes in two CRC30 flits") {
    std::vector<Byte> wire(kMaxWireBytes);
    std::vector<Byte> scratch(kMaxNetBytes);
    auto w = encode_packet(p, wire, scratch);
    INFO(describe(w));
    REQUIRE(w);
    REQUIRE(*w == 40);
    CHECK(wire[0] == 0x00); // CRD 0, ACK 0, CRD_VL 0, VL[3] 0
    CHECK(wire[1] == 0x07); // VL[2:0] 000, CFG 0111
    CHECK(std::equal(want.begin(), want.begin() + 16, wire.begin() + 4));
    CHECK(std::equal(want.begin() + 16, want.end(), wire.begin() + 20));
    wire.resize(*w);
    Packet f{};
    std::vector<Byte> scratch2(kMaxNetBytes);
    REQUIRE(decode_packet(wire, DecodeOptions{}, scratch2, f));
    CHECK(f.lph.cfg == dl::cfg::kCna24);
    CHECK(f.icrc == 0xEC34AA74U);
    CHECK(std::get<tp::Rtph>(f.headers[1]) == want_r);
  }
}

TEST_CASE("CFG 6 CTP CNP laid out by hand: CTPH Padding 3", "[packet][spec:App.B][spec:§6.2.2]") {
  Packet p{};
  p.lph.cfg = dl::cfg::kCna16;
  nl::NthCna16 n{};
  n.scna = 0x0011;
  n.dcna = 0x0022;
  n.cci = 0x0504; // Mode 000 (CAQM), Enable 1, I 1, Hint 4
  n.lbf = 0x3C;
  n.sl = 2;
  tp::CnpCetph cnp{};
  cnp.ecn = 3;
  cnp.loc = true;
  REQUIRE(p.push(n));
  REQUIRE(p.push(tp::Ctph{tp::ctp_opcode::kCnp, 0, 0}));
  REQUIRE(p.push(cnp));

  const std::array<Byte, 32> want{
      // NTH_CNA16 (Table 5-1): SCNA 0x0011, DCNA 0x0022, CCI 0x0504, LBF 0x3C,
      // byte 7 = SL 0010 | Mgmt 0 | NLP 000 = 0x20.
      0x00, 0x11, 0x00, 0x22, 0x05, 0x04, 0x3C, 0x20,
      // CTPH (Fig. 6-10): TPOpcode 01 (CNP) | Padding 11 | NLP 0000 = 0x70
      // (8 + 1 + 16 = 25 bytes, so 3 pad bytes).
      0x70,
      // CNP CETPH (Table 6-5): ECN 11 | Loc 1 | RSVD 00000 = 0xE0, then 15 reserved bytes.
      0xE0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
      // Padding.
      0x00, 0x00, 0x00,
      // ICRC: zlib crc32 with CCI (4-5) and LBF (6) as ones, LSB first:
      //   python3 -c "import zlib; print(hex(zlib.crc32(bytes.fromhex('00110022ffffff20' '70'
      //   'e0' + '00'*15 + '000000'))))"  -> 0x3302ce67
      0x67, 0xCE, 0x02, 0x33};

  CHECK(encode_net(p) == vec(want));
  Packet d{};
  REQUIRE(decode_net(dl::cfg::kCna16, want, d));
  REQUIRE(d.header_count == 3);
  CHECK(std::get<tp::Ctph>(d.headers[1]) == tp::Ctph{tp::ctp_opcode::kCnp, 3, 0});
  CHECK(std::get<tp::CnpCetph>(d.headers[2]) == cnp);
  CHECK(d.pad_bytes == 3);
  CHECK(d.icrc == 0x3302CE67U);
}

TEST_CASE("CFG 9 store laid out by hand: no TPH, no padding, no ICRC",
          "[packet][spec:App.B.2.6][spec:§7.2.3]") {
  std::array<Byte, 64> data{};
  for (std::size_t i = 0; i < data.size(); ++i) {
    data[i] = static_cast<Byte>(i);
  }
  Packet p{};
  p.lph.cfg = dl::cfg::kLoadStore;
  nl::NthCna16 n{};
  n.scna = 0x0011;
  n.dcna = 0x0022;
  n.cci = 0x0504;
  n.lbf = 0x3C;
  n.sl = 2;
  ta::BtahCompact b{};
  b.ta_opcode = static_cast<std::uint8_t>(ta::TaOpcode::Write);
  b.ini_tassn = 1;
  ta::MaetahCompact m{};
  m.address_63_6 = 0x0000001234567840ULL >> 6;
  m.so = true;
  m.length = 0; // 64 bytes
  m.token_id = 0x00ABC;
  REQUIRE(p.push(n));
  REQUIRE(p.push(b));
  REQUIRE(p.push(m));
  p.payload = data;

  std::vector<Byte> want{
      // NTH_CNA16: as above, byte 7 = SL 0010 | Mgmt 0 | NLP 000 (TAH) = 0x20.
      0x00, 0x11, 0x00, 0x22, 0x05, 0x04, 0x3C, 0x20,
      // BTAH_COMPACT (Fig. 7-2): TAOpcode 0x03 (Write); byte 1 = TAver 00 | EE_bits 01 | TV_EN 0
      // | Poison 0 | Target_Hint 0 | UD_Flag 0 = 0x10; INI_TASSN 0x0001.
      0x03, 0x10, 0x00, 0x01,
      // MAETAH_COMPACT (Fig. 7-7): Address[63:6] of 0x1234567840 in bits 63:6, Affinity_hint 00,
      // SO 1, Length 000 -> 0x0000001234567840 | 0x08; then RSVD 12 | TokenID 0x00ABC.
      0x00, 0x00, 0x00, 0x12, 0x34, 0x56, 0x78, 0x48, 0x00, 0x00, 0x0A, 0xBC};
  std::copy(data.begin(), data.end(), std::back_inserter(want)); // the payload, as is
  REQUIRE(want.size() == 88);

  CHECK(encode_net(p) == want);
  Packet d{};
  REQUIRE(decode_net(dl::cfg::kLoadStore, want, d));
  REQUIRE(d.header_count == 3);
  CHECK(std::get<ta::BtahCompact>(d.headers[1]) == b);
  CHECK(std::get<ta::MaetahCompact>(d.headers[2]) == m);
  CHECK(std::get<ta::MaetahCompact>(d.headers[2]).address() == 0x1234567840ULL);
  CHECK(vec(d.payload) == vec(data));
  CHECK_FALSE(d.has_icrc);
  CHECK(d.pad_bytes == 0);
}

// ---------------------------------------------------------------------------------------------
// Grammar errors on decode.
// ---------------------------------------------------------------------------------------------

TEST_CASE("CFG 9 refuses NTH NLP 1 and Mgmt 1", "[packet][spec:§5.2.1][spec:App.B.2.6]") {
  const Packet store = sample("cfg9-store");
  const auto good = encode_net(store);
  SECTION("NLP 1 on decode") {
    auto net = good;
    net[7] = static_cast<Byte>((net[7] & 0xF8) | nl::nlp::kUpih16);
    Packet d{};
    UB_CHECK_PKT_ERROR(decode_net(dl::cfg::kLoadStore, net, d), Errc::NotAllowed, "NTH_CNA16",
                       "NLP", 7);
  }
  SECTION("Mgmt 1 on decode") {
    auto net = good;
    net[7] = static_cast<Byte>(net[7] | 0x08);
    Packet d{};
    UB_CHECK_PKT_ERROR(decode_net(dl::cfg::kLoadStore, net, d), Errc::NotAllowed, "NTH_CNA16",
                       "Mgmt", 7);
  }
  SECTION("the same on encode") {
    Packet p = store;
    std::get<nl::NthCna16>(p.headers[0]).nlp = nl::nlp::kUpih16;
    UB_CHECK_PKT_ERROR(try_encode(p), Errc::NotAllowed, "NTH_CNA16", "NLP", 7);
    p = store;
    std::get<nl::NthCna16>(p.headers[0]).mgmt = true;
    UB_CHECK_PKT_ERROR(try_encode(p), Errc::NotAllowed, "NTH_CNA16", "Mgmt", 7);
  }
  SECTION("but CFG 6 takes Mgmt 1") {
    Packet d{};
    REQUIRE(decode_net(dl::cfg::kCna16, encode_net(sample("cfg6-mgmt")), d));
    CHECK(std::get<nl::NthCna16>(d.headers[0]).mgmt);
  }
}

TEST_CASE("CFG 3 carries IPv4 and CFG 4 IPv6", "[packet][spec:§5.2.3]") {
  const auto v6 = encode_net(sample("cfg4-utp-send"));
  const auto v4 = encode_net(sample("cfg3-rtp-write"));
  Packet d{};
  UB_CHECK_PKT_ERROR(decode_net(dl::cfg::kIpv4, v6, d), Errc::NotAllowed, "NTH_IP", "Version", 6);
  UB_CHECK_PKT_ERROR(decode_net(dl::cfg::kIpv6, v4, d), Errc::NotAllowed, "NTH_IP", "Version", 6);
  Packet p = sample("cfg4-utp-send");
  p.lph.cfg = dl::cfg::kIpv4;
  UB_CHECK_PKT_ERROR(try_encode(p), Errc::NotAllowed, "NTH_IP", "Version", 6);
  Packet q = sample("cfg3-rtp-write");
  q.lph.cfg = dl::cfg::kIpv6;
  UB_CHECK_PKT_ERROR(try_encode(q), Errc::NotAllowed, "NTH_IP", "Version", 6);
}

TEST_CASE("BTAH MT_EN must match the opcode", "[packet][ta][spec:§7.2.4][spec:§7.2.1]") {
  // MT_EN is BTAH bit 36: byte 4 bit 3.
  constexpr std::size_t kMtEn = kTah7 + 4;
  SECTION("Send with MT_EN 0") {
    auto net = encode_net(sample("cfg7-rtp-send"));
    REQUIRE((net[kMtEn] & 0x08) != 0);
    net[kMtEn] = static_cast<Byte>(net[kMtEn] & ~0x08);
    Packet d{};
    UB_CHECK_PKT_ERROR(decode_net(dl::cfg::kCna24, net, d), Errc::NotAllowed, "BTAH", "MT_EN",
                       kMtEn);
    Packet p = sample("cfg7-rtp-send");
    std::get<ta::Btah>(p.headers[2]).mt_en = false;
    UB_CHECK_PKT_ERROR(try_encode(p), Errc::NotAllowed, "BTAH", "MT_EN", kMtEn);
  }
  SECTION("Write with MT_EN 1") {
    auto net = encode_net(sample("cfg7-rtp-write"));
    net[kMtEn] = static_cast<Byte>(net[kMtEn] | 0x08);
    Packet d{};
    UB_CHECK_PKT_ERROR(decode_net(dl::cfg::kCna24, net, d), Errc::NotAllowed, "BTAH", "MT_EN",
                       kMtEn);
    Packet p = sample("cfg7-rtp-write");
    std::get<ta::Btah>(p.headers[2]).mt_en = true;
    UB_CHECK_PKT_ERROR(try_encode(p), Errc::NotAllowed, "BTAH", "MT_EN", kMtEn);
  }
}

TEST_CASE("TV_EN is refused on Management and Prefetch_tgt", "[packet][ta][spec:§7.2.1]") {
  // TV_EN is BTAH bit 12: byte 1 bit 3.
  for (const std::string_view name : {"cfg7-rtp-management", "cfg7-rtp-prefetch"}) {
    INFO(name);
    auto net = encode_net(sample(name));
    net[kTah7 + 1] = static_cast<Byte>(net[kTah7 + 1] | 0x08);
    Packet d{};
    UB_CHECK_PKT_ERROR(decode_net(dl::cfg::kCna24, net, d), Errc::NotAllowed, "BTAH", "TV_EN",
                       kTah7 + 1);
    Packet p = sample(name);
    std::get<ta::Btah>(p.headers[2]).tv_en = true;
    UB_CHECK_PKT_ERROR(try_encode(p), Errc::NotAllowed, "BTAH", "TV_EN", kTah7 + 1);
  }
  SECTION("compact Prefetch_tgt in CFG 9") {
    auto net = encode_net(sample("cfg9-prefetch"));
    net[9] = static_cast<Byte>(net[9] | 0x08);
    Packet d{};
    UB_CHECK_PKT_ERROR(decode_net(dl::cfg::kLoadStore, net, d), Errc::NotAllowed, "BTAH_COMPACT",
                       "TV_EN", 9);
  }
  SECTION("but a Write takes a token") {
    Packet d{};
    REQUIRE(decode_net(dl::cfg::kIpv4, encode_net(sample("cfg3-rtp-write")), d));
    CHECK(d.find<ta::Tvetah>() != nullptr);
  }
}

TEST_CASE("TPH NLP 3 (CIPH) is not modelled", "[packet][tp][spec:§6.2.1][spec:§11.5.2.3]") {
  SECTION("RTPH") {
    auto net = encode_net(sample("cfg7-rtp-write"));
    net[kNth24 + 1] = static_cast<Byte>((net[kNth24 + 1] & 0xF0) | tp::tph_nlp::kCiph);
    Packet d{};
    UB_CHECK_PKT_ERROR(decode_net(dl::cfg::kCna24, net, d), Errc::NotModelled, "RTPH", "NLP",
                       kNth24 + 1);
    Packet p = sample("cfg7-rtp-write");
    std::get<tp::Rtph>(p.headers[1]).nlp = tp::tph_nlp::kCiph;
    UB_CHECK_PKT_ERROR(try_encode(p), Errc::NotModelled, "RTPH", "NLP", kNth24 + 1);
  }
  SECTION("UTPH") {
    constexpr std::size_t kUtph = 6 + 40 + 8;
    auto net = encode_net(sample("cfg4-utp-send"));
    net[kUtph + 1] = static_cast<Byte>((net[kUtph + 1] & 0xF0) | tp::tph_nlp::kCiph);
    Packet d{};
    UB_CHECK_PKT_ERROR(decode_net(dl::cfg::kIpv6, net, d), Errc::NotModelled, "UTPH", "NLP",
                       kUtph + 1);
  }
  SECTION("CTPH") {
    auto net = encode_net(sample("cfg7-ctp-write"));
    net[kNth24] = static_cast<Byte>((net[kNth24] & 0xF0) | tp::ctph_nlp::kCiph);
    Packet d{};
    UB_CHECK_PKT_ERROR(decode_net(dl::cfg::kCna24, net, d), Errc::NotModelled, "CTPH", "NLP",
                       kNth24);
    Packet p = sample("cfg6-ctp-write");
    std::get<tp::Ctph>(p.headers[1]).nlp = tp::ctph_nlp::kCiph;
    UB_CHECK_PKT_ERROR(try_encode(p), Errc::NotModelled, "CTPH", "NLP", 8);
  }
}

TEST_CASE("BEETAH width must follow MAETAH.Length on encode", "[packet][ta][spec:§7.2.10]") {
  SECTION("full form: Length 64 needs 64 bits") {
    Packet p = sample("cfg7-rtp-write-be");
    const auto at = offset_of(p, *index_of<ta::Beetah>(p));
    REQUIRE(at == kTah7 + 8 + 16);
    std::get<ta::Beetah>(p.headers[*index_of<ta::Beetah>(p)]).width_bits = 128;
    UB_CHECK_PKT_ERROR(try_encode(p), Errc::NotAllowed, "BEETAH", "BE", at);
  }
  SECTION("full form: Length 128 refuses 64 bits") {
    Packet p = sample("cfg7-rtp-writeback-be");
    const auto i = *index_of<ta::Beetah>(p);
    auto& be = std::get<ta::Beetah>(p.headers[i]);
    be.width_bits = 64;
    for (std::size_t k = 8; k < be.be.size(); ++k) {
      be.be[k] = 0; // a valid 64-bit BEETAH, just the wrong width for this MAETAH
    }
    UB_CHECK_PKT_ERROR(try_encode(p), Errc::NotAllowed, "BEETAH", "BE", offset_of(p, i));
  }
  SECTION("compact form: Length code 0 is 64 bits") {
    Packet p = sample("cfg9-write-be");
    const auto i = *index_of<ta::Beetah>(p);
    REQUIRE(offset_of(p, i) == 8 + 4 + 12);
    std::get<ta::Beetah>(p.headers[i]).width_bits = 256;
    UB_CHECK_PKT_ERROR(try_encode(p), Errc::NotAllowed, "BEETAH", "BE", 24);
  }
}

TEST_CASE("TAH forms carry only their own opcodes", "[packet][ta][spec:§7.2.1][spec:§7.2.2]") {
  SECTION("a response opcode in the BTAH position") {
    Packet p = sample("cfg7-rtp-taack");
    ta::Btah b{};
    b.ta_opcode = static_cast<std::uint8_t>(ta::TaOpcode::TransactionAck);
    p.headers[2] = b;
    UB_CHECK_PKT_ERROR(try_encode(p), Errc::NotAllowed, "BTAH", "TAOpcode", kTah7);
  }
  SECTION("a request opcode in the ATAH position") {
    Packet p = sample("cfg7-rtp-taack");
    std::get<ta::Atah>(p.headers[2]).ta_opcode = static_cast<std::uint8_t>(ta::TaOpcode::Write);
    UB_CHECK_PKT_ERROR(try_encode(p), Errc::NotAllowed, "ATAH", "TAOpcode", kTah7);
  }
  SECTION("compact forms") {
    Packet p = sample("cfg9-store-ack");
    std::get<ta::AtahCompact>(p.headers[1]).ta_opcode = 0x03;
    UB_CHECK_PKT_ERROR(try_encode(p), Errc::NotAllowed, "ATAH_COMPACT", "TAOpcode", 8);
    Packet q = sample("cfg9-store");
    std::get<ta::BtahCompact>(q.headers[1]).ta_opcode = 0x12;
    q.payload = {};
    UB_CHECK_PKT_ERROR(try_encode(q), Errc::NotAllowed, "BTAH_COMPACT", "TAOpcode", 8);
  }
  SECTION("an opcode CFG 9 does not carry (Send) in a compact BTAH, on decode") {
    auto net = encode_net(sample("cfg9-store"));
    net[8] = static_cast<Byte>(ta::TaOpcode::Send);
    Packet d{};
    UB_CHECK_PKT_ERROR(decode_net(dl::cfg::kLoadStore, net, d), Errc::NotAllowed, "BTAH_COMPACT",
                       "TAOpcode", 8);
  }
  SECTION("a reserved opcode on decode") {
    auto net = encode_net(sample("cfg7-rtp-write"));
    net[kTah7] = 0x02;
    Packet d{};
    UB_CHECK_PKT_ERROR(decode_net(dl::cfg::kCna24, net, d), Errc::ReservedValue, "BTAH", "TAOpcode",
                       kTah7);
  }
}

TEST_CASE("payload rules of the transaction shapes",
          "[packet][ta][spec:§7.2.1][spec:§7.4.2.3][spec:App.B.2.6]") {
  const auto four = pool().first(4);
  SECTION("Read carries no payload") {
    Packet p = sample("cfg7-rtp-read");
    constexpr std::size_t kAt = kTah7 + 8 + 4 + 4 + 16; // BTAH TAIDETAH OFSTETAH MAETAH
    p.payload = four;
    UB_CHECK_PKT_ERROR(try_encode(p), Errc::LengthMismatch, "BTAH", "TAOpcode", kAt);
    Packet d{};
    UB_CHECK_PKT_ERROR(decode_net(dl::cfg::kCna24, raw_with_payload(p, four), d),
                       Errc::LengthMismatch, "BTAH", "TAOpcode", kAt);
  }
  SECTION("Prefetch_tgt carries no payload") {
    Packet p = sample("cfg7-rtp-prefetch");
    constexpr std::size_t kAt = kTah7 + 8 + 16;
    p.payload = four;
    UB_CHECK_PKT_ERROR(try_encode(p), Errc::LengthMismatch, "BTAH", "TAOpcode", kAt);
    Packet d{};
    UB_CHECK_PKT_ERROR(decode_net(dl::cfg::kCna24, raw_with_payload(p, four), d),
                       Errc::LengthMismatch, "BTAH", "TAOpcode", kAt);
  }
  SECTION("compact Read (CFG 9 load) carries no payload") {
    Packet p = sample("cfg9-load");
    p.payload = pool().first(64);
    UB_CHECK_PKT_ERROR(try_encode(p), Errc::LengthMismatch, "BTAH_COMPACT", "TAOpcode", 24);
    Packet d{};
    UB_CHECK_PKT_ERROR(decode_net(dl::cfg::kLoadStore, raw_with_payload(p, pool().first(64)), d),
                       Errc::LengthMismatch, "BTAH_COMPACT", "TAOpcode", 24);
  }
  SECTION("Transaction_ACK carries no payload") {
    Packet p = sample("cfg7-rtp-taack");
    p.payload = four;
    UB_CHECK_ERROR(try_encode(p), Errc::LengthMismatch, "TAOpcode", kTah7 + 8);
    Packet d{};
    UB_CHECK_ERROR(decode_net(dl::cfg::kCna24, raw_with_payload(p, four), d), Errc::LengthMismatch,
                   "TAOpcode", kTah7 + 8);
  }
  SECTION("atomic payload is Operand1 | Operand2, 2 x Length") {
    Packet p = sample("cfg7-rtp-atomic-cas");
    constexpr std::size_t kMae = kTah7 + 8 + 4;
    constexpr std::size_t kAt = kMae + 16;
    p.payload = pool().first(8);
    UB_CHECK_PKT_ERROR(try_encode(p), Errc::LengthMismatch, "MAETAH", "Length", kAt);
    p.payload = pool().first(24);
    UB_CHECK_PKT_ERROR(try_encode(p), Errc::LengthMismatch, "MAETAH", "Length", kAt);
    // Decode: Length 8 -> 4 in the bytes of a good packet (16-byte payload).
    auto net = encode_net(sample("cfg7-rtp-atomic-cas"));
    REQUIRE(net[kMae + 15] == 8);
    net[kMae + 15] = 4;
    Packet d{};
    UB_CHECK_PKT_ERROR(decode_net(dl::cfg::kCna24, net, d), Errc::LengthMismatch, "MAETAH",
                       "Length", kAt);
  }
  SECTION("atomic Length is a power of two up to 64") {
    constexpr std::size_t kMae = kTah7 + 8 + 4;
    constexpr std::size_t kAt = kMae + 16;
    for (const std::uint32_t len : {0U, 3U, 12U, 48U, 128U}) {
      INFO("Length " << len);
      Packet p = sample("cfg7-rtp-atomic-fetch-add");
      auto& m = std::get<ta::Maetah>(p.headers[4]);
      m.length = len;
      m.address = 0x60000;
      p.payload = pool().first(2 * std::size_t{len});
      UB_CHECK_PKT_ERROR(try_encode(p), Errc::LengthMismatch, "MAETAH", "Length", kAt);
    }
    for (const std::uint32_t len : {1U, 2U, 4U, 16U, 32U, 64U}) {
      INFO("Length " << len);
      Packet p = sample("cfg7-rtp-atomic-fetch-add");
      auto& m = std::get<ta::Maetah>(p.headers[4]);
      m.length = len;
      m.address = 0x60000;
      p.payload = pool().first(2 * std::size_t{len});
      CHECK(try_encode(p));
    }
    auto net = encode_net(sample("cfg7-rtp-atomic-fetch-add"));
    net[kMae + 15] = 12;
    Packet d{};
    UB_CHECK_PKT_ERROR(decode_net(dl::cfg::kCna24, net, d), Errc::LengthMismatch, "MAETAH",
                       "Length", kAt);
  }
  SECTION("atomic address aligned to the operand size") {
    constexpr std::size_t kMae = kTah7 + 8 + 4;
    Packet p = sample("cfg7-rtp-atomic-swap");
    std::get<ta::Maetah>(p.headers[4]).address = 0x60004; // Length 8
    UB_CHECK_PKT_ERROR(try_encode(p), Errc::NotAllowed, "MAETAH", "Address", kMae);
    auto net = encode_net(sample("cfg7-rtp-atomic-swap"));
    REQUIRE(net[kMae + 7] == 0x08);
    net[kMae + 7] = 0x0C;
    Packet d{};
    UB_CHECK_PKT_ERROR(decode_net(dl::cfg::kCna24, net, d), Errc::NotAllowed, "MAETAH", "Address",
                       kMae);
  }
  SECTION("CFG 9 atomic needs Length code 0 (ambiguity A13)") {
    Packet p = sample("cfg9-atomic-fetch-add");
    constexpr std::size_t kAt = 8 + 4 + 12 + 4; // NTH BTAH_COMPACT MAETAH_COMPACT TVETAH
    std::get<ta::MaetahCompact>(p.headers[2]).length = 1;
    std::get<ta::MaetahCompact>(p.headers[2]).address_63_6 = 0x100000 >> 6;
    p.payload = pool().first(256);
    UB_CHECK_PKT_ERROR(try_encode(p), Errc::LengthMismatch, "MAETAH_COMPACT", "Length", kAt);
    auto net = encode_net(sample("cfg9-atomic-fetch-add"));
    net[8 + 4 + 7] = static_cast<Byte>((net[8 + 4 + 7] & 0xF8) | 1);
    Packet d{};
    UB_CHECK_PKT_ERROR(decode_net(dl::cfg::kLoadStore, net, d), Errc::LengthMismatch,
                       "MAETAH_COMPACT", "Length", kAt);
  }
  SECTION("CFG 9 Write carries exactly 64 B x 2^Length") {
    constexpr std::size_t kAt = 8 + 4 + 12;
    Packet p = sample("cfg9-store");
    p.payload = pool().first(32);
    UB_CHECK_PKT_ERROR(try_encode(p), Errc::LengthMismatch, "MAETAH_COMPACT", "Length", kAt);
    p.payload = pool().first(128);
    UB_CHECK_PKT_ERROR(try_encode(p), Errc::LengthMismatch, "MAETAH_COMPACT", "Length", kAt);
    std::get<ta::MaetahCompact>(p.headers[2]).length = 1;
    CHECK(try_encode(p)); // 128 bytes with Length code 1
    auto net = encode_net(sample("cfg9-store"));
    net[8 + 4 + 7] = static_cast<Byte>((net[8 + 4 + 7] & 0xF8) | 1);
    Packet d{};
    UB_CHECK_PKT_ERROR(decode_net(dl::cfg::kLoadStore, net, d), Errc::LengthMismatch,
                       "MAETAH_COMPACT", "Length", kAt);
  }
  SECTION("MGMTETAH PDU_Length must match the PDU on decode") {
    constexpr std::size_t kMgmt = kTah7 + 8;
    auto net = encode_net(sample("cfg7-rtp-management"));
    REQUIRE(net[kMgmt + 3] == 8);
    net[kMgmt + 3] = 9;
    Packet d{};
    UB_CHECK_PKT_ERROR(decode_net(dl::cfg::kCna24, net, d), Errc::LengthMismatch, "MGMTETAH",
                       "PDU_Length", kMgmt + 4);
  }
  SECTION("a management PDU is at most 1024 bytes") {
    Packet p = sample("cfg7-rtp-management");
    p.payload = pool().first(1024);
    CHECK(try_encode(p));
    p.payload = pool().first(1025);
    UB_CHECK_PKT_ERROR(try_encode(p), Errc::ReservedValue, "MGMTETAH", "PDU_Length", kTah7 + 8 + 2);
    p.payload = pool().first(4096);
    CHECK_FALSE(try_encode(p));
  }
  SECTION("TP ACKs and CNPs carry no payload") {
    Packet p = sample("cfg7-tpack");
    p.payload = four;
    UB_CHECK_PKT_ERROR(try_encode(p), Errc::LengthMismatch, "RTPH", "", kTah7);
    Packet d{};
    UB_CHECK_PKT_ERROR(decode_net(dl::cfg::kCna24, raw_with_payload(p, four), d),
                       Errc::LengthMismatch, "RTPH", "", kTah7);
    Packet c = sample("cfg6-ctp-cnp");
    c.payload = four;
    UB_CHECK_PKT_ERROR(try_encode(c), Errc::LengthMismatch, "CTPH", "", 8 + 1 + 16);
    UB_CHECK_PKT_ERROR(decode_net(dl::cfg::kCna16, raw_with_payload(c, four), d),
                       Errc::LengthMismatch, "CTPH", "", 8 + 1 + 16);
  }
}

// Bug: for a Transaction_ACK (and a compact one) the payload error names "BTAH" /
// "BTAH_COMPACT", a header the packet does not contain; the opcode sits in an ATAH.
TEST_CASE("a Transaction_ACK payload error names the ATAH", "[packet][ta][spec:§7.2.2]") {
  const auto four = pool().first(4);
  Packet p = sample("cfg7-rtp-taack");
  p.payload = four;
  UB_CHECK_PKT_ERROR(try_encode(p), Errc::LengthMismatch, "ATAH", "TAOpcode", kTah7 + 8);
  Packet q = sample("cfg9-store-ack");
  q.payload = pool().first(64);
  UB_CHECK_PKT_ERROR(try_encode(q), Errc::LengthMismatch, "ATAH_COMPACT", "TAOpcode", 12);
  // The same for a compact Atomic_response whose payload is too long: "ATAH" is reported.
  Packet r = sample("cfg9-atomic-response-denied");
  r.payload = pool().first(128);
  UB_CHECK_PKT_ERROR(try_encode(r), Errc::LengthMismatch, "ATAH_COMPACT", "TAOpcode", 12);
}

// Spec gap: App. B (layouts digest §4, confidence H) says CFG 7 uses the 32-bit UPI and 128-bit
// EIDs (CTPH NLP 1), and CFG 6 the 16-bit UPI and 20-bit EIDs (CTPH NLP 2). The grammar
// accepts either form in either CFG.
TEST_CASE("CFG 7 CTP refuses UPIH16 + EIDH40 and CFG 6 refuses UPIH32 + EIDH256",
          "[packet][nl][spec:App.B]") {
  SECTION("CFG 7") {
    Packet p7 = sample("cfg7-ctp-write");
    std::get<tp::Ctph>(p7.headers[1]).nlp = tp::ctph_nlp::kUpi16Eid40;
    p7.headers[2] = nl::Upih16{0, 0x0123};
    p7.headers[3] = nl::Eidh40{0x00011, 0x00022};
    UB_CHECK_PKT_ERROR(try_encode(p7), Errc::NotAllowed, "CTPH", "NLP", kNth24);
  }
  SECTION("CFG 6") {
    Packet p6 = sample("cfg6-ctp-write");
    std::get<tp::Ctph>(p6.headers[1]).nlp = tp::ctph_nlp::kUpi32Eid256;
    p6.headers[2] = nl::Upih32{0, 0x000123};
    p6.headers[3] = nl::Eidh256{};
    UB_CHECK_PKT_ERROR(try_encode(p6), Errc::NotAllowed, "CTPH", "NLP", 8);
  }
}

TEST_CASE("TPH Padding must make NTH..payload+pad a multiple of 4", "[packet][tp][spec:§6.2.1]") {
  const auto good = encode_net(sample("cfg7-tpack")); // 26 header bytes, 2 pad, ICRC
  REQUIRE(good.size() == 32);
  Packet d{};
  SECTION("one pad byte missing") {
    auto net = good;
    net.erase(net.begin() + 27);
    UB_CHECK_PKT_ERROR(decode_net(dl::cfg::kCna24, net, d), Errc::LengthMismatch, "TPH", "Padding",
                       27);
  }
  SECTION("one byte too many") {
    auto net = good;
    net.insert(net.begin() + 27, Byte{0});
    UB_CHECK_PKT_ERROR(decode_net(dl::cfg::kCna24, net, d), Errc::LengthMismatch, "TPH", "Padding",
                       29);
  }
  SECTION("Padding larger than the bytes after the headers") {
    auto net = good;
    net[kNth24 + 1] = static_cast<Byte>(net[kNth24 + 1] | 0x30); // Padding 3
    UB_CHECK_PKT_ERROR(decode_net(dl::cfg::kCna24, net, d), Errc::LengthMismatch, "TPH", "Padding",
                       28);
  }
  SECTION("non-zero pad bytes decode but are not canonical") {
    auto net = good;
    net[26] = 0xAA;
    nl::store_icrc(net.data() + 28,
                   nl::compute_icrc(dl::cfg::kCna24, std::span<const Byte>(net).first(28)));
    REQUIRE(decode_net(dl::cfg::kCna24, net, d));
    CHECK_FALSE(d.canonical);
  }
}

TEST_CASE("IP and UDP lengths must count through the ICRC", "[packet][nl][spec:§5.2.3]") {
  Packet d{};
  SECTION("IPv4 Total_Length") {
    auto net = encode_net(sample("cfg3-rtp-write"));
    CHECK(be16_at(net, 8) == net.size() - 6);
    net[9] = static_cast<Byte>(net[9] + 1);
    UB_CHECK_PKT_ERROR(decode_net(dl::cfg::kIpv4, net, d), Errc::LengthMismatch, "NTH_IP",
                       "Total_Length", 8);
  }
  SECTION("IPv4 UDP_Length") {
    auto net = encode_net(sample("cfg3-rtp-write"));
    net[6 + 20 + 5] = static_cast<Byte>(net[6 + 20 + 5] - 4);
    UB_CHECK_PKT_ERROR(decode_net(dl::cfg::kIpv4, net, d), Errc::LengthMismatch, "NTH_IP",
                       "UDP_Length", 6 + 20 + 4);
  }
  SECTION("IPv6 Payload_Length") {
    auto net = encode_net(sample("cfg4-utp-send"));
    net[11] = static_cast<Byte>(net[11] + 4);
    UB_CHECK_PKT_ERROR(decode_net(dl::cfg::kIpv6, net, d), Errc::LengthMismatch, "NTH_IP",
                       "Payload_Length", 10);
  }
  SECTION("IPv6 UDP_Length") {
    auto net = encode_net(sample("cfg4-utp-send"));
    net[6 + 40 + 4] = static_cast<Byte>(net[6 + 40 + 4] + 1);
    UB_CHECK_PKT_ERROR(decode_net(dl::cfg::kIpv6, net, d), Errc::LengthMismatch, "NTH_IP",
                       "UDP_Length", 6 + 40 + 4);
  }
  SECTION("an opaque TCP/IP packet checks Total_Length too") {
    auto net = encode_net(sample("cfg3-tcpip"));
    CHECK(be16_at(net, 8) == net.size() - 6);
    net[9] = static_cast<Byte>(net[9] ^ 0x10);
    UB_CHECK_PKT_ERROR(decode_net(dl::cfg::kIpv4, net, d), Errc::LengthMismatch, "NTH_IP",
                       "Total_Length", 8);
  }
}

TEST_CASE("a packet that ends before its ICRC is truncated", "[packet][nl][spec:§5.3.7]") {
  const auto net = encode_net(sample("cfg7-tpack"));
  Packet d{};
  for (const std::size_t n : {std::size_t{26}, std::size_t{28}, std::size_t{29}}) {
    INFO("length " << n);
    UB_CHECK_PKT_ERROR(decode_net(dl::cfg::kCna24, std::span<const Byte>(net).first(n), d),
                       Errc::Truncated, "ICRC", "", n);
  }
  SECTION("and one that ends inside a header names that header") {
    UB_CHECK_PKT_ERROR(decode_net(dl::cfg::kCna24, std::span<const Byte>(net).first(20), d),
                       Errc::Truncated, "RTPH", "", 20);
    UB_CHECK_PKT_ERROR(decode_net(dl::cfg::kCna24, std::span<const Byte>(net).first(5), d),
                       Errc::Truncated, "NTH_CNA24", "", 5);
  }
}

TEST_CASE("ICRC mismatch is reported at the ICRC", "[packet][nl][icrc][spec:§5.3.7]") {
  SECTION("a covered byte of a CNA packet (the PSN)") {
    auto net = encode_net(sample("cfg7-tpack"));
    net[kNth24 + 11] = static_cast<Byte>(net[kNth24 + 11] ^ 0x01);
    Packet d{};
    const auto st = decode_net(dl::cfg::kCna24, net, d);
    UB_CHECK_PKT_ERROR(st, Errc::IcrcMismatch, "ICRC", "", 28);
    CHECK(st.error().has_value);
    CHECK(st.error().value == nl::load_icrc(net.data() + 28));
  }
  SECTION("SL is covered: rewriting it is not ICRC-safe") {
    auto net = encode_net(sample("cfg7-tpack"));
    net[9] = static_cast<Byte>(net[9] ^ 0x30);
    Packet d{};
    UB_CHECK_PKT_ERROR(decode_net(dl::cfg::kCna24, net, d), Errc::IcrcMismatch, "ICRC", "", 28);
  }
  SECTION("a payload byte of an IPv4 packet") {
    auto net = encode_net(sample("cfg3-rtp-write"));
    net[net.size() - 10] = static_cast<Byte>(net[net.size() - 10] ^ 0x80);
    Packet d{};
    UB_CHECK_PKT_ERROR(decode_net(dl::cfg::kIpv4, net, d), Errc::IcrcMismatch, "ICRC", "",
                       net.size() - 4);
  }
  SECTION("the ICRC itself") {
    auto net = encode_net(sample("cfg6-ctp-write"));
    net[net.size() - 1] = static_cast<Byte>(net[net.size() - 1] ^ 0x01);
    Packet d{};
    UB_CHECK_PKT_ERROR(decode_net(dl::cfg::kCna16, net, d), Errc::IcrcMismatch, "ICRC", "",
                       net.size() - 4);
  }
}

TEST_CASE("fields a switch may rewrite are masked from the ICRC",
          "[packet][nl][icrc][spec:§5.3.7]") {
  struct Row {
    std::string_view sample;
    std::uint8_t cfg;
    std::vector<std::size_t> masked; // net offsets
    std::string_view what;
  };
  const std::vector<Row> rows{
      {"cfg7-tpack", dl::cfg::kCna24, {6, 7, 8}, "NTH_CNA24 CCI and LBF"},
      {"cfg6-ctp-write", dl::cfg::kCna16, {4, 5, 6}, "NTH_CNA16 CCI and LBF"},
      {"cfg3-rtp-write",
       dl::cfg::kIpv4,
       {0, 1, 2, 3, 4, 5, 6 + 1, 6 + 8, 6 + 10, 6 + 11, 26 + 6, 26 + 7},
       "UB prefix; IPv4 ToS, TTL, header checksum; UDP checksum"},
      {"cfg4-utp-send",
       dl::cfg::kIpv6,
       {0, 1, 5, 6 + 1, 6 + 2, 6 + 3, 6 + 7, 46 + 6, 46 + 7},
       "UB prefix; IPv6 traffic class, flow label, hop limit; UDP checksum"},
  };
  for (const auto& row : rows) {
    INFO(row.sample << ": " << row.what);
    const auto good = encode_net(sample(row.sample));
    for (const std::size_t at : row.masked) {
      INFO("net byte " << at);
      auto net = good;
      net[at] = static_cast<Byte>(net[at] ^ 0xFF);
      Packet d{};
      const auto st = decode_net(row.cfg, net, d);
      INFO(describe(st));
      CHECK(st);
    }
  }
  SECTION("IPv6 traffic class, high nibble in byte 0, but not the Version beside it") {
    const auto good = encode_net(sample("cfg4-utp-send"));
    auto net = good;
    net[6] = static_cast<Byte>(net[6] ^ 0x0F);
    Packet d{};
    CHECK(decode_net(dl::cfg::kIpv6, net, d));
  }
  SECTION("the bytes beside the masks are covered") {
    const auto good = encode_net(sample("cfg7-tpack"));
    for (const std::size_t at : {std::size_t{5}, std::size_t{9}}) {
      auto net = good;
      net[at] = static_cast<Byte>(net[at] ^ 0x10); // DCNA; SL (not NLP)
      Packet d{};
      UB_CHECK_PKT_ERROR(decode_net(dl::cfg::kCna24, net, d), Errc::IcrcMismatch, "ICRC", "", 28);
    }
  }
}

TEST_CASE("verify_icrc = false accepts a bad ICRC and still reports it",
          "[packet][nl][icrc][spec:§5.3.7]") {
  auto net = encode_net(sample("cfg7-tpack"));
  net[kNth24 + 11] = static_cast<Byte>(net[kNth24 + 11] ^ 0x01);
  DecodeOptions opts{};
  opts.verify_icrc = false;
  Packet d{};
  const auto st = decode_net(dl::cfg::kCna24, net, d, opts);
  INFO(describe(st));
  REQUIRE(st);
  CHECK(d.has_icrc);
  CHECK(d.icrc == nl::load_icrc(net.data() + 28));
  CHECK(d.icrc != nl::compute_icrc(dl::cfg::kCna24, std::span<const Byte>(net).first(28)));
  CHECK(std::get<tp::Rtph>(d.headers[1]).psn == (0x000123U ^ 0x01U));
  SECTION("grammar checks still apply") {
    net.erase(net.begin() + 27);
    UB_CHECK_PKT_ERROR(decode_net(dl::cfg::kCna24, net, d, opts), Errc::LengthMismatch, "TPH",
                       "Padding", 27);
  }
}

// ---------------------------------------------------------------------------------------------
// Encode-side grammar errors.
// ---------------------------------------------------------------------------------------------

TEST_CASE("encode checks the header list against the App. B grammar", "[packet][spec:App.B]") {
  const Packet write = sample("cfg7-rtp-write"); // NTH_CNA24 RTPH BTAH MAETAH
  REQUIRE(write.header_count == 4);
  SECTION("wrong order") {
    Packet p = write;
    std::swap(p.headers[2], p.headers[3]);
    UB_CHECK_PKT_ERROR(try_encode(p), Errc::NotAllowed, "MAETAH", "", kTah7);
  }
  SECTION("the list ends early") {
    Packet p = write;
    p.header_count = 3;
    UB_CHECK_PKT_ERROR(try_encode(p), Errc::NotAllowed, "MAETAH", "", kTah7 + 8);
    p.header_count = 1;
    UB_CHECK_PKT_ERROR(try_encode(p), Errc::NotAllowed, "RTPH or UTPH", "", kNth24);
    p.header_count = 0;
    UB_CHECK_PKT_ERROR(try_encode(p), Errc::NotAllowed, "NTH_CNA24", "", 0);
  }
  SECTION("an extra header") {
    Packet p = write;
    REQUIRE(p.push(ta::Tvetah{1}));
    UB_CHECK_PKT_ERROR(try_encode(p), Errc::NotAllowed, "TVETAH", "", kTah7 + 8 + 16);
  }
  SECTION("the NTH of another CFG") {
    Packet p = write;
    p.lph.cfg = dl::cfg::kCna16;
    UB_CHECK_PKT_ERROR(try_encode(p), Errc::NotAllowed, "NTH_CNA24", "", 0);
  }
  SECTION("a CFG that is not a DLLDP") {
    Packet p = write;
    p.lph.cfg = 2;
    UB_CHECK_PKT_ERROR(try_encode(p), Errc::ReservedValue, "LPH", "CFG", 1);
  }
  SECTION("omit_icrc outside an enumeration packet") {
    Packet p = write;
    p.omit_icrc = true;
    UB_CHECK_PKT_ERROR(try_encode(p), Errc::NotAllowed, "ICRC", "", 0);
  }
  SECTION("BufferTooSmall") {
    const auto size = encode_net(write).size();
    std::vector<Byte> out(size - 1);
    auto r = encode_network(write, out);
    UB_CHECK_PKT_ERROR(r, Errc::BufferTooSmall, "packet", "", 0);
    CHECK(r.error().value == size);
    std::vector<Byte> exact(size);
    auto ok = encode_network(write, exact);
    REQUIRE(ok);
    CHECK(*ok == size);
    std::vector<Byte> none;
    UB_CHECK_PKT_ERROR(encode_network(write, none), Errc::BufferTooSmall, "packet", "", 0);
  }
  SECTION("BufferTooSmall when framing") {
    std::vector<Byte> scratch(kMaxNetBytes);
    std::vector<Byte> wire(kMaxWireBytes);
    auto n = encode_packet(write, wire, scratch);
    REQUIRE(n);
    std::vector<Byte> small(*n - 1);
    auto r = encode_packet(write, small, scratch);
    REQUIRE_FALSE(r);
    CHECK(r.error().code == Errc::BufferTooSmall);
  }
}

// Bug: encode runs the grammar before the header checks, so a reserved TAOpcode (which the
// grammar cannot expand) surfaces as "MAETAH not allowed here" instead of the ReservedValue on
// BTAH.TAOpcode that decode reports for the same packet.
TEST_CASE("encode reports a reserved TAOpcode as decode does", "[packet][ta][spec:§7.2.1]") {
  Packet p = sample("cfg7-rtp-write");
  std::get<ta::Btah>(p.headers[2]).ta_opcode = 0x02;
  UB_CHECK_PKT_ERROR(try_encode(p), Errc::ReservedValue, "BTAH", "TAOpcode", kTah7);
}

// ---------------------------------------------------------------------------------------------
// Derived fields.
// ---------------------------------------------------------------------------------------------

TEST_CASE("encode computes Padding, IP/UDP lengths and PDU_Length for every sample",
          "[packet][spec:§6.2.1][spec:§5.2.3][spec:§7.2.12]") {
  int with_tph = 0;
  int with_ip = 0;
  int with_mgmt = 0;
  for (const auto& s : packet_samples()) {
    INFO(s.name);
    const auto net = encode_net(s.packet);
    Packet d{};
    const auto st = decode_net(s.packet.lph.cfg, net, d);
    INFO(describe(st));
    REQUIRE(st);
    const std::size_t body = net.size() - (d.has_icrc ? 4U : 0U);
    if (const auto t = tph_of(d)) {
      ++with_tph;
      const unsigned from_bytes = (net[t->padding_byte] >> 4) & 0x3U;
      CHECK(from_bytes == t->padding);
      CHECK(t->padding <= 3);
      CHECK(t->padding == d.pad_bytes);
      CHECK(body % 4 == 0); // counted from NTH byte 0 = net byte 0
      CHECK(t->padding == (4 - (body - t->padding) % 4) % 4);
      for (std::size_t i = body - t->padding; i < body; ++i) {
        CHECK(net[i] == 0);
      }
    } else {
      CHECK(d.pad_bytes == 0);
    }
    if (const auto* ip = d.find<nl::NthIp>()) {
      ++with_ip;
      if (ip->ip_version == 4) {
        CHECK(be16_at(net, 6 + 2) == net.size() - 6);
      } else {
        CHECK(be16_at(net, 6 + 4) == net.size() - 6 - 40);
      }
      if (ip->has_udp()) {
        CHECK(be16_at(net, 6 + ip->ip_header_size() + 4) == net.size() - 6 - ip->ip_header_size());
      }
    }
    if (const auto i = index_of<ta::Mgmtetah>(d)) {
      ++with_mgmt;
      const std::size_t at = offset_of(d, *i);
      const unsigned pdu = ((net[at + 2] & 0x0FU) << 8) | net[at + 3];
      CHECK(pdu == d.payload.size());
      CHECK(pdu == s.packet.payload.size());
    }
  }
  CHECK(with_tph > 30);
  CHECK(with_ip == 3);
  CHECK(with_mgmt == 2);
}

TEST_CASE("encode overwrites wrong derived values", "[packet][spec:§6.2.1][spec:§5.2.3]") {
  int changed = 0;
  for (const auto& s : packet_samples()) {
    INFO(s.name);
    const auto want = encode_net(s.packet);
    Packet p = s.packet;
    bool touched = false;
    for (std::size_t i = 0; i < p.header_count; ++i) {
      Header& h = p.headers[i];
      if (auto* r = std::get_if<tp::Rtph>(&h)) {
        r->padding = static_cast<std::uint8_t>((r->padding + 1) % 4);
        touched = true;
      } else if (auto* u = std::get_if<tp::Utph>(&h)) {
        u->padding = 3;
        touched = true;
      } else if (auto* c = std::get_if<tp::Ctph>(&h)) {
        c->padding = static_cast<std::uint8_t>((c->padding + 2) % 4);
        touched = true;
      } else if (auto* ip = std::get_if<nl::NthIp>(&h)) {
        ip->v4.total_length = 1;
        ip->v6.payload_length = 0xFFFF;
        if (ip->has_udp()) {
          ip->udp.length = 2;
        }
        touched = true;
      } else if (auto* m = std::get_if<ta::Mgmtetah>(&h)) {
        m->pdu_length = 0xFFF;
        touched = true;
      }
    }
    if (touched) {
      ++changed;
      CHECK(encode_net(p) == want);
    }
  }
  CHECK(changed > 30);
}

// ---------------------------------------------------------------------------------------------
// Enumeration packets: the ICRC is optional.
// ---------------------------------------------------------------------------------------------

TEST_CASE("an enumeration packet may go without its ICRC", "[packet][mgmt][spec:§10.4.3.1]") {
  Packet p = sample("cfg6-enum");
  REQUIRE(is_enumeration(p));
  const auto with = encode_net(p);
  p.omit_icrc = true;
  const auto without = encode_net(p);
  REQUIRE(without.size() + 4 == with.size());
  CHECK(std::equal(without.begin(), without.end(), with.begin()));

  SECTION("decoded with enumeration_icrc = false, it re-encodes to the same bytes") {
    DecodeOptions opts{};
    opts.enumeration_icrc = false;
    Packet d{};
    REQUIRE(decode_net(dl::cfg::kCna16, without, d, opts));
    CHECK(d.omit_icrc);
    CHECK_FALSE(d.has_icrc);
    CHECK(d.payload.size() == p.payload.size());
    CHECK(encode_net(d) == without);
  }
  SECTION("with enumeration_icrc = true an ICRC-less packet fails") {
    Packet d{};
    // The last 4 payload bytes are taken for the ICRC.
    UB_CHECK_PKT_ERROR(decode_net(dl::cfg::kCna16, without, d), Errc::IcrcMismatch, "ICRC", "",
                       without.size() - 4);
  }
  SECTION("with its ICRC it decodes by default and keeps it on re-encode") {
    Packet d{};
    REQUIRE(decode_net(dl::cfg::kCna16, with, d));
    CHECK(d.has_icrc);
    CHECK_FALSE(d.omit_icrc);
    CHECK(encode_net(d) == with);
  }
  SECTION("and through the framing") {
    std::vector<Byte> wire(kMaxWireBytes);
    std::vector<Byte> scratch(kMaxNetBytes);
    auto n = encode_packet(p, wire, scratch);
    REQUIRE(n);
    wire.resize(*n);
    DecodeOptions opts{};
    opts.enumeration_icrc = false;
    Packet d{};
    REQUIRE(decode_packet(wire, opts, scratch, d));
    CHECK(d.omit_icrc);
    std::vector<Byte> again(kMaxWireBytes);
    std::vector<Byte> scratch2(kMaxNetBytes);
    auto m = encode_packet(d, again, scratch2);
    REQUIRE(m);
    again.resize(*m);
    CHECK(again == wire);
  }
}

// Bug: decode_network decides omit_icrc with is_enumeration(out), which reads out.lph, but
// decode_network never writes out.lph (only decode_packet does, before calling it). Called
// directly on a fresh Packet, it accepts an ICRC-less enumeration packet yet leaves omit_icrc
// false, so re-encoding the result appends an ICRC the input did not have.
TEST_CASE("decode_network alone sets omit_icrc for an ICRC-less enumeration packet",
          "[packet][mgmt][spec:§10.4.3.1]") {
  Packet p = sample("cfg6-enum");
  p.omit_icrc = true;
  const auto without = encode_net(p);
  dl::Lph l{};
  l.cfg = dl::cfg::kCna16;
  DecodeOptions opts{};
  opts.enumeration_icrc = false;
  Packet d{}; // fresh: d.lph.cfg is 0
  REQUIRE(decode_network(l, without, opts, d));
  CHECK_FALSE(d.has_icrc);
  CHECK(d.omit_icrc);
}

// ---------------------------------------------------------------------------------------------
// decode_packet reports wire offsets.
// ---------------------------------------------------------------------------------------------

TEST_CASE("decode_packet error offsets are wire offsets", "[packet][dl][spec:§4.3.2]") {
  const Packet p = sample("cfg7-rtp-virt-write"); // 1 KB payload: two blocks in every mode
  const auto good = encode_net(p);
  REQUIRE(good.size() == 1116);

  // Frames `net` behind p's LPH (fresh BCRCs) and decodes it.
  auto frame_and_decode = [&](const std::vector<Byte>& net, dl::BlockMode m,
                              std::vector<Byte>& wire) {
    wire.assign(kMaxWireBytes, 0);
    auto n = dl::encode_frame(p.lph, {}, false, net, m, wire);
    INFO(describe(n));
    REQUIRE(n);
    wire.resize(*n);
    DecodeOptions opts{};
    opts.mode = m;
    std::vector<Byte> scratch(kMaxNetBytes);
    Packet d{};
    return decode_packet(wire, opts, scratch, d);
  };

  for (const dl::BlockMode m : kModes) {
    INFO("mode " << dl::to_string(m));
    std::vector<Byte> wire;
    REQUIRE(frame_and_decode(good, m, wire));
    const auto flits = static_cast<unsigned>(wire.size() / dl::kFlitBytes);
    REQUIRE(flits > dl::kMaxBlockFlits);
    // The first block holds fewer payload bytes than the packet: part of it sits after an LBH.
    const std::size_t first_block_bytes = dl::prefix_capacity(dl::kMaxBlockFlits, flits, m);
    REQUIRE(first_block_bytes < good.size() - 4);

    {
      INFO("a header field in the first block: BTAH.TAOpcode after NTH RTPH UPIH32 EIDH256");
      constexpr std::size_t kBtah = kTah7 + 4 + 32;
      auto net = good;
      net[kBtah] = 0x16; // reserved
      const auto st = frame_and_decode(net, m, wire);
      REQUIRE_FALSE(st);
      CHECK(st.error().code == Errc::ReservedValue);
      CHECK(st.error().header == "BTAH");
      CHECK(st.error().field == "TAOpcode");
      CHECK(st.error().offset == dl::wire_offset(kBtah, flits, m));
      CHECK(st.error().offset == kBtah + 4);
      CHECK(wire[st.error().offset] == 0x16);
    }
    {
      INFO("the ICRC, in the second block");
      const std::size_t icrc_at = good.size() - 4;
      REQUIRE(icrc_at > first_block_bytes);
      auto net = good;
      net[icrc_at] = static_cast<Byte>(net[icrc_at] ^ 0x5A);
      const auto st = frame_and_decode(net, m, wire);
      REQUIRE_FALSE(st);
      CHECK(st.error().code == Errc::IcrcMismatch);
      CHECK(st.error().header == "ICRC");
      const std::size_t want = dl::wire_offset(icrc_at, flits, m);
      CHECK(st.error().offset == want);
      // Past the LPH, the first block's trailer and the second block's LBH.
      CHECK(want == icrc_at + 4 + dl::trailer_bytes(m) + 2);
      REQUIRE(st.error().offset < wire.size());
      CHECK(wire[st.error().offset] == net[icrc_at]); // the byte that was changed
    }
    {
      INFO("a payload byte in the second block breaks the ICRC");
      const std::size_t at = first_block_bytes + 10;
      auto net = good;
      net[at] = static_cast<Byte>(net[at] ^ 0x01);
      const auto st = frame_and_decode(net, m, wire);
      REQUIRE_FALSE(st);
      CHECK(st.error().code == Errc::IcrcMismatch);
      CHECK(st.error().offset == dl::wire_offset(good.size() - 4, flits, m));
      CHECK(wire[dl::wire_offset(at, flits, m)] == net[at]);
    }
    {
      INFO("Padding misalignment, in the second block");
      auto net = good;
      net.erase(net.end() - 5); // one pad byte fewer
      const auto st = frame_and_decode(net, m, wire);
      REQUIRE_FALSE(st);
      CHECK(st.error().code == Errc::LengthMismatch);
      CHECK(st.error().header == "TPH");
      CHECK(st.error().field == "Padding");
      const auto fl = static_cast<unsigned>(wire.size() / dl::kFlitBytes);
      CHECK(st.error().offset == dl::wire_offset(net.size() - 4, fl, m));
      CHECK(wire[st.error().offset] == net[net.size() - 4]); // first ICRC byte
    }
  }
}

// ---------------------------------------------------------------------------------------------
// CETPH form is negotiated, not on the wire.
// ---------------------------------------------------------------------------------------------

TEST_CASE("CETPH decodes in the negotiated form", "[packet][tp][spec:§6.2.2]") {
  Packet p = sample("cfg7-tpack-cc");
  tp::CetphCaqm caqm{};
  caqm.ack_seq = 0x01020304;
  caqm.loc = true;
  caqm.i = false;
  caqm.c = 0x05;
  caqm.hint = 0x0607;
  const auto i = *index_of<tp::CetphLdcp>(p);
  p.headers[i] = caqm;
  const auto net = encode_net(p);
  // CETPH_CAQM: Ack_Seq, then RSVD 000000 | Loc 1 | I 0 = 0x02, C 0x05, Hint 0x0607.
  const std::size_t at = kTah7;
  CHECK(vec(std::span<const Byte>(net).subspan(at, 8)) ==
        std::vector<Byte>{0x01, 0x02, 0x03, 0x04, 0x02, 0x05, 0x06, 0x07});

  SECTION("CAQM") {
    DecodeOptions opts{};
    opts.cetph = tp::CetphForm::Caqm;
    Packet d{};
    REQUIRE(decode_net(dl::cfg::kCna24, net, d, opts));
    REQUIRE(std::holds_alternative<tp::CetphCaqm>(d.headers[i]));
    CHECK(std::get<tp::CetphCaqm>(d.headers[i]) == caqm);
    CHECK(encode_net(d) == net);
  }
  SECTION("LDCP (the default)") {
    Packet d{};
    REQUIRE(decode_net(dl::cfg::kCna24, net, d));
    REQUIRE(std::holds_alternative<tp::CetphLdcp>(d.headers[i]));
    CHECK(std::get<tp::CetphLdcp>(d.headers[i]) == tp::CetphLdcp{0x01020304, 0x02050607});
    CHECK(encode_net(d) == net);
  }
  SECTION("TPSACK-CC too") {
    Packet s = sample("cfg7-tpsack-cc");
    const auto k = *index_of<tp::CetphLdcp>(s);
    s.headers[k] = caqm;
    DecodeOptions opts{};
    opts.cetph = tp::CetphForm::Caqm;
    Packet d{};
    REQUIRE(decode_net(dl::cfg::kCna24, encode_net(s), d, opts));
    CHECK(std::get<tp::CetphCaqm>(d.headers[k]) == caqm);
    CHECK(d.find<tp::Saetph>() != nullptr);
  }
}

// ---------------------------------------------------------------------------------------------
// Seeded random round trips.
// ---------------------------------------------------------------------------------------------

namespace {

std::optional<ta::TaShape> shape_of(const Packet& p, bool& compact) {
  auto shape = [](std::uint8_t op) -> std::optional<ta::TaShape> {
    if (const auto info = ta::ta_opcode_info(op)) {
      return info->shape;
    }
    return std::nullopt;
  };
  compact = false;
  if (const auto* b = p.find<ta::Btah>()) {
    return shape(b->ta_opcode);
  }
  if (const auto* a = p.find<ta::Atah>()) {
    return shape(a->ta_opcode);
  }
  compact = true;
  if (const auto* bc = p.find<ta::BtahCompact>()) {
    return shape(bc->ta_opcode);
  }
  if (const auto* ac = p.find<ta::AtahCompact>()) {
    return shape(ac->ta_opcode);
  }
  compact = false;
  return std::nullopt;
}

// Gives p a random payload of a size its shape allows (adjusting MAETAH Length where the rule
// ties them together).
void random_payload(Packet& p, Xorshift64& rng) {
  auto any = [&]() -> std::size_t {
    switch (rng.below(4)) {
    case 0:
      return rng.below(8);
    case 1:
      return rng.below(80);
    case 2:
      return rng.below(1500);
    default:
      return rng.below(9000);
    }
  };
  std::size_t n = 0;
  const auto* r = p.find<tp::Rtph>();
  const auto* c = p.find<tp::Ctph>();
  const bool tp_ack = r != nullptr && tp::tp_opcode_base(r->tp_opcode) != tp::tp_opcode::kRtpData;
  const bool ctp_cnp = c != nullptr && c->tp_opcode == tp::ctp_opcode::kCnp;
  bool compact = false;
  const auto shape = shape_of(p, compact);
  if (tp_ack || ctp_cnp) {
    n = 0;
  } else if (!shape) {
    n = p.find<mgmt::ScanHeader>() != nullptr ? rng.below(1000) : any();
  } else {
    switch (*shape) {
    case ta::TaShape::ReadRequest:
    case ta::TaShape::Prefetch:
    case ta::TaShape::Ack:
      n = 0;
      break;
    case ta::TaShape::AtomicRequest:
      if (compact) {
        n = 128;
      } else {
        const std::uint32_t len = 1U << rng.below(7);
        auto* m = p.find<ta::Maetah>();
        REQUIRE(m != nullptr);
        m->length = len;
        m->address = 0x60000 + std::uint64_t{len} * rng.below(16);
        n = 2 * std::size_t{len};
      }
      break;
    case ta::TaShape::AtomicResponse:
      n = rng.chance(1, 4) ? 0 : std::size_t{1} << rng.below(7);
      break;
    case ta::TaShape::Management:
      n = rng.below(1025);
      break;
    case ta::TaShape::WriteLike:
      if (compact) {
        auto* m = p.find<ta::MaetahCompact>();
        REQUIRE(m != nullptr);
        m->length = static_cast<std::uint8_t>(rng.below(8));
        n = m->length_bytes();
      } else {
        n = any();
      }
      break;
    case ta::TaShape::SendLike:
    case ta::TaShape::SendImmediate:
    case ta::TaShape::WriteImmediate:
    case ta::TaShape::WriteNotify:
    case ta::TaShape::WriteBe:
    case ta::TaShape::ReadResponse:
      n = any();
      break;
    }
  }
  const std::size_t off = rng.below(256);
  p.payload = pool().subspan(off, n);
}

} // namespace

TEST_CASE("random payload sizes round-trip for every sample and block mode",
          "[packet][samples][spec:App.B]") {
  Xorshift64 rng(20240607);
  std::vector<Byte> scratch(kMaxNetBytes);
  std::vector<Byte> scratch2(kMaxNetBytes);
  std::vector<Byte> wire(kMaxWireBytes);
  std::vector<Byte> again(kMaxWireBytes);
  int trips = 0;
  int with_payload = 0;
  int multi_block = 0;
  for (const auto& s : packet_samples()) {
    for (const dl::BlockMode m : kModes) {
      for (int it = 0; it < 6; ++it) {
        Packet p = s.packet;
        p.mode = m;
        random_payload(p, rng);
        INFO(s.name << " mode " << dl::to_string(m) << " payload " << p.payload.size());
        auto n = encode_packet(p, wire, scratch);
        INFO(describe(n));
        REQUIRE(n);
        DecodeOptions opts{};
        opts.mode = m;
        Packet d{};
        const auto st = decode_packet(std::span<const Byte>(wire).first(*n), opts, scratch2, d);
        INFO(describe(st));
        REQUIRE(st);
        CHECK(d.canonical);
        REQUIRE(d.header_count == p.header_count);
        for (std::size_t i = 0; i < p.header_count; ++i) {
          CHECK(header_name(d.headers[i]) == header_name(p.headers[i]));
        }
        CHECK(vec(d.payload) == vec(p.payload));
        auto n2 = encode_packet(d, again, scratch);
        INFO(describe(n2));
        REQUIRE(n2);
        REQUIRE(*n2 == *n);
        CHECK(std::equal(wire.begin(), wire.begin() + static_cast<std::ptrdiff_t>(*n),
                         again.begin()));
        ++trips;
        with_payload += p.payload.empty() ? 0 : 1;
        multi_block += d.lbh_count > 0 ? 1 : 0;
      }
    }
  }
  CHECK(trips > 800);
  CHECK(with_payload > trips / 2);
  CHECK(multi_block > 50);
}
