#pragma once
// Units as types (STYLE rule 9). Time is integer picoseconds: a flit at 800 Gb/s lasts 200 ps,
// and 2^63 ps is 106 days, so neither rounding nor overflow is a concern in a run.

#include <chrono>
#include <cstdint>

namespace ub {

using Time = std::chrono::duration<std::int64_t, std::pico>;

inline constexpr Time kNever = Time::max();

namespace literals {
constexpr Time operator""_ps(unsigned long long v) {
  return Time{static_cast<std::int64_t>(v)};
}
constexpr Time operator""_ns(unsigned long long v) {
  return Time{static_cast<std::int64_t>(v) * 1'000};
}
constexpr Time operator""_us(unsigned long long v) {
  return Time{static_cast<std::int64_t>(v) * 1'000'000};
}
constexpr Time operator""_ms(unsigned long long v) {
  return Time{static_cast<std::int64_t>(v) * 1'000'000'000};
}
} // namespace literals

// A data rate in bits per second; the time to send `bits` at this rate, rounded up.
struct BitRate {
  std::uint64_t bps = 0;
  [[nodiscard]] constexpr Time time_for_bits(std::uint64_t bits) const noexcept {
    // ps = bits * 1e12 / bps, computed without overflow for bits < 2^32.
    return Time{static_cast<std::int64_t>((bits * 1'000'000'000'000ULL + bps - 1) / bps)};
  }
  friend constexpr bool operator==(BitRate, BitRate) = default;
};

[[nodiscard]] constexpr BitRate gbps(double g) noexcept {
  return BitRate{static_cast<std::uint64_t>(g * 1e9)};
}

[[nodiscard]] constexpr double to_us(Time t) noexcept {
  return static_cast<double>(t.count()) / 1e6;
}
[[nodiscard]] constexpr double to_ns(Time t) noexcept {
  return static_cast<double>(t.count()) / 1e3;
}

} // namespace ub
