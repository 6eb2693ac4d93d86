#pragma once
// Runs a transport test network (TestNet, MultipathNet) until every message has an outcome or
// `limit` model time, checking the network's invariants after every step; a broken invariant
// fails the test case with the network's own explanation.

#include <string>

#include <catch2/catch.hpp>

#include "protocol/common/units.hpp"

namespace ub::tp::test {

template <class Net>
bool run_checked(Net& n, Time limit) {
  std::string broken;
  const bool ok = n.run_until_done(limit, [&] {
    if (broken.empty()) {
      broken = n.check();
    }
  });
  INFO(broken);
  CHECK(broken.empty());
  return ok;
}

} // namespace ub::tp::test
