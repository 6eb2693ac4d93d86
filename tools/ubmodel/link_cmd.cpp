#include "tools/ubmodel/link_cmd.hpp"

#include <cmath>
#include <fstream>
#include <iostream>
#include <optional>
#include <stdexcept>
#include <string_view>
#include <utility>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "protocol/common/error.hpp"
#include "sim/link_experiment.hpp"

namespace ub::tool {

void add_link_options(CLI::App* cmd, LinkOptions& o) {
  cmd->add_option("--packets", o.packets, "packets port A sends (default 20000)");
  cmd->add_option("--size", o.size, "bytes per packet after the LPH (default 256)");
  cmd->add_option("--vls", o.vls, "VLs the traffic is spread over, 1..16 (default 1)");
  cmd->add_option("--vl0-share", o.vl0_share,
                  "fraction of the packets on VL0, the rest uniform over the other VLs "
                  "(default: uniform)");
  cmd->add_flag("--bidir", o.bidirectional, "port B sends the same traffic back");
  cmd->add_option("--ber", o.ber, "pre-FEC bit error rate, 0 <= BER < 1 (default 0)");
  cmd->add_option("--burst-bits", o.burst_bits, "bits per error burst on a lane (default 1)");
  cmd->add_option("--fec", o.fec, "RS(128,120) FEC: off, t2 or t4 (default t4)")
      ->check(CLI::IsMember({"off", "t2", "t4"}));
  cmd->add_option("--crc-mode", o.crc_mode, "block mode: crc (= crc30), crc62 or noncrc")
      ->check(CLI::IsMember({"crc", "crc30", "crc62", "noncrc"}));
  cmd->add_option("--credit-mode", o.credit_mode, "exclusive (default) or shared")
      ->check(CLI::IsMember({"exclusive", "shared"}));
  cmd->add_option("--arbitration", o.arbitration, "VL arbitration: sp (default) or dwrr")
      ->check(CLI::IsMember({"sp", "dwrr"}));
  cmd->add_option("--lanes", o.lanes, "lanes: 1, 2, 4 or 8 (default 8)");
  cmd->add_option("--reverse-lanes", o.reverse_lanes,
                  "lanes from B to A when they differ (an asymmetric link)");
  cmd->add_option("--lanes-at", o.lanes_at,
                  "US:LANES: at model time US (microseconds) A's transmit width switches to "
                  "LANES (repeatable; QDLWS)");
  cmd->add_option("--fec-latency", o.fec_latency_ns,
                  "FEC encode + decode latency in ns (default 100 for T4, 60 for T2)");
  cmd->add_option("--rate", o.rate_gbps, "lane rate in Gbit/s (default 106.25)");
  cmd->add_option("--latency", o.latency_ns, "propagation delay each way in ns (default 10)");
  cmd->add_option("--rx-cells", o.rx_cells, "receive buffer per VL in cells (default 256)");
  cmd->add_option("--shared-reserve", o.shared_reserve,
                  "shared credit mode: cells each VL keeps for itself (default min(16, "
                  "--rx-cells))");
  cmd->add_option("--retry-buffer", o.retry_buffer,
                  "retry buffer in flits, 69..65535 (default 4096)");
  cmd->add_option("--window", o.window, "packets a source keeps queued per VL (default 8)");
  cmd->add_option("--time-limit-us", o.time_limit_us,
                  "stop after this much model time (default 1000000 us)");
  cmd->add_option("--seed", o.seed, "seed of the bit-error process (default 1)");
  cmd->add_flag("--json", o.json, "print one JSON object instead of text");
  cmd->add_option("--trace", o.trace,
                  "write every data link event (state changes, retries, stalls, errors) to "
                  "FILE, one JSON object per line");
}

namespace {

// Writes trace events as JSON lines.
class JsonLinesTracer final : public Tracer {
public:
  explicit JsonLinesTracer(std::ostream& out) : out_(out) {}
  void on_event(const TraceEvent& e) override {
    out_ << fmt::format(R"({{"t_ps":{},"component":"{}","event":"{}","a":{},"b":{}}})",
                        e.time.count(), e.component, e.what, e.a, e.b)
         << '\n';
  }

private:
  std::ostream& out_;
};

int bad(const std::string& msg) {
  std::cerr << "ubmodel: error: link: " << msg << '\n';
  return 2;
}

} // namespace

int run_link(const LinkOptions& o) {
  sim::LinkExperimentConfig c{};
  c.packets = o.packets;
  c.size = o.size;
  c.vls = o.vls;
  c.vl0_share = o.vl0_share;
  c.bidirectional = o.bidirectional;
  c.window = o.window;
  c.seed = o.seed;
  if (!(o.latency_ns >= 0.0) || o.latency_ns > 1e9) {
    return bad(fmt::format("--latency: must be 0..1e9 ns, got {}", o.latency_ns));
  }
  if (!(o.time_limit_us > 0.0) || o.time_limit_us > 1e8) {
    return bad(
        fmt::format("--time-limit-us: must be above 0 and at most 1e8, got {}", o.time_limit_us));
  }
  if (!(o.rate_gbps > 0.0) || o.rate_gbps > 1e4) {
    return bad(
        fmt::format("--rate: must be above 0 and at most 10000 Gbit/s, got {}", o.rate_gbps));
  }
  if (o.retry_buffer < 69 || o.retry_buffer > 65535) {
    return bad(fmt::format("--retry-buffer: must be 69..65535 flits, got {}", o.retry_buffer));
  }
  c.latency = Time{static_cast<std::int64_t>(std::llround(o.latency_ns * 1e3))};
  c.time_limit = Time{static_cast<std::int64_t>(std::llround(o.time_limit_us * 1e6))};
  c.phy.lanes = o.lanes;
  c.reverse_lanes = o.reverse_lanes;
  for (const std::string& spec : o.lanes_at) {
    const auto colon = spec.find(':');
    double us = 0;
    unsigned lanes = 0;
    try {
      std::size_t used = 0;
      us = std::stod(spec.substr(0, colon), &used);
      if (colon == std::string::npos || used != colon) {
        throw std::invalid_argument("x");
      }
      lanes = static_cast<unsigned>(std::stoul(spec.substr(colon + 1), &used));
      if (used != spec.size() - colon - 1) {
        throw std::invalid_argument("x");
      }
    } catch (const std::exception&) {
      return bad(fmt::format("--lanes-at: expected US:LANES (e.g. 20:4), got '{}'", spec));
    }
    if (!(us >= 0.0) || us > 1e8) {
      return bad(fmt::format("--lanes-at: time must be 0..1e8 us, got '{}'", spec));
    }
    c.width_changes.push_back({Time{static_cast<std::int64_t>(std::llround(us * 1e6))}, lanes});
  }
  if (o.fec_latency_ns >= 0.0) {
    if (o.fec_latency_ns > 1e6) {
      return bad(fmt::format("--fec-latency: at most 1e6 ns, got {}", o.fec_latency_ns));
    }
    const Time t{static_cast<std::int64_t>(std::llround(o.fec_latency_ns * 1e3))};
    c.phy.fec_latency_t2 = t;
    c.phy.fec_latency_t4 = t;
  }
  c.phy.lane_rate = gbps(o.rate_gbps);
  c.phy.ber = o.ber;
  c.phy.burst_bits = o.burst_bits;
  c.phy.fec =
      o.fec == "off" ? phy::FecMode::Off : (o.fec == "t2" ? phy::FecMode::T2 : phy::FecMode::T4);
  c.dl.mode = o.crc_mode == "noncrc"
                  ? dl::BlockMode::NonCrc
                  : (o.crc_mode == "crc62" ? dl::BlockMode::Crc62 : dl::BlockMode::Crc30);
  c.dl.tx_credit_mode =
      o.credit_mode == "shared" ? dl::CreditMode::Shared : dl::CreditMode::Exclusive;
  c.dl.arbitration =
      o.arbitration == "dwrr" ? dl::VlArbitration::Dwrr : dl::VlArbitration::StrictPriority;
  c.dl.rx_buffer_cells = dl::DataLinkConfig::filled(o.rx_cells);
  c.dl.offer.retry_buf_depth = static_cast<std::uint16_t>(o.retry_buffer - 1);
  c.dl.offer.vl_enable = static_cast<std::uint16_t>(o.vls >= 16 ? 0xFFFF : (1U << o.vls) - 1);
  if (o.shared_reserve > static_cast<std::int64_t>(o.rx_cells)) {
    return bad(fmt::format("--shared-reserve: at most --rx-cells ({}), got {}", o.rx_cells,
                           o.shared_reserve));
  }
  c.dl.shared_reserve_cells = dl::DataLinkConfig::filled(
      o.shared_reserve < 0 ? std::min<std::uint32_t>(16, o.rx_cells)
                           : static_cast<std::uint32_t>(o.shared_reserve));
  if (auto s = c.validate(); !s) {
    const Error& e = s.error();
    // Name the command-line option, not the configuration field behind it.
    static const std::pair<std::string_view, std::string_view> kOption[] = {
        {"lanes", "--lanes"},
        {"lane_rate", "--rate"},
        {"ber", "--ber"},
        {"burst_bits", "--burst-bits"},
        {"rx_buffer_cells", "--rx-cells"},
        {"offer.retry_buf_depth", "--retry-buffer"},
        {"offer.vl_enable", "--vls"}};
    std::string_view field = e.field;
    for (const auto& [from, to] : kOption) {
      if (field == from) {
        field = to;
      }
    }
    return bad(fmt::format("{}: {}{}", field, e.reason,
                           e.has_value ? fmt::format(" (got {})", e.value) : std::string{}));
  }
  std::ofstream trace_file;
  std::optional<JsonLinesTracer> tracer;
  if (!o.trace.empty()) {
    trace_file.open(o.trace);
    if (!trace_file) {
      return bad(fmt::format("--trace: {}: cannot open for writing", o.trace));
    }
    tracer.emplace(trace_file);
    c.tracer = &*tracer;
  }
  const auto r = sim::run_link_experiment(c);
  const std::string fp = fmt::format("{:016x}", r.fingerprint);
  if (o.json) {
    nlohmann::json j;
    j["sent"] = r.sent;
    j["delivered"] = r.delivered;
    j["duplicates"] = r.duplicates;
    j["out_of_order"] = r.out_of_order;
    j["corrupted"] = r.corrupted;
    j["error_flagged"] = r.error_flagged;
    j["retries"] = r.retries;
    j["block_errors"] = r.block_errors;
    j["retransmitted_flits"] = r.retransmitted_flits;
    j["retrains"] = r.retrains;
    j["retry_ack_timeouts"] = r.retry_ack_timeouts;
    j["credit_stalls"] = r.credit_stalls;
    j["credits_in_flight_peak"] = r.credits_in_flight_peak;
    j["flits_sent"] = r.flits_sent;
    j["null_flits"] = r.null_flits;
    j["width_changes"] = r.width_changes;
    j["width_changes_refused"] = r.width_changes_refused;
    j["bits_flipped"] = r.bits_flipped;
    j["fec_frames_corrected"] = r.fec_frames_corrected;
    j["fec_frames_uncorrectable"] = r.fec_frames_uncorrectable;
    j["phy_silent_corruptions"] = r.phy_silent_corruptions;
    j["goodput_gbps"] = r.goodput_gbps;
    j["line_rate_gbps"] = r.line_rate_gbps;
    j["latency_mean_ns"] = r.latency_mean_ns;
    j["latency_p99_ns"] = r.latency_p99_ns;
    j["elapsed_us"] = r.elapsed_us;
    j["completed"] = r.completed;
    j["link_state"] = r.link_state;
    j["delivered_per_vl"] = r.delivered_per_vl;
    j["fingerprint"] = fp;
    std::cout << j.dump() << '\n';
  } else {
    std::cout << fmt::format(
        "link: {} packets of {} B on {} VL(s), {} x {} Gbit/s, FEC {}, {} mode, {} credits, "
        "BER {}\n",
        o.packets, o.size, o.vls, o.lanes, o.rate_gbps, o.fec, o.crc_mode, o.credit_mode, o.ber);
    std::cout << fmt::format("  sent {}  delivered {}  duplicates {}  out_of_order {}  "
                             "corrupted {}\n",
                             r.sent, r.delivered, r.duplicates, r.out_of_order, r.corrupted);
    std::cout << fmt::format("  retries {}  block_errors {}  retransmitted_flits {}  retrains {}"
                             "  credit_stalls {}\n",
                             r.retries, r.block_errors, r.retransmitted_flits, r.retrains,
                             r.credit_stalls);
    std::cout << fmt::format("  bits_flipped {}  fec_corrected {}  fec_uncorrectable {}\n",
                             r.bits_flipped, r.fec_frames_corrected, r.fec_frames_uncorrectable);
    std::cout << fmt::format("  goodput {:.2f} Gbit/s of {:.2f}  latency mean {:.1f} ns p99 "
                             "{:.1f} ns  elapsed {:.1f} us\n",
                             r.goodput_gbps, r.line_rate_gbps, r.latency_mean_ns, r.latency_p99_ns,
                             r.elapsed_us);
    std::cout << fmt::format("  link_state {}  completed {}\n", r.link_state, r.completed);
    std::cout << "run fingerprint: " << fp << '\n';
  }
  return r.completed ? 0 : 1;
}

} // namespace ub::tool
