#include <array>
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include <catch2/catch.hpp>

#include "protocol/nl/codec_test_support.hpp"
#include "protocol/ta/tah.hpp"

using namespace ub;
using namespace ub::ta;
using ub::test::Xorshift64;

namespace {

// Write_with_notify request, full BTAH:
//   TAOpcode 0x05; byte 1 = TAver 10 | EE_bits 11 | TV_EN 1 | Poison 0 | Target_Hint 1 |
//   UD_Flag 0 = 1011 1010 = 0xBA; INI_TASSN 13 57;
//   byte 4 = No_TAACK 1 | ODR 110 | MT_EN 0 | FCE 1 | Retry 0 | Alloc 1 = 1110 0101 = 0xE5;
//   byte 5 = RSVD 0 | E_bit 1 | INI_RC_Type 10 | INI_RC_ID[19:16] 1010 = 0110 1010 = 0x6A;
//   bytes 6-7 = INI_RC_ID[15:0] = 24 68 (INI_RC_ID 0xA2468).
constexpr std::array<Byte, 8> kBtahA{0x05, 0xBA, 0x13, 0x57, 0xE5, 0x6A, 0x24, 0x68};

// Write_with_be request:
//   TAOpcode 0x14; byte 1 = TAver 01 | EE 01 | TV_EN 0 | Poison 1 | Target_Hint 0 | UD_Flag 1
//   = 0101 0101 = 0x55; INI_TASSN FE DC;
//   byte 4 = No_TAACK 0 | ODR 001 | MT_EN 1 | FCE 0 | Retry 1 | Alloc 0 = 0001 1010 = 0x1A;
//   byte 5 = RSVD 0 | E_bit 0 | INI_RC_Type 01 | 0101 = 0x15; INI_RC_ID 0x5BEEF.
constexpr std::array<Byte, 8> kBtahB{0x14, 0x55, 0xFE, 0xDC, 0x1A, 0x15, 0xBE, 0xEF};

// Compact Read request: TAOpcode 0x06; byte 1 = TAver 11 | EE 01 | TV_EN 1 | Poison 1 |
// Target_Hint 0 | UD_Flag 1 = 1101 1101 = 0xDD; INI_TASSN 24 68.
constexpr std::array<Byte, 4> kBtahCompact{0x06, 0xDD, 0x24, 0x68};

// Read_response, full ATAH:
//   TAOpcode 0x12; byte 1 = TAver 01 | RSVD 00 | SV 1 | Poison 0 | RSVD2 00 = 0100 1000 = 0x48;
//   INI_TASSN BE EF; byte 4 = RSPST 101 | RSPINFO 00111 = 1010 0111 = 0xA7;
//   byte 5 = RSVD3 00 | INI_RC_Type 10 | INI_RC_ID[19:16] 0011 = 0010 0011 = 0x23;
//   INI_RC_ID 0x3C0DE.
constexpr std::array<Byte, 8> kAtah{0x12, 0x48, 0xBE, 0xEF, 0xA7, 0x23, 0xC0, 0xDE};

// Compact Atomic_response: TAOpcode 0x13; byte 1 = TAver 10 | Status 01 | RSVD 0 | Poison 1 |
// RSVD2 00 = 1001 0100 = 0x94; INI_TASSN 0A 0B.
constexpr std::array<Byte, 4> kAtahCompact{0x13, 0x94, 0x0A, 0x0B};

// Opcode classes, written out from Table 7-1 and App. B.2.6 (not from ta_opcode.hpp).
constexpr bool reserved_op(int op) {
  return op == 0x02 || op == 0x16 || op >= 0x19;
}
constexpr bool response_op(int op) {
  return op >= 0x11 && op <= 0x13;
}
constexpr bool compact_op(int op) {
  return op == 0x03 || (op >= 0x06 && op <= 0x0F) || (op >= 0x11 && op <= 0x15) || op == 0x17 ||
         op == 0x18;
}

} // namespace

