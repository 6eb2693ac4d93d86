#include <array>
#include <cstdint>
#include <string_view>
#include <vector>

#include <catch2/catch.hpp>

#include "protocol/nl/codec_test_support.hpp"
#include "protocol/nl/nth_cna.hpp"

using namespace ub;
using namespace ub::nl;
using ub::test::Xorshift64;

TEST_CASE("NTH_CNA16 known answer from Table 5-1", "[nl][nth_cna16][spec:§5.2.1]") {
  // SCNA=0x1234 DCNA=0x5678 CCI=0x9ABC LBF=0xDE SL=0xF Mgmt=1 NLP=001.
  // bytes 0-1 SCNA, 2-3 DCNA, 4-5 CCI, 6 LBF;
  // byte 7 = SL(4) Mgmt(1) NLP(3) = 1111 1 001 = 0xF9.
  const std::array<Byte, 8> wire{0x12, 0x34, 0x56, 0x78, 0x9A, 0xBC, 0xDE, 0xF9};
  auto h = Codec<NthCna16>::decode(wire);
  REQUIRE(h);
  CHECK(h->scna == 0x1234);
  CHECK(h->dcna == 0x5678);
  CHECK(h->cci == 0x9ABC);
  CHECK(h->lbf == 0xDE);
  CHECK(h->sl == 0xF);
  CHECK(h->mgmt);
  CHECK(h->nlp == nlp::kUpih16);

  std::array<Byte, 8> out{};
  auto n = Codec<NthCna16>::encode(*h, out);
  REQUIRE(n);
  CHECK(*n == 8);
  CHECK(out == wire);
}

TEST_CASE("NTH_CNA16 byte 7 keeps SL, Mgmt and NLP apart", "[nl][nth_cna16][spec:§5.2.1]") {
  // SL=0xA Mgmt=0 NLP=0: 1010 0 000 = 0xA0.  SL=0x5 Mgmt=1 NLP=0: 0101 1 000 = 0x58.
  // SL=0 Mgmt=0 NLP=1: 0000 0 001 = 0x01.
  struct Row {
    std::uint8_t sl;
    bool mgmt;
    std::uint8_t nlp;
    Byte byte7;
  };
  for (const Row r : {Row{0xA, false, 0, 0xA0}, Row{0x5, true, 0, 0x58}, Row{0, false, 1, 0x01}}) {
    NthCna16 h{};
    h.scna = 0x00FF;
    h.dcna = 0xFF00;
    h.cci = 0x8003;
    h.lbf = 0x81;
    h.sl = r.sl;
    h.mgmt = r.mgmt;
    h.nlp = r.nlp;
    const std::array<Byte, 8> expected{0x00, 0xFF, 0xFF, 0x00, 0x80, 0x03, 0x81, r.byte7};
    CHECK(ub::test::encode_ok(h) == ub::test::to_vec(expected));
    auto d = Codec<NthCna16>::decode(expected);
    REQUIRE(d);
    CHECK(*d == h);
  }
}

TEST_CASE("NTH_CNA24 known answer from Table 5-2", "[nl][nth_cna24][spec:§5.2.2]") {
  // SCNA=0x123456 DCNA=0x789ABC CCI=0xDEF0 LBF=0x5A SL=0xC RSVD=0 NLP=010.
  // byte 9 = SL(4) RSVD(1) NLP(3) = 1100 0 010 = 0xC2.
  const std::array<Byte, 10> wire{0x12, 0x34, 0x56, 0x78, 0x9A, 0xBC, 0xDE, 0xF0, 0x5A, 0xC2};
  auto h = Codec<NthCna24>::decode(wire);
  REQUIRE(h);
  CHECK(h->scna == 0x123456);
  CHECK(h->dcna == 0x789ABC);
  CHECK(h->cci == 0xDEF0);
  CHECK(h->lbf == 0x5A);
  CHECK(h->sl == 0xC);
  CHECK(h->rsvd == 0);
  CHECK(h->nlp == nlp::kRtph);

  std::array<Byte, 10> out{};
  auto n = Codec<NthCna24>::encode(*h, out);
  REQUIRE(n);
  CHECK(*n == 10);
  CHECK(out == wire);
}

TEST_CASE("NTH_CNA24 reserved bit 3 of byte 9 is read as RSVD, not as NLP",
          "[nl][nth_cna24][spec:§5.2.2]") {
  // byte 9 = 0011 1 000: SL=3, RSVD=1, NLP=000 (CTPH). Reserved bits are ignored on receive.
  const std::array<Byte, 10> wire{0xFF, 0xFF, 0xFF, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x38};
  auto h = Codec<NthCna24>::decode(wire);
  REQUIRE(h);
  CHECK(h->scna == 0xFFFFFF);
  CHECK(h->dcna == 0x000001);
  CHECK(h->sl == 3);
  CHECK(h->rsvd == 1);
  CHECK(h->nlp == nlp::kCtph);
}

TEST_CASE("NTH_CNA field reflection in wire order", "[nl][nth_cna16][nth_cna24]") {
  NthCna16 a{};
  CHECK(ub::test::field_names(a) ==
        std::vector<std::string_view>{"SCNA", "DCNA", "CCI", "LBF", "SL", "Mgmt", "NLP"});
  const auto fa = ub::test::fields_of(a);
  REQUIRE(fa.size() == 7);
  CHECK(fa[4].offset == 56);
  CHECK(fa[5].offset == 60);
  CHECK(fa[6].offset == 61);
  CHECK(fa[6].width == 3);

  NthCna24 b{};
  CHECK(ub::test::field_names(b) ==
        std::vector<std::string_view>{"SCNA", "DCNA", "CCI", "LBF", "SL", "RSVD", "NLP"});
  const auto fb = ub::test::fields_of(b);
  REQUIRE(fb.size() == 7);
  CHECK(fb[1].offset == 24);
  CHECK(fb[1].width == 24);
  CHECK(fb[5].role == FieldRole::Reserved);
  CHECK(fb[6].offset == 77);
}

