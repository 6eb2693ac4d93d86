// Congestion control of the transport layer: the window framework and LDCP (§6.6.1.1), CAQM
// (§6.6.1.3, §5.3.5.3), DCQCN via CNP (§6.6.1.2, §6.2.2), FECN marking (§5.3.5.2) and the
// factories. Every expected value is worked out by hand in the comments from the rules in the
// headers (design note §10); the defaults of CcParams are used unless a test says otherwise.
#include <cstdint>
#include <initializer_list>
#include <limits>
#include <optional>
#include <variant>

#include <catch2/catch.hpp>

#include "protocol/tp/cc/caqm.hpp"
#include "protocol/tp/cc/dcqcn.hpp"
#include "protocol/tp/cc/ldcp.hpp"
#include "protocol/tp/cc/switch_marking.hpp"
#include "protocol/tp/congestion.hpp"

using namespace ub;
using namespace ub::tp;
using namespace ub::literals;

namespace {

constexpr std::uint32_t kPkt = 4096; // a packet of 4096 TP bytes is 2048 Sequence units

CcSent sent(std::uint32_t bytes, bool retransmission = false) {
  return CcSent{0, bytes, retransmission};
}

CcAck ldcp_ack(std::uint32_t ack_seq, std::uint32_t ce_seq) {
  CcAck a{};
  a.ldcp = CetphLdcp{ack_seq, ce_seq};
  return a;
}

CcAck caqm_ack(std::uint8_t c, bool i, std::uint16_t hint, std::uint32_t ack_seq = 0,
               std::optional<Time> rtt = std::nullopt) {
  CcAck a{};
  CetphCaqm h{};
  h.ack_seq = ack_seq;
  h.c = c;
  h.i = i;
  h.hint = hint;
  a.caqm = h;
  a.rtt_sample = rtt;
  return a;
}

nl::Cci caqm_cci(bool c, bool i, std::uint8_t hint, bool loc = false) {
  nl::Cci x{};
  x.mode = nl::cci_mode::kCaqm;
  x.enable = true;
  x.c = c;
  x.i = i;
  x.hint = hint;
  x.loc = loc;
  return x;
}

nl::Cci fecn_cci(std::uint8_t fecn, bool loc = false, std::uint8_t mode = nl::cci_mode::kFecn) {
  nl::Cci x{};
  x.mode = mode;
  x.fecn = fecn;
  x.loc = loc;
  return x;
}

CnpCetph cnp(std::uint8_t ecn) {
  CnpCetph c{};
  c.ecn = ecn;
  return c;
}

Approx exact(double v) {
  return Approx(v).epsilon(1e-12);
}

} // namespace

// ---- framework (§6.6.1.1.2) ----

TEST_CASE("window framework: inflight is data_size_sent minus Ack_Seq in Sequence units",
          "[tp][cc][window][spec:§6.6.1.1]") {
  CcWindow w;
  // 4201 bytes round up to 2101 units; three packets make 6303.
  for (int k = 0; k < 3; ++k) {
    w.on_sent(4201);
  }
  CHECK(w.data_size_sent() == 6303);
  CHECK(w.inflight() == 6303);
  CHECK(w.on_ack_seq(2101) == 2101); // data_size_recvd := Ack_Seq
  CHECK(w.data_size_recvd() == 2101);
  CHECK(w.inflight() == 4202);
  // A reordered older ACK does not move data_size_recvd back.
  CHECK(w.on_ack_seq(1000) == 0);
  CHECK(w.inflight() == 4202);
  // A TPNAK-CC echoing the same total acknowledges nothing new.
  CHECK(w.on_ack_seq(2101) == 0);

  // aval_win = cw - inflight >= size: 2 x (4202 + 2101) = 12606 bytes needed.
  CHECK(w.fits(12606, 4201));
  CHECK_FALSE(w.fits(12605, 4201));
}

TEST_CASE("window framework: go-back-N rollback, selective resend and timeout",
          "[tp][cc][window][spec:§6.6.1.1]") {
  CcWindow w;
  for (int k = 0; k < 4; ++k) {
    w.on_sent(kPkt); // 4 x 2048 = 8192 units
  }
  w.on_ack_seq(2048);
  REQUIRE(w.inflight() == 6144);

  SECTION("GBN: data_size_sent falls back to the TPNAK-CC's Ack_Seq, inflight 0") {
    w.on_loss(CcLossKind::GbnRollback, 0, 2048);
    CHECK(w.data_size_sent() == 2048);
    CHECK(w.inflight() == 0);
    // The resent packets count again as they go.
    w.on_sent(kPkt);
    w.on_sent(kPkt);
    CHECK(w.inflight() == 4096);
    // A TPNAK-CC reporting more than we had seen moves data_size_recvd too: still inflight 0.
    w.on_loss(CcLossKind::GbnRollback, 0, 4096);
    CHECK(w.data_size_recvd() == 4096);
    CHECK(w.inflight() == 0);
  }
  SECTION("selective: the resent packet's units leave data_size_sent") {
    w.on_loss(CcLossKind::SelectiveResend, kPkt, 0);
    CHECK(w.data_size_sent() == 6144);
    CHECK(w.inflight() == 4096);
    // Resending more than is in flight stops at data_size_recvd.
    w.on_loss(CcLossKind::SelectiveResend, 5 * kPkt, 0);
    CHECK(w.inflight() == 0);
    CHECK(w.data_size_recvd() == 2048);
  }
  SECTION("timeout: inflight 0 until the next -CC ACK, then normal accounting") {
    w.on_loss(CcLossKind::Timeout, 0, 0);
    CHECK(w.inflight() == 0);
    w.on_sent(kPkt); // the retransmission
    CHECK(w.inflight() == 2048);
    // A late ACK for data sent before the timeout runs past data_size_sent: it pulls
    // data_size_sent up instead of making inflight negative.
    CHECK(w.on_ack_seq(6144) == 4096);
    CHECK(w.data_size_sent() == 6144);
    CHECK(w.inflight() == 0);
  }
}

