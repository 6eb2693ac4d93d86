#include <array>
#include <string_view>
#include <vector>

#include <catch2/catch.hpp>

#include "protocol/dl/crc.hpp"

using namespace ub;
using namespace ub::dl;

namespace {

// An independent bit-at-a-time reference: polynomial long division, MSB first, over a bit list.
std::uint64_t reference_crc(const std::vector<int>& bits, unsigned width, std::uint64_t poly) {
  std::uint64_t reg = (std::uint64_t{1} << width) - 1;
  for (int b : bits) {
    const std::uint64_t top = ((reg >> (width - 1)) & 1U) ^ static_cast<std::uint64_t>(b);
    reg = (reg << 1) & ((std::uint64_t{1} << width) - 1);
    if (top != 0) {
      reg ^= poly;
    }
  }
  return reg;
}

std::vector<int> to_bits(std::span<const Byte> bytes, Byte tail, unsigned tail_bits) {
  std::vector<int> bits;
  for (Byte b : bytes) {
    for (int i = 7; i >= 0; --i) {
      bits.push_back((b >> i) & 1);
    }
  }
  for (unsigned i = 0; i < tail_bits; ++i) {
    bits.push_back((tail >> (7 - i)) & 1);
  }
  return bits;
}

} // namespace

TEST_CASE("CRC30 and CRC32 check values over \"123456789\"", "[dl][crc][spec:§4.7.2]") {
  constexpr std::string_view s = "123456789";
  std::vector<Byte> bytes(s.begin(), s.end());
  CHECK(crc30(bytes) == 0x3C103723U);
  CHECK(crc32_dl(bytes) == 0x9A7B4E52U);
}

TEST_CASE("CRC30 of the CRC30-mode Null Block includes the two info bits",
          "[dl][crc][spec:§4.7.2]") {
  // Null Block: LCH 02 00 00 00, bytes 4..15 zero; CRC over 16 bytes + bits (Reserved, ERROR_FLAG).
  std::array<Byte, 16> blk{0x02, 0x00, 0x00, 0x00};
  CHECK(crc30(blk, 0x00, 2) == 0x3D3B4DD6U);
  // The other reading (whole bytes only) gives a different value; ours must not match it.
  CHECK(crc30(blk) == 0x259A761FU);
  // Retry_Idle (LCH byte 2 = 0x10): trailer bytes 1C 65 32 AF.
  std::array<Byte, 16> idle{0x02, 0x00, 0x10, 0x00};
  CHECK(crc30(idle, 0x00, 2) == 0x1C6532AFU);
}

TEST_CASE("CRC62-mode Null Block CRC30 and CRC32", "[dl][crc][spec:§4.3.2.2.4]") {
  std::array<Byte, 12> blk{0x02, 0x00, 0x00, 0x00};
  CHECK(crc30(blk, 0x00, 2) == 0x0CAB8DE8U);
  CHECK(crc32_dl(blk, 0x00, 2) == 0x5C0F3211U);
}

TEST_CASE("table-driven CRCs agree with bitwise long division", "[dl][crc]") {
  std::uint32_t x = 12345;
  for (int trial = 0; trial < 200; ++trial) {
    std::vector<Byte> bytes(static_cast<std::size_t>(trial % 70));
    for (auto& b : bytes) {
      x = x * 1664525U + 1013904223U;
      b = static_cast<Byte>(x >> 24);
    }
    const auto tail = static_cast<Byte>(x >> 8);
    const unsigned tail_bits = static_cast<unsigned>(trial % 3);
    const auto bits = to_bits(bytes, tail, tail_bits);
    CHECK(crc30(bytes, tail, tail_bits) == reference_crc(bits, 30, kCrc30Poly));
    CHECK(crc32_dl(bytes, tail, tail_bits) == reference_crc(bits, 32, kCrc32Poly));
  }
}
