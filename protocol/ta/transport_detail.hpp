#pragma once
// Small helpers the TaTransport adapters share (transport_*.cpp). Not part of the interface.

#include <cstdint>
#include <deque>
#include <optional>
#include <utility>

#include "protocol/ta/transport.hpp"

namespace ub::ta::detail {

template <class T>
[[nodiscard]] std::optional<T> pop(std::deque<T>& q) {
  if (q.empty()) {
    return std::nullopt;
  }
  T v = std::move(q.front());
  q.pop_front();
  return v;
}

// A fixed, portable mix (splitmix64's finaliser): per-flow entropy of a (source, destination)
// pair, so it does not depend on the order flows are first used.
[[nodiscard]] constexpr std::uint64_t mix(std::uint64_t x) noexcept {
  x += 0x9E3779B97F4A7C15ULL;
  x = (x ^ (x >> 30U)) * 0xBF58476D1CE4E5B9ULL;
  x = (x ^ (x >> 27U)) * 0x94D049BB133111EBULL;
  return x ^ (x >> 31U);
}
[[nodiscard]] constexpr std::uint8_t flow_lbf(PeerId src, PeerId dst) noexcept {
  return static_cast<std::uint8_t>(mix((std::uint64_t{src} << 32U) | dst) & 0xFFU);
}

// The `stream` of a delivery from `peer` over a single-path transport: its source (§7.3.3.4).
[[nodiscard]] constexpr std::uint64_t source_stream(PeerId peer) noexcept {
  return std::uint64_t{peer} << 32U;
}

[[nodiscard]] inline Status no_tp_status(std::uint64_t handle) {
  return make_unexpected(Error{Errc::NotAllowed, 0, "TaTransport", "handle",
                               "this transport carries no TA status in a TP ACK", "§6.8.2"}
                             .with_value(handle));
}

} // namespace ub::ta::detail
