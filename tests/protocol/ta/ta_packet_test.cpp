// One packet's TA bytes (protocol/ta/ta_packet.hpp): every opcode x wire form x flag combination
// round-trips, with the bytes checked header by header against the Table 7-2 chain written out by
// hand (ta_chain_table.hpp); presence rules refused both ways; reserved and misplaced opcodes;
// payload rules; truncation; agreement with the whole-packet codec on every packet sample.
#include <algorithm>
#include <array>
#include <cstdint>
#include <iterator>
#include <memory>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

#include <catch2/catch.hpp>

#include "protocol/nl/codec_test_support.hpp"
#include "protocol/packet/packet.hpp"
#include "protocol/packet/samples.hpp"
#include "protocol/ta/ta_chain_table.hpp"
#include "protocol/ta/ta_packet.hpp"

using namespace ub;
using namespace ub::ta;
using ub::test::Xorshift64;

// UB_CHECK_ERROR plus the header name the error reports.
#define UB_CHECK_TA_ERROR(result, errc, header_name, field_name, byte_offset)                      \
  do {                                                                                             \
    const auto& ub_t_ = (result);                                                                  \
    UB_CHECK_ERROR(ub_t_, errc, field_name, byte_offset);                                          \
    CHECK(ub_t_.error().header == std::string_view{header_name});                                  \
  } while (false)

