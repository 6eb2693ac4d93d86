#pragma once
// Transaction segment sequence numbers. UB-Base-2.0 Table 7-1 (INI_TASSN: 16 bits, one per
// slice, echoed in the response), Table 7-3 and §7.3.1.1 (a normal TAACK with INI_TASSN = N and
// RSPINFO = k answers the k + 1 consecutive TASSNs N..N+k, k <= 31).
//
// Arithmetic is modulo 2^16. MODEL (design note X4): one counter per stream (initiator queue,
// destination Entity), with at most `kTassnWindow` slices outstanding, below 2^15 so that
// "before" is unambiguous for every pair a stream compares.

#include <cstdint>

namespace ub::ta {

inline constexpr std::uint32_t kTassnModulus = 1U << 16;
inline constexpr std::uint16_t kTassnWindow = 1024;   // MODEL: outstanding slices per stream
inline constexpr std::uint8_t kMaxTaackCoalesce = 31; // RSPINFO is 5 bits

[[nodiscard]] constexpr std::uint16_t tassn_add(std::uint16_t a, std::uint32_t n) noexcept {
  return static_cast<std::uint16_t>((a + n) & 0xFFFFU);
}
// Forward distance from b to a, 0..2^16 - 1.
[[nodiscard]] constexpr std::uint16_t tassn_dist(std::uint16_t a, std::uint16_t b) noexcept {
  return static_cast<std::uint16_t>((a - b) & 0xFFFFU);
}
// a comes before b (within half the space).
[[nodiscard]] constexpr bool tassn_before(std::uint16_t a, std::uint16_t b) noexcept {
  const std::uint16_t d = tassn_dist(b, a);
  return d != 0 && d < (kTassnModulus / 2);
}
// Whether a coalesced TAACK (INI_TASSN = first, RSPINFO = count) answers `t`.
[[nodiscard]] constexpr bool taack_covers(std::uint16_t first, std::uint8_t count,
                                          std::uint16_t t) noexcept {
  return tassn_dist(t, first) <= (count & 0x1FU);
}

// A stream's numbering: the next TASSN to give and the oldest one still outstanding.
class TassnStream {
public:
  explicit constexpr TassnStream(std::uint16_t first = 0) noexcept : next_(first), oldest_(first) {}
  // Whether another slice may be numbered (fewer than kTassnWindow outstanding).
  [[nodiscard]] constexpr bool can_issue() const noexcept {
    return tassn_dist(next_, oldest_) < kTassnWindow;
  }
  [[nodiscard]] constexpr std::uint16_t issue() noexcept {
    const std::uint16_t t = next_;
    next_ = tassn_add(next_, 1);
    return t;
  }
  // The oldest outstanding slice completed up to and including `t`: the window moves.
  constexpr void retire_through(std::uint16_t t) noexcept {
    if (tassn_dist(t, oldest_) < tassn_dist(next_, oldest_)) {
      oldest_ = tassn_add(t, 1);
    }
  }
  [[nodiscard]] constexpr std::uint16_t outstanding() const noexcept {
    return tassn_dist(next_, oldest_);
  }
  [[nodiscard]] constexpr std::uint16_t next() const noexcept { return next_; }
  [[nodiscard]] constexpr std::uint16_t oldest() const noexcept { return oldest_; }

private:
  std::uint16_t next_;
  std::uint16_t oldest_;
};

} // namespace ub::ta
