#pragma once
// One random stream per simulated component (STYLE rules 10, 11, 13). A component's stream is a
// pure function of (run seed, component kind, component id), so it does not depend on how many
// other components exist or in which order they were built: adding a link to a scenario does not
// change the losses drawn on the others, and a component built late draws what it would have
// drawn built first.

#include <cstdint>
#include <string_view>

#include "protocol/common/rng.hpp"

namespace ub::sim {

// The seed of a run that names none (STYLE rule 13); every run prints the seed it used.
inline constexpr std::uint64_t kDefaultSeed = 1;

// The kinds of component that draw random numbers. Values are part of the stream derivation:
// append new kinds, never renumber (a renumbered kind changes every golden fingerprint).
enum class ComponentKind : std::uint16_t {
  Link = 1,     // a link's PHY (bit errors) or a link end
  Port = 2,     // a data link instance on one port
  Switch = 3,   // a switch (multipath selector salt, arbitration ties)
  Endpoint = 4, // a UB controller
  Traffic = 5,  // a traffic generator (one per flow source)
  Fault = 6,    // the fault schedule
  Scenario = 7, // scenario-level draws (placement, random permutations)
};

[[nodiscard]] constexpr std::string_view to_string(ComponentKind k) noexcept {
  switch (k) {
  case ComponentKind::Link:
    return "link";
  case ComponentKind::Port:
    return "port";
  case ComponentKind::Switch:
    return "switch";
  case ComponentKind::Endpoint:
    return "endpoint";
  case ComponentKind::Traffic:
    return "traffic";
  case ComponentKind::Fault:
    return "fault";
  case ComponentKind::Scenario:
    return "scenario";
  }
  return "?";
}

// splitmix64's finaliser: a fixed, portable 64-bit bijection.
[[nodiscard]] constexpr std::uint64_t mix64(std::uint64_t x) noexcept {
  x = (x ^ (x >> 30U)) * 0xBF58476D1CE4E5B9ULL;
  x = (x ^ (x >> 27U)) * 0x94D049BB133111EBULL;
  return x ^ (x >> 31U);
}

// The stream number of component (kind, id): the kind in the top 16 bits and the id in the low
// 48 are a unique 64-bit value, mixed so that neighbouring ids give unrelated streams.
[[nodiscard]] constexpr std::uint64_t stream_of(ComponentKind kind, std::uint64_t id) noexcept {
  return mix64((std::uint64_t{static_cast<std::uint16_t>(kind)} << 48U) ^
               (id & 0xFFFF'FFFF'FFFFULL));
}

// The stream of component (kind, id) in the run seeded with `run_seed`.
[[nodiscard]] constexpr Rng component_rng(std::uint64_t run_seed, ComponentKind kind,
                                          std::uint64_t id) noexcept {
  return Rng{run_seed, stream_of(kind, id)};
}

// The run's seed and the streams derived from it; cheap to copy and pass to component builders.
class RngStreams {
public:
  explicit constexpr RngStreams(std::uint64_t seed = kDefaultSeed) noexcept : seed_(seed) {}
  [[nodiscard]] constexpr std::uint64_t seed() const noexcept { return seed_; }
  [[nodiscard]] constexpr Rng make(ComponentKind kind, std::uint64_t id) const noexcept {
    return component_rng(seed_, kind, id);
  }

private:
  std::uint64_t seed_;
};

} // namespace ub::sim
