// UTP endpoint: UTPH bytes against the packet codec, the Padding, round trips, the MTU rule and
// malformed input. UB-Base-2.0 §6.3.3, §6.2.1 Fig. 6-9, §7.3.3.5.
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "protocol/packet/packet.hpp"
#include "protocol/tp/utp_endpoint.hpp"

using namespace ub;
using namespace ub::tp;

namespace {

std::vector<Byte> pattern(std::size_t n) {
  std::vector<Byte> v;
  v.reserve(n);
  for (std::size_t i = 0; i < n; ++i) {
    v.push_back(static_cast<Byte>(0xA5U ^ (i * 13U)));
  }
  return v;
}

UtpConfig config(std::uint8_t nth = 10) {
  UtpConfig c{};
  c.mtu = 512;
  c.nth_bytes = nth;
  return c;
}

} // namespace

TEST_CASE("UTP packet bytes are the packet codec's and round-trip to the receiver",
          "[tp][utp][spec:§6.3.3][spec:§6.2.1]") {
  // CFG 7: NTH_CNA24 (NLP 010) | UTPH | BTAH | MAETAH | payload | pad | ICRC (a Write).
  for (std::size_t n = 0; n < 6; ++n) {
    CAPTURE(n);
    ta::Btah b{};
    b.ta_opcode = static_cast<std::uint8_t>(ta::TaOpcode::Write);
    b.ini_tassn = 5;
    const auto payload = pattern(n);
    pkt::Packet p{};
    p.lph.cfg = dl::cfg::kCna24;
    nl::NthCna24 nth{};
    nth.scna = 0x10;
    nth.dcna = 0x20;
    nth.nlp = nl::nlp::kRtph;
    REQUIRE(p.push(nth));
    Utph u{};
    u.tp_opcode = tp_opcode::kUtpData | tp_opcode::kLastFlag;
    u.nlp = tph_nlp::kTah;
    REQUIRE(p.push(u));
    REQUIRE(p.push(b));
    ta::Maetah mt{};
    mt.address = 0x8000;
    mt.length = static_cast<std::uint32_t>(n);
    REQUIRE(p.push(mt));
    p.payload = payload;
    std::vector<Byte> net(pkt::kMaxNetBytes);
    auto len = pkt::encode_network(p, net);
    INFO((len ? std::string{} : to_string(len.error())));
    REQUIRE(len);
    net.resize(*len);
    pkt::Packet d{};
    REQUIRE(pkt::decode_network(p.lph, net, pkt::DecodeOptions{}, d));
    const std::vector<Byte> ta(net.begin() + 10 + 16, net.end() - 4 - d.pad_bytes);
    REQUIRE(ta.size() == 24 + n); // BTAH + MAETAH + payload

    UtpEndpoint a(config());
    REQUIRE(a.send(UtpSend{.dst = 0x20, .ta = ta, .ta_header_bytes = 24}));
    CHECK(a.queued() == 1);
    auto o = a.poll_transmit(Time{0});
    REQUIRE(o);
    CHECK(o->dst == 0x20);
    CHECK(o->tp == std::vector<Byte>(net.begin() + 10, net.end() - 4));
    CHECK(o->tp[0] == 0x80); // TPOpcode[6:0] = 0, last = 1
    const auto h = Codec<Utph>::decode(o->tp);
    REQUIRE(h);
    CHECK(h->padding == (4 - (10 + 16 + ta.size()) % 4) % 4);
    CHECK(h->tp_ver == 0);
    CHECK(a.counters().sent == 1);

    UtpEndpoint b2(config());
    b2.on_receive(0x10, o->tp, Time{0});
    auto got = b2.poll_deliver();
    REQUIRE(got);
    CHECK(got->src == 0x10);
    CHECK(got->nlp == tph_nlp::kTah);
    CHECK(got->ta == ta);
    CHECK(b2.counters().received == 1);
    CHECK_FALSE(b2.poll_deliver());
  }
  // The Padding counts the configured NTH: IPv4 + UDP (34) and IPv6 + UDP (54).
  for (const std::uint8_t nth : {std::uint8_t{34}, std::uint8_t{54}}) {
    const auto ta = pattern(9);
    auto tp = encode_utp(config(nth), UtpSend{.nlp = tph_nlp::kUpiEid, .ta = ta});
    REQUIRE(tp);
    CHECK((nth + tp->size()) % 4 == 0);
    auto m = decode_utp(config(nth), *tp);
    REQUIRE(m);
    CHECK(m->nlp == tph_nlp::kUpiEid);
    CHECK(std::vector<Byte>(m->ta.begin(), m->ta.end()) == ta);
  }
  CHECK(UtpEndpoint(config()).next_timeout() == kNever);
}