namespace {

constexpr std::array<TaWire, 3> kForms{TaWire::Cna16, TaWire::Taid, TaWire::Compact};

// The order in which the encoder looks for extension headers (ta_chain.hpp): the order of every
// row of Table 7-2. A header no row calls for is reported where it would sit in this order.
constexpr std::array<std::string_view, 11> kOrder{
    "UDETAH",  "MTETAH",  "TAIDETAH", "OFSTETAH", "MAETAH",   "MAETAH_COMPACT",
    "IMMETAH", "NTFETAH", "TVETAH",   "BEETAH",   "MGMTETAH",
};

template <class T>
std::string describe(const Result<T>& r) {
  return r ? std::string("ok") : to_string(r.error());
}

bool needs_mt(std::uint8_t op) {
  return op == 0x00 || op == 0x01 || op == 0x04;
}

std::size_t order_index(std::string_view name) {
  const auto it = std::find(kOrder.begin(), kOrder.end(), name);
  REQUIRE(it != kOrder.end());
  return static_cast<std::size_t>(it - kOrder.begin());
}

// Calls fn with the TaPacket member of the header called `name`.
template <class P, class Fn>
void with_member(P& p, std::string_view name, Fn&& fn) {
  if (name == "UDETAH") {
    fn(p.ud);
  } else if (name == "MTETAH") {
    fn(p.mt);
  } else if (name == "TAIDETAH") {
    fn(p.taid);
  } else if (name == "OFSTETAH") {
    fn(p.ofst);
  } else if (name == "MAETAH") {
    fn(p.ma);
  } else if (name == "MAETAH_COMPACT") {
    fn(p.ma_compact);
  } else if (name == "IMMETAH") {
    fn(p.imm);
  } else if (name == "NTFETAH") {
    fn(p.ntf);
  } else if (name == "TVETAH") {
    fn(p.tv);
  } else if (name == "BEETAH") {
    fn(p.be);
  } else if (name == "MGMTETAH") {
    fn(p.mgmt);
  } else {
    FAIL("no header " << name);
  }
}

std::size_t present_count(const TaPacket& p) {
  std::size_t n = 0;
  for (const auto name : kOrder) {
    with_member(p, name, [&](const auto& slot) { n += slot ? 1U : 0U; });
  }
  return n;
}

std::size_t size_of(const TaPacket& p, std::string_view name) {
  std::size_t n = 0;
  with_member(p, name, [&](const auto& slot) {
    REQUIRE(slot);
    n = Codec<typename std::decay_t<decltype(slot)>::value_type>::size(*slot);
  });
  return n;
}

std::size_t base_size(const TaPacket& p) {
  return std::visit([](const auto& h) { return Codec<std::decay_t<decltype(h)>>::size(h); },
                    p.base);
}

// A header of type H with random field values, some pinned by `pinned` (field name -> value).
template <class H>
H random_header(Xorshift64& rng,
                const std::vector<std::pair<std::string_view, std::uint64_t>>& pinned) {
  H h{};
  test::randomise(h, rng, [&](const FieldDesc& d, Xorshift64&) -> std::optional<std::uint64_t> {
    for (const auto& [name, v] : pinned) {
      if (name == d.name) {
        return v;
      }
    }
    return std::nullopt;
  });
  return h;
}

struct Plan {
  std::uint8_t op = 0;
  int form = 0;
  bool ud = false;
  bool tv = false;
};

// A valid packet for `pl`: the headers of its Table 7-2 row, random fields within the rules, and
// a payload that meets the opcode's rules.
TaPacket build(const Plan& pl, Xorshift64& rng) {
  const auto info = ta_opcode_info(pl.op);
  REQUIRE(info);
  const bool compact = pl.form == 2;
  const test::ChainRow* row = nullptr;
  for (const auto& r : test::kChainTable) {
    row = r.op == pl.op ? &r : row;
  }
  REQUIRE(row != nullptr);
  const auto names = test::expand_chain(test::chain_column(*row, pl.form), pl.ud, pl.tv);

  std::uint64_t mae_len = rng.next() & 0xFFFFFFFF;
  std::uint64_t mae_addr = rng.next();
  std::uint64_t code = rng.below(8);
  std::size_t payload = 0;
  switch (info->shape) {
  case TaShape::SendLike:
  case TaShape::SendImmediate:
  case TaShape::WriteImmediate:
  case TaShape::WriteNotify:
    payload = rng.below(257);
    break;
  case TaShape::WriteLike:
    code = rng.below(4);
    payload = compact ? (std::size_t{64} << code) : rng.below(257);
    break;
  case TaShape::WriteBe:
    mae_len = 1 + rng.below(2048);
    code = rng.below(6);
    payload = compact ? (std::size_t{64} << code) : mae_len;
    break;
  case TaShape::ReadRequest:
  case TaShape::Prefetch:
  case TaShape::Ack:
    break;
  case TaShape::AtomicRequest:
    mae_len = std::uint64_t{1} << rng.below(7);
    mae_addr &= ~(mae_len - 1);
    code = 0;
    payload = compact ? 128 : 2 * mae_len;
    break;
  case TaShape::Management:
    payload = rng.below(1025);
    break;
  case TaShape::ReadResponse:
    payload = rng.below(300);
    break;
  case TaShape::AtomicResponse: {
    constexpr std::array<std::size_t, 8> kSizes{0, 1, 2, 4, 8, 16, 32, 64};
    payload = kSizes[rng.below(8)];
    break;
  }
  }

  TaPacket p;
  const std::uint64_t ee = rng.chance(1, 2) ? 0b01 : 0b11;
  if (info->response) {
    if (compact) {
      p.base = random_header<AtahCompact>(rng, {{"TAOpcode", pl.op}, {"Status", rng.below(2)}});
    } else {
      constexpr std::array<std::uint64_t, 5> kRspst{0, 1, 2, 3, 5};
      p.base = random_header<Atah>(
          rng,
          {{"TAOpcode", pl.op}, {"RSPST", kRspst[rng.below(5)]}, {"INI_RC_Type", rng.below(3)}});
    }
  } else if (compact) {
    p.base = random_header<BtahCompact>(
        rng, {{"TAOpcode", pl.op}, {"EE_bits", ee}, {"TV_EN", pl.tv}, {"UD_Flag", pl.ud}});
  } else {
    p.base = random_header<Btah>(rng, {{"TAOpcode", pl.op},
                                       {"EE_bits", ee},
                                       {"TV_EN", pl.tv},
                                       {"UD_Flag", pl.ud},
                                       {"MT_EN", needs_mt(pl.op)},
                                       {"ODR", rng.below(3) | (rng.below(2) << 2)},
                                       {"INI_RC_Type", rng.below(3)}});
  }
  for (const auto& name : names) {
    if (name == "UDETAH") {
      p.ud = random_header<Udetah>(rng, {});
    } else if (name == "MTETAH") {
      p.mt = random_header<Mtetah>(rng, {{"TGT_TC_Type", rng.below(3)}});
    } else if (name == "TAIDETAH") {
      p.taid = random_header<Taidetah>(rng, {});
    } else if (name == "OFSTETAH") {
      p.ofst = random_header<Ofstetah>(rng, {});
    } else if (name == "MAETAH") {
      p.ma = random_header<Maetah>(rng, {{"Address", mae_addr}, {"Length", mae_len}});
    } else if (name == "MAETAH_COMPACT") {
      p.ma_compact = random_header<MaetahCompact>(rng, {{"Length", code}});
    } else if (name == "IMMETAH") {
      p.imm = random_header<Immetah>(rng, {});
    } else if (name == "NTFETAH") {
      p.ntf = random_header<Ntfetah>(rng, {});
    } else if (name == "TVETAH") {
      p.tv = random_header<Tvetah>(rng, {});
    } else if (name == "MGMTETAH") {
      p.mgmt = random_header<Mgmtetah>(rng, {{"Code", rng.below(7)}, {"PDU_Length", payload}});
    } else if (name == "BEETAH") {
      // the smallest width covering the write's byte length.
      const std::uint64_t len = compact ? (std::uint64_t{64} << code) : mae_len;
      Beetah be{};
      be.width_bits = static_cast<std::uint16_t>(be_width_for_length(len));
      const auto bits = rng.bytes(be.size());
      std::copy(bits.begin(), bits.end(), be.be.begin());
      p.be = be;
    } else {
      FAIL("unknown header " << name);
    }
  }
  p.payload = rng.bytes(payload);
  return p;
}

// Reads `bytes` header by header in the order `names` gives, each with its own codec, and checks
// each against the packet's member: the wire order is checked independently of decode_ta.
void walk(const TaPacket& p, std::span<const Byte> bytes, const std::vector<std::string>& names) {
  std::visit(
      [&](const auto& h) {
        using H = std::decay_t<decltype(h)>;
        auto d = Codec<H>::decode(bytes);
        INFO(describe(d));
        REQUIRE(d);
        CHECK(*d == h);
      },
      p.base);
  std::size_t pos = base_size(p);
  CHECK(present_count(p) == names.size());
  for (const auto& name : names) {
    INFO(name << " at byte " << pos);
    with_member(p, name, [&](const auto& slot) {
      using H = typename std::decay_t<decltype(slot)>::value_type;
      REQUIRE(slot);
      auto d = [&] {
        if constexpr (std::is_same_v<H, Beetah>) {
          return Codec<Beetah>::decode(bytes.subspan(pos), slot->width_bits);
        } else {
          return Codec<H>::decode(bytes.subspan(pos));
        }
      }();
      REQUIRE(d);
      CHECK(*d == *slot);
      pos += Codec<H>::size(*slot);
    });
  }
  REQUIRE(bytes.size() == pos + p.payload.size());
  CHECK(std::equal(p.payload.begin(), p.payload.end(), bytes.begin() + static_cast<long>(pos)));
}

// Every plan of the round-trip table: each opcode, each form it may use, each flag combination.
std::vector<Plan> all_plans() {
  std::vector<Plan> out;
  for (const auto& r : test::kChainTable) {
    const bool response = r.op >= 0x11 && r.op <= 0x13;
    for (int form = 0; form < 3; ++form) {
      if (test::chain_column(r, form) == "-") {
        continue;
      }
      for (const bool ud : {false, true}) {
        for (const bool tv : {false, true}) {
          if ((response && (ud || tv)) || (tv && !r.tv_allowed)) {
            continue;
          }
          out.push_back(Plan{r.op, form, ud, tv});
        }
      }
    }
  }
  return out;
}

std::vector<std::string> names_of(const Plan& pl) {
  for (const auto& r : test::kChainTable) {
    if (r.op == pl.op) {
      return test::expand_chain(test::chain_column(r, pl.form), pl.ud, pl.tv);
    }
  }
  FAIL("no row for opcode " << int{pl.op});
  return {};
}

std::vector<Byte> encode_ok(const TaPacket& p, TaWire w) {
  auto r = encode_ta(p, w);
  INFO(describe(r));
  REQUIRE(r);
  return *r;
}

Plan plan(std::uint8_t op, TaWire w, bool ud = false, bool tv = false) {
  return Plan{op, static_cast<int>(w), ud, tv};
}

TaPacket built(std::uint8_t op, TaWire w, bool ud = false, bool tv = false,
               std::uint64_t seed = 1) {
  Xorshift64 rng(seed);
  return build(plan(op, w, ud, tv), rng);
}

} // namespace

