#pragma once
// The transaction header chain: which extension headers follow a BTAH / ATAH (full or compact),
// in which order, and what the payload must look like. UB-Base-2.0 §7.2.1 Tables 7-1, 7-2, 7-4
// (the headers of each opcode in wire order), §7.2.4 (MT_EN), §7.2.10 (BEETAH), §7.4 (payload
// rules), App. B.2.6 (the compact CFG 9 forms).
//
// One set of rules, walked by both codecs that read transaction headers: the per-packet TA codec
// (ta_packet.hpp, from the TAH) and the whole-packet codec (protocol/packet, from the LPH).
// Readings: A-23 (TAIDETAH / OFSTETAH by CFG), A-24 (MT_EN, TV_EN, UD_Flag), A-25 (payload),
// A-26 (CFG 9 atomics), A-20 (BEETAH width) in docs/spec-coverage.md.

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "protocol/common/error.hpp"
#include "protocol/ta/beetah.hpp"
#include "protocol/ta/ta_opcode.hpp"
#include "protocol/ta/tah.hpp"

namespace ub::ta {

// The extension headers, in the one order in which any of them may follow the base header: every
// row of Table 7-2 (and the compact chain of App. B.2.6) lists its headers in this order.
enum class TaExt : std::uint8_t {
  Udetah,
  Mtetah,
  Taidetah,
  Ofstetah,
  Maetah,
  MaetahCompact,
  Immetah,
  Ntfetah,
  Tvetah,
  Beetah,
  Mgmtetah,
};

inline constexpr std::array<TaExt, 11> kTaExtOrder{
    TaExt::Udetah, TaExt::Mtetah,        TaExt::Taidetah, TaExt::Ofstetah,
    TaExt::Maetah, TaExt::MaetahCompact, TaExt::Immetah,  TaExt::Ntfetah,
    TaExt::Tvetah, TaExt::Beetah,        TaExt::Mgmtetah,
};

// The spec's name of the header ("UDETAH", "MAETAH_COMPACT", ...).
[[nodiscard]] std::string_view ta_ext_name(TaExt e) noexcept;

// A set of extension headers; iterate kTaExtOrder to visit them in wire order.
struct TaChain {
  std::uint16_t bits = 0;

  [[nodiscard]] constexpr bool has(TaExt e) const noexcept {
    return ((unsigned{bits} >> static_cast<unsigned>(e)) & 1U) != 0;
  }
  constexpr void add(TaExt e) noexcept {
    bits = static_cast<std::uint16_t>(bits | (1U << static_cast<unsigned>(e)));
  }
  [[nodiscard]] constexpr std::size_t count() const noexcept {
    std::size_t n = 0;
    for (const TaExt e : kTaExtOrder) {
      n += has(e) ? 1U : 0U;
    }
    return n;
  }
  friend constexpr bool operator==(TaChain, TaChain) = default;
};

// The headers that follow each base header. `taid` selects the CFG 3/4/7 rows (IP and CNA24),
// where Read, Atomic and their responses carry TAIDETAH (and OFSTETAH for Read / Read_response);
// CFG 6 leaves them out. A reserved opcode gives the empty chain (its base header's own
// check refuses it first).
[[nodiscard]] TaChain ta_chain(const Btah& h, bool taid) noexcept;
[[nodiscard]] TaChain ta_chain(const Atah& h, bool taid) noexcept;
[[nodiscard]] TaChain ta_chain(const BtahCompact& h) noexcept;
[[nodiscard]] TaChain ta_chain(const AtahCompact& h) noexcept;

// The flag rules a base header must meet besides its own field checks: MT_EN exactly for
// Send, Send_with_immediate and Write_with_immediate (§7.2.4); TV_EN 0 for Management and
// Prefetch_tgt (no TVETAH slot in Table 7-2). NotAllowed, offsets relative to the base header.
[[nodiscard]] Status check_ta_flags(const Btah& h) noexcept;
[[nodiscard]] Status check_ta_flags(const BtahCompact& h) noexcept;

// BEETAH width: the smallest of 64..1024 bits covering MAETAH.Length. `len` is the byte
// count (MAETAH.Length, or 64 B x 2^Length for the compact form); `at` is the BEETAH's offset.
[[nodiscard]] Status check_beetah_width(const Beetah& h, std::uint64_t len,
                                        std::size_t at) noexcept;

// What the payload rules need to know about the headers before the payload.
struct TaPayloadContext {
  TaShape shape = TaShape::Ack;
  std::string_view tah_name = "BTAH"; // the base header, named in payload errors
  bool compact = false;
  std::uint64_t mae_len = 0;  // bytes (compact: 64 B x 2^Length)
  std::uint64_t mae_addr = 0; // byte address
  std::size_t mae_at = 0;     // offset of the MAETAH (alignment errors point at it)
  std::size_t mgmt_pdu_len = 0;
};

// The payload rules of §7.4 and App. B.2.6: no payload for Read, Prefetch_tgt and
// Transaction_ACK; an atomic request carries 2 x Length bytes (Length 1..64 in powers of two, the
// address aligned to it; CFG 9: Length code 0 only); an atomic response 0 or 1..64 bytes in powers
// of two; a management PDU of PDU_Length bytes; a CFG 9 Write / Writeback exactly 64 B x 2^Length.
// `payload_at` is the payload's offset, where LengthMismatch errors point.
[[nodiscard]] Status check_ta_payload(const TaPayloadContext& c, std::size_t payload_size,
                                      std::size_t payload_at) noexcept;

} // namespace ub::ta
