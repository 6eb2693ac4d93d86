#pragma once
// Data link parameter negotiation. UB-Base-2.0 §4.4 (Table 4-10) and §4.3.3.9 (Table 4-9):
// each end offers its Data Link Configuration values in an Init block; both compute the same
// result. Bitmap parameters take the smallest value set in both bitmaps (per VL for the credit
// grains, ambiguity DL-A10), or the spec's default when the intersection is empty; VL_ENABLE
// takes the intersection, kept contiguous from VL0 (DL-A9); RETRY_BUF_DEPTH and
// PACKET_MIN_INTERVAL are not negotiated: each end adopts the peer's value.

#include <array>
#include <cstdint>

#include "protocol/dl/control_blocks.hpp"

namespace ub::dl {

inline constexpr unsigned kMaxVls = 16;

// What one end offers: the Data Link Configuration registers (App. D.6.2). Defaults are the
// registers' reset values (p.437-439), with a 4096-flit retry buffer.
struct LinkParams {
  std::uint16_t feature_id = 1;
  bool rxbuf_vl_share = true;
  std::uint8_t data_ack_grain_size = 0x20; // bitmap, flits
  std::uint8_t ctrl_ack_grain_size = 0x01; // bitmap, flits
  std::uint8_t flow_ctrl_size = 0x08;      // bitmap, flits per cell
  std::uint16_t vl_enable = 0x00FF;
  std::uint16_t retry_buf_depth = 4095; // the retry buffer holds depth + 1 flits
  std::array<std::uint8_t, kMaxVls> data_credit_grain_size = filled(0x04); // bitmaps, cells
  std::array<std::uint8_t, kMaxVls> ctrl_credit_grain_size = filled(0x01);
  std::uint8_t packet_min_interval = 1; // flits between DLLDP starts the receiver needs

  static constexpr std::array<std::uint8_t, kMaxVls> filled(std::uint8_t v) noexcept {
    std::array<std::uint8_t, kMaxVls> a{};
    a.fill(v);
    return a;
  }
};

[[nodiscard]] InitBlock to_init_block(const LinkParams& p) noexcept;
[[nodiscard]] LinkParams from_init_block(const InitBlock& b) noexcept;

// The result, as this end uses it.
struct Negotiated {
  std::uint16_t feature_id = 1;
  bool peer_rx_share = false;   // the peer's receive buffer may be shared: our sender may pool
  unsigned data_ack_grain = 32; // flits per LPH/LBH ACK bit
  unsigned ctrl_ack_grain = 1;  // flits per Crd_Ack ACK_NUM unit
  unsigned flits_per_cell = 8;
  std::uint16_t vl_enable = 0x0001;
  bool vl_enable_trimmed = false; // the raw intersection was not contiguous from VL0
  std::array<unsigned, kMaxVls> data_credit_grain{}; // cells per LPH/LBH CRD bit, per VL
  std::array<unsigned, kMaxVls> ctrl_credit_grain{}; // cells per Crd_Ack CRD_NUM unit, per VL
  unsigned peer_retry_buffer_flits = 4096; // the peer's RETRY_BUF_DEPTH + 1: RcvPtr wraps here
  unsigned peer_packet_min_interval = 1;

  [[nodiscard]] constexpr bool vl_enabled(unsigned vl) const noexcept {
    return vl < kMaxVls && ((unsigned{vl_enable} >> vl) & 1U) != 0;
  }
};

// Smallest value in both bitmaps (bit k = 2^k), or `fallback` if they share none.
[[nodiscard]] constexpr unsigned smallest_common(std::uint8_t a, std::uint8_t b,
                                                 unsigned fallback) noexcept {
  const unsigned both = unsigned{a} & unsigned{b};
  if (both == 0) {
    return fallback;
  }
  unsigned k = 0;
  while (((both >> k) & 1U) == 0) {
    ++k;
  }
  return 1U << k;
}

[[nodiscard]] Negotiated negotiate(const LinkParams& local, const LinkParams& peer) noexcept;

} // namespace ub::dl
