// The header registry: names, type-erased decode/encode, field setters and their errors.
#include <algorithm>
#include <array>
#include <cstdint>
#include <iterator>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <catch2/catch.hpp>

#include "protocol/dl/control_blocks.hpp"
#include "protocol/nl/codec_test_support.hpp"
#include "protocol/packet/registry.hpp"
#include "protocol/packet/samples.hpp"

using namespace ub;
using namespace ub::pkt;

namespace {

// Every name registry.hpp lists, in its order.
constexpr std::array<std::string_view, 34> kHeaderNames{
    "LPH",          "LBH",        "CCI",          "NTH_CNA16", "NTH_CNA24",
    "NTH_IP",       "NET_MGMT",   "UPIH16",       "UPIH32",    "EIDH40",
    "EIDH256",      "SCAN",       "RTPH",         "UTPH",      "CTPH",
    "CETPH_LDCP",   "CETPH_CAQM", "SAETPH",       "CNP",       "BTAH",
    "BTAH_COMPACT", "ATAH",       "ATAH_COMPACT", "MAETAH",    "MAETAH_COMPACT",
    "MTETAH",       "TVETAH",     "TAIDETAH",     "OFSTETAH",  "IMMETAH",
    "NTFETAH",      "BEETAH",     "UDETAH",       "MGMTETAH"};
constexpr std::array<std::string_view, 10> kBlockNames{
    "Null",    "No_Operation", "Retry_Idle",  "Retry_Req",      "Retry_Ack",
    "Crd_Ack", "Param_Exchg",  "Lane_Manage", "Block_Mode_Chg", "Init"};

template <class T>
std::string describe(const Result<T>& r) {
  return r ? std::string("ok") : to_string(r.error());
}

std::vector<Byte> vec(std::span<const Byte> s) {
  return {s.begin(), s.end()};
}

NamedValue nv(std::string name, std::uint64_t scalar) {
  NamedValue v;
  v.name = std::move(name);
  v.scalar = scalar;
  return v;
}

NamedValue nv_wide(std::string name, std::vector<Byte> wide) {
  NamedValue v;
  v.name = std::move(name);
  v.wide = std::move(wide);
  return v;
}

std::vector<NamedValue> to_values(const std::vector<FieldEntry>& fields) {
  std::vector<NamedValue> out;
  for (const auto& f : fields) {
    NamedValue v;
    v.name = std::string(f.name);
    v.scalar = f.scalar;
    v.wide = f.wide;
    out.push_back(std::move(v));
  }
  return out;
}

void check_same_fields(const std::vector<FieldEntry>& a, const std::vector<FieldEntry>& b) {
  REQUIRE(a.size() == b.size());
  for (std::size_t i = 0; i < a.size(); ++i) {
    INFO("field " << a[i].name);
    CHECK(a[i].name == b[i].name);
    CHECK(a[i].offset == b[i].offset);
    CHECK(a[i].width == b[i].width);
    CHECK(a[i].scalar == b[i].scalar);
    CHECK(a[i].wide == b[i].wide);
  }
}

std::size_t size_of(const Header& h) {
  return std::visit([](const auto& x) { return Codec<std::decay_t<decltype(x)>>::size(x); }, h);
}

// Decodes `bytes` as header `name` through the registry, re-encodes the reported fields through
// the registry, and requires the same bytes. Returns the decoded fields.
std::vector<FieldEntry> registry_round_trip(std::string_view name, std::span<const Byte> bytes,
                                            const DecodeOptions& opts = {}) {
  INFO("header " << name);
  const HeaderEntry* e = find_header(name);
  REQUIRE(e != nullptr);
  auto fields = e->decode(bytes, opts);
  INFO(describe(fields));
  REQUIRE(fields);
  const auto values = to_values(*fields);
  auto out = e->encode(values, opts);
  INFO(describe(out));
  REQUIRE(out);
  CHECK(*out == vec(bytes));
  return *fields;
}

} // namespace

