#include "tools/ubmodel/txn_cmd.hpp"

#include <cmath>
#include <iostream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "sim/txn_experiment.hpp"

namespace ub::tool {

void add_txn_options(CLI::App* cmd, TxnOptions& o) {
  cmd->add_option("--initiators", o.initiators, "devices that post operations, 1..64 (default 2)");
  cmd->add_option("--targets", o.targets, "devices that serve them, 1..64 (default 2)");
  cmd->add_option("--queues", o.queues, "queues (Jettys) per initiator, 1..64 (default 1)");
  cmd->add_option("--ops", o.ops, "operations in all (default 2000)");
  cmd->add_option("--depth", o.depth, "operations outstanding per queue (default 16)");
  cmd->add_option("--mix", o.mix,
                  "weights of read, write, atomic, send (default read:30,write:40,atomic:20,"
                  "send:10)");
  cmd->add_option("--mode", o.mode, "service mode: roi (default), rot, rol or uno")
      ->check(CLI::IsMember({"roi", "rot", "rol", "uno"}));
  cmd->add_option("--order", o.order, "execution order of every operation: no (default), ro, so")
      ->check(CLI::IsMember({"no", "ro", "so"}));
  cmd->add_option("--sc", o.sc, "ROT sequence contexts: dynamic (Alloc, default) or static")
      ->check(CLI::IsMember({"dynamic", "static"}));
  cmd->add_option("--channels", o.channels,
                  "RTP: TP Channel Group members per peer, 1..32 (default 1)");
  cmd->add_option("--transport", o.transport,
                  "rtp (default), ctp, utp, bypass, or ideal (the model's lossless baseline)")
      ->check(CLI::IsMember({"rtp", "ctp", "utp", "bypass", "ideal"}));
  cmd->add_option("--loss", o.loss, "probability a packet is lost (default 0)");
  cmd->add_flag("--loss-drops", o.loss_drops,
                "CTP / bypass: a loss is a drop (default: a link-level retry delay)");
  cmd->add_option("--reorder", o.reorder,
                  "probability a per-packet-routed packet is delayed 2 us (default 0)");
  cmd->add_option("--bad-token-rate", o.bad_token_rate,
                  "probability an operation carries a wrong token (default 0)");
  cmd->add_option("--size", o.size, "bytes per read, write and send (default 64)");
  cmd->add_option("--atomic-size", o.atomic_size, "atomic operand bytes (default 8)");
  cmd->add_option("--segment-kb", o.segment_kb, "each target's segment, KiB (default 64)");
  cmd->add_option("--mtu", o.mtu, "TA payload per packet (default 4096)");
  cmd->add_option("--rate-gbps", o.rate_gbps, "link rate, Gbit/s (default 400)");
  cmd->add_option("--hops", o.hops, "switch hops each way (default 3)");
  cmd->add_option("--hop-ns", o.hop_ns, "delay per hop, ns (default 100)");
  cmd->add_option("--exec-ns", o.exec_ns, "target time from a request to its answer, ns (50)");
  cmd->add_option("--taack-coalesce", o.taack_coalesce,
                  "TAACKs the target merges into one, 1..32 (default 1)");
  cmd->add_option("--seed", o.seed, "seed of the operations and the network (default 1)");
  cmd->add_flag("--json", o.json, "print one JSON object instead of text");
}

namespace {

int bad(const std::string& msg) {
  std::cerr << "ubmodel: error: txn: " << msg << '\n';
  return 2;
}

// "read:30,write:40,..." -> weights; an error names the bad item.
std::optional<std::string> parse_mix(const std::string& s, sim::TxnMix& m) {
  m = sim::TxnMix{0, 0, 0, 0};
  std::size_t at = 0;
  while (at <= s.size()) {
    const std::size_t comma = std::min(s.find(',', at), s.size());
    const std::string item = s.substr(at, comma - at);
    const std::size_t colon = item.find(':');
    if (colon == std::string::npos) {
      return fmt::format("--mix: '{}' is not kind:weight", item);
    }
    const std::string kind = item.substr(0, colon);
    const std::string w = item.substr(colon + 1);
    if (w.empty() || w.size() > 6 || w.find_first_not_of("0123456789") != std::string::npos) {
      return fmt::format("--mix: weight '{}' of '{}' is not a number 0..999999", w, kind);
    }
    const auto v = static_cast<unsigned>(std::stoul(w));
    if (kind == "read") {
      m.read = v;
    } else if (kind == "write") {
      m.write = v;
    } else if (kind == "atomic") {
      m.atomic = v;
    } else if (kind == "send") {
      m.send = v;
    } else {
      return fmt::format("--mix: unknown kind '{}' (read, write, atomic, send)", kind);
    }
    at = comma + 1;
  }
  return std::nullopt;
}

Time ns(double v) {
  return Time{static_cast<std::int64_t>(std::llround(v * 1000))};
}

} // namespace

int run_txn(const TxnOptions& o) {
  sim::TxnExperimentConfig c;
  c.initiators = o.initiators;
  c.targets = o.targets;
  c.queues = o.queues;
  c.ops = o.ops;
  c.depth = o.depth;
  if (auto e = parse_mix(o.mix, c.mix)) {
    return bad(*e);
  }
  c.mode = o.mode == "rot"   ? ta::TaMode::Rot
           : o.mode == "rol" ? ta::TaMode::Rol
           : o.mode == "uno" ? ta::TaMode::Uno
                             : ta::TaMode::Roi;
  c.order = o.order == "ro"   ? ta::ExecOrder::Ro
            : o.order == "so" ? ta::ExecOrder::So
                              : ta::ExecOrder::No;
  c.rot_static_sc = o.sc == "static";
  c.transport = o.transport == "ctp"      ? ta::TransportKind::Ctp
                : o.transport == "utp"    ? ta::TransportKind::Utp
                : o.transport == "bypass" ? ta::TransportKind::Bypass
                : o.transport == "ideal"  ? ta::TransportKind::Ideal
                                          : ta::TransportKind::Rtp;
  c.channels = o.channels;
  c.loss = o.loss;
  c.loss_drops = o.loss_drops;
  c.reorder = o.reorder;
  c.bad_token_rate = o.bad_token_rate;
  c.size = o.size;
  c.atomic_size = o.atomic_size;
  if (o.segment_kb < 4 || o.segment_kb > 65536) {
    return bad(fmt::format("--segment-kb: must be 4..65536, got {}", o.segment_kb));
  }
  c.segment_bytes = o.segment_kb * 1024;
  c.mtu = o.mtu;
  if (!(o.rate_gbps > 0 && o.rate_gbps <= 100'000)) {
    return bad(fmt::format("--rate-gbps: must be above 0 and at most 100000, got {}", o.rate_gbps));
  }
  c.rate_bps = static_cast<std::uint64_t>(std::llround(o.rate_gbps * 1e9));
  if (!(o.hop_ns >= 0 && o.hop_ns <= 1e6) || !(o.exec_ns >= 0 && o.exec_ns <= 1e6)) {
    return bad("--hop-ns and --exec-ns must be 0..1e6");
  }
  c.hops = o.hops;
  c.hop_delay = ns(o.hop_ns);
  c.exec_time = ns(o.exec_ns);
  if (o.taack_coalesce < 1 || o.taack_coalesce > 32) {
    return bad(fmt::format("--taack-coalesce: must be 1..32 (RSPINFO, Table 7-3), got {}",
                           o.taack_coalesce));
  }
  c.taack_coalesce = static_cast<std::uint8_t>(o.taack_coalesce);
  c.seed = o.seed;
  if (auto s = c.validate(); !s) {
    const Error& e = s.error();
    return bad(fmt::format("{}: {}{}", e.field, e.reason,
                           e.has_value ? fmt::format(" (got {})", e.value) : std::string{}));
  }
  const auto r = sim::run_txn_experiment(c);
  if (!r.setup_error.empty()) {
    return bad("transport set-up: " + r.setup_error);
  }
  const std::string fp = fmt::format("{:016x}", r.fingerprint);
  if (o.json) {
    nlohmann::json j;
    j["ops"] = r.ops;
    j["refused"] = r.refused;
    j["completed"] = r.completed;
    j["failed_by_status"] = nlohmann::json::object();
    for (const auto& [k, v] : r.failed_by_status) {
      j["failed_by_status"][k] = v;
    }
    j["oracle_violations"] = r.oracle_violations;
    j["ordered_ops"] = r.ordered_ops;
    j["stalls"] = r.stalls;
    j["round_trips_per_ordered_op"] = r.round_trips_per_ordered_op;
    j["p50_latency_us"] = r.p50_latency_us;
    j["p99_latency_us"] = r.p99_latency_us;
    j["elapsed_us"] = r.elapsed_us;
    j["ops_per_us"] = r.ops_per_us;
    j["retries"] = r.retries;
    j["timeouts"] = r.timeouts;
    j["taack_coalesced"] = r.taack_coalesced;
    j["packets"] = r.packets;
    j["packets_per_op"] = r.packets_per_op;
    j["dropped"] = r.dropped;
    j["link_retries"] = r.link_retries;
    j["expected_denied"] = r.expected_denied;
    j["mode"] = o.mode;
    j["transport"] = o.transport;
    j["finished"] = r.finished;
    j["fingerprint"] = fp;
    std::cout << j.dump() << '\n';
  } else {
    std::cout << fmt::format("txn: {} initiator(s) x {} queue(s) -> {} target(s), {} ops, mode "
                             "{} order {} over {}, loss {}\n",
                             o.initiators, o.queues, o.targets, o.ops, o.mode, o.order, o.transport,
                             o.loss);
    std::cout << fmt::format("  completed {}  refused {}  failed", r.completed, r.refused);
    if (r.failed_by_status.empty()) {
      std::cout << " 0";
    }
    for (const auto& [k, v] : r.failed_by_status) {
      std::cout << fmt::format(" [{}: {}]", k, v);
    }
    std::cout << fmt::format("\n  oracle violations {}  stalls per ordered op {:.3f}  retries {}"
                             "  timeouts {}\n",
                             r.oracle_violations, r.round_trips_per_ordered_op, r.retries,
                             r.timeouts);
    std::cout << fmt::format("  latency p50 {:.3f} us p99 {:.3f} us  {:.1f} ops/us  {:.2f} "
                             "packets/op\n",
                             r.p50_latency_us, r.p99_latency_us, r.ops_per_us, r.packets_per_op);
    if (r.oracle_violations != 0) {
      std::cout << r.oracle_summary << '\n';
    }
    std::cout << "run fingerprint: " << fp << '\n';
  }
  return r.finished && r.oracle_violations == 0 ? 0 : 1;
}

} // namespace ub::tool
