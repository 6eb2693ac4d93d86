#pragma once
// `ubmodel link`: the link experiment (sim/link_experiment.hpp) from the command line.

#include <string>
#include <vector>

#include <CLI/CLI.hpp>

namespace ub::tool {

struct LinkOptions {
  std::uint64_t packets = 20'000;
  std::size_t size = 256;
  unsigned vls = 1;
  double vl0_share = -1.0;
  bool bidirectional = false;
  double ber = 0.0;
  unsigned burst_bits = 1;
  std::string fec = "t4";
  std::string crc_mode = "crc";
  std::string credit_mode = "exclusive";
  std::string arbitration = "sp";
  unsigned lanes = 8;
  unsigned reverse_lanes = 0;
  std::vector<std::string> lanes_at; // "US:LANES"
  double fec_latency_ns = -1;        // < 0: the PhyConfig default of the FEC mode
  double rate_gbps = 106.25;
  double latency_ns = 10.0;
  std::uint32_t rx_cells = 256;
  std::int64_t shared_reserve = -1; // cells per VL kept back in shared mode; < 0: min(16, rx_cells)
  std::uint32_t retry_buffer = 4096;
  std::uint32_t window = 8;
  double time_limit_us = 1e6;
  std::uint64_t seed = 1;
  bool json = false;
  std::string trace; // file for data link events, one JSON object per line
};

// Registers the subcommand's options on `cmd`.
void add_link_options(CLI::App* cmd, LinkOptions& o);
// Runs the experiment and prints the result; returns the exit status (2 on a bad option).
int run_link(const LinkOptions& o);

} // namespace ub::tool
