#include <catch2/catch.hpp>

#include "protocol/common/error.hpp"

using namespace ub;

TEST_CASE("an Error prints offset, header.field, reason, value and clause", "[common][error]") {
  const Error e =
      Error{Errc::ReservedValue, 12, "RTPH", "TPOpcode", "not a defined opcode", "§6.2.1"}
          .with_value(0x4);
  CHECK(to_string(e) ==
        "byte 12: RTPH.TPOpcode: reserved value: not a defined opcode (0x4) [UB-Base-2.0 §6.2.1]");
  const Error shifted = e.shifted(100);
  CHECK(shifted.offset == 112);
  CHECK(to_string(Error{Errc::Truncated, 3, "LPH", {}, {}, {}}) == "byte 3: LPH: truncated");
}

TEST_CASE("every error code has a name", "[common][error]") {
  for (Errc c : {Errc::Truncated, Errc::TrailingBytes, Errc::ReservedValue, Errc::LengthMismatch,
                 Errc::CrcMismatch, Errc::IcrcMismatch, Errc::NotAllowed, Errc::OutOfRange,
                 Errc::BufferTooSmall, Errc::UnknownField, Errc::NotModelled}) {
    CHECK(to_string(c) != "error");
    CHECK_FALSE(to_string(c).empty());
  }
}
