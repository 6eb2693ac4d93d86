// TP Channel Groups and RTP multipath: member choice, ordered flows, load-balancing headers,
// demultiplexing, and two groups over a multipath network with spraying, loss and a failed member.
// UB-Base-2.0 §6.5.1, Table 6-9, Table 5-7, Table 7-14.
#include <algorithm>
#include <set>

#include <catch2/catch.hpp>

#include "protocol/tp/multipath_net.hpp"
#include "protocol/tp/rtph.hpp"
#include "protocol/tp/run_checked.hpp"
#include "protocol/tp/tp_group.hpp"

using namespace ub;
using namespace ub::tp;
using ub::tp::test::group_pair;
using ub::tp::test::make_message;
using ub::tp::test::MultipathNet;

using ub::tp::test::run_checked;

namespace {

TpGroup make_group(const TpGroupConfig& c) {
  auto g = TpGroup::make(c);
  INFO((g ? std::string{} : to_string(g.error())));
  REQUIRE(g);
  return std::move(*g);
}

TpGroupConfig with_policy(TpGroupConfig c, TpgPolicy p) {
  c.policy = p;
  return c;
}

MultipathNet make_net(const std::pair<TpGroupConfig, TpGroupConfig>& cfg, std::size_t paths,
                      std::uint64_t seed = 1) {
  return MultipathNet(make_group(cfg.first), make_group(cfg.second), paths, seed);
}

std::size_t send_to(TpGroup& g, std::uint32_t i, std::size_t size, const SendOptions& o = {}) {
  const auto r = g.send(make_message(i, size), o);
  REQUIRE(r);
  return r->channel;
}

const RetxAlgo kAll[] = {RetxAlgo::GbnFast, RetxAlgo::GbnRto, RetxAlgo::SelectiveFast,
                         RetxAlgo::SelectiveRto};

} // namespace

TEST_CASE("TPG config validation names the member and the field", "[tp][tpg]") {
  auto base = group_pair(4, RetxAlgo::SelectiveRto, SenderSpray{100, 4}).first;
  REQUIRE(validate(base));

  auto none = base;
  none.members.clear();
  REQUIRE_FALSE(validate(none));
  CHECK(validate(none).error().field == "members");

  auto many = base;
  while (many.members.size() <= kMaxTpgChannels) {
    auto m = many.members.back();
    m.channel.local_tpn += 1000;
    many.members.push_back(m);
  }
  REQUIRE_FALSE(validate(many));
  CHECK(validate(many).error().field == "members");

  auto dup_tpn = base;
  dup_tpn.members[3].channel.local_tpn = dup_tpn.members[1].channel.local_tpn;
  REQUIRE_FALSE(validate(dup_tpn));
  CHECK(validate(dup_tpn).error().header == "TpGroupConfig.members[3]");
  CHECK(validate(dup_tpn).error().field == "channel.local_tpn");

  auto bad_window = base;
  bad_window.members[2].channel.ooo_window = 100;
  REQUIRE_FALSE(validate(bad_window));
  CHECK(validate(bad_window).error().header == "TpGroupConfig.members[2]");
  CHECK(validate(bad_window).error().field == "ooo_window");
  CHECK(to_string(validate(bad_window).error()).find("members[2].ooo_window") != std::string::npos);

  auto wide = base;
  wide.members[1].lb = SenderSpray{100, 9};
  REQUIRE_FALSE(validate(wide));
  CHECK(validate(wide).error().field == "lb.range");
  wide.members[1].lb = SenderSpray{0xFFFE, 4};
  REQUIRE_FALSE(validate(wide));
  CHECK(validate(wide).error().field == "lb.base");

  // §6.5.1.4.2: spraying with fast retransmission is refused under the strict rules only.
  for (const RetxAlgo algo : {RetxAlgo::GbnFast, RetxAlgo::SelectiveFast}) {
    for (const LoadBalance lb : {LoadBalance{SenderSpray{100, 4}}, LoadBalance{SwitchSpray{7}}}) {
      auto fast = base;
      fast.members[2].channel.retx = algo;
      fast.members[2].lb = lb;
      REQUIRE_FALSE(validate(fast));
      CHECK(validate(fast).error().header == "TpGroupConfig.members[2]");
      CHECK(validate(fast).error().field == "channel.retx");
      fast.strict_spray_rules = false;
      CHECK(validate(fast));
    }
    auto per_flow = base;
    per_flow.members[2].channel.retx = algo;
    per_flow.members[2].lb = PerFlow{3};
    CHECK(validate(per_flow)); // per-flow members may use any algorithm
  }
  CHECK_FALSE(TpGroup::make(dup_tpn));
}

