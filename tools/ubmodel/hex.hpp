#pragma once
// Hex text <-> bytes for the tool. Parsing is strict and says where it failed.

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/common/expected.hpp"

namespace ub::tool {

struct HexError {
  std::size_t position = 0; // character offset in the text
  std::string reason;
};

// Accepts an optional 0x prefix, hex digits, and whitespace or ':' between byte pairs.
// Errors: a non-hex character, or an odd number of digits.
[[nodiscard]] Expected<std::vector<std::uint8_t>, HexError> parse_hex(std::string_view text);

[[nodiscard]] std::string to_hex(std::span<const std::uint8_t> bytes);

} // namespace ub::tool
