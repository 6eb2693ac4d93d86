#pragma once
// Transport headers of RTP (reliable) and UTP (unreliable) transport.
// UB-Base-2.0 §6.2.1 (Fig. 6-8, Table 6-2): RTPH, 16 bytes.
// UB-Base-2.0 §6.2.1 (Fig. 6-9): UTPH, 16 bytes; its first 16 bits are the RTPH's, and
// TPOpcode[6:0] = 0 tells it apart.

#include <cstdint>
#include <optional>
#include <string_view>
#include <tuple>

#include "protocol/common/field.hpp"

namespace ub::tp {

// TPOpcode[6:0] values, Table 6-2. Bit 7 is the "last packet of the transaction operation"
// flag, meaningful for 0x00 and 0x01 only.
namespace tp_opcode {
inline constexpr std::uint8_t kUtpData = 0x00;
inline constexpr std::uint8_t kRtpData = 0x01;
inline constexpr std::uint8_t kAck = 0x02;      // TPACK / TPNAK (by RSPST)
inline constexpr std::uint8_t kAckCc = 0x03;    // TPACK-CC / TPNAK-CC: CETPH follows
inline constexpr std::uint8_t kSack = 0x05;     // TPSACK: SAETPH follows
inline constexpr std::uint8_t kSackCc = 0x06;   // TPSACK-CC: CETPH, then SAETPH
inline constexpr std::uint8_t kCnp = 0x08;      // CNP: the 16-byte CNP CETPH follows
inline constexpr std::uint8_t kLastFlag = 0x80; // bit 7
} // namespace tp_opcode

[[nodiscard]] constexpr std::uint8_t tp_opcode_base(std::uint8_t op) noexcept {
  return static_cast<std::uint8_t>(op & 0x7F);
}

[[nodiscard]] constexpr bool is_rtph_opcode(std::uint8_t op) noexcept {
  switch (tp_opcode_base(op)) {
  case tp_opcode::kRtpData:
  case tp_opcode::kAck:
  case tp_opcode::kAckCc:
  case tp_opcode::kSack:
  case tp_opcode::kSackCc:
  case tp_opcode::kCnp:
    return true;
  default:
    return false;
  }
}

// RTPH/UTPH NLP for data packets (Table 6-2): 0 TAH, 1 UPIH32 + EIDH256 (then TAH), 3 CIPH.
namespace tph_nlp {
inline constexpr std::uint8_t kTah = 0;
inline constexpr std::uint8_t kUpiEid = 1;
inline constexpr std::uint8_t kCiph = 3;
} // namespace tph_nlp

// RSPST codes of a TP ACK (Table 6-2, §6.4.2).
namespace rspst {
inline constexpr std::uint8_t kAck = 0b000;
inline constexpr std::uint8_t kRnr = 0b001;
inline constexpr std::uint8_t kPageFault = 0b010;
inline constexpr std::uint8_t kError = 0b011; // PSN error (TPNAK), UR, Remote Abort
inline constexpr std::uint8_t kTaAck = 0b101; // TPACK carrying a TA ack (ROL)
} // namespace rspst

// UB-Base-2.0 §6.2.1 Table 6-2: RTPH, 16 bytes.
struct Rtph {
  std::uint8_t tp_opcode = tp_opcode::kRtpData; // TPOpcode[7:0]
  std::uint8_t tp_ver = 0;                      // TPVer
  std::uint8_t padding = 0;  // Padding: zero bytes appended so NTH..payload is 4-byte aligned
  std::uint8_t nlp = 0;      // NLP: next header of a data packet
  std::uint32_t src_tpn = 0; // SrcTPN[23:0]
  std::uint32_t dst_tpn = 0; // DstTPN[23:0]
  bool a = false;            // A: acknowledge this packet now
  bool f = false;            // F: fake (keep-alive) packet
  std::uint8_t rsvd = 0;     // 6 bits
  std::uint32_t psn = 0;     // PSN[23:0]
  std::uint8_t rspst = 0;    // RSPST[2:0] (ACKs)
  std::uint8_t rspinfo = 0;  // RSPINFO[4:0] (ACKs)
  std::uint32_t tpmsn = 0;   // TPMSN[23:0]

