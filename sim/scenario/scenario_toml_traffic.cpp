// [[traffic]]: one PatternSpec per table. Keys that only some patterns or size distributions
// use are refused elsewhere ("not used by pattern ..."), so that a misplaced key is not silently
// ignored. MODEL A-192: op_bytes defaults by op (load and store 64 B, fetch_add 8 B, others
// 4096 B) and a load_store pattern's op defaults to load.

#include <algorithm>
#include <array>
#include <limits>
#include <string>
#include <utility>

#include <fmt/format.h>

#include "sim/scenario/scenario_names.hpp"
#include "sim/scenario/scenario_sections.hpp"

namespace ub::sim::scn {

namespace {

constexpr std::uint64_t kU32Max = std::numeric_limits<std::uint32_t>::max();
constexpr std::uint64_t kU64Max = std::numeric_limits<std::uint64_t>::max();
// Endpoint indexes: below the most nodes a fabric can have (every node needs a CNA).
constexpr std::uint64_t kMaxEndpoint = kMaxNodes - 1;

constexpr std::array<std::string_view, 23> kKeys{
    "name",  "pattern",      "op",    "endpoints", "size",     "bytes",   "min_bytes", "max_bytes",
    "cdf",   "op_bytes",     "count", "fan_in",    "target",   "experts", "top_k",     "pairs",
    "start", "interarrival", "rate",  "window",    "priority", "after",   "repeat"};

// Which patterns use a key that not all of them use.
struct Use {
  std::string_view key;
  std::initializer_list<PatternKind> patterns;
};

bool used_by(PatternKind k, std::initializer_list<PatternKind> ps) {
  return std::find(ps.begin(), ps.end(), k) != ps.end();
}

std::string pattern_list(std::initializer_list<PatternKind> ps) {
  std::vector<std::string_view> names;
  for (const auto p : ps) {
    names.push_back(to_string(p));
  }
  return list_names(names);
}

// Refuses keys the pattern or the size distribution does not use.
void check_applicable(Table& t, const PatternSpec& p) {
  using P = PatternKind;
  const std::array<Use, 7> uses{{
      {"count", {P::Uniform}},
      {"interarrival", {P::Uniform}},
      {"fan_in", {P::Incast}},
      {"target", {P::Incast}},
      {"experts", {P::MoeDispatch, P::MoeCombine}},
      {"top_k", {P::MoeDispatch, P::MoeCombine}},
      {"pairs", {P::Explicit}},
  }};
  for (const auto& u : uses) {
    if (t.has(u.key) && !used_by(p.kind, u.patterns)) {
      t.fail(u.key, fmt::format("not used by pattern \"{}\" (only by {})", to_string(p.kind),
                                pattern_list(u.patterns)));
      return;
    }
  }
  if (p.kind == P::Explicit && t.has("endpoints")) {
    t.fail("endpoints", "not used by pattern \"explicit\": its pairs name the endpoints");
    return;
  }
  struct SizeUse {
    std::string_view key;
    std::initializer_list<SizeDist> sizes;
  };
  using S = SizeDist;
  const std::array<SizeUse, 4> size_uses{{
      {"bytes", {S::Fixed, S::Exponential}},
      {"min_bytes", {S::Uniform}},
      {"max_bytes", {S::Uniform}},
      {"cdf", {S::Cdf}},
  }};
  for (const auto& u : size_uses) {
    if (t.has(u.key) && std::find(u.sizes.begin(), u.sizes.end(), p.size) == u.sizes.end()) {
      t.fail(u.key, fmt::format("not used with size = \"{}\"", to_string(p.size)));
      return;
    }
  }
}

// "a..b" (a <= b): the indexes a to b inclusive, or a reason.
Expected<std::pair<std::uint32_t, std::uint32_t>, std::string> parse_range(std::string_view s) {
  const auto dots = s.find("..");
  const auto number = [](std::string_view d, std::uint32_t& out) {
    if (d.empty() || d.size() > 10 ||
        !std::all_of(d.begin(), d.end(), [](char c) { return c >= '0' && c <= '9'; })) {
      return false;
    }
    std::uint64_t v = 0;
    for (const char c : d) {
      v = v * 10 + static_cast<std::uint64_t>(c - '0');
    }
    out = static_cast<std::uint32_t>(v);
    return v <= kMaxEndpoint;
  };
  std::uint32_t a = 0;
  std::uint32_t b = 0;
  if (dots == std::string_view::npos || !number(s.substr(0, dots), a) ||
      !number(s.substr(dots + 2), b)) {
    return make_unexpected(fmt::format(
        "expected \"all\", a range \"first..last\" or an array of endpoint indexes (at most "
        "{}), got \"{}\"",
        kMaxEndpoint, s));
  }
  if (a > b) {
    return make_unexpected(fmt::format("empty range \"{}\" (first > last)", s));
  }
  return std::pair{a, b};
}

// endpoints = "all", "first..last" (inclusive) or [i, j, ...] (distinct indexes).
void read_endpoints(Table& t, PatternSpec& p) {
  const toml::node* n = t.find("endpoints");
  Reader& r = t.reader();
  if (n == nullptr || !r.ok()) {
    return;
  }
  p.endpoints.clear();
  if (const auto* s = n->as_string(); s != nullptr) {
    if (s->get() == "all") {
      return;
    }
    auto range = parse_range(s->get());
    if (!range) {
      t.fail("endpoints", range.error());
      return;
    }
    for (std::uint32_t e = range->first;; ++e) {
      p.endpoints.push_back(e);
      if (e == range->second) {
        break;
      }
    }
    return;
  }
  const auto* a = n->as_array();
  if (a == nullptr || a->empty()) {
    t.fail("endpoints", a == nullptr ? fmt::format("expected \"all\", a range \"first..last\" "
                                                   "or an array of endpoint indexes, got {}",
                                                   type_name(*n))
                                     : std::string{"empty (leave it out, or write \"all\")"});
    return;
  }
  std::vector<bool> seen(kMaxEndpoint + 1, false);
  for (std::size_t i = 0; i < a->size() && r.ok(); ++i) {
    std::uint64_t v = 0;
    const std::string key = fmt::format("{}[{}]", t.key("endpoints"), i);
    if (!read_integer(r, (*a)[i], key, v, 0, kMaxEndpoint)) {
      return;
    }
    if (seen[v]) {
      r.fail(&(*a)[i], key, fmt::format("endpoint {} listed twice", v));
      return;
    }
    seen[v] = true;
    p.endpoints.push_back(static_cast<std::uint32_t>(v));
  }
}

// cdf = [[bytes, p], ...]: sizes not decreasing, p not decreasing in [0, 1], the last p 1.
void read_cdf(Table& t, PatternSpec& p) {
  Reader& r = t.reader();
  const toml::array* a = t.array("cdf");
  if (a == nullptr) {
    return;
  }
  if (a->empty()) {
    t.fail("cdf", "empty: at least one [bytes, p] point");
    return;
  }
  for (std::size_t i = 0; i < a->size() && r.ok(); ++i) {
    const std::string key = fmt::format("{}[{}]", t.key("cdf"), i);
    const auto* pt = (*a)[i].as_array();
    if (pt == nullptr || pt->size() != 2) {
      r.fail(&(*a)[i], key, "expected a [bytes, p] pair");
      return;
    }
    CdfPoint c;
    if (!read_size(r, (*pt)[0], key + "[0]", c.bytes, 1, kU64Max) ||
        !read_real(r, (*pt)[1], key + "[1]", c.p, 0.0, 1.0, false)) {
      return;
    }
    if (!p.cdf.empty() && (c.bytes < p.cdf.back().bytes || c.p < p.cdf.back().p)) {
      r.fail(&(*a)[i], key, "points must not decrease in bytes or in p");
      return;
    }
    p.cdf.push_back(c);
  }
  if (r.ok() && p.cdf.back().p != 1.0) {
    t.fail("cdf", fmt::format("the last point's p must be 1 (it is {})", p.cdf.back().p));
  }
}

// pairs = [[src, dst], ...]
void read_pairs(Table& t, PatternSpec& p) {
  Reader& r = t.reader();
  const toml::array* a = t.array("pairs");
  if (a == nullptr) {
    return;
  }
  if (a->empty()) {
    t.fail("pairs", "empty: at least one [src, dst] pair");
    return;
  }
  for (std::size_t i = 0; i < a->size() && r.ok(); ++i) {
    const std::string key = fmt::format("{}[{}]", t.key("pairs"), i);
    const auto* pr = (*a)[i].as_array();
    if (pr == nullptr || pr->size() != 2) {
      r.fail(&(*a)[i], key, "expected a [src, dst] pair of endpoint indexes");
      return;
    }
    std::uint64_t src = 0;
    std::uint64_t dst = 0;
    if (!read_integer(r, (*pr)[0], key + "[0]", src, 0, kMaxEndpoint) ||
        !read_integer(r, (*pr)[1], key + "[1]", dst, 0, kMaxEndpoint)) {
      return;
    }
    if (src == dst) {
      r.fail(&(*a)[i], key, fmt::format("endpoint {} sends to itself", src));
      return;
    }
    p.pairs.emplace_back(static_cast<std::uint32_t>(src), static_cast<std::uint32_t>(dst));
  }
}

// after = ["name", ...]: each an earlier pattern.
void read_after(Table& t, PatternSpec& p, const std::vector<PatternSpec>& earlier) {
  Reader& r = t.reader();
  const toml::array* a = t.array("after");
  if (a == nullptr) {
    return;
  }
  std::vector<std::string_view> names;
  for (const auto& e : earlier) {
    names.push_back(e.name);
  }
  for (std::size_t i = 0; i < a->size() && r.ok(); ++i) {
    const std::string key = fmt::format("{}[{}]", t.key("after"), i);
    std::string name;
    if (!read_text(r, (*a)[i], key, name)) {
      return;
    }
    if (name == p.name) {
      r.fail(&(*a)[i], key, fmt::format("pattern \"{}\" cannot wait for itself", name));
    } else if (std::find(names.begin(), names.end(), name) == names.end()) {
      std::string reason = fmt::format("no earlier pattern is named \"{}\"", name);
      if (const auto hint = closest(name, names); !hint.empty()) {
        reason += fmt::format(" (did you mean \"{}\"?)", hint);
      }
      r.fail(&(*a)[i], key, std::move(reason));
    } else if (std::find(p.after.begin(), p.after.end(), name) != p.after.end()) {
      r.fail(&(*a)[i], key, fmt::format("\"{}\" listed twice", name));
    } else {
      p.after.push_back(std::move(name));
    }
  }
}

PatternSpec read_pattern(Table& t, std::size_t index, const std::vector<PatternSpec>& earlier) {
  Reader& r = t.reader();
  PatternSpec p;
  p.name = fmt::format("traffic{}", index);
  t.text("name", p.name);
  if (r.ok() && p.name.empty()) {
    t.fail("name", "empty pattern name");
  }
  for (std::size_t j = 0; j < earlier.size() && r.ok(); ++j) {
    if (earlier[j].name == p.name) {
      t.fail("name", fmt::format("pattern name \"{}\" is used by traffic[{}] too", p.name, j));
    }
  }
  t.choice("pattern", p.kind, pattern_names());
  if (p.kind == PatternKind::LoadStore) {
    p.op = OpKind::Load;
  }
  t.choice("op", p.op, op_names());
  if (r.ok() && p.kind == PatternKind::LoadStore && p.op != OpKind::Load && p.op != OpKind::Store) {
    t.fail("op", fmt::format("a load_store pattern does \"load\" or \"store\", not \"{}\"",
                             to_string(p.op)));
  }
  t.choice("size", p.size, size_dist_names());
  if (r.ok()) {
    check_applicable(t, p);
  }
  read_endpoints(t, p);
  t.size("bytes", p.bytes, 1, kU64Max);
  t.size("min_bytes", p.min_bytes, 1, kU64Max);
  t.size("max_bytes", p.max_bytes, 1, kU64Max);
  if (r.ok() && p.size == SizeDist::Uniform) {
    if (t.require("min_bytes") && t.require("max_bytes") && p.min_bytes > p.max_bytes) {
      t.fail("max_bytes", fmt::format("below min_bytes ({} < {})", p.max_bytes, p.min_bytes));
    }
  }
  if (r.ok() && p.size == SizeDist::Cdf && t.require("cdf")) {
    read_cdf(t, p);
  }
  switch (p.op) {
  case OpKind::Load:
  case OpKind::Store:
    p.op_bytes = 64;
    break;
  case OpKind::FetchAdd:
    p.op_bytes = 8;
    break;
  case OpKind::Write:
  case OpKind::Read:
  case OpKind::Send:
    break;
  }
  t.size("op_bytes", p.op_bytes, 1, kU32Max);
  t.integer("count", p.count, 1, kU32Max);
  t.integer("fan_in", p.fan_in, 1, kU32Max);
  t.integer("target", p.target, 0, kMaxEndpoint);
  t.integer("experts", p.experts, 1, kU32Max);
  t.integer("top_k", p.top_k, 1, kU32Max);
  if (r.ok() && p.top_k > p.experts &&
      (p.kind == PatternKind::MoeDispatch || p.kind == PatternKind::MoeCombine)) {
    t.fail(t.has("top_k") ? "top_k" : "experts",
           fmt::format("top_k {} is more than the {} experts", p.top_k, p.experts));
  }
  if (r.ok() && p.kind == PatternKind::Explicit && t.require("pairs")) {
    read_pairs(t, p);
  }
  t.time("start", p.start, false);
  t.time("interarrival", p.interarrival, false);
  BitRate rate{p.rate_bps};
  if (t.rate("rate", rate, true)) {
    p.rate_bps = rate.bps;
  }
  t.integer("window", p.window, 0, kU32Max);
  t.integer("priority", p.priority, 0, 15);
  read_after(t, p, earlier);
  t.integer("repeat", p.repeat, 1, kU32Max);
  return p;
}

} // namespace

void read_traffic(Reader& r, const toml::node& n, TrafficSpec& out) {
  std::vector<const toml::table*> tables;
  if (!tables_of(r, n, "traffic", tables)) {
    return;
  }
  for (std::size_t i = 0; i < tables.size() && r.ok(); ++i) {
    Table t(r, *tables[i], fmt::format("traffic[{}]", i), kKeys);
    PatternSpec p = read_pattern(t, i, out.patterns);
    out.patterns.push_back(std::move(p));
  }
}

} // namespace ub::sim::scn
