// CTP endpoint: packet bytes against the packet codec, the MTU rule, CNP generation and its rate
// limit, the per-(destination, VL) DCQCN limiters and their pacing, per-flow and per-packet LBF,
// malformed input, and a sender slowing down behind a FECN-marking bottleneck.
// UB-Base-2.0 §6.3.2, §6.5.2, §6.6.2, §6.7.2, App. B.2.4/B.2.5/B.2.7.
#include <algorithm>
#include <array>
#include <cstdint>
#include <functional>
#include <map>
#include <set>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include <catch2/catch.hpp>

#include "protocol/common/rng.hpp"
#include "protocol/packet/packet.hpp"
#include "protocol/tp/cc/dcqcn.hpp"
#include "protocol/tp/cc/switch_marking.hpp"
#include "protocol/tp/ctp_endpoint.hpp"

using namespace ub;
using namespace ub::tp;
using namespace ub::literals;

namespace {

constexpr std::uint64_t kLine = 100'000'000'000ULL; // 100 Gbit/s

CtpConfig config(std::uint32_t local, CtpNth nth = CtpNth::Cna16) {
  CtpConfig c{};
  c.local_cna = local;
  c.nth = nth;
  c.mtu = 1024;
  c.cc.line_rate_bps = kLine;
  return c;
}

std::vector<Byte> pattern(std::size_t n, std::uint32_t seed = 1) {
  std::vector<Byte> v(n);
  for (std::size_t i = 0; i < n; ++i) {
    v[i] = static_cast<Byte>(seed * 31U + i * 7U);
  }
  return v;
}

nl::Cci fecn_cci(std::uint8_t fecn, bool loc = false) {
  nl::Cci c{};
  c.mode = nl::cci_mode::kFecn;
  c.fecn = fecn;
  c.loc = loc;
  return c;
}

std::vector<Byte> encode_net(const pkt::Packet& p) {
  std::vector<Byte> out(pkt::kMaxNetBytes);
  auto n = pkt::encode_network(p, out);
  REQUIRE(n);
  out.resize(*n);
  return out;
}

// The bytes a codec-encoded CTP packet has between the NTH and the ICRC.
std::vector<Byte> tp_slice(const std::vector<Byte>& net, std::size_t nth) {
  return {net.begin() + static_cast<std::ptrdiff_t>(nth), net.end() - 4};
}

// A data packet arriving at `ep` from `src`.
void deliver_data(CtpEndpoint& ep, std::uint32_t src, std::uint8_t vl, const nl::Cci& cci, Time now,
                  std::uint8_t sl = 0) {
  CtpEndpoint peer(config(src));
  const auto ta = pattern(40);
  REQUIRE(peer.send(CtpSend{.dst_cna = ep.config().local_cna, .vl = vl, .sl = sl, .ta = ta}));
  auto o = peer.poll_transmit(Time{0});
  REQUIRE(o);
  ep.on_receive(CtpIn{src, vl, sl, cci, o->tp}, now);
}

// A CNP with `ecn` as sent by `src`.
std::vector<Byte> cnp_bytes(std::uint8_t ecn, bool loc = false) {
  CtpEndpoint rx(config(99));
  deliver_data(rx, 1, 0, fecn_cci(ecn == 3 ? nl::fecn::kSevere : nl::fecn::kMild, loc), Time{0});
  auto o = rx.poll_transmit(Time{0});
  REQUIRE(o);
  REQUIRE(o->control);
  return o->tp;
}

} // namespace

