#pragma once
// Unit strings of scenario files and of the command line (docs/scenario-format.md, "Units";
// MODEL A-190): times, data rates and sizes, parsed exactly into integers, never through floating
// point. A value is a decimal number (digits, optionally a point and more digits; no sign, no
// exponent), optional spaces, and a unit:
//
//   time  ps, ns, us (or µs), ms, s                    -> ub::Time (picoseconds)
//   rate  bps, Kbps (or kbps), Mbps, Gbps, Tbps; "b/s" and "bit/s" spell "bps" too
//         ("100 Gbit/s"); a capital B counts bytes (Bps, B/s: GBps = 8 Gbps)  -> ub::BitRate
//   size  B; kB (or KB), MB, GB, TB are powers of 10 (1MB = 1,000,000 B);
//         KiB, MiB, GiB, TiB are powers of 2 (1MiB = 1,048,576 B); a plain integer is bytes
//
// A fraction is accepted when the result is whole ("1.5us", "1.6Tbps", "1.5KiB"); a finer value,
// a negative one, a missing or unknown unit and a value beyond the type (time: 2^63-1 ps, about
// 106 days; rate: kMaxRateBps; size: 2^64-1 B) are refused with a reason that quotes the text.
// "0" alone is a valid time and size. Rates of 0 parse (a traffic pattern's "no rate"); callers
// that need a positive rate say so.

#include <cstdint>
#include <string>
#include <string_view>

#include "protocol/common/expected.hpp"
#include "protocol/common/units.hpp"

namespace ub::sim {

// The fastest rate accepted: BitRate::time_for_bits is exact below 1.8e13 bit/s (its remainder
// arithmetic would overflow above), so 18 Tbit/s is the model's ceiling for one link.
inline constexpr std::uint64_t kMaxRateBps = 18'000'000'000'000ULL;

[[nodiscard]] Expected<Time, std::string> parse_time(std::string_view text);
[[nodiscard]] Expected<BitRate, std::string> parse_rate(std::string_view text);
[[nodiscard]] Expected<std::uint64_t, std::string> parse_size(std::string_view text);

// Exact spellings that parse back to the same value, for reports and documentation: the largest
// unit that needs at most three decimals ("150ns", "1.5us", "0ns"; "400Gbps", "1.6Tbps"); sizes
// in a whole power-of-2 unit if there is one ("64KiB"), else a power-of-10 unit with at most
// three decimals ("1MB", "1.5KB"), else bytes ("999B").
[[nodiscard]] std::string format_time(Time t);
[[nodiscard]] std::string format_rate(BitRate r);
[[nodiscard]] std::string format_size(std::uint64_t bytes);

} // namespace ub::sim
