#pragma once
// Data link control blocks (DLLCBs): the ten block types the data link sends to its peer.
// UB-Base-2.0 §4.3.3 (LCH Table 4-6, type table Table 4-7, per-type layouts §4.3.3.2-§4.3.3.9).
//
// A DLLCB is CLENGTH+1 flits of 20 bytes. Flit 0 starts with the 4-byte LCH:
//   0[31] CLENGTH[30:26] 100000[25:20] CFG=0[19:16] CTRL[15:12] SUB_CTRL[11:8] type-specific[7:0]
// so byte 0 = 4*CLENGTH + 2 and byte 1 = 0x00. The last flit ends with the block trailer of the
// link's block mode (UB-Base-2.0 §4.3.2.2.4 Tables 4-3/4-4, §4.3.2.3 Table 4-5): a CRC30 BCRC in
// bytes 16-19, a CRC62 BCRC in bytes 12-19, or the END byte (byte 19) in non-CRC mode. Every type
// leaves bytes 12-18 of its last flit reserved, so one layout serves all three modes.
//
// The structs hold the fields the spec defines and nothing else: reserved bits are written as 0
// and ignored on receive (decode_control_block reports through `canonical` whether they were 0).
// Field offsets below are bit offsets from the block's first bit (byte 0 bit 7).

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <tuple>
#include <variant>

#include "protocol/common/bits.hpp"
#include "protocol/common/error.hpp"
#include "protocol/common/field.hpp"
#include "protocol/dl/block_mode.hpp"

namespace ub::dl {

// One row of UB-Base-2.0 §4.3.3.1 Table 4-7: how a DLLCB type is coded in its LCH, which
// CLENGTH values it allows, and the clause that defines its layout.
struct ControlBlockType {
  std::uint8_t ctrl = 0;        // CTRL[3:0], LCH byte 2 bits 7:4
  std::uint8_t sub_ctrl = 0;    // SUB_CTRL[3:0], LCH byte 2 bits 3:0
  std::uint8_t min_clength = 0; // CLENGTH range the type allows (flits - 1)
  std::uint8_t max_clength = 0;
  std::string_view name;   // the spec's spelling, e.g. "Retry_Ack"
  std::string_view clause; // e.g. "§4.3.3.4.3"

