#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <type_traits>
#include <variant>
#include <vector>

#include <catch2/catch.hpp>

#include "protocol/dl/control_blocks.hpp"

using namespace ub;
using namespace ub::dl;

namespace {

constexpr std::array<BlockMode, 3> kModes{BlockMode::Crc30, BlockMode::Crc62, BlockMode::NonCrc};

using Bytes = std::vector<Byte>;

// An independent bit-at-a-time CRC (MSB first, init all ones, no final xor) over whole bytes then
// the two top bits of `tail`: the trailer rule of §4.7.2 (ambiguity A3, reading A).
std::uint32_t ref_crc(const Byte* p, std::size_t n, Byte tail, unsigned width, std::uint64_t poly) {
  const std::uint64_t mask = (std::uint64_t{1} << width) - 1;
  std::uint64_t reg = mask;
  const auto step = [&](unsigned bit) {
    const std::uint64_t top = ((reg >> (width - 1)) & 1U) ^ bit;
    reg = (reg << 1) & mask;
    if (top != 0) {
      reg ^= poly;
    }
  };
  for (std::size_t i = 0; i < n; ++i) {
    for (int b = 7; b >= 0; --b) {
      step((p[i] >> b) & 1U);
    }
  }
  step((tail >> 7) & 1U);
  step((tail >> 6) & 1U);
  return static_cast<std::uint32_t>(reg);
}

// Writes the BCRC of `mode` into the last flit of `blk`, keeping whatever Reserved/ERROR_FLAG
// bits the trailer's first byte already holds. Non-CRC mode: unchanged.
void seal(Bytes& blk, BlockMode mode) {
  const std::size_t last = blk.size() - 20;
  if (mode == BlockMode::NonCrc) {
    return;
  }
  const std::size_t at = last + (mode == BlockMode::Crc30 ? 16 : 12);
  const std::uint32_t c30 = ref_crc(blk.data(), at, blk[at], 30, 0x15A94AD5U);
  blk[at] = static_cast<Byte>((blk[at] & 0xC0U) | (c30 >> 24));
  blk[at + 1] = static_cast<Byte>(c30 >> 16);
  blk[at + 2] = static_cast<Byte>(c30 >> 8);
  blk[at + 3] = static_cast<Byte>(c30);
  if (mode == BlockMode::Crc62) {
    const std::uint32_t c32 = ref_crc(blk.data(), at, blk[at], 32, 0x32C00699U);
    blk[at + 4] = static_cast<Byte>(c32 >> 24);
    blk[at + 5] = static_cast<Byte>(c32 >> 16);
    blk[at + 6] = static_cast<Byte>(c32 >> 8);
    blk[at + 7] = static_cast<Byte>(c32);
  }
}

Bytes sealed(Bytes blk, BlockMode mode) {
  seal(blk, mode);
  return blk;
}

std::size_t trailer_at(std::size_t size, BlockMode mode) {
  const std::size_t last = size - 20;
  switch (mode) {
  case BlockMode::Crc30:
    return last + 16;
  case BlockMode::Crc62:
    return last + 12;
  case BlockMode::NonCrc:
    return last + 19;
  }
  return last + 19;
}

// A tiny 64-bit LCG (Knuth's MMIX constants): portable and reproducible.
struct Lcg {
  std::uint64_t s;
  std::uint32_t next() {
    s = s * 6364136223846793005ULL + 1442695040888963407ULL;
    return static_cast<std::uint32_t>(s >> 32);
  }
  Byte byte() { return static_cast<Byte>(next() >> 24); }
  std::uint16_t u16() { return static_cast<std::uint16_t>(next() >> 16); }
  bool bit() { return (next() >> 31) != 0; }
  unsigned below(unsigned n) { return next() % n; }
};

Result<std::size_t> encode(const ControlBlock& cb, BlockMode m, Bytes& out) {
  out.assign(640, 0xEE);
  auto n = encode_control_block(cb, m, out);
  if (n) {
    out.resize(*n);
  }
  return n;
}

// ---- hand-derived blocks, non-CRC layout (last flit bytes 12-19 zero; seal() adds a BCRC) ------

// Retry_Req (Fig. 4-20): RcvPtr 0x1234, NUM_PHY_REINIT 0x56, NUM_RETRY 0x78.
const Bytes kRetryReqBytes{0x02, 0x00, 0x11, 0x00, 0x00, 0x00, 0x00, 0x00, 0x12, 0x34,
                           0x56, 0x78, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00};
// Retry_Ack (Fig. 4-21): NUM_RETRY 0x0E, NumFreeBuf 0xABCD, RdPtr 0x0102, WrPtr 0xFEDC.
const Bytes kRetryAckBytes{0x02, 0x00, 0x12, 0x00, 0x00, 0x0E, 0xAB, 0xCD, 0x01, 0x02,
                           0xFE, 0xDC, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00};
// Crd_Ack (Figs. 4-22/4-23): byte 0 = 4*1+2 = 0x06; byte 3 = SD(bit 7) | T(bit 0) = 0x81;
// ACK_NUM 0x0203; CRD_NUM: VL15 = 63 -> [95:90] = 111111 -> CRD byte 0 (flit byte 6) = 0xFC;
// VL1 = 2 -> [11:6] = 000010, VL0 = 1 -> [5:0] = 000001, so CRD bits 7:0 (flit byte 17) =
// 10 000001 = 0x81 and bits 11:8 (low nibble of flit byte 16) = 0000.
const Bytes kCrdAckBytes{
    0x06, 0x00, 0x24, 0x81, 0x02, 0x03, 0xFC, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x81, 0x00, 0x00, // flit 0
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, // flit 1: trailer only
};
// Param_Exchg (Figs. 4-24..4-26), 2 flits: byte 0 = 0x06, words 0xDEADBEEF and 0x01234567 in
// bytes 8-11 of each flit.
const Bytes kParamBytes{
    0x06, 0x00, 0x30, 0x00, 0x00, 0x00, 0x00, 0x00, 0xDE, 0xAD,
    0xBE, 0xEF, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, // flit 0
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x23,
    0x45, 0x67, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, // flit 1
};
// Lane_Manage (Table 4-8): byte 4 = REQ_ID 0101, rsvd 0, Power_Down 0, Change_RLW 1,
// Change_TLW 0 = 0x52; byte 5 = RSP_ID 1010, rsvd 0, RX_Lane_Up 1, RSP_RLW 0, RSP_TLW 1 = 0xA5;
// byte 6 = TLW x4 = 000100; byte 7 = RLW x8 = 001000.
const Bytes kLaneBytes{0x02, 0x00, 0x41, 0x00, 0x52, 0xA5, 0x04, 0x08, 0x00, 0x00,
                       0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00};
// Block_Mode_Chg (Fig. 4-28) ACK: byte 3 = TYPE 0001.
const Bytes kBmcBytes{0x02, 0x00, 0x50, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
                      0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00};
const Bytes kNobBytes{0x02, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
                      0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00};
const Bytes kNullBytes{0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
                       0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00};
const Bytes kRetryIdleBytes{0x02, 0x00, 0x10, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
                            0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00};
// Init (Figs. 4-30..4-35, Table 4-9), CLENGTH 4 (byte 0 = 0x12), 5 flits:
//   flit 0: FEATURE_ID 0xA1B2 (bytes 7-8), R = 1 (byte 9 bit 0), DATA_ACK 0x80, CTRL_ACK 0x40,
//           FLOW_CTRL 0x20 (bytes 10-12), VL_ENABLE 0x00FF (13-14), RETRY_BUF_DEPTH 0x1234 (16-17)
//   flit 1: CTRL_CREDIT_GRAIN VL13..VL0 in bytes 4-17, value 0x10+VL
//   flit 2: DATA_CREDIT_GRAIN VL11..VL0 in bytes 4-15 (0x20+VL), CTRL VL15, VL14 in bytes 16-17
//   flit 3: PACKET_MIN_INTERVAL 7 (byte 13), DATA_CREDIT_GRAIN VL15..VL12 in bytes 14-17
//   flit 4: trailer only
const Bytes kInitBytes{
    0x12, 0x00, 0xC8, 0x00, 0x00, 0x00, 0x00, 0xA1, 0xB2, 0x01,
    0x80, 0x40, 0x20, 0x00, 0xFF, 0x00, 0x12, 0x34, 0x00, 0x00, // flit 0
    0x00, 0x00, 0x00, 0x00, 0x1D, 0x1C, 0x1B, 0x1A, 0x19, 0x18,
    0x17, 0x16, 0x15, 0x14, 0x13, 0x12, 0x11, 0x10, 0x00, 0x00, // flit 1
    0x00, 0x00, 0x00, 0x00, 0x2B, 0x2A, 0x29, 0x28, 0x27, 0x26,
    0x25, 0x24, 0x23, 0x22, 0x21, 0x20, 0x1F, 0x1E, 0x00, 0x00, // flit 2
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x07, 0x2F, 0x2E, 0x2D, 0x2C, 0x00, 0x00, // flit 3
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, // flit 4
};

InitBlock expected_init() {
  InitBlock b{};
  b.clength = 4;
  b.feature_id = 0xA1B2;
  b.rxbuf_vl_share = true;
  b.data_ack_grain_size = 0x80;
  b.ctrl_ack_grain_size = 0x40;
  b.flow_ctrl_size = 0x20;
  b.vl_enable = 0x00FF;
  b.retry_buf_depth = 0x1234;
  b.ctrl_credit_grain_size = {0x1F, 0x1E, 0x1D, 0x1C, 0x1B, 0x1A, 0x19, 0x18,
                              0x17, 0x16, 0x15, 0x14, 0x13, 0x12, 0x11, 0x10};
  b.data_credit_grain_size = {0x2F, 0x2E, 0x2D, 0x2C, 0x2B, 0x2A, 0x29, 0x28,
                              0x27, 0x26, 0x25, 0x24, 0x23, 0x22, 0x21, 0x20};
  b.packet_min_interval = 7;
  return b;
}

CrdAck expected_crd_ack() {
  CrdAck c{};
  c.sd = true;
  c.t = true;
  c.ack_num = 0x0203;
  c.crd_num = {0xFC, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x81};
  return c;
}

ParamExchg expected_param() {
  ParamExchg p{};
  p.flits = 2;
  REQUIRE(p.set_word(0, 0xDEADBEEFU));
  REQUIRE(p.set_word(1, 0x01234567U));
  return p;
}

LaneManage expected_lane() {
  LaneManage l{};
  l.change_rlw = true;
  l.rx_lane_up = true;
  l.rsp_tlw = true;
  l.tlw = lane_width::kX4;
  l.rlw = lane_width::kX8;
  return l;
}

struct Vector {
  std::string_view name;
  Bytes bytes; // non-CRC layout
  ControlBlock expected;
};

std::vector<Vector> hand_vectors() {
  return {
      {"Null", kNullBytes, NullBlock{}},
      {"No_Operation", kNobBytes, NoOperation{}},
      {"Retry_Idle", kRetryIdleBytes, RetryIdle{}},
      {"Retry_Req", kRetryReqBytes,
       RetryReq{.rcv_ptr = 0x1234, .num_phy_reinit = 0x56, .num_retry = 0x78}},
      {"Retry_Ack", kRetryAckBytes,
       RetryAck{.num_retry = 0x0E, .num_free_buf = 0xABCD, .rd_ptr = 0x0102, .wr_ptr = 0xFEDC}},
      {"Crd_Ack", kCrdAckBytes, expected_crd_ack()},
      {"Param_Exchg", kParamBytes, expected_param()},
      {"Lane_Manage", kLaneBytes, expected_lane()},
      {"Block_Mode_Chg", kBmcBytes, BlockModeChg{.type = BlockModeChgType::Ack}},
      {"Init", kInitBytes, expected_init()},
  };
}

ControlBlock random_block(Lcg& g, std::size_t kind) {
  switch (kind) {
  case 0:
    return NullBlock{};
  case 1:
    return NoOperation{};
  case 2:
    return RetryIdle{};
  case 3:
    return RetryReq{.rcv_ptr = g.u16(), .num_phy_reinit = g.byte(), .num_retry = g.byte()};
  case 4:
    return RetryAck{
        .num_retry = g.byte(), .num_free_buf = g.u16(), .rd_ptr = g.u16(), .wr_ptr = g.u16()};
  case 5: {
    CrdAck c{.sd = g.bit(), .t = g.bit(), .ack_num = g.u16()};
    for (auto& b : c.crd_num) {
      b = g.byte();
    }
    return c;
  }
  case 6: {
    ParamExchg p{};
    p.flits = static_cast<std::uint8_t>(1 + g.below(32));
    for (std::size_t i = 0; i < p.flits; ++i) {
      (void)p.set_word(i, g.next());
    }
    return p;
  }
  case 7: {
    constexpr std::array<std::uint8_t, 4> widths{lane_width::kX1, lane_width::kX2, lane_width::kX4,
                                                 lane_width::kX8};
    return LaneManage{.req_id = static_cast<std::uint8_t>(g.below(16)),
                      .power_down = g.bit(),
                      .change_rlw = g.bit(),
                      .change_tlw = g.bit(),
                      .rsp_id = static_cast<std::uint8_t>(g.below(16)),
                      .rx_lane_up = g.bit(),
                      .rsp_rlw = g.bit(),
                      .rsp_tlw = g.bit(),
                      .tlw = widths[g.below(4)],
                      .rlw = widths[g.below(4)]};
  }
  case 8:
    return BlockModeChg{.type = g.bit() ? BlockModeChgType::Ack : BlockModeChgType::Req};
  default: {
    InitBlock b{};
    b.clength = static_cast<std::uint8_t>(4 + g.below(28));
    b.feature_id = g.u16();
    b.rxbuf_vl_share = g.bit();
    b.data_ack_grain_size = g.byte();
    b.ctrl_ack_grain_size = g.byte();
    b.flow_ctrl_size = g.byte();
    b.vl_enable = g.u16();
    b.retry_buf_depth = g.u16();
    for (auto& x : b.ctrl_credit_grain_size) {
      x = g.byte();
    }
    for (auto& x : b.data_credit_grain_size) {
      x = g.byte();
    }
    b.packet_min_interval = g.byte();
    return b;
  }
  }
}

std::vector<std::string_view> field_names(const ControlBlock& cb) {
  std::vector<std::string_view> names;
  std::visit(
      [&](const auto& h) {
        using T = std::decay_t<decltype(h)>;
        Codec<T>::visit(h, [&](const FieldDesc& d, const FieldValue&) { names.push_back(d.name); });
      },
      cb);
  return names;
}

} // namespace

