#include <array>
#include <cstdint>
#include <string_view>
#include <vector>

#include <catch2/catch.hpp>

#include "protocol/nl/codec_test_support.hpp"
#include "protocol/nl/upih.hpp"

using namespace ub;
using namespace ub::nl;

TEST_CASE("UPIH16 known answers", "[nl][upih16][spec:App.B.3]") {
  // RSVD(1)=0, UPI(15)=0x2A5B: 0 010 1010 | 0101 1011 = 0x2A 0x5B.
  const std::array<Byte, 2> wire{0x2A, 0x5B};
  auto h = Codec<Upih16>::decode(wire);
  REQUIRE(h);
  CHECK(h->rsvd == 0);
  CHECK(h->upi == 0x2A5B);
  std::array<Byte, 2> out{};
  REQUIRE(Codec<Upih16>::encode(*h, out));
  CHECK(out == wire);

  // The UBFM's UPI 0x7FFF fills the 15 bits: 0 111 1111 | 1111 1111 = 0x7F 0xFF.
  Upih16 ubfm{};
  ubfm.upi = kUbfmUpi;
  CHECK(ub::test::encode_ok(ubfm) == std::vector<Byte>{0x7F, 0xFF});

  // The reserved bit 15 is read into RSVD and not into the UPI: 0xAA 0x5B = 1 | 0x2A5B.
  const std::array<Byte, 2> rsvd{0xAA, 0x5B};
  auto r = Codec<Upih16>::decode(rsvd);
  REQUIRE(r);
  CHECK(r->rsvd == 1);
  CHECK(r->upi == 0x2A5B);
}

TEST_CASE("UPIH32 known answers", "[nl][upih32][spec:App.B.3]") {
  // RSVD(8)=0, UPI(24)=0xABCDEF: 00 AB CD EF.
  const std::array<Byte, 4> wire{0x00, 0xAB, 0xCD, 0xEF};
  auto h = Codec<Upih32>::decode(wire);
  REQUIRE(h);
  CHECK(h->rsvd == 0);
  CHECK(h->upi == 0xABCDEF);
  std::array<Byte, 4> out{};
  REQUIRE(Codec<Upih32>::encode(*h, out));
  CHECK(out == wire);

  // UPI[31:24] reserved: 5A 00 00 01 is RSVD 0x5A, UPI 1.
  const std::array<Byte, 4> rsvd{0x5A, 0x00, 0x00, 0x01};
  auto r = Codec<Upih32>::decode(rsvd);
  REQUIRE(r);
  CHECK(r->rsvd == 0x5A);
  CHECK(r->upi == 1);
}

TEST_CASE("UPIH field reflection", "[nl][upih16][upih32]") {
  const auto f16 = ub::test::fields_of(Upih16{});
  REQUIRE(f16.size() == 2);
  CHECK(f16[0].name == "RSVD");
  CHECK(f16[0].role == FieldRole::Reserved);
  CHECK(f16[1].name == "UPI");
  CHECK(f16[1].offset == 1);
  CHECK(f16[1].width == 15);
  const auto f32 = ub::test::fields_of(Upih32{});
  REQUIRE(f32.size() == 2);
  CHECK(f32[1].name == "UPI");
  CHECK(f32[1].offset == 8);
  CHECK(f32[1].width == 24);
}

TEST_CASE("UPIH round-trips random field values", "[nl][upih16][upih32]") {
  const auto a = ub::test::random_round_trips<Upih16>(0x0916, 300);
  CHECK(a.accepted == 300);
  const auto b = ub::test::random_round_trips<Upih32>(0x0932, 300);
  CHECK(b.accepted == 300);
}

TEST_CASE("UPIH decode and encode errors", "[nl][upih16][upih32][spec:App.B.3]") {
  ub::test::check_truncation<Upih16>(std::array<Byte, 2>{0x7F, 0xFF});
  ub::test::check_truncation<Upih32>(std::array<Byte, 4>{0x00, 0xAB, 0xCD, 0xEF});

  Upih16 a{};
  a.upi = 0x8000;
  std::array<Byte, 2> out16{};
  UB_CHECK_ERROR(Codec<Upih16>::encode(a, out16), Errc::OutOfRange, "UPI", 0);
  a.upi = 0;
  a.rsvd = 2;
  UB_CHECK_ERROR(Codec<Upih16>::encode(a, out16), Errc::OutOfRange, "RSVD", 0);
  a.rsvd = 0;
  ub::test::check_buffer_too_small(a);
  UB_CHECK_ERROR(Codec<Upih16>::set(a, "UPI", FieldValue{0x8000, {}}), Errc::OutOfRange, "UPI", 0);

  Upih32 b{};
  b.upi = 0x1000000;
  std::array<Byte, 4> out32{};
  UB_CHECK_ERROR(Codec<Upih32>::encode(b, out32), Errc::OutOfRange, "UPI", 1);
  b.upi = 0xFFFFFF;
  ub::test::check_buffer_too_small(b);
  UB_CHECK_ERROR(Codec<Upih32>::set(b, "UPI", FieldValue{0x1000000, {}}), Errc::OutOfRange, "UPI",
                 1);
  CHECK(Codec<Upih32>::set(b, "SEID", FieldValue{}).error().code == Errc::UnknownField);
}
