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
  // ps = ceil(bits * 1e12 / bps), exact for any `bits` whose time fits in Time (whole transfers
  // too, not only packets) and any rate below 1.8e13 bit/s: bits * 1e12 itself would overflow
  // 64 bits above 1.8e7 bits, so the remainder is divided in two steps of 1e6.
  [[nodiscard]] constexpr Time time_for_bits(std::uint64_t bits) const noexcept {
    constexpr std::uint64_t kMega = 1'000'000;
    const std::uint64_t whole = bits / bps; // seconds
    const std::uint64_t a = (bits % bps) * kMega;
    const std::uint64_t b = (a % bps) * kMega;
    const std::uint64_t frac = (a / bps) * kMega + b / bps + (b % bps != 0 ? 1 : 0);
    return Time{static_cast<std::int64_t>(whole * kMega * kMega + frac)};
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