TEST_CASE("TPG round robin spreads messages evenly over the members", "[tp][tpg]") {
  TpGroup g = make_group(group_pair(4, RetxAlgo::GbnFast, PerFlow{}).first);
  std::vector<std::size_t> per(4, 0);
  for (std::uint32_t i = 0; i < 40; ++i) {
    const std::size_t c = send_to(g, i, 500);
    CHECK(c == i % 4);
    ++per[c];
  }
  CHECK(per == std::vector<std::size_t>{10, 10, 10, 10});
  CHECK(g.counters().messages_sent == 40);
  // All packets of one message go on its member: a 3-packet message yields 3 packets of one
  // channel, whatever the arbitration does with the others.
  TpGroup h = make_group(group_pair(4, RetxAlgo::GbnFast, PerFlow{}).first);
  const std::size_t big = send_to(h, 0, 3000);
  std::vector<std::size_t> seen;
  while (auto o = h.poll_transmit(Time{0})) {
    seen.push_back(o->channel);
  }
  CHECK(seen == std::vector<std::size_t>{big, big, big});
  CHECK(h.send({}, {}).error() == GroupSendError::Empty);
}

TEST_CASE("TPG least-inflight and shortest-queue pick the emptiest member", "[tp][tpg]") {
  const auto cfg = group_pair(4, RetxAlgo::GbnFast, PerFlow{}).first;
  // Member 0 gets an ordered flow of 6 messages (pinned there), which are not transmitted:
  // queued, so not in flight.
  auto load_member0 = [](TpGroup& g) {
    SendOptions o{};
    o.ordered_flow = 7;
    for (std::uint32_t i = 0; i < 6; ++i) {
      REQUIRE(send_to(g, i, 1000, o) == 0);
    }
  };
  SECTION("shortest queue counts queued messages and avoids the loaded member") {
    TpGroup g = make_group(with_policy(cfg, TpgPolicy::ShortestQueue));
    load_member0(g);
    std::vector<std::size_t> got;
    for (std::uint32_t i = 0; i < 15; ++i) {
      got.push_back(send_to(g, 100 + i, 1000));
    }
    CHECK(std::count(got.begin(), got.end(), 0U) == 0);
    CHECK(std::count(got.begin(), got.end(), 1U) == 5);
    CHECK(std::count(got.begin(), got.end(), 3U) == 5);
  }
  SECTION("least inflight ignores queued messages but avoids packets in flight") {
    TpGroup g = make_group(with_policy(cfg, TpgPolicy::LeastInflight));
    load_member0(g);
    // Queued only: every member has 0 packets in flight, so ties go round in turn.
    std::set<std::size_t> first;
    for (std::uint32_t i = 0; i < 4; ++i) {
      first.insert(send_to(g, 100 + i, 1000));
    }
    CHECK(first.size() == 4);
    // Transmit everything: member 0 now has 7 packets in flight, the others 1 each.
    while (g.poll_transmit(Time{0})) {
    }
    REQUIRE(g.channel(0).outstanding() == 7);
    REQUIRE(g.channel(1).outstanding() == 1);
    std::vector<std::size_t> got;
    for (std::uint32_t i = 0; i < 6; ++i) {
      got.push_back(send_to(g, 200 + i, 1000));
      while (g.poll_transmit(Time{0})) {
      }
    }
    CHECK(std::count(got.begin(), got.end(), 0U) == 0);
    CHECK(std::count(got.begin(), got.end(), 2U) == 2);
  }
  SECTION("round robin does not look at the load") {
    TpGroup g = make_group(cfg);
    load_member0(g);
    std::vector<std::size_t> got;
    for (std::uint32_t i = 0; i < 8; ++i) {
      got.push_back(send_to(g, 100 + i, 1000));
    }
    CHECK(std::count(got.begin(), got.end(), 0U) == 2);
  }
}