TEST_CASE("TA packet: every opcode, wire form and flag combination round-trips",
          "[ta][spec:§7.2.1][spec:§7.4][spec:App.B.2.6]") {
  Xorshift64 rng(0x7A9AC4E7);
  std::set<std::pair<int, int>> op_forms;
  int packets = 0;
  for (const Plan& pl : all_plans()) {
    const TaWire w = kForms[static_cast<std::size_t>(pl.form)];
    const auto names = names_of(pl);
    for (int rep = 0; rep < 3; ++rep) {
      INFO("op " << int{pl.op} << " form " << to_string(w) << " UD " << pl.ud << " TV " << pl.tv
                 << " rep " << rep);
      const TaPacket p = build(pl, rng);
      const auto bytes = encode_ok(p, w);
      CHECK(ta_header_size(p, w) == bytes.size() - p.payload.size());
      walk(p, bytes, names);
      auto d = decode_ta(bytes, w);
      INFO(describe(d));
      REQUIRE(d);
      CHECK(*d == p);
      CHECK(d->opcode() == pl.op);
      CHECK(d->is_response() == (pl.op >= 0x11 && pl.op <= 0x13));
      CHECK(d->ini_tassn() == load_be16(bytes.data() + 2));
      CHECK(encode_ok(*d, w) == bytes);
      // The overload that keeps the buffer decodes the same packet.
      auto kept = decode_ta_owned(std::vector<Byte>(bytes), w);
      REQUIRE(kept);
      CHECK(*kept == p);
      // So does the one that leaves the payload in a shared buffer (here after 3 other bytes):
      // the payload is the range after the headers, not a copy, and it encodes the same.
      auto buffer = std::make_shared<std::vector<Byte>>(3, Byte{0xEE});
      std::copy(bytes.begin(), bytes.end(), std::back_inserter(*buffer));
      const SharedBytes whole{buffer, 3, bytes.size()};
      auto shared = decode_ta_shared(whole, w);
      REQUIRE(shared);
      CHECK(*shared == p);
      CHECK(shared->payload.empty());
      CHECK(shared->payload_share.length == p.payload.size());
      CHECK(encode_ok(*shared, w) == bytes);
      if (!p.payload.empty()) {
        CHECK(shared->payload_share.owner == whole.owner);
        CHECK(shared->payload_share.offset == 3 + ta_header_size(p, w));
        // Equality is over the bytes wherever they are held: one byte off is another packet.
        (*buffer)[buffer->size() - 1] ^= 0x01;
        CHECK_FALSE(*shared == p);
      }
      // The appending overload keeps what the buffer held.
      std::vector<Byte> out{0xAA, 0xBB};
      REQUIRE(encode_ta(p, w, out));
      REQUIRE(out.size() == 2 + bytes.size());
      CHECK(out[0] == 0xAA);
      CHECK(std::equal(bytes.begin(), bytes.end(), out.begin() + 2));
      // The headers alone, for a payload held elsewhere: what encode_ta writes before it.
      std::vector<Byte> heads{0xCC};
      TaPacket bare = p;
      bare.payload.clear();
      REQUIRE(encode_ta_headers(bare, p.payload.size(), w, heads));
      REQUIRE(heads.size() == 1 + ta_header_size(p, w));
      CHECK(std::equal(heads.begin() + 1, heads.end(), bytes.begin()));
      op_forms.insert({pl.op, pl.form});
      ++packets;
    }
  }
  // 23 opcodes in both full forms, 18 of them also compact (App. B.2.6, A-18).
  CHECK(op_forms.size() == 23 * 2 + 18);
  CHECK(packets > 500);
}

