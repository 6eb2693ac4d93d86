#include "protocol/dl/credit.hpp"

#include <algorithm>

namespace ub::dl {

void CreditSender::reset(CreditMode mode,
                         const std::array<std::uint32_t, kMaxVls>& shared_reserve) noexcept {
  mode_ = mode;
  initial_.fill(0);
  counter_.fill(0);
  reserve_target_ = shared_reserve;
  shared_ = 0;
  in_flight_ = 0;
  granted_ = 0;
}

void CreditSender::grant_initial(unsigned vl, std::uint32_t cells) noexcept {
  initial_[vl] += cells;
  granted_ += cells;
  if (mode_ == CreditMode::Exclusive) {
    counter_[vl] += cells;
  } else {
    shared_ += cells;
  }
}

void CreditSender::finish_initial() noexcept {
  if (mode_ != CreditMode::Shared) {
    return;
  }
  // Carve each VL's reserve out of SHARE_CRD, in VL order, as far as the pool allows
  // (§4.6.1.3's example: 6553 total, 128 reserved for VL0 and VL1, 6297 shared).
  for (unsigned vl = 0; vl < kMaxVls; ++vl) {
    if (initial_[vl] == 0) {
      reserve_target_[vl] = 0; // a VL the peer granted nothing (not enabled) keeps no reserve
      continue;
    }
    const std::uint32_t take = std::min(reserve_target_[vl], shared_);
    counter_[vl] = take;
    reserve_target_[vl] = take;
    shared_ -= take;
  }
}

bool CreditSender::can_send(unsigned vl, std::uint32_t cells) const noexcept {
  if (mode_ == CreditMode::Exclusive) {
    return counter_[vl] >= cells;
  }
  return std::uint64_t{shared_} + counter_[vl] >= cells;
}

void CreditSender::consume(unsigned vl, std::uint32_t cells) noexcept {
  in_flight_ += cells;
  if (mode_ == CreditMode::Exclusive) {
    counter_[vl] -= cells;
    return;
  }
  const std::uint32_t from_shared = std::min(shared_, cells);
  shared_ -= from_shared;
  counter_[vl] -= cells - from_shared;
}

bool CreditSender::give_back(unsigned vl, std::uint32_t cells) noexcept {
  if (cells > in_flight_) {
    return false; // more returned than was ever consumed: Flow Control Overflow
  }
  if (mode_ == CreditMode::Exclusive) {
    if (std::uint64_t{counter_[vl]} + cells > initial_[vl]) {
      return false;
    }
    counter_[vl] += cells;
    in_flight_ -= cells;
    return true;
  }
  in_flight_ -= cells;
  shared_ += cells;
  // Refill the reserves, lowest VL first (the spec leaves the order to the implementation).
  for (unsigned v = 0; v < kMaxVls && shared_ > 0; ++v) {
    const std::uint32_t need = reserve_target_[v] - counter_[v];
    const std::uint32_t take = std::min(need, shared_);
    counter_[v] += take;
    shared_ -= take;
  }
  return true;
}

std::uint64_t CreditSender::capacity(unsigned vl) const noexcept {
  if (mode_ == CreditMode::Exclusive) {
    return initial_[vl];
  }
  std::uint64_t others = 0;
  for (unsigned v = 0; v < kMaxVls; ++v) {
    if (v != vl) {
      others += reserve_target_[v];
    }
  }
  return granted_ > others ? granted_ - others : 0;
}

std::uint32_t CreditSender::available(unsigned vl) const noexcept {
  return mode_ == CreditMode::Exclusive ? counter_[vl] : shared_ + counter_[vl];
}

std::uint64_t CreditSender::held() const noexcept {
  std::uint64_t h = shared_;
  for (const auto c : counter_) {
    h += c;
  }
  return h;
}

void CreditReceiver::reset(const std::array<std::uint32_t, kMaxVls>& capacity,
                           bool shared) noexcept {
  capacity_ = capacity;
  used_.fill(0);
  pending_.fill(0);
  shared_ = shared;
}

bool CreditReceiver::admit(unsigned vl, std::uint32_t cells) noexcept {
  if (shared_) {
    std::uint64_t cap = 0;
    for (const auto c : capacity_) {
      cap += c;
    }
    if (total_used() + cells > cap) {
      return false;
    }
  } else if (std::uint64_t{used_[vl]} + cells > capacity_[vl]) {
    return false;
  }
  used_[vl] += cells;
  return true;
}

void CreditReceiver::release(unsigned vl, std::uint32_t cells) noexcept {
  used_[vl] -= cells;
  pending_[vl] += cells;
}

std::uint64_t CreditReceiver::total_used() const noexcept {
  std::uint64_t u = 0;
  for (const auto c : used_) {
    u += c;
  }
  return u;
}

} // namespace ub::dl
