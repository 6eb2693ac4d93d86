#pragma once
// The transaction layer over UTP (tp::UtpEndpoint), behind TaTransport (transport.hpp).
// UB-Base-2.0 §6.3.3 (UTP: no channel, no PSN, no ACK, no retransmission), §7.3.3.5 (UNO data at
// most one TP MTU), §7.3.3 Tables 7-14 / 7-15 (UTP carries UNO only).
//
// Mapping: send() takes UNO only (ROI, ROT, ROL: NotAllowed) and one unit (several: TooLarge),
// its payload at most the MTU (TooLarge); Delivered at once (nothing acknowledges it). NetPacket
// bytes = the UTP bytes (UTPH, TA bytes, padding; no ICRC). MODEL: UTP runs over CFG 7
// (NTH_CNA24) or IP, so the TA headers are the TAIDETAH form (TaWire::Taid); every packet is
// routed per packet (RT[0] = 1: tp::ctp_bypass_rt(UNO)) with the pair's fixed entropy; device i
// is address i.

#include <cstddef>
#include <memory>
#include <vector>

#include "protocol/common/error.hpp"
#include "protocol/ta/transport.hpp"
#include "protocol/tp/utp_endpoint.hpp"

namespace ub::ta {

struct UtpTransportConfig {
  tp::UtpConfig utp{}; // mtu, nth_bytes (10 CNA24, 34 IPv4 + UDP, 54 IPv6 + UDP), queue limit
};

// Ok, or the UtpConfig's own error (header "UtpConfig").
[[nodiscard]] Status validate(const UtpTransportConfig& c);

// Device `self` of `devices`. Errors: validate(cfg); OutOfRange on "devices" when self is not
// one of them.
[[nodiscard]] Result<std::unique_ptr<TaTransport>>
make_utp_transport(PeerId self, std::size_t devices, const UtpTransportConfig& cfg);
// Devices 0..devices-1. Errors as make_utp_transport, and OutOfRange on "devices" below 2.
[[nodiscard]] Result<std::vector<std::unique_ptr<TaTransport>>>
make_utp_mesh(std::size_t devices, const UtpTransportConfig& cfg);

} // namespace ub::ta