TEST_CASE("TA packet: encode refuses each extension header present that must be absent, or "
          "absent that must be present",
          "[ta][spec:§7.2.1][spec:§7.2.6][spec:§7.2.7]") {
  Xorshift64 rng(0xAB5E);
  int refused = 0;
  for (const Plan& pl : all_plans()) {
    const TaWire w = kForms[static_cast<std::size_t>(pl.form)];
    const auto names = names_of(pl);
    const TaPacket p = build(pl, rng);
    REQUIRE(encode_ta(p, w));
    for (std::size_t k = 0; k < kOrder.size(); ++k) {
      const std::string_view name = kOrder[k];
      const bool expected = std::find(names.begin(), names.end(), name) != names.end();
      // Where the header is, or would be: after the base header and every expected header that
      // comes before it in the wire order.
      std::size_t at = base_size(p);
      for (const auto& n : names) {
        at += order_index(n) < k ? size_of(p, n) : 0;
      }
      TaPacket q = p;
      with_member(q, name, [&](auto& slot) {
        if (slot) {
          slot.reset();
        } else {
          slot.emplace();
        }
      });
      INFO("op " << int{pl.op} << " form " << to_string(w) << " UD " << pl.ud << " TV " << pl.tv
                 << ": " << (expected ? "without " : "with ") << name);
      auto r = encode_ta(q, w);
      UB_CHECK_TA_ERROR(r, Errc::NotAllowed, "TaPacket", name, at);
      CHECK((r.error().reason.find("missing") != std::string_view::npos) == expected);
      std::vector<Byte> out{1, 2, 3};
      CHECK_FALSE(encode_ta(q, w, out));
      CHECK(out == std::vector<Byte>{1, 2, 3}); // nothing appended
      ++refused;
    }
  }
  CHECK(refused > 1000);
}

TEST_CASE("TA packet: TAIDETAH and OFSTETAH go with the IP and CNA24 form only",
          "[ta][spec:§7.2.6][spec:§7.2.7]") {
  SECTION("encode names the header") {
    const TaPacket read = built(0x06, TaWire::Taid);
    UB_CHECK_TA_ERROR(encode_ta(read, TaWire::Cna16), Errc::NotAllowed, "TaPacket", "TAIDETAH", 8);
    const TaPacket read16 = built(0x06, TaWire::Cna16);
    UB_CHECK_TA_ERROR(encode_ta(read16, TaWire::Taid), Errc::NotAllowed, "TaPacket", "TAIDETAH", 8);
    const TaPacket rsp = built(0x12, TaWire::Taid);
    UB_CHECK_TA_ERROR(encode_ta(rsp, TaWire::Cna16), Errc::NotAllowed, "TaPacket", "TAIDETAH", 8);
    TaPacket atomic = built(0x0B, TaWire::Taid);
    atomic.ofst = Ofstetah{};
    UB_CHECK_TA_ERROR(encode_ta(atomic, TaWire::Taid), Errc::NotAllowed, "TaPacket", "OFSTETAH",
                      12);
  }
  SECTION("decode reads the form's chain: a Read in the other form is refused") {
    // Taid bytes read as CFG 6: TAIDETAH + OFSTETAH + MAETAH (24 bytes) taken as MAETAH, 8 bytes
    // left over as a payload a Read may not have.
    const auto taid = encode_ok(built(0x06, TaWire::Taid), TaWire::Taid);
    REQUIRE(taid.size() == 8 + 4 + 4 + 16);
    UB_CHECK_TA_ERROR(decode_ta(taid, TaWire::Cna16), Errc::LengthMismatch, "BTAH", "TAOpcode", 24);
    // CFG 6 bytes read as Taid: the MAETAH the chain needs after TAIDETAH + OFSTETAH is cut.
    const auto cna = encode_ok(built(0x06, TaWire::Cna16), TaWire::Cna16);
    REQUIRE(cna.size() == 8 + 16);
    UB_CHECK_TA_ERROR(decode_ta(cna, TaWire::Taid), Errc::Truncated, "MAETAH", "", 24);
  }
}