// ---- known answers ----------------------------------------------------------------------------

TEST_CASE("DLLCB check values from the digest: Null and Retry_Idle trailers",
          "[dl][dllcb][spec:§4.3.3.2][spec:§4.7.2]") {
  // CRC30 mode, recommended reading A3: CRC over bytes 0-15 then the 2 trailer info bits.
  const Bytes null30{0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
                     0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x3D, 0x3B, 0x4D, 0xD6};
  const Bytes idle30{0x02, 0x00, 0x10, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
                     0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x1C, 0x65, 0x32, 0xAF};
  // CRC62 mode: CRC30 and CRC32 over bytes 0-11 then the 2 info bits.
  const Bytes null62{0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
                     0x00, 0x00, 0x0C, 0xAB, 0x8D, 0xE8, 0x5C, 0x0F, 0x32, 0x11};
  // Non-CRC mode: END = 0 in byte 19, no CRC.
  const Bytes null_nc = kNullBytes;

  // The test's own reference CRC reproduces the digest values.
  CHECK(sealed(kNullBytes, BlockMode::Crc30) == null30);
  CHECK(sealed(kRetryIdleBytes, BlockMode::Crc30) == idle30);
  CHECK(sealed(kNullBytes, BlockMode::Crc62) == null62);

  struct Row {
    const Bytes* wire;
    BlockMode mode;
    ControlBlock block;
  };
  const std::array<Row, 4> rows{{{&null30, BlockMode::Crc30, NullBlock{}},
                                 {&idle30, BlockMode::Crc30, RetryIdle{}},
                                 {&null62, BlockMode::Crc62, NullBlock{}},
                                 {&null_nc, BlockMode::NonCrc, NullBlock{}}}};
  for (const auto& r : rows) {
    INFO(to_string(r.mode) << " " << control_block_name(r.block));
    bool canonical = false;
    auto d = decode_control_block(*r.wire, r.mode, &canonical);
    REQUIRE(d);
    CHECK(*d == r.block);
    CHECK(canonical);
    Bytes out;
    auto n = encode(r.block, r.mode, out);
    REQUIRE(n);
    CHECK(*n == 20);
    CHECK(out == *r.wire);
  }

  // The other A3 reading (whole bytes only, trailer 25 9A 76 1F) must be refused.
  Bytes alt = null30;
  alt[16] = 0x25;
  alt[17] = 0x9A;
  alt[18] = 0x76;
  alt[19] = 0x1F;
  auto bad = decode_control_block(alt, BlockMode::Crc30);
  REQUIRE_FALSE(bad);
  CHECK(bad.error().code == Errc::CrcMismatch);
  // A CRC30-mode block is not a valid CRC62-mode block.
  auto cross = decode_control_block(null30, BlockMode::Crc62);
  REQUIRE_FALSE(cross);
  CHECK(cross.error().code == Errc::CrcMismatch);
  CHECK(cross.error().offset == 12);
}

