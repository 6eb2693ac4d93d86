#pragma once
// Byte-enable extension header. UB-Base-2.0 §7.2.10 (Fig. 7-14, Table 7-12): BE of 64, 128, 256,
// 512 or 1024 bits, for Write_with_be and Writeback_with_be. BE[n] = 1 means payload byte n is
// written; payload beyond the BE width counts as enabled (§7.4.2.1.3). The field goes MSB
// first, so BE[0] is bit 0 of the last byte.
// The spec does not say how a receiver learns the width. ubmodel takes it from MAETAH.Length:
// the smallest width of at least Length bits, at most 1024 (see spec-coverage.md).

#include <array>
#include <cstdint>
#include <span>
#include <string_view>

#include "protocol/common/field.hpp"

namespace ub::ta {

inline constexpr std::size_t kMaxBeBytes = 128;

[[nodiscard]] constexpr bool is_valid_be_width(unsigned bits) noexcept {
  return bits == 64 || bits == 128 || bits == 256 || bits == 512 || bits == 1024;
}

// The BE width for a write of `length` bytes (MAETAH.Length of the full form, or the byte
// length a compact Length code gives).
[[nodiscard]] constexpr unsigned be_width_for_length(std::uint64_t length) noexcept {
  unsigned w = 64;
  while (w < 1024 && w < length) {
    w *= 2;
  }
  return w;
}

struct Beetah {
  std::uint16_t width_bits = 64;
  std::array<Byte, kMaxBeBytes> be{}; // first width_bits/8 bytes are on the wire, MSB first

  [[nodiscard]] constexpr std::size_t size() const noexcept { return width_bits / 8U; }
  // BE[n]: whether payload byte n is enabled (bytes beyond the width always are).
  [[nodiscard]] constexpr bool enabled(std::size_t n) const noexcept {
    if (n >= width_bits) {
      return true;
    }
    const std::size_t byte = size() - 1 - n / 8;
    return ((unsigned{be[byte]} >> (n % 8)) & 1U) != 0;
  }
  // Sets BE[n]; false (nothing changed) if n is not below the width.
  constexpr bool set_enabled(std::size_t n, bool v = true) noexcept {
    if (n >= width_bits || size() > kMaxBeBytes) {
      return false;
    }
    const std::size_t byte = size() - 1 - n / 8;
    const auto mask = static_cast<Byte>(1U << (n % 8));
    be[byte] = static_cast<Byte>(v ? (be[byte] | mask) : (be[byte] & ~mask));
    return true;
  }

  friend constexpr bool operator==(const Beetah& a, const Beetah& b) noexcept {
    if (a.width_bits != b.width_bits) {
      return false;
    }
    for (std::size_t i = 0; i < a.size() && i < kMaxBeBytes; ++i) {
      if (a.be[i] != b.be[i]) {
        return false;
      }
    }
    return true;
  }
};

} // namespace ub::ta

namespace ub {

template <>
struct Codec<ta::Beetah> {
  static constexpr std::string_view kName = "BEETAH";
  static constexpr std::string_view kClause = "§7.2.10";

  // Decodes a BEETAH of `width_bits` from the start of `in`. Errors: Truncated, OutOfRange
  // (width not 64..1024 in powers of two).
  [[nodiscard]] static Result<ta::Beetah> decode(std::span<const Byte> in,
                                                 unsigned width_bits) noexcept;
  // Standalone form (tool): the whole input is the BE field, so its length gives the width.
  [[nodiscard]] static Result<ta::Beetah> decode(std::span<const Byte> in) noexcept;
  [[nodiscard]] static std::size_t size(const ta::Beetah& h) noexcept { return h.size(); }
  [[nodiscard]] static Status validate(const ta::Beetah& h) noexcept;
  [[nodiscard]] static Result<std::size_t> encode(const ta::Beetah& h,
                                                  std::span<Byte> out) noexcept;
  // "BE": the width becomes the smallest valid width holding the given bytes (a scalar: 64).
  [[nodiscard]] static Status set(ta::Beetah& h, std::string_view name,
                                  const FieldValue& v) noexcept;

  template <class Fn>
  static void visit(const ta::Beetah& h, Fn&& fn) {
    fn(FieldDesc{"BE", 0, h.width_bits, FieldRole::Data},
       FieldValue{0, std::span<const Byte>(h.be.data(), h.size())});
  }
};

} // namespace ub
