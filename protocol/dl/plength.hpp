#pragma once
// PLENGTH: the 14-bit length field of the LPH. UB-Base-2.0 §4.3.2.2.2 (Table 4-1, notes p.93-94).
//   PLENGTH[13:10] = blocks - 1, PLENGTH[9:5] = flits in the last block - 1, and PLENGTH[4:0] = P
//   says whether the payload ends in the last or the second-to-last flit and how many payload
//   bytes that flit holds (payload bytes only: ambiguity A1, reading A). The valid P codes differ
//   per block mode; the others are reserved.
// "Payload" is everything after the LPH: the NTH and the layers above, up to and including the
// ICRC. A sender uses the fewest flits that hold it (§4.3.4.2), so exactly one PLENGTH encodes
// each payload length; the decoder insists on that.

#include <cstddef>
#include <cstdint>

#include "protocol/common/error.hpp"
#include "protocol/dl/block_mode.hpp"

namespace ub::dl {

struct PacketGeometry {
  std::uint16_t plength = 0;
  std::uint16_t flits = 0;           // F, 1..512
  std::uint8_t blocks = 0;           // B, 1..16
  std::uint8_t last_block_flits = 0; // L, 1..32
  std::size_t payload = 0;           // N, payload bytes
};

// Payload bytes flit i of an F-flit DLLDP can hold (after header and before trailer).
[[nodiscard]] constexpr unsigned flit_capacity(unsigned i, unsigned flits, BlockMode m) noexcept {
  unsigned cap = kFlitBytes;
  if (i == 0) {
    cap -= 4; // LPH
  } else if (i % kMaxBlockFlits == 0) {
    cap -= 2; // LBH
  }
  if (i % kMaxBlockFlits == kMaxBlockFlits - 1 || i == flits - 1) {
    cap -= trailer_bytes(m); // BCRC
  }
  if (m == BlockMode::NonCrc && i == flits - 1) {
    cap -= 1; // END
  }
  return cap;
}

// Sum of flit_capacity(i) for i < k (k <= flits), in closed form.
[[nodiscard]] constexpr std::size_t prefix_capacity(unsigned k, unsigned flits,
                                                    BlockMode m) noexcept {
  if (k == 0) {
    return 0;
  }
  std::size_t sum = std::size_t{kFlitBytes} * k - 4 - 2 * std::size_t{(k - 1) / kMaxBlockFlits};
  std::size_t trailers = k / kMaxBlockFlits;
  if (k == flits && (flits - 1) % kMaxBlockFlits != kMaxBlockFlits - 1) {
    ++trailers;
  }
  sum -= trailers * trailer_bytes(m);
  if (m == BlockMode::NonCrc && k == flits) {
    sum -= 1;
  }
  return sum;
}

// Largest payload a DLLDP can carry in mode m (512 flits): 10,142 / 10,078 / 10,205 bytes.
[[nodiscard]] constexpr std::size_t max_payload(BlockMode m) noexcept {
  return prefix_capacity(kMaxPacketFlits, kMaxPacketFlits, m);
}

// True if P is a defined PLENGTH[4:0] code in mode m.
[[nodiscard]] constexpr bool is_valid_p(unsigned p, BlockMode m) noexcept {
  switch (m) {
  case BlockMode::Crc30:
    return p <= 19 || (p >= 24 && p <= 27);
  case BlockMode::Crc62:
    return p <= 11 || (p >= 16 && p <= 27);
  case BlockMode::NonCrc:
    return p <= 15 || p == 17 || p == 19 || (p >= 27 && p <= 30);
  }
  return false;
}

// The geometry of a DLLDP carrying n payload bytes. Errors: OutOfRange (n = 0 or too large).
[[nodiscard]] Result<PacketGeometry> geometry_for_payload(std::size_t n, BlockMode m) noexcept;

// The geometry a PLENGTH describes. Errors: ReservedValue (P not defined in this mode),
// LengthMismatch (PLENGTH is not the minimal encoding of any payload length).
// Errors are reported at byte 2 (the LPH byte holding PLENGTH[13:8]).
[[nodiscard]] Result<PacketGeometry> geometry_from_plength(std::uint16_t plength,
                                                           BlockMode m) noexcept;

} // namespace ub::dl
