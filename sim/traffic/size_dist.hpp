#pragma once
// Message-size distributions of a traffic pattern (traffic.hpp `SizeDist`): the checks on a
// pattern's size fields and the draws. Draws use only the ub::Rng passed in and the portable
// logarithm, so sizes are the same on every platform (STYLE rules 10, 11).
//
//   Fixed        every draw is `bytes` (>= 1).
//   Uniform      uniform over the integers min_bytes..max_bytes (1 <= min <= max).
//   Exponential  round(-bytes * ln(1 - u)), at least 1 (`bytes` >= 1 is the mean before the
//                rounding and the floor of 1, which lift the mean by under 1 byte + P(x < 0.5)).
//   Cdf          an empirical distribution: points (bytes, p) with both non-decreasing, bytes >= 1,
//                p in [0, 1] and the last p = 1 (within 1e-9). A draw u in [0, 1) gives the first
//                point's bytes when u < p0 (its probability mass), otherwise the linear
//                interpolation between the two points whose p bracket u, rounded to the nearest
//                integer. docs/spec-coverage.md A-208.

#include <cstdint>
#include <string_view>
#include <vector>

#include "protocol/common/rng.hpp"
#include "sim/config_error.hpp"
#include "sim/traffic/traffic.hpp"

namespace ub::sim {

class SizeSampler {
public:
  // Checks the size fields of `spec` (its `size` and the fields that kind reads); errors name
  // "<key>.bytes", "<key>.min_bytes", "<key>.max_bytes", "<key>.cdf" or "<key>.cdf[k].p" /
  // "<key>.cdf[k].bytes", where `key` is the pattern's own ("traffic[2]").
  [[nodiscard]] static ConfigResult<SizeSampler> make(const PatternSpec& spec,
                                                      std::string_view key);

  // One size in bytes, >= 1. Fixed draws nothing from `rng`.
  [[nodiscard]] std::uint64_t draw(Rng& rng) const;

  // The mean of the distribution as specified (Exponential: `bytes`, before rounding).
  [[nodiscard]] double mean() const;

  [[nodiscard]] SizeDist kind() const noexcept { return kind_; }

private:
  SizeDist kind_ = SizeDist::Fixed;
  std::uint64_t a_ = 1; // Fixed bytes, Uniform min, Exponential mean
  std::uint64_t b_ = 1; // Uniform max
  std::vector<CdfPoint> cdf_;
};

// The largest size an Exponential draw gives (its tail is cut here instead of overflowing).
inline constexpr std::uint64_t kMaxDrawnBytes = std::uint64_t{1} << 62U;

} // namespace ub::sim
