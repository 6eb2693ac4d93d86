// Data link throughput: flits per second through a pair of DataLink endpoints (UB-Base-2.0 §4)
// joined back to back, no simulator and no PHY model around them. Each iteration moves one batch
// of flits each way: A -> B carries the traffic, B -> A the ACKs and credits. Issue 3's goal is
// 20 million flits/s on one core; the baseline in the same run is a memcpy of the same bytes.
//
//   build/release/bench/link_bench --benchmark_repetitions=3 --benchmark_report_aggregates_only

#include <array>
#include <cstring>
#include <vector>

#include <benchmark/benchmark.h>

#include "protocol/dl/data_link.hpp"

using namespace ub;
using namespace ub::dl;

namespace {

constexpr std::size_t kBatch = 64; // flits per poll

struct Pair {
  DataLink a, b;
  std::vector<Byte> payload;
  std::array<Byte, kBatch * kFlitBytes> buf{};
  Time now{0};

  Pair(BlockMode mode, std::size_t size) : a(config(mode)), b(config(mode)), payload(size, 0x5A) {
    a.on_link_up(now);
    b.on_link_up(now);
    for (int i = 0; i < 200 && (a.state() != DllState::Normal || b.state() != DllState::Normal);
         ++i) {
      step();
    }
  }
  static DataLinkConfig config(BlockMode mode) {
    DataLinkConfig c{};
    c.mode = mode;
    c.tx_queue_limit = 64;
    return c;
  }
  // One batch each way; returns the flits A sent.
  std::size_t step() {
    now += Time{1'000};
    while (a.state() == DllState::Normal && a.tx_queued(0) < 32) {
      (void)a.send(payload, cfg::kCna16, 0);
    }
    const std::size_t n = a.poll_transmit(buf, now);
    b.on_receive(std::span<const Byte>(buf.data(), n), now);
    while (b.poll_deliver()) {
    }
    const std::size_t m = b.poll_transmit(buf, now);
    a.on_receive(std::span<const Byte>(buf.data(), m), now);
    return n / kFlitBytes;
  }
};

void BM_DataLinkPair(benchmark::State& state) {
  const auto mode = static_cast<BlockMode>(state.range(0));
  Pair p(mode, static_cast<std::size_t>(state.range(1)));
  std::uint64_t flits = 0;
  for (auto _ : state) {
    flits += p.step();
  }
  if (p.a.counters().block_errors + p.b.counters().block_errors != 0) {
    state.SkipWithError("block errors on a clean wire");
  }
  state.counters["flits/s"] =
      benchmark::Counter(static_cast<double>(flits), benchmark::Counter::kIsRate);
  state.counters["packets"] = static_cast<double>(p.b.counters().packets_delivered);
}
// mode (0 crc30, 1 crc62, 2 noncrc) x payload bytes after the LPH
BENCHMARK(BM_DataLinkPair)->ArgsProduct({{0, 1, 2}, {64, 256, 2048}})->ArgNames({"mode", "size"});

// Baseline: copying the same flit bytes twice (A's buffer to the wire, the wire to B).
void BM_MemcpyBaseline(benchmark::State& state) {
  std::array<Byte, kBatch * kFlitBytes> src{}, mid{}, dst{};
  src.fill(0x5A);
  std::uint64_t flits = 0;
  for (auto _ : state) {
    std::memcpy(mid.data(), src.data(), src.size());
    benchmark::ClobberMemory();
    std::memcpy(dst.data(), mid.data(), mid.size());
    benchmark::DoNotOptimize(dst.data());
    flits += kBatch;
  }
  state.counters["flits/s"] =
      benchmark::Counter(static_cast<double>(flits), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_MemcpyBaseline);

} // namespace

BENCHMARK_MAIN();
