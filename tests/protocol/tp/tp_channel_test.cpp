// Two RTP TP Channel ends over the test network: the four retransmission algorithms under loss,
// tail loss, lost ACKs, reordering, PSN wrap and retry exhaustion. UB-Base-2.0 §6.4.
#include <catch2/catch.hpp>

#include "protocol/tp/test_net.hpp"
#include "protocol/tp/tp_channel.hpp"

using namespace ub;
using namespace ub::tp;
using ub::tp::test::TestNet;

namespace {

TpChannelConfig pair_config(RetxAlgo algo, bool a_side) {
  TpChannelConfig c{};
  c.retx = algo;
  c.local_tpn = a_side ? 1 : 2;
  c.peer_tpn = a_side ? 2 : 1;
  c.tx_initial_psn = a_side ? 1000 : 5000;
  c.rx_initial_psn = a_side ? 5000 : 1000;
  c.ooo_window = 256;
  c.mtu = 1024;
  return c;
}

struct Pair {
  TestNet net;
  explicit Pair(RetxAlgo algo, std::uint64_t seed = 1)
      : net(pair_config(algo, true), pair_config(algo, false), seed) {}
};

bool run_checked(TestNet& n, Time limit) {
  std::string broken;
  const bool ok = n.run_until_done(limit, [&] {
    if (broken.empty()) {
      broken = n.check();
    }
  });
  INFO(broken);
  CHECK(broken.empty());
  return ok;
}

const RetxAlgo kAll[] = {RetxAlgo::GbnFast, RetxAlgo::GbnRto, RetxAlgo::SelectiveFast,
                         RetxAlgo::SelectiveRto};

} // namespace

