#include "tools/ubmodel/hex.hpp"

#include <fmt/format.h>

namespace ub::tool {

namespace {

int nibble(char c) {
  if (c >= '0' && c <= '9') {
    return c - '0';
  }
  if (c >= 'a' && c <= 'f') {
    return c - 'a' + 10;
  }
  if (c >= 'A' && c <= 'F') {
    return c - 'A' + 10;
  }
  return -1;
}

} // namespace

Expected<std::vector<std::uint8_t>, HexError> parse_hex(std::string_view text) {
  std::vector<std::uint8_t> out;
  std::size_t i = 0;
  while (i < text.size() &&
         (text[i] == ' ' || text[i] == '\n' || text[i] == '\t' || text[i] == '\r')) {
    ++i;
  }
  if (text.size() >= i + 2 && text[i] == '0' && (text[i + 1] == 'x' || text[i + 1] == 'X')) {
    i += 2;
  }
  int pending = -1;
  std::size_t pending_at = 0;
  for (; i < text.size(); ++i) {
    const char c = text[i];
    if (c == ' ' || c == '\n' || c == '\t' || c == '\r' || c == ':') {
      continue;
    }
    const int v = nibble(c);
    if (v < 0) {
      return make_unexpected(
          HexError{i, fmt::format("'{}' is not a hex digit", std::string(1, c))});
    }
    if (pending < 0) {
      pending = v;
      pending_at = i;
    } else {
      out.push_back(static_cast<std::uint8_t>((pending << 4) | v));
      pending = -1;
    }
  }
  if (pending >= 0) {
    return make_unexpected(
        HexError{pending_at, "odd number of hex digits: the last byte has only one digit"});
  }
  return out;
}

std::string to_hex(std::span<const std::uint8_t> bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string s;
  s.reserve(bytes.size() * 2);
  for (const std::uint8_t b : bytes) {
    s.push_back(kDigits[b >> 4]);
    s.push_back(kDigits[b & 0xF]);
  }
  return s;
}

} // namespace ub::tool
