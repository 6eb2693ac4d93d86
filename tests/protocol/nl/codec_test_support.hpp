#pragma once
// Shared helpers for the network, transport and transaction header codec tests
// (tests/protocol/{nl,tl,ta}/*_test.cpp). Test-only: a tiny deterministic PRNG, a generic
// "randomise every field through Codec<H>::visit/set" routine, a round-trip checker and a
// truncation sweep. Known-answer vectors never come from here: they are written by hand in each
// test file.

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <catch2/catch.hpp>

#include "protocol/common/bits.hpp"
#include "protocol/common/error.hpp"
#include "protocol/common/field.hpp"

// Checks that `result` (an Expected) failed with the given code, field name and byte offset.
// A macro, so that a failure reports the caller's line; the error's text goes with it.
// (No Catch::StringMaker<ub::Errc> here: test files that do not include this header would
// instantiate the primary template, an ODR violation.)
#define UB_CHECK_ERROR(result, errc, field_name, byte_offset)                                      \
  do {                                                                                             \
    const auto& ub_r_ = (result);                                                                  \
    REQUIRE_FALSE(ub_r_.has_value());                                                              \
    INFO(::ub::to_string(ub_r_.error()));                                                          \
    CHECK(ub_r_.error().code == (errc));                                                           \
    CHECK(ub_r_.error().field == std::string_view{field_name});                                    \
    CHECK(ub_r_.error().offset == static_cast<std::size_t>(byte_offset));                          \
  } while (false)

namespace ub::test {

// xorshift64 (Marsaglia 2003): fully specified, so every platform sees the same sequence.
class Xorshift64 {
public:
  explicit Xorshift64(std::uint64_t seed) : s_(seed == 0 ? 0x9E3779B97F4A7C15ULL : seed) {}

