// Two TP Channel Group ends (UB-Base-2.0 §6.5.1, Table 6-9, Table 5-7) over the multipath test
// network of tests/protocol/tp/multipath_net.hpp, driven by the fuzzer. The input picks the group
// (1..4 members, the member-choice policy, strict spray rules or not), each member's
// retransmission algorithm, load-balancing mode (per flow, sender spray with its range, switch
// spray), window, MTU and RT[1], initial PSNs (near the 2^24 wrap or not), the number of paths,
// their skew and the switches' per-packet choice; then a sequence of operations: sends (unordered,
// or on one of three ordered flows, sprayable or not), random loss and duplication, scripted drops
// of data or control packets, path skew changes, and runs of steps. A configuration the group's
// validate() refuses must be refused with the member and field named, and by make() alike.
//
// After every step the invariants of MultipathNet::check() must hold (exactly once, ordered flows
// in order and on one channel, in-flight within each member's window, no more deliveries than
// messages); at the end, with the faults stopped, every message must reach exactly one outcome
// (acknowledged, or failed with its member) within bounded model time, and the group counters
// must agree with what the sources saw.

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "fuzz_check.hpp"
#include "net_ops.hpp"
#include "protocol/tp/multipath_net.hpp"
#include "provider.hpp"

using namespace ub;
using namespace ub::tp;
using ub::tp::test::MultipathNet;

