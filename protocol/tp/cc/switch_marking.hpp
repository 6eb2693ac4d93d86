#pragma once
// The switch side of congestion marking: what a (simulated) UB Switch does to the CCI of a data
// packet it forwards. UB-Base-2.0 §5.3.5.2 (FECN marking), §5.3.5.3 and §6.6.1.3.3 (CAQM).
// Sans-I/O like the rest: the caller passes the egress queue depth, whether the egress port leads
// to the packet's destination host (Loc, §5.3.5.1), the time and a random stream.

#include <cstdint>
#include <string_view>

#include "protocol/common/rng.hpp"
#include "protocol/common/units.hpp"
#include "protocol/nl/cci.hpp"

namespace ub::tp {

// A switch's view of its own congestion, in the order FECN marking compares it.
enum class CongestionLevel : std::uint8_t { None, Mild, Severe };
[[nodiscard]] std::string_view to_string(CongestionLevel l) noexcept;

// The FECN code for a level (§5.3.5.1): None 10, Mild 01, Severe 11.
[[nodiscard]] constexpr std::uint8_t fecn_code(CongestionLevel l) noexcept {
  switch (l) {
  case CongestionLevel::None:
    return nl::fecn::kNone;
  case CongestionLevel::Mild:
    return nl::fecn::kMild;
  case CongestionLevel::Severe:
    return nl::fecn::kSevere;
  }
  return nl::fecn::kNone;
}

// Whether a packet may be FECN-marked at all: Mode FECN or FECN_RTT, and FECN not 00 ("not
// markable", §5.3.5.1). CAQM-form and reserved-mode CCIs are not FECN-marked.
[[nodiscard]] bool fecn_markable(const nl::Cci& cci) noexcept;

// §5.3.5.2 rule 1: a markable packet whose FECN says less congestion than `level` gets FECN =
// fecn_code(level) and Loc = `egress_to_dst_host` (both rewritten together); otherwise neither
// changes, so the packet reaches its destination with the worst congestion on its path. The order
// is 10 (none) < 01 (mild) < 11 (severe). Returns whether the packet changed.
// MODEL: congestion-spreading detection (rule 2, optional) is not modelled: every congested
// port marks.
bool fecn_mark(nl::Cci& cci, CongestionLevel level, bool egress_to_dst_host) noexcept;

// MODEL (design note §10.5, §10.6): a RED-like local level from the egress queue in bytes,
// sampled when a packet leaves the queue. Decimal kilobytes.
struct RedParams {
  std::uint64_t kmin_bytes = 100'000;
  std::uint64_t kmax_bytes = 400'000;
  double pmax = 0.2;
};

// q < Kmin: None; Kmin <= q < Kmax: Mild with probability Pmax (q - Kmin) / (Kmax - Kmin), else
// None (one draw from `rng`, only in this band); q >= Kmax: Severe.
[[nodiscard]] CongestionLevel red_level(std::uint64_t queue_bytes, const RedParams& p,
                                        Rng& rng) noexcept;

// Both steps for a packet leaving an egress queue of `queue_bytes`: the level is drawn only for a
// markable packet, so unmarkable traffic does not consume the random stream. Returns whether the
// packet changed.
bool fecn_on_dequeue(nl::Cci& cci, std::uint64_t queue_bytes, bool egress_to_dst_host,
                     const RedParams& p, Rng& rng) noexcept;

// CAQM switch algorithm per egress port. MODEL throughout (§5.3.5.3 leaves it to vendors; design
// note §10.3, after the ns-3 peer's structure and constants).
struct CaqmSwitchParams {
  std::uint64_t rate_bps = 400'000'000'000ULL; // the egress link rate
  Time period = Time{500'000};                 // T, 500 ns
  double lambda = 0.5;                         // credit gain
  double beta = 0.5;                           // credit returned per C mark, in MTUs
  double p_mark = 0.1;                         // chance that a denied request is also C-marked
  std::uint64_t qt_bytes = 40'960;             // Qt, the queue the port accepts (10 MTU)
  std::uint32_t hint_unit = 32;                // bytes per Hint unit, as the hosts' caqm_hint_unit
  std::uint32_t mtu = 4096;
  // Precondition: period > 0.
};

// What on_forward() did to a packet.
enum class CaqmVerdict : std::uint8_t {
  Ignored,          // not a CAQM packet (other CCI mode, or Enable 0): untouched
  AlreadyCongested, // C was already 1: untouched, credit += beta MTU
  Granted,          // I = 1 and credit >= Hint bytes: I kept, credit -= Hint bytes
  Passed,           // I = 0 and credit >= 0: untouched
  Denied,           // I = 1 and 0 <= credit < Hint bytes: I cleared
  DeniedMarked,     // as Denied, and C set (probability p_mark)
  Congested,        // credit < 0: C set, I cleared, credit += beta MTU
};
[[nodiscard]] std::string_view to_string(CaqmVerdict v) noexcept;

// Credit of one egress port, recomputed every period T as
//   credit = lambda (T rate / 8 - bytes sent in the last period + Qt - queue bytes now
//                    - Hint bytes granted in the last period)
// in bytes, signed: a negative credit is what marks congestion. (The ns-3 peer keeps it
// unsigned, so its congested branch can never run; that is a bug not copied here.)
// MODEL: before the first period the credit is that of an idle port: lambda (T rate / 8 + Qt).
// Whenever this port sets C it sets Loc to `egress_to_dst_host`; a Hint that is denied is left
// as it was (§5.3.5.3 lets a switch write its own congestion degree there; this one does not).
class CaqmSwitchPort {
public:
  explicit CaqmSwitchPort(const CaqmSwitchParams& p, Time start = Time{0}) noexcept;

  // A packet of `bytes` leaves through this port. Every packet counts toward the bytes sent in
  // the period; a CAQM one (Mode 000, Enable 1) also gets the verdict, in this order: C already
  // set; request fits the credit (an I = 0 packet requests 0 bytes); credit >= 0; credit < 0.
  // Draws from `rng` only on a denial.
  CaqmVerdict on_forward(nl::Cci& cci, std::uint32_t bytes, bool egress_to_dst_host,
                         Rng& rng) noexcept;

  // The next period boundary.
  [[nodiscard]] Time next_timeout() const noexcept { return next_period_; }
  // At a period boundary (no effect before next_timeout()): the credit is recomputed from the
  // period's counters and the egress queue depth now, and the counters restart. Boundaries
  // missed by a late call are skipped, not replayed.
  void on_timeout(std::uint64_t queue_bytes, Time now) noexcept;

  [[nodiscard]] std::int64_t credit() const noexcept { return credit_; }
  [[nodiscard]] std::uint64_t period_sent_bytes() const noexcept { return sent_; }
  [[nodiscard]] std::uint64_t period_granted_bytes() const noexcept { return granted_; }
  // T x rate / 8: the bytes the link can carry in one period.
  [[nodiscard]] std::int64_t period_capacity_bytes() const noexcept { return capacity_; }

private:
  [[nodiscard]] std::int64_t scaled(std::int64_t bytes) const noexcept;

  CaqmSwitchParams p_;
  std::int64_t capacity_;
  std::int64_t beta_bytes_;
  std::int64_t credit_;
  std::uint64_t sent_ = 0;
  std::uint64_t granted_ = 0;
  Time next_period_;
};

} // namespace ub::tp
