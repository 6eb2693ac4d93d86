#pragma once
// Base and acknowledge transaction headers. UB-Base-2.0 §7.2.1 (Figs. 7-1..7-4, Tables 7-1, 7-3):
//   BTAH (8 bytes) carries every request; BTAH_COMPACT is its first 32 bits, used iff CFG = 9.
//   ATAH (8 bytes) carries every response (Transaction_ACK, Read_response, Atomic_response);
//   ATAH_COMPACT (4 bytes) is its CFG 9 form, with a 2-bit Status in the full form's reserved
//   slot.

#include <cstdint>
#include <optional>
#include <string_view>
#include <tuple>

#include "protocol/common/field.hpp"
#include "protocol/ta/ta_opcode.hpp"

namespace ub::ta {

// ODR[1:0] execution order (§7.3.3): 00 NO, 01 RO, 10 SO, 11 reserved. ODR[2]: completion order.
namespace odr {
inline constexpr std::uint8_t kNo = 0b00;
inline constexpr std::uint8_t kRo = 0b01;
inline constexpr std::uint8_t kSo = 0b10;
inline constexpr std::uint8_t kCompletionOrder = 0b100;
} // namespace odr

// ATAH RSPST (Table 7-3): 000 success, 001 RNR, 010 page fault, 011 target error,
// 101 accepted but not yet persisted; 100, 110, 111 reserved.
namespace ta_rspst {
inline constexpr std::uint8_t kSuccess = 0b000;
inline constexpr std::uint8_t kRnr = 0b001;
inline constexpr std::uint8_t kPageFault = 0b010;
inline constexpr std::uint8_t kTargetError = 0b011;
inline constexpr std::uint8_t kNotPersisted = 0b101;
} // namespace ta_rspst

struct Btah {
  std::uint8_t ta_opcode = 0;  // TAOpcode
  std::uint8_t ta_ver = 0;     // TAver
  std::uint8_t ee_bits = 0b01; // EE_bits: 01 Non-TEE, 11 TEE; 00 and 10 reserved
  bool tv_en = false;          // TV_EN: a TVETAH follows (token check)
  bool poison = false;         // Poison
  bool target_hint = false;    // Target_Hint
  bool ud_flag = false;        // UD_Flag: a UDETAH follows
  std::uint16_t ini_tassn = 0; // INI_TASSN
  // Full form only (second word):
  bool no_taack = false; // No_TAACK (CTP + ROL)
  std::uint8_t odr = 0;  // ODR[2:0]
  bool mt_en = false;    // MT_EN: an MTETAH follows
  bool fce = false;      // FCE
  bool retry = false;    // Retry: this is a retransmitted request
  bool alloc = false;    // Alloc: request a ROT sequence context
  std::uint8_t rsvd = 0;
  bool e_bit = false;           // E_bit
  std::uint8_t ini_rc_type = 0; // INI_RC_Type
  std::uint32_t ini_rc_id = 0;  // INI_RC_ID[19:0]

  friend constexpr bool operator==(const Btah&, const Btah&) = default;
};

// The compact BTAH is a distinct header type (CFG 9) with the first word's fields.
struct BtahCompact {
  std::uint8_t ta_opcode = 0;
  std::uint8_t ta_ver = 0;
  std::uint8_t ee_bits = 0b01;
  bool tv_en = false;
  bool poison = false;
  bool target_hint = false;
  bool ud_flag = false;
  std::uint16_t ini_tassn = 0;

  friend constexpr bool operator==(const BtahCompact&, const BtahCompact&) = default;
};

struct Atah {
  std::uint8_t ta_opcode = 0x11;
  std::uint8_t ta_ver = 0;
  std::uint8_t rsvd = 0; // the compact form's Status slot
  bool sv = false;       // SV: INI_TASSN carries a newly granted SCID
  bool poison = false;
  std::uint8_t rsvd2 = 0;
  std::uint16_t ini_tassn = 0;
  std::uint8_t rspst = 0;   // RSPST
  std::uint8_t rspinfo = 0; // RSPINFO
  std::uint8_t rsvd3 = 0;
  std::uint8_t ini_rc_type = 0;
  std::uint32_t ini_rc_id = 0;

  friend constexpr bool operator==(const Atah&, const Atah&) = default;
};

struct AtahCompact {
  std::uint8_t ta_opcode = 0x11;
  std::uint8_t ta_ver = 0;
  std::uint8_t status = 0; // Status: 00 completed, 01 authorisation failed, 10/11 reserved
  std::uint8_t rsvd = 0;
  bool poison = false;
  std::uint8_t rsvd2 = 0;
  std::uint16_t ini_tassn = 0;