TEST_CASE("every name registry.hpp lists is registered", "[registry]") {
  std::set<std::string_view> seen;
  for (const auto name : kHeaderNames) {
    INFO(name);
    const HeaderEntry* e = find_header(name);
    REQUIRE(e != nullptr);
    CHECK(e->name == name);
    CHECK_FALSE(e->control_block);
    CHECK_FALSE(e->clause.empty());
    CHECK_FALSE(e->summary.empty());
    CHECK(e->decode != nullptr);
    CHECK(e->encode != nullptr);
    CHECK_FALSE(is_control_block_name(name));
    seen.insert(name);
  }
  for (const auto name : kBlockNames) {
    INFO(name);
    const HeaderEntry* e = find_header(name);
    REQUIRE(e != nullptr);
    CHECK(e->name == name);
    CHECK(e->control_block);
    CHECK(is_control_block_name(name));
    seen.insert(name);
  }
  // Nothing registered that the header does not document, and no name twice.
  CHECK(header_registry().size() == kHeaderNames.size() + kBlockNames.size());
  CHECK(seen.size() == header_registry().size());
  for (const auto& e : header_registry()) {
    CHECK(seen.count(e.name) == 1);
  }
  CHECK(find_header("rtph") == nullptr); // the spec's spelling only
  CHECK(find_header("") == nullptr);
  CHECK(find_header("RTPHX") == nullptr);
  CHECK_FALSE(is_control_block_name("NOPE"));
}

TEST_CASE("make_header knows every header that can follow the LPH", "[registry]") {
  for (const auto name : kHeaderNames) {
    INFO(name);
    std::size_t bad = 99;
    auto h = make_header(name, {}, &bad);
    if (name == "LPH" || name == "LBH" || name == "CCI") {
      UB_CHECK_ERROR(h, Errc::UnknownField, "", 0);
      CHECK(bad == 0); // values.size()
      continue;
    }
    INFO(describe(h));
    REQUIRE(h);
    CHECK(header_name(*h) == name);
    CHECK(bad == 0); // values.size() on success
  }
  std::size_t bad = 99;
  const std::vector<NamedValue> one{nv("PSN", 1)};
  UB_CHECK_ERROR(make_header("Null", one, &bad), Errc::UnknownField, "", 0);
  CHECK(bad == 1);
}

TEST_CASE("decode then encode through the registry gives the same bytes for every sample header",
          "[registry][samples]") {
  std::set<std::string_view> covered;
  std::vector<Byte> net(kMaxNetBytes);
  std::vector<Byte> scratch(kMaxNetBytes);
  std::vector<Byte> scratch2(kMaxNetBytes);
  std::vector<Byte> wire(kMaxWireBytes);
  for (const auto& s : packet_samples()) {
    INFO(s.name);
    // Through the framing, so derived fields hold their computed values.
    auto w = encode_packet(s.packet, wire, scratch);
    INFO(describe(w));
    REQUIRE(w);
    Packet d{};
    DecodeOptions opts{};
    REQUIRE(decode_packet(std::span<const Byte>(wire).first(*w), opts, scratch2, d));
    auto n = encode_network(d, net);
    REQUIRE(n);

    const auto lph_fields = registry_round_trip("LPH", std::span<const Byte>(wire).first(4));
    check_same_fields(lph_fields, fields_of(d.lph));
    covered.insert("LPH");
    for (std::size_t b = 0; b < d.lbh_count; ++b) {
      const std::size_t at = (b + 1) * dl::kMaxBlockFlits * dl::kFlitBytes;
      const auto f = registry_round_trip("LBH", std::span<const Byte>(wire).subspan(at, 2));
      check_same_fields(f, fields_of(d.lbh[b]));
      covered.insert("LBH");
    }

    std::size_t at = 0;
    for (const auto& h : d.header_list()) {
      const std::size_t size = size_of(h);
      const auto bytes = std::span<const Byte>(net).subspan(at, size);
      const auto f = registry_round_trip(header_name(h), bytes, opts);
      check_same_fields(f, fields_of(h));
      covered.insert(header_name(h));
      // The CCI inside an NTH decodes through the registry too.
      std::uint16_t cci = 0;
      bool has_cci = true;
      if (const auto* c16 = std::get_if<nl::NthCna16>(&h)) {
        cci = c16->cci;
      } else if (const auto* c24 = std::get_if<nl::NthCna24>(&h)) {
        cci = c24->cci;
      } else if (const auto* ip = std::get_if<nl::NthIp>(&h)) {
        cci = ip->prefix.cci;
      } else {
        has_cci = false;
      }
      if (has_cci) {
        const std::array<Byte, 2> raw{static_cast<Byte>(cci >> 8), static_cast<Byte>(cci)};
        const auto cf = registry_round_trip("CCI", raw);
        check_same_fields(cf, fields_of(nl::unpack_cci(cci)));
        covered.insert("CCI");
      }
      at += size;
    }
    CHECK(at + d.payload.size() + d.pad_bytes + (d.has_icrc ? 4U : 0U) == *n);
  }
  // The samples reach every header but the CAQM CETPH.
  for (const auto name : kHeaderNames) {
    INFO(name);
    CHECK((covered.count(name) == 1 || name == "CETPH_CAQM"));
  }
}

