#pragma once
// The transaction experiment: initiators and targets (UB-Base-2.0 §7) over one transport kind
// (RTP, CTP, TP bypass, or the model's ideal transport) and a test network, running a mix of
// reads, writes, atomics and sends on shared memory segments, every outcome checked by the
// reference oracle (protocol/ta/oracle.hpp).
//
// Devices 0..initiators-1 post; devices initiators..initiators+targets-1 serve. Each target has
// one segment of `segment_bytes` (token checked) and a receive queue for sends. Each initiator
// has `queues` queues in the given service mode; each queue keeps up to `depth` ops outstanding
// (closed loop) until `ops` ops have been posted in all. Op i picks its kind from the mix, a
// target and a 64-byte-aligned offset uniformly, all from the seed; with `bad_token_rate` an op
// carries a wrong token (the oracle expects Remote Access Abort and no access).
//
// Network: each device has one egress link of `rate_bps`; a packet waits for the link, is
// serialised, then takes `hops` x `hop_delay`. Loss: RTP and the ideal transport lose the
// packet (RTP recovers; the ideal transport leaves it to the TA timeout); CTP and bypass rely on
// link-level retry, so by default (MODEL, X30) a loss holds the sender's link for
// `link_retry_delay` (the packet and those behind it arrive late, in order), or is a real drop
// with `loss_drops`. `reorder` delays a per-packet-routed packet (RT[0] = 1) by
// `reorder_delay`. Deterministic: the same config gives bit-identical results and fingerprint.

#include <cstdint>
#include <map>
#include <string>

#include "protocol/common/error.hpp"
#include "protocol/common/units.hpp"
#include "protocol/ta/initiator.hpp"
#include "protocol/ta/target.hpp"
#include "protocol/ta/transport.hpp"

namespace ub::sim {

struct TxnMix {
  unsigned read = 30, write = 40, atomic = 20, send = 10;
  [[nodiscard]] unsigned total() const noexcept { return read + write + atomic + send; }
};

struct TxnExperimentConfig {
  unsigned initiators = 2;
  unsigned targets = 2;
  unsigned queues = 1; // per initiator
  std::uint64_t ops = 2000;
  unsigned depth = 16; // outstanding ops per queue
  TxnMix mix{};
  ta::TaMode mode = ta::TaMode::Roi;
  ta::ExecOrder order = ta::ExecOrder::No;
  bool rot_static_sc = false; // ROT: configured SCs instead of Alloc
  ta::TransportKind transport = ta::TransportKind::Rtp;
  std::size_t channels = 1; // RTP: TP Channel Group members per peer
  double loss = 0.0;
  bool loss_drops = false; // CTP / bypass: a loss is a drop, not a link retry
  double reorder = 0.0;
  double bad_token_rate = 0.0;
  std::uint32_t size = 64;       // bytes per read / write / send
  std::uint32_t atomic_size = 8; // operand bytes (64 over bypass)
  std::uint32_t segment_bytes = 64 * 1024;
  std::uint32_t mtu = 4096;
  std::uint64_t rate_bps = 400'000'000'000ULL;
  unsigned hops = 3;
  Time hop_delay{100'000};          // 100 ns
  Time link_retry_delay{1'000'000}; // 1 us
  Time reorder_delay{2'000'000};    // 2 us
  Time exec_time{50'000};           // target: arrival to answer
  std::uint8_t taack_coalesce = 1;
  std::uint64_t seed = 1;
  Time time_limit{10'000'000'000'000}; // 10 s of model time

  [[nodiscard]] Status validate() const;
};

struct TxnExperimentResult {
  std::uint64_t ops = 0;       // posted (accepted)
  std::uint64_t refused = 0;   // refused at post
  std::uint64_t completed = 0; // successful
  std::map<std::string, std::uint64_t> failed_by_status;
  std::uint64_t oracle_violations = 0;
  std::string oracle_summary;
  std::uint64_t ordered_ops = 0;
  std::uint64_t stalls = 0;
  double round_trips_per_ordered_op = 0.0;
  double p50_latency_us = 0.0;
  double p99_latency_us = 0.0;
  double elapsed_us = 0.0;
  double ops_per_us = 0.0;
  std::uint64_t retries = 0, timeouts = 0, taack_coalesced = 0;
  std::uint64_t packets = 0, dropped = 0;
  std::uint64_t link_retries = 0; // CTP / bypass losses repaired by the data link
  double packets_per_op = 0.0;
  std::uint64_t expected_denied = 0; // ops given a bad token
  bool finished = false;             // every op completed before the time limit
  std::string setup_error;           // the transports could not be built (nothing ran)
  std::uint64_t fingerprint = 0;
};

[[nodiscard]] TxnExperimentResult run_txn_experiment(const TxnExperimentConfig& c);

} // namespace ub::sim
