#pragma once
// What every sim/ driver reports the same way: the run fingerprint, option errors, latency
// percentiles and goodput. Deterministic and portable: no clocks, no locale.

#include <algorithm>
#include <cstdint>
#include <string_view>
#include <vector>

#include "protocol/common/error.hpp"
#include "protocol/common/units.hpp"

namespace ub::sim {

// FNV-1a over 64-bit values, byte by byte from the least significant: the run fingerprint. The same
// configuration and seed give the same value on any machine.
struct RunFingerprint {
  std::uint64_t h = 0xcbf29ce484222325ULL;
  void add(std::uint64_t v) noexcept {
    for (int i = 0; i < 8; ++i) {
      h ^= (v >> (8 * i)) & 0xFF;
      h *= 0x100000001b3ULL;
    }
  }
};

// A configuration error that names the command-line option (header = the experiment's name).
[[nodiscard]] inline Status option_error(std::string_view experiment, std::string_view option,
                                         std::string_view why, std::uint64_t value = 0) {
  return make_unexpected(
      Error{Errc::OutOfRange, 0, experiment, option, why, "", value, value != 0});
}

// The nearest-rank percentile `per_hundred` (1..100) of `values` (taken by value: it is sorted
// partly); 0 for no values.
[[nodiscard]] inline double percentile(std::vector<double> values, unsigned per_hundred) {
  if (values.empty()) {
    return 0.0;
  }
  const std::size_t k = (values.size() * per_hundred + 99) / 100 - 1;
  std::nth_element(values.begin(), values.begin() + static_cast<std::ptrdiff_t>(k), values.end());
  return values[k];
}

// Payload bits per second over `span`, in Gbit/s; 0 for an empty span.
[[nodiscard]] inline double goodput_gbps(std::uint64_t bytes, Time span) noexcept {
  return span > Time{0}
             ? static_cast<double>(bytes) * 8.0 / (static_cast<double>(span.count()) * 1e-12) / 1e9
             : 0.0;
}

} // namespace ub::sim
