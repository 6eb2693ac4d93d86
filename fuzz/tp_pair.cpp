// Two RTP TP Channel ends (UB-Base-2.0 §6.4) over a lossy, duplicating, reordering test network,
// driven by the fuzzer: the input picks the retransmission algorithm, window, MTU, initial PSNs
// (near the wrap or not), RTO, MarkPSN, ACK coalescing and the A-bit policy, TA status in TP ACKs
// (§6.8.2: which messages are held, the receiving TA's verdicts and how long it takes), Fake
// keep-alive, then a sequence of message sends, fault settings, scripted drops of data or control
// packets, and runs. Every data packet sent carries the next PSN or one already sent (§6.4.1).
// After every step the invariants of
// tests/protocol/tp/test_net.hpp must hold (exactly-once in-order delivery, in-flight within the
// window, no more outcomes than messages); at the end, with the faults stopped, every message must
// reach exactly one outcome (acknowledged, or failed with the channel) within bounded model time,
// and a channel whose next timeout was not already its last must not fail any more.

#include <array>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>

#include "fuzz_check.hpp"
#include "net_ops.hpp"
#include "protocol/tp/test_net.hpp"
#include "provider.hpp"

using namespace ub;
using namespace ub::tp;
using ub::tp::test::TestNet;

namespace {

void check(const TestNet& n) {
  const std::string broken = n.check();
  if (!broken.empty()) {
    std::fprintf(stderr, "invariant broken: %s\n", broken.c_str());
    std::abort();
  }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  ub::fuzz::Provider in(data, size);
  const std::uint8_t c0 = in.byte();
  const std::uint8_t c1 = in.byte();
  const std::uint8_t c2 = in.byte();
  const std::uint8_t c3 = in.byte();
  TpChannelConfig a{};
  a.retx = static_cast<RetxAlgo>(c0 & 3U);
  static constexpr std::uint32_t kWindows[] = {128, 256, 512, 2048};
  a.ooo_window = kWindows[(c0 >> 2) & 3U];
  a.mtu = (c0 & 0x10U) != 0 ? 256 : 1024;
  a.rto.max_retx = 3U + ((c0 >> 5) & 3U);
  a.rto.dynamic = (c0 & 0x80U) == 0;
  a.sack_ooo_threshold = 1U + (c1 & 7U);
  const bool near_wrap = (c1 & 0x08U) != 0;
  static constexpr TaStatusMode kModes[] = {TaStatusMode::Never, TaStatusMode::Never,
                                            TaStatusMode::RolRequests, TaStatusMode::All};
  a.ta_status = kModes[c2 & 3U];
  static constexpr unsigned kCoalesce[] = {1, 2, 8, 32};
  a.ack_coalesce = kCoalesce[(c2 >> 2) & 3U];
  a.ack_delay = (c2 & 0x10U) != 0 ? Time{1'000'000} : Time{0};
  static constexpr ABitPolicy kA[] = {ABitPolicy::LastOrWindowEdge, ABitPolicy::LastOfMessage,
                                      ABitPolicy::EveryPacket, ABitPolicy::LastOrWindowEdge};
  a.a_bit = kA[(c2 >> 5) & 3U];
  if ((c2 & 0x80U) != 0) {
    a.mark_psn = a.retx == RetxAlgo::SelectiveFast;
    a.fake_keepalive_interval = Time{2'000'000};
  }
  TpChannelConfig b = a;
  a.local_tpn = 1;
  a.peer_tpn = 2;
  b.local_tpn = 2;
  b.peer_tpn = 1;
  a.tx_initial_psn = b.rx_initial_psn = near_wrap ? kPsnMask - (c1 >> 4) : 77;
  b.tx_initial_psn = a.rx_initial_psn = near_wrap ? kPsnMask - 3 : 9000;
  UB_FUZZ_CHECK(validate(a).has_value());
  UB_FUZZ_CHECK(validate(b).has_value());

  TestNet net(a, b, 1);
  // The receiving TA: a verdict pattern from c3 (RNR and page fault with timers 0..3), given
  // after 0..15 us.
  unsigned verdicts = 0;
  net.verdict_fn = [&](std::size_t, const RxMessage&) {
    const unsigned k = (verdicts++ * 3U + c3) % 9U;
    static constexpr TaStatusKind kKinds[] = {TaStatusKind::Ok,
                                              TaStatusKind::Ok,
                                              TaStatusKind::Ok,
                                              TaStatusKind::AbnormalRetryable,
                                              TaStatusKind::PageFault,
                                              TaStatusKind::AbnormalUnrecoverable,
                                              TaStatusKind::RemoteAbort,
                                              TaStatusKind::ReceiverNotReady,
                                              TaStatusKind::UnsupportedRequest};
    return TaVerdict{kKinds[k], static_cast<std::uint8_t>(k & 3U)};
  };
  net.verdict_delay = Time{std::int64_t{c3 >> 4} * 1'000'000};
  // Scripted drops: the next `n` data (or control) packets in a direction.
  ub::fuzz::ScriptedDrops drops;
  bool faults = true;
  // §6.4.1: a sender numbers its data packets one after another from its initial PSN, modulo
  // 2^24. Every data packet that leaves end `dir` is a retransmission (at or before the highest
  // PSN it sent) or carries the next PSN.
  std::array<std::optional<std::uint32_t>, 2> top_psn{};
  net.drop = [&](std::size_t dir, const TpOut& p, std::uint64_t) {
    if (!p.control) {
      const auto h = Codec<Rtph>::decode(p.tp);
      UB_FUZZ_CHECK(h.has_value());
      auto& top = top_psn[dir];
      if (!top) {
        UB_FUZZ_CHECK(h->psn == (dir == 0 ? a : b).tx_initial_psn);
        top = h->psn;
      } else if (psn_before(*top, h->psn)) {
        if (h->psn != psn_next(*top)) {
          std::fprintf(stderr, "end %zu sent PSN %#x after %#x\n", dir, h->psn, *top);
        }
        UB_FUZZ_CHECK(h->psn == psn_next(*top));
        top = h->psn;
      }
    }
    if (!faults) {
      return false;
    }
    return drops.take(dir, p.control);
  };

  std::uint64_t steps = 0;
  while (in.remaining() > 0 && steps < 20'000) {
    const std::uint8_t op = in.byte();
    const std::size_t d = op & 1U;
    const unsigned kind = (op >> 1) % 8;
    if (ub::fuzz::shared_net_op(kind, d, in, net, drops, steps, [](const auto& n) { check(n); })) {
      continue;
    }
    switch (kind) {
    case 0:
    case 1:
      net.source(d).to_send += 1U + in.byte() % 16U;
      net.source(d).size = 1U + in.byte() * 23U; // up to ~5.8 KB: several packets
      break;
    case 6:
      net.dup = (in.byte() % 8U) / 100.0;
      net.reorder = (in.byte() % 32U) / 100.0;
      break;
    case 7:
      net.delay = Time{std::int64_t{1 + in.byte()} * 50'000}; // 50 ns .. 12.8 us
      break;
    default:
      break;
    }
  }
  // Faults stop: every message must reach exactly one outcome.
  faults = false;
  net.loss_data = net.loss_ctrl = net.dup = net.reorder = 0;
  // And no channel that is still up may fail from now on unless its next timeout is already
  // fatal: the network loses nothing any more, so the next retransmission (§6.4.2) gets
  // through and its acknowledgement resets the backoff. (A TA status is given within 15 us,
  // far below the 160 us of the first probe.) A sender that never resends what the receiver
  // misses, or numbers it so the receiver cannot take it, fails here instead of recovering.
  std::array<bool, 2> may_fail{};
  for (std::size_t e = 0; e < 2; ++e) {
    // (A status probe count is not visible: with a TA status still owed, failing stays allowed.)
    may_fail[e] = net.end(e).failed() ||
                  net.end(e).rto_times() >= net.end(e).config().rto.max_retx ||
                  net.end(e).status_pending() != 0;
  }
  const bool done = net.run_until_done(net.now() + Time{200'000'000'000'000}, [&] { check(net); });
  if (!done) {
    std::fprintf(stderr,
                 "no outcome for every message: A sent %u acked %llu failed %llu, "
                 "B sent %u acked %llu failed %llu\n",
                 net.source(0).next, static_cast<unsigned long long>(net.source(0).acked),
                 static_cast<unsigned long long>(net.source(0).failed), net.source(1).next,
                 static_cast<unsigned long long>(net.source(1).acked),
                 static_cast<unsigned long long>(net.source(1).failed));
    std::abort();
  }
  for (std::size_t e = 0; e < 2; ++e) {
    if (!may_fail[e] && net.end(e).failed()) {
      std::fprintf(stderr,
                   "end %zu failed after the faults stopped: sent %u acked %llu, peer EPSN %#x, "
                   "snd_una %#x\n",
                   e, net.source(e).next, static_cast<unsigned long long>(net.source(e).acked),
                   net.end(1 - e).epsn(), net.end(e).snd_una());
    }
    UB_FUZZ_CHECK(may_fail[e] || !net.end(e).failed());
    // A message the channel acknowledged was delivered; a failed one may or may not have been.
    UB_FUZZ_CHECK(net.sink(1 - e).delivered >= net.source(e).acked);
    UB_FUZZ_CHECK(net.sink(1 - e).delivered <= net.source(e).next);
    if (!net.end(e).failed()) {
      UB_FUZZ_CHECK(net.source(e).failed == 0);
      UB_FUZZ_CHECK(net.sink(1 - e).delivered == net.source(e).next);
      UB_FUZZ_CHECK(net.end(e).status_pending() == 0);
      UB_FUZZ_CHECK(net.end(1 - e).held_messages() == 0);
    }
  }
  return 0;
}