TEST_CASE("registry decode refuses bytes beyond the header", "[registry]") {
  const HeaderEntry* e = find_header("RTPH");
  REQUIRE(e != nullptr);
  std::array<Byte, 17> in{};
  in[0] = 0x01;
  auto r = e->decode(in, DecodeOptions{});
  UB_CHECK_ERROR(r, Errc::TrailingBytes, "", 16);
  CHECK(r.error().header == "RTPH");
  auto ok = e->decode(std::span<const Byte>(in).first(16), DecodeOptions{});
  CHECK(ok);
  auto shorter = e->decode(std::span<const Byte>(in).first(15), DecodeOptions{});
  UB_CHECK_ERROR(shorter, Errc::Truncated, "", 15);
}

TEST_CASE("unknown field names give UnknownField", "[registry]") {
  const std::vector<NamedValue> values{nv("No_Such_Field", 0)};
  for (const auto& e : header_registry()) {
    INFO(e.name);
    auto r = e.encode(values, DecodeOptions{});
    REQUIRE_FALSE(r);
    CHECK(r.error().code == Errc::UnknownField);
  }
  SECTION("and make_* say which value") {
    const std::vector<NamedValue> vals{nv("PSN", 1), nv("SrcTPN", 2), nv("Bogus", 3)};
    std::size_t bad = 99;
    auto h = make_header("RTPH", vals, &bad);
    REQUIRE_FALSE(h);
    CHECK(h.error().code == Errc::UnknownField);
    CHECK(bad == 2);
    bad = 99;
    const std::vector<NamedValue> lph{nv("CFG", 7), nv("Bogus", 0)};
    auto l = make_lph(lph, &bad);
    REQUIRE_FALSE(l);
    CHECK(l.error().code == Errc::UnknownField);
    CHECK(bad == 1);
    bad = 99;
    auto cb = make_control_block("Retry_Req", lph, &bad);
    REQUIRE_FALSE(cb);
    CHECK(cb.error().code == Errc::UnknownField);
    CHECK(bad == 0);
  }
  SECTION("an IPv4-only field after Version 6") {
    const std::vector<NamedValue> vals{nv("TTL", 3), nv("Version", 6)};
    std::size_t bad = 99;
    auto h = make_header("NTH_IP", vals, &bad);
    REQUIRE_FALSE(h);
    CHECK(h.error().code == Errc::UnknownField);
    CHECK(bad == 0);
  }
}

