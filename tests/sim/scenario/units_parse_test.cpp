// Unit strings (sim/scenario/units_parse): every unit of each kind, fractions, spaces, the
// boundaries of each type, and every class of bad text, with the reason quoted.
#include <catch2/catch.hpp>

#include "sim/scenario/units_parse.hpp"

using namespace ub;
using namespace ub::literals;
using namespace ub::sim;

namespace {

template <class R>
std::string error_of(const R& r) {
  REQUIRE_FALSE(r);
  return r.error();
}

} // namespace

TEST_CASE("units: times in every unit, exactly", "[scenario][units]") {
  struct Row {
    std::string_view text;
    std::int64_t ps;
  };
  const auto rows = std::to_array<Row>({
      {"500ps", 500},
      {"20ns", 20'000},
      {"1.5us", 1'500'000},
      {"1.5\xC2\xB5s", 1'500'000},
      {"2ms", 2'000'000'000},
      {"1s", 1'000'000'000'000},
      {"0.000000000001s", 1},
      {"1.25 ns", 1'250},
      {"  7us  ", 7'000'000},
      {"0", 0},
      {"0.0", 0},
      {"0ns", 0},
      {"150.000ns", 150'000},
      {"9223372s", 9'223'372'000'000'000'000},
      {"9223372036854775807ps", 9'223'372'036'854'775'807},
  });
  for (const auto& row : rows) {
    INFO(row.text);
    const auto t = parse_time(row.text);
    REQUIRE(t);
    CHECK(t->count() == row.ps);
  }
}

TEST_CASE("units: bad times are refused with the reason", "[scenario][units]") {
  CHECK(error_of(parse_time("")).starts_with("empty"));
  CHECK(error_of(parse_time("-5ns")) == "negative value \"-5ns\"");
  CHECK(error_of(parse_time("abc")).starts_with("not a number \"abc\""));
  CHECK(error_of(parse_time("+5ns")).starts_with("not a number"));
  CHECK(error_of(parse_time(".5ns")).starts_with("not a number"));
  CHECK(error_of(parse_time("5.ns")).starts_with("not a number \"5.ns\" (a digit must follow"));
  CHECK(error_of(parse_time("20")) == "missing time unit in \"20\" (ps, ns, us, ms, s)");
  CHECK(error_of(parse_time("20 min")) ==
        "unknown time unit \"min\" in \"20 min\" (ps, ns, us, ms, s)");
  CHECK(error_of(parse_time("20NS")).starts_with("unknown time unit \"NS\""));
  CHECK(error_of(parse_time("1e3ns")).starts_with("unknown time unit \"e3ns\""));
  CHECK(error_of(parse_time("0.5ps")) == "\"0.5ps\" is finer than 1 ps");
  CHECK(error_of(parse_time("1.0000000000001s")) == "\"1.0000000000001s\" is finer than 1 ps");
  // One past the largest Time, and far past u64 while reading the digits.
  CHECK(error_of(parse_time("9223372036854775808ps")).starts_with("out of range"));
  CHECK(error_of(parse_time("9223373s")).starts_with("out of range"));
  CHECK(error_of(parse_time("99999999999999999999ps")).starts_with("out of range"));
}

TEST_CASE("units: rates in every unit, exactly", "[scenario][units]") {
  struct Row {
    std::string_view text;
    std::uint64_t bps;
  };
  const auto rows = std::to_array<Row>({
      {"400Gbps", 400'000'000'000},
      {"100 Gbit/s", 100'000'000'000},
      {"1.6Tbps", 1'600'000'000'000},
      {"25GBps", 200'000'000'000},
      {"25 GB/s", 200'000'000'000},
      {"112Gb/s", 112'000'000'000},
      {"10Mbps", 10'000'000},
      {"56Kbps", 56'000},
      {"56kbps", 56'000},
      {"300bps", 300},
      {"300 bit/s", 300},
      {"1Bps", 8},
      {"0", 0},
      {"0Gbps", 0},
      {"0.000000001Gbps", 1},
      {"18Tbps", 18'000'000'000'000},
      {"2.25TBps", 18'000'000'000'000},
  });
  for (const auto& row : rows) {
    INFO(row.text);
    const auto r = parse_rate(row.text);
    REQUIRE(r);
    CHECK(r->bps == row.bps);
  }
}

TEST_CASE("units: bad rates are refused with the reason", "[scenario][units]") {
  CHECK(error_of(parse_rate("400")).starts_with("missing rate unit in \"400\""));
  CHECK(error_of(parse_rate("400G")).starts_with("unknown rate unit \"G\""));
  CHECK(error_of(parse_rate("400gbps")).starts_with("unknown rate unit \"gbps\""));
  CHECK(error_of(parse_rate("400mbps")).starts_with("unknown rate unit \"mbps\""));
  CHECK(error_of(parse_rate("400Gibps")).starts_with("unknown rate unit \"Gibps\""));
  CHECK(error_of(parse_rate("-1Gbps")) == "negative value \"-1Gbps\"");
  CHECK(error_of(parse_rate("0.5bps")) == "\"0.5bps\" is not a whole number of bit/s");
  CHECK(error_of(parse_rate("18.000000000001Tbps")) ==
        "\"18.000000000001Tbps\" is above 18Tbps, the model's limit");
  CHECK(error_of(parse_rate("3TBps")).starts_with("\"3TBps\" is above 18Tbps"));
  CHECK(error_of(parse_rate("99999999999999999999bps")).starts_with("out of range"));
}

TEST_CASE("units: sizes, powers of 10 and of 2", "[scenario][units]") {
  struct Row {
    std::string_view text;
    std::uint64_t bytes;
  };
  const auto rows = std::to_array<Row>({
      {"1000", 1000},
      {"4096B", 4096},
      {"1KB", 1'000},
      {"1kB", 1'000},
      {"1MB", 1'000'000},
      {"1GB", 1'000'000'000},
      {"2TB", 2'000'000'000'000},
      {"64KiB", 65'536},
      {"1MiB", 1'048'576},
      {"1GiB", 1'073'741'824},
      {"1TiB", 1'099'511'627'776},
      {"1.5KiB", 1'536},
      {"1.5MB", 1'500'000},
      {"0.5 KiB", 512},
      {"0", 0},
      {"18446744073709551615", 18'446'744'073'709'551'615ULL},
      {"16777215TiB", 16'777'215ULL << 40U},
  });
  for (const auto& row : rows) {
    INFO(row.text);
    const auto s = parse_size(row.text);
    REQUIRE(s);
    CHECK(*s == row.bytes);
  }
}

TEST_CASE("units: bad sizes are refused with the reason", "[scenario][units]") {
  CHECK(error_of(parse_size("1Mb")) == "sizes are in bytes (B): \"Mb\" in \"1Mb\" would be bits");
  CHECK(error_of(parse_size("8 bit")).starts_with("sizes are in bytes (B)"));
  CHECK(error_of(parse_size("1MIB")).starts_with("unknown size unit \"MIB\""));
  CHECK(error_of(parse_size("1.5")) == "\"1.5\" is not a whole number of bytes");
  CHECK(error_of(parse_size("0.3KiB")) == "\"0.3KiB\" is not a whole number of bytes");
  CHECK(error_of(parse_size("-1")) == "negative value \"-1\"");
  CHECK(error_of(parse_size("18446744073709551616")).starts_with("out of range"));
  CHECK(error_of(parse_size("16777216TiB")) == "out of range \"16777216TiB\" (at most 2^64-1 B)");
}

TEST_CASE("units: formatting is exact and parses back", "[scenario][units]") {
  CHECK(format_time(Time{0}) == "0ns");
  CHECK(format_time(150_ns) == "150ns");
  CHECK(format_time(Time{1'500'000}) == "1.5us");
  CHECK(format_time(Time{1'234'567}) == "1234.567ns");
  CHECK(format_time(Time{1}) == "1ps");
  CHECK(format_time(1_ms) == "1ms");
  CHECK(format_rate(BitRate{400'000'000'000}) == "400Gbps");
  CHECK(format_rate(BitRate{1'600'000'000'000}) == "1.6Tbps");
  CHECK(format_rate(BitRate{1'234}) == "1.234Kbps");
  CHECK(format_rate(BitRate{7}) == "7bps");
  CHECK(format_size(65'536) == "64KiB");
  CHECK(format_size(1'000'000) == "1MB");
  CHECK(format_size(1'500) == "1.5KB");
  CHECK(format_size(999) == "999B");
  CHECK(format_size(0) == "0B");
  for (const std::int64_t ps :
       {1LL, 999LL, 1'000LL, 123'456'789LL, 1'000'000'000'001LL, 9'223'372'036'854'775'807LL}) {
    INFO(ps);
    CHECK(parse_time(format_time(Time{ps})) == Time{ps});
  }
  for (const std::uint64_t b :
       {1ULL, 1'023ULL, 1'024ULL, 4'095ULL, 1'000'001ULL, 18'446'744'073'709'551'615ULL}) {
    INFO(b);
    CHECK(parse_size(format_size(b)) == b);
    CHECK(parse_rate(format_rate(BitRate{b % kMaxRateBps}))->bps == b % kMaxRateBps);
  }
}
