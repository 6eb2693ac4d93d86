#pragma once
// Wire errors as values (STYLE rule 14a). An Error names where (byte offset), what (header and
// field, by the spec's own spelling), why (a code and a short reason) and which clause says so.
// Every string_view points at a string literal, so building an Error never allocates.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "protocol/common/expected.hpp"

namespace ub {

enum class Errc : std::uint8_t {
  Truncated,      // the input ends inside a header, field or block
  TrailingBytes,  // bytes follow a complete unit that its length fields do not account for
  ReservedValue,  // a field holds a value the spec reserves (or a fixed bit pattern is wrong)
  LengthMismatch, // a length field disagrees with the bytes present
  CrcMismatch,    // a block's BCRC (CRC30, or CRC30 + CRC32) does not match
  IcrcMismatch,   // the network-layer ICRC does not match
  NotAllowed,     // a combination the spec forbids (opcode with this header, header in this CFG)
  OutOfRange,     // encode: a value does not fit its field or its legal range
  BufferTooSmall, // encode: the output buffer cannot hold the result
  UnknownField,   // a field name that the header does not have
  NotModelled,    // valid per the spec, but not modelled by ubmodel yet
};

[[nodiscard]] std::string_view to_string(Errc code) noexcept;

struct Error {
  Errc code{};
  std::size_t offset = 0;  // byte offset into the unit being decoded (or encoded)
  std::string_view header; // e.g. "RTPH"
  std::string_view field;  // e.g. "TPOpcode"; empty when the error is about the whole header
  std::string_view reason; // short, static, lower case
  std::string_view clause; // e.g. "§6.2.1"
  std::uint64_t value = 0; // the offending value, when has_value
  bool has_value = false;

  [[nodiscard]] Error with_value(std::uint64_t v) const noexcept {
    Error e = *this;
    e.value = v;
    e.has_value = true;
    return e;
  }
  [[nodiscard]] Error shifted(std::size_t base) const noexcept {
    Error e = *this;
    e.offset += base;
    return e;
  }
};

// One line: "byte 12: RTPH.TPOpcode: reserved value (0x4) [UB-Base-2.0 §6.2.1]".
[[nodiscard]] std::string to_string(const Error& e);

template <class T>
using Result = Expected<T, Error>;

using Status = Expected<void, Error>;

} // namespace ub
