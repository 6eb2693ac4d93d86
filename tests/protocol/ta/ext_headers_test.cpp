#include <array>
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include <catch2/catch.hpp>

#include "protocol/nl/codec_test_support.hpp"
#include "protocol/ta/ext_headers.hpp"

using namespace ub;
using namespace ub::ta;
using ub::test::Xorshift64;

namespace {

// MAETAH: Address 0x0123456789ABCDEF; byte 8 = RSVD 0000 | TokenID[19:16] 1010 = 0x0A;
// TokenID[15:0] 5B 6C (TokenID 0xA5B6C); byte 11 = RSVD2 00; Length 0x00010400.
constexpr std::array<Byte, 16> kMaetah{0x01, 0x23, 0x45, 0x67, 0x89, 0xAB, 0xCD, 0xEF,
                                       0x0A, 0x5B, 0x6C, 0x00, 0x00, 0x01, 0x04, 0x00};

// MAETAH_COMPACT, Address 0xFEDCBA98765432C0 (Address[5:0] = 0):
//   word 0 = Address[63:32] = FE DC BA 98;
//   word 1 = Address[31:6] | Affinity_hint 10 | SO 1 | Length 101: Address[31:8] = 76 54 32,
//     byte 7 = Address[7:6] 11 | 10 | 1 | 101 = 1110 1101 = 0xED;
//   word 2 = RSVD(12) 0 | TokenID(20) 0x9F1E2 = 00 09 F1 E2.
constexpr std::array<Byte, 12> kMaetahCompact{0xFE, 0xDC, 0xBA, 0x98, 0x76, 0x54,
                                              0x32, 0xED, 0x00, 0x09, 0xF1, 0xE2};

// MTETAH: Hint 0xC7; byte 1 = RSVD 00 | TGT_TC_Type 10 | TGT_TC_ID[19:16] 0100 = 0x24;
// TGT_TC_ID[15:0] D2 E1 (TGT_TC_ID 0x4D2E1).
constexpr std::array<Byte, 4> kMtetah{0xC7, 0x24, 0xD2, 0xE1};

// NTFETAH: Address 0x1122334455667788; byte 8 = RSVD 0000 | Notify_TokenID[19:16] 1111 = 0x0F;
// 0E 0D (Notify_TokenID 0xF0E0D); RSVD2 00; Notify_TokenValue CA FE BA BE;
// Notify_Data 0x0102030405060708.
constexpr std::array<Byte, 24> kNtfetah{0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88,
                                        0x0F, 0x0E, 0x0D, 0x00, 0xCA, 0xFE, 0xBA, 0xBE,
                                        0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08};

// IMMETAH: Immediate_Data 0x0011223344556677, Immediate_TokenValue 0x8899AABB,
// Msg_Length 0xCCDDEEFF.
constexpr std::array<Byte, 16> kImmetah{0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77,
                                        0x88, 0x99, 0xAA, 0xBB, 0xCC, 0xDD, 0xEE, 0xFF};

// MGMTETAH: byte 0 = Sub_Code 0011 | Code 010 | Rsp 1 = 0011 0101 = 0x35; Status 0x24;
// byte 2 = RSVD 0000 | PDU_Length[11:8] 0100; byte 3 = 0x00 (PDU_Length 1024).
constexpr std::array<Byte, 4> kMgmtetah{0x35, 0x24, 0x04, 0x00};

} // namespace

TEST_CASE("MAETAH known answer", "[ta][maetah][spec:§7.2.3]") {
  auto h = Codec<Maetah>::decode(kMaetah);
  REQUIRE(h);
  CHECK(h->address == 0x0123456789ABCDEFULL);
  CHECK(h->rsvd == 0);
  CHECK(h->token_id == 0xA5B6C);
  CHECK(h->rsvd2 == 0);
  CHECK(h->length == 0x00010400);
  std::array<Byte, 16> out{};
  auto n = Codec<Maetah>::encode(*h, out);
  REQUIRE(n);
  CHECK(*n == 16);
  CHECK(out == kMaetah);
  CHECK(ub::test::field_names(Maetah{}) ==
        std::vector<std::string_view>{"Address", "RSVD", "TokenID", "RSVD2", "Length"});
  // The reserved nibble and byte around TokenID are kept apart from it.
  auto w = kMaetah;
  w[8] = 0xFA;
  w[11] = 0x81;
  auto r = Codec<Maetah>::decode(w);
  REQUIRE(r);
  CHECK(r->rsvd == 0xF);
  CHECK(r->token_id == 0xA5B6C);
  CHECK(r->rsvd2 == 0x81);
  CHECK(r->length == 0x00010400);
}

