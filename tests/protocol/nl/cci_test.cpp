#include <array>
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include <catch2/catch.hpp>

#include "protocol/nl/cci.hpp"
#include "protocol/nl/codec_test_support.hpp"

using namespace ub;
using namespace ub::nl;
using ub::test::Xorshift64;

TEST_CASE("CCI CAQM form known answers", "[nl][cci][spec:§5.3.5.1]") {
  // Mode=000 Loc=1 RSVD=0 Enable=1 C=0 I=1 Hint=0xA5:
  //   byte 0 = 000 1 0 1 0 1 = 0x15, byte 1 = Hint = 0xA5.
  const std::array<Byte, 2> a{0x15, 0xA5};
  auto h = Codec<Cci>::decode(a);
  REQUIRE(h);
  CHECK(h->mode == cci_mode::kCaqm);
  CHECK(h->loc);
  CHECK(h->rsvd == 0);
  CHECK(h->enable);
  CHECK_FALSE(h->c);
  CHECK(h->i);
  CHECK(h->hint == 0xA5);
  CHECK(h->timestamp == 0);
  CHECK(h->fecn == 0);
  std::array<Byte, 2> out{};
  REQUIRE(Codec<Cci>::encode(*h, out));
  CHECK(out == a);

  // Mode=000 Loc=0 RSVD=0 Enable=0 C=1 I=0 Hint=0x3C: byte 0 = 000 0 0 0 1 0 = 0x02.
  Cci c{};
  c.c = true;
  c.hint = 0x3C;
  CHECK(ub::test::encode_ok(c) == std::vector<Byte>{0x02, 0x3C});
  CHECK(unpack_cci(0x023C) == c);
  CHECK(pack_cci(c) == 0x023C);
}

TEST_CASE("CCI FECN_RTT form known answer", "[nl][cci][spec:§5.3.5.1]") {
  // Mode=010 Loc=1 Timestamp=0x2B7 (10 1011 0111) FECN=01:
  //   010 1 | 1010110111 | 01 = 0101 1010 1101 1101 = 0x5A 0xDD.
  const std::array<Byte, 2> wire{0x5A, 0xDD};
  auto h = Codec<Cci>::decode(wire);
  REQUIRE(h);
  CHECK(h->mode == cci_mode::kFecnRtt);
  CHECK(h->loc);
  CHECK(h->timestamp == 0x2B7);
  CHECK(h->fecn == fecn::kMild);
  CHECK(h->hint == 0);
  CHECK_FALSE(h->enable);
  CHECK(h->rsvd == 0);
  std::array<Byte, 2> out{};
  REQUIRE(Codec<Cci>::encode(*h, out));
  CHECK(out == wire);
}

TEST_CASE("CCI FECN form known answers", "[nl][cci][spec:§5.3.5.1]") {
  // Mode=100 Loc=0 RSVD=0 FECN=11: 100 0 0000000000 11 = 0x80 0x03.
  const std::array<Byte, 2> severe{0x80, 0x03};
  auto h = Codec<Cci>::decode(severe);
  REQUIRE(h);
  CHECK(h->mode == cci_mode::kFecn);
  CHECK_FALSE(h->loc);
  CHECK(h->rsvd == 0);
  CHECK(h->fecn == fecn::kSevere);
  std::array<Byte, 2> out{};
  REQUIRE(Codec<Cci>::encode(*h, out));
  CHECK(out == severe);

  // Mode=100 Loc=1 FECN=10 (markable, no congestion): 100 1 0000000000 10 = 0x90 0x02.
  Cci none{};
  none.mode = cci_mode::kFecn;
  none.loc = true;
  none.fecn = fecn::kNone;
  CHECK(ub::test::encode_ok(none) == std::vector<Byte>{0x90, 0x02});

  // Reserved bits are kept, not folded into FECN: 0x8F 0xF3 = 100 0 1111111100 11.
  const std::array<Byte, 2> rsvd{0x8F, 0xF3};
  auto r = Codec<Cci>::decode(rsvd);
  REQUIRE(r);
  CHECK(r->rsvd == 0x3FC);
  CHECK(r->fecn == 0b11);
  CHECK_FALSE(r->loc);
}

