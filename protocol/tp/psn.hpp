#pragma once
// Packet sequence numbers of a TP Channel. UB-Base-2.0 §6.4.1 (p.164-165): a PSN is 24 bits and
// wraps; the sender keeps at most 2^23 - 1 packets between the lowest unacknowledged PSN and the
// highest sent, so "a before b" is decided by the forward distance being under 2^23.
// A receiver classifies an arriving PSN against its expected PSN (EPSN) and its out-of-order
// window W (128..2048, §6.4.1, Fig. 6-16): in order, inside the window, a duplicate (up to 2^23
// behind), or invalid (too far ahead, dropped without an ACK).

#include <cstdint>

namespace ub::tp {

inline constexpr std::uint32_t kPsnModulus = 1U << 24;
inline constexpr std::uint32_t kPsnMask = kPsnModulus - 1;
inline constexpr std::uint32_t kPsnHalf = 1U << 23;

// The PSN after p.
[[nodiscard]] constexpr std::uint32_t psn_next(std::uint32_t p) noexcept {
  return (p + 1) & kPsnMask;
}
// p + n modulo 2^24.
[[nodiscard]] constexpr std::uint32_t psn_add(std::uint32_t p, std::uint32_t n) noexcept {
  return (p + n) & kPsnMask;
}
// Forward distance from b to a: how many steps of psn_next take b to a (0 .. 2^24 - 1).
[[nodiscard]] constexpr std::uint32_t psn_dist(std::uint32_t a, std::uint32_t b) noexcept {
  return (a - b) & kPsnMask;
}
// True if a comes strictly before b (b is 1 .. 2^23 - 1 steps after a).
[[nodiscard]] constexpr bool psn_before(std::uint32_t a, std::uint32_t b) noexcept {
  const std::uint32_t d = psn_dist(b, a);
  return d >= 1 && d <= kPsnHalf - 1;
}

// Where an arriving PSN falls for a receiver expecting `epsn` with an out-of-order window of
// `window` packets (§6.4.1 Fig. 6-16).
enum class PsnClass : std::uint8_t {
  InOrder,   // psn == EPSN
  InWindow,  // EPSN < psn <= EPSN + W
  Duplicate, // EPSN - 2^23 <= psn < EPSN: already received
  Invalid,   // EPSN + W < psn < EPSN + 2^23: dropped silently
};

[[nodiscard]] constexpr PsnClass classify_psn(std::uint32_t psn, std::uint32_t epsn,
                                              std::uint32_t window) noexcept {
  const std::uint32_t d = psn_dist(psn, epsn);
  if (d == 0) {
    return PsnClass::InOrder;
  }
  if (d <= window) {
    return PsnClass::InWindow;
  }
  if (d >= kPsnHalf) {
    return PsnClass::Duplicate;
  }
  return PsnClass::Invalid;
}

// The out-of-order window sizes a receiver may use (§6.4.1).
[[nodiscard]] constexpr bool is_ooo_window(std::uint32_t w) noexcept {
  return w == 128 || w == 256 || w == 512 || w == 1024 || w == 2048;
}

} // namespace ub::tp
