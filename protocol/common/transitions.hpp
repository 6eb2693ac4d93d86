#pragma once
// Protocol-transition coverage (issue 7, fuzz/README.md "Coverage").
//
// Every state machine in protocol/ declares, in a constexpr Machine table, the (state, event)
// pairs its clause of the spec allows, and marks each place it takes one with
//   UB_TRANSITION(machine, state, event);
// where `state` is the state the machine is in when the event happens (a name from the table,
// usually to_string() of the state variable) and `event` a name from the table.
//
// In a normal build the hook compiles to nothing (its arguments are not evaluated) and the core
// keeps no state. With UB_TRANSITION_COVERAGE defined (the `coverage` preset) every hook calls
// ub::transitions::record(), which the coverage-only translation unit
// fuzz/coverage/transition_registry.cpp defines: it counts the hits in one process-wide
// TransitionCounter and writes them out at exit. A pair the table does not declare is counted as
// undeclared, and the coverage report lists it as an error: the code took a transition its spec
// table does not allow (a protocol finding) or the table is incomplete.
//
// TransitionCounter is a plain class (no globals): tests use it directly.

#include <cstddef>
#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

namespace ub::transitions {

// One allowed (state, event) pair. `to` is the state it leads to (documentation and the report;
// the hook does not check it). `clause` cites the spec ("UB-Base-2.0 §4.2") or says "MODEL: ...".
struct Transition {
  std::string_view state;
  std::string_view event;
  std::string_view to;
  std::string_view clause;
};

struct Machine {
  std::string_view layer; // one of kLayers
  std::string_view name;  // "<layer>.<machine>", lower case
  std::span<const std::string_view> states;
  std::span<const std::string_view> events;
  std::span<const Transition> transitions;
};

inline constexpr std::string_view kLayers[] = {"phy", "dl", "nl", "tp", "ta", "fn", "mgmt"};

namespace detail {
constexpr bool name_char(char c, bool lower_only) noexcept {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
         (!lower_only && c >= 'A' && c <= 'Z');
}
constexpr bool valid_name(std::string_view s, bool lower_only) noexcept {
  if (s.empty()) {
    return false;
  }
  for (const char c : s) {
    if (!name_char(c, lower_only)) {
      return false;
    }
  }
  return true;
}
constexpr bool contains(std::span<const std::string_view> names, std::string_view s) noexcept {
  for (const auto n : names) {
    if (n == s) {
      return true;
    }
  }
  return false;
}
} // namespace detail

// The first problem with a table, as static text, or "" when it is well formed: the layer is
// known, the machine is named "<layer>.<name>", state and event names are identifiers and unique,
// every transition names a declared state, event and target state, cites a clause
// ("UB-Base-2.0 §..." or "MODEL: ..."), no (state, event) pair is declared twice, and every
// state and event appears in some transition.
[[nodiscard]] constexpr std::string_view check(const Machine& m) noexcept {
  if (!detail::contains(kLayers, m.layer)) {
    return "unknown layer";
  }
  if (m.name.size() <= m.layer.size() + 1 || m.name.substr(0, m.layer.size()) != m.layer ||
      m.name[m.layer.size()] != '.' ||
      !detail::valid_name(m.name.substr(m.layer.size() + 1), true)) {
    return "machine name is not <layer>.<lower_case_name>";
  }
  if (m.states.empty() || m.events.empty() || m.transitions.empty()) {
    return "no states, events or transitions";
  }
  for (std::size_t i = 0; i < m.states.size(); ++i) {
    if (!detail::valid_name(m.states[i], false)) {
      return "a state name is not an identifier";
    }
    for (std::size_t j = 0; j < i; ++j) {
      if (m.states[j] == m.states[i]) {
        return "a state is named twice";
      }
    }
  }
  for (std::size_t i = 0; i < m.events.size(); ++i) {
    if (!detail::valid_name(m.events[i], true)) {
      return "an event name is not a lower-case identifier";
    }
    for (std::size_t j = 0; j < i; ++j) {
      if (m.events[j] == m.events[i]) {
        return "an event is named twice";
      }
    }
  }
  for (std::size_t i = 0; i < m.transitions.size(); ++i) {
    const Transition& t = m.transitions[i];
    if (!detail::contains(m.states, t.state) || !detail::contains(m.states, t.to)) {
      return "a transition names an undeclared state";
    }
    if (!detail::contains(m.events, t.event)) {
      return "a transition names an undeclared event";
    }
    if (!t.clause.starts_with("UB-Base-2.0 §") && !t.clause.starts_with("MODEL: ")) {
      return "a transition cites no clause";
    }
    for (std::size_t j = 0; j < i; ++j) {
      if (m.transitions[j].state == t.state && m.transitions[j].event == t.event) {
        return "a (state, event) pair is declared twice";
      }
    }
  }
  for (const auto s : m.states) {
    bool used = false;
    for (const auto& t : m.transitions) {
      used = used || t.state == s || t.to == s;
    }
    if (!used) {
      return "a state is in no transition";
    }
  }
  for (const auto e : m.events) {
    bool used = false;
    for (const auto& t : m.transitions) {
      used = used || t.event == e;
    }
    if (!used) {
      return "an event is in no transition";
    }
  }
  return "";
}

// Index of the declared (state, event) pair in m.transitions, or m.transitions.size().
[[nodiscard]] constexpr std::size_t find(const Machine& m, std::string_view state,
                                         std::string_view event) noexcept {
  for (std::size_t i = 0; i < m.transitions.size(); ++i) {
    if (m.transitions[i].state == state && m.transitions[i].event == event) {
      return i;
    }
  }
  return m.transitions.size();
}

// Counts transitions taken, per machine (by the table's address: tables are inline constexpr
// variables, one object per program) and per declared pair; undeclared pairs by name.
class TransitionCounter {
public:
  void hit(const Machine& m, std::string_view state, std::string_view event) {
    const std::size_t i = find(m, state, event);
    if (i == m.transitions.size()) {
      ++undeclared_[{std::string(m.name), std::string(state), std::string(event)}];
      return;
    }
    auto& c = counts_[&m];
    c.resize(m.transitions.size(), 0);
    ++c[i];
  }
  [[nodiscard]] std::uint64_t count(const Machine& m, std::string_view state,
                                    std::string_view event) const {
    const std::size_t i = find(m, state, event);
    const auto it = counts_.find(&m);
    return i == m.transitions.size() || it == counts_.end() ? 0 : it->second[i];
  }
  // Declared pairs taken at least once.
  [[nodiscard]] std::size_t covered(const Machine& m) const {
    const auto it = counts_.find(&m);
    std::size_t n = 0;
    if (it != counts_.end()) {
      for (const auto c : it->second) {
        n += c > 0 ? 1 : 0;
      }
    }
    return n;
  }
  [[nodiscard]] std::uint64_t undeclared(std::string_view machine, std::string_view state,
                                         std::string_view event) const {
    const auto it =
        undeclared_.find({std::string(machine), std::string(state), std::string(event)});
    return it == undeclared_.end() ? 0 : it->second;
  }
  [[nodiscard]] std::size_t undeclared_pairs() const noexcept { return undeclared_.size(); }