TEST_CASE("DLLCB hand-built vectors decode and encode bit-exactly in all three modes",
          "[dl][dllcb][spec:§4.3.3.1][spec:§4.3.3.4.2][spec:§4.3.3.4.3][spec:§4.3.3.5]"
          "[spec:§4.3.3.6][spec:§4.3.3.7][spec:§4.3.3.8][spec:§4.3.3.9]") {
  for (const auto& v : hand_vectors()) {
    for (const BlockMode m : kModes) {
      INFO(v.name << " in " << to_string(m));
      const Bytes wire = sealed(v.bytes, m);
      bool canonical = false;
      auto d = decode_control_block(wire, m, &canonical);
      REQUIRE(d);
      CHECK(*d == v.expected);
      CHECK(control_block_name(*d) == v.name);
      CHECK(canonical);
      Bytes out;
      auto n = encode(v.expected, m, out);
      REQUIRE(n);
      CHECK(*n == wire.size());
      CHECK(out == wire);
      CHECK(control_block_flits(v.expected) * 20 == wire.size());
    }
  }
}

TEST_CASE("DLLCB known answers: decoded fields by name", "[dl][dllcb][spec:§4.3.3.5]") {
  auto rq = decode_control_block(kRetryReqBytes, BlockMode::NonCrc);
  REQUIRE(rq);
  const auto& req = std::get<RetryReq>(*rq);
  CHECK(req.rcv_ptr == 0x1234);
  CHECK(req.num_phy_reinit == 0x56);
  CHECK(req.num_retry == 0x78);

  auto ra = decode_control_block(kRetryAckBytes, BlockMode::NonCrc);
  REQUIRE(ra);
  const auto& ack = std::get<RetryAck>(*ra);
  CHECK(ack.num_retry == 0x0E);
  CHECK(ack.num_free_buf == 0xABCD);
  CHECK(ack.rd_ptr == 0x0102);
  CHECK(ack.wr_ptr == 0xFEDC);

  auto ca = decode_control_block(kCrdAckBytes, BlockMode::NonCrc);
  REQUIRE(ca);
  const auto& crd = std::get<CrdAck>(*ca);
  CHECK(crd.sd);
  CHECK(crd.t);
  CHECK(crd.ack_num == 0x0203);
  CHECK(crd.crd_num_of(15) == 63);
  CHECK(crd.crd_num_of(1) == 2);
  CHECK(crd.crd_num_of(0) == 1);
  for (unsigned vl = 2; vl < 15; ++vl) {
    CHECK(crd.crd_num_of(vl) == 0);
  }

  auto pe = decode_control_block(kParamBytes, BlockMode::NonCrc);
  REQUIRE(pe);
  const auto& par = std::get<ParamExchg>(*pe);
  CHECK(par.flits == 2);
  CHECK(par.word(0) == 0xDEADBEEFU);
  CHECK(par.word(1) == 0x01234567U);

  auto lm = decode_control_block(kLaneBytes, BlockMode::NonCrc);
  REQUIRE(lm);
  const auto& lane = std::get<LaneManage>(*lm);
  CHECK(lane.req_id == 0x5);
  CHECK(lane.rsp_id == 0xA);
  CHECK_FALSE(lane.power_down);
  CHECK(lane.change_rlw);
  CHECK_FALSE(lane.change_tlw);
  CHECK(lane.rx_lane_up);
  CHECK_FALSE(lane.rsp_rlw);
  CHECK(lane.rsp_tlw);
  CHECK(lane.tlw == lane_width::kX4);
  CHECK(lane.rlw == lane_width::kX8);

  auto in = decode_control_block(kInitBytes, BlockMode::NonCrc);
  REQUIRE(in);
  const auto& init = std::get<InitBlock>(*in);
  CHECK(init.clength == 4);
  CHECK(init.feature_id == 0xA1B2);
  CHECK(init.rxbuf_vl_share);
  CHECK(init.data_ack_grain_size == 0x80);
  CHECK(init.ctrl_ack_grain_size == 0x40);
  CHECK(init.flow_ctrl_size == 0x20);
  CHECK(init.vl_enable == 0x00FF);
  CHECK(init.retry_buf_depth == 0x1234);
  CHECK(init.packet_min_interval == 7);
  for (unsigned vl = 0; vl < 16; ++vl) {
    INFO("VL" << vl);
    CHECK(init.ctrl_credit_grain(vl) == 0x10 + vl);
    CHECK(init.data_credit_grain(vl) == 0x20 + vl);
  }
  CHECK(init.ctrl_credit_grain_size[0] == 0x1F);  // byte 0 = VL15
  CHECK(init.data_credit_grain_size[15] == 0x20); // byte 15 = VL0

  // Block_Mode_Chg REQ is TYPE 0.
  Bytes req_bytes = kBmcBytes;
  req_bytes[3] = 0x00;
  auto bm = decode_control_block(req_bytes, BlockMode::NonCrc);
  REQUIRE(bm);
  CHECK(std::get<BlockModeChg>(*bm).type == BlockModeChgType::Req);
}

TEST_CASE("Init with spare flits and Param_Exchg of 32 flits", "[dl][dllcb][spec:§4.3.3.9]") {
  // CLENGTH 31: byte 0 = 4*31+2 = 0x7E, 32 flits; flits 4..30 are reserved spares.
  Bytes init(32 * 20, 0);
  std::copy(kInitBytes.begin(), kInitBytes.begin() + 80, init.begin());
  init[0] = 0x7E;
  InitBlock e = expected_init();
  e.clength = 31;
  for (const BlockMode m : kModes) {
    const Bytes wire = sealed(init, m);
    bool canonical = false;
    auto d = decode_control_block(wire, m, &canonical);
    REQUIRE(d);
    CHECK(std::get<InitBlock>(*d) == e);
    CHECK(canonical);
    Bytes out;
    REQUIRE(encode(e, m, out));
    CHECK(out == wire);
  }
  // Param_Exchg, CLENGTH 31 (byte 0 = 0x7E): word i = 0x01010101 * i in bytes 8-11 of flit i.
  Bytes pe(32 * 20, 0);
  pe[0] = 0x7E;
  pe[2] = 0x30;
  ParamExchg p{};
  p.flits = 32;
  for (std::size_t i = 0; i < 32; ++i) {
    for (std::size_t k = 0; k < 4; ++k) {
      pe[20 * i + 8 + k] = static_cast<Byte>(i);
    }
    REQUIRE(p.set_word(i, static_cast<std::uint32_t>(0x01010101U * i)));
  }
  for (const BlockMode m : kModes) {
    const Bytes wire = sealed(pe, m);
    auto d = decode_control_block(wire, m);
    REQUIRE(d);
    CHECK(std::get<ParamExchg>(*d) == p);
    Bytes out;
    REQUIRE(encode(p, m, out));
    CHECK(out == wire);
  }
}

