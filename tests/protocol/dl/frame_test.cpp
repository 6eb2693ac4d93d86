#include <vector>

#include <catch2/catch.hpp>

#include "protocol/dl/crc.hpp"
#include "protocol/dl/frame.hpp"

using namespace ub;
using namespace ub::dl;

namespace {

std::vector<Byte> pattern(std::size_t n, unsigned seed) {
  std::vector<Byte> v(n);
  std::uint32_t x = seed * 2654435761U + 1;
  for (auto& b : v) {
    x = x * 1664525U + 1013904223U;
    b = static_cast<Byte>(x >> 24);
  }
  return v;
}

Lph data_lph(std::uint8_t cfg = cfg::kCna24) {
  Lph l{};
  l.cfg = cfg;
  l.vl = 2;
  return l;
}

} // namespace

TEST_CASE("one-flit CRC30 DLLDP laid out by hand", "[dl][frame][spec:§4.3.2.2]") {
  const auto payload = pattern(10, 1);
  std::vector<Byte> out(20);
  auto n = encode_frame(data_lph(), {}, false, payload, BlockMode::Crc30, out);
  REQUIRE(n);
  REQUIRE(*n == 20);
  // LPH: VL=2 -> byte0 bit0 = VL[3] = 0, byte1 = VL[2:0]=010 in bits 7:5, CFG 7 -> 0x47;
  // byte2 = RT 00 | PLENGTH[13:8] = 0; byte3 = PLENGTH[7:0] = 0x09 (10 bytes in the last flit).
  CHECK(out[0] == 0x00);
  CHECK(out[1] == 0x47);
  CHECK(out[2] == 0x00);
  CHECK(out[3] == 0x09);
  for (std::size_t i = 0; i < 10; ++i) {
    CHECK(out[4 + i] == payload[i]);
  }
  CHECK(out[14] == 0);
  CHECK(out[15] == 0);
  const std::uint32_t c = crc30(std::span<const Byte>(out).first(16), 0, 2);
  CHECK(out[16] == ((c >> 24) & 0x3F));
  CHECK(out[17] == static_cast<Byte>(c >> 16));
  CHECK(out[18] == static_cast<Byte>(c >> 8));
  CHECK(out[19] == static_cast<Byte>(c));

  std::vector<Byte> scratch(max_payload(BlockMode::Crc30));
  auto f = decode_frame(out, BlockMode::Crc30, scratch);
  REQUIRE(f);
  CHECK(f->canonical);
  CHECK(std::vector<Byte>(f->payload.begin(), f->payload.end()) == payload);
  CHECK(f->lph.plength == 0x0009);
}

TEST_CASE("two-block CRC30 DLLDP puts the LBH and both BCRCs where §4.3.2 says",
          "[dl][frame][spec:§4.3.2.2.3]") {
  const auto payload = pattern(700, 2);
  std::vector<Byte> out(36 * 20);
  Lbh lbh{};
  lbh.crd = true;
  lbh.crd_vl = 3;
  lbh.vl = 2;
  lbh.cfg = 7;
  auto n =
      encode_frame(data_lph(), std::span<const Lbh>(&lbh, 1), true, payload, BlockMode::Crc30, out);
  REQUIRE(n);
  REQUIRE(*n == 720);
  CHECK(out[2] == 0x04); // PLENGTH 0x0469
  CHECK(out[3] == 0x69);
  // Block 0: flits 0..31; flit 0 bytes 4..19 = payload 0..15; flit 31's BCRC at 636..639.
  CHECK(out[4] == payload[0]);
  CHECK(out[19] == payload[15]);
  CHECK(out[20] == payload[16]);
  CHECK(out[635] == payload[631]); // last payload byte of block 0 (632 bytes)
  // Block 1's first flit (byte 640): LBH 0b1 0 0011 0 0 = 0x8C, 0b010 0 0111 = 0x47.
  CHECK(out[640] == 0x8C);
  CHECK(out[641] == 0x47);
  CHECK(out[642] == payload[632]);
  // ERROR_FLAG only in the last block's BCRC.
  CHECK((out[636] & 0x40) == 0);
  CHECK((out[716] & 0x40) == 0x40);

  std::vector<Byte> scratch(max_payload(BlockMode::Crc30));
  auto f = decode_frame(out, BlockMode::Crc30, scratch);
  REQUIRE(f);
  CHECK(f->error_flag);
  CHECK(f->lbh_count == 1);
  CHECK(f->lbh[0] == lbh);
  CHECK(std::vector<Byte>(f->payload.begin(), f->payload.end()) == payload);
}

TEST_CASE("non-CRC mode ends with END carrying ERROR_FLAG", "[dl][frame][spec:§4.3.2.3]") {
  const auto payload = pattern(35, 3);
  std::vector<Byte> out(40);
  auto n = encode_frame(data_lph(), {}, true, payload, BlockMode::NonCrc, out);
  REQUIRE(n);
  CHECK(*n == 40);
  CHECK(out[3] == 0x3E); // PLENGTH 0x003E: 19 bytes in the last flit
  CHECK(out[39] == 0x40);
  CHECK(out[38] == payload[34]);
  std::vector<Byte> scratch(16);
  auto f = decode_frame(out, BlockMode::NonCrc, scratch);
  REQUIRE(f);
  CHECK(f->error_flag);
}