TEST_CASE("MAETAH_COMPACT known answer, address() and length_bytes()",
          "[ta][maetah_compact][spec:§7.2.3]") {
  auto h = Codec<MaetahCompact>::decode(kMaetahCompact);
  REQUIRE(h);
  CHECK(h->address_63_6 == (0xFEDCBA98765432C0ULL >> 6));
  CHECK(h->address() == 0xFEDCBA98765432C0ULL);
  CHECK(h->affinity_hint == 2);
  CHECK(h->so);
  CHECK(h->length == 5);
  CHECK(h->length_bytes() == 2048);
  CHECK(h->rsvd == 0);
  CHECK(h->token_id == 0x9F1E2);
  std::array<Byte, 12> out{};
  auto n = Codec<MaetahCompact>::encode(*h, out);
  REQUIRE(n);
  CHECK(*n == 12);
  CHECK(out == kMaetahCompact);

  // TokenID is the low 20 bits of word 2; the 12 bits above it are reserved.
  auto w = kMaetahCompact;
  w[8] = 0xFF;
  w[9] = 0xF9;
  auto r = Codec<MaetahCompact>::decode(w);
  REQUIRE(r);
  CHECK(r->rsvd == 0xFFF);
  CHECK(r->token_id == 0x9F1E2);

  // Length code L means 64 B x 2^L.
  constexpr std::array<std::uint32_t, 8> kBytes{64, 128, 256, 512, 1024, 2048, 4096, 8192};
  for (std::uint8_t l = 0; l < 8; ++l) {
    MaetahCompact m{};
    m.length = l;
    CHECK(m.length_bytes() == kBytes[l]);
  }
  MaetahCompact top{};
  top.address_63_6 = (1ULL << 58) - 1;
  CHECK(top.address() == 0xFFFFFFFFFFFFFFC0ULL);
  top.address_63_6 = 1;
  CHECK(top.address() == 64);
  // Address[6] is byte 7 bit 6: 00 00 00 00 00 00 00 40.
  CHECK(ub::test::encode_ok(top) == std::vector<Byte>{0, 0, 0, 0, 0, 0, 0, 0x40, 0, 0, 0, 0});

  CHECK(
      ub::test::field_names(MaetahCompact{}) ==
      std::vector<std::string_view>{"Address", "Affinity_hint", "SO", "Length", "RSVD", "TokenID"});
  const auto f = ub::test::fields_of(MaetahCompact{});
  REQUIRE(f.size() == 6);
  CHECK(f[0].width == 58);
  CHECK(f[3].offset == 61);
  CHECK(f[5].offset == 76);
  CHECK(f[5].width == 20);
}

TEST_CASE("MTETAH known answer and TGT_TC_Type 11", "[ta][mtetah][spec:§7.2.4]") {
  auto h = Codec<Mtetah>::decode(kMtetah);
  REQUIRE(h);
  CHECK(h->hint == 0xC7);
  CHECK(h->rsvd == 0);
  CHECK(h->tgt_tc_type == 0b10);
  CHECK(h->tgt_tc_id == 0x4D2E1);
  std::array<Byte, 4> out{};
  REQUIRE(Codec<Mtetah>::encode(*h, out));
  CHECK(out == kMtetah);

  for (int t = 0; t < 4; ++t) {
    auto w = kMtetah;
    w[1] = static_cast<Byte>(0xC0 | (t << 4) | 0x4); // reserved bits 7:6 set too
    auto d = Codec<Mtetah>::decode(w);
    INFO("TGT_TC_Type " << t);
    if (t == 3) {
      UB_CHECK_ERROR(d, Errc::ReservedValue, "TGT_TC_Type", 1);
      CHECK(d.error().header == "MTETAH");
      CHECK(d.error().value == 3);
    } else {
      REQUIRE(d);
      CHECK(d->tgt_tc_type == t);
      CHECK(d->rsvd == 3);
      CHECK(d->tgt_tc_id == 0x4D2E1);
    }
  }
  Mtetah m{};
  m.tgt_tc_type = 3;
  UB_CHECK_ERROR(Codec<Mtetah>::encode(m, out), Errc::ReservedValue, "TGT_TC_Type", 1);
  m.tgt_tc_type = 4;
  UB_CHECK_ERROR(Codec<Mtetah>::encode(m, out), Errc::OutOfRange, "TGT_TC_Type", 1);
  CHECK(ub::test::field_names(Mtetah{}) ==
        std::vector<std::string_view>{"Hint", "RSVD", "TGT_TC_Type", "TGT_TC_ID"});
}

