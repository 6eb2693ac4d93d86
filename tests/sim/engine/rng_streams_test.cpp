// Per-component random streams (sim/engine/rng_streams): a pure function of (seed, kind, id).
#include <catch2/catch.hpp>

#include "sim/engine/rng_streams.hpp"

using namespace ub;
using namespace ub::sim;

namespace {

std::vector<std::uint64_t> draws(Rng r, int n = 8) {
  std::vector<std::uint64_t> v;
  for (int i = 0; i < n; ++i) {
    v.push_back(r.next());
  }
  return v;
}

} // namespace

TEST_CASE("rng streams do not depend on creation order", "[sim][engine]") {
  const RngStreams s{1234};
  // Build links 0..9 forwards, then backwards, interleaved with other kinds.
  std::vector<std::vector<std::uint64_t>> fwd(10), bwd(10);
  for (std::uint64_t i = 0; i < 10; ++i) {
    fwd[i] = draws(s.make(ComponentKind::Link, i));
    (void)draws(s.make(ComponentKind::Switch, i));
  }
  for (std::uint64_t i = 10; i-- > 0;) {
    (void)draws(s.make(ComponentKind::Traffic, i));
    bwd[i] = draws(s.make(ComponentKind::Link, i));
  }
  CHECK(fwd == bwd);
}

TEST_CASE("rng streams differ by seed, kind and id", "[sim][engine]") {
  const auto a = draws(component_rng(1, ComponentKind::Link, 0));
  CHECK(a != draws(component_rng(2, ComponentKind::Link, 0)));
  CHECK(a != draws(component_rng(1, ComponentKind::Port, 0)));
  CHECK(a != draws(component_rng(1, ComponentKind::Link, 1)));
  CHECK(a == draws(component_rng(1, ComponentKind::Link, 0)));
  // Kind and id do not alias: (Link, id with the Port bit) is not (Port, id).
  CHECK(stream_of(ComponentKind::Link, 0) != stream_of(ComponentKind::Port, 0));
  CHECK(stream_of(ComponentKind::Link, std::uint64_t{2} << 48U) ==
        stream_of(ComponentKind::Link, 0)); // ids are 48 bits: documented truncation
  CHECK(RngStreams{}.seed() == kDefaultSeed);
}

TEST_CASE("rng streams are fixed values across platforms", "[sim][engine]") {
  // Golden: the first draw of (seed 1, Link, 0). A change here changes every golden fingerprint.
  Rng r = component_rng(1, ComponentKind::Link, 0);
  const std::uint64_t first = r.next();
  Rng again{1, mix64((std::uint64_t{1} << 48U) ^ 0)};
  CHECK(first == again.next());
  CHECK(mix64(0) == 0);
  CHECK(mix64(1) == 0x5692161d100b05e5ULL);
}
