#pragma once
// Compact transport header. UB-Base-2.0 §6.2.1 (Fig. 6-10, Table 6-2): CTPH, 1 byte:
// TPOpcode 2 (0 CTP data, 1 CNP), Padding 2, NLP 4 (0 TAH, 1 UPIH32+EIDH256, 2 UPIH16+EIDH40,
// 3 CIPH). CTP has no TP ACKs; only the CNP (App. B.2.7).

#include <cstdint>
#include <optional>
#include <string_view>
#include <tuple>

#include "protocol/common/field.hpp"

namespace ub::tp {

namespace ctp_opcode {
inline constexpr std::uint8_t kData = 0;
inline constexpr std::uint8_t kCnp = 1;
} // namespace ctp_opcode

namespace ctph_nlp {
inline constexpr std::uint8_t kTah = 0;
inline constexpr std::uint8_t kUpi32Eid256 = 1;
inline constexpr std::uint8_t kUpi16Eid40 = 2;
inline constexpr std::uint8_t kCiph = 3;
} // namespace ctph_nlp

struct Ctph {
  std::uint8_t tp_opcode = ctp_opcode::kData;
  std::uint8_t padding = 0;
  std::uint8_t nlp = 0;

  friend constexpr bool operator==(const Ctph&, const Ctph&) = default;
};

} // namespace ub::tp

namespace ub {

template <>
struct Layout<tp::Ctph> {
  static constexpr std::string_view kName = "CTPH";
  static constexpr std::string_view kClause = "§6.2.1";
  static constexpr std::size_t kSize = 1;
  static constexpr auto kFields = std::tuple{
      Field<&tp::Ctph::tp_opcode, 0, 2>{"TPOpcode"},
      Field<&tp::Ctph::padding, 2, 2>{"Padding", FieldRole::Derived},
      Field<&tp::Ctph::nlp, 4, 4>{"NLP"},
  };
  static constexpr std::optional<FieldIssue> check(const tp::Ctph& h) noexcept {
    if (h.tp_opcode > tp::ctp_opcode::kCnp) {
      return FieldIssue{"TPOpcode", Errc::ReservedValue, "CTPH TPOpcode 2 and 3 are reserved",
                        h.tp_opcode};
    }
    if (h.tp_opcode == tp::ctp_opcode::kData && h.nlp > tp::ctph_nlp::kCiph) {
      return FieldIssue{"NLP", Errc::ReservedValue, "CTPH NLP must be 0..3", h.nlp};
    }
    return std::nullopt;
  }
};

} // namespace ub
