// ns-3 UB tasks to flows: see ns3_traffic.hpp.

#include "sim/traffic/ns3_traffic.hpp"

#include <algorithm>
#include <compare>
#include <limits>
#include <map>
#include <queue>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "sim/traffic/traffic.hpp"

namespace ub::sim {

namespace {

ConfigError task_error(const Ns3Task& t, std::string_view field, std::string reason) {
  return ConfigError{std::string(kNs3TrafficFile), t.line, std::string(field), std::move(reason)};
}

std::uint32_t to_u32(std::uint64_t v, std::uint32_t fallback) {
  if (v == 0 || v > std::numeric_limits<std::uint32_t>::max()) {
    return fallback;
  }
  return static_cast<std::uint32_t>(v);
}

// MODEL: ns-3's app runs every MEM task on LDST threads {0, 1} (ns3ub-formats.md §3).
constexpr std::uint64_t kLdstThreadsPerTask = 2;

} // namespace

Ns3FlowOptions ns3_flow_options(const Ns3Settings& s) {
  Ns3FlowOptions o;
  o.urma_op_bytes = to_u32(s.ta_segment_bytes, o.urma_op_bytes);
  o.store_op_bytes = to_u32(s.ldst_store_request_bytes, o.store_op_bytes);
  o.load_op_bytes = to_u32(s.ldst_load_response_bytes, o.load_op_bytes);
  o.store_window = to_u32(kLdstThreadsPerTask * s.ldst_store_outstanding, o.store_window);
  o.load_window = to_u32(kLdstThreadsPerTask * s.ldst_load_outstanding, o.load_window);
  return o;
}

ConfigResult<std::vector<Flow>> flows_from_ns3(std::span<const Ns3Task> tasks,
                                               const Ns3EndpointOf& endpoint_of,
                                               const Ns3FlowOptions& options) {
  if (tasks.size() > kMaxTrafficFlows) {
    return make_unexpected(ConfigError{
        std::string(kNs3TrafficFile), 0, "taskId",
        fmt::format("{} tasks, above the limit of {} flows", tasks.size(), kMaxTrafficFlows)});
  }
  if (options.urma_op_bytes == 0 || options.store_op_bytes == 0 || options.load_op_bytes == 0) {
    return make_unexpected(ConfigError{{}, 0, "op_bytes", "an op size of 0 bytes"});
  }

  // Phases numbered densely by first appearance; task ids unique.
  std::map<std::uint32_t, std::uint32_t> phase_of_id; // ns-3 phase id -> dense index
  std::vector<std::size_t> phase_first_task;          // dense index -> its first task
  std::map<std::uint32_t, std::size_t> task_ids;      // ns-3 task id -> task index
  for (std::size_t k = 0; k < tasks.size(); ++k) {
    const Ns3Task& t = tasks[k];
    if (const auto [it, inserted] = task_ids.emplace(t.id, k); !inserted) {
      return make_unexpected(task_error(
          t, "taskId",
          fmt::format("task {} again (first on line {})", t.id, tasks[it->second].line)));
    }
    if (phase_of_id.emplace(t.phase, static_cast<std::uint32_t>(phase_first_task.size())).second) {
      phase_first_task.push_back(k);
    }
  }
  const std::size_t phases = phase_first_task.size();

  // Each task's dependencies as dense phases; each phase's, the union over its tasks.
  std::vector<std::vector<std::uint32_t>> task_deps(tasks.size());
  std::vector<std::vector<std::uint32_t>> phase_deps(phases);
  for (std::size_t k = 0; k < tasks.size(); ++k) {
    const Ns3Task& t = tasks[k];
    for (const std::uint32_t dep : t.depends_on) {
      const auto it = phase_of_id.find(dep);
      if (it == phase_of_id.end()) {
        return make_unexpected(
            task_error(t, "dependOnPhases", fmt::format("phase {} has no task", dep)));
      }
      task_deps[k].push_back(it->second);
      phase_deps[phase_of_id.at(t.phase)].push_back(it->second);
    }
  }
  for (auto& d : phase_deps) {
    std::sort(d.begin(), d.end());
    d.erase(std::unique(d.begin(), d.end()), d.end());
  }

  // Phase order: Kahn's algorithm, taking among the phases free to go the one seen first.
  std::vector<std::vector<std::uint32_t>> dependents(phases);
  std::vector<std::size_t> waiting(phases, 0);
  for (std::uint32_t p = 0; p < phases; ++p) {
    waiting[p] = phase_deps[p].size();
    for (const std::uint32_t d : phase_deps[p]) {
      dependents[d].push_back(p);
    }
  }
  std::priority_queue<std::uint32_t, std::vector<std::uint32_t>, std::greater<>> ready;
  for (std::uint32_t p = 0; p < phases; ++p) {
    if (waiting[p] == 0) {
      ready.push(p);
    }
  }
  constexpr std::uint32_t kUnranked = std::numeric_limits<std::uint32_t>::max();
  std::vector<std::uint32_t> rank(phases, kUnranked);
  std::uint32_t next_rank = 0;
  while (!ready.empty()) {
    const std::uint32_t p = ready.top();
    ready.pop();
    rank[p] = next_rank++;
    for (const std::uint32_t q : dependents[p]) {
      if (--waiting[q] == 0) {
        ready.push(q);
      }
    }
  }
  if (next_rank != phases) {
    // Walk unranked dependencies from an unranked phase until one repeats: that one is on a cycle.
    std::uint32_t p = 0;
    while (rank[p] != kUnranked) {
      ++p;
    }
    std::vector<bool> visited(phases, false);
    while (!visited[p]) {
      visited[p] = true;
      for (const std::uint32_t d : phase_deps[p]) {
        if (rank[d] == kUnranked) {
          p = d;
          break;
        }
      }
    }
    const Ns3Task& t = tasks[phase_first_task[p]];
    return make_unexpected(
        task_error(t, "dependOnPhases",
                   fmt::format("phase {} depends on itself through a cycle of phases", t.phase)));
  }

  // Tasks by phase rank, then by delay (the order ns-3 issues them once the phase may go), file
  // order among equals.
  std::vector<std::size_t> order(tasks.size());
  for (std::size_t k = 0; k < order.size(); ++k) {
    order[k] = k;
  }
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    const auto ra = rank[phase_of_id.at(tasks[a].phase)];
    const auto rb = rank[phase_of_id.at(tasks[b].phase)];
    return ra != rb ? ra < rb : tasks[a].delay < tasks[b].delay;
  });
  // MODEL: ns-3's app runs every MEM task on LDST threads {0, 1}, whose store and load
  // queues are FIFO, so MEM tasks of one source node and kind queue behind each other. Tasks
  // issued together (one phase, the same dependOnPhases) are chained in issue order: each waits
  // for the previous one's completion, then for the difference of their delays.
  struct LdstKey {
    std::uint32_t src = 0;
    OpKind op = OpKind::Store;
    std::vector<std::uint32_t> after_phases;
    auto operator<=>(const LdstKey&) const = default;
  };
  // -> the last such flow's id and its task's delay; cleared at each phase
  std::map<LdstKey, std::pair<std::uint32_t, Time>> last_on_threads;

  std::vector<Flow> flows;
  flows.reserve(tasks.size());
  for (const std::size_t k : order) {
    const Ns3Task& t = tasks[k];
    const auto src = endpoint_of(t.src);
    if (!src) {
      return make_unexpected(
          task_error(t, "sourceNode", fmt::format("node {} is not an endpoint", t.src)));
    }
    const auto dst = endpoint_of(t.dst);
    if (!dst) {
      return make_unexpected(
          task_error(t, "destNode", fmt::format("node {} is not an endpoint", t.dst)));
    }
    if (*src == *dst) {
      return make_unexpected(task_error(
          t, "destNode", fmt::format("nodes {} and {} are the same endpoint", t.src, t.dst)));
    }
    if (t.bytes == 0) {
      return make_unexpected(task_error(t, "dataSize(Byte)", "a task of 0 bytes"));
    }
    if (t.priority > std::numeric_limits<std::uint8_t>::max()) {
      return make_unexpected(task_error(t, "priority", fmt::format("{} is above 255", t.priority)));
    }
    if (t.delay < Time{}) {
      return make_unexpected(task_error(t, "delay", "must not be negative"));
    }
    if (static_cast<unsigned>(t.op) > static_cast<unsigned>(Ns3OpType::UrmaWriteNotify)) {
      return make_unexpected(task_error(t, "opType", "unknown op type"));
    }
    Flow f;
    f.id = static_cast<std::uint32_t>(flows.size());
    f.src = *src;
    f.dst = *dst;
    f.bytes = t.bytes;
    switch (t.op) {
    case Ns3OpType::UrmaWrite:
    case Ns3OpType::UrmaWriteNotify: // MODEL: the write's data; the notify is not a flow
      f.op = OpKind::Write;
      f.op_bytes = options.urma_op_bytes;
      f.window = options.urma_window;
      break;
    case Ns3OpType::UrmaRead:
      f.op = OpKind::Read;
      f.op_bytes = options.urma_op_bytes;
      f.window = options.urma_window;
      break;
    case Ns3OpType::MemStore:
      f.op = OpKind::Store;
      f.op_bytes = options.store_op_bytes;
      f.window = options.store_window;
      break;
    case Ns3OpType::MemLoad:
      f.op = OpKind::Load;
      f.op_bytes = options.load_op_bytes;
      f.window = options.load_window;
      break;
    }
    f.start = t.delay;
    f.priority = static_cast<std::uint8_t>(t.priority);
    f.task = t.id;
    f.group = 0;
    f.phase = rank[phase_of_id.at(t.phase)];
    for (const std::uint32_t d : task_deps[k]) {
      f.after_phases.push_back(rank[d]);
    }
    std::sort(f.after_phases.begin(), f.after_phases.end());
    f.after_phases.erase(std::unique(f.after_phases.begin(), f.after_phases.end()),
                         f.after_phases.end());
    if (!flows.empty() && flows.back().phase != f.phase) {
      last_on_threads.clear();
    }
    if (f.op == OpKind::Store || f.op == OpKind::Load) {
      const auto [it, first] =
          last_on_threads.try_emplace(LdstKey{f.src, f.op, f.after_phases}, f.id, t.delay);
      if (!first) {
        const auto [prev, prev_delay] = it->second;
        f.after.push_back(prev);
        f.start = t.delay - prev_delay; // >= 0: issue order
        it->second = {f.id, t.delay};
      }
    }
    flows.push_back(std::move(f));
  }
  return flows;
}

Ns3EndpointOf ns3_device_endpoints(const Ns3Case& c) {
  std::vector<std::uint32_t> devices;
  for (const Ns3Node& n : c.nodes) {
    if (n.kind == Ns3NodeKind::Device) {
      devices.push_back(n.id);
    }
  }
  std::sort(devices.begin(), devices.end());
  return [devices = std::move(devices)](std::uint32_t node) -> std::optional<std::uint32_t> {
    const auto it = std::lower_bound(devices.begin(), devices.end(), node);
    if (it == devices.end() || *it != node) {
      return std::nullopt;
    }
    return static_cast<std::uint32_t>(it - devices.begin());
  };
}

} // namespace ub::sim
