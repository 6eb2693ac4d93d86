#pragma once
// Completion statuses of a work request: the A-class errors of UB-Base-2.0 Table 10-12 (§10.6.2),
// which are also the hardware completion entry's status / sub-status pairs, beside the URMA API's
// own numbering of the same outcomes (the public URMA code). One table, so each layer reports in
// its own terms and the mapping between them is written once.

#include <cstdint>
#include <optional>
#include <string_view>

namespace ub::fn {

enum class CqeStatus : std::uint8_t {
  Success,
  UnsupportedOpcode,        // A.1
  LocalLength,              // A.2.1
  LocalAccess,              // A.2.2
  RemoteResponseLength,     // A.2.3
  LocalDataPoison,          // A.2.4
  RemoteUnsupportedRequest, // A.3.1
  RemoteAccessAbort,        // A.3.2
  RemoteDataPoison,         // A.3.3
  TransactionRetryExceeded, // A.4
  TransactionAckTimeout,    // A.5
  Flushed,                  // work requests drained from a Suspend / Error Jetty (URMA)
};

struct CqeStatusInfo {
  CqeStatus status;
  std::string_view name;
  std::string_view spec; // Table 10-12 entry ("" when not an A-class error)
  std::uint8_t hw_status, hw_sub;
  std::uint8_t urma; // URMA completion record status
};

inline constexpr CqeStatusInfo kCqeStatusTable[] = {
    {CqeStatus::Success, "success", "", 0x00, 0, 0},
    {CqeStatus::UnsupportedOpcode, "unsupported opcode", "A.1", 0x01, 0, 1},
    {CqeStatus::LocalLength, "local length error", "A.2.1", 0x02, 1, 2},
    {CqeStatus::LocalAccess, "local access error", "A.2.2", 0x02, 2, 4},
    {CqeStatus::RemoteResponseLength, "remote response length error", "A.2.3", 0x02, 3, 5},
    {CqeStatus::LocalDataPoison, "local data poison", "A.2.4", 0x02, 4, 15},
    {CqeStatus::RemoteUnsupportedRequest, "remote unsupported request", "A.3.1", 0x03, 1, 6},
    {CqeStatus::RemoteAccessAbort, "remote access abort", "A.3.2", 0x03, 2, 8},
    {CqeStatus::RemoteDataPoison, "remote data poison", "A.3.3", 0x03, 4, 16},
    {CqeStatus::TransactionRetryExceeded, "transaction retry counter exceeded", "A.4", 0x04, 0, 10},
    {CqeStatus::TransactionAckTimeout, "transaction ack timeout", "A.5", 0x05, 0, 9},
    {CqeStatus::Flushed, "flushed", "", 0x06, 0, 11},
};

[[nodiscard]] constexpr const CqeStatusInfo& info(CqeStatus s) noexcept {
  return kCqeStatusTable[static_cast<std::size_t>(s)];
}
[[nodiscard]] constexpr std::string_view to_string(CqeStatus s) noexcept {
  return info(s).name;
}
// The status for a URMA completion record code, if one is defined.
[[nodiscard]] constexpr std::optional<CqeStatus> from_urma(std::uint8_t code) noexcept {
  for (const auto& e : kCqeStatusTable) {
    if (e.urma == code) {
      return e.status;
    }
  }
  return std::nullopt;
}

} // namespace ub::fn
