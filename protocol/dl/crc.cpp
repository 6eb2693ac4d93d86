#include "protocol/dl/crc.hpp"

#include <array>

namespace ub::dl {

namespace {

// MSB-first CRC with the register left-aligned in 32 bits, so one table serves both widths.
template <unsigned Width, std::uint32_t Poly>
struct MsbCrc {
  static constexpr std::uint32_t kAligned = Poly << (32 - Width);

  static constexpr std::array<std::uint32_t, 256> make_table() {
    std::array<std::uint32_t, 256> t{};
    for (std::uint32_t b = 0; b < 256; ++b) {
      std::uint32_t r = b << 24;
      for (int i = 0; i < 8; ++i) {
        r = (r & 0x80000000U) != 0 ? (r << 1) ^ kAligned : (r << 1);
      }
      t[b] = r;
    }
    return t;
  }
  static constexpr std::array<std::uint32_t, 256> kTable = make_table();

  static std::uint32_t run(std::span<const Byte> bytes, Byte tail, unsigned tail_bits) noexcept {
    std::uint32_t reg = (Width == 32 ? 0xFFFFFFFFU : ((1U << Width) - 1)) << (32 - Width);
    for (const Byte b : bytes) {
      reg = (reg << 8) ^ kTable[((reg >> 24) ^ b) & 0xFF];
    }
    for (unsigned i = 0; i < tail_bits; ++i) {
      const std::uint32_t in = (static_cast<std::uint32_t>(tail) >> (7 - i)) & 1U;
      const std::uint32_t top = (reg >> 31) ^ in;
      reg <<= 1;
      if (top != 0) {
        reg ^= kAligned;
      }
    }
    return reg >> (32 - Width);
  }
};

} // namespace

std::uint32_t crc30(std::span<const Byte> bytes, Byte tail, unsigned tail_bits) noexcept {
  return MsbCrc<30, kCrc30Poly>::run(bytes, tail, tail_bits);
}

std::uint32_t crc32_dl(std::span<const Byte> bytes, Byte tail, unsigned tail_bits) noexcept {
  return MsbCrc<32, kCrc32Poly>::run(bytes, tail, tail_bits);
}

} // namespace ub::dl