TEST_CASE("TA packet: the flags decide MTETAH, UDETAH and TVETAH on decode too",
          "[ta][spec:§7.2.4][spec:§7.2.5][spec:§7.2.11]") {
  // BTAH byte 1: TV_EN bit 3, UD_Flag bit 0; byte 4: MT_EN bit 3.
  SECTION("MT_EN against the opcode") {
    auto send = encode_ok(built(0x00, TaWire::Cna16), TaWire::Cna16);
    send[4] = static_cast<Byte>(send[4] & ~0x08);
    UB_CHECK_TA_ERROR(decode_ta(send, TaWire::Cna16), Errc::NotAllowed, "BTAH", "MT_EN", 4);
    auto write = encode_ok(built(0x03, TaWire::Taid), TaWire::Taid);
    write[4] = static_cast<Byte>(write[4] | 0x08);
    UB_CHECK_TA_ERROR(decode_ta(write, TaWire::Taid), Errc::NotAllowed, "BTAH", "MT_EN", 4);
    TaPacket p = built(0x04, TaWire::Cna16);
    std::get<Btah>(p.base).mt_en = false;
    UB_CHECK_TA_ERROR(encode_ta(p, TaWire::Cna16), Errc::NotAllowed, "BTAH", "MT_EN", 4);
  }
  SECTION("TV_EN on Management and Prefetch_tgt") {
    for (const auto& [op, w] :
         {std::pair{std::uint8_t{0x10}, TaWire::Cna16}, std::pair{std::uint8_t{0x15}, TaWire::Taid},
          std::pair{std::uint8_t{0x15}, TaWire::Compact}}) {
      INFO("op " << int{op} << " " << to_string(w));
      auto bytes = encode_ok(built(op, w), w);
      bytes[1] = static_cast<Byte>(bytes[1] | 0x08);
      UB_CHECK_TA_ERROR(decode_ta(bytes, w), Errc::NotAllowed,
                        w == TaWire::Compact ? "BTAH_COMPACT" : "BTAH", "TV_EN", 1);
      TaPacket p = built(op, w);
      p.tv = Tvetah{1};
      std::visit(
          [](auto& h) {
            if constexpr (requires { h.tv_en; }) {
              h.tv_en = true;
            }
          },
          p.base);
      UB_CHECK_TA_ERROR(encode_ta(p, w), Errc::NotAllowed,
                        w == TaWire::Compact ? "BTAH_COMPACT" : "BTAH", "TV_EN", 1);
    }
  }
  SECTION("UD_Flag and TV_EN flipped on a Read") {
    for (const TaWire w : kForms) {
      INFO(to_string(w));
      const auto plain = encode_ok(built(0x06, w), w);
      // Set: the chain grows by 4 bytes the packet does not have.
      for (const Byte bit : {Byte{0x01}, Byte{0x08}}) {
        auto b = plain;
        b[1] = static_cast<Byte>(b[1] | bit);
        UB_CHECK_ERROR(decode_ta(b, w), Errc::Truncated, "", plain.size());
      }
      // Cleared: 4 bytes are left over as a payload, which a Read may not carry.
      const auto flagged = encode_ok(built(0x06, w, true, true), w);
      for (const Byte bit : {Byte{0x01}, Byte{0x08}}) {
        auto b = flagged;
        b[1] = static_cast<Byte>(b[1] & ~bit);
        UB_CHECK_TA_ERROR(decode_ta(b, w), Errc::LengthMismatch,
                          w == TaWire::Compact ? "BTAH_COMPACT" : "BTAH", "TAOpcode",
                          flagged.size() - 4);
      }
    }
  }
}

TEST_CASE("TA packet: reserved opcodes are refused in every form, both ways", "[ta][spec:§7.2.1]") {
  int reserved = 0;
  for (unsigned op = 0; op < 256; ++op) {
    const bool is_reserved = !ta_opcode_info(static_cast<std::uint8_t>(op));
    CHECK(is_reserved == (op == 0x02 || op == 0x16 || op >= 0x19));
    if (!is_reserved) {
      continue;
    }
    ++reserved;
    INFO("op " << op);
    for (const TaWire w : kForms) {
      std::vector<Byte> bytes(64, 0);
      bytes[0] = static_cast<Byte>(op);
      bytes[1] = 0x10; // EE_bits 01
      UB_CHECK_TA_ERROR(decode_ta(bytes, w), Errc::ReservedValue,
                        w == TaWire::Compact ? "BTAH_COMPACT" : "BTAH", "TAOpcode", 0);
      CHECK(decode_ta(bytes, w).error().value == op);
    }
    TaPacket p;
    Btah b{};
    b.ta_opcode = static_cast<std::uint8_t>(op);
    p.base = b;
    UB_CHECK_TA_ERROR(encode_ta(p, TaWire::Taid), Errc::ReservedValue, "BTAH", "TAOpcode", 0);
    BtahCompact c{};
    c.ta_opcode = static_cast<std::uint8_t>(op);
    p.base = c;
    UB_CHECK_TA_ERROR(encode_ta(p, TaWire::Compact), Errc::ReservedValue, "BTAH_COMPACT",
                      "TAOpcode", 0);
  }
  CHECK(reserved == 256 - 23);
}

