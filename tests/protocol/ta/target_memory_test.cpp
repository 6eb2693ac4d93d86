// Target memory: sparse pages created on first touch, reads and writes across page boundaries,
// untouched memory reads as zero, atomics in place with the Table 7-16 rules.
#include <catch2/catch.hpp>

#include "protocol/ta/target_memory.hpp"

using namespace ub;
using namespace ub::ta;

TEST_CASE("Target memory: writes and reads across pages, zero where untouched", "[ta][memory]") {
  TargetMemory m;
  CHECK(m.read(0x1234'5000, 16) == std::vector<Byte>(16, 0));
  CHECK(m.pages() == 0); // reading creates nothing
  std::vector<Byte> data(10'000);
  for (std::size_t i = 0; i < data.size(); ++i) {
    data[i] = static_cast<Byte>(i * 7 + 1);
  }
  const std::uint64_t pa = 0x10'0000 - 100; // starts 100 bytes before a page boundary
  m.write(pa, data);
  CHECK(m.read(pa, data.size()) == data);
  CHECK(m.pages() == 4);                               // 100 + 4096 + 4096 + 1708 bytes
  CHECK(m.read(pa - 4, 4) == std::vector<Byte>(4, 0)); // before it: untouched part of a page
  std::vector<Byte> mid(8);
  m.read(pa + 4090, mid);
  CHECK(mid == std::vector<Byte>(data.begin() + 4090, data.begin() + 4098));
}

TEST_CASE("Target memory: atomics run in place, aligned, and refuse what apply_atomic refuses",
          "[ta][memory]") {
  TargetMemory m;
  const std::uint64_t pa = 0x2000'0040;
  std::vector<Byte> one(16, 0);
  one[0] = 1;                     // Operand1 = 1, Operand2 = 0
  for (int i = 0; i < 300; ++i) { // 300 fetch_adds of 1 on a 2-byte counter
    const auto r = m.atomic(TaOpcode::AtomicFetchAdd, pa, 2, std::span(one).first(4), {});
    REQUIRE(r.has_value());
    CHECK(r->size() == 2);
  }
  CHECK(m.read(pa, 2) == std::vector<Byte>{Byte{300 & 0xFF}, Byte{300 >> 8}});
  // compare_swap on 64 bytes at a 64-byte aligned address.
  std::vector<Byte> cas(128, 0);
  std::fill(cas.begin(), cas.begin() + 64, Byte{0xEE}); // Operand1; Operand2 = 0 (memory is 0)
  REQUIRE(m.atomic(TaOpcode::AtomicCompareSwap, 0x3000, 64, cas, {}).has_value());
  CHECK(m.read(0x3000, 64) == std::vector<Byte>(64, 0xEE));
  // Refusals: misaligned, bad size; memory untouched.
  const auto before = m.read(pa, 8);
  auto r = m.atomic(TaOpcode::AtomicFetchAdd, pa + 1, 4, std::span(one).first(8), {});
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().field == "Address");
  r = m.atomic(TaOpcode::AtomicFetchAdd, pa, 3, std::span(one).first(6), {});
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().field == "Length");
  r = m.atomic(TaOpcode::AtomicFetchAdd, 0x4000, 128, std::vector<Byte>(256, 1), {});
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().field == "Length");
  r = m.atomic(TaOpcode::AtomicStore, pa, 4, std::span(one).first(8), std::nullopt);
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().field == "UD");
  CHECK(m.read(pa, 8) == before);
}
