#pragma once
// Link Packet Header (LPH) and Link Block Header (LBH): the data link's per-packet and per-block
// headers. UB-Base-2.0 §4.3.2.2.2 (Table 4-1) and §4.3.2.2.3 (Table 4-2).

#include <cstdint>
#include <optional>
#include <string_view>
#include <tuple>

#include "protocol/common/field.hpp"

namespace ub::dl {

// CFG values carried in LPH/LBH/LCH byte 1 bits 3:0. UB-Base-2.0 §4.3.2.2.2 Table 4-1, App. B.
namespace cfg {
inline constexpr std::uint8_t kControl = 0;   // DLLCB (data link control block)
inline constexpr std::uint8_t kIpv4 = 3;      // IPv4-address NTH
inline constexpr std::uint8_t kIpv6 = 4;      // IPv6-address NTH
inline constexpr std::uint8_t kNetMgmt = 5;   // UB-link network management packet (App. F.2)
inline constexpr std::uint8_t kCna16 = 6;     // 16-bit CNA NTH
inline constexpr std::uint8_t kCna24 = 7;     // 24-bit CNA NTH
inline constexpr std::uint8_t kLoadStore = 9; // 16-bit CNA NTH for load/store (TP bypass)
} // namespace cfg

// True for the CFG values a DLLDP may carry (3, 4, 5, 6, 7, 9); 0 is a DLLCB, the rest reserved.
[[nodiscard]] constexpr bool is_data_cfg(std::uint8_t c) noexcept {
  return c == 3 || c == 4 || c == 5 || c == 6 || c == 7 || c == 9;
}

// UB-Base-2.0 §4.3.2.2.2 Table 4-1: LPH, 4 bytes, the start of every DLLDP.
// As a big-endian word: CRD[31] ACK[30] CRD_VL[29:26] rsvd[25] VL[24:21] rsvd[20] CFG[19:16]
// RT[15:14] PLENGTH[13:0]. Bit 25 is reserved here but fixed to 1 in an LCH, which (with CFG 0)
// is how a receiver tells a control block from a data packet.
struct Lph {
  bool crd = false;        // CRD: this block returns one credit grain for VL CRD_VL
  bool ack = false;        // ACK: releases DATA_ACK_GRAIN_SIZE flits of the peer's retry buffer
  std::uint8_t crd_vl = 0; // CRD_VL[3:0]
  std::uint8_t rsvd = 0;   // byte 0 bit 1
  std::uint8_t vl = 0;     // VL[3:0], from the network layer
  std::uint8_t rsvd2 = 0;  // byte 1 bit 4
  std::uint8_t cfg = 0;    // CFG[3:0], the DLLDP type
  std::uint8_t rt = 0;     // RT[1:0]: RT[1] path set (all/shortest), RT[0] per-flow/per-packet
  std::uint16_t plength =
      0; // PLENGTH[13:0]: blocks-1, last-block flits-1, payload end (§4.3.2.2.2)

  friend constexpr bool operator==(const Lph&, const Lph&) = default;
};

// UB-Base-2.0 §4.3.2.2.3 Table 4-2: LBH, 2 bytes at the start of every later block of a DLLDP.
// Each LBH returns its own credit grain (CRD/CRD_VL) and ACK grain.
struct Lbh {
  bool crd = false;
  bool ack = false;
  std::uint8_t crd_vl = 0;
  std::uint8_t rsvd = 0;
  std::uint8_t vl = 0; // the DLLDP's VL (receivers take it from the LPH)
  std::uint8_t rsvd2 = 0;
  std::uint8_t cfg = 0; // the DLLDP's CFG (receivers take it from the LPH)

  friend constexpr bool operator==(const Lbh&, const Lbh&) = default;
};

} // namespace ub::dl

namespace ub {

template <>
struct Layout<dl::Lph> {
  static constexpr std::string_view kName = "LPH";
  static constexpr std::string_view kClause = "§4.3.2.2.2";
  static constexpr std::size_t kSize = 4;
  static constexpr auto kFields = std::tuple{
      Field<&dl::Lph::crd, 0, 1>{"CRD"},
      Field<&dl::Lph::ack, 1, 1>{"ACK"},
      Field<&dl::Lph::crd_vl, 2, 4>{"CRD_VL"},
      Field<&dl::Lph::rsvd, 6, 1>{"RSVD", FieldRole::Reserved},
      Field<&dl::Lph::vl, 7, 4>{"VL"},
      Field<&dl::Lph::rsvd2, 11, 1>{"RSVD2", FieldRole::Reserved},
      Field<&dl::Lph::cfg, 12, 4>{"CFG"},
      Field<&dl::Lph::rt, 16, 2>{"RT"},
      Field<&dl::Lph::plength, 18, 14>{"PLENGTH", FieldRole::Derived},
  };
  // CFG 0 belongs to DLLCBs; 1, 2, 8 and 10-15 are reserved (Table 4-1, App. B.1).
  static constexpr std::optional<FieldIssue> check(const dl::Lph& h) noexcept {
    if (!dl::is_data_cfg(h.cfg)) {
      return FieldIssue{"CFG", Errc::ReservedValue, "not a DLLDP CFG (3, 4, 5, 6, 7 or 9)", h.cfg};
    }
    return std::nullopt;
  }
};

template <>
struct Layout<dl::Lbh> {
  static constexpr std::string_view kName = "LBH";
  static constexpr std::string_view kClause = "§4.3.2.2.3";
  static constexpr std::size_t kSize = 2;
  static constexpr auto kFields = std::tuple{
      Field<&dl::Lbh::crd, 0, 1>{"CRD"},
      Field<&dl::Lbh::ack, 1, 1>{"ACK"},
      Field<&dl::Lbh::crd_vl, 2, 4>{"CRD_VL"},
      Field<&dl::Lbh::rsvd, 6, 1>{"RSVD", FieldRole::Reserved},
      Field<&dl::Lbh::vl, 7, 4>{"VL"},
      Field<&dl::Lbh::rsvd2, 11, 1>{"RSVD2", FieldRole::Reserved},
      Field<&dl::Lbh::cfg, 12, 4>{"CFG"},
  };
};

} // namespace ub
