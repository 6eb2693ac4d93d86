#include "sim/scenario/units_parse.hpp"

#include <array>
#include <limits>
#include <numeric>
#include <span>

#include <fmt/format.h>

namespace ub::sim {

namespace {

using Reason = std::string;

constexpr std::string_view kTimeUnits = "ps, ns, us, ms, s";
constexpr std::string_view kRateUnits = "bps, Kbps, Mbps, Gbps, Tbps; b/s or bit/s for bps; a "
                                        "capital B counts bytes: GBps";
constexpr std::string_view kSizeUnits = "B, KB, MB, GB, TB, KiB, MiB, GiB, TiB";
constexpr int kMaxDecimals = 12; // 10^12: the largest unit scale (s in ps, T, TB)

std::string quoted(std::string_view s) {
  return fmt::format("\"{}\"", s);
}

bool is_space(char c) {
  return c == ' ' || c == '\t';
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_space(s.front())) {
    s.remove_prefix(1);
  }
  while (!s.empty() && is_space(s.back())) {
    s.remove_suffix(1);
  }
  return s;
}

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

// digits [ '.' digits ] then the unit (spaces between them skipped).
struct Decimal {
  std::uint64_t integer = 0;
  std::uint64_t fraction = 0; // the decimals, trailing zeros removed
  int digits = 0;             // how many decimals `fraction` has
  bool too_fine = false;      // more than kMaxDecimals significant decimals
  std::string_view unit;
};

Expected<Decimal, Reason> parse_decimal(std::string_view text, std::string_view example) {
  const std::string_view s = trim(text);
  if (s.empty()) {
    return make_unexpected(fmt::format("empty (expected a number and a unit, e.g. {})", example));
  }
  if (s.front() == '-') {
    return make_unexpected(fmt::format("negative value {}", quoted(s)));
  }
  if (!is_digit(s.front())) {
    return make_unexpected(fmt::format("not a number {} (expected e.g. {})", quoted(s), example));
  }
  Decimal d;
  std::size_t i = 0;
  for (; i < s.size() && is_digit(s[i]); ++i) {
    const auto digit = static_cast<std::uint64_t>(s[i] - '0');
    if (d.integer > (std::numeric_limits<std::uint64_t>::max() - digit) / 10) {
      return make_unexpected(fmt::format("out of range {}", quoted(s)));
    }
    d.integer = d.integer * 10 + digit;
  }
  if (i < s.size() && s[i] == '.') {
    ++i;
    const std::size_t first = i;
    while (i < s.size() && is_digit(s[i])) {
      ++i;
    }
    if (i == first) {
      return make_unexpected(
          fmt::format("not a number {} (a digit must follow the point)", quoted(s)));
    }
    std::string_view decimals = s.substr(first, i - first);
    while (!decimals.empty() && decimals.back() == '0') {
      decimals.remove_suffix(1);
    }
    if (decimals.size() > static_cast<std::size_t>(kMaxDecimals)) {
      d.too_fine = true;
    } else {
      for (const char c : decimals) {
        d.fraction = d.fraction * 10 + static_cast<std::uint64_t>(c - '0');
      }
      d.digits = static_cast<int>(decimals.size());
    }
  }
  d.unit = trim(s.substr(i));
  return d;
}

constexpr std::uint64_t pow10(int n) {
  std::uint64_t v = 1;
  for (int i = 0; i < n; ++i) {
    v *= 10;
  }
  return v;
}

enum class Fail : std::uint8_t { None, Finer, Range };

// (integer + fraction / 10^digits) * scale, exactly, at most `limit`.
Fail scale_exact(const Decimal& d, std::uint64_t scale, std::uint64_t limit, std::uint64_t& out) {
  if (d.too_fine) {
    return Fail::Finer;
  }
  const std::uint64_t den = pow10(d.digits);
  const std::uint64_t g = std::gcd(scale, den);
  if (d.fraction % (den / g) != 0) {
    return Fail::Finer;
  }
  const std::uint64_t part = d.fraction / (den / g) * (scale / g); // < scale: no overflow
  if (part > limit || d.integer > (limit - part) / scale) {
    return Fail::Range;
  }
  out = d.integer * scale + part;
  return Fail::None;
}

struct Unit {
  std::string_view name;
  std::uint64_t scale;
};

bool is_zero(const Decimal& d) {
  return d.integer == 0 && d.fraction == 0 && !d.too_fine;
}

} // namespace

