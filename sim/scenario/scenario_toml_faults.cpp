// [[fault]]: a schedule of link and switch faults. A link is named by its two ends (a, b: node
// names; the first link between them) or by its id (link); a switch by node. Each kind takes
// exactly the keys it needs: a key it does not use is an error.

#include <array>
#include <limits>

#include <fmt/format.h>

#include "sim/scenario/scenario_names.hpp"
#include "sim/scenario/scenario_sections.hpp"

namespace ub::sim::scn {

namespace {

bool on_link(FaultKind k) {
  return k == FaultKind::LinkDown || k == FaultKind::LinkUp || k == FaultKind::Ber ||
         k == FaultKind::Lanes;
}

void read_fault(Table& t, FaultEvent& f) {
  Reader& r = t.reader();
  t.require("at");
  t.require("kind");
  t.time("at", f.at, false);
  t.choice("kind", f.kind, fault_kind_names());
  if (!r.ok()) {
    return;
  }
  const std::string_view kind = to_string(f.kind);
  const auto unused = [&](std::initializer_list<std::string_view> keys) {
    for (const auto k : keys) {
      if (t.has(k)) {
        return t.fail(k, fmt::format("not used by kind \"{}\"", kind));
      }
    }
    return true;
  };
  if (on_link(f.kind)) {
    if (!unused({"node"})) {
      return;
    }
    const bool ends = t.has("a") || t.has("b");
    if (ends == t.has("link")) {
      t.fail(ends ? "link" : "kind", "name the link either by its ends (a and b, node names) or "
                                     "by its id (link), not both");
      return;
    }
    if (ends) {
      t.require("a");
      t.require("b");
      t.text("a", f.a);
      t.text("b", f.b);
      if (r.ok() && f.a == f.b) {
        t.fail("b", fmt::format("a link joins two nodes; both ends are \"{}\"", f.a));
      }
    } else {
      std::uint32_t id = 0;
      if (t.integer("link", id, 0, std::numeric_limits<std::uint32_t>::max() - 1)) {
        f.link_id = id;
      }
    }
  } else {
    if (!unused({"a", "b", "link", "value"})) {
      return;
    }
    t.require("node");
    t.text("node", f.node);
    if (r.ok() && f.node.empty()) {
      t.fail("node", "empty node name");
    }
  }
  switch (f.kind) {
  case FaultKind::Ber:
    if (t.require("value")) {
      t.real("value", f.value, 0.0, 1.0, true);
    }
    break;
  case FaultKind::Lanes:
    if (t.require("value")) {
      std::uint16_t lanes = 0;
      if (t.integer("value", lanes, 1)) {
        f.value = lanes;
      }
    }
    break;
  case FaultKind::LinkDown:
  case FaultKind::LinkUp:
    unused({"value"});
    break;
  case FaultKind::SwitchDown:
  case FaultKind::SwitchUp:
    break;
  }
}

} // namespace

void read_faults(Reader& r, const toml::node& n, std::vector<FaultEvent>& out) {
  std::vector<const toml::table*> tables;
  if (!tables_of(r, n, "fault", tables)) {
    return;
  }
  static constexpr std::array<std::string_view, 7> kKeys{"at",   "kind", "a",    "b",
                                                         "link", "node", "value"};
  for (std::size_t i = 0; i < tables.size() && r.ok(); ++i) {
    Table t(r, *tables[i], fmt::format("fault[{}]", i), kKeys);
    FaultEvent f;
    f.line = line_of(*tables[i]);
    read_fault(t, f);
    out.push_back(std::move(f));
  }
}

} // namespace ub::sim::scn
