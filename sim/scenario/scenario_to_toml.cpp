// A Scenario written back as TOML (scenario_to_toml.hpp). The keys and their defaults mirror the
// reader (scenario_toml*.cpp): a key is written when the reader, left without it, would not
// arrive at the same value.

#include "sim/scenario/scenario_to_toml.hpp"

#include <algorithm>
#include <limits>
#include <span>
#include <string_view>

#include <fmt/format.h>

#include "sim/scenario/scenario_names.hpp"
#include "sim/scenario/units_parse.hpp"

namespace ub::sim {

std::string toml_quote(std::string_view text) {
  std::string out = "\"";
  for (const char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    switch (ch) {
    case '"':
      out += "\\\"";
      break;
    case '\\':
      out += "\\\\";
      break;
    case '\n':
      out += "\\n";
      break;
    case '\t':
      out += "\\t";
      break;
    case '\r':
      out += "\\r";
      break;
    default:
      if (c < 0x20 || c == 0x7F) {
        out += fmt::format("\\u{:04X}", unsigned{c});
      } else {
        out += ch;
      }
    }
  }
  out += '"';
  return out;
}

namespace {

constexpr std::uint64_t kI64Max = std::numeric_limits<std::int64_t>::max();

template <class E>
std::string name_of(std::span<const Named<E>> names, E v) {
  for (const auto& n : names) {
    if (n.value == v) {
      return toml_quote(n.name);
    }
  }
  return toml_quote("?");
}

std::string time_text(Time t) {
  return toml_quote(format_time(t));
}
std::string rate_text(BitRate r) {
  return toml_quote(format_rate(r));
}
// The shortest text that reads back to the same double ("1e-06", "0.5"; "1" is read as an
// integer, which the reader's reals accept).
std::string real_text(double v) {
  return fmt::format("{}", v);
}

// Text being built, one "key = value" line at a time.
class Writer {
public:
  void header(std::string_view h) {
    if (!out_.empty()) {
      out_ += '\n';
    }
    out_ += h;
    out_ += '\n';
  }
  void kv(std::string_view k, const std::string& v) { out_ += fmt::format("{} = {}\n", k, v); }
  template <class T>
  void num(std::string_view k, T v) {
    out_ += fmt::format("{} = {}\n", k, v);
  }
  void flag(std::string_view k, bool v) { kv(k, v ? "true" : "false"); }
  [[nodiscard]] std::string take() { return std::move(out_); }

private:
  std::string out_;
};

// A section: its header goes out before its first key, so an all-default section is not
// written at all.
class Section {
public:
  Section(Writer& w, std::string header) : w_(w), header_(std::move(header)) {}
  Writer& operator()() {
    if (!opened_) {
      opened_ = true;
      w_.header(header_);
    }
    return w_;
  }
  // Opens the section even with no keys (an element of an array of tables).
  void open() { (void)(*this)(); }

private:
  Writer& w_;
  std::string header_;
  bool opened_ = false;
};

ConfigError refuse(std::string key, std::string reason) {
  return ConfigError{"", 0, std::move(key), std::move(reason)};
}

// The fields of `s` that differ from `base`, written into `sec` (a link table).
void link_fields(Section& sec, const LinkSpec& s, const LinkSpec& base) {
  if (s.lanes != base.lanes) {
    sec().num("lanes", s.lanes);
  }
  if (s.rate != base.rate) {
    sec().kv("rate", rate_text(s.rate));
  }
  if (s.latency != base.latency) {
    sec().kv("latency", time_text(s.latency));
  }
}

void link_table(Writer& w, std::string header, const LinkSpec& s, const LinkSpec& base) {
  Section sec(w, std::move(header));
  link_fields(sec, s, base);
}

// The fields [topology.link] gives, applied to a link the way the reader folds them.
struct Fold {
  bool lanes = false, rate = false, latency = false;
  LinkSpec v;
  void apply(LinkSpec& s) const {
    if (lanes) {
      s.lanes = v.lanes;
    }
    if (rate) {
      s.rate = v.rate;
    }
    if (latency) {
      s.latency = v.latency;
    }
  }
};

template <class T, class Get>
void param(Section& sec, std::string_view k, const T& s, const T& base, Get get) {
  if (get(s) != get(base)) {
    sec().num(k, get(s));
  }
}

ConfigResult<bool> write_topology(Writer& w, const Scenario& sc) {
  TopologySpec t = sc.topology;
  // The reader never sets link_given: the link goes into the parameters of the kind in use,
  // which is what build_topology does with it.
  if (t.link_given) {
    switch (t.kind) {
    case TopologyKind::FatTree:
      t.fat_tree.link = t.link;
      break;
    case TopologyKind::FullMesh1d:
      t.full_mesh_1d.link = t.link;
      break;
    case TopologyKind::FullMesh2d:
      t.full_mesh_2d.link = t.link;
      break;
    case TopologyKind::UbMesh:
      for (LinkSpec* l : {&t.ub_mesh.board_link, &t.ub_mesh.rack_link, &t.ub_mesh.npu_lrs_link,
                          &t.ub_mesh.inter_rack_link, &t.ub_mesh.lrs_hrs_link}) {
        *l = t.link;
      }
      break;
    case TopologyKind::Clos:
      t.clos.link = t.link;
      break;
    case TopologyKind::Ring:
      t.ring.link = t.link;
      break;
    case TopologyKind::Torus2d:
      t.torus.link = t.link;
      break;
    case TopologyKind::File:
      break;
    }
  }
  Section top(w, "[topology]");
  if (t.kind != TopologySpec{}.kind) {
    top().kv("kind", name_of(topology_kind_names(), t.kind));
  }
  // [topology.link]: the fields of the default link that differ; the reader folds exactly those
  // into every kind's links, which gives the baseline each kind's own tables are compared with.
  Fold fold;
  const LinkSpec dl{};
  fold.v = t.link;
  fold.lanes = t.link.lanes != dl.lanes;
  fold.rate = t.link.rate != dl.rate;
  fold.latency = t.link.latency != dl.latency;
  top.open();
  link_table(w, "[topology.link]", t.link, dl);

  {
    FatTreeParams base;
    fold.apply(base.link);
    Section sec(w, "[topology.fat_tree]");
    param(sec, "k", t.fat_tree, base, [](const FatTreeParams& p) { return p.k; });
    if (t.fat_tree.link != base.link) {
      sec.open();
      link_table(w, "[topology.fat_tree.link]", t.fat_tree.link, base.link);
    }
  }
  {
    FullMesh1dParams base;
    fold.apply(base.link);
    Section sec(w, "[topology.full_mesh_1d]");
    param(sec, "n", t.full_mesh_1d, base, [](const FullMesh1dParams& p) { return p.n; });
    param(sec, "links_per_pair", t.full_mesh_1d, base,
          [](const FullMesh1dParams& p) { return p.links_per_pair; });
    if (t.full_mesh_1d.link != base.link) {
      sec.open();
      link_table(w, "[topology.full_mesh_1d.link]", t.full_mesh_1d.link, base.link);
    }
  }
  {
    FullMesh2dParams base;
    fold.apply(base.link);
    Section sec(w, "[topology.full_mesh_2d]");
    param(sec, "x", t.full_mesh_2d, base, [](const FullMesh2dParams& p) { return p.x; });
    param(sec, "y", t.full_mesh_2d, base, [](const FullMesh2dParams& p) { return p.y; });
    if (t.full_mesh_2d.link != base.link) {
      sec.open();
      link_table(w, "[topology.full_mesh_2d.link]", t.full_mesh_2d.link, base.link);
    }
  }
  {
    UbMeshParams base;
    for (LinkSpec* l : {&base.board_link, &base.rack_link, &base.npu_lrs_link,
                        &base.inter_rack_link, &base.lrs_hrs_link}) {
      fold.apply(*l);
    }
    const UbMeshParams& p = t.ub_mesh;
    Section sec(w, "[topology.ub_mesh]");
    param(sec, "board_npus", p, base, [](const UbMeshParams& q) { return q.board_npus; });
    param(sec, "boards_per_rack", p, base, [](const UbMeshParams& q) { return q.boards_per_rack; });
    param(sec, "rack_rows", p, base, [](const UbMeshParams& q) { return q.rack_rows; });
    param(sec, "rack_cols", p, base, [](const UbMeshParams& q) { return q.rack_cols; });
    param(sec, "pods", p, base, [](const UbMeshParams& q) { return q.pods; });
    param(sec, "lrs_per_rack", p, base, [](const UbMeshParams& q) { return q.lrs_per_rack; });
    param(sec, "hrs_per_plane", p, base, [](const UbMeshParams& q) { return q.hrs_per_plane; });
    if (p.spare_npu != base.spare_npu) {
      sec().flag("spare_npu", p.spare_npu);
    }
    const std::pair<std::string_view, LinkSpec UbMeshParams::*> links[] = {
        {"board_link", &UbMeshParams::board_link},
        {"rack_link", &UbMeshParams::rack_link},
        {"npu_lrs_link", &UbMeshParams::npu_lrs_link},
        {"inter_rack_link", &UbMeshParams::inter_rack_link},
        {"lrs_hrs_link", &UbMeshParams::lrs_hrs_link}};
    for (const auto& [name, member] : links) {
      if (p.*member != base.*member) {
        sec.open();
        link_table(w, fmt::format("[topology.ub_mesh.{}]", name), p.*member, base.*member);
      }
    }
  }
  {
    ClosParams base;
    fold.apply(base.link);
    const ClosParams& p = t.clos;
    Section sec(w, "[topology.clos]");
    param(sec, "nodes", p, base, [](const ClosParams& q) { return q.nodes; });
    param(sec, "npus_per_node", p, base, [](const ClosParams& q) { return q.npus_per_node; });
    param(sec, "l1_per_node", p, base, [](const ClosParams& q) { return q.l1_per_node; });
    param(sec, "l2_per_plane", p, base, [](const ClosParams& q) { return q.l2_per_plane; });
    param(sec, "npu_l1_links", p, base, [](const ClosParams& q) { return q.npu_l1_links; });
    param(sec, "l1_l2_links", p, base, [](const ClosParams& q) { return q.l1_l2_links; });
    if (p.link != base.link) {
      sec.open();
      link_table(w, "[topology.clos.link]", p.link, base.link);
    }
  }
  {
    RingParams base;
    fold.apply(base.link);
    Section sec(w, "[topology.ring]");
    param(sec, "n", t.ring, base, [](const RingParams& p) { return p.n; });
    if (t.ring.link != base.link) {
      sec.open();
      link_table(w, "[topology.ring.link]", t.ring.link, base.link);
    }
  }
  {
    TorusParams base;
    fold.apply(base.link);
    Section sec(w, "[topology.torus]");
    param(sec, "x", t.torus, base, [](const TorusParams& p) { return p.x; });
    param(sec, "y", t.torus, base, [](const TorusParams& p) { return p.y; });
    if (t.torus.link != base.link) {
      sec.open();
      link_table(w, "[topology.torus.link]", t.torus.link, base.link);
    }
  }
  for (const CustomNode& n : t.nodes) {
    w.header("[[topology.custom.node]]");
    w.kv("name", toml_quote(n.name));
    if (n.is_switch) {
      w.flag("switch", true);
    }
    if (n.forwards) {
      w.flag("forwards", true);
    }
  }
  for (const CustomLink& l : t.links) {
    Section sec(w, "[[topology.custom.link]]");
    sec().kv("a", toml_quote(l.a));
    sec().kv("b", toml_quote(l.b));
    if (l.spec) {
      // The reader starts a custom link's spec from [topology.link] and applies the fields
      // given; all three are written, so it arrives at this spec whatever the default was.
      sec().num("lanes", l.spec->lanes);
      sec().kv("rate", rate_text(l.spec->rate));
      sec().kv("latency", time_text(l.spec->latency));
    }
  }
  return true;
}

void write_pattern(Writer& w, const PatternSpec& p, std::size_t index) {
  const PatternSpec d{};
  w.header("[[traffic]]");
  const std::string default_name = fmt::format("traffic{}", index);
  if (p.name != default_name) {
    w.kv("name", toml_quote(p.name));
  }
  w.kv("pattern", name_of(pattern_names(), p.kind));
  w.kv("op", name_of(op_names(), p.op));
  using P = PatternKind;
  const auto uses = [&](std::initializer_list<P> ps) {
    return std::find(ps.begin(), ps.end(), p.kind) != ps.end();
  };
  if (!p.endpoints.empty() && p.kind != P::Explicit) {
    std::string list;
    for (const std::uint32_t e : p.endpoints) {
      list += (list.empty() ? "" : ", ") + std::to_string(e);
    }
    w.kv("endpoints", "[" + list + "]");
  }
  if (p.size != d.size) {
    w.kv("size", name_of(size_dist_names(), p.size));
  }
  if ((p.size == SizeDist::Fixed || p.size == SizeDist::Exponential) && p.bytes != d.bytes) {
    w.num("bytes", p.bytes);
  }
  if (p.size == SizeDist::Uniform) {
    w.num("min_bytes", p.min_bytes);
    w.num("max_bytes", p.max_bytes);
  }
  if (p.size == SizeDist::Cdf && !p.cdf.empty()) {
    std::string list;
    for (const CdfPoint& c : p.cdf) {
      list += fmt::format("{}[{}, {}]", list.empty() ? "" : ", ", c.bytes, real_text(c.p));
    }
    w.kv("cdf", "[" + list + "]");
  }
  // The reader's op_bytes default depends on the op.
  std::uint32_t op_bytes_default = d.op_bytes;
  if (p.op == OpKind::Load || p.op == OpKind::Store) {
    op_bytes_default = 64;
  } else if (p.op == OpKind::FetchAdd) {
    op_bytes_default = 8;
  }
  if (p.op_bytes != op_bytes_default) {
    w.num("op_bytes", p.op_bytes);
  }
  if (uses({P::Uniform}) && p.count != d.count) {
    w.num("count", p.count);
  }
  if (uses({P::Incast})) {
    if (p.fan_in != d.fan_in) {
      w.num("fan_in", p.fan_in);
    }
    if (p.target != d.target) {
      w.num("target", p.target);
    }
  }
  if (uses({P::MoeDispatch, P::MoeCombine})) {
    if (p.experts != d.experts) {
      w.num("experts", p.experts);
    }
    if (p.top_k != d.top_k) {
      w.num("top_k", p.top_k);
    }
  }
  if (uses({P::Explicit})) {
    std::string list;
    for (const auto& [a, b] : p.pairs) {
      list += fmt::format("{}[{}, {}]", list.empty() ? "" : ", ", a, b);
    }
    w.kv("pairs", "[" + list + "]");
  }
  if (p.start != d.start) {
    w.kv("start", time_text(p.start));
  }
  if (uses({P::Uniform}) && p.interarrival != d.interarrival) {
    w.kv("interarrival", time_text(p.interarrival));
  }
  if (p.rate_bps != d.rate_bps) {
    w.kv("rate", rate_text(BitRate{p.rate_bps}));
  }
  if (p.window != d.window) {
    w.num("window", p.window);
  }
  if (p.priority != d.priority) {
    w.num("priority", unsigned{p.priority});
  }
  if (!p.after.empty()) {
    std::string list;
    for (const std::string& a : p.after) {
      list += (list.empty() ? "" : ", ") + toml_quote(a);
    }
    w.kv("after", "[" + list + "]");
  }
  if (p.repeat != d.repeat) {
    w.num("repeat", p.repeat);
  }
}

void write_fault(Writer& w, const FaultEvent& f) {
  w.header("[[fault]]");
  w.kv("at", time_text(f.at));
  w.kv("kind", name_of(fault_kind_names(), f.kind));
  if (f.kind == FaultKind::SwitchDown || f.kind == FaultKind::SwitchUp) {
    w.kv("node", toml_quote(f.node));
    return;
  }
  if (f.link_id) {
    w.num("link", *f.link_id);
  } else {
    w.kv("a", toml_quote(f.a));
    w.kv("b", toml_quote(f.b));
  }
  if (f.kind == FaultKind::Ber) {
    w.kv("value", real_text(f.value));
  } else if (f.kind == FaultKind::Lanes) {
    w.num("value", static_cast<std::uint64_t>(f.value));
  }
}

// What the schema cannot say, or says only within a range the reader checks.
std::optional<ConfigError> unwritable(const Scenario& s) {
  if (s.seed > kI64Max) {
    return refuse("seed", "above the largest TOML integer");
  }
  if (s.run.max_events > kI64Max) {
    return refuse("run.max_events", "above the largest TOML integer");
  }
  if (s.run.stall_timeout != RunSpec{}.stall_timeout) {
    return refuse("run.stall_timeout", "not a scenario file key");
  }
  if (s.switches.rt > 3) {
    return refuse("switch.rt", "the RT field is 0..3");
  }
  if (s.link.credits != LinkLayerSpec{}.credits) {
    return refuse("link.credits", "not a scenario file key");
  }
  if (!s.routes.empty()) {
    return refuse("routes", "explicit routes are not a scenario file key");
  }
  if (!s.node_overrides.empty()) {
    return refuse("node_overrides", "not a scenario file key");
  }
  if (!s.port_overrides.empty()) {
    return refuse("port_overrides", "not a scenario file key");
  }
  for (std::size_t i = 0; i < s.faults.size(); ++i) {
    const FaultEvent& f = s.faults[i];
    if (f.kind == FaultKind::Lanes && (f.value < 1 || f.value > 65535 ||
                                       f.value != static_cast<double>(static_cast<int>(f.value)))) {
      return refuse(fmt::format("fault[{}].value", i), "a lane count is a whole number 1..65535");
    }
  }
  return std::nullopt;
}

} // namespace

ConfigResult<std::string> scenario_to_toml(const Scenario& s) {
  if (auto e = unwritable(s)) {
    return make_unexpected(*e);
  }
  Writer w;
  const Scenario d{};
  if (s.name != d.name) {
    w.kv("name", toml_quote(s.name));
  }
  if (s.seed != d.seed) {
    w.num("seed", s.seed);
  }
  {
    Section sec(w, "[run]");
    if (s.run.end_time != d.run.end_time) {
      sec().kv("end_time", time_text(s.run.end_time));
    }
    if (s.run.max_events != d.run.max_events) {
      sec().num("max_events", s.run.max_events);
    }
    if (s.run.series_interval != d.run.series_interval) {
      sec().kv("series_interval", time_text(s.run.series_interval));
    }
    if (s.run.oracle != d.run.oracle) {
      sec().flag("oracle", s.run.oracle);
    }
  }
  if (auto t = write_topology(w, s); !t) {
    return make_unexpected(t.error());
  }
  {
    const LinkLayerSpec& l = s.link;
    Section sec(w, "[link]");
    if (l.ber != d.link.ber) {
      sec().kv("ber", real_text(l.ber));
    }
    if (l.fec != d.link.fec) {
      sec().flag("fec", l.fec);
    }
    if (l.retry != d.link.retry) {
      sec().flag("retry", l.retry);
    }
    if (l.retry_delay != d.link.retry_delay) {
      sec().kv("retry_delay", time_text(l.retry_delay));
    }
    if (l.vls != d.link.vls) {
      sec().num("vls", l.vls);
    }
    if (l.vl_buffer_bytes != d.link.vl_buffer_bytes) {
      sec().num("vl_buffer_bytes", l.vl_buffer_bytes);
    }
    if (l.cell_bytes != d.link.cell_bytes) {
      sec().num("cell_bytes", l.cell_bytes);
    }
  }
  {
    const SwitchSpec& sw = s.switches;
    Section sec(w, "[switch]");
    if (sw.forwarding_latency != d.switches.forwarding_latency) {
      sec().kv("forwarding_latency", time_text(sw.forwarding_latency));
    }
    if (sw.rt != d.switches.rt) {
      sec().kv("rt", name_of(rt_names(), static_cast<std::uint8_t>(sw.rt & 3U)));
    }
    if (sw.selector != d.switches.selector) {
      sec().kv("selector", name_of(selector_names(), sw.selector));
    }
    if (sw.arbitration != d.switches.arbitration) {
      sec().kv("arbitration", name_of(arbitration_names(), sw.arbitration));
    }
    if (sw.dwrr_weights != d.switches.dwrr_weights) {
      // The reader fills the weights from VL 0 and keeps the default (1) for the rest.
      std::size_t n = sw.dwrr_weights.size();
      while (n > 1 && sw.dwrr_weights[n - 1] == 1) {
        --n;
      }
      std::string list;
      for (std::size_t i = 0; i < n; ++i) {
        list += (i == 0 ? "" : ", ") + std::to_string(sw.dwrr_weights[i]);
      }
      sec().kv("dwrr_weights", "[" + list + "]");
    }
    if (sw.ecn_threshold_bytes != d.switches.ecn_threshold_bytes) {
      sec().num("ecn_threshold", sw.ecn_threshold_bytes);
    }
    if (sw.caqm != d.switches.caqm) {
      sec().flag("caqm", sw.caqm);
    }
    if (sw.vl_cycle_break != d.switches.vl_cycle_break) {
      sec().num("vl_cycle_break", sw.vl_cycle_break);
    }
  }
  {
    const EndpointSpec& e = s.endpoint;
    Section sec(w, "[endpoint]");
    if (e.model != d.endpoint.model) {
      sec().kv("model", name_of(endpoint_model_names(), e.model));
    }
    if (e.transport != d.endpoint.transport) {
      sec().kv("transport", name_of(transport_names(), e.transport));
    }
    if (e.retx != d.endpoint.retx) {
      sec().kv("retx", name_of(retx_names(), e.retx));
    }
    if (e.mtu != d.endpoint.mtu) {
      sec().num("mtu", e.mtu);
    }
    if (e.processing != d.endpoint.processing) {
      sec().kv("processing", time_text(e.processing));
    }
    if (e.max_outstanding != d.endpoint.max_outstanding) {
      sec().num("max_outstanding", e.max_outstanding);
    }
    if (e.congestion_control != d.endpoint.congestion_control) {
      sec().flag("congestion_control", e.congestion_control);
    }
  }
  for (std::size_t i = 0; i < s.traffic.patterns.size(); ++i) {
    write_pattern(w, s.traffic.patterns[i], i);
  }
  for (const FaultEvent& f : s.faults) {
    write_fault(w, f);
  }
  return w.take();
}

} // namespace ub::sim