  friend constexpr bool operator==(const AtahCompact&, const AtahCompact&) = default;
};

// Shared checks on TAOpcode.
[[nodiscard]] constexpr std::optional<FieldIssue> check_request_opcode(std::uint8_t op) noexcept {
  const auto info = ta_opcode_info(op);
  if (!info) {
    return FieldIssue{"TAOpcode", Errc::ReservedValue, "reserved TAOpcode (0x02, 0x16, 0x19..0xFF)",
                      op};
  }
  if (info->response) {
    return FieldIssue{"TAOpcode", Errc::NotAllowed, "a response opcode is carried by the ATAH", op};
  }
  return std::nullopt;
}

// EE_bits (Table 7-1): 01 Non-TEE, 11 TEE; 00 and 10 are reserved.
[[nodiscard]] constexpr std::optional<FieldIssue> check_ee_bits(std::uint8_t ee) noexcept {
  if (ee != 0b01 && ee != 0b11) {
    return FieldIssue{"EE_bits", Errc::ReservedValue, "EE_bits 00 and 10 are reserved", ee};
  }
  return std::nullopt;
}

[[nodiscard]] constexpr std::optional<FieldIssue> check_response_opcode(std::uint8_t op) noexcept {
  const auto info = ta_opcode_info(op);
  if (!info) {
    return FieldIssue{"TAOpcode", Errc::ReservedValue, "reserved TAOpcode (0x02, 0x16, 0x19..0xFF)",
                      op};
  }
  if (!info->response) {
    return FieldIssue{"TAOpcode", Errc::NotAllowed,
                      "the ATAH carries 0x11, 0x12 or 0x13 only (requests use the BTAH)", op};
  }
  return std::nullopt;
}

} // namespace ub::ta

