// Arbitrary bytes into the whole-unit decoder (data packet or control block).
// Input: byte 0 selects the decode options (bits 1:0 block mode, bit 2 CETPH form, bit 3
// enumeration ICRC off); the rest is the wire unit.
// Properties beyond "no crash":
//   - a decoded packet re-encodes; if the input was canonical, to exactly the input bytes;
//     otherwise to bytes that decode to the same value (headers, payload, flags);
//   - the payload view lies inside the input or the scratch buffer.

#include <cstdint>
#include <cstring>
#include <span>
#include <vector>

#include "fuzz_check.hpp"
#include "protocol/dl/control_blocks.hpp"
#include "protocol/packet/packet.hpp"

using namespace ub;

namespace {

bool same(const pkt::Packet& a, const pkt::Packet& b) {
  if (!(a.lph == b.lph) || a.lbh_count != b.lbh_count || a.error_flag != b.error_flag ||
      a.header_count != b.header_count || a.has_icrc != b.has_icrc ||
      a.payload.size() != b.payload.size()) {
    return false;
  }
  for (std::size_t i = 0; i < a.lbh_count; ++i) {
    if (!(a.lbh[i] == b.lbh[i])) {
      return false;
    }
  }
  for (std::size_t i = 0; i < a.header_count; ++i) {
    if (!(a.headers[i] == b.headers[i])) {
      return false;
    }
  }
  return a.payload.empty() ||
         std::memcmp(a.payload.data(), b.payload.data(), a.payload.size()) == 0;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) {
    return 0;
  }
  pkt::DecodeOptions opts{};
  const std::uint8_t sel = data[0];
  opts.mode = (sel & 3) == 1 ? dl::BlockMode::Crc62
                             : ((sel & 3) == 2 ? dl::BlockMode::NonCrc : dl::BlockMode::Crc30);
  opts.cetph = (sel & 4) != 0 ? ub::tp::CetphForm::Caqm : ub::tp::CetphForm::Ldcp;
  opts.enumeration_icrc = (sel & 8) == 0;
  const std::span<const std::uint8_t> wire(data + 1, size - 1);
  if (wire.size() < 2) {
    return 0;
  }

  if ((wire[1] & 0x0F) == 0) {
    bool canonical = true;
    auto cb = dl::decode_control_block(wire, opts.mode, &canonical);
    if (!cb) {
      return 0;
    }
    std::vector<std::uint8_t> out(wire.size());
    auto n = dl::encode_control_block(*cb, opts.mode, out);
    UB_FUZZ_CHECK(n.has_value());
    UB_FUZZ_CHECK(*n == wire.size());
    if (canonical) {
      UB_FUZZ_CHECK(std::memcmp(out.data(), wire.data(), wire.size()) == 0);
    } else {
      auto again = dl::decode_control_block(out, opts.mode);
      UB_FUZZ_CHECK(again.has_value());
      UB_FUZZ_CHECK(*again == *cb);
    }
    return 0;
  }

  static std::vector<std::uint8_t> scratch(pkt::kMaxNetBytes);
  static pkt::Packet p;
  if (!pkt::decode_packet(wire, opts, scratch, p)) {
    return 0;
  }
  const auto* lo = p.payload.data();
  const bool in_wire = p.payload.empty() ||
                       (lo >= wire.data() && lo + p.payload.size() <= wire.data() + wire.size());
  const bool in_scratch =
      p.payload.empty() ||
      (lo >= scratch.data() && lo + p.payload.size() <= scratch.data() + scratch.size());
  UB_FUZZ_CHECK(in_wire || in_scratch);

  static std::vector<std::uint8_t> out(pkt::kMaxWireBytes);
  static std::vector<std::uint8_t> scratch2(pkt::kMaxNetBytes);
  auto n = pkt::encode_packet(p, out, scratch2);
  UB_FUZZ_CHECK(n.has_value());
  if (p.canonical) {
    UB_FUZZ_CHECK(*n == wire.size());
    UB_FUZZ_CHECK(std::memcmp(out.data(), wire.data(), wire.size()) == 0);
  } else {
    static std::vector<std::uint8_t> scratch3(pkt::kMaxNetBytes);
    static pkt::Packet q;
    UB_FUZZ_CHECK(
        pkt::decode_packet(std::span<const std::uint8_t>(out.data(), *n), opts, scratch3, q)
            .has_value());
    UB_FUZZ_CHECK(q.canonical);
    UB_FUZZ_CHECK(same(p, q));
  }
  return 0;
}
