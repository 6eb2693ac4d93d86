#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <vector>

#include <catch2/catch.hpp>

#include "protocol/phy/phy_channel.hpp"

using namespace ub;
using namespace ub::phy;
using namespace ub::literals;

namespace {

using Frame = std::vector<Byte>;

PhyChannel make_channel(const PhyConfig& cfg) {
  auto ch = PhyChannel::make(cfg);
  REQUIRE(ch);
  return std::move(*ch);
}

Frame random_frame(Rng& rng, std::size_t flits) {
  Frame f(flits * dl::kFlitBytes);
  for (auto& b : f) {
    b = static_cast<Byte>(rng.next());
  }
  return f;
}

// Carries `in` at time 0 (or `now`) and requires success.
FrameResult carry_ok(PhyChannel& ch, const Frame& in, Frame& out, Rng& rng, Time now = Time{0}) {
  out.assign(in.size(), 0);
  auto r = ch.carry(now, in, out, rng);
  REQUIRE(r);
  return *r;
}

// in with the given wire bits flipped (bit 0 = lsb).
Frame flipped(Frame in, std::initializer_list<std::size_t> bits) {
  for (const std::size_t b : bits) {
    in[b / 8] = static_cast<Byte>(in[b / 8] ^ (1U << (b % 8)));
  }
  return in;
}

PhyConfig cfg_with(FecMode fec, unsigned lanes = 4, double ber = 0.0) {
  PhyConfig c;
  c.fec = fec;
  c.lanes = lanes;
  c.ber = ber;
  return c;
}

} // namespace

TEST_CASE("phy channel: BER 0 delivers every byte unchanged in every FEC mode",
          "[phy][channel][spec:§3.2.1]") {
  for (const FecMode mode : {FecMode::Off, FecMode::T2, FecMode::T4}) {
    CAPTURE(static_cast<int>(mode));
    PhyChannel ch = make_channel(cfg_with(mode));
    Rng data(1), err(2);
    Frame out;
    const std::size_t flits = mode == FecMode::Off ? 5 : kFecFrameFlits;
    for (int i = 0; i < 50; ++i) {
      const Frame in = random_frame(data, flits);
      const FrameResult r = carry_ok(ch, in, out, err);
      REQUIRE(out == in);
      REQUIRE_FALSE(r.fec_failed);
      REQUIRE_FALSE(r.silently_corrupted);
      REQUIRE(r.bits_flipped == 0);
    }
    const PhyCounters& c = ch.counters();
    CHECK(c.frames == 50);
    CHECK(c.flits == 50 * flits);
    // FEC on: the 128-symbol codeword is on the wire, parity included (§3.2.2.1).
    CHECK(c.bits_on_wire == 50 * (mode == FecMode::Off ? flits * 160 : 1024));
    CHECK(c.bits_flipped == 0);
    CHECK(c.frames_corrected + c.frames_uncorrectable + c.silent_corruptions == 0);
  }
}

TEST_CASE("phy config: validate() names the bad field", "[phy][channel][spec:§3.1.1]") {
  struct Case {
    const char* field;
    PhyConfig cfg;
  };
  auto with = [](auto f) {
    PhyConfig c;
    f(c);
    return c;
  };
  const std::array cases{
      Case{"lanes", with([](PhyConfig& c) { c.lanes = 3; })},
      Case{"lanes", with([](PhyConfig& c) { c.lanes = 16; })},
      Case{"lanes", with([](PhyConfig& c) { c.lanes = 0; })},
      Case{"lane_rate", with([](PhyConfig& c) { c.lane_rate = BitRate{0}; })},
      Case{"ber", with([](PhyConfig& c) { c.ber = -1e-9; })},
      Case{"ber", with([](PhyConfig& c) { c.ber = 1.0; })},
      Case{"ber", with([](PhyConfig& c) { c.ber = std::numeric_limits<double>::quiet_NaN(); })},
      Case{"burst_bits", with([](PhyConfig& c) { c.burst_bits = 0; })},
      Case{"retrain_time", with([](PhyConfig& c) { c.retrain_time = -1_ns; })},
      Case{"width_switch_time", with([](PhyConfig& c) { c.width_switch_time = -1_ns; })},
  };
  for (const Case& k : cases) {
    CAPTURE(k.field);
    const Status st = k.cfg.validate();
    REQUIRE_FALSE(st);
    CHECK(st.error().code == Errc::OutOfRange);
    CHECK(st.error().header == "PhyConfig");
    CHECK(st.error().field == k.field);
    CHECK_FALSE(PhyChannel::make(k.cfg));
  }
  for (const unsigned lanes : {1U, 2U, 4U, 8U}) {
    CHECK(cfg_with(FecMode::T4, lanes, 0.5).validate());
  }
  CHECK(PhyConfig{}.validate());
}

