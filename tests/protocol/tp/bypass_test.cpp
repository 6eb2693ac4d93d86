// TP bypass (CFG 9): the RT bits of Table 7-14 and the NTH_CNA16 side of a load/store packet,
// round-tripped through the packet codec. UB-Base-2.0 App. B.2.6, §8.3, §7.3.3, §5.3.2.
#include <cstdint>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "protocol/packet/packet.hpp"
#include "protocol/tp/bypass.hpp"

using namespace ub;
using namespace ub::tp;

TEST_CASE("TP bypass RT bits follow Table 7-14", "[tp][bypass][spec:§7.3.3][spec:§5.3.2]") {
  struct Row {
    TaOrder order;
    RoutePref pref;
    bool shortest;
    int rt; // -1: refused
  };
  const Row rows[] = {
      {TaOrder::Rol, RoutePref::Default, false, 0b00},
      {TaOrder::Rol, RoutePref::PerFlow, false, 0b00},
      {TaOrder::Rol, RoutePref::Default, true, 0b10},
      {TaOrder::Rol, RoutePref::PerPacket, false, -1},
      {TaOrder::Rol, RoutePref::PerPacket, true, -1},
      {TaOrder::Roi, RoutePref::Default, false, 0b01},
      {TaOrder::Roi, RoutePref::PerFlow, false, 0b00},
      {TaOrder::Roi, RoutePref::PerPacket, true, 0b11},
      {TaOrder::Rot, RoutePref::Default, false, 0b01},
      {TaOrder::Rot, RoutePref::PerFlow, true, 0b10},
      {TaOrder::Uno, RoutePref::Default, false, 0b01},
      {TaOrder::Uno, RoutePref::PerFlow, false, 0b00},
  };
  for (const Row& r : rows) {
    CAPTURE(to_string(r.order), static_cast<int>(r.pref), r.shortest);
    const auto rt = ctp_bypass_rt(r.order, r.pref, r.shortest);
    if (r.rt < 0) {
      REQUIRE_FALSE(rt);
      CHECK(rt.error().code == Errc::NotAllowed);
      CHECK(rt.error().field == "RT");
      const std::string msg = to_string(rt.error());
      CAPTURE(msg);
      CHECK(msg.find("ROL") != std::string::npos);
      CHECK(msg.find("Table 7-14") != std::string::npos);
    } else {
      REQUIRE(rt);
      CHECK(int{*rt} == r.rt);
    }
  }
}

