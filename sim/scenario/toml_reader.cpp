#include "sim/scenario/toml_reader.hpp"

#include <algorithm>
#include <cmath>
#include <vector>

#include <fmt/format.h>

#include "sim/scenario/units_parse.hpp"

namespace ub::sim::scn {

bool Reader::fail(const toml::node* where, std::string key, std::string reason) {
  if (error_) {
    return false;
  }
  ConfigError e{file_, 0, std::move(key), std::move(reason)};
  if (where != nullptr) {
    const auto& src = where->source();
    if (src.path && *src.path == kOverrideSource) {
      e.file = std::string{kOverrideSource};
    } else {
      e.line = src.begin.line;
    }
  }
  error_ = std::move(e);
  return false;
}

std::string_view type_name(const toml::node& n) noexcept {
  switch (n.type()) {
  case toml::node_type::table:
    return "a table";
  case toml::node_type::array:
    return "an array";
  case toml::node_type::string:
    return "a string";
  case toml::node_type::integer:
    return "an integer";
  case toml::node_type::floating_point:
    return "a float";
  case toml::node_type::boolean:
    return "a boolean";
  case toml::node_type::date:
    return "a date";
  case toml::node_type::time:
    return "a time of day";
  case toml::node_type::date_time:
    return "a date-time";
  case toml::node_type::none:
    break;
  }
  return "nothing";
}

namespace {

bool wrong_type(Reader& r, const toml::node& n, const std::string& key, std::string_view want) {
  return r.fail(&n, key, fmt::format("expected {}, got {}", want, type_name(n)));
}

bool in_range(Reader& r, const toml::node& n, const std::string& key, std::uint64_t v,
              std::uint64_t lo, std::uint64_t hi, std::string_view shown) {
  if (v < lo || v > hi) {
    return r.fail(&n, key, fmt::format("out of range {} ({}..{})", shown, lo, hi));
  }
  return true;
}

} // namespace

bool read_text(Reader& r, const toml::node& n, const std::string& key, std::string& out) {
  const auto* s = n.as_string();
  if (s == nullptr) {
    return wrong_type(r, n, key, "a string");
  }
  out = s->get();
  return true;
}

bool read_flag(Reader& r, const toml::node& n, const std::string& key, bool& out) {
  const auto* b = n.as_boolean();
  if (b == nullptr) {
    return wrong_type(r, n, key, "true or false");
  }
  out = b->get();
  return true;
}

bool read_integer(Reader& r, const toml::node& n, const std::string& key, std::uint64_t& out,
                  std::uint64_t lo, std::uint64_t hi) {
  const auto* i = n.as_integer();
  if (i == nullptr) {
    return wrong_type(r, n, key, "an integer");
  }
  const std::int64_t v = i->get();
  if (v < 0) {
    return r.fail(&n, key, fmt::format("out of range {} ({}..{})", v, lo, hi));
  }
  const auto u = static_cast<std::uint64_t>(v);
  if (!in_range(r, n, key, u, lo, hi, std::to_string(u))) {
    return false;
  }
  out = u;
  return true;
}

bool read_size(Reader& r, const toml::node& n, const std::string& key, std::uint64_t& out,
               std::uint64_t lo, std::uint64_t hi) {
  std::uint64_t v = 0;
  std::string shown;
  if (const auto* i = n.as_integer(); i != nullptr) {
    if (i->get() < 0) {
      return r.fail(&n, key, fmt::format("negative size {}", i->get()));
    }
    v = static_cast<std::uint64_t>(i->get());
    shown = std::to_string(v);
  } else if (const auto* s = n.as_string(); s != nullptr) {
    auto parsed = parse_size(s->get());
    if (!parsed) {
      return r.fail(&n, key, parsed.error());
    }
    v = *parsed;
    shown = fmt::format("\"{}\" = {} B", s->get(), v);
  } else {
    return wrong_type(r, n, key, "a size (bytes as an integer, or a string such as \"64KiB\")");
  }
  if (!in_range(r, n, key, v, lo, hi, shown)) {
    return false;
  }
  out = v;
  return true;
}

bool read_time(Reader& r, const toml::node& n, const std::string& key, Time& out, bool positive) {
  Time t{};
  if (const auto* i = n.as_integer(); i != nullptr) {
    if (i->get() != 0) {
      return r.fail(&n, key,
                    fmt::format("a time needs a unit: write a string such as \"{}ns\"", i->get()));
    }
  } else if (const auto* s = n.as_string(); s != nullptr) {
    auto parsed = parse_time(s->get());
    if (!parsed) {
      return r.fail(&n, key, parsed.error());
    }
    t = *parsed;
  } else {
    return wrong_type(r, n, key, "a time (a string such as \"20ns\")");
  }
  if (positive && t <= Time{0}) {
    return r.fail(&n, key, "must be positive");
  }
  out = t;
  return true;
}

bool read_rate(Reader& r, const toml::node& n, const std::string& key, BitRate& out,
               bool allow_zero) {
  BitRate v{};
  if (const auto* i = n.as_integer(); i != nullptr) {
    if (i->get() != 0) {
      return r.fail(
          &n, key, fmt::format("a rate needs a unit: write a string such as \"{}Gbps\"", i->get()));
    }
  } else if (const auto* s = n.as_string(); s != nullptr) {
    auto parsed = parse_rate(s->get());
    if (!parsed) {
      return r.fail(&n, key, parsed.error());
    }
    v = *parsed;
  } else {
    return wrong_type(r, n, key, "a rate (a string such as \"400Gbps\")");
  }
  if (!allow_zero && v.bps == 0) {
    return r.fail(&n, key, "must be positive");
  }
  out = v;
  return true;
}

bool read_real(Reader& r, const toml::node& n, const std::string& key, double& out, double lo,
               double hi, bool hi_open) {
  double v = 0;
  if (const auto* f = n.as_floating_point(); f != nullptr) {
    v = f->get();
  } else if (const auto* i = n.as_integer(); i != nullptr) {
    v = static_cast<double>(i->get());
  } else {
    return wrong_type(r, n, key, "a number");
  }
  if (!std::isfinite(v) || v < lo || v > hi || (hi_open && v == hi)) {
    return r.fail(
        &n, key,
        fmt::format("out of range {} ({} <= value {} {})", v, lo, hi_open ? "<" : "<=", hi));
  }
  out = v;
  return true;
}

std::string list_names(std::span<const std::string_view> names) {
  std::string s;
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (i != 0) {
      s += i + 1 == names.size() ? " or " : ", ";
    }
    s += '"';
    s += names[i];
    s += '"';
  }
  return s;
}