TEST_CASE("CCI visit lists the fields of the current mode", "[nl][cci][spec:§5.3.5.1]") {
  Cci c{};
  c.mode = cci_mode::kCaqm;
  CHECK(ub::test::field_names(c) ==
        std::vector<std::string_view>{"Mode", "Loc", "RSVD", "Enable", "C", "I", "Hint"});
  const auto caqm = ub::test::fields_of(c);
  REQUIRE(caqm.size() == 7);
  CHECK(caqm[2].width == 1);
  CHECK(caqm[2].role == FieldRole::Reserved);
  CHECK(caqm[6].offset == 8);
  CHECK(caqm[6].width == 8);

  c.mode = cci_mode::kFecnRtt;
  CHECK(ub::test::field_names(c) ==
        std::vector<std::string_view>{"Mode", "Loc", "Timestamp", "FECN"});
  const auto rtt = ub::test::fields_of(c);
  REQUIRE(rtt.size() == 4);
  CHECK(rtt[2].offset == 4);
  CHECK(rtt[2].width == 10);
  CHECK(rtt[3].offset == 14);

  c.mode = cci_mode::kFecn;
  CHECK(ub::test::field_names(c) == std::vector<std::string_view>{"Mode", "Loc", "RSVD", "FECN"});
  const auto fe = ub::test::fields_of(c);
  REQUIRE(fe.size() == 4);
  CHECK(fe[2].width == 10);
  CHECK(fe[3].width == 2);

  for (std::uint8_t m :
       {std::uint8_t{1}, std::uint8_t{3}, std::uint8_t{5}, std::uint8_t{6}, std::uint8_t{7}}) {
    c.mode = m;
    CHECK(ub::test::field_names(c) == std::vector<std::string_view>{"Mode", "Loc"});
  }
}

TEST_CASE("CCI decode errors", "[nl][cci][spec:§5.3.5.1]") {
  const std::array<Byte, 2> wire{0x5A, 0xDD};
  ub::test::check_truncation<Cci>(wire);

  // Modes 001, 011, 101, 110 and 111 are reserved, whatever the other 13 bits hold.
  for (int m : {1, 3, 5, 6, 7}) {
    for (int low : {0x00, 0x1F}) {
      const std::array<Byte, 2> bad{static_cast<Byte>((m << 5) | low), 0xFF};
      auto h = Codec<Cci>::decode(bad);
      UB_CHECK_ERROR(h, Errc::ReservedValue, "Mode", 0);
      CHECK(h.error().header == "CCI");
      CHECK(h.error().value == static_cast<std::uint64_t>(m));
    }
  }
}

TEST_CASE("CCI refuses a member its mode does not carry", "[nl][cci][spec:§5.3.5.1]") {
  std::array<Byte, 2> out{};
  Cci c{};
  c.mode = cci_mode::kFecn;
  c.hint = 5;
  UB_CHECK_ERROR(Codec<Cci>::encode(c, out), Errc::NotAllowed, "Hint", 1);
  CHECK(out == std::array<Byte, 2>{0, 0}); // nothing written

  c = Cci{};
  c.mode = cci_mode::kFecnRtt;
  c.enable = true;
  UB_CHECK_ERROR(Codec<Cci>::encode(c, out), Errc::NotAllowed, "Enable", 0);
  c.enable = false;
  c.c = true;
  UB_CHECK_ERROR(Codec<Cci>::encode(c, out), Errc::NotAllowed, "C", 0);
  c.c = false;
  c.i = true;
  UB_CHECK_ERROR(Codec<Cci>::encode(c, out), Errc::NotAllowed, "I", 0);
  c.i = false;
  c.rsvd = 1; // FECN_RTT has no reserved bits
  UB_CHECK_ERROR(Codec<Cci>::encode(c, out), Errc::NotAllowed, "RSVD", 0);

  c = Cci{};
  c.mode = cci_mode::kFecn;
  c.timestamp = 1;
  UB_CHECK_ERROR(Codec<Cci>::encode(c, out), Errc::NotAllowed, "Timestamp", 0);
  c.mode = cci_mode::kCaqm;
  UB_CHECK_ERROR(Codec<Cci>::encode(c, out), Errc::NotAllowed, "Timestamp", 0);

  c = Cci{};
  c.mode = cci_mode::kCaqm;
  c.fecn = fecn::kMild;
  UB_CHECK_ERROR(Codec<Cci>::encode(c, out), Errc::NotAllowed, "FECN", 1);
}

