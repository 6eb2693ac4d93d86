// Collective traffic: ring and tree AllReduce, MoE dispatch and combine (traffic.hpp;
// docs/spec-coverage.md A-204..A-206).

#include <algorithm>
#include <array>
#include <numeric>

#include "sim/traffic/traffic_detail.hpp"

namespace ub::sim::traffic_detail {

void ring_allreduce(FlowEmitter& emit, std::span<const std::uint32_t> ranks, std::uint64_t bytes) {
  const std::uint32_t n = static_cast<std::uint32_t>(ranks.size());
  // Chunk c: bytes / n, plus one for the first bytes % n chunks, so the chunks sum to bytes.
  const std::uint64_t base = bytes / n;
  const std::uint64_t extra = bytes % n;
  const auto chunk = [&](std::uint32_t c) { return base + (c < extra ? 1U : 0U); };
  const std::uint32_t steps = 2 * (n - 1);
  std::vector<std::uint32_t> prev(n); // flow ids of the previous step, by sending rank
  std::vector<std::uint32_t> cur(n);
  for (std::uint32_t s = 0; s < steps; ++s) {
    for (std::uint32_t i = 0; i < n; ++i) {
      // Reduce-scatter (s < n-1): rank i sends chunk i - s, the one it received at step s - 1
      // and added its own to. All-gather (t = s - (n-1)): it sends chunk i + 1 - t, reduced in
      // full (t = 0) or received at the step before.
      const std::uint32_t c = s < n - 1 ? (i + n - s % n) % n : (i + 1 + n - (s - (n - 1)) % n) % n;
      const std::uint32_t next = (i + 1) % n;
      const std::uint32_t from = (i + n - 1) % n; // whose previous flow brought i its data
      if (s == 0) {
        cur[i] = emit.open(ranks[i], ranks[next], chunk(c), Time{}, s);
      } else {
        const std::array<std::uint32_t, 1> dep{prev[from]};
        cur[i] = emit.then(ranks[i], ranks[next], chunk(c), dep, s);
      }
    }
    std::swap(prev, cur);
  }
}

void tree_allreduce(FlowEmitter& emit, std::span<const std::uint32_t> ranks, std::uint64_t bytes) {
  const std::uint32_t n = static_cast<std::uint32_t>(ranks.size());
  // Heap order: rank r's parent is (r - 1) / 2, its children 2r + 1 and 2r + 2.
  const auto depth = [](std::uint32_t r) {
    std::uint32_t d = 0;
    for (std::uint64_t x = std::uint64_t{r} + 1; x > 1; x >>= 1U) {
      ++d;
    }
    return d;
  };
  const std::uint32_t max_depth = depth(n - 1);
  std::vector<std::uint32_t> up(n, kNoTask);   // flow id of rank r's reduce flow to its parent
  std::vector<std::uint32_t> down(n, kNoTask); // flow id of the broadcast flow into rank r
  const auto children_up = [&](std::uint32_t r) {
    std::vector<std::uint32_t> deps;
    for (const std::uint64_t c : {2 * std::uint64_t{r} + 1, 2 * std::uint64_t{r} + 2}) {
      if (c < n) {
        deps.push_back(up[c]);
      }
    }
    return deps;
  };
  // Reduce, deepest first: step max_depth - d for the flows out of depth d. A rank sends its
  // partial sum once its children's have arrived.
  for (std::uint32_t d = max_depth; d >= 1; --d) {
    const std::uint32_t first = (1U << d) - 1;
    const std::uint32_t last = std::min(n, (2U << d) - 1);
    for (std::uint32_t r = first; r < last; ++r) {
      up[r] = emit.then(ranks[r], ranks[(r - 1) / 2], bytes, children_up(r), max_depth - d);
    }
  }
  // Broadcast, shallowest first: step max_depth + d - 1 for the flows into depth d. The root
  // sends once every child's sum arrived, any other rank once it received the result.
  for (std::uint32_t d = 1; d <= max_depth; ++d) {
    const std::uint32_t first = (1U << d) - 1;
    const std::uint32_t last = std::min(n, (2U << d) - 1);
    for (std::uint32_t r = first; r < last; ++r) {
      const std::uint32_t parent = (r - 1) / 2;
      const std::vector<std::uint32_t> deps =
          parent == 0 ? children_up(0) : std::vector<std::uint32_t>{down[parent]};
      down[r] = emit.then(ranks[parent], ranks[r], bytes, deps, max_depth + d - 1);
    }
  }
}

MoeRouter::MoeRouter(Rng rng, std::uint32_t experts, std::uint32_t top_k)
    : rng_(rng), perm_(experts), top_k_(top_k) {
  std::iota(perm_.begin(), perm_.end(), 0U);
}

void MoeRouter::draw(std::uint32_t holders, std::vector<std::uint32_t>& out) {
  out.clear();
  out.reserve(std::size_t{holders} * top_k_);
  const std::uint64_t experts = perm_.size();
  for (std::uint32_t h = 0; h < holders; ++h) {
    for (std::uint32_t j = 0; j < top_k_; ++j) {
      const std::uint64_t pick = j + rng_.below(experts - j);
      std::swap(perm_[j], perm_[pick]);
    }
    const auto begin = out.insert(out.end(), perm_.begin(), perm_.begin() + top_k_);
    std::sort(begin, out.end());
  }
}

void moe(FlowEmitter& emit, std::span<const std::uint32_t> set, std::uint32_t experts,
         std::span<const std::uint32_t> choices, std::uint32_t top_k, bool combine,
         const SizeSampler& sizes, Rng& size_rng) {
  const std::size_t holders = set.size() - experts;
  for (std::size_t h = 0; h < holders; ++h) {
    for (std::uint32_t j = 0; j < top_k; ++j) {
      const std::uint32_t holder = set[h];
      const std::uint32_t expert = set[holders + choices[h * top_k + j]];
      const std::uint64_t bytes = sizes.draw(size_rng);
      if (combine) {
        emit.open(expert, holder, bytes);
      } else {
        emit.open(holder, expert, bytes);
      }
    }
  }
}

} // namespace ub::sim::traffic_detail