TEST_CASE("TVETAH, TAIDETAH, OFSTETAH known answers",
          "[ta][tvetah][taidetah][ofstetah][spec:§7.2.5][spec:§7.2.6][spec:§7.2.7]") {
  const std::array<Byte, 4> tv{0xDE, 0xAD, 0xBE, 0xEF};
  auto t = Codec<Tvetah>::decode(tv);
  REQUIRE(t);
  CHECK(t->token_value == 0xDEADBEEF);
  std::array<Byte, 4> out{};
  REQUIRE(Codec<Tvetah>::encode(*t, out));
  CHECK(out == tv);

  // TAIDETAH: RSVD 16 bits, then TAID 0x8421 in bytes 2-3.
  const std::array<Byte, 4> taid{0x00, 0x00, 0x84, 0x21};
  auto a = Codec<Taidetah>::decode(taid);
  REQUIRE(a);
  CHECK(a->rsvd == 0);
  CHECK(a->taid == 0x8421);
  REQUIRE(Codec<Taidetah>::encode(*a, out));
  CHECK(out == taid);
  auto ar = Codec<Taidetah>::decode(std::array<Byte, 4>{0xFF, 0xFE, 0x00, 0x01});
  REQUIRE(ar);
  CHECK(ar->rsvd == 0xFFFE);
  CHECK(ar->taid == 1);

  // OFSTETAH: RSVD 8 bits, then Offset 0xABCDEF (1 KB units) in bytes 1-3.
  const std::array<Byte, 4> ofst{0x00, 0xAB, 0xCD, 0xEF};
  auto o = Codec<Ofstetah>::decode(ofst);
  REQUIRE(o);
  CHECK(o->rsvd == 0);
  CHECK(o->offset == 0xABCDEF);
  REQUIRE(Codec<Ofstetah>::encode(*o, out));
  CHECK(out == ofst);
  auto orv = Codec<Ofstetah>::decode(std::array<Byte, 4>{0x5A, 0x00, 0x00, 0x02});
  REQUIRE(orv);
  CHECK(orv->rsvd == 0x5A);
  CHECK(orv->offset == 2);
}

TEST_CASE("IMMETAH known answer", "[ta][immetah][spec:§7.2.8]") {
  auto h = Codec<Immetah>::decode(kImmetah);
  REQUIRE(h);
  CHECK(h->immediate_data == 0x0011223344556677ULL);
  CHECK(h->immediate_token_value == 0x8899AABB);
  CHECK(h->msg_length == 0xCCDDEEFF);
  std::array<Byte, 16> out{};
  REQUIRE(Codec<Immetah>::encode(*h, out));
  CHECK(out == kImmetah);
  CHECK(ub::test::field_names(Immetah{}) ==
        std::vector<std::string_view>{"Immediate_Data", "Immediate_TokenValue", "Msg_Length"});
}

TEST_CASE("NTFETAH known answer", "[ta][ntfetah][spec:§7.2.9]") {
  auto h = Codec<Ntfetah>::decode(kNtfetah);
  REQUIRE(h);
  CHECK(h->address == 0x1122334455667788ULL);
  CHECK(h->rsvd == 0);
  CHECK(h->notify_token_id == 0xF0E0D);
  CHECK(h->rsvd2 == 0);
  CHECK(h->notify_token_value == 0xCAFEBABE);
  CHECK(h->notify_data == 0x0102030405060708ULL);
  std::array<Byte, 24> out{};
  auto n = Codec<Ntfetah>::encode(*h, out);
  REQUIRE(n);
  CHECK(*n == 24);
  CHECK(out == kNtfetah);
  CHECK(ub::test::field_names(Ntfetah{}) ==
        std::vector<std::string_view>{"Address", "RSVD", "Notify_TokenID", "RSVD2",
                                      "Notify_TokenValue", "Notify_Data"});
}

