#include <array>
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include <catch2/catch.hpp>

#include "protocol/nl/codec_test_support.hpp"
#include "protocol/tp/saetph.hpp"

using namespace ub;
using namespace ub::tp;
using ub::test::Xorshift64;

namespace {

// Expected header length for BitMapSize 0..4 (Table 6-6: 64..1024 bits after a 4-byte prefix).
constexpr std::array<std::size_t, 5> kLength{12, 20, 36, 68, 132};

// A hand-built SAETPH with bitmap bit k alone set, from the A1 reading: the BitMap is a run of
// big-endian 32-bit rows, row r = bits 32r..32r+31, LSB = lowest PSN. So bit k is the word
// 1 << (k % 32) written MSB first at byte 4 + 4 * (k / 32).
std::vector<Byte> one_bit_wire(std::uint8_t code, unsigned k) {
  std::vector<Byte> w(kLength[code], 0);
  w[0] = code;
  const std::uint32_t word = std::uint32_t{1} << (k % 32);
  const std::size_t row = 4 + 4 * std::size_t{k / 32};
  for (std::size_t j = 0; j < 4; ++j) {
    w[row + j] = static_cast<Byte>(word >> (24 - 8 * j));
  }
  return w;
}

} // namespace

TEST_CASE("SAETPH known answer, 64-bit BitMap", "[tp][saetph][spec:§6.2.3]") {
  // RSVD 00000 | BitMapSize 000 = 0x00; MaxRcvPSN 0xABCDEF;
  // bits {0, 2, 9, 31} in row 0 = 0x80000205 -> 80 00 02 05;
  // bits {32, 63} in row 1 = bit positions 0 and 31 = 0x80000001 -> 80 00 00 01.
  const std::array<Byte, 12> wire{0x00, 0xAB, 0xCD, 0xEF, 0x80, 0x00,
                                  0x02, 0x05, 0x80, 0x00, 0x00, 0x01};
  auto h = Codec<Saetph>::decode(wire);
  REQUIRE(h);
  CHECK(h->rsvd == 0);
  CHECK(h->bitmap_size == 0);
  CHECK(h->bitmap_bits() == 64);
  CHECK(h->size() == 12);
  CHECK(h->max_rcv_psn == 0xABCDEF);
  std::vector<unsigned> set_bits;
  for (unsigned k = 0; k < 64; ++k) {
    if (h->bitmap_bit(k)) {
      set_bits.push_back(k);
    }
  }
  CHECK(set_bits == std::vector<unsigned>{0, 2, 9, 31, 32, 63});

  Saetph s{};
  s.max_rcv_psn = 0xABCDEF;
  for (unsigned k : {0U, 2U, 9U, 31U, 32U, 63U}) {
    s.set_bitmap_bit(k);
  }
  CHECK(s == *h);
  std::array<Byte, 12> out{};
  auto n = Codec<Saetph>::encode(s, out);
  REQUIRE(n);
  CHECK(*n == 12);
  CHECK(out == wire);

  // Clearing a bit touches that bit only.
  s.set_bitmap_bit(9, false);
  CHECK_FALSE(s.bitmap_bit(9));
  CHECK(s.bitmap_bit(0));
  CHECK(s.bitmap_bit(2));
  CHECK(ub::test::encode_ok(s)[6] == 0x00);
}

TEST_CASE("SAETPH bitmap placement: landmarks", "[tp][saetph][spec:§6.2.3]") {
  struct Row {
    std::uint8_t code;
    unsigned k;
    std::size_t byte; // header byte
    Byte mask;
  };
  const std::array<Row, 14> rows{{
      {0, 0, 7, 0x01},    // bit 0: byte 7 bit 0
      {0, 1, 7, 0x02},    //
      {0, 7, 7, 0x80},    //
      {0, 8, 6, 0x01},    //
      {0, 31, 4, 0x80},   // bit 31: byte 4 bit 7
      {0, 32, 11, 0x01},  // bit 32: byte 11 bit 0
      {0, 63, 8, 0x80},   //
      {1, 64, 15, 0x01},  //
      {1, 96, 19, 0x01},  //
      {1, 127, 16, 0x80}, //
      {2, 255, 32, 0x80}, //
      {3, 511, 64, 0x80}, //
      {4, 992, 131, 0x01},
      {4, 1023, 128, 0x80},
  }};
  for (const Row& r : rows) {
    INFO("BitMapSize " << int{r.code} << " bit " << r.k);
    Saetph s{};
    s.bitmap_size = r.code;
    s.set_bitmap_bit(r.k);
    const auto wire = ub::test::encode_ok(s);
    REQUIRE(wire.size() == kLength[r.code]);
    CHECK(wire[0] == r.code);
    for (std::size_t i = 4; i < wire.size(); ++i) {
      CHECK(wire[i] == (i == r.byte ? r.mask : 0));
    }
  }
}

