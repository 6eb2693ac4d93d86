#pragma once
// Transaction extension headers. UB-Base-2.0 §7.2.3-§7.2.12:
//   MAETAH (§7.2.3, Fig. 7-6)          Address 64, RSVD 4, TokenID 20, RSVD 8, Length 32
//   MAETAH_COMPACT (§7.2.3, Fig. 7-7)  Address[63:6] 58, Affinity_hint 2, SO 1, Length 3,
//                                      RSVD 12, TokenID 20 (TokenID in the low 20 bits: read
//                                      from the figure's label positions; see spec-coverage.md)
//   MTETAH (§7.2.4)   Hint 8, RSVD 2, TGT_TC_Type 2, TGT_TC_ID 20
//   TVETAH (§7.2.5)   TokenValue 32
//   TAIDETAH (§7.2.6) RSVD 16, TAID 16
//   OFSTETAH (§7.2.7) RSVD 8, Offset 24 (1 KB units)
//   IMMETAH (§7.2.8)  Immediate_Data 64, Immediate_TokenValue 32, Msg_Length 32
//   NTFETAH (§7.2.9)  Address 64, RSVD 4, Notify_TokenID 20, RSVD 8, Notify_TokenValue 32,
//                     Notify_Data 64
//   UDETAH (§7.2.11)  UD 32 (UD[23:20] = Atomic_store/Atomic_load sub-operation)
//   MGMTETAH (§7.2.12, §10.4.3.3 Table 10-10) Sub_Code 4, Code 3, Rsp 1, Status 8, RSVD 4,
//                     PDU_Length 12
// BEETAH (§7.2.10) has a variable width and lives in beetah.hpp.

#include <cstdint>
#include <optional>
#include <string_view>
#include <tuple>

#include "protocol/common/field.hpp"

namespace ub::ta {

struct Maetah {
  std::uint64_t address = 0;
  std::uint8_t rsvd = 0;
  std::uint32_t token_id = 0; // TokenID[19:0]: index of the target memory segment's token
  std::uint8_t rsvd2 = 0;
  std::uint32_t length = 0; // bytes of this slice

  friend constexpr bool operator==(const Maetah&, const Maetah&) = default;
};

struct MaetahCompact {
  std::uint64_t address_63_6 = 0; // Address[63:6]; Address[5:0] is 0
  std::uint8_t affinity_hint = 0;
  bool so = false;         // SO: 0 RO, 1 SO
  std::uint8_t length = 0; // data length = 64 B x 2^Length (0..7: 64 B .. 8 KB)
  std::uint16_t rsvd = 0;
  std::uint32_t token_id = 0;

  [[nodiscard]] constexpr std::uint64_t address() const noexcept { return address_63_6 << 6; }
  [[nodiscard]] constexpr std::uint32_t length_bytes() const noexcept { return 64U << length; }
  friend constexpr bool operator==(const MaetahCompact&, const MaetahCompact&) = default;
};

struct Mtetah {
  std::uint8_t hint = 0;
  std::uint8_t rsvd = 0;
  std::uint8_t tgt_tc_type = 0; // 00/01 TC, 10 TC Group, 11 reserved
  std::uint32_t tgt_tc_id = 0;

