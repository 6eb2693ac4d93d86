#include <array>

#include <catch2/catch.hpp>

#include "protocol/common/bits.hpp"

using namespace ub;

TEST_CASE("load_bits reads MSB-first fields across byte boundaries", "[common][bits]") {
  const std::array<Byte, 10> b{0xA5, 0x3C, 0xF0, 0x0F, 0x12, 0x34, 0x56, 0x78, 0x9A, 0xBC};
  CHECK(load_bits<0, 1>(b.data()) == 1);
  CHECK(load_bits<1, 1>(b.data()) == 0);
  CHECK(load_bits<0, 8>(b.data()) == 0xA5);
  CHECK(load_bits<4, 8>(b.data()) == 0x53); // low nibble of A5, high nibble of 3C
  CHECK(load_bits<12, 12>(b.data()) == 0xCF0);
  CHECK(load_bits<6, 20>(b.data()) == 0x4F3C0); // 01 | 0011 1100 | 1111 0000 | 00
  CHECK(load_bits<0, 64>(b.data()) == 0xA53CF00F12345678ULL);
  CHECK(load_bits<4, 64>(b.data()) == 0x53CF00F123456789ULL); // nine-byte path
  CHECK(load_bits<16, 64>(b.data()) == 0xF00F123456789ABCULL);
}

TEST_CASE("or_bits writes what load_bits reads, for every offset and width", "[common][bits]") {
  std::uint64_t x = 0x243F6A8885A308D3ULL;
  for (unsigned w = 1; w <= 64; ++w) {
    for (unsigned off = 0; off < 16; ++off) {
      std::array<Byte, 12> b{};
      const std::uint64_t v = x & low_mask(w);
      x = x * 6364136223846793005ULL + 1442695040888963407ULL;
      put_bits(b.data(), off, w, v);
      REQUIRE(get_bits(b.data(), off, w) == v);
      // Bits outside the field stay zero.
      std::array<Byte, 12> c{};
      put_bits(c.data(), off, w, low_mask(w));
      unsigned ones = 0;
      for (Byte y : c) {
        ones += static_cast<unsigned>(__builtin_popcount(y));
      }
      REQUIRE(ones == w);
    }
  }
  std::array<Byte, 12> b{};
  or_bits<5, 17>(b.data(), 0x1ABCD);
  CHECK(load_bits<5, 17>(b.data()) == 0x1ABCD);
  CHECK(get_bits(b.data(), 5, 17) == 0x1ABCD);
  CHECK(b[0] == 0x06); // 00000 110 ...
}

TEST_CASE("BeWords agrees with load_bits", "[common][bits]") {
  std::array<Byte, 20> b{};
  for (std::size_t i = 0; i < b.size(); ++i) {
    b[i] = static_cast<Byte>(i * 37 + 11);
  }
  const BeWords<20> w(b.data());
  CHECK(w.get<0, 8>() == load_bits<0, 8>(b.data()));
  CHECK(w.get<60, 8>() == load_bits<60, 8>(b.data()));     // crosses a word
  CHECK(w.get<57, 64>() == load_bits<57, 64>(b.data()));   // crosses a word, 64 wide
  CHECK(w.get<140, 20>() == load_bits<140, 20>(b.data())); // the tail word
  CHECK(w.get<64, 64>() == load_bits<64, 64>(b.data()));
}

TEST_CASE("big-endian 16/32-bit helpers", "[common][bits]") {
  std::array<Byte, 4> b{};
  store_be32(b.data(), 0x01020304);
  CHECK(b == std::array<Byte, 4>{1, 2, 3, 4});
  CHECK(load_be32(b.data()) == 0x01020304U);
  store_be16(b.data(), 0xBEEF);
  CHECK(b[0] == 0xBE);
  CHECK(load_be16(b.data()) == 0xBEEF);
}