TEST_CASE("BTAH known answers", "[ta][btah][spec:§7.2.1]") {
  auto a = Codec<Btah>::decode(kBtahA);
  REQUIRE(a);
  CHECK(a->ta_opcode == 0x05);
  CHECK(a->ta_ver == 2);
  CHECK(a->ee_bits == 0b11);
  CHECK(a->tv_en);
  CHECK_FALSE(a->poison);
  CHECK(a->target_hint);
  CHECK_FALSE(a->ud_flag);
  CHECK(a->ini_tassn == 0x1357);
  CHECK(a->no_taack);
  CHECK(a->odr == 0b110);
  CHECK_FALSE(a->mt_en);
  CHECK(a->fce);
  CHECK_FALSE(a->retry);
  CHECK(a->alloc);
  CHECK(a->rsvd == 0);
  CHECK(a->e_bit);
  CHECK(a->ini_rc_type == 0b10);
  CHECK(a->ini_rc_id == 0xA2468);
  std::array<Byte, 8> out{};
  auto n = Codec<Btah>::encode(*a, out);
  REQUIRE(n);
  CHECK(*n == 8);
  CHECK(out == kBtahA);

  Btah b{};
  b.ta_opcode = static_cast<std::uint8_t>(TaOpcode::WriteWithBe);
  b.ta_ver = 1;
  b.ee_bits = 0b01;
  b.poison = true;
  b.ud_flag = true;
  b.ini_tassn = 0xFEDC;
  b.odr = odr::kRo;
  b.mt_en = true;
  b.retry = true;
  b.ini_rc_type = 0b01;
  b.ini_rc_id = 0x5BEEF;
  CHECK(ub::test::encode_ok(b) == ub::test::to_vec(kBtahB));
  auto db = Codec<Btah>::decode(kBtahB);
  REQUIRE(db);
  CHECK(*db == b);
}

TEST_CASE("BTAH_COMPACT is the first word of the BTAH", "[ta][btah_compact][spec:§7.2.1]") {
  auto c = Codec<BtahCompact>::decode(kBtahCompact);
  REQUIRE(c);
  CHECK(c->ta_opcode == 0x06);
  CHECK(c->ta_ver == 3);
  CHECK(c->ee_bits == 0b01);
  CHECK(c->tv_en);
  CHECK(c->poison);
  CHECK_FALSE(c->target_hint);
  CHECK(c->ud_flag);
  CHECK(c->ini_tassn == 0x2468);
  std::array<Byte, 4> out{};
  auto n = Codec<BtahCompact>::encode(*c, out);
  REQUIRE(n);
  CHECK(*n == 4);
  CHECK(out == kBtahCompact);

  // The full BTAH's first four bytes decode to the same first-word fields.
  auto full = Codec<Btah>::decode(kBtahB);
  auto first = Codec<BtahCompact>::decode(std::span<const Byte>(kBtahB).first(4));
  REQUIRE(full);
  REQUIRE(first);
  CHECK(first->ta_opcode == full->ta_opcode);
  CHECK(first->ta_ver == full->ta_ver);
  CHECK(first->ee_bits == full->ee_bits);
  CHECK(first->tv_en == full->tv_en);
  CHECK(first->poison == full->poison);
  CHECK(first->target_hint == full->target_hint);
  CHECK(first->ud_flag == full->ud_flag);
  CHECK(first->ini_tassn == full->ini_tassn);

  const auto fc = ub::test::fields_of(BtahCompact{});
  const auto fb = ub::test::fields_of(Btah{});
  REQUIRE(fc.size() == 8);
  REQUIRE(fb.size() == 18);
  for (std::size_t i = 0; i < fc.size(); ++i) {
    CHECK(fc[i].name == fb[i].name);
    CHECK(fc[i].offset == fb[i].offset);
    CHECK(fc[i].width == fb[i].width);
  }
  CHECK(ub::test::field_names(Btah{}) ==
        std::vector<std::string_view>{"TAOpcode", "TAver", "EE_bits", "TV_EN", "Poison",
                                      "Target_Hint", "UD_Flag", "INI_TASSN", "No_TAACK", "ODR",
                                      "MT_EN", "FCE", "Retry", "Alloc", "RSVD", "E_bit",
                                      "INI_RC_Type", "INI_RC_ID"});
  CHECK(fb[9].offset == 33);
  CHECK(fb[16].offset == 42);
  CHECK(fb[17].offset == 44);
  CHECK(fb[17].width == 20);
}

