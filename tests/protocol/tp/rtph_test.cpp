#include <array>
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include <catch2/catch.hpp>

#include "protocol/nl/codec_test_support.hpp"
#include "protocol/tp/rtph.hpp"

using namespace ub;
using namespace ub::tp;
using ub::test::Xorshift64;

namespace {

// RTP data packet, last of its operation:
//   TPOpcode 0x81; byte 1 = TPVer 10 | Padding 11 | NLP 0011 (CIPH) = 1011 0011 = 0xB3;
//   SrcTPN 12 34 56; DstTPN 78 9A BC; byte 8 = A 1 | F 0 | RSVD 000000 = 0x80;
//   PSN DE F0 12; byte 12 = RSPST 000 | RSPINFO 10101 = 0x15; TPMSN 34 56 78.
constexpr std::array<Byte, 16> kData{0x81, 0xB3, 0x12, 0x34, 0x56, 0x78, 0x9A, 0xBC,
                                     0x80, 0xDE, 0xF0, 0x12, 0x15, 0x34, 0x56, 0x78};

// TPNAK (UR): TPOpcode 0x02; byte 1 = TPVer 01 | Padding 10 | NLP 0000 = 0110 0000 = 0x60;
//   SrcTPN A1 B2 C3; DstTPN D4 E5 F6; byte 8 = A 0 | F 1 | 000000 = 0x40;
//   PSN 0F 1E 2D; byte 12 = RSPST 011 | RSPINFO 00001 = 0110 0001 = 0x61; TPMSN 00 01 02.
constexpr std::array<Byte, 16> kNak{0x02, 0x60, 0xA1, 0xB2, 0xC3, 0xD4, 0xE5, 0xF6,
                                    0x40, 0x0F, 0x1E, 0x2D, 0x61, 0x00, 0x01, 0x02};

// UTPH: TPOpcode 0x80 (UTP data, last); byte 1 = TPVer 00 | Padding 01 | NLP 0001 = 0x11;
//   bytes 2..15 reserved (zero).
constexpr std::array<Byte, 16> kUtp{0x80, 0x11, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};

constexpr bool defined_rtph_base(int base) {
  return base == 1 || base == 2 || base == 3 || base == 5 || base == 6 || base == 8;
}

} // namespace

TEST_CASE("RTPH known answer: data packet", "[tp][rtph][spec:§6.2.1]") {
  auto h = Codec<Rtph>::decode(kData);
  REQUIRE(h);
  CHECK(h->tp_opcode == 0x81);
  CHECK(h->last());
  CHECK(tp_opcode_base(h->tp_opcode) == tp_opcode::kRtpData);
  CHECK(h->tp_ver == 2);
  CHECK(h->padding == 3);
  CHECK(h->nlp == tph_nlp::kCiph);
  CHECK(h->src_tpn == 0x123456);
  CHECK(h->dst_tpn == 0x789ABC);
  CHECK(h->a);
  CHECK_FALSE(h->f);
  CHECK(h->rsvd == 0);
  CHECK(h->psn == 0xDEF012);
  CHECK(h->rspst == 0);
  CHECK(h->rspinfo == 0x15);
  CHECK(h->tpmsn == 0x345678);
  std::array<Byte, 16> out{};
  auto n = Codec<Rtph>::encode(*h, out);
  REQUIRE(n);
  CHECK(*n == 16);
  CHECK(out == kData);
}

TEST_CASE("RTPH known answer: TPNAK", "[tp][rtph][spec:§6.2.1]") {
  auto h = Codec<Rtph>::decode(kNak);
  REQUIRE(h);
  CHECK(h->tp_opcode == tp_opcode::kAck);
  CHECK_FALSE(h->last());
  CHECK(h->tp_ver == 1);
  CHECK(h->padding == 2);
  CHECK(h->nlp == 0);
  CHECK(h->src_tpn == 0xA1B2C3);
  CHECK(h->dst_tpn == 0xD4E5F6);
  CHECK_FALSE(h->a);
  CHECK(h->f);
  CHECK(h->psn == 0x0F1E2D);
  CHECK(h->rspst == rspst::kError);
  CHECK(h->rspinfo == 1);
  CHECK(h->tpmsn == 0x000102);

  // Build the same header from scratch and compare with the hand-made bytes.
  Rtph r{};
  r.tp_opcode = tp_opcode::kAck;
  r.tp_ver = 1;
  r.padding = 2;
  r.src_tpn = 0xA1B2C3;
  r.dst_tpn = 0xD4E5F6;
  r.f = true;
  r.psn = 0x0F1E2D;
  r.rspst = rspst::kError;
  r.rspinfo = 1;
  r.tpmsn = 0x102;
  CHECK(ub::test::encode_ok(r) == ub::test::to_vec(kNak));
}

