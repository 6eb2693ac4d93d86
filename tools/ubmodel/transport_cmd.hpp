#pragma once
// `ubmodel transport`: the transport experiment (sim/transport_experiment.hpp).

#include <optional>
#include <string>

#include <CLI/CLI.hpp>

namespace ub::tool {

struct TransportOptions {
  std::uint64_t messages = 2000;
  std::size_t size = 4096;
  double loss = 0, dup = 0, reorder = 0;
  unsigned paths = 1;
  std::string lb = "flow";
  std::string retx = "gbn";
  std::string trigger = "fast";
  double rto_us = -1;        // < 0: dynamic (Table 6-8); else one of 512, 16000, 128000, 4000000
  double rto_base_us = 20;   // dynamic RTO Base_time, 4..2,097,152 us
  bool mark_psn = false;     // MarkPSN (selective + fast only)
  unsigned ack_coalesce = 1; // in-order packets per TPACK
  double ack_delay_us = 0;   // longest a coalesced ACK waits (0: no timer)
  std::string cc = "none";
  std::uint32_t mtu = 1024;
  std::uint32_t window = 512;
  double latency_us = 2.0;
  double skew_us = 0.5;
  std::uint64_t seed = 1;
  unsigned senders = 1;                  // > 1: incast through one bottleneck
  std::optional<double> bottleneck_gbps; // not given: the host rate when senders > 1
  std::optional<double> buffer_kb;       // not given: 1000 KB
  bool json = false;
};

void add_transport_options(CLI::App* cmd, TransportOptions& o);
int run_transport(const TransportOptions& o);

} // namespace ub::tool
