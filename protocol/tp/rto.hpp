#pragma once
// Retransmission timeout of a TP Channel. UB-Base-2.0 §6.4.2.1 (p.166-167):
//   - static: one of 512 us, 16 ms, 128 ms or 4 s, chosen when the channel is set up;
//   - dynamic: RTO = Base_time x 2^(N x times), Base_time in [4 us, 2,097,152 us], N set by the
//     user, `times` the timeout retransmissions so far (Table 6-8: N = 3, Base 20 us gives 20,
//     160, 1280, ... us);
//   - when the timeout retransmissions exceed the configured maximum the path is unreachable
//     and the transaction layer gets a "retransmission count exceeded" error.
// MODEL: the dynamic value is capped at `cap` (the spec states none) so it cannot overflow.

#include <cstdint>
#include <optional>

#include "protocol/common/units.hpp"

namespace ub::tp {

enum class StaticRto : std::uint8_t { Us512, Ms16, Ms128, S4 };

[[nodiscard]] constexpr Time static_rto_value(StaticRto r) noexcept {
  switch (r) {
  case StaticRto::Us512:
    return Time{512'000'000};
  case StaticRto::Ms16:
    return Time{16'000'000'000};
  case StaticRto::Ms128:
    return Time{128'000'000'000};
  case StaticRto::S4:
    return Time{4'000'000'000'000};
  }
  return Time{512'000'000};
}

struct RtoConfig {
  bool dynamic = true;
  StaticRto static_value = StaticRto::Us512;
  Time base = Time{20'000'000};        // Base_time, 4 us .. 2,097,152 us (Table 6-8 example: 20 us)
  unsigned n = 3;                      // N (Table 6-8 example: 3)
  unsigned max_retx = 7;               // timeout retransmissions allowed (Table 6-8 example: 7)
  Time cap = Time{64'000'000'000'000}; // MODEL: 64 s

  [[nodiscard]] constexpr bool valid() const noexcept {
    return !dynamic ||
           (base >= Time{4'000'000} && base <= Time{2'097'152'000'000} && n <= 24 && cap >= base);
  }
};

// The timeout to arm after `times` timeout retransmissions (0 for a first transmission).
[[nodiscard]] constexpr Time rto_for(const RtoConfig& c, unsigned times) noexcept {
  if (!c.dynamic) {
    return static_rto_value(c.static_value);
  }
  const std::uint64_t shift = std::uint64_t{c.n} * times;
  if (shift >= 62) {
    return c.cap;
  }
  const std::int64_t base = c.base.count();
  const std::int64_t limit = c.cap.count();
  if (base > (limit >> shift)) {
    return c.cap;
  }
  return Time{base << shift};
}

// Whether a timer expiry after `times` timeout retransmissions ends the channel: the spec's
// "exceeds the configured maximum" read as: retransmission number max_retx has been sent and its
// timer expired (Table 6-8's seven values are the seven retransmissions).
[[nodiscard]] constexpr bool rto_exhausted(const RtoConfig& c, unsigned times) noexcept {
  return times >= c.max_retx;
}

} // namespace ub::tp