  std::uint64_t next() {
    s_ ^= s_ << 13;
    s_ ^= s_ >> 7;
    s_ ^= s_ << 17;
    return s_;
  }
  // Uniform below n (n > 0); the modulo bias is irrelevant for tests.
  std::uint64_t below(std::uint64_t n) { return next() % n; }
  // True with probability num/den.
  bool chance(std::uint64_t num, std::uint64_t den) { return below(den) < num; }
  // A value of `width` bits (1..64), with extra weight on the edges (0 and all ones), where
  // shifted or truncated fields show up first.
  std::uint64_t field(unsigned width) {
    switch (below(8)) {
    case 0:
      return 0;
    case 1:
      return low_mask(width);
    default:
      return next() & low_mask(width);
    }
  }
  std::vector<Byte> bytes(std::size_t n) {
    std::vector<Byte> v(n);
    for (auto& b : v) {
      b = static_cast<Byte>(next() >> 56);
    }
    return v;
  }

private:
  std::uint64_t s_;
};

// The fields Codec<H>::visit lists for h right now, in wire order.
template <class H>
std::vector<FieldDesc> fields_of(const H& h) {
  std::vector<FieldDesc> out;
  Codec<H>::visit(h, [&](const FieldDesc& d, const FieldValue&) { out.push_back(d); });
  return out;
}

template <class H>
std::vector<std::string_view> field_names(const H& h) {
  std::vector<std::string_view> out;
  for (const auto& d : fields_of(h)) {
    out.push_back(d.name);
  }
  return out;
}

// The scalar value visit reports for field `name` (nullopt if it is not listed).
template <class H>
std::optional<std::uint64_t> visited_scalar(const H& h, std::string_view name) {
  std::optional<std::uint64_t> out;
  Codec<H>::visit(h, [&](const FieldDesc& d, const FieldValue& v) {
    if (d.name == name) {
      out = v.scalar;
    }
  });
  return out;
}

// A hook that may replace the random value chosen for a field (scalar fields only).
struct NoPick {
  std::optional<std::uint64_t> operator()(const FieldDesc&, Xorshift64&) const {
    return std::nullopt;
  }
};

// Sets every field of h to a random value of the field's width, through Codec<H>::set. The field
// list is re-read after each assignment, so headers whose layout depends on a field (CCI Mode,
// SAETPH BitMapSize, NTH_IP Version and Protocol) get the fields of the value just chosen.
// Fields wider than 64 bits are set from bytes (FieldValue{0, bytes}).
template <class H, class Pick = NoPick>
void randomise(H& h, Xorshift64& rng, Pick pick = {}) {
  for (std::size_t i = 0;; ++i) {
    const auto fields = fields_of(h);
    if (i >= fields.size()) {
      return;
    }
    const FieldDesc d = fields[i];
    if (d.width > 64) {
      const auto bytes = rng.bytes(d.width / 8U);
      auto st = Codec<H>::set(h, d.name, FieldValue{0, bytes});
      INFO("field " << d.name);
      REQUIRE(st);
      continue;
    }
    std::uint64_t v = d.width == 0 ? 0 : rng.field(d.width);
    if (auto p = pick(d, rng)) {
      v = *p;
    }
    auto st = Codec<H>::set(h, d.name, FieldValue{v, {}});
    INFO("field " << d.name << " value " << v);
    REQUIRE(st);
  }
}

struct RoundTripStats {
  int accepted = 0;
  int rejected = 0;
};

// encode -> decode -> equal (and decode -> encode gives the same bytes). When encode refuses h,
// the refusal must be a ReservedValue or NotAllowed naming one of h's fields, and, for fixed
// layouts, decoding the same bits must be refused the same way. Returns whether h was accepted.
template <class H>
bool round_trip_one(const H& h) {
  std::vector<Byte> buf(Codec<H>::size(h));
  auto n = Codec<H>::encode(h, buf);
  if (!n) {
    const Error& e = n.error();
    INFO(to_string(e));
    CHECK((e.code == Errc::ReservedValue || e.code == Errc::NotAllowed));
    bool named = false;
    for (const auto& name : field_names(h)) {
      named = named || name == e.field;
    }
    CHECK(named);
    if constexpr (FixedLayout<H>) {
      Codec<H>::pack(h, buf.data());
      auto d = Codec<H>::decode(buf);
      REQUIRE_FALSE(d);
      CHECK(d.error().code == e.code);
      CHECK(d.error().field == e.field);
      CHECK(d.error().offset == e.offset);
    }
    return false;
  }
  CHECK(*n == buf.size());
  auto d = Codec<H>::decode(buf);
  INFO((d ? std::string("decoded") : to_string(d.error())));
  REQUIRE(d);
  CHECK(*d == h);
  std::vector<Byte> again(buf.size());
  auto m = Codec<H>::encode(*d, again);
  REQUIRE(m);
  CHECK(again == buf);
  return true;
}

template <class H, class Pick = NoPick>
RoundTripStats random_round_trips(std::uint64_t seed, int iterations, Pick pick = {}) {
  Xorshift64 rng(seed);
  RoundTripStats stats;
  for (int it = 0; it < iterations; ++it) {
    H h{};
    randomise(h, rng, pick);
    if (round_trip_one(h)) {
      ++stats.accepted;
    } else {
      ++stats.rejected;
    }
  }
  return stats;
}

// Every strict prefix of a complete header must decode to Truncated at the prefix's length.
template <class H, class Decode>
void check_truncation(std::span<const Byte> wire, std::size_t full, Decode decode) {
  REQUIRE(wire.size() >= full);
  for (std::size_t n = 0; n < full; ++n) {
    INFO("prefix length " << n);
    auto r = decode(wire.first(n));
    REQUIRE_FALSE(r);
    CHECK(r.error().code == Errc::Truncated);
    CHECK(r.error().offset == n);
    CHECK(r.error().header == Codec<H>::kName);
  }
}

template <class H>
void check_truncation(std::span<const Byte> wire) {
  check_truncation<H>(wire, wire.size(),
                      [](std::span<const Byte> in) { return Codec<H>::decode(in); });
}

// Encoding into a buffer one byte short fails with BufferTooSmall; the exact size succeeds.
template <class H>
void check_buffer_too_small(const H& h) {
  const std::size_t size = Codec<H>::size(h);
  REQUIRE(size > 0);
  std::vector<Byte> small(size - 1);
  auto r = Codec<H>::encode(h, small);
  REQUIRE_FALSE(r);
  CHECK(r.error().code == Errc::BufferTooSmall);
  std::vector<Byte> empty;
  auto r0 = Codec<H>::encode(h, empty);
  REQUIRE_FALSE(r0);
  CHECK(r0.error().code == Errc::BufferTooSmall);
  std::vector<Byte> exact(size);
  auto ok = Codec<H>::encode(h, exact);
  REQUIRE(ok);
  CHECK(*ok == size);
}

// Encodes h into a fresh buffer of its size; REQUIREs success.
template <class H>
std::vector<Byte> encode_ok(const H& h) {
  std::vector<Byte> out(Codec<H>::size(h));
  auto n = Codec<H>::encode(h, out);
  INFO((n ? std::string("encoded") : to_string(n.error())));
  REQUIRE(n);
  CHECK(*n == out.size());
  return out;
}

template <std::size_t N>
std::vector<Byte> to_vec(const std::array<Byte, N>& a) {
  return std::vector<Byte>(a.begin(), a.end());
}

} // namespace ub::test