  [[nodiscard]] constexpr Byte lch_byte2() const noexcept {
    return static_cast<Byte>((ctrl << 4) | sub_ctrl);
  }
};

inline constexpr std::string_view kLchClause = "§4.3.3.1"; // LCH (Table 4-6) and Table 4-7

// UB-Base-2.0 §4.3.3.2 Fig. 4-17: Null Block, 1 flit. Sent when there is nothing else to send;
// dropped by the receiver; never retry-buffered.
struct NullBlock {
  static constexpr ControlBlockType kType{0x0, 0x0, 0, 0, "Null", "§4.3.3.2"};
  friend constexpr bool operator==(const NullBlock&, const NullBlock&) = default;
};

// UB-Base-2.0 §4.3.3.3 Fig. 4-18: No_Operation (NOB), 1 flit. Pads the gap after a small DLLDP
// to honour the peer's PACKET_MIN_INTERVAL; dropped by the receiver but retry-buffered.
struct NoOperation {
  static constexpr ControlBlockType kType{0x0, 0x1, 0, 0, "No_Operation", "§4.3.3.3"};
  friend constexpr bool operator==(const NoOperation&, const NoOperation&) = default;
};

// UB-Base-2.0 §4.3.3.4.1 Fig. 4-19: Retry_Idle, 1 flit. Separates a DLLDP from the Retry_Req or
// Retry_Ack blocks that follow it.
struct RetryIdle {
  static constexpr ControlBlockType kType{0x1, 0x0, 0, 0, "Retry_Idle", "§4.3.3.4.1"};
  friend constexpr bool operator==(const RetryIdle&, const RetryIdle&) = default;
};

// UB-Base-2.0 §4.3.3.4.2 Fig. 4-20: Retry_Req, 1 flit. Bytes 8-9 RcvPtr, 10 NUM_PHY_REINIT,
// 11 NUM_RETRY (field widths read from the figure: ambiguity A6, reading A).
struct RetryReq {
  static constexpr ControlBlockType kType{0x1, 0x1, 0, 0, "Retry_Req", "§4.3.3.4.2"};
  std::uint16_t rcv_ptr = 0; // RcvPtr: retry-buffer index at the peer of the first flit to resend
  std::uint8_t num_phy_reinit = 0; // NUM_PHY_REINIT: PHY re-inits so far in this retry event
  std::uint8_t num_retry = 0;      // NUM_RETRY: Retry_Req_Sets sent since the last PHY re-init
  friend constexpr bool operator==(const RetryReq&, const RetryReq&) = default;
};

// UB-Base-2.0 §4.3.3.4.3 Fig. 4-21: Retry_Ack, 1 flit. Byte 5 NUM_RETRY, 6-7 NumFreeBuf,
// 8-9 RdPtr, 10-11 WrPtr (ambiguity A6, reading A).
struct RetryAck {
  static constexpr ControlBlockType kType{0x1, 0x2, 0, 0, "Retry_Ack", "§4.3.3.4.3"};
  std::uint8_t num_retry = 0;     // NUM_RETRY
  std::uint16_t num_free_buf = 0; // NumFreeBuf: free retry-buffer space, in flits
  std::uint16_t rd_ptr = 0;       // RdPtr: retry-buffer read pointer for this event
  std::uint16_t wr_ptr = 0;       // WrPtr: retry-buffer write pointer
  friend constexpr bool operator==(const RetryAck&, const RetryAck&) = default;
};

// UB-Base-2.0 §4.3.3.5 Figs. 4-22/4-23: Crd_Ack, 2 flits (CLENGTH = 1). Flit 0: byte 3 bit 7 SD,
// bit 0 T (ambiguity A6), bytes 4-5 ACK_NUM, bytes 6-17 CRD_NUM[95:0]; flit 1 holds only the
// trailer (in non-CRC mode END is in flit 1, never flit 0).
struct CrdAck {
  static constexpr ControlBlockType kType{0x2, 0x4, 1, 1, "Crd_Ack", "§4.3.3.5"};
  bool sd = false; // SD (SEND_DONE): last initial-credit Crd_Ack; meaningful when T = 1
  bool t = false;  // T: 1 = initial credits (credit init), 0 = normal credit return
  // ACK_NUM: frees ACK_NUM x CTRL_ACK_GRAIN_SIZE flits of the peer's retry buffer.
  std::uint16_t ack_num = 0;
  Wide<12> crd_num{}; // CRD_NUM[95:0], MSB first: 16 x 6 bits, VL15 in [95:90] ... VL0 in [5:0]

  // The 6-bit credit count of VL `vl` (CRD_NUM[6vl+5:6vl]); 0 if vl > 15.
  [[nodiscard]] constexpr std::uint8_t crd_num_of(unsigned vl) const noexcept {
    if (vl > 15) {
      return 0;
    }
    return static_cast<std::uint8_t>(get_bits(crd_num.data(), 90 - 6 * std::size_t{vl}, 6));
  }
  // Sets the count of VL `vl`. Returns false (and changes nothing) if vl > 15 or count > 63.
  constexpr bool set_crd_num_of(unsigned vl, std::uint8_t count) noexcept {
    if (vl > 15 || count > 63) {
      return false;
    }
    put_bits(crd_num.data(), 90 - 6 * std::size_t{vl}, 6, count);
    return true;
  }
  friend constexpr bool operator==(const CrdAck&, const CrdAck&) = default;
};

// UB-Base-2.0 §4.3.3.6 Figs. 4-24..4-26: Param_Exchg, N = 1..32 flits (CLENGTH = N-1). Each flit
// carries one 32-bit PARAM_EXCHG_DATA word in bytes 8-11; all else is reserved.
inline constexpr std::size_t kMaxParamWords = 32;
struct ParamExchg {
  static constexpr ControlBlockType kType{0x3, 0x0, 0, 31, "Param_Exchg", "§4.3.3.6"};
  std::uint8_t flits = 1; // N, 1..32: one PARAM_EXCHG_DATA word per flit
  // The words, MSB first, flit 0's word in data[0..3]; only the first 4*flits bytes are sent and
  // compared, the rest are ignored.
  Wide<4 * kMaxParamWords> data{};