TEST_CASE("a value wider than its field gives OutOfRange naming the field", "[registry]") {
  // Every scalar field of every header, one bit too wide.
  auto check_fields = [](std::string_view what, const std::vector<FieldEntry>& fields,
                         auto&& make) {
    int tried = 0;
    for (const auto& f : fields) {
      if (f.width >= 64 || f.is_wide()) {
        continue;
      }
      INFO(what << "." << f.name << " (" << f.width << " bits)");
      const std::vector<NamedValue> vals{nv(std::string(f.name), std::uint64_t{1} << f.width)};
      std::size_t bad = 99;
      const auto r = make(std::span<const NamedValue>(vals), &bad);
      REQUIRE_FALSE(r);
      INFO(to_string(r.error()));
      if (f.name == "Version") {
        CHECK(r.error().code == Errc::ReservedValue); // NTH_IP: the IP version is 4 or 6
      } else {
        CHECK(r.error().code == Errc::OutOfRange);
        CHECK(r.error().offset == f.offset / 8U);
      }
      CHECK(r.error().field == f.name);
      CHECK(bad == 0);
      ++tried;
    }
    return tried;
  };
  using Values = std::span<const NamedValue>;
  SECTION("headers after the LPH") {
    int tried = 0;
    int headers = 0;
    for (const auto name : kHeaderNames) {
      auto h = make_header(name, {});
      if (!h) {
        continue; // LPH, LBH, CCI: below
      }
      ++headers;
      // EIDH256 and BEETAH have wide fields only.
      tried += check_fields(name, fields_of(*h),
                            [&](Values v, std::size_t* bad) { return make_header(name, v, bad); });
    }
    CHECK(headers == 31);
    CHECK(tried > 150);
  }
  SECTION("LPH and LBH") {
    CHECK(check_fields("LPH", fields_of(dl::Lph{}),
                       [](Values v, std::size_t* bad) { return make_lph(v, bad); }) == 9);
    CHECK(check_fields("LBH", fields_of(dl::Lbh{}),
                       [](Values v, std::size_t* bad) { return make_lbh(v, bad); }) == 7);
  }
  SECTION("CCI, through the registry encoder") {
    const HeaderEntry* e = find_header("CCI");
    REQUIRE(e != nullptr);
    for (const std::uint8_t mode :
         {nl::cci_mode::kCaqm, nl::cci_mode::kFecnRtt, nl::cci_mode::kFecn}) {
      nl::Cci c{};
      c.mode = mode;
      CHECK(check_fields("CCI", fields_of(c), [&](Values v, std::size_t* bad) {
              *bad = 0;
              std::vector<NamedValue> all(v.begin(), v.end());
              all.push_back(nv("Mode", mode));
              return e->encode(all, DecodeOptions{});
            }) >= 4);
    }
  }
  SECTION("control blocks") {
    for (const auto& s : control_samples()) {
      const auto fields = fields_of(s.block);
      bool any = false;
      for (const auto& f : fields) {
        any = any || (f.width < 64 && !f.is_wide());
      }
      if (!any) {
        continue; // Null, No_Operation, Retry_Idle have no fields
      }
      const std::string_view name = control_block_name(s.block);
      CHECK(check_fields(name, fields, [&](Values v, std::size_t* bad) {
              return make_control_block(name, v, bad);
            }) > 0);
    }
  }
  SECTION("and the registry encoder agrees") {
    const std::vector<NamedValue> vals{nv("NLP", 16)};
    auto r = find_header("RTPH")->encode(vals, DecodeOptions{});
    UB_CHECK_ERROR(r, Errc::OutOfRange, "NLP", 1);
    const std::vector<NamedValue> psn{nv("MaxRcvPSN", 1U << 24)};
    auto s = find_header("SAETPH")->encode(psn, DecodeOptions{});
    UB_CHECK_ERROR(s, Errc::OutOfRange, "MaxRcvPSN", 1);
  }
}

TEST_CASE("selector fields are applied first, whatever the order given", "[registry]") {
  SECTION("NTH_IP: IPv6 addresses before Version 6") {
    std::vector<Byte> src(16, 0);
    src[0] = 0xFD;
    src[15] = 0x01;
    const std::vector<NamedValue> vals{nv_wide("Source_Address", src), nv("Traffic_Class", 0xAB),
                                       nv("Version", 6)};
    std::size_t bad = 99;
    auto h = make_header("NTH_IP", vals, &bad);
    INFO(describe(h));
    REQUIRE(h);
    CHECK(bad == vals.size());
    const auto& ip = std::get<nl::NthIp>(*h);
    CHECK(ip.ip_version == 6);
    CHECK(ip.v6.src[0] == 0xFD);
    CHECK(ip.v6.src[15] == 0x01);
    CHECK(ip.v6.traffic_class == 0xAB);
    // Through the encoder: the IPv6 header starts at NTH byte 6.
    auto bytes = find_header("NTH_IP")->encode(vals, DecodeOptions{});
    REQUIRE(bytes);
    REQUIRE(bytes->size() == 6 + 40 + 8);
    CHECK((*bytes)[6] == 0x6A); // Version 6 | Traffic_Class[7:4]
    CHECK((*bytes)[7] == 0xB0); // Traffic_Class[3:0] | Flow_Label[19:16]
    CHECK((*bytes)[6 + 8] == 0xFD);
    CHECK((*bytes)[6 + 23] == 0x01);
  }
  SECTION("CCI: mode fields before Mode") {
    const HeaderEntry* e = find_header("CCI");
    REQUIRE(e != nullptr);
    // Mode 010 (FECN_RTT) | Loc 0 | Timestamp 0x155 | FECN 11 -> 010 0 0101010101 11 = 0x4557.
    const std::vector<NamedValue> rtt{nv("FECN", 3), nv("Timestamp", 0x155), nv("Mode", 2)};
    auto r = e->encode(rtt, DecodeOptions{});
    INFO(describe(r));
    REQUIRE(r);
    CHECK(*r == std::vector<Byte>{0x45, 0x57});
    // Mode 100 (FECN) | Loc 1 | RSVD (10 bits, all ones) | FECN 01 -> 100 1 1111111111 01 = 0x9FFD.
    const std::vector<NamedValue> fecn{nv("RSVD", 0x3FF), nv("Loc", 1), nv("FECN", 1),
                                       nv("Mode", 4)};
    auto f = e->encode(fecn, DecodeOptions{});
    INFO(describe(f));
    REQUIRE(f);
    CHECK(*f == std::vector<Byte>{0x9F, 0xFD});
  }
  SECTION("SAETPH: BitMap before BitMapSize") {
    std::vector<Byte> bitmap(16, 0);
    bitmap[0] = 0x80; // needs the 128-bit BitMap
    bitmap[15] = 0x01;
    const std::vector<NamedValue> vals{nv_wide("BitMap", bitmap), nv("MaxRcvPSN", 0x000130),
                                       nv("BitMapSize", 1)};
    auto r = find_header("SAETPH")->encode(vals, DecodeOptions{});
    INFO(describe(r));
    REQUIRE(r);
    std::vector<Byte> want{0x01, 0x00, 0x01, 0x30}; // RSVD 00000 | BitMapSize 001; MaxRcvPSN
    std::copy(bitmap.begin(), bitmap.end(), std::back_inserter(want));
    CHECK(*r == want);
    std::size_t bad = 99;
    auto h = make_header("SAETPH", vals, &bad);
    REQUIRE(h);
    CHECK(bad == vals.size());
    const auto& sa = std::get<tp::Saetph>(*h);
    CHECK(sa.bitmap_bits() == 128);
    // Row 0 (bytes 0-3) byte 0 bit 7 is bit 31 of BitMap[0]; byte 15 bit 0 is BitMap[3] bit 0.
    CHECK(sa.bitmap_bit(31));
    CHECK(sa.bitmap_bit(96));
    CHECK_FALSE(sa.bitmap_bit(0));
  }
}

