// Message-size distributions: see size_dist.hpp.

#include "sim/traffic/size_dist.hpp"

#include <algorithm>
#include <cmath>
#include <string>
#include <utility>

#include <fmt/format.h>

namespace ub::sim {

namespace {

// How far the last cdf probability may be from 1 (a file's decimal fractions rarely sum exactly).
constexpr double kCdfEndTolerance = 1e-9;

ConfigError error(std::string_view key, std::string_view field, std::string reason) {
  return ConfigError{{}, 0, fmt::format("{}.{}", key, field), std::move(reason)};
}

std::uint64_t round_to_bytes(double x) {
  if (!(x >= 0.5)) { // also NaN
    return 1;
  }
  if (x >= static_cast<double>(kMaxDrawnBytes)) {
    return kMaxDrawnBytes;
  }
  return static_cast<std::uint64_t>(x + 0.5);
}

} // namespace

ConfigResult<SizeSampler> SizeSampler::make(const PatternSpec& spec, std::string_view key) {
  if (static_cast<unsigned>(spec.size) > static_cast<unsigned>(SizeDist::Cdf)) {
    return make_unexpected(error(key, "size", "unknown size distribution"));
  }
  SizeSampler s;
  s.kind_ = spec.size;
  switch (spec.size) {
  case SizeDist::Fixed:
  case SizeDist::Exponential:
    if (spec.bytes == 0) {
      return make_unexpected(error(key, "bytes", "must be at least 1"));
    }
    if (spec.size == SizeDist::Exponential && spec.bytes > kMaxDrawnBytes) {
      return make_unexpected(
          error(key, "bytes", fmt::format("an exponential mean above {} bytes", kMaxDrawnBytes)));
    }
    s.a_ = spec.bytes;
    break;
  case SizeDist::Uniform:
    if (spec.min_bytes == 0) {
      return make_unexpected(error(key, "min_bytes", "must be at least 1"));
    }
    if (spec.max_bytes < spec.min_bytes) {
      return make_unexpected(
          error(key, "max_bytes",
                fmt::format("{} is below min_bytes ({})", spec.max_bytes, spec.min_bytes)));
    }
    s.a_ = spec.min_bytes;
    s.b_ = spec.max_bytes;
    break;
  case SizeDist::Cdf: {
    if (spec.cdf.empty()) {
      return make_unexpected(error(key, "cdf", "a cdf size needs at least one point"));
    }
    for (std::size_t k = 0; k < spec.cdf.size(); ++k) {
      const CdfPoint& pt = spec.cdf[k];
      const std::string at = fmt::format("cdf[{}]", k);
      if (pt.bytes == 0) {
        return make_unexpected(error(key, at + ".bytes", "must be at least 1"));
      }
      if (!(pt.p >= 0.0 && pt.p <= 1.0)) { // also NaN
        return make_unexpected(error(key, at + ".p", fmt::format("{} is not in [0, 1]", pt.p)));
      }
      if (k > 0 && pt.bytes < spec.cdf[k - 1].bytes) {
        return make_unexpected(
            error(key, at + ".bytes",
                  fmt::format("{} is below the previous point's {} (sizes must not decrease)",
                              pt.bytes, spec.cdf[k - 1].bytes)));
      }
      if (k > 0 && pt.p < spec.cdf[k - 1].p) {
        return make_unexpected(
            error(key, at + ".p",
                  fmt::format("{} is below the previous point's {} (a cdf must not decrease)", pt.p,
                              spec.cdf[k - 1].p)));
      }
    }
    if (std::abs(spec.cdf.back().p - 1.0) > kCdfEndTolerance) {
      return make_unexpected(
          error(key, fmt::format("cdf[{}].p", spec.cdf.size() - 1),
                fmt::format("the last point's p is {}, not 1", spec.cdf.back().p)));
    }
    s.cdf_ = spec.cdf;
    s.cdf_.back().p = 1.0;
    break;
  }
  }
  return s;
}

std::uint64_t SizeSampler::draw(Rng& rng) const {
  switch (kind_) {
  case SizeDist::Fixed:
    return a_;
  case SizeDist::Uniform:
    return a_ + rng.below(b_ - a_ + 1);
  case SizeDist::Exponential:
    return round_to_bytes(-static_cast<double>(a_) * portable_log_one_minus(rng.uniform()));
  case SizeDist::Cdf: {
    const double u = rng.uniform();
    // The first point whose p is above u; the last p is 1 > u, so there is one.
    const auto it = std::upper_bound(cdf_.begin(), cdf_.end(), u,
                                     [](double v, const CdfPoint& pt) { return v < pt.p; });
    if (it == cdf_.begin()) {
      return cdf_.front().bytes;
    }
    const CdfPoint& lo = *std::prev(it);
    const CdfPoint& hi = *it;
    const double frac = (u - lo.p) / (hi.p - lo.p); // hi.p > u >= lo.p
    const double span = static_cast<double>(hi.bytes - lo.bytes);
    const std::uint64_t add =
        std::min<std::uint64_t>(hi.bytes - lo.bytes, static_cast<std::uint64_t>(frac * span + 0.5));
    return lo.bytes + add;
  }
  }
  return a_;
}

double SizeSampler::mean() const {
  switch (kind_) {
  case SizeDist::Fixed:
  case SizeDist::Exponential:
    return static_cast<double>(a_);
  case SizeDist::Uniform:
    return (static_cast<double>(a_) + static_cast<double>(b_)) / 2.0;
  case SizeDist::Cdf: {
    double m = cdf_.front().p * static_cast<double>(cdf_.front().bytes);
    for (std::size_t k = 1; k < cdf_.size(); ++k) {
      m += (cdf_[k].p - cdf_[k - 1].p) *
           (static_cast<double>(cdf_[k - 1].bytes) + static_cast<double>(cdf_[k].bytes)) / 2.0;
    }
    return m;
  }
  }
  return static_cast<double>(a_);
}

} // namespace ub::sim
