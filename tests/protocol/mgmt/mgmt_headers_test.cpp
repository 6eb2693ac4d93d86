#include <array>

#include <catch2/catch.hpp>

#include "protocol/mgmt/net_mgmt.hpp"
#include "protocol/mgmt/scan_header.hpp"

using namespace ub;
using namespace ub::mgmt;

TEST_CASE("CFG 5 header: Protocol, then DGUID, then SGUID", "[mgmt][net_mgmt][spec:App. F.2.1]") {
  std::array<Byte, 34> wire{};
  wire[0] = 0x01;
  wire[1] = 0x04;  // ULAP
  wire[2] = 0xAA;  // DGUID first byte
  wire[17] = 0xBB; // DGUID last byte
  wire[18] = 0xCC; // SGUID first byte
  wire[33] = 0xDD; // SGUID last byte
  auto h = Codec<NetMgmtHeader>::decode(wire);
  REQUIRE(h);
  CHECK(h->protocol == net_mgmt_protocol::kUlap);
  CHECK(h->dguid[0] == 0xAA);
  CHECK(h->dguid[15] == 0xBB);
  CHECK(h->sguid[0] == 0xCC);
  CHECK(h->sguid[15] == 0xDD);
  std::array<Byte, 34> out{};
  REQUIRE(Codec<NetMgmtHeader>::encode(*h, out));
  CHECK(out == wire);
}

TEST_CASE("CFG 5 Protocol values outside Table F-1 are reserved", "[mgmt][net_mgmt]") {
  for (std::uint16_t p :
       std::array<std::uint16_t, 7>{0x0000, 0x0103, 0x0105, 0x0107, 0x0109, 0x0119, 0xFFFF}) {
    std::array<Byte, 34> wire{};
    wire[0] = static_cast<Byte>(p >> 8);
    wire[1] = static_cast<Byte>(p);
    auto h = Codec<NetMgmtHeader>::decode(wire);
    REQUIRE_FALSE(h);
    CHECK(h.error().code == Errc::ReservedValue);
    CHECK(h.error().field == "Protocol");
  }
  for (std::uint16_t p : std::array<std::uint16_t, 8>{0x0100, 0x0101, 0x0102, 0x0104, 0x0106,
                                                      0x010A, 0x0110, 0x0118}) {
    CHECK(is_defined_net_mgmt_protocol(p));
  }
}

TEST_CASE("Scan Header word: RSVD 11, R 1, Type 4, Hops 8, Step 8 after 2 pad bytes",
          "[mgmt][scan][spec:§10.4.3.2]") {
  // pad 00 00 | RSVD 0, R 1, Type 0010 -> 0000 0000 0001 0010 = 00 12 | Hops 05 | Step 03
  const std::array<Byte, 6> wire{0x00, 0x00, 0x00, 0x12, 0x05, 0x03};
  auto h = Codec<ScanHeader>::decode(wire);
  REQUIRE(h);
  CHECK(h->r);
  CHECK(h->type == 2);
  CHECK(h->hops == 5);
  CHECK(h->step == 3);
  std::array<Byte, 6> out{};
  REQUIRE(Codec<ScanHeader>::encode(*h, out));
  CHECK(out == wire);
  const std::array<Byte, 6> reserved_type{0x00, 0x00, 0x00, 0x03, 0x00, 0x00};
  auto r = Codec<ScanHeader>::decode(reserved_type);
  REQUIRE_FALSE(r);
  CHECK(r.error().code == Errc::ReservedValue);
  CHECK(r.error().field == "Type");
}
