#pragma once
// Headers by name, with their fields type-erased: the bridge between the typed codecs and tools
// (the `ubmodel` JSON and pretty-printer, fuzz dictionaries). Names are the spec's spellings:
// LPH, LBH, CCI, NTH_CNA16, NTH_CNA24, NTH_IP, NET_MGMT, UPIH16, UPIH32, EIDH40, EIDH256, SCAN,
// RTPH, UTPH, CTPH, CETPH_LDCP, CETPH_CAQM, SAETPH, CNP, BTAH, BTAH_COMPACT, ATAH, ATAH_COMPACT,
// MAETAH, MAETAH_COMPACT, MTETAH, TVETAH, TAIDETAH, OFSTETAH, IMMETAH, NTFETAH, BEETAH, UDETAH,
// MGMTETAH, and the DLLCB types Null, No_Operation, Retry_Idle, Retry_Req, Retry_Ack, Crd_Ack,
// Param_Exchg, Lane_Manage, Block_Mode_Chg, Init.
// This file allocates (vectors of fields); the codecs underneath do not.

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/common/field.hpp"
#include "protocol/dl/control_blocks.hpp"
#include "protocol/dl/link_headers.hpp"
#include "protocol/nl/cci.hpp"
#include "protocol/packet/packet.hpp"

namespace ub::pkt {

// One field of a decoded header.
struct FieldEntry {
  std::string_view name; // static spelling
  std::uint16_t offset = 0;
  std::uint16_t width = 0;
  FieldRole role = FieldRole::Data;
  std::uint64_t scalar = 0;
  std::vector<Byte> wide; // non-empty for fields wider than 64 bits (and variable-width fields)
  [[nodiscard]] bool is_wide() const noexcept { return width > 64 || !wide.empty(); }
};

// One field as a user gives it.
struct NamedValue {
  std::string name;
  std::uint64_t scalar = 0;
  std::vector<Byte> wide; // used when non-empty (hex strings), MSB first
};

struct HeaderEntry {
  std::string_view name;
  std::string_view clause;
  std::string_view summary;
  bool control_block = false;
  // Decodes exactly `in` as this header. Errors: the header's own, and TrailingBytes when `in`
  // is longer than the header.
  Result<std::vector<FieldEntry>> (*decode)(std::span<const Byte> in, const DecodeOptions& opts);
  // Builds the header from `values` (unset fields keep their defaults: zero, or the spec's fixed
  // value) and encodes it. Errors: UnknownField, OutOfRange, ReservedValue, ...
  Result<std::vector<Byte>> (*encode)(std::span<const NamedValue> values,
                                      const DecodeOptions& opts);
};

[[nodiscard]] std::span<const HeaderEntry> header_registry() noexcept;
[[nodiscard]] const HeaderEntry* find_header(std::string_view name) noexcept;

// Field lists of typed values.
[[nodiscard]] std::vector<FieldEntry> fields_of(const Header& h);
[[nodiscard]] std::vector<FieldEntry> fields_of(const dl::Lph& h);
[[nodiscard]] std::vector<FieldEntry> fields_of(const dl::Lbh& h);
[[nodiscard]] std::vector<FieldEntry> fields_of(const nl::Cci& h);
[[nodiscard]] std::vector<FieldEntry> fields_of(const dl::ControlBlock& cb);

// Typed values from user fields. On error, `*bad_field` (if given) is the index into `values`
// of the field that failed, or values.size() if the failure is not about one field.
[[nodiscard]] Result<Header> make_header(std::string_view name, std::span<const NamedValue> values,
                                         std::size_t* bad_field = nullptr);
[[nodiscard]] Result<dl::Lph> make_lph(std::span<const NamedValue> values,
                                       std::size_t* bad_field = nullptr);
[[nodiscard]] Result<dl::Lbh> make_lbh(std::span<const NamedValue> values,
                                       std::size_t* bad_field = nullptr);
[[nodiscard]] Result<dl::ControlBlock> make_control_block(std::string_view name,
                                                          std::span<const NamedValue> values,
                                                          std::size_t* bad_field = nullptr);

[[nodiscard]] bool is_control_block_name(std::string_view name) noexcept;

// Whether a header field decides which other fields the header has (its version, mode, bitmap
// size, length or opcode). The make_* functions set these first, whatever order they are given
// in; changing any other field of a valid header leaves its layout as it is.
[[nodiscard]] bool is_layout_selector(std::string_view field) noexcept;

} // namespace ub::pkt
