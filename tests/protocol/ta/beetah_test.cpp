#include <array>
#include <cstdint>
#include <string_view>
#include <vector>

#include <catch2/catch.hpp>

#include "protocol/nl/codec_test_support.hpp"
#include "protocol/ta/beetah.hpp"

using namespace ub;
using namespace ub::ta;
using ub::test::Xorshift64;

namespace {
constexpr std::array<unsigned, 5> kWidths{64, 128, 256, 512, 1024};
} // namespace

TEST_CASE("BEETAH 64-bit known answer: BE[0] is bit 0 of the last byte",
          "[ta][beetah][spec:§7.2.10]") {
  // BE[63] = byte 0 bit 7 (0x80); BE[9] = byte 6 bit 1 (0x02); BE[0] = byte 7 bit 0 (0x01).
  const std::array<Byte, 8> wire{0x80, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x01};
  auto h = Codec<Beetah>::decode(wire, 64);
  REQUIRE(h);
  CHECK(h->width_bits == 64);
  CHECK(h->size() == 8);
  std::vector<std::size_t> on;
  for (std::size_t n = 0; n < 64; ++n) {
    if (h->enabled(n)) {
      on.push_back(n);
    }
  }
  CHECK(on == std::vector<std::size_t>{0, 9, 63});
  // Payload bytes beyond the BE width count as enabled (§7.4.2.1.3).
  CHECK(h->enabled(64));
  CHECK(h->enabled(65));
  CHECK(h->enabled(1000));

  Beetah b{};
  b.set_enabled(0);
  b.set_enabled(9);
  b.set_enabled(63);
  CHECK(b == *h);
  std::array<Byte, 8> out{};
  auto n = Codec<Beetah>::encode(b, out);
  REQUIRE(n);
  CHECK(*n == 8);
  CHECK(out == wire);

  // Fig. 7-14: word 0 is BE[63:32], word 1 is BE[31:0]. BE[32] = byte 3 bit 0, BE[31] = byte 4
  // bit 7.
  Beetah f{};
  f.set_enabled(32);
  f.set_enabled(31);
  CHECK(ub::test::encode_ok(f) == std::vector<Byte>{0, 0, 0, 0x01, 0x80, 0, 0, 0});
  f.set_enabled(31, false);
  CHECK_FALSE(f.enabled(31));
  CHECK(f.enabled(32));
}

TEST_CASE("BEETAH 128-bit known answer", "[ta][beetah][spec:§7.2.10]") {
  // BE[127] = byte 0 bit 7; BE[64] = byte 7 bit 0; BE[63] = byte 8 bit 7; BE[0] = byte 15 bit 0.
  const std::array<Byte, 16> wire{0x80, 0, 0, 0, 0, 0, 0, 0x01, 0x80, 0, 0, 0, 0, 0, 0, 0x01};
  auto h = Codec<Beetah>::decode(wire);
  REQUIRE(h);
  CHECK(h->width_bits == 128);
  for (std::size_t n = 0; n < 128; ++n) {
    INFO("BE[" << n << "]");
    CHECK(h->enabled(n) == (n == 0 || n == 63 || n == 64 || n == 127));
  }
  CHECK(h->enabled(128));
  std::array<Byte, 16> out{};
  REQUIRE(Codec<Beetah>::encode(*h, out));
  CHECK(out == wire);
}

TEST_CASE("BEETAH bit placement for every width", "[ta][beetah][spec:§7.2.10]") {
  for (unsigned w : kWidths) {
    const std::size_t bytes = w / 8;
    struct Mark {
      std::size_t n;
      std::size_t byte;
      Byte mask;
    };
    const std::array<Mark, 4> marks{{
        {0, bytes - 1, 0x01}, // BE[0]: last byte, bit 0
        {7, bytes - 1, 0x80}, // BE[7]: last byte, bit 7
        {8, bytes - 2, 0x01}, // BE[8]: byte before it
        {w - 1, 0, 0x80},     // BE[W-1]: first byte, bit 7
    }};
    for (const Mark& m : marks) {
      INFO("width " << w << " BE[" << m.n << "]");
      Beetah b{};
      b.width_bits = static_cast<std::uint16_t>(w);
      b.set_enabled(m.n);
      const auto wire = ub::test::encode_ok(b);
      REQUIRE(wire.size() == bytes);
      for (std::size_t i = 0; i < bytes; ++i) {
        CHECK(wire[i] == (i == m.byte ? m.mask : 0));
      }
      auto d = Codec<Beetah>::decode(wire, w);
      REQUIRE(d);
      CHECK(d->enabled(m.n));
      CHECK(d->enabled(w)); // first byte past the width
      CHECK(*d == b);
    }
  }
}

TEST_CASE("be_width_for_length picks the smallest BE width, at most 1024",
          "[ta][beetah][spec:§7.2.10]") {
  CHECK(be_width_for_length(1) == 64);
  CHECK(be_width_for_length(64) == 64);
  CHECK(be_width_for_length(65) == 128);
  CHECK(be_width_for_length(128) == 128);
  CHECK(be_width_for_length(129) == 256);
  CHECK(be_width_for_length(512) == 512);
  CHECK(be_width_for_length(513) == 1024);
  CHECK(be_width_for_length(1024) == 1024);
  CHECK(be_width_for_length(5000) == 1024);
  for (unsigned bits = 0; bits <= 2048; ++bits) {
    CHECK(is_valid_be_width(bits) ==
          (bits == 64 || bits == 128 || bits == 256 || bits == 512 || bits == 1024));
  }
}