TEST_CASE("ATAH known answer", "[ta][atah][spec:§7.2.2]") {
  auto h = Codec<Atah>::decode(kAtah);
  REQUIRE(h);
  CHECK(h->ta_opcode == 0x12);
  CHECK(h->ta_ver == 1);
  CHECK(h->rsvd == 0);
  CHECK(h->sv);
  CHECK_FALSE(h->poison);
  CHECK(h->rsvd2 == 0);
  CHECK(h->ini_tassn == 0xBEEF);
  CHECK(h->rspst == ta_rspst::kNotPersisted);
  CHECK(h->rspinfo == 7);
  CHECK(h->rsvd3 == 0);
  CHECK(h->ini_rc_type == 0b10);
  CHECK(h->ini_rc_id == 0x3C0DE);
  std::array<Byte, 8> out{};
  auto n = Codec<Atah>::encode(*h, out);
  REQUIRE(n);
  CHECK(*n == 8);
  CHECK(out == kAtah);

  // In the full ATAH the compact form's Status slot (byte 1 bits 5:4) is reserved: kept, not
  // refused, and not mistaken for SV or Poison.
  auto w = kAtah;
  w[1] = 0x34; // TAver 00 | RSVD 11 | SV 0 | Poison 1 | RSVD2 00
  auto r = Codec<Atah>::decode(w);
  REQUIRE(r);
  CHECK(r->rsvd == 3);
  CHECK_FALSE(r->sv);
  CHECK(r->poison);

  CHECK(ub::test::field_names(Atah{}) ==
        std::vector<std::string_view>{"TAOpcode", "TAver", "RSVD", "SV", "Poison", "RSVD2",
                                      "INI_TASSN", "RSPST", "RSPINFO", "RSVD3", "INI_RC_Type",
                                      "INI_RC_ID"});
}

TEST_CASE("ATAH_COMPACT known answer", "[ta][atah_compact][spec:§7.2.2]") {
  auto h = Codec<AtahCompact>::decode(kAtahCompact);
  REQUIRE(h);
  CHECK(h->ta_opcode == 0x13);
  CHECK(h->ta_ver == 2);
  CHECK(h->status == 1);
  CHECK(h->rsvd == 0);
  CHECK(h->poison);
  CHECK(h->rsvd2 == 0);
  CHECK(h->ini_tassn == 0x0A0B);
  std::array<Byte, 4> out{};
  REQUIRE(Codec<AtahCompact>::encode(*h, out));
  CHECK(out == kAtahCompact);

  AtahCompact ack{}; // Transaction_ACK, Status 00
  ack.ini_tassn = 0xFFFF;
  CHECK(ub::test::encode_ok(ack) == std::vector<Byte>{0x11, 0x00, 0xFF, 0xFF});
  CHECK(ub::test::field_names(AtahCompact{}) ==
        std::vector<std::string_view>{"TAOpcode", "TAver", "Status", "RSVD", "Poison", "RSVD2",
                                      "INI_TASSN"});
}

TEST_CASE("BTAH TAOpcode: reserved codes and responses are refused", "[ta][btah][spec:§7.2.1]") {
  for (int op = 0; op < 256; ++op) {
    auto wire = kBtahB;
    wire[0] = static_cast<Byte>(op);
    auto h = Codec<Btah>::decode(wire);
    INFO("TAOpcode " << op);
    if (reserved_op(op)) {
      UB_CHECK_ERROR(h, Errc::ReservedValue, "TAOpcode", 0);
      CHECK(h.error().value == static_cast<std::uint64_t>(op));
      CHECK(h.error().header == "BTAH");
    } else if (response_op(op)) {
      UB_CHECK_ERROR(h, Errc::NotAllowed, "TAOpcode", 0);
    } else {
      REQUIRE(h);
      CHECK(h->ta_opcode == op);
    }
  }
}

