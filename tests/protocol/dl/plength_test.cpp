#include <set>

#include <catch2/catch.hpp>

#include "protocol/dl/plength.hpp"

using namespace ub;
using namespace ub::dl;

namespace {

// Reference: the capacity of flit i straight from the framing rules of §4.3.2.2 / §4.3.2.3
// (headers in the first flit of each block, a trailer in the last flit of each block, END in the
// packet's last flit in non-CRC mode), summed flit by flit.
std::size_t slow_capacity(unsigned flits, BlockMode m) {
  std::size_t sum = 0;
  for (unsigned i = 0; i < flits; ++i) {
    sum += flit_capacity(i, flits, m);
  }
  return sum;
}

} // namespace

TEST_CASE("PLENGTH worked examples", "[dl][plength][spec:§4.3.2.2.2]") {
  struct Row {
    std::size_t n;
    BlockMode mode;
    std::uint16_t plength;
    unsigned flits;
  };
  const auto rows = std::to_array<Row>({
      {.n = 10, .mode = BlockMode::Crc30, .plength = 0x0009, .flits = 1},
      {.n = 16, .mode = BlockMode::Crc30, .plength = 0x003B, .flits = 2},
      {.n = 700, .mode = BlockMode::Crc30, .plength = 0x0469, .flits = 36},
      {.n = 700, .mode = BlockMode::Crc62, .plength = 0x0499, .flits = 37},
      {.n = 700, .mode = BlockMode::NonCrc, .plength = 0x0465, .flits = 36},
      {.n = 10, .mode = BlockMode::Crc62, .plength = 0x0035, .flits = 2},
      {.n = 35, .mode = BlockMode::NonCrc, .plength = 0x003E, .flits = 2},
      {.n = 632, .mode = BlockMode::Crc30, .plength = 0x03EF, .flits = 32},
      {.n = 633, .mode = BlockMode::Crc30, .plength = 0x0400, .flits = 33},
      {.n = 10142, .mode = BlockMode::Crc30, .plength = 0x3FEF, .flits = 512},
      {.n = 10078, .mode = BlockMode::Crc62, .plength = 0x3FEB, .flits = 512},
      {.n = 10205, .mode = BlockMode::NonCrc, .plength = 0x3FFE, .flits = 512},
  });
  for (const auto& r : rows) {
    INFO("n=" << r.n << " mode=" << to_string(r.mode));
    auto g = geometry_for_payload(r.n, r.mode);
    REQUIRE(g);
    CHECK(g->plength == r.plength);
    CHECK(g->flits == r.flits);
    auto back = geometry_from_plength(r.plength, r.mode);
    REQUIRE(back);
    CHECK(back->payload == r.n);
  }
}

TEST_CASE("maximum payloads per mode", "[dl][plength]") {
  CHECK(max_payload(BlockMode::Crc30) == 10142);
  CHECK(max_payload(BlockMode::Crc62) == 10078);
  CHECK(max_payload(BlockMode::NonCrc) == 10205);
  for (unsigned f = 1; f <= kMaxPacketFlits; ++f) {
    for (BlockMode m : {BlockMode::Crc30, BlockMode::Crc62, BlockMode::NonCrc}) {
      REQUIRE(prefix_capacity(f, f, m) == slow_capacity(f, m));
    }
  }
}

TEST_CASE("exhaustive PLENGTH round trip yields exactly the valid P codes",
          "[dl][plength][spec:§4.3.2.2.2]") {
  for (BlockMode m : {BlockMode::Crc30, BlockMode::Crc62, BlockMode::NonCrc}) {
    std::set<unsigned> seen;
    std::size_t prev_flits = 0;
    for (std::size_t n = 1; n <= max_payload(m); ++n) {
      auto g = geometry_for_payload(n, m);
      REQUIRE(g);
      REQUIRE(slow_capacity(g->flits, m) >= n);
      if (g->flits > 1) {
        REQUIRE(slow_capacity(g->flits - 1U, m) < n); // minimal
      }
      REQUIRE(g->flits >= prev_flits);
      prev_flits = g->flits;
      seen.insert(g->plength & 31U);
      auto back = geometry_from_plength(g->plength, m);
      REQUIRE(back);
      REQUIRE(back->payload == n);
    }
    std::set<unsigned> valid;
    for (unsigned p = 0; p < 32; ++p) {
      if (is_valid_p(p, m)) {
        valid.insert(p);
      }
    }
    CHECK(seen == valid);
  }
}

TEST_CASE("PLENGTH decoder rejects reserved and non-minimal codes", "[dl][plength]") {
  // CRC30: P = 20..23 and 28..31 are reserved.
  auto r = geometry_from_plength(0x0014, BlockMode::Crc30);
  REQUIRE_FALSE(r);
  CHECK(r.error().code == Errc::ReservedValue);
  CHECK(r.error().field == "PLENGTH");
  // CRC62: 12..15 reserved.
  CHECK(geometry_from_plength(0x000C, BlockMode::Crc62).error().code == Errc::ReservedValue);
  // Non-CRC: 16 reserved.
  CHECK(geometry_from_plength(0x0010, BlockMode::NonCrc).error().code == Errc::ReservedValue);
  // One flit, payload "ends in the second-to-last flit": impossible.
  CHECK(geometry_from_plength(0x001B, BlockMode::Crc30).error().code == Errc::LengthMismatch);
  // Three flits, payload ending with 15 bytes in flit 1: 16 + 15 = 31 bytes fit in two flits
  // (capacity 32), so a sender would never produce this code.
  CHECK(geometry_from_plength(0x005A, BlockMode::Crc30).error().code == Errc::LengthMismatch);
  // Two flits with 2 bytes in the last: 18 bytes, which needs two flits, so valid.
  REQUIRE(geometry_from_plength(0x0021, BlockMode::Crc30));
  CHECK(geometry_from_plength(0x0021, BlockMode::Crc30)->payload == 18);
  // 16 bytes in the last flit of a 1-flit CRC30 packet cannot fit (capacity 12).
  CHECK(geometry_from_plength(0x000F, BlockMode::Crc30).error().code == Errc::LengthMismatch);
  CHECK(geometry_for_payload(0, BlockMode::Crc30).error().code == Errc::OutOfRange);
  CHECK(geometry_for_payload(10143, BlockMode::Crc30).error().code == Errc::OutOfRange);
}
