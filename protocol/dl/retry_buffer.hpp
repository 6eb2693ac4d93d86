#pragma once
// The sender's retry buffer. UB-Base-2.0 §4.7.3.2: D = RETRY_BUF_DEPTH + 1 flits in a ring.
// Every flit of every DLLDP and DLLCB except Null and Retry blocks is written at WrPtr; ACKs
// release flits from TailPtr; a retry replays from RdPtr (the receiver's RcvPtr) up to WrPtr.
// NumFreeBuf counts free flits; an ACK that would push it above D is a DL Protocol Error.

#include <cstdint>
#include <span>
#include <vector>

#include "protocol/common/bits.hpp"
#include "protocol/dl/block_mode.hpp"

namespace ub::dl {

class RetryBuffer {
public:
  explicit RetryBuffer(std::uint32_t depth_flits = 4096);

  void reset() noexcept;
  [[nodiscard]] std::uint32_t depth() const noexcept { return depth_; }
  [[nodiscard]] std::uint32_t num_free() const noexcept { return num_free_; }
  [[nodiscard]] std::uint32_t wr_ptr() const noexcept { return wr_; }
  [[nodiscard]] std::uint32_t tail_ptr() const noexcept { return tail_; }
  [[nodiscard]] std::uint32_t used() const noexcept { return depth_ - num_free_; }

  // MODEL (DL-A17): a sender writes only while one slot stays free. With the ring full, WrPtr
  // equals TailPtr and a Retry_Req's RcvPtr there could mean "resend all D flits" or "resend
  // nothing"; keeping a slot free makes RcvPtr == WrPtr always mean nothing.
  [[nodiscard]] bool can_write(std::uint32_t flits) const noexcept { return num_free_ > flits; }

  // Appends whole flits (bytes a multiple of 20). Precondition: num_free() >= flits.
  void write(std::span<const Byte> flits) noexcept;
  // Pointer to the 20 bytes of flit `index` (mod depth).
  [[nodiscard]] const Byte* flit(std::uint32_t index) const noexcept;
  // ACK of `flits`: false (and nothing changed) if it would overflow NumFreeBuf.
  [[nodiscard]] bool release(std::uint32_t flits) noexcept;
  // True if `ptr` lies in the un-ACKed range [TailPtr, WrPtr] (a valid replay start).
  [[nodiscard]] bool in_window(std::uint32_t ptr) const noexcept;
  [[nodiscard]] std::uint32_t next(std::uint32_t ptr) const noexcept {
    return ptr + 1 == depth_ ? 0 : ptr + 1;
  }
  [[nodiscard]] std::uint32_t distance(std::uint32_t from, std::uint32_t to) const noexcept {
    return to >= from ? to - from : to + depth_ - from;
  }

private:
  std::uint32_t depth_;
  std::vector<Byte> ring_;
  std::uint32_t wr_ = 0;
  std::uint32_t tail_ = 0;
  std::uint32_t num_free_;
};

} // namespace ub::dl