// ---- round trips ------------------------------------------------------------------------------

TEST_CASE("DLLCB round trips over seeded random field values", "[dl][dllcb][roundtrip]") {
  Lcg g{0x5EED'0001ULL};
  for (int iter = 0; iter < 300; ++iter) {
    for (std::size_t kind = 0; kind < std::variant_size_v<ControlBlock>; ++kind) {
      const ControlBlock cb = random_block(g, kind);
      REQUIRE(cb.index() == kind);
      for (const BlockMode m : kModes) {
        INFO(control_block_name(cb) << " in " << to_string(m) << " iter " << iter);
        Bytes out;
        auto n = encode(cb, m, out);
        REQUIRE(n);
        const std::size_t flits = control_block_flits(cb);
        REQUIRE(*n == 20 * flits);
        // LCH (Table 4-6): byte 0 = 4*CLENGTH+2, byte 1 = 0.
        CHECK(out[0] == 4 * (flits - 1) + 2);
        CHECK(out[1] == 0);
        // The trailer matches the independent reference CRC (re-sealing changes nothing).
        CHECK(sealed(out, m) == out);
        if (m == BlockMode::NonCrc) {
          CHECK(out.back() == 0);
        }
        bool canonical = false;
        auto d = decode_control_block(out, m, &canonical);
        REQUIRE(d);
        CHECK(*d == cb);
        CHECK(canonical);
      }
    }
  }
}

TEST_CASE("DLLCB decode of random block bodies: never more than defined, re-encodes stably",
          "[dl][dllcb][roundtrip]") {
  // Random bytes behind a valid LCH, sealed with the right CRC. Whatever decodes must re-encode
  // to a block that decodes to the same value, and `canonical` must say exactly whether the
  // re-encoding reproduced the input.
  Lcg g{0xB10C'CAFEULL};
  const auto types = hand_vectors();
  for (int iter = 0; iter < 200; ++iter) {
    for (const auto& v : types) {
      for (const BlockMode m : kModes) {
        INFO(v.name << " in " << to_string(m) << " iter " << iter);
        Bytes blk(v.bytes.size());
        for (auto& b : blk) {
          // Mostly zero bytes, so that some blocks come out canonical.
          b = g.below(4) == 0 ? g.byte() : Byte{0};
        }
        blk[0] = v.bytes[0];
        blk[1] = 0;
        blk[2] = v.bytes[2];
        seal(blk, m);
        bool canonical = true;
        auto d = decode_control_block(blk, m, &canonical);
        if (!d) {
          CHECK(d.error().code == Errc::ReservedValue);
          CHECK_FALSE(canonical);
          continue;
        }
        Bytes out;
        REQUIRE(encode(*d, m, out));
        CHECK(canonical == (out == blk));
        auto again = decode_control_block(out, m);
        REQUIRE(again);
        CHECK(*again == *d);
      }
    }
  }
}

TEST_CASE("DLLCB decode of arbitrary bytes never reads past the input", "[dl][dllcb]") {
  // Exact-size vectors, so that a sanitizer build sees any over-read.
  Lcg g{42};
  for (int iter = 0; iter < 3000; ++iter) {
    Bytes in(g.below(700));
    for (auto& b : in) {
      b = g.byte();
    }
    if (in.size() >= 3 && g.bit()) {
      in[0] = static_cast<Byte>((in[0] & 0x7CU) | 0x02U);
      in[1] = 0;
    }
    const BlockMode m = kModes[g.below(3)];
    auto d = decode_control_block(in, m);
    if (d) {
      CHECK(control_block_flits(*d) * 20 == in.size());
    } else {
      CHECK_FALSE(d.error().header.empty());
      CHECK_FALSE(d.error().clause.empty());
    }
  }
}

// ---- decoder errors ---------------------------------------------------------------------------

TEST_CASE("DLLCB decode: Truncated and TrailingBytes", "[dl][dllcb][spec:§4.3.3.1]") {
  for (std::size_t n = 0; n < 4; ++n) {
    const Bytes in(kNullBytes.begin(), kNullBytes.begin() + static_cast<std::ptrdiff_t>(n));
    auto d = decode_control_block(in, BlockMode::NonCrc);
    REQUIRE_FALSE(d);
    CHECK(d.error().code == Errc::Truncated);
    CHECK(d.error().field == "LCH");
    CHECK(d.error().offset == n);
    CHECK(d.error().header == (n >= 3 ? "Null" : "DLLCB"));
  }
  struct Row {
    Bytes bytes;
    std::size_t size;
    Errc code;
    std::string_view header;
    std::size_t offset;
  };
  const std::array<Row, 6> rows{{
      {kNullBytes, 19, Errc::Truncated, "Null", 19},
      {kNullBytes, 21, Errc::TrailingBytes, "Null", 20},
      {kCrdAckBytes, 20, Errc::Truncated, "Crd_Ack", 20},
      {kCrdAckBytes, 60, Errc::TrailingBytes, "Crd_Ack", 40},
      {kInitBytes, 99, Errc::Truncated, "Init", 99},
      {kParamBytes, 39, Errc::Truncated, "Param_Exchg", 39},
  }};
  for (const auto& r : rows) {
    INFO(r.header << " with " << r.size << " bytes");
    for (const BlockMode m : kModes) {
      Bytes in = sealed(r.bytes, m);
      in.resize(r.size, 0);
      auto d = decode_control_block(in, m);
      REQUIRE_FALSE(d);
      CHECK(d.error().code == r.code);
      CHECK(d.error().header == r.header);
      CHECK(d.error().field == "CLENGTH");
      CHECK(d.error().offset == r.offset);
      CHECK_FALSE(d.error().clause.empty());
    }
  }
}

TEST_CASE("DLLCB decode: LCH fixed bits and CFG", "[dl][dllcb][spec:§4.3.3.1]") {
  struct Row {
    std::size_t byte;
    Byte value;
  };
  // Byte 0: bit 7 set; bits 1:0 = 00, 01, 11. Byte 1: fixed bits 7:4 not 0000; CFG 6 / CFG 1.
  const std::array<Row, 7> rows{
      {{0, 0x82}, {0, 0x00}, {0, 0x01}, {0, 0x03}, {1, 0x10}, {1, 0x06}, {1, 0x01}}};
  for (const auto& r : rows) {
    for (const BlockMode m : kModes) {
      Bytes in = kRetryAckBytes;
      in[r.byte] = r.value;
      seal(in, m);
      auto d = decode_control_block(in, m);
      INFO("byte " << r.byte << " = " << int{r.value});
      REQUIRE_FALSE(d);
      CHECK(d.error().code == Errc::ReservedValue);
      CHECK(d.error().field == "LCH");
      CHECK(d.error().offset == r.byte);
      CHECK(d.error().header == "Retry_Ack");
      CHECK(d.error().clause == "§4.3.3.1");
      CHECK(d.error().value == r.value);
    }
  }
  // An LPH (CFG 6, bit 25 clear) is not an LCH.
  Bytes lph(20, 0);
  lph[0] = 0x95;
  lph[1] = 0x46;
  lph[2] = 0x84;
  lph[3] = 0x69;
  auto d = decode_control_block(lph, BlockMode::NonCrc);
  REQUIRE_FALSE(d);
  CHECK(d.error().code == Errc::ReservedValue);
  CHECK(d.error().field == "LCH");
  CHECK(d.error().header == "DLLCB");
}

TEST_CASE("DLLCB decode: every CTRL/SUB_CTRL byte", "[dl][dllcb][spec:§4.3.3.1]") {
  // One zero-filled, correctly sealed 1-flit block per LCH byte 2 value. Table 4-7 defines ten
  // values; of those, Crd_Ack and Init cannot be 1 flit, and an all-zero Lane_Manage has a
  // reserved TLW. Everything else is an unknown type.
  for (unsigned v = 0; v < 256; ++v) {
    Bytes in = kNullBytes;
    in[2] = static_cast<Byte>(v);
    seal(in, BlockMode::Crc30);
    auto d = decode_control_block(in, BlockMode::Crc30);
    INFO("byte 2 = " << v);
    switch (v) {
    case 0x00:
    case 0x01:
    case 0x10:
    case 0x11:
    case 0x12:
    case 0x30:
    case 0x50:
      CHECK(d);
      break;
    case 0x24:
    case 0xC8:
      REQUIRE_FALSE(d);
      CHECK(d.error().code == Errc::LengthMismatch);
      break;
    case 0x41:
      REQUIRE_FALSE(d);
      CHECK(d.error().code == Errc::ReservedValue);
      CHECK(d.error().field == "TLW");
      break;
    default:
      REQUIRE_FALSE(d);
      CHECK(d.error().code == Errc::ReservedValue);
      CHECK(d.error().field == "CTRL");
      CHECK(d.error().header == "DLLCB");
      CHECK(d.error().offset == 2);
      CHECK(d.error().value == v);
      break;
    }
  }
}

TEST_CASE("DLLCB decode: CLENGTH the type does not allow", "[dl][dllcb][spec:§4.3.3.1]") {
  struct Row {
    Bytes bytes;
    Byte byte0;
    std::string_view header;
    unsigned clength;
  };
  const std::array<Row, 7> rows{{
      {kNullBytes, 0x06, "Null", 1},
      {kRetryAckBytes, 0x7E, "Retry_Ack", 31},
      {kLaneBytes, 0x0A, "Lane_Manage", 2},
      {kCrdAckBytes, 0x02, "Crd_Ack", 0},
      {kCrdAckBytes, 0x0A, "Crd_Ack", 2},
      {kInitBytes, 0x0E, "Init", 3},
      {kInitBytes, 0x02, "Init", 0},
  }};
  for (const auto& r : rows) {
    INFO(r.header << " CLENGTH " << r.clength);
    Bytes in = r.bytes;
    in[0] = r.byte0;
    // The length check comes before the size check: any input size gives LengthMismatch.
    for (const std::size_t size : {in.size(), std::size_t{20} * (r.clength + 1)}) {
      in.resize(size, 0);
      auto d = decode_control_block(in, BlockMode::NonCrc);
      REQUIRE_FALSE(d);
      CHECK(d.error().code == Errc::LengthMismatch);
      CHECK(d.error().field == "CLENGTH");
      CHECK(d.error().header == r.header);
      CHECK(d.error().offset == 0);
      CHECK(d.error().value == r.clength);
    }
  }
}

TEST_CASE("DLLCB decode: any single-bit error is caught by the BCRC",
          "[dl][dllcb][spec:§4.7.2][spec:§4.3.2.2.4]") {
  for (const BlockMode m : {BlockMode::Crc30, BlockMode::Crc62}) {
    for (const Bytes* body : {&kCrdAckBytes, &kLaneBytes, &kInitBytes}) {
      const Bytes good = sealed(*body, m);
      const std::size_t at = trailer_at(good.size(), m);
      REQUIRE(decode_control_block(good, m));
      for (std::size_t i = 3; i < good.size(); ++i) {
        for (unsigned bit = 0; bit < 8; ++bit) {
          Bytes bad = good;
          bad[i] = static_cast<Byte>(bad[i] ^ (1U << bit));
          auto d = decode_control_block(bad, m);
          INFO(to_string(m) << " byte " << i << " bit " << bit);
          REQUIRE_FALSE(d);
          CHECK(d.error().code == Errc::CrcMismatch);
          CHECK(d.error().offset == at);
          CHECK(d.error().field == "BCRC");
          CHECK(d.error().header == control_block_name(decode_control_block(good, m).value()));
        }
      }
    }
  }
  // ERROR_FLAG is covered by the CRC: setting it without resealing is a mismatch.
  Bytes flagged = sealed(kNullBytes, BlockMode::Crc30);
  flagged[16] = static_cast<Byte>(flagged[16] | 0x40U);
  auto d = decode_control_block(flagged, BlockMode::Crc30);
  REQUIRE_FALSE(d);
  CHECK(d.error().code == Errc::CrcMismatch);
  // In CRC62 mode a bad CRC32 alone is enough.
  Bytes c32 = sealed(kNullBytes, BlockMode::Crc62);
  c32[19] = static_cast<Byte>(c32[19] ^ 0x01U);
  auto e = decode_control_block(c32, BlockMode::Crc62);
  REQUIRE_FALSE(e);
  CHECK(e.error().code == Errc::CrcMismatch);
  CHECK(e.error().offset == 12);
  // Non-CRC mode has no BCRC: a flipped reserved bit decodes, as non-canonical.
  Bytes nc = kNullBytes;
  nc[17] = 0x20;
  bool canonical = true;
  CHECK(decode_control_block(nc, BlockMode::NonCrc, &canonical));
  CHECK_FALSE(canonical);
}

TEST_CASE("DLLCB decode: reserved TYPE, TLW and RLW values",
          "[dl][dllcb][spec:§4.3.3.7][spec:§4.3.3.8]") {
  for (const BlockMode m : kModes) {
    for (unsigned t = 2; t < 16; ++t) {
      Bytes in = kBmcBytes;
      in[3] = static_cast<Byte>(t);
      seal(in, m);
      bool canonical = true;
      auto d = decode_control_block(in, m, &canonical);
      REQUIRE_FALSE(d);
      CHECK(d.error().code == Errc::ReservedValue);
      CHECK(d.error().field == "TYPE");
      CHECK(d.error().offset == 3);
      CHECK(d.error().header == "Block_Mode_Chg");
      CHECK(d.error().clause == "§4.3.3.8");
      CHECK(d.error().value == t);
      CHECK_FALSE(canonical);
    }
    for (const Byte w : std::array<Byte, 6>{0x00, 0x03, 0x05, 0x10, 0x20, 0x3F}) {
      for (const std::size_t byte : {std::size_t{6}, std::size_t{7}}) {
        Bytes in = kLaneBytes;
        in[byte] = w;
        seal(in, m);
        auto d = decode_control_block(in, m);
        INFO("byte " << byte << " = " << int{w});
        REQUIRE_FALSE(d);
        CHECK(d.error().code == Errc::ReservedValue);
        CHECK(d.error().field == (byte == 6 ? "TLW" : "RLW"));
        CHECK(d.error().offset == byte);
        CHECK(d.error().header == "Lane_Manage");
        CHECK(d.error().clause == "§4.3.3.7");
      }
    }
    // All four defined widths are accepted in both fields.
    for (const Byte w : {lane_width::kX1, lane_width::kX2, lane_width::kX4, lane_width::kX8}) {
      Bytes in = kLaneBytes;
      in[6] = w;
      in[7] = w;
      seal(in, m);
      auto d = decode_control_block(in, m);
      REQUIRE(d);
      CHECK(std::get<LaneManage>(*d).tlw == w);
      CHECK(std::get<LaneManage>(*d).rlw == w);
    }
  }
}

TEST_CASE("DLLCB decode: canonical flag reports reserved bits and ERROR_FLAG",
          "[dl][dllcb][spec:§4.3.2.2.4][spec:§4.3.3.1]") {
  struct Row {
    const Bytes* bytes;
    std::size_t byte; // block byte
    Byte bits;        // ORed in
  };
  // Every row sets only reserved bits, so the block still decodes to the hand-built value.
  const auto rows = std::to_array<Row>({
      {&kNullBytes, 3, 0x01},     {&kNullBytes, 4, 0x80},      {&kNullBytes, 11, 0x10},
      {&kNobBytes, 11, 0x01},     {&kRetryIdleBytes, 3, 0xFF}, {&kRetryReqBytes, 4, 0x01},
      {&kRetryReqBytes, 3, 0x40}, {&kRetryAckBytes, 4, 0x80},  {&kRetryAckBytes, 3, 0x02},
      {&kCrdAckBytes, 3, 0x02},   {&kCrdAckBytes, 3, 0x40},    {&kCrdAckBytes, 18, 0x01},
      {&kCrdAckBytes, 19, 0x80},  {&kCrdAckBytes, 20, 0x01},   {&kCrdAckBytes, 31, 0x08},
      {&kParamBytes, 3, 0x01},    {&kParamBytes, 4, 0x01},     {&kParamBytes, 12, 0x80},
      {&kParamBytes, 19, 0x01},   {&kParamBytes, 27, 0x01},    {&kLaneBytes, 3, 0x01},
      {&kLaneBytes, 4, 0x08},     {&kLaneBytes, 5, 0x08},      {&kLaneBytes, 6, 0x40},
      {&kLaneBytes, 7, 0x80},     {&kLaneBytes, 8, 0x01},      {&kLaneBytes, 11, 0x80},
      {&kBmcBytes, 3, 0x10},      {&kBmcBytes, 3, 0x80},       {&kBmcBytes, 4, 0x01},
      {&kInitBytes, 3, 0x01},     {&kInitBytes, 4, 0x01},      {&kInitBytes, 6, 0x80},
      {&kInitBytes, 9, 0x02},     {&kInitBytes, 9, 0x80},      {&kInitBytes, 15, 0x01},
      {&kInitBytes, 18, 0x01},    {&kInitBytes, 20, 0x01},     {&kInitBytes, 38, 0x01},
      {&kInitBytes, 43, 0x01},    {&kInitBytes, 58, 0x01},     {&kInitBytes, 72, 0x01},
      {&kInitBytes, 78, 0x01},    {&kInitBytes, 80, 0x01},     {&kInitBytes, 91, 0x01},
  });
  for (const auto& r : rows) {
    for (const BlockMode m : kModes) {
      const Bytes clean = sealed(*r.bytes, m);
      auto expected = decode_control_block(clean, m);
      REQUIRE(expected);
      Bytes in = *r.bytes;
      in[r.byte] = static_cast<Byte>(in[r.byte] | r.bits);
      seal(in, m);
      INFO(control_block_name(*expected)
           << " byte " << r.byte << " |= " << int{r.bits} << " " << to_string(m));
      bool canonical = true;
      auto d = decode_control_block(in, m, &canonical);
      REQUIRE(d);
      CHECK(*d == *expected);
      CHECK_FALSE(canonical);
    }
  }
  // Trailer: the Reserved bit and ERROR_FLAG of a BCRC (ignored in a DLLCB, A15), and in non-CRC
  // mode any bit of END or of last-flit bytes 16-18.
  struct TrailerRow {
    BlockMode mode;
    std::size_t byte; // within the last flit
    Byte bits;
  };
  const auto trows = std::to_array<TrailerRow>({
      {BlockMode::Crc30, 16, 0x40},
      {BlockMode::Crc30, 16, 0x80},
      {BlockMode::Crc62, 12, 0x40},
      {BlockMode::Crc62, 12, 0x80},
      {BlockMode::NonCrc, 19, 0x40},
      {BlockMode::NonCrc, 19, 0x80},
      {BlockMode::NonCrc, 19, 0x01},
      {BlockMode::NonCrc, 16, 0x01},
      {BlockMode::NonCrc, 18, 0x80},
      {BlockMode::NonCrc, 12, 0x01},
  });
  for (const Bytes* body : {&kNullBytes, &kCrdAckBytes, &kInitBytes}) {
    for (const auto& t : trows) {
      Bytes in = *body;
      in[in.size() - 20 + t.byte] = t.bits;
      seal(in, t.mode);
      INFO(to_string(t.mode) << " last-flit byte " << t.byte << " = " << int{t.bits});
      bool canonical = true;
      auto d = decode_control_block(in, t.mode, &canonical);
      REQUIRE(d);
      CHECK_FALSE(canonical);
    }
  }
  // On error the flag is false.
  bool canonical = true;
  Bytes bad = kNullBytes;
  bad[0] = 0x82;
  REQUIRE_FALSE(decode_control_block(bad, BlockMode::NonCrc, &canonical));
  CHECK_FALSE(canonical);
}

// ---- encoder errors ---------------------------------------------------------------------------

TEST_CASE("DLLCB encode: BufferTooSmall writes nothing", "[dl][dllcb]") {
  struct Row {
    ControlBlock block;
    std::size_t need;
  };
  const std::array<Row, 4> rows{{{NullBlock{}, 20},
                                 {expected_crd_ack(), 40},
                                 {expected_param(), 40},
                                 {expected_init(), 100}}};
  for (const auto& r : rows) {
    for (const BlockMode m : kModes) {
      Bytes out(r.need - 1, 0xEE);
      auto n = encode_control_block(r.block, m, out);
      REQUIRE_FALSE(n);
      CHECK(n.error().code == Errc::BufferTooSmall);
      CHECK(n.error().value == r.need);
      CHECK(n.error().header == control_block_name(r.block));
      CHECK(std::all_of(out.begin(), out.end(), [](Byte b) { return b == 0xEE; }));
      // A larger buffer: exactly `need` bytes are written.
      Bytes big(r.need + 7, 0xEE);
      auto ok = encode_control_block(r.block, m, big);
      REQUIRE(ok);
      CHECK(*ok == r.need);
      CHECK(std::all_of(big.begin() + static_cast<std::ptrdiff_t>(r.need), big.end(),
                        [](Byte b) { return b == 0xEE; }));
    }
  }
}

TEST_CASE("DLLCB encode: OutOfRange and ReservedValue", "[dl][dllcb]") {
  struct Row {
    ControlBlock block;
    Errc code;
    std::string_view field;
    std::size_t offset;
  };
  ParamExchg p0{};
  p0.flits = 0;
  ParamExchg p33{};
  p33.flits = 33;
  InitBlock i3 = expected_init();
  i3.clength = 3;
  InitBlock i32 = expected_init();
  i32.clength = 32;
  LaneManage req16{};
  req16.req_id = 16;
  LaneManage rsp16{};
  rsp16.rsp_id = 0x10;
  LaneManage tlw64{};
  tlw64.tlw = 64;
  LaneManage tlw3{};
  tlw3.tlw = 3;
  LaneManage rlw0{};
  rlw0.rlw = 0;
  LaneManage rlw16{};
  rlw16.rlw = 0x10;
  const auto rows = std::to_array<Row>({
      {p0, Errc::OutOfRange, "CLENGTH", 0},
      {p33, Errc::OutOfRange, "CLENGTH", 0},
      {i3, Errc::OutOfRange, "CLENGTH", 0},
      {i32, Errc::OutOfRange, "CLENGTH", 0},
      {req16, Errc::OutOfRange, "REQ_ID", 4},
      {rsp16, Errc::OutOfRange, "RSP_ID", 5},
      {tlw64, Errc::OutOfRange, "TLW", 6},
      {tlw3, Errc::ReservedValue, "TLW", 6},
      {rlw0, Errc::ReservedValue, "RLW", 7},
      {rlw16, Errc::ReservedValue, "RLW", 7},
      {BlockModeChg{.type = static_cast<BlockModeChgType>(2)}, Errc::ReservedValue, "TYPE", 3},
      {BlockModeChg{.type = static_cast<BlockModeChgType>(15)}, Errc::ReservedValue, "TYPE", 3},
      {BlockModeChg{.type = static_cast<BlockModeChgType>(16)}, Errc::OutOfRange, "TYPE", 3},
  });
  for (const auto& r : rows) {
    for (const BlockMode m : kModes) {
      Bytes out(640, 0xEE);
      auto n = encode_control_block(r.block, m, out);
      INFO(control_block_name(r.block) << " " << r.field);
      REQUIRE_FALSE(n);
      CHECK(n.error().code == r.code);
      CHECK(n.error().field == r.field);
      CHECK(n.error().offset == r.offset);
      CHECK(n.error().header == control_block_name(r.block));
      CHECK_FALSE(n.error().clause.empty());
      CHECK(out[0] == 0xEE);
    }
  }
}

// ---- helpers and reflection -------------------------------------------------------------------

TEST_CASE("DLLCB names, lengths and retry buffering", "[dl][dllcb][spec:§4.7.3.2.1]") {
  struct Row {
    ControlBlock block;
    std::string_view name;
    std::size_t flits;
    bool buffered;
  };
  ParamExchg p7{};
  p7.flits = 7;
  InitBlock i9{};
  i9.clength = 9;
  const auto rows = std::to_array<Row>({
      {NullBlock{}, "Null", 1, false},
      {NoOperation{}, "No_Operation", 1, true},
      {RetryIdle{}, "Retry_Idle", 1, false},
      {RetryReq{}, "Retry_Req", 1, false},
      {RetryAck{}, "Retry_Ack", 1, false},
      {CrdAck{}, "Crd_Ack", 2, true},
      {p7, "Param_Exchg", 7, true},
      {LaneManage{}, "Lane_Manage", 1, true},
      {BlockModeChg{}, "Block_Mode_Chg", 1, true},
      {i9, "Init", 10, true},
  });
  for (const auto& r : rows) {
    CHECK(control_block_name(r.block) == r.name);
    CHECK(control_block_flits(r.block) == r.flits);
    CHECK(is_retry_buffered(r.block) == r.buffered);
    // Codec<T>::kName agrees with the variant's name.
    std::visit([&](const auto& h) { CHECK(Codec<std::decay_t<decltype(h)>>::kName == r.name); },
               r.block);
  }
  CHECK(Codec<RetryAck>::kClause == "§4.3.3.4.3");
  CHECK(Codec<CrdAck>::kClause == "§4.3.3.5");
  CHECK(Codec<InitBlock>::kClause == "§4.3.3.9");
  // Defaults: REQ_ID 0x5 and RSP_ID 0xA (ambiguity A7, reading A when sending).
  CHECK(LaneManage{}.req_id == 0x5);
  CHECK(LaneManage{}.rsp_id == 0xA);
}

TEST_CASE("Crd_Ack per-VL credit accessors", "[dl][dllcb][spec:§4.3.3.5]") {
  CrdAck c{};
  REQUIRE(c.set_crd_num_of(15, 63));
  CHECK(c.crd_num[0] == 0xFC); // CRD_NUM[95:90]
  REQUIRE(c.set_crd_num_of(0, 1));
  CHECK(c.crd_num[11] == 0x01);     // CRD_NUM[5:0]
  REQUIRE(c.set_crd_num_of(1, 63)); // CRD_NUM[11:6]: byte 10 low nibble, byte 11 bits 7:6
  CHECK(c.crd_num[10] == 0x0F);
  CHECK(c.crd_num[11] == 0xC1);
  REQUIRE(c.set_crd_num_of(14, 0x2A)); // CRD_NUM[89:84]: byte 0 bits 1:0, byte 1 bits 7:4
  CHECK(c.crd_num[0] == 0xFE);
  CHECK(c.crd_num[1] == 0xA0);
  CHECK(c.crd_num_of(14) == 0x2A);
  CHECK(c.crd_num_of(15) == 63);
  CHECK(c.crd_num_of(1) == 63);
  CHECK(c.crd_num_of(0) == 1);
  CHECK_FALSE(c.set_crd_num_of(16, 1));
  CHECK_FALSE(c.set_crd_num_of(3, 64));
  CHECK(c.crd_num_of(16) == 0);
  CHECK(c.crd_num_of(3) == 0);
  // Every VL independently.
  Lcg g{7};
  std::array<std::uint8_t, 16> want{};
  for (unsigned vl = 0; vl < 16; ++vl) {
    want[vl] = static_cast<std::uint8_t>(g.below(64));
    REQUIRE(c.set_crd_num_of(vl, want[vl]));
  }
  for (unsigned vl = 0; vl < 16; ++vl) {
    CHECK(c.crd_num_of(vl) == want[vl]);
  }
}

TEST_CASE("Init per-VL grain accessors", "[dl][dllcb][spec:§4.3.3.9]") {
  InitBlock b{};
  REQUIRE(b.set_ctrl_credit_grain(15, 0x81));
  REQUIRE(b.set_data_credit_grain(0, 0x42));
  CHECK(b.ctrl_credit_grain_size[0] == 0x81);
  CHECK(b.data_credit_grain_size[15] == 0x42);
  CHECK(b.ctrl_credit_grain(15) == 0x81);
  CHECK(b.data_credit_grain(0) == 0x42);
  CHECK_FALSE(b.set_ctrl_credit_grain(16, 1));
  CHECK_FALSE(b.set_data_credit_grain(16, 1));
  CHECK(b.ctrl_credit_grain(16) == 0);
  // VL15's CTRL grain lands in flit 2 byte 16, VL0's DATA grain in flit 2 byte 15 (Table 4-9).
  Bytes out;
  REQUIRE(encode(b, BlockMode::NonCrc, out));
  CHECK(out[40 + 16] == 0x81);
  CHECK(out[40 + 15] == 0x42);
}

TEST_CASE("DLLCB field reflection: names, offsets and widths in wire order",
          "[dl][dllcb][reflection]") {
  struct Row {
    ControlBlock block;
    std::vector<std::string_view> names;
  };
  const auto rows = std::to_array<Row>({
      {NullBlock{}, {}},
      {NoOperation{}, {}},
      {RetryIdle{}, {}},
      {RetryReq{}, {"RcvPtr", "NUM_PHY_REINIT", "NUM_RETRY"}},
      {RetryAck{}, {"NUM_RETRY", "NumFreeBuf", "RdPtr", "WrPtr"}},
      {CrdAck{}, {"SD", "T", "ACK_NUM", "CRD_NUM"}},
      {ParamExchg{}, {"CLENGTH", "PARAM_EXCHG_DATA"}},
      {LaneManage{},
       {"REQ_ID", "Power_Down", "Change_RLW", "Change_TLW", "RSP_ID", "RX_Lane_Up", "RSP_RLW",
        "RSP_TLW", "TLW", "RLW"}},
      {BlockModeChg{}, {"TYPE"}},
      {InitBlock{},
       {"CLENGTH", "FEATURE_ID", "RXBUF_VL_SHARE", "DATA_ACK_GRAIN_SIZE", "CTRL_ACK_GRAIN_SIZE",
        "FLOW_CTRL_SIZE", "VL_ENABLE", "RETRY_BUF_DEPTH", "CTRL_CREDIT_GRAIN_SIZE",
        "DATA_CREDIT_GRAIN_SIZE", "PACKET_MIN_INTERVAL"}},
  });
  for (const auto& r : rows) {
    INFO(control_block_name(r.block));
    CHECK(field_names(r.block) == r.names);
  }

  // Offsets and widths (bits from the block's first bit), hand-checked against the tables.
  struct Desc {
    std::string_view name;
    unsigned offset;
    unsigned width;
  };
  const auto collect = [](const auto& h) {
    std::vector<Desc> out;
    Codec<std::decay_t<decltype(h)>>::visit(h, [&](const FieldDesc& d, const FieldValue&) {
      out.push_back({d.name, d.offset, d.width});
    });
    return out;
  };
  const auto same = [](const std::vector<Desc>& a, const std::vector<Desc>& b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](auto x, auto y) {
             return x.name == y.name && x.offset == y.offset && x.width == y.width;
           });
  };
  CHECK(same(collect(RetryAck{}),
             {{"NUM_RETRY", 40, 8}, {"NumFreeBuf", 48, 16}, {"RdPtr", 64, 16}, {"WrPtr", 80, 16}}));
  CHECK(same(collect(CrdAck{}),
             {{"SD", 24, 1}, {"T", 31, 1}, {"ACK_NUM", 32, 16}, {"CRD_NUM", 48, 96}}));
  CHECK(same(collect(LaneManage{}), {{"REQ_ID", 32, 4},
                                     {"Power_Down", 37, 1},
                                     {"Change_RLW", 38, 1},
                                     {"Change_TLW", 39, 1},
                                     {"RSP_ID", 40, 4},
                                     {"RX_Lane_Up", 45, 1},
                                     {"RSP_RLW", 46, 1},
                                     {"RSP_TLW", 47, 1},
                                     {"TLW", 50, 6},
                                     {"RLW", 58, 6}}));
  CHECK(same(collect(BlockModeChg{}), {{"TYPE", 28, 4}}));
  CHECK(same(collect(expected_param()), {{"CLENGTH", 1, 5}, {"PARAM_EXCHG_DATA", 64, 64}}));
  CHECK(same(collect(InitBlock{}), {{"CLENGTH", 1, 5},
                                    {"FEATURE_ID", 56, 16},
                                    {"RXBUF_VL_SHARE", 79, 1},
                                    {"DATA_ACK_GRAIN_SIZE", 80, 8},
                                    {"CTRL_ACK_GRAIN_SIZE", 88, 8},
                                    {"FLOW_CTRL_SIZE", 96, 8},
                                    {"VL_ENABLE", 104, 16},
                                    {"RETRY_BUF_DEPTH", 128, 16},
                                    {"CTRL_CREDIT_GRAIN_SIZE", 192, 128},
                                    {"DATA_CREDIT_GRAIN_SIZE", 352, 128},
                                    {"PACKET_MIN_INTERVAL", 584, 8}}));

  // Wide values are exposed MSB first.
  const InitBlock init = expected_init();
  Codec<InitBlock>::visit(init, [&](const FieldDesc& d, const FieldValue& v) {
    if (d.name == "DATA_CREDIT_GRAIN_SIZE") {
      REQUIRE(v.wide.size() == 16);
      CHECK(v.wide[0] == 0x2F);
      CHECK(v.wide[15] == 0x20);
    }
    if (d.name == "FEATURE_ID") {
      CHECK(v.scalar == 0xA1B2);
    }
  });
  const ParamExchg par = expected_param();
  Codec<ParamExchg>::visit(par, [&](const FieldDesc& d, const FieldValue& v) {
    if (d.name == "PARAM_EXCHG_DATA") {
      CHECK(Bytes(v.wide.begin(), v.wide.end()) ==
            Bytes{0xDE, 0xAD, 0xBE, 0xEF, 0x01, 0x23, 0x45, 0x67});
    }
    if (d.name == "CLENGTH") {
      CHECK(v.scalar == 1);
      CHECK(d.role == FieldRole::Derived);
    }
  });
}