  // PARAM_EXCHG_DATA of flit i (0 if i >= 32).
  [[nodiscard]] constexpr std::uint32_t word(std::size_t i) const noexcept {
    return i < kMaxParamWords ? load_be32(data.data() + 4 * i) : 0;
  }
  // Sets the word of flit i; false (nothing changed) if i >= 32. Does not change `flits`.
  constexpr bool set_word(std::size_t i, std::uint32_t v) noexcept {
    if (i >= kMaxParamWords) {
      return false;
    }
    store_be32(data.data() + 4 * i, v);
    return true;
  }
  friend constexpr bool operator==(const ParamExchg& a, const ParamExchg& b) noexcept {
    if (a.flits != b.flits) {
      return false;
    }
    const std::size_t n = 4 * std::size_t{a.flits < kMaxParamWords ? a.flits : kMaxParamWords};
    for (std::size_t i = 0; i < n; ++i) {
      if (a.data[i] != b.data[i]) {
        return false;
      }
    }
    return true;
  }
};

// Lane widths of Lane_Manage TLW / RLW, one-hot (UB-Base-2.0 §4.3.3.7 Table 4-8); every other
// value, including 0, 010000 and 100000, is reserved.
namespace lane_width {
inline constexpr std::uint8_t kX1 = 0b000001;
inline constexpr std::uint8_t kX2 = 0b000010;
inline constexpr std::uint8_t kX4 = 0b000100;
inline constexpr std::uint8_t kX8 = 0b001000;
} // namespace lane_width

[[nodiscard]] constexpr bool is_lane_width(std::uint8_t w) noexcept {
  return w == lane_width::kX1 || w == lane_width::kX2 || w == lane_width::kX4 ||
         w == lane_width::kX8;
}

// UB-Base-2.0 §4.3.3.7 Fig. 4-27 and Table 4-8: Lane_Manage, 1 flit. Bytes 4-11 are CMD[63:0];
// CMD bytes 0-3 (flit bytes 4-7) hold the fields below, CMD bytes 4-7 are reserved.
// REQ_ID and RSP_ID are written as the fixed 0x5 / 0xA (ambiguity A7, reading A) but decoded as
// they are, so a receiver can apply A7's context rule.
struct LaneManage {
  static constexpr ControlBlockType kType{0x4, 0x1, 0, 0, "Lane_Manage", "§4.3.3.7"};
  std::uint8_t req_id = 0x5; // REQ_ID[3:0] (byte 4 bits 7:4)
  bool power_down = false;   // Power_Down: request all lanes off
  bool change_rlw = false;   // Change_RLW: request a new RX width (RLW)
  bool change_tlw = false;   // Change_TLW: request a new TX width (TLW)
  std::uint8_t rsp_id = 0xA; // RSP_ID[3:0] (byte 5 bits 7:4)
  bool rx_lane_up = false;   // RX_Lane_Up: 1 = lane-up finished
  bool rsp_rlw = false;      // RSP_RLW: 1 ACK, 0 NAK
  bool rsp_tlw = false;      // RSP_TLW: 1 ACK, 0 NAK
  // TLW / RLW[5:0], one-hot (lane_width). The spec does not say what a block that changes only
  // one direction carries in the other field; it must still be a defined width.
  std::uint8_t tlw = lane_width::kX1;
  std::uint8_t rlw = lane_width::kX1;
  friend constexpr bool operator==(const LaneManage&, const LaneManage&) = default;
};

// Block_Mode_Chg TYPE values, UB-Base-2.0 §4.3.3.8 Fig. 4-28; 2..15 are reserved.
enum class BlockModeChgType : std::uint8_t { Req = 0, Ack = 1 };

// UB-Base-2.0 §4.3.3.8 Fig. 4-28: Block_Mode_Chg, 1 flit. Byte 3 bits 3:0 TYPE.
struct BlockModeChg {
  static constexpr ControlBlockType kType{0x5, 0x0, 0, 0, "Block_Mode_Chg", "§4.3.3.8"};
  BlockModeChgType type = BlockModeChgType::Req; // TYPE[3:0]
  friend constexpr bool operator==(const BlockModeChg&, const BlockModeChg&) = default;
};

// UB-Base-2.0 §4.3.3.9 Figs. 4-30..4-35 and Table 4-9: Init, N = 5..32 flits (CLENGTH 4..31).
// Flits 0-3 carry the parameters, flits 4..N-2 are reserved spares, flit N-1 only the trailer.
// The two credit-grain bitmaps are split across flits (byte map in layouts-datalink.md §3.3):
//   CTRL_CREDIT_GRAIN_SIZE: VL13..VL0 in flit 1 bytes 4-17, VL15/VL14 in flit 2 bytes 16-17.
//   DATA_CREDIT_GRAIN_SIZE: VL11..VL0 in flit 2 bytes 4-15, VL15..VL12 in flit 3 bytes 14-17.
// Every bitmap byte reads bit 7 = 128 ... bit 0 = 1 (flits or cells); a set bit = supported.
struct InitBlock {
  static constexpr ControlBlockType kType{0xC, 0x8, 4, 31, "Init", "§4.3.3.9"};
  std::uint8_t clength = 4;             // CLENGTH, 4..31 (flits - 1)
  std::uint16_t feature_id = 0;         // FEATURE_ID[15:0]      (flit 0 bytes 7-8)
  bool rxbuf_vl_share = false;          // RXBUF_VL_SHARE "R"    (flit 0 byte 9 bit 0)
  std::uint8_t data_ack_grain_size = 0; // DATA_ACK_GRAIN_SIZE   (flit 0 byte 10)
  std::uint8_t ctrl_ack_grain_size = 0; // CTRL_ACK_GRAIN_SIZE   (flit 0 byte 11)
  std::uint8_t flow_ctrl_size = 0;      // FLOW_CTRL_SIZE        (flit 0 byte 12)
  std::uint16_t vl_enable = 0;          // VL_ENABLE[15:0], bit v = VLv (flit 0 bytes 13-14)
  std::uint16_t retry_buf_depth = 0;    // RETRY_BUF_DEPTH[15:0] (flit 0 bytes 16-17)
  Wide<16> ctrl_credit_grain_size{};    // CTRL_CREDIT_GRAIN_SIZE[127:0]: byte 0 = VL15 ... 15 = VL0
  Wide<16> data_credit_grain_size{};    // DATA_CREDIT_GRAIN_SIZE[127:0]: byte 0 = VL15 ... 15 = VL0
  std::uint8_t packet_min_interval = 0; // PACKET_MIN_INTERVAL[7:0] (flit 3 byte 13)

