// The transport experiment (sim/transport_experiment): two RTP ends over a multipath network.
#include <catch2/catch.hpp>

#include "sim/transport_experiment.hpp"

using namespace ub;
using namespace ub::sim;

namespace {

TransportExperimentConfig s15(tp::RetxAlgo algo, bool per_packet) {
  TransportExperimentConfig c{};
  c.messages = 300;
  c.size = 4096;
  c.paths = 4;
  c.per_packet = per_packet;
  c.loss = 0.001;
  c.channel.retx = algo;
  c.channel.mtu = 1024;
  c.channel.ooo_window = 512;
  return c;
}

void exactly_once(const TransportExperimentResult& r, std::uint64_t n) {
  CHECK(r.completed);
  CHECK(r.delivered == n);
  CHECK(r.acked == n);
  CHECK(r.duplicates_delivered == 0);
  CHECK(r.out_of_order == 0);
  CHECK(r.corrupted == 0);
}

} // namespace

TEST_CASE("transport experiment: S15 shape, GBN + fast misbehaves under per-packet spraying",
          "[sim][transport]") {
  const auto gbn_pkt = run_transport_experiment(s15(tp::RetxAlgo::GbnFast, true));
  const auto sel_pkt = run_transport_experiment(s15(tp::RetxAlgo::SelectiveRto, true));
  const auto gbn_flow = run_transport_experiment(s15(tp::RetxAlgo::GbnFast, false));
  exactly_once(gbn_pkt, 300);
  exactly_once(sel_pkt, 300);
  exactly_once(gbn_flow, 300);
  // Spraying reorders packets: each reordering makes the GBN receiver NAK and the sender resend.
  CHECK(gbn_pkt.spurious_retransmissions > 20 * (sel_pkt.spurious_retransmissions + 1));
  CHECK(gbn_pkt.goodput_gbps * 3 < sel_pkt.goodput_gbps);
  // Per flow, the same GBN + fast has no spurious resends.
  CHECK(gbn_flow.spurious_retransmissions == 0);
}

TEST_CASE("transport experiment: same seed, same run", "[sim][transport]") {
  auto c = s15(tp::RetxAlgo::SelectiveFast, false);
  c.loss = 0.01;
  const auto a = run_transport_experiment(c);
  const auto b = run_transport_experiment(c);
  CHECK(a.fingerprint == b.fingerprint);
  c.seed = 2;
  CHECK(run_transport_experiment(c).fingerprint != a.fingerprint);
  exactly_once(a, 300);
}

TEST_CASE("transport experiment: bad options are refused by name", "[sim][transport]") {
  auto c = s15(tp::RetxAlgo::GbnFast, false);
  c.loss = 1.5;
  REQUIRE_FALSE(c.validate());
  CHECK(c.validate().error().field == "--loss");
  c = s15(tp::RetxAlgo::GbnFast, false);
  c.paths = 0;
  CHECK(c.validate().error().field == "--paths");
  c = s15(tp::RetxAlgo::GbnFast, false);
  c.channel.ooo_window = 100;
  CHECK_FALSE(c.validate());
}

namespace {

// S16 shape, shortened: 4 senders x 40 messages of 64 KiB into one 400 Gbit/s port, 1 MB buffer.
TransportExperimentConfig s16(tp::CcAlgo cc) {
  TransportExperimentConfig c{};
  c.senders = 4;
  c.messages = 40;
  c.size = 65'536;
  c.cc = cc;
  c.cc_params.mtu = 4096;
  c.channel.mtu = 4096;
  c.channel.ooo_window = 2048;
  c.channel.retx = tp::RetxAlgo::SelectiveFast;
  return c;
}

} // namespace

