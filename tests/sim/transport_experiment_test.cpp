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