Expected<Time, std::string> parse_time(std::string_view text) {
  auto d = parse_decimal(text, "\"20ns\"");
  if (!d) {
    return make_unexpected(d.error());
  }
  const std::string_view s = trim(text);
  if (d->unit.empty()) {
    if (is_zero(*d)) {
      return Time{0};
    }
    return make_unexpected(fmt::format("missing time unit in {} ({})", quoted(s), kTimeUnits));
  }
  static constexpr std::array<Unit, 6> kUnits{{{"ps", 1},
                                               {"ns", 1'000},
                                               {"us", 1'000'000},
                                               {"\xC2\xB5s", 1'000'000}, // µs
                                               {"ms", 1'000'000'000},
                                               {"s", 1'000'000'000'000}}};
  for (const auto& u : kUnits) {
    if (u.name != d->unit) {
      continue;
    }
    std::uint64_t ps = 0;
    switch (scale_exact(*d, u.scale, std::numeric_limits<std::int64_t>::max(), ps)) {
    case Fail::Finer:
      return make_unexpected(fmt::format("{} is finer than 1 ps", quoted(s)));
    case Fail::Range:
      return make_unexpected(
          fmt::format("out of range {} (at most 9223372s, about 106 days)", quoted(s)));
    case Fail::None:
      break;
    }
    return Time{static_cast<std::int64_t>(ps)};
  }
  return make_unexpected(
      fmt::format("unknown time unit {} in {} ({})", quoted(d->unit), quoted(s), kTimeUnits));
}

Expected<BitRate, std::string> parse_rate(std::string_view text) {
  auto d = parse_decimal(text, "\"400Gbps\"");
  if (!d) {
    return make_unexpected(d.error());
  }
  const std::string_view s = trim(text);
  if (d->unit.empty()) {
    if (is_zero(*d)) {
      return BitRate{0};
    }
    return make_unexpected(fmt::format("missing rate unit in {} ({})", quoted(s), kRateUnits));
  }
  // [prefix] base: K or k, M, G, T; bps, b/s, bit/s (bits) or Bps, B/s (bytes).
  const auto base_scale = [](std::string_view b) -> std::uint64_t {
    if (b == "bps" || b == "b/s" || b == "bit/s") {
      return 1;
    }
    if (b == "Bps" || b == "B/s") {
      return 8;
    }
    return 0;
  };
  std::uint64_t scale = base_scale(d->unit);
  if (scale == 0 && d->unit.size() > 1) {
    std::uint64_t prefix = 0;
    switch (d->unit.front()) {
    case 'k':
    case 'K':
      prefix = 1'000;
      break;
    case 'M':
      prefix = 1'000'000;
      break;
    case 'G':
      prefix = 1'000'000'000;
      break;
    case 'T':
      prefix = 1'000'000'000'000;
      break;
    default:
      break;
    }
    scale = prefix * base_scale(d->unit.substr(1));
  }
  if (scale == 0) {
    return make_unexpected(
        fmt::format("unknown rate unit {} in {} ({})", quoted(d->unit), quoted(s), kRateUnits));
  }
  std::uint64_t bps = 0;
  switch (scale_exact(*d, scale, kMaxRateBps, bps)) {
  case Fail::Finer:
    return make_unexpected(fmt::format("{} is not a whole number of bit/s", quoted(s)));
  case Fail::Range:
    return make_unexpected(fmt::format("{} is above 18Tbps, the model's limit", quoted(s)));
  case Fail::None:
    break;
  }
  return BitRate{bps};
}

Expected<std::uint64_t, std::string> parse_size(std::string_view text) {
  auto d = parse_decimal(text, "\"64KiB\"");
  if (!d) {
    return make_unexpected(d.error());
  }
  const std::string_view s = trim(text);
  static constexpr std::array<Unit, 11> kUnits{{{"", 1},
                                                {"B", 1},
                                                {"kB", 1'000},
                                                {"KB", 1'000},
                                                {"MB", 1'000'000},
                                                {"GB", 1'000'000'000},
                                                {"TB", 1'000'000'000'000},
                                                {"KiB", std::uint64_t{1} << 10U},
                                                {"MiB", std::uint64_t{1} << 20U},
                                                {"GiB", std::uint64_t{1} << 30U},
                                                {"TiB", std::uint64_t{1} << 40U}}};
  for (const auto& u : kUnits) {
    if (u.name != d->unit) {
      continue;
    }
    std::uint64_t bytes = 0;
    switch (scale_exact(*d, u.scale, std::numeric_limits<std::uint64_t>::max(), bytes)) {
    case Fail::Finer:
      return make_unexpected(fmt::format("{} is not a whole number of bytes", quoted(s)));
    case Fail::Range:
      return make_unexpected(fmt::format("out of range {} (at most 2^64-1 B)", quoted(s)));
    case Fail::None:
      break;
    }
    return bytes;
  }
  if (d->unit.back() == 'b' || d->unit.find("bit") != std::string_view::npos) {
    return make_unexpected(
        fmt::format("sizes are in bytes (B): {} in {} would be bits", quoted(d->unit), quoted(s)));
  }
  return make_unexpected(
      fmt::format("unknown size unit {} in {} ({})", quoted(d->unit), quoted(s), kSizeUnits));
}

namespace {

// value / scale with at most three decimals, when exact; "" otherwise.
std::string with_decimals(std::uint64_t value, std::uint64_t scale, std::string_view unit) {
  const std::uint64_t milli = scale >= 1000 ? scale / 1000 : 0;
  if (scale >= 1000 && value % milli != 0) {
    return {};
  }
  if (scale < 1000 && value % scale != 0) {
    return {};
  }
  std::string out = fmt::format("{}", value / scale);
  if (scale >= 1000) {
    auto rest = (value % scale) / milli; // 0..999 thousandths
    if (rest != 0) {
      std::string dec = fmt::format("{:03}", rest);
      while (dec.back() == '0') {
        dec.pop_back();
      }
      out += '.';
      out += dec;
    }
  }
  out += unit;
  return out;
}

std::string format_scaled(std::uint64_t value, std::span<const Unit> units_large_first) {
  for (const auto& u : units_large_first) {
    if (value >= u.scale || u.scale == 1) {
      if (auto s = with_decimals(value, u.scale, u.name); !s.empty()) {
        return s;
      }
    }
  }
  return {}; // unreachable: the last unit has scale 1
}

} // namespace

std::string format_time(Time t) {
  static constexpr std::array<Unit, 5> kUnits{{{"s", 1'000'000'000'000},
                                               {"ms", 1'000'000'000},
                                               {"us", 1'000'000},
                                               {"ns", 1'000},
                                               {"ps", 1}}};
  if (t.count() <= 0) {
    return t.count() == 0 ? "0ns" : fmt::format("{}ps", t.count());
  }
  return format_scaled(static_cast<std::uint64_t>(t.count()), kUnits);
}

std::string format_rate(BitRate r) {
  static constexpr std::array<Unit, 5> kUnits{{{"Tbps", 1'000'000'000'000},
                                               {"Gbps", 1'000'000'000},
                                               {"Mbps", 1'000'000},
                                               {"Kbps", 1'000},
                                               {"bps", 1}}};
  return format_scaled(r.bps, kUnits);
}

std::string format_size(std::uint64_t bytes) {
  static constexpr std::array<Unit, 4> kIec{{{"TiB", std::uint64_t{1} << 40U},
                                             {"GiB", std::uint64_t{1} << 30U},
                                             {"MiB", std::uint64_t{1} << 20U},
                                             {"KiB", std::uint64_t{1} << 10U}}};
  for (const auto& u : kIec) {
    if (bytes >= u.scale && bytes % u.scale == 0) {
      return fmt::format("{}{}", bytes / u.scale, u.name);
    }
  }
  static constexpr std::array<Unit, 5> kSi{{{"TB", 1'000'000'000'000},
                                            {"GB", 1'000'000'000},
                                            {"MB", 1'000'000},
                                            {"KB", 1'000},
                                            {"B", 1}}};
  return format_scaled(bytes, kSi);
}

} // namespace ub::sim
