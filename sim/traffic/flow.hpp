#pragma once
// Flows: what the fabric simulator's endpoints are asked to move. A flow is one application's
// stream of operations from one endpoint to another (a URMA Write/Read/Send message stream or a
// load/store stream); traffic generators (traffic.hpp) and the ns-3 importer produce them, the
// fabric runs them and reports one `flows` entry per flow (issue 6 outputs).

#include <cstdint>
#include <string_view>
#include <vector>

#include "protocol/common/units.hpp"

namespace ub::sim {

// What the source endpoint posts for each operation of the flow (UB-Base-2.0 §8, §9).
enum class OpKind : std::uint8_t {
  Write,    // URMA Write: data goes src -> dst
  Read,     // URMA Read: a request src -> dst, data dst -> src
  Send,     // URMA Send: a two-sided message src -> dst
  Load,     // load/store Load (§9): a small read, src -> dst request, data back
  Store,    // load/store Store: a small write
  FetchAdd, // an atomic fetch-and-add of op_bytes (8 by default)
};
[[nodiscard]] constexpr std::string_view to_string(OpKind k) noexcept {
  switch (k) {
  case OpKind::Write:
    return "write";
  case OpKind::Read:
    return "read";
  case OpKind::Send:
    return "send";
  case OpKind::Load:
    return "load";
  case OpKind::Store:
    return "store";
  case OpKind::FetchAdd:
    return "fetch_add";
  }
  return "?";
}

inline constexpr std::uint32_t kNoTask = 0xFFFF'FFFFU;

struct Flow {
  std::uint32_t id = 0;  // dense: flows[i].id == i
  std::uint32_t src = 0; // endpoint index (0 .. endpoints-1, Topology::endpoints() order)
  std::uint32_t dst = 0; // endpoint index, != src
  OpKind op = OpKind::Write;
  std::uint64_t bytes = 0;    // total payload over all operations, > 0
  std::uint32_t op_bytes = 0; // payload per operation (the last one may be shorter), > 0
  // Start: with no `after` and no `after_phases`, the absolute earliest start; otherwise the
  // delay after the last flow they name completes (ns-3 UB's traffic.csv delay has this meaning).
  Time start{};
  std::vector<std::uint32_t> after; // ids of flows that must complete first (all < id)
  std::uint64_t rate_bps = 0;       // open loop: operations injected at this payload rate; 0 = none
  std::uint32_t window = 0;         // closed loop: operations outstanding at most; 0 = unlimited
  std::uint8_t priority = 0;        // traffic class; the fabric maps it to a VL
  std::uint32_t task = kNoTask;     // a label reported with the flow (ns-3 taskId, step number)
  std::uint32_t group = 0;          // index of the traffic pattern that made it
  // Barriers (additive to `after`): the flow also waits for every flow of each phase listed. A
  // phase is one repetition of a traffic pattern, or one ns-3 phase; its flows carry its number
  // in `phase`. In a flow vector phases are numbered densely from 0, each phase's flows are
  // contiguous, `phase` never decreases along the vector and `after_phases` names only lower
  // phases, so an N-to-M barrier costs N + M entries instead of N x M (docs A-200).
  std::uint32_t phase = 0;
  std::vector<std::uint32_t> after_phases; // ascending, each < phase
};

} // namespace ub::sim
