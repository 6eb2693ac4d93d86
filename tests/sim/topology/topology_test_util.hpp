#pragma once
// Shared by the fabric tests: a generated topology that must be valid.
#include <string>
#include <utility>

#include <catch2/catch.hpp>

#include "sim/topology/topology.hpp"

namespace ub::test {

inline sim::Topology ok(Result<sim::Topology> t) {
  INFO((t ? std::string{} : to_string(t.error())));
  REQUIRE(t);
  return std::move(*t);
}

} // namespace ub::test
