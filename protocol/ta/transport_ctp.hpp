#pragma once
// The transaction layer over CTP (tp::CtpEndpoint), behind TaTransport (transport.hpp).
// UB-Base-2.0 §6.3.2 (CTP: no PSN, no TP ACK, reliability from the data link's retry), §6.7.2.1
// (one TA operation per packet, its payload at most one TP MTU), §6.5.2 (load balancing per
// Entity), §7.3.3 Tables 7-14 / 7-15 and §5.3.2 Table 5-7 (RT: ROL must be per-flow).
//
// Mapping (transaction-design §3.2, §8.1):
//   send():   exactly one unit (several: TooLarge, there is no packeting); its payload at most the
//             MTU (TooLarge); RT from tp::ctp_bypass_rt(mode, route, shortest_only), so ROL goes
//             per flow (RT[0] = 0, and the flow's fixed LBF even when the endpoint sprays LBFs)
//             and ROI / ROT / UNO per packet (RT[0] = 1) by default; a route the table forbids
//             (ROL with RoutePref::PerPacket) is NotAllowed. Delivered at once: CTP has no
//             acknowledgement, and trusts the link (§6.3.2).
//   delivery: one packet per delivery, `stream` = the source (single path per source, §7.3.3.4).
//   network:  NetPacket bytes = the CTP bytes (CTPH, TA bytes, padding; no ICRC); cci, vl, sl and
//             entropy (the NTH LBF) beside them. CNPs are control packets, per flow (RT = 0).
// MODEL: device i's CNA is i; the TA bytes follow the CTPH directly (NLP 0, no UPIH /
// EIDH); every packet uses the configured VL and SL.

#include <cstddef>
#include <memory>
#include <vector>

#include "protocol/common/error.hpp"
#include "protocol/ta/transport.hpp"
#include "protocol/tp/bypass.hpp"
#include "protocol/tp/ctp_endpoint.hpp"

namespace ub::ta {

struct CtpTransportConfig {
  // mtu, nth (Cna16: CFG 6, TaWire::Cna16; Cna24: CFG 7, TaWire::Taid), lb, congestion control.
  // local_cna is set to the device's CNA.
  tp::CtpConfig ctp{};
  std::uint8_t vl = 0; // LPH VL of every packet
  std::uint8_t sl = 0; // NTH SL of every packet
  tp::RoutePref route = tp::RoutePref::Default;
  bool shortest_only = false; // RT[1]
};

// Ok, or an Error naming the field (header "CtpTransportConfig", or the CtpConfig's own).
[[nodiscard]] Status validate(const CtpTransportConfig& c);

// Device `self` of `devices`: it sends to every other device. Errors: validate(cfg);
// OutOfRange on "devices" when a device's CNA would not fit the NTH.
[[nodiscard]] Result<std::unique_ptr<TaTransport>>
make_ctp_transport(PeerId self, std::size_t devices, const CtpTransportConfig& cfg);
// Devices 0..devices-1, each a make_ctp_transport. Errors as make_ctp_transport, and
// OutOfRange on "devices" for fewer than 2.
[[nodiscard]] Result<std::vector<std::unique_ptr<TaTransport>>>
make_ctp_mesh(std::size_t devices, const CtpTransportConfig& cfg);

} // namespace ub::ta
