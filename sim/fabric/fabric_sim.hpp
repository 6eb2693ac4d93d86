#pragma once
// The fabric simulator: UB controllers (function, transaction, transport and network layers,
// protocol/ta and protocol/tp) on the endpoints of a topology, joined by the fabric's network
// (network.hpp), running a scenario's flows, with every memory result checked by the
// transaction oracle (protocol/ta/oracle.hpp). `ubmodel sim` is its command line.

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "protocol/common/units.hpp"
#include "sim/config_error.hpp"
#include "sim/engine/event_queue.hpp"
#include "sim/fabric/network.hpp"
#include "sim/scenario/scenario.hpp"
#include "sim/topology/routing.hpp"
#include "sim/topology/topology.hpp"
#include "sim/traffic/flow.hpp"

namespace ub::sim {

struct FlowResult {
  std::uint32_t id = 0;
  std::uint32_t task = kNoTask;
  std::uint32_t src = 0, dst = 0; // endpoint indexes
  OpKind op = OpKind::Write;
  std::uint64_t bytes = 0;
  std::uint64_t ops = 0, ops_done = 0, ops_failed = 0;
  bool started = false, done = false;
  Time start{0}, end{0};
  Time last_op{0}; // when its latest op completed or failed (0: none yet)
};

struct OpClassStats {
  std::uint64_t ops = 0, bytes = 0, failed = 0;
  std::vector<double> latency_us; // per op, posted to completion
};

struct SeriesRow {
  Time at{0};
  std::uint32_t port = 0;  // global port (the sending end of a link direction)
  std::uint64_t bytes = 0; // wire bytes sent in the interval
  std::uint64_t queue = 0; // queued bytes at the sample
};

enum class SimStop : std::uint8_t {
  Completed, // every flow finished and the fabric drained
  EndTime,   // run.end_time reached
  MaxEvents, // run.max_events reached
  Deadlock,  // packets queued and none moved for run.stall_timeout
  Idle,      // nothing left to do, but some flows never finished (failed ops)
};
[[nodiscard]] std::string_view to_string(SimStop s) noexcept;

struct SimResult {
  SimStop stop = SimStop::Completed;
  Time sim_time{0};
  double wall_s = 0;
  std::uint64_t events = 0;
  std::uint64_t fingerprint = 0;
  std::uint64_t oracle_violations = 0;
  bool oracle_checked = false; // the oracle ran (full endpoints with run.oracle on)
  std::string oracle_summary;
  NetworkCounters net{};
  std::vector<FlowResult> flows;
  std::array<OpClassStats, 6> classes{}; // by OpKind
  std::vector<PortStats> ports;          // by global port
  std::vector<SeriesRow> series;
  std::uint64_t stuck_packets = 0; // in the network when the run stopped
  std::uint64_t ta_timeouts = 0;
  std::uint64_t stalled_timers = 0; // timers still due after firing, retried 1 ns later
  std::size_t endpoints = 0;
  std::size_t peak_rss_kb = 0;
};

struct SimProgress {
  Time now{0};
  double fraction = 0; // flows done
  std::uint64_t events = 0;
  double wall_s = 0;
};
using ProgressFn = std::function<void(const SimProgress&)>;

class FabricSim {
public:
  // Builds controllers and network for `flows` over `topo` (finalized). Errors name the key.
  [[nodiscard]] static ConfigResult<std::unique_ptr<FabricSim>>
  make(const Scenario& sc, const Topology& topo, std::vector<Flow> flows);
  ~FabricSim();
  FabricSim(const FabricSim&) = delete;
  FabricSim& operator=(const FabricSim&) = delete;

  // Runs to completion or a guard. `progress` (optional) is called about once a second of wall
  // time.
  [[nodiscard]] SimResult run(const ProgressFn& progress = {});

  [[nodiscard]] const Routing& routing() const noexcept;
  [[nodiscard]] FabricNetwork& network() noexcept;

private:
  struct Impl;
  explicit FabricSim(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

} // namespace ub::sim
