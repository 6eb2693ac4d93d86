#include "protocol/common/error.hpp"

#include <fmt/format.h>

namespace ub {

std::string_view to_string(Errc code) noexcept {
  switch (code) {
  case Errc::Truncated:
    return "truncated";
  case Errc::TrailingBytes:
    return "trailing bytes";
  case Errc::ReservedValue:
    return "reserved value";
  case Errc::LengthMismatch:
    return "length mismatch";
  case Errc::CrcMismatch:
    return "CRC mismatch";
  case Errc::IcrcMismatch:
    return "ICRC mismatch";
  case Errc::NotAllowed:
    return "not allowed";
  case Errc::OutOfRange:
    return "out of range";
  case Errc::BufferTooSmall:
    return "buffer too small";
  case Errc::UnknownField:
    return "unknown field";
  case Errc::NotModelled:
    return "not modelled";
  }
  return "error";
}

std::string to_string(const Error& e) {
  std::string where = e.header.empty() ? std::string{} : std::string{e.header};
  if (!e.field.empty()) {
    where += where.empty() ? "" : ".";
    where += e.field;
  }
  std::string out = fmt::format("byte {}: ", e.offset);
  if (!where.empty()) {
    out += where;
    out += ": ";
  }
  out += to_string(e.code);
  if (!e.reason.empty()) {
    out += ": ";
    out += e.reason;
  }
  if (e.has_value) {
    out += fmt::format(" (0x{:x})", e.value);
  }
  if (!e.clause.empty()) {
    out += fmt::format(" [UB-Base-2.0 {}]", e.clause);
  }
  return out;
}

} // namespace ub
