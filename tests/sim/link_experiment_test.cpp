// The link experiment (sim/link_experiment): two DataLinks over PhyChannels. UB-Base-2.0 §3-§4.
#include <catch2/catch.hpp>

#include "sim/link_experiment.hpp"

using namespace ub;
using namespace ub::sim;

namespace {

LinkExperimentConfig small(std::uint64_t packets = 3000) {
  LinkExperimentConfig c{};
  c.packets = packets;
  return c;
}

void require_exactly_once(const LinkExperimentResult& r, std::uint64_t packets) {
  CHECK(r.completed);
  CHECK(r.sent == packets);
  CHECK(r.delivered == packets);
  CHECK(r.duplicates == 0);
  CHECK(r.out_of_order == 0);
  CHECK(r.corrupted == 0);
  CHECK(r.link_state == "DLL_Normal");
}

} // namespace

TEST_CASE("link experiment: a clean link runs near its payload rate", "[sim][link]") {
  auto c = small();
  c.size = 600; // 31 flits with LPH and BCRC: 600 / 620 of the flit bytes are payload
  const auto r = run_link_experiment(c);
  require_exactly_once(r, 3000);
  CHECK(r.retries == 2); // the two link-up handshakes, nothing else
  CHECK(r.block_errors == 0);
  // Payload share x FEC parity x AMCTL: the most a link can carry.
  const double bound = r.line_rate_gbps * (600.0 / 620.0) * (120.0 / 128.0) * (6656.0 / 6696.0);
  CHECK(r.goodput_gbps <= bound);
  CHECK(r.goodput_gbps > 0.95 * bound);
}

TEST_CASE("link experiment: same seed gives the same run, another seed another", "[sim][link]") {
  auto c = small(2000);
  c.phy.fec = phy::FecMode::Off;
  c.phy.ber = 2e-6;
  const auto a = run_link_experiment(c);
  const auto b = run_link_experiment(c);
  CHECK(a.fingerprint == b.fingerprint);
  CHECK(a.retries == b.retries);
  CHECK(a.elapsed_us == b.elapsed_us);
  c.seed = 2;
  const auto d = run_link_experiment(c);
  CHECK(d.fingerprint != a.fingerprint);
}

TEST_CASE("link experiment: bit errors without FEC are repaired by link retry", "[sim][link]") {
  const dl::BlockMode mode = GENERATE(dl::BlockMode::Crc30, dl::BlockMode::Crc62);
  auto c = small();
  c.dl.mode = mode;
  c.phy.fec = phy::FecMode::Off;
  c.phy.ber = 3e-6;
  c.vls = 3;
  const auto r = run_link_experiment(c);
  require_exactly_once(r, 3000);
  CHECK(r.bits_flipped > 10);
  CHECK(r.block_errors > 5);
  CHECK(r.retransmitted_flits > 0);
  CHECK(r.phy_silent_corruptions > 5); // the PHY passed them on; the CRC caught them
}

TEST_CASE("link experiment: FEC T4 corrects what T2 must retry", "[sim][link]") {
  auto c = small();
  c.phy.ber = 1e-4;
  c.phy.fec = phy::FecMode::T4;
  const auto t4 = run_link_experiment(c);
  c.phy.fec = phy::FecMode::T2;
  const auto t2 = run_link_experiment(c);
  require_exactly_once(t4, 3000);
  require_exactly_once(t2, 3000);
  CHECK(t4.fec_frames_corrected > 100);
  CHECK(t4.fec_frames_uncorrectable == 0);
  CHECK(t2.fec_frames_uncorrectable > 0);
  CHECK(t2.block_errors > 0);
  CHECK(t4.goodput_gbps > t2.goodput_gbps);
}

TEST_CASE("link experiment: non-CRC mode relies on the FEC and still delivers exactly once",
          "[sim][link]") {
  auto c = small();
  c.dl.mode = dl::BlockMode::NonCrc;
  c.phy.fec = phy::FecMode::T2;
  c.phy.ber = 2e-4;
  c.bidirectional = true;
  const auto r = run_link_experiment(c);
  require_exactly_once(r, 6000);
  CHECK(r.fec_frames_uncorrectable > 0);
  CHECK(r.block_errors > 0);
}

TEST_CASE("link experiment: shared credits help a skewed VL load (S14)", "[sim][link]") {
  auto c = small(1500);
  c.size = 1000;
  c.vls = 8;
  c.vl0_share = 0.9;
  c.latency = Time{400'000}; // 400 ns each way: credit-limited with small buffers
  c.dl.rx_buffer_cells = dl::DataLinkConfig::filled(32);
  c.dl.shared_reserve_cells = dl::DataLinkConfig::filled(8);
  c.window = 64;
  c.dl.tx_credit_mode = dl::CreditMode::Exclusive;
  const auto ex = run_link_experiment(c);
  c.dl.tx_credit_mode = dl::CreditMode::Shared;
  const auto sh = run_link_experiment(c);
  require_exactly_once(ex, 1500);
  require_exactly_once(sh, 1500);
  CHECK(sh.goodput_gbps > 2.0 * ex.goodput_gbps);
  CHECK(sh.credits_in_flight_peak > ex.credits_in_flight_peak);
  CHECK(ex.credit_stalls > sh.credit_stalls);
}

TEST_CASE("link experiment: configuration errors name the option", "[sim][link]") {
  auto c = small();
  c.dl.mode = dl::BlockMode::NonCrc;
  c.phy.fec = phy::FecMode::Off;
  auto s = c.validate();
  REQUIRE_FALSE(s);
  CHECK(s.error().field == "--crc-mode");
  c = small();
  c.vls = 9; // the default offer enables 8 VLs
  s = c.validate();
  REQUIRE_FALSE(s);
  CHECK(s.error().field == "--vls");
  c = small();
  c.size = 4;
  s = c.validate();
  REQUIRE_FALSE(s);
  CHECK(s.error().field == "--size");
  c = small();
  c.phy.lanes = 16;
  CHECK_FALSE(c.validate());
  CHECK(small().validate());
}

TEST_CASE("link experiment: a live width change slows the link without losing a packet",
          "[sim][link]") {
  auto c = small(6000);
  const auto full = run_link_experiment(c);                        // about 17 us at x8
  c.width_changes = {{Time{4'000'000}, 2}, {Time{12'000'000}, 8}}; // x2 from 4 us to 12 us
  const auto narrowed = run_link_experiment(c);
  require_exactly_once(narrowed, 6000);
  CHECK(narrowed.width_changes == 2);
  CHECK(narrowed.width_changes_refused == 0);
  CHECK(narrowed.elapsed_us > full.elapsed_us + 4.0);
  // A second switch 0.5 us after the first is refused (QDLWS: 1 us apart, §3.4.2.3).
  c.width_changes = {{Time{4'000'000}, 4}, {Time{4'500'000}, 2}};
  const auto refused = run_link_experiment(c);
  CHECK(refused.width_changes == 1);
  CHECK(refused.width_changes_refused == 1);
  require_exactly_once(refused, 6000);
}

TEST_CASE("link experiment: an asymmetric link carries each way at its own width", "[sim][link]") {
  auto c = small(4000);
  c.bidirectional = true;
  c.reverse_lanes = 1;
  const auto r = run_link_experiment(c);
  require_exactly_once(r, 8000);
  c.reverse_lanes = 0;
  const auto sym = run_link_experiment(c);
  CHECK(r.elapsed_us > 4.0 * sym.elapsed_us); // B -> A is 8 times narrower
  c.reverse_lanes = 3;
  CHECK_FALSE(c.validate());
}