std::string_view closest(std::string_view word, std::span<const std::string_view> known) {
  std::string_view best;
  std::size_t best_d = 3; // a typo: at most two edits
  std::vector<std::size_t> prev;
  std::vector<std::size_t> cur;
  for (const auto k : known) {
    prev.resize(k.size() + 1);
    cur.resize(k.size() + 1);
    for (std::size_t j = 0; j <= k.size(); ++j) {
      prev[j] = j;
    }
    for (std::size_t i = 1; i <= word.size(); ++i) {
      cur[0] = i;
      for (std::size_t j = 1; j <= k.size(); ++j) {
        const std::size_t sub = prev[j - 1] + (word[i - 1] == k[j - 1] ? 0 : 1);
        cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, sub});
      }
      std::swap(prev, cur);
    }
    const std::size_t d = prev[k.size()];
    if (d < best_d && d < std::max(word.size(), k.size())) {
      best_d = d;
      best = k;
    }
  }
  return best;
}

Table::Table(Reader& r, const toml::table& t, std::string path,
             std::span<const std::string_view> known)
    : r_(r), t_(t), path_(std::move(path)) {
  // The unknown key that comes first in the file (toml++ iterates keys in sorted order).
  const toml::node* first = nullptr;
  std::string_view first_name;
  for (auto&& [k, v] : t_) {
    if (std::find(known.begin(), known.end(), k.str()) == known.end() &&
        (first == nullptr || v.source().begin < first->source().begin)) {
      first = &v;
      first_name = k.str();
    }
  }
  if (first == nullptr) {
    return;
  }
  std::string reason = "unknown key";
  if (const auto hint = closest(first_name, known); !hint.empty()) {
    reason += fmt::format(" (did you mean \"{}\"?)", hint);
  } else if (!known.empty()) {
    std::string all;
    for (const auto n : known) {
      all += all.empty() ? "" : ", ";
      all += n;
    }
    reason += fmt::format(" (known here: {})", all);
  }
  r_.fail(first, key(first_name), std::move(reason));
}

std::string Table::key(std::string_view k) const {
  if (path_.empty()) {
    return std::string{k};
  }
  std::string s = path_;
  s += '.';
  s += k;
  return s;
}

bool Table::text(std::string_view k, std::string& out) {
  const toml::node* n = find(k);
  return n == nullptr || !r_.ok() || read_text(r_, *n, key(k), out);
}

bool Table::flag(std::string_view k, bool& out) {
  const toml::node* n = find(k);
  return n == nullptr || !r_.ok() || read_flag(r_, *n, key(k), out);
}

bool Table::integer(std::string_view k, std::uint64_t& out, std::uint64_t lo, std::uint64_t hi) {
  const toml::node* n = find(k);
  return n == nullptr || !r_.ok() || read_integer(r_, *n, key(k), out, lo, hi);
}

bool Table::size(std::string_view k, std::uint64_t& out, std::uint64_t lo, std::uint64_t hi) {
  const toml::node* n = find(k);
  return n == nullptr || !r_.ok() || read_size(r_, *n, key(k), out, lo, hi);
}

bool Table::time(std::string_view k, Time& out, bool positive) {
  const toml::node* n = find(k);
  return n == nullptr || !r_.ok() || read_time(r_, *n, key(k), out, positive);
}

bool Table::rate(std::string_view k, BitRate& out, bool allow_zero) {
  const toml::node* n = find(k);
  return n == nullptr || !r_.ok() || read_rate(r_, *n, key(k), out, allow_zero);
}

bool Table::real(std::string_view k, double& out, double lo, double hi, bool hi_open) {
  const toml::node* n = find(k);
  return n == nullptr || !r_.ok() || read_real(r_, *n, key(k), out, lo, hi, hi_open);
}

const toml::table* Table::table(std::string_view k) {
  const toml::node* n = find(k);
  if (n == nullptr || !r_.ok()) {
    return nullptr;
  }
  if (const auto* t = n->as_table(); t != nullptr) {
    return t;
  }
  wrong_type(r_, *n, key(k), "a table");
  return nullptr;
}

const toml::array* Table::array(std::string_view k) {
  const toml::node* n = find(k);
  if (n == nullptr || !r_.ok()) {
    return nullptr;
  }
  if (const auto* a = n->as_array(); a != nullptr) {
    return a;
  }
  wrong_type(r_, *n, key(k), "an array");
  return nullptr;
}

bool Table::fail(std::string_view k, std::string reason) {
  const toml::node* n = find(k);
  return r_.fail(n != nullptr ? n : &t_, key(k), std::move(reason));
}

bool Table::require(std::string_view k) {
  if (has(k)) {
    return true;
  }
  return r_.fail(&t_, key(k), "required key missing");
}

} // namespace ub::sim::scn