TEST_CASE("window framework: counters wrap modulo 2^32", "[tp][cc][window][spec:§6.6.1.1]") {
  CcWindow w;
  w.on_sent(0xFFFF'FFFE); // 0x7FFFFFFF units
  w.on_sent(0xFFFF'FFFE); // data_size_sent = 0xFFFFFFFE
  w.on_ack_seq(0x7FFF'FFFF);
  w.on_ack_seq(0xFFFF'FFFE);
  REQUIRE(w.inflight() == 0);
  w.on_sent(4); // 2 units: data_size_sent wraps to 0
  CHECK(w.data_size_sent() == 0);
  CHECK(w.inflight() == 2);
  CHECK(w.on_ack_seq(0) == 2); // 0 is after 0xFFFFFFFE in serial order
  CHECK(w.inflight() == 0);
}

TEST_CASE("window framework: a packet may go when nothing is in flight, even above cw",
          "[tp][cc][window]") {
  CcWindow w;
  CHECK(w.fits(4096, 4200)); // 4200 > cw, but inflight is 0
  w.on_sent(4200);
  CHECK_FALSE(w.fits(4096, 4200));
}

// ---- LDCP ----

TEST_CASE("LDCP: stamps FECN-markable and counts inflight from CETPH Ack_Seq",
          "[tp][cc][ldcp][spec:§6.6.1.1]") {
  Ldcp l{CcParams{}};
  nl::Cci cci = caqm_cci(true, true, 9); // leftovers must be cleared
  l.stamp(cci, sent(kPkt), 0_ns);
  CHECK(cci.mode == nl::cci_mode::kFecn);
  CHECK(cci.fecn == nl::fecn::kNone);
  CHECK_FALSE(cci.loc);
  CHECK_FALSE(cci.c);
  CHECK(cci.hint == 0);

  CHECK(l.window_bytes() == 40960); // 10 MTU
  for (int k = 0; k < 5; ++k) {
    REQUIRE(l.can_send(kPkt));
    l.on_sent(sent(kPkt), 0_ns);
  }
  CHECK(l.inflight_units() == 10240);
  // 2 x (10240 + 2048) = 24576 <= 40960: still room.
  CHECK(l.can_send(kPkt));
  // An ACK without CETPH (plain form) changes nothing.
  l.on_ack(CcAck{}, 1_us);
  CHECK(l.inflight_units() == 10240);
  l.on_ack(ldcp_ack(4096, 0), 1_us);
  CHECK(l.inflight_units() == 6144);
  l.on_loss(CcLossKind::GbnRollback, 0, 4096, 2_us);
  CHECK(l.inflight_units() == 0);
  CHECK(l.rate_bps() == 0);
  CHECK(l.next_timer() == kNever);
}

TEST_CASE("LDCP: slow start, one cut per marked window, additive increase after",
          "[tp][cc][ldcp][spec:§6.6.1.1]") {
  Ldcp l{CcParams{}};
  for (int k = 0; k < 4; ++k) {
    l.on_sent(sent(kPkt), 0_ns); // data_size_sent 8192
  }
  // ACK 1 closes the first observation window (it began at data_size_sent 0).
  // Slow start: cw 40960 + 4096 acked bytes = 45056. F = 0: alpha = 15/16 x 1 = 0.9375.
  l.on_ack(ldcp_ack(2048, 0), 1_us);
  CHECK(l.window_bytes() == 45056);
  CHECK(l.alpha() == exact(0.9375));
  // The next window runs until Ack_Seq reaches 8192.
  // ACK 2 reports 2048 marked units: no slow-start growth, no cut yet.
  l.on_ack(ldcp_ack(4096, 2048), 2_us);
  CHECK(l.window_bytes() == 45056);
  // ACK 3, unmarked: slow start adds 4096 -> 49152.
  l.on_ack(ldcp_ack(6144, 2048), 3_us);
  CHECK(l.window_bytes() == 49152);
  // ACK 4, unmarked: 53248, and the window closes: F = 2048 / 6144 = 1/3,
  // alpha = 15/16 x 0.9375 + 1/16 x 1/3 = 0.89973958..., cw = 53248 x (1 - alpha/2) = 29293.33.
  l.on_ack(ldcp_ack(8192, 2048), 4_us);
  CHECK(l.alpha() == exact(0.87890625 + 1.0 / 48));
  CHECK(l.window_bytes() == 29293);
  CHECK(l.ssthresh_bytes() == exact(53248 * (1 - (0.87890625 + 1.0 / 48) / 2)));

  // Congestion avoidance: a window without marks adds one MTU at its end, not per ACK.
  l.on_sent(sent(kPkt), 5_us);
  l.on_sent(sent(kPkt), 5_us);               // data_size_sent 12288
  l.on_ack(ldcp_ack(10240, 2048), 6_us);     // closes the window that ran to 8192
  CHECK(l.window_bytes() == 33389);          // 29293.33 + 4096
  CHECK(l.alpha() == exact(0.843505859375)); // x 15/16
  l.on_ack(ldcp_ack(11264, 2048), 7_us);     // window runs to 12288: no change yet
  CHECK(l.window_bytes() == 33389);
  l.on_ack(ldcp_ack(12288, 2048), 8_us);
  CHECK(l.window_bytes() == 37485);
}

TEST_CASE("LDCP: cw stays within 1 and 64 MTU", "[tp][cc][ldcp]") {
  SECTION("slow start stops at cw_max") {
    Ldcp l{CcParams{}};
    for (int k = 0; k < 100; ++k) {
      l.on_sent(sent(kPkt), 0_ns);
    }
    l.on_ack(ldcp_ack(200'000, 0), 1_us); // +400000 bytes
    CHECK(l.window_bytes() == 64 * 4096);
  }
  SECTION("marks every window drive cw to cw_min and no lower") {
    Ldcp l{CcParams{}};
    std::uint32_t seq = 0;
    for (int k = 0; k < 40; ++k) {
      l.on_sent(sent(kPkt), 0_ns);
      seq += 2048;
      l.on_ack(ldcp_ack(seq, seq), 1_us); // everything marked
    }
    CHECK(l.window_bytes() == 4096);
    CHECK(l.alpha() == exact(1.0));
    // At cw_min a full packet (larger than one MTU) still goes when nothing is in flight.
    CHECK(l.can_send(4200));
    l.on_sent(sent(4200), 2_us);
    CHECK_FALSE(l.can_send(4200));
  }
}

TEST_CASE("LDCP receiver: Ack_Seq and Ce_Seq count accepted units only",
          "[tp][cc][ldcp][spec:§6.6.1.1]") {
  LdcpFeedback f;
  f.on_data(fecn_cci(nl::fecn::kNone), kPkt, true, 0_ns);    // +2048
  f.on_data(fecn_cci(nl::fecn::kMild), 4201, true, 0_ns);    // +2101, marked
  f.on_data(fecn_cci(nl::fecn::kSevere), kPkt, false, 0_ns); // duplicate: nothing
  f.on_data(fecn_cci(nl::fecn::kSevere, false, nl::cci_mode::kFecnRtt), 100, true, 0_ns); // +50
  f.on_data(caqm_cci(true, false, 0), 10, true, 0_ns); // +5, CAQM C = 1 counts
  auto h = f.make_cetph();
  REQUIRE(h.has_value());
  REQUIRE(std::holds_alternative<CetphLdcp>(*h));
  CHECK(std::get<CetphLdcp>(*h).ack_seq == 2048 + 2101 + 50 + 5);
  CHECK(std::get<CetphLdcp>(*h).ce_seq == 2101 + 50 + 5);
  // Cumulative: the next ACK repeats the totals.
  auto h2 = f.make_cetph();
  CHECK(std::get<CetphLdcp>(*h2).ack_seq == 4204);
  CHECK_FALSE(f.take_cnp(0_ns).has_value());
}

// ---- CAQM ----

TEST_CASE("CAQM sender: the four rows of Table 6-11", "[tp][cc][caqm][spec:§6.6.1.3]") {
  Caqm q{CcParams{}};
  REQUIRE(q.cw() == exact(40960));
  // C = 0, I = 1: cw += Hint x 32.
  q.on_ack(caqm_ack(0, true, 10), 1_us);
  CHECK(q.cw() == exact(41280));
  CHECK(q.slow_start());
  // C = 0, I = 0: no change (but the refusal ends slow start).
  q.on_ack(caqm_ack(0, false, 50), 2_us);
  CHECK(q.cw() == exact(41280));
  CHECK_FALSE(q.slow_start());
  // C > 0, I = 0: cw -= C x 0.5 x 4096.
  q.on_ack(caqm_ack(2, false, 50), 3_us);
  CHECK(q.cw() == exact(41280 - 4096));
  // C > 0, I = 1: both: + 4 x 32, then - 1 x 2048.
  q.on_ack(caqm_ack(1, true, 4), 4_us);
  CHECK(q.cw() == exact(37184 + 128 - 2048));
  // The decrease stops at one MTU.
  q.on_ack(caqm_ack(255, false, 0), 5_us);
  CHECK(q.window_bytes() == 4096);
  // An ACK without CETPH_CAQM is ignored.
  q.on_ack(CcAck{}, 6_us);
  CHECK(q.window_bytes() == 4096);
}

TEST_CASE("CAQM sender: stamping requests and the theta timer", "[tp][cc][caqm]") {
  Caqm q{CcParams{}};
  nl::Cci cci = fecn_cci(nl::fecn::kSevere, true);
  // Slow start: one MTU per packet, 4096 / 32 = 128 units; C cleared, Loc cleared.
  q.stamp(cci, sent(kPkt), 0_ns);
  CHECK(cci.mode == nl::cci_mode::kCaqm);
  CHECK(cci.enable);
  CHECK_FALSE(cci.c);
  CHECK_FALSE(cci.loc);
  CHECK(cci.fecn == 0);
  CHECK(cci.i);
  CHECK(cci.hint == 128);
  // A retransmission asks for nothing.
  q.stamp(cci, sent(kPkt, true), 0_ns);
  CHECK(cci.enable);
  CHECK_FALSE(cci.i);
  CHECK(cci.hint == 0);

  // A refusal with an RTT sample of 2 us: congestion avoidance, timer at now + 10 x 2 us.
  q.on_ack(caqm_ack(0, false, 0, 0, 2_us), 100_us);
  CHECK_FALSE(q.slow_start());
  CHECK(q.next_timer() == 120_us);
  // Congestion avoidance: 0.5 x 4096 x 4096 / 40960 = 204.8 bytes per packet; the part below a
  // 32-byte unit carries: 204.8 -> 6 units (12.8 left), 217.6 -> 6 (25.6), 230.4 -> 7 (6.4).
  q.stamp(cci, sent(kPkt), 101_us);
  CHECK(cci.hint == 6);
  CHECK(cci.i);
  q.stamp(cci, sent(kPkt), 101_us);
  CHECK(cci.hint == 6);
  q.stamp(cci, sent(kPkt), 101_us);
  CHECK(cci.hint == 7);

  // A later C > 0 ACK re-arms; RTT is the smallest sample (2 us, not 3 us).
  q.on_ack(caqm_ack(1, false, 0, 0, 3_us), 110_us);
  CHECK(q.next_timer() == 130_us);
  q.on_timer(129_us);
  CHECK_FALSE(q.slow_start());
  q.on_timer(130_us);
  CHECK(q.slow_start());
  CHECK(q.next_timer() == kNever);
  q.stamp(cci, sent(kPkt), 131_us);
  CHECK(cci.hint == 128);
}

TEST_CASE("CAQM sender: a one-MTU request saturates the 8-bit Hint", "[tp][cc][caqm]") {
  CcParams p{};
  p.mtu = 16384; // 512 units of 32 bytes
  Caqm q{p};
  nl::Cci cci{};
  q.stamp(cci, sent(p.mtu), 0_ns);
  CHECK(cci.hint == 255);
}

TEST_CASE("CAQM sender: the window framework applies", "[tp][cc][caqm][spec:§6.6.1.1]") {
  Caqm q{CcParams{}};
  for (int k = 0; k < 10; ++k) {
    q.on_sent(sent(kPkt), 0_ns);
  }
  CHECK(q.inflight_units() == 20480);
  CHECK_FALSE(q.can_send(kPkt)); // 2 x (20480 + 2048) > 40960
  q.on_ack(caqm_ack(0, false, 0, 4096), 1_us);
  CHECK(q.inflight_units() == 16384);
  CHECK(q.can_send(kPkt)); // 2 x (16384 + 2048) = 36864
  q.on_loss(CcLossKind::Timeout, 0, 0, 2_us);
  CHECK(q.inflight_units() == 0);
}

TEST_CASE("CAQM receiver: aggregation counts C, ORs I and sums Hint, then resets",
          "[tp][cc][caqm][spec:§6.6.1.3]") {
  CaqmFeedback f;
  f.on_data(caqm_cci(false, true, 5), kPkt, true, 0_ns);
  f.on_data(caqm_cci(false, true, 7), kPkt, true, 0_ns);
  f.on_data(caqm_cci(true, false, 3, true), kPkt, true, 0_ns);
  f.on_data(caqm_cci(false, false, 9), kPkt, true, 0_ns);   // I = 0: Hint ignored
  f.on_data(caqm_cci(true, true, 2), kPkt, false, 0_ns);    // C = 1: Hint ignored
  f.on_data(fecn_cci(nl::fecn::kSevere), kPkt, true, 0_ns); // not CAQM: ignored
  CHECK(f.pending_packets() == 5);
  auto h = f.make_cetph();
  REQUIRE(h.has_value());
  REQUIRE(std::holds_alternative<CetphCaqm>(*h));
  const auto a = std::get<CetphCaqm>(*h);
  CHECK(a.c == 2);
  CHECK(a.i);
  CHECK(a.hint == 12);
  CHECK(a.loc);
  CHECK(a.ack_seq == 5 * 2048); // the not-accepted packet is not received data
  // Reset: an ACK with nothing new reports no change.
  const auto b = std::get<CetphCaqm>(*f.make_cetph());
  CHECK(b.c == 0);
  CHECK_FALSE(b.i);
  CHECK(b.hint == 0);
  CHECK_FALSE(b.loc);
  CHECK(b.ack_seq == 5 * 2048);
}

TEST_CASE("CAQM receiver: one packet per ACK is copied, sums saturate",
          "[tp][cc][caqm][spec:§6.6.1.3]") {
  CaqmFeedback f;
  // Copied as it came: C 1 with I 1 and Hint 4 (an aggregate would have dropped I and Hint).
  f.on_data(caqm_cci(true, true, 4, true), kPkt, true, 0_ns);
  auto a = std::get<CetphCaqm>(*f.make_cetph());
  CHECK(a.c == 1);
  CHECK(a.i);
  CHECK(a.hint == 4);
  CHECK(a.loc);
  for (int k = 0; k < 300; ++k) {
    f.on_data(caqm_cci(true, false, 0), kPkt, true, 0_ns);
  }
  CHECK(std::get<CetphCaqm>(*f.make_cetph()).c == 255);
  for (int k = 0; k < 300; ++k) {
    f.on_data(caqm_cci(false, true, 255), kPkt, true, 0_ns);
  }
  CHECK(std::get<CetphCaqm>(*f.make_cetph()).hint == 65535);
}

// ---- DCQCN ----

TEST_CASE("DCQCN receiver: one CNP per interval, mild or severe, never for unmarked packets",
          "[tp][cc][dcqcn][spec:§6.2.2]") {
  DcqcnFeedback f{CcParams{}};             // interval 50 us
  CHECK_FALSE(f.make_cetph().has_value()); // plain ACKs
  f.on_data(fecn_cci(nl::fecn::kNone), kPkt, true, 0_us);
  f.on_data(fecn_cci(nl::fecn::kNotMarkable), kPkt, true, 0_us);
  f.on_data(caqm_cci(true, false, 0), kPkt, true, 0_us);
  CHECK_FALSE(f.take_cnp(0_us).has_value());

  f.on_data(fecn_cci(nl::fecn::kMild, true), kPkt, true, 1_us);
  auto c = f.take_cnp(1_us);
  REQUIRE(c.has_value());
  CHECK(c->ecn == 1);
  CHECK(c->loc);
  CHECK_FALSE(f.take_cnp(1_us).has_value());

  f.on_data(fecn_cci(nl::fecn::kSevere), kPkt, true, 50_us); // 49 us later: too soon
  CHECK_FALSE(f.take_cnp(50_us).has_value());
  f.on_data(fecn_cci(nl::fecn::kSevere), kPkt, false, 51_us); // not accepted
  CHECK_FALSE(f.take_cnp(51_us).has_value());
  f.on_data(fecn_cci(nl::fecn::kSevere, false, nl::cci_mode::kFecnRtt), kPkt, true, 51_us);
  c = f.take_cnp(51_us);
  REQUIRE(c.has_value());
  CHECK(c->ecn == 3);
  CHECK_FALSE(c->loc);

  // A mild CNP not yet taken becomes severe if a severe mark follows.
  f.on_data(fecn_cci(nl::fecn::kMild), kPkt, true, 200_us);
  f.on_data(fecn_cci(nl::fecn::kSevere, true), kPkt, true, 201_us);
  c = f.take_cnp(202_us);
  REQUIRE(c.has_value());
  CHECK(c->ecn == 3);
  CHECK(c->loc);
}

TEST_CASE("DCQCN sender: cut, alpha, fast recovery, additive and hyper increase",
          "[tp][cc][dcqcn]") {
  Dcqcn d{CcParams{}};
  nl::Cci cci{};
  d.stamp(cci, sent(kPkt), 0_us);
  CHECK(cci.mode == nl::cci_mode::kFecn);
  CHECK(cci.fecn == nl::fecn::kNone);
  CHECK(d.rate_bps() == 400'000'000'000ULL);
  CHECK(d.next_timer() == kNever);
  CHECK(d.can_send(kPkt));
  CHECK(d.window_bytes() == 0);

  // Mild CNP (w = 0.5) at alpha = 1: Rc = 400G x (1 - 0.25) = 300G, Rt = 400G,
  // alpha = 255/256 + 0.5/256.
  d.on_cnp(cnp(1), 0_us);
  CHECK(d.rc() == exact(300e9));
  CHECK(d.rt() == exact(400e9));
  CHECK(d.alpha() == exact(255.5 / 256));
  // Severe at t = 1 us: Rt = 300G, Rc = 300G x (1 - alpha/2), alpha = (255/256) alpha + 1/256.
  d.on_cnp(cnp(3), 1_us);
  const double a1 = 255.5 / 256;
  const double rc1 = 300e9 * (1 - a1 / 2);
  CHECK(d.rt() == exact(300e9));
  CHECK(d.rc() == exact(rc1));
  const double a2 = a1 * 255 / 256 + 1.0 / 256;
  CHECK(d.alpha() == exact(a2));
  // ECN 0 and the reserved 2 do nothing.
  d.on_cnp(cnp(0), 2_us);
  d.on_cnp(cnp(2), 2_us);
  CHECK(d.rc() == exact(rc1));
  // Timers restarted at 1 us: K and T both at 56 us.
  CHECK(d.next_timer() == 56_us);

  // T events 1..4 (iT < F = 5): fast recovery Rc = (Rt + Rc) / 2; K decays alpha each time.
  double rc = rc1;
  double a = a2;
  for (int k = 1; k <= 4; ++k) {
    d.on_timer(d.next_timer());
    rc = (300e9 + rc) / 2;
    a *= 255.0 / 256;
    CHECK(d.timer_count() == static_cast<unsigned>(k));
    CHECK(d.rc() == exact(rc));
    CHECK(d.rt() == exact(300e9));
    CHECK(d.alpha() == exact(a));
  }
  // T event 5: max(iT, iB) = 5, min = 0 < 5: additive, Rt += 400G / 1000.
  d.on_timer(d.next_timer());
  double rt = 300e9 + 400e9 / 1000;
  rc = (rt + rc) / 2;
  CHECK(d.rt() == exact(rt));
  CHECK(d.rc() == exact(rc));
  // Byte events (B = 10 MB) 1..4: still additive (min(5, iB) < 5).
  for (int k = 1; k <= 4; ++k) {
    d.on_sent(sent(10'000'000), 300_us);
    rt += 400e9 / 1000;
    rc = (rt + rc) / 2;
    CHECK(d.byte_count() == static_cast<unsigned>(k));
    CHECK(d.rt() == exact(rt));
    CHECK(d.rc() == exact(rc));
  }
  // Byte event 5: min(iT, iB) = 5 >= F: hyper, Rt += (5 - 5 + 1) x 400G / 100.
  d.on_sent(sent(10'000'000), 300_us);
  rt += 4e9;
  rc = (rt + rc) / 2;
  CHECK(d.rt() == exact(rt));
  CHECK(d.rc() == exact(rc));
  // T event 6: min = 5 still: + 1 x R_HAI. Byte event 6: min = 6: + 2 x R_HAI.
  d.on_timer(d.next_timer());
  rt += 4e9;
  rc = (rt + rc) / 2;
  CHECK(d.rt() == exact(rt));
  d.on_sent(sent(10'000'000), 400_us);
  rt += 8e9;
  rc = (rt + rc) / 2;
  CHECK(d.rt() == exact(rt));
  CHECK(d.rc() == exact(rc));

  // A new CNP restarts the stages: the next T event is fast recovery again.
  d.on_cnp(cnp(3), 500_us);
  CHECK(d.timer_count() == 0);
  CHECK(d.byte_count() == 0);
  const double rt_cut = d.rt();
  const double rc_cut = d.rc();
  d.on_timer(555_us);
  CHECK(d.rt() == exact(rt_cut));
  CHECK(d.rc() == exact((rt_cut + rc_cut) / 2));
}

TEST_CASE("DCQCN sender: R_min floor, line-rate ceiling, timers stop when recovered",
          "[tp][cc][dcqcn]") {
  Dcqcn d{CcParams{}};
  for (int k = 0; k < 20; ++k) {
    d.on_cnp(cnp(3), Time{k * 1'000'000});
  }
  CHECK(d.rc() == exact(400e9 / 10000)); // 400G x 2^-20 would be far below R_min
  int events = 0;
  while (d.recovering() && events < 100'000) {
    d.on_timer(d.next_timer());
    ++events;
  }
  CHECK_FALSE(d.recovering());
  CHECK(d.rate_bps() == 400'000'000'000ULL);
  CHECK(d.rt() == exact(400e9));
  CHECK(d.next_timer() == kNever);
  // Bytes sent at line rate move no counter.
  d.on_sent(sent(100'000'000), 1'000_us);
  CHECK(d.byte_count() == 0);
  CHECK(d.rate_bps() == 400'000'000'000ULL);
}

TEST_CASE("DCQCN sender: pacing follows the current rate", "[tp][cc][dcqcn]") {
  Dcqcn d{CcParams{}};
  // At line rate nothing is paced.
  d.on_sent(sent(kPkt), 1_us);
  CHECK(d.next_send_time(kPkt, 1_us) == 1_us);
  // Severe CNP at alpha 1: Rc = 200G. A 4096-byte packet takes 32768 bits / 200G = 163.84 ns.
  d.on_cnp(cnp(3), 2_us);
  REQUIRE(d.rate_bps() == 200'000'000'000ULL);
  d.on_sent(sent(kPkt), 10_us);
  CHECK(d.next_send_time(kPkt, 10_us) == 10_us + 163'840_ps);
  // A packet sent early (the driver ignored pacing) still books the next slot after this one.
  d.on_sent(sent(kPkt), 10_us);
  CHECK(d.next_send_time(kPkt, 10_us) == 10_us + 327'680_ps);
  // Later than the slot: now.
  CHECK(d.next_send_time(kPkt, 11_us) == 11_us);
}

// ---- switch side ----

TEST_CASE("FECN marking: 00 untouched, severity only rises, Loc follows the mark",
          "[tp][cc][fecn][spec:§5.3.5.2]") {
  nl::Cci x = fecn_cci(nl::fecn::kNotMarkable);
  CHECK_FALSE(fecn_mark(x, CongestionLevel::Severe, true));
  CHECK(x == fecn_cci(nl::fecn::kNotMarkable));

  x = fecn_cci(nl::fecn::kNone);
  CHECK_FALSE(fecn_mark(x, CongestionLevel::None, true));
  CHECK(x.fecn == nl::fecn::kNone);
  CHECK(fecn_mark(x, CongestionLevel::Mild, true));
  CHECK(x.fecn == nl::fecn::kMild);
  CHECK(x.loc);
  // Not worse: neither FECN nor Loc changes.
  CHECK_FALSE(fecn_mark(x, CongestionLevel::Mild, false));
  CHECK_FALSE(fecn_mark(x, CongestionLevel::None, false));
  CHECK(x.loc);
  CHECK(fecn_mark(x, CongestionLevel::Severe, false));
  CHECK(x.fecn == nl::fecn::kSevere);
  CHECK_FALSE(x.loc);
  CHECK_FALSE(fecn_mark(x, CongestionLevel::Mild, true));
  CHECK(x.fecn == nl::fecn::kSevere);
  CHECK_FALSE(x.loc);

  // FECN_RTT packets are marked too and keep their timestamp; CAQM-form CCIs never.
  nl::Cci r = fecn_cci(nl::fecn::kNone, false, nl::cci_mode::kFecnRtt);
  r.timestamp = 777;
  CHECK(fecn_mark(r, CongestionLevel::Severe, true));
  CHECK(r.fecn == nl::fecn::kSevere);
  CHECK(r.timestamp == 777);
  nl::Cci q = caqm_cci(false, true, 3);
  CHECK_FALSE(fecn_mark(q, CongestionLevel::Severe, true));
  CHECK(q == caqm_cci(false, true, 3));
}

TEST_CASE("FECN marking: RED-like level from the queue depth", "[tp][cc][fecn]") {
  const RedParams p{}; // Kmin 100 KB, Kmax 400 KB, Pmax 0.2
  Rng rng{7};
  const Rng before = rng;
  CHECK(red_level(99'999, p, rng) == CongestionLevel::None);
  CHECK(red_level(400'000, p, rng) == CongestionLevel::Severe);
  CHECK(red_level(10'000'000, p, rng) == CongestionLevel::Severe);
  Rng copy = before;
  CHECK(rng.next() == copy.next()); // no draw outside the band

  // Mid-band 250 KB: P(mild) = 0.2 x 150 / 300 = 0.1.
  int mild = 0;
  for (int k = 0; k < 10'000; ++k) {
    const CongestionLevel l = red_level(250'000, p, rng);
    REQUIRE(l != CongestionLevel::Severe);
    mild += l == CongestionLevel::Mild ? 1 : 0;
  }
  CHECK(mild > 850);
  CHECK(mild < 1150);
  // At Kmin the probability is 0.
  for (int k = 0; k < 1000; ++k) {
    REQUIRE(red_level(100'000, p, rng) == CongestionLevel::None);
  }

  // The dequeue helper neither draws for nor marks an unmarkable packet.
  nl::Cci x = fecn_cci(nl::fecn::kNotMarkable);
  Rng r2{9};
  const Rng r2_before = r2;
  CHECK_FALSE(fecn_on_dequeue(x, 250'000, true, p, r2));
  Rng r2_copy = r2_before;
  CHECK(r2.next() == r2_copy.next());
  nl::Cci y = fecn_cci(nl::fecn::kNone);
  CHECK(fecn_on_dequeue(y, 500'000, true, p, r2));
  CHECK(y.fecn == nl::fecn::kSevere);
  CHECK(y.loc);
}

TEST_CASE("CAQM switch: grant, congestion with a signed credit, and period update",
          "[tp][cc][caqm][switch][spec:§5.3.5.3]") {
  CaqmSwitchParams sp{};
  sp.p_mark = 0.0; // a denial never marks C here
  CaqmSwitchPort port{sp};
  Rng rng{1};
  // T x rate / 8 = 500 ns x 400 Gb/s / 8 = 25000 bytes; idle credit 0.5 x (25000 + 40960).
  REQUIRE(port.period_capacity_bytes() == 25'000);
  REQUIRE(port.credit() == 32'980);
  CHECK(port.next_timeout() == 500_ns);

  // Grant: I kept, credit -= 128 x 32.
  nl::Cci a = caqm_cci(false, true, 128);
  CHECK(port.on_forward(a, 4200, true, rng) == CaqmVerdict::Granted);
  CHECK(a == caqm_cci(false, true, 128));
  CHECK(port.credit() == 28'884);
  CHECK(port.period_granted_bytes() == 4096);
  // Non-CAQM traffic is untouched but counts as sent.
  nl::Cci b = fecn_cci(nl::fecn::kNone);
  CHECK(port.on_forward(b, 4200, true, rng) == CaqmVerdict::Ignored);
  CHECK(b == fecn_cci(nl::fecn::kNone));
  CHECK(port.period_sent_bytes() == 8400);

  port.on_timeout(100'000, 499_ns); // before the boundary: nothing
  CHECK(port.credit() == 28'884);
  // Period end with a 100000-byte queue:
  // 0.5 x (25000 - 8400 + 40960 - 100000 - 4096) = -23268.
  port.on_timeout(100'000, 500_ns);
  CHECK(port.credit() == -23'268);
  CHECK(port.period_sent_bytes() == 0);
  CHECK(port.period_granted_bytes() == 0);
  CHECK(port.next_timeout() == 1000_ns);

  // Negative credit: congested. C set, I cleared, Loc = this port leads to the host,
  // credit += 0.5 x 4096.
  nl::Cci c = caqm_cci(false, true, 10);
  CHECK(port.on_forward(c, 4200, true, rng) == CaqmVerdict::Congested);
  CHECK(c.c);
  CHECK_FALSE(c.i);
  CHECK(c.loc);
  CHECK(c.hint == 10);
  CHECK(port.credit() == -21'220);
  // Already marked upstream: untouched (Loc stays the upstream switch's), credit += 2048.
  nl::Cci d = caqm_cci(true, false, 0, false);
  CHECK(port.on_forward(d, 4200, true, rng) == CaqmVerdict::AlreadyCongested);
  CHECK(d == caqm_cci(true, false, 0, false));
  CHECK(port.credit() == -19'172);
  // A packet that requests nothing is still marked while the credit is negative.
  nl::Cci e = caqm_cci(false, false, 0);
  CHECK(port.on_forward(e, 4200, false, rng) == CaqmVerdict::Congested);
  CHECK(e.c);
  CHECK_FALSE(e.loc);
  CHECK(port.credit() == -17'124);

  // Next period, queue 30000: 0.5 x (25000 - 12600 + 40960 - 30000 - 0) = 11680.
  port.on_timeout(30'000, 1000_ns);
  CHECK(port.credit() == 11'680);
  nl::Cci f = caqm_cci(false, true, 255); // 8160 bytes
  CHECK(port.on_forward(f, 4200, false, rng) == CaqmVerdict::Granted);
  CHECK(port.credit() == 3'520);
  // 0 <= credit < 8160: denied, I cleared, C not set (p_mark 0).
  nl::Cci g = caqm_cci(false, true, 255);
  CHECK(port.on_forward(g, 4200, false, rng) == CaqmVerdict::Denied);
  CHECK_FALSE(g.i);
  CHECK_FALSE(g.c);
  CHECK(port.credit() == 3'520);
  // I = 0 with credit >= 0: passes untouched.
  nl::Cci h = caqm_cci(false, false, 0);
  CHECK(port.on_forward(h, 4200, false, rng) == CaqmVerdict::Passed);
  CHECK(h == caqm_cci(false, false, 0));
  // Enable 0: ignored.
  nl::Cci off{};
  CHECK(port.on_forward(off, 4200, true, rng) == CaqmVerdict::Ignored);
  CHECK(off == nl::Cci{});
}

TEST_CASE("CAQM switch: a denial is also C-marked with probability p", "[tp][cc][caqm][switch]") {
  CaqmSwitchParams sp{};
  sp.p_mark = 1.0;
  CaqmSwitchPort port{sp};
  Rng rng{3};
  // 32980 - 4 x 8160 = 340 left: four grants, then a marked denial.
  for (int k = 0; k < 4; ++k) {
    nl::Cci x = caqm_cci(false, true, 255);
    REQUIRE(port.on_forward(x, 4200, true, rng) == CaqmVerdict::Granted);
  }
  CHECK(port.credit() == 340);
  nl::Cci y = caqm_cci(false, true, 255);
  CHECK(port.on_forward(y, 4200, true, rng) == CaqmVerdict::DeniedMarked);
  CHECK(y.c);
  CHECK_FALSE(y.i);
  CHECK(y.loc);
  CHECK(port.credit() == 340);
}

TEST_CASE("CAQM end to end: a granted request grows the sender's window",
          "[tp][cc][caqm][switch]") {
  Caqm sender{CcParams{}};
  CaqmFeedback receiver;
  CaqmSwitchPort port{CaqmSwitchParams{}};
  Rng rng{5};
  nl::Cci cci{};
  sender.stamp(cci, sent(kPkt), 0_ns);
  sender.on_sent(sent(kPkt), 0_ns);
  REQUIRE(port.on_forward(cci, kPkt, true, rng) == CaqmVerdict::Granted);
  receiver.on_data(cci, kPkt, true, 1_us);
  CcAck ack{};
  ack.caqm = std::get<CetphCaqm>(*receiver.make_cetph());
  sender.on_ack(ack, 2_us);
  CHECK(sender.window_bytes() == 40960 + 4096);
  CHECK(sender.inflight_units() == 0);
}

// ---- factory and NoCc ----

TEST_CASE("factories build the negotiated algorithm", "[tp][cc][factory]") {
  const CcParams p{};
  for (const CcAlgo a : {CcAlgo::None, CcAlgo::Ldcp, CcAlgo::Caqm, CcAlgo::Dcqcn}) {
    const auto cc = make_congestion_control(a, p);
    REQUIRE(cc != nullptr);
    CHECK(cc->algo() == a);
    REQUIRE(make_cc_feedback(a, p) != nullptr);
  }
  CHECK(dynamic_cast<NoCc*>(make_congestion_control(CcAlgo::None, p).get()) != nullptr);
  CHECK(dynamic_cast<Ldcp*>(make_congestion_control(CcAlgo::Ldcp, p).get()) != nullptr);
  CHECK(dynamic_cast<Caqm*>(make_congestion_control(CcAlgo::Caqm, p).get()) != nullptr);
  CHECK(dynamic_cast<Dcqcn*>(make_congestion_control(CcAlgo::Dcqcn, p).get()) != nullptr);
  CHECK(dynamic_cast<NoCcFeedback*>(make_cc_feedback(CcAlgo::None, p).get()) != nullptr);
  CHECK(dynamic_cast<LdcpFeedback*>(make_cc_feedback(CcAlgo::Ldcp, p).get()) != nullptr);
  CHECK(dynamic_cast<CaqmFeedback*>(make_cc_feedback(CcAlgo::Caqm, p).get()) != nullptr);
  CHECK(dynamic_cast<DcqcnFeedback*>(make_cc_feedback(CcAlgo::Dcqcn, p).get()) != nullptr);
  // The CETPH form follows the algorithm; rate-based and none use the plain ACK forms.
  CHECK_FALSE(make_cc_feedback(CcAlgo::None, p)->make_cetph().has_value());
  CHECK(std::holds_alternative<CetphLdcp>(*make_cc_feedback(CcAlgo::Ldcp, p)->make_cetph()));
  CHECK(std::holds_alternative<CetphCaqm>(*make_cc_feedback(CcAlgo::Caqm, p)->make_cetph()));
  CHECK_FALSE(make_cc_feedback(CcAlgo::Dcqcn, p)->make_cetph().has_value());

  CHECK(to_string(CcAlgo::None) == "NONE");
  CHECK(to_string(CcAlgo::Ldcp) == "LDCP");
  CHECK(to_string(CcAlgo::Caqm) == "CAQM");
  CHECK(to_string(CcAlgo::Dcqcn) == "DCQCN");
}

TEST_CASE("NoCc never blocks and sends plain ACKs", "[tp][cc][nocc]") {
  NoCc n;
  nl::Cci cci = fecn_cci(nl::fecn::kSevere, true);
  n.stamp(cci, sent(kPkt), 0_ns);
  CHECK(cci == nl::Cci{});
  for (int k = 0; k < 10'000; ++k) {
    n.on_sent(sent(kPkt), 0_ns);
  }
  n.on_cnp(cnp(3), 1_us);
  n.on_loss(CcLossKind::Timeout, 0, 0, 1_us);
  CHECK(n.can_send(std::numeric_limits<std::uint32_t>::max()));
  CHECK(n.next_send_time(kPkt, 5_us) == 5_us);
  CHECK(n.next_timer() == kNever);
  CHECK(n.window_bytes() == std::numeric_limits<std::uint64_t>::max());
  CHECK(n.rate_bps() == 0);

  NoCcFeedback f;
  f.on_data(fecn_cci(nl::fecn::kSevere), kPkt, true, 0_ns);
  CHECK_FALSE(f.make_cetph().has_value());
  CHECK_FALSE(f.take_cnp(0_ns).has_value());
}