TEST_CASE("TPG ordered flow stays on one channel while unordered messages spread", "[tp][tpg]") {
  for (const TpgPolicy policy :
       {TpgPolicy::RoundRobin, TpgPolicy::LeastInflight, TpgPolicy::ShortestQueue}) {
    CAPTURE(to_string(policy));
    TpGroup g = make_group(with_policy(group_pair(4, RetxAlgo::GbnFast, PerFlow{}).first, policy));
    std::map<std::uint64_t, std::set<std::size_t>> flow_channels;
    std::set<std::size_t> unordered;
    for (std::uint32_t i = 0; i < 60; ++i) {
      SendOptions o{};
      if (i % 3 != 0) {
        o.ordered_flow = 1 + i % 5; // five flows
      }
      const std::size_t c = send_to(g, i, 700, o);
      if (o.ordered_flow) {
        flow_channels[*o.ordered_flow].insert(c);
        CHECK(g.flow_channel(*o.ordered_flow) == c);
      } else {
        unordered.insert(c);
      }
      while (g.poll_transmit(Time{0})) {
      }
    }
    REQUIRE(flow_channels.size() == 5);
    for (const auto& [flow, chans] : flow_channels) {
      CAPTURE(flow);
      CHECK(chans.size() == 1);
    }
    CHECK(unordered.size() == 4);
    // Releasing a flow lets the policy place it again.
    g.release_flow(1);
    CHECK_FALSE(g.flow_channel(1));
  }

  // End to end: four ordered flows and unordered traffic over 4 skewed paths, switch spraying.
  auto cfg = group_pair(4, RetxAlgo::SelectiveRto, SwitchSpray{0});
  MultipathNet net = make_net(cfg, 4, 3);
  net.skew = Time{2'000'000};
  net.source(0).unordered = 200;
  net.source(0).ordered = {50, 50, 50, 50};
  net.source(0).size = 2500;
  REQUIRE(run_checked(net, Time{1'000'000'000'000}));
  CHECK(net.sink(1).delivered == 400);
  CHECK(net.sink(1).flow_channel.size() == 4);
  CHECK(net.sink(1).out_of_order == 0);
  CHECK(net.sink(1).wrong_channel == 0);
  for (std::size_t c = 0; c < 4; ++c) {
    CHECK(net.source(0).per_channel.at(c) >= 50); // the unordered ones spread
  }
}