TEST_CASE("CTP data packet bytes are the packet codec's, in CFG 6 and CFG 7",
          "[tp][ctp][spec:§6.2.1][spec:App.B.2.4]") {
  struct Case {
    CtpNth nth;
    std::size_t payload;
  };
  for (const Case c : {Case{CtpNth::Cna16, 48}, Case{CtpNth::Cna16, 49}, Case{CtpNth::Cna24, 100},
                       Case{CtpNth::Cna24, 1}}) {
    const bool cfg6 = c.nth == CtpNth::Cna16;
    CAPTURE(cfg6, c.payload);
    const auto payload = pattern(c.payload);
    ta::Btah b{};
    b.ta_opcode = static_cast<std::uint8_t>(ta::TaOpcode::Write);
    b.ini_tassn = 7;
    ta::Maetah m{};
    m.address = 0x4000;
    m.token_id = 0x123;
    m.length = static_cast<std::uint32_t>(c.payload);
    nl::Eidh40 e40{};
    e40.seid = 0x11;
    e40.deid = 0x22;
    nl::Eidh256 e256{};
    e256.seid[15] = 0x11;
    e256.deid[15] = 0x22;
    const std::uint8_t nlp = cfg6 ? ctph_nlp::kUpi16Eid40 : ctph_nlp::kUpi32Eid256;

    // The packet as the codec lays it out, with the NTH the endpoint's output asks for.
    auto build = [&](std::uint32_t dcna, std::uint8_t sl, std::uint8_t lbf, const nl::Cci& cci) {
      pkt::Packet p{};
      p.lph.cfg = cfg6 ? dl::cfg::kCna16 : dl::cfg::kCna24;
      if (cfg6) {
        nl::NthCna16 n{};
        n.scna = 1;
        n.dcna = static_cast<std::uint16_t>(dcna);
        n.cci = nl::pack_cci(cci);
        n.lbf = lbf;
        n.sl = sl;
        n.nlp = nl::nlp::kCtph;
        REQUIRE(p.push(n));
        REQUIRE(p.push(Ctph{ctp_opcode::kData, 0, nlp}));
        REQUIRE(p.push(nl::Upih16{0, 0x0123}));
        REQUIRE(p.push(e40));
      } else {
        nl::NthCna24 n{};
        n.scna = 1;
        n.dcna = dcna;
        n.cci = nl::pack_cci(cci);
        n.lbf = lbf;
        n.sl = sl;
        n.nlp = nl::nlp::kCtph;
        REQUIRE(p.push(n));
        REQUIRE(p.push(Ctph{ctp_opcode::kData, 0, nlp}));
        REQUIRE(p.push(nl::Upih32{0, 0x012345}));
        REQUIRE(p.push(e256));
      }
      REQUIRE(p.push(b));
      REQUIRE(p.push(m));
      p.payload = payload;
      return encode_net(p);
    };
    const std::size_t nth = nth_bytes(c.nth);
    // TA bytes: everything after the CTPH up to the padding, from a first encoding.
    pkt::Packet first{};
    const auto ref = build(0x22, 3, 0, nl::Cci{});
    pkt::DecodeOptions opts{};
    dl::Lph lph{};
    lph.cfg = cfg6 ? dl::cfg::kCna16 : dl::cfg::kCna24;
    REQUIRE(pkt::decode_network(lph, ref, opts, first));
    const std::size_t pad = first.pad_bytes;
    const std::vector<Byte> ta(ref.begin() + static_cast<std::ptrdiff_t>(nth + 1),
                               ref.end() - 4 - static_cast<std::ptrdiff_t>(pad));

    CtpEndpoint ep(config(1, c.nth));
    REQUIRE(ep.send(CtpSend{.dst_cna = 0x22,
                            .vl = 5,
                            .sl = 3,
                            .nlp = nlp,
                            .ta = ta,
                            .ta_header_bytes = ta.size() - c.payload}));
    auto out = ep.poll_transmit(Time{0});
    REQUIRE(out);
    CHECK(out->dst_cna == 0x22);
    CHECK(out->vl == 5);
    CHECK(out->sl == 3);
    CHECK_FALSE(out->control);
    CHECK(out->cci == fecn_cci(nl::fecn::kNone)); // DCQCN: FECN mode, markable, no congestion
    CHECK(out->lbf == ep.flow_lbf(0x22));
    CHECK(out->tp == tp_slice(build(0x22, 3, out->lbf, out->cci), nth));
    CHECK(out->tp.size() == 1 + ta.size() + pad);
    CHECK((nth + out->tp.size()) % 4 == 0);
    CHECK(ep.counters().data_sent == 1);
  }
}