  // The grain bitmap of VL `vl` (0 if vl > 15).
  [[nodiscard]] constexpr std::uint8_t ctrl_credit_grain(unsigned vl) const noexcept {
    return vl > 15 ? 0 : ctrl_credit_grain_size[15 - vl];
  }
  [[nodiscard]] constexpr std::uint8_t data_credit_grain(unsigned vl) const noexcept {
    return vl > 15 ? 0 : data_credit_grain_size[15 - vl];
  }
  // Set the grain bitmap of VL `vl`; false (nothing changed) if vl > 15.
  constexpr bool set_ctrl_credit_grain(unsigned vl, std::uint8_t bitmap) noexcept {
    if (vl > 15) {
      return false;
    }
    ctrl_credit_grain_size[15 - vl] = bitmap;
    return true;
  }
  constexpr bool set_data_credit_grain(unsigned vl, std::uint8_t bitmap) noexcept {
    if (vl > 15) {
      return false;
    }
    data_credit_grain_size[15 - vl] = bitmap;
    return true;
  }
  friend constexpr bool operator==(const InitBlock&, const InitBlock&) = default;
};

using ControlBlock = std::variant<NullBlock, NoOperation, RetryIdle, RetryReq, RetryAck, CrdAck,
                                  ParamExchg, LaneManage, BlockModeChg, InitBlock>;

// Flits the block occupies when encoded (CLENGTH + 1): 1 for the fixed single-flit types, 2 for
// Crd_Ack, `flits` for Param_Exchg, clength + 1 for Init. For a Param_Exchg or Init whose length
// encode would refuse, this returns the member as given.
[[nodiscard]] std::size_t control_block_flits(const ControlBlock& cb) noexcept;

// The spec's name of the block type: "Null", "No_Operation", "Retry_Idle", "Retry_Req",
// "Retry_Ack", "Crd_Ack", "Param_Exchg", "Lane_Manage", "Block_Mode_Chg" or "Init".
[[nodiscard]] std::string_view control_block_name(const ControlBlock& cb) noexcept;

// True for the types the sender keeps in its retry buffer: all but Null and the three Retry
// blocks (UB-Base-2.0 §4.7.3.2.1; NOBs explicitly, §4.3.3.3).
[[nodiscard]] bool is_retry_buffered(const ControlBlock& cb) noexcept;

// Decodes one DLLCB. `in` must be exactly the block: CLENGTH+1 flits of 20 bytes, trailer
// included. Reads only `in`; never allocates.
// Checks, in this order, each failing with an Error whose header is the type's spec name (or
// "DLLCB" when CTRL/SUB_CTRL is unknown), field and clause:
//   Truncated       fewer than 4 bytes (field "LCH"), or fewer than (CLENGTH+1)*20 (field
//                   "CLENGTH"; value = bytes the block needs).
//   ReservedValue   field "LCH": byte 0 bit 7 not 0, byte 0 bits 1:0 not 10, or byte 1 not 0
//                   (fixed pattern 100000 and CFG = 0), offset 0 or 1, §4.3.3.1.
//   ReservedValue   field "CTRL": CTRL/SUB_CTRL pair not in Table 4-7, offset 2.
//   LengthMismatch  field "CLENGTH": a length the type does not allow (1 flit for the fixed
//                   single-flit types, 2 for Crd_Ack, 5..32 for Init), offset 0.
//   TrailingBytes   `in` is longer than (CLENGTH+1)*20 bytes; offset = where the extra bytes start.
//   CrcMismatch     field "BCRC", CRC30 or CRC62 mode only: the CRC30 (and in CRC62 mode the
//                   CRC32) over every block bit before the CRC30 field, including the trailer's
//                   Reserved and ERROR_FLAG bits, differs from the trailer (§4.7.2, ambiguity A3);
//                   offset = the trailer's first byte.
//   ReservedValue   a reserved field value: Lane_Manage "TLW" (offset 6) or "RLW" (offset 7) not
//                   one of x1/x2/x4/x8; Block_Mode_Chg "TYPE" 2..15 (offset 3).
// Non-CRC mode has no CRC to check; byte 19 of the last flit is END.
// When `canonical` is not null it is set to true on success if every reserved bit, the
// trailer's Reserved and ERROR_FLAG bits (meaningless in a DLLCB, ambiguity A15) and in non-CRC
// mode the whole END byte and last-flit bytes 16-18 are zero; false otherwise or on error.
[[nodiscard]] Result<ControlBlock> decode_control_block(std::span<const Byte> in, BlockMode mode,
                                                        bool* canonical = nullptr) noexcept;

// Encodes the whole block into out[0 .. 20*flits): LCH, fields, reserved bits 0, and the
// trailer of `mode` (BCRC with ERROR_FLAG 0, or an all-zero END byte). Returns the bytes written.
// Errors (header = the type's spec name):
//   OutOfRange      a value wider than its field (e.g. Lane_Manage "REQ_ID" > 15, "TLW" > 63,
//                   Block_Mode_Chg "TYPE" > 15); "CLENGTH": Param_Exchg flits outside 1..32 or
//                   Init clength outside 4..31.
//   ReservedValue   Lane_Manage "TLW"/"RLW" not one-hot x1..x8; Block_Mode_Chg "TYPE" 2..15.
//   BufferTooSmall  out.size() < 20*flits (value = bytes needed); nothing is written.
[[nodiscard]] Result<std::size_t> encode_control_block(const ControlBlock& cb, BlockMode mode,
                                                       std::span<Byte> out) noexcept;

} // namespace ub::dl