TEST_CASE("TPG load-balancing headers: per-flow entropy, sender spray, switch spray RT bits",
          "[tp][tpg]") {
  struct Seen {
    std::map<std::size_t, std::set<std::uint16_t>> data_entropy, ctrl_entropy;
    std::map<std::size_t, std::set<std::uint8_t>> data_rt, ctrl_rt;
  };
  auto run = [](const LoadBalance& lb, bool allow_spray, bool shortest, RetxAlgo algo) {
    auto cfg = group_pair(4, algo, lb);
    for (auto* side : {&cfg.first, &cfg.second}) {
      for (auto& m : side->members) {
        m.shortest_paths = shortest;
      }
    }
    MultipathNet net = make_net(cfg, 4);
    std::array<Seen, 2> seen{};
    net.observe = [&](std::size_t dir, const GroupOut& p) {
      CHECK(p.port == p.channel); // group_pair binds member i to port i
      if (p.out.control) {
        seen[dir].ctrl_entropy[p.channel].insert(p.entropy);
        seen[dir].ctrl_rt[p.channel].insert(p.rt);
      } else {
        seen[dir].data_entropy[p.channel].insert(p.entropy);
        seen[dir].data_rt[p.channel].insert(p.rt);
      }
    };
    net.source(0).unordered = 80;
    net.source(0).size = 3000; // 3 packets a message
    net.source(0).allow_spray = allow_spray;
    REQUIRE(run_checked(net, Time{1'000'000'000'000}));
    REQUIRE(net.sink(1).delivered == 80);
    return std::make_pair(seen[0], net.a().counters().sprayed_packets);
  };

  SECTION("per flow: one entropy per channel, RT 00, one path per channel") {
    const auto [s, sprayed] = run(PerFlow{40}, true, false, RetxAlgo::GbnFast);
    std::set<std::uint16_t> all;
    for (std::size_t c = 0; c < 4; ++c) {
      REQUIRE(s.data_entropy.at(c).size() == 1);
      CHECK(*s.data_entropy.at(c).begin() == 40 + c);
      all.insert(*s.data_entropy.at(c).begin());
      CHECK(s.data_rt.at(c) == std::set<std::uint8_t>{0});
    }
    CHECK(all.size() == 4);
    CHECK(sprayed == 0);
  }
  SECTION("sender spray: entropy varies over base .. base + range - 1, RT 00") {
    const auto [s, sprayed] = run(SenderSpray{500, 3}, true, false, RetxAlgo::SelectiveRto);
    for (std::size_t c = 0; c < 4; ++c) {
      CHECK(s.data_entropy.at(c) == std::set<std::uint16_t>{500, 501, 502});
      CHECK(s.data_rt.at(c) == std::set<std::uint8_t>{0});
      CHECK(s.ctrl_entropy.count(c) == 0); // end a sends no control packets: b sends no data
    }
    CHECK(sprayed == 240);
  }
  SECTION("sender spray: a message the TA does not allow to spray keeps the base entropy") {
    const auto [s, sprayed] = run(SenderSpray{500, 3}, false, false, RetxAlgo::SelectiveRto);
    for (std::size_t c = 0; c < 4; ++c) {
      CHECK(s.data_entropy.at(c) == std::set<std::uint16_t>{500});
    }
    CHECK(sprayed == 0);
  }
  SECTION("switch spray: fixed entropy, RT[0] = 1 on data; RT[1] for the shortest set") {
    const auto [s, sprayed] = run(SwitchSpray{9}, true, true, RetxAlgo::GbnRto);
    for (std::size_t c = 0; c < 4; ++c) {
      CHECK(s.data_entropy.at(c) == std::set<std::uint16_t>{9});
      CHECK(s.data_rt.at(c) == std::set<std::uint8_t>{0b11});
    }
    CHECK(sprayed == 240);
    const auto [t, none] = run(SwitchSpray{9}, false, false, RetxAlgo::GbnRto);
    for (std::size_t c = 0; c < 4; ++c) {
      CHECK(t.data_rt.at(c) == std::set<std::uint8_t>{0});
    }
    CHECK(none == 0);
  }
}

TEST_CASE("TPG demultiplexes by DstTPN and counts unknown TPNs", "[tp][tpg]") {
  auto [ca, cb] = group_pair(4, RetxAlgo::GbnFast, PerFlow{});
  std::reverse(cb.members.begin(), cb.members.end()); // b's member k is a's member 3 - k
  TpGroup a = make_group(ca);
  TpGroup b = make_group(cb);
  for (std::uint32_t i = 0; i < 8; ++i) {
    const std::size_t c = send_to(a, i, 500);
    auto o = a.poll_transmit(Time{0});
    REQUIRE(o);
    REQUIRE(o->channel == c);
    b.on_receive(o->port, o->out.tp, o->out.cci, Time{1});
    auto d = b.poll_deliver();
    REQUIRE(d);
    CHECK(d->channel == 3 - c);
    CHECK(d->message.data == make_message(i, 500));
  }
  CHECK(b.counters().unknown_tpn == 0);

  // A packet for a TPN no member has, and a truncated header: counted, nothing delivered.
  Rtph h{};
  h.tp_opcode = static_cast<std::uint8_t>(tp_opcode::kRtpData | tp_opcode::kLastFlag);
  h.dst_tpn = 4242;
  h.src_tpn = 100;
  std::vector<Byte> pkt(16 + 8, 0);
  REQUIRE(Codec<Rtph>::encode(h, pkt));
  b.on_receive(0, pkt, nl::Cci{}, Time{2});
  CHECK(b.counters().unknown_tpn == 1);
  const std::vector<Byte> stub(5, 0);
  b.on_receive(0, stub, nl::Cci{}, Time{2});
  CHECK(b.counters().malformed == 1);
  CHECK_FALSE(b.poll_deliver());
  for (std::size_t k = 0; k < 4; ++k) {
    CHECK(b.channel(k).counters().wrong_tpn == 0);
    CHECK(b.channel(k).counters().malformed == 0);
  }
}