TEST_CASE("CTP CNP bytes are the packet codec's (CTPH TPOpcode 1, CNP CETPH, Padding 3)",
          "[tp][ctp][spec:§6.2.2][spec:App.B.2.7]") {
  for (const std::uint8_t ecn : {std::uint8_t{1}, std::uint8_t{3}}) {
    for (const bool loc : {false, true}) {
      CAPTURE(ecn, loc);
      CtpEndpoint rx(config(0x22));
      deliver_data(rx, 0x11, 6, fecn_cci(ecn == 3 ? nl::fecn::kSevere : nl::fecn::kMild, loc), 5_us,
                   9);
      auto o = rx.poll_transmit(5_us);
      REQUIRE(o);
      CHECK(o->control);
      CHECK(o->dst_cna == 0x11); // back to the data packet's source
      CHECK(o->vl == 6);         // same VL
      CHECK(o->sl == 9);         // same SL
      CHECK(o->cci == nl::Cci{});

      pkt::Packet p{};
      p.lph.cfg = dl::cfg::kCna16;
      nl::NthCna16 n{};
      n.scna = 0x22;
      n.dcna = 0x11;
      n.sl = 9;
      n.lbf = o->lbf;
      REQUIRE(p.push(n));
      REQUIRE(p.push(Ctph{ctp_opcode::kCnp, 0, 0}));
      CnpCetph c{};
      c.ecn = ecn;
      c.loc = loc;
      REQUIRE(p.push(c));
      CHECK(o->tp == tp_slice(encode_net(p), 8));
      // By hand: CTPH = TPOpcode 01 | Padding 11 | NLP 0000; CNP byte 0 = ECN | Loc | 00000.
      std::vector<Byte> want(20, 0);
      want[0] = 0x70;
      want[1] = static_cast<Byte>((unsigned{ecn} << 6U) | (loc ? 0x20U : 0U));
      CHECK(o->tp == want);
      CHECK(rx.counters().cnps_sent == 1);
    }
  }
}

TEST_CASE("CTP refuses a TA operation larger than the MTU, naming its size and the MTU",
          "[tp][ctp][spec:§6.7.2]") {
  CtpEndpoint ep(config(1)); // MTU 1024
  const auto big = pattern(1025);
  auto r = ep.send(CtpSend{.dst_cna = 2, .ta = big});
  REQUIRE_FALSE(r);
  CHECK(r.error().error.code == Errc::OutOfRange);
  CHECK(r.error().error.field == "TA payload");
  CHECK(r.error().size == 1025);
  CHECK(r.error().limit == 1024);
  const std::string msg = to_string(r.error());
  CAPTURE(msg);
  CHECK(msg.find("1025 bytes") != std::string::npos);
  CHECK(msg.find("MTU 1024") != std::string::npos);
  CHECK(msg.find("§6.7.2") != std::string::npos);
  CHECK(ep.queued() == 0);
  CHECK_FALSE(ep.poll_transmit(Time{0}));
  CHECK(ep.counters().sends_refused == 1);

  // Exactly one MTU of payload goes; TA headers do not count against the MTU.
  CHECK(ep.send(CtpSend{.dst_cna = 2, .ta = std::span(big).first(1024)}));
  CHECK(ep.send(CtpSend{.dst_cna = 2, .ta = big, .ta_header_bytes = 1}));
  auto out = ep.poll_transmit(Time{0});
  REQUIRE(out);
  CHECK(out->tp.size() == 1 + 1024 + 3); // never truncated
  CHECK(std::equal(out->tp.begin() + 1, out->tp.begin() + 1025, big.begin()));

  // The other fields are named too.
  struct Bad {
    CtpSend s;
    std::string_view field;
    Errc code;
  };
  const auto small = pattern(8);
  for (const Bad& b : {
           Bad{CtpSend{.dst_cna = 0x10000, .ta = small}, "dst_cna", Errc::OutOfRange},
           Bad{CtpSend{.dst_cna = 2, .vl = 16, .ta = small}, "vl", Errc::OutOfRange},
           Bad{CtpSend{.dst_cna = 2, .sl = 16, .ta = small}, "sl", Errc::OutOfRange},
           Bad{CtpSend{.dst_cna = 2, .nlp = 4, .ta = small}, "NLP", Errc::ReservedValue},
           Bad{CtpSend{.dst_cna = 2, .nlp = ctph_nlp::kUpi32Eid256, .ta = small}, "NLP",
               Errc::NotAllowed},
           Bad{CtpSend{.dst_cna = 2, .ta = small, .ta_header_bytes = 9}, "ta_header_bytes",
               Errc::OutOfRange},
       }) {
    auto e = ep.send(b.s);
    REQUIRE_FALSE(e);
    CHECK(e.error().error.field == b.field);
    CHECK(e.error().error.code == b.code);
  }
  // CFG 7 carries 24-bit CNAs and UPIH32 + EIDH256, not UPIH16 + EIDH40.
  CtpEndpoint ep7(config(1, CtpNth::Cna24));
  CHECK(ep7.send(CtpSend{.dst_cna = 0x10000, .nlp = ctph_nlp::kUpi32Eid256, .ta = small}));
  auto e7 = ep7.send(CtpSend{.dst_cna = 2, .nlp = ctph_nlp::kUpi16Eid40, .ta = small});
  REQUIRE_FALSE(e7);
  CHECK(e7.error().error.field == "NLP");

  // A full queue refuses.
  CtpConfig q = config(1);
  q.tx_queue_limit = 2;
  CtpEndpoint eq(q);
  CHECK(eq.send(CtpSend{.dst_cna = 2, .ta = small}));
  CHECK(eq.send(CtpSend{.dst_cna = 3, .ta = small}));
  auto full = eq.send(CtpSend{.dst_cna = 2, .ta = small});
  REQUIRE_FALSE(full);
  CHECK(full.error().error.field == "tx_queue_limit");
}