namespace {

constexpr std::uint64_t kMaxSteps = 20'000; // per input, before the final phase

void check(const MultipathNet& n) {
  const std::string broken = n.check();
  if (!broken.empty()) {
    std::fprintf(stderr, "invariant broken: %s\n", broken.c_str());
    std::abort();
  }
}

// The two ends' configurations: member i has TPNs 100 + i (end a) and 200 + i (end b) and sends on
// port i; both ends of a member use the same algorithm, window and load-balancing mode.
struct Pair {
  TpGroupConfig a, b;
};

Pair make_pair_config(ub::fuzz::Provider& in) {
  const std::uint8_t g0 = in.byte();
  const std::uint8_t g1 = in.byte();
  const std::size_t n = 1U + (g0 & 3U);
  static constexpr TpgPolicy kPolicies[] = {TpgPolicy::RoundRobin, TpgPolicy::LeastInflight,
                                            TpgPolicy::ShortestQueue, TpgPolicy::RoundRobin};
  Pair p{};
  p.a.policy = p.b.policy = kPolicies[(g0 >> 2) & 3U];
  p.a.strict_spray_rules = p.b.strict_spray_rules = (g0 & 0x10U) == 0;
  const bool near_wrap = (g0 & 0x20U) != 0;
  for (std::size_t i = 0; i < n; ++i) {
    const std::uint8_t m0 = in.byte();
    const std::uint8_t m1 = in.byte();
    TpgMemberConfig m{};
    m.channel.retx = static_cast<RetxAlgo>(m0 & 3U);
    static constexpr std::uint32_t kWindows[] = {128, 256, 512, 2048};
    m.channel.ooo_window = kWindows[(m0 >> 2) & 3U];
    m.channel.mtu = (m0 & 0x10U) != 0 ? 256 : 1024;
    m.channel.rto.max_retx = 3U + ((g1 >> 6) & 3U);
    m.shortest_paths = (m0 & 0x80U) != 0;
    const auto entropy = static_cast<std::uint16_t>(m1 >> 4);
    switch ((m0 >> 5) & 3U) {
    case 0:
    case 3:
      m.lb = PerFlow{static_cast<std::uint16_t>(entropy + i)};
      break;
    case 1:
      // Range 0..15: validate() refuses 0 and 9..15 (lb.range); base near 0xFFFF is refused
      // when base + range - 1 overflows (lb.base).
      m.lb = SenderSpray{(m1 & 0x08U) != 0 ? static_cast<std::uint16_t>(0xFFFFU - entropy)
                                           : static_cast<std::uint16_t>(entropy * 8U),
                         static_cast<std::uint16_t>(m1 & 0x0FU)};
      break;
    default:
      m.lb = SwitchSpray{entropy};
      break;
    }
    TpgMemberConfig ma = m, mb = m;
    const auto ui = static_cast<std::uint32_t>(i);
    ma.port = mb.port = static_cast<std::uint8_t>(i);
    ma.channel.local_tpn = mb.channel.peer_tpn = 100 + ui;
    mb.channel.local_tpn = ma.channel.peer_tpn = 200 + ui;
    // Near the wrap: each direction starts 0..15 PSNs below 2^24 (from m1 and i).
    const std::uint32_t ab = near_wrap ? kPsnMask - ((m1 + ui) & 15U) : 1000 + 7919 * ui;
    const std::uint32_t ba =
        near_wrap ? kPsnMask - ((m1 >> 4) + 3 * ui) % 16U : 50'000 + 104'729 * ui;
    ma.channel.tx_initial_psn = mb.channel.rx_initial_psn = ab;
    mb.channel.tx_initial_psn = ma.channel.rx_initial_psn = ba;
    p.a.members.push_back(ma);
    p.b.members.push_back(mb);
  }
  return p;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  ub::fuzz::Provider in(data, size);
  Pair cfg = make_pair_config(in);
  const std::uint8_t net_byte = in.byte();

  const Status va = validate(cfg.a);
  const Status vb = validate(cfg.b);
  // Both ends are built alike (only TPNs and PSNs differ), so they stand or fall together.
  UB_FUZZ_CHECK(va.has_value() == vb.has_value());
  if (!va) {
    // A refusal names the member (or the group) and the field.
    UB_FUZZ_CHECK(!va.error().header.empty());
    UB_FUZZ_CHECK(!va.error().field.empty());
    UB_FUZZ_CHECK(va.error().header.rfind("TpGroupConfig", 0) == 0);
    UB_FUZZ_CHECK(!TpGroup::make(cfg.a).has_value());
    return 0;
  }
  auto ga = TpGroup::make(cfg.a);
  auto gb = TpGroup::make(cfg.b);
  UB_FUZZ_CHECK(ga.has_value() && gb.has_value());

  const std::size_t paths = 1U + (net_byte & 3U);
  MultipathNet net(std::move(*ga), std::move(*gb), paths, 1U + (net_byte >> 6));
  net.skew = Time{std::int64_t{(net_byte >> 2) & 7U} * 500'000}; // 0 .. 3.5 us between paths
  net.burst = 1U + ((net_byte >> 5) & 1U);
  net.switch_random = (net_byte & 0x80U) == 0;
  for (std::size_t e = 0; e < 2; ++e) {
    net.source(e).window = 64; // messages queued and unresolved per end
  }
  // Scripted drops: the next `n` data (or control) packets in a direction.
  ub::fuzz::ScriptedDrops drops;
  bool faults = true;
  net.drop = [&](std::size_t dir, const GroupOut& p, std::uint64_t) {
    if (!faults) {
      return false;
    }
    return drops.take(dir, p.out.control);
  };

  std::uint64_t steps = 0;
  while (in.remaining() > 0 && steps < kMaxSteps) {
    const std::uint8_t op = in.byte();
    const std::size_t d = op & 1U;
    auto& src = net.source(d);
    const unsigned kind = (op >> 1) % 8;
    if (ub::fuzz::shared_net_op(kind, d, in, net, drops, steps, [](const auto& n) { check(n); })) {
      continue;
    }
    switch (kind) {
    case 0: // unordered messages
      src.unordered += 1U + in.byte() % 16U;
      src.size = 1U + in.byte() * 23U; // up to ~5.8 KB: several packets
      break;
    case 1: { // messages of ordered flow 1..3
      const std::uint8_t b = in.byte();
      const std::size_t f = 1U + (b & 3U) % 3U;
      if (src.ordered.size() < f) {
        src.ordered.resize(f, 0);
      }
      src.ordered[f - 1] += 1U + (b >> 2) % 16U;
      break;
    }
    case 6:
      net.dup = (in.byte() % 8U) / 100.0;
      src.allow_spray = (in.byte() & 1U) != 0;
      break;
    case 7:
      net.skew = Time{std::int64_t{in.byte()} * 50'000}; // 0 .. 12.75 us between paths
      break;
    default:
      break;
    }
  }
  // Faults stop: every message must reach exactly one outcome.
  faults = false;
  net.loss_data = net.loss_ctrl = net.dup = 0;
  const bool done = net.run_until_done(net.now() + Time{200'000'000'000'000}, [&] { check(net); });
  if (!done) {
    std::fprintf(stderr,
                 "no outcome for every message: A queued %llu acked %llu failed %llu refused "
                 "%llu of %u, B queued %llu acked %llu failed %llu refused %llu of %u\n",
                 static_cast<unsigned long long>(net.source(0).queued),
                 static_cast<unsigned long long>(net.source(0).acked),
                 static_cast<unsigned long long>(net.source(0).failed),
                 static_cast<unsigned long long>(net.source(0).refused), net.source(0).total(),
                 static_cast<unsigned long long>(net.source(1).queued),
                 static_cast<unsigned long long>(net.source(1).acked),
                 static_cast<unsigned long long>(net.source(1).failed),
                 static_cast<unsigned long long>(net.source(1).refused), net.source(1).total());
    std::abort();
  }
  for (std::size_t e = 0; e < 2; ++e) {
    const TpGroup& g = net.end(e);
    const auto& s = net.source(e);
    const auto& c = g.counters();
    // The group's counters agree with what the source saw (QueueFull refusals are retried, so
    // the group may count more refusals than the source gave up on).
    UB_FUZZ_CHECK(c.messages_sent == s.queued);
    UB_FUZZ_CHECK(c.messages_refused >= s.refused);
    UB_FUZZ_CHECK(c.messages_failed == s.failed);
    UB_FUZZ_CHECK(c.members_failed == g.size() - g.live_members());
    // The network neither corrupts nor misaddresses.
    UB_FUZZ_CHECK(c.malformed == 0);
    UB_FUZZ_CHECK(c.unknown_tpn == 0);
    // A message the group acknowledged was delivered; a failed one may or may not have been.
    UB_FUZZ_CHECK(net.sink(1 - e).delivered >= s.acked);
    UB_FUZZ_CHECK(net.sink(1 - e).delivered <= s.queued);
    UB_FUZZ_CHECK(s.in_flight.empty());
    if (g.live_members() == g.size()) {
      UB_FUZZ_CHECK(s.failed == 0);
      UB_FUZZ_CHECK(s.refused == 0);
      UB_FUZZ_CHECK(net.sink(1 - e).delivered == s.queued);
    }
    for (std::size_t i = 0; i < g.size(); ++i) {
      const TpChannel& ch = g.channel(i);
      if (!g.failed(i)) {
        UB_FUZZ_CHECK(!ch.failed());
        UB_FUZZ_CHECK(ch.outstanding() == 0);
        UB_FUZZ_CHECK(ch.unacked_messages() == 0);
      }
    }
    // Spraying is what the configuration allows: per-flow members never spray.
    if (std::all_of(
            g.config().members.begin(), g.config().members.end(),
            [](const TpgMemberConfig& m) { return std::holds_alternative<PerFlow>(m.lb); })) {
      UB_FUZZ_CHECK(c.sprayed_packets == 0);
    }
  }
  return 0;
}
