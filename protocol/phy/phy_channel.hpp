#pragma once
// One direction of a UB link's physical layer (one TX, one RX, N lanes) as the data link sees
// it: a pipe that carries 20-byte flits, corrupts bits at a configured pre-FEC bit error rate,
// runs the RS(128,120) decoder and reports what the DL would be told. UB-Base-2.0 §3.
// Asymmetric links (§3.1.1, §3.4.2.2) are two PhyChannels with different lane counts.
//
// Spec facts modelled (paraphrased; page numbers of the 2.0.1 text):
//   §3.1.1 p.18     a TX or RX has 1, 2, 4 or 8 lanes; either direction may change width live.
//   §3.1.2 p.18     PHY Mode-2 lane rates 2.578125 / 25.78125 (NRZ), 53.125 / 106.25 (PAM4)
//                   Gbit/s; Mode-1 4.0 Gbit/s plus vendor rates. Training ends at the highest
//                   common rate (§3.4.2.5 p.63), so the default here is 106.25.
//   §3.2.1 p.19     the PCS does FEC (optional) and additive scrambling, nothing else: no block
//                   line code (no 64b/66b); symbols are bytes sent lsb first (§3.2.5.1 p.37).
//   §3.2.2.1 p.20   RS(128,120) over GF(2^8), T=4 the default mode, T=2 same parity; bypass.
//   §3.2.2.3 p.22   codeword symbol k goes to lane k mod L (non-interleaved FEC); in bypass the
//                   flit bytes are striped round-robin from lane 0 after the SDF (§3.2.5.4).
//   §3.2.5.5 p.42   flits and Null blocks fill the FEC message: 120 symbols = 6 flits.
//   §3.2.4.3 p.35   every lane carries a 40-symbol AMCTL after every 6656 symbols (Period0
//                   default, §3.2.4.2 p.32): outside FEC and scrambling, i.e. rate overhead.
//   §3.2.3.5 p.26   an uncorrectable codeword is flagged to the DL (which retries; a failed
//                   retry sends the LMSM to Retrain); optional per-codeword error histogram.
//   §3.4.2.3 p.59   QDLWS: standard widths only, the link first trains at its widest width, and
//                   a new width request at least 1 us after the previous one completed.
//   §3.4.2.8 p.64   the FEC mode is changed through a Retrain.
//
// MODEL (numbers and simplifications the spec does not give; see /work/notes/phy-model.md):
//   - FEC latency (encoder + decoder, one direction): T4 100 ns, T2 60 ns, bypass 0. The spec
//     only says T2 exists to lower latency (§2.2, §3.1).
//   - retrain_time 10 us: the spec gives per-state timeouts (24 ms, 48 ms), not a duration.
//     Counting LTBs, a retrain without speed change or equalization needs ~1 us at 106.25G.
//   - width_switch_time 1 us: the spec's QDLWS does not stop traffic (narrowing is one AMCTL;
//     widening trains the new lanes while data flows on the old ones). Here the channel is
//     busy for width_switch_time; set it to 0 for the spec's hitless switch.
//   - Errors: independent burst starts with probability ber / burst_bits per wire bit; a burst
//     flips burst_bits consecutive bits of one lane's serial stream (DFE error propagation).
//     BER and bursts are as the PCS sees them, after PMA Gray/precoding decode, so precoding's
//     error doubling is folded into burst_bits. AMCTLs (eBCH-16 protected) are never hit.
//   - Scrambling is additive (§3.2.2.4), so a line bit error is the same data bit error: the
//     model corrupts unscrambled bytes.
//   - AMCTL overhead enters wire_time() as the average rate factor (6656+40)/6656.
//   - FEC interleaving (two codecs, 12 flits per frame, §3.2.2.2) is not modelled.
//   - The width stays the same across a retrain (a retrain without Discovery keeps it).

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "protocol/common/bits.hpp"
#include "protocol/common/error.hpp"
#include "protocol/common/rng.hpp"
#include "protocol/common/units.hpp"
#include "protocol/dl/block_mode.hpp"
#include "protocol/phy/rs_fec.hpp"

