#include <array>
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include <catch2/catch.hpp>

#include "protocol/nl/codec_test_support.hpp"
#include "protocol/tp/cetph.hpp"

using namespace ub;
using namespace ub::tp;
using ub::test::Xorshift64;

TEST_CASE("CETPH LDCP known answer", "[tp][cetph][spec:§6.2.2]") {
  // Ack_Seq 0x01234567, Ce_Seq 0x89ABCDEF, both big-endian.
  const std::array<Byte, 8> wire{0x01, 0x23, 0x45, 0x67, 0x89, 0xAB, 0xCD, 0xEF};
  auto h = Codec<CetphLdcp>::decode(wire);
  REQUIRE(h);
  CHECK(h->ack_seq == 0x01234567);
  CHECK(h->ce_seq == 0x89ABCDEF);
  std::array<Byte, 8> out{};
  auto n = Codec<CetphLdcp>::encode(*h, out);
  REQUIRE(n);
  CHECK(*n == 8);
  CHECK(out == wire);
}

TEST_CASE("CETPH CAQM known answers", "[tp][cetph][spec:§6.2.2]") {
  // Ack_Seq 0xFEDCBA98; byte 4 = RSVD 000000 | Loc 1 | I 0 = 0x02; C 0x5A; Hint 0xC3E1.
  const std::array<Byte, 8> wire{0xFE, 0xDC, 0xBA, 0x98, 0x02, 0x5A, 0xC3, 0xE1};
  auto h = Codec<CetphCaqm>::decode(wire);
  REQUIRE(h);
  CHECK(h->ack_seq == 0xFEDCBA98);
  CHECK(h->rsvd == 0);
  CHECK(h->loc);
  CHECK_FALSE(h->i);
  CHECK(h->c == 0x5A);
  CHECK(h->hint == 0xC3E1);
  std::array<Byte, 8> out{};
  REQUIRE(Codec<CetphCaqm>::encode(*h, out));
  CHECK(out == wire);

  // Loc 0, I 1: byte 4 = 0x01.
  CetphCaqm c{};
  c.i = true;
  c.c = 0xFF;
  c.hint = 1;
  CHECK(ub::test::encode_ok(c) ==
        std::vector<Byte>{0x00, 0x00, 0x00, 0x00, 0x01, 0xFF, 0x00, 0x01});
  // Reserved bits 7:2 of byte 4 are kept apart from Loc and I.
  const std::array<Byte, 8> rsvd{0, 0, 0, 0, 0xFC, 0, 0, 0};
  auto r = Codec<CetphCaqm>::decode(rsvd);
  REQUIRE(r);
  CHECK(r->rsvd == 0x3F);
  CHECK_FALSE(r->loc);
  CHECK_FALSE(r->i);
}

TEST_CASE("CNP CETPH known answers", "[tp][cnp][spec:§6.2.2]") {
  // ECN 11 (severe), Loc 1, RSVD 00000: byte 0 = 11 1 00000 = 0xE0; bytes 1..15 zero.
  std::array<Byte, 16> wire{0xE0};
  auto h = Codec<CnpCetph>::decode(wire);
  REQUIRE(h);
  CHECK(h->ecn == 3);
  CHECK(h->loc);
  CHECK(h->rsvd == 0);
  CHECK(h->rsvd2 == Wide<15>{});
  std::array<Byte, 16> out{};
  auto n = Codec<CnpCetph>::encode(*h, out);
  REQUIRE(n);
  CHECK(*n == 16);
  CHECK(out == wire);

  // ECN 01 (mild), Loc 0: 0x40.
  CnpCetph mild{};
  mild.ecn = 1;
  auto e = ub::test::encode_ok(mild);
  REQUIRE(e.size() == 16);
  CHECK(e[0] == 0x40);
  for (std::size_t i = 1; i < 16; ++i) {
    CHECK(e[i] == 0);
  }

  // Reserved bits anywhere are kept, not refused: 0x1F in byte 0, 0xAA in byte 15.
  std::array<Byte, 16> r{0x5F};
  r[15] = 0xAA;
  auto d = Codec<CnpCetph>::decode(r);
  REQUIRE(d);
  CHECK(d->ecn == 1);
  CHECK_FALSE(d->loc);
  CHECK(d->rsvd == 0x1F);
  CHECK(d->rsvd2[14] == 0xAA);
}