TEST_CASE("CTP config validation names the field", "[tp][ctp]") {
  CHECK(validate(config(1)));
  auto field_of = [](const CtpConfig& c) {
    auto st = validate(c);
    REQUIRE_FALSE(st);
    return std::string{st.error().field};
  };
  CtpConfig c = config(1);
  c.mtu = 1000;
  CHECK(field_of(c) == "mtu");
  c = config(0x10000);
  CHECK(field_of(c) == "local_cna");
  c = config(0x10000, CtpNth::Cna24);
  CHECK(validate(c));
  c = config(1);
  c.tx_queue_limit = 0;
  CHECK(field_of(c) == "tx_queue_limit");
  c = config(1);
  c.cc.line_rate_bps = 0;
  CHECK(field_of(c) == "cc.line_rate_bps");
}

TEST_CASE("CTP data goes straight up and a FECN-marked one raises one CNP per interval",
          "[tp][ctp][spec:§6.7.2][spec:§6.6.2]") {
  CtpConfig cfg = config(0x22);
  cfg.cc.dcqcn_cnp_interval = 50_us;
  CtpEndpoint rx(cfg);
  auto cnps = [&](Time now) {
    std::vector<CtpOut> v;
    while (auto o = rx.poll_transmit(now)) {
      v.push_back(std::move(*o));
    }
    return v;
  };

  // Unmarked (FECN 10): delivered, no CNP.
  deliver_data(rx, 0x11, 0, fecn_cci(nl::fecn::kNone), 0_us, 4);
  auto d = rx.poll_deliver();
  REQUIRE(d);
  CHECK(d->src_cna == 0x11);
  CHECK(d->vl == 0);
  CHECK(d->sl == 4);
  CHECK(d->nlp == ctph_nlp::kTah);
  CHECK(d->ta == pattern(40));
  CHECK(cnps(0_us).empty());

  // Severe at t = 1 us: one CNP, ECN 3 with the Loc.
  deliver_data(rx, 0x11, 0, fecn_cci(nl::fecn::kSevere, true), 1_us);
  auto v = cnps(1_us);
  REQUIRE(v.size() == 1);
  auto cnp = Codec<CnpCetph>::decode(std::span<const Byte>(v[0].tp).subspan(1));
  REQUIRE(cnp);
  CHECK(cnp->ecn == 3);
  CHECK(cnp->loc);

  // Within the interval from the same (source, VL): suppressed, still delivered.
  deliver_data(rx, 0x11, 0, fecn_cci(nl::fecn::kMild), 30_us);
  CHECK(cnps(30_us).empty());
  CHECK(rx.counters().cnps_suppressed == 1);
  // Another source, or the same source on another VL: their own limits.
  deliver_data(rx, 0x12, 0, fecn_cci(nl::fecn::kMild), 30_us);
  deliver_data(rx, 0x11, 1, fecn_cci(nl::fecn::kMild), 30_us);
  v = cnps(30_us);
  REQUIRE(v.size() == 2);
  CHECK(v[0].dst_cna == 0x12);
  CHECK(v[1].dst_cna == 0x11);
  CHECK(v[1].vl == 1);
  cnp = Codec<CnpCetph>::decode(std::span<const Byte>(v[0].tp).subspan(1));
  REQUIRE(cnp);
  CHECK(cnp->ecn == 1); // mild

  // After the interval: allowed again.
  deliver_data(rx, 0x11, 0, fecn_cci(nl::fecn::kMild), 51_us);
  CHECK(cnps(51_us).size() == 1);

  CHECK(rx.counters().data_received == 6);
  CHECK(rx.counters().marked_received == 5);
  CHECK(rx.counters().cnps_sent == 4);
  int delivered = 0;
  while (rx.poll_deliver()) {
    ++delivered;
  }
  CHECK(delivered == 5); // the first was taken above
}