  [[nodiscard]] constexpr bool last() const noexcept {
    return (tp_opcode & tp_opcode::kLastFlag) != 0;
  }
  friend constexpr bool operator==(const Rtph&, const Rtph&) = default;
};

// UB-Base-2.0 §6.2.1 Fig. 6-9: UTPH, 16 bytes: TPOpcode (with [6:0] = 0), TPVer, Padding, NLP,
// then 14 reserved bytes.
struct Utph {
  std::uint8_t tp_opcode = tp_opcode::kUtpData;
  std::uint8_t tp_ver = 0;
  std::uint8_t padding = 0;
  std::uint8_t nlp = 0;
  Wide<14> rsvd{};

  friend constexpr bool operator==(const Utph&, const Utph&) = default;
};

} // namespace ub::tp

namespace ub {

template <>
struct Layout<tp::Rtph> {
  static constexpr std::string_view kName = "RTPH";
  static constexpr std::string_view kClause = "§6.2.1";
  static constexpr std::size_t kSize = 16;
  static constexpr auto kFields = std::tuple{
      Field<&tp::Rtph::tp_opcode, 0, 8>{"TPOpcode"},
      Field<&tp::Rtph::tp_ver, 8, 2>{"TPVer"},
      Field<&tp::Rtph::padding, 10, 2>{"Padding", FieldRole::Derived},
      Field<&tp::Rtph::nlp, 12, 4>{"NLP"},
      Field<&tp::Rtph::src_tpn, 16, 24>{"SrcTPN"},
      Field<&tp::Rtph::dst_tpn, 40, 24>{"DstTPN"},
      Field<&tp::Rtph::a, 64, 1>{"A"},
      Field<&tp::Rtph::f, 65, 1>{"F"},
      Field<&tp::Rtph::rsvd, 66, 6>{"RSVD", FieldRole::Reserved},
      Field<&tp::Rtph::psn, 72, 24>{"PSN"},
      Field<&tp::Rtph::rspst, 96, 3>{"RSPST"},
      Field<&tp::Rtph::rspinfo, 99, 5>{"RSPINFO"},
      Field<&tp::Rtph::tpmsn, 104, 24>{"TPMSN"},
  };
  static constexpr std::optional<FieldIssue> check(const tp::Rtph& h) noexcept {
    if (!tp::is_rtph_opcode(h.tp_opcode)) {
      return FieldIssue{"TPOpcode", Errc::ReservedValue,
                        "RTPH TPOpcode[6:0] must be 0x01, 0x02, 0x03, 0x05, 0x06 or 0x08",
                        h.tp_opcode};
    }
    if (tp::tp_opcode_base(h.tp_opcode) == tp::tp_opcode::kRtpData && h.nlp != tp::tph_nlp::kTah &&
        h.nlp != tp::tph_nlp::kUpiEid && h.nlp != tp::tph_nlp::kCiph) {
      return FieldIssue{"NLP", Errc::ReservedValue, "data packet NLP must be 0, 1 or 3", h.nlp};
    }
    if (h.rspst == 0b100 || h.rspst >= 0b110) {
      return FieldIssue{"RSPST", Errc::ReservedValue, "RSPST 100, 110 and 111 are reserved",
                        h.rspst};
    }
    return std::nullopt;
  }
};

template <>
struct Layout<tp::Utph> {
  static constexpr std::string_view kName = "UTPH";
  static constexpr std::string_view kClause = "§6.2.1";
  static constexpr std::size_t kSize = 16;
  static constexpr auto kFields = std::tuple{
      Field<&tp::Utph::tp_opcode, 0, 8>{"TPOpcode"},
      Field<&tp::Utph::tp_ver, 8, 2>{"TPVer"},
      Field<&tp::Utph::padding, 10, 2>{"Padding", FieldRole::Derived},
      Field<&tp::Utph::nlp, 12, 4>{"NLP"},
      Field<&tp::Utph::rsvd, 16, 112>{"RSVD", FieldRole::Reserved},
  };
  static constexpr std::optional<FieldIssue> check(const tp::Utph& h) noexcept {
    if (tp::tp_opcode_base(h.tp_opcode) != tp::tp_opcode::kUtpData) {
      return FieldIssue{"TPOpcode", Errc::ReservedValue, "UTPH TPOpcode[6:0] must be 0",
                        h.tp_opcode};
    }
    if (h.nlp != tp::tph_nlp::kTah && h.nlp != tp::tph_nlp::kUpiEid &&
        h.nlp != tp::tph_nlp::kCiph) {
      return FieldIssue{"NLP", Errc::ReservedValue, "UTPH NLP must be 0, 1 or 3", h.nlp};
    }
    return std::nullopt;
  }
};

} // namespace ub