TEST_CASE("UTPH known answer", "[tp][utph][spec:§6.2.1]") {
  auto h = Codec<Utph>::decode(kUtp);
  REQUIRE(h);
  CHECK(h->tp_opcode == 0x80);
  CHECK(h->tp_ver == 0);
  CHECK(h->padding == 1);
  CHECK(h->nlp == tph_nlp::kUpiEid);
  CHECK(h->rsvd == Wide<14>{});
  std::array<Byte, 16> out{};
  REQUIRE(Codec<Utph>::encode(*h, out));
  CHECK(out == kUtp);

  // TPOpcode 0x00, TPVer 11, Padding 10, NLP 0011: byte 1 = 1110 0011 = 0xE3. Reserved bytes
  // 2..15 hold 01..0E: they are kept (ignored on receive, not refused).
  std::array<Byte, 16> w{0x00, 0xE3};
  for (std::size_t i = 2; i < 16; ++i) {
    w[i] = static_cast<Byte>(i - 1);
  }
  auto u = Codec<Utph>::decode(w);
  REQUIRE(u);
  CHECK(u->tp_ver == 3);
  CHECK(u->padding == 2);
  CHECK(u->nlp == tph_nlp::kCiph);
  CHECK(u->rsvd[0] == 0x01);
  CHECK(u->rsvd[13] == 0x0E);
  REQUIRE(Codec<Utph>::encode(*u, out));
  CHECK(out == w);
}

TEST_CASE("RTPH and UTPH share the first 16 bits and split on TPOpcode[6:0]",
          "[tp][rtph][utph][spec:§6.2.1]") {
  auto as_rtph = Codec<Rtph>::decode(kUtp);
  UB_CHECK_ERROR(as_rtph, Errc::ReservedValue, "TPOpcode", 0);
  auto as_utph = Codec<Utph>::decode(kData);
  UB_CHECK_ERROR(as_utph, Errc::ReservedValue, "TPOpcode", 0);
  CHECK(as_utph.error().value == 0x81);

  const auto rf = ub::test::fields_of(Rtph{});
  const auto uf = ub::test::fields_of(Utph{});
  REQUIRE(rf.size() == 13);
  REQUIRE(uf.size() == 5);
  for (std::size_t i = 0; i < 4; ++i) {
    CHECK(rf[i].name == uf[i].name);
    CHECK(rf[i].offset == uf[i].offset);
    CHECK(rf[i].width == uf[i].width);
  }
  CHECK(ub::test::field_names(Rtph{}) ==
        std::vector<std::string_view>{"TPOpcode", "TPVer", "Padding", "NLP", "SrcTPN", "DstTPN",
                                      "A", "F", "RSVD", "PSN", "RSPST", "RSPINFO", "TPMSN"});
  CHECK(rf[2].role == FieldRole::Derived);
  CHECK(rf[9].offset == 72);
  CHECK(rf[12].offset == 104);
  CHECK(uf[4].name == "RSVD");
  CHECK(uf[4].width == 112);
}

