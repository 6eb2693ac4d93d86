#include "sim/scenario/scenario_overrides.hpp"

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include <fmt/format.h>

#include "sim/scenario/toml_reader.hpp"

namespace ub::sim::scn {

namespace {

struct Segment {
  std::string name;
  std::vector<std::size_t> indexes;
};

ConfigResult<void> bad(std::string key, std::string reason) {
  return make_unexpected(
      ConfigError{std::string{kOverrideSource}, 0, std::move(key), std::move(reason)});
}

bool name_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '-';
}

// The key's segments, or a reason.
Expected<std::vector<Segment>, std::string> split_key(std::string_view key) {
  std::vector<Segment> out;
  std::size_t i = 0;
  while (true) {
    Segment seg;
    while (i < key.size() && name_char(key[i])) {
      seg.name += key[i++];
    }
    if (seg.name.empty()) {
      return make_unexpected(std::string{"malformed key: a name (letters, digits, _ or -) is "
                                         "expected before every '.', '[' and at the start"});
    }
    while (i < key.size() && key[i] == '[') {
      ++i;
      std::size_t v = 0;
      std::size_t digits = 0;
      while (i < key.size() && key[i] >= '0' && key[i] <= '9') {
        if (digits++ == 9) {
          return make_unexpected(std::string{"malformed key: index too large"});
        }
        v = v * 10 + static_cast<std::size_t>(key[i++] - '0');
      }
      if (digits == 0 || i >= key.size() || key[i] != ']') {
        return make_unexpected(std::string{"malformed key: expected [index] with a number"});
      }
      ++i;
      seg.indexes.push_back(v);
    }
    out.push_back(std::move(seg));
    if (i == key.size()) {
      return out;
    }
    if (key[i] != '.') {
      return make_unexpected(fmt::format("malformed key: unexpected '{}'", key[i]));
    }
    ++i;
  }
}

// A parsed document whose every node carries the source "--set".
toml::table parse_override(std::string_view text) {
  return toml::parse(text, kOverrideSource);
}

std::string quote_toml(std::string_view s) {
  std::string q = "\"";
  for (const char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      q += '\\';
      q += c;
    } else if (u < 0x20 || u == 0x7F) {
      q += fmt::format("\\u{:04X}", unsigned{u});
    } else {
      q += c;
    }
  }
  q += '"';
  return q;
}

// The value as a one-key document `v = ...`: a TOML value if it is one, else a string.
// Throws toml::parse_error only for text that is no string either (invalid UTF-8).
toml::table value_doc(std::string_view value) {
  try {
    toml::table t = parse_override(fmt::format("v = {}", value));
    if (t.size() == 1 && t.contains("v")) {
      return t;
    }
  } catch (const toml::parse_error&) {
    // not a TOML value: a bare string
  }
  return parse_override(fmt::format("v = {}", quote_toml(value)));
}

std::string prefix_of(const std::vector<Segment>& segs, std::size_t seg, std::size_t idx_count) {
  std::string s;
  for (std::size_t i = 0; i <= seg; ++i) {
    if (i != 0) {
      s += '.';
    }
    s += segs[i].name;
    const std::size_t n =
        i == seg ? std::min(idx_count, segs[i].indexes.size()) : segs[i].indexes.size();
    for (std::size_t j = 0; j < n; ++j) {
      s += fmt::format("[{}]", segs[i].indexes[j]);
    }
  }
  return s;
}

// An empty table or array that carries the source "--set".
toml::table fresh_table() {
  return parse_override("");
}
toml::array fresh_array() {
  toml::table t = parse_override("a = []");
  return std::move(*t.get_as<toml::array>("a"));
}

ConfigResult<void> apply_one(toml::table& root, const std::string& text) {
  const auto eq = text.find('=');
  if (eq == std::string::npos) {
    return bad(text, "expected key=value");
  }
  const auto trim = [](std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) {
      s.remove_prefix(1);
    }
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) {
      s.remove_suffix(1);
    }
    return s;
  };
  const std::string key{trim(std::string_view{text}.substr(0, eq))};
  const std::string_view value = trim(std::string_view{text}.substr(eq + 1));
  auto segs = split_key(key);
  if (!segs) {
    return bad(key.empty() ? text : key, segs.error());
  }
  toml::table doc;
  try {
    doc = value_doc(value);
  } catch (const toml::parse_error& e) {
    return bad(key, fmt::format("bad value: {}", e.description()));
  }
  toml::node& val = *doc.get("v");

  toml::node* cur = &root;
  for (std::size_t s = 0; s < segs->size(); ++s) {
    const Segment& seg = (*segs)[s];
    const bool last_seg = s + 1 == segs->size();
    auto* table = cur->as_table();
    if (table == nullptr) {
      return bad(key, fmt::format("{} is {}, not a table", prefix_of(*segs, s - 1, SIZE_MAX),
                                  type_name(*cur)));
    }
    if (seg.indexes.empty() && last_seg) {
      table->insert_or_assign(seg.name, std::move(val));
      return {};
    }
    toml::node* child = table->get(seg.name);
    if (child == nullptr) {
      if (seg.indexes.empty()) {
        table->insert_or_assign(seg.name, fresh_table());
      } else {
        table->insert_or_assign(seg.name, fresh_array());
      }
      child = table->get(seg.name);
    }
    for (std::size_t j = 0; j < seg.indexes.size(); ++j) {
      auto* arr = child->as_array();
      if (arr == nullptr) {
        return bad(
            key, fmt::format("{} is {}, not an array", prefix_of(*segs, s, j), type_name(*child)));
      }
      const std::size_t idx = seg.indexes[j];
      const bool last = last_seg && j + 1 == seg.indexes.size();
      if (idx > arr->size()) {
        return bad(key, fmt::format("index {} is past the end of {} (length {}; index {} appends)",
                                    idx, prefix_of(*segs, s, j), arr->size(), arr->size()));
      }
      if (last) {
        if (idx == arr->size()) {
          arr->push_back(std::move(val));
        } else {
          arr->replace(arr->cbegin() + static_cast<std::ptrdiff_t>(idx), std::move(val));
        }
        return {};
      }
      if (idx == arr->size()) {
        if (j + 1 < seg.indexes.size()) {
          arr->push_back(fresh_array());
        } else {
          arr->push_back(fresh_table());
        }
      }
      child = arr->get(idx);
    }
    cur = child;
  }
  return {}; // unreachable: the last segment returns above
}

} // namespace

ConfigResult<void> apply_overrides(toml::table& root, std::span<const std::string> overrides) {
  for (const auto& o : overrides) {
    if (auto r = apply_one(root, o); !r) {
      return r;
    }
  }
  return {};
}

} // namespace ub::sim::scn
