#pragma once
// The transport experiment: two RTP TP Channel ends (UB-Base-2.0 §6.4) over a test network of K
// paths with loss, duplication and reordering, in a discrete-event loop. Port A sends `messages`
// messages of `size` bytes; port B's upper layer checks each one (exactly once, in order, every
// byte). Packets take a path by the load-balancing mode: per-flow (all on path 0) or per-packet
// (path = PSN mod K), and path k adds k x `path_skew` of delay, so spraying reorders packets.
// Deterministic: one seed; the run fingerprint hashes the delivered sequence and the counters.
//
// Bottleneck (incast) mode, when `senders` > 1 or `bottleneck_bps` > 0: `senders` sender ends,
// each with its own receiver end, send `messages` messages each through one switch egress port:
// a FIFO of `buffer_bytes` (tail drop beyond) drained at `bottleneck_bps` (0: `rate_bps`). Each
// data packet leaving the queue gets the switch marking of the chosen algorithm (UB-Base-2.0
// §5.3.5): FECN RED marking (`red`) for LDCP and DCQCN, a CaqmSwitchPort (`caqm`) for CAQM, none
// for none; Loc = 1 (the port leads to the receivers). Host links run at `rate_bps`; sender to
// switch and switch to receiver each take `latency` / 2; ACKs and CNPs come back over an
// uncongested path of `latency`. One path, no random loss, duplication or reordering.

#include <cstdint>
#include <string>

#include "protocol/common/error.hpp"
#include "protocol/common/units.hpp"
#include "protocol/tp/cc/switch_marking.hpp"
#include "protocol/tp/congestion.hpp"
#include "protocol/tp/tp_channel.hpp"

namespace ub::sim {

struct TransportExperimentConfig {
  std::uint64_t messages = 2000; // per sender
  std::size_t size = 4096;
  double loss = 0.0;    // per packet, data and control
  double dup = 0.0;     // per packet
  double reorder = 0.0; // per packet: an extra `reorder_delay`
  Time reorder_delay = Time{2'000'000};
  unsigned paths = 1;
  bool per_packet = false;                     // spray over the paths by PSN
  Time latency = Time{2'000'000};              // one way, path 0
  Time path_skew = Time{500'000};              // extra delay per path index
  std::uint64_t rate_bps = 400'000'000'000ULL; // serialization, each direction
  std::uint64_t seed = 1;
  Time time_limit = Time{10'000'000'000'000}; // 10 s of model time
  tp::TpChannelConfig channel{};              // retransmission algorithm, window, MTU, RTO
  // Initial PSNs negotiated at setup, random (§6.4.1): drawn per channel and direction from the
  // seed's own stream (9), so the loss process does not move. false: the channel's values.
  bool random_initial_psns = true;
  tp::CcAlgo cc = tp::CcAlgo::None;
  tp::CcParams cc_params{};
  // Bottleneck mode (see above).
  unsigned senders = 1;
  std::uint64_t bottleneck_bps = 0;       // 0: rate_bps when senders > 1, else no bottleneck
  std::uint64_t buffer_bytes = 1'000'000; // egress queue, waiting bytes
  tp::RedParams red{};
  tp::CaqmSwitchParams caqm{}; // rate_bps, mtu and hint_unit are taken from the above

  [[nodiscard]] bool bottleneck_mode() const noexcept { return senders > 1 || bottleneck_bps > 0; }
  [[nodiscard]] Status validate() const;
};

struct TransportExperimentResult {
  std::uint64_t messages = 0;             // handed to the sender
  std::uint64_t delivered = 0;            // delivered by the receiver
  std::uint64_t duplicates_delivered = 0; // a message delivered twice
  std::uint64_t out_of_order = 0;         // a message delivered before an earlier one
  std::uint64_t corrupted = 0;
  std::uint64_t acked = 0;
  std::uint64_t failed = 0;       // reported failed to the sender
  std::uint64_t data_packets = 0; // every data packet sent
  std::uint64_t retransmissions = 0;
  std::uint64_t spurious_retransmissions = 0; // retransmitted packets the receiver already had
  std::uint64_t timeouts = 0;
  std::uint64_t fast_retransmit_events = 0;
  std::uint64_t acks = 0, naks = 0, sacks = 0; // control packets the receivers sent
  std::uint64_t dropped = 0, duplicated = 0, reordered = 0;
  double goodput_gbps = 0.0;
  double p50_latency_us = 0.0;
  double p99_latency_us = 0.0;
  double elapsed_us = 0.0;
  bool completed = false;
  std::uint64_t fingerprint = 0;
  // Bottleneck mode (0, 0, 0 and 1 otherwise). Queue = bytes waiting in the egress queue; the
  // average is over time, from 0 to the end of the run. Jain's index is over the payload bytes
  // each sender had delivered when the first sender finished.
  std::uint64_t queue_peak_bytes = 0;
  double queue_avg_bytes = 0.0;
  std::uint64_t switch_drops = 0;
  std::uint64_t switch_marks = 0; // packets whose CCI the switch changed (FECN or CAQM C)
  double jain_fairness = 1.0;
};

[[nodiscard]] TransportExperimentResult
run_transport_experiment(const TransportExperimentConfig& cfg);

} // namespace ub::sim