TEST_CASE("BTAH_COMPACT TAOpcode: only the CFG 9 requests", "[ta][btah_compact][spec:App.B.2.6]") {
  for (int op = 0; op < 256; ++op) {
    auto wire = kBtahCompact;
    wire[0] = static_cast<Byte>(op);
    auto h = Codec<BtahCompact>::decode(wire);
    INFO("TAOpcode " << op);
    if (reserved_op(op)) {
      UB_CHECK_ERROR(h, Errc::ReservedValue, "TAOpcode", 0);
    } else if (response_op(op) || !compact_op(op)) {
      // Responses use the ATAH; Send, Send_with_immediate, Write_with_immediate,
      // Write_with_notify and Management cannot be expressed in CFG 9.
      UB_CHECK_ERROR(h, Errc::NotAllowed, "TAOpcode", 0);
      CHECK(h.error().header == "BTAH_COMPACT");
    } else {
      REQUIRE(h);
      CHECK(h->ta_opcode == op);
    }
  }
  BtahCompact send{};
  send.ta_opcode = static_cast<std::uint8_t>(TaOpcode::Send);
  std::array<Byte, 4> out{};
  UB_CHECK_ERROR(Codec<BtahCompact>::encode(send, out), Errc::NotAllowed, "TAOpcode", 0);
}

TEST_CASE("ATAH and ATAH_COMPACT TAOpcode: responses only", "[ta][atah][atah_compact]") {
  for (int op = 0; op < 256; ++op) {
    auto full = kAtah;
    full[0] = static_cast<Byte>(op);
    auto compact = kAtahCompact;
    compact[0] = static_cast<Byte>(op);
    auto a = Codec<Atah>::decode(full);
    auto c = Codec<AtahCompact>::decode(compact);
    INFO("TAOpcode " << op);
    if (reserved_op(op)) {
      UB_CHECK_ERROR(a, Errc::ReservedValue, "TAOpcode", 0);
      UB_CHECK_ERROR(c, Errc::ReservedValue, "TAOpcode", 0);
    } else if (!response_op(op)) {
      UB_CHECK_ERROR(a, Errc::NotAllowed, "TAOpcode", 0);
      UB_CHECK_ERROR(c, Errc::NotAllowed, "TAOpcode", 0);
    } else {
      CHECK(a);
      CHECK(c);
    }
  }
}

TEST_CASE("BTAH EE_bits, ODR and INI_RC_Type reserved values", "[ta][btah][spec:§7.2.1]") {
  for (int ee = 0; ee < 4; ++ee) {
    auto wire = kBtahB;
    wire[1] = static_cast<Byte>((wire[1] & 0xCF) | (ee << 4));
    auto compact = kBtahCompact;
    compact[1] = static_cast<Byte>((compact[1] & 0xCF) | (ee << 4));
    auto h = Codec<Btah>::decode(wire);
    auto c = Codec<BtahCompact>::decode(compact);
    INFO("EE_bits " << ee);
    if (ee == 0b01 || ee == 0b11) {
      REQUIRE(h);
      CHECK(h->ee_bits == ee);
      CHECK(c);
    } else {
      UB_CHECK_ERROR(h, Errc::ReservedValue, "EE_bits", 1);
      CHECK(h.error().value == static_cast<std::uint64_t>(ee));
      UB_CHECK_ERROR(c, Errc::ReservedValue, "EE_bits", 1);
    }
  }
  for (int o = 0; o < 8; ++o) {
    auto wire = kBtahB;
    wire[4] = static_cast<Byte>(o << 4);
    auto h = Codec<Btah>::decode(wire);
    INFO("ODR " << o);
    if ((o & 3) == 3) {
      UB_CHECK_ERROR(h, Errc::ReservedValue, "ODR", 4);
      CHECK(h.error().value == static_cast<std::uint64_t>(o));
    } else {
      REQUIRE(h);
      CHECK(h->odr == o);
    }
  }
  for (int t = 0; t < 4; ++t) {
    auto wire = kBtahB;
    wire[5] = static_cast<Byte>(t << 4);
    auto h = Codec<Btah>::decode(wire);
    if (t == 3) {
      UB_CHECK_ERROR(h, Errc::ReservedValue, "INI_RC_Type", 5);
    } else {
      REQUIRE(h);
      CHECK(h->ini_rc_type == t);
    }
  }
  // The reserved bit 7 of byte 5 is kept, not refused.
  auto rsvd = kBtahB;
  rsvd[5] = static_cast<Byte>(rsvd[5] | 0x80);
  auto r = Codec<Btah>::decode(rsvd);
  REQUIRE(r);
  CHECK(r->rsvd == 1);
  CHECK_FALSE(r->e_bit);
  // The opcode is judged first.
  auto both = kBtahB;
  both[0] = 0x02;
  both[1] = 0x00;
  UB_CHECK_ERROR(Codec<Btah>::decode(both), Errc::ReservedValue, "TAOpcode", 0);
}