TEST_CASE("SAETPH bitmap placement for every size and many bits", "[tp][saetph][spec:§6.2.3]") {
  for (std::uint8_t code = 0; code <= 4; ++code) {
    const unsigned bits = 64U << code;
    for (unsigned k = 0; k < bits; k += (k < 72 ? 1 : 37)) {
      INFO("BitMapSize " << int{code} << " bit " << k);
      const auto expected = one_bit_wire(code, k);
      Saetph s{};
      s.bitmap_size = code;
      s.set_bitmap_bit(k);
      CHECK(ub::test::encode_ok(s) == expected);
      auto d = Codec<Saetph>::decode(expected);
      REQUIRE(d);
      CHECK(d->bitmap_bits() == bits);
      bool only_k = true;
      for (unsigned j = 0; j < bits; ++j) {
        only_k = only_k && d->bitmap_bit(j) == (j == k);
      }
      CHECK(only_k);
    }
  }
}

TEST_CASE("SAETPH header length follows BitMapSize", "[tp][saetph][spec:§6.2.3]") {
  for (std::uint8_t code = 0; code <= 4; ++code) {
    Saetph s{};
    s.bitmap_size = code;
    s.max_rcv_psn = 0x000102;
    CHECK(s.size() == kLength[code]);
    CHECK(Codec<Saetph>::size(s) == kLength[code]);
    const auto wire = ub::test::encode_ok(s);
    REQUIRE(wire.size() == kLength[code]);
    // byte 0 = 00000 | code; bytes 1-3 = MaxRcvPSN.
    CHECK(wire[0] == code);
    CHECK(wire[1] == 0x00);
    CHECK(wire[2] == 0x01);
    CHECK(wire[3] == 0x02);
    // Trailing bytes after the header are not consumed.
    std::vector<Byte> longer = wire;
    longer.push_back(0xFF);
    auto d = Codec<Saetph>::decode(longer);
    REQUIRE(d);
    CHECK(*d == s);
    const auto f = ub::test::fields_of(s);
    REQUIRE(f.size() == 4);
    CHECK(f[3].name == "BitMap");
    CHECK(f[3].offset == 32);
    CHECK(f[3].width == (64U << code));
  }
  CHECK(ub::test::field_names(Saetph{}) ==
        std::vector<std::string_view>{"RSVD", "BitMapSize", "MaxRcvPSN", "BitMap"});
  // The 5 reserved bits are read apart from BitMapSize: 0xF9 = 11111 001.
  std::vector<Byte> w(20, 0);
  w[0] = 0xF9;
  auto d = Codec<Saetph>::decode(w);
  REQUIRE(d);
  CHECK(d->rsvd == 0x1F);
  CHECK(d->bitmap_size == 1);
}

TEST_CASE("SAETPH decode errors", "[tp][saetph][spec:§6.2.3]") {
  for (std::uint8_t code = 0; code <= 4; ++code) {
    const auto wire = one_bit_wire(code, 0);
    ub::test::check_truncation<Saetph>(wire);
    for (std::size_t n = 4; n < wire.size(); ++n) {
      auto h = Codec<Saetph>::decode(std::span<const Byte>(wire).first(n));
      UB_CHECK_ERROR(h, Errc::Truncated, "BitMap", n);
      CHECK(h.error().value == wire.size());
    }
  }
  for (int code = 5; code <= 7; ++code) {
    for (Byte rsvd : {Byte{0x00}, Byte{0xF8}}) {
      // Four bytes are enough to see the reserved size; a long input changes nothing.
      std::vector<Byte> w(132, 0);
      w[0] = static_cast<Byte>(rsvd | code);
      auto a = Codec<Saetph>::decode(std::span<const Byte>(w).first(4));
      UB_CHECK_ERROR(a, Errc::ReservedValue, "BitMapSize", 0);
      CHECK(a.error().value == static_cast<std::uint64_t>(code));
      CHECK(a.error().header == "SAETPH");
      UB_CHECK_ERROR(Codec<Saetph>::decode(w), Errc::ReservedValue, "BitMapSize", 0);
    }
  }
}

