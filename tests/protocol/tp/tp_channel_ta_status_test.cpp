// TA status carried in TP ACKs: the withheld last-packet ACK (ROL, §6.8.2), RSPST/RSPINFO codes
// (Table 6-2), RNR back-off with the TA retrying (§7.3.1.1), Fake keep-alive packets, a lost
// status ACK recovered by an RTO probe or, amid traffic, at the next ACK past it, and a TA that
// never answers.
#include <set>

#include <catch2/catch.hpp>

#include "protocol/tp/run_checked.hpp"
#include "protocol/tp/test_net.hpp"
#include "protocol/tp/tp_channel.hpp"

using namespace ub;
using namespace ub::tp;
using ub::tp::test::TestNet;

using ub::tp::test::run_checked;

namespace {

TpChannelConfig status_config(bool a_side, TaStatusMode mode,
                              RetxAlgo algo = RetxAlgo::SelectiveFast) {
  TpChannelConfig c{};
  c.retx = algo;
  c.local_tpn = a_side ? 1 : 2;
  c.peer_tpn = a_side ? 2 : 1;
  c.tx_initial_psn = a_side ? 300 : 7000;
  c.rx_initial_psn = a_side ? 7000 : 300;
  c.ooo_window = 256;
  c.mtu = 1024;
  c.ta_status = mode;
  return c;
}

std::optional<Rtph> rtph_of(const TpOut& o) {
  auto h = Codec<Rtph>::decode(o.tp);
  return h ? std::optional<Rtph>(*h) : std::nullopt;
}

} // namespace

TEST_CASE("TA status codes map to RSPST and RSPINFO both ways", "[tp][rtp][status]") {
  const TaStatusKind kinds[] = {TaStatusKind::Ok,
                                TaStatusKind::AbnormalRetryable,
                                TaStatusKind::AbnormalUnrecoverable,
                                TaStatusKind::ReceiverNotReady,
                                TaStatusKind::PageFault,
                                TaStatusKind::UnsupportedRequest,
                                TaStatusKind::RemoteAbort};
  for (const auto k : kinds) {
    CAPTURE(to_string(k));
    const TaVerdict v{k, 7};
    const RspCode c = rsp_code(v);
    const auto back = ta_verdict_of(c.rspst, c.rspinfo);
    REQUIRE(back.has_value());
    CHECK(back->kind == k);
  }
  // Table 6-2 values.
  CHECK(rsp_code({TaStatusKind::Ok, 0}).rspst == 0b101);
  CHECK(rsp_code({TaStatusKind::Ok, 0}).rspinfo == 0b00010);
  CHECK(rsp_code({TaStatusKind::AbnormalRetryable, 0}).rspinfo == 0b00000);
  CHECK(rsp_code({TaStatusKind::AbnormalUnrecoverable, 0}).rspinfo == 0b00001);
  CHECK(rsp_code({TaStatusKind::ReceiverNotReady, 5}).rspst == 0b001);
  CHECK(rsp_code({TaStatusKind::ReceiverNotReady, 5}).rspinfo == 5);
  CHECK(rsp_code({TaStatusKind::PageFault, 2}).rspst == 0b010);
  CHECK(rsp_code({TaStatusKind::UnsupportedRequest, 0}).rspst == 0b011);
  CHECK(rsp_code({TaStatusKind::UnsupportedRequest, 0}).rspinfo == 0b00001);
  CHECK(rsp_code({TaStatusKind::RemoteAbort, 0}).rspinfo == 0b00010);
  // The TPNAK (011/00000), a plain TPACK and reserved codes are not TA statuses.
  CHECK_FALSE(ta_verdict_of(0b011, 0).has_value());
  CHECK_FALSE(ta_verdict_of(0b000, 0).has_value());
  CHECK_FALSE(ta_verdict_of(0b101, 0b00011).has_value());
  CHECK_FALSE(ta_verdict_of(0b011, 0b00011).has_value());
  // RNR_Timeout = 2 us x 2^RNR_Timer; reserved timers count as 19.
  CHECK(rnr_timeout(0) == Time{2'000'000});
  CHECK(rnr_timeout(3) == Time{16'000'000});
  CHECK(rnr_timeout(19) == Time{2'000'000LL << 19});
  CHECK(rnr_timeout(25) == rnr_timeout(19));
}

