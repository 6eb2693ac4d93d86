#pragma once
// Network headers addressed by CNA (Component Network Address).
// UB-Base-2.0 §5.2.1 (Fig. 5-2, Table 5-1): 16-bit CNA NTH, used by CFG 6 and CFG 9.
// UB-Base-2.0 §5.2.2 (Fig. 5-3, Table 5-2): 24-bit CNA NTH, used by CFG 7.

#include <cstdint>
#include <optional>
#include <string_view>
#include <tuple>

#include "protocol/common/field.hpp"

namespace ub::nl {

// NTH.NLP codes, Tables 5-1 and 5-2.
namespace nlp {
inline constexpr std::uint8_t kCtph = 0;   // CNA16 (CFG 6), CNA24: a CTPH follows
inline constexpr std::uint8_t kTah = 0;    // CNA16 in CFG 9: the compact TAH follows directly
inline constexpr std::uint8_t kUpih16 = 1; // CNA16 in CFG 6: enumeration (UPIH16, Scan Header)
inline constexpr std::uint8_t kRtph = 2;   // CNA24: an RTPH or UTPH follows
} // namespace nlp

// UB-Base-2.0 §5.2.1 Table 5-1: NTH with 16-bit CNAs, 8 bytes.
struct NthCna16 {
  std::uint16_t scna = 0; // SCNA: source CNA
  std::uint16_t dcna = 0; // DCNA: destination CNA
  std::uint16_t cci = 0;  // CCI: congestion control information (§5.3.5.1; see cci.hpp)
  std::uint8_t lbf = 0;   // LBF: load-balance factor (multipath entropy)
  std::uint8_t sl = 0;    // SL: service level
  bool mgmt = false;      // Mgmt: UBFM privilege in CFG 6; must be 0 in CFG 9
  std::uint8_t nlp = 0;   // NLP: next-layer protocol

  friend constexpr bool operator==(const NthCna16&, const NthCna16&) = default;
};

// UB-Base-2.0 §5.2.2 Table 5-2: NTH with 24-bit CNAs, 10 bytes.
struct NthCna24 {
  std::uint32_t scna = 0;
  std::uint32_t dcna = 0;
  std::uint16_t cci = 0;
  std::uint8_t lbf = 0;
  std::uint8_t sl = 0;
  std::uint8_t rsvd = 0; // byte 9 bit 3
  std::uint8_t nlp = 0;

  friend constexpr bool operator==(const NthCna24&, const NthCna24&) = default;
};

} // namespace ub::nl

namespace ub {

template <>
struct Layout<nl::NthCna16> {
  static constexpr std::string_view kName = "NTH_CNA16";
  static constexpr std::string_view kClause = "§5.2.1";
  static constexpr std::size_t kSize = 8;
  static constexpr auto kFields = std::tuple{
      Field<&nl::NthCna16::scna, 0, 16>{"SCNA"}, Field<&nl::NthCna16::dcna, 16, 16>{"DCNA"},
      Field<&nl::NthCna16::cci, 32, 16>{"CCI"},  Field<&nl::NthCna16::lbf, 48, 8>{"LBF"},
      Field<&nl::NthCna16::sl, 56, 4>{"SL"},     Field<&nl::NthCna16::mgmt, 60, 1>{"Mgmt"},
      Field<&nl::NthCna16::nlp, 61, 3>{"NLP"},
  };
  // NLP 000 and 001 are defined (Table 5-1); the CFG-specific rule (CFG 9 allows only 000) is
  // checked by the packet decoder.
  static constexpr std::optional<FieldIssue> check(const nl::NthCna16& h) noexcept {
    if (h.nlp > 1) {
      return FieldIssue{"NLP", Errc::ReservedValue, "NTH_CNA16 defines NLP 0 and 1 only", h.nlp};
    }
    return std::nullopt;
  }
};

template <>
struct Layout<nl::NthCna24> {
  static constexpr std::string_view kName = "NTH_CNA24";
  static constexpr std::string_view kClause = "§5.2.2";
  static constexpr std::size_t kSize = 10;
  static constexpr auto kFields = std::tuple{
      Field<&nl::NthCna24::scna, 0, 24>{"SCNA"},
      Field<&nl::NthCna24::dcna, 24, 24>{"DCNA"},
      Field<&nl::NthCna24::cci, 48, 16>{"CCI"},
      Field<&nl::NthCna24::lbf, 64, 8>{"LBF"},
      Field<&nl::NthCna24::sl, 72, 4>{"SL"},
      Field<&nl::NthCna24::rsvd, 76, 1>{"RSVD", FieldRole::Reserved},
      Field<&nl::NthCna24::nlp, 77, 3>{"NLP"},
  };
  static constexpr std::optional<FieldIssue> check(const nl::NthCna24& h) noexcept {
    if (h.nlp != nl::nlp::kCtph && h.nlp != nl::nlp::kRtph) {
      return FieldIssue{"NLP", Errc::ReservedValue, "NTH_CNA24 defines NLP 0 (CTPH) and 2 (RTPH)",
                        h.nlp};
    }
    return std::nullopt;
  }
};

} // namespace ub
