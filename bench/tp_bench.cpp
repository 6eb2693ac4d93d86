// Transport throughput: data packets per second through an RTP sender and receiver pair with
// every ACK processed (UB-Base-2.0 §6.4), no network or simulator around them. The baseline in the
// same run copies the same packet bytes twice.
//
//   build/release/bench/tp_bench --benchmark_repetitions=3 --benchmark_report_aggregates_only

#include <cstring>
#include <vector>

#include <benchmark/benchmark.h>

#include "protocol/tp/tp_channel.hpp"

using namespace ub;
using namespace ub::tp;

namespace {

TpChannelConfig config(RetxAlgo algo, std::uint32_t mtu, bool a, unsigned coalesce = 1) {
  TpChannelConfig c{};
  c.ack_coalesce = coalesce;
  c.retx = algo;
  c.mtu = mtu;
  c.local_tpn = a ? 1 : 2;
  c.peer_tpn = a ? 2 : 1;
  c.tx_initial_psn = c.rx_initial_psn = 100;
  return c;
}

void BM_RtpPair(benchmark::State& state) {
  const auto algo = static_cast<RetxAlgo>(state.range(0));
  const auto mtu = static_cast<std::uint32_t>(state.range(1));
  const auto coalesce = static_cast<unsigned>(state.range(2));
  TpChannel a(config(algo, mtu, true, coalesce));
  TpChannel b(config(algo, mtu, false, coalesce));
  const std::vector<Byte> msg(mtu * 4, 0x5A); // 4 packets per message
  Time now{0};
  std::uint64_t packets = 0;
  for (auto _ : state) {
    now += Time{1'000};
    while (a.queued_messages() < 4) {
      (void)a.send(msg);
    }
    if (auto p = a.poll_transmit(now)) {
      b.on_receive(p->tp, p->cci, now);
      ++packets;
    }
    while (auto ack = b.poll_transmit(now)) {
      a.on_receive(ack->tp, ack->cci, now);
    }
    while (b.poll_deliver()) {
    }
    while (a.poll_event()) {
    }
  }
  if (a.counters().retransmissions != 0 || b.counters().data_received != packets) {
    state.SkipWithError("retransmissions or lost packets on a clean pair");
  }
  state.counters["packets/s"] =
      benchmark::Counter(static_cast<double>(packets), benchmark::Counter::kIsRate);
}
// ack: in-order packets per TPACK (the A bit still asks for one on each message's last packet).
BENCHMARK(BM_RtpPair)
    ->ArgsProduct({{0, 2}, {1024, 4096}, {1, 4}})
    ->ArgNames({"algo", "mtu", "ack"});

void BM_CopyBaseline(benchmark::State& state) {
  const auto mtu = static_cast<std::size_t>(state.range(0));
  std::vector<Byte> src(mtu + 16, 0x5A), mid(mtu + 16), dst(mtu + 16);
  std::uint64_t packets = 0;
  for (auto _ : state) {
    std::memcpy(mid.data(), src.data(), src.size());
    benchmark::ClobberMemory();
    std::memcpy(dst.data(), mid.data(), mid.size());
    benchmark::DoNotOptimize(dst.data());
    ++packets;
  }
  state.counters["packets/s"] =
      benchmark::Counter(static_cast<double>(packets), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_CopyBaseline)->Arg(1024)->Arg(4096);

} // namespace

BENCHMARK_MAIN();
