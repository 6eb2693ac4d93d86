#include <array>
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include <catch2/catch.hpp>

#include "protocol/nl/codec_test_support.hpp"
#include "protocol/tp/ctph.hpp"

using namespace ub;
using namespace ub::tp;
using ub::test::Xorshift64;

TEST_CASE("CTPH known answers", "[tp][ctph][spec:§6.2.1]") {
  // CTP data, Padding 1, NLP 2 (UPIH16 + EIDH40): 00 01 0010 = 0x12.
  const std::array<Byte, 1> data{0x12};
  auto h = Codec<Ctph>::decode(data);
  REQUIRE(h);
  CHECK(h->tp_opcode == ctp_opcode::kData);
  CHECK(h->padding == 1);
  CHECK(h->nlp == ctph_nlp::kUpi16Eid40);
  std::array<Byte, 1> out{};
  auto n = Codec<Ctph>::encode(*h, out);
  REQUIRE(n);
  CHECK(*n == 1);
  CHECK(out == data);

  // CNP, Padding 2, NLP 3: 01 10 0011 = 0x63.
  Ctph cnp{};
  cnp.tp_opcode = ctp_opcode::kCnp;
  cnp.padding = 2;
  cnp.nlp = ctph_nlp::kCiph;
  CHECK(ub::test::encode_ok(cnp) == std::vector<Byte>{0x63});
  auto d = Codec<Ctph>::decode(std::array<Byte, 1>{0x63});
  REQUIRE(d);
  CHECK(*d == cnp);

  CHECK(ub::test::field_names(Ctph{}) ==
        std::vector<std::string_view>{"TPOpcode", "Padding", "NLP"});
  const auto f = ub::test::fields_of(Ctph{});
  REQUIRE(f.size() == 3);
  CHECK(f[0].width == 2);
  CHECK(f[1].offset == 2);
  CHECK(f[1].role == FieldRole::Derived);
  CHECK(f[2].offset == 4);
  CHECK(f[2].width == 4);
}

TEST_CASE("CTPH decode: every byte value classified", "[tp][ctph][spec:§6.2.1]") {
  ub::test::check_truncation<Ctph>(std::array<Byte, 1>{0x12});
  for (int b = 0; b < 256; ++b) {
    const int op = b >> 6;
    const int pad = (b >> 4) & 3;
    const int nlp = b & 0xF;
    auto h = Codec<Ctph>::decode(std::array<Byte, 1>{static_cast<Byte>(b)});
    INFO("byte " << b);
    if (op >= 2) {
      // TPOpcode 2 and 3 are reserved.
      UB_CHECK_ERROR(h, Errc::ReservedValue, "TPOpcode", 0);
      CHECK(h.error().value == static_cast<std::uint64_t>(op));
    } else if (op == 0 && nlp > 3) {
      // A CTP data packet's NLP is 0..3.
      UB_CHECK_ERROR(h, Errc::ReservedValue, "NLP", 0);
      CHECK(h.error().value == static_cast<std::uint64_t>(nlp));
    } else {
      REQUIRE(h);
      CHECK(h->tp_opcode == op);
      CHECK(h->padding == pad);
      CHECK(h->nlp == nlp);
    }
  }
}

TEST_CASE("CTPH encode errors", "[tp][ctph][spec:§6.2.1]") {
  std::array<Byte, 1> out{};
  Ctph h{};
  h.tp_opcode = 4;
  UB_CHECK_ERROR(Codec<Ctph>::encode(h, out), Errc::OutOfRange, "TPOpcode", 0);
  h.tp_opcode = 2;
  UB_CHECK_ERROR(Codec<Ctph>::encode(h, out), Errc::ReservedValue, "TPOpcode", 0);
  h.tp_opcode = 0;
  h.padding = 4;
  UB_CHECK_ERROR(Codec<Ctph>::encode(h, out), Errc::OutOfRange, "Padding", 0);
  h.padding = 0;
  h.nlp = 4;
  UB_CHECK_ERROR(Codec<Ctph>::encode(h, out), Errc::ReservedValue, "NLP", 0);
  h.nlp = 16;
  UB_CHECK_ERROR(Codec<Ctph>::encode(h, out), Errc::OutOfRange, "NLP", 0);
  h.nlp = 0;
  ub::test::check_buffer_too_small(h);
  UB_CHECK_ERROR(Codec<Ctph>::set(h, "TPOpcode", FieldValue{4, {}}), Errc::OutOfRange, "TPOpcode",
                 0);
  CHECK(Codec<Ctph>::set(h, "TPVer", FieldValue{}).error().code == Errc::UnknownField);
}

TEST_CASE("CTPH round-trips random field values", "[tp][ctph]") {
  auto pick = [](const FieldDesc& d, Xorshift64& rng) -> std::optional<std::uint64_t> {
    if (d.name == "NLP" && rng.chance(1, 2)) {
      return rng.below(4);
    }
    return std::nullopt;
  };
  const auto s = ub::test::random_round_trips<Ctph>(0xC7, 300, pick);
  CHECK(s.accepted > 100);
  CHECK(s.rejected > 50);
}
