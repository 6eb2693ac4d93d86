#pragma once
// The enumeration packet's Scan Header (CFG 6, NTH.NLP = 1). UB-Base-2.0 §10.4.3.1 (Fig. 10-20)
// and §10.4.3.2 (Fig. 10-22): after the UPIH16 come 2 zero bytes of padding, then a word of
// RSVD 11, R 1, Type 4, Hops 8, Step 8. ubmodel models that word; the forward path, the return
// path (R = 1) and the Scan PDU that follow are carried as the packet's payload.

#include <cstdint>
#include <optional>
#include <string_view>
#include <tuple>

#include "protocol/common/field.hpp"

namespace ub::mgmt {

struct ScanHeader {
  std::uint16_t padding = 0; // the 2 zero bytes after the UPIH16
  std::uint16_t rsvd = 0;    // 11 bits
  bool r = false;            // R: a return path is present (requests)
  std::uint8_t type = 0;     // Type: path entry width, 0 = 4 bits, 1 = 8 bits, 2 = 16 bits
  std::uint8_t hops = 0;     // Hops
  std::uint8_t step = 0;     // Step

  friend constexpr bool operator==(const ScanHeader&, const ScanHeader&) = default;
};

} // namespace ub::mgmt

namespace ub {

template <>
struct Layout<mgmt::ScanHeader> {
  static constexpr std::string_view kName = "SCAN";
  static constexpr std::string_view kClause = "§10.4.3.2";
  static constexpr std::size_t kSize = 6;
  static constexpr auto kFields = std::tuple{
      Field<&mgmt::ScanHeader::padding, 0, 16>{"Padding", FieldRole::Reserved},
      Field<&mgmt::ScanHeader::rsvd, 16, 11>{"RSVD", FieldRole::Reserved},
      Field<&mgmt::ScanHeader::r, 27, 1>{"R"},
      Field<&mgmt::ScanHeader::type, 28, 4>{"Type"},
      Field<&mgmt::ScanHeader::hops, 32, 8>{"Hops"},
      Field<&mgmt::ScanHeader::step, 40, 8>{"Step"},
  };
  static constexpr std::optional<FieldIssue> check(const mgmt::ScanHeader& h) noexcept {
    if (h.type > 2) {
      return FieldIssue{"Type", Errc::ReservedValue, "Scan Header Type 3..15 are reserved", h.type};
    }
    return std::nullopt;
  }
};

} // namespace ub