TEST_CASE("ATAH RSPST, INI_RC_Type and compact Status reserved values",
          "[ta][atah][atah_compact][spec:§7.2.2]") {
  for (int st = 0; st < 8; ++st) {
    auto wire = kAtah;
    wire[4] = static_cast<Byte>((st << 5) | 0x1F);
    auto h = Codec<Atah>::decode(wire);
    INFO("RSPST " << st);
    if (st == 4 || st == 6 || st == 7) {
      UB_CHECK_ERROR(h, Errc::ReservedValue, "RSPST", 4);
      CHECK(h.error().value == static_cast<std::uint64_t>(st));
    } else {
      REQUIRE(h);
      CHECK(h->rspst == st);
      CHECK(h->rspinfo == 0x1F);
    }
  }
  auto type3 = kAtah;
  type3[5] = 0x33;
  UB_CHECK_ERROR(Codec<Atah>::decode(type3), Errc::ReservedValue, "INI_RC_Type", 5);

  for (int s = 0; s < 4; ++s) {
    auto wire = kAtahCompact;
    wire[1] = static_cast<Byte>((wire[1] & 0xCF) | (s << 4));
    auto h = Codec<AtahCompact>::decode(wire);
    INFO("Status " << s);
    if (s >= 2) {
      UB_CHECK_ERROR(h, Errc::ReservedValue, "Status", 1);
      CHECK(h.error().value == static_cast<std::uint64_t>(s));
      CHECK(h.error().header == "ATAH_COMPACT");
    } else {
      REQUIRE(h);
      CHECK(h->status == s);
      CHECK(h->poison);
    }
  }
}

TEST_CASE("TAH truncation", "[ta][btah][btah_compact][atah][atah_compact]") {
  ub::test::check_truncation<Btah>(kBtahA);
  ub::test::check_truncation<BtahCompact>(kBtahCompact);
  ub::test::check_truncation<Atah>(kAtah);
  ub::test::check_truncation<AtahCompact>(kAtahCompact);
}