TEST_CASE("SAETPH encode errors", "[tp][saetph][spec:§6.2.3]") {
  std::vector<Byte> out(132);
  Saetph s{};
  s.bitmap_size = 5;
  UB_CHECK_ERROR(Codec<Saetph>::encode(s, out), Errc::ReservedValue, "BitMapSize", 0);
  s.bitmap_size = 8;
  UB_CHECK_ERROR(Codec<Saetph>::encode(s, out), Errc::OutOfRange, "BitMapSize", 0);
  s = Saetph{};
  s.rsvd = 32;
  UB_CHECK_ERROR(Codec<Saetph>::encode(s, out), Errc::OutOfRange, "RSVD", 0);
  s = Saetph{};
  s.max_rcv_psn = 1U << 24;
  UB_CHECK_ERROR(Codec<Saetph>::encode(s, out), Errc::OutOfRange, "MaxRcvPSN", 1);
  s = Saetph{};
  s.bitmap[8] = 1; // beyond the 64-bit BitMap
  UB_CHECK_ERROR(Codec<Saetph>::encode(s, out), Errc::OutOfRange, "BitMap", 4);
  s.bitmap_size = 1; // now inside the 128-bit BitMap
  CHECK(Codec<Saetph>::encode(s, out));
  for (std::uint8_t code = 0; code <= 4; ++code) {
    Saetph b{};
    b.bitmap_size = code;
    ub::test::check_buffer_too_small(b);
  }
}

TEST_CASE("SAETPH set: BitMap is right-aligned to the width BitMapSize gives",
          "[tp][saetph][spec:§6.2.3]") {
  Saetph s{};
  // A scalar goes to the low 64 bits: 0x8000000000000001 -> byte 4 bit 7 and byte 11 bit 0,
  // which are bits 31 and 32.
  REQUIRE(Codec<Saetph>::set(s, "BitMap", FieldValue{0x8000000000000001ULL, {}}));
  CHECK(s.bitmap_bit(31));
  CHECK(s.bitmap_bit(32));
  CHECK_FALSE(s.bitmap_bit(0));
  REQUIRE(Codec<Saetph>::set(s, "BitMapSize", FieldValue{1, {}}));
  std::vector<Byte> sixteen(16, 0);
  sixteen[0] = 0x80;  // row 0's MSB: bit 31
  sixteen[15] = 0x01; // row 3's LSB: bit 96
  REQUIRE(Codec<Saetph>::set(s, "BitMap", FieldValue{0, sixteen}));
  CHECK(s.bitmap_bit(31));
  CHECK(s.bitmap_bit(96));
  CHECK_FALSE(s.bitmap_bit(32));
  std::vector<Byte> seventeen(17, 0);
  seventeen[0] = 1;
  UB_CHECK_ERROR(Codec<Saetph>::set(s, "BitMap", FieldValue{0, seventeen}), Errc::OutOfRange,
                 "BitMap", 4);
  UB_CHECK_ERROR(Codec<Saetph>::set(s, "MaxRcvPSN", FieldValue{1U << 24, {}}), Errc::OutOfRange,
                 "MaxRcvPSN", 1);
  UB_CHECK_ERROR(Codec<Saetph>::set(s, "BitMapSize", FieldValue{8, {}}), Errc::OutOfRange,
                 "BitMapSize", 0);
  CHECK(Codec<Saetph>::set(s, "PSN", FieldValue{}).error().code == Errc::UnknownField);
}

TEST_CASE("SAETPH round-trips random field values", "[tp][saetph]") {
  auto pick = [](const FieldDesc& d, Xorshift64& rng) -> std::optional<std::uint64_t> {
    if (d.name == "BitMapSize" && rng.chance(3, 4)) {
      return rng.below(5);
    }
    return std::nullopt;
  };
  const auto s = ub::test::random_round_trips<Saetph>(0x5AC4, 500, pick);
  CHECK(s.accepted > 300);
  CHECK(s.rejected > 30);
}
