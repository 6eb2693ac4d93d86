#include "protocol/dl/negotiation.hpp"

namespace ub::dl {

InitBlock to_init_block(const LinkParams& p) noexcept {
  InitBlock b{};
  b.feature_id = p.feature_id;
  b.rxbuf_vl_share = p.rxbuf_vl_share;
  b.data_ack_grain_size = p.data_ack_grain_size;
  b.ctrl_ack_grain_size = p.ctrl_ack_grain_size;
  b.flow_ctrl_size = p.flow_ctrl_size;
  b.vl_enable = p.vl_enable;
  b.retry_buf_depth = p.retry_buf_depth;
  b.packet_min_interval = p.packet_min_interval;
  for (unsigned vl = 0; vl < kMaxVls; ++vl) {
    b.set_data_credit_grain(vl, p.data_credit_grain_size[vl]);
    b.set_ctrl_credit_grain(vl, p.ctrl_credit_grain_size[vl]);
  }
  return b;
}

LinkParams from_init_block(const InitBlock& b) noexcept {
  LinkParams p{};
  p.feature_id = b.feature_id;
  p.rxbuf_vl_share = b.rxbuf_vl_share;
  p.data_ack_grain_size = b.data_ack_grain_size;
  p.ctrl_ack_grain_size = b.ctrl_ack_grain_size;
  p.flow_ctrl_size = b.flow_ctrl_size;
  p.vl_enable = b.vl_enable;
  p.retry_buf_depth = b.retry_buf_depth;
  p.packet_min_interval = b.packet_min_interval;
  for (unsigned vl = 0; vl < kMaxVls; ++vl) {
    p.data_credit_grain_size[vl] = b.data_credit_grain(vl);
    p.ctrl_credit_grain_size[vl] = b.ctrl_credit_grain(vl);
  }
  return p;
}

Negotiated negotiate(const LinkParams& local, const LinkParams& peer) noexcept {
  Negotiated n{};
  // FEATURE_ID: the lower version; this spec defines 1 (Table 4-10).
  n.feature_id = local.feature_id < peer.feature_id ? local.feature_id : peer.feature_id;
  if (n.feature_id == 0) {
    n.feature_id = 1;
  }
  n.peer_rx_share = peer.rxbuf_vl_share;
  n.data_ack_grain = smallest_common(local.data_ack_grain_size, peer.data_ack_grain_size, 32);
  n.ctrl_ack_grain = smallest_common(local.ctrl_ack_grain_size, peer.ctrl_ack_grain_size, 1);
  n.flits_per_cell = smallest_common(local.flow_ctrl_size, peer.flow_ctrl_size, 8);
  for (unsigned vl = 0; vl < kMaxVls; ++vl) {
    n.data_credit_grain[vl] =
        smallest_common(local.data_credit_grain_size[vl], peer.data_credit_grain_size[vl], 4);
    n.ctrl_credit_grain[vl] =
        smallest_common(local.ctrl_credit_grain_size[vl], peer.ctrl_credit_grain_size[vl], 1);
  }
  // VL_ENABLE: VL0 is mandatory and VLs are numbered contiguously from 0 (DL-A9): keep the
  // longest run of the intersection that starts at VL0.
  const unsigned both = unsigned{local.vl_enable} & unsigned{peer.vl_enable};
  if ((both & 1U) == 0) {
    n.vl_enable = 0x0001;
    n.vl_enable_trimmed = both != 0;
  } else {
    unsigned run = 0;
    while (run < kMaxVls && ((both >> run) & 1U) != 0) {
      ++run;
    }
    n.vl_enable = static_cast<std::uint16_t>(run >= 16 ? 0xFFFFU : ((1U << run) - 1U));
    n.vl_enable_trimmed = n.vl_enable != both;
  }
  n.peer_retry_buffer_flits = unsigned{peer.retry_buf_depth} + 1U;
  n.peer_packet_min_interval = peer.packet_min_interval == 0 ? 1U : peer.packet_min_interval;
  return n;
}

} // namespace ub::dl