TEST_CASE("CTP CNP lowers the rate of its (destination, VL) and no other",
          "[tp][ctp][spec:§6.6.2]") {
  CtpEndpoint a(config(1));
  const auto ta = pattern(100);
  for (const auto& [dst, vl] : {std::pair{2U, 0}, std::pair{2U, 1}, std::pair{3U, 0}}) {
    REQUIRE(a.send(CtpSend{.dst_cna = dst, .vl = static_cast<std::uint8_t>(vl), .ta = ta}));
  }
  while (a.poll_transmit(0_us)) {
  }
  REQUIRE(a.limiter_count() == 3);
  for (const auto* l : {a.limiter(2, 0), a.limiter(2, 1), a.limiter(3, 0)}) {
    REQUIRE(l != nullptr);
    CHECK(l->rate_bps() == kLine);
  }
  a.on_receive(CtpIn{2, 0, 0, nl::Cci{}, cnp_bytes(3)}, 10_us);
  CHECK(a.counters().cnps_received == 1);
  CHECK(a.limiter(2, 0)->rate_bps() == kLine / 2); // alpha 1, severe: Rc (1 - 1/2)
  CHECK(a.limiter(2, 1)->rate_bps() == kLine);
  CHECK(a.limiter(3, 0)->rate_bps() == kLine);

  // A mild CNP for (3, 0): a smaller cut, and only there.
  a.on_receive(CtpIn{3, 0, 0, nl::Cci{}, cnp_bytes(1)}, 10_us);
  CHECK(a.limiter(3, 0)->rate_bps() == kLine * 3 / 4);
  CHECK(a.limiter(2, 1)->rate_bps() == kLine);

  // The DCQCN timers: next_timeout is the first K/T expiry, and on_timeout raises the rate.
  CHECK(a.next_timeout() == 10_us + 55_us);
  const auto before = a.limiter(2, 0)->rate_bps();
  a.on_timeout(65_us);
  CHECK(a.limiter(2, 0)->rate_bps() > before);

  // With congestion control off, a CNP is counted and changes nothing.
  CtpConfig off = config(1);
  off.congestion_control = false;
  CtpEndpoint b(off);
  REQUIRE(b.send(CtpSend{.dst_cna = 2, .ta = ta}));
  auto o = b.poll_transmit(0_us);
  REQUIRE(o);
  CHECK(o->cci == nl::Cci{}); // all clear: no switch marks it
  b.on_receive(CtpIn{2, 0, 0, nl::Cci{}, cnp_bytes(3)}, 1_us);
  CHECK(b.counters().cnps_ignored == 1);
  CHECK(b.limiter_count() == 0);
  CHECK(b.next_timeout() == kNever);
}