// Field tables and reflection (kName, kClause, visit, set) for the tool. visit() reports the
// type's own fields in wire order with bit offsets from the block's first bit; it does not report
// the LCH constants (CTRL, SUB_CTRL) or the trailer, which the type and mode determine.
namespace ub {

template <>
struct Layout<dl::NullBlock> {
  static constexpr std::string_view kName = dl::NullBlock::kType.name;
  static constexpr std::string_view kClause = dl::NullBlock::kType.clause;
  static constexpr std::size_t kSize = 20;
  static constexpr auto kFields = std::tuple{};
};

template <>
struct Layout<dl::NoOperation> {
  static constexpr std::string_view kName = dl::NoOperation::kType.name;
  static constexpr std::string_view kClause = dl::NoOperation::kType.clause;
  static constexpr std::size_t kSize = 20;
  static constexpr auto kFields = std::tuple{};
};

template <>
struct Layout<dl::RetryIdle> {
  static constexpr std::string_view kName = dl::RetryIdle::kType.name;
  static constexpr std::string_view kClause = dl::RetryIdle::kType.clause;
  static constexpr std::size_t kSize = 20;
  static constexpr auto kFields = std::tuple{};
};

template <>
struct Layout<dl::RetryReq> {
  static constexpr std::string_view kName = dl::RetryReq::kType.name;
  static constexpr std::string_view kClause = dl::RetryReq::kType.clause;
  static constexpr std::size_t kSize = 20;
  static constexpr auto kFields = std::tuple{
      Field<&dl::RetryReq::rcv_ptr, 64, 16>{"RcvPtr"},
      Field<&dl::RetryReq::num_phy_reinit, 80, 8>{"NUM_PHY_REINIT"},
      Field<&dl::RetryReq::num_retry, 88, 8>{"NUM_RETRY"},
  };
};

template <>
struct Layout<dl::RetryAck> {
  static constexpr std::string_view kName = dl::RetryAck::kType.name;
  static constexpr std::string_view kClause = dl::RetryAck::kType.clause;
  static constexpr std::size_t kSize = 20;
  static constexpr auto kFields = std::tuple{
      Field<&dl::RetryAck::num_retry, 40, 8>{"NUM_RETRY"},
      Field<&dl::RetryAck::num_free_buf, 48, 16>{"NumFreeBuf"},
      Field<&dl::RetryAck::rd_ptr, 64, 16>{"RdPtr"},
      Field<&dl::RetryAck::wr_ptr, 80, 16>{"WrPtr"},
  };
};

template <>
struct Layout<dl::CrdAck> {
  static constexpr std::string_view kName = dl::CrdAck::kType.name;
  static constexpr std::string_view kClause = dl::CrdAck::kType.clause;
  static constexpr std::size_t kSize = 40;
  static constexpr auto kFields = std::tuple{
      Field<&dl::CrdAck::sd, 24, 1>{"SD"},
      Field<&dl::CrdAck::t, 31, 1>{"T"},
      Field<&dl::CrdAck::ack_num, 32, 16>{"ACK_NUM"},
      Field<&dl::CrdAck::crd_num, 48, 96>{"CRD_NUM"},
  };
};

template <>
struct Layout<dl::LaneManage> {
  static constexpr std::string_view kName = dl::LaneManage::kType.name;
  static constexpr std::string_view kClause = dl::LaneManage::kType.clause;
  static constexpr std::size_t kSize = 20;
  static constexpr auto kFields = std::tuple{
      Field<&dl::LaneManage::req_id, 32, 4>{"REQ_ID"},
      Field<&dl::LaneManage::power_down, 37, 1>{"Power_Down"},
      Field<&dl::LaneManage::change_rlw, 38, 1>{"Change_RLW"},
      Field<&dl::LaneManage::change_tlw, 39, 1>{"Change_TLW"},
      Field<&dl::LaneManage::rsp_id, 40, 4>{"RSP_ID"},
      Field<&dl::LaneManage::rx_lane_up, 45, 1>{"RX_Lane_Up"},
      Field<&dl::LaneManage::rsp_rlw, 46, 1>{"RSP_RLW"},
      Field<&dl::LaneManage::rsp_tlw, 47, 1>{"RSP_TLW"},
      Field<&dl::LaneManage::tlw, 50, 6>{"TLW"},
      Field<&dl::LaneManage::rlw, 58, 6>{"RLW"},
  };
  // Table 4-8: TLW and RLW are one-hot x1/x2/x4/x8; everything else is reserved.
  static constexpr std::optional<FieldIssue> check(const dl::LaneManage& h) noexcept {
    if (!dl::is_lane_width(h.tlw)) {
      return FieldIssue{"TLW", Errc::ReservedValue, "not a defined lane width (x1, x2, x4, x8)",
                        h.tlw};
    }
    if (!dl::is_lane_width(h.rlw)) {
      return FieldIssue{"RLW", Errc::ReservedValue, "not a defined lane width (x1, x2, x4, x8)",
                        h.rlw};
    }
    return std::nullopt;
  }
};

template <>
struct Layout<dl::BlockModeChg> {
  static constexpr std::string_view kName = dl::BlockModeChg::kType.name;
  static constexpr std::string_view kClause = dl::BlockModeChg::kType.clause;
  static constexpr std::size_t kSize = 20;
  static constexpr auto kFields = std::tuple{
      Field<&dl::BlockModeChg::type, 28, 4>{"TYPE"},
  };
  // Fig. 4-28: TYPE 0 = REQ, 1 = ACK, 2..15 reserved.
  static constexpr std::optional<FieldIssue> check(const dl::BlockModeChg& h) noexcept {
    const auto v = static_cast<std::uint8_t>(h.type);
    if (v > 1) {
      return FieldIssue{"TYPE", Errc::ReservedValue, "TYPE is 0 (REQ) or 1 (ACK)", v};
    }
    return std::nullopt;
  }
};

namespace dl::detail {
// Reflection for a DLLCB type whose fields sit at fixed offsets: visit and set come from its
// Layout through FixedCodec. FixedCodec's own decode/encode are deliberately not exposed, since
// they know nothing of the LCH or the trailer; use decode_control_block / encode_control_block.
template <class T>
struct LayoutReflection {
  static constexpr std::string_view kName = Layout<T>::kName;
  static constexpr std::string_view kClause = Layout<T>::kClause;