TEST_CASE("TA packet: base headers carry only their own opcodes and their own form",
          "[ta][spec:§7.2.1][spec:§7.2.2][spec:App.B.2.6]") {
  SECTION("a response opcode in a BTAH, a request opcode in an ATAH") {
    TaPacket p;
    Btah b{};
    b.ta_opcode = 0x12;
    p.base = b;
    UB_CHECK_TA_ERROR(encode_ta(p, TaWire::Cna16), Errc::NotAllowed, "BTAH", "TAOpcode", 0);
    BtahCompact bc{};
    bc.ta_opcode = 0x11;
    p.base = bc;
    UB_CHECK_TA_ERROR(encode_ta(p, TaWire::Compact), Errc::NotAllowed, "BTAH_COMPACT", "TAOpcode",
                      0);
    Atah a{};
    a.ta_opcode = 0x03;
    p.base = a;
    UB_CHECK_TA_ERROR(encode_ta(p, TaWire::Taid), Errc::NotAllowed, "ATAH", "TAOpcode", 0);
    AtahCompact ac{};
    ac.ta_opcode = 0x06;
    p.base = ac;
    UB_CHECK_TA_ERROR(encode_ta(p, TaWire::Compact), Errc::NotAllowed, "ATAH_COMPACT", "TAOpcode",
                      0);
  }
  SECTION("opcodes CFG 9 does not carry, both ways") {
    for (const auto& r : test::kChainTable) {
      if (r.compact != "-") {
        continue;
      }
      INFO("op " << int{r.op});
      TaPacket p;
      BtahCompact c{};
      c.ta_opcode = r.op;
      p.base = c;
      UB_CHECK_TA_ERROR(encode_ta(p, TaWire::Compact), Errc::NotAllowed, "BTAH_COMPACT", "TAOpcode",
                        0);
      std::vector<Byte> bytes(32, 0);
      bytes[0] = r.op;
      bytes[1] = 0x10;
      UB_CHECK_TA_ERROR(decode_ta(bytes, TaWire::Compact), Errc::NotAllowed, "BTAH_COMPACT",
                        "TAOpcode", 0);
    }
  }
  SECTION("a base header of the other form") {
    for (const std::uint8_t op : {std::uint8_t{0x03}, std::uint8_t{0x12}}) {
      const TaPacket full = built(op, TaWire::Cna16);
      UB_CHECK_TA_ERROR(encode_ta(full, TaWire::Compact), Errc::NotAllowed, "TaPacket",
                        op == 0x03 ? "BTAH" : "ATAH", 0);
      const TaPacket compact = built(op, TaWire::Compact);
      for (const TaWire w : {TaWire::Cna16, TaWire::Taid}) {
        UB_CHECK_TA_ERROR(encode_ta(compact, w), Errc::NotAllowed, "TaPacket",
                          op == 0x03 ? "BTAH_COMPACT" : "ATAH_COMPACT", 0);
      }
    }
  }
  SECTION("field errors come from the header's own codec, at its offset") {
    TaPacket p = built(0x00, TaWire::Taid, true);
    p.mt->tgt_tc_type = 0b11;
    UB_CHECK_TA_ERROR(encode_ta(p, TaWire::Taid), Errc::ReservedValue, "MTETAH", "TGT_TC_Type",
                      8 + 4 + 1);
    p = built(0x03, TaWire::Cna16);
    p.ma->token_id = 1U << 20;
    UB_CHECK_TA_ERROR(encode_ta(p, TaWire::Cna16), Errc::OutOfRange, "MAETAH", "TokenID", 8 + 8);
    p = built(0x03, TaWire::Cna16);
    std::get<Btah>(p.base).ee_bits = 0b10;
    UB_CHECK_TA_ERROR(encode_ta(p, TaWire::Cna16), Errc::ReservedValue, "BTAH", "EE_bits", 1);
  }
}

TEST_CASE("TA packet: payload rules refused both ways",
          "[ta][spec:§7.4][spec:§7.4.2.3][spec:§7.2.12][spec:App.B.2.6]") {
  SECTION("Read, Prefetch_tgt and Transaction_ACK carry no payload") {
    for (const auto& [op, w] :
         {std::pair{std::uint8_t{0x06}, TaWire::Taid}, std::pair{std::uint8_t{0x15}, TaWire::Cna16},
          std::pair{std::uint8_t{0x11}, TaWire::Cna16},
          std::pair{std::uint8_t{0x06}, TaWire::Compact},
          std::pair{std::uint8_t{0x11}, TaWire::Compact}}) {
      INFO("op " << int{op} << " " << to_string(w));
      TaPacket p = built(op, w);
      const auto bytes = encode_ok(p, w);
      const std::string_view base =
          std::visit([](const auto& h) { return Codec<std::decay_t<decltype(h)>>::kName; }, p.base);
      p.payload = {1, 2, 3};
      UB_CHECK_TA_ERROR(encode_ta(p, w), Errc::LengthMismatch, base, "TAOpcode", bytes.size());
      auto more = bytes;
      more.push_back(7);
      UB_CHECK_TA_ERROR(decode_ta(more, w), Errc::LengthMismatch, base, "TAOpcode", bytes.size());
    }
  }
  SECTION("an atomic request carries 2 x Length") {
    TaPacket p = built(0x07, TaWire::Taid);
    const std::size_t at = ta_header_size(p, TaWire::Taid);
    p.payload.pop_back();
    UB_CHECK_TA_ERROR(encode_ta(p, TaWire::Taid), Errc::LengthMismatch, "MAETAH", "Length", at);
    // encode_ta_headers judges the payload size it is given, not p.payload.
    const std::size_t size = p.payload.size();
    p.payload.clear();
    std::vector<Byte> heads;
    const auto st = encode_ta_headers(p, size, TaWire::Taid, heads);
    REQUIRE_FALSE(st.has_value());
    CHECK(st.error().code == Errc::LengthMismatch);
    CHECK(st.error().field == "Length");
    CHECK(heads.empty());
    CHECK(encode_ta_headers(p, size + 1, TaWire::Taid, heads).has_value());
    CHECK(heads.size() == at);
    auto bytes = encode_ok(built(0x07, TaWire::Taid), TaWire::Taid);
    bytes.pop_back();
    UB_CHECK_TA_ERROR(decode_ta(bytes, TaWire::Taid), Errc::LengthMismatch, "MAETAH", "Length", at);
  }
  SECTION("a compact atomic needs Length code 0 (A-26)") {
    TaPacket p = built(0x0B, TaWire::Compact);
    p.ma_compact->length = 1;
    p.payload.resize(256);
    const std::size_t at = ta_header_size(p, TaWire::Compact);
    UB_CHECK_TA_ERROR(encode_ta(p, TaWire::Compact), Errc::LengthMismatch, "MAETAH_COMPACT",
                      "Length", at);
  }
  SECTION("a compact write carries exactly 64 B x 2^Length") {
    TaPacket p = built(0x03, TaWire::Compact);
    auto bytes = encode_ok(p, TaWire::Compact);
    const std::size_t at = ta_header_size(p, TaWire::Compact);
    p.payload.push_back(0);
    UB_CHECK_TA_ERROR(encode_ta(p, TaWire::Compact), Errc::LengthMismatch, "MAETAH_COMPACT",
                      "Length", at);
    bytes.resize(bytes.size() - 1);
    UB_CHECK_TA_ERROR(decode_ta(bytes, TaWire::Compact), Errc::LengthMismatch, "MAETAH_COMPACT",
                      "Length", at);
  }
  SECTION("MGMTETAH.PDU_Length is the PDU's length") {
    TaPacket p = built(0x10, TaWire::Cna16);
    p.payload.resize(40);
    p.mgmt->pdu_length = 41;
    UB_CHECK_TA_ERROR(encode_ta(p, TaWire::Cna16), Errc::LengthMismatch, "MGMTETAH", "PDU_Length",
                      12);
    p.mgmt->pdu_length = 40;
    auto bytes = encode_ok(p, TaWire::Cna16);
    bytes.push_back(0);
    UB_CHECK_TA_ERROR(decode_ta(bytes, TaWire::Cna16), Errc::LengthMismatch, "MGMTETAH",
                      "PDU_Length", 12);
    p.payload.resize(1025);
    p.mgmt->pdu_length = 1025;
    UB_CHECK_TA_ERROR(encode_ta(p, TaWire::Cna16), Errc::ReservedValue, "MGMTETAH", "PDU_Length",
                      8 + 2);
  }
  SECTION("the BEETAH width follows MAETAH.Length") {
    TaPacket p = built(0x14, TaWire::Cna16);
    p.ma->length = 100;
    p.be->width_bits = 256;
    std::fill(p.be->be.begin() + 32, p.be->be.end(), Byte{0});
    UB_CHECK_TA_ERROR(encode_ta(p, TaWire::Cna16), Errc::NotAllowed, "BEETAH", "BE", 8 + 16);
    p.be->width_bits = 128;
    std::fill(p.be->be.begin() + 16, p.be->be.end(), Byte{0});
    CHECK(encode_ta(p, TaWire::Cna16));
  }
}