TEST_CASE("TPG heavy reordering with per-packet spraying over a TPG", "[tp][tpg]") {
  std::map<RetxAlgo, std::uint64_t> rtx;
  std::string summary;
  for (const RetxAlgo algo : kAll) {
    for (const LoadBalance lb : {LoadBalance{SenderSpray{0, 4}}, LoadBalance{SwitchSpray{0}}}) {
      CAPTURE(to_string(algo), lb.index());
      auto cfg = group_pair(4, algo, lb);
      cfg.first.strict_spray_rules = cfg.second.strict_spray_rules = false;
      for (auto* side : {&cfg.first, &cfg.second}) {
        for (auto& m : side->members) {
          m.channel.rto.base = Time{100'000'000}; // well above the slowest path's RTT
        }
      }
      MultipathNet net = make_net(cfg, 4, 21);
      net.skew = Time{3'000'000}; // paths 1, 4, 7, 10 us one way
      net.burst = 2;
      net.source(0).unordered = 150;
      net.source(0).ordered = {50, 50};
      net.source(0).size = 3000;
      net.source(1).unordered = 40;
      REQUIRE(run_checked(net, Time{10'000'000'000'000}));
      CHECK(net.sink(1).delivered == 250);
      CHECK(net.sink(0).delivered == 40);
      CHECK(net.source(0).acked == 250);
      CHECK(net.sink(1).out_of_order == 0);
      for (std::size_t p = 0; p < 4; ++p) {
        CHECK(net.path_packets[p] > 100); // every path carried data
      }
      std::uint64_t r = 0;
      for (std::size_t c = 0; c < 4; ++c) {
        r += net.a().channel(c).counters().retransmissions;
        // §6.5.1.4.1: with max_outstanding <= W no sprayed packet falls outside the window.
        CHECK(net.b().channel(c).counters().invalid_received == 0);
        if (algo != RetxAlgo::GbnFast) { // GBN + fast keeps no out-of-order buffer
          CHECK(net.b().channel(c).counters().ooo_buffered > 0);
          CHECK(net.b().channel(c).counters().ooo_dropped == 0);
        }
      }
      rtx[algo] += r;
      summary += std::string{to_string(algo)} +
                 (lb.index() == 1 ? " sender-spray " : " switch-spray ") + std::to_string(r) +
                 " retransmissions; ";
    }
  }
  INFO(summary);
  // §6.5.1.4.2: reordering is not loss; fast retransmission takes it for loss.
  CHECK(rtx[RetxAlgo::GbnFast] > 10 * (rtx[RetxAlgo::SelectiveRto] + 1));
  CHECK(rtx[RetxAlgo::GbnFast] > rtx[RetxAlgo::SelectiveFast]);
  CHECK(rtx[RetxAlgo::GbnRto] == 0);
  CHECK(rtx[RetxAlgo::SelectiveRto] == 0);
}

TEST_CASE("TPG loss, duplication and spraying: exactly once and ordered flows in order",
          "[tp][tpg]") {
  for (const RetxAlgo algo : {RetxAlgo::GbnRto, RetxAlgo::SelectiveRto}) {
    for (const LoadBalance lb :
         {LoadBalance{PerFlow{0}}, LoadBalance{SenderSpray{0, 4}}, LoadBalance{SwitchSpray{0}}}) {
      CAPTURE(to_string(algo), lb.index());
      MultipathNet net = make_net(group_pair(4, algo, lb), 4, 33);
      net.skew = Time{2'000'000};
      net.loss_data = 0.02;
      net.loss_ctrl = 0.02;
      net.dup = 0.01;
      net.source(0).unordered = 150;
      net.source(0).ordered = {40, 40, 40};
      net.source(0).size = 2500;
      net.source(1).unordered = 60;
      net.source(1).ordered = {30};
      REQUIRE(run_checked(net, Time{100'000'000'000'000}));
      CHECK(net.sink(1).delivered == 270);
      CHECK(net.sink(0).delivered == 90);
      CHECK(net.source(0).acked == 270);
      CHECK(net.source(1).acked == 90);
      CHECK(net.dropped > 0);
      std::uint64_t rtx = 0;
      for (std::size_t c = 0; c < 4; ++c) {
        rtx += net.a().channel(c).counters().retransmissions;
      }
      CHECK(rtx > 0);
    }
  }
}