  template <class Fn>
  static void visit(const T& h, Fn&& fn) {
    FixedCodec<T>::visit(h, fn);
  }
  // Errors: UnknownField (the type has no such field), OutOfRange (the value does not fit).
  // A value that fits but is reserved (TYPE 2, TLW 3) is accepted here and refused by encode.
  [[nodiscard]] static Status set(T& h, std::string_view name, const FieldValue& v) noexcept {
    return FixedCodec<T>::set(h, name, v);
  }
};
} // namespace dl::detail

template <>
struct Codec<dl::NullBlock> : dl::detail::LayoutReflection<dl::NullBlock> {};
template <>
struct Codec<dl::NoOperation> : dl::detail::LayoutReflection<dl::NoOperation> {};
template <>
struct Codec<dl::RetryIdle> : dl::detail::LayoutReflection<dl::RetryIdle> {};
template <>
struct Codec<dl::RetryReq> : dl::detail::LayoutReflection<dl::RetryReq> {};
template <>
struct Codec<dl::RetryAck> : dl::detail::LayoutReflection<dl::RetryAck> {};
template <>
struct Codec<dl::CrdAck> : dl::detail::LayoutReflection<dl::CrdAck> {};
template <>
struct Codec<dl::LaneManage> : dl::detail::LayoutReflection<dl::LaneManage> {};
template <>
struct Codec<dl::BlockModeChg> : dl::detail::LayoutReflection<dl::BlockModeChg> {};

// Param_Exchg: hand-written, since its length follows its data. visit() reports CLENGTH (Derived:
// flits - 1) and PARAM_EXCHG_DATA as one wide field of 4*flits bytes, flit 0's word first; its
// offset is that of flit 0 byte 8 and its width 32*flits, although on the wire each word sits in
// bytes 8-11 of its own flit.
template <>
struct Codec<dl::ParamExchg> {
  static constexpr std::string_view kName = dl::ParamExchg::kType.name;
  static constexpr std::string_view kClause = dl::ParamExchg::kType.clause;