TEST_CASE("CTP pacing: after a CNP, N packets to one destination take N x size / rate",
          "[tp][ctp][spec:§6.6.2]") {
  CtpConfig cfg = config(1);
  cfg.cc.dcqcn_k = 1'000_ms; // no recovery during the test
  cfg.cc.dcqcn_t = 1'000_ms;
  CtpEndpoint a(cfg);
  const auto ta = pattern(1000);
  REQUIRE(a.send(CtpSend{.dst_cna = 2, .ta = ta}));
  REQUIRE(a.poll_transmit(0_us));
  a.on_receive(CtpIn{2, 0, 0, nl::Cci{}, cnp_bytes(3)}, 1_us);
  const std::uint64_t rate = a.limiter(2, 0)->rate_bps();
  REQUIRE(rate == kLine / 2);

  constexpr int kN = 20;
  for (int i = 0; i < kN; ++i) {
    REQUIRE(a.send(CtpSend{.dst_cna = 2, .ta = ta}));
    REQUIRE(a.send(CtpSend{.dst_cna = 3, .ta = ta})); // unthrottled neighbour
  }
  std::vector<Time> to2, to3;
  Time t = 2_us;
  std::uint32_t size = 0;
  for (int guard = 0; guard < 10'000 && a.queued() > 0; ++guard) {
    while (auto o = a.poll_transmit(t)) {
      (o->dst_cna == 2 ? to2 : to3).push_back(t);
      size = static_cast<std::uint32_t>(o->tp.size() + 4);
    }
    const Time next = a.next_timeout();
    REQUIRE(next > t); // something paced, nothing sendable left behind
    t = next;
  }
  REQUIRE(to2.size() == kN);
  REQUIRE(to3.size() == kN);
  // The neighbour's packets were never held back: all went at the first poll.
  CHECK(to3.back() == 2_us);
  const Time per_packet = BitRate{rate}.time_for_bits(std::uint64_t{size} * 8);
  CHECK(to2.back() - to2.front() >= (kN - 1) * per_packet);
  CHECK(to2.back() - to2.front() <= (kN - 1) * per_packet + Time{kN}); // rounding, 1 ps each
  // The next one may not go before the N packets' time has passed.
  REQUIRE(a.send(CtpSend{.dst_cna = 2, .ta = ta}));
  CHECK_FALSE(a.poll_transmit(to2.front() + kN * per_packet - 1_ns));
  CHECK(a.next_timeout() >= to2.front() + kN * per_packet - Time{kN});
}

TEST_CASE("CTP per-flow LB keeps one LBF per destination, per-packet varies it",
          "[tp][ctp][spec:§6.5.2]") {
  const auto ta = pattern(16);
  {
    CtpEndpoint a(config(1));
    std::map<std::uint32_t, std::set<std::uint8_t>> seen;
    for (int i = 0; i < 10; ++i) {
      for (std::uint32_t dst = 1; dst <= 16; ++dst) {
        REQUIRE(a.send(CtpSend{.dst_cna = dst, .ta = ta}));
      }
    }
    while (auto o = a.poll_transmit(0_us)) {
      seen[o->dst_cna].insert(o->lbf);
    }
    std::set<std::uint8_t> bases;
    for (const auto& [dst, lbfs] : seen) {
      CHECK(lbfs.size() == 1);
      CHECK(*lbfs.begin() == a.flow_lbf(dst));
      bases.insert(*lbfs.begin());
    }
    CHECK(seen.size() == 16);
    CHECK(bases.size() >= 12); // destinations spread over the LBF space
  }
  {
    CtpConfig c = config(1);
    c.lb = CtpLb::PerPacket;
    CtpEndpoint a(c);
    for (int i = 0; i < 32; ++i) {
      REQUIRE(a.send(CtpSend{.dst_cna = 2, .ta = ta}));
    }
    std::vector<std::uint8_t> lbfs;
    while (auto o = a.poll_transmit(0_us)) {
      lbfs.push_back(o->lbf);
    }
    REQUIRE(lbfs.size() == 32);
    CHECK(std::set<std::uint8_t>(lbfs.begin(), lbfs.end()).size() == 32);
    for (std::size_t i = 1; i < lbfs.size(); ++i) {
      CHECK(lbfs[i] != lbfs[i - 1]);
    }
  }
}

