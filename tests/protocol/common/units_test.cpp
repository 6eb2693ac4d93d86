// Units (protocol/common/units.hpp): serialisation times in integer picoseconds.

#include <cmath>
#include <cstdint>

#include <catch2/catch.hpp>

#include "protocol/common/rng.hpp"
#include "protocol/common/units.hpp"

namespace ub {
namespace {

TEST_CASE("BitRate: serialisation time is exact and rounded up", "[common][units]") {
  struct Row {
    std::uint64_t bps;
    std::uint64_t bits;
    std::int64_t ps;
  };
  const Row rows[] = {
      {1'000'000'000ULL, 1'000, 1'000'000},                   // 1 kbit at 1 Gbit/s: 1 us
      {3, 1, 333'333'333'334},                                // 1/3 s, rounded up
      {800'000'000'000ULL, 160, 200},                         // a 20-byte flit at 800 Gbit/s
      {100'000'000'000ULL, 1'000'000'000ULL, 10'000'000'000}, // 1 Gbit at 100 Gbit/s: 10 ms
      // 6,000 packets of 1,016 bytes at 40 Gbit/s: 48.8 Mbit, past the old 1.8e7-bit limit.
      {40'000'000'000ULL, 6000ULL * 1016 * 8, 1'219'200'000},
      {400'000'000'000ULL, 8'000'000'000'000ULL, 20'000'000'000'000}, // 1 TB at 400 Gbit/s
      {7, 1'000'000, 142'857'142'857'142'858},                        // 1e18 / 7 ps, rounded up
  };
  for (const Row& r : rows) {
    INFO(r.bits << " bits at " << r.bps << " bit/s");
    CHECK(BitRate{r.bps}.time_for_bits(r.bits).count() == r.ps);
  }
}

TEST_CASE("BitRate: random sizes and rates agree with a long double reference", "[common][units]") {
  Rng rng(11);
  for (int i = 0; i < 10'000; ++i) {
    const std::uint64_t bps = 1'000'000 + rng.below(3'200'000'000'000ULL);
    const std::uint64_t bits = rng.below(std::uint64_t{1} << 40U);
    const long double exact =
        static_cast<long double>(bits) * 1e12L / static_cast<long double>(bps);
    const auto got = BitRate{bps}.time_for_bits(bits).count();
    INFO(bits << " bits at " << bps << " bit/s");
    // Rounded up: within one picosecond above the exact value (long double has 64 bits of
    // mantissa, so allow its own rounding too).
    CHECK(static_cast<long double>(got) >= std::floor(exact));
    CHECK(static_cast<long double>(got) <= std::ceil(exact) + 1.0L);
  }
}

} // namespace
} // namespace ub