  // Tab-separated, one line per declared pair of every machine in `machines` (count 0 included)
  // and per undeclared pair hit:
  //   declared   <layer> <machine> <state> <event> <to> <count> <clause>
  //   undeclared <machine> <state> <event> <count>
  // fuzz/coverage/report.py sums these over runs.
  [[nodiscard]] std::string to_text(std::span<const Machine* const> machines) const {
    std::string out;
    for (const Machine* m : machines) {
      for (const Transition& t : m->transitions) {
        out += "declared\t";
        for (const auto f : {m->layer, m->name, t.state, t.event, t.to}) {
          out.append(f);
          out += '\t';
        }
        out += std::to_string(count(*m, t.state, t.event));
        out += '\t';
        out.append(t.clause);
        out += '\n';
      }
    }
    for (const auto& [key, n] : undeclared_) {
      out += "undeclared\t" + std::get<0>(key) + '\t' + std::get<1>(key) + '\t' + std::get<2>(key) +
             '\t' + std::to_string(n) + '\n';
    }
    return out;
  }

private:
  std::map<const Machine*, std::vector<std::uint64_t>> counts_;
  std::map<std::tuple<std::string, std::string, std::string>, std::uint64_t> undeclared_;
};

#if defined(UB_TRANSITION_COVERAGE)
// Defined by fuzz/coverage/transition_registry.cpp, linked only into coverage builds (and into
// the test of the hook): record() counts one hit in the process-wide counter, recorded() reads
// it. At exit the counts are appended to the file $UB_TRANSITION_FILE names, if set.
void record(const Machine& m, std::string_view state, std::string_view event) noexcept;
[[nodiscard]] const TransitionCounter& recorded() noexcept;
#endif

} // namespace ub::transitions

#if defined(UB_TRANSITION_COVERAGE)
#define UB_TRANSITION(machine, state, event) ::ub::transitions::record((machine), (state), (event))
#else
#define UB_TRANSITION(machine, state, event) static_cast<void>(0)
#endif