TEST_CASE("RTPH TPOpcode: only 0x01, 0x02, 0x03, 0x05, 0x06, 0x08, bit 7 either way",
          "[tp][rtph][spec:§6.2.1]") {
  auto wire = kNak; // an ACK: NLP is not checked, RSPST 011 is valid
  for (int op = 0; op < 256; ++op) {
    wire[0] = static_cast<Byte>(op);
    auto h = Codec<Rtph>::decode(wire);
    INFO("TPOpcode " << op);
    if (defined_rtph_base(op & 0x7F)) {
      REQUIRE(h);
      CHECK(h->tp_opcode == op);
      CHECK(h->last() == (op >= 0x80));
      CHECK(is_rtph_opcode(static_cast<std::uint8_t>(op)));
    } else {
      UB_CHECK_ERROR(h, Errc::ReservedValue, "TPOpcode", 0);
      CHECK(h.error().header == "RTPH");
      CHECK(h.error().value == static_cast<std::uint64_t>(op));
      CHECK_FALSE(is_rtph_opcode(static_cast<std::uint8_t>(op)));
    }
  }
}

TEST_CASE("RTPH data packet NLP: 0, 1, 3 only", "[tp][rtph][spec:§6.2.1]") {
  for (Byte op : {Byte{0x01}, Byte{0x81}}) {
    for (int nlp = 0; nlp < 16; ++nlp) {
      auto wire = kData;
      wire[0] = op;
      wire[1] = static_cast<Byte>(0xB0 | nlp);
      auto h = Codec<Rtph>::decode(wire);
      INFO("TPOpcode " << int{op} << " NLP " << nlp);
      if (nlp == 0 || nlp == 1 || nlp == 3) {
        REQUIRE(h);
        CHECK(h->nlp == nlp);
      } else {
        UB_CHECK_ERROR(h, Errc::ReservedValue, "NLP", 1);
        CHECK(h.error().value == static_cast<std::uint64_t>(nlp));
      }
    }
  }
}

TEST_CASE("RTPH RSPST 100, 110 and 111 are reserved", "[tp][rtph][spec:§6.2.1]") {
  for (int st = 0; st < 8; ++st) {
    for (Byte op : {Byte{0x01}, Byte{0x02}, Byte{0x06}}) {
      auto wire = kNak;
      wire[0] = op;
      wire[12] = static_cast<Byte>((st << 5) | 0x1F);
      auto h = Codec<Rtph>::decode(wire);
      INFO("RSPST " << st);
      if (st == 4 || st == 6 || st == 7) {
        UB_CHECK_ERROR(h, Errc::ReservedValue, "RSPST", 12);
        CHECK(h.error().value == static_cast<std::uint64_t>(st));
      } else {
        REQUIRE(h);
        CHECK(h->rspst == st);
        CHECK(h->rspinfo == 0x1F);
      }
    }
  }
}

TEST_CASE("UTPH decode errors", "[tp][utph][spec:§6.2.1]") {
  ub::test::check_truncation<Utph>(kUtp);
  for (int op = 0; op < 256; ++op) {
    auto wire = kUtp;
    wire[0] = static_cast<Byte>(op);
    auto h = Codec<Utph>::decode(wire);
    INFO("TPOpcode " << op);
    if ((op & 0x7F) == 0) {
      REQUIRE(h);
    } else {
      UB_CHECK_ERROR(h, Errc::ReservedValue, "TPOpcode", 0);
      CHECK(h.error().header == "UTPH");
    }
  }
  for (int nlp = 0; nlp < 16; ++nlp) {
    auto wire = kUtp;
    wire[1] = static_cast<Byte>(nlp);
    auto h = Codec<Utph>::decode(wire);
    if (nlp == 0 || nlp == 1 || nlp == 3) {
      CHECK(h);
    } else {
      UB_CHECK_ERROR(h, Errc::ReservedValue, "NLP", 1);
    }
  }
}