// fuzz/packet_roundtrip edits one field of a header by setting it on a copy, and rebuilds the
// whole header only for a layout selector: the two must agree on every other field.
TEST_CASE("setting one field that does not decide the layout equals rebuilding the header",
          "[registry]") {
  for (std::string_view sel : {"Version", "Mode", "BitMapSize", "CLENGTH", "TAOpcode"}) {
    CHECK(is_layout_selector(sel));
  }
  for (std::string_view other : {"DCNA", "Traffic_Class", "PSN", "CFG", "version", ""}) {
    CHECK_FALSE(is_layout_selector(other));
  }
  std::size_t compared = 0;
  std::size_t refused = 0;
  // A new value for a field: the scalar plus one within its width, or the last byte of a wide
  // value with its low bit flipped.
  const auto edit = [](const FieldEntry& f) {
    NamedValue v;
    v.name = std::string(f.name);
    if (f.is_wide()) {
      v.wide = f.wide.empty() ? std::vector<Byte>((f.width + 7U) / 8U, 0) : f.wide;
      v.wide.back() ^= 1U;
    } else {
      const std::uint64_t mask =
          f.width >= 64 ? ~std::uint64_t{0} : (std::uint64_t{1} << f.width) - 1;
      v.scalar = (f.scalar + 1) & mask;
    }
    return v;
  };
  const auto same_as_rebuilt = [&](const auto& h, const auto& rebuild) {
    using H = std::decay_t<decltype(h)>;
    const auto fields = [&] {
      if constexpr (std::is_same_v<H, dl::Lph>) {
        return fields_of(h);
      } else {
        return fields_of(Header{h});
      }
    }();
    for (std::size_t fi = 0; fi < fields.size(); ++fi) {
      if (is_layout_selector(fields[fi].name)) {
        continue;
      }
      INFO(Codec<H>::kName << "." << fields[fi].name);
      auto values = to_values(fields);
      values[fi] = edit(fields[fi]);
      const auto rebuilt = rebuild(values);
      H copy = h;
      const FieldValue fv{values[fi].scalar, std::span<const Byte>(values[fi].wide)};
      const auto st = Codec<H>::set(copy, fields[fi].name, fv);
      REQUIRE(st.has_value() == rebuilt.has_value());
      if (st) {
        if constexpr (std::is_same_v<H, dl::Lph>) {
          CHECK(copy == *rebuilt);
        } else {
          CHECK(Header{copy} == *rebuilt);
        }
        ++compared;
      } else {
        ++refused;
      }
    }
  };
  for (const auto& sample : packet_samples()) {
    INFO("sample " << sample.name);
    same_as_rebuilt(sample.packet.lph, [](const auto& v) { return make_lph(v); });
    for (std::size_t i = 0; i < sample.packet.header_count; ++i) {
      const Header& hdr = sample.packet.headers[i];
      std::visit(
          [&](const auto& h) {
            same_as_rebuilt(h, [&](const auto& v) { return make_header(header_name(hdr), v); });
          },
          hdr);
    }
  }
  CHECK(compared > 200);
  INFO("refused " << refused);
  CHECK(compared > refused);
}

