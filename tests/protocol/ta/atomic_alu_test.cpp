// Atomic semantics of Table 7-16 (UB-Base-2.0 §7.4.2.3): every operation and sub-operation against
// native integer arithmetic for 1..8-byte operands, whole-width wrap for 16..64 bytes,
// little-endian byte order, and the refusals (size, payload, alignment, sub-operation, opcode).
#include <cstring>

#include <catch2/catch.hpp>

#include "protocol/common/rng.hpp"
#include "protocol/ta/atomic_alu.hpp"

using namespace ub;
using namespace ub::ta;

namespace {

std::vector<Byte> le(std::uint64_t v, std::size_t n) {
  std::vector<Byte> b(n);
  for (std::size_t i = 0; i < n; ++i) {
    b[i] = static_cast<Byte>(i < 8 ? (v >> (8 * i)) & 0xFFU : 0);
  }
  return b;
}

std::uint64_t from_le(const std::vector<Byte>& b) {
  std::uint64_t v = 0;
  for (std::size_t i = b.size(); i-- > 0;) {
    v = (v << 8) | b[i];
  }
  return v;
}

std::int64_t sign_extend(std::uint64_t v, std::size_t n) {
  if (n == 8) {
    return static_cast<std::int64_t>(v);
  }
  const std::uint64_t sign = std::uint64_t{1} << (8 * n - 1);
  return static_cast<std::int64_t>((v ^ sign)) - static_cast<std::int64_t>(sign);
}

std::vector<Byte> payload(std::uint64_t op1, std::uint64_t op2, std::size_t n) {
  auto p = le(op1, n);
  const auto b = le(op2, n);
  p.insert(p.end(), b.begin(), b.end());
  return p;
}

} // namespace

TEST_CASE("Atomics match native arithmetic for 1, 2, 4 and 8-byte operands", "[ta][atomic]") {
  Rng rng(5, 1);
  for (const std::size_t n : {1U, 2U, 4U, 8U}) {
    const std::uint64_t mask = n == 8 ? ~std::uint64_t{0} : (std::uint64_t{1} << (8 * n)) - 1;
    for (int trial = 0; trial < 300; ++trial) {
      const std::uint64_t m0 = rng.next() & mask;
      const std::uint64_t a = (trial % 5 == 0 ? m0 : rng.next()) & mask; // sometimes equal
      const std::uint64_t b = (trial % 3 == 0 ? m0 : rng.next()) & mask;
      CAPTURE(n, m0, a, b);
      struct Case {
        TaOpcode op;
        std::optional<std::uint8_t> sub;
        std::uint64_t expect;
      };
      const std::int64_t sm = sign_extend(m0, n), sa = sign_extend(a, n);
      const Case cases[] = {
          {TaOpcode::AtomicCompareSwap, std::nullopt, m0 == b ? a : m0},
          {TaOpcode::AtomicSwap, std::nullopt, a},
          {TaOpcode::AtomicFetchAdd, std::nullopt, (m0 + a) & mask},
          {TaOpcode::AtomicFetchSub, std::nullopt, (m0 - a) & mask},
          {TaOpcode::AtomicFetchAnd, std::nullopt, m0 & a},
          {TaOpcode::AtomicFetchOr, std::nullopt, m0 | a},
          {TaOpcode::AtomicFetchXor, std::nullopt, m0 ^ a},
          {TaOpcode::AtomicLoad, atomic_subop::kAdd, (m0 + a) & mask},
          {TaOpcode::AtomicLoad, atomic_subop::kClr, m0 & ~a & mask},
          {TaOpcode::AtomicLoad, atomic_subop::kEor, m0 ^ a},
          {TaOpcode::AtomicLoad, atomic_subop::kSet, m0 | a},
          {TaOpcode::AtomicLoad, atomic_subop::kSmax, sa > sm ? a : m0},
          {TaOpcode::AtomicLoad, atomic_subop::kSmin, sa < sm ? a : m0},
          {TaOpcode::AtomicLoad, atomic_subop::kUmax, a > m0 ? a : m0},
          {TaOpcode::AtomicLoad, atomic_subop::kUmin, a < m0 ? a : m0},
          {TaOpcode::AtomicStore, atomic_subop::kUmax, a > m0 ? a : m0},
      };
      for (const Case& c : cases) {
        CAPTURE(static_cast<int>(c.op), c.sub.value_or(255));
        auto mem = le(m0, n);
        const auto r = apply_atomic(c.op, mem, payload(a, b, n), c.sub);
        REQUIRE(r.has_value());
        CHECK(from_le(mem) == c.expect);
        if (c.op == TaOpcode::AtomicStore) {
          CHECK(r->empty()); // no payload in Atomic_store's response
        } else {
          CHECK(from_le(*r) == m0); // every other one returns the old value
          CHECK(r->size() == n);
        }
      }
    }
  }
}

