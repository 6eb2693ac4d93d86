#pragma once
// UPI headers: the User Partition Identifier that scopes an EID.
// UB-Base-2.0 App. B.3: UPIH16 (bit 15 reserved, UPI[14:0]; 0x7FFF is the UBFM's) and UPIH32
// (UPI[31:24] reserved, UPI[23:0]).

#include <cstdint>
#include <string_view>
#include <tuple>

#include "protocol/common/field.hpp"

namespace ub::nl {

inline constexpr std::uint16_t kUbfmUpi = 0x7FFF; // §10.4.3.1: the UPI reserved for the UBFM

// UB-Base-2.0 App. B.3: 16-bit UPIH, 2 bytes (CFG 6).
struct Upih16 {
  std::uint8_t rsvd = 0;
  std::uint16_t upi = 0; // UPI[14:0]

  friend constexpr bool operator==(const Upih16&, const Upih16&) = default;
};

// UB-Base-2.0 App. B.3: 32-bit UPIH, 4 bytes (CFG 3/4/7).
struct Upih32 {
  std::uint8_t rsvd = 0;
  std::uint32_t upi = 0; // UPI[23:0]

  friend constexpr bool operator==(const Upih32&, const Upih32&) = default;
};

} // namespace ub::nl

namespace ub {

template <>
struct Layout<nl::Upih16> {
  static constexpr std::string_view kName = "UPIH16";
  static constexpr std::string_view kClause = "App. B.3";
  static constexpr std::size_t kSize = 2;
  static constexpr auto kFields = std::tuple{
      Field<&nl::Upih16::rsvd, 0, 1>{"RSVD", FieldRole::Reserved},
      Field<&nl::Upih16::upi, 1, 15>{"UPI"},
  };
};

template <>
struct Layout<nl::Upih32> {
  static constexpr std::string_view kName = "UPIH32";
  static constexpr std::string_view kClause = "App. B.3";
  static constexpr std::size_t kSize = 4;
  static constexpr auto kFields = std::tuple{
      Field<&nl::Upih32::rsvd, 0, 8>{"RSVD", FieldRole::Reserved},
      Field<&nl::Upih32::upi, 8, 24>{"UPI"},
  };
};

} // namespace ub
