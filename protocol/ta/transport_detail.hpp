#pragma once
// Small helpers the TaTransport adapters share (transport_*.cpp). Not part of the interface.

#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string_view>
#include <utility>
#include <vector>

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

// Moves what a CTP or UTP endpoint delivered into `rx`, one slice per packet. The adapters
// carry the TAH directly behind the transport header (MODEL, A-153 / A-154): another NLP is
// counted malformed. `src_of(d)` names the delivery's source.
template <class Endpoint, class SrcOf>
void take_deliveries(Endpoint& ep, std::uint8_t tah_nlp, SrcOf&& src_of, std::deque<TaDelivery>& rx,
                     TransportCounters& c) {
  while (auto d = ep.poll_deliver()) {
    if (d->nlp != tah_nlp) {
      ++c.malformed;
      continue;
    }
    TaDelivery out;
    out.peer = src_of(*d);
    out.stream = source_stream(out.peer);
    out.packets.push_back(std::move(d->ta));
    rx.push_back(std::move(out));
    ++c.slices_delivered;
  }
}

[[nodiscard]] inline Status no_tp_status(std::uint64_t handle) {
  return make_unexpected(Error{Errc::NotAllowed, 0, "TaTransport", "handle",
                               "this transport carries no TA status in a TP ACK", "§6.8.2"}
                             .with_value(handle));
}

// A mesh of `devices` single-path transports, one per device, each from make_one(id): the CTP,
// UTP and bypass factories share it (`who` and `clause` name the refusal of a mesh below 2).
template <class MakeOne>
[[nodiscard]] Result<std::vector<std::unique_ptr<TaTransport>>>
make_mesh(std::size_t devices, std::string_view who, std::string_view clause, MakeOne&& make_one) {
  if (devices < 2) {
    return make_unexpected(
        Error{Errc::OutOfRange, 0, who, "devices", "a mesh needs 2 or more devices", clause}
            .with_value(devices));
  }
  std::vector<std::unique_ptr<TaTransport>> out;
  for (std::size_t i = 0; i < devices; ++i) {
    auto t = make_one(static_cast<PeerId>(i));
    if (!t) {
      return make_unexpected(t.error());
    }
    out.push_back(std::move(*t));
  }
  return out;
}

} // namespace ub::ta::detail
