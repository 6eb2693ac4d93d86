#pragma once
// UB-link network management packet header, CFG 5. UB-Base-2.0 App. F.2.1 (Fig. F-2, Table F-1):
// after the LPH, Protocol 16, DGUID 128, SGUID 128, then the protocol's PDU. No NTH and no ICRC
// (§5.3.7 lists the ICRC for CFG 3/4/6/7 only).

#include <cstdint>
#include <optional>
#include <string_view>
#include <tuple>

#include "protocol/common/field.hpp"

namespace ub::mgmt {

// Protocol values, Table F-1.
namespace net_mgmt_protocol {
inline constexpr std::uint16_t kDhcpV4 = 0x0100;
inline constexpr std::uint16_t kDhcpV6 = 0x0101;
inline constexpr std::uint16_t kIpNotify = 0x0102;
inline constexpr std::uint16_t kUlap = 0x0104;
inline constexpr std::uint16_t kNpic = 0x0106;
inline constexpr std::uint16_t kVendorFirst = 0x010A;
inline constexpr std::uint16_t kVendorLast = 0x0118;
} // namespace net_mgmt_protocol

[[nodiscard]] constexpr bool is_defined_net_mgmt_protocol(std::uint16_t p) noexcept {
  using namespace net_mgmt_protocol;
  return p == kDhcpV4 || p == kDhcpV6 || p == kIpNotify || p == kUlap || p == kNpic ||
         (p >= kVendorFirst && p <= kVendorLast);
}

struct NetMgmtHeader {
  std::uint16_t protocol = net_mgmt_protocol::kUlap;
  Wide<16> dguid{}; // destination GUID first (Fig. F-2)
  Wide<16> sguid{};

  friend constexpr bool operator==(const NetMgmtHeader&, const NetMgmtHeader&) = default;
};

} // namespace ub::mgmt

namespace ub {

template <>
struct Layout<mgmt::NetMgmtHeader> {
  static constexpr std::string_view kName = "NET_MGMT";
  static constexpr std::string_view kClause = "App. F.2.1";
  static constexpr std::size_t kSize = 34;
  static constexpr auto kFields = std::tuple{
      Field<&mgmt::NetMgmtHeader::protocol, 0, 16>{"Protocol"},
      Field<&mgmt::NetMgmtHeader::dguid, 16, 128>{"DGUID"},
      Field<&mgmt::NetMgmtHeader::sguid, 144, 128>{"SGUID"},
  };
  static constexpr std::optional<FieldIssue> check(const mgmt::NetMgmtHeader& h) noexcept {
    if (!mgmt::is_defined_net_mgmt_protocol(h.protocol)) {
      return FieldIssue{"Protocol", Errc::ReservedValue,
                        "Protocol must be 0x0100-0x0102, 0x0104, 0x0106 or 0x010A-0x0118",
                        h.protocol};
    }
    return std::nullopt;
  }
};

} // namespace ub