TEST_CASE("ROL: Write requests are held for the TA verdict, Reads are not", "[tp][rtp][status]") {
  CHECK(expects_ta_status(TaStatusMode::RolRequests, std::vector<Byte>{0x03, 0}));
  CHECK(expects_ta_status(TaStatusMode::RolRequests, std::vector<Byte>{0x18}));
  CHECK_FALSE(expects_ta_status(TaStatusMode::RolRequests, std::vector<Byte>{0x06}));
  CHECK_FALSE(expects_ta_status(TaStatusMode::RolRequests, std::vector<Byte>{0x11}));
  CHECK_FALSE(expects_ta_status(TaStatusMode::Never, std::vector<Byte>{0x03}));
  CHECK(expects_ta_status(TaStatusMode::All, std::vector<Byte>{0x06}));

  for (const Byte opcode : {Byte{0x03}, Byte{0x06}}) {
    CAPTURE(int{opcode});
    TestNet net(status_config(true, TaStatusMode::RolRequests),
                status_config(false, TaStatusMode::RolRequests), 4);
    net.verdict_delay = Time{5'000'000}; // the TA takes 5 us
    // The ACK of a held packet (and every later one) must wait for the status ACK.
    std::set<std::uint32_t> held;
    std::uint64_t violations = 0, status_acks = 0;
    net.verdict_fn = [&](std::size_t, const RxMessage& m) {
      held.insert(m.last_psn);
      return TaVerdict{};
    };
    net.drop = [&](std::size_t dir, const TpOut& o, std::uint64_t) {
      if (dir != 1 || !o.control) {
        return false;
      }
      const auto h = rtph_of(o);
      REQUIRE(h.has_value());
      if (h->rspst == rspst::kTaAck) {
        ++status_acks;
        held.erase(h->psn);
      } else if (tp_opcode_base(h->tp_opcode) == tp_opcode::kAck && h->rspst == rspst::kAck) {
        for (const std::uint32_t p : held) {
          if (!psn_before(h->psn, p)) {
            ++violations;
          }
        }
      }
      return false;
    };
    net.source(0).to_send = 40;
    net.source(0).size = 2500; // 3 packets each
    net.source(0).first_byte = opcode;
    REQUIRE(run_checked(net, Time{10'000'000'000}));
    CHECK(violations == 0);
    CHECK(net.sink(1).delivered == 40);
    CHECK(net.source(0).acked == 40);
    if (opcode == 0x03) {
      CHECK(status_acks == 40);
      CHECK(net.source(0).ta_statuses == 40);
      for (const auto& st : net.source(0).statuses) {
        CHECK(st.verdict.kind == TaStatusKind::Ok);
      }
      CHECK(net.b().counters().status_acks_sent == 40);
    } else {
      CHECK(status_acks == 0);
      CHECK(net.source(0).ta_statuses == 0);
    }
    CHECK(net.a().status_pending() == 0);
    CHECK(net.b().held_messages() == 0);
    CHECK(net.a().counters().timeouts == 0);
  }
}

TEST_CASE("Every TA verdict reaches the sender as its own status", "[tp][rtp][status]") {
  const TaVerdict verdicts[] = {
      {TaStatusKind::AbnormalRetryable, 0},  {TaStatusKind::AbnormalUnrecoverable, 0},
      {TaStatusKind::ReceiverNotReady, 4},   {TaStatusKind::PageFault, 1},
      {TaStatusKind::UnsupportedRequest, 0}, {TaStatusKind::RemoteAbort, 0}};
  for (const TaVerdict& v : verdicts) {
    CAPTURE(to_string(v.kind));
    TestNet net(status_config(true, TaStatusMode::All), status_config(false, TaStatusMode::All));
    net.verdict_fn = [&](std::size_t, const RxMessage&) { return v; };
    net.source(0).to_send = 3;
    REQUIRE(run_checked(net, Time{10'000'000'000}));
    REQUIRE(net.source(0).statuses.size() == 3);
    for (const auto& st : net.source(0).statuses) {
      CHECK(st.verdict.kind == v.kind);
      const bool rnr =
          v.kind == TaStatusKind::ReceiverNotReady || v.kind == TaStatusKind::PageFault;
      CHECK(st.retry_after == (rnr ? rnr_timeout(v.rnr_timer) : Time{0}));
      if (rnr) {
        CHECK(st.verdict.rnr_timer == v.rnr_timer);
      }
    }
  }
}

TEST_CASE("Verdicts given out of order still go out in PSN order", "[tp][rtp][status]") {
  TestNet net(status_config(true, TaStatusMode::All), status_config(false, TaStatusMode::All));
  net.source(0).to_send = 3;
  net.source(0).size = 100;
  net.verdict_delay = Time{1'000'000'000'000}; // TestNet's own TA: far away
  for (int i = 0; i < 2000 && net.b().held_messages() < 3; ++i) {
    net.step();
  }
  REQUIRE(net.b().held_messages() == 3);
  // Answer the last message first, directly: nothing may go out before the first is answered.
  std::vector<std::uint32_t> handles;
  for (std::uint32_t k = 0; k < 3; ++k) {
    handles.push_back(psn_add(300, k));
  }
  const auto before = net.b().counters().status_acks_sent;
  REQUIRE(net.b().ta_verdict(handles[2], {}, net.now()).has_value());
  REQUIRE(net.b().ta_verdict(handles[1], {}, net.now()).has_value());
  CHECK(net.b().counters().status_acks_sent == before);
  CHECK(net.b().held_messages() == 3);
  REQUIRE(net.b().ta_verdict(handles[0], {}, net.now()).has_value());
  CHECK(net.b().counters().status_acks_sent == before + 3);
  CHECK(net.b().held_messages() == 0);
  // Errors: a second verdict, an unknown handle, a reserved RNR timer.
  CHECK_FALSE(net.b().ta_verdict(handles[0], {}, net.now()).has_value());
  CHECK_FALSE(net.b().ta_verdict(12345, {}, net.now()).has_value());
  net.source(0).to_send = 1;
  for (int i = 0; i < 2000 && net.b().held_messages() == 0; ++i) {
    net.step();
  }
  REQUIRE(net.b().held_messages() == 1);
  const auto bad =
      net.b().ta_verdict(psn_add(300, 3), {TaStatusKind::ReceiverNotReady, 20}, net.now());
  REQUIRE_FALSE(bad.has_value());
  CHECK(bad.error().field == "ta_verdict");
}

TEST_CASE("RNR back-off: the TA retries after 2 us x 2^RNR_Timer, Fake packets keep the channel "
          "alive meanwhile",
          "[tp][rtp][status]") {
  for (const bool keepalive : {false, true}) {
    CAPTURE(keepalive);
    auto ca = status_config(true, TaStatusMode::All);
    if (keepalive) {
      ca.fake_keepalive_interval = Time{4'000'000}; // every 4 us
    }
    TestNet net(ca, status_config(false, TaStatusMode::All));
    int calls = 0;
    // The receiving TA is not ready the first time (RNR_Timer 3: 16 us), then accepts.
    net.verdict_fn = [&](std::size_t, const RxMessage&) {
      return calls++ == 0 ? TaVerdict{TaStatusKind::ReceiverNotReady, 3} : TaVerdict{};
    };
    const auto msg = test::make_message(0, 3000);
    REQUIRE(net.a().send(msg) == TpChannel::SendStatus::Queued);
    Time status_at{0};
    for (int i = 0; i < 100'000 && net.source(0).statuses.empty(); ++i) {
      net.step();
      status_at = net.now();
    }
    REQUIRE(net.source(0).statuses.size() == 1);
    const TaStatus first = net.source(0).statuses[0];
    CHECK(first.verdict.kind == TaStatusKind::ReceiverNotReady);
    CHECK(first.retry_after == Time{16'000'000});
    // The sending TA waits out the RNR timeout, then retries the operation (a new TP message).
    while (net.now() < status_at + first.retry_after) {
      net.step();
    }
    const Time retry_at = net.now();
    REQUIRE(net.a().send(msg) == TpChannel::SendStatus::Queued);
    for (int i = 0; i < 100'000 && net.source(0).statuses.size() < 2; ++i) {
      net.step();
    }
    REQUIRE(net.source(0).statuses.size() == 2);
    CHECK(net.source(0).statuses[1].verdict.kind == TaStatusKind::Ok);
    CHECK(retry_at - status_at >= first.retry_after);
    CHECK(calls == 2);
    CHECK(net.sink(1).delivered == 2); // the TP delivered it twice; the TA refused the first
    const auto fakes = net.a().counters().fake_sent;
    if (keepalive) {
      // 16 us of RNR timeout at one every 4 us: at 4, 8 and 12 us.
      CHECK(fakes == 3);
      CHECK(net.b().counters().fake_received == 3);
    } else {
      CHECK(fakes == 0);
    }
    CHECK(net.a().counters().tpmsn_mismatches == 0);
    CHECK(net.b().counters().tpmsn_mismatches == 0);
    CHECK(net.a().outstanding() == 0);
  }
}

TEST_CASE("A lost status ACK is recovered by an RTO probe of the held packet",
          "[tp][rtp][status]") {
  for (const RetxAlgo algo : {RetxAlgo::GbnFast, RetxAlgo::SelectiveRto}) {
    CAPTURE(to_string(algo));
    TestNet net(status_config(true, TaStatusMode::All, algo),
                status_config(false, TaStatusMode::All, algo));
    int dropped = 0;
    net.drop = [&](std::size_t dir, const TpOut& o, std::uint64_t) {
      if (dir == 1 && o.control && rtph_of(o)->rspst == rspst::kTaAck && dropped < 2) {
        ++dropped; // the first two status ACKs vanish
        return true;
      }
      return false;
    };
    net.source(0).to_send = 5;
    REQUIRE(run_checked(net, Time{100'000'000'000}));
    CHECK(dropped == 2);
    CHECK(net.source(0).ta_statuses == 5); // one outcome each, no more
    CHECK(net.a().counters().probes_sent + net.a().counters().retransmissions >= 1);
    CHECK(net.b().counters().status_acks_resent >= 1);
    CHECK(net.b().counters().status_acks_sent == 5);
  }
}

// Found by fuzz/tp_pair (fuzz/regressions/tp_pair/selective-rto-all-sacked). The message's first
// packet is lost, so a TPSACK reports its later packets, the last one included, and the sender
// marks them SACKed. The RTO resends the first one; the receiver then ACKs up to the packet
// before the last (that one's ACK waits for the TA verdict) and the status ACK for the last
// packet is lost. Everything outstanding is now SACKed: the selective RTO, which resends only
// what is not, resent nothing, no answer could come, and the channel failed at its RTO limit
// with the network long quiet. It must resend the oldest packet anyway (§6.4.2.3.1, tail TPACK
// loss), and the receiver answers that duplicate with the status again.
TEST_CASE("A selective RTO with every outstanding packet SACKed resends the oldest one",
          "[tp][rtp][status]") {
  for (const RetxAlgo algo : {RetxAlgo::SelectiveRto, RetxAlgo::SelectiveFast}) {
    CAPTURE(to_string(algo));
    auto ca = status_config(true, TaStatusMode::All, algo);
    auto cb = status_config(false, TaStatusMode::All, algo);
    ca.sack_ooo_threshold = cb.sack_ooo_threshold = 1;
    TestNet net(ca, cb);
    net.verdict_delay = Time{5'000'000}; // the last packet's ACK waits 5 us for the verdict
    int data_dropped = 0;
    int status_dropped = 0;
    net.drop = [&](std::size_t dir, const TpOut& o, std::uint64_t) {
      if (dir == 0 && test::is_data(o) && test::packet_psn(o) == 300 && data_dropped == 0) {
        ++data_dropped; // the message's first packet, once
        return true;
      }
      if (dir == 1 && o.control && rtph_of(o)->rspst == rspst::kTaAck && status_dropped == 0) {
        ++status_dropped; // the status ACK of its last packet, once
        return true;
      }
      return false;
    };
    net.source(0).to_send = 1;
    net.source(0).size = 3000; // PSNs 300, 301, 302
    REQUIRE(run_checked(net, Time{1'000'000'000'000}));
    CHECK(data_dropped == 1);
    CHECK(status_dropped == 1);
    CHECK_FALSE(net.a().failed());
    CHECK(net.source(0).acked == 1);
    CHECK(net.source(0).ta_statuses == 1);
    CHECK(net.a().counters().sacks_received >= 1);
    CHECK(net.b().counters().status_acks_resent == 1);
    CHECK(net.a().outstanding() == 0);
  }
}

TEST_CASE("A status ACK lost amid continuous traffic is probed at the next ACK, not after an RTO",
          "[tp][rtp][status]") {
  TestNet net(status_config(true, TaStatusMode::All), status_config(false, TaStatusMode::All));
  int dropped = 0;
  net.drop = [&](std::size_t dir, const TpOut& o, std::uint64_t) {
    if (dir == 1 && o.control && rtph_of(o)->rspst == rspst::kTaAck && dropped < 1) {
      ++dropped; // the first status ACK vanishes; later ACKs pass its PSN
      return true;
    }
    return false;
  };
  net.source(0).to_send = 200;
  REQUIRE(run_checked(net, Time{100'000'000'000}));
  CHECK(dropped == 1);
  CHECK(net.source(0).ta_statuses == 200);
  CHECK(net.a().counters().status_lost_detected == 1);
  CHECK(net.a().counters().probes_sent == 1);
  CHECK(net.a().counters().timeouts == 0); // recovered without the RTO
  CHECK(net.b().counters().status_acks_resent == 1);
}

TEST_CASE("A TA that never answers fails the channel after the retry limit", "[tp][rtp][status]") {
  auto ca = status_config(true, TaStatusMode::All);
  ca.rto.max_retx = 2;
  TestNet net(ca, status_config(false, TaStatusMode::All));
  net.verdict_delay = Time{1'000'000'000'000'000}; // never, within the run
  net.source(0).to_send = 4;
  REQUIRE(net.run_until_done(Time{1'000'000'000'000}));
  CHECK(net.a().failed());
  CHECK(net.source(0).failed == 4);
  CHECK(net.source(0).ta_statuses == 0);
  CHECK(net.a().counters().timeouts == 3);
  CHECK(net.b().held_messages() == 4);
}