  template <class Fn>
  static void visit(const dl::ParamExchg& h, Fn&& fn) {
    const std::size_t n = h.flits < dl::kMaxParamWords ? h.flits : dl::kMaxParamWords;
    fn(FieldDesc{"CLENGTH", 1, 5, FieldRole::Derived},
       FieldValue{n == 0 ? 0 : static_cast<std::uint64_t>(n - 1), {}});
    fn(FieldDesc{"PARAM_EXCHG_DATA", 64, static_cast<std::uint16_t>(32 * n), FieldRole::Data},
       FieldValue{0, std::span<const Byte>(h.data.data(), 4 * n)});
  }
  // "PARAM_EXCHG_DATA" from `wide` (1..128 bytes): sets flits = ceil(bytes/4) and the words,
  // right-aligned (leading zero bytes pad the first word). From a scalar (empty `wide`): keeps
  // flits and sets the words as one big-endian number. "CLENGTH" 0..31: sets flits = CLENGTH+1
  // and clears the words past the new end.
  // Errors: UnknownField; OutOfRange (more than 128 bytes, a scalar wider than 4*flits bytes,
  // CLENGTH > 31).
  [[nodiscard]] static Status set(dl::ParamExchg& h, std::string_view name,
                                  const FieldValue& v) noexcept;
};

// Init: hand-written, since the credit-grain bitmaps are split across flits. The scalar fields
// use field tables (kHeadFields, kTailFields: real wire positions). kSplitFields describes the
// two bitmaps for reflection only, with the offset of the first wire byte carrying each (flit 1
// byte 4, flit 2 byte 4) and the full 128-bit width; never pack or unpack with it.
template <>
struct Codec<dl::InitBlock> {
  static constexpr std::string_view kName = dl::InitBlock::kType.name;
  static constexpr std::string_view kClause = dl::InitBlock::kType.clause;