  friend constexpr bool operator==(const Mtetah&, const Mtetah&) = default;
};

struct Tvetah {
  std::uint32_t token_value = 0;
  friend constexpr bool operator==(const Tvetah&, const Tvetah&) = default;
};

struct Taidetah {
  std::uint16_t rsvd = 0;
  std::uint16_t taid = 0;
  friend constexpr bool operator==(const Taidetah&, const Taidetah&) = default;
};

struct Ofstetah {
  std::uint8_t rsvd = 0;
  std::uint32_t offset = 0; // in 1 KB units
  friend constexpr bool operator==(const Ofstetah&, const Ofstetah&) = default;
};

struct Immetah {
  std::uint64_t immediate_data = 0;
  std::uint32_t immediate_token_value = 0; // Write_with_immediate only
  std::uint32_t msg_length = 0;            // Write_with_immediate only
  friend constexpr bool operator==(const Immetah&, const Immetah&) = default;
};

struct Ntfetah {
  std::uint64_t address = 0;
  std::uint8_t rsvd = 0;
  std::uint32_t notify_token_id = 0;
  std::uint8_t rsvd2 = 0;
  std::uint32_t notify_token_value = 0;
  std::uint64_t notify_data = 0;
  friend constexpr bool operator==(const Ntfetah&, const Ntfetah&) = default;
};

struct Udetah {
  std::uint32_t ud = 0;
  [[nodiscard]] constexpr std::uint8_t atomic_subop() const noexcept {
    return static_cast<std::uint8_t>((ud >> 20) & 0xF);
  }
  friend constexpr bool operator==(const Udetah&, const Udetah&) = default;
};

struct Mgmtetah {
  std::uint8_t sub_code = 0;
  std::uint8_t code = 0;   // 000 error message .. 110 pooled resource; 111 reserved
  bool rsp = false;        // 0 request, 1 response
  std::uint8_t status = 0; // valid when Rsp = 1 (§10.4.3.1 error codes)
  std::uint8_t rsvd = 0;
  std::uint16_t pdu_length = 0; // bytes, 0..1024
  friend constexpr bool operator==(const Mgmtetah&, const Mgmtetah&) = default;
};

} // namespace ub::ta

