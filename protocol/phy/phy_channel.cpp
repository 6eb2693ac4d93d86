#include "protocol/phy/phy_channel.hpp"

#include <algorithm>
#include <cstring>
#include <string_view>
#include <utility>

namespace ub::phy {

namespace {

__extension__ typedef unsigned __int128 U128;

constexpr std::string_view kConfigHeader = "PhyConfig";
constexpr std::string_view kChannelHeader = "PhyChannel";

Error config_error(std::string_view field, std::string_view reason, std::string_view clause) {
  return Error{Errc::OutOfRange, 0, kConfigHeader, field, reason, clause};
}

} // namespace

double ln_one_minus(double q) noexcept {
  return portable_log_one_minus(q);
}

std::uint64_t burst_gap(Rng& rng, double ln_q1) noexcept {
  const double u = 1.0 - rng.uniform(); // (0, 1]
  const double g = portable_log(u) / ln_q1;
  if (!(g < 1.8e19)) {
    return ~std::uint64_t{0};
  }
  return static_cast<std::uint64_t>(g);
}

Status PhyConfig::validate() const noexcept {
  if (!is_standard_width(lanes)) {
    return make_unexpected(
        config_error("lanes", "not a standard link width (1, 2, 4 or 8)", "§3.1.1")
            .with_value(lanes));
  }
  if (lane_rate.bps == 0) {
    return make_unexpected(config_error("lane_rate", "lane rate must be positive", "§3.1.2"));
  }
  // Written so that NaN fails too.
  if (!(ber >= 0.0 && ber < 1.0)) {
    return make_unexpected(config_error("ber", "bit error rate must be in [0, 1)", "§3.2.3.5"));
  }
  if (burst_bits == 0) {
    return make_unexpected(config_error("burst_bits", "an error burst has at least one bit", ""));
  }
  const std::pair<std::string_view, Time> times[] = {{"fec_latency_t4", fec_latency_t4},
                                                     {"fec_latency_t2", fec_latency_t2},
                                                     {"retrain_time", retrain_time},
                                                     {"width_switch_time", width_switch_time}};
  for (const auto& [name, t] : times) {
    if (t < Time::zero()) {
      return make_unexpected(config_error(name, "a duration must not be negative", ""));
    }
  }
  return {};
}

PhyChannel::PhyChannel(const PhyConfig& cfg) noexcept
    : cfg_(cfg), lanes_(cfg.lanes), fec_(cfg.fec),
      ln_q1_(ln_one_minus(cfg.ber / static_cast<double>(cfg.burst_bits))) {}

Result<PhyChannel> PhyChannel::make(const PhyConfig& cfg) {
  if (auto st = cfg.validate(); !st) {
    return make_unexpected(st.error());
  }
  return PhyChannel{cfg};
}

void PhyChannel::reset_lane_state() noexcept {
  burst_left_ = {};
  lane_cursor_ = 0;
}

void PhyChannel::inject_bit_errors(std::span<const std::size_t> wire_bits) {
  scripted_bits_.insert(scripted_bits_.end(), wire_bits.begin(), wire_bits.end());
}

void PhyChannel::inject_burst(std::size_t first_wire_bit, std::size_t length) {
  scripted_bursts_.push_back({first_wire_bit, length});
}

std::size_t PhyChannel::add_lane_burst(unsigned lane, std::size_t lane_bit, std::size_t length) {
  // Lane `lane` carries frame symbols k0, k0 + L, k0 + 2L, ... (§3.2.2.3, §3.2.5.4), each sent
  // bit 0 first (§3.2.5.1): lane bit q is bit q % 8 of symbol k0 + (q / 8) * L.
  const std::size_t l = lanes_;
  const std::size_t k0 = (lane + l - lane_cursor_) % l;
  const std::size_t lane_symbols = frame_symbols_ > k0 ? (frame_symbols_ - k0 + l - 1) / l : 0;
  const std::size_t lane_bits = 8 * lane_symbols;
  const std::size_t end = lane_bit + length;
  for (std::size_t q = lane_bit; q < std::min(end, lane_bits); ++q) {
    flips_.push_back(8 * (k0 + (q / 8) * l) + q % 8);
  }
  return end > lane_bits ? end - std::max(lane_bit, lane_bits) : 0;
}

std::size_t PhyChannel::add_burst(std::size_t symbol, unsigned bit, std::size_t length) {
  const unsigned lane = static_cast<unsigned>((lane_cursor_ + symbol) % lanes_);
  const std::size_t over = add_lane_burst(lane, 8 * (symbol / lanes_) + bit, length);
  // A burst that runs past the frame continues on the same lane in the next frame; two such
  // bursts on one lane overlap, so the longer remainder covers both.
  burst_left_[lane] = std::max(burst_left_[lane], over);
  return over;
}

Result<FrameResult> PhyChannel::carry(Time now, std::span<const Byte> flits_in,
                                      std::span<Byte> flits_out, Rng& rng) {
  if (now < busy_until_) {
    return make_unexpected(Error{Errc::NotAllowed, 0, kChannelHeader, "",
                                 "link not carrying (retrain or width switch)", "§3.4.3.8"});
  }
  const bool fec_on = fec_ != FecMode::Off;
  if (flits_in.size() != flits_out.size() || flits_in.empty() ||
      flits_in.size() % dl::kFlitBytes != 0 || (fec_on && flits_in.size() != kRsK)) {
    return make_unexpected(Error{Errc::LengthMismatch, 0, kChannelHeader, "",
                                 fec_on
                                     ? "FEC on: a frame is exactly 6 flits (120 bytes), in and out"
                                     : "FEC off: whole flits, at least one, same size in and out",
                                 "§3.2.5.5"}
                               .with_value(flits_in.size()));
  }

  frame_symbols_ = fec_on ? kRsN : flits_in.size();
  const std::size_t wire_bits = 8 * frame_symbols_;
  flips_.clear();

  // 1. Bursts left over from the previous frame continue at the start of their lane.
  const std::array<std::size_t, kMaxLanes> owed = burst_left_;
  burst_left_ = {};
  for (unsigned lane = 0; lane < lanes_; ++lane) {
    if (owed[lane] > 0) {
      burst_left_[lane] = add_lane_burst(lane, 0, owed[lane]);
    }
  }

  // 2. Scripted errors.
  for (const std::size_t b : scripted_bits_) {
    if (b < wire_bits) {
      flips_.push_back(b);
    }
  }
  for (const auto& [first, length] : scripted_bursts_) {
    if (first < wire_bits && length > 0) {
      (void)add_burst(first / 8, static_cast<unsigned>(first % 8), length);
    }
  }
  scripted_bits_.clear();
  scripted_bursts_.clear();

  // 3. Random bursts: each wire bit starts a burst with probability q = ber / burst_bits,
  // independently. skip_ is the number of bits before the next start, drawn from the geometric
  // distribution and carried across frames, so the process is exact whatever the frame size.
  if (cfg_.ber > 0.0) {
    if (!skip_drawn_) {
      skip_ = burst_gap(rng, ln_q1_);
      skip_drawn_ = true;
    }
    std::uint64_t pos = 0;
    while (skip_ < wire_bits - pos) {
      pos += skip_;
      (void)add_burst(static_cast<std::size_t>(pos / 8), static_cast<unsigned>(pos % 8),
                      cfg_.burst_bits);
      ++pos;
      skip_ = burst_gap(rng, ln_q1_);
    }
    skip_ -= wire_bits - pos;
  }

  // A bit hit twice (overlapping bursts, scripted plus random) is flipped once.
  std::sort(flips_.begin(), flips_.end());
  flips_.erase(std::unique(flips_.begin(), flips_.end()), flips_.end());

  FrameResult r;
  r.bits_flipped = static_cast<std::uint32_t>(flips_.size());
  for (std::size_t i = 0; i < flips_.size(); ++i) {
    if (i == 0 || flips_[i] / 8 != flips_[i - 1] / 8) {
      ++r.symbols_in_error;
    }
  }

  if (!fec_on) {
    // Bypass (§3.2.1): the bytes as they arrive; nothing can tell the DL about errors here.
    std::memcpy(flits_out.data(), flits_in.data(), flits_in.size());
    for (const std::size_t b : flips_) {
      flits_out[b / 8] = static_cast<Byte>(flits_out[b / 8] ^ (1U << (b % 8)));
    }
    r.silently_corrupted = r.bits_flipped > 0;
    lane_cursor_ = static_cast<unsigned>((lane_cursor_ + frame_symbols_) % lanes_);
  } else if (flips_.empty()) {
    // An error-free codeword decodes Clean: skip the encoder and the decoder.
    std::memcpy(flits_out.data(), flits_in.data(), kRsK);
    ++counters_.codewords_by_errors[0];
  } else {
    std::array<std::uint8_t, kRsN> cw{};
    std::memcpy(cw.data(), flits_in.data(), kRsK);
    rs_encode(std::span<const std::uint8_t, kRsK>(cw.data(), kRsK),
              std::span<std::uint8_t, kRsParity>(cw.data() + kRsK, kRsParity));
    for (const std::size_t b : flips_) {
      cw[b / 8] = static_cast<std::uint8_t>(cw[b / 8] ^ (1U << (b % 8)));
    }
    const RsDecodeResult d = rs_decode(std::span<std::uint8_t, kRsN>(cw), fec_);
    std::memcpy(flits_out.data(), cw.data(), kRsK);
    const bool differs = std::memcmp(flits_out.data(), flits_in.data(), kRsK) != 0;
    switch (d.status) {
    case RsDecodeResult::Status::Clean:
      r.silently_corrupted = differs;
      ++counters_.codewords_by_errors[0];
      break;
    case RsDecodeResult::Status::Corrected:
      r.symbols_corrected = d.symbols_corrected;
      r.silently_corrupted = differs;
      ++counters_.frames_corrected;
      ++counters_.codewords_by_errors[std::min<std::size_t>(d.symbols_corrected, 4)];
      break;
    case RsDecodeResult::Status::Uncorrectable:
      r.fec_failed = true;
      ++counters_.frames_uncorrectable;
      ++counters_.codewords_by_errors[PhyCounters::kUncorrectableBin];
      break;
    }
  }

  ++counters_.frames;
  counters_.flits += flits_in.size() / dl::kFlitBytes;
  counters_.bits_on_wire += wire_bits;
  counters_.bits_flipped += r.bits_flipped;
  counters_.symbols_corrected += r.symbols_corrected;
  counters_.silent_corruptions += r.silently_corrupted ? 1 : 0;
  return r;
}

Time PhyChannel::wire_time(std::size_t flits) const noexcept {
  const bool fec_on = fec_ != FecMode::Off;
  const std::uint32_t p = cfg_.amctl_period_symbols;
  const U128 period = p == 0 ? 1 : p;
  const U128 amctl = p == 0 ? 0 : kAmctlSymbols;
  const U128 num = U128{flits} * dl::kFlitBytes * 8 * 1'000'000'000'000ULL * (period + amctl) *
                   (fec_on ? kRsN : 1);
  const U128 den = period * (fec_on ? kRsK : 1) * lanes_ * cfg_.lane_rate.bps;
  return Time{static_cast<std::int64_t>((num + den - 1) / den)};
}

Time PhyChannel::latency() const noexcept {
  switch (fec_) {
  case FecMode::Off:
    return Time::zero();
  case FecMode::T2:
    return cfg_.fec_latency_t2;
  case FecMode::T4:
    return cfg_.fec_latency_t4;
  }
  return Time::zero();
}

double PhyChannel::payload_bps() const noexcept {
  const double p = static_cast<double>(cfg_.amctl_period_symbols);
  const double amctl = p == 0.0 ? 1.0 : p / (p + kAmctlSymbols);
  const double fec =
      fec_ == FecMode::Off ? 1.0 : static_cast<double>(kRsK) / static_cast<double>(kRsN);
  return static_cast<double>(lanes_) * static_cast<double>(cfg_.lane_rate.bps) * fec * amctl;
}

Result<Time> PhyChannel::set_lanes(unsigned lanes, Time now) {
  if (!is_standard_width(lanes) || lanes > cfg_.lanes) {
    return make_unexpected(Error{Errc::OutOfRange, 0, kChannelHeader, "lanes",
                                 "width must be x1, x2, x4 or x8 and at most the trained width",
                                 "§3.4.2.3"}
                               .with_value(lanes));
  }
  if (now < busy_until_) {
    return make_unexpected(Error{Errc::NotAllowed, 0, kChannelHeader, "lanes",
                                 "link busy (retrain or width switch in progress)", "§3.4.2.3"});
  }
  if (last_switch_done_ != Time::min() && now < last_switch_done_ + kQdlwsMinGap) {
    return make_unexpected(Error{Errc::NotAllowed, 0, kChannelHeader, "lanes",
                                 "less than 1 us after the previous width switch completed",
                                 "§3.4.2.3"});
  }
  if (lanes == lanes_) {
    return now;
  }
  lanes_ = lanes;
  busy_until_ = now + cfg_.width_switch_time;
  last_switch_done_ = busy_until_;
  ++counters_.width_changes;
  reset_lane_state();
  return busy_until_;
}

Time PhyChannel::retrain(Time now) {
  busy_until_ = std::max(busy_until_, now + cfg_.retrain_time);
  ++counters_.retrains;
  reset_lane_state();
  return busy_until_;
}

Time PhyChannel::retrain(Time now, FecMode new_fec) {
  fec_ = new_fec;
  return retrain(now);
}

} // namespace ub::phy
