#include "protocol/dl/crc.hpp"

#include <array>

namespace ub::dl {

namespace {

// MSB-first CRC with the register left-aligned in 32 bits, so one set of tables serves both
// widths. Slicing by 8: table k gives the register contribution of a byte followed by k zero
// bytes, so eight bytes are folded per step (same result as the byte-at-a-time loop, which the
// tests check against the bit-serial definition).
template <unsigned Width, std::uint32_t Poly>
struct MsbCrc {
  static constexpr std::uint32_t kAligned = Poly << (32 - Width);

  static constexpr std::array<std::array<std::uint32_t, 256>, 8> make_tables() {
    std::array<std::array<std::uint32_t, 256>, 8> t{};
    for (std::uint32_t b = 0; b < 256; ++b) {
      std::uint32_t r = b << 24;
      for (int i = 0; i < 8; ++i) {
        r = (r & 0x80000000U) != 0 ? (r << 1) ^ kAligned : (r << 1);
      }
      t[0][b] = r;
    }
    for (std::size_t k = 1; k < 8; ++k) {
      for (std::uint32_t b = 0; b < 256; ++b) {
        const std::uint32_t prev = t[k - 1][b];
        t[k][b] = (prev << 8) ^ t[0][prev >> 24];
      }
    }
    return t;
  }
  static constexpr std::array<std::array<std::uint32_t, 256>, 8> kTables = make_tables();

  static std::uint32_t run(std::span<const Byte> bytes, Byte tail, unsigned tail_bits) noexcept {
    std::uint32_t reg = (Width == 32 ? 0xFFFFFFFFU : ((1U << Width) - 1)) << (32 - Width);
    const Byte* p = bytes.data();
    std::size_t n = bytes.size();
    while (n >= 8) {
      reg ^= (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) |
             (std::uint32_t{p[2]} << 8) | std::uint32_t{p[3]};
      reg = kTables[7][reg >> 24] ^ kTables[6][(reg >> 16) & 0xFF] ^ kTables[5][(reg >> 8) & 0xFF] ^
            kTables[4][reg & 0xFF] ^ kTables[3][p[4]] ^ kTables[2][p[5]] ^ kTables[1][p[6]] ^
            kTables[0][p[7]];
      p += 8;
      n -= 8;
    }
    for (; n > 0; --n, ++p) {
      reg = (reg << 8) ^ kTables[0][((reg >> 24) ^ *p) & 0xFF];
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