TEST_CASE("TPG failed member fails only its own messages and new messages avoid it", "[tp][tpg]") {
  auto cfg = group_pair(4, RetxAlgo::SelectiveRto, PerFlow{0});
  for (auto& m : cfg.first.members) {
    m.channel.rto.max_retx = 3;
  }
  MultipathNet net = make_net(cfg, 4, 5);
  net.drop = [](std::size_t dir, const GroupOut& p, std::uint64_t) {
    return dir == 0 && p.port == 2; // everything member 2 sends is lost
  };
  net.source(0).unordered = 300;
  net.source(0).ordered = {30, 30, 30, 30};
  net.source(0).window = 16;
  std::optional<std::uint64_t> on2_at_failure;
  std::uint64_t queued_at_failure = 0;
  std::string broken;
  REQUIRE(net.run_until_done(Time{1'000'000'000'000'000}, [&] {
    if (broken.empty()) {
      broken = net.check();
    }
    if (!on2_at_failure && net.a().failed(2)) {
      on2_at_failure = net.source(0).per_channel.at(2);
      queued_at_failure = net.source(0).queued;
    }
  }));
  INFO(broken);
  CHECK(broken.empty());
  REQUIRE(on2_at_failure);
  CHECK(net.a().failed(2));
  CHECK(net.a().live_members() == 3);
  for (const std::size_t c : {0U, 1U, 3U}) {
    CHECK_FALSE(net.a().failed(c));
    CHECK(net.a().channel(c).counters().messages_failed == 0);
  }
  // Only member 2's messages failed, every one of them, and none was delivered.
  const auto& src = net.source(0);
  CHECK(src.failed == *on2_at_failure);
  CHECK(src.failed_msgs.size() == *on2_at_failure);
  CHECK(net.a().counters().messages_failed == *on2_at_failure);
  for (std::uint32_t m : src.failed_msgs) {
    CHECK(net.sink(1).seen.count(m) == 0);
  }
  // New messages went elsewhere; the ordered flow pinned to member 2 was refused.
  CHECK(src.queued > queued_at_failure + 100);
  CHECK(src.per_channel.at(2) == *on2_at_failure);
  CHECK(src.refused > 0);
  CHECK(src.refused < 30);
  CHECK(net.sink(1).delivered == src.queued - src.failed);
  CHECK(src.acked == src.queued - src.failed);
  CHECK(net.sink(1).out_of_order == 0);
  // A flow pinned to the failed member is refused until released; then it is re-placed.
  const auto flow2 = net.a().flow_channel(2);
  REQUIRE(flow2);
  CHECK(*flow2 == 2);
  SendOptions o{};
  o.ordered_flow = 2;
  CHECK(net.a().send(make_message(1U << 21, 100), o).error() == GroupSendError::FlowChannelFailed);
  net.a().release_flow(2);
  const auto again = net.a().send(make_message(1U << 21, 100), o);
  REQUIRE(again);
  CHECK(again->channel != 2);
}

TEST_CASE("TPG transmit arbitration serves members with packets in turn, deterministically",
          "[tp][tpg]") {
  TpGroup g = make_group(group_pair(4, RetxAlgo::GbnFast, PerFlow{}).first);
  // Round robin puts these on members 0, 1, 2, 3; member 1's is 1 packet, member 3 gets none
  // (its message is sent after the draining below).
  REQUIRE(send_to(g, 0, 3000) == 0); // 3 packets
  REQUIRE(send_to(g, 1, 1000) == 1); // 1 packet
  REQUIRE(send_to(g, 2, 2000) == 2); // 2 packets
  std::vector<std::size_t> order;
  while (auto o = g.poll_transmit(Time{0})) {
    order.push_back(o->channel);
  }
  CHECK(order == std::vector<std::size_t>{0, 1, 2, 0, 2, 0});

  // Two runs with the same seed see the same packets in the same order.
  auto fingerprint = [] {
    MultipathNet net = make_net(group_pair(4, RetxAlgo::SelectiveRto, SwitchSpray{0}), 4, 77);
    net.loss_data = 0.01;
    std::uint64_t h = 1469598103934665603ULL;
    net.observe = [&](std::size_t dir, const GroupOut& p) {
      auto mix = [&](std::uint64_t v) { h = (h ^ v) * 1099511628211ULL; };
      mix(dir);
      mix(p.channel);
      mix(p.entropy);
      mix(p.rt);
      for (Byte b : p.out.tp) {
        mix(b);
      }
    };
    net.source(0).unordered = 100;
    net.source(0).ordered = {20};
    REQUIRE(net.run_until_done(Time{1'000'000'000'000}));
    return std::make_pair(h, net.now());
  };
  CHECK(fingerprint() == fingerprint());
}

