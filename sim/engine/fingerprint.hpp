#pragma once
// The run fingerprint (issue 6): a 64-bit FNV-1a hash folded over the ordered delivery events of
// a run (time, node, flow, packet, bytes), printed as 16 hex digits. Integers are fed byte by
// byte from the least significant, so the value does not depend on the machine's byte order:
// the same scenario and seed give the same fingerprint everywhere, and any change in what is
// delivered, where, when or in which order changes it.

#include <cstdint>
#include <string>

#include "protocol/common/units.hpp"
#include "sim/run_stats.hpp"

namespace ub::sim {

// 16 lower-case hex digits, zero padded: "00c0ffee00c0ffee".
[[nodiscard]] inline std::string to_hex16(std::uint64_t v) {
  std::string s(16, '0');
  for (int i = 15; i >= 0; --i) {
    s[static_cast<std::size_t>(i)] = "0123456789abcdef"[v & 0xFU];
    v >>= 4U;
  }
  return s;
}

// One delivered unit: a packet (or message, or TA completion) handed to its destination.
struct DeliveryEvent {
  Time time{};
  std::uint32_t node = 0;   // where it was delivered
  std::uint64_t flow = 0;   // the flow or task id
  std::uint64_t packet = 0; // the packet's (or message's) number within the flow
  std::uint64_t bytes = 0;  // payload bytes delivered
};

class Fingerprint {
public:
  void add(const DeliveryEvent& e) noexcept {
    h_.add(static_cast<std::uint64_t>(e.time.count()));
    h_.add(e.node);
    h_.add(e.flow);
    h_.add(e.packet);
    h_.add(e.bytes);
    ++events_;
  }
  // Folds in a value that is not a delivery (a final counter, say), for drivers that want the
  // fingerprint to cover it too.
  void add_value(std::uint64_t v) noexcept { h_.add(v); }

  [[nodiscard]] std::uint64_t value() const noexcept { return h_.h; }
  [[nodiscard]] std::string hex() const { return to_hex16(h_.h); }
  [[nodiscard]] std::uint64_t events() const noexcept { return events_; }

private:
  RunFingerprint h_;
  std::uint64_t events_ = 0;
};

} // namespace ub::sim
