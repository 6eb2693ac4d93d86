#include "protocol/dl/retry_buffer.hpp"

#include <cstring>

namespace ub::dl {

RetryBuffer::RetryBuffer(std::uint32_t depth_flits)
    : depth_(depth_flits == 0 ? 1 : depth_flits), ring_(std::size_t{depth_} * kFlitBytes),
      num_free_(depth_) {}

void RetryBuffer::reset() noexcept {
  wr_ = 0;
  tail_ = 0;
  num_free_ = depth_;
}

void RetryBuffer::write(std::span<const Byte> flits) noexcept {
  for (std::size_t off = 0; off + kFlitBytes <= flits.size(); off += kFlitBytes) {
    std::memcpy(ring_.data() + std::size_t{wr_} * kFlitBytes, flits.data() + off, kFlitBytes);
    wr_ = next(wr_);
    --num_free_;
  }
}

const Byte* RetryBuffer::flit(std::uint32_t index) const noexcept {
  return ring_.data() + std::size_t{index % depth_} * kFlitBytes;
}

bool RetryBuffer::release(std::uint32_t flits) noexcept {
  if (std::uint64_t{num_free_} + flits > depth_) {
    return false;
  }
  num_free_ += flits;
  tail_ = static_cast<std::uint32_t>((std::uint64_t{tail_} + flits) % depth_);
  return true;
}

bool RetryBuffer::in_window(std::uint32_t ptr) const noexcept {
  if (ptr >= depth_) {
    return false;
  }
  // [TailPtr, WrPtr] holds used() flits; when the buffer is full WrPtr == TailPtr and every
  // slot is a valid start.
  return distance(tail_, ptr) <= used();
}

} // namespace ub::dl