TEST_CASE("TPG members keep their own congestion-control contexts", "[tp][tpg]") {
  // §6.6.1.1.1 / §6.6.1.4: one CC context per channel. Only member 0 carries traffic (an
  // ordered flow), so only its LDCP window may move.
  CcParams p{};
  p.mtu = 1024;
  auto cfg = group_pair(2, RetxAlgo::SelectiveRto, SenderSpray{0, 2});
  auto with_cc = [&](const TpGroupConfig& c) {
    std::vector<std::unique_ptr<CongestionControl>> cc;
    std::vector<std::unique_ptr<CcFeedback>> fb;
    for (std::size_t i = 0; i < c.members.size(); ++i) {
      cc.push_back(make_congestion_control(CcAlgo::Ldcp, p));
      fb.push_back(make_cc_feedback(CcAlgo::Ldcp, p));
    }
    auto g = TpGroup::make(c, std::move(cc), std::move(fb));
    REQUIRE(g);
    return std::move(*g);
  };
  MultipathNet net(with_cc(cfg.first), with_cc(cfg.second), 2, 3);
  const std::uint64_t initial = net.a().channel(1).congestion()->window_bytes();
  REQUIRE(net.a().channel(0).congestion() != net.a().channel(1).congestion());
  net.source(0).ordered = {200};
  REQUIRE(run_checked(net, Time{1'000'000'000'000}));
  CHECK(net.sink(1).delivered == 200);
  CHECK(net.a().channel(0).congestion()->window_bytes() > initial);
  CHECK(net.a().channel(1).congestion()->window_bytes() == initial);
  CHECK(net.a().channel(1).counters().data_packets_sent == 0);
}

TEST_CASE("TPG send_packets: caller-cut packets go whole on one member, bad cuts are refused",
          "[tp][tpg]") {
  TpGroup g = make_group(group_pair(2, RetxAlgo::GbnFast, PerFlow{}).first);
  const std::uint32_t mtu = g.channel(0).config().mtu;
  TpPacketUnit full{std::vector<Byte>(8 + mtu, Byte{1}), 8, {}};
  TpPacketUnit tail{std::vector<Byte>(8 + 10, Byte{2}), 8, {}};
  const std::vector<TpPacketUnit> good = {full, tail};
  const auto sent = g.send_packets(good);
  REQUIRE(sent.has_value());
  CHECK(g.channel(sent->channel).queued_messages() == 1);
  const std::vector<TpPacketUnit> bad = {tail, full}; // a short packet before the last
  const auto refused = g.send_packets(bad);
  REQUIRE_FALSE(refused.has_value());
  CHECK(refused.error() == GroupSendError::BadPacketing);
  CHECK(g.counters().messages_refused == 1);
  CHECK(g.send_packets({}).error() == GroupSendError::Empty);
}