TEST_CASE("UDETAH known answer and the atomic sub-operation nibble", "[ta][udetah][spec:§7.2.11]") {
  // UD 0x0A5B1234: UD[23:20] is byte 1 bits 7:4 = 5.
  const std::array<Byte, 4> wire{0x0A, 0x5B, 0x12, 0x34};
  auto h = Codec<Udetah>::decode(wire);
  REQUIRE(h);
  CHECK(h->ud == 0x0A5B1234);
  CHECK(h->atomic_subop() == 5);
  std::array<Byte, 4> out{};
  REQUIRE(Codec<Udetah>::encode(*h, out));
  CHECK(out == wire);
  for (int sub = 0; sub < 16; ++sub) {
    // Surround the nibble with ones so a shifted extraction would show.
    const std::array<Byte, 4> w{0xFF, static_cast<Byte>((sub << 4) | 0x0F), 0xFF, 0xFF};
    auto d = Codec<Udetah>::decode(w);
    REQUIRE(d);
    CHECK(d->atomic_subop() == sub);
  }
}

TEST_CASE("MGMTETAH known answers", "[ta][mgmtetah][spec:§7.2.12][spec:§10.4.3.3]") {
  auto h = Codec<Mgmtetah>::decode(kMgmtetah);
  REQUIRE(h);
  CHECK(h->sub_code == 3);
  CHECK(h->code == 0b010);
  CHECK(h->rsp);
  CHECK(h->status == 0x24);
  CHECK(h->rsvd == 0);
  CHECK(h->pdu_length == 1024);
  std::array<Byte, 4> out{};
  REQUIRE(Codec<Mgmtetah>::encode(*h, out));
  CHECK(out == kMgmtetah);

  // Sub_Code 1111 | Code 011 (VDM) | Rsp 0 = 1111 0110 = 0xF6; Status 0; PDU_Length 0x123.
  Mgmtetah m{};
  m.sub_code = 0xF;
  m.code = 0b011;
  m.pdu_length = 0x123;
  CHECK(ub::test::encode_ok(m) == std::vector<Byte>{0xF6, 0x00, 0x01, 0x23});
  // Reserved bits 7:4 of byte 2 are kept apart from PDU_Length.
  auto r = Codec<Mgmtetah>::decode(std::array<Byte, 4>{0x35, 0x00, 0xF4, 0x00});
  REQUIRE(r);
  CHECK(r->rsvd == 0xF);
  CHECK(r->pdu_length == 1024);
  CHECK(ub::test::field_names(Mgmtetah{}) ==
        std::vector<std::string_view>{"Sub_Code", "Code", "Rsp", "Status", "RSVD", "PDU_Length"});
}

TEST_CASE("MGMTETAH Code 111 is reserved and PDU_Length is at most 1024",
          "[ta][mgmtetah][spec:§10.4.3.3]") {
  for (int code = 0; code < 8; ++code) {
    const std::array<Byte, 4> w{static_cast<Byte>(0x31 | (code << 1)), 0, 0, 0};
    auto d = Codec<Mgmtetah>::decode(w);
    INFO("Code " << code);
    if (code == 7) {
      UB_CHECK_ERROR(d, Errc::ReservedValue, "Code", 0);
      CHECK(d.error().header == "MGMTETAH");
      CHECK(d.error().value == 7);
    } else {
      REQUIRE(d);
      CHECK(d->code == code);
      CHECK(d->sub_code == 3);
      CHECK(d->rsp);
    }
  }
  for (int len : {1025, 0x7FF, 0x800, 0xFFF}) {
    const std::array<Byte, 4> w{0x35, 0x00, static_cast<Byte>(len >> 8),
                                static_cast<Byte>(len & 0xFF)};
    auto d = Codec<Mgmtetah>::decode(w);
    INFO("PDU_Length " << len);
    REQUIRE_FALSE(d);
    CHECK(d.error().field == "PDU_Length");
    CHECK(d.error().offset == 2);
    CHECK(d.error().value == static_cast<std::uint64_t>(len));
  }
  Mgmtetah m{};
  m.pdu_length = 1025;
  std::array<Byte, 4> out{};
  auto e = Codec<Mgmtetah>::encode(m, out);
  REQUIRE_FALSE(e);
  CHECK(e.error().code == Errc::ReservedValue); // the same rule as on decode
  CHECK(e.error().field == "PDU_Length");
  m.pdu_length = 0x1000;
  UB_CHECK_ERROR(Codec<Mgmtetah>::encode(m, out), Errc::OutOfRange, "PDU_Length", 2);
  m.pdu_length = 0;
  m.code = 7;
  UB_CHECK_ERROR(Codec<Mgmtetah>::encode(m, out), Errc::ReservedValue, "Code", 0);
  m.code = 8;
  UB_CHECK_ERROR(Codec<Mgmtetah>::encode(m, out), Errc::OutOfRange, "Code", 0);
}

