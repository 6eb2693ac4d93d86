// TP retransmission timeouts. UB-Base-2.0 §6.4.2.1, Table 6-8.
#include <array>

#include <catch2/catch.hpp>

#include "protocol/tp/rto.hpp"

using namespace ub;
using namespace ub::tp;

TEST_CASE("dynamic RTO reproduces Table 6-8 (N = 3, Base 20 us)", "[tp][rto]") {
  RtoConfig c{};
  REQUIRE(c.valid());
  constexpr std::array<std::int64_t, 7> kUs{20, 160, 1280, 10240, 81920, 655360, 5242880};
  for (unsigned t = 0; t < kUs.size(); ++t) {
    CHECK(rto_for(c, t) == Time{kUs[t] * 1'000'000});
    CHECK_FALSE(rto_exhausted(c, t));
  }
  CHECK(rto_exhausted(c, 7));
  // Beyond the table the value is capped, never overflowing.
  CHECK(rto_for(c, 8) == c.cap);
  CHECK(rto_for(c, 1000) == c.cap);
}

TEST_CASE("static RTO values are the four of §6.4.2.1", "[tp][rto]") {
  RtoConfig c{};
  c.dynamic = false;
  c.static_value = StaticRto::Us512;
  CHECK(rto_for(c, 0) == Time{512'000'000});
  CHECK(rto_for(c, 5) == Time{512'000'000}); // no backoff
  c.static_value = StaticRto::Ms16;
  CHECK(rto_for(c, 0) == Time{16'000'000'000});
  c.static_value = StaticRto::Ms128;
  CHECK(rto_for(c, 0) == Time{128'000'000'000});
  c.static_value = StaticRto::S4;
  CHECK(rto_for(c, 0) == Time{4'000'000'000'000});
}

TEST_CASE("dynamic RTO configuration bounds", "[tp][rto]") {
  RtoConfig c{};
  c.base = Time{3'000'000}; // below 4 us
  CHECK_FALSE(c.valid());
  c.base = Time{2'097'152'000'000};
  CHECK(c.valid());
  c.base = Time{2'097'153'000'000};
  CHECK_FALSE(c.valid());
}