TEST_CASE("TP bypass headers round-trip a CFG 9 store through the packet codec",
          "[tp][bypass][spec:App.B.2.6][spec:§5.2.1]") {
  std::vector<Byte> line(64);
  for (std::size_t i = 0; i < line.size(); ++i) {
    line[i] = static_cast<Byte>(i * 3U);
  }
  for (const TaOrder order : {TaOrder::Rol, TaOrder::Roi}) {
    CAPTURE(to_string(order));
    BypassRoute route{};
    route.scna = 0x0011;
    route.dcna = 0x0022;
    route.vl = 3;
    route.sl = 2;
    route.lbf = 0x3C;
    route.cci.mode = nl::cci_mode::kFecn;
    route.cci.fecn = nl::fecn::kNone;
    route.order = order;
    route.shortest_only = true;
    const auto h = make_bypass_headers(route);
    REQUIRE(h);
    CHECK(h->lph.cfg == dl::cfg::kLoadStore);
    CHECK(h->nth.nlp == 0);
    CHECK_FALSE(h->nth.mgmt);
    const std::uint8_t want_rt = order == TaOrder::Rol ? 0b10 : 0b11;
    CHECK(h->lph.rt == want_rt);

    pkt::Packet p{};
    p.lph = h->lph;
    ta::BtahCompact b{};
    b.ta_opcode = static_cast<std::uint8_t>(ta::TaOpcode::Write);
    b.ini_tassn = 9;
    ta::MaetahCompact m{};
    m.address_63_6 = 0x100000 >> 6;
    m.length = 0; // 64 bytes
    m.token_id = 0xABC;
    REQUIRE(p.push(h->nth));
    REQUIRE(p.push(b));
    REQUIRE(p.push(m));
    p.payload = line;

    // Framed and back: the LPH's RT and VL travel in the link header.
    std::vector<Byte> wire(pkt::kMaxWireBytes);
    std::vector<Byte> scratch(pkt::kMaxNetBytes);
    std::vector<Byte> scratch2(pkt::kMaxNetBytes);
    auto n = pkt::encode_packet(p, wire, scratch);
    REQUIRE(n);
    pkt::Packet d{};
    REQUIRE(pkt::decode_packet(std::span<const Byte>(wire).first(*n), pkt::DecodeOptions{},
                               scratch2, d));
    CHECK(d.lph.cfg == dl::cfg::kLoadStore);
    CHECK(d.lph.rt == want_rt);
    CHECK(d.lph.vl == 3);
    REQUIRE(d.header_count == 3);
    CHECK(std::get<nl::NthCna16>(d.headers[0]) == h->nth);
    CHECK_FALSE(d.has_icrc);

    // The receiver's view, from the network bytes.
    std::vector<Byte> net(pkt::kMaxNetBytes);
    auto nn = pkt::encode_network(p, net);
    REQUIRE(nn);
    net.resize(*nn);
    const auto info = parse_bypass_headers(d.lph, net);
    REQUIRE(info);
    CHECK(info->scna == route.scna);
    CHECK(info->dcna == route.dcna);
    CHECK(info->vl == route.vl);
    CHECK(info->sl == route.sl);
    CHECK(info->lbf == route.lbf);
    CHECK(info->cci == route.cci);
    CHECK(info->rt == want_rt);
    CHECK(info->per_packet() == (order != TaOrder::Rol));
    CHECK(info->shortest_only());
  }
}

TEST_CASE("TP bypass helpers name what is wrong", "[tp][bypass][spec:§5.2.1]") {
  BypassRoute r{};
  r.order = TaOrder::Rol;
  r.route = RoutePref::PerPacket;
  auto h = make_bypass_headers(r);
  REQUIRE_FALSE(h);
  CHECK(h.error().field == "RT");
  r.route = RoutePref::Default;
  r.vl = 16;
  h = make_bypass_headers(r);
  REQUIRE_FALSE(h);
  CHECK(h.error().field == "VL");
  r.vl = 0;
  r.sl = 16;
  h = make_bypass_headers(r);
  REQUIRE_FALSE(h);
  CHECK(h.error().field == "SL");
  r.sl = 0;
  r.cci.mode = 0b001; // reserved
  h = make_bypass_headers(r);
  REQUIRE_FALSE(h);
  CHECK(h.error().field == "Mode");
  r.cci = nl::Cci{};
  h = make_bypass_headers(r);
  REQUIRE(h);

  std::vector<Byte> nth(8);
  REQUIRE(Codec<nl::NthCna16>::encode(h->nth, nth));
  CHECK(parse_bypass_headers(h->lph, nth));
  dl::Lph cfg6 = h->lph;
  cfg6.cfg = dl::cfg::kCna16;
  auto e = parse_bypass_headers(cfg6, nth);
  REQUIRE_FALSE(e);
  CHECK(e.error().field == "CFG");
  nl::NthCna16 n1 = h->nth;
  n1.nlp = 1;
  REQUIRE(Codec<nl::NthCna16>::encode(n1, nth));
  e = parse_bypass_headers(h->lph, nth);
  REQUIRE_FALSE(e);
  CHECK(e.error().field == "NLP");
  nl::NthCna16 m1 = h->nth;
  m1.mgmt = true;
  REQUIRE(Codec<nl::NthCna16>::encode(m1, nth));
  e = parse_bypass_headers(h->lph, nth);
  REQUIRE_FALSE(e);
  CHECK(e.error().field == "Mgmt");
  e = parse_bypass_headers(h->lph, std::span<const Byte>(nth).first(7));
  REQUIRE_FALSE(e);
  CHECK(e.error().code == Errc::Truncated);
}