TEST_CASE("RTP clean channel delivers every message once, in order, and acknowledges it",
          "[tp][rtp]") {
  for (const RetxAlgo algo : kAll) {
    CAPTURE(to_string(algo));
    Pair p(algo);
    p.net.source(0).to_send = 200;
    p.net.source(0).size = 3000; // 3 packets each
    p.net.source(1).to_send = 50;
    REQUIRE(run_checked(p.net, Time{100'000'000'000}));
    CHECK(p.net.sink(1).delivered == 200);
    CHECK(p.net.sink(0).delivered == 50);
    CHECK(p.net.source(0).acked == 200);
    CHECK(p.net.a().counters().retransmissions == 0);
    CHECK(p.net.a().counters().timeouts == 0);
    CHECK(p.net.a().outstanding() == 0);
    CHECK(p.net.a().snd_una() == psn_add(1000, 600));
  }
}

TEST_CASE("RTP single loss: each algorithm recovers the way §6.4.2 says", "[tp][rtp]") {
  for (const RetxAlgo algo : kAll) {
    CAPTURE(to_string(algo));
    Pair p(algo);
    const std::uint32_t lost = psn_add(1000, 40);
    int hits = 0;
    p.net.drop = [&](std::size_t dir, const TpOut& o, std::uint64_t) {
      if (dir == 0 && test::is_data(o) && test::packet_psn(o) == lost && hits == 0) {
        ++hits;
        return true;
      }
      return false;
    };
    p.net.source(0).to_send = 100;
    p.net.source(0).size = 1000;
    REQUIRE(run_checked(p.net, Time{100'000'000'000}));
    CHECK(hits == 1);
    CHECK(p.net.sink(1).delivered == 100);
    CHECK(p.net.source(0).acked == 100);
    const auto& c = p.net.a().counters();
    switch (algo) {
    case RetxAlgo::GbnFast:
      CHECK(c.fast_retransmit_events >= 1);
      CHECK(c.timeouts == 0);
      CHECK(c.retransmissions > 1); // go back N: the packets behind the hole too
      CHECK(p.net.b().counters().naks_sent == 1);
      break;
    case RetxAlgo::GbnRto:
      CHECK(c.timeouts >= 1);
      CHECK(c.fast_retransmit_events == 0);
      break;
    case RetxAlgo::SelectiveFast:
      CHECK(c.fast_retransmit_events >= 1);
      CHECK(c.timeouts == 0);
      CHECK(c.retransmissions == 1); // only the hole
      break;
    case RetxAlgo::SelectiveRto:
      CHECK(c.timeouts >= 1);
      // SACKs (one per 8 out-of-order arrivals) told the sender what arrived, except for up to
      // 7 packets after the last SACK: those are resent too.
      CHECK(c.retransmissions >= 1);
      CHECK(c.retransmissions <= 8);
      CHECK(p.net.b().counters().sacks_sent >= 5);
      break;
    }
  }
}

TEST_CASE("RTP tail loss and lost ACKs are recovered by the RTO", "[tp][rtp]") {
  for (const RetxAlgo algo : kAll) {
    CAPTURE(to_string(algo));
    Pair p(algo);
    const std::uint32_t last = psn_add(1000, 19); // 20 packets: lose the last one once
    int tail = 0;
    std::uint64_t acks_dropped = 0;
    p.net.drop = [&](std::size_t dir, const TpOut& o, std::uint64_t) {
      if (dir == 0 && test::is_data(o) && test::packet_psn(o) == last && tail == 0) {
        ++tail;
        return true;
      }
      if (dir == 1 && o.control && acks_dropped < 5) {
        ++acks_dropped; // the first ACKs vanish too
        return true;
      }
      return false;
    };
    p.net.source(0).to_send = 20;
    p.net.source(0).size = 1000;
    REQUIRE(run_checked(p.net, Time{100'000'000'000}));
    CHECK(tail == 1);
    CHECK(p.net.sink(1).delivered == 20);
    CHECK(p.net.source(0).acked == 20);
    CHECK(p.net.a().counters().timeouts >= 1);
  }
}

TEST_CASE("RTP PSNs wrap around 2^24 without a hitch", "[tp][rtp]") {
  for (const RetxAlgo algo : kAll) {
    CAPTURE(to_string(algo));
    auto ca = pair_config(algo, true);
    auto cb = pair_config(algo, false);
    ca.tx_initial_psn = cb.rx_initial_psn = kPsnMask - 2;
    TestNet net(ca, cb, 3);
    net.loss_data = 0.02;
    net.source(0).to_send = 100;
    REQUIRE(run_checked(net, Time{1'000'000'000'000}));
    CHECK(net.sink(1).delivered == 100);
    CHECK(net.a().snd_una() == psn_add(kPsnMask - 2, 100));
  }
}

TEST_CASE("RTP retry exhaustion fails the channel and every pending message", "[tp][rtp]") {
  auto ca = pair_config(RetxAlgo::GbnFast, true);
  ca.rto.max_retx = 3;
  TestNet net(ca, pair_config(RetxAlgo::GbnFast, false));
  net.drop = [](std::size_t dir, const TpOut&, std::uint64_t) { return dir == 0; };
  net.source(0).to_send = 10;
  REQUIRE(net.run_until_done(Time{10'000'000'000'000}));
  CHECK(net.a().failed());
  CHECK(net.source(0).failed == 10);
  CHECK(net.source(0).acked == 0);
  CHECK(net.a().counters().timeouts == 4); // 3 retransmissions, the 4th expiry fails
  CHECK(net.a().send(test::make_message(99, 100)) == TpChannel::SendStatus::Failed);
  CHECK(net.sink(1).delivered == 0);
}

TEST_CASE("RTP heavy reordering: go-back-N with fast retransmit resends what selective keeps",
          "[tp][rtp]") {
  std::uint64_t rtx_gbn = 0, rtx_sel = 0;
  for (const RetxAlgo algo : {RetxAlgo::GbnFast, RetxAlgo::SelectiveRto}) {
    Pair p(algo, 5);
    p.net.reorder = 0.2;
    p.net.source(0).to_send = 300;
    REQUIRE(run_checked(p.net, Time{10'000'000'000'000}));
    CHECK(p.net.sink(1).delivered == 300);
    (algo == RetxAlgo::GbnFast ? rtx_gbn : rtx_sel) = p.net.a().counters().retransmissions;
  }
  CHECK(rtx_gbn > 10 * (rtx_sel + 1));
}

TEST_CASE("RTP random loss, duplication and reordering: exactly once under every algorithm",
          "[tp][rtp]") {
  for (const RetxAlgo algo : kAll) {
    CAPTURE(to_string(algo));
    Pair p(algo, 11);
    p.net.loss_data = 0.03;
    p.net.loss_ctrl = 0.03;
    p.net.dup = 0.02;
    p.net.reorder = 0.05;
    p.net.source(0).to_send = 300;
    p.net.source(0).size = 2500;
    p.net.source(1).to_send = 100;
    REQUIRE(run_checked(p.net, Time{100'000'000'000'000}));
    CHECK(p.net.sink(1).delivered == 300);
    CHECK(p.net.sink(0).delivered == 100);
    CHECK(p.net.source(0).acked == 300);
  }
}

TEST_CASE("RTP out-of-order buffer across the PSN wrap keeps packets apart", "[tp][rtp]") {
  // A hole just before 2^24 holds back a window that straddles the wrap; every buffered packet
  // must come out as itself (a slot index that is not consecutive across the wrap mixes them).
  for (const RetxAlgo algo : {RetxAlgo::GbnRto, RetxAlgo::SelectiveFast, RetxAlgo::SelectiveRto}) {
    for (const std::uint32_t w : {256U, 512U, 2048U}) {
      CAPTURE(to_string(algo), w);
      auto ca = pair_config(algo, true);
      auto cb = pair_config(algo, false);
      ca.ooo_window = cb.ooo_window = w;
      ca.tx_initial_psn = cb.rx_initial_psn = kPsnMask - 60;
      TestNet net(ca, cb, 9);
      const std::uint32_t hole = ca.tx_initial_psn;
      int hits = 0;
      net.drop = [&](std::size_t dir, const TpOut& o, std::uint64_t) {
        if (dir == 0 && test::is_data(o) && test::packet_psn(o) == hole && hits == 0) {
          ++hits;
          return true;
        }
        return false;
      };
      net.source(0).to_send = 120;
      net.source(0).size = 700;
      REQUIRE(run_checked(net, Time{10'000'000'000'000}));
      CHECK(hits == 1);
      CHECK(net.sink(1).delivered == 120);
      CHECK(net.b().counters().ooo_buffered > 60);
    }
  }
}
