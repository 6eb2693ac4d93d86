#pragma once
// Congestion extension transport headers. UB-Base-2.0 §6.2.2:
//   CETPH, LDCP form (Fig. 6-11, Table 6-3): Ack_Seq 32, Ce_Seq 32.
//   CETPH, CAQM form (Fig. 6-12, Table 6-4): Ack_Seq 32, RSVD 6, Loc 1, I 1, C 8, Hint 16.
//   CNP CETPH (Fig. 6-13, Table 6-5), 16 bytes: ECN 2, Loc 1, RSVD 5, then 15 reserved bytes.
// Nothing in a CETPH says which form it is: both ends know the congestion-control algorithm
// negotiated for the channel (§6.2.2), so the decoder is told.

#include <cstdint>
#include <optional>
#include <string_view>
#include <tuple>

#include "protocol/common/field.hpp"

namespace ub::tp {

enum class CetphForm : std::uint8_t { Ldcp, Caqm };

struct CetphLdcp {
  std::uint32_t ack_seq = 0; // Ack_Seq: received data, in 2-byte units, cumulative
  std::uint32_t ce_seq = 0;  // Ce_Seq: the same, counting congestion-marked packets only

  friend constexpr bool operator==(const CetphLdcp&, const CetphLdcp&) = default;
};

struct CetphCaqm {
  std::uint32_t ack_seq = 0;
  std::uint8_t rsvd = 0;
  bool loc = false;       // copied from the NTH CCI
  bool i = false;         // copied from the NTH CCI
  std::uint8_t c = 0;     // number of C-marked packets since the previous ACK
  std::uint16_t hint = 0; // granted increase (summed when ACKs are aggregated)

  friend constexpr bool operator==(const CetphCaqm&, const CetphCaqm&) = default;
};

// CNP ECN codes (Table 6-5): 0 none, 1 mild, 2 reserved, 3 severe.
struct CnpCetph {
  std::uint8_t ecn = 0;
  bool loc = false;
  std::uint8_t rsvd = 0; // byte 0 bits 4:0
  Wide<15> rsvd2{};      // bytes 1..15

  friend constexpr bool operator==(const CnpCetph&, const CnpCetph&) = default;
};

} // namespace ub::tp

namespace ub {

template <>
struct Layout<tp::CetphLdcp> {
  static constexpr std::string_view kName = "CETPH_LDCP";
  static constexpr std::string_view kClause = "§6.2.2";
  static constexpr std::size_t kSize = 8;
  static constexpr auto kFields = std::tuple{
      Field<&tp::CetphLdcp::ack_seq, 0, 32>{"Ack_Seq"},
      Field<&tp::CetphLdcp::ce_seq, 32, 32>{"Ce_Seq"},
  };
};

template <>
struct Layout<tp::CetphCaqm> {
  static constexpr std::string_view kName = "CETPH_CAQM";
  static constexpr std::string_view kClause = "§6.2.2";
  static constexpr std::size_t kSize = 8;
  static constexpr auto kFields = std::tuple{
      Field<&tp::CetphCaqm::ack_seq, 0, 32>{"Ack_Seq"},
      Field<&tp::CetphCaqm::rsvd, 32, 6>{"RSVD", FieldRole::Reserved},
      Field<&tp::CetphCaqm::loc, 38, 1>{"Loc"},
      Field<&tp::CetphCaqm::i, 39, 1>{"I"},
      Field<&tp::CetphCaqm::c, 40, 8>{"C"},
      Field<&tp::CetphCaqm::hint, 48, 16>{"Hint"},
  };
};

template <>
struct Layout<tp::CnpCetph> {
  static constexpr std::string_view kName = "CNP";
  static constexpr std::string_view kClause = "§6.2.2";
  static constexpr std::size_t kSize = 16;
  static constexpr auto kFields = std::tuple{
      Field<&tp::CnpCetph::ecn, 0, 2>{"ECN"},
      Field<&tp::CnpCetph::loc, 2, 1>{"Loc"},
      Field<&tp::CnpCetph::rsvd, 3, 5>{"RSVD", FieldRole::Reserved},
      Field<&tp::CnpCetph::rsvd2, 8, 120>{"RSVD2", FieldRole::Reserved},
  };
  static constexpr std::optional<FieldIssue> check(const tp::CnpCetph& h) noexcept {
    if (h.ecn == 2) {
      return FieldIssue{"ECN", Errc::ReservedValue, "CNP ECN 2 is reserved", h.ecn};
    }
    return std::nullopt;
  }
};

} // namespace ub