TEST_CASE("RTPH truncation and encode errors", "[tp][rtph][spec:§6.2.1]") {
  ub::test::check_truncation<Rtph>(kData);

  auto base = Codec<Rtph>::decode(kData);
  REQUIRE(base);
  std::array<Byte, 16> out{};
  Rtph h = *base;
  h.psn = 1U << 24;
  UB_CHECK_ERROR(Codec<Rtph>::encode(h, out), Errc::OutOfRange, "PSN", 9);
  h = *base;
  h.tp_ver = 4;
  UB_CHECK_ERROR(Codec<Rtph>::encode(h, out), Errc::OutOfRange, "TPVer", 1);
  h = *base;
  h.rsvd = 64;
  UB_CHECK_ERROR(Codec<Rtph>::encode(h, out), Errc::OutOfRange, "RSVD", 8);
  h = *base;
  h.rspinfo = 32;
  UB_CHECK_ERROR(Codec<Rtph>::encode(h, out), Errc::OutOfRange, "RSPINFO", 12);
  h = *base;
  h.tpmsn = 1U << 24;
  UB_CHECK_ERROR(Codec<Rtph>::encode(h, out), Errc::OutOfRange, "TPMSN", 13);
  h = *base;
  h.tp_opcode = 0x04;
  UB_CHECK_ERROR(Codec<Rtph>::encode(h, out), Errc::ReservedValue, "TPOpcode", 0);
  h = *base;
  h.nlp = 2;
  UB_CHECK_ERROR(Codec<Rtph>::encode(h, out), Errc::ReservedValue, "NLP", 1);
  h = *base;
  h.rspst = 6;
  UB_CHECK_ERROR(Codec<Rtph>::encode(h, out), Errc::ReservedValue, "RSPST", 12);
  ub::test::check_buffer_too_small(*base);

  h = *base;
  UB_CHECK_ERROR(Codec<Rtph>::set(h, "SrcTPN", FieldValue{1U << 24, {}}), Errc::OutOfRange,
                 "SrcTPN", 2);
  UB_CHECK_ERROR(Codec<Rtph>::set(h, "DstTPN", FieldValue{1U << 24, {}}), Errc::OutOfRange,
                 "DstTPN", 5);
  UB_CHECK_ERROR(Codec<Rtph>::set(h, "A", FieldValue{2, {}}), Errc::OutOfRange, "A", 8);
  CHECK(Codec<Rtph>::set(h, "Mode", FieldValue{}).error().code == Errc::UnknownField);

  Utph u{};
  u.nlp = 16;
  UB_CHECK_ERROR(Codec<Utph>::encode(u, out), Errc::OutOfRange, "NLP", 1);
  u.nlp = 2;
  UB_CHECK_ERROR(Codec<Utph>::encode(u, out), Errc::ReservedValue, "NLP", 1);
  u.nlp = 0;
  u.tp_opcode = 0x01;
  UB_CHECK_ERROR(Codec<Utph>::encode(u, out), Errc::ReservedValue, "TPOpcode", 0);
  u.tp_opcode = 0x80;
  ub::test::check_buffer_too_small(u);
}

TEST_CASE("RTPH and UTPH round-trip random field values", "[tp][rtph][utph]") {
  constexpr std::array<std::uint8_t, 6> kOps{1, 2, 3, 5, 6, 8};
  auto pick = [&](const FieldDesc& d, Xorshift64& rng) -> std::optional<std::uint64_t> {
    if (d.name == "TPOpcode" && rng.chance(3, 4)) {
      return kOps[rng.below(kOps.size())] | (rng.chance(1, 2) ? 0x80U : 0U);
    }
    if (d.name == "NLP" && rng.chance(3, 4)) {
      constexpr std::array<std::uint8_t, 3> kNlp{0, 1, 3};
      return kNlp[rng.below(kNlp.size())];
    }
    if (d.name == "RSPST" && rng.chance(3, 4)) {
      constexpr std::array<std::uint8_t, 5> kSt{0, 1, 2, 3, 5};
      return kSt[rng.below(kSt.size())];
    }
    return std::nullopt;
  };
  const auto r = ub::test::random_round_trips<Rtph>(0x27F4, 500, pick);
  CHECK(r.accepted > 150);
  CHECK(r.rejected > 50);

  auto upick = [](const FieldDesc& d, Xorshift64& rng) -> std::optional<std::uint64_t> {
    if (d.name == "TPOpcode" && rng.chance(3, 4)) {
      return rng.chance(1, 2) ? 0x80 : 0x00;
    }
    if (d.name == "NLP" && rng.chance(3, 4)) {
      return rng.chance(1, 2) ? 1 : 3;
    }
    return std::nullopt;
  };
  const auto u = ub::test::random_round_trips<Utph>(0x0777, 400, upick);
  CHECK(u.accepted > 100);
  CHECK(u.rejected > 30);
}
