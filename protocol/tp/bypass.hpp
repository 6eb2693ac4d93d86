#pragma once
// TP bypass (CFG 9): load/store without a transport header. UB-Base-2.0 §6.1 (the mode),
// App. B.2.6 (the packet: LPH | NTH_CNA16 with NLP 000 and Mgmt 0 | compact TAH | [ext] |
// payload; no TPH, no UPIH/EIDH, no ICRC), §8.3 (Load/Store relies on the data link's retry),
// §7.3.3 Table 7-14 and §5.3.2 Table 5-7 (the RT bits).
//
// The transport layer has nothing to do in this mode: no state, no PSN, no ACK. What remains is
// the network side of the packet, which these helpers build and check: the LPH's CFG, VL and RT,
// and the NTH_CNA16. The compact TAH and the rest are the TA's (protocol/ta, protocol/packet).
//
// RT[1:0] (§5.3.2 Table 5-7): RT[0] 0 = per-flow, 1 = per-packet routing; RT[1] 0 = all
// reachable paths, 1 = the shortest-path set. Table 7-14 for CTP and TP bypass: ROL must use
// per-flow routing (RT[0] = 0: the network keeps the order); ROI and ROT are recommended to use
// per-packet (RT[0] = 1); UNO may use either. The same rule holds for CTP (same table row).

#include <cstdint>
#include <span>
#include <string_view>

#include "protocol/common/bits.hpp"
#include "protocol/common/error.hpp"
#include "protocol/dl/link_headers.hpp"
#include "protocol/nl/cci.hpp"
#include "protocol/nl/nth_cna.hpp"

namespace ub::tp {

// The transaction service modes of §7.3.3 (Table 7-14 rows).
enum class TaOrder : std::uint8_t { Roi, Rot, Rol, Uno };
[[nodiscard]] std::string_view to_string(TaOrder o) noexcept;

// What the caller asks of the routing: the table's choice (Default), or a fixed one.
enum class RoutePref : std::uint8_t { Default, PerFlow, PerPacket };

// RT[1:0] for a CTP or TP-bypass packet of a transaction in mode `order`.
//   ROL: RT[0] = 0; asking for PerPacket is refused (NotAllowed on "RT", Table 7-14: in-order
//        delivery by the lower layer needs per-flow routing).
//   ROI, ROT: Default gives RT[0] = 1 (recommended); PerFlow is allowed (RT[0] = 0).
//   UNO: Default gives RT[0] = 1. MODEL: no order to keep, so the packets may spread.
// RT[1] = `shortest_only`.
[[nodiscard]] Result<std::uint8_t> ctp_bypass_rt(TaOrder order, RoutePref pref = RoutePref::Default,
                                                 bool shortest_only = false) noexcept;

// The network side of one CFG 9 packet.
struct BypassRoute {
  std::uint16_t scna = 0;
  std::uint16_t dcna = 0;
  std::uint8_t vl = 0; // LPH.VL
  std::uint8_t sl = 0; // NTH.SL
  std::uint8_t lbf = 0;
  nl::Cci cci{};
  TaOrder order = TaOrder::Rol;
  RoutePref route = RoutePref::Default;
  bool shortest_only = false;
};

struct BypassHeaders {
  dl::Lph lph{};      // CFG 9, VL, RT (PLENGTH is the framer's)
  nl::NthCna16 nth{}; // NLP 000 (TAH), Mgmt 0
};

// Errors: as ctp_bypass_rt; OutOfRange on "vl" or "sl" (4 bits); the CCI's own (reserved Mode,
// a field the Mode does not carry).
[[nodiscard]] Result<BypassHeaders> make_bypass_headers(const BypassRoute& r) noexcept;

// What a receiver reads back.
struct BypassInfo {
  std::uint16_t scna = 0;
  std::uint16_t dcna = 0;
  std::uint8_t vl = 0;
  std::uint8_t sl = 0;
  std::uint8_t lbf = 0;
  nl::Cci cci{};
  std::uint8_t rt = 0;
  [[nodiscard]] bool per_packet() const noexcept { return (rt & 1U) != 0; }
  [[nodiscard]] bool shortest_only() const noexcept { return (rt & 2U) != 0; }
};

// Reads the NTH_CNA16 at the start of `net` (the bytes after the LPH) of a CFG 9 packet.
// Errors: NotAllowed on "CFG" (not 9), "NLP" (not 000) or "Mgmt" (1) (§5.2.1 Table 5-1,
// App. B.2.6); the NTH's and the CCI's own (Truncated, ReservedValue).
[[nodiscard]] Result<BypassInfo> parse_bypass_headers(const dl::Lph& lph,
                                                      std::span<const Byte> net) noexcept;

} // namespace ub::tp