TEST_CASE("TPG submit_packets: a member that refuses leaves the units for the next one",
          "[tp][tpg]") {
  auto cfg = group_pair(2, RetxAlgo::GbnFast, PerFlow{}).first;
  for (auto& m : cfg.members) {
    m.channel.tx_queue_limit = 1;
  }
  TpGroup g = make_group(cfg);
  const auto data = std::make_shared<const std::vector<Byte>>(300, Byte{9});
  auto units = [&] {
    return std::vector<TpPacketUnit>{
        TpPacketUnit{{Byte{3}, Byte{4}}, 2, SharedBytes{data, 0, 300}}};
  };
  auto u1 = units();
  auto u2 = units();
  auto u3 = units();
  const auto s1 = g.submit_packets(u1);
  REQUIRE(s1.has_value());
  CHECK(u1[0].tail.owner == nullptr); // taken
  // The round-robin cursor offers the next member first; both take one message.
  const auto s2 = g.submit_packets(u2);
  REQUIRE(s2.has_value());
  CHECK(s2->channel != s1->channel);
  // Now both are full: refused, and the units are still whole.
  const auto s3 = g.submit_packets(u3);
  REQUIRE_FALSE(s3.has_value());
  CHECK(s3.error() == GroupSendError::QueueFull);
  CHECK(u3[0].bytes == std::vector<Byte>{Byte{3}, Byte{4}});
  CHECK(u3[0].tail.owner == data);
  // The packets carry headers then the shared payload.
  REQUIRE(g.channel(0).config().mtu >= 300);
  const auto p = g.poll_transmit(Time{0});
  constexpr std::size_t kRtphBytes = 16; // Table 6-2
  REQUIRE(p.has_value());
  CHECK(p->out.tp.size() >= kRtphBytes + 302);
  CHECK(p->out.tp[kRtphBytes] == Byte{3});
  CHECK(p->out.tp[kRtphBytes + 2] == Byte{9});
  CHECK(p->out.tp[kRtphBytes + 301] == Byte{9});
}

TEST_CASE("TPG ta_verdict forwards the TA's verdict to the member that delivered the message",
          "[tp][tpg][spec:§6.8.2]") {
  auto cfg = group_pair(2, RetxAlgo::GbnFast, PerFlow{});
  for (auto* side : {&cfg.first, &cfg.second}) {
    for (auto& m : side->members) {
      m.channel.ta_status = TaStatusMode::RolRequests;
    }
  }
  TpGroup a = make_group(cfg.first);
  TpGroup b = make_group(cfg.second);
  auto msg = make_message(1, 300);
  msg[0] = 0x03; // TAOpcode Write: its ACK waits for the TA
  SendOptions o{};
  o.ordered_flow = 4;
  REQUIRE(a.send(msg, o));
  REQUIRE(a.send(msg, o));
  auto exchange = [&] {
    for (int k = 0; k < 8; ++k) {
      while (auto p = a.poll_transmit(Time{0})) {
        b.on_receive(p->port, p->out.tp, p->out.cci, Time{0});
      }
      while (auto p = b.poll_transmit(Time{0})) {
        a.on_receive(p->port, p->out.tp, p->out.cci, Time{0});
      }
    }
  };
  exchange();
  std::vector<GroupDelivery> held;
  while (auto d = b.poll_deliver()) {
    CHECK(d->message.needs_verdict);
    held.push_back(std::move(*d));
  }
  REQUIRE(held.size() == 2);
  CHECK(held[0].channel == held[1].channel);
  const std::size_t ch = held[0].channel;
  CHECK_FALSE(a.poll_event()); // both wait for their verdicts

  const auto no_member = b.ta_verdict(2, held[0].message.last_psn, TaVerdict{}, Time{0});
  REQUIRE_FALSE(no_member);
  CHECK(no_member.error().field == "channel");
  CHECK_FALSE(b.ta_verdict(1 - ch, held[0].message.last_psn, TaVerdict{}, Time{0}));
  REQUIRE(b.ta_verdict(ch, held[0].message.last_psn, TaVerdict{}, Time{0}));
  REQUIRE(b.ta_verdict(ch, held[1].message.last_psn, TaVerdict{TaStatusKind::ReceiverNotReady, 1},
                       Time{0}));
  CHECK_FALSE(b.ta_verdict(ch, held[1].message.last_psn, TaVerdict{}, Time{0})); // a second one
  exchange();
  std::vector<TaStatus> statuses;
  while (auto e = a.poll_event()) {
    CHECK(e->channel == ch);
    if (const auto* s = std::get_if<TaStatus>(&e->event)) {
      statuses.push_back(*s);
    }
  }
  REQUIRE(statuses.size() == 2);
  CHECK(statuses[0].verdict.kind == TaStatusKind::Ok);
  CHECK(statuses[1].verdict.kind == TaStatusKind::ReceiverNotReady);
  CHECK(statuses[1].retry_after == rnr_timeout(1));
}
