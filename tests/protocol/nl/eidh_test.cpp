#include <array>
#include <cstdint>
#include <string_view>
#include <vector>

#include <catch2/catch.hpp>

#include "protocol/nl/codec_test_support.hpp"
#include "protocol/nl/eidh.hpp"

using namespace ub;
using namespace ub::nl;

TEST_CASE("EIDH40 known answers", "[nl][eidh40][spec:App.B.4]") {
  // SEID=0x12345 (bits 39:20), DEID=0x6789A (bits 19:0): 40 bits 0x12345'6789A.
  const std::array<Byte, 5> wire{0x12, 0x34, 0x56, 0x78, 0x9A};
  auto h = Codec<Eidh40>::decode(wire);
  REQUIRE(h);
  CHECK(h->seid == 0x12345);
  CHECK(h->deid == 0x6789A);
  std::array<Byte, 5> out{};
  REQUIRE(Codec<Eidh40>::encode(*h, out));
  CHECK(out == wire);

  // DEID[19:8] ends word 0 and DEID[7:0] is byte 4: SEID=0xFEDCB, DEID=0xA9876 ->
  // FE DC B|A 98 76.
  Eidh40 e{};
  e.seid = 0xFEDCB;
  e.deid = 0xA9876;
  CHECK(ub::test::encode_ok(e) == std::vector<Byte>{0xFE, 0xDC, 0xBA, 0x98, 0x76});
  // A lone DEID bit 19 lands in byte 2 bit 3: 00 00 08 00 00.
  Eidh40 d{};
  d.deid = 0x80000;
  CHECK(ub::test::encode_ok(d) == std::vector<Byte>{0x00, 0x00, 0x08, 0x00, 0x00});
}

TEST_CASE("EIDH256 known answer", "[nl][eidh256][spec:App.B.4]") {
  // SEID = 00 01 .. 0F (SEID[127:120] = 0x00 first), DEID = F0 F1 .. FF.
  std::array<Byte, 32> wire{};
  for (std::size_t i = 0; i < 16; ++i) {
    wire[i] = static_cast<Byte>(i);
    wire[16 + i] = static_cast<Byte>(0xF0 + i);
  }
  auto h = Codec<Eidh256>::decode(wire);
  REQUIRE(h);
  CHECK(h->seid[0] == 0x00);
  CHECK(h->seid[15] == 0x0F);
  CHECK(h->deid[0] == 0xF0);
  CHECK(h->deid[15] == 0xFF);
  std::array<Byte, 32> out{};
  auto n = Codec<Eidh256>::encode(*h, out);
  REQUIRE(n);
  CHECK(*n == 32);
  CHECK(out == wire);
}

TEST_CASE("EIDH field reflection and wide set", "[nl][eidh40][eidh256]") {
  const auto f40 = ub::test::fields_of(Eidh40{});
  REQUIRE(f40.size() == 2);
  CHECK(f40[0].name == "SEID");
  CHECK(f40[1].name == "DEID");
  CHECK(f40[1].offset == 20);
  CHECK(f40[1].width == 20);

  Eidh256 h{};
  const auto f256 = ub::test::fields_of(h);
  REQUIRE(f256.size() == 2);
  CHECK(f256[1].offset == 128);
  CHECK(f256[1].width == 128);

  // A short byte string is right-aligned; a scalar lands in the low 8 bytes.
  const std::vector<Byte> two{0xAB, 0xCD};
  REQUIRE(Codec<Eidh256>::set(h, "SEID", FieldValue{0, two}));
  CHECK(h.seid[14] == 0xAB);
  CHECK(h.seid[15] == 0xCD);
  CHECK(h.seid[0] == 0x00);
  REQUIRE(Codec<Eidh256>::set(h, "DEID", FieldValue{0x0102030405060708ULL, {}}));
  CHECK(h.deid[7] == 0x00);
  CHECK(h.deid[8] == 0x01);
  CHECK(h.deid[15] == 0x08);
  // 17 bytes with a non-zero leading byte do not fit 128 bits.
  std::vector<Byte> wide(17, 0x00);
  wide[0] = 1;
  UB_CHECK_ERROR(Codec<Eidh256>::set(h, "DEID", FieldValue{0, wide}), Errc::OutOfRange, "DEID", 16);
  wide[0] = 0;
  wide[16] = 0x77;
  REQUIRE(Codec<Eidh256>::set(h, "DEID", FieldValue{0, wide}));
  CHECK(h.deid[15] == 0x77);
}

TEST_CASE("EIDH round-trips random field values", "[nl][eidh40][eidh256]") {
  const auto a = ub::test::random_round_trips<Eidh40>(0xE1D40, 300);
  CHECK(a.accepted == 300);
  const auto b = ub::test::random_round_trips<Eidh256>(0xE1D256, 300);
  CHECK(b.accepted == 300);
}

TEST_CASE("EIDH decode and encode errors", "[nl][eidh40][eidh256][spec:App.B.4]") {
  ub::test::check_truncation<Eidh40>(std::array<Byte, 5>{0x12, 0x34, 0x56, 0x78, 0x9A});
  ub::test::check_truncation<Eidh256>(std::array<Byte, 32>{});

  Eidh40 e{};
  std::array<Byte, 5> out{};
  e.seid = 0x100000;
  UB_CHECK_ERROR(Codec<Eidh40>::encode(e, out), Errc::OutOfRange, "SEID", 0);
  e.seid = 0;
  e.deid = 0x100000;
  UB_CHECK_ERROR(Codec<Eidh40>::encode(e, out), Errc::OutOfRange, "DEID", 2);
  UB_CHECK_ERROR(Codec<Eidh40>::set(e, "DEID", FieldValue{0x100000, {}}), Errc::OutOfRange, "DEID",
                 2);
  e.deid = 0xFFFFF;
  ub::test::check_buffer_too_small(e);
  ub::test::check_buffer_too_small(Eidh256{});
}
