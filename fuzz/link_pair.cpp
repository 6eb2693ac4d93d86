// Two DataLink endpoints (UB-Base-2.0 §4) driven by the fuzzer: the input picks a configuration
// and then a sequence of sends, bit errors, flit losses the PHY notices, FEC failures, delay
// changes, idle time, PHY retrains, link downs and UBFM resets. After every step the invariants
// of tests/protocol/dl/test_wire.hpp must hold (retry buffer, credits, exactly-once in-order per
// VL); at the end, with the errors stopped, every packet sent since the last link down or reset
// must arrive within a bounded number of steps (no deadlock).
//
// The fault model is what a PHY can do to flits: single bit errors in a block (always caught by
// the CRC), FEC-frame failures, and lost flits that the PHY flags on the next flit. In non-CRC
// mode every error is an FEC failure, since nothing else could catch it. Payloads come from the
// sequence number, not the input, so no input can forge a CRC-valid Retry block inside data.

#include <algorithm>
#include <cstdint>

#include "fuzz_check.hpp"
#include "protocol/dl/test_wire.hpp"
#include "provider.hpp"

using namespace ub;
using namespace ub::dl;
using ub::dl::test::TestWire;

namespace {

constexpr std::uint64_t kMaxSteps = 20'000;     // per input, before the final phase
constexpr std::uint64_t kSettleSteps = 400'000; // final phase bound

void check(TestWire& w) {
  const std::string broken = ub::dl::test::check_invariants(w);
  if (!broken.empty()) {
    std::fprintf(stderr, "invariant broken: %s\nA: %s\nB: %s\n", broken.c_str(),
                 ub::dl::test::describe(w.a()).c_str(), ub::dl::test::describe(w.b()).c_str());
    std::abort();
  }
  for (std::size_t e = 0; e < 2; ++e) {
    const auto& c = w.end(e).counters();
    // Only the retry machinery may give up (DL Retry Error); any other fatal error is a bug.
    UB_FUZZ_CHECK(c.errors[static_cast<std::size_t>(DlError::ProtocolError)] == 0);
    UB_FUZZ_CHECK(c.errors[static_cast<std::size_t>(DlError::ReceiveBufferOverflow)] == 0);
    UB_FUZZ_CHECK(c.errors[static_cast<std::size_t>(DlError::FlowControlOverflow)] == 0);
  }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  ub::fuzz::Provider in(data, size);
  const std::uint8_t c0 = in.byte();
  const std::uint8_t c1 = in.byte();
  DataLinkConfig cfg{};
  cfg.mode = static_cast<BlockMode>(c0 % 3);
  cfg.tx_credit_mode = (c0 & 0x04) != 0 ? CreditMode::Shared : CreditMode::Exclusive;
  cfg.arbitration = (c0 & 0x08) != 0 ? VlArbitration::Dwrr : VlArbitration::StrictPriority;
  cfg.cut_through_rx = (c0 & 0x10) != 0;
  cfg.retry_count_inclusive = (c0 & 0x20) != 0;
  cfg.offer.vl_enable = (c0 & 0x40) != 0 ? 0x000F : 0x0003;
  cfg.offer.flow_ctrl_size = (c0 & 0x80) != 0 ? 0x02 : 0x08;
  cfg.rx_buffer_cells = DataLinkConfig::filled(8U + (c1 & 0x1FU) * 4U);
  cfg.shared_reserve_cells = DataLinkConfig::filled(2);
  static constexpr std::uint16_t kDepths[] = {95, 127, 511, 4095};
  cfg.offer.retry_buf_depth = kDepths[(c1 >> 5) & 3];
  cfg.offer.packet_min_interval = static_cast<std::uint8_t>(1 + ((c1 >> 7) & 1) * 3);
  cfg.retry_ack_timeout = Time{1'000'000}; // 1 us: timeouts within reach of a short input
  cfg.num_retry_threshold = 4;
  UB_FUZZ_CHECK(validate(cfg).has_value());

  TestWire w(cfg, cfg);
  w.retrain_time = Time{500'000};
  w.delay_flits = 4;
  const bool noncrc = cfg.mode == BlockMode::NonCrc;
  // Pending faults per direction, applied by the script to the next flits.
  struct Pending {
    int flip_bit = -1;     // flip this bit (0..159) of the next flit
    unsigned drop = 0;     // lose this many flits, then flag the next one
    bool dropping = false; // at least one flit of the current loss is gone
    bool fec_fail = false; // the next flit's FEC frame fails
    std::uint64_t last_flip = 0;
  };
  std::array<Pending, 2> pend{};
  bool faults_on = true;
  w.script = [&](std::size_t d, std::uint64_t no, Byte* f) {
    Pending& p = pend[d];
    if (!faults_on) {
      return TestWire::Fate::Deliver;
    }
    if (p.drop > 0) {
      p.dropping = true;
      if (--p.drop == 0) {
        p.dropping = false;
        w.signal_loss(d);
      }
      return TestWire::Fate::Drop;
    }
    if (p.fec_fail) {
      p.fec_fail = false;
      return TestWire::Fate::FecFail;
    }
    // One bit error per 32 flits at most, so that the CRC catches every one (a block holds at
    // most 32 flits).
    if (p.flip_bit >= 0 && (p.last_flip == 0 || no >= p.last_flip + 32)) {
      p.last_flip = no;
      const int bit = p.flip_bit;
      p.flip_bit = -1;
      if (noncrc) {
        return TestWire::Fate::FecFail;
      }
      f[bit / 8] = static_cast<Byte>(f[bit / 8] ^ (1U << (bit % 8)));
    }
    return TestWire::Fate::Deliver;
  };

  w.link_up();
  std::array<std::array<std::uint32_t, kMaxVls>, 2> floor{}; // per end: seq at the last resync
  auto resync = [&] {
    for (std::size_t e = 0; e < 2; ++e) {
      floor[e] = w.source(e).next_seq;
    }
    w.resync_sinks();
  };

  while (in.remaining() > 0 && w.steps() < kMaxSteps) {
    const std::uint8_t op = in.byte();
    const std::size_t d = op & 1U;
    switch ((op >> 1) % 12) {
    case 0:
    case 1: { // offer packets
      const unsigned vl = in.byte() % 4U;
      w.source(d).to_send[vl] += 1U + in.byte() % 8U;
      w.source(d).size = 8U + in.byte() * 9U; // up to 2303 bytes: up to 4 blocks
      break;
    }
    case 2:
    case 3: // run
      w.run(1U + in.byte(), [&] { check(w); });
      break;
    case 4:
      pend[d].flip_bit = static_cast<int>(in.byte() % 160U);
      break;
    case 5:
      pend[d].drop = 1U + in.byte() % 40U;
      break;
    case 6:
      pend[d].fec_fail = true;
      break;
    case 7:
      w.delay_flits = 1U + in.byte() % 64U;
      break;
    case 8:
      w.advance(Time{std::int64_t{in.byte()} * 50'000}); // up to 12.75 us idle
      check(w);
      break;
    case 9:
      w.force_retrain();
      break;
    case 10:
      if ((in.byte() & 7U) == 0) {
        w.link_down();
        resync();
        w.run(1U + in.byte() % 16U);
        w.link_up();
      }
      break;
    case 11:
      w.read_rx = (in.byte() & 3U) != 0; // the upper layers stop reading: credits run dry
      break;
    default:
      break;
    }
  }

  // Final phase: errors stop, readers read, failed ends are reset; everything sent since the
  // last resync must arrive.
  faults_on = false;
  for (std::size_t d = 0; d < 2; ++d) {
    if (pend[d].dropping) {
      w.signal_loss(d); // a loss cut short still reaches the receiver as an FEC failure
    }
  }
  w.read_rx = true;
  w.read_every = 1;
  w.delay_flits = 4;
  if (w.a().failed() || w.b().failed()) {
    w.a().ubfm_reset(w.now());
    w.b().ubfm_reset(w.now());
    resync();
  }
  const auto all_home = [&] {
    if (w.a().state() != DllState::Normal || w.b().state() != DllState::Normal) {
      return false;
    }
    for (std::size_t e = 0; e < 2; ++e) {
      for (unsigned vl = 0; vl < kMaxVls; ++vl) {
        if (w.source(e).to_send[vl] != 0) {
          return false;
        }
        const std::uint32_t sent = w.source(e).next_seq[vl];
        if (sent > floor[e][vl] && w.sink(1 - e).next_seq[vl] != std::int64_t{sent}) {
          return false;
        }
      }
    }
    return true;
  };
  std::uint64_t settle = 0;
  int resets = 0;
  while (!all_home() && settle < kSettleSteps) {
    w.step();
    check(w);
    ++settle;
    // A retry event that began under faults may still end in ERROR (its NUM_PHY_REINIT counts
    // on until NORMAL). The UBFM resets; after that the link must come up and stay up.
    if ((w.a().failed() || w.b().failed()) && resets < 2) {
      ++resets;
      w.a().ubfm_reset(w.now());
      w.b().ubfm_reset(w.now());
      resync();
    }
    // A disabled VL's packets are refused by send(); drop them from the source.
    for (std::size_t e = 0; e < 2; ++e) {
      for (unsigned vl = 0; vl < kMaxVls; ++vl) {
        if (!w.end(e).negotiated().vl_enabled(vl) && w.end(e).state() == DllState::Normal) {
          w.source(e).to_send[vl] = 0;
        }
      }
    }
  }
  if (!all_home()) {
    std::fprintf(stderr, "no progress after %llu settle steps\nA: %s\nB: %s\n",
                 static_cast<unsigned long long>(settle), ub::dl::test::describe(w.a()).c_str(),
                 ub::dl::test::describe(w.b()).c_str());
    std::abort();
  }
  return 0;
}