TEST_CASE("make_* report the index of the failing value", "[registry]") {
  std::size_t bad = 99;
  SECTION("make_header") {
    const std::vector<NamedValue> vals{nv("PSN", 1), nv("SrcTPN", 2), nv("NLP", 99)};
    auto h = make_header("RTPH", vals, &bad);
    UB_CHECK_ERROR(h, Errc::OutOfRange, "NLP", 1);
    CHECK(bad == 2);
  }
  SECTION("make_header reports the given index even when a selector moved first") {
    const std::vector<NamedValue> vals{nv("TTL", 1), nv("Protocol", 17), nv("Version", 5)};
    auto h = make_header("NTH_IP", vals, &bad);
    UB_CHECK_ERROR(h, Errc::ReservedValue, "Version", 6);
    CHECK(bad == 2);
  }
  SECTION("an unknown header name is not about one value") {
    const std::vector<NamedValue> vals{nv("PSN", 1)};
    auto h = make_header("XTPH", vals, &bad);
    UB_CHECK_ERROR(h, Errc::UnknownField, "", 0);
    CHECK(bad == vals.size());
  }
  SECTION("make_lph") {
    const std::vector<NamedValue> vals{nv("VL", 3), nv("CFG", 7), nv("PLENGTH", 1U << 14)};
    auto l = make_lph(vals, &bad);
    UB_CHECK_ERROR(l, Errc::OutOfRange, "PLENGTH", 2);
    CHECK(bad == 2);
    const std::vector<NamedValue> good{nv("VL", 3), nv("CFG", 7)};
    auto ok = make_lph(good, &bad);
    REQUIRE(ok);
    CHECK(ok->vl == 3);
    CHECK(ok->cfg == 7);
    CHECK(bad == good.size());
  }
  SECTION("make_lbh") {
    const std::vector<NamedValue> vals{nv("CRD_VL", 16), nv("VL", 1)};
    auto l = make_lbh(vals, &bad);
    UB_CHECK_ERROR(l, Errc::OutOfRange, "CRD_VL", 0);
    CHECK(bad == 0);
  }
  SECTION("make_control_block") {
    const std::vector<NamedValue> vals{nv("RcvPtr", 1), nv("NUM_RETRY", 256)};
    auto cb = make_control_block("Retry_Req", vals, &bad);
    UB_CHECK_ERROR(cb, Errc::OutOfRange, "NUM_RETRY", 11);
    CHECK(bad == 1);
    auto unknown = make_control_block("Retry_Maybe", vals, &bad);
    UB_CHECK_ERROR(unknown, Errc::UnknownField, "", 0);
    CHECK(bad == vals.size());
    const std::vector<NamedValue> good{nv("RcvPtr", 0x123)};
    auto ok = make_control_block("Retry_Req", good, &bad);
    REQUIRE(ok);
    CHECK(std::get<dl::RetryReq>(*ok).rcv_ptr == 0x123);
    CHECK(bad == good.size());
  }
}

TEST_CASE("DLLCB entries decode only their own type", "[registry][dl][spec:§4.3.3]") {
  for (const dl::BlockMode m :
       {dl::BlockMode::Crc30, dl::BlockMode::Crc62, dl::BlockMode::NonCrc}) {
    DecodeOptions opts{};
    opts.mode = m;
    for (const auto& s : control_samples()) {
      INFO(s.name << " mode " << dl::to_string(m));
      std::vector<Byte> bytes(dl::control_block_flits(s.block) * dl::kFlitBytes);
      auto n = dl::encode_control_block(s.block, m, bytes);
      REQUIRE(n);
      const std::string_view own = control_block_name(s.block);
      int matched = 0;
      for (const auto& e : header_registry()) {
        if (!e.control_block) {
          continue;
        }
        INFO("as " << e.name);
        if (e.name == own) {
          ++matched;
          const auto f = registry_round_trip(e.name, bytes, opts);
          check_same_fields(f, fields_of(s.block));
        } else {
          auto r = e.decode(bytes, opts);
          UB_CHECK_ERROR(r, Errc::NotAllowed, "CTRL", 2);
          CHECK(r.error().header == "LCH");
        }
      }
      CHECK(matched == 1);
    }
  }
}
