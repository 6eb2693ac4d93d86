#pragma once
// Block CRCs of the data link. UB-Base-2.0 §4.7.2 and §4.3.2.2.4 (Tables 4-3, 4-4).
//   CRC30: x^30+x^28+x^26+x^24+x^23+x^21+x^19+x^16+x^14+x^11+x^9+x^7+x^6+x^4+x^2+1,
//          normal form 0x15A94AD5, init all ones, MSB first, not reflected, no final xor.
//   CRC32 (second half of CRC62): x^32+x^29+x^28+x^25+x^23+x^22+x^10+x^9+x^7+x^4+x^3+1,
//          normal form 0x32C00699, init all ones, MSB first, not reflected, no final xor.
// The input is every bit of the block before the CRC30 field: whole bytes, then the two bits
// (Reserved, ERROR_FLAG) that share the CRC's first byte (ambiguity A3 of layouts-datalink.md,
// reading A). In CRC62 mode CRC30 and CRC32 cover the same input.

#include <cstdint>
#include <span>

#include "protocol/common/bits.hpp"

namespace ub::dl {

inline constexpr std::uint32_t kCrc30Poly = 0x15A94AD5;
inline constexpr std::uint32_t kCrc32Poly = 0x32C00699;

// CRC30 over `bytes`, then the top `tail_bits` bits of `tail` (MSB first). Result in bits 29:0.
[[nodiscard]] std::uint32_t crc30(std::span<const Byte> bytes, Byte tail = 0,
                                  unsigned tail_bits = 0) noexcept;

// CRC32 (the CRC62 mode's second CRC) over the same kind of input.
[[nodiscard]] std::uint32_t crc32_dl(std::span<const Byte> bytes, Byte tail = 0,
                                     unsigned tail_bits = 0) noexcept;

} // namespace ub::dl
