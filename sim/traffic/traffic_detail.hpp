#pragma once
// Internals shared by the traffic generators (traffic.cpp, collectives.cpp): the random streams
// of a pattern and the emitter that appends one repetition's flows. Not an interface.

#include <cstdint>
#include <span>
#include <utility>
#include <vector>

#include "protocol/common/rng.hpp"
#include "sim/engine/rng_streams.hpp"
#include "sim/traffic/flow.hpp"
#include "sim/traffic/size_dist.hpp"
#include "sim/traffic/traffic.hpp"

namespace ub::sim::traffic_detail {

// The independent random streams of one pattern: component (Traffic, pattern * 8 + purpose) of
// the run seed (engine/rng_streams.hpp), so a pattern's draws do not depend on the other
// patterns, and its destinations do not depend on its sizes or start gaps.
enum class Stream : std::uint8_t {
  Pairs = 0, // destinations, derangements, expert choices
  Sizes = 1, // message sizes
  Gaps = 2,  // Uniform start gaps
};
[[nodiscard]] inline Rng pattern_rng(std::uint64_t seed, std::size_t pattern, Stream s) {
  return component_rng(seed, ComponentKind::Traffic,
                       std::uint64_t{pattern} * 8U + static_cast<std::uint8_t>(s));
}

// a + b for non-negative times, kNever where the sum would overflow.
[[nodiscard]] constexpr Time saturating_add(Time a, Time b) noexcept {
  return b > kNever - a ? kNever : a + b;
}

// Appends the flows of one repetition of a pattern, filling what all its flows share (op,
// op_bytes, rate, window, priority, group, phase).
class FlowEmitter {
public:
  struct Shared {
    OpKind op = OpKind::Write;
    std::uint32_t op_bytes = 0;
    std::uint64_t rate_bps = 0;
    std::uint32_t window = 0;
    std::uint8_t priority = 0;
    std::uint32_t group = 0;
  };

  // `barrier`: the phases this repetition waits for; `start`: when it starts (absolute with no
  // barrier, else the delay after the barrier).
  FlowEmitter(std::vector<Flow>& out, const Shared& shared, std::uint32_t phase,
              std::vector<std::uint32_t> barrier, Time start)
      : out_(out), shared_(shared), phase_(phase), barrier_(std::move(barrier)), start_(start) {}

  // A flow that opens the repetition: it waits for the barrier and starts `offset` after the
  // repetition's start.
  std::uint32_t open(std::uint32_t src, std::uint32_t dst, std::uint64_t bytes, Time offset = {},
                     std::uint32_t task = kNoTask) {
    Flow& f = add(src, dst, bytes, task);
    f.start = saturating_add(start_, offset);
    f.after_phases = barrier_;
    return f.id;
  }

  // A flow that waits for flows of this repetition (ids returned earlier) and starts as soon as
  // they complete. With no such flow it opens the repetition instead.
  std::uint32_t then(std::uint32_t src, std::uint32_t dst, std::uint64_t bytes,
                     std::span<const std::uint32_t> deps, std::uint32_t task = kNoTask) {
    if (deps.empty()) {
      return open(src, dst, bytes, Time{}, task);
    }
    Flow& f = add(src, dst, bytes, task);
    f.after.assign(deps.begin(), deps.end());
    return f.id;
  }

private:
  Flow& add(std::uint32_t src, std::uint32_t dst, std::uint64_t bytes, std::uint32_t task) {
    Flow& f = out_.emplace_back();
    f.id = static_cast<std::uint32_t>(out_.size() - 1);
    f.src = src;
    f.dst = dst;
    f.op = shared_.op;
    f.bytes = bytes;
    f.op_bytes = shared_.op_bytes;
    f.rate_bps = shared_.rate_bps;
    f.window = shared_.window;
    f.priority = shared_.priority;
    f.task = task;
    f.group = shared_.group;
    f.phase = phase_;
    return f;
  }

  std::vector<Flow>& out_;
  Shared shared_;
  std::uint32_t phase_;
  std::vector<std::uint32_t> barrier_;
  Time start_;
};

// ---- collectives.cpp ----

// Ring AllReduce over `ranks` (in ring order) of `bytes` each (>= ranks.size()): 2(n-1) steps.
void ring_allreduce(FlowEmitter& emit, std::span<const std::uint32_t> ranks, std::uint64_t bytes);

// Binary-tree AllReduce over `ranks` (heap order, ranks[0] the root): reduce up, broadcast down.
void tree_allreduce(FlowEmitter& emit, std::span<const std::uint32_t> ranks, std::uint64_t bytes);

// The expert choices of a MoE layer: each holder picks top_k distinct experts, uniformly, by a
// partial Fisher-Yates shuffle of one persistent array (uniform whatever order the array is in).
// A dispatch and the combine that reverses it replay the same sequence of draws.
class MoeRouter {
public:
  MoeRouter(Rng rng, std::uint32_t experts, std::uint32_t top_k);
  // One repetition: holder-major, each holder's experts ascending (positions 0..experts-1).
  void draw(std::uint32_t holders, std::vector<std::uint32_t>& out);

private:
  Rng rng_;
  std::vector<std::uint32_t> perm_;
  std::uint32_t top_k_;
};

// MoE dispatch (holders -> experts) or combine (experts -> holders) over `set`, whose last
// `experts` members are the experts; sizes drawn per flow.
void moe(FlowEmitter& emit, std::span<const std::uint32_t> set, std::uint32_t experts,
         std::span<const std::uint32_t> choices, std::uint32_t top_k, bool combine,
         const SizeSampler& sizes, Rng& size_rng);

} // namespace ub::sim::traffic_detail