// A PDU_Length above 1024 on the wire is a value the spec does not allow: ReservedValue.
TEST_CASE("MGMTETAH decode reports PDU_Length > 1024 as a wire error",
          "[ta][mgmtetah][spec:§10.4.3.3]") {
  const std::array<Byte, 4> w{0x35, 0x00, 0x04, 0x01}; // PDU_Length 1025
  UB_CHECK_ERROR(Codec<Mgmtetah>::decode(w), Errc::ReservedValue, "PDU_Length", 2);
}

TEST_CASE("Extension headers: truncation", "[ta][maetah][maetah_compact][mtetah][tvetah]"
                                           "[taidetah][ofstetah][immetah][ntfetah][udetah]"
                                           "[mgmtetah]") {
  ub::test::check_truncation<Maetah>(kMaetah);
  ub::test::check_truncation<MaetahCompact>(kMaetahCompact);
  ub::test::check_truncation<Mtetah>(kMtetah);
  ub::test::check_truncation<Tvetah>(std::array<Byte, 4>{1, 2, 3, 4});
  ub::test::check_truncation<Taidetah>(std::array<Byte, 4>{1, 2, 3, 4});
  ub::test::check_truncation<Ofstetah>(std::array<Byte, 4>{1, 2, 3, 4});
  ub::test::check_truncation<Immetah>(kImmetah);
  ub::test::check_truncation<Ntfetah>(kNtfetah);
  ub::test::check_truncation<Udetah>(std::array<Byte, 4>{1, 2, 3, 4});
  ub::test::check_truncation<Mgmtetah>(kMgmtetah);
}

