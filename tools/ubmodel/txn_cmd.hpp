#pragma once
// `ubmodel txn`: the transaction experiment (sim/txn_experiment.hpp).

#include <cstdint>
#include <string>

#include <CLI/CLI.hpp>

namespace ub::tool {

struct TxnOptions {
  unsigned initiators = 2;
  unsigned targets = 2;
  unsigned queues = 1;
  std::uint64_t ops = 2000;
  unsigned depth = 16;
  std::string mix = "read:30,write:40,atomic:20,send:10";
  std::string mode = "roi";
  std::string order = "no";
  std::string sc = "dynamic";
  std::string transport = "rtp";
  std::size_t channels = 1;
  double loss = 0;
  bool loss_drops = false;
  double reorder = 0;
  double bad_token_rate = 0;
  std::uint32_t size = 64;
  std::uint32_t atomic_size = 8;
  std::uint32_t segment_kb = 64;
  std::uint32_t mtu = 4096;
  double rate_gbps = 400;
  unsigned hops = 3;
  double hop_ns = 100;
  double exec_ns = 50;
  unsigned taack_coalesce = 1;
  std::uint64_t seed = 1;
  bool json = false;
};

void add_txn_options(CLI::App* cmd, TxnOptions& o);
int run_txn(const TxnOptions& o);

} // namespace ub::tool
