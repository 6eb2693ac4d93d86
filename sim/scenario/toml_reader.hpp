#pragma once
// Reading a parsed TOML tree into plain structs, with ConfigErrors naming the file, the line, the
// dotted key and the reason. Used by the scenario reader (scenario_toml*.cpp); internal to
// sim/scenario: only .cpp files include it, so toml++ stays out of every public header.
//
// Values that came from a `--set` override (scenario_overrides.hpp) carry the source name
// "--set" and are reported with that file name and no line.

#include <cstdint>
#include <limits>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <toml++/toml.h>

#include "protocol/common/units.hpp"
#include "sim/config_error.hpp"
#include "sim/scenario/scenario_names.hpp"

namespace ub::sim::scn {

inline constexpr std::string_view kOverrideSource = "--set";

// The first error of a read (later ones are ignored: each getter does nothing once one is
// recorded, so a reader can run to the end of a section and check once).
class Reader {
public:
  explicit Reader(std::string file) : file_(std::move(file)) {}
  [[nodiscard]] bool ok() const noexcept { return !error_.has_value(); }
  [[nodiscard]] const ConfigError& error() const { return *error_; }
  [[nodiscard]] const std::string& file() const noexcept { return file_; }
  // Records an error at `where` (nullptr: the file, no line) unless one is recorded already.
  // Always returns false, so that `return r.fail(...)` reads naturally.
  bool fail(const toml::node* where, std::string key, std::string reason);

private:
  std::string file_;
  std::optional<ConfigError> error_;
};

// "integer", "string", ...: the TOML type of a node, for "expected X, got Y".
[[nodiscard]] std::string_view type_name(const toml::node& n) noexcept;

// One value converted, or an error recorded at the node. Ranges are inclusive.
bool read_text(Reader& r, const toml::node& n, const std::string& key, std::string& out);
bool read_flag(Reader& r, const toml::node& n, const std::string& key, bool& out);
bool read_integer(Reader& r, const toml::node& n, const std::string& key, std::uint64_t& out,
                  std::uint64_t lo, std::uint64_t hi);
// An integer of bytes or a size string ("64KiB", units_parse.hpp).
bool read_size(Reader& r, const toml::node& n, const std::string& key, std::uint64_t& out,
               std::uint64_t lo, std::uint64_t hi);
// A time string ("20ns"), or the integer 0. `positive`: 0 is refused.
bool read_time(Reader& r, const toml::node& n, const std::string& key, Time& out, bool positive);
// A rate string ("400Gbps"), or the integer 0 when `allow_zero`.
bool read_rate(Reader& r, const toml::node& n, const std::string& key, BitRate& out,
               bool allow_zero);
// A float or an integer in [lo, hi) (hi excluded when `hi_open`, else included).
bool read_real(Reader& r, const toml::node& n, const std::string& key, double& out, double lo,
               double hi, bool hi_open);

// "\"a\", \"b\" or \"c\"" for the error of a bad choice.
[[nodiscard]] std::string list_names(std::span<const std::string_view> names);

template <class E>
bool read_choice(Reader& r, const toml::node& n, const std::string& key, E& out,
                 std::span<const Named<E>> choices) {
  std::string s;
  if (!read_text(r, n, key, s)) {
    return false;
  }
  std::vector<std::string_view> names;
  for (const auto& c : choices) {
    if (c.name == s) {
      out = c.value;
      return true;
    }
    names.push_back(c.name);
  }
  return r.fail(&n, key, "unknown value \"" + s + "\" (one of " + list_names(names) + ")");
}

// The closest of `known` to `word` if it is a likely typo (edit distance at most 2), else "".
[[nodiscard]] std::string_view closest(std::string_view word,
                                       std::span<const std::string_view> known);

// One table of the tree, at dotted `path` ("" for the root, "run", "traffic[2]"). Its keys are
// checked against `known` when it is opened: an unknown key is an error ("unknown key", with a
// suggestion). The getters leave `out` unchanged when the key is absent.
class Table {
public:
  Table(Reader& r, const toml::table& t, std::string path, std::span<const std::string_view> known);

  [[nodiscard]] std::string key(std::string_view k) const;
  [[nodiscard]] const toml::node* find(std::string_view k) const { return t_.get(k); }
  [[nodiscard]] bool has(std::string_view k) const { return t_.contains(k); }
  [[nodiscard]] const toml::table& node() const noexcept { return t_; }
  [[nodiscard]] Reader& reader() const noexcept { return r_; }
  [[nodiscard]] const std::string& path() const noexcept { return path_; }

  bool text(std::string_view k, std::string& out);
  bool flag(std::string_view k, bool& out);
  bool integer(std::string_view k, std::uint64_t& out, std::uint64_t lo, std::uint64_t hi);
  template <class T>
  bool integer(std::string_view k, T& out, std::uint64_t lo,
               std::uint64_t hi = std::numeric_limits<T>::max()) {
    std::uint64_t v = out;
    if (!integer(k, v, lo, hi)) {
      return false;
    }
    out = static_cast<T>(v);
    return true;
  }
  bool size(std::string_view k, std::uint64_t& out, std::uint64_t lo, std::uint64_t hi);
  template <class T>
  bool size(std::string_view k, T& out, std::uint64_t lo,
            std::uint64_t hi = std::numeric_limits<T>::max()) {
    std::uint64_t v = out;
    if (!size(k, v, lo, hi)) {
      return false;
    }
    out = static_cast<T>(v);
    return true;
  }
  bool time(std::string_view k, Time& out, bool positive);
  bool rate(std::string_view k, BitRate& out, bool allow_zero);
  bool real(std::string_view k, double& out, double lo, double hi, bool hi_open);
  template <class E>
  bool choice(std::string_view k, E& out, std::span<const Named<E>> choices) {
    const toml::node* n = find(k);
    return n == nullptr || !r_.ok() || read_choice(r_, *n, key(k), out, choices);
  }
  // A sub-table or an array; nullptr when absent or of another type (an error is recorded then).
  const toml::table* table(std::string_view k);
  const toml::array* array(std::string_view k);
  // Records an error at key `k` (its node if present, else this table).
  bool fail(std::string_view k, std::string reason);
  // True when `k` is present; otherwise records "required key missing" at this table.
  bool require(std::string_view k);

private:
  Reader& r_;
  const toml::table& t_;
  std::string path_;
};

} // namespace ub::sim::scn