TEST_CASE("UTP refuses a message larger than one packet", "[tp][utp][spec:§7.3.3.5]") {
  UtpEndpoint a(config()); // MTU 512
  const auto big = pattern(513);
  auto r = a.send(UtpSend{.ta = big});
  REQUIRE_FALSE(r);
  CHECK(r.error().error.code == Errc::OutOfRange);
  CHECK(r.error().size == 513);
  CHECK(r.error().limit == 512);
  const std::string msg = to_string(r.error());
  CAPTURE(msg);
  CHECK(msg.find("513 bytes, MTU 512") != std::string::npos);
  CHECK(a.queued() == 0);
  CHECK(a.counters().sends_refused == 1);
  CHECK(a.send(UtpSend{.ta = std::span(big).first(512)}));
  CHECK(a.send(UtpSend{.ta = big, .ta_header_bytes = 1}));
  auto e = a.send(UtpSend{.nlp = 2, .ta = big, .ta_header_bytes = 1});
  REQUIRE_FALSE(e);
  CHECK(e.error().error.field == "NLP");
  CHECK(a.queued() == 2);

  UtpConfig q = config();
  q.tx_queue_limit = 1;
  UtpEndpoint full(q);
  const auto four = pattern(4);
  CHECK(full.send(UtpSend{.ta = four}));
  auto f = full.send(UtpSend{.ta = four});
  REQUIRE_FALSE(f);
  CHECK(f.error().error.field == "tx_queue_limit");

  CHECK(validate(config()));
  UtpConfig bad = config(12);
  auto st = validate(bad);
  REQUIRE_FALSE(st);
  CHECK(st.error().field == "nth_bytes");
  bad = config();
  bad.mtu = 100;
  st = validate(bad);
  REQUIRE_FALSE(st);
  CHECK(st.error().field == "mtu");
}

TEST_CASE("UTP malformed packets are counted, not delivered", "[tp][utp][spec:§6.2.1]") {
  auto good = encode_utp(config(), UtpSend{.ta = pattern(4)}); // 10 + 16 + 4: Padding 2
  REQUIRE(good);
  REQUIRE(good->size() == 22);
  struct Case {
    const char* name;
    std::vector<Byte> tp;
    std::string_view field;
  };
  auto with = [&](std::size_t i, Byte v) {
    std::vector<Byte> t = *good;
    t[i] = v;
    return t;
  };
  const std::vector<Case> cases{
      {"short UTPH", std::vector<Byte>(good->begin(), good->begin() + 15), ""},
      {"RTP data opcode", with(0, 0x81), "TPOpcode"},
      {"last flag clear", with(0, 0x00), "TPOpcode"},
      {"TPVer 1", with(1, static_cast<Byte>((*good)[1] | 0x40)), "TPVer"},
      {"NLP 2", with(1, static_cast<Byte>(((*good)[1] & 0xF0) | 2)), "NLP"},
      {"length not 4-aligned", std::vector<Byte>(good->begin(), good->end() - 1), "Padding"},
      {"Padding beyond the bytes",
       [&] {
         std::vector<Byte> t(good->begin(), good->begin() + 18); // 10 + 18: aligned
         t[1] = static_cast<Byte>((t[1] & 0xCF) | 0x30);         // Padding 3 > 2 bytes
         return t;
       }(),
       "Padding"},
  };
  UtpEndpoint b(config());
  std::uint64_t n = 0;
  for (const auto& c : cases) {
    CAPTURE(c.name);
    auto m = decode_utp(config(), c.tp);
    REQUIRE_FALSE(m);
    if (!c.field.empty()) {
      CHECK(m.error().field == c.field);
    }
    b.on_receive(1, c.tp, Time{0});
    CHECK(b.counters().malformed == ++n);
    CHECK_FALSE(b.poll_deliver());
  }
  b.on_receive(1, *good, Time{0});
  CHECK(b.counters().malformed == n);
  CHECK(b.counters().received == 1);
  auto d = b.poll_deliver();
  REQUIRE(d);
  CHECK(d->ta == pattern(4));
}
