// Scenario preparation (sim_setup.hpp).

#include "sim/fabric/sim_setup.hpp"

#include <algorithm>
#include <array>

#include "sim/import/ns3_case.hpp"
#include "sim/import/ns3_convert.hpp"
#include "sim/scenario/build_topology.hpp"
#include "sim/scenario/default_scenario.hpp"
#include "sim/scenario/scenario_toml.hpp"
#include "sim/traffic/ns3_traffic.hpp"
#include "sim/traffic/traffic.hpp"

namespace ub::sim {

ConfigResult<SimInput> prepare(Scenario sc) {
  auto topo = build_topology(sc);
  if (!topo) {
    return make_unexpected(topo.error());
  }
  const auto eps = static_cast<std::uint32_t>(topo->endpoints().size());
  auto flows = make_traffic(sc.traffic, eps, sc.seed);
  if (!flows) {
    ConfigError e = flows.error();
    if (e.file.empty()) {
      e.file = sc.file.empty() ? std::string("<built-in>") : sc.file;
    }
    return make_unexpected(e);
  }
  SimInput in{std::move(sc), std::move(*topo), std::move(*flows), {}, false};
  return in;
}

namespace {

// An ns-3 case accepts the run-level overrides only: its fabric and traffic are its files.
ConfigResult<SimInput> prepare_ns3(const std::filesystem::path& dir,
                                   std::span<const std::string> overrides) {
  auto c = load_ns3_case(dir);
  if (!c) {
    const ImportError& e = c.error();
    return make_unexpected(ConfigError{e.file, e.line, e.field, e.reason});
  }
  auto conv = convert_ns3_case(*c, dir);
  if (!conv) {
    return make_unexpected(conv.error());
  }
  const std::vector<std::uint32_t>& ep_of = conv->endpoint_index_of_ns3_node;
  auto endpoint_of = [&ep_of](std::uint32_t node) -> std::optional<std::uint32_t> {
    if (node >= ep_of.size() || ep_of[node] == kNotEndpoint) {
      return std::nullopt;
    }
    return ep_of[node];
  };
  auto flows = flows_from_ns3(c->tasks, endpoint_of, ns3_flow_options(c->attributes.settings));
  if (!flows) {
    return make_unexpected(flows.error());
  }
  SimInput in{std::move(conv->scenario), std::move(conv->topology), std::move(*flows),
              std::move(conv->warnings), true};
  // Overrides go through the scenario reader on an empty scenario, so their syntax and errors
  // are the TOML scenarios' own; then only the keys named are copied over the converted case.
  // The keys an ns-3 case takes: those that do not contradict what its files say (the
  // topology, the routes, the traffic and the link settings come from the files).
  using Copy = void (*)(const Scenario& from, Scenario& to);
  static constexpr std::array<std::pair<std::string_view, Copy>, 12> kKeys{{
      {"seed", [](const Scenario& f, Scenario& t) { t.seed = f.seed; }},
      {"run.end_time", [](const Scenario& f, Scenario& t) { t.run.end_time = f.run.end_time; }},
      {"run.max_events",
       [](const Scenario& f, Scenario& t) { t.run.max_events = f.run.max_events; }},
      {"run.series_interval",
       [](const Scenario& f, Scenario& t) { t.run.series_interval = f.run.series_interval; }},
      {"run.oracle", [](const Scenario& f, Scenario& t) { t.run.oracle = f.run.oracle; }},
      {"run.stall_timeout",
       [](const Scenario& f, Scenario& t) { t.run.stall_timeout = f.run.stall_timeout; }},
      {"endpoint.model",
       [](const Scenario& f, Scenario& t) { t.endpoint.model = f.endpoint.model; }},
      {"endpoint.retx", [](const Scenario& f, Scenario& t) { t.endpoint.retx = f.endpoint.retx; }},
      {"switch.selector",
       [](const Scenario& f, Scenario& t) { t.switches.selector = f.switches.selector; }},
      {"switch.caqm", [](const Scenario& f, Scenario& t) { t.switches.caqm = f.switches.caqm; }},
      {"link.ber", [](const Scenario& f, Scenario& t) { t.link.ber = f.link.ber; }},
      {"link.retry", [](const Scenario& f, Scenario& t) { t.link.retry = f.link.retry; }},
  }};
  std::vector<Copy> copies;
  for (const std::string& o : overrides) {
    const auto key = std::string_view(o).substr(0, o.find('='));
    const auto it =
        std::find_if(kKeys.begin(), kKeys.end(), [key](const auto& k) { return k.first == key; });
    if (it == kKeys.end()) {
      std::string names;
      for (const auto& k : kKeys) {
        names += names.empty() ? "" : ", ";
        names += k.first;
      }
      return make_unexpected(ConfigError{"--set", 0, std::string(key),
                                         "an ns-3 case takes only these overrides: " + names});
    }
    copies.push_back(it->second);
  }
  if (!overrides.empty()) {
    auto base = parse_scenario("", "--set", overrides);
    if (!base) {
      return make_unexpected(base.error());
    }
    for (const Copy copy : copies) {
      copy(*base, in.scenario);
    }
  }
  return in;
}

} // namespace

ConfigResult<SimInput> prepare(const std::filesystem::path& path,
                               std::span<const std::string> overrides) {
  if (path.empty()) {
    auto sc = parse_scenario(default_scenario_toml(), "<built-in>", overrides);
    if (!sc) {
      return make_unexpected(sc.error());
    }
    sc->file.clear();
    return prepare(std::move(*sc));
  }
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    return prepare_ns3(path, overrides);
  }
  auto sc = load_scenario(path, overrides);
  if (!sc) {
    return make_unexpected(sc.error());
  }
  return prepare(std::move(*sc));
}

} // namespace ub::sim
