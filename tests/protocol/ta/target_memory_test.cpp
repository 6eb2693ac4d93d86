// Target memory: sparse pages created on first touch, reads and writes across page boundaries,
// untouched memory reads as zero, atomics in place with the Table 7-16 rules.
#include <algorithm>
#include <map>
#include <memory>
#include <random>
#include <vector>

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

TEST_CASE("Target memory: a page written whole from a shared buffer is held, not copied, and "
          "what is held does not change",
          "[ta][memory]") {
  constexpr std::uint64_t kPage = TargetMemory::kPageBytes;
  auto buf = std::make_shared<std::vector<Byte>>(kPage + 100);
  for (std::size_t i = 0; i < buf->size(); ++i) {
    (*buf)[i] = static_cast<Byte>(i * 3 + 1);
  }
  TargetMemory m;
  const std::uint64_t pa = 5 * kPage;
  // Untouched memory is held as zeros.
  const SharedBytes z = m.shared_range(pa + 8, 16);
  REQUIRE(z.view().size() == 16);
  CHECK(std::all_of(z.view().begin(), z.view().end(), [](Byte b) { return b == 0; }));
  CHECK(m.pages() == 0); // and stays untouched
  m.write_shared(pa, SharedBytes{buf, 50, kPage});
  const SharedBytes h = m.shared_range(pa + 10, 100);
  REQUIRE(h.view().size() == 100);
  CHECK(h.view().data() == buf->data() + 60);    // the buffer itself
  CHECK(m.shared_range(pa + 4000, 200).empty()); // crosses into the next page
  CHECK(m.shared_range(pa, 0).empty());
  m.write(9 * kPage, std::vector<Byte>(kPage, 7)); // a page with its own bytes
  CHECK(m.shared_range(9 * kPage, 16).empty());
  // A write into the held page gives the page its own bytes; the held ones stay as they were.
  const SharedBytes whole = m.shared_range(pa, kPage);
  m.write(pa + 20, std::vector<Byte>{0xAA});
  CHECK(m.shared_range(pa, 16).empty());
  CHECK(m.read(pa + 20, 1) == std::vector<Byte>{0xAA});
  CHECK(whole.view()[20] == (*buf)[70]);
  CHECK(std::equal(whole.view().begin(), whole.view().end(), buf->begin() + 50));
  // Written whole again from another buffer: held is the new one.
  auto other = std::make_shared<std::vector<Byte>>(kPage, 0x33);
  m.write_shared(pa, SharedBytes{other, 0, kPage});
  CHECK(m.shared_range(pa + 1, 8).view().data() == other->data() + 1);
  CHECK(h.view()[0] == (*buf)[60]);
}

TEST_CASE("Target memory: random reads, writes, shared writes and atomics over a few pages agree "
          "with a byte map, also after a move",
          "[ta][memory]") {
  // The page lookups remember the last two pages; a byte map has no such shortcut. Accesses
  // cluster on five neighbouring pages and straddle their boundaries, so the remembered pages
  // are hit, missed and replaced in every order. A third of the writes come from a shared
  // buffer (write_shared), often page-aligned, so whole pages refer to it, and later writes,
  // reads and atomics meet pages of both kinds.
  std::mt19937_64 rng(0x7A4E); // fully specified by the standard: the same sequence everywhere
  TargetMemory m;
  std::map<std::uint64_t, Byte> ref;
  std::size_t held_reads = 0;
  auto check_read = [&](TargetMemory& mem, std::uint64_t pa, std::size_t n) {
    std::vector<Byte> want(n);
    for (std::size_t i = 0; i < n; ++i) {
      const auto it = ref.find(pa + i);
      want[i] = it == ref.end() ? Byte{0} : it->second;
    }
    CHECK(mem.read(pa, n) == want);
    // Where the bytes lie in one page that refers to a shared buffer, they can be held instead.
    const SharedBytes held = mem.shared_range(pa, n);
    if (!held.empty()) {
      CHECK(std::equal(held.view().begin(), held.view().end(), want.begin(), want.end()));
      ++held_reads;
    }
  };
  const std::uint64_t base = 0x40'0000;
  std::size_t most_shared = 0;
  for (int i = 0; i < 3000; ++i) {
    std::uint64_t pa = base + rng() % (5 * TargetMemory::kPageBytes);
    const std::size_t n = 1 + static_cast<std::size_t>(rng() % 9000);
    const auto kind = rng() % 7;
    if (kind < 2) {
      std::vector<Byte> data(n);
      for (std::size_t k = 0; k < n; ++k) {
        data[k] = static_cast<Byte>(rng());
        ref[pa + k] = data[k];
      }
      m.write(pa, data);
    } else if (kind < 4) {
      if (rng() % 2 == 0) {
        pa -= pa % TargetMemory::kPageBytes; // page-aligned: whole pages refer to the buffer
      }
      // The bytes inside a larger buffer, after a few others.
      const std::size_t lead = static_cast<std::size_t>(rng() % 40);
      auto buf = std::make_shared<std::vector<Byte>>(lead + n + 7);
      for (Byte& b : *buf) {
        b = static_cast<Byte>(rng());
      }
      for (std::size_t k = 0; k < n; ++k) {
        ref[pa + k] = (*buf)[lead + k];
      }
      m.write_shared(pa, SharedBytes{buf, lead, n});
      most_shared = std::max(most_shared, m.shared_pages());
    } else if (kind == 4) {
      // FetchAdd of 8 bytes in place (little-endian operand, §7.2.13).
      pa -= pa % 8;
      std::vector<Byte> operand(16, 0);
      operand[0] = static_cast<Byte>(rng() | 1U);
      std::uint64_t old = 0;
      for (std::size_t k = 0; k < 8; ++k) {
        const auto it = ref.find(pa + k);
        old |= std::uint64_t{it == ref.end() ? Byte{0} : it->second} << (8 * k);
      }
      auto res = m.atomic(TaOpcode::AtomicFetchAdd, pa, 8, operand, std::nullopt);
      REQUIRE(res);
      std::uint64_t got = 0;
      for (std::size_t k = 0; k < 8; ++k) {
        got |= std::uint64_t{(*res)[k]} << (8 * k);
      }
      CHECK(got == old);
      const std::uint64_t now = old + operand[0];
      for (std::size_t k = 0; k < 8; ++k) {
        ref[pa + k] = static_cast<Byte>(now >> (8 * k));
      }
    } else {
      check_read(m, pa, n);
    }
  }
  const std::size_t pages = m.pages();
  CHECK(pages >= 5);
  CHECK(most_shared > 0);
  CHECK(held_reads > 0);
  CHECK(m.shared_pages() < pages);
  TargetMemory moved(std::move(m));
  CHECK(moved.pages() == pages);
  for (std::uint64_t pa = base; pa < base + 7 * TargetMemory::kPageBytes; pa += 1000) {
    check_read(moved, pa, 1500);
  }
  // The moved-from memory is empty and remembers no page of the other's.
  TargetMemory& old = m; // NOLINT(bugprone-use-after-move): the state after a move is specified
  CHECK(old.pages() == 0);
  CHECK(old.read(base, 64) == std::vector<Byte>(64, 0));
}
