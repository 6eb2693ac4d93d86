#include "sim/scenario/build_topology.hpp"

#include <limits>
#include <string>
#include <unordered_map>

#include <fmt/format.h>

#include "sim/scenario/scenario_names.hpp"

namespace ub::sim {

namespace {

ConfigError config_error(const Scenario& sc, std::size_t line, std::string key,
                         std::string reason) {
  return ConfigError{sc.file, line, std::move(key), std::move(reason)};
}

std::string reason_of(const Error& e) {
  std::string s{e.reason};
  if (e.has_value) {
    s += fmt::format(" ({})", e.value);
  }
  return s;
}

// A generator's refusal, keyed by the scenario's name for the parameter. "nodes" is the total
// node count (named in the reason), except for clos, where it is also a parameter.
ConfigError generator_error(const Scenario& sc, const Error& e) {
  std::string key = "topology." + std::string{to_string(sc.topology.kind)};
  if (e.field.empty()) {
    return config_error(sc, 0, std::move(key), reason_of(e));
  }
  if (e.field == "nodes" && sc.topology.kind != TopologyKind::Clos) {
    return config_error(sc, 0, std::move(key), fmt::format("nodes: {}", reason_of(e)));
  }
  key += '.';
  key += e.field;
  return config_error(sc, 0, std::move(key), reason_of(e));
}

template <class Params>
void replace_links(Params& p, const LinkSpec& s) {
  p.link = s;
}
void replace_links(UbMeshParams& p, const LinkSpec& s) {
  p.board_link = s;
  p.rack_link = s;
  p.npu_lrs_link = s;
  p.inter_rack_link = s;
  p.lrs_hrs_link = s;
}

template <class Params, class Make>
ConfigResult<Topology> generate(const Scenario& sc, Params p, Make make) {
  if (sc.topology.link_given) {
    replace_links(p, sc.topology.link);
  }
  auto t = make(p);
  if (!t) {
    return make_unexpected(generator_error(sc, t.error()));
  }
  return std::move(*t);
}

ConfigResult<Topology> build_custom(const Scenario& sc) {
  const TopologySpec& ts = sc.topology;
  if (ts.nodes.empty()) {
    return make_unexpected(
        config_error(sc, 0, "topology.custom.node", "a custom topology needs nodes"));
  }
  Topology t;
  std::unordered_map<std::string, NodeId> ids;
  for (std::size_t i = 0; i < ts.nodes.size(); ++i) {
    const CustomNode& n = ts.nodes[i];
    const std::string key = fmt::format("topology.custom.node[{}].name", i);
    if (n.name.empty()) {
      return make_unexpected(config_error(sc, 0, key, "empty node name"));
    }
    const NodeId id =
        t.add_node(n.is_switch ? NodeKind::Switch : NodeKind::Endpoint,
                   n.is_switch ? NodeRole::Switch : NodeRole::Host, n.name, n.forwards);
    if (!ids.emplace(n.name, id).second) {
      return make_unexpected(
          config_error(sc, 0, key, fmt::format("node \"{}\" declared twice", n.name)));
    }
  }
  std::vector<std::uint32_t> degree(ts.nodes.size(), 0);
  for (std::size_t i = 0; i < ts.links.size(); ++i) {
    const CustomLink& l = ts.links[i];
    const std::string key = fmt::format("topology.custom.link[{}]", i);
    NodeId ends[2] = {0, 0};
    for (int e = 0; e < 2; ++e) {
      const std::string& name = e == 0 ? l.a : l.b;
      const auto it = ids.find(name);
      if (it == ids.end()) {
        return make_unexpected(config_error(sc, l.line, key + (e == 0 ? ".a" : ".b"),
                                            fmt::format("no node named \"{}\"", name)));
      }
      ends[e] = it->second;
      if (++degree[it->second] > std::numeric_limits<PortIndex>::max()) {
        return make_unexpected(config_error(
            sc, l.line, key, fmt::format("node \"{}\" has more than 65,535 links", name)));
      }
    }
    if (ends[0] == ends[1]) {
      return make_unexpected(
          config_error(sc, l.line, key + ".b", fmt::format("a link joins \"{}\" to itself", l.a)));
    }
    t.connect(ends[0], ends[1], l.spec.value_or(ts.link));
  }
  // Topology::validate() errors carry the link id for these fields; the ones it reports with
  // a node id (names, CNAs, ports) cannot happen here, the checks above having passed.
  const auto located = [&](const Error& e) {
    const bool on_link =
        e.field == "link" || e.field == "lanes" || e.field == "rate" || e.field == "latency";
    if (on_link && e.has_value && e.value < ts.links.size()) {
      const auto i = static_cast<std::size_t>(e.value);
      return config_error(sc, ts.links[i].line,
                          fmt::format("topology.custom.link[{}].{}", i, e.field),
                          std::string{e.reason});
    }
    return config_error(sc, 0, "topology.custom", fmt::format("{}: {}", e.field, reason_of(e)));
  };
  if (auto s = t.assign_cnas(); !s) {
    return make_unexpected(located(s.error()));
  }
  if (auto s = t.finalize(); !s) {
    return make_unexpected(located(s.error()));
  }
  return t;
}

// The first link joining a and b, or kNoLink.
LinkId link_between(const Topology& t, NodeId a, NodeId b) {
  for (const Link& l : t.links()) {
    if ((l.a.node == a && l.b.node == b) || (l.a.node == b && l.b.node == a)) {
      return l.id;
    }
  }
  return kNoLink;
}

ConfigResult<void> check_faults(const Scenario& sc, const Topology& t) {
  for (std::size_t i = 0; i < sc.faults.size(); ++i) {
    const FaultEvent& f = sc.faults[i];
    const std::string key = fmt::format("fault[{}]", i);
    const auto fail = [&](std::string_view field, std::string reason) {
      return make_unexpected(
          config_error(sc, f.line, key + "." + std::string{field}, std::move(reason)));
    };
    const auto find = [&](const std::string& name) { return t.find(name); };
    if (f.kind == FaultKind::SwitchDown || f.kind == FaultKind::SwitchUp) {
      const auto n = find(f.node);
      if (!n) {
        return fail("node", fmt::format("no node named \"{}\"", f.node));
      }
      if (!t.node(*n).forwards) {
        return fail("node", fmt::format("\"{}\" is an endpoint that does not forward: only a "
                                        "switch or a forwarding endpoint fails as a switch",
                                        f.node));
      }
      continue;
    }
    LinkId link = kNoLink;
    if (f.link_id) {
      if (*f.link_id >= t.link_count()) {
        return fail("link", fmt::format("no link {} (the topology has {} links, 0..{})", *f.link_id,
                                        t.link_count(), t.link_count() - 1));
      }
      link = *f.link_id;
    } else {
      const auto a = find(f.a);
      if (!a) {
        return fail("a", fmt::format("no node named \"{}\"", f.a));
      }
      const auto b = find(f.b);
      if (!b) {
        return fail("b", fmt::format("no node named \"{}\"", f.b));
      }
      link = link_between(t, *a, *b);
      if (link == kNoLink) {
        return fail("b", fmt::format("no link between \"{}\" and \"{}\"", f.a, f.b));
      }
    }
    if (f.kind == FaultKind::Lanes && f.value > t.link(link).spec.lanes) {
      return fail("value",
                  fmt::format("{} lanes on a link of {}", f.value, t.link(link).spec.lanes));
    }
  }
  return {};
}

ConfigResult<Topology> generate_kind(const Scenario& sc) {
  const TopologySpec& ts = sc.topology;
  switch (ts.kind) {
  case TopologyKind::FatTree:
    return generate(sc, ts.fat_tree, make_fat_tree);
  case TopologyKind::FullMesh1d:
    return generate(sc, ts.full_mesh_1d, make_full_mesh_1d);
  case TopologyKind::FullMesh2d:
    return generate(sc, ts.full_mesh_2d, make_full_mesh_2d);
  case TopologyKind::UbMesh:
    return generate(sc, ts.ub_mesh, make_ub_mesh);
  case TopologyKind::Clos:
    return generate(sc, ts.clos, make_clos);
  case TopologyKind::Ring:
    return generate(sc, ts.ring, make_ring);
  case TopologyKind::Torus2d:
    return generate(sc, ts.torus, make_torus_2d);
  case TopologyKind::File:
    return build_custom(sc);
  }
  return make_unexpected(config_error(sc, 0, "topology.kind", "unknown topology kind"));
}

} // namespace

ConfigResult<Topology> build_topology(const Scenario& sc) {
  auto t = generate_kind(sc);
  if (!t) {
    return t;
  }
  if (auto f = check_faults(sc, *t); !f) {
    return make_unexpected(f.error());
  }
  return t;
}

} // namespace ub::sim
