#pragma once
// Selective-ACK extension transport header. UB-Base-2.0 §6.2.3 (Fig. 6-14, Table 6-6):
// RSVD 5, BitMapSize 3 (0..4 = 64, 128, 256, 512, 1024 bits; 5..7 reserved), MaxRcvPSN 24,
// then the BitMap. Bit k stands for PSN = RTPH.PSN + k (mod 2^24); 1 = received.
// Bit placement (ambiguity A1, reading (a)): the BitMap is a sequence of big-endian 32-bit rows
// BitMap[0], BitMap[1], ...; bit k is bit (k mod 32), counted from the LSB, of row k / 32.
// bitmap_bit() and set_bitmap_bit() are the only places that know this.

#include <array>
#include <cstdint>
#include <span>
#include <string_view>
#include <tuple>

#include "protocol/common/field.hpp"

namespace ub::tp {

inline constexpr std::size_t kMaxSackBitmapBytes = 128; // 1024 bits

struct Saetph {
  std::uint8_t rsvd = 0;
  std::uint8_t bitmap_size = 0;                   // BitMapSize code
  std::uint32_t max_rcv_psn = 0;                  // MaxRcvPSN[23:0]
  std::array<Byte, kMaxSackBitmapBytes> bitmap{}; // first bitmap_bytes() bytes are on the wire

  // Bits in the BitMap for a valid code (64 << code), 0 for a reserved one.
  [[nodiscard]] constexpr unsigned bitmap_bits() const noexcept {
    return bitmap_size <= 4 ? 64U << bitmap_size : 0U;
  }
  [[nodiscard]] constexpr std::size_t bitmap_bytes() const noexcept { return bitmap_bits() / 8; }
  [[nodiscard]] constexpr std::size_t size() const noexcept { return 4 + bitmap_bytes(); }

  [[nodiscard]] constexpr bool bitmap_bit(unsigned k) const noexcept {
    if (k >= 8 * kMaxSackBitmapBytes) {
      return false;
    }
    const std::size_t byte = 4 * std::size_t{k / 32} + 3 - (k % 32) / 8;
    return ((unsigned{bitmap[byte]} >> (k % 8)) & 1U) != 0;
  }
  // Sets bit k; false (nothing changed) if k is beyond the largest BitMap (1024 bits).
  constexpr bool set_bitmap_bit(unsigned k, bool v = true) noexcept {
    if (k >= 8 * kMaxSackBitmapBytes) {
      return false;
    }
    const std::size_t byte = 4 * std::size_t{k / 32} + 3 - (k % 32) / 8;
    const auto mask = static_cast<Byte>(1U << (k % 8));
    bitmap[byte] = static_cast<Byte>(v ? (bitmap[byte] | mask) : (bitmap[byte] & ~mask));
    return true;
  }

  friend constexpr bool operator==(const Saetph& a, const Saetph& b) noexcept {
    if (a.rsvd != b.rsvd || a.bitmap_size != b.bitmap_size || a.max_rcv_psn != b.max_rcv_psn) {
      return false;
    }
    for (std::size_t i = 0; i < a.bitmap_bytes(); ++i) {
      if (a.bitmap[i] != b.bitmap[i]) {
        return false;
      }
    }
    return true;
  }
};

} // namespace ub::tp

namespace ub {

template <>
struct Codec<tp::Saetph> {
  static constexpr std::string_view kName = "SAETPH";
  static constexpr std::string_view kClause = "§6.2.3";

  // Errors: Truncated, ReservedValue (BitMapSize 5..7).
  [[nodiscard]] static Result<tp::Saetph> decode(std::span<const Byte> in) noexcept;
  [[nodiscard]] static std::size_t size(const tp::Saetph& h) noexcept { return h.size(); }
  [[nodiscard]] static Status validate(const tp::Saetph& h) noexcept;
  [[nodiscard]] static Result<std::size_t> encode(const tp::Saetph& h,
                                                  std::span<Byte> out) noexcept;
  // Set "BitMapSize" before "BitMap": the BitMap value is right-aligned to the BitMap's width.
  [[nodiscard]] static Status set(tp::Saetph& h, std::string_view name,
                                  const FieldValue& v) noexcept;

  static constexpr auto kPrefixFields = std::tuple{
      Field<&tp::Saetph::rsvd, 0, 5>{"RSVD", FieldRole::Reserved},
      Field<&tp::Saetph::bitmap_size, 5, 3>{"BitMapSize"},
      Field<&tp::Saetph::max_rcv_psn, 8, 24>{"MaxRcvPSN"},
  };

  template <class Fn>
  static void visit(const tp::Saetph& h, Fn&& fn) {
    visit_fields(kPrefixFields, h, fn);
    fn(FieldDesc{"BitMap", 32, static_cast<std::uint16_t>(h.bitmap_bits()), FieldRole::Data},
       FieldValue{0, std::span<const Byte>(h.bitmap.data(), h.bitmap_bytes())});
  }
};

} // namespace ub