TEST_CASE("TA packet: a packet cut at any byte is Truncated inside the headers and never read "
          "past",
          "[ta][spec:§7.2.1]") {
  struct Case {
    std::uint8_t op;
    TaWire w;
    bool ud;
    bool tv;
    bool payload_fixed; // the payload length is fixed by the headers
  };
  for (const Case c :
       {Case{0x01, TaWire::Taid, true, true, false}, Case{0x06, TaWire::Taid, true, true, true},
        Case{0x0A, TaWire::Cna16, true, false, true}, Case{0x10, TaWire::Cna16, false, false, true},
        Case{0x12, TaWire::Taid, false, false, false},
        Case{0x14, TaWire::Compact, true, true, false},
        Case{0x05, TaWire::Cna16, false, true, false}}) {
    INFO("op " << int{c.op} << " " << to_string(c.w));
    const TaPacket p = built(c.op, c.w, c.ud, c.tv, 77);
    const auto bytes = encode_ok(p, c.w);
    const std::size_t headers = ta_header_size(p, c.w);
    for (std::size_t n = 0; n < bytes.size(); ++n) {
      INFO("cut at " << n);
      // An exact-size copy, so a read past the end shows under the sanitizers.
      const std::vector<Byte> cut(bytes.begin(), bytes.begin() + static_cast<long>(n));
      auto r = decode_ta(cut, c.w);
      if (n < headers) {
        REQUIRE_FALSE(r);
        CHECK(r.error().code == Errc::Truncated);
        CHECK(r.error().offset == n);
      } else if (c.payload_fixed) {
        REQUIRE_FALSE(r);
        CHECK(r.error().code == Errc::LengthMismatch);
        CHECK(r.error().offset == headers);
      } else {
        // No length field: the shorter payload is a valid packet.
        REQUIRE(r);
        CHECK(r->payload.size() == n - headers);
      }
    }
  }
}

TEST_CASE("TA packet: arbitrary and mutated bytes decode or fail cleanly, and what decodes "
          "re-encodes to the same bytes",
          "[ta]") {
  Xorshift64 rng(0xF022);
  int decoded = 0;
  auto check_one = [&](std::span<const Byte> in, TaWire w) {
    auto r = decode_ta(in, w);
    // The buffer-keeping overload: the same answer; on a refusal the buffer is untouched.
    std::vector<Byte> buf(in.begin(), in.end());
    auto kept = decode_ta_owned(std::move(buf), w);
    REQUIRE(kept.has_value() == r.has_value());
    if (!r) {
      CHECK(to_string(kept.error()) == to_string(r.error()));
      const auto shared = decode_ta_shared(
          SharedBytes{std::make_shared<const std::vector<Byte>>(in.begin(), in.end()), 0,
                      in.size()},
          w);
      REQUIRE_FALSE(shared);
      CHECK(to_string(shared.error()) == to_string(r.error()));
      CHECK(std::equal(buf.begin(), buf.end(), in.begin(), in.end()));
      CHECK(r.error().offset <= in.size());
      CHECK_FALSE(to_string(r.error()).empty());
      return;
    }
    CHECK(*kept == *r);
    auto shared = decode_ta_shared(
        SharedBytes{std::make_shared<const std::vector<Byte>>(in.begin(), in.end()), 0, in.size()},
        w);
    REQUIRE(shared);
    CHECK(*shared == *r);
    ++decoded;
    CHECK(ta_header_size(*r, w) + r->payload.size() == in.size());
    auto again = encode_ta(*r, w);
    INFO(describe(again));
    REQUIRE(again);
    CHECK(std::equal(again->begin(), again->end(), in.begin(), in.end()));
  };
  for (int i = 0; i < 3000; ++i) {
    const auto in = rng.bytes(rng.below(80));
    check_one(in, kForms[rng.below(3)]);
  }
  const auto plans = all_plans();
  for (int i = 0; i < 3000; ++i) {
    const Plan pl = plans[rng.below(plans.size())];
    const TaWire w = kForms[static_cast<std::size_t>(pl.form)];
    auto bytes = encode_ok(build(pl, rng), w);
    for (int f = 0; f < 3; ++f) {
      const std::size_t bit = rng.below(8 * std::min<std::size_t>(bytes.size(), 48));
      bytes[bit / 8] = static_cast<Byte>(bytes[bit / 8] ^ (1U << (bit % 8)));
    }
    check_one(bytes, kForms[rng.chance(1, 4) ? rng.below(3) : static_cast<std::size_t>(pl.form)]);
  }
  CHECK(decoded > 1000);
}

