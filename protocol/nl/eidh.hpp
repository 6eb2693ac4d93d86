#pragma once
// Entity ID headers. UB-Base-2.0 App. B.4: EIDH40 (20-bit SEID and DEID, CFG 6) and EIDH256
// (128-bit SEID and DEID, CFG 3/4/7 and virtualised paths).

#include <cstdint>
#include <string_view>
#include <tuple>

#include "protocol/common/field.hpp"

namespace ub::nl {

// UB-Base-2.0 App. B.4: EIDH40, 5 bytes: SEID[19:0] then DEID[19:0].
struct Eidh40 {
  std::uint32_t seid = 0;
  std::uint32_t deid = 0;

  friend constexpr bool operator==(const Eidh40&, const Eidh40&) = default;
};

// UB-Base-2.0 App. B.4: EIDH256, 32 bytes: SEID[127:0] then DEID[127:0].
struct Eidh256 {
  Wide<16> seid{};
  Wide<16> deid{};

  friend constexpr bool operator==(const Eidh256&, const Eidh256&) = default;
};

} // namespace ub::nl

namespace ub {

template <>
struct Layout<nl::Eidh40> {
  static constexpr std::string_view kName = "EIDH40";
  static constexpr std::string_view kClause = "App. B.4";
  static constexpr std::size_t kSize = 5;
  static constexpr auto kFields = std::tuple{
      Field<&nl::Eidh40::seid, 0, 20>{"SEID"},
      Field<&nl::Eidh40::deid, 20, 20>{"DEID"},
  };
};

template <>
struct Layout<nl::Eidh256> {
  static constexpr std::string_view kName = "EIDH256";
  static constexpr std::string_view kClause = "App. B.4";
  static constexpr std::size_t kSize = 32;
  static constexpr auto kFields = std::tuple{
      Field<&nl::Eidh256::seid, 0, 128>{"SEID"},
      Field<&nl::Eidh256::deid, 128, 128>{"DEID"},
  };
};

} // namespace ub