  static constexpr auto kHeadFields = std::tuple{
      Field<&dl::InitBlock::clength, 1, 5>{"CLENGTH"},
      Field<&dl::InitBlock::feature_id, 56, 16>{"FEATURE_ID"},
      Field<&dl::InitBlock::rxbuf_vl_share, 79, 1>{"RXBUF_VL_SHARE"},
      Field<&dl::InitBlock::data_ack_grain_size, 80, 8>{"DATA_ACK_GRAIN_SIZE"},
      Field<&dl::InitBlock::ctrl_ack_grain_size, 88, 8>{"CTRL_ACK_GRAIN_SIZE"},
      Field<&dl::InitBlock::flow_ctrl_size, 96, 8>{"FLOW_CTRL_SIZE"},
      Field<&dl::InitBlock::vl_enable, 104, 16>{"VL_ENABLE"},
      Field<&dl::InitBlock::retry_buf_depth, 128, 16>{"RETRY_BUF_DEPTH"},
  };
  static constexpr auto kSplitFields = std::tuple{
      Field<&dl::InitBlock::ctrl_credit_grain_size, 8 * 24, 128>{"CTRL_CREDIT_GRAIN_SIZE"},
      Field<&dl::InitBlock::data_credit_grain_size, 8 * 44, 128>{"DATA_CREDIT_GRAIN_SIZE"},
  };
  static constexpr auto kTailFields = std::tuple{
      Field<&dl::InitBlock::packet_min_interval, 8 * 73, 8>{"PACKET_MIN_INTERVAL"},
  };

  // Block byte of each bitmap byte (index 0 = VL15 ... 15 = VL0), Table 4-9.
  static constexpr std::array<std::uint8_t, 16> kCtrlCreditBytes{56, 57, 24, 25, 26, 27, 28, 29,
                                                                 30, 31, 32, 33, 34, 35, 36, 37};
  static constexpr std::array<std::uint8_t, 16> kDataCreditBytes{74, 75, 76, 77, 44, 45, 46, 47,
                                                                 48, 49, 50, 51, 52, 53, 54, 55};

  template <class Fn>
  static void visit(const dl::InitBlock& h, Fn&& fn) {
    visit_fields(kHeadFields, h, fn);
    visit_fields(kSplitFields, h, fn);
    visit_fields(kTailFields, h, fn);
  }
  // Errors: UnknownField; OutOfRange (the value does not fit, or CLENGTH outside 4..31).
  [[nodiscard]] static Status set(dl::InitBlock& h, std::string_view name,
                                  const FieldValue& v) noexcept;
};

} // namespace ub
