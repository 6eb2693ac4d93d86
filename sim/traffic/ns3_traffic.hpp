#pragma once
// ns-3 UB tasks (traffic.csv, sim/import/ns3_case.hpp) turned into flows, with that simulator's
// meaning (../shared/spec/ns3ub-formats.md §1 "Traffic generator", §2 traffic.csv): a task starts
// `delay` after every task of every phase in its dependOnPhases has completed, or at `delay` when
// it depends on none. docs/spec-coverage.md A-209.
//
// Each task is one flow: `task` keeps the ns-3 taskId, `phase` numbers the ns-3 phases densely in
// a dependency order and `after_phases` carries dependOnPhases, so a phase barrier costs one
// entry per task. Flows are ordered by phase (each phase contiguous, a phase after every phase it
// depends on; among phases free to go, the one whose first task comes first in the file), tasks
// of one phase by delay, then file order; `id` is the index in that order.
//
// MEM tasks (MEM_STORE, MEM_LOAD) of one source node share ns-3's LDST threads {0, 1}, whose
// queues are FIFO: among those issued together (same phase and dependOnPhases) each store task
// waits for the previous store task, each load task for the previous load task (`after`, with
// `start` the difference of their delays). A-217.

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <vector>

#include "sim/config_error.hpp"
#include "sim/import/ns3_case.hpp"
#include "sim/traffic/flow.hpp"

namespace ub::sim {

// The endpoint index of an ns-3 node id, or nullopt when the node is no endpoint of the fabric
// (a switch, or unknown).
using Ns3EndpointOf = std::function<std::optional<std::uint32_t>(std::uint32_t node)>;

// What a flow's operations look like for each ns-3 op type (ns3ub-formats.md §3).
struct Ns3FlowOptions {
  std::uint32_t urma_op_bytes = 65536; // UB_WQE_TA_SEGMENT_BYTE: a WQE goes as 64 KiB segments
  std::uint32_t store_op_bytes = 512;  // UbLdstInstance store request payload
  std::uint32_t load_op_bytes = 512;   // UbLdstInstance load response payload
  // MODEL: a MEM task runs on two LDST threads ({0, 1}) of 64 outstanding requests each.
  std::uint32_t store_window = 128;
  std::uint32_t load_window = 128;
  std::uint32_t urma_window = 0; // 0: the endpoint's own limit (ns-3: 1,000 packets in flight)
};

// The options from a case's settings (sizes and outstanding limits of its LDST unit).
[[nodiscard]] Ns3FlowOptions ns3_flow_options(const Ns3Settings& settings);

// The tasks as flows. Errors are ConfigErrors with file "traffic.csv", the task's line and the
// column: a node that is no endpoint, a task between one endpoint and itself, a zero size, a
// priority above 255, duplicate task ids, a dependency on a phase no task has, phase cycles, more
// than kMaxTrafficFlows tasks.
[[nodiscard]] ConfigResult<std::vector<Flow>> flows_from_ns3(std::span<const Ns3Task> tasks,
                                                             const Ns3EndpointOf& endpoint_of,
                                                             const Ns3FlowOptions& options = {});

// The usual numbering: the case's DEVICE nodes in ascending id order are endpoints 0, 1, ...
// (a converter that numbers its endpoints otherwise passes its own function).
[[nodiscard]] Ns3EndpointOf ns3_device_endpoints(const Ns3Case& c);

} // namespace ub::sim
