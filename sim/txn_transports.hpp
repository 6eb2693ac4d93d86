#pragma once
// The transports of a transaction experiment: one per device, of one kind, connected as a full
// mesh (every device can reach every other), built from the seed.

#include <memory>
#include <vector>

#include "protocol/common/error.hpp"
#include "protocol/common/rng.hpp"
#include "protocol/ta/transport.hpp"
#include "protocol/tp/tp_channel.hpp"

namespace ub::sim {

struct TxnTransportParams {
  ta::TransportKind kind = ta::TransportKind::Rtp;
  std::uint32_t mtu = 4096;
  // RTP: TP Channel Group members per peer, the retransmission algorithm, and whether the
  // channels hold a write's last ACK for its TA status (ROL's TAACK in the TP ACK, §6.8.2).
  std::size_t channels = 1;
  tp::RetxAlgo retx = tp::RetxAlgo::SelectiveFast;
  bool status_in_tp_ack = false;
};

[[nodiscard]] Result<std::vector<std::unique_ptr<ta::TaTransport>>>
make_txn_transports(const TxnTransportParams& p, unsigned devices, Rng& rng);

} // namespace ub::sim