TEST_CASE("TA packet: the TA bytes of every whole-packet sample decode to the same headers",
          "[ta][packet][spec:App.B]") {
  int compared = 0;
  std::set<TaWire> forms;
  for (const auto& s : pkt::packet_samples()) {
    std::vector<Byte> net(pkt::kMaxNetBytes);
    auto n = pkt::encode_network(s.packet, net);
    REQUIRE(n);
    net.resize(*n);
    pkt::Packet d{};
    REQUIRE(pkt::decode_network(s.packet.lph, net, {}, d));
    std::optional<std::size_t> first;
    std::size_t at = 0;
    for (std::size_t i = 0; i < d.header_count && !first; ++i) {
      const auto& h = d.headers[i];
      if (std::holds_alternative<Btah>(h) || std::holds_alternative<Atah>(h) ||
          std::holds_alternative<BtahCompact>(h) || std::holds_alternative<AtahCompact>(h)) {
        first = i;
      } else {
        at +=
            std::visit([](const auto& x) { return Codec<std::decay_t<decltype(x)>>::size(x); }, h);
      }
    }
    if (!first) {
      continue; // TP ACKs, CNPs, management and enumeration packets
    }
    INFO(s.name);
    const std::uint8_t cfg = s.packet.lph.cfg;
    const TaWire w = cfg == dl::cfg::kLoadStore
                         ? TaWire::Compact
                         : (cfg == dl::cfg::kCna16 ? TaWire::Cna16 : TaWire::Taid);
    forms.insert(w);
    // What the whole-packet decoder found, as a TaPacket.
    TaPacket want;
    std::size_t headers = 0;
    for (std::size_t i = *first; i < d.header_count; ++i) {
      const auto& h = d.headers[i];
      headers +=
          std::visit([](const auto& x) { return Codec<std::decay_t<decltype(x)>>::size(x); }, h);
      std::visit(
          [&](const auto& x) {
            using H = std::decay_t<decltype(x)>;
            if constexpr (std::is_constructible_v<TaBase, H>) {
              want.base = x;
            } else if constexpr (std::is_same_v<H, Udetah>) {
              want.ud = x;
            } else if constexpr (std::is_same_v<H, Mtetah>) {
              want.mt = x;
            } else if constexpr (std::is_same_v<H, Taidetah>) {
              want.taid = x;
            } else if constexpr (std::is_same_v<H, Ofstetah>) {
              want.ofst = x;
            } else if constexpr (std::is_same_v<H, Maetah>) {
              want.ma = x;
            } else if constexpr (std::is_same_v<H, MaetahCompact>) {
              want.ma_compact = x;
            } else if constexpr (std::is_same_v<H, Immetah>) {
              want.imm = x;
            } else if constexpr (std::is_same_v<H, Ntfetah>) {
              want.ntf = x;
            } else if constexpr (std::is_same_v<H, Tvetah>) {
              want.tv = x;
            } else if constexpr (std::is_same_v<H, Beetah>) {
              want.be = x;
            } else if constexpr (std::is_same_v<H, Mgmtetah>) {
              want.mgmt = x;
            } else {
              FAIL("a non-TA header after the TAH");
            }
          },
          h);
    }
    want.payload.assign(d.payload.begin(), d.payload.end());
    const std::span<const Byte> ta_bytes(net.data() + at, headers + d.payload.size());
    auto got = decode_ta(ta_bytes, w);
    INFO(describe(got));
    REQUIRE(got);
    CHECK(*got == want);
    CHECK(ta_header_size(*got, w) == headers);
    const auto again = encode_ok(*got, w);
    CHECK(std::equal(again.begin(), again.end(), ta_bytes.begin(), ta_bytes.end()));
    ++compared;
  }
  CHECK(compared >= 30);
  CHECK(forms.size() == 3);
}

TEST_CASE("TA packet: wire forms have names and an empty input is Truncated", "[ta]") {
  CHECK(to_string(TaWire::Cna16) == "cna16");
  CHECK(to_string(TaWire::Taid) == "taid");
  CHECK(to_string(TaWire::Compact) == "compact");
  UB_CHECK_TA_ERROR(decode_ta({}, TaWire::Cna16), Errc::Truncated, "BTAH", "", 0);
  UB_CHECK_TA_ERROR(decode_ta({}, TaWire::Compact), Errc::Truncated, "BTAH_COMPACT", "", 0);
  const TaPacket p = built(0x12, TaWire::Compact);
  CHECK(p.is_response());
  CHECK(p.opcode() == 0x12);
  CHECK(p.ini_tassn() == std::get<AtahCompact>(p.base).ini_tassn);
}
