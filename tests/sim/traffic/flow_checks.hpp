#pragma once
// Checks every flow vector must pass (flow.hpp): dense ids, endpoints in range and distinct,
// positive sizes, dependencies pointing backward, phases dense, contiguous and non-decreasing,
// barriers on lower phases only. And the longest chain of dependencies, in flows.

#include <algorithm>
#include <cstdint>
#include <vector>

#include <catch2/catch.hpp>

#include "sim/traffic/flow.hpp"

namespace ub::sim::test {

inline void check_flow_invariants(const std::vector<Flow>& flows, std::uint32_t endpoints) {
  std::uint32_t phase = 0;
  for (std::size_t i = 0; i < flows.size(); ++i) {
    const Flow& f = flows[i];
    INFO("flow " << i);
    REQUIRE(f.id == i);
    REQUIRE(f.src < endpoints);
    REQUIRE(f.dst < endpoints);
    REQUIRE(f.src != f.dst);
    REQUIRE(f.bytes > 0);
    REQUIRE(f.op_bytes > 0);
    for (const std::uint32_t a : f.after) {
      REQUIRE(a < f.id);
    }
    if (i == 0) {
      REQUIRE(f.phase == 0);
    } else {
      REQUIRE((f.phase == phase || f.phase == phase + 1));
    }
    phase = f.phase;
    REQUIRE(std::is_sorted(f.after_phases.begin(), f.after_phases.end()));
    REQUIRE(std::adjacent_find(f.after_phases.begin(), f.after_phases.end()) ==
            f.after_phases.end());
    for (const std::uint32_t p : f.after_phases) {
      REQUIRE(p < f.phase);
    }
  }
}

// The most flows on one dependency path (through `after` only), 0 for no flows.
inline std::uint32_t longest_chain(const std::vector<Flow>& flows) {
  std::vector<std::uint32_t> len(flows.size(), 1);
  std::uint32_t best = 0;
  for (const Flow& f : flows) {
    for (const std::uint32_t a : f.after) {
      len[f.id] = std::max(len[f.id], len[a] + 1);
    }
    best = std::max(best, len[f.id]);
  }
  return best;
}

} // namespace ub::sim::test