TEST_CASE("CTP malformed input is counted and dropped", "[tp][ctp][spec:§6.2.1][spec:§6.2.2]") {
  auto cnp = cnp_bytes(3);
  std::vector<Byte> ecn2 = cnp;
  ecn2[1] = 0x80; // ECN 10: reserved
  std::vector<Byte> cnp_long = cnp;
  cnp_long.insert(cnp_long.begin() + 17, {0, 0, 0, 0});       // 4 more bytes: aligned, too long
  std::vector<Byte> cnp_short(cnp.begin(), cnp.begin() + 16); // 8 + 16: aligned, CETPH cut
  cnp_short[0] = 0x40;                                        // Padding 0
  struct Case {
    const char* name;
    std::vector<Byte> tp;
    std::uint32_t src = 0x11;
  };
  const std::vector<Case> cases{
      {"empty", {}},
      {"TPOpcode 2", {0x80, 0, 0, 0}},
      {"TPOpcode 3", {0xC0, 0, 0, 0}},
      {"data NLP 4", {0x04, 0, 0, 0}},
      {"length not 4-aligned with the NTH", {0x00, 0, 0}},
      {"CNP ECN 2", ecn2},
      {"CNP with extra bytes", cnp_long},
      {"CNP cut short", cnp_short},
      {"source beyond 16 bits", {0x00, 0, 0, 0}, 0x10000},
  };
  CtpEndpoint rx(config(0x22));
  std::uint64_t n = 0;
  for (const auto& c : cases) {
    CAPTURE(c.name);
    rx.on_receive(CtpIn{c.src, 0, 0, fecn_cci(nl::fecn::kSevere), c.tp}, 1_us);
    CHECK(rx.counters().malformed == ++n);
    CHECK_FALSE(rx.poll_deliver());
    CHECK_FALSE(rx.poll_transmit(1_us));
  }
  CHECK(rx.counters().data_received == 0);
  CHECK(rx.counters().cnps_received == 0);
  CHECK(rx.limiter_count() == 0);
  // CFG 7 (10-byte NTH): 2 bytes align, and then a Padding of 3 is more than there is.
  CtpEndpoint rx7(config(0x22, CtpNth::Cna24));
  rx7.on_receive(CtpIn{0x11, 0, 0, nl::Cci{}, std::vector<Byte>{0x30, 0}}, 1_us);
  CHECK(rx7.counters().malformed == 1);
  rx7.on_receive(CtpIn{0x11, 0, 0, nl::Cci{}, std::vector<Byte>{0x10, 0}}, 1_us); // Padding 1
  CHECK(rx7.counters().malformed == 1);
  CHECK(rx7.counters().data_received == 1);
  // The same shapes done right are accepted: the checks above are not blanket refusals.
  rx.on_receive(CtpIn{0x11, 0, 0, nl::Cci{}, std::vector<Byte>{0x00, 0, 0, 0}}, 1_us);
  rx.on_receive(CtpIn{0x11, 0, 0, nl::Cci{}, cnp}, 1_us);
  CHECK(rx.counters().malformed == n);
  CHECK(rx.counters().data_received == 1);
  CHECK(rx.counters().cnps_received == 1);
}

