#pragma once
// Invariant CRC of the network layer. UB-Base-2.0 §5.3.7: appended as the packet's last 4 bytes
// by the sender (controller or switch) for CFG 3/4 and CFG 6/7, checked by the receiver.
//   Coverage: CFG 3/4 from the first byte of the IP header (the UB prefix is outside);
//             CFG 6/7 from the first NTH byte; up to the byte before the ICRC.
//   Masked (taken as all ones, packet unchanged): CNA NTH CCI and LBF; IPv4 ToS, TTL, header
//   checksum; IPv6 traffic class, flow label, hop limit; UDP checksum.
//   Algorithm: CRC-32 polynomial 0x04C11DB7, init all ones, bits of each byte reversed on entry,
//   result reversed and inverted: the reflected CRC-32 of IEEE 802.3 / zlib.
//   Wire order: least significant byte first, as Ethernet's FCS (ambiguity A2, reading (a)).

#include <cstdint>
#include <span>

#include "protocol/common/bits.hpp"

namespace ub::nl {

// The reflected CRC-32 (IEEE 802.3) of `bytes`, continuing from `crc` (start with 0).
[[nodiscard]] std::uint32_t crc32_ieee(std::span<const Byte> bytes, std::uint32_t crc = 0) noexcept;

// The ICRC of a network packet. `net` is everything after the LPH up to (not including) the
// ICRC; `cfg` selects coverage and masks. For CFG 3/4 `ip_version` is 4 or 6 and `has_udp` says
// whether a UDP header follows the IP header. Returns 0 for a CFG that has no ICRC.
[[nodiscard]] std::uint32_t compute_icrc(std::uint8_t cfg, std::span<const Byte> net,
                                         unsigned ip_version = 4, bool has_udp = true) noexcept;
// The same for a packet held in two places: `net_head` followed by `net_rest` (a simulator that
// keeps a packet's headers apart from its payload), without joining them.
[[nodiscard]] std::uint32_t compute_icrc(std::uint8_t cfg, std::span<const Byte> net_head,
                                         std::span<const Byte> net_rest, unsigned ip_version = 4,
                                         bool has_udp = true) noexcept;

[[nodiscard]] constexpr std::uint32_t load_icrc(const Byte* p) noexcept {
  return std::uint32_t{p[0]} | (std::uint32_t{p[1]} << 8) | (std::uint32_t{p[2]} << 16) |
         (std::uint32_t{p[3]} << 24);
}
constexpr void store_icrc(Byte* p, std::uint32_t v) noexcept {
  p[0] = static_cast<Byte>(v);
  p[1] = static_cast<Byte>(v >> 8);
  p[2] = static_cast<Byte>(v >> 16);
  p[3] = static_cast<Byte>(v >> 24);
}

} // namespace ub::nl
