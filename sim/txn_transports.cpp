// Transports for the transaction experiment (txn_transports.hpp).

#include "sim/txn_transports.hpp"

#include "protocol/ta/transport_bypass.hpp"
#include "protocol/ta/transport_ctp.hpp"
#include "protocol/ta/transport_rtp.hpp"
#include "protocol/ta/transport_utp.hpp"

namespace ub::sim {

Result<std::vector<std::unique_ptr<ta::TaTransport>>>
make_txn_transports(const TxnTransportParams& p, unsigned devices, Rng& rng) {
  switch (p.kind) {
  case ta::TransportKind::Rtp: {
    ta::RtpTransportConfig c;
    c.channels = p.channels;
    c.channel.mtu = p.mtu;
    c.channel.retx = p.retx;
    c.channel.ta_status =
        p.status_in_tp_ack ? tp::TaStatusMode::RolRequests : tp::TaStatusMode::Never;
    return ta::make_rtp_mesh(devices, c, rng);
  }
  case ta::TransportKind::Ctp: {
    ta::CtpTransportConfig c;
    c.ctp.mtu = p.mtu;
    c.ctp.congestion_control = false;
    return ta::make_ctp_mesh(devices, c);
  }
  case ta::TransportKind::Utp: {
    ta::UtpTransportConfig c;
    c.utp.mtu = p.mtu;
    return ta::make_utp_mesh(devices, c);
  }
  case ta::TransportKind::Bypass: {
    ta::BypassTransportConfig c;
    c.max_payload = p.mtu;
    return ta::make_bypass_mesh(devices, c);
  }
  case ta::TransportKind::Ideal:
    break;
  }
  std::vector<std::unique_ptr<ta::TaTransport>> v;
  for (unsigned i = 0; i < devices; ++i) {
    ta::IdealConfig c;
    c.self = i;
    c.mtu = p.mtu;
    v.push_back(ta::make_ideal_transport(c));
  }
  return v;
}

} // namespace ub::sim
