// The run fingerprint (sim/engine/fingerprint): stable, and changed by any delivery difference.
#include <catch2/catch.hpp>

#include "sim/engine/fingerprint.hpp"

using namespace ub;
using namespace ub::literals;
using namespace ub::sim;

namespace {

std::vector<DeliveryEvent> sample() {
  return {{1_ns, 3, 10, 0, 4096}, {2_ns, 5, 11, 0, 1000}, {2_ns, 3, 10, 1, 4096}};
}

std::uint64_t fold(const std::vector<DeliveryEvent>& evs) {
  Fingerprint f;
  for (const auto& e : evs) {
    f.add(e);
  }
  return f.value();
}

} // namespace

TEST_CASE("fingerprint is stable and printed as 16 hex digits", "[sim][engine]") {
  CHECK(fold(sample()) == fold(sample()));
  Fingerprint empty;
  CHECK(empty.hex() == "cbf29ce484222325"); // the FNV-1a offset basis
  CHECK(to_hex16(0) == "0000000000000000");
  CHECK(to_hex16(0x00c0ffee0000abcdULL) == "00c0ffee0000abcd");
  Fingerprint f;
  f.add(sample()[0]);
  CHECK(f.events() == 1);
  CHECK(f.hex().size() == 16);
  // Golden value: the hash is portable, so this holds on every machine.
  CHECK(fold(sample()) == 0x8227f10802f3d062ULL);
}

TEST_CASE("fingerprint changes with any field and with order", "[sim][engine]") {
  const std::uint64_t base = fold(sample());
  auto v = sample();
  v[1].time += 1_ps;
  CHECK(fold(v) != base);
  v = sample();
  v[1].node = 6;
  CHECK(fold(v) != base);
  v = sample();
  v[1].flow = 12;
  CHECK(fold(v) != base);
  v = sample();
  v[2].packet = 2;
  CHECK(fold(v) != base);
  v = sample();
  v[0].bytes = 4095;
  CHECK(fold(v) != base);
  v = sample();
  std::swap(v[1], v[2]);
  CHECK(fold(v) != base);
  v = sample();
  v.pop_back();
  CHECK(fold(v) != base);
}