TEST_CASE("phy channel: scripted single-bit errors are corrected by T4 and T2 (parity too)",
          "[phy][channel][fec][spec:§3.2.3.5]") {
  for (const FecMode mode : {FecMode::T2, FecMode::T4}) {
    for (const std::size_t bit : {PhyChannel::wire_bit(0, 0), PhyChannel::wire_bit(77, 5),
                                  PhyChannel::wire_bit(119, 7), PhyChannel::wire_bit(124, 3)}) {
      CAPTURE(static_cast<int>(mode), bit);
      PhyChannel ch = make_channel(cfg_with(mode));
      Rng data(3), err(4);
      const Frame in = random_frame(data, kFecFrameFlits);
      Frame out;
      const std::array bits{bit};
      ch.inject_bit_errors(bits);
      const FrameResult r = carry_ok(ch, in, out, err);
      CHECK(out == in);
      CHECK(r.bits_flipped == 1);
      CHECK(r.symbols_in_error == 1);
      CHECK(r.symbols_corrected == 1);
      CHECK_FALSE(r.fec_failed);
      CHECK_FALSE(r.silently_corrupted);
      CHECK(ch.counters().frames_corrected == 1);
      CHECK(ch.counters().codewords_by_errors[1] == 1);
      // The script applies to one frame only.
      const FrameResult next = carry_ok(ch, in, out, err);
      CHECK(next.bits_flipped == 0);
    }
  }
}

TEST_CASE("phy channel: 4 symbol errors are corrected by T4 and 3 are uncorrectable for T2",
          "[phy][channel][fec][spec:§3.2.2.1][spec:§3.2.3.5]") {
  Rng data(5), err(6);
  const Frame in = random_frame(data, kFecFrameFlits);
  Frame out;
  // Four symbols, several bits each, one of them in the parity.
  const std::vector<std::size_t> four{PhyChannel::wire_bit(2, 0),  PhyChannel::wire_bit(2, 7),
                                      PhyChannel::wire_bit(50, 3), PhyChannel::wire_bit(90, 1),
                                      PhyChannel::wire_bit(90, 2), PhyChannel::wire_bit(90, 6),
                                      PhyChannel::wire_bit(127, 4)};
  {
    PhyChannel t4 = make_channel(cfg_with(FecMode::T4));
    t4.inject_bit_errors(four);
    const FrameResult r = carry_ok(t4, in, out, err);
    CHECK(out == in);
    CHECK(r.bits_flipped == 7);
    CHECK(r.symbols_in_error == 4);
    CHECK(r.symbols_corrected == 4);
    CHECK_FALSE(r.fec_failed);
    CHECK(t4.counters().codewords_by_errors[4] == 1);
  }
  {
    // T2 on three message symbols: flagged, and the bytes come out as they arrived.
    PhyChannel t2 = make_channel(cfg_with(FecMode::T2));
    const std::vector<std::size_t> three{PhyChannel::wire_bit(2, 0), PhyChannel::wire_bit(50, 3),
                                         PhyChannel::wire_bit(90, 6)};
    t2.inject_bit_errors(three);
    const FrameResult r = carry_ok(t2, in, out, err);
    CHECK(r.fec_failed);
    CHECK_FALSE(r.silently_corrupted);
    CHECK(r.symbols_corrected == 0);
    CHECK(out == flipped(in, {PhyChannel::wire_bit(2, 0), PhyChannel::wire_bit(50, 3),
                              PhyChannel::wire_bit(90, 6)}));
    CHECK(t2.counters().frames_uncorrectable == 1);
    CHECK(t2.counters().codewords_by_errors[PhyCounters::kUncorrectableBin] == 1);
  }
  {
    PhyChannel t2 = make_channel(cfg_with(FecMode::T2));
    const std::vector<std::size_t> two{PhyChannel::wire_bit(2, 0), PhyChannel::wire_bit(126, 3)};
    t2.inject_bit_errors(two);
    const FrameResult r = carry_ok(t2, in, out, err);
    CHECK(out == in);
    CHECK(r.symbols_corrected == 2);
    CHECK_FALSE(r.fec_failed);
  }
}

