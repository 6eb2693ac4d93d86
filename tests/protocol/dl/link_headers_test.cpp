#include <array>
#include <vector>

#include <catch2/catch.hpp>

#include "protocol/dl/link_headers.hpp"

using namespace ub;
using namespace ub::dl;

TEST_CASE("LPH known answer from Table 4-1", "[dl][lph][spec:§4.3.2.2.2]") {
  // Hand-built from the field table: CRD=1 ACK=0 CRD_VL=0b0101 rsvd=0 VL=0b1010 rsvd=0 CFG=6
  // RT=0b10 PLENGTH=0x0469.
  // byte0 = 1 0 0101 0 1 = 0b10010101 = 0x95; byte1 = 010 0 0110 = 0x46;
  // byte2 = 10 | PLENGTH[13:8]=000100 = 0x84; byte3 = PLENGTH[7:0] = 0x69.
  const std::array<Byte, 4> wire{0x95, 0x46, 0x84, 0x69};
  auto h = Codec<Lph>::decode(wire);
  REQUIRE(h);
  CHECK(h->crd);
  CHECK_FALSE(h->ack);
  CHECK(h->crd_vl == 5);
  CHECK(h->vl == 10);
  CHECK(h->cfg == 6);
  CHECK(h->rt == 2);
  CHECK(h->plength == 0x0469);

  std::array<Byte, 4> out{};
  auto n = Codec<Lph>::encode(*h, out);
  REQUIRE(n);
  CHECK(*n == 4);
  CHECK(out == wire);
}

TEST_CASE("LPH rejects CFG values a DLLDP may not carry", "[dl][lph][spec:§4.3.2.2.2]") {
  for (Byte c : std::array<Byte, 6>{0, 1, 2, 8, 10, 15}) {
    const std::array<Byte, 4> wire{0x00, c, 0x00, 0x00};
    auto h = Codec<Lph>::decode(wire);
    REQUIRE_FALSE(h);
    CHECK(h.error().code == Errc::ReservedValue);
    CHECK(h.error().field == "CFG");
    CHECK(h.error().offset == 1);
  }
}

TEST_CASE("LPH truncated input names the header", "[dl][lph]") {
  const std::array<Byte, 3> wire{0x00, 0x06, 0x00};
  auto h = Codec<Lph>::decode(wire);
  REQUIRE_FALSE(h);
  CHECK(h.error().code == Errc::Truncated);
  CHECK(h.error().header == "LPH");
}

TEST_CASE("LPH encode refuses values wider than their field", "[dl][lph]") {
  Lph h{};
  h.cfg = 6;
  h.vl = 16;
  std::array<Byte, 4> out{};
  auto n = Codec<Lph>::encode(h, out);
  REQUIRE_FALSE(n);
  CHECK(n.error().code == Errc::OutOfRange);
  CHECK(n.error().field == "VL");
}

TEST_CASE("LBH known answer from Table 4-2", "[dl][lbh][spec:§4.3.2.2.3]") {
  // CRD=0 ACK=1 CRD_VL=15 VL=3 CFG=7: byte0 = 0 1 1111 0 0 = 0x7C, byte1 = 011 0 0111 = 0x67.
  const std::array<Byte, 2> wire{0x7C, 0x67};
  auto h = Codec<Lbh>::decode(wire);
  REQUIRE(h);
  CHECK_FALSE(h->crd);
  CHECK(h->ack);
  CHECK(h->crd_vl == 15);
  CHECK(h->vl == 3);
  CHECK(h->cfg == 7);
  std::array<Byte, 2> out{};
  REQUIRE(Codec<Lbh>::encode(*h, out));
  CHECK(out == wire);
}

TEST_CASE("LPH field reflection lists fields in wire order", "[dl][lph]") {
  Lph h{};
  std::vector<std::string_view> names;
  Codec<Lph>::visit(h, [&](const FieldDesc& d, const FieldValue&) { names.push_back(d.name); });
  CHECK(names == std::vector<std::string_view>{"CRD", "ACK", "CRD_VL", "RSVD", "VL", "RSVD2", "CFG",
                                               "RT", "PLENGTH"});
  REQUIRE(Codec<Lph>::set(h, "PLENGTH", FieldValue{0x3FFF, {}}));
  CHECK(h.plength == 0x3FFF);
  auto bad = Codec<Lph>::set(h, "PLENGTH", FieldValue{0x4000, {}});
  REQUIRE_FALSE(bad);
  CHECK(bad.error().code == Errc::OutOfRange);
  auto unknown = Codec<Lph>::set(h, "NOPE", FieldValue{});
  REQUIRE_FALSE(unknown);
  CHECK(unknown.error().code == Errc::UnknownField);
}