namespace ub {

template <>
struct Layout<ta::Btah> {
  static constexpr std::string_view kName = "BTAH";
  static constexpr std::string_view kClause = "§7.2.1";
  static constexpr std::size_t kSize = 8;
  static constexpr auto kFields = std::tuple{
      Field<&ta::Btah::ta_opcode, 0, 8>{"TAOpcode"},
      Field<&ta::Btah::ta_ver, 8, 2>{"TAver"},
      Field<&ta::Btah::ee_bits, 10, 2>{"EE_bits"},
      Field<&ta::Btah::tv_en, 12, 1>{"TV_EN"},
      Field<&ta::Btah::poison, 13, 1>{"Poison"},
      Field<&ta::Btah::target_hint, 14, 1>{"Target_Hint"},
      Field<&ta::Btah::ud_flag, 15, 1>{"UD_Flag"},
      Field<&ta::Btah::ini_tassn, 16, 16>{"INI_TASSN"},
      Field<&ta::Btah::no_taack, 32, 1>{"No_TAACK"},
      Field<&ta::Btah::odr, 33, 3>{"ODR"},
      Field<&ta::Btah::mt_en, 36, 1>{"MT_EN"},
      Field<&ta::Btah::fce, 37, 1>{"FCE"},
      Field<&ta::Btah::retry, 38, 1>{"Retry"},
      Field<&ta::Btah::alloc, 39, 1>{"Alloc"},
      Field<&ta::Btah::rsvd, 40, 1>{"RSVD", FieldRole::Reserved},
      Field<&ta::Btah::e_bit, 41, 1>{"E_bit"},
      Field<&ta::Btah::ini_rc_type, 42, 2>{"INI_RC_Type"},
      Field<&ta::Btah::ini_rc_id, 44, 20>{"INI_RC_ID"},
  };
  static constexpr std::optional<FieldIssue> check(const ta::Btah& h) noexcept {
    if (auto issue = ta::check_request_opcode(h.ta_opcode)) {
      return issue;
    }
    if (auto issue = ta::check_ee_bits(h.ee_bits)) {
      return issue;
    }
    if ((h.odr & 0b11) == 0b11) {
      return FieldIssue{"ODR", Errc::ReservedValue, "ODR[1:0] = 11 is reserved", h.odr};
    }
    if (h.ini_rc_type == 0b11) {
      return FieldIssue{"INI_RC_Type", Errc::ReservedValue, "INI_RC_Type 11 is reserved",
                        h.ini_rc_type};
    }
    return std::nullopt;
  }
};

template <>
struct Layout<ta::BtahCompact> {
  static constexpr std::string_view kName = "BTAH_COMPACT";
  static constexpr std::string_view kClause = "§7.2.1";
  static constexpr std::size_t kSize = 4;
  static constexpr auto kFields = std::tuple{
      Field<&ta::BtahCompact::ta_opcode, 0, 8>{"TAOpcode"},
      Field<&ta::BtahCompact::ta_ver, 8, 2>{"TAver"},
      Field<&ta::BtahCompact::ee_bits, 10, 2>{"EE_bits"},
      Field<&ta::BtahCompact::tv_en, 12, 1>{"TV_EN"},
      Field<&ta::BtahCompact::poison, 13, 1>{"Poison"},
      Field<&ta::BtahCompact::target_hint, 14, 1>{"Target_Hint"},
      Field<&ta::BtahCompact::ud_flag, 15, 1>{"UD_Flag"},
      Field<&ta::BtahCompact::ini_tassn, 16, 16>{"INI_TASSN"},
  };
  static constexpr std::optional<FieldIssue> check(const ta::BtahCompact& h) noexcept {
    if (auto issue = ta::check_request_opcode(h.ta_opcode)) {
      return issue;
    }
    if (auto issue = ta::check_ee_bits(h.ee_bits)) {
      return issue;
    }
    if (!ta::ta_opcode_info(h.ta_opcode)->compact_allowed) {
      return FieldIssue{"TAOpcode", Errc::NotAllowed,
                        "opcode not allowed in the compact (CFG 9) format (App. B.2.6)",
                        h.ta_opcode};
    }
    return std::nullopt;
  }
};

template <>
struct Layout<ta::Atah> {
  static constexpr std::string_view kName = "ATAH";
  static constexpr std::string_view kClause = "§7.2.2";
  static constexpr std::size_t kSize = 8;
  static constexpr auto kFields = std::tuple{
      Field<&ta::Atah::ta_opcode, 0, 8>{"TAOpcode"},
      Field<&ta::Atah::ta_ver, 8, 2>{"TAver"},
      Field<&ta::Atah::rsvd, 10, 2>{"RSVD", FieldRole::Reserved},
      Field<&ta::Atah::sv, 12, 1>{"SV"},
      Field<&ta::Atah::poison, 13, 1>{"Poison"},
      Field<&ta::Atah::rsvd2, 14, 2>{"RSVD2", FieldRole::Reserved},
      Field<&ta::Atah::ini_tassn, 16, 16>{"INI_TASSN"},
      Field<&ta::Atah::rspst, 32, 3>{"RSPST"},
      Field<&ta::Atah::rspinfo, 35, 5>{"RSPINFO"},
      Field<&ta::Atah::rsvd3, 40, 2>{"RSVD3", FieldRole::Reserved},
      Field<&ta::Atah::ini_rc_type, 42, 2>{"INI_RC_Type"},
      Field<&ta::Atah::ini_rc_id, 44, 20>{"INI_RC_ID"},
  };
  static constexpr std::optional<FieldIssue> check(const ta::Atah& h) noexcept {
    if (auto issue = ta::check_response_opcode(h.ta_opcode)) {
      return issue;
    }
    if (h.rspst == 0b100 || h.rspst >= 0b110) {
      return FieldIssue{"RSPST", Errc::ReservedValue, "RSPST 100, 110 and 111 are reserved",
                        h.rspst};
    }
    if (h.ini_rc_type == 0b11) {
      return FieldIssue{"INI_RC_Type", Errc::ReservedValue, "INI_RC_Type 11 is reserved",
                        h.ini_rc_type};
    }
    return std::nullopt;
  }
};

template <>
struct Layout<ta::AtahCompact> {
  static constexpr std::string_view kName = "ATAH_COMPACT";
  static constexpr std::string_view kClause = "§7.2.2";
  static constexpr std::size_t kSize = 4;
  static constexpr auto kFields = std::tuple{
      Field<&ta::AtahCompact::ta_opcode, 0, 8>{"TAOpcode"},
      Field<&ta::AtahCompact::ta_ver, 8, 2>{"TAver"},
      Field<&ta::AtahCompact::status, 10, 2>{"Status"},
      Field<&ta::AtahCompact::rsvd, 12, 1>{"RSVD", FieldRole::Reserved},
      Field<&ta::AtahCompact::poison, 13, 1>{"Poison"},
      Field<&ta::AtahCompact::rsvd2, 14, 2>{"RSVD2", FieldRole::Reserved},
      Field<&ta::AtahCompact::ini_tassn, 16, 16>{"INI_TASSN"},
  };
  static constexpr std::optional<FieldIssue> check(const ta::AtahCompact& h) noexcept {
    if (auto issue = ta::check_response_opcode(h.ta_opcode)) {
      return issue;
    }
    if (h.status >= 2) {
      return FieldIssue{"Status", Errc::ReservedValue, "Status 10 and 11 are reserved", h.status};
    }
    return std::nullopt;
  }
};

} // namespace ub