TEST_CASE("BEETAH visit and set", "[ta][beetah][spec:§7.2.10]") {
  Beetah h{};
  const auto f = ub::test::fields_of(h);
  REQUIRE(f.size() == 1);
  CHECK(f[0].name == "BE");
  CHECK(f[0].offset == 0);
  CHECK(f[0].width == 64);

  // A scalar sets a 64-bit BE.
  REQUIRE(Codec<Beetah>::set(h, "BE", FieldValue{0x8000000000000001ULL, {}}));
  CHECK(h.width_bits == 64);
  CHECK(h.enabled(0));
  CHECK(h.enabled(63));
  CHECK_FALSE(h.enabled(1));

  // Nine bytes need 128 bits and are right-aligned: BE[71:64] = 0xAA.
  std::vector<Byte> nine(9, 0);
  nine[0] = 0xAA;
  REQUIRE(Codec<Beetah>::set(h, "BE", FieldValue{0, nine}));
  CHECK(h.width_bits == 128);
  CHECK(h.be[7] == 0xAA);
  CHECK(h.enabled(65));
  CHECK_FALSE(h.enabled(64));
  CHECK(ub::test::fields_of(h)[0].width == 128);

  std::vector<Byte> full(128, 0xFF);
  REQUIRE(Codec<Beetah>::set(h, "BE", FieldValue{0, full}));
  CHECK(h.width_bits == 1024);
  std::vector<Byte> too_many(129, 0);
  UB_CHECK_ERROR(Codec<Beetah>::set(h, "BE", FieldValue{0, too_many}), Errc::OutOfRange, "BE", 0);
  CHECK(Codec<Beetah>::set(h, "Length", FieldValue{}).error().code == Errc::UnknownField);
}

TEST_CASE("BEETAH decode errors", "[ta][beetah][spec:§7.2.10]") {
  std::vector<Byte> big(256, 0);
  for (unsigned w : {0U, 8U, 32U, 96U, 100U, 192U, 2048U}) {
    auto h = Codec<Beetah>::decode(big, w);
    INFO("width " << w);
    UB_CHECK_ERROR(h, Errc::OutOfRange, "BE", 0);
    CHECK(h.error().header == "BEETAH");
  }
  for (unsigned w : kWidths) {
    INFO("width " << w);
    ub::test::check_truncation<Beetah>(
        big, w / 8, [w](std::span<const Byte> in) { return Codec<Beetah>::decode(in, w); });
    auto t = Codec<Beetah>::decode(std::span<const Byte>(big).first(w / 8 - 1), w);
    UB_CHECK_ERROR(t, Errc::Truncated, "BE", w / 8 - 1);
    CHECK(t.error().value == w / 8);
    // A longer input is fine: only the first W/8 bytes are the BEETAH.
    auto ok = Codec<Beetah>::decode(big, w);
    REQUIRE(ok);
    CHECK(ok->width_bits == w);
  }
  // The standalone form takes the width from the input length.
  for (std::size_t n : {std::size_t{0}, std::size_t{1}, std::size_t{7}, std::size_t{9},
                        std::size_t{24}, std::size_t{129}, std::size_t{256}}) {
    INFO("length " << n);
    UB_CHECK_ERROR(Codec<Beetah>::decode(std::span<const Byte>(big).first(n)), Errc::LengthMismatch,
                   "BE", 0);
  }
  for (unsigned w : kWidths) {
    auto d = Codec<Beetah>::decode(std::span<const Byte>(big).first(w / 8));
    REQUIRE(d);
    CHECK(d->width_bits == w);
  }
}

TEST_CASE("BEETAH encode errors", "[ta][beetah][spec:§7.2.10]") {
  std::vector<Byte> out(128);
  Beetah h{};
  h.width_bits = 100;
  UB_CHECK_ERROR(Codec<Beetah>::encode(h, out), Errc::OutOfRange, "BE", 0);
  h.width_bits = 64;
  h.be[8] = 1; // beyond the 64-bit width
  UB_CHECK_ERROR(Codec<Beetah>::encode(h, out), Errc::OutOfRange, "BE", 0);
  h.width_bits = 128;
  CHECK(Codec<Beetah>::encode(h, out));
  for (unsigned w : kWidths) {
    Beetah b{};
    b.width_bits = static_cast<std::uint16_t>(w);
    ub::test::check_buffer_too_small(b);
  }
}

TEST_CASE("BEETAH round-trips random BE values of every width", "[ta][beetah]") {
  Xorshift64 rng(0xBEE7);
  int accepted = 0;
  for (int it = 0; it < 300; ++it) {
    const unsigned w = kWidths[rng.below(kWidths.size())];
    const auto bytes = rng.bytes(w / 8);
    Beetah h{};
    REQUIRE(Codec<Beetah>::set(h, "BE", FieldValue{0, bytes}));
    REQUIRE(h.width_bits == w);
    accepted += ub::test::round_trip_one(h) ? 1 : 0;
    auto d = Codec<Beetah>::decode(bytes, w);
    REQUIRE(d);
    CHECK(*d == h);
  }
  CHECK(accepted == 300);
}