TEST_CASE("NTH_CNA16 and NTH_CNA24 round-trip random field values", "[nl][nth_cna16][nth_cna24]") {
  const auto s16 = ub::test::random_round_trips<NthCna16>(0x16C0FFEE, 400);
  CHECK(s16.accepted > 50);
  CHECK(s16.rejected > 50); // NLP 2..7 is most random values: the rejection path ran
  const auto s24 = ub::test::random_round_trips<NthCna24>(0x24C0FFEE, 400);
  CHECK(s24.accepted > 50);
  CHECK(s24.rejected > 50);
}

TEST_CASE("NTH_CNA16 decode errors", "[nl][nth_cna16][spec:§5.2.1]") {
  const std::array<Byte, 8> wire{0x12, 0x34, 0x56, 0x78, 0x9A, 0xBC, 0xDE, 0xF9};
  ub::test::check_truncation<NthCna16>(wire);

  // NLP 010..111 are reserved (Table 5-1 defines 000 and 001), whatever SL and Mgmt are.
  for (std::uint8_t nlp_value = 2; nlp_value < 8; ++nlp_value) {
    for (Byte high : {Byte{0x00}, Byte{0xF8}}) {
      auto bad = wire;
      bad[7] = static_cast<Byte>(high | nlp_value);
      auto h = Codec<NthCna16>::decode(bad);
      UB_CHECK_ERROR(h, Errc::ReservedValue, "NLP", 7);
      CHECK(h.error().header == "NTH_CNA16");
      CHECK(h.error().has_value);
      CHECK(h.error().value == nlp_value);
    }
  }
}

TEST_CASE("NTH_CNA24 decode errors", "[nl][nth_cna24][spec:§5.2.2]") {
  const std::array<Byte, 10> wire{0x12, 0x34, 0x56, 0x78, 0x9A, 0xBC, 0xDE, 0xF0, 0x5A, 0xC2};
  ub::test::check_truncation<NthCna24>(wire);

  // Only NLP 000 (CTPH) and 010 (RTPH) are defined (Table 5-2).
  for (int nlp_value : {1, 3, 4, 5, 6, 7}) {
    auto bad = wire;
    bad[9] = static_cast<Byte>(0xC0 | nlp_value);
    auto h = Codec<NthCna24>::decode(bad);
    UB_CHECK_ERROR(h, Errc::ReservedValue, "NLP", 9);
    CHECK(h.error().header == "NTH_CNA24");
    CHECK(h.error().value == static_cast<std::uint64_t>(nlp_value));
  }
  auto ctph = wire;
  ctph[9] = 0xC0;
  CHECK(Codec<NthCna24>::decode(ctph));
}

TEST_CASE("NTH_CNA encode errors", "[nl][nth_cna16][nth_cna24]") {
  NthCna16 a{};
  a.sl = 16; // 4-bit field
  UB_CHECK_ERROR(Codec<NthCna16>::encode(a, std::span<Byte>{}), Errc::BufferTooSmall, "", 0);
  std::array<Byte, 8> out{};
  UB_CHECK_ERROR(Codec<NthCna16>::encode(a, out), Errc::OutOfRange, "SL", 7);
  a.sl = 0;
  a.nlp = 8;
  UB_CHECK_ERROR(Codec<NthCna16>::encode(a, out), Errc::OutOfRange, "NLP", 7);
  a.nlp = 2;
  UB_CHECK_ERROR(Codec<NthCna16>::encode(a, out), Errc::ReservedValue, "NLP", 7);
  a.nlp = 1;
  ub::test::check_buffer_too_small(a);

  UB_CHECK_ERROR(Codec<NthCna16>::set(a, "SL", FieldValue{16, {}}), Errc::OutOfRange, "SL", 7);
  UB_CHECK_ERROR(Codec<NthCna16>::set(a, "Mgmt", FieldValue{2, {}}), Errc::OutOfRange, "Mgmt", 7);
  UB_CHECK_ERROR(Codec<NthCna16>::set(a, "SCNA", FieldValue{0x10000, {}}), Errc::OutOfRange, "SCNA",
                 0);
  CHECK(Codec<NthCna16>::set(a, "NOPE", FieldValue{}).error().code == Errc::UnknownField);
  REQUIRE(Codec<NthCna16>::set(a, "DCNA", FieldValue{0xFFFF, {}}));
  CHECK(a.dcna == 0xFFFF);

  NthCna24 b{};
  std::array<Byte, 10> out24{};
  b.scna = 0x1000000; // 24-bit field
  UB_CHECK_ERROR(Codec<NthCna24>::encode(b, out24), Errc::OutOfRange, "SCNA", 0);
  b.scna = 0;
  b.dcna = 0x1000000;
  UB_CHECK_ERROR(Codec<NthCna24>::encode(b, out24), Errc::OutOfRange, "DCNA", 3);
  b.dcna = 0;
  b.rsvd = 2;
  UB_CHECK_ERROR(Codec<NthCna24>::encode(b, out24), Errc::OutOfRange, "RSVD", 9);
  b.rsvd = 0;
  b.nlp = 1;
  UB_CHECK_ERROR(Codec<NthCna24>::encode(b, out24), Errc::ReservedValue, "NLP", 9);
  b.nlp = 2;
  ub::test::check_buffer_too_small(b);
  UB_CHECK_ERROR(Codec<NthCna24>::set(b, "DCNA", FieldValue{0x1000000, {}}), Errc::OutOfRange,
                 "DCNA", 3);
}
