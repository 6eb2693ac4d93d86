#pragma once
// Data-link units (a data packet or a control block) and single headers as JSON, the format of
// `ubmodel decode --json` and `ubmodel encode`:
//   {"link": {"mode": "crc30", "ERROR_FLAG": 0, "LBH": [{...}], "canonical": true},
//    "headers": [{"name": "LPH", "fields": {"CRD": 0, ...}}, {"name": "NTH_CNA24", ...}, ...],
//    "payload": "<hex>", "ICRC": 305419896}
// Field values are JSON integers; fields wider than 64 bits are "0x..." strings. Input accepts
// either form for any field, and true/false for 1-bit fields.

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "protocol/dl/control_blocks.hpp"
#include "protocol/packet/packet.hpp"
#include "protocol/packet/registry.hpp"

namespace ub::tool {

using json = nlohmann::ordered_json;

struct ToolError {
  std::string message; // one line: where, what, why
};

template <class T>
using ToolResult = Expected<T, ToolError>;

// A decoded or parsed unit. Move-only: `packet.payload` points into buffers it owns (or into the
// caller's wire bytes, which must outlive it).
struct Unit {
  bool is_control = false;
  dl::BlockMode mode = dl::BlockMode::Crc30;
  pkt::Packet packet{};
  dl::ControlBlock block{};
  bool canonical = true;
  std::vector<std::uint8_t> buffer; // scratch for a multi-block payload, or a JSON payload

  Unit() = default;
  Unit(Unit&&) noexcept = default;
  Unit& operator=(Unit&&) noexcept = default;
  Unit(const Unit&) = delete;
  Unit& operator=(const Unit&) = delete;
};

// Decodes one data-link unit: a control block when the first flit's CFG is 0, else a data packet.
[[nodiscard]] ToolResult<Unit> decode_unit(std::span<const std::uint8_t> wire,
                                           const pkt::DecodeOptions& opts);

// Encodes a unit back to wire bytes.
[[nodiscard]] ToolResult<std::vector<std::uint8_t>> encode_unit(const Unit& u);

[[nodiscard]] json unit_to_json(const Unit& u);

// Parses the JSON form. `defaults.mode` applies when the JSON has no "link.mode".
[[nodiscard]] ToolResult<Unit> unit_from_json(const json& j, const pkt::DecodeOptions& defaults);

// Every field the input JSON gives must equal what the encoded unit decodes to; this catches
// derived fields (PLENGTH, Padding, lengths, ICRC) given with values the packet cannot have.
[[nodiscard]] ToolResult<void> check_given_fields(const json& input, const Unit& decoded);

[[nodiscard]] json fields_to_json(const std::vector<pkt::FieldEntry>& fields);
[[nodiscard]] ToolResult<std::vector<pkt::NamedValue>> fields_from_json(const json& fields,
                                                                        const std::string& where);

// One header alone: {"name": NAME, "fields": {...}}.
[[nodiscard]] ToolResult<json> decode_header_json(std::string_view name,
                                                  std::span<const std::uint8_t> bytes,
                                                  const pkt::DecodeOptions& opts);
[[nodiscard]] ToolResult<std::vector<std::uint8_t>>
encode_header_json(std::string_view name, const json& j, const pkt::DecodeOptions& opts);

} // namespace ub::tool
