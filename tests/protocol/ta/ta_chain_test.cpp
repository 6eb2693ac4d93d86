// The transaction header chain rules shared by the TA and whole-packet codecs: which extension
// headers follow each base header (Table 7-2 / 7-4, App. B.2.6), the flag rules, the BEETAH width
// and the payload rules.
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <catch2/catch.hpp>

#include "protocol/nl/codec_test_support.hpp"
#include "protocol/ta/ta_chain.hpp"
#include "protocol/ta/ta_chain_table.hpp"

using namespace ub;
using namespace ub::ta;

namespace {

std::vector<std::string> names(TaChain c) {
  std::vector<std::string> out;
  for (const TaExt e : kTaExtOrder) {
    if (c.has(e)) {
      out.emplace_back(ta_ext_name(e));
    }
  }
  return out;
}

bool needs_mt(std::uint8_t op) {
  return op == 0x00 || op == 0x01 || op == 0x04;
}

TaChain chain_of(const test::ChainRow& r, int form, bool ud, bool tv) {
  const bool response = r.op >= 0x11 && r.op <= 0x13;
  if (form == 2) {
    if (response) {
      AtahCompact a{};
      a.ta_opcode = r.op;
      return ta_chain(a);
    }
    BtahCompact b{};
    b.ta_opcode = r.op;
    b.ud_flag = ud;
    b.tv_en = tv;
    return ta_chain(b);
  }
  if (response) {
    Atah a{};
    a.ta_opcode = r.op;
    return ta_chain(a, form == 1);
  }
  Btah b{};
  b.ta_opcode = r.op;
  b.ud_flag = ud;
  b.tv_en = tv;
  b.mt_en = needs_mt(r.op);
  return ta_chain(b, form == 1);
}

} // namespace

TEST_CASE("TA chain: the extension headers of every opcode in each form follow Table 7-2",
          "[ta][spec:§7.2.1][spec:App.B.2.6]") {
  int checked = 0;
  for (const auto& r : test::kChainTable) {
    const auto info = ta_opcode_info(r.op);
    REQUIRE(info);
    CHECK(info->compact_allowed == (r.compact != "-"));
    const bool response = info->response;
    for (int form = 0; form < 3; ++form) {
      const std::string_view col = test::chain_column(r, form);
      if (col == "-") {
        continue;
      }
      for (const bool ud : {false, true}) {
        for (const bool tv : {false, true}) {
          if ((response && (ud || tv)) || (tv && !r.tv_allowed)) {
            continue;
          }
          INFO("op " << int{r.op} << " form " << form << " UD " << ud << " TV " << tv);
          const TaChain c = chain_of(r, form, ud, tv);
          CHECK(names(c) == test::expand_chain(col, ud, tv));
          CHECK(c.count() == test::expand_chain(col, ud, tv).size());
          ++checked;
        }
      }
    }
  }
  CHECK(checked > 150);
}

TEST_CASE("TA chain: reserved opcodes and a request in the ATAH get no chain",
          "[ta][spec:§7.2.1]") {
  for (const std::uint8_t op : {std::uint8_t{0x02}, std::uint8_t{0x16}, std::uint8_t{0x19},
                                std::uint8_t{0x80}, std::uint8_t{0xFF}}) {
    Btah b{};
    b.ta_opcode = op;
    b.ud_flag = true;
    b.tv_en = true;
    CHECK(ta_chain(b, true) == TaChain{});
    BtahCompact c{};
    c.ta_opcode = op;
    c.ud_flag = true;
    CHECK(ta_chain(c) == TaChain{});
  }
  Atah a{};
  a.ta_opcode = 0x06;
  CHECK(ta_chain(a, true) == TaChain{});
  Btah resp{};
  resp.ta_opcode = 0x12;
  resp.tv_en = true;
  CHECK(ta_chain(resp, true) == TaChain{});
}

TEST_CASE("TA chain: the wire order lists each header once under its spec name", "[ta]") {
  std::set<std::string_view> seen;
  for (const TaExt e : kTaExtOrder) {
    CHECK(seen.insert(ta_ext_name(e)).second);
    CHECK(ta_ext_name(e) != "?");
  }
  CHECK(seen.size() == 11);
  TaChain c;
  c.add(TaExt::Beetah);
  c.add(TaExt::Udetah);
  CHECK(c.has(TaExt::Beetah));
  CHECK(c.has(TaExt::Udetah));
  CHECK_FALSE(c.has(TaExt::Tvetah));
  CHECK(c.count() == 2);
}