namespace ub {

template <>
struct Layout<ta::Maetah> {
  static constexpr std::string_view kName = "MAETAH";
  static constexpr std::string_view kClause = "§7.2.3";
  static constexpr std::size_t kSize = 16;
  static constexpr auto kFields = std::tuple{
      Field<&ta::Maetah::address, 0, 64>{"Address"},
      Field<&ta::Maetah::rsvd, 64, 4>{"RSVD", FieldRole::Reserved},
      Field<&ta::Maetah::token_id, 68, 20>{"TokenID"},
      Field<&ta::Maetah::rsvd2, 88, 8>{"RSVD2", FieldRole::Reserved},
      Field<&ta::Maetah::length, 96, 32>{"Length"},
  };
};

template <>
struct Layout<ta::MaetahCompact> {
  static constexpr std::string_view kName = "MAETAH_COMPACT";
  static constexpr std::string_view kClause = "§7.2.3";
  static constexpr std::size_t kSize = 12;
  static constexpr auto kFields = std::tuple{
      Field<&ta::MaetahCompact::address_63_6, 0, 58>{"Address"},
      Field<&ta::MaetahCompact::affinity_hint, 58, 2>{"Affinity_hint"},
      Field<&ta::MaetahCompact::so, 60, 1>{"SO"},
      Field<&ta::MaetahCompact::length, 61, 3>{"Length"},
      Field<&ta::MaetahCompact::rsvd, 64, 12>{"RSVD", FieldRole::Reserved},
      Field<&ta::MaetahCompact::token_id, 76, 20>{"TokenID"},
  };
};

template <>
struct Layout<ta::Mtetah> {
  static constexpr std::string_view kName = "MTETAH";
  static constexpr std::string_view kClause = "§7.2.4";
  static constexpr std::size_t kSize = 4;
  static constexpr auto kFields = std::tuple{
      Field<&ta::Mtetah::hint, 0, 8>{"Hint"},
      Field<&ta::Mtetah::rsvd, 8, 2>{"RSVD", FieldRole::Reserved},
      Field<&ta::Mtetah::tgt_tc_type, 10, 2>{"TGT_TC_Type"},
      Field<&ta::Mtetah::tgt_tc_id, 12, 20>{"TGT_TC_ID"},
  };
  static constexpr std::optional<FieldIssue> check(const ta::Mtetah& h) noexcept {
    if (h.tgt_tc_type == 0b11) {
      return FieldIssue{"TGT_TC_Type", Errc::ReservedValue, "TGT_TC_Type 11 is reserved",
                        h.tgt_tc_type};
    }
    return std::nullopt;
  }
};

template <>
struct Layout<ta::Tvetah> {
  static constexpr std::string_view kName = "TVETAH";
  static constexpr std::string_view kClause = "§7.2.5";
  static constexpr std::size_t kSize = 4;
  static constexpr auto kFields = std::tuple{Field<&ta::Tvetah::token_value, 0, 32>{"TokenValue"}};
};

template <>
struct Layout<ta::Taidetah> {
  static constexpr std::string_view kName = "TAIDETAH";
  static constexpr std::string_view kClause = "§7.2.6";
  static constexpr std::size_t kSize = 4;
  static constexpr auto kFields = std::tuple{
      Field<&ta::Taidetah::rsvd, 0, 16>{"RSVD", FieldRole::Reserved},
      Field<&ta::Taidetah::taid, 16, 16>{"TAID"},
  };
};

template <>
struct Layout<ta::Ofstetah> {
  static constexpr std::string_view kName = "OFSTETAH";
  static constexpr std::string_view kClause = "§7.2.7";
  static constexpr std::size_t kSize = 4;
  static constexpr auto kFields = std::tuple{
      Field<&ta::Ofstetah::rsvd, 0, 8>{"RSVD", FieldRole::Reserved},
      Field<&ta::Ofstetah::offset, 8, 24>{"Offset"},
  };
};

template <>
struct Layout<ta::Immetah> {
  static constexpr std::string_view kName = "IMMETAH";
  static constexpr std::string_view kClause = "§7.2.8";
  static constexpr std::size_t kSize = 16;
  static constexpr auto kFields = std::tuple{
      Field<&ta::Immetah::immediate_data, 0, 64>{"Immediate_Data"},
      Field<&ta::Immetah::immediate_token_value, 64, 32>{"Immediate_TokenValue"},
      Field<&ta::Immetah::msg_length, 96, 32>{"Msg_Length"},
  };
};

template <>
struct Layout<ta::Ntfetah> {
  static constexpr std::string_view kName = "NTFETAH";
  static constexpr std::string_view kClause = "§7.2.9";
  static constexpr std::size_t kSize = 24;
  static constexpr auto kFields = std::tuple{
      Field<&ta::Ntfetah::address, 0, 64>{"Address"},
      Field<&ta::Ntfetah::rsvd, 64, 4>{"RSVD", FieldRole::Reserved},
      Field<&ta::Ntfetah::notify_token_id, 68, 20>{"Notify_TokenID"},
      Field<&ta::Ntfetah::rsvd2, 88, 8>{"RSVD2", FieldRole::Reserved},
      Field<&ta::Ntfetah::notify_token_value, 96, 32>{"Notify_TokenValue"},
      Field<&ta::Ntfetah::notify_data, 128, 64>{"Notify_Data"},
  };
};

template <>
struct Layout<ta::Udetah> {
  static constexpr std::string_view kName = "UDETAH";
  static constexpr std::string_view kClause = "§7.2.11";
  static constexpr std::size_t kSize = 4;
  static constexpr auto kFields = std::tuple{Field<&ta::Udetah::ud, 0, 32>{"UD"}};
};

template <>
struct Layout<ta::Mgmtetah> {
  static constexpr std::string_view kName = "MGMTETAH";
  static constexpr std::string_view kClause = "§7.2.12";
  static constexpr std::size_t kSize = 4;
  static constexpr auto kFields = std::tuple{
      Field<&ta::Mgmtetah::sub_code, 0, 4>{"Sub_Code"},
      Field<&ta::Mgmtetah::code, 4, 3>{"Code"},
      Field<&ta::Mgmtetah::rsp, 7, 1>{"Rsp"},
      Field<&ta::Mgmtetah::status, 8, 8>{"Status"},
      Field<&ta::Mgmtetah::rsvd, 16, 4>{"RSVD", FieldRole::Reserved},
      Field<&ta::Mgmtetah::pdu_length, 20, 12>{"PDU_Length", FieldRole::Derived},
  };
  static constexpr std::optional<FieldIssue> check(const ta::Mgmtetah& h) noexcept {
    if (h.code == 0b111) {
      return FieldIssue{"Code", Errc::ReservedValue, "MGMTETAH Code 111 is reserved", h.code};
    }
    if (h.pdu_length > 1024) {
      return FieldIssue{"PDU_Length", Errc::ReservedValue, "a management PDU is at most 1024 bytes",
                        h.pdu_length};
    }
    return std::nullopt;
  }
};

} // namespace ub
