// Two DataLink endpoints over the test wire: bring-up, steady state, retry, retrain, ERROR,
// credits, link down, negotiation. UB-Base-2.0 §4.
#include <catch2/catch.hpp>

#include "protocol/dl/data_link.hpp"
#include "protocol/dl/test_wire.hpp" // tests/ is on the include path

using namespace ub;
using namespace ub::dl;
using ub::dl::test::TestWire;

namespace {

DataLinkConfig base_config(BlockMode m = BlockMode::Crc30) {
  DataLinkConfig c{};
  c.mode = m;
  return c;
}

} // namespace

TEST_CASE("DataLink bring-up reaches DLL_Normal on both ends", "[dl]") {
  TestWire w(base_config(), base_config());
  w.link_up();
  CHECK(w.a().state() == DllState::ParamInit);
  w.run(2000);
  CHECK(w.a().state() == DllState::Normal);
  CHECK(w.b().state() == DllState::Normal);
  CHECK(w.a().tx_credits().granted() == 8 * 256);
  CHECK(w.a().counters().retry_req_sets >= 1);
  CHECK(w.a().counters().retry_ack_sets >= 1);
}

TEST_CASE("DataLink clean steady state delivers everything once and in order", "[dl]") {
  TestWire w(base_config(), base_config());
  w.link_up();
  w.run(2000);
  REQUIRE(w.a().state() == DllState::Normal);
  w.source(0).to_send[0] = 200;
  w.source(0).to_send[3] = 100;
  w.source(1).to_send[1] = 150;
  REQUIRE(w.run_until_done(200000));
  CHECK(w.sink(1).delivered == 300);
  CHECK(w.sink(0).delivered == 150);
  CHECK(w.sink(1).duplicates == 0);
  CHECK(w.sink(1).out_of_order == 0);
  CHECK(w.sink(1).corrupted == 0);
  CHECK(w.a().counters().block_errors == 0);
  CHECK(w.b().counters().block_errors == 0);
}

namespace {

using ub::dl::test::check_invariants;

// Brings the pair up and checks both ends reached DLL_Normal.
void bring_up(TestWire& w) {
  w.link_up();
  w.run(3000);
  REQUIRE(w.a().state() == DllState::Normal);
  REQUIRE(w.b().state() == DllState::Normal);
}

// Runs until done, checking the invariants after every step.
bool run_checked(TestWire& w, std::uint64_t limit) {
  std::string broken;
  const bool ok = w.run_until_done(limit, [&] {
    if (broken.empty()) {
      broken = check_invariants(w);
    }
  });
  INFO(broken);
  CHECK(broken.empty());
  return ok;
}

Byte* flip(Byte* f, unsigned byte, unsigned bit) {
  f[byte] = static_cast<Byte>(f[byte] ^ (1U << bit));
  return f;
}

} // namespace

TEST_CASE("DataLink one corrupted flit is replayed, in each block mode", "[dl][retry]") {
  const BlockMode mode = GENERATE(BlockMode::Crc30, BlockMode::Crc62, BlockMode::NonCrc);
  CAPTURE(to_string(mode));
  TestWire w(base_config(mode), base_config(mode));
  bring_up(w);
  const std::uint64_t target = w.flits_on_wire(0) + 40; // a flit in the middle of the traffic
  bool hit = false;
  w.script = [&](std::size_t dir, std::uint64_t no, Byte* f) {
    if (dir == 0 && no == target) {
      hit = true;
      if (mode == BlockMode::NonCrc) {
        return TestWire::Fate::FecFail; // non-CRC mode only learns of errors from the FEC
      }
      flip(f, 9, 3);
    }
    return TestWire::Fate::Deliver;
  };
  w.source(0).to_send[0] = 50;
  w.source(0).size = 300; // 16-17 flits: several packets, single block
  const auto reqs_before = w.b().counters().retry_req_sets;
  REQUIRE(run_checked(w, 100000));
  CHECK(hit);
  CHECK(w.b().counters().block_errors == 1);
  CHECK(w.b().counters().retry_req_sets == reqs_before + 1);
  CHECK(w.a().counters().retry_ack_sets >= 2);
  CHECK(w.a().counters().flits_retransmitted > 0);
  CHECK(w.sink(1).delivered == 50);
  CHECK(w.b().counters().errors[static_cast<std::size_t>(DlError::RetryAckTimeout)] == 0);
}

TEST_CASE("DataLink multi-block packets survive errors in any block", "[dl][retry]") {
  DataLinkConfig c = base_config();
  c.retry_ack_timeout = Time{5'000'000}; // a corrupted Retry_Idle costs one timeout
  TestWire w(c, c);
  bring_up(w);
  // Corrupt every 397th flit in both directions: errors land in first, middle and last blocks,
  // in Retry sets and in Crd_Acks.
  w.script = [&](std::size_t, std::uint64_t no, Byte* f) {
    if (no % 397 == 50) {
      flip(f, static_cast<unsigned>(no % 20), 1);
    }
    return TestWire::Fate::Deliver;
  };
  w.source(0).to_send[0] = 40;
  w.source(0).to_send[2] = 40;
  w.source(1).to_send[1] = 40;
  w.source(0).size = 2000; // 4 blocks
  w.source(1).size = 2000;
  REQUIRE(run_checked(w, 2'000'000));
  CHECK(w.sink(1).delivered == 80);
  CHECK(w.sink(0).delivered == 40);
  CHECK(w.b().counters().block_errors > 5);
  CHECK(w.a().counters().block_errors > 5);
}