TEST_CASE("TA chain: MT_EN exactly for the message opcodes, TV_EN not for Management or Prefetch",
          "[ta][spec:§7.2.4][spec:§7.2.1]") {
  for (const auto& r : test::kChainTable) {
    if (r.op >= 0x11 && r.op <= 0x13) {
      continue;
    }
    INFO("op " << int{r.op});
    Btah b{};
    b.ta_opcode = r.op;
    b.mt_en = needs_mt(r.op);
    CHECK(check_ta_flags(b));
    b.mt_en = !b.mt_en;
    UB_CHECK_ERROR(check_ta_flags(b), Errc::NotAllowed, "MT_EN", 4);
    CHECK(check_ta_flags(b).error().header == std::string_view{"BTAH"});
    b.mt_en = needs_mt(r.op);
    b.tv_en = true;
    if (r.tv_allowed) {
      CHECK(check_ta_flags(b));
    } else {
      UB_CHECK_ERROR(check_ta_flags(b), Errc::NotAllowed, "TV_EN", 1);
    }
    if (r.compact != "-") {
      BtahCompact c{};
      c.ta_opcode = r.op;
      c.tv_en = true;
      if (r.tv_allowed) {
        CHECK(check_ta_flags(c));
      } else {
        UB_CHECK_ERROR(check_ta_flags(c), Errc::NotAllowed, "TV_EN", 1);
        CHECK(check_ta_flags(c).error().header == std::string_view{"BTAH_COMPACT"});
      }
    }
  }
}

TEST_CASE("TA chain: the BEETAH width is the smallest covering MAETAH.Length, capped at 1024",
          "[ta][spec:§7.2.10]") {
  struct Row {
    std::uint64_t len;
    unsigned width;
  };
  for (const Row r :
       {Row{0, 64}, Row{1, 64}, Row{64, 64}, Row{65, 128}, Row{128, 128}, Row{129, 256},
        Row{512, 512}, Row{513, 1024}, Row{1024, 1024}, Row{8192, 1024}, Row{0xFFFFFFFF, 1024}}) {
    INFO("Length " << r.len);
    for (const unsigned w : {64U, 128U, 256U, 512U, 1024U}) {
      Beetah be{};
      be.width_bits = static_cast<std::uint16_t>(w);
      if (w == r.width) {
        CHECK(check_beetah_width(be, r.len, 30));
      } else {
        UB_CHECK_ERROR(check_beetah_width(be, r.len, 30), Errc::NotAllowed, "BE", 30);
      }
    }
  }
}

TEST_CASE("TA chain: payload rules name the header and field at the payload",
          "[ta][spec:§7.4][spec:§7.4.2.3][spec:App.B.2.6]") {
  TaPayloadContext c;
  SECTION("no payload for Read, Prefetch_tgt and Transaction_ACK") {
    for (const TaShape s : {TaShape::ReadRequest, TaShape::Prefetch, TaShape::Ack}) {
      c.shape = s;
      c.tah_name = s == TaShape::Ack ? "ATAH" : "BTAH";
      CHECK(check_ta_payload(c, 0, 40));
      UB_CHECK_ERROR(check_ta_payload(c, 1, 40), Errc::LengthMismatch, "TAOpcode", 40);
      CHECK(check_ta_payload(c, 1, 40).error().header == c.tah_name);
    }
  }
  SECTION("atomic requests: 2 x Length, Length a power of two up to 64, aligned") {
    c.shape = TaShape::AtomicRequest;
    c.mae_len = 8;
    c.mae_addr = 0x1000;
    c.mae_at = 12;
    CHECK(check_ta_payload(c, 16, 28));
    UB_CHECK_ERROR(check_ta_payload(c, 8, 28), Errc::LengthMismatch, "Length", 28);
    c.mae_addr = 0x1004;
    UB_CHECK_ERROR(check_ta_payload(c, 16, 28), Errc::NotAllowed, "Address", 12);
    c.mae_addr = 0;
    for (const std::uint64_t bad : {0U, 3U, 128U}) {
      c.mae_len = bad;
      UB_CHECK_ERROR(check_ta_payload(c, 2 * bad, 28), Errc::LengthMismatch, "Length", 28);
    }
    c.compact = true;
    c.mae_len = 128; // Length code 1
    UB_CHECK_ERROR(check_ta_payload(c, 256, 28), Errc::LengthMismatch, "Length", 28);
    CHECK(check_ta_payload(c, 256, 28).error().header == std::string_view{"MAETAH_COMPACT"});
    c.mae_len = 64;
    CHECK(check_ta_payload(c, 128, 28));
  }
  SECTION("atomic responses, management PDUs and compact writes") {
    c.shape = TaShape::AtomicResponse;
    for (std::size_t n = 0; n <= 65; ++n) {
      const bool ok =
          n == 0 || n == 1 || n == 2 || n == 4 || n == 8 || n == 16 || n == 32 || n == 64;
      CHECK(static_cast<bool>(check_ta_payload(c, n, 8)) == ok);
    }
    c.shape = TaShape::Management;
    c.mgmt_pdu_len = 100;
    CHECK(check_ta_payload(c, 100, 12));
    UB_CHECK_ERROR(check_ta_payload(c, 99, 12), Errc::LengthMismatch, "PDU_Length", 12);
    c.shape = TaShape::WriteLike;
    CHECK(check_ta_payload(c, 5, 24)); // full form: any length
    c.compact = true;
    c.mae_len = 256;
    CHECK(check_ta_payload(c, 256, 16));
    UB_CHECK_ERROR(check_ta_payload(c, 255, 16), Errc::LengthMismatch, "Length", 16);
  }
}
