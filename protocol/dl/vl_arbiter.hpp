#pragma once
// Arbitration between VLs when several have a DLLDP ready. UB-Base-2.0 §4.5 leaves the order
// between VLs to the implementation (FCFS within a VL); ubmodel offers strict priority (lower VL
// number first) and deficit weighted round robin, a model parameter.

#include <array>
#include <cstdint>

#include "protocol/dl/negotiation.hpp"

namespace ub::dl {

enum class VlArbitration : std::uint8_t { StrictPriority, Dwrr };

class VlArbiter {
public:
  VlArbiter(VlArbitration policy, const std::array<std::uint32_t, kMaxVls>& weights) noexcept;

  // Picks a VL among those with bit v set in `eligible`; `head_flits[v]` is the size of the
  // packet at the head of VL v. Returns kMaxVls if none is eligible. DWRR adds weight x 32
  // flits of quantum per round to each backlogged VL and charges the packet's flits.
  unsigned pick(std::uint16_t eligible,
                const std::array<std::uint32_t, kMaxVls>& head_flits) noexcept;

private:
  VlArbitration policy_;
  std::array<std::uint32_t, kMaxVls> weight_{};
  std::array<std::int64_t, kMaxVls> deficit_{};
  unsigned next_ = 0;
};

} // namespace ub::dl
