// Fabric simulator foundations: the event queue's push/pop rate beside a std::priority_queue
// baseline in the same run, and the build time and table memory of the large fabrics (issue 6:
// an 8,192-NPU SuperPoD must build in under 30 s and fit in 8 GiB).
//
// The queue benchmark is the "hold" model: `pending` events are queued; each iteration pops the
// first and schedules one at a random later time (both queues see the same delays), so one
// iteration is one event through the queue.
//
//   build/release/bench/sim_bench --benchmark_repetitions=3 --benchmark_report_aggregates_only

#include <cstdint>
#include <functional>
#include <queue>
#include <vector>

#include <benchmark/benchmark.h>

#include "protocol/common/rng.hpp"
#include "sim/engine/event_queue.hpp"
#include "sim/topology/routing.hpp"

using namespace ub;
using namespace ub::sim;

namespace {

std::vector<std::int64_t> delays(std::size_t n) {
  Rng rng{7};
  std::vector<std::int64_t> d(n);
  for (auto& x : d) {
    x = 1 + static_cast<std::int64_t>(rng.below(1'000'000)); // up to 1 us
  }
  return d;
}

void BM_EventQueue(benchmark::State& state) {
  const auto pending = static_cast<std::size_t>(state.range(0));
  const auto d = delays(1 << 16);
  EventQueue q;
  q.reserve(pending + 1);
  for (std::size_t i = 0; i < pending; ++i) {
    (void)q.schedule(Time{d[i & 0xFFFF]}, EventBody{1, static_cast<std::uint32_t>(i), i});
  }
  std::size_t k = 0;
  for (auto _ : state) {
    const Event e = q.pop();
    benchmark::DoNotOptimize(e.body.payload);
    (void)q.schedule(e.time + Time{d[k++ & 0xFFFF]}, e.body, e.priority);
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
  state.counters["events_per_s"] =
      benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_EventQueue)->Arg(64)->Arg(1024)->Arg(65536)->Arg(1 << 20);

// The baseline: std::priority_queue of the same 40-byte event, ordered by (time, priority, seq).
void BM_StdPriorityQueue(benchmark::State& state) {
  struct Ev {
    std::int64_t t;
    std::uint8_t prio;
    std::uint64_t seq;
    EventBody body;
    bool operator>(const Ev& o) const {
      return t != o.t ? t > o.t : prio != o.prio ? prio > o.prio : seq > o.seq;
    }
  };
  const auto pending = static_cast<std::size_t>(state.range(0));
  const auto d = delays(1 << 16);
  std::vector<Ev> storage;
  storage.reserve(pending + 1);
  std::priority_queue<Ev, std::vector<Ev>, std::greater<>> q{std::greater<>{}, std::move(storage)};
  std::uint64_t seq = 0;
  for (std::size_t i = 0; i < pending; ++i) {
    q.push(Ev{d[i & 0xFFFF], 0, seq++, EventBody{1, static_cast<std::uint32_t>(i), i}});
  }
  std::size_t k = 0;
  for (auto _ : state) {
    const Ev e = q.top();
    q.pop();
    benchmark::DoNotOptimize(e.body.payload);
    q.push(Ev{e.t + d[k++ & 0xFFFF], e.prio, seq++, e.body});
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
  state.counters["events_per_s"] =
      benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_StdPriorityQueue)->Arg(64)->Arg(1024)->Arg(65536)->Arg(1 << 20);

// Topology generation plus routing tables. Counters: nodes, links, destination groups and the
// tables' bytes (the process's peak RSS is best read with /usr/bin/time -v around a filtered run).
void fabric(benchmark::State& state, const std::function<Result<Topology>()>& make) {
  std::size_t bytes = 0, nodes = 0, links = 0, groups = 0;
  for (auto _ : state) {
    auto t = make();
    if (!t) {
      state.SkipWithError("topology refused");
      return;
    }
    auto r = Routing::build(*t);
    if (!r) {
      state.SkipWithError("routing refused");
      return;
    }
    bytes = r->memory_bytes();
    nodes = t->node_count();
    links = t->link_count();
    groups = r->groups();
    benchmark::DoNotOptimize(bytes);
  }
  state.counters["nodes"] = static_cast<double>(nodes);
  state.counters["links"] = static_cast<double>(links);
  state.counters["groups"] = static_cast<double>(groups);
  state.counters["table_MiB"] = static_cast<double>(bytes) / (1024.0 * 1024.0);
}

void BM_FatTree4(benchmark::State& s) {
  fabric(s, [] { return make_fat_tree({}); });
}
void BM_FatTree8(benchmark::State& s) {
  fabric(s, [] { return make_fat_tree({.k = 8}); });
}
void BM_UbMeshPod1024(benchmark::State& s) {
  fabric(s, [] { return make_ub_mesh({}); });
}
void BM_Cm384(benchmark::State& s) {
  fabric(s, [] { return make_clos({}); });
}
void BM_Clos8192(benchmark::State& s) {
  fabric(s, [] { return make_clos({.nodes = 1024}); });
}
void BM_UbMeshSuperPod8192(benchmark::State& s) {
  fabric(s, [] { return make_ub_mesh({.pods = 8}); });
}
BENCHMARK(BM_FatTree4)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_FatTree8)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_UbMeshPod1024)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Cm384)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Clos8192)->Unit(benchmark::kMillisecond)->Iterations(1);
BENCHMARK(BM_UbMeshSuperPod8192)->Unit(benchmark::kMillisecond)->Iterations(1);

} // namespace

BENCHMARK_MAIN();