namespace ub::phy {

inline constexpr std::size_t kFecFrameFlits = kRsK / dl::kFlitBytes; // 6 (§3.2.5.5)
static_assert(kFecFrameFlits * dl::kFlitBytes == kRsK);
inline constexpr unsigned kMaxLanes = 8;                    // §3.1.1
inline constexpr unsigned kAmctlSymbols = 40;               // §3.2.4.2
inline constexpr std::uint32_t kAmctlPeriod0Symbols = 6656; // §3.2.4.2 default
inline constexpr Time kQdlwsMinGap = Time{1'000'000};       // 1 us, §3.4.2.3

// True for the standard link widths x1, x2, x4, x8 (§3.1.1, §3.4.2.2).
[[nodiscard]] constexpr bool is_standard_width(unsigned lanes) noexcept {
  return lanes == 1 || lanes == 2 || lanes == 4 || lanes == 8;
}

// The error process's sampling, exposed for tests. ln(1 - q) for 0 <= q < 1, accurate also
// when 1 - q rounds to 1 (q below ~1e-16, i.e. BER 1e-15 with bursts), and portable.
[[nodiscard]] double ln_one_minus(double q) noexcept;
// Bits before the next burst start when each bit starts one with probability q (geometric,
// failures before the first success), given ln_q1 = ln_one_minus(q) < 0: one rng.uniform() by
// inversion. UINT64_MAX stands for "never". (Rng::geometric draws the same way for one-off use;
// the channel keeps ln(1 - q) to skip recomputing it per burst.)
[[nodiscard]] std::uint64_t burst_gap(Rng& rng, double ln_q1) noexcept;

struct PhyConfig {
  unsigned lanes = 8;                                        // trained (maximum) width, §3.1.1
  BitRate lane_rate = gbps(106.25);                          // per lane, on the wire, §3.1.2
  FecMode fec = FecMode::T4;                                 // §3.2.2.1 default T=4
  Time fec_latency_t4 = Time{100'000};                       // MODEL: 100 ns
  Time fec_latency_t2 = Time{60'000};                        // MODEL: 60 ns
  double ber = 0.0;                                          // pre-FEC bit error rate, 0 <= ber < 1
  unsigned burst_bits = 1;                                   // MODEL: bits per error burst, >= 1
  std::uint32_t amctl_period_symbols = kAmctlPeriod0Symbols; // 0: no AMCTL overhead
  Time retrain_time = Time{10'000'000};                      // MODEL: 10 us
  Time width_switch_time = Time{1'000'000};                  // MODEL: 1 us

  // Ok, or Errc::OutOfRange naming the field (header "PhyConfig"): lanes not 1/2/4/8, a zero
  // lane_rate, ber outside [0, 1) or NaN, burst_bits 0, a negative time.
  [[nodiscard]] Status validate() const noexcept;
};

// What one carry() did to one frame.
struct FrameResult {
  bool fec_failed = false;             // FEC on and the decoder said Uncorrectable (§3.2.3.5)
  bool silently_corrupted = false;     // delivered bytes differ from the input though no failure
                                       // was flagged: a miscorrection, or any error with FEC off
  std::uint32_t bits_flipped = 0;      // wire bits flipped in this frame (parity included)
  std::uint32_t symbols_in_error = 0;  // wire symbols with at least one flipped bit
  std::uint32_t symbols_corrected = 0; // symbols the decoder changed (0 unless corrected)
};

struct PhyCounters {
  std::uint64_t frames = 0;       // carry() calls that carried
  std::uint64_t flits = 0;        // data-link flits carried (Null blocks included)
  std::uint64_t bits_on_wire = 0; // codeword bits (FEC) or flit bits (bypass); no AMCTL
  std::uint64_t bits_flipped = 0;
  std::uint64_t symbols_corrected = 0;
  std::uint64_t frames_corrected = 0;     // decoder status Corrected
  std::uint64_t frames_uncorrectable = 0; // fec_failed
  std::uint64_t silent_corruptions = 0;   // silently_corrupted
  std::uint64_t retrains = 0;
  std::uint64_t width_changes = 0;
  // §3.2.3.5 link-quality monitor, from the decoder's point of view: codewords_by_errors[i] for
  // i = 0..4 counts codewords decoded with i symbol errors; [kUncorrectableBin] counts failures.
  static constexpr std::size_t kUncorrectableBin = 5;
  std::array<std::uint64_t, 6> codewords_by_errors{};
};

class PhyChannel {
public:
  // A channel in Link_Active at the trained width cfg.lanes. Errors: those of cfg.validate().
  [[nodiscard]] static Result<PhyChannel> make(const PhyConfig& cfg);

  // Carries one frame: flits_in to flits_out (same size), at time `now`.
  //  FEC on:  exactly kFecFrameFlits flits (120 bytes; the caller pads with Null blocks). The
  //           PCS encodes, the wire corrupts the 128-symbol codeword (parity included), the
  //           decoder runs in the configured mode, and flits_out gets the 120 message bytes as
  //           decoded (still corrupted if Uncorrectable).
  //  FEC off: any whole number of flits >= 1; flits_out gets the corrupted bytes.
  // Random errors use `rng` only when an error burst starts (geometric skip sampling; the gap
  // to the next burst carries across calls), so BER 1e-15 costs a copy per frame. Errors queued
  // by inject_bit_errors() / inject_burst() are added, then cleared.
  // Errors: LengthMismatch (wrong flit count, sizes differ or not whole flits); NotAllowed
  // when now < busy_until() (retraining or switching width). Nothing changes on error.
  [[nodiscard]] Result<FrameResult> carry(Time now, std::span<const Byte> flits_in,
                                          std::span<Byte> flits_out, Rng& rng);

  // Wire bit numbering for scripted errors: bit b (0 = lsb = first on the lane, §3.2.5.1) of
  // wire symbol s is 8*s + b. FEC on: symbols 0..119 are the message, 120..127 the parity
  // (wire order, see rs_fec.hpp). FEC off: symbol s is byte s of flits_in.
  [[nodiscard]] static constexpr std::size_t wire_bit(std::size_t symbol, unsigned bit) noexcept {
    return 8 * symbol + bit;
  }
  // Flips exactly these wire bits of the next frame (on top of random errors; a bit named
  // twice, or also hit at random, is flipped once). Bits beyond the next frame are ignored.
  void inject_bit_errors(std::span<const std::size_t> wire_bits);
  // A burst in the next frame: `length` consecutive bits of the serial stream of the lane that
  // carries `first_wire_bit`, i.e. the rest of that symbol, then the symbol `lanes()` later,
  // and so on; the part past the end of the frame hits the next frame on the same lane.
  void inject_burst(std::size_t first_wire_bit, std::size_t length);

  // Serialization time of `flits` flits at lanes() x lane rate: 160 bits per flit, times
  // 128/120 with FEC on (pro rata for a partial frame), times (P+40)/P for the AMCTLs (P =
  // amctl_period_symbols; no AMCTL factor if P is 0), rounded up to a picosecond. No
  // propagation delay. Precondition: flits < 2^32.
  [[nodiscard]] Time wire_time(std::size_t flits) const noexcept;
  // FEC encode + decode latency of the current mode; 0 with FEC off.
  [[nodiscard]] Time latency() const noexcept;
  // Data-link payload rate in bit/s after FEC parity and AMCTL overhead (for reports).
  [[nodiscard]] double payload_bps() const noexcept;

  // QDLWS (§3.4.2.3): switch to `lanes` (1, 2, 4 or 8, at most the trained width; widening
  // back up to it is allowed). Returns the time the new width is in effect, now +
  // width_switch_time; the channel is busy until then. The same width is a no-op returning
  // now. Errors: OutOfRange (non-standard width or above the trained width); NotAllowed
  // (busy, or less than 1 us after the previous switch completed).
  [[nodiscard]] Result<Time> set_lanes(unsigned lanes, Time now);

  // Retrain (§3.4.3.8): the link carries nothing until the returned time, now + retrain_time
  // (or a later busy_until() already set). Counted in counters().retrains.
  // The second form also changes the FEC mode, as the RLTB negotiation allows (§3.4.2.8).
  Time retrain(Time now);
  Time retrain(Time now, FecMode new_fec);

  [[nodiscard]] Time busy_until() const noexcept { return busy_until_; }
  [[nodiscard]] unsigned lanes() const noexcept { return lanes_; }
  [[nodiscard]] unsigned trained_lanes() const noexcept { return cfg_.lanes; }
  [[nodiscard]] FecMode fec() const noexcept { return fec_; }
  [[nodiscard]] const PhyConfig& config() const noexcept { return cfg_; }
  [[nodiscard]] const PhyCounters& counters() const noexcept { return counters_; }

private:
  explicit PhyChannel(const PhyConfig& cfg) noexcept;

  // Adds the wire bits of a burst on the lane that carries frame symbol `symbol`, starting at
  // `bit` of it, to flips_; returns the burst length that runs past the end of the frame.
  std::size_t add_burst(std::size_t symbol, unsigned bit, std::size_t length);
  // Adds the bits [lane_bit, lane_bit + length) of lane `lane`'s serial stream in this frame;
  // returns the length that runs past the end of the frame.
  std::size_t add_lane_burst(unsigned lane, std::size_t lane_bit, std::size_t length);
  void reset_lane_state() noexcept;

  PhyConfig cfg_;
  unsigned lanes_;
  FecMode fec_;
  Time busy_until_{0};
  Time last_switch_done_ = Time::min();
  PhyCounters counters_{};

  // Error process state.
  double ln_q1_ = 0.0;     // ln(1 - ber / burst_bits)
  std::uint64_t skip_ = 0; // burst-start-free wire bits before the next burst start
  bool skip_drawn_ = false;
  std::array<std::size_t, kMaxLanes> burst_left_{}; // burst bits owed to each lane
  unsigned lane_cursor_ = 0;                        // bypass: lane of the next symbol
  std::vector<std::size_t> scripted_bits_;
  std::vector<std::array<std::size_t, 2>> scripted_bursts_; // {first_wire_bit, length}

  // Per-frame scratch (kept to reuse capacity).
  std::size_t frame_symbols_ = 0;
  std::vector<std::size_t> flips_;
};

} // namespace ub::phy
