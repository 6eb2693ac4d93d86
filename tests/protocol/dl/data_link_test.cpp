// Two DataLink endpoints over the test wire: bring-up, steady state, retry, retrain, ERROR,
// credits, link down, negotiation. UB-Base-2.0 §4.
#include <catch2/catch.hpp>

#include "protocol/dl/data_link.hpp"
#include "protocol/dl/frame.hpp"
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

TEST_CASE("DataLink repeated failure ends in ERROR, the UBFM reset recovers", "[dl][retrain]") {
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

TEST_CASE("DataLink credit exhaustion back-pressures without loss", "[dl][credit]") {
  DataLinkConfig c = base_config();
  c.rx_buffer_cells = DataLinkConfig::filled(16); // 16 cells = 128 flits per VL
  TestWire w(c, c);
  bring_up(w);
  w.read_rx = false; // B's upper layer does not read: its buffer fills
  w.source(0).to_send[0] = 100;
  w.source(0).size = 300; // 16 flits = 2 cells each
  w.run(5000);
  CHECK(w.b().rx_queued() == 8); // 16 cells / 2 cells per packet
  CHECK(w.a().counters().credit_stalls >= 1);
  CHECK(w.a().tx_credits().available(0) == 0);
  CHECK(w.b().counters().errors[static_cast<std::size_t>(DlError::ReceiveBufferOverflow)] == 0);
  CHECK(check_invariants(w).empty());
  w.read_rx = true;
  REQUIRE(run_checked(w, 200000));
  CHECK(w.sink(1).delivered == 100);
  // At rest every credit has come home.
  w.run(2000);
  CHECK(w.a().tx_credits().in_flight() == 0);
  CHECK(w.a().counters().cells_given_back == w.a().counters().cells_consumed);
  CHECK(w.b().counters().cells_returned == w.b().counters().cells_admitted);
}

TEST_CASE("DataLink a slow reader throttles the sender to its read rate", "[dl][credit]") {
  DataLinkConfig c = base_config();
  c.rx_buffer_cells = DataLinkConfig::filled(8);
  TestWire w(c, c);
  bring_up(w);
  w.read_every = 50; // one packet per 50 flit times
  w.source(0).to_send[0] = 200;
  w.source(0).size = 100; // 6 flits, 1 cell
  REQUIRE(run_checked(w, 100000));
  CHECK(w.sink(1).delivered == 200);
  CHECK(w.steps() >= 200 * 50);
  CHECK(w.a().counters().credit_stalls >= 1);
}

namespace {

// Steps to move `packets` 1000-byte packets on VL0 only, with 8 VLs enabled and a small
// per-VL buffer, over a long wire: credit-limited.
std::uint64_t skewed_run(CreditMode mode, std::uint64_t* stalls) {
  DataLinkConfig c = base_config();
  c.rx_buffer_cells = DataLinkConfig::filled(24);
  c.shared_reserve_cells = DataLinkConfig::filled(4);
  c.tx_credit_mode = mode;
  TestWire w(c, c);
  w.delay_flits = 200;
  bring_up(w);
  const auto start = w.steps();
  w.source(0).to_send[0] = 300;
  w.source(0).size = 1000; // 52 flits = 7 cells
  REQUIRE(run_checked(w, 2'000'000));
  CHECK(w.sink(1).delivered == 300);
  *stalls = w.a().counters().credit_stalls;
  CHECK(w.a().tx_credits().mode() == mode);
  return w.steps() - start;
}

} // namespace

TEST_CASE("DataLink shared credits beat exclusive ones under skewed VL load", "[dl][credit]") {
  std::uint64_t stalls_ex = 0, stalls_sh = 0;
  const auto ex = skewed_run(CreditMode::Exclusive, &stalls_ex);
  const auto sh = skewed_run(CreditMode::Shared, &stalls_sh);
  // Exclusive: VL0 owns 24 cells (3 packets) per ~450-flit round trip; shared: the pool of
  // 8 x 24 cells less 7 x 4 reserved for the other enabled VLs = 164 cells for VL0.
  CHECK(sh * 2 < ex);
  CHECK(stalls_ex > stalls_sh);
}

TEST_CASE("DataLink shared mode needs the peer's RXBUF_VL_SHARE", "[dl][credit][negotiation]") {
  DataLinkConfig a = base_config();
  DataLinkConfig b = base_config();
  a.tx_credit_mode = CreditMode::Shared;
  b.offer.rxbuf_vl_share = false; // B's buffer cannot be shared: A must stay exclusive
  TestWire w(a, b);
  bring_up(w);
  CHECK(w.a().tx_credits().mode() == CreditMode::Exclusive);
  CHECK_FALSE(w.a().negotiated().peer_rx_share);
  CHECK(w.b().negotiated().peer_rx_share);
}

TEST_CASE("DataLink negotiation with mismatched offers agrees on both ends", "[dl][negotiation]") {
  DataLinkConfig a = base_config();
  DataLinkConfig b = base_config();
  a.offer.flow_ctrl_size = 0x30;      // {32, 16}
  b.offer.flow_ctrl_size = 0x60;      // {64, 32}: common 32
  a.offer.data_ack_grain_size = 0x10; // {16}
  b.offer.data_ack_grain_size = 0x08; // {8}: none in common, default 32
  a.offer.vl_enable = 0x00FF;
  b.offer.vl_enable = 0x000B; // {0,1,3}: contiguous from VL0 gives {0,1} (A9)
  a.offer.data_credit_grain_size[1] = 0x06;
  b.offer.data_credit_grain_size[1] = 0x0C; // VL1: common {4}
  a.offer.retry_buf_depth = 1023;
  b.offer.packet_min_interval = 4;
  TestWire w(a, b);
  bring_up(w);
  for (std::size_t e = 0; e < 2; ++e) {
    const Negotiated& n = w.end(e).negotiated();
    CHECK(n.flits_per_cell == 32);
    CHECK(n.data_ack_grain == 32);
    CHECK(n.vl_enable == 0x0003);
    CHECK(n.vl_enable_trimmed);
    CHECK(n.data_credit_grain[1] == 4);
  }
  CHECK(w.b().negotiated().peer_retry_buffer_flits == 1024);
  CHECK(w.a().negotiated().peer_packet_min_interval == 4);
  CHECK(w.a().send(std::vector<Byte>(64, 0), cfg::kCna16, 3) == DataLink::SendStatus::BadVl);
  // Traffic flows with the negotiated values; A pads small packets with NOBs for B's interval.
  w.source(0).to_send[0] = 50;
  w.source(0).to_send[1] = 50;
  w.source(0).size = 20; // 2 flits
  w.source(1).to_send[1] = 50;
  REQUIRE(run_checked(w, 100000));
  CHECK(w.sink(1).delivered == 100);
  CHECK(w.a().counters().nops_sent >= 50);
  CHECK(w.b().counters().nops_sent == 0);
}

TEST_CASE("DataLink link down in the middle of a packet", "[dl][linkdown]") {
  const bool cut_through = GENERATE(false, true);
  DataLinkConfig c = base_config();
  c.cut_through_rx = cut_through;
  TestWire w(c, c);
  bring_up(w);
  w.source(0).to_send[0] = 20;
  w.source(0).size = 5000; // 10 blocks
  // Run until B holds part of a packet.
  std::uint64_t guard = 0;
  while ((w.b().counters().flits_received < 600 || !w.b().receiving_packet()) && ++guard < 100000) {
    w.step();
  }
  const auto delivered_before = w.sink(1).delivered;
  w.link_down();
  CHECK(w.a().state() == DllState::Disabled);
  CHECK(w.b().state() == DllState::Disabled);
  CHECK(w.a().tx_queued_total() == 0);
  CHECK(w.a().counters().packets_dropped > 0);
  CHECK(w.a().retry_buffer().num_free() == w.a().retry_buffer().depth());
  CHECK(w.a().retry_buffer().wr_ptr() == 0);
  CHECK(w.b().rcv_ptr() == 0);
  CHECK(w.a().tx_credits().granted() == 0);
  // The partial packet: flagged and padded (cut-through) or dropped.
  w.run(10);
  if (cut_through) {
    CHECK(w.sink(1).error_flagged == 1);
    CHECK(w.sink(1).delivered == delivered_before + 1);
  } else {
    CHECK(w.sink(1).error_flagged == 0);
    CHECK(w.sink(1).delivered == delivered_before);
  }
  CHECK(w.a().send(std::vector<Byte>(64, 0), cfg::kCna16, 0) == DataLink::SendStatus::NotReady);
  // Link up again: a fresh session, traffic flows.
  bring_up(w);
  w.sink(1) = {};
  w.source(0) = {};
  w.source(0).to_send[0] = 10;
  REQUIRE(run_checked(w, 100000));
  CHECK(w.sink(1).delivered == 10);
}

TEST_CASE("DataLink ERROR_FLAG is passed up and not retried", "[dl]") {
  TestWire w(base_config(), base_config());
  bring_up(w);
  const auto p = ub::dl::test::make_payload(0, 0, 700);
  REQUIRE(w.a().send(p, cfg::kCna16, 0, 0, true) == DataLink::SendStatus::Queued);
  std::optional<RxPacket> got;
  for (int i = 0; i < 1000 && !got; ++i) {
    w.read_rx = false;
    w.step();
    got = w.b().poll_deliver();
  }
  REQUIRE(got);
  CHECK(got->error_flag);
  CHECK(got->net == p);
  CHECK(w.b().counters().block_errors == 0);
  CHECK(w.b().counters().error_flag_packets == 1);
}

TEST_CASE("DataLink small retry buffers: the deadlock guard keeps both ways moving",
          "[dl][retry]") {
  DataLinkConfig c = base_config();
  c.offer.retry_buf_depth = 95; // 96 flits, less than one round trip
  TestWire w(c, c);
  w.delay_flits = 60;
  bring_up(w);
  w.source(0).to_send[0] = 100;
  w.source(1).to_send[0] = 100;
  w.source(0).size = 600;
  w.source(1).size = 600;
  std::uint32_t min_free = 1000;
  REQUIRE(w.run_until_done(400000, [&] {
    min_free =
        std::min({min_free, w.a().retry_buffer().num_free(), w.b().retry_buffer().num_free()});
    REQUIRE(check_invariants(w).empty());
  }));
  CHECK(w.sink(0).delivered == 100);
  CHECK(w.sink(1).delivered == 100);
  CHECK(w.a().counters().retry_buffer_stalls > 0);
  CHECK(min_free < 35);
}

TEST_CASE("DataLink credit and ACK overflows are fatal errors", "[dl][errors]") {
  TestWire w(base_config(), base_config());
  bring_up(w);
  w.run(200); // quiet: B's parser sits at a block start
  SECTION("Crd_Ack returning credit never spent: Flow Control Overflow") {
    CrdAck c{};
    c.set_crd_num_of(0, 5);
    std::array<Byte, 40> blk{};
    REQUIRE(encode_control_block(c, BlockMode::Crc30, blk));
    w.b().on_receive(blk, w.now());
    CHECK(w.b().failed());
    CHECK(w.b().counters().errors[static_cast<std::size_t>(DlError::FlowControlOverflow)] == 1);
  }
  SECTION("Crd_Ack ACKing flits never sent: DL Protocol Error") {
    CrdAck c{};
    c.ack_num = 5000;
    std::array<Byte, 40> blk{};
    REQUIRE(encode_control_block(c, BlockMode::Crc30, blk));
    w.b().on_receive(blk, w.now());
    CHECK(w.b().failed());
    CHECK(w.b().counters().errors[static_cast<std::size_t>(DlError::ProtocolError)] == 1);
  }
  SECTION("a DLLDP beyond the granted buffer: Receive Buffer Overflow") {
    w.read_rx = false;
    // Forge packets on VL0 straight into B until its 256-cell buffer overflows.
    std::vector<Byte> frame(20 * 512);
    Lph lph{};
    lph.cfg = cfg::kCna16;
    const auto payload = std::vector<Byte>(9000, 0x11);
    const auto n = encode_frame(lph, {}, false, payload, BlockMode::Crc30, frame);
    REQUIRE(n);
    for (int i = 0; i < 50 && !w.b().failed(); ++i) { // 8 x 256 cells, shared by default
      w.b().on_receive(std::span<const Byte>(frame.data(), *n), w.now());
    }
    CHECK(w.b().failed());
    CHECK(w.b().counters().errors[static_cast<std::size_t>(DlError::ReceiveBufferOverflow)] == 1);
  }
  CHECK(w.b().send(std::vector<Byte>(64, 0), cfg::kCna16, 0) == DataLink::SendStatus::NotReady);
}

TEST_CASE("DataLink non-CRC mode: FEC failures anywhere, exactly once", "[dl][retry]") {
  DataLinkConfig c = base_config(BlockMode::NonCrc);
  c.retry_ack_timeout = Time{5'000'000};
  TestWire w(c, c);
  bring_up(w);
  w.script = [&](std::size_t, std::uint64_t no, Byte*) {
    return no % 331 == 7 ? TestWire::Fate::FecFail : TestWire::Fate::Deliver;
  };
  w.source(0).to_send[0] = 60;
  w.source(0).to_send[1] = 60;
  w.source(1).to_send[0] = 60;
  w.source(0).size = 1500;
  w.source(1).size = 90;
  REQUIRE(run_checked(w, 2'000'000));
  CHECK(w.sink(1).delivered == 120);
  CHECK(w.sink(0).delivered == 60);
  CHECK(w.b().counters().block_errors > 3);
}

TEST_CASE("DataLink DWRR shares the link by weight, strict priority serves VL0 first", "[dl]") {
  const bool dwrr = GENERATE(false, true);
  DataLinkConfig c = base_config();
  c.arbitration = dwrr ? VlArbitration::Dwrr : VlArbitration::StrictPriority;
  c.dwrr_weights[0] = 3;
  c.dwrr_weights[1] = 1;
  TestWire w(c, c);
  bring_up(w);
  w.source(0).to_send[0] = 400;
  w.source(0).to_send[1] = 400;
  w.source(0).size = 200;
  // Count what B got per VL over a window while both VLs are backlogged.
  w.run(3000);
  const auto vl0 = w.sink(1).next_seq[0];
  const auto vl1 = w.sink(1).next_seq[1];
  REQUIRE(vl0 + vl1 > 100);
  if (dwrr) {
    const double ratio = static_cast<double>(vl0) / static_cast<double>(vl1);
    CHECK(ratio > 2.5);
    CHECK(ratio < 3.5);
  } else {
    CHECK(vl1 == 0);
  }
}

TEST_CASE("RetryBuffer window when the buffer is exactly full", "[dl][retry]") {
  RetryBuffer rb(8);
  std::array<Byte, 20 * 8> flits{};
  rb.write(flits);
  REQUIRE(rb.num_free() == 0);
  REQUIRE(rb.wr_ptr() == rb.tail_ptr());
  for (std::uint32_t p = 0; p < 8; ++p) {
    CHECK(rb.in_window(p)); // every slot holds an un-ACKed flit
  }
  CHECK_FALSE(rb.in_window(8));
  REQUIRE(rb.release(3));
  CHECK_FALSE(rb.in_window(1)); // ACKed
  CHECK(rb.in_window(3));
  CHECK(rb.in_window(0)); // == WrPtr: nothing to resend, still a valid start
}

TEST_CASE("DataLink refuses a packet larger than the peer's whole grant", "[dl][credit]") {
  DataLinkConfig c = base_config();
  c.rx_buffer_cells = DataLinkConfig::filled(4); // 32 flits per VL
  TestWire w(c, c);
  bring_up(w);
  CHECK(w.a().send(std::vector<Byte>(700, 0), cfg::kCna16, 0) ==
        DataLink::SendStatus::TooLarge); // 36 flits = 5 cells
  CHECK(w.a().send(std::vector<Byte>(600, 0), cfg::kCna16, 0) ==
        DataLink::SendStatus::Queued); // 31 flits = 4 cells
}

TEST_CASE("DataLink a damaged Retry_Idle does not cost a retry-ack timeout", "[dl][retry]") {
  TestWire w(base_config(), base_config());
  bring_up(w);
  const std::uint64_t target = w.flits_on_wire(0) + 30;
  int idles_hit = 0;
  w.script = [&](std::size_t dir, std::uint64_t no, Byte* f) {
    if (dir == 0 && no == target) {
      flip(f, 5, 0); // a block error at B: B asks for a replay
    }
    // Damage the Retry_Idle that opens A's Retry_Ack_Set, and the first Retry_Ack after it.
    if (dir == 0 && no > target && f[0] == 0x02 && f[1] == 0 && f[2] == 0x10 && idles_hit == 0) {
      ++idles_hit;
      flip(f, 8, 6);
    }
    return TestWire::Fate::Deliver;
  };
  w.source(0).to_send[0] = 30;
  REQUIRE(run_checked(w, 200000));
  CHECK(idles_hit == 1);
  CHECK(w.b().counters().errors[static_cast<std::size_t>(DlError::RetryAckTimeout)] == 0);
  CHECK(w.b().counters().retry_req_sets == 2); // link-up handshake and this error
  CHECK(w.sink(1).delivered == 30);
}

TEST_CASE("DataLink credit-return timeout is a DL Protocol Error when enabled", "[dl][credit]") {
  const bool enabled = GENERATE(false, true);
  DataLinkConfig c = base_config();
  c.rx_buffer_cells = DataLinkConfig::filled(8);
  if (enabled) {
    c.credit_timeout = Time{5'000'000}; // 5 us
  }
  TestWire w(c, c);
  bring_up(w);
  w.read_rx = false; // B never reads: no credit ever comes back
  w.source(0).to_send[0] = 20;
  w.source(0).size = 300;
  w.run(20000); // 20 us
  CHECK(w.a().counters().credit_stalls >= 1);
  CHECK(w.a().failed() == enabled);
  CHECK(w.a().counters().errors[static_cast<std::size_t>(DlError::ProtocolError)] ==
        (enabled ? 1U : 0U));
}
