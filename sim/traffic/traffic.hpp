#pragma once
// Traffic generators: a scenario's [[traffic]] patterns turned into flows (flow.hpp).
// Pure and deterministic: the same spec, endpoint count and seed give the same flows.

#include <cstdint>
#include <string>
#include <vector>

#include "protocol/common/units.hpp"
#include "sim/config_error.hpp"
#include "sim/traffic/flow.hpp"

namespace ub::sim {

enum class PatternKind : std::uint8_t {
  Uniform,       // `count` flows per source, each to a uniformly drawn other endpoint
  Permutation,   // one flow per source to a random derangement of the endpoints
  Incast,        // `fan_in` sources (the first ones besides the target) to one `target`
  AllToAll,      // every source to every other endpoint
  RingAllReduce, // reduce-scatter + all-gather over a ring: 2(n-1) steps of bytes/n each
  TreeAllReduce, // reduce up a binary tree to the first endpoint, broadcast back down
  MoeDispatch,   // each token-holder sends bytes to top_k of `experts` expert endpoints
  MoeCombine,    // the reverse of dispatch (experts back to the token-holders)
  LoadStore,     // per source, a stream of Load/Store ops of op_bytes with `window` outstanding
  Explicit,      // the listed (src, dst) pairs
};

enum class SizeDist : std::uint8_t {
  Fixed,       // every flow `bytes`
  Uniform,     // uniform in [min_bytes, max_bytes]
  Exponential, // mean `bytes`, at least 1
  Cdf,         // empirical: (bytes, cumulative probability) points, linear in between
};

struct CdfPoint {
  std::uint64_t bytes = 0;
  double p = 0; // cumulative probability, non-decreasing, last = 1
  friend bool operator==(const CdfPoint&, const CdfPoint&) = default;
};

struct PatternSpec {
  std::string name; // unique within the scenario; default "traffic<i>"
  PatternKind kind = PatternKind::Uniform;
  OpKind op = OpKind::Write;
  // Endpoints the pattern uses (indexes); empty = all of them.
  std::vector<std::uint32_t> endpoints;
  SizeDist size = SizeDist::Fixed;
  std::uint64_t bytes = 65536; // per flow (Fixed), mean (Exponential); per rank for collectives
  std::uint64_t min_bytes = 0, max_bytes = 0; // Uniform
  std::vector<CdfPoint> cdf;                  // Cdf
  std::uint32_t op_bytes = 4096;              // per operation (message size); Load/Store default 64
  std::uint32_t count = 1;                    // Uniform: flows per source
  std::uint32_t fan_in = 8;                   // Incast
  std::uint32_t target = 0;                   // Incast: the receiving endpoint
  std::uint32_t experts = 8; // Moe*: expert endpoints (the last `experts` of the set)
  std::uint32_t top_k = 2;   // Moe*
  std::vector<std::pair<std::uint32_t, std::uint32_t>> pairs; // Explicit
  Time start{};               // offset (from 0, or after the patterns in `after`)
  Time interarrival{};        // Uniform: mean gap between a source's flows (0 = together)
  std::uint64_t rate_bps = 0; // open-loop rate per flow; 0 = closed loop / line rate
  std::uint32_t window = 0;   // outstanding ops per flow; 0 = unlimited
  std::uint8_t priority = 0;
  std::vector<std::string> after; // names of earlier patterns that must complete first
  std::uint32_t repeat = 1;       // the pattern run this many times back to back
  friend bool operator==(const PatternSpec&, const PatternSpec&) = default;
};

struct TrafficSpec {
  std::vector<PatternSpec> patterns;
  friend bool operator==(const TrafficSpec&, const TrafficSpec&) = default;
};

// The most flows one scenario's traffic may make (about 110 bytes each in memory, 5.5 GB at the
// limit); a spec that would make more is refused before anything is allocated.
inline constexpr std::uint64_t kMaxTrafficFlows = 50'000'000;
// The most endpoints a fabric may have for traffic to be made on it (far above the 65,534 nodes
// of a fabric's CNA space; a bound on what a wrong caller makes the generators allocate).
inline constexpr std::uint32_t kMaxTrafficEndpoints = 1U << 24U;

// Flows for `endpoints` endpoints. Errors (no file/line) name the pattern and field
// ("traffic[2].fan_in": more than the endpoints; unknown `after` name; bad cdf; ...). `seed` is the
// run seed.
[[nodiscard]] ConfigResult<std::vector<Flow>>
make_traffic(const TrafficSpec& spec, std::uint32_t endpoints, std::uint64_t seed);

} // namespace ub::sim
