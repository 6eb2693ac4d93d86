#include "protocol/dl/data_link.hpp"

#include <algorithm>
#include <cstring>

#include "protocol/dl/dl_machines.hpp"
#include "protocol/dl/frame.hpp"

namespace ub::dl {

namespace {

constexpr unsigned kRetrySetCopies = 32; // Retry_Idle + 32 Retry_Req / Retry_Ack (§4.7.3.3)
constexpr std::uint32_t kCrdAckFlits = 2;
constexpr std::uint8_t kMaxCrdNum = 63; // 6-bit CRD_NUM per VL (§4.3.3.5)

// LCH byte 0 of a single-flit DLLCB (CLENGTH 0 and the fixed 10 pattern) and byte 1 (CFG 0).
constexpr Byte kLchSingle = 0x02;

[[nodiscard]] bool is_lch(const Byte* flit) noexcept {
  return (flit[1] & 0x0F) == 0;
}

// A single-flit Retry_Idle / Retry_Req / Retry_Ack by its LCH (CTRL = 0001, SUB_CTRL 0..2).
[[nodiscard]] bool looks_like_retry(const Byte* flit) noexcept {
  return flit[0] == kLchSingle && flit[1] == 0 && (flit[2] >> 4) == 0x1 && (flit[2] & 0x0F) <= 2;
}

// Whether a DLLCB whose first flit is `flit` goes into the sender's retry buffer: all but Null
// and the Retry blocks (§4.7.3.2.1). Judged from CTRL/SUB_CTRL alone, as a receiver must do
// before the block's CRC can be checked.
[[nodiscard]] bool control_is_buffered(const Byte* flit) noexcept {
  const Byte ctrl = static_cast<Byte>(flit[2] >> 4);
  return !(ctrl == 0x1 || (ctrl == 0x0 && (flit[2] & 0x0F) == 0));
}

// First byte of an LPH/LBH: CRD (bit 7), ACK (bit 6), CRD_VL (bits 5:2), RSVD, VL[3].
[[nodiscard]] constexpr bool hdr_crd(Byte b0) noexcept {
  return (b0 & 0x80) != 0;
}
[[nodiscard]] constexpr bool hdr_ack(Byte b0) noexcept {
  return (b0 & 0x40) != 0;
}
[[nodiscard]] constexpr unsigned hdr_crd_vl(Byte b0) noexcept {
  return (b0 >> 2) & 0x0F;
}

[[nodiscard]] Lph parse_lph(const Byte* f) noexcept {
  Lph h{};
  h.crd = hdr_crd(f[0]);
  h.ack = hdr_ack(f[0]);
  h.crd_vl = static_cast<std::uint8_t>(hdr_crd_vl(f[0]));
  h.rsvd = static_cast<std::uint8_t>((f[0] >> 1) & 1U);
  h.vl = static_cast<std::uint8_t>(((f[0] & 1U) << 3) | (f[1] >> 5));
  h.rsvd2 = static_cast<std::uint8_t>((f[1] >> 4) & 1U);
  h.cfg = static_cast<std::uint8_t>(f[1] & 0x0F);
  h.rt = static_cast<std::uint8_t>(f[2] >> 6);
  h.plength = static_cast<std::uint16_t>(((f[2] & 0x3FU) << 8) | f[3]);
  return h;
}

} // namespace

std::string_view to_string(DllState s) noexcept {
  switch (s) {
  case DllState::Disabled:
    return "DLL_Disabled";
  case DllState::ParamInit:
    return "DLL_Param_Init";
  case DllState::CreditInit:
    return "DLL_Credit_Init";
  case DllState::Normal:
    return "DLL_Normal";
  }
  return "?";
}

std::string_view to_string(RetryReqState s) noexcept {
  switch (s) {
  case RetryReqState::Normal:
    return "NORMAL";
  case RetryReqState::Req:
    return "REQ";
  case RetryReqState::Wait:
    return "WAIT";
  case RetryReqState::Retrain:
    return "RETRAIN";
  case RetryReqState::Error:
    return "ERROR";
  }
  return "?";
}

std::string_view to_string(RetryAckState s) noexcept {
  return s == RetryAckState::Normal ? "NORMAL" : "ACK";
}

std::string_view to_string(DlError e) noexcept {
  switch (e) {
  case DlError::RetryAckTimeout:
    return "DL Retry ACK Timeout";
  case DlError::RetryRollover:
    return "DL Retry Rollover";
  case DlError::RetryError:
    return "DL Retry Error";
  case DlError::ProtocolError:
    return "DL Protocol Error";
  case DlError::ReceiveBufferOverflow:
    return "Receive Buffer Overflow";
  case DlError::FlowControlOverflow:
    return "Flow Control Overflow";
  }
  return "?";
}

Status validate(const DataLinkConfig& cfg) noexcept {
  auto bad = [](std::string_view field, std::string_view why, std::uint64_t value) -> Status {
    return make_unexpected(
        Error{Errc::OutOfRange, 0, "DataLinkConfig", field, why, "§4.4"}.with_value(value));
  };
  const auto& o = cfg.offer;
  // A8: the Init block and the retry DLLCBs carry 16-bit pointers, so D = depth + 1 <= 65,535.
  // MODEL: the buffer must hold the largest block plus a Crd_Ack beyond the deadlock guard.
  if (cfg.deadlock_guard_flits < kMaxBlockFlits + kCrdAckFlits + 1) {
    return bad("deadlock_guard_flits", "must be at least 35 (a block, a Crd_Ack, a free slot)",
               cfg.deadlock_guard_flits);
  }
  if (o.retry_buf_depth > 0xFFFE || o.retry_buf_depth + 1U < cfg.deadlock_guard_flits + 34U) {
    return bad("offer.retry_buf_depth",
               "retry buffer must hold deadlock_guard_flits + 34 flits "
               "and at most 65,535 flits",
               o.retry_buf_depth);
  }
  if ((o.vl_enable & 1U) == 0) {
    return bad("offer.vl_enable", "VL0 is mandatory (§4.5)", o.vl_enable);
  }
  if (o.data_ack_grain_size == 0 || o.ctrl_ack_grain_size == 0 || o.flow_ctrl_size == 0) {
    return bad("offer", "an ACK-grain or FLOW_CTRL_SIZE bitmap is empty", 0);
  }
  if (o.packet_min_interval == 0) {
    return bad("offer.packet_min_interval", "must be at least 1 flit", 0);
  }
  std::uint64_t total = 0;
  for (unsigned vl = 0; vl < kMaxVls; ++vl) {
    if (o.data_credit_grain_size[vl] == 0 || o.ctrl_credit_grain_size[vl] == 0) {
      return bad("offer.credit_grain_size", "a VL's credit-grain bitmap is empty", vl);
    }
    if (((unsigned{o.vl_enable} >> vl) & 1U) != 0) {
      total += cfg.rx_buffer_cells[vl];
    }
  }
  // §4.6.1 note 2: at most 65,535 cells over all enabled VLs.
  if (total > 0xFFFF) {
    return bad("rx_buffer_cells", "more than 65,535 cells over the enabled VLs (§4.6.1)", total);
  }
  if (cfg.ack_return_flits <= kCrdAckFlits) {
    return bad("ack_return_flits", "must exceed a Crd_Ack's 2 flits", cfg.ack_return_flits);
  }
  if (cfg.num_retry_threshold == 0 || cfg.num_retry_threshold > 255) {
    return bad("num_retry_threshold", "must be 1..255 (8-bit NUM_RETRY)", cfg.num_retry_threshold);
  }
  if (cfg.num_phy_reinit_threshold == 0 || cfg.num_phy_reinit_threshold > 255) {
    return bad("num_phy_reinit_threshold", "must be 1..255 (8-bit NUM_PHY_REINIT)",
               cfg.num_phy_reinit_threshold);
  }
  if (cfg.retry_ack_timeout <= Time{0}) {
    return bad("retry_ack_timeout", "must be positive", 0);
  }
  if (cfg.tx_queue_limit == 0) {
    return bad("tx_queue_limit", "must be at least 1", 0);
  }
  return {};
}

DataLink::DataLink(DataLinkConfig cfg, Tracer* tracer)
    : cfg_(cfg), tracer_(tracer), arbiter_(cfg.arbitration, cfg.dwrr_weights),
      retry_(std::uint32_t{cfg.offer.retry_buf_depth} + 1),
      block_start_(std::size_t{cfg.offer.retry_buf_depth} + 1, 0) {
  (void)encode_control_block(NullBlock{}, cfg_.mode, null_flit_);
  rx_block_.reserve(std::size_t{kMaxBlockFlits} * kFlitBytes);
  rx_packet_.reserve(max_payload(cfg_.mode) + kFlitBytes);
  tx_frame_.resize(std::size_t{kMaxPacketFlits} * kFlitBytes);
}

// ---------------------------------------------------------------------------------------------
// PHY side

void DataLink::on_link_up(Time now) {
  if (link_up_) {
    return;
  }
  link_up_ = true;
  trace(now, "link_up");
  UB_TRANSITION(kDllMachine, to_string(state_), "link_up");
  if (!failed_) {
    enter_param_init(now);
  }
}

void DataLink::on_link_down(Time now) {
  if (!link_up_) {
    return;
  }
  link_up_ = false;
  trace(now, "link_down", rx_in_packet_ ? 1 : 0);
  UB_TRANSITION(kDllMachine, to_string(state_), "link_down");
  // §4.8.4 item 2: a cut-through receiver pads what it already passed up and flags it.
  if (rx_in_packet_ && !rx_drop_packet_ && cfg_.cut_through_rx) {
    RxPacket p{};
    p.lph = rx_lph_;
    p.error_flag = true;
    p.net = rx_packet_;
    p.net.resize(rx_geom_.payload, Byte{0});
    ++counters_.error_flag_packets;
    rx_queue_.push_back(QueuedRx{std::move(p), 0, epoch_}); // no cells: credits die with the link
  } else if (rx_in_packet_) {
    ++counters_.packets_dropped;
  }
  drop_tx_queues();
  reset_link_state();
  set_state(DllState::Disabled, now);
}

void DataLink::on_retrain_start(Time now) {
  if (!link_up_ || failed_ || state_ == DllState::Disabled ||
      req_state_ == RetryReqState::Retrain || req_state_ == RetryReqState::Error) {
    return;
  }
  trace(now, "phy_retrain_flag");
  UB_TRANSITION(kRetryReqMachine, to_string(req_state_), "phy_retrain");
  enter_retrain(now, false); // the PHY is already retraining: nothing to command
}

void DataLink::on_retrain_done(Time now) {
  if (req_state_ != RetryReqState::Retrain || failed_ || !link_up_) {
    return;
  }
  // RETRAIN -> REQ once the PHY is back; the round's NUM_RETRY starts again from 0.
  UB_TRANSITION(kRetryReqMachine, to_string(req_state_), "retrain_done");
  num_retry_ = 0;
  if (cfg_.mode != BlockMode::NonCrc) {
    rx_block_.clear();
    rx_block_flits_ = 0;
  }
  enter_req(now);
}

bool DataLink::take_retrain_request() noexcept {
  const bool r = retrain_requested_;
  retrain_requested_ = false;
  return r;
}

void DataLink::ubfm_reset(Time now) {
  UB_TRANSITION(kDllMachine, to_string(state_), "ubfm_reset");
  failed_ = false;
  drop_tx_queues();
  reset_link_state();
  set_state(DllState::Disabled, now);
  trace(now, "ubfm_reset");
  if (link_up_) {
    enter_param_init(now);
  }
}

// ---------------------------------------------------------------------------------------------
// Upper layer

DataLink::SendStatus DataLink::send(std::span<const Byte> net, std::uint8_t cfg, std::uint8_t vl,
                                    std::uint8_t rt, bool error_flag) {
  if (failed_ || !link_up_ || state_ != DllState::Normal) {
    return SendStatus::NotReady; // §4.2: the data link drops packets unless in DLL_Normal
  }
  if (vl >= kMaxVls || !neg_.vl_enabled(vl)) {
    return SendStatus::BadVl;
  }
  if (!is_data_cfg(cfg) || rt > 3) {
    return SendStatus::BadPacket;
  }
  const auto geom = geometry_for_payload(net.size(), cfg_.mode);
  if (!geom) {
    return SendStatus::BadPacket;
  }
  if (cells_for_flits(geom->flits, neg_.flits_per_cell) > tx_credit_.capacity(vl)) {
    return SendStatus::TooLarge;
  }
  auto& q = tx_queue_[vl];
  if (q.size() >= cfg_.tx_queue_limit) {
    return SendStatus::QueueFull;
  }
  TxPacket p{};
  p.lph.vl = vl;
  p.lph.cfg = cfg;
  p.lph.rt = rt;
  p.net.assign(net.begin(), net.end());
  p.flits = geom->flits;
  p.error_flag = error_flag;
  q.push_back(std::move(p));
  ++counters_.packets_queued;
  return SendStatus::Queued;
}

std::optional<RxPacket> DataLink::poll_deliver() {
  if (rx_queue_.empty()) {
    return std::nullopt;
  }
  QueuedRx q = std::move(rx_queue_.front());
  rx_queue_.pop_front();
  // §4.6.2: reading a packet out of the receive buffer frees its cells for credit return, unless
  // the credit session it was admitted in has ended (link down or reset cleared the counters).
  if (q.epoch == epoch_ && q.cells > 0) {
    rx_credit_.release(q.packet.lph.vl, q.cells);
  }
  ++counters_.packets_delivered;
  return std::move(q.packet);
}

std::size_t DataLink::tx_queued_total() const noexcept {
  std::size_t n = 0;
  for (const auto& q : tx_queue_) {
    n += q.size();
  }
  return n;
}

// ---------------------------------------------------------------------------------------------
// Transmit

std::size_t DataLink::poll_transmit(std::span<Byte> out, Time now) {
  if (!link_up_ || failed_ || state_ == DllState::Disabled ||
      req_state_ == RetryReqState::Retrain || req_state_ == RetryReqState::Error) {
    return 0; // RETRAIN and ERROR send nothing (§4.7.3.3)
  }
  std::size_t n = 0;
  while (n + kFlitBytes <= out.size()) {
    Byte* dst = out.data() + n;
    if (side_kind_ != SideKind::None) {
      std::memcpy(dst, side_.data() + side_pos_, kFlitBytes);
      side_pos_ += kFlitBytes;
      n += kFlitBytes;
      ++counters_.flits_sent;
      if (side_pos_ == side_len_) {
        finish_side(now);
      }
      continue;
    }
    // Retry sets go out between blocks (MODEL: the spec lets them interrupt a block, A11; a
    // sender that never does is a valid sender. In CRC mode the receiver below also accepts
    // them inside a block; in non-CRC mode it looks for them only between blocks).
    const bool boundary = tx_pending_ == 0 || block_start_[tx_cursor_] != 0;
    if (boundary && ack_set_pending_) {
      stage_retry_set(SideKind::AckSet);
      continue;
    }
    if (boundary && req_set_pending_) {
      stage_retry_set(SideKind::ReqSet);
      continue;
    }
    if (tx_pending_ == 0) {
      if (ack_state_ == RetryAckState::Ack || !schedule(now)) {
        break;
      }
      continue;
    }
    std::memcpy(dst, retry_.flit(tx_cursor_), kFlitBytes);
    tx_cursor_ = retry_.next(tx_cursor_);
    --tx_pending_;
    n += kFlitBytes;
    ++counters_.flits_sent;
    if (replay_left_ > 0) {
      ++counters_.flits_retransmitted;
      if (--replay_left_ == 0) {
        UB_TRANSITION(kRetryAckMachine, to_string(ack_state_), "replay_done");
        set_ack_state(RetryAckState::Normal, now); // RdPtr reached WrPtr (§4.7.3.4)
      }
    }
  }
  return n;
}

void DataLink::stage_retry_set(SideKind kind) {
  Byte* p = side_.data();
  (void)encode_control_block(RetryIdle{}, cfg_.mode, std::span<Byte>(p, kFlitBytes));
  ControlBlock cb;
  if (kind == SideKind::ReqSet) {
    RetryReq r{};
    r.rcv_ptr = static_cast<std::uint16_t>(rcv_ptr_);
    r.num_phy_reinit = static_cast<std::uint8_t>(std::min(num_phy_reinit_, 255U));
    r.num_retry = static_cast<std::uint8_t>(std::min(num_retry_, 255U));
    cb = r;
    req_set_pending_ = false;
  } else {
    RetryAck a{};
    a.num_retry = last_req_num_retry_;
    a.num_free_buf = static_cast<std::uint16_t>(std::min(retry_.num_free(), 0xFFFFU));
    a.rd_ptr = static_cast<std::uint16_t>(rd_ptr_);
    a.wr_ptr = static_cast<std::uint16_t>(retry_.wr_ptr());
    cb = a;
    ack_set_pending_ = false;
  }
  (void)encode_control_block(cb, cfg_.mode, std::span<Byte>(p + kFlitBytes, kFlitBytes));
  for (unsigned i = 2; i <= kRetrySetCopies; ++i) {
    std::memcpy(p + std::size_t{i} * kFlitBytes, p + kFlitBytes, kFlitBytes);
  }
  side_len_ = std::size_t{kRetrySetCopies + 1} * kFlitBytes;
  side_pos_ = 0;
  side_kind_ = kind;
}

void DataLink::finish_side(Time now) {
  const SideKind kind = side_kind_;
  side_kind_ = SideKind::None;
  side_pos_ = side_len_ = 0;
  if (kind == SideKind::ReqSet) {
    ++counters_.retry_req_sets;
    trace(now, "retry_req_set_sent", rcv_ptr_, num_retry_);
    UB_TRANSITION(kRetryReqMachine, to_string(req_state_), "req_set_sent");
    if (req_state_ == RetryReqState::Req) {
      set_req_state(RetryReqState::Wait, now); // REQ -> WAIT once the set is out
      wait_deadline_ = now + cfg_.retry_ack_timeout;
    }
  } else {
    ++counters_.retry_ack_sets;
    trace(now, "retry_ack_set_sent", rd_ptr_, retry_.wr_ptr());
    // Go back N: resend from RdPtr up to WrPtr. The ring is never full (DL-A17), so this is
    // distance(RdPtr, WrPtr); the form below would also be right for a full ring.
    tx_cursor_ = rd_ptr_;
    replay_left_ = retry_.used() - retry_.distance(retry_.tail_ptr(), rd_ptr_);
    tx_pending_ = replay_left_;
    if (replay_left_ == 0) {
      UB_TRANSITION(kRetryAckMachine, to_string(ack_state_), "replay_done");
      set_ack_state(RetryAckState::Normal, now);
    }
  }
}

void DataLink::put_block(std::span<const Byte> flits, bool buffered_start) {
  const std::uint32_t first = retry_.wr_ptr();
  const auto count = static_cast<std::uint32_t>(flits.size() / kFlitBytes);
  retry_.write(flits);
  tx_pending_ += count;
  std::uint32_t slot = first;
  for (std::uint32_t i = 0; i < count; ++i) {
    block_start_[slot] = (i == 0 && buffered_start) ? 1 : 0;
    slot = retry_.next(slot);
  }
  flits_since_packet_start_ += count;
}

bool DataLink::schedule_control(const ControlBlock& cb) {
  std::array<Byte, std::size_t{kMaxBlockFlits} * kFlitBytes> buf{};
  const auto n = encode_control_block(cb, cfg_.mode, buf);
  if (!n || !retry_.can_write(static_cast<std::uint32_t>(*n / kFlitBytes))) {
    if (n) {
      ++counters_.retry_buffer_stalls;
    }
    return false;
  }
  put_block(std::span<const Byte>(buf.data(), *n));
  return true;
}

bool DataLink::schedule_crd_ack() {
  if (!retry_.can_write(kCrdAckFlits)) {
    ++counters_.retry_buffer_stalls;
    return false;
  }
  CrdAck c{};
  c.t = false;
  const std::uint32_t units = std::min(ack_pending_ / neg_.ctrl_ack_grain, 0xFFFFU);
  c.ack_num = static_cast<std::uint16_t>(units);
  ack_pending_ -= units * neg_.ctrl_ack_grain;
  for (unsigned vl = 0; vl < kMaxVls; ++vl) {
    if (!neg_.vl_enabled(vl)) {
      continue;
    }
    const unsigned g = neg_.ctrl_credit_grain[vl];
    const auto grains =
        static_cast<std::uint8_t>(std::min(rx_credit_.pending(vl) / g, std::uint32_t{kMaxCrdNum}));
    if (grains > 0) {
      c.set_crd_num_of(vl, grains);
      rx_credit_.returned(vl, grains * g);
      counters_.cells_returned += std::uint64_t{grains} * g;
    }
  }
  ++counters_.crd_acks_sent;
  return schedule_control(c);
}

bool DataLink::schedule_initial_crd_ack() {
  CrdAck c{};
  c.t = true;
  const std::uint32_t units = std::min(ack_pending_ / neg_.ctrl_ack_grain, 0xFFFFU);
  bool more = false;
  std::array<std::uint32_t, kMaxVls> take{};
  for (unsigned vl = 0; vl < kMaxVls; ++vl) {
    take[vl] = std::min(initial_to_send_[vl], std::uint32_t{kMaxCrdNum});
    c.set_crd_num_of(vl, static_cast<std::uint8_t>(take[vl]));
    more = more || initial_to_send_[vl] > take[vl];
  }
  c.sd = !more; // SEND_DONE on the last initial-credit Crd_Ack (§4.6.1.1)
  c.ack_num = static_cast<std::uint16_t>(units);
  if (!retry_.can_write(kCrdAckFlits)) {
    ++counters_.retry_buffer_stalls;
    return false;
  }
  ack_pending_ -= units * neg_.ctrl_ack_grain;
  for (unsigned vl = 0; vl < kMaxVls; ++vl) {
    initial_to_send_[vl] -= take[vl];
  }
  ++counters_.crd_acks_sent;
  (void)schedule_control(c);
  if (c.sd) {
    initial_credits_sent_ = true;
  }
  return true;
}

bool DataLink::credit_force_needed() const noexcept {
  const std::uint32_t ack_force =
      cfg_.ack_force_flits != 0 ? cfg_.ack_force_flits : 2 * neg_.data_ack_grain;
  if (ack_pending_ >= ack_force) {
    return true;
  }
  for (unsigned vl = 0; vl < kMaxVls; ++vl) {
    if (!neg_.vl_enabled(vl)) {
      continue;
    }
    const std::uint32_t force =
        cfg_.credit_force_cells != 0 ? cfg_.credit_force_cells : 2 * neg_.data_credit_grain[vl];
    if (rx_credit_.pending(vl) >= force) {
      return true;
    }
  }
  return false;
}

bool DataLink::crd_ack_worthwhile() const noexcept {
  if (ack_pending_ >= cfg_.ack_return_flits) {
    return true;
  }
  for (unsigned vl = 0; vl < kMaxVls; ++vl) {
    if (neg_.vl_enabled(vl) && rx_credit_.pending(vl) >= neg_.ctrl_credit_grain[vl]) {
      return true;
    }
  }
  return false;
}

void DataLink::fill_piggyback(bool& crd, bool& ack, std::uint8_t& crd_vl) noexcept {
  ack = false;
  crd = false;
  crd_vl = 0;
  if (ack_pending_ >= neg_.data_ack_grain) {
    ack = true;
    ack_pending_ -= neg_.data_ack_grain;
  }
  // §4.6.3 rule 1: one DATA_CREDIT_GRAIN of one VL per header, VLs taken round robin.
  for (unsigned k = 0; k < kMaxVls; ++k) {
    const unsigned vl = (crd_rr_ + k) % kMaxVls;
    const unsigned g = neg_.data_credit_grain[vl];
    if (neg_.vl_enabled(vl) && rx_credit_.pending(vl) >= g) {
      crd = true;
      crd_vl = static_cast<std::uint8_t>(vl);
      rx_credit_.returned(vl, g);
      counters_.cells_returned += g;
      crd_rr_ = (vl + 1) % kMaxVls;
      return;
    }
  }
}

bool DataLink::start_packet(Time now) {
  std::uint16_t eligible = 0;
  std::array<std::uint32_t, kMaxVls> head{};
  for (unsigned vl = 0; vl < kMaxVls; ++vl) {
    if (tx_queue_[vl].empty()) {
      stalled_[vl] = false;
      continue;
    }
    const TxPacket& p = tx_queue_[vl].front();
    head[vl] = p.flits;
    if (tx_credit_.can_send(vl, cells_for_flits(p.flits, neg_.flits_per_cell))) {
      eligible = static_cast<std::uint16_t>(eligible | (1U << vl));
      stalled_[vl] = false;
    } else if (!stalled_[vl]) {
      stalled_[vl] = true;
      stalled_since_[vl] = now;
      ++counters_.credit_stalls;
      trace(now, "credit_stall", vl, tx_credit_.available(vl));
    }
  }
  if (eligible == 0) {
    return false;
  }
  // PACKET_MIN_INTERVAL (§4.3.3.3, A13): NOBs keep DLLDP starts the peer's minimum apart.
  if (flits_since_packet_start_ < neg_.peer_packet_min_interval) {
    if (schedule_control(NoOperation{})) {
      ++counters_.nops_sent;
      return true;
    }
    return false;
  }
  const unsigned vl = arbiter_.pick(eligible, head);
  if (vl >= kMaxVls) {
    return false;
  }
  TxPacket p = std::move(tx_queue_[vl].front());
  tx_queue_[vl].pop_front();
  const std::uint32_t cells = cells_for_flits(p.flits, neg_.flits_per_cell);
  tx_credit_.consume(vl, cells);
  counters_.cells_consumed += cells;

  const unsigned blocks = (p.flits + kMaxBlockFlits - 1) / kMaxBlockFlits;
  Lph lph = p.lph;
  fill_piggyback(lph.crd, lph.ack, lph.crd_vl);
  std::array<Lbh, kMaxBlocks - 1> lbhs{};
  for (unsigned b = 1; b < blocks; ++b) {
    Lbh& h = lbhs[b - 1];
    h.vl = lph.vl;
    h.cfg = lph.cfg;
    fill_piggyback(h.crd, h.ack, h.crd_vl);
  }
  const auto n = encode_frame(lph, std::span<const Lbh>(lbhs.data(), blocks - 1), p.error_flag,
                              p.net, cfg_.mode, tx_frame_);
  if (!n) {
    // send() checked the size; an encode failure here is a bug in this class.
    ++counters_.protocol_anomalies;
    return false;
  }
  tx_frame_flits_ = static_cast<std::uint32_t>(*n / kFlitBytes);
  tx_frame_next_ = 0;
  tx_in_packet_ = true;
  flits_since_packet_start_ = 0;
  ++counters_.packets_sent;
  return true;
}

bool DataLink::schedule_packet_block() {
  const std::uint32_t left = tx_frame_flits_ - tx_frame_next_;
  const std::uint32_t len = std::min(left, kMaxBlockFlits);
  if (!retry_.can_write(len)) {
    ++counters_.retry_buffer_stalls;
    return false;
  }
  put_block(std::span<const Byte>(tx_frame_.data() + std::size_t{tx_frame_next_} * kFlitBytes,
                                  std::size_t{len} * kFlitBytes));
  tx_frame_next_ += len;
  if (tx_frame_next_ == tx_frame_flits_) {
    tx_in_packet_ = false;
  }
  return true;
}

bool DataLink::schedule(Time now) {
  switch (state_) {
  case DllState::Disabled:
    return false;
  case DllState::ParamInit:
    // §4.3.4.1 note 3: the Init block goes out only after the retry handshake.
    if (!handshake_done_ || init_sent_) {
      return false;
    }
    if (!schedule_control(to_init_block(cfg_.offer))) {
      return false;
    }
    init_sent_ = true;
    trace(now, "init_sent");
    if (have_peer_init_) {
      enter_credit_init(now);
    }
    return true;
  case DllState::CreditInit:
    if (initial_credits_sent_) {
      return false;
    }
    if (!schedule_initial_crd_ack()) {
      return false;
    }
    if (initial_credits_sent_ && peer_initial_done_) {
      UB_TRANSITION(kDllMachine, to_string(state_), "credits_initialised");
      set_state(DllState::Normal, now);
    }
    return true;
  case DllState::Normal:
    break;
  }
  // §4.7.3.2.4: with little retry-buffer space left only a Crd_Ack may go, so that a block
  // carrying ACKs is always there to free the peer.
  if (retry_.num_free() < cfg_.deadlock_guard_flits) {
    if (ack_pending_ >= neg_.ctrl_ack_grain || crd_ack_worthwhile()) {
      return schedule_crd_ack();
    }
    ++counters_.retry_buffer_stalls;
    return false;
  }
  // §4.6.3 rule 3: a VL (or the ACK count) over its forcing threshold holds DLLDPs back.
  if (credit_force_needed()) {
    return schedule_crd_ack();
  }
  if (tx_in_packet_) {
    return schedule_packet_block();
  }
  if (start_packet(now)) {
    return tx_in_packet_ ? schedule_packet_block() : true;
  }
  // §4.6.3 rule 2: nothing to send but credit (or ACKs) pending: a Crd_Ack with T = 0.
  if (crd_ack_worthwhile()) {
    return schedule_crd_ack();
  }
  return false;
}

// ---------------------------------------------------------------------------------------------
// Receive

void DataLink::on_receive(std::span<const Byte> flits, Time now, bool fec_failed) {
  if (flits.size() % kFlitBytes != 0) {
    ++counters_.protocol_anomalies;
  }
  const std::size_t count = flits.size() / kFlitBytes;
  if (!link_up_ || failed_ || state_ == DllState::Disabled ||
      req_state_ == RetryReqState::Retrain || req_state_ == RetryReqState::Error) {
    counters_.flits_received += count;
    return;
  }
  if (fec_failed && cfg_.mode == BlockMode::NonCrc) {
    // Non-CRC mode: drop the whole frame and ask for it again from its first flit (§4.7.1);
    // the parser keeps its state at RcvPtr (A12).
    counters_.flits_received += count;
    if (req_state_ == RetryReqState::Normal) {
      block_error(now, 1);
    }
    return;
  }
  for (std::size_t i = 0; i < count; ++i) {
    ++counters_.flits_received;
    receive_flit(flits.data() + i * kFlitBytes, fec_failed, now);
    if (failed_ || state_ == DllState::Disabled || req_state_ == RetryReqState::Retrain ||
        req_state_ == RetryReqState::Error) {
      return;
    }
  }
}

// A Retry_Idle, Retry_Req or Retry_Ack flit: acts on it and returns true; false otherwise.
bool DataLink::scan_retry_flit(const Byte* flit, Time now) {
  if (!looks_like_retry(flit)) {
    retry_run_ = RetryRun::None; // a run of copies ends at the first other flit
    return false;
  }
  const auto cb = decode_control_block(std::span<const Byte>(flit, kFlitBytes), cfg_.mode);
  if (!cb) {
    return false; // bad CRC: not a retry block after all (a damaged copy does not end a run)
  }
  on_retry_block(*cb, now);
  return true;
}

// One set is a Retry_Idle and 32 copies of a Retry_Req or Retry_Ack; the first good copy acts and
// the others are ignored (A11). MODEL: a run of copies whose Retry_Idle was damaged still acts
// once, at its first good copy; only the Idle would otherwise mark the set, and losing it would
// cost a whole retry-ack timeout.
void DataLink::on_retry_block(const ControlBlock& cb, Time now) {
  if (std::holds_alternative<RetryIdle>(cb)) {
    retry_run_ = RetryRun::Idle;
  } else if (const auto* r = std::get_if<RetryReq>(&cb)) {
    if (retry_run_ != RetryRun::Req) {
      retry_run_ = RetryRun::Req;
      on_retry_req(*r, now);
    }
  } else if (const auto* a = std::get_if<RetryAck>(&cb)) {
    if (retry_run_ != RetryRun::Ack) {
      retry_run_ = RetryRun::Ack;
      on_retry_ack(*a, now);
    }
  }
}

void DataLink::receive_flit(const Byte* flit, bool fec_bad, Time now) {
  if (req_state_ == RetryReqState::Req || req_state_ == RetryReqState::Wait) {
    // §4.7.3.3: only Retry_Idle, Retry_Req and Retry_Ack count; everything else is dropped.
    if (!fec_bad) {
      (void)scan_retry_flit(flit, now);
    }
    return;
  }
  if (rx_skip_set_) {
    // The rest of a Retry_Ack_Set (or a set right behind it) before the replay starts.
    if (!fec_bad && scan_retry_flit(flit, now)) {
      return;
    }
    rx_skip_set_ = false;
    if (req_state_ != RetryReqState::Normal) {
      return;
    }
  }
  if (fec_bad) {
    // CRC mode: an FEC failure fails the block it falls in (§4.7.1); MODEL: at once, since the
    // rest of the block cannot be delimited reliably.
    block_error(now, 1);
    return;
  }
  if (rx_block_flits_ == 0) {
    start_block(flit, now);
    if (rx_block_flits_ == 0) {
      return; // block_error inside start_block
    }
  } else if (cfg_.mode != BlockMode::NonCrc && looks_like_retry(flit)) {
    // A11 reading B: a retry block may interrupt a block; its own CRC tells it apart.
    if (scan_retry_flit(flit, now)) {
      return;
    }
  }
  rx_block_.insert(rx_block_.end(), flit, flit + kFlitBytes);
  if (cfg_.mode == BlockMode::NonCrc && rx_block_buffered_) {
    advance_rcv_ptr(1); // non-CRC mode: RcvPtr counts good flits (§4.7.3.2.2)
  }
  if (rx_block_.size() == std::size_t{rx_block_flits_} * kFlitBytes) {
    block_done(now);
  }
}

void DataLink::start_block(const Byte* flit, Time now) {
  rx_block_.clear();
  if (!looks_like_retry(flit)) {
    retry_run_ = RetryRun::None;
  }
  if (is_lch(flit)) {
    rx_block_kind_ = BlockKind::Control;
    rx_block_flits_ = ((flit[0] >> 2) & 0x1FU) + 1;
    rx_block_buffered_ = control_is_buffered(flit);
    return;
  }
  rx_block_buffered_ = true;
  if (!rx_in_packet_) {
    const auto geom = geometry_from_plength(parse_lph(flit).plength, cfg_.mode);
    if (!geom) {
      block_error(now, 2); // a PLENGTH no sender writes: the header is damaged
      return;
    }
    rx_geom_ = *geom;
    rx_block_kind_ = BlockKind::DataFirst;
    rx_block_flits_ = rx_geom_.blocks > 1 ? kMaxBlockFlits : rx_geom_.last_block_flits;
    return;
  }
  rx_block_kind_ = BlockKind::Data;
  const unsigned done_blocks = rx_flit_index_ / kMaxBlockFlits;
  rx_block_flits_ = done_blocks + 1 == rx_geom_.blocks ? rx_geom_.last_block_flits : kMaxBlockFlits;
}

void DataLink::advance_rcv_ptr(std::uint32_t flits) noexcept {
  const std::uint32_t d = neg_.peer_retry_buffer_flits == 0 ? 1 : neg_.peer_retry_buffer_flits;
  rcv_ptr_ = (rcv_ptr_ + flits) % d;
  ack_pending_ += flits;
}

void DataLink::block_done(Time now) {
  const std::span<const Byte> block(rx_block_);
  if (cfg_.mode != BlockMode::NonCrc) {
    if (!block_crc_ok(block, cfg_.mode)) {
      block_error(now, 0);
      return;
    }
    if (rx_block_buffered_) {
      advance_rcv_ptr(rx_block_flits_); // CRC mode: RcvPtr counts good blocks' flits (A5)
    }
  }
  rx_block_flits_ = 0;
  if (rx_block_kind_ == BlockKind::Control) {
    const auto cb = decode_control_block(block, cfg_.mode);
    if (!cb) {
      ++counters_.protocol_anomalies; // a reserved type or length with a good CRC
      trace(now, "bad_control_block", static_cast<std::uint64_t>(cb.error().code));
    } else {
      on_control_block(*cb, now);
    }
    rx_block_.clear();
    return;
  }
  accept_data_block(now);
  rx_block_.clear();
}

void DataLink::accept_data_block(Time now) {
  const Byte* b = rx_block_.data();
  const auto flits = static_cast<std::uint32_t>(rx_block_.size() / kFlitBytes);
  if (rx_block_kind_ == BlockKind::DataFirst) {
    rx_in_packet_ = true;
    rx_lph_ = parse_lph(b);
    rx_flit_index_ = 0;
    rx_packet_.clear();
    rx_drop_packet_ = false;
    rx_cells_ = 0;
    if (state_ != DllState::Normal || !neg_.vl_enabled(rx_lph_.vl) || !is_data_cfg(rx_lph_.cfg)) {
      // §4.2: DLLDPs are dropped outside DLL_Normal; a disabled VL or reserved CFG is a peer
      // that does not follow the negotiation.
      rx_drop_packet_ = true;
      ++counters_.protocol_anomalies;
    } else {
      rx_cells_ = cells_for_flits(rx_geom_.flits, neg_.flits_per_cell);
      if (!rx_credit_.admit(rx_lph_.vl, rx_cells_)) {
        raise(DlError::ReceiveBufferOverflow, now, rx_lph_.vl);
        return;
      }
      counters_.cells_admitted += rx_cells_;
    }
  }
  if (state_ == DllState::Normal) {
    on_header_credit(b[0], now);
    if (failed_) {
      return;
    }
  }
  if (!rx_drop_packet_) {
    for (std::uint32_t j = 0; j < flits; ++j) {
      const unsigned i = rx_flit_index_ + j;
      const unsigned start = i == 0 ? 4U : (i % kMaxBlockFlits == 0 ? 2U : 0U);
      const unsigned cap = flit_capacity(i, rx_geom_.flits, cfg_.mode);
      const Byte* src = b + std::size_t{j} * kFlitBytes + start;
      rx_packet_.insert(rx_packet_.end(), src, src + cap);
    }
  }
  rx_flit_index_ += flits;
  if (rx_flit_index_ < rx_geom_.flits) {
    return;
  }
  rx_in_packet_ = false;
  if (rx_drop_packet_) {
    ++counters_.packets_dropped;
    return;
  }
  const Byte* last = b + std::size_t{flits - 1} * kFlitBytes;
  const Byte mark = cfg_.mode == BlockMode::NonCrc ? last[kFlitBytes - 1]
                                                   : last[kFlitBytes - trailer_bytes(cfg_.mode)];
  RxPacket p{};
  p.lph = rx_lph_;
  p.error_flag = (mark & 0x40) != 0; // ERROR_FLAG: passed up, never retried (§4.8.3)
  rx_packet_.resize(rx_geom_.payload);
  p.net = rx_packet_;
  if (p.error_flag) {
    ++counters_.error_flag_packets;
  }
  trace(now, "packet_received", rx_lph_.vl, rx_geom_.flits);
  rx_queue_.push_back(QueuedRx{std::move(p), rx_cells_, epoch_});
}

void DataLink::on_header_credit(Byte header0, Time now) {
  if (hdr_crd(header0)) {
    const unsigned vl = hdr_crd_vl(header0);
    const unsigned cells = neg_.data_credit_grain[vl];
    if (!tx_credit_.give_back(vl, cells)) {
      raise(DlError::FlowControlOverflow, now, vl);
      return;
    }
    counters_.cells_given_back += cells;
  }
  if (hdr_ack(header0)) {
    if (!retry_.release(neg_.data_ack_grain)) {
      raise(DlError::ProtocolError, now, 1); // ACK overflow (§4.7.3.2.1)
    }
  }
}

void DataLink::on_control_block(const ControlBlock& cb, Time now) {
  std::visit(
      [&](const auto& b) {
        using T = std::decay_t<decltype(b)>;
        if constexpr (std::is_same_v<T, RetryIdle> || std::is_same_v<T, RetryReq> ||
                      std::is_same_v<T, RetryAck>) {
          on_retry_block(cb, now);
        } else if constexpr (std::is_same_v<T, CrdAck>) {
          on_crd_ack(b, now);
        } else if constexpr (std::is_same_v<T, InitBlock>) {
          on_init(b, now);
        } else if constexpr (std::is_same_v<T, ParamExchg>) {
          param_exchg_ = b;
        } else if constexpr (std::is_same_v<T, NullBlock> || std::is_same_v<T, NoOperation>) {
          // dropped (§4.3.3.2, §4.3.3.3)
        } else {
          // Lane_Manage and Block_Mode_Chg: flows this model leaves to the PHY driver.
          ++counters_.protocol_anomalies;
          trace(now, "control_block_ignored");
        }
      },
      cb);
}

void DataLink::on_retry_req(const RetryReq& r, Time now) {
  // §4.7.3.4: NORMAL -> ACK (or ACK restarted): replay from the receiver's RcvPtr.
  if (!retry_.in_window(r.rcv_ptr)) {
    trace(now, "retry_req_bad_rcv_ptr", r.rcv_ptr, retry_.wr_ptr());
    if (state_ == DllState::ParamInit && !init_sent_) {
      // MODEL: before our Init block the peer cannot have accepted anything of this session; a
      // Retry_Req pointing elsewhere was on the wire before a reset. It is ignored.
      ++counters_.stale_retry_acks;
      return;
    }
    UB_TRANSITION(kRetryAckMachine, to_string(ack_state_), "bad_retry_req");
    raise(DlError::ProtocolError, now, 2);
    return;
  }
  UB_TRANSITION(kRetryAckMachine, to_string(ack_state_), "retry_req");
  rd_ptr_ = r.rcv_ptr;
  last_req_num_retry_ = r.num_retry;
  ack_set_pending_ = true;
  replay_left_ = 0;
  set_ack_state(RetryAckState::Ack, now);
  trace(now, "retry_req_received", r.rcv_ptr, r.num_retry);
}

void DataLink::on_retry_ack(const RetryAck& a, Time now) {
  trace(now, "retry_ack_received", a.rd_ptr, rcv_ptr_);
  const std::uint32_t d = neg_.peer_retry_buffer_flits == 0 ? 1 : neg_.peer_retry_buffer_flits;
  const bool current = a.rd_ptr % d == rcv_ptr_;
  rx_skip_set_ = true; // the rest of the set is not data
  if (req_state_ == RetryReqState::Wait || req_state_ == RetryReqState::Req) {
    if (!current) {
      // MODEL: the answer to an older request (one of its copies acted twice at the peer): the
      // replay behind it starts where we no longer are. Our own request will be answered.
      UB_TRANSITION(kRetryReqMachine, to_string(req_state_), "stale_retry_ack");
      ++counters_.stale_retry_acks;
      return;
    }
    // MODEL: an answer that arrives while our set is still going out (REQ, on a short link)
    // counts as well: RcvPtr has not moved since the request, so the replay starts where we need
    // it. A set not yet started is dropped; the rest of one being sent may draw a second
    // answer, which the check above or below turns away.
    UB_TRANSITION(kRetryReqMachine, to_string(req_state_), "retry_ack");
    req_set_pending_ = false;
    wait_deadline_ = kNever;
    num_retry_ = 0;
    num_phy_reinit_ = 0;
    set_req_state(RetryReqState::Normal, now); // WAIT -> NORMAL
    if (state_ == DllState::ParamInit) {
      UB_TRANSITION(kDllMachine, to_string(state_), "handshake_done");
      handshake_done_ = true;
    }
    if (cfg_.mode != BlockMode::NonCrc) {
      rx_block_.clear(); // CRC mode resumes at the start of the failed block
      rx_block_flits_ = 0;
    }
    return;
  }
  if (!current) {
    // MODEL: in NORMAL, an answer to a request we no longer need: the replay behind it would
    // repeat flits we already took. Ask again from RcvPtr and drop everything until the answer
    // to that (one more round trip, and no flit-level guessing about what the replay holds).
    UB_TRANSITION(kRetryReqMachine, to_string(req_state_), "stale_retry_ack");
    ++counters_.stale_retry_acks;
    block_error(now, 3);
  }
}

void DataLink::on_crd_ack(const CrdAck& c, Time now) {
  if (c.ack_num > 0 && !retry_.release(std::uint32_t{c.ack_num} * neg_.ctrl_ack_grain)) {
    raise(DlError::ProtocolError, now, 3); // ACK overflow
    return;
  }
  if (c.t) {
    if (state_ != DllState::CreditInit) {
      ++counters_.protocol_anomalies;
      return;
    }
    for (unsigned vl = 0; vl < kMaxVls; ++vl) {
      const std::uint32_t n = c.crd_num_of(vl);
      if (n > 0) {
        tx_credit_.grant_initial(vl, n * neg_.ctrl_credit_grain[vl]);
      }
    }
    if (c.sd) {
      tx_credit_.finish_initial();
      peer_initial_done_ = true;
      trace(now, "peer_credits", tx_credit_.granted());
      if (initial_credits_sent_) {
        UB_TRANSITION(kDllMachine, to_string(state_), "credits_initialised");
        set_state(DllState::Normal, now);
      }
    }
    return;
  }
  if (state_ != DllState::Normal) {
    return;
  }
  for (unsigned vl = 0; vl < kMaxVls; ++vl) {
    const std::uint32_t n = c.crd_num_of(vl);
    if (n == 0) {
      continue;
    }
    const std::uint32_t cells = n * neg_.ctrl_credit_grain[vl];
    if (!tx_credit_.give_back(vl, cells)) {
      raise(DlError::FlowControlOverflow, now, vl);
      return;
    }
    counters_.cells_given_back += cells;
  }
}

void DataLink::on_init(const InitBlock& b, Time now) {
  if (state_ != DllState::ParamInit || have_peer_init_) {
    ++counters_.protocol_anomalies;
    return;
  }
  have_peer_init_ = true;
  neg_ = negotiate(cfg_.offer, from_init_block(b));
  trace(now, "negotiated", neg_.vl_enable, neg_.flits_per_cell);
  rcv_ptr_ %= neg_.peer_retry_buffer_flits;
  if (init_sent_) {
    enter_credit_init(now);
  }
}

// ---------------------------------------------------------------------------------------------
// State machines

void DataLink::enter_param_init(Time now) {
  reset_link_state();
  set_state(DllState::ParamInit, now);
  // §4.3.4.1 note 3: a link that comes up always starts with a retry handshake.
  UB_TRANSITION(kRetryReqMachine, to_string(req_state_), "link_init");
  enter_req(now);
}

void DataLink::enter_credit_init(Time now) {
  UB_TRANSITION(kDllMachine, to_string(state_), "init_exchanged");
  set_state(DllState::CreditInit, now);
  const bool shared = cfg_.tx_credit_mode == CreditMode::Shared && neg_.peer_rx_share;
  tx_credit_.reset(shared ? CreditMode::Shared : CreditMode::Exclusive, cfg_.shared_reserve_cells);
  std::array<std::uint32_t, kMaxVls> granted{};
  for (unsigned vl = 0; vl < kMaxVls; ++vl) {
    if (!neg_.vl_enabled(vl)) {
      continue;
    }
    const unsigned g = neg_.ctrl_credit_grain[vl];
    initial_to_send_[vl] = cfg_.rx_buffer_cells[vl] / g; // in grains; a remainder is not granted
    granted[vl] = initial_to_send_[vl] * g;
  }
  rx_credit_.reset(granted, cfg_.offer.rxbuf_vl_share);
  initial_credits_sent_ = false;
  peer_initial_done_ = false;
}

void DataLink::enter_req(Time now) {
  set_req_state(RetryReqState::Req, now);
  ++num_retry_;
  const bool over = cfg_.retry_count_inclusive ? num_retry_ > cfg_.num_retry_threshold
                                               : num_retry_ >= cfg_.num_retry_threshold;
  if (over) {
    UB_TRANSITION(kRetryReqMachine, to_string(req_state_), "retry_rollover");
    num_retry_ = 0;
    raise(DlError::RetryRollover, now, num_phy_reinit_);
    enter_retrain(now, true);
    return;
  }
  req_set_pending_ = true;
  wait_deadline_ = kNever;
}

void DataLink::enter_retrain(Time now, bool command_phy) {
  set_req_state(RetryReqState::Retrain, now);
  req_set_pending_ = false;
  wait_deadline_ = kNever;
  ++num_phy_reinit_;
  if (num_phy_reinit_ >= cfg_.num_phy_reinit_threshold) {
    UB_TRANSITION(kRetryReqMachine, to_string(req_state_), "reinit_exhausted");
    num_phy_reinit_ = 0;
    set_req_state(RetryReqState::Error, now);
    raise(DlError::RetryError, now);
    return;
  }
  if (command_phy) {
    retrain_requested_ = true;
    ++counters_.retrains;
  }
  // Nothing half-sent survives a retrain: a Retry set being sent is abandoned.
  side_kind_ = SideKind::None;
  side_pos_ = side_len_ = 0;
  trace(now, "retrain", num_phy_reinit_);
}

void DataLink::block_error(Time now, std::uint64_t detail) {
  ++counters_.block_errors;
  trace(now, "block_error", rcv_ptr_, detail);
  UB_TRANSITION(kRetryReqMachine, to_string(req_state_), "block_error");
  if (cfg_.mode != BlockMode::NonCrc) {
    rx_block_.clear();
    rx_block_flits_ = 0;
  }
  if (req_state_ == RetryReqState::Normal) {
    enter_req(now); // NORMAL -> REQ
  }
}

Time DataLink::next_timeout() const noexcept {
  Time t = req_state_ == RetryReqState::Wait ? wait_deadline_ : kNever;
  if (cfg_.credit_timeout > Time{0} && state_ == DllState::Normal && !failed_) {
    for (unsigned vl = 0; vl < kMaxVls; ++vl) {
      if (stalled_[vl]) {
        t = std::min(t, stalled_since_[vl] + cfg_.credit_timeout);
      }
    }
  }
  return t;
}

void DataLink::on_timeout(Time now) {
  if (failed_ || !link_up_) {
    return;
  }
  if (req_state_ == RetryReqState::Wait && now >= wait_deadline_) {
    UB_TRANSITION(kRetryReqMachine, to_string(req_state_), "ack_timeout");
    raise(DlError::RetryAckTimeout, now, num_retry_);
    enter_req(now); // WAIT -> REQ
  }
  if (cfg_.credit_timeout > Time{0} && state_ == DllState::Normal) {
    for (unsigned vl = 0; vl < kMaxVls; ++vl) {
      if (stalled_[vl] && now >= stalled_since_[vl] + cfg_.credit_timeout &&
          !tx_credit_.can_send(
              vl, cells_for_flits(tx_queue_[vl].empty() ? 1 : tx_queue_[vl].front().flits,
                                  neg_.flits_per_cell))) {
        trace(now, "credit_timeout", vl);
        raise(DlError::ProtocolError, now, 4); // §4.8.1: no credit returned for too long
        return;
      }
    }
  }
}

void DataLink::raise(DlError e, Time now, std::uint64_t detail) {
  ++counters_.errors[static_cast<std::size_t>(e)];
  trace(now, to_string(e), static_cast<std::uint64_t>(e), detail);
  if (is_fatal(e)) {
    UB_TRANSITION(kDllMachine, to_string(state_), "uncorrectable_error");
    // §4.8.1, §4.8.2: the data link cannot go on; it waits for the UBFM's reset.
    failed_ = true;
  }
}

void DataLink::trace(Time now, std::string_view what, std::uint64_t a, std::uint64_t b) {
  if (tracer_ != nullptr) {
    tracer_->on_event(TraceEvent{now, "dl", what, a, b});
  }
}

void DataLink::set_state(DllState s, Time now) {
  if (state_ != s) {
    state_ = s;
    trace(now, to_string(s), static_cast<std::uint64_t>(s));
  }
}

void DataLink::set_req_state(RetryReqState s, Time now) {
  if (req_state_ != s) {
    req_state_ = s;
    trace(now, to_string(s), static_cast<std::uint64_t>(s), 1);
  }
}

void DataLink::set_ack_state(RetryAckState s, Time now) {
  if (ack_state_ != s) {
    ack_state_ = s;
    trace(now, s == RetryAckState::Ack ? "retry_ack_sm_ack" : "retry_ack_sm_normal",
          static_cast<std::uint64_t>(s), 2);
  }
}

void DataLink::drop_tx_queues() {
  for (auto& q : tx_queue_) {
    counters_.packets_dropped += q.size();
    q.clear();
  }
  if (tx_in_packet_) {
    ++counters_.packets_dropped;
  }
}

void DataLink::reset_link_state() {
  // §4.8.4: credits cleared, retry pointers to 0, NumFreeBuf to D.
  UB_TRANSITION(kRetryReqMachine, to_string(req_state_), "reset");
  UB_TRANSITION(kRetryAckMachine, to_string(ack_state_), "reset");
  ++epoch_;
  retry_.reset();
  std::fill(block_start_.begin(), block_start_.end(), std::uint8_t{0});
  tx_cursor_ = rd_ptr_ = replay_left_ = tx_pending_ = 0;
  rcv_ptr_ = 0;
  ack_pending_ = 0;
  num_retry_ = num_phy_reinit_ = 0;
  wait_deadline_ = kNever;
  retrain_requested_ = false;
  req_set_pending_ = ack_set_pending_ = false;
  last_req_num_retry_ = 0;
  req_state_ = RetryReqState::Normal;
  ack_state_ = RetryAckState::Normal;
  side_kind_ = SideKind::None;
  side_pos_ = side_len_ = 0;
  tx_in_packet_ = false;
  tx_frame_flits_ = tx_frame_next_ = 0;
  flits_since_packet_start_ = 1U << 20;
  stalled_.fill(false);
  tx_credit_.reset(CreditMode::Exclusive, cfg_.shared_reserve_cells);
  rx_credit_.reset({}, false);
  neg_ = Negotiated{};
  have_peer_init_ = init_sent_ = handshake_done_ = false;
  initial_credits_sent_ = peer_initial_done_ = false;
  initial_to_send_.fill(0);
  retry_run_ = RetryRun::None;
  rx_skip_set_ = false;
  rx_block_.clear();
  rx_block_flits_ = 0;
  rx_in_packet_ = rx_drop_packet_ = false;
  rx_flit_index_ = rx_cells_ = 0;
  rx_packet_.clear();
  counters_.cells_consumed = counters_.cells_given_back = 0;
  counters_.cells_admitted = counters_.cells_returned = 0;
}

} // namespace ub::dl