TEST_CASE("CCI encode range and mode errors", "[nl][cci][spec:§5.3.5.1]") {
  std::array<Byte, 2> out{};
  Cci c{};
  c.mode = 3;
  UB_CHECK_ERROR(Codec<Cci>::encode(c, out), Errc::ReservedValue, "Mode", 0);
  c.mode = 8;
  UB_CHECK_ERROR(Codec<Cci>::encode(c, out), Errc::OutOfRange, "Mode", 0);

  c = Cci{};
  c.rsvd = 2; // one reserved bit in CAQM
  UB_CHECK_ERROR(Codec<Cci>::encode(c, out), Errc::OutOfRange, "RSVD", 0);
  c.mode = cci_mode::kFecn; // ten reserved bits in FECN
  REQUIRE(Codec<Cci>::encode(c, out));
  CHECK(out == std::array<Byte, 2>{0x80, 0x08}); // 100 0 0000000010 00
  c.rsvd = 0x400;
  UB_CHECK_ERROR(Codec<Cci>::encode(c, out), Errc::OutOfRange, "RSVD", 0);

  c = Cci{};
  c.mode = cci_mode::kFecnRtt;
  c.timestamp = 0x400;
  UB_CHECK_ERROR(Codec<Cci>::encode(c, out), Errc::OutOfRange, "Timestamp", 0);
  c.timestamp = 0;
  c.fecn = 4;
  UB_CHECK_ERROR(Codec<Cci>::encode(c, out), Errc::OutOfRange, "FECN", 1);

  UB_CHECK_ERROR(Codec<Cci>::encode(Cci{}, std::span<Byte>(out).first(1)), Errc::BufferTooSmall, "",
                 0);
  ub::test::check_buffer_too_small(Cci{});
}

TEST_CASE("CCI set accepts any mode's field and checks its width", "[nl][cci]") {
  Cci c{};
  REQUIRE(Codec<Cci>::set(c, "Timestamp", FieldValue{0x3FF, {}}));
  CHECK(c.timestamp == 0x3FF);
  REQUIRE(Codec<Cci>::set(c, "RSVD", FieldValue{0x3FF, {}})); // the FECN form's 10 bits
  CHECK(c.rsvd == 0x3FF);
  REQUIRE(Codec<Cci>::set(c, "RSVD", FieldValue{1, {}}));
  CHECK(c.rsvd == 1);
  UB_CHECK_ERROR(Codec<Cci>::set(c, "RSVD", FieldValue{0x400, {}}), Errc::OutOfRange, "RSVD", 0);
  UB_CHECK_ERROR(Codec<Cci>::set(c, "Hint", FieldValue{0x100, {}}), Errc::OutOfRange, "Hint", 1);
  UB_CHECK_ERROR(Codec<Cci>::set(c, "Mode", FieldValue{8, {}}), Errc::OutOfRange, "Mode", 0);
  UB_CHECK_ERROR(Codec<Cci>::set(c, "Timestamp", FieldValue{0x400, {}}), Errc::OutOfRange,
                 "Timestamp", 0);
  UB_CHECK_ERROR(Codec<Cci>::set(c, "FECN", FieldValue{4, {}}), Errc::OutOfRange, "FECN", 1);
  CHECK(Codec<Cci>::set(c, "NPI", FieldValue{}).error().code == Errc::UnknownField);

  // The mode finally chosen decides: FECN with a leftover Hint is refused at encode.
  Cci f{};
  REQUIRE(Codec<Cci>::set(f, "Mode", FieldValue{cci_mode::kFecn, {}}));
  REQUIRE(Codec<Cci>::set(f, "Hint", FieldValue{5, {}}));
  std::array<Byte, 2> out{};
  UB_CHECK_ERROR(Codec<Cci>::encode(f, out), Errc::NotAllowed, "Hint", 1);
}

TEST_CASE("CCI round-trips random field values in every mode", "[nl][cci]") {
  // Mode is the first field, so randomise() chooses it first and then fills that mode's fields.
  const auto stats = ub::test::random_round_trips<Cci>(0xCC1, 600);
  CHECK(stats.accepted > 150);
  CHECK(stats.rejected > 150); // five of eight modes are reserved
}
