#pragma once
// The transaction layer over TP bypass (CFG 9), behind TaTransport (transport.hpp).
// UB-Base-2.0 §6.1 (the bypass mode), App. B.2.6 (LPH | NTH_CNA16 with NLP 000 and Mgmt 0 |
// compact TAH | [ext] | payload; no TPH, no ICRC), §8.3 (load/store relies on the data link's
// retry), §7.3.3 Tables 7-14 / 7-15 and §5.3.2 Table 5-7 (RT: ROL must be per-flow).
//
// Mapping:
//   send():   one unit (several: TooLarge) in the compact wire form (TaWire::Compact), its payload
//             at most max_payload (TooLarge); the LPH / NTH from tp::make_bypass_headers, RT from
//             tp::ctp_bypass_rt(mode, route, shortest_only) (ROL with RoutePref::PerPacket:
//             NotAllowed). Delivered at once: nothing acknowledges it, the link is trusted.
//   network:  NetPacket bytes = the 8-byte NTH_CNA16 (encoded) followed by the TA bytes; the
//             LPH's VL and RT travel as NetPacket::vl / rt (CFG is 9 by construction). The
//             receiver parses the NTH with tp::parse_bypass_headers and checks that DCNA is
//             itself and SCNA the sending device; anything else is counted malformed and dropped.
//   delivery: one packet per delivery, `stream` = the source (§7.3.3.4).
// MODEL: device i's CNA is i; the NTH's CCI is all clear (no congestion control in this
// mode) and its LBF the pair's fixed hash; max_payload defaults to 4096 bytes (the compact
// MAETAH Length reaches 8 KB).

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "protocol/common/error.hpp"
#include "protocol/ta/transport.hpp"
#include "protocol/tp/bypass.hpp"

namespace ub::ta {

struct BypassTransportConfig {
  std::uint32_t max_payload = 4096; // TA payload bytes per packet: a power of two, 64..8192
  std::uint8_t vl = 0;              // LPH VL
  std::uint8_t sl = 0;              // NTH SL
  tp::RoutePref route = tp::RoutePref::Default;
  bool shortest_only = false; // RT[1]
};

// Ok, or an Error naming the field (header "BypassTransportConfig").
[[nodiscard]] Status validate(const BypassTransportConfig& c);

// Device `self` of `devices` (CNAs 0..devices-1 must fit 16 bits). Errors: validate(cfg);
// OutOfRange on "devices".
[[nodiscard]] Result<std::unique_ptr<TaTransport>>
make_bypass_transport(PeerId self, std::size_t devices, const BypassTransportConfig& cfg);
// Devices 0..devices-1. Errors as make_bypass_transport, and OutOfRange on "devices" below 2.
[[nodiscard]] Result<std::vector<std::unique_ptr<TaTransport>>>
make_bypass_mesh(std::size_t devices, const BypassTransportConfig& cfg);

} // namespace ub::ta
