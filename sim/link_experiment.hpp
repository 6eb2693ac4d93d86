#pragma once
// The link experiment: two UB ports joined by one link, each a DataLink (UB-Base-2.0 §4) over a
// PhyChannel per direction (§3), driven by a small discrete-event loop. The first sim/ piece; the
// fabric simulator of a later issue builds on the same event loop shape.
//
// Traffic: port A sends `packets` packets of `size` bytes (after the LPH: NTH onward) to port B,
// spread over `vls` VLs (uniformly, or with `vl0_share` of them on VL0 and the rest uniform over
// the other VLs); with `bidirectional` B sends the same back. Each source keeps at most `window`
// packets per VL queued in its data link, so packet latency is the link's own, not a queue's.
// Port B's upper layer reads every packet as it arrives and checks it (sequence per VL, bytes).
//
// Everything is deterministic: one seed, one Rng stream per direction, events ordered by time and
// then by insertion. The run fingerprint is a hash of the delivered sequence and the counters.

#include <cstdint>
#include <string>
#include <vector>

#include "protocol/common/error.hpp"
#include "protocol/common/units.hpp"
#include "protocol/dl/data_link.hpp"
#include "protocol/phy/phy_channel.hpp"

namespace ub::sim {

struct LinkExperimentConfig {
  std::uint64_t packets = 20'000;
  std::size_t size = 256;
  unsigned vls = 1;
  double vl0_share = -1.0; // < 0: uniform over the VLs; else the fraction sent on VL0
  bool bidirectional = false;
  std::uint32_t window = 8; // packets queued per VL at most
  std::uint64_t seed = 1;
  Time latency = Time{10'000};               // propagation, each way
  Time time_limit = Time{1'000'000'000'000}; // 1 s of model time
  phy::PhyConfig phy{};
  unsigned reverse_lanes = 0; // B -> A width if not 0 (an asymmetric link, §3.1.1)
  // Live width changes (QDLWS, §3.4.2.3): at model time `at`, port A's transmit width becomes
  // `lanes` (at most the trained width).
  struct WidthChange {
    Time at{};
    unsigned lanes = 0;
  };
  std::vector<WidthChange> width_changes;
  dl::DataLinkConfig dl{};
  // Optional: receives every data link event; TraceEvent::component is "dl.A" or "dl.B".
  Tracer* tracer = nullptr;

  // Ok, or an Error naming the option (header "link", field = the option).
  [[nodiscard]] Status validate() const;
};

struct LinkExperimentResult {
  std::uint64_t sent = 0;         // packets the sources handed to their data links
  std::uint64_t delivered = 0;    // packets the sinks received (flagged ones included)
  std::uint64_t duplicates = 0;   // a sequence number seen again
  std::uint64_t out_of_order = 0; // a sequence number skipped ahead
  std::uint64_t corrupted = 0;    // bytes differ from what was sent (silent corruption)
  std::uint64_t error_flagged = 0;
  std::uint64_t retries = 0;      // Retry_Req_Sets sent (both ends)
  std::uint64_t block_errors = 0; // CRC or FEC failures the receivers detected
  std::uint64_t retransmitted_flits = 0;
  std::uint64_t retrains = 0;
  std::uint64_t credit_stalls = 0;
  std::uint64_t retry_ack_timeouts = 0;
  std::uint64_t flits_sent = 0;            // every flit both data links put on the wire
  std::uint64_t null_flits = 0;            // FEC-frame padding
  std::uint64_t width_changes = 0;         // A -> B width switches done
  std::uint64_t width_changes_refused = 0; // refused (1 us after the previous one)
  std::uint64_t bits_flipped = 0;
  std::uint64_t fec_frames_corrected = 0;
  std::uint64_t fec_frames_uncorrectable = 0;
  std::uint64_t phy_silent_corruptions = 0; // frames the PHY passed on with bad bytes
  std::uint32_t credits_in_flight_peak =
      0;                        // most cells of B's buffer A held at once (spent, not back)
  double goodput_gbps = 0.0;    // payload bits delivered / elapsed
  double line_rate_gbps = 0.0;  // lanes x lane rate
  double latency_mean_ns = 0.0; // queued to delivered
  double latency_p99_ns = 0.0;
  double elapsed_us = 0.0;
  bool completed = false; // every packet delivered before the time limit
  std::string link_state; // e.g. "DLL_Normal", "ERROR (DL Retry Error)"
  std::vector<std::uint64_t> delivered_per_vl;
  std::uint64_t fingerprint = 0;
};

[[nodiscard]] LinkExperimentResult run_link_experiment(const LinkExperimentConfig& cfg);

} // namespace ub::sim
