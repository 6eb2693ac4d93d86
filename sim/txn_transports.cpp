// Transports for the transaction experiment (txn_transports.hpp).

#include "sim/txn_transports.hpp"

namespace ub::sim {

std::vector<std::unique_ptr<ta::TaTransport>> make_txn_transports(const TxnTransportParams& p,
                                                                  unsigned devices, Rng& rng) {
  (void)rng;
  std::vector<std::unique_ptr<ta::TaTransport>> v;
  for (unsigned i = 0; i < devices; ++i) {
    ta::IdealConfig c;
    c.self = i;
    c.mtu = p.mtu;
    c.wire = p.kind == ta::TransportKind::Bypass ? ta::TaWire::Compact : ta::TaWire::Cna16;
    c.multi_packet = p.kind == ta::TransportKind::Rtp || p.kind == ta::TransportKind::Ideal;
    v.push_back(ta::make_ideal_transport(c));
  }
  return v;
}

} // namespace ub::sim