TEST_CASE("TAH encode errors", "[ta][btah][btah_compact][atah][atah_compact]") {
  auto base = Codec<Btah>::decode(kBtahA);
  REQUIRE(base);
  std::array<Byte, 8> out{};
  Btah b = *base;
  b.ini_rc_id = 1U << 20;
  UB_CHECK_ERROR(Codec<Btah>::encode(b, out), Errc::OutOfRange, "INI_RC_ID", 5);
  b = *base;
  b.odr = 8;
  UB_CHECK_ERROR(Codec<Btah>::encode(b, out), Errc::OutOfRange, "ODR", 4);
  b.odr = 0b111;
  UB_CHECK_ERROR(Codec<Btah>::encode(b, out), Errc::ReservedValue, "ODR", 4);
  b = *base;
  b.ta_ver = 4;
  UB_CHECK_ERROR(Codec<Btah>::encode(b, out), Errc::OutOfRange, "TAver", 1);
  b = *base;
  b.rsvd = 2;
  UB_CHECK_ERROR(Codec<Btah>::encode(b, out), Errc::OutOfRange, "RSVD", 5);
  b = *base;
  b.ee_bits = 0;
  UB_CHECK_ERROR(Codec<Btah>::encode(b, out), Errc::ReservedValue, "EE_bits", 1);
  b = *base;
  b.ta_opcode = 0x11;
  UB_CHECK_ERROR(Codec<Btah>::encode(b, out), Errc::NotAllowed, "TAOpcode", 0);
  b = *base;
  b.ini_rc_type = 3;
  UB_CHECK_ERROR(Codec<Btah>::encode(b, out), Errc::ReservedValue, "INI_RC_Type", 5);
  ub::test::check_buffer_too_small(*base);
  b = *base;
  UB_CHECK_ERROR(Codec<Btah>::set(b, "INI_RC_ID", FieldValue{1U << 20, {}}), Errc::OutOfRange,
                 "INI_RC_ID", 5);
  UB_CHECK_ERROR(Codec<Btah>::set(b, "INI_TASSN", FieldValue{0x10000, {}}), Errc::OutOfRange,
                 "INI_TASSN", 2);
  CHECK(Codec<Btah>::set(b, "Status", FieldValue{}).error().code == Errc::UnknownField);

  BtahCompact c{};
  c.ta_opcode = static_cast<std::uint8_t>(TaOpcode::Write);
  c.ee_bits = 4;
  std::array<Byte, 4> out4{};
  UB_CHECK_ERROR(Codec<BtahCompact>::encode(c, out4), Errc::OutOfRange, "EE_bits", 1);
  c.ee_bits = 1;
  ub::test::check_buffer_too_small(c);
  CHECK(Codec<BtahCompact>::set(c, "ODR", FieldValue{}).error().code == Errc::UnknownField);

  Atah a{};
  a.rspinfo = 32;
  UB_CHECK_ERROR(Codec<Atah>::encode(a, out), Errc::OutOfRange, "RSPINFO", 4);
  a.rspinfo = 0;
  a.rspst = 4;
  UB_CHECK_ERROR(Codec<Atah>::encode(a, out), Errc::ReservedValue, "RSPST", 4);
  a.rspst = 0;
  a.ta_opcode = static_cast<std::uint8_t>(TaOpcode::Read);
  UB_CHECK_ERROR(Codec<Atah>::encode(a, out), Errc::NotAllowed, "TAOpcode", 0);
  a.ta_opcode = 0x11;
  ub::test::check_buffer_too_small(a);

  AtahCompact ac{};
  ac.status = 2;
  UB_CHECK_ERROR(Codec<AtahCompact>::encode(ac, out4), Errc::ReservedValue, "Status", 1);
  ac.status = 4;
  UB_CHECK_ERROR(Codec<AtahCompact>::encode(ac, out4), Errc::OutOfRange, "Status", 1);
  ac.status = 0;
  ub::test::check_buffer_too_small(ac);
}

TEST_CASE("TAH round-trips random field values", "[ta][btah][btah_compact][atah][atah_compact]") {
  auto pick = [](const FieldDesc& d, Xorshift64& rng) -> std::optional<std::uint64_t> {
    if (d.name == "TAOpcode" && rng.chance(3, 4)) {
      return rng.below(0x19); // mostly defined codes
    }
    if (d.name == "EE_bits" && rng.chance(3, 4)) {
      return rng.chance(1, 2) ? 0b01 : 0b11;
    }
    if (d.name == "ODR" && rng.chance(3, 4)) {
      return (rng.below(2) << 2) | rng.below(3);
    }
    if (d.name == "INI_RC_Type" && rng.chance(3, 4)) {
      return rng.below(3);
    }
    if (d.name == "RSPST" && rng.chance(3, 4)) {
      constexpr std::array<std::uint8_t, 5> kSt{0, 1, 2, 3, 5};
      return kSt[rng.below(kSt.size())];
    }
    if (d.name == "Status" && rng.chance(3, 4)) {
      return rng.below(2);
    }
    return std::nullopt;
  };
  const auto b = ub::test::random_round_trips<Btah>(0xB7A4, 500, pick);
  CHECK(b.accepted > 50);
  CHECK(b.rejected > 50);
  const auto bc = ub::test::random_round_trips<BtahCompact>(0xB7AC, 500, pick);
  CHECK(bc.accepted > 50);
  CHECK(bc.rejected > 50);

  auto rpick = [&](const FieldDesc& d, Xorshift64& rng) -> std::optional<std::uint64_t> {
    if (d.name == "TAOpcode" && rng.chance(3, 4)) {
      return 0x11 + rng.below(3);
    }
    return pick(d, rng);
  };
  const auto a = ub::test::random_round_trips<Atah>(0xA7A4, 500, rpick);
  CHECK(a.accepted > 50);
  CHECK(a.rejected > 50);
  const auto ac = ub::test::random_round_trips<AtahCompact>(0xA7AC, 500, rpick);
  CHECK(ac.accepted > 50);
  CHECK(ac.rejected > 50);
}
