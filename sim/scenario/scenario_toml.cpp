#include "sim/scenario/scenario_toml.hpp"

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <exception>
#include <fstream>
#include <limits>
#include <sstream>

#include <fmt/format.h>

#include "sim/scenario/scenario_names.hpp"
#include "sim/scenario/scenario_overrides.hpp"
#include "sim/scenario/scenario_sections.hpp"
#include "sim/scenario/toml_reader.hpp"

namespace ub::sim {

namespace scn {

std::size_t line_of(const toml::node& n) noexcept {
  const auto& src = n.source();
  if (src.path && *src.path == kOverrideSource) {
    return 0;
  }
  return src.begin.line;
}

bool tables_of(Reader& r, const toml::node& n, const std::string& key,
               std::vector<const toml::table*>& out) {
  const auto* arr = n.as_array();
  if (arr == nullptr) {
    return r.fail(&n, key,
                  fmt::format("expected an array of tables ([[{}]]), got {}", key, type_name(n)));
  }
  for (std::size_t i = 0; i < arr->size(); ++i) {
    const auto* t = (*arr)[i].as_table();
    if (t == nullptr) {
      return r.fail(&(*arr)[i], fmt::format("{}[{}]", key, i),
                    fmt::format("expected a table, got {}", type_name((*arr)[i])));
    }
    out.push_back(t);
  }
  return true;
}

namespace {

constexpr std::uint32_t kU32Max = std::numeric_limits<std::uint32_t>::max();

// The scenario name names the output folder: letters, digits, '.', '_' and '-', not starting
// with '.', at most 100 characters.
bool read_name(Table& t, std::string& out) {
  std::string name = out;
  if (!t.text("name", name) || !t.has("name")) {
    return t.reader().ok();
  }
  const bool ok_chars = std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '_' || c == '-';
  });
  if (name.empty() || name.size() > 100 || name.front() == '.' || !ok_chars) {
    return t.fail("name", "must be 1 to 100 letters, digits, '.', '_' or '-', not starting "
                          "with '.' (it names the output folder)");
  }
  out = std::move(name);
  return true;
}

void read_run(Reader& r, const toml::table& n, RunSpec& out) {
  static constexpr std::array<std::string_view, 4> kKeys{"end_time", "max_events",
                                                         "series_interval", "oracle"};
  Table t(r, n, "run", kKeys);
  t.time("end_time", out.end_time, true);
  t.integer("max_events", out.max_events, 1, std::numeric_limits<std::int64_t>::max());
  t.time("series_interval", out.series_interval, true);
  t.flag("oracle", out.oracle);
}

void read_link_layer(Reader& r, const toml::table& n, LinkLayerSpec& out) {
  static constexpr std::array<std::string_view, 7> kKeys{
      "ber", "fec", "retry", "retry_delay", "vls", "vl_buffer_bytes", "cell_bytes"};
  Table t(r, n, "link", kKeys);
  t.real("ber", out.ber, 0.0, 1.0, true);
  t.flag("fec", out.fec);
  t.flag("retry", out.retry);
  t.time("retry_delay", out.retry_delay, false);
  t.integer("vls", out.vls, 1, 16);
  t.size("vl_buffer_bytes", out.vl_buffer_bytes, 1, kU32Max);
  t.size("cell_bytes", out.cell_bytes, 1, kU32Max);
  if (r.ok() && out.vl_buffer_bytes < out.cell_bytes) {
    t.fail(t.has("vl_buffer_bytes") ? "vl_buffer_bytes" : "cell_bytes",
           fmt::format("a VL buffer of {} B holds no credit cell of {} B", out.vl_buffer_bytes,
                       out.cell_bytes));
  }
}

// `vls`: the VLs in use ([link] is read first), for vl_cycle_break's check.
void read_switch(Reader& r, const toml::table& n, SwitchSpec& out, std::uint32_t vls) {
  static constexpr std::array<std::string_view, 8> kKeys{
      "forwarding_latency", "rt",   "selector",      "arbitration", "dwrr_weights",
      "ecn_threshold",      "caqm", "vl_cycle_break"};
  Table t(r, n, "switch", kKeys);
  t.time("forwarding_latency", out.forwarding_latency, false);
  if (const toml::node* rt = t.find("rt"); rt != nullptr && r.ok()) {
    if (rt->is_integer()) { // the 2-bit RT field itself
      std::uint64_t v = 0;
      if (read_integer(r, *rt, t.key("rt"), v, 0, 3)) {
        out.rt = static_cast<std::uint8_t>(v);
      }
    } else if (rt->is_string()) {
      read_choice(r, *rt, t.key("rt"), out.rt, rt_names());
    } else {
      r.fail(rt, t.key("rt"),
             fmt::format("expected a name or the RT field 0..3, got {}", type_name(*rt)));
    }
  }
  t.choice("selector", out.selector, selector_names());
  t.choice("arbitration", out.arbitration, arbitration_names());
  if (const toml::array* w = t.array("dwrr_weights"); w != nullptr) {
    if (w->empty() || w->size() > out.dwrr_weights.size()) {
      t.fail("dwrr_weights", fmt::format("{} weights (1 to 16, one per VL from VL 0)", w->size()));
    }
    for (std::size_t i = 0; i < w->size() && r.ok(); ++i) {
      std::uint64_t v = 0;
      if (read_integer(r, (*w)[i], fmt::format("switch.dwrr_weights[{}]", i), v, 1, kU32Max)) {
        out.dwrr_weights[i] = static_cast<std::uint32_t>(v);
      }
    }
  }
  t.size("ecn_threshold", out.ecn_threshold_bytes, 0, kU32Max);
  t.flag("caqm", out.caqm);
  t.integer("vl_cycle_break", out.vl_cycle_break, 0, 1);
  if (r.ok() && out.vl_cycle_break == 1 && vls < 2) {
    t.fail("vl_cycle_break", fmt::format("the two-VL scheme needs link.vls >= 2 (it is {})", vls));
  }
}

void read_endpoint(Reader& r, const toml::table& n, EndpointSpec& out) {
  static constexpr std::array<std::string_view, 7> kKeys{
      "model", "transport", "retx", "mtu", "processing", "max_outstanding", "congestion_control"};
  Table t(r, n, "endpoint", kKeys);
  t.choice("model", out.model, endpoint_model_names());
  t.choice("retx", out.retx, retx_names());
  t.choice("transport", out.transport, transport_names());
  t.size("mtu", out.mtu, 1, 65536);
  t.time("processing", out.processing, false);
  t.integer("max_outstanding", out.max_outstanding, 1, kU32Max);
  t.flag("congestion_control", out.congestion_control);
}

void read_scenario(Reader& r, const toml::table& root, Scenario& sc) {
  static constexpr std::array<std::string_view, 9> kKeys{
      "name", "seed", "run", "topology", "link", "switch", "endpoint", "traffic", "fault"};
  Table t(r, root, "", kKeys);
  read_name(t, sc.name);
  t.integer("seed", sc.seed, 0, std::numeric_limits<std::int64_t>::max());
  if (const auto* n = t.table("run"); n != nullptr) {
    read_run(r, *n, sc.run);
  }
  if (const auto* n = t.table("link"); n != nullptr) {
    read_link_layer(r, *n, sc.link);
  }
  if (const auto* n = t.table("switch"); n != nullptr) {
    read_switch(r, *n, sc.switches, sc.link.vls);
  }
  if (const auto* n = t.table("endpoint"); n != nullptr) {
    read_endpoint(r, *n, sc.endpoint);
  }
  if (const toml::node* n = t.find("topology"); n != nullptr && r.ok()) {
    read_topology(r, *n, sc.topology);
  }
  if (const toml::node* n = t.find("traffic"); n != nullptr && r.ok()) {
    read_traffic(r, *n, sc.traffic);
  }
  if (const toml::node* n = t.find("fault"); n != nullptr && r.ok()) {
    read_faults(r, *n, sc.faults);
  }
}

} // namespace
} // namespace scn