TEST_CASE("DLLCB field reflection: set", "[dl][dllcb][reflection]") {
  RetryAck ack{};
  REQUIRE(Codec<RetryAck>::set(ack, "NumFreeBuf", FieldValue{0xFFFF, {}}));
  CHECK(ack.num_free_buf == 0xFFFF);
  auto wide = Codec<RetryAck>::set(ack, "NumFreeBuf", FieldValue{0x10000, {}});
  REQUIRE_FALSE(wide);
  CHECK(wide.error().code == Errc::OutOfRange);
  CHECK(wide.error().field == "NumFreeBuf");
  CHECK(wide.error().offset == 6);
  auto unknown = Codec<RetryAck>::set(ack, "RcvPtr", FieldValue{1, {}});
  REQUIRE_FALSE(unknown);
  CHECK(unknown.error().code == Errc::UnknownField);
  NullBlock null{};
  CHECK_FALSE(Codec<NullBlock>::set(null, "TYPE", FieldValue{}));

  CrdAck crd{};
  const std::array<Byte, 12> crd_bytes{0xFC, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x81};
  REQUIRE(Codec<CrdAck>::set(crd, "CRD_NUM", FieldValue{0, crd_bytes}));
  CHECK(crd.crd_num_of(15) == 63);
  CHECK(crd.crd_num_of(1) == 2);
  REQUIRE(Codec<CrdAck>::set(crd, "T", FieldValue{1, {}}));
  CHECK(crd.t);
  CHECK_FALSE(Codec<CrdAck>::set(crd, "SD", FieldValue{2, {}}));

  BlockModeChg bmc{};
  REQUIRE(Codec<BlockModeChg>::set(bmc, "TYPE", FieldValue{1, {}}));
  CHECK(bmc.type == BlockModeChgType::Ack);
  // A reserved value that fits is accepted by set and refused by encode.
  REQUIRE(Codec<BlockModeChg>::set(bmc, "TYPE", FieldValue{2, {}}));
  Bytes out;
  auto n = encode(bmc, BlockMode::Crc30, out);
  REQUIRE_FALSE(n);
  CHECK(n.error().code == Errc::ReservedValue);
  CHECK_FALSE(Codec<BlockModeChg>::set(bmc, "TYPE", FieldValue{16, {}}));

  LaneManage lane{};
  REQUIRE(Codec<LaneManage>::set(lane, "TLW", FieldValue{lane_width::kX8, {}}));
  CHECK(lane.tlw == lane_width::kX8);
  REQUIRE(Codec<LaneManage>::set(lane, "Power_Down", FieldValue{1, {}}));
  CHECK(lane.power_down);
  CHECK_FALSE(Codec<LaneManage>::set(lane, "RLW", FieldValue{64, {}}));

  InitBlock init{};
  std::array<Byte, 16> grains{};
  for (std::size_t i = 0; i < 16; ++i) {
    grains[i] = static_cast<Byte>(0xF0 + i);
  }
  REQUIRE(Codec<InitBlock>::set(init, "CTRL_CREDIT_GRAIN_SIZE", FieldValue{0, grains}));
  CHECK(init.ctrl_credit_grain(15) == 0xF0);
  CHECK(init.ctrl_credit_grain(0) == 0xFF);
  REQUIRE(Codec<InitBlock>::set(init, "PACKET_MIN_INTERVAL", FieldValue{9, {}}));
  CHECK(init.packet_min_interval == 9);
  REQUIRE(Codec<InitBlock>::set(init, "CLENGTH", FieldValue{31, {}}));
  CHECK(init.clength == 31);
  for (const std::uint64_t bad : {std::uint64_t{3}, std::uint64_t{32}}) {
    auto st = Codec<InitBlock>::set(init, "CLENGTH", FieldValue{bad, {}});
    REQUIRE_FALSE(st);
    CHECK(st.error().code == Errc::OutOfRange);
    CHECK(st.error().field == "CLENGTH");
    CHECK(init.clength == 31);
  }
  auto ib = Codec<InitBlock>::set(init, "VL_ENABLE", FieldValue{0x10000, {}});
  REQUIRE_FALSE(ib);
  CHECK(ib.error().offset == 13);
  CHECK(Codec<InitBlock>::set(init, "NOPE", FieldValue{}).error().code == Errc::UnknownField);

  ParamExchg p{};
  const std::array<Byte, 8> two_words{0xDE, 0xAD, 0xBE, 0xEF, 0x01, 0x23, 0x45, 0x67};
  REQUIRE(Codec<ParamExchg>::set(p, "PARAM_EXCHG_DATA", FieldValue{0, two_words}));
  CHECK(p == expected_param());
  // 5 bytes: two words, right-aligned.
  const std::array<Byte, 5> five{0x11, 0x22, 0x33, 0x44, 0x55};
  REQUIRE(Codec<ParamExchg>::set(p, "PARAM_EXCHG_DATA", FieldValue{0, five}));
  CHECK(p.flits == 2);
  CHECK(p.word(0) == 0x00000011U);
  CHECK(p.word(1) == 0x22334455U);
  // A scalar keeps the word count.
  REQUIRE(Codec<ParamExchg>::set(p, "PARAM_EXCHG_DATA", FieldValue{0x0102030405060708ULL, {}}));
  CHECK(p.flits == 2);
  CHECK(p.word(0) == 0x01020304U);
  CHECK(p.word(1) == 0x05060708U);
  REQUIRE(Codec<ParamExchg>::set(p, "CLENGTH", FieldValue{4, {}}));
  CHECK(p.flits == 5);
  REQUIRE(Codec<ParamExchg>::set(p, "CLENGTH", FieldValue{0, {}}));
  CHECK(p.flits == 1);
  CHECK(p.word(1) == 0); // shrinking clears the words past the end
  CHECK_FALSE(Codec<ParamExchg>::set(p, "PARAM_EXCHG_DATA", FieldValue{0x100000000ULL, {}}));
  const std::vector<Byte> too_long(129, 1);
  auto tl = Codec<ParamExchg>::set(p, "PARAM_EXCHG_DATA", FieldValue{0, too_long});
  REQUIRE_FALSE(tl);
  CHECK(tl.error().code == Errc::OutOfRange);
  auto cl = Codec<ParamExchg>::set(p, "CLENGTH", FieldValue{32, {}});
  REQUIRE_FALSE(cl);
  CHECK(cl.error().code == Errc::OutOfRange);
  CHECK(Codec<ParamExchg>::set(p, "RcvPtr", FieldValue{}).error().code == Errc::UnknownField);
}
