#include "protocol/dl/vl_arbiter.hpp"

namespace ub::dl {

VlArbiter::VlArbiter(VlArbitration policy,
                     const std::array<std::uint32_t, kMaxVls>& weights) noexcept
    : policy_(policy), weight_(weights) {
  for (auto& w : weight_) {
    if (w == 0) {
      w = 1;
    }
  }
}

unsigned VlArbiter::pick(std::uint16_t eligible,
                         const std::array<std::uint32_t, kMaxVls>& head_flits) noexcept {
  if (eligible == 0) {
    return kMaxVls;
  }
  if (policy_ == VlArbitration::StrictPriority) {
    for (unsigned v = 0; v < kMaxVls; ++v) {
      if (((unsigned{eligible} >> v) & 1U) != 0) {
        return v;
      }
    }
    return kMaxVls;
  }
  // DWRR: visit VLs round robin from next_; a visited eligible VL whose deficit covers its head
  // packet sends it; otherwise it earns a quantum and the turn moves on. Bounded: each full
  // round adds a quantum of at least 32 flits, and a packet is at most 512 flits.
  for (unsigned steps = 0; steps < kMaxVls * 17; ++steps) {
    const unsigned v = next_;
    if (((unsigned{eligible} >> v) & 1U) != 0) {
      if (deficit_[v] >= static_cast<std::int64_t>(head_flits[v])) {
        deficit_[v] -= head_flits[v];
        return v;
      }
      deficit_[v] += static_cast<std::int64_t>(weight_[v]) * 32;
    } else {
      deficit_[v] = 0; // an idle VL keeps no credit
    }
    next_ = (next_ + 1) % kMaxVls;
  }
  for (unsigned v = 0; v < kMaxVls; ++v) {
    if (((unsigned{eligible} >> v) & 1U) != 0) {
      return v;
    }
  }
  return kMaxVls;
}

} // namespace ub::dl
