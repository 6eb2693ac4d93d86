#pragma once
// Big-endian bit access, the way the spec's figures number fields: bit offset 0 is the most
// significant bit of byte 0, and a field that crosses bytes has its MSB in the lower-numbered
// byte (UB-Base-2.0 §4.3 figure conventions; network byte order throughout §5-§7).
//
// The template forms take the offset and width at compile time, so a header layout unrolls into
// a handful of loads, shifts and masks. The runtime forms serve variable layouts and tests.

#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <type_traits>

namespace ub {

using Byte = std::uint8_t;

// A field wider than 64 bits (EIDs, IPv6 addresses, bitmaps), most significant byte first.
template <std::size_t N>
using Wide = std::array<Byte, N>;

[[nodiscard]] constexpr std::uint64_t low_mask(unsigned width) noexcept {
  return width >= 64 ? ~std::uint64_t{0} : ((std::uint64_t{1} << width) - 1);
}

// Reads W bits (1..64) at bit offset Off of p.
template <unsigned Off, unsigned W>
[[nodiscard]] constexpr std::uint64_t load_bits(const Byte* p) noexcept {
  static_assert(W >= 1 && W <= 64, "field width must be 1..64 bits");
  constexpr unsigned first = Off / 8;
  constexpr unsigned last = (Off + W - 1) / 8;
  constexpr unsigned n = last - first + 1;
  constexpr unsigned lead = Off % 8;
  if constexpr (n <= 8) {
    std::uint64_t v = 0;
    for (unsigned i = 0; i < n; ++i) {
      v = (v << 8) | p[first + i];
    }
    constexpr unsigned shift = n * 8 - lead - W;
    return (v >> shift) & low_mask(W);
  } else {
    // Nine bytes: a 64-bit field that starts inside a byte (lead > 0).
    std::uint64_t hi = 0;
    for (unsigned i = 0; i < 8; ++i) {
      hi = (hi << 8) | p[first + i];
    }
    return (hi << lead) | (std::uint64_t{p[first + 8]} >> (8 - lead));
  }
}

// ORs the low W bits of v into bit offset Off of p. The target bits must be zero.
template <unsigned Off, unsigned W>
constexpr void or_bits(Byte* p, std::uint64_t v) noexcept {
  static_assert(W >= 1 && W <= 64, "field width must be 1..64 bits");
  constexpr unsigned first = Off / 8;
  constexpr unsigned last = (Off + W - 1) / 8;
  constexpr unsigned n = last - first + 1;
  constexpr unsigned lead = Off % 8;
  v &= low_mask(W);
  if constexpr (n <= 8) {
    constexpr unsigned shift = n * 8 - lead - W;
    v <<= shift;
    for (unsigned i = n; i-- > 0;) {
      p[first + i] = static_cast<Byte>(p[first + i] | (v & 0xFF));
      v >>= 8;
    }
  } else {
    p[first + 8] = static_cast<Byte>(p[first + 8] | ((v << (8 - lead)) & 0xFF));
    v >>= lead;
    for (unsigned i = 8; i-- > 0;) {
      p[first + i] = static_cast<Byte>(p[first + i] | (v & 0xFF));
      v >>= 8;
    }
  }
}

// Word-wise access for whole headers: the header is first read into big-endian 64-bit words
// (BeWords), then each field is one or two shifts. Faster than byte-wise extraction when a
// header has many fields.
template <std::size_t Bytes>
struct BeWords {
  static constexpr std::size_t kWords = (Bytes + 7) / 8;
  std::array<std::uint64_t, kWords + 1> w{}; // one spare word so a field may peek at w[i + 1]

  constexpr explicit BeWords(const Byte* p) noexcept {
    if (std::is_constant_evaluated()) {
      for (std::size_t i = 0; i < Bytes; ++i) {
        w[i / 8] |= std::uint64_t{p[i]} << (56 - 8 * (i % 8));
      }
      return;
    }
    // Whole words with one load and a byte swap each; the tail byte by byte.
    for (std::size_t i = 0; i < Bytes / 8; ++i) {
      std::uint64_t v;
      std::memcpy(&v, p + 8 * i, 8);
      if constexpr (std::endian::native == std::endian::little) {
        v = __builtin_bswap64(v);
      }
      w[i] = v;
    }
    for (std::size_t i = Bytes / 8 * 8; i < Bytes; ++i) {
      w[i / 8] |= std::uint64_t{p[i]} << (56 - 8 * (i % 8));
    }
  }

  template <unsigned Off, unsigned W>
  [[nodiscard]] constexpr std::uint64_t get() const noexcept {
    static_assert(W >= 1 && W <= 64, "field width must be 1..64 bits");
    constexpr unsigned i = Off / 64;
    constexpr unsigned o = Off % 64;
    if constexpr (o + W <= 64) {
      return (w[i] >> (64 - o - W)) & low_mask(W);
    } else {
      constexpr unsigned hi = 64 - o; // bits from word i
      constexpr unsigned lo = W - hi; // bits from word i + 1
      return ((w[i] & low_mask(hi)) << lo) | (w[i + 1] >> (64 - lo));
    }
  }
};

// Runtime forms: any offset, width 1..64.
[[nodiscard]] constexpr std::uint64_t get_bits(const Byte* p, std::size_t off,
                                               unsigned width) noexcept {
  std::uint64_t v = 0;
  for (unsigned i = 0; i < width; ++i) {
    const std::size_t bit = off + i;
    v = (v << 1) | ((unsigned{p[bit / 8]} >> (7 - bit % 8)) & 1U);
  }
  return v;
}

constexpr void put_bits(Byte* p, std::size_t off, unsigned width, std::uint64_t v) noexcept {
  for (unsigned i = 0; i < width; ++i) {
    const std::size_t bit = off + i;
    const auto mask = static_cast<Byte>(0x80U >> (bit % 8));
    if ((v >> (width - 1 - i)) & 1U) {
      p[bit / 8] = static_cast<Byte>(p[bit / 8] | mask);
    } else {
      p[bit / 8] = static_cast<Byte>(p[bit / 8] & ~mask);
    }
  }
}

[[nodiscard]] constexpr std::uint16_t load_be16(const Byte* p) noexcept {
  return static_cast<std::uint16_t>((p[0] << 8) | p[1]);
}
[[nodiscard]] constexpr std::uint32_t load_be32(const Byte* p) noexcept {
  return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) |
         std::uint32_t{p[3]};
}
constexpr void store_be16(Byte* p, std::uint16_t v) noexcept {
  p[0] = static_cast<Byte>(v >> 8);
  p[1] = static_cast<Byte>(v);
}
constexpr void store_be32(Byte* p, std::uint32_t v) noexcept {
  p[0] = static_cast<Byte>(v >> 24);
  p[1] = static_cast<Byte>(v >> 16);
  p[2] = static_cast<Byte>(v >> 8);
  p[3] = static_cast<Byte>(v);
}

} // namespace ub