TEST_CASE("frames round-trip for every size class and mode", "[dl][frame]") {
  std::vector<Byte> scratch(11000);
  for (BlockMode m : {BlockMode::Crc30, BlockMode::Crc62, BlockMode::NonCrc}) {
    for (std::size_t n : {std::size_t{1}, std::size_t{12}, std::size_t{13}, std::size_t{16},
                          std::size_t{17}, std::size_t{631}, std::size_t{632}, std::size_t{633},
                          std::size_t{4000}, max_payload(m)}) {
      INFO("mode " << to_string(m) << " n " << n);
      const auto payload = pattern(n, static_cast<unsigned>(n));
      auto size = framed_size(n, m);
      REQUIRE(size);
      std::vector<Byte> out(*size);
      const bool flag = n % 2 == 0;
      REQUIRE(encode_frame(data_lph(cfg::kCna16), {}, flag, payload, m, out));
      auto f = decode_frame(out, m, scratch);
      REQUIRE(f);
      CHECK(f->canonical);
      CHECK(f->error_flag == flag);
      CHECK(std::vector<Byte>(f->payload.begin(), f->payload.end()) == payload);
      std::vector<Byte> again(*size);
      REQUIRE(encode_frame(f->lph, std::span<const Lbh>(f->lbh.data(), f->lbh_count), f->error_flag,
                           f->payload, m, again));
      CHECK(again == out);
    }
  }
}

TEST_CASE("frame decoder errors", "[dl][frame]") {
  const auto payload = pattern(700, 4);
  std::vector<Byte> out(720);
  REQUIRE(encode_frame(data_lph(), {}, false, payload, BlockMode::Crc30, out));
  std::vector<Byte> scratch(1024);

  SECTION("truncated") {
    auto f = decode_frame(std::span<const Byte>(out).first(700), BlockMode::Crc30, scratch);
    REQUIRE_FALSE(f);
    CHECK(f.error().code == Errc::Truncated);
    CHECK(f.error().offset == 700);
  }
  SECTION("trailing bytes") {
    out.push_back(0);
    auto f = decode_frame(out, BlockMode::Crc30, scratch);
    REQUIRE_FALSE(f);
    CHECK(f.error().code == Errc::TrailingBytes);
    CHECK(f.error().offset == 720);
  }
  SECTION("a flipped bit in either block fails that block's CRC") {
    for (std::size_t at : {std::size_t{100}, std::size_t{700}}) {
      auto bad = out;
      bad[at] ^= 0x10;
      auto f = decode_frame(bad, BlockMode::Crc30, scratch);
      REQUIRE_FALSE(f);
      CHECK(f.error().code == Errc::CrcMismatch);
      CHECK(f.error().offset == (at < 640 ? 636U : 716U));
    }
  }
  SECTION("the ERROR_FLAG bit is covered by the CRC") {
    auto bad = out;
    bad[716] ^= 0x40;
    CHECK(decode_frame(bad, BlockMode::Crc30, scratch).error().code == Errc::CrcMismatch);
  }
  SECTION("CRC62 checks the CRC32 half too") {
    std::vector<Byte> o62(*framed_size(700, BlockMode::Crc62));
    REQUIRE(encode_frame(data_lph(), {}, false, payload, BlockMode::Crc62, o62));
    o62[o62.size() - 1] ^= 1;
    auto f = decode_frame(o62, BlockMode::Crc62, scratch);
    REQUIRE_FALSE(f);
    CHECK(f.error().code == Errc::CrcMismatch);
    CHECK(f.error().field == "CRC32");
  }
  SECTION("wrong mode: a CRC30 frame read as CRC62 fails") {
    CHECK_FALSE(decode_frame(out, BlockMode::Crc62, scratch));
  }
  SECTION("scratch too small for a multi-block payload") {
    std::vector<Byte> tiny(10);
    CHECK(decode_frame(out, BlockMode::Crc30, tiny).error().code == Errc::BufferTooSmall);
  }
  SECTION("reserved CFG in the LPH") {
    auto bad = out;
    bad[1] = static_cast<Byte>((bad[1] & 0xF0) | 0x01);
    auto f = decode_frame(bad, BlockMode::Crc30, scratch);
    REQUIRE_FALSE(f);
    CHECK(f.error().code == Errc::ReservedValue);
    CHECK(f.error().field == "CFG");
  }
}

TEST_CASE("non-zero padding decodes but is flagged non-canonical", "[dl][frame]") {
  const auto payload = pattern(10, 5);
  std::vector<Byte> out(20);
  REQUIRE(encode_frame(data_lph(), {}, false, payload, BlockMode::NonCrc, out));
  out[15] = 0xAA; // padding (payload ends at 13, END at 19)
  std::vector<Byte> scratch(16);
  auto f = decode_frame(out, BlockMode::NonCrc, scratch);
  REQUIRE(f);
  CHECK_FALSE(f->canonical);
}

TEST_CASE("encode_frame refuses bad inputs", "[dl][frame]") {
  std::vector<Byte> out(20);
  const auto payload = pattern(10, 6);
  CHECK(encode_frame(data_lph(), {}, false, {}, BlockMode::Crc30, out).error().code ==
        Errc::OutOfRange);
  Lph bad = data_lph();
  bad.cfg = 0;
  CHECK(encode_frame(bad, {}, false, payload, BlockMode::Crc30, out).error().code ==
        Errc::ReservedValue);
  std::vector<Byte> small(19);
  CHECK(encode_frame(data_lph(), {}, false, payload, BlockMode::Crc30, small).error().code ==
        Errc::BufferTooSmall);
  Lbh extra{};
  CHECK(encode_frame(data_lph(), std::span<const Lbh>(&extra, 1), false, payload, BlockMode::Crc30,
                     out)
            .error()
            .code == Errc::OutOfRange);
}
