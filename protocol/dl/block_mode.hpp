#pragma once
// The data link's block mode: which trailer closes each block. UB-Base-2.0 §4.3.1 and §4.3.2.3.
//   CRC30 (the default): a 4-byte BCRC in the last flit of every block.
//   CRC62: an 8-byte BCRC (CRC30 + CRC32) in the last flit of every block.
//   Non-CRC: no BCRC; an END byte (ERROR_FLAG) in the packet's last flit. FEC is mandatory.
// The mode is negotiated by the PHY (§4.3.3.8), so it is a parameter of decoding, not a field.

#include <cstdint>
#include <optional>
#include <string_view>

namespace ub::dl {

enum class BlockMode : std::uint8_t { Crc30, Crc62, NonCrc };

inline constexpr unsigned kFlitBytes = 20;       // §4.3.2.1
inline constexpr unsigned kMaxBlockFlits = 32;   // a DLLDB or DLLCB holds 1..32 flits
inline constexpr unsigned kMaxBlocks = 16;       // a DLLDP holds 1..16 DLLDBs
inline constexpr unsigned kMaxPacketFlits = 512; // so at most 512 flits

// Bytes of block trailer (BCRC) at the end of every block.
[[nodiscard]] constexpr unsigned trailer_bytes(BlockMode m) noexcept {
  switch (m) {
  case BlockMode::Crc30:
    return 4;
  case BlockMode::Crc62:
    return 8;
  case BlockMode::NonCrc:
    return 0;
  }
  return 0;
}

[[nodiscard]] constexpr std::string_view to_string(BlockMode m) noexcept {
  switch (m) {
  case BlockMode::Crc30:
    return "crc30";
  case BlockMode::Crc62:
    return "crc62";
  case BlockMode::NonCrc:
    return "noncrc";
  }
  return "?";
}

[[nodiscard]] constexpr std::optional<BlockMode>
block_mode_from_string(std::string_view s) noexcept {
  if (s == "crc30" || s == "crc") {
    return BlockMode::Crc30;
  }
  if (s == "crc62") {
    return BlockMode::Crc62;
  }
  if (s == "noncrc" || s == "non-crc") {
    return BlockMode::NonCrc;
  }
  return std::nullopt;
}

} // namespace ub::dl
