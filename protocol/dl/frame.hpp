#pragma once
// Framing of a data packet (DLLDP) into 20-byte flits and blocks of at most 32 flits.
// UB-Base-2.0 §4.3.2 (Figs. 4-3 to 4-16) and §4.3.4.2:
//   - the first flit starts with the LPH; the first flit of every later block with an LBH;
//   - CRC30/CRC62 mode: the last flit of every block ends with the BCRC (4 or 8 bytes), whose
//     first byte carries Reserved (bit 7) and ERROR_FLAG (bit 6, meaningful in the last block);
//   - non-CRC mode: no BCRC; byte 19 of the packet's last flit is END (ERROR_FLAG in bit 6);
//   - header, payload, zero padding, trailer, in flit order, in the fewest flits (PLENGTH).
// "Payload" here is everything after the LPH (NTH onward, ICRC included).

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

#include "protocol/common/error.hpp"
#include "protocol/dl/block_mode.hpp"
#include "protocol/dl/link_headers.hpp"
#include "protocol/dl/plength.hpp"

namespace ub::dl {

struct DataFrame {
  Lph lph{};
  std::array<Lbh, kMaxBlocks - 1> lbh{}; // one per later block, in order
  std::uint8_t lbh_count = 0;
  bool error_flag = false;       // ERROR_FLAG of the last block (CRC) or END (non-CRC), §4.8.3
  std::span<const Byte> payload; // bytes after the LPH, de-framed
  // False when bits the receiver ignores were not zero: padding, the Reserved trailer bit, the
  // ERROR_FLAG of a block other than the last, END's reserved bits. Such a frame decodes, but
  // re-encoding it gives the canonical bytes, not the input.
  bool canonical = true;
};

// Bytes of the framed DLLDP that carries `payload` bytes after its LPH (a multiple of 20).
// Errors: OutOfRange (payload of 0 bytes or above the mode's maximum).
[[nodiscard]] Result<std::size_t> framed_size(std::size_t payload, BlockMode m) noexcept;

// Decodes exactly one framed DLLDP from `in`. A single-block packet's payload points into `in`;
// a multi-block packet's payload is gathered into `scratch` (at least max_payload(m) bytes, or
// the payload size, is enough) and points there.
// Errors (offset = byte in `in`):
//   Truncated        `in` is shorter than the flits PLENGTH announces
//   TrailingBytes    `in` is longer
//   ReservedValue    LPH.CFG not a DLLDP CFG; PLENGTH[4:0] reserved in this mode
//   LengthMismatch   PLENGTH not the minimal encoding of a payload length
//   CrcMismatch      a block's BCRC (CRC30, or either half of CRC62) does not match
//   BufferTooSmall   `scratch` cannot hold a multi-block payload
[[nodiscard]] Result<DataFrame> decode_frame(std::span<const Byte> in, BlockMode m,
                                             std::span<Byte> scratch) noexcept;

// Frames `payload` behind `lph` into `out`. LPH.PLENGTH is computed (the given value is ignored);
// `lbhs` gives the LBH of each later block in order: fewer than needed are filled with LBHs that
// return no credit or ACK and repeat the LPH's VL and CFG; more than needed is an error.
// Errors: OutOfRange (payload size, an LPH/LBH field, too many LBHs), ReservedValue (LPH.CFG),
// BufferTooSmall. Returns the bytes written (framed_size).
[[nodiscard]] Result<std::size_t> encode_frame(const Lph& lph, std::span<const Lbh> lbhs,
                                               bool error_flag, std::span<const Byte> payload,
                                               BlockMode m, std::span<Byte> out) noexcept;

} // namespace ub::dl

namespace ub::dl {

// Recomputes the BCRC of one block in place (CRC30 or CRC62 mode; a no-op in non-CRC mode),
// with ERROR_FLAG as given. For a sender that sets a block's CRD/ACK bits as it goes out.
void seal_block(std::span<Byte> block, BlockMode m, bool error_flag) noexcept;

// True if the block's BCRC matches (always true in non-CRC mode).
[[nodiscard]] bool block_crc_ok(std::span<const Byte> block, BlockMode m) noexcept;

// The wire offset (in the framed packet) of byte `n` of the payload after the LPH, for a DLLDP
// of `flits` flits. Used to report upper-layer errors at the byte the user sent.
[[nodiscard]] std::size_t wire_offset(std::size_t n, unsigned flits, BlockMode m) noexcept;

} // namespace ub::dl