TEST_CASE("DataLink a lost Retry_Ack_Set times out and is asked for again", "[dl][retry]") {
  DataLinkConfig c = base_config();
  c.retry_ack_timeout = Time{5'000'000}; // 5 us
  TestWire w(c, c);
  bring_up(w);
  const std::uint64_t target = w.flits_on_wire(0) + 30;
  int acks_dropped = 0;
  w.script = [&](std::size_t dir, std::uint64_t no, Byte* f) {
    if (dir == 0 && no == target) {
      flip(f, 5, 0);
    }
    // Drop A's first Retry_Ack_Set after the error (all 33 flits).
    if (dir == 0 && no > target && acks_dropped < 33 && f[0] == 0x02 && f[1] == 0 &&
        (f[2] == 0x10 || f[2] == 0x12)) {
      ++acks_dropped;
      return TestWire::Fate::Drop;
    }
    return TestWire::Fate::Deliver;
  };
  w.source(0).to_send[0] = 30;
  REQUIRE(run_checked(w, 200000));
  CHECK(acks_dropped == 33);
  CHECK(w.b().counters().errors[static_cast<std::size_t>(DlError::RetryAckTimeout)] == 1);
  CHECK(w.sink(1).delivered == 30);
}

TEST_CASE("DataLink retry rounds: 14 sets then retrain (A4), 15 when inclusive", "[dl][retrain]") {
  const bool inclusive = GENERATE(false, true);
  DataLinkConfig c = base_config();
  c.retry_ack_timeout = Time{3'000'000};
  c.retry_count_inclusive = inclusive;
  TestWire w(c, c);
  bring_up(w);
  const auto reqs0 = w.b().counters().retry_req_sets;
  const std::uint64_t start = w.flits_on_wire(0) + 10;
  bool blackout = true;
  w.script = [&](std::size_t dir, std::uint64_t no, Byte* f) {
    if (dir == 0 && no >= start && blackout) {
      flip(f, 7, 2); // everything A sends is corrupted
    }
    return TestWire::Fate::Deliver;
  };
  w.source(0).to_send[0] = 20;
  // Run until the first retrain.
  for (int i = 0; i < 400000 && w.retrains() == 0; ++i) {
    w.step();
  }
  REQUIRE(w.retrains() == 1);
  CHECK(w.b().counters().retry_req_sets - reqs0 == (inclusive ? 15U : 14U));
  CHECK(w.b().counters().errors[static_cast<std::size_t>(DlError::RetryRollover)] == 1);
  blackout = false;
  REQUIRE(run_checked(w, 400000));
  CHECK(w.sink(1).delivered == 20);
  CHECK(w.b().retry_req_state() == RetryReqState::Normal);
}

TEST_CASE("DataLink repeated failure ends in ERROR; the UBFM reset recovers", "[dl][retrain]") {
  DataLinkConfig c = base_config();
  c.retry_ack_timeout = Time{2'000'000};
  TestWire w(c, c);
  bring_up(w);
  bool blackout = true;
  w.script = [&](std::size_t dir, std::uint64_t, Byte* f) {
    if (dir == 0 && blackout) {
      flip(f, 11, 4);
    }
    return TestWire::Fate::Deliver;
  };
  w.source(0).to_send[0] = 5;
  for (int i = 0; i < 2'000'000 && !w.b().failed(); ++i) {
    w.step();
  }
  REQUIRE(w.b().failed());
  CHECK(w.b().retry_req_state() == RetryReqState::Error);
  CHECK(w.b().counters().errors[static_cast<std::size_t>(DlError::RetryError)] == 1);
  CHECK(w.retrains() == 3); // NUM_PHY_REINIT 1..3 retrain, the 4th entry is ERROR
  CHECK(w.b().send(std::vector<Byte>(64, 1), cfg::kCna16, 0) == DataLink::SendStatus::NotReady);
  // Nothing moves while failed.
  const auto sent = w.b().counters().flits_sent;
  w.run(1000);
  CHECK(w.b().counters().flits_sent == sent);
  // The UBFM resets both ends; with the errors gone the link comes back and traffic flows.
  blackout = false;
  w.a().ubfm_reset(w.now());
  w.b().ubfm_reset(w.now());
  w.run(3000);
  REQUIRE(w.a().state() == DllState::Normal);
  REQUIRE(w.b().state() == DllState::Normal);
  w.sink(1) = {};
  w.source(0) = {};
  w.source(0).to_send[0] = 10;
  REQUIRE(run_checked(w, 100000));
  CHECK(w.sink(1).delivered == 10);
}
