// [topology]: the kind, [topology.link], one sub-table per kind named after it
// ([topology.fat_tree], ...) and the custom topology ([[topology.custom.node]],
// [[topology.custom.link]]). MODEL A-191: the fields given in [topology.link] are folded, field
// by field, into every LinkSpec of every kind's parameters (all five link classes of ub_mesh)
// and into the default of custom links; a kind's own link tables then override further.
// TopologySpec::link_given stays false: the per-kind parameters already carry the result.

#include <array>
#include <limits>
#include <map>
#include <optional>

#include <fmt/format.h>

#include "sim/scenario/scenario_names.hpp"
#include "sim/scenario/scenario_sections.hpp"

namespace ub::sim::scn {

namespace {

constexpr std::uint64_t kU16Max = std::numeric_limits<std::uint16_t>::max();

// The fields of a link table that were given.
struct LinkFields {
  std::optional<std::uint16_t> lanes;
  std::optional<BitRate> rate;
  std::optional<Time> latency;

  [[nodiscard]] bool any() const { return lanes || rate || latency; }
  void apply(LinkSpec& s) const {
    if (lanes) {
      s.lanes = *lanes;
    }
    if (rate) {
      s.rate = *rate;
    }
    if (latency) {
      s.latency = *latency;
    }
  }
};

constexpr std::array<std::string_view, 3> kLinkKeys{"lanes", "rate", "latency"};

// lanes, rate and latency of table `t` (whose other keys the caller has checked).
LinkFields link_fields(Table& t) {
  LinkFields f;
  LinkSpec s;
  if (t.has("lanes") && t.integer("lanes", s.lanes, 1, kU16Max)) {
    f.lanes = s.lanes;
  }
  if (t.has("rate") && t.rate("rate", s.rate, false)) {
    f.rate = s.rate;
  }
  if (t.has("latency") && t.time("latency", s.latency, true)) {
    f.latency = s.latency;
  }
  return f;
}

// A sub-table `k` of `parent` that is a link table: its fields applied to `spec`.
void read_link_table(Table& parent, std::string_view k, LinkSpec& spec) {
  if (const auto* n = parent.table(k); n != nullptr) {
    Table t(parent.reader(), *n, parent.key(k), kLinkKeys);
    link_fields(t).apply(spec);
  }
}

// An integer parameter in lo..hi. The ranges are the generators' (topology.hpp), so that a bad
// value is reported with its line; build_topology still reports anything a generator refuses.
template <class T>
void param(Table& t, std::string_view k, T& out, std::uint64_t lo, std::uint64_t hi) {
  t.integer(k, out, lo, hi);
}

void read_fat_tree(Table& t, FatTreeParams& p) {
  param(t, "k", p.k, 2, 62);
  if (t.reader().ok() && p.k % 2 != 0) {
    t.fail("k", fmt::format("must be even ({})", p.k));
  }
  read_link_table(t, "link", p.link);
}

void read_full_mesh_1d(Table& t, FullMesh1dParams& p) {
  param(t, "n", p.n, 2, 4096);
  param(t, "links_per_pair", p.links_per_pair, 1, 16);
  read_link_table(t, "link", p.link);
}

void read_full_mesh_2d(Table& t, FullMesh2dParams& p) {
  param(t, "x", p.x, 2, 256);
  param(t, "y", p.y, 2, 256);
  read_link_table(t, "link", p.link);
}

void read_ub_mesh(Table& t, UbMeshParams& p) {
  param(t, "board_npus", p.board_npus, 2, 64);
  param(t, "boards_per_rack", p.boards_per_rack, 1, 64);
  param(t, "rack_rows", p.rack_rows, 1, 64);
  param(t, "rack_cols", p.rack_cols, 1, 64);
  param(t, "pods", p.pods, 1, 64);
  param(t, "lrs_per_rack", p.lrs_per_rack, 1, 256);
  param(t, "hrs_per_plane", p.hrs_per_plane, 1, 64);
  t.flag("spare_npu", p.spare_npu);
  read_link_table(t, "board_link", p.board_link);
  read_link_table(t, "rack_link", p.rack_link);
  read_link_table(t, "npu_lrs_link", p.npu_lrs_link);
  read_link_table(t, "inter_rack_link", p.inter_rack_link);
  read_link_table(t, "lrs_hrs_link", p.lrs_hrs_link);
}

void read_clos(Table& t, ClosParams& p) {
  param(t, "nodes", p.nodes, 1, 4096);
  param(t, "npus_per_node", p.npus_per_node, 1, 64);
  param(t, "l1_per_node", p.l1_per_node, 1, 64);
  param(t, "l2_per_plane", p.l2_per_plane, 1, 1024);
  param(t, "npu_l1_links", p.npu_l1_links, 1, 16);
  param(t, "l1_l2_links", p.l1_l2_links, 1, 16);
  read_link_table(t, "link", p.link);
}

void read_ring(Table& t, RingParams& p) {
  param(t, "n", p.n, 3, kMaxNodes);
  read_link_table(t, "link", p.link);
}

void read_torus(Table& t, TorusParams& p) {
  param(t, "x", p.x, 3, 256);
  param(t, "y", p.y, 3, 256);
  read_link_table(t, "link", p.link);
}

void read_custom(Table& t, TopologySpec& out) {
  Reader& r = t.reader();
  std::map<std::string, std::size_t, std::less<>> lines; // node name -> its line
  if (const toml::node* n = t.find("node"); n != nullptr && r.ok()) {
    std::vector<const toml::table*> tables;
    tables_of(r, *n, "topology.custom.node", tables);
    for (std::size_t i = 0; i < tables.size() && r.ok(); ++i) {
      static constexpr std::array<std::string_view, 3> kKeys{"name", "switch", "forwards"};
      Table nt(r, *tables[i], fmt::format("topology.custom.node[{}]", i), kKeys);
      CustomNode node;
      nt.require("name");
      nt.text("name", node.name);
      nt.flag("switch", node.is_switch);
      nt.flag("forwards", node.forwards);
      if (!r.ok()) {
        break;
      }
      if (node.name.empty()) {
        nt.fail("name", "empty node name");
      } else if (auto it = lines.find(node.name); it != lines.end()) {
        nt.fail("name", fmt::format("node \"{}\" declared twice (first at line {})", node.name,
                                    it->second));
      } else if (node.is_switch && nt.has("forwards") && !node.forwards) {
        nt.fail("forwards", "a switch always forwards");
      }
      lines.emplace(node.name, line_of(*tables[i]));
      out.nodes.push_back(std::move(node));
    }
  }
  if (const toml::node* n = t.find("link"); n != nullptr && r.ok()) {
    std::vector<const toml::table*> tables;
    tables_of(r, *n, "topology.custom.link", tables);
    for (std::size_t i = 0; i < tables.size() && r.ok(); ++i) {
      static constexpr std::array<std::string_view, 5> kKeys{"a", "b", "lanes", "rate", "latency"};
      Table lt(r, *tables[i], fmt::format("topology.custom.link[{}]", i), kKeys);
      CustomLink link;
      link.line = line_of(*tables[i]);
      lt.require("a");
      lt.require("b");
      lt.text("a", link.a);
      lt.text("b", link.b);
      const LinkFields f = link_fields(lt);
      if (!r.ok()) {
        break;
      }
      for (const char* end : {"a", "b"}) {
        const std::string& name = *end == 'a' ? link.a : link.b;
        if (!lines.contains(name)) {
          lt.fail(end, fmt::format("no node named \"{}\" in [[topology.custom.node]]", name));
        }
      }
      if (r.ok() && link.a == link.b) {
        lt.fail("b", fmt::format("a link joins \"{}\" to itself", link.a));
      }
      if (f.any()) {
        LinkSpec s = out.link;
        f.apply(s);
        link.spec = s;
      }
      out.links.push_back(std::move(link));
    }
  }
}

} // namespace

void read_topology(Reader& r, const toml::node& n, TopologySpec& out) {
  const auto* tbl = n.as_table();
  if (tbl == nullptr) {
    r.fail(&n, "topology", fmt::format("expected a table, got {}", type_name(n)));
    return;
  }
  // The custom topology's arrays have a place of their own: say so rather than "unknown key".
  for (const char* k : {"node", "nodes", "links"}) {
    if (const toml::node* bad = tbl->get(k); bad != nullptr) {
      r.fail(bad, fmt::format("topology.{}", k),
             "custom topologies go in [[topology.custom.node]] and [[topology.custom.link]]");
      return;
    }
  }
  if (const toml::node* l = tbl->get("link"); l != nullptr && l->is_array()) {
    r.fail(l, "topology.link",
           "custom links go in [[topology.custom.link]]; [topology.link] is a table, the lanes, "
           "rate and latency of every link");
    return;
  }
  static constexpr std::array<std::string_view, 10> kKeys{
      "kind",    "link", "fat_tree", "full_mesh_1d", "full_mesh_2d",
      "ub_mesh", "clos", "ring",     "torus",        "custom"};
  Table t(r, *tbl, "topology", kKeys);
  t.choice("kind", out.kind, topology_kind_names());
  if (const auto* l = t.table("link"); l != nullptr) {
    Table lt(r, *l, "topology.link", kLinkKeys);
    const LinkFields f = link_fields(lt);
    for (LinkSpec* s :
         {&out.link, &out.fat_tree.link, &out.full_mesh_1d.link, &out.full_mesh_2d.link,
          &out.ub_mesh.board_link, &out.ub_mesh.rack_link, &out.ub_mesh.npu_lrs_link,
          &out.ub_mesh.inter_rack_link, &out.ub_mesh.lrs_hrs_link, &out.clos.link, &out.ring.link,
          &out.torus.link}) {
      f.apply(*s);
    }
  }
  out.link_given = false;

  const auto section = [&](std::string_view k, auto&& keys, auto&& read) {
    if (const auto* s = t.table(k); s != nullptr) {
      Table st(r, *s, t.key(k), keys);
      read(st);
    }
  };
  static constexpr std::array<std::string_view, 2> kFatTree{"k", "link"};
  static constexpr std::array<std::string_view, 3> kMesh1d{"n", "links_per_pair", "link"};
  static constexpr std::array<std::string_view, 3> kXy{"x", "y", "link"};
  static constexpr std::array<std::string_view, 13> kUbMesh{
      "board_npus",   "boards_per_rack", "rack_rows",   "rack_cols",  "pods",
      "lrs_per_rack", "hrs_per_plane",   "spare_npu",   "board_link", "rack_link",
      "npu_lrs_link", "inter_rack_link", "lrs_hrs_link"};
  static constexpr std::array<std::string_view, 7> kClos{
      "nodes",        "npus_per_node", "l1_per_node", "l2_per_plane",
      "npu_l1_links", "l1_l2_links",   "link"};
  static constexpr std::array<std::string_view, 2> kRing{"n", "link"};
  static constexpr std::array<std::string_view, 2> kCustom{"node", "link"};
  section("fat_tree", kFatTree, [&](Table& s) { read_fat_tree(s, out.fat_tree); });
  section("full_mesh_1d", kMesh1d, [&](Table& s) { read_full_mesh_1d(s, out.full_mesh_1d); });
  section("full_mesh_2d", kXy, [&](Table& s) { read_full_mesh_2d(s, out.full_mesh_2d); });
  section("ub_mesh", kUbMesh, [&](Table& s) { read_ub_mesh(s, out.ub_mesh); });
  section("clos", kClos, [&](Table& s) { read_clos(s, out.clos); });
  section("ring", kRing, [&](Table& s) { read_ring(s, out.ring); });
  section("torus", kXy, [&](Table& s) { read_torus(s, out.torus); });
  section("custom", kCustom, [&](Table& s) { read_custom(s, out); });
  if (r.ok() && out.kind == TopologyKind::File && out.nodes.empty()) {
    t.fail("kind", "a custom topology needs its nodes: [[topology.custom.node]] name = ...");
  }
}

} // namespace ub::sim::scn
