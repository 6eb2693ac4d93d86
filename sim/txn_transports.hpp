#pragma once
// The transports of a transaction experiment: one per device, of one kind, connected as a full
// mesh (every device can reach every other), built from the seed.

#include <memory>
#include <vector>

#include "protocol/common/rng.hpp"
#include "protocol/ta/transport.hpp"

namespace ub::sim {

struct TxnTransportParams {
  ta::TransportKind kind = ta::TransportKind::Rtp;
  std::uint32_t mtu = 4096;
};

[[nodiscard]] std::vector<std::unique_ptr<ta::TaTransport>>
make_txn_transports(const TxnTransportParams& p, unsigned devices, Rng& rng);

} // namespace ub::sim
