#pragma once
// CCI: the 16-bit congestion control information carried in every NTH.
// UB-Base-2.0 §5.3.5.1 (and §5.2 Figs. 5-2..5-4): a 3-bit Mode, then one of three forms:
//   Mode 000 CAQM:      Mode 3, Loc 1, RSVD 1, Enable 1, C 1, I 1, Hint 8
//   Mode 010 FECN_RTT:  Mode 3, Loc 1, Timestamp 10, FECN 2
//   Mode 100 FECN:      Mode 3, Loc 1, RSVD 10, FECN 2
// Other modes are reserved.

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <tuple>

#include "protocol/common/field.hpp"

namespace ub::nl {

namespace cci_mode {
inline constexpr std::uint8_t kCaqm = 0b000;
inline constexpr std::uint8_t kFecnRtt = 0b010;
inline constexpr std::uint8_t kFecn = 0b100;
} // namespace cci_mode

// FECN codes, §5.3.5.1. Severity order for marking is none < mild < severe (§5.3.5.2).
namespace fecn {
inline constexpr std::uint8_t kNotMarkable = 0b00;
inline constexpr std::uint8_t kMild = 0b01;
inline constexpr std::uint8_t kNone = 0b10;
inline constexpr std::uint8_t kSevere = 0b11;
} // namespace fecn

[[nodiscard]] constexpr bool is_defined_cci_mode(std::uint8_t mode) noexcept {
  return mode == cci_mode::kCaqm || mode == cci_mode::kFecnRtt || mode == cci_mode::kFecn;
}

// The three forms share one struct; only the members of the current Mode are on the wire, and
// encoding refuses a non-zero member that the Mode does not carry.
struct Cci {
  std::uint8_t mode = cci_mode::kCaqm; // Mode[2:0] (all-zero CCI = CAQM form, all clear)
  bool loc = false;                    // Loc: 1 = marked at the receiver-edge (last-hop) switch
  std::uint16_t rsvd = 0;              // CAQM: 1 reserved bit; FECN: 10 reserved bits
  bool enable = false;                 // CAQM Enable: CAQM in use
  bool c = false;                      // CAQM C: congestion seen on the path
  bool i = false;                      // CAQM I: increase requested / still granted
  std::uint8_t hint = 0;       // CAQM Hint: requested increase (or switch congestion degree)
  std::uint16_t timestamp = 0; // FECN_RTT Timestamp[9:0]
  std::uint8_t fecn = 0;       // FECN[1:0] in modes 010 and 100

  friend constexpr bool operator==(const Cci&, const Cci&) = default;
};

// The raw 16-bit value, without checks (Mode reserved values are kept as they are).
[[nodiscard]] Cci unpack_cci(std::uint16_t raw) noexcept;
[[nodiscard]] std::uint16_t pack_cci(const Cci& c) noexcept;

} // namespace ub::nl

namespace ub {

template <>
struct Codec<nl::Cci> {
  static constexpr std::string_view kName = "CCI";
  static constexpr std::string_view kClause = "§5.3.5.1";
  static constexpr std::size_t kSize = 2;

  [[nodiscard]] static Result<nl::Cci> decode(std::span<const Byte> in) noexcept;
  [[nodiscard]] static std::size_t size(const nl::Cci&) noexcept { return kSize; }
  [[nodiscard]] static Status validate(const nl::Cci& c) noexcept;
  [[nodiscard]] static Result<std::size_t> encode(const nl::Cci& c, std::span<Byte> out) noexcept;
  [[nodiscard]] static Status set(nl::Cci& c, std::string_view name, const FieldValue& v) noexcept;

  static constexpr auto kCaqmFields = std::tuple{
      Field<&nl::Cci::mode, 0, 3>{"Mode"},
      Field<&nl::Cci::loc, 3, 1>{"Loc"},
      Field<&nl::Cci::rsvd, 4, 1>{"RSVD", FieldRole::Reserved},
      Field<&nl::Cci::enable, 5, 1>{"Enable"},
      Field<&nl::Cci::c, 6, 1>{"C"},
      Field<&nl::Cci::i, 7, 1>{"I"},
      Field<&nl::Cci::hint, 8, 8>{"Hint"},
  };
  static constexpr auto kFecnRttFields = std::tuple{
      Field<&nl::Cci::mode, 0, 3>{"Mode"},
      Field<&nl::Cci::loc, 3, 1>{"Loc"},
      Field<&nl::Cci::timestamp, 4, 10>{"Timestamp"},
      Field<&nl::Cci::fecn, 14, 2>{"FECN"},
  };
  static constexpr auto kFecnFields = std::tuple{
      Field<&nl::Cci::mode, 0, 3>{"Mode"},
      Field<&nl::Cci::loc, 3, 1>{"Loc"},
      Field<&nl::Cci::rsvd, 4, 10>{"RSVD", FieldRole::Reserved},
      Field<&nl::Cci::fecn, 14, 2>{"FECN"},
  };

  // Visits the fields of the current Mode (a reserved Mode shows Mode and Loc only).
  template <class Fn>
  static void visit(const nl::Cci& c, Fn&& fn) {
    switch (c.mode) {
    case nl::cci_mode::kCaqm:
      visit_fields(kCaqmFields, c, fn);
      return;
    case nl::cci_mode::kFecnRtt:
      visit_fields(kFecnRttFields, c, fn);
      return;
    case nl::cci_mode::kFecn:
      visit_fields(kFecnFields, c, fn);
      return;
    default:
      visit_fields(std::tuple{std::get<0>(kFecnFields), std::get<1>(kFecnFields)}, c, fn);
      return;
    }
  }
};

} // namespace ub
