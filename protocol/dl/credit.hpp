#pragma once
// Credit flow control. UB-Base-2.0 §4.6.
// The sender keeps credit counters in cells (n flits each) for the peer's receive buffer; a
// DLLDP of F flits costs ceil(F / n) cells, consumed when it starts and returned as the
// receiver reads packets out. Exclusive mode (§4.6.1.2): one counter per VL. Shared mode
// (§4.6.1.3, only when the peer advertised RXBUF_VL_SHARE): initial credits pool into
// SHARE_CRD, each enabled VL keeps a reserve, sending uses SHARE_CRD first and then the VL's
// reserve, and returned credit goes to SHARE_CRD and then refills the reserves.
// Errors: a return that pushes the credits above what was granted is a Flow Control Overflow
// (§4.8.1); on the receiving side an arriving DLLDP that does not fit its buffer is a Receive
// Buffer Overflow.

#include <array>
#include <cstdint>

#include "protocol/dl/negotiation.hpp"

namespace ub::dl {

enum class CreditMode : std::uint8_t { Exclusive, Shared };

[[nodiscard]] constexpr std::uint32_t cells_for_flits(std::uint32_t flits,
                                                      std::uint32_t flits_per_cell) noexcept {
  return (flits + flits_per_cell - 1) / flits_per_cell;
}

// The sender's view of the peer's receive buffer.
class CreditSender {
public:
  // Starts a credit initialisation (DLL_Credit_Init): everything back to zero.
  void reset(CreditMode mode, const std::array<std::uint32_t, kMaxVls>& shared_reserve) noexcept;

  // Initial credits for `vl` from a T = 1 Crd_Ack (§4.6.1.1).
  void grant_initial(unsigned vl, std::uint32_t cells) noexcept;
  // The last initial Crd_Ack (SD = 1) arrived: in shared mode, carve the reserves.
  void finish_initial() noexcept;

  [[nodiscard]] bool can_send(unsigned vl, std::uint32_t cells) const noexcept;
  void consume(unsigned vl, std::uint32_t cells) noexcept;
  // Returned credit; false (and nothing changed) on Flow Control Overflow.
  [[nodiscard]] bool give_back(unsigned vl, std::uint32_t cells) noexcept;

  [[nodiscard]] CreditMode mode() const noexcept { return mode_; }
  // The most cells one DLLDP on `vl` could ever get: the VL's grant (exclusive), or the pool
  // plus the VL's reserve (shared). A larger packet would wait forever.
  [[nodiscard]] std::uint64_t capacity(unsigned vl) const noexcept;
  [[nodiscard]] std::uint32_t available(unsigned vl) const noexcept;
  [[nodiscard]] std::uint32_t in_flight() const noexcept { return in_flight_; }
  [[nodiscard]] std::uint64_t granted() const noexcept { return granted_; }
  // Credits held now (counters, shared pool and reserves); with in_flight() they make granted().
  [[nodiscard]] std::uint64_t held() const noexcept;

private:
  CreditMode mode_ = CreditMode::Exclusive;
  std::array<std::uint32_t, kMaxVls> initial_{}; // granted per VL (exclusive)
  std::array<std::uint32_t, kMaxVls> counter_{}; // exclusive counters, or shared-mode reserves
  std::array<std::uint32_t, kMaxVls> reserve_target_{};
  std::uint32_t shared_ = 0;
  std::uint32_t in_flight_ = 0;
  std::uint64_t granted_ = 0;
};

// The receiver's buffer: per-VL occupancy in cells, the credits waiting to be returned.
class CreditReceiver {
public:
  void reset(const std::array<std::uint32_t, kMaxVls>& capacity, bool shared) noexcept;
  // A DLLDP of `cells` arrives on `vl`; false on Receive Buffer Overflow.
  [[nodiscard]] bool admit(unsigned vl, std::uint32_t cells) noexcept;
  // The upper layer read a packet out: its cells become credit to return.
  void release(unsigned vl, std::uint32_t cells) noexcept;
  [[nodiscard]] std::uint32_t pending(unsigned vl) const noexcept { return pending_[vl]; }
  void returned(unsigned vl, std::uint32_t cells) noexcept { pending_[vl] -= cells; }
  [[nodiscard]] std::uint32_t occupancy(unsigned vl) const noexcept { return used_[vl]; }
  [[nodiscard]] std::uint32_t capacity(unsigned vl) const noexcept { return capacity_[vl]; }
  [[nodiscard]] std::uint64_t total_used() const noexcept;

private:
  std::array<std::uint32_t, kMaxVls> capacity_{};
  std::array<std::uint32_t, kMaxVls> used_{};
  std::array<std::uint32_t, kMaxVls> pending_{};
  bool shared_ = false;
};

} // namespace ub::dl