TEST_CASE("Extension headers: encode range errors and small buffers",
          "[ta][maetah][maetah_compact][mtetah][tvetah][taidetah][ofstetah][immetah][ntfetah]"
          "[udetah][mgmtetah]") {
  std::array<Byte, 24> out{};
  Maetah a{};
  a.token_id = 1U << 20;
  UB_CHECK_ERROR(Codec<Maetah>::encode(a, out), Errc::OutOfRange, "TokenID", 8);
  a.token_id = 0;
  a.rsvd = 16;
  UB_CHECK_ERROR(Codec<Maetah>::encode(a, out), Errc::OutOfRange, "RSVD", 8);
  a.rsvd = 0;
  ub::test::check_buffer_too_small(a);
  UB_CHECK_ERROR(Codec<Maetah>::set(a, "TokenID", FieldValue{1U << 20, {}}), Errc::OutOfRange,
                 "TokenID", 8);

  MaetahCompact c{};
  c.address_63_6 = 1ULL << 58;
  UB_CHECK_ERROR(Codec<MaetahCompact>::encode(c, out), Errc::OutOfRange, "Address", 0);
  c.address_63_6 = 0;
  c.affinity_hint = 4;
  UB_CHECK_ERROR(Codec<MaetahCompact>::encode(c, out), Errc::OutOfRange, "Affinity_hint", 7);
  c.affinity_hint = 0;
  c.length = 8;
  UB_CHECK_ERROR(Codec<MaetahCompact>::encode(c, out), Errc::OutOfRange, "Length", 7);
  c.length = 0;
  c.rsvd = 0x1000;
  UB_CHECK_ERROR(Codec<MaetahCompact>::encode(c, out), Errc::OutOfRange, "RSVD", 8);
  c.rsvd = 0;
  c.token_id = 1U << 20;
  UB_CHECK_ERROR(Codec<MaetahCompact>::encode(c, out), Errc::OutOfRange, "TokenID", 9);
  c.token_id = 0;
  ub::test::check_buffer_too_small(c);

  Mtetah m{};
  m.tgt_tc_id = 1U << 20;
  UB_CHECK_ERROR(Codec<Mtetah>::encode(m, out), Errc::OutOfRange, "TGT_TC_ID", 1);
  m.tgt_tc_id = 0;
  m.rsvd = 4;
  UB_CHECK_ERROR(Codec<Mtetah>::encode(m, out), Errc::OutOfRange, "RSVD", 1);
  m.rsvd = 0;
  ub::test::check_buffer_too_small(m);

  ub::test::check_buffer_too_small(Tvetah{});
  Tvetah tv{};
  UB_CHECK_ERROR(Codec<Tvetah>::set(tv, "TokenValue", FieldValue{1ULL << 32, {}}), Errc::OutOfRange,
                 "TokenValue", 0);

  ub::test::check_buffer_too_small(Taidetah{});
  Taidetah ti{};
  UB_CHECK_ERROR(Codec<Taidetah>::set(ti, "TAID", FieldValue{0x10000, {}}), Errc::OutOfRange,
                 "TAID", 2);

  Ofstetah of{};
  of.offset = 1U << 24;
  UB_CHECK_ERROR(Codec<Ofstetah>::encode(of, out), Errc::OutOfRange, "Offset", 1);
  of.offset = 0;
  ub::test::check_buffer_too_small(of);

  ub::test::check_buffer_too_small(Immetah{});
  Immetah im{};
  UB_CHECK_ERROR(Codec<Immetah>::set(im, "Msg_Length", FieldValue{1ULL << 32, {}}),
                 Errc::OutOfRange, "Msg_Length", 12);
  REQUIRE(Codec<Immetah>::set(im, "Immediate_Data", FieldValue{~0ULL, {}}));
  CHECK(im.immediate_data == ~0ULL);

  Ntfetah nt{};
  nt.notify_token_id = 1U << 20;
  UB_CHECK_ERROR(Codec<Ntfetah>::encode(nt, out), Errc::OutOfRange, "Notify_TokenID", 8);
  nt.notify_token_id = 0;
  ub::test::check_buffer_too_small(nt);

  ub::test::check_buffer_too_small(Udetah{});
  Udetah ud{};
  CHECK(Codec<Udetah>::set(ud, "SubOp", FieldValue{}).error().code == Errc::UnknownField);

  Mgmtetah mg{};
  mg.sub_code = 16;
  UB_CHECK_ERROR(Codec<Mgmtetah>::encode(mg, out), Errc::OutOfRange, "Sub_Code", 0);
  mg.sub_code = 0;
  ub::test::check_buffer_too_small(mg);
}

TEST_CASE("Extension headers round-trip random field values",
          "[ta][maetah][maetah_compact][mtetah][tvetah][taidetah][ofstetah][immetah][ntfetah]"
          "[udetah][mgmtetah]") {
  CHECK(ub::test::random_round_trips<Maetah>(0xAE1, 300).accepted == 300);
  CHECK(ub::test::random_round_trips<MaetahCompact>(0xAE2, 300).accepted == 300);
  CHECK(ub::test::random_round_trips<Tvetah>(0xAE3, 300).accepted == 300);
  CHECK(ub::test::random_round_trips<Taidetah>(0xAE4, 300).accepted == 300);
  CHECK(ub::test::random_round_trips<Ofstetah>(0xAE5, 300).accepted == 300);
  CHECK(ub::test::random_round_trips<Immetah>(0xAE6, 300).accepted == 300);
  CHECK(ub::test::random_round_trips<Ntfetah>(0xAE7, 300).accepted == 300);
  CHECK(ub::test::random_round_trips<Udetah>(0xAE8, 300).accepted == 300);

  const auto mt = ub::test::random_round_trips<Mtetah>(0xAE9, 400);
  CHECK(mt.accepted > 200);
  CHECK(mt.rejected > 30); // TGT_TC_Type 11

  // PDU_Length stays within 0..1024 here; the > 1024 case has its own tests above.
  auto pick = [](const FieldDesc& d, Xorshift64& rng) -> std::optional<std::uint64_t> {
    if (d.name == "PDU_Length") {
      return rng.below(1025);
    }
    return std::nullopt;
  };
  const auto mg = ub::test::random_round_trips<Mgmtetah>(0xAEA, 400, pick);
  CHECK(mg.accepted > 200);
  CHECK(mg.rejected > 20); // Code 111
}
