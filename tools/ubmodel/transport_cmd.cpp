#include "tools/ubmodel/transport_cmd.hpp"

#include <cmath>
#include <iostream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "sim/transport_experiment.hpp"

namespace ub::tool {

void add_transport_options(CLI::App* cmd, TransportOptions& o) {
  cmd->add_option("--messages", o.messages, "messages port A sends (default 2000)");
  cmd->add_option("--size", o.size, "bytes per message (default 4096)");
  cmd->add_option("--loss", o.loss, "probability a packet is lost (default 0)");
  cmd->add_option("--dup", o.dup, "probability a packet is duplicated (default 0)");
  cmd->add_option("--reorder", o.reorder, "probability a packet is delayed 2 us (default 0)");
  cmd->add_option("--paths", o.paths, "paths through the network, 1..64 (default 1)");
  cmd->add_option("--lb", o.lb, "load balancing: flow (default) or packet (spray by PSN)")
      ->check(CLI::IsMember({"flow", "packet"}));
  cmd->add_option("--retx", o.retx, "retransmission: gbn (default) or selective")
      ->check(CLI::IsMember({"gbn", "selective"}));
  cmd->add_option("--trigger", o.trigger, "fast (NAK/SACK, with the RTO behind it; default) or rto")
      ->check(CLI::IsMember({"fast", "rto"}));
  cmd->add_option("--rto-us", o.rto_us,
                  "static RTO: 512, 16000, 128000 or 4000000 us (default: dynamic, Table 6-8)");
  cmd->add_option("--cc", o.cc, "congestion control: none (default), ldcp, caqm or dcqcn")
      ->check(CLI::IsMember({"none", "ldcp", "caqm", "dcqcn"}));
  cmd->add_option("--rto-base-us", o.rto_base_us,
                  "dynamic RTO Base_time in us, 4..2097152 (default 20, Table 6-8)");
  cmd->add_flag("--mark-psn", o.mark_psn,
                "MarkPSN: resend a lost retransmission without the RTO (selective + fast)");
  cmd->add_option("--ack-coalesce", o.ack_coalesce,
                  "in-order packets answered by one TPACK, 1..window (default 1)");
  cmd->add_option("--ack-delay-us", o.ack_delay_us,
                  "longest a coalesced TPACK waits, us (default 0: until the count or an A bit)");
  cmd->add_option("--mtu", o.mtu, "TP MTU, 256..8192 (default 1024)");
  cmd->add_option("--window", o.window, "receive window, 128..2048 (default 512)");
  cmd->add_option("--latency-us", o.latency_us, "one-way delay of path 0 (default 2)");
  cmd->add_option("--skew-us", o.skew_us, "extra delay per path index (default 0.5)");
  cmd->add_option("--seed", o.seed, "seed of the loss process and switch marking (default 1)");
  cmd->add_option("--senders", o.senders,
                  "senders into one bottleneck, each with its own receiver, 1..64 (default 1)");
  cmd->add_option("--bottleneck-gbps", o.bottleneck_gbps,
                  "bottleneck (switch egress) rate in Gbit/s; turns on the bottleneck mode "
                  "(default: the 400 Gbit/s host rate when --senders > 1)");
  cmd->add_option("--buffer-kb", o.buffer_kb,
                  "bottleneck egress buffer in KB (1000 bytes; default 1000), tail drop beyond");
  cmd->add_flag("--json", o.json, "print one JSON object instead of text");
}

namespace {
int bad(const std::string& msg) {
  std::cerr << "ubmodel: error: transport: " << msg << '\n';
  return 2;
}
} // namespace

int run_transport(const TransportOptions& o) {
  sim::TransportExperimentConfig c{};
  c.messages = o.messages;
  c.size = o.size;
  c.loss = o.loss;
  c.dup = o.dup;
  c.reorder = o.reorder;
  c.paths = o.paths;
  c.per_packet = o.lb == "packet";
  c.seed = o.seed;
  if (!(o.latency_us >= 0 && o.latency_us <= 1e6) || !(o.skew_us >= 0 && o.skew_us <= 1e6)) {
    return bad("--latency-us and --skew-us must be 0..1e6");
  }
  c.latency = Time{static_cast<std::int64_t>(std::llround(o.latency_us * 1e6))};
  c.path_skew = Time{static_cast<std::int64_t>(std::llround(o.skew_us * 1e6))};
  const bool fast = o.trigger == "fast";
  c.channel.retx = o.retx == "gbn"
                       ? (fast ? tp::RetxAlgo::GbnFast : tp::RetxAlgo::GbnRto)
                       : (fast ? tp::RetxAlgo::SelectiveFast : tp::RetxAlgo::SelectiveRto);
  if (o.rto_us >= 0) {
    c.channel.rto.dynamic = false;
    if (o.rto_us == 512) {
      c.channel.rto.static_value = tp::StaticRto::Us512;
    } else if (o.rto_us == 16000) {
      c.channel.rto.static_value = tp::StaticRto::Ms16;
    } else if (o.rto_us == 128000) {
      c.channel.rto.static_value = tp::StaticRto::Ms128;
    } else if (o.rto_us == 4000000) {
      c.channel.rto.static_value = tp::StaticRto::S4;
    } else {
      return bad(fmt::format("--rto-us: the static RTOs are 512, 16000, 128000 and 4000000 "
                             "(§6.4.2.1), got {}",
                             o.rto_us));
    }
  }
  if (!(o.rto_base_us >= 4 && o.rto_base_us <= 2'097'152)) {
    return bad(fmt::format("--rto-base-us: must be 4..2097152 (§6.4.2.1), got {}", o.rto_base_us));
  }
  c.channel.rto.base = Time{static_cast<std::int64_t>(std::llround(o.rto_base_us * 1e6))};
  if (o.mark_psn && c.channel.retx != tp::RetxAlgo::SelectiveFast) {
    return bad("--mark-psn: needs --retx selective --trigger fast (§6.4.2.3.1)");
  }
  c.channel.mark_psn = o.mark_psn;
  if (!(o.ack_delay_us >= 0 && o.ack_delay_us <= 1e6)) {
    return bad(fmt::format("--ack-delay-us: must be 0..1e6, got {}", o.ack_delay_us));
  }
  c.channel.ack_coalesce = o.ack_coalesce;
  c.channel.ack_delay = Time{static_cast<std::int64_t>(std::llround(o.ack_delay_us * 1e6))};
  c.cc = o.cc == "ldcp"    ? tp::CcAlgo::Ldcp
         : o.cc == "caqm"  ? tp::CcAlgo::Caqm
         : o.cc == "dcqcn" ? tp::CcAlgo::Dcqcn
                           : tp::CcAlgo::None;
  c.senders = o.senders;
  if (o.bottleneck_gbps) {
    if (!(*o.bottleneck_gbps > 0 && *o.bottleneck_gbps <= 100'000)) {
      return bad(fmt::format("--bottleneck-gbps: must be above 0 and at most 100000, got {}",
                             *o.bottleneck_gbps));
    }
    c.bottleneck_bps = static_cast<std::uint64_t>(std::llround(*o.bottleneck_gbps * 1e9));
  }
  if (o.buffer_kb) {
    if (!(*o.buffer_kb > 0 && *o.buffer_kb <= 1e6)) {
      return bad(
          fmt::format("--buffer-kb: must be above 0 and at most 1000000, got {}", *o.buffer_kb));
    }
    if (!c.bottleneck_mode()) {
      return bad("--buffer-kb: needs the bottleneck mode (--senders above 1 or --bottleneck-gbps)");
    }
    c.buffer_bytes = static_cast<std::uint64_t>(std::llround(*o.buffer_kb * 1000));
  }
  c.cc_params.mtu = o.mtu;
  c.channel.mtu = o.mtu;
  c.channel.ooo_window = o.window;
  if (auto s = c.validate(); !s) {
    const Error& e = s.error();
    return bad(fmt::format("{}: {}{}", e.field, e.reason,
                           e.has_value ? fmt::format(" (got {})", e.value) : std::string{}));
  }
  const auto r = sim::run_transport_experiment(c);
  const std::string fp = fmt::format("{:016x}", r.fingerprint);
  if (o.json) {
    nlohmann::json j;
    j["messages"] = r.messages;
    j["delivered"] = r.delivered;
    j["duplicates_delivered"] = r.duplicates_delivered;
    j["out_of_order"] = r.out_of_order;
    j["corrupted"] = r.corrupted;
    j["acked"] = r.acked;
    j["failed"] = r.failed;
    j["data_packets"] = r.data_packets;
    j["retransmissions"] = r.retransmissions;
    j["spurious_retransmissions"] = r.spurious_retransmissions;
    j["timeouts"] = r.timeouts;
    j["fast_retransmit_events"] = r.fast_retransmit_events;
    j["acks"] = r.acks;
    j["naks"] = r.naks;
    j["sacks"] = r.sacks;
    j["dropped"] = r.dropped;
    j["goodput_gbps"] = r.goodput_gbps;
    j["p50_latency_us"] = r.p50_latency_us;
    j["p99_latency_us"] = r.p99_latency_us;
    j["elapsed_us"] = r.elapsed_us;
    j["completed"] = r.completed;
    j["queue_peak_bytes"] = r.queue_peak_bytes;
    j["queue_avg_bytes"] = r.queue_avg_bytes;
    j["switch_drops"] = r.switch_drops;
    j["switch_marks"] = r.switch_marks;
    j["jain_fairness"] = r.jain_fairness;
    j["fingerprint"] = fp;
    std::cout << j.dump() << '\n';
  } else {
    std::cout << fmt::format("transport: {} messages of {} B, {} {} over {} path(s) per {}, "
                             "loss {} dup {} reorder {}\n",
                             o.messages, o.size, o.retx, o.trigger, o.paths, o.lb, o.loss, o.dup,
                             o.reorder);
    std::cout << fmt::format("  delivered {}  duplicates {}  failed {}  retransmissions {} "
                             "(spurious {})  timeouts {}\n",
                             r.delivered, r.duplicates_delivered, r.failed, r.retransmissions,
                             r.spurious_retransmissions, r.timeouts);
    std::cout << fmt::format("  goodput {:.2f} Gbit/s  latency p50 {:.1f} us p99 {:.1f} us\n",
                             r.goodput_gbps, r.p50_latency_us, r.p99_latency_us);
    if (c.bottleneck_mode()) {
      std::cout << fmt::format("  bottleneck ({} senders, cc {}): queue peak {} B avg {:.0f} B  "
                               "drops {}  marks {}  Jain {:.3f}\n",
                               o.senders, o.cc, r.queue_peak_bytes, r.queue_avg_bytes,
                               r.switch_drops, r.switch_marks, r.jain_fairness);
    }
    std::cout << "run fingerprint: " << fp << '\n';
  }
  return r.completed ? 0 : 1;
}

} // namespace ub::tool