TEST_CASE("Atomics are little-endian and wrap over the whole 16..64-byte width", "[ta][atomic]") {
  // Byte 0 is bits 7:0 (§7.2.13): 0x00FF + 1 = 0x0100.
  std::vector<Byte> m2 = {0xFF, 0x00};
  REQUIRE(apply_atomic(TaOpcode::AtomicFetchAdd, m2, payload(1, 0, 2), std::nullopt).has_value());
  CHECK(m2 == std::vector<Byte>{0x00, 0x01});
  for (const std::size_t n : {16U, 32U, 64U}) {
    CAPTURE(n);
    // The carry runs across every byte, and past the top it wraps to 0.
    std::vector<Byte> mem(n, 0xFF);
    auto r = apply_atomic(TaOpcode::AtomicFetchAdd, mem, payload(1, 0, n), std::nullopt);
    REQUIRE(r.has_value());
    CHECK(mem == std::vector<Byte>(n, 0x00));
    CHECK(*r == std::vector<Byte>(n, 0xFF));
    // 0 - 1 borrows through every byte.
    r = apply_atomic(TaOpcode::AtomicFetchSub, mem, payload(1, 0, n), std::nullopt);
    REQUIRE(r.has_value());
    CHECK(mem == std::vector<Byte>(n, 0xFF));
    // A carry out of byte 7 lands in byte 8.
    std::vector<Byte> lo(n, 0x00);
    std::fill(lo.begin(), lo.begin() + 8, Byte{0xFF});
    REQUIRE(apply_atomic(TaOpcode::AtomicFetchAdd, lo, payload(1, 0, n), std::nullopt));
    CHECK(lo[8] == 0x01);
    CHECK(lo[0] == 0x00);
    // Signed comparison uses the top bit of the last byte: -1 (all ones) < 1.
    std::vector<Byte> neg(n, 0xFF);
    REQUIRE(apply_atomic(TaOpcode::AtomicStore, neg, payload(1, 0, n), atomic_subop::kSmax));
    CHECK(from_le(neg) == 1);
    std::vector<Byte> one = le(1, n);
    auto minus_one = std::vector<Byte>(2 * n, 0xFF);
    REQUIRE(apply_atomic(TaOpcode::AtomicStore, one, minus_one, atomic_subop::kSmin));
    CHECK(one == std::vector<Byte>(n, 0xFF));
    // compare_swap compares all n bytes: a difference in the last byte fails.
    std::vector<Byte> cmp(n, 0x11);
    auto pl = std::vector<Byte>(2 * n, 0x11);
    std::fill(pl.begin(), pl.begin() + static_cast<std::ptrdiff_t>(n), Byte{0x22}); // Operand1
    pl.back() = 0x12;                                                               // Operand2
    REQUIRE(apply_atomic(TaOpcode::AtomicCompareSwap, cmp, pl, std::nullopt));
    CHECK(cmp == std::vector<Byte>(n, 0x11)); // unchanged
    pl.back() = 0x11;
    REQUIRE(apply_atomic(TaOpcode::AtomicCompareSwap, cmp, pl, std::nullopt));
    CHECK(cmp == std::vector<Byte>(n, 0x22));
  }
}

TEST_CASE("Atomics refuse bad sizes, payloads, alignment and sub-operations, touching nothing",
          "[ta][atomic]") {
  struct Bad {
    TaOpcode op;
    std::size_t n;
    std::size_t payload;
    std::optional<std::uint8_t> sub;
    std::optional<std::uint64_t> address;
    std::string_view field;
  };
  const Bad cases[] = {
      {TaOpcode::AtomicFetchAdd, 3, 6, std::nullopt, std::nullopt, "Length"},
      {TaOpcode::AtomicFetchAdd, 0, 0, std::nullopt, std::nullopt, "Length"},
      {TaOpcode::AtomicFetchAdd, 128, 256, std::nullopt, std::nullopt, "Length"},
      {TaOpcode::AtomicFetchAdd, 8, 8, std::nullopt, std::nullopt, "payload"},
      {TaOpcode::AtomicSwap, 4, 12, std::nullopt, std::nullopt, "payload"},
      {TaOpcode::AtomicFetchAdd, 8, 16, std::nullopt, std::uint64_t{0x1004}, "Address"},
      {TaOpcode::AtomicStore, 8, 16, std::nullopt, std::nullopt, "UD"},
      {TaOpcode::AtomicLoad, 8, 16, std::uint8_t{8}, std::nullopt, "UD"},
      {TaOpcode::AtomicLoad, 8, 16, std::uint8_t{15}, std::nullopt, "UD"},
      {TaOpcode::Write, 8, 16, std::nullopt, std::nullopt, "TAOpcode"},
      {TaOpcode::AtomicResponse, 8, 16, std::nullopt, std::nullopt, "TAOpcode"},
  };
  for (const Bad& b : cases) {
    CAPTURE(static_cast<int>(b.op), b.n, b.payload, b.field);
    std::vector<Byte> mem(b.n, 0x5A);
    const auto before = mem;
    const auto r = apply_atomic(b.op, mem, std::vector<Byte>(b.payload, 0x01), b.sub, b.address);
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().field == b.field);
    CHECK(r.error().header == "Atomic");
    CHECK(mem == before);
  }
  // An aligned address passes.
  std::vector<Byte> mem(8, 0);
  CHECK(apply_atomic(TaOpcode::AtomicFetchAdd, mem, payload(1, 0, 8), std::nullopt,
                     std::uint64_t{0x1008})
            .has_value());
}
