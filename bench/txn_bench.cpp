// Transaction throughput: transactions per second through a TaInitiator, a transport and a
// TaTarget (two TaEndpoints), no network or simulator around them: an in-process driver hands
// every packet to the other device at once (zero delay) and advances time by 1 ns per round.
// UB-Base-2.0 §7.3 (one request, one answer per slice), §7.4.2 (Write, Read, Atomic_fetch_add).
//
// Transports: the ideal transport, and an RTP channel pair (make_rtp_mesh with 2 devices, one
// channel, every TP ACK processed). Workloads: 64-byte Write, 64-byte Read, 8-byte fetch_add.
// Queue depth 1 and 64; the reference oracle off or on. Baselines in the same run: a memcpy of
// the same 64 bytes, and TargetMemory::write of them (what the target's execution itself costs).
//
//   build/release/bench/txn_bench --benchmark_repetitions=3 --benchmark_report_aggregates_only

#include <cstring>
#include <memory>
#include <vector>

#include <benchmark/benchmark.h>

#include "protocol/common/rng.hpp"
#include "protocol/ta/oracle.hpp"
#include "protocol/ta/ta_endpoint.hpp"
#include "protocol/ta/target_memory.hpp"
#include "protocol/ta/transport_rtp.hpp"

using namespace ub;
using namespace ub::ta;

namespace {

constexpr std::uint32_t kToken = 1;
constexpr std::uint32_t kTokenValue = 0x7E57;
constexpr std::uint64_t kSegBytes = 1 << 20;
constexpr std::uint64_t kSlots = 1024; // ops cycle over 1024 64-byte slots

enum class Via : std::int64_t { Ideal = 0, Rtp = 1 };
enum class Work : std::int64_t { Write = 0, Read = 1, FetchAdd = 2 };

std::vector<std::unique_ptr<TaTransport>> transports(Via via) {
  std::vector<std::unique_ptr<TaTransport>> v;
  if (via == Via::Ideal) {
    for (PeerId i = 0; i < 2; ++i) {
      IdealConfig c;
      c.self = i;
      v.push_back(make_ideal_transport(c));
    }
    return v;
  }
  RtpTransportConfig c;
  c.channel.retx = tp::RetxAlgo::SelectiveFast;
  Rng rng(1, 1);
  auto m = make_rtp_mesh(2, c, rng);
  if (m) {
    v = std::move(*m);
  }
  return v;
}

struct Rig {
  Rig(Via via, TxnObserver* observer) {
    EndpointConfig ep;
    ep.initiator.max_inflight_slices = 1024;
    for (auto& t : transports(via)) {
      eps.push_back(std::make_unique<TaEndpoint>(std::move(t), ep, observer));
    }
    QueueConfig q;
    q.on_error = ExceptionMode::Continue;
    (void)eps.at(0)->initiator().add_queue(1, q);
    TaTarget& t = eps.at(1)->target();
    (void)t.ummu().add_entity(1);
    (void)t.ummu().add_token_context(1, kToken);
    (void)t.ummu().map(1, kToken, 0, kSegBytes, 0x100000);
    PermissionEntry e;
    e.limit = kSegBytes - 1;
    e.token_val0 = kTokenValue;
    (void)t.ummu().add_permission(1, kToken, e);
  }

  TxnOp op(Work w, OpId id) const {
    TxnOp o;
    o.id = id;
    o.target = 1;
    o.token_id = kToken;
    o.token_value = kTokenValue;
    o.uba = (id % kSlots) * 64;
    switch (w) {
    case Work::Write:
      o.opcode = static_cast<std::uint8_t>(TaOpcode::Write);
      o.length = 64;
      o.data.assign(64, static_cast<Byte>(id));
      break;
    case Work::Read:
      o.opcode = static_cast<std::uint8_t>(TaOpcode::Read);
      o.length = 64;
      break;
    case Work::FetchAdd:
      o.opcode = static_cast<std::uint8_t>(TaOpcode::AtomicFetchAdd);
      o.length = 8;
      o.data.assign(16, Byte{0});
      o.data[0] = Byte{1};
      break;
    }
    return o;
  }

  // One round: every packet either device has goes to the other at once, until none is left;
  // then the timers that are due. Time moves by 1 ns per round.
  void round() {
    now += Time{1'000};
    bool any = true;
    while (any) {
      any = false;
      for (auto& e : eps) {
        while (auto p = e->poll_transmit(now)) {
          any = true;
          eps.at(p->dst)->on_receive(*p, now);
        }
      }
    }
    for (auto& e : eps) {
      if (e->next_timeout() <= now) {
        e->on_timeout(now);
      }
    }
  }

  std::vector<std::unique_ptr<TaEndpoint>> eps;
  Time now{0};
};

// Args: transport (0 ideal, 1 RTP), workload (0 write, 1 read, 2 fetch_add), queue depth, oracle.
void BM_Txn(benchmark::State& state) {
  const auto via = static_cast<Via>(state.range(0));
  const auto work = static_cast<Work>(state.range(1));
  const auto depth = static_cast<std::uint64_t>(state.range(2));
  const bool with_oracle = state.range(3) != 0;
  Oracle oracle;
  Rig rig(via, with_oracle ? &oracle : nullptr);
  if (rig.eps.size() != 2) {
    state.SkipWithError("transport setup failed");
    return;
  }
  OpId next = 0;
  std::uint64_t outstanding = 0;
  std::uint64_t done = 0;
  std::uint64_t failed = 0;
  for (auto _ : state) {
    while (outstanding < depth) {
      if (!rig.eps[0]->post(1, rig.op(work, next++), rig.now)) {
        state.SkipWithError("post refused");
        return;
      }
      ++outstanding;
    }
    rig.round();
    while (auto c = rig.eps[0]->poll_completion()) {
      --outstanding;
      ++done;
      failed += c->status == fn::CqeStatus::Success ? 0U : 1U;
    }
  }
  if (failed != 0) {
    state.SkipWithError("a transaction failed");
  }
  if (with_oracle && !oracle.ok()) {
    state.SkipWithError("oracle violation");
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(done));
  state.counters["ns/txn"] = benchmark::Counter(
      static_cast<double>(done), benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}
BENCHMARK(BM_Txn)
    ->ArgsProduct({{0, 1}, {0, 1, 2}, {1, 64}, {0, 1}})
    ->ArgNames({"rtp", "work", "qd", "oracle"});

// Baseline: copying the 64 bytes of one transaction.
void BM_Memcpy64(benchmark::State& state) {
  std::vector<Byte> src(64, Byte{0x5A});
  std::vector<Byte> dst(64);
  std::uint64_t n = 0;
  for (auto _ : state) {
    std::memcpy(dst.data(), src.data(), src.size());
    benchmark::ClobberMemory();
    benchmark::DoNotOptimize(dst.data());
    ++n;
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(n));
}
BENCHMARK(BM_Memcpy64);

// Baseline: the target's memory write of those 64 bytes alone (what a Write executes).
void BM_TargetMemoryWrite64(benchmark::State& state) {
  TargetMemory mem;
  std::vector<Byte> src(64, Byte{0x5A});
  std::uint64_t n = 0;
  for (auto _ : state) {
    mem.write(0x100000 + (n % kSlots) * 64, src);
    ++n;
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(n));
}
BENCHMARK(BM_TargetMemoryWrite64);

} // namespace

BENCHMARK_MAIN();