namespace {

// Two CTP ends, A -> B (100 Gbit/s link), through a bottleneck queue that serves at 40 Gbit/s and
// FECN-marks on dequeue (RED on the queue depth, Kmin 20 KB, Kmax 80 KB, Pmax 0.2); B's CNPs
// return to A over an uncongested path. 1 us propagation each way; DCQCN at its defaults
// (CcParams: CNP interval 50 us, K = T = 55 us). A keeps 16 operations of 1000 TA bytes queued.
struct LoopResult {
  std::uint64_t delivered = 0;
  bool in_order = true;
  std::uint64_t max_queue = 0;
  std::uint64_t min_rate = kLine;
  std::uint64_t cnps = 0;
  Time finish{};
};

LoopResult run_bottleneck(bool cc_on) {
  constexpr std::uint64_t kBottleneck = 40'000'000'000ULL;
  constexpr std::uint32_t kPackets = 6000;
  constexpr Time kProp = 1_us;
  CtpConfig ca = config(1);
  ca.mtu = 1024;
  ca.congestion_control = cc_on;
  CtpConfig cb = ca;
  cb.local_cna = 2;
  CtpEndpoint a(ca);
  CtpEndpoint b(cb);
  RedParams red{};
  red.kmin_bytes = 20'000;
  red.kmax_bytes = 80'000;
  red.pmax = 0.2;
  Rng rng(7);

  std::multimap<std::pair<Time, std::uint64_t>, std::function<void(Time)>> events;
  std::uint64_t seq = 0;
  auto at = [&](Time t, std::function<void(Time)> f) { events.emplace(std::pair{t, seq++}, f); };

  LoopResult r{};
  std::deque<CtpOut> queue;
  std::uint64_t qbytes = 0;
  bool serving = false;
  Time a_free{0};
  Time wake_at = kNever;
  std::uint32_t next_msg = 0;
  std::uint32_t expect = 0;
  auto size_of = [](const CtpOut& o) { return std::uint64_t{o.tp.size()} + 8 + 4; };

  std::function<void(Time)> wake_a;
  auto schedule_wake = [&](Time t) {
    if (t < wake_at) {
      wake_at = t;
      at(t, [&](Time now) {
        if (now == wake_at) {
          wake_at = kNever;
          wake_a(now);
        }
      });
    }
  };
  std::function<void(Time)> serve = [&](Time t) {
    if (serving || queue.empty()) {
      return;
    }
    CtpOut o = std::move(queue.front());
    queue.pop_front();
    qbytes -= size_of(o);
    (void)fecn_on_dequeue(o.cci, qbytes, true, red, rng);
    serving = true;
    const Time done = t + BitRate{kBottleneck}.time_for_bits(size_of(o) * 8);
    at(done, [&](Time now) {
      serving = false;
      serve(now);
    });
    at(done + kProp, [&, o = std::move(o)](Time now) {
      b.on_receive(CtpIn{1, o.vl, o.sl, o.cci, o.tp}, now);
      while (auto d = b.poll_deliver()) {
        const std::uint32_t i = (std::uint32_t{d->ta[0]} << 8U) | d->ta[1];
        r.in_order = r.in_order && i == expect;
        ++expect;
        ++r.delivered;
        if (r.delivered == kPackets) {
          r.finish = now;
        }
      }
      while (auto c = b.poll_transmit(now)) {
        ++r.cnps;
        at(now + kProp, [&, c = std::move(*c)](Time t2) {
          a.on_receive(CtpIn{2, c.vl, c.sl, c.cci, c.tp}, t2);
          if (const auto* l = a.limiter(2, 0)) {
            r.min_rate = std::min(r.min_rate, l->rate_bps());
          }
          schedule_wake(t2);
        });
      }
    });
  };
  wake_a = [&](Time t) {
    a.on_timeout(t);
    while (next_msg < kPackets && a.queued() < 16) {
      auto ta = pattern(1000, next_msg);
      ta[0] = static_cast<Byte>(next_msg >> 8U);
      ta[1] = static_cast<Byte>(next_msg);
      REQUIRE(a.send(CtpSend{.dst_cna = 2, .ta = ta}));
      ++next_msg;
    }
    if (t >= a_free) {
      if (auto o = a.poll_transmit(t)) {
        const Time ser = BitRate{kLine}.time_for_bits(size_of(*o) * 8);
        a_free = t + ser;
        at(a_free + kProp, [&, o = std::move(*o)](Time now) mutable {
          qbytes += size_of(o);
          queue.push_back(std::move(o));
          r.max_queue = std::max(r.max_queue, qbytes);
          serve(now);
        });
      }
    }
    Time next = a.next_timeout();
    if (a.queued() > 0) {
      next = std::max(next, a_free);
    }
    if (next != kNever) {
      schedule_wake(std::max(next, t + 1_ns));
    }
  };

  schedule_wake(Time{0});
  std::uint64_t steps = 0;
  while (!events.empty() && r.delivered < kPackets && ++steps < 2'000'000) {
    auto it = events.begin();
    const Time t = it->first.first;
    auto f = std::move(it->second);
    events.erase(it);
    f(t);
  }
  return r;
}

} // namespace

TEST_CASE("CTP sender slows down behind a FECN-marking bottleneck",
          "[tp][ctp][spec:§6.6.2][spec:§5.3.5.2]") {
  const LoopResult with = run_bottleneck(true);
  const LoopResult without = run_bottleneck(false);
  CAPTURE(with.max_queue, without.max_queue, with.min_rate, with.cnps, to_us(with.finish),
          to_us(without.finish));
  // Everything arrives, in order (one path, no loss), in both runs.
  CHECK(with.delivered == 6000);
  CHECK(without.delivered == 6000);
  CHECK(with.in_order);
  CHECK(without.in_order);
  // With CTP congestion control the marks come back as CNPs and the (B, VL 0) rate falls well
  // below the line rate, so the bottleneck queue stays far below the uncontrolled one.
  CHECK(with.cnps > 0);
  CHECK(with.min_rate < kLine / 2);
  CHECK(with.max_queue * 4 < without.max_queue);
  // Without it nothing is markable: no CNP at all.
  CHECK(without.cnps == 0);
  // Both are bounded below by the bottleneck: 6000 packets of 1,016 bytes (NTH 8, CTPH 1, TA
  // 1000, padding 3, ICRC 4) at 40 Gbit/s.
  CHECK(with.finish >= BitRate{40'000'000'000ULL}.time_for_bits(6000ULL * 1016 * 8));
}
