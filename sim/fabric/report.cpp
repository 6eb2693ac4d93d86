// Run outputs (report.hpp).

#include "sim/fabric/report.hpp"

#include <algorithm>
#include <cmath>
#include <fstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "sim/engine/fingerprint.hpp"

namespace ub::sim {

namespace {

// Global port -> (node, port), by the topology's port table.
struct PortName {
  NodeId node = 0;
  PortIndex port = 0;
};

std::vector<PortName> port_names(const Topology& t) {
  std::vector<PortName> v(t.port_total());
  for (const Node& n : t.nodes()) {
    for (PortIndex k = 0; k < n.port_count; ++k) {
      v[n.first_port + k] = PortName{n.id, k};
    }
  }
  return v;
}

// The node at the far end of a global port, or the node itself when unconnected.
NodeId far_node(const Topology& t, PortName p) {
  const PortRef r{p.node, p.port};
  return t.port_link(r) == kNoLink ? p.node : t.peer(r).node;
}

double us(Time t) {
  return to_us(t);
}

double round6(double x) {
  return std::round(x * 1e6) / 1e6;
}

} // namespace

Percentiles percentiles(std::vector<double> v) {
  Percentiles p;
  if (v.empty()) {
    return p;
  }
  std::sort(v.begin(), v.end());
  auto rank = [&](double q) {
    const auto n = static_cast<double>(v.size());
    const auto k = static_cast<std::size_t>(std::ceil(q * n));
    return v[std::min(v.size() - 1, k == 0 ? 0 : k - 1)];
  };
  p.p50 = rank(0.50);
  p.p99 = rank(0.99);
  p.p999 = rank(0.999);
  p.max = v.back();
  return p;
}

std::string stats_json(const SimInput& in, const SimResult& r) {
  using nlohmann::ordered_json;
  ordered_json j;
  j["scenario"] = in.scenario.name;
  j["seed"] = in.scenario.seed;
  j["stop"] = std::string(to_string(r.stop));
  j["sim_time_us"] = round6(us(r.sim_time));
  j["wall_s"] = round6(r.wall_s);
  j["events"] = r.events;
  j["events_per_s"] = r.wall_s > 0 ? std::round(static_cast<double>(r.events) / r.wall_s) : 0.0;
  j["packet_hops"] = r.net.packet_hops;
  j["packet_hops_per_s"] =
      r.wall_s > 0 ? std::round(static_cast<double>(r.net.packet_hops) / r.wall_s) : 0.0;
  j["fingerprint"] = to_hex16(r.fingerprint);
  j["oracle_violations"] = r.oracle_violations;
  j["oracle_checked"] = r.oracle_checked;
  j["endpoints"] = r.endpoints;
  j["nodes"] = in.topology.node_count();
  j["links"] = in.topology.link_count();
  j["peak_rss_kb"] = r.peak_rss_kb;
  j["bytes_per_endpoint"] =
      r.endpoints == 0 ? 0 : static_cast<std::uint64_t>(r.peak_rss_kb) * 1024 / r.endpoints;
  ordered_json net;
  net["injected"] = r.net.injected;
  net["delivered"] = r.net.delivered;
  net["link_retries"] = r.net.link_retries;
  net["dropped_link_down"] = r.net.dropped_link_down;
  net["dropped_ber"] = r.net.dropped_ber;
  net["dropped_no_route"] = r.net.dropped_no_route;
  net["dropped_bad_packet"] = r.net.dropped_bad_packet;
  net["credit_stalls"] = r.net.credit_stalls;
  net["congestion_marks"] = r.net.marks;
  net["caqm_granted"] = r.net.caqm_granted;
  net["caqm_denied"] = r.net.caqm_denied;
  net["caqm_congested"] = r.net.caqm_congested;
  net["stuck_packets"] = r.stuck_packets;
  net["ta_timeouts"] = r.ta_timeouts;
  j["network"] = net;
  ordered_json classes = ordered_json::object();
  for (std::size_t k = 0; k < r.classes.size(); ++k) {
    const OpClassStats& c = r.classes[k];
    if (c.ops == 0) {
      continue;
    }
    const Percentiles p = percentiles(c.latency_us);
    ordered_json o;
    o["ops"] = c.ops;
    o["bytes"] = c.bytes;
    o["failed"] = c.failed;
    o["latency_us"] = {{"p50", round6(p.p50)},
                       {"p99", round6(p.p99)},
                       {"p999", round6(p.p999)},
                       {"max", round6(p.max)}};
    classes[std::string(to_string(static_cast<OpKind>(k)))] = o;
  }
  j["ops"] = classes;
  // Links: one entry per direction that carried anything.
  const auto names = port_names(in.topology);
  const double span = static_cast<double>(std::max<std::int64_t>(r.sim_time.count(), 1));
  ordered_json links = ordered_json::array();
  for (std::size_t g = 0; g < r.ports.size(); ++g) {
    const PortStats& s = r.ports[g];
    if (s.tx_packets == 0 && s.drops == 0) {
      continue;
    }
    const NodeId from = names[g].node;
    ordered_json l;
    l["from"] = in.topology.node(from).name;
    l["port"] = names[g].port;
    l["to"] = in.topology.node(far_node(in.topology, names[g])).name;
    l["utilisation"] = round6(static_cast<double>(s.busy.count()) / span);
    l["bytes"] = s.tx_bytes;
    l["packets"] = s.tx_packets;
    l["retries"] = s.retries;
    l["drops"] = s.drops;
    l["credit_stalls"] = s.credit_stalls;
    l["max_queue_bytes"] = s.max_queue_bytes;
    l["marks"] = s.marks;
    links.push_back(l);
  }
  j["links"] = links;
  ordered_json flows = ordered_json::array();
  for (const FlowResult& f : r.flows) {
    ordered_json o;
    o["id"] = f.task != kNoTask && in.ns3 ? f.task : f.id;
    o["src"] = f.src;
    o["dst"] = f.dst;
    o["op"] = std::string(to_string(f.op));
    o["bytes"] = f.bytes;
    o["start_us"] = f.started ? ordered_json(round6(us(f.start))) : ordered_json(nullptr);
    o["end_us"] = f.done ? ordered_json(round6(us(f.end))) : ordered_json(nullptr);
    o["fct_us"] = f.done ? ordered_json(round6(us(f.end - f.start))) : ordered_json(nullptr);
    o["failed_ops"] = f.ops_failed;
    flows.push_back(o);
  }
  j["flows"] = flows;
  j["warnings"] = in.warnings;
  if (!r.oracle_summary.empty()) {
    j["oracle"] = r.oracle_summary;
  }
  return j.dump(1) + "\n";
}

std::string links_csv(const SimInput& in, const SimResult& r) {
  const auto names = port_names(in.topology);
  const double span = static_cast<double>(std::max<std::int64_t>(r.sim_time.count(), 1));
  std::string out = "from,port,to,utilisation,bytes,packets,retries,drops,credit_stalls,"
                    "max_queue_bytes,marks\n";
  for (std::size_t g = 0; g < r.ports.size(); ++g) {
    const PortStats& s = r.ports[g];
    if (in.topology.port_link(PortRef{names[g].node, names[g].port}) == kNoLink) {
      continue;
    }
    out +=
        fmt::format("{},{},{},{:.6f},{},{},{},{},{},{},{}\n", in.topology.node(names[g].node).name,
                    names[g].port, in.topology.node(far_node(in.topology, names[g])).name,
                    static_cast<double>(s.busy.count()) / span, s.tx_bytes, s.tx_packets, s.retries,
                    s.drops, s.credit_stalls, s.max_queue_bytes, s.marks);
  }
  return out;
}

std::string series_csv(const SimInput& in, const SimResult& r) {
  const auto names = port_names(in.topology);
  const double interval_ps =
      static_cast<double>(std::max<std::int64_t>(in.scenario.run.series_interval.count(), 1));
  std::string out = "time_us,from,port,to,gbps,queue_bytes\n";
  for (const SeriesRow& row : r.series) {
    const PortName p = names[row.port];
    out += fmt::format("{:.3f},{},{},{},{:.3f},{}\n", us(row.at), in.topology.node(p.node).name,
                       p.port, in.topology.node(far_node(in.topology, p)).name,
                       static_cast<double>(row.bytes) * 8 / interval_ps * 1e3, row.queue);
  }
  return out;
}

std::string flows_csv(const SimResult& r) {
  std::string out = "id,task,src,dst,op,bytes,start_us,end_us,fct_us,failed_ops\n";
  for (const FlowResult& f : r.flows) {
    out +=
        fmt::format("{},{},{},{},{},{},{},{},{},{}\n", f.id,
                    f.task == kNoTask ? std::string() : std::to_string(f.task), f.src, f.dst,
                    to_string(f.op), f.bytes, f.started ? fmt::format("{:.6f}", us(f.start)) : "",
                    f.done ? fmt::format("{:.6f}", us(f.end)) : "",
                    f.done ? fmt::format("{:.6f}", us(f.end - f.start)) : "", f.ops_failed);
  }
  return out;
}

std::string summary(const SimInput& in, const SimResult& r, bool timing) {
  std::string s;
  std::size_t done = 0;
  std::vector<double> fct;
  for (const FlowResult& f : r.flows) {
    if (f.done) {
      ++done;
      fct.push_back(us(f.end - f.start));
    }
  }
  s += fmt::format("scenario   {} (seed {}){}\n", in.scenario.name, in.scenario.seed,
                   in.ns3 ? ", imported ns-3 case" : "");
  s += fmt::format("fabric     {} nodes, {} endpoints, {} links\n", in.topology.node_count(),
                   r.endpoints, in.topology.link_count());
  s += fmt::format("stop       {} at {:.3f} us of model time, {} events, {} packet-hops\n",
                   to_string(r.stop), us(r.sim_time), r.events, r.net.packet_hops);
  if (timing) {
    s += fmt::format("wall       {:.3f} s, {:.0f} events/s, {:.0f} packet-hops/s, peak RSS {} MB\n",
                     r.wall_s, r.wall_s > 0 ? static_cast<double>(r.events) / r.wall_s : 0.0,
                     r.wall_s > 0 ? static_cast<double>(r.net.packet_hops) / r.wall_s : 0.0,
                     r.peak_rss_kb / 1024);
  }
  const Percentiles fp = percentiles(fct);
  s += fmt::format(
      "flows      {} of {} completed; FCT p50 {:.3f} us, p99 {:.3f} us, max {:.3f} us\n", done,
      r.flows.size(), fp.p50, fp.p99, fp.max);
  s += "\n  op          ops      bytes   failed   p50 us    p99 us   p999 us    max us\n";
  for (std::size_t k = 0; k < r.classes.size(); ++k) {
    const OpClassStats& c = r.classes[k];
    if (c.ops == 0) {
      continue;
    }
    const Percentiles p = percentiles(c.latency_us);
    s += fmt::format("  {:<9} {:>6} {:>10} {:>8} {:>8.3f} {:>9.3f} {:>9.3f} {:>9.3f}\n",
                     to_string(static_cast<OpKind>(k)), c.ops, c.bytes, c.failed, p.p50, p.p99,
                     p.p999, p.max);
  }
  double max_util = 0;
  std::uint64_t max_q = 0;
  const double span = static_cast<double>(std::max<std::int64_t>(r.sim_time.count(), 1));
  for (const PortStats& p : r.ports) {
    max_util = std::max(max_util, static_cast<double>(p.busy.count()) / span);
    max_q = std::max(max_q, p.max_queue_bytes);
  }
  s += fmt::format("\nlinks      busiest {:.1f}% utilised, deepest queue {} B\n", max_util * 100,
                   max_q);
  s += fmt::format("network    {} injected, {} delivered, {} link retries, {} credit stalls, "
                   "{} marks\n",
                   r.net.injected, r.net.delivered, r.net.link_retries, r.net.credit_stalls,
                   r.net.marks);
  if (r.net.caqm_granted + r.net.caqm_denied + r.net.caqm_congested != 0) {
    s += fmt::format("caqm       {} requests granted, {} denied, {} congestion marks\n",
                     r.net.caqm_granted, r.net.caqm_denied, r.net.caqm_congested);
  }
  s += fmt::format("drops      {} link down, {} bit errors, {} no route, {} bad packet\n",
                   r.net.dropped_link_down, r.net.dropped_ber, r.net.dropped_no_route,
                   r.net.dropped_bad_packet);
  if (r.oracle_checked) {
    s += fmt::format("oracle     {} violations\n", r.oracle_violations);
  } else {
    s += "oracle     off (packet endpoints or run.oracle = false)\n";
  }
  for (const std::string& w : in.warnings) {
    s += "warning    " + w + "\n";
  }
  s += "fingerprint: " + to_hex16(r.fingerprint) + "\n";
  return s;
}

ConfigResult<void> write_outputs(const std::filesystem::path& dir, const SimInput& in,
                                 const SimResult& r) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) {
    return make_unexpected(ConfigError{"", 0, "--out", dir.string() + ": " + ec.message()});
  }
  const std::pair<const char*, std::string> files[] = {{"stats.json", stats_json(in, r)},
                                                       {"flows.csv", flows_csv(r)},
                                                       {"links.csv", links_csv(in, r)},
                                                       {"series.csv", series_csv(in, r)},
                                                       {"summary.txt", summary(in, r)}};
  for (const auto& [name, text] : files) {
    std::ofstream f(dir / name, std::ios::binary);
    f << text;
    if (!f) {
      return make_unexpected(
          ConfigError{"", 0, "--out", (dir / name).string() + ": cannot be written"});
    }
  }
  return {};
}

} // namespace ub::sim