TEST_CASE("transport experiment: bottleneck mode, LDCP and CAQM hold the queue that none overflows",
          "[sim][transport][cc]") {
  const auto none = run_transport_experiment(s16(tp::CcAlgo::None));
  const auto ldcp = run_transport_experiment(s16(tp::CcAlgo::Ldcp));
  const auto caqm = run_transport_experiment(s16(tp::CcAlgo::Caqm));
  for (const auto* r : {&none, &ldcp, &caqm}) {
    exactly_once(*r, 160);
  }
  // Measured: none peak 996,480 B (the buffer) and 3,060 drops, Jain 0.44; LDCP peak 606,192 B,
  // average 126,781 B, no drops, Jain 0.997, 383 Gbit/s; CAQM peak 128,712 B, average 10,403 B.
  CHECK(none.queue_peak_bytes > 950'000);
  CHECK(none.switch_drops > 1000);
  CHECK(none.switch_marks == 0);
  CHECK(none.jain_fairness < 0.6);
  CHECK(ldcp.switch_drops == 0);
  CHECK(ldcp.switch_marks > 0);
  CHECK(ldcp.queue_peak_bytes < 750'000);
  CHECK(ldcp.queue_avg_bytes < 200'000);
  CHECK(ldcp.jain_fairness > 0.95);
  CHECK(ldcp.goodput_gbps > 340);
  CHECK(caqm.switch_drops == 0);
  CHECK(caqm.queue_peak_bytes < 200'000);
  CHECK(caqm.queue_avg_bytes < 30'000);
  CHECK(caqm.jain_fairness > 0.95);
  // The dropped packets are what none resends.
  CHECK(none.retransmissions >= none.switch_drops);
  CHECK(ldcp.retransmissions == 0);
}

TEST_CASE("transport experiment: bottleneck mode is deterministic, one sender is the old run",
          "[sim][transport][cc]") {
  const auto a = run_transport_experiment(s16(tp::CcAlgo::Dcqcn));
  const auto b = run_transport_experiment(s16(tp::CcAlgo::Dcqcn));
  CHECK(a.fingerprint == b.fingerprint);
  CHECK(a.switch_marks == b.switch_marks);
  auto c = s16(tp::CcAlgo::Dcqcn);
  c.seed = 2;
  CHECK(run_transport_experiment(c).fingerprint != a.fingerprint);
  exactly_once(a, 160);
  CHECK(a.switch_marks > 0);

  // Without --senders or --bottleneck-gbps nothing changes: no queue, Jain 1.
  const auto plain = run_transport_experiment(s15(tp::RetxAlgo::SelectiveFast, false));
  CHECK(plain.queue_peak_bytes == 0);
  CHECK(plain.switch_drops == 0);
  CHECK(plain.jain_fairness == 1.0);
  // One sender through a slower bottleneck: the bottleneck mode, its rate bounds the goodput.
  auto one = s16(tp::CcAlgo::None);
  one.senders = 1;
  one.bottleneck_bps = 100'000'000'000ULL;
  const auto slow = run_transport_experiment(one);
  exactly_once(slow, 40);
  CHECK(slow.goodput_gbps < 100.0);
  CHECK(slow.goodput_gbps > 50.0);
  CHECK(slow.queue_peak_bytes > 0);
}

TEST_CASE("transport experiment: bad bottleneck options are refused by name",
          "[sim][transport][cc]") {
  auto c = s16(tp::CcAlgo::Ldcp);
  c.senders = 0;
  REQUIRE_FALSE(c.validate());
  CHECK(c.validate().error().field == "--senders");
  c = s16(tp::CcAlgo::Ldcp);
  c.senders = 65;
  CHECK(c.validate().error().field == "--senders");
  c = s16(tp::CcAlgo::Ldcp);
  c.buffer_bytes = 4000; // less than one 4096-byte packet
  CHECK(c.validate().error().field == "--buffer-kb");
  c = s16(tp::CcAlgo::Ldcp);
  c.paths = 4;
  CHECK(c.validate().error().field == "--paths");
  c = s16(tp::CcAlgo::Ldcp);
  c.loss = 0.01;
  CHECK(c.validate().error().field == "--loss");
  c = s16(tp::CcAlgo::Ldcp);
  CHECK(c.validate());
}