ConfigResult<Scenario> parse_scenario(std::string_view text, std::string_view file_name,
                                      std::span<const std::string> overrides) {
  const std::string file{file_name};
  try {
    toml::table root;
    try {
      root = toml::parse(text, file_name);
    } catch (const toml::parse_error& e) {
      return make_unexpected(
          ConfigError{file, e.source().begin.line, "toml",
                      fmt::format("{} (column {})", e.description(), e.source().begin.column)});
    }
    if (auto o = scn::apply_overrides(root, overrides); !o) {
      return make_unexpected(o.error());
    }
    scn::Reader r{file};
    Scenario sc;
    sc.file = file;
    scn::read_scenario(r, root, sc);
    if (!r.ok()) {
      return make_unexpected(r.error());
    }
    return sc;
  } catch (const std::exception& e) {
    return make_unexpected(
        ConfigError{file, 0, "scenario", fmt::format("internal error: {}", e.what())});
  }
}

ConfigResult<Scenario> load_scenario(const std::filesystem::path& file,
                                     std::span<const std::string> overrides) {
  constexpr std::uintmax_t kMaxBytes = std::uintmax_t{64} << 20U;
  const std::string name = file.string();
  std::error_code ec;
  const auto bytes = std::filesystem::file_size(file, ec);
  if (ec) {
    return make_unexpected(ConfigError{name, 0, "scenario", "cannot read: " + ec.message()});
  }
  if (bytes > kMaxBytes) {
    return make_unexpected(ConfigError{name, 0, "scenario", "larger than 64 MiB"});
  }
  std::ifstream in(file, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  if (!in.good() && !in.eof()) {
    return make_unexpected(ConfigError{name, 0, "scenario", "cannot read"});
  }
  return parse_scenario(text.str(), name, overrides);
}

} // namespace ub::sim