TEST_CASE("phy channel: FEC off delivers the corrupted bytes without a failure flag",
          "[phy][channel][spec:§3.2.1]") {
  PhyChannel ch = make_channel(cfg_with(FecMode::Off));
  Rng data(7), err(8);
  const Frame in = random_frame(data, 3);
  Frame out;
  // Bit 0 is the lsb, the first bit of the symbol on its lane (§3.2.5.1).
  const std::vector<std::size_t> bits{PhyChannel::wire_bit(3, 0), PhyChannel::wire_bit(59, 7),
                                      PhyChannel::wire_bit(59, 7), 100'000};
  ch.inject_bit_errors(bits);
  const FrameResult r = carry_ok(ch, in, out, err);
  CHECK(out == flipped(in, {PhyChannel::wire_bit(3, 0), PhyChannel::wire_bit(59, 7)}));
  CHECK(static_cast<Byte>(out[3] ^ in[3]) == 0x01);
  CHECK(static_cast<Byte>(out[59] ^ in[59]) == 0x80);
  CHECK(r.bits_flipped == 2); // a bit named twice flips once; bits past the frame are dropped
  CHECK_FALSE(r.fec_failed);
  CHECK(r.silently_corrupted);
  CHECK(ch.counters().silent_corruptions == 1);
}

TEST_CASE("phy channel: a burst follows its lane's serial stream into the next frame",
          "[phy][channel][spec:§3.2.2.3][spec:§3.2.5.4]") {
  Rng data(9), err(10);
  Frame out;
  SECTION("x1: consecutive symbols") {
    PhyChannel ch = make_channel(cfg_with(FecMode::Off, 1));
    const Frame in = random_frame(data, 1);
    ch.inject_burst(PhyChannel::wire_bit(0, 4), 12);
    carry_ok(ch, in, out, err);
    CHECK(static_cast<Byte>(out[0] ^ in[0]) == 0xF0);
    CHECK(static_cast<Byte>(out[1] ^ in[1]) == 0xFF);
    CHECK(static_cast<Byte>(out[2] ^ in[2]) == 0x00);
  }
  SECTION("x4: the next symbol on the same lane is 4 symbols later; bypass striping continues") {
    PhyChannel ch = make_channel(cfg_with(FecMode::Off, 4));
    const Frame in = random_frame(data, 2); // 40 symbols: lane 2 carries 2, 6, ..., 38
    ch.inject_burst(PhyChannel::wire_bit(34, 4), 4 + 8 + 8);
    carry_ok(ch, in, out, err);
    CHECK(out == flipped(in, {PhyChannel::wire_bit(34, 4), PhyChannel::wire_bit(34, 5),
                              PhyChannel::wire_bit(34, 6), PhyChannel::wire_bit(34, 7),
                              PhyChannel::wire_bit(38, 0), PhyChannel::wire_bit(38, 1),
                              PhyChannel::wire_bit(38, 2), PhyChannel::wire_bit(38, 3),
                              PhyChannel::wire_bit(38, 4), PhyChannel::wire_bit(38, 5),
                              PhyChannel::wire_bit(38, 6), PhyChannel::wire_bit(38, 7)}));
    // The last 8 bits continue on lane 2: after 40 symbols striping restarts at lane 0, so the
    // next frame's symbol 2 is lane 2's next symbol.
    const Frame in2 = random_frame(data, 1);
    const FrameResult r2 = carry_ok(ch, in2, out, err);
    CHECK(r2.bits_flipped == 8);
    CHECK(static_cast<Byte>(out[2] ^ in2[2]) == 0xFF);
    // Nothing is owed any more.
    CHECK(carry_ok(ch, in2, out, err).bits_flipped == 0);
  }
  SECTION("x4 with FEC: codeword symbols k and k+4 share a lane; T4 corrects the 2 symbols") {
    PhyChannel ch = make_channel(cfg_with(FecMode::T4, 4));
    const Frame in = random_frame(data, kFecFrameFlits);
    ch.inject_burst(PhyChannel::wire_bit(117, 0), 16); // lane 1: symbols 117 and 121 (parity)
    const FrameResult r = carry_ok(ch, in, out, err);
    CHECK(out == in);
    CHECK(r.bits_flipped == 16);
    CHECK(r.symbols_in_error == 2);
    CHECK(r.symbols_corrected == 2);
  }
}

TEST_CASE("phy channel: measured flips match the BER (1e8 bits, +-5 sigma)",
          "[phy][channel][ber]") {
  constexpr double kBer = 1e-4;
  PhyChannel ch = make_channel(cfg_with(FecMode::Off, 8, kBer));
  Rng data(11), err(12);
  const Frame in = random_frame(data, 125); // 20,000 bits a frame
  Frame out(in.size());
  for (int i = 0; i < 5'000; ++i) {
    auto r = ch.carry(Time{0}, in, out, err);
    REQUIRE(r);
  }
  const auto& c = ch.counters();
  REQUIRE(c.bits_on_wire == 100'000'000);
  const double n = static_cast<double>(c.bits_on_wire);
  const double expected = n * kBer;
  const double sigma = std::sqrt(n * kBer * (1 - kBer));
  CHECK(std::abs(static_cast<double>(c.bits_flipped) - expected) < 5 * sigma);
}

TEST_CASE("phy channel: burst gaps are geometric with mean (1 - q) / q down to BER 1e-17",
          "[phy][channel][ber]") {
  CHECK(ln_one_minus(0.0) == 0.0);
  CHECK(ln_one_minus(1e-17) == Approx(-1e-17).epsilon(1e-12));
  CHECK(ln_one_minus(0.5) == Approx(-0.6931471805599453).epsilon(1e-12));
  CHECK(ln_one_minus(1e-4 * (1 + 1e-9)) == Approx(ln_one_minus(1e-4 * (1 - 1e-9))));
  for (const double q : {1e-17, 1.25e-16, 1e-15, 1e-6, 1e-2, 0.5}) {
    CAPTURE(q);
    Rng rng(23);
    const double ln_q1 = ln_one_minus(q);
    constexpr int kDraws = 40'000;
    double sum = 0;
    int never = 0;
    for (int i = 0; i < kDraws; ++i) {
      const std::uint64_t g = burst_gap(rng, ln_q1);
      never += g == ~std::uint64_t{0} ? 1 : 0;
      sum += static_cast<double>(g);
    }
    REQUIRE(never == 0);
    // The standard deviation of a geometric gap is about its mean: 5 sigma of the average is
    // 2.5% at 40,000 draws. (1 - p rounds to 1 - 1.1e-16 at p = 1.25e-16: 11% off.)
    const double mean = (1 - q) / q;
    CHECK(std::abs(sum / kDraws - mean) < 5 * std::sqrt((1 - q) / (q * q) / kDraws) + 0.5);
  }
}

TEST_CASE("phy channel: with FEC up to T symbol errors are always repaired and more never pass",
          "[phy][channel][fec][ber][spec:§3.2.3.5]") {
  for (const FecMode mode : {FecMode::T4, FecMode::T2}) {
    CAPTURE(static_cast<int>(mode));
    PhyChannel ch = make_channel(cfg_with(mode, 4, 2e-3));
    Rng data(13), err(14);
    Frame out;
    const unsigned t = correctable(mode);
    for (int i = 0; i < 1'000; ++i) {
      const Frame in = random_frame(data, kFecFrameFlits);
      const FrameResult r = carry_ok(ch, in, out, err);
      if (r.symbols_in_error <= t) {
        REQUIRE(out == in);
        REQUIRE_FALSE(r.fec_failed);
        REQUIRE(r.symbols_corrected == r.symbols_in_error);
      } else {
        // More than T errors: flagged, or (T4 only, rarely) miscorrected into another codeword.
        REQUIRE((r.fec_failed || r.silently_corrupted));
        if (mode == FecMode::T2 && r.symbols_in_error <= 6) {
          REQUIRE(r.fec_failed); // d_min = 9: T2 detects every pattern of 3..6 errors
        }
      }
      REQUIRE(r.silently_corrupted == (!r.fec_failed && out != in));
    }
    const auto& c = ch.counters();
    CHECK(c.frames_corrected > 100);
    CHECK(c.frames_uncorrectable > 10);
    std::uint64_t histogram = 0;
    for (const auto n : c.codewords_by_errors) {
      histogram += n;
    }
    CHECK(histogram == c.frames);
  }
}

TEST_CASE("phy channel: random errors with FEC hit the parity bits too",
          "[phy][channel][fec][ber][spec:§3.2.2.1]") {
  // 1024 bits a frame are exposed: hitting only the 960 message bits would come out 6.25%
  // (about 8 sigma) short.
  constexpr double kBer = 1e-2;
  PhyChannel ch = make_channel(cfg_with(FecMode::T4, 8, kBer));
  Rng data(13), err(14);
  const Frame in = random_frame(data, kFecFrameFlits);
  Frame out(in.size());
  for (int i = 0; i < 1'600; ++i) {
    REQUIRE(ch.carry(Time{0}, in, out, err));
  }
  const auto& c = ch.counters();
  REQUIRE(c.bits_on_wire == 1'600 * 1024);
  const double n = static_cast<double>(c.bits_on_wire);
  const double sigma = std::sqrt(n * kBer * (1 - kBer));
  CHECK(std::abs(static_cast<double>(c.bits_flipped) - n * kBer) < 5 * sigma);
}

TEST_CASE("phy channel: bursts flip exactly burst_bits consecutive bits of one lane",
          "[phy][channel][ber]") {
  constexpr unsigned kLanes = 4;
  constexpr unsigned kBurst = 8;
  constexpr double kBer = 1e-4;
  PhyConfig cfg = cfg_with(FecMode::Off, kLanes, kBer);
  cfg.burst_bits = kBurst;
  PhyChannel ch = make_channel(cfg);
  Rng data(15), err(16);
  const Frame in = random_frame(data, 100); // 2000 symbols: a multiple of 4, lanes stay aligned
  Frame out(in.size());
  constexpr std::uint64_t kLaneBitsPerFrame = 2000 / kLanes * 8;
  // Per lane, the positions of the flipped bits in the order the lane sends them.
  std::array<std::vector<std::uint64_t>, kLanes> lane_err;
  for (std::uint64_t f = 0; f < 1'000; ++f) {
    auto r = ch.carry(Time{0}, in, out, err);
    REQUIRE(r);
    for (std::size_t s = 0; s < in.size(); ++s) {
      const unsigned diff = static_cast<unsigned>(in[s] ^ out[s]);
      for (unsigned b = 0; diff != 0 && b < 8; ++b) {
        if (((diff >> b) & 1U) != 0) {
          lane_err[s % kLanes].push_back(f * kLaneBitsPerFrame + (s / kLanes) * 8 + b);
        }
      }
    }
  }
  std::uint64_t runs = 0;
  std::uint64_t ones = 0;
  for (const auto& lane : lane_err) {
    std::size_t run = 0;
    for (std::size_t i = 0; i < lane.size(); ++i) {
      ++run;
      ++ones;
      if (i + 1 == lane.size() || lane[i + 1] != lane[i] + 1) {
        // Overlapping bursts would merge into 9..15 bits; at q = 1.25e-5 a bit that is rare
        // enough to require exact bursts here.
        CHECK(run == kBurst);
        ++runs;
        run = 0;
      }
    }
  }
  CHECK(ones == ch.counters().bits_flipped);
  const double n = static_cast<double>(ch.counters().bits_on_wire);
  const double starts = n * kBer / kBurst; // 2000 expected
  CHECK(std::abs(static_cast<double>(runs) - starts) < 5 * std::sqrt(starts));
}

TEST_CASE("phy channel: the same seed gives the same corruption and another seed another",
          "[phy][channel][determinism]") {
  auto run = [](std::uint64_t seed) {
    PhyChannel ch = make_channel(cfg_with(FecMode::T4, 8, 3e-3));
    Rng data(99), err(seed);
    std::vector<Byte> all;
    std::vector<std::uint32_t> flips;
    Frame out;
    for (int i = 0; i < 300; ++i) {
      const Frame in = random_frame(data, kFecFrameFlits);
      const FrameResult r = carry_ok(ch, in, out, err);
      all.insert(all.end(), out.begin(), out.end());
      flips.push_back(r.bits_flipped);
    }
    return std::pair{all, flips};
  };
  const auto a = run(1);
  const auto b = run(1);
  const auto c = run(2);
  CHECK(a == b);
  CHECK(a.second != c.second);
}

TEST_CASE("phy channel: wire_time includes FEC parity (128/120) and AMCTL overhead",
          "[phy][channel][timing][spec:§3.2.2.1][spec:§3.2.4.3]") {
  SECTION("100 Gbit/s lanes without AMCTL overhead: exact numbers") {
    PhyConfig cfg = cfg_with(FecMode::T4, 4);
    cfg.lane_rate = gbps(100);
    cfg.amctl_period_symbols = 0;
    PhyChannel fec = make_channel(cfg);
    cfg.fec = FecMode::Off;
    PhyChannel off = make_channel(cfg);
    CHECK(fec.wire_time(6) == 2560_ps); // 1024 bits at 400 Gbit/s
    CHECK(off.wire_time(6) == 2400_ps); // 960 bits
    CHECK(fec.wire_time(6).count() * 120 == off.wire_time(6).count() * 128);
    CHECK(off.wire_time(1) == 400_ps);
  }
  SECTION("defaults: 106.25 Gbit/s lanes, AMCTL of 40 symbols every 6656") {
    PhyChannel fec = make_channel(cfg_with(FecMode::T4, 4));
    PhyChannel off = make_channel(cfg_with(FecMode::Off, 4));
    // 1024 * 6696 / 6656 bits at 425 Gbit/s = 2423.9 ps; 960 bits -> 2272.4 ps (rounded up).
    CHECK(fec.wire_time(6) == 2424_ps);
    CHECK(off.wire_time(6) == 2273_ps);
    const double ratio = static_cast<double>(fec.wire_time(60'000).count()) /
                         static_cast<double>(off.wire_time(60'000).count());
    CHECK(ratio == Approx(128.0 / 120.0).epsilon(1e-6));
    PhyChannel x8 = make_channel(PhyConfig{});
    CHECK(x8.wire_time(6) == 1212_ps);
    CHECK(x8.payload_bps() == Approx(850e9 * 120 / 128 * 6656 / 6696));
  }
  SECTION("latency is the FEC latency of the mode") {
    CHECK(make_channel(cfg_with(FecMode::T4)).latency() == 100_ns);
    CHECK(make_channel(cfg_with(FecMode::T2)).latency() == 60_ns);
    CHECK(make_channel(cfg_with(FecMode::Off)).latency() == Time::zero());
  }
}

TEST_CASE("phy channel: QDLWS width change with its busy window and validation",
          "[phy][channel][qdlws][spec:§3.4.2.3]") {
  PhyChannel ch = make_channel(cfg_with(FecMode::T4, 4));
  Rng data(17), err(18);
  const Frame in = random_frame(data, kFecFrameFlits);
  Frame out(in.size());
  const Time x4_time = ch.wire_time(6);

  for (const unsigned bad : {0U, 3U, 5U, 16U, 8U}) { // 8: above the trained x4
    CAPTURE(bad);
    auto r = ch.set_lanes(bad, 0_us);
    REQUIRE_FALSE(r);
    CHECK(r.error().code == Errc::OutOfRange);
    CHECK(r.error().field == "lanes");
  }
  CHECK(ch.lanes() == 4);
  CHECK(ch.counters().width_changes == 0);

  auto same = ch.set_lanes(4, 5_us);
  REQUIRE(same);
  CHECK(*same == 5_us); // no-op
  CHECK(ch.counters().width_changes == 0);

  auto narrow = ch.set_lanes(2, 10_us);
  REQUIRE(narrow);
  CHECK(*narrow == 11_us);
  CHECK(ch.busy_until() == 11_us);
  CHECK(ch.lanes() == 2);
  CHECK(ch.wire_time(6) == 2 * x4_time);
  auto during = ch.carry(10_us + 999'999_ps, in, out, err);
  REQUIRE_FALSE(during);
  CHECK(during.error().code == Errc::NotAllowed);
  REQUIRE(ch.carry(11_us, in, out, err));
  CHECK(out == in);

  // A new request needs 1 us after the previous one completed (11 us).
  auto too_soon = ch.set_lanes(4, 11_us + 500_ns);
  REQUIRE_FALSE(too_soon);
  CHECK(too_soon.error().code == Errc::NotAllowed);
  auto widen = ch.set_lanes(4, 12_us); // back up to the trained width
  REQUIRE(widen);
  CHECK(*widen == 13_us);
  CHECK(ch.lanes() == 4);
  CHECK(ch.wire_time(6) == x4_time);
  CHECK(ch.counters().width_changes == 2);

  ch.retrain(20_us);
  auto while_retraining = ch.set_lanes(2, 21_us);
  REQUIRE_FALSE(while_retraining);
  CHECK(while_retraining.error().code == Errc::NotAllowed);
}

TEST_CASE("phy channel: retrain busy window and counter and FEC mode change",
          "[phy][channel][retrain][spec:§3.4.3.8][spec:§3.4.2.8]") {
  PhyConfig cfg = cfg_with(FecMode::T4);
  cfg.retrain_time = 7_us;
  PhyChannel ch = make_channel(cfg);
  Rng data(19), err(20);
  const Frame in = random_frame(data, kFecFrameFlits);
  Frame out(in.size());

  CHECK(ch.retrain(5_us) == 12_us);
  CHECK(ch.busy_until() == 12_us);
  CHECK(ch.counters().retrains == 1);
  auto busy = ch.carry(12_us - 1_ps, in, out, err);
  REQUIRE_FALSE(busy);
  CHECK(busy.error().code == Errc::NotAllowed);
  CHECK(ch.counters().frames == 0);
  REQUIRE(ch.carry(12_us, in, out, err));
  CHECK(ch.counters().frames == 1);

  CHECK(ch.retrain(100_us, FecMode::Off) == 107_us);
  CHECK(ch.counters().retrains == 2);
  CHECK(ch.fec() == FecMode::Off);
  CHECK(ch.latency() == Time::zero());
  const Frame one = random_frame(data, 1);
  Frame out1(one.size());
  REQUIRE(ch.carry(107_us, one, out1, err)); // bypass takes any whole number of flits
  CHECK(out1 == one);
  CHECK(ch.counters().flits == kFecFrameFlits + 1);
  CHECK(ch.counters().bits_on_wire == 1024 + 160);
}

TEST_CASE("phy channel: carry rejects frames of the wrong size and changes nothing",
          "[phy][channel][spec:§3.2.5.5]") {
  PhyChannel fec = make_channel(cfg_with(FecMode::T4));
  PhyChannel off = make_channel(cfg_with(FecMode::Off));
  Rng err(21);
  std::vector<Byte> a(140), b(140);
  const std::array<std::pair<std::size_t, std::size_t>, 3> fec_bad{
      {{100, 100}, {140, 140}, {120, 100}}};
  for (const auto& [n_in, n_out] : fec_bad) {
    auto r = fec.carry(Time{0}, std::span(a).first(n_in), std::span(b).first(n_out), err);
    REQUIRE_FALSE(r);
    CHECK(r.error().code == Errc::LengthMismatch);
  }
  const std::array<std::pair<std::size_t, std::size_t>, 3> off_bad{{{0, 0}, {21, 21}, {20, 40}}};
  for (const auto& [n_in, n_out] : off_bad) {
    auto r = off.carry(Time{0}, std::span(a).first(n_in), std::span(b).first(n_out), err);
    REQUIRE_FALSE(r);
    CHECK(r.error().code == Errc::LengthMismatch);
  }
  CHECK(fec.counters().frames == 0);
  CHECK(off.counters().frames == 0);
}