TEST_CASE("CETPH field reflection", "[tp][cetph][cnp]") {
  CHECK(ub::test::field_names(CetphLdcp{}) == std::vector<std::string_view>{"Ack_Seq", "Ce_Seq"});
  CHECK(ub::test::field_names(CetphCaqm{}) ==
        std::vector<std::string_view>{"Ack_Seq", "RSVD", "Loc", "I", "C", "Hint"});
  const auto f = ub::test::fields_of(CetphCaqm{});
  REQUIRE(f.size() == 6);
  CHECK(f[2].offset == 38);
  CHECK(f[3].offset == 39);
  CHECK(f[4].offset == 40);
  CHECK(f[5].offset == 48);
  CHECK(f[5].width == 16);
  CHECK(ub::test::field_names(CnpCetph{}) ==
        std::vector<std::string_view>{"ECN", "Loc", "RSVD", "RSVD2"});
}

TEST_CASE("CNP ECN 2 is reserved", "[tp][cnp][spec:§6.2.2]") {
  for (int b = 0; b < 256; ++b) {
    std::array<Byte, 16> wire{static_cast<Byte>(b)};
    auto h = Codec<CnpCetph>::decode(wire);
    INFO("byte 0 = " << b);
    if ((b >> 6) == 2) {
      UB_CHECK_ERROR(h, Errc::ReservedValue, "ECN", 0);
      CHECK(h.error().header == "CNP");
      CHECK(h.error().value == 2);
    } else {
      REQUIRE(h);
      CHECK(h->ecn == (b >> 6));
      CHECK(h->loc == (((b >> 5) & 1) != 0));
      CHECK(h->rsvd == (b & 0x1F));
    }
  }
  CnpCetph c{};
  c.ecn = 2;
  std::array<Byte, 16> out{};
  UB_CHECK_ERROR(Codec<CnpCetph>::encode(c, out), Errc::ReservedValue, "ECN", 0);
  c.ecn = 4;
  UB_CHECK_ERROR(Codec<CnpCetph>::encode(c, out), Errc::OutOfRange, "ECN", 0);
}

TEST_CASE("CETPH truncation and encode errors", "[tp][cetph][cnp][spec:§6.2.2]") {
  ub::test::check_truncation<CetphLdcp>(std::array<Byte, 8>{1, 2, 3, 4, 5, 6, 7, 8});
  ub::test::check_truncation<CetphCaqm>(std::array<Byte, 8>{1, 2, 3, 4, 5, 6, 7, 8});
  ub::test::check_truncation<CnpCetph>(std::array<Byte, 16>{0xC0});

  CetphCaqm c{};
  std::array<Byte, 8> out{};
  c.rsvd = 64;
  UB_CHECK_ERROR(Codec<CetphCaqm>::encode(c, out), Errc::OutOfRange, "RSVD", 4);
  c.rsvd = 0;
  ub::test::check_buffer_too_small(c);
  UB_CHECK_ERROR(Codec<CetphCaqm>::set(c, "C", FieldValue{0x100, {}}), Errc::OutOfRange, "C", 5);
  UB_CHECK_ERROR(Codec<CetphCaqm>::set(c, "Hint", FieldValue{0x10000, {}}), Errc::OutOfRange,
                 "Hint", 6);
  ub::test::check_buffer_too_small(CetphLdcp{});
  CetphLdcp l{};
  UB_CHECK_ERROR(Codec<CetphLdcp>::set(l, "Ce_Seq", FieldValue{0x100000000ULL, {}}),
                 Errc::OutOfRange, "Ce_Seq", 4);
  ub::test::check_buffer_too_small(CnpCetph{});
  CnpCetph n{};
  UB_CHECK_ERROR(Codec<CnpCetph>::set(n, "RSVD", FieldValue{32, {}}), Errc::OutOfRange, "RSVD", 0);
  std::vector<Byte> wide(16, 0);
  wide[0] = 1; // 16 bytes with a non-zero leading byte do not fit 120 bits
  UB_CHECK_ERROR(Codec<CnpCetph>::set(n, "RSVD2", FieldValue{0, wide}), Errc::OutOfRange, "RSVD2",
                 1);
}

TEST_CASE("CETPH and CNP round-trip random field values", "[tp][cetph][cnp]") {
  CHECK(ub::test::random_round_trips<CetphLdcp>(0x1DC9, 300).accepted == 300);
  CHECK(ub::test::random_round_trips<CetphCaqm>(0xCA9, 300).accepted == 300);
  const auto s = ub::test::random_round_trips<CnpCetph>(0xC49, 400);
  CHECK(s.accepted > 200);
  CHECK(s.rejected > 30); // ECN 2
}
